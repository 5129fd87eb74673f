//! Render the report model with the templates of `reports/`.
//!
//! Everything in a report that comes from an audited site (cookie names,
//! banner text, URLs) is hostile input. Each format has its own escaping,
//! applied to every `{{value}}`:
//! - HTML: handlebars' HTML escaping;
//! - Markdown: HTML-significant and Markdown-significant characters are
//!   escaped, line breaks folded, so a value can neither inject markup nor
//!   break a table;
//! - text: control characters are dropped, so a page cannot send escape
//!   sequences to the terminal.
//!
//! Templates never use triple braces for site data; the only raw output is
//! the colour helper, which sanitises its own input.

use anyhow::{Context, Result};
use handlebars::{handlebars_helper, Handlebars};
use include_dir::{include_dir, Dir};
use serde::Serialize;

use super::campaign::{CampaignReport, Charts};
use super::check::CheckReport;
use super::engine_words;
use super::Report;

/// The `reports/` directory, embedded at build time.
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/reports");

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Coloured terminal summary, one line per finding.
    Text,
    /// The full report model: evidence, facts, findings and score.
    Json,
    /// One self-contained HTML file.
    Html,
    /// Markdown, for tickets and articles.
    Md,
}

impl Format {
    /// Guess the format from an output file name.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Md),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }
}

/// Escape for Markdown (and the HTML Markdown allows).
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Escape for HTML, dropping control characters.
pub fn escape_html(s: &str) -> String {
    handlebars::html_escape(&super::clean::clean_text(s))
}

/// Escape for XML 1.0 (JUnit), in text and in attributes alike: markup
/// characters become entities, line breaks and tabs character references
/// (an attribute keeps them), and characters XML 1.0 does not allow are
/// dropped, with the other control characters.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\u{fffe}' | '\u{ffff}' => {}
            c if super::clean::is_removed(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Drop control characters (terminal escape sequences among them).
pub fn escape_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

handlebars_helper!(upper: |s: str| s.to_uppercase());
handlebars_helper!(eq: |a: Json, b: Json| a == b);
handlebars_helper!(len: |v: Json| match v { serde_json::Value::Array(a) => a.len(), serde_json::Value::Object(o) => o.len(), _ => 0 });
handlebars_helper!(join: |v: Json, sep: str| match v {
    serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join(sep),
    other => other.as_str().unwrap_or_default().to_string(),
});
handlebars_helper!(when: |v: str| chrono::DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_else(|_| v.to_string()));
handlebars_helper!(starts_with: |s: str, prefix: str| s.starts_with(prefix));
handlebars_helper!(gt: |a: Json, b: Json| a.as_f64().unwrap_or(0.0) > b.as_f64().unwrap_or(0.0));

/// A JSON value as text: strings as they are, numbers as written.
fn as_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The catalogue entry `section.key` of the view's language.
fn catalogue<'a>(ctx: &'a handlebars::Context, section: &str, key: &str) -> Option<&'a str> {
    ctx.data().get("i18n")?.get(section)?.get(key)?.as_str()
}

/// `{{t "key" a b…}}`: the sentence `key` of the report's language, with
/// `{0}`, `{1}`… replaced. A key the catalogue lacks is an error: no
/// report shows a key.
fn t(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let key = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
    let Some(mut text) = catalogue(ctx, "text", key).map(|s| r.get_escape_fn()(s)) else {
        return Err(handlebars::RenderErrorReason::Other(format!(
            "no text `{key}` in the report catalogue"
        ))
        .into());
    };
    for (i, p) in h.params().iter().skip(1).enumerate() {
        // Values passed in may be site data: escaped as any value is.
        text = text.replace(&format!("{{{i}}}"), &r.get_escape_fn()(&as_text(p.value())));
    }
    out.write(&text)?;
    Ok(())
}

/// `{{say value}}`: the words for an identifier in the report's
/// language; an identifier the catalogue does not know is shown with its
/// underscores as spaces.
fn label(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let id = h.param(0).map(|p| as_text(p.value())).unwrap_or_default();
    let words = catalogue(ctx, "labels", &id)
        .map(str::to_string)
        .unwrap_or_else(|| id.replace('_', " "));
    out.write(&r.get_escape_fn()(&words))?;
    Ok(())
}

