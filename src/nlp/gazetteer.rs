//! A list of known entities (`--entities FILE`): names and aliases with a type of the user's
//! choosing, found in the text in one pass (an Aho-Corasick automaton over every name).
//!
//! The file: one entity a line, its type, its name, then its aliases, separated by tabs;
//! blank lines and lines starting with `#` are skipped:
//!
//! ```text
//! # type    name           aliases…
//! DRUG      aspirin        acetylsalicylic acid    ASA
//! ORG       Nordwind Energy    Nordwind
//! ```
//!
//! The type is one of the model's (`PER`, `ORG`, `LOC`, `MISC`) or a name of the user's
//! (upper-case letters, digits and `_`: `DRUG`, `PRODUCT_LINE`).
//!
//! Matching, the documented rule:
//! - a name written with a capital letter matches as written (`US` never matches "us"); a
//!   name written all in lower case also matches capitalised and in capitals ("aspirin",
//!   "Aspirin", "ASPIRIN");
//! - on word boundaries only (no letter or digit just before or after: "ASA" is not found in
//!   "NASA");
//! - where names overlap, the leftmost wins, then the longest ("New York City" over "New
//!   York"); a name listed for two entities belongs to the first.
//!
//! Merging with the model ([`super::mentions`]): a listed name wins. Every mention the model
//! (or propagation) found that overlaps a listed name's match is dropped, and the match
//! becomes a mention of the listed entity with its type; mentions elsewhere stay. All names of
//! one listed entity resolve to one entity, named as the list names it.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::AhoCorasick;

use crate::error::{Error, Result};
use crate::record::EntityType;

/// One listed entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its name, as the list gives it.
    pub name: String,
    /// Its type.
    pub entity_type: EntityType,
}

/// A name found in a text: characters `start..end` name entity `entity` of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// First character.
    pub start: usize,
    /// The character after the last.
    pub end: usize,
    /// Index of the listed entity ([`Gazetteer::entity`]).
    pub entity: usize,
}

/// A list of known entities, ready to match.
pub struct Gazetteer {
    entities: Vec<Listed>,
    /// The entity each pattern of the automaton names.
    pattern_entity: Vec<usize>,
    automaton: AhoCorasick,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("entities", &self.entities.len())
            .field("patterns", &self.pattern_entity.len())
            .finish_non_exhaustive()
    }
}

impl Gazetteer {
    /// Reads the list in `path` (format in the module docs); an unreadable file or a bad line
    /// is an error naming the file and the line.
    pub fn read(path: &Path) -> Result<Gazetteer> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Gazetteer::parse(&text)
            .map_err(|e| Error::Config(format!("--entities {}: {e}", path.display())))
    }

    /// Parses a list (format in the module docs); the error names the line.
    pub fn parse(text: &str) -> std::result::Result<Gazetteer, String> {
        let mut entities = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_entity = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line
                .split('\t')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            let [ty, name, aliases @ ..] = fields.as_slice() else {
                return Err(format!(
                    "line {}: a type and a name separated by a tab are needed",
                    n + 1
                ));
            };
            let entity_type = EntityType::parse(ty).ok_or_else(|| {
                format!(
                    "line {}: {ty:?} is not a type (PER, ORG, LOC, MISC, or upper-case letters, digits and _)",
                    n + 1
                )
            })?;
            let entity = entities.len();
            entities.push(Listed {
                name: name.to_string(),
                entity_type,
            });
            for written in std::iter::once(name).chain(aliases) {
                for form in forms(written) {
                    if seen.insert(form.clone(), entity).is_none() {
                        patterns.push(form);
                        pattern_entity.push(entity);
                    }
                }
            }
        }
        let automaton = AhoCorasick::new(&patterns).map_err(|e| e.to_string())?;
        Ok(Gazetteer {
            entities,
            pattern_entity,
            automaton,
        })
    }

    /// The listed entity `i` ([`Found::entity`]).
    pub fn entity(&self, i: usize) -> &Listed {
        &self.entities[i]
    }

    /// The listed names in `text`, in order, none overlapping (the rule in the module docs);
    /// offsets in characters.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        let mut candidates: Vec<(usize, usize, usize)> = self
            .automaton
            .find_overlapping_iter(text)
            .filter(|m| {
                boundary(text[..m.start()].chars().next_back())
                    && boundary(text[m.end()..].chars().next())
            })
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        // Leftmost, then longest, then the entity listed first.
        candidates.sort_by_key(|&(s, e, p)| (s, std::cmp::Reverse(e), self.pattern_entity[p]));
        let mut out = Vec::new();
        let mut taken_to = 0;
        for (start, end, pattern) in candidates {
            if start < taken_to {
                continue;
            }
            taken_to = end;
            out.push((start, end, self.pattern_entity[pattern]));
        }
        // Bytes to characters, in one walk.
        let mut chars = text.char_indices().map(|(b, _)| b).enumerate().peekable();
        let mut to_char = |byte: usize| -> usize {
            while let Some(&(c, b)) = chars.peek() {
                if b >= byte {
                    return c;
                }
                chars.next();
            }
            text.chars().count()
        };
        out.into_iter()
            .map(|(start, end, entity)| {
                let start = to_char(start);
                let end = to_char(end);
                Found { start, end, entity }
            })
            .collect()
    }
}

