//! Hostile sites against the browser engine: a script that never returns,
//! a dialog loop, a pop-up storm, decompression bombs, a browser killed
//! during its first navigation, sites that never finish loading. Each is
//! bounded in time and memory, and the evidence says what was stopped.
//! The pages live in `tests/web/_.browser.hostile.test` (one path per case;
//! the bombs are made by the test web when first asked for). These tests
//! need Chromium.

mod common;

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// `https://CASE.browser.hostile.test:PORT/PATH`.
fn url(case: &str, path: &str) -> String {
    format!(
        "https://{case}.browser.hostile.test:{}/{path}",
        web().port()
    )
}

/// What was seen of a running `barometer` and its browsers.
#[derive(Debug, Default, Clone, Copy)]
struct Peak {
    /// Resident memory of `barometer` itself, in MiB.
    barometer_mib: u64,
    /// Resident memory of `barometer` and all its browsers' processes.
    total_mib: u64,
    /// Browsers (main processes) alive at once.
    browsers: usize,
}

/// Processes (pid, cmdline) running with a profile of `barometer` `pid`.
fn browser_processes(pid: u32) -> Vec<(i32, String)> {
    let prefix = format!("barometer-chrome-{pid}-");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(&prefix) && !zombie(p) {
            out.push((p, cmd));
        }
    }
    out
}

/// A browser's main process (not a renderer, zygote or crash handler).
fn main_process(cmdline: &str) -> bool {
    let program = cmdline.split(' ').next().unwrap_or("");
    program.ends_with("/chromium") && !cmdline.contains("--type=")
}

/// The parent pid of `pid`.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with(['Z', 'X']))
        })
        .unwrap_or(true)
}

fn rss_kib(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Run `barometer args`, sampling its memory and browsers every 100 ms.
/// `during` is called with its pid once it runs (to act on it).
fn run_sampled(args: &[String], during: impl FnOnce(u32)) -> (Output, Duration, Peak) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("BAROMETER_LISTS_DIR", "/nonexistent/barometer-test-lists")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run barometer");
    let pid = child.id();
    let peak = Arc::new(Mutex::new(Peak::default()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let procs = browser_processes(pid);
                let own = rss_kib(pid as i32);
                let total = own + procs.iter().map(|(p, _)| rss_kib(*p)).sum::<u64>();
                // A browser's main process, not the child it forks to
                // start its zygote, which shows the main's command line
                // until it execs (a window a loaded machine widens).
                let mains: Vec<i32> = procs
                    .iter()
                    .filter(|(_, c)| main_process(c))
                    .map(|(p, _)| *p)
                    .collect();
                let browsers = mains
                    .iter()
                    .filter(|p| !parent_of(**p).is_some_and(|pp| mains.contains(&pp)))
                    .count();
                let mut k = peak.lock().unwrap();
                k.barometer_mib = k.barometer_mib.max(own / 1024);
                k.total_mib = k.total_mib.max(total / 1024);
                k.browsers = k.browsers.max(browsers);
                drop(k);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    during(pid);
    let out = child.wait_with_output().expect("barometer output");
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    let took = started.elapsed();
    // No browser outlives its run.
    assert!(
        browser_processes(pid).is_empty(),
        "browsers left: {:?}",
        browser_processes(pid)
    );
    let peak = *peak.lock().unwrap();
    (out, took, peak)
}

/// `barometer scan URLS --engine chrome --consent none` of the test web as
/// JSON, plus `extra`.
fn scan_args(urls: &[String], extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(urls.iter().cloned());
    for a in [
        "--engine",
        "chrome",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--format",
        "json",
        "--settle",
        "1",
        "--consent",
        "none",
    ]
    .iter()
    .chain(extra)
    {
        args.push(a.to_string());
    }
    args
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", stderr(out)))
}

/// The site of `report` audited from `url`.
fn site<'a>(report: &'a Value, url: &str) -> &'a Value {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["url"] == url)
        .unwrap_or_else(|| panic!("{url} missing from the report"))
}

