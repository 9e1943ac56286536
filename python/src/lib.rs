//! `docgraph._native`: the pipeline run in-process for the Python package (`python/docgraph/`),
//! which turns what this returns into Python objects.
//!
//! `ingest` does what `docgraph ingest` does: takes the output folder
//! (`store::folder::open_output_dir`), runs the pipeline, writes the outputs atomically, and
//! returns the graph and the report as the JSON of `graph.json` and `report.json`. The run goes
//! on a thread of its own; the calling thread waits without the GIL, hands each progress event to
//! the callback (under the GIL, on the caller's thread) and looks for signals: Ctrl-C, or a
//! callback that returns `False` or raises, cancels the run, whose finished documents are
//! written as the command writes them; then the `KeyboardInterrupt` or the callback's exception
//! is raised.

// PyO3 0.22's #[pyfunction] expands to a conversion newer clippy calls useless.
#![allow(clippy::useless_conversion)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use docgraph::runtime::{runtime_of, Precision};
use docgraph::store::folder::{cache_dir, open_output_dir, write_outputs, WriteOptions, Written};
use docgraph::{CancelFlag, Config, Pipeline};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The options `docgraph.ingest` takes (keyword arguments), with the command's defaults.
struct Options {
    model_dir: Option<PathBuf>,
    workers: Option<usize>,
    precision: Option<Precision>,
    sequential: bool,
    keep_text: bool,
    force: bool,
    cache: bool,
    relations: bool,
    cooccurrence: bool,
    inference: bool,
    relations_from_all: bool,
    doc_timeout: Option<f64>,
    html: bool,
    entities: Option<PathBuf>,
}

impl Options {
    /// Reads `options`; an unknown name or a value of the wrong type is a `TypeError`, a value
    /// out of range a `ValueError`.
    fn from_dict(options: &Bound<'_, PyDict>) -> PyResult<Options> {
        let mut o = Options {
            model_dir: None,
            workers: None,
            precision: None,
            sequential: false,
            keep_text: false,
            force: false,
            cache: true,
            relations: true,
            cooccurrence: true,
            inference: true,
            relations_from_all: false,
            doc_timeout: None,
            html: true,
            entities: None,
        };
        for (key, value) in options.iter() {
            let key: String = key.extract()?;
            match key.as_str() {
                "model_dir" => o.model_dir = value.extract()?,
                "workers" => o.workers = value.extract()?,
                "precision" => {
                    o.precision = match value.extract::<Option<String>>()? {
                        Some(p) => Some(p.parse().map_err(PyValueError::new_err)?),
                        None => None,
                    }
                }
                "sequential" => o.sequential = value.extract()?,
                "keep_text" => o.keep_text = value.extract()?,
                "force" => o.force = value.extract()?,
                "cache" => o.cache = value.extract()?,
                "relations" => o.relations = value.extract()?,
                "cooccurrence" => o.cooccurrence = value.extract()?,
                "inference" => o.inference = value.extract()?,
                "relations_from_all" => o.relations_from_all = value.extract()?,
                "doc_timeout" => o.doc_timeout = value.extract()?,
                "html" => o.html = value.extract()?,
                "entities" => o.entities = value.extract()?,
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "ingest() got an unexpected option {key:?}"
                    )))
                }
            }
        }
        if o.workers == Some(0) {
            return Err(PyValueError::new_err("workers must be at least 1"));
        }
        if o.doc_timeout.is_some_and(|t| !(t > 0.0 && t.is_finite())) {
            return Err(PyValueError::new_err(
                "doc_timeout must be a positive number of seconds",
            ));
        }
        Ok(o)
    }

    /// The pipeline's configuration, its models found as the docgraph executable `program`
    /// finds them.
    fn config(&self, program: Option<&Path>, out: &Path) -> Config {
        let model_dir = self
            .model_dir
            .clone()
            .unwrap_or_else(|| docgraph::default_model_dir_for(program));
        let mut c = Config::new(model_dir);
        if let Some(w) = self.workers {
            c.workers = w;
        }
        if let Some(p) = self.precision {
            c.precision = p;
        }
        c.sequential = self.sequential;
        c.keep_text = self.keep_text;
        c.force = self.force;
        c.cache_dir = self.cache.then(|| cache_dir(out));
        c.relation_model = self.relations;
        c.window_model = self.relations;
        c.cooccurrence = self.cooccurrence;
        c.inference = self.inference;
        c.relations_from_all = self.relations_from_all;
        c.doc_timeout = self.doc_timeout.map(Duration::from_secs_f64);
        c.entities = self.entities.clone();
        c
    }
}

