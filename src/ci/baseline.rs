//! The committed baseline: what each site did when it was last reviewed.
//!
//! The file is sorted and holds no timestamp, so that it changes only when
//! a site does and a diff of it reads as a review. Its items may be edited
//! by hand: tracker and third-party hosts accept `*.example.com` (the
//! domain and every host below it), cookie names and domains accept `*`
//! wildcards (`_ga_*`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::config::host_pattern_match;
use crate::evidence::VisitKind;
use crate::knowledge::wildcard_match;
use crate::verdict::SiteReport;

/// Version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

/// A tracker host contacted by the site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerItem {
    pub host: String,
    pub company: String,
    pub category: String,
}

impl TrackerItem {
    /// Does this item (host or `*.domain` pattern) cover `host`?
    pub fn matches(&self, host: &str) -> bool {
        host_pattern_match(&self.host, host)
    }
}

/// A cookie the site sets (or lets be set).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieItem {
    /// The cookie name as seen; may be edited into a pattern (`_ga_*`).
    pub name: String,
    /// Domain without a leading dot; `*.example.com` allowed.
    pub domain: String,
}

impl CookieItem {
    /// Does this item cover the cookie `name` on `domain`? `*` in the name
    /// is a wildcard; the domain must be equal (leading dots ignored) or
    /// match a `*` pattern.
    pub fn matches(&self, name: &str, domain: &str) -> bool {
        wildcard_match(&self.name, name)
            && host_pattern_match(
                self.domain.trim_start_matches('.'),
                domain.trim_start_matches('.'),
            )
    }
}

/// One site's baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteBaseline {
    pub url: String,
    #[serde(default)]
    pub trackers: Vec<TrackerItem>,
    #[serde(default)]
    pub cookies: Vec<CookieItem>,
    #[serde(default)]
    pub third_party_hosts: Vec<String>,
    /// Rule id to status: `pass`, `fail`, `not_applicable` or `error`.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
    #[serde(default)]
    pub score: Option<u32>,
}

impl SiteBaseline {
    pub fn has_tracker(&self, host: &str) -> bool {
        self.trackers.iter().any(|t| t.matches(host))
    }

    pub fn has_cookie(&self, name: &str, domain: &str) -> bool {
        self.cookies.iter().any(|c| c.matches(name, domain))
    }

    pub fn has_third_party_host(&self, host: &str) -> bool {
        self.third_party_hosts
            .iter()
            .any(|p| host_pattern_match(p, host))
    }
}

/// The baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub tool_version: String,
    pub rules_version: String,
    pub sites: Vec<SiteBaseline>,
}

impl Baseline {
    /// From judged sites: every visit's trackers, cookies and third-party
    /// hosts (union over every visit made),
    /// sorted and deduplicated; sites sorted by URL. Sites that could not
    /// be audited are left out (they have nothing to record). Cookies the
    /// browser refused are not recorded.
    pub fn from_reports(reports: &[SiteReport], rules_version: &str) -> Baseline {
        Baseline::build(reports.iter(), rules_version)
    }

    /// As [`Baseline::from_reports`], with the union over several runs, so
    /// that trackers that come and go (ad auctions) are all recorded. Rule
    /// statuses and score are those of the first audited run.
    pub fn from_runs(runs: &[Vec<SiteReport>], rules_version: &str) -> Baseline {
        Baseline::build(runs.iter().flatten(), rules_version)
    }

