//! `auto` decided by measurement: which arithmetic the models run in, and which OpenBLAS
//! kernels float32 uses, measured once on each machine and remembered.
//!
//! A processor's flags do not say what is fast. On an Intel Xeon with AVX-512 BF16 but no AMX,
//! bfloat16 runs the encoder at half the speed of int8; Debian's OpenBLAS 0.3.21 does not know
//! CPU models newer than itself and falls back to its SSE3 ("Prescott") kernels, which halve
//! float32. So `docgraph tune` (run by `ingest` and `bench` the first time they need it)
//! measures, each in a process of its own so that a kernel set that crashes or computes wrong
//! results costs nothing but its own answer:
//!
//! 1. **OpenBLAS kernels**: with OpenBLAS's own choice and with each kernel set the
//!    processor's instructions allow (`OPENBLAS_CORETYPE`), a float32 matrix product of the
//!    encoder's shape checked against a plain product, and the float32 NER encoder timed; the
//!    fastest correct one is kept, OpenBLAS's own unless another runs the encoder more than 10%
//!    faster (measured on an AMD EPYC Zen 4: OpenBLAS's own choice and the forced ones within
//!    3%, so nothing forced; its SSE3 fallback, what an unknown Intel model gets, 2.4x slower);
//! 2. **precision**: the NER encoder on a fixed batch at float32 (with those kernels) and at
//!    each faster arithmetic the processor multiplies natively (int8 with AVX-512 VNNI,
//!    bfloat16 with AVX-512 BF16 or AMX), alternating rounds, the median of each; the fastest
//!    is kept. (Quality at each precision is a property of the models, tested apart: the fast
//!    precisions keep entity and relation F1.)
//!
//! The result is a small JSON file in the user's cache folder (`$DOCGRAPH_TUNING`, else
//! `$XDG_CACHE_HOME/docgraph/tuning.json`, else `~/.cache/docgraph/tuning.json`), valid for
//! this processor (vendor, family, model, stepping, flags) and this docgraph version. The
//! command sets `OPENBLAS_CORETYPE` from it at start, before any library reads it, unless the
//! environment already sets it: the user's word wins.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::Precision;
use crate::error::{Error, Result};

/// Environment variable naming the tuning file.
pub const TUNING_ENV: &str = "DOCGRAPH_TUNING";

/// What was measured on this machine, and chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// The processor and docgraph version it holds for ([`machine`]).
    pub machine: String,
    /// The OpenBLAS kernel set to force (`OPENBLAS_CORETYPE`), if not OpenBLAS's own choice.
    pub openblas_coretype: Option<String>,
    /// The precision `auto` runs.
    pub precision: Precision,
    /// Every candidate measured.
    pub measured: Vec<Measured>,
}

/// One measured candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// `blas:<core>` or `precision:<name>`.
    pub candidate: String,
    /// GFLOP/s (BLAS) or encoder batches per second (precision); 0 when unusable.
    pub speed: f64,
    /// Why it was not usable, if it was not.
    pub error: Option<String>,
}

/// This processor and docgraph version, as the tuning file records them.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let digest = crate::digest::sha256_hex(flags.as_bytes());
    format!(
        "{} family {} model {} stepping {} ({}); flags {}; docgraph {}",
        field("vendor_id"),
        field("cpu family"),
        field("model"),
        field("stepping"),
        field("model name"),
        &digest[..12],
        env!("CARGO_PKG_VERSION")
    )
}

/// Where the tuning file is.
pub fn tuning_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(TUNING_ENV) {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("docgraph").join("tuning.json"))
}

/// The tuning file's contents, if it holds for this machine.
pub fn read(path: &Path) -> Option<Tuning> {
    let text = std::fs::read(path).ok()?;
    let t: Tuning = serde_json::from_slice(&text).ok()?;
    (t.machine == machine()).then_some(t)
}

/// The tuning for this machine, read once per process (`None` when never measured here).
pub fn cached() -> Option<&'static Tuning> {
    static TUNING: std::sync::OnceLock<Option<Tuning>> = std::sync::OnceLock::new();
    TUNING
        .get_or_init(|| tuning_path().and_then(|p| read(&p)))
        .as_ref()
}

/// Writes the tuning file whole (a temporary file renamed over it).
pub fn write(path: &Path, t: &Tuning) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let text = serde_json::to_vec_pretty(t).map_err(|e| Error::Serialize {
        what: "tuning.json",
        message: e.to_string(),
    })?;
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Sets `OPENBLAS_CORETYPE` from the tuning, unless the environment sets it already. Call at
/// the start of `main`, before any thread exists and before the model runtime loads (OpenBLAS
/// reads it once, as it loads). Returns the kernel set forced, if any.
pub fn apply_blas_env() -> Option<String> {
    if std::env::var_os("OPENBLAS_CORETYPE").is_some() {
        return None;
    }
    let core = cached()?.openblas_coretype.clone()?;
    std::env::set_var("OPENBLAS_CORETYPE", &core);
    Some(core)
}

