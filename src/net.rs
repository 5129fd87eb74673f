//! Network plumbing shared by the engines: `--resolve` overrides and the
//! HTTP client.
//!
//! `--resolve` follows curl: `HOST:ADDR` or `HOST:PORT:ADDR`, where HOST may
//! be `*` (every host) or `*.example.com` (the domain and everything below
//! it). It lets the same binary audit a local test web, a staging server
//! behind a production name, or a site pinned to one front end.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

/// One `--resolve` override.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveRule {
    /// `*`, `*.suffix`, or an exact host name (lower case).
    pub host: String,
    /// Only for URLs with this port, when given.
    pub port: Option<u16>,
    pub addr: IpAddr,
}

impl ResolveRule {
    /// Parse `HOST:ADDR` or `HOST:PORT:ADDR` (IPv6 addresses may be bracketed).
    pub fn parse(spec: &str) -> Result<Self> {
        let bad = || {
            anyhow!("invalid --resolve `{spec}`: expected HOST:ADDR or HOST:PORT:ADDR, e.g. `*.test:127.0.0.1`")
        };
        let (host, rest) = spec.split_once(':').ok_or_else(bad)?;
        let host = host.trim().to_ascii_lowercase();
        if host.is_empty()
            || host.contains(['/', ' '])
            || (host.contains('*') && host != "*" && !host.starts_with("*."))
        {
            return Err(bad());
        }
        let parse_addr = |s: &str| -> Option<IpAddr> {
            s.trim_start_matches('[').trim_end_matches(']').parse().ok()
        };
        if let Some(addr) = parse_addr(rest) {
            return Ok(ResolveRule {
                host,
                port: None,
                addr,
            });
        }
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let addr = parse_addr(addr).ok_or_else(bad)?;
        Ok(ResolveRule {
            host,
            port: Some(port),
            addr,
        })
    }

    fn matches(&self, host: &str) -> bool {
        match self.host.strip_prefix("*.") {
            _ if self.host == "*" => true,
            Some(suffix) => crate::knowledge::host_within(host, suffix),
            None => self.host == host,
        }
    }
}

impl std::fmt::Display for ResolveRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{}:{}", self.host, p, self.addr),
            None => write!(f, "{}:{}", self.host, self.addr),
        }
    }
}

/// The override for `host` (and `port`), if any; the first match wins.
pub fn lookup(rules: &[ResolveRule], host: &str, port: Option<u16>) -> Option<IpAddr> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    rules
        .iter()
        .find(|r| r.matches(&host) && (r.port.is_none() || r.port == port))
        .map(|r| r.addr)
}

/// The start of the error of a request refused because it would leave the
/// audited site's network class (see [`PrivateGuard`]).
pub const BLOCKED: &str = "blocked: ";

/// Whether `ip` can be reached from the public internet: not loopback,
/// private (RFC 1918, unique local), link-local (cloud metadata at
/// 169.254.169.254 included), shared (100.64/10), unspecified, multicast or
/// reserved. IPv4 addresses mapped or translated into IPv6 are judged as
/// IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
                let [_, _, _, _, _, _, hi, lo] = seg;
                let v4 =
                    std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
                return is_public(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] == 0x2001 && seg[1] == 0x0db8))
        }
    }
}

/// Keeps an audit of a public site inside the public network: a page, link,
/// redirect or subresource that points at a loopback, private, link-local or
/// metadata address is refused, so an audited site cannot make the auditor
/// fetch pages of its own network into a report.
///
/// The site counts as public when its name is mapped by `--resolve` (the
/// mapping stands in for its public DNS: that is how a test web or a staging
/// server is audited) or resolves to at least one public address. A name
/// mapped by `--resolve` is always let through (the user asked for it); an
/// IP literal written in a page never is. `--allow-private` turns it off.
#[derive(Debug, Clone)]
pub struct PrivateGuard {
    rules: Arc<Vec<ResolveRule>>,
}

impl PrivateGuard {
    pub fn new(rules: &[ResolveRule]) -> Self {
        PrivateGuard {
            rules: Arc::new(rules.to_vec()),
        }
    }

