//! The chrome engine: a real Chromium, driven over the DevTools protocol,
//! makes up to three visits of each site in fresh browser contexts:
//! `first_visit` (no choice), `after_reject` and `after_accept`.
//!
//! Only this module knows CDP. What it measured on Chromium 156 (see
//! `docs/chrome.md`):
//! - a fresh headless profile blocks third-party cookies; we write
//!   `cookie_controls_mode = 0` into the profile's Preferences before launch
//!   so the audit sees what a default desktop browser sees
//!   (`--block-third-party-cookies` writes 1);
//! - cross-origin frames run out of process and would hide their requests
//!   and DOM; we launch with site isolation off so the banner of a CMP in an
//!   iframe is readable and clickable. This removes a security layer of the
//!   browser: only audit sites you would open anyway;
//! - consent libraries that see `navigator.webdriver` hide their banner; we
//!   launch without the automation flag;
//! - several typed calls are broken; [`cdp`] holds raw ones.
//!
//! headless_chrome is blocking; each site runs on a blocking thread.

mod browser;
mod capture;
mod cdp;
mod consent;
mod dom;
pub mod flatten;
mod guard;
mod jar;
mod probe;
pub mod reaper;
pub mod render;
mod visit;
mod wire;

use browser::{KillOnDrop, Pool, Slot};

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use url::Url;

use super::{CrawlFuture, CrawlOptions, Engine};
use crate::evidence::*;
use crate::knowledge::Knowledge;
use crate::party::{party, registrable_domain};

/// After a page's load event, or a consent click, the page is captured once
/// the network has been quiet this long: tags fire just after load or just
/// after the choice, and a fixed sleep is either too short or wasted time.
pub(super) const QUIET: Duration = Duration::from_millis(200);
/// ... but never waited for longer than this (ad auctions and analytics
/// beacons can keep a page busy for ever).
pub(super) const QUIET_MAX: Duration = Duration::from_millis(1500);
/// The shortest wait after a consent click: the consent script's own
/// reaction (setting its cookie, loading tags) may start a moment later.
pub(super) const AFTER_CLICK_MIN: Duration = Duration::from_millis(300);
/// Policy text kept as evidence, in characters (as the http engine).
pub(super) const POLICY_TEXT_CHARS: usize = 200_000;
/// How often the banner is looked for while settling.
pub(super) const POLL: Duration = Duration::from_millis(250);
/// How long a banner seen again after a choice must stay on screen to count
/// as asking again.
pub(super) const RECHECK_CONFIRM: Duration = Duration::from_millis(1000);

/// A dialog loop: past this many JavaScript dialogs in a visit, the page's
/// scripts are stopped.
pub(super) const DIALOGS_MAX: u32 = 20;
/// Pop-ups left open per visit; later ones are closed as they open.
pub(super) const POPUPS_KEPT: u32 = 3;
/// How long the page's main thread may stay busy (a script that does not
/// return) before the script is stopped and scripts are turned off.
pub(super) const SCRIPT_MAX: Duration = Duration::from_secs(5);
/// How often the page is asked whether it still answers.
pub(super) const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Past a visit's budget, the time left to read what it saw (cookie jar,
/// storage) and close it; past that, every call on its tab fails at once.
pub(super) const WRAP_UP: Duration = Duration::from_secs(5);
/// A failed visit is retried only with at least this much of the site's
/// time left.
pub(super) const RETRY_MIN: Duration = Duration::from_secs(5);
/// The JavaScript heap of each renderer, in MiB (`--js-flags`).
pub(super) const JS_HEAP_MB: u32 = 512;
/// A visit may decode this many times `--max-body-mb` in all.
pub(super) const VISIT_BYTES_FACTOR: u64 = 16;

/// Temporary browser profiles are named after this.
pub(super) const PROFILE_PREFIX: &str = "barometer-chrome-";

pub struct ChromeEngine {
    chrome: PathBuf,
    opts: Arc<CrawlOptions>,
    knowledge: Arc<Knowledge>,
    /// The proxy that keeps audits of public sites off private addresses,
    /// started with the first such audit.
    /// Shared by the per-site copies of the engine: one proxy per process.
    guard: Arc<Mutex<Option<Arc<guard::GuardProxy>>>>,
    /// Browsers kept between sites, shared by the per-site copies.
    pool: Arc<Pool>,
}

impl ChromeEngine {
    pub fn new(chrome: PathBuf, opts: Arc<CrawlOptions>, knowledge: Arc<Knowledge>) -> Self {
        ChromeEngine {
            chrome,
            opts,
            knowledge,
            guard: Arc::default(),
            pool: Arc::default(),
        }
    }

