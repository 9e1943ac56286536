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
/// Then names the tokenizer cut at punctuation are put back together (see `join_punctuated`).
pub fn merge_bio(words: &[TaggedWord]) -> Vec<EntitySpan> {
    join_punctuated(bio_spans(words), words)
}

/// The model reads "U.S." as four words (`U`, `.`, `S`, `.`) and often labels the periods `O`,
/// which would leave two entities "U" and "S"; "AT&T" and "Schleswig-Holstein" split the same
/// way. Two spans of one type separated only by one-character words with no white space on
/// either side are one name; an initialism's final period ("U.S" + ".") belongs to it.
fn join_punctuated(spans: Vec<EntitySpan>, words: &[TaggedWord]) -> Vec<EntitySpan> {
    let glue_between = |from: usize, to: usize| -> bool {
        // Every character from `from` to `to` is covered by contiguous one-character words.
        let mut at = from;
        while at < to {
            match words.iter().find(|w| w.start == at) {
                Some(w) if w.end == at + 1 => at += 1,
                _ => return false,
            }
        }
        at == to && to > from
    };
    let mut out: Vec<EntitySpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(prev)
                if prev.entity_type == span.entity_type
                    && span.start - prev.end <= 2
                    && glue_between(prev.end, span.start) =>
            {
                prev.score = prev.score.min(span.score);
                prev.end = span.end;
            }
            _ => out.push(span),
        }
    }
    for span in &mut out {
        // "U.S" + "." : the last word is a single character and a one-character word follows
        // with no space; the period is part of the abbreviation.
        let last_is_initial = words
            .iter()
            .any(|w| w.end == span.end && w.end - w.start == 1);
        let period_follows = words
            .iter()
            .any(|w| w.start == span.end && w.end == span.end + 1 && w.label == "O");
        let dotted = span.end - span.start >= 3;
        if last_is_initial && period_follows && dotted {
            span.end += 1;
        }
    }
    out
}

/// Names that are never entities however the model labels them: a single character, a word
/// with no capital letter ("and", "cup"), a capitalised function word ("The", "And"), a code
/// identifier ([`looks_like_code`]), or text decoded in the wrong encoding (a lower-case letter
/// then `Ã` or `Â`: "lÃaers", UTF-8 read as Latin-1); an all-capital acronym ("US", "IT") is a
/// name.
pub fn is_junk_name(name: &str) -> bool {
    let letters = name.chars().filter(|c| c.is_alphanumeric()).count();
    if letters <= 1 || looks_like_code(name) {
        return true;
    }
    let chars: Vec<char> = name.chars().collect();
    if chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && matches!(w[1], 'Ã' | 'Â'))
    {
        return true;
    }
    if !name.chars().any(char::is_uppercase) || DEGREES.contains(&name) {
        return true;
    }
    let all_caps = name
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase);
    !all_caps
        && !name.contains(' ')
        && crate::extract::FUNCTION_WORDS.contains(&name.to_lowercase().as_str())
}

/// Whether `short` (two to six capitals) can be the initials of `long`: its first letter is
/// the long name's, and each of its letters is in the long name ("RMS" of Richard Matthew
/// Stallman written "Richard Stallman"; "WU" of "Wirtschaftsuniversität Wien").
pub fn acronym_of(short: &str, long: &str) -> bool {
    let letters: Vec<char> = short.chars().filter(|c| *c != '.').collect();
    if !(2..=6).contains(&letters.len())
        || !letters.iter().all(|c| c.is_uppercase())
        || !long.contains(' ') && long.chars().filter(|c| c.is_uppercase()).count() < 2
    {
        return false;
    }
    let long_lower = long.to_lowercase();
    long_lower.chars().next() == letters[0].to_lowercase().next()
        && letters
            .iter()
            .all(|c| c.to_lowercase().all(|l| long_lower.contains(l)))
}

/// Academic degrees as a name's suffix writes them ("Michael Vrhel, Ph.D."), which the model
/// reads as a place or an organisation; only the spellings no state or company shares ("MD",
/// "MA" and "BA" are not here).
const DEGREES: &[&str] = &[
    "Ph.D.", "Ph.D", "PhD", "Ph. D.", "M.Sc.", "MSc", "B.Sc.", "BSc", "D.Phil.", "DPhil", "M.D.",
    "LL.B.", "LL.M.", "M.Phil.", "MPhil",
];

/// A code identifier rather than a name: one word in lowerCamelCase with a lowercase run of
/// two or more before its first capital ("namespaceURI", "asn1Coding", "tbsCertificate"; not
/// "eBay" or "iPhone"), or with an underscore, `::` or brackets in it ("ASN1_TYPE", "std::io",
/// "main()"). Manuals and papers are full of them, and the model types them as organisations.
pub fn looks_like_code(name: &str) -> bool {
    if name.contains(char::is_whitespace) {
        return false;
    }
    if name.contains('_') || name.contains("::") || name.contains("()") {
        return true;
    }
    // A digit between capitals with three or more after it ("ASN1TYPE"; not "A380", "B2B"),
    // or a dot then a capital inside a word that also has a hyphen ("PKIX1.Dss-Sig-Value").
    let chars: Vec<char> = name.chars().collect();
    let capital_run_after = |i: usize| {
        chars[i + 1..]
            .iter()
            .take_while(|c| c.is_uppercase())
            .count()
    };
    if (1..chars.len()).any(|i| {
        chars[i].is_ascii_digit() && chars[i - 1].is_uppercase() && capital_run_after(i) >= 3
    }) {
        return true;
    }
    if name.contains('-')
        && chars
            .windows(3)
            .any(|w| w[0].is_alphanumeric() && w[1] == '.' && w[2].is_uppercase())
    {
        return true;
    }
    let mut chars = name.chars();
    if !chars.next().is_some_and(char::is_lowercase) {
        return false;
    }
    let prefix = 1 + name
        .chars()
        .skip(1)
        .take_while(|c| c.is_lowercase() || c.is_ascii_digit())
        .count();
    prefix >= 2 && name.chars().nth(prefix).is_some_and(char::is_uppercase)
}

