//! `Set-Cookie` headers to evidence, the way a browser reads them.
//!
//! The algorithm is RFC 6265 §5.2 (with RFC 6265bis where Chromium follows
//! it), and where the two disagree, what Chromium does, since the audit
//! claims to report what a browser stores:
//!
//! - the name-value pair is split at the first `=`; without one, the cookie
//!   has an empty name (`v` and `=v` are both the nameless cookie `v`, but
//!   `=a=b` is no cookie: a nameless value may not hold `=`);
//!   names may hold spaces; a CR or LF ends the header there; a name or
//!   value with other control characters (NUL included), or neither name
//!   nor value, is no cookie at all;
//! - attribute names are case-insensitive and the last one of a kind wins,
//!   as written: a final `Expires=garbage` leaves a session cookie;
//! - `Max-Age` beats `Expires`; `Max-Age` is an optionally signed integer,
//!   anything else is ignored; zero or less expires the cookie at once;
//! - dates follow the §5.1.1 tokenizer in any field order, with Chromium's
//!   field limits ([`parse_date`]);
//! - `Domain` loses **one** leading dot; it must domain-match the setting
//!   host and must not be a public suffix, unless it names the host itself
//!   (then the cookie is host-only); a bad `Domain` refuses the cookie;
//! - the path defaults per §5.1.4; `Secure` needs a secure origin; the
//!   `__Secure-` and `__Host-` prefixes are enforced, case-insensitively;
//! - Chromium keeps no cookie longer than 400 days.
//!
//! Whether the browser would accept the cookie in the context it came in
//! (SameSite on a cross-site subresource) is [`refused_in_context`].

use chrono::{DateTime, Utc};
use url::Url;

use crate::evidence::{Cookie, CookieSource};
use crate::knowledge::host_within;
use crate::party::{party, registrable_domain};

/// Chromium (and the cookie RFC draft 6265bis) caps lifetimes at 400 days.
pub const BROWSER_MAX_LIFETIME_DAYS: f64 = 400.0;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Chromium's limit on name plus value, in bytes.
const MAX_NAME_VALUE_BYTES: usize = 4096;
/// Chromium ignores an attribute value longer than this, in bytes.
const MAX_ATTRIBUTE_VALUE_BYTES: usize = 1024;

/// The reason given for a header that expires its cookie on arrival.
pub const EXPIRED: &str = "already expired: this header deletes the cookie";

pub use crate::evidence::cut;

/// A `Set-Cookie` header split into its parts, nothing judged yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub name: String,
    pub value: String,
    /// The last `Expires` attribute, as written.
    pub expires: Option<String>,
    /// The last `Max-Age` attribute, as written.
    pub max_age: Option<String>,
    /// The last `Domain` attribute, as written (possibly empty).
    pub domain: Option<String>,
    /// The last `Path` attribute, as written (possibly empty).
    pub path: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    /// The last `SameSite` attribute, as written.
    pub same_site: Option<String>,
}

/// Split a header (RFC 6265 §5.2, Chromium's choices). `Err` when it holds
/// no cookie a browser would even consider.
pub fn split(raw: &str) -> Result<Header, String> {
    // Chromium ends the header at the first CR or LF (a NUL, its third
    // terminator, never gets that far: its HTTP layer refuses the response,
    // so a NUL is refused here with the other control characters).
    let raw = raw.find(['\r', '\n']).map_or(raw, |end| &raw[..end]);
    if raw
        .chars()
        .any(|c| (c.is_ascii_control() && c != '\t') || c == '\u{7f}')
    {
        return Err("malformed Set-Cookie (control character)".to_string());
    }
    let (pair, attributes) = raw.split_once(';').unwrap_or((raw, ""));
    let ws: &[char] = &[' ', '\t'];
    let (name, value) = match pair.split_once('=') {
        Some((n, v)) => (n.trim_matches(ws), v.trim_matches(ws)),
        None => ("", pair.trim_matches(ws)),
    };
    if name.is_empty() && value.is_empty() {
        return Err("malformed Set-Cookie (neither name nor value)".to_string());
    }
    if name.is_empty() && value.contains('=') {
        // Chromium refuses it: sent back, it would read as a named cookie.
        return Err("malformed Set-Cookie (nameless, its value holds `=`)".to_string());
    }
    if name.contains('\t') {
        return Err("malformed Set-Cookie (tab in the cookie name)".to_string());
    }
    if name.len() + value.len() > MAX_NAME_VALUE_BYTES {
        return Err(format!(
            "malformed Set-Cookie (name and value over {MAX_NAME_VALUE_BYTES} bytes)"
        ));
    }
    let mut h = Header {
        name: name.to_string(),
        value: value.to_string(),
        ..Header::default()
    };
    for av in attributes.split(';') {
        let (key, val) = av.split_once('=').unwrap_or((av, ""));
        let (key, val) = (key.trim_matches(ws), val.trim_matches(ws));
        if val.len() > MAX_ATTRIBUTE_VALUE_BYTES {
            continue;
        }
        let val = Some(val.to_string());
        match key.to_ascii_lowercase().as_str() {
            "expires" => h.expires = val,
            "max-age" => h.max_age = val,
            "domain" => h.domain = val,
            "path" => h.path = val,
            "secure" => h.secure = true,
            "httponly" => h.http_only = true,
            "samesite" => h.same_site = val,
            _ => {}
        }
    }
    Ok(h)
}

