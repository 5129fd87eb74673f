//! Which requests go to trackers: our curated list first, then any
//! EasyList/EasyPrivacy-format filter lists the user gives (`--filter-list`).
//!
//! Filter lists are loaded at run time and never shipped: their licences
//! are the user's business, and they change daily. The rule that matched is
//! kept as evidence.

use std::path::Path;

use anyhow::{Context, Result};
use url::Url;

use crate::evidence::{ListInfo, Party, Request};
use crate::knowledge::{TrackerCategory, TrackerDb};

/// A user-supplied filter list, compiled.
pub struct FilterList {
    pub name: String,
    pub rules: usize,
    pub digest: String,
    engine: adblock::Engine,
}

impl std::fmt::Debug for FilterList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterList")
            .field("name", &self.name)
            .field("rules", &self.rules)
            .finish()
    }
}

impl FilterList {
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read filter list {}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(Self::from_text(&path.display().to_string(), &text))
    }

    pub fn from_text(name: &str, text: &str) -> Self {
        let mut set = adblock::lists::FilterSet::new(true);
        set.add_filter_list(text.to_string(), adblock::lists::ParseOptions::default());
        let rules = text
            .lines()
            .filter(|l| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('!') && !l.starts_with('[')
            })
            .count();
        FilterList {
            name: name.to_string(),
            rules,
            digest: format!("{:016x}", fnv1a(text.as_bytes())),
            engine: adblock::Engine::new_with_filter_set(set),
        }
    }

    pub fn info(&self) -> ListInfo {
        ListInfo {
            name: self.name.clone(),
            version: format!("fnv1a:{}", self.digest),
            entries: self.rules,
        }
    }

    /// The blocking rule matching this request, if any (exceptions honoured).
    pub fn check(&self, url: &Url, page_url: &str, request_type: &str) -> Option<String> {
        // `||host^` rules do not match a URL with an explicit port.
        let mut url = url.clone();
        let _ = url.set_port(None);
        let mut source = Url::parse(page_url).ok()?;
        let _ = source.set_port(None);
        let req =
            adblock::request::Request::new(url.as_str(), source.as_str(), request_type, "GET")
                .ok()?;
        let res = self.engine.check_network_request(&req);
        if res.should_block() {
            Some(
                res.filter
                    .and_then(|f| f.raw_line)
                    .unwrap_or_else(|| "(rule text not kept)".to_string()),
            )
        } else {
            None
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub use crate::lists::Attribution;

/// Attribute a request to a tracker, by its host and path. First-party
/// requests are the site's own business and never count as third-party
/// trackers here.
pub fn attribute(db: &TrackerDb, lists: &[FilterList], req: &Request) -> Option<Attribution> {
    if req.party == Party::First {
        return None;
    }
    let url = Url::parse(&req.url).ok();
    let path = url.as_ref().map_or("/", Url::path);
    if let Some(entry) = db.lookup_request(&req.host, path) {
        return Some(Attribution {
            company: entry.company.clone(),
            category: entry.category,
            source: "builtin".to_string(),
            rule: None,
            audience_measurement: entry.audience_measurement,
        });
    }
    let url = url?;
    lists.iter().find_map(|list| {
        list.check(&url, &req.page_url, req.resource_type.filter_list_name())
            .map(|rule| Attribution {
                company: String::new(),
                category: TrackerCategory::FilterList,
                source: list.name.clone(),
                rule: Some(rule),
                audience_measurement: false,
            })
    })
}
