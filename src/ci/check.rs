//! Compare audit runs with the baseline and the assertions of `barometer.toml`.
//!
//! - **New items** (`new-tracker`, `new-cookie`, `new-third-party-host`):
//!   seen in the runs, absent from the site's baseline. Trackers and hosts
//!   are compared by host, cookies by name and domain, with the patterns the
//!   baseline may hold. A host reported as a new tracker is not reported
//!   again as a new third-party host. Without a baseline these assertions
//!   do not fire; a site missing from the baseline has every item new (and
//!   is listed in [`CheckOutcome::not_in_baseline`]).
//! - **Flakiness**: an item counts when the [`RunsPolicy`] says so: seen in
//!   one run (`any`), in more than half (`majority`), or in every run
//!   (`all`). The runs are those in which the site could be audited.
//! - **Thresholds** (`third-party-hosts.max` on the first visit's
//!   third-party host count, `score.min`) use the median over the runs
//!   (with an even number of runs, the mean of the two middle values). The
//!   median is compared as is; it is shown rounded against the site (up for
//!   a host count, down for a score).
//! - **Rules** (`rule.<ID>`): fire when the rule fails, under the same runs
//!   policy.
//! - **Allow-list**: an active entry matching a new tracker or third-party
//!   host (`host`) or a new cookie (`cookie`) moves the violation to
//!   [`CheckOutcome::allowed`]. An expired entry does not apply, and is
//!   reported in [`CheckOutcome::expired_allows`]. Thresholds and rules are
//!   not allow-listed: set them `off`.
//! - **Tightening**: baseline items that no run saw.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::baseline::{visits, Baseline, SiteBaseline};
use super::config::{Allow, Config, Level, RunsPolicy};
use crate::i18n::{Arg, Catalogue, Lang, Words};
use crate::rules::engine::RuleStatus;
use crate::verdict::SiteReport;

/// Where an item was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    /// The visit, by evidence name: `first_visit`, `after_reject`,
    /// `after_accept` or `browsing`.
    pub visit: String,
    /// The page being loaded.
    pub page: String,
    /// Not contacted: named in an inline script (said in `visit` too).
    #[serde(skip)]
    pub inline: bool,
}

/// What an assertion is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Tracker {
        host: String,
        company: String,
        category: String,
    },
    Cookie {
        name: String,
        domain: String,
        tracker_company: String,
        consent_required: bool,
    },
    ThirdPartyHost {
        host: String,
    },
    ThirdPartyHostCount {
        count: u32,
        max: u32,
    },
    Score {
        score: u32,
        min: u32,
    },
    Rule {
        id: String,
        title: String,
        message: String,
    },
}

impl Item {
    /// A short name for sorting and messages: host, `name@domain`, rule id.
    pub fn name(&self) -> String {
        match self {
            Item::Tracker { host, .. } | Item::ThirdPartyHost { host } => host.clone(),
            Item::Cookie { name, domain, .. } => format!("{name}@{domain}"),
            Item::ThirdPartyHostCount { .. } => "third-party hosts".to_string(),
            Item::Score { .. } => "score".to_string(),
            Item::Rule { id, .. } => id.clone(),
        }
    }
}

/// An assertion broken by a site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// `new-tracker`, `new-cookie`, `new-third-party-host`,
    /// `third-party-hosts.max`, `score.min` or `rule.<ID>`.
    pub assertion: String,
    /// `Warn` or `Error`.
    pub level: Level,
    /// The audited URL.
    pub site: String,
    pub item: Item,
    /// Where it appeared, in the first run that saw it (empty for thresholds
    /// and rules).
    pub seen: Vec<Seen>,
    /// In how many runs it was seen (thresholds: broken).
    pub runs_seen: u32,
    /// Runs in which the site was audited.
    pub runs: u32,
    /// One line naming the item, where it was seen and the assertion.
    pub message: String,
    /// The same line, to be said in the report's language.
    #[serde(skip)]
    pub words: Words,
}

/// A baseline item no run saw: the baseline can be tightened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tightening {
    pub site: String,
    /// `tracker`, `cookie` or `third-party-host`.
    pub kind: String,
    /// Host, or `name@domain` for a cookie.
    pub name: String,
}

/// Everything `barometer check` has to say.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub violations: Vec<Violation>,
    /// Would have fired, but an active allow entry covers it (the message
    /// names the entry and its reason).
    pub allowed: Vec<Violation>,
    /// Expired allow entries that matched an item (which then fired).
    pub expired_allows: Vec<String>,
    /// The same, to be said in the report's language.
    #[serde(skip)]
    pub expired_allow_words: Vec<Words>,
    pub tightenings: Vec<Tightening>,
    /// Sites that could not be audited in any run: (url, error).
    pub not_audited: Vec<(String, String)>,
    /// Audited sites the baseline does not list (all their items are new).
    pub not_in_baseline: Vec<String>,
}

impl CheckOutcome {
    pub fn errors(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.level == Level::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.level == Level::Warn)
            .count()
    }
}

