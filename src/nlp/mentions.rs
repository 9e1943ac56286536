//! A document's entity mentions: its pages cut into sentences, the sentences tagged by the NER
//! model in length-sorted batches spread over the worker pool, names the model found once
//! propagated to where it missed them, and every mention named and keyed.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::boundaries::whole_names;
use super::entities::{display_name, entity_key, is_junk_name, merge_bio, surname_links};
use super::gazetteer::Gazetteer;
use super::kinds::{self, TextKind};
use super::ner::{NerModels, BATCH_SIZE};
use super::sentences::{chunk_span, split_sentences};
use crate::cancel::Stop;
use crate::error::Result;
use crate::pool::BusyTime;
use crate::record::{EntityType, Mention, PageText, Sentence};
use crate::runtime::TextStates;

/// Longest input given to the model, in words (well under its 512 sub-words).
pub const MAX_SENTENCE_WORDS: usize = 120;

/// A mention as the model (or propagation) found it: a span of one sentence.
#[derive(Debug)]
pub(crate) struct RawMention {
    sentence: usize,
    start: usize, // in the sentence
    end: usize,
    entity_type: EntityType,
    score: f32,
    inferred: bool,
    /// The list's name for the entity, for a name of the list of entities.
    listed: Option<String>,
}

impl RawMention {
    /// The mention's words, from its sentence.
    fn text(&self, sentences: &[Sentence]) -> String {
        let s = &sentences[self.sentence].text;
        s.chars()
            .skip(self.start)
            .take(self.end - self.start)
            .collect()
    }
}

/// The document's sentences, long ones cut into chunks the model can read whole, each with
/// its kind of text ([`super::kinds`]: judged alone, then within its paragraph).
pub(crate) fn sentences(pages: &[PageText]) -> Vec<Sentence> {
    let texts: Vec<&str> = pages.iter().map(|p| p.text.as_str()).collect();
    let running = kinds::running_lines(&texts);
    let mut out = Vec::new();
    for (page_index, p) in pages.iter().enumerate() {
        let chars: Vec<char> = p.text.chars().collect();
        let running = &running[page_index];
        // Sentences end at running lines and at lines that stand alone (fields, addresses).
        let mut cuts = running.to_vec();
        cuts.extend(kinds::standalone_lines(&p.text));
        let spans = cut_at(&chars, split_sentences(&p.text), &cuts);
        let raw = |s: &super::sentences::SentenceSpan| -> String {
            chars[s.start..s.end].iter().collect()
        };
        let mut kinds: Vec<TextKind> = spans.iter().map(|s| kinds::classify(&raw(s))).collect();
        // Paragraphs: runs of sentences with no blank line between them.
        let mut from = 0;
        for i in 1..=spans.len() {
            let ends = i == spans.len() || {
                let gap: String = chars[spans[i - 1].end..spans[i].start].iter().collect();
                gap.matches('\n').count() >= 2
            };
            if ends {
                let words: Vec<usize> = spans[from..i]
                    .iter()
                    .map(|s| raw(s).split_whitespace().count())
                    .collect();
                kinds::in_paragraph(&mut kinds[from..i], &words);
                from = i;
            }
        }
        let texts: Vec<String> = spans.iter().map(raw).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        kinds::in_runs(&mut kinds, &texts);
        kinds::in_quotations(&mut kinds, &texts);
        kinds::after_headings(&mut kinds, &texts);
        for (span, kind) in spans.iter().zip(kinds.iter_mut()) {
            if running
                .iter()
                .any(|r| r.start <= span.start && span.end <= r.end)
            {
                *kind = TextKind::Running;
            }
        }
        for (span, kind) in spans.iter().zip(kinds) {
            for chunk in chunk_span(&chars, span, MAX_SENTENCE_WORDS) {
                let text: String = chars[chunk.start..chunk.end]
                    .iter()
                    .map(|&c| if c == '\n' { ' ' } else { c })
                    .collect();
                out.push(Sentence {
                    page_index,
                    start: chunk.start,
                    end: chunk.end,
                    text,
                    kind,
                });
            }
        }
    }
    out
}

/// Sentence spans cut where a running header or footer (`lines`) begins or ends inside one, so
/// that the header is a sentence of its own.
fn cut_at(
    chars: &[char],
    spans: Vec<super::sentences::SentenceSpan>,
    lines: &[std::ops::Range<usize>],
) -> Vec<super::sentences::SentenceSpan> {
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let mut cuts: Vec<usize> = lines
            .iter()
            .flat_map(|r| [r.start, r.end])
            .filter(|&c| s.start < c && c < s.end)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut start = s.start;
        for c in cuts.into_iter().chain([s.end]) {
            let (mut a, mut b) = (start, c);
            start = c;
            // Each piece without the white space at its edges; one of white space only is none.
            while a < b && chars[a].is_whitespace() {
                a += 1;
            }
            while a < b && chars[b - 1].is_whitespace() {
                b -= 1;
            }
            if a < b {
                out.push(super::sentences::SentenceSpan { start: a, end: b });
            }
        }
    }
    out
}

