//! Named-entity recognition with a rust-bert token-classification model, through a pool of
//! model instances.
//!
//! libtorch modules are not `Sync`, so instances are not shared between threads: they live in a
//! [`Pool`], a caller leases one for a batch and the lease puts it back when it drops (also when
//! the caller panics). Each instance runs libtorch with one intra-op thread, so `N` instances
//! keep `N` cores busy without oversubscribing them.

use std::path::Path;

use rust_bert::pipelines::common::ModelType;
use rust_bert::pipelines::token_classification::{
    LabelAggregationOption, TokenClassificationConfig, TokenClassificationModel,
};
use rust_bert::resources::LocalResource;

use super::entities::TaggedWord;
use crate::error::{Error, Result};
use crate::pool::{Pool, Pooled};

/// The files a model folder must hold.
pub const MODEL_FILES: [&str; 3] = ["rust_model.ot", "config.json", "vocab.txt"];

/// Where the model shipped with docgraph lives, relative to the repository.
pub const DEFAULT_MODEL_SUBDIR: &str = "models/ner-minilm-l6-conll03";

/// Inputs per forward pass. Sentences are sorted by length before batching, so padding stays
/// small; 8 was the fastest size measured on this model with one libtorch thread.
pub const BATCH_SIZE: usize = 8;

/// A pool of NER model instances.
pub(crate) struct NerModels {
    pool: Pool<TokenClassificationModel>,
    /// Sentences tagged so far (for progress inside long documents).
    tagged: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for NerModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NerModels")
            .field("size", &self.pool.size())
            .finish()
    }
}

/// Checks that `dir` holds a usable model, naming the first missing file.
pub fn check_model_dir(dir: &Path) -> Result<()> {
    Error::require_model_files(dir, &MODEL_FILES, "model", "--model-dir")
}

fn load_one(dir: &Path) -> Result<TokenClassificationModel> {
    let config = TokenClassificationConfig {
        model_type: ModelType::Bert,
        model_resource: Box::new(LocalResource::from(dir.join("rust_model.ot"))),
        config_resource: Box::new(LocalResource::from(dir.join("config.json"))),
        vocab_resource: Box::new(LocalResource::from(dir.join("vocab.txt"))),
        merges_resource: None,
        // The shipped model's vocabulary is uncased.
        lower_case: true,
        strip_accents: None,
        add_prefix_space: None,
        device: tch::Device::Cpu,
        label_aggregation_function: LabelAggregationOption::First,
        // rust-bert 0.20 mis-indexes features after its first internal batch, so every call
        // must fit in one: callers pass at most BATCH_SIZE short inputs.
        batch_size: 4096,
    };
    TokenClassificationModel::new(config)
        .map_err(|e| Error::Model(format!("loading {}: {e}", dir.display())))
}

/// libtorch counts processors from `/proc/cpuinfo` when its thread pool starts, and aborts the
/// process (no error it returns) when it cannot: say so in words first.
fn check_runtime_environment() -> Result<()> {
    match std::fs::read("/proc/cpuinfo") {
        Ok(info) if !info.is_empty() => Ok(()),
        _ => Err(Error::Config(
            "cannot read /proc/cpuinfo: /proc is not mounted here, and the model runtime \
             (libtorch) needs it to count processors; run docgraph where procfs is mounted \
             (in a container or sandbox, do not hide /proc)"
                .into(),
        )),
    }
}

impl NerModels {
    /// The pool of instances (sizes, start-up counts and cost).
    pub fn pool(&self) -> &dyn Pooled {
        &self.pool
    }

    /// A pool of up to `size` instances of the model in `dir`, loaded when first needed.
    pub fn load(dir: &Path, size: usize) -> Result<Self> {
        check_model_dir(dir)?;
        check_runtime_environment()?;
        tch::set_num_threads(1);
        let dir = dir.to_path_buf();
        let pool = Pool::new(size, move || load_one(&dir));
        Ok(NerModels {
            pool,
            tagged: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Sentences tagged so far.
    pub fn tagged(&self) -> usize {
        self.tagged.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Labels the words of each input. Inputs must be short (see `sentences::chunk_span`) and
    /// at most [`BATCH_SIZE`] of them; offsets are characters of each input.
    pub fn tag(&self, inputs: &[&str]) -> Result<Vec<Vec<TaggedWord>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let model = self.pool.get()?;
        let tokens = model.predict(inputs, false, false);
        self.tagged
            .fetch_add(inputs.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(tokens.iter().map(|t| words_from_subtokens(t)).collect())
    }
}

/// Joins sub-word tokens into words. The word takes the label and score of its first sub-token
/// (how the model was trained); its span runs to the end of its last sub-token. rust-bert's
/// own consolidation multiplies sub-token scores, which makes confident multi-piece words such
/// as "GitHub" look unsure.
fn words_from_subtokens(
    tokens: &[rust_bert::pipelines::token_classification::Token],
) -> Vec<TaggedWord> {
    let mut words: Vec<(u16, TaggedWord)> = Vec::new();
    for t in tokens {
        let Some(off) = t.offset else { continue };
        match words.last_mut() {
            Some((w, word)) if *w == t.word_index => word.end = word.end.max(off.end as usize),
            _ => words.push((
                t.word_index,
                TaggedWord {
                    start: off.begin as usize,
                    end: off.end as usize,
                    label: t.label.clone(),
                    score: t.score as f32,
                },
            )),
        }
    }
    words.into_iter().map(|(_, w)| w).collect()
}