/// Check `runs` (`runs[i]` holds the judged reports of run i, one per URL)
/// against the baseline and the assertions of `config`, on `today` (for the
/// expiry of allow entries).
pub fn check(
    config: &Config,
    baseline: Option<&Baseline>,
    runs: &[Vec<SiteReport>],
    today: NaiveDate,
) -> CheckOutcome {
    let mut out = CheckOutcome::default();
    let mut expired = BTreeMap::new();
    // Each site's reports over the runs, in the order sites first appear.
    let mut sites: Vec<(&str, Vec<&SiteReport>)> = Vec::new();
    for report in runs.iter().flatten() {
        match sites.iter_mut().find(|(url, _)| *url == report.url) {
            Some((_, reports)) => reports.push(report),
            None => sites.push((&report.url, vec![report])),
        }
    }
    for (url, reports) in sites {
        let audited: Vec<&SiteReport> = reports.iter().copied().filter(|r| r.audited).collect();
        if audited.is_empty() {
            let error = reports
                .iter()
                .find_map(|r| r.error.clone())
                .unwrap_or_else(|| {
                    english().say(&Words::new("check_site_not_audited", Vec::new()))
                });
            out.not_audited.push((url.to_string(), error));
            continue;
        }
        let mut site = SiteCheck {
            config,
            url,
            runs: audited.len() as u32,
            out: &mut out,
            expired: &mut expired,
            today,
        };
        site.run(baseline, &audited);
    }
    out.expired_allows = expired.keys().cloned().collect();
    out.expired_allow_words = expired.into_values().collect();
    out.violations.sort_by(violation_order);
    out.allowed.sort_by(violation_order);
    out.tightenings
        .sort_by(|a, b| (&a.site, &a.kind, &a.name).cmp(&(&b.site, &b.kind, &b.name)));
    out.not_audited.sort();
    out.not_in_baseline.sort();
    out
}

fn violation_order(a: &Violation, b: &Violation) -> std::cmp::Ordering {
    (&a.site, &a.assertion, a.item.name()).cmp(&(&b.site, &b.assertion, b.item.name()))
}

/// An item observed over the runs.
struct Observed<T> {
    info: T,
    /// Where it was seen in the first run that saw it.
    seen: Vec<Seen>,
    first_run: usize,
    runs: BTreeSet<usize>,
}

impl<T> Observed<T> {
    fn record(
        map: &mut BTreeMap<String, Observed<T>>,
        key: String,
        run: usize,
        seen: Vec<Seen>,
        info: impl FnOnce() -> T,
    ) {
        let o = map.entry(key).or_insert_with(|| Observed {
            info: info(),
            seen: Vec::new(),
            first_run: run,
            runs: BTreeSet::new(),
        });
        o.runs.insert(run);
        if o.first_run == run {
            for s in seen {
                if !o.seen.contains(&s) {
                    o.seen.push(s);
                }
            }
        }
    }
}

struct CookieInfo {
    name: String,
    domain: String,
    tracker_company: String,
    owner: String,
    category: String,
    consent_required: bool,
}

/// Everything the runs saw of one site.
#[derive(Default)]
struct Observations {
    trackers: BTreeMap<String, Observed<(String, String)>>,
    cookies: BTreeMap<String, Observed<CookieInfo>>,
    hosts: BTreeMap<String, Observed<()>>,
}

impl Observations {
    fn of(reports: &[&SiteReport]) -> Observations {
        let mut obs = Observations::default();
        for (run, r) in reports.iter().enumerate() {
            for (visit, v) in visits(r) {
                let evidence = r.evidence.visit(visit);
                let at = |page: &str| Seen {
                    visit: visit.to_string(),
                    page: if page.is_empty() { &r.url } else { page }.to_string(),
                    inline: false,
                };
                // Trackers contacted, and trackers a tag snippet names (the
                // http engine runs no script: the page ships them anyway).
                let named = |t: &crate::facts::TrackerFact| {
                    t.resource_types
                        .iter()
                        .any(|r| r == "inline_script_reference")
                };
                for t in v.trackers.iter().chain(v.referenced_trackers.iter()) {
                    let mut seen: Vec<Seen> = t.pages.iter().map(|p| at(p)).collect();
                    if seen.is_empty() {
                        seen.push(at(""));
                    }
                    if named(t) {
                        let named = english().say(&Words::new("check_named_inline", Vec::new()));
                        for s in seen.iter_mut() {
                            s.visit = format!("{} ({named})", s.visit);
                            s.inline = true;
                        }
                    }
                    Observed::record(&mut obs.trackers, t.host.clone(), run, seen, || {
                        (t.company.clone(), t.category.clone())
                    });
                }
                for c in v.cookies.iter().filter(|c| !c.blocked) {
                    let domain = c.domain.trim_start_matches('.');
                    let page = evidence
                        .and_then(|e| {
                            e.cookies.iter().find(|x| {
                                x.name == c.name && x.domain.trim_start_matches('.') == domain
                            })
                        })
                        .map_or("", |x| x.page_url.as_str());
                    let key = format!("{}@{domain}", c.name);
                    Observed::record(&mut obs.cookies, key, run, vec![at(page)], || CookieInfo {
                        name: c.name.clone(),
                        domain: domain.to_string(),
                        tracker_company: c.tracker_company.clone(),
                        owner: c.owner.clone(),
                        category: c.category.clone(),
                        consent_required: c.consent_required,
                    });
                }
                for h in &v.third_party_hosts {
                    let page = evidence
                        .and_then(|e| e.requests.iter().find(|q| &q.host == h))
                        .map_or("", |q| q.page_url.as_str());
                    Observed::record(&mut obs.hosts, h.clone(), run, vec![at(page)], || ());
                }
            }
        }
        obs
    }
}

struct SiteCheck<'a> {
    config: &'a Config,
    url: &'a str,
    runs: u32,
    out: &'a mut CheckOutcome,
    /// Expired allow entries, by their English line.
    expired: &'a mut BTreeMap<String, Words>,
    today: NaiveDate,
}

