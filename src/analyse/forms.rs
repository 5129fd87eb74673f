//! Forms: what a form is for, what it asks for, and whether it asks for
//! more than that purpose needs (GDPR art. 5(1)(c), data minimisation).
//!
//! Everything a form can be for and every category a field can ask for
//! lives in `rules/forms.toml` ([`FormKnowledge`]); this module applies it.
//!
//! - **Purpose.** The words of each purpose are looked for in the form's
//!   id, name, class and aria-label, then its action URL path, its heading,
//!   its submit labels, and its text (without its checkbox labels, which
//!   speak of newsletters and offers on any form): the first source where a
//!   purpose matches decides, and among purposes the first in file order.
//!   When no words match, the fields tell: a lone search field is a search,
//!   an identifier and a password alone a login, a new password an
//!   account, a payment field a checkout, a message with an e-mail address
//!   a contact form. Else the purpose is `other`: its personal fields are
//!   not marked needed, but none is reported as unneeded either.
//! - **Category** of each field: its autocomplete token, then its input
//!   type, then its name or id, then its label or placeholder (checkboxes
//!   and radios: names, then special categories only; a checkbox whose
//!   label is an opt-in is `optin`). A label that speaks of a special
//!   category overrides a category found by name only: `name="message"`
//!   labelled "your health condition" asks for health data.
//! - **Needed**: a required field is needed when its category is in the
//!   purpose's `needs`; an optional one when it is in `needs`, `may` or
//!   `varies`. Categories that are not personal data (`other`, `optin`,
//!   `message`, `search`, `organization`) are always needed: minimisation
//!   is about personal data.
//! - **Excessive**: a required personal field that is clearly not needed
//!   (in none of the purpose's lists). One in `varies`, which some services
//!   with that purpose need and others do not (an account holder's name),
//!   is only *possibly* excessive: reported at medium confidence, never
//!   raised. A search or login form is never excessive.

use std::collections::BTreeMap;

use url::Url;

use crate::evidence::{Form, FormField};
use crate::facts::{FormFact, FormFieldFact, FormSummary};
use crate::knowledge::forms::{FormKnowledge, Unneeded};
use crate::knowledge::lexicon::{normalise, Lexicons};

/// Purposes never reported as excessive, nor as lacking a notice: a search
/// asks nothing personal, a login only what the account already holds.
const NEVER_EXCESSIVE: [&str; 2] = ["search", "login"];

/// The category of one field.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Class<'k> {
    id: &'k str,
    personal: bool,
    special: bool,
}

const OTHER: Class<'static> = Class {
    id: "other",
    personal: false,
    special: false,
};

