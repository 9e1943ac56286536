//! The BERT encoder both models run at inference: NER (stage 3) and relations (stage 4).
//!
//! rust-bert's `BertModel` is what the models were trained with (and what relation training
//! still uses); for inference docgraph runs the same arithmetic here, with two differences
//! that matter for speed:
//!
//! - the query, key and value projections are one matrix product, not three;
//! - with [`Precision::BFloat16`] the linear layers (nine tenths of the arithmetic) multiply
//!   in bfloat16 through oneDNN, which uses the processor's AVX-512 BF16 instructions; their
//!   inputs are rounded to bfloat16, products accumulate in float32, and everything else
//!   (embeddings, attention, layer norms, activations, the classifiers) stays float32;
//! - with [`Precision::Int8`] they multiply 8-bit integers through oneDNN's integer product
//!   (AVX-512 VNNI), with a scale per weight row and per token ([`int8`]), all but the first
//!   layer's feed-forward down-projection, which stays float32 (see `from_weights`).
//!
//! [`Precision::Auto`] is resolved before a model loads, by what `docgraph tune` measured on the
//! processor (`docgraph::runtime::tune`). Both faster precisions are held to float32's entity and
//! relation F1 (docgraph's `tests/it/relations.rs` and `tests/it/fixtures_pipeline.rs`); `float32` gives the same
//! outputs on every processor.
//!
//! Weights are read from the rust-bert checkpoint (`rust_model.ot`, float32 or float16) by the
//! names rust-bert gives them, so the same file serves both.
//!
//! The NER pass can also hand on what each layer read ([`Encoder::forward_layers`],
//! [`text_states`]): the relation model's marker stream ([`markers`]) reads the sentence from
//! them instead of encoding it again.

use std::collections::HashMap;
use std::path::Path;

use crate::{Error, Result};
use docgraph_abi::Precision;
use serde::Deserialize;
use tch::{Kind, Tensor};

pub mod int8;
pub mod markers;

/// A linear layer `y = x Wᵀ + b`, in one of the precisions.
pub(crate) enum Linear {
    Float32 {
        weight: Tensor,
        bias: Tensor,
    },
    /// Inputs are rounded to bfloat16 first, the result read back as float32.
    BFloat16 {
        weight: Tensor,
        bias: Tensor,
    },
    Int8(int8::Int8Linear),
}

impl Linear {
    fn new(weight: Tensor, bias: Tensor, precision: Precision) -> Result<Self> {
        Ok(match precision.by_flags() {
            Precision::BFloat16 => Linear::BFloat16 {
                weight: weight.to_kind(Kind::BFloat16),
                bias: bias.to_kind(Kind::BFloat16),
            },
            Precision::Int8 => Linear::Int8(int8::Int8Linear::new(&weight, &bias)?),
            _ => Linear::Float32 { weight, bias },
        })
    }

    /// The same layer over the same weights (no copy).
    fn share(&self) -> Self {
        match self {
            Linear::Float32 { weight, bias } => Linear::Float32 {
                weight: weight.shallow_clone(),
                bias: bias.shallow_clone(),
            },
            Linear::BFloat16 { weight, bias } => Linear::BFloat16 {
                weight: weight.shallow_clone(),
                bias: bias.shallow_clone(),
            },
            Linear::Int8(layer) => Linear::Int8(layer.share()),
        }
    }

    /// Applies the layer to `x` (`[…, in]`, float32); the result is float32.
    pub(crate) fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Linear::Float32 { weight, bias } => x.linear(weight, Some(bias)),
            Linear::BFloat16 { weight, bias } => x
                .to_kind(Kind::BFloat16)
                .linear(weight, Some(bias))
                .to_kind(Kind::Float),
            Linear::Int8(layer) => layer.forward(x),
        }
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn share(&self) -> Self {
        LayerNorm {
            weight: self.weight.shallow_clone(),
            bias: self.bias.shallow_clone(),
            eps: self.eps,
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let width = *x.size().last().expect("at least one dimension");
        x.layer_norm(
            &[width],
            Some(&self.weight),
            Some(&self.bias),
            self.eps,
            false,
        )
    }
}

struct Layer {
    qkv: Linear,
    /// The key and value projections alone, for text states another model computed (a
    /// marker stream's layers, see [`markers`]); `None` in a plain encoder.
    kv: Option<Linear>,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// The shape of the encoder, from the model's `config.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct EncoderConfig {
    /// Width of the hidden states.
    pub hidden_size: i64,
    /// Attention heads per layer.
    pub num_attention_heads: i64,
    /// Layers.
    pub num_hidden_layers: usize,
    /// Layer-norm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    /// Activation of the feed-forward layers (`gelu` and `relu` are supported).
    #[serde(default = "default_act")]
    pub hidden_act: String,
}

