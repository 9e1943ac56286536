//! A marker stream: the packed relation model's markers (see `docgraph::relations::packed`)
//! run through their own layers over text states another encoder made.
//!
//! In a packed row the text never attends to the markers, so the text part is a plain encoder
//! pass. When the relation model is trained to read the *NER model's* text states (its input to
//! each layer, frozen), that pass is the one NER already made: docgraph keeps NER's states of
//! the sentences it tagged, and the relation model only runs its marker tokens. In each layer a
//! marker attends to the text through the relation layer's own key and value projections of
//! NER's state at that layer, and to its own pair's markers; the rest of the layer (output
//! projection, feed-forward, norms) runs over the markers alone. Text costs two projections a
//! layer instead of a whole layer.
//!
//! The same arithmetic is trained in `docgraph_train::MarkerNet`.

use tch::{Kind, Tensor};

use super::Encoder;

/// Packed rows split into their text and their markers: the text padded to the longest, the
/// markers flat, row after row, with no padding (the linear layers, nine tenths of the
/// arithmetic, run over them so); for attention they are laid out by row, padded to the row
/// with the most.
#[derive(Debug)]
pub struct Split {
    /// Text token ids (`[CLS]` … `[SEP]`), `[rows, text]`.
    pub text_ids: Tensor,
    /// 1 for real text tokens, `[rows, text]`.
    pub text_mask: Tensor,
    /// Marker token ids, `[markers]`.
    pub marker_ids: Tensor,
    /// The position id of each marker (the token it marks), `[markers]`.
    pub marker_positions: Tensor,
    /// Text tokens of each row.
    pub text_lens: Vec<i64>,
    /// Index of each row's first marker.
    pub first_marker: Vec<i64>,
    /// For attention the markers are laid out by row, `[rows, row_markers]`: slot `(r, j)`
    /// holds flat marker `row_slots[r × row_markers + j]`, or the number of markers (an empty
    /// slot) past the row's last.
    pub row_slots: Tensor,
    /// The slot of each flat marker, `[markers]`.
    pub flat_slots: Tensor,
    /// The pair (group) of each slot within its row, 0 for an empty slot, `[rows,
    /// row_markers]`.
    pub slot_groups: Tensor,
}

impl Split {
    /// Where the marker at position `p` of row `row` lies among the flat markers.
    pub fn marker_at(&self, row: usize, p: i64) -> i64 {
        self.first_marker[row] + (p - self.text_lens[row])
    }
}

/// Splits packed rows, each given as its real tokens' `(ids, positions, groups)`: the text is
/// the tokens of group 0, which come first; then the markers, each of a pair's group (from 1).
pub fn split(rows: &[(&[i64], &[i64], &[i64])]) -> Result<Split, String> {
    let mut text_lens = Vec::with_capacity(rows.len());
    let mut first_marker = Vec::with_capacity(rows.len());
    let mut total = 0i64;
    for (ids, positions, groups) in rows {
        if ids.len() != positions.len() || ids.len() != groups.len() {
            return Err("a packed row's ids, positions and groups differ in length".into());
        }
        let text = groups.iter().take_while(|&&g| g == 0).count();
        if groups[text..].iter().any(|&g| g <= 0) {
            return Err("a packed row's text does not come before its markers".into());
        }
        text_lens.push(text as i64);
        first_marker.push(total);
        total += (ids.len() - text) as i64;
    }
    let n = rows.len();
    let text_width = text_lens.iter().copied().max().unwrap_or(0).max(1) as usize;
    let row_markers = (0..n)
        .map(|r| rows[r].0.len() as i64 - text_lens[r])
        .max()
        .unwrap_or(0)
        .max(1) as usize;
    let mut text_ids = vec![0i64; n * text_width];
    let mut text_mask = vec![0i64; n * text_width];
    let mut marker_ids = Vec::with_capacity(total as usize);
    let mut marker_positions = Vec::with_capacity(total as usize);
    let mut row_slots = vec![total; n * row_markers];
    let mut slot_groups = vec![0i64; n * row_markers];
    let mut flat_slots = Vec::with_capacity(total as usize);
    for (r, (ids, positions, groups)) in rows.iter().enumerate() {
        let t = text_lens[r] as usize;
        text_ids[r * text_width..r * text_width + t].copy_from_slice(&ids[..t]);
        text_mask[r * text_width..r * text_width + t].fill(1);
        marker_ids.extend_from_slice(&ids[t..]);
        marker_positions.extend_from_slice(&positions[t..]);
        for j in 0..ids.len() - t {
            let slot = r * row_markers + j;
            row_slots[slot] = first_marker[r] + j as i64;
            slot_groups[slot] = groups[t + j];
            flat_slots.push(slot as i64);
        }
    }
    let text = |v: &[i64]| Tensor::of_slice(v).view([n as i64, text_width as i64]);
    Ok(Split {
        text_ids: text(&text_ids),
        text_mask: text(&text_mask),
        marker_ids: Tensor::of_slice(&marker_ids),
        marker_positions: Tensor::of_slice(&marker_positions),
        text_lens,
        first_marker,
        row_slots: Tensor::of_slice(&row_slots),
        flat_slots: Tensor::of_slice(&flat_slots),
        slot_groups: Tensor::of_slice(&slot_groups).view([n as i64, row_markers as i64]),
    })
}

