//! Linear layers in 8-bit integers ([`super::Precision::Int8`]).
//!
//! Each product `x Wᵀ` runs as one integer matrix product through oneDNN's
//! `dnnl_gemm_u8s8s32`, which libtorch already loads: on processors with AVX-512 VNNI it
//! multiplies bytes four at a time into 32-bit sums, about five times float32's speed at the
//! encoder's shapes (measured on an Intel Xeon: 389–481 against 80–91 billion operations a
//! second on one core).
//!
//! Scales are as fine as the product allows, so that little is lost in rounding:
//!
//! - each **weight row** (output channel) has its own scale, fixed when the model loads:
//!   `w ≈ s_w[j] · q_w`, `q_w` in −127..=127;
//! - each **token's input row** has its own scale, measured on every call:
//!   `x ≈ s_x[i] · q_x`, `q_x` in −127..=127, handed over as `q_x + 128` (unsigned bytes, the
//!   offset removed by the product itself);
//! - `y[i][j] = s_x[i] · s_w[j] · Σ q_x q_w + b[j]`, in float32;
//! - input columns holding a value beyond [`OUTLIER`] (transformers keep a few such feature
//!   columns: 1–5 per call in docgraph's models) are left out of the integer product and of
//!   the tokens' scales, and their part `x[i][c] · W[j][c]` is added in float32.
//!
//! Without AVX-512 VNNI ([`docgraph_abi::int8_native`]) oneDNN still computes the product, more slowly and
//! with 16-bit intermediate sums that can saturate; `auto` never picks int8 there.
//!
//! Everything outside the linear layers (embeddings, attention, layer norms, activations and
//! the classifiers) stays float32.

use std::sync::{Arc, OnceLock};

use crate::{Error, Result};
use docgraph_abi::int8_native;
use tch::{Device, Kind, Tensor};

/// `dnnl_gemm_u8s8s32`: `C = α (op(A) − ao)(op(B) − bo) + β C + co`, row-major.
type GemmU8S8S32 = unsafe extern "C" fn(
    transa: libc::c_char,
    transb: libc::c_char,
    offsetc: libc::c_char,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: *const u8,
    lda: i64,
    ao: u8,
    b: *const i8,
    ldb: i64,
    bo: i8,
    beta: f32,
    c: *mut i32,
    ldc: i64,
    co: *const i32,
) -> i32;

/// oneDNN's integer product, looked up by name in the loaded libraries (libtorch links
/// oneDNN), so nothing extra is linked.
fn gemm() -> Option<GemmU8S8S32> {
    static GEMM: OnceLock<Option<GemmU8S8S32>> = OnceLock::new();
    *GEMM.get_or_init(|| {
        // SAFETY: dlsym with RTLD_DEFAULT only searches the symbols already loaded.
        let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"dnnl_gemm_u8s8s32".as_ptr()) };
        // SAFETY: oneDNN's C API gives `dnnl_gemm_u8s8s32` exactly this signature (oneDNN 1.x
        // to 3.x; `dnnl_dim_t` is int64_t, `dnnl_status_t` an int-sized enum).
        (!p.is_null()).then(|| unsafe { std::mem::transmute::<*mut libc::c_void, GemmU8S8S32>(p) })
    })
}

/// Whether 8-bit products can run here: oneDNN is loaded.
pub fn available() -> bool {
    gemm().is_some()
}

/// Largest quantized magnitude (symmetric: −127..=127, so negation never overflows).
const QMAX: f32 = 127.0;

/// Scale that maps a row with largest magnitude `amax` onto −127..=127 (1 for a zero row).
fn scale_of(amax: f32) -> f32 {
    if amax > 0.0 && amax.is_finite() {
        amax / QMAX
    } else {
        1.0
    }
}

/// A weight matrix `[out, in]` quantized row by row.
#[derive(Debug, PartialEq)]
pub(crate) struct QuantizedWeight {
    /// `out × in` values, row-major.
    values: Vec<i8>,
    /// One scale per output row.
    scales: Vec<f32>,
    /// The bias, float32.
    bias: Vec<f32>,
    /// The float32 weight transposed (`in × out`, row-major): row `c` is what input column
    /// `c` contributes to each output, for the outlier columns.
    transposed: Vec<f32>,
    out: usize,
    inputs: usize,
}

