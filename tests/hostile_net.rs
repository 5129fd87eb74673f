//! Hostile sites on the network side: a site that points the auditor at its
//! own network, malformed or oversized responses, tarpits, page storms, and
//! two runs sharing one store.
//!
//! The sites here are served by a raw HTTP server written in this file: it
//! sends bytes that no well-behaved server library would (obsolete bytes in
//! header values, hundreds of headers, one byte a second), and it can listen
//! on any loopback address (127.0.0.7 stands for a machine of the auditor's
//! network).

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{barometer, stderr};
use serde_json::Value;

/// One canned answer.
#[derive(Clone)]
struct Answer {
    head: Vec<u8>,
    body: Vec<u8>,
    /// Send the body one byte per this long.
    trickle: Option<Duration>,
}

fn html(body: &str) -> Answer {
    answer(200, &[("Content-Type", "text/html; charset=utf-8")], body)
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut head = format!("HTTP/1.1 {status} X\r\n").into_bytes();
    for (k, v) in headers {
        head.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    Answer {
        head,
        body: body.as_bytes().to_vec(),
        trickle: None,
    }
}

/// `(host, path, port of this server)` to the answer.
type Handler = dyn Fn(&str, &str, u16) -> Answer + Send + Sync;

/// A raw HTTP/1.1 server: one thread per connection, `Connection: close`.
struct Raw {
    port: u16,
    /// `host path` of every request, in order.
    hits: Arc<Mutex<Vec<String>>>,
}

impl Raw {
    fn start(ip: &str, handler: Arc<Handler>) -> Raw {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, seen) = (handler.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, port, &*handler, &seen));
            }
        });
        Raw { port, hits }
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, port: u16, handler: &Handler, hits: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let host = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("host:")
                .map(|h| h.trim().split(':').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    hits.lock().unwrap().push(format!("{host} {path}"));
    let a = handler(&host, &path, port);
    let mut head = a.head.clone();
    head.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            a.body.len()
        )
        .as_bytes(),
    );
    if stream.write_all(&head).is_err() {
        return;
    }
    match a.trickle {
        None => {
            let _ = stream.write_all(&a.body);
        }
        Some(every) => {
            for b in &a.body {
                if stream.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        }
    }
}

fn scan_json(args: &[&str]) -> (std::process::Output, Value) {
    let mut all = vec!["scan", "--engine", "http", "--format", "json"];
    all.extend_from_slice(args);
    let out = barometer(&all);
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("no JSON: {}", stderr(&out)));
    (out, json)
}

const SECRET: &str = "INTERNAL-ONLY-7731";

/// The internal machine, on 127.0.0.7: a page and a pixel.
fn internal() -> Raw {
    Raw::start(
        "127.0.0.7",
        Arc::new(|_, path, _| {
            match path {
            "/secret" => html(&format!(
                "<html><head><title>Intranet</title></head><body><h1>Privacy policy</h1><p>{SECRET}</p></body></html>"
            )),
            _ => answer(200, &[("Content-Type", "image/gif")], "GIF89a"),
        }
        }),
    )
}

/// A public-looking site whose banner's policy link points at the internal
/// machine, whose `/about` redirects to it, and which loads a pixel from it.
fn ssrf_site(internal_port: u16) -> Raw {
    Raw::start(
        "127.0.0.1",
        Arc::new(move |_, path, _| {
            let secret = format!("http://127.0.0.7:{internal_port}/secret");
            match path {
                "/" => html(&format!(
                    r#"<html lang="en"><head><title>Shop</title></head><body>
<div id="cookie-banner"><p>We use cookies for advertising.</p>
<a href="{secret}">Privacy policy</a><button>Accept all</button><button>Reject all</button></div>
<a href="/about">About us</a>
<img src="http://127.0.0.7:{internal_port}/pixel.gif">
</body></html>"#
                )),
                "/about" => answer(302, &[("Location", &secret)], ""),
                _ => answer(404, &[("Content-Type", "text/plain")], "not found"),
            }
        }),
    )
}

