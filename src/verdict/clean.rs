//! Control characters out of site text, once, where it enters the report.
//!
//! Banner text, form labels, page titles, cookie names and URLs come from
//! the audited sites, which can put any character in them: an ESC that
//! starts a terminal escape sequence, a BEL, a C1 control, characters that
//! XML 1.0 forbids. [`crate::judge::judge`] removes them from the evidence
//! before anything is derived from it, so the facts, findings and messages
//! of a [`crate::verdict::SiteReport`] are clean too and every format renders
//! clean text; the renderers of each format still escape for their own
//! syntax.
//!
//! Removed: C0 controls other than tab and line feed (U+0000–U+0008,
//! U+000B–U+001F), DEL (U+007F) and the C1 controls (U+0080–U+009F);
//! where they stood between two letters or digits, a space takes their
//! place, so words stay apart (`Tout<BEL>refuser` is `Tout refuser`).
//! Carriage return and form feed, laid out as white space, become a space
//! (CRLF a line feed). Every other character is kept as it is.
//!
//! Cleaning before judging also means rules read the text as a person sees
//! it, and evidence stored cleaned and judged again later gives the same
//! findings.

use std::borrow::Cow;
use std::io;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// True for the characters removed from site text.
pub fn is_removed(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
}

/// `s` without control characters other than tab and line feed. Borrows
/// when there is nothing to remove.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_removed) {
        Cow::Owned(cleaned(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Carriage return and form feed, laid out as white space, become a space
/// (a CRLF stays a line feed). The other controls are dropped; a run of
/// them between two letters or digits becomes a space, so that words stay
/// apart as they were: `Tout<BEL>refuser` reads `Tout refuser`, as the
/// rules read it before it was cleaned.
fn cleaned(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\x0c' => out.push(' '),
            c if is_removed(c) => gap = true,
            c => {
                if gap
                    && c.is_alphanumeric()
                    && out.chars().next_back().is_some_and(char::is_alphanumeric)
                {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
            }
        }
    }
    out
}

/// Clean a string in place.
fn clean_string(s: &mut String) {
    if s.chars().any(is_removed) {
        *s = cleaned(s);
    }
}

/// Clean every string of a JSON value, object keys included.
pub fn clean_value(v: &mut Value) {
    match v {
        Value::String(s) => clean_string(s),
        Value::Array(items) => items.iter_mut().for_each(clean_value),
        Value::Object(map) => {
            if map.keys().any(|k| k.chars().any(is_removed)) {
                let old = std::mem::take(map);
                for (mut k, mut item) in old {
                    clean_string(&mut k);
                    clean_value(&mut item);
                    // Two keys that differ only by a control character
                    // become one: the first is kept.
                    map.entry(k).or_insert(item);
                }
            } else {
                map.values_mut().for_each(clean_value);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Clean any value that round-trips through JSON (a site's evidence, a
/// campaign report). The value is first serialised into a sink that only
/// looks for control characters (no copy is made); only one that holds
/// some goes through a JSON value, is cleaned there and read back.
pub fn clean<T: Serialize + DeserializeOwned>(value: T) -> T {
    if !holds_control(&value) {
        return value;
    }
    let Ok(mut json) = serde_json::to_value(&value) else {
        return value;
    };
    clean_value(&mut json);
    // The value was serialised by its own type, so it reads back; should
    // it not, the renderers still drop control characters.
    serde_json::from_value(json).unwrap_or(value)
}

/// Whether the JSON serialisation of `value` holds a removed character.
pub fn holds_control<T: Serialize>(value: &T) -> bool {
    let mut scan = Scan::default();
    // The sink only fails to stop the serialisation early.
    let _ = serde_json::to_writer(&mut scan, value);
    scan.found
}

/// A writer that looks, in serde_json's output, for what a removed
/// character becomes: an escape (`\b`, `\f`, `\r`, `\u00XX`) for C0
/// controls, the raw bytes for DEL (7F) and the C1 controls (C2 80–C2 9F).
#[derive(Default)]
struct Scan {
    found: bool,
    state: State,
}

#[derive(Default, Clone, Copy)]
enum State {
    #[default]
    Plain,
    /// After a backslash.
    Escape,
    /// After `\u`, `\u0`, `\u00`, `\u007`, `\u008`-`\u009` or `\u001`.
    Unicode(u8),
    /// After the byte C2.
    Lead,
}

impl io::Write for Scan {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.state = match (self.state, b) {
                (State::Plain, b'\\') => State::Escape,
                (State::Plain, 0x7f) => return self.hit(),
                (State::Plain, 0xc2) => State::Lead,
                (State::Plain, _) => State::Plain,
                (State::Escape, b'b' | b'f' | b'r') => return self.hit(),
                (State::Escape, b'u') => State::Unicode(0),
                (State::Escape, _) => State::Plain,
                (State::Unicode(n), _) => match (n, b) {
                    (0 | 1, b'0') => State::Unicode(n + 1),
                    // `\u00` then 0 or 1 (except tab and line feed, which
                    // serde_json writes as `\t` and `\n`), 7F, 8X, 9X.
                    (2, b'0' | b'1' | b'8' | b'9') => return self.hit(),
                    (2, b'7') => State::Unicode(3),
                    (3, b'f' | b'F') => return self.hit(),
                    _ => State::Plain,
                },
                (State::Lead, 0x80..=0x9f) => return self.hit(),
                (State::Lead, b'\\') => State::Escape,
                (State::Lead, 0xc2) => State::Lead,
                (State::Lead, _) => State::Plain,
            };
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Scan {
    fn hit(&mut self) -> io::Result<usize> {
        self.found = true;
        Err(io::Error::other("control character found"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removes_c0_del_and_c1_keeps_tab_newline_and_text() {
        assert_eq!(
            clean_text("\x1b[31m\x07\0red\x1b[0m\x0b.\x7f\u{85}\u{9f}\u{81}"),
            "[31m red[0m."
        );
        // Between two letters or digits, a run of them is a space: words
        // stay apart, as the rules read them before.
        assert_eq!(
            clean_text("Tout\x07refuser 1\x1b\x1b2 \x07a \u{85}b é\u{9d}é"),
            "Tout refuser 1 2 a b é é"
        );
        // Carriage return and form feed keep words apart.
        assert_eq!(clean_text("a\r\nb\rc\x0cd\r"), "a\nb c d ");
        // Near misses: tab, line feed, accents, typographic characters,
        // the characters either side of the C1 block, emoji.
        let kept = "Tab\tline\nJ'accepte … « offres » \u{a0}\u{7e}\u{a1}€ 🍪 中文";
        assert!(matches!(clean_text(kept), Cow::Borrowed(_)));
        assert_eq!(clean_text(kept), kept);
    }

    #[test]
    fn every_removed_character_is_seen_in_a_serialised_value() {
        let sample = (0u32..0x800).chain([0x2028, 0xfeff, 0xfffd, 0x1f36a, 0x10ffff]);
        for c in sample.filter_map(char::from_u32) {
            let v = json!({ "k": [format!("x{c}y")] });
            assert_eq!(holds_control(&v), is_removed(c), "U+{:04X}", c as u32);
            let key = json!({ format!("{c}"): 1 });
            assert_eq!(holds_control(&key), is_removed(c), "key U+{:04X}", c as u32);
        }
    }

    #[test]
    fn escaped_backslashes_are_not_taken_for_escapes() {
        // A literal backslash followed by `u001b` or `r` is text.
        for s in ["C:\\u001b", "\\r\\b\\f", "\\\\u0085", "\u{a0}\\u00e9"] {
            assert!(!holds_control(&json!(s)), "{s:?}");
        }
    }

    #[test]
    fn values_are_cleaned_keys_included() {
        let mut v = json!({
            "ti\x1btle": "Shop\x07",
            "labels": ["J'accepte\u{81}", 3, true, null, {"x": "\x1b[2J"}],
            "tidy": "a\tb\nc",
        });
        assert!(holds_control(&v));
        clean_value(&mut v);
        assert_eq!(
            v,
            json!({
                "ti tle": "Shop",
                "labels": ["J'accepte", 3, true, null, {"x": "[2J"}],
                "tidy": "a\tb\nc",
            })
        );
        assert!(!holds_control(&v));
    }
}
