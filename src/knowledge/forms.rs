//! Forms knowledge: `rules/forms.toml`.
//!
//! What a form is for (its purpose, and the categories of personal data that
//! purpose needs), what each field asks for (its category, found from its
//! autocomplete token, input type, name and label), which checkboxes are
//! opt-ins to marketing, and which words name a privacy notice. The file
//! documents its own format in its header comment.
//!
//! Patterns are compiled case-insensitively and matched against
//! [`normalise`](super::lexicon::normalise)d text. Each list is compiled
//! once as a [`RegexSet`]; the single regex of a pattern is compiled only
//! when its match is needed (the words that gave a purpose away).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: String,
    #[serde(default)]
    purpose: Vec<RawPurpose>,
    #[serde(default)]
    category: Vec<RawCategory>,
    #[serde(default)]
    optin: RawOptin,
    #[serde(default)]
    notice: RawNotice,
    /// The sentence saying what a form asks for beyond its purpose, per
    /// language: `{fields}` and `{noun}` stand for the fields and the
    /// purpose's noun.
    #[serde(default)]
    excess: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurpose {
    id: String,
    needs: Vec<String>,
    #[serde(default)]
    may: Vec<String>,
    #[serde(default)]
    varies: Vec<String>,
    /// What the purpose is called in a finding ("a newsletter sign-up").
    #[serde(default)]
    noun: Option<String>,
    /// The noun in other languages, by language code.
    #[serde(default)]
    nouns: BTreeMap<String, String>,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: String,
    #[serde(default)]
    special: bool,
    #[serde(default = "yes")]
    personal: bool,
    #[serde(default)]
    autocomplete: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    fallback_types: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOptin {
    #[serde(default)]
    marketing: Vec<String>,
    #[serde(default)]
    partners: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// A list of case-insensitive patterns, matched at once.
#[derive(Debug)]
pub struct Patterns {
    set: RegexSet,
    single: Vec<OnceLock<Regex>>,
}

fn builder(pattern: &str) -> RegexBuilder {
    let mut b = RegexBuilder::new(pattern);
    b.case_insensitive(true);
    b
}

impl Patterns {
    /// Compile `list`; a bad pattern is named with `origin` and `entry`.
    fn compile(list: &[String], origin: &str, entry: &str) -> Result<Self> {
        let set = match RegexSetBuilder::new(list).case_insensitive(true).build() {
            Ok(set) => set,
            Err(e) => {
                for p in list {
                    builder(p)
                        .build()
                        .with_context(|| format!("{origin}: {entry}: bad pattern `{p}`"))?;
                }
                return Err(e).with_context(|| {
                    format!("{origin}: {entry}: patterns do not compile together")
                });
            }
        };
        Ok(Patterns {
            single: list.iter().map(|_| OnceLock::new()).collect(),
            set,
        })
    }

    /// No pattern at all.
    pub fn is_empty(&self) -> bool {
        self.single.is_empty()
    }

    pub fn len(&self) -> usize {
        self.single.len()
    }

    /// Does any pattern match `text`?
    pub fn is_match(&self, text: &str) -> bool {
        !self.is_empty() && self.set.is_match(text)
    }

    /// The words matched by the first pattern (in file order) that matches.
    pub fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        if self.is_empty() {
            return None;
        }
        let i = self.set.matches(text).into_iter().next()?;
        let re = self.single[i].get_or_init(|| {
            builder(&self.set.patterns()[i])
                .build()
                .expect("compiled in the set already")
        });
        re.find(text).map(|m| m.as_str())
    }
}

/// What a form can be for, and what it may ask for.
#[derive(Debug)]
pub struct Purpose {
    pub id: String,
    /// Categories the purpose legitimately requires.
    pub needs: Vec<String>,
    /// Categories acceptable when the field is optional.
    pub may: Vec<String>,
    /// Categories some services with this purpose require and others do
    /// not (an account holder's name): acceptable when optional, and a
    /// required one is not needed only at medium confidence.
    pub varies: Vec<String>,
    /// What the purpose is called in a finding: "a newsletter sign-up".
    pub noun: String,
    /// `noun` in other languages, by language code.
    pub nouns: BTreeMap<String, String>,
    pub words: Patterns,
}

impl Purpose {
    /// What the purpose is called in `lang`, else in English.
    pub fn noun_in(&self, lang: &str) -> &str {
        self.nouns.get(lang).unwrap_or(&self.noun)
    }
}

/// How sure the tool is that a required field is not needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unneeded {
    /// Practice varies: some services with this purpose need it.
    Medium,
    /// Clearly not needed: no service with this purpose needs it.
    High,
}

