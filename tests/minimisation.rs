//! Data minimisation beyond cookies, with the http engine: forms, the
//! privacy notice, page weight, pay-or-accept walls and jurisdiction
//! profiles. Each accusing site has a clean counterpart that must not be
//! accused. (Browser-only checks are in `tests/chrome.rs`.)

mod common;

use common::*;
use serde_json::{json, Value};

fn finding<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == id)
        .unwrap_or_else(|| panic!("{id} not flagged: {:?}", finding_ids(r)))
}

#[test]
fn forms_that_ask_too_much_and_an_incomplete_notice() {
    let w = web();
    let url = w.url("www.forms.test");
    let (out, report) = scan(&url, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    // The notice leaves out only elements required where applicable: no N701.
    assert_eq!(finding_ids(&r), vec!["F601", "F602", "F603", "F604"]);
    let f = &r["sites"][0]["facts"];
    // No banner to read a language from: the page's `<html lang="fr">`
    // chooses the CNIL's profile.
    assert_eq!(f["profile"]["id"], "fr");
    assert_eq!(f["profile"]["chosen_by"], "language");
    assert_eq!(
        r["sites"][0]["evidence"]["visits"][0]["pages"][0]["lang"],
        "fr"
    );
    let forms = f["forms"].as_array().unwrap();
    let purposes: Vec<&str> = forms
        .iter()
        .map(|x| x["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["newsletter", "contact", "search"]);
    // The newsletter needs an e-mail, nothing more.
    let newsletter = &forms[0];
    assert_eq!(
        newsletter["unneeded_required"],
        json!(["Téléphone (phone)", "Date de naissance (birth_date)"])
    );
    assert_eq!(
        newsletter["preticked_optins"],
        json!(["J'accepte de recevoir les offres de nos partenaires"])
    );
    assert_eq!(newsletter["notice_linked"], true);
    assert_eq!(
        newsletter["categories"],
        json!(["email", "phone", "birth_date"])
    );
    // The contact form asks for health data, with no notice at the form.
    assert_eq!(forms[1]["special_categories"], json!(["health"]));
    assert_eq!(forms[1]["notice_linked"], false);
    assert_eq!(forms[1]["unneeded_required"], json!([]));
    // The search form is never "excessive", and needs no notice.
    assert_eq!(forms[2]["personal"], false);
    assert_eq!(
        f["form_summary"],
        json!({"count": 3, "personal": 2, "excessive": 1, "possibly_excessive": 0, "special_category": 1, "preticked_optin": 1, "without_notice": 1})
    );
    assert_eq!(
        finding(&r, "F601")["evidence"],
        json!([format!(
            "newsletter form on {url} requires Téléphone (phone), Date de naissance (birth_date), which a newsletter sign-up does not need"
        )])
    );
    // The evidence: the exact form element and its fields.
    let ev_form = &r["sites"][0]["evidence"]["visits"][0]["pages"][0]["forms"][0];
    assert_eq!(ev_form["action"], format!("{url}newsletter/subscribe"));
    assert_eq!(ev_form["method"], "post");
    assert_eq!(ev_form["fields"][2]["autocomplete"], "bday");
    assert_eq!(ev_form["fields"][3]["checked"], true);

    // The notice lacks the DPO, transfers and automated decisions, which
    // art. 13 asks for only where they apply: not stated, not missing.
    let p = &f["policy"];
    assert_eq!(p["exists"], true);
    assert_eq!(p["missing"], json!([]));
    assert_eq!(
        p["not_stated_where_applicable"],
        json!(["dpo", "transfers", "automated_decisions"])
    );
    let dpo = p["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["element"] == "dpo")
        .unwrap();
    assert_eq!(dpo["found"], false);
    assert_eq!(dpo["required"], "where_applicable");
    assert_eq!(p["rights_channels"], json!(["email:vosdroits@forms.test"]));
    assert_eq!(p["authorities"], json!(["CNIL"]));
    let complaint = p["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["element"] == "complaint")
        .unwrap();
    assert_eq!(complaint["found"], true);
    assert!(
        complaint["sentence"].as_str().unwrap().contains("cnil"),
        "{complaint}"
    );
}

#[test]
fn a_clean_newsletter_and_a_complete_notice_are_not_accused() {
    let (out, report) = scan(&web().url("www.clean-forms.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(finding_ids(&r), Vec::<String>::new());
    let f = &r["sites"][0]["facts"];
    assert_eq!(f["forms"][0]["purpose"], "newsletter");
    assert_eq!(f["forms"][0]["unneeded_required"], json!([]));
    assert_eq!(f["forms"][0]["preticked_optins"], json!([]));
    assert_eq!(f["forms"][0]["notice_linked"], true);
    // An account that requires first and last name: many services need
    // their holders' names, so it is at most possibly excessive.
    assert_eq!(f["forms"][1]["purpose"], "account");
    assert_eq!(f["forms"][1]["unneeded_required"], json!([]));
    assert_eq!(
        f["forms"][1]["possibly_unneeded_required"],
        json!(["First name (name)", "Last name (name)"])
    );
    assert_eq!(f["form_summary"]["excessive"], 0);
    assert_eq!(f["form_summary"]["possibly_excessive"], 1);
    assert_eq!(f["policy"]["missing"], json!([]));
    assert_eq!(
        f["policy"]["rights_channels"],
        json!(["email:dpo@clean-forms.test"])
    );
    assert!(f["policy"]["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["found"] == true && !e["sentence"].as_str().unwrap().is_empty()));
    assert_eq!(r["sites"][0]["score"]["value"], 100);
}

#[test]
fn a_privacy_link_answering_404_is_a_finding_not_a_checklist() {
    let w = web();
    let (out, report) = scan(&w.url("www.policy-404.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(finding_ids(&r), vec!["T306"]);
    let p = &r["sites"][0]["facts"]["policy"];
    assert_eq!(p["status"], 404);
    assert_eq!(p["exists"], false);
    assert_eq!(
        finding(&r, "T306")["evidence"],
        json!([format!(
            "{}privacy-policy (HTTP 404)",
            w.url("www.policy-404.test")
        )])
    );
}

#[test]
fn a_three_megabyte_page_is_weighed_and_its_emissions_estimated() {
    let (out, report) = scan(&web().url("www.heavy.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let html = std::fs::metadata(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/web/www.heavy.test/index.html"
    ))
    .unwrap()
    .len();
    let f = &r["sites"][0]["facts"];
    let bytes = 3_000_000 + html;
    assert_eq!(f["page_weight_bytes"], bytes);
    let w = &f["before"]["weight"];
    assert_eq!(w["bytes"], bytes);
    assert_eq!(w["requests"], 2);
    assert_eq!(w["measured_requests"], 2);
    assert_eq!(w["third_party_share"], 0.0);
    let grams = barometer::analyse::weight::co2e_grams(bytes);
    assert_eq!(w["co2e_grams"], grams);
    assert!((grams - 0.4446).abs() < 0.001, "{grams}");
    assert!(finding_ids(&r).contains(&"E901".to_string()));
    assert_eq!(
        finding(&r, "E901")["evidence"],
        json!([format!(
            "{} kB transferred for the home page, about {grams} g CO2e for the visit",
            bytes / 1000
        )])
    );
    // Informational: the score is not touched by it.
    assert_eq!(finding(&r, "E901")["weight"], 0);
}

#[test]
fn pay_or_accept_is_a_wall_and_a_blocking_modal_with_a_free_refusal_is_not() {
    let w = web();
    let (_, report) = scan(&w.url("www.paywall.test"), &[]);
    let r = report.unwrap();
    let wall = &r["sites"][0]["facts"]["wall"];
    assert_eq!(wall["pay_or_accept"], true);
    assert_eq!(wall["cookie_wall"], true);
    assert_eq!(
        wall["paid_alternative_label"],
        "S'abonner pour 2 € par mois"
    );
    assert_eq!(
        wall["paid_alternative_url"],
        format!("{}abonnement", w.url("www.paywall.test"))
    );
    let ids = finding_ids(&r);
    assert!(
        ids.contains(&"W801".to_string()) && ids.contains(&"W802".to_string()),
        "{ids:?}"
    );
    // French banner: the CNIL's profile, named on every finding.
    assert_eq!(r["sites"][0]["facts"]["profile"]["id"], "fr");
    assert_eq!(finding(&r, "W801")["authority"], "CNIL");

    let (_, report) = scan(&w.url("www.modal.test"), &[]);
    let r = report.unwrap();
    let wall = &r["sites"][0]["facts"]["wall"];
    assert_eq!(wall["pay_or_accept"], false);
    assert_eq!(wall["cookie_wall"], false);
    assert_eq!(wall["free_refusal"], true);
    let ids = finding_ids(&r);
    assert!(!ids.iter().any(|i| i.starts_with('W')), "{ids:?}");
}

#[test]
fn jurisdiction_profiles_select_rules_and_name_the_authority() {
    let w = web();
    // The French site under the UK profile: the CNIL's 13-month rule does
    // not apply, and the ICO is the authority named.
    let (out, report) = scan(&w.url("www.site-fr.test"), &["--profile", "uk"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(r["sites"][0]["facts"]["profile"]["id"], "uk");
    assert_eq!(r["sites"][0]["facts"]["profile"]["chosen_by"], "option");
    assert!(!finding_ids(&r).contains(&"C104".to_string()));
    let c104 = r["sites"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "C104")
        .unwrap();
    assert_eq!(c104["status"], "not_applicable");
    assert_eq!(
        c104["detail"],
        "not part of the United Kingdom (ICO) profile"
    );
    assert_eq!(finding(&r, "C101")["authority"], "ICO");
    // Without the option, its French banner chooses the CNIL's profile.
    let (_, report) = scan(&w.url("www.site-fr.test"), &[]);
    let r = report.unwrap();
    assert_eq!(r["sites"][0]["facts"]["profile"]["id"], "fr");
    assert_eq!(r["sites"][0]["facts"]["profile"]["chosen_by"], "language");
    assert!(finding_ids(&r).contains(&"C104".to_string()));

    // An unknown profile is refused with one line and exit 2.
    let (out, _) = scan(&w.url("www.site-fr.test"), &["--profile", "xx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown profile `xx` (expected one of at, be, ca, ch, de, dk, es, eu, fr, ie, it, lu, nl, pl, pt, se, uk)"),
        "{err}"
    );

    // `rules --profile` shows what applies, with the profile's severities.
    let out = barometer(&["rules", "--profile", "it"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Profile it: Italy (Garante)"), "{text}");
    assert!(text.contains("closing the banner (✕) counts as a refusal"));
    assert!(text.contains("R506   high"), "{text}");
    assert!(
        text.contains("Not part of this profile: C104, C105"),
        "{text}"
    );
}

#[test]
fn a_notice_without_retention_is_incomplete_but_a_missing_dpo_is_only_not_stated() {
    let (out, report) = scan(&web().url("www.notice-gaps.test"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(finding_ids(&r), vec!["N701"]);
    let p = &r["sites"][0]["facts"]["policy"];
    assert_eq!(p["missing"], json!(["retention"]));
    assert_eq!(p["not_stated_where_applicable"], json!(["dpo"]));
    // The finding names the retention period only: the officer is owed
    // only where one must be designated.
    let n701 = finding(&r, "N701");
    assert_eq!(n701["evidence"], json!(["retention"]));
    assert_eq!(
        n701["message"],
        "No mention of 1 element(s) that GDPR art. 13 requires in every notice was detected in the privacy notice: retention period."
    );
}

/// A notice in a language the checklist of `rules/notice.toml` does not
/// cover (Polish, Portuguese) is found but not checked: elements nobody
/// looked for are not "missing", so neither N701 nor N702 may fire.
#[test]
fn a_notice_in_a_language_the_checklist_does_not_cover_is_not_judged() {
    for (host, lang) in [("www.sklep-pl.test", "pl"), ("www.loja-pt.test", "pt")] {
        let (out, report) = scan(&web().url(host), &[]);
        assert!(out.status.success(), "{host}: {}", stderr(&out));
        let r = report.unwrap();
        let p = &r["sites"][0]["facts"]["policy"];
        assert_eq!(p["exists"], true, "{host}: {p}");
        assert_eq!(p["text"]["language"], lang, "{host}: {p}");
        assert_eq!(p["checked"], false, "{host}: {p}");
        assert_eq!(p["missing"], json!([]), "{host}");
        let ids = finding_ids(&r);
        assert!(
            !ids.iter().any(|id| id.starts_with("N70")),
            "{host}: {ids:?}"
        );
    }
    // The near miss: an English notice is checked, and its gaps reported.
    let (_, report) = scan(&web().url("www.notice-gaps.test"), &[]);
    let r = report.unwrap();
    assert_eq!(r["sites"][0]["facts"]["policy"]["checked"], true);
    assert_eq!(r["sites"][0]["facts"]["policy"]["text"]["language"], "en");
}
