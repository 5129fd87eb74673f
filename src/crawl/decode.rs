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
}
