//! Jurisdiction profiles: `rules/profiles/*.toml`.
//!
//! The law is one (ePrivacy 5(3), the GDPR) but its guidance is national:
//! the CNIL keeps a refusal 6 months and allows exempt audience measurement,
//! the Garante counts the ✕ as a refusal, the ICO applies PECR. A profile
//! says which rules apply (by the `jurisdictions` tags of the catalogue),
//! which severities change, and the thresholds rules read as `profile.*`.
//!
//! A site's profile is `--profile`, else the one whose ccTLDs hold the
//! site's, else the one whose languages hold the banner's (or the home
//! page's `<html lang>`), else `eu`.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use crate::facts::ProfileFacts;
use crate::rules::Severity;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub name: String,
    /// The supervisory authority whose guidance the profile follows.
    pub authority: String,
    #[serde(default)]
    pub authority_url: String,
    /// The national law and guidance, in words.
    pub law: String,
    /// Rule `jurisdictions` tags that apply under this profile.
    pub jurisdictions: Vec<String>,
    #[serde(default)]
    pub cctlds: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub max_cookie_days: f64,
    pub refusal_kept_months: f64,
    pub close_is_refusal: bool,
    pub audience_exemption: bool,
    /// Severity changes, by rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

impl Profile {
    /// Does a rule tagged with `jurisdictions` apply under this profile?
    pub fn applies(&self, jurisdictions: &[String]) -> bool {
        jurisdictions.iter().any(|j| self.jurisdictions.contains(j))
    }

    /// The facts rules see, with how the profile was chosen.
    pub fn facts(&self, chosen_by: &str) -> ProfileFacts {
        ProfileFacts {
            id: self.id.clone(),
            authority: self.authority.clone(),
            chosen_by: chosen_by.to_string(),
            max_cookie_days: self.max_cookie_days,
            close_is_refusal: self.close_is_refusal,
            refusal_kept_months: self.refusal_kept_months,
            audience_exemption: self.audience_exemption,
        }
    }
}

/// Every profile, by id.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
}

/// The profile every site falls back to.
pub const DEFAULT_PROFILE: &str = "eu";

impl Profiles {
    /// The profiles embedded in the binary.
    pub fn builtin() -> Result<Self> {
        let files = super::builtin_toml_files("profiles")?;
        Self::parse(&files)
    }

    /// Parse `(origin, text)` pairs.
    pub fn parse(files: &[(String, String)]) -> Result<Self> {
        let mut profiles: Vec<Profile> = Vec::new();
        for (origin, text) in files {
            let p: Profile = toml::from_str(text)
                .map_err(|e| anyhow::anyhow!("{origin}: invalid profile: {}", e.message()))?;
            if p.id.is_empty() || !p.id.chars().all(|c| c.is_ascii_lowercase()) {
                bail!(
                    "{origin}: a profile id is lower-case letters, got `{}`",
                    p.id
                );
            }
            if profiles.iter().any(|q| q.id == p.id) {
                bail!("{origin}: profile `{}` is defined twice", p.id);
            }
            if p.jurisdictions.is_empty() {
                bail!("{origin}: profile `{}` selects no jurisdiction", p.id);
            }
            profiles.push(p);
        }
        profiles.sort_by(|a, b| a.id.cmp(&b.id));
        if !profiles.iter().any(|p| p.id == DEFAULT_PROFILE) {
            bail!("rules/profiles: the `{DEFAULT_PROFILE}` profile is missing");
        }
        Ok(Profiles { profiles })
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.id.as_str()).collect()
    }

    /// The profile of a site on `host` whose banner speaks `language` ("" if
    /// unknown), and how it was chosen.
    pub fn infer(&self, host: &str, language: &str) -> (&Profile, &'static str) {
        let tld = host
            .trim_end_matches('.')
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if let Some(p) = self.profiles.iter().find(|p| p.cctlds.contains(&tld)) {
            return (p, "cctld");
        }
        if !language.is_empty() {
            if let Some(p) = self
                .profiles
                .iter()
                .find(|p| p.languages.iter().any(|l| l == language))
            {
                return (p, "language");
            }
        }
        (
            self.get(DEFAULT_PROFILE).expect("checked at load"),
            "default",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles() {
        let p = Profiles::builtin().unwrap();
        assert_eq!(p.ids(), ["de", "es", "eu", "fr", "it", "nl", "uk"]);
        assert_eq!(p.infer("www.lemonde.fr", "").0.id, "fr");
        assert_eq!(p.infer("www.bbc.co.uk", "en").0.id, "uk");
        assert_eq!(p.infer("www.site.at", "").0.id, "de");
        let (q, how) = p.infer("www.site-fr.test", "fr");
        assert_eq!((q.id.as_str(), how), ("fr", "language"));
        let (q, how) = p.infer("example.com", "en");
        assert_eq!((q.id.as_str(), how), ("eu", "default"));
        let it = p.get("it").unwrap();
        assert!(it.close_is_refusal);
        assert_eq!(it.severity.get("R506"), Some(&Severity::High));
        assert!(it.applies(&["it-garante".into()]));
        assert!(!p
            .get("uk")
            .unwrap()
            .applies(&["eu".into(), "fr-cnil".into()]));
    }

    #[test]
    fn bad_profiles_are_refused() {
        let eu = (
            "eu.toml".to_string(),
            super::super::builtin_text("profiles/eu.toml")
                .unwrap()
                .to_string(),
        );
        let bad = (
            "x.toml".to_string(),
            "id = \"x\"\nname = \"X\"\n".to_string(),
        );
        let err = Profiles::parse(&[eu.clone(), bad]).unwrap_err().to_string();
        assert!(err.starts_with("x.toml: invalid profile"), "{err}");
        let twice = Profiles::parse(&[eu.clone(), eu]).unwrap_err().to_string();
        assert!(twice.contains("defined twice"), "{twice}");
    }
}
