//! From a stored campaign to its barometer: re-judge every site's evidence
//! with the current rules (no crawling), on every core, then sum up.
//!
//! Sites stream out of the store one by one; only the compact
//! [`SiteRow`] of each stays in memory, so 10,000 sites fit easily. The
//! per-site HTML reports are rendered by the workers as they go.

use std::path::Path;
use std::sync::mpsc;

use anyhow::{Context, Result};

use crate::i18n::{default_lang, Catalogue, Lang, Words};
use crate::judge::Judge;
use crate::knowledge::references::References;
use crate::report::campaign::{CampaignInfo, CampaignReport, Comparison, SiteRow, Unreachable};
use crate::report::render::{render_in, Format};
use crate::store::{Campaign, CampaignStore, SiteState, StoredSite};
use crate::verdict::Report;

/// Everything a barometer needs besides the store.
pub struct Publisher<'a> {
    pub judge: &'a Judge,
    pub references: &'a References,
    /// The language of the reports: asked for, or the profile's the
    /// campaign is judged under; `None` is each site's own profile's, and
    /// for the barometer the language all sites share (else English).
    pub lang: Option<Lang>,
}

/// The judged sites of one campaign.
pub struct Judged {
    pub rows: Vec<SiteRow>,
    pub unreachable: Vec<Unreachable>,
    pub pending: Vec<String>,
    /// Rules that could not be evaluated, with the sites concerned.
    pub rule_errors: Vec<crate::verdict::RuleError>,
}

/// A file name for a site's own report: readable, and unique per URL.
pub fn site_file_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let mut slug: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    slug.truncate(80);
    let slug = slug.trim_matches(['-', '.']).to_string();
    let hash = crate::campaign::shard::fnv1a64(url.as_bytes());
    format!("{slug}-{:08x}.html", hash as u32)
}

