//! The relation network as trained: rust-bert's BERT with a linear layer over the two entity
//! markers' vectors (see `docgraph::relations::model` for the input and the markers). Used by
//! `examples/train_relations.rs`; at run time docgraph reads the same weights with
//! [`crate::heads::HeadModel`] (checked equal in `tests/training.rs`).

use docgraph::relations::model::EncodedPair;
use docgraph::relations::schema::LABELS;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{nn, Device, Kind, Tensor};

/// Pairs stacked into tensors, padded to the longest.
#[derive(Debug)]
pub struct Batch {
    ids: Tensor,
    mask: Tensor,
    head: Tensor,
    tail: Tensor,
    allowed: Tensor,
}

impl Batch {
    /// Stacks `pairs` (padding id 0, as in BERT vocabularies).
    pub fn new(pairs: &[&EncodedPair]) -> Self {
        let inputs: Vec<&[i64]> = pairs.iter().map(|p| p.ids.as_slice()).collect();
        let (ids, mask) = crate::encoder::pad(&inputs);
        let rows = pairs.len() as i64;
        let allowed: Vec<bool> = pairs.iter().flat_map(|p| p.allowed).collect();
        let positions = |f: fn(&EncodedPair) -> usize| {
            Tensor::of_slice(&pairs.iter().map(|p| f(p) as i64).collect::<Vec<_>>())
        };
        Batch {
            ids,
            mask,
            head: positions(|p| p.head),
            tail: positions(|p| p.tail),
            allowed: Tensor::of_slice(&allowed).view([rows, LABELS as i64]),
        }
    }
}

/// The network: BERT encoder plus a linear layer over the two markers' vectors.
pub struct RelationNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
}

impl RelationNet {
    /// Builds the network's variables under `root`: the encoder under `bert` (the names a
    /// rust-bert BERT checkpoint uses, so one can be loaded into it) and the classifier under
    /// `relation_classifier`.
    pub fn new(root: &nn::Path, config: &BertConfig) -> Self {
        let bert = BertModel::new_with_optional_pooler(root / "bert", config, false);
        let classifier = nn::linear(
            root / "relation_classifier",
            2 * config.hidden_size,
            LABELS as i64,
            Default::default(),
        );
        RelationNet {
            bert,
            classifier,
            dropout: config.hidden_dropout_prob,
        }
    }

    /// Logits `[pairs, LABELS]`, with labels the pair's types do not allow pushed to -10⁴.
    pub fn forward_t(&self, batch: &Batch, train: bool) -> Tensor {
        let out = self
            .bert
            .forward_t(
                Some(&batch.ids),
                Some(&batch.mask),
                None,
                None,
                None,
                None,
                None,
                train,
            )
            .expect("input ids are given");
        let rows = Tensor::arange(batch.ids.size()[0], (Kind::Int64, Device::Cpu));
        let h = out.hidden_state;
        let head = h.index(&[Some(&rows), Some(&batch.head)]);
        let tail = h.index(&[Some(&rows), Some(&batch.tail)]);
        let pair = Tensor::cat(&[head, tail], 1).dropout(self.dropout, train);
        pair.apply(&self.classifier)
            .masked_fill(&batch.allowed.logical_not(), -1e4)
    }
}

impl std::fmt::Debug for RelationNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelationNet").finish_non_exhaustive()
    }
}
