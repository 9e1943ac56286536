//! What a run produced: the graph, the report and every document's result. `ingest` and
//! `merge` both end in one, and the store writes it ([`crate::store::folder::write_outputs`]).

use crate::graph::KnowledgeGraph;
use crate::record::DocumentResult;
use crate::report::RunReport;
use crate::shard::Shard;

/// What a run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// The knowledge graph.
    pub graph: KnowledgeGraph,
    /// The report.
    pub report: RunReport,
    /// Per-document results, in path order.
    pub results: Vec<DocumentResult>,
    /// What determines the results (docgraph's version, models, options): outputs with the
    /// same fingerprint can be merged.
    pub fingerprint: String,
    /// The shard processed, when the run was one.
    pub shard: Option<Shard>,
}
