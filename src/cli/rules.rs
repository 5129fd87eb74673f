//! `barometer rules [ID]`: the catalogue, or one rule explained.

use std::process::ExitCode;

use super::{fail, RulesArgs, EXIT_OK, EXIT_USAGE};
use crate::rules::{Catalogue, CompiledRules, Rule};

pub fn run(args: RulesArgs) -> ExitCode {
    if let Some(dir) = &args.check {
        return check(dir, &args.rules);
    }
    let catalogue =
        match Catalogue::load(&args.rules).and_then(|c| CompiledRules::compile(&c).map(|_| c)) {
            Ok(c) => c,
            Err(e) => return fail(EXIT_USAGE, &e),
        };
    let profile = match args.profile.as_deref() {
        None => None,
        Some(id) => match catalogue.profiles.get(id) {
            Some(p) => Some(p),
            None => {
                return fail(
                    EXIT_USAGE,
                    &anyhow::anyhow!(
                        "unknown profile `{id}` (expected one of {})",
                        catalogue.profiles.ids().join(", ")
                    ),
                )
            }
        },
    };
    if let (Some(p), None) = (profile, &args.id) {
        print!("{}", explain_profile(p, &catalogue.rules));
        return ExitCode::from(EXIT_OK);
    }
    match &args.id {
        None if args.json => println!(
            "{}",
            serde_json::to_string_pretty(&catalogue.rules).unwrap_or_default()
        ),
        None => {
            println!(
                "{} rules (rule set {})\n",
                catalogue.rules.len(),
                catalogue.version
            );
            for r in &catalogue.rules {
                println!("{:<6} {:<9} {}", r.id, r.severity.as_str(), r.title);
            }
            println!("\nRun `barometer rules ID` for a rule's rationale, condition and legal references.");
        }
        Some(id) => match catalogue.get(id) {
            None => {
                return fail(
                    EXIT_USAGE,
                    &anyhow::anyhow!("no rule `{id}`; run `barometer rules` for the list"),
                );
            }
            Some(r) if args.json => {
                println!("{}", serde_json::to_string_pretty(r).unwrap_or_default())
            }
            Some(r) => print!("{}", explain(r)),
        },
    }
    ExitCode::from(EXIT_OK)
}

/// `barometer rules --check DIR`: every problem on its own line, exit 2.
fn check(dir: &std::path::Path, extra: &[std::path::PathBuf]) -> ExitCode {
    if !extra.is_empty() {
        return fail(
            EXIT_USAGE,
            &anyhow::anyhow!("--check checks one directory with the built-in rules; drop --rules"),
        );
    }
    let report = match super::rules_check::check_dir(dir) {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    if !report.problems.is_empty() {
        for p in &report.problems {
            eprintln!(
                "{}",
                crate::report::render::escape_text(p).replace('\n', " ")
            );
        }
        eprintln!(
            "error: {} problem(s) in the rules of {}",
            report.problems.len(),
            dir.display()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    println!(
        "ok: {} rule file(s) in {}; {} rules (built-in included) compile, name only known facts and evaluate without error on {} sample sites",
        report.files,
        dir.display(),
        report.rules,
        report.samples
    );
    ExitCode::from(EXIT_OK)
}

/// What a jurisdiction profile selects: its authority, thresholds, and the
/// rules that apply with their severity under it.
pub fn explain_profile(p: &crate::knowledge::profiles::Profile, rules: &[Rule]) -> String {
    let mut s = format!(
        "Profile {}: {}

",
        p.id, p.name
    );
    s += &format!(
        "Authority:  {} {}
",
        p.authority, p.authority_url
    );
    s += &format!(
        "Law:        {}
",
        p.law.join(", ")
    );
    s += &format!(
        "Thresholds: tracking cookies at most {} days; refusal kept {} months; \
         closing the banner (✕) {} a refusal; audience measurement {}\n",
        p.max_cookie_days,
        p.refusal_kept_months,
        if p.close_is_refusal {
            "counts as"
        } else {
            "is not"
        },
        if p.audience_exemption {
            "can be exempt from consent"
        } else {
            "needs consent"
        }
    );
    s += &format!("Selects rules tagged: {}\n\n", p.jurisdictions.join(", "));
    let (on, off): (Vec<&Rule>, Vec<&Rule>) =
        rules.iter().partition(|r| p.applies(&r.jurisdictions));
    s += &format!("{} rules apply:\n", on.len());
    for r in on {
        match p.severity.get(&r.id).filter(|sev| **sev != r.severity) {
            Some(sev) => {
                s += &format!(
                    "{:<6} {:<9} {} (catalogue: {})\n",
                    r.id,
                    sev.as_str(),
                    r.title,
                    r.severity.as_str()
                )
            }
            None => s += &format!("{:<6} {:<9} {}\n", r.id, r.severity.as_str(), r.title),
        }
    }
    if !off.is_empty() {
        s += &format!(
            "\nNot part of this profile: {}\n",
            off.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s
}

/// A rule's documentation page, as plain text.
pub fn explain(r: &Rule) -> String {
    let mut s = format!("{} — {}\n\n", r.id, r.title);
    s += &format!(
        "Severity: {} (weight {})   Confidence: {:?}   Jurisdictions: {}\n",
        r.severity.as_str(),
        r.weight(),
        r.confidence,
        r.jurisdictions.join(", ")
    );
    if !r.requires.is_empty() {
        s += &format!(
            "Needs visits: {}\n",
            r.requires
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s += &format!(
        "Source: {}\n\n",
        if r.origin.starts_with("rules/") {
            "built-in"
        } else {
            &r.origin
        }
    );
    s += &format!("Why it matters\n{}\n\n", r.rationale.trim());
    s += "How it is checked\n";
    if let Some(a) = &r.applies {
        s += &format!("  applies when:  {a}\n");
    }
    s += &format!("  fails when:    {}\n", r.condition);
    if let Some(e) = &r.evidence {
        s += &format!("  evidence:      {e}\n");
    }
    s += &format!(
        "\nWhat to do\n{}\n\nLegal references\n",
        r.remediation.trim()
    );
    for reference in &r.references {
        s += &format!("  - {} {}", reference.instrument, reference.article);
        if !reference.url.is_empty() {
            s += &format!(" <{}>", reference.url);
        }
        s.push('\n');
    }
    s
}
