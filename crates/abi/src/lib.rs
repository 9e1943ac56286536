//! # docgraph-abi
//!
//! The interface between docgraph and its libtorch plugin (`libdocgraph_torch.so`, the
//! `docgraph-torch` package): both depend on this crate and on nothing of each other, so an
//! edit to docgraph never rebuilds the plugin.
//!
//! The plugin exports one C function, [`ENTRY_POINT`], returning a pointer to an [`Api`]: a
//! table of functions over plain C types. Both sides are built from this one definition, and
//! docgraph refuses a plugin whose [`Api::abi`] differs from [`ABI_VERSION`], so a stale
//! library next to a newer executable is an error, not undefined behaviour.
//!
//! Conventions: paths and names are UTF-8 or raw bytes with a length; a function that can fail
//! returns null or `false` and stores an error message, allocated by the plugin, in `*err`
//! (freed with [`Api::free_error`]); no function unwinds across the boundary (panics become
//! errors). A model is used by one thread at a time; [`Api::share`] makes another instance over
//! the same weights for another thread.
//!
//! Besides the table: the [`Precision`]s a model runs at (passed by [`Precision::code`]) with
//! what the processor multiplies natively, and [`CARD_FILE`], the model card both sides read.

#![warn(missing_docs)]

mod precision;
mod table;

pub use precision::{amx_bf16, bf16_native, int8_native, Precision};
pub use table::*;

/// The model card beside a relation model's weights (threshold, input, the text encoder it
/// reads): written by training, read by docgraph and by the plugin.
pub const CARD_FILE: &str = "docgraph.json";
