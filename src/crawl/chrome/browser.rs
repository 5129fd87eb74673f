//! The browser: Chromium launched with a fresh profile, and the tab of
//! each visit, opened in a browser context of its own (cookies, storage
//! and cache are per context, so visits share nothing).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions};
use serde_json::Value;
use url::Url;

use super::capture::Capture;
use super::dom::box_of;
use super::wire::{Devtools, Wire};
use super::{
    cdp, guard, reaper, ChromeEngine, DIALOGS_MAX, JS_HEAP_MB, POPUPS_KEPT, VISIT_BYTES_FACTOR,
};
use crate::evidence::*;

/// A visit in progress: its tab and what the listener collected.
pub(super) struct Session {
    pub(super) tab: Devtools,
    pub(super) capture: Arc<Mutex<Capture>>,
    /// The visit's budget: pages are not started past it (calls on the tab
    /// still work until the tab's own deadline, to wrap up).
    pub(super) soft: Instant,
}

/// The browser of one site's audit, as the async side sees it: the crawl
/// future kills the browser when it is dropped (the site's deadline
/// passed outside the engine, or the run was interrupted).
#[derive(Default)]
pub(super) struct Slot {
    pub(super) browser: Mutex<Option<(u32, PathBuf)>>,
    pub(super) cancelled: AtomicBool,
}

impl Slot {
    pub(super) fn kill(&self) {
        let taken = self.browser.lock().ok().and_then(|mut b| b.take());
        if let Some((pid, profile)) = taken {
            reaper::kill_browser(pid, &profile);
        }
    }
}

/// Kills the site's browser when the crawl future is dropped unfinished.
pub(super) struct KillOnDrop(pub(super) Arc<Slot>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.kill();
    }
}

/// A running browser. Dropping it kills it and every process below it,
/// then deletes its profile.
pub(super) struct Running {
    pub(super) browser: Browser,
    pub(super) wire: Arc<Wire>,
    pub(super) profile: tempfile::TempDir,
    /// The capture of each visit, by browser context (pop-ups are counted
    /// and closed there).
    pub(super) contexts: Arc<Mutex<HashMap<String, Arc<Mutex<Capture>>>>>,
    /// The site it audits now: told its pid, so that giving up on the site
    /// kills it. Replaced when the pool lends it to the next site.
    pub(super) slot: Mutex<Arc<Slot>>,
    /// Sites it has audited: it is restarted after [`SITES_PER_BROWSER`].
    pub(super) sites: u32,
    /// We killed it on purpose (a tab that would not close): visits that
    /// fail because of that are not retried.
    pub(super) killed: AtomicBool,
    /// Behind the guard proxy: its visits also refuse non-public IP
    /// literals in the browser (judged once per site, in `crawl_blocking`).
    pub(super) guarded: bool,
}

impl Running {
    /// Kill the browser now.
    pub(super) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        if let Some(pid) = self.browser.get_process_id() {
            reaper::kill_browser(pid, self.profile.path());
        }
    }

    /// The browser died on its own during the visit.
    pub(super) fn died(&self) -> bool {
        self.wire.is_closed() && !self.killed.load(Ordering::SeqCst)
    }
}

impl Running {
    /// Lend the browser to the site of `slot`: the site's crawl future now
    /// kills it if it is dropped unfinished.
    fn serve(&self, slot: &Arc<Slot>) {
        if let (Ok(mut b), Some(pid)) = (slot.browser.lock(), self.browser.get_process_id()) {
            *b = Some((pid, self.profile.path().to_path_buf()));
        }
        if let Ok(mut s) = self.slot.lock() {
            *s = slot.clone();
        }
    }

    /// Stop serving the current site: its crawl future, dropped from now
    /// on, must not kill a browser that went back to the pool.
    fn release(&self) {
        if let Ok(s) = self.slot.lock() {
            if let Ok(mut b) = s.browser.lock() {
                *b = None;
            }
        }
    }

    /// Fit to audit another site: alive, not killed on purpose, and not yet
    /// at [`SITES_PER_BROWSER`].
    fn reusable(&self) -> bool {
        !self.wire.is_closed()
            && !self.killed.load(Ordering::SeqCst)
            && self.sites < SITES_PER_BROWSER
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
        self.release();
    }
}

/// Sites one browser audits before it is replaced by a fresh one. Every
/// visit already runs in a browser context of its own, disposed of after
/// it, so nothing a site stored reaches the next; the restart bounds what
/// the browser process itself accumulates (memory its allocator keeps,
/// a leak in a renderer that outlived its page).
pub(super) const SITES_PER_BROWSER: u32 = 20;

/// Browsers kept between sites: a campaign worker takes a browser here,
/// audits one site in fresh browser contexts, and gives it back. Starting
/// a Chromium for every site cost a fifth to a quarter of a browser
/// campaign's time (`scripts/bench-browser`). At most one browser per site
/// being audited exists, so a campaign of concurrency N keeps at most N.
#[derive(Default)]
pub(super) struct Pool {
    idle: Mutex<Vec<Running>>,
}

impl Pool {
    /// A running browser for the site of `slot` (behind the guard proxy
    /// when `guarded`), if one is idle and fit.
    pub(super) fn take(&self, slot: &Arc<Slot>, guarded: bool) -> Option<Running> {
        // A site already given up on gets none (launching then says why).
        if slot.cancelled.load(Ordering::SeqCst) {
            return None;
        }
        let mut idle = self.idle.lock().ok()?;
        // Browsers that died while idle are dropped (their profiles deleted).
        idle.retain(Running::reusable);
        let at = idle.iter().position(|r| r.guarded == guarded)?;
        let run = idle.swap_remove(at);
        drop(idle);
        run.serve(slot);
        Some(run)
    }

    /// Give back the browser of a site whose audit ended; one that died,
    /// was killed, or has served its sites is dropped instead.
    pub(super) fn give_back(&self, mut run: Running) {
        run.release();
        run.sites += 1;
        if !run.reusable() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(run);
        }
    }

    /// Kill every idle browser and delete its profile.
    pub(super) fn clear(&self) {
        let idle = self.idle.lock().map(|mut i| std::mem::take(&mut *i));
        drop(idle);
    }
}

impl Session {
    /// HTTP status of the top-level document now loaded.
    pub(super) fn document_status(&self) -> Option<u16> {
        let c = self.capture.lock().ok()?;
        c.requests
            .iter()
            .rev()
            .find(|r| r.kind == ResourceType::Document)
            .and_then(|r| r.status)
    }

    /// The page just loaded from `url`, as evidence.
    pub(super) fn page(&self, role: PageRole, url: &Url, error: Option<String>) -> Page {
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
    pub(super) fn page_string(&self, expression: &'static str) -> Option<String> {
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
    pub(super) fn document_url(&self) -> Option<Url> {
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
    pub(super) fn page_box(&self, node: i64) -> Option<(f64, f64, f64, f64)> {
        box_of(&self.tab, node)
    }
}

impl ChromeEngine {
    /// The guard proxy, started on first use.
    pub(super) fn guard_proxy(&self) -> Result<Arc<guard::GuardProxy>, String> {
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
    pub(super) fn launch(
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
        // Told at once, so that a site given up on during the launch kills it.
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
            slot: Mutex::new(slot.clone()),
            sites: 0,
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
    pub(super) fn session(
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
}
