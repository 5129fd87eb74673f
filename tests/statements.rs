//! The statement recogniser on an independent corpus.
//!
//! `tests/statements/<lang>.tsv` holds sentences, each marked as making a
//! statement (`yes`) or as a near miss with the same words and another
//! meaning (`no`): `statement<TAB>yes|no<TAB>origin<TAB>sentence`. Origin
//! `pre` marks sentences written before the recogniser was tuned: the honest
//! measure, never edited to make them pass.
//!
//! Every sentence is read with the built-in lexicons, all languages at once
//! (as a scan does). Precision and recall are printed per statement and per
//! language, for all sentences and for `pre` ones; the targets are asserted
//! on all sentences:
//! - in fr, en, de, es, it and nl: tracking on other sites, recall and
//!   precision >= 0.95; partners, purposes and withdrawal, precision >= 0.95;
//! - in any other language whose lexicon holds statement data (see
//!   `Lexicons::reads_statements`): tracking on other sites, recall and
//!   precision >= 0.85.
//!
//! `tests/statements/held/<lang>.tsv` holds held-out sentences (origin
//! `held`), written by another author after tuning, without sight of the
//! lexicons or of the tuning corpus: `held_out_corpus` prints their figures,
//! the honest measure, and holds them to floors. Never tune on them.
//!
//! `cargo test --test statements -- --nocapture` prints the figures;
//! `STATEMENTS_MISSES=xx` (a language code) also prints that language's
//! wrong readings (`held` for the held-out sentences).
//!
//! The lexicons are read from the checkout's `rules/` at run time, so a
//! lexicon change is measured by running the built binary again
//! (`target/release/deps/statements-*`), without a rebuild;
//! `BAROMETER_CHECKOUT=DIR` measures another work tree's rules and corpus.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use barometer::knowledge::lexicon::{normalise, BUILTIN_LANGUAGES};
use barometer::knowledge::Lexicons;

use common::{checkout, lexicons};

const STATEMENTS: [&str; 7] = [
    "cross_site",
    "partners",
    "purposes",
    "withdraw",
    "implied_consent",
    "legitimate_interest",
    "paid_alternative",
];

struct Case {
    statement: String,
    yes: bool,
    pre: bool,
    sentence: String,
}

fn corpus_dir() -> PathBuf {
    checkout().join("tests/statements")
}

fn corpus(lang: &str) -> Vec<Case> {
    cases(lang, &corpus_dir().join(format!("{lang}.tsv")))
}

/// The held-out sentences of `lang` (`tests/statements/held/`), if any.
fn held_out(lang: &str) -> Vec<Case> {
    let path = corpus_dir().join("held").join(format!("{lang}.tsv"));
    if path.exists() {
        cases(lang, &path)
    } else {
        Vec::new()
    }
}

fn cases(lang: &str, path: &std::path::Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(f.len(), 4, "{lang}.tsv: not 4 fields: `{l}`");
            assert!(
                STATEMENTS.contains(&f[0]),
                "{lang}.tsv: unknown statement `{}`",
                f[0]
            );
            assert!(matches!(f[1], "yes" | "no"), "{lang}.tsv: `{}`", f[1]);
            Case {
                statement: f[0].to_string(),
                yes: f[1] == "yes",
                pre: f[2] == "pre",
                sentence: f[3].to_string(),
            }
        })
        .collect()
}

fn languages() -> Vec<String> {
    let mut langs: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".tsv").map(str::to_string)
        })
        .collect();
    langs.sort();
    langs
}

