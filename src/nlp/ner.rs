//! Named-entity recognition with a BERT token-classification model (rust-bert's checkpoint
//! format, docgraph's own [`Encoder`]), through a pool of model instances.
//!
//! An instance is used by one thread at a time: instances live in a [`Pool`], a caller leases
//! one for a batch and the lease puts it back when it drops (also when the caller panics). The
//! instances share one read-only copy of the weights. Each runs libtorch with one intra-op
//! thread, so `N` instances keep `N` cores busy without oversubscribing them. The encoder and
//! its classifier run in the model runtime ([`crate::runtime`]); tokenizing and turning
//! sub-word labels into words happen here.

use std::path::Path;

use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
use rust_tokenizers::Mask;

use super::entities::TaggedWord;
use crate::error::{Error, Result};
use crate::pool::{BusyTime, Pool, Pooled};
use crate::runtime::plugin::Model;
use crate::runtime::{self, Precision, TextStates};

/// The files a model folder must hold.
pub const MODEL_FILES: [&str; 3] = ["rust_model.ot", "config.json", "vocab.txt"];

/// Where the model shipped with docgraph lives, relative to the repository.
pub const DEFAULT_MODEL_SUBDIR: &str = "models/ner-minilm-l6-conll03";

/// Inputs per forward pass. Sentences are sorted by length before batching, so padding stays
/// small.
pub const BATCH_SIZE: usize = 8;

/// Longest input the model reads at once, in sub-words (its 512 positions less `[CLS]` and
/// `[SEP]`). Longer inputs are read in consecutive windows.
const MAX_CONTENT_TOKENS: usize = 510;

/// A pool of NER model instances.
pub(crate) struct NerModels {
    pool: Pool<NerModel>,
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

/// Test hook: loading the NER model takes `$DOCGRAPH_TEST_SLOW_MODEL_LOAD` seconds more (for the
/// test that documents are read while the models load; unset in normal use).
fn slow_load_hook() {
    if let Some(secs) = std::env::var("DOCGRAPH_TEST_SLOW_MODEL_LOAD")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.clamp(0.0, 60.0)));
    }
}

/// Checks that `dir` holds a usable model, naming the first missing file.
pub fn check_model_dir(dir: &Path) -> Result<()> {
    Error::require_model_files(dir, &MODEL_FILES, "model", "--model-dir")
}

#[derive(serde::Deserialize)]
struct LabelConfig {
    id2label: std::collections::BTreeMap<String, String>,
}

/// One instance: the encoder with the token classifier on top of it, and the tokenizer.
struct NerModel {
    tokenizer: std::sync::Arc<BertTokenizer>,
    model: Model,
    labels: Vec<String>,
    cls: i64,
    sep: i64,
}

/// What tagging a batch gives: the words of each input with their labels, the text states
/// kept of each, and the seconds keeping them cost (beyond the labels).
#[derive(Debug, Default)]
pub(crate) struct Tagged {
    pub words: Vec<Vec<TaggedWord>>,
    pub states: Vec<Option<TextStates>>,
    pub state_seconds: f64,
}

/// A token of one input: its id, where it came from, and whether it starts a word.
struct Piece {
    id: i64,
    offset: Option<(usize, usize)>,
    starts_word: bool,
}

