//! Names that stand in one list in a sentence ("GNOME, KDE and ROX"): siblings, never a
//! candidate pair for the relation model (see [`lists`]).

use crate::nlp::entities::entity_key;
use crate::record::{EntityType, Mention, Sentence};
use crate::resolve::rules::{is_country, is_state};

/// What stands between two neighbouring names of a sentence, as far as lists go.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gap {
    /// A comma, a semicolon or nothing.
    Comma,
    /// A comma between two places, the second no country or state ("Brazoria, Fort Bend").
    PlaceComma,
    /// A conjunction ("and", ", or"), maybe with a word of where before the next name ("and
    /// southern").
    Conjunction,
}

/// Which list, if any, each mention of one sentence (`range`, in offset order) stands in:
/// names one after another with nothing between them but commas and a conjunction ("GNOME,
/// KDE and ROX", "Bacon, Milton and Locke"). Names of one list are siblings; what relates
/// them is not said by standing there, so they are never a candidate pair (the model read
/// "GNOME OrgBased_In KDE" and "Bacon Kill Milton"). Names joined by commas alone are no list;
/// square brackets (citation marks) are not read.
///
/// A comma between two places may be a list's or a place's and where it lies: "Salida and
/// Gunnison, Colorado" is two towns and their state. A comma before a country or a state never
/// joins a list; one before any other place joins it only in a list of four or more names
/// ("Brazoria, Fort Bend, Galveston and southern Harris Counties", "Aloha, America West, …,
/// United and U.S. Air", airlines the model took for places), so "Azusa, Calif.", "Edmonton,
/// Alberta, and Fort Nelson" and "Boston, Massachusetts, and Portland, Maine" keep their
/// places' relations. In CoNLL04's training
/// split 9 of 1,283 relations hold within a list so drawn, of 524 such pairs.
pub(super) fn lists(
    mentions: &[(usize, Mention)],
    range: std::ops::Range<usize>,
    sentence: &Sentence,
) -> Vec<Option<usize>> {
    let chars: Vec<char> = sentence.text.chars().collect();
    let gap = |a: &Mention, b: &Mention| -> Option<Gap> {
        let (from, to) = (
            a.end.checked_sub(sentence.start)?,
            b.start.checked_sub(sentence.start)?,
        );
        // Square brackets are citation marks ("GNOME[GNOME], KDE[KDE] and ROX[ROX]").
        let between: String = chars
            .get(from..to)?
            .iter()
            .filter(|c| !matches!(c, '[' | ']'))
            .collect();
        let between = between
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        gap_of(&between, a, b)
    };
    let ms: Vec<&Mention> = range.map(|i| &mentions[i].1).collect();
    let mut gaps: Vec<Option<Gap>> = ms.windows(2).map(|p| gap(p[0], p[1])).collect();
    // A country whose name has an "and" in it, cut there ("Bosnia" + "Herzegovina"): no list,
    // and the place before it lies in it ("Banja Luka, Republic of Srpska, Bosnia and
    // Herzegovina").
    for i in 0..gaps.len() {
        let country = || {
            let joined = format!("{} and {}", ms[i].name, ms[i + 1].name);
            is_country(&entity_key(&joined, EntityType::LOC))
        };
        if gaps[i] == Some(Gap::Conjunction) && country() {
            gaps[i] = None;
            if i > 0 && gaps[i - 1] == Some(Gap::PlaceComma) {
                gaps[i - 1] = None;
            }
        }
    }
    let mut out = vec![None; ms.len()];
    let mut start = 0;
    while start < ms.len() {
        // The run of names from `start` joined by commas and conjunctions.
        let mut end = start + 1;
        while end < ms.len() && gaps[end - 1].is_some() {
            end += 1;
        }
        let run = &gaps[start..end - 1];
        let conjunction = run.contains(&Some(Gap::Conjunction));
        let place_commas = run.contains(&Some(Gap::PlaceComma));
        if conjunction && end - start >= if place_commas { 4 } else { 2 } {
            out[start..end].fill(Some(start));
        } else if place_commas {
            // Too short a list for its places' commas: judged again without them.
            for (k, part) in split_at_place_commas(start, end, &gaps) {
                let inner = &gaps[k..part - 1];
                if inner.contains(&Some(Gap::Conjunction)) && part - k >= 2 {
                    out[k..part].fill(Some(k));
                }
            }
        }
        start = end;
    }
    out
}

/// The gap `between` names `a` and `b` (lower case, white space collapsed); `None` when it
/// ends any list.
fn gap_of(between: &str, a: &Mention, b: &Mention) -> Option<Gap> {
    let places = a.entity_type == EntityType::LOC && b.entity_type == EntityType::LOC;
    match between {
        "," | ";" if places => {
            let key = entity_key(&b.name, EntityType::LOC);
            (!is_country(&key) && !is_state(&key)).then_some(Gap::PlaceComma)
        }
        "," | ";" | "" => Some(Gap::Comma),
        "and" | "or" | "&" | ", and" | ", or" | "and/or" => Some(Gap::Conjunction),
        _ => {
            // "and southern": a conjunction and a word or two of where, before the name.
            let rest = between
                .strip_prefix(", ")
                .unwrap_or(between)
                .strip_prefix("and ")?;
            let words: Vec<&str> = rest.split(' ').collect();
            (words.len() <= 2 && words.iter().all(|w| WHERE.contains(w)))
                .then_some(Gap::Conjunction)
        }
    }
}

/// Words of where that may stand between a list's conjunction and its last place.
const WHERE: &[&str] = &[
    "southern",
    "northern",
    "eastern",
    "western",
    "central",
    "southeastern",
    "southwestern",
    "northeastern",
    "northwestern",
    "nearby",
    "neighbouring",
    "neighboring",
];

/// The parts of the run `start..end` between its place commas, as (start, end) pairs.
fn split_at_place_commas(start: usize, end: usize, gaps: &[Option<Gap>]) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut k = start;
    for (i, gap) in gaps.iter().enumerate().take(end - 1).skip(start) {
        if *gap == Some(Gap::PlaceComma) {
            parts.push((k, i + 1));
            k = i + 1;
        }
    }
    parts.push((k, end));
    parts
}
