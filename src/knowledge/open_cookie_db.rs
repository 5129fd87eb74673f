//! The Open Cookie Database (`rules/open-cookie-database/`), read as a second
//! cookie list under `rules/cookies.toml`. How its rows are mapped to our
//! categories and consent needs is described in
//! `rules/open-cookie-database/ATTRIBUTION.md`.

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::cookies::{ConsentNeed, CookieCategory, CookieEntry, CookieList};

/// Where the shipped copy comes from (`source.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    pub repository: String,
    pub file: String,
    pub commit: String,
    pub date: String,
    pub version: String,
    pub licence: String,
}

/// Rows read and the entries they gave.
#[derive(Debug)]
pub struct Loaded {
    pub source: Source,
    pub rows: usize,
    pub entries: Vec<CookieEntry>,
}

/// A shorter name or prefix bound to no domain does not identify a tool.
pub const MIN_UNBOUND_NAME: usize = 4;

/// The copy built into the binary.
pub fn builtin() -> Result<Loaded> {
    let source: Source = toml::from_str(super::builtin_text("open-cookie-database/source.toml")?)
        .context("rules/open-cookie-database/source.toml: invalid")?;
    let path = format!("open-cookie-database/{}", source.file);
    let csv = super::builtin_text(&path)?;
    let rows = read_rows(csv).with_context(|| format!("rules/{path}"))?;
    let count = rows.len();
    let entries = rows.iter().flat_map(|r| r.entries()).collect();
    Ok(Loaded {
        source,
        rows: count,
        entries,
    })
}

/// One row of the database, with the columns we read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub platform: String,
    pub category: String,
    pub name: String,
    pub domain: String,
    pub description: String,
    pub wildcard: bool,
}

impl Row {
    /// Our category and consent need for the database's category.
    pub fn mapping(&self) -> Option<(CookieCategory, ConsentNeed)> {
        Some(match self.category.trim() {
            "Marketing" => (CookieCategory::Advertising, ConsentNeed::Required),
            "Analytics" => (CookieCategory::Analytics, ConsentNeed::Required),
            "Functional" | "Personalization" => {
                (CookieCategory::Functional, ConsentNeed::ThirdParty)
            }
            "Necessary" => (CookieCategory::StrictlyNecessary, ConsentNeed::Exempt),
            "Security" => (CookieCategory::Security, ConsentNeed::Exempt),
            _ => return None,
        })
    }

    /// The domains the row is bound to: `Some(empty)` when the column is
    /// empty, `None` when it names something that is not a host name.
    pub fn domains(&self) -> Option<Vec<String>> {
        let column = self.domain.replace('\u{200b}', "").to_ascii_lowercase();
        if column.trim().is_empty() {
            return Some(Vec::new());
        }
        let mut domains = Vec::new();
        for part in column.split(" or ").flat_map(|p| p.split(',')) {
            let d = part
                .replace("(3rd party)", "")
                .trim()
                .trim_matches('.')
                .to_string();
            if d.is_empty() {
                continue;
            }
            let host_like = d.contains('.')
                && d.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !host_like {
                return None;
            }
            domains.push(d);
        }
        (!domains.is_empty()).then_some(domains)
    }

    /// The entries this row gives (one per domain it is bound to), or none
    /// when it cannot be used safely.
    pub fn entries(&self) -> Vec<CookieEntry> {
        let Some((category, consent)) = self.mapping() else {
            return Vec::new();
        };
        let name = self.name.trim();
        let printable = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_graphic() && !matches!(c, '*' | ';' | ',' | '='));
        let Some(domains) = self.domains() else {
            return Vec::new();
        };
        if !printable || (domains.is_empty() && name.len() < MIN_UNBOUND_NAME) {
            return Vec::new();
        }
        let pattern = if self.wildcard {
            format!("{name}*")
        } else {
            name.to_string()
        };
        let entry = |domain: Option<String>| CookieEntry {
            name: pattern.clone(),
            owner: self.platform.trim().to_string(),
            category,
            purpose: self.description.trim().to_string(),
            consent,
            typical_lifetime_days: None,
            // An exempt name described for any site says nothing of what it
            // does on a tracker's host.
            generic: domain.is_none() && consent == ConsentNeed::Exempt,
            domain,
            list: CookieList::OpenCookieDatabase,
        };
        if domains.is_empty() {
            vec![entry(None)]
        } else {
            domains.into_iter().map(|d| entry(Some(d))).collect()
        }
    }
}

