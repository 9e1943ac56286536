//! `docgraph-train`: trains docgraph's models (`docgraph train …` runs it). See
//! [`docgraph_train::relations`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use docgraph::relations::model::Input;
use docgraph_train::relations::{train, Options};

const USAGE: &str = "\
Train a model of your own schema for docgraph.

Usage: docgraph train relations --train FILE [--dev FILE] --out DIR [options]

Data: CoNLL04's JSON, a list of sentences, each {\"tokens\": [...], \"tags\": [BILOU tags
such as \"B-DRUG\", \"U-Peop\", \"O\"]} or {\"tokens\": [...], \"entities\": [{\"start\", \"end\",
\"type\"}]} (token indexes, end exclusive), with \"relations\": [{\"head\", \"tail\", \"type\"}]
(indexes into the entities in order of appearance). The predicates and the entity types each
joins are the data's; the model folder's card records them.

Options:
  --train FILE          training sentences
  --dev FILE            development sentences, for early stopping and the threshold
                        [default: every tenth training sentence]
  --data DIR            DIR/conll04_train.json and DIR/conll04_dev.json
  --out DIR             the model folder (ingest --relation-model-dir DIR)
  --base DIR            the model training starts from [default: the NER model ingest uses]
  --epochs N            epochs at most [4]
  --patience N          stop after N epochs without a better development F1 [2]
  --lr X                peak learning rate [1e-4]
  --batch N             sentences per batch (pairs for --input pair) [4; 32]
  --seed N              seed [42]
  --threads N           threads [all cores]
  --input KIND          packed | pair | packed-starts [packed]
  --teacher DIR         distil from this relation model (same schema)
  --distill X           share of the loss from the teacher [0.5]
  --text-encoder DIR    train a marker stream over this model's text states (packed input)

Ctrl-C stops after the current batch; the same command goes on after the last finished epoch.
";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("relations") => {}
        Some("ner") => {
            return Err("docgraph train ner is not built yet: train relations only".into())
        }
        Some("-h" | "--help") | None => return Err(String::new()),
        Some(other) => return Err(format!("unknown model kind {other:?}: relations")),
    }
    let mut o = Options {
        train: PathBuf::new(),
        dev: None,
        out: PathBuf::new(),
        base: docgraph::default_model_dir(),
        epochs: 4,
        lr: 1e-4,
        batch: None,
        seed: 42,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get() as i32),
        patience: 2,
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
        match flag.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--train" => o.train = value()?.into(),
            "--dev" => o.dev = Some(value()?.into()),
            "--data" => {
                let dir = PathBuf::from(value()?);
                o.train = dir.join("conll04_train.json");
                o.dev = Some(dir.join("conll04_dev.json"));
            }
            "--out" | "-o" => o.out = value()?.into(),
            "--base" => o.base = value()?.into(),
            "--epochs" => o.epochs = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--patience" => o.patience = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--lr" => o.lr = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--batch" => o.batch = Some(value()?.parse().map_err(|_| number(flag.clone()))?),
            "--seed" => o.seed = value()?.parse().map_err(|_| number(flag.clone()))?,
            "--threads" => o.threads = value()?.parse().map_err(|_| number(flag.clone()))?,
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
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(o) => o,
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
    match train(&options, &stop) {
        Ok(_) => ExitCode::SUCCESS,
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
