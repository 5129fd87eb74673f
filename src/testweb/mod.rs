//! A local web of many sites, served over HTTPS on loopback.
//!
//! The demo (`barometer demo`), the integration tests and the benchmarks
//! all audit this web, with `--resolve '*:127.0.0.1' --insecure`, so that
//! nothing ever needs the internet. A web is a directory with one folder per
//! host name:
//!
//! ```text
//! web/
//!   www.site-a.test/
//!     index.html          served at /
//!     about.html          served at /about.html and /about
//!     site.toml           optional: routes with status, headers, bodies
//!   www.google-analytics.com/
//!     collect.gif
//! ```
//!
//! A folder named `_.bench.test` answers for every `*.bench.test` host
//! (benchmarks audit a thousand sites without a thousand folders).
//!
//! `site.toml` holds `[[route]]` entries (see [`RouteSpec`]), and may
//! `mount = "DIR"` a directory (relative to the host folder) whose files are
//! served as the host's own: the real consent-platform libraries that
//! `scripts/test` installs from npm are served that way, never committed.
//! In text bodies
//! and header values, `{{PORT}}` becomes the server's port, so pages can
//! link to `https://tracker.test:{{PORT}}/p.gif`. The certificate is made
//! at start-up (self-signed, with every host as a subject name).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// One route of a host, from `site.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Path, without query string.
    pub path: String,
    #[serde(default = "default_status")]
    pub status: u16,
    /// Extra headers, e.g. `[["Set-Cookie", "a=1; Max-Age=60"]]`. Repeat a
    /// name to send it twice.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// File of the host folder to serve.
    #[serde(default)]
    pub file: Option<String>,
    /// Inline body.
    #[serde(default)]
    pub body: Option<String>,
    /// A body of this many bytes (`<!-- x -->` padding inside an HTML page).
    #[serde(default)]
    pub size: Option<u64>,
    /// An HTML page whose body nests this many `<div>`s, with a banner and
    /// a form at the bottom (hostile pages that break recursive code).
    #[serde(default)]
    pub nested: Option<u32>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Redirect target (sets `Location`).
    #[serde(default)]
    pub location: Option<String>,
    /// Answer only after this many milliseconds (slow and hanging sites).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// The first request to this route waits this many milliseconds, the
    /// later ones not at all (a navigation that stalls once). Its arrival
    /// is recorded at once in [`Server::hits`].
    #[serde(default)]
    pub delay_first_ms: Option<u64>,
    /// A decompression bomb: an HTML page of `size` bytes once decoded,
    /// sent compressed with this `Content-Encoding` (`gzip` or `br`). Made
    /// when first asked for, never stored.
    #[serde(default)]
    pub bomb: Option<String>,
}

fn default_status() -> u16 {
    200
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    #[serde(default)]
    route: Vec<RouteSpec>,
    /// A directory, relative to the host folder, served as the host's files.
    #[serde(default)]
    mount: Option<String>,
}

/// One host: its files and routes.
#[derive(Debug, Default, Clone)]
pub struct Site {
    files: HashMap<String, Vec<u8>>,
    routes: Vec<RouteSpec>,
    mount: Option<String>,
}

/// A set of hosts.
#[derive(Debug, Default, Clone)]
pub struct Web {
    sites: HashMap<String, Site>,
}

/// A request the server answered, for tests that check what was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub host: String,
    pub path: String,
    pub cookie: Option<String>,
}

impl Web {
    /// Read a web from a directory on disk.
    pub fn from_dir(root: &Path) -> Result<Self> {
        let mut files = Vec::new();
        collect(root, root, &mut files)?;
        let mut web = Self::from_files(files.into_iter())?;
        for (host, site) in web.sites.iter_mut() {
            let Some(mount) = site.mount.clone() else {
                continue;
            };
            let dir = root.join(host).join(&mount);
            if !dir.is_dir() {
                bail!(
                    "{host}/site.toml mounts {}, which is missing (./scripts/test installs it)",
                    dir.display()
                );
            }
            let mut mounted = Vec::new();
            collect(&dir, &dir, &mut mounted)?;
            for (rel, bytes) in mounted {
                site.files.entry(rel).or_insert(bytes);
            }
        }
        Ok(web)
    }

