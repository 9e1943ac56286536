//! Stage 5: the knowledge graph, assembled once from the run's per-document results
//! (`KnowledgeGraph::build`, called by both `ingest` and `merge`).
//!
//! Assembly is a pure function of the set of results: entities are keyed by their normalised
//! name and added in key order, documents in path order, edges in key order. The same
//! documents therefore give the same graph, node ids included, whatever order a parallel run
//! finished them in.

pub mod export;

pub use crate::nlp::entities::entity_key;

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::record::{Basis, DocStatus, DocumentResult, EntityType, Mention};
use crate::relations::schema::Predicate;
use crate::resolve::{resolve, Alias};

/// Head, tail, predicate: what makes two relation mentions the same edge.
type RelationKey = (NodeIndex, NodeIndex, Option<Predicate>);

/// Provenance entries kept per edge; the weight and occurrences still count every one.
pub const MAX_PROVENANCE: usize = 20;

/// An entity node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityNode {
    /// The key of its canonical name (normalised).
    pub key: String,
    /// Canonical name: the most frequent of its fullest forms.
    pub name: String,
    /// Type by majority of mentions.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Every name it was written as (canonical first), with counts and the rule that made
    /// it this entity's.
    pub aliases: Vec<Alias>,
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
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct Provenance {
    /// Document path.
    pub document: String,
    /// 1-based page.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
    /// The head mention in the page text (characters, end exclusive).
    pub subject_span: (usize, usize),
    /// The tail mention in the page text.
    pub object_span: (usize, usize),
    /// The model's probability for the predicate here (`null` for co-occurrence; for an
    /// inferred relation, the product of its premises').
    pub confidence: Option<f32>,
    /// The sentence.
    pub sentence: String,
    /// How it is known here (absent: stated between two names; `reference`: through a
    /// resolved pronoun or description; `chain`: inferred).
    #[serde(skip_serializing_if = "Basis::is_stated")]
    pub basis: Basis,
    /// For an inferred relation, the relations it rests on, with entity names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub premises: Vec<PremiseOut>,
    /// The ends written as a pronoun or description, each as resolved: `"It" = Velmora Tools
    /// (topic)`, the rule in brackets (see `results.jsonl`'s `references`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A relation an inferred one rests on, as exported.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct PremiseOut {
    /// Head entity's name.
    pub subject: String,
    /// The predicate.
    pub predicate: Predicate,
    /// Tail entity's name.
    pub object: String,
    /// 1-based page of its sentence.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
}

/// A relation between two entities: a typed predicate (head → tail), or co-occurrence
/// (`predicate: None`, stored from the lower node id to the higher).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelationEdge {
    /// The predicate, or `None` for co-occurrence in a sentence.
    pub predicate: Option<Predicate>,
    /// Distinct sentences that state it: a sentence repeated word for word (in copies of one
    /// document, or a paragraph printed twice) counts once, so duplicates do not make an edge
    /// look better attested than it is.
    pub weight: usize,
    /// Every occurrence (relation mention), repeats included.
    pub occurrences: usize,
    /// No sentence states it: it follows from others (see the provenance's premises). Where a
    /// sentence states a relation, what is inferred of the same pair is left out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The highest probability the model gave the predicate in any mention (`null` for
    /// co-occurrence).
    pub confidence: Option<f32>,
    /// Where it was read (the first [`MAX_PROVENANCE`] in document order).
    pub provenance: Vec<Provenance>,
}

/// An edge of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edge {
    /// Entity to entity.
    Relation(RelationEdge),
    /// Document to entity: the document mentions it `weight` times.
    Mentions {
        /// Mentions in the document.
        weight: usize,
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
    /// Entities and documents; relations and mentions. Read-only outside the crate
    /// ([`KnowledgeGraph::petgraph`]): the name index below must agree with it.
    pub(crate) graph: DiGraph<Node, Edge>,
    /// Per document, its entity mentions.
    pub documents: Vec<DocumentMentions>,
    by_key: BTreeMap<String, NodeIndex>,
}

