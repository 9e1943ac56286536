//! Trains docgraph's relation classifier on CoNLL04 (run through `scripts/train_relations.sh`).
//!
//! The encoder starts from a rust-bert BERT checkpoint (by default the shipped NER model, whose
//! encoder is all-MiniLM-L6-v2 further tuned on news entities); the classifier over the two
//! entity markers starts at random. Every type-compatible ordered pair of gold entities in a
//! training sentence is one example, "no relation" included. Batches hold pairs of similar
//! length; AdamW with linear warm-up and decay; CPU, fixed seed. After each epoch the
//! development split is scored with gold entities at a range of thresholds; the best epoch and
//! threshold are kept. Output: `rust_model.ot` (float16), `config.json`, `vocab.txt`,
//! `docgraph.json` (threshold, dev score, input).
//!
//! `--input packed` (the default) trains the one-pass model: a batch is `--batch` sentences,
//! each with all its pairs' markers after the text (`docgraph::relations::packed`); the
//! markers start at the mean vector of the inline markers' sub-words. `--input pair` trains the
//! one-pass-per-pair model the first releases shipped. `--teacher DIR` (a pair model) adds
//! distillation: the loss is `--distill` (0.5) parts the KL divergence from the teacher's
//! probabilities at temperature 2 and the rest the gold labels' cross-entropy.
//! `--text-encoder DIR` (a packed input) trains a marker stream instead
//! (`docgraph_torch::encoder::markers`): the markers through their own layers over the text
//! states of the model in `DIR` (the NER model), which stays frozen; its card names that folder
//! as `../<its name>`, so the model belongs beside it under `models/`. `--input packed-starts`
//! marks each pair at its two entities' starts only.
//! `scripts/train_relations.sh` runs the steps the shipped model came from.
//!
//! ```text
//! cargo run --release -p docgraph-train --example train_relations -- --data ../shared/data/conll04 \
//!     --base models/ner-minilm-l6-conll03 --out models/relations-minilm-conll04
//! ```

use std::path::PathBuf;
use std::time::Instant;

use docgraph::record::EntityType;
use docgraph::relations::eval::{gold_inputs, read_conll04, score_pairs, GoldPair};
use docgraph::relations::model::Passes;
use docgraph::relations::model::{Input, ModelCard, ModelInput, PairEncoder, CARD_FILE};
use docgraph::relations::packed::{inline_marker_text, marker_id, MarkerKind};
use docgraph::relations::schema::{Predicate, LABELS};
use docgraph::runtime::Precision;
use docgraph_torch::encoder::markers::MARKER_VOCABULARY;
use docgraph_torch::encoder::Encoder;
use docgraph_train::{text_states, MarkerBatch, MarkerNet, RelationNet};
use rust_bert::bert::BertConfig;
use rust_bert::Config as _;
use tch::nn::OptimizerConfig;
use tch::{nn, Device, Kind, Tensor};

struct Args {
    data: PathBuf,
    base: PathBuf,
    out: PathBuf,
    epochs: usize,
    lr: f64,
    batch: Option<usize>,
    seed: u64,
    threads: i32,
    teacher: Option<PathBuf>,
    distill: f64,
    input: Input,
    text_encoder: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut a = Args {
        data: "../shared/data/conll04".into(),
        base: "models/ner-minilm-l6-conll03".into(),
        out: "models/relations-minilm-conll04".into(),
        epochs: 4,
        lr: 1e-4,
        batch: None,
        seed: 42,
        threads: 2,
        teacher: None,
        distill: 0.5,
        input: Input::Packed,
        text_encoder: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => a.data = value().into(),
            "--base" => a.base = value().into(),
            "--out" => a.out = value().into(),
            "--epochs" => a.epochs = value().parse().expect("--epochs N"),
            "--lr" => a.lr = value().parse().expect("--lr X"),
            "--batch" => a.batch = Some(value().parse().expect("--batch N")),
            "--seed" => a.seed = value().parse().expect("--seed N"),
            "--threads" => a.threads = value().parse().expect("--threads N"),
            "--teacher" => a.teacher = Some(value().into()),
            "--distill" => a.distill = value().parse().expect("--distill X"),
            "--text-encoder" => a.text_encoder = Some(value().into()),
            "--input" => {
                a.input = match value().as_str() {
                    "pair" => Input::Pair,
                    "packed" => Input::Packed,
                    "packed-starts" => Input::PackedStarts,
                    other => panic!("--input pair|packed|packed-starts, not {other}"),
                }
            }
            other => panic!("unknown option {other}"),
        }
    }
    a
}

