//! `docgraph`: the command-line shell over the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use docgraph::pipeline::Progress;
use docgraph::{CancelFlag, Config, DocStatus, Pipeline};

/// Exit status when every document was processed.
const EXIT_OK: u8 = 0;
/// The run could not start or could not write its outputs.
const EXIT_FATAL: u8 = 1;
/// The run completed but some documents failed or timed out (see report.json).
const EXIT_SOME_FAILED: u8 = 3;
/// Cancelled by Ctrl-C or SIGTERM; outputs hold what finished.
const EXIT_CANCELLED: u8 = 130;

#[derive(Parser)]
#[command(
    name = "docgraph",
    version,
    about = "Turn a folder of PDFs into a knowledge graph",
    long_about = "Turn a folder of PDFs into a knowledge graph.\n\n\
        Every PDF below a folder is read with lopdf (pages without usable text are OCR'd with \
        Tesseract), entities are found with a transformer NER model, related within sentences, \
        and assembled into a graph written as graph.json, graph.graphml and graph.dot, with a \
        per-document report.json.",
    after_help = "Exit status: 0 every document processed; 3 some documents failed or timed out \
        (the rest are in the graph; see report.json); 1 the run could not start or write its \
        outputs; 2 bad arguments; 130 cancelled (outputs hold what finished)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Process every PDF below DIR and write the graph and report to OUT_DIR.
    Ingest {
        /// Folder to read, recursively (symbolic links are followed; loops are safe).
        dir: PathBuf,
        /// Folder for graph.json, graph.graphml, graph.dot and report.json (created if missing).
        #[arg(short, long, value_name = "OUT_DIR")]
        out: PathBuf,
        /// Also write texts.json: every page's text, the text all offsets point into.
        #[arg(long)]
        keep_text: bool,
        /// Progress on stderr: a status line on a terminal, JSON lines otherwise (auto).
        #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
        progress: ProgressMode,
        /// No progress on stderr (same as --progress none).
        #[arg(short, long)]
        quiet: bool,
        /// Process every document again, ignoring results kept from earlier runs in OUT_DIR.
        #[arg(long)]
        force: bool,
        /// Keep no per-document results in OUT_DIR/.cache (no resuming, no incremental runs).
        #[arg(long, conflicts_with = "force")]
        no_cache: bool,
        #[command(flatten)]
        opts: PipelineArgs,
    },
    /// Time the pipeline on DIR sequentially and in parallel, and print the comparison.
    Bench {
        /// Folder to read.
        dir: PathBuf,
        /// Fail (exit 1) when the parallel run is not this many times faster.
        #[arg(long, value_name = "RATIO")]
        min_speedup: Option<f64>,
        #[command(flatten)]
        opts: PipelineArgs,
    },
}

/// How progress is shown.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProgressMode {
    /// A status line when stderr is a terminal, JSON lines when it is not.
    Auto,
    /// A status line (documents, pages, rate, ETA).
    Bar,
    /// One JSON object per line and event, for programs.
    Json,
    /// Nothing.
    None,
}

#[derive(Args, Clone)]
struct PipelineArgs {
    /// Folder of the NER model [default: $DOCGRAPH_MODEL_DIR, else models/ner-minilm-l6-conll03]
    #[arg(long, value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// Tesseract language data folder [default: /usr/share/tesseract-ocr/5/tessdata]
    #[arg(long, value_name = "DIR")]
    tessdata: Option<PathBuf>,
    /// Tesseract language for OCR.
    #[arg(long, default_value = "eng")]
    lang: String,
    /// Worker threads [default: one per core]
    #[arg(short = 'j', long, value_name = "N")]
    workers: Option<usize>,
    /// NER model instances [default: one per worker]
    #[arg(long, value_name = "N")]
    ner_instances: Option<usize>,
    /// Process one document at a time on one thread (the baseline for comparison).
    #[arg(long)]
    sequential: bool,
    /// Seconds one document may take before it is recorded as timed out (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    doc_timeout: u64,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    max_file_mb: u64,
    /// Skip documents with more pages than this.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    max_pages: usize,
}

