//! Multilingual lexicons: `rules/lexicon/<lang>.toml`.
//!
//! Banner detection, button classification and the transparency checks read
//! words from here, never from code. Every entry is a regular expression
//! matched against [`normalise`]d text.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use std::sync::OnceLock;

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::evidence::ButtonRole;

use super::prefilter::LiteralIndex;
use super::statements::Recogniser;

/// The languages whose statements are read in full (implied consent,
/// purposes, the notice checklist of `rules/notice.toml`), in the order
/// that breaks ties when a language is guessed. Every other file of
/// `rules/lexicon/` is loaded too (button roles, banner words, policy
/// links): adding a language is adding a file.
pub const BUILTIN_LANGUAGES: [&str; 6] = ["fr", "en", "de", "es", "it", "nl"];

/// Lower-case, fold typographic apostrophes and spaces, collapse runs of
/// white space: the form every lexicon pattern is written against. The
/// Greek final sigma `ς` is read as `σ`, since an upper-case `Σ` lowers to
/// `σ` wherever it stands ("ΡΥΘΜΙΣΕΙΣ", "Ρυθμίσεις").
pub fn normalise(text: &str) -> String {
    fold(text, true)
}

/// Collapse runs of white space and fold typographic spaces, keeping case:
/// labels and texts as a person reads them, for evidence.
pub fn collapse_whitespace(text: &str) -> String {
    fold(text, false)
}

fn fold(text: &str, lower: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => '\'',
            '\u{a0}' | '\u{202f}' | '\u{2007}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if lower {
            out.extend(c.to_lowercase().map(|c| if c == 'ς' { 'σ' } else { c }));
        } else {
            out.push(c);
        }
    }
    out
}

/// The kinds of statement the transparency checks look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextCategory {
    /// The act of continuing: browsing on, scrolling, closing the banner.
    ImpliedConsent,
    /// What such an act leads to: consent ("you accept cookies").
    ImpliedAccepts,
    /// What such an act leads to: a refusal, or necessary cookies only.
    ImpliedRefuses,
    CrossSite,
    Purposes,
    VaguePurposes,
    Partners,
    Withdraw,
    LegitimateInterest,
    PolicyLink,
    ExemptionClaim,
    /// A paid alternative to consent ("subscribe", "s'abonner", "PUR-Abo").
    PaidAlternative,
    /// A link or button that reopens the consent choice ("cookie settings").
    ConsentReopen,
}

impl TextCategory {
    pub const ALL: [TextCategory; 13] = [
        TextCategory::ImpliedConsent,
        TextCategory::ImpliedAccepts,
        TextCategory::ImpliedRefuses,
        TextCategory::CrossSite,
        TextCategory::Purposes,
        TextCategory::VaguePurposes,
        TextCategory::Partners,
        TextCategory::Withdraw,
        TextCategory::LegitimateInterest,
        TextCategory::PolicyLink,
        TextCategory::ExemptionClaim,
        TextCategory::PaidAlternative,
        TextCategory::ConsentReopen,
    ];

