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

mod capture;
mod cdp;
mod dom;
pub mod flatten;
mod guard;
mod jar;
mod probe;
pub mod reaper;
pub mod render;
mod wire;

use capture::Capture;
use dom::{box_of, click, is_on, style_of, toggles};
use jar::{all_cookies, cookies_from, read_jar, storage_items};
use wire::{Devtools, Wire};

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions};
use scraper::Html;
use serde_json::Value;
use url::Url;

use super::{links, CrawlFuture, CrawlOptions, Engine};
use crate::banner;
use crate::evidence::*;
use crate::knowledge::Knowledge;
use crate::party::{party, registrable_domain};

/// After a page's load event, or a consent click, the page is captured once
/// the network has been quiet this long: tags fire just after load or just
/// after the choice, and a fixed sleep is either too short or wasted time.
const QUIET: Duration = Duration::from_millis(200);
/// ... but never waited for longer than this (ad auctions and analytics
/// beacons can keep a page busy for ever).
const QUIET_MAX: Duration = Duration::from_millis(1500);
/// The shortest wait after a consent click: the consent script's own
/// reaction (setting its cookie, loading tags) may start a moment later.
const AFTER_CLICK_MIN: Duration = Duration::from_millis(300);
/// Policy text kept as evidence, in characters (as the http engine).
const POLICY_TEXT_CHARS: usize = 200_000;
/// How often the banner is looked for while settling.
const POLL: Duration = Duration::from_millis(250);
/// How long a banner seen again after a choice must stay on screen to count
/// as asking again.
const RECHECK_CONFIRM: Duration = Duration::from_millis(1000);

/// A dialog loop: past this many JavaScript dialogs in a visit, the page's
/// scripts are stopped.
const DIALOGS_MAX: u32 = 20;
/// Pop-ups left open per visit; later ones are closed as they open.
const POPUPS_KEPT: u32 = 3;
/// How long the page's main thread may stay busy (a script that does not
/// return) before the script is stopped and scripts are turned off.
const SCRIPT_MAX: Duration = Duration::from_secs(5);
/// How often the page is asked whether it still answers.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Past a visit's budget, the time left to read what it saw (cookie jar,
/// storage) and close it; past that, every call on its tab fails at once.
const WRAP_UP: Duration = Duration::from_secs(5);
/// A failed visit is retried only with at least this much of the site's
/// time left.
const RETRY_MIN: Duration = Duration::from_secs(5);
/// The JavaScript heap of each renderer, in MiB (`--js-flags`).
const JS_HEAP_MB: u32 = 512;
/// A visit may decode this many times `--max-body-mb` in all.
const VISIT_BYTES_FACTOR: u64 = 16;

/// Kill every Chromium this process started, and delete its temporary
/// profile. Called on Ctrl-C / SIGTERM before exiting (normal runs end them
/// by dropping the browser). Browsers are found by their profile, named
/// after this process's pid, rather than through a registry, so a browser
/// still starting up is not missed; the SIGKILL watcher does the same.
pub fn kill_all_browsers() {
    reaper::end_browsers_of(std::process::id());
}

/// Temporary browser profiles are named after this.
const PROFILE_PREFIX: &str = "barometer-chrome-";

pub struct ChromeEngine {
    chrome: PathBuf,
    opts: Arc<CrawlOptions>,
    knowledge: Arc<Knowledge>,
    /// The proxy that keeps audits of public sites off private addresses,
    /// started with the first such audit.
    /// Shared by the per-site copies of the engine: one proxy per process.
    guard: Arc<Mutex<Option<Arc<guard::GuardProxy>>>>,
}

/// A visit in progress: its tab and what the listener collected.
struct Session {
    tab: Devtools,
    capture: Arc<Mutex<Capture>>,
    /// The visit's budget: pages are not started past it (calls on the tab
    /// still work until the tab's own deadline, to wrap up).
    soft: Instant,
}

/// The browser of one site's audit, as the async side sees it: the crawl
/// future kills the browser when it is dropped (the site's deadline
/// passed outside the engine, or the run was interrupted).
#[derive(Default)]
struct Slot {
    browser: Mutex<Option<(u32, PathBuf)>>,
    cancelled: AtomicBool,
}

impl Slot {
    fn kill(&self) {
        let taken = self.browser.lock().ok().and_then(|mut b| b.take());
        if let Some((pid, profile)) = taken {
            reaper::kill_browser(pid, &profile);
        }
    }
}

/// Kills the site's browser when the crawl future is dropped unfinished.
struct KillOnDrop(Arc<Slot>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.kill();
    }
}

/// A running browser. Dropping it kills it and every process below it,
/// then deletes its profile.
struct Running {
    browser: Browser,
    wire: Arc<Wire>,
    profile: tempfile::TempDir,
    /// The capture of each visit, by browser context (pop-ups are counted
    /// and closed there).
    contexts: Arc<Mutex<HashMap<String, Arc<Mutex<Capture>>>>>,
    slot: Arc<Slot>,
    /// We killed it on purpose (a tab that would not close): visits that
    /// fail because of that are not retried.
    killed: AtomicBool,
    /// Behind the guard proxy: its visits also refuse non-public IP
    /// literals in the browser (judged once per site, in `crawl_blocking`).
    guarded: bool,
}

impl Running {
    /// Kill the browser now.
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        if let Some(pid) = self.browser.get_process_id() {
            reaper::kill_browser(pid, self.profile.path());
        }
    }

    /// The browser died on its own during the visit.
    fn died(&self) -> bool {
        self.wire.is_closed() && !self.killed.load(Ordering::SeqCst)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
        if let Ok(mut b) = self.slot.browser.lock() {
            *b = None;
        }
    }
}

