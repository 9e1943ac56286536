//! Names that stand in one list in a sentence ("GNOME, KDE and ROX"): siblings, never a
//! candidate pair for the relation model (see [`lists`]).

use crate::record::{EntityType, Mention, Sentence};

/// Which list, if any, each mention of one sentence (`range`, in offset order) stands in:
/// names one after another with nothing between them but commas and a conjunction ("GNOME,
/// KDE and ROX", "Bacon, Milton and Locke"). Names of one list are siblings; what relates
/// them is not said by standing there, so they are never a candidate pair (the model read
/// "GNOME OrgBased_In KDE" and "Bacon Kill Milton"). A comma between two places does not
/// join a list: "Salida and Gunnison, Colorado" is two towns and where they lie. Names joined
/// by commas alone are no list either; square brackets (citation marks) are not read. In CoNLL04's training split 9 of 1,283 relations hold
/// within a list so drawn, of 524 such pairs.
pub(super) fn lists(
    mentions: &[(usize, Mention)],
    range: std::ops::Range<usize>,
    sentence: &Sentence,
) -> Vec<Option<usize>> {
    let chars: Vec<char> = sentence.text.chars().collect();
    let gap = |a: &Mention, b: &Mention| -> Option<bool> {
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
        match between.as_str() {
            "," | ";" if a.entity_type == EntityType::LOC && b.entity_type == EntityType::LOC => {
                None
            }
            "," | ";" | "" => Some(false),
            "and" | "or" | "&" | ", and" | ", or" | "and/or" => Some(true),
            _ => None,
        }
    };
    let ms: Vec<&Mention> = range.map(|i| &mentions[i].1).collect();
    let mut out = vec![None; ms.len()];
    let mut start = 0;
    while start < ms.len() {
        // The run of names from `start` joined by commas and conjunctions.
        let mut end = start + 1;
        let mut conjunction = false;
        while end < ms.len() {
            match gap(ms[end - 1], ms[end]) {
                Some(c) => conjunction |= c,
                None => break,
            }
            end += 1;
        }
        if conjunction && end - start >= 2 {
            out[start..end].fill(Some(start));
        }
        start = end;
    }
    out
}
