//! The browser engine and its three visits, against the local test web.
//! These tests need Chromium (`./scripts/test` installs it); they fail,
//! rather than skip, when it is missing.

mod common;

use common::*;
use serde_json::{json, Value};

fn chrome_scan(hosts: &[&str], extra: &[&str]) -> Value {
    let web = web();
    let urls: Vec<String> = hosts.iter().map(|h| web.url(h)).collect();
    let mut args: Vec<&str> = vec!["scan"];
    args.extend(urls.iter().map(String::as_str));
    args.extend_from_slice(&[
        "--engine",
        "chrome",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--settle",
        "1.5",
        "--format",
        "json",
        "--timeout",
        "30",
    ]);
    args.extend_from_slice(extra);
    let out = barometer(&args);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("json report")
}

fn ids(site: &Value) -> Vec<String> {
    let mut v: Vec<String> = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
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
    assert_eq!(files.len(), 6, "{files:?}");
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
    assert_eq!(
        reqs,
        vec![format!(
            "{}choice.gif?refused",
            web.url("cmp.consent-host.test")
        )]
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
        &["www.forgetful.test", "www.cmp-respect.test"],
        &["--consent", "reject"],
    );
    let forgetful = &r["sites"][0];
    assert_eq!(
        forgetful["evidence"]["visits"][1]["banner_recheck"],
        json!({"page_url": format!("{}page-2", web().url("www.forgetful.test")), "shown": true})
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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
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
