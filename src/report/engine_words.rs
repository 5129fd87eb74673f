//! The engines' own sentences, in the report's language.
//!
//! The evidence is one document for every reader, so the engines write the
//! banner's reason ("no consent banner in the rendered page after 6.0 s")
//! and a page's load error ("timed out: …") in English. A report in
//! another language says the ones it knows through the catalogue
//! (`banner_reason_*`, `load_error_*` in `[text]`). The technical cause
//! that follows a load error (the operating system's or the browser's
//! words) is kept as it is: it is what a developer searches for. A
//! sentence no pattern here knows is also kept as written, never dropped.

use crate::i18n::{Arg, Words};

/// What `text` holds between `before` and `after`, when it is written so.
fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    text.strip_prefix(before)?.strip_suffix(after)
}

/// The words of a banner's `reason`, when it is one the engines write.
pub fn banner_reason(reason: &str) -> Option<Words> {
    let fixed: [(&str, &str); 4] = [
        (
            "consent banner found: a container with consent buttons and cookie wording",
            "banner_reason_found",
        ),
        (
            "the home page could not be loaded",
            "banner_reason_home_not_loaded",
        ),
        ("not inspected", "banner_reason_not_inspected"),
        (
            "no banner in the static HTML; a banner injected by JavaScript is not determinable without a browser",
            "banner_reason_script",
        ),
    ];
    if let Some((_, key)) = fixed.iter().find(|(en, _)| *en == reason) {
        return Some(Words::new(key, Vec::new()));
    }
    if let Some(cmp) = reason.strip_suffix(" consent banner found in the page markup") {
        return Some(Words::new("banner_reason_found_cmp", vec![Arg::plain(cmp)]));
    }
    if let Some(cmp) = between(
        reason,
        "no banner in the static HTML, but the ",
        " consent platform is loaded by script: not determinable without a browser",
    ) {
        return Some(Words::new(
            "banner_reason_script_cmp",
            vec![Arg::plain(cmp)],
        ));
    }
    if let Some(secs) = number_between(
        reason,
        "no consent banner in the rendered page after ",
        " s",
    ) {
        return Some(Words::new(
            "banner_reason_absent",
            vec![Arg::Number(secs.to_string())],
        ));
    }
    None
}

/// What `text` holds between `before` and `after`, when it is a number
/// (seconds, as the engines write them).
fn number_between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    between(text, before, after).filter(|s| s.parse::<f64>().is_ok())
}

/// The words of a page's load `error`, when it starts the way the engines
/// start theirs; the cause after the colon is kept as written.
pub fn load_error(error: &str) -> Option<Words> {
    let prefixes: [(&str, &str); 6] = [
        (
            "TLS certificate rejected (use --insecure to accept self-signed certificates): ",
            "load_error_tls",
        ),
        ("timed out: ", "load_error_timeout"),
        ("connection failed: ", "load_error_connect"),
        ("request failed: ", "load_error_request"),
        ("navigation failed: ", "load_error_navigation"),
        ("not fetched: ", "load_error_not_fetched"),
    ];
    if let Some((cause, key)) = prefixes
        .iter()
        .find_map(|(p, key)| error.strip_prefix(p).map(|cause| (cause, key)))
    {
        return Some(Words::new(key, vec![Arg::plain(cause)]));
    }
    if error.starts_with("net::ERR_") {
        return Some(Words::new(
            "load_error_browser_net",
            vec![Arg::plain(error)],
        ));
    }
    if error == "the browser stopped answering" {
        return Some(Words::new("load_error_browser_gone", Vec::new()));
    }
    if let Some(secs) = number_between(error, "no load event within ", " s; kept what had loaded") {
        return Some(Words::new(
            "load_error_no_load_event",
            vec![Arg::Number(secs.to_string())],
        ));
    }
    None
}