/// `{{known v}}`: the words for `v` when it is an identifier the catalogue
/// knows, else `v` as it is (a host, a cookie name, a sentence), with the
/// identifiers of its last parenthesis in words (`host (Company,
/// advertising)`), as a finding's `{list}` says them.
fn known(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let v = h.param(0).map(|p| as_text(p.value())).unwrap_or_default();
    let say = |id: &str| catalogue(ctx, "labels", id).map(str::to_string);
    let words = say(&v).unwrap_or_else(|| {
        match v
            .strip_suffix(')')
            .and_then(|s| s.rsplit_once(" ("))
            .filter(|(_, inside)| !inside.contains(['(', ')']))
        {
            Some((head, inside)) => {
                let parts: Vec<String> = inside
                    .split(", ")
                    .map(|p| say(p).unwrap_or_else(|| p.to_string()))
                    .collect();
                format!("{head} ({})", parts.join(", "))
            }
            None => v.clone(),
        }
    });
    out.write(&r.get_escape_fn()(&words))?;
    Ok(())
}

/// `{{yesno v}}` in the report's language.
fn yesno(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let v = h
        .param(0)
        .is_some_and(|p| p.value().as_bool() == Some(true));
    let key = if v { "yes" } else { "no" };
    out.write(&r.get_escape_fn()(
        catalogue(ctx, "text", key).unwrap_or(key),
    ))?;
    Ok(())
}

/// `{{yesna v}}`: yes, no, or n/a for an optional boolean, in the report's
/// language.
fn yesna(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let key = match h.param(0).and_then(|p| p.value().as_bool()) {
        Some(true) => "yes",
        Some(false) => "no",
        None => "n_a",
    };
    out.write(&r.get_escape_fn()(
        catalogue(ctx, "text", key).unwrap_or(key),
    ))?;
    Ok(())
}

/// `{{tk "ind_" id "_short"}}`: the sentence whose key is made of the
/// parameters (no values to put in).
fn tk(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let key: String = h.params().iter().map(|p| as_text(p.value())).collect();
    let Some(text) = catalogue(ctx, "text", &key) else {
        return Err(handlebars::RenderErrorReason::Other(format!(
            "no text `{key}` in the report catalogue"
        ))
        .into());
    };
    out.write(&r.get_escape_fn()(text))?;
    Ok(())
}

/// `{{days d}}`: a lifetime in days, hours under a day, or "session".
fn days(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let d = h.param(0).and_then(|p| p.value().as_f64()).unwrap_or(0.0);
    let (key, n) = if d >= 1.0 {
        (
            "days",
            decimal(ctx, format!("{}", (d * 10.0).round() / 10.0)),
        )
    } else if d > 0.0 {
        ("hours", format!("{}", (d * 24.0).round()))
    } else {
        ("session", String::new())
    };
    let fallback = match key {
        "days" => "{0} d",
        "hours" => "{0} h",
        _ => "session",
    };
    let text = catalogue(ctx, "text", key)
        .unwrap_or(fallback)
        .replace("{0}", &n);
    out.write(&text)?;
    Ok(())
}

/// `{{severities findings}}`: "1 critical, 2 high" in the report's language.
fn severities(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let findings = h
        .param(0)
        .and_then(|p| p.value().as_array().cloned())
        .unwrap_or_default();
    let parts: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|sev| {
            let n = findings.iter().filter(|f| f["severity"] == *sev).count();
            (n > 0).then(|| format!("{n} {}", catalogue(ctx, "labels", sev).unwrap_or(sev)))
        })
        .collect();
    out.write(&if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join(", ")
    })?;
    Ok(())
}

// `{{share 0.25}}` → "25%"; `{{lt a b}}`; `{{inc i}}` → i + 1;
// `{{anchor site "part"}}` → an id made of the site's letters and digits.
handlebars_helper!(lt: |a: Json, b: Json| a.as_f64().unwrap_or(0.0) < b.as_f64().unwrap_or(0.0));
handlebars_helper!(inc: |v: u64| v + 1);
handlebars_helper!(anchor: |site: str, part: str| format!("{}-{part}", site.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect::<String>()));

