//! The relation models as the stages use them: a pool of classifier instances with the
//! encoder that makes their passes and the threshold that decides; the passes a document asks
//! (each with the NER pass's text states of its sentence, where the model reads them and
//! they are that sentence's, see `docgraph_torch::encoder::markers`); and their scoring in
//! batches over the worker pool.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::model::{self, ModelInput, PairEncoder, RelationClassifier};
use super::schema::Schema;
use crate::cancel::Stop;
use crate::error::Result;
use crate::pool::{BusyTime, Pool, Pooled};
use crate::runtime::{Precision, TextStates};

/// The relation classifier: one shared pair encoder, a pool of model instances, a threshold.
pub(crate) struct RelationModels {
    pub(super) encoder: PairEncoder,
    pub(super) pool: Pool<RelationClassifier>,
    pub(super) threshold: f32,
    /// How the model reads its pairs.
    pub(super) input: model::Input,
    /// Candidate pairs scored so far (for progress inside long documents).
    pub(super) scored: AtomicUsize,
    /// The model reads the text states of the NER model in use (see
    /// `docgraph_torch::encoder::markers`): NER keeps them for it.
    pub(super) reads_ner_states: bool,
    /// Passes per forward pass: the input's ([`model::Input::batch`]), or 8 packed rows for a
    /// model that reads another model's text states (only its markers run, so a pass is
    /// small: on the dense news corpus 8 rows took 0.40–0.42x NER's busy time, 4 rows
    /// 0.49x).
    pub(super) batch: usize,
}

impl std::fmt::Debug for RelationModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelationModels")
            .field("size", &self.pool.size())
            .field("threshold", &self.threshold)
            .finish()
    }
}

impl RelationModels {
    /// The pool of instances (sizes, start-up counts and cost).
    pub fn pool(&self) -> &dyn Pooled {
        &self.pool
    }

    /// Candidate pairs scored so far.
    pub fn scored(&self) -> usize {
        self.scored.load(Ordering::Relaxed)
    }

    /// A pool of up to `size` instances of the model in `dir`, loaded when first needed, at
    /// `precision`; `threshold` overrides the model card's. `ner_dir` is the NER model in use:
    /// a relation model trained on that model's text states reads NER's instead of encoding
    /// each sentence again.
    pub fn load(
        dir: &Path,
        size: usize,
        threshold: Option<f32>,
        precision: Precision,
        ner_dir: Option<&Path>,
    ) -> Result<Self> {
        model::check_model_dir(dir)?;
        let card = model::read_card(dir)?;
        let reads_ner_states = match &card.text_encoder {
            None => false,
            Some(text) => {
                let text = dir.join(text);
                crate::nlp::ner::check_model_dir(&text).map_err(|e| {
                    crate::error::Error::Model(format!(
                        "{}: the relation model reads the text with the model it names in {} \
                         (\"text_encoder\"), which is not usable: {e}",
                        dir.display(),
                        model::CARD_FILE
                    ))
                })?;
                let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
                ner_dir.is_some_and(|ner| same(ner, &text))
            }
        };
        let encoder = PairEncoder::new(&dir.join("vocab.txt"), card.schema.clone())?;
        let owned = dir.to_path_buf();
        // The instances share one copy of the weights.
        let pool = Pool::new(
            size,
            crate::pool::sharing(
                move || {
                    crate::runtime::plugin::set_threads(1)?;
                    RelationClassifier::load(&owned, precision)
                },
                RelationClassifier::share,
            ),
        );
        Ok(RelationModels {
            encoder,
            pool,
            scored: AtomicUsize::new(0),
            threshold: threshold.unwrap_or(card.threshold),
            input: card.input,
            reads_ner_states,
            batch: match card.text_encoder {
                Some(_) => 8,
                None => card.input.batch(),
            },
        })
    }

    /// The predicates the model knows and the entity types each joins.
    pub fn schema(&self) -> &Schema {
        self.encoder.schema()
    }

    /// Whether the model reads the NER model's text states, so NER should keep them.
    pub fn reads_ner_states(&self) -> bool {
        self.reads_ner_states
    }
}

/// One model pass, the candidates it scores, and the NER pass's text states of its text when
/// they are that text's.
pub(super) type Unit<'a> = (ModelInput, Vec<usize>, Option<&'a TextStates>);

