//! Campaigns end to end: `run` into SQLite, resume, interrupt, SIGKILL,
//! shards and `merge`, then `report` in every format, with `--compare` and
//! re-judging under new rules. All on the local test web (http engine).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use barometer::store::{Counts, Store};
use common::{barometer, stderr, web};
use serde_json::Value;

/// `barometer run SITES --db DB` on the test web, plus `extra`.
fn run(sites: &Path, db: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        sites.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    barometer(&args)
}

fn counts(db: &Path, name: Option<&str>) -> Counts {
    let store = Store::open_existing(db).unwrap();
    let c = store.campaign(name).unwrap();
    store.counts(c.id).unwrap()
}

/// `barometer report --db DB -f json -o DIR` and the parsed JSON.
fn report_json(db: &Path, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "report",
        "--db",
        db.to_str().unwrap(),
        "-f",
        "json",
        "-o",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = barometer(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&std::fs::read_to_string(dir.join("barometer.json")).unwrap()).unwrap()
}

fn indicator<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
}

fn count_total(report: &Value, id: &str) -> (u64, u64) {
    let v = &indicator(report, id)["value"];
    (v["count"].as_u64().unwrap(), v["total"].as_u64().unwrap())
}

/// Three test sites, one bad line, one unreachable site.
fn sites_file(dir: &Path) -> PathBuf {
    let w = web();
    let path = dir.join("top.txt");
    std::fs::write(
        &path,
        format!(
            "# three sites of the test web\n{}\n{}\n\nftp://not-a-site\n{} # inline comment\nhttps://www.gone.test:1/\n",
            w.url("www.site-fr.test"),
            w.url("www.no-banner.test"),
            w.url("www.site-en.test"),
        ),
    )
    .unwrap();
    path
}