/// Colour for the text format: `{{{paint "red" value}}}`. The value is
/// sanitised here because triple braces bypass escaping.
fn paint(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let colour = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
    let value = h.param(1).map(|p| p.value()).cloned().unwrap_or_default();
    let text = escape_text(
        value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string())
            .as_str(),
    );
    out.write(&colourise(ctx, colour, &text))?;
    Ok(())
}

/// `{{paint_t "red" "key"}}`: the catalogue text `key`, in colour.
fn paint_t(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let colour = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
    let key = h.param(1).and_then(|p| p.value().as_str()).unwrap_or("");
    let Some(text) = catalogue(ctx, "text", key) else {
        return Err(handlebars::RenderErrorReason::Other(format!(
            "no text `{key}` in the report catalogue"
        ))
        .into());
    };
    out.write(&colourise(ctx, colour, &escape_text(text)))?;
    Ok(())
}

/// `text` in `colour` when the view asks for colour.
fn colourise(ctx: &handlebars::Context, colour: &str, text: &str) -> String {
    let enabled = ctx
        .data()
        .get("color")
        .and_then(|c| c.as_bool())
        .unwrap_or(false);
    let code = match colour {
        "red" | "critical" => "1;31",
        "high" => "31",
        "yellow" | "medium" => "33",
        "blue" | "low" => "34",
        "dim" | "info" => "2",
        "green" => "32",
        "bold" => "1",
        _ => "",
    };
    if enabled && !code.is_empty() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The template registry for one escaping, built once per process:
/// compiling every template costs milliseconds, and a campaign report
/// renders one page per site.
fn registry(escaping: Escaping) -> Result<&'static Handlebars<'static>> {
    use std::sync::OnceLock;
    type Cell = OnceLock<Result<Handlebars<'static>, String>>;
    static CELLS: [Cell; 7] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let (cell, escape): (&Cell, fn(&str) -> String) = match escaping {
        Escaping::Html => (&CELLS[0], escape_html),
        Escaping::Markdown => (&CELLS[1], escape_markdown),
        Escaping::Text => (&CELLS[2], escape_text),
        Escaping::Json => (&CELLS[4], escape_json),
        Escaping::Github => (&CELLS[5], escape_github),
        Escaping::Xml => (&CELLS[6], escape_xml),
    };
    cell.get_or_init(|| build_registry(escape).map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// How `{{value}}` is escaped, per output format.
#[derive(Clone, Copy)]
enum Escaping {
    Html,
    Markdown,
    Text,
    /// Inside a JSON string (SARIF).
    Json,
    /// GitHub workflow commands (`::error::message`).
    Github,
    /// XML 1.0 text and attributes (JUnit).
    Xml,
}

/// Escape the inside of a JSON string: templates write the quotes. Control
/// characters are dropped rather than escaped.
pub fn escape_json(s: &str) -> String {
    let quoted = serde_json::Value::String(super::clean::clean_text(s).into_owned()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Escape data for a GitHub workflow command: `%`, CR and LF are encoded
/// (the runner decodes them), so a message cannot end the command early or
/// start another one. Templates only put our own assertion ids in
/// properties (`title=`), which would also need `:` and `,` encoded.
/// Other control characters are dropped: the runner would print them.
pub fn escape_github(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if super::clean::is_removed(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A number the way the report's language writes it: the catalogue's
/// `decimal_separator` in place of the point ("0,7" in French).
fn decimal(ctx: &handlebars::Context, s: String) -> String {
    match catalogue(ctx, "text", "decimal_separator") {
        Some(sep) if sep != "." => s.replace('.', sep),
        _ => s,
    }
}

/// The catalogue sentence `key` with its one value (`percent` = "{0} %").
fn unit(ctx: &handlebars::Context, key: &str, fallback: &str, value: String) -> String {
    catalogue(ctx, "text", key)
        .unwrap_or(fallback)
        .replace("{0}", &value)
}

/// The helpers that write numbers, each in the report's language:
/// `{{pct 3.04}}` → "3.0%" / "3,0 %" (a value already in percent);
/// `{{share 0.25}}` → "25%" (a fraction); `{{fixed 2.456 1}}` → "2.5"
/// (n/a when missing); `{{num 2.456 1}}` (nothing when missing);
/// `{{signed -1.25}}` → "-1.3" / "+0.0"; `{{bytes 1500}}` → "1.5 kB" /
/// "1,5 ko". (Yes / no / n/a for an optional boolean: `{{yesna v}}`.)
#[derive(Clone, Copy)]
enum Number {
    Pct,
    Share,
    Fixed,
    Num,
    Signed,
    Bytes,
}

impl handlebars::HelperDef for Number {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        _: &mut handlebars::RenderContext<'reg, 'rc>,
    ) -> Result<handlebars::ScopedJson<'rc>, handlebars::RenderError> {
        let x = h.param(0).and_then(|p| p.value().as_f64());
        let digits = h.param(1).and_then(|p| p.value().as_u64()).unwrap_or(0) as usize;
        let text = match (self, x) {
            (Number::Num, None) => String::new(),
            (_, None) => catalogue(ctx, "text", "n_a").unwrap_or("n/a").to_string(),
            (Number::Pct, Some(x)) => unit(ctx, "percent", "{0}%", decimal(ctx, format!("{x:.1}"))),
            (Number::Share, Some(x)) => {
                let p = (x * 1000.0).round() / 10.0;
                unit(ctx, "percent", "{0}%", decimal(ctx, format!("{p}")))
            }
            (Number::Fixed | Number::Num, Some(x)) => decimal(ctx, format!("{x:.digits$}")),
            (Number::Signed, Some(x)) => {
                let x = if x.abs() < 0.05 { 0.0 } else { x };
                decimal(ctx, format!("{x:+.1}"))
            }
            (Number::Bytes, Some(x)) if x >= 1e6 => unit(
                ctx,
                "bytes_mb",
                "{0} MB",
                decimal(ctx, format!("{:.2}", x / 1e6)),
            ),
            (Number::Bytes, Some(x)) if x >= 1e3 => unit(
                ctx,
                "bytes_kb",
                "{0} kB",
                decimal(ctx, format!("{:.1}", x / 1e3)),
            ),
            (Number::Bytes, Some(x)) => unit(ctx, "bytes_b", "{0} B", format!("{x:.0}")),
        };
        Ok(handlebars::ScopedJson::Derived(serde_json::Value::String(
            text,
        )))
    }
}

fn build_registry(escape: fn(&str) -> String) -> Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
    hb.register_escape_fn(escape);
    hb.register_helper("upper", Box::new(upper));
    hb.register_helper("eq", Box::new(eq));
    hb.register_helper("len", Box::new(len));
    hb.register_helper("join", Box::new(join));
    hb.register_helper("days", Box::new(days));
    hb.register_helper("yesno", Box::new(yesno));
    hb.register_helper("yesna", Box::new(yesna));
    hb.register_helper("tk", Box::new(tk));
    hb.register_helper("known", Box::new(known));
    hb.register_helper("starts_with", Box::new(starts_with));
    hb.register_helper("gt", Box::new(gt));
    hb.register_helper("bytes", Box::new(Number::Bytes));
    hb.register_helper("paint", Box::new(paint));
    hb.register_helper("paint_t", Box::new(paint_t));
    hb.register_helper("pct", Box::new(Number::Pct));
    hb.register_helper("fixed", Box::new(Number::Fixed));
    hb.register_helper("num", Box::new(Number::Num));
    hb.register_helper("signed", Box::new(Number::Signed));
    hb.register_helper("when", Box::new(when));
    hb.register_helper("t", Box::new(t));
    hb.register_helper("say", Box::new(label));
    hb.register_helper("severities", Box::new(severities));
    hb.register_helper("share", Box::new(Number::Share));
    hb.register_helper("lt", Box::new(lt));
    hb.register_helper("inc", Box::new(inc));
    hb.register_helper("anchor", Box::new(anchor));
    for f in TEMPLATES.files() {
        let name = f.path().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".hbs") {
            let text = f
                .contents_utf8()
                .with_context(|| format!("reports/{name} is not UTF-8"))?;
            hb.register_template_string(stem, text)
                .with_context(|| format!("reports/{name}: template error"))?;
        }
    }
    Ok(hb)
}

#[derive(Serialize)]
struct View<'a> {
    report: &'a Report,
    color: bool,
    lang: &'static str,
    i18n: &'a crate::i18n::Catalogue,
}

/// Escape one CSV field (RFC 4180): quoted when it holds a comma, quote or
/// line break. A field a spreadsheet would run as a formula gets a leading
/// `'`: site names and page titles come from the audited sites. The guard
/// looks at the field as the cell will hold it, after control characters
/// are removed: a field is guarded when, after any leading blanks, it
/// starts with `=`, `+`, `-` or `@` (unless it is a plain number), or when
/// it starts with a tab or carriage return. Numbers stay numbers.
pub fn escape_csv(s: &str) -> String {
    let normal = super::clean::clean_text(s);
    let lead = normal.trim_start_matches(|c: char| c.is_whitespace() || is_invisible(c));
    let formula = lead.starts_with(['=', '+', '-', '@']) && !is_plain_number(lead);
    let tab_first = normal
        .trim_start_matches(|c: char| c == ' ' || is_invisible(c))
        .starts_with(['\t', '\r']);
    let mut field = String::with_capacity(normal.len() + 3);
    if formula || tab_first {
        field.push('\'');
    }
    field.extend(normal.chars().filter(|c| !c.is_control() || *c == '\n'));
    if field.contains([',', '"', '\n', ';']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// Characters with no width that may stand before a formula unseen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// A decimal number as a spreadsheet reads it (`-1.5`, `+3`, `2e3`), not
/// `-inf` or `NaN`.
fn is_plain_number(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E'))
        && s.parse::<f64>().is_ok()
}

/// Formats of the campaign barometer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CampaignFormat {
    /// `index.html` with inline SVG charts, and one report per site in
    /// `sites/`: a directory that opens from disk.
    Html,
    /// `barometer.md`, for articles and tickets.
    Md,
    /// `sites.csv`: one row per site with every indicator.
    Csv,
    /// `barometer.json`: the report model itself.
    Json,
}

impl CampaignFormat {
    /// The file it writes in the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            CampaignFormat::Html => "index.html",
            CampaignFormat::Md => "barometer.md",
            CampaignFormat::Csv => "sites.csv",
            CampaignFormat::Json => "barometer.json",
        }
    }
}

#[derive(Serialize)]
struct CampaignView<'a> {
    report: &'a CampaignReport,
    charts: ChartsView<'a>,
    lang: &'static str,
    i18n: &'a crate::i18n::Catalogue,
}

