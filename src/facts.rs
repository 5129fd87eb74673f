//! The facts object: what the rules see.
//!
//! Facts are derived from [`crate::evidence::Evidence`] by
//! [`crate::analyse`]. They are flat enough to write conditions in one line
//! of CEL (`before.consent_cookie_count > 0 && banner.status == "present"`),
//! and complete enough for reports to show every cookie and tracker with
//! what we know of it. Every field is documented in `docs/facts.md` and by
//! the JSON Schema `docs/facts.schema.json`.
//!
//! Each visit has the same shape (`before`, `after_reject`, `after_accept`,
//! `browsing`: the keys of [`VisitKind`]),
//! with `ran = false` when it was not made, so that rules about consent
//! choices fit without reshaping anything.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::evidence::VisitKind;

/// Everything the rules can test, for one site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Facts {
    /// Registrable domain of the audited site.
    pub site: String,
    /// Engine that made the observations: `http` or `chrome`.
    pub engine: String,
    /// The home page loaded and is the site: false when it could not be
    /// loaded, or answered an error status, or came back empty (the site is
    /// then not audited).
    pub reachable: bool,
    /// Pages loaded successfully in the first visit.
    pub pages: u32,
    pub banner: BannerFacts,
    /// What the banner's first layer says, as shown (`layer` is
    /// `first_layer`).
    pub banner_text: TextFacts,
    /// What the banner's second layer says (the preferences panel, hidden
    /// until opened), read apart from the first (`layer` is
    /// `second_layer`). Statements found here are not on the first layer.
    #[serde(default)]
    pub second_layer_text: TextFacts,
    pub policy: PolicyFacts,
    /// First visit, before any choice.
    pub before: VisitFacts,
    /// Visit after clicking reject (browser engine).
    pub after_reject: VisitFacts,
    /// Visit after clicking accept (browser engine).
    pub after_accept: VisitFacts,
    /// Visit with no click, only scrolling and one link followed (browser
    /// engine): what browsing alone switches on.
    #[serde(default)]
    pub browsing: VisitFacts,
    /// Visit after clicking the banner's first-layer close (✕) (browser
    /// engine; made where the profile counts a close as a refusal, or with
    /// `--consent close`).
    #[serde(default)]
    pub after_close: VisitFacts,
    /// Consent inferred from browsing, observed in the `browsing` visit.
    #[serde(default)]
    pub implied: ImpliedFacts,
    /// The forms of the first visit's pages and what they ask for.
    #[serde(default)]
    pub forms: Vec<FormFact>,
    /// Counts over `forms`, for one-line conditions.
    #[serde(default)]
    pub form_summary: FormSummary,
    /// Cookie walls, blocking modals and pay-or-accept.
    #[serde(default)]
    pub wall: WallFacts,
    /// Weight of the home page in the first visit, in bytes transferred
    /// (`before.weight` has the whole visit).
    #[serde(default)]
    pub page_weight_bytes: u64,
    /// The jurisdiction profile the site was judged under.
    #[serde(default)]
    pub profile: ProfileFacts,
}

/// The jurisdiction profile in force (`rules/profiles/`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ProfileFacts {
    /// The profile id: `eu`, `fr`, `de`, `at`, `uk`, `ch`... (`rules/profiles/`).
    pub id: String,
    /// The supervisory authority (`CNIL`, `Garante`...); under `eu`, the
    /// national authority of a country-code domain without a profile.
    pub authority: String,
    /// How the profile was chosen: `option`, `cctld`, `language` or `default`.
    pub chosen_by: String,
    /// Longest lifetime accepted for a tracking cookie, in days.
    pub max_cookie_days: f64,
    /// Closing the banner (✕) counts as a refusal.
    pub close_is_refusal: bool,
    /// Months a refusal should be remembered.
    pub refusal_kept_months: f64,
    /// Audience measurement can be exempt from consent.
    pub audience_exemption: bool,
}

/// Consent inferred from browsing, observed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ImpliedFacts {
    /// The `browsing` visit ran and its home page loaded.
    pub observed: bool,
    /// Trackers needing consent first contacted after scrolling (hosts).
    pub on_scroll: Vec<String>,
    /// ...or only after following a link.
    pub on_navigation: Vec<String>,
    /// Cookies needing consent first seen after scrolling or navigating
    /// (`name@domain`).
    pub cookies: Vec<String>,
    /// Tracking switched on by browsing alone: any of the three above.
    pub inferred: bool,
    /// The banner also says so ("by continuing to browse...").
    pub worded: bool,
}