fn default_eps() -> f64 {
    1e-12
}

fn default_act() -> String {
    "gelu".into()
}

impl EncoderConfig {
    /// Reads `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }
}

/// The weights of a checkpoint, by name, as float32.
pub(crate) struct Weights {
    tensors: HashMap<String, Tensor>,
    path: String,
}

impl Weights {
    /// Reads every tensor of a rust-bert checkpoint.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let tensors = Tensor::load_multi(path)
            .map_err(|e| Error::Model(format!("loading {}: {e}", path.display())))?;
        Ok(Weights {
            tensors: tensors
                .into_iter()
                .map(|(n, t)| (n, t.to_kind(Kind::Float)))
                .collect(),
            path: path.display().to_string(),
        })
    }

    /// The tensor called `name`.
    pub(crate) fn take(&mut self, name: &str) -> Result<Tensor> {
        self.tensors
            .remove(name)
            .ok_or_else(|| Error::Model(format!("{}: no tensor named {name}", self.path)))
    }
}

/// A BERT encoder ready for inference (one instance: use it from one thread at a time).
pub struct Encoder {
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    gelu: bool,
    precision: Precision,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("layers", &self.layers.len())
            .field("heads", &self.heads)
            .field("precision", &self.precision)
            .finish()
    }
}

impl Encoder {
    /// Builds the encoder from the tensors under `prefix` (e.g. `bert`) of `weights`.
    pub(crate) fn from_weights(
        weights: &mut Weights,
        prefix: &str,
        config: &EncoderConfig,
        precision: Precision,
    ) -> Result<Self> {
        Self::build(weights, prefix, config, precision, false)
    }

