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

/// The epoch loop's arithmetic and the CoNLL column reader, on plain data.
mod plain {
    use docgraph_train::run::*;

    #[test]
    fn ties_take_the_middle_threshold_and_patience_ends_a_run() {
        let (f1, t) = best_threshold(|t| if (0.4..0.61).contains(&t) { 0.8 } else { 0.5 });
        assert_eq!((f1, t), (0.8, 0.5));
        let mut s = State {
            options: (),
            epoch: 0,
            step: 0.0,
            rng: 1,
            best: None,
            dev_f1_by_epoch: vec![],
            seconds: 0.0,
        };
        assert!(goes_on(&s, 4, 2));
        s.epoch = 3;
        s.best = Some((0.5, 0.5, 1));
        assert!(!goes_on(&s, 4, 2), "two epochs without a better score");
        s.best = Some((0.5, 0.5, 2));
        assert!(goes_on(&s, 4, 2));
        s.epoch = 4;
        assert!(!goes_on(&s, 4, 9), "no epochs left");
    }

    #[test]
    fn a_seeded_shuffle_is_a_fixed_permutation() {
        let mut a: Vec<u32> = (0..20).collect();
        let mut b = a.clone();
        Rng::seeded(42).shuffle(&mut a);
        Rng::seeded(42).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..20).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn conll_columns_in_every_tagging_scheme_give_the_same_spans() {
        use docgraph::record::EntityType;
        use docgraph_train::ner::columns;
        let iob2 = "-DOCSTART- -X- O O\n\nAnn B-PER\nLee I-PER\ntook O\nZelvor B-DRUG\n. O\n";
        let iob1 = "Ann x I-PER\nLee x I-PER\ntook x O\nZelvor x I-DRUG\n. x O\n";
        let bioes = "Ann B-PER\nLee E-PER\ntook O\nZelvor S-DRUG\n. O\n\n";
        let drug = EntityType::parse("DRUG").unwrap();
        for text in [iob2, iob1, bioes] {
            let s = columns(text).unwrap();
            assert_eq!(s.len(), 1, "{text:?}");
            assert_eq!(s[0].text, "Ann Lee took Zelvor .");
            assert_eq!(s[0].entities, [(0, 7, EntityType::PER), (13, 19, drug)]);
        }
        // Two entities of one type side by side stay two where the tags say so.
        let s = columns("Ann B-PER\nBo B-PER\n").unwrap();
        assert_eq!(s[0].entities.len(), 2);
        assert!(columns("Ann\n").unwrap_err().contains("line 1"));
        assert!(columns("Ann X-PER\n").is_err());
        assert!(columns("Ann B-not a type\n").is_err());
    }
}
