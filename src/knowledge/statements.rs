//! The statement recogniser: what a banner or notice says, sentence by
//! sentence, composed from concepts.
//!
//! Two kinds of data drive it, and no word of any language is in this file:
//!
//! - each lexicon (`rules/lexicon/<lang>.toml`) names its language's
//!   concepts in a `[concepts]` table (an actor, an action, a scope, a
//!   negation...), each a list of regular expressions over normalised text,
//!   and its phrases that suffice alone in `[text]`;
//! - `rules/statements.toml` says, for every language at once, how each
//!   statement is composed: phrases that suffice alone, groups of concepts
//!   that must meet in one sentence, vetoes, negation and outcomes.
//!
//! See `docs/lexicons.md` for the format and how to add a language.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::lexicon::{collapse_whitespace, normalise, PatternGroup};
use super::prefilter::LiteralIndex;

/// `rules/statements.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementsFile {
    /// Abbreviations (lower case, without their final period) after which a
    /// period does not end a sentence.
    #[serde(default)]
    pub abbreviations: Vec<String>,
    /// Terms whose matches cut a sentence into clauses, besides commas,
    /// semicolons, colons, brackets and dashes ("but", "mais", "aber").
    #[serde(default)]
    pub clause_breaks: Vec<String>,
    /// Terms whose matches are no negation though a negation term matches
    /// inside them ("cookies no necesarias", "nicht notwendige Cookies").
    #[serde(default)]
    pub negation_exceptions: Vec<String>,
    /// Terms that, matched against a clause alone (`^` and `$` are its
    /// ends), make it depend on the clause before it: a negation there
    /// negates it too ("Diese Daten werden nicht genutzt, um Sie zu
    /// verfolgen"; "keine Kennung, mit der man Sie wiedererkennt").
    #[serde(default)]
    pub dependent_clauses: Vec<String>,
    /// Each statement's composition, by statement name.
    pub statement: BTreeMap<String, StatementDef>,
}

/// How one statement is recognised. A *term* is a concept name (a key of
/// the lexicons' `[concepts]`) or `text.KEY` (a list of a lexicon's
/// `[text]` table).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementDef {
    /// Terms any match of which makes the statement alone.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Groups of terms that must all match in one sentence, in one
    /// language. The first term of a group is its anchor: its words are the
    /// phrase reported, and negation is judged in its clause.
    #[serde(default)]
    pub all_of: Vec<Vec<String>>,
    /// Terms that, anywhere in the sentence, keep it from counting.
    #[serde(default)]
    pub veto: Vec<String>,
    /// Terms that, in the anchor's clause (same language), cancel the hit:
    /// "we never track you on other sites". With `outcome_yes`, they cancel
    /// a consenting outcome in its clause instead.
    #[serde(default)]
    pub negation: Vec<String>,
    /// Terms that, anywhere in the sentence, lift the negation: "unless you
    /// agree, none of our partners will follow you".
    #[serde(default)]
    pub negation_lifted_by: Vec<String>,
    /// A negation in the clause of any other term of an `all_of` group
    /// cancels the group too, not only one in the anchor's clause: in "we
    /// link your purchases, but not your visits to other sites" the scope
    /// is denied. For groups whose other terms are what is stated (where),
    /// not modifiers of it (when: "at any time, without…").
    #[serde(default)]
    pub negation_reaches_all_terms: bool,
    /// Outcome statements (implied consent): an anchor counts only when the
    /// nearest clause stating an outcome (its own, then those after it,
    /// then those before it) states one of these...
    #[serde(default)]
    pub outcome_yes: Vec<String>,
    /// ...and none of these, which outweigh `outcome_yes` in a clause.
    #[serde(default)]
    pub outcome_no: Vec<String>,
    /// Terms whose matches are blanked out of the sentence before this
    /// statement is judged: the "improve" of "to improve your experience"
    /// names no purpose, though "improve" alone may ("to improve our
    /// products with audience statistics").
    #[serde(default)]
    pub mask: Vec<String>,
}

impl StatementDef {
    fn terms(&self) -> impl Iterator<Item = &String> {
        self.phrases
            .iter()
            .chain(self.all_of.iter().flatten())
            .chain(&self.veto)
            .chain(&self.negation)
            .chain(&self.negation_lifted_by)
            .chain(&self.outcome_yes)
            .chain(&self.outcome_no)
            .chain(&self.mask)
    }
}

/// A [`StatementDef`] with its terms as indices of [`Recogniser::terms`].
#[derive(Debug)]
struct Statement {
    phrases: Vec<usize>,
    all_of: Vec<Vec<usize>>,
    veto: Vec<usize>,
    negation: Vec<usize>,
    negation_lifted_by: Vec<usize>,
    negation_reaches_all_terms: bool,
    outcome_yes: Vec<usize>,
    outcome_no: Vec<usize>,
    mask: Vec<usize>,
}

