//! The exported interface (`docgraph_abi`): one entry point returning the table of
//! functions. Every function catches panics (libtorch errors surface as panics in `tch`) and
//! reports them as error messages; none unwinds into docgraph.

use std::ffi::{c_char, CString};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use docgraph_abi::Precision;
use docgraph_abi::{Api, Packing, Pairs, RawModel, Rows, TextInput, ABI_VERSION};
use tch::Tensor;

use crate::heads::HeadModel;

static API: Api = Api {
    abi: ABI_VERSION,
    set_threads,
    load,
    share,
    free,
    tokens,
    state_width,
    pairs,
    free_error,
};

/// The entry point docgraph looks up (`docgraph_abi::ENTRY_POINT`).
#[no_mangle]
pub extern "C" fn docgraph_torch_api() -> *const Api {
    &API
}

/// Runs `f`, turning its error or panic into a message in `*err`.
fn guarded<T>(err: *mut *mut c_char, fail: T, f: impl FnOnce() -> Result<T, String>) -> T {
    let message = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the model runtime panicked".into()),
    };
    if !err.is_null() {
        let c = CString::new(message.replace('\0', " ")).expect("NULs replaced");
        // SAFETY: the caller passes a valid slot for the message (see `Api`).
        unsafe { *err = c.into_raw() };
    }
    fail
}

/// The model behind a handle.
///
/// # Safety
/// `model` is a live handle made by [`load`] or [`share`].
unsafe fn model<'a>(model: *const RawModel) -> Result<&'a HeadModel, String> {
    // SAFETY: handles are `Box<HeadModel>` pointers (see `load`), alive until `free`.
    unsafe { model.cast::<HeadModel>().as_ref() }.ok_or_else(|| "no model".into())
}

fn handle(model: HeadModel) -> *mut RawModel {
    Box::into_raw(Box::new(model)).cast()
}

/// The token ids and mask of `rows` as tensors.
///
/// # Safety
/// `rows` points to a valid [`Rows`] whose arrays hold what it says.
unsafe fn inputs(rows: *const Rows) -> Result<(Tensor, Tensor, usize), String> {
    // SAFETY: as the caller promises.
    let r = unsafe { rows.as_ref() }.ok_or("no rows")?;
    if r.rows == 0 || r.width == 0 || r.ids.is_null() || r.lens.is_null() {
        return Err("empty batch".into());
    }
    // SAFETY: `ids` holds `rows × width` ids and `lens` `rows` lengths (see `Rows`).
    let (ids, lens) = unsafe {
        (
            std::slice::from_raw_parts(r.ids, r.rows * r.width),
            std::slice::from_raw_parts(r.lens, r.rows),
        )
    };
    if lens.iter().any(|&n| n < 0 || n as usize > r.width) {
        return Err("a row longer than the batch's width".into());
    }
    let (ids, mask) = crate::encoder::tensors(ids, lens, r.width);
    Ok((ids, mask, r.rows))
}

unsafe extern "C" fn set_threads(threads: i32) {
    let _ = catch_unwind(|| tch::set_num_threads(threads));
}

unsafe extern "C" fn load(
    dir: *const u8,
    dir_len: usize,
    head: *const u8,
    head_len: usize,
    precision: u32,
    err: *mut *mut c_char,
) -> *mut RawModel {
    guarded(err, std::ptr::null_mut(), || {
        if dir.is_null() || head.is_null() {
            return Err("no model folder or head name".into());
        }
        // SAFETY: byte strings with their lengths (see `Api::load`).
        let (dir, head) = unsafe {
            (
                std::slice::from_raw_parts(dir, dir_len),
                std::slice::from_raw_parts(head, head_len),
            )
        };
        let dir = Path::new(std::ffi::OsStr::from_bytes(dir));
        let head = std::str::from_utf8(head).map_err(|e| format!("head name: {e}"))?;
        let precision =
            Precision::from_code(precision).ok_or_else(|| format!("precision {precision}"))?;
        HeadModel::load(dir, head, precision)
            .map(handle)
            .map_err(|e| e.to_string())
    })
}

unsafe extern "C" fn share(m: *const RawModel, err: *mut *mut c_char) -> *mut RawModel {
    // SAFETY: a live handle (see `Api::share`).
    guarded(err, std::ptr::null_mut(), || {
        Ok(handle(unsafe { model(m) }?.share()))
    })
}

unsafe extern "C" fn free(m: *mut RawModel) {
    if !m.is_null() {
        // SAFETY: made by `handle` and freed once (see `Api::free`).
        drop(unsafe { Box::from_raw(m.cast::<HeadModel>()) });
    }
}

