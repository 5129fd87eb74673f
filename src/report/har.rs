//! HAR 1.2 files, one per visit, from the evidence (so any engine can write
//! them), readable by browser devtools and HAR viewers.
//!
//! The evidence keeps what an audit needs, not everything a HAR can hold:
//! headers, bodies and detailed timings are not recorded, so they are
//! written empty (sizes -1, timings 0) and each entry says so in a comment.

use serde_json::{json, Value};

use crate::evidence::{Evidence, Visit};

/// The HAR document of one visit.
pub fn visit_har(ev: &Evidence, visit: &Visit) -> Value {
    let started = ev.provenance.started_at.to_rfc3339();
    let pages: Vec<Value> = visit
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "startedDateTime": started,
                "id": format!("page_{}", i + 1),
                "title": p.title.clone().unwrap_or_else(|| p.url.clone()),
                "pageTimings": {},
            })
        })
        .collect();
    let page_ref = |url: &str| -> String {
        visit
            .pages
            .iter()
            .position(|p| p.url == url || p.final_url.as_deref() == Some(url))
            .map(|i| format!("page_{}", i + 1))
            .unwrap_or_else(|| "page_1".to_string())
    };
    let entries: Vec<Value> = visit
        .requests
        .iter()
        .map(|r| {
            let query: Vec<Value> = url::Url::parse(&r.url)
                .map(|u| u.query_pairs().map(|(k, v)| json!({"name": k, "value": v})).collect())
                .unwrap_or_default();
            let status = r.status.unwrap_or(0);
            json!({
                "pageref": page_ref(&r.page_url),
                "startedDateTime": r.started_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| started.clone()),
                "time": 0,
                "request": {
                    "method": r.method, "url": r.url, "httpVersion": "",
                    "cookies": r.cookies_sent.iter().map(|c| json!({"name": c, "value": ""})).collect::<Vec<_>>(),
                    "headers": [], "queryString": query, "headersSize": -1, "bodySize": -1,
                },
                "response": {
                    "status": status, "statusText": r.error.clone().unwrap_or_default(), "httpVersion": "",
                    "cookies": [], "headers": [],
                    "content": {"size": -1, "mimeType": ""},
                    "redirectURL": r.redirects.first().map(|x| x.to.clone()).unwrap_or_default(),
                    "headersSize": -1, "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0},
                "_resourceType": r.resource_type.filter_list_name(),
                "comment": format!("{} party; headers, bodies and timings are not recorded by this audit", match r.party {
                    crate::evidence::Party::First => "first",
                    crate::evidence::Party::Third => "third",
                }),
            })
        })
        .collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": ev.provenance.tool, "version": ev.provenance.tool_version},
            "browser": {"name": ev.provenance.engine.to_string(), "version": ev.provenance.browser_version.clone().unwrap_or_default()},
            "pages": pages,
            "entries": entries,
            "comment": format!("{} of {}", visit.kind.as_str(), ev.target.input_url),
        }
    })
}

/// File name for a visit's HAR: `<site>-<visit>.har`.
pub fn file_name(ev: &Evidence, visit: &Visit) -> String {
    let site: String = ev
        .target
        .site
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{site}-{}.har", visit.kind.as_str())
}
