//! The command line: subcommands and options, as clap reads them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use docgraph::runtime::Precision;
use docgraph::Config;

#[derive(Parser)]
#[command(
    name = "docgraph",
    version,
    about = "Turn a folder of PDFs into a knowledge graph",
    long_about = "Turn a folder of PDFs into a knowledge graph.\n\n\
        Every PDF below a folder is read with lopdf (pages without usable text are OCR'd with \
        Tesseract), entities are found with a transformer NER model, related within sentences \
        by a relation model, resolved across documents, and assembled into a graph written as \
        graph.json, graph.graphml and graph.dot, an offline explorer graph.html, Parquet tables \
        and Neo4j import CSV, with a per-document report.json and results.jsonl (what merge \
        reads). Large folders: ingest --shard K/N on many machines, then merge.",
    after_help = "Exit status: 0 every document processed; 3 some documents failed or timed out \
        (the rest are in the graph; see report.json); 1 the run could not start or write its \
        outputs; 2 bad arguments or a setup the run cannot start with (such as an output \
        folder that is the input folder); 130 cancelled (outputs hold what finished). query: 0 \
        found, 1 not found."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Process every PDF below DIR and write the graph and report to OUT_DIR.
    Ingest {
        /// Folder to read, recursively (symbolic links are followed; loops are safe); or one
        /// PDF file; or `-` for a list of files and folders on standard input, one a line.
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
        /// The closing summary on stdout: words for people, or one JSON object for programs.
        #[arg(long, value_enum, default_value_t = SummaryMode::Text)]
        summary: SummaryMode,
        /// Process every document again, ignoring results kept from earlier runs in OUT_DIR.
        #[arg(long)]
        force: bool,
        /// Keep no per-document results in OUT_DIR/.cache (no resuming, no incremental runs).
        #[arg(long, conflicts_with = "force")]
        no_cache: bool,
        /// Process only shard K of N: the documents whose content hash falls in it, so N runs
        /// (array jobs) split a folder; `auto/N` takes K from SLURM_ARRAY_TASK_ID or
        /// JOB_COMPLETION_INDEX. Join the outputs with `docgraph merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<docgraph::shard::ShardSpec>,
        /// Do not write graph.html (the offline explorer).
        #[arg(long)]
        no_html: bool,
        #[command(flatten)]
        opts: PipelineArgs,
    },
    /// Merge the outputs of several runs (the shards of a folder) into one graph, report and
    /// exports. Reads only their results.jsonl: no models, no PDFs.
    Merge {
        /// Output folders of `ingest --shard` (or of any ingest or merge with the same options).
        #[arg(required = true, value_name = "OUT")]
        inputs: Vec<PathBuf>,
        /// Folder for the merged outputs (created if missing; not one of the inputs).
        #[arg(short, long, value_name = "OUT_DIR")]
        out: PathBuf,
        /// Merge even when some shards of the split are missing (report.json lists them).
        #[arg(long)]
        partial: bool,
        /// Do not write graph.html (the offline explorer).
        #[arg(long)]
        no_html: bool,
        /// The closing summary on stdout: words for people, or one JSON object for programs.
        #[arg(long, value_enum, default_value_t = SummaryMode::Text)]
        summary: SummaryMode,
    },
    /// Look an entity up in an output folder by name or alias (case ignored): its type, aliases,
    /// documents and relations with their sentences. Exit 0 when found, 1 when not (the
    /// closest names are listed). Reads graph.json only.
    Query {
        /// An output folder of `ingest` or `merge` (or its graph.json).
        out: PathBuf,
        /// The name or alias.
        name: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Train a relation model (`train relations`, for `ingest --relation-model-dir`) or an
    /// entity model (`train ner`, for `--model-dir`) of your own schema from annotated
    /// sentences (runs docgraph-train, installed beside docgraph; `docgraph train --help`).
    #[command(disable_help_flag = true)]
    Train {
        /// `relations` or `ner` and their options (`docgraph train --help` lists them).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Print a shell completion script (e.g. `docgraph completions bash > /etc/bash_completion.d/docgraph`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `docgraph man > docgraph.1; man ./docgraph.1`).
    Man,
    /// Measure what `--precision auto` runs on this machine, and which OpenBLAS kernels
    /// float32 uses, and remember it (done by `ingest` and `bench` the first time they need it;
    /// run it again after changing the machine's libraries).
    Tune {
        /// The NER model folder to time (default: the shipped model).
        #[arg(long, value_name = "DIR")]
        model_dir: Option<PathBuf>,
        /// Print nothing.
        #[arg(long, short)]
        quiet: bool,
        /// Internal: run one probe in this process and print it as JSON.
        #[arg(long, value_enum, hide = true)]
        probe: Option<crate::cli::tune::Probe>,
    },
    /// Time the pipeline on DIR sequentially and in parallel, and print the comparison.
    Bench {
        /// Folder to read.
        dir: PathBuf,
        /// Fail (exit 1) when the parallel run is not this many times faster.
        #[arg(long, value_name = "RATIO")]
        min_speedup: Option<f64>,
        /// Rounds of each comparison, alternating: figures become medians with their range
        /// (for a machine whose speed wanders).
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=100))]
        runs: u32,
        #[command(flatten)]
        opts: PipelineArgs,
    },
}

