//! Trains docgraph's relation classifier on CoNLL04 (run through `scripts/train_relations.sh`).
//!
//! The encoder starts from a rust-bert BERT checkpoint (by default the shipped NER model, whose
//! encoder is all-MiniLM-L6-v2 further tuned on news entities); the classifier over the two
//! entity markers starts at random. Every type-compatible ordered pair of gold entities in a
//! training sentence is one example, "no relation" included. Batches hold pairs of similar
//! length; AdamW with linear warm-up and decay; CPU, fixed seed. After each epoch the
//! development split is scored with gold entities at a range of thresholds; the best epoch and
//! threshold are kept. Output: `rust_model.ot` (float16), `config.json`, `vocab.txt`,
//! `docgraph.json` (threshold, dev score).
//!
//! ```text
//! cargo run --release -p docgraph-torch --example train_relations -- --data ../shared/data/conll04 \
//!     --base models/ner-minilm-l6-conll03 --out models/relations-minilm-conll04
//! ```

use std::path::PathBuf;
use std::time::Instant;

use docgraph::relations::eval::{read_conll04, GoldSentence, Scores};
use docgraph::relations::model::{decide, EncodedPair, ModelCard, PairEncoder, CARD_FILE};
use docgraph::relations::schema::{Predicate, LABELS};
use docgraph_torch::training::{Batch, RelationNet};
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
    batch: usize,
    seed: u64,
    threads: i32,
}

fn parse_args() -> Args {
    let mut a = Args {
        data: "../shared/data/conll04".into(),
        base: "models/ner-minilm-l6-conll03".into(),
        out: "models/relations-minilm-conll04".into(),
        epochs: 4,
        lr: 1e-4,
        batch: 32,
        seed: 42,
        threads: 2,
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
            "--batch" => a.batch = value().parse().expect("--batch N"),
            "--seed" => a.seed = value().parse().expect("--seed N"),
            "--threads" => a.threads = value().parse().expect("--threads N"),
            other => panic!("unknown option {other}"),
        }
    }
    a
}

/// One candidate pair of a sentence: entity indexes and the gold label (0: none).
struct Example {
    sentence: usize,
    head: usize,
    tail: usize,
    label: usize,
    pair: EncodedPair,
}

fn examples(data: &[GoldSentence], enc: &PairEncoder) -> (Vec<Example>, usize) {
    let mut out = Vec::new();
    let mut skipped = 0;
    for (si, s) in data.iter().enumerate() {
        for (hi, ti) in s.candidate_pairs() {
            let (Some(head), Some(tail)) = (s.marked(hi), s.marked(ti)) else {
                continue;
            };
            let label = s
                .relations
                .iter()
                .find(|r| {
                    r.head == hi
                        && r.tail == ti
                        && r.predicate.signature() == (head.entity_type, tail.entity_type)
                })
                .map_or(0, |r| r.predicate.label());
            match enc.encode(&s.text, head, tail) {
                Some(pair) => out.push(Example {
                    sentence: si,
                    head: hi,
                    tail: ti,
                    label,
                    pair,
                }),
                None => skipped += 1,
            }
        }
    }
    (out, skipped)
}

/// Batches of similar length, in a fixed order (shuffled per epoch by the caller).
fn buckets(ex: &[Example], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ex.len()).collect();
    order.sort_by_key(|&i| (ex[i].pair.ids.len(), i));
    order.chunks(size).map(<[usize]>::to_vec).collect()
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

fn probabilities(net: &RelationNet, ex: &[Example]) -> Vec<[f32; LABELS]> {
    let mut probs = vec![[0f32; LABELS]; ex.len()];
    for batch in buckets(ex, 64) {
        let pairs: Vec<&EncodedPair> = batch.iter().map(|&i| &ex[i].pair).collect();
        let p = tch::no_grad(|| {
            net.forward_t(&Batch::new(&pairs), false)
                .softmax(-1, Kind::Float)
        });
        let flat = Vec::<f32>::from(&p.view([-1]));
        for (k, &i) in batch.iter().enumerate() {
            probs[i].copy_from_slice(&flat[k * LABELS..(k + 1) * LABELS]);
        }
    }
    probs
}

