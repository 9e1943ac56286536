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
    /// Folder holding the window model: relations between entities that never share a
    /// sentence (`crate::relations::across`).
    pub window_model_dir: PathBuf,
    /// Run the window model (the default, when the relation model runs). Part of the
    /// fingerprint.
    pub window_model: bool,
    /// Add the relations that follow along `Located_In` chains (the default), marked
    /// [`crate::record::Basis::Chain`]; `false` is `--no-inference`. Part of the fingerprint.
    pub inference: bool,
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
    /// Arithmetic of the models' linear layers: [`Precision::Auto`] (the default) is the
    /// fastest measured on this machine ([`crate::runtime::tune`]). Part of the fingerprint (as
    /// the precision that runs): results at one precision are not mixed with another's.
    pub precision: Precision,
    /// Crop page images to their ink before OCR and skip blank ones (the default); `false`
    /// hands Tesseract every image whole, as docgraph did before (for comparisons).
    pub ocr_crop: bool,
    /// Process only the documents of this shard (by content hash; see [`crate::shard`]).
    pub shard: Option<crate::shard::Shard>,
    /// A list of known entities (`--entities FILE`): names and aliases with a type of the
    /// user's choosing, found besides the model's (format and rule: `nlp::gazetteer`). Part of
    /// the fingerprint by its content.
    pub entities: Option<PathBuf>,
}

impl Config {
    /// What of this configuration determines a document's result, as the parts of the options
    /// fingerprint (cache entries and `results.jsonl` lines are valid only under an equal one),
    /// with the precision that runs. Every field is named here, without `..`: a field added to
    /// `Config` does not compile until it is either hashed or said not to change results.
    /// Parts that were added later are pushed only when they differ from the default, so that
    /// results kept by earlier runs with default options stay valid.
    pub fn fingerprint_parts(&self, precision: Precision) -> Vec<String> {
        let Config {
            model_dir,
            relation_model_dir,
            relation_threshold,
            relation_model,
            window_model_dir,
            window_model,
            cooccurrence,
            relations_from_all,
            inference,
            tessdata,
            ocr_language,
            limits,
            precision: _, // the precision that runs is hashed: `precision` above
            ocr_crop,
            entities,
            // Not results: how many threads and engines, how long to wait, where to keep what,
            // whether to redo it, which documents this run takes.
            workers: _,
            ner_instances: _,
            sequential: _,
            doc_timeout: _,
            keep_text: _,
            cache_dir: _,
            force: _,
            shard: _,
        } = self;
        let mut parts = vec![
            crate::digest::model_fingerprint(model_dir),
            crate::digest::model_fingerprint(relation_model_dir),
            ocr_language.clone(),
            format!("{relation_threshold:?}"),
            cooccurrence.to_string(),
            precision.name().to_string(),
        ];
        if !relation_model {
            parts.push("no relation model".into());
        }
        if *relation_model && *window_model {
            parts.push(format!(
                "window model {}",
                crate::digest::model_fingerprint(window_model_dir)
            ));
        }
        // Whole page images (for comparisons) can give other OCR text.
        if !ocr_crop {
            parts.push("whole page images".into());
        }
        if *relations_from_all {
            parts.push("relations from all text".into());
        }
        if !inference {
            parts.push("no inference".into());
        }
        // The OCR language data by content: another `--tessdata` (or an updated package) reads
        // scans differently. Only where it is not Debian's, as runs before this part had it.
        if let Some(dir) = tessdata {
            for lang in ocr_language.split('+') {
                let file = dir.join(format!("{lang}.traineddata"));
                let bytes = std::fs::read(&file).unwrap_or_default();
                parts.push(format!(
                    "tessdata {lang} {}",
                    crate::digest::sha256_hex(&bytes)
                ));
            }
        }
        // The list of entities by content (an unreadable one stops `Pipeline::new` first).
        if let Some(file) = entities {
            let bytes = std::fs::read(file).unwrap_or_default();
            parts.push(format!("entities {}", crate::digest::sha256_hex(&bytes)));
        }
        // A stream decompressed past the limit is skipped: other text on such pages.
        if limits.max_stream_bytes != Limits::default().max_stream_bytes {
            parts.push(format!("max stream bytes {}", limits.max_stream_bytes));
        }
        // `max_pages` and `max_file_bytes` only fail documents, and such failures are never
        // kept (`ErrorKind::is_permanent`).
        parts
    }

