//! The relation schema: five typed predicates between entity types, and which pairs of types a
//! predicate may join. Pairs whose types fit no predicate are never given to the model.

use serde::{Deserialize, Serialize};

use crate::record::EntityType;

/// A typed relation between two entities, directed head → tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Predicate {
    /// A person works for an organisation (PER → ORG).
    #[serde(rename = "Work_For")]
    WorkFor,
    /// A person killed a person (PER → PER).
    #[serde(rename = "Kill")]
    Kill,
    /// An organisation is based in a place (ORG → LOC).
    #[serde(rename = "OrgBased_In")]
    OrgBasedIn,
    /// A person lives in a place (PER → LOC).
    #[serde(rename = "Live_In")]
    LiveIn,
    /// A place lies in another place (LOC → LOC).
    #[serde(rename = "Located_In")]
    LocatedIn,
}

impl Predicate {
    /// Every predicate, in the order of the classifier's labels 1..=5 (0 is "no relation").
    pub const ALL: [Predicate; 5] = [
        Predicate::WorkFor,
        Predicate::Kill,
        Predicate::OrgBasedIn,
        Predicate::LiveIn,
        Predicate::LocatedIn,
    ];

    /// The label as written in every output (the CoNLL04 spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Predicate::WorkFor => "Work_For",
            Predicate::Kill => "Kill",
            Predicate::OrgBasedIn => "OrgBased_In",
            Predicate::LiveIn => "Live_In",
            Predicate::LocatedIn => "Located_In",
        }
    }

    /// Parses a label spelled as in [`Predicate::as_str`].
    pub fn parse(label: &str) -> Option<Predicate> {
        Predicate::ALL.into_iter().find(|p| p.as_str() == label)
    }

    /// The head and tail types the predicate joins.
    pub fn signature(self) -> (EntityType, EntityType) {
        use EntityType::*;
        match self {
            Predicate::WorkFor => (PER, ORG),
            Predicate::Kill => (PER, PER),
            Predicate::OrgBasedIn => (ORG, LOC),
            Predicate::LiveIn => (PER, LOC),
            Predicate::LocatedIn => (LOC, LOC),
        }
    }

    /// The classifier's label index (1..=5).
    pub fn label(self) -> usize {
        1 + Predicate::ALL
            .iter()
            .position(|p| *p == self)
            .expect("in ALL")
    }

    /// The predicate of a classifier label index; `None` for 0 ("no relation") or out of range.
    pub fn from_label(label: usize) -> Option<Predicate> {
        label
            .checked_sub(1)
            .and_then(|i| Predicate::ALL.get(i).copied())
    }
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