/// Characters of a document's sentences whose text states NER keeps for the relation model
/// at most (see [`find`]): about 18,000 sub-words, 80 MB of states. Past them the relation
/// stage has NER's instances compute the states of the rows it scores, batch by batch
/// ([`crate::nlp::ner::NerModels::text_states`]): a second pass over those sentences, but
/// memory stays bounded however long the document.
pub(crate) const KEPT_STATE_CHARS: usize = 80_000;

/// Tags every sentence and propagates confident names within the document.
/// The time spent on it is added to `busy`.
///
/// With `keep_states`, the text states of the sentences the model found a name in come back
/// too, by sentence (for the relation model, [`crate::runtime::TextStates`]), of the first
/// [`KEPT_STATE_CHARS`] characters of the sentences read; which sentences keep them depends
/// only on the document, never on the order batches run in. Their cost is added to
/// `kept_busy` (and is part of `busy` too).
pub(crate) fn find(
    ner: &NerModels,
    gazetteer: Option<&Gazetteer>,
    sentences: &[Sentence],
    keep_states: bool,
    stop: &Stop,
    (busy, kept_busy): (&BusyTime, &BusyTime),
) -> Result<(Vec<RawMention>, Vec<Option<TextStates>>)> {
    // Batches of similar length waste little on padding. The order depends only on the
    // document, so sequential and parallel runs give the model identical batches.
    //
    // A sentence with no capital letter is not read at all: every name the model could find
    // in it would be dropped as junk (see `is_junk_name`), and no name found elsewhere can
    // stand in it, so skipping it changes nothing but the time.
    //
    // Running headers and footers are not read either: their names are the body's, repeated
    // on every page.
    let mut order: Vec<usize> = (0..sentences.len())
        .filter(|&i| sentences[i].kind != TextKind::Running && may_name(&sentences[i].text))
        .collect();
    let mut eligible = vec![false; sentences.len()];
    if keep_states {
        let mut chars = 0;
        for &i in &order {
            chars += sentences[i].text.len();
            eligible[i] = chars <= KEPT_STATE_CHARS;
        }
    }
    order.sort_by_key(|&i| (sentences[i].text.len(), i));
    let batches: Vec<&[usize]> = order.chunks(BATCH_SIZE).collect();
    let clock = crate::clock::Carried::here();
    type Found = (Vec<RawMention>, Vec<(usize, TextStates)>);
    let tagged: Vec<Found> = batches
        .par_iter()
        .map(|batch| {
            stop.check()?;
            let inputs: Vec<&str> = batch.iter().map(|&i| sentences[i].text.as_str()).collect();
            let keep: Vec<bool> = batch.iter().map(|&i| eligible[i]).collect();
            let tagged = clock.within(|| ner.tag(&inputs, &keep, busy))?;
            kept_busy.add(std::time::Duration::from_secs_f64(tagged.state_seconds));
            let (words, states) = (tagged.words, tagged.states);
            let mut found = Vec::new();
            let mut kept = Vec::new();
            for ((&i, w), state) in batch.iter().zip(words).zip(states) {
                let text = sentences[i].text.as_str();
                let before = found.len();
                found.extend(whole_names(merge_bio(&w), &w, text).into_iter().map(|s| {
                    RawMention {
                        sentence: i,
                        start: s.start,
                        end: s.end,
                        entity_type: s.entity_type,
                        score: s.score,
                        inferred: false,
                        listed: None,
                    }
                }));
                if let Some(state) = state.filter(|_| found.len() > before) {
                    kept.push((i, state));
                }
            }
            Ok((found, kept))
        })
        .collect::<Result<_>>()?;
    let mut mentions = Vec::new();
    let mut states = vec![None; if keep_states { sentences.len() } else { 0 }];
    for (found, kept) in tagged {
        mentions.extend(found);
        for (i, state) in kept {
            states[i] = Some(state);
        }
    }
    busy.time(|| join_split_names(&mut mentions, sentences));
    busy.time(|| {
        common::drop_common_words(&mut mentions, sentences);
        common::drop_code_variables(&mut mentions, sentences);
    });
    busy.time(|| propagate(&mut mentions, sentences));
    if let Some(list) = gazetteer {
        busy.time(|| add_listed(list, &mut mentions, sentences));
    }
    Ok((mentions, states))
}