impl PipelineArgs {
    fn config(&self) -> Config {
        let mut c = Config::new(
            self.model_dir
                .clone()
                .unwrap_or_else(docgraph::default_model_dir),
        );
        c.tessdata = self.tessdata.clone();
        c.ocr_language = self.lang.clone();
        c.workers = self.workers.unwrap_or(0);
        c.ner_instances = self.ner_instances.unwrap_or(0);
        c.sequential = self.sequential;
        c.doc_timeout = (self.doc_timeout > 0).then(|| Duration::from_secs(self.doc_timeout));
        c.limits.max_file_bytes = self.max_file_mb.saturating_mul(1 << 20);
        c.limits.max_pages = self.max_pages;
        c
    }
}

/// Tesseract's OpenMP and OpenBLAS read their thread limits when the libraries load, before
/// `main`; setting them here would be too late. So when they are not 1, start the program
/// again with them set (same process id, same arguments).
fn ensure_single_threaded_libraries() {
    use std::os::unix::process::CommandExt;
    const VARS: [(&str, &str); 2] = [("OMP_THREAD_LIMIT", "1"), ("OPENBLAS_NUM_THREADS", "1")];
    if VARS
        .iter()
        .all(|(k, v)| std::env::var(k).as_deref() == Ok(*v))
        || std::env::var_os("DOCGRAPH_REEXEC").is_some()
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(VARS)
        .env("DOCGRAPH_REEXEC", "1")
        .exec();
    eprintln!(
        "docgraph: warning: could not restart with OMP_THREAD_LIMIT=1 ({err}); OCR may be slower"
    );
}

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
    ensure_single_threaded_libraries();
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest {
            dir,
            out,
            keep_text,
            quiet,
            progress,
            force,
            no_cache,
            opts,
        } => ingest(
            dir,
            out,
            IngestFlags {
                keep_text,
                progress: if quiet { ProgressMode::None } else { progress },
                force,
                no_cache,
            },
            opts,
        ),
        Command::Bench {
            dir,
            min_speedup,
            opts,
        } => bench(dir, min_speedup, opts),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("docgraph: error: {e}");
            ExitCode::from(EXIT_FATAL)
        }
    }
}

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

struct IngestFlags {
    keep_text: bool,
    progress: ProgressMode,
    force: bool,
    no_cache: bool,
}

fn ingest(
    dir: PathBuf,
    out: PathBuf,
    flags: IngestFlags,
    opts: PipelineArgs,
) -> docgraph::Result<u8> {
    let IngestFlags {
        keep_text,
        progress,
        force,
        no_cache,
    } = flags;
    let mut config = opts.config();
    config.keep_text = keep_text;
    config.force = force;
    if !no_cache {
        config.cache_dir = Some(out.join(".cache"));
    }
    std::fs::create_dir_all(&out).map_err(|e| docgraph::Error::io(&out, e))?;
    docgraph::output::remove_stale_temporaries(&out);
    let cancel = CancelFlag::new();
    install_signal_handlers(&cancel);
    let progress = match progress {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
        ProgressMode::Auto => ProgressMode::Json,
        other => other,
    };
    let show = progress == ProgressMode::Bar;
    if show {
        eprint!("docgraph: loading models…\r");
    }
    let started = Instant::now();
    let pipeline = Pipeline::new(config)?;
    let draw = |p: &Progress| match progress {
        ProgressMode::Bar => draw_progress(p),
        ProgressMode::Json => eprintln!("{}", progress_json(p)),
        _ => {}
    };
    let output = pipeline.run(&dir, Some(&out), &cancel, &draw)?;
    if show {
        eprint!("\r\x1b[2K");
    }
    let files = docgraph::output::write_outputs(&out, &output.graph, &output.report)?;
    if keep_text {
        let texts: Vec<_> = output
            .results
            .iter()
            .map(|r| serde_json::json!({ "path": r.report.path, "pages": r.pages }))
            .collect();
        let json = serde_json::to_vec_pretty(&texts).map_err(|e| docgraph::Error::Serialize {
            what: "texts.json",
            message: e.to_string(),
        })?;
        docgraph::output::write_atomic(&out.join("texts.json"), &json)?;
    }
    print_summary(&output.report, started.elapsed());
    println!(
        "outputs: {} {} {} {}",
        files.json.display(),
        files.graphml.display(),
        files.dot.display(),
        files.report.display()
    );
    Ok(if output.report.cancelled {
        EXIT_CANCELLED
    } else if output.report.all_ok() {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    })
}

