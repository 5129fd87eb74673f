//! What judging produces for a site (its evidence, facts, findings and
//! score, as a [`SiteReport`]) and for a run ([`Report`]): the pipeline's
//! output, which `ci`, `store` and `campaign` use and every format of
//! `report` renders. It sits below all of them, so that none depends on
//! presentation.

pub mod clean;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::facts::Facts;
use crate::rules::engine::{item_label, CompiledRules, RuleOutcome, RuleStatus};
use crate::rules::score::Score;
use crate::rules::{Confidence, LegalReference, RuleText, Severity};

/// The report of one run (one or many sites).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub tool: String,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    pub ruleset_version: String,
    pub summary: Summary,
    pub sites: Vec<SiteReport>,
    /// Rules that could not be evaluated (status `error`), once per rule.
    #[serde(default)]
    pub rule_errors: Vec<RuleError>,
    /// How the score is computed, shown in every report.
    pub scoring: String,
}

/// A rule that could not be evaluated on one or more sites: its outcome
/// there is `error`, it took nothing off the score, and the run says so.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct RuleError {
    pub rule_id: String,
    /// The file the rule was read from.
    pub origin: String,
    /// Why it could not be evaluated (on the first site it failed on).
    pub reason: String,
    /// The sites it could not be evaluated on.
    pub sites: Vec<String>,
}

impl RuleError {
    /// `rule X (origin): reason`, plus the number of sites when several.
    pub fn line(&self) -> String {
        let mut line = format!("rule {} ({}): {}", self.rule_id, self.origin, self.reason);
        if self.sites.len() > 1 {
            line += &format!(" (on {} sites)", self.sites.len());
        }
        line
    }
}

/// Add the rules that errored on `site` to `errors`, one entry per rule.
pub fn add_rule_errors(errors: &mut Vec<RuleError>, site: &SiteReport) {
    for line in site.rules.iter().filter(|l| l.status == RuleStatus::Error) {
        fold_rule_error(
            errors,
            RuleError {
                rule_id: line.id.clone(),
                origin: line.origin.clone(),
                reason: line.detail.clone(),
                sites: vec![site.url.clone()],
            },
        );
    }
}

/// Fold the rule errors of some sites into those of others.
pub fn merge_rule_errors(into: &mut Vec<RuleError>, from: Vec<RuleError>) {
    for e in from {
        fold_rule_error(into, e);
    }
    into.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
}

/// One entry per rule: a rule already listed gains the sites it did not
/// have (the first reason is kept).
fn fold_rule_error(into: &mut Vec<RuleError>, e: RuleError) {
    match into.iter_mut().find(|x| x.rule_id == e.rule_id) {
        Some(x) => {
            for s in e.sites {
                if !x.sites.contains(&s) {
                    x.sites.push(s);
                }
            }
        }
        None => into.push(e),
    }
}

/// The rules that errored on any of `sites`, sorted by id.
pub fn rule_errors<'a>(sites: impl IntoIterator<Item = &'a SiteReport>) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for site in sites {
        add_rule_errors(&mut errors, site);
    }
    errors.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    errors
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub sites: usize,
    pub audited: usize,
    pub not_audited: usize,
    pub findings: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

/// Everything known about one site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SiteReport {
    pub url: String,
    pub site: String,
    /// False when the home page could not be loaded.
    pub audited: bool,
    /// Why the site could not be audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `error` in words any report language can say, when it was made
    /// here rather than by the engine (whose messages are technical and
    /// stay as they are).
    #[serde(skip)]
    pub error_words: Option<crate::i18n::Words>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    /// Failed rules, most severe first.
    pub findings: Vec<Finding>,
    /// Every rule's outcome, including passes and non-applicable ones.
    pub rules: Vec<RuleLine>,
    pub facts: Facts,
    pub evidence: Evidence,
}

/// A broken rule, with everything needed to act on it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub weight: u32,
    pub message: String,
    /// What broke the rule, as the rule's `evidence` expression lists it.
    pub evidence: Vec<serde_json::Value>,
    /// The same, as short labels.
    pub evidence_labels: Vec<String>,
    /// The labels in other languages, where the rule words them (a
    /// report in that language shows these).
    #[serde(skip)]
    pub evidence_labels_i18n: BTreeMap<String, Vec<String>>,
    pub references: Vec<LegalReference>,
    pub jurisdictions: Vec<String>,
    /// The supervisory authority of the site's jurisdiction profile.
    #[serde(default)]
    pub authority: String,
    pub remediation: String,
    /// Title, message and remediation in the other report languages the
    /// rule has words for (`fr`), filled in as `message` is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub i18n: BTreeMap<String, RuleText>,
}

/// One rule's outcome, for the "all rules" table.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RuleLine {
    pub id: String,
    pub title: String,
    /// The title in the other report languages.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub titles: BTreeMap<String, String>,
    pub severity: Severity,
    pub status: RuleStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The rule's file, for a rule that could not be evaluated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    /// `detail` in words any report language can say (why the rule is
    /// not applicable).
    #[serde(skip)]
    pub detail_words: Option<crate::i18n::Words>,
}

