//! `barometer.toml`: what `barometer check` audits and asserts.
//!
//! ```toml
//! [check]
//! urls = ["https://www.example.fr/"]
//! engine = "chrome"            # http | chrome | auto
//! consent = "reject,accept"    # none | all | a list of reject, accept, implied
//! runs = 3                     # 1..=20
//! policy = "majority"          # any | majority | all
//! baseline = "barometer-baseline.json"   # relative to this file
//!
//! [assertions]
//! new-tracker = "error"        # off | warn | error
//! new-cookie = "warn"
//! new-third-party-host = "warn"
//! third-party-hosts.max = 12   # level error; or { max = 12, level = "warn" }
//! score = { min = 80, level = "warn" }
//! rule.C101 = "error"
//!
//! [[allow]]
//! host = "*.doubleclick.net"   # or cookie = "_ga_*" / "_ga_*@example.fr"
//! reason = "ad auction, reviewed by the DPO"
//! expires = 2027-01-31         # inclusive; optional
//! ```
//!
//! Nothing is silently ignored: an unknown table or key, a value of the
//! wrong type or out of range is an error naming the file, the line and the
//! key.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::evidence::VisitSet;
use crate::knowledge::{host_within, wildcard_match};

/// How seriously an assertion is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "warn" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When an item seen in some of `--runs N` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RunsPolicy {
    /// Seen in at least one run.
    Any,
    /// Seen in more than half the runs.
    #[default]
    Majority,
    /// Seen in every run.
    All,
}

impl RunsPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RunsPolicy::Any => "any",
            RunsPolicy::Majority => "majority",
            RunsPolicy::All => "all",
        }
    }

    /// Does an item seen in `seen` of `runs` runs count? Never when `seen` is 0.
    pub fn counts(self, seen: u32, runs: u32) -> bool {
        seen > 0
            && match self {
                RunsPolicy::Any => true,
                RunsPolicy::Majority => seen * 2 > runs,
                RunsPolicy::All => seen >= runs,
            }
    }

    fn parse(s: &str) -> Option<RunsPolicy> {
        match s {
            "any" => Some(RunsPolicy::Any),
            "majority" => Some(RunsPolicy::Majority),
            "all" => Some(RunsPolicy::All),
            _ => None,
        }
    }
}

impl fmt::Display for RunsPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An allow-list entry: a host or a cookie pattern that may appear.
///
/// Exactly one of `host` and `cookie` is set. `host` is an exact host or
/// `*.example.com`, which matches `example.com` and every host below it.
/// `cookie` is a name pattern where `*` stands for any run of characters,
/// optionally followed by `@domain` to restrict it to one domain (compared
/// without a leading dot; `*.example.com` allowed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allow {
    pub host: Option<String>,
    pub cookie: Option<String>,
    pub reason: String,
    /// Last day the entry applies (inclusive).
    pub expires: Option<NaiveDate>,
}

impl Allow {
    /// Is the entry in force on `today`? The expiry date itself is included.
    pub fn active(&self, today: NaiveDate) -> bool {
        self.expires.is_none_or(|d| today <= d)
    }

    /// Does this entry name `host` (a tracker or third-party host)?
    pub fn matches_host(&self, host: &str) -> bool {
        self.host
            .as_deref()
            .is_some_and(|p| host_pattern_match(p, host))
    }

    /// Does this entry name the cookie `name` set on `domain`?
    pub fn matches_cookie(&self, name: &str, domain: &str) -> bool {
        let Some(pattern) = self.cookie.as_deref() else {
            return false;
        };
        let (name_pattern, domain_pattern) = match pattern.rsplit_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (pattern, None),
        };
        wildcard_match(name_pattern, name)
            && domain_pattern.is_none_or(|d| {
                host_pattern_match(d.trim_start_matches('.'), domain.trim_start_matches('.'))
            })
    }

    /// What the entry allows, for messages: `www.facebook.com` or `cookie _ga_*`.
    pub fn describe(&self) -> String {
        match (&self.host, &self.cookie) {
            (Some(h), _) => h.clone(),
            (None, Some(c)) => format!("cookie {c}"),
            (None, None) => "nothing".to_string(),
        }
    }
}

