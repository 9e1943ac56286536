//! A model instance: the encoder and a linear head on top, read per token (NER: a label for
//! every token) or per pair (relations: the vectors at the two entity markers side by side).

use std::path::Path;

use docgraph::runtime::Precision;
use docgraph::{Error, Result};
use tch::{Device, Kind, Tensor};

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

    /// Label probabilities (`[rows, labels]`, row after row) of each row's pair: the head
    /// reads the vectors at `head[r]` and `tail[r]` side by side; labels where `allowed`
    /// (`[rows, labels]`, bool) is false are masked out before the softmax.
    pub fn pairs(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        head: &Tensor,
        tail: &Tensor,
        allowed: &Tensor,
    ) -> Result<Vec<f32>> {
        let rows = ids.size()[0];
        if allowed.size() != [rows, self.labels() as i64] {
            return Err(Error::Model(format!(
                "pairs: {:?} allowed labels for a head of {} labels over {rows} rows",
                allowed.size(),
                self.labels()
            )));
        }
        let probs = tch::no_grad(|| {
            let h = self.encoder.forward(ids, mask);
            let r = Tensor::arange(rows, (Kind::Int64, Device::Cpu));
            let head = h.index(&[Some(&r), Some(head)]);
            let tail = h.index(&[Some(&r), Some(tail)]);
            Tensor::cat(&[head, tail], 1)
                .linear(&self.weight, Some(&self.bias))
                .masked_fill(&allowed.logical_not(), -1e4)
                .softmax(-1, Kind::Float)
        });
        Ok(Vec::<f32>::from(&probs.view([-1])))
    }
}
