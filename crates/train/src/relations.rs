//! `docgraph train relations`: a relation model from annotated sentences, as the shipped one
//! was made.
//!
//! The encoder starts from a rust-bert BERT checkpoint (by default the NER model docgraph runs
//! with, whose encoder is all-MiniLM-L6-v2 tuned on news entities); the classifier over the two
//! entity markers starts at random, or from `--base`'s when that is a relation model of the
//! same schema. Every type-compatible ordered pair of gold entities of a training sentence is
//! one example, "no relation" included. Batches hold passes of similar length; AdamW with
//! linear warm-up and decay; CPU, fixed seed. After each epoch the development data is scored
//! with gold entities at thresholds 0.30…0.90; the best epoch and threshold are kept, and
//! training stops early after `--patience` epochs without a better score.
//!
//! The schema (predicates, the entity types each joins) is the training data's: predicates in
//! name order after CoNLL04's five (so CoNLL04's data gives the shipped labels), entity types
//! the NER model's four first. It is written into the model's card with the data, counts,
//! options and scores ([`TrainingRecord`]).
//!
//! Every epoch leaves a checkpoint in `OUT/.training`; the same command run again goes on after
//! the last finished epoch (AdamW's moments start afresh there; the schedule and the shuffling
//! carry on).
//!
//! Inputs (`--input`): `packed` (the default: all pairs of a sentence in one pass, markers
//! after the text, `docgraph::relations::packed`), `pair` (one pass per pair, marked inline),
//! `packed-starts` (packed, each pair marked at its entities' starts). `--teacher DIR` (a
//! relation model of the same schema) adds distillation: `--distill` parts of the loss are the
//! KL divergence from the teacher's probabilities at temperature 2. `--text-encoder DIR` trains
//! a marker stream over the frozen text states of the model in `DIR` (the NER model), what
//! ships: its card names that folder as `../<its name>`, so the model belongs beside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use docgraph::relations::eval::{
    gold_inputs, read_conll04, score_pairs, GoldPair, GoldSentence, Scores,
};
use docgraph::relations::model::{
    read_card, Input, ModelCard, ModelInput, PairEncoder, Passes, CARD_FILE,
};
use docgraph::relations::packed::{inline_marker_text, MarkerKind};
use docgraph::relations::schema::Schema;
use docgraph::runtime::Precision;
use docgraph_torch::encoder::markers::MARKER_VOCABULARY;
use docgraph_torch::encoder::Encoder;
use rust_bert::bert::BertConfig;
use rust_bert::Config as _;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use crate::{text_states, MarkerBatch, MarkerNet, RelationNet};

pub use crate::run::Error;
use crate::run::{
    best_threshold, buckets, copy_into, epochs, load_matching, pretty, save_weights, score_table,
    start, write_atomic, write_config, Checkpoint, ClassScore, Common, Schedule,
};

/// What a training run is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Data (CoNLL04's JSON: `docgraph::relations::eval::read_conll04`), folders, schedule.
    #[serde(flatten)]
    pub common: Common,
    /// Passes per batch (pairs for `pair` input, sentences for packed); default 32 or 4.
    pub batch: Option<usize>,
    /// A relation model whose probabilities the model also learns from.
    pub teacher: Option<PathBuf>,
    /// Share of the loss from the teacher.
    pub distill: f64,
    /// How the model reads its input.
    pub input: Input,
    /// A model whose frozen text states a marker stream reads.
    pub text_encoder: Option<PathBuf>,
}

impl std::ops::Deref for Options {
    type Target = Common;
    fn deref(&self) -> &Common {
        &self.common
    }
}

/// How a run went, as its card records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// docgraph's version.
    pub docgraph: String,
    /// The options.
    pub options: Options,
    /// Training and development counts.
    pub data: DataCounts,
    /// Development micro F1 after each epoch (at its best threshold).
    pub dev_f1_by_epoch: Vec<f64>,
    /// The epoch kept.
    pub kept_epoch: usize,
    /// Development P/R/F1 per predicate of the kept epoch at its threshold.
    pub dev_scores: Vec<ClassScore>,
    /// Seconds of training (this run and those it went on from).
    pub seconds: f64,
}

