//! Jurisdiction profiles: `rules/profiles/*.toml`.
//!
//! The law is one (ePrivacy 5(3), the GDPR) but its guidance is national:
//! the CNIL keeps a refusal 6 months and allows exempt audience measurement,
//! the Garante counts the ✕ as a refusal, the ICO applies PECR. A profile
//! says which rules apply (by the `jurisdictions` tags of the catalogue),
//! which severities change, and the thresholds rules read as `profile.*`.
//!
//! A site's profile is `--profile`, else the one whose ccTLDs hold the
//! site's. A country-code domain with no profile of its own is judged under
//! `eu`, with its country's authority named when `rules/authorities.toml`
//! knows it: the language of a `.be` or `.ch` site says nothing about the
//! law it answers to. Only on generic domains (`.com`, `.org`, `.eu`, and
//! the country codes sold as generic names, such as `.io`) is the profile
//! the one whose languages hold the banner's (or the home page's `<html
//! lang>`); else `eu`.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use super::{LawRegistry, Severity};
use crate::facts::ProfileFacts;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub name: String,
    /// The supervisory authority whose guidance the profile follows.
    pub authority: String,
    #[serde(default)]
    pub authority_url: String,
    /// The national law and guidance: ids of `rules/law.toml`.
    pub law: Vec<String>,
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

/// The authority of a country that has no profile of its own
/// (`rules/authorities.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalAuthority {
    pub cctld: String,
    pub country: String,
    pub authority: String,
    #[serde(default)]
    pub authority_url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthoritiesFile {
    generic_cctlds: Vec<String>,
    #[serde(default)]
    authority: Vec<NationalAuthority>,
}

/// Every profile, by id.
#[derive(Debug, Clone)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
    /// Authorities of countries without a profile, by ccTLD.
    pub national: Vec<NationalAuthority>,
    /// Two-letter TLDs sold and used as generic names (`io`, `co`...).
    pub generic_cctlds: Vec<String>,
}

/// The profile every site falls back to.
pub const DEFAULT_PROFILE: &str = "eu";

/// The profile chosen for a site, and how.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    pub profile: &'a Profile,
    /// `cctld`, `language` or `default`.
    pub chosen_by: &'static str,
    /// The site's national authority, when its country has no profile.
    pub national: Option<&'a NationalAuthority>,
}

impl Choice<'_> {
    /// The facts rules see; the national authority, when known, is named
    /// instead of the profile's.
    pub fn facts(&self) -> ProfileFacts {
        let mut f = self.profile.facts(self.chosen_by);
        if let Some(n) = self.national {
            f.authority = format!("{} ({})", n.authority, n.country);
        }
        f
    }
}

