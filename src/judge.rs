//! Judging: from evidence to a judged report, with everything it needs
//! loaded once.
//!
//! A [`Judge`] owns the knowledge, the filter and installed lists, the
//! jurisdiction profiles and the compiled rules, built from a
//! [`JudgeConfig`]. Audits ([`crate::audit::Auditor`] = engine + judge)
//! and `barometer report` (stored evidence, no engine) judge through it;
//! a campaign records its `JudgeConfig`, so that its report judges as its
//! run did.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::analyse::trackers::FilterList;
use crate::analyse::Analyser;
use crate::evidence::{Evidence, ListInfo};
use crate::i18n::{Arg, Catalogue as Texts, Lang, Words};
use crate::knowledge::Knowledge;
use crate::rules::score::score;
use crate::rules::{Catalogue, CompiledRules};
use crate::verdict::SiteReport;

/// What judging is built from: the settings that change a verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// Extra rule directories (`--rules DIR`).
    #[serde(default)]
    pub rule_dirs: Vec<PathBuf>,
    /// Filter lists (`--filter-list FILE`).
    #[serde(default)]
    pub filter_lists: Vec<PathBuf>,
    /// The jurisdiction profile forced with `--profile` (lower-cased once
    /// checked); `None` infers each site's.
    #[serde(default)]
    pub profile: Option<String>,
    /// Where installed tracker lists are read from (`None`: no lists).
    #[serde(default)]
    pub lists_dir: Option<PathBuf>,
}

/// Knowledge, lists, profiles and compiled rules, loaded once.
pub struct Judge {
    /// What it was built from (the profile checked and lower-cased).
    pub config: JudgeConfig,
    pub analyser: Analyser,
    pub rules: CompiledRules,
}

impl Judge {
    /// Load everything `config` names. An unknown profile, a rule or
    /// filter list that cannot be read is an error; `warn` receives
    /// one-line notices (an installed list that cannot be used).
    pub fn new(mut config: JudgeConfig, warn: &mut dyn FnMut(String)) -> Result<Judge> {
        let (mut analyser, rules) = load_judgement(&config.rule_dirs, &config.filter_lists)?;
        analyser.profile = check_profile(&analyser, config.profile.as_deref())?;
        config.profile.clone_from(&analyser.profile);
        if let Some(dir) = &config.lists_dir {
            analyser.lists = crate::lists::Lists::load(dir, warn);
        }
        Ok(Judge {
            config,
            analyser,
            rules,
        })
    }

    /// Facts, findings and score of one site's evidence.
    pub fn judge(&self, evidence: Evidence) -> SiteReport {
        judge(&self.analyser, &self.rules, evidence)
    }

    /// Identifies the exact rule set, for provenance.
    pub fn rules_version(&self) -> &str {
        &self.rules.version
    }

    /// The knowledge and lists judging uses, with their versions.
    pub fn lists(&self) -> Vec<ListInfo> {
        list_infos(&self.analyser)
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
    let evidence = crate::verdict::clean::clean(evidence);
    let mut facts = analyser.facts(&evidence);
    // A site whose audit ran out of time is not audited: what was seen
    // until then is kept as evidence, never judged as the whole site.
    let out_of_time = evidence
        .errors
        .iter()
        .find(|e| e.kind == "site_timeout")
        .map(|e| e.message.clone());
    // Why the site is not audited: the engine's sentence for a timeout,
    // catalogue words for an error or empty home page.
    let refused: Option<(String, Option<Words>)> = out_of_time.map(|m| (m, None)).or_else(|| {
        facts
            .reachable
            .then(|| home_page_refusal(&evidence))
            .flatten()
            .map(|w| (say_in_english(&w), Some(w)))
    });
    if refused.is_some() {
        // Rules that need a site do not apply to an error page.
        facts.reachable = false;
    }
    let outcomes = rules.evaluate(&facts);
    let s = score(rules, &outcomes);
    let mut report = SiteReport::new(evidence, facts, rules, outcomes, Some(s));
    if let Some((why, words)) = refused {
        report.audited = false;
        report.error = Some(why);
        report.error_words = words;
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
    home_page_refusal(evidence).map(|w| say_in_english(&w))
}

fn say_in_english(words: &Words) -> String {
    match Texts::get(Lang::En) {
        Ok(cat) => cat.say(words),
        Err(_) => words.key.clone(),
    }
}

/// [`home_page_not_the_site`], as words of the report catalogues.
fn home_page_refusal(evidence: &Evidence) -> Option<Words> {
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
        return Some(Words::new(
            "home_error_page",
            vec![Arg::plain(format!("{status}{reason}"))],
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
        return Some(Words::new("home_empty_body", vec![Arg::plain(status)]));
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
