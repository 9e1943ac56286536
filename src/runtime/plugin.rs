//! Loading `libdocgraph_torch.so` and calling it safely.
//!
//! The library is looked for, in order: at the path in [`LIBRARY_ENV`] when set; beside the
//! executable (where `cargo build` and `scripts/install.sh` put it); in `../lib/docgraph`
//! from the executable's folder; one folder up (test and example executables live in
//! `target/<profile>/deps` and `target/<profile>/examples`). It is loaded once per process,
//! on the first call of [`load_library`] (from the first model instance to start), with its
//! symbols global, so that docgraph finds OpenBLAS among them to limit its threads.

use std::ffi::{c_char, CStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::abi::{Api, RawModel, ABI_VERSION, ENTRY_POINT};
use super::{Effective, Precision};
use crate::error::{Error, Result};

/// The library's file name.
pub const LIBRARY_FILE: &str = "libdocgraph_torch.so";

/// Environment variable naming the library's path, to use one other than the default.
pub const LIBRARY_ENV: &str = "DOCGRAPH_TORCH_LIBRARY";

/// The program whose model runtime to use instead of the running program's ([`runtime_of`]).
static RUNTIME_OF: OnceLock<PathBuf> = OnceLock::new();

/// Use the model runtime that the docgraph executable `program` loads (a build's or an installed
/// one), unless [`LIBRARY_ENV`] names another: for a program that runs the pipeline itself (the
/// Python package) and is not docgraph. Takes effect if called before the library is loaded;
/// the first call wins.
pub fn runtime_of(program: &Path) {
    let _ = RUNTIME_OF.set(program.to_path_buf());
}

/// The places the library is looked for, in order: [`LIBRARY_ENV`], else beside the program
/// given to [`runtime_of`], else beside the running program ([`candidates_beside`]).
fn candidates() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os(LIBRARY_ENV) {
        return vec![PathBuf::from(p)];
    }
    if let Some(program) = RUNTIME_OF.get() {
        return candidates_beside(program);
    }
    std::env::current_exe()
        .map(|exe| candidates_beside(&exe))
        .unwrap_or_default()
}

/// Where the library lies for the program `program`: in its folder (a build), in
/// `../lib/docgraph` (`scripts/install.sh`), one folder up (the tests' executables).
fn candidates_beside(program: &Path) -> Vec<PathBuf> {
    let Some(dir) = program.parent() else {
        return Vec::new();
    };
    let mut out = vec![
        dir.join(LIBRARY_FILE),
        dir.join("../lib/docgraph").join(LIBRARY_FILE),
    ];
    if let Some(up) = dir.parent() {
        out.push(up.join(LIBRARY_FILE));
    }
    out
}

/// Where the library is (the first candidate that exists), or an error naming the places
/// looked at.
pub fn library_path() -> Result<PathBuf> {
    let places = candidates();
    places.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let looked: Vec<String> = places.iter().map(|p| p.display().to_string()).collect();
        Error::Config(format!(
            "the model runtime {LIBRARY_FILE} was not found (looked at: {}); build it with \
             `cargo build --release` in the docgraph repository (it is the docgraph-torch \
             package), or name it with {LIBRARY_ENV}",
            looked.join(", ")
        ))
    })
}

/// Loads the library (once per process; later calls return the same table or error).
pub fn load_library() -> Result<&'static Api> {
    static API: OnceLock<std::result::Result<&'static Api, String>> = OnceLock::new();
    API.get_or_init(|| {
        let began = Instant::now();
        let _record = Recorder(began);
        let path = library_path().map_err(|e| e.to_string())?;
        let api = open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // libtorch has just loaded OpenBLAS, whose pool would compete with the workers.
        crate::threads::limit_openblas();
        Ok(api)
    })
    .as_ref()
    .copied()
    .map_err(|e| Error::Model(e.clone()))
}

/// When the library was loaded and how long that took, once it has been.
static LOADED: OnceLock<(Instant, Duration)> = OnceLock::new();

/// Records the load's time when dropped (at the end of the attempt, also a failed one).
struct Recorder(Instant);

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = LOADED.set((self.0, self.0.elapsed()));
    }
}

/// Seconds spent loading the library, if it was loaded (or tried) after `since`.
pub fn load_seconds_since(since: Instant) -> Option<f64> {
    LOADED
        .get()
        .filter(|(began, _)| *began >= since)
        .map(|(_, took)| took.as_secs_f64())
}

