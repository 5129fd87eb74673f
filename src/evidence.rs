//! The evidence model: everything a crawl observed, and nothing it judged.
//!
//! `Evidence` is the one interface between crawling and judging. Engines fill
//! it; analysis, rules and reports only read it. It is versioned
//! ([`EVIDENCE_VERSION`]) and documented as a JSON Schema in
//! `docs/evidence.schema.json`, which a test keeps in sync with these types.
//!
//! Two principles shape it:
//! - **Provenance first.** A regulator asks "what tool, which version, when,
//!   from where, with which lists": [`Provenance`] answers.
//! - **Nothing is dropped silently.** A fetch that failed is a [`Request`] or
//!   [`Page`] with an `error`; a header we could not parse is a
//!   [`CrawlError`]. Absence of evidence must never look like a clean site.

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the evidence format. Bump the minor version for additive
/// changes, the major version when a field changes meaning or disappears.
pub const EVIDENCE_VERSION: &str = "1.5";

/// Cut `s` to at most `max` characters, marking the cut with `…`: how a
/// site's strings (cookie values, headers, matched text) are bounded in
/// evidence.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Everything observed while auditing one site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// Format version, see [`EVIDENCE_VERSION`].
    pub schema_version: String,
    pub provenance: Provenance,
    pub target: Target,
    /// One entry per visit. The http engine makes a single `first_visit`;
    /// the browser engine adds `after_reject` and `after_accept`.
    pub visits: Vec<Visit>,
    /// Problems that are not tied to one request: unparsable headers,
    /// truncated bodies, engine failures.
    #[serde(default)]
    pub errors: Vec<CrawlError>,
}

/// Who observed what, when, and how.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    pub tool: String,
    pub tool_version: String,
    /// UTC time the audit of this site started.
    pub started_at: DateTime<Utc>,
    /// UTC time the audit of this site ended.
    pub finished_at: DateTime<Utc>,
    pub engine: EngineKind,
    /// Browser version string when a browser was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_version: Option<String>,
    pub user_agent: String,
    pub accept_language: String,
    /// Version of the rule catalogue the audit was judged with.
    pub ruleset_version: String,
    /// Knowledge and filter lists in force (built-in and user-supplied).
    pub lists: Vec<ListInfo>,
    /// Host-to-address overrides in force (`--resolve`).
    #[serde(default)]
    pub resolve: Vec<String>,
    /// Whether certificate errors were ignored (`--insecure`).
    #[serde(default)]
    pub insecure: bool,
    /// Maximum number of pages per visit.
    pub max_pages: usize,
}

/// A knowledge or filter list used by the audit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ListInfo {
    /// `builtin:trackers`, `builtin:cookies`, or the file path of a filter list.
    pub name: String,
    /// Version string declared by the list, or a content digest.
    pub version: String,
    /// Number of entries (rules) loaded from it.
    pub entries: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// reqwest + scraper: no JavaScript.
    Http,
    /// Headless Chromium driven over the DevTools protocol.
    Chrome,
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EngineKind::Http => "http",
            EngineKind::Chrome => "chrome",
        })
    }
}

/// The site under audit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// URL as given by the user (after normalisation).
    pub input_url: String,
    /// URL of the home page after redirects, when it could be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// Registrable domain (eTLD+1) of the final URL: the "first party".
    pub site: String,
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// Arrive and make no choice.
    FirstVisit,
    /// Arrive, click "reject", browse.
    AfterReject,
    /// Arrive, click "accept", browse.
    AfterAccept,
    /// Arrive, click nothing, scroll to the bottom, follow one same-site
    /// link: does browsing alone switch tracking on ("implied consent")?
    /// Browser engine, with `--consent implied`. Since 1.2.
    Browsing,
    /// Arrive, click the banner's first-layer close button (✕), browse:
    /// where closing counts as a refusal (the Italian Garante's 2021
    /// guidelines, the CNIL's), is it respected? Browser engine, with
    /// `--consent close`, or by default under a `--profile` that counts a
    /// close as a refusal. Since 1.5.
    AfterClose,
}