    /// [`Encoder::from_weights`]; with `text_kv` each layer also keeps its key and value
    /// projections apart, to read text states another encoder made ([`markers`]).
    fn build(
        weights: &mut Weights,
        prefix: &str,
        config: &EncoderConfig,
        precision: Precision,
        text_kv: bool,
    ) -> Result<Self> {
        let precision = precision.by_flags();
        let gelu = match config.hidden_act.as_str() {
            "gelu" => true,
            "relu" => false,
            other => {
                return Err(Error::Model(format!(
                    "{}: activation {other:?} is not supported (gelu, relu)",
                    weights.path
                )))
            }
        };
        let mut w = |name: &str| weights.take(&format!("{prefix}.{name}"));
        let norm = |w: &mut dyn FnMut(&str) -> Result<Tensor>, at: &str| -> Result<LayerNorm> {
            Ok(LayerNorm {
                weight: w(&format!("{at}.weight"))?,
                bias: w(&format!("{at}.bias"))?,
                eps: config.layer_norm_eps,
            })
        };
        let word_embeddings = w("embeddings.word_embeddings.weight")?;
        let position_embeddings = w("embeddings.position_embeddings.weight")?;
        // docgraph never passes segment ids: every token is of segment 0.
        let token_type = w("embeddings.token_type_embeddings.weight")?.get(0);
        let embedding_norm = norm(&mut w, "embeddings.LayerNorm")?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let at = format!("encoder.layer.{i}");
            // Under int8 the first layer's feed-forward down-projection stays float32: of all
            // the layers it alone moved the relation model's CoNLL04 development F1 (0.798 at
            // float32, 0.791 all int8, 0.797 with this one layer float32), for about 5% of the
            // models' time on news text.
            let down_precision = match precision {
                Precision::Int8 if i == 0 => Precision::Float32,
                p => p,
            };
            let linear = |w: &mut dyn FnMut(&str) -> Result<Tensor>,
                          name: &str|
             -> Result<(Tensor, Tensor)> {
                Ok((
                    w(&format!("{at}.{name}.weight"))?,
                    w(&format!("{at}.{name}.bias"))?,
                ))
            };
            let (q, qb) = linear(&mut w, "attention.self.query")?;
            let (k, kb) = linear(&mut w, "attention.self.key")?;
            let (v, vb) = linear(&mut w, "attention.self.value")?;
            let kv = match text_kv {
                true => Some(Linear::new(
                    Tensor::cat(&[&k, &v], 0),
                    Tensor::cat(&[&kb, &vb], 0),
                    precision,
                )?),
                false => None,
            };
            let qkv = Linear::new(
                Tensor::cat(&[q, k, v], 0),
                Tensor::cat(&[qb, kb, vb], 0),
                precision,
            )?;
            let (ao, aob) = linear(&mut w, "attention.output.dense")?;
            let (it, itb) = linear(&mut w, "intermediate.dense")?;
            let (o, ob) = linear(&mut w, "output.dense")?;
            layers.push(Layer {
                qkv,
                kv,
                attention_out: Linear::new(ao, aob, precision)?,
                attention_norm: norm(&mut w, &format!("{at}.attention.output.LayerNorm"))?,
                intermediate: Linear::new(it, itb, precision)?,
                output: Linear::new(o, ob, down_precision)?,
                output_norm: norm(&mut w, &format!("{at}.output.LayerNorm"))?,
            });
        }
        Ok(Encoder {
            word_embeddings,
            position_embeddings,
            token_type,
            embedding_norm,
            layers,
            heads: config.num_attention_heads,
            gelu,
            precision,
        })
    }

    /// The encoder (`bert.*`) of the model folder `dir`, its linear layers at `precision`.
    pub fn load(dir: &Path, precision: Precision) -> Result<Self> {
        let config = EncoderConfig::from_file(&dir.join("config.json"))?;
        let mut weights = Weights::load(&dir.join("rust_model.ot"))?;
        Encoder::from_weights(&mut weights, "bert", &config, precision)
    }

    /// Another instance over the same weights: nothing is copied, so `N` instances hold
    /// one set of weights. The weights are only read, so instances may run at the same time
    /// on different threads.
    pub fn share(&self) -> Self {
        Encoder {
            word_embeddings: self.word_embeddings.shallow_clone(),
            position_embeddings: self.position_embeddings.shallow_clone(),
            token_type: self.token_type.shallow_clone(),
            embedding_norm: self.embedding_norm.share(),
            layers: self
                .layers
                .iter()
                .map(|l| Layer {
                    qkv: l.qkv.share(),
                    kv: l.kv.as_ref().map(Linear::share),
                    attention_out: l.attention_out.share(),
                    attention_norm: l.attention_norm.share(),
                    intermediate: l.intermediate.share(),
                    output: l.output.share(),
                    output_norm: l.output_norm.share(),
                })
                .collect(),
            heads: self.heads,
            gelu: self.gelu,
            precision: self.precision,
        }
    }

    /// Position ids the encoder knows (its position embeddings).
    pub fn max_positions(&self) -> i64 {
        self.position_embeddings.size()[0]
    }

    /// The precision the linear layers run in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Hidden states `[batch, tokens, hidden]` of `ids` (`[batch, tokens]`, int64), where
    /// `mask` (same shape) is 1 for real tokens and 0 for padding.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Tensor {
        let (batch, len) = ids.size2().expect("ids are [batch, tokens]");
        let x = Tensor::embedding(&self.word_embeddings, ids, -1, false, false)
            + self.position_embeddings.narrow(0, 0, len);
        // Padding gets a large negative score before the softmax, as in BERT.
        let bias = (mask.to_kind(Kind::Float).view([batch, 1, 1, len]) - 1.0) * 10000.0;
        self.layers(x, &bias)
    }

    /// Hidden states of packed rows (`docgraph::relations::packed`): `positions` gives each
    /// token's position id, and `attends` (`[batch, tokens, tokens]`, bool, see
    /// [`packed_attention`]) which tokens each token may attend to.
    pub fn forward_packed(&self, ids: &Tensor, positions: &Tensor, attends: &Tensor) -> Tensor {
        let (batch, len) = ids.size2().expect("ids are [batch, tokens]");
        let x = Tensor::embedding(&self.word_embeddings, ids, -1, false, false)
            + Tensor::embedding(&self.position_embeddings, positions, -1, false, false);
        let bias = (attends.to_kind(Kind::Float).view([batch, 1, len, len]) - 1.0) * 10000.0;
        self.layers(x, &bias)
    }

    /// Hidden states `[batch, tokens, hidden]` of `ids` as [`Encoder::forward`] gives them,
    /// and what each layer read in the rows `keep` lists (see [`text_states`]).
    pub fn forward_states(&self, ids: &Tensor, mask: &Tensor, keep: &Tensor) -> (Tensor, Tensor) {
        let (hidden, layers) = self.forward_layers(ids, mask);
        (hidden, text_states(&layers, keep))
    }

    /// Hidden states `[batch, tokens, hidden]` of `ids` as [`Encoder::forward`] gives them,
    /// and what each layer read (`[batch, tokens, hidden]` each; kept by reference as the
    /// layers run, so they cost nothing until [`text_states`] converts them).
    pub fn forward_layers(&self, ids: &Tensor, mask: &Tensor) -> (Tensor, Vec<Tensor>) {
        let (batch, len) = ids.size2().expect("ids are [batch, tokens]");
        let x = Tensor::embedding(&self.word_embeddings, ids, -1, false, false)
            + self.position_embeddings.narrow(0, 0, len);
        let bias = (mask.to_kind(Kind::Float).view([batch, 1, 1, len]) - 1.0) * 10000.0;
        let mut layers = Vec::with_capacity(self.layers.len());
        let hidden = self.run_layers(x, &bias, Some(&mut layers));
        (hidden, layers)
    }

    /// The layers over embeddings `x` (before the embeddings' layer norm), with `bias` added to
    /// every attention score.
    fn layers(&self, x: Tensor, bias: &Tensor) -> Tensor {
        self.run_layers(x, bias, None)
    }

    /// [`Encoder::layers`], keeping each layer's input in `states` when asked.
    fn run_layers(&self, x: Tensor, bias: &Tensor, mut states: Option<&mut Vec<Tensor>>) -> Tensor {
        tch::no_grad(|| {
            let (batch, len, _) = x.size3().expect("x is [batch, tokens, hidden]");
            let mut x = self.embedding_norm.forward(&(x + &self.token_type));
            let hidden = *x.size().last().expect("hidden size");
            let head_dim = hidden / self.heads;
            let scale = 1.0 / (head_dim as f64).sqrt();
            for layer in &self.layers {
                if let Some(states) = states.as_mut() {
                    states.push(x.shallow_clone());
                }
                let qkv = layer
                    .qkv
                    .forward(&x)
                    .view([batch, len, 3, self.heads, head_dim])
                    .permute(&[2, 0, 3, 1, 4]);
                let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
                let scores = (q * scale).matmul(&k.transpose(-1, -2)) + bias;
                let context = scores
                    .softmax(-1, Kind::Float)
                    .matmul(&v)
                    .permute(&[0, 2, 1, 3])
                    .reshape(&[batch, len, hidden]);
                x = layer.finish(&context, &x, self.gelu);
            }
            x
        })
    }
}