impl Session {
    /// HTTP status of the top-level document now loaded.
    fn document_status(&self) -> Option<u16> {
        let c = self.capture.lock().ok()?;
        c.requests
            .iter()
            .rev()
            .find(|r| r.kind == ResourceType::Document)
            .and_then(|r| r.status)
    }

    /// The page just loaded from `url`, as evidence.
    fn page(&self, role: PageRole, url: &Url, error: Option<String>) -> Page {
        Page {
            role,
            url: url.to_string(),
            final_url: self
                .document_url()
                .filter(|u| u != url)
                .map(|u| u.to_string()),
            status: self.document_status(),
            redirects: Vec::new(),
            content_type: None,
            encoding: None,
            bytes: 0,
            title: self.page_string("document.title"),
            lang: self
                .page_string("document.documentElement ? document.documentElement.lang : ''")
                .map(|l| l.trim().chars().take(35).collect::<String>())
                .filter(|l| !l.is_empty()),
            text: None,
            script_references: Vec::new(),
            forms: Vec::new(),
            error,
        }
    }

    /// A string the page's script computes; `None` when empty or on error.
    fn page_string(&self, expression: &'static str) -> Option<String> {
        self.tab
            .call(cdp::Evaluate {
                expression,
                return_by_value: true,
            })
            .ok()
            .and_then(|v| v["result"]["value"].as_str().map(str::to_string))
            .filter(|t| !t.is_empty())
    }

    /// URL of the top-level document now loaded: the last main-frame
    /// document request (after redirects). headless_chrome's own `get_url`
    /// follows target-info events that can arrive after the load event.
    fn document_url(&self) -> Option<Url> {
        let c = self.capture.lock().ok()?;
        let last = c
            .requests
            .iter()
            .rev()
            .find(|r| r.kind == ResourceType::Document && r.error.is_none())?;
        Url::parse(&last.url).ok()
    }

    /// An element's border box in page coordinates (the browser reports
    /// in-process frames' elements in page coordinates already).
    fn page_box(&self, node: i64) -> Option<(f64, f64, f64, f64)> {
        box_of(&self.tab, node)
    }
}

impl ChromeEngine {
    pub fn new(chrome: PathBuf, opts: Arc<CrawlOptions>, knowledge: Arc<Knowledge>) -> Self {
        ChromeEngine {
            chrome,
            opts,
            knowledge,
            guard: Arc::default(),
        }
    }

    /// The guard proxy, started on first use.
    fn guard_proxy(&self) -> Result<Arc<guard::GuardProxy>, String> {
        let mut slot = self.guard.lock().map_err(|_| "the address guard failed")?;
        if let Some(proxy) = slot.as_ref() {
            return Ok(proxy.clone());
        }
        let proxy = Arc::new(
            guard::GuardProxy::start(&self.opts.resolve)
                .map_err(|e| format!("cannot start the address guard: {e}"))?,
        );
        *slot = Some(proxy.clone());
        Ok(proxy)
    }

