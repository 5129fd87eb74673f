//! `barometer lists`: fetching fixture lists from the local test web, the
//! manifest, what `lists` shows, their use in an audit and `coverage`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{scan, stderr, web};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/web/lists.fixture.test");

/// `barometer ARGS` with `dir` as the lists directory (by environment).
fn lists_cmd(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("BAROMETER_LISTS_DIR", dir)
        .output()
        .expect("run barometer")
}

fn fixture_url(file: &str) -> String {
    format!("{}{file}", web().url("lists.fixture.test"))
}

/// `lists fetch NAME --url <fixture FILE>` into `dir`.
fn fetch(dir: &Path, name: &str, file: &str) -> Output {
    let url = fixture_url(file);
    lists_cmd(
        dir,
        &[
            "lists",
            "fetch",
            name,
            "--url",
            &url,
            "--resolve",
            "lists.fixture.test:127.0.0.1",
            "--insecure",
            "--timeout",
            "10",
        ],
    )
}

fn manifest(dir: &Path, name: &str) -> serde_json::Value {
    let path = dir.join(format!("{name}.manifest.json"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(FIXTURES).join(file)).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn installed(names: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, file) in names {
        let out = fetch(dir.path(), name, file);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    dir
}

#[test]
fn fetch_writes_the_list_and_a_manifest_with_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let out = fetch(dir.path(), "easyprivacy", "easyprivacy.txt");
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = fixture("easyprivacy.txt");
    assert_eq!(
        std::fs::read(dir.path().join("easyprivacy.txt")).unwrap(),
        bytes
    );
    let m = manifest(dir.path(), "easyprivacy");
    let sha = barometer::lists::store::sha256_hex(&bytes);
    assert_eq!(m["sha256"], sha.as_str());
    assert_eq!(m["name"], "easyprivacy");
    assert_eq!(m["format"], "adblock");
    // The version the list declares.
    assert_eq!(m["version"], "202612040900");
    assert_eq!(m["url"], fixture_url("easyprivacy.txt").as_str());
    assert_eq!(m["bytes"], bytes.len());
    // Two whole-host rules; the `domain=` and cosmetic rules are not read.
    assert_eq!(m["domains"], 2);
    assert!(m["licence"].as_str().unwrap().contains("GPL"), "{m}");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!(
            "easyprivacy: 2 domains, version 202612040900, sha256 {sha}, from "
        )),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        files_in(dir.path()),
        ["easyprivacy.manifest.json", "easyprivacy.txt"]
    );

    // A list without a version of its own takes the server's ETag.
    let out = fetch(dir.path(), "disconnect", "disconnect.json");
    assert!(out.status.success(), "{}", stderr(&out));
    let m = manifest(dir.path(), "disconnect");
    assert_eq!(m["version"], "fixture-7");
    assert_eq!(m["domains"], 2);
    // Without ETag or version: the start of its checksum.
    let out = fetch(dir.path(), "tracker-radar", "tracker-radar.json");
    assert!(out.status.success(), "{}", stderr(&out));
    let sha = barometer::lists::store::sha256_hex(&fixture("tracker-radar.json"));
    assert_eq!(
        manifest(dir.path(), "tracker-radar")["version"],
        format!("sha256:{}", &sha[..12]).as_str()
    );
}

