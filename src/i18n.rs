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

/// The report templates folder, whose `i18n/` holds the catalogues.
static TEMPLATES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/reports");

/// A language reports are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
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

    /// The language of `code` (`fr`), English for any other.
    pub fn from_code(code: &str) -> Lang {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .unwrap_or(Lang::En)
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
    /// How this language names each legal instrument of `rules/law.toml`,
    /// by id; an instrument it does not name keeps its registry title.
    #[serde(default)]
    pub instruments: BTreeMap<String, String>,
    /// Pinpoints of rule references that hold words ("practice B",
    /// "recital 32, art. 4(11)"), keyed by their English text.
    #[serde(default)]
    pub pinpoints: BTreeMap<String, String>,
    /// The column guide of `sites.csv` (`report::campaign::csv_guide`).
    #[serde(default)]
    pub csv: BTreeMap<String, String>,
    /// Supervisory authorities of `rules/profiles/` whose name has a form
    /// in this language ("EDPB" is the "CEPD" in French), keyed by the
    /// profile's `authority`; the others keep their own name.
    #[serde(default)]
    pub authorities: BTreeMap<String, String>,
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

    /// The title of legal instrument `id` in this language, else `title`.
    pub fn instrument<'a>(&'a self, id: &str, title: &'a str) -> &'a str {
        self.instruments.get(id).map_or(title, String::as_str)
    }

    /// A profile's supervisory `authority` in this language, else as
    /// the profile names it.
    pub fn authority<'a>(&'a self, authority: &'a str) -> &'a str {
        self.authorities
            .get(authority)
            .map_or(authority, String::as_str)
    }

    /// A reference's pinpoint in this language, else as written.
    pub fn pinpoint<'a>(&'a self, article: &'a str) -> &'a str {
        self.pinpoints.get(article).map_or(article, String::as_str)
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

/// A value put into a sentence of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as it is: a host, a cookie name, a number, a date.
    Plain(String),
    /// An identifier, shown in words (`[labels]`).
    Label(String),
    /// Another sentence of the catalogue.
    Words(Words),
    /// Text that comes with its own translations (a rule's title): the
    /// English, and the other languages it has.
    Translated {
        en: String,
        other: BTreeMap<String, String>,
    },
    /// Items, joined by the catalogue's `list_separator`.
    List(Vec<Arg>),
    /// A decimal number written with a point (`6.5`), said with the
    /// catalogue's `decimal_separator` ("6,5" in French).
    Number(String),
}

impl Arg {
    pub fn plain(s: impl ToString) -> Arg {
        Arg::Plain(s.to_string())
    }
}

/// A sentence of the catalogue and its values, to be said in any
/// language: reports keep these rather than English text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Words {
    /// A key of `[text]`.
    pub key: String,
    pub args: Vec<Arg>,
}

impl Words {
    pub fn new(key: &str, args: Vec<Arg>) -> Words {
        Words {
            key: key.to_string(),
            args,
        }
    }
}

impl Catalogue {
    /// `words` in this catalogue's language. A key the catalogue lacks is
    /// said as the key (the key-parity and rendering tests catch it).
    pub fn say(&self, words: &Words) -> String {
        let args: Vec<String> = words.args.iter().map(|a| self.arg(a)).collect();
        self.text(&words.key, &args)
            .unwrap_or_else(|| words.key.clone())
    }

    /// One value of a sentence, in this catalogue's language.
    pub fn say_arg(&self, arg: &Arg) -> String {
        self.arg(arg)
    }

    fn arg(&self, arg: &Arg) -> String {
        match arg {
            Arg::Plain(s) => s.clone(),
            Arg::Number(n) => match self.text.get("decimal_separator") {
                Some(sep) if sep != "." => n.replace('.', sep),
                _ => n.clone(),
            },
            Arg::Label(id) => self.label(id),
            Arg::Words(w) => self.say(w),
            Arg::Translated { en, other } => self
                .lang
                .as_deref()
                .and_then(|l| other.get(l))
                .unwrap_or(en)
                .clone(),
            Arg::List(items) => {
                let sep = self.text.get("list_separator").map_or(", ", String::as_str);
                items
                    .iter()
                    .map(|a| self.arg(a))
                    .collect::<Vec<_>>()
                    .join(sep)
            }
        }
    }
}

impl Lang {
    /// The language of a report: the one asked for, else the one of the
    /// profile given, else the one of the sites' profiles.
    pub fn choose<'a>(
        asked: Option<Lang>,
        profile: Option<&str>,
        sites: impl IntoIterator<Item = &'a str>,
    ) -> Lang {
        asked
            .or_else(|| profile.map(Lang::for_profile))
            .unwrap_or_else(|| default_lang(sites))
    }
}
