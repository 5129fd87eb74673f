//! Compile rule conditions once, evaluate them over many sites.

use anyhow::{anyhow, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::{Context, Env, Program, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Catalogue, Rule};
use crate::facts::Facts;
use crate::i18n::{Arg, Catalogue as Messages, Lang, Words};

/// A rule with its expressions compiled.
pub struct CompiledRule {
    pub rule: Rule,
    applies: Option<Program>,
    condition: Program,
    evidence: Option<Program>,
    /// The `evidence` of each language that labels it in its own words.
    evidence_i18n: BTreeMap<String, Program>,
}

/// The whole catalogue, compiled.
pub struct CompiledRules {
    pub rules: Vec<CompiledRule>,
    pub version: String,
    pub profiles: crate::knowledge::profiles::Profiles,
    /// The CEL standard library, built once (about 20 µs each time).
    env: Arc<Env>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// The site follows the rule.
    Pass,
    /// The site breaks the rule: a finding.
    Fail,
    /// The rule does not apply, or needs a visit that was not made.
    NotApplicable,
    /// The rule could not be evaluated (a user rule naming an unknown fact).
    Error,
}

/// The result of one rule on one site.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RuleOutcome {
    pub id: String,
    pub status: RuleStatus,
    /// Rendered message for failures; the reason for n/a and errors.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// What broke the rule (from its `evidence` expression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<serde_json::Value>,
    /// The severity the site's jurisdiction profile gives the rule, when it
    /// differs from the catalogue's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<super::Severity>,
    /// `detail` in words any report language can say, for the reasons
    /// a rule is not applicable (failures say theirs through the rule's
    /// own texts).
    #[serde(skip)]
    pub words: Option<crate::i18n::Words>,
    /// `evidence` labelled in other languages, by code (see
    /// [`super::RuleText::evidence`]).
    #[serde(skip)]
    pub evidence_i18n: BTreeMap<String, Vec<serde_json::Value>>,
    /// Why a language's `evidence` could not be used (it failed, or gave
    /// other items than the English one): that language shows the English
    /// labels, and `rules check` reports it.
    #[serde(skip)]
    pub i18n_problems: Vec<String>,
}

fn compile(rule: &Rule, what: &str, source: &str) -> Result<Program> {
    Program::compile(source).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or("").to_string();
        anyhow!(
            "{} (rule {}): invalid `{what}` expression: {first}",
            rule.origin,
            rule.id
        )
    })
}

/// The `decimal` function of rule expressions: `x` rounded to `digits`
/// decimals, without trailing zeros, its decimal point written
/// `separator`.
fn decimal(x: f64, digits: i64, separator: std::sync::Arc<String>) -> String {
    let digits = digits.clamp(0, 9) as usize;
    let mut s = format!("{x:.digits$}");
    if s.contains('.') {
        s.truncate(s.trim_end_matches('0').trim_end_matches('.').len());
    }
    if s == "-0" {
        s = "0".into();
    }
    s.replace('.', separator.as_str())
}

impl CompiledRules {
    pub fn compile(catalogue: &Catalogue) -> Result<Self> {
        let rules = catalogue
            .rules
            .iter()
            .map(CompiledRule::new)
            .collect::<Result<Vec<_>>>()?;
        Ok(CompiledRules {
            rules,
            version: catalogue.version.clone(),
            profiles: catalogue.profiles.clone(),
            env: Arc::new(Env::stdlib()),
        })
    }

