//! One document through every stage, in order:
//!
//! ```text
//!  read + hash ─▶ cache hit? ─▶ parse ─▶ pages ∥ (extract ─▶ ocr if unusable)
//!      ─▶ sentences ─▶ NER batches ∥ ─▶ names ─▶ relation batches ∥ ─▶ DocumentResult
//! ```
//!
//! In three parts on the rayon pool: [`open`] (bytes, hash, cache), [`read`] (the page texts,
//! no model needed) and [`finish`] (the language stages), so that while the models load,
//! workers read other documents instead of waiting (the orchestrator holds a read document
//! until they are ready). Under a time limit the parse between `open` and `read` runs on a
//! parse thread of its own and the orchestrator waits for it: no worker ever blocks on a
//! parser that may never return. Pages and model batches run in parallel and check the [`Stop`] between items, so
//! a timed-out or cancelled document stops within one page or one batch.
//! Each stage's work lives in its own module; this file only sequences them and keeps the
//! document's report.

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::prelude::*;

use crate::cancel::Stop;
use crate::discover::Discovered;
use crate::error::Result;
use crate::extract::{self, Limits};
use crate::nlp::gazetteer::Gazetteer;
use crate::nlp::{coref, mentions, ner::NerModels};
use crate::ocr::{self, OcrEngines, PageOutcome};
use crate::pool::BusyTime;
use crate::record::{DocumentReport, DocumentResult, PageText, StageSeconds};
use crate::relations::{self, RelationModels};
use crate::report::{EngineSeconds, EnginesStarted};
use crate::store::cache::{Lookup, ResultCache};

/// What a document needs from the pipeline.
pub(crate) struct Engines {
    /// NER model instances.
    pub ner: NerModels,
    /// The list of known entities (`--entities`), when given.
    pub gazetteer: Option<Gazetteer>,
    /// Tesseract engines.
    pub ocr: OcrEngines,
    /// Relation model instances; `None` when the relation model is off.
    pub relations: Option<RelationModels>,
    /// Keep co-occurrences (entities close together in a sentence, no typed relation).
    pub cooccurrence: bool,
    /// Read typed relations from every kind of text, not only prose (`--relations-from all`).
    pub relations_from_all: bool,
    /// Add relations that follow along `Located_In` chains (off: `--no-inference`).
    pub inference: bool,
    /// Window model instances (relations across sentences); `None` when off.
    pub windows: Option<RelationModels>,
    /// Bounds for hostile input.
    pub limits: Limits,
    /// Results of earlier runs, when resuming.
    pub cache: Option<ResultCache>,
    /// Ignore earlier results (they are still replaced by the new ones).
    pub force: bool,
    /// The per-document time limit (the parse too runs under it: see `open`).
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
        self.ner.pool().loading() || self.relation_models().any(|r| r.pool().loading())
    }

    /// The relation models that are on: the sentence model, the window model.
    fn relation_models(&self) -> impl Iterator<Item = &RelationModels> {
        [&self.relations, &self.windows].into_iter().flatten()
    }

    /// Instances started so far, per kind of engine (the report's `engines_started`).
    pub fn started(&self) -> EnginesStarted {
        EnginesStarted {
            ner: self.ner.pool().started(),
            relations: self.relation_models().map(|r| r.pool().started()).sum(),
            ocr: self.ocr.pool().started(),
        }
    }

    /// Seconds spent starting engines, per kind (the report's `timing.engines`); `runtime`:
    /// loading the model runtime.
    pub fn start_seconds(&self, runtime: f64) -> EngineSeconds {
        EngineSeconds {
            ner: self.ner.pool().start_time().as_secs_f64(),
            relations: self
                .relation_models()
                .map(|r| r.pool().start_time().as_secs_f64())
                .sum(),
            ocr: self.ocr.pool().start_time().as_secs_f64(),
            runtime,
        }
    }
}

/// A document after its first part ([`open`]): finished (from the cache, or failed), or its
/// PDF parsed or being parsed, for [`read`].
pub(crate) enum Opened {
    /// Nothing left to do.
    Done(Box<DocumentResult>),
    /// Parsed on the worker (no time limit).
    Parsed(Box<Open>, Box<Parse>),
    /// Being parsed on a parse thread ([`super::parsers`]), under the document's clock: the
    /// orchestrator waits for it, not a worker, so a parse that never returns holds up no
    /// worker and no other document (a worker blocked on it would also hold up whichever
    /// document's parallel pages it had been helping with).
    Parsing(Box<Open>, flume::Receiver<Parse>),
}

/// A parse's outcome and the seconds it took.
pub(crate) type Parse = (Result<lopdf::Document>, f64);

/// Parses the bytes, timed.
fn parse(bytes: &[u8], limits: &Limits) -> Parse {
    let t = Instant::now();
    let parsed = extract::parse(bytes, limits);
    (parsed, t.elapsed().as_secs_f64())
}

