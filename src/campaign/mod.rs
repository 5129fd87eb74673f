//! Campaigns: many sites audited into one database, resumably.
//!
//! - [`targets`]: the sites list (text or CSV) and its invalid lines;
//! - [`shard`]: a deterministic share of the list for one machine;
//! - [`run`]: bounded, interruptible audits written site by site to the
//!   [`crate::store`];
//! - [`progress`]: a bar on a terminal, log lines elsewhere.

pub mod progress;
pub mod publish;
pub mod run;
pub mod shard;

/// The sites to audit, now below the store (re-exported here).
pub use crate::targets;
