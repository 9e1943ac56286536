//! One document through every stage: load, extract or OCR each page, sentences, NER, relations.
//!
//! Runs on the rayon pool. Pages are processed in parallel (`par_iter`), and so are NER batches;
//! both check the cancellation flags between items, so a timed-out or cancelled document stops
//! within one page or one batch.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::discover::Discovered;
use crate::error::{Error, Result};
use crate::extract::{self, ImageRef, Limits, TextVerdict};
use crate::nlp::entities::{display_name, entity_key, merge_bio, surname_links, EntityType};
use crate::nlp::ner::{NerPool, BATCH_SIZE};
use crate::nlp::relations::sentence_relations;
use crate::nlp::sentences::{chunk_span, split_sentences};
use crate::ocr::{images, OcrPool};
use crate::report::{DocumentReport, OcrPage, StageSeconds};

/// Longest input given to the model, in words (well under its 512 sub-words).
pub const MAX_SENTENCE_WORDS: usize = 120;

/// Images smaller than this (pixels, either side) hold no readable text.
const MIN_OCR_SIDE: u32 = 32;

/// Where a page's text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PageSource {
    /// The PDF's own text.
    Text,
    /// Tesseract, for the reason given.
    Ocr {
        /// Why the page's own text was not used.
        reason: String,
    },
}

/// The text of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// 1-based page number.
    pub page: u32,
    /// Where the text came from.
    #[serde(flatten)]
    pub source: PageSource,
    /// The text; every character offset in the outputs points into it.
    pub text: String,
}

/// An entity mention in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The text exactly as it stands in the page text.
    pub text: String,
    /// Entity type.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Key of the entity it refers to (merging variants).
    pub key: String,
    /// Tidied name, used to choose the entity's canonical name.
    pub name: String,
    /// 1-based page.
    pub page: u32,
    /// First character in the page text.
    pub start: usize,
    /// Character after the last, in the page text.
    pub end: usize,
    /// Model confidence (for an inferred mention, that of the mention it was inferred from).
    pub score: f32,
    /// Not labelled by the model here, but the same name it labelled elsewhere in the document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// A relation found in one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelationMention {
    /// Key of the first entity.
    pub subject: String,
    /// Key of the second entity.
    pub object: String,
    /// Verb phrase between them; `None` for co-occurrence.
    pub predicate: Option<String>,
    /// 1-based page.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
    /// The sentence.
    pub sentence: String,
}

/// Everything one document produced: plain data, sent to the writer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentResult {
    /// The report line.
    pub report: DocumentReport,
    /// Entity mentions in page and offset order.
    pub mentions: Vec<Mention>,
    /// Relations in page and offset order.
    pub relations: Vec<RelationMention>,
    /// Page texts (kept only when asked for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageText>,
}

impl DocumentResult {
    /// A result with no content for a document that ended with `err`.
    pub fn failed(file: &Discovered, err: &Error, seconds: f64) -> Self {
        let mut report = DocumentReport::new(&file.rel, file.size);
        report.fail(err);
        report.seconds = seconds;
        DocumentResult {
            report,
            mentions: Vec::new(),
            relations: Vec::new(),
            pages: Vec::new(),
        }
    }
}

/// What a document needs from the pipeline.
pub struct Engines {
    /// NER model instances.
    pub ner: NerPool,
    /// Tesseract engines.
    pub ocr: OcrPool,
    /// Bounds for hostile input.
    pub limits: Limits,
    /// Keep page texts in the results.
    pub keep_text: bool,
    /// Results of earlier runs, when resuming.
    pub cache: Option<crate::cache::ResultCache>,
    /// Ignore earlier results (they are still replaced by the new ones).
    pub force: bool,
}

/// Flags that stop a document early: the run's and the document's own (its time limit).
pub struct Stop<'a> {
    /// Set on Ctrl-C.
    pub run: &'a AtomicBool,
    /// Set when the document's time is up.
    pub doc: &'a AtomicBool,
}