    /// Launch Chromium (for a `guarded` audit, behind the guard proxy),
    /// with a fresh profile, and tell `slot` about it.
    fn launch(
        &self,
        slot: &Arc<Slot>,
        guard: Option<&guard::GuardProxy>,
    ) -> Result<Running, String> {
        if slot.cancelled.load(Ordering::SeqCst) {
            return Err("the audit was stopped".into());
        }
        reaper::ensure_started();
        let profile = tempfile::Builder::new()
            .prefix(&reaper::profile_prefix(std::process::id()))
            .tempdir()
            .map_err(|e| format!("cannot create a browser profile: {e}"))?;
        let mode = if self.opts.block_third_party_cookies {
            1
        } else {
            0
        };
        let default = profile.path().join("Default");
        std::fs::create_dir_all(&default).map_err(|e| e.to_string())?;
        std::fs::write(
            default.join("Preferences"),
            format!("{{\"profile\":{{\"cookie_controls_mode\":{mode}}}}}"),
        )
        .map_err(|e| format!("cannot write the browser profile: {e}"))?;
        let mut args: Vec<OsString> = vec![
            "--disable-gpu".into(),
            "--disable-component-update".into(),
            "--disable-quic".into(),
            "--disable-blink-features=AutomationControlled".into(),
            "--disable-site-isolation-trials".into(),
            "--disable-features=TranslateUI,IsolateOrigins,site-per-process".into(),
            format!(
                "--lang={}",
                self.opts
                    .accept_language
                    .split(',')
                    .next()
                    .unwrap_or("en")
                    .trim()
            )
            .into(),
            "--mute-audio".into(),
            // A page cannot grow a renderer's JavaScript heap past this.
            format!("--js-flags=--max-old-space-size={JS_HEAP_MB}").into(),
        ];
        let rules: Vec<String> = self
            .opts
            .resolve
            .iter()
            .flat_map(|r| {
                let target = match r.port {
                    Some(p) => format!("{}:{p}", r.addr),
                    None => r.addr.to_string(),
                };
                let mut v = vec![format!("MAP {} {target}", r.host)];
                if let Some(base) = r.host.strip_prefix("*.") {
                    v.push(format!("MAP {base} {target}"));
                }
                v
            })
            .collect();
        if let Some(proxy) = self.opts.route_all_to {
            // Every request, loopback included (Chromium bypasses proxies
            // for loopback unless told not to), goes to the served folder.
            args.push(format!("--proxy-server=http://{proxy}").into());
            args.push("--proxy-bypass-list=<-loopback>".into());
        } else if let Some(guard) = guard {
            // The guard proxy resolves every name (`--resolve` included)
            // and refuses non-public addresses.
            let proxy = guard.addr;
            args.push(format!("--proxy-server=http://{proxy}").into());
            args.push("--proxy-bypass-list=<-loopback>".into());
        } else if !rules.is_empty() {
            args.push(format!("--host-resolver-rules={}", rules.join(", ")).into());
        }
        let ignore: Vec<OsString> = vec![
            "--enable-automation".into(),
            "--disable-features=TranslateUI,BlinkGenPropertyTrees".into(),
        ];
        let options = LaunchOptions {
            headless: true,
            sandbox: false,
            path: Some(self.chrome.clone()),
            user_data_dir: Some(profile.path().to_path_buf()),
            window_size: Some((1366, 900)),
            ignore_certificate_errors: self.opts.insecure,
            idle_browser_timeout: Duration::from_secs(3600),
            args: args.iter().map(|a| a.as_os_str()).collect(),
            ignore_default_args: ignore.iter().map(|a| a.as_os_str()).collect(),
            ..LaunchOptions::default()
        };
        let browser = Browser::new(options)
            .map_err(|e| format!("cannot start Chromium ({}): {e}", self.chrome.display()))?;
        if let (Ok(mut b), Some(pid)) = (slot.browser.lock(), browser.get_process_id()) {
            *b = Some((pid, profile.path().to_path_buf()));
        }
        let wire = Wire::connect(&browser.get_ws_url(), self.opts.timeout);
        let wire = match wire {
            Ok(w) => w,
            Err(e) => {
                if let Some(pid) = browser.get_process_id() {
                    reaper::kill_browser(pid, profile.path());
                }
                return Err(e);
            }
        };
        let running = Running {
            browser,
            wire,
            profile,
            contexts: Arc::default(),
            slot: slot.clone(),
            killed: AtomicBool::new(false),
            guarded: guard.is_some(),
        };
        if slot.cancelled.load(Ordering::SeqCst) {
            return Err("the audit was stopped".into());
        }
        // Pop-ups: each new page with an opener is counted in its visit;
        // beyond the first few, closed as it opens.
        let contexts = running.contexts.clone();
        let weak = Arc::downgrade(&running.wire);
        running
            .wire
            .listen_browser(Arc::new(move |method: &str, params: &Value| {
                if method != "Target.targetCreated" {
                    return;
                }
                let info = &params["targetInfo"];
                if info["type"] != "page" || info["openerId"].as_str().is_none() {
                    return;
                }
                let capture = info["browserContextId"]
                    .as_str()
                    .and_then(|c| contexts.lock().ok()?.get(c).cloned());
                let Some(capture) = capture else { return };
                let close = capture.lock().is_ok_and(|mut c| {
                    c.popups_opened += 1;
                    if c.popups_opened <= POPUPS_KEPT {
                        return false;
                    }
                    c.popups_closed += 1;
                    c.limit(format!(
                        "pop-ups beyond the first {POPUPS_KEPT} were closed as they opened"
                    ));
                    true
                });
                if let (true, Some(wire), Some(id)) =
                    (close, weak.upgrade(), info["targetId"].as_str())
                {
                    wire.send(
                        None,
                        cdp::CloseTarget {
                            target_id: id.to_string(),
                        },
                    );
                }
            }));
        running
            .wire
            .call(None, cdp::DiscoverTargets { discover: true })?;
        Ok(running)
    }

