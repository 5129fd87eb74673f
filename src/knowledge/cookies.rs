//! Well-known cookies: `rules/cookies.toml`.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{host_within, wildcard_match};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CookieCategory {
    StrictlyNecessary,
    Functional,
    Analytics,
    Advertising,
    Social,
    SessionReplay,
    Consent,
    Security,
    /// Not in our knowledge base.
    Unknown,
}

impl CookieCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            CookieCategory::StrictlyNecessary => "strictly_necessary",
            CookieCategory::Functional => "functional",
            CookieCategory::Analytics => "analytics",
            CookieCategory::Advertising => "advertising",
            CookieCategory::Social => "social",
            CookieCategory::SessionReplay => "session_replay",
            CookieCategory::Consent => "consent",
            CookieCategory::Security => "security",
            CookieCategory::Unknown => "unknown",
        }
    }
}

/// Whether ePrivacy art. 5(3) consent is needed before the cookie is set.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConsentNeed {
    /// Consent required.
    Required,
    /// Strictly necessary for a service the user asked for: exempt.
    Exempt,
    /// Audience measurement that may be exempt under the CNIL's conditions
    /// (first party, at most 13 months, anonymous statistics only).
    AudienceMeasurement,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CookieEntry {
    /// Exact name, or a pattern where `*` matches any run of characters.
    pub name: String,
    pub owner: String,
    pub category: CookieCategory,
    pub purpose: String,
    pub consent: ConsentNeed,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_lifetime_days: Option<u32>,
    /// Only match cookies whose domain is this one or below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieFile {
    version: String,
    cookie: Vec<CookieEntry>,
}

#[derive(Debug)]
pub struct CookieDb {
    pub version: String,
    entries: Vec<CookieEntry>,
    exact: HashMap<String, Vec<usize>>,
    patterns: Vec<usize>,
}

impl CookieDb {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: CookieFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid cookie file"))?;
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut patterns = Vec::new();
        for (i, entry) in file.cookie.iter().enumerate() {
            if entry.name.is_empty() || entry.name == "*" {
                bail!("{origin}: cookie #{}: a name or pattern is required", i + 1);
            }
            if entry.name.contains('*') {
                patterns.push(i);
            } else {
                exact.entry(entry.name.clone()).or_default().push(i);
            }
        }
        Ok(CookieDb {
            version: file.version,
            entries: file.cookie,
            exact,
            patterns,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry describing a cookie `name` set on `domain`. Exact names win
    /// over patterns; entries bound to a domain only match there.
    pub fn lookup(&self, name: &str, domain: &str) -> Option<&CookieEntry> {
        let fits = |e: &&CookieEntry| e.domain.as_deref().is_none_or(|d| host_within(domain, d));
        if let Some(found) = self
            .exact
            .get(name)
            .and_then(|ids| ids.iter().map(|&i| &self.entries[i]).find(fits))
        {
            return Some(found);
        }
        self.patterns
            .iter()
            .map(|&i| &self.entries[i])
            .filter(fits)
            .find(|e| wildcard_match(&e.name, name))
    }
}