/// Match a host against a pattern: `*.example.com` matches `example.com`
/// and every host below it; any other `*` stands for any run of characters;
/// without `*`, the host must be equal (case-insensitively).
pub fn host_pattern_match(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(domain) if !domain.contains('*') => host_within(&host, domain),
        _ => wildcard_match(&pattern, &host),
    }
}

/// The contents of `barometer.toml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// `[check] urls`.
    pub urls: Vec<String>,
    /// `[check] engine`: `http`, `chrome` or `auto`.
    pub engine: Option<String>,
    /// `[check] consent`: `none`, `all`, or visits (`reject,accept`).
    pub consent: Option<VisitSet>,
    /// `[check] runs`: 1 to 20.
    pub runs: Option<u32>,
    /// `[check] policy`.
    pub policy: RunsPolicy,
    /// `[check] baseline`, resolved against the config file's directory.
    pub baseline: Option<String>,
    /// `new-tracker`, default error.
    pub new_tracker: Level,
    /// `new-cookie`, default warn.
    pub new_cookie: Level,
    /// `new-third-party-host`, default warn.
    pub new_third_party_host: Level,
    /// `third-party-hosts.max`: level (error unless given) and maximum.
    pub third_party_hosts_max: Option<(Level, u32)>,
    /// `score.min`: level (error unless given) and minimum.
    pub score_min: Option<(Level, u32)>,
    /// `rule.<ID>`: level per rule id.
    pub rules: BTreeMap<String, Level>,
    /// `[[allow]]` entries, in file order.
    pub allow: Vec<Allow>,
    /// `[check] docs_url`: the documentation page of each rule, `{id}`
    /// standing for the rule id (`https://example.org/rules/{id}`), given to
    /// code scanning as SARIF `helpUri`.
    pub docs_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            urls: Vec::new(),
            engine: None,
            consent: None,
            runs: None,
            policy: RunsPolicy::Majority,
            baseline: None,
            new_tracker: Level::Error,
            new_cookie: Level::Warn,
            new_third_party_host: Level::Warn,
            third_party_hosts_max: None,
            score_min: None,
            rules: BTreeMap::new(),
            allow: Vec::new(),
            docs_url: None,
        }
    }
}

/// A problem in `barometer.toml`, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    /// Dotted path of the key at fault (`assertions.new-trackers`, `allow[1].reason`).
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

const TABLES: &str = "[check], [assertions], [[allow]]";
const CHECK_KEYS: &str = "urls, engine, consent, runs, policy, baseline, docs_url";
const ASSERTION_KEYS: &str =
    "new-tracker, new-cookie, new-third-party-host, third-party-hosts, score, rule";
const ALLOW_KEYS: &str = "host, cookie, reason, expires";

impl Config {
    /// Parse `text`, the contents of the file `origin` (used in errors and to
    /// resolve the baseline path).
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let p = Parser {
            file: origin.display().to_string(),
            src: text,
        };
        let doc = DeTable::parse(text).map_err(|e| ConfigError {
            file: p.file.clone(),
            line: e.span().map_or(0, |s| p.line(s.start)),
            key: None,
            message: format!("invalid TOML: {}", e.message().trim_end()),
        })?;
        let mut cfg = Config::default();
        for (k, v) in sorted(doc.get_ref()) {
            match k.get_ref().as_ref() {
                "check" => p.check(&mut cfg, v)?,
                "assertions" => p.assertions(&mut cfg, v)?,
                "allow" => p.allow(&mut cfg, v)?,
                other => {
                    let what = if matches!(v.get_ref(), DeValue::Table(_)) {
                        format!("unknown table [{other}]")
                    } else {
                        format!("unknown key `{other}` at the top level")
                    };
                    return Err(p.err(k.span(), other, format!("{what} (known tables: {TABLES})")));
                }
            }
        }
        if let Some(b) = cfg.baseline.take() {
            let dir = origin.parent().filter(|d| !d.as_os_str().is_empty());
            cfg.baseline = Some(match dir {
                Some(d) if Path::new(&b).is_relative() => d.join(&b).display().to_string(),
                _ => b,
            });
        }
        Ok(cfg)
    }

    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            key: None,
            message: format!("cannot read the configuration: {e}"),
        })?;
        Config::parse(&text, path)
    }
}

type Entry<'a, 'i> = (
    &'a Spanned<toml::de::DeString<'i>>,
    &'a Spanned<DeValue<'i>>,
);

