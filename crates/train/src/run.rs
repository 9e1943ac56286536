//! What every training run shares: the seeded shuffle, the epoch checkpoints a stopped run goes
//! on from, the progress line, the choice of the best epoch, and atomic writes of the model
//! folder's files.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig};
use tch::Tensor;

/// What went wrong, in words for the command line.
pub type Error = String;

/// What every training run is asked: data, folders, and the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Common {
    /// Training sentences.
    pub train: PathBuf,
    /// Development sentences; without them, every tenth training sentence is held out.
    pub dev: Option<PathBuf>,
    /// Where the model goes.
    pub out: PathBuf,
    /// The model training starts from (a BERT model folder).
    pub base: PathBuf,
    /// Epochs at most.
    pub epochs: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Seed of new weights and of the shuffling.
    pub seed: u64,
    /// Threads libtorch uses.
    pub threads: i32,
    /// Epochs without a better development score before training stops.
    pub patience: usize,
}

impl Common {
    /// Whether a stopped run with `earlier`'s options can go on under these: the same but for
    /// the epochs and the patience.
    pub fn goes_on_from(&self, earlier: &Common) -> bool {
        Common {
            epochs: self.epochs,
            patience: self.patience,
            ..earlier.clone()
        } == *self
    }
}

/// xorshift64*: a seeded shuffle without another dependency.
#[derive(Debug, Clone, Copy)]
pub struct Rng(pub u64);

impl Rng {
    /// The shuffler of seed `seed`.
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Shuffles `v` in place.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// Indexes of `lens` in batches of `size` similar lengths, in a fixed order (shuffled per epoch
/// by the caller).
pub fn buckets(lens: &[usize], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lens.len()).collect();
    order.sort_by_key(|&i| (lens[i], i));
    order.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

/// Pretty JSON text of a value, with a final newline.
pub fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("plain data") + "\n"
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Copies `from` into the model folder as `to`, atomically.
pub fn copy_into(from: &Path, to: &Path) -> Result<(), Error> {
    let bytes = std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
    write_atomic(to, &bytes)
}

/// Where a run stands after its last finished epoch (`OUT/.training/state.json`), and what a
/// stopped run goes on from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State<O> {
    /// The run's options.
    pub options: O,
    /// Epochs finished.
    pub epoch: usize,
    /// Optimizer steps taken.
    pub step: f64,
    /// The shuffler after the last finished epoch.
    pub rng: u64,
    /// Best development F1, its threshold (0 where none is tuned) and epoch.
    pub best: Option<(f64, f32, usize)>,
    /// Development F1 after each epoch.
    pub dev_f1_by_epoch: Vec<f64>,
    /// Seconds of training so far.
    pub seconds: f64,
}

/// A run's working folder, `OUT/.training`: the state and the weights of the last and the best
/// epoch.
#[derive(Debug)]
pub struct Checkpoint {
    dir: PathBuf,
}

