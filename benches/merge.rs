//! `docgraph merge` at scale, by simulation: synthetic per-document results (no PDFs, no
//! models) for 10,000, 30,000 and 100,000 documents, written as 8 shard outputs'
//! `results.jsonl`, merged by the real binary. Prints time, peak memory (the merge process's
//! maximum resident set, outputs included) and the sizes, and how each grows with the
//! documents.
//!
//! `cargo bench --bench merge` (about two minutes); `-- 10000 50000` for other sizes, and
//! options of `merge` after them (`-- 10000 --no-html`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use docgraph::record::{DocumentReport, DocumentResult, EntityType, Mention, RelationMention};
use docgraph::relations::schema::Predicate;
use docgraph::shard::Shard;

const SHARDS: u32 = 8;
const FINGERPRINT: &str = "synthetic-bench";

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One document: 24 mentions of entities drawn from pools that grow with the corpus, and 6
/// relations between them with their sentences.
fn document(i: usize, pool: usize, rng: &mut Rng) -> DocumentResult {
    let path = format!("batch-{:03}/doc-{i:06}.pdf", i % 997);
    let mut report = DocumentReport::new(&path, 50_000);
    report.sha256 = Some(format!("{:064x}", i as u128 * 0x9e37_79b9_7f4a_7c15));
    report.pages = 3;
    report.text_pages = 3;
    report.sentences = 40;
    let mut mentions = Vec::new();
    for m in 0..24 {
        let k = rng.below(pool);
        let (name, t) = match rng.below(4) {
            0 => (format!("Person{k} Surname{}", k / 3), EntityType::PER),
            1 => (format!("Company{k} Holdings Inc"), EntityType::ORG),
            2 => (format!("City{k}"), EntityType::LOC),
            _ => (format!("Surname{}", k / 3), EntityType::PER),
        };
        let start = m * 40;
        mentions.push(Mention {
            key: docgraph::graph::entity_key(&name, t),
            text: name.clone(),
            end: start + name.len(),
            name,
            entity_type: t,
            page: 1 + (m / 8) as u32,
            start,
            score: 0.97,
            inferred: false,
            listed: false,
        });
    }
    let relations = (0..6)
        .map(|r| {
            let (a, b) = (&mentions[r * 2], &mentions[r * 2 + 1]);
            let predicate = [Some(Predicate::WorkFor), Some(Predicate::LiveIn), None][r % 3];
            RelationMention {
                subject: a.key.clone(),
                object: b.key.clone(),
                predicate,
                confidence: predicate.map(|_| 0.8),
                page: a.page,
                start: a.start,
                end: b.end,
                subject_span: (a.start, a.end),
                object_span: (b.start, b.end),
                sentence: format!(
                    "In the year under review {} said that {} had been part of it for long.",
                    a.text, b.text
                ),
                kind: Default::default(),
                basis: Default::default(),
                premises: Vec::new(),
            }
        })
        .collect();
    report.mentions = mentions.len();
    DocumentResult {
        report,
        mentions,
        relations,
        sentence_kinds: Vec::new(),
        references: Vec::new(),
        pages: Vec::new(),
    }
}

/// Writes `docs` documents as `SHARDS` shard outputs under `dir`; returns their total bytes.
fn write_shards(dir: &Path, docs: usize) -> u64 {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let pool = docs.max(100);
    let mut shards: Vec<Vec<DocumentResult>> = vec![Vec::new(); SHARDS as usize];
    for i in 0..docs {
        let r = document(i, pool, &mut rng);
        let k = docgraph::shard::shard_of(r.report.sha256.as_deref().unwrap(), SHARDS);
        shards[k as usize - 1].push(r);
    }
    let mut bytes = 0;
    for (k, mut results) in shards.into_iter().enumerate() {
        results.sort_by(|a, b| a.report.path.cmp(&b.report.path));
        let shard = Shard::new(k as u32 + 1, SHARDS);
        let data = docgraph::store::results::encode(&results, FINGERPRINT, shard, &[]).unwrap();
        let out = dir.join(format!("shard-{}", k + 1));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(docgraph::store::results::RESULTS_FILE), &data).unwrap();
        bytes += data.len() as u64;
    }
    bytes
}

struct Measured {
    docs: usize,
    input_mib: f64,
    seconds: f64,
    peak_mib: f64,
    entities: u64,
    graph_mib: f64,
    html_mib: f64,
}

fn mib(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / (1 << 20) as f64
}

fn measure(docs: usize, extra: &[String]) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write_shards(dir.path(), docs);
    if let Ok(keep) = std::env::var("DOCGRAPH_MERGE_BENCH_KEEP") {
        // For profiling by hand: the shards stay in that folder.
        let _ = std::fs::remove_dir_all(&keep);
        std::fs::create_dir_all(&keep).unwrap();
        for k in 1..=SHARDS {
            let from = dir.path().join(format!("shard-{k}"));
            let to = Path::new(&keep).join(format!("shard-{k}"));
            std::fs::create_dir_all(&to).unwrap();
            std::fs::copy(from.join("results.jsonl"), to.join("results.jsonl")).unwrap();
        }
    }
    let inputs: Vec<_> = (1..=SHARDS)
        .map(|k| dir.path().join(format!("shard-{k}")))
        .collect();
    let out = dir.path().join("merged");
    let t = Instant::now();
    // Reaped by wait4 below, which also gives the process's peak memory (outputs included).
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .arg("merge")
        .args(&inputs)
        .arg("-o")
        .arg(&out)
        .args(["--summary", "json"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid for wait4 to fill; waits for our own child once.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let seconds = t.elapsed().as_secs_f64();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "merge failed"
    );
    let peak_mib = usage.ru_maxrss as f64 / 1024.0;
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["documents"], docs);
    Measured {
        docs,
        input_mib: bytes as f64 / (1 << 20) as f64,
        seconds,
        peak_mib,
        entities: report["summary"]["entities"].as_u64().unwrap(),
        graph_mib: mib(&out.join("graph.json")),
        html_mib: mib(&out.join("graph.html")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    // Options for `merge` itself (e.g. --no-html); cargo's own --bench is not one.
    let extra: Vec<String> = args
        .iter()
        .filter(|a| a.starts_with("--") && *a != "--bench")
        .cloned()
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 30_000, 100_000]
    } else {
        sizes
    };
    println!(
        "merge of {SHARDS} shard outputs (synthetic results: 24 mentions, 6 relations a document)"
    );
    println!(
        "{:>9} {:>11} {:>9} {:>10} {:>10} {:>9} {:>10} {:>9}",
        "documents",
        "results MiB",
        "entities",
        "seconds",
        "peak MiB",
        "docs/s",
        "graph MiB",
        "html MiB"
    );
    let mut rows = Vec::new();
    for docs in sizes {
        let m = measure(docs, &extra);
        println!(
            "{:>9} {:>11.1} {:>9} {:>10.2} {:>10.0} {:>9.0} {:>10.1} {:>9.1}",
            m.docs,
            m.input_mib,
            m.entities,
            m.seconds,
            m.peak_mib,
            m.docs as f64 / m.seconds,
            m.graph_mib,
            m.html_mib
        );
        rows.push(m);
    }
    if let (Some(a), Some(b)) = (rows.first(), rows.last()) {
        if b.docs > a.docs {
            let x = b.docs as f64 / a.docs as f64;
            println!(
                "{x:.0}x the documents: {:.1}x the time, {:.1}x the peak memory",
                b.seconds / a.seconds,
                b.peak_mib / a.peak_mib
            );
        }
    }
}
