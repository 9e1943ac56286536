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

use super::packed::PackedRow;
use super::schema::{Allowed, Schema};
use crate::error::{Error, Result};
use crate::record::EntityType;
use crate::runtime::plugin::Model;
use crate::runtime::{Precision, TextStates};

/// Longest input given to the model, in sub-word tokens (markers and `[CLS]`/`[SEP]` included).
/// Context beyond it is cut evenly on both sides of the pair.
pub const MAX_TOKENS: usize = 256;

/// Name of the file, beside the weights, that holds the decision threshold and dev scores.
pub use docgraph_abi::CARD_FILE;

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
    pub allowed: Allowed,
}

/// Turns a sentence and a pair of entity spans into model input, as a model of a given schema
/// reads it (its labels, and the types its markers stand for).
pub struct PairEncoder {
    tokenizer: BertTokenizer,
    cls: i64,
    sep: i64,
    schema: Schema,
}

impl std::fmt::Debug for PairEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairEncoder").finish_non_exhaustive()
    }
}

/// The words a marker writes for an entity type: the model's four in words, a user's type
/// in lower case (`PRODUCT_LINE`: "product line").
pub fn type_word(t: EntityType) -> String {
    match t {
        EntityType::PER => "person".into(),
        EntityType::ORG => "organization".into(),
        EntityType::LOC => "location".into(),
        EntityType::MISC => "miscellaneous".into(),
        EntityType::Other(label) => label.as_str().to_lowercase().replace('_', " "),
    }
}

impl PairEncoder {
    /// An encoder over the (uncased) BERT vocabulary in `vocab`, for a model of the shipped
    /// schema ([`Schema::conll04`]).
    pub fn from_vocab(vocab: &Path) -> Result<Self> {
        PairEncoder::new(vocab, Schema::conll04())
    }

    /// An encoder over the (uncased) BERT vocabulary in `vocab`, for a model of `schema`.
    pub fn new(vocab: &Path, schema: Schema) -> Result<Self> {
        schema.check()?;
        let (tokenizer, cls, sep) = crate::runtime::uncased_tokenizer(vocab)?;
        Ok(PairEncoder {
            tokenizer,
            cls,
            sep,
            schema,
        })
    }

    /// The schema of the model the encoder prepares input for.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The sub-word ids of `text` (no `[CLS]`/`[SEP]`).
    pub fn sub_words(&self, text: &str) -> Vec<i64> {
        let tokens = self.tokenizer.tokenize(text);
        self.tokenizer.convert_tokens_to_ids(&tokens)
    }

    /// The id of `[CLS]`.
    pub(crate) fn cls(&self) -> i64 {
        self.cls
    }

    /// The id of `[SEP]`.
    pub(crate) fn sep(&self) -> i64 {
        self.sep
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
            self.sub_words(&format!("{a} {b} {} {b}", type_word(m.entity_type)))
        };
        let close = |is_head: bool| self.sub_words(if is_head { "@" } else { "#" });

        let before = self.sub_words(&slice(0, first.start));
        let mut body = open(&first, head_first);
        body.extend(self.sub_words(&slice(first.start, first.end)));
        body.extend(close(head_first));
        body.extend(self.sub_words(&slice(first.end, second.start)));
        let second_at = body.len();
        body.extend(open(&second, !head_first));
        body.extend(self.sub_words(&slice(second.start, second.end)));
        body.extend(close(!head_first));
        let after = self.sub_words(&slice(second.end, n));

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
            allowed: self.schema.allowed(head.entity_type, tail.entity_type),
        })
    }
}

/// How a relation model reads its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// One pass per candidate pair, the entities marked inline ([`PairEncoder::encode`]).
    #[default]
    Pair,
    /// One pass per sentence for all its pairs ([`super::packed`]).
    Packed,
    /// As `Packed`, each pair marked at the two entities' starts only
    /// ([`super::packed::Markers::Starts`]).
    #[serde(rename = "packed-starts")]
    PackedStarts,
}

impl Input {
    /// The markers a packed row gives each pair.
    pub fn markers(self) -> super::packed::Markers {
        match self {
            Input::PackedStarts => super::packed::Markers::Starts,
            _ => super::packed::Markers::Four,
        }
    }