/// Every request of the first visit, as `(url, status, error)`.
fn requests(report: &Value) -> Vec<(String, Option<u64>, Option<String>)> {
    report["sites"][0]["evidence"]["visits"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["url"].as_str().unwrap().to_string(),
                r["status"].as_u64(),
                r["error"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn internal_link_redirect_and_pixel_are_blocked_for_a_public_site() {
    let inner = internal();
    let site = ssrf_site(inner.port);
    let url = format!("http://www.shop-ssrf.test:{}/", site.port);
    let har = tempfile::tempdir().unwrap();
    let (out, report) = scan_json(&[
        &url,
        "--resolve",
        "www.shop-ssrf.test:127.0.0.1",
        "--timeout",
        "5",
        "--har",
        har.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing reached the internal machine.
    assert_eq!(inner.hits(), Vec::<String>::new());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(SECRET));
    for f in std::fs::read_dir(har.path()).unwrap() {
        let har = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!har.contains(SECRET));
    }
    // The policy link, the redirect's hop and the pixel are recorded as
    // blocked, never as fetched.
    let secret = format!("http://127.0.0.7:{}/secret", inner.port);
    let pixel = format!("http://127.0.0.7:{}/pixel.gif", inner.port);
    let reqs = requests(&report);
    let blocked: Vec<&(String, Option<u64>, Option<String>)> =
        reqs.iter().filter(|r| r.0.contains("127.0.0.7")).collect();
    assert_eq!(blocked.len(), 3, "{reqs:?}");
    for r in &blocked {
        assert_eq!(r.1, None, "{r:?}");
        assert!(
            r.2.as_deref().unwrap().starts_with("blocked: 127.0.0.7"),
            "{r:?}"
        );
    }
    let mut urls: Vec<&str> = blocked.iter().map(|r| r.0.as_str()).collect();
    urls.sort();
    assert_eq!(urls, vec![pixel.as_str(), secret.as_str(), secret.as_str()]);
    // The redirect itself was seen (it is evidence), its target refused.
    let about = reqs.iter().find(|r| r.0.ends_with("/about")).unwrap();
    assert_eq!(about.1, Some(302));
    let kinds: Vec<&str> = report["sites"][0]["evidence"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| *k == "private_address_blocked")
        .collect();
    assert_eq!(kinds.len(), 3);
}

#[test]
fn allow_private_lets_the_internal_pages_through() {
    let inner = internal();
    let site = ssrf_site(inner.port);
    let url = format!("http://www.shop-ssrf.test:{}/", site.port);
    let (out, report) = scan_json(&[
        &url,
        "--resolve",
        "www.shop-ssrf.test:127.0.0.1",
        "--timeout",
        "5",
        "--allow-private",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut hits = inner.hits();
    hits.sort();
    // The policy link and the redirect of /about.
    assert_eq!(
        hits,
        vec![
            "127.0.0.7 /pixel.gif",
            "127.0.0.7 /secret",
            "127.0.0.7 /secret"
        ]
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(SECRET));
    assert!(requests(&report)
        .iter()
        .all(|r| r.2.as_deref().is_none_or(|e| !e.starts_with("blocked"))));
}

#[test]
fn a_site_on_a_private_address_is_audited_without_the_guard() {
    // Given by its loopback address, the site is itself on the auditor's
    // network: the guard has nothing to protect.
    let inner = internal();
    let site = ssrf_site(inner.port);
    let url = format!("http://127.0.0.1:{}/", site.port);
    let (out, _) = scan_json(&[&url, "--timeout", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(inner.hits().contains(&"127.0.0.7 /pixel.gif".to_string()));
}

#[test]
fn a_name_that_resolves_to_loopback_is_blocked_unless_mapped() {
    // `localhost` is not mapped by --resolve: written in a public site's
    // page, it is refused like a literal. The audited name is mapped.
    let site = Raw::start(
        "127.0.0.1",
        Arc::new(|_, _, _| answer(200, &[("Content-Type", "image/gif")], "GIF89a")),
    );
    let home = Raw::start(
        "127.0.0.1",
        Arc::new({
            let port = site.port;
            move |_, _, _| {
                html(&format!(
                    r#"<html><body><p>Hi</p><img src="http://localhost:{port}/local.gif"></body></html>"#
                ))
            }
        }),
    );
    let url = format!("http://www.pub-names.test:{}/", home.port);
    let (out, report) = scan_json(&[&url, "--resolve", "www.pub-names.test:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.hits().is_empty(), "{:?}", site.hits());
    let local = requests(&report)
        .into_iter()
        .find(|r| r.0.contains("localhost"))
        .unwrap();
    assert!(local.2.unwrap().starts_with("blocked: localhost"));
    // Near miss: mapped by --resolve, the same name is asked for.
    let (out, _) = scan_json(&[
        &url,
        "--resolve",
        "www.pub-names.test:127.0.0.1",
        "--resolve",
        "localhost:127.0.0.1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(site.hits(), vec!["localhost /local.gif"]);
}

#[test]
fn only_html_is_read_as_a_page() {
    // A policy link to a JSON document: fetched, but not read as a page.
    let site = Raw::start(
        "127.0.0.1",
        Arc::new(|_, path, _| match path {
            "/" => html(
                r#"<html><body><div id="cookie-banner"><p>We use cookies.</p><a href="/privacy">Privacy policy</a><button>Accept all</button></div></body></html>"#,
            ),
            "/privacy" => answer(
                200,
                &[("Content-Type", "application/json")],
                r#"{"policy": "JSON-POLICY-TEXT"}"#,
            ),
            "/privacy.html" => html("<html><body><p>HTML-POLICY-TEXT</p></body></html>"),
            _ => answer(404, &[], ""),
        }),
    );
    let url = format!("http://www.types.test:{}/", site.port);
    let (out, report) = scan_json(&[&url, "--resolve", "www.types.test:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages = report["sites"][0]["evidence"]["visits"][0]["pages"]
        .as_array()
        .unwrap();
    let policy = pages
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with("/privacy"))
        .unwrap();
    assert_eq!(
        policy["error"].as_str().unwrap(),
        "not an HTML document (application/json)"
    );
    assert!(policy["text"].is_null());
}

#[test]
fn ip_classes() {
    use barometer::net::is_public;
    for private in [
        "127.0.0.1",
        "127.0.0.7",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
    ] {
        assert!(!is_public(private.parse().unwrap()), "{private}");
    }
    for public in [
        "93.184.216.34",
        "172.32.0.1",
        "100.128.0.1",
        "8.8.8.8",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
    ] {
        assert!(is_public(public.parse().unwrap()), "{public}");
    }
}

// ---- Two runs on one store ----

fn run_args<'a>(sites: &'a str, db: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        sites,
        "--db",
        db,
        "--engine",
        "http",
        "--resolve",
        "*:127.0.0.1",
        "--insecure",
        "--timeout",
        "10",
        "--quiet",
        "--concurrency",
        "2",
    ];
    args.extend_from_slice(extra);
    args
}

/// `(url, state, attempts)` of every site of the only campaign of `db`.
fn sites_of(db: &std::path::Path) -> Vec<(String, String, u32)> {
    let store = barometer::store::Store::open_read_only(db).unwrap();
    let campaign = store.campaign(None).unwrap();
    let mut out = Vec::new();
    store
        .for_each_site(campaign.id, |s| {
            out.push((
                s.url.clone(),
                format!("{:?}", s.state).to_lowercase(),
                s.attempts,
            ));
            Ok(())
        })
        .unwrap();
    out.sort();
    out
}

#[test]
fn two_runs_on_a_new_store_audit_each_site_once() {
    let w = common::web();
    let dir = tempfile::tempdir().unwrap();
    let list: String = (1..=10)
        .map(|i| format!("{}\n", w.url(&format!("site{i}.many.test"))))
        .collect();
    let sites = dir.path().join("sites.txt");
    std::fs::write(&sites, list).unwrap();
    let db = dir.path().join("c.sqlite");
    let (s, d) = (sites.to_str().unwrap(), db.to_str().unwrap());
    let bin = env!("CARGO_BIN_EXE_barometer");
    let spawn = || {
        std::process::Command::new(bin)
            .args(run_args(s, d, &[]))
            .env("NO_COLOR", "1")
            .env("BAROMETER_LISTS_DIR", "/nonexistent/barometer-test-lists")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let all = sites_of(&db);
    assert_eq!(all.len(), 10);
    for (url, state, attempts) in &all {
        assert_eq!((state.as_str(), *attempts), ("done", 1), "{url}");
    }
    // A third run finds nothing to do; the attempts stay at one.
    let c = barometer(&run_args(s, d, &[]));
    assert!(c.status.success(), "{}", stderr(&c));
    assert!(
        stderr(&c).contains("nothing left to audit"),
        "{}",
        stderr(&c)
    );
    assert!(sites_of(&db).iter().all(|s| s.2 == 1));
}

#[test]
fn claims_do_not_stop_a_later_retry_of_failed_sites() {
    // Near miss of the claims: a site that failed in an earlier run is
    // audited again by --retry-failed (attempts 2), and only then.
    let w = common::web();
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.txt");
    std::fs::write(
        &sites,
        format!(
            "{}\n{}\n",
            w.url("site1.many.test"),
            w.url("www.not-in-the-web.test")
        ),
    )
    .unwrap();
    let db = dir.path().join("c.sqlite");
    let (s, d) = (sites.to_str().unwrap(), db.to_str().unwrap());
    let first = barometer(&run_args(s, d, &[]));
    assert!(first.status.success(), "{}", stderr(&first));
    let states =
        |db| -> Vec<(String, u32)> { sites_of(db).into_iter().map(|s| (s.1, s.2)).collect() };
    assert_eq!(
        states(&db),
        vec![("done".to_string(), 1), ("failed".to_string(), 1)]
    );
    let again = barometer(&run_args(s, d, &[]));
    assert!(again.status.success());
    assert_eq!(
        states(&db),
        vec![("done".to_string(), 1), ("failed".to_string(), 1)]
    );
    let retry = barometer(&run_args(s, d, &["--retry-failed"]));
    assert!(retry.status.success(), "{}", stderr(&retry));
    assert_eq!(
        states(&db),
        vec![("done".to_string(), 1), ("failed".to_string(), 2)]
    );
}

// ---- Big sites files ----

#[test]
fn ten_thousand_duplicates_give_a_dozen_warning_lines() {
    let w = common::web();
    let dir = tempfile::tempdir().unwrap();
    let url = w.url("site1.many.test");
    let mut list = String::new();
    for _ in 0..10_001 {
        list.push_str(&url);
        list.push('\n');
    }
    list.push_str("not a url at all\n");
    let sites = dir.path().join("sites.txt");
    std::fs::write(&sites, list).unwrap();
    let db = dir.path().join("c.sqlite");
    let out = barometer(&run_args(
        sites.to_str().unwrap(),
        db.to_str().unwrap(),
        &[],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 11, "{err}");
    assert!(warnings[0].contains(":2: skipped: duplicate of line 1"));
    assert!(warnings[10].ends_with(
        "9991 more lines skipped (9990 duplicates, 1 invalid); the campaign report lists them"
    ));
    assert!(err.contains("10001 input lines skipped"), "{err}");
    // Near miss: ten skipped lines are all named, no summary.
    let few: String = std::iter::repeat_n(format!("{url}\n"), 11).collect();
    std::fs::write(&sites, few).unwrap();
    let db2 = dir.path().join("d.sqlite");
    let out = barometer(&run_args(
        sites.to_str().unwrap(),
        db2.to_str().unwrap(),
        &[],
    ));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 10, "{err}");
    assert!(!err.contains("more lines skipped"));
}

// ---- Tolerant parsing ----

/// A response head with `extra` raw header lines (bytes as given).
fn raw_head(status: u16, ct: &str, extra: &[Vec<u8>]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} OK\r\nContent-Type: {ct}\r\n").into_bytes();
    for line in extra {
        head.extend_from_slice(line);
        head.extend_from_slice(b"\r\n");
    }
    head
}

fn tolerant_site(tracker_headers: usize) -> Raw {
    Raw::start(
        "127.0.0.1",
        Arc::new(move |host, path, port| {
            if host == "www.obs-bytes.test" && path == "/" {
                // A home page with a hundred headers, one with obsolete bytes.
                let mut extra: Vec<Vec<u8>> = (0..100)
                    .map(|i| format!("X-Header-{i}: value {i}").into_bytes())
                    .collect();
                extra.push(b"X-Latin: caf\xe9 cr\xe8me".to_vec());
                return Answer {
                    head: raw_head(200, "text/html", &extra),
                    body: format!(
                        r#"<html><body><p>Shop</p><img src="http://px.obs-tracker.test:{port}/p.gif"></body></html>"#
                    )
                    .into_bytes(),
                    trickle: None,
                };
            }
            // The tracker: a DEL byte in one header, obsolete bytes in
            // another, and its cookie among many headers.
            let mut extra: Vec<Vec<u8>> =
                vec![b"X-Del: a\x7fb".to_vec(), b"X-Obs: \xff\xfe".to_vec()];
            extra.extend(
                (0..tracker_headers).map(|i| format!("X-Pad-{i}: {}", "p".repeat(60)).into_bytes()),
            );
            extra.push(b"Set-Cookie: _trk=abc; Max-Age=31536000; Path=/".to_vec());
            Answer {
                head: raw_head(200, "image/gif", &extra),
                body: b"GIF89a".to_vec(),
                trickle: None,
            }
        }),
    )
}

fn cookie_names(report: &Value) -> Vec<String> {
    report["sites"][0]["evidence"]["visits"][0]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn odd_and_numerous_headers_lose_no_cookie() {
    let site = tolerant_site(150);
    let url = format!("http://www.obs-bytes.test:{}/", site.port);
    let (out, report) = scan_json(&[&url, "--resolve", "*:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["sites"][0]["audited"], true);
    assert_eq!(cookie_names(&report), vec!["_trk"]);
    let px = requests(&report)
        .into_iter()
        .find(|r| r.0.contains("obs-tracker"))
        .unwrap();
    assert_eq!((px.1, px.2), (Some(200), None));
}

#[test]
fn headers_beyond_what_a_browser_reads_fail_the_request() {
    // Near miss: 5,000 header lines (over 256 KiB) are more than Chromium
    // reads: the request fails, recorded with its error and no status.
    let site = tolerant_site(5_000);
    let url = format!("http://www.obs-bytes.test:{}/", site.port);
    let (out, report) = scan_json(&[&url, "--resolve", "*:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(cookie_names(&report).is_empty());
    let px = requests(&report)
        .into_iter()
        .find(|r| r.0.contains("obs-tracker"))
        .unwrap();
    assert_eq!(px.1, None);
    assert!(px.2.is_some());
}

// ---- Bounded work per page ----

#[test]
fn a_tarpit_holds_a_page_for_one_time_out_and_its_requests_are_errors() {
    let site = Raw::start(
        "127.0.0.1",
        Arc::new(|_, path, _| {
            if path == "/" {
                let imgs: String = (0..300)
                    .map(|i| format!(r#"<img src="/t{i}.gif">"#))
                    .collect();
                return html(&format!("<html><body><p>Tarpit</p>{imgs}</body></html>"));
            }
            let mut a = answer(200, &[("Content-Type", "image/gif")], &"x".repeat(100));
            a.trickle = Some(Duration::from_secs(1));
            a
        }),
    );
    let url = format!("http://www.tarpit.test:{}/", site.port);
    let clock = Instant::now();
    let (out, report) = scan_json(&[&url, "--resolve", "*:127.0.0.1", "--timeout", "3"]);
    let took = clock.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    // Without a page budget: 300 / 8 at a time x 3 s = 112 s (the bound
    // leaves room for a loaded test machine; alone it takes about 4 s).
    assert!(took < Duration::from_secs(60), "{took:?}");
    let imgs: Vec<_> = requests(&report)
        .into_iter()
        .filter(|r| r.0.ends_with(".gif"))
        .collect();
    assert_eq!(imgs.len(), 300);
    for r in &imgs {
        assert_eq!(r.1, None, "{r:?}");
        let e = r.2.as_deref().unwrap();
        assert!(
            e.starts_with("timed out")
                || e.starts_with("not fetched")
                || e.starts_with("body cut short"),
            "{r:?}"
        );
    }
}

#[test]
fn fast_subresources_within_the_cap_all_load() {
    // Near miss of the tarpit and the cap: 20 images and 5 frames of 3
    // images each load in full, with their status and no error.
    let site = Raw::start(
        "127.0.0.1",
        Arc::new(|_, path, _| {
            if path == "/" {
                let imgs: String = (0..20)
                    .map(|i| format!(r#"<img src="/i{i}.gif">"#))
                    .collect();
                let frames: String = (0..5)
                    .map(|i| format!(r#"<iframe src="/f{i}.html"></iframe>"#))
                    .collect();
                return html(&format!(
                    "<html><body><p>Calm</p>{imgs}{frames}</body></html>"
                ));
            }
            if let Some(f) = path.strip_prefix("/f") {
                let imgs: String = (0..3)
                    .map(|i| format!(r#"<img src="/{}-{i}.gif">"#, f.trim_end_matches(".html")))
                    .collect();
                return html(&format!("<html><body>{imgs}</body></html>"));
            }
            answer(200, &[("Content-Type", "image/gif")], "GIF89a")
        }),
    );
    let url = format!("http://www.calm.test:{}/", site.port);
    let (out, report) = scan_json(&[&url, "--resolve", "*:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let subs: Vec<_> = requests(&report)
        .into_iter()
        .filter(|r| r.0 != url)
        .collect();
    assert_eq!(subs.len(), 40, "{subs:?}");
    assert!(subs.iter().all(|r| r.1 == Some(200) && r.2.is_none()));
    let errors = report["sites"][0]["evidence"]["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["kind"] != "subresources_capped"));
}

#[test]
fn a_frame_storm_is_capped_per_page() {
    let site = Raw::start(
        "127.0.0.1",
        Arc::new(|_, path, _| {
            if path == "/" {
                let mut body = String::from("<html><body><p>Storm</p>");
                for i in 0..10_000 {
                    body.push_str(&format!(
                        r#"<iframe src="/f{i}.html"></iframe><img src="/i{i}.gif">"#
                    ));
                }
                body.push_str("</body></html>");
                return html(&body);
            }
            if path.starts_with("/f") {
                let imgs: String = (0..50)
                    .map(|i| format!(r#"<img src="/x{i}.gif?{path}">"#))
                    .collect();
                return html(&format!("<html><body>{imgs}</body></html>"));
            }
            answer(200, &[("Content-Type", "image/gif")], "GIF89a")
        }),
    );
    let url = format!("http://www.storm.test:{}/", site.port);
    let clock = Instant::now();
    let (out, report) = scan_json(&[&url, "--resolve", "*:127.0.0.1", "--pages", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Unbounded, 45,000 requests took about a minute of a release build.
    assert!(clock.elapsed() < Duration::from_secs(120));
    // The home page, then 300 subresources for the page, frames included.
    assert_eq!(site.hits().len(), 301);
    assert_eq!(requests(&report).len(), 301);
    assert!(out.stdout.len() < 2_000_000, "{} bytes", out.stdout.len());
    let capped: Vec<&Value> = report["sites"][0]["evidence"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "subresources_capped")
        .collect();
    assert_eq!(capped.len(), 1);
    assert!(capped[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("subresources on the page, frames included; only the first 300 were fetched"));
}

#[test]
fn the_browser_refuses_internal_names_and_literals_for_a_public_site() {
    // The browser engine, behind its guard proxy: a policy link to a name
    // that resolves to loopback, a pixel on it, and a pixel on a private
    // literal are all refused; nothing reaches either machine.
    let inner = internal();
    let local = Raw::start(
        "127.0.0.1",
        Arc::new(|_, path, _| match path {
            "/secret" => html(&format!("<html><body><p>{SECRET}</p></body></html>")),
            _ => answer(200, &[("Content-Type", "image/gif")], "GIF89a"),
        }),
    );
    let home = Raw::start(
        "127.0.0.1",
        Arc::new({
            let (lp, ip) = (local.port, inner.port);
            move |_, path, _| match path {
                "/" => html(&format!(
                    r#"<html lang="en"><head><title>Shop</title></head><body>
<div id="cookie-banner"><p>We use cookies for advertising.</p>
<a href="http://localhost:{lp}/secret">Privacy policy</a><button>Accept all</button><button>Reject all</button></div>
<img src="http://localhost:{lp}/local.gif"><img src="http://127.0.0.7:{ip}/pixel.gif">
</body></html>"#
                )),
                _ => answer(404, &[("Content-Type", "text/plain")], "not found"),
            }
        }),
    );
    let url = format!("http://www.shop-names.test:{}/", home.port);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--engine",
            "chrome",
            "--format",
            "json",
            &url,
            "--resolve",
            "www.shop-names.test:127.0.0.1",
            "--consent",
            "none",
        ];
        args.extend_from_slice(extra);
        let out = barometer(&args);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("no JSON: {}", stderr(&out)));
        (out, json)
    };
    let (out, report) = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(local.hits(), Vec::<String>::new());
    assert_eq!(inner.hits(), Vec::<String>::new());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    let reqs = requests(&report);
    let gif = reqs
        .iter()
        .find(|r| r.0.ends_with("/local.gif"))
        .unwrap_or_else(|| panic!("{reqs:?}"));
    assert_eq!(gif.1, None, "{gif:?}");
    assert!(
        gif.2.as_deref().unwrap().starts_with("blocked: localhost"),
        "{gif:?}"
    );
    let pixel = reqs.iter().find(|r| r.0.ends_with("/pixel.gif")).unwrap();
    assert!(
        pixel.2.as_deref().unwrap().starts_with("blocked: "),
        "{pixel:?}"
    );
    let blocked: Vec<&str> = report["sites"][0]["evidence"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "private_address_blocked")
        .filter_map(|e| e["url"].as_str())
        .collect();
    assert!(
        blocked.iter().any(|u| u.ends_with("/local.gif")),
        "{blocked:?}"
    );
    // Near miss: mapped by --resolve, the name is asked for, and reached
    // through the same proxy.
    let (out, _) = run(&["--resolve", "localhost:127.0.0.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        local.hits().contains(&"localhost /local.gif".to_string()),
        "{:?}",
        local.hits()
    );
    assert_eq!(inner.hits(), Vec::<String>::new());
}

// ---- The store and reports under hostile conditions ----

/// A campaign of `n` test-web sites in `dir/c.sqlite`.
fn small_campaign(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let w = common::web();
    let list: String = (1..=n)
        .map(|i| format!("{}\n", w.url(&format!("site{i}.many.test"))))
        .collect();
    let sites = dir.join("sites.txt");
    std::fs::write(&sites, list).unwrap();
    let db = dir.join("c.sqlite");
    let out = barometer(&run_args(
        sites.to_str().unwrap(),
        db.to_str().unwrap(),
        &[],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    db
}

#[test]
fn report_reads_a_store_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = small_campaign(dir.path(), 3);
    let before = std::fs::read(&db).unwrap();
    // The store and its folder are read-only for whoever runs `report`:
    // for root, which ignores permission bits, that is the `nobody` user.
    let root = unsafe { libc::geteuid() } == 0;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(out_dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = env!("CARGO_BIN_EXE_barometer");
    let args = [
        "report",
        "--db",
        db.to_str().unwrap(),
        "-o",
        out_dir.path().to_str().unwrap(),
    ];
    let out = if root {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(args)
            .env("NO_COLOR", "1")
            .env("HOME", out_dir.path())
            .env("BAROMETER_LISTS_DIR", "/nonexistent/barometer-test-lists")
            .output()
            .expect("setpriv (util-linux) runs `report` as an unprivileged user")
    } else {
        barometer(&args)
    };
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("readonly"), "{}", stderr(&out));
    let index = std::fs::read_to_string(out_dir.path().join("index.html")).unwrap();
    assert!(index.contains("site1.many.test"), "{index}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the store was written");
}

#[test]
fn a_report_killed_mid_write_leaves_no_partial_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_campaign(dir.path(), 8);
    let out_dir = dir.path().join("report");
    let bin = env!("CARGO_BIN_EXE_barometer");
    let spawn = || {
        std::process::Command::new(bin)
            .args(["report", "--db", db.to_str().unwrap(), "-o"])
            .arg(&out_dir)
            .env("NO_COLOR", "1")
            .env("BAROMETER_LISTS_DIR", "/nonexistent/barometer-test-lists")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // A whole report, timed, then reports killed at points spread over that
    // time: each page on disk is always a whole page.
    let start = Instant::now();
    assert!(spawn().wait().unwrap().success());
    let whole = start.elapsed();
    for k in 1..=8u32 {
        let mut child = spawn();
        std::thread::sleep(whole * k / 9);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut pages = vec![out_dir.join("index.html")];
        if let Ok(entries) = std::fs::read_dir(out_dir.join("sites")) {
            pages.extend(entries.map(|e| e.unwrap().path()));
        }
        for page in pages
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
        {
            let text = std::fs::read_to_string(page).unwrap();
            assert!(
                text.trim_end().ends_with("</html>"),
                "{} is partial after a SIGKILL at {k}/9 ({} bytes)",
                page.display(),
                text.len()
            );
        }
    }
}
