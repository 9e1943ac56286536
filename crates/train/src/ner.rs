//! `docgraph train ner`: an entity model of your own types from annotated sentences.
//!
//! The encoder starts from the NER model docgraph runs with (`--base`); the token classifier
//! keeps that model's rows for the labels both know (`O`, `B-PER`, …) and starts the others at
//! random. Labels are BIO over the data's types: the base model's own labels when the data's
//! types are all among them (fine-tuning), else `O` and `B-`/`I-` of each type of the data.
//! Sentences are tokenized as docgraph tokenizes them at run time (the uncased BERT tokenizer
//! over the text, with character offsets), and every sub-word is labelled (`B-` at an entity's
//! first, `I-` after it, `O` outside). After each epoch the development sentences are tagged
//! and their words merged into entities exactly as the pipeline merges them
//! ([`docgraph::bio::merge_bio`]); exact-span P/R/F1 per type picks the epoch kept.
//!
//! Data: CoNLL's column format (a token per line, its tag in the last column, a blank line
//! between sentences, `-DOCSTART-` lines skipped; IOB1, IOB2, BIOES or BILOU tags), or the
//! JSON `docgraph train relations` reads (its relations are ignored).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use docgraph::bio::{merge_bio, TaggedWord};
use docgraph::record::EntityType;
use docgraph::relations::eval::{read_conll04, Counts};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use rust_bert::Config as _;
use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
use rust_tokenizers::Mask;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

pub use crate::run::Error;
use crate::run::{
    buckets, copy_into, epochs, load_matching, pretty, save_weights, score_table, start,
    write_atomic, write_config, Checkpoint, ClassScore, Common, Schedule,
};

/// Sub-words of a sentence the model reads at most (`[CLS]` and `[SEP]` aside), as at run time.
const MAX_PIECES: usize = 254;

/// Label index the loss ignores (`[CLS]`, `[SEP]`, padding).
const IGNORED: i64 = -100;

/// What a training run is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Data (CoNLL columns or the relations JSON), folders, schedule.
    #[serde(flatten)]
    pub common: Common,
    /// Sentences per batch.
    pub batch: usize,
}

impl std::ops::Deref for Options {
    type Target = Common;
    fn deref(&self) -> &Common {
        &self.common
    }
}

/// How a run went (`training.json` in the model folder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// docgraph's version.
    pub docgraph: String,
    /// The options.
    pub options: Options,
    /// The model's labels, in order.
    pub labels: Vec<String>,
    /// Training and development sentences and entities.
    pub counts: BTreeMap<String, usize>,
    /// Development micro F1 after each epoch.
    pub dev_f1_by_epoch: Vec<f64>,
    /// The epoch kept.
    pub kept_epoch: usize,
    /// Development P/R/F1 per type of the kept epoch.
    pub dev_scores: Vec<ClassScore>,
    /// Seconds of training.
    pub seconds: f64,
}

/// A sentence with its entities as character spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The tokens joined by single spaces.
    pub text: String,
    /// Entities: first and last character (exclusive), type.
    pub entities: Vec<(usize, usize, EntityType)>,
}

/// The type a tag names: CoNLL04's `Peop`, `Org`, `Loc` as the model's, a name as it is (upper
/// case); `None` for CoNLL04's `Other` or a name that is not a type.
fn tag_type(t: &str) -> Option<EntityType> {
    match t {
        "Peop" => Some(EntityType::PER),
        "Org" => Some(EntityType::ORG),
        "Loc" => Some(EntityType::LOC),
        "Other" => None,
        _ => EntityType::parse(&t.to_ascii_uppercase()),
    }
}

/// Reads sentences in CoNLL's column format or docgraph's relation JSON.
pub fn read_sentences(path: &Path) -> Result<Vec<Sentence>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if text.trim_start().starts_with('[') {
        let gold = read_conll04(path).map_err(|e| e.to_string())?;
        return Ok(gold
            .into_iter()
            .map(|s| Sentence {
                entities: s
                    .entities
                    .iter()
                    .filter_map(|e| Some((e.start, e.end, e.entity_type?)))
                    .collect(),
                text: s.text,
            })
            .collect());
    }
    read_columns(&text).map_err(|(line, e)| format!("{}:{line}: {e}", path.display()))
}