/// A table's entries in file order, so that the first error reported is the
/// first in the file.
fn sorted<'a, 'i>(t: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut entries: Vec<_> = t.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

fn type_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn is_rule_id(id: &str) -> bool {
    let letters = id.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0 && id.len() > letters && id.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

struct Parser<'s> {
    file: String,
    src: &'s str,
}

impl Parser<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, span: Range<usize>, key: &str, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: self.line(span.start),
            key: (!key.is_empty()).then(|| key.to_string()),
            message,
        }
    }

    fn table<'a, 'i>(
        &self,
        v: &'a Spanned<DeValue<'i>>,
        path: &str,
        expected: &str,
    ) -> Result<&'a DeTable<'i>, ConfigError> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.err(
                v.span(),
                path,
                format!(
                    "{} must be {expected}, not {}",
                    short(path),
                    type_name(other)
                ),
            )),
        }
    }

    fn string<'a>(&self, v: &'a Spanned<DeValue>, path: &str) -> Result<&'a str, ConfigError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.as_ref()),
            other => Err(self.err(
                v.span(),
                path,
                format!("{path} must be a string, not {}", type_name(other)),
            )),
        }
    }

    fn choice(
        &self,
        v: &Spanned<DeValue>,
        path: &str,
        choices: &[&str],
    ) -> Result<String, ConfigError> {
        let s = self.string(v, path)?;
        if choices.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(self.err(
                v.span(),
                path,
                format!("{path} must be {}, not \"{s}\"", or_list(choices)),
            ))
        }
    }

    fn level(&self, v: &Spanned<DeValue>, path: &str) -> Result<Level, ConfigError> {
        let bad = |found: String| {
            self.err(
                v.span(),
                path,
                format!(
                    "{}: level must be off, warn or error, not {found}",
                    short(path)
                ),
            )
        };
        match v.get_ref() {
            DeValue::String(s) => Level::parse(s).ok_or_else(|| bad(format!("\"{s}\""))),
            other => Err(bad(type_name(other).to_string())),
        }
    }

    /// A non-negative integer no larger than `max`.
    fn uint(&self, v: &Spanned<DeValue>, path: &str, max: u32) -> Result<u32, ConfigError> {
        let bad = |found: String| {
            self.err(
                v.span(),
                path,
                if max == u32::MAX {
                    format!(
                        "{} must be a non-negative integer, not {found}",
                        short(path)
                    )
                } else {
                    format!(
                        "{} must be an integer from 0 to {max}, not {found}",
                        short(path)
                    )
                },
            )
        };
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if (0..=i64::from(max)).contains(&n) => Ok(n as u32),
                _ => Err(bad(i.to_string())),
            },
            DeValue::Float(f) => Err(bad(f.as_str().to_string())),
            other => Err(bad(type_name(other).to_string())),
        }
    }

    fn check(&self, cfg: &mut Config, v: &Spanned<DeValue>) -> Result<(), ConfigError> {
        let t = self.table(v, "check", "a table ([check])")?;
        for (k, v) in sorted(t) {
            let key = k.get_ref().as_ref();
            let path = format!("check.{key}");
            match key {
                "urls" => {
                    let DeValue::Array(a) = v.get_ref() else {
                        return Err(self.err(
                            v.span(),
                            &path,
                            format!(
                                "{path} must be an array of strings, not {}",
                                type_name(v.get_ref())
                            ),
                        ));
                    };
                    cfg.urls.clear();
                    for (i, u) in a.iter().enumerate() {
                        let item = format!("{path}[{i}]");
                        let s = self.string(u, &item)?.trim();
                        if s.is_empty() {
                            return Err(self.err(u.span(), &item, format!("{item} is empty")));
                        }
                        cfg.urls.push(s.to_string());
                    }
                }
                "engine" => {
                    cfg.engine = Some(self.choice(v, &path, &["http", "chrome", "auto"])?)
                }
                "consent" => {
                    let text = self.string(v, &path)?;
                    cfg.consent = Some(
                        VisitSet::parse(text)
                            .map_err(|e| self.err(v.span(), &path, format!("{path}: {e}")))?,
                    )
                }
                "runs" => {
                    let n = self.uint(v, &path, 20)?;
                    if n == 0 {
                        return Err(self.err(
                            v.span(),
                            &path,
                            format!("{path} must be an integer from 1 to 20, not 0"),
                        ));
                    }
                    cfg.runs = Some(n);
                }
                "policy" => {
                    let s = self.choice(v, &path, &["any", "majority", "all"])?;
                    cfg.policy = RunsPolicy::parse(&s).unwrap_or_default();
                }
                "baseline" => {
                    let s = self.string(v, &path)?;
                    if s.trim().is_empty() {
                        return Err(self.err(v.span(), &path, format!("{path} is empty")));
                    }
                    cfg.baseline = Some(s.to_string());
                }
                "docs_url" => {
                    let s = self.string(v, &path)?.trim();
                    let ok = url::Url::parse(&s.replace("{id}", "R501"))
                        .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                    if !ok {
                        return Err(self.err(
                            v.span(),
                            &path,
                            format!("{path} must be an http(s) URL, with {{id}} for the rule id"),
                        ));
                    }
                    cfg.docs_url = Some(s.to_string());
                }
                other => {
                    return Err(self.err(
                        k.span(),
                        &path,
                        format!("unknown key `{other}` in [check] (known: {CHECK_KEYS})"),
                    ))
                }
            }
        }
        Ok(())
    }

    fn assertions(&self, cfg: &mut Config, v: &Spanned<DeValue>) -> Result<(), ConfigError> {
        let t = self.table(v, "assertions", "a table ([assertions])")?;
        for (k, v) in sorted(t) {
            let key = k.get_ref().as_ref();
            let path = format!("assertions.{key}");
            match key {
                "new-tracker" => cfg.new_tracker = self.level(v, &path)?,
                "new-cookie" => cfg.new_cookie = self.level(v, &path)?,
                "new-third-party-host" => cfg.new_third_party_host = self.level(v, &path)?,
                "third-party-hosts" => {
                    cfg.third_party_hosts_max = Some(self.threshold(v, key, "max", u32::MAX)?)
                }
                "score" => cfg.score_min = Some(self.threshold(v, key, "min", 100)?),
                "rule" => {
                    let t =
                        self.table(v, &path, "a table of rule ids (`rule.C101 = \"error\"`)")?;
                    for (id_key, level) in sorted(t) {
                        let id = id_key.get_ref().as_ref();
                        let name = format!("assertions.rule.{id}");
                        if !is_rule_id(id) {
                            return Err(self.err(
                                id_key.span(),
                                &name,
                                format!(
                                    "`{id}` in [assertions] rule is not a rule id \
                                     (capital letters then digits, like C101)"
                                ),
                            ));
                        }
                        cfg.rules.insert(id.to_string(), self.level(level, &name)?);
                    }
                }
                other => {
                    return Err(self.err(
                        k.span(),
                        &path,
                        format!("unknown key `{other}` in [assertions] (known: {ASSERTION_KEYS})"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// `name.bound = N` or `name = { bound = N, level = "warn" }`.
    fn threshold(
        &self,
        v: &Spanned<DeValue>,
        name: &str,
        bound: &str,
        limit: u32,
    ) -> Result<(Level, u32), ConfigError> {
        let t = self.table(
            v,
            &format!("assertions.{name}"),
            &format!(
                "a table: `{name}.{bound} = N` or `{name} = {{ {bound} = N, level = \"warn\" }}`"
            ),
        )?;
        let mut level = Level::Error;
        let mut value = None;
        for (k, v) in sorted(t) {
            let key = k.get_ref().as_ref();
            let path = format!("assertions.{name}.{key}");
            if key == bound {
                value = Some(self.uint(v, &path, limit)?);
            } else if key == "level" {
                level = self.level(v, &path)?;
            } else {
                return Err(self.err(
                    k.span(),
                    &path,
                    format!("unknown key `{key}` in [assertions] {name} (known: {bound}, level)"),
                ));
            }
        }
        let value = value.ok_or_else(|| {
            self.err(
                v.span(),
                &format!("assertions.{name}"),
                format!("{name} needs `{bound}`"),
            )
        })?;
        Ok((level, value))
    }

    fn allow(&self, cfg: &mut Config, v: &Spanned<DeValue>) -> Result<(), ConfigError> {
        let DeValue::Array(entries) = v.get_ref() else {
            return Err(self.err(
                v.span(),
                "allow",
                format!(
                    "allow must be an array of tables ([[allow]]), not {}",
                    type_name(v.get_ref())
                ),
            ));
        };
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("allow[{i}]");
            let t = self.table(entry, &path, "a table ([[allow]])")?;
            let (mut host, mut cookie, mut reason, mut expires) = (None, None, None, None);
            for (k, v) in sorted(t) {
                let key = k.get_ref().as_ref();
                let kpath = format!("{path}.{key}");
                match key {
                    "host" => host = Some(self.allow_host(v, &kpath)?),
                    "cookie" => cookie = Some(self.allow_cookie(v, &kpath)?),
                    "reason" => {
                        let s = self.string(v, &kpath)?.trim();
                        if s.is_empty() {
                            return Err(self.err(
                                v.span(),
                                &kpath,
                                "an allow entry needs a reason, not an empty string".into(),
                            ));
                        }
                        reason = Some(s.to_string());
                    }
                    "expires" => expires = Some(self.date(v, &kpath)?),
                    other => {
                        return Err(self.err(
                            k.span(),
                            &kpath,
                            format!("unknown key `{other}` in [[allow]] (known: {ALLOW_KEYS})"),
                        ))
                    }
                }
            }
            if host.is_some() == cookie.is_some() {
                let which = if host.is_some() { "both" } else { "neither" };
                return Err(self.err(
                    entry.span(),
                    &path,
                    format!("an allow entry needs exactly one of host and cookie, it has {which}"),
                ));
            }
            let Some(reason) = reason else {
                return Err(self.err(entry.span(), &path, "an allow entry needs a reason".into()));
            };
            cfg.allow.push(Allow {
                host,
                cookie,
                reason,
                expires,
            });
        }
        Ok(())
    }

    fn allow_host(&self, v: &Spanned<DeValue>, path: &str) -> Result<String, ConfigError> {
        let s = self.string(v, path)?.trim().to_ascii_lowercase();
        let bare = s.strip_prefix("*.").unwrap_or(&s);
        if bare.is_empty()
            || bare.contains(['*', '/', ':', ' ', '@'])
            || bare.starts_with('.')
            || bare.ends_with('.')
        {
            return Err(self.err(
                v.span(),
                path,
                format!("{path} must be a host (www.example.com) or *.example.com, not \"{s}\""),
            ));
        }
        Ok(s)
    }

    fn allow_cookie(&self, v: &Spanned<DeValue>, path: &str) -> Result<String, ConfigError> {
        let s = self.string(v, path)?.trim().to_string();
        let (name, domain) = match s.rsplit_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (s.as_str(), None),
        };
        if name.is_empty() || domain.is_some_and(|d| d.trim_start_matches('.').is_empty()) {
            return Err(self.err(
                v.span(),
                path,
                format!("{path} must be a cookie name pattern (_ga_*), optionally name@domain, not \"{s}\""),
            ));
        }
        Ok(s)
    }

    fn date(&self, v: &Spanned<DeValue>, path: &str) -> Result<NaiveDate, ConfigError> {
        let bad = |found: String| {
            self.err(
                v.span(),
                path,
                format!("{path} must be a date like 2027-01-31, not {found}"),
            )
        };
        match v.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .ok_or_else(|| bad(dt.to_string()))
                }
                _ => Err(bad(dt.to_string())),
            },
            DeValue::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(|_| s.trim().len() == 10)
                .ok_or_else(|| bad(format!("\"{s}\""))),
            other => Err(bad(type_name(other).to_string())),
        }
    }
}

/// A key path as written in its table: `assertions.score.min` is `score.min`.
fn short(path: &str) -> &str {
    path.strip_prefix("assertions.").unwrap_or(path)
}

fn or_list(choices: &[&str]) -> String {
    match choices {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("ci/barometer.toml"))
    }

    fn error(text: &str) -> ConfigError {
        parse(text).expect_err("should not parse")
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const FULL: &str = r#"# CI configuration
[check]
urls = ["https://www.site-fr.test/", "https://www.site-en.test/"]
engine = "chrome"
consent = "all"
runs = 3
policy = "all"
baseline = "barometer-baseline.json"

[assertions]
new-tracker = "error"
new-cookie = "off"
new-third-party-host = "warn"
third-party-hosts.max = 12
score = { min = 80, level = "warn" }
rule.C101 = "error"
rule.B202 = "warn"

[[allow]]
host = "*.doubleclick.net"
reason = "ad auction"
expires = 2027-01-31

[[allow]]
cookie = "_ga_*@.site-fr.test"
reason = "audience measurement, exempt"
expires = "2026-12-31"
"#;

    #[test]
    fn parses_a_full_file() {
        let c = parse(FULL).unwrap();
        assert_eq!(
            c.urls,
            ["https://www.site-fr.test/", "https://www.site-en.test/"]
        );
        assert_eq!(c.engine.as_deref(), Some("chrome"));
        assert_eq!(c.consent, Some(VisitSet::all()));
        assert_eq!(c.runs, Some(3));
        assert_eq!(c.policy, RunsPolicy::All);
        assert_eq!(
            c.baseline.as_deref(),
            Some(
                Path::new("ci")
                    .join("barometer-baseline.json")
                    .to_str()
                    .unwrap()
            )
        );
        assert_eq!(c.new_tracker, Level::Error);
        assert_eq!(c.new_cookie, Level::Off);
        assert_eq!(c.new_third_party_host, Level::Warn);
        assert_eq!(c.third_party_hosts_max, Some((Level::Error, 12)));
        assert_eq!(c.score_min, Some((Level::Warn, 80)));
        assert_eq!(
            c.rules,
            BTreeMap::from([("B202".into(), Level::Warn), ("C101".into(), Level::Error)])
        );
        assert_eq!(c.allow.len(), 2);
        assert_eq!(c.allow[0].host.as_deref(), Some("*.doubleclick.net"));
        assert_eq!(c.allow[0].expires, Some(date("2027-01-31")));
        assert_eq!(c.allow[1].cookie.as_deref(), Some("_ga_*@.site-fr.test"));
        assert_eq!(c.allow[1].reason, "audience measurement, exempt");
        assert_eq!(c.allow[1].expires, Some(date("2026-12-31")));
    }

    #[test]
    fn defaults_and_alternative_spellings() {
        let c = parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.new_tracker, Level::Error);
        assert_eq!(c.new_cookie, Level::Warn);
        assert_eq!(c.new_third_party_host, Level::Warn);
        assert_eq!(c.policy, RunsPolicy::Majority);

        // Inline tables and dotted keys at the top level are the same thing.
        let c = parse(
            "assertions.third-party-hosts = { max = 0, level = \"warn\" }\n\
             assertions.score.min = 100\n\
             assertions.rule = { C101 = \"warn\" }\n\
             check = { urls = [\"https://a.test/\"], baseline = \"/abs/b.json\" }\n",
        )
        .unwrap();
        assert_eq!(c.third_party_hosts_max, Some((Level::Warn, 0)));
        assert_eq!(c.score_min, Some((Level::Error, 100)));
        assert_eq!(c.rules["C101"], Level::Warn);
        assert_eq!(c.urls, ["https://a.test/"]);
        assert_eq!(c.baseline.as_deref(), Some("/abs/b.json"));

        // A bare file name keeps a bare baseline path.
        let c = Config::parse(
            "[check]\nbaseline = \"b.json\"\n",
            Path::new("barometer.toml"),
        )
        .unwrap();
        assert_eq!(c.baseline.as_deref(), Some("b.json"));
    }

    #[test]
    fn unknown_keys_and_tables_name_file_line_and_key() {
        let e = error("[check]\nurls = []\n\n[assertions]\nnew-tracker = \"warn\"\n\n# typo\nnew-trackers = \"error\"\n");
        assert_eq!(e.line, 8);
        assert_eq!(e.key.as_deref(), Some("assertions.new-trackers"));
        assert_eq!(
            e.to_string(),
            "ci/barometer.toml:8: unknown key `new-trackers` in [assertions] (known: new-tracker, new-cookie, new-third-party-host, third-party-hosts, score, rule)"
        );

        let e = error("[check]\nurls = []\nrun = 3\n");
        assert_eq!((e.line, e.key.as_deref()), (3, Some("check.run")));
        assert!(e.message.contains("unknown key `run` in [check]"), "{e}");

        let e = error("[check]\nurls = []\n\n[asertions]\nnew-tracker = \"warn\"\n");
        assert_eq!((e.line, e.key.as_deref()), (4, Some("asertions")));
        assert!(e.message.starts_with("unknown table [asertions]"), "{e}");

        let e = error("\nurls = [\"https://a.test/\"]\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.starts_with("unknown key `urls` at the top level"),
            "{e}"
        );

        let e = error("[assertions]\nthird-party-hosts.maximum = 3\n");
        assert_eq!(e.line, 2);
        assert_eq!(
            e.key.as_deref(),
            Some("assertions.third-party-hosts.maximum")
        );
        assert!(e.message.contains("(known: max, level)"), "{e}");

        let e = error("[assertions]\nscore = { min = 3, lvl = \"warn\" }\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .contains("unknown key `lvl` in [assertions] score"),
            "{e}"
        );

        let e = error("[[allow]]\nhost = \"a.test\"\nreason = \"r\"\n\n[[allow]]\ncookie = \"x\"\nreasons = \"r\"\n");
        assert_eq!((e.line, e.key.as_deref()), (7, Some("allow[1].reasons")));
        assert!(
            e.message.contains("unknown key `reasons` in [[allow]]"),
            "{e}"
        );

        let e = error("[check.extra]\nx = 1\n");
        assert_eq!((e.line, e.key.as_deref()), (1, Some("check.extra")));
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = error("[assertions]\nnew-cookie = \"warn\"\nnew-tracker = \"fatal\"\n");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "new-tracker: level must be off, warn or error, not \"fatal\""
        );
        let e = error("[assertions]\nrule.C101 = true\n");
        assert_eq!(e.line, 2);
        assert!(e
            .message
            .contains("level must be off, warn or error, not a boolean"));

        let e = error("[assertions]\n\nthird-party-hosts.max = -1\n");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "third-party-hosts.max must be a non-negative integer, not -1"
        );
        let e = error("[assertions]\nscore.min = 101\n");
        assert!(e.message.contains("from 0 to 100, not 101"), "{e}");
        let e = error("[assertions]\nscore.level = \"warn\"\n");
        assert!(e.message.contains("score needs `min`"), "{e}");
        let e = error("[assertions]\nscore = 80\n");
        assert!(e.message.contains("score must be a table"), "{e}");
        let e = error("[assertions]\nrule.c101 = \"warn\"\n");
        assert_eq!(
            (e.line, e.key.as_deref()),
            (2, Some("assertions.rule.c101"))
        );
        assert!(e.message.contains("not a rule id"), "{e}");

        let e = error("[check]\nruns = 0\n");
        assert_eq!(e.line, 2);
        let e = error("[check]\nruns = 21\n");
        assert!(e.message.contains("from 0 to 20") || e.message.contains("from 1 to 20"));
        let e = error("[check]\nengine = \"firefox\"\n");
        assert_eq!(
            e.message,
            "check.engine must be http, chrome or auto, not \"firefox\""
        );
        // Visits as on the command line: a list, or none, or all.
        let c = parse("[check]\nconsent = \"reject,accept\"\n").unwrap();
        assert_eq!(c.consent, Some("reject,accept".parse().unwrap()));
        let e = error("[check]\nengine = \"http\"\nconsent = \"reject,acept\"\n");
        assert_eq!((e.line, e.key.as_deref()), (3, Some("check.consent")));
        assert!(
            e.message
                .starts_with("check.consent: unknown visit `acept`"),
            "{e}"
        );
        let e = error("[check]\nconsent = [\"reject\"]\n");
        assert!(e.message.contains("must be a string"), "{e}");
        let e = error("[check]\npolicy = \"most\"\n");
        assert!(e.message.contains("any, majority or all"), "{e}");
        let e = error("[check]\nurls = \"https://a.test/\"\n");
        assert!(e.message.contains("must be an array of strings"), "{e}");
        let e = error("[check]\nurls = [\"https://a.test/\",\n  3]\n");
        assert_eq!((e.line, e.key.as_deref()), (3, Some("check.urls[1]")));
    }

    #[test]
    fn bad_dates() {
        for (value, line) in [
            ("2027-02-30", 4),
            ("\"2027-02-30\"", 4),
            ("\"31/01/2027\"", 4),
            ("2027-01-31T10:00:00Z", 4),
            ("12", 4),
        ] {
            let e = error(&format!(
                "[[allow]]\nhost = \"a.test\"\nreason = \"r\"\nexpires = {value}\n"
            ));
            assert_eq!(e.line, line, "{value}: {e}");
            if value == "2027-02-30" {
                // An impossible TOML date is refused by the TOML parser itself.
                assert!(e.message.starts_with("invalid TOML"), "{value}: {e}");
            } else {
                assert_eq!(e.key.as_deref(), Some("allow[0].expires"));
                assert!(
                    e.message
                        .starts_with("allow[0].expires must be a date like 2027-01-31, not "),
                    "{value}: {e}"
                );
            }
        }
    }

    #[test]
    fn allow_entries_need_one_target_and_a_reason() {
        let e = error("[[allow]]\nhost = \"a.test\"\ncookie = \"_ga\"\nreason = \"r\"\n");
        assert_eq!(e.line, 1);
        assert_eq!(e.key.as_deref(), Some("allow[0]"));
        assert!(
            e.message
                .contains("exactly one of host and cookie, it has both"),
            "{e}"
        );

        let e =
            error("[[allow]]\nhost = \"a.test\"\nreason = \"r\"\n\n[[allow]]\nreason = \"r\"\n");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("it has neither"), "{e}");

        let e = error("[[allow]]\nhost = \"a.test\"\n");
        assert!(e.message.contains("needs a reason"), "{e}");
        let e = error("[[allow]]\nhost = \"a.test\"\nreason = \"  \"\n");
        assert_eq!(e.line, 3);

        let e = error("[[allow]]\nhost = \"https://a.test/\"\nreason = \"r\"\n");
        assert!(e.message.contains("must be a host"), "{e}");
        let e = error("[allow]\nhost = \"a.test\"\nreason = \"r\"\n");
        assert!(e.message.contains("array of tables"), "{e}");
    }

    #[test]
    fn toml_syntax_errors_have_a_line() {
        let e = error("[check]\nurls = [\n\"a\"\n\n[assertions\n");
        assert!(e.line >= 4, "{e}");
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn load_names_an_unreadable_file() {
        let e = Config::load(Path::new("/nonexistent/barometer.toml")).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(
            e.to_string()
                .starts_with("/nonexistent/barometer.toml: cannot read the configuration"),
            "{e}"
        );
    }

    #[test]
    fn allow_matching_and_expiry() {
        let host = Allow {
            host: Some("*.facebook.com".into()),
            cookie: None,
            reason: "r".into(),
            expires: Some(date("2026-01-31")),
        };
        assert!(host.matches_host("facebook.com"));
        assert!(host.matches_host("www.facebook.com"));
        assert!(!host.matches_host("notfacebook.com"));
        assert!(!host.matches_cookie("fr", "facebook.com"));
        assert!(host.active(date("2026-01-30")));
        assert!(host.active(date("2026-01-31")));
        assert!(!host.active(date("2026-02-01")));

        let exact = Allow {
            host: Some("www.facebook.com".into()),
            expires: None,
            ..host.clone()
        };
        assert!(exact.matches_host("www.facebook.com"));
        assert!(!exact.matches_host("facebook.com"));
        assert!(exact.active(date("2100-01-01")));

        let cookie = |p: &str| Allow {
            host: None,
            cookie: Some(p.into()),
            reason: "r".into(),
            expires: None,
        };
        assert!(cookie("_ga_*").matches_cookie("_ga_ABC123", "site-fr.test"));
        assert!(!cookie("_ga_*").matches_cookie("_ga", "site-fr.test"));
        assert!(cookie("_ga_*@site-fr.test").matches_cookie("_ga_X", ".site-fr.test"));
        assert!(cookie("_ga_*@.site-fr.test").matches_cookie("_ga_X", "site-fr.test"));
        assert!(!cookie("_ga_*@site-fr.test").matches_cookie("_ga_X", "www.site-fr.test"));
        assert!(cookie("_ga_*@*.site-fr.test").matches_cookie("_ga_X", "www.site-fr.test"));
        assert!(!cookie("fr").matches_host("fr"));
    }

    #[test]
    fn runs_policy_thresholds() {
        use RunsPolicy::*;
        assert!(Any.counts(1, 3) && !Any.counts(0, 3));
        assert!(!Majority.counts(1, 3) && Majority.counts(2, 3));
        assert!(!Majority.counts(1, 2) && Majority.counts(1, 1));
        assert!(!All.counts(2, 3) && All.counts(3, 3));
    }
}