    fn key(self) -> &'static str {
        match self {
            TextCategory::ImpliedConsent => "implied_consent",
            TextCategory::ImpliedAccepts => "implied_consent_accepts",
            TextCategory::ImpliedRefuses => "implied_consent_refuses",
            TextCategory::CrossSite => "cross_site",
            TextCategory::Purposes => "purposes",
            TextCategory::VaguePurposes => "vague_purposes",
            TextCategory::Partners => "partners",
            TextCategory::Withdraw => "withdraw",
            TextCategory::LegitimateInterest => "legitimate_interest",
            TextCategory::PolicyLink => "policy_link",
            TextCategory::ExemptionClaim => "exemption_claim",
            TextCategory::PaidAlternative => "paid_alternative",
            TextCategory::ConsentReopen => "reopen",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    language: String,
    banner: BannerSection,
    buttons: ButtonSection,
    text: BTreeMap<String, Vec<String>>,
    /// Named concepts the statement recogniser composes (see
    /// `rules/statements.toml` and `docs/lexicons.md`).
    #[serde(default)]
    concepts: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BannerSection {
    keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ButtonSection {
    reject: Vec<String>,
    accept: Vec<String>,
    settings: Vec<String>,
    close: Vec<String>,
    /// Saves the choices of a settings layer.
    #[serde(default)]
    save: Vec<String>,
    exclude: Vec<String>,
}

/// A group of patterns matched at once with a [`RegexSet`]; the single
/// regex of a pattern is compiled only when that pattern matched and its
/// position is needed. Compiling ~800 Unicode patterns up front cost about
/// half a second; most are never needed for a given page.
#[derive(Debug)]
pub(crate) struct PatternGroup {
    patterns: Vec<String>,
    /// All patterns as one set, made when the group is (to check that they
    /// compile) and kept, or, for a group made with [`PatternGroup::lazy`],
    /// dropped and made again on first use.
    set: OnceLock<RegexSet>,
    /// The same patterns without their word boundaries: a superset that
    /// the regex engine's fast automaton can run on any text. With a
    /// Unicode `\b`, that automaton gives up at the first non-ASCII byte
    /// (any accent) and a set of hundreds of patterns is then scanned by a
    /// slow one, about a millisecond per sentence and term. Candidates it
    /// finds are confirmed with the pattern itself. Made on first use
    /// (button and banner groups, matched on short ASCII-heavy labels,
    /// never need it); `None` when the patterns without boundaries do not
    /// compile (`\b?`), and then the exact set serves.
    loose: OnceLock<Option<RegexSet>>,
    pub(crate) languages: Vec<String>,
    /// The pattern belongs to its language alone (no other lexicon has it):
    /// a hit is a clue to the text's language.
    unique: Vec<bool>,
    single: Vec<OnceLock<Regex>>,
    /// The single regex of a pattern without its word boundaries, for
    /// [`PatternGroup::is_match`]; `None` for a pattern that has none.
    single_loose: Vec<OnceLock<Option<Regex>>>,
}

impl PatternGroup {
    /// Compile `(language, pattern)` pairs; on failure, name the culprit.
    pub(crate) fn new(
        key: &str,
        patterns: Vec<(String, String)>,
        all: &[(String, String)],
    ) -> Result<Self> {
        let set = match build_set(patterns.iter().map(|(_, p)| p.as_str())) {
            Ok(set) => set,
            Err(e) => {
                for (lang, p) in &patterns {
                    check(p, &format!("rules/lexicon/{lang}.toml"), key)?;
                }
                return Err(e).context(format!(
                    "lexicon patterns of `{key}` do not compile together"
                ));
            }
        };
        Ok(PatternGroup {
            loose: OnceLock::new(),
            single: patterns.iter().map(|_| OnceLock::new()).collect(),
            single_loose: patterns.iter().map(|_| OnceLock::new()).collect(),
            unique: patterns
                .iter()
                .map(|(lang, p)| !all.iter().any(|(l, q)| q == p && l != lang))
                .collect(),
            patterns: patterns.iter().map(|(_, p)| p.clone()).collect(),
            languages: patterns.into_iter().map(|(l, _)| l).collect(),
            set: OnceLock::from(set),
        })
    }

    /// [`PatternGroup::new`], but the set is not kept: for the statement
    /// recogniser's terms, matched pattern by pattern through the literal
    /// prefilter, whose sets (the 26 lexicons' `track` alone compiles to
    /// more than 10 MiB) would otherwise stay in memory unused.
    pub(crate) fn lazy(key: &str, patterns: Vec<(String, String)>) -> Result<Self> {
        let mut group = PatternGroup::new(key, patterns, &[])?;
        group.set = OnceLock::new();
        Ok(group)
    }

    /// All patterns as one set.
    fn set(&self) -> &RegexSet {
        self.set.get_or_init(|| {
            build_set(&self.patterns)
                .expect("the patterns compiled together when the group was made")
        })
    }

    /// The patterns, in file order.
    pub(crate) fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub(crate) fn regex(&self, i: usize) -> &Regex {
        self.single[i]
            .get_or_init(|| Regex::new(&self.patterns[i]).expect("compiled in the set already"))
    }

    /// Does pattern `i` match `text`? On text with a non-ASCII character,
    /// the pattern's Unicode word boundaries stop the regex engine's fast
    /// automaton, and a slow one scans the whole text: the pattern without
    /// them, which the fast automaton runs on any text, is tried first, and
    /// only a text it matches is scanned the slow way. It rules out about
    /// two candidates in three that the literal prefilter lets through.
    pub(crate) fn is_match(&self, i: usize, text: &str) -> bool {
        if !text.is_ascii() {
            let loose = self.single_loose[i].get_or_init(|| {
                let loose = without_boundaries(&self.patterns[i]);
                (loose != self.patterns[i])
                    .then(|| Regex::new(&loose).ok())
                    .flatten()
            });
            if loose.as_ref().is_some_and(|l| !l.is_match(text)) {
                return false;
            }
        }
        self.regex(i).is_match(text)
    }

    /// The set's patterns without their word boundaries, compiled.
    fn loose_set(&self) -> Result<RegexSet, regex::Error> {
        build_set(self.patterns.iter().map(|p| without_boundaries(p)))
    }

    /// Indices of the patterns matching `text`, in file order.
    pub(crate) fn matching<'a>(&'a self, text: &'a str) -> Box<dyn Iterator<Item = usize> + 'a> {
        // Unicode word boundaries cost nothing on ASCII text.
        let loose = (!text.is_ascii())
            .then(|| self.loose.get_or_init(|| self.loose_set().ok()))
            .and_then(Option::as_ref);
        match loose {
            Some(loose) => Box::new(
                loose
                    .matches(text)
                    .into_iter()
                    .filter(move |&i| self.regex(i).is_match(text)),
            ),
            None => Box::new(self.set().matches(text).into_iter()),
        }
    }
}

#[cfg(test)]
impl Lexicons {
    /// [`Lexicons::guess_language`]'s counts, found the slow way: every
    /// group's whole set, without the literal index.
    pub(crate) fn guess_counts_by_sets(&self, normalised: &str) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for g in guess_groups(&self.banner, &self.buttons, &self.text) {
            for i in g.matching(normalised).filter(|&i| g.unique[i]) {
                *counts.entry(g.languages[i].as_str()).or_default() += 1;
            }
        }
        counts
    }
}

#[cfg(test)]
impl PatternGroup {
    /// The patterns matching `text`, found the slow, exact way.
    pub(crate) fn exact(&self, text: &str) -> Vec<usize> {
        self.set().matches(text).into_iter().collect()
    }

    /// Why the fast set without word boundaries cannot be built, if it
    /// cannot.
    pub(crate) fn loose_error(&self) -> Option<String> {
        self.loose_set().err().map(|e| e.to_string())
    }
}

/// The lazy DFA's cache limit for a pattern group's set. The regex crate's
/// default (2 MiB) is too small for the larger groups of 26 lexicons: the
/// fast engine is then not used at all, and every set is run by the slow
/// one (a third more time for a whole http campaign, measured with
/// `scripts/bench`). It is a limit, not an allocation: the cache grows with
/// the states a text needs.
const SET_DFA_CACHE: usize = 8 << 20;

/// The compiled size limit of a pattern group's set. The regex crate's
/// default (10 MiB) is reached by the `track` concept of 26 lexicons: each
/// Unicode `\w` in a bounded repeat (`(?:\w+ ){0,4}`) compiles to a large
/// UTF-8 automaton, and the set holds them all. The limit guards against
/// runaway patterns, not against this size.
const SET_SIZE_LIMIT: usize = 64 << 20;

/// Compile a pattern group's set, with room for the fast engine.
fn build_set<I, S>(patterns: I) -> Result<RegexSet, regex::Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    RegexSetBuilder::new(patterns)
        .size_limit(SET_SIZE_LIMIT)
        .dfa_size_limit(SET_DFA_CACHE)
        .build()
}

/// `pattern` with its word-boundary assertions (`\b`, `\B`, `\b{...}`)
/// left out: it matches wherever `pattern` does, and more.
fn without_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b' | 'B') => {
                if chars.peek() == Some(&'{') {
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                    }
                }
            }
            Some(d) => {
                out.push('\\');
                out.push(d);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// One hit of a text category.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    pub language: String,
    /// The words that matched.
    pub phrase: String,
    /// The sentence around them, as evidence.
    pub sentence: String,
}

