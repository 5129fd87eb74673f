//! Tracker hosts: `rules/trackers.toml`.

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
    TagManager,
    Retargeting,
    /// Matched only by a user-supplied filter list.
    FilterList,
}

impl TrackerCategory {
    /// Does contacting this kind of host, on its own, call for consent?
    /// Consent platforms and tag managers are plumbing; what they load is
    /// judged on its own.
    pub fn requires_consent(self) -> bool {
        !matches!(self, TrackerCategory::Cmp | TrackerCategory::TagManager)
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
            TrackerCategory::FilterList => "filter_list",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackerEntry {
    /// Host or registrable domain; matches itself and every subdomain.
    pub domain: String,
    pub company: String,
    pub category: TrackerCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An audience-measurement tool that can be configured to meet an
    /// exemption from consent (the CNIL's list of exempt-capable solutions:
    /// Matomo, AT Internet/Piano Analytics, Plausible...). Under a profile
    /// that grants the exemption, contacting it is not, on its own, tracking
    /// that needs consent; its cookies are judged by their own rules.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audience_measurement: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackerFile {
    version: String,
    tracker: Vec<TrackerEntry>,
}

#[derive(Debug)]
pub struct TrackerDb {
    pub version: String,
    entries: Vec<TrackerEntry>,
    by_domain: HashMap<String, usize>,
}

impl TrackerDb {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: TrackerFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid tracker file"))?;
        let mut by_domain = HashMap::new();
        for (i, entry) in file.tracker.iter().enumerate() {
            if entry.domain.is_empty() || entry.domain.contains(['/', ':', ' ']) {
                bail!(
                    "{origin}: tracker #{}: `{}` is not a host name",
                    i + 1,
                    entry.domain
                );
            }
            if by_domain
                .insert(entry.domain.to_ascii_lowercase(), i)
                .is_some()
            {
                bail!(
                    "{origin}: tracker domain `{}` is listed twice",
                    entry.domain
                );
            }
        }
        Ok(TrackerDb {
            version: file.version,
            entries: file.tracker,
            by_domain,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[TrackerEntry] {
        &self.entries
    }

    /// The most specific entry covering `host`: `a.b.example.com` tries
    /// itself, then `b.example.com`, then `example.com`.
    pub fn lookup(&self, host: &str) -> Option<&TrackerEntry> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
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

#[cfg(test)]
mod tests {
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
}
