//! Exports: JSON (everything, including per-document mentions), GraphML (networkx, Gephi,
//! Cytoscape) and Graphviz DOT.

use std::fmt::Write as _;

use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{DocumentMentions, Edge, KnowledgeGraph, Node};
use crate::error::{Error, Result};

/// Version of the `graph.json` layout.
pub const JSON_SCHEMA: &str = "docgraph.graph/2";

#[derive(Serialize)]
struct JsonNode<'a> {
    id: usize,
    #[serde(flatten)]
    node: &'a Node,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    source: usize,
    target: usize,
    #[serde(flatten)]
    edge: &'a Edge,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    schema: &'static str,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
    documents: &'a [DocumentMentions],
}

/// `graph.json`: nodes, edges, and per document its mentions.
pub fn to_json(kg: &KnowledgeGraph) -> Result<String> {
    let g = &kg.graph;
    let doc = JsonGraph {
        schema: JSON_SCHEMA,
        nodes: g
            .node_indices()
            .map(|i| JsonNode {
                id: i.index(),
                node: &g[i],
            })
            .collect(),
        edges: g
            .edge_references()
            .map(|e| JsonEdge {
                source: e.source().index(),
                target: e.target().index(),
                edge: e.weight(),
            })
            .collect(),
        documents: &kg.documents,
    };
    serde_json::to_string_pretty(&doc).map_err(|e| Error::Serialize {
        what: "graph.json",
        message: e.to_string(),
    })
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `graph.graphml`: typed attributes for nodes and edges.
pub fn to_graphml(kg: &KnowledgeGraph) -> String {
    let g = &kg.graph;
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    for (id, target, name, ty) in [
        ("kind", "node", "kind", "string"),
        ("label", "node", "label", "string"),
        ("etype", "node", "type", "string"),
        ("aliases", "node", "aliases", "string"),
        ("mentions", "node", "mentions", "int"),
        ("documents", "node", "documents", "int"),
        ("pages", "node", "pages", "int"),
        ("ekind", "edge", "kind", "string"),
        ("predicate", "edge", "predicate", "string"),
        ("confidence", "edge", "confidence", "double"),
        ("weight", "edge", "weight", "double"),
        ("inferred", "edge", "inferred", "boolean"),
        ("sources", "edge", "sources", "string"),
        ("provenance", "edge", "provenance", "string"),
    ] {
        let _ = writeln!(
            s,
            "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        );
    }
    s.push_str("  <graph id=\"docgraph\" edgedefault=\"directed\">\n");
    let data = |s: &mut String, key: &str, value: &str| {
        let _ = writeln!(s, "      <data key=\"{key}\">{}</data>", xml_escape(value));
    };
    for i in g.node_indices() {
        let _ = writeln!(s, "    <node id=\"n{}\">", i.index());
        match &g[i] {
            Node::Entity(e) => {
                data(&mut s, "kind", "entity");
                data(&mut s, "label", &e.name);
                data(&mut s, "etype", e.entity_type.as_str());
                let names: Vec<&str> = e.aliases.iter().map(|a| a.name.as_str()).collect();
                data(&mut s, "aliases", &names.join("; "));
                data(&mut s, "mentions", &e.mentions.to_string());
                data(&mut s, "documents", &e.documents.to_string());
            }
            Node::Document(d) => {
                data(&mut s, "kind", "document");
                data(&mut s, "label", &d.path);
                data(&mut s, "pages", &d.pages.to_string());
            }
        }
        s.push_str("    </node>\n");
    }
    for e in g.edge_references() {
        let _ = writeln!(
            s,
            "    <edge id=\"e{}\" source=\"n{}\" target=\"n{}\">",
            e.id().index(),
            e.source().index(),
            e.target().index()
        );
        match e.weight() {
            Edge::Relation(r) => {
                // A typed relation carries its predicate and confidence; a co-occurrence has
                // neither, as in graph.json (`predicate: null`).
                match r.predicate {
                    Some(p) => {
                        data(&mut s, "ekind", "relation");
                        data(&mut s, "predicate", p.as_str());
                    }
                    None => data(&mut s, "ekind", "cooccurrence"),
                }
                if let Some(c) = r.confidence {
                    data(&mut s, "confidence", &format!("{c:.4}"));
                }
                data(&mut s, "weight", &r.weight.to_string());
                if r.inferred {
                    data(&mut s, "inferred", "true");
                }
                let mut docs: Vec<&str> =
                    r.provenance.iter().map(|p| p.document.as_str()).collect();
                docs.dedup();
                data(&mut s, "sources", &docs.join("; "));
                // The same records as graph.json's, as a JSON string (GraphML has no lists).
                let provenance = serde_json::to_string(&r.provenance).unwrap_or_default();
                data(&mut s, "provenance", &provenance);
            }
            Edge::Mentions { weight: count } => {
                data(&mut s, "ekind", "mentions");
                data(&mut s, "weight", &count.to_string());
            }
        }
        s.push_str("    </edge>\n");
    }
    s.push_str("  </graph>\n</graphml>\n");
    s
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// `graph.dot`: entities coloured by type, documents as boxes.
pub fn to_dot(kg: &KnowledgeGraph) -> String {
    let g = &kg.graph;
    let mut s = String::from("digraph docgraph {\n  graph [overlap=false];\n  node [style=filled, fontname=\"Helvetica\"];\n");
    for i in g.node_indices() {
        let (label, attrs) = match &g[i] {
            Node::Entity(e) => {
                let color = match e.entity_type {
                    crate::record::EntityType::PER => "#a6cee3",
                    crate::record::EntityType::ORG => "#b2df8a",
                    crate::record::EntityType::LOC => "#fdbf6f",
                    crate::record::EntityType::MISC => "#cab2d6",
                    // A user's type: a colour of a second palette, by its name.
                    crate::record::EntityType::Other(label) => {
                        const EXTRA: [&str; 6] = [
                            "#ffffb3", "#fb8072", "#80b1d3", "#fccde5", "#bebada", "#ccebc5",
                        ];
                        let hash = label
                            .as_str()
                            .bytes()
                            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                            });
                        EXTRA[(hash % EXTRA.len() as u64) as usize]
                    }
                };
                (
                    format!("{} ({})", e.name, e.entity_type.as_str()),
                    format!("shape=ellipse, fillcolor=\"{color}\""),
                )
            }
            Node::Document(d) => (
                d.path.clone(),
                "shape=box, fillcolor=\"#eeeeee\"".to_string(),
            ),
        };
        let _ = writeln!(
            s,
            "  n{} [label=\"{}\", {attrs}];",
            i.index(),
            dot_escape(&label)
        );
    }
    for e in g.edge_references() {
        let attrs = match e.weight() {
            Edge::Relation(r) => match (r.predicate, r.confidence) {
                (Some(p), c) => format!(
                    "label=\"{} {:.2}\", weight={}{}",
                    p.as_str(),
                    c.unwrap_or(1.0),
                    r.weight,
                    if r.inferred { ", style=dotted" } else { "" }
                ),
                (None, _) => format!(
                    "weight={}, dir=none, style=dashed, color=\"#999999\"",
                    r.weight
                ),
            },
            Edge::Mentions { weight: count } => {
                format!("weight={count}, color=\"#bbbbbb\", arrowhead=none")
            }
        };
        let _ = writeln!(
            s,
            "  n{} -> n{} [{attrs}];",
            e.source().index(),
            e.target().index()
        );
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_covers_markup_and_forbidden_characters() {
        assert_eq!(
            xml_escape("AT&T <\"x\"> 'y'\u{1}"),
            "AT&amp;T &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
    }

    #[test]
    fn dot_labels_are_escaped() {
        assert_eq!(dot_escape("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
    }
}
