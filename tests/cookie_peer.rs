//! Our `Set-Cookie` reading against a peer suite: the http-state
//! cookie-parser tests (Adam Barth's suite for RFC 6265), as shipped in the
//! npm package tough-cookie 2.0.0, which `scripts/test` fetches with a
//! pinned checksum into `target/test-data/http-state/`.
//!
//! Each case is a list of `Set-Cookie` headers received from
//! `http://home.example.org:8888/cookie-parser?ID`, and the cookies sent to
//! a later URL. We run them through the http engine's reader and [`Jar`],
//! then pick the cookies a request to that URL carries (domain and path
//! match, longest path first, then first set), and compare the `Cookie`
//! header.
//!
//! The reference is what Chromium stores, not the suite: where the suite's
//! expectation differs from Chromium's, [`CHROMIUM`] holds what Chromium 156
//! sent, with why. Those were found by running Chromium itself, once,
//! offline: a local server answered each case's first URL with its
//! `Set-Cookie` headers on a redirect to its second URL, and recorded the
//! `Cookie` header Chromium sent there (a fresh profile per case, every host
//! mapped to 127.0.0.1). Cases where we still differ from Chromium in a way
//! that cannot change an audit verdict are in [`NO_VERDICT_IMPACT`], each
//! with its reason; every other case must agree.
//!
//! The dates (`dates/*.json`) are read by our cookie date parser and
//! compared the same way, Chromium's behaviour winning: Chromium was asked
//! through one `Expires` cookie per date (see [`DATES_CHROMIUM`]).

use std::path::PathBuf;

use barometer::crawl::set_cookie::{parse, parse_date, refused_in_context, Jar};
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

/// When Chromium was run: the suite's `Expires` dates are judged at this
/// instant (some of its "future" dates, 2017 or 2019, are past now).
const CHROMIUM_RUN: &str = "2026-12-06T04:30:00Z";

/// Cases where Chromium does not send what the suite expects: case id,
/// the `Cookie` header Chromium 156 sent (empty: none), and why.
const CHROMIUM: &[(&str, &str, &str)] = &[
    // The suite was written around 2011: its "future" dates are past now.
    (
        "0002",
        "",
        "Expires=2019 is past: the header deletes, it stores nothing",
    ),
    ("0003", "", "foo2's Expires=2017 is past too"),
    ("COMMA0006", "", "Expires=2019 is past"),
    (
        "COMMA0007",
        "",
        "Expires=2019 (`, baz=qux` after it ignored) is past",
    ),
    // A pair without `=` is a nameless cookie (RFC 6265bis), the suite
    // ignores it.
    ("0004", "foo", "`foo` is the nameless cookie foo"),
    ("0021", "a=b; x; c=d", "`=x` is the nameless cookie x"),
    (
        "0023",
        "foo",
        "an empty header is no cookie: the nameless foo stays",
    ),
    (
        "0024",
        "foo",
        "`=` has neither name nor value: no cookie, foo stays",
    ),
    (
        "0025",
        "foo",
        "`; bar` has neither name nor value: foo stays",
    ),
    ("0026", "foo", "blanks are no cookie: foo stays"),
    ("0027", "bar", "the nameless bar replaces the nameless foo"),
    ("0028", "foo", "a tab is no cookie: foo stays"),
    (
        "CHROMIUM0009",
        "BLAHHH",
        "`BLAHHH; path=/;` is a nameless cookie",
    ),
    (
        "CHROMIUM0010",
        "\"BLA\\\"HHH\"",
        "a nameless cookie, quotes kept",
    ),
    ("CHROMIUM0012", "ABC", "`=ABC` is the nameless cookie ABC"),
    (
        "MOZILLA0012",
        "test=\"fubar! = foo; five",
        "`five` is a nameless session cookie (Max-Age=2.63, is no integer)",
    ),
    ("MOZILLA0014", "six", "`six` is a nameless cookie"),
    ("MOZILLA0015", "seven", "the nameless seven replaces six"),
    (
        "MOZILLA0016",
        "eight",
        "` =eight` is the nameless eight, replacing seven",
    ),
    (
        "MOZILLA0017",
        "eight; test=six",
        "the nameless eight, then test",
    ),
    (
        "NAME0023",
        "foo",
        "`foo;bar=baz` is the nameless foo (bar=baz an unknown attribute)",
    ),
    ("NAME0028", "a", "`=a` is the nameless cookie a"),
    (
        "NAME0031",
        "\"foo",
        "the pair ends at the first `;`: the nameless `\"foo`",
    ),
    (
        "NAME0032",
        "\"foo\\\"bar",
        "the pair ends at the first `;`: a nameless cookie",
    ),
    (
        "NAME0033",
        "aaa",
        "`=foo=bar` is refused (nameless with `=`), aaa is nameless",
    ),
    // Attributes.
    (
        "OPTIONAL_DOMAIN0042",
        "foo=bar",
        "the last Domain, empty, wins: a host-only cookie",
    ),
    // Not the parser: the request, or the HTTP layer.
    (
        "DISABLED_PATH0029",
        "",
        "Chromium keeps `%6F` escaped in the request path: /f%6Fo/ is not /foo/",
    ),
    (
        "DISABLED_CHROMIUM0022",
        "",
        "Chromium refuses a response with NUL in a header: nothing loads, nothing is stored",
    ),
];

