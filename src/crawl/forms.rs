//! Form inventory: what a page asks people for.
//!
//! Every `<form>` of a parsed document becomes an evidence [`Form`]: where
//! it posts, the words around it that name its purpose (id and class,
//! heading, submit buttons, text), its fields with their labels, and the
//! links next to it (the privacy notice, the terms). Nothing is judged
//! here; `analyse::forms` does that. Nothing is ever submitted.
//!
//! Both engines use it: the http engine on the static HTML, the browser
//! engine on the rendered DOM, where shadow roots and frame documents are
//! flattened into `x-shadow-root` / `x-frame-document` elements, so their
//! forms are ordinary descendants here.
//!
//! Hostile pages are bounded: at most [`MAX_FORMS`] forms, [`MAX_FIELDS`]
//! fields and [`MAX_LINKS`] links per form are kept, labels and attribute
//! values are cut to [`MAX_LABEL_CHARS`] characters and the text to
//! [`MAX_TEXT_CHARS`]. Text is gathered without recursion, so deeply nested
//! markup cannot exhaust the stack.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::evidence::{BannerLink, Form, FormField};
use crate::knowledge::lexicon::collapse_whitespace;

/// Forms kept per page.
pub const MAX_FORMS: usize = 100;
/// Fields kept per form.
pub const MAX_FIELDS: usize = 1000;
/// Links kept per form.
pub const MAX_LINKS: usize = 50;
/// Longest form text kept.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest label, heading, attribute value or link text kept.
pub const MAX_LABEL_CHARS: usize = 300;
/// Submit labels kept per form.
const MAX_SUBMIT_LABELS: usize = 20;
/// Longest URL kept.
const MAX_URL_CHARS: usize = 2000;
/// Previous siblings looked at for a heading, per level.
const MAX_HEADING_SIBLINGS: usize = 30;
/// Levels of the CSS-like selector path, nearest first.
const MAX_PATH_DEPTH: usize = 10;

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

static FORMS: LazyLock<Selector> = LazyLock::new(|| selector("form"));
static LABELS_FOR: LazyLock<Selector> = LazyLock::new(|| selector("label[for]"));
static WITH_ID: LazyLock<Selector> = LazyLock::new(|| selector("[id]"));
static OWNED_ELSEWHERE: LazyLock<Selector> =
    LazyLock::new(|| selector("input[form], select[form], textarea[form], button[form]"));
static FIELDS: LazyLock<Selector> = LazyLock::new(|| selector("input, select, textarea"));
static HEADINGS: LazyLock<Selector> = LazyLock::new(|| selector("legend, h1, h2, h3, h4, h5, h6"));
static BUTTONS: LazyLock<Selector> = LazyLock::new(|| selector("button, input"));
static LINKS: LazyLock<Selector> = LazyLock::new(|| selector("a[href]"));

/// Input types that are not filled in by a person.
const NOT_FILLED: [&str; 5] = ["hidden", "submit", "button", "reset", "image"];

/// The forms of `html`, with URLs made absolute against `base`.
pub fn extract(html: &Html, base: &Url) -> Vec<Form> {
    let forms: Vec<ElementRef<'_>> = html.select(&FORMS).take(MAX_FORMS).collect();
    if forms.is_empty() {
        return Vec::new();
    }
    let doc = Document::new(html, &forms);
    forms.into_iter().map(|f| doc.form(f, base)).collect()
}

/// Lookups shared by the forms of one document, built once.
struct Document<'a> {
    html: &'a Html,
    /// `<label for=...>` by the id it names (the first one wins).
    labels: HashMap<&'a str, ElementRef<'a>>,
    /// Controls outside their form, tied to it by a `form` attribute.
    owned_elsewhere: Vec<ElementRef<'a>>,
    /// Elements by id, built on the first `aria-labelledby`.
    ids: OnceCell<HashMap<&'a str, ElementRef<'a>>>,
}

