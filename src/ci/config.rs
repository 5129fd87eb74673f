//! `barometer.toml`: what `barometer check` audits and asserts.
//!
//! ```toml
//! [check]
//! urls = ["https://www.example.fr/"]
//! engine = "chrome"            # http | chrome | auto
//! consent = "reject,accept"    # none | all | a list of reject, accept, implied, close
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

impl Config {
    /// Parse `text`, the contents of the file `origin` (used in errors and to
    /// resolve the baseline path).
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let file = origin.display().to_string();
        let doc = DeTable::parse(text).map_err(|e| ConfigError {
            file: file.clone(),
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            key: None,
            message: format!("invalid TOML: {}", e.message().trim_end()),
        })?;
        // toml's errors have a span but not the key path: a copy of the
        // document finds the key at the span.
        let root = Spanned::new(doc.span(), DeValue::Table(doc.get_ref().clone()));
        let src = Source { file, text, root };
        let raw = RawFile::deserialize(toml::de::Deserializer::from(doc))
            .map_err(|e| src.serde_error(&e))?;
        let mut cfg = src.config(raw)?;
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

// The file as written. serde refuses unknown keys and values of the wrong
// TOML type; `Source::config` then checks the values. Values are `Spanned`
// so that those errors can name their line, and read as `toml::Value` where
// the check must word a wrong type itself (a level, a date). Of two errors,
// the one reported is not always the first in the file: serde meets a
// table's keys in name order (toml is built without `preserve_order`), and
// the checks run after it.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawFile {
    check: RawCheck,
    assertions: RawAssertions,
    allow: Vec<Spanned<RawAllow>>,
}

type Text = Spanned<String>;
type Any = Spanned<toml::Value>;
type Int = Spanned<i64>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a table ([check])")]
struct RawCheck {
    urls: Option<Vec<Text>>,
    engine: Option<Text>,
    consent: Option<Text>,
    runs: Option<Int>,
    policy: Option<Text>,
    baseline: Option<Text>,
    docs_url: Option<Text>,
}

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table ([assertions])"
)]
struct RawAssertions {
    new_tracker: Option<Any>,
    new_cookie: Option<Any>,
    new_third_party_host: Option<Any>,
    third_party_hosts: Option<RawMax>,
    score: Option<RawMin>,
    rule: Option<BTreeMap<Text, Any>>,
}

// Two structs rather than one generic threshold, so that an unknown key
// lists the one bound its table takes.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table: `third-party-hosts.max = N` or `third-party-hosts = { max = N, level = \"warn\" }`"
)]
struct RawMax {
    max: Int,
    level: Option<Any>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table: `score.min = N` or `score = { min = N, level = \"warn\" }`"
)]
struct RawMin {
    min: Int,
    level: Option<Any>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table ([[allow]])")]
struct RawAllow {
    host: Option<Text>,
    cookie: Option<Text>,
    reason: Option<Text>,
    expires: Option<Any>,
}

/// The file being parsed. Errors are given as a span, and said with its
/// line and the key found there.
struct Source<'s> {
    file: String,
    text: &'s str,
    root: Spanned<DeValue<'s>>,
}

impl<'s> Source<'s> {
    /// An error at `span`; `{key}` at the start of `message` is the key
    /// there as written in its table.
    fn err(&self, span: Range<usize>, message: &str) -> ConfigError {
        let (path, _) = self.at(span.start);
        let message = match message.strip_prefix(KEY) {
            Some(rest) => format!("{}{rest}", short(&path)),
            None => message.to_string(),
        };
        ConfigError {
            file: self.file.clone(),
            line: line_of(self.text, span.start),
            key: (!path.is_empty()).then_some(path),
            message,
        }
    }

    /// The dotted path and the value of the key at `offset`.
    fn at(&self, offset: usize) -> (String, &DeValue<'s>) {
        let found = locate(&self.root, offset, String::new());
        found.unwrap_or((String::new(), self.root.get_ref()))
    }

