//! Published figures to compare the barometer with: `rules/references.toml`.
//!
//! Each entry is one figure from one study, tied to one of our indicators
//! ([`INDICATORS`]), with the study's sample and method and a sentence on how
//! its method differs from ours. The barometer shows them beside its own
//! figures; the differences are shown too, never hidden.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The barometer indicators a published figure can be compared with.
pub const INDICATORS: &[&str] = &[
    "banner",
    "reject_first_layer",
    "tracking_before_choice",
    "tracking_after_reject",
    "cross_site_disclosed",
    "cookies_over_13_months",
    "minimally_compliant",
];

/// One published figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// One of [`INDICATORS`].
    pub indicator: String,
    /// Short citation.
    pub study: String,
    pub year: u16,
    /// Which sites were measured.
    pub sample: String,
    /// How the figure was measured.
    pub method: String,
    /// The published share, in percent.
    pub value: f64,
    /// How the study's method differs from ours.
    pub differences: String,
    #[serde(default)]
    pub url: Option<String>,
    /// The figure was only seen in a secondary summary.
    #[serde(default)]
    pub verify: bool,
    /// `sample`, `method` and `differences` in other languages, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub i18n: BTreeMap<String, ReferenceText>,
}

/// A published figure's descriptions in one language.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferenceText {
    pub sample: String,
    pub method: String,
    pub differences: String,
}

impl Reference {
    /// This figure with its descriptions in `lang` where it has them.
    pub fn in_lang(&self, lang: &str) -> Reference {
        let mut r = self.clone();
        if let Some(t) = self.i18n.get(lang) {
            r.sample = t.sample.clone();
            r.method = t.method.clone();
            r.differences = t.differences.clone();
        }
        r
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceFile {
    #[serde(default)]
    reference: Vec<Reference>,
}

/// Every published figure known, in file order.
#[derive(Debug, Clone, Default)]
pub struct References {
    pub all: Vec<Reference>,
}

impl References {
    /// The figures embedded in the binary.
    pub fn builtin() -> Result<References> {
        Self::parse(
            super::builtin_text("references.toml")?,
            "rules/references.toml",
        )
    }

    /// Parse a references file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<References> {
        let file: ReferenceFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid references file"))?;
        for (i, r) in file.reference.iter().enumerate() {
            let entry = || format!("{origin}: reference #{} ({}, {})", i + 1, r.study, r.year);
            if !INDICATORS.contains(&r.indicator.as_str()) {
                bail!(
                    "{}: unknown indicator `{}` (known: {})",
                    entry(),
                    r.indicator,
                    INDICATORS.join(", ")
                );
            }
            if !(0.0..=100.0).contains(&r.value) {
                bail!(
                    "{}: value {} for `{}` is not a percentage between 0 and 100",
                    entry(),
                    r.value,
                    r.indicator
                );
            }
        }
        Ok(References {
            all: file.reference,
        })
    }

    /// The figures for one indicator, in file order.
    pub fn for_indicator(&self, id: &str) -> Vec<&Reference> {
        self.all.iter().filter(|r| r.indicator == id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"
[[reference]]
indicator = "banner"
study = "Someone et al."
year = 2021
sample = "Top 10 sites"
method = "manual review"
value = 50.0
differences = "Manual."
"#;

    #[test]
    fn builtin_parses() {
        let refs = References::builtin().unwrap();
        assert!(refs.all.len() >= 8, "{} references", refs.all.len());
        for r in &refs.all {
            assert!(INDICATORS.contains(&r.indicator.as_str()), "{r:?}");
            assert!(!r.differences.trim().is_empty(), "{r:?}");
            assert!(!r.sample.trim().is_empty() && !r.method.trim().is_empty());
        }
        let empirik = refs.for_indicator("reject_first_layer");
        assert!(
            empirik
                .iter()
                .any(|r| r.study.starts_with("Empirik") && r.value == 3.0 && r.year == 2020),
            "{empirik:?}"
        );
        assert!(refs
            .for_indicator("cross_site_disclosed")
            .iter()
            .any(|r| r.study.starts_with("Empirik") && r.value == 14.0));
        assert!(refs.for_indicator("no_such_indicator").is_empty());
    }

    #[test]
    fn parses_optional_fields() {
        let refs = References::parse(ENTRY, "test.toml").unwrap();
        assert_eq!(refs.all.len(), 1);
        assert_eq!(refs.all[0].url, None);
        assert!(!refs.all[0].verify);
        let text = format!("{ENTRY}url = \"https://example.org\"\nverify = true\n");
        let refs = References::parse(&text, "test.toml").unwrap();
        assert_eq!(refs.all[0].url.as_deref(), Some("https://example.org"));
        assert!(refs.all[0].verify);
        assert!(References::parse("", "empty.toml").unwrap().all.is_empty());
    }

    #[test]
    fn unknown_field_is_rejected() {
        let text = format!("{ENTRY}colour = \"red\"\n");
        let err = format!(
            "{:#}",
            References::parse(&text, "custom/refs.toml").unwrap_err()
        );
        assert!(err.contains("custom/refs.toml"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn unknown_indicator_is_rejected() {
        let text = ENTRY.replace("\"banner\"", "\"banners\"");
        let err = format!("{:#}", References::parse(&text, "refs.toml").unwrap_err());
        assert!(err.contains("refs.toml"), "{err}");
        assert!(err.contains("reference #1 (Someone et al., 2021)"), "{err}");
        assert!(err.contains("banners"), "{err}");
    }

    #[test]
    fn value_outside_percent_is_rejected() {
        for bad in ["100.5", "-1.0", "nan"] {
            let text = ENTRY.replace("50.0", bad);
            let err = format!("{:#}", References::parse(&text, "refs.toml").unwrap_err());
            assert!(err.contains("reference #1 (Someone et al., 2021)"), "{err}");
            assert!(err.contains("between 0 and 100"), "{err}");
        }
    }
}
