//! A literal prefilter over many pattern groups: which patterns can match a
//! text at all, found with one Aho-Corasick scan.
//!
//! Why: the statement recogniser matches each sentence against every term
//! of every lexicon, a few thousand patterns in some eighty groups. Run as
//! regex sets, each group builds lazy-DFA states for every new sentence,
//! and on text whose sentences never repeat (a long privacy notice) that
//! determinisation is most of the time: about 350 ms for 100 kB. Almost
//! every pattern begins (or ends) with a word, and a sentence holds the
//! words of a few dozen patterns at most. So the words are found first, in
//! one pass over the sentence, and only the patterns whose words occur are
//! run, each as its own small regex.
//!
//! It is exact: a pattern is left out only when none of its literals
//! occurs, and every match of the pattern contains one of them (the
//! `regex-syntax` literal extractor's guarantee). A pattern without usable
//! literals (it may begin and end with `\w+`, say) is always a candidate.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use anyhow::{Context, Result};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::lexicon::PatternGroup;

/// The literals of several [`PatternGroup`]s, indexed for one scan.
#[derive(Debug)]
pub(crate) struct LiteralIndex {
    /// Every distinct literal; `None` when no pattern has any.
    scanner: Option<AhoCorasick>,
    /// By literal: the patterns it belongs to, as global pattern numbers,
    /// each with the end it stands for ([`PREFIX`] or [`SUFFIX`]).
    owners: Vec<Vec<(u32, u8)>>,
    /// By global pattern: the ends whose literals must all occur for it to
    /// be a candidate; 0 for a pattern without literals, a candidate on
    /// every text.
    required: Vec<u8>,
    /// Global patterns without literals.
    always: Vec<u32>,
    /// By group: the global number of its first pattern, and one past the
    /// last group's end.
    starts: Vec<usize>,
}

/// The bit of a pattern's prefix literals, and of its suffix literals.
const PREFIX: u8 = 1;
const SUFFIX: u8 = 2;

impl LiteralIndex {
    /// Index the patterns of `groups`, in order.
    pub(crate) fn new<'a>(groups: impl IntoIterator<Item = &'a PatternGroup>) -> Result<Self> {
        let mut starts = vec![0];
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut required = Vec::new();
        let mut always = Vec::new();
        let mut global: u32 = 0;
        for group in groups {
            for pattern in group.patterns() {
                let ends = required_literals(pattern);
                let mut mask = 0;
                for (bit, lits) in ends {
                    mask |= bit;
                    for lit in lits {
                        let id = *ids.entry(lit.clone()).or_insert_with(|| {
                            literals.push(lit);
                            owners.push(Vec::new());
                            literals.len() - 1
                        });
                        if !owners[id].contains(&(global, bit)) {
                            owners[id].push((global, bit));
                        }
                    }
                }
                if mask == 0 {
                    always.push(global);
                }
                required.push(mask);
                global += 1;
            }
            starts.push(global as usize);
        }
        let scanner = if literals.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&literals).context("indexing the lexicons' literals")?)
        };
        Ok(LiteralIndex {
            scanner,
            owners,
            required,
            always,
            starts,
        })
    }

    /// By group: the indices (within the group, ascending) of the patterns
    /// that may match `text`. Every pattern that does match is among them.
    pub(crate) fn candidates(&self, text: &str) -> Vec<Vec<usize>> {
        // A sentence holds the literals of a few dozen patterns out of
        // thousands: collect those, rather than mark a flag per pattern.
        let mut literals: Vec<u32> = Vec::new();
        if let Some(scanner) = &self.scanner {
            literals.extend(
                scanner
                    .find_overlapping_iter(text)
                    .map(|m| m.pattern().as_u32()),
            );
        }
        literals.sort_unstable();
        literals.dedup();
        let mut ends: Vec<(u32, u8)> = literals
            .iter()
            .flat_map(|&l| self.owners[l as usize].iter().copied())
            .collect();
        ends.sort_unstable();
        // A pattern is a candidate when a literal of each of its ends
        // occurs: every match begins with one of its prefixes and ends
        // with one of its suffixes.
        let mut hits: Vec<u32> = self.always.clone();
        let mut k = 0;
        while k < ends.len() {
            let p = ends[k].0;
            let mut got = 0;
            while k < ends.len() && ends[k].0 == p {
                got |= ends[k].1;
                k += 1;
            }
            if got == self.required[p as usize] {
                hits.push(p);
            }
        }
        hits.sort_unstable();
        let mut out = vec![Vec::new(); self.starts.len().saturating_sub(1)];
        let mut group = 0;
        for g in hits {
            let g = g as usize;
            while g >= self.starts[group + 1] {
                group += 1;
            }
            out[group].push(g - self.starts[group]);
        }
        out
    }
}

