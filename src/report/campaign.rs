//! The barometer: one campaign's sites, summed up as indicators with
//! confidence intervals, rankings, prevalences, and a comparison with an
//! earlier campaign.
//!
//! Like the site report, this is one serialisable model, rendered by the
//! templates `reports/campaign.*.hbs`: HTML, Markdown and CSV never
//! disagree, and JSON is the model itself.
//!
//! Every indicator states its numerator and **denominator**: unreachable
//! sites are excluded (and listed), and an indicator a site cannot answer
//! (no banner detectable by the http engine, no reject click made) leaves
//! that site out of that indicator's denominator rather than counting it
//! as a "no".

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Arg, Catalogue, Lang, Words};
use crate::knowledge::references::{Reference, References};
use crate::report::SiteReport;
use crate::stats::{histogram, Distribution, Proportion};
use crate::targets::Skipped;

/// An indicator: its definition, and the share of sites it holds for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    /// A short name for charts and table headers: "Reject on first layer".
    pub short: String,
    /// The headline phrase: "offer a reject button on the first layer".
    pub label: String,
    /// How it is computed from each site's facts, and its denominator.
    pub definition: String,
    /// None when no site could answer it.
    pub value: Option<Proportion>,
    /// Published figures it can be compared with (`rules/references.toml`).
    pub references: Vec<Reference>,
    /// Change since the compared campaign, in percentage points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// An indicator's value in the compared campaign, and the difference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub before: Proportion,
    /// Percentage points (now − before).
    pub points: f64,
}

/// What one site holds for each indicator: `None` when it cannot say.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SiteIndicators {
    pub banner: Option<bool>,
    pub reject_first_layer: Option<bool>,
    pub tracking_before_choice: Option<bool>,
    pub tracking_after_reject: Option<bool>,
    pub cross_site_disclosed: Option<bool>,
    pub cookies_over_13_months: Option<bool>,
    pub minimally_compliant: Option<bool>,
    #[serde(default)]
    pub retargeting_before_choice: Option<bool>,
    #[serde(default)]
    pub retargeting_after_accept: Option<bool>,
    #[serde(default)]
    pub cookie_wall: Option<bool>,
}

impl SiteIndicators {
    fn get(&self, id: &str) -> Option<bool> {
        match id {
            "banner" => self.banner,
            "reject_first_layer" => self.reject_first_layer,
            "tracking_before_choice" => self.tracking_before_choice,
            "tracking_after_reject" => self.tracking_after_reject,
            "cross_site_disclosed" => self.cross_site_disclosed,
            "cookies_over_13_months" => self.cookies_over_13_months,
            "minimally_compliant" => self.minimally_compliant,
            "retargeting_before_choice" => self.retargeting_before_choice,
            "retargeting_after_accept" => self.retargeting_after_accept,
            "cookie_wall" => self.cookie_wall,
            _ => None,
        }
    }
}

/// The indicators, in report order. Each one's short name (charts, table
/// headers), headline phrase and definition are `ind_<id>_short`,
/// `ind_<id>_label` and `ind_<id>_definition` of the report catalogue.
pub const INDICATORS: &[&str] = &[
    "banner",
    "reject_first_layer",
    "tracking_before_choice",
    "tracking_after_reject",
    "cross_site_disclosed",
    "cookies_over_13_months",
    "minimally_compliant",
    "retargeting_before_choice",
    "retargeting_after_accept",
    "cookie_wall",
];

/// One audited site, as the ranking and the CSV show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteRow {
    /// Rank by score (1 = best): sites with equal scores share it (1, 2,
    /// 2, 4).
    pub position: usize,
    /// Another site has the same score (the rank is shared).
    #[serde(default)]
    pub tied: bool,
    /// Sum of the default weights of the severities of the counted
    /// findings (critical 30, high 15, medium 8, low 3): orders sites of
    /// equal score, fewer and milder findings first.
    #[serde(default)]
    pub severity_weight: u32,
    pub url: String,
    pub site: String,
    /// The jurisdiction profile it was judged under.
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// Rank given in the input (popularity), not our ranking.
    #[serde(default)]
    pub input_rank: Option<u32>,
    pub score: u32,
    pub grade: String,
    pub indicators: SiteIndicators,
    pub third_party_hosts: u32,
    pub cookies: u32,
    pub trackers: u32,
    pub tracker_companies: Vec<String>,
    /// Tracker hosts contacted in any visit.
    pub tracker_hosts: Vec<String>,
    /// Rule ids failed, of high or medium confidence: what the barometer
    /// counts.
    pub findings: Vec<String>,
    /// Rule ids failed on a heuristic (low confidence): listed for review,
    /// counted in no figure.
    #[serde(default)]
    pub findings_to_review: Vec<String>,
    /// Bytes transferred for the home page, before any choice.
    #[serde(default)]
    pub page_weight_bytes: u64,
    /// Share of the first visit's bytes that went to third parties (0-1),
    /// when bytes were measured.
    #[serde(default)]
    pub third_party_byte_share: Option<f64>,
    /// Estimated grams of CO2e of the first visit (Sustainable Web Design
    /// Model v4).
    #[serde(default)]
    pub co2e_grams: f64,
    /// The site's own report, relative to the barometer's directory.
    #[serde(default)]
    pub report: Option<String>,
}

