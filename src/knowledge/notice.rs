//! The privacy-notice checklist: `rules/notice.toml`.
//!
//! GDPR articles 13 and 14 list what a notice must tell: who the controller
//! is, why and on what basis data is processed, who receives it, how long it
//! is kept, the rights of the person and how to complain. Each element of
//! the checklist is a set of patterns in six languages; supervisory
//! authorities and the ways to exercise one's rights (form, account, postal
//! mail) are patterns too. Everything is matched against
//! [`normalise`](super::lexicon::normalise)d text.
//!
//! A notice can run to 100 kB, so each element's patterns (all languages)
//! are compiled into one alternation and the text is scanned once per
//! element; the authorities are one alternation as well. Word boundaries
//! (`\b`) are compiled as ASCII ones, which the regex engine's fast
//! automaton handles on any text; a pattern putting `\b` next to a
//! non-ASCII letter, where the two would differ, is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Deserialize;

use super::lexicon::BUILTIN_LANGUAGES;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: String,
    element: Vec<RawElement>,
    #[serde(default)]
    authorities: Vec<RawAuthority>,
    channels: RawChannels,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    id: String,
    title: String,
    article: String,
    #[serde(default)]
    required: Requirement,
    patterns: BTreeMap<String, Vec<String>>,
}

/// When art. 13 asks a notice for an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// In every notice.
    #[default]
    Always,
    /// Only where the processing it speaks of happens (a data protection
    /// officer, transfers outside the EEA, consent, automated decisions),
    /// which cannot be seen from outside.
    WhereApplicable,
}

impl Requirement {
    /// The name used in facts and in `rules/notice.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Requirement::Always => "always",
            Requirement::WhereApplicable => "where_applicable",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    name: String,
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannels {
    form: Vec<String>,
    account: Vec<String>,
    postal: Vec<String>,
    /// Phrases introducing how to exercise one's rights.
    #[serde(default)]
    rights: Vec<String>,
}

/// A way to exercise one's rights that patterns find (e-mail addresses are
/// found by code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Form,
    Account,
    Postal,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Form, Channel::Account, Channel::Postal];

    /// The name used in facts (`form`, `account`, `postal`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Form => "form",
            Channel::Account => "account",
            Channel::Postal => "postal",
        }
    }
}

#[derive(Debug)]
struct Element {
    id: String,
    title: String,
    article: String,
    required: Requirement,
    /// All patterns of all languages, as one alternation.
    regex: Regex,
}

/// The checklist, the authorities and the channels, compiled.
#[derive(Debug)]
pub struct NoticeLexicon {
    pub version: String,
    /// Languages whose patterns cover every element: a notice in any
    /// other language is not checked (an element not found there says
    /// nothing about the notice).
    languages: BTreeSet<String>,
    elements: Vec<Element>,
    /// Authority names, in file order.
    authority_names: Vec<String>,
    /// Every authority at once, one named group per authority: one scan
    /// finds them all.
    authorities: Option<Regex>,
    /// Capture-group index of each authority in `authorities`.
    authority_groups: Vec<usize>,
    channels: [Option<Regex>; 3],
    rights: Option<Regex>,
    /// Index of the `dpo` element, whose phrases also make an e-mail
    /// address nearby a channel.
    dpo: Option<usize>,
}

impl NoticeLexicon {
    /// The checklist embedded in the binary.
    pub fn builtin() -> Result<Self> {
        Self::parse(super::builtin_text("notice.toml")?, "rules/notice.toml")
    }