impl VisitKind {
    pub const ALL: [VisitKind; 5] = [
        VisitKind::FirstVisit,
        VisitKind::AfterReject,
        VisitKind::AfterAccept,
        VisitKind::Browsing,
        VisitKind::AfterClose,
    ];

    /// The visits of a full audit (`--consent all`, the default). The
    /// close visit is added where the profile counts a close as a refusal
    /// (see [`VisitSet::with_close`]): elsewhere a ✕ is no choice, and the
    /// visit would cost a browser context per site for nothing to judge.
    pub const STANDARD: [VisitKind; 4] = [
        VisitKind::FirstVisit,
        VisitKind::AfterReject,
        VisitKind::AfterAccept,
        VisitKind::Browsing,
    ];

    /// The evidence name (`kind` of a visit, HAR file names, reports).
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::FirstVisit => "first_visit",
            VisitKind::AfterReject => "after_reject",
            VisitKind::AfterAccept => "after_accept",
            VisitKind::Browsing => "browsing",
            VisitKind::AfterClose => "after_close",
        }
    }

    /// The key of the visit in the facts (`before.cookie_count`) and in
    /// a rule's `requires`.
    pub fn key(self) -> &'static str {
        match self {
            VisitKind::FirstVisit => "before",
            VisitKind::AfterReject
            | VisitKind::AfterAccept
            | VisitKind::Browsing
            | VisitKind::AfterClose => self.as_str(),
        }
    }

    /// The name of the visit in `--consent` and `[check] consent`
    /// (`first` is always made and is not named there).
    pub fn option_name(self) -> &'static str {
        match self {
            VisitKind::FirstVisit => "first",
            VisitKind::AfterReject => "reject",
            VisitKind::AfterAccept => "accept",
            VisitKind::Browsing => "implied",
            VisitKind::AfterClose => "close",
        }
    }

    /// A visit by its facts key (`before`, `after_reject`...).
    pub fn from_key(key: &str) -> Option<VisitKind> {
        VisitKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// A visit by any of its names: option name, facts key or evidence
    /// name.
    pub fn from_name(name: &str) -> Option<VisitKind> {
        VisitKind::ALL
            .into_iter()
            .find(|k| [k.option_name(), k.key(), k.as_str()].contains(&name))
    }
}

impl fmt::Display for VisitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Visits as a rule's `requires` names them: a list of facts keys
/// (`["before", "after_reject"]`), checked when the rule is read.
pub mod visit_keys {
    use super::VisitKind;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kinds: &[VisitKind], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(kinds.iter().map(|k| k.key()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<VisitKind>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| {
                VisitKind::from_key(n).ok_or_else(|| {
                    D::Error::custom(format!(
                        "unknown visit `{n}` in requires (expected one of {})",
                        VisitKind::ALL.map(VisitKind::key).join(", ")
                    ))
                })
            })
            .collect()
    }
}

/// Which visits to make besides the first one, as `--consent`,
/// `[check] consent` and a campaign's record say it: `none`, `all`, or a
/// comma-separated list of visits (`reject,accept`). The first visit is
/// always made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitSet(Vec<VisitKind>);

impl VisitSet {
    /// A full audit: every standard visit ([`VisitKind::STANDARD`]).
    pub fn all() -> VisitSet {
        VisitSet(VisitKind::STANDARD.to_vec())
    }

    /// A full audit under a profile that counts a close (✕) as a refusal
    /// also closes the banner: `all` gains the close visit. An explicit
    /// list is kept as given.
    pub fn with_close(self) -> VisitSet {
        if self == VisitSet::all() {
            let mut kinds = self.0;
            kinds.push(VisitKind::AfterClose);
            kinds.sort();
            VisitSet(kinds)
        } else {
            self
        }
    }

    /// The first visit alone.
    pub fn none() -> VisitSet {
        VisitSet(vec![VisitKind::FirstVisit])
    }

    /// The visits to make, in visit order, the first one first.
    pub fn kinds(&self) -> &[VisitKind] {
        &self.0
    }

    pub fn contains(&self, kind: VisitKind) -> bool {
        self.0.contains(&kind)
    }

