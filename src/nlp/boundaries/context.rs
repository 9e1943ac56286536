//! Names the words around them settle, in news copy: a wire code is no name, a state's
//! postal abbreviation after a city makes both places, and a wire service in a dateline's
//! parentheses is an organisation.
//!
//! - **codes**: a word of six or more digits and no lower-case letter (a wire service's story
//!   code, "PA2904034294"; a number) is never part of a name: the model opens a dateline's
//!   place on it ("PA2904034294 Guatemala City");
//! - **city and state**: "Chisholm, Minn.", "Bethany, Conn.": a state's postal abbreviation
//!   right after a name and a comma is a place, and so is that name unless it is a person of
//!   two or more words (the uncased model reads "Minn" and "Chisholm" as persons);
//! - **wire datelines**: after a code, or alone on their line, a place and the source run
//!   together ("FL2706231194 Havana Radio Reloj Network", "Moscow INTERFAX", "Madrid EFE"):
//!   the name is cut before the source's first word written in capitals or naming a
//!   broadcaster, the place before it;
//! - **wire services**: "DAYTON, Ohio (AP)": a wire service's name alone in parentheses is the
//!   organisation, not a place;
//! - **birthplaces**: a place someone was born in, written as a city and its state or country
//!   ("was born in Lubbock, Texas", "born on Feb. 5, 1907, in Portland, Ore."), is one place,
//!   as is "Washington, D.C." anywhere. News copy writes a birthplace so, and CoNLL04's
//!   annotators made every one of its 69 such birthplaces one name (and split 134 of 165 other
//!   "city, state" pairs into two, which stay two here).

use super::words::STATE_ABBREVIATIONS;
use super::Words;
use crate::nlp::entities::EntitySpan;
use crate::record::EntityType;

/// News agencies whose name stands in parentheses in a dateline ("KIEL, Germany (Reuters)"),
/// as written.
const WIRE_SERVICES: &[&str] = &[
    "AAP",
    "AFP",
    "ANSA",
    "AP",
    "APA",
    "BTA",
    "CTK",
    "DPA",
    "EFE",
    "INTERFAX",
    "ITAR-TASS",
    "Interfax",
    "KYODO",
    "Kyodo",
    "MENA",
    "MTI",
    "PAP",
    "PTI",
    "Reuters",
    "REUTERS",
    "TASS",
    "TANJUG",
    "Tanjug",
    "UPI",
    "XINHUA",
    "Xinhua",
    "YONHAP",
    "Yonhap",
    "dpa",
];

/// Whether `word` is a code or a number of six digits or more, with no lower-case letter.
pub(crate) fn code_word(word: &str) -> bool {
    word.chars().filter(char::is_ascii_digit).count() >= 6 && !word.chars().any(char::is_lowercase)
}

/// Words that open a broadcaster's name in a wire dateline.
const BROADCASTERS: &[&str] = &["Radio", "Television", "TV", "Kanal"];

/// `spans` without code words at their edges (a span that is only code words is dropped).
pub(super) fn without_codes(spans: Vec<EntitySpan>, w: &Words) -> Vec<EntitySpan> {
    spans
        .into_iter()
        .filter_map(|span| trimmed(span, w))
        .collect()
}

/// `spans` with each wire dateline's place and source cut apart (see the module docs); after
/// the joins, which may have run them together ("Moscow" + "ITAR-TASS").
pub(super) fn datelines(spans: Vec<EntitySpan>, w: &Words) -> Vec<EntitySpan> {
    spans
        .into_iter()
        .flat_map(|span| dateline(span, w))
        .collect()
}

/// A span after a code word cut into place and source, if it holds both.
fn dateline(span: EntitySpan, w: &Words) -> Vec<EntitySpan> {
    let inside = w.inside(&span);
    let after_code = inside
        .first()
        .and_then(|&i| i.checked_sub(1))
        .is_some_and(|p| code_word(&w.text(p)));
    let capitals = |i: usize| {
        let t = w.text(i);
        t.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !t.chars().any(char::is_lowercase)
    };
    let cut = inside.iter().skip(1).position(|&i| {
        w.prev_before_space(i).is_some()
            && (capitals(i) || BROADCASTERS.contains(&w.text(i).as_str()))
    });
    // A dateline on a line of its own ("Madrid EFE", "Riga Radio Riga Network"): the name
    // opens the sentence and ends it, and its source is a wire service or a broadcaster.
    let alone = inside.first() == Some(&0)
        && w.chars[span.end..].iter().all(|c| !c.is_alphanumeric())
        && inside.iter().skip(1).any(|&i| {
            let t = w.text(i);
            WIRE_SERVICES.contains(&t.as_str()) || BROADCASTERS.contains(&t.as_str())
        });
    let (true, Some(cut)) = ((after_code || alone) && !capitals(inside[0]), cut) else {
        return vec![span];
    };
    let source = inside[cut + 1];
    let place = EntitySpan {
        end: w.words[source - 1].end,
        entity_type: EntityType::LOC,
        ..span.clone()
    };
    let source = EntitySpan {
        start: w.words[source].start,
        entity_type: EntityType::ORG,
        ..span
    };
    vec![place, source]
}