/// One statement found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementHit {
    /// The language whose words made it.
    pub language: String,
    /// The sentence that decided, in its original case.
    pub sentence: String,
    /// The anchor words of every hit in the text, normalised, distinct, in
    /// text order (the purposes named, for instance).
    pub phrases: Vec<String>,
}

/// The compiled recogniser.
#[derive(Debug)]
pub struct Recogniser {
    abbreviations: BTreeSet<String>,
    clause_breaks: Vec<usize>,
    negation_exceptions: Vec<usize>,
    dependent_clauses: Vec<usize>,
    statements: Vec<(String, Statement)>,
    /// Every term used, compiled over all languages, by name.
    terms: Vec<(String, PatternGroup)>,
    /// The literals of every term's patterns: which can match a sentence.
    index: LiteralIndex,
    /// The language bit of every pattern of every term.
    pattern_langs: Vec<Vec<Langs>>,
    /// Language names, indexed like the bits of a language mask.
    languages: Vec<String>,
}

/// The hits of every statement in one sentence: `(language, anchor
/// words)` by index of [`Recogniser::statements`], statements without
/// hits left out.
type SentenceHits = Vec<(usize, Vec<(String, String)>)>;

/// Which patterns of every term match one normalised text.
struct Found {
    /// By term: indices of its matching patterns, in file order.
    patterns: Vec<Vec<usize>>,
    /// By term: the languages of those patterns.
    langs: Vec<Langs>,
}

/// A set of languages, as bits of [`Recogniser::languages`].
type Langs = u64;

/// One sentence of a text: its original words and its normalised form.
pub struct Sentence {
    /// As written, white space collapsed.
    pub original: String,
    /// [`normalise`]d: what patterns match.
    pub norm: String,
}

impl Recogniser {
    /// Compile `file` against the lexicons' terms: `concepts` holds
    /// `(language, concept, patterns)` and `text` the `[text]` lists as
    /// `(language, key, patterns)`.
    pub(crate) fn new(
        file: StatementsFile,
        languages: &[String],
        concepts: &[(String, String, Vec<String>)],
        text: &[(String, String, Vec<String>)],
    ) -> Result<Self> {
        if languages.len() > Langs::BITS as usize {
            bail!("at most {} lexicons are supported", Langs::BITS);
        }
        let known_concepts: BTreeSet<&str> = concepts.iter().map(|(_, c, _)| c.as_str()).collect();
        let mut used: BTreeSet<String> = file
            .clause_breaks
            .iter()
            .chain(&file.negation_exceptions)
            .chain(&file.dependent_clauses)
            .cloned()
            .collect();
        for (name, def) in &file.statement {
            if def.phrases.is_empty() && def.all_of.is_empty() {
                bail!("rules/statements.toml: statement `{name}` has neither phrases nor all_of");
            }
            if def.all_of.iter().any(Vec::is_empty) {
                bail!("rules/statements.toml: statement `{name}` has an empty all_of group");
            }
            if def.outcome_yes.is_empty() != def.outcome_no.is_empty() && def.outcome_yes.is_empty()
            {
                bail!(
                    "rules/statements.toml: statement `{name}` has outcome_no without outcome_yes"
                );
            }
            used.extend(def.terms().cloned());
        }
        let mut terms = Vec::new();
        for term in &used {
            let patterns: Vec<(String, String)> = if let Some(key) = term.strip_prefix("text.") {
                text.iter()
                    .filter(|(_, k, _)| k == key)
                    .flat_map(|(l, _, ps)| ps.iter().map(move |p| (l.clone(), p.clone())))
                    .collect()
            } else {
                // A concept no lexicon defines yet is allowed (languages are
                // added one by one), but a misspelt name is not: the name
                // must be defined by at least one lexicon.
                if !known_concepts.contains(term.as_str()) {
                    bail!("rules/statements.toml: concept `{term}` is defined by no lexicon");
                }
                concepts
                    .iter()
                    .filter(|(_, c, _)| c == term)
                    .flat_map(|(l, _, ps)| ps.iter().map(move |p| (l.clone(), p.clone())))
                    .collect()
            };
            let group = PatternGroup::lazy(&format!("concepts.{term}"), patterns)?;
            terms.push((term.clone(), group));
        }
        // `used` is ordered, so `terms` is too.
        let id = |t: &String| {
            terms
                .binary_search_by(|(n, _)| n.cmp(t))
                .expect("every term used is compiled")
        };
        let ids = |ts: &[String]| ts.iter().map(id).collect::<Vec<_>>();
        let statements = file
            .statement
            .iter()
            .map(|(name, def)| {
                let statement = Statement {
                    phrases: ids(&def.phrases),
                    all_of: def.all_of.iter().map(|g| ids(g)).collect(),
                    veto: ids(&def.veto),
                    negation: ids(&def.negation),
                    negation_lifted_by: ids(&def.negation_lifted_by),
                    negation_reaches_all_terms: def.negation_reaches_all_terms,
                    outcome_yes: ids(&def.outcome_yes),
                    outcome_no: ids(&def.outcome_no),
                    mask: ids(&def.mask),
                };
                (name.clone(), statement)
            })
            .collect();
        let lang_bit = |lang: &str| {
            languages
                .iter()
                .position(|l| l == lang)
                .map(|i| 1 << i)
                .unwrap_or(0)
        };
        let pattern_langs = terms
            .iter()
            .map(|(_, g)| g.languages.iter().map(|l| lang_bit(l)).collect())
            .collect();
        let index = LiteralIndex::new(terms.iter().map(|(_, g)| g))?;
        Ok(Recogniser {
            index,
            abbreviations: file.abbreviations.into_iter().collect(),
            clause_breaks: ids(&file.clause_breaks),
            negation_exceptions: ids(&file.negation_exceptions),
            dependent_clauses: ids(&file.dependent_clauses),
            statements,
            terms,
            pattern_langs,
            languages: languages.to_vec(),
        })
    }