impl<'a> Document<'a> {
    fn new(html: &'a Html, forms: &[ElementRef<'a>]) -> Self {
        let mut labels = HashMap::new();
        for label in html.select(&LABELS_FOR) {
            if let Some(target) = label.value().attr("for") {
                labels.entry(target).or_insert(label);
            }
        }
        let owned_elsewhere = if forms.iter().any(|f| f.value().id().is_some()) {
            html.select(&OWNED_ELSEWHERE).collect()
        } else {
            Vec::new()
        };
        Document {
            html,
            labels,
            owned_elsewhere,
            ids: OnceCell::new(),
        }
    }

    fn by_id(&self, id: &str) -> Option<ElementRef<'a>> {
        self.ids
            .get_or_init(|| {
                let mut ids = HashMap::new();
                for el in self.html.select(&WITH_ID) {
                    if let Some(id) = el.value().id() {
                        ids.entry(id).or_insert(el);
                    }
                }
                ids
            })
            .get(id)
            .copied()
    }

    fn form(&self, form: ElementRef<'a>, base: &Url) -> Form {
        let v = form.value();
        let action = v
            .attr("action")
            .map(str::trim)
            .filter(|a| !a.is_empty() && !is_javascript(a))
            .and_then(|a| base.join(a).ok())
            .map(|u| cut(u.as_str(), MAX_URL_CHARS));
        // Anything but `post` submits as `get` (`dialog` submits nothing).
        let post = v
            .attr("method")
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("post"));
        let method = if post { "post" } else { "get" }.to_string();
        let identity = [
            v.id(),
            v.attr("name"),
            v.attr("class"),
            v.attr("aria-label"),
        ]
        .into_iter()
        .flatten()
        .map(|a| cut(&collapse_whitespace(a), MAX_LABEL_CHARS))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let mut fields = Vec::new();
        let mut parents = HashMap::new();
        let outside = self.owned_elsewhere.iter().copied().filter(|el| {
            v.id().is_some() && el.value().attr("form") == v.id() && !is_inside(*el, form)
        });
        for el in form.select(&FIELDS).chain(outside) {
            if fields.len() >= MAX_FIELDS {
                break;
            }
            if !belongs(el, form) {
                continue;
            }
            if let Some(field) = self.field(el, form, &mut parents) {
                fields.push(field);
            }
        }
        Form {
            selector: css_path(form),
            action,
            method,
            identity,
            heading: heading(form),
            submit_labels: submit_labels(form),
            text: cut(&text_of(form, false), MAX_TEXT_CHARS),
            fields,
            links: links(form, base),
        }
    }

    fn field(
        &self,
        el: ElementRef<'a>,
        form: ElementRef<'a>,
        parents: &mut HashMap<NodeId, (String, usize)>,
    ) -> Option<FormField> {
        let v = el.value();
        let tag = v.name();
        let input_type = if tag == "input" {
            v.attr("type")
                .map(|t| cut(t.trim(), 40).to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "text".to_string())
        } else {
            tag.to_string()
        };
        if tag == "input" && NOT_FILLED.contains(&input_type.as_str()) {
            return None;
        }
        let toggle = matches!(input_type.as_str(), "checkbox" | "radio");
        let attr = |name: &str| {
            v.attr(name)
                .map(|a| cut(&collapse_whitespace(a), MAX_LABEL_CHARS))
                .filter(|a| !a.is_empty())
        };
        let label = self
            .label(el, form)
            .or_else(|| attr("aria-label"))
            .or_else(|| self.labelled_by(el))
            .or_else(|| {
                if toggle {
                    text_beside(el, form, parents)
                } else {
                    None
                }
            });
        Some(FormField {
            tag: tag.to_string(),
            input_type,
            name: attr("name"),
            id: attr("id"),
            autocomplete: attr("autocomplete"),
            label,
            placeholder: attr("placeholder"),
            required: v.attr("required").is_some()
                || v.attr("aria-required")
                    .is_some_and(|a| a.trim().eq_ignore_ascii_case("true")),
            checked: toggle && v.attr("checked").is_some(),
        })
    }

    /// `<label for=id>`, else an enclosing `<label>`.
    fn label(&self, el: ElementRef<'a>, form: ElementRef<'a>) -> Option<String> {
        let by_for = el
            .value()
            .id()
            .and_then(|id| self.labels.get(id))
            .and_then(|l| short(text_of(*l, true)));
        by_for.or_else(|| {
            el.ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| a.id() != form.id())
                .find(|a| a.value().name() == "label")
                .and_then(|l| short(text_of(l, true)))
        })
    }

    /// The text of the elements `aria-labelledby` names.
    fn labelled_by(&self, el: ElementRef<'a>) -> Option<String> {
        let ids = el.value().attr("aria-labelledby")?;
        let text = ids
            .split_whitespace()
            .take(5)
            .filter_map(|id| self.by_id(id))
            .map(|l| text_of(l, true))
            .collect::<Vec<_>>()
            .join(" ");
        short(text)
    }
}