fn open(path: &Path) -> std::result::Result<&'static Api, String> {
    let name = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| "a path with a NUL byte".to_string())?;
    // SAFETY: dlopen with a valid C string; the handle is never closed, so what it maps stays
    // valid for the rest of the process.
    let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        return Err(dl_error());
    }
    // SAFETY: a symbol looked up in the handle just opened.
    let entry = unsafe { libc::dlsym(handle, ENTRY_POINT.as_ptr()) };
    if entry.is_null() {
        return Err(format!(
            "not docgraph's model runtime ({}): {}",
            ENTRY_POINT.to_string_lossy(),
            dl_error()
        ));
    }
    // SAFETY: the plugin defines the entry point as `extern "C" fn() -> *const Api`.
    let entry =
        unsafe { std::mem::transmute::<*mut libc::c_void, extern "C" fn() -> *const Api>(entry) };
    let table = entry();
    // SAFETY: the plugin returns a pointer to a table in its static memory, never freed; its
    // first field is the version, whose place no version changes.
    let api = unsafe { table.as_ref() }.ok_or("the plugin returned no interface")?;
    if api.abi != ABI_VERSION {
        return Err(format!(
            "interface version {} where this docgraph needs {ABI_VERSION}: rebuild both \
             together (`cargo build --release`)",
            api.abi
        ));
    }
    Ok(api)
}

fn dl_error() -> String {
    // SAFETY: dlerror returns null or a C string valid until the next dl call on this thread.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-null, NUL-terminated (above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// Takes an error message the plugin stored (null: none).
fn take_error(api: &Api, err: *mut c_char, what: &str) -> Error {
    if err.is_null() {
        return Error::Model(format!("{what} failed"));
    }
    // SAFETY: the plugin stores a NUL-terminated string it allocated, freed here once.
    let text = unsafe { CStr::from_ptr(err) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: as above: freed by the side that allocated it, once.
    unsafe { (api.free_error)(err) };
    Error::Model(text)
}

/// Sets libtorch's intra-op threads (process-wide), loading the library first.
pub(crate) fn set_threads(threads: i32) -> Result<()> {
    let api = load_library()?;
    // SAFETY: a setter of libtorch's global setting.
    unsafe { (api.set_threads)(threads) };
    Ok(())
}

/// One model instance in the plugin: an encoder and its linear head. Used by one thread at a
/// time (it is `Send`, not `Sync`).
pub(crate) struct Model {
    raw: NonNull<RawModel>,
    api: &'static Api,
}

// SAFETY: an instance is a set of libtorch tensors, which may move between threads; the
// plugin never ties an instance to the thread that made it.
unsafe impl Send for Model {}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").finish_non_exhaustive()
    }
}

impl Model {
    /// Loads the model in `dir` with the head `<head>.weight`/`<head>.bias`, its encoder at
    /// `precision` (resolved here for this processor).
    pub fn load(dir: &Path, head: &str, precision: Precision) -> Result<Self> {
        let api = load_library()?;
        let dir = dir.as_os_str().as_bytes();
        let mut err = std::ptr::null_mut();
        // SAFETY: byte slices with their lengths, a code, and an error slot, as `Api::load`
        // takes them.
        let raw = unsafe {
            (api.load)(
                dir.as_ptr(),
                dir.len(),
                head.as_ptr(),
                head.len(),
                precision.effective().code(),
                &mut err,
            )
        };
        NonNull::new(raw)
            .map(|raw| Model { raw, api })
            .ok_or_else(|| take_error(api, err, "loading the model"))
    }

    /// Another instance over the same weights.
    pub fn share(&self) -> Result<Self> {
        let mut err = std::ptr::null_mut();
        // SAFETY: a live instance and an error slot.
        let raw = unsafe { (self.api.share)(self.raw.as_ptr(), &mut err) };
        NonNull::new(raw)
            .map(|raw| Model { raw, api: self.api })
            .ok_or_else(|| take_error(self.api, err, "sharing the model"))
    }

