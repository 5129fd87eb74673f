//! Find the consent banner in a document and classify its buttons.
//!
//! The detector works on a parsed DOM, so every engine can use it: the http
//! engine on the static HTML, the browser engine on the rendered DOM
//! flattened with its shadow roots and frames. It reports what it saw (the
//! container, text, buttons and their roles); judging is left to the rules.
//!
//! How a container is recognised, strongest signal first:
//! 1. markup of a known consent platform (`rules/cmps.toml`);
//! 2. an accept or reject button whose ancestor is named like a banner
//!    (id, class, aria-label or dialog role speaking of cookies, consent,
//!    GDPR/RGPD, privacy) or whose text speaks of cookies in one of the
//!    lexicon languages.
//!
//! Buttons inside parts of the banner that are hidden in the markup
//! (`hidden`, `aria-hidden`, `display:none`) are second-layer buttons.
//! The browser engine marks what its layout hides as well
//! (`data-barometer-hidden`: a stylesheet's `display: none`, zero size,
//! off-screen...) and the elements that act as buttons without being ones
//! in the markup (`data-barometer-click`: a `span` with a click handler).
//!
//! The banner's text is its first layer as shown: hidden parts are left
//! out. Their text, and that of hidden consent dialogs outside the banner
//! (a preferences panel built as a sibling), is kept apart as the second
//! layer. A hidden dialog never supplies the first layer while a shown one
//! exists: its "Reject all" is a second-layer button.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::evidence::{Banner, BannerButton, BannerLink, BannerStatus, ButtonRole};
use crate::knowledge::lexicon::{collapse_whitespace, normalise};
use crate::knowledge::Knowledge;

/// Attribute words that name a consent container.
static STRUCTURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)cookie|consent|gdpr|rgpd|dsgvo|privacy|cmp[-_]|[-_]cmp|tarteaucitron|didomi|onetrust|cookiebot|usercentrics|axeptio|klaro|orejime|trustarc|truste|quantcast|iubenda|tracking-?notice",
    )
    .expect("static regex")
});

static CLICKABLE: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        "button, a, input[type=button], input[type=submit], [role=button], [data-barometer-click]",
    )
    .expect("static selector")
});

/// Clickable in the markup itself (not only by the browser's measure).
static NATIVE_CLICKABLE: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("button, a, input[type=button], input[type=submit], [role=button]")
        .expect("static selector")
});

static BUTTONISH_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bbtn|button").expect("static regex"));

/// Longest banner text we accept as "a banner" rather than a whole page.
const MAX_BANNER_CHARS: usize = 6000;
/// Longest banner text kept as evidence.
const KEEP_TEXT_CHARS: usize = 5000;

/// Visible text of an element, white space collapsed, case kept: script,
/// style and template contents skipped.
pub fn visible_text(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    collect_text(*el, &mut out);
    collapse_whitespace(&out)
}

/// The text a visitor reads in `el`: like [`visible_text`], without the
/// parts hidden below it ([`hidden`]: by attributes, or by the layout as
/// the browser engine marks it). `el` itself is not tested.
pub fn shown_text(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    let mut hidden_parts = Vec::new();
    collect(*el, &mut out, Some(&mut hidden_parts));
    collapse_whitespace(&out)
}

/// The text of the hidden parts below `el` (the outermost hidden elements,
/// each read whole), joined by a space.
pub fn hidden_text(el: ElementRef<'_>) -> String {
    let mut shown = String::new();
    let mut parts = Vec::new();
    collect(*el, &mut shown, Some(&mut parts));
    let texts: Vec<String> = parts
        .into_iter()
        .filter_map(|n| el.tree().get(n).and_then(ElementRef::wrap))
        .map(visible_text)
        .filter(|t| !t.is_empty())
        .collect();
    texts.join(" ")
}

fn collect_text(node: NodeRef<'_, Node>, out: &mut String) {
    collect(node, out, None);
}