/// Cases where our jar and Chromium disagree, left so on purpose: case id
/// and why no audit verdict can change (which cookies exist, their names,
/// domains, paths and lifetimes are the same).
const NO_VERDICT_IMPACT: &[(&str, &str)] = &[(
    "CHROMIUM0019",
    "the evidence cuts cookie values to 256 characters; the cookie (a, 4095 \
     bytes of value) is stored by both",
)];

/// Dates where Chromium does not do what the suite expects: the date, and
/// what Chromium makes of it (`"far future"`: kept as a persistent cookie,
/// its lifetime capped at 400 days), and why.
///
/// Chromium 156 was asked with one `Expires` cookie per date, at the run
/// date. Of the 61 dates the suite reads, it stored none of the 60 before
/// 2026 (a date in the past: consistent) and kept the 2037 one (its expiry
/// capped at 400 days). Of the 9 the suite reads as no date, it made 8
/// session cookies (no date: consistent) and kept the year 31841 one as a
/// persistent cookie (400 days).
const DATES_CHROMIUM: &[(&str, &str, &str)] = &[(
    "Thu, 12-Aug-31841 20:49:07 GMT",
    "far future",
    "a five-digit year is a year: Chromium keeps the cookie (400 days), the suite reads no date",
)];

fn suite() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-data/http-state");
    if dir.join("parser.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: the http-state cookie suite is not in {}: run ./scripts/test \
             (it fetches tough-cookie 2.0.0 from npm, checksum pinned) to fetch it",
            dir.display()
        );
        None
    }
}

fn load(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(CHROMIUM_RUN)
        .unwrap()
        .with_timezone(&Utc)
}