    /// Open a tab in a fresh browser context, with the listener attached.
    /// Pages are started until `soft`; calls on the tab fail from `hard`.
    fn session(
        &self,
        run: &Running,
        user_agent: &str,
        soft: Instant,
        hard: Instant,
    ) -> Result<Session, String> {
        let wire = &run.wire;
        let tab = Devtools::open(wire, hard).map_err(|e| format!("cannot open a tab: {e}"))?;
        let cap = self.opts.max_body_bytes;
        let capture = Arc::new(Mutex::new(Capture {
            main_frame: tab.target_id().to_string(),
            response_cap: cap,
            visit_cap: cap.saturating_mul(VISIT_BYTES_FACTOR),
            ..Capture::default()
        }));
        if let Ok(mut c) = run.contexts.lock() {
            c.insert(tab.context_id().to_string(), capture.clone());
        }
        let listener = capture.clone();
        let weak = Arc::downgrade(wire);
        let session_id = tab.session_id().to_string();
        tab.listen(Arc::new(move |event: &Event| {
            let Some(wire) = weak.upgrade() else { return };
            let (was_stopped, stopped, stop_scripts) = match listener.lock() {
                Ok(mut c) => {
                    let was = c.stopped.is_some();
                    c.on_event(event);
                    let loop_of_dialogs = matches!(event, Event::PageJavascriptDialogOpening(_))
                        && c.dialogs > DIALOGS_MAX
                        && !c.scripts_stopped;
                    if loop_of_dialogs {
                        c.scripts_stopped = true;
                        // Measured on Chromium 156: a script looping on
                        // alert() is not ended by this (its dialogs keep
                        // coming); the visit's budget still ends it.
                        c.limit(format!(
                            "more than {DIALOGS_MAX} JavaScript dialogs: each was dismissed, and the page's script was asked to stop"
                        ));
                    }
                    (was, c.stopped.clone(), loop_of_dialogs)
                }
                Err(_) => return,
            };
            // Stop the script first: the request waits for the dialog
            // to close, then ends the script before it opens another.
            if stop_scripts {
                wire.send(Some(&session_id), cdp::TerminateExecution {});
                wire.send(Some(&session_id), cdp::ScriptsDisabled { value: true });
            }
            // A JavaScript dialog blocks the page: dismiss it, without
            // waiting (this thread delivers the answer we would wait for).
            if matches!(event, Event::PageJavascriptDialogOpening(_)) {
                wire.send(Some(&session_id), cdp::HandleDialog { accept: false });
            }
            // Over a byte cap: stop loading, and give up on the tab now.
            if let (false, Some(why)) = (was_stopped, stopped) {
                wire.send(Some(&session_id), cdp::StopLoading {});
                wire.abort(&session_id, &why);
            }
        }));
        tab.call(cdp::NetworkEnable {})?;
        tab.call(cdp::PageEnable {})?;
        tab.call(cdp::UserAgentOverride {
            user_agent: user_agent.to_string(),
            accept_language: self.opts.accept_language.clone(),
        })?;
        Ok(Session { tab, capture, soft })
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
        let launched = match &guard {
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(g)) => self.launch(slot, Some(g)),
            None => self.launch(slot, None),
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
                // The browser and every process below it are killed (and
                // waited for), then its profile deleted.
                drop(run);
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

    /// Load a page, wait for its load event (bounded by the request
    /// timeout), then a short quiet time. headless_chrome's own wait needs
    /// near network silence (over a second even on a tiny page); a page that
    /// never finishes loading still yields what it did load.
    fn load(&self, s: &Session, url: &str) -> Result<(), String> {
        {
            let mut c = s.capture.lock().map_err(|e| e.to_string())?;
            c.page_url = url.to_string();
            c.loaded = false;
        }
        // Bounded by the request timeout and by the visit's budget.
        let deadline = (Instant::now() + self.opts.timeout).min(s.soft);
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Err("the visit's time ran out before this page".into());
        }
        let nav = s
            .tab
            .call_within(
                cdp::Navigate {
                    url: url.to_string(),
                },
                wait,
            )
            .map_err(|e| format!("navigation failed: {e}"))?;
        if let Some(e) = nav["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(format!("navigation failed: {e}"));
        }
        loop {
            {
                let c = s.capture.lock().map_err(|e| e.to_string())?;
                if let Some(why) = &c.stopped {
                    return Err(why.clone());
                }
                if c.loaded {
                    break;
                }
            }
            if s.tab.gone() {
                return Err("the browser stopped answering".into());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no load event within {:.0} s; kept what had loaded",
                    wait.as_secs_f64()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        self.settle_network(s, Duration::ZERO);
        Ok(())
    }

    /// Wait at least `min`, then until the network has been quiet for
    /// [`QUIET`] (at most [`QUIET_MAX`] in all).
    fn settle_network(&self, s: &Session, min: Duration) {
        let start = Instant::now();
        std::thread::sleep(min);
        loop {
            let last = s.capture.lock().ok().and_then(|c| c.last_network);
            let quiet_since = last.map_or(start, |l| l.max(start));
            if quiet_since.elapsed() >= QUIET || start.elapsed() >= QUIET_MAX {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The rendered DOM, flattened (shadow roots and frames inlined), with
    /// what the layout hides and what acts as a button marked.
    fn snapshot(&self, s: &Session) -> Result<String, String> {
        let doc = s
            .tab
            .call(cdp::GetDocument {
                depth: -1,
                pierce: true,
            })
            .map_err(|e| format!("cannot read the DOM: {e}"))?;
        let rendering = render::capture(&s.tab);
        Ok(flatten::flatten(&doc["root"], &rendering))
    }

    /// The visible text of the page now loaded (policy pages), as the http
    /// engine keeps it.
    fn page_text(&self, s: &Session) -> Option<String> {
        let flat = self.snapshot(s).ok()?;
        let html = Html::parse_document(&flat);
        Some(crate::crawl::set_cookie::cut(
            &banner::visible_text(html.root_element()),
            POLICY_TEXT_CHARS,
        ))
    }

    /// Look for the banner until it shows or the settle time runs out.
    /// Also returns the page links and the flattened DOM the banner was
    /// read from (the forms are read from it too).
    fn find_banner(
        &self,
        s: &Session,
        page: &Url,
    ) -> Result<(Banner, Vec<links::Link>, String), String> {
        let deadline = Instant::now() + self.opts.settle;
        loop {
            let flat = self.snapshot(s)?;
            let (found, page_links) = {
                let html = Html::parse_document(&flat);
                (
                    banner::detect(&html, page, &self.knowledge),
                    links::page_links(&html, page),
                )
            };
            if let Some(mut b) = found {
                self.measure(s, &mut b);
                if b.buttons.iter().any(|x| x.layer == 1) || Instant::now() >= deadline {
                    return Ok((b, page_links, flat));
                }
            } else if Instant::now() >= deadline {
                let mut b = Banner::not_seen(
                    BannerStatus::Absent,
                    format!(
                        "no consent banner in the rendered page after {:.1} s",
                        self.opts.settle.as_secs_f64()
                    ),
                );
                b.page_url = Some(page.to_string());
                return Ok((b, page_links, flat));
            }
            std::thread::sleep(POLL);
        }
    }

    /// After a choice, on the next page: does the banner ask again, as a
    /// visitor sees it? Asked again means an accept or reject button on
    /// screen and visible ([`dom::shown`]), read after the page settled and
    /// still there a moment later (a platform may draw its banner, then
    /// hide it once it has read the stored choice). Markup left hidden in
    /// the page does not count, nor does a lone "cookie settings" button:
    /// that is the way to change one's mind (GDPR 7(3)), not a new
    /// question. A banner slower than this is missed, never invented.
    /// Also returns the links that reopen the choice.
    fn asks_again(
        &self,
        s: &Session,
        url: &Url,
    ) -> Option<(bool, Vec<crate::evidence::BannerLink>)> {
        let mut reopen = Vec::new();
        let mut shown = false;
        for attempt in 0..2 {
            if attempt > 0 {
                std::thread::sleep(RECHECK_CONFIRM);
            }
            let flat = self.snapshot(s).ok()?;
            let found = {
                let html = Html::parse_document(&flat);
                if attempt == 0 {
                    reopen = links::reopen_links(&html, url, &self.knowledge.lexicons);
                }
                banner::detect(&html, url, &self.knowledge)
            };
            shown = found.is_some_and(|mut b| {
                self.measure(s, &mut b);
                b.buttons.iter().any(|x| {
                    x.layer == 1 && matches!(x.role, ButtonRole::Accept | ButtonRole::Reject)
                })
            });
            if !shown {
                break;
            }
        }
        Some((shown, reopen))
    }

    /// Which buttons are on screen (first layer), and how they look.
    ///
    /// Every DevTools call costs tens of milliseconds, so only choice
    /// buttons are measured, and only the first reject and first accept
    /// get their colours read (what R504 compares).
    fn measure(&self, s: &Session, b: &mut Banner) {
        let mut styled = Vec::new();
        for button in b.buttons.iter_mut() {
            let Some(node) = button.node else { continue };
            if button.role == ButtonRole::Other {
                continue;
            }
            match s.page_box(node) {
                // On screen: a box, and visible to a person (a faded-out or
                // off-screen layer keeps its box).
                Some((_, _, w, h))
                    if w > 1.0 && h > 1.0 && dom::shown(&s.tab, node) != Some(false) =>
                {
                    button.layer = 1;
                    if matches!(button.role, ButtonRole::Reject | ButtonRole::Accept)
                        && !styled.contains(&button.role)
                    {
                        styled.push(button.role);
                        button.style = style_of(&s.tab, node, w, h);
                    }
                }
                _ => button.layer = 2,
            }
        }
    }

    /// Click the way to `choice`: the first-level button, else through the
    /// settings layer (open it, then reject/accept all, or save with
    /// everything unticked). Returns the labels clicked.
    fn choose(
        &self,
        s: &Session,
        page: &Url,
        banner: &Banner,
        choice: ButtonRole,
    ) -> ConsentAction {
        let mut clicks = Vec::new();
        let direct = banner
            .buttons
            .iter()
            .find(|b| b.role == choice && b.layer == 1 && b.node.is_some());
        if let Some(b) = direct {
            return match click(s, b.node.unwrap_or_default()) {
                Ok(()) => ConsentAction::done(choice, vec![b.label.clone()]),
                Err(e) => ConsentAction::failed(choice, clicks, e),
            };
        }
        let Some(settings) = banner
            .buttons
            .iter()
            .find(|b| b.role == ButtonRole::Settings && b.layer == 1 && b.node.is_some())
        else {
            return ConsentAction::failed(
                choice,
                clicks,
                format!(
                    "no {} button and no settings button on the first layer",
                    choice.as_str()
                ),
            );
        };
        if let Err(e) = click(s, settings.node.unwrap_or_default()) {
            return ConsentAction::failed(choice, clicks, e);
        }
        clicks.push(settings.label.clone());
        // The settings layer usually opens at once, sometimes after an
        // animation or a fetch: look for it until its button shows.
        let deadline = Instant::now() + QUIET_MAX;
        let mut second = None;
        let mut second_flat = String::new();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let flat = self.snapshot(s).unwrap_or_default();
            let layer =
                banner::detect(&Html::parse_document(&flat), page, &self.knowledge).map(|mut b| {
                    self.measure(s, &mut b);
                    b
                });
            let ready = layer.as_ref().is_some_and(|b| {
                b.buttons.iter().any(|x| {
                    x.layer == 1
                        && (x.role == choice
                            || (choice == ButtonRole::Reject && x.role == ButtonRole::Save))
                })
            });
            if layer.is_some() {
                second = layer;
                second_flat = flat;
            }
            if ready || Instant::now() >= deadline {
                break;
            }
        }
        let Some(second) = second else {
            return ConsentAction::failed(choice, clicks, "the settings layer could not be read");
        };
        let target = second
            .buttons
            .iter()
            .find(|b| b.role == choice && b.layer == 1)
            .or_else(|| {
                if choice == ButtonRole::Reject {
                    second
                        .buttons
                        .iter()
                        .find(|b| b.role == ButtonRole::Save && b.layer == 1)
                } else {
                    None
                }
            });
        // "Save" after unticking every purpose ticked in advance (a script
        // may tick them after load: their live state is read). Without
        // this, saving would accept what the site pre-selected.
        let mut preticked = Vec::new();
        if let Some(save) = target.filter(|b| b.role == ButtonRole::Save) {
            if save.node.is_some() {
                for (node, label_node, label) in toggles(&second_flat, second.selector.as_deref()) {
                    if is_on(&s.tab, node) != Some(true) {
                        continue;
                    }
                    preticked.push(label.clone());
                    let clicked =
                        click(s, node).or_else(|e| label_node.map_or(Err(e), |l| click(s, l)));
                    if clicked.is_ok() && is_on(&s.tab, node) == Some(false) {
                        clicks.push(format!("untick: {label}"));
                    }
                }
            }
        }
        let mut action = match target.and_then(|b| b.node.map(|n| (b, n))) {
            Some((b, n)) => match click(s, n) {
                Ok(()) => {
                    clicks.push(b.label.clone());
                    ConsentAction::done(choice, clicks)
                }
                Err(e) => ConsentAction::failed(choice, clicks, e),
            },
            None => ConsentAction::failed(
                choice,
                clicks,
                format!("no {} button on the settings layer", choice.as_str()),
            ),
        };
        action.preticked = preticked;
        action
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

    /// Make `kinds` visits side by side, one browser context each: they
    /// share nothing and mostly wait on DevTools round trips.
    fn visits(
        &self,
        run: &Running,
        input: &Url,
        kinds: &[VisitKind],
        user_agent: &str,
        site_deadline: Instant,
    ) -> Vec<Result<(Visit, Option<Url>), String>> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = kinds
                .iter()
                .map(|kind| {
                    scope.spawn(move || self.visit(run, input, *kind, user_agent, site_deadline))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("the visit worker panicked".to_string()))
                })
                .collect()
        })
    }

    /// One visit. `Err` only when the browser died under it (the caller
    /// retries it in a new browser); a visit stopped for its time or size
    /// is a visit that says so, with what it saw.
    fn visit(
        &self,
        run: &Running,
        input: &Url,
        kind: VisitKind,
        user_agent: &str,
        site_deadline: Instant,
    ) -> Result<(Visit, Option<Url>), String> {
        let started = Instant::now();
        let wrap = self.wrap_up();
        let site_soft = site_deadline.checked_sub(wrap).unwrap_or(site_deadline);
        let soft = (started + self.opts.visit_timeout).min(site_soft);
        let hard = (soft + wrap).min(site_deadline);
        let mut s = self.session(run, user_agent, soft, hard)?;
        if run.guarded {
            s.tab.call(cdp::SetBlockedUrls {
                urls: crate::net::PrivateGuard::browser_patterns(),
            })?;
        }
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), "session open");
        let done = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            scope.spawn(|| self.watch_scripts(&s, &done));
            let r = self.visit_in(&s, input, kind, started);
            done.store(true, Ordering::SeqCst);
            r
        });
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), "visit done");
        if run.died() {
            // Closing the tab of a dead browser is moot.
            let _ = s.tab.close();
            return Err(match result {
                Err(e) => format!("the browser died during the visit ({e})"),
                Ok(_) => "the browser died during the visit".to_string(),
            });
        }
        let out_of_time = Instant::now() >= soft;
        let budget = if soft < started + self.opts.visit_timeout {
            format!(
                "the site's time ({} s) ran out",
                self.opts.site_timeout.as_secs()
            )
        } else {
            format!(
                "the visit's time budget ({} s) ran out",
                self.opts.visit_timeout.as_secs()
            )
        };
        let outcome = {
            let mut c = s.capture.lock().map_err(|e| e.to_string())?;
            match result {
                Ok((mut visit, landed)) => {
                    if out_of_time && visit.status != VisitStatus::Complete {
                        c.limit(budget);
                    }
                    visit.limits = c.limits.clone();
                    visit.popups_closed = c.popups_closed;
                    (visit, landed)
                }
                Err(e) => {
                    // Stopped for its size or its time: a failed visit
                    // that keeps what it saw.
                    let why = match c.stopped.clone() {
                        Some(why) => why,
                        None if out_of_time => {
                            c.limit(budget.clone());
                            format!("{budget}: {e}")
                        }
                        None => e,
                    };
                    let site = registrable_domain(input.host_str().unwrap_or_default());
                    let mut visit = Visit::failed(kind, input.as_str(), &why);
                    visit.requests = requests_of(&c, &site, false, usize::MAX);
                    visit.popups = c.popups.clone();
                    visit.dialogs = c.dialogs;
                    visit.popups_closed = c.popups_closed;
                    visit.limits = c.limits.clone();
                    (visit, None)
                }
            }
        };
        // Close the tab and dispose of its context; a browser that does not
        // do so promptly is stuck: kill it (the other visits of this
        // browser then end too, and are not retried).
        if !s.tab.close() && !run.wire.is_closed() {
            tracing::warn!(
                visit = kind.as_str(),
                "the browser did not close a tab: killing it"
            );
            run.kill();
        }
        if let Ok(mut c) = run.contexts.lock() {
            c.remove(s.tab.context_id());
        }
        Ok(outcome)
    }

    /// Stop a script that keeps the page's main thread busy: the page is
    /// asked a trivial question every [`PROBE_EVERY`]; unanswered for
    /// [`SCRIPT_MAX`], its running script is terminated and scripts are
    /// turned off for the rest of the visit (the page then finishes
    /// loading, and the audit goes on with what it has). Once per visit.
    fn watch_scripts(&self, s: &Session, done: &AtomicBool) {
        let mut busy_since: Option<Instant> = None;
        loop {
            let wake = Instant::now() + PROBE_EVERY;
            while Instant::now() < wake {
                if done.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if Instant::now() >= s.tab.deadline() {
                return;
            }
            if s.capture
                .lock()
                .map_or(true, |c| c.scripts_stopped || c.stopped.is_some())
            {
                return;
            }
            let answered = match s.tab.call_within(
                cdp::Evaluate {
                    expression: "0",
                    return_by_value: true,
                },
                PROBE_EVERY,
            ) {
                Ok(_) => true,
                Err(e) => !e.contains("no answer"),
            };
            if answered {
                busy_since = None;
                continue;
            }
            let since = *busy_since.get_or_insert_with(|| Instant::now() - PROBE_EVERY);
            if since.elapsed() >= SCRIPT_MAX {
                if let Ok(mut c) = s.capture.lock() {
                    if c.scripts_stopped {
                        return;
                    }
                    c.scripts_stopped = true;
                    c.limit(format!(
                        "a script kept the page busy for more than {} s: it was stopped, and scripts turned off for the rest of the visit",
                        SCRIPT_MAX.as_secs()
                    ));
                }
                s.tab.send(cdp::TerminateExecution {});
                s.tab.send(cdp::ScriptsDisabled { value: true });
                return;
            }
        }
    }

    fn visit_in(
        &self,
        s: &Session,
        input: &Url,
        kind: VisitKind,
        started: Instant,
    ) -> Result<(Visit, Option<Url>), String> {
        let mut pages = Vec::new();
        // The jar after each page, with the page it was read on: a cookie
        // a script wrote is attributed to the first page it was seen after.
        let mut jar: Vec<(String, Value)> = Vec::new();
        let visit_started_at = Utc::now();
        let home_error = self.load(s, input.as_str()).err();
        let landed = s
            .document_url()
            .filter(|u| u.scheme() != "about" && u.scheme() != "chrome-error");
        let home_status = s.document_status();
        let Some(home_url) = landed
            .clone()
            .filter(|_| home_error.is_none() || home_status.is_some())
        else {
            let error = home_error.unwrap_or_else(|| "the page did not load".into());
            let c = s.capture.lock().map_err(|e| e.to_string())?;
            let doc_error = c
                .requests
                .iter()
                .find(|r| r.kind == ResourceType::Document)
                .and_then(|r| r.error.clone());
            return Ok((
                Visit::failed(kind, input.as_str(), &doc_error.unwrap_or(error)),
                None,
            ));
        };
        pages.push(s.page(PageRole::Home, input, home_error));
        let first_visit = kind == VisitKind::FirstVisit;
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), "home page loaded");
        let (mut banner_seen, page_links, home_flat) = self.find_banner(s, &home_url)?;
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), status = ?banner_seen.status, "banner looked for");
        if banner_seen.status == BannerStatus::Present {
            banner_seen.screenshots = self.screenshots(s, &banner_seen);
        }
        // The forms of the rendered page (the first visit speaks for all).
        if first_visit {
            if let Some(home) = pages.last_mut() {
                home.forms =
                    crate::crawl::forms::extract(&Html::parse_document(&home_flat), &home_url);
            }
        }
        // Before any click: the TCF signal, and how the banner holds the
        // page (the first visit speaks for all).
        let mut tcf = Vec::new();
        let mut overlay = None;
        if kind == VisitKind::FirstVisit {
            tcf = probe::tcf(&s.tab, "load");
            if banner_seen.status == BannerStatus::Present {
                overlay = probe::overlay(&s.tab);
            }
        }
        // The browsing visit: scroll to the bottom, with no click.
        let mut steps = Vec::new();
        if kind == VisitKind::Browsing {
            steps.push(BrowseStep {
                action: "load".into(),
                url: home_url.to_string(),
                at: visit_started_at,
                cookies: jar_names(&s.tab),
            });
            let at = Utc::now();
            probe::scroll_to_bottom(&s.tab);
            self.settle_network(s, AFTER_CLICK_MIN);
            steps.push(BrowseStep {
                action: "scroll".into(),
                url: home_url.to_string(),
                at,
                cookies: jar_names(&s.tab),
            });
        }
        // What existed before the click, to tell what the choice changed.
        let before_click_requests = s.capture.lock().map_err(|e| e.to_string())?.requests.len();
        let before_click_jar: BTreeSet<(String, String, String)> = all_cookies(&s.tab)
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_string(),
                    c["domain"]
                        .as_str()
                        .unwrap_or("")
                        .trim_start_matches('.')
                        .to_string(),
                    c["value"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let action = match kind {
            VisitKind::FirstVisit | VisitKind::Browsing => None,
            VisitKind::AfterReject | VisitKind::AfterAccept
                if banner_seen.status != BannerStatus::Present =>
            {
                Some(ConsentAction::failed(
                    if kind == VisitKind::AfterReject {
                        ButtonRole::Reject
                    } else {
                        ButtonRole::Accept
                    },
                    Vec::new(),
                    "no banner to click",
                ))
            }
            VisitKind::AfterReject => {
                Some(self.choose(s, &home_url, &banner_seen, ButtonRole::Reject))
            }
            VisitKind::AfterAccept => {
                Some(self.choose(s, &home_url, &banner_seen, ButtonRole::Accept))
            }
        };
        let chose_ok = action.as_ref().is_some_and(|a| a.succeeded);
        if chose_ok {
            self.settle_network(s, AFTER_CLICK_MIN);
            tcf = probe::tcf(&s.tab, "after_choice");
        }
        read_jar(&mut jar, &s.tab, &home_url);
        // After a refusal, reload the page it was given on: a tag that
        // ignores the refusal there, on the next load, is the commonest
        // violation, and the pages browsed next would miss it.
        if chose_ok && kind == VisitKind::AfterReject && Instant::now() < s.soft {
            let error = self.load(s, home_url.as_str()).err();
            pages.push(s.page(PageRole::Crawled, &home_url, error));
            read_jar(&mut jar, &s.tab, &home_url);
        }
        // Browse on, as the http engine chooses pages.
        let site = registrable_domain(home_url.host_str().unwrap_or_default());
        let mut seen = std::collections::HashSet::from([
            links::canonical(input.clone()),
            links::canonical(home_url.clone()),
        ]);
        // The browsing visit follows one link; the others browse on.
        let next = links::next_pages(
            &page_links,
            &site,
            &mut seen,
            if kind == VisitKind::Browsing {
                1
            } else {
                self.opts.max_pages.saturating_sub(1)
            },
        );
        // The first visit also reads the privacy policy, as the http engine
        // does (the other two visits would read the same text).
        let policy = (kind == VisitKind::FirstVisit)
            .then(|| links::policy_link(&self.knowledge.lexicons, &banner_seen, &page_links))
            .flatten();
        let mut policy_read = false;
        let mut partial = false;
        let mut banner_recheck = None;
        for url in next {
            if Instant::now() >= s.soft {
                partial = true;
                break;
            }
            let at = Utc::now();
            let error = self.load(s, url.as_str()).err();
            let mut page = s.page(PageRole::Crawled, &url, error);
            if kind == VisitKind::Browsing {
                steps.push(BrowseStep {
                    action: "navigate".into(),
                    url: url.to_string(),
                    at,
                    cookies: jar_names(&s.tab),
                });
            }
            // Is the choice remembered? Look for the banner once on the
            // first page after the click (no extra wait: the page has
            // settled; a banner slower than that is missed, never invented).
            if chose_ok && banner_recheck.is_none() && page.error.is_none() {
                if let Some((shown, reopen)) = self.asks_again(s, &url) {
                    banner_recheck = Some(BannerRecheck {
                        page_url: url.to_string(),
                        shown,
                        reopen,
                    });
                }
            }
            if policy.as_ref() == Some(&url) && page.error.is_none() {
                page.text = self.page_text(s);
                policy_read = true;
            } else if first_visit && page.error.is_none() {
                if let Ok(flat) = self.snapshot(s) {
                    page.forms = crate::crawl::forms::extract(&Html::parse_document(&flat), &url);
                }
            }
            pages.push(page);
            read_jar(&mut jar, &s.tab, &url);
        }
        if let Some(url) = policy.filter(|_| !policy_read) {
            if Instant::now() >= s.soft {
                partial = true;
                // The link was found; only reading it was cut short. Record
                // it unread (no status) so that the policy counts as linked
                // and its reachability is not judged (T305, T306).
                pages.push(Page::not_loaded(
                    PageRole::Policy,
                    url.as_str(),
                    "not read: the visit's time budget was spent",
                ));
            } else {
                let error = self.load(s, url.as_str()).err();
                let mut page = s.page(PageRole::Policy, &url, error);
                page.text = self.page_text(s);
                pages.push(page);
                read_jar(&mut jar, &s.tab, &url);
            }
        }
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), pages = pages.len(), "pages browsed");
        let storage = storage_items(&s.tab);
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), "storage read");
        let capture = s.capture.lock().map_err(|e| e.to_string())?;
        let chose = action.as_ref().is_some_and(|a| a.succeeded);
        let mut cookies = cookies_from(&jar, &capture, &site);
        if chose {
            for c in cookies.iter_mut() {
                c.after_choice = !before_click_jar.contains(&(
                    c.name.clone(),
                    c.domain.clone(),
                    c.value.clone(),
                ));
            }
        }
        let requests = requests_of(&capture, &site, chose, before_click_requests);
        let status = if partial || pages.iter().any(|p| p.error.is_some()) {
            VisitStatus::Partial
        } else {
            VisitStatus::Complete
        };
        Ok((
            Visit {
                kind,
                status,
                pages,
                requests,
                cookies,
                storage,
                banner: banner_seen,
                consent_action: action,
                popups: capture.popups.clone(),
                dialogs: capture.dialogs,
                banner_recheck,
                tcf,
                overlay,
                steps,
                popups_closed: capture.popups_closed,
                limits: capture.limits.clone(),
            },
            landed,
        ))
    }

    /// A viewport screenshot and a close-up of the banner, as data URIs.
    fn screenshots(&self, s: &Session, b: &Banner) -> Vec<String> {
        let mut shots = Vec::new();
        if let Ok(v) = s.tab.call(cdp::Screenshot {
            format: "jpeg",
            quality: 70,
            capture_beyond_viewport: false,
        }) {
            if let Some(data) = v["data"].as_str() {
                shots.push(format!("data:image/jpeg;base64,{data}"));
            }
        }
        // Close-up: the box around every first-layer button, with margin.
        let boxes: Vec<(f64, f64, f64, f64)> = b
            .buttons
            .iter()
            .filter_map(|x| x.node.and_then(|n| s.page_box(n)))
            .collect();
        if !boxes.is_empty() {
            let x0 = boxes.iter().map(|b| b.0).fold(f64::MAX, f64::min) - 200.0;
            let y0 = boxes.iter().map(|b| b.1).fold(f64::MAX, f64::min) - 150.0;
            let x1 = boxes.iter().map(|b| b.0 + b.2).fold(0.0, f64::max) + 200.0;
            let y1 = boxes.iter().map(|b| b.1 + b.3).fold(0.0, f64::max) + 40.0;
            let clip = cdp::Clip {
                x: x0.max(0.0),
                y: y0.max(0.0),
                width: (x1 - x0.max(0.0)).min(1366.0),
                height: (y1 - y0.max(0.0)).min(900.0),
                scale: 1.0,
            };
            if let Ok(v) = s.tab.call(cdp::ScreenshotClip {
                format: "jpeg",
                quality: 80,
                clip,
            }) {
                if let Some(data) = v["data"].as_str() {
                    shots.push(format!("data:image/jpeg;base64,{data}"));
                }
            }
        }
        shots
    }
}

