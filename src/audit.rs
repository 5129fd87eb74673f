//! One site, end to end: crawl, analyse, judge, score.
//!
//! [`Auditor`] holds what is loaded once (the engine, and the
//! [`Judge`]: knowledge, lists, profiles, compiled rules) and audits any
//! number of sites with it. `scan`, `demo`
//! and campaigns all go through here.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use url::Url;

use crate::crawl::{build_engine, CrawlOptions, Engine, EngineChoice};
use crate::evidence::{Evidence, VisitKind};
use crate::judge::{Judge, JudgeConfig};
use crate::verdict::SiteReport;

/// What an audit needs besides the URL.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub engine: EngineChoice,
    pub crawl: CrawlOptions,
    /// What judging is built from.
    pub judge: JudgeConfig,
}

/// Loaded once, used for every site: the engine and the judge.
pub struct Auditor {
    pub engine: Arc<dyn Engine>,
    /// The crawl options the engine runs with (provenance of reports made
    /// without it, such as a timed-out site).
    pub crawl: Arc<CrawlOptions>,
    pub judge: Judge,
}

impl Auditor {
    /// Load knowledge, lists and rules, and start the engine. `warn`
    /// receives one-line notices.
    pub fn new(config: AuditConfig, warn: &mut dyn FnMut(String)) -> Result<Self> {
        let judge = Judge::new(config.judge, warn)?;
        let mut crawl = config.crawl;
        // A full audit under a profile that counts a close (✕) as a
        // refusal also checks that closing is respected.
        let closes = judge
            .config
            .profile
            .as_deref()
            .and_then(|id| judge.analyser.profiles.get(id))
            .is_some_and(|p| p.close_is_refusal);
        if closes && crawl.visits == VisitKind::STANDARD {
            crawl.visits.push(VisitKind::AfterClose);
        }
        crawl.ruleset_version = judge.rules_version().to_string();
        crawl.lists = judge.lists();
        let crawl = Arc::new(crawl);
        let engine = build_engine(
            config.engine,
            crawl.clone(),
            judge.analyser.knowledge.clone(),
            warn,
        )?;
        Ok(Auditor {
            engine,
            crawl,
            judge,
        })
    }

    /// Audit one site. Never fails: an unreachable site is a report that
    /// says so. The site's deadline (`--site-timeout`) is enforced here,
    /// from outside the engine: the browser engine keeps its own, a little
    /// earlier, so that what it saw is kept; past this one the crawl is
    /// dropped (a dropped browser crawl kills its browser).
    pub async fn audit(&self, url: &Url) -> SiteReport {
        let deadline = self.crawl.site_timeout;
        match tokio::time::timeout(deadline, self.engine.crawl(url)).await {
            Ok(evidence) => self.judge(evidence),
            Err(_) => self.timed_out(url, deadline),
        }
    }

    /// The report of a site whose audit ran out of time (campaigns give
    /// each site a deadline, so one hanging site cannot stall them).
    pub fn timed_out(&self, url: &Url, after: std::time::Duration) -> SiteReport {
        let message = format!("the audit took longer than {} s", after.as_secs());
        let now = chrono::Utc::now();
        let evidence = Evidence {
            schema_version: crate::evidence::EVIDENCE_VERSION.to_string(),
            provenance: self.crawl.provenance(
                self.engine.kind(),
                now,
                None,
                self.crawl.user_agent.clone(),
            ),
            target: crate::evidence::Target {
                input_url: url.to_string(),
                final_url: None,
                site: crate::party::registrable_domain(url.host_str().unwrap_or_default()),
            },
            visits: vec![crate::evidence::Visit::failed(
                crate::evidence::VisitKind::FirstVisit,
                url.as_str(),
                &message,
            )],
            errors: vec![crate::evidence::CrawlError {
                kind: "site_timeout".into(),
                message,
                url: Some(url.to_string()),
            }],
        };
        self.judge(evidence)
    }

    /// Judge stored evidence with the current rules (no crawling).
    pub fn judge(&self, evidence: Evidence) -> SiteReport {
        self.judge.judge(evidence)
    }
}

/// Read a target as a user types it: `example.fr` means `https://example.fr/`.
pub fn parse_target(raw: &str) -> Result<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        bail!("invalid URL ``: empty");
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).with_context(|| format!("invalid URL `{raw}`"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("invalid URL `{raw}`: only http and https sites can be audited");
    }
    match url.host_str() {
        None | Some("") => bail!("invalid URL `{raw}`: no host"),
        Some(h) if h.contains(['*', ' ']) => bail!("invalid URL `{raw}`: bad host"),
        _ => {}
    }
    Ok(crate::crawl::links::canonical(url))
}

#[cfg(test)]
mod tests {
    use super::parse_target;
    use crate::evidence::Evidence;
    use crate::judge::home_page_not_the_site;

    /// A sample site (home page 200, a title, a script and images), edited.
    fn sample(edit: impl Fn(&mut serde_json::Value)) -> Evidence {
        let mut v: serde_json::Value =
            serde_json::from_str(include_str!("cli/samples/banner-trackers-http.json")).unwrap();
        edit(&mut v["visits"][0]);
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn error_and_empty_home_pages_are_not_the_site() {
        assert_eq!(home_page_not_the_site(&sample(|_| {})), None);
        let e = sample(|v| v["pages"][0]["status"] = 404.into());
        assert_eq!(
            home_page_not_the_site(&e).as_deref(),
            Some("the home page answered HTTP 404 (Not Found): an error page is not the site")
        );
        let e = sample(|v| v["pages"][0]["status"] = 503.into());
        assert!(home_page_not_the_site(&e).unwrap().contains("HTTP 503"));
        // Truly empty: no byte, no title, nothing loaded.
        let empty = |v: &mut serde_json::Value| {
            v["requests"][0]["decoded_bytes"] = 0.into();
            v["requests"] = serde_json::Value::Array(vec![v["requests"][0].clone()]);
            v["pages"][0]["title"] = serde_json::Value::Null;
        };
        let e = sample(empty);
        assert!(home_page_not_the_site(&e).unwrap().contains("empty body"));
        // Near misses: a zero count beside a title, or beside subresources
        // the page loaded, is a miscount, not an empty page; a redirect
        // (3xx) or an unknown status is not an error.
        let e = sample(|v| {
            empty(v);
            v["pages"][0]["title"] = "Accueil".into();
        });
        assert_eq!(home_page_not_the_site(&e), None);
        let e = sample(|v| v["requests"][0]["decoded_bytes"] = 0.into());
        assert_eq!(home_page_not_the_site(&e), None);
        let e = sample(|v| v["pages"][0]["status"] = 304.into());
        assert_eq!(home_page_not_the_site(&e), None);
        let e = sample(|v| {
            v["pages"][0]["status"] = serde_json::Value::Null;
        });
        assert_eq!(home_page_not_the_site(&e), None);
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("example.fr").unwrap().as_str(),
            "https://example.fr/"
        );
        assert_eq!(
            parse_target("http://a.test:8080/x#y").unwrap().as_str(),
            "http://a.test:8080/x"
        );
        for bad in [
            "",
            "ftp://x.test/",
            "https://",
            "http://exa mple.com",
            "::::",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