/// The OpenBLAS kernel sets worth trying on this processor, beside OpenBLAS's own choice.
pub fn blas_candidates() -> Vec<&'static str> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") {
            out.push("SkylakeX");
            if has!("avx512bf16") {
                out.push("Cooperlake");
            }
        }
        if has!("avx2") && has!("fma") {
            out.push("Haswell");
            out.push("Zen");
        }
    }
    out
}

/// The precisions `auto` may choose on this processor: float32, and each faster one it
/// multiplies natively.
pub fn precision_candidates() -> Vec<Precision> {
    let mut out = vec![Precision::Float32];
    if super::int8_native() {
        out.push(Precision::Int8);
    }
    if super::bf16_native() || super::amx_bf16() {
        out.push(Precision::BFloat16);
    }
    out
}

/// What one BLAS probe found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlasProbe {
    /// The kernel set OpenBLAS says it runs.
    pub core: String,
    /// Float32 GFLOP/s on the encoder's shape.
    pub gflops: f64,
    /// The float32 NER encoder's batches per second with these kernels.
    pub encoder: f64,
    /// Largest error against a plain product, relative to the values' size.
    pub max_error: f64,
}

/// A float32 product of the encoder's feed-forward shape (64 tokens × 384 → 1536), through the
/// loaded OpenBLAS, checked against a plain product and timed; and the float32 encoder of
/// `model_dir` timed. Loads the model runtime.
pub fn probe_blas(model_dir: &Path) -> Result<BlasProbe> {
    super::load_library()?;
    type Sgemm = unsafe extern "C" fn(
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        f32,
        *const f32,
        i32,
        *const f32,
        i32,
        f32,
        *mut f32,
        i32,
    );
    let sgemm =
        symbol(c"cblas_sgemm").ok_or_else(|| Error::Model("OpenBLAS is not loaded".into()))?;
    // SAFETY: cblas_sgemm has this C signature.
    let sgemm: Sgemm = unsafe { std::mem::transmute::<*mut libc::c_void, Sgemm>(sgemm) };
    let core = symbol(c"openblas_get_corename")
        .map(|p| {
            // SAFETY: `char *openblas_get_corename(void)`, a static string.
            let f = unsafe {
                std::mem::transmute::<*mut libc::c_void, extern "C" fn() -> *const libc::c_char>(p)
            };
            // SAFETY: a NUL-terminated static string.
            unsafe { std::ffi::CStr::from_ptr(f()) }
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| "unknown".into());
    let (m, k, n) = (64usize, 384usize, 1536usize);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 997.0)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 104_729 % 1000) as f32 - 500.0) / 991.0)
        .collect();
    let mut c = vec![0f32; m * n];
    let run = |c: &mut [f32]| {
        // SAFETY: row-major (101), no transposes (111); A m×k, B k×n, C m×n, as allocated.
        unsafe {
            sgemm(
                101,
                111,
                111,
                m as i32,
                n as i32,
                k as i32,
                1.0,
                a.as_ptr(),
                k as i32,
                b.as_ptr(),
                n as i32,
                0.0,
                c.as_mut_ptr(),
                n as i32,
            )
        }
    };
    run(&mut c);
    let mut max_error = 0f64;
    for i in (0..m).step_by(7) {
        for j in (0..n).step_by(5) {
            let want: f64 = (0..k)
                .map(|x| a[i * k + x] as f64 * b[x * n + j] as f64)
                .sum();
            let err = (c[i * n + j] as f64 - want).abs() / want.abs().max(1.0);
            max_error = max_error.max(err);
        }
    }
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..10 {
            run(&mut c);
        }
        best = best.min(t.elapsed().as_secs_f64() / 10.0);
    }
    let encoder = probe_precisions(model_dir, &[Precision::Float32])?
        .first()
        .map_or(0.0, |m| m.1);
    Ok(BlasProbe {
        core,
        gflops: 2.0 * (m * k * n) as f64 / best / 1e9,
        encoder,
        max_error,
    })
}

/// Largest error a correct float32 product of this shape shows against the plain one.
pub const BLAS_TOLERANCE: f64 = 1e-3;

