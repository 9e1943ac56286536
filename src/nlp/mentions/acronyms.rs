//! An acronym takes the type of the name it is defined with ("the Libre Software Meeting
//! (LSM)": an event, so "LSM" is one too, however the model typed it alone). The model types
//! a few capitals by guesswork, mostly as organisations: "GPL" was one and worked for Richard
//! Stallman; "LSM" was one based in Bordeaux.

use std::collections::HashMap;

use crate::nlp::entities::{acronym_of, entity_key};
use crate::record::{EntityType, Mention, Sentence};

/// Gives every mention of an acronym the document defines ("Name (ACR)", the acronym in
/// brackets right after the name it stands for) the type of that name, and the key of that
/// type; when the document defines it with names of two types, it is left as it is.
pub(super) fn type_as_defined(mentions: &mut [(usize, Mention)], sentences: &[Sentence]) {
    let mut defined: HashMap<String, Option<EntityType>> = HashMap::new();
    for pair in mentions.windows(2) {
        let ((s, long), (t, short)) = (&pair[0], &pair[1]);
        if s != t || !acronym_of(&short.name, &long.name) {
            continue;
        }
        let sentence = &sentences[*s];
        let chars: Vec<char> = sentence.text.chars().collect();
        let at = |offset: usize| offset.checked_sub(sentence.start);
        let (Some(from), Some(to), Some(end)) = (at(long.end), at(short.start), at(short.end))
        else {
            continue;
        };
        let between: String = chars.get(from..to).unwrap_or_default().iter().collect();
        if between.trim() != "(" || chars.get(end) != Some(&')') {
            continue;
        }
        let entry = defined
            .entry(short.name.clone())
            .or_insert(Some(long.entity_type));
        if *entry != Some(long.entity_type) {
            *entry = None;
        }
    }
    for (_, m) in mentions.iter_mut() {
        if let Some(Some(ty)) = defined.get(&m.name) {
            if m.entity_type != *ty && !m.listed {
                m.entity_type = *ty;
                m.key = entity_key(&m.name, *ty);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::TextKind;

    #[test]
    fn an_acronym_takes_the_type_of_the_name_it_is_defined_with() {
        let text = "It met at the Libre Software Meeting (LSM) in Bordeaux. LSM grew.";
        let sentence = Sentence {
            page_index: 0,
            start: 0,
            end: text.chars().count(),
            text: text.to_string(),
            kind: TextKind::Prose,
        };
        let mention = |name: &str, from: usize, ty: EntityType| {
            let start = from + text[from..].find(name).expect("name");
            (
                0,
                Mention {
                    text: name.to_string(),
                    entity_type: ty,
                    key: entity_key(name, ty),
                    name: name.to_string(),
                    page: 1,
                    start,
                    end: start + name.len(),
                    score: 0.9,
                    inferred: false,
                    listed: false,
                },
            )
        };
        let mut mentions = vec![
            mention("Libre Software Meeting", 0, EntityType::MISC),
            mention("LSM", 0, EntityType::ORG),
            mention("Bordeaux", 0, EntityType::LOC),
            mention("LSM", 50, EntityType::ORG),
        ];
        type_as_defined(&mut mentions, std::slice::from_ref(&sentence));
        let types: Vec<EntityType> = mentions.iter().map(|(_, m)| m.entity_type).collect();
        use EntityType::*;
        assert_eq!(types, [MISC, MISC, LOC, MISC]);
    }
}
