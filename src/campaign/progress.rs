//! Progress of a campaign: an indicatif bar on a terminal (done, failed,
//! rate, ETA and the sites in flight), plain log lines every few seconds
//! otherwise (CI logs, `nohup`, a batch scheduler).

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Plain log lines come at most this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    failed: u64,
    current: BTreeSet<String>,
    start: Instant,
    last_log: Instant,
    /// Sites finished when the last log line was printed.
    logged: Option<u64>,
    quiet: bool,
}

impl Progress {
    /// A bar when stderr is a terminal, else log lines; `quiet` silences
    /// both (warnings still print).
    pub fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} {prefix} {per_sec} ETA {eta} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            done: 0,
            failed: 0,
            current: BTreeSet::new(),
            start: Instant::now(),
            last_log: Instant::now(),
            logged: None,
            quiet,
        }
    }

    pub fn started(&mut self, url: &str) {
        self.current.insert(short(url));
        self.redraw();
    }

    /// A site of the list that another run on the same store took.
    pub fn taken(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn finished(&mut self, url: &str, audited: bool) {
        self.current.remove(&short(url));
        if audited {
            self.done += 1;
        } else {
            self.failed += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.redraw();
        if self.bar.is_none() && !self.quiet && self.last_log.elapsed() >= LOG_EVERY {
            self.log();
        }
    }

    fn log(&mut self) {
        self.last_log = Instant::now();
        self.logged = Some(self.done + self.failed);
        eprintln!("{}", self.line());
    }

    /// A one-line warning, printed above the bar.
    pub fn warn(&self, message: &str) {
        let line = format!("warning: {}", message.replace(['\n', '\r'], " "));
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        // The last line, unless it was just printed.
        if !self.quiet && self.logged != Some(self.done + self.failed) {
            self.log();
        }
    }

    fn redraw(&self) {
        if let Some(bar) = &self.bar {
            bar.set_prefix(format!("{} failed", self.failed));
            bar.set_message(self.current.iter().cloned().collect::<Vec<_>>().join(" "));
        }
    }

    /// `120/1000 sites: 117 audited, 3 failed, 4.2 sites/s, about 3m30s left`
    fn line(&self) -> String {
        let finished = self.done + self.failed;
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let rate = finished as f64 / secs;
        let left = self.total.saturating_sub(finished);
        let eta = if rate > 0.0 && left > 0 {
            let s = (left as f64 / rate).round() as u64;
            format!(", about {}m{:02}s left", s / 60, s % 60)
        } else {
            String::new()
        };
        format!(
            "{finished}/{} sites: {} audited, {} failed, {rate:.1} sites/s{eta}",
            self.total, self.done, self.failed
        )
    }
}

/// A URL as shown in the bar: its host (and path when not `/`).
fn short(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_is_logged_once() {
        let mut p = Progress::new(2, false);
        p.bar = None;
        p.finished("https://a.test/", true);
        assert_eq!(p.logged, None);
        // The last site finishes after the log interval: logged then...
        p.last_log = Instant::now() - LOG_EVERY;
        p.finished("https://b.test/", false);
        assert_eq!(p.logged, Some(2));
        let at = p.last_log;
        // ...and not again at the end.
        p.finish();
        assert_eq!(p.last_log, at);
        // When it was not logged yet, the end logs it.
        let mut q = Progress::new(1, false);
        q.bar = None;
        q.finished("https://a.test/", true);
        q.finish();
        assert_eq!(q.logged, Some(1));
    }
}