impl QuantizedWeight {
    /// Quantizes `weight` (`out × inputs`, row-major) with one scale per row.
    pub(crate) fn new(weight: &[f32], bias: &[f32], out: usize, inputs: usize) -> Self {
        assert_eq!(weight.len(), out * inputs, "weight is out × inputs");
        assert_eq!(bias.len(), out, "one bias per output");
        let mut values = Vec::with_capacity(weight.len());
        let mut scales = Vec::with_capacity(out);
        for row in weight.chunks_exact(inputs) {
            let scale = scale_of(amax(row));
            let inv = 1.0 / scale;
            // Rounded half up, as the inputs are (see `quantize_rows_portable`).
            values.extend(row.iter().map(|v| {
                // max then min, not clamp: a NaN must come out in range, not as NaN.
                #[allow(clippy::manual_clamp)]
                let shifted = (v * inv + 128.5).max(1.0).min(255.0);
                // SAFETY: `shifted` is finite and within 1..=255.
                (unsafe { shifted.to_int_unchecked::<i32>() } - 128) as i8
            }));
            scales.push(scale);
        }
        QuantizedWeight {
            values,
            scales,
            bias: bias.to_vec(),
            transposed: transpose(weight, out, inputs),
            out,
            inputs,
        }
    }
}

/// Largest magnitude in `row` (NaN when it holds one; infinity when it holds one). Compares
/// the bit patterns with the sign cleared, which order like the magnitudes do, so the loop is
/// an integer maximum that vectorizes.
#[inline(always)]
fn amax(row: &[f32]) -> f32 {
    f32::from_bits(
        row.iter()
            .map(|v| v.to_bits() & 0x7fff_ffff)
            .max()
            .unwrap_or(0),
    )
}

/// Quantizes the rows of `x` (`rows × inputs`) leaving out the `outliers` columns (their
/// bytes are 128, zero, and they do not count towards a row's scale): returns the bytes
/// (`q + 128`) and one scale per row.
pub(crate) fn quantize_rows(x: &[f32], inputs: usize, outliers: &[usize]) -> (Vec<u8>, Vec<f32>) {
    #[cfg(target_arch = "x86_64")]
    if int8_native() {
        // SAFETY: the processor has the features the function is compiled for.
        return unsafe { quantize_rows_avx512(x, inputs, outliers) };
    }
    quantize_rows_portable(x, inputs, outliers)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn quantize_rows_avx512(
    x: &[f32],
    inputs: usize,
    outliers: &[usize],
) -> (Vec<u8>, Vec<f32>) {
    quantize_rows_portable(x, inputs, outliers)
}

#[inline(always)]
fn quantize_rows_portable(x: &[f32], inputs: usize, outliers: &[usize]) -> (Vec<u8>, Vec<f32>) {
    // Bit masks that clear an outlier column's value when measuring a row (and the sign of
    // every other value).
    let keep: Option<Vec<u32>> = (!outliers.is_empty()).then(|| {
        let mut keep = vec![0x7fff_ffffu32; inputs];
        for &c in outliers {
            keep[c] = 0;
        }
        keep
    });
    let mut bytes = vec![0u8; x.len()];
    let mut scales = Vec::with_capacity(x.len() / inputs.max(1));
    for (row, out) in x.chunks_exact(inputs).zip(bytes.chunks_exact_mut(inputs)) {
        let largest = match &keep {
            None => amax(row),
            Some(keep) => f32::from_bits(
                row.iter()
                    .zip(keep)
                    .map(|(v, k)| v.to_bits() & k)
                    .max()
                    .unwrap_or(0),
            ),
        };
        let scale = scale_of(largest);
        let inv = 1.0 / scale;
        for (o, v) in out.iter_mut().zip(row) {
            // v · inv is in −127..=127; + 128.5 then truncation rounds half up to 1..=255. The
            // clamp (which also turns a NaN into 0) keeps the conversion in range.
            #[allow(clippy::manual_clamp)]
            let shifted = (v * inv + 128.5).max(0.0).min(255.0);
            // SAFETY: `shifted` is finite and within 0..=255.
            *o = unsafe { shifted.to_int_unchecked::<i32>() } as u8;
        }
        for &c in outliers {
            out[c] = 128;
        }
        scales.push(scale);
    }
    (bytes, scales)
}

/// A linear layer `y = x Wᵀ + b` with 8-bit products (see the module's documentation).
pub(crate) struct Int8Linear {
    weight: Arc<QuantizedWeight>,
    gemm: GemmU8S8S32,
}

/// An input column with a value of larger magnitude than this is multiplied in float32 (the
/// outlier decomposition of Dettmers et al., "LLM.int8()", 2022): transformers' hidden states
/// have a few such feature columns, and one of them in a token would otherwise coarsen the
/// scale of all the token's other values.
pub const OUTLIER: f32 = 6.0;

/// Input columns (of `x`, `rows × inputs`) holding a value beyond [`OUTLIER`] in magnitude.
fn outlier_columns(x: &[f32], inputs: usize) -> Vec<usize> {
    #[cfg(target_arch = "x86_64")]
    if int8_native() {
        // SAFETY: the processor has the features the function is compiled for.
        return unsafe { outlier_columns_avx512(x, inputs) };
    }
    outlier_columns_portable(x, inputs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn outlier_columns_avx512(x: &[f32], inputs: usize) -> Vec<usize> {
    outlier_columns_portable(x, inputs)
}

#[inline(always)]
fn outlier_columns_portable(x: &[f32], inputs: usize) -> Vec<usize> {
    let mut amax = vec![0u32; inputs];
    for row in x.chunks_exact(inputs) {
        for (m, v) in amax.iter_mut().zip(row) {
            *m = (*m).max(v.to_bits() & 0x7fff_ffff);
        }
    }
    let limit = OUTLIER.to_bits();
    (0..inputs).filter(|&c| amax[c] > limit).collect()
}

/// `m` (`rows × cols`, row-major) transposed, in square tiles: element by element, every write
/// of a row would land a cache line away from the last (most of a model's load time at int8).
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const TILE: usize = 32;
    let mut t = vec![0f32; m.len()];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            let (r1, c1) = ((r0 + TILE).min(rows), (c0 + TILE).min(cols));
            for c in c0..c1 {
                let to = &mut t[c * rows + r0..c * rows + r1];
                for (r, v) in (r0..r1).zip(to) {
                    *v = m[r * cols + c];
                }
            }
        }
    }
    t
}