#[test]
fn run_report_resume_and_retry() {
    let dir = tempfile::tempdir().unwrap();
    let sites = sites_file(dir.path());
    let db = dir.path().join("c.sqlite");
    let out = run(&sites, &db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("top.txt:5: skipped: unsupported scheme ftp"),
        "{err}"
    );
    assert!(err.contains("www.gone.test:1/: not audited"), "{err}");
    assert_eq!(
        counts(&db, Some("top")),
        Counts {
            pending: 0,
            done: 3,
            failed: 1
        }
    );

    // The barometer: exact shares, unreachable sites out of denominators.
    let r = report_json(&db, &dir.path().join("r"), &[]);
    assert_eq!(r["campaign"]["name"], "top");
    assert_eq!(r["counts"]["listed"], 4);
    assert_eq!(r["counts"]["audited"], 3);
    assert_eq!(r["counts"]["unreachable"], 1);
    assert_eq!(r["counts"]["skipped_lines"], 1);
    assert_eq!(r["skipped"][0]["line"], 5);
    assert_eq!(r["unreachable"][0]["url"], "https://www.gone.test:1/");
    // site-fr and site-en show a banner the http engine can read; the
    // no-banner site's absence cannot be told without JavaScript.
    assert_eq!(count_total(&r, "banner"), (2, 2));
    assert_eq!(count_total(&r, "reject_first_layer"), (1, 2));
    assert_eq!(count_total(&r, "tracking_before_choice"), (2, 3));
    assert_eq!(count_total(&r, "cookies_over_13_months"), (1, 3));
    assert!(indicator(&r, "tracking_after_reject")["value"].is_null());
    let v = &indicator(&r, "reject_first_layer")["value"];
    assert!((v["percent"].as_f64().unwrap() - 50.0).abs() < 1e-9);
    assert!(v["low"].as_f64().unwrap() < 10.0 && v["high"].as_f64().unwrap() > 90.0);
    // Reference figures sit beside the indicator.
    let refs = indicator(&r, "reject_first_layer")["references"]
        .as_array()
        .unwrap();
    assert!(refs.iter().any(|x| x["value"] == 3.0 && x["year"] == 2020));
    // Ranking: best score first, positions 1..3.
    let ranking = r["ranking"].as_array().unwrap();
    let scores: Vec<u64> = ranking
        .iter()
        .map(|s| s["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(ranking[0]["position"], 1);
    let companies: Vec<(&str, u64)> = r["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["sites"]["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(companies, vec![("Meta", 2), ("Google", 1)]);

    // Re-running the same command audits nothing; --retry-failed retries
    // only the unreachable site.
    let again = run(&sites, &db, &[]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("nothing left to audit"),
        "{}",
        stderr(&again)
    );
    let retry = run(&sites, &db, &["--retry-failed"]);
    assert!(retry.status.success());
    assert!(
        stderr(&retry).contains("1 of 4 sites to audit"),
        "{}",
        stderr(&retry)
    );
    assert_eq!(counts(&db, Some("top")).failed, 1);
}

#[test]
fn every_format_and_site_reports() {
    let dir = tempfile::tempdir().unwrap();
    let sites = sites_file(dir.path());
    let db = dir.path().join("c.sqlite");
    assert!(run(&sites, &db, &["--quiet"]).status.success());
    let out_dir = dir.path().join("out");
    let out = barometer(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "-f",
        "html,md,csv,json",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // CSV: a header and one row per listed site (the unreachable one
    // with its status), same width everywhere; its column guide beside it.
    let csv = std::fs::read_to_string(out_dir.join("sites.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[0].starts_with("rank,rank_shared,status,not_audited_reason,url,"),
        "{}",
        lines[0]
    );
    assert!(csv.contains(&web().url("www.site-fr.test")));
    assert!(
        lines[4].starts_with(",,not_audited,") && lines[4].contains("https://www.gone.test:1/"),
        "{}",
        lines[4]
    );
    assert!(lines[1..4].iter().all(|l| l.contains(",audited,")), "{csv}");
    let guide = std::fs::read_to_string(out_dir.join("sites.csv.md")).unwrap();
    for header in lines[0].split(',') {
        assert!(guide.contains(&format!("| `{header}` |")), "{header}");
    }
    // HTML: self-contained, with charts, linking each site's own report.
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(html.contains("<svg"), "no chart");
    assert!(
        !html.contains("<script"),
        "the barometer needs no JavaScript"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("barometer.json")).unwrap())
            .unwrap();
    for row in json["ranking"].as_array().unwrap() {
        let link = row["report"].as_str().unwrap();
        assert!(html.contains(link), "{link} not linked");
        let page = std::fs::read_to_string(out_dir.join(link)).unwrap();
        assert!(page.contains(row["url"].as_str().unwrap()));
    }
    let md = std::fs::read_to_string(out_dir.join("barometer.md")).unwrap();
    assert!(md.contains("| "), "markdown tables expected");
}

#[test]
fn csv_input_categories_compare_and_new_rules() {
    let dir = tempfile::tempdir().unwrap();
    let w = web();
    let db = dir.path().join("c.sqlite");
    let last_year = dir.path().join("2025.csv");
    std::fs::write(
        &last_year,
        format!(
            "url,name,category\n{},Site FR,news\n{},\"No banner, Inc.\",shop\n",
            w.url("www.site-fr.test"),
            w.url("www.no-banner.test")
        ),
    )
    .unwrap();
    let this_year = dir.path().join("2026.csv");
    std::fs::write(
        &this_year,
        format!(
            "category;url;rank\nnews;{};1\nnews;{};2\n",
            w.url("www.site-fr.test"),
            w.url("www.site-en.test")
        ),
    )
    .unwrap();
    assert!(run(&last_year, &db, &["-q"]).status.success());
    assert!(run(&this_year, &db, &["-q"]).status.success());
    // Two campaigns in one file: the name is then required.
    let out = barometer(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "-o",
        "/tmp/unused-x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("several campaigns (2025, 2026)"),
        "{}",
        stderr(&out)
    );

    let spec = format!("{}:2025", db.display());
    let r = report_json(
        &db,
        &dir.path().join("r"),
        &["--campaign", "2026", "--compare", &spec],
    );
    assert_eq!(r["categories"][0]["category"], "news");
    assert_eq!(r["categories"][0]["sites"], 2);
    let ranked: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["input_rank"].as_u64().map_or("", |_| "ranked"))
        .collect();
    assert_eq!(ranked, vec!["ranked", "ranked"]);
    let cmp = &r["comparison"];
    assert_eq!(cmp["name"], "2025");
    assert_eq!(cmp["common_sites"], 1); // site-fr is in both
                                        // 2025: 2 of 2 sites track before any choice; 2026: 1 of 2.
    let change = &indicator(&r, "tracking_before_choice")["change"];
    assert_eq!(change["before"]["count"], 2);
    assert!(
        (change["points"].as_f64().unwrap() + 50.0).abs() < 1e-9,
        "{change}"
    );

    // A rule added after the crawl applies to the stored evidence.
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("X900-any-third-party-host.toml"),
        r#"id = "X900"
title = "Any third-party host before choice"
severity = "low"
confidence = "high"
jurisdictions = ["eu"]
requires = ["before"]
condition = 'before.third_party_host_count > 0'
message = "Third-party hosts contacted."
remediation = "None."
rationale = "A rule written after the crawl."

[[references]]
instrument = "GDPR (Regulation (EU) 2016/679)"
article = "art. 5(1)(c)"
"#,
    )
    .unwrap();
    let r = report_json(
        &db,
        &dir.path().join("r2"),
        &["--campaign", "2026", "--rules", rules.to_str().unwrap()],
    );
    let flagged: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "X900")
        })
        .map(|s| s["url"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, vec![w.url("www.site-fr.test").as_str()]);
}

