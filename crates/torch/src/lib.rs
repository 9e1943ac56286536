//! # docgraph-torch
//!
//! docgraph's model runtime: everything that needs libtorch. docgraph loads this crate's
//! shared library (`libdocgraph_torch.so`) when its first model instance starts, so that
//! libtorch's half-second start happens off the serial path, or never (see
//! `docgraph::runtime`). The interface between the two is `docgraph::runtime::abi`; this crate
//! implements it in [`ffi`].
//!
//! - [`encoder`]: the BERT encoder both models run at inference, in float32, bfloat16 or int8,
//!   and the relation model's marker stream over the NER pass's text states
//!   ([`encoder::markers`]);
//! - [`heads`]: an encoder with its linear head, read per token (NER) or per entity pair
//!   (relations);
//! - [`training`]: the relation networks as trained (rust-bert's BERT; the marker stream), for
//!   `examples/train_relations.rs` and for checking that inference computes the same.

#![warn(missing_docs)]

pub mod encoder;
pub mod ffi;
pub mod heads;
pub mod training;
