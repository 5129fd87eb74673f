//! The cookie jar and web storage of a visit.

use std::collections::BTreeSet;

use super::wire::Devtools;
use chrono::Utc;
use serde_json::Value;
use url::Url;

use super::capture::Capture;
use super::cdp;
use crate::crawl::set_cookie;
use crate::evidence::{Cookie, CookieSource, Party, StorageItem, StorageKind};
use crate::party::party;

pub(super) fn all_cookies(tab: &Devtools) -> Vec<Value> {
    tab.call(cdp::GetAllCookies {})
        .ok()
        .and_then(|v| v["cookies"].as_array().cloned())
        .unwrap_or_default()
}

/// Read the whole jar after `page` loaded, and keep it with that page.
pub(super) fn read_jar(jar: &mut Vec<(String, Value)>, tab: &Devtools, page: &Url) {
    jar.extend(all_cookies(tab).into_iter().map(|c| (page.to_string(), c)));
}

/// Cookies of the jar, each marked as set by a header (when a `Set-Cookie`
/// line with its name was seen) or by script; refused ones kept with the
/// browser's reasons. `jar` holds the jar read after each page, with that
/// page. A cookie names the page it was written on: for a header, the page
/// that made the request answering with it; for a script, the first page
/// after which it was in the jar.
pub(super) fn cookies_from(jar: &[(String, Value)], capture: &Capture, site: &str) -> Vec<Cookie> {
    let now = Utc::now();
    let mut out: Vec<Cookie> = Vec::new();
    let mut keys = BTreeSet::new();
    // The page of the first request to each URL, looked up once per cookie.
    let mut pages: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for r in &capture.requests {
        pages.entry(r.url.as_str()).or_insert(r.page_url.as_str());
    }
    let page_of_request = |url: &str| pages.get(url).map(|p| p.to_string());
    let first_page = jar.first().map(|(p, _)| p.clone()).unwrap_or_default();
    for (seen_on, c) in jar {
        let name = c["name"].as_str().unwrap_or_default().to_string();
        let domain = c["domain"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('.')
            .to_string();
        let path = c["path"].as_str().unwrap_or("/").to_string();
        if !keys.insert((name.clone(), domain.clone(), path.clone())) {
            continue;
        }
        let header = capture.set_cookie.iter().find(|(line, url)| {
            line.split('=').next().map(str::trim) == Some(name.as_str())
                && Url::parse(url)
                    .ok()
                    .and_then(|u| {
                        u.host_str()
                            .map(|h| crate::knowledge::host_within(h, &domain))
                    })
                    .unwrap_or(false)
        });
        let session = c["session"].as_bool().unwrap_or(false);
        let lifetime = (!session)
            .then(|| {
                c["expires"]
                    .as_f64()
                    .map(|e| ((e - now.timestamp() as f64) / 86_400.0 * 100.0).round() / 100.0)
            })
            .flatten();
        let page_url = header
            .and_then(|(_, u)| page_of_request(u))
            .unwrap_or_else(|| seen_on.clone());
        let page_url = page_url.as_str();
        let declared = header
            .and_then(|(line, url)| {
                Url::parse(url)
                    .ok()
                    .and_then(|u| set_cookie::parse(line, &u, site, page_url, now).ok())
            })
            .and_then(|p| p.declared_lifetime_days)
            .or(lifetime);
        out.push(Cookie {
            value: set_cookie::cut(c["value"].as_str().unwrap_or_default(), 256),
            host_only: !c["domain"].as_str().unwrap_or_default().starts_with('.'),
            declared_lifetime_days: declared,
            lifetime_days: lifetime,
            secure: c["secure"].as_bool().unwrap_or(false),
            http_only: c["httpOnly"].as_bool().unwrap_or(false),
            same_site: c["sameSite"].as_str().map(str::to_string),
            party: party(&domain, site),
            source: if header.is_some() {
                CookieSource::Header
            } else {
                CookieSource::Script
            },
            set_by: header
                .map(|(_, u)| u.clone())
                .unwrap_or_else(|| page_url.to_string()),
            page_url: page_url.to_string(),
            raw: header.map(|(l, _)| set_cookie::cut(l, 512)),
            blocked: None,
            after_choice: false,
            name,
            domain,
            path,
        });
    }
    for (line, url, reasons) in &capture.blocked {
        let Ok(u) = Url::parse(url) else { continue };
        let page_url = page_of_request(url).unwrap_or_else(|| first_page.clone());
        if let Ok(mut c) = set_cookie::parse(line, &u, site, &page_url, now) {
            if keys.insert((
                c.name.clone(),
                c.domain.clone(),
                format!("blocked:{}", c.path),
            )) {
                c.blocked = Some(reasons.clone());
                out.push(c);
            }
        }
    }
    out
}

/// localStorage and sessionStorage of every frame (partitioned keys of
/// third-party frames included).
pub(super) fn storage_items(tab: &Devtools) -> Vec<StorageItem> {
    let mut frames = Vec::new();
    if let Ok(tree) = tab.call(cdp::GetFrameTree {}) {
        fn walk(node: &Value, out: &mut Vec<(String, String)>) {
            if let (Some(id), Some(origin)) = (
                node["frame"]["id"].as_str(),
                node["frame"]["securityOrigin"].as_str(),
            ) {
                out.push((id.to_string(), origin.to_string()));
            }
            for child in node["childFrames"].as_array().into_iter().flatten() {
                walk(child, out);
            }
        }
        walk(&tree["frameTree"], &mut frames);
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (frame, origin) in frames {
        let Ok(key) = tab.call(cdp::StorageKeyForFrame { frame_id: frame }) else {
            continue;
        };
        let Some(storage_key) = key["storageKey"].as_str().map(str::to_string) else {
            continue;
        };
        if !seen.insert(storage_key.clone()) {
            continue;
        }
        for local in [true, false] {
            let Ok(items) = tab.call(cdp::DomStorageItems {
                storage_id: cdp::StorageId {
                    storage_key: storage_key.clone(),
                    is_local_storage: local,
                },
            }) else {
                continue;
            };
            for entry in items["entries"].as_array().into_iter().flatten() {
                let (Some(k), Some(v)) = (entry[0].as_str(), entry[1].as_str()) else {
                    continue;
                };
                out.push(StorageItem {
                    origin: origin.clone(),
                    kind: if local {
                        StorageKind::Local
                    } else {
                        StorageKind::Session
                    },
                    key: k.to_string(),
                    value: set_cookie::cut(v, 256),
                    party: Party::First,
                    partition: storage_key.contains('^').then(|| storage_key.clone()),
                });
            }
        }
    }
    out
}