unsafe extern "C" fn tokens(
    m: *const RawModel,
    rows: *const Rows,
    label: *mut i64,
    score: *mut f32,
    keep: *const u8,
    states: *mut u16,
    state_seconds: *mut f64,
    err: *mut *mut c_char,
) -> bool {
    guarded(err, false, || {
        // SAFETY: a live handle and valid rows (see `Api::tokens`).
        let (model, (ids, mask, n_rows)) = unsafe { (model(m)?, inputs(rows)?) };
        let (labels, scores) = if keep.is_null() || states.is_null() {
            model.tokens(&ids, &mask)
        } else {
            // SAFETY: `keep` holds `rows` bytes (see `Api::tokens`).
            let keep = unsafe { std::slice::from_raw_parts(keep, n_rows) };
            let kept: Vec<i64> = (0..n_rows as i64)
                .filter(|&r| keep[r as usize] != 0)
                .collect();
            let (labels, scores, text, converting) =
                model.tokens_with_states(&ids, &mask, &Tensor::of_slice(&kept));
            let n = text.numel();
            let copying = std::time::Instant::now();
            // SAFETY: `states` holds `kept × width × state_width` values (see `Api::tokens`),
            // as many as the encoder's states of the kept rows: 2 bytes each.
            let out = unsafe { std::slice::from_raw_parts_mut(states.cast::<u8>(), 2 * n) };
            text.copy_data_u8(out, n);
            if !state_seconds.is_null() {
                // What the states cost beyond the labels: their conversion and copy (the
                // layers' inputs are kept by reference while the encoder runs).
                // SAFETY: a valid slot (see `Api::tokens`).
                unsafe { *state_seconds = converting + copying.elapsed().as_secs_f64() };
            }
            (labels, scores)
        };
        // SAFETY: the outputs hold `rows × width` values, as many as the model gave.
        unsafe {
            std::ptr::copy_nonoverlapping(labels.as_ptr(), label, labels.len());
            std::ptr::copy_nonoverlapping(scores.as_ptr(), score, scores.len());
        }
        Ok(true)
    })
}

unsafe extern "C" fn state_width(m: *const RawModel) -> usize {
    // SAFETY: a live handle (see `Api::state_width`).
    catch_unwind(|| unsafe { model(m) }.map_or(0, HeadModel::state_width)).unwrap_or(0)
}

unsafe extern "C" fn pairs(
    m: *const RawModel,
    rows: *const Rows,
    packing: *const Packing,
    query: *const Pairs,
    text: *const TextInput,
    probs: *mut f32,
    err: *mut *mut c_char,
) -> bool {
    let raw_packing = packing;
    guarded(err, false, || {
        // SAFETY: a live handle, valid rows and a valid query (see `Api::pairs`).
        let (model, (ids, mask, n_rows), q) =
            unsafe { (model(m)?, inputs(rows)?, query.as_ref().ok_or("no pairs")?) };
        if q.labels != model.labels() {
            return Err(format!(
                "{} labels asked of a head of {}",
                q.labels,
                model.labels()
            ));
        }
        let n = q.count;
        // SAFETY: `row`, `head` and `tail` hold `count` values and `allowed`
        // `count × labels` bytes (see `Pairs`).
        let (row, head, tail, allowed) = unsafe {
            (
                std::slice::from_raw_parts(q.row, n),
                std::slice::from_raw_parts(q.head, n),
                std::slice::from_raw_parts(q.tail, n),
                std::slice::from_raw_parts(q.allowed, n * q.labels),
            )
        };
        let width = ids.size()[1];
        if row.iter().any(|&r| r < 0 || r as usize >= n_rows)
            || head.iter().chain(tail).any(|&p| p < 0 || p >= width)
        {
            return Err("a pair outside the rows".into());
        }
        // SAFETY: as `Packing` says, both arrays are `rows × width` long when given.
        let packing = match unsafe { packing.as_ref() } {
            None => None,
            Some(p) if p.positions.is_null() || p.groups.is_null() => {
                return Err("packing without positions or groups".into())
            }
            Some(p) => {
                let len = n_rows * width as usize;
                // SAFETY: as above.
                let (positions, groups) = unsafe {
                    (
                        std::slice::from_raw_parts(p.positions, len),
                        std::slice::from_raw_parts(p.groups, len),
                    )
                };
                if positions
                    .iter()
                    .any(|&p| p < 0 || p >= model.max_positions())
                {
                    return Err("a position id beyond the model's".into());
                }
                let shape = [n_rows as i64, width];
                Some((
                    Tensor::of_slice(positions).view(shape),
                    Tensor::of_slice(groups).view(shape),
                ))
            }
        };
        let allowed: Vec<bool> = allowed.iter().map(|&a| a != 0).collect();
        let allowed = Tensor::of_slice(&allowed).view([n as i64, q.labels as i64]);
        if model.reads_text_states() {
            // SAFETY: valid rows, packing and text input, as checked above and as `Api::pairs`
            // promises.
            let out = unsafe {
                marker_pairs(model, rows, raw_packing, text, (row, head, tail), &allowed)
            }?;
            // SAFETY: `probs` holds `count × labels` floats, as many as computed.
            unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), probs, out.len()) };
            return Ok(true);
        }
        if !text.is_null() {
            return Err("text states given to a model that reads none".into());
        }
        let out = model
            .pairs(
                (&ids, &mask),
                packing.as_ref().map(|(p, g)| (p, g)),
                (
                    &Tensor::of_slice(row),
                    &Tensor::of_slice(head),
                    &Tensor::of_slice(tail),
                ),
                &allowed,
            )
            .map_err(|e| e.to_string())?;
        // SAFETY: `probs` holds `count × labels` floats, as many as computed.
        unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), probs, out.len()) };
        Ok(true)
    })
}

