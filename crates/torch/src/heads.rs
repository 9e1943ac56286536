//! A model instance: the encoder and a linear head on top, read per token (NER: a label for
//! every token) or per pair (relations: the vectors at the two entity markers side by side).

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::{Error, Result};
use docgraph_abi::Precision;
use tch::{Kind, Tensor};

use crate::encoder::{Encoder, EncoderConfig, Weights};

/// An encoder with its linear head (one instance: use it from one thread at a time).
#[derive(Debug)]
pub struct HeadModel {
    encoder: Encoder,
    weight: Tensor,
    bias: Tensor,
    /// For a relation model that reads another model's text states: that model's encoder.
    text: Option<TextEncoder>,
}

/// The text encoder of a marker stream ([`crate::encoder::markers`]), loaded the first time a
/// row comes without its text states; the instances share one copy.
#[derive(Debug)]
struct TextEncoder {
    dir: PathBuf,
    precision: Precision,
    shared: Arc<Mutex<Option<Encoder>>>,
    own: OnceCell<Encoder>,
}

impl TextEncoder {
    fn get(&self) -> Result<&Encoder> {
        if let Some(e) = self.own.get() {
            return Ok(e);
        }
        let mut shared = self
            .shared
            .lock()
            .map_err(|_| Error::Model("the text encoder's lock was poisoned".into()))?;
        if shared.is_none() {
            *shared = Some(Encoder::load(&self.dir, self.precision)?);
        }
        let e = shared.as_ref().expect("loaded above").share();
        Ok(self.own.get_or_init(|| e))
    }

    fn share(&self) -> Self {
        TextEncoder {
            dir: self.dir.clone(),
            precision: self.precision,
            shared: self.shared.clone(),
            own: OnceCell::new(),
        }
    }
}

impl HeadModel {
    /// Loads the encoder (`bert.*`) and the head (`<head>.weight`, `<head>.bias`) from the
    /// rust-bert checkpoint in `dir`, the encoder's linear layers at `precision`.
    ///
    /// A relation model whose card (`docgraph.json`) names a `text_encoder` is a marker stream
    /// ([`crate::encoder::markers`]) reading that model's text states.
    pub fn load(dir: &Path, head: &str, precision: Precision) -> Result<Self> {
        let config = EncoderConfig::from_file(&dir.join("config.json"))?;
        let mut weights = Weights::load(&dir.join("rust_model.ot"))?;
        let text_dir = text_encoder(dir)?.map(|t| dir.join(t));
        let encoder = match &text_dir {
            Some(_) => Encoder::markers_from_weights(&mut weights, "bert", &config, precision)?,
            None => Encoder::from_weights(&mut weights, "bert", &config, precision)?,
        };
        let weight = weights.take(&format!("{head}.weight"))?;
        let bias = weights.take(&format!("{head}.bias"))?;
        Ok(HeadModel {
            encoder,
            weight,
            bias,
            text: text_dir.map(|dir| TextEncoder {
                dir,
                precision,
                shared: Arc::new(Mutex::new(None)),
                own: OnceCell::new(),
            }),
        })
    }

    /// Another instance over the same weights (see [`Encoder::share`]).
    pub fn share(&self) -> Self {
        HeadModel {
            encoder: self.encoder.share(),
            weight: self.weight.shallow_clone(),
            bias: self.bias.shallow_clone(),
            text: self.text.as_ref().map(TextEncoder::share),
        }
    }

    /// Values a token of text states: those [`HeadModel::tokens_with_states`] writes, or,
    /// for a marker stream, those it reads (layers × hidden size).
    pub fn state_width(&self) -> usize {
        self.encoder.layer_count() * self.encoder.hidden_size() as usize
    }

    /// Width of the hidden states.
    pub fn hidden_size(&self) -> i64 {
        self.encoder.hidden_size()
    }

    /// Whether the model is a marker stream, reading another model's text states.
    pub fn reads_text_states(&self) -> bool {
        self.text.is_some()
    }

    /// [`HeadModel::tokens`], and what each layer read at each position of the rows `keep`
    /// lists (`[kept, width, layers, hidden]`, bfloat16), with the seconds spent converting
    /// them.
    pub fn tokens_with_states(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        keep: &Tensor,
    ) -> (Vec<i64>, Vec<f32>, Tensor, f64) {
        tch::no_grad(|| {
            let (hidden, layers) = self.encoder.forward_layers(ids, mask);
            let (labels, scores) = self.label(&hidden);
            let started = std::time::Instant::now();
            let states = crate::encoder::text_states(&layers, keep);
            (labels, scores, states, started.elapsed().as_secs_f64())
        })
    }