/// The additive attention bias of the markers laid out by row over `[text, markers]`,
/// `[rows, 1, row_markers, text + row_markers]`: a marker sees the real text tokens of its row
/// and the markers of its own pair.
pub fn attention_bias(split: &Split) -> Tensor {
    let groups = &split.slot_groups;
    let (rows, markers) = groups.size2().expect("groups are [rows, markers]");
    let text = split.text_mask.size()[1];
    let sees_text = split
        .text_mask
        .ne(0)
        .unsqueeze(1)
        .expand(&[rows, markers, text], false);
    let own = groups
        .unsqueeze(2)
        .eq_tensor(&groups.unsqueeze(1))
        .logical_and(&groups.ne(0).unsqueeze(1));
    let sees = Tensor::cat(&[sees_text, own], 2);
    (sees.to_kind(Kind::Float).unsqueeze(1) - 1.0) * 10000.0
}

/// One layer's attention of the markers: `markers_qkv` (`[markers, 3 × hidden]`, flat) their
/// queries, keys and values, `text_kv` (`[rows, text, 2 × hidden]`) the keys and values of
/// the rows' text, `bias` from [`attention_bias`]; `dropout` on the attention weights in
/// training. Returns the attended values, flat `[markers, hidden]`. (Used by inference and by
/// training alike.)
pub fn attend(
    markers_qkv: &Tensor,
    text_kv: &Tensor,
    split: &Split,
    (bias, heads): (&Tensor, i64),
    dropout: Option<f64>,
) -> Tensor {
    let (rows, slots) = split.slot_groups.size2().expect("[rows, markers]");
    let (_, words, width) = text_kv.size3().expect("[rows, text, 2 × hidden]");
    let hidden = width / 2;
    let head_dim = hidden / heads;
    let empty = markers_qkv.zeros_like().narrow(0, 0, 1);
    let m = Tensor::cat(&[markers_qkv, &empty], 0)
        .index_select(0, &split.row_slots)
        .view([rows, slots, 3, heads, head_dim])
        .permute(&[2, 0, 3, 1, 4]);
    let t = text_kv
        .view([rows, words, 2, heads, head_dim])
        .permute(&[2, 0, 3, 1, 4]);
    let k = Tensor::cat(&[t.get(0), m.get(1)], 2);
    let v = Tensor::cat(&[t.get(1), m.get(2)], 2);
    let scale = 1.0 / (head_dim as f64).sqrt();
    let scores = (m.get(0) * scale).matmul(&k.transpose(-1, -2)) + bias;
    let weights = scores.softmax(-1, Kind::Float);
    let weights = match dropout {
        Some(p) => weights.dropout(p, true),
        None => weights,
    };
    weights
        .matmul(&v)
        .permute(&[0, 2, 1, 3])
        .reshape(&[rows * slots, hidden])
        .index_select(0, &split.flat_slots)
}

impl Encoder {
    /// Loads a marker stream: an encoder whose layers also keep their key and value
    /// projections apart. Only the marker tokens' rows of its word embeddings are kept.
    pub(crate) fn markers_from_weights(
        weights: &mut super::Weights,
        prefix: &str,
        config: &super::EncoderConfig,
        precision: docgraph_abi::Precision,
    ) -> crate::Result<Self> {
        let mut encoder = Encoder::build(weights, prefix, config, precision, true)?;
        let keep = encoder.word_embeddings.size()[0].min(MARKER_VOCABULARY);
        encoder.word_embeddings = encoder.word_embeddings.narrow(0, 0, keep).copy();
        Ok(encoder)
    }

    /// Token ids a marker stream reads (its word embeddings' rows).
    pub fn vocabulary(&self) -> i64 {
        self.word_embeddings.size()[0]
    }

    /// Layers of the encoder.
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Width of the hidden states.
    pub fn hidden_size(&self) -> i64 {
        self.position_embeddings.size()[1]
    }

