//! A wire dateline's source is based where it files from: "LD2804174994 Moscow INTERFAX in
//! English …" and a line that is only "Madrid EFE" say `INTERFAX OrgBased_In Moscow`, `EFE
//! OrgBased_In Madrid`. CoNLL04's annotators marked it in all 94 such datelines of its
//! training and development splits. Such a line is no prose (a code, a place, a source, a
//! language, a time), so the relation model, which reads typed relations from prose only, is
//! never asked about it: the relation is read from the line's shape and stated with
//! [`CONFIDENCE`].

use super::schema::{Predicate, Schema};
use super::Decided;
use crate::nlp::boundaries::code_word;
use crate::record::{EntityType, Mention, Sentence};

/// The confidence given to a source's base read from its dateline.
const CONFIDENCE: f32 = 0.9;

/// Sets `OrgBased_In` from each dateline's source to its place in `decided` (in place of what
/// the model read of the pair either way), where the schema has that predicate; over every
/// sentence group, prose or not (a dateline is not prose).
pub(super) fn state(
    decided: &mut Decided,
    schema: &Schema,
    mentions: &[(usize, Mention)],
    sentences: &[Sentence],
    groups: &[std::ops::Range<usize>],
) {
    if !schema.joins(Predicate::OrgBasedIn, EntityType::ORG, EntityType::LOC) {
        return;
    }
    for range in groups {
        let sentence = &sentences[mentions[range.start].0];
        for (source, place) in datelines(mentions, range.clone(), sentence) {
            decided.remove(&(place, source));
            let e = decided
                .entry((source, place))
                .or_insert((Predicate::OrgBasedIn, CONFIDENCE));
            if e.0 != Predicate::OrgBasedIn {
                *e = (Predicate::OrgBasedIn, CONFIDENCE);
            }
        }
    }
}

/// The (source, place) mention indexes of the datelines among one sentence's mentions
/// (`range`, in offset order): a place and an organisation one space apart, the place right
/// after a story code, or opening a sentence that the organisation ends (or ends but for "in"
/// and a language).
fn datelines(
    mentions: &[(usize, Mention)],
    range: std::ops::Range<usize>,
    sentence: &Sentence,
) -> Vec<(usize, usize)> {
    let chars: Vec<char> = sentence.text.chars().collect();
    let at = |offset: usize| offset.checked_sub(sentence.start);
    let text = |from: usize, to: usize| -> String {
        chars
            .get(from..to)
            .map_or(String::new(), |c| c.iter().collect())
    };
    let mut out = Vec::new();
    for (p, s) in range.clone().zip(range.skip(1)) {
        let (place, source) = (&mentions[p].1, &mentions[s].1);
        if place.entity_type != EntityType::LOC || source.entity_type != EntityType::ORG {
            continue;
        }
        let (Some(p0), Some(p1), Some(s0), Some(s1)) = (
            at(place.start),
            at(place.end),
            at(source.start),
            at(source.end),
        ) else {
            continue;
        };
        if text(p1, s0) != " " {
            continue;
        }
        let before = text(0, p0);
        let after = text(s1, chars.len());
        let after_code = before.split_whitespace().last().is_some_and(code_word);
        let opens = before.trim().is_empty();
        let after_words: Vec<&str> = after.split_whitespace().collect();
        let ends = after.chars().all(|c| !c.is_alphanumeric())
            || after_words.first() == Some(&"in")
                && after_words
                    .get(1)
                    .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
        if after_code || opens && ends {
            out.push((s, p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::testing::document;
    use EntityType::{LOC, ORG};

    fn read(text: &str, names: &[(&str, EntityType)]) -> Vec<(String, String)> {
        let named: Vec<(usize, &str, EntityType)> = names.iter().map(|&(n, t)| (0, n, t)).collect();
        let (sentences, mentions) = document(&[text], &named);
        datelines(&mentions, 0..mentions.len(), &sentences[0])
            .into_iter()
            .map(|(s, p)| (mentions[s].1.text.clone(), mentions[p].1.text.clone()))
            .collect()
    }

    #[test]
    fn a_datelines_source_is_based_in_its_place() {
        assert_eq!(
            read(
                "LD2804174994 Moscow INTERFAX in English 1601 GMT 28 Apr 94",
                &[("Moscow", LOC), ("INTERFAX", ORG)]
            ),
            vec![("INTERFAX".into(), "Moscow".into())]
        );
        assert_eq!(
            read("Madrid EFE", &[("Madrid", LOC), ("EFE", ORG)]),
            vec![("EFE".into(), "Madrid".into())]
        );
        // Running text is no dateline.
        assert!(read(
            "Officials in Boston Acme said so.",
            &[("Boston", LOC), ("Acme", ORG)]
        )
        .is_empty());
        assert!(read("Boston Acme said so.", &[("Boston", LOC), ("Acme", ORG)]).is_empty());
    }
}
