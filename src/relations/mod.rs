//! Stage 4: relations between the entities of a sentence.
//!
//! - [`schema`]: the typed predicates and the entity types each joins;
//! - [`model`]: the relation classifier (pair encoding, network, loading);
//! - [`eval`]: gold data and scores, for training and tests.

pub mod eval;
pub mod model;
mod phrases;
pub mod schema;

use crate::record::{Mention, RelationMention, Sentence};

/// Relations of one document from its named mentions (each with its sentence index, in
/// sentence order).
pub(crate) fn relate(
    mentions: &[(usize, Mention)],
    sentences: &[Sentence],
) -> Vec<RelationMention> {
    let mut relations = Vec::new();
    for group in mentions.chunk_by(|a, b| a.0 == b.0) {
        let s = &sentences[group[0].0];
        let chars: Vec<char> = s.text.chars().collect();
        let spans: Vec<(usize, usize)> = group
            .iter()
            .map(|(_, m)| (m.start - s.start, m.end - s.start))
            .collect();
        for r in phrases::sentence_relations(&chars, &spans) {
            let (a, b) = (&group[r.subject].1, &group[r.object].1);
            if a.key == b.key {
                continue;
            }
            relations.push(RelationMention {
                subject: a.key.clone(),
                object: b.key.clone(),
                predicate: r.predicate,
                page: a.page,
                start: s.start,
                end: s.end,
                sentence: s.text.clone(),
            });
        }
    }
    relations
}
