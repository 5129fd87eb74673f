//! The score: 100 minus the weight of every failed rule, floored at 0, and
//! a grade A-E. Documented in `docs/scoring.md`; keep both in step.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::engine::{CompiledRules, RuleOutcome, RuleStatus};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Score {
    /// 0-100, higher is better.
    pub value: u32,
    /// A (best) to E.
    pub grade: char,
    /// Points taken off, per failed rule id.
    pub deductions: Vec<(String, u32)>,
}

/// Grade bands, from the lowest score of each grade.
pub const GRADES: [(u32, char); 5] = [(90, 'A'), (75, 'B'), (55, 'C'), (35, 'D'), (0, 'E')];

pub fn grade(value: u32) -> char {
    GRADES
        .iter()
        .find(|(min, _)| value >= *min)
        .map(|(_, g)| *g)
        .unwrap_or('E')
}

/// Score a site from its rule outcomes.
pub fn score(rules: &CompiledRules, outcomes: &[RuleOutcome]) -> Score {
    let deductions: Vec<(String, u32)> = outcomes
        .iter()
        .filter(|o| o.status == RuleStatus::Fail)
        .filter_map(|o| {
            rules.rules.iter().find(|r| r.rule.id == o.id).map(|r| {
                // A profile's severity changes the default weight, not
                // one the rule sets itself.
                let weight = match (r.rule.weight, o.severity) {
                    (None, Some(s)) => s.default_weight(),
                    _ => r.rule.weight(),
                };
                (o.id.clone(), weight)
            })
        })
        .filter(|(_, w)| *w > 0)
        .collect();
    let lost: u32 = deductions.iter().map(|(_, w)| w).sum();
    let value = 100u32.saturating_sub(lost);
    Score {
        value,
        grade: grade(value),
        deductions,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grades() {
        assert_eq!(super::grade(100), 'A');
        assert_eq!(super::grade(90), 'A');
        assert_eq!(super::grade(89), 'B');
        assert_eq!(super::grade(55), 'C');
        assert_eq!(super::grade(34), 'E');
    }
}
