//! No false accusations: cases where a rule used to accuse a compliant site,
//! each beside a near miss that must still be caught. Browser tests need
//! Chromium and the consent libraries that `./scripts/test` installs.

mod common;

use common::*;
use serde_json::Value;

fn scan_with(engine: &str, hosts: &[&str], extra: &[&str]) -> Value {
    scan_ok(engine, hosts, extra)
}

fn site<'a>(report: &'a Value, site: &str) -> &'a Value {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["facts"]["site"] == site)
        .unwrap_or_else(|| panic!("{site} not in the report"))
}

fn fired(site: &Value) -> Vec<String> {
    rule_ids(site)
}

fn cookie<'a>(visit: &'a Value, name: &str) -> &'a Value {
    visit["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no cookie {name} in {visit}"))
}

/// Static markup cannot tell which screen a button is on when a stylesheet
/// class hides the settings layer: the http engine says so, the browser
/// measures it.
#[test]
fn class_hidden_second_layer_is_not_guessed_without_css() {
    let http = scan_with(
        "http",
        &["www.class-layer.test", "www.second-layer.test"],
        &[],
    );
    // Near miss: a settings layer hidden by an attribute is known to be
    // deeper, even without CSS, and the missing first-layer refusal is
    // reported.
    let attr = site(&http, "second-layer.test");
    let b = &attr["facts"]["banner"];
    assert_eq!(b["layers_determinable"], true, "{b}");
    assert_eq!(b["first_level_reject"], false, "{b}");
    assert_eq!(b["deeper_reject"], true, "{b}");
    assert!(
        fired(attr).contains(&"B202".to_string()),
        "{:?}",
        fired(attr)
    );
    let s = site(&http, "class-layer.test");
    let b = &s["facts"]["banner"];
    assert_eq!(b["present"], true, "{b}");
    assert_eq!(b["layers_determinable"], false, "{b}");
    assert_eq!(b["first_level_reject"], false, "{b}");
    assert!(!fired(s).contains(&"B202".to_string()), "{:?}", fired(s));
    let b202 = s["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "B202")
        .expect("B202 outcome");
    assert_eq!(b202["status"], "not_applicable", "{b202}");
}

#[test]
fn browser_precision_cases() {
    let r = scan_with(
        "chrome",
        &[
            "www.class-layer.test",
            "www.cookie-pages.test",
            "www.iframe-cmp.test",
            "www.tarte-clean.test",
            "www.forgetful.test",
        ],
        &[],
    );

    // The browser sees that the refusal is only on the hidden layer.
    let layered = site(&r, "class-layer.test");
    assert_eq!(layered["facts"]["banner"]["layers_determinable"], true);
    assert_eq!(layered["facts"]["banner"]["first_level_reject"], false);
    assert!(fired(layered).contains(&"B202".to_string()));

    // A cookie names the page it was written on, and the request.
    let pages = site(&r, "cookie-pages.test");
    let before = &pages["evidence"]["visits"][0];
    let fr = cookie(before, "fr");
    assert!(
        fr["page_url"].as_str().unwrap().contains("/produits"),
        "{fr}"
    );
    assert!(
        fr["set_by"].as_str().unwrap().contains("www.facebook.com"),
        "{fr}"
    );
    let own = cookie(before, "vu_produits");
    assert!(
        own["page_url"].as_str().unwrap().contains("/produits"),
        "{own}"
    );

    // The consent platform's frame host stores the choice: no tracking
    // cookie before the choice (C101) nor after the refusal (R501).
    let iframe = site(&r, "iframe-cmp.test");
    assert_eq!(iframe["facts"]["after_reject"]["choice_made"], true);
    let choice = cookie(&iframe["facts"]["after_reject"], "cmp_choice");
    assert_eq!(choice["exemption"], "consent_record", "{choice}");
    assert_eq!(choice["consent_required"], false, "{choice}");
    let ids = fired(iframe);
    assert!(
        !ids.contains(&"R501".to_string()) && !ids.contains(&"C101".to_string()),
        "{ids:?}"
    );

    // tarteaucitron.js keeps its panel markup, hidden, after a refusal:
    // the banner is not asked again.
    let tarte = site(&r, "tarte-clean.test");
    let rejected = &tarte["facts"]["after_reject"];
    assert_eq!(rejected["choice_made"], true);
    assert_eq!(rejected["banner_rechecked"], true);
    assert_eq!(rejected["banner_shown_again"], false);
    assert!(!fired(tarte).contains(&"R506".to_string()));
    // ...while a site that really asks again is still caught.
    let forgetful = site(&r, "forgetful.test");
    assert_eq!(
        forgetful["facts"]["after_reject"]["banner_shown_again"],
        true
    );
    assert!(fired(forgetful).contains(&"R506".to_string()));
}

fn exemption_of<'a>(visit: &'a Value, name_prefix: &str) -> (&'a Value, &'a Value) {
    let c = visit["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no cookie {name_prefix}* in {visit}"));
    (&c["exemption"], &c["consent_required"])
}

/// First-party Matomo and AT Internet ids of at most 13 months, and a
/// Matomo Cloud collector, under a profile that grants the audience
/// measurement exemption: neither the cookie rules nor the host rules
/// accuse. The same site under the EU baseline, and a 37-month id under
/// the French profile, are accused.
#[test]
fn audience_measurement_exemption_for_cookies_and_hosts() {
    let fr = scan_with(
        "http",
        &["www.mesure-exemptee.test", "www.mesure-longue.test"],
        &["--profile", "fr"],
    );
    let ok = site(&fr, "mesure-exemptee.test");
    let before = &ok["facts"]["before"];
    for name in ["_pk_id", "atuserid"] {
        let (exemption, required) = exemption_of(before, name);
        assert_eq!(exemption, "audience_measurement", "{name}");
        assert_eq!(required, false, "{name}");
    }
    let matomo = before["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["host"] == "demo.matomo.cloud")
        .expect("the Matomo Cloud collector is recognised");
    assert_eq!(matomo["exemption"], "audience_measurement");
    assert_eq!(matomo["consent_required"], false);
    assert_eq!(ok["facts"]["policy"]["text"]["exemption_claimed"], true);
    let ids = fired(ok);
    for rule in ["C101", "C102", "C104", "C105"] {
        assert!(!ids.contains(&rule.to_string()), "{rule} in {ids:?}");
    }

    // Over 13 months the exemption is lost, cookie by cookie.
    let long = site(&fr, "mesure-longue.test");
    let (exemption, required) = exemption_of(&long["facts"]["before"], "_pk_id");
    assert_eq!(
        (exemption, required),
        (&Value::from("none"), &Value::from(true))
    );
    let ids = fired(long);
    assert!(ids.contains(&"C101".to_string()), "{ids:?}");
    assert!(ids.contains(&"C105".to_string()), "{ids:?}");

    // The EU baseline grants no exemption: both the cookies and the host
    // need consent.
    let eu = scan_with("http", &["www.mesure-exemptee.test"], &["--profile", "eu"]);
    let ids = fired(site(&eu, "mesure-exemptee.test"));
    assert!(ids.contains(&"C101".to_string()), "{ids:?}");
    assert!(ids.contains(&"C102".to_string()), "{ids:?}");
}