/// Shortest literal of a second end worth requiring: a shorter one (`s`,
/// `es`) occurs in nearly every sentence, rules nothing out and costs a
/// scan hit at each occurrence.
const MIN_LITERAL: usize = 3;

/// The literal sets of `pattern`'s ends, each with its bit: every match
/// begins with one of its prefixes and ends with one of its suffixes. An
/// end counts when its literals are a finite set of non-empty strings;
/// of two ends, one whose shortest literal is under [`MIN_LITERAL`] bytes
/// is left out. Empty when neither end counts: the pattern is a candidate
/// on every text.
fn required_literals(pattern: &str) -> Vec<(u8, Vec<Vec<u8>>)> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let extract = |kind: ExtractKind| {
        let mut extractor = Extractor::new();
        extractor.kind(kind);
        let seq = extractor.extract(&hir);
        let lits = seq.literals()?;
        // An empty set means the pattern matches nothing; an empty literal
        // means it may match anywhere. Neither narrows the search safely.
        if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
            return None;
        }
        Some(
            lits.iter()
                .map(|l| l.as_bytes().to_vec())
                .collect::<Vec<_>>(),
        )
    };
    let shortest = |lits: &Vec<Vec<u8>>| lits.iter().map(Vec::len).min().unwrap_or(0);
    match (extract(ExtractKind::Prefix), extract(ExtractKind::Suffix)) {
        (Some(p), Some(s)) if shortest(&p) >= MIN_LITERAL && shortest(&s) >= MIN_LITERAL => {
            vec![(PREFIX, p), (SUFFIX, s)]
        }
        (Some(p), Some(s)) if shortest(&s) > shortest(&p) => vec![(SUFFIX, s)],
        (Some(p), _) => vec![(PREFIX, p)],
        (None, Some(s)) => vec![(SUFFIX, s)],
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(patterns: &[&str]) -> PatternGroup {
        PatternGroup::new(
            "test",
            patterns
                .iter()
                .map(|p| ("en".to_string(), p.to_string()))
                .collect(),
            &[],
        )
        .unwrap()
    }

    #[test]
    fn literals_come_from_both_ends_or_the_better_one() {
        let lits = |p: &str| {
            required_literals(p)
                .into_iter()
                .map(|(bit, l)| {
                    let mut l: Vec<String> = l
                        .into_iter()
                        .map(|b| String::from_utf8(b).unwrap())
                        .collect();
                    l.sort();
                    (bit, l)
                })
                .collect::<Vec<_>>()
        };
        // No usable suffix (`\w*`): the prefix alone.
        assert_eq!(
            lits(r"\b(?:track|follow)\w*"),
            vec![(PREFIX, vec!["follow".into(), "track".into()])]
        );
        // Both ends: a match needs a literal of each.
        assert_eq!(
            lits(r"\btrack\w* you on other (?:sites|apps)\b"),
            vec![
                (PREFIX, vec!["track".into()]),
                (
                    SUFFIX,
                    vec![" you on other apps".into(), " you on other sites".into()]
                )
            ]
        );
        // A second end too short to rule anything out is left out.
        assert_eq!(
            lits(r"\bpartner\w*s\b"),
            vec![(PREFIX, vec!["partner".into()])]
        );
        // No usable prefix: the suffix serves.
        assert_eq!(lits(r"\w+ sites\b"), vec![(SUFFIX, vec![" sites".into()])]);
        // Neither end: always a candidate.
        assert!(lits(r"\w+ \w+").is_empty());
        assert!(lits(r"(?:partners)?").is_empty());
    }

    #[test]
    fn candidates_hold_every_match_and_skip_absent_words() {
        let a = group(&[r"\btrack\w*", r"\bother (?:sites|websites)\b", r"\w+"]);
        let b = group(&[r"\bpartners?\b", r"\bacross the web\b"]);
        let index = LiteralIndex::new([&a, &b]).unwrap();
        assert_eq!(
            index.candidates("our partners track you on other websites"),
            vec![vec![0, 1, 2], vec![0]]
        );
        // `\w+` has no literal and is always a candidate.
        assert_eq!(index.candidates("nothing here"), vec![vec![2], vec![]]);
    }
}
