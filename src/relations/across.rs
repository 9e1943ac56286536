//! Relations between entities that never share a sentence, read by the window model: a
//! relation model of the same kind as the sentence model (packed, one pass per window for all
//! its pairs), trained on Wikipedia article openings to read what a stretch of text implies
//! about two entities it names in different sentences ("Siemens is a German company. … It is
//! headquartered in Munich"; "The village lies in Oakham County. … The county is part of
//! Westmark").
//!
//! The document's prose is read in windows of [`WINDOW`] consecutive sentences, a window
//! starting every [`STRIDE`] sentences. In a window, each entity is marked at its first mention, a named
//! one or a resolved reference ([`crate::nlp::coref`]); a candidate is an ordered pair of
//! entities whose types fit a predicate, marked in different sentences, that no sentence of
//! the document names together (those are the sentence model's), where the two sentences are
//! about something in common: both name (or refer to) a third entity, directly or through the
//! window's other sentence. Without that, on a news corpus made of unrelated sentences the
//! model read 130 relations across them (a city "in" the country of the next sentence); with
//! it 9, and on Wikipedia openings it keeps four fifths of what it found, at higher precision. Each pair is read once, in
//! the first window that holds both, nearest pairs first, at most [`MAX_PAIRS_PER_WINDOW`] a
//! window (one pass). Relations found are marked [`Basis::Across`]
//! and carry the sentences from the one to the other as their evidence. A document too long to be
//! read as a whole (a manual, a book: [`super::WHOLE_DOCUMENT_MAX_SENTENCES`]) is not read
//! this way.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Instant;

use super::model::Marked;
use super::schema::Schema;
use super::{keep_one_direction, score_units, Decided, RelationModels};
use crate::cancel::Stop;
use crate::error::Result;
use crate::pool::BusyTime;
use crate::record::{Basis, Mention, RelationMention, Sentence, TextKind};

/// Sentences in a window.
pub const WINDOW: usize = 3;

/// Sentences from one window's start to the next's: windows do not overlap. Overlapping by
/// one sentence (a stride of 2) read 3% more of the development documents' relations across
/// sentences for 50% more passes.
pub const STRIDE: usize = 3;

/// Candidate pairs read in one window at most, nearest first. 16 (a full row) found 7% more of
/// the development documents' relations across sentences, at lower precision (41% of what it
/// read across sentences right, against 47%).
pub const MAX_PAIRS_PER_WINDOW: usize = 8;

/// A mention in a window: the sentence (index into the document's), the mention.
type Placed<'a> = (usize, &'a Mention);

/// A candidate: the two first mentions in the window that reads it.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    head: Placed<'a>,
    tail: Placed<'a>,
}

/// A window: its text (sentences joined by a space) and the candidate pairs read in it, each
/// with its two marks in the text.
struct Window<'a> {
    text: String,
    pairs: Vec<(Candidate<'a>, (Marked, Marked))>,
}