    /// Evaluate every rule over one site's facts.
    pub fn evaluate(&self, facts: &Facts) -> Vec<RuleOutcome> {
        let value = serde_json::to_value(facts).expect("facts always serialise");
        let mut ctx = Context::with_env(self.env.clone());
        // `decimal(x, digits, separator)`: a number written for a reader,
        // `decimal(0.456, 2, ",")` = "0,46", for evidence worded in a
        // language that does not write decimals with a point.
        ctx.add_function("decimal", decimal)
            .expect("`decimal` is not a standard function");
        if let serde_json::Value::Object(map) = &value {
            for (k, v) in map {
                ctx.add_variable_as_val(k.as_str(), json_to_val(v));
            }
        }
        let profile = self.profiles.get(&facts.profile.id).or_else(|| {
            self.profiles
                .get(crate::knowledge::profiles::DEFAULT_PROFILE)
        });
        self.rules
            .iter()
            .map(|r| match profile {
                Some(p) if !p.applies(&r.rule.jurisdictions) => not_applicable(
                    &r.rule.id,
                    Words::new("rule_not_in_profile", vec![Arg::plain(&p.name)]),
                ),
                _ => {
                    let mut o = r.evaluate(&ctx, facts);
                    o.severity = profile
                        .and_then(|p| p.severity.get(&r.rule.id).copied())
                        // A profile cannot make a heuristic a grave accusation.
                        .map(|s| match r.rule.confidence {
                            super::Confidence::Low => s.min(super::Severity::Medium),
                            _ => s,
                        })
                        .filter(|s| *s != r.rule.severity);
                    o
                }
            })
            .collect()
    }
}

impl CompiledRule {
    /// Compile one rule's expressions; the error names its file and id.
    pub fn new(rule: &Rule) -> Result<Self> {
        Ok(CompiledRule {
            applies: rule
                .applies
                .as_deref()
                .map(|s| compile(rule, "applies", s))
                .transpose()?,
            condition: compile(rule, "condition", &rule.condition)?,
            evidence: rule
                .evidence
                .as_deref()
                .map(|s| compile(rule, "evidence", s))
                .transpose()?,
            evidence_i18n: rule
                .i18n
                .iter()
                .filter_map(|(lang, t)| {
                    let source = t.evidence.as_deref()?;
                    Some(compile(rule, "i18n evidence", source).map(|p| (lang.clone(), p)))
                })
                .collect::<Result<_>>()?,
            rule: rule.clone(),
        })
    }

    /// The compiled expressions, by key (`applies`, `condition`,
    /// `evidence`), for static checks.
    pub fn expressions(&self) -> Vec<(&'static str, &Program)> {
        let mut v = Vec::new();
        if let Some(p) = &self.applies {
            v.push(("applies", p));
        }
        v.push(("condition", &self.condition));
        if let Some(p) = &self.evidence {
            v.push(("evidence", p));
        }
        for p in self.evidence_i18n.values() {
            v.push(("i18n evidence", p));
        }
        v
    }

    fn evaluate(&self, ctx: &Context<'_, '_>, facts: &Facts) -> RuleOutcome {
        let id = self.rule.id.clone();
        let outcome = |status, detail: String| RuleOutcome {
            id: id.clone(),
            status,
            detail,
            evidence: Vec::new(),
            severity: None,
            words: None,
            evidence_i18n: BTreeMap::new(),
            i18n_problems: Vec::new(),
        };
        if let Some(missing) = self.rule.requires.iter().find(|v| !facts.visit(**v).ran) {
            return not_applicable(
                &id,
                Words::new(
                    &format!("rule_needs_visit_{}", missing.as_str()),
                    Vec::new(),
                ),
            );
        }
        if let Some(applies) = &self.applies {
            match applies.execute(ctx) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    return not_applicable(&id, Words::new("rule_does_not_apply", Vec::new()))
                }
                Ok(other) => {
                    return outcome(
                        RuleStatus::Error,
                        format!("`applies` gave {other:?}, not a boolean"),
                    )
                }
                Err(e) => return outcome(RuleStatus::Error, format!("`applies` failed: {e}")),
            }
        }
        match self.condition.execute(ctx) {
            Ok(Value::Bool(false)) => outcome(RuleStatus::Pass, String::new()),
            Ok(Value::Bool(true)) => {
                let evidence = match &self.evidence {
                    Some(p) => match run_json(p, ctx) {
                        Ok(serde_json::Value::Array(items)) => items,
                        Ok(other) => vec![other],
                        Err(e) => {
                            return outcome(RuleStatus::Error, format!("`evidence` failed: {e}"))
                        }
                    },
                    None => Vec::new(),
                };
                let mut evidence_i18n = BTreeMap::new();
                let mut i18n_problems = Vec::new();
                for (lang, program) in &self.evidence_i18n {
                    match run_json(program, ctx) {
                        Ok(serde_json::Value::Array(items)) if items.len() == evidence.len() => {
                            evidence_i18n.insert(lang.clone(), items);
                        }
                        Ok(other) => i18n_problems.push(format!(
                            "`i18n.{lang}.evidence` gave {} item(s) where `evidence` gave {}",
                            other.as_array().map_or(1, Vec::len),
                            evidence.len()
                        )),
                        Err(e) => i18n_problems.push(format!("`i18n.{lang}.evidence` failed: {e}")),
                    }
                }
                RuleOutcome {
                    id: id.clone(),
                    status: RuleStatus::Fail,
                    detail: render_message(&self.rule.message, &evidence),
                    evidence,
                    severity: None,
                    words: None,
                    evidence_i18n,
                    i18n_problems,
                }
            }
            Ok(other) => outcome(
                RuleStatus::Error,
                format!("`condition` gave {other:?}, not a boolean"),
            ),
            Err(e) => outcome(RuleStatus::Error, format!("`condition` failed: {e}")),
        }
    }
}