#[derive(Serialize)]
struct ChartsView<'a> {
    indicators: &'a str,
    scores: &'a str,
    changes: Option<&'a str>,
}

/// Formats of `barometer check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per result, and a verdict.
    Text,
    /// The report model.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: one suite per site.
    Junit,
    /// GitHub workflow annotations (`::error::`); the Markdown summary also
    /// goes to `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
    /// Markdown, for a job summary or a merge-request comment.
    Md,
}

/// Render the report of `barometer check`.
pub fn render_check(report: &CheckReport, format: CheckFormat, color: bool) -> Result<String> {
    #[derive(Serialize)]
    struct CheckView<'a> {
        report: &'a CheckReport,
        color: bool,
        i18n: &'a crate::i18n::Catalogue,
    }
    let view = CheckView {
        report,
        color,
        i18n: crate::i18n::Catalogue::get(report.lang)?,
    };
    match format {
        CheckFormat::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
        CheckFormat::Text => Ok(registry(Escaping::Text)?.render("check.txt", &view)?),
        CheckFormat::Md => Ok(registry(Escaping::Markdown)?.render("check.md", &view)?),
        CheckFormat::Sarif => Ok(registry(Escaping::Json)?.render("check.sarif", &view)?),
        CheckFormat::Junit => Ok(registry(Escaping::Xml)?.render("check.junit", &view)?),
        CheckFormat::Github => Ok(registry(Escaping::Github)?.render("check.github", &view)?),
    }
}

