//! Running a campaign: audit the sites still to do, several at once, and
//! write each result to the store the moment it completes.
//!
//! - **Bounded.** At most `concurrency` audits are in flight (each chrome
//!   audit is one browser with up to three contexts; each http audit a few
//!   connections).
//! - **Deadlines.** Each site has its own timeout; a site that runs out is
//!   recorded as failed ("took longer than N s") and the campaign goes on.
//! - **Interruptible.** On Ctrl-C or SIGTERM the audits in flight are
//!   abandoned (they stay pending in the store), browsers are stopped, and
//!   everything completed is already on disk. A SIGKILL loses the same
//!   in-flight sites and nothing else: each result is its own transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use tokio::task::JoinSet;

use super::progress::Progress;
use crate::audit::Auditor;
use crate::store::CampaignStore;
use crate::targets::Site;
use crate::verdict::SiteReport;

/// How a run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub concurrency: usize,
    pub site_timeout: Duration,
    /// Audit failed sites again (those that failed before this run).
    pub retry_failed: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// Sites audited in this run.
    pub done: u64,
    /// Sites that could not be audited in this run.
    pub failed: u64,
    /// Sites of this run left undone (interrupted).
    pub left: u64,
    /// Sites another run on the same store took, or finished, first.
    pub taken: u64,
    pub interrupted: bool,
    /// Rules that could not be evaluated on the sites of this run.
    pub rule_errors: Vec<crate::verdict::RuleError>,
}

/// Audit `todo` into campaign `campaign` of `store`. Returns when every
/// site is recorded, or at the first interruption.
pub async fn run(
    auditor: Arc<Auditor>,
    store: &mut dyn CampaignStore,
    campaign: i64,
    todo: Vec<Site>,
    opts: &RunOptions,
    progress: &mut Progress,
) -> Result<RunOutcome> {
    let mut outcome = RunOutcome::default();
    let total = todo.len() as u64;
    let mut queue = todo.into_iter();
    let mut in_flight: JoinSet<(Site, chrono::DateTime<Utc>, Duration, SiteReport)> =
        JoinSet::new();
    let interrupt = interrupted();
    tokio::pin!(interrupt);
    // Who this run is (machine, process), for the claims it takes in the
    // store; a claim lasts longer than any audit may, or until its process
    // is found gone.
    let owner = format!(
        "{}:{}:{}:{}",
        crate::store::host_name().replace(':', "_"),
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        campaign
    );
    let since = Utc::now();
    let lease = opts.site_timeout * 2 + Duration::from_secs(60);
    let result: Result<()> = 'run: loop {
        while in_flight.len() < opts.concurrency.max(1) {
            let Some(site) = queue.next() else { break };
            match store.claim(
                campaign,
                site.url.as_str(),
                &owner,
                since,
                opts.retry_failed,
                lease,
            ) {
                Ok(true) => {}
                Ok(false) => {
                    outcome.taken += 1;
                    progress.taken();
                    continue;
                }
                Err(e) => break 'run Err(e),
            }
            progress.started(site.url.as_str());
            let auditor = auditor.clone();
            let deadline = opts.site_timeout;
            in_flight.spawn(async move {
                let started_at = Utc::now();
                let clock = Instant::now();
                let report = match tokio::time::timeout(deadline, auditor.audit(&site.url)).await {
                    Ok(r) => r,
                    Err(_) => auditor.timed_out(&site.url, deadline),
                };
                (site, started_at, clock.elapsed(), report)
            });
        }
        if in_flight.is_empty() {
            break 'run Ok(());
        }
        tokio::select! {
            biased;
            _ = &mut interrupt => {
                outcome.interrupted = true;
                in_flight.abort_all();
                auditor.engine.shutdown();
                break 'run Ok(());
            }
            joined = in_flight.join_next() => {
                let Some(joined) = joined else { continue };
                let (site, started_at, took, report) = match joined {
                    Ok(x) => x,
                    // A panicking audit task: its site stays pending.
                    Err(e) if e.is_panic() => {
                        progress.warn(&format!("an audit task panicked: {e}"));
                        continue;
                    }
                    Err(_) => continue,
                };
                if let Err(e) = store.save(campaign, site.url.as_str(), &report, started_at, took.as_millis() as u64) {
                    break 'run Err(e);
                }
                crate::verdict::add_rule_errors(&mut outcome.rule_errors, &report);
                if report.audited {
                    outcome.done += 1;
                } else {
                    outcome.failed += 1;
                    progress.warn(&format!(
                        "{}: not audited: {}",
                        site.url,
                        report.error.as_deref().unwrap_or("unknown error")
                    ));
                }
                progress.finished(site.url.as_str(), report.audited);
                if (outcome.done + outcome.failed) % 256 == 0 {
                    release_free_memory();
                }
            }
        }
    };
    // Browsers (and anything else the engine keeps) end with the run.
    auditor.engine.shutdown();
    // Sites still in flight (interrupted) are free for the next run at once.
    let released = store.release(&owner);
    result?;
    released?;
    outcome.left = total - outcome.done - outcome.failed - outcome.taken;
    outcome
        .rule_errors
        .sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    progress.finish();
    Ok(outcome)
}

/// Give freed heap back to the system. The live heap of a campaign stays
/// flat (each site's evidence is dropped once stored; measured with
/// valgrind's massif: about 25 MB through 3,000 sites), but glibc keeps
/// freed pages in its per-thread arenas, so the resident size crept up with
/// the number of sites without this.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Resolves on Ctrl-C or SIGTERM (also what `scan` waits for).
pub async fn interrupted() {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
