//! Tracker lists users fetch themselves (`barometer lists`).
//!
//! DuckDuckGo's Tracker Radar, Disconnect's list and EasyList/EasyPrivacy
//! are published under licences (non-commercial or share-alike) that this
//! Apache-2.0 program cannot ship. `barometer lists fetch NAME` downloads
//! one into a per-user cache directory with a manifest (version, date,
//! licence, SHA-256); audits then consult every installed list after the
//! built-in knowledge, and record which lists matched.
//!
//! A list match is weaker evidence than the built-in knowledge: a host
//! known only to a list is reported as "listed as … by list:NAME" and does
//! not, on its own, count as a tracker that needs consent (no finding is
//! raised from it). A host known to both is attributed by the built-in
//! knowledge and names every list that lists it among its sources.

pub mod coverage;
pub mod formats;
pub mod store;

use std::collections::HashMap;
use std::path::Path;

use crate::evidence::ListInfo;
use crate::knowledge::TrackerCategory;
pub use formats::{Format, Listed};
pub use store::{lists_dir, Manifest};

/// A list this program knows how to fetch.
#[derive(Debug, Clone, Copy)]
pub struct KnownList {
    pub name: &'static str,
    pub format: Format,
    pub url: &'static str,
    pub licence: &'static str,
    pub about: &'static str,
}

/// The lists `barometer lists fetch` knows. Tracker Radar is fetched in the
/// form DuckDuckGo publishes for its own browser extensions: the tracker
/// data set built from the Tracker Radar crawl, one JSON file with each
/// tracking domain's owner, categories and prevalence (the raw repository
/// holds one file per domain and region).
pub const KNOWN: &[KnownList] = &[
    KnownList {
        name: "tracker-radar",
        format: Format::TrackerRadar,
        url: "https://staticcdn.duckduckgo.com/trackerblocking/v6/current/extension-tds.json",
        licence: "CC BY-NC-SA 4.0 (DuckDuckGo Tracker Radar)",
        about: "DuckDuckGo tracker data set: domain, owner, categories, prevalence",
    },
    KnownList {
        name: "disconnect",
        format: Format::Disconnect,
        url: "https://raw.githubusercontent.com/disconnectme/disconnect-tracking-protection/master/services.json",
        licence: "CC BY-NC-SA 4.0 (Disconnect)",
        about: "Disconnect tracking protection: category, company, domains",
    },
    KnownList {
        name: "easyprivacy",
        format: Format::Adblock,
        url: "https://easylist.to/easylist/easyprivacy.txt",
        licence: "GPL-3.0-or-later or CC BY-SA 3.0 (EasyList authors)",
        about: "EasyPrivacy filter list: whole-host tracking rules",
    },
    KnownList {
        name: "easylist",
        format: Format::Adblock,
        url: "https://easylist.to/easylist/easylist.txt",
        licence: "GPL-3.0-or-later or CC BY-SA 3.0 (EasyList authors)",
        about: "EasyList filter list: whole-host advertising rules",
    },
];

pub fn known(name: &str) -> Option<&'static KnownList> {
    KNOWN.iter().find(|k| k.name == name)
}