/// The names of the list of entities in every sentence but running headers and footers; a
/// listed name wins over what the model or propagation found overlapping it (the rule in
/// [`super::gazetteer`]).
fn add_listed(list: &Gazetteer, raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let mut listed: Vec<RawMention> = Vec::new();
    for (i, s) in sentences.iter().enumerate() {
        if s.kind == TextKind::Running {
            continue;
        }
        listed.extend(list.find(&s.text).into_iter().map(|f| {
            let entity = list.entity(f.entity);
            RawMention {
                sentence: i,
                start: f.start,
                end: f.end,
                entity_type: entity.entity_type,
                score: 1.0,
                inferred: false,
                listed: Some(entity.name.clone()),
            }
        }));
    }
    let mut spans: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for l in &listed {
        spans.entry(l.sentence).or_default().push((l.start, l.end));
    }
    raw.retain(|m| {
        spans
            .get(&m.sentence)
            .is_none_or(|s| s.iter().all(|&(a, b)| b <= m.start || m.end <= a))
    });
    raw.extend(listed);
    raw.sort_by_key(|m| (m.sentence, m.start));
}

/// An identifier-shaped word ([`looks_like_identifier`]) is a name only where the model is
/// this sure of it: in manuals the model labels "NamespaceEntry" (0.32, 0.83) and "MDDhhmmss"
/// (0.47) from their capitals alone.
const IDENTIFIER_MIN_SCORE: f32 = 0.9;

/// A single word that reads as a code or format identifier rather than a name: a capital
/// inside the word after three or more lower-case letters ("NamespaceEntry", "ValueNode"),
/// or two or more capitals followed by two or more lower-case letters ("MDDhhmmss"). Manuals
/// are full of them. The model may still find such a word where its sentence reads it as a
/// name ("PlayStation", "LinkedIn" too have the shape: kept where the model is sure,
/// [`IDENTIFIER_MIN_SCORE`]); it is not spread to the word's other occurrences.
fn looks_like_identifier(name: &str) -> bool {
    if name.contains(char::is_whitespace) {
        return false;
    }
    let chars: Vec<char> = name.chars().collect();
    let mut lower_run = 0;
    let mut upper_run = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            if lower_run >= 3 {
                return true;
            }
            upper_run += 1;
            lower_run = 0;
        } else if c.is_lowercase() {
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            if upper_run >= 2 && lower_run == 0 && next_lower {
                return true;
            }
            lower_run += 1;
            upper_run = 0;
        } else {
            lower_run = 0;
            upper_run = 0;
        }
    }
    false
}

/// Names the document names whole elsewhere, where the model cut them short: a name the text
/// goes on into such a name is that name ("Nordwind" + " Energy"), and two names side by side
/// (one space between) that make one are joined ("Free" + "Software Foundation, Inc" where
/// "Free Software Foundation, Inc" stands whole). The mention takes the whole name's type.
fn join_split_names(raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let text = |m: &RawMention| m.text(sentences);
    let whole: HashMap<String, EntityType> = raw
        .iter()
        .filter(|m| !m.inferred && m.listed.is_none())
        .map(|m| (text(m), m.entity_type))
        .filter(|(name, _)| name.contains(' '))
        .collect();
    if whole.is_empty() {
        return;
    }
    raw.sort_by_key(|m| (m.sentence, m.start));
    // A name the text goes on into a longer name the document names whole: "Nordwind" +
    // " Energy" where "Nordwind Energy" stands elsewhere (not over the next mention).
    let mut longer: Vec<(&String, EntityType)> = whole.iter().map(|(n, t)| (n, *t)).collect();
    longer.sort_by(|a, b| {
        b.0.chars()
            .count()
            .cmp(&a.0.chars().count())
            .then(a.0.cmp(b.0))
    });
    for k in 0..raw.len() {
        let m = &raw[k];
        let name = text(m);
        let chars: Vec<char> = sentences[m.sentence].text.chars().collect();
        let next_start = raw
            .get(k + 1)
            .filter(|n| n.sentence == m.sentence)
            .map_or(chars.len(), |n| n.start);
        let grown = longer.iter().find_map(|(full, ty)| {
            let rest = full.strip_prefix(name.as_str())?.strip_prefix(' ')?;
            let end = m.end + 1 + rest.chars().count();
            let fits = end <= next_start
                && chars.get(m.end) == Some(&' ')
                && chars[m.end + 1..end].iter().copied().eq(rest.chars())
                && chars.get(end).is_none_or(|c| !c.is_alphanumeric());
            fits.then_some((end, *ty))
        });
        if let Some((end, ty)) = grown {
            raw[k].end = end;
            raw[k].entity_type = ty;
        }
    }
    let mut out: Vec<RawMention> = Vec::with_capacity(raw.len());
    for m in raw.drain(..) {
        if let Some(prev) = out.last_mut() {
            let joined = format!("{} {}", text(prev), text(&m));
            let adjacent = prev.sentence == m.sentence
                && prev.end + 1 == m.start
                && sentences[m.sentence].text.chars().nth(prev.end) == Some(' ');
            if let Some(&ty) = whole.get(&joined).filter(|_| adjacent) {
                prev.end = m.end;
                prev.entity_type = ty;
                prev.score = prev.score.min(m.score);
                continue;
            }
        }
        out.push(m);
    }
    *raw = out;
}

