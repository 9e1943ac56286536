//! One document through every stage, in order:
//!
//! ```text
//!  read + hash ─▶ cache hit? ─▶ parse ─▶ pages ∥ (extract ─▶ ocr if unusable)
//!      ─▶ sentences ─▶ NER batches ∥ ─▶ names ─▶ relation batches ∥ ─▶ DocumentResult
//! ```
//!
//! In two parts, both on the rayon pool: [`read`] (up to the page texts, no model needed) and
//! [`finish`] (the language stages), so that while the models load, workers read other
//! documents instead of waiting (the orchestrator holds a read document until they are
//! ready). Pages and model batches run in parallel and check the [`Stop`] between items, so
//! a timed-out or cancelled document stops within one page or one batch.
//! Each stage's work lives in its own module; this file only sequences them and keeps the
//! document's report.

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::prelude::*;

use crate::cache::{Lookup, ResultCache};
use crate::cancel::Stop;
use crate::discover::Discovered;
use crate::error::Result;
use crate::extract::{self, Limits};
use crate::nlp::{mentions, ner::NerModels};
use crate::ocr::{self, OcrEngines, PageOutcome};
use crate::pool::BusyTime;
use crate::record::{DocumentReport, DocumentResult, PageText, StageSeconds};
use crate::relations::{self, RelationModels};

/// What a document needs from the pipeline.
pub(crate) struct Engines {
    /// NER model instances.
    pub ner: NerModels,
    /// Tesseract engines.
    pub ocr: OcrEngines,
    /// Relation model instances; `None` when the relation model is off.
    pub relations: Option<RelationModels>,
    /// Keep co-occurrences (entities close together in a sentence, no typed relation).
    pub cooccurrence: bool,
    /// Bounds for hostile input.
    pub limits: Limits,
    /// Results of earlier runs, when resuming.
    pub cache: Option<ResultCache>,
    /// Ignore earlier results (they are still replaced by the new ones).
    pub force: bool,
    /// The per-document time limit (also enforced inside parsing, see `parse_within`).
    pub doc_timeout: Option<std::time::Duration>,
    /// Threads that parse under the time limit.
    pub parsers: super::parsers::Parsers,
    /// Pages finished so far in the pipeline's life (for progress inside long documents).
    pub pages_done: std::sync::atomic::AtomicUsize,
    /// Start the models in the background as soon as a document will need them (parallel
    /// runs); otherwise each is loaded when first used, one thing at a time.
    pub prestart: bool,
}

impl Engines {
    /// Whether a model is still loading in the background ([`Engines::prestart`]): a
    /// document's language stages would wait for it.
    pub fn models_loading(&self) -> bool {
        self.ner.pool().loading() || self.relations.as_ref().is_some_and(|r| r.pool().loading())
    }
}

/// A document after its first part ([`read`]): finished (from the cache, or failed), or its
/// page texts waiting for the models ([`finish`]).
pub(crate) enum Read {
    /// Nothing left to do.
    Done(Box<DocumentResult>),
    /// Page texts for the language stages.
    Texts(Box<Texts>),
}

/// What [`read`] hands to [`finish`]: plain data, no parsed PDF, no page image.
pub(crate) struct Texts {
    texts: Vec<PageText>,
    report: DocumentReport,
    stages: StageSeconds,
    sha256: String,
    /// Seconds spent on the document so far.
    seconds: f64,
}

/// The first part of a document, which needs no model: its bytes, the cache, the page tree and
/// each page's text, extracted or OCR'd. Failures of the whole document come back as a
/// failed result; failures of one page are warnings in it.
pub(crate) fn read(engines: &Engines, file: &Discovered, stop: &Stop) -> Read {
    let started = Instant::now();
    let mut stages = StageSeconds::default();
    let mut sha256 = None;
    let read = read_texts(engines, file, stop, &mut stages, &mut sha256);
    let seconds = started.elapsed().as_secs_f64();
    match read {
        Ok(Read::Texts(mut t)) => {
            t.stages = stages;
            t.seconds = seconds;
            Read::Texts(t)
        }
        Ok(Read::Done(mut hit)) => {
            hit.report.seconds = seconds;
            hit.report.sha256 = sha256;
            Read::Done(hit)
        }
        Err(e) => {
            let mut failed = DocumentResult::failed(&file.rel, file.size, &e, seconds);
            failed.report.stages = stages;
            failed.report.sha256 = sha256;
            Read::Done(Box::new(failed))
        }
    }
}

/// The second part: the language stages over [`read`]'s page texts.
pub(crate) fn finish(
    engines: &Engines,
    file: &Discovered,
    read: Texts,
    stop: &Stop,
) -> DocumentResult {
    let started = Instant::now();
    let Texts {
        texts,
        report,
        mut stages,
        sha256,
        seconds,
    } = read;
    let mut result = analyze(engines, texts, report, &mut stages, stop)
        .unwrap_or_else(|e| DocumentResult::failed(&file.rel, file.size, &e, 0.0));
    result.report.seconds = seconds + started.elapsed().as_secs_f64();
    result.report.stages = stages;
    result.report.sha256 = Some(sha256);
    result
}

