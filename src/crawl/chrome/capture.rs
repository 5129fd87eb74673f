//! What the DevTools event listener collects during a visit.

use std::collections::HashMap;

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Network::ResourceType as CdpType;
use serde_json::Value;

use chrono::Utc;

use crate::evidence::ResourceType;

/// One request as the browser reported it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub(super) started_at: Option<chrono::DateTime<Utc>>,
    pub(super) url: String,
    pub(super) method: String,
    pub(super) kind: ResourceType,
    pub(super) page_url: String,
    pub(super) initiator: Option<String>,
    pub(super) status: Option<u16>,
    pub(super) error: Option<String>,
    /// Bytes received for it, headers included (`loadingFinished`).
    pub(super) encoded_bytes: Option<u64>,
    /// Body bytes after decoding, summed over `dataReceived`.
    pub(super) decoded_bytes: u64,
}

/// A cookie line seen before its request.
#[derive(Debug)]
pub(super) enum EarlyCookie {
    SetCookie(String),
    Blocked(String, String),
}

/// What the event listener collects during a visit.
#[derive(Debug, Default)]
pub(super) struct Capture {
    pub(super) requests: Vec<Seen>,
    pub(super) by_id: HashMap<String, usize>,
    /// Raw `Set-Cookie` lines with the URL of the response that carried them.
    pub(super) set_cookie: Vec<(String, String)>,
    /// Cookies the browser refused, with its reasons.
    pub(super) blocked: Vec<(String, String, String)>,
    /// `Set-Cookie` lines and refusals whose `responseReceivedExtraInfo`
    /// came before the request was announced (Chromium does not order the
    /// two): kept by request id until its URL is known.
    pub(super) early: Vec<(String, EarlyCookie)>,
    pub(super) page_url: String,
    pub(super) main_frame: String,
    pub(super) dialogs: u32,
    pub(super) popups: Vec<String>,
    /// The top-level page fired its load event.
    pub(super) loaded: bool,
    /// When the network last did something (a request started, answered,
    /// finished or failed): pages are captured once it has been quiet.
    pub(super) last_network: Option<std::time::Instant>,
    /// Pop-up windows opened, and those closed as they opened.
    pub(super) popups_opened: u32,
    pub(super) popups_closed: u32,
    /// What had to be stopped (see `Visit::limits`).
    pub(super) limits: Vec<String>,
    /// Why the visit was stopped before its end (a byte cap): once set,
    /// nothing more is asked of the page.
    pub(super) stopped: Option<String>,
    /// The page's scripts were stopped and turned off.
    pub(super) scripts_stopped: bool,
    /// Decoded body bytes of the whole visit.
    pub(super) visit_bytes: u64,
    /// Decoded bytes allowed per document (0: no cap); other responses get
    /// four times as much, media (streamed) only count in the visit total.
    pub(super) response_cap: u64,
    /// Decoded bytes allowed for the whole visit (0: no cap).
    pub(super) visit_cap: u64,
}

/// Pop-up URLs kept in the evidence; the rest are only counted.
const POPUP_URLS: usize = 20;

pub(super) fn resource_type(t: Option<&CdpType>, main_frame: bool) -> ResourceType {
    match t {
        Some(CdpType::Document) if main_frame => ResourceType::Document,
        Some(CdpType::Document) => ResourceType::Subdocument,
        Some(CdpType::Stylesheet) => ResourceType::Stylesheet,
        Some(CdpType::Image) => ResourceType::Image,
        Some(CdpType::Media) => ResourceType::Media,
        Some(CdpType::Font) => ResourceType::Font,
        Some(CdpType::Script) => ResourceType::Script,
        Some(CdpType::Xhr) => ResourceType::Xhr,
        Some(CdpType::Fetch) => ResourceType::Fetch,
        Some(CdpType::Ping) => ResourceType::Beacon,
        Some(CdpType::WebSocket) => ResourceType::Websocket,
        _ => ResourceType::Other,
    }
}

