//! Control characters from site text reach no output. The site
//! `www.control-chars.test` puts ESC, BEL, SOH and C1 controls (as HTML
//! character references) in its page title, banner text, button labels and
//! a pre-ticked opt-in label; every format of `scan` and `check` must carry
//! the text without them, JUnit must be XML 1.0 a real parser accepts, and
//! the characters around them (accents, `…`, `€`, guillemets) must stay.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{stderr, web};
use serde_json::Value;

const HOST: &str = "www.control-chars.test";

/// The opt-in label as the page shows it, controls removed. `&#133;` is
/// not a control: HTML maps it to `…`.
const OPTIN: &str = "J'accepte[2J de recevoir les offres de nos partenaires…";

/// C0 controls other than tab and line feed, DEL, C1 controls.
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
}

fn controls(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| is_control(*c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

/// Every string of a JSON value, object keys included.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                strings(x, out);
            }
        }
        _ => {}
    }
}

fn assert_clean_json(format: &str, text: &str) -> Value {
    let json: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{format}: not JSON: {e}"));
    let mut all = Vec::new();
    strings(&json, &mut all);
    let bad: Vec<&String> = all.iter().filter(|s| s.chars().any(is_control)).collect();
    assert!(bad.is_empty(), "{format}: strings with controls: {bad:?}");
    json
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barometer"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run barometer")
}

fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("output is UTF-8")
}

