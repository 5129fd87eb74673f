//! Reports people read: the site report opens with a summary and a table
//! of contents, legal references fold under each finding, identifiers are
//! words from one catalogue, shares are percentages, times stop at the
//! second, cookie lifetimes say what the site set and what the browser
//! keeps, and `--report-lang` writes it all in French or English.

mod common;

use std::collections::BTreeSet;

use common::*;

/// `barometer scan` of one host of the test web in `format`.
fn report(host: &str, format: &str, extra: &[&str]) -> String {
    let url = web().url(host);
    let mut args = vec![
        "scan",
        url.as_str(),
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--timeout",
        "10",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    let out = barometer(&args);
    assert!(
        out.status.code() == Some(0),
        "exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Position of `needle` in `hay`, which must hold it.
fn at(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} missing from:\n{hay}"))
}

/// Identifiers of the report model that must never reach a reader.
const RAW: &[&str] = &[
    "not_applicable",
    "legal_basis",
    "retargeting_before_choice",
    "not_determinable",
    "first_visit",
    "after_reject",
    "after_accept",
    "strictly_necessary",
    "right_access",
];

fn assert_no_raw_identifiers(text: &str) {
    // Markdown writes `legal\_basis`.
    let text = text.replace('\\', "");
    for raw in RAW {
        assert!(!text.contains(raw), "{raw} shown in:\n{text}");
    }
}

#[test]
fn markdown_opens_with_summary_and_contents_and_folds_references() {
    let md = report("www.site-fr.test", "md", &["--report-lang", "en"]);
    // Summary (grade, worst findings, counts), then contents, then findings.
    let summary = at(&md, "### Summary");
    let worst = at(&md, "The most serious findings:");
    let contents = at(&md, "Contents: [Findings]");
    let findings = at(&md, "Findings (");
    assert!(
        summary < worst && worst < contents && contents < findings,
        "{md}"
    );
    assert!(md[summary..contents].contains("**Grade "), "{md}");
    assert!(
        md[summary..contents].contains("| Findings by severity |"),
        "{md}"
    );
    // Legal references fold, one <details> per finding.
    let cards = md.matches("  - What to do: ").count();
    assert!(cards > 0);
    assert_eq!(
        md.matches("<details><summary>Legal references</summary>")
            .count(),
        cards
    );
    assert_no_raw_identifiers(&md);
    // Shares in percent, times to the second.
    let weight = md
        .lines()
        .find(|l| l.starts_with("Home page "))
        .expect("weight line");
    assert!(
        regex::Regex::new(r"\d+(\.\d)?% of it from third parties")
            .unwrap()
            .is_match(weight),
        "{weight}"
    );
    assert!(
        regex::Regex::new(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by")
            .unwrap()
            .is_match(&md),
        "{md}"
    );
    // _ga: the site asked for 730 days, the browser keeps 400.
    assert!(
        md.lines()
            .any(|l| l.starts_with("| \\_ga |") && l.contains("| 730 d | 400 d |")),
        "{md}"
    );
    // A session cookie has no lifetime in either column.
    assert!(
        md.lines()
            .any(|l| l.starts_with("| PHPSESSID |") && l.contains("| session | session |")),
        "{md}"
    );
    // The summary's count and the section's title say the same thing.
    assert!(md.contains("| Trackers needing consent, before any choice |"));
    assert!(md.contains(
        "### <a id=\"site-fr-test-trackers\"></a>Trackers contacted before any choice ("
    ));
}

#[test]
fn html_summary_first_toc_and_details_without_script() {
    let html = report("www.site-fr.test", "html", &["--report-lang", "en"]);
    let summary = at(&html, "<section class=\"summary\"");
    let toc = at(&html, "<nav class=\"toc\">");
    let findings = at(&html, "id=\"site-fr-test-findings\"");
    assert!(summary < toc && toc < findings);
    assert!(html[summary..toc].contains("The most serious findings:"));
    // Every table-of-contents link has its target.
    let toc_html = &html[toc..html[toc..].find("</nav>").unwrap() + toc];
    for link in toc_html.split("href=\"#").skip(1) {
        let id = &link[..link.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{id}\"")), "no target {id}");
    }
    let cards = html.matches("<div class=\"card finding\"").count();
    assert!(cards > 0);
    assert_eq!(
        html.matches("<details><summary>Legal references (").count(),
        cards
    );
    assert!(!html.contains("<script"), "no JavaScript");
    assert_no_raw_identifiers(&html);
    assert!(html.contains("<td>730 d</td><td>400 d"), "lifetimes");
    assert!(html.contains("<th>Lifetime set by the site</th><th>Lifetime kept by the browser</th>"));
}

#[test]
fn report_lang_fr_writes_french_and_no_english() {
    let md = report("www.site-fr.test", "md", &["--report-lang", "fr"]);
    for fr in [
        "### Synthèse",
        "Sommaire",
        "Constats (",
        "Que faire",
        "<details><summary>Références juridiques</summary>",
        "Traceurs soumis au consentement, avant tout choix",
        "| 730 j | 400 j |",
        "Durée demandée par le site",
    ] {
        assert!(md.contains(fr), "{fr:?} missing:\n{md}");
    }
    for en in [
        "Summary",
        "Contents",
        "What to do",
        "Legal references",
        "Trackers needing consent",
        "Lifetime set by the site",
        "| yes |",
    ] {
        assert!(!md.contains(en), "{en:?} in the French report:\n{md}");
    }
    assert_no_raw_identifiers(&md);
    let html = report("www.site-fr.test", "html", &["--report-lang", "fr"]);
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("<h3>Synthèse</h3>") && !html.contains("What to do"));
    let text = report("www.site-fr.test", "text", &["--report-lang", "fr"]);
    assert!(
        text.contains("Note ") && text.contains("site(s) audité(s) sur"),
        "{text}"
    );
    assert!(!text.contains("site(s) audited"), "{text}");
}

