//! All candidate pairs of a sentence in one encoder pass ("levitated" markers, after the
//! approximation model of PURE, Zhong and Chen 2021).
//!
//! The sentence is written once; after it, every pair gets four marker tokens (head start,
//! head end, tail start, tail end, each typed; or the two starts only, [`Markers::Starts`],
//! what the shipped model reads) that take the *position* of the token they mark,
//! not a place in the text. The attention mask keeps the text plain (text tokens never see a
//! marker, so the text is encoded exactly as without them), and lets a pair's markers see the
//! text and each other, never another pair's markers. The pair is classified from the vectors
//! of its two start markers, as [`super::model::PairEncoder::encode`]'s pairs are from their
//! opening markers.
//!
//! ```text
//!   ids        [CLS] ann lee works for acme . [SEP] ‹h:PER ‹/h:PER ‹t:ORG ‹/t:ORG ‹h:PER …
//!   positions    0    1   2    3    4    5  6   7     1      2      5      5      1
//!   groups       0    0   0    0    0    0  0   0     1      1      1      1      2
//! ```
//!
//! A sentence too long for one window is read in windows around its pairs; a row holds at
//! most [`MAX_PAIRS_PER_ROW`] pairs. Markers are the vocabulary's `[unused0]`…`[unused15]`,
//! which the training script gives starting vectors of their own.

use super::model::{Marked, PairEncoder};
use super::schema::Allowed;
use crate::record::EntityType;

/// Text tokens of a row at most, `[CLS]` and `[SEP]` included.
pub const MAX_TEXT_TOKENS: usize = 192;

/// Pairs in one row at most.
pub const MAX_PAIRS_PER_ROW: usize = 16;

/// Which markers a pair gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Markers {
    /// Head start and end, tail start and end.
    #[default]
    Four,
    /// Head start and tail start only: the text a model reads may already say where an
    /// entity ends (the NER model's text states do), and each marker costs a token's pass.
    Starts,
}

impl Markers {
    /// Marker tokens per pair.
    pub fn per_pair(self) -> usize {
        match self {
            Markers::Four => 4,
            Markers::Starts => 2,
        }
    }
}

/// Id of the first marker token (`[unused0]` in BERT vocabularies).
const FIRST_MARKER: i64 = 1;

/// Which edge of which entity a marker stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// Where the head entity starts.
    HeadStart,
    /// Where the head entity ends.
    HeadEnd,
    /// Where the tail entity starts.
    TailStart,
    /// Where the tail entity ends.
    TailEnd,
}

impl MarkerKind {
    /// The four kinds, in the order a pair's markers follow the text.
    pub const ALL: [MarkerKind; 4] = [
        MarkerKind::HeadStart,
        MarkerKind::HeadEnd,
        MarkerKind::TailStart,
        MarkerKind::TailEnd,
    ];
}

/// The token id of a marker of `kind` for the `t`-th of a schema's `types` entity types:
/// `[unused0]`… (for the shipped schema's four, `[unused0]`…`[unused15]`).
pub fn marker_id(kind: MarkerKind, t: usize, types: usize) -> i64 {
    let k = MarkerKind::ALL
        .iter()
        .position(|&m| m == kind)
        .expect("listed");
    FIRST_MARKER + (k * types + t) as i64
}

impl PairEncoder {
    /// The token id of a marker of `kind` for an entity of type `t`, when the model's schema
    /// marks that type.
    pub fn marker(&self, kind: MarkerKind, t: EntityType) -> Option<i64> {
        let types = self.schema().entity_types.len();
        Some(marker_id(kind, self.schema().marker_type(t)?, types))
    }
}

/// The text of the marker [`PairEncoder::encode`] writes inline for the same edge (`@ * person *`
/// for a person's head start, `@` for its end): the training script starts each marker's
/// vector at the mean of this text's sub-word vectors.
pub fn inline_marker_text(kind: MarkerKind, t: EntityType) -> String {
    let word = super::model::type_word(t);
    match kind {
        MarkerKind::HeadStart => format!("@ * {word} *"),
        MarkerKind::HeadEnd => "@".into(),
        MarkerKind::TailStart => format!("# ^ {word} ^"),
        MarkerKind::TailEnd => "#".into(),
    }
}

/// One pair of a packed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedPair {
    /// Index of the pair in the list given to [`PairEncoder::pack`].
    pub index: usize,
    /// Position in the row of the head's start marker.
    pub head: usize,
    /// Position in the row of the tail's start marker.
    pub tail: usize,
    /// Labels the pair's types allow.
    pub allowed: Allowed,
}

/// One encoder pass: a text window and the markers of its pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedRow {
    /// Token ids: `[CLS]`, the text, `[SEP]`, then each pair's markers.
    pub ids: Vec<i64>,
    /// Position id of each token (a marker shares the position of the token it marks).
    pub positions: Vec<i64>,
    /// 0 for the text, `k + 1` for the markers of the row's `k`-th pair.
    pub groups: Vec<i64>,
    /// The row's pairs.
    pub pairs: Vec<PackedPair>,
}

impl PackedRow {
    /// Whether token `i` may attend to token `j`: everything sees the text; a marker also
    /// sees its own pair's markers.
    pub fn attends(&self, i: usize, j: usize) -> bool {
        self.groups[j] == 0 || self.groups[j] == self.groups[i]
    }
}

