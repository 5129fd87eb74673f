//! The report of `barometer check`: what CI systems read.
//!
//! One serialisable model, rendered by `reports/check.*.hbs` as text,
//! Markdown (a job summary or merge-request comment), GitHub workflow
//! annotations, JUnit XML and SARIF 2.1.0, or written as JSON: the formats
//! never disagree.
//!
//! Site text reaches this model only through [`crate::report::SiteReport`]s,
//! already free of control characters ([`crate::verdict::clean`]); each
//! format's escaping drops any that would still reach it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ci::check::CheckOutcome;
use crate::ci::config::RunsPolicy;
use crate::i18n::{Arg, Catalogue, Lang, Words};

/// One audited URL of the check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedSite {
    pub url: String,
    /// Audited in at least one run.
    pub audited: bool,
    /// Score of the last run, when audited.
    pub score: Option<u32>,
    pub grade: Option<String>,
}

/// An assertion that produced results, as SARIF lists its rules.
#[derive(Debug, Clone, Serialize)]
pub struct AssertionInfo {
    pub id: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub tool: String,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    /// The configuration file read, if any.
    pub config: Option<String>,
    /// The baseline compared with, if any.
    pub baseline: Option<String>,
    pub runs: u32,
    pub policy: RunsPolicy,
    pub sites: Vec<CheckedSite>,
    pub outcome: CheckOutcome,
    pub errors: usize,
    pub warnings: usize,
    /// `passed`, `failed` (an assertion at level error) or `not_audited`.
    pub verdict: String,
    /// The language of its words (messages, descriptions); identifiers,
    /// levels and fingerprints are the same in every language.
    pub lang: Lang,
    /// The process exit code this report goes with.
    pub exit_code: u8,
    /// Rules that could not be evaluated: no finding, no assertion result,
    /// reported as tool errors.
    pub rule_errors: Vec<crate::report::RuleError>,
    /// Assertions appearing in the results, for SARIF's rule list.
    pub assertions: Vec<AssertionInfo>,
    /// The same results grouped for JUnit: one suite per site.
    pub junit: Vec<JunitSuite>,
    pub junit_tests: usize,
    pub junit_failures: usize,
    /// `[check] docs_url`: where each rule's documentation page is, with
    /// `{id}` standing for the rule (SARIF `helpUri`).
    pub docs_url: Option<String>,
    /// The rules of SARIF's driver, with their help.
    pub sarif_rules: Vec<SarifRule>,
    /// SARIF results: violations, allowed items (suppressed) and expired
    /// allow entries (notes), each with a location that does not change
    /// from one run to the next.
    pub sarif_results: Vec<SarifResult>,
}

/// A rule as SARIF lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SarifRule {
    pub id: String,
    pub description: String,
    /// What to do about it, in one paragraph.
    pub help: String,
    pub help_uri: Option<String>,
}

/// One SARIF result.
#[derive(Debug, Clone, Serialize)]
pub struct SarifResult {
    pub rule_id: String,
    /// `error`, `warning` or `note`.
    pub level: String,
    pub message: String,
    /// The page (scheme, host and path, never a port) or the configuration
    /// file the result is about.
    pub uri: String,
    /// `host/path`: the site and page, as code scanning matches alerts.
    pub logical: String,
    /// Hash of the rule, the host and the item: the same result has the same
    /// fingerprint on every run.
    pub fingerprint: String,
    /// Set for an allow-listed result: the allow entry's reason.
    pub suppression: Option<String>,
}

/// Rule id of the note SARIF gives for an expired allow entry.
pub const EXPIRED_ALLOW: &str = "allow.expired";

/// `url` without its port, query or fragment: `https://host/path`. Local
/// folders are served on a port chosen at random; the page is the same.
pub fn stable_location(url: &str) -> (String, String) {
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some() => {
            let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
            let path = u.path().to_string();
            (
                format!("{}://{host}{path}", u.scheme()),
                format!("{host}{path}"),
            )
        }
        _ => (url.to_string(), url.to_string()),
    }
}

/// A stable 64-bit FNV-1a hash of `parts`, in hex: the same on every
/// machine and every run (std's hasher is seeded at random).
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn sarif_result(
    v: &crate::ci::check::Violation,
    message: String,
    suppression: Option<String>,
) -> SarifResult {
    use crate::ci::config::Level;
    let page = v.seen.first().map_or(v.site.as_str(), |s| s.page.as_str());
    let (uri, logical) = stable_location(page);
    let host = logical.split('/').next().unwrap_or_default().to_string();
    SarifResult {
        rule_id: v.assertion.clone(),
        level: if v.level == Level::Error {
            "error"
        } else {
            "warning"
        }
        .into(),
        message,
        uri,
        logical,
        fingerprint: fingerprint(&[&v.assertion, &host, &v.item.name()]),
        suppression,
    }
}

