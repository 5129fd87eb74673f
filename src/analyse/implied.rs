//! Implied consent, observed: what browsing alone switches on.
//!
//! The `browsing` visit clicks nothing; it scrolls to the bottom of the home
//! page, then follows one same-site link. Trackers first contacted, or
//! cookies first written, after one of those steps mean the site took
//! browsing for consent (EDPB 05/2020 §86: scrolling or swiping is never
//! consent; Garante 2021). The banner's wording ("by continuing to
//! browse...") is read apart, in `banner_text.implied_consent`.

use std::collections::BTreeSet;

use crate::evidence::{BrowseStep, Visit};
use crate::facts::{ImpliedFacts, VisitFacts};

/// `facts`: the browsing visit's facts (its trackers and cookies needing
/// consent). `first`: the first visit, which loads the same pages without
/// scrolling and without any choice: what it met too, on the same page, was
/// not switched on by browsing (a pixel that every visit meets on
/// `/produits` is tracking before consent, C102's business, not consent
/// inferred from browsing).
pub fn observe(v: &Visit, facts: &VisitFacts, worded: bool, first: Option<&Visit>) -> ImpliedFacts {
    let mut out = ImpliedFacts {
        worded,
        ..Default::default()
    };
    let step =
        |action: &str| -> Option<&BrowseStep> { v.steps.iter().find(|s| s.action == action) };
    let (Some(load), Some(scroll)) = (step("load"), step("scroll")) else {
        return out;
    };
    out.observed = true;
    let navigate = step("navigate");
    let met_first = |host: &str, page: &str| {
        first.is_some_and(|f| {
            f.requests
                .iter()
                .any(|r| r.host == host && same_page(&r.page_url, page))
        })
    };
    let home = v.pages.first().map(|p| p.url.as_str()).unwrap_or_default();
    for t in facts.trackers.iter().filter(|t| t.consent_required) {
        // When was this host first contacted?
        let first = v
            .requests
            .iter()
            .filter(|r| r.host == t.host)
            .filter_map(|r| r.started_at)
            .min();
        let Some(first) = first else { continue };
        // The step that switched it on, and the page it was on then.
        let step = match navigate {
            Some(n) if first >= n.at => Some((&mut out.on_navigation, n.url.as_str())),
            _ if first >= scroll.at => Some((&mut out.on_scroll, home)),
            _ => None,
        };
        if let Some((list, _)) = step.filter(|(_, page)| !met_first(&t.host, page)) {
            list.push(t.host.clone());
        }
    }
    // Cookies the first visit was given too, without scrolling or a choice.
    let first_cookies: BTreeSet<String> = first
        .map(|f| {
            f.cookies
                .iter()
                .map(|c| format!("{}@{}", c.name, c.domain))
                .collect()
        })
        .unwrap_or_default();
    let before: BTreeSet<&str> = load.cookies.iter().map(String::as_str).collect();
    let later: BTreeSet<&str> = v
        .steps
        .iter()
        .filter(|s| s.action != "load")
        .flat_map(|s| s.cookies.iter().map(String::as_str))
        .collect();
    for c in facts
        .cookies
        .iter()
        .filter(|c| c.consent_required && !c.blocked)
    {
        let key = format!("{}@{}", c.name, c.domain);
        if later.contains(key.as_str())
            && !before.contains(key.as_str())
            && !first_cookies.contains(&key)
        {
            out.cookies.push(key);
        }
    }
    out.cookies.sort();
    out.cookies.dedup();
    out.inferred =
        !out.on_scroll.is_empty() || !out.on_navigation.is_empty() || !out.cookies.is_empty();
    out
}

/// Two page URLs name the same page: scheme, host, port, path and query
/// alike (the fragment and a trailing slash aside).
fn same_page(a: &str, b: &str) -> bool {
    let key = |u: &str| {
        url::Url::parse(u).ok().map(|mut u| {
            u.set_fragment(None);
            let path = u.path().trim_end_matches('/').to_string();
            (
                u.origin().ascii_serialization(),
                path,
                u.query().map(str::to_string),
            )
        })
    };
    match (key(a), key(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}