/// All lexicons, merged. Classification does not depend on the declared
/// page language: sites mix languages, and a French site may say "OK".
///
/// Patterns are matched against [`normalise`]d (lower-case) text, so they
/// are compiled case-sensitively and must be written in lower case.
#[derive(Debug)]
pub struct Lexicons {
    pub languages: Vec<String>,
    /// Languages whose statements are read: their lexicon can recognise
    /// the statements of [`STATEMENT_KEYS`], not only button roles,
    /// banner words and policy links.
    statement_languages: Vec<String>,
    banner: PatternGroup,
    buttons: Vec<(ButtonRole, PatternGroup)>,
    exclude: PatternGroup,
    text: BTreeMap<TextCategory, PatternGroup>,
    partner_count: PatternGroup,
    /// The literals of the groups [`Lexicons::guess_language`] counts, in
    /// its order: a page's first 4 kB would otherwise run those sets'
    /// thousands of patterns through a lazy DFA built anew for every page
    /// (new text), a tenth of the time of reading a long notice.
    guess_index: LiteralIndex,
    /// The sentence-by-sentence statement recogniser.
    pub statements: Recogniser,
}

/// The statements a lexicon must be able to recognise for its language's
/// statements (purposes, partners, tracking on other sites, withdrawal) to
/// be read: for each, a `[text]` phrase list or every concept of one of its
/// groups in `rules/statements.toml`. A text in a language without them is
/// not read: "no purposes stated" would only say that the tool does not
/// know the words.
pub const STATEMENT_KEYS: [&str; 4] = ["purposes", "partners", "cross_site", "withdraw"];