impl Checkpoint {
    /// The working folder of a run writing to `out`, created.
    pub fn create(out: &Path) -> Result<Checkpoint, Error> {
        let dir = out.join(".training");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Checkpoint { dir })
    }

    /// The weights after the last finished epoch.
    pub fn last(&self) -> PathBuf {
        self.dir.join("last.ot")
    }

    /// The weights of the best epoch so far.
    pub fn best(&self) -> PathBuf {
        self.dir.join("best.ot")
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// The state a stopped run left, when there is one. `same` says whether its options let
    /// this run go on from it (an error names the folder otherwise).
    pub fn resume<O: DeserializeOwned>(
        &self,
        same: impl Fn(&O) -> bool,
    ) -> Result<Option<State<O>>, Error> {
        let path = self.state_path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let state: State<O> =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if !same(&state.options) {
            return Err(format!(
                "{} holds a stopped run with other options; give the same options to go on, or \
                 remove that folder to start over",
                self.dir.display()
            ));
        }
        eprintln!(
            "going on after epoch {} (development F1 so far: {:?})",
            state.epoch, state.dev_f1_by_epoch
        );
        Ok(Some(state))
    }

    /// Records `state` (after its weights were saved).
    pub fn save<O: Serialize>(&self, state: &State<O>) -> Result<(), Error> {
        write_atomic(&self.state_path(), pretty(state).as_bytes())
    }

    /// Removes the working folder (the model is written).
    pub fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The progress line of an epoch on stderr: redrawn in place on a terminal, a line every 50
/// batches otherwise.
#[derive(Debug)]
pub struct Progress {
    terminal: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress {
    /// Batch `done` of `total` of epoch `epoch` of `epochs` finished, at mean loss `loss`,
    /// `seconds` into training.
    pub fn batch(
        &self,
        (epoch, epochs): (usize, usize),
        (done, total): (usize, usize),
        loss: f64,
        seconds: f64,
    ) {
        if !(self.terminal || done % 50 == 0 || done == total) {
            return;
        }
        let width = 30 * done / total.max(1);
        let line = format!(
            "epoch {epoch}/{epochs} [{}{}] {done}/{total} loss {loss:.4} {seconds:.0} s",
            "#".repeat(width),
            " ".repeat(30 - width),
        );
        if self.terminal {
            eprint!("\r{line}");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("{line}");
        }
    }
}

/// The threshold of 0.30, 0.35 … 0.90 where `f1` is highest, with that F1; where several tie
/// (small development sets), the middle one of them.
pub fn best_threshold(f1: impl Fn(f32) -> f64) -> (f64, f32) {
    let scored: Vec<(f64, f32)> = (30..=90)
        .step_by(5)
        .map(|t| t as f32 / 100.0)
        .map(|t| (f1(t), t))
        .collect();
    let best = scored.iter().map(|s| s.0).fold(f64::MIN, f64::max);
    let tied: Vec<f32> = scored.iter().filter(|s| s.0 == best).map(|s| s.1).collect();
    (best, tied[tied.len() / 2])
}

/// Whether training goes on to another epoch: epochs are left, and (after the first) fewer
/// than `patience` epochs passed without a better score.
pub fn goes_on<O>(state: &State<O>, epochs: usize, patience: usize) -> bool {
    let since_best = state.best.map_or(0, |b| state.epoch - b.2);
    state.epoch < epochs && (state.epoch == 0 || since_best < patience)
}

/// Development scores of one class (a predicate, an entity type, or `micro`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassScore {
    /// The class.
    pub name: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold items.
    pub support: usize,
}

impl ClassScore {
    /// The scores of `counts` for class `name`, rounded to three places.
    pub fn of(name: &str, c: &docgraph::relations::eval::Counts) -> ClassScore {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        ClassScore {
            name: name.to_string(),
            precision: round(c.precision()),
            recall: round(c.recall()),
            f1: round(c.f1()),
            support: c.tp + c.fn_,
        }
    }
}

/// A Markdown table of scores.
pub fn score_table(header: &str, rows: &[ClassScore]) -> String {
    use std::fmt::Write as _;
    let mut s = format!("| {header} | P | R | F1 | gold |\n|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {:.3} | {:.3} | {:.3} | {} |",
            r.name, r.precision, r.recall, r.f1, r.support
        );
    }
    s
}

/// What the epoch loop is given besides the network: epochs at most, patience, peak learning
/// rate, the batches (indexes into the training examples), and the flag Ctrl-C sets.
#[derive(Debug)]
pub struct Schedule<'a> {
    /// Epochs at most.
    pub epochs: usize,
    /// Epochs without a better development score before training stops.
    pub patience: usize,
    /// Peak learning rate (linear warm-up over a tenth of the steps, then linear decay).
    pub lr: f64,
    /// Batches of training examples.
    pub batches: Vec<Vec<usize>>,
    /// Set by Ctrl-C: the run stops after the current batch.
    pub stop: &'a AtomicBool,
}

/// One development evaluation: micro F1, the threshold it was reached at (0 where none is
/// tuned), and a table of scores to print.
pub type Evaluation = (f64, f32, String);

/// A run's state at its start: where a stopped run with the same options left off (its last
/// epoch's weights loaded into `vs`), or the beginning.
pub fn start<O: Clone + Serialize + DeserializeOwned>(
    checkpoint: &Checkpoint,
    vs: &mut nn::VarStore,
    options: &O,
    seed: u64,
    same: impl Fn(&O) -> bool,
) -> Result<State<O>, Error> {
    match checkpoint.resume(same)? {
        Some(earlier) => {
            let last = checkpoint.last();
            vs.load(&last)
                .map_err(|e| format!("{}: {e}", last.display()))?;
            Ok(State {
                options: options.clone(),
                ..earlier
            })
        }
        None => Ok(State {
            options: options.clone(),
            epoch: 0,
            step: 0.0,
            rng: Rng::seeded(seed).0,
            best: None,
            dev_f1_by_epoch: Vec::new(),
            seconds: 0.0,
        }),
    }
}