impl Purpose {
    /// Is a field of `category` not needed, and how sure is that? `None`
    /// when it is needed (or, optional, acceptable).
    pub fn unneeded(&self, category: &str, required: bool) -> Option<Unneeded> {
        let varies = self.varies.iter().any(|c| c == category);
        if self.needs(category) || (!required && (self.may(category) || varies)) {
            None
        } else if varies {
            Some(Unneeded::Medium)
        } else {
            Some(Unneeded::High)
        }
    }

    /// A required field of `category` is needed.
    pub fn needs(&self, category: &str) -> bool {
        self.needs.iter().any(|c| c == category)
    }

    /// An optional field of `category` is acceptable.
    pub fn may(&self, category: &str) -> bool {
        self.needs(category) || self.may.iter().any(|c| c == category)
    }
}

/// A category of data a field asks for.
#[derive(Debug)]
pub struct Category {
    pub id: String,
    /// GDPR art. 9 special category.
    pub special: bool,
    /// Personal data (false for `message`, `search`, `organization`,
    /// `optin`).
    pub personal: bool,
    /// HTML autocomplete tokens, lower-case.
    pub autocomplete: Vec<String>,
    /// Input types, lower-case.
    pub types: Vec<String>,
    /// Input types that fall into this category when nothing else matched.
    pub fallback_types: Vec<String>,
    /// Patterns for the name and id attributes.
    pub names: Patterns,
    /// Patterns for the label or placeholder.
    pub labels: Patterns,
}

/// Which kind of opt-in a checkbox label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptinKind {
    Marketing,
    Partners,
}

/// `rules/forms.toml`, compiled.
#[derive(Debug)]
pub struct FormKnowledge {
    pub version: String,
    /// In file order: the first whose words match wins.
    pub purposes: Vec<Purpose>,
    /// In file order: the first that matches at each step wins.
    pub categories: Vec<Category>,
    optin_marketing: Patterns,
    optin_partners: Patterns,
    notice_words: Patterns,
    notice_paths: Patterns,
    /// What a form asks beyond its purpose, in words, per language (`en`
    /// always there): `{fields}` and `{noun}` to fill in.
    pub excess: BTreeMap<String, String>,
}

impl FormKnowledge {
    /// The file embedded in the binary.
    pub fn builtin() -> Result<Self> {
        Self::parse(super::builtin_text("forms.toml")?, "rules/forms.toml")
    }