impl Publisher<'_> {
    /// Re-judge every site of `campaign`. With `site_reports`, each audited
    /// site's HTML report is written there and linked from its row.
    pub fn judge_campaign(
        &self,
        store: &dyn CampaignStore,
        campaign: &Campaign,
        site_reports: Option<&Path>,
        warn: &(dyn Fn(&str) + Sync),
    ) -> Result<Judged> {
        if let Some(dir) = site_reports {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        let (to_workers, from_store) = mpsc::sync_channel::<StoredSite>(workers * 4);
        let from_store = std::sync::Mutex::new(from_store);
        let (to_main, results) = mpsc::channel::<Outcome>();
        let mut judged = Judged {
            rows: Vec::new(),
            unreachable: Vec::new(),
            pending: Vec::new(),
            rule_errors: Vec::new(),
        };
        std::thread::scope(|scope| -> Result<()> {
            for _ in 0..workers {
                let to_main = to_main.clone();
                let from_store = &from_store;
                scope.spawn(move || loop {
                    let next = from_store.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some(site) = next else { break };
                    let _ = to_main.send(self.judge_one(site, site_reports));
                });
            }
            drop(to_main);
            let fed = store.for_each_site(campaign.id, &mut |site| {
                if site.state == SiteState::Pending || site.evidence.is_none() {
                    judged.pending.push(site.url);
                    return Ok(());
                }
                to_workers
                    .send(site)
                    .map_err(|_| anyhow::anyhow!("the report workers stopped"))
            });
            drop(to_workers);
            for outcome in results.iter() {
                match outcome {
                    Outcome::Row(row, errors) => {
                        judged.rows.push(*row);
                        crate::verdict::merge_rule_errors(&mut judged.rule_errors, errors);
                    }
                    Outcome::Unreachable(u) => judged.unreachable.push(u),
                    Outcome::Warning(w, u) => {
                        warn(&w);
                        judged.unreachable.push(u);
                    }
                }
            }
            fed
        })?;
        judged.unreachable.sort_by(|a, b| a.url.cmp(&b.url));
        Ok(judged)
    }

    fn judge_one(&self, site: StoredSite, site_reports: Option<&Path>) -> Outcome {
        let evidence = match site.parse_evidence() {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::Unreachable(Unreachable {
                    url: site.url,
                    name: site.name,
                    words: Some(
                        site.error
                            .as_deref()
                            .and_then(crate::report::load_error_words)
                            .unwrap_or_else(|| Words::new("campaign_no_evidence", Vec::new())),
                    ),
                    error: site.error.unwrap_or_else(|| "no evidence stored".into()),
                })
            }
            Err(e) => {
                return Outcome::Warning(
                    format!("{e:#}; the site is listed as not audited"),
                    Unreachable {
                        url: site.url,
                        name: site.name,
                        error: "stored evidence unreadable".into(),
                        words: Some(Words::new("campaign_evidence_unreadable", Vec::new())),
                    },
                )
            }
        };
        let report = self.judge.judge(evidence);
        if !report.audited {
            let words = report.error_words.clone().or_else(|| {
                report
                    .error
                    .as_deref()
                    .and_then(crate::report::load_error_words)
            });
            return Outcome::Unreachable(Unreachable {
                url: site.url,
                name: site.name,
                words,
                error: report
                    .error
                    .or(site.error)
                    .unwrap_or_else(|| "not audited".into()),
            });
        }
        let rule_errors = crate::verdict::rule_errors([&report]);
        let mut row = SiteRow::from_report(&report, site.name, site.category, site.rank);
        if let Some(dir) = site_reports {
            let name = site_file_name(&site.url);
            let page = render_in(
                &Report::new(vec![report], self.judge.rules_version()),
                Format::Html,
                false,
                self.lang,
            )
            .and_then(|html| crate::files::write_atomic(&dir.join(&name), html));
            match page {
                Ok(()) => row.report = Some(format!("sites/{name}")),
                Err(e) => return Outcome::Warning(format!("{e:#}"), unreachable_row(&row)),
            }
        }
        Outcome::Row(Box::new(row), rule_errors)
    }

    /// The barometer of `campaign`, compared with `compare` when given.
    pub fn publish(
        &self,
        store: &dyn CampaignStore,
        campaign: &Campaign,
        site_reports: Option<&Path>,
        compare: Option<(&dyn CampaignStore, &Campaign)>,
        warn: &(dyn Fn(&str) + Sync),
    ) -> Result<CampaignReport> {
        let mut judged = self.judge_campaign(store, campaign, site_reports, warn)?;
        let lang = self
            .lang
            .unwrap_or_else(|| default_lang(judged.rows.iter().map(|r| r.profile.as_str())));
        let cat = Catalogue::get(lang)?;
        judged.unreachable.iter_mut().for_each(|u| u.say(cat));
        let before = match compare {
            Some((other_store, other)) => {
                let mut old = self.judge_campaign(other_store, other, None, warn)?;
                old.unreachable.iter_mut().for_each(|u| u.say(cat));
                let report = CampaignReport::build(
                    info(other_store.location(), other, self.judge.rules_version()),
                    old.rows,
                    old.unreachable,
                    old.pending,
                    other.skipped.clone(),
                    self.references,
                    None,
                    cat,
                );
                Some((report, other_store.location(), other))
            }
            None => None,
        };
        let comparison = before.as_ref().map(|(report, path, other)| {
            (
                report,
                Comparison {
                    name: other.name.clone(),
                    database: path.clone(),
                    started_at: other.started_at,
                    audited: report.counts.audited,
                    common_sites: 0,
                    improved: Vec::new(),
                    worsened: Vec::new(),
                },
            )
        });
        let mut report = CampaignReport::build(
            info(store.location(), campaign, self.judge.rules_version()),
            judged.rows,
            judged.unreachable,
            judged.pending,
            campaign.skipped.clone(),
            self.references,
            comparison,
            cat,
        );
        report.rule_errors = judged.rule_errors;
        Ok(report)
    }
}

enum Outcome {
    Row(Box<SiteRow>, Vec<crate::verdict::RuleError>),
    Unreachable(Unreachable),
    Warning(String, Unreachable),
}

fn unreachable_row(row: &SiteRow) -> Unreachable {
    Unreachable {
        url: row.url.clone(),
        name: row.name.clone(),
        error: "its report could not be written".into(),
        words: Some(Words::new("campaign_report_not_written", Vec::new())),
    }
}

fn info(location: String, c: &Campaign, rules_version: &str) -> CampaignInfo {
    CampaignInfo {
        name: c.name.clone(),
        database: location,
        started_at: c.started_at,
        ended_at: c.ended_at,
        engine: c.engine.clone(),
        tool_version: c.tool_version.clone(),
        rules_version: rules_version.to_string(),
        crawl_rules_version: c.rules_version.clone(),
        options: c.options.clone(),
        sites_file: c.sites_file.clone(),
    }
}