#[test]
fn shards_cover_the_list_once_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("many.txt");
    let list: String = (1..=12)
        .map(|i| format!("{}\n", web().url(&format!("s{i}.many.test"))))
        .collect();
    std::fs::write(&sites, list).unwrap();
    let mut dbs = Vec::new();
    let mut seen = 0;
    for k in 1..=3 {
        let db = dir.path().join(format!("shard{k}.sqlite"));
        let shard = format!("{k}/3");
        let out = run(&sites, &db, &["--shard", &shard, "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
        // A shard may hold no site of so short a list (the hash of URLs
        // with the test web's port decides); together they hold all.
        let c = counts(&db, None);
        assert_eq!(c.failed + c.pending, 0);
        seen += c.done;
        dbs.push(db);
    }
    assert_eq!(seen, 12, "each site in exactly one shard");
    let all = dir.path().join("all.sqlite");
    let mut args = vec!["merge"];
    args.extend(dbs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["-o", all.to_str().unwrap()]);
    let out = barometer(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("12 site results written"),
        "{}",
        stderr(&out)
    );
    let c = counts(&all, Some("many"));
    assert_eq!(c.done, 12);
    let r = report_json(&all, &dir.path().join("r"), &[]);
    assert_eq!(count_total(&r, "reject_first_layer"), (12, 12));
}

/// The sites list of the interruption tests: four quick sites and two that
/// hang for a minute.
fn slow_list(dir: &Path) -> PathBuf {
    let w = web();
    let path = dir.join("slow.txt");
    let mut list: String = (1..=4)
        .map(|i| format!("{}\n", w.url(&format!("q{i}.many.test"))))
        .collect();
    list.push_str(&format!("{}\n", w.url("www.slow.test")));
    list.push_str(&format!("{}?again\n", w.url("www.slow.test")));
    std::fs::write(&path, list).unwrap();
    path
}

fn spawn_run(sites: &Path, db: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args([
            "run",
            sites.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--engine",
            "http",
            "--resolve",
            "*:127.0.0.1",
            "--insecure",
            "--timeout",
            "120",
            "--concurrency",
            "6",
            "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait until the four quick sites are stored.
fn wait_for_quick_sites(db: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if db.exists() {
            if let Ok(store) = Store::open_existing(db) {
                if let Ok(c) = store.campaign(None) {
                    if store.counts(c.id).map(|n| n.done).unwrap_or(0) == 4 {
                        return;
                    }
                }
            }
        }
        assert!(Instant::now() < deadline, "the quick sites never completed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigkill_loses_only_the_sites_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let sites = slow_list(dir.path());
    let db = dir.path().join("c.sqlite");
    let mut child = spawn_run(&sites, &db);
    wait_for_quick_sites(&db);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The file is consistent and holds every completed site.
    assert_eq!(
        counts(&db, None),
        Counts {
            pending: 2,
            done: 4,
            failed: 0
        }
    );
    // Resuming audits only the two hanging sites; a site deadline turns
    // them into failures instead of stalling the campaign.
    let started = Instant::now();
    let out = run(&sites, &db, &["--site-timeout", "2", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        stderr(&out).contains("took longer than 2 s"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        counts(&db, None),
        Counts {
            pending: 0,
            done: 4,
            failed: 2
        }
    );
}

#[test]
fn ctrl_c_keeps_completed_sites() {
    let dir = tempfile::tempdir().unwrap();
    let sites = slow_list(dir.path());
    let db = dir.path().join("c.sqlite");
    let child = spawn_run(&sites, &db);
    wait_for_quick_sites(&db);
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("interrupted; 4 sites saved in this run, 2 left pending"),
        "{err}"
    );
    assert_eq!(counts(&db, None).pending, 2);
    // Resuming finishes the list: nothing lost, nothing audited twice.
    let out = run(&sites, &db, &["--site-timeout", "1", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        counts(&db, None),
        Counts {
            pending: 0,
            done: 4,
            failed: 2
        }
    );
    let store = Store::open_existing(&db).unwrap();
    let c = store.campaign(None).unwrap();
    let mut attempts = Vec::new();
    store
        .for_each_site(c.id, |s| {
            attempts.push(s.attempts);
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts, vec![1; 6], "each site audited once");
}

#[test]
fn bad_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let missing = dir.path().join("missing.txt");
    let out = run(&missing, &db, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.txt"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    let sites = sites_file(dir.path());
    let out = run(&sites, &db, &["--shard", "4/3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("4/3"), "{}", stderr(&out));

    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, "not a database, only some words in a file").unwrap();
    let out = run(&sites, &junk, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a barometer database"),
        "{}",
        stderr(&out)
    );
    let out = barometer(&[
        "report",
        "--db",
        junk.to_str().unwrap(),
        "-o",
        "/tmp/unused-y",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = barometer(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "-o",
        "/tmp/unused-z",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no campaign database at"),
        "{}",
        stderr(&out)
    );

    // Standard input works as a sites list.
    let mut child = Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args([
            "run",
            "-",
            "--db",
            db.to_str().unwrap(),
            "--engine",
            "http",
            "--resolve",
            "*:127.0.0.1",
            "--insecure",
            "-q",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", web().url("www.site-en.test")).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counts(&db, Some("stdin")).done, 1);
}

/// 30 sites of three known kinds, 10 each (any host of a `_.` folder of the
/// test web serves that folder):
/// - many.test: banner with "Tout refuser", a Meta pixel before any choice;
/// - clean.test: banner with "Tout refuser", nothing else;
/// - noreject.test: banner without reject, a two-year `_ga` cookie and a
///   Google Analytics hit before any choice.
#[test]
fn thirty_sites_give_exact_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let w = web();
    let mut list = String::from("# 30 sites, and garbage lines\n");
    for i in 0..10 {
        for family in ["many", "clean", "noreject"] {
            list.push_str(&format!("{}\n", w.url(&format!("site{i}.{family}.test"))));
        }
    }
    list.push_str("not a url at all\nhttps://\n\u{1}\u{2}binary\u{7f}\njavascript:alert(1)\n");
    list.push_str(&format!("{}\n", w.url("site0.many.test"))); // a duplicate
    let sites = dir.path().join("thirty.txt");
    std::fs::write(&sites, list).unwrap();
    let db = dir.path().join("c.sqlite");
    let out = run(&sites, &db, &["-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for line in [32, 33, 34, 35, 36] {
        assert!(
            stderr(&out).contains(&format!("thirty.txt:{line}: skipped")),
            "line {line}: {}",
            stderr(&out)
        );
    }
    let r = report_json(&db, &dir.path().join("r"), &[]);
    assert_eq!(r["counts"]["audited"], 30);
    assert_eq!(r["counts"]["skipped_lines"], 5);
    assert_eq!(count_total(&r, "banner"), (30, 30));
    assert_eq!(count_total(&r, "reject_first_layer"), (20, 30));
    assert_eq!(count_total(&r, "tracking_before_choice"), (20, 30));
    assert_eq!(count_total(&r, "cookies_over_13_months"), (10, 30));
    assert_eq!(count_total(&r, "minimally_compliant"), (10, 30));
    // Meta and Google Analytics are not retargeting companies.
    assert_eq!(count_total(&r, "retargeting_before_choice"), (0, 30));
    // Weight and footprint: every site's bytes were measured.
    assert_eq!(r["footprint"]["sites"], 30);
    assert!(r["footprint"]["co2e_grams"].as_f64().unwrap() > 0.0);
    let weight = r["spreads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "page_weight_kb")
        .unwrap();
    assert_eq!(weight["distribution"]["n"], 30);
    let share = r["spreads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "third_party_byte_share")
        .unwrap();
    // Clean and no-reject sites send nothing to third parties; many.test's
    // Meta pixel is a share of its bytes.
    assert_eq!(share["distribution"]["n"], 30);
    assert_eq!(share["distribution"]["min"], 0.0);
    assert!(share["distribution"]["max"].as_f64().unwrap() > 0.0);
    let v = &indicator(&r, "reject_first_layer")["value"];
    // 20/30 = 66.7%, Wilson 95% interval [48.8%, 80.8%].
    assert!((v["low"].as_f64().unwrap() - 48.78).abs() < 0.05, "{v}");
    assert!((v["high"].as_f64().unwrap() - 80.77).abs() < 0.05, "{v}");
    let companies: Vec<(&str, u64)> = r["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["sites"]["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(companies, vec![("Google", 10), ("Meta", 10)]);
    // Clean sites rank first.
    assert!(r["ranking"][0]["url"]
        .as_str()
        .unwrap()
        .contains(".clean.test"));
}

#[test]
fn sharded_and_merged_equals_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let w = web();
    let list: String = (0..8)
        .flat_map(|i| {
            ["many", "clean", "noreject"].map(|f| format!("{}\n", w.url(&format!("m{i}.{f}.test"))))
        })
        .collect();
    let sites = dir.path().join("list.txt");
    std::fs::write(&sites, list).unwrap();
    let single = dir.path().join("single.sqlite");
    assert!(run(&sites, &single, &["-q"]).status.success());
    let mut args = vec!["merge".to_string()];
    for k in 1..=4 {
        let db = dir.path().join(format!("s{k}.sqlite"));
        assert!(run(&sites, &db, &["--shard", &format!("{k}/4"), "-q"])
            .status
            .success());
        args.push(db.display().to_string());
    }
    let merged = dir.path().join("merged.sqlite");
    args.extend(["-o".to_string(), merged.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(barometer(&args).status.success());
    let a = report_json(&single, &dir.path().join("a"), &[]);
    let b = report_json(&merged, &dir.path().join("b"), &[]);
    let strip = |r: &Value| -> Vec<(String, Value)> {
        r["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_string(), i["value"].clone()))
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    let urls = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{} {}", s["url"], s["score"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(urls(&a), urls(&b));
    assert_eq!(a["counts"]["audited"], 24);
}

#[test]
fn report_of_a_campaign_with_no_audited_site() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("gone.txt");
    std::fs::write(
        &sites,
        "https://www.gone.test:1/\nhttps://www.gone-too.test:1/\n",
    )
    .unwrap();
    let db = dir.path().join("c.sqlite");
    assert!(run(&sites, &db, &["-q"]).status.success());
    let out_dir = dir.path().join("out");
    let out = barometer(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "-f",
        "html,md,csv,json",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("barometer.json")).unwrap())
            .unwrap();
    assert_eq!(r["counts"]["audited"], 0);
    assert_eq!(r["counts"]["unreachable"], 2);
    assert!(r["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["value"].is_null()));
    let csv = std::fs::read_to_string(out_dir.join("sites.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "header and the two sites: {csv}");
    assert!(
        csv.lines().skip(1).all(|l| l.starts_with(",,not_audited,")),
        "{csv}"
    );
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(
        html.contains("www.gone.test"),
        "unreachable sites are listed"
    );
}

/// A home page answering 404 or 503 is not the site: listed with the
/// unreachable sites, its status said, out of the ranking and of every
/// denominator; a broken inner page is not (the near miss).
#[test]
fn error_home_pages_are_listed_not_ranked() {
    let dir = tempfile::tempdir().unwrap();
    let w = web();
    let sites = dir.path().join("errors.txt");
    std::fs::write(
        &sites,
        format!(
            "{}\n{}\n{}\n",
            w.url("www.home-404.test"),
            w.url("www.home-503.test"),
            w.url("www.page-404.test"),
        ),
    )
    .unwrap();
    let db = dir.path().join("c.sqlite");
    let out = run(&sites, &db, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("www.home-404.test") && err.contains("home page answered HTTP 404"),
        "{err}"
    );
    let out_dir = dir.path().join("r");
    let r = report_json(&db, &out_dir, &[]);
    assert_eq!(r["counts"]["audited"], 1);
    assert_eq!(r["counts"]["unreachable"], 2);
    let ranked: Vec<&str> = r["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].as_str().unwrap())
        .collect();
    assert_eq!(ranked, [w.url("www.page-404.test")]);
    let unreachable: Vec<(&str, &str)> = r["unreachable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["url"].as_str().unwrap(), u["error"].as_str().unwrap()))
        .collect();
    assert_eq!(unreachable.len(), 2);
    assert!(
        unreachable[0]
            .1
            .contains("the home page answered HTTP 404 (Not Found): an error page"),
        "{unreachable:?}"
    );
    assert!(unreachable[1].1.contains("HTTP 503"), "{unreachable:?}");
    // The same reasons in a French barometer.
    let r = report_json(&db, &dir.path().join("r-fr"), &["--report-lang", "fr"]);
    let first = r["unreachable"][0]["error"].as_str().unwrap();
    assert!(
        first.contains("la page d’accueil a répondu HTTP 404 (Not Found) : une page d’erreur"),
        "{first}"
    );
    // Only the audited site is in the denominators (it tracks before any
    // choice).
    assert_eq!(count_total(&r, "tracking_before_choice"), (1, 1));
}

/// `report` judges a campaign as its run did: a `run --profile uk`
/// campaign of the French site is reported under the UK profile, where the
/// CNIL's 13-month rule (C104) does not apply, with no `--profile` given
/// again. `--profile fr` on the command line overrides the record and says
/// so in one line; the campaign run under `fr` is reported under `fr`.
#[test]
fn report_judges_with_the_profile_the_campaign_ran_with() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("fr.txt");
    std::fs::write(&sites, format!("{}\n", web().url("www.site-fr.test"))).unwrap();
    let findings = |r: &Value| -> Vec<String> {
        let row = &r["ranking"][0];
        row["findings"]
            .as_array()
            .unwrap()
            .iter()
            .chain(row["findings_to_review"].as_array().unwrap())
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    };
    let has_c104 = |r: &Value| findings(r).iter().any(|f| f.starts_with("C104"));
    let uk = dir.path().join("uk.sqlite");
    let out = run(&sites, &uk, &["--profile", "uk"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out_dir = dir.path().join("uk");
    let report = |db: &Path, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--db",
            db.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = barometer(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("barometer.json")).unwrap())
                .unwrap();
        (json, stderr(&out))
    };
    let (r, err) = report(&uk, &[]);
    assert_eq!(r["counts"]["audited"], 1);
    assert!(!has_c104(&r), "{:?}", findings(&r));
    assert!(!err.contains("overrides"), "{err}");
    // The command line wins, and says what it overrides.
    let (r, err) = report(&uk, &["--profile", "fr"]);
    assert!(has_c104(&r), "{:?}", findings(&r));
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("overrides")).collect();
    assert_eq!(
        notes,
        ["note: --profile fr overrides the campaign's profile (uk)"]
    );
    // The same option as the record is no override.
    let (_, err) = report(&uk, &["--profile", "uk"]);
    assert!(!err.contains("overrides"), "{err}");
    // Run under fr, reported under fr.
    let fr = dir.path().join("fr.sqlite");
    let out = run(&sites, &fr, &["--profile", "fr"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (r, _) = report(&fr, &[]);
    assert!(has_c104(&r), "{:?}", findings(&r));
}

/// `[text]` of a report catalogue.
fn catalogue(lang: &str) -> toml::Table {
    let path = format!("{}/reports/i18n/{lang}.toml", env!("CARGO_MANIFEST_DIR"));
    let v: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["text"].as_table().unwrap().clone()
}

/// A campaign run under the fr profile is reported in French (index,
/// Markdown, method, indicator names and the site pages) without being
/// asked; `report --report-lang en` writes it in English from the same
/// database; a campaign run under uk is in English, and French when asked.
#[test]
fn campaign_reports_speak_the_profiles_language() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("fr.txt");
    std::fs::write(
        &sites,
        format!(
            "{}\n{}\n",
            web().url("www.site-fr.test"),
            web().url("www.no-banner.test")
        ),
    )
    .unwrap();
    let fr = catalogue("fr");
    let en = catalogue("en");
    let t = |c: &toml::Table, key: &str| c[key].as_str().unwrap().to_string();
    let db = dir.path().join("fr.sqlite");
    let out = run(&sites, &db, &["--profile", "fr"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let publish = |name: &str, extra: &[&str]| -> (String, String, String) {
        let out_dir = dir.path().join(name);
        let mut args = vec![
            "report",
            "--db",
            db.to_str().unwrap(),
            "-f",
            "html,md,csv",
            "-o",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = barometer(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
        let site = std::fs::read_dir(out_dir.join("sites"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("site-fr"))
            .expect("site-fr's page");
        (
            read(out_dir.join("index.html")),
            read(out_dir.join("barometer.md")) + &read(out_dir.join("sites.csv.md")),
            read(site),
        )
    };
    let (index, md, site) = publish("fr", &[]);
    assert!(index.contains("<html lang=\"fr\">"), "{index}");
    // Published studies are described in French, the CSV's column guide
    // too (its column names stay as the CSV has them).
    let (study_fr, study_en) = first_study_sample();
    assert!(index.contains(&study_fr), "{study_fr}");
    assert!(!index.contains(&study_en), "{study_en}");
    let guide_fr = csv_catalogue("fr");
    let guide_en = csv_catalogue("en");
    for key in ["title", "rank_scope", "tracking_before_choice_meaning"] {
        let fr = t(&guide_fr, key);
        assert!(md.contains(&fr), "{key}: {fr}");
        assert!(!md.contains(&t(&guide_en, key)), "{key} in English");
    }
    assert!(md.contains("| `rank_shared` |"));
    for key in [
        "c_headline",
        "c_nav_ranking",
        "c_prevalence_h",
        "c_footer",
        "ind_tracking_before_choice_short",
        "method_intervals",
    ] {
        assert!(index.contains(&t(&fr, key)), "{key} missing in index.html");
        assert!(
            !index.contains(&t(&en, key)),
            "{key} in English in index.html"
        );
    }
    let sites_that = t(&fr, "c_sites_that").replace("{0}", &t(&fr, "ind_banner_label"));
    assert!(index.contains(&sites_that), "{sites_that}");
    for key in [
        "c_headline",
        "c_md_definitions",
        "c_nav_method",
        "ind_banner_label",
    ] {
        assert!(
            md.contains(&t(&fr, key)),
            "{key} missing in barometer.md:\n{md}"
        );
    }
    for key in [
        "c_headline",
        "c_md_headline_note",
        "ind_banner_label",
        "method_intervals",
    ] {
        assert!(
            !md.contains(&t(&en, key)),
            "{key} in English in barometer.md"
        );
    }
    // The site's own page, as `scan` writes it under fr.
    let (fr_site, _) = catalogue_site();
    assert!(
        site.contains("<html lang=\"fr\">"),
        "site page not in French"
    );
    assert!(site.contains(&fr_site), "site page not in French");

    // The same database, in English when asked: nothing stored decides.
    let (index, md, site) = publish("en", &["--report-lang", "en"]);
    assert!(index.contains("<html lang=\"en\">"));
    for key in ["c_headline", "c_nav_ranking", "method_intervals"] {
        assert!(index.contains(&t(&en, key)), "{key} missing in English");
        assert!(!index.contains(&t(&fr, key)), "{key} in French");
    }
    assert!(md.contains(&t(&en, "c_md_definitions")) && !md.contains(&t(&fr, "c_md_definitions")));
    assert!(index.contains(&study_en) && !index.contains(&study_fr));
    assert!(md.contains(&t(&guide_en, "title")) && !md.contains(&t(&guide_fr, "title")));
    assert!(site.contains("<html lang=\"en\">") && !site.contains(&fr_site));
}

/// A heading of the French site report (`summary`), as HTML shows it.
fn catalogue_site() -> (String, String) {
    let fr = catalogue("fr");
    let en = catalogue("en");
    (
        format!("<h3>{}</h3>", fr["summary"].as_str().unwrap()),
        format!("<h3>{}</h3>", en["summary"].as_str().unwrap()),
    )
}

/// The `[csv]` texts of a report catalogue (the column guide of sites.csv).
fn csv_catalogue(lang: &str) -> toml::Table {
    let path = format!("{}/reports/i18n/{lang}.toml", env!("CARGO_MANIFEST_DIR"));
    let v: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["csv"].as_table().unwrap().clone()
}

/// The French and English sample of the first published study of
/// rules/references.toml, as HTML shows them.
fn first_study_sample() -> (String, String) {
    let path = format!("{}/rules/references.toml", env!("CARGO_MANIFEST_DIR"));
    let v: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let first = &v["reference"].as_array().unwrap()[0];
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
    };
    (
        html(first["i18n"]["fr"]["sample"].as_str().unwrap()),
        html(first["sample"].as_str().unwrap()),
    )
}