    /// Parse and validate the text of a forms file; `origin` names it in
    /// errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let raw: RawFile =
            toml::from_str(text).with_context(|| format!("{origin}: invalid forms file"))?;
        let mut seen = BTreeSet::new();
        let mut categories = Vec::with_capacity(raw.category.len());
        for c in raw.category {
            if c.id.trim().is_empty() {
                bail!("{origin}: a category has an empty id");
            }
            if c.id == "other" {
                bail!("{origin}: category `other` is reserved (a field of no category)");
            }
            if !seen.insert(c.id.clone()) {
                bail!("{origin}: category `{}` is defined twice", c.id);
            }
            let entry = |key: &str| format!("category `{}` {key}", c.id);
            categories.push(Category {
                names: Patterns::compile(&c.names, origin, &entry("names"))?,
                labels: Patterns::compile(&c.labels, origin, &entry("labels"))?,
                autocomplete: lower(c.autocomplete),
                types: lower(c.types),
                fallback_types: lower(c.fallback_types),
                special: c.special,
                personal: c.personal,
                id: c.id,
            });
        }
        let mut purposes = Vec::with_capacity(raw.purpose.len());
        let mut purpose_ids = BTreeSet::new();
        for p in raw.purpose {
            if p.id.trim().is_empty() {
                bail!("{origin}: a purpose has an empty id");
            }
            if !purpose_ids.insert(p.id.clone()) {
                bail!("{origin}: purpose `{}` is defined twice", p.id);
            }
            for (key, list) in [("needs", &p.needs), ("may", &p.may), ("varies", &p.varies)] {
                if let Some(unknown) = list.iter().find(|c| !seen.contains(*c)) {
                    bail!(
                        "{origin}: purpose `{}` {key} unknown category `{unknown}` (known: {})",
                        p.id,
                        seen.iter().cloned().collect::<Vec<_>>().join(", ")
                    );
                }
            }
            purposes.push(Purpose {
                words: Patterns::compile(&p.words, origin, &format!("purpose `{}` words", p.id))?,
                needs: p.needs,
                may: p.may,
                varies: p.varies,
                noun: p.noun.unwrap_or_else(|| format!("a {} form", p.id)),
                nouns: p.nouns,
                id: p.id,
            });
        }
        let mut excess = raw.excess;
        excess
            .entry("en".to_string())
            .or_insert_with(|| "requires {fields}, which {noun} does not need".to_string());
        for (lang, sentence) in &excess {
            if !sentence.contains("{fields}") || !sentence.contains("{noun}") {
                bail!("{origin}: excess.{lang} must say {{fields}} and {{noun}}: {sentence:?}");
            }
        }
        Ok(FormKnowledge {
            excess,
            version: raw.version,
            purposes,
            categories,
            optin_marketing: Patterns::compile(&raw.optin.marketing, origin, "optin.marketing")?,
            optin_partners: Patterns::compile(&raw.optin.partners, origin, "optin.partners")?,
            notice_words: Patterns::compile(&raw.notice.words, origin, "notice.words")?,
            notice_paths: Patterns::compile(&raw.notice.paths, origin, "notice.paths")?,
        })
    }

    /// Purposes and categories: the entries of the list, for provenance.
    pub fn len(&self) -> usize {
        self.purposes.len() + self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.id == id)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Is a checkbox with this normalised label an opt-in, and to what?
    /// Partners are checked first: "offers from our partners" shares data.
    pub fn optin(&self, normalised_label: &str) -> Option<OptinKind> {
        if self.optin_partners.is_match(normalised_label) {
            Some(OptinKind::Partners)
        } else if self.optin_marketing.is_match(normalised_label) {
            Some(OptinKind::Marketing)
        } else {
            None
        }
    }

    /// Words in normalised text that name a privacy notice.
    pub fn notice_named<'t>(&self, normalised: &'t str) -> Option<&'t str> {
        self.notice_words.find(normalised)
    }

    /// Does a (lower-cased) URL path lead to a privacy notice?
    pub fn notice_path(&self, path: &str) -> bool {
        self.notice_paths.is_match(path)
    }
}

