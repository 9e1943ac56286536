//! `docgraph ingest`: one run over a folder, outputs written, a summary printed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use docgraph::store::folder::Written;
use docgraph::{CancelFlag, DocStatus, Pipeline, Progress};

use super::args::{PipelineArgs, ProgressMode, SummaryMode};
use super::messages::{self, say, Level};
use super::progress::draw_progress;
use super::{EXIT_CANCELLED, EXIT_OK, EXIT_SOME_FAILED};

fn install_signal_handlers(cancel: &CancelFlag) {
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal ends the process at once; the first asks for a clean stop.
        let _ = signal_hook::flag::register_conditional_shutdown(
            sig,
            EXIT_CANCELLED as i32,
            cancel.as_arc(),
        );
        let _ = signal_hook::flag::register(sig, cancel.as_arc());
    }
}

/// Options of `ingest` beyond the pipeline's.
pub struct IngestFlags {
    pub summary: SummaryMode,
    pub keep_text: bool,
    pub progress: ProgressMode,
    pub force: bool,
    pub no_cache: bool,
    pub shard: Option<docgraph::shard::ShardSpec>,
    pub html: bool,
}

/// Runs `ingest`; returns the exit status.
pub fn ingest(
    dir: PathBuf,
    out: PathBuf,
    flags: IngestFlags,
    opts: PipelineArgs,
) -> docgraph::Result<u8> {
    let IngestFlags {
        summary,
        keep_text,
        progress,
        force,
        no_cache,
        shard,
        html,
    } = flags;
    let mut config = opts.config();
    config.shard = shard
        .map(|s| s.resolve())
        .transpose()
        .map_err(|e| docgraph::Error::Config(format!("--shard: {e}")))?;
    let progress = match progress {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
        ProgressMode::Auto => ProgressMode::Json,
        other => other,
    };
    if progress == ProgressMode::Json {
        messages::stream_json();
    }
    if let (_, Some(why)) = config.worker_cap() {
        say(Level::Note, why);
    }
    config.keep_text = keep_text;
    config.force = force;
    if !no_cache {
        config.cache_dir = Some(docgraph::store::folder::cache_dir(&out));
    }
    // One run per output folder, held to the end of the run.
    let _lock = docgraph::store::folder::open_output_dir(&dir, &out)?;
    let cancel = CancelFlag::new();
    install_signal_handlers(&cancel);
    let show = progress == ProgressMode::Bar;
    // Native libraries' messages, passed on in the progress format from here on.
    let native = super::native::capture(move |line| match progress {
        ProgressMode::Json => errln!(
            "{}",
            serde_json::json!({ "event": "library_message", "message": line })
        ),
        ProgressMode::Bar => errln!("\r\x1b[2Kdocgraph: library: {line}"),
        _ => {}
    });
    if show {
        err!("docgraph: loading models…\r");
    }
    let started = Instant::now();
    let pipeline = Pipeline::new(config)?;
    let setup = started.elapsed();
    let draw = |p: &Progress| match progress {
        ProgressMode::Bar => draw_progress(p),
        ProgressMode::Json => errln!("{}", p.to_json()),
        _ => {}
    };
    let mut output = if dir.as_os_str() == "-" {
        pipeline.run_list(&read_list()?, Some(&out), &cancel, &draw)?
    } else {
        pipeline.run(&dir, Some(&out), &cancel, &draw)?
    };
    output.report.timing.before_main = super::before_main();
    output.report.timing.setup = Some(setup.as_secs_f64());
    if show {
        err!("\r\x1b[2K");
    }
    if let Some(n) = native {
        n.finish();
    }
    // One set: graph, exports, report, results (and texts with --keep-text), switched in at once.
    let title = if dir.as_os_str() == "-" {
        "documents from standard input".to_string()
    } else {
        folder_name(&dir)
    };
    let files = match docgraph::store::folder::write_outputs(
        &out,
        &output,
        &docgraph::store::folder::WriteOptions {
            texts: keep_text,
            html: html.then_some(title),
        },
    )? {
        Written::Replaced(files) => files,
        Written::KeptFuller { before, now } => {
            say(
                Level::Note,
                format_args!(
                    "cancelled after {now} of {} documents; the earlier outputs in {} ({before} documents) were kept",
                    output.report.summary.documents,
                    out.display()
                ),
            );
            return Ok(EXIT_CANCELLED);
        }
    };
    if output.report.summary.documents == 0 && output.shard.is_none() {
        say(
            Level::Warning,
            format_args!("no PDF files found in {}", dir.display()),
        );
    }
    print_closing(&output, &files, summary, started.elapsed());
    let code = if output.report.cancelled {
        EXIT_CANCELLED
    } else if output.report.all_ok() {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    };
    // The outputs are written and synced. Tearing the models, Tesseract and the hundreds of
    // native libraries behind libtorch down would only delay the exit (about 0.1 s, as long
    // as a few documents): the kernel frees it all.
    super::exit_now(code)
}