impl Int8Linear {
    /// Quantizes a float32 layer; an error when oneDNN's integer product is not loaded.
    pub(crate) fn new(weight: &Tensor, bias: &Tensor) -> Result<Self> {
        let gemm = gemm().ok_or_else(|| {
            Error::Model(
                "precision int8 needs oneDNN's dnnl_gemm_u8s8s32, which this libtorch does not load"
                    .into(),
            )
        })?;
        let (out, inputs) = weight
            .size2()
            .map_err(|e| Error::Model(format!("a linear weight is not a matrix: {e}")))?;
        let w = Vec::<f32>::from(&weight.to_kind(Kind::Float).contiguous().view([-1]));
        let b = Vec::<f32>::from(&bias.to_kind(Kind::Float).contiguous());
        Ok(Int8Linear {
            weight: Arc::new(QuantizedWeight::new(&w, &b, out as usize, inputs as usize)),
            gemm,
        })
    }

    /// The same layer over the same weights (no copy).
    pub(crate) fn share(&self) -> Self {
        Int8Linear {
            weight: Arc::clone(&self.weight),
            gemm: self.gemm,
        }
    }

    /// Applies the layer to `x` (`[…, in]`, float32); the result is float32 `[…, out]`.
    pub(crate) fn forward(&self, x: &Tensor) -> Tensor {
        let w = &*self.weight;
        let mut shape = x.size();
        let last = shape
            .last_mut()
            .expect("a linear layer's input has a last dimension");
        assert_eq!(*last as usize, w.inputs, "input width of a linear layer");
        *last = w.out as i64;
        let x = x.to_kind(Kind::Float).contiguous();
        let rows = x.numel() / w.inputs;
        // SAFETY: `x` is a contiguous float32 CPU tensor of rows × inputs values, alive (and
        // not written) while the slice is used.
        let xs = unsafe { std::slice::from_raw_parts(x.data_ptr() as *const f32, rows * w.inputs) };
        let outliers = outlier_columns(xs, w.inputs);
        let (bytes, row_scales) = quantize_rows(xs, w.inputs, &outliers);
        let mut sums: Vec<i32> = Vec::with_capacity(rows * w.out);
        if rows > 0 {
            let zero = [0i32];
            // SAFETY: A is rows × inputs (lda = inputs), B is out × inputs read transposed
            // (ldb = inputs), C is rows × out (ldc = out), all row-major and sized so; the
            // offset vector has the one element a fixed ('F') offset reads.
            let status = unsafe {
                (self.gemm)(
                    b'N' as libc::c_char,
                    b'T' as libc::c_char,
                    b'F' as libc::c_char,
                    rows as i64,
                    w.out as i64,
                    w.inputs as i64,
                    1.0,
                    bytes.as_ptr(),
                    w.inputs as i64,
                    128,
                    w.values.as_ptr(),
                    w.inputs as i64,
                    0,
                    0.0,
                    sums.as_mut_ptr(),
                    w.out as i64,
                    zero.as_ptr(),
                )
            };
            assert_eq!(status, 0, "dnnl_gemm_u8s8s32 failed with status {status}");
            // SAFETY: with β = 0 the product wrote every one of the rows × out sums.
            unsafe { sums.set_len(rows * w.out) };
        }
        let y = Tensor::empty(&[rows as i64, w.out as i64], (Kind::Float, Device::Cpu));
        // SAFETY: `y` was just made: a contiguous float32 CPU tensor of rows × out values, not
        // shared with anything yet.
        let ys = unsafe { std::slice::from_raw_parts_mut(y.data_ptr() as *mut f32, rows * w.out) };
        finish(&sums, &row_scales, w, xs, &outliers, ys);
        y.view(shape.as_slice())
    }
}

