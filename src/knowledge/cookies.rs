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
    /// A "functional" cookie whose need cannot be told from its name: not
    /// counted as needing consent on the first party (it may well be strictly
    /// necessary for what the visitor asked for), judged like an unknown
    /// cookie when a third party sets it.
    ThirdParty,
}

/// Which list an entry comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CookieList {
    /// `rules/cookies.toml`, written by the project.
    #[default]
    Ours,
    /// The Open Cookie Database (`rules/open-cookie-database/`).
    OpenCookieDatabase,
}

impl CookieList {
    pub fn as_str(self) -> &'static str {
        match self {
            CookieList::Ours => "cookies",
            CookieList::OpenCookieDatabase => "open_cookie_database",
        }
    }
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
    /// A name any site may use for its own purpose (a framework's session id,
    /// a CSRF token, a cart): its entry describes it on the first party only.
    /// On a known tracker's host the cookie takes the tracker's category.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generic: bool,
    /// The list the entry comes from (not part of the file format).
    #[serde(skip)]
    #[schemars(skip)]
    pub list: CookieList,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieFile {
    version: String,
    cookie: Vec<CookieEntry>,
}

/// One list's entries, indexed so that a look-up costs a hash probe for the
/// exact name plus one probe per distinct pattern-prefix length, whatever the
/// size of the list.
#[derive(Debug, Default)]
struct CookieIndex {
    entries: Vec<CookieEntry>,
    exact: HashMap<String, Vec<usize>>,
    /// Patterns keyed by their literal text before the first `*`.
    by_prefix: HashMap<String, Vec<usize>>,
    /// The distinct lengths of those prefixes, ascending.
    prefix_lengths: Vec<usize>,
}

