//! Local sites: a folder or an HTML file audited as a URL is.
//!
//! `barometer scan public/`, `check ./dist/index.html`: a compliance officer
//! audits a build before it is deployed. Each folder is served over HTTPS
//! on loopback as a host of its own (`www.static-site.test`, then
//! `www.static-site-2.test`…), and the audit sends **every** request, any
//! host and any port, through that server's forward proxy
//! ([`crate::testweb::Server::proxy`]). So third parties named in the
//! markup are still requested and reported (the server answers them with
//! an error), and nothing else on the machine, such as another server on
//! 127.0.0.1:443, or on the network can answer: the result depends only on
//! the folder. URLs carry no port, so findings and baselines are the same
//! from one run to the next.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use url::Url;

use crate::audit::parse_target;
use crate::testweb::{Server, Web};

/// Host name of the first local site; the n-th is `www.static-site-n.test`.
pub const LOCAL_HOST: &str = "www.static-site.test";

/// What a command-line target names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Url(Url),
    /// A folder to serve, and the page to start from (`/` for a folder,
    /// `/about.html` for `public/about.html`).
    Local {
        dir: PathBuf,
        start: String,
    },
}

/// Read one target: an existing folder or HTML file, else a URL. Something
/// written as a path (`./x`, `../x`, `/x`, `~/x`) that does not exist is a
/// usage error, never a host name.
pub fn classify(raw: &str) -> Result<Target> {
    let path = Path::new(raw);
    if path.is_dir() {
        return Ok(Target::Local {
            dir: path.to_path_buf(),
            start: "/".to_string(),
        });
    }
    if path.is_file() {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !matches!(ext.as_str(), "html" | "htm" | "xhtml") {
            bail!("{raw} is a file but not an HTML page (.html, .htm or .xhtml)");
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .context("the file name is not UTF-8")?;
        return Ok(Target::Local {
            dir,
            start: format!("/{name}"),
        });
    }
    let looks_like_a_path = raw == "."
        || raw == ".."
        || ["./", "../", "/", "~/"].iter().any(|p| raw.starts_with(p))
        || raw.contains('\\');
    if looks_like_a_path {
        bail!("{raw}: no such file or directory");
    }
    Ok(Target::Url(parse_target(raw)?))
}

/// The targets of one command, with the server of its local sites.
pub struct Targets {
    /// What to audit, in the order given.
    pub urls: Vec<Url>,
    /// The name each result carries: the URL, or the path as typed.
    pub names: Vec<String>,
    /// The forward proxy every request must go through, when the targets
    /// are local.
    pub proxy: Option<SocketAddr>,
    /// Kept alive while the audits run.
    _server: Option<Server>,
}

impl Targets {
    /// Classify every target and serve the local ones. Local sites and
    /// URLs cannot be mixed in one command: a URL's audit would go to the
    /// local server too.
    pub fn start(raw: &[String], runtime: &tokio::runtime::Runtime) -> Result<Targets> {
        let classified = raw
            .iter()
            .map(|r| classify(r))
            .collect::<Result<Vec<_>>>()?;
        let local = classified
            .iter()
            .filter(|t| matches!(t, Target::Local { .. }))
            .count();
        if local == 0 {
            let urls: Vec<Url> = classified
                .into_iter()
                .filter_map(|t| match t {
                    Target::Url(u) => Some(u),
                    Target::Local { .. } => None,
                })
                .collect();
            return Ok(Targets {
                names: urls.iter().map(Url::to_string).collect(),
                urls,
                proxy: None,
                _server: None,
            });
        }
        if local != classified.len() {
            bail!("give either URLs or local folders and files, not both in one command");
        }
        let mut files = Vec::new();
        let mut urls = Vec::new();
        for (i, t) in classified.iter().enumerate() {
            let Target::Local { dir, start } = t else {
                unreachable!("all local")
            };
            let host = host_of(i);
            let site = Web::from_site_dir(&host, dir)?;
            files.extend(site.into_files());
            urls.push(Url::parse(&format!("https://{host}{start}")).context("local URL")?);
        }
        let web = Web::from_files(files.into_iter())?;
        let server = runtime
            .block_on(Server::start(web, 0))
            .context("cannot serve the local site")?;
        Ok(Targets {
            urls,
            names: raw.to_vec(),
            proxy: Some(server.proxy),
            _server: Some(server),
        })
    }

    /// Route an audit's every request to the local server, when there is one.
    pub fn apply(&self, crawl: &mut crate::crawl::CrawlOptions) {
        if let Some(proxy) = self.proxy {
            crawl.route_all_to = Some(proxy);
            // The server's certificate is made at start-up.
            crawl.insecure = true;
        }
    }
}

fn host_of(i: usize) -> String {
    if i == 0 {
        LOCAL_HOST.to_string()
    } else {
        format!("www.static-site-{}.test", i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_files_and_urls() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("about.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let d = dir.path().to_str().unwrap();
        assert_eq!(
            classify(d).unwrap(),
            Target::Local {
                dir: dir.path().to_path_buf(),
                start: "/".into()
            }
        );
        assert_eq!(
            classify(&format!("{d}/about.html")).unwrap(),
            Target::Local {
                dir: dir.path().to_path_buf(),
                start: "/about.html".into()
            }
        );
        let e = classify(&format!("{d}/notes.txt")).unwrap_err().to_string();
        assert!(e.contains("not an HTML page"), "{e}");
        let e = classify("./no/such/public/index.html")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "./no/such/public/index.html: no such file or directory");
        assert!(
            matches!(classify("example.fr").unwrap(), Target::Url(u) if u.as_str() == "https://example.fr/")
        );
    }
}
