//! `docgraph bench`: sequential against parallel on one folder, in one run (also what
//! `cargo bench` runs).
//!
//! Each mode runs in its own child process (`docgraph ingest`, with `--sequential` for the
//! baseline), so each has its own peak memory and neither warms the other's caches. Times are
//! the runs' own (model loading excluded), read back from their `report.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use docgraph::record::StageSeconds;
use docgraph::{Error, Result, RunReport};

use super::args::PipelineArgs;
use super::{EXIT_FATAL, EXIT_OK};

/// One mode's figures.
#[derive(Debug, Clone)]
pub struct ModeResult {
    /// `sequential` or `parallel`.
    pub mode: String,
    /// The run's report.
    pub report: RunReport,
    /// The run's `graph.json`.
    pub graph_json: String,
    /// Wall-clock seconds of the whole `docgraph ingest` process, start to exit.
    pub process_seconds: f64,
}

impl ModeResult {
    /// Documents per second.
    pub fn docs_per_s(&self) -> f64 {
        self.report.summary.documents as f64 / self.report.seconds.max(1e-9)
    }
    /// Pages per second.
    pub fn pages_per_s(&self) -> f64 {
        self.report.summary.pages as f64 / self.report.seconds.max(1e-9)
    }
}

/// Both modes on the same folder.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// One document at a time on one thread.
    pub sequential: ModeResult,
    /// The parallel pipeline.
    pub parallel: ModeResult,
}

impl BenchResult {
    /// How many times faster the parallel run was.
    pub fn speedup(&self) -> f64 {
        self.sequential.report.seconds / self.parallel.report.seconds.max(1e-9)
    }

    /// How many times faster the whole parallel process was, start to exit: what a user
    /// waits for.
    pub fn process_speedup(&self) -> f64 {
        self.sequential.process_seconds / self.parallel.process_seconds.max(1e-9)
    }

    /// Did both modes produce the same graph?
    pub fn same_graph(&self) -> bool {
        self.sequential.graph_json == self.parallel.graph_json
    }

    /// The comparison as a table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<11} {:>5} {:>6} {:>5} {:>9} {:>9} {:>8} {:>9} {:>9}",
            "mode", "docs", "pages", "OCR", "seconds", "process", "docs/s", "pages/s", "peak MiB"
        );
        for m in [&self.sequential, &self.parallel] {
            let r = &m.report;
            let _ = writeln!(
                s,
                "{:<11} {:>5} {:>6} {:>5} {:>9.2} {:>9.2} {:>8.2} {:>9.2} {:>9}",
                m.mode,
                r.summary.documents,
                r.summary.pages,
                r.summary.ocr_pages,
                r.seconds,
                m.process_seconds,
                m.docs_per_s(),
                m.pages_per_s(),
                r.peak_rss_mib
                    .map(|v| format!("{v:.0}"))
                    .unwrap_or_else(|| "?".into())
            );
        }
        let _ = writeln!(
            s,
            "speed-up: {:.2}x the run, {:.2}x the whole process (parallel with {} workers over sequential)",
            self.speedup(),
            self.process_speedup(),
            self.parallel.report.workers
        );
        for m in [&self.sequential, &self.parallel] {
            let _ = writeln!(s, "time ({}): {}", m.mode, time_split(m));
        }
        let _ = writeln!(
            s,
            "same graph in both modes: {}",
            if self.same_graph() { "yes" } else { "NO" }
        );
        let _ = writeln!(
            s,
            "stage shares (sequential): {}",
            shares(&self.sequential.report.stage_seconds)
        );
        for m in [&self.sequential, &self.parallel] {
            let _ = writeln!(
                s,
                "stage throughput ({}): {}",
                m.mode,
                throughput(&m.report)
            );
        }
        s
    }
}

/// Items per second a stage got through, per second spent in it (summed over threads, so
/// per busy core): OCR'd pages, sentences through NER, candidate pairs through the relation
/// model.
pub fn throughput(r: &RunReport) -> String {
    let st = &r.stage_seconds;
    let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
    format!(
        "OCR {:.2} pages/s, NER {:.1} sentences/s, relations {:.1} pairs/s (per busy core)",
        rate(r.summary.ocr_pages, st.ocr),
        rate(r.summary.sentences, st.ner),
        rate(r.summary.relation_pairs, st.relations),
    )
}

/// Where a mode's process time went: before `main`, set-up, walk, documents (with the engines
/// started inside them), assembling, and the rest (writing the outputs, exiting).
pub fn time_split(m: &ModeResult) -> String {
    let t = &m.report.timing;
    let before_main = t.before_main.unwrap_or(0.0);
    let setup = t.setup.unwrap_or(0.0);
    let engines = t.engines.ner + t.engines.relations + t.engines.ocr;
    let rest = m.process_seconds - before_main - setup - m.report.seconds;
    format!(
        "before main {before_main:.2} + set-up {setup:.2} + walk {:.2} + documents {:.2} \
         (engines started in them {engines:.2}: NER {:.2}, relations {:.2}, OCR {:.2}) \
         + assemble {:.2} + outputs and exit {rest:.2} = {:.2} s",
        t.walk,
        t.documents,
        t.engines.ner,
        t.engines.relations,
        t.engines.ocr,
        t.assemble,
        m.process_seconds
    )
}

/// Stage times as percentages of their sum.
pub fn shares(st: &StageSeconds) -> String {
    let total = (st.load + st.extract + st.ocr + st.ner + st.relations).max(1e-9);
    format!(
        "load {:.1}%, extract {:.1}%, OCR {:.1}%, NER {:.1}%, relations {:.1}%",
        100.0 * st.load / total,
        100.0 * st.extract / total,
        100.0 * st.ocr / total,
        100.0 * st.ner / total,
        100.0 * st.relations / total
    )
}

