//! The relation schema: the predicates a relation model knows (its labels, in order) and the
//! entity types each joins. It is the model's: read from its card (`docgraph.json`,
//! `"schema"`), written there by `docgraph train relations`; a card without one is the shipped
//! model's, CoNLL04's five ([`Schema::conll04`]). Pairs whose types fit no predicate are never
//! given to the model.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::EntityType;
pub use crate::record::Predicate;

/// Predicates a schema holds at most (labels are bits of [`Allowed`]).
pub const MAX_PREDICATES: usize = 63;

/// Entity types a schema holds at most: a packed model's markers are four per type, taken
/// from the vocabulary's 99 unused tokens (`[unused0]`…).
pub const MAX_ENTITY_TYPES: usize = 24;

/// One predicate and the (head, tail) entity types it joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredicateSchema {
    /// The predicate's name.
    pub name: Predicate,
    /// Head and tail types it joins, directed.
    pub joins: Vec<(EntityType, EntityType)>,
}

/// What a relation model knows: its predicates, in label order (label 0 is "no relation",
/// predicate `i` is label `i + 1`), and the entity types its markers stand for, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Entity types the model marks, in marker order.
    pub entity_types: Vec<EntityType>,
    /// Predicates, in label order.
    pub predicates: Vec<PredicateSchema>,
}

/// The labels a pair's types allow, as bits (label 0, "no relation", always).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Allowed(u64);

impl Allowed {
    /// Whether label `label` is allowed.
    pub fn get(self, label: usize) -> bool {
        label < 64 && self.0 & (1 << label) != 0
    }

    /// How many labels are allowed, "no relation" included.
    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// As one flag per label, for `labels` labels.
    pub fn flags(self, labels: usize) -> impl Iterator<Item = bool> {
        (0..labels).map(move |l| self.get(l))
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::conll04()
    }
}

impl Schema {
    /// The shipped model's schema: CoNLL04's five predicates over the NER model's four types.
    pub fn conll04() -> Schema {
        Schema {
            entity_types: EntityType::ALL.to_vec(),
            predicates: Predicate::ALL
                .into_iter()
                .map(|p| PredicateSchema {
                    name: p,
                    joins: p.conll04_signature().into_iter().collect(),
                })
                .collect(),
        }
    }