    /// Serve one directory (a built static site, say) as the single host
    /// `host`, its files as they are: a `site.toml` in it is a file of the
    /// site, not routes.
    pub fn from_site_dir(host: &str, dir: &Path) -> Result<Self> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files)?;
        files.retain(|(rel, _)| rel != "site.toml");
        if files.is_empty() {
            bail!("{} holds no file to serve", dir.display());
        }
        Self::from_files(
            files
                .into_iter()
                .map(|(rel, bytes)| (format!("{host}/{rel}"), bytes)),
        )
    }

    /// Read a web embedded in the binary.
    pub fn from_embedded(dir: &include_dir::Dir<'static>) -> Result<Self> {
        let mut files = Vec::new();
        collect_embedded(dir, &mut files);
        Self::from_files(files.into_iter())
    }

    /// Build from `(host/relative/path, bytes)` pairs.
    pub fn from_files(files: impl Iterator<Item = (String, Vec<u8>)>) -> Result<Self> {
        let mut web = Web::default();
        for (path, bytes) in files {
            let Some((host, rel)) = path.split_once('/') else {
                continue;
            };
            let site = web.sites.entry(host.to_ascii_lowercase()).or_default();
            if rel == "site.toml" {
                let text =
                    String::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))?;
                let parsed: SiteFile =
                    toml::from_str(&text).with_context(|| format!("invalid {path}"))?;
                site.routes = parsed.route;
                site.mount = parsed.mount;
            } else {
                site.files.insert(rel.to_string(), bytes);
            }
        }
        if web.sites.is_empty() {
            bail!("the test web is empty: expected one folder per host");
        }
        Ok(web)
    }

    /// The plain files of every host, as `(host/relative/path, bytes)`
    /// (routes and mounts are not files and are dropped).
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.sites
            .into_iter()
            .flat_map(|(host, site)| {
                site.files
                    .into_iter()
                    .map(move |(rel, bytes)| (format!("{host}/{rel}"), bytes))
            })
            .collect()
    }

    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self.sites.keys().cloned().collect();
        hosts.sort();
        hosts
    }

    /// Add or replace a host in memory (tests build sites on the fly).
    pub fn insert(&mut self, host: &str, path: &str, body: &str) {
        self.sites
            .entry(host.to_string())
            .or_default()
            .files
            .insert(
                path.trim_start_matches('/').to_string(),
                body.as_bytes().to_vec(),
            );
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path)?));
        }
    }
    Ok(())
}

fn collect_embedded(dir: &include_dir::Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
    for f in dir.files() {
        out.push((
            f.path().to_string_lossy().replace('\\', "/"),
            f.contents().to_vec(),
        ));
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

/// A running server. Dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    /// A forward proxy in front of the same web (see
    /// [`Connection::serve_proxy`]): every host and port answered by this
    /// server.
    pub proxy: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
    tls_task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        self.tls_task.abort();
    }
}

impl Server {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://HOST:PORT/` for a host of the web.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}/", self.port())
    }

    /// Requests answered so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits lock").clone()
    }

    /// Serve `web` on 127.0.0.1, on `port` (0 for any free port).
    pub async fn start(web: Web, port: u16) -> Result<Server> {
        make_bombs(&web);
        let mut names: Vec<String> = web
            .hosts()
            .into_iter()
            .map(|h| match h.strip_prefix("_.") {
                Some(rest) => format!("*.{rest}"),
                None => h,
            })
            .collect();
        names.push("localhost".to_string());
        let cert = rcgen::generate_simple_self_signed(names)
            .context("cannot make the test certificate")?;
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .context("cannot bind the test web")?;
        let addr = listener.local_addr()?;
        let proxy_listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("cannot bind the test web's proxy")?;
        let proxy = proxy_listener.local_addr()?;
        let conn = Connection {
            acceptor,
            web: Arc::new(web),
            hits: Arc::new(Mutex::new(Vec::new())),
            port: addr.port(),
            answered: Arc::new(Mutex::new(std::collections::HashSet::new())),
        };
        let hits = conn.hits.clone();
        let tls_conn = conn.clone();
        let tls_task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                // Headers and body go out in separate writes: without this, Nagle's
                // algorithm and delayed ACKs add ~40 ms to some responses.
                let _ = tcp.set_nodelay(true);
                tokio::spawn(tls_conn.clone().serve_tls(tcp));
            }
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = proxy_listener.accept().await else {
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                tokio::spawn(conn.clone().serve_proxy(tcp));
            }
        });
        Ok(Server {
            addr,
            proxy,
            hits,
            task,
            tls_task,
        })
    }
}

/// What serving one connection needs.
#[derive(Clone)]
struct Connection {
    acceptor: TlsAcceptor,
    web: Arc<Web>,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// The HTTPS port, for `{{PORT}}` in bodies.
    port: u16,
    /// `host/path` of the `delay_first_ms` routes already asked for.
    answered: Arc<Mutex<std::collections::HashSet<String>>>,
}

