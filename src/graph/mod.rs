//! Stage 5: the knowledge graph, assembled by one writer from per-document results.
//!
//! Assembly is a pure function of the set of results: entities are keyed by their normalised
//! name and added in key order, documents in path order, edges in key order. The same
//! documents therefore give the same graph, node ids included, whatever order a parallel run
//! finished them in.

pub mod export;

pub use crate::nlp::entities::entity_key;

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::record::{DocStatus, DocumentResult, EntityType};

/// Subject, object, predicate: what makes two relation mentions the same edge.
type RelationKey = (NodeIndex, NodeIndex, Option<String>);

/// Provenance entries kept per edge; the weight still counts every occurrence.
pub const MAX_PROVENANCE: usize = 20;

/// An entity node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityNode {
    /// The merge key (normalised name).
    pub key: String,
    /// Canonical name: the most frequent form (the longest on ties).
    pub name: String,
    /// Type by majority of mentions.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Every other form it was written as.
    pub aliases: Vec<String>,
    /// Mentions across all documents.
    pub mentions: usize,
    /// Documents that mention it.
    pub documents: usize,
}

/// A document node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentNode {
    /// Path relative to the input folder.
    pub path: String,
    /// Pages.
    pub pages: usize,
}

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    /// An entity.
    Entity(EntityNode),
    /// A document.
    Document(DocumentNode),
}

/// Where a relation was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Provenance {
    /// Document path.
    pub document: String,
    /// 1-based page.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
    /// The sentence.
    pub sentence: String,
}

/// A relation between two entities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelationEdge {
    /// Verb phrase, or `None` for co-occurrence in a sentence.
    pub predicate: Option<String>,
    /// Occurrences.
    pub weight: usize,
    /// Where it was read (the first [`MAX_PROVENANCE`] in document order).
    pub provenance: Vec<Provenance>,
}

/// An edge of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edge {
    /// Entity to entity.
    Relation(RelationEdge),
    /// Document to entity: the document mentions it `count` times.
    Mentions {
        /// Mentions in the document.
        count: usize,
    },
}

/// A mention as exported per document, pointing at its entity node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionOut {
    /// Surface text as it stands in the document.
    pub text: String,
    /// Type of this mention.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Node id of the entity.
    pub entity: usize,
    /// 1-based page.
    pub page: u32,
    /// First character in the page text.
    pub start: usize,
    /// Character after the last.
    pub end: usize,
    /// Model confidence.
    pub score: f32,
    /// Inferred from the same name elsewhere in the document rather than labelled here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// The mentions of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentMentions {
    /// Path relative to the input folder.
    pub path: String,
    /// Node id of the document.
    pub node: usize,
    /// Mentions in page and offset order.
    pub mentions: Vec<MentionOut>,
}

/// The assembled knowledge graph.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeGraph {
    /// Entities and documents; relations and mentions.
    pub graph: DiGraph<Node, Edge>,
    /// Per document, its entity mentions.
    pub documents: Vec<DocumentMentions>,
    by_key: BTreeMap<String, NodeIndex>,
}

#[derive(Default)]
struct EntityStats {
    types: BTreeMap<EntityType, usize>,
    names: BTreeMap<String, usize>,
    mentions: usize,
    documents: BTreeSet<String>,
}

