//! `barometer baseline` and `barometer check`: the CI mode.
//!
//! Exit codes of `check` (documented in the README, tested):
//! 0 no error-level result (warnings allowed); 1 an assertion failed;
//! 2 usage or configuration error; 3 a site could not be audited.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::scan::print_warnings;
use super::{
    fail, warn, BaselineArgs, CheckArgs, CrawlArgs, EXIT_NOT_AUDITED, EXIT_OK, EXIT_USAGE,
};
use crate::audit::Auditor;
use crate::ci::baseline::Baseline;
use crate::ci::check::check;
use crate::ci::config::{Config, RunsPolicy};
use crate::crawl::EngineChoice;
use crate::report::check::{CheckReport, CheckedSite};
use crate::report::render::{render_check, CheckFormat};
use crate::verdict::SiteReport;

/// An assertion failed (`check`).
pub const EXIT_ASSERTION: u8 = 1;

/// The baseline file used when none is named.
const DEFAULT_BASELINE: &str = "barometer-baseline.json";

/// The configuration: `--config FILE`, else `./barometer.toml` if present.
fn load_config(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>)> {
    match explicit {
        Some(path) => Ok((Config::load(path)?, Some(path.to_path_buf()))),
        None => {
            let default = PathBuf::from("barometer.toml");
            if default.is_file() {
                Ok((Config::load(&default)?, Some(default)))
            } else {
                Ok((Config::default(), None))
            }
        }
    }
}

/// Engine and consent visits: the command line's, else the
/// configuration's, else the defaults (auto, all).
fn apply_config(crawl: &mut CrawlArgs, config: &Config) -> Result<()> {
    if crawl.engine.is_none() {
        crawl.engine = match config.engine.as_deref() {
            None => None,
            Some("http") => Some(EngineChoice::Http),
            Some("chrome") => Some(EngineChoice::Chrome),
            Some("auto") => Some(EngineChoice::Auto),
            Some(other) => bail!("[check] engine `{other}`: expected http, chrome or auto"),
        };
    }
    if crawl.consent.is_none() {
        crawl.consent.clone_from(&config.consent);
    }
    Ok(())
}

/// Audit every target once; each report carries the target's name.
fn audit_all(
    runtime: &tokio::runtime::Runtime,
    auditor: &Arc<Auditor>,
    targets: &crate::local::Targets,
    report_says_it: bool,
) -> Vec<SiteReport> {
    targets
        .urls
        .iter()
        .zip(&targets.names)
        .map(|(u, name)| {
            let mut r = runtime.block_on(auditor.audit(u));
            print_warnings(&r, report_says_it);
            r.url = name.clone();
            r
        })
        .collect()
}

/// The URLs to audit: those given, else `[check] urls` of the configuration.
fn urls_to_audit(given: &[String], config: &Config, what: &str) -> Result<Vec<String>> {
    let raw = if given.is_empty() {
        config.urls.clone()
    } else {
        given.to_vec()
    };
    if raw.is_empty() {
        bail!("no URL to {what}: give URLs, or [check] urls in barometer.toml");
    }
    Ok(raw)
}

/// A runtime, the targets (directories served) and an auditor for them.
fn start(
    raw: &[String],
    crawl: &mut CrawlArgs,
) -> Result<(tokio::runtime::Runtime, crate::local::Targets, Arc<Auditor>)> {
    let rt = super::runtime()?;
    let mut config = crawl.config()?;
    // URLs, or built sites (folders, HTML files) served on loopback, every
    // request of their audit routed to that server.
    let targets = crate::local::Targets::start(raw, &rt)?;
    targets.apply(&mut config.crawl);
    let auditor = Arc::new(Auditor::new(config, &mut |w| warn(&w))?);
    Ok((rt, targets, auditor))
}

