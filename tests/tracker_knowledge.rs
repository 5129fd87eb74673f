//! What the tracker knowledge (entities, path collectors, categories) makes
//! of the requests of a scan: http engine, local test web.

mod common;

use common::*;

/// `(host, company, category, consent_required, requests)` of the trackers
/// of the first visit, sorted.
fn before_trackers(r: &serde_json::Value) -> Vec<(String, String, String, bool, u64)> {
    let mut out: Vec<_> = r["sites"][0]["facts"]["before"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap().to_string();
            (
                s("host"),
                s("company"),
                s("category"),
                t["consent_required"].as_bool().unwrap(),
                t["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(
    host: &str,
    company: &str,
    category: &str,
    required: bool,
) -> (String, String, String, bool, u64) {
    (host.into(), company.into(), category.into(), required, 1)
}

#[test]
fn collectors_are_told_from_loaders_paths_and_second_domains() {
    let web = web();
    let (out, report) = scan(&web.url("www.tag-collect.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let mut expected = vec![
        // Loaders of tag managers collect nothing themselves...
        row("www.googletagmanager.com", "Google", "tag_manager", false),
        row("tags.tiqcdn.com", "Tealium", "tag_manager", false),
        row("cdn.segment.com", "Twilio Segment", "tag_manager", false),
        // ...their collect endpoints do.
        row("collect.tealiumiq.com", "Tealium", "analytics", true),
        row("api.segment.io", "Twilio Segment", "analytics", true),
        // www.google.com is no tracker by itself: its CAPTCHA path is
        // anti-fraud, its conversion-collect path advertising, and the logo
        // on another path is nothing.
        row("www.google.com", "Google", "anti_fraud", false),
        row("www.google.com", "Google", "advertising", true),
        // Second domains of known companies.
        row("de.tynt.com", "33Across", "advertising", true),
        row("idsync.rlcdn.com", "LiveRamp", "identity_sync", true),
        row("px.pippio.com", "LiveRamp", "identity_sync", true),
        // A host of a shipped list (rules/admiralist/), in a category that
        // contact alone does not make tracking.
        row(
            "lumberrule.com",
            "Admiral (Leven Labs)",
            "ad_block_recovery",
            false,
        ),
    ];
    expected.sort();
    assert_eq!(before_trackers(&r), expected);
    let before = &r["sites"][0]["facts"]["before"];
    assert_eq!(before["tracker_count"], 6);
    let ccm = before["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["host"] == "www.google.com" && t["category"] == "advertising")
        .unwrap();
    assert!(
        ccm["first_url"].as_str().unwrap().contains("/ccm/collect"),
        "{ccm}"
    );
    let c102 = r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "C102")
        .expect("C102 fires")
        .to_string();
    for host in [
        "collect.tealiumiq.com",
        "api.segment.io",
        "www.google.com (Google, advertising)",
    ] {
        assert!(c102.contains(host), "{host} in {c102}");
    }
    for host in [
        "googletagmanager",
        "tiqcdn",
        "cdn.segment.com",
        "anti_fraud",
        "lumberrule",
    ] {
        assert!(!c102.contains(host), "{host} in {c102}");
    }
}

#[test]
fn fonts_libraries_captchas_and_loaders_are_never_accused() {
    let web = web();
    let (out, report) = scan(&web.url("www.fonts-cdn.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let mut expected = vec![
        row("fonts.googleapis.com", "Google", "infrastructure", false),
        row("fonts.gstatic.com", "Google", "infrastructure", false),
        row("use.typekit.net", "Adobe", "infrastructure", false),
        row("cdn.jsdelivr.net", "jsDelivr", "infrastructure", false),
        row(
            "cdnjs.cloudflare.com",
            "Cloudflare",
            "infrastructure",
            false,
        ),
        row("www.google.com", "Google", "anti_fraud", false),
        row("www.googletagmanager.com", "Google", "tag_manager", false),
    ];
    expected.sort();
    assert_eq!(before_trackers(&r), expected);
    let before = &r["sites"][0]["facts"]["before"];
    assert_eq!(before["tracker_count"], 0);
    assert_eq!(before["tracker_companies"], serde_json::json!([]));
    // No banner, and nothing that needs one.
    let ids = finding_ids(&r);
    for id in ["B201", "C102", "M402", "T301", "T303"] {
        assert!(!ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
}
