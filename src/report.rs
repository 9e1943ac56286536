//! What a run did, in total and per document: `report.json`, built once every document's
//! result is in.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::record::{DocStatus, DocumentReport, DocumentResult, StageSeconds};
use crate::shard::Shard;

/// Totals over the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Documents found.
    pub documents: usize,
    /// Documents processed.
    pub ok: usize,
    /// Documents that failed.
    pub failed: usize,
    /// Documents over the time limit.
    pub timed_out: usize,
    /// Documents not finished because the run was cancelled.
    pub cancelled: usize,
    /// Documents whose results were reused from an earlier run.
    pub reused: usize,
    /// Pages of the processed documents.
    pub pages: usize,
    /// Of which OCR'd.
    pub ocr_pages: usize,
    /// Sentences given to the models.
    #[serde(default)]
    pub sentences: usize,
    /// Entity mentions.
    pub mentions: usize,
    /// Entity nodes in the graph.
    pub entities: usize,
    /// Relation edges in the graph (typed and co-occurrence).
    pub relations: usize,
    /// Of which typed (a predicate from the relation model); the rest are co-occurrences.
    #[serde(default)]
    pub typed_relations: usize,
    /// Candidate pairs the relation model scored.
    #[serde(default)]
    pub relation_pairs: usize,
}

/// The whole run: `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// docgraph's version.
    pub version: String,
    /// `parallel`, `sequential`, or `merge`.
    pub mode: String,
    /// Worker threads.
    pub workers: usize,
    /// NER model instances.
    pub ner_instances: usize,
    /// Arithmetic of the models' linear layers (`float32`, `bfloat16` or `int8`); absent for a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// The libtesseract the process loaded: the faster build `scripts/build_tesseract.sh`
    /// makes, or the system's; `null` for a merge, or where it cannot be told.
    #[serde(default)]
    pub tesseract_library: Option<String>,
    /// Engines started (models loaded, Tesseract started) by the pipeline so far.
    #[serde(default)]
    pub engines_started: EnginesStarted,
    /// True when the run was cancelled (Ctrl-C); the outputs hold what finished.
    pub cancelled: bool,
    /// Wall-clock seconds of the run: the walk, the documents (models loading included) and
    /// assembling the graph; `timing` splits them.
    pub seconds: f64,
    /// Where the seconds went.
    #[serde(default)]
    pub timing: Timing,
    /// Peak resident memory of the process, MiB, when known.
    #[serde(default)]
    pub peak_rss_mib: Option<f64>,
    /// Totals.
    pub summary: Summary,
    /// Time per stage, summed over documents.
    pub stage_seconds: StageSeconds,
    /// Folders or links the walk could not follow.
    #[serde(default)]
    pub walk_warnings: Vec<String>,
    /// The shard this run processed (`--shard`), when it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// What a `merge` read, when this report is one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeInfo>,
    /// One entry per document, in path order.
    pub documents: Vec<DocumentReport>,
}

impl RunReport {
    /// True when every document was processed.
    pub fn all_ok(&self) -> bool {
        !self.cancelled && self.documents.iter().all(|d| d.status == DocStatus::Ok)
    }
}

/// Engines started during the run: models and Tesseract are started when the first
/// document needs them, so a run whose documents all come from the cache starts none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnginesStarted {
    /// NER model instances.
    pub ner: usize,
    /// Relation model instances.
    pub relations: usize,
    /// Tesseract engines.
    pub ocr: usize,
}

/// Where a run's wall-clock time went, in seconds.
///
/// `walk + documents + assemble` is the report's `seconds`. Engines are started inside the
/// documents' time: in a sequential run by the first document that needs each, one after
/// another; in a parallel run in the background while the first documents' pages are read.
/// Stage times (`stage_seconds`) are busy time, which leaves that wait out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// From the process's start to docgraph's `main`: the dynamic loader mapping and
    /// initialising the shared libraries (libtorch and its dependencies are most of it). Set by
    /// the command line; `null` when the pipeline runs inside another program.
    #[serde(default)]
    pub before_main: Option<f64>,
    /// Setting the pipeline up: checking the models and OCR data, reading vocabularies,
    /// starting the worker threads. Set by the command line.
    #[serde(default)]
    pub setup: Option<f64>,
    /// Walking the input for PDFs.
    pub walk: f64,
    /// Processing the documents, first taken to last finished.
    pub documents: f64,
    /// Assembling the graph and the report.
    pub assemble: f64,
    /// Starting engines, summed over instances and threads.
    pub engines: EngineSeconds,
}