/// Does `sentence` make `statement`, as the scan reads it?
fn reads(lex: &Lexicons, lang: &str, statement: &str, sentence: &str) -> bool {
    let found = lex.statements.recognise_in(sentence, lang);
    match statement {
        // Only a concrete purpose counts: "to improve your experience" is the
        // vague purpose T302 reports, not a purpose stated (the corpora label
        // such sentences `no`).
        "purposes" => found.contains_key("purposes"),
        "partners" => {
            let norm = normalise(sentence);
            found.contains_key("partners")
                || (lex.partner_count(&norm).is_some()
                    && !lex.statements.vetoed_in("partners", &norm, Some(lang)))
        }
        s => found.contains_key(s),
    }
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Score {
    fn add(&mut self, yes: bool, got: bool) {
        match (yes, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
    fn n(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }
}

fn cell(s: &Score) -> String {
    if s.n() == 0 {
        "     -     ".to_string()
    } else {
        format!("{:.2}/{:.2}", s.precision(), s.recall())
    }
}

/// The cross-site target of the six languages: recall and precision of at
/// least 0.95. `statements_on_the_corpus` holds fr, de, es, it and nl to
/// the lower floors measured when the recogniser was written (recall 0.65,
/// precision 0.85).
#[test]
fn cross_site_target_in_the_six_languages() {
    let gaps = measure(true);
    assert!(gaps.is_empty(), "targets missed:\n{}", gaps.join("\n"));
}

#[test]
fn statements_on_the_corpus() {
    let failures = measure(false);
    assert!(
        failures.is_empty(),
        "targets missed:\n{}",
        failures.join("\n")
    );
}

/// Print the figures; return the targets missed. With `strict`, the six
/// languages are held to the 0.95 cross-site target; without, those that
/// do not meet it yet (all but en) to the floors above.
fn measure(strict: bool) -> Vec<String> {
    let lex = lexicons();
    let show = std::env::var("STATEMENTS_MISSES").ok();
    let mut failures = Vec::new();
    println!("precision/recall per language and statement (all sentences; `pre` only below)");
    println!(
        "lang read {}",
        STATEMENTS
            .iter()
            .map(|s| format!("{:>11.11} ", s))
            .collect::<String>()
    );
    let mut pre_lines = Vec::new();
    let mut totals: BTreeMap<&str, (Score, Score)> = BTreeMap::new();
    for lang in languages() {
        let mut all: BTreeMap<&str, Score> = BTreeMap::new();
        let mut pre: BTreeMap<&str, Score> = BTreeMap::new();
        for case in corpus(&lang) {
            let statement = STATEMENTS.iter().find(|s| **s == case.statement).unwrap();
            let got = reads(&lex, &lang, statement, &case.sentence);
            all.entry(statement).or_default().add(case.yes, got);
            if case.pre {
                pre.entry(statement).or_default().add(case.yes, got);
            }
            if got != case.yes && show.as_deref().is_some_and(|s| s == lang || s == "all") {
                println!(
                    "  {} {statement}: {}",
                    if case.yes { "MISSED " } else { "ACCUSED" },
                    case.sentence
                );
            }
        }
        let read = lex.reads_statements(&lang);
        let row = |m: &BTreeMap<&str, Score>| {
            STATEMENTS
                .iter()
                .map(|s| format!("{} ", cell(&m.get(s).copied().unwrap_or_default())))
                .collect::<String>()
        };
        println!(
            "{lang:4} {:4} {}",
            if read { "yes" } else { "no" },
            row(&all)
        );
        pre_lines.push(format!(
            "{lang:4} {:4} {}",
            if read { "yes" } else { "no" },
            row(&pre)
        ));
        if read {
            for (s, score) in &all {
                let t = totals.entry(s).or_default();
                let target = if BUILTIN_LANGUAGES.contains(&lang.as_str()) {
                    &mut t.0
                } else {
                    &mut t.1
                };
                target.tp += score.tp;
                target.fp += score.fp;
                target.fn_ += score.fn_;
                target.tn += score.tn;
            }
        }
        // The targets.
        let main = BUILTIN_LANGUAGES.contains(&lang.as_str());
        if main {
            assert!(read, "{lang}: the lexicon must hold statement data");
        }
        if !read {
            continue;
        }
        let cross = all.get("cross_site").copied().unwrap_or_default();
        let (floor, precise) = match (main, strict || lang == "en") {
            (true, true) => (0.95, 0.95),
            (true, false) => (0.65, 0.85),
            (false, _) => (0.85, 0.85),
        };
        if cross.recall() < floor {
            failures.push(format!(
                "{lang}: cross_site recall {:.3} < {floor}",
                cross.recall()
            ));
        }
        if cross.precision() < precise {
            failures.push(format!(
                "{lang}: cross_site precision {:.3} < {precise}",
                cross.precision()
            ));
        }
        if main {
            for s in ["partners", "purposes", "withdraw"] {
                let p = all.get(s).copied().unwrap_or_default().precision();
                if p < 0.95 {
                    failures.push(format!("{lang}: {s} precision {p:.3} < 0.95"));
                }
            }
        }
    }
    println!("`pre` sentences only (written before tuning):");
    for l in pre_lines {
        println!("{l}");
    }
    println!("pooled over languages read (six main | others):");
    for (s, (main, other)) in &totals {
        println!("  {s:20} {}  |  {}", cell(main), cell(other));
    }
    failures
}

/// Floors on the held-out corpus (`tests/statements/held/`), per language
/// and statement, as (precision, recall): the figures measured on each
/// language's latest round, after the tuning that followed the round
/// before it (the fourth round in en, de, it, nl, cs, da, fi, ga, hu, is,
/// mt, nb, pl, pt, sk and sv; the third in the others, which met their
/// targets there and were not tuned again), rounded down to 0.05 below
/// the printed figure less its rounding, so that a later change cannot
/// make them worse unnoticed. They are floors, not targets: the figures
/// printed are the honest measure of the recogniser on text it was never
/// tuned on.
const HELD_FLOORS: &[(&str, &str, f64, f64)] = &[
    ("bg", "cross_site", 1.00, 1.00),
    ("bg", "partners", 1.00, 1.00),
    ("bg", "purposes", 1.00, 1.00),
    ("bg", "withdraw", 1.00, 1.00),
    ("cs", "cross_site", 0.85, 1.00),
    ("cs", "partners", 1.00, 1.00),
    ("cs", "purposes", 1.00, 1.00),
    ("cs", "withdraw", 1.00, 1.00),
    ("da", "cross_site", 0.90, 0.75),
    ("da", "partners", 1.00, 1.00),
    ("da", "purposes", 1.00, 1.00),
    ("da", "withdraw", 1.00, 1.00),
    ("de", "cross_site", 0.90, 0.85),
    ("de", "partners", 0.90, 1.00),
    ("de", "purposes", 1.00, 0.85),
    ("de", "withdraw", 1.00, 0.85),
    ("el", "cross_site", 1.00, 0.90),
    ("el", "partners", 1.00, 1.00),
    ("el", "purposes", 1.00, 0.80),
    ("el", "withdraw", 1.00, 0.75),
    ("en", "cross_site", 1.00, 0.85),
    ("en", "partners", 0.80, 1.00),
    ("en", "purposes", 1.00, 0.85),
    ("en", "withdraw", 1.00, 1.00),
    ("es", "cross_site", 1.00, 1.00),
    ("es", "partners", 1.00, 1.00),
    ("es", "purposes", 0.90, 0.90),
    ("es", "withdraw", 1.00, 0.85),
    ("et", "cross_site", 0.90, 0.90),
    ("et", "partners", 1.00, 0.80),
    ("et", "purposes", 1.00, 0.80),
    ("et", "withdraw", 1.00, 0.80),
    ("fi", "cross_site", 0.90, 0.65),
    ("fi", "partners", 1.00, 1.00),
    ("fi", "purposes", 1.00, 0.55),
    ("fi", "withdraw", 1.00, 0.35),
    ("fr", "cross_site", 1.00, 1.00),
    ("fr", "partners", 1.00, 1.00),
    ("fr", "purposes", 1.00, 0.85),
    ("fr", "withdraw", 0.85, 1.00),
    ("ga", "cross_site", 1.00, 0.50),
    ("ga", "partners", 1.00, 1.00),
    ("ga", "purposes", 1.00, 0.35),
    ("ga", "withdraw", 1.00, 0.75),
    ("hr", "cross_site", 1.00, 0.90),
    ("hr", "partners", 1.00, 1.00),
    ("hr", "purposes", 1.00, 1.00),
    ("hr", "withdraw", 1.00, 0.80),
    ("hu", "cross_site", 0.90, 0.70),
    ("hu", "partners", 1.00, 1.00),
    ("hu", "purposes", 1.00, 0.35),
    ("hu", "withdraw", 1.00, 0.55),
    ("is", "cross_site", 1.00, 0.65),
    ("is", "partners", 1.00, 0.55),
    ("is", "purposes", 1.00, 0.35),
    ("is", "withdraw", 1.00, 1.00),
    ("it", "cross_site", 0.90, 0.95),
    ("it", "partners", 1.00, 1.00),
    ("it", "purposes", 1.00, 0.75),
    ("it", "withdraw", 1.00, 0.65),
    ("lt", "cross_site", 0.90, 0.90),
    ("lt", "partners", 1.00, 1.00),
    ("lt", "purposes", 1.00, 1.00),
    ("lt", "withdraw", 1.00, 1.00),
    ("lv", "cross_site", 1.00, 1.00),
    ("lv", "partners", 1.00, 1.00),
    ("lv", "purposes", 1.00, 1.00),
    ("lv", "withdraw", 1.00, 0.80),
    ("mt", "cross_site", 1.00, 0.50),
    ("mt", "partners", 1.00, 0.75),
    ("mt", "purposes", 1.00, 0.75),
    ("mt", "withdraw", 1.00, 1.00),
    ("nb", "cross_site", 1.00, 0.85),
    ("nb", "partners", 1.00, 1.00),
    ("nb", "purposes", 1.00, 1.00),
    ("nb", "withdraw", 1.00, 0.70),
    ("nl", "cross_site", 0.80, 0.90),
    ("nl", "partners", 0.85, 0.75),
    ("nl", "purposes", 1.00, 0.75),
    ("nl", "withdraw", 1.00, 0.65),
    ("pl", "cross_site", 0.85, 0.75),
    ("pl", "partners", 1.00, 1.00),
    ("pl", "purposes", 1.00, 0.75),
    ("pl", "withdraw", 1.00, 1.00),
    ("pt", "cross_site", 0.85, 0.85),
    ("pt", "partners", 0.80, 1.00),
    ("pt", "purposes", 1.00, 0.75),
    ("pt", "withdraw", 1.00, 1.00),
    ("ro", "cross_site", 0.90, 0.90),
    ("ro", "partners", 1.00, 1.00),
    ("ro", "purposes", 1.00, 0.80),
    ("ro", "withdraw", 1.00, 1.00),
    ("sk", "cross_site", 0.90, 0.70),
    ("sk", "partners", 0.80, 1.00),
    ("sk", "purposes", 1.00, 0.55),
    ("sk", "withdraw", 1.00, 0.75),
    ("sl", "cross_site", 1.00, 0.90),
    ("sl", "partners", 1.00, 1.00),
    ("sl", "purposes", 1.00, 0.60),
    ("sl", "withdraw", 1.00, 0.80),
    ("sv", "cross_site", 1.00, 0.75),
    ("sv", "partners", 1.00, 0.75),
    ("sv", "purposes", 1.00, 0.75),
    ("sv", "withdraw", 1.00, 1.00),
];

#[test]
fn held_out_corpus() {
    let lex = lexicons();
    let show = std::env::var("STATEMENTS_MISSES").ok();
    let mut failures = Vec::new();
    println!("held-out sentences, precision/recall (never tuned on)");
    println!(
        "lang {}",
        STATEMENTS[..4]
            .iter()
            .map(|s| format!("{:>11.11} ", s))
            .collect::<String>()
    );
    for lang in languages() {
        let cases = held_out(&lang);
        if cases.is_empty() {
            continue;
        }
        let mut scores: BTreeMap<&str, Score> = BTreeMap::new();
        for case in &cases {
            assert!(!case.pre, "{lang}: a held-out sentence marked `pre`");
            let statement = STATEMENTS.iter().find(|s| **s == case.statement).unwrap();
            let got = reads(&lex, &lang, statement, &case.sentence);
            scores.entry(statement).or_default().add(case.yes, got);
            if got != case.yes && show.as_deref().is_some_and(|s| s == "held") {
                println!(
                    "  {lang} {} {statement}: {}",
                    if case.yes { "MISSED " } else { "ACCUSED" },
                    case.sentence
                );
            }
        }
        println!(
            "{lang:4} {}",
            STATEMENTS[..4]
                .iter()
                .map(|s| format!("{} ", cell(&scores.get(s).copied().unwrap_or_default())))
                .collect::<String>()
        );
        for (l, s, p, r) in HELD_FLOORS {
            if *l != lang {
                continue;
            }
            let got = scores.get(s).copied().unwrap_or_default();
            if got.precision() + 1e-9 < *p || got.recall() + 1e-9 < *r {
                failures.push(format!(
                    "{lang} {s}: {:.2}/{:.2} below the floor {p:.2}/{r:.2}",
                    got.precision(),
                    got.recall()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The corpus holds what the targets need: in fr, en, de, es, it and nl at
/// least 30 sentences and 30 near misses of cross-site tracking, partners,
/// purposes and withdrawal, and 10 of each for the other statements; in
/// every other language at least 10 of each for those four.
#[test]
fn corpus_is_large_enough() {
    for lang in languages() {
        let cases = corpus(&lang);
        let main = BUILTIN_LANGUAGES.contains(&lang.as_str());
        for s in STATEMENTS {
            let yes = cases.iter().filter(|c| c.statement == s && c.yes).count();
            let no = cases.iter().filter(|c| c.statement == s && !c.yes).count();
            let core = ["cross_site", "partners", "purposes", "withdraw"].contains(&s);
            let want = match (main, core) {
                (true, true) => 30,
                (true, false) => 10,
                (false, true) => 10,
                (false, false) => 0,
            };
            assert!(
                yes >= want && no >= want,
                "{lang}: {s} has {yes} sentences and {no} near misses, {want} of each wanted"
            );
        }
    }
}

/// The recogniser keeps the sentence that decided, in its original case,
/// and cuts sentences at abbreviations and numbers sensibly.
#[test]
fn sentence_kept_in_original_case() {
    let lex = lexicons();
    let text = "Votre vie privée compte pour nous. Nos 826 partenaires utilisent des cookies, \
                p.ex. pour vous suivre d'un site à l'autre. Vous pouvez retirer votre consentement à tout moment.";
    let found = lex.statements.recognise(text);
    assert_eq!(
        found["cross_site"].sentence,
        "Nos 826 partenaires utilisent des cookies, p.ex. pour vous suivre d'un site à l'autre."
    );
    assert_eq!(
        found["withdraw"].sentence,
        "Vous pouvez retirer votre consentement à tout moment."
    );
    // Near miss: the negated statement is not found, the other one is.
    let found = lex
        .statements
        .recognise("We never track you on other sites. You can withdraw your consent at any time.");
    assert!(!found.contains_key("cross_site"));
    assert!(found.contains_key("withdraw"));
}
