//! Crawl engines: visit a site and fill the [`Evidence`].
//!
//! An engine hides behind one small trait, [`Engine`]. The http engine
//! (reqwest + scraper) runs no JavaScript; the chrome engine drives a real
//! browser. Only `src/crawl/chrome*` may speak the DevTools protocol. Engines
//! observe; they never score.

pub mod chrome;
pub mod decode;
pub mod forms;
pub mod http;
pub mod links;
pub mod set_cookie;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use url::Url;

use crate::evidence::{EngineKind, Evidence, ListInfo, VisitKind};
use crate::knowledge::Knowledge;
use crate::net::ResolveRule;

/// A desktop Chrome user agent: sites serve their ordinary page (and banner)
/// to it. The exact string is recorded in the evidence.
pub const DEFAULT_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// Everything an engine needs to know, besides the URL.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Pages per visit, home page included.
    pub max_pages: usize,
    /// Timeout of one request.
    pub timeout: Duration,
    pub user_agent: String,
    pub accept_language: String,
    pub resolve: Vec<ResolveRule>,
    pub insecure: bool,
    /// Largest document body read; a larger one is cut and flagged.
    pub max_body_bytes: u64,
    /// Largest number of subresources fetched per page.
    pub max_subresources: usize,
    /// Visits to make (the http engine can only make `first_visit`).
    pub visits: Vec<VisitKind>,
    /// Browser engine: how long to wait for a banner after the load event.
    pub settle: Duration,
    /// Browser engine: time budget of one visit; pages beyond it are skipped
    /// and the visit is marked partial.
    pub visit_timeout: Duration,
    /// Deadline of one site, all visits and retries included: what was seen
    /// by then is kept, and the site is recorded as not audited.
    pub site_timeout: Duration,
    /// Browser engine: block third-party cookies (a default desktop browser
    /// of the audited public does not).
    pub block_third_party_cookies: bool,
    /// Browser engine: the Chromium binary (`--chrome`).
    pub chrome: Option<PathBuf>,
    /// Stamped into provenance.
    pub ruleset_version: String,
    pub lists: Vec<ListInfo>,
    /// Send every request, whatever its host and port, through this local
    /// forward proxy (the server of a folder being audited): nothing else
    /// on the machine or the network can answer.
    pub route_all_to: Option<std::net::SocketAddr>,
    /// Let an audit of a public site reach loopback, private and link-local
    /// addresses (`--allow-private`; see [`crate::net::PrivateGuard`]).
    pub allow_private: bool,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            max_pages: 3,
            timeout: Duration::from_secs(20),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            accept_language: "fr, en;q=0.9".to_string(),
            resolve: Vec::new(),
            insecure: false,
            max_body_bytes: 10 * 1024 * 1024,
            max_subresources: 300,
            visits: VisitKind::STANDARD.to_vec(),
            settle: Duration::from_secs(3),
            visit_timeout: Duration::from_secs(30),
            site_timeout: Duration::from_secs(180),
            block_third_party_cookies: false,
            chrome: None,
            ruleset_version: String::new(),
            lists: Vec::new(),
            route_all_to: None,
            allow_private: false,
        }
    }
}

impl CrawlOptions {
    /// Provenance of an audit made with these options.
    pub fn provenance(
        &self,
        engine: EngineKind,
        started_at: chrono::DateTime<chrono::Utc>,
        browser_version: Option<String>,
        user_agent: String,
    ) -> crate::evidence::Provenance {
        crate::evidence::Provenance {
            tool: env!("CARGO_PKG_NAME").to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            finished_at: chrono::Utc::now(),
            engine,
            browser_version,
            user_agent,
            accept_language: self.accept_language.clone(),
            ruleset_version: self.ruleset_version.clone(),
            lists: self.lists.clone(),
            resolve: self.resolve.iter().map(ToString::to_string).collect(),
            insecure: self.insecure,
            max_pages: self.max_pages,
        }
    }
}

/// A boxed future, so that engines can sit behind `dyn Engine`.
pub type CrawlFuture<'a> = Pin<Box<dyn Future<Output = Evidence> + Send + 'a>>;

/// A way of visiting sites.
///
/// `crawl` never fails: whatever went wrong is recorded in the returned
/// evidence (a failed visit, a page with an error), so no observation is lost
/// and the caller decides what a failure means for its exit code.
pub trait Engine: Send + Sync {
    fn kind(&self) -> EngineKind;
    fn crawl<'a>(&'a self, url: &'a Url) -> CrawlFuture<'a>;
    /// End whatever the engine keeps running between sites (browsers,
    /// their profiles, helper servers). Crawls still in flight fail; the
    /// engine is not used afterwards. Called once a command is done with
    /// it, and when a run is interrupted.
    fn shutdown(&self) {}
}

/// Which engine the user asked for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// chrome when a Chromium binary is found and the engine is available, else http.
    Auto,
    /// static HTML over HTTP: fast, runs no script.
    Http,
    /// a headless Chromium: runs scripts, clicks the banner's buttons.
    Chrome,
}

/// Find a Chromium binary: `--chrome PATH`, then `$CHROME`, then `PATH`.
pub fn find_chrome(explicit: Option<&PathBuf>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.clone());
    }
    if let Some(p) = std::env::var_os("CHROME").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Build the engine the user chose. `warn` receives one-line notices.
pub fn build_engine(
    choice: EngineChoice,
    opts: Arc<CrawlOptions>,
    knowledge: Arc<Knowledge>,
    warn: &mut dyn FnMut(String),
) -> Result<Arc<dyn Engine>> {
    let chrome = find_chrome(opts.chrome.as_ref());
    match (choice, chrome) {
        (EngineChoice::Http, _) => Ok(Arc::new(http::HttpEngine::new(opts, knowledge)?)),
        (EngineChoice::Chrome | EngineChoice::Auto, Some(path)) if path.is_file() => {
            Ok(Arc::new(chrome::ChromeEngine::new(path, opts, knowledge)))
        }
        (EngineChoice::Chrome, Some(path)) => bail!("no Chromium at {}", path.display()),
        (EngineChoice::Chrome, None) => bail!(
            "Chromium not found (tried --chrome, $CHROME, then chromium, chromium-browser, google-chrome on PATH); install it with `apt-get install -y chromium` or use --engine http"
        ),
        (EngineChoice::Auto, _) => {
            warn("Chromium not found: using the http engine (no JavaScript: script-set cookies and script-injected banners are not seen); install it with `apt-get install -y chromium`".to_string());
            Ok(Arc::new(http::HttpEngine::new(opts, knowledge)?))
        }
    }
}
