//! # docgraph
//!
//! Turns a folder of PDFs into a knowledge graph: text per page with lopdf (OCR with Tesseract
//! where a page has no usable text), named entities with a transformer model (rust-bert),
//! relations between entities of a sentence, and a petgraph graph exported as JSON, GraphML and
//! DOT, with a per-document report.
//!
//! ```no_run
//! use docgraph::{CancelFlag, Config, Pipeline};
//!
//! # fn main() -> docgraph::Result<()> {
//! let pipeline = Pipeline::new(Config::new(docgraph::default_model_dir()))?;
//! let out = pipeline.run("fixtures/corpus".as_ref(), None, &CancelFlag::new(), &|_| {})?;
//! println!("{} documents, {} entities", out.report.summary.documents, out.graph.entity_count());
//! docgraph::store::folder::write_outputs("out".as_ref(), &out, &Default::default())?;
//! # Ok(())
//! # }
//! ```
//!
//! The public API: [`Pipeline`] and its [`Config`] run everything; [`record`] holds the plain
//! data that flows between stages (and is kept per document), [`report`] the run's report,
//! [`graph`] the assembled graph and its exports, [`store`] the output folder (atomic writes,
//! the lock, generations, the cache, `results.jsonl`). [`extract`]
//! (PDF text with positions) and [`relations::schema`] (the predicates and the types each
//! joins) can be used on their own; [`KnowledgeGraph::petgraph`] hands the graph to petgraph's
//! algorithms. Modules hidden from these docs (the model runtime's function table, the
//! relation model's plumbing and scorers, the results-file codec) are shared with docgraph's
//! own crates and tests and are not part of the public API.
//!
//! **Native threads.** Tesseract (OpenMP) and OpenBLAS would start threads of their own on top
//! of docgraph's workers; docgraph limits both in-process (no environment variables needed):
//! each worker thread limits OpenMP for itself when it starts, and OpenBLAS is limited as the
//! model runtime loads.
//!
//! **The model runtime.** The models run on libtorch, in a shared library of their own
//! (`libdocgraph_torch.so`, built with docgraph) loaded when the first model instance starts;
//! see [`runtime`] for why and where it is looked for.

#![warn(missing_docs)]

mod cancel;
mod clock;
mod digest;
mod discover;
pub mod error;
pub mod explore;
pub mod extract;
pub mod graph;
#[cfg(test)]
mod layering;
pub mod merge;
mod nlp;
pub mod ocr;
mod pipeline;
mod pool;
pub mod record;
pub mod relations;
pub mod report;
pub mod resolve;
mod run;
pub mod runtime;
pub mod shard;
pub mod store;
pub mod tables;
mod threads;

pub use cancel::CancelFlag;
pub use error::{Error, ErrorKind, Result};
pub use graph::KnowledgeGraph;
pub use pipeline::{default_model_dir, default_model_dir_for, Config, Pipeline, Progress};
pub use record::{DocStatus, DocumentResult, EntityType};
pub use report::RunReport;
pub use run::RunOutput;

/// How a NER model's labelled words become entity spans: shared with training
/// (`docgraph train ner` scores a model as the pipeline reads it).
#[doc(hidden)]
pub mod bio {
    pub use crate::nlp::entities::{merge_bio, EntitySpan, TaggedWord};
}
