//! The graph as CSV files for Neo4j's bulk importer (`neo4j-admin database import full`):
//! `entities.csv` and `documents.csv` (nodes), `relations.csv` and `mentions.csv`
//! (relationships), with the importer's header conventions (`:ID`, `:LABEL`, `:START_ID`,
//! `:END_ID`, `:TYPE`, typed properties such as `mentions:long`, arrays split on `;`).
//!
//! ```text
//! neo4j-admin database import full neo4j \
//!     --nodes=OUT/neo4j/entities.csv --nodes=OUT/neo4j/documents.csv \
//!     --relationships=OUT/neo4j/relations.csv --relationships=OUT/neo4j/mentions.csv
//! ```
//!
//! Node ids are `e<node>` for entities and `d<node>` for documents (`<node>` as in
//! `graph.json`). Entities are labelled `Entity` and their type (`Entity;PER`); typed relations
//! take their predicate in capitals as the relationship type (`WORK_FOR`), co-occurrences
//! `CO_OCCURS_WITH`; documents point to the entities they mention with `MENTIONS`.

use petgraph::visit::EdgeRef;

use super::Tables;
use crate::graph::{Edge, KnowledgeGraph};

/// A CSV field: always quoted, quotes doubled (the importer's default quoting).
fn field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// An array property: values joined by the importer's array delimiter `;` (a `;` inside a
/// value becomes `,`, since the importer cannot escape it).
fn array(values: &[String]) -> String {
    field(
        &values
            .iter()
            .map(|v| v.replace(';', ","))
            .collect::<Vec<_>>()
            .join(";"),
    )
}

/// Every file as (name, bytes).
pub fn files(t: &Tables, kg: &KnowledgeGraph) -> Vec<(&'static str, Vec<u8>)> {
    let mut entities =
        String::from("id:ID,name,type,aliases:string[],mentions:long,documents:long,:LABEL\n");
    for e in &t.entities {
        entities.push_str(&format!(
            "e{},{},{},{},{},{},Entity;{}\n",
            e.id,
            field(&e.name),
            e.entity_type,
            array(&e.aliases),
            e.mentions,
            e.documents,
            e.entity_type
        ));
    }
    let mut documents = String::from("id:ID,path,pages:long,:LABEL\n");
    for d in &kg.documents {
        let pages = t
            .documents
            .binary_search_by(|r| r.path.as_str().cmp(&d.path))
            .map(|i| t.documents[i].pages)
            .unwrap_or(0);
        documents.push_str(&format!(
            "d{},{},{pages},Document\n",
            d.node,
            field(&d.path)
        ));
    }
    let mut relations = String::from(
        ":START_ID,:END_ID,:TYPE,predicate,weight:long,confidence:float,inferred:boolean,documents:string[],sentence\n",
    );
    let mut evidence = t.evidence.iter().peekable();
    for r in &t.relations {
        // The first supporting sentence (evidence rows are grouped by relation, in order).
        let mut sentence = None;
        while let Some(e) = evidence.next_if(|e| e.relation_id <= r.id) {
            if e.relation_id == r.id && sentence.is_none() {
                sentence = Some(e.sentence.as_str());
            }
        }
        relations.push_str(&format!(
            "e{},e{},{},{},{},{},{},{},{}\n",
            r.source_id,
            r.target_id,
            r.predicate
                .map(|p| p.to_uppercase().replace('-', "_"))
                .unwrap_or_else(|| "CO_OCCURS_WITH".into()),
            field(r.predicate.unwrap_or("")),
            r.weight,
            r.confidence.map(|c| c.to_string()).unwrap_or_default(),
            r.inferred,
            array(&r.documents),
            field(sentence.unwrap_or(""))
        ));
    }
    let mut mentions = String::from(":START_ID,:END_ID,:TYPE,count:long\n");
    for e in kg.graph.edge_references() {
        if let Edge::Mentions { weight } = e.weight() {
            mentions.push_str(&format!(
                "d{},e{},MENTIONS,{weight}\n",
                e.source().index(),
                e.target().index()
            ));
        }
    }
    vec![
        ("entities.csv", entities.into_bytes()),
        ("documents.csv", documents.into_bytes()),
        ("relations.csv", relations.into_bytes()),
        ("mentions.csv", mentions.into_bytes()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_arrays_split_on_semicolons() {
        assert_eq!(field("Acme \"Big\" Co"), "\"Acme \"\"Big\"\" Co\"");
        assert_eq!(
            array(&["A".into(), "B;C".into()]),
            "\"A;B,C\"",
            "a delimiter inside a value cannot be escaped"
        );
    }
}
