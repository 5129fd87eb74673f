//! Command-line interface: arguments here, one module per command.
//!
//! Exit codes (documented in the README and tested):
//! - 0: done;
//! - 2: usage or configuration error (bad URL, malformed rule file...);
//! - 3: a site could not be audited (unreachable, TLS failure, redirect
//!   loop...). Other sites of the same run are still reported.

pub mod ci;
pub mod demo;
pub mod lists;
pub mod merge;
pub mod report;
pub mod rules;
pub mod rules_check;
pub mod run;
pub mod scan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::crawl::EngineChoice;
use crate::evidence::VisitSet;
use crate::report::render::Format;

pub const EXIT_OK: u8 = 0;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NOT_AUDITED: u8 = 3;
/// Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, Parser)]
#[command(name = "barometer", version, about = "Audit websites for GDPR data minimisation and consent: cookies, trackers, the cookie banner and its reject button.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More logs on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit one or more sites and write a report.
    Scan(Box<ScanArgs>),
    /// Audit a list of sites into a campaign database, resumably.
    ///
    /// Re-running the same command skips the sites already done; Ctrl-C
    /// keeps everything completed. `--shard K/N` takes a deterministic share
    /// of the list so N machines can split a campaign, then `barometer
    /// merge` combines their databases.
    Run(Box<RunArgs>),
    /// Record what sites use now (trackers, cookies, third-party hosts, rule
    /// results) in a baseline file to commit.
    Baseline(Box<BaselineArgs>),
    /// Check sites against a baseline and assertions, for CI: exit 1 when
    /// a new tracker or cookie appears.
    ///
    /// Exit codes: 0 no error (warnings allowed), 1 an assertion failed,
    /// 2 usage or configuration error, 3 a site could not be audited.
    Check(Box<CheckArgs>),
    /// Combine campaign databases (the shards of one campaign, say).
    Merge(MergeArgs),
    /// Publish a campaign's barometer: indicators with 95% intervals,
    /// ranking, charts, CSV. Re-judges stored evidence; never crawls.
    Report(ReportArgs),
    /// List the rule catalogue, or explain one rule; `--check DIR`
    /// validates a directory of rules.
    Rules(RulesArgs),
    /// Tracker lists you fetch yourself (Tracker Radar, Disconnect,
    /// EasyPrivacy, EasyList): show what is installed, `fetch`, `coverage`.
    /// Audits use installed lists unless `--no-lists`.
    Lists(lists::ListsArgs),
    /// Audit a built-in sample web on loopback and write barometer-report.html.
    Demo(DemoArgs),
    /// Print the JSON Schema of the evidence or facts model.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Watches a barometer process and ends its browsers if it is killed
    /// (started by the chrome engine; not for direct use).
    #[command(hide = true, name = "__reap")]
    Reap {
        #[arg(long)]
        parent: u32,
    },
    /// Serve a site folder (or a test web: one folder per host name) over
    /// HTTPS on loopback, as scan and check serve a folder they audit.
    Serve {
        /// A built site (a folder with index.html), or a folder of host folders.
        dir: PathBuf,
        #[arg(long, default_value_t = 8443)]
        port: u16,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SchemaKind {
    Evidence,
    Facts,
}

/// Options shared by every command that crawls (a campaign records them
/// as given, in serde JSON).
#[derive(Debug, Args, Clone, serde::Serialize, serde::Deserialize)]
pub struct CrawlArgs {
    /// Crawl engine [default: auto].
    #[arg(long, value_enum)]
    pub engine: Option<EngineChoice>,
    /// Pages per visit: the home page plus same-site pages found from links.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub pages: u32,
    /// Map host names to an address, as curl does: HOST:ADDR or HOST:PORT:ADDR;
    /// HOST may be `*` or `*.example.com`.
    #[arg(long, value_name = "HOST:ADDR")]
    pub resolve: Vec<String>,
    /// Accept invalid or self-signed TLS certificates.
    #[arg(long, short = 'k')]
    pub insecure: bool,
    /// Let the audit of a public site reach loopback, private, link-local
    /// and metadata addresses (refused by default: a hostile page could
    /// make the auditor fetch its own network into the report).
    #[arg(long)]
    pub allow_private: bool,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 20, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Languages to ask for (Accept-Language), most preferred first.
    #[arg(long, value_delimiter = ',', default_value = "fr,en")]
    pub lang: Vec<String>,
    /// Add the rules of this directory (every *.toml); an id already
    /// in the catalogue replaces the built-in rule.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Also match requests against this EasyList/EasyPrivacy-format list.
    #[arg(long = "filter-list", value_name = "FILE")]
    pub filter_lists: Vec<PathBuf>,
    /// Do not use the lists installed with `barometer lists fetch`.
    #[arg(long)]
    pub no_lists: bool,
    /// Directory of installed lists (as for `barometer lists`).
    #[arg(long, value_name = "DIR")]
    pub lists_dir: Option<PathBuf>,
    /// User agent to send (recorded in the evidence).
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,
    /// Chromium binary for the browser engine [default: $CHROME, then PATH].
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Browser engine: seconds to wait for a banner after the page has loaded.
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    pub settle: f64,
    /// Browser engine: which visits to make besides the first one: none,
    /// all, or a comma-separated list of reject, accept, implied, close
    /// (`reject,accept` is the classic three-visit audit; `all` is reject,
    /// accept and implied, plus close under a --profile that counts
    /// closing the banner as a refusal) [default: all].
    #[arg(long, value_name = "VISITS")]
    pub consent: Option<VisitSet>,
    /// Browser engine: time budget of one visit, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub visit_timeout: u64,
    /// Give up on a site after this long, all visits included: it is
    /// recorded as not audited, with what was seen until then.
    #[arg(long, default_value_t = 180, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub site_timeout: u64,
    /// Browser engine: block third-party cookies (by default they are
    /// allowed, as in a default desktop browser).
    #[arg(long)]
    pub block_third_party_cookies: bool,
    /// Jurisdiction profile to judge with: eu, fr, it, es, de, at, nl, be,
    /// lu, ie, pt, pl, se, dk, uk, ch or ca [default: from the site's ccTLD
    /// (eu with the national authority for a country without a profile),
    /// else, on a generic domain, its banner's language or <html lang>,
    /// else eu].
    #[arg(long, value_name = "ID")]
    pub profile: Option<String>,
    /// Largest page read, in MiB; a larger page is reported and not analysed.
    #[arg(long, default_value_t = 10, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_body_mb: u64,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Sites to audit (`example.fr` means https://example.fr/).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    /// Report format [default: from the -o extension, else text].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the report here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write one HAR 1.2 file per visit into this directory.
    #[arg(long, value_name = "DIR")]
    pub har: Option<PathBuf>,
    /// Language of the text, Markdown and HTML reports [default: French
    /// when every site is judged under the fr profile, else English].
    #[arg(long, value_enum, value_name = "LANG")]
    pub report_lang: Option<crate::i18n::Lang>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Sites to audit: a text file of URLs, one per line (`#` comments), or
    /// a CSV with a `url` column and optional `name`, `category`, `rank`
    /// columns. `-` reads stdin.
    #[arg(value_name = "SITES")]
    pub sites: String,
    /// The campaign database (SQLite), created if missing.
    #[arg(long, default_value = "barometer.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// Campaign name (default: the sites file's name without extension).
    /// Re-running with the same name resumes it.
    #[arg(long)]
    pub name: Option<String>,
    /// Sites audited at once (default: 16 with the http engine, 2 with
    /// chrome).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: Option<u32>,
    /// Audit only shard K of N (1-based), a deterministic share of the list.
    #[arg(long, value_name = "K/N", default_value = "1/1")]
    pub shard: crate::campaign::shard::Shard,
    /// Audit again the sites that failed in earlier runs.
    #[arg(long)]
    pub retry_failed: bool,
    /// No progress bar or log lines (warnings still print).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Sites to record (URLs, or a directory holding a built static site);
    /// default: [check] urls of the configuration.
    #[arg(value_name = "URL|DIR")]
    pub urls: Vec<String>,
    /// Configuration file (default: ./barometer.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where to write the baseline.
    #[arg(
        long,
        short = 'o',
        default_value = "barometer-baseline.json",
        value_name = "FILE"
    )]
    pub output: PathBuf,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Sites to check (URLs, or a directory holding a built static site,
    /// served on loopback); default: [check] urls of the configuration.
    #[arg(value_name = "URL|DIR")]
    pub urls: Vec<String>,
    /// Configuration file with assertions and allow-lists (default:
    /// ./barometer.toml when present). See docs/ci.md.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Baseline to compare with (default: [check] baseline, else
    /// ./barometer-baseline.json). Without one, `check` exits 2 naming the
    /// command that records it.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Judge the assertions of the configuration alone, with no baseline
    /// (no new-tracker or new-cookie check).
    #[arg(long, conflicts_with_all = ["baseline", "update_baseline"])]
    pub no_baseline: bool,
    /// Audit each site N times; `--policy` decides when a new item counts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: Option<u32>,
    /// With several runs, a new item counts when seen in `any` run, a
    /// `majority` of runs (default), or `all` runs.
    #[arg(long, value_name = "any|majority|all")]
    pub policy: Option<String>,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: crate::report::render::CheckFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rewrite the baseline from this check (after reviewing a change).
    #[arg(long)]
    pub update_baseline: bool,
    /// Language of the messages and descriptions [default: French when
    /// every site is judged under the fr profile, else English]. Rule and
    /// assertion ids, levels and fingerprints do not change with it.
    #[arg(long, value_enum, value_name = "LANG")]
    pub report_lang: Option<crate::i18n::Lang>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The campaign database.
    #[arg(long, default_value = "barometer.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// Which campaign, when the database holds several.
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// An earlier campaign to compare with: `OTHER.sqlite[:CAMPAIGN]`.
    #[arg(long, value_name = "DB[:CAMPAIGN]")]
    pub compare: Option<String>,
    /// Output formats, comma-separated (default: html).
    #[arg(long, short = 'f', value_enum, value_delimiter = ',')]
    pub format: Vec<crate::report::render::CampaignFormat>,
    /// Output directory.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: PathBuf,
    /// Skip the per-site HTML reports (faster on very large campaigns).
    #[arg(long)]
    pub no_site_reports: bool,
    /// Extra rule directories, as for `scan`.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Filter lists (EasyList/EasyPrivacy format), as for `scan`.
    #[arg(long = "filter-list", value_name = "FILE")]
    pub filter_lists: Vec<PathBuf>,
    /// Jurisdiction profile, as for `scan` (default: per site).
    #[arg(long, value_name = "ID")]
    pub profile: Option<String>,
    /// Language of the barometer and site reports [default: French when
    /// the campaign is judged under the fr profile, else English].
    #[arg(long, value_enum, value_name = "LANG")]
    pub report_lang: Option<crate::i18n::Lang>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Campaign databases to combine.
    #[arg(required = true, value_name = "DB")]
    pub inputs: Vec<PathBuf>,
    /// The combined database (added to when it exists).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id, e.g. B202.
    pub id: Option<String>,
    /// Include the rules of this directory.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Show what applies under this jurisdiction profile (eu, fr, it, es,
    /// de, at, nl, be, lu, ie, pt, pl, se, dk, uk, ch, ca): its authority,
    /// law, thresholds, rules and severities.
    #[arg(long, value_name = "ID")]
    pub profile: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Check the rules of DIR with the built-in ones: parse, compile,
    /// check every fact name against the facts schema and evaluate every
    /// rule over built-in sample sites. Exit 2 with `file: rule ID: reason`
    /// lines on any error.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["id", "profile", "json"])]
    pub check: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the HTML report.
    #[arg(long, short = 'o', default_value = "barometer-report.html")]
    pub output: PathBuf,
    /// Crawl engine for the demo sites.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineChoice,
}

