//! `barometer rules --check DIR`: find what would make a rule silently
//! inert before it runs on real sites.
//!
//! Three passes, every problem reported (not only the first):
//! 1. each file of DIR parses and each expression compiles;
//! 2. every fact an expression names exists in the facts schema (a typo in
//!    a field name only errors when the branch holding it is evaluated, so
//!    evaluation alone can miss it);
//! 3. every rule is evaluated over built-in sample sites (evidence recorded
//!    from the test web and analysed with the current code) and must not
//!    end in `error`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use cel::common::ast::{EntryExpr, Expr};
use cel::IdedExpr;
use serde_json::Value;

use crate::evidence::Evidence;
use crate::facts::Facts;
use crate::rules::engine::{CompiledRule, CompiledRules, RuleStatus};
use crate::rules::{parse_rule, Catalogue};

/// Evidence recorded from sites of the test web (screenshots removed),
/// analysed into the sample facts.
const SAMPLES: [(&str, &str); 6] = [
    (
        "banner and trackers (http)",
        include_str!("samples/banner-trackers-http.json"),
    ),
    (
        "forms and a privacy notice (http)",
        include_str!("samples/forms-http.json"),
    ),
    (
        "no banner (chrome)",
        include_str!("samples/no-banner-chrome.json"),
    ),
    (
        "every visit, tracking after reject (chrome)",
        include_str!("samples/every-visit-chrome.json"),
    ),
    ("IAB TCF (chrome)", include_str!("samples/tcf-chrome.json")),
    (
        "pre-ticked purposes (chrome)",
        include_str!("samples/preticked-chrome.json"),
    ),
];

/// The sample sites' facts, by name.
pub fn sample_facts() -> Result<Vec<(&'static str, Facts)>> {
    let knowledge = std::sync::Arc::new(crate::knowledge::Knowledge::builtin()?);
    let analyser = crate::analyse::Analyser {
        knowledge,
        filters: Vec::new(),
        lists: Default::default(),
        profiles: crate::knowledge::profiles::Profiles::builtin(
            &crate::rules::LawRegistry::builtin()?,
        )?,
        profile: None,
    };
    SAMPLES
        .iter()
        .map(|(name, text)| {
            let evidence: Evidence =
                serde_json::from_str(text).map_err(|e| anyhow::anyhow!("sample `{name}`: {e}"))?;
            Ok((*name, analyser.facts(&evidence)))
        })
        .collect()
}

/// The result of a check: one line per problem, and what was checked.
pub struct CheckReport {
    pub problems: Vec<String>,
    pub rules: usize,
    pub files: usize,
    pub samples: usize,
}

