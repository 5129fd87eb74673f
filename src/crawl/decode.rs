//! Bytes to text, as a browser decides the encoding: byte-order mark, then
//! the `Content-Type` charset, then a `<meta charset>` in the first 1024
//! bytes, then UTF-8 if the bytes are valid UTF-8, else windows-1252 (what
//! browsers assume for legacy Western pages).

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"#).expect("static regex")
});

/// Decode an HTML body. Returns the text and the encoding used.
/// Whether a response of this `Content-Type` is read as a page (or a
/// policy): `text/html` and `application/xhtml+xml` only, as a browser
/// renders them. Plain text, JSON, images... are not pages.
pub fn is_page_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "text/html" | "application/xhtml+xml")
}

pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), enc);
    }
    let declared = content_type
        .and_then(|ct| {
            ct.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix("charset=")
                    .or_else(|| p.trim().strip_prefix("CHARSET="))
            })
        })
        .map(|c| c.trim_matches(['"', '\'']).as_bytes().to_vec())
        .or_else(|| {
            let head = &bytes[..bytes.len().min(1024)];
            META_CHARSET.captures(head).map(|c| c[1].to_vec())
        })
        .and_then(|label| Encoding::for_label(&label));
    let enc = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => WINDOWS_1252,
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc)
}

/// Deepest element nesting a document may have to be analysed. Real pages
/// stay under a hundred levels; the HTML parser's work grows with the square
/// of the depth (every start tag scans the stack of open elements), so a
/// hostile page of 200,000 nested `<div>`s would take hours to parse.
pub const MAX_NESTING: usize = 4096;

/// Elements a parser closes by itself (`<p>`, `<li>`, table parts) or that
/// have no end tag: they are left out of the count, so that sloppy but
/// honest markup (`<li>` without `</li>`) is not mistaken for deep nesting.
const NOT_COUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "rb", "rt", "rp", "rtc", "colgroup", "caption", "html", "head", "body",
    "frame", "keygen", "basefont", "bgsound", "image",
];

/// Does `html` nest elements deeper than `limit`, by a cheap scan of its
/// tags (no parsing)? Comments, and the contents of `<script>`, `<style>`,
/// `<textarea>` and `<title>`, are skipped.
pub fn nests_deeper_than(html: &str, limit: usize) -> bool {
    let b = html.as_bytes();
    let mut depth: usize = 0;
    let mut i = 0;
    while let Some(off) = memchr_lt(&b[i..]) {
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, i + 3, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let mut end = start;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'-') {
            end += 1;
        }
        if end == start || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        if NOT_COUNTED.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let tag_end = match memchr_gt(&b[end..]) {
            Some(o) => end + o,
            None => return false,
        };
        if b[tag_end.saturating_sub(1)] == b'/' {
            continue; // <x/>
        }
        if matches!(
            name.as_str(),
            "script" | "style" | "textarea" | "title" | "xmp"
        ) {
            let close = format!("</{name}");
            i = find_ci(b, tag_end, close.as_bytes()).unwrap_or(b.len());
            continue;
        }
        depth += 1;
        if depth > limit {
            return true;
        }
        i = tag_end;
    }
    false
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'<')
}

fn memchr_gt(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'>')
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ci(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_latin1_without_declaration() {
        let (text, enc) = decode_html(b"<p>Tout refuser ou param\xe9trer</p>", None);
        assert_eq!(enc, WINDOWS_1252);
        assert!(text.contains("paramétrer"));
    }

    #[test]
    fn honours_meta_and_header() {
        let (text, _) = decode_html(b"<meta charset=iso-8859-1><p>\xe9</p>", None);
        assert!(text.contains('é'));
        let (_, enc) = decode_html("é".as_bytes(), Some("text/html; charset=utf-8"));
        assert_eq!(enc, UTF_8);
    }

    #[test]
    fn nesting_depth() {
        let deep = format!(
            "<html><body>{}x{}</body></html>",
            "<div>".repeat(5000),
            "</div>".repeat(5000)
        );
        assert!(super::nests_deeper_than(&deep, 4096));
        assert!(!super::nests_deeper_than(&deep, 5000));
        // Siblings, unclosed list items and paragraphs, void and
        // self-closed elements, comments and scripts do not add up.
        let wide = "<div>a</div>".repeat(10_000);
        assert!(!super::nests_deeper_than(&wide, 10));
        let sloppy = format!(
            "<ul>{}</ul>",
            "<li><p>item<br><img src=x><x-y/>".repeat(10_000)
        );
        assert!(!super::nests_deeper_than(&sloppy, 10));
        let hidden = format!(
            "<!-- {} --><script>{}</script><div></div>",
            "<div>".repeat(100),
            "'<div>'.repeat(9)".repeat(50)
        );
        assert!(!super::nests_deeper_than(&hidden, 5));
        assert!(!super::nests_deeper_than("", 0));
        assert!(!super::nests_deeper_than("<", 0));
        assert!(!super::nests_deeper_than("<div", 0));
        assert!(!super::nests_deeper_than("</div></div><!--", 0));
    }
}
