//! Whole names: the edges of the model's entity spans moved to where a careful reader puts
//! them.
//!
//! The NER model is uncased: it never sees that "Museum" in "the Pergamon Museum" is
//! capitalised, so it often labels the name's head word `O` and keeps "Pergamon"; it drops the
//! first word of "Lower Saxony", splits "Michael D. Higgins" at the initial, a hyphenated name
//! at its hyphen, and "Leonardo da Vinci" at its lowercase particle. A relation whose ends are
//! cut like this is lost. The text's capitals are still here, so each rule below puts back one
//! kind of cut, from the words around the span, never beyond a word another span holds unless
//! it joins the two:
//!
//! - **joins**: two person spans with only white space, initials or name particles (`von der`,
//!   `da`, `bin`) between them are one person, as are a one-word person ("Yisrael", "Dr.") and
//!   the person right after it; two spans joined by a bare hyphen, or the second opening on
//!   the hyphen or stop that ends the first word ("Saint" + "-Gall"), are one name; so are a
//!   name and a head word the model typed apart ("Air" + "Force"), and a one-word name and a
//!   person the model went on with ("Yisrael" + "Tal");
//! - **stops**: an abbreviation that ends a name keeps its full stop ("Jr.", "Inc.", "Conn.");
//! - **head words**: a capitalised designator after a span (`Museum`, `District`, `Station`,
//!   `University`, …) is part of it, as is `of` and a capitalised name after a designator
//!   ("Museum of Modern Art");
//! - **lead words**: a designator and `of` before a span ("University of Oslo", "Bank of
//!   England", with the capitalised words before the designator: "Technical University of
//!   Munich"), a place prefix before a place ("Lower", "North", "Saint", "Lake", …), a
//!   unit's ordinal before its head word ("12th Brigade"), and up to two capitalised words
//!   before a name that ends in a head word ("Global" + "Greenhouse Network");
//! - **types**: a name that ends in a designator takes the designator's type (a station, a
//!   district and a river are places; a university, a museum and a bank organisations),
//!   which mends the places the model typed as organisations or persons once it saw only
//!   half the name;
//! - **restarts**: two names of one type other than persons one space apart, a one-word
//!   miscellaneous adjective and the name after it ("Latin" + "America"), a name ended on "of"
//!   and the rest ("United States of" + "America") are one; a head word alone takes the
//!   capitalised words before it ("Defense Ministry"), a company's legal name its words before
//!   ("Software in the Public Interest, Inc.");
//! - **edges**: no name starts or ends on a lower-case function word or stray punctuation ("of
//!   Connecticut", "Jones Act of"), no place or organisation starts on a lower-case word
//!   ("people of Mexico", "western New York"), and no person ends on one ("Bruce first");
//! - **titles** ([`titles`]): a courtesy title and, where the sentence runs on into it, a
//!   president's or a doctor's are part of the name ("Mrs. Higgins", "who killed President
//!   Kennedy"), as news copy writes them; an abbreviated title the model took for a person of
//!   its own ("Sen" of "Sen. Jake Garn") is no name.
//! - **news copy** ([`context`]): a wire code is no name, a wire dateline's place and source
//!   are two, a state's postal abbreviation after a city makes both places, a wire service
//!   in parentheses is an organisation, and a birthplace written as a city and its state is
//!   one place.
//!
//! The words these rules know are in [`words`]. Each rule is unit-tested in `boundaries/tests.rs`
//! on hand-labelled words; `tests/it/fixtures_pipeline.rs` measures them with the real model on
//! fixture sentences.

use super::entities::{EntitySpan, TaggedWord};
use crate::record::EntityType;

mod context;
mod joins;
mod titles;
mod words;
pub(crate) use context::code_word;
pub(crate) use words::STATE_ABBREVIATIONS;
use words::{
    ABBREVIATED_ENDS, ABBREVIATED_TITLES, ORG_HEADS, PARTICLES, PLACE_HEADS, PLACE_PREFIXES,
    SURNAME_HEADS, WORK_HEADS,
};

