//! A person's title: part of the name where news copy writes it so ("President Kennedy", "Mrs.
//! Higgins", "the Rev. Martin Luther King"), no one of its own where the model took it for a
//! person ("Sen" of "Sen. Jake Garn").
//!
//! Which titles go with the name follows how CoNLL04's annotators (news copy) wrote them, counted
//! on its training split: a courtesy or royal title always (Mr., Mrs., Ms., Miss, Rev., Gen.,
//! King, Prince, Sultan: 50 inside the name, none outside); "President" and "Dr." when the
//! sentence runs on into them, after a lower-case word or a comma ("who killed President
//! Kennedy": 40 inside), not after a capitalised word, at the sentence's start or after "said"
//! ("Soviet President Mikhail Gorbachev", "President Bush announced": 17 outside, 9 inside); an
//! office (Sen., Gov., Judge, Lt., Mayor) never (7 inside, 30 outside). The entity a mention names
//! is keyed without its title ([`crate::nlp::entities::entity_key`]), so "President Kennedy" and
//! "Kennedy" stay one entity.

use super::{EntitySpan, Words, ABBREVIATED_TITLES};
use crate::record::EntityType;

/// Titles that go with the name after them wherever they stand, compared as written without a
/// stop.
const ALWAYS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Miss", "Rev", "Gen", "King", "Queen", "Prince", "Princess", "Sultan",
];

/// Titles that go with the name when the sentence runs on into them.
const RUNNING: &[&str] = &["President", "Dr"];

/// Words after which a title stands outside the name: the speaker of a quotation.
const SPEECH: &[&str] = &["said", "says", "quoted", "told"];

/// Whether `span` is a person of one abbreviated title and its stop ("Sen" of "Sen. Jake
/// Garn", "Rep."); a title joined to its name ("Dr. Lee DeForest") is not alone.
pub(super) fn lone_title(span: &EntitySpan, w: &Words) -> bool {
    if span.entity_type != EntityType::PER {
        return false;
    }
    let text: String = w.chars[span.start..span.end].iter().collect();
    let (bare, stop) = match text.strip_suffix('.') {
        Some(bare) => (bare, true),
        None => (text.as_str(), w.chars.get(span.end) == Some(&'.')),
    };
    stop && ABBREVIATED_TITLES.contains(&bare)
}

/// A person's span with the title before it taken in, as the rules above say; not before
/// `limit`, and only over words outside every span.
pub(super) fn with_title(mut span: EntitySpan, w: &Words, limit: usize) -> EntitySpan {
    if span.entity_type != EntityType::PER {
        return span;
    }
    let Some(first) = w.starting_at(span.start) else {
        return span;
    };
    let free = |i: usize| w.words[i].start >= limit && w.outside(i);
    let Some(prev) = w.prev_before_space(first).filter(|&i| free(i)) else {
        return span;
    };
    // The title's first word: "President", or "Mrs" of "Mrs" + ".".
    let (title, bare) = match w.text(prev).as_str() {
        "." => {
            let Some(t) = prev
                .checked_sub(1)
                .filter(|&t| free(t) && w.words[t].end == w.words[prev].start)
            else {
                return span;
            };
            (t, w.text(t))
        }
        written => (prev, written.trim_end_matches('.').to_string()),
    };
    let takes = if ALWAYS.contains(&bare.as_str()) {
        true
    } else if RUNNING.contains(&bare.as_str()) {
        w.prev_before_space(title)
            .or_else(|| title.checked_sub(1).filter(|&i| w.text(i) == ","))
            .is_some_and(|before| {
                let t = w.text(before);
                t == ","
                    || t.chars().next().is_some_and(char::is_lowercase)
                        && !SPEECH.contains(&t.as_str())
            })
    } else {
        false
    };
    if takes {
        span.start = w.words[title].start;
    }
    span
}

#[cfg(test)]
mod tests {
    use super::super::tests::names;
    use crate::record::EntityType::*;

    #[test]
    fn a_courtesy_or_royal_title_goes_with_the_name() {
        assert_eq!(
            names("said Mrs. Higgins today", &["O", "O", "O", "B-PER", "O"]),
            vec![("Mrs. Higgins".into(), PER)]
        );
        assert_eq!(
            names("Mr Kim asked", &["O", "B-PER", "O"]),
            vec![("Mr Kim".into(), PER)]
        );
        assert_eq!(
            names("met Prince Norodom Sihanouk", &["O", "O", "B-PER", "I-PER"]),
            vec![("Prince Norodom Sihanouk".into(), PER)]
        );
        // Lower case, it is no title: "the king Harald".
        assert_eq!(
            names("the king Harald", &["O", "O", "B-PER"]),
            vec![("Harald".into(), PER)]
        );
    }

    #[test]
    fn president_or_doctor_goes_with_the_name_where_the_sentence_runs_on_into_it() {
        assert_eq!(
            names("who killed President Kennedy", &["O", "O", "O", "B-PER"]),
            vec![("President Kennedy".into(), PER)]
        );
        assert_eq!(
            names(
                "In 1901 , President McKinley died",
                &["O", "O", "O", "O", "B-PER", "O"]
            ),
            vec![("President McKinley".into(), PER)]
        );
        assert_eq!(
            names(
                "pioneer Dr. Lee DeForest",
                &["O", "O", "O", "B-PER", "I-PER"]
            ),
            vec![("Dr. Lee DeForest".into(), PER)]
        );
        // After a nationality, at the start, after "said": outside.
        assert_eq!(
            names("Soviet President Gorbachev", &["B-MISC", "O", "B-PER"]),
            vec![("Soviet".into(), MISC), ("Gorbachev".into(), PER)]
        );
        assert_eq!(
            names("President Bush announced", &["O", "B-PER", "O"]),
            vec![("Bush".into(), PER)]
        );
        assert_eq!(
            names("said Dr. Alain Farley", &["O", "O", "O", "B-PER", "I-PER"]),
            vec![("Alain Farley".into(), PER)]
        );
    }

    #[test]
    fn an_office_stays_outside() {
        assert_eq!(
            names("by Sen. Jake Garn", &["O", "O", "O", "B-PER", "I-PER"]),
            vec![("Jake Garn".into(), PER)]
        );
    }
}