    /// Does a veto of statement `name` stand in the normalised sentence
    /// `norm`, in a language the sentence is read in? A number of partners
    /// counts only where the partners statement could stand: "more than 500
    /// partners accept our gift card in store" states no data partner.
    /// `language`, when known, is the text's (see
    /// [`Recogniser::recognise_in`]).
    pub fn vetoed_in(&self, name: &str, norm: &str, language: Option<&str>) -> bool {
        let Some((_, def)) = self.statements.iter().find(|(n, _)| n == name) else {
            return false;
        };
        if def.veto.is_empty() {
            return false;
        }
        let found = self.find(norm);
        self.vetoes(def, &found, self.dominant(&found, self.bit(language)))
    }

    /// Does a veto of `def` match in any of the `allowed` languages?
    fn vetoes(&self, def: &Statement, found: &Found, allowed: Langs) -> bool {
        def.veto.iter().any(|&t| found.langs[t] & allowed != 0)
    }

    /// Names of the statements, in file order.
    pub fn statement_names(&self) -> impl Iterator<Item = &str> {
        self.statements.iter().map(|(n, _)| n.as_str())
    }

    /// Can statement `name` be recognised in `language`: does its lexicon
    /// hold a phrase list of it, or every term of one of its groups?
    pub fn covers(&self, name: &str, language: &str) -> bool {
        let Some((_, def)) = self.statements.iter().find(|(n, _)| n == name) else {
            return false;
        };
        let has = |&t: &usize| self.terms[t].1.languages.iter().any(|l| l == language);
        def.phrases.iter().any(has) || def.all_of.iter().any(|g| g.iter().all(has))
    }

    /// Which patterns of every term match `norm`: exactly those
    /// [`PatternGroup::matching`] finds, term by term, but only the
    /// candidates of the literal index are run (see `prefilter`).
    fn find(&self, norm: &str) -> Found {
        let mut found = Found {
            patterns: vec![Vec::new(); self.terms.len()],
            langs: vec![0; self.terms.len()],
        };
        let mut add = |t: usize, i: usize| {
            found.patterns[t].push(i);
            found.langs[t] |= self.pattern_langs[t][i];
        };
        let candidates = self.index.candidates(norm);
        for (t, ((_, g), candidates)) in self.terms.iter().zip(candidates).enumerate() {
            for i in candidates {
                if g.is_match(i, norm) {
                    add(t, i);
                }
            }
        }
        found
    }

    /// Byte ranges of the matches of `term` in `norm`, in language `l`.
    fn spans(&self, term: usize, l: usize, norm: &str, found: &Found) -> Vec<Range<usize>> {
        let g = &self.terms[term].1;
        let mut out: Vec<Range<usize>> = found.patterns[term]
            .iter()
            .filter(|&&i| self.pattern_langs[term][i] == 1 << l)
            .flat_map(|&i| g.regex(i).find_iter(norm).map(|m| m.range()))
            .collect();
        out.sort_by_key(|r| (r.start, r.end));
        out
    }

    /// Spans of `term` in language `l`, over several terms.
    fn spans_of(&self, terms: &[usize], l: usize, norm: &str, found: &Found) -> Vec<Range<usize>> {
        terms
            .iter()
            .flat_map(|&t| self.spans(t, l, norm, found))
            .collect()
    }

    /// `norm` with every match of `terms`, in any language, replaced by
    /// spaces of the same length (byte offsets are kept).
    fn blank(&self, terms: &[usize], norm: &str, found: &Found) -> String {
        let mut out = norm.to_string();
        for &t in terms {
            let g = &self.terms[t].1;
            for &i in &found.patterns[t] {
                for m in g.regex(i).find_iter(norm) {
                    out.replace_range(m.range(), &" ".repeat(m.len()));
                }
            }
        }
        out
    }

