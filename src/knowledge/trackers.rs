//! Tracker hosts: `rules/trackers.toml`, organised by entity.
//!
//! An entity is a company with every host it collects data on, so that a
//! second domain of a known company is attributed to it like the first.
//! A host entry matches the host and its subdomains; a path entry matches
//! one host's requests under a path prefix only (a collector on a host that
//! otherwise serves unrelated content, such as `www.google.com/ccm/collect`).
//!
//! A look-up costs one hash probe per label of the host (the host, then its
//! parents), plus a scan of the few path prefixes listed for a probed host:
//! it does not grow with the list.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::host_within;

/// What a tracker host does, by its company's main business there.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum TrackerCategory {
    Advertising,
    Analytics,
    Social,
    SessionReplay,
    Cmp,
    /// The loader of a tag management system (it loads other tags, which
    /// are judged on their own); its collect endpoints are analytics.
    TagManager,
    Retargeting,
    /// Cross-site identifier matching and cookie syncing.
    IdentitySync,
    /// Device or browser fingerprinting services.
    Fingerprinting,
    /// Bot detection, fraud prevention and ad-traffic quality checks.
    AntiFraud,
    /// Content delivery networks, font and library hosts: serving files,
    /// not collecting data about the visitor.
    Infrastructure,
    /// Ad-block detection and recovery (messages asking the visitor to
    /// allow ads or subscribe). Whether detecting an ad blocker needs
    /// consent is not settled, so contacting such a host is not judged on
    /// its own; what it stores is.
    AdBlockRecovery,
    /// Matched only by a user-supplied filter list.
    FilterList,
}

impl TrackerCategory {
    /// Does contacting this kind of host, on its own, call for consent?
    /// Consent platforms and tag-manager loaders are plumbing (what they
    /// load is judged on its own); anti-fraud checks and infrastructure
    /// (CDNs, fonts) serve the site's security or delivery, not tracking;
    /// ad-block recovery is not settled law (see its variant).
    pub fn requires_consent(self) -> bool {
        !matches!(
            self,
            TrackerCategory::Cmp
                | TrackerCategory::TagManager
                | TrackerCategory::AntiFraud
                | TrackerCategory::Infrastructure
                | TrackerCategory::AdBlockRecovery
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TrackerCategory::Advertising => "advertising",
            TrackerCategory::Analytics => "analytics",
            TrackerCategory::Social => "social",
            TrackerCategory::SessionReplay => "session_replay",
            TrackerCategory::Cmp => "cmp",
            TrackerCategory::TagManager => "tag_manager",
            TrackerCategory::Retargeting => "retargeting",
            TrackerCategory::IdentitySync => "identity_sync",
            TrackerCategory::Fingerprinting => "fingerprinting",
            TrackerCategory::AntiFraud => "anti_fraud",
            TrackerCategory::Infrastructure => "infrastructure",
            TrackerCategory::AdBlockRecovery => "ad_block_recovery",
            TrackerCategory::FilterList => "filter_list",
        }
    }
}

/// A company behind one or more tracker hosts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Entity {
    pub name: String,
    /// ISO 3166 country of its head office, where well known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<String>,
}

