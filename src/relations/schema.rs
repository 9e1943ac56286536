//! The relation schema: five typed predicates between entity types, and which pairs of types a
//! predicate may join. Pairs whose types fit no predicate are never given to the model.

use crate::record::EntityType;
pub use crate::record::Predicate;

/// Classifier labels: "no relation" then the predicates.
pub const LABELS: usize = 1 + Predicate::ALL.len();

/// Which labels the classifier may give a pair of these types ("no relation" always).
pub fn allowed_labels(head: EntityType, tail: EntityType) -> [bool; LABELS] {
    let mut out = [false; LABELS];
    out[0] = true;
    for p in Predicate::ALL {
        if p.signature() == (head, tail) {
            out[p.label()] = true;
        }
    }
    out
}

/// Can any predicate join a head of type `head` to a tail of type `tail`?
pub fn fits(head: EntityType, tail: EntityType) -> bool {
    Predicate::ALL.iter().any(|p| p.signature() == (head, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::*;

    #[test]
    fn labels_round_trip_and_keep_the_conll04_spelling() {
        for p in Predicate::ALL {
            assert_eq!(Predicate::from_label(p.label()), Some(p));
            assert_eq!(Predicate::parse(p.as_str()), Some(p));
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
        assert_eq!(Predicate::from_label(0), None);
        assert_eq!(Predicate::from_label(LABELS), None);
    }

    #[test]
    fn only_schema_type_pairs_fit_and_only_their_labels_are_allowed() {
        assert!(fits(PER, ORG) && fits(PER, PER) && fits(LOC, LOC));
        assert!(!fits(ORG, PER), "direction matters");
        assert!(!fits(MISC, LOC) && !fits(ORG, ORG));
        let a = allowed_labels(PER, LOC);
        assert!(a[0] && a[Predicate::LiveIn.label()]);
        assert_eq!(a.iter().filter(|x| **x).count(), 2);
        assert_eq!(
            allowed_labels(ORG, ORG),
            [true, false, false, false, false, false]
        );
    }
}