/// A baseline is only written from complete audits: say which site failed.
fn not_audited(reports: &[SiteReport], consequence: &str) -> Option<u8> {
    let mut bad = reports.iter().filter(|r| !r.audited).peekable();
    bad.peek()?;
    for r in bad {
        eprintln!(
            "error: {} could not be audited: {}; {consequence}",
            r.url,
            r.error.as_deref().unwrap_or("unknown error")
        );
    }
    Some(EXIT_NOT_AUDITED)
}

pub fn baseline(mut args: BaselineArgs) -> ExitCode {
    let result = (|| -> Result<u8> {
        let (config, _) = load_config(args.config.as_deref())?;
        apply_config(&mut args.crawl, &config)?;
        let raw = urls_to_audit(&args.urls, &config, "record")?;
        let (rt, targets, auditor) = start(&raw, &mut args.crawl)?;
        // A site not audited is said once, by `not_audited` below.
        let reports = audit_all(&rt, &auditor, &targets, true);
        auditor.engine.shutdown();
        if let Some(code) = not_audited(&reports, "no baseline written") {
            return Ok(code);
        }
        let baseline = Baseline::from_reports(&reports, auditor.judge.rules_version());
        crate::files::write_atomic(&args.output, baseline.to_json())?;
        eprintln!(
            "baseline of {} site(s) written to {}: review it and commit it",
            reports.len(),
            args.output.display()
        );
        drop(targets);
        Ok(EXIT_OK)
    })();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(EXIT_USAGE, &e),
    }
}

pub fn check_command(mut args: CheckArgs) -> ExitCode {
    match run_check(&mut args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(EXIT_USAGE, &e),
    }
}