impl SiteCheck<'_> {
    fn run(&mut self, baseline: Option<&Baseline>, reports: &[&SiteReport]) {
        let obs = Observations::of(reports);
        if let Some(b) = baseline {
            let empty;
            let site = match b.site(self.url) {
                Some(s) => {
                    self.tightenings(s, &obs);
                    s
                }
                None => {
                    self.out.not_in_baseline.push(self.url.to_string());
                    empty = SiteBaseline {
                        url: self.url.to_string(),
                        trackers: Vec::new(),
                        cookies: Vec::new(),
                        third_party_hosts: Vec::new(),
                        rules: BTreeMap::new(),
                        score: None,
                    };
                    &empty
                }
            };
            self.new_items(site, &obs);
        }
        self.thresholds(reports);
        self.rules(reports);
    }

    fn counts<T>(&self, o: &Observed<T>) -> bool {
        self.config.policy.counts(o.runs.len() as u32, self.runs)
    }

    fn new_items(&mut self, site: &SiteBaseline, obs: &Observations) {
        let c = self.config;
        let mut reported_as_tracker = BTreeSet::new();
        if c.new_tracker != Level::Off {
            for (host, o) in &obs.trackers {
                if !self.counts(o) || site.has_tracker(host) {
                    continue;
                }
                let (company, category) = &o.info;
                let what = Words::new(
                    "check_new_tracker",
                    vec![
                        Arg::plain(host),
                        known(vec![
                            (!company.is_empty()).then(|| Arg::plain(company)),
                            (!category.is_empty()).then(|| Arg::Label(category.clone())),
                        ]),
                    ],
                );
                let item = Item::Tracker {
                    host: host.clone(),
                    company: company.clone(),
                    category: category.clone(),
                };
                let allows = c.allow.iter().filter(|a| a.matches_host(host)).collect();
                self.fire("new-tracker", c.new_tracker, item, o, what, allows);
                reported_as_tracker.insert(host.as_str());
            }
        }
        if c.new_cookie != Level::Off {
            for o in obs.cookies.values() {
                let i = &o.info;
                if !self.counts(o) || site.has_cookie(&i.name, &i.domain) {
                    continue;
                }
                let company = if i.tracker_company.is_empty() {
                    &i.owner
                } else {
                    &i.tracker_company
                };
                let consent = if i.consent_required {
                    "check_needs_consent"
                } else {
                    "check_no_consent_needed"
                };
                let what = Words::new(
                    "check_new_cookie",
                    vec![
                        Arg::plain(&i.name),
                        Arg::plain(&i.domain),
                        known(vec![
                            (!company.is_empty()).then(|| Arg::plain(company)),
                            (!i.category.is_empty()).then(|| Arg::Label(i.category.clone())),
                            Some(Arg::Words(Words::new(consent, Vec::new()))),
                        ]),
                    ],
                );
                let item = Item::Cookie {
                    name: i.name.clone(),
                    domain: i.domain.clone(),
                    tracker_company: i.tracker_company.clone(),
                    consent_required: i.consent_required,
                };
                let allows = c
                    .allow
                    .iter()
                    .filter(|a| a.matches_cookie(&i.name, &i.domain))
                    .collect();
                self.fire("new-cookie", c.new_cookie, item, o, what, allows);
            }
        }
        if c.new_third_party_host != Level::Off {
            for (host, o) in &obs.hosts {
                if !self.counts(o)
                    || reported_as_tracker.contains(host.as_str())
                    || site.has_third_party_host(host)
                {
                    continue;
                }
                let what = Words::new("check_new_host", vec![Arg::plain(host)]);
                let item = Item::ThirdPartyHost { host: host.clone() };
                let allows = c.allow.iter().filter(|a| a.matches_host(host)).collect();
                self.fire(
                    "new-third-party-host",
                    c.new_third_party_host,
                    item,
                    o,
                    what,
                    allows,
                );
            }
        }
    }

    /// Record a new item as a violation, or as allowed when an active allow
    /// entry covers it.
    fn fire<T>(
        &mut self,
        assertion: &str,
        level: Level,
        item: Item,
        o: &Observed<T>,
        what: Words,
        allows: Vec<&Allow>,
    ) {
        let runs_seen = o.runs.len() as u32;
        let place = match o.seen.as_slice() {
            [] => Words::new("empty", Vec::new()),
            [s, rest @ ..] => {
                let mut visit = Arg::Label(s.visit.clone());
                if s.inline {
                    let base = s.visit.split(' ').next().unwrap_or_default();
                    visit = Arg::Words(Words::new(
                        "check_visit_named_inline",
                        vec![Arg::Label(base.to_string())],
                    ));
                }
                let mut args = vec![Arg::plain(&s.page), visit];
                let key = if rest.is_empty() {
                    "check_seen_on"
                } else {
                    args.push(Arg::plain(rest.len()));
                    "check_seen_on_and_more"
                };
                Words::new(key, args)
            }
        };
        let words = Words::new(
            "check_breaks",
            vec![
                Arg::Words(what),
                Arg::Words(place),
                Arg::Words(of_runs(runs_seen, self.runs)),
                Arg::plain(assertion),
            ],
        );
        let mut v = Violation {
            assertion: assertion.to_string(),
            level,
            site: self.url.to_string(),
            item,
            seen: o.seen.clone(),
            runs_seen,
            runs: self.runs,
            message: english().say(&words),
            words,
        };
        for a in allows.iter().filter(|a| !a.active(self.today)) {
            let date = a.expires.map(|d| d.to_string()).unwrap_or_default();
            let words = Words::new(
                "check_allow_expired",
                vec![
                    Arg::plain(a.describe()),
                    Arg::plain(date),
                    Arg::plain(&a.reason),
                ],
            );
            self.expired.insert(english().say(&words), words);
        }
        match allows.iter().find(|a| a.active(self.today)) {
            Some(a) => {
                let until = match a.expires {
                    Some(d) => Words::new("check_until", vec![Arg::plain(d)]),
                    None => Words::new("empty", Vec::new()),
                };
                let by = Words::new(
                    "check_allowed_by",
                    vec![
                        Arg::plain(a.describe()),
                        Arg::plain(&a.reason),
                        Arg::Words(until),
                    ],
                );
                v.words = Words::new("check_allowed", vec![Arg::Words(v.words), Arg::Words(by)]);
                v.message = english().say(&v.words);
                self.out.allowed.push(v);
            }
            None => self.out.violations.push(v),
        }
    }

    fn thresholds(&mut self, reports: &[&SiteReport]) {
        if let Some((level, max)) = self.config.third_party_hosts_max {
            let counts: Vec<f64> = reports
                .iter()
                .map(|r| f64::from(r.facts.before.third_party_host_count))
                .collect();
            if level != Level::Off {
                if let Some(m) = crate::stats::median(&counts).filter(|m| *m > f64::from(max)) {
                    let count = m.ceil() as u32;
                    let broken = counts.iter().filter(|c| **c > f64::from(max)).count() as u32;
                    self.push_threshold(
                        "third-party-hosts.max",
                        level,
                        Item::ThirdPartyHostCount { count, max },
                        broken,
                        Words::new(
                            "check_hosts_max",
                            vec![
                                Arg::plain(count),
                                Arg::Words(median_of(reports.len())),
                                Arg::plain(max),
                            ],
                        ),
                    );
                }
            }
        }
        if let Some((level, min)) = self.config.score_min {
            let scores: Vec<f64> = reports
                .iter()
                .filter_map(|r| r.score.as_ref().map(|s| f64::from(s.value)))
                .collect();
            if level != Level::Off {
                if let Some(m) = crate::stats::median(&scores).filter(|m| *m < f64::from(min)) {
                    let score = m.floor() as u32;
                    let broken = scores.iter().filter(|s| **s < f64::from(min)).count() as u32;
                    self.push_threshold(
                        "score.min",
                        level,
                        Item::Score { score, min },
                        broken,
                        Words::new(
                            "check_score_min",
                            vec![
                                Arg::plain(score),
                                Arg::Words(median_of(scores.len())),
                                Arg::plain(min),
                            ],
                        ),
                    );
                }
            }
        }
    }

    fn push_threshold(
        &mut self,
        assertion: &str,
        level: Level,
        item: Item,
        runs_seen: u32,
        words: Words,
    ) {
        self.out.violations.push(Violation {
            assertion: assertion.to_string(),
            level,
            site: self.url.to_string(),
            item,
            seen: Vec::new(),
            runs_seen,
            runs: self.runs,
            message: english().say(&words),
            words,
        });
    }

    fn rules(&mut self, reports: &[&SiteReport]) {
        for (id, level) in &self.config.rules {
            if *level == Level::Off {
                continue;
            }
            let lines: Vec<_> = reports
                .iter()
                .filter_map(|r| r.rules.iter().find(|l| &l.id == id))
                .collect();
            let failed: Vec<_> = lines
                .iter()
                .filter(|l| l.status == RuleStatus::Fail)
                .collect();
            let runs_seen = failed.len() as u32;
            if !self.config.policy.counts(runs_seen, self.runs) {
                continue;
            }
            let first = failed[0];
            // The finding's message in the languages the rule has words
            // for; the detail is a sentence, the line goes on after it.
            let sentence = |d: &str| {
                let d = d.trim_end();
                d.strip_suffix('.').unwrap_or(d).to_string()
            };
            let finding = reports
                .iter()
                .flat_map(|r| r.findings.iter())
                .find(|f| &f.rule_id == id);
            let detail = if first.detail.is_empty() {
                Words::new("empty", Vec::new())
            } else {
                Words::new(
                    "check_rule_detail",
                    vec![Arg::Translated {
                        en: sentence(&first.detail),
                        other: finding
                            .map(|f| {
                                f.i18n
                                    .iter()
                                    .map(|(l, t)| (l.clone(), sentence(&t.message)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }],
                )
            };
            let assertion = format!("rule.{id}");
            let words = Words::new(
                "check_rule_failed",
                vec![
                    Arg::plain(id),
                    Arg::Translated {
                        en: first.title.clone(),
                        other: first.titles.clone(),
                    },
                    Arg::Words(detail),
                    Arg::Words(of_runs(runs_seen, self.runs)),
                    Arg::plain(&assertion),
                ],
            );
            self.out.violations.push(Violation {
                assertion,
                level: *level,
                site: self.url.to_string(),
                item: Item::Rule {
                    id: id.clone(),
                    title: first.title.clone(),
                    message: first.detail.clone(),
                },
                seen: Vec::new(),
                runs_seen,
                runs: self.runs,
                message: english().say(&words),
                words,
            });
        }
    }

    fn tightenings(&mut self, site: &SiteBaseline, obs: &Observations) {
        let mut push = |kind: &str, name: String| {
            self.out.tightenings.push(Tightening {
                site: self.url.to_string(),
                kind: kind.to_string(),
                name,
            })
        };
        for t in &site.trackers {
            if !obs.trackers.keys().any(|h| t.matches(h)) {
                push("tracker", t.host.clone());
            }
        }
        for c in &site.cookies {
            if !obs
                .cookies
                .values()
                .any(|o| c.matches(&o.info.name, &o.info.domain))
            {
                push("cookie", format!("{}@{}", c.name, c.domain));
            }
        }
        for h in &site.third_party_hosts {
            if !obs
                .hosts
                .keys()
                .any(|x| super::config::host_pattern_match(h, x))
            {
                push("third-party-host", h.clone());
            }
        }
    }
}

/// The English catalogue: the model's `message`s are English, and each
/// report says their [`Words`] in its own language.
fn english() -> &'static Catalogue {
    static EMPTY: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    Catalogue::get(Lang::En).unwrap_or_else(|_| EMPTY.get_or_init(Catalogue::default))
}

/// "2 of 3 runs", "1 of 1 run".
fn of_runs(seen: u32, runs: u32) -> Words {
    let key = if runs == 1 {
        "check_of_run"
    } else {
        "check_of_runs"
    };
    Words::new(key, vec![Arg::plain(seen), Arg::plain(runs)])
}

/// "median of 3 runs", "1 run".
fn median_of(runs: usize) -> Words {
    if runs == 1 {
        Words::new("check_one_run", Vec::new())
    } else {
        Words::new("check_median_of", vec![Arg::plain(runs)])
    }
}

/// The parts known, as a list, or "unknown".
fn known(parts: Vec<Option<Arg>>) -> Arg {
    let parts: Vec<Arg> = parts.into_iter().flatten().collect();
    if parts.is_empty() {
        Arg::Words(Words::new("check_unknown", Vec::new()))
    } else {
        Arg::List(parts)
    }
}

/// The runs policy in force, for documentation and messages.
pub fn describe_policy(policy: RunsPolicy, runs: u32) -> String {
    let (key, seen) = match policy {
        RunsPolicy::Any => ("check_policy_in", 1),
        RunsPolicy::Majority => ("check_policy_at_least", runs / 2 + 1),
        RunsPolicy::All => ("check_policy_in", runs),
    };
    english().say(&Words::new(key, vec![Arg::Words(of_runs(seen, runs))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::baseline::tests::{cookie, site_fr, tracker};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn today() -> NaiveDate {
        day("2026-06-15")
    }

    /// The fixture's baseline, as `barometer baseline` would write it.
    fn baseline() -> Baseline {
        Baseline::from_reports(&[site_fr()], "rules")
    }

    /// site-fr with one more tracker (and its host) on a second page.
    fn with_new_tracker() -> SiteReport {
        let mut r = site_fr();
        let page = format!("{}actualites", r.url);
        r.facts
            .before
            .trackers
            .push(tracker("ads.newads.test", "NewAds", "advertising", &page));
        r.facts
            .before
            .third_party_hosts
            .push("ads.newads.test".into());
        r
    }

    fn allow_host(host: &str, expires: Option<&str>) -> Allow {
        Allow {
            host: Some(host.into()),
            cookie: None,
            reason: "ad auction, reviewed".into(),
            expires: expires.map(day),
        }
    }

    #[test]
    fn an_unchanged_site_passes() {
        let config = Config {
            rules: BTreeMap::from([("B201".into(), Level::Error)]),
            third_party_hosts_max: Some((Level::Error, 2)),
            score_min: Some((Level::Error, 32)),
            ..Config::default()
        };
        let out = check(&config, Some(&baseline()), &[vec![site_fr()]], today());
        assert_eq!(out, CheckOutcome::default());
        assert_eq!((out.errors(), out.warnings()), (0, 0));
    }

    #[test]
    fn a_new_tracker_names_host_company_category_page_and_visit() {
        let r = with_new_tracker();
        let url = r.url.clone();
        let out = check(&Config::default(), Some(&baseline()), &[vec![r]], today());
        assert_eq!(out.violations.len(), 1, "{:#?}", out.violations);
        let v = &out.violations[0];
        assert_eq!(v.assertion, "new-tracker");
        assert_eq!(v.level, Level::Error);
        assert_eq!(v.site, url);
        assert_eq!(
            v.item,
            Item::Tracker {
                host: "ads.newads.test".into(),
                company: "NewAds".into(),
                category: "advertising".into()
            }
        );
        assert_eq!(
            v.seen,
            [Seen {
                visit: "first_visit".into(),
                page: format!("{url}actualites"),
                inline: false,
            }]
        );
        assert_eq!((v.runs_seen, v.runs), (1, 1));
        assert_eq!(
            v.message,
            format!("new tracker ads.newads.test (NewAds, advertising) on {url}actualites (before any choice), 1 of 1 run: breaks new-tracker")
        );
        // Not reported again as a new third-party host.
        assert_eq!((out.errors(), out.warnings()), (1, 0));
        assert!(out.tightenings.is_empty());
    }

    #[test]
    fn new_cookies_and_hosts_warn_by_default() {
        let mut r = site_fr();
        let url = r.url.clone();
        let mut c = cookie("_hjSession_123456", ".site-fr.test");
        c.owner = "Hotjar".into();
        c.category = "session_replay".into();
        c.consent_required = true;
        r.facts.after_accept.ran = true;
        r.facts.after_accept.cookies.push(c);
        // The evidence knows the page that set it.
        let mut ev = r.evidence.visits[0].clone();
        ev.kind = crate::evidence::VisitKind::AfterAccept;
        ev.cookies[0].name = "_hjSession_123456".into();
        ev.cookies[0].domain = "site-fr.test".into();
        ev.cookies[0].page_url = format!("{url}contact");
        r.evidence.visits.push(ev);
        r.facts
            .after_accept
            .third_party_hosts
            .push("cdn.fonts.test".into());

        let out = check(&Config::default(), Some(&baseline()), &[vec![r]], today());
        let found: Vec<(&str, Level, &str)> = out
            .violations
            .iter()
            .map(|v| (v.assertion.as_str(), v.level, v.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "new-cookie",
                    Level::Warn,
                    format!("new cookie _hjSession_123456 on site-fr.test (Hotjar, session replay, needs consent) on {url}contact (after accepting), 1 of 1 run: breaks new-cookie").as_str()
                ),
                (
                    "new-third-party-host",
                    Level::Warn,
                    format!("new third-party host cdn.fonts.test on {url} (after accepting), 1 of 1 run: breaks new-third-party-host").as_str()
                ),
            ]
        );
        assert_eq!(
            out.violations[0].item,
            Item::Cookie {
                name: "_hjSession_123456".into(),
                domain: "site-fr.test".into(),
                tracker_company: String::new(),
                consent_required: true
            }
        );
        assert_eq!((out.errors(), out.warnings()), (0, 2));

        // A baseline edited into a pattern covers every id.
        let mut b = baseline();
        b.sites[0].cookies.push(crate::ci::baseline::CookieItem {
            name: "_hjSession_*".into(),
            domain: "site-fr.test".into(),
        });
        let config = Config {
            new_third_party_host: Level::Off,
            ..Config::default()
        };
        let mut r2 = site_fr();
        r2.facts
            .before
            .cookies
            .push(cookie("_hjSession_999", "site-fr.test"));
        let out = check(&config, Some(&b), &[vec![r2]], today());
        assert!(out.violations.is_empty(), "{:#?}", out.violations);
    }

    #[test]
    fn baseline_hosts_cover_their_subdomains_only_at_a_dot_boundary() {
        use crate::ci::baseline::{CookieItem, TrackerItem};
        let mut b = baseline();
        let item = |host: &str| TrackerItem {
            host: host.into(),
            company: "NewAds".into(),
            category: "advertising".into(),
        };
        b.sites[0]
            .trackers
            .extend([item("*.newads.test"), item("pixel.adnet.test")]);
        b.sites[0].third_party_hosts.extend(
            [
                "*.newads.test",
                "pixel.adnet.test",
                "*.cdn.test",
                "img.static.test",
            ]
            .map(String::from),
        );
        b.sites[0].cookies.push(CookieItem {
            name: "uid".into(),
            domain: "*.newads.test".into(),
        });
        let mut r = site_fr();
        let page = format!("{}actualites", r.url);
        let trackers = [
            // Covered by `*.newads.test` and by the exact `pixel.adnet.test`.
            "newads.test",
            "ads.newads.test",
            "stats.g.newads.test",
            "pixel.adnet.test",
            // New: a shared suffix without a dot, or another host entirely.
            "evil-newads.test",
            "newads.test.evil.test",
            "xpixel.adnet.test",
            "cdn.pixel.adnet.test",
        ];
        for host in trackers {
            r.facts
                .before
                .trackers
                .push(tracker(host, "X", "advertising", &page));
            r.facts.before.third_party_hosts.push(host.into());
        }
        r.facts.before.third_party_hosts.extend(
            [
                "cdn.test",
                "fonts.cdn.test",
                "evilcdn.test",
                "img.static.test",
                "cdn.img.static.test",
            ]
            .map(String::from),
        );
        for domain in ["newads.test", "a.newads.test", "evil-newads.test"] {
            r.facts.before.cookies.push(cookie("uid", domain));
        }
        let out = check(&Config::default(), Some(&b), &[vec![r]], today());
        let new = |assertion: &str| {
            let mut names: Vec<String> = out
                .violations
                .iter()
                .filter(|v| v.assertion == assertion)
                .map(|v| v.item.name())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            new("new-tracker"),
            [
                "cdn.pixel.adnet.test",
                "evil-newads.test",
                "newads.test.evil.test",
                "xpixel.adnet.test"
            ]
        );
        assert_eq!(
            new("new-third-party-host"),
            ["cdn.img.static.test", "evilcdn.test"]
        );
        assert_eq!(new("new-cookie"), ["uid@evil-newads.test"]);
    }

    #[test]
    fn an_active_allow_entry_moves_the_violation_to_allowed() {
        let config = Config {
            allow: vec![allow_host("*.newads.test", Some("2026-06-15"))],
            ..Config::default()
        };
        let out = check(
            &config,
            Some(&baseline()),
            &[vec![with_new_tracker()]],
            today(),
        );
        assert!(out.violations.is_empty(), "{:#?}", out.violations);
        assert_eq!(out.allowed.len(), 1);
        assert!(
            out.allowed[0].message.ends_with(
                "breaks new-tracker; allowed by the allow entry for *.newads.test (reason: ad auction, reviewed, until 2026-06-15)"
            ),
            "{}",
            out.allowed[0].message
        );
        assert!(out.expired_allows.is_empty());
        assert_eq!(out.errors(), 0);

        // A cookie entry does not cover a host, nor a host entry a cookie.
        let config = Config {
            allow: vec![Allow {
                host: None,
                cookie: Some("ads.newads.test".into()),
                reason: "r".into(),
                expires: None,
            }],
            ..Config::default()
        };
        let out = check(
            &config,
            Some(&baseline()),
            &[vec![with_new_tracker()]],
            today(),
        );
        assert_eq!(out.errors(), 1);
    }

    #[test]
    fn an_expired_allow_entry_fires_and_is_reported() {
        let config = Config {
            allow: vec![allow_host("ads.newads.test", Some("2026-06-14"))],
            ..Config::default()
        };
        let out = check(
            &config,
            Some(&baseline()),
            &[vec![with_new_tracker()]],
            today(),
        );
        assert_eq!(out.errors(), 1);
        assert!(out.allowed.is_empty());
        assert_eq!(
            out.expired_allows,
            ["allow entry for ads.newads.test expired on 2026-06-14 (reason: ad auction, reviewed)"]
        );
    }

    #[test]
    fn runs_policy_decides_when_a_flaky_tracker_counts() {
        // ads.newads.test in runs 1 and 2, once.newads.test in run 3 only,
        // always.newads.test in every run.
        let mut runs = vec![
            vec![with_new_tracker()],
            vec![with_new_tracker()],
            vec![site_fr()],
        ];
        let page = runs[2][0].url.clone();
        runs[2][0].facts.before.trackers.push(tracker(
            "once.newads.test",
            "NewAds",
            "advertising",
            &page,
        ));
        for run in &mut runs {
            run[0].facts.before.trackers.push(tracker(
                "always.newads.test",
                "NewAds",
                "advertising",
                &page,
            ));
        }
        let hosts = |policy: RunsPolicy| {
            let config = Config {
                policy,
                ..Config::default()
            };
            let out = check(&config, Some(&baseline()), &runs, today());
            out.violations
                .iter()
                .map(|v| (v.item.name(), v.runs_seen, v.runs))
                .collect::<Vec<_>>()
        };
        let t = |h: &str, n: u32| (h.to_string(), n, 3);
        assert_eq!(
            hosts(RunsPolicy::Any),
            [
                t("ads.newads.test", 2),
                t("always.newads.test", 3),
                t("once.newads.test", 1)
            ]
        );
        assert_eq!(
            hosts(RunsPolicy::Majority),
            [t("ads.newads.test", 2), t("always.newads.test", 3)]
        );
        assert_eq!(hosts(RunsPolicy::All), [t("always.newads.test", 3)]);

        // "seen" is where the first run that saw it saw it.
        let config = Config {
            policy: RunsPolicy::Any,
            ..Config::default()
        };
        let out = check(&config, Some(&baseline()), &runs, today());
        let once = out
            .violations
            .iter()
            .find(|v| v.item.name() == "once.newads.test")
            .unwrap();
        assert_eq!(once.seen.len(), 1);
        assert!(once.message.contains("1 of 3 runs"), "{}", once.message);
    }

    #[test]
    fn baseline_items_no_longer_seen_can_be_tightened() {
        // The baseline was taken when the site had more.
        let b = Baseline::from_reports(&[with_new_tracker()], "rules");
        let mut r = site_fr();
        r.facts.before.cookies.retain(|c| c.name != "fr");
        let url = r.url.clone();
        let out = check(&Config::default(), Some(&b), &[vec![r]], today());
        assert!(out.violations.is_empty());
        let found: Vec<(&str, &str, &str)> = out
            .tightenings
            .iter()
            .map(|t| (t.site.as_str(), t.kind.as_str(), t.name.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (url.as_str(), "cookie", "fr@facebook.com"),
                (url.as_str(), "third-party-host", "ads.newads.test"),
                (url.as_str(), "tracker", "ads.newads.test"),
            ]
        );
    }

    #[test]
    fn without_a_baseline_only_thresholds_and_rules_apply() {
        let config = Config {
            rules: BTreeMap::from([("C101".into(), Level::Warn)]),
            ..Config::default()
        };
        let out = check(&config, None, &[vec![with_new_tracker()]], today());
        let found: Vec<&str> = out
            .violations
            .iter()
            .map(|v| v.assertion.as_str())
            .collect();
        assert_eq!(found, ["rule.C101"]);
        assert!(out.tightenings.is_empty() && out.not_in_baseline.is_empty());
    }

    #[test]
    fn a_site_missing_from_the_baseline_has_everything_new() {
        let mut r = site_fr();
        r.url = "https://www.elsewhere.test/".into();
        let out = check(&Config::default(), Some(&baseline()), &[vec![r]], today());
        assert_eq!(out.not_in_baseline, ["https://www.elsewhere.test/"]);
        // Two trackers (errors), three cookies (warnings); the tracker hosts
        // are not repeated as third-party hosts.
        assert_eq!((out.errors(), out.warnings()), (2, 3));
    }

    #[test]
    fn thresholds_use_the_median_of_the_runs() {
        let mut runs = vec![vec![site_fr()], vec![site_fr()], vec![site_fr()]];
        for (run, (hosts, score)) in runs.iter_mut().zip([(1, 90), (5, 40), (2, 30)]) {
            run[0].facts.before.third_party_host_count = hosts;
            run[0].score.as_mut().unwrap().value = score;
        }
        let config = |max: u32, min: u32| Config {
            third_party_hosts_max: Some((Level::Error, max)),
            score_min: Some((Level::Warn, min)),
            ..Config::default()
        };
        // Medians: 2 hosts, score 40.
        let out = check(&config(2, 40), None, &runs, today());
        assert!(out.violations.is_empty(), "{:#?}", out.violations);

        let out = check(&config(1, 41), None, &runs, today());
        let url = &runs[0][0].url;
        assert_eq!(out.violations.len(), 2);
        let score = &out.violations[0];
        assert_eq!(score.assertion, "score.min");
        assert_eq!(score.level, Level::Warn);
        assert_eq!(score.item, Item::Score { score: 40, min: 41 });
        assert_eq!((score.runs_seen, score.runs), (2, 3));
        assert_eq!(
            score.message,
            "score 40 (median of 3 runs), below the minimum of 41: breaks score.min"
        );
        let hosts = &out.violations[1];
        assert_eq!(hosts.assertion, "third-party-hosts.max");
        assert_eq!(&hosts.site, url);
        assert_eq!(hosts.item, Item::ThirdPartyHostCount { count: 2, max: 1 });
        assert_eq!((hosts.runs_seen, hosts.runs), (2, 3));
        assert_eq!(
            hosts.message,
            "2 third-party hosts on the first visit (median of 3 runs), more than the maximum of 1: breaks third-party-hosts.max"
        );
        assert_eq!((out.errors(), out.warnings()), (1, 1));

        // Off never fires.
        let off = Config {
            third_party_hosts_max: Some((Level::Off, 0)),
            score_min: Some((Level::Off, 100)),
            ..Config::default()
        };
        assert!(check(&off, None, &runs, today()).violations.is_empty());
    }

    #[test]
    fn rule_assertions_fire_on_failures_under_the_policy() {
        let config = Config {
            rules: BTreeMap::from([
                ("B201".into(), Level::Error), // passes
                ("C101".into(), Level::Error), // fails
                ("C102".into(), Level::Off),   // fails, but off
                ("C104".into(), Level::Warn),  // fails in 1 of 3 runs
                ("Z999".into(), Level::Error), // not in the catalogue
            ]),
            ..Config::default()
        };
        let mut runs = vec![vec![site_fr()], vec![site_fr()], vec![site_fr()]];
        for run in &mut runs[1..] {
            for line in &mut run[0].rules {
                if line.id == "C104" {
                    line.status = RuleStatus::Pass;
                }
            }
        }
        let out = check(&config, None, &runs, today());
        assert_eq!(out.violations.len(), 1, "{:#?}", out.violations);
        let v = &out.violations[0];
        assert_eq!(v.assertion, "rule.C101");
        assert_eq!(v.level, Level::Error);
        assert_eq!((v.runs_seen, v.runs), (3, 3));
        let Item::Rule { id, title, message } = &v.item else {
            panic!("{:?}", v.item)
        };
        assert_eq!(id, "C101");
        let line = runs[0][0].rules.iter().find(|l| l.id == "C101").unwrap();
        assert_eq!(title, &line.title);
        assert_eq!(message, &line.detail);
        assert!(
            v.message
                .starts_with(&format!("rule C101 ({}) failed", line.title))
                && v.message.ends_with("3 of 3 runs: breaks rule.C101"),
            "{}",
            v.message
        );
        // The rule's detail is a sentence: its full stop does not run into
        // the comma that follows.
        assert!(line.detail.ends_with('.'), "{}", line.detail);
        assert!(!v.message.contains(".,"), "{}", v.message);
        let d = line.detail.strip_suffix('.').unwrap();
        assert!(
            v.message.contains(&format!("{d}, 3 of 3 runs")),
            "{}",
            v.message
        );

        let any = Config {
            policy: RunsPolicy::Any,
            ..config
        };
        let out = check(&any, None, &runs, today());
        let found: Vec<&str> = out
            .violations
            .iter()
            .map(|v| v.assertion.as_str())
            .collect();
        assert_eq!(found, ["rule.C101", "rule.C104"]);
    }

    #[test]
    fn sites_not_audited_are_listed_and_skipped() {
        let mut down = site_fr();
        down.url = "https://www.down.test/".into();
        down.audited = false;
        down.error = Some("connection refused".into());
        let mut flaky = with_new_tracker();
        flaky.url = "https://www.flaky.test/".into();
        let mut flaky_down = flaky.clone();
        flaky_down.audited = false;

        let mut b = baseline();
        b.sites[0].url = "https://www.flaky.test/".into();
        let runs = vec![vec![down.clone(), flaky_down], vec![down, flaky]];
        let config = Config {
            score_min: Some((Level::Error, 100)),
            ..Config::default()
        };
        let out = check(&config, Some(&b), &runs, today());
        assert_eq!(
            out.not_audited,
            [(
                "https://www.down.test/".to_string(),
                "connection refused".to_string()
            )]
        );
        // The flaky site counts over the one run in which it was audited.
        let found: Vec<(&str, &str, u32, u32)> = out
            .violations
            .iter()
            .map(|v| (v.site.as_str(), v.assertion.as_str(), v.runs_seen, v.runs))
            .collect();
        assert_eq!(
            found,
            [
                ("https://www.flaky.test/", "new-tracker", 1, 1),
                ("https://www.flaky.test/", "score.min", 1, 1),
            ]
        );
    }

    #[test]
    fn output_is_sorted_and_serialisable() {
        let mut a = with_new_tracker();
        a.url = "https://b.test/".into();
        let mut b = with_new_tracker();
        b.url = "https://a.test/".into();
        let mut base = baseline();
        base.sites = vec![
            SiteBaseline {
                url: "https://a.test/".into(),
                ..base.sites[0].clone()
            },
            SiteBaseline {
                url: "https://b.test/".into(),
                ..base.sites[0].clone()
            },
        ];
        let config = Config {
            score_min: Some((Level::Error, 90)),
            ..Config::default()
        };
        let out = check(&config, Some(&base), &[vec![a, b]], today());
        let found: Vec<(&str, &str)> = out
            .violations
            .iter()
            .map(|v| (v.site.as_str(), v.assertion.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("https://a.test/", "new-tracker"),
                ("https://a.test/", "score.min"),
                ("https://b.test/", "new-tracker"),
                ("https://b.test/", "score.min"),
            ]
        );
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["violations"][0]["level"], "error");
        assert_eq!(json["violations"][0]["item"]["kind"], "tracker");
        assert_eq!(json["violations"][0]["item"]["host"], "ads.newads.test");
    }

    #[test]
    fn policy_descriptions() {
        assert_eq!(
            describe_policy(RunsPolicy::Majority, 3),
            "an item counts when seen in at least 2 of 3 runs"
        );
        assert_eq!(
            describe_policy(RunsPolicy::Any, 1),
            "an item counts when seen in 1 of 1 run"
        );
        assert_eq!(
            describe_policy(RunsPolicy::All, 5),
            "an item counts when seen in 5 of 5 runs"
        );
    }
}