impl KnowledgeGraph {
    /// Builds the graph from the documents processed successfully among `results`.
    pub fn build(results: &[DocumentResult]) -> Self {
        let mut ok: Vec<&DocumentResult> = results
            .iter()
            .filter(|r| r.report.status == DocStatus::Ok)
            .collect();
        ok.sort_by(|a, b| a.report.path.cmp(&b.report.path));

        let mut stats: BTreeMap<&str, EntityStats> = BTreeMap::new();
        for r in &ok {
            for m in &r.mentions {
                let s = stats.entry(m.key.as_str()).or_default();
                *s.types.entry(m.entity_type).or_default() += 1;
                *s.names.entry(m.name.clone()).or_default() += 1;
                s.mentions += 1;
                s.documents.insert(r.report.path.clone());
            }
        }

        let mut g = DiGraph::new();
        let mut by_key = BTreeMap::new();
        for (key, s) in &stats {
            // Majority type; ties go to the first in PER, ORG, LOC, MISC order.
            let entity_type = s
                .types
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(t, _)| *t)
                .expect("has mentions");
            let name = s
                .names
                .iter()
                .max_by(|a, b| {
                    a.1.cmp(b.1)
                        .then(a.0.len().cmp(&b.0.len()))
                        .then(b.0.cmp(a.0))
                })
                .map(|(n, _)| n.clone())
                .expect("has names");
            let aliases = s.names.keys().filter(|n| **n != name).cloned().collect();
            let idx = g.add_node(Node::Entity(EntityNode {
                key: key.to_string(),
                name,
                entity_type,
                aliases,
                mentions: s.mentions,
                documents: s.documents.len(),
            }));
            by_key.insert(key.to_string(), idx);
        }

