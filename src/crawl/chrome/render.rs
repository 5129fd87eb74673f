//! What a visitor can see and click, read from the browser's layout.
//!
//! One `DOMSnapshot.captureSnapshot` call returns, for every node of every
//! in-process frame (closed shadow roots included), its layout box and a
//! few computed styles, and whether it responds to clicks (a click
//! listener, an `onclick` attribute, a link). From it we tell, by
//! `backendNodeId`:
//!
//! - **hidden** elements: not rendered (`display: none`, the `hidden`
//!   attribute, or inside such an element), `visibility: hidden`,
//!   `opacity: 0` (itself or an ancestor), clipped to nothing (a box of at
//!   most 1 px with `overflow: hidden`, or inside one), placed at negative
//!   coordinates no scrolling reaches (`left: -9999px`), or in a
//!   `position: fixed` layer outside the viewport. `aria-hidden` is read
//!   from the markup by the banner detector.
//! - **clickable** elements that are not buttons in the markup (`div`,
//!   `span`, `li`...): those with a click listener of their own, and those
//!   drawn with a pointer cursor inside an element that listens for clicks
//!   (a listener on a container, the usual event delegation), and those
//!   reached by keyboard (`tabindex`) that listen for keys
//!   (`DOMDebugger.getEventListeners`, for at most
//!   [`KEYBOARD_CHECKS`] of them). A pointer cursor alone, or a `tabindex`
//!   alone, with no listener, is not a button.
//!
//! The flattened DOM carries both as attributes
//! (`data-barometer-hidden`, `data-barometer-click`), so the detector
//! shared with the http engine reads the page as it is shown.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use super::wire::Devtools;
use headless_chrome::protocol::cdp::types::Method;