/// Whether a sentence can hold a name: it has a capital letter somewhere.
fn may_name(text: &str) -> bool {
    text.chars().any(char::is_uppercase)
}

/// Names shorter than this (characters) are not propagated.
const MIN_PROPAGATED_LEN: usize = 3;
/// Only names the model was this sure of somewhere are propagated.
const MIN_PROPAGATED_SCORE: f32 = 0.8;
/// A name is inferred at most this many times per time the model found it (and at least
/// [`MIN_PROPAGATION_CAP`] times), so one mistake cannot become hundreds.
const PROPAGATION_PER_FOUND: usize = 4;
/// See [`PROPAGATION_PER_FOUND`].
const MIN_PROPAGATION_CAP: usize = 10;

/// What the model said about one name in a document.
#[derive(Default)]
struct Found {
    types: BTreeMap<EntityType, usize>,
    score: f32,
    count: usize,
    /// Some occurrence does not start its sentence.
    inside_sentence: bool,
}

/// One sense per discourse: a name the model recognised somewhere in a document is an entity
/// wherever else it stands in that document as a whole word, also where a harder context made
/// the model miss it. Such mentions are marked `inferred`. Only names worth spreading are:
/// found with confidence, not junk (function words, lone letters), not a single word the model
/// only ever saw at the start of a sentence (where any word is capitalised), and at most a few
/// times per time the model found them.
fn propagate(raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let mut names: BTreeMap<String, Found> = BTreeMap::new();
    let mut taken: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for m in raw.iter() {
        taken.entry(m.sentence).or_default().push((m.start, m.end));
        let name = m.text(sentences);
        if name.chars().count() < MIN_PROPAGATED_LEN
            || is_junk_name(&name)
            || looks_like_identifier(&name)
        {
            continue;
        }
        let f = names.entry(name).or_default();
        *f.types.entry(m.entity_type).or_default() += 1;
        f.score = f.score.max(m.score);
        f.count += 1;
        f.inside_sentence |= m.start > 0;
    }
    // Longer names first, so "Siemens Gamesa" is placed before "Siemens" could claim its start.
    let mut ordered: Vec<(String, Found)> = names
        .into_iter()
        .filter(|(name, f)| {
            f.score >= MIN_PROPAGATED_SCORE && (f.inside_sentence || name.contains(' '))
        })
        .collect();
    ordered.sort_by(|a, b| {
        b.0.chars()
            .count()
            .cmp(&a.0.chars().count())
            .then(a.0.cmp(&b.0))
    });
    for (name, found) in ordered {
        let ty = found
            .types
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(t, _)| *t)
            .expect("voted");
        let mut budget = (PROPAGATION_PER_FOUND * found.count).max(MIN_PROPAGATION_CAP);
        let pat: Vec<char> = name.chars().collect();
        for (si, s) in sentences.iter().enumerate() {
            if budget == 0 {
                break;
            }
            if s.kind == TextKind::Running || !s.text.contains(name.as_str()) {
                continue;
            }
            let chars: Vec<char> = s.text.chars().collect();
            let mut i = 0;
            while i + pat.len() <= chars.len() && budget > 0 {
                let end = i + pat.len();
                let whole = chars[i..end] == pat[..]
                    && (i == 0 || !chars[i - 1].is_alphanumeric())
                    && (end == chars.len() || !chars[end].is_alphanumeric());
                if whole {
                    let spans = taken.entry(si).or_default();
                    if !spans.iter().any(|&(a, b)| a < end && i < b) {
                        spans.push((i, end));
                        raw.push(RawMention {
                            sentence: si,
                            start: i,
                            end,
                            entity_type: ty,
                            score: found.score,
                            inferred: true,
                            listed: None,
                        });
                        budget -= 1;
                    }
                    i = end;
                } else {
                    i += 1;
                }
            }
        }
    }
    raw.sort_by_key(|m| (m.sentence, m.start));
}