/// Sentences, passes, candidate pairs and related pairs of each split.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataCounts {
    /// Training sentences.
    pub train_sentences: usize,
    /// Candidate pairs of the training sentences.
    pub train_pairs: usize,
    /// Of those, related.
    pub train_related: usize,
    /// Development sentences.
    pub dev_sentences: usize,
    /// Candidate pairs of the development sentences.
    pub dev_pairs: usize,
    /// Candidate pairs no pass could hold (too long), both splits.
    pub too_long: usize,
}

/// One model pass and the pairs it scores.
type Example = (ModelInput, Vec<GoldPair>);

/// The network trained: the whole encoder, or markers over a frozen text encoder's states.
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
fn logits(net: &Net, split: &Split, batch: &[usize], labels: usize, train: bool) -> Tensor {
    let inputs: Vec<&ModelInput> = batch.iter().map(|&i| &split.ex[i].0).collect();
    match net {
        Net::Full(net) => net.forward_inputs(&inputs, train),
        Net::Markers(net) => {
            let Ok(Passes::Rows(rows)) = Passes::of(&inputs) else {
                panic!("the marker network reads packed rows")
            };
            let states: Vec<&Tensor> = batch.iter().map(|&i| &split.states[i]).collect();
            net.forward_t(&MarkerBatch::new(&rows, &states, labels), train)
        }
    }
}

/// Batches of passes of similar length.
fn batches(ex: &[Example], size: usize) -> Vec<Vec<usize>> {
    buckets(&ex.iter().map(|e| e.0.len()).collect::<Vec<_>>(), size)
}

/// Starts each marker token's vector at the mean of its inline marker's sub-word vectors.
fn seed_markers(vs: &nn::VarStore, enc: &PairEncoder) {
    let vars = vs.variables();
    let emb = vars["bert.embeddings.word_embeddings.weight"].shallow_clone();
    tch::no_grad(|| {
        for kind in MarkerKind::ALL {
            for &t in &enc.schema().entity_types {
                let ids = Tensor::of_slice(&enc.sub_words(&inline_marker_text(kind, t)));
                let mean =
                    emb.index_select(0, &ids)
                        .mean_dim(Some([0i64].as_slice()), false, Kind::Float);
                let id = enc.marker(kind, t).expect("a type of the schema");
                emb.get(id).copy_(&mean);
            }
        }
    });
}

/// Every pair of `split` with its label probabilities at `temperature`.
fn probabilities(
    net: &Net,
    split: &Split,
    (batch, labels): (usize, usize),
    temperature: f64,
) -> Vec<(GoldPair, Vec<f32>)> {
    let mut out = Vec::new();
    for b in batches(&split.ex, batch) {
        let p = tch::no_grad(|| {
            (logits(net, split, &b, labels, false) / temperature).softmax(-1, Kind::Float)
        });
        let flat = Vec::<f32>::from(&p.view([-1]));
        for (pair, probs) in b
            .iter()
            .flat_map(|&i| &split.ex[i].1)
            .zip(flat.chunks(labels))
        {
            out.push((*pair, probs.to_vec()));
        }
    }
    out
}

/// A teacher's probabilities by (sentence, head, tail).
type Taught = HashMap<(usize, usize, usize), Vec<f32>>;