    /// serde's error in this module's words: TOML types rather than Rust
    /// ones, the known keys.
    fn serde_error(&self, e: &toml::de::Error) -> ConfigError {
        let (msg, span) = (e.message(), e.span().unwrap_or_default());
        let (path, value) = self.at(span.start);
        let message = if let Some((name, known)) = msg
            .strip_prefix("unknown field `")
            .and_then(|m| m.split_once("`, expected "))
        {
            unknown_key(name, known, &path, value)
        } else if let Some(field) = msg
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            format!("{KEY} needs `{field}`")
        } else if let Some((_, expected)) = msg
            .strip_prefix("invalid type: ")
            .and_then(|m| m.rsplit_once(", expected "))
        {
            // serde names Rust types; these are the file's only ones.
            let expected = match expected {
                "i64" => "an integer",
                "a sequence" if path == "allow" => "an array of tables ([[allow]])",
                "a sequence" => "an array of strings",
                "a map" => "a table of rule ids (`rule.C101 = \"error\"`)",
                other => other,
            };
            format!("{KEY} must be {expected}, not {}", a(value.type_str()))
        } else {
            msg.to_string()
        };
        self.err(span, &message)
    }

    /// `check(v)`, its error said at `v`.
    fn valid<T, U>(
        &self,
        v: Spanned<T>,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Result<U, ConfigError> {
        let span = v.span();
        check(v.into_inner()).map_err(|m| self.err(span, &m))
    }

    fn opt<T, U>(
        &self,
        v: Option<Spanned<T>>,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Result<Option<U>, ConfigError> {
        v.map(|v| self.valid(v, check)).transpose()
    }

    fn config(&self, raw: RawFile) -> Result<Config, ConfigError> {
        let (c, a, default) = (raw.check, raw.assertions, Config::default());
        // `name.bound = N` or `name = { bound = N, level = "warn" }`.
        let threshold = |bound, l, max| {
            let bound = self.valid(bound, int(0, max))?;
            Ok::<_, ConfigError>((self.opt(l, level)?.unwrap_or(Level::Error), bound))
        };
        Ok(Config {
            urls: (c.urls.into_iter().flatten())
                .map(|u| self.valid(u, |u| Ok(non_empty(u)?.trim().to_string())))
                .collect::<Result<_, _>>()?,
            engine: self.opt(c.engine, |s| one_of(&["http", "chrome", "auto"], s))?,
            consent: self.opt(c.consent, |s| {
                VisitSet::parse(&s).map_err(|e| format!("{KEY}: {e}"))
            })?,
            runs: self.opt(c.runs, int(1, 20))?,
            policy: (self.opt(c.policy, |s| one_of(&["any", "majority", "all"], s))?)
                .and_then(|s| RunsPolicy::parse(&s))
                .unwrap_or(default.policy),
            baseline: self.opt(c.baseline, non_empty)?,
            docs_url: self.opt(c.docs_url, docs_url)?,
            new_tracker: self
                .opt(a.new_tracker, level)?
                .unwrap_or(default.new_tracker),
            new_cookie: self.opt(a.new_cookie, level)?.unwrap_or(default.new_cookie),
            new_third_party_host: (self.opt(a.new_third_party_host, level)?)
                .unwrap_or(default.new_third_party_host),
            third_party_hosts_max: (a.third_party_hosts)
                .map(|t| threshold(t.max, t.level, u32::MAX))
                .transpose()?,
            score_min: (a.score)
                .map(|t| threshold(t.min, t.level, 100))
                .transpose()?,
            rules: (a.rule.into_iter().flatten())
                .map(|(id, l)| Ok((self.valid(id, rule_id)?, self.valid(l, level)?)))
                .collect::<Result<_, _>>()?,
            allow: (raw.allow.into_iter())
                .map(|entry| self.allow(entry))
                .collect::<Result<_, _>>()?,
        })
    }

    fn allow(&self, entry: Spanned<RawAllow>) -> Result<Allow, ConfigError> {
        let (span, e) = (entry.span(), entry.into_inner());
        let host = self.opt(e.host, host)?;
        let cookie = self.opt(e.cookie, cookie)?;
        let reason = self.opt(e.reason, |s| match s.trim() {
            "" => Err("an allow entry needs a reason, not an empty string".into()),
            reason => Ok(reason.to_string()),
        })?;
        let expires = self.opt(e.expires, day)?;
        let missing = match (&host, &cookie, reason) {
            (Some(_), Some(_), _) => "exactly one of host and cookie, it has both",
            (None, None, _) => "exactly one of host and cookie, it has neither",
            (_, _, None) => "a reason",
            (_, _, Some(reason)) => {
                return Ok(Allow {
                    host,
                    cookie,
                    reason,
                    expires,
                })
            }
        };
        Err(self.err(span, &format!("an allow entry needs {missing}")))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    1 + before.iter().filter(|&&b| b == b'\n').count()
}

// The checks. They do not know the key of the value they check: an error
// that names it starts with `{key}`, which `Source::err` replaces.
const KEY: &str = "{key}";

fn non_empty(s: String) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err(format!("{KEY} is empty"));
    }
    Ok(s)
}