impl Capture {
    pub(super) fn on_event(&mut self, event: &Event) {
        if matches!(
            event,
            Event::NetworkRequestWillBeSent(_)
                | Event::NetworkResponseReceived(_)
                | Event::NetworkLoadingFinished(_)
                | Event::NetworkLoadingFailed(_)
        ) {
            self.last_network = Some(std::time::Instant::now());
        }
        match event {
            Event::NetworkRequestWillBeSent(e) => {
                let p = &e.params;
                let id = p.request_id.clone();
                if let (Some(redirect), Some(&i)) = (&p.redirect_response, self.by_id.get(&id)) {
                    self.requests[i].status = Some(redirect.status as u16);
                }
                let main = p.frame_id.as_deref() == Some(self.main_frame.as_str());
                let initiator = p.initiator.url.clone().or_else(|| {
                    p.initiator
                        .stack
                        .as_ref()
                        .and_then(|s| s.call_frames.first().map(|f| f.url.clone()))
                });
                self.requests.push(Seen {
                    started_at: chrono::DateTime::from_timestamp_millis(
                        (p.wall_time * 1000.0) as i64,
                    ),
                    url: p.request.url.clone(),
                    method: p.request.method.clone(),
                    kind: resource_type(p.Type.as_ref(), main),
                    page_url: self.page_url.clone(),
                    initiator: initiator.filter(|u| !u.is_empty()),
                    status: None,
                    error: None,
                    encoded_bytes: None,
                    decoded_bytes: 0,
                });
                // Lines that arrived before the request now get its URL.
                if self.early.iter().any(|(rid, _)| *rid == id) {
                    let url = p.request.url.clone();
                    let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.early)
                        .into_iter()
                        .partition(|(rid, _)| *rid == id);
                    self.early = later;
                    for (_, early) in now {
                        match early {
                            EarlyCookie::SetCookie(line) => {
                                self.set_cookie.push((line, url.clone()))
                            }
                            EarlyCookie::Blocked(line, reasons) => {
                                self.blocked.push((line, url.clone(), reasons))
                            }
                        }
                    }
                }
                self.by_id.insert(id, self.requests.len() - 1);
            }
            Event::NetworkResponseReceived(e) => {
                if let Some(&i) = self.by_id.get(&e.params.request_id) {
                    self.requests[i].status = Some(e.params.response.status as u16);
                }
            }
            Event::NetworkDataReceived(e) => {
                let n = u64::from(e.params.data_length);
                self.visit_bytes += n;
                if let Some(&i) = self.by_id.get(&e.params.request_id) {
                    self.requests[i].decoded_bytes += n;
                    self.check_caps(i);
                } else {
                    self.check_caps(usize::MAX);
                }
            }
            Event::NetworkLoadingFinished(e) => {
                if let Some(&i) = self.by_id.get(&e.params.request_id) {
                    self.requests[i].encoded_bytes =
                        Some(e.params.encoded_data_length.max(0.0) as u64);
                }
            }
            Event::NetworkLoadingFailed(e) => {
                if let Some(&i) = self.by_id.get(&e.params.request_id) {
                    let inspector = e
                        .params
                        .blocked_reason
                        .as_ref()
                        .is_some_and(|r| format!("{r:?}").eq_ignore_ascii_case("inspector"));
                    self.requests[i].error = Some(if inspector {
                        format!(
                            "{}a non-public address and the audited site is public; not fetched (--allow-private lets it through)",
                            crate::net::BLOCKED
                        )
                    } else {
                        e.params.error_text.clone()
                    });
                }
            }
            Event::NetworkResponseReceivedExtraInfo(e) => {
                let id = e.params.request_id.clone();
                let url = self.by_id.get(&id).map(|&i| self.requests[i].url.clone());
                if let Some(headers) = e.params.headers.0.as_ref().and_then(Value::as_object) {
                    for (k, v) in headers {
                        if k.eq_ignore_ascii_case("set-cookie") {
                            for line in v.as_str().unwrap_or("").lines() {
                                match &url {
                                    Some(url) => {
                                        self.set_cookie.push((line.to_string(), url.clone()))
                                    }
                                    None => self.early.push((
                                        id.clone(),
                                        EarlyCookie::SetCookie(line.to_string()),
                                    )),
                                }
                            }
                        }
                    }
                }
                for b in &e.params.blocked_cookies {
                    let reasons = b
                        .blocked_reasons
                        .iter()
                        .map(|r| format!("{r:?}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    match &url {
                        Some(url) => {
                            self.blocked
                                .push((b.cookie_line.clone(), url.clone(), reasons))
                        }
                        None => self.early.push((
                            id.clone(),
                            EarlyCookie::Blocked(b.cookie_line.clone(), reasons),
                        )),
                    }
                }
            }
            Event::PageLoadEventFired(_) => self.loaded = true,
            Event::PageJavascriptDialogOpening(_) => self.dialogs += 1,
            Event::PageWindowOpen(e) if self.popups.len() < POPUP_URLS => {
                self.popups.push(e.params.url.clone())
            }
            _ => {}
        }
    }
}

