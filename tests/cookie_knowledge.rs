//! What the cookie lists (ours and the Open Cookie Database) make of the
//! cookies of a scan: http engine, local test web.

mod common;

use common::*;

/// `(name, domain, party, category, consent_required, exemption, list)` of
/// the cookies of the first visit, sorted.
fn before_cookies(
    r: &serde_json::Value,
) -> Vec<(String, String, String, String, bool, String, String)> {
    let mut out: Vec<_> = r["sites"][0]["facts"]["before"]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (
                s("name"),
                s("domain"),
                s("party"),
                s("category"),
                c["consent_required"].as_bool().unwrap(),
                s("exemption"),
                s("list"),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(
    name: &str,
    domain: &str,
    party: &str,
    category: &str,
    required: bool,
    exemption: &str,
    list: &str,
) -> (String, String, String, String, bool, String, String) {
    (
        name.into(),
        domain.into(),
        party.into(),
        category.into(),
        required,
        exemption.into(),
        list.into(),
    )
}

#[test]
fn database_names_and_generic_names_on_a_tracker_host_are_accused() {
    let web = web();
    let (out, report) = scan(&web.url("www.ocd-tags.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let mut expected = vec![
        row(
            "PHPSESSID",
            "www.ocd-tags.test",
            "first",
            "strictly_necessary",
            false,
            "necessary",
            "cookies",
        ),
        row(
            "_gcl_gs",
            "www.ocd-tags.test",
            "first",
            "advertising",
            true,
            "none",
            "cookies",
        ),
        // Known to the Open Cookie Database only (Google Hotel Ads).
        row(
            "_gcl_ha",
            "www.ocd-tags.test",
            "first",
            "advertising",
            true,
            "none",
            "open_cookie_database",
        ),
        // Functional in the database, set by a third party that is no
        // known tracker: judged like an unknown third-party cookie.
        row(
            "__tawkuuid",
            "widget.ocd-chat.test",
            "third",
            "functional",
            true,
            "none",
            "open_cookie_database",
        ),
        // Generic names on Instagram's host take the tracker's category.
        row(
            "csrftoken",
            "instagram.com",
            "third",
            "social",
            true,
            "none",
            "cookies",
        ),
        row(
            "sessionid",
            "instagram.com",
            "third",
            "social",
            true,
            "none",
            "cookies",
        ),
    ];
    expected.sort();
    assert_eq!(before_cookies(&r), expected);
    let ids = finding_ids(&r);
    assert!(ids.contains(&"C101".to_string()), "{ids:?}");
    let c101 = r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "C101")
        .unwrap();
    let text = c101.to_string();
    for name in [
        "_gcl_gs",
        "_gcl_ha",
        "sessionid (instagram.com)",
        "csrftoken",
        "__tawkuuid",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
    assert!(!text.contains("PHPSESSID"), "{text}");
    // The database's version is in the provenance.
    let lists = r["sites"][0]["evidence"]["provenance"]["lists"].to_string();
    assert!(
        lists.contains("builtin:open-cookie-database") && lists.contains("0ee5a17"),
        "{lists}"
    );
}

#[test]
fn necessary_and_functional_names_are_not_accused() {
    let web = web();
    let (out, report) = scan(&web.url("www.ocd-necessary.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let mut expected = vec![
        // The database calls it Functional: listed, not accused.
        row(
            "FPGSID",
            "www.ocd-necessary.test",
            "first",
            "functional",
            false,
            "functional",
            "open_cookie_database",
        ),
        // A generic name on a third party that is no known tracker.
        row(
            "PHPSESSID",
            "static.ocd-cdn.test",
            "third",
            "strictly_necessary",
            false,
            "necessary",
            "cookies",
        ),
        row(
            "_rails_session",
            "www.ocd-necessary.test",
            "first",
            "strictly_necessary",
            false,
            "necessary",
            "open_cookie_database",
        ),
        row(
            "csrftoken",
            "www.ocd-necessary.test",
            "first",
            "security",
            false,
            "necessary",
            "cookies",
        ),
        row(
            "sessionid",
            "www.ocd-necessary.test",
            "first",
            "strictly_necessary",
            false,
            "necessary",
            "cookies",
        ),
    ];
    expected.sort();
    assert_eq!(before_cookies(&r), expected);
    let ids = finding_ids(&r);
    assert!(!ids.iter().any(|i| i.starts_with("C10")), "{ids:?}");
}