/// One host (or host and path prefix) of an entity.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrackerEntry {
    /// Host or registrable domain; matches itself and every subdomain.
    pub domain: String,
    /// A path prefix: the entry then matches requests to `domain` itself
    /// whose path is the prefix or continues it after a `/`. Path entries
    /// win over host entries for their host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The entity's name.
    pub company: String,
    pub category: TrackerCategory,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An audience-measurement tool that can be configured to meet an
    /// exemption from consent (the CNIL's list of exempt-capable solutions:
    /// Matomo, AT Internet/Piano Analytics, Plausible...). Under a profile
    /// that grants the exemption, contacting it is not, on its own, tracking
    /// that needs consent; its cookies are judged by their own rules.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub audience_measurement: bool,
    /// Index of the entity in [`TrackerDb::entities`].
    #[serde(skip)]
    #[schemars(skip)]
    pub entity: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackerFile {
    version: String,
    entity: Vec<EntityRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityRecord {
    name: String,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    privacy_policy: Option<String>,
    /// Category of `domains`, and of `tracker` entries that give none.
    #[serde(default)]
    category: Option<TrackerCategory>,
    /// Hosts in the entity's category, without a note.
    #[serde(default)]
    domains: Vec<String>,
    /// More such hosts, one per line, in a text file beside the tracker
    /// file (a list shipped with its own licence): `#` starts a comment.
    #[serde(default)]
    domains_file: Option<String>,
    #[serde(default)]
    tracker: Vec<HostRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostRecord {
    domain: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    category: Option<TrackerCategory>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    audience_measurement: bool,
}

#[derive(Debug)]
pub struct TrackerDb {
    pub version: String,
    entities: Vec<Entity>,
    entries: Vec<TrackerEntry>,
    /// Host entries by their (lower-case) domain.
    by_domain: HashMap<String, usize>,
    /// Path entries by their host, longest prefix first.
    by_path: HashMap<String, Vec<usize>>,
}

impl TrackerDb {
    /// Parse a tracker file that names no `domains_file`.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Self::parse_with(text, origin, &|path| {
            bail!("{origin}: `domains_file = \"{path}\"` is only read from the built-in rules")
        })
    }

    /// Parse a tracker file, reading each entity's `domains_file` (a path
    /// relative to the tracker file's directory) with `read`.
    pub fn parse_with(
        text: &str,
        origin: &str,
        read: &dyn Fn(&str) -> Result<String>,
    ) -> Result<Self> {
        let file: TrackerFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid tracker file"))?;
        let mut entities = Vec::new();
        let mut entries: Vec<TrackerEntry> = Vec::new();
        let mut by_domain = HashMap::new();
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        let mut seen_names = std::collections::HashSet::new();
        for (e, record) in file.entity.into_iter().enumerate() {
            if record.name.trim().is_empty() {
                bail!("{origin}: entity #{} has no name", e + 1);
            }
            if !seen_names.insert(record.name.clone()) {
                bail!("{origin}: entity `{}` is listed twice", record.name);
            }
            let mut listed = Vec::new();
            if let Some(path) = &record.domains_file {
                let text = read(path)?;
                listed = text
                    .lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect();
                if listed.is_empty() {
                    bail!("{origin}: entity `{}`: {path} lists no host", record.name);
                }
            }
            if record.domains.is_empty() && listed.is_empty() && record.tracker.is_empty() {
                bail!("{origin}: entity `{}` lists no host", record.name);
            }
            let hosts = record
                .domains
                .iter()
                .chain(&listed)
                .map(|d| HostRecord {
                    domain: d.clone(),
                    path: None,
                    category: None,
                    note: None,
                    audience_measurement: false,
                })
                .chain(record.tracker);
            for host in hosts {
                let domain = host.domain.trim().to_ascii_lowercase();
                if domain.is_empty()
                    || domain.contains(['/', ':', ' ', '*'])
                    || domain.starts_with('.')
                    || domain.ends_with('.')
                {
                    bail!(
                        "{origin}: entity `{}`: `{}` is not a host name",
                        record.name,
                        host.domain
                    );
                }
                let Some(category) = host.category.or(record.category) else {
                    bail!(
                        "{origin}: entity `{}`: `{}` has no category (give one to the entity or the host)",
                        record.name,
                        host.domain
                    );
                };
                if category == TrackerCategory::FilterList {
                    bail!(
                        "{origin}: `{}`: filter_list is for filter-list matches only",
                        host.domain
                    );
                }
                let i = entries.len();
                match &host.path {
                    Some(path) => {
                        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
                            bail!(
                                "{origin}: `{}`: path `{path}` must start with `/` and hold no query",
                                host.domain
                            );
                        }
                        let list = by_path.entry(domain.clone()).or_default();
                        if list.iter().any(|&j| entries[j].path.as_ref() == Some(path)) {
                            bail!("{origin}: tracker `{domain}{path}` is listed twice");
                        }
                        list.push(i);
                    }
                    None => {
                        if by_domain.insert(domain.clone(), i).is_some() {
                            bail!("{origin}: tracker domain `{domain}` is listed twice");
                        }
                    }
                }
                entries.push(TrackerEntry {
                    domain,
                    path: host.path,
                    company: record.name.clone(),
                    category,
                    note: host.note,
                    audience_measurement: host.audience_measurement,
                    entity: e,
                });
            }
            entities.push(Entity {
                name: record.name,
                country: record.country,
                privacy_policy: record.privacy_policy,
            });
        }
        for list in by_path.values_mut() {
            list.sort_by_key(|&i| {
                std::cmp::Reverse(entries[i].path.as_ref().map_or(0, String::len))
            });
        }
        Ok(TrackerDb {
            version: file.version,
            entities,
            entries,
            by_domain,
            by_path,
        })
    }

    /// Host and path entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[TrackerEntry] {
        &self.entries
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entity an entry belongs to.
    pub fn entity(&self, entry: &TrackerEntry) -> &Entity {
        &self.entities[entry.entity]
    }

    /// The most specific host entry covering `host`: `a.b.example.com`
    /// tries itself, then `b.example.com`, then `example.com`. Path entries
    /// are not consulted (a cookie's domain has no path).
    pub fn lookup(&self, host: &str) -> Option<&TrackerEntry> {
        self.find(host, None)
    }

    /// The entry covering a request to `host` for `path`: at each step from
    /// the host up to its registrable domain, a path entry of that host
    /// whose prefix covers `path` wins over the host entry.
    pub fn lookup_request(&self, host: &str, path: &str) -> Option<&TrackerEntry> {
        self.find(host, Some(path))
    }

    fn find(&self, host: &str, path: Option<&str>) -> Option<&TrackerEntry> {
        let host = host
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if let (Some(path), Some(ids)) = (path, self.by_path.get(&host)) {
            let covering = ids.iter().find(|&&i| {
                self.entries[i]
                    .path
                    .as_deref()
                    .is_some_and(|p| path_within(path, p))
            });
            if let Some(&i) = covering {
                return Some(&self.entries[i]);
            }
        }
        let mut candidate = host.as_str();
        loop {
            if let Some(&i) = self.by_domain.get(candidate) {
                debug_assert!(host_within(&host, &self.entries[i].domain));
                return Some(&self.entries[i]);
            }
            match candidate.find('.') {
                Some(dot) => candidate = &candidate[dot + 1..],
                None => return None,
            }
        }
    }
}

