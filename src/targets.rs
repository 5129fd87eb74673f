//! The `barometer run SITES` input: which sites a campaign audits.
//!
//! Two forms are read:
//!
//! - a text file of URLs, one per line; `#` starts a comment, either on a
//!   line of its own or after a URL and a space (`https://a.fr # note`);
//!   blank lines are ignored;
//! - a CSV file whose header has a `url` column and, optionally, `name`,
//!   `category` and `rank` columns, in any order, in any case. Fields may be
//!   quoted (`"Le Monde, SA"`, `"say ""hi"""`); other columns are ignored.
//!   A header split on `;` is tried when the header split on `,` has no `url`
//!   (spreadsheets in French and German locales write `;`). Lines starting
//!   with `#` are comments here too. A quoted field cannot span lines.
//!
//! The CSV form is chosen when the first line that is neither blank nor a
//! comment has a field equal to `url`. CRLF line ends and a UTF-8 byte order
//! mark are tolerated in both forms.
//!
//! A URL without a scheme gets `https://`; only http and https URLs with a
//! host are accepted. A bad line does not stop the reading: it is kept in
//! [`Targets::skipped`] with its line number and a reason, as is a second
//! occurrence of a URL.

use std::collections::HashMap;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use url::Url;

/// Longest raw text kept for a skipped line, in characters.
const SKIPPED_TEXT_MAX: usize = 200;

/// One site to audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// 1-based line of the input it comes from.
    pub line: usize,
    pub url: Url,
    pub name: Option<String>,
    pub category: Option<String>,
    /// Position in some ranking (audience, size), from 1.
    pub rank: Option<u32>,
}

/// An input line that gave no site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// 1-based line number.
    pub line: usize,
    /// The line, trimmed and cut to 200 characters.
    pub text: String,
    /// Why, in one line.
    pub reason: String,
}

/// The sites of a campaign, in input order, and the lines that were not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Targets {
    pub sites: Vec<Site>,
    pub skipped: Vec<Skipped>,
}

impl Targets {
    /// Read a sites list, text or CSV (see the module documentation).
    pub fn parse(text: &str) -> Targets {
        let mut reader = Reader::default();
        for line in text.lines() {
            reader.line(line);
        }
        reader.builder.targets
    }

    /// Read from a path, or stdin for "-", a line at a time: a list of a
    /// million sites is never held whole in memory as text. An unreadable
    /// file is an error naming the path (anyhow).
    pub fn read(path: &str) -> anyhow::Result<Targets> {
        use std::io::BufRead;
        let name = if path == "-" { "standard input" } else { path };
        let input: Box<dyn BufRead> = if path == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(path)
                    .with_context(|| format!("cannot read the sites list {path}"))?,
            ))
        };
        let mut reader = Reader::default();
        let mut line = Vec::new();
        let mut input = input;
        loop {
            line.clear();
            let n = input
                .read_until(b'\n', &mut line)
                .with_context(|| format!("cannot read the sites list {name}"))?;
            if n == 0 {
                break;
            }
            let text = std::str::from_utf8(&line).map_err(|_| {
                anyhow::anyhow!(
                    "the sites list {name} is not UTF-8 text (line {})",
                    reader.number + 1
                )
            })?;
            reader.line(text.strip_suffix('\n').unwrap_or(text));
        }
        Ok(reader.builder.targets)
    }
}

/// Reads a sites list one line at a time: the first line that is neither
/// blank nor a comment decides between the text and the CSV form.
#[derive(Default)]
struct Reader {
    builder: Builder,
    /// Lines read so far.
    number: usize,
    form: Option<Form>,
}

enum Form {
    Text,
    Csv(char, Columns),
}

impl Reader {
    fn line(&mut self, line: &str) {
        self.number += 1;
        let number = self.number;
        let mut line = line.strip_suffix('\r').unwrap_or(line);
        if number == 1 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        match &self.form {
            None if is_blank_or_comment(line) => {}
            None => match csv_header(line) {
                Some((separator, columns)) => self.form = Some(Form::Csv(separator, columns)),
                None => {
                    self.form = Some(Form::Text);
                    self.builder.text_line(number, line);
                }
            },
            Some(Form::Text) => self.builder.text_line(number, line),
            Some(Form::Csv(separator, columns)) => {
                if !is_blank_or_comment(line) {
                    self.builder.csv_line(number, line, *separator, columns);
                }
            }
        }
    }
}