/// CoNLL's column format: a token and its tag (the last column) per line.
fn read_columns(text: &str) -> Result<Vec<Sentence>, (usize, String)> {
    let mut out = Vec::new();
    let mut words: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate().chain(std::iter::once((0, ""))) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            if !words.is_empty() {
                out.push(tagged(&std::mem::take(&mut words)).map_err(|e| (n, e))?);
            }
            continue;
        }
        if cols.len() < 2 {
            return Err((n + 1, "a token without a tag".into()));
        }
        words.push((cols[0].to_string(), cols[cols.len() - 1].to_string()));
    }
    Ok(out)
}

/// A sentence of (token, tag) pairs: IOB1, IOB2, BIOES or BILOU.
fn tagged(words: &[(String, String)]) -> Result<Sentence, String> {
    let mut text = String::new();
    let mut entities: Vec<(usize, usize, EntityType)> = Vec::new();
    let mut open: Option<(usize, usize, EntityType)> = None;
    for (token, tag) in words {
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.chars().count();
        text.push_str(token);
        let end = text.chars().count();
        let (prefix, ty) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        if prefix == "O" {
            entities.extend(open.take());
            continue;
        }
        if !matches!(prefix, "B" | "I" | "E" | "L" | "S" | "U") {
            return Err(format!(
                "{tag:?} is not a tag (O, or B-, I-, E-, L-, S-, U- a type)"
            ));
        }
        let ty = tag_type(ty).ok_or_else(|| format!("{ty:?} is not an entity type name"))?;
        let continues = matches!(prefix, "I" | "E" | "L") && open.is_some_and(|o| o.2 == ty);
        match open.as_mut() {
            Some(o) if continues => o.1 = end,
            _ => {
                entities.extend(open.take());
                open = Some((start, end, ty));
            }
        }
        if matches!(prefix, "E" | "L" | "S" | "U") {
            entities.extend(open.take());
        }
    }
    entities.extend(open);
    Ok(Sentence { text, entities })
}

/// A sentence as the model reads it: sub-word ids, their labels (`IGNORED` where none), and
/// each piece's character offsets and whether it starts a word.
struct Example {
    ids: Vec<i64>,
    labels: Vec<i64>,
    pieces: Vec<(Option<(usize, usize)>, bool)>,
}

/// Tokenizes `s` as docgraph does at run time and labels its sub-words.
fn example(
    tokenizer: &BertTokenizer,
    (cls, sep): (i64, i64),
    s: &Sentence,
    labels: &[String],
) -> Example {
    let t = tokenizer.tokenize_with_offsets(&s.text);
    let mut ids = vec![cls];
    ids.extend(tokenizer.convert_tokens_to_ids(&t.tokens));
    let pieces: Vec<(Option<(usize, usize)>, bool)> = t
        .offsets
        .iter()
        .zip(&t.masks)
        .map(|(o, m)| {
            (
                o.map(|o| (o.begin as usize, o.end as usize)),
                *m != Mask::Continuation,
            )
        })
        .collect();
    let index = |name: String| {
        labels
            .iter()
            .position(|l| *l == name)
            .map_or(0, |i| i as i64)
    };
    let mut out_labels = vec![IGNORED];
    let mut begun = std::collections::HashSet::new();
    for (offset, _) in &pieces {
        let Some((b, _)) = offset else {
            out_labels.push(IGNORED);
            continue;
        };
        let label = match s.entities.iter().find(|e| e.0 <= *b && *b < e.1) {
            Some(e) if begun.insert((e.0, e.1)) => index(format!("B-{}", e.2)),
            Some(e) => index(format!("I-{}", e.2)),
            None => 0,
        };
        out_labels.push(label);
    }
    ids.truncate(1 + MAX_PIECES);
    out_labels.truncate(1 + MAX_PIECES);
    ids.push(sep);
    out_labels.push(IGNORED);
    let mut pieces = pieces;
    pieces.truncate(MAX_PIECES);
    Example {
        ids,
        labels: out_labels,
        pieces,
    }
}

/// The token classifier as trained: BERT (no pooler) and a linear layer, with the variable
/// names the runtime reads (`bert.*`, `classifier.*`).
struct TokenNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