/// One model pass and the pairs it scores.
type Example = (ModelInput, Vec<GoldPair>);

/// The network trained: the whole encoder, or markers over a frozen text encoder's states
/// (those of every example, in order, per split).
enum Net {
    Full(RelationNet),
    Markers(MarkerNet),
}

/// Examples with, for the marker network, their text states.
struct Split {
    ex: Vec<Example>,
    states: Vec<Tensor>,
}

/// Logits of a batch of passes (all of one kind), their pairs in order.
fn logits(net: &Net, split: &Split, batch: &[usize], train: bool) -> Tensor {
    let inputs: Vec<&ModelInput> = batch.iter().map(|&i| &split.ex[i].0).collect();
    match net {
        Net::Full(net) => net.forward_inputs(&inputs, train),
        Net::Markers(net) => {
            let Ok(Passes::Rows(rows)) = Passes::of(&inputs) else {
                panic!("the marker network reads packed rows")
            };
            let states: Vec<&Tensor> = batch.iter().map(|&i| &split.states[i]).collect();
            net.forward_t(&MarkerBatch::new(&rows, &states), train)
        }
    }
}

/// Batches of similar length, in a fixed order (shuffled per epoch by the caller).
fn buckets(ex: &[Example], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ex.len()).collect();
    order.sort_by_key(|&i| (ex[i].0.len(), i));
    order.chunks(size).map(<[usize]>::to_vec).collect()
}

/// Starts each marker token's vector at the mean of its inline marker's sub-word vectors.
fn seed_markers(vs: &nn::VarStore, enc: &PairEncoder) {
    let vars = vs.variables();
    let emb = vars["bert.embeddings.word_embeddings.weight"].shallow_clone();
    tch::no_grad(|| {
        for kind in MarkerKind::ALL {
            for t in EntityType::ALL {
                let ids = Tensor::of_slice(&enc.sub_words(&inline_marker_text(kind, t)));
                let mean =
                    emb.index_select(0, &ids)
                        .mean_dim(Some([0i64].as_slice()), false, Kind::Float);
                emb.get(marker_id(kind, t)).copy_(&mean);
            }
        }
    });
}

/// xorshift64*: a seeded shuffle without another dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// The label probabilities, at temperature 2, that the relation model in `dir` (a whole
/// encoder, pair or packed input as its card says) gives every candidate pair of `data`.
fn teacher_probabilities(
    dir: &std::path::Path,
    data: &[docgraph::relations::eval::GoldSentence],
    batch: usize,
) -> std::collections::HashMap<(usize, usize, usize), [f32; LABELS]> {
    let config = BertConfig::from_file(dir.join("config.json"));
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = Net::Full(RelationNet::new(&vs.root(), &config));
    vs.load(dir.join("rust_model.ot")).expect("teacher weights");
    let enc = PairEncoder::from_vocab(&dir.join("vocab.txt")).expect("teacher vocabulary");
    let input = docgraph::relations::model::read_card(dir).map_or(Input::Pair, |c| c.input);
    let (ex, _) = gold_inputs(data, &enc, input);
    let split = Split {
        ex,
        states: Vec::new(),
    };
    let started = Instant::now();
    let out: std::collections::HashMap<_, _> = probabilities(&net, &split, batch, 2.0)
        .into_iter()
        .map(|(pair, probs)| ((pair.sentence, pair.head, pair.tail), probs))
        .collect();
    println!(
        "teacher {}: {} pairs in {:.0} s",
        dir.display(),
        out.len(),
        started.elapsed().as_secs_f64()
    );
    out
}

/// Every pair of `split` with its label probabilities at `temperature`.
fn probabilities(
    net: &Net,
    split: &Split,
    batch: usize,
    temperature: f64,
) -> Vec<(GoldPair, [f32; LABELS])> {
    let mut out = Vec::new();
    for b in buckets(&split.ex, batch) {
        let p =
            tch::no_grad(|| (logits(net, split, &b, false) / temperature).softmax(-1, Kind::Float));
        let flat = Vec::<f32>::from(&p.view([-1]));
        for (k, pair) in b.iter().flat_map(|&i| &split.ex[i].1).enumerate() {
            let mut probs = [0f32; LABELS];
            probs.copy_from_slice(&flat[k * LABELS..(k + 1) * LABELS]);
            out.push((*pair, probs));
        }
    }
    out
}

