//! Shared helpers: the local test web and the real `barometer` binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use barometer::testweb::{Server, Web};

/// The test web of `tests/web`, served once per test binary.
pub struct TestWeb {
    pub server: Server,
    _runtime: tokio::runtime::Runtime,
}

impl TestWeb {
    pub fn url(&self, host: &str) -> String {
        self.server.url(host)
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }
}

pub fn web() -> &'static TestWeb {
    static WEB: OnceLock<TestWeb> = OnceLock::new();
    WEB.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let web =
            Web::from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/web")).unwrap();
        let server = runtime.block_on(Server::start(web, 0)).unwrap();
        TestWeb {
            server,
            _runtime: runtime,
        }
    })
}

pub fn barometer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .env("NO_COLOR", "1")
        // Lists installed on this machine must not change the results.
        .env("BAROMETER_LISTS_DIR", "/nonexistent/barometer-test-lists")
        .output()
        .expect("run barometer")
}

/// `barometer scan URL --engine http --resolve *:127.0.0.1 --insecure --format json` plus `extra`.
pub fn scan(url: &str, extra: &[&str]) -> (Output, Option<serde_json::Value>) {
    let mut args = vec![
        "scan",
        url,
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--format",
        "json",
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    let out = barometer(&args);
    let json = serde_json::from_slice(&out.stdout).ok();
    (out, json)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Findings' rule ids of the first site, sorted.
pub fn finding_ids(report: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = report["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// `(name, domain, party, lifetime_days)` of the first visit's cookies, sorted by name.
pub fn cookies(report: &serde_json::Value) -> Vec<(String, String, String, f64)> {
    let mut out: Vec<_> = report["sites"][0]["facts"]["before"]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["domain"].as_str().unwrap().to_string(),
                c["party"].as_str().unwrap().to_string(),
                c["lifetime_days"].as_f64().unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `(host, company, category)` of the first visit's trackers, sorted by host.
pub fn trackers(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["sites"][0]["facts"]["before"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["host"].as_str().unwrap().to_string(),
                t["company"].as_str().unwrap().to_string(),
                t["category"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `barometer scan` of several hosts of the test web with `engine`, as
/// JSON: the browser gets 1.5 s to settle and 30 s per request, the http
/// engine 10 s. `extra` goes last (`--profile fr`...). Callers judge the
/// exit code: some scans include sites that cannot be audited on purpose.
pub fn scan_hosts(
    engine: &str,
    hosts: &[&str],
    extra: &[&str],
) -> (Output, Option<serde_json::Value>) {
    let w = web();
    let urls: Vec<String> = hosts.iter().map(|h| w.url(h)).collect();
    let mut args: Vec<&str> = vec!["scan"];
    args.extend(urls.iter().map(String::as_str));
    args.extend_from_slice(&[
        "--engine",
        engine,
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--format",
        "json",
    ]);
    if engine == "chrome" {
        args.extend_from_slice(&["--settle", "1.5", "--timeout", "30"]);
    } else {
        args.extend_from_slice(&["--timeout", "10"]);
    }
    args.extend_from_slice(extra);
    let out = barometer(&args);
    let json = serde_json::from_slice(&out.stdout).ok();
    (out, json)
}

/// [`scan_hosts`] that must exit 0.
pub fn scan_ok(engine: &str, hosts: &[&str], extra: &[&str]) -> serde_json::Value {
    let (out, json) = scan_hosts(engine, hosts, extra);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    json.expect("json report")
}

/// Rule ids of one site's findings, sorted.
pub fn rule_ids(site: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The checkout's `rules/` as it is on disk now, not as it was when the
/// binary was built: a lexicon change is measured by running the built test
/// binary again, without a rebuild. (The embedded copy is the same file once
/// cargo has rebuilt; `Lexicons::builtin` is tested in the library.)
pub fn lexicons() -> barometer::knowledge::Lexicons {
    barometer::knowledge::Lexicons::from_dir(&checkout().join("rules"))
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// The checkout whose `rules/` and corpus are measured: this one, or
/// `BAROMETER_CHECKOUT` (a built test binary can then measure the lexicons
/// of another work tree).
pub fn checkout() -> PathBuf {
    std::env::var_os("BAROMETER_CHECKOUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