    /// Whether the model reads packed rows.
    pub fn is_packed(self) -> bool {
        self != Input::Pair
    }

    /// Passes per forward pass of the model (sorted by length, so padding stays small): 16
    /// pairs, or 4 packed rows (a row holds a sentence's pairs).
    pub fn batch(self) -> usize {
        match self {
            Input::Pair => 16,
            Input::Packed | Input::PackedStarts => 4,
        }
    }
}

/// One pass of the model: a pair marked inline, or a packed row of pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelInput {
    /// One pair ([`PairEncoder::encode`]).
    Pair(EncodedPair),
    /// A sentence's pairs ([`PairEncoder::pack`]).
    Row(PackedRow),
}

impl ModelInput {
    /// Tokens of the pass.
    pub fn len(&self) -> usize {
        match self {
            ModelInput::Pair(p) => p.ids.len(),
            ModelInput::Row(r) => r.ids.len(),
        }
    }

    /// Whether the pass has no tokens (never, for what the encoder makes).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch of passes split by kind: a model reads one kind at a time.
#[derive(Debug)]
pub enum Passes<'a> {
    /// Pairs marked inline, one pass each.
    Pairs(Vec<&'a EncodedPair>),
    /// Packed rows.
    Rows(Vec<&'a PackedRow>),
}

impl<'a> Passes<'a> {
    /// `inputs` as one kind; an error when they mix kinds.
    pub fn of(inputs: &[&'a ModelInput]) -> Result<Self> {
        let mut pairs = Vec::new();
        let mut rows = Vec::new();
        for i in inputs {
            match i {
                ModelInput::Pair(p) => pairs.push(p),
                ModelInput::Row(r) => rows.push(r),
            }
        }
        match (pairs.is_empty(), rows.is_empty()) {
            (_, true) => Ok(Passes::Pairs(pairs)),
            (true, false) => Ok(Passes::Rows(rows)),
            (false, false) => Err(Error::Model("pair and packed inputs in one batch".into())),
        }
    }
}

impl PairEncoder {
    /// The passes that score `pairs` of `text` as a model reading `input` takes them, each with
    /// the indexes (into `pairs`) of the pairs it scores, in order. Pairs that fit no pass are
    /// left out.
    pub fn inputs(
        &self,
        input: Input,
        text: &str,
        pairs: &[(Marked, Marked)],
    ) -> Vec<(ModelInput, Vec<usize>)> {
        match input {
            Input::Pair => pairs
                .iter()
                .enumerate()
                .filter_map(|(i, &(h, t))| {
                    Some((ModelInput::Pair(self.encode(text, h, t)?), vec![i]))
                })
                .collect(),
            Input::Packed | Input::PackedStarts => self
                .pack_markers(text, pairs, input.markers())
                .into_iter()
                .map(|row| {
                    let asked = row.pairs.iter().map(|p| p.index).collect();
                    (ModelInput::Row(row), asked)
                })
                .collect(),
        }
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
    /// How the model reads its input (`pair` when the card does not say).
    #[serde(default)]
    pub input: Input,
    /// For a packed model that reads another model's text states
    /// (`docgraph_torch::encoder::markers`): that model's folder, relative to this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_encoder: Option<String>,
    /// The predicates the model knows and the entity types each joins (the shipped five when
    /// the card does not say).
    #[serde(default)]
    pub schema: Schema,
    /// How `docgraph train relations` made the model: data, counts, options, scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<serde_json::Value>,
}

/// A loaded relation classifier for inference (one instance: use it from one thread at a
/// time): the encoder and the linear layer over the two markers' vectors, with the weights
/// `docgraph_train::RelationNet` was trained with, run by the model runtime
/// ([`crate::runtime`]).
#[derive(Debug)]
pub struct RelationClassifier {
    model: Model,
    /// Labels of its schema: "no relation" and the predicates.
    labels: usize,
}

/// Name of the linear layer over the two markers' vectors in the weights file.
pub const HEAD: &str = "relation_classifier";

/// The files a relation model folder must hold.
pub const MODEL_FILES: [&str; 4] = ["rust_model.ot", "config.json", "vocab.txt", CARD_FILE];

/// Checks that `dir` holds a relation model, naming the first missing file.
pub fn check_model_dir(dir: &Path) -> Result<()> {
    Error::require_model_files(dir, &MODEL_FILES, "relation model", "--relation-model-dir")
}

/// Reads the model card in `dir`, its schema checked.
pub fn read_card(dir: &Path) -> Result<ModelCard> {
    let path = dir.join(CARD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let card: ModelCard = serde_json::from_str(&text)
        .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
    card.schema
        .check()
        .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
    Ok(card)
}

impl RelationClassifier {
    /// Loads the weights in `dir` (float16 or float32 on disk; float32 in memory), the
    /// encoder's linear layers to run at `precision`.
    pub fn load(dir: &Path, precision: Precision) -> Result<Self> {
        check_model_dir(dir)?;
        let labels = read_card(dir)?.schema.labels();
        Ok(RelationClassifier {
            model: Model::load(dir, HEAD, precision)?,
            labels,
        })
    }

    /// Another instance over the same weights (nothing is copied).
    pub fn share(&self) -> Result<Self> {
        Ok(RelationClassifier {
            model: self.model.share()?,
            labels: self.labels,
        })
    }

    /// Label probabilities of the pairs of `inputs` (all of one kind), pass after pass, each
    /// pass's pairs in order. `text` gives packed rows' text states where the NER pass left
    /// them (one entry per input, or empty), for a model that reads them
    /// ([`RelationClassifier::reads_text_states`]).
    pub fn score(
        &self,
        inputs: &[&ModelInput],
        text: &[Option<&TextStates>],
    ) -> Result<Vec<Vec<f32>>> {
        match Passes::of(inputs)? {
            Passes::Pairs(pairs) => self.probabilities(&pairs),
            Passes::Rows(rows) => self.packed_probabilities(&rows, text),
        }
    }

    /// Whether the model reads the NER model's text states (values a token), rather than
    /// encoding the text itself (0).
    pub fn reads_text_states(&self) -> usize {
        self.model.state_width()
    }

    /// Label probabilities for each pair (`[no relation, Work_For, Kill, …]`, the schema's
    /// labels), one pass each.
    pub fn probabilities(&self, pairs: &[&EncodedPair]) -> Result<Vec<Vec<f32>>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&[i64]> = pairs.iter().map(|p| p.ids.as_slice()).collect();
        let at: Vec<[i64; 3]> = pairs
            .iter()
            .enumerate()
            .map(|(r, p)| [r as i64, p.head as i64, p.tail as i64])
            .collect();
        let allowed = self.flags(pairs.iter().map(|p| p.allowed));
        self.model
            .pairs(&ids, None, &at, (&allowed, self.labels), None)
    }

    /// Label probabilities for the pairs of packed rows ([`super::packed`]), row after row in
    /// each row's order: one pass per row. `text`: the rows' text states where known (or
    /// empty), as [`RelationClassifier::score`] takes them.
    pub fn packed_probabilities(
        &self,
        rows: &[&PackedRow],
        text: &[Option<&TextStates>],
    ) -> Result<Vec<Vec<f32>>> {
        if rows.iter().all(|r| r.pairs.is_empty()) {
            return Ok(Vec::new());
        }
        let field = |f: fn(&PackedRow) -> &[i64]| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
        let (ids, positions, groups) = (
            field(|r| &r.ids),
            field(|r| &r.positions),
            field(|r| &r.groups),
        );
        let pairs = rows
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.pairs.iter().map(move |p| (i, p)));
        let at: Vec<[i64; 3]> = pairs
            .clone()
            .map(|(i, p)| [i as i64, p.head as i64, p.tail as i64])
            .collect();
        let allowed = self.flags(pairs.map(|(_, p)| p.allowed));
        let text = (!text.is_empty()).then_some(text);
        self.model.pairs(
            &ids,
            Some([&positions, &groups]),
            &at,
            (&allowed, self.labels),
            text,
        )
    }

    /// Pairs' allowed labels as one flag per label, pair after pair.
    fn flags(&self, allowed: impl Iterator<Item = Allowed>) -> Vec<bool> {
        allowed.flat_map(|a| a.flags(self.labels)).collect()
    }
}