/// `span` without code words at its edges; `None` when it is only code words.
fn trimmed(mut span: EntitySpan, w: &Words) -> Option<EntitySpan> {
    let inside = w.inside(&span);
    if inside.is_empty() {
        return Some(span);
    }
    let code = |i: &usize| code_word(&w.text(*i));
    let first = inside.iter().position(|i| !code(i))?;
    let last = inside.iter().rposition(|i| !code(i))?;
    span.start = span.start.max(w.words[inside[first]].start);
    span.end = span.end.min(w.words[inside[last]].end);
    Some(span)
}

/// Sets the types the context settles (see the module docs) on finished `spans`, in order.
pub(super) fn settle_types(spans: &mut [EntitySpan], w: &Words) {
    for k in 0..spans.len() {
        let text: String = w.chars[spans[k].start..spans[k].end].iter().collect();
        let bare = text.trim_end_matches('.').to_lowercase();
        if STATE_ABBREVIATIONS.contains(&bare.as_str()) {
            let after_comma = k > 0 && w.between(spans[k - 1].end, spans[k].start).trim() == ",";
            if after_comma {
                spans[k].entity_type = EntityType::LOC;
                let city = &mut spans[k - 1];
                let words = w.between(city.start, city.end).split_whitespace().count();
                if !(city.entity_type == EntityType::PER && words >= 2) {
                    city.entity_type = EntityType::LOC;
                }
            }
        }
        if WIRE_SERVICES.contains(&text.as_str()) {
            let before = w.between(0, spans[k].start);
            let after: String = w.chars[spans[k].end..].iter().collect();
            if before.trim_end().ends_with('(') && after.trim_start().starts_with(')') {
                spans[k].entity_type = EntityType::ORG;
            }
        }
    }
}

/// Words before "in" or "near" within which a "born" makes the place a birthplace.
const BORN_WITHIN: usize = 8;

/// Finished `spans` with each birthplace written as a place, a comma and its state or country
/// joined into one place, and "Washington, D.C." likewise (see the module docs).
pub(super) fn birthplaces(spans: Vec<EntitySpan>, w: &Words) -> Vec<EntitySpan> {
    let mut out: Vec<EntitySpan> = Vec::with_capacity(spans.len());
    for span in spans {
        let joins = out.last().is_some_and(|city| {
            let places = city.entity_type == EntityType::LOC && span.entity_type == EntityType::LOC;
            let comma = w.between(city.end, span.start).trim() == ",";
            let district = w.between(span.start, span.end).trim_end_matches('.') == "D.C";
            places && comma && (district || born_in(city.start, w))
        });
        match out.last_mut() {
            Some(city) if joins => city.end = span.end,
            _ => out.push(span),
        }
    }
    out
}

/// Whether the text before character `at` ends on "in" or "near" with "born" at most
/// [`BORN_WITHIN`] words before it.
fn born_in(at: usize, w: &Words) -> bool {
    let before = w.between(0, at);
    let mut words = before.split_whitespace().rev();
    matches!(words.next(), Some("in" | "near")) && words.take(BORN_WITHIN).any(|x| x == "born")
}

#[cfg(test)]
mod tests {
    use super::super::tests::names;
    use crate::record::EntityType::*;