/// Check the rules of `dir` together with the built-in catalogue.
pub fn check_dir(dir: &Path) -> Result<CheckReport> {
    let mut problems = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read rules directory {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for p in &paths {
        let parsed = std::fs::read_to_string(p)
            .map_err(anyhow::Error::from)
            .and_then(|text| parse_rule(&text, &p.display().to_string()));
        if let Err(e) = parsed {
            problems.push(format!("{e:#}").replace('\n', " "));
        }
    }
    if !problems.is_empty() {
        return Ok(CheckReport {
            problems,
            rules: 0,
            files: paths.len(),
            samples: 0,
        });
    }
    let mut catalogue = Catalogue::load(&[dir])?;
    let schema = Facts::json_schema();
    let mut compiled = Vec::new();
    for rule in &catalogue.rules {
        match CompiledRule::new(rule) {
            Ok(c) => {
                for (key, program) in c.expressions() {
                    for reason in unknown_facts(&schema, program.expression()) {
                        problems.push(format!(
                            "{}: rule {}: `{key}` {reason}",
                            rule.origin, rule.id
                        ));
                    }
                }
                compiled.push(rule.id.clone());
            }
            Err(e) => problems.push(format!("{e:#}").replace('\n', " ")),
        }
    }
    let total = catalogue.rules.len();
    catalogue.rules.retain(|r| compiled.contains(&r.id));
    let rules = CompiledRules::compile(&catalogue)?;
    let samples = sample_facts()?;
    let mut seen: Vec<String> = Vec::new();
    for (name, facts) in &samples {
        for o in rules.evaluate(facts) {
            let origin = || {
                catalogue
                    .get(&o.id)
                    .map(|r| r.origin.clone())
                    .unwrap_or_default()
            };
            for problem in &o.i18n_problems {
                problems.push(format!(
                    "{}: rule {}: {problem} (sample site: {name})",
                    origin(),
                    o.id
                ));
            }
            if o.status != RuleStatus::Error || seen.contains(&o.id) {
                continue;
            }
            seen.push(o.id.clone());
            problems.push(format!(
                "{}: rule {}: {} (sample site: {name})",
                origin(),
                o.id,
                o.detail
            ));
        }
    }
    Ok(CheckReport {
        problems,
        rules: total,
        files: paths.len(),
        samples: samples.len(),
    })
}

/// What an expression's value is known to be.
#[derive(Clone)]
enum Ty<'a> {
    Any,
    /// A node of the facts schema.
    Schema(&'a Value),
    /// A list built by a macro (`map`, `filter`).
    List(Box<Ty<'a>>),
}

struct Walker<'a> {
    root: &'a Value,
    problems: Vec<String>,
}

/// Field names an expression uses that the facts schema does not have,
/// as readable reasons.
pub fn unknown_facts(schema: &Value, expr: &IdedExpr) -> Vec<String> {
    let mut w = Walker {
        root: schema,
        problems: Vec::new(),
    };
    w.walk_path(expr, &HashMap::new());
    w.problems.dedup();
    w.problems
}

impl<'a> Walker<'a> {
    /// Follow `$ref`, and the non-null branch of `anyOf`/`oneOf`/`allOf`.
    fn resolve(&self, mut node: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                let target = r
                    .strip_prefix("#/")
                    .map(|p| p.split('/').try_fold(self.root, |n, k| n.get(k)));
                match target {
                    Some(Some(t)) => {
                        node = t;
                        continue;
                    }
                    _ => return node,
                }
            }
            let branch = ["anyOf", "oneOf", "allOf"].iter().find_map(|k| {
                node.get(*k)?
                    .as_array()?
                    .iter()
                    .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            });
            match branch {
                Some(b) => node = b,
                None => return node,
            }
        }
        node
    }

    /// The type of `field` of a value of type `ty`; records a problem when
    /// `ty` is a struct without that field.
    fn field(&mut self, ty: &Ty<'a>, field: &str, path: &str) -> Ty<'a> {
        let Ty::Schema(node) = ty else {
            return Ty::Any;
        };
        let node = self.resolve(node);
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            if let Some(p) = props.get(field) {
                return Ty::Schema(p);
            }
            if !matches!(node.get("additionalProperties"), Some(Value::Object(_))) {
                let known: Vec<&str> = props.keys().map(String::as_str).collect();
                let hint = closest(field, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                let at = if path.is_empty() {
                    "the facts".to_string()
                } else {
                    format!("`{path}`")
                };
                self.problems.push(format!(
                    "names `{field}`, which {at} do not have{hint}; see docs/facts.md"
                ));
                return Ty::Any;
            }
        }
        match node.get("additionalProperties") {
            Some(v @ Value::Object(_)) => Ty::Schema(v),
            _ => Ty::Any,
        }
    }

    fn element(&self, ty: &Ty<'a>) -> Ty<'a> {
        match ty {
            Ty::List(t) => (**t).clone(),
            Ty::Schema(node) => match self.resolve(node).get("items") {
                Some(items @ Value::Object(_)) => Ty::Schema(items),
                _ => Ty::Any,
            },
            Ty::Any => Ty::Any,
        }
    }

    /// The type of `e` and a readable path for messages (`before.cookies`).
    fn walk_path(
        &mut self,
        e: &IdedExpr,
        env: &HashMap<String, (Ty<'a>, String)>,
    ) -> (Ty<'a>, String) {
        match &e.expr {
            Expr::Ident(name) => match env.get(name) {
                Some((t, path)) => (t.clone(), path.clone()),
                None => {
                    let root = Ty::Schema(self.root);
                    (self.field(&root, name, ""), name.clone())
                }
            },
            Expr::Select(s) => {
                let (t, path) = self.walk_path(&s.operand, env);
                let out = self.field(&t, &s.field, &path);
                if s.test {
                    (Ty::Any, String::new())
                } else {
                    (out, format!("{path}.{}", s.field))
                }
            }
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    self.walk_path(t, env);
                }
                let args: Vec<(Ty<'a>, String)> =
                    c.args.iter().map(|a| self.walk_path(a, env)).collect();
                let ty = match c.func_name.as_str() {
                    "_[_]" => match args.first() {
                        Some((t, _)) => match t {
                            Ty::List(_) => self.element(t),
                            Ty::Schema(n) => {
                                let n = self.resolve(n);
                                if n.get("items").is_some() {
                                    self.element(t)
                                } else {
                                    match n.get("additionalProperties") {
                                        Some(v @ Value::Object(_)) => Ty::Schema(v),
                                        _ => Ty::Any,
                                    }
                                }
                            }
                            Ty::Any => Ty::Any,
                        },
                        None => Ty::Any,
                    },
                    "_?_:_" => args.get(1).map(|a| a.0.clone()).unwrap_or(Ty::Any),
                    "_+_" => match (args.first(), args.get(1)) {
                        (Some((l @ Ty::List(_), _)), _) | (_, Some((l @ Ty::List(_), _))) => {
                            l.clone()
                        }
                        _ => Ty::Any,
                    },
                    _ => Ty::Any,
                };
                (ty, String::new())
            }
            Expr::Comprehension(c) => {
                let (range, range_path) = self.walk_path(&c.iter_range, env);
                let mut inner = env.clone();
                inner.insert(
                    c.iter_var.clone(),
                    (self.element(&range), format!("{range_path}[]")),
                );
                if let Some(v2) = &c.iter_var2 {
                    inner.insert(v2.clone(), (Ty::Any, String::new()));
                }
                self.walk_path(&c.accu_init, &inner);
                inner.insert(c.accu_var.clone(), (Ty::Any, String::new()));
                self.walk_path(&c.loop_cond, &inner);
                // `map` and `filter` step with `accu + [item]`: the result
                // is a list of item's type.
                let item = appended_item(&c.loop_step, &c.accu_var);
                let accu = match item {
                    Some(item) => Ty::List(Box::new(self.walk_path(item, &inner).0)),
                    None => {
                        self.walk_path(&c.loop_step, &inner);
                        Ty::Any
                    }
                };
                inner.insert(c.accu_var.clone(), (accu, String::new()));
                if item.is_some() {
                    self.walk_path(&c.loop_step, &inner);
                }
                self.walk_path(&c.result, &inner)
            }
            Expr::List(l) => {
                let items: Vec<Ty<'a>> = l
                    .elements
                    .iter()
                    .map(|x| self.walk_path(x, env).0)
                    .collect();
                let first = items.into_iter().next().unwrap_or(Ty::Any);
                (Ty::List(Box::new(first)), String::new())
            }
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        self.walk_path(&me.key, env);
                        self.walk_path(&me.value, env);
                    }
                }
                (Ty::Any, String::new())
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.walk_path(&f.value, env);
                    }
                }
                (Ty::Any, String::new())
            }
            Expr::Literal(_) | Expr::Unspecified => (Ty::Any, String::new()),
        }
    }
}