    /// The schema of a set of examples: every predicate they use with the type pairs it joins
    /// there, CoNLL04's five first in their shipped order, the others by name; entity types the NER model's four first (so markers keep
    /// their shipped places), then the others in order of first use.
    pub fn of_examples<'a>(
        relations: impl IntoIterator<Item = (Predicate, EntityType, EntityType)>,
        types: impl IntoIterator<Item = &'a EntityType>,
    ) -> Result<Schema> {
        let mut entity_types = EntityType::ALL.to_vec();
        let mut predicates: Vec<PredicateSchema> = Vec::new();
        for (p, h, t) in relations {
            let at = match predicates.iter().position(|s| s.name == p) {
                Some(at) => at,
                None => {
                    predicates.push(PredicateSchema {
                        name: p,
                        joins: Vec::new(),
                    });
                    predicates.len() - 1
                }
            };
            if !predicates[at].joins.contains(&(h, t)) {
                predicates[at].joins.push((h, t));
            }
        }
        // CoNLL04's five first, in their labels' order, then the others by name.
        predicates.sort_by_key(|p| p.name);
        let joined: Vec<EntityType> = predicates
            .iter()
            .flat_map(|p| p.joins.iter().flat_map(|&(h, t)| [h, t]))
            .collect();
        for t in types.into_iter().copied().chain(joined) {
            if !entity_types.contains(&t) {
                entity_types.push(t);
            }
        }
        let schema = Schema {
            entity_types,
            predicates,
        };
        schema.check()?;
        Ok(schema)
    }

    /// Checks what a model's labels and markers need: one to [`MAX_PREDICATES`] distinct
    /// predicates, each joining at least one pair of the schema's types, at most
    /// [`MAX_ENTITY_TYPES`] types.
    pub fn check(&self) -> Result<()> {
        let bad = |why: String| Err(Error::Config(format!("relation schema: {why}")));
        if self.predicates.is_empty() || self.predicates.len() > MAX_PREDICATES {
            return bad(format!(
                "{} predicates; a model knows 1 to {MAX_PREDICATES}",
                self.predicates.len()
            ));
        }
        if self.entity_types.len() > MAX_ENTITY_TYPES {
            return bad(format!(
                "{} entity types; a model marks at most {MAX_ENTITY_TYPES}",
                self.entity_types.len()
            ));
        }
        for (i, p) in self.predicates.iter().enumerate() {
            if self.predicates[..i].iter().any(|q| q.name == p.name) {
                return bad(format!("{} is listed twice", p.name));
            }
            if p.joins.is_empty() {
                return bad(format!("{} joins no pair of entity types", p.name));
            }
            for (h, t) in &p.joins {
                if let Some(t) = [h, t].into_iter().find(|t| !self.entity_types.contains(t)) {
                    return bad(format!(
                        "{} joins {t}, which is not among the schema's entity types",
                        p.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Classifier labels: "no relation" and the predicates.
    pub fn labels(&self) -> usize {
        1 + self.predicates.len()
    }

    /// The predicates, in label order.
    pub fn predicates(&self) -> impl Iterator<Item = Predicate> + '_ {
        self.predicates.iter().map(|p| p.name)
    }

    /// The predicate of a classifier label; `None` for 0 ("no relation") or out of range.
    pub fn predicate(&self, label: usize) -> Option<Predicate> {
        label
            .checked_sub(1)
            .and_then(|i| self.predicates.get(i))
            .map(|p| p.name)
    }

    /// The classifier label of `predicate`, when the schema has it.
    pub fn label(&self, predicate: Predicate) -> Option<usize> {
        self.predicates
            .iter()
            .position(|p| p.name == predicate)
            .map(|i| i + 1)
    }

    /// Whether `predicate` may join a head of type `head` to a tail of type `tail`.
    pub fn joins(&self, predicate: Predicate, head: EntityType, tail: EntityType) -> bool {
        self.predicates
            .iter()
            .any(|p| p.name == predicate && p.joins.contains(&(head, tail)))
    }

    /// Which labels the classifier may give a pair of these types ("no relation" always).
    pub fn allowed(&self, head: EntityType, tail: EntityType) -> Allowed {
        let mut bits = 1u64;
        for (i, p) in self.predicates.iter().enumerate() {
            if p.joins.contains(&(head, tail)) {
                bits |= 1 << (i + 1);
            }
        }
        Allowed(bits)
    }

    /// Can any predicate join a head of type `head` to a tail of type `tail`?
    pub fn fits(&self, head: EntityType, tail: EntityType) -> bool {
        self.allowed(head, tail).count() > 1
    }

    /// The index of `t` among the types the model marks (its markers' place).
    pub fn marker_type(&self, t: EntityType) -> Option<usize> {
        self.entity_types.iter().position(|&e| e == t)
    }

    /// The predicate a pair is given: the most probable allowed one, when its probability
    /// reaches `threshold` (`probabilities`: one per label, "no relation" first).
    pub fn decide(&self, probabilities: &[f32], threshold: f32) -> Option<(Predicate, f32)> {
        (1..probabilities.len().min(self.labels()))
            .map(|l| (l, probabilities[l]))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .filter(|(_, p)| *p >= threshold)
            .and_then(|(l, p)| self.predicate(l).map(|pred| (pred, p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::*;

    #[test]
    fn the_shipped_schema_keeps_conll04s_labels_and_spelling() {
        let s = Schema::conll04();
        assert_eq!(s.labels(), 6);
        for (i, p) in Predicate::ALL.into_iter().enumerate() {
            assert_eq!(s.label(p), Some(i + 1));
            assert_eq!(s.predicate(i + 1), Some(p));
        }
        assert_eq!(s.predicate(0), None);
        assert_eq!(s.predicate(6), None);
        assert_eq!(s.marker_type(MISC), Some(3));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["predicates"][0]["name"], "Work_For");
        assert_eq!(json["predicates"][0]["joins"][0][1], "ORG");
        assert_eq!(serde_json::from_value::<Schema>(json).unwrap(), s);
    }

    #[test]
    fn only_schema_type_pairs_fit_and_only_their_labels_are_allowed() {
        let s = Schema::conll04();
        assert!(s.fits(PER, ORG) && s.fits(PER, PER) && s.fits(LOC, LOC));
        assert!(!s.fits(ORG, PER), "direction matters");
        assert!(!s.fits(MISC, LOC) && !s.fits(ORG, ORG));
        let a = s.allowed(PER, LOC);
        assert!(a.get(0) && a.get(s.label(Predicate::LiveIn).unwrap()));
        assert_eq!(a.count(), 2);
        assert_eq!(
            s.allowed(ORG, ORG).flags(6).collect::<Vec<_>>(),
            [true, false, false, false, false, false]
        );
    }

    #[test]
    fn a_users_schema_comes_from_its_examples() {
        let drug = EntityType::parse("DRUG").unwrap();
        let disease = EntityType::parse("DISEASE").unwrap();
        let treats = Predicate::parse("Treats").unwrap();
        let founded = Predicate::parse("Founded_By").unwrap();
        let s = Schema::of_examples(
            [
                (treats, drug, disease),
                (founded, ORG, PER),
                (treats, drug, disease),
            ],
            &[ORG, drug],
        )
        .unwrap();
        assert_eq!(s.predicates().collect::<Vec<_>>(), [founded, treats]);
        assert_eq!(s.entity_types, [PER, ORG, LOC, MISC, drug, disease]);
        assert!(s.fits(drug, disease) && !s.fits(disease, drug) && !s.fits(PER, ORG));
        assert_eq!(s.decide(&[0.2, 0.1, 0.7], 0.5), Some((treats, 0.7)));
        assert_eq!(s.decide(&[0.6, 0.3, 0.1], 0.5), None);
        assert!(Schema::of_examples([], &[]).is_err(), "no predicate");
        let mut twice = s.clone();
        twice.predicates.push(twice.predicates[0].clone());
        assert!(twice.check().is_err());
        let mut unknown = s;
        unknown.entity_types.pop();
        assert!(unknown.check().is_err(), "DISEASE joined but not listed");
    }
}
