//! The evidence resolution uses, each a small rule that can be tested alone.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::nlp::entities::entity_key;
use crate::record::EntityType;

/// Why a name belongs to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The entity's canonical name, or a name that normalises to the same key (case,
    /// punctuation, diacritics, possessive, a leading "the", an organisation suffix).
    Normalised,
    /// A name or alias given for the entity in the list of entities (`--entities`).
    Listed,
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
    /// A nationality adjective ("French", "Polish") and the country it names, when the
    /// corpus names that country.
    Nationality,
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

/// The nationality table (`nationalities.tsv`): adjective key → the country's key (its
/// short-form canonical key where it has one, "american" → "united states").
fn nationality_table() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("nationalities.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(adjective, country)| {
                let key = entity_key(country, EntityType::LOC);
                let key = short_form(&key).map(str::to_string).unwrap_or(key);
                (entity_key(adjective, EntityType::MISC), key)
            })
            .collect()
    })
}

/// The key of the country a nationality adjective's key names ("polish" → "poland").
pub fn nationality(key: &str) -> Option<&'static str> {
    nationality_table().get(key).map(String::as_str)
}

/// The states of the United States, keyed.
const US_STATES: &[&str] = &[
    "alabama",
    "alaska",
    "arizona",
    "arkansas",
    "california",
    "colorado",
    "connecticut",
    "delaware",
    "florida",
    "georgia",
    "hawaii",
    "idaho",
    "illinois",
    "indiana",
    "iowa",
    "kansas",
    "kentucky",
    "louisiana",
    "maine",
    "maryland",
    "massachusetts",
    "michigan",
    "minnesota",
    "mississippi",
    "missouri",
    "montana",
    "nebraska",
    "nevada",
    "new hampshire",
    "new jersey",
    "new mexico",
    "new york",
    "north carolina",
    "north dakota",
    "ohio",
    "oklahoma",
    "oregon",
    "pennsylvania",
    "rhode island",
    "south carolina",
    "south dakota",
    "tennessee",
    "texas",
    "utah",
    "vermont",
    "virginia",
    "washington",
    "west virginia",
    "wisconsin",
    "wyoming",
];

/// Whether a place's key names a state of the United States, written out or as a newspaper
/// abbreviates it ("mass", "nc").
pub fn is_state(key: &str) -> bool {
    US_STATES.contains(&key)
        || crate::nlp::boundaries::STATE_ABBREVIATIONS
            .iter()
            .any(|a| a.replace('.', "") == key)
}

/// Whether a place's key names a country of the nationality table (or one of its short
/// forms: "us", "uk").
pub fn is_country(key: &str) -> bool {
    static COUNTRIES: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    let countries = COUNTRIES.get_or_init(|| nationality_table().values().cloned().collect());
    countries.contains(short_form(key).unwrap_or(key))
}

/// May names of these types be one entity through a short form or acronym? Places and
/// organisations are often typed either way ("the U.S." as LOC, "EU" as ORG).
pub fn compatible_for_forms(a: EntityType, b: EntityType) -> bool {
    use EntityType::*;
    a == b || matches!((a, b), (LOC, ORG) | (ORG, LOC))
}

/// A name counts as the canonical one when it is the most frequent; ties go to one not in
/// capitals throughout (a dateline's "KIEL" is "Kiel"), then to the longer, then to the first
/// in alphabetical order.
pub fn better_name(a: (&str, usize), b: (&str, usize)) -> bool {
    let shouted = |s: &str| s.chars().count() > 1 && !s.chars().any(char::is_lowercase);
    (
        a.1,
        !shouted(a.0),
        a.0.chars().count(),
        std::cmp::Reverse(a.0),
    ) > (
        b.1,
        !shouted(b.0),
        b.0.chars().count(),
        std::cmp::Reverse(b.0),
    )
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
    fn nationalities_name_their_country() {
        assert_eq!(nationality("french"), Some("france"));
        assert_eq!(nationality("polish"), Some("poland"));
        assert_eq!(nationality("american"), Some("united states"));
        assert_eq!(nationality("british"), Some("united kingdom"));
        assert_eq!(nationality("south korean"), Some("south korea"));
        assert_eq!(nationality("france"), None);
        assert_eq!(nationality("arab"), None);
        // Every line of the table reads, and no adjective is listed twice.
        let lines: Vec<&str> = include_str!("nationalities.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert!(
            lines.iter().all(|l| l.split('\t').count() == 2),
            "tab-separated pairs"
        );
        assert_eq!(nationality_table().len(), lines.len());
    }

    #[test]
    fn the_most_frequent_then_longest_name_is_canonical() {
        assert!(better_name(("Siemens", 3), ("Siemens AG", 2)));
        assert!(better_name(("Siemens AG", 2), ("Siemens", 2)));
        assert!(better_name(("Abc", 2), ("Abd", 2)));
        assert!(better_name(("Kiel", 1), ("KIEL", 1)));
        assert!(better_name(("KIEL", 2), ("Kiel", 1)));
    }
}