/// The forms a name matches in: as written; a lower-case name also capitalised and in
/// capitals.
fn forms(written: &str) -> Vec<String> {
    let mut out = vec![written.to_string()];
    if !written.chars().any(char::is_uppercase) {
        let mut chars = written.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_uppercase().chain(chars).collect());
        }
        out.push(written.to_uppercase());
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Gazetteer {
        Gazetteer::parse(
            "# a comment\n\
             DRUG\taspirin\tacetylsalicylic acid\tASA\n\
             \n\
             LOC\tNew York\n\
             LOC\tNew York City\tNYC\n\
             ORG\tUS\n\
             GENE\tASA\n",
        )
        .unwrap()
    }

    fn names(g: &Gazetteer, text: &str) -> Vec<(String, String)> {
        let chars: Vec<char> = text.chars().collect();
        g.find(text)
            .into_iter()
            .map(|f| {
                (
                    chars[f.start..f.end].iter().collect(),
                    g.entity(f.entity).name.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn names_and_aliases_are_found_on_word_boundaries() {
        let g = list();
        assert_eq!(
            (g.entity(4).name.as_str(), g.entity(4).entity_type.as_str()),
            ("ASA", "GENE")
        );
        assert_eq!(
            names(
                &g,
                "Aspirin (ASA) is acetylsalicylic acid; NASA and aspirins are not."
            ),
            [
                ("Aspirin".into(), "aspirin".into()),
                ("ASA".into(), "aspirin".into()),
                ("acetylsalicylic acid".into(), "aspirin".into()),
            ]
        );
        assert_eq!(g.entity(0).entity_type.as_str(), "DRUG");
    }

    #[test]
    fn the_leftmost_then_longest_name_wins_and_a_name_listed_twice_is_the_first() {
        let g = list();
        assert_eq!(
            names(&g, "From New York City to New York, by ASA."),
            [
                ("New York City".into(), "New York City".into()),
                ("New York".into(), "New York".into()),
                ("ASA".into(), "aspirin".into()),
            ]
        );
    }

    #[test]
    fn capitals_match_only_as_written_and_offsets_are_characters() {
        let g = list();
        assert!(
            names(&g, "let us go").is_empty(),
            "US is written in capitals"
        );
        let found = g.find("Zürich → US");
        assert_eq!((found[0].start, found[0].end), (9, 11));
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = Gazetteer::parse("DRUG\taspirin\nonly-one-field\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = Gazetteer::parse("drug\taspirin\n").unwrap_err();
        assert!(e.contains("not a type"), "{e}");
    }
}