    /// The clauses of a normalised sentence: cut at commas, semicolons,
    /// colons, brackets, dashes and the clause-break terms of language `l`.
    fn clauses(&self, norm: &str, l: usize, found: &Found) -> Vec<Range<usize>> {
        let mut cuts: Vec<Range<usize>> = norm
            .char_indices()
            .filter(|(_, c)| matches!(c, ',' | ';' | ':' | '(' | ')' | '–' | '—' | '"' | '«' | '»'))
            .map(|(i, c)| i..i + c.len_utf8())
            .collect();
        cuts.extend(self.spans_of(&self.clause_breaks, l, norm, found));
        cuts.sort_by_key(|r| r.start);
        let mut out = Vec::new();
        let mut from = 0;
        for cut in cuts {
            if cut.start >= from {
                out.push(from..cut.start);
                from = cut.end;
            }
        }
        out.push(from..norm.len());
        out
    }

    /// Recognise every statement in `text`: for each, the first sentence
    /// that makes it. Every lexicon is tried; concepts combine only within
    /// one language.
    pub fn recognise(&self, text: &str) -> BTreeMap<String, StatementHit> {
        self.recognise_sentences(&self.sentences(text), None)
    }

    /// [`Recogniser::recognise`] in a text known to be in `language` (a
    /// banner's or a page's guessed language): each sentence is read in
    /// that language too, whenever its words are there, besides the
    /// languages matching the most terms. A brand or a loanword shared
    /// with another lexicon ("Microsoft Advertising", "partner", "cookies")
    /// can give that lexicon as many terms as the sentence's own, or more;
    /// the sentence would then not be read in its own language at all.
    pub fn recognise_in(&self, text: &str, language: &str) -> BTreeMap<String, StatementHit> {
        self.recognise_sentences(&self.sentences(text), Some(language))
    }

    /// The bit of `language`, or none.
    fn bit(&self, language: Option<&str>) -> Langs {
        language
            .and_then(|l| self.languages.iter().position(|x| x == l))
            .map_or(0, |i| 1 << i)
    }

    /// [`Recogniser::recognise`] over a text already cut into sentences.
    /// A sentence is judged once however often it recurs (notices and
    /// vendor lists repeat theirs): the hits depend on its normalised form
    /// alone.
    /// `language`, when known, is the text's (see
    /// [`Recogniser::recognise_in`]).
    pub fn recognise_sentences(
        &self,
        sentences: &[Sentence],
        language: Option<&str>,
    ) -> BTreeMap<String, StatementHit> {
        let own = self.bit(language);
        let mut found: BTreeMap<String, StatementHit> = BTreeMap::new();
        let mut judged: HashMap<&str, SentenceHits> = HashMap::new();
        for sentence in sentences {
            let hits = judged
                .entry(&sentence.norm)
                .or_insert_with(|| self.judge_sentence(&sentence.norm, own));
            for (k, hits) in hits.iter() {
                let name = &self.statements[*k].0;
                let entry = found.entry(name.clone()).or_insert_with(|| StatementHit {
                    language: hits[0].0.clone(),
                    sentence: cut(&sentence.original),
                    phrases: Vec::new(),
                });
                for (_, phrase) in hits {
                    if !entry.phrases.contains(phrase) {
                        entry.phrases.push(phrase.clone());
                    }
                }
            }
        }
        found
    }

    /// The hits of every statement in one normalised sentence, by index of
    /// [`Recogniser::statements`], statements without hits left out.
    fn judge_sentence(&self, norm: &str, own: Langs) -> SentenceHits {
        let matched = self.find(norm);
        let allowed = self.dominant(&matched, own);
        let mut out = Vec::new();
        for (k, (_, def)) in self.statements.iter().enumerate() {
            // A mask that blanks nothing leaves the sentence as matched.
            let masked = (!def.mask.is_empty())
                .then(|| self.blank(&def.mask, norm, &matched))
                .filter(|masked| masked != norm);
            let hits = match masked {
                None => self.judge(def, norm, allowed, own, &matched),
                Some(masked) => self.judge(def, &masked, allowed, own, &self.find(&masked)),
            };
            if !hits.is_empty() {
                out.push((k, hits));
            }
        }
        out
    }

