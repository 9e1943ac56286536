//! The plugin's function table and the plain C types it passes.

use std::ffi::c_char;

/// Version of [`Api`]'s layout and meaning: a hash of this file's text and of the precisions'
/// numbers, so that any change here makes a plugin built before it refuse to load (rather than
/// be called wrongly).
pub const ABI_VERSION: u32 = fnv1a(
    fnv1a(0x811c_9dc5, include_bytes!("table.rs")),
    include_bytes!("precision.rs"),
);

/// 32-bit FNV-1a of `bytes`, continuing from `hash`, at compile time.
const fn fnv1a(mut hash: u32, bytes: &[u8]) -> u32 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// The plugin's one exported symbol: `extern "C" fn() -> *const Api`.
pub const ENTRY_POINT: &std::ffi::CStr = c"docgraph_torch_api";

/// A model instance inside the plugin (opaque).
#[repr(C)]
pub struct RawModel {
    _private: [u8; 0],
}

/// Rows of token ids padded to one width (padding id 0): `ids` holds `rows × width` ids, row
/// `r` real up to `lens[r]`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Rows {
    /// `rows × width` token ids, row after row.
    pub ids: *const i64,
    /// Real tokens of each row (`rows` of them); the rest is padding.
    pub lens: *const i64,
    /// Number of rows.
    pub rows: usize,
    /// Tokens per row, padding included.
    pub width: usize,
}

/// What makes rows packed (see `docgraph::relations::packed`): each token's position id and group
/// (0 text, `k` the markers of a row's `k`-th pair), `rows × width` each, row after row like
/// [`Rows::ids`]. A token attends to its row's text and to its own group.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Packing {
    /// Position ids.
    pub positions: *const i64,
    /// Groups.
    pub groups: *const i64,
}

/// The pairs to classify: pair `p` lies in row `row[p]`, the head reads the encoder's vectors
/// at `head[p]` and `tail[p]` of that row side by side; labels not `allowed` (`count × labels`
/// bytes, 0 or 1) are masked out before the softmax.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Pairs {
    /// Number of pairs.
    pub count: usize,
    /// Row of each pair.
    pub row: *const i64,
    /// Head position of each pair.
    pub head: *const i64,
    /// Tail position of each pair.
    pub tail: *const i64,
    /// Allowed labels, `count × labels`.
    pub allowed: *const u8,
    /// The head's output width.
    pub labels: usize,
}

/// Text states handed to a relation model that reads another model's text
/// ([`Api::state_width`] not 0): row `r`'s text tokens (`[CLS]` … `[SEP]`, the tokens of group
/// 0) have their states at `states[(r × width + k) × state_width ..]`, bfloat16 bits, when
/// `given[r]` is 1; the model computes the others with its own copy of the text encoder.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TextInput {
    /// `rows × width × state_width` bfloat16 values.
    pub states: *const u16,
    /// Whether each row's states are given (`rows` bytes, 0 or 1).
    pub given: *const u8,
    /// Text tokens per row in `states`.
    pub width: usize,
}

/// The plugin's functions.
#[repr(C)]
#[derive(Debug)]
pub struct Api {
    /// [`ABI_VERSION`] of the plugin.
    pub abi: u32,
    /// Sets libtorch's intra-op threads (process-wide).
    pub set_threads: unsafe extern "C" fn(threads: i32),
    /// Loads the encoder in the model folder `dir` (`dir_len` bytes) and the linear head whose
    /// weights are `<head>.weight` and `<head>.bias`, the encoder's linear layers to run at
    /// `precision` (a [`crate::Precision::code`], already resolved for this
    /// processor). Null on error.
    pub load: unsafe extern "C" fn(
        dir: *const u8,
        dir_len: usize,
        head: *const u8,
        head_len: usize,
        precision: u32,
        err: *mut *mut c_char,
    ) -> *mut RawModel,
    /// Another instance over the same weights (nothing copied). Null on error.
    pub share: unsafe extern "C" fn(model: *const RawModel, err: *mut *mut c_char) -> *mut RawModel,
    /// Frees an instance.
    pub free: unsafe extern "C" fn(model: *mut RawModel),
    /// Labels of the head per token: for each of `rows × width` positions the most probable
    /// label (`label`) and its probability (`score`), both `rows × width` long. Unless `keep`
    /// is null, also the text states of the rows it marks (`rows` bytes, 0 or 1): what each
    /// layer of the encoder read at each of their positions, bfloat16 bits, `kept × width ×
    /// state_width` long, kept row after kept row, position after position (what a relation
    /// model may read, see [`TextInput`]); and in `*state_seconds` the seconds spent making
    /// them beyond the labels.
    pub tokens: unsafe extern "C" fn(
        model: *const RawModel,
        rows: *const Rows,
        label: *mut i64,
        score: *mut f32,
        keep: *const u8,
        states: *mut u16,
        state_seconds: *mut f64,
        err: *mut *mut c_char,
    ) -> bool,
    /// Values per token of the text states the model writes ([`Api::tokens`]: layers ×
    /// hidden size), or, for a relation model that reads another model's text states, reads
    /// ([`TextInput`]); 0 for a relation model that reads only its own.
    pub state_width: unsafe extern "C" fn(model: *const RawModel) -> usize,
    /// Label probabilities of `pairs` (`probs` is `count × labels` long; `labels` must be the
    /// head's output width). `packing` is null for plain rows (BERT's own positions, every
    /// real token attending to every other). `text` (null for none) gives text states of
    /// packed rows to a model that reads them.
    pub pairs: unsafe extern "C" fn(
        model: *const RawModel,
        rows: *const Rows,
        packing: *const Packing,
        pairs: *const Pairs,
        text: *const TextInput,
        probs: *mut f32,
        err: *mut *mut c_char,
    ) -> bool,
    /// Frees an error message.
    pub free_error: unsafe extern "C" fn(err: *mut c_char),
}

/// Rows of token ids padded to one width, owned; [`Padded::rows`] lends them to the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Padded {
    /// `rows × width` token ids, row after row (padding id 0).
    pub ids: Vec<i64>,
    /// Real tokens of each row.
    pub lens: Vec<i64>,
    /// Tokens per row, padding included (at least 1).
    pub width: usize,
}

impl Padded {
    /// The ids as the plugin reads them; valid while `self` lives.
    pub fn rows(&self) -> Rows {
        Rows {
            ids: self.ids.as_ptr(),
            lens: self.lens.as_ptr(),
            rows: self.lens.len(),
            width: self.width,
        }
    }
}

/// `inputs` padded to the longest (at least one token wide).
pub fn pad(inputs: &[&[i64]]) -> Padded {
    let width = inputs.iter().map(|p| p.len()).max().unwrap_or(1).max(1);
    let mut ids = Vec::with_capacity(inputs.len() * width);
    for p in inputs {
        ids.extend_from_slice(p);
        ids.resize(ids.len() + width - p.len(), 0);
    }
    let lens = inputs.iter().map(|p| p.len() as i64).collect();
    Padded { ids, lens, width }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_keeps_rows_and_their_lengths() {
        let p = pad(&[&[101, 7, 102], &[101, 102]]);
        assert_eq!(p.ids, [101, 7, 102, 101, 102, 0]);
        assert_eq!(p.lens, [3, 2]);
        assert_eq!((p.width, p.rows().rows, p.rows().width), (3, 2, 3));
        let p = pad(&[&[]]);
        assert_eq!((p.ids, p.lens, p.width), (vec![0], vec![0], 1));
    }
}
