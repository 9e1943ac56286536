//! Two names of one thing in one sentence ("Joel Klecker, who was also known as Espy", "WU
//! (Wirtschaftsuniversität Wien)", "RMS (Richard Stallman, …)"): what the sentence says is that
//! they are the same, not that one works for or lies in the other, so they are never a
//! candidate pair for the relation model (see [`aliases`]); nor is a name and a longer name
//! with every word of it ([`head_named_in_tail`]).

use crate::nlp::entities::acronym_of;
use crate::record::{EntityType, Mention, Sentence};

/// Words that, standing alone between two names, say the second is another name of the first.
const ALIAS_WORDS: &[&str] = &[
    "also known as",
    "known as",
    "aka",
    "a.k.a.",
    "alias",
    "nicknamed",
    "better known as",
    "formerly",
    "formerly known as",
    "who was also known as",
    "who is also known as",
    "who was known as",
    "who is known as",
];

/// Whether the sentence gives `b` (after `a`) as another name of `a`: nothing but an alias word
/// between them ("Joel Klecker, who was also known as Espy"), or `b` opening a bracket right
/// after `a` when the two are of one type but places ("Manuel Estrada Sainz (ranty)" with both
/// typed persons; "Toronto (Canada)" says where Toronto is) or one is an acronym of the other
/// ("WU (Wirtschaftsuniversität Wien)", "RMS (Richard Stallman, …)"). A bracket alone is not
/// enough: "John Smith (Microsoft)" and "Acme (Boston)" state where someone works and where a
/// company is.
pub(super) fn aliases(a: &Mention, b: &Mention, sentence: &Sentence) -> bool {
    let (a, b) = if a.start <= b.start { (a, b) } else { (b, a) };
    let (Some(from), Some(to)) = (
        a.end.checked_sub(sentence.start),
        b.start.checked_sub(sentence.start),
    ) else {
        return false;
    };
    // The longest alias words and their commas fit in this many characters.
    if to < from || to - from > 32 {
        return false;
    }
    let between: String = sentence.text.chars().skip(from).take(to - from).collect();
    let words = between
        .trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if ALIAS_WORDS.contains(&words.as_str()) {
        return true;
    }
    between.trim() == "("
        && (a.entity_type == b.entity_type && a.entity_type != EntityType::LOC
            || acronym_of(&a.name, &b.name)
            || acronym_of(&b.name, &a.name))
}

/// Whether every word of the head's name is in the tail's, which names more: "Guile" and "GNU
/// Guile", "Helen" and "Helen of Troy" are one thing or its namesake, never one working for or
/// killing the other. The other way round a relation may hold: "Michael Dell Work_For Dell",
/// "Washington Post OrgBased_In Washington".
pub(super) fn head_named_in_tail(head: &Mention, tail: &Mention) -> bool {
    let tail_words: Vec<&str> = tail.key.split_whitespace().collect();
    let head_words: Vec<&str> = head.key.split_whitespace().collect();
    head_words.len() < tail_words.len() && head_words.iter().all(|w| tail_words.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::testing::document;

    /// One sentence (after another, so offsets are the page's) and its two mentions, found by
    /// their text.
    fn pair(text: &str, a: (&str, EntityType), b: (&str, EntityType)) -> bool {
        let (sentences, named) = document(&["Before it.", text], &[(1, a.0, a.1), (1, b.0, b.1)]);
        aliases(&named[0].1, &named[1].1, &sentences[1])
    }

    #[test]
    fn another_name_of_the_same_is_an_alias() {
        use EntityType::*;
        let s = "On that day Joel Klecker, who was also known as Espy, passed away.";
        assert!(pair(s, ("Joel Klecker", PER), ("Espy", ORG)));
        let s = "The main site at WU (Wirtschaftsuniversität Wien) in Austria.";
        assert!(pair(s, ("WU", ORG), ("Wirtschaftsuniversität Wien", ORG)));
        assert!(pair(s, ("Wirtschaftsuniversität Wien", LOC), ("WU", ORG)));
        let s = "It works on behalf of RMS (Richard Stallman, the founder).";
        assert!(pair(s, ("RMS", ORG), ("Richard Stallman", PER)));
        let s = "Manuel Sainz (ranty) and others came.";
        assert!(pair(s, ("Manuel Sainz", PER), ("ranty", PER)));
    }

    #[test]
    fn a_name_within_the_tails_name_is_no_head() {
        let m = |name: &str| {
            let (_, named) = document(&[name], &[(0, name, EntityType::ORG)]);
            named[0].1.clone()
        };
        assert!(head_named_in_tail(&m("guile"), &m("gnu guile")));
        assert!(head_named_in_tail(&m("helen"), &m("helen of troy")));
        assert!(!head_named_in_tail(&m("michael dell"), &m("dell")));
        assert!(!head_named_in_tail(&m("washington post"), &m("washington")));
        assert!(!head_named_in_tail(&m("ada lind"), &m("nordwind")));
    }

    #[test]
    fn a_bracket_that_says_where_is_no_alias() {
        use EntityType::*;
        let s = "We asked John Smith (Microsoft) and Acme (Boston) about it.";
        assert!(!pair(s, ("John Smith", PER), ("Microsoft", ORG)));
        assert!(!pair(s, ("Acme", ORG), ("Boston", LOC)));
        let s = "Mary Jones works for MJ Holdings in Leeds.";
        assert!(!pair(s, ("Mary Jones", PER), ("MJ Holdings", ORG)));
        let s = "It met in Toronto (Canada) in July.";
        assert!(!pair(s, ("Toronto", LOC), ("Canada", LOC)));
        let s = "Paul Allen (IBM) spoke.";
        assert!(!pair(s, ("Paul Allen", PER), ("IBM", ORG)));
    }
}
