//! The browser engine and its three visits, against the local test web.
//! These tests need Chromium (`./scripts/test` installs it); they fail,
//! rather than skip, when it is missing.

mod common;

use common::*;
use serde_json::{json, Value};

fn chrome_scan(hosts: &[&str], extra: &[&str]) -> Value {
    scan_ok("chrome", hosts, extra)
}

fn ids(site: &Value) -> Vec<String> {
    rule_ids(site)
}

fn hosts(visit: &Value) -> Vec<String> {
    visit["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["host"].as_str().unwrap().to_string())
        .collect()
}

fn cookie_list(visit: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = visit["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["party"].as_str().unwrap().to_string(),
                c["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn reject_respected_versus_tracking_after_reject() {
    let har_dir = tempfile::tempdir().unwrap();
    let r = chrome_scan(
        &["www.cmp-respect.test", "www.cmp-cheat.test"],
        &["--har", har_dir.path().to_str().unwrap()],
    );
    let (respect, cheat) = (&r["sites"][0], &r["sites"][1]);
    // One HAR 1.2 file per visit, one entry per request of the evidence.
    let mut files: Vec<String> = std::fs::read_dir(har_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // Four visits per site: first, reject, accept, browsing.
    assert_eq!(files.len(), 8, "{files:?}");
    let har: Value = serde_json::from_str(
        &std::fs::read_to_string(har_dir.path().join("cmp-cheat.test-after_reject.har")).unwrap(),
    )
    .unwrap();
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        cheat["evidence"]["visits"][1]["requests"]
            .as_array()
            .unwrap()
            .len()
    );
    assert!(entries.iter().any(|e| e["request"]["url"]
        .as_str()
        .unwrap()
        .contains("www.facebook.com")
        && e["response"]["status"] == 200));
    assert!(entries
        .iter()
        .all(|e| e["startedDateTime"].as_str().unwrap().contains('T')));
    for site in [respect, cheat] {
        let f = &site["facts"];
        assert_eq!(f["engine"], "chrome");
        // The banner is injected by script: the browser sees it.
        assert_eq!(f["banner"]["status"], "present");
        assert_eq!(f["banner"]["reject_labels"], json!(["Tout refuser"]));
        assert_eq!(
            (
                f["banner"]["reject_clicks"].as_i64(),
                f["banner"]["accept_clicks"].as_i64()
            ),
            (Some(1), Some(1))
        );
        assert_eq!(hosts(&f["before"]), Vec::<String>::new());
        assert_eq!(cookie_list(&f["before"]), vec![]);
        // Accept: the script sets a first-party analytics cookie and calls the tracker.
        assert_eq!(
            hosts(&f["after_accept"]),
            vec![s("www.google-analytics.com")]
        );
        assert_eq!(
            cookie_list(&f["after_accept"]),
            vec![
                (s("_ga"), s("first"), s("script")),
                (s("choice"), s("first"), s("script"))
            ]
        );
        // A viewport screenshot and a close-up of the banner.
        let shots = site["evidence"]["visits"][0]["banner"]["screenshots"]
            .as_array()
            .unwrap();
        assert_eq!(shots.len(), 2);
        assert!(shots
            .iter()
            .all(|s| s.as_str().unwrap().starts_with("data:image/jpeg;base64,")));
    }
    assert_eq!(
        hosts(&respect["facts"]["after_reject"]),
        Vec::<String>::new()
    );
    assert_eq!(
        cookie_list(&respect["facts"]["after_reject"]),
        vec![(s("choice"), s("first"), s("script"))]
    );
    assert!(!ids(respect).contains(&s("R501")), "{:?}", ids(respect));

    assert_eq!(
        hosts(&cheat["facts"]["after_reject"]),
        vec![s("www.facebook.com")]
    );
    assert_eq!(
        cookie_list(&cheat["facts"]["after_reject"]),
        vec![
            (s("choice"), s("first"), s("script")),
            (s("fr"), s("third"), s("header"))
        ]
    );
    let r501 = cheat["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "R501")
        .expect("R501 flagged");
    assert_eq!(
        r501["evidence"],
        json!([
            "www.facebook.com (Meta, advertising)",
            "cookie fr (facebook.com)"
        ])
    );
}

#[test]
fn closed_shadow_root_cross_origin_iframe_and_second_layer() {
    let r = chrome_scan(
        &[
            "www.shadow.test",
            "www.iframe-cmp.test",
            "www.second-layer.test",
        ],
        &[],
    );
    let shadow = &r["sites"][0];
    assert_eq!(
        shadow["evidence"]["visits"][0]["banner"]["location"],
        "shadow_root"
    );
    assert_eq!(
        shadow["facts"]["banner"]["reject_labels"],
        json!(["Reject all"])
    );
    assert_eq!(
        cookie_list(&shadow["facts"]["after_reject"]),
        vec![(s("choice"), s("first"), s("script"))]
    );
    assert_eq!(
        shadow["evidence"]["visits"][1]["consent_action"]["clicks"],
        json!(["Reject all"])
    );

    let iframe = &r["sites"][1];
    let web = web();
    assert_eq!(
        iframe["evidence"]["visits"][0]["banner"]["location"],
        format!("{}banner.html", web.url("cmp.consent-host.test"))
    );
    assert_eq!(
        iframe["facts"]["banner"]["reject_labels"],
        json!(["Tout refuser"])
    );
    // The trusted click landed inside the cross-origin frame: it set the
    // CMP's own (third-party) cookie and made its request.
    assert_eq!(
        cookie_list(&iframe["facts"]["after_reject"]),
        vec![(s("cmp_choice"), s("third"), s("script"))]
    );
    let reqs: Vec<&str> = iframe["evidence"]["visits"][1]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["after_choice"] == true)
        .map(|q| q["url"].as_str().unwrap())
        .collect();
    // Then the page the refusal was given on is reloaded (R501 looks at
    // what loads there), with the CMP's frame.
    assert_eq!(
        reqs,
        vec![
            format!("{}choice.gif?refused", web.url("cmp.consent-host.test")),
            web.url("www.iframe-cmp.test"),
            format!("{}banner.html", web.url("cmp.consent-host.test")),
        ]
    );

    let layered = &r["sites"][2];
    assert_eq!(layered["facts"]["banner"]["first_level_reject"], false);
    assert_eq!(
        layered["evidence"]["visits"][1]["consent_action"]["clicks"],
        json!(["Settings", "Reject all"])
    );
    assert_eq!(
        (
            layered["facts"]["banner"]["reject_clicks"].as_i64(),
            layered["facts"]["banner"]["accept_clicks"].as_i64()
        ),
        (Some(2), Some(1))
    );
    let found = ids(layered);
    assert!(
        found.contains(&s("B202")) && found.contains(&s("R502")),
        "{found:?}"
    );
}

#[test]
fn pre_ticked_purposes_are_unticked_before_save() {
    let r = chrome_scan(&["www.preticked.test"], &["--consent", "reject"]);
    let site = &r["sites"][0];
    let reject = &site["evidence"]["visits"][1];
    // One purpose ticked in the markup's live state by script, one switch
    // ticked by its attribute; the disabled "strictly necessary" is left.
    assert_eq!(
        reject["consent_action"]["clicks"],
        json!([
            "Settings",
            "untick: Analytics",
            "untick: Advertising",
            "Save my choices"
        ])
    );
    // Saved with nothing ticked, the site loads no tag: no false R501.
    assert_eq!(
        cookie_list(&site["facts"]["after_reject"]),
        vec![(s("consent"), s("first"), s("script"))]
    );
    assert!(hosts(&site["facts"]["after_reject"]).is_empty());
    assert!(!ids(site).contains(&s("R501")), "{:?}", ids(site));
    assert_eq!(site["facts"]["banner"]["reject_clicks"], 4);
    // What the site had switched on is itself a finding (issue 7 §6).
    assert_eq!(
        reject["consent_action"]["preticked"],
        json!(["Analytics", "Advertising"])
    );
    assert_eq!(
        site["facts"]["banner"]["preticked_purposes"],
        json!(["Advertising", "Analytics"])
    );
    assert!(ids(site).contains(&s("B206")), "{:?}", ids(site));
}

#[test]
fn refusal_recorded_as_consent_is_flagged() {
    let r = chrome_scan(&["www.consent-flip.test"], &["--consent", "reject"]);
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["before"]["consent_signalled"], false);
    assert_eq!(
        site["facts"]["after_reject"]["consent_signals"],
        json!([{"cookie": "cc_cookie", "domain": "www.consent-flip.test", "cmp": "vanilla-cookieconsent", "says": "\"categories\":[\"necessary\",\"analytics\""}])
    );
    let found = ids(site);
    assert!(found.contains(&s("R505")), "{found:?}");
    assert!(!found.contains(&s("C106")), "{found:?}");
}

#[test]
fn a_refusal_the_site_forgets_is_flagged() {
    let r = chrome_scan(
        &[
            "www.forgetful.test",
            "www.cmp-respect.test",
            "www.short-memory.test",
        ],
        &["--consent", "reject"],
    );
    let forgetful = &r["sites"][0];
    assert_eq!(
        forgetful["evidence"]["visits"][1]["banner_recheck"],
        json!({"page_url": format!("{}page-2", web().url("www.forgetful.test")), "shown": true, "reopen": []})
    );
    assert!(ids(forgetful).contains(&s("R506")), "{:?}", ids(forgetful));
    // A site that stores the refusal does not ask again.
    let respect = &r["sites"][1];
    assert_eq!(respect["facts"]["after_reject"]["banner_rechecked"], true);
    assert_eq!(
        respect["facts"]["after_reject"]["banner_shown_again"],
        false
    );
    assert!(!ids(respect).contains(&s("R506")), "{:?}", ids(respect));
    // Kept 180 days: as long as the CNIL asks.
    assert_eq!(
        respect["facts"]["after_reject"]["choice_cookie_days"],
        180.0
    );
    assert!(!ids(respect).contains(&s("R509")), "{:?}", ids(respect));
    // Kept one day: remembered on the next page, forgotten tomorrow.
    let short = &r["sites"][2];
    assert_eq!(short["facts"]["profile"]["id"], "fr");
    assert_eq!(short["facts"]["after_reject"]["choice_cookie_days"], 1.0);
    assert!(!ids(short).contains(&s("R506")), "{:?}", ids(short));
    let r509 = short["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "R509")
        .expect("R509 flagged");
    assert_eq!(
        r509["evidence"],
        json!(["the cookies written by the refusal live 1 day(s); CNIL: 6 months"])
    );
}

#[test]
fn site_without_banner_and_script_set_cookies() {
    let r = chrome_scan(&["www.no-banner.test"], &["--consent", "none"]);
    let site = &r["sites"][0];
    let f = &site["facts"];
    assert_eq!(f["banner"]["status"], "absent");
    assert_eq!(
        cookie_list(&f["before"]),
        vec![
            (s("_ga"), s("first"), s("script")),
            (s("fr"), s("third"), s("header"))
        ]
    );
    assert_eq!(hosts(&f["before"]), vec![s("www.facebook.com")]);
    assert_eq!(
        f["before"]["storage"],
        json!([{"origin": web().url("www.no-banner.test").trim_end_matches('/'), "kind": "local", "key": "visitor_id", "third_party": false, "identifier": true}])
    );
    assert_eq!(f["after_reject"]["ran"], false);
    // The footer's policy link is followed and its text read, as the http
    // engine does.
    assert_eq!(f["policy"]["status"], 200);
    assert_eq!(f["policy"]["text"]["withdraw"], true, "{}", f["policy"]);
    // The pop-up is recorded, not followed; the alert is dismissed (the
    // page went on to load its policy link).
    let visit = &site["evidence"]["visits"][0];
    assert_eq!(
        visit["popups"],
        json!([format!("{}offer", web().url("www.no-banner.test"))])
    );
    assert_eq!(visit["dialogs"], 1);
    let found = ids(site);
    for id in ["B201", "C101", "C102", "C103"] {
        assert!(found.contains(&s(id)), "{id} missing from {found:?}");
    }
    // Rules needing the consent visits are not applicable, not passed.
    let r501 = site["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "R501")
        .unwrap();
    assert_eq!(r501["status"], "not_applicable");
}

/// Chromium processes whose parent is `pid`.
fn browser_children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let ppid: u32 = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let cmd = std::fs::read_to_string(format!("/proc/{p}/cmdline")).unwrap_or_default();
        if ppid == pid && cmd.contains("barometer-chrome-") {
            out.push(p);
        }
    }
    out
}

/// Processes running with a browser profile of barometer process `pid`.
fn browsers_of(pid: u32) -> Vec<u32> {
    let prefix = format!("barometer-chrome-{pid}-");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/cmdline")).is_ok_and(|c| c.contains(&prefix))
                && alive(*p)
        })
        .collect()
}

