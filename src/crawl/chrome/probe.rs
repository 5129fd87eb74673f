//! Small scripts run in the page to read what the DOM alone does not say:
//! the IAB TCF API's answer, and how the banner sits over the content.
//!
//! Each script returns one JSON string, parsed here into evidence. They only
//! read: nothing is clicked, typed or submitted.

use serde::Deserialize;
use serde_json::Value;

use super::cdp;
use super::wire::Devtools;
use crate::evidence::{Overlay, TcfReading};

/// Ask every frame that has the IAB TCF API for its TC data.
///
/// - The top window's `__tcfapi`, and same-origin frames' own, are called
///   directly: `getTCData`, and when that has no string yet, the first
///   `addEventListener` callback that has one (a CMP still loading answers
///   later).
/// - Cross-origin frames are asked with the TCF's `postMessage` protocol
///   (`__tcfapiCall` / `__tcfapiReturn`), waiting 300 ms for answers.
///
/// A frame that answers nothing within a second is recorded with an error.
const TCF_JS: &str = r#"(() => new Promise(resolve => {
  const out = [];
  const ask = (api, frameUrl) => new Promise(res => {
    let settled = false;
    const finish = (d, err) => {
      if (settled) return;
      settled = true;
      out.push({ frame_url: frameUrl, data: d || null, error: err || null });
      res();
    };
    try {
      api('getTCData', 2, (d, ok) => {
        if (ok && d && d.tcString) return finish(d);
        try { api('addEventListener', 2, (e, ok2) => { if (ok2 && e && e.tcString) finish(e); }); } catch (x) {}
        setTimeout(() => finish(d, ok ? null : 'getTCData failed'), 400);
      });
    } catch (x) { finish(null, 'the TCF API threw: ' + String(x).slice(0, 200)); }
    setTimeout(() => finish(null, 'no answer within 1 s'), 1000);
  });
  const jobs = [];
  if (typeof window.__tcfapi === 'function') jobs.push(ask(window.__tcfapi, location.href));
  const pending = new Map();
  for (const f of Array.from(document.querySelectorAll('iframe')).slice(0, 50)) {
    const w = f.contentWindow;
    if (!w) continue;
    let api = null;
    try { api = w.__tcfapi; } catch (x) {}
    if (typeof api === 'function') { jobs.push(ask(api, f.src || 'about:srcdoc')); continue; }
    const callId = 'barometer-' + pending.size + '-' + Math.random().toString(36).slice(2);
    pending.set(callId, f.src || 'about:srcdoc');
    try { w.postMessage({ __tcfapiCall: { command: 'getTCData', version: 2, callId } }, '*'); } catch (x) {}
  }
  if (pending.size) {
    jobs.push(new Promise(res => {
      const on = ev => {
        let d = ev.data;
        if (typeof d === 'string') { try { d = JSON.parse(d); } catch (x) { return; } }
        const r = d && d.__tcfapiReturn;
        if (!r || !pending.has(r.callId)) return;
        out.push({ frame_url: pending.get(r.callId), data: r.returnValue || null,
                   error: r.success === false ? 'getTCData failed' : null });
        pending.delete(r.callId);
        if (!pending.size) { removeEventListener('message', on); res(); }
      };
      addEventListener('message', on);
      setTimeout(() => { removeEventListener('message', on); res(); }, 300);
    }));
  }
  // The top window's answer first: it is the one judged.
  Promise.all(jobs).then(() => {
    out.sort((a, b) => (b.frame_url === location.href) - (a.frame_url === location.href));
    resolve(JSON.stringify(out));
  });
}))()"#;

/// How the page under the banner is held: scrolling, coverage of the
/// viewport by fixed layers (a 10 × 10 grid of `elementFromPoint`), and
/// whether the main content is made inert or hidden.
const OVERLAY_JS: &str = r#"(() => {
  const details = [];
  const vw = innerWidth, vh = innerHeight;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '');
  let locked = false;
  for (const el of [document.documentElement, document.body]) {
    if (!el) continue;
    const cs = getComputedStyle(el);
    if (cs.overflowY === 'hidden' || cs.overflowY === 'clip') {
      locked = true;
      details.push(el.tagName.toLowerCase() + ' has overflow-y: ' + cs.overflowY);
    }
    if (el === document.body && cs.position === 'fixed') {
      locked = true;
      details.push('body has position: fixed');
    }
  }
  const up = el => el.parentElement || (el.getRootNode && el.getRootNode().host) || null;
  const layerOf = el => {
    for (let a = el; a && a !== document.body && a !== document.documentElement; a = up(a)) {
      if (getComputedStyle(a).position === 'fixed' || (a.tagName === 'DIALOG' && a.open)) return a;
    }
    return null;
  };
  let covered = 0;
  const layers = new Map();
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) {
    const el = document.elementFromPoint((i + 0.5) * vw / 10, (j + 0.5) * vh / 10);
    const layer = el && layerOf(el);
    if (layer) { covered++; layers.set(layer, (layers.get(layer) || 0) + 1); }
  }
  const biggest = [...layers.entries()].sort((a, b) => b[1] - a[1])[0];
  if (biggest && biggest[1] >= 30) details.push(name(biggest[0]) + ' covers ' + biggest[1] + '% of the viewport');
  let inert = false;
  const body = document.body;
  const main = document.querySelector('main, [role=main]');
  const content = main ? [main] : (body ? Array.from(body.children).filter(e => {
    const cs = getComputedStyle(e), r = e.getBoundingClientRect();
    return cs.position !== 'fixed' && r.width * r.height > 0.3 * vw * vh;
  }) : []);
  for (const el of content) {
    for (let a = el; a; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const why = a.inert ? 'inert' : a.getAttribute('aria-hidden') === 'true' ? 'aria-hidden="true"'
        : cs.pointerEvents === 'none' ? 'pointer-events: none' : /blur\(/.test(cs.filter) ? 'filter: ' + cs.filter
        : cs.visibility === 'hidden' ? 'visibility: hidden' : cs.display === 'none' ? 'display: none' : null;
      if (why) { inert = true; details.push(name(a) + ' is made unreachable (' + why + ')'); break; }
    }
    if (inert) break;
  }
  return JSON.stringify({ scroll_locked: locked, coverage: covered / 100, content_inert: inert, details });
})()"#;

