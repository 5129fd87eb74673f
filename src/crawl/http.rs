//! The http engine: fetch pages and their subresources the way a browser
//! without JavaScript would, and record every cookie header and request.
//!
//! Redirects are followed by hand so that every hop, and every cookie set on
//! the way (cookie syncing lives in redirect chains), is evidence. Bodies are
//! read only for documents, up to `max_body_bytes`.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use scraper::Html;
use url::Url;

use super::links::{self, Link};
use super::{decode, set_cookie, CrawlFuture, CrawlOptions, Engine};
use crate::banner;
use crate::evidence::*;
use crate::knowledge::Knowledge;
use crate::net;
use crate::party::{party, registrable_domain};

/// More hops than any honest redirect chain needs.
const MAX_REDIRECTS: usize = 10;
/// Subresources fetched at once per page.
const PARALLEL_FETCHES: usize = 8;
/// Policy text kept as evidence, in characters.
const POLICY_TEXT_CHARS: usize = 200_000;
/// Bodies not kept are still counted for the page weight, up to this.
const COUNTED_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// Requests one site may cost (pages and subresources; a page's redirect
/// hops count as one).
const SITE_REQUESTS: usize = 5_000;
/// Body bytes one site may send, kept or only counted.
const SITE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest frame document read.
const FRAME_BODY_BYTES: u64 = 2 * 1024 * 1024;

pub struct HttpEngine {
    client: reqwest::Client,
    /// The client of guarded audits: names that resolve only to non-public
    /// addresses are refused (`None` with `--allow-private`).
    guarded: Option<reqwest::Client>,
    guard: net::PrivateGuard,
    opts: Arc<CrawlOptions>,
    knowledge: Arc<Knowledge>,
}

/// How one audit reaches the network.
#[derive(Clone, Copy)]
struct Net<'a> {
    client: &'a reqwest::Client,
    /// Set when the audited site is public and `--allow-private` not given.
    guard: Option<&'a net::PrivateGuard>,
}

/// The outcome of one fetch with its redirect chain.
struct Fetched {
    requested: Url,
    final_url: Url,
    status: Option<u16>,
    redirects: Vec<Redirect>,
    content_type: Option<String>,
    body: Vec<u8>,
    /// Body bytes received, kept or only counted (page weight).
    received: Option<u64>,
    truncated: bool,
    error: Option<String>,
    /// `(raw header, URL of the response that carried it)`.
    set_cookies: Vec<(String, Url)>,
    /// Refused: the URL, or a hop of its redirects, is not public.
    blocked: bool,
}

/// What one visit accumulates.
struct VisitLog {
    site: String,
    requests: Vec<Request>,
    /// The cookies the visit's browser would hold.
    jar: set_cookie::Jar,
    errors: Vec<CrawlError>,
    /// What is left of the site's budgets.
    requests_left: usize,
    bytes_left: u64,
    budget_noted: bool,
}

impl Fetched {
    fn failed(url: Url, error: String) -> Fetched {
        Fetched {
            requested: url.clone(),
            final_url: url,
            status: None,
            redirects: Vec::new(),
            content_type: None,
            body: Vec::new(),
            received: None,
            truncated: false,
            error: Some(error),
            set_cookies: Vec::new(),
            blocked: false,
        }
    }
}

impl VisitLog {
    /// The part of `wanted` that the page's cap (`left`, lowered) and the
    /// site's budgets let through; the first refusal by the site's budget
    /// is recorded.
    fn allow(
        &mut self,
        doc_url: &Url,
        mut wanted: Vec<(Url, ResourceType)>,
        left: &mut usize,
    ) -> Vec<(Url, ResourceType)> {
        let room = (*left).min(self.requests_left);
        if self.bytes_left == 0 || (room < *left && wanted.len() > room) {
            self.budget_spent(doc_url);
        }
        let room = if self.bytes_left == 0 { 0 } else { room };
        wanted.truncate(room);
        *left -= wanted.len();
        self.requests_left -= wanted.len();
        wanted
    }

    /// Whether the site's budget lets one more page be loaded.
    fn may_load_page(&mut self, url: &Url) -> bool {
        if self.requests_left == 0 || self.bytes_left == 0 {
            self.budget_spent(url);
            return false;
        }
        self.requests_left -= 1;
        true
    }