#[test]
fn sigkill_leaves_no_browser_behind() {
    let url = web().url("www.slow.test");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args([
            "scan",
            &url,
            "--engine",
            "chrome",
            "--resolve",
            "*:127.0.0.1",
            "--insecure",
            "--format",
            "json",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Generous: on a loaded 2-core machine a browser can take long to start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while browsers_of(pid).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!browsers_of(pid).is_empty(), "no Chromium started");
    child.kill().unwrap(); // SIGKILL: nothing in barometer runs after it
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !browsers_of(pid).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        browsers_of(pid),
        Vec::<u32>::new(),
        "Chromium outlived a SIGKILL"
    );
    let leftover = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("barometer-chrome-{pid}-"))
            })
            .map(|e| e.path())
            .collect()
    };
    while !leftover().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(leftover().is_empty(), "profiles left: {:?}", leftover());
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[test]
fn interrupt_leaves_no_browser_behind() {
    let web = web();
    let url = web.url("www.no-banner.test");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args([
            "scan",
            &url,
            "--engine",
            "chrome",
            "--resolve",
            "*:127.0.0.1",
            "--insecure",
            "--settle",
            "60",
            "--format",
            "json",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Generous: on a loaded 2-core machine a browser can take long to start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let browsers = loop {
        let found = browser_children(child.id());
        if !found.is_empty() || std::time::Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(!browsers.is_empty(), "no Chromium started");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while browsers.iter().any(|&p| alive(p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        browsers.iter().all(|&p| !alive(p)),
        "Chromium outlived barometer: {browsers:?}"
    );
}

fn finding<'a>(site: &'a Value, id: &str) -> &'a Value {
    site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == id)
        .unwrap_or_else(|| panic!("{id} not flagged: {:?}", ids(site)))
}

/// The TC strings are the fixtures of `src/analyse/tcf.rs`, decoded there.
#[test]
fn tcf_signals_before_choice_after_reject_and_legitimate_interest() {
    let r = chrome_scan(
        &[
            "www.tcf-early.test",
            "www.tcf-li.test",
            "www.tcf-right.test",
        ],
        &["--consent", "all"],
    );
    let (early, li, right) = (&r["sites"][0], &r["sites"][1], &r["sites"][2]);
    let tcf = |site: &Value, visit: &str| site["facts"][visit]["tcf"].clone();
    // Consent to everything before any click, and still after "reject".
    let before = tcf(early, "before");
    assert_eq!(before["present"], true);
    assert_eq!(before["event_status"], "tcloaded");
    assert_eq!(before["cmp_id"], 7);
    assert_eq!(
        before["purposes_consent"],
        json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    );
    assert_eq!(before["vendors_consent_count"], 10);
    assert_eq!(
        early["evidence"]["visits"][0]["tcf"][0]["tc_string"],
        barometer::analyse::tcf::FIXTURE_CONSENT_ALL
    );
    assert_eq!(
        tcf(early, "after_reject")["event_status"],
        "useractioncomplete"
    );
    assert_eq!(tcf(early, "after_reject")["consent_signalled"], true);
    assert_eq!(
        finding(early, "C107")["evidence"],
        json!(["CMP 7, purposes 10 consented, vendors 10 consented (tcloaded)"])
    );
    assert!(ids(early).contains(&s("R507")), "{:?}", ids(early));
    // Legitimate interest switched on by default, for purposes 3 and 4.
    assert_eq!(tcf(li, "before")["purposes_consent"], json!([]));
    assert_eq!(tcf(li, "before")["li_for_consent_purposes"], json!([3, 4]));
    assert_eq!(
        finding(li, "C108")["evidence"],
        json!(["TCF purpose 3", "TCF purpose 4"])
    );
    assert!(!ids(li).contains(&s("C107")), "{:?}", ids(li));
    // Done right: nothing before the choice, nothing after reject, all
    // after accept.
    assert_eq!(tcf(right, "before")["present"], true);
    assert_eq!(tcf(right, "before")["event_status"], "cmpuishown");
    assert_eq!(tcf(right, "before")["consent_signalled"], false);
    assert_eq!(tcf(right, "after_reject")["consent_signalled"], false);
    assert_eq!(tcf(right, "after_accept")["consent_signalled"], true);
    for id in ["C107", "C108", "R507"] {
        assert!(!ids(right).contains(&s(id)), "{id}: {:?}", ids(right));
        assert!(!ids(li).contains(&s("R507")), "{:?}", ids(li));
    }
    // Each CMP offers a way back after accepting.
    assert_eq!(right["facts"]["after_accept"]["withdrawal_link"], true);
    assert_eq!(
        right["facts"]["after_accept"]["withdrawal_label"],
        "Gérer mes cookies"
    );
}

#[test]
fn scrolling_and_browsing_on_are_not_consent() {
    let r = chrome_scan(
        &["www.scroll-track.test", "www.cmp-respect.test"],
        &["--consent", "implied"],
    );
    let (scroll, respect) = (&r["sites"][0], &r["sites"][1]);
    let visits: Vec<&str> = scroll["evidence"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert_eq!(visits, ["first_visit", "browsing"]);
    let steps: Vec<&str> = scroll["evidence"]["visits"][1]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["load", "scroll", "navigate"]);
    let implied = &scroll["facts"]["implied"];
    assert_eq!(implied["observed"], true);
    assert_eq!(implied["on_scroll"], json!(["www.facebook.com"]));
    assert_eq!(
        implied["on_navigation"],
        json!(["www.google-analytics.com"])
    );
    assert_eq!(implied["cookies"], json!(["fr@facebook.com"]));
    assert_eq!(implied["worded"], true);
    assert_eq!(
        finding(scroll, "B205")["evidence"],
        json!([
            "www.facebook.com (after scrolling)",
            "www.google-analytics.com (after following a link)",
            "cookie fr@facebook.com"
        ])
    );
    // The first visit never scrolls: the pixel is not in it.
    assert!(!hosts(&scroll["facts"]["before"]).contains(&s("www.facebook.com")));
    // A site that waits for a click does not switch anything on.
    assert_eq!(respect["facts"]["implied"]["observed"], true);
    assert_eq!(respect["facts"]["implied"]["inferred"], false);
    assert!(!ids(respect).contains(&s("B205")), "{:?}", ids(respect));
}

#[test]
fn a_cookie_wall_and_a_blocking_modal_with_a_free_refusal() {
    let r = chrome_scan(
        &["www.paywall.test", "www.modal.test"],
        &["--consent", "none"],
    );
    let (paywall, modal) = (&r["sites"][0], &r["sites"][1]);
    let overlay = &paywall["evidence"]["visits"][0]["overlay"];
    assert_eq!(overlay["scroll_locked"], true);
    assert_eq!(overlay["coverage"], 1.0);
    let wall = &paywall["facts"]["wall"];
    assert_eq!(
        (
            wall["measured"].clone(),
            wall["blocking"].clone(),
            wall["cookie_wall"].clone(),
            wall["pay_or_accept"].clone()
        ),
        (json!(true), json!(true), json!(true), json!(true))
    );
    assert_eq!(
        finding(paywall, "W801")["evidence"],
        json!([
            "paid alternative offered: \"S'abonner pour 2 € par mois\"",
            "body has overflow-y: hidden",
            "div#cmp-wall covers 100% of the viewport",
            "fixed layers cover 100% of the viewport"
        ])
    );
    // Held just as firmly, but "Tout refuser" is free: not a wall.
    let wall = &modal["facts"]["wall"];
    assert_eq!(wall["blocking"], true);
    assert_eq!(wall["blocking_modal"], true);
    assert_eq!(wall["cookie_wall"], false);
    assert!(
        !ids(modal).iter().any(|i| i.starts_with('W')),
        "{:?}",
        ids(modal)
    );
}

#[test]
fn withdrawal_after_accept_and_forms_of_the_rendered_page() {
    let r = chrome_scan(
        &[
            "www.cmp-respect.test",
            "www.cmp-cheat.test",
            "www.forms.test",
        ],
        &["--consent", "accept"],
    );
    let (respect, cheat, forms) = (&r["sites"][0], &r["sites"][1], &r["sites"][2]);
    assert_eq!(respect["facts"]["after_accept"]["withdrawal_link"], true);
    assert_eq!(
        respect["evidence"]["visits"][1]["banner_recheck"]["reopen"][0]["text"],
        "Gérer mes cookies"
    );
    assert!(!ids(respect).contains(&s("R508")), "{:?}", ids(respect));
    assert_eq!(cheat["facts"]["after_accept"]["banner_rechecked"], true);
    assert_eq!(cheat["facts"]["after_accept"]["withdrawal_link"], false);
    assert!(ids(cheat).contains(&s("R508")), "{:?}", ids(cheat));
    // The browser engine reads forms from the rendered DOM, with the same
    // verdicts as the http engine.
    let found = ids(forms);
    for id in ["F601", "F602", "F603", "F604"] {
        assert!(found.contains(&s(id)), "{id}: {found:?}");
    }
    // Its notice leaves out only elements required where applicable.
    assert!(!found.contains(&s("N701")), "{found:?}");
    assert_eq!(
        forms["facts"]["forms"][0]["unneeded_required"],
        json!(["Téléphone (phone)", "Date de naissance (birth_date)"])
    );
    // Bytes are counted by the browser: headers and bodies.
    let w = &forms["facts"]["before"]["weight"];
    assert!(w["bytes"].as_u64().unwrap() > w["decoded_bytes"].as_u64().unwrap() / 2);
    assert_eq!(w["requests"], w["measured_requests"]);
}

/// In the browser too, a home page answering 404 or coming back empty is
/// not the site; a broken inner page leaves the site audited.
#[test]
fn error_and_empty_home_pages_are_not_audited_in_the_browser() {
    let web = web();
    let urls: Vec<String> = [
        "www.home-404.test",
        "www.home-empty.test",
        "www.page-404.test",
    ]
    .iter()
    .map(|h| web.url(h))
    .collect();
    let out = barometer(&[
        "scan",
        &urls[0],
        &urls[1],
        &urls[2],
        "--engine",
        "chrome",
        "--consent",
        "none",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--settle",
        "0.5",
        "--format",
        "json",
        "--timeout",
        "30",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sites = r["sites"].as_array().unwrap();
    let error = |i: usize| sites[i]["error"].as_str().unwrap_or("").to_string();
    assert_eq!(sites[0]["audited"], false);
    assert!(
        error(0).contains("home page answered HTTP 404"),
        "{}",
        error(0)
    );
    assert_eq!(sites[0]["findings"], json!([]));
    assert_eq!(sites[1]["audited"], false);
    assert!(error(1).contains("empty body"), "{}", error(1));
    assert_eq!(sites[2]["audited"], true, "{}", error(2));
    assert!(sites[2]["score"]["value"].is_u64());
}

/// Requests of the reject visit (evidence), as (host, path, page path).
fn reject_requests(site: &Value) -> Vec<(String, String, String)> {
    let visit = site["evidence"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "after_reject")
        .expect("a reject visit");
    visit["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let url = url::Url::parse(r["url"].as_str().unwrap()).unwrap();
            let page = url::Url::parse(r["page_url"].as_str().unwrap_or("https://x/"))
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            (
                url.host_str().unwrap().to_string(),
                url.path().to_string(),
                page,
            )
        })
        .collect()
}

#[test]
fn the_page_of_the_refusal_is_reloaded_after_it() {
    let r = chrome_scan(&["www.reload-cheat.test", "www.reload-respect.test"], &[]);
    let (cheat, respect) = (&r["sites"][0], &r["sites"][1]);
    // The pixel loads only on the home page reloaded after the refusal
    // (the pages browsed next do not send it): R501 names it.
    let requests = reject_requests(cheat);
    assert!(
        requests
            .iter()
            .any(|(h, p, page)| h == "www.facebook.com" && p == "/tr" && page == "/"),
        "{requests:?}"
    );
    assert_eq!(
        hosts(&cheat["facts"]["after_reject"]),
        vec![s("www.facebook.com")]
    );
    let r501 = cheat["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "R501")
        .expect("R501 flagged");
    assert_eq!(
        r501["evidence"][0],
        json!("www.facebook.com (Meta, advertising)")
    );
    // The same site that loads a first-party image instead: the home page
    // was reloaded (the image was asked for), and no R501.
    let requests = reject_requests(respect);
    assert!(
        requests
            .iter()
            .any(|(h, p, page)| h == "www.reload-respect.test" && p == "/hello.gif" && page == "/"),
        "{requests:?}"
    );
    assert_eq!(
        hosts(&respect["facts"]["after_reject"]),
        Vec::<String>::new()
    );
    assert!(!ids(respect).contains(&s("R501")), "{:?}", ids(respect));
}

#[test]
fn a_policy_linked_but_left_unread_by_the_time_budget_is_not_judged() {
    // The budget runs out while the slow inner pages load, before the
    // policy linked last is read: the policy is linked (no T305) and its
    // reachability is not judged (no T306).
    let r = chrome_scan(
        &["www.slow-pages.test"],
        &["--consent", "none", "--visit-timeout", "4"],
    );
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["policy"]["linked"], true, "{site:#}");
    assert_eq!(site["facts"]["policy"]["status"], -1);
    let found = ids(site);
    assert!(!found.contains(&s("T305")), "{found:?}");
    assert!(!found.contains(&s("T306")), "{found:?}");
    // Near miss: with time enough, the same policy is read, with its status.
    let r = chrome_scan(
        &["www.slow-pages.test"],
        &["--consent", "none", "--visit-timeout", "60"],
    );
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["policy"]["status"], 200, "{site:#}");
    assert_eq!(site["facts"]["policy"]["reachable"], true);
}

fn visit_kinds(site: &Value) -> Vec<String> {
    site["evidence"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap().to_string())
        .collect()
}

/// The ✕ visit: made by default under a profile that counts closing as a
/// refusal, never silently elsewhere; a ✕ that starts the analytics is a
/// finding there (R510), one that refuses is not, and the same ✕ under a
/// profile where closing is no choice is not judged.
#[test]
fn closing_the_banner_is_checked_as_a_refusal_where_the_profile_says_so() {
    let it = chrome_scan(
        &["www.chiudi-ignora.test", "www.chiudi-rispetta.test"],
        &["--profile", "it"],
    );
    let (ignores, respects) = (&it["sites"][0], &it["sites"][1]);
    for site in [ignores, respects] {
        assert_eq!(
            visit_kinds(site),
            [
                "first_visit",
                "after_reject",
                "after_accept",
                "browsing",
                "after_close"
            ]
        );
        let close = &site["evidence"]["visits"][4];
        assert_eq!(close["consent_action"]["clicks"], json!(["✕"]));
        assert_eq!(close["consent_action"]["succeeded"], true);
        assert_eq!(site["facts"]["after_close"]["choice_made"], true);
    }
    assert_eq!(ids(ignores), ["R510"]);
    assert!(ids(respects).is_empty(), "{:?}", ids(respects));
    let r510 = finding(ignores, "R510");
    assert_eq!(
        r510["evidence"],
        json!([
            "www.google-analytics.com (Google, analytics)",
            "cookie _ga (www.chiudi-ignora.test)"
        ])
    );
    // Only what followed the click counts: nothing was tracked before it.
    assert!(hosts(&ignores["facts"]["before"]).is_empty());
    assert_eq!(
        hosts(&ignores["facts"]["after_close"]),
        ["www.google-analytics.com"]
    );

    // An explicit list is kept as given; without a profile that counts a
    // close as a refusal, no close visit is made, and when asked for by
    // name under one where closing is no choice, R510 does not apply.
    let listed = chrome_scan(
        &["www.chiudi-ignora.test"],
        &["--profile", "it", "--consent", "reject,accept"],
    );
    assert_eq!(
        visit_kinds(&listed["sites"][0]),
        ["first_visit", "after_reject", "after_accept"]
    );
    let de = chrome_scan(
        &["www.chiudi-ignora.test"],
        &["--profile", "de", "--consent", "close"],
    );
    let site = &de["sites"][0];
    assert_eq!(visit_kinds(site), ["first_visit", "after_close"]);
    assert_eq!(site["facts"]["after_close"]["tracker_count"], 1);
    assert!(!ids(site).contains(&s("R510")), "{:?}", ids(site));
}

/// Sites audited one after another share a browser (the engine keeps it
/// between sites), never what a site left in it: every visit has a browser
/// context of its own. A site audited after another that wrote cookies and
/// storage sees exactly what it sees audited alone.
#[test]
fn a_browser_kept_between_sites_carries_nothing_from_one_to_the_next() {
    let alone = chrome_scan(&["www.localstore-clean.test"], &[]);
    let after = chrome_scan(
        &[
            "www.cmp-cheat.test",
            "www.localstore-clean.test",
            "www.cmp-cheat.test",
        ],
        &[],
    );
    let storage = |visit: &Value| -> Vec<String> {
        let mut keys: Vec<String> = visit["storage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{} {}", s["origin"], s["key"]))
            .collect();
        keys.sort();
        keys
    };
    let alone = &alone["sites"][0];
    // The first site left cookies in its visits (so there was something
    // to carry over).
    let first = &after["sites"][0];
    assert!(!cookie_list(&first["evidence"]["visits"][2]).is_empty());
    let site = &after["sites"][1];
    for (i, visit) in site["evidence"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let kind = visit["kind"].as_str().unwrap();
        let was = &alone["evidence"]["visits"][i];
        assert_eq!(was["kind"], kind);
        assert_eq!(cookie_list(visit), cookie_list(was), "{kind}");
        assert_eq!(storage(visit), storage(was), "{kind}");
        for c in visit["cookies"].as_array().unwrap() {
            assert!(
                !c["domain"].as_str().unwrap().contains("cmp-cheat"),
                "{kind}: {c}"
            );
        }
    }
    assert_eq!(ids(site), ids(alone));
    // The third site is the first again, audited the same way.
    assert_eq!(ids(&after["sites"][2]), ids(first));
}