/// What [`open`] learnt of a document, for [`read`].
pub(crate) struct Open {
    sha256: String,
    cache_warning: Option<String>,
    stages: StageSeconds,
    /// When the document's work began.
    started: Instant,
}

/// A document after [`read`]: finished (from the cache, or failed), or its page texts
/// waiting for the models ([`finish`]).
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

/// The first part of a document: its bytes, their hash and the cache; then its parse, on the
/// worker without a time limit, else started on a parse thread. A failure of the whole
/// document comes back as a failed result.
pub(crate) fn open(engines: &Engines, file: &Discovered) -> Opened {
    let started = Instant::now();
    let read = extract::read_pdf_hashed(&file.path, &engines.limits);
    let mut stages = StageSeconds {
        load: started.elapsed().as_secs_f64(),
        ..StageSeconds::default()
    };
    let extract::PdfBytes { bytes, sha256 } = match read {
        Ok(read) => read,
        Err(e) => {
            let seconds = started.elapsed().as_secs_f64();
            return Opened::Done(Box::new(DocumentResult::failed(
                &file.rel, file.size, &e, seconds,
            )));
        }
    };
    let mut cache_warning = None;
    if let Some(cache) = engines.cache.as_ref().filter(|_| !engines.force) {
        match cache.get(&sha256) {
            Lookup::Hit(mut hit) => {
                // Same bytes, maybe another name: the result is this file's now.
                hit.report.path = file.rel.clone();
                hit.report.reused = true;
                hit.report.seconds = started.elapsed().as_secs_f64();
                hit.report.sha256 = Some(sha256);
                return Opened::Done(hit);
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
        if let Some(windows) = &engines.windows {
            windows.pool().prestart();
        }
        if let Some(relations) = &engines.relations {
            relations.pool().prestart();
        }
    }
    let open = Box::new(Open {
        sha256,
        cache_warning,
        stages: std::mem::take(&mut stages),
        started,
    });
    if engines.doc_timeout.is_none() {
        return Opened::Parsed(open, Box::new(parse(&bytes, &engines.limits)));
    }
    // Parsing is the one step without checkpoints: a hostile file can keep lopdf's parser busy
    // far past any limit. So it runs on a thread of its own, on the document's clock; past
    // the limit the document is `timed_out` and the thread is abandoned (it holds its memory
    // until the parser returns, if ever). One such thread per timed-out document: a run
    // tolerates as many as it has memory for, and each is named in the report.
    let (tx, rx) = flume::bounded(1);
    let limits = engines.limits;
    let stall = stall_hook(&file.rel);
    let clock = crate::clock::Carried::here();
    let job = move || {
        let parsed = clock.run(|| {
            if stall {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
            parse(&bytes, &limits)
        });
        let _ = tx.send(parsed);
    };
    match engines.parsers.run(job) {
        Ok(()) => Opened::Parsing(open, rx),
        Err(e) => Opened::Parsed(open, Box::new((Err(e), 0.0))),
    }
}

/// The second part, which needs no model: each page's text, extracted or OCR'd, from the
/// parse [`open`] made (`None`: the parser ended without a result). Failures of the whole
/// document come back as a failed result; failures of one page are warnings in it.
pub(crate) fn read(
    engines: &Engines,
    file: &Discovered,
    open: Open,
    parsed: Option<Parse>,
    stop: &Stop,
) -> Read {
    let Open {
        sha256,
        cache_warning,
        mut stages,
        started,
    } = open;
    let (parsed, parse_s) = parsed.unwrap_or_else(|| {
        let ended = "the PDF parser ended without a result";
        (Err(crate::error::Error::Panic(ended.into())), 0.0)
    });
    stages.load += parse_s;
    let read =
        parsed.and_then(|doc| read_texts(engines, file, doc, cache_warning, stop, &mut stages));
    let seconds = started.elapsed().as_secs_f64();
    match read {
        Ok(Read::Texts(mut t)) => {
            t.stages = stages;
            t.seconds = seconds;
            t.sha256 = sha256;
            Read::Texts(t)
        }
        Ok(Read::Done(mut done)) => {
            done.report.seconds = seconds;
            done.report.stages = stages;
            done.report.sha256 = Some(sha256);
            Read::Done(done)
        }
        Err(e) => {
            let mut failed = DocumentResult::failed(&file.rel, file.size, &e, seconds);
            failed.report.stages = stages;
            failed.report.sha256 = Some(sha256);
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
    doc: lopdf::Document,
    cache_warning: Option<String>,
    stop: &Stop,
    stages: &mut StageSeconds,
) -> Result<Read> {
    let t = Instant::now();
    let pages = extract::pages(&doc, &engines.limits)?;
    stages.load += t.elapsed().as_secs_f64();
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
    if let Some(why) = no_text(&texts, &report) {
        // Failed, with what each page gave kept in the report.
        report.fail(&crate::error::Error::NoText(why));
        return Ok(Read::Done(Box::new(DocumentResult::empty(report))));
    }
    Ok(Read::Texts(Box::new(Texts {
        texts,
        report,
        stages: StageSeconds::default(),
        sha256: String::new(),
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
    let keep_states = engines
        .relations
        .as_ref()
        .is_some_and(|r| r.reads_ner_states());
    // Keeping NER's text states for the relation model is the relation model's cost.
    let kept = BusyTime::default();
    let (raw, states) = mentions::find(
        &engines.ner,
        engines.gazetteer.as_ref(),
        &sentences,
        keep_states,
        stop,
        (&ner, &kept),
    )?;
    let named = ner.time(|| mentions::name(raw, &sentences, &texts));
    stages.ner = ner.seconds() - kept.seconds();

    // Relations: pronouns and descriptions resolved to the document's entities, the
    // relations of each sentence read by the model (through those references too), those
    // between entities no sentence names together read in windows of sentences, then what
    // follows from them (Located_In chains, the document's one country).
    let busy = BusyTime::default();
    let document = BusyTime::default();
    let references = match engines.relations {
        Some(_) => {
            document.time(|| coref::resolve(&sentences, &named, |s| texts[s.page_index].page))
        }
        None => Vec::new(),
    };
    // Rows whose states NER did not keep have NER's instances compute them, a batch at a time.
    let compute = |rows: &[&[i64]], busy: &BusyTime| engines.ner.text_states(rows, busy);
    let text = relations::NerText {
        kept: &states,
        compute: Some(&compute),
    };
    let mut relations = relations::relate(
        engines.relations.as_ref(),
        &named,
        &references,
        &sentences,
        text,
        (engines.cooccurrence, engines.relations_from_all),
        stop,
        &busy,
    )?;
    stages.relations = busy.seconds() + kept.seconds();
    drop(states);
    if let Some(windows) = &engines.windows {
        let (all, _) = document.time(|| relations::with_references(&named, &references));
        let page_of = |s: &crate::record::Sentence| texts[s.page_index].page;
        let (across, _) =
            relations::across::across(windows, &all, &sentences, page_of, stop, &document)?;
        relations.mentions.extend(across);
    }
    if let Some(models) = &engines.relations {
        relations::types::keep_fitting(&mut relations.mentions, &named, models.schema());
    }
    if engines.inference {
        document.time(|| {
            let chained = relations::infer::chains(&relations.mentions);
            relations.mentions.extend(chained);
            let page_of = |s: &crate::record::Sentence| texts[s.page_index].page;
            let country =
                relations::infer::country(&named, &sentences, page_of, &relations.mentions);
            relations.mentions.extend(country);
            let topic = relations::infer::topic(&named, &sentences, page_of, &relations.mentions);
            relations.mentions.extend(topic);
        });
    }
    stages.document = document.seconds();

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
    let sentence_kinds = sentences
        .iter()
        .filter(|s| !s.kind.is_prose())
        .map(|s| crate::record::SentenceKind {
            page: texts[s.page_index].page,
            start: s.start,
            end: s.end,
            kind: s.kind,
        })
        .collect();
    Ok(DocumentResult {
        report,
        mentions,
        relations: relations.mentions,
        sentence_kinds,
        references: references.into_iter().map(|(_, r)| r).collect(),
        // Kept for the cache (so --keep-text can change without processing again); the collector
        // drops them after caching unless they were asked for.
        pages: texts,
    })
}

/// Test hook: a document whose name contains `$DOCGRAPH_TEST_STALL_PARSE` never finishes
/// parsing (used by the test of the hard time limit; unset in normal use).
fn stall_hook(name: &str) -> bool {
    std::env::var("DOCGRAPH_TEST_STALL_PARSE").is_ok_and(|s| !s.is_empty() && name.contains(&s))
}

/// Why a document with pages gave no text at all, if it gave none: then it is not `ok` with
/// nothing in it, but failed with this reason (per page: what extraction and OCR made of it).
fn no_text(texts: &[PageText], report: &DocumentReport) -> Option<String> {
    if texts.is_empty() || texts.iter().any(|t| !t.text.trim().is_empty()) {
        return None;
    }
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for p in &report.ocr_pages {
        let why = match &p.error {
            Some(e) => format!("{}; OCR: {e}", p.reason),
            None => format!("{}; OCR read nothing", p.reason),
        };
        *reasons.entry(why).or_default() += 1;
    }
    let blank = texts.len() - report.ocr_pages.len();
    if blank > 0 {
        reasons.insert("blank".into(), blank);
    }
    let listed: Vec<String> = reasons
        .into_iter()
        .map(|(why, n)| format!("{n} × {why}"))
        .collect();
    Some(format!(
        "none of its {} page(s) gave text ({})",
        texts.len(),
        listed.join(", ")
    ))
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
