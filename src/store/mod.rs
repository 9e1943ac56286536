//! The output folder, and everything docgraph keeps between runs: one owner for what lives on
//! disk. Nothing here runs a model or reads a PDF; the pipeline and `merge` hand it finished
//! results.
//!
//! ```text
//! out/                          (the folder given with -o)
//! ├── .docgraph.lock            one run writes here at a time         folder::lock_output_dir
//! ├── graph.json, graph.graphml, graph.dot, graph.html, report.json,
//! │   results.jsonl, tables/…   links into the current generation     folder::write_outputs
//! ├── .current → .generations/N the set a reader sees, switched in one rename
//! ├── .generations/N/           one complete output set a generation  folder (Generation)
//! └── .cache/<fingerprint>/<sha256>.json
//!                               each document's result, kept as soon
//!                               as it is done, reused by later runs   cache::ResultCache
//! ```
//!
//! - [`folder`]: atomic writes (temporary file, flush, rename), the folder's lock, the output
//!   set written as one generation.
//! - `cache`: per-document results kept between runs, keyed by content and checked on read.
//! - [`results`]: `results.jsonl`, every document's result in the output set (what `merge`
//!   reads), with the same per-line checks as cache entries.

pub(crate) mod cache;
pub mod folder;
// The results-file codec: not part of the public API (`merge` reads results files).
#[doc(hidden)]
pub mod results;