/// Does a pattern have upper-case letters outside escapes (`\S`, `\u00A0`,
/// `\p{Lu}`)? Such a pattern can never match lower-cased text.
fn has_uppercase_literal(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 1;
            match chars.get(i) {
                Some('u' | 'x' | 'p' | 'P') if chars.get(i + 1) == Some(&'{') => {
                    while i < chars.len() && chars[i] != '}' {
                        i += 1;
                    }
                }
                Some('u') => i += 4,
                Some('x') => i += 2,
                Some('p' | 'P') => i += 1,
                _ => {}
            }
        } else if chars[i].is_uppercase() {
            return true;
        }
        i += 1;
    }
    false
}

/// Check one pattern; only called on the error path or for suspicious ones.
fn check(pattern: &str, origin: &str, key: &str) -> Result<()> {
    if has_uppercase_literal(pattern) {
        bail!("{origin}: pattern in `{key}` has upper-case letters (text is lower-cased before matching): {pattern}");
    }
    Regex::new(pattern)
        .map(|_| ())
        .with_context(|| format!("{origin}: invalid pattern in `{key}`: {pattern}"))
}

/// The groups whose own words tell a text's language, in the order
/// [`Lexicons::guess_language`] counts them and its index lists them.
fn guess_groups<'a>(
    banner: &'a PatternGroup,
    buttons: &'a [(ButtonRole, PatternGroup)],
    text: &'a BTreeMap<TextCategory, PatternGroup>,
) -> impl Iterator<Item = &'a PatternGroup> {
    std::iter::once(banner)
        .chain(buttons.iter().map(|(_, g)| g))
        .chain(text.values())
}

impl Lexicons {
    /// The lexicons embedded in the binary: every `rules/lexicon/*.toml`,
    /// those of [`BUILTIN_LANGUAGES`] first and in that order, then the
    /// others by file name.
    pub fn builtin() -> Result<Self> {
        let files = super::builtin_toml_files("lexicon")?;
        Self::from_rules(
            files,
            (
                "rules/statements.toml",
                super::builtin_text("statements.toml")?,
            ),
        )
    }