/// A progress event as one line of JSON.
fn progress_json(p: &Progress) -> serde_json::Value {
    match p {
        Progress::Discovered { documents } => {
            serde_json::json!({ "event": "discovered", "documents": documents })
        }
        Progress::Document {
            done,
            total,
            pages,
            ocr_pages,
            elapsed,
            path,
            status,
        } => serde_json::json!({
            "event": "document",
            "done": done,
            "total": total,
            "pages": pages,
            "ocr_pages": ocr_pages,
            "elapsed_s": elapsed.as_secs_f64(),
            "eta_s": p.eta().map(|d| d.as_secs_f64()),
            "path": path,
            "status": status,
        }),
        Progress::Assembling => serde_json::json!({ "event": "assembling" }),
    }
}

fn draw_progress(p: &Progress) {
    match p {
        Progress::Discovered { documents } => eprint!("\r\x1b[2Kdocgraph: {documents} PDFs found"),
        Progress::Document {
            done,
            total,
            pages,
            ocr_pages,
            elapsed,
            path,
            ..
        } => {
            let secs = elapsed.as_secs_f64().max(1e-3);
            let eta = p
                .eta()
                .map(|d| format!("{}s", d.as_secs()))
                .unwrap_or_else(|| "?".into());
            eprint!(
                "\r\x1b[2K[{done}/{total}] {pages} pages ({ocr_pages} OCR) | {:.2} docs/s {:.1} pages/s | ETA {eta} | {path}",
                *done as f64 / secs,
                *pages as f64 / secs,
            );
        }
        Progress::Assembling => eprint!("\r\x1b[2Kdocgraph: assembling the graph…"),
    }
}

fn print_summary(report: &docgraph::RunReport, wall: Duration) {
    let s = &report.summary;
    println!(
        "docgraph: {} documents: {} ok, {} failed, {} timed out, {} cancelled; {} reused from an earlier run{}",
        s.documents,
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
    println!(
        "  {} pages ({} OCR'd), {} mentions, {} entities, {} relations; {:.1} s ({:.1} s with model loading)",
        s.pages,
        s.ocr_pages,
        s.mentions,
        s.entities,
        s.relations,
        report.seconds,
        wall.as_secs_f64()
    );
    for d in report
        .documents
        .iter()
        .filter(|d| d.status != DocStatus::Ok)
    {
        println!(
            "  {:?}: {}: {}",
            d.status,
            d.path,
            d.error.as_deref().unwrap_or("")
        );
    }
}

fn bench(dir: PathBuf, min_speedup: Option<f64>, opts: PipelineArgs) -> docgraph::Result<u8> {
    let exe = std::env::current_exe().map_err(|e| docgraph::Error::io("current executable", e))?;
    let mut extra = Vec::new();
    if let Some(m) = &opts.model_dir {
        extra.push("--model-dir".into());
        extra.push(m.display().to_string());
    }
    if let Some(t) = &opts.tessdata {
        extra.push("--tessdata".into());
        extra.push(t.display().to_string());
    }
    if let Some(w) = opts.workers {
        extra.push("--workers".into());
        extra.push(w.to_string());
    }
    let result = docgraph::bench::compare(&exe, &dir, &extra)?;
    print!("{}", result.table());
    match min_speedup {
        Some(min) if result.speedup() <= min => {
            eprintln!(
                "docgraph: parallel speed-up {:.2}x is not above {min}x",
                result.speedup()
            );
            Ok(EXIT_FATAL)
        }
        _ => Ok(EXIT_OK),
    }
}
