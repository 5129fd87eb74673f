//! `barometer scan URL...`

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{fail, warn, CrawlArgs, ScanArgs, EXIT_NOT_AUDITED, EXIT_OK, EXIT_USAGE};
use crate::audit::{AuditConfig, Auditor};
use crate::crawl::{CrawlOptions, EngineChoice};
use crate::evidence::VisitKind;
use crate::judge::JudgeConfig;
use crate::net::{accept_language, ResolveRule};
use crate::report::render::{render_in, Format};
use crate::report::{Report, SiteReport};

impl CrawlArgs {
    /// Turn the arguments into an audit configuration.
    pub fn config(&self) -> Result<AuditConfig> {
        let resolve = self
            .resolve
            .iter()
            .map(|r| ResolveRule::parse(r))
            .collect::<Result<Vec<_>>>()?;
        let langs: Vec<String> = self
            .lang
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if let Some(bad) = langs
            .iter()
            .find(|l| !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            anyhow::bail!("invalid --lang `{bad}`: expected language tags such as fr,en");
        }
        let crawl = CrawlOptions {
            max_pages: self.pages as usize,
            timeout: Duration::from_secs(self.timeout),
            user_agent: self
                .user_agent
                .clone()
                .unwrap_or_else(|| crate::crawl::DEFAULT_USER_AGENT.to_string()),
            accept_language: accept_language(&langs),
            resolve,
            insecure: self.insecure,
            max_body_bytes: self.max_body_mb * 1024 * 1024,
            visits: self.visits(),
            settle: Duration::from_secs_f64(self.settle.clamp(0.0, 60.0)),
            visit_timeout: Duration::from_secs(self.visit_timeout),
            site_timeout: Duration::from_secs(self.site_timeout),
            block_third_party_cookies: self.block_third_party_cookies,
            chrome: self.chrome.clone(),
            allow_private: self.allow_private,
            ..CrawlOptions::default()
        };
        Ok(AuditConfig {
            engine: self.engine.unwrap_or(EngineChoice::Auto),
            crawl,
            judge: self.judge_config(),
        })
    }

    /// What judging is built from: rules, filter lists, profile, lists.
    pub fn judge_config(&self) -> JudgeConfig {
        JudgeConfig {
            rule_dirs: self.rules.clone(),
            filter_lists: self.filter_lists.clone(),
            profile: self.profile.clone(),
            lists_dir: if self.no_lists {
                None
            } else {
                self.lists_dir.clone().or_else(crate::lists::lists_dir)
            },
        }
    }
}

impl CrawlArgs {
    /// The visits `--consent` asks for, the first visit always first.
    pub fn visits(&self) -> Vec<VisitKind> {
        self.consent.clone().unwrap_or_default().kinds().to_vec()
    }
}

/// Print the crawl problems of a site as one-line warnings. With
/// `report_says_it`, the report printed on stdout already says the site
/// was not audited, and stderr does not say it again.
pub fn print_warnings(site: &SiteReport, report_says_it: bool) {
    if let Some(error) = site.error.as_ref().filter(|_| !report_says_it) {
        warn(&format!("{}: not audited: {error}", site.url));
    }
    for e in &site.evidence.errors {
        if e.kind == "page_failed" && !site.audited {
            continue;
        }
        warn(&format!("{}: {}", site.url, e.message));
    }
}

pub fn run(args: ScanArgs) -> ExitCode {
    let mut config = match args.crawl.config() {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(Format::from_path))
        .unwrap_or(Format::Text);
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    // URLs, or folders and HTML files served on loopback.
    let targets = match crate::local::Targets::start(&args.urls, &runtime) {
        Ok(t) => t,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    targets.apply(&mut config.crawl);
    // The first TLS handshake of a process pays ~30 ms of one-off crypto
    // initialisation; do it while the knowledge and rules load.
    let warm = std::thread::spawn(crate::net::warm_up_tls);
    let auditor = match Auditor::new(config, &mut |w| warn(&w)) {
        Ok(a) => a,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let _ = warm.join();
    runtime.spawn(end_browsers_on_interrupt(auditor.engine.clone()));
    // A text report on stdout says which sites were not audited.
    let on_stdout = format == Format::Text && args.output.is_none();
    let mut sites = Vec::new();
    for (url, name) in targets.urls.iter().zip(&targets.names) {
        let mut site = runtime.block_on(auditor.audit(url));
        if targets.proxy.is_some() {
            // A local site is named as typed: its served URL is internal.
            site.url = name.clone();
        }
        print_warnings(&site, on_stdout);
        sites.push(site);
    }
    if let Some(dir) = &args.har {
        if let Err(e) = write_hars(dir, &sites) {
            return fail(EXIT_USAGE, &e);
        }
    }
    let not_audited = sites.iter().filter(|s| !s.audited).count();
    auditor.engine.shutdown();
    let report = Report::new(sites, auditor.judge.rules_version());
    super::warn_rule_errors(&report.rule_errors);
    if let Err(e) = write_report(&report, format, args.output.as_deref(), args.report_lang) {
        return fail(EXIT_USAGE, &e);
    }
    if not_audited > 0 {
        ExitCode::from(EXIT_NOT_AUDITED)
    } else {
        ExitCode::from(EXIT_OK)
    }
}

/// One HAR file per visit of every site.
fn write_hars(dir: &std::path::Path, sites: &[SiteReport]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for site in sites {
        for visit in &site.evidence.visits {
            let path = dir.join(crate::report::har::file_name(&site.evidence, visit));
            let har = crate::report::har::visit_har(&site.evidence, visit);
            std::fs::write(&path, serde_json::to_string_pretty(&har)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// On Ctrl-C or SIGTERM, end every browser the engine started (and its
/// temporary profile) before exiting: no Chromium outlives `barometer`.
pub async fn end_browsers_on_interrupt(engine: std::sync::Arc<dyn crate::crawl::Engine>) {
    crate::campaign::run::interrupted().await;
    engine.shutdown();
    eprintln!("error: interrupted; browsers stopped, nothing written");
    std::process::exit(130);
}

/// Write the report to a file, or to stdout (coloured when it is a terminal
/// and `NO_COLOR` is unset).
pub fn write_report(
    report: &Report,
    format: Format,
    output: Option<&std::path::Path>,
    lang: Option<crate::i18n::Lang>,
) -> Result<()> {
    match output {
        Some(path) => {
            let text = render_in(report, format, false, lang)?;
            crate::files::write_atomic(path, text)?;
            if format != Format::Text {
                eprintln!("report written to {}", path.display());
            }
        }
        None => {
            let stdout = std::io::stdout();
            let color =
                stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let text = render_in(report, format, color, lang)?;
            let mut lock = stdout.lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = lock.write_all(text.as_bytes()).and_then(|_| lock.flush());
        }
    }
    Ok(())
}
