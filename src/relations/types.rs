//! Relations whose ends the document seldom types as their predicate needs.
//!
//! The model reads a pair by the types NER gave its two mentions in that sentence. An entity
//! a long document names often is typed one way most of the time and another way now and
//! then: in Debian's project history, "Debian" is MISC 169 times, ORG 72, LOC 7 and PER 2, and
//! the seven sentences where it was a place gave "Bordeaux Located_In Debian", "Anthony Towns
//! Live_In Debian", and through `Located_In` chains a dozen more. A typed relation is kept
//! only where each end has the type the predicate joins in at least [`MIN_TYPE_SHARE`] of the
//! document's mentions of it ("Adrian Work_For Debian" stays: ORG is 29% of Debian's
//! mentions). An entity named once or twice is typed as it was, so short documents (a news
//! story, an article opening) are left as they are.

use std::collections::HashMap;

use super::schema::Schema;
use crate::record::{EntityType, Mention, RelationMention, Sentence};

/// The share of an entity's mentions in the document that must carry the type a predicate
/// joins.
pub const MIN_TYPE_SHARE: f32 = 0.2;

/// Per entity key, how many of its mentions carry each type (a nationality adjective's also
/// count as the place it names).
fn type_counts(named: &[(usize, Mention)]) -> HashMap<&str, HashMap<EntityType, usize>> {
    let mut counts: HashMap<&str, HashMap<EntityType, usize>> = HashMap::new();
    for (_, m) in named {
        let of_key = counts.entry(m.key.as_str()).or_default();
        *of_key.entry(m.entity_type).or_default() += 1;
        if names_a_country(m) {
            *of_key.entry(EntityType::LOC).or_default() += 1;
        }
    }
    counts
}

/// Whether a mention is a nationality adjective typed miscellaneous ("French", "Soviet"): at
/// the tail of a relation it may be read as the country it names, as in "X, a Soviet pianist"
/// (`Live_In`) or "the French carmaker Renault" (`OrgBased_In`); entity resolution joins it
/// to that country where the corpus names it.
pub(crate) fn names_a_country(m: &Mention) -> bool {
    m.entity_type == EntityType::MISC && crate::resolve::rules::nationality(&m.key).is_some()
}

/// Whether the nationality adjective `country` describes `head` in `sentence`, so that the
/// relation model may read the pair: it stands right before the head's name with at most
/// three lower-case words between ("the French engineer Luc van der Berg", "Soviet pianist
/// Vladimir Ashkenazy"), or after it with a copula or an apposition and an article between
/// ("X (born 1950) is an American actor", "Sirhan Sirhan, a Jordanian"). In "talks with the
/// Swiss unions" it describes no one named.
pub(crate) fn describes(country: &Mention, head: &Mention, sentence: &Sentence) -> bool {
    let chars: Vec<char> = sentence.text.chars().collect();
    let between = |from: usize, to: usize| -> Option<String> {
        let (a, b) = (
            from.checked_sub(sentence.start)?,
            to.checked_sub(sentence.start)?,
        );
        (a <= b && b <= chars.len()).then(|| chars[a..b].iter().collect())
    };
    if country.end <= head.start {
        let Some(gap) = between(country.end, head.start) else {
            return false;
        };
        let words: Vec<&str> = gap.split_whitespace().collect();
        return words.len() <= 3
            && words
                .iter()
                .all(|w| w.chars().all(|c| c.is_lowercase() || c == '-'));
    }
    let Some(gap) = between(head.end, country.start) else {
        return false;
    };
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in gap.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => plain.push_str(" , "),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<String> = plain.split_whitespace().map(str::to_lowercase).collect();
    let link = [",", "is", "was", "became", "a", "an"];
    words.len() <= 4
        && words.last().is_some_and(|w| w == "a" || w == "an")
        && words.iter().all(|w| link.contains(&w.as_str()))
}

/// Drops the typed relations of `relations` whose ends the document's mentions (`named`)
/// seldom type as the predicate needs (see the module's text); co-occurrences, and ends the
/// document does not name (none), are kept.
pub(crate) fn keep_fitting(
    relations: &mut Vec<RelationMention>,
    named: &[(usize, Mention)],
    schema: &Schema,
) {
    let counts = type_counts(named);
    let types_of = |key: &str| -> Option<Vec<EntityType>> {
        let c = counts.get(key)?;
        let total: usize = c.values().sum();
        Some(
            c.iter()
                .filter(|&(_, &n)| n as f32 >= MIN_TYPE_SHARE * total as f32)
                .map(|(&t, _)| t)
                .collect(),
        )
    };
    relations.retain(|r| {
        let Some(predicate) = r.predicate else {
            return true;
        };
        let (Some(heads), Some(tails)) = (types_of(&r.subject), types_of(&r.object)) else {
            return true;
        };
        heads
            .iter()
            .any(|&h| tails.iter().any(|&t| schema.joins(predicate, h, t)))
    });
}

/// Whether a name can be an end of a typed relation: not one word of letters then digits
/// ("Debconf7", "Python3", "Win10"), which names an event, a release or a version, typed as
/// an organisation or a person by the model ("Debconf7 OrgBased_In Edinburgh"); "3M" or
/// "A380 Airbus" are not of that shape.
pub(crate) fn relatable(name: &str) -> bool {
    let letters = name.chars().take_while(|c| c.is_alphabetic()).count();
    let digits = name
        .chars()
        .skip(letters)
        .take_while(char::is_ascii_digit)
        .count();
    name.contains(char::is_whitespace)
        || letters == 0
        || digits == 0
        || letters + digits != name.chars().count()
}

