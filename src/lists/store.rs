//! The per-user directory of installed lists: one file per list beside a
//! manifest `NAME.manifest.json` (where it came from, its version, when it
//! was fetched, its licence and SHA-256).
//!
//! A fetch is atomic: the download is read whole, checked (it must parse
//! and hold at least one domain), written to a temporary file and renamed
//! over the previous copy, manifest last. A failed or corrupt download
//! leaves the previous copy and its manifest as they were.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::formats::{self, Format};
use super::{DomainList, KnownList};
use crate::net::ResolveRule;

/// Largest list accepted, in bytes (EasyList is about 2 MB, the tracker
/// data set about 1 MB).
pub const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

/// What `lists fetch` records beside a list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub name: String,
    pub format: Format,
    /// Where it was downloaded from.
    pub url: String,
    pub licence: String,
    /// The version the list declares, else the server's ETag or
    /// Last-Modified, else `sha256:` and the start of its checksum.
    pub version: String,
    /// When it was fetched (RFC 3339, UTC).
    pub fetched: String,
    /// SHA-256 of the file, in hex.
    pub sha256: String,
    pub bytes: usize,
    /// Domains read from it.
    pub domains: usize,
    /// The list file, in the same directory.
    pub file: String,
}

/// The lists directory: `$BAROMETER_LISTS_DIR`, else
/// `$XDG_CACHE_HOME/gdpr-barometer/lists`, else
/// `~/.cache/gdpr-barometer/lists`.
pub fn lists_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("BAROMETER_LISTS_DIR") {
        return Some(PathBuf::from(dir));
    }
    let cache = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("gdpr-barometer").join("lists"))
}

fn manifest_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.manifest.json"))
}

fn file_name(list: &KnownList) -> String {
    match list.format {
        Format::Adblock => format!("{}.txt", list.name),
        _ => format!("{}.json", list.name),
    }
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    // The TLS stack's SHA-256 (the suite's hash), rather than a second
    // implementation of the same function.
    let rustls::SupportedCipherSuite::Tls13(suite) = TLS13_AES_128_GCM_SHA256 else {
        unreachable!("a TLS 1.3 suite");
    };
    suite
        .common
        .hash_provider
        .hash(bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Manifests of the installed lists, sorted by name. Unreadable manifests
/// are one warning each.
pub fn installed(dir: &Path, warn: &mut dyn FnMut(String)) -> Vec<Manifest> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Manifest> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".manifest.json"))
        {
            continue;
        }
        match std::fs::read(&path)
            .map_err(anyhow::Error::from)
            .and_then(|b| Ok(serde_json::from_slice::<Manifest>(&b)?))
        {
            Ok(m) => out.push(m),
            Err(e) => warn(format!("cannot read {}: {e}", path.display())),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Read an installed list, checking it against its manifest.
pub fn load(dir: &Path, manifest: &Manifest) -> Result<DomainList> {
    let path = dir.join(&manifest.file);
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    if sha256_hex(&bytes) != manifest.sha256 {
        bail!("{} does not match its manifest's checksum", path.display());
    }
    let parsed = formats::parse(manifest.format, &String::from_utf8_lossy(&bytes))
        .with_context(|| format!("{}", path.display()))?;
    Ok(DomainList {
        name: manifest.name.clone(),
        format: manifest.format,
        version: manifest.version.clone(),
        domains: parsed.domains,
    })
}

/// How to download.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Replaces the list's upstream URL.
    pub url: Option<String>,
    pub resolve: Vec<ResolveRule>,
    pub insecure: bool,
    pub timeout: Duration,
}

/// Download `list` into `dir` and return its new manifest.
pub async fn fetch(dir: &Path, list: &KnownList, opts: &FetchOptions) -> Result<Manifest> {
    let url_text = opts.url.as_deref().unwrap_or(list.url);
    let url = url::Url::parse(url_text).with_context(|| format!("invalid URL `{url_text}`"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("invalid URL `{url_text}`: only http and https");
    }
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("gdpr-barometer/", env!("CARGO_PKG_VERSION")))
        .timeout(opts.timeout)
        .danger_accept_invalid_certs(opts.insecure);
    if let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) {
        if let Some(addr) = crate::net::lookup(&opts.resolve, host, Some(port)) {
            builder = builder.resolve(host, std::net::SocketAddr::new(addr, port));
        }
    }
    let client = builder.build()?;
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(crate::net::describe_error(&e)))
        .with_context(|| format!("cannot fetch {url}"))?;
    if !response.status().is_success() {
        bail!("cannot fetch {url}: HTTP {}", response.status().as_u16());
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim()
                    .trim_start_matches("W/")
                    .trim_matches('"')
                    .to_string()
            })
            .filter(|v| !v.is_empty())
    };
    let etag = header(reqwest::header::ETAG);
    let modified = header(reqwest::header::LAST_MODIFIED);
    let mut body = Vec::new();
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| anyhow::anyhow!(crate::net::describe_error(&e)))
            .with_context(|| format!("download of {url} cut short"))?;
        let Some(chunk) = chunk else { break };
        body.extend_from_slice(&chunk);
        if body.len() > MAX_LIST_BYTES {
            bail!("{url} is larger than {} MiB", MAX_LIST_BYTES >> 20);
        }
    }
    let parsed = formats::parse(list.format, &String::from_utf8_lossy(&body))
        .with_context(|| format!("{url} is not a usable {} list", list.name))?;
    let sha256 = sha256_hex(&body);
    let version = parsed
        .version
        .clone()
        .or(etag)
        .or(modified)
        .unwrap_or_else(|| format!("sha256:{}", &sha256[..12]));
    let manifest = Manifest {
        name: list.name.to_string(),
        format: list.format,
        url: url.to_string(),
        licence: list.licence.to_string(),
        version,
        fetched: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        sha256,
        bytes: body.len(),
        domains: parsed.domains.len(),
        file: file_name(list),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::files::write_atomic(&dir.join(&manifest.file), &body)?;
    crate::files::write_atomic(
        &manifest_path(dir, list.name),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(manifest)
}

/// How long ago a manifest's list was fetched, for people: `3 days`.
pub fn age(manifest: &Manifest, now: chrono::DateTime<chrono::Utc>) -> String {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(&manifest.fetched) else {
        return "unknown".into();
    };
    let secs = (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0);
    match secs {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 2 * 86400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_inputs() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_list_whose_file_changed_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = "||tracker.example^\n";
        std::fs::write(dir.path().join("easyprivacy.txt"), text).unwrap();
        let mut manifest = Manifest {
            name: "easyprivacy".into(),
            format: Format::Adblock,
            url: "https://lists.test/easyprivacy.txt".into(),
            licence: "test".into(),
            version: "1".into(),
            fetched: "2026-12-01T00:00:00Z".into(),
            sha256: sha256_hex(text.as_bytes()),
            bytes: text.len(),
            domains: 1,
            file: "easyprivacy.txt".into(),
        };
        let list = load(dir.path(), &manifest).unwrap();
        assert!(list.lookup("a.tracker.example").is_some());
        manifest.sha256 = sha256_hex(b"other");
        let err = load(dir.path(), &manifest).unwrap_err();
        assert!(format!("{err:#}").contains("checksum"), "{err:#}");
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(age(&manifest, now), "3 days");
    }
}
