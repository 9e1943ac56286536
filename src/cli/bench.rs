//! `docgraph bench`: sequential against parallel on one folder, in one run (also what
//! `cargo bench` runs).
//!
//! Each mode runs in its own child process (`docgraph ingest`, with `--sequential` for the
//! baseline), so each has its own peak memory and neither warms the other's caches. The run's
//! times (walk, documents with their model loading, assembling) and stage times are read back
//! from its `report.json`; the process's wall time, start to exit, is measured here.
//!
//! With `--runs N` every comparison is made `N` times, the variants and modes alternating, so
//! a machine that is slower for a while slows both sides: figures are then medians with their
//! range, and the table shown is the round with the median speed-up.

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
    /// Processor seconds (user and system, all threads) of that process.
    pub cpu_seconds: f64,
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

    /// The share of its workers' cores the process kept busy, start to exit.
    pub fn busy(&self) -> f64 {
        self.cpu_seconds / (self.report.workers.max(1) as f64 * self.process_seconds.max(1e-9))
    }

    /// Processor time as a line: `4.37 s, 94% of 2 cores × 2.33 s (0.29 core-s idle)`.
    pub fn cores_line(&self) -> String {
        let cores = self.report.workers.max(1);
        format!(
            "{:.2} s, {:.0}% of {cores} core{} × {:.2} s ({:.2} core-s idle)",
            self.cpu_seconds,
            100.0 * self.busy(),
            if cores == 1 { "" } else { "s" },
            self.process_seconds,
            (cores as f64 * self.process_seconds - self.cpu_seconds).max(0.0),
        )
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
        for m in [&self.sequential, &self.parallel] {
            let _ = writeln!(s, "processor time ({}): {}", m.mode, m.cores_line());
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

/// Items per second a stage got through, per second it was busy (summed over threads, so per
/// busy core): OCR'd pages, sentences through NER, candidate pairs through the relation model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Pages per second.
    pub ocr: f64,
    /// Sentences per second.
    pub ner: f64,
    /// Candidate pairs per second.
    pub relations: f64,
}

impl Rates {
    /// The rates of a run (0 for a stage that did nothing).
    pub fn of(r: &RunReport) -> Rates {
        let st = &r.stage_seconds;
        let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
        Rates {
            ocr: rate(r.summary.ocr_pages, st.ocr),
            ner: rate(r.summary.sentences, st.ner),
            relations: rate(r.summary.relation_pairs, st.relations),
        }
    }
}

/// A run's stage rates, as a line.
pub fn throughput(r: &RunReport) -> String {
    let x = Rates::of(r);
    format!(
        "OCR {:.2} pages/s, NER {:.1} sentences/s, relations {:.1} pairs/s (per busy core)",
        x.ocr, x.ner, x.relations
    )
}

/// The median of `values` with `unit` and their range: `1.84x (1.62–1.91)`, or the one value
/// alone.
pub fn spread(values: &[f64], decimals: usize, unit: &str) -> String {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => "-".into(),
        1 => format!("{:.decimals$}{unit}", v[0]),
        n => {
            let median = if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            };
            format!(
                "{median:.decimals$}{unit} ({:.decimals$}–{:.decimals$})",
                v[0],
                v[n - 1]
            )
        }
    }
}

