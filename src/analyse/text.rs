//! Transparency: what a banner or policy text tells the visitor.
//!
//! Every statement is looked up with the lexicons (`rules/lexicon/`), and
//! the sentence that holds it is kept as evidence, so a reader can check
//! the tool's reading.

use crate::facts::TextFacts;
use crate::knowledge::lexicon::normalise;
use crate::knowledge::{Lexicons, TextCategory};

/// Read a text. Empty text gives `analysed = false` and nothing else.
pub fn read(lex: &Lexicons, text: &str) -> TextFacts {
    let text = normalise(text);
    let mut facts = TextFacts {
        analysed: !text.is_empty(),
        partner_count: -1,
        ..TextFacts::default()
    };
    if text.is_empty() {
        return facts;
    }
    let mut keep = |name: &str, hit: Option<crate::knowledge::lexicon::TextMatch>| -> bool {
        match hit {
            Some(m) => {
                facts.sentences.insert(name.to_string(), m.sentence);
                true
            }
            None => false,
        }
    };
    let implied = keep(
        "implied_consent",
        lex.find(TextCategory::ImpliedConsent, &text),
    );
    let cross = keep("cross_site", lex.find(TextCategory::CrossSite, &text));
    let partners = keep("partners", lex.find(TextCategory::Partners, &text));
    let withdraw = keep("withdraw", lex.find(TextCategory::Withdraw, &text));
    let legit = keep(
        "legitimate_interest",
        lex.find(TextCategory::LegitimateInterest, &text),
    );
    let exempt = keep(
        "exemption_claimed",
        lex.find(TextCategory::ExemptionClaim, &text),
    );
    let purposes = lex.find_all(TextCategory::Purposes, &text);
    let vague = lex.find_all(TextCategory::VaguePurposes, &text);
    if let Some(first) = purposes.first() {
        keep("purposes", Some(first.clone()));
    }
    if let Some(first) = vague.first() {
        keep("vague_purposes", Some(first.clone()));
    }
    let count = lex.partner_count(&text);
    if let Some((_, m)) = &count {
        keep("partner_count", Some(m.clone()));
    }
    facts.implied_consent = implied;
    facts.cross_site = cross;
    facts.partners_mentioned = partners || count.is_some();
    facts.partner_count = count.map(|(n, _)| i64::from(n)).unwrap_or(-1);
    facts.withdraw = withdraw;
    facts.legitimate_interest = legit;
    facts.exemption_claimed = exempt;
    facts.purposes = purposes.into_iter().map(|m| m.phrase).collect();
    facts.vague_purposes = vague.into_iter().map(|m| m.phrase).collect();
    facts
}