/// Scroll to the bottom of the page, twice (pages that grow as they scroll).
const SCROLL_JS: &str = r#"(() => new Promise(resolve => {
  const bottom = () => window.scrollTo(0, Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0));
  bottom();
  setTimeout(() => { bottom(); resolve(window.scrollY); }, 300);
}))()"#;

#[derive(Deserialize)]
struct RawTcf {
    frame_url: String,
    data: Option<Value>,
    error: Option<String>,
}

fn evaluate(tab: &Devtools, expression: &'static str) -> Result<String, String> {
    let v = tab
        .call(cdp::EvaluateAwait {
            expression,
            return_by_value: true,
            await_promise: true,
        })
        .map_err(|e| e.to_string())?;
    if let Some(text) = v["exceptionDetails"]["exception"]["description"].as_str() {
        return Err(text.lines().next().unwrap_or(text).to_string());
    }
    v["result"]["value"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "the script returned nothing".to_string())
}

/// The TCF answers of the page now loaded; `moment` is `load` or
/// `after_choice`.
pub(super) fn tcf(tab: &Devtools, moment: &str) -> Vec<TcfReading> {
    let raw: Vec<RawTcf> = match evaluate(tab, TCF_JS)
        .and_then(|s| serde_json::from_str(&s).map_err(|e| format!("unexpected TCF answer: {e}")))
    {
        Ok(raw) => raw,
        Err(e) => {
            return vec![TcfReading {
                moment: moment.into(),
                frame_url: String::new(),
                event_status: String::new(),
                cmp_id: None,
                gdpr_applies: None,
                tc_string: String::new(),
                error: Some(e),
            }]
        }
    };
    raw.into_iter().map(|r| reading(r, moment)).collect()
}

fn reading(r: RawTcf, moment: &str) -> TcfReading {
    let d = r.data.unwrap_or(Value::Null);
    let text = |k: &str, max: usize| {
        d[k].as_str()
            .map(|s| s.chars().take(max).collect::<String>())
            .unwrap_or_default()
    };
    TcfReading {
        moment: moment.into(),
        frame_url: r.frame_url.chars().take(500).collect(),
        event_status: text("eventStatus", 40),
        cmp_id: d["cmpId"].as_u64().and_then(|n| u32::try_from(n).ok()),
        gdpr_applies: d["gdprApplies"].as_bool(),
        tc_string: text("tcString", 4000),
        error: r.error.map(|e| e.chars().take(300).collect()),
    }
}

/// Measure the page under the banner.
pub(super) fn overlay(tab: &Devtools) -> Option<Overlay> {
    let text = evaluate(tab, OVERLAY_JS).ok()?;
    let mut o: Overlay = serde_json::from_str(&text).ok()?;
    o.coverage = o.coverage.clamp(0.0, 1.0);
    o.details.truncate(10);
    Some(o)
}

/// Scroll to the bottom; errors are ignored (a page that cannot scroll has
/// nothing below).
pub(super) fn scroll_to_bottom(tab: &Devtools) {
    let _ = evaluate(tab, SCROLL_JS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_bounded_and_typed() {
        let r = reading(
            RawTcf {
                frame_url: "https://a.test/".into(),
                data: Some(serde_json::json!({
                    "eventStatus": "tcloaded", "cmpId": 7, "gdprApplies": true,
                    "tcString": "x".repeat(10_000)
                })),
                error: None,
            },
            "load",
        );
        assert_eq!(r.event_status, "tcloaded");
        assert_eq!(r.cmp_id, Some(7));
        assert_eq!(r.gdpr_applies, Some(true));
        assert_eq!(r.tc_string.len(), 4000);
        let empty = reading(
            RawTcf {
                frame_url: "f".into(),
                data: None,
                error: Some("no answer within 1 s".into()),
            },
            "after_choice",
        );
        assert_eq!(empty.moment, "after_choice");
        assert!(empty.tc_string.is_empty());
        assert_eq!(empty.error.as_deref(), Some("no answer within 1 s"));
    }
}
