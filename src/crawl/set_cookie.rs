//! `Set-Cookie` headers to evidence, the way a browser reads them.
//!
//! Parsing is the `cookie` crate's; the rules a browser adds on top are
//! ours: `Max-Age` wins over `Expires`, a `Domain` attribute must cover the
//! setting host and must not be a public suffix, and Chromium keeps no
//! cookie longer than 400 days.

use chrono::{DateTime, Utc};
use url::Url;

use crate::analyse::party::{party, registrable_domain};
use crate::evidence::{Cookie, CookieSource};
use crate::knowledge::host_within;

/// Chromium (and the cookie RFC draft 6265bis) caps lifetimes at 400 days.
pub const BROWSER_MAX_LIFETIME_DAYS: f64 = 400.0;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Cut `s` to at most `max` characters.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Read one `Set-Cookie` header received from `setter` while loading
/// `page_url` of the site `site`. `Err` carries a one-line reason for a
/// header no browser would store.
pub fn parse(
    raw: &str,
    setter: &Url,
    site: &str,
    page_url: &str,
    now: DateTime<Utc>,
) -> Result<Cookie, String> {
    let parsed = cookie::Cookie::parse(raw.to_string())
        .map_err(|e| format!("malformed Set-Cookie ({e})"))?;
    let name = parsed.name().to_string();
    if name.is_empty() || name.chars().any(|c| c.is_control() || c == ' ') {
        return Err("malformed Set-Cookie (empty or invalid cookie name)".to_string());
    }
    let host = setter.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut blocked = None;
    let (domain, host_only) = match parsed.domain() {
        Some(d) if !d.is_empty() => {
            let d = d.trim_start_matches('.').to_ascii_lowercase();
            if !host_within(&host, &d) {
                blocked = Some(format!("Domain={d} does not cover the setting host {host}"));
            } else if registrable_domain(&d) != d && psl::suffix_str(&d) == Some(d.as_str()) {
                blocked = Some(format!("Domain={d} is a public suffix"));
            }
            (d, false)
        }
        _ => (host.clone(), true),
    };
    let declared = if let Some(max_age) = parsed.max_age() {
        Some(max_age.whole_seconds() as f64 / SECONDS_PER_DAY)
    } else {
        parsed
            .expires_datetime()
            .map(|at| (at.unix_timestamp() - now.timestamp()) as f64 / SECONDS_PER_DAY)
    };
    if declared.is_some_and(|d| d <= 0.0) && blocked.is_none() {
        blocked = Some("already expired: this header deletes the cookie".to_string());
    }
    let secure = parsed.secure().unwrap_or(false);
    if secure && setter.scheme() != "https" && blocked.is_none() {
        blocked = Some("Secure cookie set over plain http".to_string());
    }
    let round = |d: f64| (d * 100.0).round() / 100.0;
    Ok(Cookie {
        value: cut(parsed.value(), 256),
        path: parsed.path().unwrap_or("/").to_string(),
        host_only,
        declared_lifetime_days: declared.map(round),
        lifetime_days: declared.map(|d| round(d.min(BROWSER_MAX_LIFETIME_DAYS))),
        secure,
        http_only: parsed.http_only().unwrap_or(false),
        same_site: parsed.same_site().map(|s| s.to_string()),
        party: party(&domain, site),
        source: CookieSource::Header,
        set_by: setter.to_string(),
        page_url: page_url.to_string(),
        raw: Some(cut(raw, 512)),
        blocked,
        after_choice: false,
        name,
        domain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Party;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn max_age_wins_and_lifetime_is_capped() {
        let url = Url::parse("https://www.site-a.test/").unwrap();
        let c = parse("_ga=GA1.1.1; Max-Age=63072000; Expires=Thu, 01 Jan 2026 00:00:10 GMT; Domain=.site-a.test; Path=/; Secure; SameSite=Lax", &url, "site-a.test", "https://www.site-a.test/", at()).unwrap();
        assert_eq!(
            (c.name.as_str(), c.domain.as_str(), c.host_only),
            ("_ga", "site-a.test", false)
        );
        assert_eq!(c.declared_lifetime_days, Some(730.0));
        assert_eq!(c.lifetime_days, Some(400.0));
        assert_eq!(c.party, Party::First);
        assert_eq!(c.same_site.as_deref(), Some("Lax"));
        assert!(c.blocked.is_none());
    }

    #[test]
    fn expires_session_and_bad_domain() {
        let url = Url::parse("https://px.tracker.test/p.gif").unwrap();
        let c = parse(
            "uid=1; Expires=Sat, 02 Jan 2027 00:00:00 GMT",
            &url,
            "site-a.test",
            "https://site-a.test/",
            at(),
        )
        .unwrap();
        assert_eq!(c.declared_lifetime_days, Some(366.0));
        assert_eq!((c.party, c.host_only), (Party::Third, true));
        let c = parse("sid=1; Path=/", &url, "site-a.test", "p", at()).unwrap();
        assert_eq!(c.lifetime_days, None);
        let c = parse("x=1; Domain=other.test", &url, "site-a.test", "p", at()).unwrap();
        assert!(c.blocked.unwrap().contains("does not cover"));
        assert!(parse("garbage-without-equals", &url, "s", "p", at()).is_err());
        assert!(parse("=novalue", &url, "s", "p", at()).is_err());
    }
}
