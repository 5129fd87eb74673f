//! Report language: message catalogues in `reports/i18n/<lang>.toml`.
//!
//! `[text]` holds every label and sentence of a report, `{0}`, `{1}`…
//! standing for the values a template passes; `[labels]` turns each
//! identifier of the report model (`not_applicable`, `legal_basis`,
//! `after_reject`…) into words. Templates say `{{t "key" args…}}` and
//! `{{say value}}`; a key missing from the catalogue is a template error
//! caught by the tests, never a raw identifier in a report.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::render::TEMPLATES;

/// A language reports are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language of a profile's authority: French under `fr` (and the
    /// other French-speaking profiles have English-speaking readers too
    /// often to guess), English otherwise.
    pub fn for_profile(profile: &str) -> Lang {
        match profile {
            "fr" => Lang::Fr,
            _ => Lang::En,
        }
    }
}

/// One language's catalogue.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub lang: Option<String>,
    pub text: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

impl Catalogue {
    /// The built-in catalogue of `lang`.
    pub fn get(lang: Lang) -> Result<&'static Catalogue> {
        use std::sync::OnceLock;
        static CELLS: [OnceLock<Result<Catalogue, String>>; 2] = [OnceLock::new(), OnceLock::new()];
        let cell = &CELLS[lang as usize];
        cell.get_or_init(|| Catalogue::load(lang).map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn load(lang: Lang) -> Result<Catalogue> {
        let name = format!("i18n/{}.toml", lang.code());
        let text = TEMPLATES
            .get_file(&name)
            .and_then(|f| f.contents_utf8())
            .with_context(|| format!("reports/{name} is missing"))?;
        let mut c: Catalogue =
            toml::from_str(text).with_context(|| format!("reports/{name}: not a catalogue"))?;
        c.lang = Some(lang.code().to_string());
        Ok(c)
    }

    /// `key` with `{0}`, `{1}`… replaced by `args`.
    pub fn text(&self, key: &str, args: &[String]) -> Option<String> {
        let mut s = self.text.get(key)?.clone();
        for (i, a) in args.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), a);
        }
        Some(s)
    }

    /// The words for an identifier; an unknown one (a CMP name, a value
    /// from a list) is shown with its underscores as spaces.
    pub fn label(&self, id: &str) -> String {
        self.labels
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.replace('_', " "))
    }
}

/// The language of a report of `profiles` (one per site): French when every
/// site is judged under the `fr` profile.
pub fn default_lang<'a>(profiles: impl IntoIterator<Item = &'a str>) -> Lang {
    let mut langs = profiles.into_iter().map(Lang::for_profile);
    match langs.next() {
        Some(first) if langs.all(|l| l == first) => first,
        _ => Lang::En,
    }
}
