//! Consent-management platforms: `rules/cmps.toml`.
//!
//! Each platform is known by the markup it injects (CSS selectors) and the
//! hosts its scripts come from. The banner detector uses the selectors; the
//! http engine uses the hosts to say *which* platform would show a banner it
//! cannot render.

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::host_within;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CmpEntry {
    pub name: String,
    #[serde(default)]
    pub selectors: Vec<String>,
    #[serde(default)]
    pub script_hosts: Vec<String>,
    /// Substrings of a script URL or inline script that betray the platform.
    #[serde(default)]
    pub script_markers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CmpFile {
    version: String,
    cmp: Vec<CmpEntry>,
}

#[derive(Debug)]
pub struct CmpDb {
    pub version: String,
    pub entries: Vec<CmpEntry>,
}

impl CmpDb {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let file: CmpFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid CMP file"))?;
        for entry in &file.cmp {
            for sel in &entry.selectors {
                if scraper::Selector::parse(sel).is_err() {
                    bail!(
                        "{origin}: CMP `{}`: invalid CSS selector `{sel}`",
                        entry.name
                    );
                }
            }
        }
        Ok(CmpDb {
            version: file.version,
            entries: file.cmp,
        })
    }

    /// The platform whose scripts are served from `host`, if any.
    pub fn by_script_host(&self, host: &str) -> Option<&CmpEntry> {
        self.entries
            .iter()
            .find(|e| e.script_hosts.iter().any(|h| host_within(host, h)))
    }

    /// The platform betrayed by a script URL or inline script text.
    pub fn by_script_text(&self, text: &str) -> Option<&CmpEntry> {
        self.entries
            .iter()
            .find(|e| e.script_markers.iter().any(|m| text.contains(m.as_str())))
    }
}