    /// Whether the guard applies to an audit of `url`: the site is public.
    /// A site given by a non-public address, or whose name resolves only to
    /// non-public ones (an intranet, `localhost`), is audited without it.
    pub fn applies_to(&self, url: &url::Url) -> bool {
        match url.host() {
            Some(url::Host::Ipv4(ip)) => is_public(ip.into()),
            Some(url::Host::Ipv6(ip)) => is_public(ip.into()),
            Some(url::Host::Domain(name)) => {
                if lookup(&self.rules, name, url.port_or_known_default()).is_some() {
                    return true;
                }
                use std::net::ToSocketAddrs;
                match (name, 0u16).to_socket_addrs() {
                    Ok(addrs) => {
                        let addrs: Vec<SocketAddr> = addrs.collect();
                        addrs.is_empty() || addrs.iter().any(|a| is_public(a.ip()))
                    }
                    // Unresolvable: nothing to protect yet, but a rebinding
                    // name may resolve later; stay guarded.
                    Err(_) => true,
                }
            }
            None => true,
        }
    }

    /// Why `url` may not be fetched in a guarded audit, judged on its URL
    /// alone: an IP literal that is not public. Names not mapped by
    /// `--resolve` are judged when they resolve (see [`http_client`]).
    pub fn refuses(&self, url: &url::Url) -> Option<String> {
        let ip: IpAddr = match url.host()? {
            url::Host::Ipv4(ip) => ip.into(),
            url::Host::Ipv6(ip) => ip.into(),
            url::Host::Domain(_) => return None,
        };
        (!is_public(ip)).then(|| blocked_message(&ip.to_string(), ip))
    }

    /// Chromium URL patterns (`Network.setBlockedURLs`) that refuse IP
    /// literals of non-public ranges. Names are left to the resolver rules.
    pub fn browser_patterns() -> Vec<String> {
        let mut hosts: Vec<String> = ["127.", "10.", "192.168.", "169.254.", "0."]
            .iter()
            .map(|h| h.to_string())
            .collect();
        hosts.extend((16..32).map(|b| format!("172.{b}.")));
        hosts.extend((64..128).map(|b| format!("100.{b}.")));
        let mut patterns: Vec<String> = hosts
            .iter()
            .flat_map(|h| {
                // A host of digits and dots only: `10.*` alone would also
                // refuse a name such as 10.example.com.
                (0..10).map(move |d| format!("*://{h}{d}*"))
            })
            .collect();
        patterns.extend(
            [
                "[::1]", "[::]", "[fc", "[fd", "[fe8", "[fe9", "[fea", "[feb", "[::ffff:",
            ]
            .iter()
            .map(|h| format!("*://{h}*")),
        );
        patterns
    }
}

pub(crate) fn blocked_message(host: &str, ip: IpAddr) -> String {
    format!(
        "{BLOCKED}{host} is a non-public address ({ip}) and the audited site is public; not fetched (--allow-private lets it through)"
    )
}

/// A DNS resolver that applies overrides, then falls back to the system.
///
/// reqwest's own `resolve()` has no wildcards, hence this. Ports given in
/// rules are checked per request in [`crate::crawl::http`]; here the port of
/// the URL is kept, as curl does.
struct OverrideResolver {
    rules: Arc<Vec<ResolveRule>>,
    /// Refuse names that resolve only to non-public addresses.
    guard: bool,
}