    /// The languages a sentence is read in: those matching the most terms.
    /// A sentence in one language is not read in another whose words it
    /// happens to share ("partners", "data", "cross-site"): there, the
    /// negations of its own language would go unseen. The text's own
    /// language (`own`, a bit or 0) is read too whenever it matches a term.
    fn dominant(&self, found: &Found, own: Langs) -> Langs {
        let mut counts = vec![0usize; self.languages.len()];
        for &langs in &found.langs {
            for l in bits(langs) {
                counts[l] += 1;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        if max == 0 {
            return 0;
        }
        let present = found.langs.iter().fold(0, |m, &l| m | l);
        counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n == max)
            .fold(own & present, |m, (i, _)| m | (1 << i))
    }

    /// The hits of one statement in one normalised sentence, as
    /// `(language, anchor words)`, in the `allowed` languages; `own` is the
    /// text's language (a bit, or 0).
    fn judge(
        &self,
        def: &Statement,
        norm: &str,
        allowed: Langs,
        own: Langs,
        found: &Found,
    ) -> Vec<(String, String)> {
        // Candidate anchors: (language, term, the other terms of its
        // `all_of` group) triples.
        let mut anchors: Vec<(usize, usize, &[usize])> = Vec::new();
        for &term in &def.phrases {
            let mask = found.langs[term];
            for l in bits(mask) {
                anchors.push((l, term, &[]));
            }
        }
        for group in &def.all_of {
            let mut mask = Langs::MAX;
            for &term in group {
                mask &= found.langs[term];
                if mask == 0 {
                    break;
                }
            }
            for l in bits(mask) {
                anchors.push((l, group[0], &group[1..]));
            }
        }
        if anchors.is_empty() {
            return Vec::new();
        }
        // A sentence read in several languages is judged in each. A veto
        // in any of them keeps it from counting. When the text's own
        // language reads the combination, its verdict decides: it knows
        // its own negations ("no" is Spanish for "not" but Portuguese for
        // "in the"). Otherwise the most cautious reading wins: one that
        // finds the combination but denies it cancels the others: in the
        // Dutch "gegevens niet met andere Google-diensten worden gedeeld",
        // four other lexicons read the words but not the Dutch "niet".
        if self.vetoes(def, found, allowed) {
            return Vec::new();
        }
        let mut out: Vec<(String, String)> = Vec::new();
        let mut read: Langs = 0;
        let mut held: Langs = 0;
        for (l, term, companions) in anchors {
            if allowed & (1 << l) == 0 {
                continue;
            }
            read |= 1 << l;
            let lang = &self.languages[l];
            let spans = self.spans(term, l, norm, found);
            let clauses = self.clauses(norm, l, found);
            let clause_of = |pos: usize| {
                clauses
                    .iter()
                    .position(|c| c.contains(&pos) || c.end == pos)
                    .unwrap_or(0)
            };
            let lifted = def
                .negation_lifted_by
                .iter()
                .any(|&t| found.langs[t] & (1 << l) != 0);
            let negations = if lifted || def.negation.is_empty() {
                Vec::new()
            } else {
                let except = self.spans_of(&self.negation_exceptions, l, norm, found);
                let mut n = self.spans_of(&def.negation, l, norm, found);
                n.retain(|s| !except.iter().any(|e| e.start <= s.start && s.end <= e.end));
                n
            };
            // A clause is negated by a negation of its own or, when it
            // follows a comma and depends on the clause before it, by one
            // of that clause.
            let mut negated_clauses = vec![false; clauses.len()];
            if !negations.is_empty() {
                for c in 0..clauses.len() {
                    let range = clauses[c].clone();
                    negated_clauses[c] = negations.iter().any(|n| clause_of(n.start) == c)
                        || (c > 0
                            && negated_clauses[c - 1]
                            && norm[..range.start].ends_with(',')
                            && self.depends(&norm[range], l));
                }
            }
            let negated = |clause: usize| negated_clauses[clause];
            // The other words of a combination must hold too: in "we link
            // your purchases, but not your visits to other sites", the
            // scope is denied, and the tracking word alone says nothing of
            // other sites.
            // Without a negation every clause holds: no spans to look up.
            let companions_hold = !def.negation_reaches_all_terms
                || negations.is_empty()
                || companions.iter().all(|&t| {
                    self.spans(t, l, norm, found)
                        .iter()
                        .any(|s| !negated(clause_of(s.start)))
                });
            for span in spans {
                let k = clause_of(span.start);
                let holds = if def.outcome_yes.is_empty() {
                    !negated(k) && companions_hold
                } else {
                    self.outcome(def, norm, l, &clauses, k, &negated)
                };
                if holds {
                    held |= 1 << l;
                    let phrase = norm[span].to_string();
                    if !out.iter().any(|(_, p)| *p == phrase) {
                        out.push((lang.clone(), phrase));
                    }
                }
            }
        }
        let decided = if read & own != 0 {
            held & own != 0
        } else {
            held == read
        };
        if !decided {
            return Vec::new();
        }
        out
    }

    /// Does `clause` (its text alone) depend on the clause before it, in
    /// language `l`?
    fn depends(&self, clause: &str, l: usize) -> bool {
        self.dependent_clauses
            .iter()
            .any(|&t| self.matches_in(t, l, clause))
    }

    /// Does a pattern of `term` in language `l` match `text`?
    fn matches_in(&self, term: usize, l: usize, text: &str) -> bool {
        self.terms[term]
            .1
            .matching(text)
            .any(|i| self.pattern_langs[term][i] == 1 << l)
    }

    /// Does the nearest clause stating an outcome, from clause `k` (its
    /// own, then those after it, then those before it), state consent?
    fn outcome(
        &self,
        def: &Statement,
        norm: &str,
        l: usize,
        clauses: &[Range<usize>],
        k: usize,
        negated: &dyn Fn(usize) -> bool,
    ) -> bool {
        let order = std::iter::once(k)
            .chain(k + 1..clauses.len())
            .chain((0..k).rev());
        for c in order {
            let clause = &norm[clauses[c].clone()];
            let any = |terms: &[usize]| terms.iter().any(|&t| self.matches_in(t, l, clause));
            if any(&def.outcome_no) {
                return false;
            }
            if any(&def.outcome_yes) {
                return !negated(c);
            }
        }
        false
    }

    /// Split `text` into sentences: at `.` `!` `?` `…` followed by white
    /// space and a capital, digit, quote or bullet (or the end), except
    /// after a single letter or a listed abbreviation; at line breaks; at
    /// bullets.
    pub fn sentences(&self, text: &str) -> Vec<Sentence> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut out = Vec::new();
        let mut from = 0;
        let push = |from: usize, to: usize, out: &mut Vec<Sentence>| {
            let original = collapse_whitespace(&text[from..to]);
            let original = original
                .trim_matches(|c: char| c.is_whitespace() || is_bullet(c))
                .to_string();
            if original.chars().any(char::is_alphanumeric) {
                let norm = normalise(&original);
                out.push(Sentence { original, norm });
            }
        };
        for (k, &(i, c)) in chars.iter().enumerate() {
            if c == '\n' || c == '\r' || is_bullet(c) {
                push(from, i, &mut out);
                from = i + c.len_utf8();
                continue;
            }
            if !matches!(c, '.' | '!' | '?' | '…' | '。') {
                continue;
            }
            // Closing quotes and brackets stay with the sentence.
            let mut j = k + 1;
            while j < chars.len() && matches!(chars[j].1, '"' | '\'' | '»' | '”' | ')' | '’') {
                j += 1;
            }
            let end = chars.get(j).map(|(b, _)| *b).unwrap_or(text.len());
            if j < chars.len() && !chars[j].1.is_whitespace() {
                continue;
            }
            let next = chars[j..]
                .iter()
                .map(|(_, c)| *c)
                .find(|c| !c.is_whitespace());
            let starts_sentence = match next {
                None => true,
                Some(n) => {
                    n.is_uppercase()
                        || n.is_numeric()
                        || is_bullet(n)
                        || matches!(
                            n,
                            '"' | '«' | '“' | '„' | '\'' | '(' | '[' | '¿' | '¡' | '-'
                        )
                }
            };
            if !starts_sentence {
                continue;
            }
            if c == '.' {
                let word: String = chars[..k]
                    .iter()
                    .rev()
                    .map(|(_, c)| *c)
                    .take_while(|c| c.is_alphanumeric() || *c == '.')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let lower = word.to_lowercase();
                let single_letter =
                    word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
                if single_letter || self.abbreviations.contains(&lower) {
                    continue;
                }
            }
            push(from, end, &mut out);
            from = end;
        }
        push(from, text.len(), &mut out);
        out
    }
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '▪' | '◦' | '‣' | '●' | '■' | '►' | '▶' | '✓' | '✔' | '☑' | '⁃'
    )
}

