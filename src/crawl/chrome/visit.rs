//! One visit: a tab in a fresh browser context, driven by the visit's
//! plan (what to click, whether to scroll, which pages to follow, what to
//! read), and what it saw assembled as evidence.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use scraper::Html;
use serde_json::Value;
use url::Url;

use super::browser::{Running, Session};
use super::capture::Capture;
use super::jar::{all_cookies, cookies_from, read_jar, storage_items};
use super::wire::Devtools;
use super::{
    cdp, flatten, probe, render, ChromeEngine, AFTER_CLICK_MIN, POLICY_TEXT_CHARS, PROBE_EVERY,
    QUIET, QUIET_MAX, SCRIPT_MAX,
};
use crate::banner;
use crate::crawl::links;
use crate::evidence::*;
use crate::party::{party, registrable_domain};

/// What a visit does once its home page is loaded and its banner looked
/// for. Every visit follows one skeleton ([`ChromeEngine::visit_in`]);
/// what differs between kinds is said here, in one exhaustive match, so a
/// new kind of visit is a variant of [`VisitKind`] and its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VisitPlan {
    /// The banner button to click on the way to a choice; `None` clicks
    /// nothing.
    pub click: Option<ButtonRole>,
    /// Go on browsing when the click could not be made. A visit whose only
    /// point is a click that is not there (no ✕ on the banner) stops.
    pub browse_without_choice: bool,
    /// Read what the first visit reads for all of them: the forms of each
    /// page, the TCF signal and the overlay before any click, the privacy
    /// policy, the banner's screenshots.
    pub read_site: bool,
    /// Scroll the home page to the bottom and record each step with the
    /// cookies then in the jar (consent inferred from browsing).
    pub scroll: bool,
    /// Reload the page after the click: a tag that ignores a refusal shows
    /// on the next load of the page it was given on, which the pages
    /// browsed next would miss.
    pub reload_after_click: bool,
    /// Same-site pages followed after the home page.
    pub follow: Follow,
}

/// How many pages a visit follows after the home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Follow {
    /// One link: the browsing visit opens a second page, as a reader does.
    One,
    /// Up to `--max-pages` in all, chosen as the http engine chooses them.
    MaxPages,
}

impl From<VisitKind> for VisitPlan {
    fn from(kind: VisitKind) -> Self {
        let plan = VisitPlan {
            click: None,
            browse_without_choice: true,
            read_site: false,
            scroll: false,
            reload_after_click: false,
            follow: Follow::MaxPages,
        };
        match kind {
            VisitKind::FirstVisit => VisitPlan {
                read_site: true,
                ..plan
            },
            VisitKind::AfterReject => VisitPlan {
                click: Some(ButtonRole::Reject),
                reload_after_click: true,
                ..plan
            },
            VisitKind::AfterAccept => VisitPlan {
                click: Some(ButtonRole::Accept),
                ..plan
            },
            VisitKind::Browsing => VisitPlan {
                scroll: true,
                follow: Follow::One,
                ..plan
            },
            // Closing counts as a refusal where this visit is made: it is
            // checked as a refusal is.
            VisitKind::AfterClose => VisitPlan {
                click: Some(ButtonRole::Close),
                browse_without_choice: false,
                reload_after_click: true,
                ..plan
            },
        }
    }
}

impl ChromeEngine {
    /// Make `kinds` visits side by side, one browser context each: they
    /// share nothing and mostly wait on DevTools round trips.
    pub(super) fn visits(
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
    pub(super) fn visit(
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
    pub(super) fn watch_scripts(&self, s: &Session, done: &AtomicBool) {
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

    pub(super) fn visit_in(
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
        let plan = VisitPlan::from(kind);
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), "home page loaded");
        let (mut banner_seen, page_links, home_flat) = self.find_banner(s, &home_url)?;
        tracing::info!(visit = kind.as_str(), elapsed = ?started.elapsed(), status = ?banner_seen.status, "banner looked for");
        // The banner as a visitor first meets it: every visit meets the
        // same one, and reports show the first visit's.
        if plan.read_site && banner_seen.status == BannerStatus::Present {
            banner_seen.screenshots = self.screenshots(s, &banner_seen);
        }
        // The forms of the rendered page (the first visit speaks for all).
        if plan.read_site {
            if let Some(home) = pages.last_mut() {
                home.forms =
                    crate::crawl::forms::extract(&Html::parse_document(&home_flat), &home_url);
            }
        }
        // Before any click: the TCF signal, and how the banner holds the
        // page (the first visit speaks for all).
        let mut tcf = Vec::new();
        let mut overlay = None;
        if plan.read_site {
            tcf = probe::tcf(&s.tab, "load");
            if banner_seen.status == BannerStatus::Present {
                overlay = probe::overlay(&s.tab);
            }
        }
        // Scroll to the bottom, with no click.
        let mut steps = Vec::new();
        if plan.scroll {
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
        let action = plan.click.map(|role| {
            if banner_seen.status == BannerStatus::Present {
                self.choose(s, &home_url, &banner_seen, role)
            } else {
                ConsentAction::failed(role, Vec::new(), "no banner to click")
            }
        });
        let chose_ok = action.as_ref().is_some_and(|a| a.succeeded);
        if chose_ok {
            self.settle_network(s, AFTER_CLICK_MIN);
            tcf = probe::tcf(&s.tab, "after_choice");
        }
        read_jar(&mut jar, &s.tab, &home_url);
        // After a refusal, reload the page it was given on: a tag that
        // ignores the refusal there, on the next load, is the commonest
        // violation, and the pages browsed next would miss it.
        if chose_ok && plan.reload_after_click && Instant::now() < s.soft {
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
        let follow = match plan.follow {
            _ if plan.click.is_some() && !chose_ok && !plan.browse_without_choice => 0,
            Follow::One => 1,
            Follow::MaxPages => self.opts.max_pages.saturating_sub(1),
        };
        let next = links::next_pages(&page_links, &site, &mut seen, follow);
        // The first visit also reads the privacy policy, as the http engine
        // does (the other visits would read the same text).
        let policy = plan
            .read_site
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
            if plan.scroll {
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
            } else if plan.read_site && page.error.is_none() {
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

    /// Load a page, wait for its load event (bounded by the request
    /// timeout), then a short quiet time. headless_chrome's own wait needs
    /// near network silence (over a second even on a tiny page); a page that
    /// never finishes loading still yields what it did load.
    pub(super) fn load(&self, s: &Session, url: &str) -> Result<(), String> {
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
    pub(super) fn settle_network(&self, s: &Session, min: Duration) {
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
    pub(super) fn snapshot(&self, s: &Session) -> Result<String, String> {
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
    pub(super) fn page_text(&self, s: &Session) -> Option<String> {
        let flat = self.snapshot(s).ok()?;
        let html = Html::parse_document(&flat);
        Some(crate::crawl::set_cookie::cut(
            &banner::visible_text(html.root_element()),
            POLICY_TEXT_CHARS,
        ))
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
