//! Words the model took for names that are none. Common words capitalised where every word
//! is ([`drop_common_words`]): at the start of a sentence, of a list item ("G. Preserve in
//! that license notice …") or of a quotation ("To “Preserve the Title” …"); a licence's
//! imperatives became the person "Preserve" and "Preserve Work_For Libtasn1". And variables
//! of code ([`drop_code_variables`]).

use std::collections::{HashMap, HashSet};

use super::RawMention;
use crate::record::Sentence;

/// Drops the mentions of a one-word name (a list marker before it aside: "G. Preserve") when
/// every one of them stands where any word is capitalised, the document writes the word in
/// lower case too, and no longer name of the document has the word in it ("Brown" of "Gordon
/// Brown" stays). Acronyms and names of the list of entities are kept.
pub(super) fn drop_common_words(raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let text = |m: &RawMention| m.text(sentences);
    // Per candidate word: whether every mention of it stands capitalised by position.
    let mut by_position: HashMap<String, bool> = HashMap::new();
    let mut in_longer: HashSet<String> = HashSet::new();
    for m in raw.iter().filter(|m| m.listed.is_none()) {
        let name = text(m);
        let chars: Vec<char> = sentences[m.sentence].text.chars().collect();
        let (word, after_marker) = match strip_marker(&name) {
            Some(word) => (word, true),
            None => (name.as_str(), false),
        };
        if name.contains(' ') && !after_marker {
            in_longer.extend(name.split_whitespace().map(str::to_string));
            continue;
        }
        if !is_plain_word(word) {
            continue;
        }
        let positional = after_marker && m.start == 0 || capitalised_by_position(&chars, m.start);
        *by_position.entry(word.to_string()).or_insert(true) &= positional;
    }
    by_position.retain(|w, all| *all && !in_longer.contains(w));
    if by_position.is_empty() {
        return;
    }
    let lower: HashSet<String> = by_position.keys().map(|w| w.to_lowercase()).collect();
    let written_lower: HashSet<&str> = sentences
        .iter()
        .flat_map(|s| s.text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| lower.contains(*w))
        .collect();
    raw.retain(|m| {
        if m.listed.is_some() {
            return true;
        }
        let name = text(m);
        let word = strip_marker(&name).unwrap_or(&name);
        !(by_position.contains_key(word) && written_lower.contains(word.to_lowercase().as_str()))
    });
}

/// Drops the mentions of a name the document also writes as a variable of a shell or a
/// makefile (`$(DESTDIR)`, `${PREFIX}`, `$HOME`): a name in code, not an entity, wherever it
/// stands ("DESTDIR is a variable …" was a place, 22 times).
pub(super) fn drop_code_variables(raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let mut variables: HashSet<String> = HashSet::new();
    for s in sentences.iter().filter(|s| s.text.contains('$')) {
        for (i, _) in s.text.match_indices('$') {
            let rest = s.text[i + 1..].trim_start_matches(['(', '{']);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(char::is_alphabetic) {
                variables.insert(name);
            }
        }
    }
    if variables.is_empty() {
        return;
    }
    raw.retain(|m| m.listed.is_some() || !variables.contains(&m.text(sentences)));
}

/// The word after a list marker ("G. Preserve" → "Preserve", "IV. Keep" → "Keep").
fn strip_marker(name: &str) -> Option<&str> {
    let (marker, rest) = name.split_once(' ')?;
    let marker = marker.strip_suffix(['.', ')'])?;
    let roman = !marker.is_empty() && marker.chars().all(|c| "IVX".contains(c));
    let letter = marker.chars().count() == 1 && marker.chars().all(char::is_uppercase);
    ((roman || letter) && !rest.contains(' ')).then_some(rest)
}

/// A word of letters, capitalised, not all capitals ("Preserve"; not "GNU", "McDonald's").
fn is_plain_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 2
        && chars.all(char::is_lowercase)
}