/// Render the barometer of a campaign.
pub fn render_campaign(
    report: &CampaignReport,
    charts: &Charts,
    format: CampaignFormat,
) -> Result<String> {
    let view = CampaignView {
        report,
        lang: report.lang.code(),
        i18n: crate::i18n::Catalogue::get(report.lang)?,
        charts: ChartsView {
            indicators: &charts.indicators,
            scores: &charts.scores,
            changes: charts.changes.as_deref(),
        },
    };
    match format {
        CampaignFormat::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
        CampaignFormat::Html => Ok(registry(Escaping::Html)?.render("campaign.html", &view)?),
        CampaignFormat::Md => Ok(registry(Escaping::Markdown)?.render("campaign.md", &view)?),
        // Made from the column table that also writes its guide.
        CampaignFormat::Csv => Ok(report.csv()),
    }
}

/// Render `report` in `format`. `color` only affects `text`.
/// The language is the one of the sites' profile (French under `fr`).
pub fn render(report: &Report, format: Format, color: bool) -> Result<String> {
    render_in(report, format, color, None)
}

/// Render `report` in `format` and `lang` (default: from the profiles).
pub fn render_in(
    report: &Report,
    format: Format,
    color: bool,
    lang: Option<crate::i18n::Lang>,
) -> Result<String> {
    let lang = lang.unwrap_or_else(|| {
        crate::i18n::default_lang(report.sites.iter().map(|s| s.facts.profile.id.as_str()))
    });
    // Findings and rule titles in the report's language, where the rule
    // has words for it.
    let translated;
    let report = if lang == crate::i18n::Lang::En {
        report
    } else {
        let cat = crate::i18n::Catalogue::get(lang)?;
        let mut r = report.clone();
        for site in &mut r.sites {
            if let Some(words) = &site.error_words {
                site.error = Some(cat.say(words));
            } else if let Some(words) = site.error.as_deref().and_then(engine_words::load_error) {
                site.error = Some(cat.say(&words));
            }
            // The engines' own sentences in the evidence are said in the
            // report's language for readers; JSON keeps the evidence as
            // the engines wrote it.
            let visits = match format {
                Format::Json => &mut [][..],
                _ => &mut site.evidence.visits[..],
            };
            for visit in visits {
                if let Some(words) = engine_words::banner_reason(&visit.banner.reason) {
                    visit.banner.reason = cat.say(&words);
                }
                if let Some(action) = &mut visit.consent_action {
                    if let Some(words) = action
                        .error
                        .as_deref()
                        .and_then(engine_words::consent_error)
                    {
                        action.error = Some(cat.say(&words));
                    }
                }
                for page in &mut visit.pages {
                    if let Some(words) = page.error.as_deref().and_then(engine_words::load_error) {
                        page.error = Some(cat.say(&words));
                    }
                }
            }
            site.facts.profile.authority = cat.authority(&site.facts.profile.authority).to_string();
            for f in &mut site.findings {
                f.authority = cat.authority(&f.authority).to_string();
                if let Some(t) = f.i18n.get(lang.code()) {
                    f.title = t.title.clone();
                    f.message = t.message.clone();
                    f.remediation = t.remediation.clone();
                }
                if let Some(labels) = f.evidence_labels_i18n.get(lang.code()) {
                    f.evidence_labels = labels.clone();
                }
                for reference in &mut f.references {
                    reference.instrument = cat
                        .instrument(&reference.law, &reference.instrument)
                        .to_string();
                    reference.article = cat.pinpoint(&reference.article).to_string();
                }
            }
            for line in &mut site.rules {
                if let Some(t) = line.titles.get(lang.code()) {
                    line.title = t.clone();
                }
                if let Some(words) = &line.detail_words {
                    line.detail = cat.say(words);
                }
            }
        }
        translated = r;
        &translated
    };
    let view = View {
        report,
        color,
        lang: lang.code(),
        i18n: crate::i18n::Catalogue::get(lang)?,
    };
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
        Format::Html => Ok(registry(Escaping::Html)?.render("site.html", &view)?),
        Format::Md => Ok(registry(Escaping::Markdown)?.render("site.md", &view)?),
        Format::Text => Ok(registry(Escaping::Text)?.render("site.txt", &view)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cannot_break_out() {
        assert_eq!(
            escape_markdown("a|b<script>\n`x`"),
            "a\\|b&lt;script&gt; \\`x\\`"
        );
    }

    #[test]
    fn csv_fields_never_run_as_formulas() {
        for (raw, cell) in [
            ("=1+2", "'=1+2"),
            ("+33 1 23 45 67 89", "'+33 1 23 45 67 89"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+2", "'=1+2"),
            ("\r=1+2", "' =1+2"),
            ("\t", "'"),
            (" =1+2", "' =1+2"),
            ("   @SUM(A1)", "'   @SUM(A1)"),
            (
                "=HYPERLINK(\"https://x.test\",\"y\")",
                "\"'=HYPERLINK(\"\"https://x.test\"\",\"\"y\"\")\"",
            ),
            // Near misses: numbers, and signs inside the text, stay as they are.
            ("-1.5", "-1.5"),
            ("+3", "+3"),
            (" -2", " -2"),
            ("a=b", "a=b"),
            (" hello", " hello"),
            ("site-fr.test", "site-fr.test"),
            ("", ""),
            ("a,b", "\"a,b\""),
            ("a;b", "\"a;b\""),
        ] {
            assert_eq!(escape_csv(raw), cell, "{raw:?}");
        }
    }

    #[test]
    fn csv_guard_runs_after_control_characters_are_removed() {
        for (raw, cell) in [
            // A control character before the formula used to hide it from
            // the guard, and was removed afterwards.
            ("\x1b=1+2", "'=1+2"),
            ("\x07\x1b@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\u{85}+1+cmd", "'+1+cmd"),
            ("\x7f-2+3", "'-2+3"),
            ("\0 =1", "' =1"),
            ("\x1b\t=1", "'=1"),
            (" \t1", "' 1"),
            ("\u{feff}=1+2", "'\u{feff}=1+2"),
            ("\u{200b} @x", "'\u{200b} @x"),
            ("\n=1+2", "\"'\n=1+2\""),
            // Not numbers to a spreadsheet: guarded.
            ("-inf", "'-inf"),
            ("+NaN", "'+NaN"),
            // Near misses: numbers behind a control character stay
            // numbers, text keeps its signs, and only controls go.
            ("\x1b-1.5", "-1.5"),
            ("\u{85}+3", "+3"),
            ("2e3", "2e3"),
            ("-1e-3", "-1e-3"),
            ("a\x1b=b", "a=b"),
            ("Caf\u{e9} \u{2026}", "Caf\u{e9} \u{2026}"),
            ("\x07", ""),
        ] {
            assert_eq!(escape_csv(raw), cell, "{raw:?}");
        }
    }

    #[test]
    fn xml_escaping_keeps_documents_valid() {
        assert_eq!(
            escape_xml("a<b>&\"c'\x1b[31m\x07\0\u{85}\u{7f}\u{fffe}\u{ffff}"),
            "a&lt;b&gt;&amp;&quot;c&apos;[31m"
        );
        // Line breaks and tabs survive attribute normalisation; text,
        // accents and characters above the BMP are kept.
        assert_eq!(
            escape_xml("l1\nl2\r\tx é 🍪 \u{a0}"),
            "l1&#10;l2&#13;&#9;x é 🍪 \u{a0}"
        );
    }

    #[test]
    fn github_and_sarif_escaping_drop_control_characters() {
        assert_eq!(
            escape_github("50%\x1b[2J\x07\u{9b}31m\r\n::error::x"),
            "50%25[2J31m%0D%0A::error::x"
        );
        assert_eq!(escape_json("a\x1b\x07\u{85}\"\n\tb"), "a\\\"\\n\\tb");
        assert_eq!(escape_html("<b>\x1b\u{85}é</b>"), "&lt;b&gt;é&lt;/b&gt;");
    }

    #[test]
    fn text_drops_escape_sequences() {
        assert_eq!(escape_text("\x1b[31mred\x07"), "[31mred");
    }
}