impl KnowledgeGraph {
    /// Builds the graph from the documents processed successfully among `results`.
    pub fn build(results: &[DocumentResult]) -> Self {
        let mut ok: Vec<&DocumentResult> = results
            .iter()
            .filter(|r| r.report.status == DocStatus::Ok)
            .collect();
        ok.sort_by(|a, b| a.report.path.cmp(&b.report.path));

        // One real-world entity, one node: resolved over every document at once.
        let mention_lists: Vec<&[Mention]> = ok.iter().map(|r| r.mentions.as_slice()).collect();
        let resolution = resolve(&mention_lists);
        let mut g = DiGraph::new();
        let nodes: Vec<NodeIndex> = resolution
            .entities
            .iter()
            .map(|e| {
                g.add_node(Node::Entity(EntityNode {
                    key: e.key.clone(),
                    name: e.name.clone(),
                    entity_type: e.entity_type,
                    aliases: e.aliases.clone(),
                    mentions: e.mentions,
                    documents: e.documents,
                }))
            })
            .collect();
        // Look-up by any key an entity was reached by; a key shared by homonyms leads to the
        // one with more mentions.
        let mut by_key = BTreeMap::new();
        let mut biggest_first: Vec<usize> = (0..nodes.len()).collect();
        biggest_first.sort_by_key(|&i| (std::cmp::Reverse(resolution.entities[i].mentions), i));
        for i in biggest_first {
            for k in &resolution.entities[i].keys {
                by_key.entry(k.clone()).or_insert(nodes[i]);
            }
        }
        let node_of = |doc: usize, key: &str| -> Option<NodeIndex> {
            resolution
                .local
                .get(&(doc, key.to_string()))
                .map(|&i| nodes[i])
        };

        let mut documents = Vec::with_capacity(ok.len());
        let mut relations: BTreeMap<RelationKey, (usize, Vec<Provenance>)> = BTreeMap::new();
        // Per edge, the distinct sentences (white space folded) that state it, each marked
        // whether it was read there (stated, or through a reference) or inferred.
        let mut stated: BTreeMap<RelationKey, std::collections::BTreeSet<(bool, String)>> =
            BTreeMap::new();
        for (d, r) in ok.iter().enumerate() {
            let doc = g.add_node(Node::Document(DocumentNode {
                path: r.report.path.clone(),
                pages: r.report.pages,
            }));
            let mut counts: BTreeMap<NodeIndex, usize> = BTreeMap::new();
            let mut mentions = Vec::with_capacity(r.mentions.len());
            for m in &r.mentions {
                let e = node_of(d, &m.key).expect("every mention key is resolved");
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
                g.add_edge(doc, e, Edge::Mentions { weight: count });
            }
            documents.push(DocumentMentions {
                path: r.report.path.clone(),
                node: doc.index(),
                mentions,
            });
            for rel in &r.relations {
                let (Some(a), Some(b)) = (node_of(d, &rel.subject), node_of(d, &rel.object)) else {
                    continue;
                };
                if a == b {
                    // Resolution made the two ends one entity.
                    continue;
                }
                // Co-occurrence has no direction: store it one way only.
                let (a, b, sa, sb) = if rel.predicate.is_none() && b < a {
                    (b, a, rel.object_span, rel.subject_span)
                } else {
                    (a, b, rel.subject_span, rel.object_span)
                };
                let name = |key: &str| {
                    node_of(d, key).map_or_else(
                        || key.to_string(),
                        |n| match &g[n] {
                            Node::Entity(e) => e.name.clone(),
                            Node::Document(_) => key.to_string(),
                        },
                    )
                };
                let premises = rel
                    .premises
                    .iter()
                    .map(|p| PremiseOut {
                        subject: name(&p.subject),
                        predicate: p.predicate,
                        object: name(&p.object),
                        page: p.page,
                        start: p.start,
                    })
                    .collect();
                let references = [rel.subject_span, rel.object_span]
                    .iter()
                    .filter_map(|&(start, end)| {
                        r.references
                            .iter()
                            .find(|x| x.page == rel.page && (x.start, x.end) == (start, end))
                    })
                    .map(|x| format!("\"{}\" = {} ({})", x.text, name(&x.key), x.rule.name()))
                    .collect();
                stated.entry((a, b, rel.predicate)).or_default().insert((
                    rel.basis.is_read(),
                    rel.sentence
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                ));
                let entry = relations.entry((a, b, rel.predicate)).or_default();
                entry.0 += 1;
                entry.1.push(Provenance {
                    document: r.report.path.clone(),
                    page: rel.page,
                    start: rel.start,
                    end: rel.end,
                    subject_span: sa,
                    object_span: sb,
                    confidence: rel.confidence,
                    sentence: rel.sentence.clone(),
                    basis: rel.basis,
                    premises,
                    references,
                });
            }
        }
        // A pair joined by a typed relation carries no co-occurrence edge as well: one pair,
        // one kind of edge (readers that load a simple graph see the typed one).
        let typed: std::collections::BTreeSet<(NodeIndex, NodeIndex)> = relations
            .keys()
            .filter(|(_, _, p)| p.is_some())
            .map(|&(a, b, _)| (a.min(b), a.max(b)))
            .collect();
        relations
            .retain(|(a, b, p), _| p.is_some() || !typed.contains(&((*a).min(*b), (*a).max(*b))));
        for ((a, b, predicate), (mut occurrences, mut provenance)) in relations {
            // Read in a sentence somewhere: what is inferred of the pair is not evidence.
            let inferred = provenance.iter().all(|p| !p.basis.is_read());
            if !inferred {
                provenance.retain(|p| p.basis.is_read());
                occurrences = provenance.len();
            }
            let weight = stated.get(&(a, b, predicate)).map_or(occurrences, |s| {
                s.iter().filter(|(read, _)| *read != inferred).count()
            });
            provenance.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
            provenance.dedup();
            let confidence = provenance
                .iter()
                .filter_map(|p| p.confidence)
                .max_by(f32::total_cmp);
            provenance.truncate(MAX_PROVENANCE);
            g.add_edge(
                a,
                b,
                Edge::Relation(RelationEdge {
                    predicate,
                    weight,
                    occurrences,
                    inferred,
                    confidence,
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

    /// The graph itself, for petgraph's algorithms (paths, components, centrality): entity
    /// and document nodes, relation and mention edges. Read-only, so the name index that
    /// [`KnowledgeGraph::entity`] uses always agrees with it.
    pub fn petgraph(&self) -> &DiGraph<Node, Edge> {
        &self.graph
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

    /// Every relation edge with its head and tail entities (co-occurrences included, with
    /// `predicate: None`), in edge order.
    pub fn relations(&self) -> impl Iterator<Item = (&EntityNode, &RelationEdge, &EntityNode)> {
        use petgraph::visit::EdgeRef;
        self.graph.edge_references().filter_map(|e| {
            match (&self.graph[e.source()], e.weight(), &self.graph[e.target()]) {
                (Node::Entity(h), Edge::Relation(r), Node::Entity(t)) => Some((h, r, t)),
                _ => None,
            }
        })
    }

    /// Number of entity nodes.
    pub fn entity_count(&self) -> usize {
        // Nodes, not keys: an entity reached by several keys ("france", "french") is one.
        self.graph
            .node_weights()
            .filter(|n| matches!(n, Node::Entity(_)))
            .count()
    }

    /// Number of typed relation edges (co-occurrences left out).
    pub fn typed_relation_count(&self) -> usize {
        self.graph
            .edge_weights()
            .filter(|e| matches!(e, Edge::Relation(r) if r.predicate.is_some()))
            .count()
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
            listed: false,
        }
    }

    fn doc(path: &str, mentions: Vec<Mention>, relations: Vec<RelationMention>) -> DocumentResult {
        DocumentResult {
            report: DocumentReport::new(path, 1),
            mentions,
            relations,
            sentence_kinds: Vec::new(),
            references: Vec::new(),
            pages: Vec::new(),
        }
    }

    fn rel(s: &str, o: &str, p: Option<Predicate>) -> RelationMention {
        RelationMention {
            subject: s.into(),
            object: o.into(),
            predicate: p,
            confidence: p.map(|_| 0.75),
            subject_span: (0, 2),
            object_span: (5, 7),
            page: 1,
            start: 0,
            end: 10,
            sentence: "x".into(),
            kind: Default::default(),
            basis: Default::default(),
            premises: Vec::new(),
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
                vec![rel("siemens", "munich", Some(Predicate::OrgBasedIn))],
            ),
            doc(
                "a.pdf",
                vec![
                    mention("Siemens", "siemens", EntityType::ORG, 0),
                    mention("Siemens", "siemens", EntityType::MISC, 30),
                    mention("Munich", "munich", EntityType::LOC, 40),
                ],
                vec![
                    rel("siemens", "munich", Some(Predicate::OrgBasedIn)),
                    rel("munich", "siemens", None),
                ],
            ),
        ]
    }

    #[test]
    fn variants_merge_with_majority_type_counts_and_aliases() {
        let kg = KnowledgeGraph::build(&sample());
        let (_, siemens) = kg.entity("Siemens AG").unwrap();
        assert_eq!(siemens.name, "Siemens AG", "the fullest form");
        let aliases: Vec<(&str, usize)> = siemens
            .aliases
            .iter()
            .map(|a| (a.name.as_str(), a.count))
            .collect();
        assert_eq!(aliases, vec![("Siemens AG", 1), ("Siemens", 2)]);
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
            .find(|r| r.predicate == Some(Predicate::OrgBasedIn))
            .unwrap();
        // Both documents state it in the same words: one piece of evidence, two occurrences,
        // and provenance keeps both.
        assert_eq!((based.weight, based.occurrences), (1, 2));
        let docs: Vec<_> = based
            .provenance
            .iter()
            .map(|p| p.document.as_str())
            .collect();
        assert_eq!(docs, vec!["a.pdf", "b.pdf"]);
        assert!(
            rels.iter().all(|r| r.predicate.is_some()),
            "no co-occurrence edge beside the typed relation of the same pair"
        );
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
