//! The report of `barometer check`: what CI systems read.
//!
//! One serialisable model, rendered by `reports/check.*.hbs` as text,
//! Markdown (a job summary or merge-request comment), GitHub workflow
//! annotations, JUnit XML and SARIF 2.1.0, or written as JSON: the formats
//! never disagree.
//!
//! Site text reaches this model only through [`crate::report::SiteReport`]s,
//! already free of control characters ([`crate::report::clean`]); each
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
        self.junit_tests = self.junit.iter().map(|s| s.tests).sum();
        self.junit_failures = self.junit.iter().map(|s| s.failures).sum();
        self
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
        other => match other.strip_prefix("rule.") {
            Some(rule) => {
                format!("Rule {rule} of the catalogue failed (see `barometer rules {rule}`).")
            }
            None => other.to_string(),
        },
    }
}
