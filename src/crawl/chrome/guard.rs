//! A forward proxy between Chromium and the network, for audits of public
//! sites: it resolves every name itself and refuses to connect to a
//! loopback, private, link-local or metadata address.
//!
//! Why a proxy: `Network.setBlockedURLs` sees URLs, so it can refuse IP
//! literals (see [`crate::net::PrivateGuard::browser_patterns`]) but not a
//! name such as `localhost` or `intranet.example.com` that resolves to a
//! private address. Chromium has no hook into its resolver, and judging a
//! name by resolving it beside the browser leaves a gap (the browser
//! resolves it again, perhaps to another address). Here the proxy is the
//! resolver: the address it checks is the address it connects to.
//!
//! Names mapped by `--resolve` are connected to their mapped address (the
//! user asked for them), as the http engine does. `https` and `wss` go
//! through `CONNECT` tunnels, so TLS stays end to end; plain `http` requests
//! are forwarded one per connection. A refused connection is remembered by
//! `host:port`, so the engine can record the request as blocked rather than
//! as a network failure.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::net::{blocked_message, is_public, lookup, ResolveRule};

/// Longest request or response head read (Chromium reads up to 256 KiB of
/// response headers).
const MAX_HEAD: usize = 256 * 1024;
/// Time to connect to an upstream server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client or server may take to send a head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// The proxy's refusals: `host:port` (lower case) → why.
pub(super) type Refusals = Arc<Mutex<HashMap<String, String>>>;

pub(super) struct GuardProxy {
    pub addr: SocketAddr,
    pub refused: Refusals,
    stopped: Arc<std::sync::atomic::AtomicBool>,
}

impl GuardProxy {
    /// Listen on a loopback port and serve every connection in its own
    /// thread, for the life of the process.
    pub fn start(rules: &[ResolveRule]) -> io::Result<GuardProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let refused: Refusals = Arc::default();
        let rules = Arc::new(rules.to_vec());
        let log = refused.clone();
        let stopped: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let stop = stopped.clone();
        std::thread::Builder::new()
            .name("guard-proxy".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let (rules, log) = (rules.clone(), log.clone());
                    let _ = std::thread::Builder::new()
                        .name("guard-proxy-conn".into())
                        .spawn(move || serve(stream, &rules, &log));
                }
            })?;
        Ok(GuardProxy {
            addr,
            refused,
            stopped,
        })
    }

    /// Stop accepting connections (the listener thread ends; tunnels open
    /// end with their browser).
    pub fn stop(&self) {
        if !self.stopped.swap(true, std::sync::atomic::Ordering::SeqCst) {
            // Wake the accepting thread so that it sees the flag.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        }
    }
}

/// The key of a refusal for `url`.
pub(super) fn key_of(url: &url::Url) -> Option<String> {
    Some(format!(
        "{}:{}",
        url.host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']'),
        url.port_or_known_default()?
    ))
}

/// Where `host:port` may be reached, or why not.
fn decide(rules: &[ResolveRule], host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if let Some(ip) = lookup(rules, &host, Some(port)) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let refuse = |ip: IpAddr| blocked_message(&host, ip);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return if is_public(ip) {
            Ok(vec![SocketAddr::new(ip, port)])
        } else {
            Err(refuse(ip))
        };
    }
    let found: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let public: Vec<SocketAddr> = found
        .iter()
        .copied()
        .filter(|a| is_public(a.ip()))
        .collect();
    match (public.is_empty(), found.first()) {
        (false, _) => Ok(public),
        (true, Some(first)) => Err(refuse(first.ip())),
        (true, None) => Err(format!("no address found for {host}")),
    }
}