/// The type a head word gives a name, if it is one.
fn head_type(word: &str) -> Option<EntityType> {
    if PLACE_HEADS.contains(&word) {
        Some(EntityType::LOC)
    } else if ORG_HEADS.contains(&word) {
        Some(EntityType::ORG)
    } else if WORK_HEADS.contains(&word) {
        Some(EntityType::MISC)
    } else {
        None
    }
}

/// The type a head word gives a name when it names a place or an organisation ("Force",
/// "Plant"), not a work or an event.
fn place_or_org_head(word: &str) -> Option<EntityType> {
    head_type(word).filter(|&t| t != EntityType::MISC)
}

/// The words of one input with its text, and which span (if any) holds each word.
struct Words<'a> {
    words: &'a [TaggedWord],
    chars: Vec<char>,
}

impl Words<'_> {
    fn text(&self, i: usize) -> String {
        self.chars[self.words[i].start..self.words[i].end]
            .iter()
            .collect()
    }

    /// The words inside `span`, in order.
    fn inside(&self, span: &EntitySpan) -> Vec<usize> {
        (0..self.words.len())
            .filter(|&i| self.words[i].start >= span.start && self.words[i].end <= span.end)
            .collect()
    }

    /// The word starting at character `at`.
    fn starting_at(&self, at: usize) -> Option<usize> {
        self.words.iter().position(|w| w.start == at)
    }

    /// The word ending at character `at`.
    fn ending_at(&self, at: usize) -> Option<usize> {
        self.words.iter().position(|w| w.end == at)
    }

    /// Where the token that goes on at character `at` without a space ends: a dot and a digit
    /// or a lowercase letter ("ASN" + ".1", "Node" + ".js"; not "Lee" + ".The", two sentences
    /// run together), or an underscore and a letter or digit, each with the letters and digits
    /// after it. `None` when nothing is glued on.
    fn glued(&self, at: usize) -> Option<usize> {
        let c = &self.chars;
        let mut end = at;
        while end + 1 < c.len() {
            let next = c[end + 1];
            let glue = match c[end] {
                '.' => next.is_ascii_digit() || next.is_lowercase(),
                '_' => next.is_alphanumeric(),
                _ => false,
            };
            if !glue {
                break;
            }
            end += 1;
            while end < c.len() && c[end].is_alphanumeric() {
                end += 1;
            }
        }
        (end > at).then_some(end)
    }

    /// What stands between characters `from` and `to`.
    fn between(&self, from: usize, to: usize) -> String {
        self.chars[from.min(to)..to].iter().collect()
    }

    /// Whether the word is capitalised and has a lowercase letter or is longer than one
    /// letter (a capitalised word, not a lone letter or a symbol).
    fn capitalised(&self, i: usize) -> bool {
        let t = self.text(i);
        let mut cs = t.chars();
        cs.next().is_some_and(char::is_uppercase) && t.chars().count() > 1
    }

    /// Whether words `a` and `b` are joined by a bare hyphen, word `h` ("Baden-Württemberg").
    fn hyphenated(&self, a: usize, h: usize, b: usize) -> bool {
        self.words[h].start == self.words[a].end
            && self.text(h) == "-"
            && self.words[b].start == self.words[h].end
    }

    /// Whether the word is labelled outside any entity.
    fn outside(&self, i: usize) -> bool {
        self.words[i].label == "O"
    }

    /// The word after word `i` across exactly one space, if there is one.
    fn next_after_space(&self, i: usize) -> Option<usize> {
        let j = i + 1;
        (j < self.words.len() && self.between(self.words[i].end, self.words[j].start) == " ")
            .then_some(j)
    }

    /// The word before word `i` across exactly one space.
    fn prev_before_space(&self, i: usize) -> Option<usize> {
        let j = i.checked_sub(1)?;
        (self.between(self.words[j].end, self.words[i].start) == " ").then_some(j)
    }

    /// Word `i` is a single capital letter, maybe followed by a full stop word: an initial.
    /// Returns the index of its last word.
    fn initial(&self, i: usize) -> Option<usize> {
        let t = self.text(i);
        if t.chars().count() != 1 || !t.chars().all(char::is_uppercase) {
            return None;
        }
        match self.words.get(i + 1) {
            Some(w) if w.start == self.words[i].end && self.text(i + 1) == "." => Some(i + 1),
            _ => Some(i),
        }
    }
}