/// Read the CSV file (RFC 4180: quoted fields may hold commas, doubled
/// quotes and line breaks) into rows, by the header's column names.
pub fn read_rows(text: &str) -> Result<Vec<Row>> {
    let records = parse_csv(text.trim_start_matches('\u{feff}'))?;
    let Some((header, body)) = records.split_first() else {
        bail!("empty file");
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| format!("no `{name}` column"))
    };
    let (platform, category, name, domain, description, wildcard) = (
        column("Platform")?,
        column("Category")?,
        column("Cookie / Data Key name")?,
        column("Domain")?,
        column("Description")?,
        column("Wildcard match")?,
    );
    let mut rows = Vec::with_capacity(body.len());
    for (i, r) in body.iter().enumerate() {
        if r.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if r.len() != header.len() {
            bail!(
                "record {}: {} fields where the header has {}",
                i + 2,
                r.len(),
                header.len()
            );
        }
        rows.push(Row {
            platform: r[platform].clone(),
            category: r[category].clone(),
            name: r[name].clone(),
            domain: r[domain].clone(),
            description: r[description].clone(),
            wildcard: r[wildcard].trim() == "1",
        });
    }
    Ok(rows)
}

fn parse_csv(text: &str) -> Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, name: &str, domain: &str, wildcard: bool) -> Row {
        Row {
            platform: "P".into(),
            category: category.into(),
            name: name.into(),
            domain: domain.into(),
            description: "d".into(),
            wildcard,
        }
    }

    #[test]
    fn csv_fields_may_hold_quotes_commas_and_line_breaks() {
        let text = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\r\n\
                    1,Acme,Marketing,acme_id,,\"Says \"\"hi\"\", twice\nand more\",1 year,Acme,https://a.test,0\r\n\
                    2,Acme,Analytics,acme_s_,acme.test (3rd party),x,session,Acme,,1";
        let rows = read_rows(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "acme_id");
        assert_eq!(rows[0].description, "Says \"hi\", twice\nand more");
        assert!(!rows[0].wildcard);
        assert_eq!(rows[1].domain, "acme.test (3rd party)");
        assert!(rows[1].wildcard);
        assert!(read_rows("a,b\n\"x").is_err());
        assert!(read_rows("Platform\nx").is_err());
    }

    #[test]
    fn categories_map_to_ours() {
        use ConsentNeed as N;
        use CookieCategory as C;
        let m = |cat: &str| row(cat, "n", "", false).mapping();
        assert_eq!(m("Marketing"), Some((C::Advertising, N::Required)));
        assert_eq!(m("Analytics"), Some((C::Analytics, N::Required)));
        assert_eq!(m("Functional"), Some((C::Functional, N::ThirdParty)));
        assert_eq!(m("Personalization"), Some((C::Functional, N::ThirdParty)));
        assert_eq!(m("Necessary"), Some((C::StrictlyNecessary, N::Exempt)));
        assert_eq!(m("Security"), Some((C::Security, N::Exempt)));
        assert_eq!(m("Other"), None);
    }

    #[test]
    fn domain_column_binds_and_wildcard_makes_a_prefix() {
        let e = row("Marketing", "SR", "adform.net (3rd party)", true).entries();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].name, "SR*");
        assert_eq!(e[0].domain.as_deref(), Some("adform.net"));
        let e = row(
            "Marketing",
            "MUID",
            ".bing.com (3rd party) or .microsoft.com (3rd party)",
            false,
        )
        .entries();
        let domains: Vec<_> = e.iter().map(|e| e.domain.clone().unwrap()).collect();
        assert_eq!(domains, ["bing.com", "microsoft.com"]);
        assert_eq!(
            row("Analytics", "s_vi", " or 207.net (3rd party)", true).entries()[0]
                .domain
                .as_deref(),
            Some("207.net")
        );
        assert_eq!(
            row("Marketing", "x_id", ".commander1.com\u{200b}", false).entries()[0]
                .domain
                .as_deref(),
            Some("commander1.com")
        );
        // A domain column that names no host: the row is not used.
        assert!(row("Marketing", "cap", "ads-[account].adhese.com", true)
            .entries()
            .is_empty());
        assert!(row("Marketing", "uid5", "id5-sync", false)
            .entries()
            .is_empty());
    }

    #[test]
    fn unsafe_rows_are_not_used() {
        // Too short to identify a tool when bound to no domain.
        assert!(row("Marketing", "i", "", false).entries().is_empty());
        assert!(row("Analytics", "sp", "", false).entries().is_empty());
        assert!(row("Functional", "P_", "", true).entries().is_empty());
        // The same short name bound to its domain is fine.
        assert_eq!(row("Marketing", "i", "openx.net", false).entries().len(), 1);
        // Not a cookie name.
        assert!(row("Marketing", "Site History", "", false)
            .entries()
            .is_empty());
        assert!(row("Marketing", "a*b", "", false).entries().is_empty());
        // Trailing blanks are trimmed.
        assert_eq!(
            row("Functional", "ce_need_secure_cookie\t", "", false).entries()[0].name,
            "ce_need_secure_cookie"
        );
    }

    #[test]
    fn only_unbound_exempt_names_are_generic() {
        assert!(row("Security", "xsrf_token", "", false).entries()[0].generic);
        assert!(!row("Security", "xsrf_token", "a.test", false).entries()[0].generic);
        assert!(!row("Marketing", "ad_uid", "", false).entries()[0].generic);
        assert!(!row("Functional", "lang_pref", "", false).entries()[0].generic);
    }

    #[test]
    fn the_shipped_copy_loads() {
        let l = builtin().unwrap();
        assert_eq!(l.source.licence, "Apache-2.0");
        assert!(l.rows >= 2000, "rows: {}", l.rows);
        assert!(l.entries.len() >= 1900, "entries: {}", l.entries.len());
    }
}