/// Print a one-line error and return the exit code.
/// The tokio runtime every command runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn fail(code: u8, err: &anyhow::Error) -> ExitCode {
    let text = format!("{err:#}").replace(['\n', '\r'], " ");
    eprintln!("error: {text}");
    ExitCode::from(code)
}

/// Print a one-line warning.
pub fn warn(message: &str) {
    eprintln!(
        "warning: {}",
        crate::report::render::escape_text(message).replace('\n', " ")
    );
}

/// One warning line per rule that could not be evaluated.
pub fn warn_rule_errors(errors: &[crate::verdict::RuleError]) {
    for e in errors {
        warn(&e.line());
    }
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    // By default only our own warnings: every problem is already reported
    // as one line (a TLS failure is a "not audited" line, not also the
    // verifier's own log). `-v`, BAROMETER_LOG or RUST_LOG ask for more.
    let level = match cli.verbose {
        0 => "off,barometer=warn",
        1 => "info,headless_chrome=off",
        _ => "debug",
    };
    let filter = ["BAROMETER_LOG", "RUST_LOG"]
        .iter()
        .find_map(|var| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        })
        .unwrap_or_else(|| level.into());
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Run(args) => run::run(*args),
        Command::Merge(args) => merge::run(args),
        Command::Baseline(args) => ci::baseline(*args),
        Command::Check(args) => ci::check_command(*args),
        Command::Report(args) => report::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Lists(args) => lists::run(args),
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Evidence => crate::evidence::Evidence::json_schema(),
                SchemaKind::Facts => crate::facts::Facts::json_schema(),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            ExitCode::from(EXIT_OK)
        }
        Command::Serve { dir, port } => demo::serve(&dir, port),
        Command::Reap { parent } => {
            crate::crawl::chrome::reaper::watch(parent);
            ExitCode::from(EXIT_OK)
        }
    }
}
