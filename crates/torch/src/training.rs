//! The relation network as trained: rust-bert's BERT with a linear layer over the two entity
//! markers' vectors (see `docgraph::relations::model` for the input and the markers). Used by
//! `examples/train_relations.rs`; at run time docgraph reads the same weights with
//! [`crate::heads::HeadModel`] (checked equal in `tests/training.rs`).

use docgraph::relations::model::{EncodedPair, ModelInput, Passes};
use docgraph::relations::packed::PackedRow;
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

/// Packed rows stacked into tensors (see `docgraph::relations::packed`), padded to the
/// longest, with their pairs in row order.
#[derive(Debug)]
pub struct PackedBatch {
    ids: Tensor,
    positions: Tensor,
    attends: Tensor,
    row: Tensor,
    head: Tensor,
    tail: Tensor,
    allowed: Tensor,
}

impl PackedBatch {
    /// Stacks `rows`; the pairs come out row after row, in each row's order.
    pub fn new(rows: &[&PackedRow]) -> Self {
        let field = |f: fn(&PackedRow) -> &[i64]| {
            let inputs: Vec<&[i64]> = rows.iter().map(|r| f(r)).collect();
            crate::encoder::pad(&inputs)
        };
        let (ids, mask) = field(|r| &r.ids);
        let (positions, _) = field(|r| &r.positions);
        let (groups, _) = field(|r| &r.groups);
        let pairs: Vec<(i64, &docgraph::relations::packed::PackedPair)> = rows
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.pairs.iter().map(move |p| (i as i64, p)))
            .collect();
        let column = |f: &dyn Fn(&(i64, &docgraph::relations::packed::PackedPair)) -> i64| {
            Tensor::of_slice(&pairs.iter().map(f).collect::<Vec<_>>())
        };
        let allowed: Vec<bool> = pairs.iter().flat_map(|(_, p)| p.allowed).collect();
        PackedBatch {
            attends: crate::encoder::packed_attention(&groups, &mask),
            ids,
            positions,
            row: column(&|(r, _)| *r),
            head: column(&|(_, p)| p.head as i64),
            tail: column(&|(_, p)| p.tail as i64),
            allowed: Tensor::of_slice(&allowed).view([pairs.len() as i64, LABELS as i64]),
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

impl RelationNet {
    /// Logits `[pairs, LABELS]` of model passes (all of one kind: pairs or packed rows), their
    /// pairs in order.
    pub fn forward_inputs(&self, inputs: &[&ModelInput], train: bool) -> Tensor {
        match Passes::of(inputs).expect("one kind of input per batch") {
            Passes::Pairs(pairs) => self.forward_t(&Batch::new(&pairs), train),
            Passes::Rows(rows) => self.forward_packed(&PackedBatch::new(&rows), train),
        }
    }

    /// Logits `[pairs, LABELS]` of packed rows' pairs, row after row, with labels the pair's
    /// types do not allow pushed to -10⁴.
    pub fn forward_packed(&self, batch: &PackedBatch, train: bool) -> Tensor {
        let h = self
            .bert
            .forward_t(
                Some(&batch.ids),
                Some(&batch.attends.to_kind(Kind::Int64)),
                None,
                Some(&batch.positions),
                None,
                None,
                None,
                train,
            )
            .expect("input ids are given")
            .hidden_state;
        let head = h.index(&[Some(&batch.row), Some(&batch.head)]);
        let tail = h.index(&[Some(&batch.row), Some(&batch.tail)]);
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