/// Moves the edges of `spans` (from one input's `words`, over its `text`) to whole names.
pub(crate) fn whole_names(
    spans: Vec<EntitySpan>,
    words: &[TaggedWord],
    text: &str,
) -> Vec<EntitySpan> {
    if spans.is_empty() {
        return spans;
    }
    let w = Words {
        words,
        chars: text.chars().collect(),
    };
    let mut joined = context::datelines(joins::join(context::without_codes(spans, &w), &w), &w);
    joined.retain(|s| !titles::lone_title(s, &w));
    let mut out: Vec<EntitySpan> = Vec::with_capacity(joined.len());
    for (k, span) in joined.iter().enumerate() {
        let limit_left = out.last().map_or(0, |s| s.end);
        let limit_right = joined.get(k + 1).map_or(w.chars.len(), |s| s.start);
        let mut span = span.clone();
        trim_edges(&mut span, &w, limit_left);
        let mut grown = extend_right(span.clone(), &w, limit_right);
        grown = extend_left(grown, &w, limit_left);
        // The model's own whole person name is trusted ("David Park"); a name it saw only
        // part of, or typed otherwise, takes its head word's type.
        if span.entity_type != EntityType::PER || grown.start != span.start || grown.end != span.end
        {
            retype(&mut grown, &w);
        }
        trim_lowercase_end(&mut grown, &w);
        out.push(titles::with_title(grown, &w, limit_left));
    }
    let mut out = joins::lead_adjectives(out, &w);
    context::settle_types(&mut out, &w);
    context::birthplaces(out, &w)
}

/// Words a name does not start or end on, which the model's labels let in: a lower-case
/// function word ("of Connecticut", "for Fears", "Jones Act of 1920", "Peter or Paul"; a
/// particle starts a person's name, "van Gogh", and "of" or a particle before a capitalised
/// word may lead on into the rest of the name) and stray punctuation (". Hutchinson",
/// "Louisville ("). A possessive the model started a name on is its first word's: "People" +
/// "'s Republic of China". Not over `limit`.
fn trim_edges(span: &mut EntitySpan, w: &Words, limit: usize) {
    let inside = w.inside(span);
    if inside.len() < 2 {
        return;
    }
    let first = inside[0];
    if matches!(w.text(first).as_str(), "'" | "’")
        && w.text(inside[1]) == "s"
        && first > 0
        && w.words[first - 1].end == w.words[first].start
        && w.words[first - 1].start >= limit
        && w.capitalised(first - 1)
    {
        span.start = w.words[first - 1].start;
        return;
    }
    let lower_function = |i: usize| {
        let t = w.text(i);
        t.chars().next().is_some_and(char::is_lowercase) && is_function_word(&t)
    };
    let stray = |i: usize, at_end: bool| {
        let t = w.text(i);
        let marks: &[char] = if at_end {
            &[',', ';', ':', '(', '-', '–', '`', '"', '“', '”']
        } else {
            &['.', ',', ';', ':', ')', '-', '–', '`', '"', '“', '”']
        };
        t.chars().all(|c| marks.contains(&c))
    };
    // "of Connecticut" after "University": the head word is the name's.
    let head_before = (w.text(first) == "of")
        .then(|| w.prev_before_space(first))
        .flatten()
        .filter(|&h| {
            w.words[h].start >= limit && w.capitalised(h) && head_type(&w.text(h)).is_some()
        });
    if let Some(h) = head_before {
        span.start = w.words[h].start;
        return;
    }
    // A lower-case word the model opened a place or an organisation on ("department of
    // Solola", "fraternal Saudi Arabia", "state Supreme Court"; not a particle: "de Gaulle",
    // nor the first part of a hyphenated word: "al-Qaeda"). What is left must be a place or
    // a name of two words or more: "board of Software" was a cut "Software in the Public
    // Interest", and "Software" alone an organisation of no one's making.
    let last = *inside.last().expect("two words or more");
    let lower_lead = |i: usize| {
        let t = w.text(i);
        let rest = inside
            .iter()
            .filter(|&&j| j > i && w.capitalised(j))
            .count();
        span.entity_type != EntityType::PER
            && t.chars().all(|c| c.is_alphabetic() && c.is_lowercase())
            && !PARTICLES.contains(&t.as_str())
            && w.next_after_space(i).is_some()
            && i < last
            && (span.entity_type == EntityType::LOC || rest >= 2)
    };
    let (mut a, mut b) = (0, inside.len());
    while a + 1 < b
        && (stray(inside[a], false)
            || lower_lead(inside[a])
            || lower_function(inside[a])
                && !(span.entity_type == EntityType::PER
                    && PARTICLES.contains(&w.text(inside[a]).as_str())))
    {
        a += 1;
    }
    let leads_on = |i: usize| {
        w.next_after_space(i).is_some_and(|j| w.capitalised(j))
            && (w.text(i) == "of" || PARTICLES.contains(&w.text(i).as_str()))
    };
    while b > a + 1
        && (stray(inside[b - 1], true) || lower_function(inside[b - 1]) && !leads_on(inside[b - 1]))
    {
        b -= 1;
    }
    span.start = w.words[inside[a]].start;
    span.end = w.words[inside[b - 1]].end;
}

