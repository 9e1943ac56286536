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
pub mod messages;
pub mod native;
mod progress;
pub mod query;
pub mod train;
pub mod tune;

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

/// Seconds from this process's start to `main`, read when `main` begins (see
/// [`mark_main`]): the dynamic loader's work, mostly libtorch's libraries.
static BEFORE_MAIN: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();

/// Records how long the process took to reach `main`; call first thing in `main`.
pub fn mark_main() {
    BEFORE_MAIN.get_or_init(process_age);
}

/// What [`mark_main`] recorded.
pub fn before_main() -> Option<f64> {
    BEFORE_MAIN.get().copied().flatten()
}

/// Seconds since this process started: now on the boot clock less the start time in
/// `/proc/self/stat` (clock ticks since boot, so to 10 ms). `None` without `/proc`.
fn process_age() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing bracket.
    let after = &stat[stat.rfind(')')? + 1..];
    let start_ticks: f64 = after.split_whitespace().nth(19)?.parse().ok()?;
    // SAFETY: sysconf and clock_gettime only write to the timespec passed.
    let (ticks_per_s, now) = unsafe {
        let hz = libc::sysconf(libc::_SC_CLK_TCK);
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        if hz <= 0 || libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) != 0 {
            return None;
        }
        (hz as f64, ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
    };
    Some((now - start_ticks / ticks_per_s).max(0.0))
}

/// Ends the process now with `code`, standard output and error flushed, without running
/// destructors: for the end of a run whose outputs are already on disk.
pub fn exit_now(code: u8) -> ! {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit ends the process; nothing runs after it, so no state is left broken.
    unsafe { libc::_exit(i32::from(code)) }
}
