//! What a browser without JavaScript would load from a document, and which
//! same-site pages to visit next.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::banner::visible_text;
use crate::evidence::ResourceType;
use crate::party::registrable_domain;

/// File extensions that are not pages.
const ASSET_EXTENSIONS: &[&str] = &[
    "7z", "apk", "avi", "css", "csv", "dmg", "doc", "docx", "eot", "epub", "exe", "gif", "gz",
    "ico", "jpeg", "jpg", "js", "json", "m4a", "mjs", "mov", "mp3", "mp4", "odt", "ogg", "otf",
    "pdf", "png", "ppt", "pptx", "rar", "rss", "svg", "tar", "tgz", "ttf", "txt", "wav", "webm",
    "webp", "woff", "woff2", "xls", "xlsx", "xml", "zip",
];

/// Paths that end a session or change state: never followed.
static STATEFUL_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)log-?out|sign-?out|log-?off|d[eé]connexion|se-deconnecter|abmelden|ausloggen|cerrar-sesion|disconnetti|uitloggen|unsubscribe|desinscription|/cart/add|add-to-cart|delete")
        .expect("static regex")
});

static LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href], area[href]").expect("static selector"));
static NOSCRIPT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("noscript").expect("static selector"));

/// A hyperlink and its text.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: Url,
    pub text: String,
}

/// Drop the fragment: `/a#top` and `/a` are one page.
pub fn canonical(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

/// Every hyperlink of the document, resolved against `base`.
pub fn page_links(doc: &Html, base: &Url) -> Vec<Link> {
    doc.select(&LINKS)
        .filter_map(|a| {
            let href = a.value().attr("href")?.trim();
            let url = base.join(href).ok()?;
            let text = visible_text(a);
            let text = if text.is_empty() {
                a.value().attr("title").unwrap_or_default().to_string()
            } else {
                text
            };
            Some(Link {
                url: canonical(url),
                text,
            })
        })
        .collect()
}

/// Is `url` a same-site page worth visiting?
pub fn crawlable(url: &Url, site: &str) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    if registrable_domain(host) != site {
        return false;
    }
    let path = url.path();
    if STATEFUL_PATH.is_match(path) {
        return false;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((_, ext)) => !ASSET_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
        None => true,
    }
}

/// Choose up to `n` new pages from `links`, in document order, skipping
/// those already `seen`.
pub fn next_pages(links: &[Link], site: &str, seen: &mut HashSet<Url>, n: usize) -> Vec<Url> {
    let mut out = Vec::new();
    for link in links {
        if out.len() >= n {
            break;
        }
        if crawlable(&link.url, site) && seen.insert(link.url.clone()) {
            out.push(link.url.clone());
        }
    }
    out
}

/// What a browser without JavaScript loads from `doc`: images, scripts,
/// frames, stylesheets, icons, media, and what `<noscript>` holds (a browser
/// without JavaScript renders it, and tracking pixels hide there).
pub fn subresources(doc: &Html, base: &Url) -> Vec<(Url, ResourceType)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    collect_subresources(doc.root_element(), base, &mut out, &mut seen);
    for noscript in doc.select(&NOSCRIPT) {
        let inner: String = noscript.text().collect();
        if inner.contains('<') {
            let fragment = Html::parse_fragment(&inner);
            collect_subresources(fragment.root_element(), base, &mut out, &mut seen);
        }
    }
    out
}

static SUBRESOURCES: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        "img, script[src], iframe[src], frame[src], link[href], source, video, audio, embed[src], object[data], input[type=image][src]",
    )
    .expect("static selector")
});

