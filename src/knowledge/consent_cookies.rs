//! Consent cookies of consent platforms: `rules/consent-cookies.toml`.
//!
//! A platform records the visitor's choice in a cookie. Read before any
//! click, a value that says "accepted" means the site decided for the
//! visitor; read after a refusal, it means the refusal was not recorded.

use anyhow::{Context, Result};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::wildcard_match;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    #[serde(default)]
    cmp: Option<String>,
    #[serde(default)]
    decode: Option<String>,
    accepted: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: String,
    cookie: Vec<RawEntry>,
}

/// One consent cookie and how to read it.
#[derive(Debug)]
pub struct ConsentCookie {
    pub name: String,
    /// The platform, when the cookie is a platform's.
    pub cmp: Option<String>,
    base64: bool,
    accepted: Vec<Regex>,
}

#[derive(Debug)]
pub struct ConsentCookieDb {
    pub version: String,
    pub entries: Vec<ConsentCookie>,
}

/// A consent cookie whose value says "accepted".
#[derive(Debug, Clone)]
pub struct Acceptance<'a> {
    pub entry: &'a ConsentCookie,
    /// The part of the (decoded) value that says so.
    pub matched: String,
}

impl ConsentCookieDb {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let raw: RawFile = toml::from_str(text)
            .with_context(|| format!("{origin}: invalid consent-cookie file"))?;
        let mut entries = Vec::new();
        for e in raw.cookie {
            let base64 = match e.decode.as_deref() {
                None => false,
                Some("base64") => true,
                Some(other) => anyhow::bail!(
                    "{origin}: cookie `{}`: unknown decode `{other}` (expected base64)",
                    e.name
                ),
            };
            let accepted = e
                .accepted
                .iter()
                .map(|p| {
                    RegexBuilder::new(p)
                        .case_insensitive(true)
                        .build()
                        .with_context(|| {
                            format!("{origin}: cookie `{}`: bad pattern `{p}`", e.name)
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            entries.push(ConsentCookie {
                name: e.name,
                cmp: e.cmp,
                base64,
                accepted,
            });
        }
        Ok(ConsentCookieDb {
            version: raw.version,
            entries,
        })
    }

    /// Whether cookie `name` with `value` records acceptance: the first
    /// entry whose name matches decides.
    pub fn acceptance(&self, name: &str, value: &str) -> Option<Acceptance<'_>> {
        let entry = self
            .entries
            .iter()
            .find(|e| wildcard_match(&e.name.to_ascii_lowercase(), &name.to_ascii_lowercase()))?;
        let mut text = percent_decode(value);
        if entry.base64 {
            if let Some(decoded) = base64_decode(&text) {
                text = decoded;
            }
        }
        let m = entry.accepted.iter().find_map(|r| r.find(&text))?;
        Some(Acceptance {
            entry,
            matched: crate::evidence::cut(m.as_str(), 120),
        })
    }
}

/// `%XX` sequences decoded (as UTF-8, lossily); `+` left alone.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard or URL-safe base64, padded or not; None when it is not base64.
fn base64_decode(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> ConsentCookieDb {
        ConsentCookieDb::parse(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/consent-cookies.toml"),
            )
            .unwrap(),
            "rules/consent-cookies.toml",
        )
        .unwrap()
    }

    #[test]
    fn platforms_accepted_and_refused() {
        let db = db();
        let yes = |n: &str, v: &str| db.acceptance(n, v).map(|a| a.entry.cmp.clone());
        // OneTrust: performance group on vs only necessary.
        assert_eq!(
            yes(
                "OptanonConsent",
                "isGpcEnabled=0&groups=C0001%3A1%2CC0002%3A1&AwaitingReconsent=false"
            ),
            Some(Some("OneTrust".into()))
        );
        assert_eq!(
            yes("OptanonConsent", "groups=C0001%3A1%2CC0002%3A0%2CC0004%3A0"),
            None
        );
        // Cookiebot.
        assert!(yes("CookieConsent", "{stamp:%27x%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:false}").is_some());
        assert_eq!(
            yes(
                "CookieConsent",
                "{necessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false}"
            ),
            None
        );
        // vanilla-cookieconsent.
        assert!(yes(
            "cc_cookie",
            "%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%5D%7D"
        )
        .is_some());
        assert_eq!(
            yes("cc_cookie", r#"{"categories":["necessary"],"revision":0}"#),
            None
        );
        // Didomi: base64 JSON.
        let token = "eyJwdXJwb3NlcyI6eyJlbmFibGVkIjpbImFuYWx5dGljcyJdfX0"; // {"purposes":{"enabled":["analytics"]}}
        assert!(yes("didomi_token", token).is_some());
        let none = "eyJwdXJwb3NlcyI6eyJlbmFibGVkIjpbXX19"; // {"purposes":{"enabled":[]}}
        assert_eq!(yes("didomi_token", none), None);
        // tarteaucitron, Klaro.
        assert!(yes("tarteaucitron", "!gajs=true!facebook=false").is_some());
        assert_eq!(yes("tarteaucitron", "!gajs=false!facebook=false"), None);
        assert!(yes("klaro", r#"{"matomo":true,"essential":true}"#).is_some());
        assert_eq!(yes("klaro", r#"{"matomo":false,"essential":true}"#), None);
        // Generic.
        assert_eq!(yes("cookie_consent", "accepted"), Some(None));
        assert_eq!(yes("cookie_consent", "refused"), None);
        assert_eq!(yes("PHPSESSID", "accepted"), None);
        // Malformed escapes and multi-byte text do not break decoding.
        assert_eq!(yes("cookie_consent", "%é%4"), None);
    }
}
