//! Knowledge shipped as data in `rules/`: trackers, cookies, consent
//! platforms and multilingual lexicons.
//!
//! The files are embedded in the binary at build time so that `barometer`
//! works from any directory, and user-supplied directories (`--rules DIR`)
//! are read at run time on top of them. Nothing here is code: a new tracker,
//! cookie or word is a line in a TOML file.

pub mod cmps;
pub mod consent_cookies;
pub mod cookies;
pub mod forms;
pub mod law;
pub mod lexicon;
pub mod notice;
pub mod open_cookie_db;
mod prefilter;
pub mod profiles;
pub mod references;
mod severity;
pub mod statements;
pub mod trackers;

use anyhow::{Context, Result};
use include_dir::{include_dir, Dir};

pub use cmps::CmpDb;
pub use consent_cookies::ConsentCookieDb;
pub use cookies::{ConsentNeed, CookieCategory, CookieDb, CookieEntry, CookieList};
pub use law::{Instrument, LawRegistry};
pub use lexicon::{Lexicons, TextCategory};
pub use severity::Severity;
pub use trackers::{TrackerCategory, TrackerDb, TrackerEntry};

/// The `rules/` directory, as it was when the binary was built.
pub static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// Read a built-in data file as text.
pub fn builtin_text(path: &str) -> Result<&'static str> {
    BUILTIN
        .get_file(path)
        .with_context(|| format!("built-in data file rules/{path} is missing"))?
        .contents_utf8()
        .with_context(|| format!("built-in data file rules/{path} is not UTF-8"))
}

/// Every `*.toml` of a built-in directory of `rules/`, as `(origin, text)`
/// pairs (`origin` is `rules/DIR/NAME.toml`).
pub fn builtin_toml_files(dir: &str) -> Result<Vec<(String, String)>> {
    let dir = BUILTIN
        .get_dir(dir)
        .with_context(|| format!("built-in rules/{dir} is missing"))?;
    let mut files = Vec::new();
    for f in dir.files() {
        if f.path().extension().is_some_and(|e| e == "toml") {
            let text = f
                .contents_utf8()
                .with_context(|| format!("rules/{} is not UTF-8", f.path().display()))?;
            files.push((format!("rules/{}", f.path().display()), text.to_string()));
        }
    }
    Ok(files)
}

/// All the knowledge an audit uses.
#[derive(Debug)]
pub struct Knowledge {
    pub trackers: TrackerDb,
    pub cookies: CookieDb,
    pub cmps: CmpDb,
    pub consent_cookies: ConsentCookieDb,
    pub lexicons: Lexicons,
    /// Form purposes and personal-data categories (`rules/forms.toml`).
    pub forms: forms::FormKnowledge,
    /// The privacy-notice checklist (`rules/notice.toml`).
    pub notice: notice::NoticeLexicon,
}

impl Knowledge {
    /// Load the knowledge embedded in the binary.
    pub fn builtin() -> Result<Self> {
        Ok(Knowledge {
            trackers: builtin_trackers()?,
            cookies: builtin_cookies()?,
            cmps: CmpDb::parse(builtin_text("cmps.toml")?, "rules/cmps.toml")?,
            consent_cookies: ConsentCookieDb::parse(
                builtin_text("consent-cookies.toml")?,
                "rules/consent-cookies.toml",
            )?,
            lexicons: Lexicons::builtin()?,
            forms: forms::FormKnowledge::builtin()?,
            notice: notice::NoticeLexicon::builtin()?,
        })
    }
}

/// `rules/trackers.toml`, with the host lists it names beside it.
pub fn builtin_trackers() -> Result<TrackerDb> {
    TrackerDb::parse_with(
        builtin_text("trackers.toml")?,
        "rules/trackers.toml",
        &|path| Ok(builtin_text(path)?.to_string()),
    )
}

/// Our cookie list with the Open Cookie Database under it.
pub fn builtin_cookies() -> Result<CookieDb> {
    let ours = CookieDb::parse(builtin_text("cookies.toml")?, "rules/cookies.toml")?;
    let ocd = open_cookie_db::builtin()?;
    Ok(ours.with_second(&ocd.source.name, &ocd.source.version, ocd.rows, ocd.entries))
}

/// Match `text` against a pattern where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Does `host` equal `domain` or sit below it?
pub fn host_within(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("_ga_*", "_ga_ABC123"));
        assert!(!wildcard_match("_ga_*", "_ga"));
        assert!(wildcard_match("mp_*_mixpanel", "mp_abc_mixpanel"));
        assert!(!wildcard_match("mp_*_mixpanel", "mp_abc_mixpanelx"));
        assert!(wildcard_match("_ga", "_ga"));
        assert!(!wildcard_match("a*a", "a"));
    }

    #[test]
    fn hosts() {
        assert!(host_within(
            "www.google-analytics.com",
            "google-analytics.com"
        ));
        assert!(host_within("google-analytics.com", "google-analytics.com"));
        assert!(!host_within(
            "evilgoogle-analytics.com",
            "google-analytics.com"
        ));
    }

    #[test]
    fn builtin_knowledge_loads() {
        let k = Knowledge::builtin().unwrap();
        assert!(k.trackers.len() >= 150, "trackers: {}", k.trackers.len());
        assert!(k.cookies.len() >= 60);
    }
}
