//! Entity types: the four the shipped NER model predicts (CoNLL-2003's), and types of the
//! user's own (a gazetteer's `DRUG`, `PRODUCT`, … see [`crate::nlp::gazetteer`]).

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The type of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityType {
    /// Person.
    PER,
    /// Organisation.
    ORG,
    /// Location.
    LOC,
    /// Miscellaneous (nationalities, events, products, …).
    MISC,
    /// A type of the user's own, named in a list of entities (`--entities`).
    Other(Label),
}

/// A name of the user's own: an entity type (`DRUG`, `GENE`, `PRODUCT_LINE`: one to 32
/// characters, upper-case ASCII letters, digits and `_`, starting with a letter; see
/// [`Label::new`]) or a predicate of a trained schema (see [`super::Predicate::Other`]).
/// Interned: a name is stored once for the process, so types and predicates stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(&'static str);

/// Distinct names a process keeps at most (names are interned for good).
const MAX_LABELS: usize = 1024;

impl Label {
    /// The label named `name`, when `name` is a valid entity type name (see [`Label`]).
    pub fn new(name: &str) -> Option<Label> {
        let valid = (1..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return None;
        }
        Label::intern(name)
    }

    /// `name` interned, whatever it is; `None` once the process holds [`MAX_LABELS`] names.
    pub(crate) fn intern(name: &str) -> Option<Label> {
        static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
        let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = names.get(name) {
            return Some(Label(known));
        }
        if names.len() >= MAX_LABELS {
            return None;
        }
        let kept: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(kept);
        Some(Label(kept))
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl EntityType {
    /// The types the shipped NER model predicts, in a fixed order.
    pub const ALL: [EntityType; 4] = [
        EntityType::PER,
        EntityType::ORG,
        EntityType::LOC,
        EntityType::MISC,
    ];

    /// Parses the type part of a model label such as `B-PER` (or `I-DRUG`, of a model trained
    /// with `docgraph train ner`); the flag says whether it begins an entity (`B-`).
    pub fn from_label(label: &str) -> Option<(bool, EntityType)> {
        let (prefix, ty) = label.split_once('-')?;
        if !matches!(prefix, "B" | "I") {
            return None;
        }
        Some((prefix == "B", EntityType::parse(ty)?))
    }

    /// The type named `name`: one of the model's, or a user's type (see [`Label`]).
    pub fn parse(name: &str) -> Option<EntityType> {
        EntityType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .or_else(|| Label::new(name).map(EntityType::Other))
    }

    /// The label as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::PER => "PER",
            EntityType::ORG => "ORG",
            EntityType::LOC => "LOC",
            EntityType::MISC => "MISC",
            EntityType::Other(label) => label.as_str(),
        }
    }
}

impl std::fmt::Display for EntityType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Written as its name everywhere ("PER", "DRUG").
impl Serialize for EntityType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EntityType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        EntityType::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("not an entity type: {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_types_and_user_types_round_trip_by_name() {
        for t in EntityType::ALL {
            assert_eq!(EntityType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<EntityType>(&json).unwrap(), t);
        }
        let drug = EntityType::parse("DRUG").unwrap();
        assert_eq!(drug, EntityType::Other(Label::new("DRUG").unwrap()));
        assert_eq!(drug.as_str(), "DRUG");
        assert_eq!(
            serde_json::from_str::<EntityType>("\"DRUG\"").unwrap(),
            drug
        );
        assert_eq!(
            EntityType::from_label("B-DRUG"),
            Some((true, drug)),
            "a trained model's"
        );
        assert_eq!(EntityType::from_label("X-DRUG"), None);
        assert_eq!(EntityType::from_label("O"), None);
        assert_eq!(
            EntityType::from_label("I-LOC"),
            Some((false, EntityType::LOC))
        );
    }

    #[test]
    fn only_upper_case_names_are_types() {
        for bad in [
            "",
            "drug",
            "Drug",
            "1DRUG",
            "DR UG",
            "DRÜG",
            &"X".repeat(33),
        ] {
            assert_eq!(EntityType::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<EntityType>("\"drug\"").is_err());
        assert!(EntityType::parse("PRODUCT_LINE_2").is_some());
    }
}