    /// `none`, `all` or `kind[,kind...]`; an unknown name is a one-line
    /// error listing the accepted ones.
    pub fn parse(text: &str) -> Result<VisitSet, String> {
        let mut kinds = vec![VisitKind::FirstVisit];
        for word in text.split(',').map(str::trim) {
            let more: &[VisitKind] = match word {
                "none" => &[],
                "all" => &VisitKind::STANDARD,
                w => match VisitKind::from_name(w) {
                    Some(k) => &[k][..],
                    None => {
                        return Err(format!(
                        "unknown visit `{w}`: expected none, all, or a comma-separated list of {}",
                        VisitKind::ALL[1..]
                            .iter()
                            .map(|k| k.option_name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    }
                },
            };
            for k in more {
                if !kinds.contains(k) {
                    kinds.push(*k);
                }
            }
        }
        kinds.sort();
        Ok(VisitSet(kinds))
    }
}

impl Default for VisitSet {
    fn default() -> Self {
        VisitSet::all()
    }
}

impl std::str::FromStr for VisitSet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VisitSet::parse(s)
    }
}

/// `none`, `all`, or the option names of the visits besides the first
/// (`reject,accept`): what [`VisitSet::parse`] reads back.
impl fmt::Display for VisitSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == VisitSet::all() {
            return f.write_str("all");
        }
        let more: Vec<&str> = self
            .0
            .iter()
            .filter(|k| **k != VisitKind::FirstVisit)
            .map(|k| k.option_name())
            .collect();
        if more.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&more.join(","))
        }
    }
}

impl Serialize for VisitSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VisitSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        VisitSet::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Every planned page was fetched.
    Complete,
    /// Some pages or subresources failed or timed out; what was seen is kept.
    Partial,
    /// The entry page could not be fetched at all.
    Failed,
}

/// One visit of the site in a fresh state (no cookies, no storage).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Visit {
    pub kind: VisitKind,
    pub status: VisitStatus,
    /// Pages loaded, in order: the home page first.
    pub pages: Vec<Page>,
    /// Every request made for those pages, first- and third-party.
    pub requests: Vec<Request>,
    /// Every cookie observed, however it was set.
    pub cookies: Vec<Cookie>,
    /// Web storage entries (browser engine only).
    #[serde(default)]
    pub storage: Vec<StorageItem>,
    /// The consent banner as seen on the entry page.
    pub banner: Banner,
    /// The consent action performed in this visit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_action: Option<ConsentAction>,
    /// Pop-up windows the pages tried to open (browser engine; not
    /// followed). Since 1.1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub popups: Vec<String>,
    /// JavaScript dialogs (alert, confirm, prompt) the pages opened; each was
    /// dismissed. Since 1.1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dialogs: u32,
    /// After a successful consent click: whether the banner showed again on
    /// the first page browsed next (browser engine). Since 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner_recheck: Option<BannerRecheck>,
    /// IAB TCF answers read from `__tcfapi` in every frame that has it
    /// (browser engine): on arrival, and after the consent click. Since 1.2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcf: Vec<TcfReading>,
    /// How the banner sits over the page: scrolling locked, content made
    /// inert, viewport covered (browser engine). Since 1.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<Overlay>,
    /// The steps of a `browsing` visit, in order. Since 1.2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<BrowseStep>,
    /// Pop-up windows closed as they opened (browser engine): beyond the
    /// first few, each would cost a renderer and could stall the visit.
    /// Since 1.4.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub popups_closed: u32,
    /// What the browser engine had to stop during the visit, in words: a
    /// script that kept the page busy, a dialog loop, a response or a visit
    /// over its byte cap, the visit's or the site's time running out. What
    /// was observed before is kept. Since 1.4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
}