pub const SCORING: &str = "Score = 100 minus the weight of every failed rule (critical 30, high 15, medium 8, low 3, info 0 unless the rule sets its own weight), floored at 0. Grades: A 90-100, B 75-89, C 55-74, D 35-54, E 0-34. Rules that do not apply, or need a visit the engine did not make, take nothing off.";

impl SiteReport {
    /// Assemble a site's report from its evidence, facts and rule outcomes.
    pub fn new(
        evidence: Evidence,
        facts: Facts,
        rules: &CompiledRules,
        outcomes: Vec<RuleOutcome>,
        score: Option<Score>,
    ) -> Self {
        let mut findings = Vec::new();
        let mut lines = Vec::new();
        for o in outcomes {
            let Some(rule) = rules.rules.iter().map(|r| &r.rule).find(|r| r.id == o.id) else {
                continue;
            };
            if o.status == RuleStatus::Fail {
                let severity = o.severity.unwrap_or(rule.severity);
                findings.push(Finding {
                    rule_id: rule.id.clone(),
                    title: rule.title.clone(),
                    severity,
                    confidence: rule.confidence,
                    weight: match (rule.weight, o.severity) {
                        (None, Some(s)) => s.default_weight(),
                        _ => rule.weight(),
                    },
                    authority: facts.profile.authority.clone(),
                    message: o.detail.clone(),
                    evidence_labels: o.evidence.iter().map(item_label).collect(),
                    evidence_labels_i18n: o
                        .evidence_i18n
                        .iter()
                        .map(|(lang, items)| (lang.clone(), items.iter().map(item_label).collect()))
                        .collect(),
                    evidence: o.evidence.clone(),
                    // National texts of other countries are left out: a
                    // site judged under `at` is not told about the TDDDG.
                    references: crate::rules::references_for(&rule.references, &facts.profile.id),
                    jurisdictions: rule.jurisdictions.clone(),
                    remediation: rule.remediation.clone(),
                    i18n: rule
                        .i18n
                        .iter()
                        .map(|(lang, t)| {
                            (
                                lang.clone(),
                                RuleText {
                                    title: t.title.clone(),
                                    message: match crate::i18n::Catalogue::get(
                                        crate::i18n::Lang::from_code(lang),
                                    ) {
                                        Ok(cat) => crate::rules::engine::render_message_in(
                                            &t.message,
                                            o.evidence_i18n.get(lang).unwrap_or(&o.evidence),
                                            cat,
                                        ),
                                        Err(_) => crate::rules::engine::render_message(
                                            &t.message,
                                            o.evidence_i18n.get(lang).unwrap_or(&o.evidence),
                                        ),
                                    },
                                    remediation: t.remediation.clone(),
                                    evidence: None,
                                },
                            )
                        })
                        .collect(),
                });
            }
            lines.push(RuleLine {
                id: rule.id.clone(),
                title: rule.title.clone(),
                titles: rule
                    .i18n
                    .iter()
                    .map(|(lang, t)| (lang.clone(), t.title.clone()))
                    .collect(),
                severity: o.severity.unwrap_or(rule.severity),
                origin: if o.status == RuleStatus::Error {
                    rule.origin.clone()
                } else {
                    String::new()
                },
                status: o.status,
                detail: o.detail,
                detail_words: o.words,
            });
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        let audited = facts.reachable;
        use crate::i18n::{Arg, Catalogue, Lang, Words};
        let home = evidence.visits.first().and_then(|v| v.pages.first());
        let error_words = match home {
            _ if audited => None,
            Some(p) if p.error.is_some() => None,
            Some(p) if p.status.is_some() => Some(Words::new(
                "http_status",
                vec![Arg::plain(p.status.unwrap_or_default())],
            )),
            _ => Some(Words::new("site_not_loaded", Vec::new())),
        };
        let error = (!audited).then(|| {
            home.and_then(|p| p.error.clone())
                .or_else(|| {
                    let words = error_words.as_ref()?;
                    Some(Catalogue::get(Lang::En).ok()?.say(words))
                })
                .unwrap_or_else(|| "the site could not be loaded".to_string())
        });
        // `evidence` is already free of control characters, and so is all
        // that was derived from it: [`crate::judge::judge`] cleans site text
        // once, before it is judged.
        SiteReport {
            url: evidence.target.input_url.clone(),
            site: evidence.target.site.clone(),
            audited,
            error,
            error_words,
            score: if audited { score } else { None },
            findings: if audited { findings } else { Vec::new() },
            rules: lines,
            facts,
            evidence,
        }
    }
}

impl Report {
    pub fn new(sites: Vec<SiteReport>, ruleset_version: &str) -> Self {
        let mut s = Summary {
            sites: sites.len(),
            ..Summary::default()
        };
        for site in &sites {
            if site.audited {
                s.audited += 1;
            } else {
                s.not_audited += 1;
            }
            for f in &site.findings {
                s.findings += 1;
                match f.severity {
                    Severity::Critical => s.critical += 1,
                    Severity::High => s.high += 1,
                    Severity::Medium => s.medium += 1,
                    Severity::Low => s.low += 1,
                    Severity::Info => s.info += 1,
                }
            }
        }
        Report {
            tool: env!("CARGO_PKG_NAME").to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at: Utc::now(),
            ruleset_version: ruleset_version.to_string(),
            summary: s,
            rule_errors: rule_errors(&sites),
            sites,
            scoring: SCORING.to_string(),
        }
    }
}
