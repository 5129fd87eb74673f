//! `barometer merge A.sqlite B.sqlite ... -o ALL.sqlite`

use std::process::ExitCode;

use super::{fail, warn, MergeArgs, EXIT_OK, EXIT_USAGE};
use crate::store::merge::merge;

pub fn run(args: MergeArgs) -> ExitCode {
    match merge(&args.inputs, &args.output) {
        Ok(summary) => {
            for note in &summary.notes {
                warn(note);
            }
            eprintln!(
                "merged {} files into {}: campaign{} {}; {} site results written, {} kept",
                args.inputs.len(),
                args.output.display(),
                if summary.campaigns.len() == 1 {
                    ""
                } else {
                    "s"
                },
                summary.campaigns.join(", "),
                summary.sites_written,
                summary.sites_kept
            );
            ExitCode::from(EXIT_OK)
        }
        Err(e) => fail(EXIT_USAGE, &e),
    }
}