/// `Max-Age` in seconds: an integer with an optional sign (Chromium takes
/// `+`, the RFC does not), saturating; `None` (ignored) for anything else.
pub fn parse_max_age(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |n, b| {
        n.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// Seconds since the Unix epoch of a cookie date, or `None` when it is no
/// date (a session cookie then).
///
/// RFC 6265 §5.1.1: the string is cut into tokens at the delimiters
/// (tab, space and the ASCII punctuation but `:`), and the fields are found
/// in any order: the first `hh:mm:ss` token is the time, the first token
/// starting with a month's three letters is the month, the first number of
/// one or two digits the day, the next number of up to five digits the
/// year. Other tokens (week days, `GMT`, `+0100`, a zone name) are ignored:
/// a JavaScript `Date.toString()` reads as UTC, its offset dropped, as in
/// Chromium. Two-digit years are 1970-2069. Field limits are Chromium's,
/// not the RFC's where they differ: a day written `6th` is no day, a year
/// before 1601 is the distant past (the cookie is expired), a year past
/// 9999 the distant future. Hours over 23, minutes or seconds over 59 and
/// days the month does not have make no date.
pub fn parse_date(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let is_delimiter = |c: char| {
        c == '\t'
            || (' '..='/').contains(&c)
            || (';'..='@').contains(&c)
            || ('['..='`').contains(&c)
            || ('{'..='~').contains(&c)
    };
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in s.split(is_delimiter).filter(|t| !t.is_empty()) {
        if !token.as_bytes()[0].is_ascii_digit() {
            if month.is_none() {
                let lower = token.get(..3).map(str::to_ascii_lowercase);
                month = MONTHS
                    .iter()
                    .position(|m| Some(*m) == lower.as_deref())
                    .map(|i| i as u32 + 1);
            }
        } else if token.contains(':') {
            if time.is_none() {
                time = parse_time(token);
            }
        } else if day.is_none() && token.len() <= 2 {
            day = Some(leading_number(token));
        } else if year.is_none() && token.len() <= 5 {
            year = Some(leading_number(token) as i64);
        }
    }
    let ((hour, minute, second), day, month, mut year) = (time?, day?, month?, year?);
    if (0..=69).contains(&year) {
        year += 2000;
    } else if (70..=99).contains(&year) {
        year += 1900;
    }
    if hour > 23 || minute > 59 || second > 59 || !(1..=31).contains(&day) {
        return None;
    }
    if year < 1601 {
        return Some(i64::MIN / 2);
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// `h:m:s`, one or two digits each, anything after the seconds ignored
/// (as C's `%2u:%2u:%2u`).
fn parse_time(token: &str) -> Option<(u32, u32, u32)> {
    let mut rest = token;
    let mut fields = [0u32; 3];
    for (i, field) in fields.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(':')?;
        }
        let digits = rest.bytes().take(2).take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        *field = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
    }
    Some((fields[0], fields[1], fields[2]))
}

/// The digits a token starts with, as C's `atoi` reads them.
fn leading_number(token: &str) -> u32 {
    token
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u32, |n, b| {
            n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
        })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Is `domain` a public suffix (`org`, `co.uk`, `github.io`)? A single
/// label the list does not know counts as one, as browsers treat a TLD.
pub fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain) == Some(domain)
}