/// What a form on `page_url` is for, and what it asks for.
pub fn analyse(page_url: &str, form: &Form, k: &FormKnowledge, lex: &Lexicons) -> FormFact {
    let classes: Vec<Class<'_>> = form.fields.iter().map(|f| classify(f, k)).collect();
    let (purpose_id, purpose_evidence) = purpose(form, &classes, k);
    let purpose = k.purpose(&purpose_id);

    let mut fields = Vec::with_capacity(form.fields.len());
    let mut categories: Vec<String> = Vec::new();
    let mut special_categories: Vec<String> = Vec::new();
    let mut unneeded_required = Vec::new();
    let mut possibly_unneeded_required = Vec::new();
    let mut preticked_optins = Vec::new();
    let judged = purpose.is_some() && !NEVER_EXCESSIVE.contains(&purpose_id.as_str());
    for (field, class) in form.fields.iter().zip(&classes) {
        let label = field_label(field);
        let unneeded = match purpose {
            Some(p) if class.personal => p.unneeded(class.id, field.required),
            _ => None,
        };
        let needed = !class.personal || (purpose.is_some() && unneeded != Some(Unneeded::High));
        if class.personal && !categories.iter().any(|c| c == class.id) {
            categories.push(class.id.to_string());
        }
        if class.special && !special_categories.iter().any(|c| c == class.id) {
            special_categories.push(class.id.to_string());
        }
        if judged && field.required {
            match unneeded {
                Some(Unneeded::High) => unneeded_required.push(format!("{label} ({})", class.id)),
                Some(Unneeded::Medium) => {
                    possibly_unneeded_required.push(format!("{label} ({})", class.id))
                }
                None => {}
            }
        }
        let checked = field.checked;
        if checked && class.id == "optin" && field.input_type == "checkbox" {
            preticked_optins.push(label.clone());
        }
        fields.push(FormFieldFact {
            label,
            category: class.id.to_string(),
            required: field.required,
            needed,
            special: class.special,
            checked,
        });
    }
    // The excess in every language the forms knowledge words it in.
    let mut excess_i18n: BTreeMap<String, String> = match purpose {
        Some(p) if !unneeded_required.is_empty() => k
            .excess
            .iter()
            .map(|(lang, sentence)| {
                let said = sentence
                    .replace("{fields}", &unneeded_required.join(", "))
                    .replace("{noun}", p.noun_in(lang));
                (lang.clone(), said)
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let excess = excess_i18n.remove("en").unwrap_or_default();
    FormFact {
        page: page_url.to_string(),
        selector: form.selector.clone(),
        purpose: purpose_id,
        purpose_evidence,
        personal: !categories.is_empty(),
        fields,
        categories,
        unneeded_required,
        possibly_unneeded_required,
        excess,
        excess_i18n,
        special_categories,
        preticked_optins,
        notice_linked: notice_linked(form, k, lex),
    }
}

/// Counts over the forms of a site.
pub fn summary(forms: &[FormFact]) -> FormSummary {
    let count = |pred: &dyn Fn(&FormFact) -> bool| forms.iter().filter(|f| pred(f)).count() as u32;
    FormSummary {
        count: forms.len() as u32,
        personal: count(&|f| f.personal),
        excessive: count(&|f| !f.unneeded_required.is_empty()),
        possibly_excessive: count(&|f| {
            f.unneeded_required.is_empty() && !f.possibly_unneeded_required.is_empty()
        }),
        special_category: count(&|f| !f.special_categories.is_empty()),
        preticked_optin: count(&|f| !f.preticked_optins.is_empty()),
        without_notice: count(&|f| {
            f.personal && !f.notice_linked && !NEVER_EXCESSIVE.contains(&f.purpose.as_str())
        }),
    }
}

/// Label, else name, else type; a trailing required-marker (`*`, `:`)
/// left out.
fn field_label(field: &FormField) -> String {
    let clean = |s: &str| {
        s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '*' | ':' | '：'))
            .trim_start_matches(|c: char| c.is_whitespace() || c == '*')
            .to_string()
    };
    [field.label.as_deref(), field.name.as_deref()]
        .into_iter()
        .flatten()
        .map(clean)
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| field.input_type.clone())
}

fn is_toggle(field: &FormField) -> bool {
    matches!(field.input_type.as_str(), "checkbox" | "radio")
}

/// The category of a field (see the module documentation for the order).
fn classify<'k>(field: &FormField, k: &'k FormKnowledge) -> Class<'k> {
    let class = |c: &'k crate::knowledge::forms::Category| Class {
        id: &c.id,
        personal: c.personal,
        special: c.special,
    };
    let label = field.label.as_deref().map(normalise).unwrap_or_default();
    let placeholder = field
        .placeholder
        .as_deref()
        .map(normalise)
        .unwrap_or_default();
    let lower = |s: &Option<String>| s.as_deref().map(str::to_lowercase).unwrap_or_default();
    let (name, id) = (lower(&field.name), lower(&field.id));
    let toggle = is_toggle(field);

    if field.input_type == "checkbox" {
        let optin = k.optin(&label).is_some()
            || k.category("optin").is_some_and(|c| {
                (!name.is_empty() && c.names.is_match(&name))
                    || (!id.is_empty() && c.names.is_match(&id))
            });
        if optin {
            return Class {
                id: k.category("optin").map_or("optin", |c| c.id.as_str()),
                personal: false,
                special: false,
            };
        }
    }
    let categories = || k.categories.iter().filter(|c| c.id != "optin");
    let by_label = |special_only: bool| {
        categories()
            .filter(|c| !special_only || c.special)
            .find(|c| {
                (!label.is_empty() && c.labels.is_match(&label))
                    || (!placeholder.is_empty() && c.labels.is_match(&placeholder))
            })
            .map(class)
    };

    // 1. Autocomplete tokens ("shipping email", "section-a tel").
    if let Some(ac) = &field.autocomplete {
        let tokens: Vec<String> = ac.split_whitespace().map(str::to_ascii_lowercase).collect();
        if let Some(c) = categories().find(|c| tokens.iter().any(|t| c.autocomplete.contains(t))) {
            return class(c);
        }
    }
    // 2. Input type.
    if let Some(c) = categories().find(|c| c.types.contains(&field.input_type)) {
        return class(c);
    }
    // 3. Name or id; a special category in the label still wins.
    let by_name = categories().find(|c| {
        (!name.is_empty() && c.names.is_match(&name)) || (!id.is_empty() && c.names.is_match(&id))
    });
    if let Some(c) = by_name {
        if !c.special {
            if let Some(special) = by_label(true) {
                return special;
            }
        }
        return class(c);
    }
    // 4. Label or placeholder (toggles: special categories only, their
    //    labels are answers, not the data asked for).
    if let Some(c) = by_label(toggle) {
        return c;
    }
    categories()
        .find(|c| c.fallback_types.contains(&field.input_type))
        .map(class)
        .unwrap_or(OTHER)
}

