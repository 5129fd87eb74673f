//! Inline SVG charts for the barometer.
//!
//! The charts are plain SVG written here: no JavaScript, no CDN, no web
//! font, so an HTML report opened from disk shows them as it is. Every piece
//! of text goes through [`escape`], and numbers are written with a fixed
//! number of decimals so that the same input always gives the same bytes.
//! Each chart has `role="img"`, an `aria-label`, a `<title>` and a `<desc>`
//! listing its values for screen readers.

use std::fmt::Write as _;

/// Width of every chart, in pixels (the SVG scales down on narrow screens).
const WIDTH: u32 = 720;
const FONT: &str = "system-ui, sans-serif";
const INK: &str = "#1f2933";
const MUTED: &str = "#52606d";
const GRID: &str = "#d9e2ec";
const BAR: &str = "#4c78a8";
const LOWER: &str = "#f58518";
const REFERENCE: &str = "#e45756";
/// Baseline of the chart title; plots start below it.
const TITLE_Y: u32 = 22;
const TOP: u32 = 40;

/// One horizontal bar of [`percent_bars`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The measured share, 0 to 100.
    pub percent: f64,
    /// Lower bound of the 95% interval, in percent.
    pub low: Option<f64>,
    /// Upper bound of the 95% interval, in percent.
    pub high: Option<f64>,
    /// A published figure to compare with, e.g. `("Empirik 2020", 3.0)`.
    pub reference: Option<(String, f64)>,
}

/// Escape text for SVG (XML) content and attribute values.
///
/// Characters XML cannot carry (control characters other than tab and line
/// breaks) are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The words of the charts, in the report's language.
#[derive(Debug, Clone)]
pub struct ChartWords {
    legend_bars: String,
    legend_whiskers: String,
    legend_diamonds: String,
    no_data: String,
    /// ` (95% interval {0}% to {1}%)`
    interval: String,
    /// `{0} pp`
    points: String,
    /// The report language's decimal separator and percent sign (`{0}%`).
    decimal: String,
    percent: String,
    /// The ends of the axis of a change chart.
    lower: String,
    higher: String,
}

impl ChartWords {
    pub fn new(cat: &crate::i18n::Catalogue) -> ChartWords {
        let say = |key: &str| cat.text(key, &[]).unwrap_or_else(|| key.to_string());
        ChartWords {
            legend_bars: say("chart_legend_bars"),
            legend_whiskers: say("chart_legend_whiskers"),
            legend_diamonds: say("chart_legend_diamonds"),
            no_data: say("chart_no_data"),
            interval: say("chart_interval"),
            points: say("chart_points"),
            decimal: cat
                .text("decimal_separator", &[])
                .unwrap_or_else(|| ".".into()),
            percent: cat.text("percent", &[]).unwrap_or_else(|| "{0}%".into()),
            lower: say("chart_lower"),
            higher: say("chart_higher"),
        }
    }

    /// A number shown to the reader, with the language's decimal separator.
    fn number(&self, s: String) -> String {
        if self.decimal == "." {
            s
        } else {
            s.replace('.', &self.decimal)
        }
    }

    /// A share in percent, as the language writes it ("3.0%", "3,0 %").
    fn pct(&self, value: f64) -> String {
        self.percent.replace("{0}", &self.number(num(value)))
    }
}