fn collect_subresources(
    root: ElementRef<'_>,
    base: &Url,
    out: &mut Vec<(Url, ResourceType)>,
    seen: &mut HashSet<(Url, ResourceType)>,
) {
    let mut push = |raw: &str, kind: ResourceType| {
        let raw = raw.trim();
        if raw.is_empty()
            || raw.starts_with("data:")
            || raw.starts_with("blob:")
            || raw.starts_with("javascript:")
            || raw.starts_with("about:")
        {
            return;
        }
        if let Ok(url) = base.join(raw) {
            if matches!(url.scheme(), "http" | "https") {
                let url = canonical(url);
                if seen.insert((url.clone(), kind)) {
                    out.push((url, kind));
                }
            }
        }
    };
    let srcset = |value: &str| -> Vec<String> {
        value
            .split(',')
            .filter_map(|c| c.split_whitespace().next().map(str::to_string))
            .collect()
    };
    for el in root.select(&SUBRESOURCES) {
        let v = el.value();
        match v.name() {
            "img" => {
                if let Some(src) = v.attr("src") {
                    push(src, ResourceType::Image);
                }
                for src in v.attr("srcset").map(srcset).unwrap_or_default() {
                    push(&src, ResourceType::Image);
                }
            }
            "input" => push(v.attr("src").unwrap_or_default(), ResourceType::Image),
            "script" => push(v.attr("src").unwrap_or_default(), ResourceType::Script),
            "iframe" | "frame" => {
                push(v.attr("src").unwrap_or_default(), ResourceType::Subdocument)
            }
            "embed" => push(v.attr("src").unwrap_or_default(), ResourceType::Other),
            "object" => push(v.attr("data").unwrap_or_default(), ResourceType::Other),
            "link" => {
                let rel = v.attr("rel").unwrap_or_default().to_ascii_lowercase();
                let kind = if rel.split_whitespace().any(|r| r == "stylesheet") {
                    ResourceType::Stylesheet
                } else if rel
                    .split_whitespace()
                    .any(|r| r == "icon" || r == "apple-touch-icon")
                {
                    ResourceType::Image
                } else if rel
                    .split_whitespace()
                    .any(|r| r == "preload" || r == "modulepreload")
                {
                    match v.attr("as").unwrap_or(if rel.contains("modulepreload") {
                        "script"
                    } else {
                        ""
                    }) {
                        "script" => ResourceType::Script,
                        "style" => ResourceType::Stylesheet,
                        "image" => ResourceType::Image,
                        "font" => ResourceType::Font,
                        "fetch" => ResourceType::Fetch,
                        _ => ResourceType::Other,
                    }
                } else {
                    // dns-prefetch, preconnect, canonical, alternate...: no request made.
                    continue;
                };
                push(v.attr("href").unwrap_or_default(), kind);
            }
            "source" => {
                let in_picture = el
                    .parent()
                    .and_then(ElementRef::wrap)
                    .is_some_and(|p| p.value().name() == "picture");
                let kind = if in_picture {
                    ResourceType::Image
                } else {
                    ResourceType::Media
                };
                if let Some(src) = v.attr("src") {
                    push(src, kind);
                }
                for src in v.attr("srcset").map(srcset).unwrap_or_default() {
                    push(&src, kind);
                }
            }
            "video" | "audio" => {
                if let Some(src) = v.attr("src") {
                    push(src, ResourceType::Media);
                }
                if let Some(poster) = v.attr("poster") {
                    push(poster, ResourceType::Image);
                }
            }
            _ => {}
        }
    }
}

/// The privacy or cookie policy link: from the banner first, then the page.
pub fn policy_link(
    lex: &crate::knowledge::Lexicons,
    banner: &crate::evidence::Banner,
    page_links: &[Link],
) -> Option<Url> {
    banner
        .links
        .iter()
        .filter(|l| lex.is_policy_link(&l.text))
        .find_map(|l| Url::parse(&l.href).ok().map(canonical))
        .or_else(|| {
            page_links
                .iter()
                .find(|l| matches!(l.url.scheme(), "http" | "https") && lex.is_policy_link(&l.text))
                .map(|l| l.url.clone())
        })
}

/// Links and buttons that reopen the consent choice ("Cookie settings",
/// "Gérer mes cookies", a CMP's floating button with such an `aria-label`):
/// after a choice, the way to withdraw it (GDPR 7(3)). At most 5.
pub fn reopen_links(
    doc: &Html,
    base: &Url,
    lex: &crate::knowledge::Lexicons,
) -> Vec<crate::evidence::BannerLink> {
    static CLICKABLE: LazyLock<Selector> = LazyLock::new(|| {
        Selector::parse("a, button, [role=button], [onclick]").expect("static selector")
    });
    let mut out: Vec<crate::evidence::BannerLink> = Vec::new();
    for el in doc.select(&CLICKABLE) {
        let label = crate::banner::label_of(el);
        if label.is_empty() || label.chars().count() > 80 {
            continue;
        }
        let normalised = crate::knowledge::lexicon::normalise(&label);
        if lex
            .find(crate::knowledge::TextCategory::ConsentReopen, &normalised)
            .is_none()
        {
            continue;
        }
        let href = el
            .value()
            .attr("href")
            .and_then(|h| base.join(h.trim()).ok())
            .map(|u| u.to_string())
            .unwrap_or_default();
        if !out.iter().any(|l| l.text == label) {
            out.push(crate::evidence::BannerLink { text: label, href });
        }
        if out.len() >= 5 {
            break;
        }
    }
    out
}