/// The windows of a document and their candidate pairs (see the module's text). `mentions`:
/// named mentions and references as mentions, each with its sentence index, in sentence and
/// offset order.
fn windows<'a>(
    schema: &Schema,
    mentions: &'a [(usize, Mention)],
    sentences: &[Sentence],
) -> Vec<Window<'a>> {
    // Pairs some sentence names together.
    let mut by_sentence: BTreeMap<usize, Vec<&Mention>> = BTreeMap::new();
    for (s, m) in mentions {
        by_sentence.entry(*s).or_default().push(m);
    }
    let mut together: HashSet<(&str, &str)> = HashSet::new();
    for ms in by_sentence.values() {
        for a in ms {
            for b in ms {
                together.insert((a.key.as_str(), b.key.as_str()));
            }
        }
    }
    let prose: Vec<usize> = (0..sentences.len())
        .filter(|&s| sentences[s].kind.is_prose())
        .collect();

    let mut out = Vec::new();
    let mut asked: HashSet<(&str, &str)> = HashSet::new();
    for w in (0..prose.len()).step_by(STRIDE) {
        let window = &prose[w..(w + WINDOW).min(prose.len())];
        if window.len() < 2 {
            break;
        }
        // Window text: sentences joined by a space; where each starts in it.
        let mut text = String::new();
        let mut offset: BTreeMap<usize, usize> = BTreeMap::new();
        for &s in window {
            if !text.is_empty() {
                text.push(' ');
            }
            offset.insert(s, text.chars().count());
            text.push_str(&sentences[s].text);
        }
        // Each entity's first mention in the window.
        let mut first: Vec<Placed> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for &s in window {
            for m in by_sentence.get(&s).into_iter().flatten() {
                if seen.insert(m.key.as_str()) {
                    first.push((s, m));
                }
            }
        }
        // Sentences joined by an entity both name (or refer to), directly or through the
        // window's other sentence: the text goes on about something.
        let keys = |s: usize| -> BTreeSet<&str> {
            by_sentence
                .get(&s)
                .into_iter()
                .flatten()
                .map(|m| m.key.as_str())
                .collect()
        };
        let mut group: BTreeMap<usize, usize> = window.iter().map(|&s| (s, s)).collect();
        for _ in 0..window.len() {
            for &a in window {
                for &b in window {
                    if a < b && !keys(a).is_disjoint(&keys(b)) {
                        let g = group[&a].min(group[&b]);
                        group.insert(a, g);
                        group.insert(b, g);
                    }
                }
            }
        }
        let mut pairs: Vec<(Placed, Placed)> = Vec::new();
        for &h in &first {
            for &t in &first {
                let key = (h.1.key.as_str(), t.1.key.as_str());
                if h.0 == t.0
                    || group[&h.0] != group[&t.0]
                    || !schema.fits(h.1.entity_type, t.1.entity_type)
                    || together.contains(&key)
                    || asked.contains(&key)
                {
                    continue;
                }
                pairs.push((h, t));
            }
        }
        let at = |p: &Placed| offset[&p.0] + p.1.start - sentences[p.0].start;
        pairs.sort_by_key(|(h, t)| (at(h).abs_diff(at(t)), at(h), at(t)));
        pairs.truncate(MAX_PAIRS_PER_WINDOW);
        let mark = |p: &Placed| Marked {
            start: at(p),
            end: at(p) + (p.1.end - p.1.start),
            entity_type: p.1.entity_type,
        };
        let pairs: Vec<(Candidate, (Marked, Marked))> = pairs
            .into_iter()
            .map(|(h, t)| {
                asked.insert((h.1.key.as_str(), t.1.key.as_str()));
                (Candidate { head: h, tail: t }, (mark(&h), mark(&t)))
            })
            .collect();
        if !pairs.is_empty() {
            out.push(Window { text, pairs });
        }
    }
    out
}

