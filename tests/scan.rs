//! `barometer scan` with the http engine, against the local test web.

mod common;

use common::*;
use serde_json::json;

#[test]
fn french_site_cookies_trackers_banner_and_findings() {
    let web = web();
    // The bare domain redirects to www: the chain is evidence.
    let (out, report) = scan(&web.url("site-fr.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let site = &r["sites"][0];
    assert_eq!(site["site"], "site-fr.test");
    let home = &site["evidence"]["visits"][0]["pages"][0];
    assert_eq!(home["redirects"][0]["status"], 301);
    assert_eq!(home["redirects"][0]["to"], web.url("www.site-fr.test"));

    assert_eq!(
        cookies(&r),
        vec![
            (
                "PHPSESSID".to_string(),
                "www.site-fr.test".to_string(),
                "first".to_string(),
                0.0
            ),
            (
                "_ga".to_string(),
                "site-fr.test".to_string(),
                "first".to_string(),
                400.0
            ),
            (
                "fr".to_string(),
                "facebook.com".to_string(),
                "third".to_string(),
                90.0
            ),
        ]
    );
    let before = &site["facts"]["before"];
    let ga = before["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "_ga")
        .unwrap();
    assert_eq!(ga["declared_lifetime_days"], 730.0);
    assert_eq!(ga["consent_required"], true);
    assert_eq!(ga["over_13_months"], true);
    let sess = before["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "PHPSESSID")
        .unwrap();
    assert_eq!(
        (
            sess["consent_required"].as_bool(),
            sess["exemption"].as_str()
        ),
        (Some(false), Some("necessary"))
    );

    assert_eq!(
        trackers(&r),
        vec![
            (
                "www.facebook.com".to_string(),
                "Meta".to_string(),
                "advertising".to_string()
            ),
            (
                "www.google-analytics.com".to_string(),
                "Google".to_string(),
                "analytics".to_string()
            ),
        ]
    );
    assert_eq!(
        before["third_party_hosts"],
        serde_json::json!(["www.facebook.com", "www.google-analytics.com"])
    );

    let banner = &site["facts"]["banner"];
    assert_eq!(banner["status"], "present");
    assert_eq!(banner["first_level_reject"], true);
    assert_eq!(banner["reject_labels"], serde_json::json!(["Tout refuser"]));
    assert_eq!(
        banner["accept_labels"],
        serde_json::json!(["Tout accepter"])
    );
    assert_eq!(banner["language"], "fr");
    assert_eq!(site["facts"]["banner_text"]["partner_count"], 12);
    assert_eq!(
        site["facts"]["policy"]["url"],
        format!("{}confidentialite", web.url("www.site-fr.test"))
    );
    assert_eq!(site["facts"]["policy"]["text"]["cross_site"], true);

    // Pages: home plus two same-site pages, never logout, mail, tel, pdf or other sites.
    let pages: Vec<&str> = site["evidence"]["visits"][0]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    let base = web.url("www.site-fr.test");
    assert_eq!(
        pages,
        vec![
            web.url("site-fr.test"),
            format!("{base}page-2"),
            format!("{base}page-3"),
            format!("{base}confidentialite")
        ]
    );

    // Its notice tells of tracking and withdrawal, and of nothing else
    // GDPR art. 13 asks for.
    assert_eq!(
        site["facts"]["policy"]["missing"],
        json!([
            "controller",
            "purposes",
            "legal_basis",
            "recipients",
            "retention",
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "complaint"
        ])
    );
    assert_eq!(
        site["facts"]["policy"]["not_stated_where_applicable"],
        json!(["dpo", "transfers", "automated_decisions"])
    );
    assert_eq!(
        finding_ids(&r),
        vec!["C101", "C102", "C104", "N701", "N702"]
    );
    let score = &site["score"];
    assert_eq!(score["value"], 100 - 30 - 30 - 8 - 8 - 8);
    assert_eq!(score["grade"], "E");
}

#[test]
fn english_banner_without_first_level_reject() {
    let (out, report) = scan(&web().url("www.site-en.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let banner = &r["sites"][0]["facts"]["banner"];
    assert_eq!(banner["first_level_reject"], false);
    assert_eq!(banner["deeper_reject"], true);
    assert_eq!(banner["accept_labels"], serde_json::json!(["Accept all"]));
    assert_eq!(
        banner["settings_labels"],
        serde_json::json!(["Manage settings"])
    );
    assert_eq!(
        r["sites"][0]["facts"]["banner_text"]["implied_consent"],
        true
    );
    assert_eq!(
        r["sites"][0]["facts"]["banner_text"]["sentences"]["implied_consent"],
        "By continuing to browse, you agree to our use of cookies."
    );
    let ids = finding_ids(&r);
    for id in ["B202", "B204"] {
        assert!(ids.contains(&id.to_string()), "{id} missing from {ids:?}");
    }
    assert!(!ids.contains(&"C101".to_string()));
}

#[test]
fn garante_banner_closing_with_the_x_is_a_refusal_not_implied_consent() {
    let (out, report) = scan(&web().url("www.garante-x.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let site = &r["sites"][0];
    // "Chiudendo il banner mediante la X continuerai la navigazione in
    // assenza di cookie ... diversi da quelli tecnici": the Garante's own
    // wording for closing as a refusal.
    assert_eq!(site["facts"]["banner"]["present"], true);
    assert_eq!(site["facts"]["banner"]["language"], "it");
    assert_eq!(site["facts"]["banner_text"]["analysed"], true);
    assert_eq!(site["facts"]["banner_text"]["implied_consent"], false);
    assert!(site["facts"]["banner_text"]["sentences"]
        .get("implied_consent")
        .is_none());
    assert_eq!(finding_ids(&r), Vec::<String>::new());
}

#[test]
fn cross_site_tracking_not_detected_is_a_low_confidence_medium_finding() {
    // The banner names advertising partners and says nothing of other
    // sites: T301 may only say that no statement was detected, at low
    // confidence, never high.
    let (out, report) = scan(&web().url("www.ads-silent.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(r["sites"][0]["facts"]["banner_text"]["cross_site"], false);
    let t301 = r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "T301")
        .expect("T301 fired");
    assert_eq!(t301["severity"], "medium");
    assert_eq!(t301["confidence"], "low");
    assert_eq!(
        t301["message"],
        "The site uses 1 advertising, social or retargeting host(s) (www.facebook.com (advertising)), and no statement that visitors may be tracked on other sites was detected in the banner or the policy."
    );

    // The same banner saying "on other websites and apps" is read, and so
    // is a paraphrase in ordinary words ("recognise your browser when you
    // later read other publishers' pages"): neither is accused.
    for (host, sentence) in [
        (
            "www.ads-read.test",
            "With your consent, these partners may recognise your browser on other websites and apps, and choose the ads they show you there from your visits here.",
        ),
        (
            "www.ads-paraphrase.test",
            "With your consent, these partners may recognise your browser when you later read other publishers' pages, and choose the ads they show you there from your visits here.",
        ),
    ] {
        let (out, report) = scan(&web().url(host), &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let r = report.unwrap();
        let text = &r["sites"][0]["facts"]["banner_text"];
        assert_eq!(text["cross_site"], true, "{host}");
        assert_eq!(text["sentences"]["cross_site"], sentence, "{host}");
        assert!(!finding_ids(&r).contains(&"T301".to_string()), "{host}");
    }
}

#[test]
fn german_clean_site_has_no_finding() {
    let (out, report) = scan(&web().url("www.site-de.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let banner = &r["sites"][0]["facts"]["banner"];
    assert_eq!(
        banner["reject_labels"],
        serde_json::json!(["Alle ablehnen"])
    );
    assert_eq!(banner["language"], "de");
    assert_eq!(finding_ids(&r), Vec::<String>::new());
    assert_eq!(r["sites"][0]["score"]["value"], 100);
    assert_eq!(r["sites"][0]["score"]["grade"], "A");
}

#[test]
fn script_injected_banner_is_not_determinable() {
    let (out, report) = scan(&web().url("www.site-js.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let banner = &r["sites"][0]["facts"]["banner"];
    assert_eq!(banner["status"], "not_determinable");
    assert_eq!(banner["cmp"], "Didomi");
    let reason = r["sites"][0]["evidence"]["visits"][0]["banner"]["reason"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("not determinable without a browser"),
        "{reason}"
    );
    // Never "no banner": the rule needing a determinable banner does not apply.
    let b201 = r["sites"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "B201")
        .unwrap();
    assert_eq!(b201["status"], "not_applicable");
}

#[test]
fn non_utf8_page_is_decoded() {
    let (out, report) = scan(&web().url("www.latin1.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(
        r["sites"][0]["evidence"]["visits"][0]["pages"][0]["encoding"],
        "windows-1252"
    );
    let banner = &r["sites"][0]["facts"]["banner"];
    assert_eq!(
        banner["reject_labels"],
        serde_json::json!(["Continuer sans accepter"])
    );
    assert_eq!(banner["settings_labels"], serde_json::json!(["Paramétrer"]));
}

#[test]
fn malformed_set_cookie_is_reported_not_fatal() {
    let (out, report) = scan(&web().url("www.malformed-cookie.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warning: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("malformed Set-Cookie"))
        .collect();
    assert_eq!(warning.len(), 1, "{err}");
    assert!(
        warning[0].starts_with("warning: ")
            && warning[0].contains("garbage-without-name-or-value")
            && warning[0].contains("neither name nor value"),
        "{err}"
    );
    let r = report.unwrap();
    // A header without `=` is a cookie with an empty name, as Chromium
    // stores it.
    assert_eq!(
        cookies(&r),
        vec![
            (
                String::new(),
                "www.malformed-cookie.test".to_string(),
                "first".to_string(),
                0.0
            ),
            (
                "ok".to_string(),
                "www.malformed-cookie.test".to_string(),
                "first".to_string(),
                0.04
            )
        ]
    );
    assert_eq!(
        r["sites"][0]["evidence"]["errors"][0]["kind"],
        "malformed_set_cookie"
    );
}

/// `(name, value, domain, lifetime_days)` of the cookies a visit holds,
/// and `(name, domain, reason)` of those it does not, in evidence order.
#[allow(clippy::type_complexity)]
fn jar(
    visit: &serde_json::Value,
) -> (
    Vec<(String, String, String, Option<f64>)>,
    Vec<(String, String, String)>,
) {
    let (mut held, mut gone) = (Vec::new(), Vec::new());
    for c in visit["cookies"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap().to_string();
        let domain = c["domain"].as_str().unwrap().to_string();
        match c["blocked"].as_str() {
            None => held.push((
                name,
                c["value"].as_str().unwrap().to_string(),
                domain,
                c["lifetime_days"].as_f64(),
            )),
            Some(reason) => gone.push((name, domain, reason.to_string())),
        }
    }
    (held, gone)
}

#[test]
fn cookies_are_what_a_browser_holds_at_the_end_of_the_visit() {
    let web = web();
    let (out, report) = scan(&web.url("www.cookie-forms.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let site = &r["sites"][0];
    let visit = &site["evidence"]["visits"][0];
    let (held, gone) = jar(visit);
    let own = |name: &str, value: &str, days: Option<f64>| {
        (
            name.to_string(),
            value.to_string(),
            "www.cookie-forms.test".to_string(),
            days,
        )
    };
    assert_eq!(
        held,
        vec![
            // Asctime with a one-digit day, on the whole site: 400 days kept.
            (
                "_ga".to_string(),
                "GA1.1.9.9".to_string(),
                "cookie-forms.test".to_string(),
                Some(400.0)
            ),
            own("lang", "fr", Some(400.0)),
            own("theme", "dark", Some(400.0)),
            own("currency", "eur", Some(400.0)),
            // Max-Age=abc is ignored: a session cookie.
            own("sid", "1", None),
            // Overwritten on the second page: its last value and lifetime.
            own("pref", "b", Some(0.08)),
            own("", "nameless", None),
            (
                "sync".to_string(),
                "1".to_string(),
                "cookie-sync.org".to_string(),
                Some(365.0)
            ),
        ]
    );
    let cookie = |name: &str| {
        visit["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    // The same instant in three forms: asctime, a one-digit day, and a
    // JavaScript date whose offset is ignored (read as UTC).
    let declared = cookie("lang")["declared_lifetime_days"].as_f64().unwrap();
    assert!(declared > 26_000.0, "{declared}");
    assert_eq!(
        cookie("_ga")["declared_lifetime_days"].as_f64(),
        Some(declared)
    );
    assert_eq!(
        cookie("theme")["declared_lifetime_days"].as_f64(),
        Some(declared)
    );
    // `49` is 2049, not 1949.
    let currency = cookie("currency")["declared_lifetime_days"]
        .as_f64()
        .unwrap();
    assert!((8_000.0..9_000.0).contains(&currency), "{currency}");
    // The overwrite keeps where the cookie was first set.
    assert_eq!(cookie("pref")["page_url"], web.url("www.cookie-forms.test"));
    assert_eq!(cookie("pref")["raw"], "pref=b; Max-Age=7200; Path=/");

    let reasons: Vec<(&str, &str, &str)> = gone
        .iter()
        .map(|(n, d, r)| (n.as_str(), d.as_str(), r.as_str()))
        .collect();
    let expected = [
        ("region", "www.cookie-forms.test", "already expired"),
        ("dotdot", ".cookie-forms.test", "not a valid domain"),
        ("uid", "org", "Domain=org is a public suffix"),
        ("lax", "px.cookie-sync.org", "cross-site"),
        ("cart", "www.cookie-forms.test", "deleted by a later header"),
    ];
    assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
    for ((n, d, r), (en, ed, er)) in reasons.iter().zip(expected) {
        assert_eq!((*n, *d), (en, ed));
        assert!(r.contains(er), "{n}: {r}");
    }

    let before = &site["facts"]["before"];
    assert_eq!(before["cookie_count"], 8);
    assert_eq!(before["third_party_cookie_count"], 1);
    let ga = before["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "_ga")
        .unwrap();
    assert_eq!(
        (
            ga["over_13_months"].as_bool(),
            ga["consent_required"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let ids = finding_ids(&r);
    assert!(
        ids.contains(&"C101".to_string()) && ids.contains(&"C104".to_string()),
        "{ids:?}"
    );
    let c101 = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "C101")
        .unwrap();
    assert_eq!(
        c101["evidence"],
        json!(["_ga (cookie-forms.test)", "sync (cookie-sync.org)"])
    );
}

#[test]
fn a_cookie_for_a_whole_public_suffix_is_no_third_party_cookie() {
    let (out, report) = scan(&web().url("www.cookie-suffix.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let site = &r["sites"][0];
    let (held, gone) = jar(&site["evidence"]["visits"][0]);
    assert_eq!(held, vec![]);
    assert_eq!(gone.len(), 2, "{gone:?}");
    assert_eq!((gone[0].0.as_str(), gone[0].1.as_str()), ("uid", "org"));
    assert!(gone[0].2.contains("public suffix"), "{gone:?}");
    assert!(gone[1].2.contains("cross-site"), "{gone:?}");
    let before = &site["facts"]["before"];
    assert_eq!(
        (
            before["cookie_count"].as_u64(),
            before["third_party_cookie_count"].as_u64(),
            before["consent_cookie_count"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    let ids = finding_ids(&r);
    assert!(!ids.iter().any(|id| id.starts_with('C')), "{ids:?}");
}

#[test]
fn filter_list_attributes_unlisted_tracker_with_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("privacy.txt");
    std::fs::write(
        &list,
        "[Adblock Plus 2.0]\n! Title: test list\n||unlisted-tracker.test^$image,third-party\n",
    )
    .unwrap();
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--filter-list", list.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let t = &r["sites"][0]["facts"]["before"]["trackers"][0];
    assert_eq!(t["host"], "pixel.unlisted-tracker.test");
    assert_eq!(t["category"], "filter_list");
    assert_eq!(t["rule"], "||unlisted-tracker.test^$image,third-party");
    assert_eq!(t["source"], list.to_str().unwrap());
    let ids = finding_ids(&r);
    assert!(
        ids.contains(&"C102".to_string()) && ids.contains(&"T305".to_string()),
        "{ids:?}"
    );
    // Without the list, the same host is just a third-party host.
    let (_, report) = scan(&web().url("www.no-policy.test"), &[]);
    assert_eq!(
        report.unwrap()["sites"][0]["facts"]["before"]["trackers"],
        serde_json::json!([])
    );
}

#[test]
fn hostile_content_is_escaped_in_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, raw, escaped) in [
        (
            "html",
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
        (
            "md",
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
    ] {
        let path = dir.path().join(format!("r.{ext}"));
        let out = barometer(&[
            "scan",
            &web().url("www.hostile.test"),
            "--engine",
            "http",
            "--resolve",
            "*:127.0.0.1",
            "--insecure",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(raw), "raw script in {ext}");
        assert!(
            text.contains(escaped),
            "escaped cookie name missing in {ext}"
        );
        assert!(
            !text.contains("<img src=x"),
            "banner HTML injected in {ext}"
        );
        assert!(
            !text.contains("href=\"javascript:"),
            "javascript: link in {ext}"
        );
    }
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains("&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;"),
        "banner text shown escaped"
    );
    assert!(
        !html.contains("<script src") && !html.contains("<link rel=\"stylesheet\""),
        "report must be self-contained"
    );
}

#[test]
fn text_output_lists_findings_and_summary() {
    let out = barometer(&[
        "scan",
        &web().url("www.site-en.test"),
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("HIGH B202"), "{text}");
    assert!(text.contains("1 of 1 site(s) audited"), "{text}");
    assert!(!text.contains('\x1b'), "NO_COLOR must disable colours");
}

#[test]
fn consent_recorded_before_any_choice() {
    let w = common::web();
    let (out, json) = common::scan(&w.url("www.consent-early.test"), &[]);
    let r = json.unwrap_or_else(|| panic!("{}", common::stderr(&out)));
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["before"]["consent_signalled"], true);
    let c106 = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "C106")
        .expect("C106");
    assert_eq!(
        c106["evidence_labels"],
        serde_json::json!([
            "cc_cookie (vanilla-cookieconsent): \"categories\":[\"necessary\",\"analytics\"",
            "OptanonConsent (OneTrust): groups=C0001:1,C0002:1,C0004:1"
        ])
    );
    // The same platforms recording "necessary only": no accusation.
    let (out, json) = common::scan(&w.url("www.consent-clean.test"), &[]);
    let r = json.unwrap_or_else(|| panic!("{}", common::stderr(&out)));
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["before"]["consent_signalled"], false);
    assert!(!common::finding_ids(&r).contains(&"C106".to_string()));
}