impl SiteRow {
    /// What a judged site contributes. `position` is set by the ranking.
    pub fn from_report(
        r: &SiteReport,
        name: Option<String>,
        category: Option<String>,
        input_rank: Option<u32>,
    ) -> SiteRow {
        let f = &r.facts;
        let determinable = f.banner.determinable;
        let tracks =
            |v: &crate::facts::VisitFacts| v.tracker_count > 0 || v.consent_cookie_count > 0;
        let before = tracks(&f.before);
        let after_reject =
            (f.after_reject.ran && f.after_reject.choice_made).then(|| tracks(&f.after_reject));
        let over_13 = f
            .before
            .cookies
            .iter()
            .chain(f.after_accept.cookies.iter())
            .any(|c| c.consent_required && c.over_13_months);
        // A banner whose layers the engine could not place says nothing of
        // a first-level refusal either way: out of the denominator.
        let reject = (determinable && (!f.banner.present || f.banner.layers_determinable))
            .then_some(f.banner.present && f.banner.first_level_reject);
        let mut companies: Vec<String> = Vec::new();
        let mut hosts: Vec<String> = Vec::new();
        for (_, v) in f.visits_made() {
            for t in &v.trackers {
                if !t.company.is_empty() && !companies.contains(&t.company) {
                    companies.push(t.company.clone());
                }
                if !hosts.contains(&t.host) {
                    hosts.push(t.host.clone());
                }
            }
        }
        companies.sort();
        hosts.sort();
        let retargeting =
            |v: &crate::facts::VisitFacts| v.trackers.iter().any(|t| t.category == "retargeting");
        let accepted = f.after_accept.ran && f.after_accept.choice_made;
        let wall_known = f.banner.present && (f.wall.measured || f.wall.pay_or_accept);
        SiteRow {
            position: 0,
            tied: false,
            severity_weight: r
                .findings
                .iter()
                .filter(|x| x.confidence != crate::rules::Confidence::Low)
                .map(|x| x.severity.default_weight())
                .sum(),
            url: r.url.clone(),
            site: r.site.clone(),
            profile: r.facts.profile.id.clone(),
            name,
            category,
            input_rank,
            score: r.score.as_ref().map_or(0, |s| s.value),
            grade: r
                .score
                .as_ref()
                .map_or_else(|| "-".to_string(), |s| s.grade.to_string()),
            indicators: SiteIndicators {
                banner: determinable.then_some(f.banner.present),
                reject_first_layer: reject,
                tracking_before_choice: Some(before),
                tracking_after_reject: after_reject,
                cross_site_disclosed: determinable
                    .then_some(f.banner.present && f.banner_text.cross_site),
                cookies_over_13_months: Some(over_13),
                minimally_compliant: reject
                    .map(|reject| reject && !before && after_reject != Some(true)),
                retargeting_before_choice: Some(retargeting(&f.before)),
                retargeting_after_accept: accepted.then(|| retargeting(&f.after_accept)),
                cookie_wall: wall_known.then_some(f.wall.cookie_wall),
            },
            page_weight_bytes: f.page_weight_bytes,
            third_party_byte_share: (f.before.weight.bytes > 0)
                .then_some(f.before.weight.third_party_share),
            co2e_grams: f.before.weight.co2e_grams,
            third_party_hosts: f.before.third_party_host_count,
            cookies: f.before.cookie_count,
            trackers: f.before.tracker_count,
            tracker_companies: companies,
            tracker_hosts: hosts,
            findings: r
                .findings
                .iter()
                .filter(|x| x.confidence != crate::rules::Confidence::Low)
                .map(|x| x.rule_id.clone())
                .collect(),
            findings_to_review: r
                .findings
                .iter()
                .filter(|x| x.confidence == crate::rules::Confidence::Low)
                .map(|x| x.rule_id.clone())
                .collect(),
            report: None,
        }
    }
}

/// A site that could not be audited.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unreachable {
    pub url: String,
    #[serde(default)]
    pub name: Option<String>,
    pub error: String,
    /// `error` as catalogue words, to be said in the report's language
    /// ([`Unreachable::say`]); `None` keeps `error` as written.
    #[serde(skip)]
    pub words: Option<Words>,
}

impl Unreachable {
    /// Write `error` in `cat`'s language, where it has words.
    pub fn say(&mut self, cat: &Catalogue) {
        if let Some(words) = &self.words {
            self.error = cat.say(words);
        }
    }
}

/// How many sites, in which state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Sites in the campaign (valid input lines).
    pub listed: usize,
    pub audited: usize,
    pub unreachable: usize,
    /// Not audited yet (an unfinished or interrupted campaign).
    pub pending: usize,
    /// Input lines that were not valid sites.
    pub skipped_lines: usize,
}