impl Connection {
    /// TLS, then HTTP/1.1 from the web, on one connection.
    async fn serve_tls<IO>(self, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Ok(tls) = self.acceptor.accept(io).await else {
            return;
        };
        let service = hyper::service::service_fn(move |req| {
            let (web, hits, port) = (self.web.clone(), self.hits.clone(), self.port);
            let answered = self.answered.clone();
            async move {
                if let Some(ms) = delay_of(&web, &req) {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                }
                if let Some(ms) = first_delay_of(&web, &req, &answered, &hits) {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                }
                Ok::<_, std::convert::Infallible>(answer(&web, &hits, port, req))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
            .await;
    }

    /// A forward proxy: `CONNECT host:port` opens a tunnel to this web's
    /// HTTPS (whatever host and port were asked), and an absolute-form
    /// `GET http://host/…` is answered from the web. An audit routed
    /// through it reaches nothing else on the machine or the network.
    async fn serve_proxy(self, tcp: tokio::net::TcpStream) {
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let conn = self.clone();
            async move {
                if req.method() == hyper::Method::CONNECT {
                    let upgrade = hyper::upgrade::on(&mut req);
                    tokio::spawn(async move {
                        if let Ok(upgraded) = upgrade.await {
                            conn.serve_tls(hyper_util::rt::TokioIo::new(upgraded)).await;
                        }
                    });
                    return Ok::<_, std::convert::Infallible>(plain(200, String::new()));
                }
                if let Some(ms) = delay_of(&conn.web, &req) {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                }
                Ok(answer(&conn.web, &conn.hits, conn.port, req))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
            .with_upgrades()
            .await;
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "json" => "application/json",
        "gif" => "image/gif",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_text(ct: &str) -> bool {
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("javascript")
        || ct.contains("svg")
}

/// The host a request is for, without its port, lowercased.
fn host_of(req: &Request<Incoming>) -> String {
    req.headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl Web {
    /// The site serving `host`: its own folder, else a `_.parent` folder.
    fn site(&self, host: &str) -> Option<&Site> {
        self.sites.get(host).or_else(|| {
            let (_, parent) = host.split_once('.')?;
            self.sites.get(&format!("_.{parent}"))
        })
    }
}

/// The delay of the route a request hits, if it has one.
fn delay_of(web: &Web, req: &Request<Incoming>) -> Option<u64> {
    let site = web.site(&host_of(req))?;
    let path = req.uri().path();
    site.routes.iter().find(|r| r.path == path)?.delay_ms
}

/// The delay of a `delay_first_ms` route asked for the first time (its
/// arrival is recorded as a hit now); `None` after.
fn first_delay_of(
    web: &Web,
    req: &Request<Incoming>,
    answered: &Mutex<std::collections::HashSet<String>>,
    hits: &Mutex<Vec<Hit>>,
) -> Option<u64> {
    let host = host_of(req);
    let site = web.site(&host)?;
    let path = req.uri().path();
    let ms = site
        .routes
        .iter()
        .find(|r| r.path == path)?
        .delay_first_ms?;
    if !answered
        .lock()
        .expect("answered lock")
        .insert(format!("{host}{path}"))
    {
        return None;
    }
    hits.lock().expect("hits lock").push(Hit {
        host,
        path: path.to_string(),
        cookie: None,
    });
    Some(ms)
}

/// A page of `size` bytes once decoded (a long comment), compressed with
/// `encoding`: a few hundred kilobytes of gzip, or a few of brotli. Made
/// once per server process: [`Server::start`] starts making every bomb of
/// the web in the background, and a request that arrives first waits for
/// it (the lock is held while a bomb is made, so it is never made twice).
fn bomb(encoding: &str, size: u64) -> Result<Vec<u8>, String> {
    use std::io::Write;
    type Made = Mutex<HashMap<(String, u64), Vec<u8>>>;
    static MADE: std::sync::OnceLock<Made> = std::sync::OnceLock::new();
    let mut made = MADE
        .get_or_init(Mutex::default)
        .lock()
        .map_err(|_| "bombs lock poisoned".to_string())?;
    if let Some(b) = made.get(&(encoding.to_string(), size)) {
        return Ok(b.clone());
    }
    let head = b"<!doctype html><html><head><title>bomb</title></head><body><p>bomb</p><!--";
    let chunk = vec![b'x'; 1 << 20];
    let feed = |w: &mut dyn Write| -> std::io::Result<()> {
        w.write_all(head)?;
        let mut left = size.saturating_sub(head.len() as u64 + 3);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..n])?;
            left -= n as u64;
        }
        w.write_all(b"-->")
    };
    let body = match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            feed(&mut e).map_err(|e| e.to_string())?;
            e.finish().map_err(|e| e.to_string())?
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut e = brotli::CompressorWriter::new(&mut out, 1 << 16, 9, 22);
                feed(&mut e).map_err(|e| e.to_string())?;
            }
            out
        }
        other => return Err(format!("unknown bomb encoding {other}")),
    };
    made.insert((encoding.to_string(), size), body.clone());
    Ok(body)
}

/// Make every bomb of `web` in a background thread, so that the first
/// request for one does not wait for hundreds of MiB to be compressed.
fn make_bombs(web: &Web) {
    let bombs: Vec<(String, u64)> = web
        .sites
        .values()
        .flat_map(|s| s.routes.iter())
        .filter_map(|r| Some((r.bomb.clone()?, r.size?)))
        .collect();
    if !bombs.is_empty() {
        std::thread::spawn(move || {
            for (encoding, size) in bombs {
                let _ = bomb(&encoding, size);
            }
        });
    }
}

fn answer(
    web: &Web,
    hits: &Mutex<Vec<Hit>>,
    port: u16,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let host = host_of(&req);
    let path = req.uri().path().to_string();
    let cookie = req
        .headers()
        .get(hyper::header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .map(str::to_string);
    hits.lock().expect("hits lock").push(Hit {
        host: host.clone(),
        path: path.clone(),
        cookie,
    });
    let port_s = port.to_string();
    let fill = |s: &str| s.replace("{{PORT}}", &port_s);
    let Some(site) = web.site(&host) else {
        return plain(421, format!("no such host in the test web: {host}"));
    };
    if let Some(route) = site.routes.iter().find(|r| r.path == path) {
        if let (Some(encoding), Some(size)) = (&route.bomb, route.size) {
            return match bomb(encoding, size) {
                Ok(body) => Response::builder()
                    .status(route.status)
                    .header("content-type", "text/html; charset=utf-8")
                    .header("content-encoding", encoding.as_str())
                    .body(Full::new(Bytes::from(body)))
                    .unwrap_or_else(|e| plain(500, e.to_string())),
                Err(e) => plain(500, e),
            };
        }
        let (body, ct): (Vec<u8>, String) = if let Some(depth) = route.nested {
            let depth = depth as usize;
            let mut b = String::with_capacity(depth * 11 + 400);
            b.push_str("<!doctype html><html><body>");
            b.push_str(&"<div>".repeat(depth));
            b.push_str("<div id=\"cookie-banner\"><p>We use cookies for advertising.</p><button>Accept all</button><button>Reject all</button></div>");
            b.push_str("<form action=\"/s\"><input type=\"email\" name=\"email\" required></form>");
            b.push_str(&"</div>".repeat(depth));
            b.push_str("</body></html>");
            (b.into_bytes(), "text/html; charset=utf-8".into())
        } else if let Some(size) = route.size {
            let mut b = b"<!doctype html><html><body><p>big page</p><!--".to_vec();
            b.resize(size as usize - 3, b'x');
            b.extend_from_slice(b"-->");
            (b, "text/html; charset=utf-8".into())
        } else if let Some(file) = &route.file {
            match site.files.get(file) {
                Some(b) => (b.clone(), content_type(file).to_string()),
                None => return plain(500, format!("site.toml names a missing file {file}")),
            }
        } else {
            (
                route.body.clone().unwrap_or_default().into_bytes(),
                "text/html; charset=utf-8".into(),
            )
        };
        let ct = route.content_type.clone().unwrap_or(ct);
        let body = if route.size.is_none() {
            fill_port(body, &ct, &port_s)
        } else {
            body
        };
        let mut resp = Response::builder()
            .status(route.status)
            .header("content-type", ct);
        if let Some(loc) = &route.location {
            resp = resp.header("location", fill(loc));
        }
        for (name, value) in &route.headers {
            resp = resp.header(name.as_str(), fill(value));
        }
        return resp
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|e| plain(500, e.to_string()));
    }
    let rel = path.trim_start_matches('/');
    let candidates = if rel.is_empty() || rel.ends_with('/') {
        vec![format!("{rel}index.html")]
    } else {
        vec![
            rel.to_string(),
            format!("{rel}.html"),
            format!("{rel}/index.html"),
        ]
    };
    for c in candidates {
        if let Some(bytes) = site.files.get(&c) {
            let ct = content_type(&c);
            let body = fill_port(bytes.clone(), ct, &port_s);
            return Response::builder()
                .status(200)
                .header("content-type", ct)
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_else(|e| plain(500, e.to_string()));
        }
    }
    plain(404, "not found".to_string())
}

/// Replace `{{PORT}}` in text bodies. Bodies that are not UTF-8 (legacy
/// encodings under test) are served byte for byte.
fn fill_port(body: Vec<u8>, content_type: &str, port: &str) -> Vec<u8> {
    match String::from_utf8(body) {
        Ok(text) if is_text(content_type) => text.replace("{{PORT}}", port).into_bytes(),
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

fn plain(status: u16, text: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(text)));
    *r.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
