//! `docgraph-train`: trains docgraph's models (`docgraph train …` runs it). See
//! [`docgraph_train::relations`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use docgraph::relations::model::Input;
use docgraph_train::run::Common;
use docgraph_train::{ner, relations};

const USAGE: &str = "\
Train a model of your own schema for docgraph.

Usage: docgraph train relations --train FILE [--dev FILE] --out DIR [options]
       docgraph train ner --train FILE [--dev FILE] --out DIR [options]

relations: CoNLL04's JSON, a list of sentences, each {\"tokens\": [...], \"tags\": [BILOU
tags such as \"B-DRUG\", \"U-Peop\", \"O\"]} or {\"tokens\": [...], \"entities\":
[{\"start\", \"end\", \"type\"}]} (token indexes, end exclusive), with \"relations\":
[{\"head\", \"tail\", \"type\"}] (indexes into the entities as listed, or as tagged). The
predicates and the entity types each joins are the data's; the model's card records them.
Use the model with ingest --relation-model-dir DIR.

ner: CoNLL's column format (token ... tag, a blank line between sentences; IOB1, IOB2, BIOES
or BILOU tags) or the JSON above. Use the model with ingest --model-dir DIR.

Options:
  --train FILE          training sentences
  --dev FILE            development sentences, for early stopping (and the relation threshold)
                        [default: every tenth training sentence]
  --data DIR            DIR/conll04_train.json and DIR/conll04_dev.json
  --out DIR             the model folder
  --base DIR            the model training starts from [default: the NER model ingest uses]
  --epochs N            epochs at most [relations 4, ner 3]
  --patience N          stop after N epochs without a better development F1 [2]
  --lr X                peak learning rate [relations 1e-4, ner 5e-5]
  --batch N             sentences per batch (pairs for --input pair) [relations 4 or 32, ner 16]
  --seed N              seed [42]
  --threads N           threads [all cores]
relations only:
  --input KIND          packed | pair | packed-starts [packed]
  --teacher DIR         distil from this relation model (same schema)
  --distill X           share of the loss from the teacher [0.5]
  --text-encoder DIR    train a marker stream over this model's text states (packed input)

Ctrl-C stops after the current batch; the same command goes on after the last finished epoch.
";

/// What the command line asks for.
enum Job {
    Relations(relations::Options),
    Ner(ner::Options),
}

fn parse(args: &[String]) -> Result<Job, String> {
    let mut it = args.iter();
    let kind = match it.next().map(String::as_str) {
        Some(k @ ("relations" | "ner")) => k,
        Some("-h" | "--help") | None => return Err(String::new()),
        Some(other) => return Err(format!("unknown model kind {other:?}: relations or ner")),
    };
    let ner = kind == "ner";
    let mut o = relations::Options {
        common: Common {
            train: PathBuf::new(),
            dev: None,
            out: PathBuf::new(),
            base: docgraph::default_model_dir(),
            epochs: if ner { 3 } else { 4 },
            lr: if ner { 5e-5 } else { 1e-4 },
            seed: 42,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get() as i32),
            patience: 2,
        },
        batch: None,
        teacher: None,
        distill: 0.5,
        input: Input::Packed,
        text_encoder: None,
    };
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| format!("{flag}: {v:?} is not a number");
        if ner && ["--input", "--teacher", "--distill", "--text-encoder"].contains(&flag.as_str()) {
            return Err(format!("{flag} is an option of train relations"));
        }
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--train" => o.common.train = value()?.into(),
            "--dev" => o.common.dev = Some(value()?.into()),
            "--data" => {
                let dir = PathBuf::from(value()?);
                o.common.train = dir.join("conll04_train.json");
                o.common.dev = Some(dir.join("conll04_dev.json"));
            }
            "--out" | "-o" => o.common.out = value()?.into(),
            "--base" => o.common.base = value()?.into(),
            "--epochs" => o.common.epochs = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--patience" => {
                o.common.patience = value()?.parse().map_err(|_| number(flag.clone()))?
            }
            "--lr" => o.common.lr = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--batch" => o.batch = Some(value()?.parse().map_err(|_| number(flag.clone()))?),
            "--seed" => o.common.seed = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--threads" => o.common.threads = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--teacher" => o.teacher = Some(value()?.into()),
            "--distill" => o.distill = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--text-encoder" => o.text_encoder = Some(value()?.into()),
            "--input" => {
                o.input = match value()?.as_str() {
                    "pair" => Input::Pair,
                    "packed" => Input::Packed,
                    "packed-starts" => Input::PackedStarts,
                    other => return Err(format!("--input pair|packed|packed-starts, not {other}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.train.as_os_str().is_empty() || o.out.as_os_str().is_empty() {
        return Err("--train FILE (or --data DIR) and --out DIR are needed".into());
    }
    if o.epochs == 0 || o.batch == Some(0) || o.threads < 1 || !(0.0..=1.0).contains(&o.distill) {
        return Err("--epochs, --batch and --threads must be at least 1, --distill 0 to 1".into());
    }
    if !ner {
        return Ok(Job::Relations(o));
    }
    Ok(Job::Ner(ner::Options {
        batch: o.batch.unwrap_or(16),
        common: o.common,
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let job = match parse(&args) {
        Ok(job) => job,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("docgraph train: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Ctrl-C: stop after the current batch; a second one ends the process.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&stop));
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    let done = match &job {
        Job::Relations(o) => relations::train(o, &stop).map(drop),
        Job::Ner(o) => ner::train(o, &stop).map(drop),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docgraph train: {e}");
            ExitCode::from(if stop.load(std::sync::atomic::Ordering::Relaxed) {
                130
            } else {
                1
            })
        }
    }
}