impl reqwest::dns::Resolve for OverrideResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let pinned = self
            .rules
            .iter()
            .find(|r| r.port.is_none() && r.matches(&host.to_ascii_lowercase()))
            .map(|r| r.addr);
        let guard = self.guard;
        Box::pin(async move {
            if let Some(addr) = pinned {
                let addrs: reqwest::dns::Addrs =
                    Box::new(std::iter::once(SocketAddr::new(addr, 0)));
                return Ok(addrs);
            }
            let mut found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if found.is_empty() {
                return Err(format!("no address found for {host}").into());
            }
            if guard {
                let first = found[0].ip();
                found.retain(|a| is_public(a.ip()));
                if found.is_empty() {
                    return Err(blocked_message(&host, first).into());
                }
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Most response header lines read (a header line is at least 4 bytes, and
/// Chromium reads up to 256 KiB of headers).
pub const MAX_RESPONSE_HEADERS: usize = 4096;

/// Options for the HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub user_agent: String,
    pub accept_language: String,
    pub insecure: bool,
    pub timeout: Duration,
    pub resolve: Vec<ResolveRule>,
    /// Forward proxy every request goes through (a served folder's server).
    pub proxy: Option<SocketAddr>,
    /// Refuse names, not mapped by `--resolve`, that resolve only to
    /// non-public addresses (see [`PrivateGuard`]).
    pub guard_private: bool,
}

/// Build the HTTP client: no automatic redirects (chains are evidence), no
/// cookie store (cookies are evidence, sent back explicitly), overrides.
pub fn http_client(opts: &ClientOptions) -> Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        opts.accept_language
            .parse()
            .map_err(|_| anyhow!("invalid Accept-Language `{}`", opts.accept_language))?,
    );
    let mut builder = reqwest::Client::builder()
        .user_agent(opts.user_agent.clone())
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(4)
        // A campaign visits thousands of hosts once each: idle connections
        // to sites already audited would pile up (memory grew with the
        // number of sites). Within one audit, reuse comes sooner than this.
        .pool_idle_timeout(Duration::from_secs(1))
        .danger_accept_invalid_certs(opts.insecure)
        // Browsers read what hyper's defaults refuse: up to 256 KiB of
        // headers, header lines they cannot parse skipped rather than the
        // whole response failed (a tracker must not hide its cookies that
        // way).
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .http1_ignore_invalid_headers_in_responses(true)
        .http1_allow_obsolete_multiline_headers_in_responses(true)
        .http1_allow_spaces_after_header_name_in_responses(true)
        .dns_resolver(Arc::new(OverrideResolver {
            rules: Arc::new(opts.resolve.clone()),
            guard: opts.guard_private,
        }));
    // Rules bound to a port are applied exactly, through reqwest's own table.
    for rule in opts
        .resolve
        .iter()
        .filter(|r| r.port.is_some() && !r.host.contains('*'))
    {
        builder = builder.resolve(
            &rule.host,
            SocketAddr::new(rule.addr, rule.port.unwrap_or(0)),
        );
    }
    if opts
        .resolve
        .iter()
        .any(|r| r.port.is_some() && r.host.contains('*'))
    {
        bail!("--resolve with a wildcard host and a port is not supported; drop the port");
    }
    if let Some(proxy) = opts.proxy {
        builder = builder.proxy(reqwest::Proxy::all(format!("http://{proxy}"))?);
    }
    Ok(builder.build()?)
}

/// Pay the one-off cost of the TLS stack's first use (random generator
/// seeding and key-exchange set-up, ~30 ms) so it can overlap other start-up work.
pub fn warm_up_tls() {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let mut seed = [0u8; 32];
    let _ = provider.secure_random.fill(&mut seed);
    if let Some(kx) = provider.kx_groups.first() {
        let _ = kx.start();
    }
}

/// Build `Accept-Language` from `--lang fr,en`: `fr, en;q=0.9`.
pub fn accept_language(langs: &[String]) -> String {
    langs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.clone()
            } else {
                format!("{l};q={:.1}", (10 - i.min(9)) as f32 / 10.0)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Describe an HTTP error in one line, naming its root cause (TLS,
/// connection refused, DNS...) rather than reqwest's generic wrapper.
pub fn describe_error(err: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !causes.iter().any(|c: &String| c.contains(&text)) {
            causes.push(text);
        }
        source = e.source();
    }
    let root = causes.last().cloned().unwrap_or_default();
    let kind = if err.is_timeout() {
        "timed out"
    } else if root.contains("certificate")
        || root.contains("Certificate")
        || root.contains("UnknownIssuer")
    {
        "TLS certificate rejected (use --insecure to accept self-signed certificates)"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{kind}: {root}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolve_rules() {
        let r = ResolveRule::parse("*:127.0.0.1").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("*", None));
        let r = ResolveRule::parse("Example.COM:443:10.0.0.1").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.addr.to_string().as_str()),
            ("example.com", Some(443), "10.0.0.1")
        );
        let r = ResolveRule::parse("a.test:[::1]").unwrap();
        assert_eq!(r.addr.to_string(), "::1");
        let r = ResolveRule::parse("a.test:::1").unwrap();
        assert_eq!(r.addr.to_string(), "::1");
        for bad in [
            "",
            "host",
            "host:",
            "host:notanip",
            "ho*st:1.2.3.4",
            "h:99999:1.2.3.4",
        ] {
            assert!(ResolveRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcard_lookup() {
        let rules = vec![
            ResolveRule::parse("*.test:127.0.0.2").unwrap(),
            ResolveRule::parse("*:127.0.0.1").unwrap(),
        ];
        assert_eq!(
            lookup(&rules, "www.site-a.test", None).unwrap().to_string(),
            "127.0.0.2"
        );
        assert_eq!(
            lookup(&rules, "example.com", None).unwrap().to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn accept_language_weights() {
        assert_eq!(accept_language(&["fr".into(), "en".into()]), "fr, en;q=0.9");
    }
}