/// Depth-first, without recursion: a hostile page can nest elements
/// hundreds of thousands deep, and a recursive walk would overflow the
/// stack.
///
/// With `hidden_parts`, hidden elements are skipped and their ids pushed.
fn collect(
    node: NodeRef<'_, Node>,
    out: &mut String,
    mut hidden_parts: Option<&mut Vec<ego_tree::NodeId>>,
) {
    use ego_tree::iter::Edge;
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if n.id() == node.id() => {}
            Edge::Close(n) if n.id() == node.id() => {}
            Edge::Open(n) => {
                if skipping.is_some() {
                    continue;
                }
                match n.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(e) => {
                        if matches!(
                            e.name(),
                            "script" | "style" | "noscript" | "template" | "svg"
                        ) {
                            skipping = Some(n.id());
                        } else if let Some(parts) = hidden_parts
                            .as_deref_mut()
                            .filter(|_| ElementRef::wrap(n).is_some_and(hidden))
                        {
                            parts.push(n.id());
                            skipping = Some(n.id());
                            out.push(' ');
                        } else if is_block(e.name()) {
                            out.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(n) => {
                if skipping == Some(n.id()) {
                    skipping = None;
                } else if skipping.is_none() {
                    if let Node::Element(e) = n.value() {
                        if is_block(e.name()) {
                            out.push(' ');
                        }
                    }
                }
            }
        }
    }
}

/// Elements whose text is set apart from their neighbours' by a space.
fn is_block(name: &str) -> bool {
    !matches!(
        name,
        "span" | "a" | "b" | "i" | "em" | "strong" | "small" | "label"
    )
}

/// The label a person reads on a clickable element.
pub fn label_of(el: ElementRef<'_>) -> String {
    let text = visible_text(el);
    if !text.is_empty() {
        return text;
    }
    ["value", "aria-label", "title", "alt"]
        .iter()
        .find_map(|a| {
            el.value()
                .attr(a)
                .map(collapse_whitespace)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default()
}

fn structure_words(el: ElementRef<'_>) -> bool {
    let v = el.value();
    let attrs = [
        v.id(),
        v.attr("class"),
        v.attr("aria-label"),
        v.attr("aria-labelledby"),
        v.attr("data-nosnippet"),
    ];
    attrs.iter().flatten().any(|a| STRUCTURE.is_match(a))
}

fn is_dialog(el: ElementRef<'_>) -> bool {
    let v = el.value();
    v.name() == "dialog"
        || matches!(v.attr("role"), Some("dialog" | "alertdialog"))
        || v.attr("aria-modal") == Some("true")
}

fn hidden(el: ElementRef<'_>) -> bool {
    let v = el.value();
    if v.attr("hidden").is_some()
        || v.attr("aria-hidden") == Some("true")
        || v.attr("data-barometer-hidden").is_some()
    {
        return true;
    }
    v.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

fn describe(el: ElementRef<'_>) -> String {
    let v = el.value();
    let mut s = v.name().to_string();
    if let Some(id) = v.id() {
        s.push('#');
        s.push_str(id);
    }
    for class in v.classes().take(3) {
        s.push('.');
        s.push_str(class);
    }
    s
}

fn parent_element(el: ElementRef<'_>) -> Option<ElementRef<'_>> {
    el.parent().and_then(ElementRef::wrap)
}

fn is_root(el: ElementRef<'_>) -> bool {
    matches!(el.value().name(), "body" | "html")
}

/// A container candidate and how strongly it looks like a banner.
struct Candidate<'a> {
    el: ElementRef<'a>,
    cmp: Option<String>,
    score: u32,
}

/// Look for a consent banner in `doc`. `None` when nothing looks like one.
pub fn detect(doc: &Html, page_url: &Url, knowledge: &Knowledge) -> Option<Banner> {
    let lex = &knowledge.lexicons;
    let mut candidates: Vec<Candidate<'_>> = Vec::new();

    // 1. Known consent platforms.
    for cmp in &knowledge.cmps.entries {
        for sel in &cmp.selectors {
            let Ok(selector) = Selector::parse(sel) else {
                continue;
            };
            for el in doc.select(&selector) {
                candidates.push(Candidate {
                    el,
                    cmp: Some(cmp.name.clone()),
                    score: 10,
                });
            }
        }
    }

    // 2. Containers around consent buttons.
    for el in doc.select(&CLICKABLE) {
        let role = lex.classify_button(&label_of(el));
        if !matches!(role, ButtonRole::Accept | ButtonRole::Reject) {
            continue;
        }
        let mut current = parent_element(el);
        let mut depth = 0;
        while let Some(anc) = current {
            if is_root(anc) || depth > 15 {
                break;
            }
            let text = visible_text(anc);
            if text.chars().count() > MAX_BANNER_CHARS {
                break;
            }
            let named = structure_words(anc) || is_dialog(anc);
            if named || lex.mentions_banner_words(&normalise(&text)) {
                // Grow to the outermost named ancestor that is still banner-sized.
                // At most 15 levels: on a page nested thousands deep around
                // its banner, growing without a bound re-reads the text of
                // every ancestor (quadratic time).
                let mut best = anc;
                let mut up = parent_element(anc);
                let mut grown = 0;
                while let Some(outer) = up {
                    grown += 1;
                    if is_root(outer)
                        || grown > 15
                        || visible_text(outer).chars().count() > MAX_BANNER_CHARS
                    {
                        break;
                    }
                    if structure_words(outer) || is_dialog(outer) {
                        best = outer;
                    }
                    up = parent_element(outer);
                }
                let score = 3
                    + u32::from(named) * 2
                    + u32::from(lex.mentions_banner_words(&normalise(&visible_text(best)))) * 2;
                candidates.push(Candidate {
                    el: best,
                    cmp: None,
                    score,
                });
                break;
            }
            current = parent_element(anc);
            depth += 1;
        }
    }

    // Prefer one a visitor can see: a hidden dialog (a preferences panel
    // built beside the banner) is not the first layer while a shown one
    // exists. Then the strongest; among equals, the one with more consent
    // buttons.
    let any_shown = candidates
        .iter()
        .any(|c| !hidden_here(c.el) && !shown_text(c.el).is_empty());
    let hidden_candidates: Vec<ElementRef<'_>> = candidates
        .iter()
        .filter(|c| any_shown && hidden_here(c.el))
        .map(|c| c.el)
        .collect();
    let chosen = candidates
        .into_iter()
        .filter(|c| !any_shown || !hidden_here(c.el))
        .map(|c| {
            let buttons =
                c.el.select(&CLICKABLE)
                    .filter(|b| {
                        matches!(
                            lex.classify_button(&label_of(*b)),
                            ButtonRole::Accept | ButtonRole::Reject
                        )
                    })
                    .count() as u32;
            (c.score + buttons, c)
        })
        .max_by_key(|(s, _)| *s)
        .map(|(_, c)| c)?;

    let container = chosen.el;
    let text = shown_text(container);
    // A platform's empty placeholder (filled by script) is not a banner we can read.
    if text.is_empty() && container.select(&CLICKABLE).next().is_none() {
        return None;
    }
    // The second layer: hidden parts of the banner, and hidden consent
    // dialogs outside it (the outermost of each nest), read apart.
    let outside: Vec<ElementRef<'_>> = {
        let mut v: Vec<ElementRef<'_>> = hidden_candidates
            .into_iter()
            .filter(|h| !overlaps(*h, container))
            .collect();
        v.sort_by_key(|e| e.id());
        v.dedup_by_key(|e| e.id());
        let all = v.clone();
        v.retain(|e| !all.iter().any(|o| o.id() != e.id() && contains(*o, *e)));
        v
    };
    let second_layer_text = {
        let parts: Vec<String> = std::iter::once(hidden_text(container))
            .chain(outside.iter().map(|e| visible_text(*e)))
            .filter(|t| !t.is_empty())
            .collect();
        parts
            .join(" ")
            .chars()
            .take(KEEP_TEXT_CHARS)
            .collect::<String>()
    };
    let mut buttons = Vec::new();
    let mut links = Vec::new();
    let clickables = container.select(&CLICKABLE).map(|el| (el, false)).chain(
        outside
            .iter()
            .flat_map(|o| o.select(&CLICKABLE))
            .map(|el| (el, true)),
    );
    for (el, in_hidden_dialog) in clickables {
        let label = label_of(el);
        let role = lex.classify_button(&label);
        // Measured as clickable by the browser, not a button in the markup:
        // kept only when it reads as a consent choice and holds no button
        // of its own (a listening container is not a button).
        if el.value().attr("data-barometer-click").is_some()
            && !NATIVE_CLICKABLE.matches(&el)
            && (role == ButtonRole::Other || el.select(&CLICKABLE).any(|d| d.id() != el.id()))
        {
            continue;
        }
        let href = el
            .value()
            .attr("href")
            .and_then(|h| page_url.join(h).ok())
            .map(|u| u.to_string());
        let layer = if in_hidden_dialog || ancestors_until(el, container).any(hidden) || hidden(el)
        {
            2
        } else {
            1
        };
        let element = el.value().name().to_string();
        let inline_link = element == "a"
            && el.value().attr("role") != Some("button")
            && !el
                .value()
                .attr("class")
                .is_some_and(|c| BUTTONISH_CLASS.is_match(c))
            && parent_element(el)
                .is_some_and(|p| visible_text(p).chars().count() > label.chars().count() + 30);
        if role == ButtonRole::Other {
            if let Some(href) = &href {
                if !href.starts_with("javascript:") {
                    links.push(BannerLink {
                        text: label.clone(),
                        href: href.clone(),
                    });
                }
            }
            if label.is_empty() {
                continue;
            }
        }
        buttons.push(BannerButton {
            label,
            role,
            element,
            inline_link,
            layer,
            href,
            style: None,
            node: el
                .value()
                .attr("data-barometer-node")
                .and_then(|n| n.parse().ok()),
        });
    }
    place_layers(container, &mut buttons);
    let language = lex.guess_language(&normalise(&text));
    let kept: String = text.chars().take(KEEP_TEXT_CHARS).collect();
    Some(Banner {
        status: BannerStatus::Present,
        reason: match &chosen.cmp {
            Some(cmp) => format!("{cmp} consent banner found in the page markup"),
            None => "consent banner found: a container with consent buttons and cookie wording"
                .to_string(),
        },
        page_url: Some(page_url.to_string()),
        selector: Some(describe(container)),
        cmp: chosen.cmp,
        location: Some(
            // The nearest shadow root or frame document holding the banner.
            std::iter::once(container)
                .chain(container.ancestors().filter_map(ElementRef::wrap))
                .find_map(|e| e.value().attr("data-barometer-in"))
                .unwrap_or("document")
                .to_string(),
        ),
        text: kept,
        second_layer_text,
        language,
        buttons,
        links,
        screenshots: Vec::new(),
    })
}

/// `el` or one of its ancestors is hidden.
fn hidden_here(el: ElementRef<'_>) -> bool {
    hidden(el) || el.ancestors().filter_map(ElementRef::wrap).any(hidden)
}

/// `outer` is `inner` or one of its ancestors.
fn contains(outer: ElementRef<'_>, inner: ElementRef<'_>) -> bool {
    outer.id() == inner.id() || inner.ancestors().any(|a| a.id() == outer.id())
}

fn overlaps(a: ElementRef<'_>, b: ElementRef<'_>) -> bool {
    contains(a, b) || contains(b, a)
}

/// Ancestors of `el` strictly below `top`.
fn ancestors_until<'a>(
    el: ElementRef<'a>,
    top: ElementRef<'a>,
) -> impl Iterator<Item = ElementRef<'a>> {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .take_while(move |a| a.id() != top.id())
}

/// Markup alone tells a hidden layer only by attributes (`hidden`,
/// `aria-hidden`, an inline `display:none`); a stylesheet class hides it
/// just as well, and without the CSS no one can tell which screen a button
/// is on. When the banner carries a settings layer in its markup that no
/// attribute hides (a settings button, and toggles, a save button, or a
/// second button of the same choice), the choice buttons not hidden by attributes get layer 0,
/// "not determinable", rather than a guess of "first layer". The browser
/// engine measures every button on screen afterwards and replaces the 0.
fn place_layers(container: ElementRef<'_>, buttons: &mut [BannerButton]) {
    static TOGGLES: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("input[type=checkbox], [role=switch], [role=checkbox]")
            .expect("static selector")
    });
    let shown = |role: ButtonRole| {
        buttons
            .iter()
            .filter(|b| b.layer == 1 && b.role == role)
            .count()
    };
    let settings_layer = shown(ButtonRole::Settings) > 0
        && (container
            .select(&TOGGLES)
            .any(|t| !(hidden(t) || ancestors_until(t, container).any(hidden)))
            || shown(ButtonRole::Save) > 0
            || shown(ButtonRole::Reject) > 1
            || shown(ButtonRole::Accept) > 1);
    if !settings_layer {
        return;
    }
    for b in buttons.iter_mut().filter(|b| {
        b.layer == 1
            && matches!(
                b.role,
                ButtonRole::Reject | ButtonRole::Accept | ButtonRole::Save
            )
    }) {
        b.layer = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banner(html: &str) -> Option<Banner> {
        let k = Knowledge::builtin().unwrap();
        detect(
            &Html::parse_document(html),
            &Url::parse("https://example.fr/").unwrap(),
            &k,
        )
    }

    #[test]
    fn french_banner_with_first_level_reject() {
        let b = banner(
            r#"<body><main><p>Article</p></main>
            <div id="cookie-banner"><p>Nous et nos 843 partenaires utilisons des cookies.</p>
            <button>Tout accepter</button><button>Tout refuser</button><button>Paramétrer</button></div></body>"#,
        )
        .unwrap();
        let roles: Vec<_> = b
            .buttons
            .iter()
            .map(|b| (b.label.as_str(), b.role, b.layer))
            .collect();
        assert_eq!(
            roles,
            [
                ("Tout accepter", ButtonRole::Accept, 1),
                ("Tout refuser", ButtonRole::Reject, 1),
                ("Paramétrer", ButtonRole::Settings, 1)
            ]
        );
        assert_eq!(b.selector.as_deref(), Some("div#cookie-banner"));
        assert_eq!(b.language.as_deref(), Some("fr"));
    }

    #[test]
    fn hidden_second_layer_and_inline_link() {
        let b = banner(
            r#"<body><div class="consent"><p>We use cookies to measure our audience. You can
            <a href="/refuse">continue without accepting</a> if you prefer, or change your mind later.</p>
            <button class="primary">Accept all</button>
            <div class="prefs" style="display: none"><button>Reject all</button></div></div></body>"#,
        )
        .unwrap();
        let reject: Vec<_> = b
            .buttons
            .iter()
            .filter(|b| b.role == ButtonRole::Reject)
            .collect();
        assert_eq!(reject.len(), 2);
        assert!(reject[0].inline_link && reject[0].layer == 1);
        assert_eq!(reject[1].layer, 2);
    }

    #[test]
    fn hidden_sibling_dialog_is_the_second_layer() {
        let page = |dialog_attrs: &str| {
            banner(&format!(
                r#"<body><div id="cookie-banner"><p>We use cookies for our audience.</p>
                <button>Accept all</button><button>Cookie settings</button></div>
                <div id="cookie-preferences" role="dialog" {dialog_attrs}><p>Our partners may track you with cookies.</p>
                <button>Reject all</button><button>Accept all</button><button>Save preferences</button></div></body>"#
            ))
            .unwrap()
        };
        let layers = |b: &Banner| -> Vec<(String, u8)> {
            b.buttons
                .iter()
                .map(|x| (x.label.clone(), x.layer))
                .collect()
        };
        for attrs in [
            "hidden",
            r#"style="display: none""#,
            "data-barometer-hidden",
        ] {
            let b = page(attrs);
            assert_eq!(b.selector.as_deref(), Some("div#cookie-banner"), "{attrs}");
            assert_eq!(
                layers(&b),
                [
                    ("Accept all".to_string(), 1),
                    ("Cookie settings".to_string(), 1),
                    ("Reject all".to_string(), 2),
                    ("Accept all".to_string(), 2),
                    ("Save preferences".to_string(), 2)
                ],
                "{attrs}"
            );
            assert_eq!(
                b.text,
                "We use cookies for our audience. Accept all Cookie settings"
            );
            assert_eq!(
                b.second_layer_text,
                "Our partners may track you with cookies. Reject all Accept all Save preferences"
            );
        }
        // Shown, the dialog is the first layer (it has more choices).
        let b = page("");
        assert_eq!(b.selector.as_deref(), Some("div#cookie-preferences"));
        assert!(b
            .buttons
            .iter()
            .any(|x| x.label == "Reject all" && x.layer == 1));
        assert_eq!(b.second_layer_text, "");
    }

    #[test]
    fn hidden_parts_are_not_first_layer_text() {
        let b = banner(
            r#"<body><div id="tarteaucitronRoot"><div id="alert"><p>Votre vie privée compte pour nous.</p>
            <button>Tout accepter</button><button>Tout refuser</button></div>
            <div id="panel" data-barometer-hidden><p>Panneau de gestion des cookies</p></div>
            <p aria-hidden="true">Préférences</p></div></body>"#,
        )
        .unwrap();
        assert_eq!(
            b.text,
            "Votre vie privée compte pour nous. Tout accepter Tout refuser"
        );
        assert_eq!(
            b.second_layer_text,
            "Panneau de gestion des cookies Préférences"
        );
    }

    #[test]
    fn measured_clickable_elements_are_buttons_when_they_read_as_choices() {
        let b = banner(
            r#"<body><div id="consent"><p>We use cookies.</p><button>Accept all</button>
            <span data-barometer-click>Reject all</span>
            <div data-barometer-click><span data-barometer-click>Manage choices</span></div>
            <span data-barometer-click>Read more about us</span>
            <span>Reject all</span></div></body>"#,
        )
        .unwrap();
        let found: Vec<_> = b
            .buttons
            .iter()
            .map(|x| (x.label.as_str(), x.role, x.element.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("Accept all", ButtonRole::Accept, "button"),
                ("Reject all", ButtonRole::Reject, "span"),
                ("Manage choices", ButtonRole::Settings, "span")
            ]
        );
    }

    #[test]
    fn page_without_banner() {
        assert!(banner("<body><p>Hello</p><button>Send</button></body>").is_none());
    }
}