    #[test]
    fn a_wire_code_is_no_name_and_a_dateline_parts_place_and_source() {
        assert_eq!(
            names(
                "PA2904034294 Guatemala City Teleonce Television in Spanish",
                &["B-MISC", "B-LOC", "I-LOC", "B-ORG", "O", "O", "B-MISC"]
            ),
            vec![
                ("Guatemala City".into(), LOC),
                ("Teleonce Television".into(), ORG),
                ("Spanish".into(), MISC)
            ]
        );
        assert_eq!(
            names(
                "LD2804174994 Moscow INTERFAX in English",
                &["O", "B-ORG", "I-ORG", "O", "B-MISC"]
            ),
            vec![
                ("Moscow".into(), LOC),
                ("INTERFAX".into(), ORG),
                ("English".into(), MISC)
            ]
        );
        assert_eq!(
            names(
                "FL2706231194 Havana Radio Reloj Network in Spanish",
                &["O", "B-LOC", "I-LOC", "I-LOC", "I-LOC", "O", "B-MISC"]
            ),
            vec![
                ("Havana".into(), LOC),
                ("Radio Reloj Network".into(), ORG),
                ("Spanish".into(), MISC)
            ]
        );
        // Alone on its line, a dateline parts too; its city in capitals is one name.
        assert_eq!(
            names("Madrid EFE", &["B-ORG", "I-ORG"]),
            vec![("Madrid".into(), LOC), ("EFE".into(), ORG)]
        );
        assert_eq!(
            names(
                "Riga Radio Riga Network",
                &["B-ORG", "I-ORG", "I-ORG", "I-ORG"]
            ),
            vec![("Riga".into(), LOC), ("Radio Riga Network".into(), ORG)]
        );
        assert_eq!(
            names("Moscow ITAR-TASS", &["B-LOC", "B-LOC", "I-LOC", "I-LOC"]),
            vec![("Moscow".into(), LOC), ("ITAR-TASS".into(), ORG)]
        );
        assert_eq!(
            names("NEW YORK ( AP )", &["B-LOC", "B-ORG", "O", "B-ORG", "O"]),
            vec![("NEW YORK".into(), LOC), ("AP".into(), ORG)]
        );
        // No code before it: a name in capitals stays whole.
        assert_eq!(
            names(
                "at Deutsche Bank AG today",
                &["O", "B-ORG", "I-ORG", "I-ORG", "O"]
            ),
            vec![("Deutsche Bank AG".into(), ORG)]
        );
    }

    #[test]
    fn a_city_and_its_states_abbreviation_are_places() {
        assert_eq!(
            names(
                "a native of Chisholm, Minn., said",
                &["O", "O", "O", "B-PER", "O", "B-PER", "O", "O", "O"]
            ),
            vec![("Chisholm".into(), LOC), ("Minn.".into(), LOC)]
        );
        // A person's whole name before it stays a person.
        assert_eq!(
            names(
                "by John Smith, Tex., who",
                &["O", "B-PER", "I-PER", "O", "B-PER", "O", "O", "O"]
            ),
            vec![("John Smith".into(), PER), ("Tex.".into(), LOC)]
        );
    }

    #[test]
    fn a_birthplace_written_with_its_state_is_one_place() {
        assert_eq!(
            names(
                "Hoover was born in West Branch, Iowa.",
                &["B-PER", "O", "O", "O", "B-LOC", "I-LOC", "O", "B-LOC", "O"]
            ),
            vec![("Hoover".into(), PER), ("West Branch, Iowa".into(), LOC)]
        );
        assert_eq!(
            names(
                "hanged in Washington, D.C., after",
                &["O", "O", "B-LOC", "O", "B-LOC", "I-LOC", "I-LOC", "I-LOC", "O", "O"]
            ),
            vec![("Washington, D.C.".into(), LOC)]
        );
        // Anywhere else a city and its state are two places.
        assert_eq!(
            names(
                "He lives in Salida, Colorado.",
                &["O", "O", "O", "B-LOC", "O", "B-LOC", "O"]
            ),
            vec![("Salida".into(), LOC), ("Colorado".into(), LOC)]
        );
    }

    #[test]
    fn a_wire_service_in_a_datelines_parentheses_is_an_organisation() {
        assert_eq!(
            names(
                "DAYTON, Ohio (AP)",
                &["B-LOC", "O", "B-LOC", "O", "B-LOC", "O"]
            ),
            vec![
                ("DAYTON".into(), LOC),
                ("Ohio".into(), LOC),
                ("AP".into(), ORG)
            ]
        );
        // Another name in parentheses keeps its type.
        assert_eq!(
            names("in Paris (France)", &["O", "B-LOC", "O", "B-LOC", "O"]),
            vec![("Paris".into(), LOC), ("France".into(), LOC)]
        );
    }
}