/// A tracker company or host, and how many sites use it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prevalence {
    pub name: String,
    pub sites: Proportion,
}

/// A numeric measure across sites.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spread {
    pub id: String,
    pub label: String,
    pub distribution: Option<Distribution>,
}

/// The indicators of the sites of one category.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryRow {
    pub category: String,
    pub sites: usize,
    pub median_score: Option<f64>,
    pub indicators: Vec<(String, Option<Proportion>)>,
}

/// A site whose score moved between the compared campaigns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteChange {
    pub url: String,
    pub before: u32,
    pub now: u32,
    pub change: i64,
}

/// The campaign compared with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    pub database: String,
    pub started_at: DateTime<Utc>,
    pub audited: usize,
    /// Sites audited in both campaigns.
    pub common_sites: usize,
    pub improved: Vec<SiteChange>,
    pub worsened: Vec<SiteChange>,
}

/// What the campaign was.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CampaignInfo {
    pub name: String,
    pub database: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub engine: String,
    pub tool_version: String,
    /// Rules the sites were judged with now (reports re-judge evidence).
    pub rules_version: String,
    /// Rules in force when the sites were crawled.
    pub crawl_rules_version: String,
    pub options: serde_json::Value,
    pub sites_file: Option<String>,
}

/// Inline SVG charts (HTML only; not part of the JSON model).
#[derive(Debug, Clone, Default)]
pub struct Charts {
    pub indicators: String,
    pub scores: String,
    pub changes: Option<String>,
}

/// The barometer of one campaign.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CampaignReport {
    pub tool: String,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    pub campaign: CampaignInfo,
    pub counts: Counts,
    pub indicators: Vec<Indicator>,
    pub spreads: Vec<Spread>,
    /// Sites per 10-point score band, "0–9" to "90–100".
    pub score_bands: Vec<(String, u64)>,
    pub grades: Vec<(String, u64)>,
    /// Audited sites, best score first.
    pub ranking: Vec<SiteRow>,
    pub companies: Vec<Prevalence>,
    pub hosts: Vec<Prevalence>,
    pub categories: Vec<CategoryRow>,
    pub unreachable: Vec<Unreachable>,
    pub pending: Vec<String>,
    pub skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// How the figures were measured, said plainly.
    pub method: Vec<String>,
    /// The campaign's estimated footprint (first visits).
    #[serde(default)]
    pub footprint: Footprint,
    /// Rules that could not be evaluated (no finding, nothing off any
    /// score), with the sites concerned.
    #[serde(default)]
    pub rule_errors: Vec<super::RuleError>,
    /// The language of its words (indicator names, definitions, method).
    #[serde(default)]
    pub lang: Lang,
}

/// What the first visits of the campaign's sites weighed, and emitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Footprint {
    /// Sites with bytes measured.
    pub sites: usize,
    pub bytes: u64,
    /// Grams of CO2e, Sustainable Web Design Model v4 (docs/weight.md).
    pub co2e_grams: f64,
    pub model: String,
}

/// Shares of `rows` for indicator `id` (sites that cannot say are left out).
fn share(rows: &[&SiteRow], id: &str) -> Option<Proportion> {
    let answers: Vec<bool> = rows.iter().filter_map(|r| r.indicators.get(id)).collect();
    Proportion::new(
        answers.iter().filter(|a| **a).count() as u64,
        answers.len() as u64,
    )
}

/// How many tracker names to list.
const TOP: usize = 20;