/// Whether a name ends on a company's legal form ("Inc.", "Ltd", "GmbH").
fn legal_suffix(span: &EntitySpan, w: &Words) -> bool {
    let text: String = w.chars[span.start..span.end].iter().collect();
    text.split_whitespace().count() >= 2
        && text.split_whitespace().last().is_some_and(|last| {
            let last = last.trim_matches(['.', ',']).to_lowercase();
            super::entities::LEGAL_FORMS.contains(&last.as_str())
        })
}

/// A person's name never ends on a word in lower case: the model ran on into the sentence
/// ("Bruce first became interested …" gave "Bruce first"). Such words are cut off (a place may
/// end on one: "the Western hemisphere", "the Hudson valley"); a
/// function word is left, as it may lead on into the rest of the name ("United States of" +
/// "America", joined later).
fn trim_lowercase_end(span: &mut EntitySpan, w: &Words) {
    if span.entity_type != EntityType::PER {
        return;
    }
    loop {
        let text = &w.chars[span.start..span.end];
        let Some(space) = text.iter().rposition(|c| c.is_whitespace()) else {
            return;
        };
        let last = &text[space + 1..];
        let word: String = last.iter().collect();
        if last.is_empty() || !last.iter().all(|c| c.is_lowercase()) || is_function_word(&word) {
            return;
        }
        let kept = text[..space]
            .iter()
            .rposition(|c| !c.is_whitespace())
            .map_or(0, |i| i + 1);
        if kept == 0 {
            return;
        }
        span.end = span.start + kept;
    }
}

