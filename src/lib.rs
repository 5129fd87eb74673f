//! gdpr-barometer: audit websites for GDPR data minimisation and consent.
//!
//! The pipeline, top to bottom:
//!
//! ```text
//! targets ─▶ crawl (engine: http | chrome) ─▶ Evidence
//!        ─▶ analyse (party, trackers, cookies, banner, text) ─▶ Facts
//!        ─▶ rules (CEL conditions from rules/catalogue) ─▶ findings + score
//!        ─▶ report (templates from reports/)
//! ```
//!
//! - [`evidence`]: what was observed; the only interface between crawling
//!   and judging. Versioned, with a JSON Schema in `docs/`.
//! - [`banner`] and [`party`]: finding the cookie banner and its buttons,
//!   and whose a host is. Below both `crawl` (an engine must know what to
//!   click) and `analyse`.
//! - [`crawl`]: engines behind the [`crawl::Engine`] trait.
//! - [`knowledge`]: trackers, cookies, consent platforms, lexicons, all data
//!   in `rules/`.
//! - [`lists`]: tracker lists users fetch themselves (`barometer lists`).
//! - [`analyse`]: evidence to [`facts::Facts`].
//! - [`rules`]: the catalogue, its CEL engine and the score.
//! - [`verdict`]: what judging produces (site reports, findings, scores),
//!   below everything that keeps, compares or publishes it.
//! - [`report`]: the verdict rendered in every format.
//! - [`store`]: campaigns in one SQLite file, written site by site.
//! - [`stats`]: proportions with Wilson intervals, medians, distributions.
//! - [`audit`]: the pipeline for one site.
//! - [`targets`]: the sites to audit, read from a sites file (below
//!   `store`, which keeps them, and `campaign`, which runs them).
//! - [`campaign`]: many sites, resumably, into an SQLite store.
//! - [`ci`]: baselines and assertions for CI pipelines.
//! - [`files`]: output files written atomically.
//! - [`local`]: a folder or an HTML file audited like a URL, isolated
//!   from everything else on the machine.
//! - [`testweb`]: a local HTTPS web for the demo, tests and benchmarks.

pub mod analyse;
pub mod audit;
pub mod banner;
pub mod campaign;
pub mod ci;
pub mod cli;
pub mod crawl;
pub mod demo;
pub mod evidence;
pub mod facts;
pub mod files;
pub mod i18n;
pub mod judge;
pub mod knowledge;
pub mod lists;
pub mod local;
pub mod net;
pub mod party;
pub mod report;
pub mod rules;
pub mod stats;
pub mod store;
pub mod targets;
pub mod testweb;
pub mod verdict;
