//! The relation classifier: a BERT encoder reads a sentence in which the two entities of a
//! candidate pair are wrapped in typed markers, and a linear layer classifies the pair from the
//! encoder's vectors at the two opening markers.
//!
//! ```text
//!   [CLS] @ * person * Ann Lee @ works for # ^ organization ^ Acme # . [SEP]
//!         └─ head marker                   └─ tail marker     → [h_head ; h_tail] → 6 labels
//! ```
//!
//! The same [`PairEncoder`] prepares training pairs (`scripts/train_relations.sh`) and the pairs
//! docgraph scores at run time, so what the model saw in training is exactly what it sees here.
//! Labels a pair's types do not allow are masked out of the logits, in training and inference.

use std::path::Path;

use rust_tokenizers::tokenizer::{BertTokenizer, Tokenizer};
use serde::{Deserialize, Serialize};

use super::schema::{allowed_labels, Predicate, LABELS};
use crate::error::{Error, Result};
use crate::record::EntityType;
use crate::runtime::plugin::Model;
use crate::runtime::Precision;

/// Longest input given to the model, in sub-word tokens (markers and `[CLS]`/`[SEP]` included).
/// Context beyond it is cut evenly on both sides of the pair.
pub const MAX_TOKENS: usize = 256;

/// Name of the file, beside the weights, that holds the decision threshold and dev scores.
pub const CARD_FILE: &str = "docgraph.json";

/// One entity of a pair: a character span of the sentence and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marked {
    /// First character, inclusive.
    pub start: usize,
    /// Last character, exclusive.
    pub end: usize,
    /// Entity type (written into the marker).
    pub entity_type: EntityType,
}

/// A candidate pair ready for the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPair {
    /// Token ids, `[CLS] … [SEP]`.
    pub ids: Vec<i64>,
    /// Position of the head's opening marker.
    pub head: usize,
    /// Position of the tail's opening marker.
    pub tail: usize,
    /// Labels the pair's types allow.
    pub allowed: [bool; LABELS],
}

/// Turns a sentence and a pair of entity spans into model input.
pub struct PairEncoder {
    tokenizer: BertTokenizer,
    cls: i64,
    sep: i64,
}

impl std::fmt::Debug for PairEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairEncoder").finish_non_exhaustive()
    }
}

fn type_word(t: EntityType) -> &'static str {
    match t {
        EntityType::PER => "person",
        EntityType::ORG => "organization",
        EntityType::LOC => "location",
        EntityType::MISC => "miscellaneous",
    }
}

impl PairEncoder {
    /// An encoder over the (uncased) BERT vocabulary in `vocab`.
    pub fn from_vocab(vocab: &Path) -> Result<Self> {
        let (tokenizer, cls, sep) = crate::runtime::uncased_tokenizer(vocab)?;
        Ok(PairEncoder {
            tokenizer,
            cls,
            sep,
        })
    }

    fn ids(&self, text: &str) -> Vec<i64> {
        let tokens = self.tokenizer.tokenize(text);
        self.tokenizer.convert_tokens_to_ids(&tokens)
    }

    /// Encodes `text` with `head` and `tail` marked. `None` when the spans overlap, lie outside
    /// the text, or the stretch from one to the other does not fit [`MAX_TOKENS`].
    pub fn encode(&self, text: &str, head: Marked, tail: Marked) -> Option<EncodedPair> {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len();
        let valid = |m: &Marked| m.start < m.end && m.end <= n;
        if !valid(&head) || !valid(&tail) || (head.start < tail.end && tail.start < head.end) {
            return None;
        }
        let slice = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        let (first, second, head_first) = if head.start < tail.start {
            (head, tail, true)
        } else {
            (tail, head, false)
        };
        let open = |m: &Marked, is_head: bool| {
            let (a, b) = if is_head { ('@', '*') } else { ('#', '^') };
            self.ids(&format!("{a} {b} {} {b}", type_word(m.entity_type)))
        };
        let close = |is_head: bool| self.ids(if is_head { "@" } else { "#" });

        let before = self.ids(&slice(0, first.start));
        let mut body = open(&first, head_first);
        body.extend(self.ids(&slice(first.start, first.end)));
        body.extend(close(head_first));
        body.extend(self.ids(&slice(first.end, second.start)));
        let second_at = body.len();
        body.extend(open(&second, !head_first));
        body.extend(self.ids(&slice(second.start, second.end)));
        body.extend(close(!head_first));
        let after = self.ids(&slice(second.end, n));

        if body.len() + 2 > MAX_TOKENS {
            return None;
        }
        let budget = MAX_TOKENS - 2 - body.len();
        let left = before
            .len()
            .min((budget / 2).max(budget.saturating_sub(after.len())));
        let right = after.len().min(budget - left);
        let mut ids = Vec::with_capacity(2 + left + body.len() + right);
        ids.push(self.cls);
        ids.extend_from_slice(&before[before.len() - left..]);
        ids.extend_from_slice(&body);
        ids.extend_from_slice(&after[..right]);
        ids.push(self.sep);
        let (first_pos, second_pos) = (1 + left, 1 + left + second_at);
        let (head_pos, tail_pos) = if head_first {
            (first_pos, second_pos)
        } else {
            (second_pos, first_pos)
        };
        Some(EncodedPair {
            ids,
            head: head_pos,
            tail: tail_pos,
            allowed: allowed_labels(head.entity_type, tail.entity_type),
        })
    }
}