/// Our consent class for a list's category, as a label to show beside a
/// match. `None` for categories that are not tracking (content, CDNs,
/// anti-fraud, payment, login…). The label is informative only: a list
/// match alone never decides that consent was needed.
///
/// | list | categories | class |
/// |---|---|---|
/// | tracker-radar | Advertising, Ad Motivated Tracking, Action Pixels | advertising |
/// | tracker-radar | Analytics, Audience Measurement, Third-Party Analytics Marketing | analytics |
/// | tracker-radar | Session Replay | session_replay |
/// | tracker-radar | Social - Share, Social - Comment, Social Network | social |
/// | tracker-radar | Consent Management Platform | cmp |
/// | tracker-radar | Tag Manager | tag_manager |
/// | disconnect | Advertising / Analytics / Social | advertising / analytics / social |
/// | disconnect | Fingerprinting* | fingerprinting |
/// | disconnect | Disconnect, Email, EmailAggressive | tracking |
/// | disconnect | ConsentManagers | cmp |
/// | easyprivacy | (every host rule) | tracking |
/// | easylist | (every host rule) | advertising |
pub fn class_of(list: &str, format: Format, category: Option<&str>) -> Option<&'static str> {
    match format {
        Format::Adblock => Some(if list == "easylist" {
            "advertising"
        } else {
            "tracking"
        }),
        Format::TrackerRadar => match category? {
            "Advertising" | "Ad Motivated Tracking" | "Action Pixels" => Some("advertising"),
            "Analytics" | "Audience Measurement" | "Third-Party Analytics Marketing" => {
                Some("analytics")
            }
            "Session Replay" => Some("session_replay"),
            "Social - Share" | "Social - Comment" | "Social Network" => Some("social"),
            "Consent Management Platform" => Some("cmp"),
            "Tag Manager" => Some("tag_manager"),
            _ => None,
        },
        Format::Disconnect => match category? {
            "Advertising" => Some("advertising"),
            "Analytics" => Some("analytics"),
            "Social" => Some("social"),
            c if c.starts_with("Fingerprinting") => Some("fingerprinting"),
            "Disconnect" | "Email" | "EmailAggressive" => Some("tracking"),
            "ConsentManagers" => Some("cmp"),
            _ => None,
        },
    }
}

/// One installed list, loaded.
#[derive(Debug, Clone)]
pub struct DomainList {
    pub name: String,
    pub format: Format,
    pub version: String,
    pub domains: HashMap<String, Listed>,
}

impl DomainList {
    /// `list:NAME`, the name under which matches and provenance show it.
    pub fn source(&self) -> String {
        format!("list:{}", self.name)
    }

    /// The entry covering `host` (itself or a parent domain).
    pub fn lookup(&self, host: &str) -> Option<&Listed> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut candidate = host.as_str();
        loop {
            if let Some(l) = self.domains.get(candidate) {
                return Some(l);
            }
            candidate = &candidate[candidate.find('.')? + 1..];
        }
    }

    /// The tracking class this list gives an entry, if any.
    pub fn class(&self, listed: &Listed) -> Option<&'static str> {
        if self.format == Format::Adblock {
            return class_of(&self.name, self.format, None);
        }
        listed
            .categories
            .iter()
            .find_map(|c| class_of(&self.name, self.format, Some(c)))
    }
}

/// What the installed lists say of one host.
#[derive(Debug, Clone, PartialEq)]
pub struct ListMatch {
    /// `list:NAME`.
    pub source: String,
    pub entity: Option<String>,
    /// Our label for the list's category (see [`class_of`]); `None` when
    /// the list does not class the host as tracking.
    pub class: Option<&'static str>,
}

/// Every list the audit consults.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    pub lists: Vec<DomainList>,
}

impl Lists {
    /// Load every list installed in `dir` whose file still matches its
    /// manifest's checksum; each list that cannot be used is one warning.
    /// A missing directory is no list.
    pub fn load(dir: &Path, warn: &mut dyn FnMut(String)) -> Lists {
        let mut lists = Vec::new();
        for manifest in store::installed(dir, warn) {
            match store::load(dir, &manifest) {
                Ok(list) => lists.push(list),
                Err(e) => warn(format!(
                    "installed list {} is not used: {e:#} (run `barometer lists fetch {}` again)",
                    manifest.name, manifest.name
                )),
            }
        }
        Lists { lists }
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The lists that list `host`, in installation order.
    pub fn lookup(&self, host: &str) -> Vec<ListMatch> {
        self.lists
            .iter()
            .filter_map(|list| {
                list.lookup(host).map(|l| ListMatch {
                    source: list.source(),
                    entity: l.entity.clone(),
                    class: list.class(l),
                })
            })
            .collect()
    }

    /// The provenance of every list consulted.
    pub fn infos(&self) -> Vec<ListInfo> {
        self.lists
            .iter()
            .map(|l| ListInfo {
                name: l.source(),
                version: l.version.clone(),
                entries: l.domains.len(),
            })
            .collect()
    }
}

/// How a request was attributed to a tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub company: String,
    pub category: crate::knowledge::TrackerCategory,
    /// `builtin` or the filter list name.
    pub source: String,
    /// Filter rule text, for filter lists.
    pub rule: Option<String>,
    /// A tool that can be configured for exempt audience measurement.
    pub audience_measurement: bool,
}