/// Is `path` the prefix `prefix` itself or below it? `/tr` covers `/tr`
/// and `/tr/x` but not `/track`; a prefix ending in `/` covers what follows.
fn path_within(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
        && (prefix.ends_with('/')
            || path.len() == prefix.len()
            || path.as_bytes()[prefix.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;

    #[test]
    fn hosts_match_a_tracker_domain_only_at_a_dot_boundary() {
        let k = Knowledge::builtin().unwrap();
        let company = |host: &str| k.trackers.lookup(host).map(|e| e.company.as_str());
        for host in [
            "doubleclick.net",
            "stats.g.doubleclick.net",
            "ad.doubleclick.net",
            "DoubleClick.NET.",
        ] {
            assert_eq!(company(host), Some("Google"), "{host}");
        }
        for host in [
            "evil-doubleclick.net",
            "notdoubleclick.net",
            "doubleclick.net.evil.test",
            "doubleclick.network",
            "net",
            "",
        ] {
            assert_eq!(company(host), None, "{host}");
        }
    }

    const FILE: &str = r#"
version = "t"
[[entity]]
name = "Acme Ads"
country = "US"
privacy_policy = "https://acme.test/privacy"
category = "advertising"
domains = ["acme-ads.test", "acme-sync.test"]
[[entity.tracker]]
domain = "tags.acme-ads.test"
category = "tag_manager"
note = "loader"
[[entity.tracker]]
domain = "www.portal.test"
path = "/px"
[[entity.tracker]]
domain = "www.portal.test"
path = "/px/id/"
category = "identity_sync"

[[entity]]
name = "Portal"
category = "anti_fraud"
[[entity.tracker]]
domain = "www.portal.test"
path = "/captcha/"
"#;

    #[test]
    fn an_entity_lists_all_its_domains_with_its_company() {
        let db = TrackerDb::parse(FILE, "t").unwrap();
        let second = db.lookup("pixel.acme-sync.test").unwrap();
        assert_eq!(
            (second.company.as_str(), second.category),
            ("Acme Ads", TrackerCategory::Advertising)
        );
        let entity = db.entity(second);
        assert_eq!(entity.country.as_deref(), Some("US"));
        assert_eq!(
            entity.privacy_policy.as_deref(),
            Some("https://acme.test/privacy")
        );
        // The most specific host wins.
        assert_eq!(
            db.lookup("tags.acme-ads.test").unwrap().category,
            TrackerCategory::TagManager
        );
        assert_eq!(
            db.lookup("x.acme-ads.test").unwrap().category,
            TrackerCategory::Advertising
        );
        assert!(db.lookup("acme-sync.test.evil").is_none());
        assert_eq!(db.entities().len(), 2);
    }

    #[test]
    fn a_domains_file_adds_hosts_in_its_entity_category() {
        let file = r#"version = "t"
            [[entity]]
            name = "Rotating"
            category = "ad_block_recovery"
            domains = ["rotating.test"]
            domains_file = "rotating/hosts.txt""#;
        let read = |path: &str| -> Result<String> {
            assert_eq!(path, "rotating/hosts.txt");
            Ok("# a comment\nDonkeyLeaf.test\n\nlumber-rule.test # trailing\n".into())
        };
        let db = TrackerDb::parse_with(file, "t", &read).unwrap();
        let hit = db.lookup("cdn.donkeyleaf.test").unwrap();
        assert_eq!(
            (hit.company.as_str(), hit.category),
            ("Rotating", TrackerCategory::AdBlockRecovery)
        );
        assert!(db.lookup("lumber-rule.test").is_some());
        assert!(db.lookup("rotating.test").is_some());
        assert!(!TrackerCategory::AdBlockRecovery.requires_consent());
        assert_eq!(db.len(), 3);
        // A host in the file and in the TOML is listed twice.
        let twice = |_: &str| -> Result<String> { Ok("rotating.test\n".into()) };
        let e = TrackerDb::parse_with(file, "t", &twice).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        // An empty file, and a file outside the built-in rules.
        let empty = |_: &str| -> Result<String> { Ok("# nothing\n".into()) };
        assert!(TrackerDb::parse_with(file, "t", &empty).is_err());
        let e = TrackerDb::parse(file, "user.toml").unwrap_err();
        assert!(e.to_string().contains("only read from the built-in"), "{e}");
    }

    #[test]
    fn a_path_entry_matches_its_host_under_its_prefix_only() {
        let db = TrackerDb::parse(FILE, "t").unwrap();
        let at = |host: &str, path: &str| {
            db.lookup_request(host, path)
                .map(|e| (e.company.as_str(), e.category))
        };
        let ads = Some(("Acme Ads", TrackerCategory::Advertising));
        assert_eq!(at("www.portal.test", "/px"), ads);
        assert_eq!(at("www.portal.test", "/px/"), ads);
        assert_eq!(at("WWW.portal.test", "/px/1.gif"), ads);
        // The longest prefix wins.
        assert_eq!(
            at("www.portal.test", "/px/id/42"),
            Some(("Acme Ads", TrackerCategory::IdentitySync))
        );
        assert_eq!(
            at("www.portal.test", "/captcha/api.js"),
            Some(("Portal", TrackerCategory::AntiFraud))
        );
        // Near misses: another path, a longer word, another host, no path.
        for (host, path) in [
            ("www.portal.test", "/"),
            ("www.portal.test", "/pxl"),
            ("www.portal.test", "/captcha"),
            ("www.portal.test", "/about/px"),
            ("portal.test", "/px"),
            ("cdn.www.portal.test", "/px"),
        ] {
            assert_eq!(at(host, path), None, "{host}{path}");
        }
        assert!(db.lookup("www.portal.test").is_none());
    }

    #[test]
    fn malformed_files_are_refused() {
        let twice = format!("{FILE}\n[[entity]]\nname = \"Other\"\ncategory = \"analytics\"\ndomains = [\"acme-sync.test\"]\n");
        assert!(TrackerDb::parse(&twice, "t").is_err());
        let no_category = "version = \"t\"\n[[entity]]\nname = \"A\"\ndomains = [\"a.test\"]\n";
        assert!(TrackerDb::parse(no_category, "t").is_err());
        let bad_path = FILE.replace("path = \"/px\"", "path = \"px\"");
        assert!(TrackerDb::parse(&bad_path, "t").is_err());
        let empty = "version = \"t\"\n[[entity]]\nname = \"A\"\ncategory = \"analytics\"\n";
        assert!(TrackerDb::parse(empty, "t").is_err());
    }

    #[test]
    fn only_collecting_categories_need_consent() {
        use TrackerCategory::*;
        for c in [
            Advertising,
            Analytics,
            Social,
            SessionReplay,
            Retargeting,
            IdentitySync,
            Fingerprinting,
            FilterList,
        ] {
            assert!(c.requires_consent(), "{c:?}");
        }
        for c in [Cmp, TagManager, AntiFraud, Infrastructure, AdBlockRecovery] {
            assert!(!c.requires_consent(), "{c:?}");
        }
    }
}
