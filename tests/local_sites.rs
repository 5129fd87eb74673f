//! A folder or an HTML file is audited as a URL is, and only the folder
//! answers: every request of the audit, any host and any port, goes to
//! barometer's own server. Another server listening on loopback (on 443,
//! where `https://tracker.example/` would go with a plain host mapping, and
//! on the port a page names explicitly) must never be reached.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::stderr;
use serde_json::Value;

/// A server that answers anything with a secret and counts connections
/// whose first bytes name `marker` (the host name is in the clear in a TLS
/// ClientHello, and in a plain request): other programs on the machine may
/// connect to 127.0.0.1:443 too, and are not counted.
struct Intruder {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Intruder {
    fn listen(port: u16, marker: &str) -> Option<Intruder> {
        let marker = marker.as_bytes().to_vec();
        let listener = TcpListener::bind(("127.0.0.1", port)).ok()?;
        let port = listener.local_addr().ok()?.port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut buf = [0u8; 4096];
                let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                let n = s.read(&mut buf).unwrap_or(0);
                if buf[..n].windows(marker.len()).any(|w| w == marker) {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 22\r\n\r\nINTRUDER-SECRET-PAGE!!",
                );
            }
        });
        Some(Intruder { port, hits })
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn barometer_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run barometer")
}

/// Hosts of every request of every visit, sorted, deduplicated.
fn requested_hosts(site: &Value) -> Vec<String> {
    let mut hosts: Vec<String> = site["evidence"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["requests"].as_array().unwrap().iter())
        .filter_map(|r| url::Url::parse(r["url"].as_str()?).ok())
        .filter_map(|u| u.host_str().map(str::to_string))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// A built site whose page names third parties on 443 and on `port`; the
/// hosts carry `port` in their name, so only this test's requests are counted.
fn project(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("public")).unwrap();
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head>
<body><p>Our shop sells tea.</p><a href="/about.html">About us</a>
<img src="https://tracker-{port}.example/p.gif" alt="">
<img src="https://pixel-{port}.example:{port}/p.gif" alt="">
<img src="http://127.0.0.1:{port}/ip.gif" alt="">
</body></html>"#
    );
    std::fs::write(dir.path().join("public/index.html"), page).unwrap();
    std::fs::write(
        dir.path().join("public/about.html"),
        "<!doctype html><html lang=\"en\"><head><title>About</title></head><body><p>We sell tea.</p></body></html>",
    )
    .unwrap();
    dir
}

fn isolated(engine: &str) {
    // 443 needs privileges; the explicit port below keeps the test able to
    // fail without them.
    let probe = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let marker = format!("-{port}.example");
    let on_443 = Intruder::listen(443, &marker);
    let other = Intruder::listen(port, &marker).expect("bind a loopback port");
    let dir = project(other.port);
    let out = barometer_in(
        dir.path(),
        &[
            "scan",
            "public",
            "--engine",
            engine,
            "--consent",
            "none",
            "--settle",
            "1",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&text).unwrap();
    let site = &report["sites"][0];
    assert_eq!(site["url"], "public");
    assert_eq!(site["audited"], true);
    let hosts = requested_hosts(site);
    // The third parties are still requested, so they are reported...
    for h in [
        "www.googletagmanager.com".to_string(),
        format!("tracker-{port}.example"),
        format!("pixel-{port}.example"),
    ] {
        assert!(hosts.contains(&h), "{engine}: {h} in {hosts:?}");
    }
    // ...but only barometer's server answered them.
    assert_eq!(
        other.hits(),
        0,
        "{engine}: a server outside the folder answered"
    );
    if let Some(s) = &on_443 {
        assert_eq!(
            s.hits(),
            0,
            "{engine}: the server on 127.0.0.1:443 answered"
        );
    } else {
        eprintln!("note: 127.0.0.1:443 not bindable here; the explicit port covers isolation");
    }
    assert!(
        !text.contains("INTRUDER-SECRET"),
        "{engine}: foreign content in the report"
    );
    // The served URL, with its port, never shows.
    assert!(
        !text.contains("static-site.test:"),
        "{engine}: a port leaked"
    );
}

#[test]
fn a_folder_is_audited_in_isolation_with_the_http_engine() {
    isolated("http");
}

#[test]
fn a_folder_is_audited_in_isolation_with_the_browser_engine() {
    isolated("chrome");
}

#[test]
fn an_html_file_is_a_site_and_a_missing_path_is_a_usage_error() {
    let dir = project(9);
    let out = barometer_in(
        dir.path(),
        &[
            "scan",
            "./public/about.html",
            "--engine",
            "http",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let site = &report["sites"][0];
    assert_eq!(site["url"], "./public/about.html");
    let first = &site["evidence"]["visits"][0]["pages"][0]["url"];
    assert!(
        first.as_str().unwrap().ends_with("/about.html"),
        "starts at the file given: {first}"
    );

    let out = barometer_in(
        dir.path(),
        &["scan", "./public/index.htm", "--engine", "http"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "error: ./public/index.htm: no such file or directory"
    );

    let out = barometer_in(
        dir.path(),
        &[
            "scan",
            "public",
            "https://www.example.fr/",
            "--engine",
            "http",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not both"), "{}", stderr(&out));
}

#[test]
fn a_folder_is_a_campaign_of_one_site() {
    let other = Intruder::listen(0, ".example").expect("bind a loopback port");
    let dir = project(other.port);
    let out = barometer_in(
        dir.path(),
        &[
            "run", "public", "--db", "c.sqlite", "--engine", "http", "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = barometer_in(
        dir.path(),
        &["report", "--db", "c.sqlite", "-o", "out", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.path().join("out/sites.csv")).unwrap();
    let row = csv.lines().nth(1).expect("one site row");
    assert!(row.contains("public"), "{csv}");
    assert_eq!(other.hits(), 0, "a server outside the folder answered");
}