/// A pair's entities as token ranges of the text (first, last token inclusive).
struct Spans {
    index: usize,
    head: (usize, usize, EntityType),
    tail: (usize, usize, EntityType),
}

impl Spans {
    fn lo(&self) -> usize {
        self.head.0.min(self.tail.0)
    }
    fn hi(&self) -> usize {
        self.head.1.max(self.tail.1) + 1
    }
}

impl PairEncoder {
    /// Packs the candidate pairs of `text` into as few rows as fit. Pairs whose spans overlap,
    /// lie outside the text, hold no token, are of a type the schema does not mark, or do not
    /// fit one window are left out (no row names
    /// their index).
    pub fn pack(&self, text: &str, pairs: &[(Marked, Marked)]) -> Vec<PackedRow> {
        self.pack_markers(text, pairs, Markers::Four)
    }

    /// [`PairEncoder::pack`], each pair with `markers`.
    pub fn pack_markers(
        &self,
        text: &str,
        pairs: &[(Marked, Marked)],
        markers: Markers,
    ) -> Vec<PackedRow> {
        let n = text.chars().count();
        let schema = self.schema();
        let valid = |m: &Marked| {
            m.start < m.end && m.end <= n && schema.marker_type(m.entity_type).is_some()
        };
        let usable: Vec<(usize, &(Marked, Marked))> = pairs
            .iter()
            .enumerate()
            .filter(|(_, (h, t))| valid(h) && valid(t) && !(h.start < t.end && t.start < h.end))
            .collect();
        // The text is tokenized in segments cut at every entity edge, so each edge falls
        // between two tokens.
        let mut cuts: Vec<usize> = vec![0, n];
        for (_, (h, t)) in &usable {
            cuts.extend([h.start, h.end, t.start, t.end]);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let chars: Vec<char> = text.chars().collect();
        let mut tokens: Vec<i64> = Vec::new();
        let mut token_at = std::collections::HashMap::new();
        for w in cuts.windows(2) {
            token_at.insert(w[0], tokens.len());
            tokens.extend(self.sub_words(&chars[w[0]..w[1]].iter().collect::<String>()));
        }
        token_at.insert(n, tokens.len());
        let span = |m: &Marked| {
            let (a, b) = (token_at[&m.start], token_at[&m.end]);
            (a < b).then(|| (a, b - 1, m.entity_type))
        };
        let budget = MAX_TEXT_TOKENS - 2;
        let mut todo: Vec<Spans> = usable
            .iter()
            .filter_map(|(index, (h, t))| {
                let s = Spans {
                    index: *index,
                    head: span(h)?,
                    tail: span(t)?,
                };
                (s.hi() - s.lo() <= budget).then_some(s)
            })
            .collect();

        let mut rows = Vec::new();
        while !todo.is_empty() {
            let window = if tokens.len() <= budget {
                0..tokens.len()
            } else {
                let (lo, hi) = (todo[0].lo(), todo[0].hi());
                let extra = budget - (hi - lo);
                let left = lo.min((extra / 2).max(extra.saturating_sub(tokens.len() - hi)));
                lo - left..(lo - left + budget).min(tokens.len())
            };
            let (inside, rest): (Vec<Spans>, Vec<Spans>) = todo
                .into_iter()
                .partition(|s| window.start <= s.lo() && s.hi() <= window.end);
            todo = rest;
            for chunk in inside.chunks(MAX_PAIRS_PER_ROW) {
                rows.push(self.row(&tokens[window.clone()], window.start, chunk, markers));
            }
        }
        rows
    }

    /// A row of `text` (the window's tokens, starting at token `offset` of the sentence) and
    /// the markers of `pairs`.
    fn row(&self, text: &[i64], offset: usize, pairs: &[Spans], markers: Markers) -> PackedRow {
        let len = text.len() + 2 + markers.per_pair() * pairs.len();
        let mut row = PackedRow {
            ids: Vec::with_capacity(len),
            positions: Vec::with_capacity(len),
            groups: Vec::with_capacity(len),
            pairs: Vec::with_capacity(pairs.len()),
        };
        row.ids.push(self.cls());
        row.ids.extend_from_slice(text);
        row.ids.push(self.sep());
        row.positions.extend(0..row.ids.len() as i64);
        row.groups.resize(row.ids.len(), 0);
        let at = |token: usize| (1 + token - offset) as i64;
        for (k, s) in pairs.iter().enumerate() {
            let first = row.ids.len();
            let marks = [
                (MarkerKind::HeadStart, at(s.head.0), s.head.2),
                (MarkerKind::HeadEnd, at(s.head.1), s.head.2),
                (MarkerKind::TailStart, at(s.tail.0), s.tail.2),
                (MarkerKind::TailEnd, at(s.tail.1), s.tail.2),
            ];
            for (kind, position, t) in marks {
                if markers == Markers::Starts
                    && matches!(kind, MarkerKind::HeadEnd | MarkerKind::TailEnd)
                {
                    continue;
                }
                row.ids
                    .push(self.marker(kind, t).expect("a marked type (see `valid`)"));
                row.positions.push(position);
                row.groups.push(k as i64 + 1);
            }
            row.pairs.push(PackedPair {
                index: s.index,
                head: first,
                tail: first + markers.per_pair() / 2,
                allowed: self.schema().allowed(s.head.2, s.tail.2),
            });
        }
        row
    }
}

#[cfg(test)]
mod tests;
