//! The facts object: what the rules see.
//!
//! Facts are derived from [`crate::evidence::Evidence`] by
//! [`crate::analyse`]. They are flat enough to write conditions in one line
//! of CEL (`before.consent_cookie_count > 0 && banner.status == "present"`),
//! and complete enough for reports to show every cookie and tracker with
//! what we know of it. Every field is documented in `docs/facts.md` and by
//! the JSON Schema `docs/facts.schema.json`.
//!
//! Each visit has the same shape (`before`, `after_reject`, `after_accept`),
//! with `ran = false` when it was not made, so that rules about consent
//! choices fit without reshaping anything.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything the rules can test, for one site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Facts {
    /// Registrable domain of the audited site.
    pub site: String,
    /// Engine that made the observations: `http` or `chrome`.
    pub engine: String,
    /// Whether the home page could be loaded at all.
    pub reachable: bool,
    /// Pages loaded successfully in the first visit.
    pub pages: u32,
    pub banner: BannerFacts,
    /// What the banner text says.
    pub banner_text: TextFacts,
    pub policy: PolicyFacts,
    /// First visit, before any choice.
    pub before: VisitFacts,
    /// Visit after clicking reject (browser engine).
    pub after_reject: VisitFacts,
    /// Visit after clicking accept (browser engine).
    pub after_accept: VisitFacts,
}

/// The consent banner.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct BannerFacts {
    /// `present`, `absent` or `not_determinable`.
    pub status: String,
    pub present: bool,
    /// False when the engine cannot tell (http engine, no banner in the HTML).
    pub determinable: bool,
    /// Consent platform recognised, or "".
    pub cmp: String,
    /// Lexicon language of the banner text, or "".
    pub language: String,
    /// A reject button on the first layer.
    pub first_level_reject: bool,
    /// An accept button on the first layer.
    pub first_level_accept: bool,
    /// A settings button on the first layer.
    pub first_level_settings: bool,
    /// A close button (✕) on the first layer.
    pub first_level_close: bool,
    /// A reject button exists, but only on a deeper layer.
    pub deeper_reject: bool,
    /// Every first-level reject is a plain link inside running text.
    pub reject_only_inline_link: bool,
    pub reject_labels: Vec<String>,
    pub accept_labels: Vec<String>,
    pub settings_labels: Vec<String>,
    /// Clicks the engine needed to reject, or -1 when not measured.
    pub reject_clicks: i64,
    /// Clicks the engine needed to accept, or -1 when not measured.
    pub accept_clicks: i64,
    /// Contrast ratio of the reject button divided by the accept button's, or -1.
    pub reject_to_accept_contrast: f64,
    /// Area of the reject button divided by the accept button's, or -1.
    pub reject_to_accept_area: f64,
}

/// Statements found in a text (banner or policy), with their sentences.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TextFacts {
    /// Whether there was text to read.
    pub analysed: bool,
    /// Consent inferred from browsing ("en poursuivant votre navigation").
    pub implied_consent: bool,
    /// Says the visitor is tracked on other sites or apps.
    pub cross_site: bool,
    /// Concrete purposes named.
    pub purposes: Vec<String>,
    /// Vague purposes ("improve your experience").
    pub vague_purposes: Vec<String>,
    /// Mentions partners, vendors or third parties.
    pub partners_mentioned: bool,
    /// Number of partners stated, or -1.
    pub partner_count: i64,
    /// Explains how to withdraw or change consent.
    pub withdraw: bool,
    /// Claims legitimate interest.
    pub legitimate_interest: bool,
    /// Claims an exemption from consent (audience measurement).
    pub exemption_claimed: bool,
    /// The sentence behind each statement, by statement name.
    pub sentences: BTreeMap<String, String>,
}

/// The privacy or cookie policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PolicyFacts {
    /// A policy link was found in the banner or on the page.
    pub linked: bool,
    pub url: String,
    /// HTTP status of the policy page, or -1 when not fetched.
    pub status: i64,
    /// Fetched with a 2xx status.
    pub reachable: bool,
    /// What the policy says.
    pub text: TextFacts,
}