/// Text from ids and URLs as words: `newsletterForm` and `nl_form-2`
/// become `newsletter form` and `nl form 2`.
fn words_of(attr: &str) -> String {
    let mut out = String::with_capacity(attr.len() + 8);
    let mut prev_lower = false;
    for c in attr.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                out.push(' ');
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            out.push(c);
        } else {
            out.push(' ');
            prev_lower = false;
        }
    }
    normalise(&out)
}

/// The purpose of the form and what gave it away.
fn purpose(form: &Form, classes: &[Class<'_>], k: &FormKnowledge) -> (String, String) {
    let path = form
        .action
        .as_deref()
        .and_then(|a| Url::parse(a).ok())
        .map(|u| words_of(u.path()))
        .unwrap_or_default();
    let submit = form
        .submit_labels
        .iter()
        .map(|l| normalise(l))
        .collect::<Vec<_>>()
        .join(" | ");
    let sources = [
        ("the form's id, name or class", words_of(&form.identity)),
        ("the form's action URL", path),
        (
            "the heading",
            form.heading.as_deref().map(normalise).unwrap_or_default(),
        ),
        ("a submit button", submit),
        ("the form's text", text_without_checkbox_labels(form)),
    ];
    for (place, text) in &sources {
        if text.is_empty() {
            continue;
        }
        for p in &k.purposes {
            if let Some(words) = p.words.find(text) {
                return (p.id.clone(), format!("\"{words}\" in {place}"));
            }
        }
    }
    purpose_from_fields(form, classes)
        .map(|(p, why)| (p.to_string(), format!("fields: {why}")))
        .unwrap_or_else(|| ("other".to_string(), String::new()))
}

/// The normalised text of the form, its checkbox labels cut out.
fn text_without_checkbox_labels(form: &Form) -> String {
    let mut text = normalise(&form.text);
    for f in form.fields.iter().filter(|f| f.input_type == "checkbox") {
        if let Some(label) = f.label.as_deref().map(normalise).filter(|l| !l.is_empty()) {
            text = text.replace(&label, " | ");
        }
    }
    text
}

/// A purpose told by the fields alone, when no words name it.
fn purpose_from_fields(form: &Form, classes: &[Class<'_>]) -> Option<(&'static str, &'static str)> {
    // Fields a person types into; checkboxes ("remember me") aside.
    let typed: Vec<(&FormField, &Class<'_>)> = form
        .fields
        .iter()
        .zip(classes)
        .filter(|(f, _)| !is_toggle(f))
        .collect();
    let count = |id: &str| typed.iter().filter(|(_, c)| c.id == id).count();
    let passwords = count("password");
    if typed.len() == 1 && (typed[0].1.id == "search" || typed[0].0.input_type == "search") {
        return Some(("search", "a lone search field"));
    }
    if passwords == 1 && typed.len() == 2 && count("email") + count("username") == 1 {
        return Some(("login", "an identifier and a password, nothing else"));
    }
    let new_password = form.fields.iter().any(|f| {
        f.autocomplete
            .as_deref()
            .is_some_and(|a| a.to_ascii_lowercase().contains("new-password"))
    });
    if passwords >= 2 || new_password {
        return Some(("account", "a new password"));
    }
    if count("payment") > 0 {
        return Some(("checkout", "a payment field"));
    }
    if count("message") > 0 && count("email") > 0 {
        return Some(("contact", "a message and an e-mail address"));
    }
    None
}

/// A privacy notice is linked or named at the form.
fn notice_linked(form: &Form, k: &FormKnowledge, lex: &Lexicons) -> bool {
    let by_link = form.links.iter().any(|l| {
        lex.is_policy_link(&l.text)
            || k.notice_named(&normalise(&l.text)).is_some()
            || Url::parse(&l.href).is_ok_and(|u| k.notice_path(&u.path().to_lowercase()))
    });
    by_link || k.notice_named(&normalise(&form.text)).is_some()
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use scraper::Html;

    use super::*;
    use crate::crawl::forms::extract;

    static KNOWLEDGE: LazyLock<(FormKnowledge, Lexicons)> = LazyLock::new(|| {
        (
            FormKnowledge::builtin().unwrap(),
            Lexicons::builtin().unwrap(),
        )
    });

    const PAGE: &str = "https://www.example.fr/";

    fn facts(html: &str) -> Vec<FormFact> {
        let (k, lex) = &*KNOWLEDGE;
        let doc = Html::parse_document(html);
        extract(&doc, &Url::parse(PAGE).unwrap())
            .iter()
            .map(|f| analyse(PAGE, f, k, lex))
            .collect()
    }

    fn one(html: &str) -> FormFact {
        let mut all = facts(html);
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    fn categories(f: &FormFact) -> Vec<&str> {
        f.fields.iter().map(|x| x.category.as_str()).collect()
    }

    #[test]
    fn forms_french_newsletter_asks_too_much() {
        let f = one(r#"<body><div class="bloc"><h3>Nos bons plans</h3>
            <form id="newsletter" action="/inscription" method="post">
              <label for="email">Adresse e-mail *</label>
              <input type="email" id="email" name="email" required>
              <label for="tel">Téléphone *</label>
              <input type="tel" id="tel" name="tel" required>
              <label for="naissance">Date de naissance</label>
              <input type="text" id="naissance" name="d" autocomplete="bday" required>
              <label><input type="checkbox" name="partenaires" checked>
                J'accepte de recevoir les offres de nos partenaires</label>
              <button type="submit">Je m'inscris</button>
            </form></div></body>"#);
        assert_eq!(f.page, PAGE);
        assert_eq!(f.selector, "form#newsletter");
        assert_eq!(f.purpose, "newsletter");
        assert_eq!(
            f.purpose_evidence,
            "\"newsletter\" in the form's id, name or class"
        );
        assert_eq!(categories(&f), ["email", "phone", "birth_date", "optin"]);
        assert_eq!(f.categories, ["email", "phone", "birth_date"]);
        assert_eq!(
            f.unneeded_required,
            ["Téléphone (phone)", "Date de naissance (birth_date)"]
        );
        assert_eq!(
            f.excess,
            "requires Téléphone (phone), Date de naissance (birth_date), which a newsletter sign-up does not need"
        );
        assert_eq!(
            f.preticked_optins,
            ["J'accepte de recevoir les offres de nos partenaires"]
        );
        assert!(f.special_categories.is_empty());
        assert!(f.personal);
        assert!(!f.notice_linked);
        let needed: Vec<bool> = f.fields.iter().map(|x| x.needed).collect();
        assert_eq!(needed, [true, false, false, true]);
        let s = summary(&[f]);
        assert_eq!(
            (
                s.count,
                s.personal,
                s.excessive,
                s.special_category,
                s.preticked_optin,
                s.without_notice
            ),
            (1, 1, 1, 0, 1, 1)
        );
    }

    #[test]
    fn forms_clean_newsletter_reports_nothing() {
        let f = one(r#"<section><h2>Newsletter</h2>
            <form class="footer-form" action="https://lists.example.fr/s">
              <input type="email" name="EMAIL" aria-label="Votre e-mail" required>
              <input type="text" name="FNAME" placeholder="Prénom (facultatif)">
              <label><input type="checkbox" name="offers"> Je souhaite aussi recevoir les offres</label>
              <input type="submit" value="OK">
            </form>
            <p class="small"><a href="/politique-de-confidentialite">Politique de confidentialité</a></p></section>"#);
        assert_eq!(f.purpose, "newsletter");
        assert_eq!(f.purpose_evidence, "\"newsletter\" in the heading");
        assert_eq!(categories(&f), ["email", "name", "optin"]);
        assert!(f.fields.iter().all(|x| x.needed));
        assert!(f.unneeded_required.is_empty());
        assert!(f.preticked_optins.is_empty());
        assert!(f.special_categories.is_empty());
        assert!(f.notice_linked);
        let s = summary(&[f]);
        assert_eq!(
            (
                s.count,
                s.personal,
                s.excessive,
                s.preticked_optin,
                s.without_notice
            ),
            (1, 1, 0, 0, 0)
        );
    }

    #[test]
    fn forms_account_requiring_names_is_not_excessive() {
        let f = one(
            r#"<form id="register" action="/account/create" method="post">
              <h2>Create your account</h2>
              <label for="fn">First name *</label><input id="fn" name="first_name" autocomplete="given-name" required>
              <label for="ln">Last name *</label><input id="ln" name="last_name" autocomplete="family-name" required>
              <label for="e">Email *</label><input id="e" type="email" name="email" required>
              <label for="p">Password *</label><input id="p" type="password" name="password" autocomplete="new-password" required>
              <button type="submit">Create account</button>
            </form>"#,
        );
        assert_eq!(f.purpose, "account");
        assert!(f.unneeded_required.is_empty());
        assert_eq!(
            f.possibly_unneeded_required,
            ["First name (name)", "Last name (name)"]
        );
        assert!(f.fields.iter().all(|x| x.needed));
        assert_eq!(f.excess, "");
        let s = summary(&[f]);
        assert_eq!((s.excessive, s.possibly_excessive), (0, 1));
    }

    #[test]
    fn forms_newsletter_requiring_a_first_name_is_only_possibly_excessive() {
        let f = one(r#"<form class="newsletter"><h3>Newsletter</h3>
              <label for="p">Prénom *</label><input id="p" name="prenom" required>
              <label for="e">E-mail *</label><input id="e" type="email" name="email" required>
              <button>Je m'inscris</button></form>"#);
        assert_eq!(f.purpose, "newsletter");
        assert!(f.unneeded_required.is_empty());
        assert_eq!(f.possibly_unneeded_required, ["Prénom (name)"]);
    }

    #[test]
    fn forms_german_contact_form() {
        let f = one(r#"<main><h1>Kontakt</h1><p>Schreiben Sie uns.</p>
            <form action="/absenden" method="post" class="form">
              <label for="n">Name *</label><input id="n" name="your-name" required>
              <label for="m">E-Mail-Adresse *</label><input id="m" type="email" name="your-email" required>
              <label for="t">Telefon *</label><input id="t" name="telefon" required>
              <label for="f">Firma</label><input id="f" name="firma">
              <label for="x">Nachricht *</label><textarea id="x" name="text" required></textarea>
              <label><input type="checkbox" name="ds" required> Ich habe die Datenschutzerklärung gelesen.</label>
              <button>Senden</button>
            </form></main>"#);
        assert_eq!(f.purpose, "contact");
        assert_eq!(f.purpose_evidence, "\"kontakt\" in the heading");
        assert_eq!(
            categories(&f),
            ["name", "email", "phone", "organization", "message", "other"]
        );
        assert_eq!(f.categories, ["name", "email", "phone"]);
        // Some businesses call back: a required phone is only possibly
        // excessive on a contact form.
        assert!(f.unneeded_required.is_empty());
        assert_eq!(f.possibly_unneeded_required, ["Telefon (phone)"]);
        assert_eq!(f.excess, "");
        assert_eq!(summary(std::slice::from_ref(&f)).possibly_excessive, 1);
        assert!(f.notice_linked, "Datenschutzerklärung named at the form");
        assert!(f.preticked_optins.is_empty());
    }

    #[test]
    fn forms_health_data_is_special() {
        let f = one(r#"<form id="rdv"><legend>Prendre rendez-vous</legend>
              <input type="email" name="email" aria-label="E-mail" required>
              <label for="g">Gesundheitszustand</label><select id="g" name="zustand"><option>gut</option></select>
              <label for="h">Your health condition</label><textarea id="h" name="message"></textarea>
              <input name="allergies" aria-label="Allergies">
            </form>"#);
        assert_eq!(f.special_categories, ["health"]);
        assert_eq!(categories(&f), ["email", "health", "health", "health"]);
        assert!(f.fields[1].special && !f.fields[1].needed);
        assert_eq!(f.purpose, "other");
        assert!(f.unneeded_required.is_empty(), "no purpose, nothing judged");
        assert_eq!(summary(&[f]).special_category, 1);
    }

    #[test]
    fn forms_search_is_never_excessive() {
        let all = facts(
            r#"<form action="/recherche"><input type="text" name="q" required>
                 <input type="tel" name="phone" aria-label="Téléphone" required></form>
               <form><input type="search" name="term"></form>
               <form><input type="email" name="login"><input type="password" name="pw"></form>"#,
        );
        assert_eq!(all[0].purpose, "search");
        assert_eq!(
            all[0].purpose_evidence,
            "\"recherche\" in the form's action URL"
        );
        assert!(all[0].personal);
        assert!(all[0].unneeded_required.is_empty());
        assert_eq!(all[1].purpose, "search");
        assert_eq!(all[1].purpose_evidence, "fields: a lone search field");
        assert!(!all[1].personal);
        assert_eq!(all[2].purpose, "login");
        assert_eq!(
            all[2].purpose_evidence,
            "fields: an identifier and a password, nothing else"
        );
        let s = summary(&all);
        assert_eq!(
            (s.count, s.personal, s.excessive, s.without_notice),
            (3, 2, 0, 0)
        );
    }

    #[test]
    fn forms_purpose_sources_in_order() {
        let all = facts(
            r#"<form id="signupForm"><h2>Newsletter</h2><input type="email" name="e"></form>
               <form action="/checkout/pay"><input name="q"></form>
               <form><button>Se connecter</button><input name="user"><input type="password" name="p"><p>Pas encore de compte ? Créer un compte</p></form>
               <form><p>Inscrivez-vous à notre newsletter</p><label><input type="checkbox"> Contactez-moi</label><input type="email" name="m"></form>
               <form><p>Votre message</p><label><input type="checkbox"> Recevoir la newsletter</label><textarea name="m"></textarea></form>"#,
        );
        let purposes: Vec<(&str, &str)> = all
            .iter()
            .map(|f| (f.purpose.as_str(), f.purpose_evidence.as_str()))
            .collect();
        assert_eq!(
            purposes,
            [
                ("account", "\"signup\" in the form's id, name or class"),
                ("checkout", "\"checkout\" in the form's action URL"),
                ("login", "\"se connecter\" in a submit button"),
                ("newsletter", "\"newsletter\" in the form's text"),
                ("contact", "\"votre message\" in the form's text"),
            ]
        );
    }

    #[test]
    fn forms_field_categories_by_priority() {
        let f = one(r#"<form id="create-account">
              <input type="text" name="phone" autocomplete="shipping email" aria-label="x">
              <input type="tel" name="email">
              <input name="customer[birth_date]">
              <input name="zz" placeholder="Votre numéro de téléphone">
              <input name="company_name" aria-label="Company name">
              <input name="field7" aria-label="Nom d'utilisateur" required>
              <input type="password" name="pw" required>
              <input type="radio" name="civilite" value="mme" required>
              <input type="checkbox" name="newsletter_optin" checked>
              <input type="checkbox" name="cgu" aria-label="J'accepte les CGU" required>
              <input type="date" name="delivery" aria-label="Date de livraison">
              <input type="text" name="passport_no" required aria-label="Numéro de passeport">
            </form>"#);
        assert_eq!(
            categories(&f),
            [
                "email",
                "phone",
                "birth_date",
                "phone",
                "organization",
                "username",
                "password",
                "gender",
                "optin",
                "other",
                "other",
                "national_id"
            ]
        );
        assert_eq!(f.purpose, "account");
        assert_eq!(f.unneeded_required, ["Numéro de passeport (national_id)"]);
        assert_eq!(f.possibly_unneeded_required, ["civilite (gender)"]);
        assert_eq!(
            f.excess,
            "requires Numéro de passeport (national_id), which an account does not need"
        );
        assert_eq!(f.preticked_optins, ["newsletter_optin"]);
    }

    #[test]
    fn forms_notice_by_link_path_and_summary_of_nothing() {
        let f = one(
            r#"<form class="contact"><input type="email" name="email" required>
               <textarea name="msg" required></textarea>
               <small><a href="/de/datenschutz">Hier</a></small></form>"#,
        );
        assert!(f.notice_linked);
        let s = summary(&[]);
        assert_eq!((s.count, s.personal, s.without_notice), (0, 0, 0));
    }
}
