//! The three formats of domain lists users can install, read into one shape:
//! a domain, the company (entity) that owns it, the list's own categories
//! and, when the list carries it, the domain's prevalence.
//!
//! - **Tracker Radar** JSON: DuckDuckGo's tracker data set (`trackers`, a
//!   map from domain to `{domain, owner: {name, displayName}, prevalence,
//!   categories}`), one Tracker Radar domain file (the same object at the
//!   top level), or an array of domain files.
//! - **Disconnect** `services.json`: `categories`, a map from category to a
//!   list of `{entity: {homepage: [domains…]}}`.
//! - **Adblock** (EasyList, EasyPrivacy): only rules that block a whole host
//!   are read: `||host^`, with options limited to request types,
//!   `third-party`, `important`, `all` and `match-case`. Everything else is
//!   counted as ignored: comments, cosmetic rules (`##`, `#@#`, `#?#`,
//!   `#$#`), exceptions (`@@`), rules with a path, a wildcard or a regular
//!   expression, and rules whose options narrow or change them (`domain=`,
//!   `first-party`, `~third-party`, `redirect=`, `csp=`, `removeparam=`,
//!   `popup`…). A host listed by a rule restricted to some sites is not a
//!   tracker everywhere, so it is not read as one.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The format of a list file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    TrackerRadar,
    Disconnect,
    Adblock,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::TrackerRadar => "tracker-radar",
            Format::Disconnect => "disconnect",
            Format::Adblock => "adblock",
        }
    }

    /// Guess the format of a file from its first non-blank character: JSON
    /// with `categories` and no `trackers` is Disconnect's, other JSON is
    /// Tracker Radar's, and text is an adblock list.
    pub fn sniff(text: &str) -> Format {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        // An adblock list may open with a `[Adblock Plus 2.0]` header.
        let json_array = t
            .strip_prefix('[')
            .is_some_and(|r| r.trim_start().starts_with(['{', ']']));
        if t.starts_with('{') || json_array {
            let head: String = t.chars().take(4096).collect();
            if head.contains("\"categories\"")
                && !head.contains("\"trackers\"")
                && t.starts_with('{')
            {
                // A Tracker Radar domain file also has `categories`, beside
                // a `domain` key.
                if head.contains("\"domain\"") && head.contains("\"owner\"") {
                    return Format::TrackerRadar;
                }
                return Format::Disconnect;
            }
            Format::TrackerRadar
        } else {
            Format::Adblock
        }
    }
}

/// What one list says of one domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    /// The company, when the list names one.
    pub entity: Option<String>,
    /// The list's own category names, as it spells them.
    pub categories: Vec<String>,
    /// Share of sites on which the domain was seen, when the list says.
    pub prevalence: Option<f64>,
}

/// A list read into memory.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Lower-case domain to what the list says of it.
    pub domains: HashMap<String, Listed>,
    /// Version declared inside the file (adblock `! Version:`), if any.
    pub version: Option<String>,
    /// Rules or entries read but not used (adblock lists).
    pub ignored: usize,
}

/// Read `text` in `format`. An empty list is an error: a download that
/// came back empty or cut short must not replace a working copy.
pub fn parse(format: Format, text: &str) -> Result<Parsed> {
    let parsed = match format {
        Format::TrackerRadar => tracker_radar(text)?,
        Format::Disconnect => disconnect(text)?,
        Format::Adblock => adblock(text),
    };
    if parsed.domains.is_empty() {
        bail!("no domain found in it (not a {} list?)", format.as_str());
    }
    Ok(parsed)
}

/// A host name as lists write it, lower-cased, or `None` when it is not one.
fn clean_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.contains('.')
        && d.len() <= 253
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && !d.starts_with('.')
        && !d.contains("..");
    ok.then_some(d)
}