fn read_texts(
    engines: &Engines,
    file: &Discovered,
    stop: &Stop,
    stages: &mut StageSeconds,
    sha256: &mut Option<String>,
) -> Result<Read> {
    // Load: the bytes, their hash (a cached result ends the work here), the page tree.
    let t = Instant::now();
    let bytes = extract::read_pdf(&file.path, &engines.limits)?;
    let hash = crate::cache::sha256_hex(&bytes);
    *sha256 = Some(hash.clone());
    let mut cache_warning = None;
    if let Some(cache) = engines.cache.as_ref().filter(|_| !engines.force) {
        match cache.get(&hash) {
            Lookup::Hit(mut hit) => {
                // Same bytes, maybe another name: the result is this file's now.
                hit.report.path = file.rel.clone();
                hit.report.reused = true;
                return Ok(Read::Done(hit));
            }
            Lookup::Invalid(why) => {
                cache_warning = Some(format!("cached result not used, processed again: {why}"))
            }
            Lookup::Miss => {}
        }
    }
    if engines.prestart {
        // This document will need the models: load them while its pages are read.
        engines.ner.pool().prestart();
        if let Some(relations) = &engines.relations {
            relations.pool().prestart();
        }
    }
    let doc = parse_within(engines, file, bytes, t)?;
    let pages = extract::pages(&doc, &engines.limits)?;
    stages.load = t.elapsed().as_secs_f64();
    stop.check()?;

    // Text: each page's own, or OCR's where that is unusable.
    let max_stream = engines.limits.max_stream_bytes;
    let clock = crate::clock::Carried::here();
    let outcomes: Vec<PageOutcome> = pages
        .par_iter()
        .map(|&(number, id)| {
            stop.check()?;
            let page = extract::extract_page(&doc, number, id, &engines.limits);
            let outcome = clock.within(|| ocr::read_page(&engines.ocr, &doc, page, max_stream));
            engines
                .pages_done
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(outcome)
        })
        .collect::<Result<_>>()?;
    drop(doc);
    let mut report = DocumentReport::new(&file.rel, file.size);
    report.pages = pages.len();
    report.warnings.extend(cache_warning);
    let texts = page_texts(outcomes, &mut report, stages);
    Ok(Read::Texts(Box::new(Texts {
        texts,
        report,
        stages: StageSeconds::default(),
        sha256: hash,
        seconds: 0.0,
    })))
}

/// The language stages over a document's page texts: sentences, entities, relations.
pub(crate) fn analyze(
    engines: &Engines,
    texts: Vec<PageText>,
    mut report: DocumentReport,
    stages: &mut StageSeconds,
    stop: &Stop,
) -> Result<DocumentResult> {
    // Entities: sentences, the NER model, names. Stage times are busy time (see `BusyTime`):
    // neither a model loading meanwhile nor other documents' work is counted.
    let ner = BusyTime::default();
    let sentences = ner.time(|| mentions::sentences(&texts));
    let raw = mentions::find(&engines.ner, &sentences, stop, &ner)?;
    let named = ner.time(|| mentions::name(raw, &sentences, &texts));
    stages.ner = ner.seconds();

    // Relations between the entities of each sentence.
    let busy = BusyTime::default();
    let relations = relations::relate(
        engines.relations.as_ref(),
        &named,
        &sentences,
        engines.cooccurrence,
        stop,
        &busy,
    )?;
    stages.relations = busy.seconds();

    let mentions: Vec<_> = named.into_iter().map(|(_, m)| m).collect();
    report.sentences = sentences.len();
    report.mentions = mentions.len();
    report.entities = mentions
        .iter()
        .map(|m| m.key.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    report.relations = relations.mentions.len();
    report.relation_pairs = relations.pairs;
    Ok(DocumentResult {
        report,
        mentions,
        relations: relations.mentions,
        // Kept for the cache (so --keep-text can change without processing again); the writer
        // drops them after caching unless they were asked for.
        pages: texts,
    })
}

/// Parsing is the one step without checkpoints: a hostile file can keep lopdf's parser busy
/// far past any limit. So it runs on a thread of its own ([`super::parsers`]), and the
/// document waits for it until its deadline only; past it the document is `timed_out` and the
/// parse thread is abandoned (it holds its memory until the parser returns, if ever). One such
/// thread per timed-out document: a run tolerates as many as it has memory for, and each is
/// named in the report.
fn parse_within(
    engines: &Engines,
    file: &Discovered,
    bytes: Vec<u8>,
    started: Instant,
) -> Result<lopdf::Document> {
    let Some(limit) = engines.doc_timeout else {
        return extract::parse(&bytes, &engines.limits);
    };
    let (tx, rx) = flume::bounded(1);
    let limits = engines.limits;
    let stall = stall_hook(&file.rel);
    engines.parsers.run(move || {
        if stall {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
        let _ = tx.send(extract::parse(&bytes, &limits));
    })?;
    match rx.recv_timeout(limit.saturating_sub(started.elapsed())) {
        Ok(parsed) => parsed,
        Err(_) => Err(crate::error::Error::Timeout(limit)),
    }
}

/// Test hook: a document whose name contains `$DOCGRAPH_TEST_STALL_PARSE` never finishes
/// parsing (used by the test of the hard time limit; unset in normal use).
fn stall_hook(name: &str) -> bool {
    std::env::var("DOCGRAPH_TEST_STALL_PARSE").is_ok_and(|s| !s.is_empty() && name.contains(&s))
}

/// Records each page's outcome in the report and stage times; returns the page texts.
fn page_texts(
    outcomes: Vec<PageOutcome>,
    report: &mut DocumentReport,
    stages: &mut StageSeconds,
) -> Vec<PageText> {
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
    texts
}