/// One answer of the IAB TCF API (`__tcfapi('getTCData')`, or the first
/// `addEventListener` callback when `getTCData` gave nothing).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TcfReading {
    /// `load` (before any click) or `after_choice`.
    pub moment: String,
    /// URL of the frame that answered.
    pub frame_url: String,
    /// `tcloaded`, `cmpuishown`, `useractioncomplete`, or "".
    #[serde(default)]
    pub event_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmp_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdpr_applies: Option<bool>,
    /// The TC string (`euconsent-v2` format), decoded by analysis.
    #[serde(default)]
    pub tc_string: String,
    /// Why no answer came (timeout, exception).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The page under the banner, measured in the browser.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Overlay {
    /// `overflow: hidden` on `<html>` or `<body>`: the page cannot scroll.
    pub scroll_locked: bool,
    /// Share of the viewport covered by the banner's outermost fixed or
    /// absolute layer, between 0 and 1.
    pub coverage: f64,
    /// The page content is made unreachable: `inert`, `aria-hidden`,
    /// `pointer-events: none` or blurred under the banner.
    pub content_inert: bool,
    /// What was found, in words (selectors and styles), as evidence.
    #[serde(default)]
    pub details: Vec<String>,
}

/// One step of a `browsing` visit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct BrowseStep {
    /// `load`, `scroll` or `navigate`.
    pub action: String,
    /// The page the step happened on (for `navigate`, the page reached).
    pub url: String,
    /// When the step started; requests carry `started_at` to compare.
    pub at: DateTime<Utc>,
    /// Cookies in the jar once the step had settled, as `name@domain`.
    #[serde(default)]
    pub cookies: Vec<String>,
}

/// The banner looked for again on the first page after the choice: a
/// choice the site does not remember asks the visitor again on every page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BannerRecheck {
    pub page_url: String,
    /// A banner was found in the page once it had settled.
    pub shown: bool,
    /// Links or buttons on that page that reopen the consent choice
    /// ("Cookie settings", a CMP's floating icon): the way to withdraw
    /// (GDPR 7(3)). Since 1.2.
    #[serde(default)]
    pub reopen: Vec<BannerLink>,
}

impl Page {
    /// A page that was not loaded (failed, or left unread), with why.
    pub fn not_loaded(role: PageRole, url: &str, error: &str) -> Page {
        Page {
            role,
            url: url.to_string(),
            final_url: None,
            status: None,
            redirects: Vec::new(),
            content_type: None,
            encoding: None,
            bytes: 0,
            title: None,
            lang: None,
            text: None,
            script_references: Vec::new(),
            forms: Vec::new(),
            error: Some(error.to_string()),
        }
    }
}