impl TokenNet {
    fn new(root: &nn::Path, config: &BertConfig, labels: usize) -> Self {
        TokenNet {
            bert: BertModel::new_with_optional_pooler(root / "bert", config, false),
            classifier: nn::linear(
                root / "classifier",
                config.hidden_size,
                labels as i64,
                Default::default(),
            ),
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Logits `[batch, tokens, labels]` of examples, padded with id 0.
    fn forward(&self, examples: &[&Example], train: bool) -> Tensor {
        let inputs: Vec<&[i64]> = examples.iter().map(|e| e.ids.as_slice()).collect();
        let (ids, mask) = docgraph_torch::encoder::pad(&inputs);
        self.bert
            .forward_t(Some(&ids), Some(&mask), None, None, None, None, None, train)
            .expect("input ids are given")
            .hidden_state
            .dropout(self.dropout, train)
            .apply(&self.classifier)
    }
}

/// The labels of the model: the base's when every type of the data has its `B-` and `I-`
/// there, else `O` and both of each type (the model's four first, then in order of use).
fn labels_of(base: &[String], data: &[Sentence]) -> Vec<String> {
    let mut types: Vec<EntityType> = Vec::new();
    for t in EntityType::ALL
        .into_iter()
        .chain(data.iter().flat_map(|s| s.entities.iter().map(|e| e.2)))
    {
        let used = data.iter().any(|s| s.entities.iter().any(|e| e.2 == t));
        if used && !types.contains(&t) {
            types.push(t);
        }
    }
    let needed: Vec<String> = types
        .iter()
        .flat_map(|t| [format!("B-{t}"), format!("I-{t}")])
        .collect();
    if base.iter().any(|l| l == "O") && needed.iter().all(|l| base.contains(l)) {
        return base.to_vec();
    }
    std::iter::once("O".to_string()).chain(needed).collect()
}

/// The `id2label` of a model's `config.json`, in label order.
fn config_labels(config: &serde_json::Value) -> Vec<String> {
    let Some(map) = config["id2label"].as_object() else {
        return Vec::new();
    };
    let mut labels: Vec<(usize, String)> = map
        .iter()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_string())))
        .collect();
    labels.sort();
    labels.into_iter().map(|l| l.1).collect()
}

/// Entities the pipeline would make of the model's labels for one example: its words (each
/// labelled as its first sub-word) merged as docgraph merges them.
fn decode(
    example: &Example,
    predicted: &[i64],
    labels: &[String],
) -> Vec<(usize, usize, EntityType)> {
    let mut words: Vec<TaggedWord> = Vec::new();
    for (k, (offset, starts)) in example.pieces.iter().enumerate() {
        let Some((b, e)) = *offset else { continue };
        match words.last_mut() {
            Some(w) if !starts => w.end = e,
            _ => words.push(TaggedWord {
                start: b,
                end: e,
                label: labels[predicted[k + 1] as usize].clone(),
                score: 1.0,
            }),
        }
    }
    merge_bio(&words)
        .into_iter()
        .map(|s| (s.start, s.end, s.entity_type))
        .collect()
}

/// Exact-span counts per type of the model's entities on `examples` against `gold`.
fn score(
    net: &TokenNet,
    examples: &[Example],
    gold: &[Sentence],
    (labels, batch): (&[String], usize),
) -> BTreeMap<String, Counts> {
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let lens: Vec<usize> = examples.iter().map(|e| e.ids.len()).collect();
    for b in buckets(&lens, batch) {
        let refs: Vec<&Example> = b.iter().map(|&i| &examples[i]).collect();
        let predicted = tch::no_grad(|| net.forward(&refs, false).argmax(-1, false));
        for (row, &i) in b.iter().enumerate() {
            let p = Vec::<i64>::from(&predicted.get(row as i64));
            let found: std::collections::BTreeSet<_> =
                decode(&examples[i], &p, labels).into_iter().collect();
            let truth: std::collections::BTreeSet<_> = gold[i].entities.iter().copied().collect();
            for e in &found {
                let c = counts.entry(e.2.to_string()).or_default();
                if truth.contains(e) {
                    c.tp += 1;
                } else {
                    c.fp += 1;
                }
            }
            for e in truth.difference(&found) {
                counts.entry(e.2.to_string()).or_default().fn_ += 1;
            }
        }
    }
    counts
}

/// Rows of a scores table: each type, then `micro`.
fn score_rows(counts: &BTreeMap<String, Counts>) -> Vec<ClassScore> {
    let micro = counts.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    counts
        .iter()
        .map(|(t, c)| ClassScore::of(t, c))
        .chain(std::iter::once(ClassScore::of("micro", &micro)))
        .collect()
}

