//! From evidence to facts: party, trackers, cookies, banner, text.
//!
//! Analysis is pure: the same evidence and knowledge always give the same
//! facts, which is what lets `report` re-score an old campaign with new
//! rules without crawling again.

pub mod forms;
pub mod implied;
pub mod notice;
pub mod tcf;
pub mod text;
pub mod trackers;
pub mod wall;
pub mod weight;

/// Banner detection and parties sit below both the engines and the
/// analysis (the engines need them to know what to click and whose a
/// request is); re-exported here under their former paths.
pub use crate::{banner, party};

use std::collections::{BTreeMap, BTreeSet};

use crate::evidence::{
    BannerStatus, ButtonRole, CookieSource, Evidence, Party, StorageKind, Visit, VisitKind,
    VisitStatus,
};
use crate::facts::*;
use crate::knowledge::{ConsentNeed, Knowledge, TrackerCategory};
use party::registrable_domain;
use trackers::FilterList;

/// 13 months, in days: the CNIL's ceiling for tracker lifetimes.
pub const THIRTEEN_MONTHS_DAYS: f64 = 395.0;

/// Knowledge and filter lists, loaded once and shared by every site.
#[derive(Debug)]
pub struct Analyser {
    pub knowledge: std::sync::Arc<Knowledge>,
    pub filters: Vec<FilterList>,
    /// Lists installed with `barometer lists fetch`, consulted after the
    /// built-in knowledge and the filter lists.
    pub lists: crate::lists::Lists,
    /// Jurisdiction profiles, to choose each site's.
    pub profiles: crate::knowledge::profiles::Profiles,
    /// The profile forced by `--profile`, else inferred per site.
    pub profile: Option<String>,
}