/// A JUnit test suite: one checked site.
#[derive(Debug, Clone, Serialize)]
pub struct JunitSuite {
    pub name: String,
    pub tests: usize,
    pub failures: usize,
    pub cases: Vec<JunitCase>,
}

/// A JUnit test case: the audit of a site, or one assertion result.
#[derive(Debug, Clone, Serialize)]
pub struct JunitCase {
    pub name: String,
    /// Set when the case failed (an error-level result, or no audit).
    pub failure: Option<String>,
    /// Warnings and allowed items, shown as the case's output.
    pub output: Option<String>,
}

impl CheckReport {
    /// Say every message in the report's language, group results per site
    /// for JUnit, and list the assertions seen.
    pub fn finish(mut self) -> anyhow::Result<CheckReport> {
        use crate::ci::config::Level;
        let cat = Catalogue::get(self.lang)?;
        for v in self
            .outcome
            .violations
            .iter_mut()
            .chain(self.outcome.allowed.iter_mut())
        {
            v.message = cat.say(&v.words);
        }
        if self.outcome.expired_allow_words.len() == self.outcome.expired_allows.len() {
            self.outcome.expired_allows = self
                .outcome
                .expired_allow_words
                .iter()
                .map(|w| cat.say(w))
                .collect();
        }
        let say = |key: &str, args: Vec<Arg>| cat.say(&Words::new(key, args));
        let mut assertions: Vec<String> = self
            .outcome
            .violations
            .iter()
            .chain(self.outcome.allowed.iter())
            .map(|v| v.assertion.clone())
            .collect();
        assertions.sort();
        assertions.dedup();
        self.assertions = assertions
            .into_iter()
            .map(|id| AssertionInfo {
                description: describe_assertion(&id, cat),
                id,
            })
            .collect();
        self.junit = self
            .sites
            .iter()
            .map(|site| {
                let mut cases = vec![JunitCase {
                    name: "audited".into(),
                    failure: self
                        .outcome
                        .not_audited
                        .iter()
                        .find(|(url, _)| *url == site.url)
                        .map(|(_, e)| say("junit_not_audited", vec![Arg::plain(e)])),
                    output: None,
                }];
                for v in self
                    .outcome
                    .violations
                    .iter()
                    .filter(|v| v.site == site.url)
                {
                    let (failure, output) = match v.level {
                        Level::Error => (Some(v.message.clone()), None),
                        _ => (
                            None,
                            Some(say("junit_warning", vec![Arg::plain(&v.message)])),
                        ),
                    };
                    cases.push(JunitCase {
                        name: format!("{}: {}", v.assertion, item_name(&v.item)),
                        failure,
                        output,
                    });
                }
                for v in self.outcome.allowed.iter().filter(|v| v.site == site.url) {
                    cases.push(JunitCase {
                        name: format!("{}: {}", v.assertion, item_name(&v.item)),
                        failure: None,
                        output: Some(say("junit_allowed", vec![Arg::plain(&v.message)])),
                    });
                }
                JunitSuite {
                    name: site.url.clone(),
                    tests: cases.len(),
                    failures: cases.iter().filter(|c| c.failure.is_some()).count(),
                    cases,
                }
            })
            .collect();
        if !self.outcome.expired_allows.is_empty() {
            let cases: Vec<JunitCase> = self
                .outcome
                .expired_allows
                .iter()
                .map(|e| JunitCase {
                    name: format!("{EXPIRED_ALLOW}: {e}"),
                    failure: None,
                    output: Some(say("junit_note", vec![Arg::plain(e)])),
                })
                .collect();
            self.junit.push(JunitSuite {
                name: "allow-list".into(),
                tests: cases.len(),
                failures: 0,
                cases,
            });
        }
        self.junit_tests = self.junit.iter().map(|s| s.tests).sum();
        self.junit_failures = self.junit.iter().map(|s| s.failures).sum();
        self.sarif(cat);
        Ok(self)
    }

