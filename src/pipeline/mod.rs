//! The orchestrator: an async (`smol`) run that owns every task it starts.
//!
//! ```text
//!  discover ─▶ [bounded: jobs] ─▶ N lanes ─ each takes one document through its two parts on
//!                                  │         rayon, under the document's time limit
//!                                  │                                   ─▶ [bounded: results]
//!                                  ▼                                        │
//!     rayon pool: read (pages ∥ extract or OCR) ─ (waits while a model loads) ─▶
//!                 finish (NER batches ∥, relation batches ∥)                 ▼
//!                                   the collector: caches each result, reports progress
//!                                                                          ▼
//!                                                        graph assembled, outputs written
//! ```
//! Both channels are bounded, so a slow collector slows the lanes and the lanes slow discovery:
//! memory holds at most `lanes` documents in flight whatever the folder size, of which at
//! most `readers` hold a PDF and its page images and at most `finishers` are between NER and
//! their relations (each holding NER's text states for the relation model); the others hold
//! text. Every task is awaited before `run` returns (also on cancellation), and a document
//! past its time limit is recorded as timed out and told to stop; its lane waits for the work
//! to end, so nothing outlives the run. Documents are fed largest first ([`largest_first`]); results come back in
//! path order.

mod config;
mod document;
mod limits;
mod parsers;
mod progress;
mod stages;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cancel::{CancelFlag, Stop};
use crate::clock::WorkClock;
use crate::discover::{self, Discovered};
use crate::error::{Error, Result};
use crate::graph::KnowledgeGraph;
use crate::nlp::ner::NerModels;
use crate::ocr::OcrEngines;
use crate::record::{
    DocStatus, DocumentReport, DocumentResult, PageSource, PageText, StageSeconds,
};
use crate::relations::RelationModels;
use crate::report::{RunReport, RunSetup, Timing};
pub use crate::run::RunOutput;
use crate::runtime::Effective;
use crate::shard::Shard;
pub use config::{default_model_dir, default_model_dir_for, Config};
use document::{Engines, Opened, Read};
use limits::{guarded, within_limit, Flags};
pub use progress::Progress;

/// Documents read at once under `config` (each holds its bytes, parsed PDF and page images):
/// enough to keep every worker busy while another document is being loaded or waits for the
/// collector.
fn readers(config: &Config) -> usize {
    if config.sequential {
        1
    } else {
        config.effective_workers() + 1
    }
}

/// Documents between NER and relations at once under `config`: one per worker. Each holds
/// NER's text states for the relation model (up to [`crate::nlp::mentions::KEPT_STATE_CHARS`]
/// characters' worth, about 80 MB); more at once would add no speed, only memory: a worker
/// waiting inside one document's batches takes up another's queued work, so without this
/// bound every document in flight could be holding its states (16 documents of 40 pages:
/// peak 1.53 GB without it, 1.01 GB with it, the same graph; news corpus time within noise).
fn finishers(config: &Config) -> usize {
    if config.sequential {
        1
    } else {
        config.effective_workers()
    }
}

/// Documents in flight under `config`: the ones being read, and read ones (page texts only)
/// waiting for the models to load, for a worker or for the collector. A parallel run loads its
/// models while the first documents are read; the workers read on until this many wait.
fn lanes(config: &Config) -> usize {
    if config.sequential {
        1
    } else {
        4 * readers(config)
    }
}

/// The pipeline with its loaded models and worker pool; reuse it for many runs.
pub struct Pipeline {
    config: Config,
    fingerprint: String,
    engines: Arc<Engines>,
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config", &self.config)
            .finish()
    }
}

