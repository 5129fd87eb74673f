//! The registry of legal instruments: `rules/law.toml`.
//!
//! Every law, guideline, decision or standard the catalogue and the profiles
//! cite is written once, with a stable id, its title, date, issuing body and
//! official URL. Rules cite it as `law = "<id>"` with an `article` pinpoint,
//! and the loader fills in the title and URL, so one instrument can never
//! carry two URLs or two spellings.

use std::collections::HashSet;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// What kind of text an instrument is: only `law` and `judgment` bind.
pub const KINDS: &[&str] = &[
    "law",
    "guidance",
    "recommendation",
    "decision",
    "judgment",
    "report",
    "standard",
];

/// Jurisdictions whose instruments are cited under every profile.
pub const EVERYWHERE: &[&str] = &["eu", "int"];

/// One legal instrument.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub title: String,
    /// ISO 8601 date of the text.
    pub date: String,
    /// Who issued it.
    pub body: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// `eu`, `int`, or the id of the profile of its country.
    pub jurisdiction: String,
    pub url: String,
}

impl Instrument {
    /// Does the text bind (a statute or a court ruling), rather than say
    /// how an authority reads the law?
    pub fn binding(&self) -> bool {
        matches!(self.kind.as_str(), "law" | "judgment")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LawFile {
    #[serde(default)]
    instrument: Vec<Instrument>,
}

/// Every instrument, in file order.
#[derive(Debug, Clone, Default)]
pub struct LawRegistry {
    pub instruments: Vec<Instrument>,
}

impl LawRegistry {
    /// The registry embedded in the binary.
    pub fn builtin() -> Result<Self> {
        Self::parse(
            crate::knowledge::builtin_text("law.toml")?,
            "rules/law.toml",
        )
    }

    /// Parse a registry; `origin` names the file in errors. An id or a URL
    /// used twice, an unknown kind or an empty field is an error.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: LawFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {}", e.message()))?;
        let mut ids = HashSet::new();
        let mut urls = HashSet::new();
        for i in &file.instrument {
            if i.id.is_empty()
                || !i
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                bail!(
                    "{origin}: instrument id `{}` must be lower-case letters, digits or '-'",
                    i.id
                );
            }
            for (field, value) in [
                ("title", &i.title),
                ("date", &i.date),
                ("body", &i.body),
                ("jurisdiction", &i.jurisdiction),
            ] {
                if value.trim().is_empty() {
                    bail!("{origin}: instrument `{}` has no {field}", i.id);
                }
            }
            if !i.url.starts_with("https://") {
                bail!("{origin}: instrument `{}` needs an https URL", i.id);
            }
            if !KINDS.contains(&i.kind.as_str()) {
                bail!(
                    "{origin}: instrument `{}` has kind `{}` (expected one of {})",
                    i.id,
                    i.kind,
                    KINDS.join(", ")
                );
            }
            if !ids.insert(i.id.as_str()) {
                bail!("{origin}: instrument id `{}` is used twice", i.id);
            }
            if !urls.insert(i.url.trim_end_matches('/')) {
                bail!(
                    "{origin}: instrument `{}` has the URL of another instrument: {}",
                    i.id,
                    i.url
                );
            }
        }
        Ok(LawRegistry {
            instruments: file.instrument,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_loads() {
        let r = LawRegistry::builtin().unwrap();
        assert!(r.instruments.len() >= 40);
        let gdpr = r.get("gdpr").unwrap();
        assert_eq!(gdpr.url, "https://eur-lex.europa.eu/eli/reg/2016/679/oj");
        assert!(gdpr.binding());
        assert!(!r.get("cnil-2020-092").unwrap().binding());
        assert_eq!(
            r.get("at-tkg-2021").unwrap().jurisdiction,
            "at",
            "Austria has its own law"
        );
    }

    #[test]
    fn the_two_cnil_deliberations_of_2020_have_their_own_texts() {
        let r = LawRegistry::builtin().unwrap();
        let g = r.get("cnil-2020-091").unwrap();
        let rec = r.get("cnil-2020-092").unwrap();
        assert!(g.url.ends_with("JORFTEXT000042388179"), "{}", g.url);
        assert!(rec.url.ends_with("JORFTEXT000042388197"), "{}", rec.url);
        assert!(rec.title.contains("recommendation") && rec.title.contains("2020-092"));
        let google = r.get("cnil-san-2021-023").unwrap();
        let facebook = r.get("cnil-san-2021-024").unwrap();
        assert!(google.title.contains("Google") && facebook.title.contains("Facebook"));
        assert_ne!(google.url, facebook.url);
    }

    const ONE: &str = r#"
[[instrument]]
id = "gdpr"
title = "GDPR"
date = "2016-04-27"
body = "EU"
kind = "law"
jurisdiction = "eu"
url = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
"#;

    #[test]
    fn an_id_or_a_url_used_twice_is_refused() {
        assert!(LawRegistry::parse(ONE, "law.toml").is_ok());
        let twice = format!("{ONE}{ONE}");
        let err = LawRegistry::parse(&twice, "law.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`gdpr` is used twice"), "{err}");
        let same_url = format!("{ONE}{}", ONE.replace("\"gdpr\"", "\"gdpr-bis\""));
        let err = LawRegistry::parse(&same_url, "law.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`gdpr-bis` has the URL of another"), "{err}");
        // A trailing slash does not make a second URL.
        let slash = format!(
            "{ONE}{}",
            ONE.replace("\"gdpr\"", "\"gdpr-bis\"")
                .replace("/oj\"", "/oj/\"")
        );
        assert!(LawRegistry::parse(&slash, "law.toml").is_err());
        let bad_kind = ONE.replace("\"law\"", "\"opinion\"");
        let err = LawRegistry::parse(&bad_kind, "law.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("kind `opinion`"), "{err}");
    }
}