    fn build<'a>(reports: impl Iterator<Item = &'a SiteReport>, rules_version: &str) -> Baseline {
        let mut sites: BTreeMap<&str, SiteBaseline> = BTreeMap::new();
        for report in reports.filter(|r| r.audited) {
            let site = sites
                .entry(report.url.as_str())
                .or_insert_with(|| SiteBaseline {
                    url: report.url.clone(),
                    trackers: Vec::new(),
                    cookies: Vec::new(),
                    third_party_hosts: Vec::new(),
                    rules: report
                        .rules
                        .iter()
                        .map(|r| (r.id.clone(), status_name(&r.status)))
                        .collect(),
                    score: report.score.as_ref().map(|s| s.value),
                });
            for (_, visit) in visits(report) {
                for t in visit
                    .trackers
                    .iter()
                    .chain(visit.referenced_trackers.iter())
                {
                    if !site.trackers.iter().any(|x| x.host == t.host) {
                        site.trackers.push(TrackerItem {
                            host: t.host.clone(),
                            company: t.company.clone(),
                            category: t.category.clone(),
                        });
                    }
                }
                for c in visit.cookies.iter().filter(|c| !c.blocked) {
                    site.cookies.push(CookieItem {
                        name: c.name.clone(),
                        domain: c.domain.trim_start_matches('.').to_string(),
                    });
                }
                site.third_party_hosts
                    .extend(visit.third_party_hosts.iter().cloned());
            }
        }
        let sites = sites
            .into_values()
            .map(|mut s| {
                s.trackers.sort();
                s.cookies.sort();
                s.cookies.dedup();
                s.third_party_hosts = s
                    .third_party_hosts
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                s
            })
            .collect();
        Baseline {
            version: BASELINE_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            rules_version: rules_version.to_string(),
            sites,
        }
    }

    /// Pretty JSON with a trailing newline; the same baseline always gives
    /// the same bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a baseline is always serialisable");
        s.push('\n');
        s
    }

    /// Parse a baseline; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Baseline> {
        let json_error =
            |e: serde_json::Error| anyhow::anyhow!("{file}:{}:{}: {e}", e.line(), e.column());
        // The version first, so that a newer file is refused for what it is
        // rather than for the fields this version does not know.
        let value: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
        if let Some(v) = value.get("version").and_then(serde_json::Value::as_u64) {
            if v > u64::from(BASELINE_VERSION) {
                bail!(
                    "{file}: baseline version {v} is newer than this barometer reads \
                     (version {BASELINE_VERSION}); upgrade barometer"
                );
            }
        }
        serde_json::from_str(text).map_err(json_error)
    }

    /// Read a baseline file. Errors name the file, and for JSON errors the
    /// line and column; a version newer than [`BASELINE_VERSION`] is refused.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        Baseline::parse(&text, &path.display().to_string())
    }

    /// The baseline of the site audited at `url` (a trailing slash aside).
    pub fn site(&self, url: &str) -> Option<&SiteBaseline> {
        self.sites.iter().find(|s| s.url == url).or_else(|| {
            let bare = url.trim_end_matches('/');
            self.sites
                .iter()
                .find(|s| s.url.trim_end_matches('/') == bare)
        })
    }
}

/// A report's visits that were made, in visit order (every kind).
pub(crate) fn visits(
    report: &SiteReport,
) -> impl Iterator<Item = (VisitKind, &crate::facts::VisitFacts)> {
    report.facts.visits_made()
}

