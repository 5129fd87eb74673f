//! The campaign store: one SQLite file holding campaigns, their sites, each
//! site's evidence (JSON), findings and score.
//!
//! Why SQLite: a campaign of 10,000 sites runs for hours and must survive
//! Ctrl-C, a crash or a SIGKILL. Each site's result is written in its own
//! transaction the moment it completes (WAL journal), so an interruption
//! loses at most the sites in flight, and the file is always consistent. It
//! is also one file a journalist can send, open in any SQLite tool, and that
//! `barometer merge` combines across machines.
//!
//! Evidence is the truth; findings and scores stored beside it are what the
//! rules said at crawl time. `barometer report` re-judges the evidence with
//! the current rules, so a new rule applies to an old campaign.

pub mod merge;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::evidence::Evidence;
use crate::targets::{Site, Skipped};
use crate::verdict::SiteReport;

/// Version of the table layout, kept in `meta`. A file from a newer
/// barometer is refused rather than misread.
pub const STORE_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    tool          TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    lists         TEXT NOT NULL,   -- JSON: name, version, entries
    engine        TEXT NOT NULL,
    options       TEXT NOT NULL,   -- JSON: the crawl options of the run
    sites_file    TEXT,
    skipped       TEXT NOT NULL DEFAULT '[]'  -- JSON: invalid input lines
);
CREATE TABLE IF NOT EXISTS sites (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    line        INTEGER,
    name        TEXT,
    category    TEXT,
    rank        INTEGER,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    error       TEXT,
    site        TEXT,
    score       INTEGER,
    grade       TEXT,
    evidence    TEXT,              -- JSON, see docs/evidence.schema.json
    PRIMARY KEY (campaign_id, url)
);
CREATE TABLE IF NOT EXISTS findings (
    campaign_id INTEGER NOT NULL,
    url         TEXT NOT NULL,
    rule        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    weight      INTEGER NOT NULL,
    message     TEXT NOT NULL,
    FOREIGN KEY (campaign_id, url) REFERENCES sites(campaign_id, url) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS findings_site ON findings(campaign_id, url);
CREATE INDEX IF NOT EXISTS sites_state ON sites(campaign_id, state);
";

/// Sites taken by a run that is auditing them. Two runs on one store split
/// the work: a site is claimed in a write transaction before its audit, and
/// a site claimed by another run is left to it. A claim lapses at
/// `expires_at` (unix seconds), so the sites of a run that was killed are
/// taken up again by the next one. Created on open, in stores of any age.
const CLAIMS: &str = "
CREATE TABLE IF NOT EXISTS claims (
    campaign_id INTEGER NOT NULL,
    url         TEXT NOT NULL,
    owner       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, url)
);
";

/// Where a site of a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    /// Not audited yet (or interrupted while in flight).
    Pending,
    /// Audited: evidence, findings and score stored.
    Done,
    /// Could not be audited (unreachable, timed out...): evidence of the
    /// failure stored, excluded from the indicators' denominators.
    Failed,
}

impl SiteState {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Pending => "pending",
            SiteState::Done => "done",
            SiteState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> SiteState {
        match s {
            "done" => SiteState::Done,
            "failed" => SiteState::Failed,
            _ => SiteState::Pending,
        }
    }
}

/// A campaign as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub tool: String,
    pub tool_version: String,
    pub rules_version: String,
    pub lists: serde_json::Value,
    pub engine: String,
    pub options: serde_json::Value,
    pub sites_file: Option<String>,
    pub skipped: Vec<Skipped>,
}

/// What a new run says about itself.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub rules_version: String,
    pub lists: serde_json::Value,
    pub engine: String,
    pub options: serde_json::Value,
    pub sites_file: Option<String>,
    pub skipped: Vec<Skipped>,
}

/// One site of a campaign, as stored.
#[derive(Debug, Clone)]
pub struct StoredSite {
    pub url: String,
    pub line: Option<usize>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub rank: Option<u32>,
    pub state: SiteState,
    pub attempts: u32,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
    /// The evidence, as JSON text (parsed by the caller, on any thread).
    pub evidence: Option<String>,
}