/// Whether a mention names a release: it comes right after a name and a version number
/// ("Debian 3.0 Woody", "Debian 10 Buster"), which the model types as a person or an
/// organisation ("Woody Work_For Debian"). A year is no version ("In 2001 Ben Collins").
pub(crate) fn names_a_release(m: &Mention, sentence: &Sentence) -> bool {
    let Some(at) = m.start.checked_sub(sentence.start) else {
        return false;
    };
    let before: String = sentence.text.chars().take(at).collect();
    let mut words = before.split_whitespace().rev();
    let (Some(number), Some(name)) = (words.next(), words.next()) else {
        return false;
    };
    // A year (four digits, no dot) is no version.
    let year = number.len() == 4 && !number.contains('.');
    let version = !year
        && number
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    version
        && before.ends_with(' ')
        && name.chars().next().is_some_and(char::is_uppercase)
        && name.chars().all(char::is_alphanumeric)
        && !crate::extract::FUNCTION_WORDS.contains(&name.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Basis, TextKind};
    use crate::relations::schema::Predicate;

    fn mention(key: &str, t: EntityType) -> (usize, Mention) {
        (
            0,
            Mention {
                text: key.to_string(),
                entity_type: t,
                key: key.to_string(),
                name: key.to_string(),
                page: 1,
                start: 0,
                end: key.len(),
                score: 0.9,
                inferred: false,
                listed: false,
            },
        )
    }

    fn relation(subject: &str, predicate: Option<Predicate>, object: &str) -> RelationMention {
        RelationMention {
            subject: subject.to_string(),
            object: object.to_string(),
            predicate,
            confidence: Some(0.9),
            page: 1,
            start: 0,
            end: 10,
            subject_span: (0, 1),
            object_span: (2, 3),
            sentence: String::new(),
            kind: TextKind::Prose,
            basis: Basis::Stated,
            premises: Vec::new(),
        }
    }

    #[test]
    fn a_type_the_document_seldom_gives_an_entity_does_not_carry_a_relation() {
        use EntityType::{LOC, MISC, ORG, PER};
        let mut named = vec![
            mention("bordeaux", LOC),
            mention("adrian", PER),
            mention("lyon", LOC),
        ];
        // Debian: mostly MISC, a third ORG, a place once in ten.
        named.extend((0..6).map(|_| mention("debian", MISC)));
        named.extend((0..3).map(|_| mention("debian", ORG)));
        named.push(mention("debian", LOC));
        let mut relations = vec![
            relation("bordeaux", Some(Predicate::LocatedIn), "debian"),
            relation("adrian", Some(Predicate::WorkFor), "debian"),
            relation("bordeaux", Some(Predicate::LocatedIn), "lyon"),
            relation("bordeaux", None, "debian"),
            relation("nobody", Some(Predicate::LiveIn), "lyon"),
        ];
        keep_fitting(&mut relations, &named, &Schema::conll04());
        let kept: Vec<_> = relations
            .iter()
            .map(|r| (r.subject.as_str(), r.predicate, r.object.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("adrian", Some(Predicate::WorkFor), "debian"),
                ("bordeaux", Some(Predicate::LocatedIn), "lyon"),
                ("bordeaux", None, "debian"),
                ("nobody", Some(Predicate::LiveIn), "lyon"),
            ]
        );
    }

    #[test]
    fn a_word_ending_in_a_number_is_no_end_of_a_relation() {
        for name in ["Debconf7", "Debconf12", "Python3", "Win10"] {
            assert!(!relatable(name), "{name}");
        }
        for name in [
            "3M",
            "Airbus A380",
            "B2B",
            "Debian",
            "Windows 10",
            "Debian-7",
        ] {
            assert!(relatable(name), "{name}");
        }
    }

    #[test]
    fn a_name_after_a_version_names_a_release() {
        let at = |text: &str, name: &str| {
            let (sentences, named) = crate::record::testing::document(
                &["Before it.", text],
                &[(1, name, EntityType::PER)],
            );
            names_a_release(&named[0].1, &sentences[1])
        };
        assert!(at(
            "Debian 3.0 Woody (19 July 2002): named for a cowboy.",
            "Woody"
        ));
        assert!(at("Then Debian 10 Buster came.", "Buster"));
        assert!(!at("In 2001 Ben Collins led Debian.", "Ben Collins"));
        assert!(!at("Summer 2001 Ben Collins led Debian.", "Ben Collins"));
        assert!(!at("Ben Collins led Debian.", "Ben Collins"));
        assert!(!at("Debian 3.0, Woody came.", "Woody"));
    }

    #[test]
    fn an_entity_named_once_or_twice_keeps_the_types_it_was_given() {
        use EntityType::{LOC, ORG};
        let named = vec![
            mention("sydney", ORG),
            mention("sydney", LOC),
            mention("acme", ORG),
        ];
        let mut relations = vec![relation("acme", Some(Predicate::OrgBasedIn), "sydney")];
        keep_fitting(&mut relations, &named, &Schema::conll04());
        assert_eq!(relations.len(), 1);
    }
}