    fn crawl_blocking(&self, input: &Url, slot: &Arc<Slot>) -> Evidence {
        let started_at = Utc::now();
        let clock = Instant::now();
        // The site's deadline, kept a little before `--site-timeout` so
        // that what was seen is returned before the caller gives up.
        let site_timeout = self.opts.site_timeout;
        let margin = (site_timeout / 5).min(Duration::from_secs(3));
        let site_deadline = clock + site_timeout.saturating_sub(margin);
        let mut errors = Vec::new();
        let mut visits = Vec::new();
        let mut browser_version = None;
        let mut user_agent = self.opts.user_agent.clone();
        let mut final_url = None;
        let mut site = registrable_domain(input.host_str().unwrap_or_default());
        let guard = if self.guarded(input) {
            Some(self.guard_proxy())
        } else {
            None
        };
        let pooled = self.pool.take(slot, guard.is_some());
        let launched = match (pooled, &guard) {
            (Some(run), _) => Ok(run),
            (None, Some(Err(e))) => Err(e.clone()),
            (None, Some(Ok(g))) => self.launch(slot, Some(g)),
            (None, None) => self.launch(slot, None),
        };
        let guard = guard.and_then(Result::ok);
        match launched {
            Err(e) => errors.push(CrawlError {
                kind: "engine".into(),
                message: e,
                url: None,
            }),
            Ok(run) => {
                let mut run = Some(run);
                if let Some(Ok(v)) = run.as_ref().map(|r| r.wire.call(None, cdp::GetVersion {})) {
                    browser_version = v["product"].as_str().map(str::to_string);
                    if let Some(ua) = v["userAgent"].as_str() {
                        user_agent = ua.replace("HeadlessChrome", "Chrome");
                    }
                }
                let kinds = self.opts.visits.clone();
                let mut outcomes = match &run {
                    Some(r) => self.visits(r, input, &kinds, &user_agent, site_deadline),
                    None => Vec::new(),
                };
                // A visit whose browser died (at any point, the first
                // navigation included) is retried once in a new browser.
                let failed: Vec<usize> = (0..outcomes.len())
                    .filter(|&i| outcomes[i].is_err())
                    .collect();
                if !failed.is_empty() {
                    for &i in &failed {
                        if let Err(e) = &outcomes[i] {
                            errors.push(CrawlError {
                                kind: "engine".into(),
                                message: format!("{}: {e}; retrying", kinds[i].as_str()),
                                url: None,
                            });
                        }
                    }
                    // The dead browser goes first: never two at once.
                    drop(run.take());
                    let time_left = site_deadline.saturating_duration_since(Instant::now());
                    if time_left < RETRY_MIN + self.wrap_up() {
                        errors.push(CrawlError {
                            kind: "engine".into(),
                            message: "no time left in the site's deadline to retry".into(),
                            url: None,
                        });
                    } else {
                        match self.launch(slot, guard.as_deref()) {
                            Ok(r) => {
                                let again: Vec<VisitKind> =
                                    failed.iter().map(|&i| kinds[i]).collect();
                                let redone =
                                    self.visits(&r, input, &again, &user_agent, site_deadline);
                                for (&i, outcome) in failed.iter().zip(redone) {
                                    outcomes[i] = outcome;
                                }
                                run = Some(r);
                            }
                            Err(e) => errors.push(CrawlError {
                                kind: "engine".into(),
                                message: e,
                                url: None,
                            }),
                        }
                    }
                }
                for (kind, outcome) in kinds.iter().zip(outcomes) {
                    match outcome {
                        Ok((visit, landed)) => {
                            if *kind == VisitKind::FirstVisit {
                                if let Some(u) = landed {
                                    site = registrable_domain(u.host_str().unwrap_or_default());
                                    final_url = Some(u.to_string());
                                }
                            }
                            visits.push(visit);
                        }
                        Err(e) => {
                            errors.push(CrawlError {
                                kind: "engine".into(),
                                message: format!("{}: {e}", kind.as_str()),
                                url: Some(input.to_string()),
                            });
                            visits.push(Visit::failed(*kind, input.as_str(), &e));
                        }
                    }
                }
                // Back to the pool for the next site; a browser that died,
                // was killed or has served its sites is killed (and waited
                // for), then its profile deleted.
                if let Some(run) = run {
                    self.pool.give_back(run);
                }
            }
        }
        // Out of the site's time: not audited, with what was seen kept.
        let site_soft = site_deadline
            .checked_sub(self.wrap_up())
            .unwrap_or(site_deadline);
        if Instant::now() >= site_soft && visits.iter().any(|v| v.status != VisitStatus::Complete) {
            errors.push(CrawlError {
                kind: "site_timeout".into(),
                message: format!("the audit took longer than {} s", site_timeout.as_secs()),
                url: Some(input.to_string()),
            });
        }
        if visits.is_empty() {
            visits.push(Visit::failed(
                VisitKind::FirstVisit,
                input.as_str(),
                "the browser could not be started",
            ));
        }
        // What the guard proxy refused is recorded as blocked, not as a
        // failure of the network.
        let refused = match &guard {
            Some(proxy) => proxy.refused.lock().map(|m| m.clone()).unwrap_or_default(),
            None => HashMap::new(),
        };
        let blocked = |url: &str| {
            Url::parse(url)
                .ok()
                .and_then(|u| guard::key_of(&u))
                .and_then(|k| refused.get(&k).cloned())
        };
        let mut blocked_urls = BTreeSet::new();
        // Party is relative to where the home page landed.
        for v in visits.iter_mut() {
            if !refused.is_empty() {
                for r in v.requests.iter_mut().filter(|r| r.error.is_some()) {
                    if let Some(why) = blocked(&r.url) {
                        r.error = Some(why);
                        r.status = None;
                    }
                }
                for p in v.pages.iter_mut().filter(|p| p.error.is_some()) {
                    if let Some(why) = blocked(&p.url) {
                        p.error = Some(why);
                    }
                }
            }
            for r in &v.requests {
                if let Some(e) = r
                    .error
                    .as_deref()
                    .filter(|e| e.starts_with(crate::net::BLOCKED))
                {
                    if blocked_urls.insert(r.url.clone()) {
                        errors.push(CrawlError {
                            kind: "private_address_blocked".into(),
                            message: e.to_string(),
                            url: Some(r.url.clone()),
                        });
                    }
                }
            }
            for r in v.requests.iter_mut() {
                r.party = party(&r.host, &site);
            }
            for c in v.cookies.iter_mut() {
                c.party = party(&c.domain, &site);
            }
            for s in v.storage.iter_mut() {
                let host = Url::parse(&s.origin)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                s.party = party(&host, &site);
            }
            for p in &v.pages {
                if let Some(e) = &p.error {
                    errors.push(CrawlError {
                        kind: "page_failed".into(),
                        message: format!("{}: {e}", v.kind.as_str()),
                        url: Some(p.url.clone()),
                    });
                }
            }
        }
        Evidence {
            schema_version: EVIDENCE_VERSION.to_string(),
            provenance: self.opts.provenance(
                EngineKind::Chrome,
                started_at,
                browser_version,
                user_agent,
            ),
            target: Target {
                input_url: input.to_string(),
                final_url,
                site,
            },
            visits,
            errors,
        }
    }