/// The epochs: AdamW over `vs` on each batch's `loss` (gradients clipped to norm 1), the
/// development data `evaluate`d after each epoch, the best epoch's weights kept and loaded
/// into `vs` at the end, a checkpoint after every epoch. Returns the final state (its `best`
/// is the epoch kept).
pub fn epochs<O: Serialize>(
    vs: &mut nn::VarStore,
    checkpoint: &Checkpoint,
    mut state: State<O>,
    mut schedule: Schedule,
    mut loss: impl FnMut(&[usize]) -> Tensor,
    mut evaluate: impl FnMut() -> Evaluation,
) -> Result<State<O>, Error> {
    let io = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
    let mut opt = nn::AdamW::default()
        .build(vs, schedule.lr)
        .map_err(|e| e.to_string())?;
    let mut rng = Rng(state.rng);
    let per_epoch = schedule.batches.len();
    let total = (per_epoch * schedule.epochs) as f64;
    let warmup = (0.1 * total).max(1.0);
    let started = Instant::now();
    let progress = Progress::default();
    while goes_on(&state, schedule.epochs, schedule.patience) {
        let epoch = state.epoch + 1;
        rng.shuffle(&mut schedule.batches);
        let mut loss_sum = 0.0;
        for (bi, batch) in schedule.batches.iter().enumerate() {
            if schedule.stop.load(Ordering::Relaxed) {
                return Err(format!(
                    "stopped in epoch {epoch}; the same command goes on after epoch {}",
                    state.epoch
                ));
            }
            let step = state.step + bi as f64 + 1.0;
            let lr = schedule.lr
                * (step / warmup)
                    .min((total - step) / (total - warmup).max(1.0))
                    .max(0.0);
            opt.set_lr(lr);
            let l = loss(batch);
            opt.backward_step_clip_norm(&l, 1.0);
            loss_sum += f64::from(&l);
            progress.batch(
                (epoch, schedule.epochs),
                (bi + 1, per_epoch),
                loss_sum / (bi + 1) as f64,
                state.seconds + started.elapsed().as_secs_f64(),
            );
        }
        let (f1, threshold, table) = tch::no_grad(&mut evaluate);
        println!(
            "epoch {epoch}: development micro F1 {f1:.3}{}\n{table}",
            if threshold > 0.0 {
                format!(" at threshold {threshold:.2}")
            } else {
                String::new()
            }
        );
        if state.best.is_none_or(|b| f1 > b.0) {
            state.best = Some((f1, threshold, epoch));
            vs.save(checkpoint.best())
                .map_err(|e| io(&checkpoint.best(), &e))?;
        }
        vs.save(checkpoint.last())
            .map_err(|e| io(&checkpoint.last(), &e))?;
        state.epoch = epoch;
        state.step += per_epoch as f64;
        state.rng = rng.0;
        state.dev_f1_by_epoch.push((f1 * 1000.0).round() / 1000.0);
        let seconds = state.seconds;
        state.seconds += started.elapsed().as_secs_f64();
        checkpoint.save(&state)?;
        state.seconds = seconds;
    }
    state.seconds += started.elapsed().as_secs_f64();
    state.seconds = (state.seconds * 10.0).round() / 10.0;
    let kept = state.best.expect("at least one epoch").2;
    if state.epoch < schedule.epochs {
        eprintln!(
            "no better development score for {} epochs: stopped after epoch {}, kept epoch {kept}",
            schedule.patience, state.epoch
        );
    }
    vs.load(checkpoint.best())
        .map_err(|e| io(&checkpoint.best(), &e))?;
    Ok(state)
}

/// Loads every variable of `vs` that `file` holds with the same name and shape; returns the
/// names of those it did not (a new classifier, for instance).
pub fn load_matching(vs: &nn::VarStore, file: &Path) -> Result<Vec<String>, Error> {
    let saved: std::collections::HashMap<String, Tensor> = Tensor::load_multi(file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .into_iter()
        .collect();
    let mut missing = Vec::new();
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            match saved.get(&name) {
                Some(t) if t.size() == var.size() => {
                    var.copy_(&t.to_kind(var.kind()));
                }
                _ => missing.push(name),
            }
        }
    });
    missing.sort();
    Ok(missing)
}

/// Writes `weights` into `out` as `rust_model.ot`, float16, by name, atomically.
pub fn save_weights(out: &Path, mut weights: Vec<(String, Tensor)>) -> Result<(), Error> {
    for (_, t) in &mut weights {
        *t = t.to_kind(tch::Kind::Half);
    }
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    let (path, tmp) = (out.join("rust_model.ot"), out.join("rust_model.ot.tmp"));
    Tensor::save_multi(&weights, &tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `config.json` into `out`: the base model's (in `base`) with `architecture`, the
/// `labels` (`id2label`, `label2id`) and float16 weights.
pub fn write_config(
    out: &Path,
    base: &Path,
    architecture: &str,
    labels: &[String],
) -> Result<(), Error> {
    let path = base.join("config.json");
    let mut config: serde_json::Value = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e}", path.display()))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{}: {e}", path.display())))?;
    config["architectures"] = serde_json::json!([architecture]);
    config["id2label"] = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), serde_json::json!(l)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    config["label2id"] = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), serde_json::json!(i)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    config["torch_dtype"] = serde_json::json!("float16");
    write_atomic(&out.join("config.json"), pretty(&config).as_bytes())
}