fn tracker_radar(text: &str) -> Result<Parsed> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).context("invalid JSON")?;
    let mut out = Parsed::default();
    let mut add = |key: Option<&str>, v: &serde_json::Value| {
        let Some(domain) = v
            .get("domain")
            .and_then(|d| d.as_str())
            .or(key)
            .and_then(clean_domain)
        else {
            out.ignored += 1;
            return;
        };
        let owner = v.get("owner");
        let entity = owner
            .and_then(|o| o.get("displayName").or_else(|| o.get("name")))
            .and_then(|n| n.as_str())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let categories = v
            .get("categories")
            .and_then(|c| c.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let prevalence = v.get("prevalence").and_then(|p| {
            p.as_f64()
                // Tracker Radar domain files give prevalence per crawl
                // region as an object; the data set gives a number.
                .or_else(|| p.get("total").and_then(|t| t.as_f64()))
        });
        out.domains.insert(
            domain,
            Listed {
                entity,
                categories,
                prevalence,
            },
        );
    };
    match &value {
        serde_json::Value::Object(map) => {
            if let Some(trackers) = map.get("trackers").and_then(|t| t.as_object()) {
                for (k, v) in trackers {
                    add(Some(k), v);
                }
            } else if map.contains_key("domain") {
                add(None, &value);
            } else {
                bail!("neither a `trackers` map nor a domain file");
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                add(None, v);
            }
        }
        _ => bail!("neither a `trackers` map nor a domain file"),
    }
    Ok(out)
}