/// Read one site URL. A URL without a scheme gets `https://`. `Err` is a
/// one-line reason.
pub fn parse_site_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty URL".to_string());
    }
    if text.chars().any(char::is_whitespace) {
        return Err("not a URL: contains spaces".to_string());
    }
    let full = if text.contains("://") || has_scheme(text) {
        text.to_string()
    } else if let Some(rest) = text.strip_prefix("//") {
        format!("https://{rest}")
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&full).map_err(|e| format!("invalid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "unsupported scheme {}: only http and https",
            url.scheme()
        ));
    }
    match url.host() {
        None => return Err("invalid URL: no host".to_string()),
        // The url crate lets through characters no DNS name has, such as
        // the comma of a CSV line read as a URL.
        Some(url::Host::Domain(domain))
            if domain.is_empty()
                || !domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) =>
        {
            return Err(format!("invalid URL: invalid host name {domain:?}"));
        }
        Some(_) => {}
    }
    Ok(url)
}

/// Whether `text` starts with a scheme such as `mailto:`, as opposed to a
/// host and port such as `example.fr:8080` or `localhost:3000/path`.
fn has_scheme(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let is_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    is_scheme && !is_port
}

fn is_blank_or_comment(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

/// Where the known columns are in a CSV header.
#[derive(Debug, Default)]
struct Columns {
    url: usize,
    name: Option<usize>,
    category: Option<usize>,
    rank: Option<usize>,
}

/// The separator and columns of `line` if it is a CSV header with a `url`
/// column.
fn csv_header(line: &str) -> Option<(char, Columns)> {
    [',', ';'].into_iter().find_map(|separator| {
        let fields = split_csv(line, separator).ok()?;
        let find = |name: &str| {
            fields
                .iter()
                .position(|field| field.trim().eq_ignore_ascii_case(name))
        };
        let columns = Columns {
            url: find("url")?,
            name: find("name"),
            category: find("category"),
            rank: find("rank"),
        };
        Some((separator, columns))
    })
}

/// Split one CSV record. Fields may be quoted with `"`, a quote inside a
/// quoted field being doubled; spaces around a quoted field are ignored.
/// `Err` is a one-line reason.
pub fn split_csv(line: &str, separator: char) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        while chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    Some('"') if chars.next_if_eq(&'"').is_some() => field.push('"'),
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("malformed CSV: unterminated quoted field".to_string()),
                }
            }
            while chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(c) if c == separator => fields.push(field),
                Some(_) => return Err("malformed CSV: text after a closing quote".to_string()),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(c) if c == separator => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// Accumulates sites and skipped lines, and remembers where each URL was
/// first seen: by a 128-bit digest of the URL rather than a copy of it, so
/// that a list of a million sites is not held twice.
#[derive(Default)]
struct Builder {
    targets: Targets,
    seen: HashMap<u128, usize>,
}

/// Two independent 64-bit SipHash digests of `url` (collisions among a
/// few million URLs: about one chance in 10^25).
fn digest(url: &Url) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut a = std::collections::hash_map::DefaultHasher::new();
    url.as_str().hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (0x5eed_u32, url.as_str()).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

impl Builder {
    fn skip(&mut self, line: usize, text: &str, reason: impl Into<String>) {
        self.targets.skipped.push(Skipped {
            line,
            text: text.trim().chars().take(SKIPPED_TEXT_MAX).collect(),
            reason: reason.into(),
        });
    }