/// Which text typed relations are read from (`--relations-from`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RelationsFrom {
    /// Running text only.
    Prose,
    /// Every sentence, whatever its kind.
    All,
}

/// How the closing summary is printed.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryMode {
    /// A few lines of text.
    Text,
    /// One JSON object: the report's summary, the documents that failed, the output files.
    Json,
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

/// Options of the pipeline, shared by `ingest` and `bench`.
#[derive(Args, Clone)]
pub struct PipelineArgs {
    /// Folder of the NER model [default: $DOCGRAPH_MODEL_DIR, else models/ner-minilm-l6-conll03
    /// here, else PREFIX/share/docgraph/models/… beside the installed binary]
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Folder of the relation model [default: relations-minilm-conll04 beside the NER model]
    #[arg(long, value_name = "DIR")]
    pub relation_model_dir: Option<PathBuf>,
    /// Probability a predicate needs for a pair to be related [default: the model's, tuned on
    /// its development data]
    #[arg(long, value_name = "P", value_parser = probability)]
    pub relation_threshold: Option<f32>,
    /// Do not run the relation model: entities, and co-occurrences unless --no-cooccurrence,
    /// but no typed relations. Saves the model's time and memory: about a third of a run on
    /// folders of scans, where OCR dominates, and up to two thirds on born-digital text.
    #[arg(long)]
    pub no_relation_model: bool,
    /// Keep only typed relations: no co-occurrence edges (entities close together in a
    /// sentence with no typed relation between them).
    #[arg(long)]
    pub no_cooccurrence: bool,
    /// Which text typed relations are read from: prose (running text), or all (also
    /// headings, reference lists, indexes, tables and affiliation lines, which the relation
    /// model was not trained on and mostly misreads). Entities and co-occurrences come from
    /// all but running headers and footers.
    #[arg(long, value_enum, value_name = "TEXT", default_value_t = RelationsFrom::Prose)]
    pub relations_from: RelationsFrom,
    /// Do not run the window model: no relations between entities that never share a
    /// sentence (other than inferred ones).
    #[arg(long)]
    pub no_window_model: bool,
    /// Folder holding the window model [default: models/relations-minilm-windows beside the
    /// NER model]
    #[arg(long, value_name = "DIR")]
    pub window_model_dir: Option<PathBuf>,
    /// Add no inferred relations: by default, what follows along Located_In chains is added
    /// ("X is based in Leeds", "Leeds is in England": X is based in England), marked
    /// "basis": "chain" with the relations it rests on; and what a document implies as a
    /// whole ("basis": "country", the one country it names; "topic", where the place it is
    /// about lies).
    #[arg(long)]
    pub no_inference: bool,
    /// A list of known entities: a line each, its type, name and aliases separated by tabs
    /// (`DRUG<TAB>aspirin<TAB>ASA`; the type one of PER, ORG, LOC, MISC or a name of your own
    /// in capitals). Found on word boundaries in one pass, they win over the model's names
    /// where they overlap, and all names of one listed entity make one entity.
    #[arg(long, value_name = "FILE")]
    pub entities: Option<PathBuf>,
    /// Tesseract language data folder [default: /usr/share/tesseract-ocr/5/tessdata]
    #[arg(long, value_name = "DIR")]
    pub tessdata: Option<PathBuf>,
    /// Tesseract language for OCR.
    #[arg(long, default_value = "eng")]
    pub lang: String,
    /// Worker threads, at least 1 [default: one per core]
    #[arg(short = 'j', long, value_name = "N", value_parser = at_least_one)]
    pub workers: Option<usize>,
    /// NER and relation model instances, at least 1 [default: one per worker]
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub ner_instances: Option<usize>,
    /// Process one document at a time on one thread with one model of each kind (the baseline
    /// for comparison; not with -j or --ner-instances).
    #[arg(long, conflicts_with_all = ["workers", "ner_instances"])]
    pub sequential: bool,
    /// Seconds of work one document may take before it is recorded as timed out (0: no
    /// limit). Waiting for a worker and loading a model do not count.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub doc_timeout: u64,
    /// Skip files larger than this many MiB (at least 1).
    #[arg(long, value_name = "MIB", default_value_t = 512, value_parser = at_least_one_u64)]
    pub max_file_mb: u64,
    /// Skip documents with more pages than this (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5000, value_parser = at_least_one)]
    pub max_pages: usize,
    /// Arithmetic of the models' linear layers: auto (int8 where the processor has AVX-512
    /// VNNI, bfloat16 where it has AMX or only AVX-512 BF16, else float32), float32 (as
    /// trained: the same outputs on every processor), bfloat16 or int8.
    #[arg(long, value_name = "P", default_value = "auto")]
    pub precision: Precision,
    /// The speed of docgraph before its throughput work, for `bench` comparisons: float32
    /// models, page images handed to Tesseract whole.
    #[arg(long, hide = true)]
    pub baseline: bool,
}