/// Is `el` a descendant of `top`?
fn is_inside(el: ElementRef<'_>, top: ElementRef<'_>) -> bool {
    el.ancestors().any(|a| a.id() == top.id())
}

/// Does control `el` belong to `form`? Its `form` attribute decides when it
/// has one, else its nearest enclosing form.
fn belongs(el: ElementRef<'_>, form: ElementRef<'_>) -> bool {
    if let Some(owner) = el.value().attr("form") {
        return Some(owner) == form.value().id();
    }
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .find(|a| a.value().name() == "form")
        .is_some_and(|a| a.id() == form.id())
}

/// For a checkbox or radio without a label: the text of its parent when it
/// is the only control there, else the text right after it.
fn text_beside(
    el: ElementRef<'_>,
    form: ElementRef<'_>,
    parents: &mut HashMap<NodeId, (String, usize)>,
) -> Option<String> {
    let parent = el.parent().and_then(ElementRef::wrap)?;
    if parent.id() != form.id() {
        let (text, controls) = parents.entry(parent.id()).or_insert_with(|| {
            (
                cut(&text_of(parent, true), MAX_LABEL_CHARS),
                parent.select(&FIELDS).take(2).count(),
            )
        });
        if *controls <= 1 {
            return non_empty(text.clone());
        }
    }
    // The text nodes and inline elements that follow, up to the next control.
    let mut out = String::new();
    for sib in el.next_siblings() {
        match sib.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                if matches!(
                    e.name(),
                    "input" | "select" | "textarea" | "button" | "br" | "div" | "p" | "li"
                ) {
                    break;
                }
                if let Some(e) = ElementRef::wrap(sib) {
                    out.push(' ');
                    out.push_str(&text_of(e, true));
                    out.push(' ');
                }
            }
            _ => {}
        }
        if out.len() > 4 * MAX_LABEL_CHARS {
            break;
        }
    }
    short(collapse_whitespace(&out))
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// A legend or heading inside the form, else the nearest heading among the
/// previous siblings of the form, then of its parent.
fn heading(form: ElementRef<'_>) -> Option<String> {
    if let Some(h) = form
        .select(&HEADINGS)
        .find_map(|h| short(text_of(h, false)))
    {
        return Some(h);
    }
    let parent = form.parent().and_then(ElementRef::wrap);
    for start in std::iter::once(form).chain(parent) {
        for sib in start
            .prev_siblings()
            .filter_map(ElementRef::wrap)
            .take(MAX_HEADING_SIBLINGS)
        {
            let name = sib.value().name();
            if is_heading(name) {
                if let Some(h) = short(text_of(sib, false)) {
                    return Some(h);
                }
            } else if name == "form" {
                // Headings further up belong to that other form.
                break;
            }
        }
    }
    None
}

/// Labels of the submit controls of the form.
fn submit_labels(form: ElementRef<'_>) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for b in form.select(&BUTTONS) {
        if !belongs(b, form) {
            continue;
        }
        let v = b.value();
        let kind = v.attr("type").map(|t| t.trim().to_ascii_lowercase());
        let attrs: &[&str] = match (v.name(), kind.as_deref()) {
            ("button", None | Some("" | "submit")) => &["value", "aria-label", "title"],
            ("input", Some("submit")) => &["value", "aria-label", "title"],
            ("input", Some("image")) => &["alt", "value", "aria-label", "title"],
            _ => continue,
        };
        let text = if v.name() == "button" {
            short(text_of(b, true))
        } else {
            None
        };
        let label = text.or_else(|| {
            attrs.iter().find_map(|a| {
                v.attr(a)
                    .map(|s| cut(&collapse_whitespace(s), MAX_LABEL_CHARS))
                    .and_then(non_empty)
            })
        });
        if let Some(label) = label {
            if !labels.contains(&label) {
                labels.push(label);
                if labels.len() >= MAX_SUBMIT_LABELS {
                    break;
                }
            }
        }
    }
    labels
}