/// A rule that is not applicable, and why: in English in `detail`, and
/// in words any report language can say.
fn not_applicable(id: &str, words: Words) -> RuleOutcome {
    RuleOutcome {
        id: id.to_string(),
        status: RuleStatus::NotApplicable,
        detail: Messages::get(Lang::En)
            .map(|c| c.say(&words))
            .unwrap_or_else(|_| words.key.clone()),
        evidence: Vec::new(),
        severity: None,
        words: Some(words),
        evidence_i18n: BTreeMap::new(),
        i18n_problems: Vec::new(),
    }
}

/// Run an expression and give its value as JSON, or why it failed.
fn run_json(program: &Program, ctx: &Context<'_, '_>) -> Result<serde_json::Value, String> {
    program
        .execute(ctx)
        .map_err(|e| e.to_string())
        .and_then(|v| v.json().map_err(|e| e.to_string()))
}

/// Convert JSON to a CEL value that borrows its strings from the JSON.
/// Whole numbers become ints, so that `before.tracker_count > 0` compares
/// int with int. Going through `cel::Value` instead costs two deep copies.
fn json_to_val(v: &serde_json::Value) -> Box<dyn Val + '_> {
    match v {
        serde_json::Value::Null => Box::new(CelNull),
        serde_json::Value::Bool(b) => Box::new(CelBool::from(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0))),
        },
        serde_json::Value::String(s) => Box::new(CelString::from(s.as_str())),
        serde_json::Value::Array(items) => Box::new(CelList::from(
            items.iter().map(json_to_val).collect::<Vec<_>>(),
        )),
        serde_json::Value::Object(map) => Box::new(CelMap::from(
            map.iter()
                .map(|(k, v)| (CelMapKey::from(k.as_str()), json_to_val(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// A readable label for one evidence item.
pub fn item_label(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => ["label", "name", "host", "key", "url"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|x| x.as_str()).map(str::to_string))
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// `host (Company, category)` with each identifier of the parenthesis in
/// words: `www.facebook.com (Meta, publicité)`.
fn label_parts(item: &str, cat: &crate::i18n::Catalogue) -> String {
    let Some((head, inside)) = item
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once(" ("))
        .filter(|(_, inside)| !inside.contains(['(', ')']))
    else {
        return item.to_string();
    };
    let parts: Vec<String> = inside
        .split(", ")
        .map(|p| match cat.labels.contains_key(p) {
            true => cat.label(p),
            false => p.to_string(),
        })
        .collect();
    format!("{head} ({})", parts.join(", "))
}

/// Fill `{count}` and `{list}` (at most 10 items, then "and N more"), in
/// English.
pub fn render_message(template: &str, evidence: &[serde_json::Value]) -> String {
    use crate::i18n::{Catalogue, Lang};
    match Catalogue::get(Lang::En) {
        Ok(cat) => render_message_in(template, evidence, cat),
        Err(_) => render_message_in(template, evidence, &Catalogue::default()),
    }
}

/// Fill `{count}` and `{list}` in the language of `cat`: an item that is
/// an identifier of the report model (a notice element), or a part of the
/// last parenthesis of an item that is one (`host (Company, advertising)`),
/// is said in words from the catalogue's one table of labels; hosts, names
/// and quoted text stay as they are.
pub fn render_message_in(
    template: &str,
    evidence: &[serde_json::Value],
    cat: &crate::i18n::Catalogue,
) -> String {
    use crate::i18n::{Arg, Words};
    let mut items: Vec<Arg> = evidence
        .iter()
        .map(item_label)
        .take(10)
        .map(|l| match cat.labels.contains_key(&l) {
            true => Arg::Label(l),
            false => Arg::Plain(label_parts(&l, cat)),
        })
        .collect();
    if evidence.len() > 10 {
        items.push(Arg::Words(Words::new(
            "list_more",
            vec![Arg::plain(evidence.len() - 10)],
        )));
    }
    template
        .replace("{count}", &evidence.len().to_string())
        .replace("{list}", &cat.say_arg(&Arg::List(items)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Catalogue, Lang};
    use serde_json::json;

    #[test]
    fn decimal_writes_doubles_for_readers_in_rule_expressions() {
        let fr = |x: f64, d: i64| decimal(x, d, std::sync::Arc::new(",".to_string()));
        assert_eq!(fr(0.456, 2), "0,46");
        assert_eq!(fr(2.0, 2), "2");
        assert_eq!(fr(0.0401, 4), "0,0401");
        assert_eq!(fr(0.04, 4), "0,04");
        assert_eq!(fr(-0.0001, 2), "0");
        assert_eq!(fr(1234.6, 0), "1235");
        assert_eq!(decimal(0.5, 1, std::sync::Arc::new(".".into())), "0.5");
        // Through an expression, as a rule writes it.
        let mut ctx = Context::with_env(std::sync::Arc::new(Env::stdlib()));
        ctx.add_function("decimal", decimal).unwrap();
        let p =
            Program::compile(r#"decimal(0.35, 2, ",") + " / " + decimal(3.0, 2, ",")"#).unwrap();
        assert_eq!(
            p.execute(&ctx).unwrap(),
            cel::Value::String(std::sync::Arc::new("0,35 / 3".into()))
        );
    }

    #[test]
    fn list_items_that_are_identifiers_are_said_in_the_reports_language() {
        let fr = Catalogue::get(Lang::Fr).unwrap();
        let en = Catalogue::get(Lang::En).unwrap();
        let evidence = [
            json!("www.facebook.com (Meta, advertising)"),
            json!("retention"),
            json!("_ga (site-fr.test)"),
        ];
        assert_eq!(
            render_message_in("{count}: {list}", &evidence, fr),
            format!(
                "3: www.facebook.com (Meta, {}), {}, _ga (site-fr.test)",
                fr.label("advertising"),
                fr.label("retention")
            )
        );
        assert_eq!(
            render_message("{list}", &evidence),
            "www.facebook.com (Meta, advertising), retention period, _ga (site-fr.test)"
        );
        assert_ne!(fr.label("retention"), en.label("retention"));
        // Past ten items, the rest is counted in the report's language.
        let many: Vec<serde_json::Value> = (0..12).map(|i| json!(format!("h{i}.test"))).collect();
        let said = render_message_in("{list}", &many, fr);
        assert!(
            said.ends_with(&fr.text("list_more", &["2".to_string()]).unwrap()),
            "{said}"
        );
        assert!(render_message("{list}", &many).ends_with("and 2 more"));
    }
}
