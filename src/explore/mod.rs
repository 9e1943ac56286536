//! Looking at a graph without another program: `docgraph query` and the offline explorer
//! `graph.html`, both made from `graph.json` alone (no models, no PDFs).
//!
//! [`View`] is the compact form both use: entities with their aliases and documents, relations
//! with their supporting sentences, documents by index. `graph.html` carries it as JSON.

pub(crate) mod html;
pub mod query;

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `graph.json` as read back (the fields the views need).
#[derive(Debug, Deserialize)]
struct GraphFile {
    schema: String,
    nodes: Vec<NodeIn>,
    edges: Vec<EdgeIn>,
}

#[derive(Debug, Deserialize)]
struct NodeIn {
    id: usize,
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    entity_type: String,
    #[serde(default)]
    aliases: Vec<AliasIn>,
    #[serde(default)]
    mentions: usize,
    #[serde(default)]
    path: String,
}

#[derive(Debug, Deserialize)]
struct AliasIn {
    name: String,
    count: usize,
}

#[derive(Debug, Deserialize)]
struct EdgeIn {
    source: usize,
    target: usize,
    kind: String,
    #[serde(default)]
    predicate: Option<String>,
    #[serde(default)]
    weight: usize,
    #[serde(default)]
    confidence: Option<f32>,
    #[serde(default)]
    inferred: bool,
    #[serde(default)]
    provenance: Vec<ProvenanceIn>,
}

#[derive(Debug, Deserialize)]
struct ProvenanceIn {
    document: String,
    page: u32,
    sentence: String,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    premises: Vec<PremiseIn>,
    #[serde(default)]
    references: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PremiseIn {
    subject: String,
    predicate: String,
    object: String,
    page: u32,
}

/// An entity in a view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// Its node id in `graph.json`.
    pub id: usize,
    /// Canonical name.
    pub name: String,
    /// `PER`, `ORG`, `LOC`, `MISC`, or a type of the user's (`--entities`).
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Every form it was written as, with how often, most frequent first.
    pub aliases: Vec<(String, usize)>,
    /// Mentions in all documents.
    pub mentions: usize,
    /// Indices into [`View::documents`] of the documents mentioning it.
    pub documents: Vec<usize>,
}

/// A sentence supporting a relation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Index into [`View::documents`].
    pub document: usize,
    /// Page, from 1.
    pub page: u32,
    /// The sentence.
    pub sentence: String,
    /// `reference` where a pronoun or description stands for an end, `chain` where the
    /// relation is inferred (the sentence is its first premise's); absent when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// For an inferred relation, its premises in words ("Brill Located_In Oakham County,
    /// page 1").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub premises: Vec<String>,
    /// Ends written as a pronoun or description, as resolved (`"It" = Velmora Tools (topic)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A relation in a view, between entities by index into [`View::entities`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    /// Subject (index into `entities`).
    pub source: usize,
    /// Object (index into `entities`).
    pub target: usize,
    /// Predicate; `None` for a co-occurrence.
    pub predicate: Option<String>,
    /// Best confidence of the model.
    pub confidence: Option<f32>,
    /// Sentences reading it.
    pub weight: usize,
    /// No sentence states it: it follows from others.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The sentences kept as evidence.
    pub evidence: Vec<Evidence>,
}

/// The compact view of a graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct View {
    /// Document paths, in path order.
    pub documents: Vec<String>,
    /// Entities, in `graph.json` order.
    pub entities: Vec<Entity>,
    /// Relation edges.
    pub relations: Vec<Relation>,
}

impl View {
    /// The view of the `graph.json` in `out` (an output folder, or the file itself).
    pub fn load(out: &Path) -> Result<View> {
        let path = if out.is_dir() {
            out.join("graph.json")
        } else {
            out.to_path_buf()
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Config(format!(
                    "{} has no graph.json: not a docgraph output folder",
                    out.display()
                ))
            } else {
                Error::io(&path, e)
            }
        })?;
        View::from_json(&bytes).map_err(|e| match e {
            Error::Serialize { message, .. } => Error::Config(format!(
                "{}: not a docgraph graph.json ({message})",
                path.display()
            )),
            e => e,
        })
    }

    /// The view of `graph.json`'s bytes.
    pub fn from_json(bytes: &[u8]) -> Result<View> {
        let g: GraphFile = serde_json::from_slice(bytes).map_err(|e| Error::Serialize {
            what: "graph.json",
            message: e.to_string(),
        })?;
        if !g.schema.starts_with("docgraph.graph/") {
            return Err(Error::Serialize {
                what: "graph.json",
                message: format!("schema {:?}", g.schema),
            });
        }
        let mut view = View::default();
        let max = g.nodes.iter().map(|n| n.id + 1).max().unwrap_or(0);
        // Node id to entity index, or to document index.
        let mut entity_of = vec![None; max];
        let mut document_of = vec![None; max];
        let mut paths: Vec<(String, usize)> = g
            .nodes
            .iter()
            .filter(|n| n.kind == "document")
            .map(|n| (n.path.clone(), n.id))
            .collect();
        paths.sort();
        for (i, (path, id)) in paths.into_iter().enumerate() {
            document_of[id] = Some(i);
            view.documents.push(path);
        }
        for n in g.nodes.iter().filter(|n| n.kind == "entity") {
            entity_of[n.id] = Some(view.entities.len());
            let mut aliases: Vec<(String, usize)> = n
                .aliases
                .iter()
                .map(|a| (a.name.clone(), a.count))
                .collect();
            aliases.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            view.entities.push(Entity {
                id: n.id,
                name: n.name.clone(),
                entity_type: n.entity_type.clone(),
                aliases,
                mentions: n.mentions,
                documents: Vec::new(),
            });
        }
        let doc_index = |path: &str| {
            view.documents
                .binary_search_by(|p| p.as_str().cmp(path))
                .ok()
        };
        let mut relations = Vec::new();
        let mut documents_of: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); view.entities.len()];
        for e in &g.edges {
            let ends = (
                entity_of.get(e.source).copied().flatten(),
                entity_of.get(e.target).copied().flatten(),
            );
            match (e.kind.as_str(), ends) {
                ("mentions", (None, Some(t))) => {
                    if let Some(d) = document_of.get(e.source).copied().flatten() {
                        documents_of[t].insert(d);
                    }
                }
                ("relation", (Some(s), Some(t))) => relations.push(Relation {
                    source: s,
                    target: t,
                    predicate: e.predicate.clone(),
                    confidence: e.confidence,
                    weight: e.weight,
                    inferred: e.inferred,
                    evidence: e
                        .provenance
                        .iter()
                        .filter_map(|p| {
                            Some(Evidence {
                                document: doc_index(&p.document)?,
                                page: p.page,
                                sentence: p.sentence.clone(),
                                basis: p.basis.clone(),
                                references: p.references.clone(),
                                premises: p
                                    .premises
                                    .iter()
                                    .map(|q| {
                                        format!(
                                            "{} {} {}, page {}",
                                            q.subject, q.predicate, q.object, q.page
                                        )
                                    })
                                    .collect(),
                            })
                        })
                        .collect(),
                }),
                _ => {}
            }
        }
        for (e, docs) in view.entities.iter_mut().zip(documents_of) {
            e.documents = docs.into_iter().collect();
        }
        view.relations = relations;
        Ok(view)
    }
}