#[test]
fn a_bad_download_is_one_error_line_and_keeps_the_earlier_copy() {
    let dir = installed(&[("tracker-radar", "tracker-radar.json")]);
    let before_manifest = std::fs::read(dir.path().join("tracker-radar.manifest.json")).unwrap();
    let before_files = files_in(dir.path());
    for (file, says) in [
        ("truncated.json", "invalid JSON"),
        ("not-a-list.html", "invalid JSON"),
        ("missing.txt", "HTTP 404"),
    ] {
        let out = fetch(dir.path(), "tracker-radar", file);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(
            err.starts_with("error: tracker-radar: not fetched, earlier copy kept: ")
                && err.contains(says),
            "{file}: {err}"
        );
        assert!(out.stdout.is_empty(), "{file}");
        assert_eq!(
            std::fs::read(dir.path().join("tracker-radar.json")).unwrap(),
            fixture("tracker-radar.json"),
            "{file}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("tracker-radar.manifest.json")).unwrap(),
            before_manifest,
            "{file}"
        );
        // No temporary file left behind.
        assert_eq!(files_in(dir.path()), before_files, "{file}");
    }
    // An adblock list with no host rule is refused the same way.
    let out = fetch(dir.path(), "easylist", "disconnect.json");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no domain found"), "{}", stderr(&out));
    assert!(!dir.path().join("easylist.manifest.json").exists());
    // Unknown names are a usage error.
    let out = lists_cmd(dir.path(), &["lists", "fetch", "adblock-plus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown list `adblock-plus`"));
}

#[test]
fn lists_shows_what_is_installed_and_what_is_not() {
    let dir = installed(&[("easyprivacy", "easyprivacy.txt")]);
    let out = lists_cmd(dir.path(), &["lists"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("lists directory: {}", dir.path().display())
    );
    let prefix = "easyprivacy: version 202612040900, fetched ";
    assert!(lines[1].starts_with(prefix), "{text}");
    assert!(
        lines[1].ends_with(&format!(
            " (0 min ago), 2 domains, licence GPL-3.0-or-later or CC BY-SA 3.0 (EasyList authors), from {}",
            fixture_url("easyprivacy.txt")
        )),
        "{text}"
    );
    for name in ["tracker-radar", "disconnect", "easylist"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{name}: not installed ("))),
            "{name}: {text}"
        );
    }
    assert_eq!(lines.len(), 5, "{text}");
}

fn tracker<'a>(report: &'a serde_json::Value, host: &str) -> Option<&'a serde_json::Value> {
    report["sites"][0]["facts"]["before"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["host"] == host)
}