/// The NER encoder of `model_dir` at each of `candidates`, on a fixed batch (8 inputs of 48
/// sub-words), alternating rounds: batches per second, the median of each.
pub fn probe_precisions(
    model_dir: &Path,
    candidates: &[Precision],
) -> Result<Vec<(Precision, f64)>> {
    super::plugin::set_threads(1)?;
    let models: Vec<(Precision, super::plugin::Model)> = candidates
        .iter()
        .map(|&p| Ok((p, super::plugin::Model::load(model_dir, "classifier", p)?)))
        .collect::<Result<_>>()?;
    let rows: Vec<Vec<i64>> = (0..8)
        .map(|r| {
            let mut ids = vec![101i64];
            ids.extend((0..46).map(|k| 2000 + ((r * 131 + k * 17) % 20000) as i64));
            ids.push(102);
            ids
        })
        .collect();
    let inputs: Vec<&[i64]> = rows.iter().map(Vec::as_slice).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); models.len()];
    for round in 0..7 {
        for (i, (_, model)) in models.iter().enumerate() {
            let t = Instant::now();
            model.tokens(&inputs, None)?;
            if round > 0 {
                times[i].push(t.elapsed().as_secs_f64()); // the first round warms up
            }
        }
    }
    Ok(models
        .iter()
        .zip(times)
        .map(|((p, _), mut t)| {
            t.sort_by(f64::total_cmp);
            (*p, 1.0 / t[t.len() / 2])
        })
        .collect())
}

/// The kernel set to force: the correct probe that runs the encoder fastest, unless OpenBLAS's
/// own choice (`default`) is within 10% of it (closer is noise).
pub fn choose_blas(default: Option<&BlasProbe>, forced: &[(&str, BlasProbe)]) -> Option<String> {
    let ok = |p: &BlasProbe| p.max_error <= BLAS_TOLERANCE && p.encoder.is_finite();
    let base = default.filter(|p| ok(p)).map_or(0.0, |p| p.encoder);
    forced
        .iter()
        .filter(|(_, p)| ok(p))
        .max_by(|a, b| a.1.encoder.total_cmp(&b.1.encoder))
        .filter(|(_, p)| p.encoder > base * 1.10)
        .map(|(name, _)| name.to_string())
}

/// The fastest precision measured (float32 where nothing was).
pub fn choose_precision(measured: &[(Precision, f64)]) -> Precision {
    measured
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(Precision::Float32, |(p, _)| *p)
}

fn symbol(name: &std::ffi::CStr) -> Option<*mut libc::c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT only searches the symbols already loaded.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(encoder: f64, max_error: f64) -> BlasProbe {
        BlasProbe {
            core: "x".into(),
            gflops: 0.0,
            encoder,
            max_error,
        }
    }

    #[test]
    fn blas_kernels_are_forced_only_when_correct_and_clearly_faster() {
        let default = probe(10.0, 1e-6);
        // 2x faster and correct: forced.
        let forced = [
            ("SkylakeX", probe(20.0, 1e-6)),
            ("Haswell", probe(15.0, 1e-6)),
        ];
        assert_eq!(
            choose_blas(Some(&default), &forced).as_deref(),
            Some("SkylakeX")
        );
        // Faster but wrong: not forced; the next correct one is.
        let forced = [
            ("SkylakeX", probe(30.0, 0.5)),
            ("Haswell", probe(15.0, 1e-6)),
        ];
        assert_eq!(
            choose_blas(Some(&default), &forced).as_deref(),
            Some("Haswell")
        );
        // Within 10% of OpenBLAS's own choice: left to OpenBLAS.
        let forced = [("Zen", probe(10.3, 1e-6))];
        assert_eq!(choose_blas(Some(&default), &forced), None);
        // The default crashed (no probe): any correct kernel set is better.
        assert_eq!(choose_blas(None, &forced).as_deref(), Some("Zen"));
    }

    #[test]
    fn the_fastest_precision_measured_wins() {
        use Precision::*;
        assert_eq!(
            choose_precision(&[(Float32, 10.0), (BFloat16, 8.0), (Int8, 21.0)]),
            Int8
        );
        assert_eq!(
            choose_precision(&[(Float32, 10.0), (BFloat16, 12.0)]),
            BFloat16
        );
        assert_eq!(choose_precision(&[]), Float32);
    }

    #[test]
    fn the_tuning_file_holds_only_for_its_machine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t/tuning.json");
        let mut t = Tuning {
            machine: machine(),
            openblas_coretype: Some("SkylakeX".into()),
            precision: Precision::Int8,
            measured: vec![],
        };
        write(&path, &t).unwrap();
        assert_eq!(read(&path), Some(t.clone()));
        t.machine = "another processor".into();
        write(&path, &t).unwrap();
        assert_eq!(read(&path), None);
        assert!(machine().contains(env!("CARGO_PKG_VERSION")));
    }
}