    /// The lexicons of a `rules/` directory on disk (its `lexicon/*.toml`
    /// and `statements.toml`), read the way [`Lexicons::builtin`] reads the
    /// embedded ones. Measuring a lexicon change this way needs no rebuild:
    /// `tests/statements.rs` and `tests/languages.rs` read the checkout's
    /// `rules/` at run time.
    pub fn from_dir(rules: &std::path::Path) -> Result<Self> {
        let mut files = Vec::new();
        let dir = rules.join("lexicon");
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                files.push((format!("rules/lexicon/{name}"), text));
            }
        }
        let path = rules.join("statements.toml");
        let statements = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::from_rules(files, ("rules/statements.toml", &statements))
    }

    /// Order the lexicon files as the built-in ones are (see
    /// [`Lexicons::builtin`]), check that every built-in language is there,
    /// and build.
    fn from_rules(mut files: Vec<(String, String)>, statements: (&str, &str)) -> Result<Self> {
        let rank = |origin: &str| {
            BUILTIN_LANGUAGES
                .iter()
                .position(|l| origin == format!("rules/lexicon/{l}.toml"))
                .unwrap_or(BUILTIN_LANGUAGES.len())
        };
        files.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        for lang in BUILTIN_LANGUAGES {
            let origin = format!("rules/lexicon/{lang}.toml");
            if !files.iter().any(|(o, _)| *o == origin) {
                bail!("built-in data file {origin} is missing");
            }
        }
        Self::build(&files, statements)
    }

    /// Build from `(origin, toml text)` pairs, with the built-in
    /// `rules/statements.toml`.
    pub fn from_sources(files: &[(String, String)]) -> Result<Self> {
        Self::build(
            files,
            (
                "rules/statements.toml",
                super::builtin_text("statements.toml")?,
            ),
        )
    }

    fn build(files: &[(String, String)], statements_file: (&str, &str)) -> Result<Self> {
        let mut languages = Vec::new();
        let mut statement_languages = Vec::new();
        let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut all_patterns: Vec<(String, String)> = Vec::new();
        let mut concepts: Vec<(String, String, Vec<String>)> = Vec::new();
        let mut text_lists: Vec<(String, String, Vec<String>)> = Vec::new();
        for (origin, source) in files {
            let file: LexiconFile =
                toml::from_str(source).with_context(|| format!("{origin}: invalid lexicon"))?;
            let lang = file.language.clone();
            let mut add = |key: &str, list: &[String]| -> Result<()> {
                for p in list {
                    // Cheap checks here; compilation errors surface when the sets are built.
                    if has_uppercase_literal(p) {
                        check(p, origin, key)?;
                    }
                    groups
                        .entry(key.to_string())
                        .or_default()
                        .push((lang.clone(), p.clone()));
                    all_patterns.push((lang.clone(), p.clone()));
                }
                Ok(())
            };
            add("banner.keywords", &file.banner.keywords)?;
            add("buttons.reject", &file.buttons.reject)?;
            add("buttons.accept", &file.buttons.accept)?;
            add("buttons.settings", &file.buttons.settings)?;
            add("buttons.close", &file.buttons.close)?;
            add("buttons.save", &file.buttons.save)?;
            add("buttons.exclude", &file.buttons.exclude)?;
            for (key, list) in &file.text {
                if key != "partner_count" && !TextCategory::ALL.iter().any(|c| c.key() == key) {
                    bail!("{origin}: unknown key `text.{key}`");
                }
                add(&format!("text.{key}"), list)?;
            }
            for (name, list) in &file.concepts {
                for p in list {
                    if has_uppercase_literal(p) {
                        check(p, origin, &format!("concepts.{name}"))?;
                    }
                }
                concepts.push((lang.clone(), name.clone(), list.clone()));
            }
            for (key, list) in &file.text {
                text_lists.push((lang.clone(), key.clone(), list.clone()));
            }
            languages.push(lang);
        }
        let statements = Recogniser::new(
            super::statements::parse(statements_file.1, statements_file.0)?,
            &languages,
            &concepts,
            &text_lists,
        )?;
        for lang in &languages {
            if STATEMENT_KEYS.iter().all(|k| statements.covers(k, lang)) {
                statement_languages.push(lang.clone());
            }
        }
        let group = |key: &str| {
            PatternGroup::new(
                key,
                groups.get(key).cloned().unwrap_or_default(),
                &all_patterns,
            )
        };
        // The order roles are tried in; see `classify_button`.
        let buttons = vec![
            (ButtonRole::Reject, group("buttons.reject")?),
            (ButtonRole::Save, group("buttons.save")?),
            (ButtonRole::Accept, group("buttons.accept")?),
            (ButtonRole::Settings, group("buttons.settings")?),
            (ButtonRole::Close, group("buttons.close")?),
        ];
        let mut text = BTreeMap::new();
        for category in TextCategory::ALL {
            text.insert(category, group(&format!("text.{}", category.key()))?);
        }
        let partner_count = group("text.partner_count")?;
        for (i, p) in partner_count.patterns().iter().enumerate() {
            if partner_count.regex(i).captures_len() != 2 {
                bail!(
                    "rules/lexicon/{}.toml: text.partner_count pattern `{p}` needs exactly one capture group",
                    partner_count.languages[i]
                );
            }
        }
        let banner = group("banner.keywords")?;
        let guess_index = LiteralIndex::new(guess_groups(&banner, &buttons, &text))?;
        Ok(Lexicons {
            languages,
            statement_languages,
            banner,
            exclude: group("buttons.exclude")?,
            buttons,
            text,
            partner_count,
            guess_index,
            statements,
        })
    }

    /// Classify a button or link label. Pay-or-subscribe offers are never a
    /// choice. Roles are tried in this order: reject, so that "continue
    /// without accepting" and "accept necessary cookies only" are refusals;
    /// save, so that a label saving or confirming a selection ("Save my
    /// choices", "Allow selection", "Accetta selezionati", "Einstellungen
    /// speichern") is never read as consent to all nor as a way to the
    /// settings; then accept, settings and close.
    pub fn classify_button(&self, label: &str) -> ButtonRole {
        let label = normalise(label);
        if label.is_empty() || label.chars().count() > 80 || self.exclude.set().is_match(&label) {
            return ButtonRole::Other;
        }
        self.buttons
            .iter()
            .find(|(_, group)| group.set().is_match(&label))
            .map(|(role, _)| *role)
            .unwrap_or(ButtonRole::Other)
    }

    /// Does normalised `text` speak of cookies or consent?
    pub fn mentions_banner_words(&self, normalised: &str) -> bool {
        self.banner.set().is_match(normalised)
    }

    /// The language whose own words (those no other lexicon shares) match
    /// most; ties go to the language listed first.
    pub fn guess_language(&self, normalised: &str) -> Option<String> {
        let counts = self.guess_counts(normalised);
        let mut best: Option<(&str, usize)> = None;
        for lang in &self.languages {
            let n = counts.get(lang.as_str()).copied().unwrap_or(0);
            if n > 0 && best.is_none_or(|(_, b)| n > b) {
                best = Some((lang, n));
            }
        }
        best.map(|(l, _)| l.to_string())
    }

    /// By language, how many of its own words (patterns no other lexicon
    /// shares) match `normalised`: the clues [`Lexicons::guess_language`]
    /// weighs, found through the literal index.
    pub(crate) fn guess_counts(&self, normalised: &str) -> BTreeMap<&str, usize> {
        let groups = guess_groups(&self.banner, &self.buttons, &self.text);
        let mut counts = BTreeMap::new();
        for (g, candidates) in groups.zip(self.guess_index.candidates(normalised)) {
            for i in candidates {
                if g.unique[i] && g.is_match(i, normalised) {
                    *counts.entry(g.languages[i].as_str()).or_default() += 1;
                }
            }
        }
        counts
    }

    /// Are statements in `language` read (see [`STATEMENT_KEYS`])?
    pub fn reads_statements(&self, language: &str) -> bool {
        self.statement_languages.iter().any(|l| l == language)
    }

    /// The first hit of `category` in normalised `text` (first pattern in
    /// file order).
    pub fn find(&self, category: TextCategory, normalised: &str) -> Option<TextMatch> {
        let group = self.text.get(&category)?;
        let i = group.matching(normalised).next()?;
        let m = group.regex(i).find(normalised)?;
        Some(TextMatch {
            language: group.languages[i].clone(),
            phrase: m.as_str().to_string(),
            sentence: sentence_around(normalised, m.start(), m.end()),
        })
    }

    /// Does `label` name a privacy or cookie policy?
    pub fn is_policy_link(&self, label: &str) -> bool {
        self.text
            .get(&TextCategory::PolicyLink)
            .is_some_and(|g| g.set().is_match(&normalise(label)))
    }

    /// The number of partners stated in the text ("nos 843 partenaires").
    pub fn partner_count(&self, normalised: &str) -> Option<(u32, TextMatch)> {
        let g = &self.partner_count;
        g.matching(normalised).find_map(|i| {
            let caps = g.regex(i).captures(normalised)?;
            let digits: String = caps
                .get(1)?
                .as_str()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let n = digits.parse().ok()?;
            let whole = caps.get(0)?;
            Some((
                n,
                TextMatch {
                    language: g.languages[i].clone(),
                    phrase: whole.as_str().to_string(),
                    sentence: sentence_around(normalised, whole.start(), whole.end()),
                },
            ))
        })
    }
}

