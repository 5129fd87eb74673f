//! Multilingual lexicons: `rules/lexicon/<lang>.toml`.
//!
//! Banner detection, button classification and the transparency checks read
//! words from here, never from code. Every entry is a regular expression
//! matched against [`normalise`]d text.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::evidence::ButtonRole;

/// Languages shipped in `rules/lexicon/`.
pub const BUILTIN_LANGUAGES: [&str; 6] = ["fr", "en", "de", "es", "it", "nl"];

/// Lower-case, fold typographic apostrophes and spaces, collapse runs of
/// white space: the form every lexicon pattern is written against.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
            '\u{a0}' | '\u{202f}' | '\u{2007}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The kinds of statement the transparency checks look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextCategory {
    ImpliedConsent,
    CrossSite,
    Purposes,
    VaguePurposes,
    Partners,
    Withdraw,
    LegitimateInterest,
    PolicyLink,
    ExemptionClaim,
}

impl TextCategory {
    pub const ALL: [TextCategory; 9] = [
        TextCategory::ImpliedConsent,
        TextCategory::CrossSite,
        TextCategory::Purposes,
        TextCategory::VaguePurposes,
        TextCategory::Partners,
        TextCategory::Withdraw,
        TextCategory::LegitimateInterest,
        TextCategory::PolicyLink,
        TextCategory::ExemptionClaim,
    ];