impl CampaignReport {
    /// Sum up a campaign. `rows` are its audited sites (any order).
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        campaign: CampaignInfo,
        mut rows: Vec<SiteRow>,
        unreachable: Vec<Unreachable>,
        pending: Vec<String>,
        skipped: Vec<Skipped>,
        references: &References,
        compare: Option<(&CampaignReport, Comparison)>,
        cat: &Catalogue,
    ) -> CampaignReport {
        rank(&mut rows);
        let all: Vec<&SiteRow> = rows.iter().collect();
        let say = |key: String| cat.say(&Words::new(&key, Vec::new()));
        let mut indicators: Vec<Indicator> = INDICATORS
            .iter()
            .map(|id| Indicator {
                id: id.to_string(),
                short: say(format!("ind_{id}_short")),
                label: say(format!("ind_{id}_label")),
                definition: say(format!("ind_{id}_definition")),
                value: share(&all, id),
                references: references
                    .for_indicator(id)
                    .into_iter()
                    .map(|r| r.in_lang(cat.lang.as_deref().unwrap_or("en")))
                    .collect(),
                change: None,
            })
            .collect();
        let audited = rows.len() as u64;
        let prevalence = |names: &dyn Fn(&SiteRow) -> &Vec<String>| {
            let mut counts: HashMap<&str, u64> = HashMap::new();
            for r in &rows {
                for n in names(r) {
                    *counts.entry(n.as_str()).or_default() += 1;
                }
            }
            let mut v: Vec<(&str, u64)> = counts.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            v.into_iter()
                .take(TOP)
                .filter_map(|(name, n)| {
                    Some(Prevalence {
                        name: name.to_string(),
                        sites: Proportion::new(n, audited)?,
                    })
                })
                .collect::<Vec<_>>()
        };
        let companies = prevalence(&|r| &r.tracker_companies);
        let hosts = prevalence(&|r| &r.tracker_hosts);
        let values = |f: &dyn Fn(&SiteRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        let spreads = vec![
            Spread {
                id: "third_party_hosts".into(),
                label: say("spread_third_party_hosts".to_string()),
                distribution: Distribution::of(&values(&|r| r.third_party_hosts as f64)),
            },
            Spread {
                id: "cookies".into(),
                label: say("spread_cookies".to_string()),
                distribution: Distribution::of(&values(&|r| r.cookies as f64)),
            },
            Spread {
                id: "page_weight_kb".into(),
                label: say("spread_page_weight_kb".to_string()),
                distribution: Distribution::of(
                    &rows
                        .iter()
                        .filter(|r| r.page_weight_bytes > 0)
                        .map(|r| r.page_weight_bytes as f64 / 1000.0)
                        .collect::<Vec<f64>>(),
                ),
            },
            Spread {
                id: "third_party_byte_share".into(),
                label: say("spread_third_party_byte_share".to_string()),
                distribution: Distribution::of(
                    &rows
                        .iter()
                        .filter_map(|r| r.third_party_byte_share.map(|x| x * 100.0))
                        .collect::<Vec<f64>>(),
                ),
            },
            Spread {
                id: "score".into(),
                label: say("spread_score".to_string()),
                distribution: Distribution::of(&values(&|r| r.score as f64)),
            },
        ];
        let edges: Vec<f64> = (0..=10).map(|i| (i * 10) as f64).collect();
        let bands = histogram(&values(&|r| r.score as f64), &edges);
        let score_bands = bands
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let label = if i == 9 {
                    "90-100".to_string()
                } else {
                    format!("{}-{}", i * 10, i * 10 + 9)
                };
                (label, n)
            })
            .collect();
        let grades = ["A", "B", "C", "D", "E"]
            .iter()
            .map(|g| {
                (
                    g.to_string(),
                    rows.iter().filter(|r| r.grade == *g).count() as u64,
                )
            })
            .collect();
        let mut by_category: BTreeMap<&str, Vec<&SiteRow>> = BTreeMap::new();
        for r in &rows {
            if let Some(c) = r.category.as_deref().filter(|c| !c.is_empty()) {
                by_category.entry(c).or_default().push(r);
            }
        }
        let categories = by_category
            .into_iter()
            .map(|(category, members)| CategoryRow {
                category: category.to_string(),
                sites: members.len(),
                median_score: crate::stats::median(
                    &members.iter().map(|r| r.score as f64).collect::<Vec<_>>(),
                ),
                indicators: INDICATORS
                    .iter()
                    .map(|id| (id.to_string(), share(&members, id)))
                    .collect(),
            })
            .collect();
        let comparison = compare.map(|(before, mut cmp)| {
            for ind in indicators.iter_mut() {
                let old = before
                    .indicators
                    .iter()
                    .find(|i| i.id == ind.id)
                    .and_then(|i| i.value);
                if let (Some(old), Some(now)) = (old, ind.value) {
                    ind.change = Some(Change {
                        before: old,
                        points: now.percent - old.percent,
                    });
                }
            }
            let old: HashMap<&str, u32> = before
                .ranking
                .iter()
                .map(|r| (r.url.as_str(), r.score))
                .collect();
            let mut changes: Vec<SiteChange> = rows
                .iter()
                .filter_map(|r| {
                    old.get(r.url.as_str()).map(|b| SiteChange {
                        url: r.url.clone(),
                        before: *b,
                        now: r.score,
                        change: r.score as i64 - *b as i64,
                    })
                })
                .collect();
            cmp.common_sites = changes.len();
            changes.sort_by(|a, b| b.change.cmp(&a.change).then_with(|| a.url.cmp(&b.url)));
            cmp.improved = changes.iter().filter(|c| c.change > 0).cloned().collect();
            cmp.worsened = changes
                .iter()
                .rev()
                .filter(|c| c.change < 0)
                .cloned()
                .collect();
            cmp
        });
        let counts = Counts {
            listed: rows.len() + unreachable.len() + pending.len(),
            audited: rows.len(),
            unreachable: unreachable.len(),
            pending: pending.len(),
            skipped_lines: skipped.len(),
        };
        let method = method_notes(&campaign, &counts, cat);
        let measured: Vec<&SiteRow> = rows
            .iter()
            .filter(|r| r.third_party_byte_share.is_some())
            .collect();
        let footprint = Footprint {
            sites: measured.len(),
            bytes: measured.iter().map(|r| r.page_weight_bytes).sum(),
            co2e_grams: (measured.iter().map(|r| r.co2e_grams).sum::<f64>() * 1000.0).round()
                / 1000.0,
            model: crate::analyse::weight::MODEL.to_string(),
        };
        // Names and categories of the sites file, and anything a site
        // report did not hold already cleaned: no control characters.
        super::clean::clean(CampaignReport {
            tool: "gdpr-barometer".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            generated_at: Utc::now(),
            campaign,
            counts,
            indicators,
            spreads,
            score_bands,
            grades,
            ranking: rows,
            companies,
            hosts,
            categories,
            unreachable,
            pending,
            skipped,
            comparison,
            method,
            footprint,
            rule_errors: Vec::new(),
            lang: cat.lang.as_deref().map_or(Lang::En, Lang::from_code),
        })
    }

    /// The charts of the HTML report, in the report's language.
    pub fn charts(&self) -> anyhow::Result<Charts> {
        use crate::report::chart::{column_counts, delta_bars, percent_bars, Bar, ChartWords};
        let cat = Catalogue::get(self.lang)?;
        let words = ChartWords::new(cat);
        let bars: Vec<Bar> = self
            .indicators
            .iter()
            .filter_map(|i| {
                let v = i.value?;
                Some(Bar {
                    label: i.short.clone(),
                    percent: v.percent,
                    low: Some(v.low),
                    high: Some(v.high),
                    reference: i
                        .references
                        .first()
                        .map(|r| (format!("{} {}", short_study(&r.study), r.year), r.value)),
                })
            })
            .collect();
        let changes = self.comparison.as_ref().map(|c| {
            let rows: Vec<(String, f64)> = self
                .indicators
                .iter()
                .filter_map(|i| Some((i.short.clone(), i.change.as_ref()?.points)))
                .collect();
            delta_bars(
                &cat.say(&Words::new("chart_change", vec![Arg::plain(&c.name)])),
                &rows,
                &words,
            )
        });
        Ok(Charts {
            indicators: percent_bars(
                &cat.say(&Words::new("chart_share", Vec::new())),
                &bars,
                &words,
            ),
            scores: column_counts(
                &cat.say(&Words::new("chart_bands", Vec::new())),
                &self.score_bands,
                &words,
            ),
            changes,
        })
    }
}