impl Analyser {
    /// Derive the facts of one site.
    pub fn facts(&self, ev: &Evidence) -> Facts {
        let first = ev.visit(VisitKind::FirstVisit);
        let lex = &self.knowledge.lexicons;
        let banner = first
            .map(|v| banner_facts(v, ev))
            .unwrap_or_else(|| BannerFacts {
                status: "not_determinable".into(),
                reject_clicks: -1,
                accept_clicks: -1,
                reject_to_accept_contrast: -1.0,
                reject_to_accept_area: -1.0,
                ..Default::default()
            });
        // Each layer read apart, and each statement's sentence tagged with
        // the layer it came from.
        let layer_text = |text: Option<&str>, layer: &str| TextFacts {
            layer: layer.to_string(),
            ..text::read(lex, text.unwrap_or(""))
        };
        let banner_text = layer_text(first.map(|v| v.banner.text.as_str()), "first_layer");
        let second_layer_text = layer_text(
            first.map(|v| v.banner.second_layer_text.as_str()),
            "second_layer",
        );
        let policy = first
            .map(|v| self.policy_facts(v))
            .unwrap_or_else(|| PolicyFacts {
                status: -1,
                ..Default::default()
            });
        let profile = self.profile_of(ev, &banner.language);
        let scope = VisitScope {
            audience_exemption: profile.audience_exemption,
            banner_hosts: banner_hosts(ev),
            first_storage: first
                .map(|v| {
                    v.storage
                        .iter()
                        .map(|s| (s.origin.as_str(), s.key.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let visit = |kind| {
            ev.visit(kind)
                .map(|v| self.visit_facts(v, &scope))
                .unwrap_or_default()
        };
        // The clicks of the refusal that worked, as the banner facts hold them.
        let refused_by = (!banner.reject_path.is_empty()).then_some(banner.reject_path.as_slice());
        let wall = first
            .map(|v| wall::judge(v, lex, profile.close_is_refusal, refused_by))
            .unwrap_or_default();
        let forms: Vec<FormFact> = first
            .map(|v| {
                v.pages
                    .iter()
                    .filter(|p| p.error.is_none())
                    .flat_map(|p| {
                        p.forms
                            .iter()
                            .map(move |f| forms::analyse(&p.url, f, &self.knowledge.forms, lex))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let form_summary = forms::summary(&forms);
        let browsing = visit(VisitKind::Browsing);
        let implied = ev
            .visit(VisitKind::Browsing)
            .filter(|v| v.status != VisitStatus::Failed)
            .map(|v| implied::observe(v, &browsing, banner_text.implied_consent, first))
            .unwrap_or_else(|| ImpliedFacts {
                worded: banner_text.implied_consent,
                ..Default::default()
            });
        Facts {
            site: ev.target.site.clone(),
            engine: ev.provenance.engine.to_string(),
            reachable: first.is_some_and(|v| v.status != VisitStatus::Failed),
            pages: first
                .map(|v| {
                    v.pages
                        .iter()
                        .filter(|p| {
                            p.error.is_none() && p.role != crate::evidence::PageRole::Policy
                        })
                        .count() as u32
                })
                .unwrap_or(0),
            banner,
            banner_text,
            second_layer_text,
            policy,
            before: visit(VisitKind::FirstVisit),
            after_reject: visit(VisitKind::AfterReject),
            after_accept: visit(VisitKind::AfterAccept),
            browsing,
            after_close: visit(VisitKind::AfterClose),
            implied,
            wall,
            forms,
            form_summary,
            page_weight_bytes: first.map(weight::home_page_bytes).unwrap_or(0),
            profile,
        }
    }

    /// The site's jurisdiction profile: forced, else from its ccTLD (`eu`
    /// with the national authority for a country without a profile), else,
    /// on a generic domain only, from its banner's language (else its
    /// `<html lang>`), else `eu`.
    fn profile_of(&self, ev: &Evidence, language: &str) -> ProfileFacts {
        if let Some(p) = self.profile.as_deref().and_then(|id| self.profiles.get(id)) {
            return p.facts("option");
        }
        let host = ev
            .target
            .final_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| ev.target.site.clone());
        // The banner's language, else the home page's `<html lang>`.
        let declared = ev
            .visit(VisitKind::FirstVisit)
            .and_then(|v| v.pages.first())
            .and_then(|p| p.lang.as_deref())
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let language = if language.is_empty() {
            declared.as_str()
        } else {
            language
        };
        self.profiles.infer(&host, language).facts()
    }

    fn policy_facts(&self, v: &Visit) -> PolicyFacts {
        let lex = &self.knowledge.lexicons;
        // The policy page is the one holding policy text; else the banner link.
        let page = v
            .pages
            .iter()
            .find(|p| p.text.is_some() || p.role == crate::evidence::PageRole::Policy);
        let banner_link = v.banner.links.iter().find(|l| lex.is_policy_link(&l.text));
        let mut facts = self.policy_facts_of(page, banner_link);
        facts.text.layer = "notice".to_string();
        facts
    }

    fn policy_facts_of(
        &self,
        page: Option<&crate::evidence::Page>,
        banner_link: Option<&crate::evidence::BannerLink>,
    ) -> PolicyFacts {
        let lex = &self.knowledge.lexicons;
        match (page, banner_link) {
            (Some(p), _) => {
                let reachable =
                    p.error.is_none() && p.status.is_some_and(|s| (200..300).contains(&s));
                let mut facts = PolicyFacts {
                    linked: true,
                    url: p.url.clone(),
                    status: p.status.map(i64::from).unwrap_or(-1),
                    reachable,
                    exists: reachable && p.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
                    text: text::read(lex, p.text.as_deref().unwrap_or("")),
                    ..Default::default()
                };
                facts.checked = facts.exists && self.knowledge.notice.reads(&facts.text.language);
                if facts.checked {
                    notice::check(p.text.as_deref().unwrap_or(""), &self.knowledge.notice)
                        .fill(&mut facts);
                }
                facts
            }
            (None, Some(link)) => PolicyFacts {
                linked: true,
                url: link.href.clone(),
                status: -1,
                reachable: false,
                text: text::read(lex, ""),
                ..Default::default()
            },
            (None, None) => PolicyFacts {
                status: -1,
                text: text::read(lex, ""),
                ..Default::default()
            },
        }
    }

    fn visit_facts(&self, v: &Visit, scope: &VisitScope<'_>) -> VisitFacts {
        let audience_exemption = scope.audience_exemption;
        let k = &self.knowledge;
        // After a consent click, judge only what the choice led to.
        let chose = v.kind != VisitKind::FirstVisit
            && v.consent_action.as_ref().is_some_and(|a| a.succeeded);
        let requests: Vec<&crate::evidence::Request> = v
            .requests
            .iter()
            .filter(|r| !chose || r.after_choice)
            .collect();
        let visit_cookies: Vec<&crate::evidence::Cookie> = v
            .cookies
            .iter()
            .filter(|c| !chose || c.after_choice)
            .collect();
        // Trackers, aggregated per host and category: a host whose paths
        // differ in kind (a CAPTCHA and an ad collector on www.google.com)
        // is listed once for each, so the first request does not hide the
        // other.
        let mut trackers: BTreeMap<(String, TrackerCategory), TrackerFact> = BTreeMap::new();
        let mut third_hosts = BTreeSet::new();
        for req in requests.iter().copied() {
            if req.party == Party::Third {
                third_hosts.insert(req.host.clone());
            }
            let listed = match req.party {
                Party::Third => self.lists.lookup(&req.host),
                Party::First => Vec::new(),
            };
            let hit = trackers::attribute(&k.trackers, &self.filters, req);
            // A host only installed lists know is reported, never counted
            // as a tracker that needs consent (see `crate::lists`).
            let list_only = hit.is_none();
            let Some(hit) = hit.or_else(|| crate::lists::attribution(&listed)) else {
                continue;
            };
            let t = trackers
                .entry((req.host.clone(), hit.category))
                .or_insert_with(|| TrackerFact {
                    host: req.host.clone(),
                    domain: registrable_domain(&req.host),
                    company: hit.company.clone(),
                    category: hit.category.as_str().to_string(),
                    consent_required: hit.category.requires_consent()
                        && !list_only
                        && !(audience_exemption && hit.audience_measurement),
                    exemption: if audience_exemption && hit.audience_measurement {
                        "audience_measurement"
                    } else {
                        "none"
                    }
                    .to_string(),
                    source: hit.source.clone(),
                    sources: crate::lists::sources(&hit.source, &listed),
                    rule: hit.rule.clone().unwrap_or_default(),
                    first_url: req.url.clone(),
                    ..Default::default()
                });
            t.requests += 1;
            let rt = serde_json::to_value(req.resource_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if !t.resource_types.contains(&rt) {
                t.resource_types.push(rt);
            }
            if !t.pages.contains(&req.page_url) {
                t.pages.push(req.page_url.clone());
            }
        }
        let trackers: Vec<TrackerFact> = trackers.into_values().collect();
        // Trackers a browser may load from inline tag snippets.
        let mut referenced: BTreeMap<String, TrackerFact> = BTreeMap::new();
        for page in &v.pages {
            for url in &page.script_references {
                let Some((host, path)) = url::Url::parse(url).ok().and_then(|u| {
                    let host = u.host_str()?.to_string();
                    Some((host, u.path().to_string()))
                }) else {
                    continue;
                };
                if trackers.iter().any(|t| t.host == host) {
                    continue;
                }
                let Some(entry) = k.trackers.lookup_request(&host, &path) else {
                    continue;
                };
                let t = referenced
                    .entry(host.clone())
                    .or_insert_with(|| TrackerFact {
                        host: host.clone(),
                        domain: registrable_domain(&host),
                        company: entry.company.clone(),
                        category: entry.category.as_str().to_string(),
                        consent_required: entry.category.requires_consent(),
                        source: "builtin".into(),
                        sources: vec!["builtin".into()],
                        first_url: url.clone(),
                        resource_types: vec!["inline_script_reference".into()],
                        ..Default::default()
                    });
                let page_url = page.final_url.clone().unwrap_or_else(|| page.url.clone());
                if !t.pages.contains(&page_url) {
                    t.pages.push(page_url);
                }
            }
        }
        let referenced_trackers: Vec<TrackerFact> = referenced.into_values().collect();
        // Consent recorded in a platform's cookie (refused cookies aside).
        let mut consent_signals: Vec<crate::facts::ConsentSignalFact> = Vec::new();
        for c in visit_cookies.iter().filter(|c| c.blocked.is_none()) {
            if let Some(a) = k.consent_cookies.acceptance(&c.name, &c.value) {
                let domain = c.domain.trim_start_matches('.').to_string();
                if !consent_signals
                    .iter()
                    .any(|x| x.cookie == c.name && x.domain == domain)
                {
                    consent_signals.push(crate::facts::ConsentSignalFact {
                        cookie: c.name.clone(),
                        domain,
                        cmp: a.entry.cmp.clone().unwrap_or_default(),
                        says: a.matched,
                    });
                }
            }
        }

        // Cookies: the same name and domain counts once (the first time seen).
        let mut seen = BTreeSet::new();
        let mut cookies = Vec::new();
        for c in visit_cookies.iter().copied() {
            if !seen.insert((c.name.clone(), c.domain.clone(), c.path.clone())) {
                continue;
            }
            let lifetime = c.lifetime_days.unwrap_or(0.0);
            let third = c.party == Party::Third;
            let known = k.cookies.lookup(&c.name, &c.domain);
            let tracker = k.trackers.lookup(&c.domain);
            // On a third party's host the name alone does not decide when it
            // is a generic one (a session id, a CSRF token: on a tracker's
            // host it is the tracker's), or a "functional" one whose need is
            // unclear (on a tracker's host or the banner's host, that host
            // says more).
            let by_name = match known {
                Some(e)
                    if third
                        && ((tracker.is_some()
                            && (e.generic || e.consent == ConsentNeed::ThirdParty))
                            || (e.consent == ConsentNeed::ThirdParty
                                && scope.serves_banner(&c.domain))) =>
                {
                    None
                }
                other => other,
            };
            let (category, owner, purpose, consent_required, exemption) = match by_name {
                Some(e) => {
                    let (required, exemption) = match e.consent {
                        ConsentNeed::Required => (true, "none"),
                        // Functional, need unclear: presumed to track when a
                        // third party sets it, listed but not accused on the
                        // first party.
                        ConsentNeed::ThirdParty if third => (true, "none"),
                        ConsentNeed::ThirdParty => (false, "functional"),
                        ConsentNeed::Exempt => (false, "necessary"),
                        // CNIL: first party, at most 13 months; the rest cannot be seen from outside.
                        ConsentNeed::AudienceMeasurement
                            if audience_exemption && !third && lifetime <= THIRTEEN_MONTHS_DAYS =>
                        {
                            (false, "audience_measurement")
                        }
                        ConsentNeed::AudienceMeasurement => (true, "none"),
                    };
                    (
                        e.category.as_str().to_string(),
                        e.owner.clone(),
                        e.purpose.clone(),
                        required,
                        exemption,
                    )
                }
                None => match tracker {
                    // A cookie on a tracker's domain shares the tracker's purpose.
                    Some(t) if third => (
                        t.category.as_str().to_string(),
                        t.company.clone(),
                        format!("set by a {} host", t.category.as_str().replace('_', " ")),
                        t.category.requires_consent(),
                        if t.category.requires_consent() {
                            "none"
                        } else {
                            "unknown"
                        },
                    ),
                    // An unknown cookie on the host that serves the banner's
                    // frame is the consent platform storing the choice (or
                    // its own identifier for it), not a tracker.
                    _ if third && scope.serves_banner(&c.domain) => (
                        "consent".into(),
                        String::new(),
                        "written by the host that serves the consent banner".into(),
                        false,
                        "consent_record",
                    ),
                    // An unknown third-party cookie is presumed to track; an unknown
                    // first-party one is listed, not accused.
                    _ if third => ("unknown".into(), String::new(), String::new(), true, "none"),
                    _ => (
                        "unknown".into(),
                        String::new(),
                        String::new(),
                        false,
                        "unknown",
                    ),
                },
            };
            cookies.push(CookieFact {
                name: c.name.clone(),
                domain: c.domain.clone(),
                party: if third { "third" } else { "first" }.to_string(),
                third_party: third,
                lifetime_days: lifetime,
                declared_lifetime_days: c.declared_lifetime_days.unwrap_or(0.0),
                session: c.lifetime_days.is_none(),
                over_13_months: lifetime > THIRTEEN_MONTHS_DAYS,
                known: known.is_some(),
                list: known
                    .map(|e| e.list.as_str())
                    .unwrap_or_default()
                    .to_string(),
                owner,
                category,
                purpose,
                consent_required: consent_required && c.blocked.is_none(),
                exemption: exemption.to_string(),
                source: match c.source {
                    CookieSource::Header => "header",
                    CookieSource::Script => "script",
                }
                .to_string(),
                set_by: c.set_by.clone(),
                tracker_company: tracker.map(|t| t.company.clone()).unwrap_or_default(),
                blocked: c.blocked.is_some(),
            });
        }
        let storage: Vec<StorageFact> = v
            .storage
            .iter()
            .map(|s| StorageFact {
                origin: s.origin.clone(),
                kind: match s.kind {
                    StorageKind::Local => "local",
                    StorageKind::Session => "session",
                }
                .to_string(),
                key: s.key.clone(),
                third_party: s.party == Party::Third,
                identifier: looks_like_identifier(&s.value),
            })
            .collect();
        let consent_cookies: Vec<&CookieFact> =
            cookies.iter().filter(|c| c.consent_required).collect();
        let companies: BTreeSet<String> = trackers
            .iter()
            .filter(|t| t.consent_required && !t.company.is_empty())
            .map(|t| t.company.clone())
            .collect();
        VisitFacts {
            ran: true,
            choice_made: chose,
            status: match v.status {
                VisitStatus::Complete => "complete",
                VisitStatus::Partial => "partial",
                VisitStatus::Failed => "failed",
            }
            .to_string(),
            requests: requests.len() as u32,
            cookie_count: cookies.iter().filter(|c| !c.blocked).count() as u32,
            consent_cookie_count: consent_cookies.len() as u32,
            third_party_cookie_count: cookies
                .iter()
                .filter(|c| c.third_party && !c.blocked)
                .count() as u32,
            max_consent_cookie_lifetime_days: consent_cookies
                .iter()
                .map(|c| c.lifetime_days)
                .fold(0.0, f64::max),
            tracker_count: trackers.iter().filter(|t| t.consent_required).count() as u32,
            tracker_companies: companies.into_iter().collect(),
            third_party_domain_count: third_hosts
                .iter()
                .map(|h| registrable_domain(h))
                .collect::<BTreeSet<_>>()
                .len() as u32,
            third_party_host_count: third_hosts.len() as u32,
            third_party_hosts: third_hosts.into_iter().collect(),
            storage_identifier_count: storage.iter().filter(|s| s.identifier).count() as u32,
            storage,
            trackers,
            referenced_trackers,
            consent_signalled: !consent_signals.is_empty(),
            banner_rechecked: chose && v.banner_recheck.is_some(),
            banner_shown_again: chose && v.banner_recheck.as_ref().is_some_and(|r| r.shown),
            consent_signals,
            cookies,
            tcf: self.tcf_facts(v, chose),
            withdrawal_link: v
                .banner_recheck
                .as_ref()
                .is_some_and(|r| chose && !r.reopen.is_empty()),
            withdrawal_label: v
                .banner_recheck
                .as_ref()
                .filter(|_| chose)
                .and_then(|r| r.reopen.first())
                .map(|l| l.text.clone())
                .unwrap_or_default(),
            weight: weight::weigh(requests.iter().copied()),
            choice_storage: if chose {
                let mut keys: Vec<String> = v
                    .storage
                    .iter()
                    .filter(|s| s.party == Party::First && s.kind == StorageKind::Local)
                    .filter(|s| {
                        !scope
                            .first_storage
                            .contains(&(s.origin.as_str(), s.key.as_str()))
                    })
                    .map(|s| s.key.clone())
                    .collect();
                keys.sort();
                keys.dedup();
                keys
            } else {
                Vec::new()
            },
            choice_cookie_days: if chose {
                visit_cookies
                    .iter()
                    .filter(|c| c.party == Party::First && c.blocked.is_none())
                    .map(|c| c.lifetime_days.unwrap_or(0.0))
                    .reduce(f64::max)
                    .unwrap_or(-1.0)
            } else {
                -1.0
            },
        }
    }

    /// The TCF signal of a visit: on arrival for the first visit, after
    /// the click for the others.
    fn tcf_facts(&self, v: &Visit, chose: bool) -> TcfFacts {
        let moment = if chose { "after_choice" } else { "load" };
        tcf::pick(&v.tcf, moment)
            .map(tcf::decode)
            .unwrap_or_default()
    }
}

fn banner_facts(v: &Visit, ev: &Evidence) -> BannerFacts {
    let b = &v.banner;
    let first = |role: ButtonRole| {
        b.buttons
            .iter()
            .filter(move |x| x.role == role && x.layer == 1)
    };
    let labels = |role: ButtonRole| first(role).map(|x| x.label.clone()).collect::<Vec<_>>();
    let rejects: Vec<_> = first(ButtonRole::Reject).collect();
    let ratio = |f: &dyn Fn(&crate::evidence::ButtonStyle) -> f64| -> f64 {
        let r = rejects.first().and_then(|x| x.style.as_ref());
        let a = first(ButtonRole::Accept)
            .next()
            .and_then(|x| x.style.as_ref());
        match (r, a) {
            (Some(r), Some(a)) if f(a) > 0.0 => ((f(r) / f(a)) * 1000.0).round() / 1000.0,
            _ => -1.0,
        }
    };
    // Clicks are measured in the consent visits.
    let actions = || ev.visits.iter().filter_map(|x| x.consent_action.as_ref());
    let done = |role: ButtonRole| actions().find(|a| a.choice == role && a.succeeded);
    let clicks = |role: ButtonRole| -> i64 { done(role).map_or(-1, |a| a.clicks.len() as i64) };
    let path = |role: ButtonRole| done(role).map(|a| a.clicks.clone()).unwrap_or_default();
    BannerFacts {
        status: match b.status {
            BannerStatus::Present => "present",
            BannerStatus::Absent => "absent",
            BannerStatus::NotDeterminable => "not_determinable",
        }
        .to_string(),
        present: b.status == BannerStatus::Present,
        determinable: b.status != BannerStatus::NotDeterminable,
        cmp: b.cmp.clone().unwrap_or_default(),
        language: b.language.clone().unwrap_or_default(),
        first_level_reject: !rejects.is_empty(),
        first_level_accept: first(ButtonRole::Accept).next().is_some(),
        first_level_settings: first(ButtonRole::Settings).next().is_some(),
        first_level_close: first(ButtonRole::Close).next().is_some(),
        layers_determinable: !b.buttons.iter().any(|x| x.layer == 0),
        deeper_reject: rejects.is_empty()
            && b.buttons
                .iter()
                .any(|x| x.role == ButtonRole::Reject && x.layer == 2),
        reject_only_inline_link: !rejects.is_empty() && rejects.iter().all(|x| x.inline_link),
        reject_labels: labels(ButtonRole::Reject),
        accept_labels: labels(ButtonRole::Accept),
        settings_labels: labels(ButtonRole::Settings),
        reject_clicks: clicks(ButtonRole::Reject),
        accept_clicks: clicks(ButtonRole::Accept),
        reject_to_accept_contrast: ratio(&|s| s.contrast),
        reject_to_accept_area: ratio(&|s| s.width * s.height),
        preticked_purposes: actions()
            .flat_map(|a| a.preticked.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        reject_path: path(ButtonRole::Reject),
        accept_path: path(ButtonRole::Accept),
    }
}

/// Does a stored value look like a unique identifier (long, mixed, not a
/// word or a flag)? UUIDs, hex or base64 ids, long numbers.
pub fn looks_like_identifier(value: &str) -> bool {
    let v = value.trim_matches('"');
    if v.len() < 12 || v.len() > 512 || v.contains(' ') {
        return false;
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let alnum = v.chars().filter(char::is_ascii_alphanumeric).count();
    alnum * 10 >= v.len() * 8 && digits >= 4 && !matches!(v, "true" | "false" | "null")
}

/// What judging one visit needs to know about the whole site.
struct VisitScope<'a> {
    /// The profile lets audience measurement go without consent (the CNIL's
    /// exemption, the Dutch AP's "analytical cookies"); elsewhere it needs
    /// consent like any other tracker.
    audience_exemption: bool,
    /// Third-party hosts that serve the consent banner in a frame.
    banner_hosts: Vec<String>,
    /// Web-storage entries (origin, key) of the first visit, which made no
    /// choice: entries a choice visit has beyond them were written by the
    /// choice (or by what it switched on).
    first_storage: BTreeSet<(&'a str, &'a str)>,
}

impl VisitScope<'_> {
    /// A cookie domain that covers a host serving the banner's frame.
    fn serves_banner(&self, cookie_domain: &str) -> bool {
        let d = cookie_domain.trim_start_matches('.').to_ascii_lowercase();
        self.banner_hosts
            .iter()
            .any(|h| crate::knowledge::host_within(h, &d))
    }
}

/// Hosts of the frames a banner was found in, in any visit (the banner's
/// `location` is the frame URL when it lives in an iframe).
fn banner_hosts(ev: &Evidence) -> Vec<String> {
    let mut hosts: Vec<String> = ev
        .visits
        .iter()
        .filter_map(|v| v.banner.location.as_deref())
        .filter_map(|l| url::Url::parse(l).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}