/// What varies over the rounds of one comparison: speed-ups, process times and stage rates,
/// each as median (range).
pub fn spreads(rounds: &[BenchResult]) -> String {
    let of_in = |f: &dyn Fn(&BenchResult) -> f64, d, unit| {
        spread(&rounds.iter().map(f).collect::<Vec<_>>(), d, unit)
    };
    let of = |f: &dyn Fn(&BenchResult) -> f64, d| of_in(f, d, "");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "over {} rounds, median (range): speed-up {} the run, {} the whole process; \
         process seconds sequential {}, parallel {}",
        rounds.len(),
        of_in(&|r| r.speedup(), 2, "x"),
        of_in(&|r| r.process_speedup(), 2, "x"),
        of(&|r| r.sequential.process_seconds, 2),
        of(&|r| r.parallel.process_seconds, 2),
    );
    let _ = writeln!(
        s,
        "  processor seconds sequential {}, parallel {}; parallel cores busy {}",
        of(&|r| r.sequential.cpu_seconds, 2),
        of(&|r| r.parallel.cpu_seconds, 2),
        of_in(&|r| 100.0 * r.parallel.busy(), 0, "%"),
    );
    for (mode, pick) in [
        (
            "sequential",
            (|r: &BenchResult| &r.sequential) as fn(&BenchResult) -> &ModeResult,
        ),
        ("parallel", |r: &BenchResult| &r.parallel),
    ] {
        let rate = |f: fn(Rates) -> f64, d| of(&|r| f(Rates::of(&pick(r).report)), d);
        let _ = writeln!(
            s,
            "  per busy core ({mode}): OCR {} pages/s, NER {} sentences/s, relations {} pairs/s",
            rate(|x| x.ocr, 2),
            rate(|x| x.ner, 1),
            rate(|x| x.relations, 1),
        );
    }
    s
}

/// The round whose run speed-up is the median of all rounds.
fn median_round(rounds: &[BenchResult]) -> &BenchResult {
    let mut order: Vec<&BenchResult> = rounds.iter().collect();
    order.sort_by(|a, b| a.speedup().total_cmp(&b.speedup()));
    order[order.len() / 2]
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
         (engines started in them {engines:.2}: NER {:.2}, relations {:.2}, OCR {:.2}; \
         of it loading the model runtime {:.2}) \
         + assemble {:.2} + outputs and exit {rest:.2} = {:.2} s",
        t.walk,
        t.documents,
        t.engines.ner,
        t.engines.relations,
        t.engines.ocr,
        t.engines.runtime,
        t.assemble,
        m.process_seconds
    )
}

/// Stage times as percentages of their sum.
pub fn shares(st: &StageSeconds) -> String {
    let total = (st.load + st.extract + st.ocr + st.ner + st.relations + st.document).max(1e-9);
    format!(
        "load {:.1}%, extract {:.1}%, OCR {:.1}%, NER {:.1}%, relations {:.1}%, document stage \
         {:.1}% (relations {:.2}x NER's busy time)",
        100.0 * st.load / total,
        100.0 * st.extract / total,
        100.0 * st.ocr / total,
        100.0 * st.ner / total,
        100.0 * st.relations / total,
        100.0 * st.document / total,
        st.relations / st.ner.max(1e-9),
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
    let cpu_before = children_cpu_seconds();
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
    let cpu_seconds = children_cpu_seconds() - cpu_before;
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
        cpu_seconds,
    })
}