/// The layer's output from the integer sums: dequantized ([`dequantize_portable`]), plus the
/// outlier columns' float32 contributions ([`add_outliers_portable`]).
fn finish(
    sums: &[i32],
    row_scales: &[f32],
    w: &QuantizedWeight,
    x: &[f32],
    outliers: &[usize],
    y: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if int8_native() {
        // SAFETY: the processor has the features the function is compiled for.
        return unsafe { finish_avx512(sums, row_scales, w, x, outliers, y) };
    }
    dequantize_portable(sums, row_scales, &w.scales, &w.bias, y);
    add_outliers_portable(x, w.inputs, outliers, &w.transposed, y);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn finish_avx512(
    sums: &[i32],
    row_scales: &[f32],
    w: &QuantizedWeight,
    x: &[f32],
    outliers: &[usize],
    y: &mut [f32],
) {
    dequantize_portable(sums, row_scales, &w.scales, &w.bias, y);
    add_outliers_portable(x, w.inputs, outliers, &w.transposed, y);
}

/// `y[i][·] += x[i][c] · Wᵀ[c][·]` for every outlier column `c` (`transposed` is `Wᵀ`,
/// `inputs × out`).
#[inline(always)]
fn add_outliers_portable(
    x: &[f32],
    inputs: usize,
    outliers: &[usize],
    transposed: &[f32],
    y: &mut [f32],
) {
    if outliers.is_empty() {
        return;
    }
    let out = transposed.len() / inputs;
    for (row, y) in x.chunks_exact(inputs).zip(y.chunks_exact_mut(out)) {
        for &c in outliers {
            let v = row[c];
            for (y, t) in y.iter_mut().zip(&transposed[c * out..(c + 1) * out]) {
                *y += v * t;
            }
        }
    }
}

/// `y[i][j] = sums[i][j] · row_scales[i] · col_scales[j] + bias[j]`.
#[inline(always)]
fn dequantize_portable(
    sums: &[i32],
    row_scales: &[f32],
    col_scales: &[f32],
    bias: &[f32],
    y: &mut [f32],
) {
    let out = col_scales.len();
    for ((s, y), rs) in sums
        .chunks_exact(out)
        .zip(y.chunks_exact_mut(out))
        .zip(row_scales)
    {
        for (((y, s), cs), b) in y.iter_mut().zip(s).zip(col_scales).zip(bias) {
            *y = *s as f32 * (rs * cs) + b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiled_transposition_is_the_transpose_at_any_shape() {
        for (rows, cols) in [(1, 1), (3, 5), (32, 32), (33, 70), (100, 31)] {
            let m: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let t = transpose(&m, rows, cols);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(t[c * rows + r], m[r * cols + c], "{rows}×{cols} at {r},{c}");
                }
            }
        }
    }

    #[test]
    fn rows_round_trip_within_half_a_step() {
        let x = [0.5f32, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, -0.001, 2.9];
        let (bytes, scales) = quantize_rows(&x, 3, &[]);
        assert_eq!(scales.len(), 3);
        assert_eq!(scales[1], 1.0, "a zero row keeps scale 1");
        assert_eq!(&bytes[3..6], &[128, 128, 128]);
        // the largest magnitude of a row maps to ±127
        assert_eq!(bytes[1], 1);
        assert_eq!(bytes[6], 255);
        for (i, v) in x.iter().enumerate() {
            let back = (bytes[i] as f32 - 128.0) * scales[i / 3];
            assert!(
                (back - v).abs() <= scales[i / 3] / 2.0 + 1e-6,
                "{v} -> {back}"
            );
        }
    }

    #[test]
    fn odd_values_stay_in_range() {
        // A NaN or an infinity in a row leaves that row at scale 1, its bytes clamped.
        let (bytes, scales) = quantize_rows(&[f32::NAN, 1.0, f32::INFINITY, -1.0], 2, &[]);
        assert_eq!(scales, vec![1.0, 1.0]);
        assert_eq!(bytes, vec![0, 129, 255, 127]);
        // The portable and the vectorized loops agree.
        let x: Vec<f32> = (0..300)
            .map(|i| ((i * 37) % 101) as f32 / 7.0 - 7.0)
            .collect();
        assert_eq!(
            quantize_rows(&x, 30, &[]),
            quantize_rows_portable(&x, 30, &[])
        );
        assert_eq!(
            quantize_rows(&x, 30, &[3, 17]),
            quantize_rows_portable(&x, 30, &[3, 17])
        );
    }

    #[test]
    fn outlier_columns_are_left_out_of_the_bytes_and_the_scales() {
        let x = [1.0f32, 100.0, -0.5, 2.0, -50.0, 1.0];
        let (bytes, scales) = quantize_rows(&x, 3, &[1]);
        assert_eq!(scales, vec![1.0 / 127.0, 2.0 / 127.0]);
        assert_eq!(bytes, vec![255, 128, 65, 255, 128, 192]);
        // and their float32 part is added back
        let transposed = [1.0f32, 2.0, 10.0, 20.0, 3.0, 4.0]; // Wᵀ: 3 inputs × 2 outputs
        let mut y = [0f32; 4];
        add_outliers_portable(&x, 3, &[1], &transposed, &mut y);
        assert_eq!(y, [1000.0, 2000.0, -500.0, -1000.0]);
    }

    #[test]
    fn outlier_columns_are_found() {
        let x = [0.1f32, 7.0, -0.2, 0.3, -6.5, 6.0];
        assert_eq!(outlier_columns(&x, 3), vec![1]);
        assert_eq!(outlier_columns(&x, 2), vec![0, 1]);
        assert!(outlier_columns(&[1.0, -2.0], 2).is_empty());
    }

    /// A column of large values (as transformers' hidden states have) is multiplied in
    /// float32, so the other values of each token keep a fine scale.
    #[test]
    fn an_outlier_column_does_not_coarsen_the_rest() {
        tch::manual_seed(11);
        let x = Tensor::randn(&[16, 64], (Kind::Float, Device::Cpu));
        let _ = x.narrow(1, 5, 1).fill_(60.0);
        let w = Tensor::randn(&[32, 64], (Kind::Float, Device::Cpu)) * 0.1;
        let b = Tensor::zeros(&[32], (Kind::Float, Device::Cpu));
        let exact = x.linear(&w, Some(&b));
        let got = Int8Linear::new(&w, &b).unwrap().forward(&x);
        let err = f64::from((&got - &exact).abs().max());
        // Quantized with the outlier, each token's step would be 60/127 ≈ 0.47 and the error
        // well above 0.1; without it the step is ≈ 3/127.
        assert!(err < 0.05, "max error {err}");
    }

    #[test]
    fn weight_rows_have_their_own_scales() {
        let w = [1.0f32, -0.5, 0.0, 100.0, 50.0, -100.0];
        let q = QuantizedWeight::new(&w, &[0.0, 1.0], 2, 3);
        assert_eq!(q.values, vec![127, -63, 0, 127, 64, -127]);
        assert_eq!(q.scales, vec![1.0 / 127.0, 100.0 / 127.0]);
    }

    #[test]
    fn dequantize_applies_both_scales_and_the_bias() {
        let mut y = [0f32; 4];
        dequantize_portable(
            &[10, -20, 0, 5],
            &[0.5, 2.0],
            &[1.0, 0.1],
            &[1.0, -1.0],
            &mut y,
        );
        assert_eq!(y, [6.0, -2.0, 1.0, 0.0]);
    }

    /// The integer product against float32 arithmetic on random data (needs oneDNN, which
    /// libtorch loads; the test fails, not skips, if it is missing).
    #[test]
    fn product_matches_float32_within_rounding() {
        tch::manual_seed(7);
        let x = Tensor::randn(&[2, 5, 64], (Kind::Float, Device::Cpu));
        let w = Tensor::randn(&[48, 64], (Kind::Float, Device::Cpu)) * 0.1;
        let b = Tensor::randn(&[48], (Kind::Float, Device::Cpu));
        let exact = x.linear(&w, Some(&b));
        let layer = Int8Linear::new(&w, &b).expect("oneDNN is loaded with libtorch");
        let got = layer.forward(&x);
        assert_eq!(got.size(), vec![2, 5, 48]);
        let err = f64::from((&got - &exact).abs().max());
        let typical = f64::from(exact.abs().mean(Kind::Float));
        assert!(
            err < 0.05 * typical.max(1.0),
            "max error {err}, typical {typical}"
        );
        // and not a trivially equal result: rounding shows
        assert!(err > 0.0);
    }
}