    /// For each position of the padded `inputs` (row `r`, token `k` at `r × width + k`), the
    /// most probable label and its probability; and the width. With `keep`, also the text
    /// states of the rows `keep` marks ([`super::TextStates`]; `None` for the others) and the
    /// seconds they cost.
    pub fn tokens(&self, inputs: &[&[i64]], keep: Option<&[bool]>) -> Result<TokenOutput> {
        let padded = super::abi::pad(inputs);
        let rows = padded.rows();
        let width = padded.width;
        let mut label = vec![0i64; padded.ids.len()];
        let mut score = vec![0f32; padded.ids.len()];
        let keep: Vec<u8> =
            keep.map_or_else(Vec::new, |k| k.iter().map(|&k| u8::from(k)).collect());
        let kept = keep.iter().filter(|&&k| k != 0).count();
        let state_width = if kept > 0 { self.state_width() } else { 0 };
        let mut states = vec![0u16; kept * width * state_width];
        let mut seconds = 0f64;
        let mut err = std::ptr::null_mut();
        // SAFETY: `rows` points into `padded`, alive for the call; the outputs are
        // `rows × width` long, `keep` `rows` bytes and the states `kept × width × state_width`
        // (or neither, null), as `Api::tokens` reads and writes them.
        let ok = unsafe {
            (self.api.tokens)(
                self.raw.as_ptr(),
                &rows,
                label.as_mut_ptr(),
                score.as_mut_ptr(),
                if state_width == 0 {
                    std::ptr::null()
                } else {
                    keep.as_ptr()
                },
                if state_width == 0 {
                    std::ptr::null_mut()
                } else {
                    states.as_mut_ptr()
                },
                &mut seconds,
                &mut err,
            )
        };
        if !ok {
            return Err(take_error(self.api, err, "running the model"));
        }
        let copying = std::time::Instant::now();
        let mut text = vec![None; inputs.len()];
        if state_width > 0 {
            let kept_rows = (0..inputs.len()).filter(|&r| keep[r] != 0);
            for (k, r) in kept_rows.enumerate() {
                let at = k * width * state_width;
                text[r] = Some(super::TextStates {
                    ids: inputs[r].to_vec(),
                    states: states[at..at + inputs[r].len() * state_width].to_vec(),
                });
            }
        }
        Ok(TokenOutput {
            label,
            score,
            width,
            text,
            state_seconds: seconds + copying.elapsed().as_secs_f64(),
        })
    }

    /// Values a token of the text states the model writes or reads (0: none).
    pub fn state_width(&self) -> usize {
        // SAFETY: a live instance.
        unsafe { (self.api.state_width)(self.raw.as_ptr()) }
    }

    /// Label probabilities (`labels` of them) of each pair `[row, head, tail]` of the padded
    /// `inputs`, labels not `allowed` (`labels` flags a pair, pair after pair) masked out. `packing` gives the rows' position ids and
    /// groups when they are packed ([`crate::relations::packed`]).
    /// `text` gives, for a model that reads text states ([`Model::state_width`] not 0), the
    /// rows' text states where known (one entry per row; the model computes the others).
    pub fn pairs(
        &self,
        inputs: &[&[i64]],
        packing: Option<[&[&[i64]]; 2]>,
        pairs: &[[i64; 3]],
        (allowed, labels): (&[bool], usize),
        text: Option<&[Option<&super::TextStates>]>,
    ) -> Result<Vec<Vec<f32>>> {
        let n = pairs.len();
        let bad_row = |&[r, h, t]: &[i64; 3]| {
            let len = usize::try_from(r)
                .ok()
                .and_then(|r| inputs.get(r))
                .map(|i| i.len());
            len.is_none_or(|len| [h, t].iter().any(|&p| p < 0 || p as usize >= len))
        };
        if labels == 0 || allowed.len() != n * labels || pairs.iter().any(bad_row) {
            return Err(Error::Model(
                "pairs: a pair outside its row, or allowed labels of another number".into(),
            ));
        }
        let padded = super::abi::pad(inputs);
        let rows = padded.rows();
        let extra = packing
            .map(|[positions, groups]| (super::abi::pad(positions), super::abi::pad(groups)));
        if let Some((p, g)) = &extra {
            if p.lens != padded.lens || g.lens != padded.lens {
                return Err(Error::Model(
                    "pairs: positions or groups of other lengths than the ids".into(),
                ));
            }
        }
        let packing = extra.as_ref().map(|(p, g)| super::abi::Packing {
            positions: p.ids.as_ptr(),
            groups: g.ids.as_ptr(),
        });
        let column = |k: usize| pairs.iter().map(|p| p[k]).collect::<Vec<i64>>();
        let (row, head, tail) = (column(0), column(1), column(2));
        let allowed: Vec<u8> = allowed.iter().map(|&a| u8::from(a)).collect();
        let query = super::abi::Pairs {
            count: n,
            row: row.as_ptr(),
            head: head.as_ptr(),
            tail: tail.as_ptr(),
            allowed: allowed.as_ptr(),
            labels,
        };
        let text = match text {
            Some(text) if text.iter().any(Option::is_some) => {
                let state_width = self.state_width();
                if state_width == 0 || text.len() != inputs.len() {
                    return Err(Error::Model(
                        "pairs: text states for a model that reads none, or not one per row".into(),
                    ));
                }
                Some(TextBuffer::new(text, state_width)?)
            }
            _ => None,
        };
        let text_input = text.as_ref().map(TextBuffer::input);
        let mut probs = vec![0f32; n * labels];
        let mut err = std::ptr::null_mut();
        // SAFETY: every array is as long as `Rows`, `Packing` and `Pairs` say (checked or
        // built above) and alive for the call; `probs` holds `n × labels` floats.
        let ok = unsafe {
            (self.api.pairs)(
                self.raw.as_ptr(),
                &rows,
                packing
                    .as_ref()
                    .map_or(std::ptr::null(), |p| p as *const super::abi::Packing),
                &query,
                text_input
                    .as_ref()
                    .map_or(std::ptr::null(), |t| t as *const super::abi::TextInput),
                probs.as_mut_ptr().cast::<f32>(),
                &mut err,
            )
        };
        if !ok {
            return Err(take_error(self.api, err, "running the relation model"));
        }
        Ok(probs.chunks(labels).map(<[f32]>::to_vec).collect())
    }
}