/// `ex` with, when a text encoder is given, each example's text states.
fn with_states(ex: Vec<Example>, text: Option<&Encoder>) -> Split {
    let states = match text {
        None => Vec::new(),
        Some(encoder) => {
            let started = Instant::now();
            let inputs: Vec<&ModelInput> = ex.iter().map(|e| &e.0).collect();
            let Ok(Passes::Rows(rows)) = Passes::of(&inputs) else {
                panic!("a text encoder serves packed rows only")
            };
            let states = text_states(encoder, &rows, 16);
            println!(
                "text states of {} rows in {:.0} s",
                rows.len(),
                started.elapsed().as_secs_f64()
            );
            states
        }
    };
    Split { ex, states }
}

fn main() {
    let args = parse_args();
    // Pairs per batch (pair input) or sentences per batch (packed: about six pairs each).
    let batch_size = args.batch.unwrap_or(match args.input {
        Input::Pair => 32,
        Input::Packed | Input::PackedStarts => 4,
    });
    tch::manual_seed(args.seed as i64);
    tch::set_num_threads(args.threads);
    let train = read_conll04(&args.data.join("conll04_train.json")).expect("training split");
    let dev = read_conll04(&args.data.join("conll04_dev.json")).expect("development split");
    let enc = PairEncoder::from_vocab(&args.base.join("vocab.txt")).expect("vocabulary");
    let (train_ex, skipped) = gold_inputs(&train, &enc, args.input);
    let (dev_ex, dev_skipped) = gold_inputs(&dev, &enc, args.input);
    let text = args.text_encoder.as_ref().map(|dir| {
        assert!(
            args.input.is_packed(),
            "--text-encoder trains a packed model"
        );
        Encoder::load(dir, Precision::Float32).expect("text encoder")
    });
    let count = |ex: &[Example]| ex.iter().map(|e| e.1.len()).sum::<usize>();
    let positives = train_ex
        .iter()
        .flat_map(|e| &e.1)
        .filter(|p| p.label > 0)
        .count();
    println!(
        "{:?} input; train: {} sentences, {} passes, {} pairs ({positives} related, {skipped} too long); dev: {} sentences, {} passes, {} pairs ({dev_skipped} too long)",
        args.input,
        train.len(),
        train_ex.len(),
        count(&train_ex),
        dev.len(),
        dev_ex.len(),
        count(&dev_ex),
    );

    let config = BertConfig::from_file(args.base.join("config.json"));
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = match text {
        Some(_) => Net::Markers(MarkerNet::new(&vs.root(), &config)),
        None => Net::Full(RelationNet::new(&vs.root(), &config)),
    };
    let missing = vs
        .load_partial(args.base.join("rust_model.ot"))
        .expect("base weights");
    println!("initialised from {}; new: {missing:?}", args.base.display());
    let base_input =
        docgraph::relations::model::read_card(&args.base).map_or(Input::Pair, |c| c.input);
    if args.input.is_packed() && !base_input.is_packed() {
        seed_markers(&vs, &enc);
        println!("marker vectors seeded from the inline markers' sub-words");
    }
    let mut opt = nn::AdamW::default().build(&vs, args.lr).expect("optimizer");
    let teacher = args
        .teacher
        .as_ref()
        .map(|dir| teacher_probabilities(dir, &train, 8 * batch_size));
    let train_ex = with_states(train_ex, text.as_ref());
    let dev_ex = with_states(dev_ex, text.as_ref());

    std::fs::create_dir_all(&args.out).expect("output folder");
    let best_path = args.out.join(".best-fp32.ot");
    let mut rng = Rng(args.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut batches = buckets(&train_ex.ex, batch_size);
    let total = (batches.len() * args.epochs) as f64;
    let warmup = (0.1 * total).max(1.0);
    let mut step = 0f64;
    let mut best: Option<(f64, f32, usize)> = None;
    let started = Instant::now();
    for epoch in 1..=args.epochs {
        rng.shuffle(&mut batches);
        let mut loss_sum = 0.0;
        for (bi, batch) in batches.iter().enumerate() {
            step += 1.0;
            let lr = args.lr
                * (step / warmup)
                    .min((total - step) / (total - warmup))
                    .max(0.0);
            opt.set_lr(lr);
            let inputs: Vec<&Example> = batch.iter().map(|&i| &train_ex.ex[i]).collect();
            let labels = Tensor::of_slice(
                &inputs
                    .iter()
                    .flat_map(|e| e.1.iter().map(|p| p.label as i64))
                    .collect::<Vec<_>>(),
            );
            let student = logits(&net, &train_ex, batch, true);
            let mut loss = student.cross_entropy_for_logits(&labels);
            if let Some(teacher) = &teacher {
                // Distillation: the student's log-probabilities against the teacher's, at T=2.
                let soft: Vec<f32> = inputs
                    .iter()
                    .flat_map(|e| &e.1)
                    .flat_map(|p| {
                        // A pair the teacher could not read (too long): its gold label.
                        teacher
                            .get(&(p.sentence, p.head, p.tail))
                            .copied()
                            .unwrap_or_else(|| {
                                let mut one = [0f32; LABELS];
                                one[p.label] = 1.0;
                                one
                            })
                    })
                    .collect();
                let soft = Tensor::of_slice(&soft).view([-1, LABELS as i64]);
                let kl = (&soft
                    * (soft.clamp_min(1e-8).log() - (&student / 2.0).log_softmax(-1, Kind::Float)))
                .sum_dim_intlist(Some([1i64].as_slice()), false, Kind::Float)
                .mean(Kind::Float);
                loss = loss * (1.0 - args.distill) + kl * (4.0 * args.distill);
            }
            opt.backward_step_clip_norm(&loss, 1.0);
            loss_sum += f64::from(&loss);
            if (bi + 1) % 25 == 0 {
                println!(
                    "epoch {epoch} batch {}/{} loss {:.4} ({:.0} s)",
                    bi + 1,
                    batches.len(),
                    loss_sum / (bi + 1) as f64,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let probs = probabilities(&net, &dev_ex, 2 * batch_size, 1.0);
        let (f1, threshold) = (30..=90)
            .step_by(5)
            .map(|t| t as f32 / 100.0)
            .map(|t| (score_pairs(&dev, &probs, t).micro().f1(), t))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("thresholds");
        println!(
            "epoch {epoch}: dev micro F1 {f1:.3} at threshold {threshold:.2} ({:.0} s)\n{}",
            started.elapsed().as_secs_f64(),
            score_pairs(&dev, &probs, threshold).table()
        );
        if best.is_none_or(|b| f1 > b.0) {
            best = Some((f1, threshold, epoch));
            vs.save(&best_path).expect("saving the best epoch");
        }
    }

    let (f1, threshold, epoch) = best.expect("at least one epoch");
    vs.load(&best_path).expect("reloading the best epoch");
    vs.half();
    let mut weights: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    if text.is_some() {
        // A marker stream reads only the markers' rows of its word embeddings.
        for (name, t) in &mut weights {
            if name == "bert.embeddings.word_embeddings.weight" {
                *t = t.narrow(0, 0, MARKER_VOCABULARY).copy();
            }
        }
    }
    Tensor::save_multi(&weights, args.out.join("rust_model.ot")).expect("saving weights");
    let _ = std::fs::remove_file(&best_path);
    let mut cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(args.base.join("config.json")).expect("base config"),
    )
    .expect("base config is JSON");
    let labels: Vec<String> = std::iter::once("no_relation".to_string())
        .chain(Predicate::ALL.iter().map(|p| p.as_str().to_string()))
        .collect();
    cfg["architectures"] = serde_json::json!(["DocgraphRelationClassifier"]);
    cfg["id2label"] = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), serde_json::json!(l)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    cfg["label2id"] = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), serde_json::json!(i)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    cfg["torch_dtype"] = serde_json::json!("float16");
    std::fs::write(
        args.out.join("config.json"),
        serde_json::to_string_pretty(&cfg).unwrap() + "\n",
    )
    .expect("config.json");
    std::fs::copy(args.base.join("vocab.txt"), args.out.join("vocab.txt")).expect("vocab.txt");
    let card = ModelCard {
        threshold,
        dev_micro_f1: Some((f1 * 1000.0).round() / 1000.0),
        input: args.input,
        text_encoder: args.text_encoder.as_ref().map(|dir| {
            let name = dir.file_name().expect("a folder name").to_string_lossy();
            format!("../{name}")
        }),
    };
    std::fs::write(
        args.out.join(CARD_FILE),
        serde_json::to_string_pretty(&card).unwrap() + "\n",
    )
    .expect("docgraph.json");
    println!(
        "kept epoch {epoch}: dev micro F1 {f1:.3} at threshold {threshold:.2}; written to {} in {:.0} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
}