    fn budget_spent(&mut self, url: &Url) {
        if !self.budget_noted {
            self.budget_noted = true;
            self.errors.push(CrawlError {
                kind: "site_budget_spent".to_string(),
                message: format!(
                    "the site's budget ({SITE_REQUESTS} requests, {} MiB) is spent; later requests were not made",
                    SITE_BYTES / (1024 * 1024)
                ),
                url: Some(url.to_string()),
            });
        }
    }

    /// Record a fetch: one request per hop, and the cookies of every hop.
    fn record(&mut self, f: &Fetched, kind: ResourceType, page_url: &str, initiator: Option<&str>) {
        let now = Utc::now();
        self.bytes_left = self.bytes_left.saturating_sub(f.received.unwrap_or(0));
        let mut from = initiator.map(str::to_string);
        let hops: Vec<Url> = std::iter::once(f.requested.clone())
            .chain(f.redirects.iter().filter_map(|r| Url::parse(&r.to).ok()))
            .collect();
        for (i, url) in hops.iter().enumerate() {
            let last = i + 1 == hops.len();
            let host = url.host_str().unwrap_or_default().to_string();
            self.requests.push(Request {
                url: url.to_string(),
                party: party(&host, &self.site),
                host,
                method: "GET".to_string(),
                resource_type: kind,
                page_url: page_url.to_string(),
                initiator: from.clone(),
                status: if last {
                    f.status
                } else {
                    f.redirects.get(i).map(|r| r.status)
                },
                redirects: if i == 0 {
                    f.redirects.clone()
                } else {
                    Vec::new()
                },
                cookies_sent: Vec::new(),
                // The client asks for no content coding: what came is what
                // was sent (headers not counted).
                encoded_bytes: if last { f.received } else { None },
                decoded_bytes: if last { f.received } else { None },
                after_choice: false,
                started_at: None,
                error: if last { f.error.clone() } else { None },
            });
            from = Some(url.to_string());
        }
        if f.blocked {
            self.errors.push(CrawlError {
                kind: "private_address_blocked".to_string(),
                message: f.error.clone().unwrap_or_default(),
                url: Some(hops.last().unwrap_or(&f.requested).to_string()),
            });
        }
        for (raw, setter) in &f.set_cookies {
            match set_cookie::parse(raw, setter, &self.site, page_url, now) {
                Ok(mut cookie) => {
                    // Refused in its context, a deletion deletes nothing.
                    if matches!(cookie.blocked.as_deref(), None | Some(set_cookie::EXPIRED)) {
                        let top_level = kind == ResourceType::Document;
                        if let Some(reason) =
                            set_cookie::refused_in_context(&cookie, setter, page_url, top_level)
                        {
                            cookie.blocked = Some(reason);
                        }
                    }
                    self.jar.set(cookie);
                }
                Err(reason) => self.errors.push(CrawlError {
                    kind: "malformed_set_cookie".to_string(),
                    message: format!(
                        "{reason} from {}: {}",
                        setter.host_str().unwrap_or_default(),
                        set_cookie::cut(raw, 200)
                    ),
                    url: Some(setter.to_string()),
                }),
            }
        }
    }
}

impl HttpEngine {
    pub fn new(opts: Arc<CrawlOptions>, knowledge: Arc<Knowledge>) -> anyhow::Result<Self> {
        let mut client_opts = net::ClientOptions {
            user_agent: opts.user_agent.clone(),
            accept_language: opts.accept_language.clone(),
            insecure: opts.insecure,
            timeout: opts.timeout,
            resolve: opts.resolve.clone(),
            proxy: opts.route_all_to,
            guard_private: false,
        };
        let client = net::http_client(&client_opts)?;
        // Through a served folder's proxy nothing else can answer: there is
        // nothing to guard.
        let guarded = if opts.allow_private || opts.route_all_to.is_some() {
            None
        } else {
            client_opts.guard_private = true;
            Some(net::http_client(&client_opts)?)
        };
        Ok(HttpEngine {
            client,
            guarded,
            guard: net::PrivateGuard::new(&opts.resolve),
            opts,
            knowledge,
        })
    }