fn provenance_lists(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    report["sites"][0]["evidence"]["provenance"]["lists"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["name"].as_str().unwrap().starts_with("list:"))
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["version"].as_str().unwrap().to_string(),
                l["entries"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_host_known_only_to_a_list_is_reported_with_that_list_and_never_accused() {
    let dir = installed(&[("easyprivacy", "easyprivacy.txt")]);
    let lists_dir = dir.path().to_str().unwrap();
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--lists-dir", lists_dir],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    let t = tracker(&r, "pixel.unlisted-tracker.test").expect("listed host reported");
    assert_eq!(t["source"], "list:easyprivacy");
    assert_eq!(t["sources"], serde_json::json!(["list:easyprivacy"]));
    assert_eq!(t["rule"], "listed as tracking by list:easyprivacy");
    assert_eq!(t["category"], "filter_list");
    assert_eq!(t["company"], "");
    // A list match alone is not an accusation.
    assert_eq!(t["consent_required"], false);
    let before = &r["sites"][0]["facts"]["before"];
    assert_eq!(before["tracker_count"], 0);
    let ids = common::finding_ids(&r);
    assert!(!ids.contains(&"C102".to_string()), "{ids:?}");
    assert_eq!(
        provenance_lists(&r),
        [("list:easyprivacy".into(), "202612040900".into(), 2)]
    );

    // --no-lists: the same host is only a third-party host.
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--lists-dir", lists_dir, "--no-lists"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(
        r["sites"][0]["facts"]["before"]["trackers"],
        serde_json::json!([])
    );
    assert_eq!(provenance_lists(&r), []);
}

#[test]
fn a_host_listed_by_several_sources_names_them_all() {
    let dir = installed(&[
        ("tracker-radar", "tracker-radar.json"),
        ("easyprivacy", "easyprivacy.txt"),
    ]);
    let lists_dir = dir.path().to_str().unwrap();
    // Known to the built-in knowledge and to both lists.
    let (out, report) = scan(&web().url("www.site-fr.test"), &["--lists-dir", lists_dir]);
    assert!(out.status.code().is_some(), "{}", stderr(&out));
    let r = report.unwrap();
    let t = tracker(&r, "www.google-analytics.com").expect("GA reported");
    assert_eq!(t["source"], "builtin");
    assert_eq!(t["company"], "Google");
    assert_eq!(
        t["sources"],
        serde_json::json!(["builtin", "list:easyprivacy", "list:tracker-radar"])
    );
    let sha = barometer::lists::store::sha256_hex(&fixture("tracker-radar.json"));
    assert_eq!(
        provenance_lists(&r),
        [
            ("list:easyprivacy".into(), "202612040900".into(), 2),
            (
                "list:tracker-radar".into(),
                format!("sha256:{}", &sha[..12]),
                4
            )
        ]
    );
    // Known to both lists only: the company from the list that names one,
    // and how each list classes it.
    let (_, report) = scan(
        &web().url("www.no-policy.test"),
        &["--lists-dir", lists_dir],
    );
    let r = report.unwrap();
    let t = tracker(&r, "pixel.unlisted-tracker.test").unwrap();
    assert_eq!(t["company"], "Pixel Works");
    assert_eq!(t["source"], "list:easyprivacy");
    assert_eq!(
        t["rule"],
        "listed as tracking by list:easyprivacy, advertising by list:tracker-radar"
    );
    assert_eq!(t["consent_required"], false);
}

#[test]
fn a_host_a_list_names_but_not_as_tracking_is_not_a_tracker() {
    // Disconnect lists the pixel host under Content (embedded content).
    let dir = installed(&[("disconnect", "disconnect.json")]);
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--lists-dir", dir.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report.unwrap();
    assert_eq!(
        r["sites"][0]["facts"]["before"]["trackers"],
        serde_json::json!([])
    );
    // It was consulted all the same.
    assert_eq!(
        provenance_lists(&r),
        [("list:disconnect".into(), "fixture-7".into(), 2)]
    );
}

#[test]
fn a_list_changed_after_its_fetch_is_not_used() {
    let dir = installed(&[("easyprivacy", "easyprivacy.txt")]);
    std::fs::write(
        dir.path().join("easyprivacy.txt"),
        "||unlisted-tracker.test^\n||other.test^\n",
    )
    .unwrap();
    let (out, report) = scan(
        &web().url("www.no-policy.test"),
        &["--lists-dir", dir.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("installed list easyprivacy is not used")
            && stderr(&out).contains("checksum"),
        "{}",
        stderr(&out)
    );
    let r = report.unwrap();
    assert!(tracker(&r, "pixel.unlisted-tracker.test").is_none());
    assert_eq!(provenance_lists(&r), []);
}

#[test]
fn coverage_prints_the_share_the_builtin_knowledge_knows() {
    let dir = installed(&[("easyprivacy", "easyprivacy.txt")]);
    let file = format!("{FIXTURES}/tracker-radar.json");
    let out = lists_cmd(dir.path(), &["lists", "coverage", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    // google-analytics.com and doubleclick.net are known with Google;
    // prevalence 0.5 + 0.3 of 1.0.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{file} (tracker-radar): 4 domains\n\
             known to the built-in knowledge: 2 of 4 (50.0%)\n\
             known with their company: 2 of 4 (50.0%)\n\
             weighted by prevalence, known with their company: 80.0%\n"
        )
    );
    let out = lists_cmd(dir.path(), &["lists", "coverage", &file, "--top", "3"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{file} (tracker-radar), top 3 by prevalence: 3 domains\n\
             known to the built-in knowledge: 2 of 3 (66.7%)\n\
             known with their company: 2 of 3 (66.7%)\n\
             weighted by prevalence, known with their company: 84.2%\n"
        )
    );
    // An installed list, by name (no prevalence in adblock lists).
    let out = lists_cmd(dir.path(), &["lists", "coverage", "easyprivacy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "list:easyprivacy 202612040900: 2 domains\n\
         known to the built-in knowledge: 1 of 2 (50.0%)\n\
         known with their company: 1 of 2 (50.0%)\n"
    );
    let out = lists_cmd(dir.path(), &["lists", "coverage", "disconnect"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("neither a file nor an installed list"));
}
