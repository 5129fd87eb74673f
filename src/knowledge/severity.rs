//! How grave a finding is. Rules declare it and profiles may change it per
//! rule, so it lives with the knowledge both read (below `rules`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The severity of a rule's findings.
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