/// Where sentences end, for [`sentence_around`].
fn is_sentence_stop(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\n' | '•')
}

/// The sentence of `text` that holds the byte range `start..end`, cut to 300
/// characters around the match.
pub fn sentence_around(text: &str, start: usize, end: usize) -> String {
    let is_stop = is_sentence_stop;
    let from = text[..start].rfind(is_stop).map(|i| i + 1).unwrap_or(0);
    let to = text[end..]
        .find(is_stop)
        .map(|i| end + i + 1)
        .unwrap_or(text.len());
    let sentence = text[from..to].trim();
    if sentence.chars().count() <= 300 {
        return sentence.to_string();
    }
    let chars: Vec<char> = sentence.chars().collect();
    let rel = text[from..start].trim_start().chars().count();
    let lo = rel.saturating_sub(120);
    let hi = (lo + 300).min(chars.len());
    format!("…{}…", chars[lo..hi].iter().collect::<String>().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_directory_on_disk_reads_as_the_embedded_one() {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let disk = Lexicons::from_dir(&rules).unwrap();
        let embedded = Lexicons::builtin().unwrap();
        assert_eq!(disk.languages, embedded.languages);
        assert_eq!(disk.statement_languages, embedded.statement_languages);
        let sentence = "Our partners use cookies to follow you from one site to another.";
        assert_eq!(
            disk.statements
                .recognise(sentence)
                .keys()
                .collect::<Vec<_>>(),
            embedded
                .statements
                .recognise(sentence)
                .keys()
                .collect::<Vec<_>>()
        );
        let missing = Lexicons::from_dir(&rules.join("no-such-dir")).unwrap_err();
        assert!(
            format!("{missing:#}").contains("no-such-dir"),
            "{missing:#}"
        );
    }

    #[test]
    fn loose_matching_then_confirming_is_exact() {
        assert_eq!(without_boundaries(r"\bsuivre\b"), "suivre");
        assert_eq!(without_boundaries(r"\b{start}d\Bx\\b\w"), r"dx\\b\w");
        let patterns = [
            r"\bsite\b",
            r"\bsuivre\b",
            r"\bété\b",
            r"d'un site [àa] l'autre",
        ];
        let group = PatternGroup::new(
            "test",
            patterns
                .iter()
                .map(|p| ("fr".to_string(), p.to_string()))
                .collect(),
            &[],
        )
        .unwrap();
        for text in [
            "nous hésitons à vous suivre d'un site à l'autre",
            "cet été, le site",
            "les étés sont chauds",
            "plain ascii site text",
        ] {
            let fast: Vec<usize> = group.matching(text).collect();
            assert_eq!(fast, group.exact(text), "{text}");
        }
        let fast: Vec<usize> = group.matching("nous hésitons").collect();
        assert!(fast.is_empty(), "`site` inside `hésitons` is not a word");
    }

    #[test]
    fn normalises() {
        assert_eq!(
            normalise("  Continuer\u{a0}sans\n ACCEPTER "),
            "continuer sans accepter"
        );
        assert_eq!(normalise("J\u{2019}accepte"), "j'accepte");
        assert_eq!(normalise("ΡΥΘΜΙΣΕΙΣ"), normalise("Ρυθμισεις"));
        assert_eq!(normalise("Ρυθμίσεις"), "ρυθμίσεισ");
    }

    #[test]
    fn sentence() {
        let t = "first one. we use cookies here. last";
        let i = t.find("cookies").unwrap();
        assert_eq!(sentence_around(t, i, i + 7), "we use cookies here.");
    }
}
