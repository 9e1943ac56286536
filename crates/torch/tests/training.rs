//! The relation network as trained (rust-bert's BERT, [`RelationNet`]) against what docgraph
//! runs at inference (its own encoder, through this crate's shared library), on real pairs of
//! CoNLL04's development split, read from `../shared/data/conll04` (or `DOCGRAPH_CONLL04`).

use std::path::PathBuf;

use docgraph::relations::eval::{read_conll04_dev, GoldSentence};
use docgraph::relations::model::{decide, read_card, EncodedPair, PairEncoder, RelationClassifier};
use docgraph::runtime::Precision;
use docgraph_torch::training::{Batch, RelationNet};

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dev_split() -> Vec<GoldSentence> {
    read_conll04_dev(&root()).unwrap_or_else(|e| panic!("{e}"))
}

fn model_dir() -> PathBuf {
    root().join(docgraph::relations::DEFAULT_MODEL_SUBDIR)
}

/// docgraph's inference encoder at float32 computes what the training network (rust-bert's
/// BERT, `RelationNet`) computes, on real pairs of the development split; at the default
/// precision the decisions stay the same for nearly every pair.
#[test]
fn inference_encoder_matches_the_training_network() {
    use rust_bert::bert::BertConfig;
    use rust_bert::Config as _;

    let dir = model_dir();
    let encoder = PairEncoder::from_vocab(&dir.join("vocab.txt")).unwrap();
    let mut pairs: Vec<EncodedPair> = Vec::new();
    for s in dev_split().iter().take(40) {
        for (h, t) in s.candidate_pairs() {
            let (head, tail) = (s.marked(h).unwrap(), s.marked(t).unwrap());
            pairs.extend(encoder.encode(&s.text, head, tail));
        }
    }
    assert!(pairs.len() >= 50, "{} pairs", pairs.len());
    let inputs: Vec<&EncodedPair> = pairs.iter().collect();

    let mut vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let net = RelationNet::new(&vs.root(), &BertConfig::from_file(dir.join("config.json")));
    vs.load(dir.join("rust_model.ot")).unwrap();
    let training: Vec<f32> = tch::no_grad(|| {
        let probs = net
            .forward_t(&Batch::new(&inputs), false)
            .softmax(-1, tch::Kind::Float);
        Vec::<f32>::from(&probs.view([-1]))
    });
    let flat = |p: Precision| -> Vec<f32> {
        RelationClassifier::load(&dir, p)
            .unwrap()
            .probabilities(&inputs)
            .unwrap()
            .into_iter()
            .flatten()
            .collect()
    };
    let float = flat(Precision::Float32);
    let max_diff = training
        .iter()
        .zip(&float)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    println!(
        "{} pairs: float32 encoder vs training network, max |Δp| {max_diff:.2e}",
        pairs.len()
    );
    assert!(max_diff < 1e-4, "max |Δp| {max_diff}");

    let threshold = read_card(&dir).unwrap().threshold;
    let decisions = |v: &[f32]| -> Vec<Option<docgraph::relations::schema::Predicate>> {
        v.chunks(docgraph::relations::schema::LABELS)
            .map(|c| decide(c.try_into().unwrap(), threshold).map(|d| d.0))
            .collect()
    };
    let default = flat(Precision::Auto);
    let (a, b) = (decisions(&float), decisions(&default));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    println!(
        "default precision ({}): {same}/{} decisions as float32",
        Precision::Auto.effective().name(),
        a.len()
    );
    assert!(same * 100 >= a.len() * 98, "{same}/{}", a.len());
}
