//! The `docgraph` command: argument parsing, the `ingest` and `bench` subcommands, progress.

/// `println!` that never panics: when standard output is a closed pipe (`docgraph … | head -1`)
/// the program ends quietly with status 0, as ripgrep does; other errors are ignored.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::cli::stdout_failed(e);
        }
    }};
}

/// `eprintln!` that never panics: progress and messages to a closed standard error are dropped,
/// and the run goes on to write its outputs.
macro_rules! errln {
    ($($arg:tt)*) => {{
        $crate::cli::native::write_err(format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// `eprint!` that never panics (see [`errln`]).
macro_rules! err {
    ($($arg:tt)*) => {{
        $crate::cli::native::write_err(format_args!($($arg)*));
    }};
}

pub mod args;
pub mod bench;
pub mod ingest;
pub mod native;
mod progress;
pub mod query;

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

/// What a failed write to standard output means: the reader went away (a closed pipe) ends the
/// program quietly; anything else is ignored (the outputs are files, already written).
pub fn stdout_failed(e: std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}
