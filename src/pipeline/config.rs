//! How to run the pipeline: the configuration, its effective values on this machine (workers
//! capped by cores and memory), and where the shipped models are found.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::extract::Limits;
use crate::nlp::ner::DEFAULT_MODEL_SUBDIR;
use crate::runtime::Precision;

/// How to run the pipeline.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder holding the NER model (`rust_model.ot`, `config.json`, `vocab.txt`).
    pub model_dir: PathBuf,
    /// Folder holding the relation model (the same files and `docgraph.json`).
    pub relation_model_dir: PathBuf,
    /// Probability the best predicate needs for a pair to be related; `None` for the model's
    /// own (tuned on its development data).
    pub relation_threshold: Option<f32>,
    /// Run the relation model (the default). `false` keeps entities and, when
    /// [`Config::cooccurrence`] is on, co-occurrences only: no typed relations, and the model
    /// is neither loaded nor run. Part of the fingerprint.
    pub relation_model: bool,
    /// Also keep co-occurrences: entities close together in a sentence with no typed
    /// relation between them (`predicate: null` edges).
    pub cooccurrence: bool,
    /// Read typed relations from every kind of text, not only prose ([`crate::record::TextKind`]).
    pub relations_from_all: bool,
    /// Tesseract language data folder; `None` for Debian's default.
    pub tessdata: Option<PathBuf>,
    /// Tesseract language.
    pub ocr_language: String,
    /// Worker threads for CPU stages; 0 for one per core.
    pub workers: usize,
    /// NER model instances; 0 for one per worker.
    pub ner_instances: usize,
    /// One document at a time on one thread with one model: the baseline for benchmarks.
    pub sequential: bool,
    /// Time limit per document; `None` for none.
    pub doc_timeout: Option<Duration>,
    /// Bounds for hostile input.
    pub limits: Limits,
    /// Keep page texts in the results (`texts.json`).
    pub keep_text: bool,
    /// Where per-document results are kept between runs (resumable, incremental runs);
    /// `None` for no cache.
    pub cache_dir: Option<PathBuf>,
    /// Process every document again even when an earlier result is cached.
    pub force: bool,
    /// Arithmetic of the models' linear layers: [`Precision::Auto`] (the default) is bfloat16
    /// where the processor multiplies it natively, else int8 where it multiplies bytes
    /// natively, else float32. Part of the fingerprint:
    /// results at one precision are not mixed with another's.
    pub precision: Precision,
    /// Crop page images to their ink before OCR and skip blank ones (the default); `false`
    /// hands Tesseract every image whole, as docgraph did before (for comparisons).
    pub ocr_crop: bool,
    /// Process only the documents of this shard (by content hash; see [`crate::shard`]).
    pub shard: Option<crate::shard::Shard>,
}

impl Config {
    /// Defaults, with the NER model in `model_dir` and the relation model in its sibling
    /// folder `relations-minilm-conll04` (as shipped in `models/`).
    pub fn new(model_dir: impl Into<PathBuf>) -> Self {
        let model_dir: PathBuf = model_dir.into();
        let relation_model_dir = sibling_relation_model(&model_dir);
        Config {
            model_dir,
            relation_model_dir,
            relation_threshold: None,
            relation_model: true,
            cooccurrence: true,
            relations_from_all: false,
            tessdata: None,
            ocr_language: "eng".into(),
            workers: 0,
            ner_instances: 0,
            sequential: false,
            doc_timeout: Some(Duration::from_secs(600)),
            limits: Limits::default(),
            keep_text: false,
            cache_dir: None,
            force: false,
            shard: None,
            precision: Precision::Auto,
            ocr_crop: true,
        }
    }

    /// Worker threads this configuration uses: as asked (default one per core), but no more
    /// than the cores, nor than memory holds (see [`Config::worker_cap`]).
    pub fn effective_workers(&self) -> usize {
        self.worker_cap().0
    }

    /// The workers used, and why fewer than asked when they were capped. More workers than
    /// cores only add model instances (each worker holds one NER and one relation model and a
    /// Tesseract engine, about 320 MiB) without adding speed; a count the
    /// available memory cannot hold would end with the kernel killing the run.
    pub fn worker_cap(&self) -> (usize, Option<String>) {
        if self.sequential {
            return (1, None);
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let asked = if self.workers > 0 {
            self.workers
        } else {
            cores
        };
        let by_memory = available_memory_mib()
            .map(|m| ((m.saturating_sub(BASE_MIB)) / MIB_PER_WORKER).max(1) as usize);
        if asked > cores && by_memory.is_none_or(|m| cores <= m) {
            return (
                cores,
                Some(format!(
                    "{asked} workers capped to {cores}, the cores available"
                )),
            );
        }
        match by_memory {
            Some(m) if asked > m => (
                m,
                Some(format!(
                    "{asked} workers capped to {m}: the available memory holds about {m} sets of models"
                )),
            ),
            _ => (asked, None),
        }
    }

    /// NER model instances this configuration loads.
    pub fn effective_ner_instances(&self) -> usize {
        let workers = self.effective_workers();
        if self.sequential {
            1
        } else if self.ner_instances > 0 {
            // A worker uses one instance at a time: more than the workers would only sit idle.
            self.ner_instances.min(workers)
        } else {
            workers
        }
    }
}

/// Memory a worker's models and engine take, MiB (measured: peak RSS grows by about 300 MiB
/// per worker with relations on).
const MIB_PER_WORKER: u64 = 320;
/// Memory of the process besides the workers, MiB.
const BASE_MIB: u64 = 200;

/// `MemAvailable` from `/proc/meminfo`, MiB.
fn available_memory_mib() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// The NER model shipped with docgraph (the relation model is its sibling folder), the first
/// of: `$DOCGRAPH_MODEL_DIR`; `models/…` under the current folder; `share/docgraph/models/…`
/// beside the running program's `bin/` folder (where `scripts/install.sh` puts them); `models/`
/// beside the program itself; the source tree the program was built from.
pub fn default_model_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DOCGRAPH_MODEL_DIR") {
        return PathBuf::from(d);
    }
    let name = Path::new(DEFAULT_MODEL_SUBDIR)
        .file_name()
        .expect("a folder name");
    let mut candidates = vec![PathBuf::from(DEFAULT_MODEL_SUBDIR)];
    if let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        if let Some(prefix) = bin.parent() {
            candidates.push(prefix.join("share/docgraph/models").join(name));
        }
        candidates.push(bin.join("models").join(name));
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_SUBDIR);
    candidates
        .into_iter()
        .find(|d| d.join("config.json").is_file())
        .unwrap_or(built_from)
}

/// The relation model beside a NER model folder, as `models/` ships them.
fn sibling_relation_model(ner_dir: &Path) -> PathBuf {
    let name = Path::new(crate::relations::DEFAULT_MODEL_SUBDIR)
        .file_name()
        .expect("a folder name");
    ner_dir
        .parent()
        .map(|p| p.join(name))
        .unwrap_or_else(|| PathBuf::from(crate::relations::DEFAULT_MODEL_SUBDIR))
}