/// Whether the character at `at` starts a sentence, a list item or a quotation: nothing before
/// it but spaces, brackets, quotes and a list marker ("1.", "(b)", "G."), or an opening quote
/// right before it.
fn capitalised_by_position(chars: &[char], at: usize) -> bool {
    let before: String = chars[..at.min(chars.len())].iter().collect();
    let before = before.trim_end();
    if before.ends_with(['“', '‘', '"', '\'', '(']) {
        return true;
    }
    before.split_whitespace().all(|w| {
        let w = w.trim_matches(|c: char| "([“‘\"'".contains(c));
        let marker = w.trim_end_matches(['.', ')']);
        w.is_empty()
            || marker.len() < w.len()
                && (marker.chars().all(|c| c.is_ascii_digit())
                    || marker.chars().count() == 1
                    || marker.chars().all(|c| "IVXivx".contains(c)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{EntityType, TextKind};

    fn sentence(text: &str) -> Sentence {
        Sentence {
            page_index: 0,
            start: 0,
            end: text.chars().count(),
            text: text.to_string(),
            kind: TextKind::Prose,
        }
    }

    fn found(sentences: &[Sentence], i: usize, name: &str) -> RawMention {
        let at = sentences[i].text.find(name).expect("name in sentence");
        let start = sentences[i].text[..at].chars().count();
        RawMention {
            sentence: i,
            start,
            end: start + name.chars().count(),
            entity_type: EntityType::PER,
            score: 0.9,
            inferred: false,
            listed: None,
        }
    }

    #[test]
    fn a_word_capitalised_only_by_where_it_stands_is_no_name() {
        let sentences = [
            sentence("G. Preserve in that notice the titles."),
            sentence("To “Preserve the Title” of a section means to keep it."),
            sentence("You must preserve all notices, says Gordon Brown."),
            sentence("Brown said so. Later Ada Lind came."),
            sentence("1. Lind signed. The brown dog slept."),
        ];
        let mut raw = vec![
            found(&sentences, 0, "G. Preserve"),
            found(&sentences, 1, "Preserve"),
            found(&sentences, 2, "Gordon Brown"),
            found(&sentences, 3, "Brown"),
            found(&sentences, 3, "Ada Lind"),
            found(&sentences, 4, "Lind"),
        ];
        drop_common_words(&mut raw, &sentences);
        let kept: Vec<String> = raw
            .iter()
            .map(|m| {
                let s = &sentences[m.sentence].text;
                s.chars().skip(m.start).take(m.end - m.start).collect()
            })
            .collect();
        // "Preserve" goes (and "preserve" is written); "Brown" is Gordon Brown's; "Lind"
        // stands after a list marker but "lind" is never written in lower case.
        assert_eq!(kept, ["Gordon Brown", "Brown", "Ada Lind", "Lind"]);
    }

    #[test]
    fn a_name_written_as_a_variable_is_code() {
        let sentences = [
            sentence("DESTDIR is a variable: $(DESTDIR)$(bindir) and ${PREFIX}."),
            sentence("Ada Lind paid $5 to Nordwind."),
        ];
        let mut raw = vec![
            found(&sentences, 0, "DESTDIR"),
            found(&sentences, 1, "Ada Lind"),
            found(&sentences, 1, "Nordwind"),
        ];
        drop_code_variables(&mut raw, &sentences);
        assert_eq!(raw.len(), 2);
        assert!(raw.iter().all(|m| m.sentence == 1));
    }

    #[test]
    fn markers_and_positions() {
        assert_eq!(strip_marker("G. Preserve"), Some("Preserve"));
        assert_eq!(strip_marker("IV. Keep"), Some("Keep"));
        assert_eq!(strip_marker("Ada Lind"), None);
        assert_eq!(strip_marker("J. Smith Jr."), None);
        let chars: Vec<char> = "(b) Keep it; she said “Keep it” to Keep.".chars().collect();
        assert!(capitalised_by_position(&chars, 4));
        assert!(capitalised_by_position(&chars, 23));
        assert!(!capitalised_by_position(&chars, 35));
    }
}