/// Computed styles asked for, in this order.
const STYLES: [&str; 7] = [
    "display",
    "visibility",
    "opacity",
    "cursor",
    "overflow-x",
    "overflow-y",
    "position",
];

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CaptureSnapshot {
    computed_styles: Vec<&'static str>,
}
impl Method for CaptureSnapshot {
    const NAME: &'static str = "DOMSnapshot.captureSnapshot";
    type ReturnObject = Value;
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GetEventListeners {
    object_id: String,
}
impl Method for GetEventListeners {
    const NAME: &'static str = "DOMDebugger.getEventListeners";
    type ReturnObject = Value;
}

/// Most `tabindex` elements asked for their key listeners per look at the
/// page (each costs two DevTools calls).
pub const KEYBOARD_CHECKS: usize = 20;

#[derive(Debug, Serialize)]
struct LayoutMetrics {}
impl Method for LayoutMetrics {
    const NAME: &'static str = "Page.getLayoutMetrics";
    type ReturnObject = Value;
}

/// Hidden and clickable elements, by `backendNodeId`. Empty when the
/// browser would not answer: then nothing is marked, and the page is read
/// as its markup says.
#[derive(Debug, Default)]
pub struct Rendering {
    pub hidden: HashSet<i64>,
    pub clickable: HashSet<i64>,
    /// Shown elements with a `tabindex` and no click listener: buttons if
    /// they listen for keys.
    pub keyboard: Vec<i64>,
}

/// Read the layout of the page now shown.
pub(super) fn capture(tab: &Devtools) -> Rendering {
    let Ok(snap) = tab.call(CaptureSnapshot {
        computed_styles: STYLES.to_vec(),
    }) else {
        return Rendering::default();
    };
    let viewport = tab.call(LayoutMetrics {}).ok().and_then(|m| {
        let v = &m["cssLayoutViewport"];
        Some((v["clientWidth"].as_f64()?, v["clientHeight"].as_f64()?))
    });
    let mut rendering = from_snapshot(&snap, viewport);
    for node in std::mem::take(&mut rendering.keyboard)
        .into_iter()
        .take(KEYBOARD_CHECKS)
    {
        if listens_for_keys(tab, node) {
            rendering.clickable.insert(node);
        }
    }
    rendering
}

fn listens_for_keys(tab: &Devtools, node: i64) -> bool {
    let Some(object_id) = tab
        .call(super::cdp::ResolveNode {
            backend_node_id: node,
        })
        .ok()
        .and_then(|o| o["object"]["objectId"].as_str().map(str::to_string))
    else {
        return false;
    };
    tab.call(GetEventListeners { object_id })
        .ok()
        .and_then(|r| {
            r["listeners"].as_array().map(|l| {
                l.iter()
                    .any(|x| matches!(x["type"].as_str(), Some("keydown" | "keyup" | "keypress")))
            })
        })
        .unwrap_or(false)
}

/// Elements whose markup already makes them buttons: they need no mark.
fn native_clickable(name: &str, role: Option<&str>) -> bool {
    matches!(
        name,
        "a" | "button"
            | "input"
            | "select"
            | "textarea"
            | "label"
            | "option"
            | "summary"
            | "html"
            | "body"
    ) || role == Some("button")
}

/// The rendering facts of a `DOMSnapshot.captureSnapshot` answer;
/// `viewport` is the main frame's (width, height) in CSS pixels.
pub fn from_snapshot(snap: &Value, viewport: Option<(f64, f64)>) -> Rendering {
    let mut out = Rendering::default();
    let strings: Vec<&str> = snap["strings"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    let string = |v: &Value| -> &str {
        v.as_i64()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| strings.get(i).copied())
            .unwrap_or("")
    };
    let Some(documents) = snap["documents"].as_array() else {
        return out;
    };
    // A frame's document starts gone when its <iframe> is: (document
    // index) -> gone, filled as parents are read (they come first).
    let mut frame_gone: Vec<Option<bool>> = vec![None; documents.len()];
    for (di, doc) in documents.iter().enumerate() {
        let nodes = &doc["nodes"];
        let parents: Vec<i64> = ints(&nodes["parentIndex"]);
        let n = parents.len();
        let types = ints(&nodes["nodeType"]);
        let names: Vec<String> = nodes["nodeName"]
            .as_array()
            .map(|a| a.iter().map(|v| string(v).to_ascii_lowercase()).collect())
            .unwrap_or_default();
        let ids = ints(&nodes["backendNodeId"]);
        let attributes = nodes["attributes"].as_array();
        let attr = |i: usize, name: &str| -> Option<&str> {
            let list = attributes?.get(i)?.as_array()?;
            list.chunks(2)
                .find(|p| string(&p[0]).eq_ignore_ascii_case(name))
                .and_then(|p| p.get(1))
                .map(&string)
        };
        let listens: HashSet<usize> = ints(&nodes["isClickable"]["index"])
            .into_iter()
            .filter_map(|i| usize::try_from(i).ok())
            .collect();
        let frames: Vec<(usize, usize)> = {
            let idx = ints(&nodes["contentDocumentIndex"]["index"]);
            let val = ints(&nodes["contentDocumentIndex"]["value"]);
            idx.iter()
                .zip(val.iter())
                .filter_map(|(&i, &v)| Some((usize::try_from(i).ok()?, usize::try_from(v).ok()?)))
                .collect()
        };
        let layout = &doc["layout"];
        let mut box_of: Vec<Option<usize>> = vec![None; n];
        for (li, ni) in ints(&layout["nodeIndex"]).into_iter().enumerate() {
            if let Some(slot) = usize::try_from(ni).ok().and_then(|i| box_of.get_mut(i)) {
                *slot = Some(li);
            }
        }
        let styles = layout["styles"].as_array();
        let style = |li: usize, k: usize| -> &str {
            styles
                .and_then(|s| s.get(li))
                .and_then(|s| s.get(k))
                .map(&string)
                .unwrap_or("")
        };
        let bounds = layout["bounds"].as_array();
        let rect = |li: usize| -> Option<(f64, f64, f64, f64)> {
            let b = bounds?.get(li)?.as_array()?;
            Some((
                b.first()?.as_f64()?,
                b.get(1)?.as_f64()?,
                b.get(2)?.as_f64()?,
                b.get(3)?.as_f64()?,
            ))
        };
        let scroll = (
            doc["scrollOffsetX"].as_f64().unwrap_or(0.0),
            doc["scrollOffsetY"].as_f64().unwrap_or(0.0),
        );
        // Anything laid out at or below each node (an element with
        // `display: contents` has no box of its own, its children do).
        let mut laid_below = vec![false; n];
        for i in (0..n).rev() {
            if box_of[i].is_some() {
                laid_below[i] = true;
            }
            if laid_below[i] {
                if let Some(p) = parent(&parents, i) {
                    laid_below[p] = true;
                }
            }
        }
        let mut gone = vec![false; n];
        let mut invisible = vec![false; n];
        let mut fixed = vec![false; n];
        let mut pointer = vec![false; n];
        let mut listener = vec![false; n];
        let root_gone = frame_gone[di].unwrap_or(false);
        for i in 0..n {
            let p = parent(&parents, i).filter(|&p| p < i);
            let (p_gone, p_invisible, p_fixed, p_pointer, p_listener) = match p {
                Some(p) => (gone[p], invisible[p], fixed[p], pointer[p], listener[p]),
                None => (root_gone, false, false, false, false),
            };
            let name = names.get(i).map(String::as_str).unwrap_or("");
            let element = types.get(i) == Some(&1);
            gone[i] = p_gone;
            invisible[i] = p_invisible;
            fixed[i] = p_fixed;
            pointer[i] = p_pointer;
            listener[i] = p_listener;
            if !element {
                continue;
            }
            match box_of[i] {
                None => {
                    if !laid_below[i] && name != "head" {
                        gone[i] = true;
                    }
                }
                Some(li) => {
                    invisible[i] = !matches!(style(li, 1), "visible" | "");
                    fixed[i] = p_fixed || style(li, 6) == "fixed";
                    pointer[i] = style(li, 3) == "pointer";
                    let clips = |k: usize| matches!(style(li, k), "hidden" | "clip");
                    if style(li, 2).parse::<f64>().is_ok_and(|o| o <= 0.0) {
                        gone[i] = true;
                    }
                    if let Some((x, y, w, h)) = rect(li) {
                        if (clips(4) && w <= 1.0) || (clips(5) && h <= 1.0) {
                            gone[i] = true;
                        }
                        // Out at negative coordinates: no scrolling reaches it.
                        if (x < 0.0 && x + w <= 0.0) || (y < 0.0 && y + h <= 0.0) {
                            gone[i] = true;
                        }
                        // A fixed layer outside the viewport stays there.
                        if let (true, 0, Some((vw, vh))) = (fixed[i], di, viewport) {
                            let (sx, sy) = scroll;
                            if w > 0.0
                                && h > 0.0
                                && (x >= sx + vw || y >= sy + vh || x + w <= sx || y + h <= sy)
                            {
                                gone[i] = true;
                            }
                        }
                    }
                }
            }
            let top = matches!(name, "html" | "body");
            let own_listener = listens.contains(&i) && !top;
            listener[i] = p_listener || own_listener;
            let Some(&id) = ids.get(i) else { continue };
            if gone[i] || invisible[i] {
                out.hidden.insert(id);
                continue;
            }
            if native_clickable(name, attr(i, "role")) {
                continue;
            }
            // Its own listener, or the outermost pointer-cursor element
            // inside a listening container.
            if own_listener || (pointer[i] && !p_pointer && p_listener) {
                out.clickable.insert(id);
            } else if attr(i, "tabindex")
                .and_then(|t| t.trim().parse::<i64>().ok())
                .is_some_and(|t| t >= 0)
            {
                out.keyboard.push(id);
            }
        }
        for (node, child_doc) in frames {
            if let Some(slot) = frame_gone.get_mut(child_doc) {
                *slot = Some(gone.get(node).copied().unwrap_or(false));
            }
        }
    }
    out
}

fn parent(parents: &[i64], i: usize) -> Option<usize> {
    parents.get(i).and_then(|&p| usize::try_from(p).ok())
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_i64().unwrap_or(-1)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot in the shape Chromium returns, for a few elements.
    #[test]
    fn hidden_and_clickable_elements() {
        // strings: 0 "", 1 DIV, 2 SPAN, 3 block, 4 visible, 5 "1", 6 auto,
        // 7 static, 8 pointer, 9 hidden, 10 "0", 11 fixed, 12 BUTTON, 13 #text
        let snap = serde_json::json!({
            "strings": ["", "DIV", "SPAN", "block", "visible", "1", "auto", "static",
                        "pointer", "hidden", "0", "fixed", "BUTTON", "#text", "tabindex"],
            "documents": [{
                "scrollOffsetX": 0, "scrollOffsetY": 0,
                "nodes": {
                    // 0 banner (fixed), 1 span with listener, 2 pointer span without,
                    // 3 display:none panel, 4 its button, 5 opacity 0 div,
                    // 6 zero-height clipped div, 7 its text, 8 off-screen div,
                    // 9 visibility hidden span, 10 div listening, 11 pointer span in it
                    "parentIndex": [-1, 0, 0, 0, 3, 0, 0, 6, 0, 0, 0, 10, 0],
                    "nodeType": [1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1],
                    "nodeName": [1, 2, 2, 1, 12, 1, 1, 13, 1, 2, 1, 2, 2],
                    "backendNodeId": [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112],
                    "attributes": [[], [], [], [], [], [], [], [], [], [], [], [], [14, 10]],
                    "isClickable": {"index": [1, 10]}
                },
                "layout": {
                    "nodeIndex": [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12],
                    "styles": [
                        [3, 4, 5, 6, 4, 4, 11],
                        [3, 4, 5, 6, 4, 4, 7],
                        [3, 4, 5, 8, 4, 4, 7],
                        [3, 4, 10, 6, 4, 4, 7],
                        [3, 4, 5, 6, 9, 9, 7],
                        [3, 4, 5, 6, 9, 9, 7],
                        [3, 4, 5, 6, 4, 4, 7],
                        [3, 9, 5, 6, 4, 4, 7],
                        [3, 4, 5, 6, 4, 4, 7],
                        [3, 4, 5, 8, 4, 4, 7],
                        [3, 4, 5, 6, 4, 4, 7]
                    ],
                    "bounds": [
                        [0, 500, 800, 100], [10, 510, 50, 20], [70, 510, 50, 20],
                        [0, 530, 800, 20], [0, 550, 800, 0], [0, 550, 60, 17],
                        [-9991, 560, 40, 18], [130, 510, 40, 20], [0, 570, 800, 20],
                        [10, 570, 40, 20], [60, 570, 40, 20]
                    ]
                }
            }]
        });
        let r = from_snapshot(&snap, Some((800.0, 600.0)));
        let mut hidden: Vec<_> = r.hidden.iter().copied().collect();
        hidden.sort();
        assert_eq!(hidden, [103, 104, 105, 106, 108, 109]);
        let mut clickable: Vec<_> = r.clickable.iter().copied().collect();
        clickable.sort();
        // The listening span, the listening div and the pointer span in
        // it; not the pointer span that nothing listens to.
        assert_eq!(clickable, [101, 110, 111]);
        // A tabindex="0" span: a button only if it listens for keys, which
        // the browser is asked next.
        assert_eq!(r.keyboard, [112]);
        // The same fixed banner pushed below the viewport is hidden.
        let r = from_snapshot(&snap, Some((800.0, 400.0)));
        assert!(r.hidden.contains(&100) && r.hidden.contains(&101));
    }
}
