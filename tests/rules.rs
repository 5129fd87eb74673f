//! The rule catalogue: listing, explaining, user rules and malformed files.

mod common;

use common::*;

#[test]
fn catalogue_lists_at_least_15_rules_with_references() {
    let out = barometer(&["rules", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 15, "{} rules", rules.len());
    for r in rules {
        assert!(
            !r["references"].as_array().unwrap().is_empty(),
            "{} has no reference",
            r["id"]
        );
        assert!(!r["rationale"].as_str().unwrap().trim().is_empty());
    }
    let text = String::from_utf8(barometer(&["rules"]).stdout).unwrap();
    assert!(text.contains("B202"), "{text}");
}

#[test]
fn explains_one_rule_like_a_manual_page() {
    let out = barometer(&["rules", "b202"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("B202 — "), "{text}");
    for part in ["Why it matters", "fails when:", "Legal references", "CNIL"] {
        assert!(text.contains(part), "missing {part}: {text}");
    }
    let out = barometer(&["rules", "Z999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn user_rule_is_added_without_recompiling() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("X900.toml"),
        r#"id = "X900"
title = "Any third-party host at all"
severity = "low"
jurisdictions = ["eu"]
applies = 'reachable'
condition = 'before.third_party_host_count > 0'
evidence = 'before.third_party_hosts'
message = "{count} third-party host(s): {list}."
remediation = "Host everything yourself."
rationale = "House policy."
[[references]]
instrument = "GDPR"
article = "art. 5(1)(c)"
"#,
    )
    .unwrap();
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--rules", dir.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let f = r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "X900")
        .expect("X900 fired")
        .clone();
    assert_eq!(
        f["message"],
        "1 third-party host(s): pixel.unlisted-tracker.test."
    );
    assert_eq!(f["weight"], 3);
}

#[test]
fn malformed_rule_names_file_rule_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "id = \"X901\"\ntitle = \"t\"\nseverity = \"loud\"\n").unwrap();
    let out = barometer(&["rules", "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("X901") && err.contains("loud"),
        "{err}"
    );

    std::fs::write(&path, "id = \"X902\"\ntitle = \"t\"\nseverity = \"low\"\njurisdictions = []\ncondition = 'before.(('\nmessage = \"m\"\nremediation = \"r\"\nrationale = \"r\"\n[[references]]\ninstrument = \"GDPR\"\n").unwrap();
    let out = barometer(&[
        "scan",
        "https://a.test/",
        "--engine",
        "http",
        "--rules",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("X902") && err.contains("condition"),
        "{err}"
    );
}