impl Visit {
    /// A visit whose home page could not be loaded, for `error`.
    pub fn failed(kind: VisitKind, url: &str, error: &str) -> Visit {
        Visit {
            kind,
            status: VisitStatus::Failed,
            pages: vec![Page::not_loaded(PageRole::Home, url, error)],
            requests: Vec::new(),
            cookies: Vec::new(),
            storage: Vec::new(),
            banner: Banner::not_seen(
                BannerStatus::NotDeterminable,
                "the home page could not be loaded",
            ),
            consent_action: None,
            popups: Vec::new(),
            dialogs: 0,
            banner_recheck: None,
            tcf: Vec::new(),
            overlay: None,
            steps: Vec::new(),
            popups_closed: 0,
            limits: Vec::new(),
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What the engine clicked to express a choice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ConsentAction {
    pub choice: ButtonRole,
    /// Labels clicked, in order.
    pub clicks: Vec<String>,
    /// Purposes found switched on in the settings layer before anything was
    /// touched (labels); the engine switched them off before saving a
    /// refusal. Since 1.2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preticked: Vec<String>,
    pub succeeded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ConsentAction {
    /// The clicks went through.
    pub fn done(choice: ButtonRole, clicks: Vec<String>) -> Self {
        ConsentAction {
            choice,
            clicks,
            preticked: Vec::new(),
            succeeded: true,
            error: None,
        }
    }

    /// The choice could not be made; `clicks` are those that did happen.
    pub fn failed(choice: ButtonRole, clicks: Vec<String>, error: impl Into<String>) -> Self {
        ConsentAction {
            choice,
            clicks,
            preticked: Vec::new(),
            succeeded: false,
            error: Some(error.into()),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    /// The page the user asked for.
    Home,
    /// A same-site page found by following links.
    Crawled,
    /// The privacy or cookie policy linked from the site.
    Policy,
}

/// A document fetched as a top-level page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Page {
    pub role: PageRole,
    /// URL requested.
    pub url: String,
    /// URL after redirects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// HTTP status of the final response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Redirect hops, in order.
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Character encoding used to decode the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Size of the body read, in bytes.
    #[serde(default)]
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The document's declared language (`<html lang>`), as written.
    /// Since 1.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Visible text of the page (kept for policy pages only, capped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Third-party URLs named in the page's inline scripts (http engine,
    /// which runs no script): what a browser may load, e.g. a tag snippet
    /// that writes its own `<script>`. Not requests: such code can sit
    /// behind a consent check. Since 1.1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub script_references: Vec<String>,
    /// The forms of the page (static HTML in the http engine, the rendered
    /// DOM in the browser). None is ever submitted. Since 1.2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<Form>,
    /// Why the page could not be fetched or was cut short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A form as found on a page: what it asks people for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Form {
    /// CSS-like path of the `<form>` element.
    pub selector: String,
    /// Absolute URL the form posts to, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `get` or `post`.
    pub method: String,
    /// `id`, `name`, `class` and `aria-label` of the form, joined: words
    /// that often name its purpose (`newsletter-form`).
    #[serde(default)]
    pub identity: String,
    /// The nearest heading or legend before or inside the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Labels of its submit controls.
    #[serde(default)]
    pub submit_labels: Vec<String>,
    /// Visible text of the form, whitespace-normalised, cut to 2,000
    /// characters.
    #[serde(default)]
    pub text: String,
    /// The fields a person fills in (hidden inputs and buttons left out).
    #[serde(default)]
    pub fields: Vec<FormField>,
    /// Links inside the form or just after it (privacy notice, terms).
    #[serde(default)]
    pub links: Vec<BannerLink>,
}

/// One field of a form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FormField {
    /// `input`, `select` or `textarea`.
    pub tag: String,
    /// The `type` of an input (`text` when absent); the tag otherwise.
    pub input_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The HTML `autocomplete` tokens, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<String>,
    /// Text of its `<label>`, else `aria-label`, else the text next to a
    /// checkbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// `required` or `aria-required="true"`.
    pub required: bool,
    /// For checkboxes and radios: ticked before anyone touched it.
    pub checked: bool,
}

/// One redirect hop.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Redirect {
    pub from: String,
    pub to: String,
    pub status: u16,
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Document,
    Subdocument,
    Script,
    Image,
    Stylesheet,
    Font,
    Media,
    Xhr,
    Fetch,
    Beacon,
    Websocket,
    Other,
}

impl ResourceType {
    /// The request type name used by EasyList-format filter options.
    pub fn filter_list_name(self) -> &'static str {
        match self {
            ResourceType::Document => "document",
            ResourceType::Subdocument => "subdocument",
            ResourceType::Script => "script",
            ResourceType::Image => "image",
            ResourceType::Stylesheet => "stylesheet",
            ResourceType::Font => "font",
            ResourceType::Media => "media",
            ResourceType::Xhr | ResourceType::Fetch => "xmlhttprequest",
            ResourceType::Beacon => "ping",
            ResourceType::Websocket => "websocket",
            ResourceType::Other => "other",
        }
    }
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// Same registrable domain (eTLD+1) as the audited site.
    First,
    /// Any other registrable domain.
    Third,
}

/// One network request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Request {
    pub url: String,
    pub host: String,
    pub method: String,
    pub resource_type: ResourceType,
    pub party: Party,
    /// The top-level page this request belongs to.
    pub page_url: String,
    /// The document or script that caused the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Redirect hops followed for this request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Redirect>,
    /// Made after the consent click of this visit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_choice: bool,
    /// When the request was sent (browser engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Names of the cookies sent with the request, where known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies_sent: Vec<String>,
    /// Bytes received over the network, headers included where the engine
    /// knows them (browser), else the body as sent. Since 1.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_bytes: Option<u64>,
    /// Body bytes after content decoding. Since 1.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CookieSource {
    /// A `Set-Cookie` response header.
    Header,
    /// `document.cookie` or the Cookie Store API.
    Script,
}

/// One cookie, as declared by the site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Cookie {
    pub name: String,
    /// Value, cut to 256 characters.
    pub value: String,
    /// Domain the cookie belongs to, without a leading dot.
    pub domain: String,
    pub path: String,
    /// True when no `Domain` attribute was given: only the setting host gets it back.
    pub host_only: bool,
    /// Lifetime as declared, in days; `None` for a session cookie.
    /// `Max-Age` wins over `Expires`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_lifetime_days: Option<f64>,
    /// Lifetime a current browser keeps it: the declared one capped at 400 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<f64>,
    pub secure: bool,
    pub http_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_site: Option<String>,
    pub party: Party,
    pub source: CookieSource,
    /// URL of the response (or script) that set it. A later header that
    /// overwrote it keeps the first setter and page.
    pub set_by: String,
    /// Top-level page being loaded when it was first set.
    pub page_url: String,
    /// The raw `Set-Cookie` header (the last one applied), cut to 512
    /// characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Why the browser does not hold it at the end of the visit: it refused
    /// it, the header expired it on arrival, or a later header deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// Written (or rewritten) after the consent click of this visit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_choice: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    Local,
    Session,
}