/// A temporary output folder, removed however the run ends.
struct TempOut(PathBuf);

impl Drop for TempOut {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_mode(exe: &Path, dir: &Path, sequential: bool, extra: &[String]) -> Result<ModeResult> {
    let mode = if sequential { "sequential" } else { "parallel" };
    let out =
        TempOut(std::env::temp_dir().join(format!("docgraph-bench-{}-{mode}", std::process::id())));
    let _ = std::fs::remove_dir_all(&out.0);
    errln!("docgraph bench: {mode} run…");
    let started = std::time::Instant::now();
    let mut cmd = Command::new(exe);
    cmd.arg("ingest")
        .arg(dir)
        .arg("-o")
        .arg(&out.0)
        .arg("--quiet")
        // No result cache: a corpus may hold identical copies, which the cache would serve.
        .arg("--no-cache")
        .args(extra);
    if sequential {
        cmd.arg("--sequential");
    }
    let status = cmd
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::io(exe, e))?;
    let process_seconds = started.elapsed().as_secs_f64();
    // 0: all documents ok; 3: some failed (a bench folder may hold broken files on purpose).
    if !matches!(status.code(), Some(0 | 3)) {
        return Err(Error::Config(format!(
            "the {mode} run failed ({status}); its message is above"
        )));
    }
    let read = |name: &str| {
        std::fs::read_to_string(out.0.join(name)).map_err(|e| Error::io(out.0.join(name), e))
    };
    let report: RunReport =
        serde_json::from_str(&read("report.json")?).map_err(|e| Error::Serialize {
            what: "report.json",
            message: e.to_string(),
        })?;
    if report.summary.documents == 0 {
        return Err(Error::Config(format!(
            "no PDF files in {}: nothing to time",
            dir.display()
        )));
    }
    let graph_json = read("graph.json")?;
    errln!("docgraph bench: {mode} run done in {process_seconds:.1} s");
    Ok(ModeResult {
        mode: mode.into(),
        report,
        graph_json,
        process_seconds,
    })
}

/// Runs `exe ingest` on `dir` sequentially, then in parallel, with `extra` arguments.
pub fn compare(exe: &Path, dir: &Path, extra: &[String]) -> Result<BenchResult> {
    let sequential = run_mode(exe, dir, true, extra)?;
    let parallel = run_mode(exe, dir, false, extra)?;
    Ok(BenchResult {
        sequential,
        parallel,
    })
}

/// Runs `bench`; returns the exit status (1 when the parallel run is not fast enough or
/// the two modes built different graphs).
pub fn bench(dir: PathBuf, min_speedup: Option<f64>, opts: PipelineArgs) -> Result<u8> {
    if opts.sequential {
        return Err(Error::Config(
            "bench runs both modes itself: --sequential does not apply".into(),
        ));
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let extra = opts.to_args();
    if !opts.baseline {
        // Before: the same binary with this release's speed-ups off (float32 models, whole
        // page images to Tesseract), so both sides run on this machine in this run.
        let mut before_args = extra.clone();
        before_args.push("--baseline".into());
        let before = compare(&exe, &dir, &before_args)?;
        outln!("BEFORE (--baseline: float32 models, whole page images to OCR)");
        outln!("{}", before.table().trim_end());
        let result = compare(&exe, &dir, &extra)?;
        outln!("AFTER (defaults)");
        outln!("{}", result.table().trim_end());
        for (b, a) in [
            (&before.sequential, &result.sequential),
            (&before.parallel, &result.parallel),
        ] {
            outln!(
                "after/before ({}): {}",
                a.mode,
                stage_gains(&b.report, &a.report)
            );
        }
        return finish(&result, min_speedup);
    }
    let result = compare(&exe, &dir, &extra)?;
    outln!("{}", result.table().trim_end());
    finish(&result, min_speedup)
}

/// Per-stage throughput of `after` over `before`.
pub fn stage_gains(before: &RunReport, after: &RunReport) -> String {
    let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
    let gain = |n_a: usize, s_a: f64, n_b: usize, s_b: f64| {
        let b = rate(n_b, s_b);
        if b > 0.0 {
            format!("{:.2}x", rate(n_a, s_a) / b)
        } else {
            "-".into()
        }
    };
    let (sa, sb) = (&after.stage_seconds, &before.stage_seconds);
    format!(
        "OCR pages/s {}, NER sentences/s {}, relation pairs/s {}, whole run {:.2}x",
        gain(
            after.summary.ocr_pages,
            sa.ocr,
            before.summary.ocr_pages,
            sb.ocr
        ),
        gain(
            after.summary.sentences,
            sa.ner,
            before.summary.sentences,
            sb.ner
        ),
        gain(
            after.summary.relation_pairs,
            sa.relations,
            before.summary.relation_pairs,
            sb.relations
        ),
        before.seconds / after.seconds.max(1e-9),
    )
}

fn finish(result: &BenchResult, min_speedup: Option<f64>) -> Result<u8> {
    outln!(
        "stage shares (parallel):   {}",
        shares(&result.parallel.report.stage_seconds)
    );
    if !result.same_graph() {
        errln!("docgraph: the sequential and parallel runs built different graphs");
        return Ok(EXIT_FATAL);
    }
    match min_speedup {
        Some(min) if result.speedup() <= min => {
            errln!(
                "docgraph: parallel speed-up {:.2}x is not above {min}x",
                result.speedup()
            );
            Ok(EXIT_FATAL)
        }
        _ => Ok(EXIT_OK),
    }
}
