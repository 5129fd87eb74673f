//! Flatten the browser's DOM into one HTML document the banner detector
//! can read.
//!
//! `DOM.getDocument {depth: -1, pierce: true}` returns the rendered tree
//! with open *and closed* shadow roots and the documents of in-process
//! frames. We write it back as HTML where:
//! - a shadow root becomes an `<x-shadow-root data-barometer-in="shadow_root">`
//!   child of its host;
//! - a frame's document becomes an `<x-frame-document data-barometer-in="URL">`
//!   child of its `<iframe>`;
//! - every element carries `data-barometer-node="<backendNodeId>"`, so that
//!   what the detector finds can be measured and clicked;
//! - elements the layout shows hidden carry `data-barometer-hidden`, and
//!   elements that act as buttons without being ones in the markup carry
//!   `data-barometer-click` (see [`super::render`]).
//!
//! Scripts, styles and `<head>` are left out: only what a person can see
//! matters to the banner.

use serde_json::Value;

use super::render::Rendering;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "link", "meta",
];

/// Flatten the `root` of a `DOM.getDocument` answer into HTML.
pub fn flatten(root: &Value, rendering: &Rendering) -> String {
    let mut w = Writer {
        out: String::from("<!doctype html><html><body>"),
        rendering,
    };
    w.node(root, 0);
    w.out.push_str("</body></html>");
    w.out
}

struct Writer<'a> {
    out: String,
    rendering: &'a Rendering,
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

fn valid_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

impl Writer<'_> {
    fn children(&mut self, node: &Value, depth: usize) {
        for child in node["children"].as_array().into_iter().flatten() {
            self.node(child, depth + 1);
        }
    }

    fn node(&mut self, node: &Value, depth: usize) {
        let out = &mut self.out;
        if depth > 400 {
            return; // pathological nesting: stop rather than overflow
        }
        match node["nodeType"].as_i64() {
            Some(9) => self.children(node, depth),
            Some(3) => escape(node["nodeValue"].as_str().unwrap_or(""), out),
            Some(1) => {
                let name = node["localName"]
                    .as_str()
                    .unwrap_or("div")
                    .to_ascii_lowercase();
                if SKIP.contains(&name.as_str()) || !valid_attr_name(&name) {
                    return;
                }
                // Nested documents' <html> and <body>: keep only their content.
                if name == "html" || name == "body" {
                    self.children(node, depth);
                    return;
                }
                out.push('<');
                out.push_str(&name);
                let attrs = node["attributes"].as_array().cloned().unwrap_or_default();
                for pair in attrs.chunks(2) {
                    let (Some(k), Some(v)) = (
                        pair.first().and_then(Value::as_str),
                        pair.get(1).and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    if !valid_attr_name(k)
                        || k.starts_with("data-barometer-")
                        || k.starts_with("on")
                    {
                        continue;
                    }
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    escape(v, out);
                    out.push('"');
                }
                if let Some(id) = node["backendNodeId"].as_i64() {
                    out.push_str(&format!(" data-barometer-node=\"{id}\""));
                    if self.rendering.hidden.contains(&id) {
                        out.push_str(" data-barometer-hidden");
                    }
                    if self.rendering.clickable.contains(&id) {
                        out.push_str(" data-barometer-click");
                    }
                }
                out.push('>');
                if VOID.contains(&name.as_str()) {
                    return;
                }
                for root in node["shadowRoots"].as_array().into_iter().flatten() {
                    if root["shadowRootType"].as_str() == Some("user-agent") {
                        continue;
                    }
                    self.out
                        .push_str("<x-shadow-root data-barometer-in=\"shadow_root\">");
                    self.children(root, depth);
                    self.out.push_str("</x-shadow-root>");
                }
                self.children(node, depth);
                let out = &mut self.out;
                out.push_str("</");
                out.push_str(&name);
                out.push('>');
                // After the <iframe>, not inside it: HTML parsers read an
                // iframe's content as raw text.
                if let Some(doc) = node.get("contentDocument") {
                    out.push_str("<x-frame-document data-barometer-in=\"");
                    escape(doc["documentURL"].as_str().unwrap_or("about:blank"), out);
                    out.push_str("\">");
                    self.children(doc, depth);
                    self.out.push_str("</x-frame-document>");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_roots_and_frames_are_inlined() {
        let dom: Value = serde_json::from_str(
            r#"{"nodeType": 9, "children": [{
                "nodeType": 1, "localName": "html", "backendNodeId": 1, "children": [
                    {"nodeType": 1, "localName": "head", "children": [{"nodeType": 1, "localName": "title"}]},
                    {"nodeType": 1, "localName": "body", "children": [
                        {"nodeType": 1, "localName": "div", "backendNodeId": 5, "attributes": ["id", "host", "onclick", "x()"],
                         "shadowRoots": [{"nodeType": 11, "shadowRootType": "closed", "children": [
                            {"nodeType": 1, "localName": "button", "backendNodeId": 7, "children": [{"nodeType": 3, "nodeValue": "Reject <all>"}]}]}]},
                        {"nodeType": 1, "localName": "iframe", "backendNodeId": 9, "attributes": ["src", "https://cmp.test/"],
                         "contentDocument": {"nodeType": 9, "documentURL": "https://cmp.test/", "children": [
                            {"nodeType": 1, "localName": "html", "children": [{"nodeType": 1, "localName": "body", "children": [
                                {"nodeType": 1, "localName": "p", "backendNodeId": 12, "children": [{"nodeType": 3, "nodeValue": "cookies"}]}]}]}]}},
                        {"nodeType": 1, "localName": "script", "children": [{"nodeType": 3, "nodeValue": "evil()"}]}
                    ]}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            flatten(&dom, &Rendering::default()),
            "<!doctype html><html><body><div id=\"host\" data-barometer-node=\"5\"><x-shadow-root data-barometer-in=\"shadow_root\">\
             <button data-barometer-node=\"7\">Reject &lt;all&gt;</button></x-shadow-root></div>\
             <iframe src=\"https://cmp.test/\" data-barometer-node=\"9\"></iframe><x-frame-document data-barometer-in=\"https://cmp.test/\">\
             <p data-barometer-node=\"12\">cookies</p></x-frame-document></body></html>"
        );
        // What the layout hides and what acts as a button are marked; a
        // page's own attributes of that name are dropped.
        let dom: Value = serde_json::from_str(
            r#"{"nodeType": 1, "localName": "div", "backendNodeId": 3, "attributes": ["data-barometer-click", ""],
                "children": [{"nodeType": 1, "localName": "span", "backendNodeId": 4}]}"#,
        )
        .unwrap();
        let rendering = Rendering {
            hidden: [3].into(),
            clickable: [4].into(),
            keyboard: Vec::new(),
        };
        assert_eq!(
            flatten(&dom, &rendering),
            "<!doctype html><html><body><div data-barometer-node=\"3\" data-barometer-hidden>\
             <span data-barometer-node=\"4\" data-barometer-click></span></div></body></html>"
        );
    }
}