impl CookieIndex {
    fn new(entries: Vec<CookieEntry>) -> Self {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            match entry.name.find('*') {
                Some(star) => by_prefix
                    .entry(entry.name[..star].to_string())
                    .or_default()
                    .push(i),
                None => exact.entry(entry.name.clone()).or_default().push(i),
            }
        }
        let mut prefix_lengths: Vec<usize> = by_prefix.keys().map(String::len).collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        CookieIndex {
            entries,
            exact,
            by_prefix,
            prefix_lengths,
        }
    }

    /// Exact names win over patterns; among patterns, the one listed first.
    fn lookup(&self, name: &str, domain: &str) -> Option<&CookieEntry> {
        let fits = |e: &CookieEntry| e.domain.as_deref().is_none_or(|d| host_within(domain, d));
        if let Some(ids) = self.exact.get(name) {
            if let Some(&i) = ids.iter().find(|&&i| fits(&self.entries[i])) {
                return Some(&self.entries[i]);
            }
        }
        let mut best: Option<usize> = None;
        for &len in &self.prefix_lengths {
            if len > name.len() {
                break;
            }
            if !name.is_char_boundary(len) {
                continue;
            }
            let Some(ids) = self.by_prefix.get(&name[..len]) else {
                continue;
            };
            let found = ids.iter().copied().find(|&i| {
                let e = &self.entries[i];
                fits(e) && wildcard_match(&e.name, name)
            });
            if let Some(i) = found {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        best.map(|i| &self.entries[i])
    }

    /// Does the list have an entry written exactly `name` (name or pattern)?
    fn has_name(&self, name: &str) -> bool {
        match name.find('*') {
            Some(star) => self
                .by_prefix
                .get(&name[..star])
                .is_some_and(|ids| ids.iter().any(|&i| self.entries[i].name == name)),
            None => self.exact.contains_key(name),
        }
    }
}

/// A second list, consulted for names our own list does not describe.
#[derive(Debug)]
pub struct SecondList {
    /// Name of the source, e.g. "Open Cookie Database".
    pub name: String,
    /// Its version as shipped (commit and date).
    pub version: String,
    index: CookieIndex,
    /// Rows of the source file, before our own names were set aside.
    pub rows: usize,
}

impl SecondList {
    pub fn len(&self) -> usize {
        self.index.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.entries.is_empty()
    }
}

#[derive(Debug)]
pub struct CookieDb {
    pub version: String,
    ours: CookieIndex,
    second: Option<SecondList>,
}

impl CookieDb {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: CookieFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid cookie file"))?;
        for (i, entry) in file.cookie.iter().enumerate() {
            if entry.name.is_empty() || entry.name == "*" {
                bail!("{origin}: cookie #{}: a name or pattern is required", i + 1);
            }
            if entry.generic && entry.consent == ConsentNeed::Required {
                bail!(
                    "{origin}: cookie `{}`: a generic name describes an exempt use",
                    entry.name
                );
            }
        }
        Ok(CookieDb {
            version: file.version,
            ours: CookieIndex::new(file.cookie),
            second: None,
        })
    }

    /// Add a second list under ours. Its entries for a name we list
    /// ourselves (exactly as written, domain-bound or not) are dropped: where
    /// we describe a name, we know better.
    pub fn with_second(
        mut self,
        name: &str,
        version: &str,
        rows: usize,
        entries: Vec<CookieEntry>,
    ) -> Self {
        let kept: Vec<CookieEntry> = entries
            .into_iter()
            .filter(|e| !self.ours.has_name(&e.name))
            .map(|mut e| {
                e.list = CookieList::OpenCookieDatabase;
                e
            })
            .collect();
        self.second = Some(SecondList {
            name: name.to_string(),
            version: version.to_string(),
            index: CookieIndex::new(kept),
            rows,
        });
        self
    }

    /// The second list, when one is loaded.
    pub fn second(&self) -> Option<&SecondList> {
        self.second.as_ref()
    }

    /// Entries of our own list.
    pub fn len(&self) -> usize {
        self.ours.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ours.entries.is_empty()
    }

    /// The entry describing a cookie `name` set on `domain`: ours first
    /// (exact names over patterns; entries bound to a domain only match
    /// there), then the second list's.
    pub fn lookup(&self, name: &str, domain: &str) -> Option<&CookieEntry> {
        let domain = domain.trim_start_matches('.');
        self.ours
            .lookup(name, domain)
            .or_else(|| self.second.as_ref()?.index.lookup(name, domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = r#"
version = "t"
[[cookie]]
name = "_ga"
owner = "Google Analytics"
category = "analytics"
purpose = "p"
consent = "required"
[[cookie]]
name = "sid_*"
owner = "A"
category = "strictly_necessary"
purpose = "p"
consent = "exempt"
[[cookie]]
name = "sid_x*"
owner = "B"
category = "advertising"
purpose = "p"
consent = "required"
[[cookie]]
name = "IDE"
owner = "Google"
category = "advertising"
purpose = "p"
consent = "required"
domain = "doubleclick.net"
"#;

    fn entry(name: &str, category: CookieCategory, domain: Option<&str>) -> CookieEntry {
        CookieEntry {
            name: name.into(),
            owner: "Other".into(),
            category,
            purpose: String::new(),
            consent: ConsentNeed::Required,
            typical_lifetime_days: None,
            domain: domain.map(str::to_string),
            generic: false,
            list: CookieList::Ours,
        }
    }

    #[test]
    fn patterns_are_found_by_prefix_in_list_order() {
        let db = CookieDb::parse(OURS, "t").unwrap();
        assert_eq!(db.lookup("sid_xyz", "a.test").unwrap().owner, "A");
        assert_eq!(db.lookup("sid_", "a.test").unwrap().owner, "A");
        assert!(db.lookup("sid", "a.test").is_none());
        assert_eq!(
            db.lookup("_ga", "a.test").unwrap().owner,
            "Google Analytics"
        );
        assert!(db.lookup("_gax", "a.test").is_none());
        assert!(db.lookup("IDE", ".doubleclick.net").is_some());
        assert!(db.lookup("IDE", "a.test").is_none());
        // A name with a multi-byte character is no trouble for the prefix probes.
        assert!(db.lookup("sé", "a.test").is_none());
    }

    #[test]
    fn our_entries_win_over_the_second_list() {
        let db = CookieDb::parse(OURS, "t").unwrap().with_second(
            "second",
            "v1",
            4,
            vec![
                entry("_ga", CookieCategory::Functional, None),
                // Ours binds IDE to doubleclick.net: the second list's
                // unbound IDE must not match elsewhere.
                entry("IDE", CookieCategory::Functional, None),
                entry("sid_*", CookieCategory::Advertising, None),
                entry("tag_*", CookieCategory::Advertising, None),
                entry("pixel", CookieCategory::Advertising, None),
            ],
        );
        let second = db.second().unwrap();
        assert_eq!(
            (second.len(), second.rows, second.version.as_str()),
            (2, 4, "v1")
        );
        let ga = db.lookup("_ga", "a.test").unwrap();
        assert_eq!(
            (ga.category, ga.list),
            (CookieCategory::Analytics, CookieList::Ours)
        );
        assert!(db.lookup("IDE", "a.test").is_none());
        assert_eq!(db.lookup("sid_1", "a.test").unwrap().owner, "A");
        let tag = db.lookup("tag_1", "a.test").unwrap();
        assert_eq!(tag.list, CookieList::OpenCookieDatabase);
        assert_eq!(db.lookup("pixel", "a.test").unwrap().owner, "Other");
        assert!(db.lookup("pixels", "a.test").is_none());
    }

    #[test]
    fn a_generic_name_must_be_exempt() {
        let text = OURS.replace(
            "consent = \"required\"\n[[cookie]]\nname = \"sid_*\"",
            "consent = \"required\"\ngeneric = true\n[[cookie]]\nname = \"sid_*\"",
        );
        assert!(CookieDb::parse(&text, "t").is_err());
    }

    #[test]
    fn first_party_cookies_of_common_tags_are_known_by_name() {
        let db = crate::knowledge::builtin_cookies().unwrap();
        for (name, owner) in [
            ("__adroll_fpc", "AdRoll"),
            ("_lr_hb_a1b2c3", "LogRocket"),
            ("_tq_id.TV-1234567-1", "Taboola"),
            ("_pubcid", "Prebid (SharedID)"),
            ("_lc2_fpi", "LiveIntent"),
            ("_uetmsclkid", "Microsoft Advertising"),
        ] {
            let e = db
                .lookup(name, "shop.example")
                .unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                (e.owner.as_str(), e.consent, e.list),
                (owner, ConsentNeed::Required, CookieList::Ours),
                "{name}"
            );
        }
        // A short, generic-looking name is bound to its tracker's domain.
        assert_eq!(
            db.lookup("kuid", ".krxd.net").unwrap().owner,
            "Salesforce (Krux)"
        );
        assert!(db
            .lookup("kuid", "shop.example")
            .is_none_or(|e| e.owner != "Salesforce (Krux)"));
        // Near misses: the patterns need their prefix.
        assert!(db
            .lookup("_lr_hbx", "shop.example")
            .is_none_or(|e| e.owner != "LogRocket"));
        assert!(db
            .lookup("_tq_id", "shop.example")
            .is_none_or(|e| e.owner != "Taboola"));
    }

    #[test]
    fn builtin_lookups_probe_a_bounded_number_of_keys() {
        let db = crate::knowledge::builtin_cookies().unwrap();
        let second = &db.second().unwrap().index;
        // A look-up is one hash probe for the exact name plus one per
        // distinct pattern-prefix length: it does not grow with the lists.
        let probes = 2 + db.ours.prefix_lengths.len() + second.prefix_lengths.len();
        assert!(probes <= 64, "{probes} probes");
        assert!(second.entries.len() > 30 * probes);
    }
}
