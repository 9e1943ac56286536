//! The model runtime: which arithmetic the models run in, and the libtorch plugin that runs
//! them.
//!
//! Both models (NER, stage 3; relations, stage 4) are BERT encoders with a small head, run by
//! libtorch. libtorch and what it links (about 230 more shared libraries on Debian) take half a
//! second to load and register their operators; linked into the executable, that half second
//! would pass before `main` on every start, serial, before any PDF is read. So the
//! libtorch-dependent code lives in a separate library, `libdocgraph_torch.so` (the
//! `docgraph-torch` package in `crates/torch`), loaded by [`load_library`] when the first model
//! instance starts: in a parallel run on a background thread while the walk, the parsing and
//! OCR go on; never at all by commands that need no model (`query`, `merge`, `--help`) or
//! runs whose every document comes from the cache.
//!
//! The two sides meet in [`abi`]: plain C types (token ids in, label scores out), one table of
//! functions, checked by version when the library loads.

use std::path::Path;

use crate::error::{Error, Result};

// Not part of the public API: the function table docgraph-torch implements.
#[doc(hidden)]
pub use docgraph_abi as abi;
pub(crate) mod plugin;
pub mod tune;

pub use plugin::{
    library_path, load_library, load_seconds_since, runtime_of, LIBRARY_ENV, LIBRARY_FILE,
};

/// What one model pass hands another: the token ids of a sentence as the NER model read it
/// (`[CLS]` … `[SEP]`) and what each of its encoder's layers read at each token, `state_width`
/// bfloat16 values a token (as bits), token after token. A relation model trained on the NER
/// model's text states (see `docgraph_torch::encoder::markers`) reads them instead of
/// encoding the sentence again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextStates {
    /// Token ids, `[CLS]` and `[SEP]` included.
    pub ids: Vec<i64>,
    /// `ids.len() × state_width` bfloat16 bits.
    pub states: Vec<u16>,
}

impl TextStates {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.ids.len() * 8 + self.states.len() * 2
    }
}

pub use docgraph_abi::{amx_bf16, bf16_native, int8_native, Precision};

/// [`Precision::Auto`] resolved for this processor, as measured on it by `docgraph tune`
/// ([`tune`], which `ingest` runs the first time); where it never was (a library caller that
/// did not tune), by its flags ([`Precision::by_flags`]). The plugin gets the resolved
/// precision.
pub trait Effective {
    /// The precision that will run.
    fn effective(self) -> Precision;
}

impl Effective for Precision {
    fn effective(self) -> Precision {
        match self {
            Precision::Auto => tune::cached()
                .map(|t| t.precision)
                .filter(|&p| p != Precision::Auto)
                .unwrap_or_else(|| Precision::Auto.by_flags()),
            p => p,
        }
    }
}

/// The uncased (lower-cased, accents stripped) BERT tokenizer of the vocabulary in `vocab`,
/// with the ids of `[CLS]` and `[SEP]`.
pub(crate) fn uncased_tokenizer(
    vocab: &Path,
) -> Result<(rust_tokenizers::tokenizer::BertTokenizer, i64, i64)> {
    use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
    use rust_tokenizers::vocab::{BertVocab, Vocab};
    let tokenizer = BertTokenizer::from_file(&vocab.to_string_lossy(), true, true)
        .map_err(|e| Error::Model(format!("reading {}: {e}", vocab.display())))?;
    let v = tokenizer.vocab();
    let (cls, sep) = (
        v.token_to_id(BertVocab::cls_value()),
        v.token_to_id(BertVocab::sep_value()),
    );
    Ok((tokenizer, cls, sep))
}