fn lower(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        version = "t"
        [[purpose]]
        id = "newsletter"
        needs = ["email"]
        words = ['\bnewsletter\b']
        [[category]]
        id = "email"
        types = ["email"]
    "#;

    #[test]
    fn forms_builtin_loads() {
        let k = FormKnowledge::builtin().unwrap();
        for id in [
            "newsletter",
            "account",
            "contact",
            "checkout",
            "search",
            "login",
        ] {
            assert!(k.purpose(id).is_some(), "purpose {id}");
        }
        let special: Vec<&str> = k
            .categories
            .iter()
            .filter(|c| c.special)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            special,
            [
                "health",
                "religion",
                "ethnic_origin",
                "political_opinion",
                "sexual_orientation",
                "trade_union",
                "genetic",
                "biometric"
            ]
        );
        for id in [
            "email",
            "phone",
            "birth_date",
            "gender",
            "address",
            "postal_code",
            "city",
            "country",
            "national_id",
            "name",
            "username",
            "password",
            "payment",
            "message",
            "optin",
        ] {
            assert!(k.category(id).is_some(), "category {id}");
        }
        assert!(!k.category("message").unwrap().personal);
        assert!(k.category("phone").unwrap().personal);
        assert_eq!(k.purpose("newsletter").unwrap().needs, ["email"]);
        assert!(!k.purpose("newsletter").unwrap().needs("name"));
        // What each purpose needs follows practice: a newsletter needs an
        // e-mail address only, an account may need its holder's name, a
        // checkout a phone for delivery.
        let unneeded =
            |p: &str, c: &str, required: bool| k.purpose(p).unwrap().unneeded(c, required);
        assert_eq!(unneeded("newsletter", "email", true), None);
        assert_eq!(unneeded("newsletter", "name", false), None);
        assert_eq!(unneeded("newsletter", "name", true), Some(Unneeded::Medium));
        for c in ["phone", "birth_date", "gender", "address"] {
            assert_eq!(unneeded("newsletter", c, true), Some(Unneeded::High), "{c}");
        }
        assert_eq!(unneeded("account", "name", true), Some(Unneeded::Medium));
        assert_eq!(unneeded("account", "password", true), None);
        assert_eq!(
            unneeded("account", "national_id", true),
            Some(Unneeded::High)
        );
        assert_eq!(unneeded("checkout", "phone", true), None);
        assert_eq!(unneeded("checkout", "name", true), None);
        assert_eq!(unneeded("contact", "name", true), None);
        assert_eq!(unneeded("contact", "phone", true), Some(Unneeded::Medium));
        assert_eq!(
            unneeded("contact", "birth_date", true),
            Some(Unneeded::High)
        );
        assert_eq!(
            k.purpose("newsletter").unwrap().noun,
            "a newsletter sign-up"
        );
        assert_eq!(
            k.optin("j'accepte de recevoir les offres de nos partenaires"),
            Some(OptinKind::Partners)
        );
        assert_eq!(
            k.optin("ich möchte angebote per e-mail erhalten"),
            Some(OptinKind::Marketing)
        );
        assert_eq!(k.optin("j'ai lu les conditions générales"), None);
        assert_eq!(
            k.notice_named("vos données personnelles sont traitées"),
            Some("données personnelles")
        );
        assert!(k.notice_path("/fr/politique-de-confidentialite"));
        assert!(!k.notice_path("/fr/cgv"));
        let words = &k.purpose("newsletter").unwrap().words;
        assert_eq!(
            words.find("inscrivez-vous à notre newsletter"),
            Some("newsletter")
        );
    }

    #[test]
    fn forms_minimal_file_parses() {
        let k = FormKnowledge::parse(MINIMAL, "test.toml").unwrap();
        assert_eq!(k.version, "t");
        assert_eq!(k.len(), 2);
        assert_eq!(k.optin("newsletter"), None);
        assert!(!k.notice_path("/privacy"));
    }

    #[test]
    fn forms_bad_regex_is_named() {
        let bad = MINIMAL.replace(r"'\bnewsletter\b'", "'(newsletter'");
        let err = FormKnowledge::parse(&bad, "rules/forms.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with(
                "rules/forms.toml: purpose `newsletter` words: bad pattern `(newsletter`"
            ),
            "{msg}"
        );
        let bad = format!("{MINIMAL}\nnames = ['[z-a]']\n");
        let err = FormKnowledge::parse(&bad, "my/forms.toml").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("my/forms.toml: category `email` names: bad pattern `[z-a]`"),
            "{err:#}"
        );
    }

    #[test]
    fn forms_unknown_category_is_refused() {
        let bad = MINIMAL.replace(r#"needs = ["email"]"#, r#"needs = ["email", "shoe_size"]"#);
        let err = FormKnowledge::parse(&bad, "rules/forms.toml").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "rules/forms.toml: purpose `newsletter` needs unknown category `shoe_size`"
            ),
            "{err:#}"
        );
        let bad = MINIMAL.replace(r#"needs = ["email"]"#, "needs = []\nmay = [\"phone\"]");
        let err = FormKnowledge::parse(&bad, "rules/forms.toml").unwrap_err();
        assert!(
            err.to_string().contains("may unknown category `phone`"),
            "{err:#}"
        );
    }

    #[test]
    fn forms_unknown_keys_and_duplicates_are_refused() {
        let bad = MINIMAL.replace(
            "types = [\"email\"]",
            "types = [\"email\"]\ncolour = \"red\"",
        );
        let err = FormKnowledge::parse(&bad, "rules/forms.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with("rules/forms.toml: invalid forms file"),
            "{msg}"
        );
        assert!(msg.contains("colour"), "{msg}");
        let bad = format!("{MINIMAL}\n[[category]]\nid = \"email\"\n");
        let err = FormKnowledge::parse(&bad, "rules/forms.toml").unwrap_err();
        assert!(
            err.to_string().contains("`email` is defined twice"),
            "{err:#}"
        );
        let bad = format!("{MINIMAL}\n[[category]]\nid = \"other\"\n");
        assert!(FormKnowledge::parse(&bad, "rules/forms.toml").is_err());
    }
}