    /// Label probabilities (`[pairs, labels]`, pair after pair) of pairs in packed rows read
    /// by a marker stream: `split` holds the rows' text and markers, `text` (`[rows, text,
    /// layers, hidden]`, bfloat16) the text states of the rows `given` marks; the others are
    /// computed with the text encoder. Pairs are `(row, head, tail)` with positions in the
    /// rows, each a marker's.
    pub fn marker_pairs(
        &self,
        split: &crate::encoder::markers::Split,
        (text, given): (Tensor, &[bool]),
        (row, head, tail): (&[i64], &[i64], &[i64]),
        allowed: &Tensor,
    ) -> Result<Vec<f32>> {
        let reader = self
            .text
            .as_ref()
            .ok_or_else(|| Error::Model("this model reads no text states".into()))?;
        if split.marker_ids.max().int64_value(&[]) >= self.encoder.vocabulary() {
            return Err(Error::Model(
                "a marker id beyond the marker stream's".into(),
            ));
        }
        let missing: Vec<i64> = (0..given.len() as i64)
            .filter(|&r| !given[r as usize])
            .collect();
        let text = if missing.is_empty() {
            text
        } else {
            let at = Tensor::of_slice(&missing);
            let rows = Tensor::arange(missing.len() as i64, (Kind::Int64, tch::Device::Cpu));
            let (_, states) = reader.get()?.forward_states(
                &split.text_ids.index_select(0, &at),
                &split.text_mask.index_select(0, &at),
                &rows,
            );
            text.index_copy(0, &at, &states)
        };
        let markers = split.marker_ids.numel() as i64;
        let at = |p: &[i64]| -> Result<Tensor> {
            let flat: Vec<i64> = p
                .iter()
                .zip(row)
                .map(|(&p, &r)| split.marker_at(r as usize, p))
                .collect();
            match flat.iter().all(|&i| (0..markers).contains(&i)) {
                true => Ok(Tensor::of_slice(&flat)),
                false => Err(Error::Model("a pair's position is not a marker".into())),
            }
        };
        let (head, tail) = (at(head)?, at(tail)?);
        let probs = tch::no_grad(|| {
            let h = self
                .encoder
                .forward_markers(&text, split)
                .view([markers, self.encoder.hidden_size()]);
            Tensor::cat(&[h.index_select(0, &head), h.index_select(0, &tail)], 1)
                .linear(&self.weight, Some(&self.bias))
                .masked_fill(&allowed.logical_not(), -1e4)
                .softmax(-1, Kind::Float)
        });
        Ok(Vec::<f32>::from(&probs.view([-1])))
    }

    /// Position ids the encoder knows.
    pub fn max_positions(&self) -> i64 {
        self.encoder.max_positions()
    }

    /// Labels the head can give.
    pub fn labels(&self) -> usize {
        self.weight.size()[0] as usize
    }

    /// For every token of `ids` (`[rows, width]`, `mask` 1 for real tokens), the most
    /// probable label and its probability, row after row.
    pub fn tokens(&self, ids: &Tensor, mask: &Tensor) -> (Vec<i64>, Vec<f32>) {
        tch::no_grad(|| self.label(&self.encoder.forward(ids, mask)))
    }

    /// The most probable label of each hidden state and its probability.
    fn label(&self, hidden: &Tensor) -> (Vec<i64>, Vec<f32>) {
        let probs = hidden
            .linear(&self.weight, Some(&self.bias))
            .softmax(-1, Kind::Float);
        let (best, label) = probs.max_dim(-1, false);
        (
            Vec::<i64>::from(&label.reshape(&[-1])),
            Vec::<f32>::from(&best.reshape(&[-1])),
        )
    }

    /// Label probabilities (`[pairs, labels]`, pair after pair) of pairs in rows `row` (one
    /// per pair): the head reads the vectors at `head[p]` and `tail[p]` of row `row[p]` side by
    /// side; labels where `allowed` (`[pairs, labels]`, bool) is false are masked out before
    /// the softmax. With `packing` (position ids and groups, `[rows, width]` each) the rows are
    /// packed ([`crate::encoder::packed_attention`]).
    pub fn pairs(
        &self,
        (ids, mask): (&Tensor, &Tensor),
        packing: Option<(&Tensor, &Tensor)>,
        (row, head, tail): (&Tensor, &Tensor, &Tensor),
        allowed: &Tensor,
    ) -> Result<Vec<f32>> {
        let pairs = row.size()[0];
        if allowed.size() != [pairs, self.labels() as i64] {
            return Err(Error::Model(format!(
                "pairs: {:?} allowed labels for a head of {} labels over {pairs} pairs",
                allowed.size(),
                self.labels()
            )));
        }
        let probs = tch::no_grad(|| {
            let h = match packing {
                None => self.encoder.forward(ids, mask),
                Some((positions, groups)) => self.encoder.forward_packed(
                    ids,
                    positions,
                    &crate::encoder::packed_attention(groups, mask),
                ),
            };
            let head = h.index(&[Some(row), Some(head)]);
            let tail = h.index(&[Some(row), Some(tail)]);
            Tensor::cat(&[head, tail], 1)
                .linear(&self.weight, Some(&self.bias))
                .masked_fill(&allowed.logical_not(), -1e4)
                .softmax(-1, Kind::Float)
        });
        Ok(Vec::<f32>::from(&probs.view([-1])))
    }
}

/// What the runtime reads of a relation model's card (`docgraph_abi::CARD_FILE`, written by
/// training; docgraph reads the rest): the folder of the model whose text states it reads,
/// relative to its own. Unknown fields are docgraph's.
#[derive(serde::Deserialize)]
struct Card {
    #[serde(default)]
    text_encoder: Option<String>,
}

/// The `text_encoder` of the card in `dir`; `None` without a card (an NER model).
fn text_encoder(dir: &Path) -> Result<Option<String>> {
    let path = dir.join(docgraph_abi::CARD_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let card: Card = serde_json::from_str(&text)
        .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
    Ok(card.text_encoder)
}