/// Mebibytes, for messages.
fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

impl Capture {
    /// Note what had to be stopped, once.
    pub(super) fn limit(&mut self, what: String) {
        if !self.limits.contains(&what) {
            self.limits.push(what);
        }
    }

    /// Stop the visit when request `i`, or the visit in all, decoded more
    /// than its cap (a decompression bomb costs a few kilobytes on the wire
    /// and gigabytes in the browser).
    fn check_caps(&mut self, i: usize) {
        if self.stopped.is_some() {
            return;
        }
        let why = match self.requests.get(i) {
            Some(r) if self.response_cap > 0 => {
                let cap = match r.kind {
                    ResourceType::Document | ResourceType::Subdocument => self.response_cap,
                    ResourceType::Media => u64::MAX,
                    _ => self.response_cap.saturating_mul(4),
                };
                (r.decoded_bytes > cap).then(|| {
                    format!(
                        "a response decoded to more than {} ({}): the visit was stopped there",
                        mib(cap),
                        r.url.chars().take(200).collect::<String>()
                    )
                })
            }
            _ => None,
        }
        .or_else(|| {
            (self.visit_cap > 0 && self.visit_bytes > self.visit_cap).then(|| {
                format!(
                    "the visit decoded more than {} of responses: it was stopped there",
                    mib(self.visit_cap)
                )
            })
        });
        if let Some(why) = why {
            self.limit(why.clone());
            self.stopped = Some(why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(v: serde_json::Value) -> Event {
        serde_json::from_value(v).expect("a DevTools event")
    }

    /// Chromium may announce a response's `Set-Cookie` lines before the
    /// request itself: the lines must still get the request's URL, or the
    /// cookie would be taken for one set by script.
    #[test]
    fn set_cookie_lines_announced_before_their_request() {
        let mut c = Capture::default();
        c.on_event(&event(serde_json::json!({
            "method": "Network.responseReceivedExtraInfo",
            "params": {
                "requestId": "7.1",
                "blockedCookies": [],
                "headers": {"Set-Cookie": "fr=abc; Max-Age=60\nother=1"},
                "resourceIPAddressSpace": "Loopback",
                "statusCode": 200
            }
        })));
        assert!(c.set_cookie.is_empty());
        c.on_event(&event(serde_json::json!({
            "method": "Network.requestWillBeSent",
            "params": {
                "requestId": "7.1",
                "loaderId": "L",
                "documentURL": "https://www.site.test/",
                "request": {
                    "url": "https://www.facebook.com/tr?id=1",
                    "method": "GET",
                    "headers": {},
                    "initialPriority": "Low",
                    "referrerPolicy": "strict-origin-when-cross-origin"
                },
                "timestamp": 1.0,
                "wallTime": 1_700_000_000.0,
                "initiator": {"type": "parser"},
                "redirectHasExtraInfo": false,
                "type": "Image"
            }
        })));
        assert_eq!(
            c.set_cookie,
            vec![
                (
                    "fr=abc; Max-Age=60".to_string(),
                    "https://www.facebook.com/tr?id=1".to_string()
                ),
                (
                    "other=1".to_string(),
                    "https://www.facebook.com/tr?id=1".to_string()
                ),
            ]
        );
        assert!(c.early.is_empty());
    }
}