/// The attribution of a host only installed lists know: the first list
/// that classes it as tracking gives the source, the first that names a
/// company gives the company. `None` when no list classes it as tracking.
pub fn attribution(matches: &[ListMatch]) -> Option<Attribution> {
    let first = matches.iter().find(|m| m.class.is_some())?;
    Some(Attribution {
        company: matches
            .iter()
            .find_map(|m| m.entity.clone())
            .unwrap_or_default(),
        category: TrackerCategory::FilterList,
        source: first.source.clone(),
        rule: Some(listed_as(matches)),
        audience_measurement: false,
    })
}

/// `source` then every list that lists the host, each once.
pub fn sources(source: &str, matches: &[ListMatch]) -> Vec<String> {
    let mut out = vec![source.to_string()];
    for m in matches {
        if !out.contains(&m.source) {
            out.push(m.source.clone());
        }
    }
    out
}

/// The sentence a list-only match shows: which lists class the host as
/// what, e.g. `listed as advertising by list:disconnect`.
pub fn listed_as(matches: &[ListMatch]) -> String {
    let parts: Vec<String> = matches
        .iter()
        .filter_map(|m| m.class.map(|c| format!("{c} by {}", m.source)))
        .collect();
    format!("listed as {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str, format: Format, text: &str) -> DomainList {
        DomainList {
            name: name.into(),
            format,
            version: "1".into(),
            domains: formats::parse(format, text).unwrap().domains,
        }
    }

    #[test]
    fn hosts_match_at_a_dot_boundary_and_every_list_is_named() {
        let lists = Lists {
            lists: vec![
                list(
                    "disconnect",
                    Format::Disconnect,
                    r#"{"categories": {"Advertising": [{"Ads Co": {"https://a/": ["ads.example"]}}],
                        "Content": [{"Video Co": {"https://v/": ["video.example"]}}]}}"#,
                ),
                list("easyprivacy", Format::Adblock, "||ads.example^\n"),
            ],
        };
        let m = lists.lookup("x.ADS.example.");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].source, "list:disconnect");
        assert_eq!(m[0].entity.as_deref(), Some("Ads Co"));
        assert_eq!(m[0].class, Some("advertising"));
        assert_eq!(m[1].class, Some("tracking"));
        assert_eq!(
            listed_as(&m),
            "listed as advertising by list:disconnect, tracking by list:easyprivacy"
        );
        assert!(lists.lookup("notads.example").is_empty());
        assert!(lists.lookup("ads.example.evil").is_empty());
        // Listed, but not as tracking.
        assert_eq!(lists.lookup("video.example")[0].class, None);
    }

    #[test]
    fn classes_of_list_categories() {
        let tr = Format::TrackerRadar;
        assert_eq!(
            class_of("tracker-radar", tr, Some("Advertising")),
            Some("advertising")
        );
        assert_eq!(class_of("tracker-radar", tr, Some("CDN")), None);
        assert_eq!(class_of("tracker-radar", tr, Some("Ad Fraud")), None);
        assert_eq!(
            class_of(
                "disconnect",
                Format::Disconnect,
                Some("FingerprintingInvasive")
            ),
            Some("fingerprinting")
        );
        assert_eq!(
            class_of("disconnect", Format::Disconnect, Some("Content")),
            None
        );
        assert_eq!(
            class_of("easylist", Format::Adblock, None),
            Some("advertising")
        );
    }
}