/// The label probabilities, at temperature 2, that the relation model in `dir` (a whole
/// encoder) gives every candidate pair of `data`.
fn teacher_probabilities(
    dir: &Path,
    schema: &Schema,
    data: &[GoldSentence],
    batch: usize,
) -> Result<Taught, Error> {
    let card = read_card(dir).map_err(|e| e.to_string())?;
    if &card.schema != schema {
        return Err(format!(
            "the teacher {} knows other predicates than the training data",
            dir.display()
        ));
    }
    let config = BertConfig::from_file(dir.join("config.json"));
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = Net::Full(RelationNet::new(&vs.root(), &config, schema.labels()));
    vs.load(dir.join("rust_model.ot"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let enc =
        PairEncoder::new(&dir.join("vocab.txt"), schema.clone()).map_err(|e| e.to_string())?;
    let (ex, _) = gold_inputs(data, &enc, card.input);
    let split = Split {
        ex,
        states: Vec::new(),
    };
    let started = Instant::now();
    let out: HashMap<_, _> = probabilities(&net, &split, (batch, schema.labels()), 2.0)
        .into_iter()
        .map(|(pair, probs)| ((pair.sentence, pair.head, pair.tail), probs))
        .collect();
    eprintln!(
        "teacher {}: {} pairs in {:.0} s",
        dir.display(),
        out.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(out)
}

/// `ex` with, when a text encoder is given, each example's text states.
fn with_states(ex: Vec<Example>, text: Option<&Encoder>) -> Split {
    let states = match text {
        None => Vec::new(),
        Some(encoder) => {
            let inputs: Vec<&ModelInput> = ex.iter().map(|e| &e.0).collect();
            let Ok(Passes::Rows(rows)) = Passes::of(&inputs) else {
                panic!("a text encoder serves packed rows only")
            };
            text_states(encoder, &rows, 16)
        }
    };
    Split { ex, states }
}

/// Reads the training and development sentences (without a development file, every tenth
/// training sentence is held out).
fn read_data(options: &Options) -> Result<(Vec<GoldSentence>, Vec<GoldSentence>), Error> {
    let read = |p: &Path| read_conll04(p).map_err(|e| e.to_string());
    let train = read(&options.train)?;
    match &options.dev {
        Some(dev) => Ok((train, read(dev)?)),
        None => {
            let (mut kept, mut held) = (Vec::new(), Vec::new());
            for (i, s) in train.into_iter().enumerate() {
                if i % 10 == 9 {
                    held.push(s);
                } else {
                    kept.push(s);
                }
            }
            Ok((kept, held))
        }
    }
}

/// The schema the model is trained for: `--base`'s when it is a relation model (its
/// classifier is reused), else the training data's.
fn schema_of(options: &Options, train: &[GoldSentence]) -> Result<Schema, Error> {
    let relations = train.iter().flat_map(GoldSentence::typed_relations);
    let types: Vec<_> = train
        .iter()
        .flat_map(|s| s.entities.iter().filter_map(|e| e.entity_type))
        .collect();
    let data = Schema::of_examples(relations, &types)
        .map_err(|e| format!("{}: {e}", options.train.display()))?;
    match read_card(&options.base) {
        Ok(card) if card.schema.predicates().eq(data.predicates()) => Ok(card.schema),
        Ok(_) => Err(format!(
            "{} is a relation model of other predicates than the training data's; start from \
             an NER model (the default) instead",
            options.base.display()
        )),
        Err(_) => Ok(data),
    }
}

/// Trains a relation model as `options` say, printing progress to stderr and the
/// development scores of each epoch to stdout. `stop` (set by Ctrl-C) ends the run after the
/// current batch; what the last finished epoch left is kept for the next run.
pub fn train(options: &Options, stop: &AtomicBool) -> Result<TrainingRecord, Error> {
    let batch_size = options.batch.unwrap_or(match options.input {
        Input::Pair => 32,
        Input::Packed | Input::PackedStarts => 4,
    });
    tch::manual_seed(options.seed as i64);
    tch::set_num_threads(options.threads);
    let (train, dev) = read_data(options)?;
    if train.is_empty() || dev.is_empty() {
        return Err("no training or development sentences".into());
    }
    let schema = schema_of(options, &train)?;
    let labels = schema.labels();
    let enc = PairEncoder::new(&options.base.join("vocab.txt"), schema.clone())
        .map_err(|e| e.to_string())?;
    let (train_ex, skipped) = gold_inputs(&train, &enc, options.input);
    let (dev_ex, dev_skipped) = gold_inputs(&dev, &enc, options.input);
    let count = |ex: &[Example]| ex.iter().map(|e| e.1.len()).sum::<usize>();
    let counts = DataCounts {
        train_sentences: train.len(),
        train_pairs: count(&train_ex),
        train_related: train_ex
            .iter()
            .flat_map(|e| &e.1)
            .filter(|p| p.label > 0)
            .count(),
        dev_sentences: dev.len(),
        dev_pairs: count(&dev_ex),
        too_long: skipped + dev_skipped,
    };
    let names: Vec<&str> = schema.predicates().map(|p| p.as_str()).collect();
    eprintln!(
        "{} predicates ({}); train: {} sentences, {} pairs ({} related); dev: {} sentences, {} pairs; {:?} input",
        names.len(),
        names.join(", "),
        counts.train_sentences,
        counts.train_pairs,
        counts.train_related,
        counts.dev_sentences,
        counts.dev_pairs,
        options.input,
    );
    if counts.train_related == 0 {
        return Err("no training sentence holds a relation between typed entities".into());
    }
    let text = match &options.text_encoder {
        Some(dir) if !options.input.is_packed() => {
            return Err(format!(
                "--text-encoder {} trains a packed model (--input packed or packed-starts)",
                dir.display()
            ))
        }
        Some(dir) => Some(Encoder::load(dir, Precision::Float32).map_err(|e| e.to_string())?),
        None => None,
    };

    let config = BertConfig::from_file(options.base.join("config.json"));
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = match text {
        Some(_) => Net::Markers(MarkerNet::new(&vs.root(), &config, labels)),
        None => Net::Full(RelationNet::new(&vs.root(), &config, labels)),
    };
    let new = load_matching(&vs, &options.base.join("rust_model.ot"))?;
    eprintln!("from {}; new: {new:?}", options.base.display());
    let base_input = read_card(&options.base).map_or(Input::Pair, |c| c.input);
    if options.input.is_packed() && !base_input.is_packed() {
        seed_markers(&vs, &enc);
    }
    let teacher = match &options.teacher {
        Some(dir) => Some(teacher_probabilities(dir, &schema, &train, 8 * batch_size)?),
        None => None,
    };
    let train_ex = with_states(train_ex, text.as_ref());
    let dev_ex = with_states(dev_ex, text.as_ref());

    let checkpoint = Checkpoint::create(&options.out)?;
    let state = start(
        &checkpoint,
        &mut vs,
        options,
        options.seed,
        |earlier: &Options| {
            options.common.goes_on_from(&earlier.common)
                && Options {
                    common: options.common.clone(),
                    ..earlier.clone()
                } == *options
        },
    )?;
    let schedule = Schedule {
        epochs: options.epochs,
        patience: options.patience,
        lr: options.lr,
        batches: batches(&train_ex.ex, batch_size),
        stop,
    };
    let loss = |batch: &[usize]| {
        let gold: Vec<&GoldPair> = batch.iter().flat_map(|&i| &train_ex.ex[i].1).collect();
        let targets = Tensor::of_slice(&gold.iter().map(|p| p.label as i64).collect::<Vec<_>>());
        let student = logits(&net, &train_ex, batch, labels, true);
        let loss = student.cross_entropy_for_logits(&targets);
        let Some(teacher) = &teacher else {
            return loss;
        };
        // The student's log-probabilities against the teacher's, at T=2; a pair the teacher
        // could not read (too long) against its gold label.
        let soft: Vec<f32> = gold
            .iter()
            .flat_map(|p| match teacher.get(&(p.sentence, p.head, p.tail)) {
                Some(probs) => probs.clone(),
                None => (0..labels).map(|l| f32::from(l == p.label)).collect(),
            })
            .collect();
        let soft = Tensor::of_slice(&soft).view([-1, labels as i64]);
        let kl = (&soft
            * (soft.clamp_min(1e-8).log() - (&student / 2.0).log_softmax(-1, Kind::Float)))
        .sum_dim_intlist(Some([1i64].as_slice()), false, Kind::Float)
        .mean(Kind::Float);
        loss * (1.0 - options.distill) + kl * (4.0 * options.distill)
    };
    let evaluate = || {
        let probs = probabilities(&net, &dev_ex, (2 * batch_size, labels), 1.0);
        let (f1, threshold) =
            best_threshold(|t| score_pairs(&dev, &schema, &probs, t).micro().f1());
        let table = score_pairs(&dev, &schema, &probs, threshold).table();
        (f1, threshold, table)
    };
    let state = epochs(&mut vs, &checkpoint, state, schedule, loss, evaluate)?;
    let (f1, threshold, epoch) = state.best.expect("at least one epoch");

    let probs = probabilities(&net, &dev_ex, (2 * batch_size, labels), 1.0);
    let scores = score_pairs(&dev, &schema, &probs, threshold);
    let record = TrainingRecord {
        docgraph: env!("CARGO_PKG_VERSION").into(),
        options: options.clone(),
        data: counts,
        dev_f1_by_epoch: state.dev_f1_by_epoch,
        kept_epoch: epoch,
        dev_scores: score_rows(&scores),
        seconds: state.seconds,
    };
    save_model(options, &vs, (&config, &schema), (f1, threshold), &record)?;
    checkpoint.finish();
    eprintln!(
        "kept epoch {epoch}: development micro F1 {f1:.3} at threshold {threshold:.2}; model in {} ({:.0} s)",
        options.out.display(),
        record.seconds
    );
    Ok(record)
}

/// The rows of a scores table, predicates then `micro`.
fn score_rows(scores: &Scores) -> Vec<ClassScore> {
    scores
        .per_predicate
        .iter()
        .map(|(p, c)| ClassScore::of(p.as_str(), c))
        .chain(std::iter::once(ClassScore::of("micro", &scores.micro())))
        .collect()
}

/// Writes the model folder: weights (float16), `config.json` with the labels, the vocabulary,
/// the card (`docgraph.json`: threshold, input, schema, the training record) and a
/// `README.md` for people.
fn save_model(
    options: &Options,
    vs: &nn::VarStore,
    (config, schema): (&BertConfig, &Schema),
    (f1, threshold): (f64, f32),
    record: &TrainingRecord,
) -> Result<(), Error> {
    let out = &options.out;
    let mut weights: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    if options.text_encoder.is_some() {
        // A marker stream reads only the markers' rows of its word embeddings.
        let rows = (1 + 4 * schema.entity_types.len() as i64).max(MARKER_VOCABULARY);
        for (name, t) in &mut weights {
            if name == "bert.embeddings.word_embeddings.weight" {
                *t = t.narrow(0, 0, rows.min(config.vocab_size)).copy();
            }
        }
    }
    save_weights(out, weights)?;
    let labels: Vec<String> = std::iter::once("no_relation".to_string())
        .chain(schema.predicates().map(|p| p.as_str().to_string()))
        .collect();
    write_config(out, &options.base, "DocgraphRelationClassifier", &labels)?;
    copy_into(&options.base.join("vocab.txt"), &out.join("vocab.txt"))?;
    let card = ModelCard {
        threshold,
        dev_micro_f1: Some((f1 * 1000.0).round() / 1000.0),
        input: options.input,
        text_encoder: options.text_encoder.as_ref().map(|dir| {
            let name = dir.file_name().map_or_else(
                || dir.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            format!("../{name}")
        }),
        schema: schema.clone(),
        training: Some(serde_json::to_value(record).expect("plain data")),
    };
    write_atomic(&out.join(CARD_FILE), pretty(&card).as_bytes())?;
    write_atomic(
        &out.join("README.md"),
        readme(schema, &card, record).as_bytes(),
    )
}

/// The model card for people: what the model knows, what it was trained on, how it scored.
fn readme(schema: &Schema, card: &ModelCard, r: &TrainingRecord) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("# Relation model (docgraph train relations)\n\n");
    let _ = writeln!(
        s,
        "Use it with `docgraph ingest DIR -o OUT --relation-model-dir {}`.\n",
        r.options.out.display()
    );
    s.push_str("## Schema\n\n| predicate | joins (head → tail) |\n|---|---|\n");
    for p in &schema.predicates {
        let joins: Vec<String> = p.joins.iter().map(|(h, t)| format!("{h} → {t}")).collect();
        let _ = writeln!(s, "| {} | {} |", p.name, joins.join(", "));
    }
    let d = &r.data;
    let _ = write!(
        s,
        "\n## Data\n\n- training: `{}`: {} sentences, {} candidate pairs, {} related\n- development: {}: {} sentences, {} candidate pairs\n",
        r.options.train.display(),
        d.train_sentences,
        d.train_pairs,
        d.train_related,
        r.options
            .dev
            .as_ref()
            .map_or("every tenth training sentence".into(), |p| format!("`{}`", p.display())),
        d.dev_sentences,
        d.dev_pairs,
    );
    let o = &r.options;
    let _ = write!(
        s,
        "\n## Training\n\nFrom `{}`; `{}` input; at most {} epochs (patience {}), learning rate {}, seed {}{}. Development micro F1 by epoch: {:?}; kept epoch {} at threshold {:.2}; {:.0} s.\n",
        o.base.display(),
        serde_json::to_value(o.input).expect("plain data").as_str().unwrap_or("?"),
        o.epochs,
        o.patience,
        o.lr,
        o.seed,
        o.teacher
            .as_ref()
            .map_or(String::new(), |t| format!(", taught by `{}`", t.display())),
        r.dev_f1_by_epoch,
        r.kept_epoch,
        card.threshold,
        r.seconds,
    );
    s.push_str("\n## Development scores (gold entities)\n\n");
    s.push_str(&score_table("predicate", &r.dev_scores));
    s
}