/// One web-storage entry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StorageItem {
    pub origin: String,
    pub kind: StorageKind,
    pub key: String,
    /// Value, cut to 256 characters.
    pub value: String,
    pub party: Party,
    /// Storage partition key, for third-party frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BannerStatus {
    /// A consent banner was found.
    Present,
    /// The rendered page was inspected and holds no consent banner.
    Absent,
    /// No banner in what this engine can see (static HTML), but one may be
    /// injected by JavaScript. Never reported as "absent".
    NotDeterminable,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ButtonRole {
    /// Refuses consent ("Tout refuser", "Continuer sans accepter", "Reject all").
    Reject,
    /// Gives consent.
    Accept,
    /// Opens a second layer of choices.
    Settings,
    /// Closes the banner without a choice.
    Close,
    /// Saves the choices made on a settings layer.
    Save,
    /// Anything else (a link to the policy, a pay-or-accept offer).
    Other,
}

impl ButtonRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ButtonRole::Reject => "reject",
            ButtonRole::Accept => "accept",
            ButtonRole::Settings => "settings",
            ButtonRole::Close => "close",
            ButtonRole::Save => "save",
            ButtonRole::Other => "other",
        }
    }
}

/// A clickable element of the banner.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BannerButton {
    /// Visible label (or aria-label / title when there is no text).
    pub label: String,
    pub role: ButtonRole,
    /// Element name: `button`, `a`, `input`, or the tag carrying `role=button`.
    pub element: String,
    /// True when it is a plain link inside running text rather than a button.
    pub inline_link: bool,
    /// Layer the element sits on: 1 for the first screen of the banner, 2
    /// for a deeper one, 0 when it cannot be told (static markup holding a
    /// settings layer that only a stylesheet hides).
    pub layer: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// On-screen geometry and colours (browser engine only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ButtonStyle>,
    /// The browser's handle on the element, to click it; never serialised.
    #[serde(skip)]
    #[schemars(skip)]
    pub node: Option<i64>,
}

/// How a button looks on screen.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ButtonStyle {
    pub width: f64,
    pub height: f64,
    pub color: String,
    pub background: String,
    pub font_size_px: f64,
    /// WCAG contrast ratio between text and background.
    pub contrast: f64,
}

/// A link inside the banner (policy, partner list...).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct BannerLink {
    pub text: String,
    pub href: String,
}