/// One row of `sites.csv`: an audited site, one that could not be
/// audited, or one not audited yet.
#[derive(Debug, Clone, Copy)]
pub enum CsvRow<'a> {
    Audited(&'a SiteRow),
    NotAudited(&'a Unreachable),
    Pending(&'a str),
}

impl<'a> CsvRow<'a> {
    fn audited(self) -> Option<&'a SiteRow> {
        match self {
            CsvRow::Audited(r) => Some(r),
            _ => None,
        }
    }

    fn url(self) -> &'a str {
        match self {
            CsvRow::Audited(r) => &r.url,
            CsvRow::NotAudited(u) => &u.url,
            CsvRow::Pending(url) => url,
        }
    }
}

/// One column of `sites.csv`: its header, the visit its figure comes
/// from, what it means, and how a row fills it. The CSV and its guide
/// (`sites.csv.md`) are both made from [`CSV_COLUMNS`], so they cannot
/// disagree.
pub struct CsvColumn {
    pub header: &'static str,
    /// The indicator whose definition (and denominator) the column follows,
    /// or "".
    pub indicator: &'static str,
    value: fn(CsvRow) -> String,
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

/// The value of an audited site's row, empty on other rows.
fn of_audited(row: CsvRow, f: impl Fn(&SiteRow) -> String) -> String {
    row.audited().map(f).unwrap_or_default()
}

/// The columns of `sites.csv`, in order.
pub const CSV_COLUMNS: &[CsvColumn] = &[
    CsvColumn {
        header: "rank",
        indicator: "",
        value: |r| of_audited(r, |s| s.position.to_string()),
    },
    CsvColumn {
        header: "rank_shared",
        indicator: "",
        value: |r| of_audited(r, |s| yes_no(Some(s.tied))),
    },
    CsvColumn {
        header: "status",
        indicator: "",
        value: |r| {
            match r {
                CsvRow::Audited(_) => "audited",
                CsvRow::NotAudited(_) => "not_audited",
                CsvRow::Pending(_) => "pending",
            }
            .to_string()
        },
    },
    CsvColumn {
        header: "not_audited_reason",
        indicator: "",
        value: |r| match r {
            CsvRow::NotAudited(u) => u.error.clone(),
            _ => String::new(),
        },
    },
    CsvColumn {
        header: "url",
        indicator: "",
        value: |r| r.url().to_string(),
    },
    CsvColumn {
        header: "site",
        indicator: "",
        value: |r| of_audited(r, |s| s.site.clone()),
    },
    CsvColumn {
        header: "name",
        indicator: "",
        value: |r| match r {
            CsvRow::Audited(s) => s.name.clone().unwrap_or_default(),
            CsvRow::NotAudited(u) => u.name.clone().unwrap_or_default(),
            CsvRow::Pending(_) => String::new(),
        },
    },
    CsvColumn {
        header: "category",
        indicator: "",
        value: |r| of_audited(r, |s| s.category.clone().unwrap_or_default()),
    },
    CsvColumn {
        header: "input_rank",
        indicator: "",
        value: |r| {
            of_audited(r, |s| {
                s.input_rank.map(|n| n.to_string()).unwrap_or_default()
            })
        },
    },
    CsvColumn {
        header: "score",
        indicator: "",
        value: |r| of_audited(r, |s| s.score.to_string()),
    },
    CsvColumn {
        header: "grade",
        indicator: "",
        value: |r| of_audited(r, |s| s.grade.clone()),
    },
    CsvColumn {
        header: "banner_first_visit",
        indicator: "banner",
        value: |r| of_audited(r, |s| yes_no(s.indicators.banner)),
    },
    CsvColumn {
        header: "reject_on_first_layer_first_visit",
        indicator: "reject_first_layer",
        value: |r| of_audited(r, |s| yes_no(s.indicators.reject_first_layer)),
    },
    CsvColumn {
        header: "tracking_before_choice",
        indicator: "tracking_before_choice",
        value: |r| of_audited(r, |s| yes_no(s.indicators.tracking_before_choice)),
    },
    CsvColumn {
        header: "tracking_after_reject",
        indicator: "tracking_after_reject",
        value: |r| of_audited(r, |s| yes_no(s.indicators.tracking_after_reject)),
    },
    CsvColumn {
        header: "cross_site_tracking_said_in_banner_first_visit",
        indicator: "cross_site_disclosed",
        value: |r| of_audited(r, |s| yes_no(s.indicators.cross_site_disclosed)),
    },
    CsvColumn {
        header: "consent_cookies_over_13_months_before_choice_or_after_accept",
        indicator: "cookies_over_13_months",
        value: |r| of_audited(r, |s| yes_no(s.indicators.cookies_over_13_months)),
    },
    CsvColumn {
        header: "basic_requirements_met",
        indicator: "minimally_compliant",
        value: |r| of_audited(r, |s| yes_no(s.indicators.minimally_compliant)),
    },
    CsvColumn {
        header: "retargeting_before_choice",
        indicator: "retargeting_before_choice",
        value: |r| of_audited(r, |s| yes_no(s.indicators.retargeting_before_choice)),
    },
    CsvColumn {
        header: "retargeting_after_accept",
        indicator: "retargeting_after_accept",
        value: |r| of_audited(r, |s| yes_no(s.indicators.retargeting_after_accept)),
    },
    CsvColumn {
        header: "cookie_wall_first_visit",
        indicator: "cookie_wall",
        value: |r| of_audited(r, |s| yes_no(s.indicators.cookie_wall)),
    },
    CsvColumn {
        header: "third_party_hosts_before_choice",
        indicator: "",
        value: |r| of_audited(r, |s| s.third_party_hosts.to_string()),
    },
    CsvColumn {
        header: "cookies_before_choice",
        indicator: "",
        value: |r| of_audited(r, |s| s.cookies.to_string()),
    },
    CsvColumn {
        header: "trackers_before_choice",
        indicator: "",
        value: |r| of_audited(r, |s| s.trackers.to_string()),
    },
    CsvColumn {
        header: "home_page_bytes_before_choice",
        indicator: "",
        value: |r| of_audited(r, |s| s.page_weight_bytes.to_string()),
    },
    CsvColumn {
        header: "third_party_byte_share_before_choice",
        indicator: "",
        value: |r| {
            of_audited(r, |s| {
                s.third_party_byte_share
                    .map(|x| format!("{x:.3}"))
                    .unwrap_or_default()
            })
        },
    },
    CsvColumn {
        header: "co2e_grams_first_visit",
        indicator: "",
        value: |r| of_audited(r, |s| format!("{:.4}", s.co2e_grams)),
    },
    CsvColumn {
        header: "tracker_companies_all_visits",
        indicator: "",
        value: |r| of_audited(r, |s| s.tracker_companies.join("; ")),
    },
    CsvColumn {
        header: "tracker_hosts_all_visits",
        indicator: "",
        value: |r| of_audited(r, |s| s.tracker_hosts.join("; ")),
    },
    CsvColumn {
        header: "findings",
        indicator: "",
        value: |r| of_audited(r, |s| s.findings.join("; ")),
    },
    CsvColumn {
        header: "findings_severity_weight",
        indicator: "",
        value: |r| of_audited(r, |s| s.severity_weight.to_string()),
    },
    CsvColumn {
        header: "findings_to_review",
        indicator: "",
        value: |r| of_audited(r, |s| s.findings_to_review.join("; ")),
    },
];

impl CampaignReport {
    /// `sites.csv`: the audited sites in ranking order, then those that
    /// could not be audited, then those not audited yet.
    pub fn csv(&self) -> String {
        let mut out = CSV_COLUMNS
            .iter()
            .map(|c| c.header)
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        let rows = self
            .ranking
            .iter()
            .map(CsvRow::Audited)
            .chain(self.unreachable.iter().map(CsvRow::NotAudited))
            .chain(self.pending.iter().map(|p| CsvRow::Pending(p)));
        for row in rows {
            let cells: Vec<String> = CSV_COLUMNS
                .iter()
                .map(|c| crate::report::render::escape_csv(&(c.value)(row)))
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

/// `sites.csv.md`: every column of `sites.csv`, the visits it is measured
/// over and what it means, in the catalogue's language (the `[csv]` texts;
/// column names stay as the CSV has them).
pub fn csv_guide(cat: &Catalogue) -> String {
    let say = |key: &str| cat.csv.get(key).cloned().unwrap_or_else(|| key.to_string());
    let mut out = format!(
        "# {}\n\n{}\n\n| {} | {} | {} |\n|---|---|---|\n",
        say("title"),
        say("intro"),
        say("column"),
        say("scope"),
        say("meaning")
    );
    for c in CSV_COLUMNS {
        let mut meaning = say(&format!("{}_meaning", c.header));
        if INDICATORS.contains(&c.indicator) {
            let key = format!("ind_{}_definition", c.indicator);
            meaning.push(' ');
            meaning.push_str(&say("empty_untold"));
            meaning.push(' ');
            meaning.push_str(&cat.say(&Words::new(&key, Vec::new())));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.header,
            say(&format!("{}_scope", c.header)),
            meaning.replace('|', "\\|")
        ));
    }
    out
}

/// Rank `rows`: best score first, equal scores sharing their rank (1, 2,
/// 2, 4) and ordered by fewer and milder findings, then by name.
pub fn rank(rows: &mut [SiteRow]) {
    fn name(r: &SiteRow) -> &str {
        r.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&r.site)
    }
    rows.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.severity_weight.cmp(&b.severity_weight))
            .then_with(|| a.findings.len().cmp(&b.findings.len()))
            .then_with(|| name(a).cmp(name(b)))
            .then_with(|| a.url.cmp(&b.url))
    });
    let mut i = 0;
    while i < rows.len() {
        let score = rows[i].score;
        let end = i + rows[i..].iter().take_while(|r| r.score == score).count();
        for r in &mut rows[i..end] {
            r.position = i + 1;
            r.tied = end - i > 1;
        }
        i = end;
    }
}