/// Horizontal bars on a 0–100% axis, each with its 95% interval as a
/// whisker and, when given, a reference figure as a diamond marker with its
/// label; the value is printed at the bar end ("3.0%").
pub fn percent_bars(title: &str, bars: &[Bar], words: &ChartWords) -> String {
    if bars.is_empty() {
        return no_data(title, words);
    }
    const X0: f64 = 220.0;
    const PLOT: f64 = 430.0;
    let x = |percent: f64| X0 + clamp_percent(percent) / 100.0 * PLOT;
    let has_reference = bars.iter().any(|b| b.reference.is_some());
    let has_interval = bars.iter().any(|b| interval(b).is_some());
    let row: u32 = if has_reference { 44 } else { 30 };
    let axis_y = TOP + row * bars.len() as u32;
    let height = axis_y + 24 + if has_interval || has_reference { 20 } else { 0 };

    let desc = bars
        .iter()
        .map(|b| describe_bar(b, words))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = open(title, height, &desc);

    // Grid and axis.
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let tx = num(x(tick));
        let _ = write!(
            svg,
            r#"<line x1="{tx}" y1="{}" x2="{tx}" y2="{axis_y}" stroke="{GRID}" stroke-width="1"/>"#,
            TOP - 4
        );
        let _ = write!(
            svg,
            r#"<text x="{tx}" y="{}" text-anchor="middle" fill="{MUTED}" font-size="11">{}</text>"#,
            axis_y + 14,
            words.percent.replace("{0}", &(tick as u32).to_string())
        );
    }

    for (i, bar) in bars.iter().enumerate() {
        let y = f64::from(TOP + row * i as u32);
        let percent = clamp_percent(bar.percent);
        let end = x(percent);
        let _ = write!(
            svg,
            "<g><title>{}</title>",
            escape(&describe_bar(bar, words))
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(X0 - 8.0),
            num(y + 16.0),
            escape(&truncate(&bar.label, 34))
        );
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="16" fill="{BAR}"/>"#,
            num(X0),
            num(y + 4.0),
            num(end - X0)
        );
        let mut text_x = end;
        if let Some((low, high)) = interval(bar) {
            let (xl, xh) = (num(x(low)), num(x(high)));
            let (top, mid, bottom) = (num(y + 7.0), num(y + 12.0), num(y + 17.0));
            let _ = write!(
                svg,
                r#"<path class="whisker" d="M{xl} {mid}H{xh}M{xl} {top}V{bottom}M{xh} {top}V{bottom}" stroke="{INK}" stroke-width="1.5" fill="none"/>"#
            );
            text_x = text_x.max(x(high));
        }
        if let Some((label, value)) = &bar.reference {
            let xr = x(*value);
            let _ = write!(
                svg,
                r#"<path class="reference" d="M{} {}L{} {}L{} {}L{} {}Z" fill="{REFERENCE}" stroke="white" stroke-width="1"/>"#,
                num(xr),
                num(y + 6.0),
                num(xr + 6.0),
                num(y + 12.0),
                num(xr),
                num(y + 18.0),
                num(xr - 6.0),
                num(y + 12.0)
            );
            // Keep the label inside the plot: right of the marker in the
            // left part of the axis, left of it otherwise.
            // The diamond in the label sits on the marker's side.
            let text = format!(
                "{}: {}",
                escape(&truncate(label, 48)),
                words.pct(clamp_percent(*value))
            );
            let (anchor, lx, text) = if xr < X0 + PLOT * 0.6 {
                ("start", (xr - 6.0).max(X0), format!("&#9670; {text}"))
            } else {
                ("end", xr + 6.0, format!("{text} &#9670;"))
            };
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="{anchor}" fill="{MUTED}" font-size="11">{text}</text>"#,
                num(lx),
                num(y + 34.0)
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-weight="600">{}</text></g>"#,
            num(text_x + 6.0),
            num(y + 16.0),
            words.pct(percent)
        );
    }

    if has_interval || has_reference {
        let mut legend = vec![words.legend_bars.as_str()];
        if has_interval {
            legend.push(&words.legend_whiskers);
        }
        if has_reference {
            legend.push(&words.legend_diamonds);
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" fill="{MUTED}" font-size="11">{}.</text>"#,
            num(X0),
            axis_y + 34,
            escape(&legend.join("; "))
        );
    }
    close(svg)
}