    /// Keep `site` unless its URL was already seen.
    fn add(&mut self, site: Site, text: &str) {
        match self.seen.entry(digest(&site.url)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = *first.get();
                self.skip(site.line, text, format!("duplicate of line {first}"))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(site.line);
                self.targets.sites.push(site);
            }
        }
    }

    fn text_line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return;
        }
        // A comment after a URL must follow whitespace: `#` in a URL is a
        // fragment.
        let candidate = match trimmed.find([' ', '\t']) {
            Some(space) if trimmed[space..].trim_start().starts_with('#') => {
                trimmed[..space].trim_end()
            }
            _ => trimmed,
        };
        match parse_site_url(candidate) {
            Ok(url) => {
                let site = Site {
                    line: number,
                    url,
                    name: None,
                    category: None,
                    rank: None,
                };
                self.add(site, line);
            }
            Err(reason) => self.skip(number, line, reason),
        }
    }

    fn csv_line(&mut self, number: usize, line: &str, separator: char, columns: &Columns) {
        let fields = match split_csv(line, separator) {
            Ok(fields) => fields,
            Err(reason) => return self.skip(number, line, reason),
        };
        if fields.iter().all(|field| field.trim().is_empty()) {
            // An empty row, as spreadsheets export after the data.
            return;
        }
        let field = |index: Option<usize>| {
            index
                .and_then(|i| fields.get(i))
                .map(|field| field.trim())
                .filter(|field| !field.is_empty())
        };
        let url = match field(Some(columns.url)) {
            None => return self.skip(number, line, "no url"),
            Some(url) => match parse_site_url(url) {
                Ok(url) => url,
                Err(reason) => return self.skip(number, line, reason),
            },
        };
        let rank = match field(columns.rank) {
            None => None,
            Some(rank) => match rank.parse::<u32>() {
                Ok(rank) if rank > 0 => Some(rank),
                _ => {
                    let reason = format!("rank {rank:?} is not a positive integer");
                    return self.skip(number, line, reason);
                }
            },
        };
        let site = Site {
            line: number,
            url,
            name: field(columns.name).map(str::to_string),
            category: field(columns.category).map(str::to_string),
            rank,
        };
        self.add(site, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(targets: &Targets) -> Vec<(usize, &str)> {
        targets
            .sites
            .iter()
            .map(|site| (site.line, site.url.as_str()))
            .collect()
    }

    fn skipped(targets: &Targets) -> Vec<(usize, &str, &str)> {
        targets
            .skipped
            .iter()
            .map(|s| (s.line, s.text.as_str(), s.reason.as_str()))
            .collect()
    }

    #[test]
    fn text_with_comments_blank_lines_and_schemeless_urls() {
        let text = "\
# French news sites
https://www.lemonde.fr/

  example.fr   
www.example.org/path?q=1   # inline comment
http://plain.example/#top
   # indented comment
localhost:8080/test
";
        let targets = Targets::parse(text);
        assert_eq!(
            urls(&targets),
            vec![
                (2, "https://www.lemonde.fr/"),
                (4, "https://example.fr/"),
                (5, "https://www.example.org/path?q=1"),
                (6, "http://plain.example/#top"),
                (8, "https://localhost:8080/test"),
            ]
        );
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        let site = &targets.sites[1];
        assert_eq!(
            (site.name.as_ref(), site.category.as_ref(), site.rank),
            (None, None, None)
        );
    }

    #[test]
    fn invalid_lines_are_reported_with_line_numbers() {
        let text = "\
ftp://x
not a url with spaces
https://
example.fr
mailto:someone@example.fr
http://exa mple.fr
https://[::1
";
        let targets = Targets::parse(text);
        assert_eq!(urls(&targets), vec![(4, "https://example.fr/")]);
        assert_eq!(
            skipped(&targets),
            vec![
                (1, "ftp://x", "unsupported scheme ftp: only http and https"),
                (2, "not a url with spaces", "not a URL: contains spaces"),
                (3, "https://", "invalid URL: empty host"),
                (
                    5,
                    "mailto:someone@example.fr",
                    "unsupported scheme mailto: only http and https"
                ),
                (6, "http://exa mple.fr", "not a URL: contains spaces"),
                (7, "https://[::1", "invalid URL: invalid IPv6 address"),
            ]
        );
    }

    #[test]
    fn skipped_text_is_trimmed_and_cut() {
        let long = format!("  ftp://{}  ", "a".repeat(300));
        let targets = Targets::parse(&long);
        assert_eq!(targets.skipped.len(), 1);
        let text = &targets.skipped[0].text;
        assert_eq!(text.chars().count(), 200);
        assert!(text.starts_with("ftp://aaa"));
    }

    #[test]
    fn duplicates_are_kept_once() {
        let text = "\
example.fr
https://other.example/
https://EXAMPLE.fr/
http://example.fr/
example.fr # again
";
        let targets = Targets::parse(text);
        assert_eq!(
            urls(&targets),
            vec![
                (1, "https://example.fr/"),
                (2, "https://other.example/"),
                (4, "http://example.fr/"),
            ]
        );
        assert_eq!(
            skipped(&targets),
            vec![
                (3, "https://EXAMPLE.fr/", "duplicate of line 1"),
                (5, "example.fr # again", "duplicate of line 1"),
            ]
        );
    }

    #[test]
    fn csv_with_quotes() {
        let text = "\
url,name,category,rank
https://www.lemonde.fr,\"Le Monde, SA\",news,1
lefigaro.fr,\"Le \"\"Figaro\"\"\",news,2
\"https://example.fr/a,b\",,,
 \"leparisien.fr\" , Le Parisien ,  , 3
";
        let targets = Targets::parse(text);
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        assert_eq!(
            targets.sites,
            vec![
                Site {
                    line: 2,
                    url: Url::parse("https://www.lemonde.fr/").unwrap(),
                    name: Some("Le Monde, SA".into()),
                    category: Some("news".into()),
                    rank: Some(1),
                },
                Site {
                    line: 3,
                    url: Url::parse("https://lefigaro.fr/").unwrap(),
                    name: Some("Le \"Figaro\"".into()),
                    category: Some("news".into()),
                    rank: Some(2),
                },
                Site {
                    line: 4,
                    url: Url::parse("https://example.fr/a,b").unwrap(),
                    name: None,
                    category: None,
                    rank: None,
                },
                Site {
                    line: 5,
                    url: Url::parse("https://leparisien.fr/").unwrap(),
                    name: Some("Le Parisien".into()),
                    category: None,
                    rank: Some(3),
                },
            ]
        );
    }

    #[test]
    fn csv_columns_in_another_order_and_extra_columns() {
        let text = "\
# exported 2025-01-01

Rank,Comment,Name,URL
10,ignored,Alpha,alpha.example
,,Beta,https://beta.example/
# a comment row
,,,
";
        let targets = Targets::parse(text);
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        assert_eq!(
            urls(&targets),
            vec![(4, "https://alpha.example/"), (5, "https://beta.example/")]
        );
        assert_eq!(targets.sites[0].rank, Some(10));
        assert_eq!(targets.sites[0].name.as_deref(), Some("Alpha"));
        assert_eq!(targets.sites[0].category, None);
        assert_eq!(targets.sites[1].rank, None);
    }

    #[test]
    fn csv_with_bom_and_crlf() {
        let text = "\u{feff}url,name\r\nexample.fr,Example\r\n\r\nhttps://b.example,\"B\"\r\n";
        let targets = Targets::parse(text);
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        assert_eq!(
            urls(&targets),
            vec![(2, "https://example.fr/"), (4, "https://b.example/")]
        );
        assert_eq!(targets.sites[1].name.as_deref(), Some("B"));
    }

    #[test]
    fn text_with_bom_and_crlf() {
        let targets = Targets::parse("\u{feff}example.fr\r\n# c\r\nb.example # x\r\n");
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        assert_eq!(
            urls(&targets),
            vec![(1, "https://example.fr/"), (3, "https://b.example/")]
        );
    }

    #[test]
    fn csv_bad_lines() {
        let text = "\
name,url,rank
A,a.example,0
B,b.example,-3
C,c.example,two
D,d.example,1.5
E,,4
F,ftp://f.example,5
G,\"g.example
H,\"h.example\"x,6
I,i.example,  7
J,a.example,8
K,k.example,99999999999
";
        let targets = Targets::parse(text);
        assert_eq!(
            urls(&targets),
            vec![(10, "https://i.example/"), (11, "https://a.example/")]
        );
        assert_eq!(targets.sites[0].rank, Some(7));
        assert_eq!(
            skipped(&targets),
            vec![
                (2, "A,a.example,0", "rank \"0\" is not a positive integer"),
                (3, "B,b.example,-3", "rank \"-3\" is not a positive integer"),
                (
                    4,
                    "C,c.example,two",
                    "rank \"two\" is not a positive integer"
                ),
                (
                    5,
                    "D,d.example,1.5",
                    "rank \"1.5\" is not a positive integer"
                ),
                (6, "E,,4", "no url"),
                (
                    7,
                    "F,ftp://f.example,5",
                    "unsupported scheme ftp: only http and https"
                ),
                (
                    8,
                    "G,\"g.example",
                    "malformed CSV: unterminated quoted field"
                ),
                (
                    9,
                    "H,\"h.example\"x,6",
                    "malformed CSV: text after a closing quote"
                ),
                (
                    12,
                    "K,k.example,99999999999",
                    "rank \"99999999999\" is not a positive integer"
                ),
            ]
        );
    }

    #[test]
    fn csv_duplicates() {
        let targets = Targets::parse("url\nexample.fr\nhttps://example.fr\n");
        assert_eq!(urls(&targets), vec![(2, "https://example.fr/")]);
        assert_eq!(
            skipped(&targets),
            vec![(3, "https://example.fr", "duplicate of line 2")]
        );
    }

    #[test]
    fn csv_with_semicolons() {
        let targets = Targets::parse("URL;Name\n\"a.example\";\"A; SA\"\n");
        assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
        assert_eq!(urls(&targets), vec![(2, "https://a.example/")]);
        assert_eq!(targets.sites[0].name.as_deref(), Some("A; SA"));
    }

    #[test]
    fn header_only_and_empty_inputs() {
        assert_eq!(Targets::parse("url,name,rank\n"), Targets::default());
        assert_eq!(Targets::parse(""), Targets::default());
        assert_eq!(Targets::parse("\n# nothing\n\n"), Targets::default());
    }

    #[test]
    fn csv_without_url_column_is_read_as_lines() {
        let targets = Targets::parse("site,name\nexample.fr,Example\n");
        assert!(targets.sites.is_empty());
        assert_eq!(
            skipped(&targets),
            vec![
                (
                    1,
                    "site,name",
                    "invalid URL: invalid host name \"site,name\""
                ),
                (
                    2,
                    "example.fr,Example",
                    "invalid URL: invalid host name \"example.fr,example\""
                ),
            ]
        );
    }

    #[test]
    fn split_csv_fields() {
        assert_eq!(
            split_csv("a,b,,c", ','),
            Ok(vec!["a".into(), "b".into(), "".into(), "c".into()])
        );
        assert_eq!(split_csv("", ','), Ok(vec!["".into()]));
        assert_eq!(split_csv("a,", ','), Ok(vec!["a".into(), "".into()]));
        assert_eq!(split_csv("\"\"", ','), Ok(vec!["".into()]));
        assert_eq!(
            split_csv("\"a\"\"b\",\"c,d\"", ','),
            Ok(vec!["a\"b".into(), "c,d".into()])
        );
        assert_eq!(split_csv("\"a\",", ','), Ok(vec!["a".into(), "".into()]));
    }

    #[test]
    fn site_urls() {
        let ok = |s: &str| parse_site_url(s).map(|u| u.to_string());
        assert_eq!(ok("example.fr"), Ok("https://example.fr/".into()));
        assert_eq!(ok("//example.fr/x"), Ok("https://example.fr/x".into()));
        assert_eq!(ok("example.fr:8443"), Ok("https://example.fr:8443/".into()));
        assert_eq!(ok("HTTP://Example.FR"), Ok("http://example.fr/".into()));
        assert_eq!(
            ok("127.0.0.1:3000/a"),
            Ok("https://127.0.0.1:3000/a".into())
        );
        assert_eq!(ok(""), Err("empty URL".into()));
        assert!(ok("javascript:alert(1)")
            .unwrap_err()
            .contains("unsupported scheme javascript"));
        assert!(ok("file:///etc/passwd")
            .unwrap_err()
            .contains("unsupported scheme file"));
    }

    #[test]
    fn read_names_the_missing_path() {
        let err = Targets::read("/nonexistent/sites.txt").unwrap_err();
        assert!(
            format!("{err:#}").contains("/nonexistent/sites.txt"),
            "{err:#}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sites.csv");
        std::fs::write(&path, "url,rank\nexample.fr,3\n").unwrap();
        let targets = Targets::read(path.to_str().unwrap()).unwrap();
        assert_eq!(targets.sites[0].rank, Some(3));
    }

    #[test]
    fn a_file_read_line_by_line_reads_as_the_same_text_parsed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sites.csv");
        let text = "\u{feff}# list\r\n\r\nurl;name\r\nexample.fr;A\r\nexample.fr;again\r\nnot a url;x\r\nb.fr;\"B; SA\"";
        std::fs::write(&path, text).unwrap();
        let read = Targets::read(path.to_str().unwrap()).unwrap();
        assert_eq!(read, Targets::parse(text));
        assert_eq!(read.sites.len(), 2);
        assert_eq!(read.sites[1].name.as_deref(), Some("B; SA"));
        assert_eq!(read.skipped.len(), 2);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sites.txt");
        std::fs::write(&path, b"a.fr\nb.fr\n\xff\xfe.fr\n").unwrap();
        let err = Targets::read(path.to_str().unwrap()).unwrap_err();
        assert!(
            format!("{err:#}").contains("not UTF-8 text (line 3)"),
            "{err:#}"
        );
    }
}
