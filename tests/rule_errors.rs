//! A rule that cannot be evaluated is loud: one warning line per rule on
//! stderr, and an entry in every report format. `barometer rules --check`
//! finds such rules before they run.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// The `[[references]]` blocks of a built-in rule, so that test rules stay
/// valid whatever form references take.
fn references() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/catalogue");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let start = text.find("[[references]]").expect("a references block");
    text[start..].to_string()
}

/// A user rule file `ID.toml` in `dir` with the given condition.
fn rule(dir: &Path, id: &str, condition: &str) -> String {
    let path = dir.join(format!("{id}.toml"));
    std::fs::write(
        &path,
        format!(
            "id = \"{id}\"\ntitle = \"House rule {id}\"\nseverity = \"low\"\njurisdictions = [\"eu\"]\n\
             applies = 'reachable'\ncondition = '{condition}'\nmessage = \"Broken.\"\n\
             remediation = \"Fix it.\"\nrationale = \"House policy.\"\n\n{}",
            references()
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn scan_with(dir: &Path, hosts: &[&str], format: &str) -> std::process::Output {
    let w = web();
    let urls: Vec<String> = hosts.iter().map(|h| w.url(h)).collect();
    let mut args: Vec<&str> = vec!["scan"];
    args.extend(urls.iter().map(String::as_str));
    args.extend_from_slice(&[
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--timeout",
        "10",
        "--format",
        format,
        "--rules",
        dir.to_str().unwrap(),
    ]);
    barometer(&args)
}

fn warnings_about(out: &std::process::Output, id: &str) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("warning: rule ") && l.contains(id))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_misspelt_fact_warns_once_and_shows_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = rule(dir.path(), "X950", "before.trackr_count > 0");
    let hosts = ["www.site-fr.test", "www.clean-forms.test"];
    let out = scan_with(dir.path(), &hosts, "json");
    // The audit ran: exit 0, and the rule is named once for both sites.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = warnings_about(&out, "X950");
    assert_eq!(lines.len(), 1, "{}", stderr(&out));
    assert!(
        lines[0].starts_with(&format!("warning: rule X950 ({file}): ")),
        "{lines:?}"
    );
    assert!(lines[0].contains("trackr_count"), "{lines:?}");
    assert!(lines[0].ends_with("(on 2 sites)"), "{lines:?}");

    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = r["rule_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["rule_id"], "X950");
    assert_eq!(errors[0]["origin"], file.as_str());
    assert_eq!(errors[0]["sites"].as_array().unwrap().len(), 2);
    for site in r["sites"].as_array().unwrap() {
        let line = site["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == "X950")
            .unwrap();
        assert_eq!(line["status"], "error");
        // No finding, nothing off the score.
        assert!(!site["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "X950"));
    }
    // The built-in rules are unaffected.
    assert_eq!(r["rule_errors"].as_array().unwrap().len(), 1);

    for format in ["text", "md", "html"] {
        let out = scan_with(dir.path(), &hosts[..1], format);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // Markdown escapes `_` with a backslash.
        let text = String::from_utf8_lossy(&out.stdout).replace('\\', "");
        assert!(
            text.contains("X950") && text.contains(&file) && text.contains("trackr_count"),
            "{format}: {text}"
        );
        assert_eq!(warnings_about(&out, "X950").len(), 1, "{}", stderr(&out));
    }
}

#[test]
fn a_correct_user_rule_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    rule(dir.path(), "X951", "before.tracker_count > 0");
    let out = scan_with(dir.path(), &["www.site-fr.test"], "json");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning: rule "), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rule_errors"], serde_json::json!([]));
    let ids: Vec<&str> = r["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(ids.contains(&"X951"), "{ids:?}");
}

#[test]
fn ci_formats_carry_rule_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    rule(&rules, "X952", "before.trackr_count > 0");
    let url = web().url("www.clean-forms.test");
    let check = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_barometer"))
            .args([
                "check",
                &url,
                "--engine",
                "http",
                "--resolve",
                "*:127.0.0.1",
                "--insecure",
                "--rules",
                rules.to_str().unwrap(),
                "--format",
                format,
                "--no-baseline",
            ])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(warnings_about(&out, "X952").len(), 1, "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let sarif: Value = serde_json::from_str(&check("sarif")).expect("valid SARIF JSON");
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["descriptor"]["id"], "X952", "{notes}");
    assert_eq!(notes[0]["level"], "error");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("trackr_count"));

    let junit = check("junit");
    assert!(
        junit.contains("errors=\"1\"") && junit.contains("<error message=\"rule X952 ("),
        "{junit}"
    );

    let github = check("github");
    assert!(
        github.lines().any(|l| l
            .starts_with("::warning title=rule could not be evaluated::rule X952 (")
            && l.contains("trackr_count")),
        "{github}"
    );
    let text = check("text");
    assert!(text.contains("rule error rule X952"), "{text}");
    assert!(check("md").contains("rule X952"));
}

#[test]
fn rules_check_lists_every_broken_rule_with_file_and_id() {
    let dir = tempfile::tempdir().unwrap();
    // A typo in a branch no sample reaches: only the static check sees it.
    let typo = rule(dir.path(), "X953", "false && before.trackr_count > 0");
    // Well-formed names, but an operation CEL cannot do: evaluation sees it.
    let eval = rule(dir.path(), "X954", "before.tracker_count > \"many\"");
    // Not CEL at all.
    let syntax = rule(dir.path(), "X955", "before.tracker_count >");
    let out = barometer(&["rules", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("{typo}: rule X953: "))
                && l.contains("trackr_count")
                && l.contains("did you mean `tracker_count`")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("{eval}: rule X954: ")) && l.contains("sample site")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("{syntax} (rule X955)"))),
        "{err}"
    );
    assert!(err.contains("error: 3 problem(s)"), "{err}");
}

#[test]
fn rules_check_accepts_good_rules_and_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    rule(
        dir.path(),
        "X956",
        "before.cookies.exists(c, c.consent_required && c.lifetime_days > 30.0)",
    );
    let out = barometer(&["rules", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ok: 1 rule file(s)"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    // A directory that does not exist is a usage error.
    let out = barometer(&["rules", "--check", "/nonexistent/rules"]);
    assert_eq!(out.status.code(), Some(2));
}