fn limits(visit: &Value) -> Vec<String> {
    visit["limits"]
        .as_array()
        .map(|l| l.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn errors(site: &Value) -> Vec<String> {
    site["evidence"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

/// `while (true) {}` in `<head>`: the script is stopped after a few seconds
/// of an unresponsive page, scripts are turned off, and the page goes on to
/// load and be audited. A script that is merely slow (1.5 s) is left alone.
#[test]
fn a_script_that_never_returns_is_stopped() {
    let looping = url("script-loop", "script-loop.html");
    let busy = url("busy-script", "busy-script.html");
    let args = scan_args(
        &[looping.clone(), busy.clone()],
        &["--visit-timeout", "10", "--timeout", "30"],
    );
    let (out, took, _) = run_sampled(&args, |_| {});
    // Before: 406 s with the default options (45 s with a 5 s budget).
    assert!(took < Duration::from_secs(240), "took {took:?}");
    let r = report(&out);
    let stopped = site(&r, &looping);
    let visit = &stopped["evidence"]["visits"][0];
    assert!(
        limits(visit)
            .iter()
            .any(|l| l.starts_with("a script kept the page busy for more than 5 s")),
        "{:?}",
        limits(visit)
    );
    // The page loaded once the script was stopped: its title and banner
    // were read.
    assert_eq!(visit["pages"][0]["title"], "Script loop", "{visit}");
    assert_eq!(stopped["audited"], true, "{}", stopped["error"]);
    assert_eq!(visit["banner"]["status"], "present");
    // Near miss: the slow script ran to its end, untouched.
    let slow = site(&r, &busy);
    let visit = &slow["evidence"]["visits"][0];
    assert!(
        !limits(visit).iter().any(|l| l.contains("script")),
        "{:?}",
        limits(visit)
    );
    assert_eq!(slow["audited"], true);
    let cookies: Vec<&str> = visit["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cookies, vec!["busy"]);
    assert!(
        !errors(slow).iter().any(|e| e.contains("retrying")),
        "{:?}",
        errors(slow)
    );
}

/// An `alert`/`confirm`/`prompt` loop: every dialog is dismissed, past
/// twenty the script is asked to stop, and the visit's budget ends it if
/// the script does not stop. (Chromium 156 does not always end a script
/// blocked in a dialog loop on `Runtime.terminateExecution`: then the page
/// cannot be read, and the site is not audited, with the reason.)
#[test]
fn a_dialog_loop_is_dismissed_then_stopped() {
    let looping = url("dialog-loop", "dialog-loop.html");
    let args = scan_args(std::slice::from_ref(&looping), &["--timeout", "30"]);
    let (out, took, _) = run_sampled(&args, |_| {});
    // Before: past 180 s.
    assert!(took < Duration::from_secs(240), "took {took:?}");
    let r = report(&out);
    let s = site(&r, &looping);
    let visit = &s["evidence"]["visits"][0];
    let dialogs = visit["dialogs"].as_u64().unwrap();
    assert!(dialogs > 20, "{dialogs} dialogs");
    assert!(
        limits(visit)
            .iter()
            .any(|l| l.starts_with("more than 20 JavaScript dialogs")),
        "{:?}",
        limits(visit)
    );
    // Whether the script can be stopped inside its dialog loop depends on
    // where it is caught: either it stops and the page is read, or the
    // visit's budget ends it and the site is not audited. Either way the
    // visit ends in time and says what was stopped.
    let out_of_time = limits(visit)
        .iter()
        .any(|l| l == "the visit's time budget (30 s) ran out");
    assert_eq!(
        s["audited"],
        !out_of_time,
        "{:?} {}",
        limits(visit),
        s["error"]
    );
    if !out_of_time {
        assert_eq!(visit["pages"][0]["title"], "Dialog loop", "{visit}");
    }
}

/// A hundred pop-ups: the first three stay open, the rest are closed as
/// they open and counted. One pop-up (the near miss) is only recorded.
#[test]
fn a_pop_up_storm_is_closed_on_arrival() {
    let storm = url("popup-storm", "popup-storm.html");
    let one = web().url("www.no-banner.test");
    let args = scan_args(&[storm.clone(), one.clone()], &["--timeout", "30"]);
    let (out, took, peak) = run_sampled(&args, |_| {});
    // Before: 289 s and 810 MB. Measured since, on an idle 2-core
    // machine: Chromium about 1,250 MiB with the three pop-ups kept open,
    // barometer 260 to 300 MiB (a debug build holding the 26 lexicons'
    // compiled patterns, which grow with each tuning round). The bound is on
    // each: a storm that got through would keep 97 windows open.
    assert!(took < Duration::from_secs(240), "took {took:?}");
    assert!(peak.barometer_mib < 400, "{peak:?}");
    assert!(peak.total_mib < 1650, "{peak:?}");
    let r = report(&out);
    let s = site(&r, &storm);
    let visit = &s["evidence"]["visits"][0];
    // All 97 beyond the first three, unless the script opening them was
    // stopped first (opening windows keeps a loaded machine's page busy).
    let closed = visit["popups_closed"].as_u64().unwrap();
    assert!((40..=97).contains(&closed), "{closed}: {:?}", limits(visit));
    assert_eq!(visit["popups"].as_array().unwrap().len(), 20);
    assert_eq!(
        limits(visit)[0],
        "pop-ups beyond the first 3 were closed as they opened"
    );
    let near = &site(&r, &one)["evidence"]["visits"][0];
    assert_eq!(near["popups"].as_array().unwrap().len(), 1);
    assert!(near.get("popups_closed").is_none(), "{near}");
    assert_eq!(limits(near), Vec::<String>::new());
}

/// A gzip page and a brotli page of 512 MiB once decoded: the visit stops
/// at the 10 MiB cap, the site is not audited and says why, in bounded
/// time and memory. A 2 MiB gzip page (near miss) is audited as usual.
#[test]
fn decompression_bombs_stop_at_the_cap() {
    let gzip = url("gzip", "gzip-bomb");
    let brotli = url("brotli", "br-bomb");
    let small = url("small", "gzip-page");
    let args = scan_args(
        &[gzip.clone(), brotli.clone(), small.clone()],
        &["--visit-timeout", "20", "--timeout", "20"],
    );
    let (out, took, peak) = run_sampled(&args, |_| {});
    // Before: 4.5 GB (gzip) and 3.8 GB (brotli), both "audited".
    assert!(took < Duration::from_secs(240), "took {took:?}");
    // (Under load the DevTools messages queue up: a few hundred MiB.)
    assert!(peak.barometer_mib < 768, "{peak:?}");
    assert!(peak.total_mib < 2000, "{peak:?}");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let r = report(&out);
    for bomb in [&gzip, &brotli] {
        let s = site(&r, bomb);
        assert_eq!(s["audited"], false, "{bomb}");
        let visit = &s["evidence"]["visits"][0];
        assert_eq!(visit["status"], "failed");
        // (Parsing what came before the cap may also keep the page busy
        // long enough for its script to be stopped.)
        // On a heavily loaded machine the renderer may take in the bytes
        // so slowly that the visit's budget ends it before the cap does:
        // either way it is stopped and says why.
        let why = limits(visit);
        let capped = why
            .iter()
            .any(|l| l.starts_with("a response decoded to more than 10 MiB"));
        assert!(
            capped || why.iter().any(|l| l.starts_with("the visit's time budget")),
            "{why:?}"
        );
        if capped {
            assert!(s["error"].as_str().unwrap().contains("more than 10 MiB"));
            // What was seen is kept: the document request, over the cap.
            let doc = &visit["requests"][0];
            assert_eq!(doc["url"], bomb.as_str());
            assert!(doc["decoded_bytes"].as_u64().unwrap() > 10 << 20, "{doc}");
        }
    }
    let s = site(&r, &small);
    assert_eq!(s["audited"], true, "{}", s["error"]);
    let visit = &s["evidence"]["visits"][0];
    assert_eq!(limits(visit), Vec::<String>::new());
    assert!(visit["requests"][0]["decoded_bytes"].as_u64().unwrap() >= 2 << 20);
}

/// Chromium killed while the first navigation waits for the server: the
/// visit is retried once in a new browser, and succeeds.
#[test]
fn a_browser_killed_during_the_first_navigation_is_restarted() {
    let stall = url("stall-once", "stall-once");
    let args = scan_args(
        std::slice::from_ref(&stall),
        &["--timeout", "60", "--visit-timeout", "60"],
    );
    let (out, took, peak) = run_sampled(&args, |pid| {
        let until = Instant::now() + Duration::from_secs(150);
        while !web().server.hits().iter().any(|h| h.path == "/stall-once") {
            assert!(Instant::now() < until, "the page was never asked for");
            std::thread::sleep(Duration::from_millis(50));
        }
        let main = browser_processes(pid)
            .into_iter()
            .find(|(_, c)| main_process(c))
            .expect("a browser")
            .0;
        // SAFETY: killing the test's own grandchild.
        unsafe {
            libc::kill(main, libc::SIGKILL);
        }
    });
    assert!(took < Duration::from_secs(240), "took {took:?}");
    assert_eq!(peak.browsers, 1, "never two browsers at once");
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report(&out);
    let s = site(&r, &stall);
    assert_eq!(s["audited"], true, "{}", s["error"]);
    let visit = &s["evidence"]["visits"][0];
    assert_eq!(visit["status"], "complete");
    assert_eq!(visit["pages"][0]["title"], "Stalls once");
    assert_eq!(visit["banner"]["status"], "present");
    let errs = errors(s);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("first_visit: the browser died during the visit")
            && errs[0].ends_with("; retrying"),
        "{errs:?}"
    );
}

/// Sites that never finish loading, in a campaign at concurrency 1 with a
/// 20 s site deadline and a longer visit budget: each is recorded as not
/// audited with the reason, its browser is gone before the next site
/// starts, and a quick site (near miss) is audited.
#[test]
fn the_site_deadline_ends_the_site_and_its_browser() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.txt");
    let stalls: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|h| url(&format!("stall-{h}"), "stall-load.html"))
        .collect();
    let quick = url("quick", "gzip-page");
    std::fs::write(&sites, format!("{}\n{quick}\n", stalls.join("\n"))).unwrap();
    let db = dir.path().join("c.sqlite");
    let args: Vec<String> = [
        "run",
        sites.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--concurrency",
        "1",
        "--engine",
        "chrome",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--consent",
        "none",
        "--settle",
        "1",
        "--site-timeout",
        "20",
        "--visit-timeout",
        "60",
        "--timeout",
        "60",
        "-q",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (out, took, peak) = run_sampled(&args, |_| {});
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(took < Duration::from_secs(240), "took {took:?}");
    assert_eq!(peak.browsers, 1, "{peak:?}");
    let err = stderr(&out);
    for stall in &stalls {
        assert!(
            err.contains(&format!(
                "{stall}: not audited: the audit took longer than 20 s"
            )),
            "{err}"
        );
    }
    assert!(!err.contains(&format!("{quick}: not audited")), "{err}");
}

/// `scan` has the same deadline; the site's partial evidence is kept.
#[test]
fn scan_keeps_what_it_saw_when_the_site_deadline_passes() {
    let stall = url("stall-scan", "stall-load.html");
    let args = scan_args(
        std::slice::from_ref(&stall),
        &[
            "--site-timeout",
            "20",
            "--visit-timeout",
            "60",
            "--timeout",
            "60",
        ],
    );
    let (out, took, _) = run_sampled(&args, |_| {});
    assert!(took < Duration::from_secs(240), "took {took:?}");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let r = report(&out);
    let s = site(&r, &stall);
    // The crawl itself ended within the deadline (start-up is not counted:
    // on a loaded machine it takes longer than the crawl).
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(s["evidence"]["provenance"][k].as_str().unwrap())
            .unwrap()
    };
    let crawl = (at("finished_at") - at("started_at")).to_std().unwrap();
    assert!(crawl <= Duration::from_secs(20), "the crawl took {crawl:?}");
    assert_eq!(s["audited"], false);
    assert_eq!(s["error"], "the audit took longer than 20 s");
    let visit = &s["evidence"]["visits"][0];
    assert!(
        limits(visit)
            .iter()
            .any(|l| l == "the site's time (20 s) ran out"),
        "{:?}",
        limits(visit)
    );
    // The document and the stalled image were seen.
    let urls: Vec<&str> = visit["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&stall.as_str()), "{urls:?}");
    assert!(urls.iter().any(|u| u.ends_with("/pixel.gif")), "{urls:?}");
}