/// Extends a span over what follows it and belongs to the name, not past `limit`.
fn extend_right(mut span: EntitySpan, w: &Words, limit: usize) -> EntitySpan {
    loop {
        let Some(last) = w.ending_at(span.end) else {
            return span;
        };
        let free = |i: usize| w.words[i].end <= limit && w.outside(i);
        // "Fort St" + ". John": a saint's or a mountain's abbreviation inside a name goes on.
        if let Some(stop) = w
            .starting_at(span.end)
            .filter(|&i| w.text(i) == "." && free(i))
        {
            if ["St", "Ste", "Mt", "Ft"].contains(&w.text(last).as_str()) {
                if let Some(next) = w
                    .next_after_space(stop)
                    .filter(|&j| free(j) && w.capitalised(j))
                {
                    span.end = w.words[next].end;
                    continue;
                }
            }
        }
        // "Jr" + ".", "Fla" + ".": the abbreviation's stop is the name's, and the name ends.
        if let Some(stop) = w
            .starting_at(span.end)
            .filter(|&i| w.text(i) == "." && free(i))
        {
            let abbreviation = w.text(last).to_lowercase();
            if ABBREVIATED_ENDS.contains(&abbreviation.as_str())
                || STATE_ABBREVIATIONS.contains(&abbreviation.as_str())
            {
                span.end = w.words[stop].end;
                return span;
            }
        }
        // A name the text goes on without a space: "ASN" + ".1", "MY_" + "CONST" (not a lone
        // letter: "A" + ".1" is a section's number).
        let letters = w.chars[span.start..span.end]
            .iter()
            .filter(|c| c.is_alphabetic())
            .count();
        if let Some(end) = w.glued(span.end).filter(|&e| e <= limit && letters >= 2) {
            span.end = end;
            continue;
        }
        // "Baden-" + "Württemberg": a capitalised word hyphenated on.
        let (h, n) = (last + 1, last + 2);
        if n < w.words.len() && w.hyphenated(last, h, n) && w.capitalised(n) && free(h) && free(n) {
            span.end = w.words[n].end;
            continue;
        }
        let Some(next) = w.next_after_space(last) else {
            return span;
        };
        if !free(next) {
            return span;
        }
        let next_text = w.text(next);
        // A head word: "Pergamon" + "Museum" (but "Susan" + "Park" is a person).
        let surname =
            span.entity_type == EntityType::PER && SURNAME_HEADS.contains(&next_text.as_str());
        if w.capitalised(next) && head_type(&next_text).is_some() && !surname {
            span.end = w.words[next].end;
            continue;
        }
        // Up to two capitalised words and a head word: "GNU Free" + "Documentation License".
        if span.entity_type != EntityType::PER {
            let mut i = next;
            for _ in 0..2 {
                if !free(i) || !w.capitalised(i) || is_function_word(&w.text(i)) {
                    break;
                }
                let Some(j) = w.next_after_space(i) else {
                    break;
                };
                if free(j) && w.capitalised(j) && head_type(&w.text(j)).is_some() {
                    span.end = w.words[j].end;
                    break;
                }
                i = j;
            }
            if span.end > w.words[last].end {
                continue;
            }
        }
        // After a head word, "of" and a capitalised name: "Museum" + "of Modern Art".
        if next_text == "of" && head_type(&w.text(last)).is_some() {
            let mut end = None;
            let mut i = next;
            while let Some(j) = w.next_after_space(i) {
                if !free(j) || !w.capitalised(j) || is_function_word(&w.text(j)) {
                    break;
                }
                end = Some(w.words[j].end);
                i = j;
            }
            if let Some(end) = end {
                span.end = end;
                continue;
            }
            return span;
        }
        // A person's particle and surname the model left out: "Leonardo" + "da Vinci".
        if span.entity_type == EntityType::PER && PARTICLES.contains(&next_text.as_str()) {
            let mut i = next;
            while let Some(j) = w.next_after_space(i) {
                if !free(j) {
                    break;
                }
                if PARTICLES.contains(&w.text(j).as_str()) {
                    i = j;
                    continue;
                }
                if w.capitalised(j) {
                    span.end = w.words[j].end;
                }
                break;
            }
        }
        return span;
    }
}