/// Vertical bars of counts, e.g. the distribution of scores per 10-point
/// bucket or per grade; labels under the bars, counts above.
pub fn column_counts(title: &str, columns: &[(String, u64)], words: &ChartWords) -> String {
    if columns.is_empty() {
        return no_data(title, words);
    }
    const LEFT: f64 = 40.0;
    const PLOT_W: f64 = 640.0;
    const PLOT_TOP: f64 = 64.0;
    const BASELINE: f64 = 250.0;
    let height = 280;
    let max = columns.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let slot = PLOT_W / columns.len() as f64;
    let width = (slot * 0.7).min(80.0);
    let label_chars = ((slot / 7.0) as usize).max(2);

    let desc = columns
        .iter()
        .map(|(label, count)| format!("{label}: {count}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = open(title, height, &desc);
    let _ = write!(
        svg,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{MUTED}" stroke-width="1"/>"#,
        num(LEFT),
        num(BASELINE),
        num(LEFT + PLOT_W),
        num(BASELINE)
    );
    for (i, (label, count)) in columns.iter().enumerate() {
        let centre = LEFT + slot * (i as f64 + 0.5);
        let h = *count as f64 / max * (BASELINE - PLOT_TOP);
        let _ = write!(
            svg,
            "<g><title>{}</title>",
            escape(&format!("{label}: {count}"))
        );
        let _ = write!(
            svg,
            r#"<rect class="column" x="{}" y="{}" width="{}" height="{}" fill="{BAR}"/>"#,
            num(centre - width / 2.0),
            num(BASELINE - h),
            num(width),
            num(h)
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" font-weight="600">{count}</text>"#,
            num(centre),
            num(BASELINE - h - 5.0)
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}" font-size="11">{}</text></g>"#,
            num(centre),
            num(BASELINE + 16.0),
            escape(&truncate(label, label_chars))
        );
    }
    close(svg)
}

/// Change between two campaigns per indicator, in percentage points: bars
/// left of a zero axis for a decrease, right of it for an increase.
pub fn delta_bars(title: &str, rows: &[(String, f64)], words: &ChartWords) -> String {
    if rows.is_empty() {
        return no_data(title, words);
    }
    const X0: f64 = 220.0;
    const PLOT: f64 = 430.0;
    const ROW: u32 = 28;
    let centre = X0 + PLOT / 2.0;
    let finite = |d: f64| if d.is_finite() { d } else { 0.0 };
    let largest = rows.iter().map(|r| finite(r.1).abs()).fold(0.0, f64::max);
    let scale = nice_ceiling(largest);
    let x = |d: f64| centre + finite(d).clamp(-scale, scale) / scale * (PLOT / 2.0);
    let axis_y = TOP + ROW * rows.len() as u32;
    let height = axis_y + 40;

    let desc = rows
        .iter()
        .map(|(label, d)| {
            format!(
                "{label}: {}",
                words
                    .points
                    .replace("{0}", &words.number(signed(finite(*d))))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = open(title, height, &desc);
    for tick in [-scale, -scale / 2.0, 0.0, scale / 2.0, scale] {
        let tx = num(x(tick));
        let stroke = if tick == 0.0 { MUTED } else { GRID };
        let _ = write!(
            svg,
            r#"<line x1="{tx}" y1="{}" x2="{tx}" y2="{axis_y}" stroke="{stroke}" stroke-width="1"/>"#,
            TOP - 4
        );
        let _ = write!(
            svg,
            r#"<text x="{tx}" y="{}" text-anchor="middle" fill="{MUTED}" font-size="11">{}</text>"#,
            axis_y + 14,
            words.points.replace("{0}", &words.number(signed(tick)))
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" fill="{MUTED}" font-size="11">&#8592; {}</text><text x="{}" y="{}" text-anchor="end" fill="{MUTED}" font-size="11">{} &#8594;</text>"#,
        num(X0),
        axis_y + 30,
        escape(&words.lower),
        num(X0 + PLOT),
        axis_y + 30,
        escape(&words.higher)
    );

    for (i, (label, delta)) in rows.iter().enumerate() {
        let y = f64::from(TOP + ROW * i as u32);
        let delta = finite(*delta);
        let end = x(delta);
        let (left, fill) = if delta < 0.0 {
            (end, LOWER)
        } else {
            (centre, BAR)
        };
        let text = words.points.replace("{0}", &words.number(signed(delta)));
        let _ = write!(
            svg,
            "<g><title>{}</title>",
            escape(&format!("{label}: {text}"))
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(X0 - 8.0),
            num(y + 16.0),
            escape(&truncate(label, 34))
        );
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="16" fill="{fill}"/>"#,
            num(left),
            num(y + 4.0),
            num((end - centre).abs())
        );
        // The value sits across the axis from its bar, so it never runs
        // into the labels or off the chart.
        let (anchor, tx) = if delta < 0.0 {
            ("start", centre + 6.0)
        } else {
            ("end", centre - 6.0)
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-weight="600">{}</text></g>"#,
            num(tx),
            num(y + 16.0),
            escape(&text)
        );
    }
    close(svg)
}

/// A small chart saying there is nothing to show.
fn no_data(title: &str, words: &ChartWords) -> String {
    let mut svg = open(title, 64, &words.no_data);
    let _ = write!(
        svg,
        r#"<text x="8" y="50" fill="{MUTED}" font-style="italic">{}</text>"#,
        escape(&words.no_data)
    );
    close(svg)
}

/// The opening of a chart: root element, accessible name, description and
/// visible title.
fn open(title: &str, height: u32, desc: &str) -> String {
    let title = escape(title);
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}" font-family="{FONT}" font-size="12" fill="{INK}" style="max-width:100%;height:auto">"#
    );
    let _ = write!(
        svg,
        r#"<title>{title}</title><desc>{}</desc><text x="8" y="{TITLE_Y}" font-size="15" font-weight="600">{title}</text>"#,
        escape(desc)
    );
    svg
}

fn close(mut svg: String) -> String {
    svg.push_str("</svg>");
    svg
}

fn describe_bar(bar: &Bar, words: &ChartWords) -> String {
    let mut s = format!("{}: {}", bar.label, words.pct(clamp_percent(bar.percent)));
    if let Some((low, high)) = interval(bar) {
        s.push_str(
            &words
                .interval
                .replace("{0}", &words.number(num(low)))
                .replace("{1}", &words.number(num(high))),
        );
    }
    if let Some((label, value)) = &bar.reference {
        let _ = write!(s, ", {label}: {}", words.pct(clamp_percent(*value)));
    }
    s
}

/// The bar's interval, when both bounds are given, within 0–100.
fn interval(bar: &Bar) -> Option<(f64, f64)> {
    match (bar.low, bar.high) {
        (Some(low), Some(high)) => {
            let (low, high) = (clamp_percent(low), clamp_percent(high));
            Some((low.min(high), low.max(high)))
        }
        _ => None,
    }
}

fn clamp_percent(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 100.0)
    }
}

