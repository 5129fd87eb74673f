//! One site, end to end: crawl, analyse, judge, score.
//!
//! [`Auditor`] holds what is loaded once (the engine, and the
//! [`Judge`]: knowledge, lists, profiles, compiled rules) and audits any
//! number of sites with it. `scan`, `demo`
//! and campaigns all go through here.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use url::Url;

use crate::analyse::trackers::FilterList;
use crate::analyse::Analyser;
use crate::crawl::{build_engine, CrawlOptions, Engine, EngineChoice};
use crate::evidence::{Evidence, ListInfo};
use crate::judge::{Judge, JudgeConfig};
use crate::knowledge::Knowledge;
use crate::report::SiteReport;
use crate::rules::score::score;
use crate::rules::{Catalogue, CompiledRules};

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
    pub engine: Box<dyn Engine>,
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

/// Analyse evidence and judge it with `rules`: facts, findings and score.
///
/// A home page that answered an error status, or came back empty, is not
/// the site: the site is then "not audited" (no finding, no score, out of
/// every ranking), with what was observed kept as evidence.
pub fn judge(analyser: &Analyser, rules: &CompiledRules, evidence: Evidence) -> SiteReport {
    // Rules read site text as a person sees it, without control characters
    // (the report holds it so, and stored evidence is judged the same).
    let evidence = crate::report::clean::clean(evidence);
    let mut facts = analyser.facts(&evidence);
    // A site whose audit ran out of time is not audited: what was seen
    // until then is kept as evidence, never judged as the whole site.
    let out_of_time = evidence
        .errors
        .iter()
        .find(|e| e.kind == "site_timeout")
        .map(|e| e.message.clone());
    let refused = out_of_time.or_else(|| {
        facts
            .reachable
            .then(|| home_page_not_the_site(&evidence))
            .flatten()
    });
    if refused.is_some() {
        // Rules that need a site do not apply to an error page.
        facts.reachable = false;
    }
    let outcomes = rules.evaluate(&facts);
    let s = score(rules, &outcomes);
    let mut report = SiteReport::new(evidence, facts, rules, outcomes, Some(s));
    if let Some(why) = refused {
        report.audited = false;
        report.error = Some(why);
        report.score = None;
        report.findings.clear();
    }
    report
}

/// Why the home page of the first visit is not the site, when it is not:
/// it answered a client or server error (4xx, 5xx), or its body was empty
/// (no byte at all). Pages that say little are still pages: only a body
/// with nothing in it counts as empty.
pub fn home_page_not_the_site(evidence: &Evidence) -> Option<String> {
    let visit = evidence.visit(crate::evidence::VisitKind::FirstVisit)?;
    let home = visit.pages.first()?;
    if home.error.is_some() {
        return None;
    }
    let status = home.status?;
    if status >= 400 {
        let reason = hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|c| c.canonical_reason())
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Some(format!(
            "the home page answered HTTP {status}{reason}: an error page is not the site"
        ));
    }
    // An empty body loads nothing and has no title: when either is seen,
    // the byte count is the one that is wrong. (What the browser fetches on
    // its own, such as /favicon.ico, is of type `other`.)
    use crate::evidence::ResourceType;
    let loads_something = visit.requests.iter().any(|r| {
        !matches!(
            r.resource_type,
            ResourceType::Document | ResourceType::Other
        ) && (r.page_url == home.url || Some(r.page_url.as_str()) == home.final_url.as_deref())
    });
    let titled = home.title.as_deref().is_some_and(|t| !t.trim().is_empty());
    if (200..300).contains(&status)
        && home_body_bytes(visit, home) == Some(0)
        && !loads_something
        && !titled
    {
        return Some(format!(
            "the home page answered HTTP {status} with an empty body: nothing to audit"
        ));
    }
    None
}

/// Body bytes of the home page document, where the engine measured them
/// (the document request's decoded size); `None` when unknown.
fn home_body_bytes(visit: &crate::evidence::Visit, home: &crate::evidence::Page) -> Option<u64> {
    let final_url = home.final_url.as_deref().unwrap_or(&home.url);
    let document = visit.requests.iter().find(|r| {
        r.resource_type == crate::evidence::ResourceType::Document
            && !r.after_choice
            && (r.url == final_url || r.url == home.url)
            && r.status == home.status
    });
    document.and_then(|r| r.decoded_bytes)
}

/// Knowledge, filter lists and compiled rules: everything judging needs.
pub fn load_judgement(
    rule_dirs: &[PathBuf],
    filter_lists: &[PathBuf],
) -> Result<(Analyser, CompiledRules)> {
    let knowledge = Arc::new(Knowledge::builtin()?);
    let filters = filter_lists
        .iter()
        .map(|p| FilterList::load(p))
        .collect::<Result<Vec<_>>>()?;
    let catalogue = Catalogue::load(rule_dirs)?;
    let rules = CompiledRules::compile(&catalogue)?;
    Ok((
        Analyser {
            knowledge,
            filters,
            lists: Default::default(),
            profiles: catalogue.profiles.clone(),
            profile: None,
        },
        rules,
    ))
}

/// A `--profile` that names a known profile, lower-cased.
pub fn check_profile(a: &Analyser, profile: Option<&str>) -> Result<Option<String>> {
    let Some(id) = profile else {
        return Ok(None);
    };
    match a.profiles.get(id) {
        Some(p) => Ok(Some(p.id.clone())),
        None => bail!(
            "unknown profile `{id}` (expected one of {})",
            a.profiles.ids().join(", ")
        ),
    }
}

pub(crate) fn list_infos(a: &Analyser) -> Vec<ListInfo> {
    let k = &a.knowledge;
    let mut lists = vec![
        ListInfo {
            name: "builtin:trackers".into(),
            version: k.trackers.version.clone(),
            entries: k.trackers.len(),
        },
        ListInfo {
            name: "builtin:cookies".into(),
            version: k.cookies.version.clone(),
            entries: k.cookies.len(),
        },
        ListInfo {
            name: "builtin:cmps".into(),
            version: k.cmps.version.clone(),
            entries: k.cmps.entries.len(),
        },
    ];
    if let Some(second) = k.cookies.second() {
        lists.push(ListInfo {
            name: "builtin:open-cookie-database".into(),
            version: second.version.clone(),
            entries: second.len(),
        });
    }
    lists.extend(a.filters.iter().map(FilterList::info));
    lists.extend(a.lists.infos());
    lists
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
    use super::{home_page_not_the_site, parse_target};
    use crate::evidence::Evidence;

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
