//! The built-in sample web of `barometer demo`.
//!
//! Two French sites served on loopback, so a newcomer sees a real audit on a
//! machine with no internet:
//! - `www.le-quotidien.test`: a news site whose banner has no first-level
//!   reject (only in a hidden second layer), infers consent from browsing,
//!   sets a two-year first-party Google Analytics cookie, loads a tag
//!   manager script and a Meta pixel that sets a third-party cookie;
//! - `www.boutique-claire.test`: a shop with "Tout refuser" next to "Tout
//!   accepter", one strictly necessary cookie and no tracker.

use include_dir::{include_dir, Dir};

pub static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/demo/web");

/// Hosts the demo audits, in order.
pub const SITES: [&str; 2] = ["www.le-quotidien.test", "www.boutique-claire.test"];