/// The cookie's domain and host-only flag, from its `Domain` attribute
/// (RFC 6265 §5.2.3 and §5.3 steps 4-6, as Chromium applies them).
pub fn cookie_domain(host: &str, attribute: Option<&str>) -> Result<(String, bool), String> {
    let host = host.to_ascii_lowercase();
    let Some(raw) = attribute.filter(|d| !d.is_empty()) else {
        return Ok((host, true));
    };
    let domain = raw.strip_prefix('.').unwrap_or(raw).to_ascii_lowercase();
    if domain.is_empty() || domain.starts_with('.') || !domain.is_ascii() {
        return Err(format!("Domain={raw} is not a valid domain"));
    }
    let ip_host = host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok();
    if domain == host && (ip_host || is_public_suffix(&domain)) {
        // A host that is itself a suffix (or an address) may name itself:
        // the cookie stays with that host.
        return Ok((host, true));
    }
    if ip_host {
        return Err(format!("Domain={raw} on a request to the address {host}"));
    }
    if is_public_suffix(&domain) {
        return Err(format!("Domain={domain} is a public suffix"));
    }
    if !host_within(&host, &domain) {
        return Err(format!(
            "Domain={domain} does not cover the setting host {host}"
        ));
    }
    Ok((domain, false))
}

/// The default path of a cookie set by `url` (RFC 6265 §5.1.4).
pub fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(i) if path.starts_with('/') && i > 0 => path[..i].to_string(),
        _ => "/".to_string(),
    }
}

