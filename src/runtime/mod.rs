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

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

// Not part of the public API: the function table docgraph-torch implements.
#[doc(hidden)]
pub mod abi;
pub(crate) mod plugin;
pub mod tune;

pub use plugin::{library_path, load_library, load_seconds_since, LIBRARY_ENV, LIBRARY_FILE};

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

/// Arithmetic of the encoder's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// The fastest of float32 and the precisions this processor multiplies natively, as
    /// measured on it by `docgraph tune` ([`tune`]), which `ingest` runs the first time. Where
    /// it was never measured (a library caller that did not tune): int8 where the processor
    /// multiplies bytes natively ([`int8_native`]), unless it has AMX tiles for bfloat16
    /// ([`amx_bf16`]); bfloat16 there and where it multiplies bfloat16 natively without VNNI
    /// ([`bf16_native`]); else float32.
    #[default]
    Auto,
    /// float32 throughout: the arithmetic the models were trained in.
    Float32,
    /// bfloat16 products in the linear layers (float32 accumulation). On processors without
    /// AVX-512 BF16 oneDNN emulates it, slower than float32.
    BFloat16,
    /// 8-bit integer products in the linear layers, with a scale per weight row and per token
    /// (`docgraph_torch::encoder::int8`). Fast where the processor has AVX-512 VNNI ([`int8_native`]).
    Int8,
}

/// Whether this processor multiplies bfloat16 natively (AVX-512 BF16: Intel Cooper Lake and
/// Sapphire Rapids onwards, AMD Zen 4 onwards).
pub fn bf16_native() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this processor has AMX tiles that multiply bfloat16 (Intel Sapphire Rapids
/// onwards), which oneDNN uses for bfloat16 products. No such machine was at hand to measure
/// bfloat16 against int8 on, so there bfloat16 stays the default it was.
pub fn amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUID leaf 7, sub-leaf 0: EDX bit 22 is AMX-BF16. (std's feature detection does not
        // name AMX on stable Rust.)
        #[allow(unused_unsafe)]
        let leaf = unsafe { std::arch::x86_64::__cpuid_count(7, 0) };
        leaf.edx & (1 << 22) != 0 && bf16_native()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Precision {
    /// The precision that will run: [`Precision::Auto`] resolved for this processor, as
    /// measured on it ([`tune`]); where it never was, by its flags.
    pub fn effective(self) -> Precision {
        match self {
            Precision::Auto if tune::cached().is_some_and(|t| t.precision != Precision::Auto) => {
                tune::cached().map_or(Precision::Float32, |t| t.precision)
            }
            Precision::Auto if amx_bf16() => Precision::BFloat16,
            Precision::Auto if int8_native() => Precision::Int8,
            Precision::Auto if bf16_native() => Precision::BFloat16,
            Precision::Auto => Precision::Float32,
            p => p,
        }
    }

    /// Its number in the plugin's interface ([`abi::Api::load`]).
    pub fn code(self) -> u32 {
        match self {
            Precision::Auto => 0,
            Precision::Float32 => 1,
            Precision::BFloat16 => 2,
            Precision::Int8 => 3,
        }
    }

    /// The precision numbered `code` (see [`Precision::code`]).
    pub fn from_code(code: u32) -> Option<Precision> {
        [
            Precision::Auto,
            Precision::Float32,
            Precision::BFloat16,
            Precision::Int8,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Float32 => "float32",
            Precision::BFloat16 => "bfloat16",
            Precision::Int8 => "int8",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Precision::Auto),
            "float32" | "f32" => Ok(Precision::Float32),
            "bfloat16" | "bf16" => Ok(Precision::BFloat16),
            "int8" => Ok(Precision::Int8),
            _ => Err(format!(
                "unknown precision {s:?} (auto, float32, bfloat16 or int8)"
            )),
        }
    }
}

/// Whether this processor multiplies bytes natively (AVX-512 VNNI: Intel Cascade Lake and
/// later Xeons, Ice Lake onwards; AMD Zen 4 onwards). Without it oneDNN still runs 8-bit
/// products, but with 16-bit intermediate sums that can saturate, and no faster.
pub fn int8_native() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512vnni")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_names_round_trip() {
        for p in [
            Precision::Auto,
            Precision::Float32,
            Precision::BFloat16,
            Precision::Int8,
        ] {
            assert_eq!(p.name().parse::<Precision>(), Ok(p));
            assert_eq!(Precision::from_code(p.code()), Some(p));
        }
        assert!("fp8".parse::<Precision>().is_err());
        assert_eq!(Precision::from_code(99), None);
    }
}