    /// Parse and compile a checklist file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Self::build(text, origin, Boundaries::Ascii)
    }

    /// The built-in checklist with Unicode word boundaries, as the
    /// patterns read: tests check that ASCII boundaries change nothing.
    #[cfg(test)]
    pub(crate) fn builtin_unicode() -> Result<Self> {
        Self::build(
            super::builtin_text("notice.toml")?,
            "rules/notice.toml",
            Boundaries::Unicode,
        )
    }

    fn build(text: &str, origin: &str, mode: Boundaries) -> Result<Self> {
        let raw: RawFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid notice checklist"))?;
        let mut seen = BTreeSet::new();
        let mut elements = Vec::with_capacity(raw.element.len());
        let mut languages: Option<BTreeSet<String>> = None;
        for e in raw.element {
            if e.id.is_empty() || !seen.insert(e.id.clone()) {
                bail!("{origin}: element id `{}` is empty or repeated", e.id);
            }
            for lang in e.patterns.keys() {
                let code = lang.len() == 2 && lang.bytes().all(|b| b.is_ascii_lowercase());
                if !code {
                    bail!(
                        "{origin}: element `{}`: `{lang}` is not a two-letter language code",
                        e.id
                    );
                }
            }
            for lang in BUILTIN_LANGUAGES {
                if e.patterns.get(lang).is_none_or(|l| l.is_empty()) {
                    bail!("{origin}: element `{}` has no patterns for `{lang}`", e.id);
                }
            }
            let mut labelled = Vec::new();
            for (lang, list) in &e.patterns {
                let what = format!("element `{}`, language `{lang}`", e.id);
                labelled.extend(list.iter().map(|p| (what.clone(), p.as_str())));
            }
            match &languages {
                None => languages = Some(e.patterns.keys().cloned().collect()),
                Some(known) => {
                    let here: BTreeSet<String> = e.patterns.keys().cloned().collect();
                    if let Some(lang) = known.symmetric_difference(&here).next() {
                        bail!(
                            "{origin}: language `{lang}` has patterns for some elements but not for `{}`: a language reads the checklist only when every element has its patterns, or a notice in it would be reported as leaving out what was never looked for",
                            e.id
                        );
                    }
                }
            }
            elements.push(Element {
                regex: alternation(origin, &labelled, mode)?,
                id: e.id,
                title: e.title,
                article: e.article,
                required: e.required,
            });
        }
        let mut authority_names = Vec::with_capacity(raw.authorities.len());
        let mut groups = Vec::new();
        let mut every = Vec::new();
        for (i, a) in raw.authorities.iter().enumerate() {
            if a.patterns.is_empty() {
                bail!("{origin}: authority `{}` has no patterns", a.name);
            }
            let what = format!("authority `{}`", a.name);
            let labelled: Vec<(String, &str)> = a
                .patterns
                .iter()
                .map(|p| (what.clone(), p.as_str()))
                .collect();
            groups.push(format!(
                "(?P<{AUTHORITY_GROUP}{i}>{})",
                joined(origin, &labelled, mode)?
            ));
            every.extend(labelled);
            authority_names.push(a.name.clone());
        }
        let optional = |key: &str, list: &[String]| -> Result<Option<Regex>> {
            if list.is_empty() {
                return Ok(None);
            }
            let what = format!("channels.{key}");
            let labelled: Vec<(String, &str)> =
                list.iter().map(|p| (what.clone(), p.as_str())).collect();
            alternation(origin, &labelled, mode).map(Some)
        };
        let authorities = if groups.is_empty() {
            None
        } else {
            Some(compile(origin, &groups.join("|"), &every)?)
        };
        let authority_groups = (0..authority_names.len())
            .map(|i| {
                let name = format!("{AUTHORITY_GROUP}{i}");
                authorities
                    .iter()
                    .flat_map(|r| r.capture_names().enumerate())
                    .find(|(_, n)| *n == Some(name.as_str()))
                    .map(|(g, _)| g)
                    .with_context(|| {
                        format!(
                            "{origin}: authority `{}`: a pattern uses the group name {name}",
                            authority_names[i]
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let c = &raw.channels;
        Ok(NoticeLexicon {
            version: raw.version,
            languages: languages.unwrap_or_default(),
            dpo: elements.iter().position(|e| e.id == "dpo"),
            elements,
            authorities,
            authority_groups,
            authority_names,
            channels: [
                optional("form", &c.form)?,
                optional("account", &c.account)?,
                optional("postal", &c.postal)?,
            ],
            rights: optional("rights", &c.rights)?,
        })
    }

    /// The elements in checklist order: `(id, title, article)`.
    pub fn elements(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.elements
            .iter()
            .map(|e| (e.id.as_str(), e.title.as_str(), e.article.as_str()))
    }

    /// When element `index` (checklist order) is required.
    pub fn requirement(&self, index: usize) -> Requirement {
        self.elements
            .get(index)
            .map(|e| e.required)
            .unwrap_or_default()
    }

    /// Can a notice in `language` be checked against the checklist?
    pub fn reads(&self, language: &str) -> bool {
        self.languages.contains(language)
    }

    /// Number of elements in the checklist.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The first match of element `index` (checklist order) in normalised
    /// `text`, as a byte range.
    pub fn first_match(&self, index: usize, text: &str) -> Option<Range<usize>> {
        self.elements
            .get(index)?
            .regex
            .find(text)
            .map(|m| m.range())
    }

    /// Authorities named in normalised `text`, in order of first
    /// appearance, each once.
    pub fn authorities(&self, text: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let Some(all) = &self.authorities else {
            return names;
        };
        // The same words name the same authority: ask the capture groups
        // once per distinct match.
        let mut seen: Vec<(&str, Option<usize>)> = Vec::new();
        for m in all.find_iter(text) {
            let which = match seen.iter().find(|(s, _)| *s == m.as_str()) {
                Some((_, which)) => *which,
                None => {
                    let which = all.captures_at(text, m.start()).and_then(|caps| {
                        self.authority_groups
                            .iter()
                            .position(|&g| caps.get(g).is_some())
                    });
                    seen.push((m.as_str(), which));
                    which
                }
            };
            if let Some(name) = which.map(|i| &self.authority_names[i]) {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Does normalised `text` name this channel?
    pub fn has_channel(&self, channel: Channel, text: &str) -> bool {
        let i = Channel::ALL
            .iter()
            .position(|c| *c == channel)
            .expect("every channel is in ALL");
        self.channels[i].as_ref().is_some_and(|r| r.is_match(text))
    }

    /// Is the byte range `at` of normalised `text` within `radius` bytes of
    /// a phrase about exercising rights, privacy, or the data protection
    /// officer?
    pub fn near_rights_phrase(&self, text: &str, at: Range<usize>, radius: usize) -> bool {
        let mut lo = at.start.saturating_sub(radius);
        while !text.is_char_boundary(lo) {
            lo -= 1;
        }
        let mut hi = (at.end + radius).min(text.len());
        while !text.is_char_boundary(hi) {
            hi += 1;
        }
        let window = &text[lo..hi];
        let dpo = self.dpo.map(|i| &self.elements[i].regex);
        self.rights.iter().chain(dpo).any(|r| r.is_match(window))
    }
}

/// Prefix of the capture-group names that tell authorities apart.
const AUTHORITY_GROUP: &str = "notice_authority_";

/// Compile `(label, pattern)` pairs into one alternation.
fn alternation(origin: &str, patterns: &[(String, &str)], mode: Boundaries) -> Result<Regex> {
    compile(origin, &joined(origin, patterns, mode)?, patterns)
}

/// How `\b` and `\B` are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundaries {
    /// ASCII word boundaries: what the files get, for speed.
    Ascii,
    /// Unicode word boundaries, as written (tests compare the two).
    #[cfg_attr(not(test), allow(dead_code))]
    Unicode,
}

/// Check each `(label, pattern)` pair and join them into one alternation,
/// word boundaries made ASCII; errors name the file, the label and the
/// pattern.
///
/// Why ASCII: with a Unicode `\b`, the regex engine's fast automaton gives
/// up at the first non-ASCII byte (any accent) and a slow one scans on;
/// scanning 100 kB of French then takes milliseconds per element instead
/// of microseconds. An ASCII `\b` only differs next to a non-ASCII letter,
/// where it sees no letter: such patterns are refused.
fn joined(origin: &str, patterns: &[(String, &str)], mode: Boundaries) -> Result<String> {
    let mut joined = String::new();
    for (what, p) in patterns {
        let tokens = tokens(p);
        if tokens.iter().any(|t| t.has_uppercase()) {
            bail!("{origin}: {what}: pattern has upper-case letters (text is lower-cased before matching): {p}");
        }
        if !balanced(&tokens) {
            // Wrapped in a group, it could close the group and still
            // compile: compile it alone for the real error.
            Regex::new(p).with_context(|| format!("{origin}: {what}: invalid pattern `{p}`"))?;
            bail!("{origin}: {what}: unbalanced parentheses in pattern `{p}`");
        }
        if let Some(i) = boundary_next_to_non_ascii(&tokens) {
            bail!(
                "{origin}: {what}: `\\b` next to a non-ASCII letter ({}) in `{p}`: word boundaries \
                 are ASCII here and see no letter there; leave `\\b` out, or write \\W",
                tokens[i].text
            );
        }
        if !joined.is_empty() {
            joined.push('|');
        }
        joined.push_str("(?:");
        for t in &tokens {
            match (t.kind, t.text) {
                (Kind::Escape, "\\b") if mode == Boundaries::Ascii => joined.push_str("(?-u:\\b)"),
                (Kind::Escape, "\\B") if mode == Boundaries::Ascii => joined.push_str("(?-u:\\B)"),
                _ => joined.push_str(t.text),
            }
        }
        joined.push(')');
    }
    Ok(joined)
}

/// Compile a joined alternation; on failure, compile its `parts` one by one
/// to name the culprit.
fn compile(origin: &str, pattern: &str, parts: &[(String, &str)]) -> Result<Regex> {
    Regex::new(pattern).or_else(|e| {
        for (what, p) in parts {
            Regex::new(p).with_context(|| format!("{origin}: {what}: invalid pattern `{p}`"))?;
        }
        Err(e).with_context(|| format!("{origin}: patterns do not compile together"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `\x`, `\p{L}`, `\u00e9`...
    Escape,
    /// `[...]`, nested classes included.
    Class,
    /// Any other character.
    Char,
}

/// A pattern cut into the pieces the checks need: enough of a regex parser
/// to tell escapes, classes and plain characters apart.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

impl Token<'_> {
    /// The characters the token stands for literally (escapes skipped).
    fn literals(&self) -> Vec<char> {
        match self.kind {
            Kind::Char => self.text.chars().collect(),
            Kind::Escape => Vec::new(),
            Kind::Class => tokens(&self.text[1..self.text.len() - 1])
                .iter()
                .flat_map(|t| t.literals())
                .collect(),
        }
    }

    fn has_uppercase(&self) -> bool {
        self.literals().iter().any(|c| c.is_uppercase())
    }

    fn non_ascii_letter(&self) -> bool {
        self.literals()
            .iter()
            .any(|c| !c.is_ascii() && c.is_alphanumeric())
    }

    fn is(&self, c: char) -> bool {
        self.kind == Kind::Char && self.text.starts_with(c)
    }
}

fn tokens(pattern: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            '\\' => escape_len(rest),
            '[' => class_len(rest),
            c => c.len_utf8(),
        };
        let len = len.min(rest.len());
        let kind = match c {
            '\\' => Kind::Escape,
            '[' => Kind::Class,
            _ => Kind::Char,
        };
        out.push(Token {
            kind,
            text: &rest[..len],
        });
        rest = &rest[len..];
    }
    out
}

/// Bytes taken by the escape at the start of `s`.
fn escape_len(s: &str) -> usize {
    let mut chars = s.char_indices().skip(1);
    let Some((i, kind)) = chars.next() else {
        return s.len();
    };
    let after = i + kind.len_utf8();
    if s[after..].starts_with('{') && matches!(kind, 'p' | 'P' | 'x' | 'u' | 'U' | 'b') {
        return s[after..].find('}').map_or(s.len(), |j| after + j + 1);
    }
    let fixed = match kind {
        'p' | 'P' => 1,
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => 0,
    };
    s[after..]
        .char_indices()
        .nth(fixed)
        .map_or(s.len(), |(j, _)| after + j)
}

/// Bytes taken by the class at the start of `s`, nested classes included.
fn class_len(s: &str) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().unwrap_or_default();
        match c {
            '\\' => {
                i += escape_len(rest);
                continue;
            }
            '[' => {
                depth += 1;
                i += 1;
                // A `]` right after `[` or `[^` is a literal.
                if s[i..].starts_with('^') {
                    i += 1;
                }
                if s[i..].starts_with(']') {
                    i += 1;
                }
                continue;
            }
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += c.len_utf8();
    }
    s.len()
}

/// Do the groups open and close in order? Only a pattern failing this
/// could escape the group it is wrapped in.
fn balanced(tokens: &[Token]) -> bool {
    let mut depth = 0i32;
    for t in tokens {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth -= 1;
            if depth < 0 {
                return false;
            }
        }
    }
    depth == 0
}

/// The index of a token, next to a `\b`, that is or may be a non-ASCII
/// letter: `é\b`, `\bü`, `[eé]\b`, `[eé]s?\b`, `(?:a|à)\b`.
fn boundary_next_to_non_ascii(tokens: &[Token]) -> Option<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == Kind::Escape && t.text == "\\b")
        .find_map(|(i, _)| leading(tokens, i + 1, tokens.len()).or_else(|| trailing(tokens, 0, i)))
}

/// A suspect token among those that can come first in `tokens[from..to]`.
fn leading(tokens: &[Token], from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    while i < to && !tokens[i].is('|') && !tokens[i].is(')') {
        let (end, found) = if tokens[i].is('(') {
            let close = matching_close(tokens, i)?;
            let found = alternatives(tokens, i, close)
                .into_iter()
                .find_map(|(a, b)| leading(tokens, a, b));
            (close + 1, found)
        } else {
            (i + 1, tokens[i].non_ascii_letter().then_some(i))
        };
        if found.is_some() {
            return found;
        }
        // After an optional piece, the next one may come first.
        i = optional_quantifier(tokens, end)?;
    }
    None
}

/// A suspect token among those that can come last in `tokens[from..to]`.
fn trailing(tokens: &[Token], from: usize, to: usize) -> Option<usize> {
    let mut j = to;
    while j > from {
        let mut end = j;
        // A lazy marker after a quantifier.
        if end >= from + 2
            && tokens[end - 1].is('?')
            && ["?", "*", "+", "}"]
                .iter()
                .any(|q| tokens[end - 2].text == *q)
        {
            end -= 1;
        }
        let last = &tokens[end - 1];
        let (atom_end, optional) = if last.is('?') || last.is('*') {
            (end - 1, true)
        } else if last.is('+') {
            (end - 1, false)
        } else if last.is('}') {
            let open = (from..end - 1).rev().find(|&k| tokens[k].is('{'))?;
            (open, tokens.get(open + 1).is_some_and(|t| t.is('0')))
        } else {
            (end, false)
        };
        if atom_end <= from {
            return None;
        }
        let atom = &tokens[atom_end - 1];
        if atom.is('|') || atom.is('(') {
            return None;
        }
        let (start, found) = if atom.is(')') {
            let open = matching_open(tokens, atom_end - 1)?;
            let found = alternatives(tokens, open, atom_end - 1)
                .into_iter()
                .find_map(|(a, b)| trailing(tokens, a, b));
            (open, found)
        } else {
            (
                atom_end - 1,
                atom.non_ascii_letter().then_some(atom_end - 1),
            )
        };
        if found.is_some() || !optional {
            return found;
        }
        j = start;
    }
    None
}

/// After a `?`, `*` or `{0,n}` at `at`: the index that follows it.
fn optional_quantifier(tokens: &[Token], at: usize) -> Option<usize> {
    let t = tokens.get(at)?;
    let next = if t.is('?') || t.is('*') {
        at + 1
    } else if t.is('{') && tokens.get(at + 1).is_some_and(|t| t.is('0')) {
        (at..tokens.len()).find(|&k| tokens[k].is('}'))? + 1
    } else {
        return None;
    };
    // A lazy marker.
    Some(if tokens.get(next).is_some_and(|t| t.is('?')) {
        next + 1
    } else {
        next
    })
}

fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

fn matching_open(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0;
    for k in (0..=close).rev() {
        if tokens[k].is(')') {
            depth += 1;
        } else if tokens[k].is('(') {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// The alternatives of the group `tokens[open..=close]`, as index ranges
/// (its `?:`, `?P<name>` or flags skipped).
fn alternatives(tokens: &[Token], open: usize, close: usize) -> Vec<(usize, usize)> {
    let mut start = open + 1;
    if tokens.get(start).is_some_and(|t| t.is('?')) {
        start = (start..close)
            .find(|&k| tokens[k].is(':') || tokens[k].is('>'))
            .map_or(close, |k| k + 1);
    }
    let mut out = Vec::new();
    let mut depth = 0;
    let mut from = start;
    for (k, t) in tokens.iter().enumerate().take(close).skip(start) {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth -= 1;
        } else if t.is('|') && depth == 0 {
            out.push((from, k));
            from = k + 1;
        }
    }
    out.push((from, close));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ELEMENT: &str = r#"
version = "test"

[[element]]
id = "controller"
title = "Controller"
article = "GDPR 13(1)(a)"
[element.patterns]
en = ['\bcontroller\b']
fr = ['\bresponsable du traitement\b']
de = ['\bverantwortliche\b']
it = ['\btitolare\b']
es = ['\bresponsable del tratamiento\b']
nl = ['\bverwerkingsverantwoordelijke\b']

[channels]
form = ['\bformulaire\b']
account = ['\bmon compte\b']
postal = ['\bpar courrier\b']
"#;

    #[test]
    fn notice_builtin_loads() {
        let k = NoticeLexicon::builtin().unwrap();
        let ids: Vec<&str> = k.elements().map(|(id, _, _)| id).collect();
        assert_eq!(
            ids,
            [
                "controller",
                "dpo",
                "purposes",
                "legal_basis",
                "recipients",
                "transfers",
                "retention",
                "right_access",
                "right_rectification",
                "right_erasure",
                "right_restriction",
                "right_portability",
                "right_objection",
                "withdrawal",
                "complaint",
                "automated_decisions",
            ]
        );
        for (id, title, article) in k.elements() {
            assert!(!title.is_empty(), "{id}");
            assert!(article.starts_with("GDPR "), "{id}: {article}");
        }
        let where_applicable: Vec<&str> = k
            .elements()
            .enumerate()
            .filter(|(i, _)| k.requirement(*i) == Requirement::WhereApplicable)
            .map(|(_, (id, _, _))| id)
            .collect();
        assert_eq!(
            where_applicable,
            ["dpo", "transfers", "withdrawal", "automated_decisions"]
        );
        assert_eq!(
            k.elements().next().unwrap(),
            (
                "controller",
                "Identity and contact of the controller",
                "GDPR 13(1)(a)"
            )
        );
        assert!(k.authority_names.len() >= 12);
        assert_eq!(k.authority_groups.len(), k.authority_names.len());
        assert!(k.rights.is_some());
    }

    #[test]
    fn notice_parse_minimal() {
        let k = NoticeLexicon::parse(ELEMENT, "test.toml").unwrap();
        assert_eq!(k.version, "test");
        assert_eq!(k.len(), 1);
        assert_eq!(
            k.first_match(0, "le responsable du traitement est x."),
            Some(3..28)
        );
        assert_eq!(k.first_match(0, "rien"), None);
        assert_eq!(k.first_match(1, "controller"), None);
        assert!(k.authorities("la cnil").is_empty());
        assert!(k.has_channel(Channel::Form, "via ce formulaire"));
        assert!(!k.has_channel(Channel::Account, "via ce formulaire"));
    }

    #[test]
    fn notice_bad_regex_names_element_and_language() {
        let bad = ELEMENT.replace(r"'\btitolare\b'", r"'\btitolare(\b'");
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&bad, "rules/notice.toml").unwrap_err()
        );
        assert!(err.contains("rules/notice.toml"), "{err}");
        assert!(err.contains("element `controller`, language `it`"), "{err}");
        assert!(err.contains(r"\btitolare(\b"), "{err}");
        // A pattern that would close the group it is wrapped in.
        let sneaky = ELEMENT.replace(r"'\btitolare\b'", r"'a)|(?:b'");
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&sneaky, "rules/notice.toml").unwrap_err()
        );
        assert!(err.contains("element `controller`, language `it`"), "{err}");
        // Invalid in the middle of a character class.
        let class = ELEMENT.replace(r"'\bcontroller\b'", r"'[z-a]'");
        let err = format!("{:#}", NoticeLexicon::parse(&class, "x.toml").unwrap_err());
        assert!(err.contains("element `controller`, language `en`"), "{err}");
    }

    #[test]
    fn notice_refuses_missing_language_unknown_keys_and_upper_case() {
        let missing = ELEMENT.replace("nl = ['\\bverwerkingsverantwoordelijke\\b']\n", "");
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&missing, "n.toml").unwrap_err()
        );
        assert!(err.contains("n.toml"), "{err}");
        assert!(
            err.contains("element `controller` has no patterns for `nl`"),
            "{err}"
        );
        let empty = ELEMENT.replace("nl = ['\\bverwerkingsverantwoordelijke\\b']", "nl = []");
        assert!(NoticeLexicon::parse(&empty, "n.toml").is_err());
        let not_a_code = ELEMENT.replace("nl = [", "portuguese = ['x']\nnl = [");
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&not_a_code, "n.toml").unwrap_err()
        );
        assert!(err.contains("`portuguese` is not a two-letter"), "{err}");
        let unknown_key = ELEMENT.replace("article = ", "severity = 1\narticle = ");
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&unknown_key, "n.toml").unwrap_err()
        );
        assert!(err.contains("n.toml"), "{err}");
        assert!(err.contains("severity"), "{err}");
        let upper = ELEMENT.replace(r"'\bcontroller\b'", r"'\bController\b'");
        let err = format!("{:#}", NoticeLexicon::parse(&upper, "n.toml").unwrap_err());
        assert!(err.contains("upper-case"), "{err}");
        let repeated = format!(
            "{}{}",
            ELEMENT.split("[channels]").next().unwrap(),
            &ELEMENT[ELEMENT.find("[[element]]").unwrap()..]
        );
        let err = format!(
            "{:#}",
            NoticeLexicon::parse(&repeated, "n.toml").unwrap_err()
        );
        assert!(err.contains("repeated"), "{err}");
    }

    #[test]
    fn notice_reads_only_languages_that_cover_every_element() {
        let k = NoticeLexicon::parse(ELEMENT, "n.toml").unwrap();
        assert!(k.reads("fr") && k.reads("nl"));
        assert!(!k.reads("pt") && !k.reads(""));
        // A seventh language is welcome when every element has its patterns.
        let pt = ELEMENT.replace("nl = [", "pt = ['\\bresponsável pelo tratamento']\nnl = [");
        let k = NoticeLexicon::parse(&pt, "n.toml").unwrap();
        assert!(k.reads("pt"));
        // Patterns for some elements only would report the others missing
        // in every notice of that language: refused.
        let second = format!(
            "{}[[element]]\nid = \"dpo\"\ntitle = \"DPO\"\narticle = \"13(1)(b)\"\n[element.patterns]\nen = ['dpo']\nfr = ['dpo']\nde = ['dpo']\nit = ['dpo']\nes = ['dpo']\nnl = ['dpo']\n\n[channels]{}",
            pt.split("[channels]").next().unwrap(),
            pt.split("[channels]").nth(1).unwrap()
        );
        let err = format!("{:#}", NoticeLexicon::parse(&second, "n.toml").unwrap_err());
        assert!(
            err.contains("language `pt` has patterns for some elements but not for `dpo`"),
            "{err}"
        );
        assert!(NoticeLexicon::builtin().unwrap().reads("en"));
        assert!(!NoticeLexicon::builtin().unwrap().reads("pl"));
    }

    #[test]
    fn notice_pattern_checks() {
        let b = |p: &str| balanced(&tokens(p));
        assert!(b(r"\b(?:a|b)\(c\)[)(]"));
        assert!(b(r"[]a)](x)[^]()][[:alpha:](]"));
        assert!(!b("a)|(b"));
        assert!(!b("(a"));
        let upper = |p: &str| tokens(p).iter().any(|t| t.has_uppercase());
        assert!(!upper(r"\b\S\p{Lu}\x{C9}\u00C9\pL\xC9\U0001F600[\W\p{Lu}]"));
        assert!(upper(r"\bCnil"));
        assert!(upper(r"[a-zA-Z]"));
        fn accent(p: &str) -> Option<&str> {
            let t = tokens(p);
            boundary_next_to_non_ascii(&t).map(|i| t[i].text)
        }
        assert_eq!(accent(r"\bdroit d'acc[eè]s\b"), None);
        assert_eq!(accent(r"\bcontrollers?\b"), None);
        assert_eq!(accent(r"\bfinalit[eé]\b"), Some("[eé]"));
        assert_eq!(accent(r"\bfinalit[eé]s?\b"), Some("[eé]"));
        assert_eq!(accent(r"\büber"), Some("ü"));
        assert_eq!(accent(r"daß\b"), Some("ß"));
        assert_eq!(accent(r"é\\b"), None);
        assert_eq!(accent(r"\bpar courrier (?:a|à)\b"), Some("à"));
        assert_eq!(accent(r"\b(?:x|portabilit[aà])\b"), Some("[aà]"));
        assert_eq!(accent(r"\b(?:daten)?übertragbarkeit"), Some("ü"));
        assert_eq!(accent(r"\b(?:(?:é|e)x|y)"), Some("é"));
        assert_eq!(accent(r"(?:é{0,2})+?\b"), Some("é"));
        assert_eq!(accent(r"\b(?:daten)übertragbarkeit\b"), None);
        assert_eq!(accent(r"\b(?:a|b)?c(?P<n>é|d)\b"), Some("é"));
        assert_eq!(accent(r"(?:é|e)?x{0,3}\b"), Some("é"));
        assert_eq!(accent(r"(?:é|e)?x{1,3}\b"), None);
        // Word boundaries become ASCII, escaped backslashes and classes
        // are left alone.
        assert_eq!(
            joined(
                "x",
                &[("p".into(), r"\bdroit\B\\b\b{start}")],
                Boundaries::Ascii
            )
            .unwrap(),
            r"(?:(?-u:\b)droit(?-u:\B)\\b\b{start})"
        );
    }
}