/// Seconds spent starting engines of each kind (all instances; a model's weights are read
/// once, further instances share them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineSeconds {
    /// NER models.
    pub ner: f64,
    /// Relation models.
    pub relations: f64,
    /// Tesseract engines.
    pub ocr: f64,
    /// Loading the model runtime (`libdocgraph_torch.so` and libtorch), when this run loaded
    /// it: part of the first model start's time above, not in addition to it.
    #[serde(default)]
    pub runtime: f64,
}

/// How the run was set up, as the report states it.
#[derive(Debug, Clone)]
pub(crate) struct RunSetup {
    /// `parallel`, `sequential` or `merge`.
    pub mode: &'static str,
    /// Worker threads.
    pub workers: usize,
    /// NER model instances.
    pub ner_instances: usize,
    /// Precision the models ran at (`None` for a merge).
    pub precision: Option<crate::runtime::Precision>,
    /// The libtesseract the process loaded (`None` for a merge, which runs no OCR).
    pub tesseract_library: Option<std::path::PathBuf>,
    /// Engines started so far in the pipeline's life.
    pub engines_started: EnginesStarted,
}

impl RunReport {
    /// The report of a run (or merge) over `results` that assembled `graph`.
    pub(crate) fn build(
        setup: &RunSetup,
        results: &[DocumentResult],
        graph: &crate::graph::KnowledgeGraph,
        walk_warnings: Vec<String>,
        cancelled: bool,
        elapsed: Duration,
    ) -> RunReport {
        let mut summary = Summary {
            documents: results.len(),
            ..Summary::default()
        };
        let mut stage_seconds = StageSeconds::default();
        for r in results {
            let rep = &r.report;
            match rep.status {
                DocStatus::Ok => summary.ok += 1,
                DocStatus::Failed => summary.failed += 1,
                DocStatus::TimedOut => summary.timed_out += 1,
                DocStatus::Cancelled => summary.cancelled += 1,
            }
            if rep.reused {
                summary.reused += 1;
            }
            if rep.status == DocStatus::Ok {
                summary.pages += rep.pages;
                summary.ocr_pages += rep.ocr_pages.len();
                summary.sentences += rep.sentences;
                summary.mentions += rep.mentions;
                summary.relation_pairs += rep.relation_pairs;
            }
            stage_seconds.add(&rep.stages);
        }
        summary.entities = graph.entity_count();
        summary.relations = graph.relation_count();
        summary.typed_relations = graph.typed_relation_count();
        RunReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
            mode: setup.mode.to_string(),
            workers: setup.workers,
            ner_instances: setup.ner_instances,
            precision: setup.precision.map(|p| p.name().to_string()),
            tesseract_library: setup
                .tesseract_library
                .as_ref()
                .map(|p| p.display().to_string()),
            engines_started: setup.engines_started,
            cancelled,
            seconds: elapsed.as_secs_f64(),
            timing: Timing::default(),
            peak_rss_mib: peak_rss_mib(),
            summary,
            stage_seconds,
            walk_warnings,
            shard: None,
            merge: None,
            documents: results.iter().map(|r| r.report.clone()).collect(),
        }
    }
}

/// This process's peak resident memory in MiB (Linux: `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// What a merge read, as the report states it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeInfo {
    /// The inputs, as given.
    pub inputs: Vec<MergedInput>,
    /// Shards of the split that were not among the inputs (only with `--partial`).
    pub missing_shards: Vec<u32>,
    /// Documents found in more than one input, counted once.
    pub duplicates: usize,
}

/// One input of a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedInput {
    /// The output folder (or results file).
    pub path: String,
    /// Its shard, when it was one.
    pub shard: Option<Shard>,
    /// Its documents.
    pub documents: usize,
}
