//! `docgraph`: the command-line shell over the library.

#[macro_use]
mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::args::{Cli, Command, ProgressMode};
use cli::ingest::IngestFlags;
use cli::{EXIT_FATAL, EXIT_USAGE};

/// Tesseract allocates and frees several page-sized buffers per page. With glibc's default
/// (adaptive) thresholds, worker threads hand them back to the kernel and fault them in again
/// for every page; in the parallel pipeline that doubled system time and cost 15-20% of
/// throughput. Keeping buffers up to 32 MiB on the heap, and trimming only past 256 MiB free,
/// removes it (measured: OCR-only corpus 5.2 s to 4.1 s on 2 workers).
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

fn main() -> ExitCode {
    cli::mark_main();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Ingest { .. } | Command::Bench { .. }) {
        // For OCR's page buffers; a merge or a query does not need it, and would only keep
        // up to 256 MiB of freed memory.
        tune_allocator();
    }
    // Runs that load the models: `auto` measured once on this machine, and OpenBLAS's
    // kernels set before any thread exists or any library reads them.
    match &cli.command {
        Command::Ingest { opts, .. } | Command::Bench { opts, .. } => {
            cli::tune::ensure(opts.model_dir.clone())
        }
        _ => {}
    }
    let result = match cli.command {
        Command::Ingest {
            dir,
            out,
            keep_text,
            quiet,
            progress,
            summary,
            force,
            no_cache,
            shard,
            no_html,
            opts,
        } => cli::ingest::ingest(
            dir,
            out,
            IngestFlags {
                summary,
                keep_text,
                progress: if quiet { ProgressMode::None } else { progress },
                force,
                no_cache,
                shard,
                html: !no_html,
            },
            opts,
        ),
        Command::Merge {
            inputs,
            out,
            partial,
            no_html,
            summary,
        } => cli::ingest::merge(inputs, out, partial, !no_html, summary),
        Command::Query { out, name, json } => cli::query::query(&out, &name, json),
        Command::Train { args } => cli::train::train(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "docgraph", &mut out);
            outln!("{}", String::from_utf8_lossy(&out).trim_end());
            Ok(cli::EXIT_OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => {
                    outln!("{}", String::from_utf8_lossy(&out).trim_end());
                    Ok(cli::EXIT_OK)
                }
                Err(e) => Err(docgraph::Error::io("the manual page", e)),
            }
        }
        Command::Bench {
            dir,
            min_speedup,
            runs,
            opts,
        } => cli::bench::bench(dir, min_speedup, runs as usize, opts),
        Command::Tune {
            model_dir,
            quiet,
            probe,
        } => {
            let dir = model_dir.unwrap_or_else(docgraph::default_model_dir);
            match probe {
                Some(which) => cli::tune::probe(which, &dir),
                None => cli::tune::tune(&dir, quiet),
            }
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            cli::messages::say(cli::messages::Level::Error, &e);
            // A configuration the run cannot start with is a usage error, like bad arguments.
            ExitCode::from(if e.kind() == docgraph::ErrorKind::Config {
                EXIT_USAGE
            } else {
                EXIT_FATAL
            })
        }
    }
}
