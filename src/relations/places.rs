//! Which place can lie in which, by the word that names its kind ("Loei Province", "Dan Sai
//! District"): a district lies in a province, never a province in a district or one province
//! in another. A `Located_In` pair whose kinds say otherwise is never a candidate: in a
//! sentence listing "Dan Sai District in Loei Province, Nakhon Thai District in Phitsanulok
//! Province, …" the model read every province in every other.

/// Kinds of places by the word that ends their name, smallest first; a place lies only in a
/// place of a larger kind (or of no kind these words name).
const KINDS: &[&[&str]] = &[
    &["City", "Town", "Village", "Township", "Municipality"],
    &["District", "County", "Parish", "Borough"],
    &[
        "Province",
        "State",
        "Region",
        "Oblast",
        "Prefecture",
        "Governorate",
        "Territory",
    ],
];

/// The rank of a place's kind, from the last word of its name, if the word names one.
fn rank(name: &str) -> Option<usize> {
    let last = name.split_whitespace().last()?.trim_end_matches('.');
    // A name of one word ("State", "County") names no place of that kind.
    if name.split_whitespace().count() < 2 {
        return None;
    }
    KINDS.iter().position(|kind| kind.contains(&last))
}

/// Whether the place named `head` cannot lie in the place named `tail` by their kinds.
pub(crate) fn cannot_lie_in(head: &str, tail: &str) -> bool {
    matches!((rank(head), rank(tail)), (Some(h), Some(t)) if h >= t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_lies_only_in_a_place_of_a_larger_kind() {
        assert!(!cannot_lie_in("Dan Sai District", "Loei Province"));
        assert!(!cannot_lie_in("Kansas City", "Jackson County"));
        assert!(cannot_lie_in("Loei Province", "Phitsanulok Province"));
        assert!(cannot_lie_in("Loei Province", "Nakhon Thai District"));
        assert!(cannot_lie_in("Harris County", "Fort Bend County"));
        // A kind unnamed on either side says nothing.
        assert!(!cannot_lie_in("Loei Province", "Thailand"));
        assert!(!cannot_lie_in("Houston", "Harris County"));
        assert!(!cannot_lie_in("State", "County"));
    }
}
