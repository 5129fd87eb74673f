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

fn sarif_result(v: &crate::ci::check::Violation, suppression: Option<String>) -> SarifResult {
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
        message: v.message.clone(),
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
    /// Group results per site for JUnit, and list the assertions seen.
    pub fn finish(mut self) -> CheckReport {
        use crate::ci::config::Level;
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
                description: describe_assertion(&id),
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
                        .map(|(_, e)| format!("could not be audited: {e}")),
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
                        _ => (None, Some(format!("warning: {}", v.message))),
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
                        output: Some(format!("allowed: {}", v.message)),
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
                    output: Some(format!("note: {e}")),
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
        self.sarif();
        self
    }

    /// SARIF's rules and results, locations without ports.
    fn sarif(&mut self) {
        let mut results: Vec<SarifResult> = self
            .outcome
            .violations
            .iter()
            .map(|v| sarif_result(v, None))
            .collect();
        for v in &self.outcome.allowed {
            let reason = v
                .message
                .split_once("; allowed by ")
                .map_or("allowed by the configuration".to_string(), |(_, r)| {
                    format!("allowed by {r}")
                });
            results.push(sarif_result(v, Some(reason)));
        }
        let config = self
            .config
            .clone()
            .unwrap_or_else(|| "barometer.toml".into());
        for e in &self.outcome.expired_allows {
            results.push(SarifResult {
                rule_id: EXPIRED_ALLOW.into(),
                level: "note".into(),
                message: e.clone(),
                uri: config.clone(),
                logical: config.clone(),
                fingerprint: fingerprint(&[EXPIRED_ALLOW, "", e]),
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
                        let title = self
                            .outcome
                            .violations
                            .iter()
                            .chain(&self.outcome.allowed)
                            .find_map(|v| match &v.item {
                                crate::ci::check::Item::Rule { id, title, .. } if id == rule => {
                                    Some(title.clone())
                                }
                                _ => None,
                            })
                            .unwrap_or_default();
                        format!("{title}. `barometer rules {rule}` gives its rationale, condition, remediation and legal references.")
                    }
                    None if id == EXPIRED_ALLOW => "An allow entry of the configuration has expired: the item it covered is judged again. Review it, then renew the entry with a new date or remove it.".into(),
                    None => format!("{} Review the change, then update the baseline (`barometer check --update-baseline`) or allow the item in barometer.toml with a reason.", describe_assertion(&id)),
                };
                SarifRule {
                    description: describe_assertion(&id),
                    help_uri: self
                        .docs_url
                        .as_ref()
                        .map(|base| base.replace("{id}", &id)),
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

/// What an assertion checks, in one sentence.
pub fn describe_assertion(id: &str) -> String {
    match id {
        "new-tracker" => "A tracker host that the baseline does not list was contacted.".into(),
        "new-cookie" => "A cookie that the baseline does not list was set.".into(),
        "new-third-party-host" => {
            "A third-party host that the baseline does not list was contacted.".into()
        }
        "third-party-hosts.max" => {
            "More third-party hosts were contacted before any choice than the configured maximum."
                .into()
        }
        "score.min" => "The site's score is below the configured minimum.".into(),
        EXPIRED_ALLOW => "An allow entry of the configuration has expired.".into(),
        other => match other.strip_prefix("rule.") {
            Some(rule) => {
                format!("Rule {rule} of the catalogue failed (see `barometer rules {rule}`).")
            }
            None => other.to_string(),
        },
    }
}
