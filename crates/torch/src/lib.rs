//! # docgraph-torch
//!
//! docgraph's model runtime: everything that needs libtorch. docgraph loads this crate's
//! shared library (`libdocgraph_torch.so`) when its first model instance starts, so that
//! libtorch's half-second start happens off the serial path, or never (see
//! `docgraph::runtime`). The interface between the two is the `docgraph-abi` crate, the only
//! part of docgraph this crate depends on; it implements it in [`ffi`].
//!
//! - [`encoder`]: the BERT encoder both models run at inference, in float32, bfloat16 or int8,
//!   and the relation model's marker stream over the NER pass's text states
//!   ([`encoder::markers`]);
//! - [`heads`]: an encoder with its linear head, read per token (NER) or per entity pair
//!   (relations);
//!
//! Training (the networks as trained, and the program) is in `crates/train`, which depends on
//! both this crate and docgraph.

#![warn(missing_docs)]

pub mod encoder;
mod error;
pub mod ffi;
pub mod heads;

pub use error::{Error, Result};