    fn key(self) -> &'static str {
        match self {
            TextCategory::ImpliedConsent => "implied_consent",
            TextCategory::CrossSite => "cross_site",
            TextCategory::Purposes => "purposes",
            TextCategory::VaguePurposes => "vague_purposes",
            TextCategory::Partners => "partners",
            TextCategory::Withdraw => "withdraw",
            TextCategory::LegitimateInterest => "legitimate_interest",
            TextCategory::PolicyLink => "policy_link",
            TextCategory::ExemptionClaim => "exemption_claim",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    language: String,
    banner: BannerSection,
    buttons: ButtonSection,
    text: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BannerSection {
    keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ButtonSection {
    reject: Vec<String>,
    accept: Vec<String>,
    settings: Vec<String>,
    close: Vec<String>,
    exclude: Vec<String>,
}

/// A pattern with the language it came from.
#[derive(Debug)]
struct Pattern {
    language: String,
    regex: Regex,
}

/// One hit of a text category.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    pub language: String,
    /// The words that matched.
    pub phrase: String,
    /// The sentence around them, as evidence.
    pub sentence: String,
}

/// All lexicons, merged. Classification does not depend on the declared
/// page language: sites mix languages, and a French site may say "OK".
#[derive(Debug)]
pub struct Lexicons {
    pub languages: Vec<String>,
    /// Patterns that belong to one language only, to guess a text's language.
    markers: Vec<Pattern>,
    banner_set: RegexSet,
    buttons: Vec<(ButtonRole, RegexSet)>,
    exclude: RegexSet,
    text: BTreeMap<TextCategory, Vec<Pattern>>,
    partner_count: Vec<Pattern>,
}

fn compile(pattern: &str, origin: &str, key: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .with_context(|| format!("{origin}: invalid pattern in `{key}`: {pattern}"))
}

impl Lexicons {
    /// The lexicons embedded in the binary.
    pub fn builtin() -> Result<Self> {
        let mut files = Vec::new();
        for lang in BUILTIN_LANGUAGES {
            let path = format!("lexicon/{lang}.toml");
            files.push((
                format!("rules/{path}"),
                super::builtin_text(&path)?.to_string(),
            ));
        }
        Self::from_sources(&files)
    }

    /// Build from `(origin, toml text)` pairs.
    pub fn from_sources(files: &[(String, String)]) -> Result<Self> {
        let mut languages = Vec::new();
        let mut banner_keywords = Vec::new();
        let mut buttons: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let mut text: BTreeMap<TextCategory, Vec<Pattern>> = BTreeMap::new();
        let mut partner_count = Vec::new();
        let mut all_patterns: Vec<(String, String)> = Vec::new();
        for (origin, source) in files {
            let file: LexiconFile =
                toml::from_str(source).with_context(|| format!("{origin}: invalid lexicon"))?;
            let lang = file.language.clone();
            for p in &file.banner.keywords {
                banner_keywords.push(Pattern {
                    language: lang.clone(),
                    regex: compile(p, origin, "banner.keywords")?,
                });
                all_patterns.push((lang.clone(), p.clone()));
            }
            for (key, list) in [
                ("reject", &file.buttons.reject),
                ("accept", &file.buttons.accept),
                ("settings", &file.buttons.settings),
                ("close", &file.buttons.close),
                ("exclude", &file.buttons.exclude),
            ] {
                for p in list {
                    compile(p, origin, &format!("buttons.{key}"))?;
                    all_patterns.push((lang.clone(), p.clone()));
                }
                buttons.entry(key).or_default().extend(list.iter().cloned());
            }
            for (key, list) in &file.text {
                if key == "partner_count" {
                    for p in list {
                        let regex = compile(p, origin, "text.partner_count")?;
                        if regex.captures_len() != 2 {
                            bail!("{origin}: text.partner_count pattern `{p}` needs exactly one capture group");
                        }
                        partner_count.push(Pattern {
                            language: lang.clone(),
                            regex,
                        });
                    }
                    continue;
                }
                let Some(category) = TextCategory::ALL.into_iter().find(|c| c.key() == key) else {
                    bail!("{origin}: unknown key `text.{key}`");
                };
                for p in list {
                    all_patterns.push((lang.clone(), p.clone()));
                    let regex = compile(p, origin, &format!("text.{key}"))?;
                    text.entry(category).or_default().push(Pattern {
                        language: lang.clone(),
                        regex,
                    });
                }
            }
            languages.push(lang);
        }
        let set = |patterns: &[String]| -> Result<RegexSet> {
            Ok(RegexSetBuilder::new(patterns)
                .case_insensitive(true)
                .build()?)
        };
        let mut markers = Vec::new();
        for (lang, p) in &all_patterns {
            let shared = all_patterns.iter().any(|(l, q)| q == p && l != lang);
            if !shared
                && !markers
                    .iter()
                    .any(|m: &Pattern| m.regex.as_str() == p && m.language == *lang)
            {
                markers.push(Pattern {
                    language: lang.clone(),
                    regex: compile(p, "lexicon", "marker")?,
                });
            }
        }
        let banner_set = set(&banner_keywords
            .iter()
            .map(|p| p.regex.as_str().to_string())
            .collect::<Vec<_>>())?;
        let role_sets = [
            (ButtonRole::Reject, "reject"),
            (ButtonRole::Accept, "accept"),
            (ButtonRole::Settings, "settings"),
            (ButtonRole::Close, "close"),
        ]
        .into_iter()
        .map(|(role, key)| {
            Ok((
                role,
                set(buttons.get(key).map(Vec::as_slice).unwrap_or(&[]))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        let exclude = set(buttons.get("exclude").map(Vec::as_slice).unwrap_or(&[]))?;
        Ok(Lexicons {
            languages,
            markers,
            banner_set,
            buttons: role_sets,
            exclude,
            text,
            partner_count,
        })
    }

    /// Classify a button or link label. Pay-or-subscribe offers are never a
    /// choice; reject is tried before accept so that "continue without
    /// accepting" is a refusal.
    pub fn classify_button(&self, label: &str) -> ButtonRole {
        let label = normalise(label);
        if label.is_empty() || label.chars().count() > 80 || self.exclude.is_match(&label) {
            return ButtonRole::Other;
        }
        self.buttons
            .iter()
            .find(|(_, set)| set.is_match(&label))
            .map(|(role, _)| *role)
            .unwrap_or(ButtonRole::Other)
    }

    /// Does normalised `text` speak of cookies or consent?
    pub fn mentions_banner_words(&self, normalised: &str) -> bool {
        self.banner_set.is_match(normalised)
    }

    /// The language whose own words (those no other lexicon shares) match
    /// most often; ties go to the language listed first.
    pub fn guess_language(&self, normalised: &str) -> Option<String> {
        let mut best: Option<(&str, usize)> = None;
        for lang in &self.languages {
            let n: usize = self
                .markers
                .iter()
                .filter(|p| p.language == *lang)
                .map(|p| p.regex.find_iter(normalised).count())
                .sum();
            if n > 0 && best.is_none_or(|(_, b)| n > b) {
                best = Some((lang, n));
            }
        }
        best.map(|(l, _)| l.to_string())
    }

    /// Every distinct hit of `category` in normalised `text`.
    pub fn find_all(&self, category: TextCategory, normalised: &str) -> Vec<TextMatch> {
        let mut hits: Vec<TextMatch> = Vec::new();
        for p in self.text.get(&category).into_iter().flatten() {
            for m in p.regex.find_iter(normalised) {
                if hits.iter().any(|h| h.phrase == m.as_str()) {
                    continue;
                }
                hits.push(TextMatch {
                    language: p.language.clone(),
                    phrase: m.as_str().to_string(),
                    sentence: sentence_around(normalised, m.start(), m.end()),
                });
            }
        }
        hits
    }

    /// The first hit of `category` in normalised `text`.
    pub fn find(&self, category: TextCategory, normalised: &str) -> Option<TextMatch> {
        self.text
            .get(&category)
            .into_iter()
            .flatten()
            .find_map(|p| {
                p.regex.find(normalised).map(|m| TextMatch {
                    language: p.language.clone(),
                    phrase: m.as_str().to_string(),
                    sentence: sentence_around(normalised, m.start(), m.end()),
                })
            })
    }

    /// Does `label` name a privacy or cookie policy?
    pub fn is_policy_link(&self, label: &str) -> bool {
        self.find(TextCategory::PolicyLink, &normalise(label))
            .is_some()
    }

    /// The number of partners stated in the text ("nos 843 partenaires").
    pub fn partner_count(&self, normalised: &str) -> Option<(u32, TextMatch)> {
        self.partner_count.iter().find_map(|p| {
            let caps = p.regex.captures(normalised)?;
            let digits: String = caps
                .get(1)?
                .as_str()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let n = digits.parse().ok()?;
            let whole = caps.get(0)?;
            Some((
                n,
                TextMatch {
                    language: p.language.clone(),
                    phrase: whole.as_str().to_string(),
                    sentence: sentence_around(normalised, whole.start(), whole.end()),
                },
            ))
        })
    }
}

/// The sentence of `text` that holds the byte range `start..end`, cut to 300
/// characters around the match.
pub fn sentence_around(text: &str, start: usize, end: usize) -> String {
    let is_stop = |c: char| matches!(c, '.' | '!' | '?' | '\n' | '•');
    let from = text[..start].rfind(is_stop).map(|i| i + 1).unwrap_or(0);
    let to = text[end..]
        .find(is_stop)
        .map(|i| end + i + 1)
        .unwrap_or(text.len());
    let sentence = text[from..to].trim();
    if sentence.chars().count() <= 300 {
        return sentence.to_string();
    }
    let chars: Vec<char> = sentence.chars().collect();
    let rel = text[from..start].trim_start().chars().count();
    let lo = rel.saturating_sub(120);
    let hi = (lo + 300).min(chars.len());
    format!("…{}…", chars[lo..hi].iter().collect::<String>().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(
            normalise("  Continuer\u{a0}sans\n ACCEPTER "),
            "continuer sans accepter"
        );
        assert_eq!(normalise("J\u{2019}accepte"), "j'accepte");
    }

    #[test]
    fn sentence() {
        let t = "first one. we use cookies here. last";
        let i = t.find("cookies").unwrap();
        assert_eq!(sentence_around(t, i, i + 7), "we use cookies here.");
    }
}
