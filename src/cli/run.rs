//! `barometer run SITES`: audit a list of sites into a campaign database.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::{fail, warn, RunArgs, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE};
use crate::audit::Auditor;
use crate::campaign::progress::Progress;
use crate::campaign::run::{run as run_campaign, RunOptions};
use crate::crawl::EngineChoice;
use crate::store::{NewCampaign, Store};
use crate::targets::Targets;

/// Skipped input lines named one by one in warnings; the others are counted.
const SKIPPED_SHOWN: usize = 10;

/// Default number of sites audited at once, per engine: http audits wait on
/// the network, chrome audits on a CPU (each is a browser).
fn default_concurrency(engine: EngineChoice) -> usize {
    match engine {
        EngineChoice::Http => 16,
        _ => 2,
    }
}

/// A campaign's default name: the sites file's name without extension.
fn default_name(sites: &str) -> String {
    if sites == "-" {
        return "stdin".into();
    }
    Path::new(sites)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "campaign".into())
}

pub fn run(args: RunArgs) -> ExitCode {
    let mut config = match args.crawl.config() {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    // A folder or an HTML file is a campaign of one local site, served on
    // loopback (by a runtime of its own) for as long as the campaign runs.
    let local = match local_site(&args.sites, &mut config.crawl) {
        Ok(l) => l,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let mut targets = match &local {
        Some((_, _, site)) => Targets {
            sites: vec![site.clone()],
            skipped: Vec::new(),
        },
        None => match Targets::read(&args.sites) {
            Ok(t) => t,
            Err(e) => return fail(EXIT_USAGE, &e),
        },
    };
    let shown = if args.sites == "-" {
        "stdin"
    } else {
        args.sites.as_str()
    };
    // The first lines skipped are named; the rest are counted (a list with
    // thousands of duplicates must not bury the run in warnings). The
    // campaign keeps them all, and its report lists them.
    for s in targets.skipped.iter().take(SKIPPED_SHOWN) {
        warn(&format!(
            "{shown}:{}: skipped: {} (`{}`)",
            s.line, s.reason, s.text
        ));
    }
    if targets.skipped.len() > SKIPPED_SHOWN {
        let more = &targets.skipped[SKIPPED_SHOWN..];
        let duplicates = more
            .iter()
            .filter(|s| s.reason.starts_with("duplicate of line"))
            .count();
        warn(&format!(
            "{shown}: {} more lines skipped ({duplicates} duplicates, {} invalid); the campaign report lists them",
            more.len(),
            more.len() - duplicates
        ));
    }
    let listed = targets.sites.len();
    let skipped_count = targets.skipped.len();
    let skipped = std::mem::take(&mut targets.skipped);
    let sites: Vec<_> = std::mem::take(&mut targets.sites)
        .into_iter()
        .filter(|s| args.shard.contains(&s.url))
        .collect();
    if listed == 0 {
        return fail(EXIT_USAGE, &anyhow::anyhow!("{shown} lists no valid site"));
    }
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&args.sites));
    let concurrency = args
        .concurrency
        .map(|c| c as usize)
        .unwrap_or_else(|| default_concurrency(config.engine));
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let config_engine = config.engine;
    let auditor = match Auditor::new(config, &mut |w| warn(&w)) {
        Ok(a) => Arc::new(a),
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    // What the campaign ran with: the crawl options (the visits made
    // spelt out), what judging was built from, and how the run went.
    let mut crawl = args.crawl.clone();
    crawl.consent = Some(crawl.consent.unwrap_or_default());
    let options = serde_json::json!({
        "engine": config_engine,
        "crawl": crawl,
        "judge": auditor.judge.config,
        "concurrency": concurrency,
        "shard": args.shard.to_string(),
    });
    let mut store = match Store::open(&args.db) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let new = NewCampaign {
        name: name.clone(),
        rules_version: auditor.judge.rules_version().to_string(),
        lists: serde_json::to_value(&auditor.crawl.lists).unwrap_or_default(),
        engine: serde_json::to_value(auditor.engine.kind())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        options,
        sites_file: Some(shown.to_string()),
        skipped,
    };
    // The shard's list goes into the store; only what is left stays in
    // memory.
    let in_shard = sites.len();
    let todo = match store
        .begin(&new, &sites)
        .and_then(|c| Ok((c.id, store.todo(c.id, sites, args.retry_failed)?)))
    {
        Ok(t) => t,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let (campaign, todo) = todo;
    let db = args.db.display();
    if todo.is_empty() {
        eprintln!(
            "campaign `{name}`: nothing left to audit in {db} ({} sites{}){}",
            in_shard,
            if args.shard.count > 1 {
                format!(" in shard {}", args.shard)
            } else {
                String::new()
            },
            if args.retry_failed {
                ""
            } else {
                "; --retry-failed audits the failed ones again"
            }
        );
        if let Ok(c) = store.counts(campaign) {
            if c.pending == 0 {
                let _ = store.end(campaign);
            }
        }
        return ExitCode::from(EXIT_OK);
    }
    if !args.quiet {
        eprintln!(
            "campaign `{name}`: {} of {} sites to audit{}, {concurrency} at a time, into {db}",
            todo.len(),
            in_shard,
            if args.shard.count > 1 {
                format!(" (shard {} of {listed} listed)", args.shard)
            } else {
                String::new()
            },
        );
    }
    let mut progress = Progress::new(todo.len() as u64, args.quiet);
    let opts = RunOptions {
        concurrency,
        site_timeout: Duration::from_secs(args.crawl.site_timeout),
        retry_failed: args.retry_failed,
    };
    let outcome = match runtime.block_on(run_campaign(
        auditor,
        &mut store,
        campaign,
        todo,
        &opts,
        &mut progress,
    )) {
        Ok(o) => o,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    super::warn_rule_errors(&outcome.rule_errors);
    let counts = store.counts(campaign).unwrap_or_default();
    if counts.pending == 0 && !outcome.interrupted {
        if let Err(e) = store.end(campaign) {
            return fail(EXIT_USAGE, &e);
        }
    }
    if outcome.interrupted {
        eprintln!(
            "error: interrupted; {} sites saved in this run, {} left pending: run the same command again to resume",
            outcome.done + outcome.failed,
            outcome.left
        );
        // The runtime may hold tasks of abandoned audits: do not wait.
        runtime.shutdown_background();
        return ExitCode::from(EXIT_INTERRUPTED);
    }
    eprintln!(
        "campaign `{name}` in {db}: {} audited, {} failed, {} pending{}; next: barometer report --db {db} -o report/",
        counts.done,
        counts.failed,
        counts.pending,
        if skipped_count == 0 {
            String::new()
        } else {
            format!(", {skipped_count} input lines skipped")
        }
    );
    runtime.shutdown_background();
    ExitCode::from(EXIT_OK)
}

/// The server and the site of `run DIR` or `run page.html`, or `None` for
/// a sites file.
#[allow(clippy::type_complexity)]
fn local_site(
    raw: &str,
    crawl: &mut crate::crawl::CrawlOptions,
) -> anyhow::Result<
    Option<(
        tokio::runtime::Runtime,
        crate::local::Targets,
        crate::targets::Site,
    )>,
> {
    let path = std::path::Path::new(raw);
    let html = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "html" | "htm" | "xhtml"));
    if !(path.is_dir() || (path.is_file() && html)) {
        return Ok(None);
    }
    let runtime = super::runtime()?;
    let targets = crate::local::Targets::start(&[raw.to_string()], &runtime)?;
    targets.apply(crawl);
    let site = crate::targets::Site {
        line: 1,
        url: targets.urls[0].clone(),
        name: Some(raw.to_string()),
        category: None,
        rank: None,
    };
    Ok(Some((runtime, targets, site)))
}
