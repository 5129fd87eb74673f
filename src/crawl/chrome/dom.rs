//! Measuring and clicking elements of the rendered page.

use super::wire::Devtools;
use serde_json::Value;

use super::browser::Session;
use super::cdp;
use crate::evidence::ButtonStyle;

/// `(x, y, width, height)` of an element's border box, if it is rendered.
pub(super) fn box_of(tab: &Devtools, node: i64) -> Option<(f64, f64, f64, f64)> {
    let m = tab
        .call(cdp::GetBoxModel {
            backend_node_id: node,
        })
        .ok()?;
    let q: Vec<f64> = m["model"]["border"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if q.len() != 8 {
        return None;
    }
    let xs = [q[0], q[2], q[4], q[6]];
    let ys = [q[1], q[3], q[5], q[7]];
    let x = xs.iter().cloned().fold(f64::MAX, f64::min);
    let y = ys.iter().cloned().fold(f64::MAX, f64::min);
    Some((
        x,
        y,
        xs.iter().cloned().fold(0.0, f64::max) - x,
        ys.iter().cloned().fold(0.0, f64::max) - y,
    ))
}

/// Whether a visitor can see the element now: rendered with a size (what
/// [`box_of`] tells), not `visibility: hidden`, not faded to `opacity: 0`
/// (itself or an ancestor, as `checkVisibility` reads them), and not pushed
/// out of the viewport inside a fixed layer (which no scrolling brings
/// back; a banner further down a page is still shown). Consent platforms hide a banner
/// they are done with in all these ways, and keep its markup: markup alone
/// is never "shown". `None` when the page would not answer.
pub(super) fn shown(tab: &Devtools, node: i64) -> Option<bool> {
    let obj = tab
        .call(cdp::ResolveNode {
            backend_node_id: node,
        })
        .ok()?;
    let object_id = obj["object"]["objectId"].as_str()?.to_string();
    let f = "function() { \
             if (this.checkVisibility && !this.checkVisibility({opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true})) return false; \
             let r = this.getBoundingClientRect(); if (r.width <= 1 || r.height <= 1) return false; \
             let w = this.ownerDocument.defaultView; \
             if (r.bottom > 0 && r.right > 0 && r.top < w.innerHeight && r.left < w.innerWidth) return true; \
             for (let e = this; e && e.nodeType === 1; e = e.parentElement) { \
               if (getComputedStyle(e).position === 'fixed') return false; } \
             return true; }";
    let r = tab
        .call(cdp::CallFunctionOn {
            object_id,
            function_declaration: f.to_string(),
            return_by_value: true,
        })
        .ok()?;
    r["result"]["value"].as_bool()
}

/// Colours and contrast of a button, from its computed style.
pub(super) fn style_of(tab: &Devtools, node: i64, w: f64, h: f64) -> Option<ButtonStyle> {
    let obj = tab
        .call(cdp::ResolveNode {
            backend_node_id: node,
        })
        .ok()?;
    let object_id = obj["object"]["objectId"].as_str()?.to_string();
    let f = "function() { let s = getComputedStyle(this); let bg = 'rgba(0, 0, 0, 0)'; \
             for (let e = this; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) { \
               let c = getComputedStyle(e).backgroundColor; if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; } } \
             return [s.color, bg, parseFloat(s.fontSize)]; }";
    let r = tab
        .call(cdp::CallFunctionOn {
            object_id,
            function_declaration: f.to_string(),
            return_by_value: true,
        })
        .ok()?;
    let v = r["result"]["value"].as_array()?;
    let color = v.first()?.as_str()?.to_string();
    let background = v
        .get(1)?
        .as_str()
        .unwrap_or("rgb(255, 255, 255)")
        .to_string();
    let background = if background == "rgba(0, 0, 0, 0)" {
        "rgb(255, 255, 255)".to_string()
    } else {
        background
    };
    let contrast = contrast_ratio(&color, &background).unwrap_or(1.0);
    Some(ButtonStyle {
        width: w.round(),
        height: h.round(),
        color,
        background,
        font_size_px: v.get(2)?.as_f64().unwrap_or(0.0),
        contrast,
    })
}

/// WCAG 2 contrast ratio of two CSS `rgb()`/`rgba()` colours.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    fn lum(c: &str) -> Option<f64> {
        let inner = c.split_once('(')?.1.trim_end_matches(')');
        let parts: Vec<f64> = inner
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .take(3)
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        let f = |v: f64| {
            let v = v / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        Some(0.2126 * f(parts[0]) + 0.7152 * f(parts[1]) + 0.0722 * f(parts[2]))
    }
    let (la, lb) = (lum(a)?, lum(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some(((hi + 0.05) / (lo + 0.05) * 100.0).round() / 100.0)
}

/// A trusted click in the middle of an element.
/// Whether a checkbox or switch is on now (its live state: a script may
/// have ticked it after load). Disabled ones (strictly necessary purposes)
/// count as off: they cannot be changed.
pub(super) fn is_on(tab: &Devtools, node: i64) -> Option<bool> {
    let obj = tab
        .call(cdp::ResolveNode {
            backend_node_id: node,
        })
        .ok()?;
    let object_id = obj["object"]["objectId"].as_str()?.to_string();
    let f = "function() { if (this.disabled || this.getAttribute('aria-disabled') === 'true') return false; \
             if (this.type === 'checkbox') return this.checked; \
             return this.getAttribute('aria-checked') === 'true'; }";
    let r = tab
        .call(cdp::CallFunctionOn {
            object_id,
            function_declaration: f.to_string(),
            return_by_value: true,
        })
        .ok()?;
    r["result"]["value"].as_bool()
}

/// The toggles of a settings layer, in the flattened page: checkboxes and
/// switches inside the banner container (`selector`, as banner detection
/// describes it), with the node to click (the input, or its label when the
/// input itself is hidden behind a styled slider) and a label.
pub(super) fn toggles(flat: &str, selector: Option<&str>) -> Vec<(i64, Option<i64>, String)> {
    use scraper::{ElementRef, Html, Selector};
    let doc = Html::parse_document(flat);
    let Ok(toggle) = Selector::parse("input[type=checkbox], [role=switch], [role=checkbox]") else {
        return Vec::new();
    };
    let container = selector
        .and_then(|s| Selector::parse(s).ok())
        .and_then(|s| doc.select(&s).next());
    let root = container.unwrap_or_else(|| doc.root_element());
    let node_of = |e: ElementRef<'_>| {
        e.value()
            .attr("data-barometer-node")
            .and_then(|n| n.parse::<i64>().ok())
    };
    root.select(&toggle)
        .filter_map(|el| {
            let node = node_of(el)?;
            let label_el = el
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "label");
            let label = el
                .value()
                .attr("aria-label")
                .map(str::to_string)
                .or_else(|| label_el.map(|l| l.text().collect::<String>()))
                .unwrap_or_else(|| el.text().collect::<String>());
            let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
            Some((node, label_el.and_then(node_of), label))
        })
        .collect()
}

pub(super) fn click(s: &Session, node: i64) -> Result<(), String> {
    let tab = &s.tab;
    let _ = tab.call(cdp::ScrollIntoView {
        backend_node_id: node,
    });
    let (x, y, w, h) = s.page_box(node).ok_or("the element is not on screen")?;
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
        tab.call(cdp::MouseEvent {
            r#type: kind,
            x: cx,
            y: cy,
            button: if kind == "mouseMoved" { "none" } else { "left" },
            click_count: 1,
        })
        .map_err(|e| format!("click failed: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn contrast() {
        assert_eq!(
            super::contrast_ratio("rgb(0, 0, 0)", "rgb(255, 255, 255)"),
            Some(21.0)
        );
        assert_eq!(
            super::contrast_ratio("rgb(119, 119, 119)", "rgb(255, 255, 255)"),
            Some(4.48)
        );
    }
}