/// Links inside the form and in the element right after it.
fn links(form: ElementRef<'_>, base: &Url) -> Vec<BannerLink> {
    let next = form.next_siblings().find_map(ElementRef::wrap);
    let after = next.into_iter().flat_map(|n| {
        let own = (n.value().name() == "a" && n.value().attr("href").is_some()).then_some(n);
        own.into_iter().chain(n.select(&LINKS))
    });
    let mut out: Vec<BannerLink> = Vec::new();
    for a in form.select(&LINKS).chain(after) {
        if out.len() >= MAX_LINKS {
            break;
        }
        let Some(href) = a.value().attr("href").map(str::trim) else {
            continue;
        };
        if href.is_empty() || href.starts_with('#') || is_javascript(href) {
            continue;
        }
        let Ok(url) = base.join(href) else {
            continue;
        };
        let text = short(text_of(a, false))
            .or_else(|| {
                ["aria-label", "title"].iter().find_map(|n| {
                    a.value()
                        .attr(n)
                        .map(|s| cut(&collapse_whitespace(s), MAX_LABEL_CHARS))
                        .and_then(non_empty)
                })
            })
            .unwrap_or_default();
        let link = BannerLink {
            text,
            href: cut(url.as_str(), MAX_URL_CHARS),
        };
        if !out.contains(&link) {
            out.push(link);
        }
    }
    out
}

fn is_javascript(href: &str) -> bool {
    href.get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("javascript:"))
}

/// A CSS-like path of `el`: `body > main > form#newsletter`,
/// `div.footer > form:nth-of-type(2)`; it starts at the nearest ancestor
/// with an id, or [`MAX_PATH_DEPTH`] levels up.
pub fn css_path(el: ElementRef<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(el);
    while let Some(e) = current {
        let v = e.value();
        let name = v.name();
        if name == "html" || parts.len() >= MAX_PATH_DEPTH {
            break;
        }
        let mut part = name.to_string();
        if let Some(id) = v.id().filter(|id| plain_ident(id)) {
            part.push('#');
            part.push_str(id);
            parts.push(part);
            break;
        }
        for class in v.classes().filter(|c| plain_ident(c)).take(2) {
            part.push('.');
            part.push_str(class);
        }
        let same = |s: &ego_tree::NodeRef<'_, Node>| {
            s.value().as_element().is_some_and(|s| s.name() == name)
        };
        let before = e.prev_siblings().filter(same).count();
        if before > 0 || e.next_siblings().any(|s| same(&s)) {
            part.push_str(&format!(":nth-of-type({})", before + 1));
        }
        parts.push(part);
        current = e.parent().and_then(ElementRef::wrap);
    }
    parts.reverse();
    parts.join(" > ")
}

/// An id or class that reads as a CSS identifier as is.
fn plain_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Visible text of `el`, white space collapsed: script, style, template
/// and svg contents skipped; with `label`, the options of selects and the
/// contents of text areas too (a label reads "Country", not every
/// country). Walks the tree without recursion, blocks separated by a space,
/// like [`crate::banner::visible_text`].
fn text_of(el: ElementRef<'_>, label: bool) -> String {
    let mut out = String::new();
    let mut skipping: Option<NodeId> = None;
    for edge in el.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(e) if node.id() != el.id() => {
                        let name = e.name();
                        let skip =
                            matches!(name, "script" | "style" | "noscript" | "template" | "svg")
                                || (label && matches!(name, "select" | "textarea" | "datalist"));
                        if skip {
                            skipping = Some(node.id());
                        } else if !is_inline(name) {
                            out.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none() && node.id() != el.id() {
                    if let Node::Element(e) = node.value() {
                        if !is_inline(e.name()) {
                            out.push(' ');
                        }
                    }
                }
            }
        }
        // Far more than will be kept: stop reading a hostile page.
        if out.len() > 64 * MAX_TEXT_CHARS {
            break;
        }
    }
    collapse_whitespace(&out)
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "span" | "a" | "b" | "i" | "em" | "strong" | "small" | "label" | "abbr" | "sup" | "sub"
    )
}

