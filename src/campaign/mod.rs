//! Campaigns: many sites audited into one database, resumably.

pub mod shard;
pub mod targets;