/// What one visit saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct VisitFacts {
    /// Whether this visit was made.
    pub ran: bool,
    /// For `after_reject` and `after_accept`: the consent click succeeded.
    /// Their lists then hold only what happened after the click.
    pub choice_made: bool,
    /// `complete`, `partial`, `failed`, or "" when not made.
    pub status: String,
    pub requests: u32,
    pub cookies: Vec<CookieFact>,
    pub cookie_count: u32,
    /// Cookies that need consent (known trackers, or third-party unknowns).
    pub consent_cookie_count: u32,
    pub third_party_cookie_count: u32,
    /// Longest lifetime, in days, of a cookie that needs consent (0 if none).
    pub max_consent_cookie_lifetime_days: f64,
    pub trackers: Vec<TrackerFact>,
    /// Tracker hosts contacted whose category needs consent.
    pub tracker_count: u32,
    /// Distinct companies behind those trackers.
    pub tracker_companies: Vec<String>,
    pub third_party_hosts: Vec<String>,
    pub third_party_host_count: u32,
    /// Distinct third-party registrable domains.
    pub third_party_domain_count: u32,
    pub storage: Vec<StorageFact>,
    /// Storage entries that look like identifiers.
    pub storage_identifier_count: u32,
    /// Consent cookies whose value records acceptance of a purpose that
    /// needs consent (`rules/consent-cookies.toml`). In `before`: consent
    /// recorded before any choice; in `after_reject`: after a refusal.
    #[serde(default)]
    pub consent_signals: Vec<ConsentSignalFact>,
    /// At least one consent signal.
    #[serde(default)]
    pub consent_signalled: bool,
    /// After a successful click: the banner was looked for again on the
    /// next page (browser engine)...
    #[serde(default)]
    pub banner_rechecked: bool,
    /// ...and it asked again (accept or reject buttons on show): the choice
    /// was not remembered.
    #[serde(default)]
    pub banner_shown_again: bool,
    /// Known trackers named in inline scripts but not contacted (http
    /// engine: tag snippets that write their own `<script>`). Not counted
    /// as tracking: the code may wait for consent. `barometer check` treats
    /// them as trackers the page ships.
    #[serde(default)]
    pub referenced_trackers: Vec<TrackerFact>,
}

/// A consent cookie that says "accepted".
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ConsentSignalFact {
    pub cookie: String,
    pub domain: String,
    /// The consent platform whose cookie it is, or "" for a generic one.
    pub cmp: String,
    /// The part of the value that records acceptance.
    pub says: String,
}

/// A cookie and what we know of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CookieFact {
    pub name: String,
    pub domain: String,
    /// `first` or `third`.
    pub party: String,
    pub third_party: bool,
    /// Lifetime a browser keeps it, in days (0 for a session cookie).
    pub lifetime_days: f64,
    /// Lifetime the site asked for, in days (0 for a session cookie).
    pub declared_lifetime_days: f64,
    pub session: bool,
    /// Over 13 months (395 days), the CNIL's ceiling.
    pub over_13_months: bool,
    /// Listed in `rules/cookies.toml`.
    pub known: bool,
    pub owner: String,
    /// Category from the cookie list, else from the tracker that set it, else `unknown`.
    pub category: String,
    pub purpose: String,
    /// Needs consent before it is set.
    pub consent_required: bool,
    /// `necessary`, `audience_measurement`, `none`, or `unknown`.
    pub exemption: String,
    /// `header` or `script`.
    pub source: String,
    /// URL that set it.
    pub set_by: String,
    /// Company of the tracker domain it belongs to, or "".
    pub tracker_company: String,
    /// The browser refused it (reason in the evidence).
    pub blocked: bool,
}

/// A tracker host contacted, aggregated over its requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TrackerFact {
    pub host: String,
    /// Registrable domain of the host.
    pub domain: String,
    pub company: String,
    /// advertising, analytics, social, session_replay, cmp, tag_manager, retargeting, filter_list.
    pub category: String,
    pub consent_required: bool,
    /// `builtin` or the filter list file that matched.
    pub source: String,
    /// The filter rule that matched, for filter lists.
    pub rule: String,
    pub requests: u32,
    pub resource_types: Vec<String>,
    /// First URL requested on that host.
    pub first_url: String,
    /// Pages on which it was contacted.
    pub pages: Vec<String>,
}

/// A web-storage entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StorageFact {
    pub origin: String,
    /// `local` or `session`.
    pub kind: String,
    pub key: String,
    pub third_party: bool,
    /// The value looks like a unique identifier.
    pub identifier: bool,
}

impl Facts {
    /// The facts of a visit by its evidence name.
    pub fn visit(&self, name: &str) -> Option<&VisitFacts> {
        match name {
            "first_visit" | "before" => Some(&self.before),
            "after_reject" => Some(&self.after_reject),
            "after_accept" => Some(&self.after_accept),
            _ => None,
        }
    }

    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Facts)).expect("a schema is always serialisable")
    }
}