/// [`pairs`] for a marker stream: packed rows split into text and markers, with the text
/// states given or computed.
///
/// # Safety
/// As [`pairs`]: `rows` valid, `packing` non-null with `rows × width` positions and groups;
/// `text` null or as [`TextInput`] says.
unsafe fn marker_pairs(
    model: &HeadModel,
    rows: *const Rows,
    packing: *const Packing,
    text: *const TextInput,
    pairs: (&[i64], &[i64], &[i64]),
    allowed: &Tensor,
) -> Result<Vec<f32>, String> {
    // SAFETY: as the caller promises.
    let (r, p) = unsafe {
        (
            rows.as_ref().ok_or("no rows")?,
            packing
                .as_ref()
                .ok_or("a marker stream reads packed rows")?,
        )
    };
    let len = r.rows * r.width;
    // SAFETY: `Rows` and `Packing` arrays are `rows × width` long, `lens` `rows` long.
    let (ids, lens, positions, groups) = unsafe {
        (
            std::slice::from_raw_parts(r.ids, len),
            std::slice::from_raw_parts(r.lens, r.rows),
            std::slice::from_raw_parts(p.positions, len),
            std::slice::from_raw_parts(p.groups, len),
        )
    };
    let at = |k: usize| k * r.width..k * r.width + lens[k] as usize;
    let parts: Vec<(&[i64], &[i64], &[i64])> = (0..r.rows)
        .map(|k| (&ids[at(k)], &positions[at(k)], &groups[at(k)]))
        .collect();
    let split = crate::encoder::markers::split(&parts)?;
    let state_width = model.state_width();
    let text_width = split.text_ids.size()[1] as usize;
    let mut bits = vec![0i16; r.rows * text_width * state_width];
    let mut given = vec![false; r.rows];
    // SAFETY: as the caller promises.
    if let Some(t) = unsafe { text.as_ref() } {
        if t.states.is_null() || t.given.is_null() {
            return Err("text input without states".into());
        }
        // SAFETY: `states` is `rows × width × state_width` long and `given` `rows` long.
        let (states, flags) = unsafe {
            (
                std::slice::from_raw_parts(t.states, r.rows * t.width * state_width),
                std::slice::from_raw_parts(t.given, r.rows),
            )
        };
        for k in 0..r.rows {
            let n = split.text_lens[k] as usize;
            if flags[k] == 0 {
                continue;
            }
            if n > t.width {
                return Err("a row's text longer than its given states".into());
            }
            let from = &states[k * t.width * state_width..][..n * state_width];
            let to = &mut bits[k * text_width * state_width..][..n * state_width];
            for (o, &b) in to.iter_mut().zip(from) {
                *o = b as i16;
            }
            given[k] = true;
        }
    }
    let layers = model.state_width() as i64 / model.hidden_size();
    let states = Tensor::of_slice(&bits)
        .view([
            r.rows as i64,
            text_width as i64,
            layers,
            model.hidden_size(),
        ])
        .view_dtype(tch::Kind::BFloat16);
    model
        .marker_pairs(&split, (states, &given), pairs, allowed)
        .map_err(|e| e.to_string())
}

unsafe extern "C" fn free_error(e: *mut c_char) {
    if !e.is_null() {
        // SAFETY: made by `CString::into_raw` in `guarded`, freed once.
        drop(unsafe { CString::from_raw(e) });
    }
}