impl Layer {
    /// What follows the attention: its output projection and layer norm over the residual
    /// `x`, then the feed-forward block with its own.
    fn finish(&self, context: &Tensor, x: &Tensor, gelu: bool) -> Tensor {
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(context) + x));
        let inner = self.intermediate.forward(&attended);
        let inner = if gelu {
            inner.gelu("none")
        } else {
            inner.relu()
        };
        self.output_norm
            .forward(&(self.output.forward(&inner) + attended))
    }
}

/// Text states of the rows `keep` lists from what each layer read (`layers`, from
/// [`Encoder::forward_layers`]): `[kept, tokens, layers, hidden]`, rounded to bfloat16, the
/// form a marker stream reads ([`markers`]) and docgraph keeps.
pub fn text_states(layers: &[Tensor], keep: &Tensor) -> Tensor {
    tch::no_grad(|| {
        let kept: Vec<Tensor> = layers
            .iter()
            .map(|s| s.index_select(0, keep).to_kind(Kind::BFloat16))
            .collect();
        Tensor::stack(&kept, 2)
    })
}

/// Which token of a packed row may attend to which (`[rows, width, width]`, bool), from each
/// token's group (`[rows, width]`: 0 for text, a pair's own number for its markers) and the
/// padding mask: a token sees the text of its row and the tokens of its own group, never
/// padding (see `docgraph::relations::packed`).
pub fn packed_attention(groups: &Tensor, mask: &Tensor) -> Tensor {
    let same = groups.unsqueeze(2).eq_tensor(&groups.unsqueeze(1));
    let text = groups.eq(0).unsqueeze(1);
    same.logical_or(&text).logical_and(&mask.ne(0).unsqueeze(1))
}

/// Token ids and attention mask (`[rows, width]` each) of `inputs` padded to the longest
/// (padding id 0, as in BERT vocabularies).
pub fn pad(inputs: &[&[i64]]) -> (Tensor, Tensor) {
    let p = docgraph_abi::pad(inputs);
    tensors(&p.ids, &p.lens, p.width)
}

/// Token ids and attention mask (`[rows, width]` each) of padded rows: `ids` row after row,
/// `lens` the real tokens of each.
pub fn tensors(ids: &[i64], lens: &[i64], width: usize) -> (Tensor, Tensor) {
    let mask: Vec<i64> = lens
        .iter()
        .flat_map(|&n| (0..width as i64).map(move |k| i64::from(k < n)))
        .collect();
    let rows = lens.len() as i64;
    (
        Tensor::of_slice(ids).view([rows, width as i64]),
        Tensor::of_slice(&mask).view([rows, width as i64]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_marks_real_tokens() {
        let (ids, mask) = pad(&[&[101, 7, 102], &[101, 102]]);
        assert_eq!(
            Vec::<i64>::from(&ids.view([-1])),
            [101, 7, 102, 101, 102, 0]
        );
        assert_eq!(Vec::<i64>::from(&mask.view([-1])), [1, 1, 1, 1, 1, 0]);
    }
}
