//! The five typed predicates a relation may have (CoNLL04's), with the entity types each joins.
//! Which pairs the model is asked about, and its labels, are the relation stage's
//! ([`crate::relations::schema`]).

use serde::{Deserialize, Serialize};

use super::EntityType;

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
