//! `docgraph tune`: measure on this machine what `--precision auto` runs and which OpenBLAS
//! kernels float32 uses, and remember it (see [`docgraph::runtime::tune`]). Each probe runs in
//! a child process of its own (`docgraph tune --probe …`), with its own `OPENBLAS_CORETYPE`:
//! OpenBLAS reads it only as it loads, and a kernel set that crashes costs only its answer.

use std::path::{Path, PathBuf};
use std::process::Command;

use docgraph::runtime::tune::{self, BlasProbe, Measured, Tuning};
use docgraph::runtime::Precision;
use docgraph::{Error, Result};

/// What a probe child measures.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Probe {
    /// A float32 matrix product through OpenBLAS.
    Blas,
    /// The NER encoder at every candidate precision.
    Precision,
}

/// Runs one probe in this process and prints its result as JSON (the child's side).
pub fn probe(which: Probe, model_dir: &Path) -> Result<u8> {
    let json = match which {
        Probe::Blas => serde_json::to_string(&tune::probe_blas(model_dir)?),
        Probe::Precision => {
            let measured = tune::probe_precisions(model_dir, &tune::precision_candidates())?;
            serde_json::to_string(&measured)
        }
    }
    .map_err(|e| Error::Serialize {
        what: "probe",
        message: e.to_string(),
    })?;
    outln!("{json}");
    Ok(super::EXIT_OK)
}

/// Runs a probe child with `OPENBLAS_CORETYPE` set to `core` (unset: OpenBLAS's own choice).
fn child<T: serde::de::DeserializeOwned>(
    which: &str,
    core: Option<&str>,
    model_dir: &Path,
) -> std::result::Result<T, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args(["tune", "--probe", which, "--model-dir"])
        .arg(model_dir);
    match core {
        Some(c) => cmd.env("OPENBLAS_CORETYPE", c),
        None => cmd.env_remove("OPENBLAS_CORETYPE"),
    };
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{} ({})", out.status, err.trim()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// Measures and writes the tuning file; prints what was measured unless `quiet`.
pub fn tune(model_dir: &Path, quiet: bool) -> Result<u8> {
    let path = tune::tuning_path()
        .ok_or_else(|| Error::Config("no cache folder: set HOME or DOCGRAPH_TUNING".into()))?;
    let tuning = measure(model_dir, quiet)?;
    tune::write(&path, &tuning)?;
    if !quiet {
        outln!(
            "auto: precision {}, OpenBLAS kernels {} (written to {})",
            tuning.precision.name(),
            tuning
                .openblas_coretype
                .as_deref()
                .unwrap_or("OpenBLAS's own choice"),
            path.display()
        );
    }
    Ok(super::EXIT_OK)
}

fn measure(model_dir: &Path, quiet: bool) -> Result<Tuning> {
    let mut measured = Vec::new();
    let mut note = |candidate: String, speed: f64, error: Option<String>| {
        if !quiet {
            match &error {
                Some(e) => outln!("  {candidate:<28} unusable: {e}"),
                None => outln!("  {candidate:<28} {speed:>8.2}"),
            }
        }
        measured.push(Measured {
            candidate,
            speed,
            error,
        });
    };
    if !quiet {
        outln!("OpenBLAS kernels: float32 encoder batches per second (GFLOP/s of a product):");
    }
    let default = child::<BlasProbe>("blas", None, model_dir);
    let own = default
        .as_ref()
        .ok()
        .map(|p| p.core.clone())
        .unwrap_or_default();
    match &default {
        Ok(p) => note(format!("blas:default ({})", p.core.trim()), p.encoder, None),
        Err(e) => note("blas:default".into(), 0.0, Some(e.clone())),
    }
    let mut forced = Vec::new();
    for core in tune::blas_candidates() {
        match child::<BlasProbe>("blas", Some(core), model_dir) {
            Ok(p) if p.max_error > tune::BLAS_TOLERANCE => note(
                format!("blas:{core}"),
                0.0,
                Some(format!("wrong results ({:.1e})", p.max_error)),
            ),
            Ok(p) => {
                note(format!("blas:{core}"), p.encoder, None);
                forced.push((core, p));
            }
            Err(e) => note(format!("blas:{core}"), 0.0, Some(e)),
        }
    }
    let mut core = tune::choose_blas(default.as_ref().ok(), &forced);
    // Forcing the kernel set OpenBLAS picks anyway changes nothing.
    if core
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case(own.trim()))
    {
        core = None;
    }
    if !quiet {
        outln!("NER encoder, batches per second (one thread):");
    }
    // Without this measurement nothing is remembered: `auto` goes by the flags meanwhile.
    let precisions = child::<Vec<(Precision, f64)>>("precision", core.as_deref(), model_dir)
        .map_err(|e| Error::Model(format!("timing the NER encoder: {e}")))?;
    for (p, speed) in &precisions {
        note(format!("precision:{}", p.name()), *speed, None);
    }
    Ok(Tuning {
        machine: tune::machine(),
        openblas_coretype: core,
        precision: tune::choose_precision(&precisions),
        measured,
    })
}

/// Before a run that loads the models: measures once on this machine if it never was (a few
/// seconds), then sets `OPENBLAS_CORETYPE` from the tuning unless the environment sets it.
/// Called at the start of `main`, while no other thread exists. A failure is no reason not to
/// run: `auto` then goes by the processor's flags.
pub fn ensure(model_dir: Option<PathBuf>) {
    let Some(path) = tune::tuning_path() else {
        return;
    };
    if tune::read(&path).is_none() {
        let model_dir = model_dir.unwrap_or_else(docgraph::default_model_dir);
        let lock = path.with_extension("lock");
        let _held = hold(&lock);
        // Another process may have measured while this one waited for the lock.
        if tune::read(&path).is_none() {
            if let Ok(exe) = std::env::current_exe() {
                let _ = Command::new(exe)
                    .args(["tune", "--quiet", "--model-dir"])
                    .arg(&model_dir)
                    .status();
            }
        }
    }
    tune::apply_blas_env();
}

/// An exclusive lock on `path` (created), held while the value lives; `None` where it cannot be
/// taken (then two processes may both measure: harmless, the last one's file stays).
fn hold(path: &Path) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(path.parent()?).ok()?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .ok()?;
    // SAFETY: flock on a descriptor this function owns; released when the file closes.
    (unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0).then_some(f)
}
