//! The `docgraph` command: argument parsing, the `ingest` and `bench` subcommands, progress.

pub mod args;
pub mod bench;
pub mod ingest;
mod progress;

/// Exit status when every document was processed.
pub const EXIT_OK: u8 = 0;
/// The run could not start or could not write its outputs.
pub const EXIT_FATAL: u8 = 1;
/// Bad arguments, or a configuration the run cannot start with (as clap's own errors).
pub const EXIT_USAGE: u8 = 2;
/// The run completed but some documents failed or timed out (see report.json).
pub const EXIT_SOME_FAILED: u8 = 3;
/// Cancelled by Ctrl-C or SIGTERM; outputs hold what finished.
pub const EXIT_CANCELLED: u8 = 130;
