//! The clean-site suite: compliant sites built with the real consent
//! libraries that `./scripts/test` installs from npm (served by the test
//! web as `cdn.cmp-libs.test`), and compliant homemade patterns that a
//! careless rule would accuse. No site may get a finding of severity high
//! or critical, in either engine; each failure names the site, the engine,
//! the rule, its severity and its message. The Chromium tests also check
//! that each library really ran: banner found, the choice clicked, trackers
//! only after accept.

mod common;

use common::*;
use serde_json::Value;

const GA: &str = "www.google-analytics.com";
const FB: &str = "www.facebook.com";

/// Where the visitor refuses.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Refusal {
    /// A reject button on the first layer.
    FirstLayer,
    /// The ✕ of the first layer closes the banner as a refusal (Garante).
    Close,
    /// Only in the second layer ("Paramétrer" → "Tout refuser").
    SecondLayer,
    /// The site sets nothing that needs consent and shows no banner.
    NoBanner,
}

struct Clean {
    host: &'static str,
    /// The consent platform the banner must be attributed to (Chromium),
    /// when `rules/cmps.toml` knows it.
    cmp: Option<&'static str>,
    refusal: Refusal,
    /// Tracker hosts after accept (Chromium), sorted.
    after_accept: &'static [&'static str],
    /// High findings the site may get for what it really does.
    allowed: &'static [&'static str],
    /// Rules this site exists to tempt: none may fire, at any severity.
    never: &'static [&'static str],
}

const BOTH: &[&str] = &[FB, GA];

/// Rules no clean site may get at any severity: each links its notice,
/// whose every always-required element is stated in ordinary words (N701,
/// T305), and each remembers a refusal (R506).
const EVERY_SITE_NEVER: &[&str] = &["N701", "R506", "T305"];

