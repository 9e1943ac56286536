//! The relation network as trained (rust-bert's BERT, [`RelationNet`], or the marker stream
//! over the NER model's text states, [`MarkerNet`]) against what docgraph
//! runs at inference (its own encoder, through this crate's shared library), on the passes the
//! shipped model reads (packed rows, or pairs for a pair model) of CoNLL04's development split,
//! read from `../shared/data/conll04` (or `DOCGRAPH_CONLL04`).

use std::path::PathBuf;

use docgraph::relations::eval::{gold_inputs, read_conll04_dev, GoldSentence};
use docgraph::relations::model::{read_card, ModelInput, PairEncoder, Passes, RelationClassifier};
use docgraph::runtime::{Effective, Precision};
use docgraph_torch::encoder::Encoder;
use docgraph_train::{text_states, MarkerBatch, MarkerNet, RelationNet};

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
    let card = read_card(&dir).unwrap();
    let encoder = PairEncoder::new(&dir.join("vocab.txt"), card.schema.clone()).unwrap();
    let labels = card.schema.labels();
    let dev: Vec<_> = dev_split().into_iter().take(40).collect();
    let (passes, _) = gold_inputs(&dev, &encoder, card.input);
    let inputs: Vec<&ModelInput> = passes.iter().map(|p| &p.0).collect();
    let pairs: usize = passes.iter().map(|p| p.1.len()).sum();
    assert!(pairs >= 50, "{pairs} pairs");

    let mut vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let config = BertConfig::from_file(dir.join("config.json"));
    let logits = match &card.text_encoder {
        // A marker stream: trained over the text encoder's states, computed here the way
        // training computes them.
        Some(text) => {
            // Its word embeddings hold only the markers' rows.
            let config = BertConfig {
                vocab_size: docgraph_torch::encoder::markers::MARKER_VOCABULARY,
                ..config
            };
            let net = MarkerNet::new(&vs.root(), &config, labels);
            vs.load(dir.join("rust_model.ot")).unwrap();
            let text = Encoder::load(&dir.join(text), Precision::Float32).unwrap();
            let Ok(Passes::Rows(rows)) = Passes::of(&inputs) else {
                panic!("a marker stream reads packed rows")
            };
            let states = text_states(&text, &rows, 8);
            let states: Vec<&tch::Tensor> = states.iter().collect();
            tch::no_grad(|| net.forward_t(&MarkerBatch::new(&rows, &states, labels), false))
        }
        None => {
            let net = RelationNet::new(&vs.root(), &config, labels);
            vs.load(dir.join("rust_model.ot")).unwrap();
            net.forward_inputs(&inputs, false)
        }
    };
    let training: Vec<f32> =
        tch::no_grad(|| Vec::<f32>::from(&logits.softmax(-1, tch::Kind::Float).view([-1])));
    let flat = |p: Precision| -> Vec<f32> {
        RelationClassifier::load(&dir, p)
            .unwrap()
            .score(&inputs, &[])
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
    println!("{pairs} pairs: float32 encoder vs training network, max |Δp| {max_diff:.2e}");
    assert_eq!(training.len(), float.len());
    assert!(max_diff < 1e-4, "max |Δp| {max_diff}");

    let threshold = card.threshold;
    let decisions = |v: &[f32]| -> Vec<Option<docgraph::relations::schema::Predicate>> {
        v.chunks(labels)
            .map(|c| card.schema.decide(c, threshold).map(|d| d.0))
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