/// `pass`, `fail`, `not_applicable` or `error`, as in the JSON report.
pub(crate) fn status_name(status: &crate::rules::engine::RuleStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::facts::{CookieFact, TrackerFact};

    /// A real report of the test web's www.site-fr.test (http engine).
    pub(crate) fn site_fr() -> SiteReport {
        serde_json::from_str(include_str!("testdata/site-fr.json")).expect("fixture parses")
    }

    pub(crate) fn tracker(host: &str, company: &str, category: &str, page: &str) -> TrackerFact {
        TrackerFact {
            host: host.into(),
            company: company.into(),
            category: category.into(),
            consent_required: true,
            pages: vec![page.into()],
            ..Default::default()
        }
    }

    pub(crate) fn cookie(name: &str, domain: &str) -> CookieFact {
        CookieFact {
            name: name.into(),
            domain: domain.into(),
            ..Default::default()
        }
    }

    #[test]
    fn from_a_report_is_sorted_and_deduplicated() {
        let mut r = site_fr();
        let url = r.url.clone();
        // The same tracker and cookie in another visit count once.
        r.facts.after_accept.ran = true;
        r.facts.after_accept.trackers = vec![
            tracker("www.facebook.com", "Meta", "advertising", &url),
            tracker("b.doubleclick.net", "Google", "advertising", &url),
        ];
        r.facts.after_accept.cookies = vec![
            cookie("_ga", ".site-fr.test"),
            cookie("IDE", "doubleclick.net"),
        ];
        r.facts.after_accept.third_party_hosts =
            vec!["b.doubleclick.net".into(), "www.facebook.com".into()];
        // A visit that was not made is ignored.
        r.facts.after_reject.trackers = vec![tracker("x.test", "X", "advertising", &url)];
        // A refused cookie is not recorded.
        let mut blocked = cookie("blocked", "x.test");
        blocked.blocked = true;
        r.facts.before.cookies.push(blocked);

        let mut unreachable = site_fr();
        unreachable.url = "https://www.down.test/".into();
        unreachable.audited = false;
        let mut other = site_fr();
        other.url = "https://a.test/".into();

        let b = Baseline::from_reports(&[r, unreachable, other], "rules-1");
        assert_eq!(b.version, BASELINE_VERSION);
        assert_eq!(b.rules_version, "rules-1");
        let urls: Vec<&str> = b.sites.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["https://a.test/", url.as_str()]);
        let s = b.site(&url).unwrap();
        let hosts: Vec<&str> = s.trackers.iter().map(|t| t.host.as_str()).collect();
        assert_eq!(
            hosts,
            [
                "b.doubleclick.net",
                "www.facebook.com",
                "www.google-analytics.com"
            ]
        );
        assert_eq!(
            s.trackers[1],
            TrackerItem {
                host: "www.facebook.com".into(),
                company: "Meta".into(),
                category: "advertising".into()
            }
        );
        let cookies: Vec<(&str, &str)> = s
            .cookies
            .iter()
            .map(|c| (c.name.as_str(), c.domain.as_str()))
            .collect();
        assert_eq!(
            cookies,
            [
                ("IDE", "doubleclick.net"),
                ("PHPSESSID", "www.site-fr.test"),
                ("_ga", "site-fr.test"),
                ("fr", "facebook.com")
            ]
        );
        assert_eq!(
            s.third_party_hosts,
            [
                "b.doubleclick.net",
                "www.facebook.com",
                "www.google-analytics.com"
            ]
        );
        assert_eq!(s.rules["C101"], "fail");
        assert_eq!(s.rules["C103"], "not_applicable");
        assert_eq!(s.rules["B201"], "pass");
        assert_eq!(s.score, Some(32));
    }

    #[test]
    fn round_trips_and_is_stable() {
        let b = Baseline::from_reports(&[site_fr()], "rules-1");
        let json = b.to_json();
        assert!(json.ends_with("}\n"));
        assert!(!json.contains("generated_at") && !json.contains("started_at"));
        let back = Baseline::parse(&json, "b.json").unwrap();
        assert_eq!(back, b);
        assert_eq!(back.to_json(), json);
        // Two audits of an unchanged site give the same bytes.
        assert_eq!(
            Baseline::from_reports(&[site_fr()], "rules-1").to_json(),
            json
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("barometer-baseline.json");
        std::fs::write(&path, &json).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), b);
    }

    #[test]
    fn load_errors_name_the_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\n  \"version\": 1,\n  \"sites\": [,]\n}\n").unwrap();
        let e = Baseline::load(&path).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:3:13: ", path.display())), "{e}");

        let e = Baseline::parse(
            r#"{"version": 1, "tool_version": "x", "rules_version": "y", "sites": [], "extra": 1}"#,
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("b.json:1:") && e.contains("unknown field `extra`"),
            "{e}"
        );

        let e = Baseline::parse(r#"{"version": 2, "future": true}"#, "b.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("baseline version 2 is newer"), "{e}");

        let e = Baseline::load(&dir.path().join("missing.json")).unwrap_err();
        assert!(
            format!("{e:#}").contains("missing.json: cannot read the baseline"),
            "{e:#}"
        );
    }

    #[test]
    fn items_match_patterns() {
        let c = CookieItem {
            name: "_ga_*".into(),
            domain: "site-fr.test".into(),
        };
        assert!(c.matches("_ga_ABC123", ".site-fr.test"));
        assert!(!c.matches("_ga", "site-fr.test"));
        assert!(!c.matches("_ga_ABC123", "www.site-fr.test"));
        let c = CookieItem {
            name: "_hjSession_*".into(),
            domain: "*.site-fr.test".into(),
        };
        assert!(c.matches("_hjSession_123456", "www.site-fr.test"));
        assert!(c.matches("_hjSession_123456", "site-fr.test"));
        let t = TrackerItem {
            host: "*.doubleclick.net".into(),
            company: "Google".into(),
            category: "advertising".into(),
        };
        assert!(t.matches("securepubads.g.doubleclick.net"));
        assert!(!t.matches("doubleclick.network"));
    }

    #[test]
    fn site_lookup_tolerates_a_trailing_slash() {
        let b = Baseline::from_reports(&[site_fr()], "r");
        let url = b.sites[0].url.clone();
        assert!(b.site(&url).is_some());
        assert!(b.site(url.trim_end_matches('/')).is_some());
        assert!(b.site("https://elsewhere.test/").is_none());
    }
}