const LIBRARIES: &[Clean] = &[
    // tarteaucitron.js 1.34.0, French, centred panel.
    Clean {
        host: "www.tarte-clean.test",
        cmp: Some("tarteaucitron"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["T305"],
    },
    // tarteaucitron.js 1.34.0, English, bottom bar.
    Clean {
        host: "www.tarte-en-clean.test",
        cmp: Some("tarteaucitron"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Osano cookieconsent 3.1.1, "opt-in", English, bottom banner.
    Clean {
        host: "www.osano-clean.test",
        cmp: Some("Cookie Consent (Osano open source)"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Osano cookieconsent 3.1.1, "opt-in", Dutch, floating bottom-left.
    Clean {
        host: "www.osano-nl-clean.test",
        cmp: Some("Cookie Consent (Osano open source)"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Klaro 0.7.22, English notice.
    Clean {
        host: "www.klaro-clean.test",
        cmp: Some("Klaro"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Klaro 0.7.22, Italian, notice as a modal, Klaro's own labels.
    Clean {
        host: "www.klaro-it-clean.test",
        cmp: Some("Klaro"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["W801"],
    },
    // vanilla-cookieconsent 3.1.0, English, box.
    Clean {
        host: "www.vcc-clean.test",
        cmp: Some("vanilla-cookieconsent"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // vanilla-cookieconsent 3.1.0, German, inline bar.
    Clean {
        host: "www.vcc-de-clean.test",
        cmp: Some("vanilla-cookieconsent"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Orejime 3.2.1, French, standard theme.
    Clean {
        host: "www.orejime-clean.test",
        cmp: Some("Orejime"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // Orejime 3.2.1, Spanish, standard theme.
    Clean {
        host: "www.orejime-es-clean.test",
        cmp: Some("Orejime"),
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // cookies-eu-banner 3.0.0, French, bottom bar from a <template>.
    Clean {
        host: "www.eubanner-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // cookie-consent-js 2.1.12, German; refusing is "Nur notwendige Cookies".
    Clean {
        host: "www.ccjs-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["B202", "R503"],
    },
];

const HOMEMADE: &[Clean] = &[
    // The refusal lives in localStorage for 180 days; a session cookie
    // beside it only spares the server a banner for the session.
    Clean {
        host: "www.localstore-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["R509", "R506"],
    },
    // Garante style: the ✕ closes the banner as a refusal, and says so.
    Clean {
        host: "www.garante-clean.test",
        cmp: None,
        refusal: Refusal::Close,
        after_accept: BOTH,
        allowed: &[],
        never: &["B202", "B204", "R502", "R503"],
    },
    // The consent platform runs in a frame from its own host and keeps its
    // own records there (a load-balancer session cookie, then the choice
    // and a receipt number).
    Clean {
        host: "www.framecmp-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["C101", "R501"],
    },
    // A blocking modal whose refusal is on the second layer: not a wall.
    Clean {
        host: "www.layer2-clean.test",
        cmp: None,
        refusal: Refusal::SecondLayer,
        after_accept: BOTH,
        allowed: &["B202", "R502"],
        never: &["W801"],
    },
    // First-party Matomo-style measurement under the CNIL exemption; Meta
    // only after accept.
    Clean {
        host: "www.matomo-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: &[FB],
        allowed: &[],
        never: &["C101", "C102", "C105"],
    },
    // /produits carries the shop's own cookieless view counter in every visit.
    Clean {
        host: "www.produits-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["B205", "C102"],
    },
    // The banner listens to its buttons only a second after it shows them
    // (tarteaucitron.js waits half a second): a click in that gap does
    // nothing, and the engine must click again, not record a choice the
    // page ignored and then accuse the site of forgetting it.
    Clean {
        host: "www.late-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &[],
    },
    // An account form that requires first and last name to address parcels.
    Clean {
        host: "www.account-clean.test",
        cmp: None,
        refusal: Refusal::FirstLayer,
        after_accept: BOTH,
        allowed: &[],
        never: &["F601"],
    },
    // No cookie, no tracker, no banner; the notice leaves out the DPO,
    // transfers and automated decisions because there are none.
    Clean {
        host: "www.notice-clean.test",
        cmp: None,
        refusal: Refusal::NoBanner,
        after_accept: &[],
        allowed: &[],
        never: &["N701", "B201"],
    },
];

fn scan_all(engine: &str, sites: &[&Clean]) -> Value {
    let hosts: Vec<&str> = sites.iter().map(|s| s.host).collect();
    let report = scan_ok(engine, &hosts, &[]);
    assert_eq!(
        report["sites"].as_array().map(Vec::len),
        Some(sites.len()),
        "one report per site"
    );
    report
}

/// The site's report, found by host (the report keeps the input order, but
/// a failure should name the right site whatever happens).
fn site_of<'a>(report: &'a Value, host: &str) -> &'a Value {
    let bare = host.trim_start_matches("www.");
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            let site = s["site"].as_str().unwrap_or("");
            site == host || site == bare
        })
        .unwrap_or_else(|| panic!("no report for {host}"))
}

fn tracker_hosts(visit: &Value) -> Vec<String> {
    let mut v: Vec<String> = visit["trackers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| t["host"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.dedup();
    v
}

/// Findings that accuse a clean site: high or critical ones not allowed
/// for it, and any finding of a rule the site exists to tempt.
fn accusations(site: &Value, clean: &Clean, engine: &str) -> Vec<String> {
    site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let id = f["rule_id"].as_str().unwrap();
            let severity = f["severity"].as_str().unwrap();
            let high = matches!(severity, "high" | "critical");
            let bad = (high && !clean.allowed.contains(&id))
                || clean.never.contains(&id)
                || EVERY_SITE_NEVER.contains(&id);
            bad.then(|| {
                format!(
                    "{} [{engine}] {id} ({severity}): {}",
                    clean.host,
                    f["message"].as_str().unwrap_or("")
                )
            })
        })
        .collect()
}

/// What the Chromium visits must show when the library really ran.
fn observations(site: &Value, clean: &Clean) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut check = |what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!(
                "{} [chrome] {what}: got {got}, want {want}",
                clean.host
            ));
        }
    };
    let f = &site["facts"];
    let b = &f["banner"];
    let has_banner = clean.refusal != Refusal::NoBanner;
    check(
        "banner",
        b["status"].to_string(),
        if has_banner {
            "\"present\""
        } else {
            "\"absent\""
        }
        .into(),
    );
    if let Some(cmp) = clean.cmp {
        check("cmp", b["cmp"].to_string(), format!("{cmp:?}"));
    }
    if has_banner {
        check(
            "first-level reject",
            b["first_level_reject"].to_string(),
            (clean.refusal == Refusal::FirstLayer).to_string(),
        );
        if clean.refusal == Refusal::Close {
            check(
                "first-level close",
                b["first_level_close"].to_string(),
                "true".into(),
            );
        }
        check(
            "reject clicked",
            f["after_reject"]["choice_made"].to_string(),
            "true".into(),
        );
        check(
            "accept clicked",
            f["after_accept"]["choice_made"].to_string(),
            "true".into(),
        );
    }
    check(
        "trackers before any choice",
        format!("{:?}", tracker_hosts(&f["before"])),
        "[]".into(),
    );
    check(
        "trackers after reject",
        format!("{:?}", tracker_hosts(&f["after_reject"])),
        "[]".into(),
    );
    check(
        "trackers while browsing without a choice",
        format!("{:?}", tracker_hosts(&f["browsing"])),
        "[]".into(),
    );
    if has_banner {
        check(
            "trackers after accept",
            format!("{:?}", tracker_hosts(&f["after_accept"])),
            format!("{:?}", clean.after_accept),
        );
    }
    // Meta's pixel answers with a third-party `fr` cookie: it arrives after
    // accept and only then.
    let fr = |visit: &str| {
        f[visit]["cookies"].as_array().is_some_and(|a| {
            a.iter().any(|c| {
                c["name"] == "fr" && c["domain"] == "facebook.com" && c["party"] == "third"
            })
        })
    };
    check(
        "fr cookie before / after reject / after accept",
        format!(
            "{} / {} / {}",
            fr("before"),
            fr("after_reject"),
            fr("after_accept")
        ),
        format!("false / false / {}", clean.after_accept.contains(&FB)),
    );
    wrong
}

/// Site-specific proof that the pattern under test is really there.
fn pattern_observations(report: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let matomo = &site_of(report, "www.matomo-clean.test")["facts"]["before"]["cookies"];
    let pk = matomo.as_array().is_some_and(|a| {
        a.iter().any(|c| {
            c["name"].as_str().is_some_and(|n| n.starts_with("_pk_id."))
                && c["party"] == "first"
                && c["lifetime_days"].as_f64().is_some_and(|d| d <= 395.0)
        })
    });
    if !pk {
        wrong.push(format!(
            "www.matomo-clean.test [chrome] no first-party _pk_id before any choice: {matomo}"
        ));
    }
    let frame = &site_of(report, "www.framecmp-clean.test")["facts"];
    let own = |visit: &str, name: &str| {
        frame[visit]["cookies"].as_array().is_some_and(|a| {
            a.iter()
                .any(|c| c["name"] == name && c["domain"] == "cmp.privacy-frame.test")
        })
    };
    if !(own("before", "pf_lb")
        && own("after_reject", "pf_choice")
        && own("after_reject", "pf_receipt"))
    {
        wrong.push(format!(
            "www.framecmp-clean.test [chrome] the frame's own cookies were not seen: before {} / after reject {}",
            frame["before"]["cookies"], frame["after_reject"]["cookies"]
        ));
    }
    let produits = &site_of(report, "www.produits-clean.test")["evidence"]["visits"];
    let browsing = produits
        .as_array()
        .and_then(|v| v.iter().find(|v| v["kind"] == "browsing"));
    let counted = browsing.is_some_and(|v| {
        v["requests"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["host"] == "stats.produits-clean.test"))
    });
    if !counted {
        wrong.push(
            "www.produits-clean.test [chrome] the browsing visit never reached /produits and its counter"
                .to_string(),
        );
    }
    let forms = &site_of(report, "www.account-clean.test")["facts"]["form_summary"];
    if forms["count"].as_i64().unwrap_or(0) < 1 {
        wrong.push(format!(
            "www.account-clean.test [chrome] the account form was not read: {forms}"
        ));
    }
    wrong
}

fn assert_clean(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s) on clean sites:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn http_engine_accuses_no_clean_site() {
    let sites: Vec<&Clean> = LIBRARIES.iter().chain(HOMEMADE).collect();
    let report = scan_all("http", &sites);
    let mut problems = Vec::new();
    for clean in &sites {
        let site = site_of(&report, clean.host);
        assert_eq!(site["facts"]["engine"], "http");
        problems.extend(accusations(site, clean, "http"));
        let before = tracker_hosts(&site["facts"]["before"]);
        if !before.is_empty() {
            problems.push(format!(
                "{} [http] trackers before any choice: {before:?}",
                clean.host
            ));
        }
    }
    assert_clean(problems);
}

fn chrome_suite(sites: &[&Clean]) -> (Value, Vec<String>) {
    let report = scan_all("chrome", sites);
    let mut problems = Vec::new();
    for clean in sites {
        let site = site_of(&report, clean.host);
        assert_eq!(site["facts"]["engine"], "chrome");
        problems.extend(accusations(site, clean, "chrome"));
        problems.extend(observations(site, clean));
    }
    (report, problems)
}

#[test]
fn chrome_accuses_no_site_built_on_tarteaucitron_osano_or_klaro() {
    let sites: Vec<&Clean> = LIBRARIES[..6].iter().collect();
    assert_clean(chrome_suite(&sites).1);
}

#[test]
fn chrome_accuses_no_site_built_on_vanilla_cookieconsent_orejime_or_small_libraries() {
    let sites: Vec<&Clean> = LIBRARIES[6..].iter().collect();
    assert_clean(chrome_suite(&sites).1);
}

#[test]
fn chrome_accuses_no_homemade_compliant_pattern() {
    let sites: Vec<&Clean> = HOMEMADE.iter().collect();
    let (report, mut problems) = chrome_suite(&sites);
    problems.extend(pattern_observations(&report));
    assert_clean(problems);
}