/// What [`Model::tokens`] gives: labels and scores per padded position, the width, and the
/// text states of the rows asked for.
#[derive(Debug)]
pub struct TokenOutput {
    /// Most probable label per position, `rows × width`.
    pub label: Vec<i64>,
    /// Its probability.
    pub score: Vec<f32>,
    /// Tokens per row, padding included.
    pub width: usize,
    /// Text states of each row kept, else `None`.
    pub text: Vec<Option<super::TextStates>>,
    /// Seconds the text states cost beyond the labels (converting and copying them).
    pub state_seconds: f64,
}

/// Text states laid out as [`super::abi::TextInput`] reads them.
struct TextBuffer {
    states: Vec<u16>,
    given: Vec<u8>,
    width: usize,
}

impl TextBuffer {
    fn new(text: &[Option<&super::TextStates>], state_width: usize) -> Result<Self> {
        let width = text
            .iter()
            .flatten()
            .map(|t| t.ids.len())
            .max()
            .unwrap_or(1);
        let mut states = vec![0u16; text.len() * width * state_width];
        for (r, t) in text.iter().enumerate() {
            if let Some(t) = t {
                if t.states.len() != t.ids.len() * state_width {
                    return Err(Error::Model(
                        "pairs: text states of another width than the model reads".into(),
                    ));
                }
                let at = r * width * state_width;
                states[at..at + t.states.len()].copy_from_slice(&t.states);
            }
        }
        Ok(TextBuffer {
            states,
            given: text.iter().map(|t| u8::from(t.is_some())).collect(),
            width,
        })
    }

    /// The buffer as the plugin reads it; valid while `self` lives.
    fn input(&self) -> super::abi::TextInput {
        super::abi::TextInput {
            states: self.states.as_ptr(),
            given: self.given.as_ptr(),
            width: self.width,
        }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: an instance made by the plugin, freed once.
        unsafe { (self.api.free)(self.raw.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_that_is_not_the_runtime_is_refused_by_name() {
        let e = open(Path::new("libz.so.1")).unwrap_err();
        assert!(e.contains("not docgraph's model runtime"), "{e}");
        let e = open(Path::new("/nonexistent/libdocgraph_torch.so")).unwrap_err();
        assert!(e.contains("/nonexistent/libdocgraph_torch.so"), "{e}");
    }

    #[test]
    fn the_runtime_built_beside_the_tests_loads_and_matches_this_interface() {
        let path = library_path().unwrap();
        assert!(path.ends_with(LIBRARY_FILE), "{}", path.display());
        assert_eq!(load_library().unwrap().abi, ABI_VERSION);
    }
}