#[cfg(test)]
mod shipped {
    use super::*;
    use crate::knowledge::{builtin_cookies, CookieList};

    /// The share of the database's Marketing and Analytics names that our
    /// combined knowledge recognises, and the share it counts as needing
    /// consent. Print it with
    /// `cargo test --lib open_cookie_db::shipped -- --nocapture`.
    #[test]
    fn marketing_and_analytics_names_are_recognised() {
        let db = builtin_cookies().unwrap();
        let rows = read_rows(
            crate::knowledge::builtin_text("open-cookie-database/open-cookie-database.csv")
                .unwrap(),
        )
        .unwrap();
        let (mut total, mut known, mut needs_consent) = (0usize, 0usize, 0usize);
        let mut missed = Vec::new();
        for r in rows
            .iter()
            .filter(|r| matches!(r.category.trim(), "Marketing" | "Analytics"))
        {
            total += 1;
            let name = r.name.trim();
            let probe = if r.wildcard {
                format!("{name}1a2b")
            } else {
                name.to_string()
            };
            let domain = r
                .domains()
                .and_then(|d| d.into_iter().next())
                .unwrap_or_else(|| "site.example".into());
            match db.lookup(&probe, &domain) {
                Some(e) => {
                    known += 1;
                    if e.consent != ConsentNeed::Exempt && e.consent != ConsentNeed::ThirdParty {
                        needs_consent += 1;
                    }
                }
                None => missed.push(format!("{name} ({})", r.platform)),
            }
        }
        let share = known as f64 / total as f64;
        println!(
            "Open Cookie Database {}: {known} of {total} Marketing and Analytics names recognised ({:.1}%), {needs_consent} counted as needing consent ({:.1}%)",
            db.second().unwrap().version,
            share * 100.0,
            needs_consent as f64 * 100.0 / total as f64
        );
        println!("not recognised: {}", missed.join(", "));
        assert!(share >= 0.95, "{share}");
    }

    #[test]
    fn our_entries_win_over_dubious_labels() {
        let db = builtin_cookies().unwrap();
        let of = |name: &str, domain: &str| {
            let e = db.lookup(name, domain).unwrap_or_else(|| panic!("{name}"));
            (e.category, e.consent, e.list)
        };
        use ConsentNeed as N;
        use CookieCategory as C;
        // The database labels these Functional.
        assert_eq!(
            of("test_cookie", ".doubleclick.net"),
            (C::Advertising, N::Required, CookieList::Ours)
        );
        assert_eq!(
            of("ANID", ".google.com"),
            (C::Advertising, N::Required, CookieList::Ours)
        );
        assert_eq!(
            of("YSC", ".youtube.com"),
            (C::Social, N::Required, CookieList::Ours)
        );
        assert_eq!(
            of("_hjSessionUser_123", "shop.example"),
            (C::SessionReplay, N::Required, CookieList::Ours)
        );
        // The database lacks it.
        assert_eq!(
            of("cto_bundle", "shop.example"),
            (C::Advertising, N::Required, CookieList::Ours)
        );
        // Ours binds test_cookie to doubleclick.net: elsewhere it is nobody's.
        assert!(db.lookup("test_cookie", "shop.example").is_none());
    }

    #[test]
    fn database_only_names_take_the_mapped_category() {
        let db = builtin_cookies().unwrap();
        // Rows of the shipped copy that our own list does not describe.
        let ocd = |name: &str, domain: &str| {
            let e = db.lookup(name, domain).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(e.list, CookieList::OpenCookieDatabase, "{name}");
            (e.category, e.consent)
        };
        assert_eq!(
            ocd("_gcl_ha", "shop.example"),
            (CookieCategory::Advertising, ConsentNeed::Required)
        );
        assert_eq!(
            ocd("_opt_expid", "shop.example"),
            (CookieCategory::Analytics, ConsentNeed::Required)
        );
        assert_eq!(
            ocd("FPGSID", "shop.example"),
            (CookieCategory::Functional, ConsentNeed::ThirdParty)
        );
        assert_eq!(
            ocd("_rails_session", "shop.example"),
            (CookieCategory::StrictlyNecessary, ConsentNeed::Exempt)
        );
        assert!(db.lookup("_rails_session", "shop.example").unwrap().generic);
        // Wildcard rows are prefixes; bound rows match on their domain only.
        assert_eq!(
            ocd("prism_123", "shop.example").0,
            CookieCategory::Advertising
        );
        assert_eq!(
            ocd("KRTBCOOKIE_12", ".pubmatic.com").0,
            CookieCategory::Advertising
        );
        assert!(db.lookup("KRTBCOOKIE_12", "shop.example").is_none());
    }
}