/// Third-party URLs written in inline scripts (`<script>` without `src`):
/// tag snippets build their `<script>` element in code, so a crawler that
/// runs no JavaScript only sees the host in the text. At most 50.
pub fn script_references(html: &Html, page: &Url) -> Vec<String> {
    static URL_IN_CODE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?i)(?:https?:)?//([a-z0-9][a-z0-9.-]*\.[a-z]{2,})(?::\d+)?(/[^\s'"`<>\\)]*)?"#,
        )
        .expect("static regex")
    });
    static INLINE: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("script:not([src])").expect("static selector"));
    let own = crate::party::registrable_domain(page.host_str().unwrap_or_default());
    let mut out: Vec<String> = Vec::new();
    for script in html.select(&INLINE) {
        let code: String = script.text().collect();
        for m in URL_IN_CODE.captures_iter(&code) {
            let host = m[1].to_ascii_lowercase();
            if crate::party::registrable_domain(&host) == own {
                continue;
            }
            let url = format!("https://{host}{}", m.get(2).map_or("/", |p| p.as_str()));
            if !out.contains(&url) && out.len() < 50 {
                out.push(url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_same_site_pages_only() {
        let base = Url::parse("https://www.site-a.test/").unwrap();
        let doc = Html::parse_document(
            r##"<a href="/a">A</a><a href="/a#x">A again</a><a href="https://shop.site-a.test/b">B</a>
            <a href="https://other.test/">out</a><a href="mailto:x@y">mail</a><a href="tel:123">tel</a>
            <a href="/logout">bye</a><a href="/doc.pdf">pdf</a><a href="javascript:void(0)">js</a>"##,
        );
        let links = page_links(&doc, &base);
        let mut seen = HashSet::from([base.clone()]);
        let pages: Vec<String> = next_pages(&links, "site-a.test", &mut seen, 10)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            pages,
            ["https://www.site-a.test/a", "https://shop.site-a.test/b"]
        );
    }

    #[test]
    fn finds_subresources_including_noscript() {
        let base = Url::parse("https://www.site-a.test/").unwrap();
        let doc = Html::parse_document(
            r#"<head><link rel="stylesheet" href="/s.css"><link rel="preconnect" href="https://x.test">
            <script src="https://t.test/t.js"></script></head>
            <body><img src="/a.png" srcset="/a2.png 2x"><iframe src="https://f.test/"></iframe>
            <noscript><img src="https://px.test/p.gif"></noscript><img src="data:image/png;base64,AAAA"></body>"#,
        );
        let found: Vec<(String, ResourceType)> = subresources(&doc, &base)
            .into_iter()
            .map(|(u, t)| (u.to_string(), t))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "https://www.site-a.test/s.css".to_string(),
                    ResourceType::Stylesheet
                ),
                ("https://t.test/t.js".to_string(), ResourceType::Script),
                (
                    "https://www.site-a.test/a.png".to_string(),
                    ResourceType::Image
                ),
                (
                    "https://www.site-a.test/a2.png".to_string(),
                    ResourceType::Image
                ),
                ("https://f.test/".to_string(), ResourceType::Subdocument),
                ("https://px.test/p.gif".to_string(), ResourceType::Image),
            ]
        );
    }

    #[test]
    fn urls_in_inline_scripts() {
        let page = Url::parse("https://www.shop.test/").unwrap();
        let html = Html::parse_document(
            "<script>j.src='https://www.googletagmanager.com/gtm.js?id='+i; var own='https://cdn.shop.test/x.js';</script>\
             <script src='https://ignored.test/a.js'>//not.read.test/x</script>\
             <script>fbq('init'); s.src='//connect.facebook.net/en_US/fbevents.js'</script>",
        );
        assert_eq!(
            script_references(&html, &page),
            vec![
                "https://www.googletagmanager.com/gtm.js?id=",
                "https://connect.facebook.net/en_US/fbevents.js"
            ]
        );
    }
}