/// The indices of the set bits of `mask`.
fn bits(mask: Langs) -> impl Iterator<Item = usize> {
    (0..Langs::BITS as usize).filter(move |i| mask & (1 << i) != 0)
}

/// A sentence cut to 300 characters, as evidence.
fn cut(sentence: &str) -> String {
    if sentence.chars().count() <= 300 {
        return sentence.to_string();
    }
    let s: String = sentence.chars().take(299).collect();
    format!("{}…", s.trim_end())
}

/// Parse `rules/statements.toml`.
pub fn parse(text: &str, origin: &str) -> Result<StatementsFile> {
    toml::from_str(text).with_context(|| format!("{origin}: invalid statements file"))
}

#[cfg(test)]
mod tests {
    use crate::knowledge::Lexicons;
    use std::sync::OnceLock;

    /// Every term has its fast set: a term whose patterns without word
    /// boundaries do not compile together (too large, or `\b?`) is matched
    /// on accented text by the slow engine, at about a millisecond per
    /// sentence, and a campaign slows down by a third.
    #[test]
    fn every_term_has_its_fast_set() {
        let lex = lex();
        let slow: Vec<String> = lex
            .statements
            .terms
            .iter()
            .filter_map(|(name, g)| g.loose_error().map(|e| format!("{name}: {e}")))
            .collect();
        assert!(slow.is_empty(), "{slow:#?}");
    }

    /// The fast way of finding which patterns of a term match (loose set,
    /// then confirmation) finds exactly what the exact set finds, for
    /// every term, on a seventh of the statements corpus.
    #[test]
    fn fast_matching_agrees_with_exact_matching_on_the_corpus() {
        let sentences = corpus_sentences();
        // A sample across all languages: the exact way is slow in a debug
        // build, and the corpus holds some 16,000 sentences.
        let sample: Vec<&String> = sentences.iter().step_by(SAMPLE_STEP * 7).collect();
        for (term, group) in &lex().statements.terms {
            for s in &sample {
                let fast: Vec<usize> = group.matching(s).collect();
                assert_eq!(fast, group.exact(s), "{term}: {s}");
            }
        }
    }

