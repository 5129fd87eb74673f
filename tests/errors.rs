//! Bad input: one line on stderr, a non-zero exit, never a panic.

mod common;

use common::*;

fn one_error_line(out: &std::process::Output) -> String {
    let err = stderr(out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "expected one error line, got: {err}");
    assert!(!err.contains("panicked"), "{err}");
    errors[0].to_string()
}

#[test]
fn invalid_url_is_a_usage_error() {
    let out = barometer(&["scan", "http://exa mple.com", "--engine", "http"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("invalid URL"));
    let out = barometer(&["scan", "ftp://example.com/", "--engine", "http"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreachable_host_exits_3_with_a_report() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (out, report) = scan(&format!("https://www.nowhere.test:{port}/"), &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.lines().any(|l| l.starts_with("warning: ")
            && l.contains("not audited")
            && l.contains("connection failed")),
        "{err}"
    );
    let r = report.expect("the report is still written");
    assert_eq!(r["sites"][0]["audited"], false);
    assert_eq!(r["summary"]["not_audited"], 1);
}

#[test]
fn tls_failure_without_insecure() {
    let out = barometer(&[
        "scan",
        &web().url("www.site-de.test"),
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("TLS certificate rejected (use --insecure"),
        "{err}"
    );
    // One line: no log line of the certificate verifier besides it, and
    // no colour codes on a stderr that is not a terminal.
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains('\x1b') && !err.contains("ERROR"), "{err}");
    // Asked for, the logs are there (still without colour codes).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args([
            "scan",
            &web().url("www.site-de.test"),
            "--engine",
            "http",
            "--resolve",
            "*:127.0.0.1",
            "--format",
            "json",
        ])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.lines().count() > 1, "{err}");
    assert!(!err.contains('\x1b'), "{err}");
}

/// A text report on stdout says a site was not audited; stderr does not
/// say it again.
#[test]
fn a_site_not_audited_is_reported_once() {
    let out = barometer(&[
        "scan",
        &web().url("www.home-404.test"),
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("home page answered HTTP 404").count(),
        1,
        "{text}"
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn redirect_loop_is_detected() {
    let (out, report) = scan(&web().url("www.loop.test"), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("redirect loop"), "{}", stderr(&out));
    let page = &report.unwrap()["sites"][0]["evidence"]["visits"][0]["pages"][0];
    assert_eq!(page["redirects"].as_array().unwrap().len(), 2);
}

#[test]
fn fifty_megabyte_page_is_refused_without_reading_it_all() {
    let (out, report) = scan(&web().url("www.big.test"), &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("larger than the 10 MiB limit"),
        "{}",
        stderr(&out)
    );
    let page = &report.unwrap()["sites"][0]["evidence"]["visits"][0]["pages"][0];
    assert_eq!(page["bytes"], 10 * 1024 * 1024);
}

#[test]
fn one_bad_site_does_not_lose_the_others() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (out, report) = scan(
        &format!("https://down.test:{port}/"),
        &[&web().url("www.site-de.test")],
    );
    assert_eq!(out.status.code(), Some(3));
    let r = report.unwrap();
    assert_eq!(r["summary"]["sites"], 2);
    assert_eq!(r["summary"]["audited"], 1);
    assert_eq!(r["sites"][1]["score"]["value"], 100);
}

#[test]
fn bad_resolve_and_missing_filter_list() {
    let out = barometer(&["scan", "https://a.test/", "--resolve", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("invalid --resolve"));
    let out = barometer(&[
        "scan",
        "https://a.test/",
        "--engine",
        "http",
        "--filter-list",
        "/nonexistent/list.txt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("/nonexistent/list.txt"));
}

#[test]
fn missing_chromium_is_a_clear_error() {
    let out = barometer(&[
        "scan",
        "https://a.test/",
        "--engine",
        "chrome",
        "--chrome",
        "/nonexistent/chromium",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("no Chromium at /nonexistent/chromium"));
}

#[test]
fn deeply_nested_pages_neither_crash_nor_hang() {
    // 3,000 levels: analysed, its banner and form found at the bottom.
    let url = web().url("www.deep.test");
    let (out, report) = scan(&url, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let site = &r["sites"][0];
    assert_eq!(site["facts"]["banner"]["status"], "present");
    assert_eq!(
        site["facts"]["banner"]["reject_labels"],
        serde_json::json!(["Reject all"])
    );
    assert_eq!(
        site["facts"]["forms"][0]["categories"],
        serde_json::json!(["email"])
    );
    // 200,000 levels: refused in one line, not parsed for hours.
    let (out, report) = scan(&format!("{url}abyss"), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nests elements more than 4096 levels deep; it was not analysed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(report.unwrap()["sites"][0]["audited"], false);
}

/// An error page or an empty body is not the site: not audited, with the
/// status, no finding and no score, the evidence kept.
fn assert_home_refused(host: &str, status: u64, says: &str) -> serde_json::Value {
    let (out, report) = scan(&web().url(host), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report = report.unwrap();
    let site = &report["sites"][0];
    assert_eq!(site["audited"], false);
    let error = site["error"].as_str().unwrap();
    assert!(error.contains(says), "{error}");
    assert!(site.get("score").is_none(), "{site}");
    assert_eq!(site["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["not_audited"], 1);
    let home = &site["evidence"]["visits"][0]["pages"][0];
    assert_eq!(home["status"], status);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
    report
}

#[test]
fn home_page_answering_404_is_not_audited() {
    let report = assert_home_refused("www.home-404.test", 404, "home page answered HTTP 404");
    // The tracker and cookie of the error page were seen, and kept, but
    // nothing is judged from them.
    let before = &report["sites"][0]["evidence"]["visits"][0];
    assert!(before["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["host"] == "www.facebook.com"));
    assert!(report["sites"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] != "fail"));
}

#[test]
fn home_page_answering_503_is_not_audited() {
    assert_home_refused("www.home-503.test", 503, "home page answered HTTP 503");
}

#[test]
fn empty_home_page_is_not_audited() {
    assert_home_refused("www.home-empty.test", 200, "empty body");
}

#[test]
fn a_broken_inner_page_leaves_the_site_audited() {
    let (out, report) = scan(&web().url("www.page-404.test"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = report.unwrap();
    let site = &report["sites"][0];
    assert_eq!(site["audited"], true);
    assert!(site["score"]["value"].is_u64());
    let pages = site["evidence"]["visits"][0]["pages"].as_array().unwrap();
    assert_eq!(pages[0]["status"], 200);
    assert!(
        pages.iter().any(|p| p["status"] == 404),
        "{:?}",
        pages.iter().map(|p| &p["url"]).collect::<Vec<_>>()
    );
    assert!(finding_ids(&report).contains(&"C102".to_string()));
}

#[test]
fn every_option_of_check_and_demo_has_help() {
    for (command, option, help) in [
        ("check", "--format", "Report format"),
        (
            "check",
            "--no-baseline",
            "assertions of the configuration alone",
        ),
        ("demo", "--engine", "Crawl engine"),
    ] {
        let out = barometer(&[command, "-h"]);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.contains(option))
            .unwrap_or_else(|| panic!("{command} {option}: {text}"));
        assert!(line.contains(help), "{command} {option}: {line}");
    }
}
