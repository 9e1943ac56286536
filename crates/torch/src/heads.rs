//! A model instance: the encoder and a linear head on top, read per token (NER: a label for
//! every token) or per pair (relations: the vectors at the two entity markers side by side).

use std::path::Path;

use docgraph::runtime::Precision;
use docgraph::{Error, Result};
use tch::{Kind, Tensor};

use crate::encoder::{Encoder, EncoderConfig, Weights};

/// An encoder with its linear head (one instance: use it from one thread at a time).
#[derive(Debug)]
pub struct HeadModel {
    encoder: Encoder,
    weight: Tensor,
    bias: Tensor,
}

impl HeadModel {
    /// Loads the encoder (`bert.*`) and the head (`<head>.weight`, `<head>.bias`) from the
    /// rust-bert checkpoint in `dir`, the encoder's linear layers at `precision`.
    pub fn load(dir: &Path, head: &str, precision: Precision) -> Result<Self> {
        let config = EncoderConfig::from_file(&dir.join("config.json"))?;
        let mut weights = Weights::load(&dir.join("rust_model.ot"))?;
        let encoder = Encoder::from_weights(&mut weights, "bert", &config, precision)?;
        let weight = weights.take(&format!("{head}.weight"))?;
        let bias = weights.take(&format!("{head}.bias"))?;
        Ok(HeadModel {
            encoder,
            weight,
            bias,
        })
    }

    /// Another instance over the same weights (see [`Encoder::share`]).
    pub fn share(&self) -> Self {
        HeadModel {
            encoder: self.encoder.share(),
            weight: self.weight.shallow_clone(),
            bias: self.bias.shallow_clone(),
        }
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
        tch::no_grad(|| {
            let probs = self
                .encoder
                .forward(ids, mask)
                .linear(&self.weight, Some(&self.bias))
                .softmax(-1, Kind::Float);
            let (best, label) = probs.max_dim(-1, false);
            (
                Vec::<i64>::from(&label.reshape(&[-1])),
                Vec::<f32>::from(&best.reshape(&[-1])),
            )
        })
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
