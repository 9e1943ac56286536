//! The graph and the documents as tables, for engines that read tables rather than graphs:
//! Parquet (DuckDB, pandas, Polars, Spark) in `OUT/tables/`, and Neo4j's bulk-import CSV in
//! `OUT/neo4j/`.
//!
//! The rows are derived once, here, from the graph and the documents' results; each format
//! only writes them. Ids are the graph's node and edge indices, as in `graph.json`, so a row
//! can be followed into any other output.
//!
//! | table | one row per | provenance |
//! |---|---|---|
//! | `entities` | entity node | `documents`, `mentions` counts; `aliases` |
//! | `relations` | relation edge (typed, or co-occurrence with `predicate` null) | `documents` supporting it |
//! | `evidence` | sentence supporting a relation edge (up to 20 per edge) | `document`, `page`, offsets, `sentence` |
//! | `mentions` | entity mention | `document`, `page`, offsets, `score` |
//! | `documents` | document of the run, processed or not | `sha256`, `status`, `error_kind`, pages |

pub(crate) mod neo4j;
pub(crate) mod parquet;

use petgraph::visit::EdgeRef;

use crate::graph::{Edge, KnowledgeGraph, Node};
use crate::record::DocumentResult;

/// One entity node.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityRow {
    /// Node index in the graph.
    pub id: u64,
    /// Canonical name.
    pub name: String,
    /// `PER`, `ORG`, `LOC`, `MISC`, or a type of the user's (`--entities`).
    pub entity_type: &'static str,
    /// Every form it was written as.
    pub aliases: Vec<String>,
    /// Mentions of it.
    pub mentions: u64,
    /// Documents mentioning it.
    pub documents: u64,
}

/// One relation edge.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationRow {
    /// Edge index in the graph.
    pub id: u64,
    /// Subject entity id.
    pub source_id: u64,
    /// Subject name.
    pub source: String,
    /// Predicate (`Work_For`, …); `None` for a co-occurrence.
    pub predicate: Option<&'static str>,
    /// Object entity id.
    pub target_id: u64,
    /// Object name.
    pub target: String,
    /// Sentences supporting it.
    pub weight: u64,
    /// Best confidence of the model over its sentences (typed relations).
    pub confidence: Option<f32>,
    /// No sentence states it: it follows from others along a `Located_In` chain.
    pub inferred: bool,
    /// Documents of the supporting sentences kept as evidence, in path order.
    pub documents: Vec<String>,
}

/// One supporting sentence of a relation edge.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// The relation's edge id.
    pub relation_id: u64,
    /// Document path (relative to the input folder).
    pub document: String,
    /// Page, from 1.
    pub page: u32,
    /// Character offsets of the sentence in the page text.
    pub start: u64,
    /// End offset (exclusive).
    pub end: u64,
    /// The model's confidence for this sentence.
    pub confidence: Option<f32>,
    /// How the sentence supports it: `stated`, `reference` (through a resolved pronoun or
    /// description) or `chain` (the first premise of an inferred relation).
    pub basis: &'static str,
    /// The sentence.
    pub sentence: String,
}

/// One entity mention.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionRow {
    /// Document path.
    pub document: String,
    /// Page, from 1.
    pub page: u32,
    /// Character offsets in the page text.
    pub start: u64,
    /// End offset (exclusive).
    pub end: u64,
    /// The text as written.
    pub text: String,
    /// Its type.
    pub entity_type: &'static str,
    /// The entity it was resolved to.
    pub entity_id: u64,
    /// The model's score.
    pub score: f32,
    /// Found by propagating a name the model tagged elsewhere in the document.
    pub inferred: bool,
}