fn one_of(choices: &[&str], s: String) -> Result<String, String> {
    if choices.contains(&s.as_str()) {
        return Ok(s);
    }
    let (last, rest) = choices.split_last().expect("some choices");
    let choices = format!("{} or {last}", rest.join(", "));
    Err(format!("{KEY} must be {choices}, not \"{s}\""))
}

fn docs_url(s: String) -> Result<String, String> {
    let s = s.trim();
    // `{id}` is not valid in a URL's host, so try it with a real id.
    let ok = url::Url::parse(&s.replace("{id}", "R501"))
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !ok {
        return Err(format!(
            "{KEY} must be an http(s) URL, with {{id}} for the rule id"
        ));
    }
    Ok(s.to_string())
}

fn level(v: toml::Value) -> Result<Level, String> {
    v.as_str().and_then(Level::parse).ok_or_else(|| {
        let found = v
            .as_str()
            .map_or_else(|| a(v.type_str()), |s| format!("\"{s}\""));
        format!("{KEY}: level must be off, warn or error, not {found}")
    })
}

/// An integer from `min` to `max`.
fn int(min: u32, max: u32) -> impl FnOnce(i64) -> Result<u32, String> {
    move |n| {
        let n_ok = u32::try_from(n).ok().filter(|n| (min..=max).contains(n));
        n_ok.ok_or_else(|| match max {
            u32::MAX => format!("{KEY} must be a non-negative integer, not {n}"),
            _ => format!("{KEY} must be an integer from {min} to {max}, not {n}"),
        })
    }
}

fn rule_id(id: String) -> Result<String, String> {
    let letters = id.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = id.bytes().skip(letters).all(|b| b.is_ascii_digit());
    if letters == 0 || id.len() == letters || !digits {
        return Err(format!(
            "`{id}` in [assertions] rule is not a rule id (capital letters then digits, like C101)"
        ));
    }
    Ok(id)
}

fn host(s: String) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    let bare = s.strip_prefix("*.").unwrap_or(&s);
    if bare.is_empty()
        || bare.contains(['*', '/', ':', ' ', '@'])
        || bare.starts_with('.')
        || bare.ends_with('.')
    {
        return Err(format!(
            "{KEY} must be a host (www.example.com) or *.example.com, not \"{s}\""
        ));
    }
    Ok(s)
}

fn cookie(s: String) -> Result<String, String> {
    let s = s.trim();
    let (name, domain) = match s.rsplit_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if name.is_empty() || domain.is_some_and(|d| d.trim_start_matches('.').is_empty()) {
        return Err(format!(
            "{KEY} must be a cookie name pattern (_ga_*), optionally name@domain, not \"{s}\""
        ));
    }
    Ok(s.to_string())
}

/// A day, as a TOML date or, since people quote dates, a `YYYY-MM-DD` string.
fn day(v: toml::Value) -> Result<NaiveDate, String> {
    let (text, found) = match v {
        toml::Value::Datetime(dt) => (dt.to_string(), dt.to_string()),
        toml::Value::String(s) => (s.trim().to_string(), format!("\"{s}\"")),
        other => (String::new(), a(other.type_str())),
    };
    let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
    let day = day.filter(|_| text.len() == 10);
    day.ok_or_else(|| format!("{KEY} must be a date like 2027-01-31, not {found}"))
}