/// Relations across sentences of one document. `mentions`: named mentions and references as
/// mentions, each with its sentence index, in sentence and offset order; `page_of` gives a
/// sentence's page. Returns the relations and the number of pairs scored.
pub(crate) fn across<'a>(
    models: &RelationModels,
    mentions: &'a [(usize, Mention)],
    sentences: &[Sentence],
    page_of: impl Fn(&Sentence) -> u32,
    stop: &Stop,
    busy: &BusyTime,
) -> Result<(Vec<RelationMention>, usize)> {
    if !super::read_as_whole(sentences) {
        return Ok((Vec::new(), 0));
    }
    let serial = Instant::now();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut units: Vec<super::Unit> = Vec::new();
    for w in windows(models.schema(), mentions, sentences) {
        let first = candidates.len();
        let marks: Vec<(Marked, Marked)> = w.pairs.iter().map(|p| p.1).collect();
        candidates.extend(w.pairs.into_iter().map(|p| p.0));
        for (input, asked) in models.encoder.inputs(models.input, &w.text, &marks) {
            units.push((input, asked.into_iter().map(|i| first + i).collect(), None));
        }
    }
    busy.add(serial.elapsed());
    let scored = score_units(models, &units, None, stop, busy)?;

    let serial = Instant::now();
    // Decisions by pair of entities (numbered as met), one direction per pair.
    let mut entities: Vec<&str> = Vec::new();
    let mut index = |k: &'a str| match entities.iter().position(|e| *e == k) {
        Some(i) => i,
        None => {
            entities.push(k);
            entities.len() - 1
        }
    };
    let mut by_entities: Decided = BTreeMap::new();
    let mut candidate_of: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (i, p) in scored {
        let c = &candidates[i];
        let Some(d) = models
            .schema()
            .decide(&p, models.threshold)
            .filter(|(p, _)| !super::country_in_country(&c.head.1.key, *p, &c.tail.1.key))
        else {
            continue;
        };
        let k = (index(&c.head.1.key), index(&c.tail.1.key));
        by_entities.insert(k, d);
        candidate_of.insert(k, i);
    }
    keep_one_direction(&mut by_entities);
    let out = by_entities
        .into_iter()
        .map(|(k, (predicate, confidence))| {
            let c = &candidates[candidate_of[&k]];
            let (a, b) = (c.head.0.min(c.tail.0), c.head.0.max(c.tail.0));
            let (first, last) = (&sentences[a], &sentences[b]);
            let same_page = first.page_index == last.page_index;
            RelationMention {
                subject: c.head.1.key.clone(),
                object: c.tail.1.key.clone(),
                predicate: Some(predicate),
                confidence: Some(confidence),
                page: page_of(first),
                start: first.start,
                end: if same_page { last.end } else { first.end },
                subject_span: (c.head.1.start, c.head.1.end),
                object_span: (c.tail.1.start, c.tail.1.end),
                sentence: (a..=b)
                    .filter(|&s| sentences[s].kind.is_prose())
                    .map(|s| sentences[s].text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                kind: TextKind::Prose,
                basis: Basis::Across,
                premises: Vec::new(),
            }
        })
        .collect();
    busy.add(serial.elapsed());
    Ok((out, candidates.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::EntityType::{LOC, ORG, PER};

    use crate::record::testing::document as doc;

    fn pairs(w: &Window) -> Vec<(String, String)> {
        w.pairs
            .iter()
            .map(|(c, _)| (c.head.1.key.clone(), c.tail.1.key.clone()))
            .collect()
    }

    #[test]
    fn sentences_about_nothing_in_common_are_not_read_together() {
        let (s, m) = doc(
            &["Ada Quill lives in Harlow.", "Velmora hired Bo Lind."],
            &[
                (0, "Ada Quill", PER),
                (0, "Harlow", LOC),
                (1, "Velmora", ORG),
                (1, "Bo Lind", PER),
            ],
        );
        assert!(windows(&Schema::conll04(), &m, &s).is_empty());
    }

    #[test]
    fn pairs_no_sentence_names_together_are_read_once_in_the_first_window_with_both() {
        let (s, m) = doc(
            &[
                "Ada Quill lives in Harlow.",
                "Velmora hired Bo Lind and Ada Quill's son.",
                "Ada Quill left.",
                "Bo Lind sold Velmora in Brill.",
                "Ada Quill came back to Velmora.",
            ],
            &[
                (0, "Ada Quill", PER),
                (0, "Harlow", LOC),
                (1, "Velmora", ORG),
                (1, "Bo Lind", PER),
                (1, "Ada Quill", PER),
                (2, "Ada Quill", PER),
                (3, "Bo Lind", PER),
                (3, "Velmora", ORG),
                (3, "Brill", LOC),
                (4, "Ada Quill", PER),
                (4, "Velmora", ORG),
            ],
        );
        let ws = windows(&Schema::conll04(), &m, &s);
        // Windows: sentences 0-2 and 3-4.
        assert_eq!(ws.len(), 2);
        let mut first = pairs(&ws[0]);
        first.sort();
        assert_eq!(
            first,
            vec![
                ("bo lind".into(), "harlow".into()),
                ("velmora".into(), "harlow".into()),
            ]
        );
        // Sentences 3 and 4 share Velmora; Brill is named with Bo Lind and Velmora, and Ada
        // Quill with both elsewhere: only Ada Quill and Brill are new.
        assert_eq!(pairs(&ws[1]), vec![("ada quill".into(), "brill".into())]);
        // Marks point at the first mention in the window's text.
        let w = &ws[1];
        let (_, (h, t)) = &w.pairs[0];
        let chars: Vec<char> = w.text.chars().collect();
        assert_eq!(
            chars[h.start..h.end].iter().collect::<String>(),
            "Ada Quill"
        );
        assert_eq!(chars[t.start..t.end].iter().collect::<String>(), "Brill");
    }
}