/// Runs `merge`; returns the exit status (as `ingest` would for the same documents).
pub fn merge(
    inputs: Vec<PathBuf>,
    out: PathBuf,
    partial: bool,
    html: bool,
    summary: SummaryMode,
) -> docgraph::Result<u8> {
    let started = Instant::now();
    if let Ok(o) = out.canonicalize() {
        if let Some(i) = inputs
            .iter()
            .find(|i| i.canonicalize().is_ok_and(|i| i == o))
        {
            return Err(docgraph::Error::Config(format!(
                "the output folder {} is one of the inputs ({}): write the merge elsewhere (-o)",
                out.display(),
                i.display()
            )));
        }
    }
    let _lock = docgraph::store::folder::lock_output_dir(&out)?;
    docgraph::store::folder::remove_stale_temporaries(&out);
    let output = docgraph::merge::merge(&inputs, &docgraph::merge::MergeOptions { partial })?;
    let texts = output.results.iter().any(|r| !r.pages.is_empty());
    let files = docgraph::store::folder::write_outputs(
        &out,
        &output,
        &docgraph::store::folder::WriteOptions {
            texts,
            html: html.then(|| folder_name(&out)),
        },
    )?
    .expect_files(); // a merge is never cancelled
    if let Some(m) = &output.report.merge {
        if m.duplicates > 0 {
            say(
                Level::Note,
                format_args!(
                    "{} found in more than one input, counted once",
                    count(m.duplicates, "document", "documents")
                ),
            );
        }
        if !m.missing_shards.is_empty() {
            say(
                Level::Warning,
                format_args!("merged without shards {:?} (--partial)", m.missing_shards),
            );
        }
    }
    print_closing(&output, &files, summary, started.elapsed());
    Ok(if output.report.all_ok() {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    })
}

/// The closing summary on stdout.
fn print_closing(
    output: &docgraph::RunOutput,
    files: &docgraph::store::folder::OutputFiles,
    summary: SummaryMode,
    wall: Duration,
) {
    match summary {
        SummaryMode::Text => {
            print_summary(&output.report, wall);
            let all: Vec<String> = files.all.iter().map(|p| p.display().to_string()).collect();
            outln!("outputs: {}", all.join(" "));
        }
        SummaryMode::Json => {
            let failures: Vec<_> = output
                .report
                .documents
                .iter()
                .filter(|d| d.status != DocStatus::Ok)
                .map(|d| {
                    serde_json::json!({
                        "path": d.path, "status": d.status,
                        "error_kind": d.error_kind, "error": d.error,
                    })
                })
                .collect();
            let json = serde_json::json!({
                "summary": output.report.summary,
                "cancelled": output.report.cancelled,
                "seconds": output.report.seconds,
                "not_ok": failures,
                "outputs": &files.all,
            });
            outln!("{json}");
        }
    }
}

/// A folder's own name (of its absolute path when it is `.`), for titles.
fn folder_name(dir: &std::path::Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// Paths from standard input, one a line (blank lines skipped).
fn read_list() -> docgraph::Result<Vec<PathBuf>> {
    use std::io::BufRead;
    std::io::stdin()
        .lock()
        .lines()
        .filter(|l| !l.as_ref().is_ok_and(|l| l.trim().is_empty()))
        .map(|l| {
            l.map(|l| PathBuf::from(l.trim_end_matches(['\r', '\n'])))
                .map_err(|e| docgraph::Error::io("standard input", e))
        })
        .collect()
}

/// `n` and the noun, plural unless `n` is 1.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Failed documents listed in the summary at most; report.json has them all.
const MAX_LISTED: usize = 20;

fn print_summary(report: &docgraph::RunReport, wall: Duration) {
    let s = &report.summary;
    outln!(
        "docgraph: {}: {} ok, {} failed, {} timed out, {} cancelled; {} reused from an earlier run{}",
        count(s.documents, "document", "documents"),
        s.ok,
        s.failed,
        s.timed_out,
        s.cancelled,
        s.reused,
        if report.cancelled {
            " (run cancelled)"
        } else {
            ""
        }
    );
    outln!(
        "  {} ({} OCR'd), {}, {}, {} (+{}); {:.1} s ({:.1} s with model loading)",
        count(s.pages, "page", "pages"),
        s.ocr_pages,
        count(s.mentions, "mention", "mentions"),
        count(s.entities, "entity", "entities"),
        count(s.typed_relations, "typed relation", "typed relations"),
        count(
            s.relations - s.typed_relations,
            "co-occurrence",
            "co-occurrences"
        ),
        report.seconds,
        wall.as_secs_f64()
    );
    let not_ok: Vec<_> = report
        .documents
        .iter()
        .filter(|d| d.status != DocStatus::Ok)
        .collect();
    for d in not_ok.iter().take(MAX_LISTED) {
        let status = serde_json::to_value(d.status).unwrap_or_default();
        outln!(
            "  {}: {}: {}",
            status.as_str().unwrap_or("?"),
            d.path,
            d.error.as_deref().unwrap_or("")
        );
    }
    if not_ok.len() > MAX_LISTED {
        outln!(
            "  … and {} more (see report.json)",
            not_ok.len() - MAX_LISTED
        );
    }
}