impl Stop<'_> {
    fn check(&self) -> Result<()> {
        if self.run.load(Ordering::Relaxed) || self.doc.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Processes one document. Failures of the whole document come back as a failed result;
/// failures of one page are warnings in it.
pub fn process(engines: &Engines, file: &Discovered, stop: &Stop) -> DocumentResult {
    let started = Instant::now();
    let mut stages = StageSeconds::default();
    let mut sha256 = None;
    let mut result = match run_stages(engines, file, stop, &mut stages, &mut sha256) {
        Ok(result) => result,
        Err(e) => DocumentResult::failed(file, &e, 0.0),
    };
    result.report.seconds = started.elapsed().as_secs_f64();
    if !result.report.reused {
        result.report.stages = stages;
    }
    result.report.sha256 = sha256;
    result
}

struct PageOutcome {
    text: PageText,
    ocr: Option<OcrPage>,
    warning: Option<String>,
    extract_s: f64,
    ocr_s: f64,
}

fn run_stages(
    engines: &Engines,
    file: &Discovered,
    stop: &Stop,
    stages: &mut StageSeconds,
    sha256: &mut Option<String>,
) -> Result<DocumentResult> {
    let t = Instant::now();
    let bytes = extract::read_pdf(&file.path, &engines.limits)?;
    let hash = crate::cache::sha256_hex(&bytes);
    *sha256 = Some(hash.clone());
    if let Some(cache) = engines.cache.as_ref().filter(|_| !engines.force) {
        if let Some(mut hit) = cache.get(&hash) {
            // Same bytes, maybe another name: the result is this file's now.
            hit.report.path = file.rel.clone();
            hit.report.reused = true;
            return Ok(hit);
        }
    }
    let doc = extract::parse(&bytes, &engines.limits)?;
    drop(bytes);
    let pages = extract::pages(&doc, &engines.limits)?;
    stages.load = t.elapsed().as_secs_f64();
    stop.check()?;

    let outcomes: Vec<PageOutcome> = pages
        .par_iter()
        .map(|&(number, id)| {
            stop.check()?;
            Ok(page_text(engines, &doc, number, id))
        })
        .collect::<Result<_>>()?;
    drop(doc);

    let mut report = DocumentReport::new(&file.rel, file.size);
    report.pages = pages.len();
    let mut texts = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        stages.extract += o.extract_s;
        stages.ocr += o.ocr_s;
        if let Some(w) = o.warning {
            report.warnings.push(w);
        }
        match o.ocr {
            Some(ocr) => report.ocr_pages.push(ocr),
            None => report.text_pages += 1,
        }
        texts.push(o.text);
    }

    let t = Instant::now();
    let (mentions, sentences) = find_mentions(&engines.ner, &texts, stop)?;
    stages.ner = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (mentions, relations) = link(mentions, &sentences, &texts);
    stages.relations = t.elapsed().as_secs_f64();

    report.sentences = sentences.len();
    report.mentions = mentions.len();
    report.entities = mentions
        .iter()
        .map(|m| m.key.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    report.relations = relations.len();
    Ok(DocumentResult {
        report,
        mentions,
        relations,
        pages: if engines.keep_text { texts } else { Vec::new() },
    })
}

impl PageOutcome {
    /// A page whose own text layer is used.
    fn text(page: u32, text: String, warning: Option<String>, extract_s: f64) -> Self {
        PageOutcome {
            text: PageText {
                page,
                source: PageSource::Text,
                text,
            },
            ocr: None,
            warning,
            extract_s,
            ocr_s: 0.0,
        }
    }
}

/// Extracts a page's text, or OCRs it when the text is not usable.
fn page_text(
    engines: &Engines,
    doc: &lopdf::Document,
    number: u32,
    id: lopdf::ObjectId,
) -> PageOutcome {
    let t = Instant::now();
    let content = extract::layout::page_content(doc, id, engines.limits.max_stream_bytes);
    let (text, images, warning) = match content {
        Ok(c) => (extract::layout::layout(&c.glyphs), c.images, None),
        Err(e) => (
            String::new(),
            Vec::new(),
            Some(format!("page {number}: {e}")),
        ),
    };
    let verdict = extract::assess(&text);
    let extract_s = t.elapsed().as_secs_f64();
    let garbage = matches!(verdict, TextVerdict::Garbage(_));
    let reason = match verdict {
        TextVerdict::Usable => return PageOutcome::text(number, text, warning, extract_s),
        TextVerdict::NoText => "no text layer".to_string(),
        TextVerdict::Garbage(ref why) => format!("text is garbage ({why})"),
    };

    if images.is_empty() {
        // Nothing to OCR: a blank page, or one with only a page number. Garbage text is
        // dropped rather than fed to the model.
        let (text, warning) = if garbage {
            (
                String::new(),
                Some(format!("page {number}: {reason}, and no image to OCR")),
            )
        } else {
            (text, warning)
        };
        return PageOutcome::text(number, text, warning, extract_s);
    }
    let t = Instant::now();
    let page_size = extract::page_size(doc, id);
    let mut ocr_text = String::new();
    let mut errors = Vec::new();
    for placement in &images {
        let stream = match &placement.image {
            ImageRef::Object(oid) => match doc.get_object(*oid).and_then(|o| o.as_stream()) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(format!("image {oid:?}: {e}"));
                    continue;
                }
            },
            ImageRef::Inline(s) => s,
        };
        let image = match images::decode(doc, stream, engines.limits.max_stream_bytes) {
            Ok(i) => i,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (w, h) = image.size();
        if w < MIN_OCR_SIDE || h < MIN_OCR_SIDE {
            continue;
        }
        // Resolution from the size the image is drawn at; a degenerate placement falls back
        // to the page width.
        let drawn_in = if placement.width_pt > 1.0 {
            placement.width_pt
        } else {
            page_size.0
        } / 72.0;
        let dpi = (w as f32 / drawn_in).round() as u32;
        match engines.ocr.recognize(&image, dpi) {
            Ok(t) => {
                let t = tidy_ocr_text(&t);
                if !t.is_empty() {
                    if !ocr_text.is_empty() {
                        ocr_text.push_str("\n\n");
                    }
                    ocr_text.push_str(&t);
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    // Keep whatever the text layer had when OCR found nothing better.
    let text = if ocr_text.trim().is_empty()
        && !text.trim().is_empty()
        && verdict_allows_fallback(&reason)
    {
        text
    } else {
        ocr_text
    };
    let chars = text.chars().count();
    PageOutcome {
        ocr: Some(OcrPage {
            page: number,
            reason: reason.clone(),
            chars,
            error: if chars == 0 && !errors.is_empty() {
                Some(errors.join("; "))
            } else {
                None
            },
        }),
        text: PageText {
            page: number,
            source: PageSource::Ocr { reason },
            text,
        },
        warning,
        extract_s,
        ocr_s: t.elapsed().as_secs_f64(),
    }
}

/// Short text layers (a page number, a header) are kept when OCR had nothing to add; garbage
/// never is.
fn verdict_allows_fallback(reason: &str) -> bool {
    reason == "no text layer"
}

/// Tesseract's text tidied like extracted text: trailing spaces gone, words hyphenated at line
/// ends joined, runs of blank lines collapsed to one paragraph break.
pub fn tidy_ocr_text(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().map(str::trim_end).collect();
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = line.trim_start();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            let hyphen = out.ends_with('-')
                && out[..out.len() - 1]
                    .chars()
                    .last()
                    .is_some_and(char::is_alphabetic)
                && line.chars().next().is_some_and(char::is_lowercase);
            if blank {
                out.push_str("\n\n");
            } else if hyphen {
                out.pop();
            } else {
                out.push('\n');
            }
        }
        out.push_str(line);
        blank = false;
    }
    out
}

/// A sentence (or a chunk of a long one) given to the model.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    /// Index into the page texts.
    pub page_index: usize,
    /// Start in the page text (characters).
    pub start: usize,
    /// End in the page text (characters).
    pub end: usize,
    /// The sentence with line breaks as spaces (same character count).
    pub text: String,
}

struct RawMention {
    sentence: usize,
    start: usize, // in the sentence
    end: usize,
    entity_type: EntityType,
    score: f32,
    inferred: bool,
}

/// Names shorter than this (characters) are not propagated.
const MIN_PROPAGATED_LEN: usize = 3;
/// Only names the model was this sure of somewhere are propagated.
const MIN_PROPAGATED_SCORE: f32 = 0.8;

/// One sense per discourse: a name the model recognised somewhere in a document is an entity
/// wherever else it stands in that document as a whole word, also where a harder context made
/// the model miss it. Such mentions are marked `inferred`.
fn propagate(raw: &mut Vec<RawMention>, sentences: &[Sentence]) {
    let mut names: BTreeMap<String, (BTreeMap<EntityType, usize>, f32)> = BTreeMap::new();
    let mut taken: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for m in raw.iter() {
        taken.entry(m.sentence).or_default().push((m.start, m.end));
        let name: String = sentences[m.sentence]
            .text
            .chars()
            .skip(m.start)
            .take(m.end - m.start)
            .collect();
        if name.chars().count() < MIN_PROPAGATED_LEN || !name.chars().any(char::is_uppercase) {
            continue;
        }
        let entry = names.entry(name).or_default();
        *entry.0.entry(m.entity_type).or_default() += 1;
        entry.1 = entry.1.max(m.score);
    }
    // Longer names first, so "Siemens Gamesa" is placed before "Siemens" could claim its start.
    let mut ordered: Vec<_> = names
        .into_iter()
        .filter(|(_, (_, score))| *score >= MIN_PROPAGATED_SCORE)
        .collect();
    ordered.sort_by(|a, b| {
        b.0.chars()
            .count()
            .cmp(&a.0.chars().count())
            .then(a.0.cmp(&b.0))
    });
    for (name, (votes, score)) in ordered {
        let ty = votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(t, _)| *t)
            .expect("voted");
        let pat: Vec<char> = name.chars().collect();
        for (si, s) in sentences.iter().enumerate() {
            if !s.text.contains(name.as_str()) {
                continue;
            }
            let chars: Vec<char> = s.text.chars().collect();
            let mut i = 0;
            while i + pat.len() <= chars.len() {
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
                            score,
                            inferred: true,
                        });
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

fn find_mentions(
    ner: &NerPool,
    pages: &[PageText],
    stop: &Stop,
) -> Result<(Vec<RawMention>, Vec<Sentence>)> {
    let mut sentences = Vec::new();
    for (page_index, p) in pages.iter().enumerate() {
        let chars: Vec<char> = p.text.chars().collect();
        for span in split_sentences(&p.text) {
            for chunk in chunk_span(&chars, &span, MAX_SENTENCE_WORDS) {
                let text: String = chars[chunk.start..chunk.end]
                    .iter()
                    .map(|&c| if c == '\n' { ' ' } else { c })
                    .collect();
                sentences.push(Sentence {
                    page_index,
                    start: chunk.start,
                    end: chunk.end,
                    text,
                });
            }
        }
    }
    // Batches of similar length waste little on padding. The order depends only on the
    // document, so sequential and parallel runs give the model identical batches.
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    order.sort_by_key(|&i| (sentences[i].text.len(), i));
    let batches: Vec<&[usize]> = order.chunks(BATCH_SIZE).collect();
    let tagged: Vec<Vec<RawMention>> = batches
        .par_iter()
        .map(|batch| {
            stop.check()?;
            let inputs: Vec<&str> = batch.iter().map(|&i| sentences[i].text.as_str()).collect();
            let words = ner.tag(&inputs)?;
            Ok(batch
                .iter()
                .zip(words)
                .flat_map(|(&i, w)| {
                    merge_bio(&w).into_iter().map(move |s| RawMention {
                        sentence: i,
                        start: s.start,
                        end: s.end,
                        entity_type: s.entity_type,
                        score: s.score,
                        inferred: false,
                    })
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut mentions: Vec<RawMention> = tagged.into_iter().flatten().collect();
    propagate(&mut mentions, &sentences);
    Ok((mentions, sentences))
}

/// Names the mentions, merges variants within the document and pairs them into relations.
fn link(
    raw: Vec<RawMention>,
    sentences: &[Sentence],
    pages: &[PageText],
) -> (Vec<Mention>, Vec<RelationMention>) {
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
        let name = display_name(&surface);
        if !name.chars().any(char::is_alphabetic) {
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
            },
        ));
    }
    // "Merkel" after "Angela Merkel" in the same document is the same person, also when the
    // model typed the lone surname as something else.
    let links: HashMap<String, String> = surname_links(
        mentions
            .iter()
            .filter(|(_, m)| m.entity_type == EntityType::PER || !m.key.contains(' '))
            .map(|(_, m)| m.key.as_str()),
    );
    for (_, m) in mentions.iter_mut() {
        if let Some(full) = links.get(&m.key) {
            m.key = full.clone();
            m.entity_type = EntityType::PER;
        }
    }

    let mut relations = Vec::new();
    let mut i = 0;
    while i < mentions.len() {
        let sid = mentions[i].0;
        let mut j = i;
        while j < mentions.len() && mentions[j].0 == sid {
            j += 1;
        }
        let group = &mentions[i..j];
        let s = &sentences[sid];
        let chars: Vec<char> = s.text.chars().collect();
        let spans: Vec<(usize, usize)> = group
            .iter()
            .map(|(_, m)| (m.start - s.start, m.end - s.start))
            .collect();
        for r in sentence_relations(&chars, &spans) {
            let (a, b) = (&group[r.subject].1, &group[r.object].1);
            if a.key == b.key {
                continue;
            }
            relations.push(RelationMention {
                subject: a.key.clone(),
                object: b.key.clone(),
                predicate: r.predicate,
                page: a.page,
                start: s.start,
                end: s.end,
                sentence: s.text.clone(),
            });
        }
        i = j;
    }
    (mentions.into_iter().map(|(_, m)| m).collect(), relations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_text_is_tidied_like_extracted_text() {
        let raw = "The knowl-\nedge graph   \nlinks people.\n\n\n\nNew para-\n  graph\n";
        assert_eq!(
            tidy_ocr_text(raw),
            "The knowledge graph\nlinks people.\n\nNew paragraph"
        );
    }

    fn raw(sentence: usize, start: usize, end: usize, entity_type: EntityType) -> RawMention {
        RawMention {
            sentence,
            start,
            end,
            entity_type,
            score: 0.9,
            inferred: false,
        }
    }

    #[test]
    fn names_recognised_once_are_found_where_the_model_missed_them() {
        let sentences = vec![
            sentence(0, 0, "Microsoft acquired GitHub in 2018."),
            sentence(0, 35, "Nat Friedman led GitHub, not GitHubber."),
        ];
        let mut mentions = vec![
            raw(0, 0, 9, EntityType::ORG),
            raw(1, 0, 12, EntityType::PER),
            raw(1, 17, 23, EntityType::ORG),
        ];
        propagate(&mut mentions, &sentences);
        let got: Vec<_> = mentions
            .iter()
            .map(|m| (m.sentence, m.start, m.end, m.inferred))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 0, 9, false),
                (0, 19, 25, true),
                (1, 0, 12, false),
                (1, 17, 23, false)
            ]
        );
        assert_eq!(mentions[1].entity_type, EntityType::ORG);
    }

    fn sentence(page_index: usize, start: usize, text: &str) -> Sentence {
        Sentence {
            page_index,
            start,
            end: start + text.chars().count(),
            text: text.to_string(),
        }
    }

    #[test]
    fn linking_merges_surnames_and_pairs_entities_with_offsets_into_the_page() {
        let page = "Intro. Angela Merkel visited Paris. Merkel's trip was short.";
        let pages = vec![PageText {
            page: 3,
            source: PageSource::Text,
            text: page.into(),
        }];
        let sentences = vec![
            sentence(0, 7, "Angela Merkel visited Paris."),
            sentence(0, 36, "Merkel's trip was short."),
        ];
        let raw = vec![
            raw(0, 0, 13, EntityType::PER),
            raw(0, 22, 27, EntityType::LOC),
            raw(1, 0, 8, EntityType::PER),
        ];
        let (mentions, relations) = link(raw, &sentences, &pages);
        assert_eq!(mentions[0].text, "Angela Merkel");
        assert_eq!(
            (mentions[0].start, mentions[0].end, mentions[0].page),
            (7, 20, 3)
        );
        assert_eq!(&page[mentions[1].start..mentions[1].end], "Paris");
        assert_eq!(mentions[2].text, "Merkel's");
        assert_eq!(
            mentions[2].key, "angela merkel",
            "surname resolved to the full name"
        );
        assert_eq!(relations.len(), 1);
        assert_eq!(relations[0].predicate.as_deref(), Some("visited"));
        assert_eq!(
            (relations[0].subject.as_str(), relations[0].object.as_str()),
            ("angela merkel", "paris")
        );
    }
}