    /// Whether an audit of `input` refuses IP literals of non-public
    /// addresses (see [`crate::net::PrivateGuard`]).
    fn guarded(&self, input: &Url) -> bool {
        !self.opts.allow_private
            && self.opts.route_all_to.is_none()
            && crate::net::PrivateGuard::new(&self.opts.resolve).applies_to(input)
    }

    /// Time kept, past a visit's budget, to read what it saw and close it
    /// (less with a short site deadline).
    fn wrap_up(&self) -> Duration {
        WRAP_UP.min(self.opts.site_timeout / 5)
    }
}

impl Engine for ChromeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Chrome
    }

    fn shutdown(&self) {
        self.pool.clear();
        reaper::end_browsers_of(std::process::id());
        if let Some(proxy) = self.guard.lock().ok().and_then(|mut g| g.take()) {
            proxy.stop();
        }
    }

    fn crawl<'a>(&'a self, url: &'a Url) -> CrawlFuture<'a> {
        let engine = ChromeEngine {
            chrome: self.chrome.clone(),
            opts: self.opts.clone(),
            knowledge: self.knowledge.clone(),
            guard: self.guard.clone(),
            pool: self.pool.clone(),
        };
        let url = url.clone();
        Box::pin(async move {
            let input = url.clone();
            let slot = Arc::new(Slot::default());
            // Dropped with this future: if the caller gives up on the site
            // (its deadline, an interruption), the browser dies with it.
            let _kill = KillOnDrop(slot.clone());
            tokio::task::spawn_blocking(move || engine.crawl_blocking(&url, &slot))
                .await
                .unwrap_or_else(|e| {
                    let mut ev = self.panicked(&input);
                    ev.errors.push(CrawlError {
                        kind: "engine".into(),
                        message: format!("the browser worker failed: {e}"),
                        url: None,
                    });
                    ev
                })
        })
    }
}

impl ChromeEngine {
    fn panicked(&self, input: &Url) -> Evidence {
        Evidence {
            schema_version: EVIDENCE_VERSION.to_string(),
            provenance: self.opts.provenance(
                EngineKind::Chrome,
                Utc::now(),
                None,
                self.opts.user_agent.clone(),
            ),
            target: Target {
                input_url: input.to_string(),
                final_url: None,
                site: registrable_domain(input.host_str().unwrap_or_default()),
            },
            visits: vec![Visit::failed(
                VisitKind::FirstVisit,
                input.as_str(),
                "the browser worker failed",
            )],
            errors: Vec::new(),
        }
    }
}
