//! `barometer lists`: show, fetch and measure the tracker lists users
//! install themselves (see [`crate::lists`]).
//!
//! Exit codes: 0 done; 1 a list could not be fetched (the earlier copy is
//! kept); 2 usage error (unknown list, bad URL, unreadable file).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::{fail, warn, EXIT_OK, EXIT_USAGE};
use crate::lists::{self, coverage::Coverage, formats, store, Format, KNOWN};
use crate::net::ResolveRule;

/// A list could not be fetched.
pub const EXIT_FETCH_FAILED: u8 = 1;

#[derive(Debug, Args)]
pub struct ListsArgs {
    #[command(subcommand)]
    pub action: Option<ListsAction>,
    /// Directory of installed lists [default: $BAROMETER_LISTS_DIR, else
    /// $XDG_CACHE_HOME/gdpr-barometer/lists, else
    /// ~/.cache/gdpr-barometer/lists].
    #[arg(long, value_name = "DIR", global = true)]
    pub lists_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ListsAction {
    /// Download lists from their upstream (tracker-radar, disconnect,
    /// easyprivacy, easylist); a failed download keeps the earlier copy.
    Fetch(FetchArgs),
    /// How much of a domain list (a file, or an installed list's name) the
    /// built-in tracker knowledge covers.
    Coverage(CoverageArgs),
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Lists to fetch.
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// Download from this URL instead of the list's upstream (one list only).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Map a host name to an address, as for `scan`: HOST:ADDR.
    #[arg(long, value_name = "HOST:ADDR")]
    pub resolve: Vec<String>,
    /// Accept invalid or self-signed TLS certificates.
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// Timeout of one download, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// A list file (Tracker Radar JSON, Disconnect services.json or an
    /// adblock list) or the name of an installed list.
    #[arg(value_name = "FILE|NAME")]
    pub list: String,
    /// Only the N most prevalent domains (lists that carry prevalence).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// The file's format [default: guessed from its content].
    #[arg(long, value_parser = ["tracker-radar", "disconnect", "adblock"])]
    pub format: Option<String>,
}

pub fn run(args: ListsArgs) -> ExitCode {
    let dir = match args.lists_dir.clone().or_else(lists::lists_dir) {
        Some(d) => d,
        None => {
            return fail(
                EXIT_USAGE,
                &anyhow::anyhow!(
                    "no lists directory: set --lists-dir, BAROMETER_LISTS_DIR or HOME"
                ),
            )
        }
    };
    match args.action {
        None => {
            show(&dir);
            ExitCode::from(EXIT_OK)
        }
        Some(ListsAction::Fetch(f)) => fetch(&dir, f),
        Some(ListsAction::Coverage(c)) => match coverage(&dir, &c) {
            Ok(lines) => {
                for l in lines {
                    println!("{l}");
                }
                ExitCode::from(EXIT_OK)
            }
            Err(e) => fail(EXIT_USAGE, &e),
        },
    }
}

/// What is installed, and what could be.
fn show(dir: &Path) {
    let installed = store::installed(dir, &mut |w| warn(&w));
    println!("lists directory: {}", dir.display());
    let now = chrono::Utc::now();
    for m in &installed {
        println!(
            "{}: version {}, fetched {} ({} ago), {} domains, licence {}, from {}",
            m.name,
            m.version,
            m.fetched,
            store::age(m, now),
            m.domains,
            m.licence,
            m.url
        );
    }
    for k in KNOWN
        .iter()
        .filter(|k| !installed.iter().any(|m| m.name == k.name))
    {
        println!(
            "{}: not installed ({}; licence {}); `barometer lists fetch {}`",
            k.name, k.about, k.licence, k.name
        );
    }
}

fn fetch(dir: &Path, args: FetchArgs) -> ExitCode {
    let mut targets = Vec::new();
    for name in &args.names {
        match lists::known(name) {
            Some(k) => targets.push(k),
            None => {
                let names: Vec<&str> = KNOWN.iter().map(|k| k.name).collect();
                return fail(
                    EXIT_USAGE,
                    &anyhow::anyhow!(
                        "unknown list `{name}` (expected one of {})",
                        names.join(", ")
                    ),
                );
            }
        }
    }
    if args.url.is_some() && targets.len() > 1 {
        return fail(
            EXIT_USAGE,
            &anyhow::anyhow!("--url replaces the upstream of one list; name only one"),
        );
    }
    let resolve = match args
        .resolve
        .iter()
        .map(|r| ResolveRule::parse(r))
        .collect::<Result<Vec<_>>>()
    {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let opts = store::FetchOptions {
        url: args.url.clone(),
        resolve,
        insecure: args.insecure,
        timeout: Duration::from_secs(args.timeout),
    };
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let mut failed = None;
    for list in targets {
        match runtime.block_on(store::fetch(dir, list, &opts)) {
            Ok(m) => println!(
                "{}: {} domains, version {}, sha256 {}, from {} into {}",
                m.name,
                m.domains,
                m.version,
                m.sha256,
                m.url,
                dir.join(&m.file).display()
            ),
            Err(e) => {
                let e = e.context(format!("{}: not fetched, earlier copy kept", list.name));
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(e) => fail(EXIT_FETCH_FAILED, &e),
        None => ExitCode::from(EXIT_OK),
    }
}

fn coverage(dir: &Path, args: &CoverageArgs) -> Result<Vec<String>> {
    let path = Path::new(&args.list);
    let (what, domains) = if path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let format = match args.format.as_deref() {
            Some("tracker-radar") => Format::TrackerRadar,
            Some("disconnect") => Format::Disconnect,
            Some("adblock") => Format::Adblock,
            _ => Format::sniff(&text),
        };
        let parsed =
            formats::parse(format, &text).with_context(|| format!("{}", path.display()))?;
        (
            format!("{} ({})", path.display(), format.as_str()),
            parsed.domains,
        )
    } else {
        let installed = store::installed(dir, &mut |w| warn(&w));
        let Some(m) = installed.iter().find(|m| m.name == args.list) else {
            bail!(
                "`{}` is neither a file nor an installed list (see `barometer lists`)",
                args.list
            );
        };
        let list = store::load(dir, m)?;
        (format!("list:{} {}", list.name, list.version), list.domains)
    };
    let knowledge = crate::knowledge::Knowledge::builtin()?;
    let c = Coverage::measure(&knowledge.trackers, &domains, args.top);
    let what = match args.top {
        Some(n) if c.weighted.is_some() => format!("{what}, top {n} by prevalence"),
        Some(n) => format!("{what}, first {n} by name (no prevalence in this list)"),
        None => what,
    };
    Ok(c.lines(&what))
}