#[test]
fn site_reports_carry_no_control_characters_in_any_format() {
    let url = web().url(HOST);
    let dir = tempfile::tempdir().unwrap();
    let scan = |format: &str| {
        let out = run(
            dir.path(),
            &[
                "scan",
                &url,
                "--engine",
                "http",
                "--resolve",
                "*:127.0.0.1",
                "--insecure",
                "--timeout",
                "10",
                "--format",
                format,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        text(&out)
    };

    let json = assert_clean_json("json", &scan("json"));
    let site = &json["sites"][0];
    // The text is kept, only the controls are gone.
    let title = site["evidence"]["visits"][0]["pages"][0]["title"]
        .as_str()
        .unwrap();
    assert!(title.starts_with("Boutique[2J du jardin"), "{title:?}");
    assert!(title.ends_with("café €"), "{title:?}");
    let banner = &site["facts"]["banner"];
    assert_eq!(
        banner["accept_labels"],
        serde_json::json!(["Tout accepter]0;pwned"])
    );
    // `Tout<BEL>refuser`: the words stay apart, and the refusal is found.
    assert_eq!(banner["reject_labels"], serde_json::json!(["Tout refuser"]));
    assert_eq!(banner["first_level_reject"], true);
    let forms = site["facts"]["forms"].as_array().unwrap();
    assert_eq!(forms[0]["preticked_optins"], serde_json::json!([OPTIN]));
    assert_eq!(forms[0]["fields"][0]["label"], "Adresse e-mail[8m");
    let mut all = Vec::new();
    strings(site, &mut all);
    assert!(
        all.iter()
            .any(|s| s.contains("publicité personnalisée. « Détails » …")),
        "banner text"
    );
    // The rules judge the text as before: the opt-in is still found.
    let mut ids: Vec<&str> = site["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["F603", "N701", "N702"]);
    let f603 = &site["findings"][0];
    assert_eq!(f603["rule_id"], "F603");
    assert!(f603["message"].as_str().unwrap().contains(OPTIN), "{f603}");

    // Each format escapes for its own syntax, and no control is left.
    for (format, label) in [
        ("text", "J'accepte[2J de recevoir les offres"),
        ("md", "J'accepte\\[2J de recevoir les offres"),
        ("html", "J&#x27;accepte[2J de recevoir les offres"),
    ] {
        let out = scan(format);
        assert_eq!(controls(&out), Vec::<String>::new(), "{format}:\n{out}");
        assert!(out.contains(label), "{format}:\n{out}");
    }
}

#[test]
fn check_outputs_carry_no_control_characters_and_junit_is_xml() {
    let url = web().url(HOST);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("barometer.toml"),
        format!(
            "[check]\nurls = [\"{url}\"]\nengine = \"http\"\n\n[assertions]\nrule.F603 = \"error\"\nrule.N702 = \"warn\"\n"
        ),
    )
    .unwrap();
    let check = |format: &str| {
        let out = run(
            dir.path(),
            &[
                "check",
                "--resolve",
                "*:127.0.0.1",
                "--insecure",
                "--no-baseline",
                "--report-lang",
                "en",
                "--format",
                format,
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let out = text(&out);
        assert_eq!(controls(&out), Vec::<String>::new(), "{format}:\n{out}");
        out
    };

    // JUnit: XML 1.0, read by a parser that refuses characters XML forbids.
    let xml = check("junit");
    assert!(
        roxmltree::Document::parse("<a>\x1b</a>").is_err(),
        "the parser must refuse what XML 1.0 forbids"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1, "{xml}");
    let message = failures[0].attribute("message").unwrap();
    assert!(message.contains(OPTIN), "{message}");
    assert_eq!(failures[0].text(), Some(message));
    let case = failures[0].parent().unwrap();
    assert_eq!(case.attribute("name"), Some("rule.F603: F603"));
    let out = doc
        .descendants()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        out.starts_with(
            "warning: rule N702 (The privacy notice gives no way to exercise one's rights)"
        ),
        "{out}"
    );

    // GitHub annotations: one command per line, the label kept.
    let github = check("github");
    let lines: Vec<&str> = github.lines().collect();
    assert_eq!(lines.len(), 2, "{github}");
    assert!(lines.iter().all(|l| l.starts_with("::")), "{github}");
    assert!(
        lines[0].starts_with("::error title=rule.F603::") && lines[0].contains(OPTIN),
        "{github}"
    );

    let sarif = assert_clean_json("sarif", &check("sarif"));
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["message"]["text"].as_str().unwrap().contains(OPTIN)));
    let json = assert_clean_json("json", &check("json"));
    assert_eq!(json["verdict"], "failed");
    for format in ["text", "md"] {
        let out = check(format);
        assert!(
            out.contains("[2J de recevoir les offres"),
            "{format}:\n{out}"
        );
    }
}

/// A campaign stores the evidence cleaned; judged again by `report`, it
/// gives the findings of the scan. The CSV guard sees a formula behind a
/// control character.
#[test]
fn campaign_reports_are_clean_and_judge_stored_evidence_alike() {
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.csv");
    std::fs::write(
        &sites,
        format!(
            "url,name,category\n{},\"\x1b=HYPERLINK(\"\"https://evil.test\"\")\",shop\n{},\"\x07-1.5\",shop\n",
            web().url(HOST),
            web().url("www.forms.test"),
        ),
    )
    .unwrap();
    let db = dir.path().join("c.sqlite");
    let out = run(
        dir.path(),
        &[
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
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out_dir = dir.path().join("out");
    let out = run(
        dir.path(),
        &[
            "report",
            "--db",
            db.to_str().unwrap(),
            "-f",
            "html,md,csv,json",
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let json = std::fs::read_to_string(out_dir.join("barometer.json")).unwrap();
    let json = assert_clean_json("barometer.json", &json);
    let row = json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["url"] == web().url(HOST))
        .unwrap();
    let mut ids: Vec<&str> = row["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["F603", "N701", "N702"], "{row}");

    let csv = std::fs::read_to_string(out_dir.join("sites.csv")).unwrap();
    assert_eq!(controls(&csv), Vec::<String>::new(), "{csv}");
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"https://evil.test\"\")\","),
        "{csv}"
    );
    // Near miss: a number behind a control character stays a number.
    assert!(csv.contains(",-1.5,shop,"), "{csv}");
    for file in ["index.html", "barometer.md"] {
        let text = std::fs::read_to_string(out_dir.join(file)).unwrap();
        assert_eq!(controls(&text), Vec::<String>::new(), "{file}");
    }
    let pages: Vec<_> = std::fs::read_dir(out_dir.join("sites"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        assert_eq!(controls(&text), Vec::<String>::new(), "{}", page.display());
    }
}
