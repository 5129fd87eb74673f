//! How much of a domain list the built-in knowledge covers
//! (`barometer lists coverage`).
//!
//! A list domain is *known* when the built-in tracker knowledge attributes
//! it (itself or a parent domain), and *known with its company* when that
//! entry names a company. When the list gives prevalence, the share is also
//! weighted by it, and `--top N` keeps the N most prevalent domains.

use crate::knowledge::TrackerDb;

use super::formats::Listed;

/// The measure of one list.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub domains: usize,
    pub known: usize,
    pub with_company: usize,
    /// Share of prevalence on domains known with their company, when the
    /// list carries prevalence.
    pub weighted: Option<f64>,
}

impl Coverage {
    /// Measure `domains` against `db`; with `top`, only the `top` most
    /// prevalent (ties by name), or the first `top` by name without
    /// prevalence.
    pub fn measure<'a>(
        db: &TrackerDb,
        domains: impl IntoIterator<Item = (&'a String, &'a Listed)>,
        top: Option<usize>,
    ) -> Coverage {
        let mut rows: Vec<(&String, &Listed)> = domains.into_iter().collect();
        rows.sort_by(|a, b| {
            let p = |l: &Listed| l.prevalence.unwrap_or(0.0);
            p(b.1).total_cmp(&p(a.1)).then_with(|| a.0.cmp(b.0))
        });
        if let Some(n) = top {
            rows.truncate(n);
        }
        let has_prevalence = rows.iter().any(|(_, l)| l.prevalence.is_some());
        let (mut known, mut with_company) = (0, 0);
        let (mut weight, mut weight_known) = (0.0, 0.0);
        for (domain, listed) in &rows {
            let entry = db.lookup(domain);
            let p = listed.prevalence.unwrap_or(0.0);
            weight += p;
            if entry.is_some() {
                known += 1;
            }
            if entry.is_some_and(|e| !e.company.trim().is_empty()) {
                with_company += 1;
                weight_known += p;
            }
        }
        Coverage {
            domains: rows.len(),
            known,
            with_company,
            weighted: (has_prevalence && weight > 0.0).then(|| weight_known / weight),
        }
    }

    /// The report, one figure a line.
    pub fn lines(&self, what: &str) -> Vec<String> {
        let pct = |n: usize| {
            if self.domains == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.domains as f64
            }
        };
        let mut out = vec![
            format!("{what}: {} domains", self.domains),
            format!(
                "known to the built-in knowledge: {} of {} ({:.1}%)",
                self.known,
                self.domains,
                pct(self.known)
            ),
            format!(
                "known with their company: {} of {} ({:.1}%)",
                self.with_company,
                self.domains,
                pct(self.with_company)
            ),
        ];
        if let Some(w) = self.weighted {
            out.push(format!(
                "weighted by prevalence, known with their company: {:.1}%",
                100.0 * w
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::formats::{parse, Format};

    #[test]
    fn shares_and_prevalence_weights() {
        let db = TrackerDb::parse(
            r#"version = "t"
               [[entity]]
               name = "Google"
               category = "advertising"
               domains = ["doubleclick.net"]
               [[entity]]
               name = "Nameless"
               category = "analytics"
               domains = ["nameless.example"]"#,
            "test",
        )
        .unwrap();
        let list = parse(
            Format::TrackerRadar,
            r#"{"trackers": {
                "stats.doubleclick.net": {"prevalence": 0.6},
                "nameless.example": {"prevalence": 0.1},
                "unknown.example": {"prevalence": 0.3},
                "rare.example": {"prevalence": 0.0}}}"#,
        )
        .unwrap();
        let c = Coverage::measure(&db, &list.domains, None);
        // Every entity has a name, so a known host always has its company.
        assert_eq!((c.domains, c.known, c.with_company), (4, 2, 2));
        assert!((c.weighted.unwrap() - 0.7).abs() < 1e-9);
        assert_eq!(
            c.lines("x")[1],
            "known to the built-in knowledge: 2 of 4 (50.0%)"
        );
        let top = Coverage::measure(&db, &list.domains, Some(2));
        assert_eq!((top.domains, top.known, top.with_company), (2, 1, 1));
        assert!((top.weighted.unwrap() - 0.6 / 0.9).abs() < 1e-9);
    }
}