impl Pipeline {
    /// Checks the models and OCR data and starts the workers; the models themselves are loaded
    /// when the first document needs them (see [`Pipeline::warm_up`]).
    pub fn new(config: Config) -> Result<Self> {
        let workers = config.effective_workers();
        // OCR first: a wrong language or data folder is said before the models load.
        let tessdata = config
            .tessdata
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned());
        let ocr = OcrEngines::new(
            workers,
            tessdata.as_deref(),
            &config.ocr_language,
            config.ocr_crop,
        )?;
        // The list of entities next: a bad line is said before the models load.
        let gazetteer = match &config.entities {
            Some(file) => Some(crate::nlp::gazetteer::Gazetteer::read(file)?),
            None => None,
        };
        let precision = config.precision.effective();
        let ner = NerModels::load(
            &config.model_dir,
            config.effective_ner_instances(),
            precision,
        )?;
        let relations = if config.relation_model {
            Some(RelationModels::load(
                &config.relation_model_dir,
                config.effective_ner_instances(),
                config.relation_threshold,
                precision,
                Some(&config.model_dir),
            )?)
        } else {
            None
        };
        // The window model reads the shipped schema's predicates across sentences: with a
        // relation model of another schema (trained with `docgraph train relations`), only
        // what sentences state.
        let same_schema = || {
            crate::relations::model::check_model_dir(&config.window_model_dir)?;
            let window = crate::relations::model::read_card(&config.window_model_dir)?;
            Ok::<bool, Error>(
                relations
                    .as_ref()
                    .is_some_and(|r| *r.schema() == window.schema),
            )
        };
        let windows = if config.relation_model && config.window_model && same_schema()? {
            Some(RelationModels::load(
                &config.window_model_dir,
                config.effective_ner_instances(),
                None,
                precision,
                None,
            )?)
        } else {
            None
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("docgraph-worker-{i}"))
            .start_handler(|_| {
                crate::threads::limit_openmp_here();
            })
            // Parsers of nested PDF structures recurse; give them room beyond the 2 MiB default.
            .stack_size(16 << 20)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {workers} worker threads: {e}")))?;
        let parts = config.fingerprint_parts(precision);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let fingerprint = crate::store::cache::ResultCache::fingerprint(&parts);
        let cache = match &config.cache_dir {
            Some(dir) => Some(crate::store::cache::ResultCache::open(dir, &fingerprint)?),
            None => None,
        };
        let engines = Arc::new(Engines {
            cache,
            force: config.force,
            ner,
            gazetteer,
            ocr,
            relations,
            cooccurrence: config.cooccurrence,
            relations_from_all: config.relations_from_all,
            inference: config.inference,
            windows,
            pages_done: std::sync::atomic::AtomicUsize::new(0),
            prestart: !config.sequential,
            doc_timeout: config.doc_timeout,
            // One per reader: what the documents being read need (see `parsers` for why now).
            parsers: parsers::Parsers::new(if config.doc_timeout.is_some() {
                readers(&config)
            } else {
                0
            })?,
            limits: config.limits,
        });
        Ok(Pipeline {
            config,
            fingerprint,
            engines,
            pool,
        })
    }

    /// Loads every model instance and starts every Tesseract engine now, in parallel (they are
    /// otherwise started when the first document needs them): for a caller who wants a broken
    /// model to fail here, or start-up kept out of the first documents' time.
    pub fn warm_up(&self) -> Result<()> {
        self.engines.ocr.pool().warm()?;
        self.engines.ner.pool().warm()?;
        match &self.engines.relations {
            Some(relations) => relations.pool().warm(),
            None => Ok(()),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What determines this pipeline's results: docgraph's version, the models and the
    /// options that change results (see [`RunOutput::fingerprint`]).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Documents processed concurrently (see [`lanes`]).
    fn lanes(&self) -> usize {
        lanes(&self.config)
    }

    /// Processes every PDF below `input` (a folder; or one file).
    ///
    /// `exclude` is left out of the walk (the output folder). `progress` is called from the
    /// orchestrator thread as documents finish.
    pub fn run(
        &self,
        input: &Path,
        exclude: Option<&Path>,
        cancel: &CancelFlag,
        progress: &dyn Fn(&Progress),
    ) -> Result<RunOutput> {
        let started = Instant::now();
        let discovery = discover::discover(input, exclude)?;
        let root = input.is_dir().then_some(input);
        Ok(self.run_discovered(root, discovery, started, cancel, progress))
    }

    /// Like [`Pipeline::run`], over a list of files and folders (files taken as they are,
    /// folders walked); each document is named by its path as given.
    pub fn run_list(
        &self,
        paths: &[PathBuf],
        exclude: Option<&Path>,
        cancel: &CancelFlag,
        progress: &dyn Fn(&Progress),
    ) -> Result<RunOutput> {
        let started = Instant::now();
        let discovery = discover::discover_list(paths, exclude)?;
        Ok(self.run_discovered(None, discovery, started, cancel, progress))
    }

    fn run_discovered(
        &self,
        root: Option<&Path>,
        discovery: discover::Discovery,
        started: Instant,
        cancel: &CancelFlag,
        progress: &dyn Fn(&Progress),
    ) -> RunOutput {
        let files = match self.config.shard {
            Some(shard) => self.in_shard(discovery.files, shard),
            None => discovery.files,
        };
        progress(&Progress::Discovered {
            documents: files.len(),
        });
        let walked = started.elapsed();
        let mut results = self.run_files(&files, cancel, progress);
        let processed = started.elapsed();
        let mut walk_warnings = discovery.warnings;
        if let Some(root) = root {
            relativize(root, &mut results, &mut walk_warnings);
        }
        // Files no longer in the folder leave the cache too: after a complete run that found
        // documents (an empty or vanished folder is no reason to forget everything).
        let complete = !cancel.is_cancelled() && !results.is_empty();
        if let (Some(cache), true) = (&self.engines.cache, complete) {
            cache.prune(
                &results
                    .iter()
                    .filter_map(|r| r.report.sha256.clone())
                    .collect(),
            );
        }
        progress(&Progress::Assembling);
        let graph = KnowledgeGraph::build(&results);
        let mut report = RunReport::build(
            &self.setup(),
            &results,
            &graph,
            walk_warnings,
            cancel.is_cancelled(),
            started.elapsed(),
        );
        report.shard = self.config.shard;
        report.timing = Timing {
            before_main: None,
            setup: None,
            walk: walked.as_secs_f64(),
            documents: (processed - walked).as_secs_f64(),
            assemble: (started.elapsed() - processed).as_secs_f64(),
            engines: self
                .engines
                .start_seconds(crate::runtime::load_seconds_since(started).unwrap_or(0.0)),
        };
        report.seconds = started.elapsed().as_secs_f64();
        RunOutput {
            graph,
            report,
            results,
            fingerprint: self.fingerprint.clone(),
            shard: self.config.shard,
        }
    }

    /// How this run was set up, as the report states it.
    fn setup(&self) -> RunSetup {
        RunSetup {
            mode: if self.config.sequential {
                "sequential"
            } else {
                "parallel"
            },
            workers: self.config.effective_workers(),
            ner_instances: self.engines.ner.pool().size(),
            precision: Some(self.config.precision.effective()),
            tesseract_library: crate::ocr::loaded_library(),
            engines_started: self.engines.started(),
        }
    }

    /// The files of `shard`: each is read and hashed (on the workers) to find its shard; a
    /// file that cannot be read is placed by its path.
    fn in_shard(&self, files: Vec<Discovered>, shard: Shard) -> Vec<Discovered> {
        use rayon::prelude::*;
        let limits = self.config.limits;
        self.pool.install(|| {
            files
                .into_par_iter()
                .filter(|f| {
                    let key = match crate::extract::read_pdf_hashed(&f.path, &limits) {
                        Ok(read) => read.sha256,
                        Err(_) => crate::shard::path_key(&f.rel),
                    };
                    shard.holds(&key)
                })
                .collect()
        })
    }

    /// Processes the given files and returns one result per file, in the files' order.
    fn run_files(
        &self,
        files: &[Discovered],
        cancel: &CancelFlag,
        progress: &dyn Fn(&Progress),
    ) -> Vec<DocumentResult> {
        let total = files.len();
        let mut slots: Vec<Option<DocumentResult>> = vec![None; total];
        let started = Instant::now();
        let (mut done, mut pages, mut ocr_pages) = (0, 0, 0);
        let done_now = std::cell::Cell::new(0usize);
        let counts = || {
            (
                self.engines.pages_done.load(Ordering::Relaxed),
                self.engines.ner.tagged(),
                self.engines.relations.as_ref().map_or(0, |r| r.scored()),
            )
        };
        let at_start = counts();
        let last_told = std::cell::Cell::new((0usize, 0usize, 0usize));
        let tick = || {
            let c = counts();
            let now = (c.0 - at_start.0, c.1 - at_start.1, c.2 - at_start.2);
            if now != last_told.get() {
                last_told.set(now);
                progress(&Progress::Pages {
                    done: done_now.get(),
                    total,
                    pages: now.0,
                    sentences: now.1,
                    pairs: now.2,
                    elapsed: started.elapsed(),
                });
            }
        };
        let permits = Permits {
            readers: Arc::new(smol::lock::Semaphore::new(readers(&self.config))),
            finishers: Arc::new(smol::lock::Semaphore::new(finishers(&self.config))),
        };
        let permits = &permits;
        stages::drive(
            largest_first(files),
            self.lanes(),
            &|| cancel.is_cancelled(),
            &tick,
            |_, (i, file): (usize, &Discovered)| async move {
                let r = if cancel.is_cancelled() {
                    DocumentResult::failed(&file.rel, file.size, &Error::Cancelled, 0.0)
                } else {
                    self.one_document(file, cancel, permits).await
                };
                (i, r)
            },
            |_, (i, mut r): (usize, DocumentResult)| {
                // The counts as the document ends (its last pairs may have been scored since
                // the last tick), then the document.
                tick();
                done += 1;
                done_now.set(done);
                pages += r.report.pages;
                ocr_pages += r.report.ocr_pages.len();
                progress(&Progress::Document {
                    done,
                    total,
                    pages,
                    ocr_pages,
                    elapsed: started.elapsed(),
                    path: &r.report.path,
                    status: r.report.status,
                });
                if let Some(cache) = &self.engines.cache {
                    // Kept at once, so a run killed later resumes after this document.
                    if let Err(e) = cache.put(&r) {
                        r.report.warnings.push(format!("result not cached: {e}"));
                    }
                }
                if !self.config.keep_text {
                    r.pages = Vec::new();
                }
                slots[i] = Some(r);
                std::future::ready(())
            },
        );
        // Documents the run did not finish because it was cancelled: their result from an
        // earlier run when the cache has one (hashing only), so a cancelled re-run never
        // yields a smaller graph than the run before it; otherwise reported as cancelled.
        slots
            .into_iter()
            .zip(files)
            .map(|(r, f)| match r {
                Some(r) if r.report.status != DocStatus::Cancelled => r,
                _ => self.cached_result(f).unwrap_or_else(|| {
                    DocumentResult::failed(&f.rel, f.size, &Error::Cancelled, 0.0)
                }),
            })
            .collect()
    }

    /// An earlier run's result for this file's bytes, if the cache holds a valid one.
    fn cached_result(&self, f: &Discovered) -> Option<DocumentResult> {
        let cache = self.engines.cache.as_ref().filter(|_| !self.config.force)?;
        let read = crate::extract::read_pdf_hashed(&f.path, &self.config.limits).ok()?;
        match cache.get(&read.sha256) {
            crate::store::cache::Lookup::Hit(mut r) => {
                r.report.path = f.rel.clone();
                r.report.reused = true;
                if !self.config.keep_text {
                    r.pages = Vec::new();
                }
                Some(*r)
            }
            _ => None,
        }
    }

    /// Finds the entities and relations of a text given directly (as one page of a document
    /// named `name`), with the same stages a PDF's text goes through. Runs on the worker pool.
    pub fn analyze_text(&self, name: &str, text: &str) -> Result<DocumentResult> {
        let pages = vec![PageText {
            page: 1,
            source: PageSource::Text,
            text: text.to_string(),
        }];
        let mut report = DocumentReport::new(name, text.len() as u64);
        report.pages = 1;
        report.text_pages = 1;
        let never = AtomicBool::new(false);
        let stop = Stop {
            run: &never,
            doc: &never,
        };
        self.pool.install(|| {
            let mut stages = StageSeconds::default();
            let mut r = document::analyze(&self.engines, pages, report, &mut stages, &stop)?;
            r.report.stages = stages;
            Ok(r)
        })
    }

    /// Documents whose work is still alive on the worker pool (0 after `run` returns: a run
    /// leaves nothing running).
    pub fn in_flight(&self) -> usize {
        Arc::strong_count(&self.engines) - 1
    }

    /// One document: [`document::open`] on the pool, its parse (awaited here when it runs on
    /// a parse thread), [`document::read`] on the pool, then, once no model is loading in the
    /// background, [`document::finish`] on the pool, under the document's time limit.
    async fn one_document(
        &self,
        file: &Discovered,
        cancel: &CancelFlag,
        permits: &Permits,
    ) -> DocumentResult {
        let flags = Flags {
            run: cancel.as_arc(),
            doc: Arc::new(AtomicBool::new(false)),
        };
        let clock = Arc::new(WorkClock::default());
        // Few documents are read at once (each holds its PDF and page images); a read one
        // waiting below holds only its text.
        let permit = permits.readers.acquire_arc().await;
        let work = async {
            let opened = self
                .on_pool(&clock, {
                    let file = file.clone();
                    move |engines| {
                        guarded(
                            &file,
                            || document::open(engines, &file),
                            |failed| Opened::Done(Box::new(failed)),
                        )
                    }
                })
                .await?;
            let (open, parsed) = match opened {
                Opened::Done(r) => return Some(*r),
                Opened::Parsed(open, parsed) => (open, Some(*parsed)),
                // The parse runs on a parse thread under the document's clock; the wait is
                // here, and ends with the document's time.
                Opened::Parsing(open, rx) => {
                    let done = async {
                        while !flags.doc.load(Ordering::Relaxed) {
                            smol::Timer::after(Duration::from_millis(5)).await;
                        }
                        None
                    };
                    let parsed = smol::future::or(async { Some(rx.recv_async().await.ok()) }, done);
                    (open, parsed.await?)
                }
            };
            let read = {
                let (file, flags) = (file.clone(), flags.clone());
                self.on_pool(&clock, move |engines| {
                    // Few documents are read at once (each holds its PDF and page images); a
                    // read one waiting below holds only its text.
                    let _permit = permit;
                    guarded(
                        &file,
                        || document::read(engines, &file, *open, parsed, &flags.stop()),
                        |failed| Read::Done(Box::new(failed)),
                    )
                })
            };
            let texts = match read.await? {
                Read::Done(r) => return Some(*r),
                Read::Texts(texts) => texts,
            };
            // While a model loads, the document waits here rather than on a worker, which
            // reads the next documents meanwhile.
            while self.engines.models_loading() && !flags.doc.load(Ordering::Relaxed) {
                smol::Timer::after(Duration::from_millis(5)).await;
            }
            if flags.doc.load(Ordering::Relaxed) {
                return None; // out of time meanwhile: its result is the time-out
            }
            // Few documents are between NER and relations at once (each holds NER's states).
            let permit = permits.finishers.acquire_arc().await;
            let (file, flags) = (file.clone(), flags.clone());
            self.on_pool(&clock, move |engines| {
                let _permit = permit;
                guarded(
                    &file,
                    || document::finish(engines, &file, *texts, &flags.stop()),
                    |failed| failed,
                )
            })
            .await
        };
        let mut work = std::pin::pin!(work);
        let limited = within_limit(work.as_mut(), self.config.doc_timeout, &|| clock.spent()).await;
        let failed = |e: &Error| {
            DocumentResult::failed(&file.rel, file.size, e, clock.spent().as_secs_f64())
        };
        match limited {
            Some(Some(r)) => r,
            Some(None) => failed(&Error::Panic("worker ended without a result".into())),
            None => {
                flags.doc.store(true, Ordering::SeqCst);
                // Wait for the work to notice and end, so it does not outlive the run.
                let _ = work.await;
                failed(&Error::Timeout(self.config.doc_timeout.unwrap_or_default()))
            }
        }
    }

    /// Runs `part` of a document on the worker pool, timed on `clock`; its result, or `None`
    /// if the worker ended without one.
    fn on_pool<R: Send + 'static>(
        &self,
        clock: &Arc<WorkClock>,
        part: impl FnOnce(&Engines) -> R + Send + 'static,
    ) -> impl std::future::Future<Output = Option<R>> {
        let (tx, rx) = flume::bounded(1);
        let (engines, clock) = (self.engines.clone(), clock.clone());
        self.pool.spawn(move || {
            let r = clock.run(|| part(&engines));
            // Let go of the engines before reporting, so that once every result is in,
            // nothing of the run holds them.
            drop(engines);
            let _ = tx.send(r);
        });
        async move { rx.recv_async().await.ok() }
    }
}

