//! Every rule of the catalogue has a site that fires it and a near miss, a
//! site built to tempt it, that must not (tests/rule-fixtures.toml). And no
//! built-in rule ends in `error` on any site of the test web: a misspelt
//! fact name must not make a rule silently inert.
//!
//! Sites are grouped into one `barometer scan` per engine and extra
//! arguments; the http scan covers every host of tests/web.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use common::*;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixtures {
    rule: Vec<RuleFixtures>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFixtures {
    id: String,
    #[serde(default)]
    fires: Vec<Site>,
    #[serde(default)]
    near_misses: Vec<Site>,
    /// What is missing, for a rule whose fixtures are being written.
    #[serde(default)]
    todo: Option<String>,
}

#[derive(Debug, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Site {
    host: String,
    engine: String,
    #[serde(default)]
    args: Vec<String>,
}

/// One scan: engine and extra arguments.
type Group = (String, Vec<String>);

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Fixtures {
    let text = std::fs::read_to_string(manifest().join("tests/rule-fixtures.toml")).unwrap();
    toml::from_str(&text).expect("tests/rule-fixtures.toml")
}

/// Rule ids of the built-in catalogue, from the file names' `id` keys.
fn catalogue_ids() -> BTreeSet<String> {
    std::fs::read_dir(manifest().join("rules/catalogue"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let t: toml::Table = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            t["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Host folders of tests/web that answer one exact host name.
fn web_hosts() -> Vec<String> {
    let mut hosts: Vec<String> = std::fs::read_dir(manifest().join("tests/web"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|h| !h.starts_with("_."))
        .collect();
    hosts.sort();
    hosts
}

/// Per group, per host: every rule's status.
type Outcomes = BTreeMap<Group, BTreeMap<String, BTreeMap<String, String>>>;

fn scan_group(
    engine: &str,
    args: &[String],
    hosts: &[String],
) -> BTreeMap<String, BTreeMap<String, String>> {
    let w = web();
    let urls: Vec<String> = hosts.iter().map(|h| w.url(h)).collect();
    let host_refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let extra: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, report) = scan_hosts(engine, &host_refs, &extra);
    // 3: some hosts of the whole-web scan cannot be audited (on purpose).
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{engine} {args:?}: exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    let report: Value = report.expect("json report");
    let mut by_host = BTreeMap::new();
    for (host, url) in hosts.iter().zip(&urls) {
        let site = report["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["url"] == url.as_str())
            .unwrap_or_else(|| panic!("{url} missing from the report"));
        let mut statuses = BTreeMap::new();
        if site["audited"] == true {
            for line in site["rules"].as_array().unwrap() {
                let status = line["status"].as_str().unwrap().to_string();
                let status = if status == "error" {
                    format!("error: {}", line["detail"].as_str().unwrap_or(""))
                } else {
                    status
                };
                statuses.insert(line["id"].as_str().unwrap().to_string(), status);
            }
        }
        by_host.insert(host.clone(), statuses);
    }
    by_host
}

/// Every scan, made once for both tests.
fn outcomes() -> &'static Outcomes {
    static OUTCOMES: OnceLock<Outcomes> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let mut groups: BTreeMap<Group, BTreeSet<String>> = BTreeMap::new();
        groups
            .entry(("http".into(), Vec::new()))
            .or_default()
            .extend(web_hosts());
        for r in fixtures().rule {
            for s in r.fires.iter().chain(&r.near_misses) {
                groups
                    .entry((s.engine.clone(), s.args.clone()))
                    .or_default()
                    .insert(s.host.clone());
            }
        }
        groups
            .into_iter()
            .map(|((engine, args), hosts)| {
                let hosts: Vec<String> = hosts.into_iter().collect();
                let got = scan_group(&engine, &args, &hosts);
                ((engine, args), got)
            })
            .collect()
    })
}

fn status<'a>(o: &'a Outcomes, site: &Site, rule: &str) -> Option<&'a str> {
    o.get(&(site.engine.clone(), site.args.clone()))?
        .get(&site.host)?
        .get(rule)
        .map(String::as_str)
}

fn label(site: &Site) -> String {
    if site.args.is_empty() {
        format!("{} ({})", site.host, site.engine)
    } else {
        format!("{} ({}, {})", site.host, site.engine, site.args.join(" "))
    }
}

#[test]
fn every_rule_fires_on_its_fixture_and_spares_its_near_miss() {
    let fixtures = fixtures();
    let ids = catalogue_ids();
    let hosts = web_hosts();
    let mut problems: Vec<String> = Vec::new();
    let mut todos: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &fixtures.rule {
        if !seen.insert(r.id.clone()) {
            problems.push(format!("{}: listed twice", r.id));
        }
        if !ids.contains(&r.id) {
            problems.push(format!("{}: not a rule of rules/catalogue", r.id));
        }
        for s in r.fires.iter().chain(&r.near_misses) {
            if !hosts.contains(&s.host) {
                problems.push(format!("{}: no tests/web/{}", r.id, s.host));
            }
            if !["http", "chrome"].contains(&s.engine.as_str()) {
                problems.push(format!("{}: engine `{}`", r.id, s.engine));
            }
        }
        match &r.todo {
            Some(why) => todos.push(format!("{}: {why}", r.id)),
            None => {
                if r.fires.is_empty() {
                    problems.push(format!("{}: no site that fires it", r.id));
                }
                if r.near_misses.is_empty() {
                    problems.push(format!("{}: no near miss", r.id));
                }
            }
        }
    }
    for id in ids.difference(&seen) {
        problems.push(format!(
            "{id}: no entry in tests/rule-fixtures.toml (a firing site and a near miss)"
        ));
    }
    let o = outcomes();
    for r in &fixtures.rule {
        for s in &r.fires {
            match status(o, s, &r.id) {
                Some("fail") => {}
                other => problems.push(format!(
                    "{}: should fire on {} but is {}",
                    r.id,
                    label(s),
                    other.unwrap_or("missing (site not audited?)")
                )),
            }
        }
        for s in &r.near_misses {
            match status(o, s, &r.id) {
                Some("fail") => {
                    problems.push(format!("{}: near miss {} is accused", r.id, label(s)))
                }
                Some(st) if st.starts_with("error") => {
                    problems.push(format!("{}: {} on {}", r.id, st, label(s)))
                }
                Some(_) => {}
                None => problems.push(format!("{}: near miss {} was not audited", r.id, label(s))),
            }
        }
    }
    if !todos.is_empty() {
        eprintln!(
            "rules with incomplete fixtures ({}):\n  {}",
            todos.len(),
            todos.join("\n  ")
        );
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn no_builtin_rule_errors_on_any_test_site() {
    let ids = catalogue_ids();
    let mut errors = Vec::new();
    let mut audited = 0;
    for ((engine, args), hosts) in outcomes() {
        for (host, rules) in hosts {
            if !rules.is_empty() {
                audited += 1;
            }
            for (id, st) in rules {
                if st.starts_with("error") {
                    errors.push(format!("{id} on {host} ({engine} {args:?}): {st}"));
                }
            }
            if !rules.is_empty() {
                let missing: Vec<&String> =
                    ids.iter().filter(|i| !rules.contains_key(*i)).collect();
                assert!(missing.is_empty(), "{host}: no outcome for {missing:?}");
            }
        }
    }
    assert!(audited >= 40, "only {audited} audited sites");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
