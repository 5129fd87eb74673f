//! CI mode: fail a build when a site starts tracking more than it did.
//!
//! `barometer baseline` records what a site does today — trackers, cookies,
//! third-party hosts, rule results and score — in a sorted, reviewable JSON
//! file meant to be committed ([`baseline::Baseline`]). `barometer check`
//! audits the same URLs again, possibly several times to see past ad
//! auctions that make trackers come and go, and compares the runs with the
//! baseline and with the assertions of `barometer.toml`
//! ([`config::Config`]), in the manner of Lighthouse CI: each assertion is
//! `off`, `warn` or `error`, and an allow-list (with reasons and expiry
//! dates) silences known items. [`check::check`] is pure: it takes judged
//! reports and returns violations, allowed items, expired allow entries,
//! and baseline items that are no longer seen (the baseline can be
//! tightened).

pub mod baseline;
pub mod check;
pub mod config;