fn disconnect(text: &str) -> Result<Parsed> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).context("invalid JSON")?;
    let categories = value
        .get("categories")
        .and_then(|c| c.as_object())
        .context("no `categories` object")?;
    let mut out = Parsed::default();
    for (category, entities) in categories {
        for item in entities.as_array().into_iter().flatten() {
            for (entity, sites) in item.as_object().into_iter().flatten() {
                for (_homepage, domains) in sites.as_object().into_iter().flatten() {
                    // Beside the homepage key, entries carry flags such as
                    // `"dnt": "eff"`, which are strings, not domain lists.
                    let Some(domains) = domains.as_array() else {
                        continue;
                    };
                    for d in domains {
                        let Some(domain) = d.as_str().and_then(clean_domain) else {
                            out.ignored += 1;
                            continue;
                        };
                        let listed = out.domains.entry(domain).or_default();
                        if listed.entity.is_none() {
                            listed.entity = Some(entity.trim().to_string());
                        }
                        if !listed.categories.contains(category) {
                            listed.categories.push(category.clone());
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Request-type and harmless options a whole-host rule may carry.
const HOST_RULE_OPTIONS: &[&str] = &[
    "third-party",
    "3p",
    "important",
    "all",
    "match-case",
    "script",
    "image",
    "stylesheet",
    "css",
    "xmlhttprequest",
    "xhr",
    "subdocument",
    "frame",
    "ping",
    "beacon",
    "media",
    "font",
    "object",
    "websocket",
    "other",
];

fn adblock(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('[') {
            continue;
        }
        if let Some(comment) = line.strip_prefix('!') {
            if out.version.is_none() {
                if let Some(v) = comment.trim().strip_prefix("Version:") {
                    out.version = Some(v.trim().to_string()).filter(|v| !v.is_empty());
                }
            }
            continue;
        }
        match host_rule(line) {
            Some(domain) => {
                out.domains.entry(domain).or_default();
            }
            None => out.ignored += 1,
        }
    }
    out
}

/// The host of a rule that blocks a whole host, else `None`.
fn host_rule(line: &str) -> Option<String> {
    if line.contains('#') || line.starts_with("@@") {
        return None;
    }
    let rest = line.strip_prefix("||")?;
    let (pattern, options) = match rest.split_once('$') {
        Some((p, o)) => (p, Some(o)),
        None => (rest, None),
    };
    let host = pattern
        .strip_suffix('^')
        .or_else(|| pattern.strip_suffix("^|"))?;
    if let Some(options) = options {
        if !options
            .split(',')
            .all(|o| HOST_RULE_OPTIONS.contains(&o.trim().to_ascii_lowercase().as_str()))
        {
            return None;
        }
    }
    clean_domain(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_radar_data_set_and_domain_files() {
        let tds = r#"{"trackers": {
            "ads.example": {"domain": "ads.example", "owner": {"name": "Example Ads Inc", "displayName": "Example Ads"},
                            "prevalence": 0.25, "categories": ["Advertising", "Ad Motivated Tracking"]},
            "cdn.example": {"domain": "cdn.example", "owner": {}, "prevalence": 0.5, "categories": ["CDN"]}
        }, "entities": {}}"#;
        let p = parse(Format::TrackerRadar, tds).unwrap();
        assert_eq!(p.domains.len(), 2);
        let ads = &p.domains["ads.example"];
        assert_eq!(ads.entity.as_deref(), Some("Example Ads"));
        assert_eq!(ads.prevalence, Some(0.25));
        assert_eq!(ads.categories, ["Advertising", "Ad Motivated Tracking"]);
        assert_eq!(p.domains["cdn.example"].entity, None);

        let file = r#"{"domain": "Px.Example.", "owner": {"name": "Px Co"}, "prevalence": {"total": 0.1}, "categories": []}"#;
        assert_eq!(Format::sniff(file), Format::TrackerRadar);
        let p = parse(Format::TrackerRadar, file).unwrap();
        assert_eq!(p.domains["px.example"].entity.as_deref(), Some("Px Co"));
        assert_eq!(p.domains["px.example"].prevalence, Some(0.1));

        let array = format!("[{file}, {{\"domain\": \"not a host\"}}]");
        let p = parse(Format::TrackerRadar, &array).unwrap();
        assert_eq!((p.domains.len(), p.ignored), (1, 1));
    }

    #[test]
    fn disconnect_services() {
        let json = r#"{"license": "x", "categories": {
            "Advertising": [{"Ads Co": {"https://ads.example/": ["ads.example", "ads-cdn.example"], "dnt": "eff"}}],
            "Analytics": [{"Ads Co": {"https://ads.example/": ["ads.example"]}}],
            "Content": [{"Video Co": {"https://video.example/": ["video.example"]}}]
        }}"#;
        assert_eq!(Format::sniff(json), Format::Disconnect);
        let p = parse(Format::Disconnect, json).unwrap();
        assert_eq!(p.domains.len(), 3);
        let ads = &p.domains["ads.example"];
        assert_eq!(ads.entity.as_deref(), Some("Ads Co"));
        assert_eq!(ads.categories, ["Advertising", "Analytics"]);
        assert_eq!(p.domains["video.example"].categories, ["Content"]);
    }

    #[test]
    fn adblock_reads_whole_host_rules_only() {
        let text = "[Adblock Plus 2.0]\n! Version: 202612041200\n! Title: test\n\
            ||tracker.example^\n\
            ||pixel.example^$third-party\n\
            ||beacon.example^$script,image,important\n\
            ||onsite.example^$domain=shop.example\n\
            ||firstparty.example^$first-party\n\
            ||path.example/collect\n\
            ||wild*.example^\n\
            @@||tracker.example^$script\n\
            example.com##.ad\n\
            /banner/ads/*\n\
            ||redirect.example^$redirect=noop.js\n";
        assert_eq!(Format::sniff(text), Format::Adblock);
        let p = parse(Format::Adblock, text).unwrap();
        let mut domains: Vec<&str> = p.domains.keys().map(String::as_str).collect();
        domains.sort();
        assert_eq!(
            domains,
            ["beacon.example", "pixel.example", "tracker.example"]
        );
        assert_eq!(p.version.as_deref(), Some("202612041200"));
        assert_eq!(p.ignored, 8);
    }

    #[test]
    fn empty_or_cut_files_are_errors() {
        assert!(parse(Format::Adblock, "! only comments\n").is_err());
        assert!(parse(Format::Disconnect, r#"{"categories": {"Advertising": [{"#).is_err());
        assert!(parse(Format::TrackerRadar, r#"{"trackers": {}}"#).is_err());
        assert!(parse(Format::TrackerRadar, "<html>").is_err());
    }
}
