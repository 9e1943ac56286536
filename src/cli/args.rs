//! The command line: subcommands and options, as clap reads them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use docgraph::Config;

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
pub enum ProgressMode {
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
pub struct PipelineArgs {
    /// Folder of the NER model [default: $DOCGRAPH_MODEL_DIR, else models/ner-minilm-l6-conll03]
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Tesseract language data folder [default: /usr/share/tesseract-ocr/5/tessdata]
    #[arg(long, value_name = "DIR")]
    pub tessdata: Option<PathBuf>,
    /// Tesseract language for OCR.
    #[arg(long, default_value = "eng")]
    pub lang: String,
    /// Worker threads [default: one per core]
    #[arg(short = 'j', long, value_name = "N")]
    pub workers: Option<usize>,
    /// NER model instances [default: one per worker]
    #[arg(long, value_name = "N")]
    pub ner_instances: Option<usize>,
    /// Process one document at a time on one thread (the baseline for comparison).
    #[arg(long)]
    pub sequential: bool,
    /// Seconds one document may take before it is recorded as timed out (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub doc_timeout: u64,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub max_file_mb: u64,
    /// Skip documents with more pages than this.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_pages: usize,
}

impl PipelineArgs {
    pub fn config(&self) -> Config {
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
