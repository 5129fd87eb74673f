//! One site, end to end: crawl, analyse, judge, score.
//!
//! [`Auditor`] holds what is loaded once (engine, knowledge, filter lists,
//! compiled rules) and audits any number of sites with it. `scan`, `demo`
//! and campaigns all go through here.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use url::Url;

use crate::analyse::trackers::FilterList;
use crate::analyse::Analyser;
use crate::crawl::{build_engine, CrawlOptions, Engine, EngineChoice};
use crate::evidence::{Evidence, ListInfo};
use crate::knowledge::Knowledge;
use crate::report::SiteReport;
use crate::rules::score::score;
use crate::rules::{Catalogue, CompiledRules};

/// What an audit needs besides the URL.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub engine: EngineChoice,
    pub crawl: CrawlOptions,
    /// Extra rule directories (`--rules DIR`).
    pub rule_dirs: Vec<PathBuf>,
    /// Filter lists (`--filter-list FILE`).
    pub filter_lists: Vec<PathBuf>,
}

/// Loaded once, used for every site.
pub struct Auditor {
    pub engine: Box<dyn Engine>,
    /// The crawl options the engine runs with (provenance of reports made
    /// without it, such as a timed-out site).
    pub crawl: Arc<CrawlOptions>,
    pub analyser: Analyser,
    pub rules: CompiledRules,
}

impl Auditor {
    /// Load knowledge, lists and rules, and start the engine. `warn`
    /// receives one-line notices.
    pub fn new(config: AuditConfig, warn: &mut dyn FnMut(String)) -> Result<Self> {
        let (mut analyser, rules) = load_judgement(&config.rule_dirs, &config.filter_lists)?;
        analyser.profile = check_profile(&analyser, config.crawl.profile.as_deref())?;
        let mut crawl = config.crawl;
        crawl.ruleset_version = rules.version.clone();
        crawl.lists = list_infos(&analyser);
        let crawl = Arc::new(crawl);
        let engine = build_engine(
            config.engine,
            crawl.clone(),
            analyser.knowledge.clone(),
            warn,
        )?;
        Ok(Auditor {
            engine,
            crawl,
            analyser,
            rules,
        })
    }

    /// Audit one site. Never fails: an unreachable site is a report that
    /// says so.
    pub async fn audit(&self, url: &Url) -> SiteReport {
        let evidence = self.engine.crawl(url).await;
        self.judge(evidence)
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
                site: crate::analyse::party::registrable_domain(url.host_str().unwrap_or_default()),
            },
            visits: vec![crate::evidence::Visit::failed(
                crate::evidence::VisitKind::FirstVisit,
                url.as_str(),
                &message,
            )],
            errors: vec![crate::evidence::CrawlError {
                kind: "timeout".into(),
                message,
                url: Some(url.to_string()),
            }],
        };
        self.judge(evidence)
    }

    /// Judge stored evidence with the current rules (no crawling).
    pub fn judge(&self, evidence: Evidence) -> SiteReport {
        judge(&self.analyser, &self.rules, evidence)
    }
}

/// Analyse evidence and judge it with `rules`: facts, findings and score.
pub fn judge(analyser: &Analyser, rules: &CompiledRules, evidence: Evidence) -> SiteReport {
    // Rules read site text as a person sees it, without control characters
    // (the report holds it so, and stored evidence is judged the same).
    let evidence = crate::report::clean::clean(evidence);
    let facts = analyser.facts(&evidence);
    let outcomes = rules.evaluate(&facts);
    let s = score(rules, &outcomes);
    SiteReport::new(evidence, facts, rules, outcomes, Some(s))
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

fn list_infos(a: &Analyser) -> Vec<ListInfo> {
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
    use super::parse_target;

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
