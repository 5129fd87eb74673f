//! Judging: from evidence to a judged report, with everything it needs
//! loaded once.
//!
//! A [`Judge`] owns the knowledge, the filter and installed lists, the
//! jurisdiction profiles and the compiled rules, built from a
//! [`JudgeConfig`]. Audits ([`crate::audit::Auditor`] = engine + judge)
//! and `barometer report` (stored evidence, no engine) judge through it;
//! a campaign records its `JudgeConfig`, so that its report judges as its
//! run did.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::analyse::Analyser;
use crate::evidence::{Evidence, ListInfo};
use crate::report::SiteReport;
use crate::rules::CompiledRules;

/// What judging is built from: the settings that change a verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// Extra rule directories (`--rules DIR`).
    #[serde(default)]
    pub rule_dirs: Vec<PathBuf>,
    /// Filter lists (`--filter-list FILE`).
    #[serde(default)]
    pub filter_lists: Vec<PathBuf>,
    /// The jurisdiction profile forced with `--profile` (lower-cased once
    /// checked); `None` infers each site's.
    #[serde(default)]
    pub profile: Option<String>,
    /// Where installed tracker lists are read from (`None`: no lists).
    #[serde(default)]
    pub lists_dir: Option<PathBuf>,
}

/// Knowledge, lists, profiles and compiled rules, loaded once.
pub struct Judge {
    /// What it was built from (the profile checked and lower-cased).
    pub config: JudgeConfig,
    pub analyser: Analyser,
    pub rules: CompiledRules,
}

impl Judge {
    /// Load everything `config` names. An unknown profile, a rule or
    /// filter list that cannot be read is an error; `warn` receives
    /// one-line notices (an installed list that cannot be used).
    pub fn new(mut config: JudgeConfig, warn: &mut dyn FnMut(String)) -> Result<Judge> {
        let (mut analyser, rules) =
            crate::audit::load_judgement(&config.rule_dirs, &config.filter_lists)?;
        analyser.profile = crate::audit::check_profile(&analyser, config.profile.as_deref())?;
        config.profile.clone_from(&analyser.profile);
        if let Some(dir) = &config.lists_dir {
            analyser.lists = crate::lists::Lists::load(dir, warn);
        }
        Ok(Judge {
            config,
            analyser,
            rules,
        })
    }

    /// Facts, findings and score of one site's evidence.
    pub fn judge(&self, evidence: Evidence) -> SiteReport {
        crate::audit::judge(&self.analyser, &self.rules, evidence)
    }

    /// Identifies the exact rule set, for provenance.
    pub fn rules_version(&self) -> &str {
        &self.rules.version
    }

    /// The knowledge and lists judging uses, with their versions.
    pub fn lists(&self) -> Vec<ListInfo> {
        crate::audit::list_infos(&self.analyser)
    }
}