/// What bounds the documents at each part of their work (see [`readers`], [`finishers`]).
struct Permits {
    readers: Arc<smol::lock::Semaphore>,
    finishers: Arc<smol::lock::Semaphore>,
}

/// The files with their index, largest first (ties in their order): in a parallel run the
/// longest work starts first, so the last documents, which one core may finish while the other
/// has nothing left, are the small ones; and scans, large files, are OCR'd while the models
/// load. (Size is only a guess at work, but it costs nothing: the walk measured it.)
fn largest_first(files: &[Discovered]) -> Vec<(usize, &Discovered)> {
    let mut order: Vec<(usize, &Discovered)> = files.iter().enumerate().collect();
    order.sort_by_key(|(_, f)| std::cmp::Reverse(f.size));
    order
}

/// Paths in errors and warnings relative to the input folder, as documents are named: no
/// machine's folder layout in the outputs.
fn relativize(root: &Path, results: &mut [DocumentResult], walk_warnings: &mut [String]) {
    let mut prefixes = vec![format!("{}/", root.display())];
    if let Ok(abs) = root.canonicalize() {
        prefixes.push(format!("{}/", abs.display()));
    }
    let strip = |s: &mut String| {
        for p in &prefixes {
            if s.contains(p.as_str()) {
                *s = s.replace(p.as_str(), "");
            }
        }
    };
    for r in results {
        if let Some(e) = r.report.error.as_mut() {
            strip(e);
        }
        r.report.warnings.iter_mut().for_each(&strip);
    }
    walk_warnings.iter_mut().for_each(strip);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_start_largest_first_ties_in_path_order() {
        let files: Vec<Discovered> = [3, 10, 3, 7]
            .iter()
            .enumerate()
            .map(|(i, &size)| Discovered {
                path: format!("{i}.pdf").into(),
                rel: format!("{i}.pdf"),
                size,
            })
            .collect();
        let order: Vec<usize> = largest_first(&files).iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [1, 3, 0, 2]);
    }
}