/// Whether the prefix rules refuse the cookie (Chromium compares the
/// prefixes case-insensitively and hides them from nameless cookies).
fn prefix_refusal(h: &Header, secure_origin: bool) -> Option<String> {
    let starts = |s: &str, prefix: &str| {
        s.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if h.name.is_empty() && (starts(&h.value, "__Secure-") || starts(&h.value, "__Host-")) {
        return Some("a nameless cookie whose value starts with a cookie prefix".to_string());
    }
    if starts(&h.name, "__Secure-") && !(h.secure && secure_origin) {
        return Some("__Secure- prefix without Secure over https".to_string());
    }
    if starts(&h.name, "__Host-")
        && !(h.secure && secure_origin && h.domain.is_none() && h.path.as_deref() == Some("/"))
    {
        return Some("__Host- prefix needs Secure over https, no Domain and Path=/".to_string());
    }
    None
}

/// Read one `Set-Cookie` header received from `setter` while loading
/// `page_url` of the site `site`. `Err` carries a one-line reason for a
/// header that holds no cookie at all; a cookie the browser would refuse
/// comes back with `blocked` set to why, and one that expires on arrival
/// (a deletion) with `blocked` set to [`EXPIRED`].
pub fn parse(
    raw: &str,
    setter: &Url,
    site: &str,
    page_url: &str,
    now: DateTime<Utc>,
) -> Result<Cookie, String> {
    let h = split(raw)?;
    let host = setter.host_str().unwrap_or_default().to_ascii_lowercase();
    let secure_origin = matches!(setter.scheme(), "https" | "wss");
    let mut blocked = None;
    let (domain, host_only) = match cookie_domain(&host, h.domain.as_deref()) {
        Ok(d) => d,
        Err(reason) => {
            blocked = Some(reason);
            let d = h.domain.as_deref().unwrap_or_default();
            (d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase(), false)
        }
    };
    let path = match h.path.as_deref() {
        Some(p) if p.starts_with('/') => p.to_string(),
        _ => default_path(setter),
    };
    // Seconds from now: Max-Age, else Expires, else a session cookie.
    let declared_seconds = match h.max_age.as_deref().and_then(parse_max_age) {
        Some(s) => Some(s),
        None => h
            .expires
            .as_deref()
            .and_then(parse_date)
            .map(|at| at.saturating_sub(now.timestamp())),
    };
    if h.secure && !secure_origin {
        blocked.get_or_insert_with(|| "Secure cookie set over plain http".to_string());
    }
    if let Some(reason) = prefix_refusal(&h, secure_origin) {
        blocked.get_or_insert(reason);
    }
    if declared_seconds.is_some_and(|s| s <= 0) {
        blocked.get_or_insert_with(|| EXPIRED.to_string());
    }
    let declared = declared_seconds.map(|s| s as f64 / SECONDS_PER_DAY);
    let round = |d: f64| (d * 100.0).round() / 100.0;
    let same_site = h.same_site.as_deref().and_then(|s| {
        ["Strict", "Lax", "None"]
            .into_iter()
            .find(|v| v.eq_ignore_ascii_case(s))
            .map(str::to_string)
    });
    Ok(Cookie {
        value: cut(&h.value, 256),
        path,
        host_only,
        declared_lifetime_days: declared.map(round),
        lifetime_days: declared.map(|d| round(d.min(BROWSER_MAX_LIFETIME_DAYS))),
        secure: h.secure,
        http_only: h.http_only,
        same_site,
        party: party(&domain, site),
        source: CookieSource::Header,
        set_by: setter.to_string(),
        page_url: page_url.to_string(),
        raw: Some(cut(raw, 512)),
        blocked,
        after_choice: false,
        name: h.name,
        domain,
    })
}

/// Why a browser refuses `cookie`, set by a response from `setter` while
/// `page_url` is the top-level page, in that context; `None` when it keeps
/// it. `top_level` is a navigation of the page itself (its redirects
/// included), where SameSite does not apply.
///
/// Chromium refuses `SameSite=None` without `Secure` everywhere, and any
/// other SameSite value (an absent one counts as `Lax`) on a response to a
/// cross-site subresource or frame: a site is the scheme and registrable
/// domain (schemeful same-site).
pub fn refused_in_context(
    cookie: &Cookie,
    setter: &Url,
    page_url: &str,
    top_level: bool,
) -> Option<String> {
    if cookie.same_site.as_deref() == Some("None") && !cookie.secure {
        return Some("SameSite=None without Secure".to_string());
    }
    if top_level || cookie.same_site.as_deref() == Some("None") {
        return None;
    }
    let site_of = |u: &Url| {
        (
            u.scheme().to_string(),
            registrable_domain(u.host_str().unwrap_or_default()),
        )
    };
    let page = Url::parse(page_url).ok()?;
    (site_of(&page) != site_of(setter)).then(|| {
        format!(
            "SameSite={} cookie set by a cross-site response (the page is on {})",
            cookie.same_site.as_deref().unwrap_or("Lax (by default)"),
            registrable_domain(page.host_str().unwrap_or_default())
        )
    })
}

/// The cookies of one visit as the browser holds them, header after
/// header (RFC 6265 §5.3 step 11): a cookie is one name, domain, host-only
/// flag and path (Chromium tells a host-only cookie from a `Domain` cookie
/// of the same host); a later header overwrites it, keeping where it was
/// first set; an expired one deletes it.
#[derive(Debug, Default)]
pub struct Jar {
    /// Held at the end, in the order first set.
    held: Vec<Cookie>,
    /// Refused, or deleted by a later header: kept as evidence.
    gone: Vec<Cookie>,
}

fn same_cookie(a: &Cookie, b: &Cookie) -> bool {
    a.name == b.name && a.domain == b.domain && a.host_only == b.host_only && a.path == b.path
}

impl Jar {
    /// Apply one header, as read by [`parse`] (and [`refused_in_context`]).
    pub fn set(&mut self, cookie: Cookie) {
        let held = self.held.iter().position(|c| same_cookie(c, &cookie));
        match (cookie.blocked.as_deref(), held) {
            (None, Some(i)) => {
                let old = &mut self.held[i];
                let (set_by, page_url) = (old.set_by.clone(), old.page_url.clone());
                *old = Cookie {
                    set_by,
                    page_url,
                    ..cookie
                };
            }
            (None, None) => self.held.push(cookie),
            (Some(EXPIRED), Some(i)) => {
                let mut deleted = self.held.remove(i);
                deleted.blocked = Some(format!(
                    "deleted by a later header from {}: {}",
                    cookie.set_by,
                    cut(cookie.raw.as_deref().unwrap_or_default(), 200)
                ));
                self.keep_gone(deleted);
            }
            (Some(_), _) => self.keep_gone(cookie),
        }
    }

    /// One entry per cookie and reason: a header repeated on every page is
    /// evidence once.
    fn keep_gone(&mut self, cookie: Cookie) {
        if !self
            .gone
            .iter()
            .any(|c| same_cookie(c, &cookie) && c.blocked == cookie.blocked)
        {
            self.gone.push(cookie);
        }
    }

    /// Every cookie, held or not, to correct in place (the party, once the
    /// site is known).
    pub fn cookies_mut(&mut self) -> impl Iterator<Item = &mut Cookie> {
        self.held.iter_mut().chain(self.gone.iter_mut())
    }

    /// The evidence: the cookies held at the end first, then those refused
    /// or deleted (their `blocked` says which and why).
    pub fn into_cookies(self) -> Vec<Cookie> {
        let mut out = self.held;
        out.extend(self.gone);
        out
    }
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

    fn unix(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
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
        for no_cookie in [
            "",
            "=",
            " = ; Max-Age=5",
            ";x=1",
            "a\u{1}b=1",
            "a=b\u{7f}c",
            "a=b\0c",
            "\rx=1",
            // A nameless value holding `=` (http-state NAME0017, NAME0025).
            "=a=bar",
            "===a=bar",
            "tab\tname=1",
        ] {
            assert!(
                parse(no_cookie, &url, "s", "p", at()).is_err(),
                "{no_cookie:?}"
            );
        }
    }

    /// A CR (or LF) ends the header where it stands, as in Chromium
    /// (http-state DISABLED_CHROMIUM0023; Chromium 156 run on `AAA=BB\rZYX`,
    /// `A\rB=1`, `AAA=BB; Max-Age=100\rZYX` and `AAA=BB; Secure\r; path=/`).
    #[test]
    fn a_carriage_return_ends_the_header() {
        let url = Url::parse("http://www.probe.org/").unwrap();
        for (raw, name, value, days, refused) in [
            ("AAA=BB\rZYX", "AAA", "BB", None, false),
            ("A\rB=1", "", "A", None, false),
            ("AAA=BB; Max-Age=86400\rZYX", "AAA", "BB", Some(1.0), false),
            ("AAA=BB; Max-Age=86400\nZYX", "AAA", "BB", Some(1.0), false),
            ("AAA=BB; Secure\r; Path=/", "AAA", "BB", None, true),
        ] {
            let c = parse(raw, &url, "probe.org", "p", at()).unwrap();
            assert_eq!(
                (c.name.as_str(), c.value.as_str(), c.blocked.is_some()),
                (name, value, refused),
                "{raw:?}"
            );
            assert_eq!(c.declared_lifetime_days, days, "{raw:?}");
        }
    }

    /// Raw header → what is stored: name, value, domain, host-only, path,
    /// declared lifetime in days (`None`: session), refusal.
    #[test]
    fn headers_as_chromium_stores_them() {
        type Row = (
            &'static str,
            &'static str,
            &'static str,
            &'static str,
            bool,
            &'static str,
            Option<f64>,
            Option<&'static str>,
        );
        let url = Url::parse("https://www.probe.org/shop/cart").unwrap();
        #[rustfmt::skip]
        let table: &[(&str, Row)] = &[
            // Name and value.
            ("nameless", ("", "nameless", "www.probe.org", "", true, "/shop", None, None)),
            ("=v", ("", "v", "www.probe.org", "", true, "/shop", None, None)),
            ("a b=space name", ("a b", "space name", "www.probe.org", "", true, "/shop", None, None)),
            ("  trim  = v w ; Max-Age=86400", ("trim", "v w", "www.probe.org", "", true, "/shop", Some(1.0), None)),
            ("q=\"x\"; Max-Age=\"100\"", ("q", "\"x\"", "www.probe.org", "", true, "/shop", None, None)),
            ("=__Secure-x", ("", "__Secure-x", "www.probe.org", "", true, "/shop", None, Some("nameless"))),
            // Attribute names, last one wins, Max-Age over Expires.
            ("a=1; MAX-AGE=86400; max-age=172800", ("a", "1", "www.probe.org", "", true, "/shop", Some(2.0), None)),
            ("a=1; Max-Age=86400; Expires=Sat, 02 Jan 2027 00:00:00 GMT", ("a", "1", "www.probe.org", "", true, "/shop", Some(1.0), None)),
            ("a=1; Max-Age=abc; Expires=Sat, 02 Jan 2027 00:00:00 GMT", ("a", "1", "www.probe.org", "", true, "/shop", Some(366.0), None)),
            ("a=1; Max-Age=86400abc", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Max-Age=86400.5", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Max-Age=+86400", ("a", "1", "www.probe.org", "", true, "/shop", Some(1.0), None)),
            ("a=1; Max-Age", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Expires=Sat, 02 Jan 2027 00:00:00 GMT; Expires=garbage", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1;;; Max-Age=86400;", ("a", "1", "www.probe.org", "", true, "/shop", Some(1.0), None)),
            // Deletions.
            ("a=; Max-Age=0", ("a", "", "www.probe.org", "", true, "/shop", Some(0.0), Some("already expired"))),
            ("a=; Max-Age=-1", ("a", "", "www.probe.org", "", true, "/shop", Some(0.0), Some("already expired"))),
            ("a=; Max-Age=-0", ("a", "", "www.probe.org", "", true, "/shop", Some(0.0), Some("already expired"))),
            ("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", ("a", "", "www.probe.org", "", true, "/shop", Some(-20454.0), Some("already expired"))),
            ("a=; Expires=Wed, 09-Jun-70 10:18:14 GMT", ("a", "", "www.probe.org", "", true, "/shop", Some(-20294.57), Some("already expired"))),
            // Domain.
            ("a=1; Domain=probe.org", ("a", "1", "probe.org", "", false, "/shop", None, None)),
            ("a=1; DOMAIN=.PROBE.ORG", ("a", "1", "probe.org", "", false, "/shop", None, None)),
            ("a=1; Domain=www.probe.org", ("a", "1", "www.probe.org", "", false, "/shop", None, None)),
            ("a=1; Domain=other.org; Domain=probe.org", ("a", "1", "probe.org", "", false, "/shop", None, None)),
            ("a=1; Domain=", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Domain=.org", ("a", "1", "org", "", false, "/shop", None, Some("public suffix"))),
            ("a=1; Domain=org", ("a", "1", "org", "", false, "/shop", None, Some("public suffix"))),
            ("a=1; Domain=..probe.org", ("a", "1", ".probe.org", "", false, "/shop", None, Some("not a valid domain"))),
            ("a=1; Domain=.", ("a", "1", "", "", false, "/shop", None, Some("not a valid domain"))),
            ("a=1; Domain=probe.org.", ("a", "1", "probe.org.", "", false, "/shop", None, Some("does not cover"))),
            ("a=1; Domain=robe.org", ("a", "1", "robe.org", "", false, "/shop", None, Some("does not cover"))),
            ("a=1; Domain=shop.www.probe.org", ("a", "1", "shop.www.probe.org", "", false, "/shop", None, Some("does not cover"))),
            // Path.
            ("a=1; Path=/", ("a", "1", "www.probe.org", "", true, "/", None, None)),
            ("a=1; Path=", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Path=relative", ("a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("a=1; Path=/a/", ("a", "1", "www.probe.org", "", true, "/a/", None, None)),
            // Prefixes and flags.
            ("__Secure-a=1; Secure", ("__Secure-a", "1", "www.probe.org", "", true, "/shop", None, None)),
            ("__Secure-a=1", ("__Secure-a", "1", "www.probe.org", "", true, "/shop", None, Some("__Secure-"))),
            ("__secure-a=1", ("__secure-a", "1", "www.probe.org", "", true, "/shop", None, Some("__Secure-"))),
            ("__Host-a=1; Secure; Path=/", ("__Host-a", "1", "www.probe.org", "", true, "/", None, None)),
            ("__Host-a=1; Secure", ("__Host-a", "1", "www.probe.org", "", true, "/shop", None, Some("__Host-"))),
            ("__Host-a=1; Secure; Path=/x", ("__Host-a", "1", "www.probe.org", "", true, "/x", None, Some("__Host-"))),
            ("__Host-a=1; Secure; Path=/; Domain=www.probe.org", ("__Host-a", "1", "www.probe.org", "", false, "/", None, Some("__Host-"))),
        ];
        for (raw, (name, value, domain, _, host_only, path, days, refusal)) in table {
            let c = parse(raw, &url, "probe.org", url.as_str(), at())
                .unwrap_or_else(|e| panic!("{raw:?}: {e}"));
            assert_eq!(
                (
                    c.name.as_str(),
                    c.value.as_str(),
                    c.domain.as_str(),
                    c.host_only,
                    c.path.as_str()
                ),
                (*name, *value, *domain, *host_only, *path),
                "{raw:?}"
            );
            match days {
                Some(d) if refusal.is_some_and(|r| r.contains("expired")) => {
                    assert!(c.declared_lifetime_days.unwrap() <= 0.0, "{raw:?}");
                    if *d < 0.0 {
                        assert_eq!(c.declared_lifetime_days, Some(*d), "{raw:?}");
                    }
                }
                _ => assert_eq!(c.declared_lifetime_days, *days, "{raw:?}"),
            }
            match refusal {
                None => assert_eq!(c.blocked, None, "{raw:?}"),
                Some(r) => assert!(
                    c.blocked.as_deref().is_some_and(|b| b.contains(r)),
                    "{raw:?}: {:?}",
                    c.blocked
                ),
            }
        }
        // Secure needs a secure origin; SameSite values are read as written.
        let plain = Url::parse("http://www.probe.org/").unwrap();
        let c = parse("a=1; Secure", &plain, "probe.org", "p", at()).unwrap();
        assert!(c.blocked.unwrap().contains("plain http"));
        let c = parse("a=1; SameSite=lax", &url, "probe.org", "p", at()).unwrap();
        assert_eq!(c.same_site.as_deref(), Some("Lax"));
        let c = parse("a=1; SameSite=Bogus", &url, "probe.org", "p", at()).unwrap();
        assert_eq!(c.same_site, None);
    }

    #[test]
    fn public_suffix_domains_are_refused_unless_they_name_the_host() {
        for (host, attr, stored) in [
            ("www.probe.co.uk", "co.uk", None),
            (
                "www.probe.co.uk",
                ".probe.co.uk",
                Some(("probe.co.uk", false)),
            ),
            ("foo.github.io", "github.io", None),
            (
                "foo.github.io",
                "foo.github.io",
                Some(("foo.github.io", false)),
            ),
            ("github.io", "github.io", Some(("github.io", true))),
            ("github.io", ".github.io", Some(("github.io", true))),
            ("www.probe.test", ".test", None),
            ("www.probe.test", "probe.test", Some(("probe.test", false))),
            ("localhost", "localhost", Some(("localhost", true))),
            ("127.0.0.1", "127.0.0.1", Some(("127.0.0.1", true))),
            ("127.0.0.1", "0.0.1", None),
        ] {
            let got = cookie_domain(host, Some(attr)).ok();
            assert_eq!(
                got,
                stored.map(|(d, h)| (d.to_string(), h)),
                "{host} {attr}"
            );
        }
    }

    #[test]
    fn dates_in_every_form_a_server_writes() {
        for (written, expected) in [
            (
                "Sun, 06 Nov 1994 08:49:37 GMT",
                Some("1994-11-06T08:49:37Z"),
            ),
            (
                "Sunday, 06-Nov-94 08:49:37 GMT",
                Some("1994-11-06T08:49:37Z"),
            ),
            ("Sun Nov  6 08:49:37 1994", Some("1994-11-06T08:49:37Z")),
            ("Sat, 6 Nov 2027 08:49:37 GMT", Some("2027-11-06T08:49:37Z")),
            ("Wed, 09-Jun-27 10:18:14 GMT", Some("2027-06-09T10:18:14Z")),
            ("Wed, 09-Jun-69 10:18:14 GMT", Some("2069-06-09T10:18:14Z")),
            ("Wed, 09-Jun-70 10:18:14 GMT", Some("1970-06-09T10:18:14Z")),
            (
                "Fri Dec 03 2027 10:00:00 GMT+0100 (Central European Standard Time)",
                Some("2027-12-03T10:00:00Z"),
            ),
            ("6 November 2027 08:49:37", Some("2027-11-06T08:49:37Z")),
            ("Sat, 06 Nov 2027 8:9:7 GMT", Some("2027-11-06T08:09:07Z")),
            ("2027 08:49:37 nov 06", Some("2027-11-06T08:49:37Z")),
            (
                "Tue, 29 Feb 2028 00:00:00 GMT",
                Some("2028-02-29T00:00:00Z"),
            ),
            (
                "\"Sat, 06 Nov 2027 08:49:37 GMT\"",
                Some("2027-11-06T08:49:37Z"),
            ),
            ("Mon, 30 Feb 2027 10:00:00 GMT", None),
            ("Mon, 29 Feb 2027 10:00:00 GMT", None),
            ("Mon, 01 Feb 2027 24:00:00 GMT", None),
            ("Sat, 06 Nov 2027 08:49:60 GMT", None),
            ("Sat, 06 Nov 2027 08:49 GMT", None),
            ("6th Nov 2027 08:49:37", None),
            ("2027-11-06T08:49:37Z", None),
            ("Sat, 06 Nov 2027", None),
            ("garbage", None),
            ("", None),
        ] {
            assert_eq!(parse_date(written), expected.map(unix), "{written:?}");
        }
        // Out of range years: the distant past expires, the future is kept.
        assert!(parse_date("Mon, 01 Feb 1600 10:00:00 GMT").unwrap() < 0);
        assert!(parse_date("Sat, 06 Nov 100 08:49:37 GMT").unwrap() < 0);
        assert!(parse_date("6 Nov 20270 08:49:37").unwrap() > unix("9999-12-31T00:00:00Z"));
    }

    #[test]
    fn max_age_values() {
        for (written, expected) in [
            ("0", Some(0)),
            ("86400", Some(86400)),
            ("+86400", Some(86400)),
            ("-1", Some(-1)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(-i64::MAX)),
            ("", None),
            ("-", None),
            ("1e3", None),
            ("\"100\"", None),
            (" 5", None),
        ] {
            assert_eq!(parse_max_age(written), expected, "{written:?}");
        }
    }

    #[test]
    fn default_paths() {
        for (url, path) in [
            ("https://a.test", "/"),
            ("https://a.test/", "/"),
            ("https://a.test/page", "/"),
            ("https://a.test/sub/page", "/sub"),
            ("https://a.test/sub/", "/sub"),
            ("https://a.test/a/b/c?x=/y/z", "/a/b"),
        ] {
            assert_eq!(default_path(&Url::parse(url).unwrap()), path, "{url}");
        }
    }

    #[test]
    fn same_site_in_a_cross_site_context() {
        let page = "https://www.site-a.test/";
        let pixel = Url::parse("https://px.tracker.test/p.gif").unwrap();
        let own = Url::parse("https://cdn.site-a.test/x.js").unwrap();
        let cookie = |raw: &str, from: &Url| parse(raw, from, "site-a.test", page, at()).unwrap();
        let refused = |raw: &str, from: &Url, top: bool| {
            refused_in_context(&cookie(raw, from), from, page, top)
        };
        // Only SameSite=None; Secure is kept from a cross-site subresource.
        assert_eq!(refused("id=1; SameSite=None; Secure", &pixel, false), None);
        assert!(refused("id=1", &pixel, false)
            .unwrap()
            .contains("Lax (by default)"));
        assert!(refused("id=1; SameSite=Lax", &pixel, false).is_some());
        assert!(refused("id=1; SameSite=Strict", &pixel, false).is_some());
        assert!(refused("id=1; SameSite=None", &pixel, false)
            .unwrap()
            .contains("without Secure"));
        // Same site, or a top-level navigation: kept.
        assert_eq!(refused("id=1", &own, false), None);
        assert_eq!(refused("id=1; SameSite=Strict", &pixel, true), None);
        // Schemeful: http on the same domain is another site.
        let insecure = Url::parse("http://cdn.site-a.test/x.js").unwrap();
        assert!(refused("id=1", &insecure, false).is_some());
    }

    #[test]
    fn the_jar_holds_what_the_browser_holds_at_the_end() {
        let home = Url::parse("https://www.site-a.test/").unwrap();
        let later = Url::parse("https://www.site-a.test/about").unwrap();
        let mut jar = Jar::default();
        let mut set = |raw: &str, from: &Url| {
            jar.set(parse(raw, from, "site-a.test", from.as_str(), at()).unwrap())
        };
        set("over=1; Max-Age=86400; Path=/", &home);
        set("gone=1; Max-Age=86400; Path=/", &home);
        set("host=h; Path=/", &home);
        set("host=d; Domain=www.site-a.test; Path=/", &home);
        set("refused=1; Domain=.test", &home);
        set("refused=1; Domain=.test", &later);
        set("over=2; Max-Age=172800; Path=/", &later);
        set("gone=; Max-Age=0; Path=/", &later);
        // A deletion of another cookie (domain, or path) deletes nothing.
        set("host=; Max-Age=0; Path=/x", &later);
        set("never=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", &later);
        let cookies = jar.into_cookies();
        let summary: Vec<_> = cookies
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.value.as_str(),
                    c.host_only,
                    c.declared_lifetime_days,
                    c.page_url.as_str(),
                    c.blocked.as_deref().map(|b| b.split(':').next().unwrap()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("over", "2", true, Some(2.0), home.as_str(), None),
                ("host", "h", true, None, home.as_str(), None),
                ("host", "d", false, None, home.as_str(), None),
                (
                    "refused",
                    "1",
                    false,
                    None,
                    home.as_str(),
                    Some("Domain=test is a public suffix")
                ),
                (
                    "gone",
                    "1",
                    true,
                    Some(1.0),
                    home.as_str(),
                    Some("deleted by a later header from https")
                ),
                (
                    "host",
                    "",
                    true,
                    Some(0.0),
                    later.as_str(),
                    Some("already expired")
                ),
                (
                    "never",
                    "",
                    true,
                    Some(-20454.0),
                    later.as_str(),
                    Some("already expired")
                ),
            ]
        );
        assert!(cookies[4]
            .blocked
            .as_deref()
            .unwrap()
            .contains("gone=; Max-Age=0"));
        assert_eq!(
            cookies[0].raw.as_deref(),
            Some("over=2; Max-Age=172800; Path=/")
        );
    }
}