/// A docgraph error as `docgraph.DocgraphError(message, kind)`, `kind` as `report.json` names
/// it (`io`, `config`, `model`, …).
fn docgraph_error(py: Python<'_>, e: &docgraph::Error) -> PyErr {
    let kind = serde_json::to_value(e.kind())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match py
        .import_bound("docgraph")
        .and_then(|m| m.getattr("DocgraphError"))
        .and_then(|class| class.call1((e.to_string(), kind)))
    {
        Ok(err) => PyErr::from_value_bound(err),
        Err(import_failed) => import_failed,
    }
}

/// JSON text as Python objects (`json.loads`).
fn from_json(py: Python<'_>, text: &str) -> PyResult<PyObject> {
    Ok(py
        .import_bound("json")?
        .call_method1("loads", (text,))?
        .unbind())
}

/// Runs the pipeline over `path` (a folder or one PDF) into the output folder `out`; returns
/// `(graph.json, report.json)` as text. `program`: the docgraph executable whose model
/// runtime and models to use (the installed command), unless `DOCGRAPH_TORCH_LIBRARY` and
/// `model_dir` say otherwise. `progress(event)` gets each progress event as a dict (the
/// command's `--progress json` objects); returning `False` cancels the run.
#[pyfunction]
#[pyo3(signature = (path, out, options, program=None, progress=None))]
fn ingest(
    py: Python<'_>,
    path: PathBuf,
    out: PathBuf,
    options: &Bound<'_, PyDict>,
    program: Option<PathBuf>,
    progress: Option<PyObject>,
) -> PyResult<(String, String)> {
    let options = Options::from_dict(options)?;
    if let Some(program) = &program {
        // The command's model runtime (unless DOCGRAPH_TORCH_LIBRARY names one), loaded when
        // the first model starts.
        runtime_of(program);
    }
    let config = options.config(program.as_deref(), &out);
    let lock = open_output_dir(&path, &out).map_err(|e| docgraph_error(py, &e))?;
    let cancel = CancelFlag::new();
    let (events, received) = flume::unbounded::<serde_json::Value>();
    let run = {
        let (cancel, path, out) = (cancel.clone(), path.clone(), out.clone());
        std::thread::Builder::new()
            .name("docgraph-run".into())
            .spawn(move || {
                let pipeline = Pipeline::new(config)?;
                pipeline.run(&path, Some(&out), &cancel, &|p| {
                    let _ = events.send(p.to_json());
                })
            })
            .map_err(|e| PyRuntimeError::new_err(format!("starting the run: {e}")))?
    };
    let mut raised: Option<PyErr> = None;
    loop {
        match py.allow_threads(|| received.recv_timeout(Duration::from_millis(100))) {
            Ok(event) => {
                if let (Some(callback), None) = (&progress, &raised) {
                    let answer = from_json(py, &event.to_string())
                        .and_then(|event| callback.call1(py, (event,)));
                    match answer {
                        Ok(a) if a.bind(py).is(&*pyo3::types::PyBool::new_bound(py, false)) => {
                            cancel.cancel()
                        }
                        Ok(_) => {}
                        Err(e) => {
                            cancel.cancel();
                            raised = Some(e);
                        }
                    }
                }
            }
            Err(flume::RecvTimeoutError::Timeout) => {}
            // The run ended (its progress sender is gone).
            Err(flume::RecvTimeoutError::Disconnected) => break,
        }
        if raised.is_none() {
            if let Err(interrupt) = py.check_signals() {
                cancel.cancel();
                raised = Some(interrupt);
            }
        }
    }
    let output = py
        .allow_threads(|| run.join())
        .map_err(|_| PyRuntimeError::new_err("the docgraph run panicked"))?
        .map_err(|e| docgraph_error(py, &e))?;
    let title = path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| path.display().to_string());
    let write = WriteOptions {
        texts: options.keep_text,
        html: options.html.then_some(title),
    };
    let written = py
        .allow_threads(|| write_outputs(&out, &output, &write))
        .map_err(|e| docgraph_error(py, &e))?;
    drop(lock);
    if let Some(e) = raised {
        return Err(e);
    }
    if let Written::KeptFuller { before, now } = written {
        // Said as the command says it; the run's own (smaller) graph is returned.
        let warnings = py.import_bound("warnings")?;
        warnings.call_method1(
            "warn",
            (format!(
                "cancelled after {now} documents; the earlier outputs in {} ({before} documents) were kept",
                out.display()
            ),),
        )?;
    }
    let graph =
        docgraph::graph::export::to_json(&output.graph).map_err(|e| docgraph_error(py, &e))?;
    let report = serde_json::to_string(&output.report)
        .map_err(|e| PyRuntimeError::new_err(format!("report: {e}")))?;
    Ok((graph, report))
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ingest, m)?)?;
    Ok(())
}