/// RFC 6265 §5.1.4 path-match.
fn path_match(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// The `Cookie` header our jar would send with a request to `to` after
/// reading `received` from `from` (cookies this test cannot see, refused or
/// deleted, excluded).
fn our_header(received: &[&str], from: &Url, to: &Url) -> String {
    let mut jar = Jar::default();
    for raw in received {
        if let Ok(mut cookie) = parse(raw, from, "example.org", from.as_str(), now()) {
            if cookie.blocked.is_none() {
                if let Some(reason) = refused_in_context(&cookie, from, from.as_str(), true) {
                    cookie.blocked = Some(reason);
                }
            }
            jar.set(cookie);
        }
    }
    let host = to.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut sent: Vec<_> = jar
        .into_cookies()
        .into_iter()
        .filter(|c| c.blocked.is_none())
        .filter(|c| {
            if c.host_only {
                host == c.domain
            } else {
                host == c.domain || host.ends_with(&format!(".{}", c.domain))
            }
        })
        .filter(|c| path_match(to.path(), &c.path))
        .filter(|c| !c.secure || to.scheme() == "https")
        .collect();
    // Longest path first, then the order first set (a stable sort).
    sent.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
    sent.iter()
        .map(|c| {
            if c.name.is_empty() {
                c.value.clone()
            } else {
                format!("{}={}", c.name, c.value)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The suite's expectation as a `Cookie` header.
fn suite_header(case: &Value) -> String {
    case["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let (n, v) = (c["name"].as_str().unwrap(), c["value"].as_str().unwrap());
            if n.is_empty() {
                v.to_string()
            } else {
                format!("{n}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn http_state_parser_cases_agree_with_chromium() {
    let Some(dir) = suite() else { return };
    let cases = load(dir.join("parser.json"));
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 222, "the pinned suite has 222 cases");
    let base = Url::parse("http://home.example.org:8888/").unwrap();
    let (mut agree_suite, mut agree_chromium, mut tolerated) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["test"].as_str().unwrap();
        let received: Vec<&str> = case["received"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let from = base
            .join(&format!("/cookie-parser?{id}"))
            .expect("sent-from URL");
        let to = match case["sent-to"].as_str() {
            Some(to) => base.join(to).expect("sent-to URL"),
            None => base.join(&format!("/cookie-parser-result?{id}")).unwrap(),
        };
        let ours = our_header(&received, &from, &to);
        let expected_by_suite = suite_header(case);
        let chromium = CHROMIUM
            .iter()
            .find(|(c, _, _)| *c == id)
            .map_or(expected_by_suite.clone(), |(_, h, _)| h.to_string());
        agree_suite += usize::from(ours == expected_by_suite);
        let tolerated_here = NO_VERDICT_IMPACT.iter().any(|(c, _)| *c == id);
        if ours == chromium {
            agree_chromium += 1;
            assert!(
                !tolerated_here,
                "{id} agrees with Chromium now: take it off NO_VERDICT_IMPACT"
            );
        } else if tolerated_here {
            tolerated += 1;
        } else {
            failures.push(format!(
                "{id}: {received:?} to {to}: we send {ours:?}, Chromium {chromium:?}"
            ));
        }
    }
    eprintln!(
        "http-state parser cases: {} in all; agree with the suite {agree_suite}, \
         with Chromium {agree_chromium} ({} Chromium overrides), {tolerated} differ \
         with no verdict impact",
        cases.len(),
        CHROMIUM.len()
    );
    for (id, _, _) in CHROMIUM {
        assert!(cases.iter().any(|c| c["test"] == *id), "{id}: no such case");
    }
    assert!(
        failures.is_empty(),
        "{} cases where we do not store what Chromium stores:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn http_date(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_else(|| {
            if seconds < 0 {
                "distant past".to_string()
            } else {
                "far future".to_string()
            }
        })
}

#[test]
fn http_state_dates_agree_with_chromium() {
    let Some(dir) = suite() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in ["bsd-examples.json", "examples.json"] {
        for case in load(dir.join("dates").join(file)).as_array().unwrap() {
            let written = case["test"].as_str().unwrap();
            let expected = DATES_CHROMIUM
                .iter()
                .find(|(d, _, _)| *d == written)
                .map(|(_, e, _)| Some(e.to_string()))
                .unwrap_or_else(|| case["expected"].as_str().map(str::to_string));
            let ours = parse_date(written).map(|s| {
                if s > 253_402_300_799 {
                    "far future".to_string()
                } else {
                    http_date(s)
                }
            });
            checked += 1;
            if ours != expected {
                failures.push(format!(
                    "{file} {written:?}: we read {ours:?}, Chromium {expected:?}"
                ));
            }
        }
    }
    eprintln!("http-state dates: {checked} checked");
    assert_eq!(checked, 70, "the pinned suite has 70 dates");
    assert!(
        failures.is_empty(),
        "{} dates we read unlike Chromium:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