/// In a comprehension step `accu + [item]` (or `cond ? accu + [item] :
/// accu`), the item expression.
fn appended_item<'e>(step: &'e IdedExpr, accu: &str) -> Option<&'e IdedExpr> {
    let Expr::Call(c) = &step.expr else {
        return None;
    };
    match c.func_name.as_str() {
        "_+_" => match (&c.args.first()?.expr, &c.args.get(1)?.expr) {
            (Expr::Ident(a), Expr::List(l)) if a == accu && l.elements.len() == 1 => {
                l.elements.first()
            }
            _ => None,
        },
        "_?_:_" => appended_item(c.args.get(1)?, accu),
        _ => None,
    }
}

/// The known name nearest to a misspelt one (at most 2 edits away).
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(source: &str) -> Vec<String> {
        let program = cel::Program::compile(source).unwrap();
        unknown_facts(&Facts::json_schema(), program.expression())
    }

    #[test]
    fn field_typos_are_found_in_branches_never_evaluated() {
        let p = problems("reachable && before.trackr_count > 0");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("`trackr_count`") && p[0].contains("did you mean `tracker_count`"),
            "{p:?}"
        );
        // Inside a macro, on the list's items.
        let p = problems("before.cookies.exists(c, c.consent_requird)");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("`before.cookies[]`"), "{p:?}");
        // Through map and filter, and an unknown top-level fact.
        assert_eq!(
            problems("before.trackers.filter(t, t.consent_required).map(t, t.hots)").len(),
            1
        );
        assert_eq!(problems("banner_txt.withdraw").len(), 1);
    }

    #[test]
    fn correct_expressions_and_maps_are_not_accused() {
        for ok in [
            "before.cookies.exists(c, c.consent_required && c.lifetime_days > profile.max_cookie_days)",
            "before.trackers.filter(t, t.category == 'advertising').map(t, t.host + ' (' + t.company + ')')",
            "'implied_consent' in banner_text.sentences ? [banner_text.sentences.implied_consent] : []",
            "has(banner_text.sentences.anything) && size(before.tracker_companies) >= 5",
            "[1, 2].map(x, x + 1).size() > 0",
        ] {
            assert_eq!(problems(ok), Vec::<String>::new(), "{ok}");
        }
    }

    #[test]
    fn every_sample_site_is_analysed() {
        let samples = sample_facts().unwrap();
        assert_eq!(samples.len(), SAMPLES.len());
        // Rich enough that list branches are reached: cookies, trackers and
        // every visit of the browser engine.
        assert!(samples.iter().any(|(_, f)| !f.before.cookies.is_empty()));
        assert!(samples.iter().any(|(_, f)| !f.before.trackers.is_empty()));
        assert!(samples
            .iter()
            .any(|(_, f)| !f.after_accept.cookies.is_empty()));
        assert!(samples
            .iter()
            .any(|(_, f)| f.after_reject.ran && f.browsing.ran));
        assert!(samples.iter().any(|(_, f)| !f.banner.present));
    }

    #[test]
    fn the_builtin_catalogue_passes_its_own_check() {
        let dir = tempfile::tempdir().unwrap();
        let report = check_dir(dir.path()).unwrap();
        assert_eq!(report.problems, Vec::<String>::new());
        assert!(report.rules >= 40);
    }
}
