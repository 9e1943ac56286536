//! Relations between entities of one sentence.
//!
//! Two entities next to each other in a sentence are related by the words between them when
//! those words read as a verb phrase ("acquired", "is based in", "met with"); any other pair
//! in the sentence is a co-occurrence. No parser is involved: the test for a verb phrase is a
//! short list of common verbs plus English verb endings, which is cheap and predictable.

/// Entities in a sentence beyond which only neighbours within this distance are paired, so a
/// table row with fifty names does not produce 1,225 edges.
pub const PAIR_WINDOW: usize = 4;

/// Longest predicate, in words.
const MAX_PREDICATE_WORDS: usize = 6;

const COMMON_VERBS: &[&str] = &[
    "is", "was", "are", "were", "be", "been", "has", "have", "had", "met", "led", "leads", "left",
    "made", "built", "bought", "sold", "won", "took", "gave", "became", "began", "said", "told",
    "went", "ran", "runs", "wrote", "saw", "met", "hit", "beat", "lost", "sent", "paid", "held",
    "kept", "brought", "found", "joined", "owns", "own", "heads", "chairs", "visit", "meet",
    "join", "acquire", "buy", "sell", "lead", "run", "supply", "supplies", "will", "would", "can",
    "could", "may", "did", "does", "do", "signed", "moved", "works", "worked",
];

/// Words that may open or close a predicate but say nothing alone.
const EDGE_NOISE: &[&str] = &[
    "the", "a", "an", "which", "who", "that", "also", "then", ",",
];

/// Words that make the pair a list, not a relation.
const COORDINATORS: &[&str] = &["and", "or", "nor", "&", "as", "well"];

fn looks_like_verb(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphabetic());
    let n = w.chars().count();
    COMMON_VERBS.contains(&w)
        || (n > 4 && w.ends_with("ed"))
        || (n > 5 && w.ends_with("ing"))
        || (n > 4 && w.ends_with("es") && !w.ends_with("ies"))
        || (n > 4
            && w.ends_with('s')
            && !w.ends_with("ss")
            && !w.ends_with("us")
            && !w.ends_with("is"))
}

/// The predicate linking two adjacent entities, from the text between them, if it reads as one.
pub fn predicate_between(between: &str) -> Option<String> {
    if between.chars().any(|c| {
        matches!(
            c,
            '.' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '"' | '“' | '”'
        )
    }) {
        return None;
    }
    let lowered = between.to_lowercase();
    let mut words: Vec<&str> = lowered
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    // A possessive left over from the first entity ("Merkel's") says nothing.
    if words.first().is_some_and(|w| *w == "'s" || *w == "’s") {
        words.remove(0);
    }
    while words.first().is_some_and(|w| EDGE_NOISE.contains(w)) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| EDGE_NOISE.contains(w)) {
        words.pop();
    }
    if words.is_empty() || words.len() > MAX_PREDICATE_WORDS {
        return None;
    }
    if words.iter().any(|w| COORDINATORS.contains(w)) {
        return None;
    }
    if !words.iter().any(|w| looks_like_verb(w)) {
        return None;
    }
    Some(words.join(" "))
}

/// A relation between the `subject`-th and `object`-th entity of a sentence (in text order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRelation {
    /// Index of the first entity.
    pub subject: usize,
    /// Index of the second entity.
    pub object: usize,
    /// The verb phrase between them, if any; `None` means co-occurrence.
    pub predicate: Option<String>,
}

/// All relations of one sentence, given its characters and its entities' character spans
/// sorted by start.
pub fn sentence_relations(chars: &[char], spans: &[(usize, usize)]) -> Vec<PairRelation> {
    let mut out = Vec::new();
    for i in 0..spans.len() {
        for j in i + 1..spans.len().min(i + 1 + PAIR_WINDOW) {
            let predicate = if j == i + 1 && spans[i].1 <= spans[j].0 {
                let between: String = chars[spans[i].1..spans[j].0].iter().collect();
                predicate_between(&between)
            } else {
                None
            };
            out.push(PairRelation {
                subject: i,
                object: j,
                predicate,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_between_neighbours_become_predicates() {
        assert_eq!(predicate_between(" visited "), Some("visited".into()));
        assert_eq!(
            predicate_between(", which acquired the "),
            Some("acquired".into())
        );
        assert_eq!(
            predicate_between(" is headquartered in "),
            Some("is headquartered in".into())
        );
        assert_eq!(
            predicate_between("'s chief executive met "),
            Some("chief executive met".into())
        );
    }

    #[test]
    fn lists_prepositions_and_clause_breaks_are_not_predicates() {
        assert_eq!(predicate_between(" and "), None);
        assert_eq!(predicate_between(" in "), None);
        assert_eq!(predicate_between(" with "), None);
        assert_eq!(predicate_between(". Later, "), None);
        assert_eq!(predicate_between(" as well as "), None);
    }

    #[test]
    fn pairs_beyond_neighbours_are_co_occurrences() {
        let s: Vec<char> = "Angela Merkel visited Paris with Siemens executives"
            .chars()
            .collect();
        let rels = sentence_relations(&s, &[(0, 13), (22, 27), (33, 40)]);
        assert_eq!(
            rels,
            vec![
                PairRelation {
                    subject: 0,
                    object: 1,
                    predicate: Some("visited".into())
                },
                PairRelation {
                    subject: 0,
                    object: 2,
                    predicate: None
                },
                PairRelation {
                    subject: 1,
                    object: 2,
                    predicate: None
                },
            ]
        );
    }

    #[test]
    fn long_lists_pair_only_within_the_window() {
        let s: Vec<char> = "a b c d e f g h i j".chars().collect();
        let spans: Vec<(usize, usize)> = (0..10).map(|i| (2 * i, 2 * i + 1)).collect();
        let rels = sentence_relations(&s, &spans);
        assert!(rels.iter().all(|r| r.object - r.subject <= PAIR_WINDOW));
        assert_eq!(rels.len(), 9 + 8 + 7 + 6);
    }
}