/// `s` cut to a label's length, when not empty.
fn short(s: String) -> Option<String> {
    non_empty(cut(&s, MAX_LABEL_CHARS))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The first `max` characters of `s`.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(html: &str) -> Vec<Form> {
        extract(
            &Html::parse_document(html),
            &Url::parse("https://shop.example.fr/fr/page").unwrap(),
        )
    }

    fn labels(form: &Form) -> Vec<Option<&str>> {
        form.fields.iter().map(|f| f.label.as_deref()).collect()
    }

    #[test]
    fn forms_french_newsletter_form() {
        let f = forms(
            r##"<body><footer><section class="news"><h2>Restez informé</h2><p>Nos bons plans</p>
            <form id="newsletter" class="nl-form big" action="/newsletter/subscribe" method="POST">
              <input type="hidden" name="token" value="x">
              <label for="nl-email">Adresse e-mail *</label>
              <input type="email" id="nl-email" name="email" required autocomplete="email" placeholder="vous@exemple.fr">
              <label>Téléphone <input type="tel" name="phone" aria-required="true"></label>
              <input type="text" name="dob" autocomplete="bday" aria-label="Date de naissance" required>
              <select name="pays" id="pays"><option>France</option><option>Belgique</option></select>
              <label for="pays">Pays</label>
              <div><input type="checkbox" name="partners" checked> J'accepte de recevoir les offres de nos partenaires</div>
              <button>Je m'abonne</button>
              <input type="submit" value="OK">
              <button type="button">Annuler</button>
            </form>
            <p><a href="/fr/confidentialite">Politique de confidentialité</a> <a href="javascript:void(0)">x</a> <a href="#top">haut</a></p>
            </section></footer></body>"##,
        );
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!(f.selector, "form#newsletter");
        assert_eq!(
            f.action.as_deref(),
            Some("https://shop.example.fr/newsletter/subscribe")
        );
        assert_eq!(f.method, "post");
        assert_eq!(f.identity, "newsletter nl-form big");
        assert_eq!(f.heading.as_deref(), Some("Restez informé"));
        assert_eq!(f.submit_labels, ["Je m'abonne", "OK"]);
        assert_eq!(
            labels(f),
            [
                Some("Adresse e-mail *"),
                Some("Téléphone"),
                Some("Date de naissance"),
                Some("Pays"),
                Some("J'accepte de recevoir les offres de nos partenaires"),
            ]
        );
        let types: Vec<&str> = f.fields.iter().map(|x| x.input_type.as_str()).collect();
        assert_eq!(types, ["email", "tel", "text", "select", "checkbox"]);
        let required: Vec<bool> = f.fields.iter().map(|x| x.required).collect();
        assert_eq!(required, [true, true, true, false, false]);
        let checked: Vec<bool> = f.fields.iter().map(|x| x.checked).collect();
        assert_eq!(checked, [false, false, false, false, true]);
        let email = &f.fields[0];
        assert_eq!(email.tag, "input");
        assert_eq!(email.name.as_deref(), Some("email"));
        assert_eq!(email.id.as_deref(), Some("nl-email"));
        assert_eq!(email.autocomplete.as_deref(), Some("email"));
        assert_eq!(email.placeholder.as_deref(), Some("vous@exemple.fr"));
        assert_eq!(f.fields[2].autocomplete.as_deref(), Some("bday"));
        assert_eq!(f.fields[3].tag, "select");
        assert_eq!(
            f.links,
            [BannerLink {
                text: "Politique de confidentialité".into(),
                href: "https://shop.example.fr/fr/confidentialite".into()
            }]
        );
        assert!(
            f.text.starts_with("Adresse e-mail * Téléphone"),
            "{}",
            f.text
        );
        assert!(f.text.contains("J'accepte de recevoir les offres"));
    }

    #[test]
    fn forms_label_resolution() {
        let f = forms(
            r#"<form>
              <label for="a">By for</label><input id="a" name="a">
              <label>Wrapped <b>label</b> <input name="b"></label>
              <input name="c" aria-label="By aria">
              <span id="lb1">Labelled</span><span id="lb2">by ids</span><input name="d" aria-labelledby="lb1 lb2">
              <input name="e" placeholder="Only a placeholder">
              <p><input type="checkbox" name="f"> Parent <i>text</i></p>
              <p><input type="radio" name="g" value="1">Oui <input type="radio" name="g" value="2">Non</p>
              <textarea name="h" aria-label="Message"></textarea>
              <input type="reset"><input type="image" alt="Go"><input type="button" value="x">
            </form>"#,
        );
        let f = &f[0];
        assert_eq!(
            labels(f),
            [
                Some("By for"),
                Some("Wrapped label"),
                Some("By aria"),
                Some("Labelled by ids"),
                None,
                Some("Parent text"),
                Some("Oui"),
                Some("Non"),
                Some("Message"),
            ]
        );
        assert_eq!(
            f.fields[4].placeholder.as_deref(),
            Some("Only a placeholder")
        );
        assert_eq!(f.fields[8].input_type, "textarea");
        assert_eq!(f.method, "get");
        assert_eq!(f.action, None);
        assert_eq!(f.submit_labels, ["Go"]);
        assert_eq!(f.selector, "body > form");
    }

    #[test]
    fn forms_nested_in_shadow_roots_and_frames() {
        let f = forms(
            r#"<body><div id="app"><x-shadow-root><div class="card"><h3>Contact</h3>
            <form class="contact"><input name="email" type="email"></form>
            <form class="contact"><input name="q" type="search"></form></div></x-shadow-root></div>
            <x-frame-document data-barometer-in="https://other.example/frame"><body>
            <form action="javascript:go()"><legend>Login</legend><input type="password" name="pw"></form>
            </body></x-frame-document></body>"#,
        );
        assert_eq!(f.len(), 3);
        assert_eq!(
            f[0].selector,
            "div#app > x-shadow-root > div.card > form.contact:nth-of-type(1)"
        );
        assert_eq!(f[0].heading.as_deref(), Some("Contact"));
        // The heading before the first form belongs to it.
        assert_eq!(f[1].heading, None);
        assert_eq!(f[1].fields[0].input_type, "search");
        assert_eq!(f[2].action, None);
        assert_eq!(f[2].heading.as_deref(), Some("Login"));
        assert_eq!(f[2].fields[0].input_type, "password");
    }

    #[test]
    fn forms_controls_tied_by_form_attribute() {
        let f = forms(
            r#"<form id="f1"><input name="inside"><input name="elsewhere" form="f2"></form>
            <input name="outside" form="f1"><input name="loose">"#,
        );
        let names: Vec<_> = f[0].fields.iter().map(|x| x.name.as_deref()).collect();
        assert_eq!(names, [Some("inside"), Some("outside")]);
    }

    #[test]
    fn forms_hostile_input_does_not_panic() {
        assert!(forms("<p>No form here</p>").is_empty());
        assert!(forms("").is_empty());

        let mut many = String::from("<form id=big>");
        for i in 0..5000 {
            many.push_str(&format!("<input type=checkbox name=c{i}>"));
        }
        many.push_str("</form>");
        let started = std::time::Instant::now();
        let f = forms(&many);
        assert_eq!(f[0].fields.len(), MAX_FIELDS);
        assert!(started.elapsed().as_secs() < 5);

        let broken = r#"<table><form id="t"><tr><td><input name="a"><div><form><input name=b></td></tr></table>
            </form></form><form><p><label for=x>Unclosed<input id=x name=x type=CHECKBOX CHECKED><select><textarea>"#;
        let f = forms(broken);
        assert!(!f.is_empty());
        assert!(f
            .iter()
            .flat_map(|f| &f.fields)
            .any(|x| x.input_type == "checkbox" && x.checked));

        let huge = "x".repeat(100_000);
        let page = format!(
            r#"<form id="{huge}" class="{huge}" action="{huge}"><label for=z>{huge}</label><input id=z name="{huge}" placeholder="{huge}" autocomplete="{huge}"><h2>{huge}</h2><a href="/{huge}">{huge}</a></form>"#
        );
        let f = forms(&page);
        let field = &f[0].fields[0];
        assert_eq!(
            field.label.as_ref().unwrap().chars().count(),
            MAX_LABEL_CHARS
        );
        assert_eq!(
            field.name.as_ref().unwrap().chars().count(),
            MAX_LABEL_CHARS
        );
        assert_eq!(f[0].text.chars().count(), MAX_TEXT_CHARS);
        assert!(f[0].selector.len() < 100);
        assert!(f[0].identity.chars().count() <= 2 * MAX_LABEL_CHARS + 1);

        // Deep nesting: no recursion to overflow.
        let deep = format!(
            "<form>{}<input name=deep aria-label=Deep>{}</form>",
            "<span>".repeat(20_000),
            "</span>".repeat(20_000)
        );
        let f = forms(&deep);
        assert_eq!(f[0].fields.len(), 1);

        // Multi-byte text cut at a character boundary.
        let accents = format!("<form><p>{}</p></form>", "é".repeat(3000));
        assert_eq!(forms(&accents)[0].text.chars().count(), MAX_TEXT_CHARS);
    }
}
