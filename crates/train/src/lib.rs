//! # docgraph-train
//!
//! The relation network as trained: rust-bert's BERT with a linear layer over the two entity
//! markers' vectors (see `docgraph::relations::model` for the input and the markers), and
//! [`relations::train`], what `docgraph train relations` runs (`src/main.rs`). At run time docgraph reads the same weights with
//! [`docgraph_torch::heads::HeadModel`] (checked equal in `tests/training.rs`).
//!
//! A crate of its own because it needs both sides: docgraph's inputs (pairs, packed rows, the
//! CoNLL04 reader) and the model runtime's encoder, which does not depend on docgraph.

#![warn(missing_docs)]

pub mod ner;
pub mod relations;
pub mod run;

use docgraph::relations::model::{EncodedPair, ModelInput, Passes};
use docgraph::relations::packed::PackedRow;
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
    /// Stacks `pairs` (padding id 0, as in BERT vocabularies) of a schema of `labels` labels.
    pub fn new(pairs: &[&EncodedPair], labels: usize) -> Self {
        let inputs: Vec<&[i64]> = pairs.iter().map(|p| p.ids.as_slice()).collect();
        let (ids, mask) = docgraph_torch::encoder::pad(&inputs);
        let rows = pairs.len() as i64;
        let allowed: Vec<bool> = pairs.iter().flat_map(|p| p.allowed.flags(labels)).collect();
        let positions = |f: fn(&EncodedPair) -> usize| {
            Tensor::of_slice(&pairs.iter().map(|p| f(p) as i64).collect::<Vec<_>>())
        };
        Batch {
            ids,
            mask,
            head: positions(|p| p.head),
            tail: positions(|p| p.tail),
            allowed: Tensor::of_slice(&allowed).view([rows, labels as i64]),
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
    /// Stacks `rows` (of a schema of `labels` labels); the pairs come out row after row, in
    /// each row's order.
    pub fn new(rows: &[&PackedRow], labels: usize) -> Self {
        let field = |f: fn(&PackedRow) -> &[i64]| {
            let inputs: Vec<&[i64]> = rows.iter().map(|r| f(r)).collect();
            docgraph_torch::encoder::pad(&inputs)
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
        let allowed: Vec<bool> = pairs
            .iter()
            .flat_map(|(_, p)| p.allowed.flags(labels))
            .collect();
        PackedBatch {
            attends: docgraph_torch::encoder::packed_attention(&groups, &mask),
            ids,
            positions,
            row: column(&|(r, _)| *r),
            head: column(&|(_, p)| p.head as i64),
            tail: column(&|(_, p)| p.tail as i64),
            allowed: Tensor::of_slice(&allowed).view([pairs.len() as i64, labels as i64]),
        }
    }
}

/// The network: BERT encoder plus a linear layer over the two markers' vectors.
pub struct RelationNet {
    bert: BertModel<BertEmbeddings>,
    classifier: nn::Linear,
    dropout: f64,
    labels: usize,
}

impl RelationNet {
    /// Builds the network's variables under `root`: the encoder under `bert` (the names a
    /// rust-bert BERT checkpoint uses, so one can be loaded into it) and the classifier under
    /// `relation_classifier`, with `labels` outputs ("no relation" and a schema's predicates).
    pub fn new(root: &nn::Path, config: &BertConfig, labels: usize) -> Self {
        let bert = BertModel::new_with_optional_pooler(root / "bert", config, false);
        let classifier = nn::linear(
            root / "relation_classifier",
            2 * config.hidden_size,
            labels as i64,
            Default::default(),
        );
        RelationNet {
            bert,
            classifier,
            dropout: config.hidden_dropout_prob,
            labels,
        }
    }

    /// Logits `[pairs, labels]`, with labels the pair's types do not allow pushed to -10⁴.
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
    /// Logits `[pairs, labels]` of model passes (all of one kind: pairs or packed rows), their
    /// pairs in order.
    pub fn forward_inputs(&self, inputs: &[&ModelInput], train: bool) -> Tensor {
        match Passes::of(inputs).expect("one kind of input per batch") {
            Passes::Pairs(pairs) => self.forward_t(&Batch::new(&pairs, self.labels), train),
            Passes::Rows(rows) => self.forward_packed(&PackedBatch::new(&rows, self.labels), train),
        }
    }

    /// Logits `[pairs, labels]` of packed rows' pairs, row after row, with labels the pair's
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

/// Packed rows for the marker network ([`MarkerNet`]): their text and pairs
/// (`docgraph_torch::encoder::markers::split`), the text states the text encoder gave their text
/// (`[text, layers, hidden]` per row, bfloat16), and each pair's head and tail marker.
#[derive(Debug)]
pub struct MarkerBatch {
    split: docgraph_torch::encoder::markers::Split,
    text: Tensor,
    head: Tensor,
    tail: Tensor,
    allowed: Tensor,
}

impl MarkerBatch {
    /// Stacks `rows` (of a schema of `labels` labels) with their text states; the pairs come
    /// out row after row.
    pub fn new(rows: &[&PackedRow], states: &[&Tensor], labels: usize) -> Self {
        let split = split_rows(rows);
        let width = split.text_ids.size()[1];
        let text: Vec<Tensor> = states
            .iter()
            .map(|s| s.constant_pad_nd(&[0, 0, 0, 0, 0, width - s.size()[0]]))
            .collect();
        let mut head = Vec::new();
        let mut tail = Vec::new();
        let mut allowed = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            for p in &r.pairs {
                head.push(split.marker_at(i, p.head as i64));
                tail.push(split.marker_at(i, p.tail as i64));
                allowed.extend(p.allowed.flags(labels));
            }
        }
        let n = head.len() as i64;
        MarkerBatch {
            split,
            text: Tensor::stack(&text, 0),
            head: Tensor::of_slice(&head),
            tail: Tensor::of_slice(&tail),
            allowed: Tensor::of_slice(&allowed).view([n, labels as i64]),
        }
    }
}

/// Packed rows (as `docgraph::relations::packed` makes them) split into text and markers.
fn split_rows(rows: &[&PackedRow]) -> docgraph_torch::encoder::markers::Split {
    let parts: Vec<(&[i64], &[i64], &[i64])> = rows
        .iter()
        .map(|r| (&r.ids[..], &r.positions[..], &r.groups[..]))
        .collect();
    docgraph_torch::encoder::markers::split(&parts).expect("packed rows")
}

/// Text states (`[text, layers, hidden]`, bfloat16) of each packed row's text, by `encoder`
/// (the NER model's), `batch` rows at a time.
pub fn text_states(
    encoder: &docgraph_torch::encoder::Encoder,
    rows: &[&PackedRow],
    batch: usize,
) -> Vec<Tensor> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(batch.max(1)) {
        let split = split_rows(chunk);
        let all = Tensor::arange(chunk.len() as i64, (Kind::Int64, Device::Cpu));
        let (_, states) = encoder.forward_states(&split.text_ids, &split.text_mask, &all);
        for (i, &t) in split.text_lens.iter().enumerate() {
            out.push(states.get(i as i64).narrow(0, 0, t).copy());
        }
    }
    out
}

struct MarkerLayer {
    query: nn::Linear,
    key: nn::Linear,
    value: nn::Linear,
    attention_out: nn::Linear,
    attention_norm: nn::LayerNorm,
    intermediate: nn::Linear,
    output: nn::Linear,
    output_norm: nn::LayerNorm,
}

/// The marker network as trained: the packed relation model's markers through their own BERT
/// layers, reading frozen text states of another encoder (the arithmetic of
/// `docgraph_torch::encoder::markers`, with dropout and gradients). Its variables carry rust-bert's
/// names, so a packed relation model's checkpoint starts it.
pub struct MarkerNet {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: nn::LayerNorm,
    layers: Vec<MarkerLayer>,
    classifier: nn::Linear,
    heads: i64,
    dropout: f64,
    attention_dropout: f64,
}

impl MarkerNet {
    /// Builds the variables under `root` (`bert.*`, `relation_classifier.*` with `labels`
    /// outputs).
    pub fn new(root: &nn::Path, config: &BertConfig, labels: usize) -> Self {
        let h = config.hidden_size;
        let bert = root / "bert";
        let emb = &bert / "embeddings";
        let norm = |p: nn::Path| {
            nn::layer_norm(
                p,
                vec![h],
                nn::LayerNormConfig {
                    eps: 1e-12,
                    ..Default::default()
                },
            )
        };
        let var = |p: nn::Path, rows: i64| p.var("weight", &[rows, h], nn::Init::Const(0.0));
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let at = &bert / "encoder" / "layer" / i;
                let lin = |p: nn::Path, i: i64, o: i64| nn::linear(p, i, o, Default::default());
                MarkerLayer {
                    query: lin(&at / "attention" / "self" / "query", h, h),
                    key: lin(&at / "attention" / "self" / "key", h, h),
                    value: lin(&at / "attention" / "self" / "value", h, h),
                    attention_out: lin(&at / "attention" / "output" / "dense", h, h),
                    attention_norm: norm(&at / "attention" / "output" / "LayerNorm"),
                    intermediate: lin(&at / "intermediate" / "dense", h, config.intermediate_size),
                    output: lin(&at / "output" / "dense", config.intermediate_size, h),
                    output_norm: norm(&at / "output" / "LayerNorm"),
                }
            })
            .collect();
        MarkerNet {
            word: var(&emb / "word_embeddings", config.vocab_size),
            position: var(&emb / "position_embeddings", config.max_position_embeddings),
            token_type: var(&emb / "token_type_embeddings", config.type_vocab_size),
            embedding_norm: norm(&emb / "LayerNorm"),
            layers,
            classifier: nn::linear(
                root / "relation_classifier",
                2 * h,
                labels as i64,
                Default::default(),
            ),
            heads: config.num_attention_heads,
            dropout: config.hidden_dropout_prob,
            attention_dropout: config.attention_probs_dropout_prob,
        }
    }

    /// Logits `[pairs, labels]`, with labels the pair's types do not allow pushed to -10⁴.
    pub fn forward_t(&self, b: &MarkerBatch, train: bool) -> Tensor {
        use docgraph_torch::encoder::markers::{attend, attention_bias};
        let split = &b.split;
        let x = Tensor::embedding(&self.word, &split.marker_ids, -1, false, false)
            + Tensor::embedding(&self.position, &split.marker_positions, -1, false, false)
            + self.token_type.get(0);
        let mut x = x.apply(&self.embedding_norm).dropout(self.dropout, train);
        let bias = attention_bias(split);
        for (l, layer) in self.layers.iter().enumerate() {
            let text = b.text.select(2, l as i64).to_kind(Kind::Float);
            let text_kv = Tensor::cat(&[text.apply(&layer.key), text.apply(&layer.value)], 2);
            let qkv = Tensor::cat(
                &[
                    x.apply(&layer.query),
                    x.apply(&layer.key),
                    x.apply(&layer.value),
                ],
                1,
            );
            let dropout = train.then_some(self.attention_dropout);
            let context = attend(&qkv, &text_kv, split, (&bias, self.heads), dropout);
            let attended = (context
                .apply(&layer.attention_out)
                .dropout(self.dropout, train)
                + &x)
                .apply(&layer.attention_norm);
            let inner = attended.apply(&layer.intermediate).gelu("none");
            x = (inner.apply(&layer.output).dropout(self.dropout, train) + attended)
                .apply(&layer.output_norm);
        }
        Tensor::cat(&[x.index_select(0, &b.head), x.index_select(0, &b.tail)], 1)
            .dropout(self.dropout, train)
            .apply(&self.classifier)
            .masked_fill(&b.allowed.logical_not(), -1e4)
    }
}

impl std::fmt::Debug for MarkerNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarkerNet").finish_non_exhaustive()
    }
}
