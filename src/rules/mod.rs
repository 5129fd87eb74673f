//! The rule catalogue: rules are data, in `rules/catalogue/*.toml`.
//!
//! A rule has a stable id, a title, a severity and weight, legal references,
//! jurisdiction tags, and CEL expressions over the [`crate::facts::Facts`]
//! object:
//! - `applies` (optional): when false the rule is "not applicable" (neither
//!   passed nor failed), e.g. banner rules on a site without a banner;
//! - `condition`: true means the site breaks the rule;
//! - `evidence` (optional): a list expression naming what broke it, shown
//!   with the finding.
//!
//! The built-in catalogue is embedded in the binary; `--rules DIR` adds every
//! `*.toml` in DIR, and a rule with a built-in id replaces it. Adding a rule
//! needs no recompilation. `barometer rules [ID]` documents them.

pub mod engine;
pub mod score;

use std::path::Path;

use anyhow::{bail, Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use engine::{CompiledRules, RuleOutcome, RuleStatus};

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Points taken off the score when a rule of this severity fails and
    /// the rule gives no weight of its own. See `docs/scoring.md`.
    pub fn default_weight(self) -> u32 {
        match self {
            Severity::Critical => 30,
            Severity::High => 15,
            Severity::Medium => 8,
            Severity::Low => 3,
            Severity::Info => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    #[default]
    High,
    Medium,
    Low,
}

/// A legal text a rule rests on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegalReference {
    /// "ePrivacy Directive 2002/58/EC", "GDPR", "CNIL recommendation 2020-092"...
    pub instrument: String,
    /// "art. 5(3)", "§ 2"...
    #[serde(default)]
    pub article: String,
    #[serde(default)]
    pub url: String,
}

/// One rule, as written in its file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable code, e.g. `C101`.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Points off the score when it fails; defaults by severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    #[serde(default)]
    pub confidence: Confidence,
    /// Jurisdiction tags: `eu`, `fr-cnil`, `uk-ico`...
    pub jurisdictions: Vec<String>,
    /// Visits the rule needs: `before`, `after_reject`, `after_accept`.
    /// Without them the rule is not applicable.
    #[serde(default)]
    pub requires: Vec<String>,
    /// CEL: when false, the rule does not apply to this site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies: Option<String>,
    /// CEL: true when the site breaks the rule.
    pub condition: String,
    /// CEL list expression: the items that break it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Finding text; `{count}` and `{list}` are replaced by the evidence.
    pub message: String,
    pub remediation: String,
    /// Why this is a problem, for `barometer rules ID`.
    pub rationale: String,
    pub references: Vec<LegalReference>,
    /// Where the rule came from (`builtin` or a file path); set on load.
    #[serde(default, skip_deserializing)]
    pub origin: String,
}

impl Rule {
    pub fn weight(&self) -> u32 {
        self.weight
            .unwrap_or_else(|| self.severity.default_weight())
    }
}

const VISITS: [&str; 3] = ["before", "after_reject", "after_accept"];

/// Parse one rule file. Errors name the file and, when known, the rule id.
pub fn parse_rule(text: &str, origin: &str) -> Result<Rule> {
    let id = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string));
    let label = match &id {
        Some(id) => format!("{origin} (rule {id})"),
        None => origin.to_string(),
    };
    let mut rule: Rule =
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{label}: {}", e.message()))?;
    if rule.id.is_empty()
        || !rule
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("{label}: the id must be non-empty letters, digits, '-' or '_'");
    }
    if rule.references.is_empty() {
        bail!("{label}: a rule needs at least one legal reference");
    }
    if let Some(bad) = rule.requires.iter().find(|r| !VISITS.contains(&r.as_str())) {
        bail!(
            "{label}: unknown visit `{bad}` in requires (expected one of {})",
            VISITS.join(", ")
        );
    }
    rule.origin = origin.to_string();
    Ok(rule)
}

/// The rule catalogue: built-in rules plus the user's.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub rules: Vec<Rule>,
    /// Identifies the exact rule set, for provenance.
    pub version: String,
    /// Jurisdiction profiles (`rules/profiles/`).
    pub profiles: crate::knowledge::profiles::Profiles,
}

impl Catalogue {
    /// Built-in rules, then every `*.toml` of each directory in `extra`.
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Self> {
        let mut files = crate::knowledge::builtin_toml_files("catalogue")?;
        let builtin_count = files.len();
        for d in extra {
            let d = d.as_ref();
            let entries = std::fs::read_dir(d)
                .with_context(|| format!("cannot read rules directory {}", d.display()))?;
            let mut paths: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read rule file {}", p.display()))?;
                files.push((p.display().to_string(), text));
            }
        }
        let mut rules: Vec<Rule> = Vec::new();
        for (i, (origin, text)) in files.iter().enumerate() {
            let rule = parse_rule(text, origin)?;
            match rules.iter().position(|r| r.id == rule.id) {
                Some(_) if i < builtin_count => bail!(
                    "{origin}: rule id {} is used twice in the built-in catalogue",
                    rule.id
                ),
                Some(pos) => rules[pos] = rule,
                None => rules.push(rule),
            }
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let digest = files.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, (_, t)| {
            t.bytes()
                .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        });
        let version = format!("{}+{:08x}", env!("CARGO_PKG_VERSION"), digest as u32);
        Ok(Catalogue {
            rules,
            version,
            profiles: crate::knowledge::profiles::Profiles::builtin()?,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }
}