/// Names the mentions (surface text, tidied name, key) with offsets into the page text, and
/// merges a surname alone with the one full name it belongs to in the document. Returns each
/// mention with the index of its sentence, in sentence and offset order.
pub(crate) fn name(
    raw: Vec<RawMention>,
    sentences: &[Sentence],
    pages: &[PageText],
) -> Vec<(usize, Mention)> {
    let page_chars: Vec<Vec<char>> = pages.iter().map(|p| p.text.chars().collect()).collect();
    let mut mentions: Vec<(usize, Mention)> = Vec::with_capacity(raw.len());
    for m in raw {
        let s = &sentences[m.sentence];
        if m.start >= m.end || m.end > s.end - s.start {
            continue;
        }
        let surface: String = page_chars[s.page_index][s.start + m.start..s.start + m.end]
            .iter()
            .collect();
        // A listed name is the list's entity whatever the page writes (no junk test: the
        // user listed it).
        let name = match &m.listed {
            Some(listed) => listed.clone(),
            None => display_name(&surface),
        };
        let unsure_identifier = looks_like_identifier(&name) && m.score < IDENTIFIER_MIN_SCORE;
        let address = in_address(
            &page_chars[s.page_index],
            s.start + m.start,
            s.start + m.end,
        );
        if m.listed.is_none()
            && (!name.chars().any(char::is_alphabetic)
                || is_junk_name(&name)
                || unsure_identifier
                || address)
        {
            continue;
        }
        let key = entity_key(&name, m.entity_type);
        mentions.push((
            m.sentence,
            Mention {
                text: surface,
                entity_type: m.entity_type,
                key,
                name,
                page: pages[s.page_index].page,
                start: s.start + m.start,
                end: s.start + m.end,
                score: m.score,
                inferred: m.inferred,
                listed: m.listed.is_some(),
            },
        ));
    }
    acronyms::type_as_defined(&mut mentions, sentences);
    // "Merkel" after "Angela Merkel" in the same document is the same person, also when the
    // model typed the lone surname as something else now and then; not a word the document
    // mostly types otherwise ("Debian", 6 times not a person, is no surname of a "Michael
    // Rutter Debian" that a table's line break made).
    let mut lone_types: HashMap<&str, (usize, usize)> = HashMap::new();
    for (_, m) in mentions.iter().filter(|(_, m)| !m.key.contains(' ')) {
        let e = lone_types.entry(m.key.as_str()).or_default();
        if m.entity_type == EntityType::PER {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let links: HashMap<String, String> = surname_links(
        mentions
            .iter()
            .filter(|(_, m)| {
                m.entity_type == EntityType::PER && m.key.contains(' ')
                    || lone_types
                        .get(m.key.as_str())
                        .is_some_and(|&(person, other)| other < 3 || person >= other)
            })
            .map(|(_, m)| m.key.as_str()),
    );
    for (_, m) in mentions.iter_mut() {
        if let Some(full) = links.get(&m.key) {
            m.key = full.clone();
            m.entity_type = EntityType::PER;
        }
    }
    mentions
}

/// Whether the characters `start..end` of `text` are part of a web or mail address or a path:
/// the run of text without white space around them has `://`, `www.`, an `@`, or a `/` with a
/// dot, or the name is only part of a run ending in a domain ("CRAN.R" of
/// "CRAN.R-project.org"; not "Amazon.com" standing alone).
fn in_address(text: &[char], start: usize, end: usize) -> bool {
    let mut a = start;
    while a > 0 && !text[a - 1].is_whitespace() {
        a -= 1;
    }
    let mut b = end;
    while b < text.len() && !text[b].is_whitespace() {
        b += 1;
    }
    let trim = |c: char| !c.is_alphanumeric() && c != '/';
    let word: String = text[a..b].iter().collect();
    let word = word.trim_matches(trim);
    if word.contains("://") || word.starts_with("www.") {
        return true;
    }
    if word.contains('@') && word.rsplit('@').next().is_some_and(|d| d.contains('.')) {
        return true;
    }
    if word.contains('/') && word.contains('.') {
        return true;
    }
    let name: String = text[start..end].iter().collect();
    let whole = word == name.trim_matches(trim);
    let domain = word.rsplit_once('.').is_some_and(|(host, tld)| {
        !host.is_empty()
            && ["org", "com", "net", "edu", "gov", "io", "html", "htm"]
                .contains(&tld.to_lowercase().as_str())
    });
    domain && !whole
}

mod acronyms;
mod common;
#[cfg(test)]
pub(crate) mod tests;