#[test]
fn report_language_defaults_to_the_profile() {
    // Judged under fr: French without being asked.
    let md = report("www.site-fr.test", "md", &["--profile", "fr"]);
    assert!(md.contains("### Synthèse"), "{md}");
    // The same site under the eu profile: English.
    let md = report("www.site-fr.test", "md", &["--profile", "eu"]);
    assert!(
        md.contains("### Summary") && !md.contains("Synthèse"),
        "{md}"
    );
    // Asked for English under fr: English.
    let md = report(
        "www.site-fr.test",
        "md",
        &["--profile", "fr", "--report-lang", "en"],
    );
    assert!(md.contains("### Summary"), "{md}");
}

#[test]
fn the_profiles_own_authority_and_instruments_come_first() {
    let json: serde_json::Value =
        serde_json::from_str(&report("www.site-fr.test", "json", &["--profile", "fr"])).unwrap();
    let findings = json["sites"][0]["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let mut french_first = 0;
    for f in findings {
        let js: Vec<&str> = f["references"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["jurisdiction"].as_str().unwrap_or(""))
            .collect();
        // Never another country's text under fr.
        assert!(
            js.iter().all(|j| matches!(*j, "fr" | "eu" | "int" | "")),
            "{}: {js:?}",
            f["rule_id"]
        );
        // fr, then eu, then the rest.
        let rank = |j: &str| match j {
            "fr" => 0,
            "eu" => 1,
            _ => 2,
        };
        assert!(
            js.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
            "{}: {js:?}",
            f["rule_id"]
        );
        if js.first() == Some(&"fr") {
            french_first += 1;
        }
    }
    assert!(french_first > 0, "no finding cites the CNIL first");
    // C104 says what the site set and what the browser keeps.
    let c104 = findings
        .iter()
        .find(|f| f["rule_id"] == "C104")
        .expect("C104");
    assert!(
        c104["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "_ga (site-fr.test): 730 days set, 400 days kept by the browser"),
        "{c104}"
    );
}

/// Keys of one section of a catalogue.
fn keys(lang: &str, section: &str) -> BTreeSet<String> {
    let path = format!("{}/reports/i18n/{lang}.toml", env!("CARGO_MANIFEST_DIR"));
    let v: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v[section].as_table().unwrap().keys().cloned().collect()
}

#[test]
fn every_key_exists_in_every_language_and_every_template_key_exists() {
    for section in ["text", "labels", "csv"] {
        let en = keys("en", section);
        let fr = keys("fr", section);
        assert_eq!(
            en.symmetric_difference(&fr).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "[{section}]"
        );
    }
    let text = keys("en", "text");
    let used = regex::Regex::new(r#"(?:\{\{|\()(?:t|paint_t "[a-z]+") "([a-z_0-9]+)""#).unwrap();
    let mut templates = 0;
    for entry in std::fs::read_dir(format!("{}/reports", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "hbs") {
            continue;
        }
        templates += 1;
        let tpl = std::fs::read_to_string(&path).unwrap();
        for c in used.captures_iter(&tpl) {
            assert!(
                text.contains(&c[1]),
                "{}: no text `{}`",
                path.display(),
                &c[1]
            );
        }
    }
    assert!(templates >= 10, "{templates} templates");
    // The sentences the code builds (check messages, campaign indicators
    // and method) name their keys with `Words::new("key"`.
    let said = regex::Regex::new(
        r#"Words::new\(\s*"([a-z_0-9]+)"|"((?:check|assertion|junit|sarif|method|chart|spread|list)_[a-z_0-9]+)""#,
    )
    .unwrap();
    let mut n = 0;
    for dir in ["src/ci", "src/report", "src/campaign"] {
        for entry in std::fs::read_dir(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"))).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = std::fs::read_to_string(&path).unwrap();
            for c in said.captures_iter(&code) {
                let key = c.get(1).or(c.get(2)).unwrap().as_str();
                n += 1;
                assert!(text.contains(key), "{}: no text `{key}`", path.display());
            }
        }
    }
    assert!(n > 30, "{n} sentences found in the code");
    // Each indicator's three texts.
    for id in barometer::report::campaign::INDICATORS {
        for part in ["short", "label", "definition"] {
            assert!(
                text.contains(&format!("ind_{id}_{part}")),
                "ind_{id}_{part}"
            );
        }
    }
}

/// The site report's Markdown and text templates hold no words of their
/// own: every word comes from the catalogue (or is a name: IAB TCF, CMP).
#[test]
fn no_user_facing_words_in_the_markdown_and_text_templates() {
    let expr = regex::Regex::new(r"\{\{\{?[^}]*\}?\}\}|<[^>]*>|\(#[^)]*\)").unwrap();
    let word = regex::Regex::new(r"[A-Za-z]{2,}").unwrap();
    for name in ["site.md.hbs", "site.txt.hbs"] {
        let path = format!("{}/reports/{name}", env!("CARGO_MANIFEST_DIR"));
        let tpl = std::fs::read_to_string(path).unwrap();
        let bare = expr.replace_all(&tpl, " ");
        let words: BTreeSet<&str> = word
            .find_iter(&bare)
            .map(|m| m.as_str())
            .filter(|w| !matches!(*w, "IAB" | "TCF" | "CMP"))
            .collect();
        assert!(words.is_empty(), "{name}: {words:?}");
    }
}

/// Every rule of the catalogue has its words in French, with the same
/// placeholders as in English.
#[test]
fn every_rule_has_english_and_french_words() {
    let dir = format!("{}/rules/catalogue", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rule: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let fr = &rule["i18n"]["fr"];
        for field in ["title", "message", "remediation"] {
            let en = rule[field].as_str().unwrap();
            let fr = fr
                .get(field)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("{}: no i18n.fr.{field}", path.display()));
            assert!(
                !fr.trim().is_empty() && fr != en,
                "{}: {field}",
                path.display()
            );
            for p in ["{count}", "{list}"] {
                assert_eq!(
                    en.contains(p),
                    fr.contains(p),
                    "{}: {field} {p}",
                    path.display()
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 43);
}

#[test]
fn findings_are_in_french_under_report_lang_fr() {
    let md = report("www.site-fr.test", "md", &["--report-lang", "fr"]);
    // C104's message and remediation from the French catalogue.
    assert!(
        md.contains("soumis au consentement d’une durée de vie supérieure à 13 mois"),
        "{md}"
    );
    assert!(md.contains("Limitez à 13 mois au plus"), "{md}");
    assert!(!md.contains("with a lifetime over 13 months"), "{md}");
    let en = report("www.site-fr.test", "md", &["--report-lang", "en"]);
    assert!(en.contains("with a lifetime over 13 months"), "{en}");
    assert!(!en.contains("durée de vie supérieure"), "{en}");
    // The rows of the HTML report that used to stay in English, and the
    // categories inside a finding's list, come from the catalogue.
    let html = report("www.site-fr.test", "html", &["--report-lang", "fr"]);
    let fr = keys_and_texts("fr");
    let en = keys_and_texts("en");
    for key in ["s_purposes_named", "s_statement", "s_input_url", "s_tool"] {
        assert!(html.contains(&format!(">{}<", fr[key])), "{key}: {html}");
        assert!(
            !html.contains(&format!(">{}<", en[key])),
            "{key} in English"
        );
    }
    assert!(
        html.contains(&format!("(Google, {})", fr["labels.analytics"])),
        "C102's list in French: {html}"
    );
    assert!(!html.contains("(Google, analytics)"), "{html}");
}

/// Every `[text]` entry of a catalogue, and `[labels]` as `labels.<id>`.
fn keys_and_texts(lang: &str) -> std::collections::BTreeMap<String, String> {
    let path = format!("{}/reports/i18n/{lang}.toml", env!("CARGO_MANIFEST_DIR"));
    let v: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for (section, prefix) in [("text", ""), ("labels", "labels.")] {
        for (k, t) in v[section].as_table().unwrap() {
            out.insert(format!("{prefix}{k}"), t.as_str().unwrap().to_string());
        }
    }
    out
}

#[test]
fn french_reports_name_the_law_and_write_numbers_in_french() {
    let md = report("www.site-fr.test", "md", &["--report-lang", "fr"]);
    // The law by its French names, pinpoints in French words.
    assert!(md.contains("RGPD (règlement (UE) 2016/679) art."), "{md}");
    for en in [
        "GDPR (Regulation",
        "ePrivacy Directive",
        "CJEU,",
        "EDPB Guidelines",
    ] {
        assert!(!md.contains(en), "{en:?} in the French report:\n{md}");
    }
    // Numbers: a decimal comma and a spaced percent sign, bytes in octets.
    let weight = md
        .lines()
        .find(|l| l.starts_with("Page d’accueil "))
        .unwrap_or_else(|| panic!("no weight line:\n{md}"));
    let french = regex::Regex::new(r"\d+ (?:o|ko|Mo) ; .* dont \d+(?:,\d+)? % depuis").unwrap();
    assert!(french.is_match(weight), "{weight}");
    assert!(
        !regex::Regex::new(r"\d\.\d").unwrap().is_match(weight),
        "{weight}"
    );
    // The same in English keeps the registry's titles and points.
    let en = report("www.site-fr.test", "md", &["--report-lang", "en"]);
    assert!(en.contains("GDPR (Regulation (EU) 2016/679)"), "{en}");
    let weight = en.lines().find(|l| l.starts_with("Home page ")).unwrap();
    assert!(
        regex::Regex::new(r"\d+ (?:B|kB|MB); .* \d+(?:\.\d+)?% of it from third parties")
            .unwrap()
            .is_match(weight),
        "{weight}"
    );
    // Evidence labels built by a rule, in the rule's French words.
    let html = report("www.site-fr.test", "html", &["--report-lang", "fr"]);
    assert!(
        html.contains(
            "_ga (site-fr.test) : 730 jours demandés, 400 jours retenus par le navigateur"
        ),
        "{html}"
    );
    assert!(!html.contains("days set") && !html.contains("kept by the browser"));
    // Why a rule was not judged, in French too.
    assert!(
        html.contains("nécessite la visite après refus (moteur navigateur)"),
        "{html}"
    );
    assert!(html.contains("ne s’applique pas à ce site"), "{html}");
    for en in [
        "needs the after-refusal visit",
        "does not apply to this site",
    ] {
        assert!(!html.contains(en), "{en:?} in the French report");
    }
    // Severities in the text format are words of the report's language.
    let text = report("www.site-fr.test", "text", &["--report-lang", "fr"]);
    assert!(!text.is_empty());
    for en in ["CRITICAL ", "HIGH ", "MEDIUM ", "LOW ", "INFO "] {
        assert!(!text.contains(en), "{en:?} in:\n{text}");
    }
    assert!(
        ["CRITIQUE ", "ÉLEVÉE ", "MOYENNE ", "FAIBLE "]
            .iter()
            .any(|s| text.contains(s)),
        "{text}"
    );
}

/// Every legal instrument has a French name, and every pinpoint that holds
/// words a French form: a French report cites no English title.
#[test]
fn every_instrument_and_worded_pinpoint_has_french_words() {
    let root = env!("CARGO_MANIFEST_DIR");
    let law: toml::Value =
        toml::from_str(&std::fs::read_to_string(format!("{root}/rules/law.toml")).unwrap())
            .unwrap();
    let ids: BTreeSet<String> = law["instrument"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() > 30, "{}", ids.len());
    let named = keys("fr", "instruments");
    assert_eq!(
        ids.symmetric_difference(&named).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "[instruments] of fr.toml against rules/law.toml"
    );
    let pinpoints = keys("fr", "pinpoints");
    let word = regex::Regex::new(r"[A-Za-z]{2,}").unwrap();
    let abbreviations = ["art", "arts", "reg", "para", "ch"];
    let mut worded = BTreeSet::new();
    for entry in std::fs::read_dir(format!("{root}/rules/catalogue")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let rule: toml::Value = toml::from_str(&text).unwrap();
        for r in rule
            .get("references")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
        {
            let article = r.get("article").and_then(|a| a.as_str()).unwrap_or("");
            if word
                .find_iter(article)
                .any(|w| !abbreviations.contains(&w.as_str()))
            {
                worded.insert(article.to_string());
            }
        }
    }
    assert!(worded.len() > 10, "{worded:?}");
    let missing: Vec<_> = worded.difference(&pinpoints).collect();
    assert!(
        missing.is_empty(),
        "pinpoints without French words: {missing:?}"
    );
    let unused: Vec<_> = pinpoints
        .iter()
        .filter(|p| {
            !std::fs::read_dir(format!("{root}/rules/catalogue"))
                .unwrap()
                .any(|e| {
                    std::fs::read_to_string(e.unwrap().path())
                        .unwrap()
                        .contains(&format!("article = \"{p}\""))
                })
        })
        .collect();
    assert!(unused.is_empty(), "pinpoints no rule cites: {unused:?}");
}

#[test]
fn french_authority_names_name_authorities_of_the_profiles() {
    // An entry of [authorities] is keyed by a profile's `authority` as
    // written: one that no profile names would never be used.
    let root = env!("CARGO_MANIFEST_DIR");
    let mut named = BTreeSet::new();
    for entry in std::fs::read_dir(format!("{root}/rules/profiles")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let profile: toml::Value = toml::from_str(&text).unwrap();
        if let Some(a) = profile.get("authority").and_then(|a| a.as_str()) {
            named.insert(a.to_string());
        }
    }
    let french = keys("fr", "authorities");
    assert!(french.contains("EDPB"), "{french:?}");
    let unknown: Vec<_> = french.difference(&named).collect();
    assert!(unknown.is_empty(), "not a profile's authority: {unknown:?}");
}

#[test]
fn french_reports_say_the_engines_own_sentences_in_french() {
    // The engines write the banner's reason in English in the evidence; a
    // French report says it in French.
    let html = report("www.site-fr.test", "html", &["--report-lang", "fr"]);
    assert!(
        html.contains("bandeau de consentement trouvé : un conteneur avec des boutons"),
        "{html}"
    );
    assert!(!html.contains("consent banner found"), "{html}");
    let html = report("www.site-fr.test", "html", &["--report-lang", "en"]);
    assert!(html.contains("consent banner found: a container"), "{html}");
    // A load error keeps its technical cause, after French words. Nothing
    // listens on port 9 of the loopback.
    let out = barometer(&[
        "scan",
        "https://unreachable.test:9/",
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--timeout",
        "5",
        "--format",
        "md",
        "--report-lang",
        "fr",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("Non audité : connexion impossible : Connection refused"),
        "{md}"
    );
}