fn serve(mut client: TcpStream, rules: &[ResolveRule], refused: &Refusals) {
    let _ = client.set_read_timeout(Some(HEAD_TIMEOUT));
    let Some((head, rest)) = read_head(&mut client) else {
        return;
    };
    let _ = client.set_read_timeout(None);
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    if method.eq_ignore_ascii_case("CONNECT") {
        let Some((host, port)) = target
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        else {
            let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        let Some(mut upstream) = open(rules, refused, host, port) else {
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_err()
            || upstream.write_all(&rest).is_err()
        {
            return;
        }
        pipe(client, upstream);
        return;
    }
    // A plain http request in absolute form: forwarded on a connection of
    // its own, closed after the response.
    let Some(url) = url::Url::parse(target)
        .ok()
        .filter(|u| u.scheme() == "http")
    else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let Some(mut upstream) = open(rules, refused, host, port) else {
        // No answer at all: the browser records a failed request, which the
        // engine then names as blocked.
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let origin_form = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let version = first.next().unwrap_or("HTTP/1.1");
    let mut out = format!("{method} {origin_form} {version}\r\n");
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        if !hop_by_hop(line) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(out.as_bytes()).is_err() || upstream.write_all(&rest).is_err() {
        return;
    }
    // The request body, if any, follows while the response comes back.
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let body = std::thread::spawn(move || {
        let _ = io::copy(&mut from_client, &mut to_upstream);
    });
    let _ = upstream.set_read_timeout(Some(HEAD_TIMEOUT));
    if let Some((head, rest)) = read_head(&mut upstream) {
        let _ = upstream.set_read_timeout(None);
        let text = String::from_utf8_lossy(&head);
        let mut out = String::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            if !hop_by_hop(line) {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        out.push_str("Connection: close\r\n\r\n");
        if client.write_all(out.as_bytes()).is_ok() && client.write_all(&rest).is_ok() {
            let _ = io::copy(&mut upstream, &mut client);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream.shutdown(Shutdown::Both);
    let _ = body.join();
}

/// Connect to `host:port` if the guard lets it, remembering a refusal.
fn open(rules: &[ResolveRule], refused: &Refusals, host: &str, port: u16) -> Option<TcpStream> {
    match decide(rules, host, port) {
        Ok(addrs) => addrs
            .iter()
            .find_map(|a| TcpStream::connect_timeout(a, CONNECT_TIMEOUT).ok()),
        Err(why) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(mut map) = refused.lock() {
                map.insert(format!("{}:{port}", host.to_ascii_lowercase()), why);
            }
            None
        }
    }
}

/// Headers that describe one connection, not the message.
fn hop_by_hop(line: &str) -> bool {
    let name = line.split(':').next().unwrap_or("").trim();
    [
        "connection",
        "proxy-connection",
        "keep-alive",
        "proxy-authorization",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// Read up to the end of a head (`\r\n\r\n`): the head, and the bytes read
/// past it.
fn read_head(stream: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            let end = from + at + 4;
            let rest = buf.split_off(end);
            return Some((buf, rest));
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}

/// Copy both ways until either side closes, then close both.
fn pipe(a: TcpStream, b: TcpStream) {
    let (Ok(mut a2), Ok(mut b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut b2, &mut a2);
        let _ = a2.shutdown(Shutdown::Both);
        let _ = b2.shutdown(Shutdown::Both);
    });
    let (mut a, mut b) = (a, b);
    let _ = io::copy(&mut a, &mut b);
    let _ = a.shutdown(Shutdown::Both);
    let _ = b.shutdown(Shutdown::Both);
    let _ = back.join();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_judged_by_the_address_they_resolve_to() {
        let rules = vec![ResolveRule::parse("www.site.test:127.0.0.1").unwrap()];
        // Mapped: asked for.
        assert_eq!(
            decide(&rules, "www.site.test", 443).unwrap(),
            vec!["127.0.0.1:443".parse().unwrap()]
        );
        // Not mapped, resolving to loopback.
        let why = decide(&rules, "localhost", 8080).unwrap_err();
        assert!(why.starts_with("blocked: localhost"), "{why}");
        // Literals.
        assert!(decide(&rules, "169.254.169.254", 80).is_err());
        assert!(decide(&rules, "[::1]", 80).is_err());
        assert!(decide(&rules, "93.184.215.14", 80).is_ok());
    }

    #[test]
    fn refusals_are_keyed_as_urls_are() {
        let u = url::Url::parse("http://LocalHost:8080/x").unwrap();
        assert_eq!(key_of(&u).unwrap(), "localhost:8080");
        let u = url::Url::parse("https://[::1]/").unwrap();
        assert_eq!(key_of(&u).unwrap(), "::1:443");
    }

    #[test]
    fn a_tunnel_to_a_refused_name_is_answered_403_and_remembered() {
        let proxy = GuardProxy::start(&[]).unwrap();
        let mut c = TcpStream::connect(proxy.addr).unwrap();
        c.write_all(b"CONNECT localhost:8443 HTTP/1.1\r\nHost: localhost:8443\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
        assert!(proxy.refused.lock().unwrap().contains_key("localhost:8443"));
        proxy.stop();
        std::thread::sleep(Duration::from_millis(100));
        assert!(TcpStream::connect(proxy.addr).is_err(), "still listening");
    }
}