impl NerModel {
    fn load(dir: &Path, precision: Precision) -> Result<Self> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let label_config: LabelConfig = serde_json::from_str(&text)
            .map_err(|e| Error::Model(format!("{}: {e}", config_path.display())))?;
        let mut labels = vec![String::new(); label_config.id2label.len()];
        for (id, label) in label_config.id2label {
            let slot = id
                .parse::<usize>()
                .ok()
                .and_then(|i| labels.get_mut(i))
                .ok_or_else(|| {
                    Error::Model(format!("{}: bad label id {id:?}", config_path.display()))
                })?;
            *slot = label;
        }
        let model = Model::load(dir, "classifier", precision)?;
        // The shipped model's vocabulary is uncased.
        let (tokenizer, cls, sep) = runtime::uncased_tokenizer(&dir.join("vocab.txt"))?;
        Ok(NerModel {
            tokenizer: std::sync::Arc::new(tokenizer),
            model,
            labels,
            cls,
            sep,
        })
    }

    /// Another instance over the same weights and vocabulary.
    fn share(&self) -> Result<Self> {
        Ok(NerModel {
            tokenizer: self.tokenizer.clone(),
            model: self.model.share()?,
            labels: self.labels.clone(),
            cls: self.cls,
            sep: self.sep,
        })
    }

    /// Sub-word pieces of `text`, with character offsets; a piece starts a word unless the
    /// tokenizer marks it as the continuation of the one before.
    fn pieces(&self, text: &str) -> Vec<Piece> {
        let t = self.tokenizer.tokenize_with_offsets(text);
        let ids = self.tokenizer.convert_tokens_to_ids(&t.tokens);
        ids.into_iter()
            .zip(t.offsets)
            .zip(t.masks)
            .map(|((id, offset), mask)| Piece {
                id,
                offset: offset.map(|o| (o.begin as usize, o.end as usize)),
                starts_word: mask != Mask::Continuation,
            })
            .collect()
    }

    /// Tags a batch of inputs: each window of pieces becomes one row of the forward pass.
    /// The text states of the inputs `keep` marks are kept, where the input was read in one
    /// window.
    fn tag(&self, inputs: &[&str], keep: &[bool]) -> Result<Tagged> {
        let pieces: Vec<Vec<Piece>> = inputs.iter().map(|t| self.pieces(t)).collect();
        // (input, window) rows, `[CLS] piece… [SEP]`.
        let mut rows: Vec<(usize, &[Piece])> = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            rows.extend(p.chunks(MAX_CONTENT_TOKENS).map(|w| (i, w)));
        }
        let mut words: Vec<Vec<TaggedWord>> = vec![Vec::new(); inputs.len()];
        let mut states: Vec<Option<TextStates>> = vec![None; inputs.len()];
        if rows.is_empty() {
            return Ok(Tagged {
                words,
                states,
                state_seconds: 0.0,
            });
        }
        let ids: Vec<Vec<i64>> = rows
            .iter()
            .map(|(_, w)| {
                let mut ids = Vec::with_capacity(w.len() + 2);
                ids.push(self.cls);
                ids.extend(w.iter().map(|p| p.id));
                ids.push(self.sep);
                ids
            })
            .collect();
        let refs: Vec<&[i64]> = ids.iter().map(Vec::as_slice).collect();
        let whole = |i: usize| pieces[i].len() <= MAX_CONTENT_TOKENS;
        let keep_rows: Vec<bool> = rows
            .iter()
            .map(|&(i, _)| keep.get(i).copied().unwrap_or(false) && whole(i))
            .collect();
        let out = self.model.tokens(&refs, Some(&keep_rows))?;
        let state_seconds = out.state_seconds;
        let (label_ids, scores, width) = (out.label, out.score, out.width);
        for ((input, _), text) in rows.iter().zip(out.text) {
            if text.is_some() {
                states[*input] = text;
            }
        }
        for (r, (input, window)) in rows.iter().enumerate() {
            let out = &mut words[*input];
            for (k, piece) in window.iter().enumerate() {
                let at = r * width + 1 + k; // after [CLS]
                let Some((start, end)) = piece.offset else {
                    continue;
                };
                // A word takes the label and score of its first piece (how the model was
                // trained) and runs to the end of its last.
                match out.last_mut() {
                    Some(word) if !piece.starts_word => word.end = word.end.max(end),
                    _ => out.push(TaggedWord {
                        start,
                        end,
                        label: self.label(label_ids[at])?.to_string(),
                        score: scores[at],
                    }),
                }
            }
        }
        Ok(Tagged {
            words,
            states,
            state_seconds,
        })
    }

    /// The text states of token rows (`[CLS] … [SEP]`, this model's vocabulary), each read
    /// whole.
    fn text_states(&self, rows: &[&[i64]]) -> Result<Vec<Option<TextStates>>> {
        let keep = vec![true; rows.len()];
        Ok(self.model.tokens(rows, Some(&keep))?.text)
    }

    /// The name of label `id`.
    fn label(&self, id: i64) -> Result<&str> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.labels.get(i))
            .map(String::as_str)
            .ok_or_else(|| Error::Model(format!("the model gave label {id}, not in its config")))
    }
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

    /// A pool of up to `size` instances of the model in `dir`, loaded when first needed,
    /// whose encoders run at `precision`. The instances share one copy of the weights.
    pub fn load(dir: &Path, size: usize, precision: Precision) -> Result<Self> {
        check_model_dir(dir)?;
        check_runtime_environment()?;
        // Found now (loaded when the first instance starts), so a missing one is said at once.
        runtime::library_path()?;
        let dir = dir.to_path_buf();
        let pool = Pool::new(
            size,
            crate::pool::sharing(
                move || {
                    slow_load_hook();
                    runtime::plugin::set_threads(1)?;
                    NerModel::load(&dir, precision)
                },
                NerModel::share,
            ),
        );
        Ok(NerModels {
            pool,
            tagged: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// The text states of token rows of this model's vocabulary (`[CLS] … [SEP]`, at most
    /// 512 tokens), for a relation model that reads them where the NER pass did not keep
    /// them (see [`crate::nlp::mentions::KEPT_STATE_CHARS`]). No sentence is counted as tagged.
    /// The model's time is added to `busy` (waiting for an instance is not).
    pub fn text_states(&self, rows: &[&[i64]], busy: &BusyTime) -> Result<Vec<Option<TextStates>>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let model = self.pool.get()?;
        busy.time(|| model.text_states(rows))
    }

    /// Sentences tagged so far.
    pub fn tagged(&self) -> usize {
        self.tagged.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Labels the words of each input. Inputs must be short (see `sentences::chunk_span`) and
    /// at most [`BATCH_SIZE`] of them; offsets are characters of each input. The text states
    /// of the inputs `keep` marks come back too (where an input was read in one window).
    /// The model's time is added to `busy` (waiting for an instance is not).
    pub fn tag(&self, inputs: &[&str], keep: &[bool], busy: &BusyTime) -> Result<Tagged> {
        if inputs.is_empty() {
            return Ok(Tagged::default());
        }
        let model = self.pool.get()?;
        let words = busy.time(|| model.tag(inputs, keep))?;
        self.tagged
            .fetch_add(inputs.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(words)
    }
}