/// "Empirik, Baromètre 2020 ..." → "Empirik".
fn short_study(study: &str) -> String {
    study
        .split([',', '('])
        .next()
        .unwrap_or(study)
        .trim()
        .to_string()
}

fn method_notes(c: &CampaignInfo, counts: &Counts, cat: &Catalogue) -> Vec<String> {
    let note = |key: &str, args: Vec<Arg>| cat.say(&Words::new(key, args));
    let mut notes = vec![
        note(
            "method_crawl",
            vec![
                Arg::plain(&c.tool_version),
                Arg::plain(&c.engine),
                Arg::plain(c.started_at.format("%Y-%m-%d %H:%M UTC")),
            ],
        ),
        note("method_intervals", Vec::new()),
        note(
            "method_counts",
            vec![
                Arg::plain(counts.listed),
                Arg::plain(counts.audited),
                Arg::plain(counts.unreachable),
                Arg::plain(counts.pending),
            ],
        ),
        note(
            "method_rejudged",
            vec![
                Arg::plain(&c.rules_version),
                Arg::plain(&c.crawl_rules_version),
            ],
        ),
        note("method_recognition", Vec::new()),
        note("method_observed", Vec::new()),
    ];
    if c.engine == "http" {
        notes.push(note("method_http", Vec::new()));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(site: &str, score: u32, severity_weight: u32, findings: usize) -> SiteRow {
        SiteRow {
            position: 0,
            tied: false,
            severity_weight,
            url: format!("https://{site}/"),
            site: site.to_string(),
            profile: String::new(),
            name: None,
            category: None,
            input_rank: None,
            score,
            grade: String::new(),
            indicators: SiteIndicators::default(),
            third_party_hosts: 0,
            cookies: 0,
            trackers: 0,
            tracker_companies: Vec::new(),
            tracker_hosts: Vec::new(),
            findings: (0..findings).map(|i| format!("R{i}")).collect(),
            findings_to_review: Vec::new(),
            page_weight_bytes: 0,
            third_party_byte_share: None,
            co2e_grams: 0.0,
            report: None,
        }
    }

    #[test]
    fn equal_scores_share_their_rank_and_milder_findings_come_first() {
        let mut rows = vec![
            row("a.test", 0, 90, 3),
            row("b.test", 70, 30, 1),
            row("c.test", 0, 60, 2),
            row("d.test", 100, 0, 0),
            row("e.test", 70, 16, 2),
            row("f.test", 0, 60, 2),
            row("g.test", 0, 60, 1),
        ];
        rank(&mut rows);
        let got: Vec<(&str, usize, bool)> = rows
            .iter()
            .map(|r| (r.site.as_str(), r.position, r.tied))
            .collect();
        assert_eq!(
            got,
            [
                ("d.test", 1, false),
                // 70 twice: rank 2 shared; fewer weighted findings first.
                ("e.test", 2, true),
                ("b.test", 2, true),
                // 0 four times: rank 4 shared; same weight, fewer findings
                // first, then by name.
                ("g.test", 4, true),
                ("c.test", 4, true),
                ("f.test", 4, true),
                ("a.test", 4, true),
            ]
        );
    }

    #[test]
    fn every_csv_column_is_in_the_guide_with_its_scope() {
        let mut headers = std::collections::HashSet::new();
        for lang in Lang::ALL {
            let cat = Catalogue::get(lang).unwrap();
            let guide = csv_guide(cat);
            for c in CSV_COLUMNS {
                for part in ["scope", "meaning"] {
                    let key = format!("{}_{part}", c.header);
                    let text = cat.csv.get(&key);
                    assert!(text.is_some_and(|t| !t.is_empty()), "{lang:?}: {key}");
                }
                let scope = &cat.csv[&format!("{}_scope", c.header)];
                assert!(
                    guide.contains(&format!("| `{}` | {scope} |", c.header)),
                    "{lang:?}: {}",
                    c.header
                );
            }
            // Every text of [csv] is used: a title, an intro, the table
            // head, `empty_untold` and two per column.
            assert_eq!(cat.csv.len(), 5 + 1 + 2 * CSV_COLUMNS.len(), "{lang:?}");
        }
        for c in CSV_COLUMNS {
            assert!(headers.insert(c.header), "{} twice", c.header);
            assert!(
                c.indicator.is_empty() || INDICATORS.contains(&c.indicator),
                "{}",
                c.header
            );
        }
        // A count measured before any choice says so in its header.
        for h in ["trackers", "cookies", "third_party_hosts"] {
            assert!(headers.contains(format!("{h}_before_choice").as_str()));
            assert!(!headers.contains(h));
        }
    }

    #[test]
    fn csv_rows_keep_their_width_and_list_sites_not_audited() {
        let mut ranked = vec![row("a.test", 40, 30, 1)];
        ranked[0].name = Some("Shop, \"the best\"".into());
        ranked[0].tracker_companies = vec!["Google".into(), "Meta".into()];
        rank(&mut ranked);
        let report = CampaignReport {
            tool: String::new(),
            tool_version: String::new(),
            generated_at: Utc::now(),
            campaign: CampaignInfo {
                name: "c".into(),
                database: String::new(),
                started_at: Utc::now(),
                ended_at: None,
                engine: "http".into(),
                tool_version: String::new(),
                rules_version: String::new(),
                crawl_rules_version: String::new(),
                options: serde_json::Value::Null,
                sites_file: None,
            },
            counts: Counts::default(),
            indicators: Vec::new(),
            spreads: Vec::new(),
            score_bands: Vec::new(),
            grades: Vec::new(),
            ranking: ranked,
            companies: Vec::new(),
            hosts: Vec::new(),
            categories: Vec::new(),
            unreachable: vec![Unreachable {
                url: "https://down.test/".into(),
                name: None,
                error: "the home page answered HTTP 404 (Not Found)".into(),
                words: None,
            }],
            pending: vec!["https://later.test/".into()],
            skipped: Vec::new(),
            comparison: None,
            method: Vec::new(),
            footprint: Footprint::default(),
            rule_errors: Vec::new(),
            lang: Lang::En,
        };
        let csv = report.csv();
        let mut reader = csv.lines();
        let header = reader.next().unwrap();
        assert_eq!(header.split(',').count(), CSV_COLUMNS.len());
        let lines: Vec<&str> = reader.collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(
            lines[0].starts_with(
                "1,no,audited,,https://a.test/,a.test,\"Shop, \"\"the best\"\"\",,,40,"
            ),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains(",\"Google; Meta\","), "{}", lines[0]);
        assert_eq!(
            lines[1],
            format!(
                ",,not_audited,the home page answered HTTP 404 (Not Found),https://down.test/{}",
                ",".repeat(CSV_COLUMNS.len() - 5)
            )
        );
        assert!(lines[2].starts_with(",,pending,,https://later.test/,"));
        // Unquoted rows have exactly one comma per column boundary.
        assert_eq!(lines[1].matches(',').count(), CSV_COLUMNS.len() - 1);
    }

    #[test]
    fn distinct_scores_are_not_tied() {
        let mut rows = vec![row("b.test", 50, 0, 0), row("a.test", 60, 90, 5)];
        rank(&mut rows);
        assert_eq!(rows[0].site, "a.test");
        assert_eq!((rows[0].position, rows[0].tied), (1, false));
        assert_eq!((rows[1].position, rows[1].tied), (2, false));
    }
}