/// The requests a visit's listener saw, as evidence: after the click when
/// `chose` and from the `before`-th on.
fn requests_of(capture: &Capture, site: &str, chose: bool, before: usize) -> Vec<Request> {
    capture
        .requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.url.starts_with("http"))
        .map(|(i, r)| {
            let host = Url::parse(&r.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            Request {
                url: r.url.clone(),
                party: party(&host, site),
                host,
                method: r.method.clone(),
                resource_type: r.kind,
                page_url: r.page_url.clone(),
                initiator: r.initiator.clone(),
                status: r.status,
                redirects: Vec::new(),
                cookies_sent: Vec::new(),
                encoded_bytes: r.encoded_bytes,
                // A response stopped part-way (over its cap) still counts.
                decoded_bytes: (r.encoded_bytes.is_some() || r.decoded_bytes > 0)
                    .then_some(r.decoded_bytes),
                after_choice: chose && i >= before,
                started_at: r.started_at,
                error: r.error.clone(),
            }
        })
        .collect()
}

/// The cookies of the jar, as `name@domain`.
fn jar_names(tab: &Devtools) -> Vec<String> {
    let mut names: Vec<String> = all_cookies(tab)
        .iter()
        .map(|c| {
            format!(
                "{}@{}",
                c["name"].as_str().unwrap_or(""),
                c["domain"].as_str().unwrap_or("").trim_start_matches('.')
            )
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

impl Engine for ChromeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Chrome
    }

    fn shutdown(&self) {
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