/// A number with one decimal, never `-0.0`, `NaN` or `inf`.
fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.1}");
    if s == "-0.0" {
        "0.0".to_string()
    } else {
        s
    }
}

/// A number with one decimal and an explicit sign ("+3.0", "-2.5", "0.0").
fn signed(x: f64) -> String {
    let s = num(x);
    if s == "0.0" || s.starts_with('-') {
        s
    } else {
        format!("+{s}")
    }
}

/// The smallest "round" number (1, 2, 5, 10, 20, 25, 50, 100, then tens)
/// at least `x`.
fn nice_ceiling(x: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0]
        .into_iter()
        .find(|&n| x <= n)
        .unwrap_or_else(|| (x / 10.0).ceil() * 10.0)
}

/// At most `max` characters, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('\u{2026}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> ChartWords {
        ChartWords::new(crate::i18n::Catalogue::get(crate::i18n::Lang::En).unwrap())
    }

    #[test]
    fn figures_are_written_as_the_language_writes_them() {
        let fr = ChartWords::new(crate::i18n::Catalogue::get(crate::i18n::Lang::Fr).unwrap());
        let mut b = bar("Refus", 3.04);
        b.reference = Some(("Empirik 2020".into(), 12.5));
        let svg = percent_bars("t", &[b], &fr);
        assert!(svg.contains(">3,0 %<"), "{svg}");
        assert!(svg.contains("Empirik 2020: 12,5 %"), "{svg}");
        assert!(svg.contains(">25 %<") && !svg.contains("3.0%"), "{svg}");
        let svg = delta_bars("t", &[("Refus".into(), -1.26)], &fr);
        assert!(
            svg.contains(">-1,3 pt<") && svg.contains(">+2,0 pt<"),
            "{svg}"
        );
        assert!(svg.contains("plus bas") && !svg.contains(" pp<"), "{svg}");
        // Coordinates keep their decimal point.
        assert!(svg.contains("x=\"") && !svg.contains("x=\"1,"), "{svg}");
    }

    fn bar(label: &str, percent: f64) -> Bar {
        Bar {
            label: label.to_string(),
            percent,
            low: None,
            high: None,
            reference: None,
        }
    }

    /// A rough well-formedness check: tags balance, attributes are quoted
    /// and every `&` starts one of the entities we write.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("</svg>").count(), 1);
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            assert!(!text.contains('>'), "stray > in text: {text}");
            let end = start + rest[start..].find('>').expect("unclosed tag");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "< inside a tag: {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split([' ', '/']).next().unwrap();
                stack.push(name);
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        for (i, _) in svg.match_indices('&') {
            let tail = &svg[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#9670;", "&#8592;", "&#8594;"]
                    .iter()
                    .any(|e| tail.starts_with(e)),
                "raw & at {i}: {}",
                &tail[..tail.len().min(20)]
            );
        }
    }

    /// The widths of the rects of a class, in order.
    fn widths(svg: &str, class: &str) -> Vec<f64> {
        let marker = format!(r#"<rect class="{class}""#);
        svg.match_indices(&marker)
            .map(|(i, _)| {
                let tag = &svg[i..i + svg[i..].find('>').unwrap()];
                let w = tag.split(" width=\"").nth(1).unwrap();
                w[..w.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &#39;c&#39;&gt;"
        );
        assert_eq!(escape("a\u{1b}[31mb\u{0}"), "a[31mb");
        let hostile = r#"<script>alert("x")</script> & 'quote'"#;
        let mut b = bar(hostile, 10.0);
        b.reference = Some((hostile.to_string(), 5.0));
        for svg in [
            percent_bars(hostile, std::slice::from_ref(&b), &en()),
            column_counts(hostile, &[(hostile.to_string(), 3)], &en()),
            delta_bars(hostile, &[(hostile.to_string(), -2.0)], &en()),
            percent_bars(hostile, &[], &en()),
        ] {
            assert!(!svg.contains("<script"), "{svg}");
            assert!(!svg.contains("'quote'"), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)"), "{svg}");
            assert_well_formed(&svg);
        }
    }

    #[test]
    fn bar_width_is_proportional() {
        let svg = percent_bars(
            "t",
            &[bar("half", 50.0), bar("all", 100.0), bar("none", 0.0)],
            &en(),
        );
        let w = widths(&svg, "bar");
        assert_eq!(w.len(), 3);
        assert!(w[1] > 0.0);
        assert!((w[1] - 2.0 * w[0]).abs() < 0.11, "{w:?}");
        assert_eq!(w[2], 0.0);
        // Out-of-range values are clamped to the axis.
        let svg = percent_bars("t", &[bar("over", 140.0), bar("nan", f64::NAN)], &en());
        assert_eq!(widths(&svg, "bar"), vec![w[1], 0.0]);
    }

    #[test]
    fn percent_bars_show_values_intervals_and_references() {
        let bars = [Bar {
            label: "Refuse button on the first layer".to_string(),
            percent: 3.0,
            low: Some(1.03),
            high: Some(8.45),
            reference: Some(("Empirik 2020".to_string(), 3.0)),
        }];
        let svg = percent_bars("Refusal", &bars, &en());
        assert_well_formed(&svg);
        assert!(svg.contains(">3.0%</text>"));
        assert!(svg.contains(r#"class="whisker""#));
        assert!(svg.contains(r#"class="reference""#));
        assert!(svg.contains("Empirik 2020: 3.0%"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="Refusal""#));
        assert!(svg.contains("<title>Refusal</title>"));
        assert!(svg.contains(r#"font-family="system-ui, sans-serif""#));
        assert!(svg.contains(r#"width="720""#));
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("@import"));
    }

    #[test]
    fn columns() {
        let cols: Vec<(String, u64)> = [("A", 4), ("B", 2), ("C", 0)]
            .iter()
            .map(|(l, c)| (l.to_string(), *c))
            .collect();
        let svg = column_counts("Grades", &cols, &en());
        assert_well_formed(&svg);
        let h: Vec<f64> = svg
            .match_indices(r#"<rect class="column""#)
            .map(|(i, _)| {
                let tag = &svg[i..i + svg[i..].find('>').unwrap()];
                let v = tag.split(" height=\"").nth(1).unwrap();
                v[..v.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(h.len(), 3);
        assert!((h[0] - 2.0 * h[1]).abs() < 0.11, "{h:?}");
        assert_eq!(h[2], 0.0);
        assert!(svg.contains(">4</text>"));
        // All zero: no division by zero.
        assert_well_formed(&column_counts("Zero", &[("A".to_string(), 0)], &en()));
    }

    #[test]
    fn deltas() {
        let rows = vec![
            ("Refuse on first layer".to_string(), 12.5),
            ("Tracking after refusal".to_string(), -5.0),
            ("Unchanged".to_string(), 0.0),
        ];
        let svg = delta_bars("Change", &rows, &en());
        assert_well_formed(&svg);
        assert!(svg.contains(">+12.5 pp</text>"));
        assert!(svg.contains(">-5.0 pp</text>"));
        assert!(svg.contains(">0.0 pp</text>"));
        let w = widths(&svg, "bar");
        assert!((w[0] - 2.5 * w[1]).abs() < 0.3, "{w:?}");
        assert_eq!(w[2], 0.0);
        assert_eq!(nice_ceiling(12.5), 20.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(130.0), 130.0);
    }

    #[test]
    fn deterministic() {
        let bars = vec![
            Bar {
                label: "a".into(),
                percent: 100.0 / 3.0,
                low: Some(25.0),
                high: Some(43.1),
                reference: Some(("ref".into(), 14.0)),
            },
            bar("b", 2.0 / 3.0),
        ];
        assert_eq!(
            percent_bars("x", &bars, &en()),
            percent_bars("x", &bars, &en())
        );
        let cols = vec![("0-9".to_string(), 7), ("10-19".to_string(), 3)];
        assert_eq!(
            column_counts("x", &cols, &en()),
            column_counts("x", &cols, &en())
        );
        let rows = vec![("a".to_string(), 1.0 / 3.0)];
        assert_eq!(delta_bars("x", &rows, &en()), delta_bars("x", &rows, &en()));
        // Fixed decimals: no long floating-point tails.
        assert!(percent_bars("x", &bars, &en()).contains(">33.3%</text>"));
        assert!(!percent_bars("x", &bars, &en()).contains("33.33"));
    }

    #[test]
    fn no_data() {
        for svg in [
            percent_bars("Empty", &[], &en()),
            column_counts("Empty", &[], &en()),
            delta_bars("Empty", &[], &en()),
        ] {
            assert_well_formed(&svg);
            assert!(svg.contains("no data"));
            assert!(svg.contains(r#"aria-label="Empty""#));
            assert!(!svg.contains("<rect"));
        }
    }
}
