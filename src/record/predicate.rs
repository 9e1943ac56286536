//! Predicates: the five CoNLL04 relations the shipped model knows, and predicates of a user's
//! own schema (a model trained with `docgraph train relations`). Which predicates a run knows,
//! and the entity types each joins, is the loaded model's schema
//! ([`crate::relations::schema::Schema`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::entity_type::Label;
use super::EntityType;

/// A typed relation between two entities, directed head → tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Predicate {
    /// A person works for an organisation (PER → ORG).
    WorkFor,
    /// A person killed a person (PER → PER).
    Kill,
    /// An organisation is based in a place (ORG → LOC).
    OrgBasedIn,
    /// A person lives in a place (PER → LOC).
    LiveIn,
    /// A place lies in another place (LOC → LOC).
    LocatedIn,
    /// A predicate of a user's schema (`Treats`, `Founded_By`): 1 to 48 ASCII letters, digits,
    /// `_` or `-`, starting with a letter.
    Other(Label),
}

impl Predicate {
    /// The five predicates of the shipped model (CoNLL04's), in the order of its labels 1..=5
    /// (0 is "no relation").
    pub const ALL: [Predicate; 5] = [
        Predicate::WorkFor,
        Predicate::Kill,
        Predicate::OrgBasedIn,
        Predicate::LiveIn,
        Predicate::LocatedIn,
    ];

    /// The name as written in every output (CoNLL04's spelling for the five).
    pub fn as_str(self) -> &'static str {
        match self {
            Predicate::WorkFor => "Work_For",
            Predicate::Kill => "Kill",
            Predicate::OrgBasedIn => "OrgBased_In",
            Predicate::LiveIn => "Live_In",
            Predicate::LocatedIn => "Located_In",
            Predicate::Other(name) => name.as_str(),
        }
    }

    /// The predicate named `name`: one of the five, or a user's (see [`Predicate::Other`]).
    pub fn parse(name: &str) -> Option<Predicate> {
        if let Some(p) = Predicate::ALL.into_iter().find(|p| p.as_str() == name) {
            return Some(p);
        }
        let valid = (1..=48).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        valid
            .then(|| Label::intern(name))
            .flatten()
            .map(Predicate::Other)
    }

    /// The head and tail types one of the five joins in the shipped model's schema; `None` for
    /// a user's predicate (its schema says).
    pub fn conll04_signature(self) -> Option<(EntityType, EntityType)> {
        use EntityType::*;
        match self {
            Predicate::WorkFor => Some((PER, ORG)),
            Predicate::Kill => Some((PER, PER)),
            Predicate::OrgBasedIn => Some((ORG, LOC)),
            Predicate::LiveIn => Some((PER, LOC)),
            Predicate::LocatedIn => Some((LOC, LOC)),
            Predicate::Other(_) => None,
        }
    }
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Written as its name everywhere ("Work_For", "Treats").
impl Serialize for Predicate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Predicate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Predicate::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("not a predicate name: {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_and_a_users_predicates_round_trip_by_name() {
        for p in Predicate::ALL {
            assert_eq!(Predicate::parse(p.as_str()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Predicate>(&json).unwrap(), p);
        }
        let treats = Predicate::parse("Treats").unwrap();
        assert!(matches!(treats, Predicate::Other(_)));
        assert_eq!(treats.as_str(), "Treats");
        assert_eq!(
            serde_json::from_str::<Predicate>("\"Treats\"").unwrap(),
            treats
        );
        assert_eq!(treats.conll04_signature(), None);
        for bad in ["", "1x", "has space", "ü", &"x".repeat(49)] {
            assert_eq!(Predicate::parse(bad), None, "{bad:?}");
        }
    }
}