    /// Hidden states of the markers, flat `[markers, hidden]`, over `text` states
    /// (`[rows, text, layers, hidden]`, what each layer of the text encoder read, see
    /// [`super::text_states`]) of the rows of `split`. The encoder must come from
    /// `Encoder::markers_from_weights`.
    pub fn forward_markers(&self, text: &Tensor, split: &Split) -> Tensor {
        tch::no_grad(|| {
            let x = Tensor::embedding(&self.word_embeddings, &split.marker_ids, -1, false, false)
                + Tensor::embedding(
                    &self.position_embeddings,
                    &split.marker_positions,
                    -1,
                    false,
                    false,
                );
            let mut x = self.embedding_norm.forward(&(x + &self.token_type));
            let bias = attention_bias(split);
            for (l, layer) in self.layers.iter().enumerate() {
                let text_kv = layer
                    .kv
                    .as_ref()
                    .expect("a marker stream's layers keep their text projections")
                    .forward(&text.select(2, l as i64).to_kind(Kind::Float));
                let qkv = layer.qkv.forward(&x);
                let context = attend(&qkv, &text_kv, split, (&bias, self.heads), None);
                x = layer.finish(&context, &x, self.gelu);
            }
            x
        })
    }
}

/// Rows of the word embeddings a marker stream keeps: `[PAD]` and `[unused0]`…`[unused15]`
/// (`docgraph::relations::packed::marker_id`).
pub const MARKER_VOCABULARY: i64 = 17;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_into_text_and_flat_markers() {
        let a = (
            [101, 7, 8, 102, 1, 5, 9, 13, 2, 6, 10, 14],
            [0, 1, 2, 3, 1, 1, 2, 2, 2, 2, 1, 1],
            [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
        );
        let b = ([101, 102, 3, 11], [0, 1, 1, 1], [0, 0, 1, 1]);
        let s = split(&[(&a.0, &a.1, &a.2), (&b.0, &b.1, &b.2)]).unwrap();
        assert_eq!(s.text_lens, [4, 2]);
        assert_eq!(s.first_marker, [0, 8]);
        assert_eq!(
            Vec::<i64>::from(&s.text_ids.view([-1])),
            [101, 7, 8, 102, 101, 102, 0, 0]
        );
        assert_eq!(
            Vec::<i64>::from(&s.text_mask.view([-1])),
            [1, 1, 1, 1, 1, 1, 0, 0]
        );
        assert_eq!(
            Vec::<i64>::from(&s.marker_ids),
            [1, 5, 9, 13, 2, 6, 10, 14, 3, 11]
        );
        assert_eq!(
            Vec::<i64>::from(&s.marker_positions),
            [1, 1, 2, 2, 2, 2, 1, 1, 1, 1]
        );
        // Row 0's second pair starts at position 8; row 1's only pair at 2.
        assert_eq!(
            (s.marker_at(0, 8), s.marker_at(0, 10), s.marker_at(1, 2)),
            (4, 6, 8)
        );
        // By row: 8 slots each, row 1's last 6 empty (10 = no marker).
        assert_eq!(
            Vec::<i64>::from(&s.row_slots),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10]
        );
        assert_eq!(
            Vec::<i64>::from(&s.flat_slots),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        assert_eq!(
            Vec::<i64>::from(&s.slot_groups.view([-1])),
            [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_marker_before_the_text_ends_is_refused() {
        assert!(split(&[(&[101, 1, 102], &[0, 1, 2], &[0, 1, 0])]).is_err());
    }

    #[test]
    fn markers_see_their_rows_text_and_their_own_pair() {
        let a = (
            [101, 7, 102, 1, 9, 2, 10],
            [0, 1, 2, 1, 1, 1, 1],
            [0, 0, 0, 1, 1, 2, 2],
        );
        let b = ([101, 102, 3, 11], [0, 1, 1, 1], [0, 0, 1, 1]);
        let s = split(&[(&a.0, &a.1, &a.2), (&b.0, &b.1, &b.2)]).unwrap();
        let sees = attention_bias(&s).eq(0.0);
        // Row 0, its first marker (pair 1): the 3 text tokens and its own pair's 2 markers.
        let r0: Vec<bool> = Vec::from(&sees.get(0).get(0).get(0));
        assert_eq!(r0, [true, true, true, true, true, false, false]);
        // Row 1, its first marker: 2 text tokens (the third is padding), its 2 markers.
        let r1: Vec<bool> = Vec::from(&sees.get(1).get(0).get(0));
        assert_eq!(r1, [true, true, false, true, true, false, false]);
    }
}