/// Trains an entity model as `options` say (progress on stderr, development scores of each
/// epoch on stdout); `stop` (Ctrl-C) ends the run after the current batch, resumable.
pub fn train(options: &Options, stop: &AtomicBool) -> Result<TrainingRecord, Error> {
    tch::manual_seed(options.seed as i64);
    tch::set_num_threads(options.threads);
    let mut train = read_sentences(&options.train)?;
    let dev = match &options.dev {
        Some(dev) => read_sentences(dev)?,
        None => {
            let all = std::mem::take(&mut train);
            let (held, kept): (Vec<_>, Vec<_>) =
                all.into_iter().enumerate().partition(|(i, _)| i % 10 == 9);
            train = kept.into_iter().map(|s| s.1).collect();
            held.into_iter().map(|s| s.1).collect()
        }
    };
    let entities = |d: &[Sentence]| d.iter().map(|s| s.entities.len()).sum::<usize>();
    if train.is_empty() || dev.is_empty() || entities(&train) == 0 {
        return Err("no training or development sentences, or no entity to learn".into());
    }
    let config_path = options.base.join("config.json");
    let base_config: serde_json::Value = std::fs::read_to_string(&config_path)
        .map_err(|e| format!("{}: {e}", config_path.display()))
        .and_then(|t| {
            serde_json::from_str(&t).map_err(|e| format!("{}: {e}", config_path.display()))
        })?;
    let base_labels = config_labels(&base_config);
    let labels = labels_of(&base_labels, &train);
    let counts: BTreeMap<String, usize> = [
        ("train_sentences", train.len()),
        ("train_entities", entities(&train)),
        ("dev_sentences", dev.len()),
        ("dev_entities", entities(&dev)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    eprintln!(
        "labels {labels:?}; train: {} sentences, {} entities; dev: {} sentences, {} entities",
        counts["train_sentences"],
        counts["train_entities"],
        counts["dev_sentences"],
        counts["dev_entities"]
    );
    let vocab = options.base.join("vocab.txt");
    let tokenizer = BertTokenizer::from_file(&vocab.to_string_lossy(), true, true)
        .map_err(|e| format!("{}: {e}", vocab.display()))?;
    let ids = |t: &str| {
        use rust_tokenizers::vocab::Vocab;
        tokenizer.vocab().token_to_id(t)
    };
    let special = (ids("[CLS]"), ids("[SEP]"));
    let train_ex: Vec<Example> = train
        .iter()
        .map(|s| example(&tokenizer, special, s, &labels))
        .collect();
    let dev_ex: Vec<Example> = dev
        .iter()
        .map(|s| example(&tokenizer, special, s, &labels))
        .collect();

    let config = BertConfig::from_file(&config_path);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = TokenNet::new(&vs.root(), &config, labels.len());
    let weights = options.base.join("rust_model.ot");
    // The classifier as initialised: its rows are the base's only for labels of the same name.
    let fresh: Vec<Tensor> = ["classifier.weight", "classifier.bias"]
        .iter()
        .map(|n| vs.variables()[*n].copy())
        .collect();
    load_matching(&vs, &weights)?;
    if labels != base_labels {
        keep_known_rows(&vs, (&weights, &fresh), &base_labels, &labels)?;
    }
    eprintln!(
        "from {}; classifier rows from it: {:?}",
        options.base.display(),
        labels
            .iter()
            .filter(|l| base_labels.contains(l))
            .collect::<Vec<_>>()
    );

    let checkpoint = Checkpoint::create(&options.out)?;
    let state = start(
        &checkpoint,
        &mut vs,
        options,
        options.seed,
        |earlier: &Options| {
            options.common.goes_on_from(&earlier.common) && options.batch == earlier.batch
        },
    )?;
    let lens: Vec<usize> = train_ex.iter().map(|e| e.ids.len()).collect();
    let schedule = Schedule {
        epochs: options.epochs,
        patience: options.patience,
        lr: options.lr,
        batches: buckets(&lens, options.batch),
        stop,
    };
    let loss = |batch: &[usize]| {
        let refs: Vec<&Example> = batch.iter().map(|&i| &train_ex[i]).collect();
        let logits = net.forward(&refs, true);
        let width = logits.size()[1] as usize;
        let targets: Vec<i64> = refs
            .iter()
            .flat_map(|e| {
                let mut l = e.labels.clone();
                l.resize(width, IGNORED);
                l
            })
            .collect();
        logits
            .view([-1, labels.len() as i64])
            .cross_entropy_loss::<Tensor>(
                &Tensor::of_slice(&targets),
                None,
                tch::Reduction::Mean,
                IGNORED,
                0.0,
            )
    };
    let evaluate = || {
        let rows = score_rows(&score(&net, &dev_ex, &dev, (&labels, 2 * options.batch)));
        let micro = rows.last().map_or(0.0, |r| r.f1);
        (micro, 0.0, score_table("type", &rows))
    };
    let state = epochs(&mut vs, &checkpoint, state, schedule, loss, evaluate)?;
    let (f1, _, epoch) = state.best.expect("at least one epoch");
    let record = TrainingRecord {
        docgraph: env!("CARGO_PKG_VERSION").into(),
        options: options.clone(),
        labels: labels.clone(),
        counts,
        dev_f1_by_epoch: state.dev_f1_by_epoch,
        kept_epoch: epoch,
        dev_scores: score_rows(&score(&net, &dev_ex, &dev, (&labels, 2 * options.batch))),
        seconds: state.seconds,
    };
    save_model(options, &vs, &record)?;
    checkpoint.finish();
    eprintln!(
        "kept epoch {epoch}: development micro F1 {f1:.3}; model in {} ({:.0} s)",
        options.out.display(),
        record.seconds
    );
    Ok(record)
}

/// Starts the classifier's rows of labels the base model also has at the base's rows, the
/// others at their `fresh` initial values.
fn keep_known_rows(
    vs: &nn::VarStore,
    (weights, fresh): (&Path, &[Tensor]),
    base: &[String],
    labels: &[String],
) -> Result<(), Error> {
    let saved: std::collections::HashMap<String, Tensor> = Tensor::load_multi(weights)
        .map_err(|e| format!("{}: {e}", weights.display()))?
        .into_iter()
        .collect();
    let vars = vs.variables();
    tch::no_grad(|| {
        for (name, fresh) in ["classifier.weight", "classifier.bias"].iter().zip(fresh) {
            let (Some(from), Some(to)) = (saved.get(*name), vars.get(*name)) else {
                continue;
            };
            to.shallow_clone().copy_(fresh);
            for (i, l) in labels.iter().enumerate() {
                if let Some(j) = base.iter().position(|b| b == l) {
                    to.get(i as i64)
                        .copy_(&from.get(j as i64).to_kind(Kind::Float));
                }
            }
        }
    });
    Ok(())
}

/// Writes the model folder: weights (float16), `config.json` with the labels, the tokenizer's
/// files, `training.json` and a `README.md`.
fn save_model(options: &Options, vs: &nn::VarStore, record: &TrainingRecord) -> Result<(), Error> {
    let out = &options.out;
    save_weights(out, vs.variables().into_iter().collect())?;
    write_config(
        out,
        &options.base,
        "BertForTokenClassification",
        &record.labels,
    )?;
    let labels = &record.labels;
    for file in [
        "vocab.txt",
        "special_tokens_map.json",
        "tokenizer_config.json",
    ] {
        let from = options.base.join(file);
        if from.is_file() {
            copy_into(&from, &out.join(file))?;
        }
    }
    write_atomic(&out.join("training.json"), pretty(record).as_bytes())?;
    let o = &record.options;
    let readme = format!(
        "# Entity model (docgraph train ner)\n\nUse it with `docgraph ingest DIR -o OUT --model-dir {}`.\n\n\
         Labels: {}.\n\nTrained from `{}` on `{}` ({} sentences, {} entities); development: {} ({} sentences, {} entities). \
         At most {} epochs (patience {}), learning rate {}, batch {}, seed {}. Development micro F1 by epoch: {:?}; kept epoch {}; {:.0} s.\n\n\
         ## Development scores (exact spans)\n\n{}",
        o.out.display(),
        labels.join(", "),
        o.base.display(),
        o.train.display(),
        record.counts["train_sentences"],
        record.counts["train_entities"],
        o.dev.as_ref().map_or("every tenth training sentence".into(), |d| format!("`{}`", d.display())),
        record.counts["dev_sentences"],
        record.counts["dev_entities"],
        o.epochs,
        o.patience,
        o.lr,
        o.batch,
        o.seed,
        record.dev_f1_by_epoch,
        record.kept_epoch,
        record.seconds,
        score_table("type", &record.dev_scores),
    );
    write_atomic(&out.join("README.md"), readme.as_bytes())
}

#[doc(hidden)]
/// Reads CoNLL columns from text (for tests).
pub fn columns(text: &str) -> Result<Vec<Sentence>, String> {
    read_columns(text).map_err(|(line, e)| format!("line {line}: {e}"))
}
