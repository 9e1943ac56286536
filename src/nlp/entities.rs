//! Entity spans from token labels, and entity names normalised so variants merge.

use crate::record::EntityType;

/// One labelled word from the model, with character offsets into its input.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedWord {
    /// First character, inclusive.
    pub start: usize,
    /// Last character, exclusive.
    pub end: usize,
    /// BIO label, e.g. `B-ORG`, `I-ORG`, `O`.
    pub label: String,
    /// Model confidence for the label.
    pub score: f32,
}

/// An entity found in one input: a character span and a type.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySpan {
    /// First character, inclusive.
    pub start: usize,
    /// Last character, exclusive.
    pub end: usize,
    /// Type.
    pub entity_type: EntityType,
    /// Mean confidence of its words.
    pub score: f32,
}

/// Merges BIO-labelled words into entity spans: `B-X` starts an entity, `I-X` continues one of
/// the same type (or starts one, as models sometimes begin with `I-`), anything else ends it.
pub fn merge_bio(words: &[TaggedWord]) -> Vec<EntitySpan> {
    let mut out: Vec<EntitySpan> = Vec::new();
    let mut current: Option<(EntitySpan, usize)> = None; // span, word count
    for w in words {
        let parsed = EntityType::from_label(&w.label);
        match (parsed, current.as_mut()) {
            (Some((false, ty)), Some((span, count))) if span.entity_type == ty => {
                span.end = w.end;
                span.score += w.score;
                *count += 1;
            }
            (Some((_, ty)), _) => {
                if let Some((span, count)) = current.take() {
                    out.push(finish(span, count));
                }
                current = Some((
                    EntitySpan {
                        start: w.start,
                        end: w.end,
                        entity_type: ty,
                        score: w.score,
                    },
                    1,
                ));
            }
            (None, _) => {
                if let Some((span, count)) = current.take() {
                    out.push(finish(span, count));
                }
            }
        }
    }
    if let Some((span, count)) = current {
        out.push(finish(span, count));
    }
    out
}

fn finish(mut span: EntitySpan, count: usize) -> EntitySpan {
    span.score /= count as f32;
    span
}

/// Corporate suffixes left out of an organisation's key, so "Siemens AG" and "Siemens" merge.
const ORG_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "corp",
    "corporation",
    "co",
    "company",
    "ag",
    "gmbh",
    "plc",
    "sa",
    "nv",
    "bv",
    "se",
    "group",
];

/// A mention's surface form tidied for display: white space collapsed, possessive and
/// surrounding punctuation removed.
pub fn display_name(surface: &str) -> String {
    let collapsed = surface.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = collapsed.trim_matches(|c: char| !c.is_alphanumeric() && c != ')' && c != '.');
    for suffix in ["'s", "’s", "'", "’"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            s = stripped;
            break;
        }
    }
    s.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
        .to_string()
}

/// The key under which mentions of one entity merge: lowercased display name without dots,
/// hyphens as spaces, a leading "the", and for organisations a trailing corporate suffix.
pub fn entity_key(display: &str, ty: EntityType) -> String {
    let lowered = display
        .to_lowercase()
        .replace(['.', ','], "")
        .replace(['-', '–'], " ");
    let mut words: Vec<&str> = lowered.split_whitespace().collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    if ty == EntityType::ORG && words.len() > 1 && ORG_SUFFIXES.contains(words.last().unwrap()) {
        words.pop();
    }
    words.join(" ")
}

/// Within one document, a person named by surname alone ("Merkel") after the full name
/// ("Angela Merkel") is the same person: returns the full key for each such short key.
/// A surname shared by two full names in the document stays ambiguous and is left alone.
pub fn surname_links<'a>(
    person_keys: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<String, String> {
    use std::collections::HashMap;
    let mut by_last: HashMap<String, Vec<String>> = HashMap::new();
    let mut singles: Vec<String> = Vec::new();
    for key in person_keys {
        let words: Vec<&str> = key.split_whitespace().collect();
        match words.len() {
            0 => {}
            1 => singles.push(key.to_string()),
            _ => {
                let full = by_last
                    .entry(words[words.len() - 1].to_string())
                    .or_default();
                if !full.iter().any(|k| k == key) {
                    full.push(key.to_string());
                }
            }
        }
    }
    singles
        .into_iter()
        .filter_map(|s| match by_last.get(&s) {
            Some(full) if full.len() == 1 => Some((s, full[0].clone())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(words: &[TaggedWord]) -> Vec<(usize, usize, EntityType)> {
        merge_bio(words)
            .iter()
            .map(|s| (s.start, s.end, s.entity_type))
            .collect()
    }

    fn w(start: usize, end: usize, label: &str) -> TaggedWord {
        TaggedWord {
            start,
            end,
            label: label.into(),
            score: 0.9,
        }
    }

    #[test]
    fn bio_words_merge_into_spans() {
        // "Angela Merkel visited Paris with Siemens executives"
        let words = vec![
            w(0, 6, "B-PER"),
            w(7, 13, "I-PER"),
            w(14, 21, "O"),
            w(22, 27, "B-LOC"),
            w(28, 32, "O"),
            w(33, 40, "B-ORG"),
            w(41, 51, "O"),
        ];
        assert_eq!(
            spans(&words),
            vec![
                (0, 13, EntityType::PER),
                (22, 27, EntityType::LOC),
                (33, 40, EntityType::ORG)
            ]
        );
    }

    #[test]
    fn a_new_b_label_or_a_type_change_starts_a_new_entity() {
        let words = vec![
            w(0, 5, "B-PER"),
            w(6, 9, "B-PER"),
            w(10, 15, "I-ORG"),
            w(16, 20, "I-ORG"),
        ];
        assert_eq!(
            spans(&words),
            vec![
                (0, 5, EntityType::PER),
                (6, 9, EntityType::PER),
                (10, 20, EntityType::ORG)
            ]
        );
    }

    #[test]
    fn names_normalise_and_variants_share_a_key() {
        assert_eq!(display_name("  Merkel's "), "Merkel");
        assert_eq!(display_name("\"Siemens AG\","), "Siemens AG");
        assert_eq!(
            entity_key("Siemens AG", EntityType::ORG),
            entity_key("Siemens", EntityType::ORG)
        );
        assert_eq!(entity_key("The Hague", EntityType::LOC), "hague");
        assert_eq!(entity_key("U.S.", EntityType::LOC), "us");
        assert_eq!(
            entity_key("ANGELA  MERKEL", EntityType::PER),
            "angela merkel"
        );
        // A suffix alone is a name, not a suffix.
        assert_eq!(entity_key("Group", EntityType::ORG), "group");
    }

    #[test]
    fn surnames_link_to_the_one_full_name_in_the_document() {
        let links = surname_links([
            "angela merkel",
            "merkel",
            "john smith",
            "jane smith",
            "smith",
        ]);
        assert_eq!(
            links.get("merkel").map(String::as_str),
            Some("angela merkel")
        );
        assert_eq!(links.get("smith"), None, "two Smiths: ambiguous");
    }
}
