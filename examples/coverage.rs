//! How much of a tracker database the built-in knowledge knows.
//!
//! Reads a database in the JSON export format of Ghostery's TrackerDB
//! (`organizations`, `patterns`, `domains`), which `scripts/coverage`
//! installs at a pinned version (it is not shipped: its licence is
//! non-commercial), and prints, overall and for each of its categories,
//! how many of its domains `rules/trackers.toml` matches, and how many of
//! those it gives to the same company.
//!
//!     cargo run --example coverage -- trackerdb.json [trackers.toml]
//!
//! With a second argument, that tracker file is measured instead of the
//! built-in one (to compare two versions).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use barometer::knowledge::TrackerDb;
use serde_json::Value;

/// Words that say nothing about which company a name means.
const FILLER: &[&str] = &[
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "sas",
    "the",
    "group",
    "corp",
    "corporation",
    "company",
    "co",
    "media",
    "technologies",
    "technology",
    "labs",
    "limited",
    "holdings",
    "formerly",
    "and",
    "digital",
    "software",
    "solutions",
    "platforms",
    "ads",
    "advertising",
    "analytics",
    "data",
    "marketing",
    "network",
    "networks",
    "systems",
    "interactive",
    "online",
    "services",
    "tag",
];

fn words(name: &str) -> BTreeSet<String> {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2 && !FILLER.contains(w))
        .map(str::to_string)
        .collect()
}

/// Do two company names share a telling word, or is one written inside
/// the other once spaces and punctuation are dropped?
fn same_company(a: &str, b: &str) -> bool {
    let squash = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let (sa, sb) = (squash(a), squash(b));
    if !sa.is_empty() && !sb.is_empty() && (sa.contains(&sb) || sb.contains(&sa)) {
        return true;
    }
    !words(a).is_disjoint(&words(b))
}

#[derive(Default)]
struct Tally {
    domains: usize,
    known: usize,
    same_company: usize,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        anyhow::bail!("usage: coverage TRACKERDB.json [trackers.toml]");
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let json: Value = serde_json::from_str(&text).with_context(|| format!("{path}: not JSON"))?;
    let db = match args.get(1) {
        Some(file) => TrackerDb::parse(&std::fs::read_to_string(file)?, file)?,
        None => barometer::knowledge::builtin_trackers()?,
    };
    let empty = serde_json::Map::new();
    let obj = |key: &str| json.get(key).and_then(Value::as_object).unwrap_or(&empty);
    let (patterns, organizations) = (obj("patterns"), obj("organizations"));
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut companies_known = BTreeSet::new();
    for (domain, pattern) in obj("domains") {
        let Some(pattern) = pattern.as_str().and_then(|p| patterns.get(p)) else {
            continue;
        };
        let category = pattern["category"].as_str().unwrap_or("").to_string();
        let company = pattern["organization"]
            .as_str()
            .and_then(|o| organizations.get(o))
            .and_then(|o| o["name"].as_str())
            .or(pattern["name"].as_str())
            .unwrap_or("");
        let hit = db.lookup(domain);
        for key in ["all".to_string(), category] {
            let t = tallies.entry(key).or_default();
            t.domains += 1;
            if let Some(e) = hit {
                t.known += 1;
                if same_company(&e.company, company) {
                    t.same_company += 1;
                }
            }
        }
        if hit.is_some_and(|e| same_company(&e.company, company)) {
            companies_known.insert(company.to_string());
        }
    }
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    println!(
        "knowledge: {} entities, {} hosts and paths (trackers.toml {})",
        db.entities().len(),
        db.len(),
        db.version
    );
    println!(
        "{:<24} {:>8} {:>8} {:>7} {:>13} {:>7}",
        "category", "domains", "known", "%", "same company", "%"
    );
    let all = tallies.remove("all").unwrap_or_default();
    let rows = std::iter::once(("all".to_string(), all)).chain(tallies);
    for (name, t) in rows {
        println!(
            "{:<24} {:>8} {:>8} {:>6.1}% {:>13} {:>6.1}%",
            name,
            t.domains,
            t.known,
            pct(t.known, t.domains),
            t.same_company,
            pct(t.same_company, t.domains)
        );
    }
    println!("companies with a domain known: {}", companies_known.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_company;

    #[test]
    fn company_names_compare_loosely_but_not_blindly() {
        assert!(same_company("LinkedIn (Microsoft)", "LinkedIn"));
        assert!(same_company("Google", "Google LLC"));
        assert!(same_company("Twilio Segment", "Segment"));
        assert!(!same_company("Criteo", "Taboola"));
        assert!(!same_company("Quantcast", "Google Ads"));
    }
}
