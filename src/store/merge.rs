//! `barometer merge A.sqlite B.sqlite ... -o ALL.sqlite`: combine the stores
//! of a campaign run in shards on several machines.
//!
//! Campaigns are matched by name. A site present in several inputs keeps
//! its best result: done over failed over pending, then the most recent.
//! Merging into an existing output adds to it, so merging twice, or merging
//! shards as they finish, gives the same file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{SiteState, Store};

/// What a merge did.
#[derive(Debug, Default, Serialize)]
pub struct MergeSummary {
    pub campaigns: Vec<String>,
    /// Site rows written (new, or better than the one there).
    pub sites_written: u64,
    /// Site rows left alone (the output had as good a result).
    pub sites_kept: u64,
    /// Differences between inputs worth knowing (engine, rule versions).
    pub notes: Vec<String>,
}

fn rank(state: &str) -> u8 {
    match SiteState::parse(state) {
        SiteState::Done => 2,
        SiteState::Failed => 1,
        SiteState::Pending => 0,
    }
}

/// Merge `inputs` into `output` (created if missing).
pub fn merge(inputs: &[PathBuf], output: &Path) -> Result<MergeSummary> {
    let mut summary = MergeSummary::default();
    // Check every input before writing anything.
    let mut sources = Vec::new();
    for path in inputs {
        if path.canonicalize().ok() == output.canonicalize().ok() && output.exists() {
            anyhow::bail!("{} is both an input and the output", path.display());
        }
        sources.push(Store::open_existing(path)?);
    }
    let mut out = Store::open(output)?;
    for src in &mut sources {
        let src_path = src.path().display().to_string();
        for campaign in src.campaigns()? {
            let dest_id = dest_campaign(&mut out, &campaign, &src_path, &mut summary)?;
            if !summary.campaigns.contains(&campaign.name) {
                summary.campaigns.push(campaign.name.clone());
            }
            copy_sites(src, campaign.id, &mut out, dest_id, &mut summary)
                .with_context(|| format!("cannot merge {src_path}"))?;
        }
    }
    Ok(summary)
}

/// The output's campaign of the same name, created from `c` if missing, its
/// dates widened to cover `c`.
fn dest_campaign(
    out: &mut Store,
    c: &super::Campaign,
    src_path: &str,
    summary: &mut MergeSummary,
) -> Result<i64> {
    let conn = out.conn();
    let existing: Option<(i64, String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT id, engine, rules_version, started_at, ended_at FROM campaigns WHERE name = ?1",
            params![c.name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let started = c.started_at.to_rfc3339();
    let ended = c.ended_at.map(|t| t.to_rfc3339());
    match existing {
        None => {
            conn.execute(
                "INSERT INTO campaigns (name, started_at, ended_at, tool, tool_version,
                 rules_version, lists, engine, options, sites_file, skipped)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    c.name,
                    started,
                    ended,
                    c.tool,
                    c.tool_version,
                    c.rules_version,
                    c.lists.to_string(),
                    c.engine,
                    c.options.to_string(),
                    c.sites_file,
                    serde_json::to_string(&c.skipped)?,
                ],
            )?;
            Ok(conn.last_insert_rowid())
        }
        Some((id, engine, rules_version, dest_started, dest_ended)) => {
            if engine != c.engine {
                summary.notes.push(format!(
                    "campaign `{}`: {src_path} used the {} engine, earlier inputs {engine}",
                    c.name, c.engine
                ));
            }
            if rules_version != c.rules_version {
                summary.notes.push(format!(
                    "campaign `{}`: {src_path} ran rules {}, earlier inputs {rules_version} \
                     (`report` re-judges all evidence with the current rules)",
                    c.name, c.rules_version
                ));
            }
            // The merged campaign ran from the earliest start to the last
            // end, and is unfinished while any shard is.
            let started = started.min(dest_started);
            let ended = match (ended, dest_ended) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            conn.execute(
                "UPDATE campaigns SET started_at = ?2, ended_at = ?3 WHERE id = ?1",
                params![id, started, ended],
            )?;
            Ok(id)
        }
    }
}

fn copy_sites(
    src: &mut Store,
    src_id: i64,
    out: &mut Store,
    dest_id: i64,
    summary: &mut MergeSummary,
) -> Result<()> {
    let src_conn = src.conn();
    let mut rows = src_conn.prepare(
        "SELECT url, line, name, category, rank, state, attempts, started_at, finished_at,
         duration_ms, error, site, score, grade, evidence FROM sites WHERE campaign_id = ?1",
    )?;
    let mut findings = src_conn.prepare(
        "SELECT rule, severity, weight, message FROM findings WHERE campaign_id = ?1 AND url = ?2",
    )?;
    let tx = out.conn().transaction()?;
    {
        let mut current =
            tx.prepare("SELECT state, finished_at FROM sites WHERE campaign_id = ?1 AND url = ?2")?;
        let mut upsert = tx.prepare(
            "INSERT OR REPLACE INTO sites (campaign_id, url, line, name, category, rank, state,
             attempts, started_at, finished_at, duration_ms, error, site, score, grade, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        let mut clear = tx.prepare("DELETE FROM findings WHERE campaign_id = ?1 AND url = ?2")?;
        let mut add = tx.prepare(
            "INSERT INTO findings (campaign_id, url, rule, severity, weight, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut q = rows.query(params![src_id])?;
        while let Some(r) = q.next()? {
            let url: String = r.get(0)?;
            let state: String = r.get(5)?;
            let finished: Option<String> = r.get(8)?;
            let there: Option<(String, Option<String>)> = current
                .query_row(params![dest_id, url], |c| Ok((c.get(0)?, c.get(1)?)))
                .optional()?;
            let better = match &there {
                None => true,
                Some((s, f)) => {
                    (rank(&state), finished.clone().unwrap_or_default())
                        > (rank(s), f.clone().unwrap_or_default())
                }
            };
            if !better {
                summary.sites_kept += 1;
                continue;
            }
            upsert.execute(params![
                dest_id,
                url,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                state,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<String>>(7)?,
                finished,
                r.get::<_, Option<i64>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<String>>(11)?,
                r.get::<_, Option<i64>>(12)?,
                r.get::<_, Option<String>>(13)?,
                r.get::<_, Option<String>>(14)?,
            ])?;
            clear.execute(params![dest_id, url])?;
            let mut f = findings.query(params![src_id, url])?;
            while let Some(fr) = f.next()? {
                add.execute(params![
                    dest_id,
                    url,
                    fr.get::<_, String>(0)?,
                    fr.get::<_, String>(1)?,
                    fr.get::<_, i64>(2)?,
                    fr.get::<_, String>(3)?,
                ])?;
            }
            summary.sites_written += 1;
        }
    }
    tx.commit()?;
    Ok(())
}