/// A TOML type as errors name it, from `type_str()`.
fn a(type_str: &str) -> String {
    match type_str {
        "integer" | "array" => format!("an {type_str}"),
        "datetime" => "a date-time".into(),
        _ => format!("a {type_str}"),
    }
}

/// The dotted path and the value of the innermost key or value whose span
/// holds `offset`. Every entry is searched: a table's span is its header,
/// not its body.
fn locate<'a, 'i>(
    v: &'a Spanned<DeValue<'i>>,
    offset: usize,
    path: String,
) -> Option<(String, &'a DeValue<'i>)> {
    let inner = match v.get_ref() {
        DeValue::Table(t) => t.iter().find_map(|(k, v)| {
            let path = match path.as_str() {
                "" => k.get_ref().to_string(),
                _ => format!("{path}.{}", k.get_ref()),
            };
            let on_key = k
                .span()
                .contains(&offset)
                .then(|| (path.clone(), v.get_ref()));
            locate(v, offset, path).or(on_key)
        }),
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, e)| locate(e, offset, format!("{path}[{i}]"))),
        _ => None,
    };
    inner.or_else(|| v.span().contains(&offset).then_some((path, v.get_ref())))
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (`known` is from
/// "one of") about the key at `path`, whose value is `value`.
fn unknown_key(name: &str, known: &str, path: &str, value: &DeValue) -> String {
    let parent = path.strip_suffix(name).unwrap_or("").trim_end_matches('.');
    if parent.is_empty() {
        let what = match value {
            DeValue::Table(_) => format!("unknown table [{name}]"),
            _ => format!("unknown key `{name}` at the top level"),
        };
        return format!("{what} (known tables: {TABLES})");
    }
    let known = known.trim_start_matches("one of ").replace("` or `", ", ");
    // `allow[1]` is in [[allow]], `assertions.score` in [assertions] score.
    let (head, tail) = parent.split_once('.').unwrap_or((parent, ""));
    let table = match head.split_once('[') {
        Some((array, _)) => format!("[[{array}]] {tail}"),
        None => format!("[{head}] {tail}"),
    };
    format!(
        "unknown key `{name}` in {} (known: {})",
        table.trim_end(),
        known.replace('`', "")
    )
}

/// A key path as written in its table: `assertions.score.min` is `score.min`.
fn short(path: &str) -> &str {
    path.strip_prefix("assertions.").unwrap_or(path)
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
    fn serde_errors_name_the_key_and_its_line() {
        // serde finds unknown keys; the line is the key's own, however its
        // table is spelled.
        let e =
            error("[assertions]\nscore = { min = 80 }\nrule.C101 = \"warn\"\n\nnew-trackerz = 1\n");
        assert_eq!(
            (e.line, e.key.as_deref()),
            (5, Some("assertions.new-trackerz"))
        );
        assert!(e
            .message
            .starts_with("unknown key `new-trackerz` in [assertions] (known: new-tracker, "));
        let e = error("[check]\nurls = []\n\n[assertions.score]\nmin = 80\nlvl = \"warn\"\n");
        assert_eq!(
            (e.line, e.key.as_deref()),
            (6, Some("assertions.score.lvl"))
        );

        // Wrong types and missing bounds, in TOML's words rather than Rust's.
        let said = |text| error(text).to_string();
        assert_eq!(
            said("\n\ncheck = 3\n"),
            "ci/barometer.toml:3: check must be a table ([check]), not an integer"
        );
        assert_eq!(
            said("[check]\nengine = 2027-01-31\n"),
            "ci/barometer.toml:2: check.engine must be a string, not a date-time"
        );
        assert_eq!(
            said("[check]\nruns = 2.5\n"),
            "ci/barometer.toml:2: check.runs must be an integer, not a float"
        );
        assert_eq!(
            said("\n[assertions.score]\nlevel = \"warn\"\n"),
            "ci/barometer.toml:2: score needs `min`"
        );
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