    /// The literal index leaves no matching pattern out: what the
    /// recogniser finds is what each term's patterns find, for every term,
    /// on the sentences of the statements corpus, held-out ones included
    /// (every one in an optimised build).
    #[test]
    fn prefiltered_finding_agrees_with_the_pattern_sets_on_the_corpus() {
        let r = &lex().statements;
        let sentences = corpus_sentences();
        for s in sentences.iter().step_by(SAMPLE_STEP) {
            let found = r.find(s);
            for (t, (term, group)) in r.terms.iter().enumerate() {
                let all: Vec<usize> = group.matching(s).collect();
                assert_eq!(found.patterns[t], all, "{term}: {s}");
            }
        }
    }

    /// The language guess counts, through the literal index, exactly the
    /// clues the groups' whole sets find: on the statements corpus, cut
    /// into texts of about 2 kB, as a banner or a page's start is.
    #[test]
    fn indexed_language_guess_agrees_with_the_sets_on_the_corpus() {
        let lex = lex();
        let sentences = corpus_sentences();
        let mut text = String::new();
        for s in sentences.iter().step_by(SAMPLE_STEP) {
            text.push_str(s);
            text.push(' ');
            if text.len() > 2000 {
                assert_eq!(
                    lex.guess_counts(&text),
                    lex.guess_counts_by_sets(&text),
                    "{text}"
                );
                text.clear();
            }
        }
    }

    /// A sentence is read in its text's language even when a brand another
    /// lexicon names gives that lexicon more terms; its denials still hold
    /// there, and a sentence in another language is still read in its own.
    #[test]
    fn a_sentence_is_read_in_its_text_language_too() {
        let r = &lex().statements;
        let hit = r.recognise_in(
            "„Microsoft Advertising“ partneriai gali jus atpažinti kitose svetainėse.",
            "lt",
        );
        assert_eq!(
            hit.get("cross_site").map(|h| h.language.as_str()),
            Some("lt")
        );
        for denial in [
            "„Microsoft Advertising“ partneriai negali jūsų atpažinti kitose svetainėse.",
            "„Microsoft Advertising“ partneriai niekada neatpažįsta jūsų kitose svetainėse.",
        ] {
            assert!(
                !r.recognise_in(denial, "lt").contains_key("cross_site"),
                "{denial}"
            );
        }
        assert!(!r
            .recognise_in("We never track you on other websites.", "fr")
            .contains_key("cross_site"));
        assert!(r
            .recognise_in("Our partners track you on other websites.", "fr")
            .contains_key("cross_site"));
    }

    /// A sentence read in several languages: the text's own language
    /// decides when it reads the combination; otherwise a reading that
    /// finds the combination but denies it cancels the others.
    #[test]
    fn a_denial_in_the_text_language_or_any_reading_cancels_the_statement() {
        let r = &lex().statements;
        let partners = |text: &str, own: Option<&str>| {
            r.recognise_sentences(&r.sentences(text), own)
                .contains_key("partners")
        };
        // Dutch "niet" denies the sharing; Czech, Croatian, Polish and
        // Portuguese read the words too, without their denial.
        let dutch = "We hebben Google Analytics zo ingesteld dat het IP-adres wordt ingekort \
                     en gegevens niet met andere Google-diensten worden gedeeld.";
        assert!(!partners(dutch, Some("nl")));
        assert!(!partners(dutch, None));
        // Portuguese "no" is "in the", Spanish "no" is "not": in a
        // Portuguese text the Portuguese reading decides.
        let portuguese = "Os anunciantes e intermediários podem seguir o comportamento do \
                          utilizador em toda a internet através de identificadores únicos \
                          guardados no navegador.";
        assert!(partners(portuguese, Some("pt")));
        assert!(!partners(portuguese, None));
    }

    /// Every how many corpus sentences the agreement tests check: all of
    /// them in an optimised build, every third in a debug one (where the
    /// pattern sets run some twenty times slower).
    const SAMPLE_STEP: usize = if cfg!(debug_assertions) { 3 } else { 1 };