/// Computes the text states of token rows with the NER model's instances, adding the model's
/// time to the `BusyTime` ([`crate::nlp::ner::NerModels::text_states`]).
pub(crate) type ComputeStates<'a> =
    dyn Fn(&[&[i64]], &BusyTime) -> Result<Vec<Option<TextStates>>> + Sync + 'a;

/// The NER pass's text states, for a relation model that reads them
/// ([`RelationModels::reads_ner_states`]): those NER kept, by sentence (or none), and how to
/// compute those of the rows it did not keep (a sentence past the document's budget, or one
/// tokenized otherwise at an entity's edge). Without `compute`, the relation model encodes
/// such rows with its own copy of the NER encoder.
#[derive(Clone, Copy, Default)]
pub(crate) struct NerText<'a> {
    pub kept: &'a [Option<TextStates>],
    pub compute: Option<&'a ComputeStates<'a>>,
}

/// The token ids of packed row `input`'s text (`[CLS] … [SEP]`), before its markers.
fn text_ids(input: &ModelInput) -> Option<&[i64]> {
    match input {
        ModelInput::Row(row) => {
            let text = row.groups.iter().take_while(|&&g| g == 0).count();
            Some(&row.ids[..text])
        }
        ModelInput::Pair(_) => None,
    }
}

/// Whether `states` are of the text of packed row `input`: the NER pass read the same token
/// ids (the row holds the whole sentence, tokenized alike).
pub(super) fn reads_as(input: &ModelInput, states: &TextStates) -> bool {
    text_ids(input).is_some_and(|ids| ids == &states.ids[..])
}

/// Model passes and the candidate indexes each asks about, scored in length-sorted batches
/// spread over the pool: each asked index with its probabilities. The order depends only on
/// the document, so sequential and parallel runs give the model identical batches.
///
/// Rows the model would read NER's text states of but whose states are not given are
/// computed with `compute` first, a batch at a time (so only one batch's are held).
pub(super) fn score_units(
    models: &RelationModels,
    units: &[Unit],
    compute: Option<&ComputeStates>,
    stop: &Stop,
    busy: &BusyTime,
) -> Result<Vec<(usize, Vec<f32>)>> {
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| (units[i].0.len(), i));
    let clock = crate::clock::Carried::here();
    let scored: Vec<Vec<(usize, Vec<f32>)>> = order
        .chunks(models.batch)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|batch| {
            stop.check()?;
            let inputs: Vec<&ModelInput> = batch.iter().map(|&i| &units[i].0).collect();
            let mut text: Vec<Option<&TextStates>> = batch.iter().map(|&i| units[i].2).collect();
            let missing: Vec<(usize, &[i64])> = match compute {
                Some(_) if models.reads_ner_states => (inputs.iter().zip(&text).enumerate())
                    .filter(|(_, (_, t))| t.is_none())
                    .filter_map(|(k, (input, _))| text_ids(input).map(|ids| (k, ids)))
                    .collect(),
                _ => Vec::new(),
            };
            let computed = match compute {
                Some(compute) if !missing.is_empty() => {
                    let rows: Vec<&[i64]> = missing.iter().map(|m| m.1).collect();
                    clock.within(|| compute(&rows, busy))?
                }
                _ => Vec::new(),
            };
            for ((k, _), states) in missing.iter().zip(&computed) {
                text[*k] = states.as_ref().or(text[*k]);
            }
            let model = clock.within(|| models.pool.get())?;
            let probabilities = busy.time(|| model.score(&inputs, &text))?;
            let asked: Vec<usize> = batch
                .iter()
                .flat_map(|&i| units[i].1.iter().copied())
                .collect();
            models.scored.fetch_add(asked.len(), Ordering::Relaxed);
            Ok(asked.into_iter().zip(probabilities).collect())
        })
        .collect::<Result<_>>()?;
    Ok(scored.into_iter().flatten().collect())
}