/// What `docgraph.json` beside the weights says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    /// Minimum probability of the best predicate for a pair to be related.
    pub threshold: f32,
    /// Micro F1 on the development split with gold entities, at `threshold`.
    #[serde(default)]
    pub dev_micro_f1: Option<f64>,
}

/// A loaded relation classifier for inference (one instance: use it from one thread at a
/// time): the encoder and the linear layer over the two markers' vectors, with the weights
/// `docgraph_torch::training::RelationNet` was trained with, run by the model runtime
/// ([`crate::runtime`]).
#[derive(Debug)]
pub struct RelationClassifier {
    model: Model,
}

/// Name of the linear layer over the two markers' vectors in the weights file.
pub const HEAD: &str = "relation_classifier";

/// The files a relation model folder must hold.
pub const MODEL_FILES: [&str; 4] = ["rust_model.ot", "config.json", "vocab.txt", CARD_FILE];

/// Checks that `dir` holds a relation model, naming the first missing file.
pub fn check_model_dir(dir: &Path) -> Result<()> {
    Error::require_model_files(dir, &MODEL_FILES, "relation model", "--relation-model-dir")
}

/// Reads the model card in `dir`.
pub fn read_card(dir: &Path) -> Result<ModelCard> {
    let path = dir.join(CARD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Model(format!("{}: {e}", path.display())))
}

impl RelationClassifier {
    /// Loads the weights in `dir` (float16 or float32 on disk; float32 in memory), the
    /// encoder's linear layers to run at `precision`.
    pub fn load(dir: &Path, precision: Precision) -> Result<Self> {
        check_model_dir(dir)?;
        Ok(RelationClassifier {
            model: Model::load(dir, HEAD, precision)?,
        })
    }

    /// Another instance over the same weights (nothing is copied).
    pub fn share(&self) -> Result<Self> {
        Ok(RelationClassifier {
            model: self.model.share()?,
        })
    }

    /// Label probabilities for each pair (`[no relation, Work_For, Kill, …]`).
    pub fn probabilities(&self, pairs: &[&EncodedPair]) -> Result<Vec<[f32; LABELS]>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&[i64]> = pairs.iter().map(|p| p.ids.as_slice()).collect();
        let at = |f: fn(&EncodedPair) -> usize| pairs.iter().map(|p| f(p) as i64).collect();
        let (head, tail): (Vec<i64>, Vec<i64>) = (at(|p| p.head), at(|p| p.tail));
        let allowed: Vec<[bool; LABELS]> = pairs.iter().map(|p| p.allowed).collect();
        self.model.pairs(&ids, &head, &tail, &allowed)
    }
}

/// The predicate a pair is given: the most probable predicate, when its probability reaches
/// `threshold`.
pub fn decide(probabilities: &[f32; LABELS], threshold: f32) -> Option<(Predicate, f32)> {
    (1..LABELS)
        .map(|l| (l, probabilities[l]))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .filter(|(_, p)| *p >= threshold)
        .and_then(|(l, p)| Predicate::from_label(l).map(|pred| (pred, p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_predicate_wins_only_above_the_threshold() {
        let p = [0.5, 0.4, 0.0, 0.1, 0.0, 0.0];
        assert_eq!(decide(&p, 0.3), Some((Predicate::WorkFor, 0.4)));
        assert_eq!(decide(&p, 0.45), None);
        let none = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(decide(&none, 0.0).map(|d| d.1), Some(0.0));
        assert_eq!(decide(&none, 0.01), None);
    }
}