        let mut documents = Vec::with_capacity(ok.len());
        let mut relations: BTreeMap<RelationKey, (usize, Vec<Provenance>)> = BTreeMap::new();
        for r in &ok {
            let doc = g.add_node(Node::Document(DocumentNode {
                path: r.report.path.clone(),
                pages: r.report.pages,
            }));
            let mut counts: BTreeMap<NodeIndex, usize> = BTreeMap::new();
            let mut mentions = Vec::with_capacity(r.mentions.len());
            for m in &r.mentions {
                let e = by_key[&m.key];
                *counts.entry(e).or_default() += 1;
                mentions.push(MentionOut {
                    text: m.text.clone(),
                    entity_type: m.entity_type,
                    entity: e.index(),
                    page: m.page,
                    start: m.start,
                    end: m.end,
                    score: m.score,
                    inferred: m.inferred,
                });
            }
            for (e, count) in counts {
                g.add_edge(doc, e, Edge::Mentions { count });
            }
            documents.push(DocumentMentions {
                path: r.report.path.clone(),
                node: doc.index(),
                mentions,
            });
            for rel in &r.relations {
                let (Some(&a), Some(&b)) = (by_key.get(&rel.subject), by_key.get(&rel.object))
                else {
                    continue;
                };
                // Co-occurrence has no direction: store it one way only.
                let (a, b) = if rel.predicate.is_none() && b < a {
                    (b, a)
                } else {
                    (a, b)
                };
                let entry = relations.entry((a, b, rel.predicate.clone())).or_default();
                entry.0 += 1;
                entry.1.push(Provenance {
                    document: r.report.path.clone(),
                    page: rel.page,
                    start: rel.start,
                    end: rel.end,
                    sentence: rel.sentence.clone(),
                });
            }
        }
        for ((a, b, predicate), (weight, mut provenance)) in relations {
            provenance.sort();
            provenance.dedup();
            provenance.truncate(MAX_PROVENANCE);
            g.add_edge(
                a,
                b,
                Edge::Relation(RelationEdge {
                    predicate,
                    weight,
                    provenance,
                }),
            );
        }
        KnowledgeGraph {
            graph: g,
            documents,
            by_key,
        }
    }

    /// The entity with this name (any form it was written as, compared by merge key).
    pub fn entity(&self, name: &str) -> Option<(NodeIndex, &EntityNode)> {
        let key = self.by_key.get(name).or_else(|| {
            [EntityType::ORG, EntityType::PER]
                .iter()
                .find_map(|t| self.by_key.get(&crate::nlp::entities::entity_key(name, *t)))
        })?;
        match &self.graph[*key] {
            Node::Entity(e) => Some((*key, e)),
            Node::Document(_) => None,
        }
    }

    /// All entity nodes.
    pub fn entities(&self) -> impl Iterator<Item = &EntityNode> {
        self.graph.node_weights().filter_map(|n| match n {
            Node::Entity(e) => Some(e),
            Node::Document(_) => None,
        })
    }

    /// Relations from `a` to `b` or `b` to `a`, by entity name.
    pub fn relations_between(&self, a: &str, b: &str) -> Vec<&RelationEdge> {
        let (Some((ia, _)), Some((ib, _))) = (self.entity(a), self.entity(b)) else {
            return Vec::new();
        };
        self.graph
            .edges_connecting(ia, ib)
            .chain(self.graph.edges_connecting(ib, ia))
            .filter_map(|e| match e.weight() {
                Edge::Relation(r) => Some(r),
                Edge::Mentions { .. } => None,
            })
            .collect()
    }

    /// Number of entity nodes.
    pub fn entity_count(&self) -> usize {
        self.by_key.len()
    }

    /// Number of relation edges.
    pub fn relation_count(&self) -> usize {
        self.graph
            .edge_weights()
            .filter(|e| matches!(e, Edge::Relation(_)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{DocumentReport, Mention, RelationMention};

    fn mention(text: &str, key: &str, t: EntityType, start: usize) -> Mention {
        Mention {
            text: text.into(),
            entity_type: t,
            key: key.into(),
            name: text.into(),
            page: 1,
            start,
            end: start + text.len(),
            score: 0.9,
            inferred: false,
        }
    }

    fn doc(path: &str, mentions: Vec<Mention>, relations: Vec<RelationMention>) -> DocumentResult {
        DocumentResult {
            report: DocumentReport::new(path, 1),
            mentions,
            relations,
            pages: Vec::new(),
        }
    }

    fn rel(s: &str, o: &str, p: Option<&str>) -> RelationMention {
        RelationMention {
            subject: s.into(),
            object: o.into(),
            predicate: p.map(Into::into),
            page: 1,
            start: 0,
            end: 10,
            sentence: "x".into(),
        }
    }

    fn sample() -> Vec<DocumentResult> {
        vec![
            doc(
                "b.pdf",
                vec![
                    mention("Siemens AG", "siemens", EntityType::ORG, 0),
                    mention("Munich", "munich", EntityType::LOC, 20),
                ],
                vec![rel("siemens", "munich", Some("is based in"))],
            ),
            doc(
                "a.pdf",
                vec![
                    mention("Siemens", "siemens", EntityType::ORG, 0),
                    mention("Siemens", "siemens", EntityType::MISC, 30),
                    mention("Munich", "munich", EntityType::LOC, 40),
                ],
                vec![
                    rel("siemens", "munich", Some("is based in")),
                    rel("munich", "siemens", None),
                ],
            ),
        ]
    }

    #[test]
    fn variants_merge_with_majority_type_counts_and_aliases() {
        let kg = KnowledgeGraph::build(&sample());
        let (_, siemens) = kg.entity("Siemens AG").unwrap();
        assert_eq!(siemens.name, "Siemens");
        assert_eq!(siemens.aliases, vec!["Siemens AG".to_string()]);
        assert_eq!(siemens.entity_type, EntityType::ORG);
        assert_eq!((siemens.mentions, siemens.documents), (3, 2));
        assert_eq!(kg.entity_count(), 2);
    }

    #[test]
    fn relations_are_weighted_with_provenance() {
        let kg = KnowledgeGraph::build(&sample());
        let rels = kg.relations_between("siemens", "munich");
        let based = rels
            .iter()
            .find(|r| r.predicate.as_deref() == Some("is based in"))
            .unwrap();
        assert_eq!(based.weight, 2);
        let docs: Vec<_> = based
            .provenance
            .iter()
            .map(|p| p.document.as_str())
            .collect();
        assert_eq!(docs, vec!["a.pdf", "b.pdf"]);
        assert!(rels.iter().any(|r| r.predicate.is_none() && r.weight == 1));
    }

    #[test]
    fn result_order_does_not_change_the_graph() {
        let mut rev = sample();
        rev.reverse();
        let a = export::to_json(&KnowledgeGraph::build(&sample())).unwrap();
        let b = export::to_json(&KnowledgeGraph::build(&rev)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn failed_documents_add_nothing() {
        let mut results = sample();
        results[0].report.status = DocStatus::Failed;
        let kg = KnowledgeGraph::build(&results);
        assert_eq!(kg.documents.len(), 1);
        assert_eq!(kg.entity("siemens").unwrap().1.documents, 1);
    }
}