/// The shipped relation model against the real models (NER's text states).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::ner::NerModels;
    use crate::record::EntityType;
    use model::Marked;

    /// NER keeps the text states of the sentences it found names in, and the relation model
    /// reading them scores every pair as it does encoding the text itself.
    #[test]
    fn ner_text_states_score_as_the_model_s_own() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ner_dir = root.join(crate::nlp::ner::DEFAULT_MODEL_SUBDIR);
        let precision = Precision::Float32;
        let ner = NerModels::load(&ner_dir, 1, precision).unwrap();
        let dir = root.join(super::super::DEFAULT_MODEL_SUBDIR);
        let models = RelationModels::load(&dir, 1, None, precision, Some(&ner_dir)).unwrap();
        assert!(
            models.reads_ner_states(),
            "the shipped model reads NER's states"
        );
        let texts = [
            "Ann Lee works for Acme Corp in Boston.",
            "The mayor of Springfield, Bob Stone, was born in Ohio.",
            "nothing here has a name.",
        ];
        let (sentences, _) = crate::record::testing::document(&texts, &[]);
        let flags = (
            std::sync::atomic::AtomicBool::new(false),
            std::sync::atomic::AtomicBool::new(false),
        );
        let stop = crate::cancel::Stop {
            run: &flags.0,
            doc: &flags.1,
        };
        let busy = BusyTime::default();
        let (_, states) =
            crate::nlp::mentions::find(&ner, None, &sentences, true, &stop, (&busy, &busy))
                .unwrap();
        assert!(states[0].is_some() && states[1].is_some() && states[2].is_none());

        let mark = |s: &str, name: &str, t| {
            let start = s.find(name).unwrap();
            Marked {
                start,
                end: start + name.len(),
                entity_type: t,
            }
        };
        use EntityType::{LOC, ORG, PER};
        let pairs = [
            (
                0,
                vec![
                    (("Ann Lee", PER), ("Acme Corp", ORG)),
                    (("Acme Corp", ORG), ("Boston", LOC)),
                ],
            ),
            (
                1,
                vec![
                    (("Bob Stone", PER), ("Springfield", LOC)),
                    (("Bob Stone", PER), ("Ohio", LOC)),
                ],
            ),
        ];
        let mut units = Vec::new();
        for (s, ps) in &pairs {
            let text = texts[*s];
            let marks: Vec<(Marked, Marked)> = ps
                .iter()
                .map(|&((h, ht), (t, tt))| (mark(text, h, ht), mark(text, t, tt)))
                .collect();
            for (input, _) in models.encoder.inputs(models.input, text, &marks) {
                let kept = states[*s].as_ref().unwrap();
                assert!(
                    reads_as(&input, kept),
                    "NER read the sentence as the row does"
                );
                units.push((input, kept));
            }
        }
        let inputs: Vec<&ModelInput> = units.iter().map(|u| &u.0).collect();
        let given: Vec<Option<&TextStates>> = units.iter().map(|u| Some(u.1)).collect();
        let model = models.pool.get().unwrap();
        let with = model.score(&inputs, &given).unwrap();
        let without = model.score(&inputs, &[]).unwrap();
        assert_eq!(with.len(), 4);
        let max_diff = |p: &[Vec<f32>]| {
            p.iter()
                .flatten()
                .zip(without.iter().flatten())
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max)
        };
        let diff = max_diff(&with);
        assert!(diff < 1e-4, "max |Δp| {diff}");

        // The states given are the ones read: blank ones change the probabilities.
        let blank: Vec<TextStates> = units
            .iter()
            .map(|u| TextStates {
                ids: u.1.ids.clone(),
                states: vec![0; u.1.states.len()],
            })
            .collect();
        let blank: Vec<Option<&TextStates>> = blank.iter().map(Some).collect();
        let moved = max_diff(&model.score(&inputs, &blank).unwrap());
        assert!(
            moved > 0.05,
            "blank text states moved no probability ({moved})"
        );
        drop(model);

        // States NER did not keep are computed by NER's instances, batch by batch, as it
        // would have kept them.
        let rows_computed = AtomicUsize::new(0);
        let compute = |rows: &[&[i64]], busy: &BusyTime| {
            rows_computed.fetch_add(rows.len(), Ordering::Relaxed);
            ner.text_states(rows, busy)
        };
        let asked: Vec<Unit> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.0.clone(), vec![i], None))
            .collect();
        let computed: Vec<Vec<f32>> = {
            let mut scored = score_units(&models, &asked, Some(&compute), &stop, &busy).unwrap();
            scored.sort_by_key(|s| s.0);
            scored.into_iter().map(|s| s.1).collect()
        };
        assert_eq!(rows_computed.into_inner(), units.len());
        let diff = max_diff(&computed);
        assert!(diff < 1e-4, "computed states: max |Δp| {diff}");
    }
}