fn score(data: &[GoldSentence], ex: &[Example], probs: &[[f32; LABELS]], threshold: f32) -> Scores {
    let mut predicted: Vec<Vec<(usize, usize, Predicate)>> = vec![Vec::new(); data.len()];
    for (e, p) in ex.iter().zip(probs) {
        if let Some((pred, _)) = decide(p, threshold) {
            predicted[e.sentence].push((e.head, e.tail, pred));
        }
    }
    let mut scores = Scores::default();
    for (s, pred) in data.iter().zip(&predicted) {
        let gold: Vec<_> = s
            .relations
            .iter()
            .map(|r| (r.head, r.tail, r.predicate))
            .collect();
        scores.add(&gold, pred);
    }
    scores
}

fn main() {
    let args = parse_args();
    tch::manual_seed(args.seed as i64);
    tch::set_num_threads(args.threads);
    let train = read_conll04(&args.data.join("conll04_train.json")).expect("training split");
    let dev = read_conll04(&args.data.join("conll04_dev.json")).expect("development split");
    let enc = PairEncoder::from_vocab(&args.base.join("vocab.txt")).expect("vocabulary");
    let (train_ex, skipped) = examples(&train, &enc);
    let (dev_ex, dev_skipped) = examples(&dev, &enc);
    let positives = train_ex.iter().filter(|e| e.label > 0).count();
    println!(
        "train: {} sentences, {} pairs ({positives} related, {skipped} too long); dev: {} sentences, {} pairs ({dev_skipped} too long)",
        train.len(),
        train_ex.len(),
        dev.len(),
        dev_ex.len()
    );

    let config = BertConfig::from_file(args.base.join("config.json"));
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = RelationNet::new(&vs.root(), &config);
    let missing = vs
        .load_partial(args.base.join("rust_model.ot"))
        .expect("base weights");
    println!("initialised from {}; new: {missing:?}", args.base.display());
    let mut opt = nn::AdamW::default().build(&vs, args.lr).expect("optimizer");

    std::fs::create_dir_all(&args.out).expect("output folder");
    let best_path = args.out.join(".best-fp32.ot");
    let mut rng = Rng(args.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut batches = buckets(&train_ex, args.batch);
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
            let pairs: Vec<&EncodedPair> = batch.iter().map(|&i| &train_ex[i].pair).collect();
            let labels = Tensor::of_slice(
                &batch
                    .iter()
                    .map(|&i| train_ex[i].label as i64)
                    .collect::<Vec<_>>(),
            );
            let logits = net.forward_t(&Batch::new(&pairs), true);
            let loss = logits.cross_entropy_for_logits(&labels);
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
        let probs = probabilities(&net, &dev_ex);
        let (f1, threshold) = (30..=90)
            .step_by(5)
            .map(|t| t as f32 / 100.0)
            .map(|t| (score(&dev, &dev_ex, &probs, t).micro().f1(), t))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("thresholds");
        println!(
            "epoch {epoch}: dev micro F1 {f1:.3} at threshold {threshold:.2} ({:.0} s)\n{}",
            started.elapsed().as_secs_f64(),
            score(&dev, &dev_ex, &probs, threshold).table()
        );
        if best.is_none_or(|b| f1 > b.0) {
            best = Some((f1, threshold, epoch));
            vs.save(&best_path).expect("saving the best epoch");
        }
    }

    let (f1, threshold, epoch) = best.expect("at least one epoch");
    vs.load(&best_path).expect("reloading the best epoch");
    vs.half();
    vs.save(args.out.join("rust_model.ot"))
        .expect("saving weights");
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
