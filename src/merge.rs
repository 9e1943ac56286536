//! `docgraph merge`: one graph from the outputs of several runs (the shards of a folder), made
//! from their `results.jsonl` alone: no models, no PDFs.
//!
//! The graph is assembled from the union of the documents' results exactly as `ingest`
//! assembles it (entity resolution over every document at once, a pure function of the set of
//! results), so merging the shards of a folder gives the same `graph.json`, byte for byte, as
//! one `ingest` of the folder with the same options. A document found in two inputs counts
//! once; inputs made under other options, damaged inputs, a document with different contents in
//! two inputs, and missing shards are refused with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::graph::KnowledgeGraph;
use crate::record::{DocStatus, DocumentResult};
use crate::report::{EnginesStarted, RunReport, RunSetup};
pub use crate::report::{MergeInfo, MergedInput};
use crate::run::RunOutput;
use crate::shard::Shard;
use crate::store::results::{self, ResultsFile};

/// How to merge.
#[derive(Debug, Clone, Default)]
pub struct MergeOptions {
    /// Merge even when some shards of a split are missing (their documents are absent from
    /// the graph; the report lists the missing shards).
    pub partial: bool,
}

/// Reads the outputs at `inputs` and assembles one graph and report from their results.
pub fn merge(inputs: &[PathBuf], options: &MergeOptions) -> Result<RunOutput> {
    let started = Instant::now();
    if inputs.is_empty() {
        return Err(Error::Merge("no inputs given".into()));
    }
    let files: Vec<ResultsFile> = inputs
        .par_iter()
        .map(|p| results::read(p))
        .collect::<Result<_>>()?;
    let fingerprint = same_fingerprint(inputs, &files)?;
    let missing_shards = check_shards(&files, options.partial)?;
    let mut info = MergeInfo {
        missing_shards,
        ..MergeInfo::default()
    };
    let mut walk_warnings = BTreeSet::new();
    // Input index of each kept result, to name both inputs of a conflict.
    let mut by_path: BTreeMap<String, (usize, DocumentResult)> = BTreeMap::new();
    for (i, file) in files.into_iter().enumerate() {
        info.inputs.push(MergedInput {
            path: inputs[i].display().to_string(),
            shard: file.header.shard,
            documents: file.results.len(),
        });
        walk_warnings.extend(file.header.walk_warnings);
        for r in file.results {
            match by_path.entry(r.report.path.clone()) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert((i, r));
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    info.duplicates += 1;
                    let (j, kept) = o.get();
                    if let (Some(a), Some(b)) = (&kept.report.sha256, &r.report.sha256) {
                        if a != b {
                            return Err(Error::Merge(format!(
                                "{} has different contents in {} and {} (sha256 {}… and {}…): \
                                 they were not made from the same folder; ingest that shard again",
                                r.report.path,
                                inputs[*j].display(),
                                inputs[i].display(),
                                &a[..a.len().min(12)],
                                &b[..b.len().min(12)],
                            )));
                        }
                    }
                    if rank(&r) > rank(kept) {
                        o.insert((i, r));
                    }
                }
            }
        }
    }
    let results: Vec<DocumentResult> = by_path.into_values().map(|(_, r)| r).collect();
    let graph = KnowledgeGraph::build(&results);
    let setup = RunSetup {
        mode: "merge",
        workers: rayon::current_num_threads(),
        ner_instances: 0,
        precision: None,
        tesseract_library: None,
        engines_started: EnginesStarted::default(),
    };
    let mut report = RunReport::build(
        &setup,
        &results,
        &graph,
        walk_warnings.into_iter().collect(),
        false,
        started.elapsed(),
    );
    report.merge = Some(info);
    Ok(RunOutput {
        graph,
        report,
        results,
        fingerprint,
        shard: None,
    })
}

/// Which of two results of one document to keep: a finished one over one that was not.
fn rank(r: &DocumentResult) -> u8 {
    match r.report.status {
        DocStatus::Ok => 3,
        DocStatus::Failed => 2,
        DocStatus::TimedOut => 1,
        DocStatus::Cancelled => 0,
    }
}

/// The one fingerprint of all inputs, or an error naming the first input that differs.
fn same_fingerprint(inputs: &[PathBuf], files: &[ResultsFile]) -> Result<String> {
    let first = &files[0].header;
    for (p, f) in inputs.iter().zip(files).skip(1) {
        if f.header.fingerprint != first.fingerprint {
            return Err(Error::Merge(format!(
                "{} was made with other models or options than {} (fingerprint {}, not {}{}): \
                 every shard must run the same docgraph version with the same models and options",
                p.display(),
                inputs[0].display(),
                f.header.fingerprint,
                first.fingerprint,
                if f.header.version != first.version {
                    format!("; docgraph {} and {}", f.header.version, first.version)
                } else {
                    String::new()
                }
            )));
        }
    }
    Ok(first.fingerprint.clone())
}

/// Checks that sharded inputs come from one split and, when every input is a shard, that they
/// cover it; returns the missing shards (an error unless `partial`). An input that is not a
/// shard (a whole run, or a merge) is taken as complete, and shards beside it as additions.
fn check_shards(files: &[ResultsFile], partial: bool) -> Result<Vec<u32>> {
    let shards: Vec<Shard> = files.iter().filter_map(|f| f.header.shard).collect();
    let Some(first) = shards.first() else {
        return Ok(Vec::new());
    };
    if let Some(other) = shards.iter().find(|s| s.count != first.count) {
        return Err(Error::Merge(format!(
            "shards of different splits ({first} and {other}): merge the outputs of one \
             --shard K/N split"
        )));
    }
    if shards.len() < files.len() {
        return Ok(Vec::new());
    }
    let present: BTreeSet<u32> = shards.iter().map(|s| s.index).collect();
    let missing: Vec<u32> = (1..=first.count).filter(|k| !present.contains(k)).collect();
    if !missing.is_empty() && !partial {
        let list: Vec<String> = missing
            .iter()
            .map(|k| format!("{k}/{}", first.count))
            .collect();
        return Err(Error::Merge(format!(
            "shard{} {} missing: give every shard's output, or --partial to merge what is here",
            if missing.len() == 1 { " is" } else { "s are" },
            list.join(", ")
        )));
    }
    Ok(missing)
}