/// Processor seconds (user and system) of the child processes waited for so far.
fn children_cpu_seconds() -> f64 {
    // SAFETY: an all-zero rusage is valid, and getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
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

/// Runs `bench`: `runs` rounds of each comparison; returns the exit status (1 when the
/// parallel run is not fast enough, by the median of the rounds, or when the two modes built
/// different graphs in any round).
pub fn bench(
    dir: PathBuf,
    min_speedup: Option<f64>,
    runs: usize,
    opts: PipelineArgs,
) -> Result<u8> {
    if opts.sequential {
        return Err(Error::Config(
            "bench runs both modes itself: --sequential does not apply".into(),
        ));
    }
    let runs = runs.max(1);
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let extra = opts.to_args();
    // Before: the same binary with this release's speed-ups off (float32 models, whole page
    // images to Tesseract), so both sides run on this machine in this run.
    let mut variants = Vec::new();
    if !opts.baseline {
        let mut before_args = extra.clone();
        before_args.push("--baseline".into());
        variants.push((
            "BEFORE (--baseline: float32 models, whole page images to OCR)",
            before_args,
        ));
    }
    variants.push(("AFTER (defaults)", extra));
    let mut rounds: Vec<Vec<BenchResult>> = vec![Vec::new(); variants.len()];
    for round in 1..=runs {
        for (i, (_, args)) in variants.iter().enumerate() {
            if runs > 1 {
                errln!("docgraph bench: round {round} of {runs}");
            }
            rounds[i].push(compare(&exe, &dir, args)?);
        }
    }
    for ((title, _), results) in variants.iter().zip(&rounds) {
        if variants.len() > 1 {
            outln!("{title}");
        }
        if runs > 1 {
            outln!("(the round with the median speed-up of {runs})");
        }
        outln!("{}", median_round(results).table().trim_end());
        if runs > 1 {
            outln!("{}", spreads(results).trim_end());
        }
    }
    if let [before, after] = &rounds[..] {
        for (mode, pick) in [
            (
                "sequential",
                (|r: &BenchResult| &r.sequential) as fn(&BenchResult) -> &ModeResult,
            ),
            ("parallel", |r: &BenchResult| &r.parallel),
        ] {
            let gains: Vec<Gains> = before
                .iter()
                .zip(after)
                .map(|(b, a)| Gains::of(&pick(b).report, &pick(a).report))
                .collect();
            outln!("after/before ({mode}): {}", Gains::line(&gains));
        }
    }
    finish(rounds.last().expect("one variant at least"), min_speedup)
}

/// Per-stage throughput of one run over another's (after / before), and of the whole run.
#[derive(Debug, Clone, Copy)]
pub struct Gains {
    /// OCR pages per busy second.
    pub ocr: f64,
    /// NER sentences per busy second.
    pub ner: f64,
    /// Relation pairs per busy second.
    pub relations: f64,
    /// The run's seconds, before over after.
    pub run: f64,
}

impl Gains {
    /// `after`'s rates over `before`'s (not a number where `before` did nothing).
    pub fn of(before: &RunReport, after: &RunReport) -> Gains {
        let (b, a) = (Rates::of(before), Rates::of(after));
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        Gains {
            ocr: ratio(a.ocr, b.ocr),
            ner: ratio(a.ner, b.ner),
            relations: ratio(a.relations, b.relations),
            run: before.seconds / after.seconds.max(1e-9),
        }
    }

    /// Gains of one or more rounds as a line: medians with their range.
    pub fn line(gains: &[Gains]) -> String {
        let of = |f: fn(&Gains) -> f64| spread(&gains.iter().map(f).collect::<Vec<_>>(), 2, "x");
        format!(
            "OCR pages/s {}, NER sentences/s {}, relation pairs/s {}, whole run {}",
            of(|g| g.ocr),
            of(|g| g.ner),
            of(|g| g.relations),
            of(|g| g.run),
        )
    }
}

fn finish(rounds: &[BenchResult], min_speedup: Option<f64>) -> Result<u8> {
    let shown = median_round(rounds);
    outln!(
        "stage shares (parallel):   {}",
        shares(&shown.parallel.report.stage_seconds)
    );
    if !rounds.iter().all(BenchResult::same_graph) {
        errln!("docgraph: the sequential and parallel runs built different graphs");
        return Ok(EXIT_FATAL);
    }
    match min_speedup {
        Some(min) if shown.speedup() <= min => {
            errln!(
                "docgraph: parallel speed-up {:.2}x is not above {min}x",
                shown.speedup()
            );
            Ok(EXIT_FATAL)
        }
        _ => Ok(EXIT_OK),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_are_medians_with_their_range() {
        assert_eq!(spread(&[], 2, ""), "-");
        assert_eq!(spread(&[1.5], 2, ""), "1.50");
        assert_eq!(spread(&[2.0, 1.0, 4.0], 1, ""), "2.0 (1.0–4.0)");
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0], 1, ""), "2.5 (1.0–4.0)");
        assert_eq!(
            spread(&[f64::NAN, 3.0], 0, ""),
            "3",
            "what is not a number is left out"
        );
        assert_eq!(spread(&[2.0, 1.0, 4.0], 2, "x"), "2.00x (1.00–4.00)");
    }
}