impl Profiles {
    /// The profiles embedded in the binary; their `law` ids must be in
    /// `law`.
    pub fn builtin(law: &LawRegistry) -> Result<Self> {
        let files = super::builtin_toml_files("profiles")?;
        let mut p = Self::parse(&files, law)?;
        let text = super::builtin_text("authorities.toml")?;
        let a: AuthoritiesFile = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("rules/authorities.toml: {}", e.message()))?;
        for n in &a.authority {
            if let Some(q) = p.profiles.iter().find(|q| q.cctlds.contains(&n.cctld)) {
                bail!(
                    "rules/authorities.toml: .{} has its own profile `{}`",
                    n.cctld,
                    q.id
                );
            }
        }
        p.national = a.authority;
        p.generic_cctlds = a.generic_cctlds;
        Ok(p)
    }

    /// Parse `(origin, text)` pairs.
    pub fn parse(files: &[(String, String)], law: &LawRegistry) -> Result<Self> {
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
            if p.law.is_empty() {
                bail!("{origin}: profile `{}` names no law", p.id);
            }
            if let Some(bad) = p.law.iter().find(|id| law.get(id).is_none()) {
                bail!(
                    "{origin}: profile `{}` cites unknown legal instrument `{bad}` (not in rules/law.toml)",
                    p.id
                );
            }
            if let Some(q) = profiles
                .iter()
                .find(|q| q.cctlds.iter().any(|c| p.cctlds.contains(c)))
            {
                bail!(
                    "{origin}: profile `{}` claims a ccTLD of profile `{}`",
                    p.id,
                    q.id
                );
            }
            profiles.push(p);
        }
        profiles.sort_by(|a, b| a.id.cmp(&b.id));
        if !profiles.iter().any(|p| p.id == DEFAULT_PROFILE) {
            bail!("rules/profiles: the `{DEFAULT_PROFILE}` profile is missing");
        }
        Ok(Profiles {
            profiles,
            national: Vec::new(),
            generic_cctlds: Vec::new(),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.id.as_str()).collect()
    }

    /// The profile of a site on `host` whose banner speaks `language` ("" if
    /// unknown), and how it was chosen.
    pub fn infer(&self, host: &str, language: &str) -> Choice<'_> {
        let tld = host
            .trim_end_matches('.')
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let default = self.get(DEFAULT_PROFILE).expect("checked at load");
        if let Some(p) = self.profiles.iter().find(|p| p.cctlds.contains(&tld)) {
            return Choice {
                profile: p,
                chosen_by: "cctld",
                national: None,
            };
        }
        // A country's domain answers to that country's law, whatever the
        // language of its pages: no profile of its own means the EU
        // baseline, never another country's guidance.
        let country_code = tld.len() == 2
            && tld.chars().all(|c| c.is_ascii_lowercase())
            && !self.generic_cctlds.contains(&tld);
        if country_code {
            return Choice {
                profile: default,
                chosen_by: "cctld",
                national: self.national.iter().find(|n| n.cctld == tld),
            };
        }
        if !language.is_empty() {
            if let Some(p) = self
                .profiles
                .iter()
                .find(|p| p.languages.iter().any(|l| l == language))
            {
                return Choice {
                    profile: p,
                    chosen_by: "language",
                    national: None,
                };
            }
        }
        Choice {
            profile: default,
            chosen_by: "default",
            national: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Profiles {
        Profiles::builtin(&LawRegistry::builtin().unwrap()).unwrap()
    }

    fn chosen(p: &Profiles, host: &str, lang: &str) -> (String, &'static str, String) {
        let c = p.infer(host, lang);
        (c.profile.id.clone(), c.chosen_by, c.facts().authority)
    }

    #[test]
    fn builtin_profiles() {
        let p = builtin();
        assert_eq!(
            p.ids(),
            [
                "at", "be", "ca", "ch", "de", "dk", "es", "eu", "fr", "ie", "it", "lu", "nl", "pl",
                "pt", "se", "uk"
            ]
        );
        assert_eq!(p.infer("www.lemonde.fr", "").profile.id, "fr");
        assert_eq!(p.infer("www.bbc.co.uk", "en").profile.id, "uk");
        let c = p.infer("www.site-fr.test", "fr");
        assert_eq!((c.profile.id.as_str(), c.chosen_by), ("fr", "language"));
        let c = p.infer("example.com", "en");
        assert_eq!((c.profile.id.as_str(), c.chosen_by), ("eu", "default"));
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
    fn austria_is_judged_under_its_own_law_not_germany_s() {
        let p = builtin();
        let (id, how, authority) = chosen(&p, "www.site.at", "de");
        assert_eq!((id.as_str(), how), ("at", "cctld"));
        assert_eq!(authority, "Datenschutzbehörde (DSB)");
        let at = p.get("at").unwrap();
        assert!(at.law.contains(&"at-tkg-2021".to_string()));
        assert!(!at.law.iter().any(|l| l.starts_with("de-")));
        assert!(!at.applies(&["de-dsk".into()]));
        // Near miss: a German site is still judged by the DSK.
        assert_eq!(chosen(&p, "www.site.de", "de").0, "de");
    }

    #[test]
    fn french_language_outside_france_is_not_judged_by_the_cnil() {
        let p = builtin();
        for (host, profile) in [
            ("www.site-fr.be", "be"),
            ("www.site-fr.ch", "ch"),
            ("www.site-fr.lu", "lu"),
            ("www.site-fr.ca", "ca"),
        ] {
            let (id, how, authority) = chosen(&p, host, "fr");
            assert_eq!((id.as_str(), how), (profile, "cctld"), "{host}");
            assert!(
                !authority.contains("CNIL ") && authority != "CNIL",
                "{host}: {authority}"
            );
        }
        // Luxembourg's CNPD is not France's CNIL.
        assert!(chosen(&p, "www.site-fr.lu", "fr").2.starts_with("CNPD"));
        // Near misses: a French-language site on a generic domain is judged
        // by the CNIL, and so is a .fr site whatever its language.
        assert_eq!(
            chosen(&p, "www.boutique.com", "fr"),
            ("fr".into(), "language", "CNIL".into())
        );
        assert_eq!(chosen(&p, "www.boutique.eu", "fr").0, "fr");
        assert_eq!(chosen(&p, "www.startup.io", "fr").0, "fr");
        assert_eq!(chosen(&p, "www.shop.fr", "en").0, "fr");
    }

    #[test]
    fn a_country_without_a_profile_gets_the_eu_baseline_and_its_own_authority() {
        let p = builtin();
        let (id, how, authority) = chosen(&p, "www.kauppa.fi", "sv");
        assert_eq!((id.as_str(), how), ("eu", "cctld"));
        assert!(
            authority.contains("Traficom") && authority.contains("Finland"),
            "{authority}"
        );
        // A Spanish-language Mexican or German-language Liechtenstein site
        // is not judged by the AEPD or the DSK.
        assert_eq!(
            chosen(&p, "www.tienda.mx", "es"),
            ("eu".into(), "cctld", "EDPB".into())
        );
        let (id, _, authority) = chosen(&p, "www.bank.li", "de");
        assert_eq!(id, "eu");
        assert!(authority.starts_with("Datenschutzstelle"), "{authority}");
        // San Marino is not Italy.
        assert_eq!(chosen(&p, "www.negozio.sm", "it").0, "eu");
    }

    #[test]
    fn non_eu_profiles_select_only_rules_their_law_supports() {
        let p = builtin();
        for id in ["ch", "ca"] {
            let q = p.get(id).unwrap();
            assert!(!q.applies(&["eu".into()]), "{id} must not take EU rules");
            assert!(!q.applies(&["fr-cnil".into()]));
        }
        assert!(p.get("ch").unwrap().applies(&["ch-fdpic".into()]));
        assert!(p.get("ca").unwrap().applies(&["ca-opc".into()]));
    }

    #[test]
    fn bad_profiles_are_refused() {
        let law = LawRegistry::builtin().unwrap();
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
        let err = Profiles::parse(&[eu.clone(), bad], &law)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml: invalid profile"), "{err}");
        let twice = Profiles::parse(&[eu.clone(), eu.clone()], &law)
            .unwrap_err()
            .to_string();
        assert!(twice.contains("defined twice"), "{twice}");
        let unknown = (
            "y.toml".to_string(),
            eu.1.replace("id = \"eu\"", "id = \"y\"")
                .replace("\"gdpr\"]", "\"gdpr-2016\"]"),
        );
        let err = Profiles::parse(&[eu, unknown], &law)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("y.toml") && err.contains("unknown legal instrument `gdpr-2016`"),
            "{err}"
        );
    }
}