/// The words of a consent click's `error`, when it is one the browser
/// engine writes; `choice` (reject, accept) is said as a label.
pub fn consent_error(error: &str) -> Option<Words> {
    let fixed: [(&str, &str); 4] = [
        ("no banner to click", "consent_error_no_banner"),
        (
            "no close button on the first layer",
            "consent_error_no_close_button",
        ),
        (
            "the settings layer could not be read",
            "consent_error_settings_unread",
        ),
        ("the element is not on screen", "consent_error_off_screen"),
    ];
    if let Some((_, key)) = fixed.iter().find(|(en, _)| *en == error) {
        return Some(Words::new(key, Vec::new()));
    }
    if let Some(cause) = error.strip_prefix("click failed: ") {
        return Some(Words::new("consent_error_click", vec![Arg::plain(cause)]));
    }
    let choice = |r: &str| matches!(r, "reject" | "accept" | "save" | "settings");
    if let Some(role) = between(
        error,
        "no ",
        " button and no settings button on the first layer",
    )
    .filter(|r| choice(r))
    {
        return Some(Words::new(
            "consent_error_no_button_first_layer",
            vec![Arg::Label(role.to_string())],
        ));
    }
    if let Some(role) = between(error, "no ", " button on the settings layer").filter(|r| choice(r))
    {
        return Some(Words::new(
            "consent_error_no_button_settings",
            vec![Arg::Label(role.to_string())],
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Catalogue, Lang};

    fn fr(words: Option<Words>) -> String {
        Catalogue::get(Lang::Fr)
            .unwrap()
            .say(&words.expect("known"))
    }

    fn en(words: Option<Words>) -> String {
        Catalogue::get(Lang::En)
            .unwrap()
            .say(&words.expect("known"))
    }

    #[test]
    fn engine_words_banner_reasons_say_in_french_and_back_in_english() {
        // Each reason as the engines write it: English says it back
        // unchanged, French says it in French.
        let reasons = [
            "Didomi consent banner found in the page markup",
            "consent banner found: a container with consent buttons and cookie wording",
            "the home page could not be loaded",
            "not inspected",
            "no banner in the static HTML; a banner injected by JavaScript is not determinable without a browser",
            "no banner in the static HTML, but the OneTrust consent platform is loaded by script: not determinable without a browser",
            "no consent banner in the rendered page after 6.0 s",
        ];
        for r in reasons {
            assert_eq!(en(banner_reason(r)), r);
            let said = fr(banner_reason(r));
            assert!(!said.contains("banner"), "{said}");
        }
        assert_eq!(
            fr(banner_reason(
                "no consent banner in the rendered page after 6.5 s"
            )),
            "aucun bandeau de consentement dans la page rendue après 6,5 s"
        );
        assert_eq!(
            fr(banner_reason(
                "Didomi consent banner found in the page markup"
            )),
            "bandeau de consentement Didomi trouvé dans le balisage de la page"
        );
    }

    #[test]
    fn engine_words_consent_errors_say_in_french_and_back_in_english() {
        let errors = [
            "no banner to click",
            "the settings layer could not be read",
            "the element is not on screen",
            "click failed: Method not found",
            "no reject button and no settings button on the first layer",
            "no accept button on the settings layer",
            "no close button on the first layer",
        ];
        for e in errors {
            assert_eq!(en(consent_error(e)), e);
            assert_ne!(fr(consent_error(e)), e);
        }
        assert_eq!(
            fr(consent_error(
                "no reject button and no settings button on the first layer"
            )),
            format!(
                "aucun bouton « {} » ni bouton de paramètres au premier niveau",
                Catalogue::get(Lang::Fr).unwrap().label("reject")
            )
        );
        assert_eq!(
            consent_error("no frobnicate button on the settings layer"),
            None
        );
    }

    #[test]
    fn engine_words_unknown_sentences_are_left_alone() {
        assert_eq!(banner_reason("a banner of another kind"), None);
        assert_eq!(
            banner_reason("no consent banner in the rendered page after soon s"),
            None
        );
        assert_eq!(load_error("something else: went wrong"), None);
    }

    #[test]
    fn engine_words_load_errors_keep_their_cause() {
        let errors = [
            "timed out: operation timed out",
            "connection failed: Connection refused (os error 111)",
            "request failed: invalid HTTP version parsed",
            "TLS certificate rejected (use --insecure to accept self-signed certificates): invalid peer certificate: UnknownIssuer",
            "navigation failed: net::ERR_NAME_NOT_RESOLVED",
            "not fetched: the page's subresources took their whole time budget (20 s)",
            "the browser stopped answering",
            "net::ERR_TUNNEL_CONNECTION_FAILED",
            "no load event within 20 s; kept what had loaded",
        ];
        for e in errors {
            assert_eq!(en(load_error(e)), e);
        }
        assert_eq!(
            fr(load_error(
                "connection failed: Connection refused (os error 111)"
            )),
            "connexion impossible : Connection refused (os error 111)"
        );
        assert_eq!(
            fr(load_error("navigation failed: net::ERR_NAME_NOT_RESOLVED")),
            "échec de la navigation : net::ERR_NAME_NOT_RESOLVED"
        );
    }
}