fn run_check(args: &mut CheckArgs) -> Result<u8> {
    let (config, config_path) = load_config(args.config.as_deref())?;
    apply_config(&mut args.crawl, &config)?;
    let raw = urls_to_audit(&args.urls, &config, "check")?;
    let baseline_path: Option<PathBuf> = if args.no_baseline {
        None
    } else {
        Some(
            args.baseline
                .clone()
                .or_else(|| config.baseline.as_ref().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE)),
        )
    };
    let baseline = match &baseline_path {
        Some(p) if p.is_file() => Some(Baseline::load(p)?),
        // No baseline is no check of new trackers and cookies: never a
        // silent pass.
        Some(p) if !args.update_baseline => bail!(
            "no baseline {}: record one with `{}` (review and commit it), or pass --no-baseline to judge the assertions alone",
            p.display(),
            baseline_command(&args.urls, p)
        ),
        _ => None,
    };
    let runs = args.runs.or(config.runs).unwrap_or(1).clamp(1, 20);
    let policy = match args.policy.as_deref() {
        None => config.policy,
        Some("any") => RunsPolicy::Any,
        Some("majority") => RunsPolicy::Majority,
        Some("all") => RunsPolicy::All,
        Some(other) => bail!("--policy {other}: expected any, majority or all"),
    };
    let config = Config { policy, ..config };
    let (rt, targets, auditor) = start(&raw, &mut args.crawl)?;
    // A `rule.<ID>` naming no rule would never fire: say so instead.
    for id in config.rules.keys() {
        if !auditor.judge.rules.rules.iter().any(|r| r.rule.id == *id) {
            bail!(
                "{}: rule.{id}: no such rule in the catalogue (`barometer rules` lists them)",
                config_path
                    .as_deref()
                    .map_or_else(|| "barometer.toml".to_string(), |p| p.display().to_string())
            );
        }
    }
    // The check report lists the sites not audited (SARIF aside); when it
    // goes to stdout, stderr does not repeat them. Updating the baseline
    // says them as errors.
    let said_elsewhere =
        args.update_baseline || (args.output.is_none() && args.format != CheckFormat::Sarif);
    let mut all_runs = Vec::new();
    for _ in 0..runs {
        all_runs.push(audit_all(&rt, &auditor, &targets, said_elsewhere));
    }
    auditor.engine.shutdown();
    if args.update_baseline {
        let path = baseline_path.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE));
        let last = all_runs.last().map(Vec::as_slice).unwrap_or_default();
        if let Some(code) = not_audited(last, "baseline not updated") {
            return Ok(code);
        }
        // The union of every run: trackers that come and go with ad
        // auctions are all recorded.
        let new = Baseline::from_runs(&all_runs, auditor.judge.rules_version());
        crate::files::write_atomic(&path, new.to_json())?;
        eprintln!(
            "baseline {} updated: review the diff and commit it",
            path.display()
        );
        return Ok(EXIT_OK);
    }
    // The report's language: asked for, else the profile's (given, else
    // the sites').
    let lang = crate::i18n::Lang::choose(
        args.report_lang,
        args.crawl.profile.as_deref(),
        all_runs
            .iter()
            .flatten()
            .filter(|r| r.audited)
            .map(|r| r.facts.profile.id.as_str()),
    );
    let rule_errors = crate::verdict::rule_errors(all_runs.iter().flatten());
    super::warn_rule_errors(&rule_errors);
    let today = chrono::Utc::now().date_naive();
    let outcome = check(&config, baseline.as_ref(), &all_runs, today);
    let errors = outcome.errors();
    let warnings = outcome.warnings();
    let (verdict, exit_code) = if !outcome.not_audited.is_empty() {
        ("not_audited", EXIT_NOT_AUDITED)
    } else if errors > 0 {
        ("failed", EXIT_ASSERTION)
    } else {
        ("passed", EXIT_OK)
    };
    let sites = targets
        .names
        .iter()
        .map(|name| {
            let mine: Vec<&SiteReport> = all_runs
                .iter()
                .filter_map(|run| run.iter().find(|r| r.url == *name))
                .collect();
            let last = mine.last();
            CheckedSite {
                url: name.clone(),
                audited: mine.iter().any(|r| r.audited),
                score: last.and_then(|r| r.score.as_ref().map(|s| s.value)),
                grade: last.and_then(|r| r.score.as_ref().map(|s| s.grade.to_string())),
            }
        })
        .collect();
    let report = CheckReport {
        tool: "gdpr-barometer".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        generated_at: chrono::Utc::now(),
        config: config_path.map(|p| p.display().to_string()),
        baseline: baseline_path
            .filter(|_| baseline.is_some())
            .map(|p| p.display().to_string()),
        runs,
        policy,
        sites,
        outcome,
        errors,
        warnings,
        verdict: verdict.into(),
        lang,
        exit_code,
        rule_errors,
        assertions: Vec::new(),
        junit: Vec::new(),
        junit_tests: 0,
        junit_failures: 0,
        docs_url: config.docs_url.clone(),
        sarif_rules: Vec::new(),
        sarif_results: Vec::new(),
    }
    .finish()?;
    write_check(&report, args.format, args.output.as_deref())?;
    drop(targets);
    Ok(exit_code)
}

/// The `barometer baseline` command that records `path` for `urls`.
fn baseline_command(urls: &[String], path: &Path) -> String {
    let mut cmd = "barometer baseline".to_string();
    for u in urls {
        cmd.push(' ');
        cmd.push_str(&shell_word(u));
    }
    cmd + " -o " + &shell_word(&path.display().to_string())
}

/// `s` as one shell word: quoted unless made of plain characters.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn write_check(report: &CheckReport, format: CheckFormat, output: Option<&Path>) -> Result<()> {
    if format == CheckFormat::Github {
        // The Markdown summary goes to the job summary when there is one.
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
            let md = render_check(report, CheckFormat::Md, false)?;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&summary)
                .with_context(|| {
                    format!(
                        "cannot open $GITHUB_STEP_SUMMARY ({})",
                        Path::new(&summary).display()
                    )
                })?;
            f.write_all(md.as_bytes())?;
        }
    }
    match output {
        Some(path) => {
            let text = render_check(report, format, false)?;
            crate::files::write_atomic(path, text)?;
        }
        None => {
            use std::io::IsTerminal;
            let color = format == CheckFormat::Text
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let text = render_check(report, format, color)?;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        }
    }
    Ok(())
}