/// One document of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// Path relative to the input folder.
    pub path: String,
    /// Content hash, when the file could be read.
    pub sha256: Option<String>,
    /// `ok`, `failed`, `timed_out` or `cancelled`.
    pub status: String,
    /// Why it failed, as a stable kind.
    pub error_kind: Option<String>,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// Pages.
    pub pages: u64,
    /// Of which OCR'd.
    pub ocr_pages: u64,
    /// Sentences.
    pub sentences: u64,
    /// Entity mentions.
    pub mentions: u64,
    /// Bytes.
    pub bytes: u64,
    /// Seconds it took.
    pub seconds: f64,
}

/// Every table of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    /// See [`EntityRow`].
    pub entities: Vec<EntityRow>,
    /// See [`RelationRow`].
    pub relations: Vec<RelationRow>,
    /// See [`EvidenceRow`].
    pub evidence: Vec<EvidenceRow>,
    /// See [`MentionRow`].
    pub mentions: Vec<MentionRow>,
    /// See [`DocumentRow`].
    pub documents: Vec<DocumentRow>,
}

/// A serde enum's name as serialized (`timed_out`, `password_required`).
fn serde_name(v: impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl Tables {
    /// The rows of `kg` and `results`.
    pub fn new(kg: &KnowledgeGraph, results: &[DocumentResult]) -> Tables {
        let g = &kg.graph;
        let mut t = Tables::default();
        let name = |i: petgraph::graph::NodeIndex| match &g[i] {
            Node::Entity(e) => e.name.clone(),
            Node::Document(d) => d.path.clone(),
        };
        for i in g.node_indices() {
            if let Node::Entity(e) = &g[i] {
                t.entities.push(EntityRow {
                    id: i.index() as u64,
                    name: e.name.clone(),
                    entity_type: e.entity_type.as_str(),
                    aliases: e.aliases.iter().map(|a| a.name.clone()).collect(),
                    mentions: e.mentions as u64,
                    documents: e.documents as u64,
                });
            }
        }
        for e in g.edge_references() {
            let Edge::Relation(r) = e.weight() else {
                continue;
            };
            let id = e.id().index() as u64;
            let mut documents: Vec<String> =
                r.provenance.iter().map(|p| p.document.clone()).collect();
            documents.dedup();
            t.relations.push(RelationRow {
                id,
                source_id: e.source().index() as u64,
                source: name(e.source()),
                predicate: r.predicate.map(|p| p.as_str()),
                target_id: e.target().index() as u64,
                target: name(e.target()),
                weight: r.weight as u64,
                confidence: r.confidence,
                inferred: r.inferred,
                documents,
            });
            t.evidence.extend(r.provenance.iter().map(|p| EvidenceRow {
                relation_id: id,
                document: p.document.clone(),
                page: p.page,
                start: p.start as u64,
                end: p.end as u64,
                confidence: p.confidence,
                basis: p.basis.name(),
                sentence: p.sentence.clone(),
            }));
        }
        for d in &kg.documents {
            t.mentions.extend(d.mentions.iter().map(|m| MentionRow {
                document: d.path.clone(),
                page: m.page,
                start: m.start as u64,
                end: m.end as u64,
                text: m.text.clone(),
                entity_type: m.entity_type.as_str(),
                entity_id: m.entity as u64,
                score: m.score,
                inferred: m.inferred,
            }));
        }
        let mut docs: Vec<&DocumentResult> = results.iter().collect();
        docs.sort_by(|a, b| a.report.path.cmp(&b.report.path));
        t.documents = docs
            .into_iter()
            .map(|r| {
                let d = &r.report;
                DocumentRow {
                    path: d.path.clone(),
                    sha256: d.sha256.clone(),
                    status: serde_name(d.status),
                    error_kind: d.error_kind.map(serde_name),
                    error: d.error.clone(),
                    pages: d.pages as u64,
                    ocr_pages: d.ocr_pages.len() as u64,
                    sentences: d.sentences as u64,
                    mentions: d.mentions as u64,
                    bytes: d.bytes,
                    seconds: d.seconds,
                }
            })
            .collect();
        t
    }
}
