//! `barometer report --db FILE -o DIR`: publish a campaign's barometer.
//!
//! Never crawls: the stored evidence is re-judged with the current rules,
//! so a new rule applies to an old campaign. Rule directories, filter
//! lists, profile and installed lists are those the campaign ran with
//! (its record), unless `--rules`, `--filter-list` or `--profile` say
//! otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::{fail, warn, ReportArgs, EXIT_OK, EXIT_USAGE};
use crate::campaign::publish::Publisher;
use crate::judge::{Judge, JudgeConfig};
use crate::knowledge::references::References;
use crate::report::render::{render_campaign, CampaignFormat};
use crate::store::Store;

/// `OTHER.sqlite[:CAMPAIGN]`: a path that exists is taken whole, else the
/// part after the last `:` names the campaign.
fn split_compare(spec: &str) -> (PathBuf, Option<String>) {
    if Path::new(spec).exists() {
        return (PathBuf::from(spec), None);
    }
    match spec.rsplit_once(':') {
        Some((path, name)) if !path.is_empty() && !name.is_empty() => {
            (PathBuf::from(path), Some(name.to_string()))
        }
        _ => (PathBuf::from(spec), None),
    }
}

pub fn run(args: ReportArgs) -> ExitCode {
    match publish(&args) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => fail(EXIT_USAGE, &e),
    }
}

/// What the campaign was judged with when it ran (its record), with what
/// the command line gives instead; each option that overrides the record
/// is said in one line.
fn judge_config(args: &ReportArgs, recorded: Option<JudgeConfig>) -> JudgeConfig {
    let mut config = recorded.clone().unwrap_or_default();
    let overrides = |option: &str, what: &str, given: String, was: String| {
        if recorded.is_some() && given != was {
            eprintln!("note: {option} {given} overrides the campaign's {what} ({was})");
        }
    };
    let shown = |paths: &[PathBuf]| {
        if paths.is_empty() {
            "none".to_string()
        } else {
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if !args.rules.is_empty() {
        overrides(
            "--rules",
            "rule directories",
            shown(&args.rules),
            shown(&config.rule_dirs),
        );
        config.rule_dirs.clone_from(&args.rules);
    }
    if !args.filter_lists.is_empty() {
        overrides(
            "--filter-list",
            "filter lists",
            shown(&args.filter_lists),
            shown(&config.filter_lists),
        );
        config.filter_lists.clone_from(&args.filter_lists);
    }
    if let Some(p) = &args.profile {
        let was = config.profile.as_deref().unwrap_or("inferred per site");
        if !p.eq_ignore_ascii_case(was) {
            overrides("--profile", "profile", p.clone(), was.to_string());
        }
        config.profile = Some(p.clone());
    }
    config
}

fn publish(args: &ReportArgs) -> Result<()> {
    let store = Store::open_read_only(&args.db)?;
    let campaign = store.campaign(args.campaign.as_deref())?;
    // Judged as the run judged, unless told otherwise (a campaign recorded
    // before its judging settings were is judged with the defaults).
    let recorded = campaign
        .options
        .get("judge")
        .and_then(|j| serde_json::from_value::<JudgeConfig>(j.clone()).ok());
    let config = judge_config(args, recorded);
    // The reports' language: asked for, else the profile's the campaign is
    // judged under (recorded, or --profile); with profiles inferred per
    // site, each site's, and the one they share for the barometer.
    let lang = args.report_lang.or_else(|| {
        config
            .profile
            .as_deref()
            .map(crate::i18n::Lang::for_profile)
    });
    let judge = Judge::new(config, &mut |w| warn(&w))?;
    let references = References::builtin()?;
    let other = match &args.compare {
        Some(spec) => {
            let (path, name) = split_compare(spec);
            let other_store =
                Store::open_read_only(&path).with_context(|| format!("--compare {spec}"))?;
            let other = other_store
                .campaign(name.as_deref())
                .with_context(|| format!("--compare {spec}"))?;
            Some((other_store, other))
        }
        None => None,
    };
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let formats: Vec<CampaignFormat> = if args.format.is_empty() {
        vec![CampaignFormat::Html]
    } else {
        args.format.clone()
    };
    let site_dir = args.output.join("sites");
    let with_sites = formats.contains(&CampaignFormat::Html) && !args.no_site_reports;
    let publisher = Publisher {
        judge: &judge,
        references: &references,
        lang,
    };
    let report = publisher.publish(
        &store,
        &campaign,
        with_sites.then_some(site_dir.as_path()),
        other
            .as_ref()
            .map(|(s, c)| (s as &dyn crate::store::CampaignStore, c)),
        &|w| warn(w),
    )?;
    super::warn_rule_errors(&report.rule_errors);
    let charts = report.charts()?;
    for format in formats {
        let path = args.output.join(format.file_name());
        let text = render_campaign(&report, &charts, format)?;
        crate::files::write_atomic(&path, text)?;
        eprintln!("wrote {}", path.display());
        if format == CampaignFormat::Csv {
            // The column guide, beside the file it describes.
            let guide = args.output.join(CSV_GUIDE);
            crate::files::write_atomic(
                &guide,
                crate::report::campaign::csv_guide(crate::i18n::Catalogue::get(report.lang)?),
            )?;
            eprintln!("wrote {}", guide.display());
        }
    }
    let c = &report.counts;
    eprintln!(
        "campaign `{}`: {} sites audited, {} unreachable, {} pending",
        report.campaign.name, c.audited, c.unreachable, c.pending
    );
    Ok(())
}

/// The column guide of `sites.csv`, written beside it.
pub const CSV_GUIDE: &str = "sites.csv.md";

#[cfg(test)]
mod tests {
    use super::split_compare;

    #[test]
    fn compare_spec() {
        assert_eq!(
            split_compare("old.sqlite:2025"),
            ("old.sqlite".into(), Some("2025".into()))
        );
        assert_eq!(split_compare("old.sqlite"), ("old.sqlite".into(), None));
    }
}