/// A form and what it asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FormFact {
    /// Page the form is on.
    pub page: String,
    pub selector: String,
    /// `newsletter`, `account`, `contact`, `checkout`, `search`, `login`
    /// or `other`.
    pub purpose: String,
    /// What gave the purpose away (a word and where it was found).
    pub purpose_evidence: String,
    pub fields: Vec<FormFieldFact>,
    /// Personal-data categories it asks for (`email`, `phone`...).
    pub categories: Vec<String>,
    /// Required fields its purpose clearly does not need (high
    /// confidence, `rules/forms.toml`): labels with their category. F601
    /// rests on these.
    pub unneeded_required: Vec<String>,
    /// Required fields that some services with this purpose need and
    /// others do not (medium confidence: an account holder's name, a
    /// phone on a contact form): labels with their category. Reported,
    /// never raised.
    #[serde(default)]
    pub possibly_unneeded_required: Vec<String>,
    /// What was observed, in words, when `unneeded_required` is not empty:
    /// "requires Téléphone (phone), which a newsletter sign-up does not
    /// need"; else "".
    #[serde(default)]
    pub excess: String,
    /// `excess` in the other languages `rules/forms.toml` words it in, by
    /// language code (`fr`).
    #[serde(default)]
    pub excess_i18n: BTreeMap<String, String>,
    /// GDPR art. 9 categories asked for.
    pub special_categories: Vec<String>,
    /// Pre-ticked checkboxes that consent to marketing or partners (labels).
    pub preticked_optins: Vec<String>,
    /// It collects personal data (a field in a personal category).
    pub personal: bool,
    /// A privacy notice is linked or named at the form.
    pub notice_linked: bool,
}

/// A form field and its personal-data category.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FormFieldFact {
    /// Label, else name, else type.
    pub label: String,
    /// `email`, `phone`, `birth_date`, `gender`, `address`, `national_id`,
    /// `name`, `password`, `payment`, a special category (`health`,
    /// `religion`...), `optin` for a consent checkbox, or `other`.
    pub category: String,
    pub required: bool,
    /// Its category is one the form's purpose needs, or one that some
    /// services with this purpose need (see `possibly_unneeded_required`).
    pub needed: bool,
    /// Art. 9 special category.
    pub special: bool,
    /// Checkbox ticked before anyone touched it.
    pub checked: bool,
}

/// Counts over the forms, for one-line conditions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FormSummary {
    pub count: u32,
    /// Forms that collect personal data.
    pub personal: u32,
    /// Forms requiring data their purpose clearly does not need.
    pub excessive: u32,
    /// Forms requiring data that only some services with their purpose
    /// need (medium confidence).
    #[serde(default)]
    pub possibly_excessive: u32,
    /// Forms asking for special-category data.
    pub special_category: u32,
    /// Forms with a pre-ticked marketing or partner opt-in.
    pub preticked_optin: u32,
    /// Forms collecting personal data with no notice at the form.
    pub without_notice: u32,
}