impl PipelineArgs {
    /// The options as command-line arguments again (for the runs `bench` starts), every one
    /// of them, so the child runs are configured exactly as asked. `--sequential` is left to
    /// the caller.
    pub fn to_args(&self) -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        let mut push = |k: &str, v: String| {
            a.push(k.to_string());
            a.push(v);
        };
        let path = |p: &PathBuf| p.display().to_string();
        if let Some(d) = &self.model_dir {
            push("--model-dir", path(d));
        }
        if let Some(d) = &self.relation_model_dir {
            push("--relation-model-dir", path(d));
        }
        if let Some(d) = &self.window_model_dir {
            push("--window-model-dir", path(d));
        }
        if let Some(t) = self.relation_threshold {
            push("--relation-threshold", t.to_string());
        }
        if let Some(d) = &self.tessdata {
            push("--tessdata", path(d));
        }
        push("--lang", self.lang.clone());
        if let Some(w) = self.workers {
            push("--workers", w.to_string());
        }
        if let Some(n) = self.ner_instances {
            push("--ner-instances", n.to_string());
        }
        push("--doc-timeout", self.doc_timeout.to_string());
        push("--max-file-mb", self.max_file_mb.to_string());
        push("--max-pages", self.max_pages.to_string());
        push("--precision", self.precision.name().into());
        if self.baseline {
            a.push("--baseline".into());
        }
        if self.no_cooccurrence {
            a.push("--no-cooccurrence".into());
        }
        if self.relations_from == RelationsFrom::All {
            a.push("--relations-from".into());
            a.push("all".into());
        }
        if self.no_relation_model {
            a.push("--no-relation-model".into());
        }
        if self.no_inference {
            a.push("--no-inference".into());
        }
        if self.no_window_model {
            a.push("--no-window-model".into());
        }
        a
    }

    /// The pipeline configuration these options describe.
    pub fn config(&self) -> Config {
        let mut c = Config::new(
            self.model_dir
                .clone()
                .unwrap_or_else(docgraph::default_model_dir),
        );
        if let Some(d) = &self.relation_model_dir {
            c.relation_model_dir = d.clone();
        }
        if let Some(d) = &self.window_model_dir {
            c.window_model_dir = d.clone();
        }
        c.window_model = !self.no_window_model;
        c.relation_threshold = self.relation_threshold;
        c.cooccurrence = !self.no_cooccurrence;
        c.relations_from_all = self.relations_from == RelationsFrom::All;
        c.relation_model = !self.no_relation_model;
        c.inference = !self.no_inference;
        c.entities = self.entities.clone();
        c.tessdata = self.tessdata.clone();
        c.ocr_language = self.lang.clone();
        c.workers = self.workers.unwrap_or(0);
        c.ner_instances = self.ner_instances.unwrap_or(0);
        c.sequential = self.sequential;
        c.doc_timeout = (self.doc_timeout > 0).then(|| Duration::from_secs(self.doc_timeout));
        c.limits.max_file_bytes = self.max_file_mb.saturating_mul(1 << 20);
        c.limits.max_pages = self.max_pages;
        c.precision = self.precision;
        if self.baseline {
            c.precision = docgraph::runtime::Precision::Float32;
            c.ocr_crop = false;
        }
        c
    }
}

/// A probability from 0 to 1.
fn probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s} is not a probability from 0 to 1")),
    }
}

/// A count of at least 1.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s} is not a whole number of at least 1")),
    }
}

/// A size of at least 1.
fn at_least_one_u64(s: &str) -> Result<u64, String> {
    at_least_one(s).map(|n| n as u64)
}