    /// Every sentence of `tests/statements/` and `tests/statements/held/`,
    /// normalised.
    fn corpus_sentences() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/statements");
        let mut sentences = Vec::new();
        for dir in [dir.clone(), dir.join("held")] {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                if e.path().extension().is_some_and(|x| x == "tsv") {
                    let text = std::fs::read_to_string(e.path()).unwrap();
                    sentences.extend(
                        text.lines()
                            .filter(|l| !l.starts_with('#'))
                            .filter_map(|l| l.splitn(4, '\t').nth(3))
                            .map(crate::knowledge::lexicon::normalise),
                    );
                }
            }
        }
        assert!(sentences.len() > 1000);
        sentences
    }

    /// Does `text` state tracking on other sites?
    fn says_cross_site(text: &str) -> bool {
        lex().statements.recognise(text).contains_key("cross_site")
    }

    fn lex() -> &'static Lexicons {
        static LEX: OnceLock<Lexicons> = OnceLock::new();
        LEX.get_or_init(|| Lexicons::builtin().unwrap())
    }

    fn split(text: &str) -> Vec<String> {
        lex()
            .statements
            .sentences(text)
            .into_iter()
            .map(|s| s.original)
            .collect()
    }

    #[test]
    fn sentences_end_at_stops_before_a_capital() {
        assert_eq!(
            split("We use cookies. They help us.  Is that OK? Yes!"),
            ["We use cookies.", "They help us.", "Is that OK?", "Yes!"]
        );
        // Numbers, abbreviations, initials and lower-case words do not end one.
        assert_eq!(
            split("Subscribe for €1.99 a month, e.g. via the app. Cookies expire after approx. 13 months."),
            [
                "Subscribe for €1.99 a month, e.g. via the app.",
                "Cookies expire after approx. 13 months."
            ]
        );
        assert_eq!(
            split("Gemäß Art. 6 Abs. 1 lit. f DSGVO, z.B. Reichweitenmessung. Dr. Müller ist DSB."),
            [
                "Gemäß Art. 6 Abs. 1 lit. f DSGVO, z.B. Reichweitenmessung.",
                "Dr. Müller ist DSB."
            ]
        );
        // Near miss: a period before a capital after an ordinary word does end it.
        assert_eq!(
            split("Voir la liste. Nos partenaires"),
            ["Voir la liste.", "Nos partenaires"]
        );
    }

    #[test]
    fn bullets_and_lines_are_sentences() {
        assert_eq!(
            split("Purposes:\n• Audience measurement\n• Personalised ads ▪ Social media"),
            [
                "Purposes:",
                "Audience measurement",
                "Personalised ads",
                "Social media"
            ]
        );
        assert_eq!(split("  \n • \n"), Vec::<String>::new());
    }

    #[test]
    fn negation_scopes_its_clause_and_conditions_lift_it() {
        let has = says_cross_site;
        assert!(has("Our partners track you on other websites."));
        assert!(!has("Our partners never track you on other websites."));
        assert!(!has("Nous ne vous suivons pas sur d'autres sites."));
        // The negation stands in another clause than the tracking.
        assert!(has(
            "We do not sell your data, but our partners track you on other websites."
        ));
        // A condition lifts it.
        assert!(has(
            "Unless you agree, our partners will not track you on other websites."
        ));
        // Veto: the publisher's own sites.
        assert!(!has(
            "Nous vous reconnaissons sur nos autres sites du groupe."
        ));
        // Concepts of different languages do not combine.
        assert!(!has("Wir verfolgen d'autres sites."));
    }

    #[test]
    fn a_denied_scope_does_not_combine_with_the_tracking_word() {
        let has = says_cross_site;
        // The scope stands in a negated clause: nothing is said of other
        // sites.
        assert!(!has(
            "We link your purchases to your account, but not your visits to other websites."
        ));
        assert!(!has(
            "Nos cookies mesurent votre parcours sur notre site, mais jamais sur d'autres sites."
        ));
        // Near misses: the same sentences where the scope stands in a
        // clause of its own that is not negated.
        assert!(has(
            "We do not sell your data, but our partners track you on other websites."
        ));
        assert!(has(
            "We link your purchases to your account, and our partners track your visits to other websites."
        ));
    }

    #[test]
    fn negation_reaches_a_dependent_clause_after_a_comma() {
        let has = says_cross_site;
        // A zu-infinitive or a relative clause after a comma depends on the
        // negated clause before it.
        assert!(!has(
            "Diese Cookies können nicht dazu verwendet werden, Sie auf anderen Websites zu verfolgen."
        ));
        assert!(!has(
            "Ihre Daten werden nicht genutzt, um Ihnen auf anderen Websites Werbung anzuzeigen."
        ));
        assert!(!has(
            "Wir geben keine Kennung weiter, mit der man Sie auf anderen Websites wiedererkennen könnte."
        ));
        // Near misses: the same clauses without a negation before them; a
        // main clause after a negated one; a clause after a contrast word,
        // not a comma; a condition lifting the negation.
        assert!(has(
            "Diese Cookies werden dazu verwendet, Sie auf anderen Websites zu verfolgen."
        ));
        assert!(has(
            "Wenn Sie nicht ablehnen, verfolgen unsere Partner Sie auf anderen Websites."
        ));
        assert!(has(
            "Wir verkaufen keine Daten aber die Partner verfolgen Sie auf anderen Websites."
        ));
        assert!(has(
            "Ohne Ihre Einwilligung werden Ihre Daten nicht genutzt, um Sie auf anderen Websites zu verfolgen."
        ));
    }

    #[test]
    fn evidence_is_the_original_sentence() {
        let found = lex()
            .statements
            .recognise("Welcome! OUR PARTNERS TRACK YOU ACROSS THE WEB. Thanks.");
        assert_eq!(
            found["cross_site"].sentence,
            "OUR PARTNERS TRACK YOU ACROSS THE WEB."
        );
        assert_eq!(found["cross_site"].language, "en");
    }
}