/// Content walled behind consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WallFacts {
    /// The page under the banner was measured (browser engine, banner shown).
    pub measured: bool,
    /// The banner blocks the content: scrolling locked, content inert, or
    /// the viewport covered (over 80%).
    pub blocking: bool,
    /// A free way to refuse is on the first layer (reject, or ✕ where the
    /// profile counts it as a refusal).
    pub free_refusal: bool,
    /// Blocking with no free refusal: consent or nothing.
    pub cookie_wall: bool,
    /// Blocking, but a free refusal is offered: a blocking modal.
    pub blocking_modal: bool,
    /// A paid alternative is offered in place of consent ("pay or accept").
    pub pay_or_accept: bool,
    pub paid_alternative_label: String,
    pub paid_alternative_url: String,
    /// Evidence, in words.
    pub details: Vec<String>,
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
    /// Every choice button could be placed on a layer. False when static
    /// markup holds a settings layer hidden only by a stylesheet (http
    /// engine): the `first_level_*` flags then say nothing of the choice
    /// buttons, and rules about the first layer do not apply.
    #[serde(default = "yes")]
    pub layers_determinable: bool,
    /// Purposes found switched on in the settings layer before any click.
    #[serde(default)]
    pub preticked_purposes: Vec<String>,
    /// The clicks made to reject, in order (browser engine).
    #[serde(default)]
    pub reject_path: Vec<String>,
    /// The clicks made to accept, in order (browser engine).
    #[serde(default)]
    pub accept_path: Vec<String>,
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
    /// Whether the text was read: there was text, in a language whose
    /// statements the lexicons hold (not one known by its buttons and
    /// banner words only).
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
    /// Where the text and its sentences were read: `first_layer` or
    /// `second_layer` of the banner, `notice` for the privacy notice.
    #[serde(default)]
    pub layer: String,
    /// The language the text was read in (guessed from its words), or
    /// empty when no lexicon's words were found.
    #[serde(default)]
    pub language: String,
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
    /// Linked and fetched with a 2xx status: a notice exists.
    #[serde(default)]
    pub exists: bool,
    /// The notice was checked against the art. 13/14 checklist: it exists
    /// and is written in a language `rules/notice.toml` covers. Otherwise
    /// the checklist, the missing elements and the rights channels stay
    /// empty, and N701/N702 do not apply: words not looked for say
    /// nothing about the notice.
    #[serde(default)]
    pub checked: bool,
    /// GDPR art. 13/14 elements, each with the sentence found.
    #[serde(default)]
    pub checklist: Vec<NoticeElementFact>,
    /// Names of the elements required in every notice (`required` is
    /// `always`) that were not found: N701 rests on these.
    #[serde(default)]
    pub missing: Vec<String>,
    /// Names of the elements required only where the processing they
    /// speak of happens (`where_applicable`) that were not found: "not
    /// stated; required where applicable", never scored.
    #[serde(default)]
    pub not_stated_where_applicable: Vec<String>,
    /// Ways to exercise one's rights named in the notice: `email:ADDRESS`,
    /// `form`, `account`, `postal`.
    #[serde(default)]
    pub rights_channels: Vec<String>,
    /// At least one channel to exercise rights.
    #[serde(default)]
    pub rights_channel: bool,
    /// Supervisory authorities named (`CNIL`, `ICO`...).
    #[serde(default)]
    pub authorities: Vec<String>,
}

/// One element of the privacy-notice checklist.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct NoticeElementFact {
    /// `controller`, `dpo`, `purposes`, `legal_basis`, `recipients`,
    /// `transfers`, `retention`, `right_access`, `right_rectification`,
    /// `right_erasure`, `right_restriction`, `right_portability`,
    /// `right_objection`, `withdrawal`, `complaint`, `automated_decisions`.
    pub element: String,
    /// `always`, or `where_applicable` (a data protection officer,
    /// transfers outside the EEA, consent, automated decisions).
    #[serde(default)]
    pub required: String,
    pub found: bool,
    /// The sentence that shows it, or "".
    pub sentence: String,
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
    /// IAB TCF signal read in this visit (browser engine).
    #[serde(default)]
    pub tcf: TcfFacts,
    /// After accept: a link or icon reopens the choice on the next page.
    #[serde(default)]
    pub withdrawal_link: bool,
    /// Its label.
    #[serde(default)]
    pub withdrawal_label: String,
    /// Bytes, requests and estimated emissions of this visit.
    #[serde(default)]
    pub weight: WeightFacts,
    /// After a successful click: the longest lifetime, in days, of the
    /// first-party cookies the click wrote (where the choice is kept; 0 for
    /// a session cookie), or -1 when it wrote none.
    #[serde(default)]
    pub choice_cookie_days: f64,
    /// After a successful click: first-party local-storage keys the first
    /// visit did not have, so written by the choice or what followed it.
    /// Local storage keeps an entry until it is cleared, so a choice kept
    /// there outlives any cookie written beside it.
    #[serde(default)]
    pub choice_storage: Vec<String>,
}

/// An IAB TCF consent string, decoded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TcfFacts {
    /// A `__tcfapi` answered with a TC string.
    pub present: bool,
    /// `tcloaded`, `cmpuishown`, `useractioncomplete`.
    pub event_status: String,
    pub cmp_id: i64,
    /// TCF policy version (4 and up is TCF 2.2).
    pub policy_version: i64,
    /// Purposes with consent (1 to 11).
    pub purposes_consent: Vec<i64>,
    /// Purposes under legitimate interest.
    pub purposes_li: Vec<i64>,
    /// Vendors with consent.
    pub vendors_consent_count: i64,
    /// Vendors under legitimate interest.
    pub vendors_li_count: i64,
    /// Special features opted in.
    pub special_features: Vec<i64>,
    /// Any purpose or vendor consent: the string says "yes".
    pub consent_signalled: bool,
    /// Legitimate interest set for purposes TCF 2.2 reserves to consent
    /// (3 to 6), or for purpose 1.
    pub li_for_consent_purposes: Vec<i64>,
    /// The string, for the record.
    pub tc_string: String,
    /// Why it could not be decoded, or "".
    pub error: String,
}