/// Extends a span over what precedes it and belongs to the name, not before `limit`.
fn extend_left(mut span: EntitySpan, w: &Words, limit: usize) -> EntitySpan {
    let mut before_head = true;
    loop {
        let Some(first) = w.starting_at(span.start) else {
            return span;
        };
        let free = |i: usize| w.words[i].start >= limit && w.outside(i);
        // "Schleswig-" before "Holstein".
        if first >= 2 {
            let (h, p) = (first - 1, first - 2);
            if w.hyphenated(p, h, first) && w.capitalised(p) && free(h) && free(p) {
                span.start = w.words[p].start;
                continue;
            }
        }
        let Some(prev) = w.prev_before_space(first) else {
            return span;
        };
        if !free(prev) {
            return span;
        }
        let prev_text = w.text(prev);
        // A unit's ordinal before its head word: "12th" + "Brigade", "6th" + "Fleet".
        let place_or_org = |i: usize| place_or_org_head(&w.text(i)).is_some();
        if place_or_org(first) && ordinal(&prev_text) {
            span.start = w.words[prev].start;
            continue;
        }
        // A head word alone is no whole name: "Defense" + "Ministry", "Air" + "Force"; nor
        // is a name ending in one that the model started late ("Global" + "Greenhouse
        // Network"). Up to two capitalised words before it, not the sentence's first.
        let ends_in_head = w.ending_at(span.end).is_some_and(place_or_org);
        if before_head && ends_in_head && span.entity_type != EntityType::PER {
            let takes =
                |j: usize| j > 0 && free(j) && w.capitalised(j) && !is_function_word(&w.text(j));
            if takes(prev) {
                before_head = false;
                span.start = w.words[prev].start;
                if let Some(before) = w.prev_before_space(prev).filter(|&j| takes(j)) {
                    span.start = w.words[before].start;
                }
                continue;
            }
        }
        // A company's legal name ("Software in the Public Interest, Inc."): capitalised words
        // before it, and a capitalised word with "in the", "for the" or "of the" after it.
        if span.entity_type == EntityType::ORG && legal_suffix(&span, w) {
            let takes =
                |j: usize| j > 0 && free(j) && w.capitalised(j) && !is_function_word(&w.text(j));
            if takes(prev) {
                span.start = w.words[prev].start;
                continue;
            }
            let link = (prev_text == "the")
                .then(|| w.prev_before_space(prev))
                .flatten()
                .filter(|&j| free(j) && matches!(w.text(j).as_str(), "in" | "for" | "of"));
            if let Some(head) = link
                .and_then(|j| w.prev_before_space(j))
                .filter(|&h| takes(h))
            {
                span.start = w.words[head].start;
                continue;
            }
        }
        // "University of" before "Oslo", with the capitalised words before the head word.
        if prev_text == "of" {
            let Some(head) = w.prev_before_space(prev).filter(|&h| free(h)) else {
                return span;
            };
            if !w.capitalised(head) || head_type(&w.text(head)).is_none() {
                return span;
            }
            let mut start = w.words[head].start;
            let mut i = head;
            while let Some(j) = w.prev_before_space(i) {
                if !free(j) || !w.capitalised(j) || is_function_word(&w.text(j)) {
                    break;
                }
                start = w.words[j].start;
                i = j;
            }
            span.start = start;
            continue;
        }
        // "Lower" before "Saxony".
        if span.entity_type == EntityType::LOC
            && w.capitalised(prev)
            && PLACE_PREFIXES.contains(&prev_text.trim_end_matches('.'))
        {
            span.start = w.words[prev].start;
            continue;
        }
        return span;
    }
}

/// A name of two or more words ending in a head word takes the head word's type; so does one
/// with a head word and `of` inside it ("Technical University of Munich").
fn retype(span: &mut EntitySpan, w: &Words) {
    let (Some(first), Some(last)) = (w.starting_at(span.start), w.ending_at(span.end)) else {
        return;
    };
    if first == last {
        return;
    }
    let head = head_type(&w.text(last)).or_else(|| {
        (first..last).find_map(|i| {
            let next = w.next_after_space(i).filter(|&j| j <= last)?;
            (w.text(next) == "of")
                .then(|| head_type(&w.text(i)))
                .flatten()
        })
    });
    if let Some(ty) = head {
        span.entity_type = ty;
    }
}

/// Whether a word is an ordinal written in digits ("1st", "12th", "103rd").
fn ordinal(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && ["st", "nd", "rd", "th"].contains(&&word[digits..])
}

fn is_function_word(word: &str) -> bool {
    crate::extract::FUNCTION_WORDS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests;