/// The consent banner as observed on a page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Banner {
    pub status: BannerStatus,
    /// Why the status was chosen, in words.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// CSS-like path of the banner's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Consent platform recognised from its markup or scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmp: Option<String>,
    /// Where the banner lives: `document`, `shadow_root`, or an iframe URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Text of the first layer as shown, whitespace-normalised, cut to
    /// 5,000 characters: hidden parts (by attributes; in the browser
    /// engine also by the layout: `display: none`, `visibility: hidden`,
    /// zero size, off-screen) are left out.
    #[serde(default)]
    pub text: String,
    /// Text of the second layer, read apart: the hidden parts of the
    /// banner and hidden consent dialogs beside it (a preferences panel),
    /// cut to 5,000 characters. Since 1.3.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub second_layer_text: String,
    /// Lexicon language that matched the text best.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub buttons: Vec<BannerButton>,
    #[serde(default)]
    pub links: Vec<BannerLink>,
    /// Screenshot files (browser engine only), relative to the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenshots: Vec<String>,
}

impl Banner {
    pub fn not_seen(status: BannerStatus, reason: impl Into<String>) -> Self {
        Banner {
            status,
            reason: reason.into(),
            page_url: None,
            selector: None,
            cmp: None,
            location: None,
            text: String::new(),
            second_layer_text: String::new(),
            language: None,
            buttons: Vec::new(),
            links: Vec::new(),
            screenshots: Vec::new(),
        }
    }
}

/// A problem met during the crawl that is not one request's failure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CrawlError {
    /// Stable machine-readable kind: `malformed_set_cookie`, `body_truncated`,
    /// `page_failed`, `engine`...
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Evidence {
    /// The visit of the given kind, if it was made.
    pub fn visit(&self, kind: VisitKind) -> Option<&Visit> {
        self.visits.iter().find(|v| v.kind == kind)
    }

    /// The JSON Schema of this model, as written to `docs/evidence.schema.json`.
    pub fn json_schema() -> serde_json::Value {
        let schema = schemars::schema_for!(Evidence);
        serde_json::to_value(schema).expect("a schema is always serialisable")
    }
}

#[cfg(test)]
mod visit_tests {
    use super::*;

    #[test]
    fn visit_sets_parse_and_print_back() {
        let set = |s: &str| VisitSet::parse(s).unwrap();
        use VisitKind::*;
        assert_eq!(set("all").kinds(), VisitKind::STANDARD);
        // The close visit is asked for by name, or added to `all` by a
        // profile that counts a close as a refusal; a list stays as given.
        assert_eq!(set("all,close").kinds(), VisitKind::ALL);
        assert_eq!(set("all").with_close().kinds(), VisitKind::ALL);
        assert_eq!(
            set("reject").with_close().kinds(),
            [FirstVisit, AfterReject]
        );
        assert_eq!(set("close").kinds(), [FirstVisit, AfterClose]);
        assert_eq!(set("none").kinds(), [FirstVisit]);
        // Any order, any of a visit's names, repeats: visit order, once.
        assert_eq!(
            set("accept, after_reject,accept").kinds(),
            [FirstVisit, AfterReject, AfterAccept]
        );
        assert_eq!(set("implied").kinds(), [FirstVisit, Browsing]);
        assert_eq!(set("browsing,none").kinds(), [FirstVisit, Browsing]);
        // Printed as it is read.
        for text in ["all", "none", "reject,accept", "implied", "reject,close"] {
            assert_eq!(set(text).to_string(), text);
        }
        assert_eq!(set("reject,accept,implied").to_string(), "all");
        let json = serde_json::to_string(&set("accept,reject")).unwrap();
        assert_eq!(json, "\"reject,accept\"");
        assert_eq!(
            serde_json::from_str::<VisitSet>(&json).unwrap(),
            set("reject,accept")
        );
        for bad in ["", "rejct", "reject,,accept", "all;"] {
            let err = VisitSet::parse(bad).unwrap_err();
            assert!(
                err.contains(
                    "expected none, all, or a comma-separated list of reject, accept, implied, close"
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn every_visit_has_distinct_names() {
        for k in VisitKind::ALL {
            assert_eq!(VisitKind::from_key(k.key()), Some(k));
            assert_eq!(VisitKind::from_name(k.as_str()), Some(k));
            assert_eq!(VisitKind::from_name(k.option_name()), Some(k));
            // The evidence name is the serde name.
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
