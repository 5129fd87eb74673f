//! What the visitor sees first: the banner's first layer read as shown,
//! the second layer read apart, a hidden preferences dialog that is not
//! the first layer, and elements that act as buttons without being ones
//! (a click handler, a pointer cursor in a listening element, a `tabindex`
//! with a key handler).
//! The browser tests need Chromium (`./scripts/test` installs it, with the
//! real tarteaucitron.js); they fail, rather than skip, when it is missing.

mod common;

use common::*;
use serde_json::{json, Value};

fn site<'a>(report: &'a Value, host: &str) -> &'a Value {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["facts"]["site"] == host)
        .unwrap_or_else(|| panic!("{host} missing from the report"))
}

fn first_banner(site: &Value) -> &Value {
    &site["evidence"]["visits"][0]["banner"]
}

/// Labels and layers of the banner's buttons with `role`.
fn buttons(site: &Value, role: &str) -> Vec<(String, u64)> {
    first_banner(site)["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["role"] == role)
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_string(),
                b["layer"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

/// Both engines: a preferences dialog built beside the banner and hidden
/// (`hidden` attribute) gives no first-layer reject; the same dialog shown
/// is the first layer, and its reject counts.
fn hidden_sibling_dialog(engine: &str) -> Value {
    let r = scan_ok(
        engine,
        &["www.sibling-dialog.test", "www.sibling-open.test"],
        &["--consent", "reject"],
    );
    let hidden = site(&r, "sibling-dialog.test");
    let f = &hidden["facts"];
    assert_eq!(f["banner"]["first_level_reject"], false, "{engine}");
    assert_eq!(f["banner"]["first_level_accept"], true, "{engine}");
    assert_eq!(f["banner"]["layers_determinable"], true, "{engine}");
    assert_eq!(
        f["banner"]["accept_labels"],
        json!(["Accept all"]),
        "{engine}"
    );
    assert_eq!(
        f["banner"]["settings_labels"],
        json!(["Cookie settings"]),
        "{engine}"
    );
    // Its reject is a second-layer one.
    assert_eq!(f["banner"]["deeper_reject"], true, "{engine}");
    assert_eq!(
        buttons(hidden, "reject"),
        vec![(s("Reject all"), 2)],
        "{engine}"
    );
    assert!(rule_ids(hidden).contains(&s("B202")), "{engine}");
    // The first layer's text is the banner's; the dialog's is the second layer.
    let b = first_banner(hidden);
    assert_eq!(
        b["text"],
        "We use cookies to measure our audience and, with your consent, to show you \
         personalised advertising. Accept all Cookie settings",
        "{engine}"
    );
    assert!(
        b["second_layer_text"]
            .as_str()
            .unwrap()
            .starts_with("Choose which cookies you allow. Our advertising partners"),
        "{engine}: {}",
        b["second_layer_text"]
    );
    // Statements are read per layer: the cross-site tracking sentence is
    // in the second layer only.
    assert_eq!(f["banner_text"]["layer"], "first_layer");
    assert_eq!(f["second_layer_text"]["layer"], "second_layer");
    assert_eq!(f["banner_text"]["partners_mentioned"], false, "{engine}");
    assert_eq!(
        f["second_layer_text"]["partners_mentioned"], true,
        "{engine}"
    );

    // Near miss: the same dialog shown from the start.
    let open = site(&r, "sibling-open.test");
    assert_eq!(
        open["facts"]["banner"]["first_level_reject"], true,
        "{engine}"
    );
    assert_eq!(
        open["facts"]["banner"]["reject_labels"],
        json!(["Reject all"]),
        "{engine}"
    );
    assert!(!rule_ids(open).contains(&s("B202")), "{engine}");
    assert_eq!(first_banner(open)["second_layer_text"], Value::Null);
    r
}

#[test]
fn http_hidden_sibling_dialog_is_not_the_first_layer() {
    hidden_sibling_dialog("http");
}

#[test]
fn chrome_hidden_sibling_dialog_is_not_the_first_layer() {
    let r = hidden_sibling_dialog("chrome");
    // The refusal goes through the settings button, which opens the dialog.
    let hidden = site(&r, "sibling-dialog.test");
    assert_eq!(
        hidden["evidence"]["visits"][1]["consent_action"]["clicks"],
        json!(["Cookie settings", "Reject all"])
    );
    assert_eq!(hidden["facts"]["banner"]["reject_clicks"], 2);
    let open = site(&r, "sibling-open.test");
    assert_eq!(
        open["evidence"]["visits"][1]["consent_action"]["clicks"],
        json!(["Reject all"])
    );
}

#[test]
fn chrome_reads_the_shown_tarteaucitron_banner_not_its_hidden_panel() {
    let r = scan_ok("chrome", &["www.tarte-layers.test"], &["--consent", "none"]);
    let site = &r["sites"][0];
    let b = first_banner(site);
    assert_eq!(b["cmp"], "tarteaucitron");
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains("Votre vie privée compte pour nous.") && text.contains("nos 826 partenaires"),
        "{text}"
    );
    for panel in [
        "Panneau de gestion des cookies",
        "Préférences pour tous les services",
    ] {
        assert!(!text.contains(panel), "{panel} in the first layer: {text}");
    }
    let second = b["second_layer_text"].as_str().unwrap();
    assert!(
        second.contains("Panneau de gestion des cookies")
            && second.contains("Préférences pour tous les services"),
        "{second}"
    );
    assert!(!second.contains("nos 826 partenaires"), "{second}");
    let f = &site["facts"];
    assert_eq!(f["banner_text"]["partner_count"], 826);
    assert_eq!(f["banner"]["reject_labels"], json!(["Tout refuser"]));
    assert_eq!(f["banner"]["accept_labels"], json!(["Tout accepter"]));
}

#[test]
fn chrome_counts_a_span_with_a_click_handler_as_a_button() {
    let r = scan_ok(
        "chrome",
        &["www.span-buttons.test", "www.span-deco.test"],
        &["--consent", "reject"],
    );
    let spans = site(&r, "span-buttons.test");
    assert_eq!(buttons(spans, "reject"), vec![(s("Reject all"), 1)]);
    assert_eq!(spans["facts"]["banner"]["first_level_reject"], true);
    // A tabindex element with a key handler is a button too.
    assert_eq!(
        buttons(spans, "settings"),
        vec![(s("Manage preferences"), 1)]
    );
    assert!(!rule_ids(spans).contains(&s("B202")));
    // The span was clicked, and its handler recorded the refusal.
    assert_eq!(
        spans["evidence"]["visits"][1]["consent_action"]["clicks"],
        json!(["Reject all"])
    );
    let jar: Vec<(String, String)> = spans["evidence"]["visits"][1]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(jar, vec![(s("choice"), s("none"))]);

    // Near miss: a pointer-cursor span nothing listens to, and plain text.
    let deco = site(&r, "span-deco.test");
    assert_eq!(buttons(deco, "reject"), Vec::<(String, u64)>::new());
    assert_eq!(buttons(deco, "settings"), Vec::<(String, u64)>::new());
    assert_eq!(deco["facts"]["banner"]["first_level_reject"], false);
    assert!(rule_ids(deco).contains(&s("B202")));
}