    /// The network of an audit of `input`: guarded when the site is public.
    async fn net_for(&self, input: &Url) -> Net<'_> {
        let Some(guarded) = &self.guarded else {
            return Net {
                client: &self.client,
                guard: None,
            };
        };
        let (guard, url) = (self.guard.clone(), input.clone());
        let public = tokio::task::spawn_blocking(move || guard.applies_to(&url))
            .await
            .unwrap_or(true);
        if public {
            Net {
                client: guarded,
                guard: Some(&self.guard),
            }
        } else {
            Net {
                client: &self.client,
                guard: None,
            }
        }
    }

    /// GET `url`, following redirects by hand. Reads at most `body_limit`
    /// bytes of the final body (none when `None`).
    async fn fetch(&self, net: Net<'_>, url: Url, body_limit: Option<u64>) -> Fetched {
        let mut out = Fetched {
            requested: url.clone(),
            final_url: url.clone(),
            status: None,
            redirects: Vec::new(),
            content_type: None,
            body: Vec::new(),
            received: None,
            truncated: false,
            error: None,
            set_cookies: Vec::new(),
            blocked: false,
        };
        let mut seen = HashSet::from([url.clone()]);
        let mut current = url;
        loop {
            if let Some(reason) = net.guard.and_then(|g| g.refuses(&current)) {
                // The status so far is the previous hop's, kept in `redirects`.
                out.status = None;
                out.error = Some(reason);
                out.blocked = true;
                return out;
            }
            let mut response = match net.client.get(current.clone()).send().await {
                Ok(r) => r,
                Err(e) => {
                    out.status = None;
                    let described = net::describe_error(&e);
                    match described.find(net::BLOCKED) {
                        Some(at) => {
                            out.error = Some(described[at..].to_string());
                            out.blocked = true;
                        }
                        None => out.error = Some(described),
                    }
                    return out;
                }
            };
            let status = response.status().as_u16();
            out.status = Some(status);
            for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
                out.set_cookies.push((
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    current.clone(),
                ));
            }
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l).ok());
            if let (true, Some(next)) = (response.status().is_redirection(), location) {
                out.redirects.push(Redirect {
                    from: current.to_string(),
                    to: next.to_string(),
                    status,
                });
                if !seen.insert(next.clone()) {
                    out.error = Some(format!(
                        "redirect loop: {next} was already visited in this chain"
                    ));
                    return out;
                }
                if out.redirects.len() > MAX_REDIRECTS {
                    out.error = Some(format!("too many redirects (more than {MAX_REDIRECTS})"));
                    return out;
                }
                current = next;
                out.final_url = current.clone();
                continue;
            }
            out.content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if let Some(limit) = body_limit {
                loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) => {
                            let room = (limit as usize).saturating_sub(out.body.len());
                            if chunk.len() > room {
                                out.body.extend_from_slice(&chunk[..room]);
                                out.truncated = true;
                                break;
                            }
                            out.body.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            out.error = Some(format!(
                                "body cut short after status {status}: {}",
                                net::describe_error(&e)
                            ));
                            out.status = None;
                            break;
                        }
                    }
                }
                out.received = Some(out.body.len() as u64);
            } else {
                // Not kept, but weighed: count the body as it streams by,
                // up to a cap (a media stream would never end).
                let mut received = 0u64;
                loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) => {
                            received += chunk.len() as u64;
                            if received >= COUNTED_BODY_BYTES {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            // Headers came, the body did not: not a load.
                            out.error = Some(format!(
                                "body cut short after status {status}: {}",
                                net::describe_error(&e)
                            ));
                            out.status = None;
                            break;
                        }
                    }
                }
                out.received = Some(received);
            }
            return out;
        }
    }

    /// Fetch a page's subresources; frames are loaded as documents and their
    /// own subresources fetched too (one level deep).
    ///
    /// The work is bounded per page and per site: at most
    /// `max_subresources` requests for the page, its frames' included; all
    /// of them within one request time-out (a tarpit answering a byte a
    /// second holds the page for that long, not for each of its
    /// resources); and none once the site's request or byte budget is spent.
    async fn load_subresources(
        &self,
        net: Net<'_>,
        log: &mut VisitLog,
        doc_url: &Url,
        wanted: Vec<(Url, ResourceType)>,
        page_url: &str,
    ) {
        let deadline = tokio::time::Instant::now() + self.opts.timeout;
        let cap = self.opts.max_subresources;
        let mut found = wanted.len();
        let mut left = cap;
        let batch = log.allow(doc_url, wanted, &mut left);
        let fetched = self.fetch_all(net, batch, deadline).await;
        let mut frames = Vec::new();
        for (kind, f) in fetched {
            log.record(&f, kind, page_url, Some(doc_url.as_str()));
            if kind == ResourceType::Subdocument && f.error.is_none() && !f.body.is_empty() {
                frames.push(f);
            }
        }
        let mut unread_frames = 0;
        for frame in frames {
            if left == 0 {
                unread_frames += 1;
                continue;
            }
            let wanted = {
                let (text, _) = decode::decode_html(&frame.body, frame.content_type.as_deref());
                if decode::nests_deeper_than(&text, decode::MAX_NESTING) {
                    Vec::new()
                } else {
                    links::subresources(&Html::parse_document(&text), &frame.final_url)
                }
            };
            found += wanted.len();
            let batch = log.allow(&frame.final_url, wanted, &mut left);
            for (kind, f) in self.fetch_all(net, batch, deadline).await {
                log.record(&f, kind, page_url, Some(frame.final_url.as_str()));
            }
        }
        if found > cap || unread_frames > 0 {
            log.errors.push(CrawlError {
                kind: "subresources_capped".to_string(),
                message: format!(
                    "{found}{} subresources on the page, frames included; only the first {cap} were fetched",
                    if unread_frames > 0 { " or more" } else { "" },
                ),
                url: Some(doc_url.to_string()),
            });
        }
    }

    /// Fetch `wanted`, a few at a time, each within `deadline`: what it
    /// cuts short is recorded with a time-out error and no status.
    async fn fetch_all(
        &self,
        net: Net<'_>,
        wanted: Vec<(Url, ResourceType)>,
        deadline: tokio::time::Instant,
    ) -> Vec<(ResourceType, Fetched)> {
        let budget = self.opts.timeout.as_secs();
        stream::iter(wanted)
            .map(|(url, kind)| async move {
                let limit = (kind == ResourceType::Subdocument).then_some(FRAME_BODY_BYTES);
                if tokio::time::Instant::now() >= deadline {
                    let reason = format!(
                        "not fetched: the page's subresources took their whole time budget ({budget} s)"
                    );
                    return (kind, Fetched::failed(url, reason));
                }
                match tokio::time::timeout_at(deadline, self.fetch(net, url.clone(), limit)).await {
                    Ok(f) => (kind, f),
                    Err(_) => {
                        let reason = format!(
                            "timed out: the page's subresources took their whole time budget ({budget} s)"
                        );
                        (kind, Fetched::failed(url, reason))
                    }
                }
            })
            .buffered(PARALLEL_FETCHES)
            .collect()
            .await
    }

    /// Fetch a document page and turn it into a [`Page`], with what the
    /// crawl needs from its markup.
    async fn load_page(
        &self,
        net: Net<'_>,
        log: &mut VisitLog,
        url: Url,
        role: PageRole,
        want_text: bool,
    ) -> (Page, Option<Doc>) {
        let f = self
            .fetch(net, url.clone(), Some(self.opts.max_body_bytes))
            .await;
        log.record(&f, ResourceType::Document, f.requested.as_str(), None);
        let mut page = Page {
            role,
            url: url.to_string(),
            final_url: (f.final_url != url).then(|| f.final_url.to_string()),
            status: f.status,
            redirects: f.redirects.clone(),
            content_type: f.content_type.clone(),
            encoding: None,
            bytes: f.body.len() as u64,
            title: None,
            lang: None,
            text: None,
            script_references: Vec::new(),
            forms: Vec::new(),
            error: f.error.clone(),
        };
        if f.truncated {
            page.error = Some(format!(
                "document larger than the {} MiB limit (--max-body-mb); it was not analysed",
                self.opts.max_body_bytes / (1024 * 1024)
            ));
            return (page, None);
        }
        if f.error.is_some() {
            return (page, None);
        }
        let is_html = f.content_type.as_deref().is_none_or(decode::is_page_type);
        if !is_html {
            page.error = Some(format!(
                "not an HTML document ({})",
                f.content_type.as_deref().unwrap_or("?")
            ));
            return (page, None);
        }
        let (text, encoding) = decode::decode_html(&f.body, f.content_type.as_deref());
        page.encoding = Some(encoding.name().to_string());
        if decode::nests_deeper_than(&text, decode::MAX_NESTING) {
            page.error = Some(format!(
                "document nests elements more than {} levels deep; it was not analysed",
                decode::MAX_NESTING
            ));
            return (page, None);
        }
        let doc = self.digest(&text, f.final_url, role == PageRole::Home, want_text);
        page.title = doc.title.clone();
        page.lang = doc.lang.clone();
        page.script_references = doc.script_references.clone();
        page.forms = doc.forms.clone();
        page.text = doc.text.clone();
        (page, Some(doc))
    }

    /// Read what the crawl needs from a document, synchronously: the parsed
    /// DOM is not `Send` and must not live across an await.
    fn digest(&self, text: &str, url: Url, home: bool, want_text: bool) -> Doc {
        let html = Html::parse_document(text);
        let title = html
            .select(&scraper::Selector::parse("title").expect("static selector"))
            .next()
            .map(|t| crate::knowledge::lexicon::collapse_whitespace(&t.text().collect::<String>()))
            .filter(|t| !t.is_empty());
        let banner = home.then(|| {
            banner::detect(&html, &url, &self.knowledge)
                .unwrap_or_else(|| self.undeterminable_banner(&html, &url))
        });
        let lang = html
            .root_element()
            .value()
            .attr("lang")
            .map(|l| l.trim().chars().take(35).collect::<String>())
            .filter(|l| !l.is_empty());
        Doc {
            title,
            lang,
            links: links::page_links(&html, &url),
            subresources: links::subresources(&html, &url),
            script_references: links::script_references(&html, &url),
            forms: super::forms::extract(&html, &url),
            banner,
            text: want_text.then(|| {
                set_cookie::cut(
                    &banner::visible_text(html.root_element()),
                    POLICY_TEXT_CHARS,
                )
            }),
            url,
        }
    }

    async fn run(&self, input: &Url) -> Evidence {
        let started_at = Utc::now();
        let net = self.net_for(input).await;
        let input_host = input.host_str().unwrap_or_default().to_string();
        let mut log = VisitLog {
            site: registrable_domain(&input_host),
            requests: Vec::new(),
            jar: set_cookie::Jar::default(),
            errors: Vec::new(),
            requests_left: SITE_REQUESTS,
            bytes_left: SITE_BYTES,
            budget_noted: false,
        };
        let mut pages = Vec::new();
        let (home, parsed) = self
            .load_page(net, &mut log, input.clone(), PageRole::Home, false)
            .await;
        let mut final_url = None;
        let mut banner_seen = Banner::not_seen(
            BannerStatus::NotDeterminable,
            "the home page could not be loaded",
        );
        let failed_home = parsed.is_none();
        pages.push(home);
        if let Some(doc) = parsed {
            let home_url = doc.url.clone();
            final_url = Some(home_url.to_string());
            // The site is the registrable domain the home page landed on.
            log.site = registrable_domain(home_url.host_str().unwrap_or_default());
            for r in log.requests.iter_mut() {
                r.party = party(&r.host, &log.site);
            }
            for c in log.jar.cookies_mut() {
                c.party = party(&c.domain, &log.site);
            }
            banner_seen = doc.banner.clone().unwrap_or_else(|| {
                Banner::not_seen(BannerStatus::NotDeterminable, "not inspected")
            });
            let mut page_links: Vec<Link> = doc.links;
            self.load_subresources(
                net,
                &mut log,
                &home_url,
                doc.subresources,
                home_url.as_str(),
            )
            .await;

            // Breadth-first over same-site links.
            let mut seen: HashSet<Url> = HashSet::from([
                links::canonical(input.clone()),
                links::canonical(home_url.clone()),
            ]);
            let mut queue: std::collections::VecDeque<Url> =
                links::next_pages(&page_links, &log.site, &mut seen, usize::MAX).into();
            let mut policy_link =
                links::policy_link(&self.knowledge.lexicons, &banner_seen, &page_links);
            let mut policy_read = false;
            while pages.len() < self.opts.max_pages {
                let Some(next) = queue.pop_front() else { break };
                if !log.may_load_page(&next) {
                    break;
                }
                let is_policy = policy_link.as_ref() == Some(&next);
                let (page, parsed) = self
                    .load_page(net, &mut log, next.clone(), PageRole::Crawled, is_policy)
                    .await;
                if let Some(doc) = parsed {
                    policy_read |= is_policy;
                    queue.extend(links::next_pages(
                        &doc.links,
                        &log.site,
                        &mut seen,
                        usize::MAX,
                    ));
                    self.load_subresources(
                        net,
                        &mut log,
                        &doc.url,
                        doc.subresources,
                        doc.url.as_str(),
                    )
                    .await;
                    page_links.extend(doc.links);
                    if policy_link.is_none() {
                        policy_link =
                            links::policy_link(&self.knowledge.lexicons, &banner_seen, &page_links);
                    }
                }
                pages.push(page);
            }
            // The privacy policy, when linked and not crawled already.
            if let Some(policy) = policy_link
                .filter(|_| !policy_read)
                .filter(|p| log.may_load_page(p))
            {
                let (page, _) = self
                    .load_page(net, &mut log, policy, PageRole::Policy, true)
                    .await;
                pages.push(page);
            }
        }
        let status = if failed_home {
            VisitStatus::Failed
        } else if pages.iter().any(|p| p.error.is_some()) {
            VisitStatus::Partial
        } else {
            VisitStatus::Complete
        };
        for page in &pages {
            if let Some(error) = &page.error {
                log.errors.push(CrawlError {
                    kind: "page_failed".to_string(),
                    message: error.clone(),
                    url: Some(page.url.clone()),
                });
            }
        }
        let visit = Visit {
            kind: VisitKind::FirstVisit,
            status,
            pages,
            requests: log.requests,
            cookies: log.jar.into_cookies(),
            storage: Vec::new(),
            banner: banner_seen,
            consent_action: None,
            popups: Vec::new(),
            dialogs: 0,
            banner_recheck: None,
            tcf: Vec::new(),
            overlay: None,
            steps: Vec::new(),
            popups_closed: 0,
            limits: Vec::new(),
        };
        Evidence {
            schema_version: EVIDENCE_VERSION.to_string(),
            provenance: self.opts.provenance(
                EngineKind::Http,
                started_at,
                None,
                self.opts.user_agent.clone(),
            ),
            target: Target {
                input_url: input.to_string(),
                final_url,
                site: log.site,
            },
            visits: vec![visit],
            errors: log.errors,
        }
    }

    /// The banner status when the static HTML shows none: never "absent".
    fn undeterminable_banner(&self, html: &Html, url: &Url) -> Banner {
        let cmps = &self.knowledge.cmps;
        let script_sel = scraper::Selector::parse("script").expect("static selector");
        let cmp = html.select(&script_sel).find_map(|s| {
            if let Some(src) = s.value().attr("src") {
                let host = url
                    .join(src)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                cmps.by_script_host(&host)
                    .or_else(|| cmps.by_script_text(src))
            } else {
                cmps.by_script_text(&s.text().collect::<String>())
            }
        });
        let mut b = Banner::not_seen(
            BannerStatus::NotDeterminable,
            match cmp {
                Some(c) => format!(
                    "no banner in the static HTML, but the {} consent platform is loaded by script: not determinable without a browser",
                    c.name
                ),
                None => "no banner in the static HTML; a banner injected by JavaScript is not determinable without a browser".to_string(),
            },
        );
        b.cmp = cmp.map(|c| c.name.clone());
        b.page_url = Some(url.to_string());
        b
    }
}

/// What the crawl keeps of a parsed document.
struct Doc {
    url: Url,
    title: Option<String>,
    /// `<html lang>`.
    lang: Option<String>,
    links: Vec<Link>,
    subresources: Vec<(Url, ResourceType)>,
    /// The banner, for the home page.
    banner: Option<Banner>,
    /// Visible text, when asked for (policy pages).
    text: Option<String>,
    /// Third-party URLs named in inline scripts.
    script_references: Vec<String>,
    /// The forms of the document.
    forms: Vec<Form>,
}

impl Engine for HttpEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Http
    }

    fn crawl<'a>(&'a self, url: &'a Url) -> CrawlFuture<'a> {
        Box::pin(self.run(url))
    }
}