    /// Defaults, with the NER model in `model_dir` and the relation models in its sibling
    /// folders `relations-minilm-conll04` and `relations-minilm-windows` (as shipped in
    /// `models/`), or, where `model_dir` has no such siblings (a NER model of your own), the
    /// shipped ones ([`default_model_dir`]'s siblings).
    pub fn new(model_dir: impl Into<PathBuf>) -> Self {
        let model_dir: PathBuf = model_dir.into();
        let shipped = |subdir: &str| {
            let beside = sibling(&model_dir, subdir);
            if beside.join("config.json").is_file() {
                beside
            } else {
                sibling(&default_model_dir(), subdir)
            }
        };
        let relation_model_dir = shipped(crate::relations::DEFAULT_MODEL_SUBDIR);
        let window_model_dir = shipped(crate::relations::WINDOW_MODEL_SUBDIR);
        Config {
            model_dir,
            relation_model_dir,
            window_model_dir,
            window_model: true,
            relation_threshold: None,
            relation_model: true,
            cooccurrence: true,
            relations_from_all: false,
            inference: true,
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
            entities: None,
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
    /// cores only add model instances (each worker holds the NER model, the two relation models and a
    /// Tesseract engine, about 400 MiB) without adding speed; a count the
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
/// per worker with relations on, and the window model adds about 80 MiB a worker: 602 → 763
/// MiB for two workers on the dense news corpus).
const MIB_PER_WORKER: u64 = 400;
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
    default_model_dir_for(std::env::current_exe().ok().as_deref())
}

/// [`default_model_dir`] as the docgraph executable `program` finds it (rather than the running
/// program): for a program that runs the pipeline itself (the Python package) and should use
/// the same models as the installed command.
pub fn default_model_dir_for(program: Option<&Path>) -> PathBuf {
    if let Some(d) = std::env::var_os("DOCGRAPH_MODEL_DIR") {
        return PathBuf::from(d);
    }
    let name = Path::new(DEFAULT_MODEL_SUBDIR)
        .file_name()
        .expect("a folder name");
    let mut candidates = vec![PathBuf::from(DEFAULT_MODEL_SUBDIR)];
    if let Some(bin) = program.and_then(|e| e.parent().map(Path::to_path_buf)) {
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

/// A model shipped as `subdir` (`models/…`), beside a NER model folder, as `models/` ships
/// them.
fn sibling(ner_dir: &Path, subdir: &str) -> PathBuf {
    let name = Path::new(subdir).file_name().expect("a folder name");
    ner_dir
        .parent()
        .map(|p| p.join(name))
        .unwrap_or_else(|| PathBuf::from(subdir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_holds_what_changes_results_and_only_that() {
        let base = Config::new("/nonexistent/ner");
        let parts = |c: &Config| c.fingerprint_parts(Precision::Float32);
        // Options that change no result leave it as it is.
        let mut c = base.clone();
        c.workers = 7;
        c.ner_instances = 3;
        c.sequential = true;
        c.doc_timeout = None;
        c.keep_text = true;
        c.force = true;
        c.cache_dir = Some("/elsewhere".into());
        c.limits.max_pages = 3;
        assert_eq!(parts(&c), parts(&base));
        // Options that change results change it.
        let changed = |edit: &dyn Fn(&mut Config)| {
            let mut c = base.clone();
            edit(&mut c);
            parts(&c) != parts(&base)
        };
        assert!(changed(&|c| c.ocr_language = "deu".into()));
        assert!(changed(&|c| c.cooccurrence = false));
        assert!(changed(&|c| c.relation_model = false));
        assert!(changed(&|c| c.relations_from_all = true));
        assert!(changed(&|c| c.inference = false));
        assert!(changed(&|c| c.window_model = false));
        assert!(changed(&|c| c.ocr_crop = false));
        assert!(changed(&|c| c.relation_threshold = Some(0.9)));
        assert!(changed(&|c| c.limits.max_stream_bytes = 1 << 20));
        assert_ne!(
            base.fingerprint_parts(Precision::Int8),
            base.fingerprint_parts(Precision::Float32)
        );
        // Other OCR language data, by content.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("eng.traineddata"), b"one").unwrap();
        let mut a = base.clone();
        a.tessdata = Some(dir.path().to_path_buf());
        let before = parts(&a);
        assert_ne!(before, parts(&base));
        std::fs::write(dir.path().join("eng.traineddata"), b"two").unwrap();
        assert_ne!(parts(&a), before);
    }
}
