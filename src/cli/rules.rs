//! `barometer rules [ID]`: the catalogue, or one rule explained.

use std::process::ExitCode;

use super::{fail, RulesArgs, EXIT_OK, EXIT_USAGE};
use crate::rules::{Catalogue, CompiledRules, Rule};

pub fn run(args: RulesArgs) -> ExitCode {
    let catalogue =
        match Catalogue::load(&args.rules).and_then(|c| CompiledRules::compile(&c).map(|_| c)) {
            Ok(c) => c,
            Err(e) => return fail(EXIT_USAGE, &e),
        };
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
        s += &format!("Needs visits: {}\n", r.requires.join(", "));
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
