//! The evidence resolution uses, each a small rule that can be tested alone.

use crate::record::EntityType;

/// Why a name belongs to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The entity's canonical name, or a name that normalises to the same key (case,
    /// punctuation, diacritics, possessive, a leading "the", an organisation suffix).
    Normalised,
    /// A surname or first name alone, linked to the one full name it belongs to in the same
    /// document.
    NameInDocument,
    /// A surname or first name alone, linked to the one full name of the corpus that has it.
    NameInCorpus,
    /// An acronym and its expansion ("IBM", "International Business Machines").
    Acronym,
    /// A common short form of a country or union ("U.S.", "United States").
    ShortForm,
    /// The same name with a rarely seen type, merged into its usual type.
    TypeMajority,
}

/// Small words left out when taking a name's initials.
const INITIALS_SKIP: &[&str] = &[
    "of", "and", "the", "for", "de", "du", "der", "la", "le", "&",
];

/// The initials of a multi-word key ("international business machines" → "ibm"), if it has
/// at least two counted words.
pub fn initials(key: &str) -> Option<String> {
    let words: Vec<&str> = key
        .split_whitespace()
        .filter(|w| !INITIALS_SKIP.contains(w))
        .collect();
    (words.len() >= 2).then(|| words.iter().filter_map(|w| w.chars().next()).collect())
}

/// Is this name written like an acronym: 2 to 6 letters, all capitals (dots allowed,
/// "U.S.", "IBM", "NATO")?
pub fn looks_like_acronym(name: &str) -> bool {
    let letters: Vec<char> = name.chars().filter(|c| *c != '.').collect();
    (2..=6).contains(&letters.len())
        && letters
            .iter()
            .all(|c| c.is_alphabetic() && c.is_uppercase())
}

/// Groups of keys that name the same country or union.
const SHORT_FORMS: &[&[&str]] = &[
    &["united states", "us", "usa", "united states of america"],
    &["united kingdom", "uk", "britain", "great britain"],
    &["european union", "eu"],
    &["united nations", "un"],
    &["united arab emirates", "uae"],
    &["soviet union", "ussr"],
];

/// The canonical key of a short-form group the key belongs to.
pub fn short_form(key: &str) -> Option<&'static str> {
    SHORT_FORMS.iter().find(|g| g.contains(&key)).map(|g| g[0])
}

/// May names of these types be one entity through a short form or acronym? Places and
/// organisations are often typed either way ("the U.S." as LOC, "EU" as ORG).
pub fn compatible_for_forms(a: EntityType, b: EntityType) -> bool {
    use EntityType::*;
    a == b || matches!((a, b), (LOC, ORG) | (ORG, LOC))
}

/// A name counts as the canonical one when it is the most frequent; ties go to the longer,
/// then to the first in alphabetical order.
pub fn better_name(a: (&str, usize), b: (&str, usize)) -> bool {
    (a.1, a.0.chars().count(), std::cmp::Reverse(a.0))
        > (b.1, b.0.chars().count(), std::cmp::Reverse(b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_skip_small_words() {
        assert_eq!(
            initials("international business machines").as_deref(),
            Some("ibm")
        );
        assert_eq!(initials("bank of america").as_deref(), Some("ba"));
        assert_eq!(initials("siemens"), None);
    }

    #[test]
    fn acronyms_are_short_and_in_capitals() {
        assert!(
            looks_like_acronym("IBM") && looks_like_acronym("U.S.") && looks_like_acronym("NATO")
        );
        assert!(
            !looks_like_acronym("Ibm")
                && !looks_like_acronym("A")
                && !looks_like_acronym("ABCDEFG")
        );
    }

    #[test]
    fn short_forms_share_a_canonical_key() {
        assert_eq!(short_form("us"), Some("united states"));
        assert_eq!(short_form("united states"), Some("united states"));
        assert_eq!(short_form("britain"), Some("united kingdom"));
        assert_eq!(short_form("germany"), None);
    }

    #[test]
    fn the_most_frequent_then_longest_name_is_canonical() {
        assert!(better_name(("Siemens", 3), ("Siemens AG", 2)));
        assert!(better_name(("Siemens AG", 2), ("Siemens", 2)));
        assert!(better_name(("Abc", 2), ("Abd", 2)));
    }
}