fn bio_spans(words: &[TaggedWord]) -> Vec<EntitySpan> {
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

/// Legal forms of companies: a name ending on one is a company's ("Acme Holdings Ltd").
pub(crate) const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "corp",
    "gmbh",
    "plc",
];

/// Corporate suffixes left out of an organisation's key, so "Siemens AG" and "Siemens" merge:
/// the legal forms and these.
const ORG_SUFFIXES: &[&str] = &[
    "corporation",
    "co",
    "company",
    "ag",
    "sa",
    "nv",
    "bv",
    "se",
    "asa",
    "as",
    "ab",
    "oy",
    "oyj",
    "spa",
    "srl",
    "kg",
    "pty",
    "pte",
    "llp",
    "lp",
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

/// Titles a person's name may open on ("President Kennedy", "Mrs. Higgins"), keyed.
const PERSON_TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "rev",
    "gen",
    "dr",
    "president",
    "king",
    "queen",
    "prince",
    "princess",
    "sultan",
];

/// The words of a person's name without the title it opens on ("President John F. Kennedy":
/// 3), for choosing the fullest name of an entity.
pub fn name_words(display: &str, ty: EntityType) -> usize {
    let n = display.split_whitespace().count();
    let titled = ty == EntityType::PER
        && n > 1
        && display.split_whitespace().next().is_some_and(|w| {
            PERSON_TITLES.contains(&w.trim_end_matches('.').to_lowercase().as_str())
        });
    n - usize::from(titled)
}

/// The key under which mentions of one entity merge: lowercased display name without dots,
/// hyphens as spaces, a leading "the", for persons a leading title, and for organisations a
/// trailing corporate suffix.
pub fn entity_key(display: &str, ty: EntityType) -> String {
    let lowered = display
        .to_lowercase()
        .replace(['.', ','], "")
        .replace(['-', '–'], " ");
    let mut words: Vec<&str> = lowered.split_whitespace().collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    if ty == EntityType::PER && words.len() > 1 && PERSON_TITLES.contains(&words[0]) {
        words.remove(0);
    }
    if ty == EntityType::ORG
        && words.len() > 1
        && words
            .last()
            .is_some_and(|w| LEGAL_FORMS.contains(w) || ORG_SUFFIXES.contains(w))
    {
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
    fn names_cut_at_punctuation_are_put_back_together() {
        // "the U.S. unit": t h e _ U . S . _ u n i t
        let words = vec![
            w(0, 3, "O"),
            w(4, 5, "B-LOC"),
            w(5, 6, "O"),
            w(6, 7, "B-LOC"),
            w(7, 8, "O"),
            w(9, 13, "O"),
        ];
        assert_eq!(spans(&words), vec![(4, 8, EntityType::LOC)]);
        // "Schleswig-Holstein" labelled as two places.
        let words = vec![w(0, 9, "B-LOC"), w(9, 10, "O"), w(10, 18, "B-LOC")];
        assert_eq!(spans(&words), vec![(0, 18, EntityType::LOC)]);
        // A space or another type keeps them apart; a name's final full stop is not taken.
        let words = vec![w(0, 5, "B-LOC"), w(5, 6, "O"), w(7, 12, "B-LOC")];
        assert_eq!(spans(&words).len(), 2);
        let words = vec![w(0, 5, "B-ORG"), w(5, 6, "O"), w(6, 11, "B-LOC")];
        assert_eq!(spans(&words).len(), 2);
        let words = vec![w(0, 5, "B-LOC"), w(5, 6, "O")];
        assert_eq!(spans(&words), vec![(0, 5, EntityType::LOC)]);
    }

    #[test]
    fn junk_names_are_recognised() {
        for junk in ["The", "A", "G", "and", "cup", "subs", "And", "U", "Ph.D."] {
            assert!(is_junk_name(junk), "{junk}");
        }
        for name in [
            "US",
            "IT",
            "U.S.",
            "Siemens",
            "The Hague",
            "eBay",
            "Apple",
            "iPhone",
        ] {
            assert!(!is_junk_name(name), "{name}");
        }
        for code in [
            "namespaceURI",
            "asn1Coding",
            "tbsCertificate",
            "ASN1_TYPE",
            "std::io",
            "ASN1TYPE",
            "PKIX1.Dss-Sig-Value",
            "verskille tussen lÃaers",
        ] {
            assert!(is_junk_name(code), "{code}");
        }
        for name in [
            "A380",
            "B2B",
            "G20",
            "ASN.1",
            "Node.js",
            "São Paulo",
            "SÃO PAULO",
            "3M",
        ] {
            assert!(!is_junk_name(name), "{name}");
        }
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
        // A person's title is no part of the key; a title alone stays a name.
        assert_eq!(entity_key("Mrs. Higgins", EntityType::PER), "higgins");
        assert_eq!(
            entity_key("President John F. Kennedy", EntityType::PER),
            "john f kennedy"
        );
        assert_eq!(entity_key("King", EntityType::PER), "king");
        assert_eq!(entity_key("King Center", EntityType::ORG), "king center");
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
