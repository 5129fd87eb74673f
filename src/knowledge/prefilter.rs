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
    /// By literal: the patterns it belongs to, as global pattern numbers.
    owners: Vec<Vec<u32>>,
    /// Global patterns without literals: candidates on every text.
    always: Vec<u32>,
    /// By group: the global number of its first pattern, and one past the
    /// last group's end.
    starts: Vec<usize>,
}

impl LiteralIndex {
    /// Index the patterns of `groups`, in order.
    pub(crate) fn new<'a>(groups: impl IntoIterator<Item = &'a PatternGroup>) -> Result<Self> {
        let mut starts = vec![0];
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        let mut global: u32 = 0;
        for group in groups {
            for pattern in group.patterns() {
                match required_literals(pattern) {
                    None => always.push(global),
                    Some(lits) => {
                        for lit in lits {
                            let id = *ids.entry(lit.clone()).or_insert_with(|| {
                                literals.push(lit);
                                owners.push(Vec::new());
                                literals.len() - 1
                            });
                            if owners[id].last() != Some(&global) {
                                owners[id].push(global);
                            }
                        }
                    }
                }
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
            always,
            starts,
        })
    }

    /// By group: the indices (within the group, ascending) of the patterns
    /// that may match `text`. Every pattern that does match is among them.
    pub(crate) fn candidates(&self, text: &str) -> Vec<Vec<usize>> {
        // A sentence holds the literals of a few dozen patterns out of
        // thousands: collect those, rather than mark a flag per pattern.
        let mut hits: Vec<u32> = self.always.clone();
        if let Some(scanner) = &self.scanner {
            for m in scanner.find_overlapping_iter(text) {
                hits.extend_from_slice(&self.owners[m.pattern().as_usize()]);
            }
        }
        hits.sort_unstable();
        hits.dedup();
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

/// Literals one of which every match of `pattern` contains: its prefixes or
/// its suffixes, whichever are the longer at their shortest. `None` when
/// neither are a finite set of non-empty strings.
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
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
        (Some(p), Some(s)) => Some(if shortest(&s) > shortest(&p) { s } else { p }),
        (p, s) => p.or(s),
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
    fn literals_come_from_the_better_end() {
        let lits = |p: &str| {
            required_literals(p).map(|l| {
                let mut l: Vec<String> = l
                    .into_iter()
                    .map(|b| String::from_utf8(b).unwrap())
                    .collect();
                l.sort();
                l
            })
        };
        assert_eq!(
            lits(r"\b(?:track|follow)\w*"),
            Some(vec!["follow".into(), "track".into()])
        );
        // No usable prefix: the suffix serves.
        assert_eq!(lits(r"\w+ sites\b"), Some(vec![" sites".into()]));
        // Neither end: always a candidate.
        assert_eq!(lits(r"\w+ \w+"), None);
        assert_eq!(lits(r"(?:partners)?"), None);
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