/// Bytes, requests and emissions of one visit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WeightFacts {
    /// Bytes transferred (as encoded on the wire).
    pub bytes: u64,
    /// Bytes after content decoding.
    pub decoded_bytes: u64,
    pub requests: u32,
    pub third_party_bytes: u64,
    /// `third_party_bytes / bytes`, 0 when nothing was measured.
    pub third_party_share: f64,
    /// Grams of CO2e by the Sustainable Web Design model (docs/weight.md).
    pub co2e_grams: f64,
    /// Requests with a byte count: the share of `requests` measured.
    pub measured_requests: u32,
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
    /// Listed in `rules/cookies.toml` or the Open Cookie Database.
    pub known: bool,
    /// The list that knows the name: `cookies` (ours), `open_cookie_database`, or "".
    #[serde(default)]
    pub list: String,
    pub owner: String,
    /// Category from the cookie list, else from the tracker that set it, else `unknown`.
    pub category: String,
    pub purpose: String,
    /// Needs consent before it is set.
    pub consent_required: bool,
    /// `necessary`, `audience_measurement`, `consent_record` (an unknown
    /// cookie on the host serving the banner's frame), `functional` (a
    /// first-party cookie listed as functional), `none`, or `unknown`.
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
    /// advertising, analytics, social, session_replay, retargeting, identity_sync, fingerprinting, cmp, tag_manager, anti_fraud, infrastructure, ad_block_recovery, filter_list.
    pub category: String,
    pub consent_required: bool,
    /// `audience_measurement` when the profile grants the exemption and the
    /// tool can be configured to meet it (`consent_required` is then false),
    /// else `none`.
    #[serde(default)]
    pub exemption: String,
    /// `builtin`, the filter list file that matched, or `list:NAME` for a
    /// host only an installed list knows (then `consent_required` is false
    /// and `rule` says how the lists class it).
    pub source: String,
    /// Every source that knows the host: `source` first, then each
    /// installed list that lists it (`list:NAME`; versions are in the
    /// provenance).
    #[serde(default)]
    pub sources: Vec<String>,
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
    /// The facts of a visit (under its key, [`VisitKind::key`]).
    pub fn visit(&self, kind: VisitKind) -> &VisitFacts {
        match kind {
            VisitKind::FirstVisit => &self.before,
            VisitKind::AfterReject => &self.after_reject,
            VisitKind::AfterAccept => &self.after_accept,
            VisitKind::Browsing => &self.browsing,
            VisitKind::AfterClose => &self.after_close,
        }
    }

    pub fn visit_mut(&mut self, kind: VisitKind) -> &mut VisitFacts {
        match kind {
            VisitKind::FirstVisit => &mut self.before,
            VisitKind::AfterReject => &mut self.after_reject,
            VisitKind::AfterAccept => &mut self.after_accept,
            VisitKind::Browsing => &mut self.browsing,
            VisitKind::AfterClose => &mut self.after_close,
        }
    }

    /// The visits that were made, in visit order, with their facts.
    pub fn visits_made(&self) -> impl Iterator<Item = (VisitKind, &VisitFacts)> {
        VisitKind::ALL
            .into_iter()
            .map(|k| (k, self.visit(k)))
            .filter(|(_, v)| v.ran)
    }

    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Facts)).expect("a schema is always serialisable")
    }
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visit_kind_has_its_key_in_the_facts_json() {
        let mut facts = Facts::default();
        for (i, kind) in VisitKind::ALL.into_iter().enumerate() {
            facts.visit_mut(kind).cookie_count = i as u32 + 1;
        }
        let json = serde_json::to_value(&facts).unwrap();
        for (i, kind) in VisitKind::ALL.into_iter().enumerate() {
            // The key holds that visit's facts, and no other's.
            assert_eq!(
                json[kind.key()]["cookie_count"],
                i + 1,
                "{kind}: key `{}`",
                kind.key()
            );
            assert_eq!(facts.visit(kind).cookie_count, i as u32 + 1);
        }
        // The schema the rules are written against documents every key.
        let schema = Facts::json_schema();
        for kind in VisitKind::ALL {
            assert!(
                schema["properties"].get(kind.key()).is_some(),
                "{kind}: `{}` not in the facts schema",
                kind.key()
            );
        }
    }
}