    /// SARIF's rules and results, locations without ports.
    fn sarif(&mut self, cat: &Catalogue) {
        let mut results: Vec<SarifResult> = self
            .outcome
            .violations
            .iter()
            .map(|v| sarif_result(v, v.message.clone(), None))
            .collect();
        for v in &self.outcome.allowed {
            // The violation, and the allow entry that covers it.
            let (message, reason) = match v.words.args.as_slice() {
                [Arg::Words(what), Arg::Words(by)] => (cat.say(what), cat.say(by)),
                _ => (
                    v.message.clone(),
                    cat.say(&Words::new("sarif_allowed", Vec::new())),
                ),
            };
            results.push(sarif_result(v, message, Some(reason)));
        }
        let config = self
            .config
            .clone()
            .unwrap_or_else(|| "barometer.toml".into());
        for (e, english) in self.outcome.expired_allows.iter().zip(
            self.outcome
                .expired_allow_words
                .iter()
                .map(|w| english_catalogue().say(w))
                .chain(std::iter::repeat_with(String::new)),
        ) {
            // The fingerprint is the same in every language.
            let key = if english.is_empty() { e } else { &english };
            results.push(SarifResult {
                rule_id: EXPIRED_ALLOW.into(),
                level: "note".into(),
                message: e.clone(),
                uri: config.clone(),
                logical: config.clone(),
                fingerprint: fingerprint(&[EXPIRED_ALLOW, "", key]),
                suppression: None,
            });
        }
        let mut ids: Vec<String> = results.iter().map(|r| r.rule_id.clone()).collect();
        ids.sort();
        ids.dedup();
        self.sarif_rules = ids
            .into_iter()
            .map(|id| {
                let help = match id.strip_prefix("rule.") {
                    Some(rule) => {
                        // The rule's title, as the violation says it.
                        let title = self
                            .outcome
                            .violations
                            .iter()
                            .chain(&self.outcome.allowed)
                            .find_map(|v| match (&v.item, rule_title(&v.words)) {
                                (crate::ci::check::Item::Rule { id, .. }, Some(t))
                                    if id == rule =>
                                {
                                    Some(cat.say_arg(t))
                                }
                                _ => None,
                            })
                            .unwrap_or_default();
                        cat.say(&Words::new(
                            "sarif_help_rule",
                            vec![Arg::Plain(title), Arg::plain(rule)],
                        ))
                    }
                    None if id == EXPIRED_ALLOW => {
                        cat.say(&Words::new("sarif_help_allow_expired", Vec::new()))
                    }
                    None => cat.say(&Words::new(
                        "sarif_help_assertion",
                        vec![Arg::Plain(describe_assertion(&id, cat))],
                    )),
                };
                SarifRule {
                    description: describe_assertion(&id, cat),
                    help_uri: self.docs_url.as_ref().map(|base| base.replace("{id}", &id)),
                    help,
                    id,
                }
            })
            .collect();
        self.sarif_results = results;
    }
}

/// A short name for what a result is about.
fn item_name(item: &crate::ci::check::Item) -> String {
    use crate::ci::check::Item;
    match item {
        Item::Tracker { host, .. } => host.clone(),
        Item::Cookie { name, domain, .. } => format!("{name} ({domain})"),
        Item::ThirdPartyHost { host } => host.clone(),
        Item::ThirdPartyHostCount { count, max } => format!("{count} hosts (max {max})"),
        Item::Score { score, min } => format!("score {score} (min {min})"),
        Item::Rule { id, .. } => id.clone(),
    }
}

/// The title argument of a rule violation's words.
fn rule_title(words: &Words) -> Option<&Arg> {
    match words.key.as_str() {
        "check_rule_failed" => words.args.get(1),
        "check_allowed" => match words.args.first() {
            Some(Arg::Words(inner)) => rule_title(inner),
            _ => None,
        },
        _ => None,
    }
}

fn english_catalogue() -> &'static Catalogue {
    static EMPTY: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    Catalogue::get(Lang::En).unwrap_or_else(|_| EMPTY.get_or_init(Catalogue::default))
}

/// What an assertion checks, in one sentence of `cat`'s language.
pub fn describe_assertion(id: &str, cat: &Catalogue) -> String {
    let key = match id {
        "new-tracker" => "assertion_new_tracker",
        "new-cookie" => "assertion_new_cookie",
        "new-third-party-host" => "assertion_new_host",
        "third-party-hosts.max" => "assertion_hosts_max",
        "score.min" => "assertion_score_min",
        EXPIRED_ALLOW => "assertion_allow_expired",
        other => match other.strip_prefix("rule.") {
            Some(rule) => {
                return cat.say(&Words::new("assertion_rule", vec![Arg::plain(rule)]));
            }
            None => return other.to_string(),
        },
    };
    cat.say(&Words::new(key, Vec::new()))
}
