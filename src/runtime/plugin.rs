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
use super::Precision;
use crate::error::{Error, Result};

/// The library's file name.
pub const LIBRARY_FILE: &str = "libdocgraph_torch.so";

/// Environment variable naming the library's path, to use one other than the default.
pub const LIBRARY_ENV: &str = "DOCGRAPH_TORCH_LIBRARY";

/// The places the library is looked for, in order.
fn candidates() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os(LIBRARY_ENV) {
        return vec![PathBuf::from(p)];
    }
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    else {
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
    /// most probable label and its probability; and the width.
    pub fn tokens(&self, inputs: &[&[i64]]) -> Result<(Vec<i64>, Vec<f32>, usize)> {
        let padded = super::abi::pad(inputs);
        let rows = padded.rows();
        let mut label = vec![0i64; padded.ids.len()];
        let mut score = vec![0f32; padded.ids.len()];
        let mut err = std::ptr::null_mut();
        // SAFETY: `rows` points into `padded`, alive for the call; the outputs are
        // `rows × width` long, as `Api::tokens` writes.
        let ok = unsafe {
            (self.api.tokens)(
                self.raw.as_ptr(),
                &rows,
                label.as_mut_ptr(),
                score.as_mut_ptr(),
                &mut err,
            )
        };
        if !ok {
            return Err(take_error(self.api, err, "running the model"));
        }
        Ok((label, score, padded.width))
    }

    /// Label probabilities (`L` of them) of each pair `[row, head, tail]` of the padded
    /// `inputs`, labels not `allowed` masked out. `packing` gives the rows' position ids and
    /// groups when they are packed ([`crate::relations::packed`]).
    pub fn pairs<const L: usize>(
        &self,
        inputs: &[&[i64]],
        packing: Option<[&[&[i64]]; 2]>,
        pairs: &[[i64; 3]],
        allowed: &[[bool; L]],
    ) -> Result<Vec<[f32; L]>> {
        let n = pairs.len();
        let bad_row = |&[r, h, t]: &[i64; 3]| {
            let len = usize::try_from(r)
                .ok()
                .and_then(|r| inputs.get(r))
                .map(|i| i.len());
            len.is_none_or(|len| [h, t].iter().any(|&p| p < 0 || p as usize >= len))
        };
        if allowed.len() != n || pairs.iter().any(bad_row) {
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
        let allowed: Vec<u8> = allowed.iter().flatten().map(|&a| u8::from(a)).collect();
        let query = super::abi::Pairs {
            count: n,
            row: row.as_ptr(),
            head: head.as_ptr(),
            tail: tail.as_ptr(),
            allowed: allowed.as_ptr(),
            labels: L,
        };
        let mut probs = vec![[0f32; L]; n];
        let mut err = std::ptr::null_mut();
        // SAFETY: every array is as long as `Rows`, `Packing` and `Pairs` say (checked or
        // built above) and alive for the call; `probs` holds `n × L` floats, contiguous.
        let ok = unsafe {
            (self.api.pairs)(
                self.raw.as_ptr(),
                &rows,
                packing
                    .as_ref()
                    .map_or(std::ptr::null(), |p| p as *const super::abi::Packing),
                &query,
                probs.as_mut_ptr().cast::<f32>(),
                &mut err,
            )
        };
        if !ok {
            return Err(take_error(self.api, err, "running the relation model"));
        }
        Ok(probs)
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
