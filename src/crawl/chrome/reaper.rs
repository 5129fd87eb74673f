//! No Chromium outlives `barometer`, even when `barometer` is SIGKILLed.
//!
//! Ctrl-C, SIGTERM and panics are handled in-process (the browser is
//! dropped, or the engine's `shutdown` runs). A SIGKILL cannot be
//! caught, and Chromium does not exit when its parent dies. So the first
//! browser launch also starts a small watcher: `barometer` itself, run with
//! a hidden command, that waits for its parent to disappear and then kills
//! every Chromium whose profile belongs to that parent (profiles are named
//! after the parent's pid) and deletes the profiles.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The profile-name prefix of browsers started by process `pid`.
pub fn profile_prefix(pid: u32) -> String {
    format!("{}{pid}-", super::PROFILE_PREFIX)
}

/// Start the watcher once per process. Failing to start it is not fatal:
/// browsers are still stopped on every ending but SIGKILL.
pub fn ensure_started() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        // Only the `barometer` binary knows the hidden command (a test or
        // benchmark binary using the library does not).
        if exe.file_stem().and_then(|s| s.to_str()) != Some("barometer") {
            return;
        }
        let spawned = Command::new(exe)
            .args(["__reap", "--parent", &std::process::id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            tracing::warn!("cannot start the browser watcher: {e}");
        }
    });
}

/// The watcher's loop: runs in its own process until `parent` is gone,
/// then ends what it left behind.
pub fn watch(parent: u32) {
    // Ctrl-C in a terminal reaches the whole process group: the watcher
    // stays to clean up after its parent whatever happens.
    // SAFETY: setting signal dispositions before any thread is started.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    // SAFETY: getppid has no preconditions.
    while unsafe { libc::getppid() } as u32 == parent {
        std::thread::sleep(Duration::from_millis(200));
    }
    end_browsers_of(parent);
}

/// Kill every Chromium whose profile belongs to `parent`, then delete the
/// profiles (also those of browsers that already died).
pub fn end_browsers_of(parent: u32) {
    let prefix = profile_prefix(parent);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let mut profiles = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let profile = cmdline
            .split(|b| *b == 0)
            .map(String::from_utf8_lossy)
            .find_map(|a| a.strip_prefix("--user-data-dir=").map(str::to_string));
        if let Some(profile) = profile.filter(|p| p.contains(&prefix)) {
            // SAFETY: kill(2) on a process running with our parent's
            // browser profile; no memory is touched.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            if !profiles.contains(&profile) {
                profiles.push(profile);
            }
        }
    }
    // A browser may also have died on its own (its stderr pipe broke): its
    // profile is still there, named after the parent.
    if let Ok(tmp) = std::fs::read_dir(std::env::temp_dir()) {
        for e in tmp.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let p = e.path().to_string_lossy().into_owned();
                if !profiles.contains(&p) {
                    profiles.push(p);
                }
            }
        }
    }
    // Dying browsers may still write to their profile: retry a few times.
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        profiles
            .retain(|p| std::fs::remove_dir_all(p).is_err() && std::path::Path::new(p).exists());
        if profiles.is_empty() {
            break;
        }
    }
}

/// Kill one browser now: its process, every process below it, and any
/// process still running with its profile; then wait until
/// they are gone (at most 10 s: a loaded machine can take seconds to tear
/// down a big renderer), so that the next site never starts beside it.
pub fn kill_browser(pid: u32, profile: &std::path::Path) {
    let profile = profile.to_string_lossy().into_owned();
    let mut doomed = vec![pid as i32];
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    // (pid, parent pid, uses the profile) of every process.
    let table: Vec<(i32, i32, bool)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .map(|p| {
            let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let ours =
                !profile.is_empty() && String::from_utf8_lossy(&cmdline).contains(profile.as_str());
            (p, parent_of(p).unwrap_or(0), ours)
        })
        .collect();
    for (p, _, ours) in &table {
        if *ours && !doomed.contains(p) {
            doomed.push(*p);
        }
    }
    loop {
        let before = doomed.len();
        for (p, parent, _) in &table {
            if doomed.contains(parent) && !doomed.contains(p) {
                doomed.push(*p);
            }
        }
        if doomed.len() == before {
            break;
        }
    }
    for p in &doomed {
        // SAFETY: kill(2) on the browser we started and its descendants.
        unsafe {
            libc::kill(*p, libc::SIGKILL);
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while doomed.iter().any(|p| running(*p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The parent pid of `pid`, from `/proc/PID/stat`.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `pid` exists and is not a zombie (a zombie has released everything and
/// only waits for its parent to read its status).
fn running(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | None)
}