impl StoredSite {
    pub fn parse_evidence(&self) -> Result<Option<Evidence>> {
        self.evidence
            .as_deref()
            .map(|e| {
                serde_json::from_str(e)
                    .with_context(|| format!("stored evidence of {} is unreadable", self.url))
            })
            .transpose()
    }
}

/// Counts of a campaign's sites by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pending: u64,
    pub done: u64,
    pub failed: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.pending + self.done + self.failed
    }
}

/// An open campaign store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open the store at `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, true)
    }

    /// Open an existing store (for `report` and `merge`): a missing file is
    /// an error rather than an empty campaign.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            bail!("no campaign database at {}", path.display());
        }
        Self::open_with(path, false)
    }

    /// Open an existing store for reading only (`report`): it works on a
    /// read-only file or folder, and never writes, so a report can be made
    /// from a campaign on a read-only mount or while a run goes on.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            bail!("no campaign database at {}", path.display());
        }
        let shown = path.display();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .with_context(|| format!("cannot open {shown}"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // A WAL-mode file in a folder we cannot write to cannot get its
        // shared-memory index: read it as an immutable file then.
        let conn = match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => conn,
            Err(_) => {
                let uri = url::Url::from_file_path(std::fs::canonicalize(path)?)
                    .map_err(|()| anyhow::anyhow!("cannot open {shown}"))?;
                Connection::open_with_flags(
                    format!("{uri}?immutable=1"),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )
                .with_context(|| format!("cannot open {shown}"))?
            }
        };
        Self::check_version(&conn, path, false)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Open, retrying while another process holds the file during its own
    /// opening (switching a new file to WAL takes a lock for which SQLite
    /// does not wait).
    fn open_with(path: &Path, create: bool) -> Result<Store> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Self::try_open(path, create) {
                Err(e) if busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn try_open(path: &Path, create: bool) -> Result<Store> {
        let shown = path.display();
        let mut conn = Connection::open(path).with_context(|| format!("cannot open {shown}"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // A file that is not SQLite fails on its first read.
        let journal: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .with_context(|| format!("{shown} is not a barometer database"))?;
        let _ = journal;
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .with_context(|| format!("{shown} is not a barometer database"))?;
        // Two runs may open a new file at once: the check and the creation
        // happen in one write transaction, so one creates and the other
        // finds the tables made.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .with_context(|| format!("{shown} is not a barometer database"))?;
        Self::check_version(&tx, path, create)?;
        tx.execute_batch(CLAIMS)
            .with_context(|| format!("cannot create the tables of {shown}"))?;
        tx.commit()
            .with_context(|| format!("cannot create the tables of {shown}"))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Refuse a file that is not a barometer store of a version we read;
    /// with `create`, make the tables in an empty file.
    fn check_version(conn: &Connection, path: &Path, create: bool) -> Result<()> {
        let shown = path.display();
        let has_meta: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .with_context(|| format!("{shown} is not a barometer database"))?;
        if has_meta {
            let version: Option<String> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'store_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .with_context(|| format!("{shown} is not a barometer database"))?;
            match version.as_deref().map(str::parse::<i64>) {
                Some(Ok(v)) if v == STORE_VERSION => {}
                Some(Ok(v)) if v > STORE_VERSION => bail!(
                    "{shown} was written by a newer barometer (store version {v}, this one reads {STORE_VERSION})"
                ),
                _ => bail!("{shown} is not a barometer database (no store version)"),
            }
        } else {
            let tables: i64 = conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                bail!("{shown} is an SQLite database, but not a barometer one");
            }
            if !create {
                bail!("{shown} holds no campaign");
            }
            conn.execute_batch(SCHEMA)
                .with_context(|| format!("cannot create the tables of {shown}"))?;
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_version', ?1)",
                params![STORE_VERSION.to_string()],
            )?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Start a campaign, or take up the one of the same name: its sites
    /// list grows by the sites it did not have (as pending); sites already
    /// there keep their state, which is what makes a re-run resume.
    pub fn begin(&mut self, new: &NewCampaign, sites: &[Site]) -> Result<Campaign> {
        // A write transaction from the start: two runs beginning the same
        // campaign at once must not both find it missing and both insert it.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM campaigns WHERE name = ?1",
                params![new.name],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => {
                // A resumed run is a new run of the same campaign: record
                // what it ran with, and that it is not finished.
                tx.execute(
                    "UPDATE campaigns SET ended_at = NULL, tool_version = ?2, rules_version = ?3,
                     lists = ?4, skipped = ?5 WHERE id = ?1",
                    params![
                        id,
                        env!("CARGO_PKG_VERSION"),
                        new.rules_version,
                        new.lists.to_string(),
                        serde_json::to_string(&new.skipped)?,
                    ],
                )?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO campaigns (name, started_at, tool, tool_version, rules_version,
                     lists, engine, options, sites_file, skipped)
                     VALUES (?1, ?2, 'gdpr-barometer', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        new.name,
                        Utc::now().to_rfc3339(),
                        env!("CARGO_PKG_VERSION"),
                        new.rules_version,
                        new.lists.to_string(),
                        new.engine,
                        new.options.to_string(),
                        new.sites_file,
                        serde_json::to_string(&new.skipped)?,
                    ],
                )?;
                tx.last_insert_rowid()
            }
        };
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO sites (campaign_id, url, line, name, category, rank)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in sites {
                insert.execute(params![
                    id,
                    s.url.as_str(),
                    s.line as i64,
                    s.name,
                    s.category,
                    s.rank
                ])?;
            }
        }
        tx.commit()?;
        self.campaign_by_id(id)
    }

    /// The sites of a campaign still to audit, in input order: pending
    /// ones, and failed ones too with `retry_failed`. Only those of `sites`
    /// (this run's list and shard) are returned, taken from it.
    pub fn todo(
        &self,
        campaign: i64,
        mut sites: Vec<Site>,
        retry_failed: bool,
    ) -> Result<Vec<Site>> {
        // One pass over the sites already settled, rather than a query per
        // listed site: a resumed list of a million sites starts in seconds.
        let mut stmt = self.conn.prepare_cached(
            "SELECT url, state FROM sites WHERE campaign_id = ?1 AND state != 'pending'",
        )?;
        let mut settled = std::collections::HashSet::new();
        let mut rows = stmt.query(params![campaign])?;
        while let Some(row) = rows.next()? {
            let state: String = row.get(1)?;
            match SiteState::parse(&state) {
                SiteState::Done => {}
                SiteState::Failed if !retry_failed => {}
                _ => continue,
            }
            settled.insert(row.get::<_, String>(0)?);
        }
        sites.retain(|s| !settled.contains(s.url.as_str()));
        Ok(sites)
    }

    /// Take `url` of `campaign` for this run (`owner`), for `lease`: true
    /// when it is still to audit (pending, or failed before `since` with
    /// `retry_failed`) and no other run holds a live claim on it. The check
    /// and the claim are one write transaction, so two runs never both get
    /// a site.
    pub fn claim(
        &mut self,
        campaign: i64,
        url: &str,
        owner: &str,
        since: DateTime<Utc>,
        retry_failed: bool,
        lease: std::time::Duration,
    ) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let state: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT state, finished_at FROM sites WHERE campaign_id = ?1 AND url = ?2",
                params![campaign, url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let wanted = match state {
            None => false,
            Some((state, finished)) => match SiteState::parse(&state) {
                SiteState::Pending => true,
                SiteState::Done => false,
                // Failed in an earlier run, not in one going on beside us.
                SiteState::Failed => {
                    retry_failed
                        && finished
                            .and_then(|f| DateTime::parse_from_rfc3339(&f).ok())
                            .is_none_or(|f| f < since)
                }
            },
        };
        if !wanted {
            return Ok(false);
        }
        let now = Utc::now().timestamp();
        let held: Option<(String, i64)> = tx
            .query_row(
                "SELECT owner, expires_at FROM claims WHERE campaign_id = ?1 AND url = ?2",
                params![campaign, url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if held.is_some_and(|(o, expires)| o != owner && expires > now && owner_alive(&o)) {
            return Ok(false);
        }
        tx.execute(
            "INSERT OR REPLACE INTO claims (campaign_id, url, owner, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![campaign, url, owner, now + lease.as_secs() as i64],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Give up every claim of `owner` (an interrupted run's sites in flight
    /// are free for the next one at once).
    pub fn release(&mut self, owner: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM claims WHERE owner = ?1", params![owner])?;
        Ok(())
    }

    /// Record one site's result, in its own transaction.
    pub fn save(
        &mut self,
        campaign: i64,
        url: &str,
        result: &SiteReport,
        started_at: DateTime<Utc>,
        duration_ms: u64,
    ) -> Result<()> {
        let state = if result.audited {
            SiteState::Done
        } else {
            SiteState::Failed
        };
        let evidence = serde_json::to_string(&result.evidence)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE sites SET state = ?3, attempts = attempts + 1, started_at = ?4,
             finished_at = ?5, duration_ms = ?6, error = ?7, site = ?8, score = ?9,
             grade = ?10, evidence = ?11
             WHERE campaign_id = ?1 AND url = ?2",
            params![
                campaign,
                url,
                state.as_str(),
                started_at.to_rfc3339(),
                Utc::now().to_rfc3339(),
                duration_ms as i64,
                result.error,
                result.site,
                result.score.as_ref().map(|s| s.value as i64),
                result.score.as_ref().map(|s| s.grade.to_string()),
                evidence,
            ],
        )?;
        tx.execute(
            "DELETE FROM findings WHERE campaign_id = ?1 AND url = ?2",
            params![campaign, url],
        )?;
        tx.execute(
            "DELETE FROM claims WHERE campaign_id = ?1 AND url = ?2",
            params![campaign, url],
        )?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO findings (campaign_id, url, rule, severity, weight, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for f in &result.findings {
                insert.execute(params![
                    campaign,
                    url,
                    f.rule_id,
                    f.severity.as_str(),
                    f.weight,
                    f.message
                ])?;
            }
        }
        tx.commit().with_context(|| {
            format!(
                "cannot write the result of {url} to {}",
                self.path.display()
            )
        })
    }

    /// Mark a campaign finished (every site of its list done or failed).
    pub fn end(&mut self, campaign: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE campaigns SET ended_at = ?2 WHERE id = ?1",
            params![campaign, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    pub fn counts(&self, campaign: i64) -> Result<Counts> {
        let mut c = Counts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM sites WHERE campaign_id = ?1 GROUP BY state")?;
        let rows = stmt.query_map(params![campaign], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (state, n) = row?;
            match SiteState::parse(&state) {
                SiteState::Pending => c.pending = n as u64,
                SiteState::Done => c.done = n as u64,
                SiteState::Failed => c.failed = n as u64,
            }
        }
        Ok(c)
    }

    /// Every campaign, oldest first.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        let mut stmt = self.conn.prepare("SELECT id FROM campaigns ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        ids.into_iter().map(|id| self.campaign_by_id(id)).collect()
    }

    /// The campaign called `name`; without a name, the only campaign of the
    /// file (several make the name necessary).
    pub fn campaign(&self, name: Option<&str>) -> Result<Campaign> {
        let all = self.campaigns()?;
        let shown = self.path.display();
        match name {
            Some(n) => all
                .into_iter()
                .find(|c| c.name == n)
                .with_context(|| format!("{shown} has no campaign named `{n}`")),
            None => match all.len() {
                0 => bail!("{shown} holds no campaign"),
                1 => Ok(all.into_iter().next().expect("one campaign")),
                _ => bail!(
                    "{shown} holds several campaigns ({}): choose one with --campaign",
                    all.iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    }

    fn campaign_by_id(&self, id: i64) -> Result<Campaign> {
        self.conn
            .query_row(
                "SELECT id, name, started_at, ended_at, tool, tool_version, rules_version, lists,
                 engine, options, sites_file, skipped FROM campaigns WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                    ))
                },
            )
            .map_err(anyhow::Error::from)
            .and_then(|row| {
                let time = |s: &str| {
                    DateTime::parse_from_rfc3339(s)
                        .map(|t| t.with_timezone(&Utc))
                        .with_context(|| format!("bad time `{s}` in campaign {}", row.1))
                };
                Ok(Campaign {
                    id: row.0,
                    started_at: time(&row.2)?,
                    ended_at: row.3.as_deref().map(time).transpose()?,
                    tool: row.4,
                    tool_version: row.5,
                    rules_version: row.6,
                    lists: serde_json::from_str(&row.7).unwrap_or_default(),
                    engine: row.8,
                    options: serde_json::from_str(&row.9).unwrap_or_default(),
                    sites_file: row.10,
                    skipped: serde_json::from_str(&row.11).unwrap_or_default(),
                    name: row.1,
                })
            })
            .with_context(|| format!("cannot read campaign {id} of {}", self.path.display()))
    }

    /// Call `f` with every site of a campaign, in input order, without
    /// holding them all in memory.
    pub fn for_each_site(
        &self,
        campaign: i64,
        mut f: impl FnMut(StoredSite) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT url, line, name, category, rank, state, attempts, finished_at, duration_ms,
             error, evidence FROM sites WHERE campaign_id = ?1 ORDER BY line, url",
        )?;
        let mut rows = stmt.query(params![campaign])?;
        while let Some(r) = rows.next()? {
            let finished: Option<String> = r.get(7)?;
            f(StoredSite {
                url: r.get(0)?,
                line: r.get::<_, Option<i64>>(1)?.map(|l| l as usize),
                name: r.get(2)?,
                category: r.get(3)?,
                rank: r.get::<_, Option<i64>>(4)?.map(|l| l as u32),
                state: SiteState::parse(&r.get::<_, String>(5)?),
                attempts: r.get::<_, i64>(6)? as u32,
                finished_at: finished
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .map(|t| t.with_timezone(&Utc)),
                duration_ms: r.get::<_, Option<i64>>(8)?.map(|d| d as u64),
                error: r.get(9)?,
                evidence: r.get(10)?,
            })?;
        }
        Ok(())
    }

    /// The underlying connection (merge copies rows with it).
    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests;

/// What a campaign needs of its store: claim a site, save its result,
/// release what it held, and read every site back for the report. The
/// SQLite [`Store`] is the one implementation; a store shared by many
/// machines (PostgreSQL) would be another, with nothing in `campaign/`
/// changed. Starting a campaign and listing campaigns stay with the
/// concrete store, which the command line opens.
pub trait CampaignStore {
    /// Where the store is, as shown in reports (a file path, a URL).
    fn location(&self) -> String;
    /// See [`Store::claim`].
    #[allow(clippy::too_many_arguments)]
    fn claim(
        &mut self,
        campaign: i64,
        url: &str,
        owner: &str,
        since: DateTime<Utc>,
        retry_failed: bool,
        lease: std::time::Duration,
    ) -> Result<bool>;
    /// See [`Store::release`].
    fn release(&mut self, owner: &str) -> Result<()>;
    /// See [`Store::save`].
    fn save(
        &mut self,
        campaign: i64,
        url: &str,
        result: &SiteReport,
        started_at: DateTime<Utc>,
        duration_ms: u64,
    ) -> Result<()>;
    /// See [`Store::for_each_site`].
    fn for_each_site(
        &self,
        campaign: i64,
        f: &mut dyn FnMut(StoredSite) -> Result<()>,
    ) -> Result<()>;
}

impl CampaignStore for Store {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn claim(
        &mut self,
        campaign: i64,
        url: &str,
        owner: &str,
        since: DateTime<Utc>,
        retry_failed: bool,
        lease: std::time::Duration,
    ) -> Result<bool> {
        Store::claim(self, campaign, url, owner, since, retry_failed, lease)
    }

    fn release(&mut self, owner: &str) -> Result<()> {
        Store::release(self, owner)
    }

    fn save(
        &mut self,
        campaign: i64,
        url: &str,
        result: &SiteReport,
        started_at: DateTime<Utc>,
        duration_ms: u64,
    ) -> Result<()> {
        Store::save(self, campaign, url, result, started_at, duration_ms)
    }

    fn for_each_site(
        &self,
        campaign: i64,
        f: &mut dyn FnMut(StoredSite) -> Result<()>,
    ) -> Result<()> {
        Store::for_each_site(self, campaign, f)
    }
}

/// This machine's name, for the owners of claims.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    if !ok {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Whether the run owning a claim (`HOST:PID:...`) may still be running: a
/// run of this machine whose process is gone (killed) holds nothing.
fn owner_alive(owner: &str) -> bool {
    let mut parts = owner.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return true;
    };
    let Ok(pid) = pid.parse::<i32>() else {
        return true;
    };
    if host != host_name() || pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let gone = unsafe { libc::kill(pid, 0) } != 0
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
    !gone
}

/// The database was locked by another connection.
fn busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _))
                if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    })
}
