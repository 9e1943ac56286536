//! What Tesseract is given: a page image as 8-bit grey, cropped to where there is ink, or
//! nothing at all when the image holds nothing to read.
//!
//! Tesseract's cost has two parts: recognising text lines, which depends on the text, and
//! thresholding and layout analysis, which depend on the pixels, blank ones included. A
//! scanned page is mostly paper, so the image is cut to the box around its ink (with a margin)
//! first; recognition sees the same lines. One pass over the pixels also finds the images
//! with nothing to read:
//!
//! - **blank**: almost no pixel differs from the paper (an empty page, a separator sheet);
//! - **no paper**: fewer than a fifth of the pixels are near the most common grey level, as
//!   in photographs and shaded drawings, where a page of text always has its background.
//!
//! A scan finer than [`READ_DPI`] (archives scan at 400 or 600 dpi) is then averaged down to
//! it: thresholding and layout analysis cost in proportion to the pixels, while recognition
//! scales each text line to the network's fixed height anyway, so a 600 dpi page read as it is
//! costs over twice the time of the same page at 300 dpi for the same text. 300 dpi is the
//! resolution Tesseract's documentation asks for, and what a renderer at 300 dpi (MuPDF,
//! poppler) would hand it.

use std::ffi::c_void;

use super::images::OcrImage;

/// A pixel is ink when its grey level is this far from the paper's.
const INK_CONTRAST: i32 = 80;
/// A pixel is paper when its grey level is this close to the paper's.
const PAPER_BAND: i32 = 24;
/// Fewer ink pixels than one in this many: the image is blank.
const BLANK_RATIO: usize = 20_000;
/// Fewer paper pixels than this share: not a page of text.
const MIN_PAPER_SHARE: f64 = 0.2;
/// The finest resolution Tesseract is given.
pub const READ_DPI: u32 = 300;
/// Images up to this resolution are read as they are: averaging 330 dpi down to 300 would
/// soften the strokes for next to no time saved.
const REDUCE_ABOVE_DPI: u32 = 360;
/// At most a reduction by this factor each way (1200 dpi to 300): a resolution beyond that
/// more likely means an image drawn small than a scan that fine.
const MAX_REDUCTION: u32 = 4;

/// Why an image was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nothing {
    /// No ink.
    Blank,
    /// No paper background (a photograph or shaded drawing).
    NoPaper,
}

impl std::fmt::Display for Nothing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Nothing::Blank => "blank",
            Nothing::NoPaper => "a picture without a page background",
        })
    }
}

/// An image ready for Tesseract.
#[derive(Debug, PartialEq)]
pub enum Prepared {
    /// 8-bit grey pixels, cropped to the ink.
    Gray {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height` bytes.
        pixels: Vec<u8>,
        /// Resolution of the pixels as drawn on the page (after any reduction).
        dpi: u32,
    },
    /// Encoded bytes Leptonica could not decode here: handed over as they are.
    Encoded(Vec<u8>),
    /// Nothing to read.
    Nothing(Nothing),
}

/// Grey levels of the image, decoding JPEG with Leptonica (`reduction` times smaller each way,
/// 1, 2, 4 or 8: libjpeg then skips most of the work); `None` when it cannot.
fn grey(image: &OcrImage, reduction: u32) -> Option<(u32, u32, std::borrow::Cow<'_, [u8]>)> {
    match image {
        OcrImage::Gray {
            width,
            height,
            pixels,
        } => Some((*width, *height, std::borrow::Cow::Borrowed(pixels))),
        OcrImage::Encoded { bytes, .. } => {
            decode_grey(bytes, reduction).map(|(w, h, p)| (w, h, p.into()))
        }
    }
}

/// The power of two (at most [`MAX_REDUCTION`]) by which a JPEG drawn at `dpi` can be decoded
/// smaller and stay at or above [`READ_DPI`]; 1 for scans read as they are.
fn jpeg_reduction(dpi: u32) -> u32 {
    if dpi <= REDUCE_ABOVE_DPI {
        return 1;
    }
    let mut r = 1;
    while r * 2 <= MAX_REDUCTION && dpi / (r * 2) >= READ_DPI {
        r *= 2;
    }
    r
}

extern "C" {
    fn pixReadMem(data: *const u8, size: usize) -> *mut c_void;
    fn pixReadMemJpeg(
        data: *const u8,
        size: usize,
        cmapflag: i32,
        reduction: i32,
        pnwarn: *mut i32,
        hint: i32,
    ) -> *mut c_void;
    fn pixConvertTo8(pix: *mut c_void, cmapflag: i32) -> *mut c_void;
    fn pixGetWidth(pix: *const c_void) -> i32;
    fn pixGetHeight(pix: *const c_void) -> i32;
    fn pixGetDepth(pix: *const c_void) -> i32;
    fn pixGetWpl(pix: *const c_void) -> i32;
    fn pixGetData(pix: *const c_void) -> *mut u32;
    fn pixDestroy(ppix: *mut *mut c_void);
}

/// A Leptonica image freed on drop.
struct Pix(*mut c_void);

impl Drop for Pix {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from Leptonica and is destroyed once.
            unsafe { pixDestroy(&mut self.0) }
        }
    }
}

/// JPEG to 8-bit grey, `reduction` (1, 2, 4 or 8) times smaller each way; other formats
/// Leptonica reads, at full size.
fn decode_grey(bytes: &[u8], reduction: u32) -> Option<(u32, u32, Vec<u8>)> {
    // SAFETY: Leptonica reads `bytes` within the length given and returns a new image or null
    // (a null warning pointer is allowed); each image is destroyed once by `Pix`; the pixel
    // reads stay within `wpl` words per row of `height` rows of an 8-bit image.
    unsafe {
        let read = Pix(if bytes.starts_with(&[0xFF, 0xD8]) {
            pixReadMemJpeg(
                bytes.as_ptr(),
                bytes.len(),
                0,
                reduction as i32,
                std::ptr::null_mut(),
                0,
            )
        } else {
            pixReadMem(bytes.as_ptr(), bytes.len())
        });
        if read.0.is_null() {
            return None;
        }
        let grey = Pix(pixConvertTo8(read.0, 0));
        if grey.0.is_null() || pixGetDepth(grey.0) != 8 {
            return None;
        }
        let (w, h, wpl) = (
            pixGetWidth(grey.0).max(0) as usize,
            pixGetHeight(grey.0).max(0) as usize,
            pixGetWpl(grey.0).max(0) as usize,
        );
        let data = pixGetData(grey.0);
        if data.is_null() || wpl * 4 < w {
            return None;
        }
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            let row = std::slice::from_raw_parts(data.add(y * wpl), wpl);
            // Leptonica packs the bytes of a row most significant first in native words.
            out.extend((0..w).map(|x| (row[x / 4] >> (24 - 8 * (x % 4))) as u8));
        }
        Some((w as u32, h as u32, out))
    }
}

/// What one pass over the pixels found.
#[derive(Debug, PartialEq)]
struct Survey {
    /// Ink pixels.
    ink: usize,
    /// Share of the pixels near the paper's grey.
    paper_share: f64,
    /// Box around the ink: x0, y0, x1, y1 (exclusive).
    ink_box: Option<(u32, u32, u32, u32)>,
}

fn survey(width: u32, pixels: &[u8]) -> Survey {
    // The grey levels from every other pixel of every other row: enough to find the paper.
    let mut histogram = [0usize; 256];
    for row in pixels.chunks_exact(width as usize).step_by(2) {
        for &p in row.iter().step_by(2) {
            histogram[p as usize] += 1;
        }
    }
    let sampled: usize = histogram.iter().sum();
    let band = |centre: i32, half: i32| -> usize {
        ((centre - half).max(0)..=(centre + half).min(255))
            .map(|v| histogram[v as usize])
            .sum()
    };
    // The paper: the most common grey level, smoothed over a small band.
    let paper_level = (0..256).max_by_key(|&v| (band(v, 4), v)).unwrap_or(255);
    let paper_share = band(paper_level, PAPER_BAND) as f64 / sampled.max(1) as f64;
    let (lo, hi) = (paper_level - INK_CONTRAST, paper_level + INK_CONTRAST);
    let is_ink = |p: &u8| (*p as i32) < lo || (*p as i32) > hi;
    let mut ink = 0;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (y, row) in pixels.chunks_exact(width as usize).enumerate() {
        let n = row.iter().filter(|p| is_ink(p)).count();
        if n == 0 {
            continue;
        }
        ink += n;
        let first = row.iter().position(is_ink).unwrap_or(0);
        let last = row.iter().rposition(is_ink).unwrap_or(0);
        x0 = x0.min(first as u32);
        x1 = x1.max(last as u32 + 1);
        y0 = y0.min(y as u32);
        y1 = y as u32 + 1;
    }
    Survey {
        ink,
        paper_share,
        ink_box: (x1 > x0).then_some((x0, y0, x1, y1)),
    }
}

/// The image as it is, uncropped and at its own resolution (how docgraph read images before
/// it cropped and reduced them; for comparisons).
pub fn whole(image: &OcrImage, dpi: u32) -> Prepared {
    match image {
        OcrImage::Encoded { bytes, .. } => Prepared::Encoded(bytes.clone()),
        OcrImage::Gray {
            width,
            height,
            pixels,
        } => Prepared::Gray {
            width: *width,
            height: *height,
            pixels: pixels.clone(),
            dpi,
        },
    }
}

/// The image to read, drawn at `dpi`: cropped to its ink with a margin of a tenth of an inch
/// (at least 16 pixels) and, when finer than [`READ_DPI`], averaged down to it; or nothing
/// when it is blank or not a page of text. (Encoded images Leptonica cannot decode are handed
/// over as they are.)
pub fn prepare(image: &OcrImage, dpi: u32) -> Prepared {
    let reduction = match image {
        OcrImage::Encoded { .. } => jpeg_reduction(dpi),
        OcrImage::Gray { .. } => 1,
    };
    let Some((width, height, pixels)) = grey(image, reduction) else {
        return match image {
            OcrImage::Encoded { bytes, .. } => Prepared::Encoded(bytes.clone()),
            OcrImage::Gray { .. } => unreachable!("grey images are always read"),
        };
    };
    let area = width as usize * height as usize;
    if area == 0 || pixels.len() < area {
        return Prepared::Nothing(Nothing::Blank);
    }
    let s = survey(width, &pixels[..area]);
    if s.ink * BLANK_RATIO < area {
        return Prepared::Nothing(Nothing::Blank);
    }
    if s.paper_share < MIN_PAPER_SHARE {
        return Prepared::Nothing(Nothing::NoPaper);
    }
    let (x0, y0, x1, y1) = s.ink_box.expect("ink was found");
    // The resolution of the pixels decoded (JPEG sizes round up).
    let dpi = if reduction > 1 {
        (f64::from(dpi) * f64::from(width) / f64::from(image.size().0.max(1))).round() as u32
    } else {
        dpi
    };
    let margin = (dpi / 10).max(16);
    let (x0, y0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (x1, y1) = ((x1 + margin).min(width), (y1 + margin).min(height));
    let (w, h) = (x1 - x0, y1 - y0);
    let mut cropped = Vec::with_capacity(w as usize * h as usize);
    for y in y0..y1 {
        let start = y as usize * width as usize + x0 as usize;
        cropped.extend_from_slice(&pixels[start..start + w as usize]);
    }
    reduce(w, h, cropped, dpi)
}

/// Grey pixels drawn at `dpi`, averaged down to [`READ_DPI`] when finer than
/// [`REDUCE_ABOVE_DPI`] (by at most [`MAX_REDUCTION`]): each new pixel is the mean of the
/// area of old pixels it covers, so a 600 dpi scan becomes what a 300 dpi scanner would see.
fn reduce(width: u32, height: u32, pixels: Vec<u8>, dpi: u32) -> Prepared {
    if dpi <= REDUCE_ABOVE_DPI {
        return Prepared::Gray {
            width,
            height,
            pixels,
            dpi,
        };
    }
    let target = READ_DPI.max(dpi.div_ceil(MAX_REDUCTION));
    let scale = f64::from(target) / f64::from(dpi);
    let w = ((f64::from(width) * scale).round() as u32).max(1);
    let h = ((f64::from(height) * scale).round() as u32).max(1);
    Prepared::Gray {
        width: w,
        height: h,
        pixels: area_average(width, height, &pixels, w, h),
        dpi: (f64::from(dpi) * f64::from(w) / f64::from(width)).round() as u32,
    }
}

/// For each of `dst` pixels along an axis of `src` pixels: the first source pixel it covers
/// and the share of it that each covered source pixel makes up (the shares sum to 1).
fn coverage(src: u32, dst: u32) -> Vec<(usize, Vec<f32>)> {
    let step = f64::from(src) / f64::from(dst);
    (0..dst)
        .map(|o| {
            let (a, b) = (f64::from(o) * step, (f64::from(o) + 1.0) * step);
            let first = a.floor() as usize;
            let last = (b.ceil() as usize).min(src as usize);
            let shares = (first..last)
                .map(|i| ((b.min(i as f64 + 1.0) - a.max(i as f64)) / step) as f32)
                .collect();
            (first, shares)
        })
        .collect()
}

/// `pixels` (`width` x `height`) resampled to `w` x `h` by area averaging, one output row at a
/// time: the source rows it covers are summed by their shares, then each column's.
fn area_average(width: u32, height: u32, pixels: &[u8], w: u32, h: u32) -> Vec<u8> {
    let (cols, rows) = (coverage(width, w), coverage(height, h));
    let width = width as usize;
    let mut out = Vec::with_capacity(w as usize * h as usize);
    let mut sums = vec![0f32; width];
    for (first_row, row_shares) in &rows {
        sums.fill(0.0);
        for (k, &share) in row_shares.iter().enumerate() {
            let row = &pixels[(first_row + k) * width..][..width];
            for (sum, &p) in sums.iter_mut().zip(row) {
                *sum += share * f32::from(p);
            }
        }
        out.extend(cols.iter().map(|(first_col, col_shares)| {
            let v: f32 = col_shares
                .iter()
                .zip(&sums[*first_col..])
                .map(|(s, v)| s * v)
                .sum();
            (v + 0.5).min(255.0) as u8
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(width: u32, height: u32, paper: u8) -> Vec<u8> {
        vec![paper; (width * height) as usize]
    }

    fn gray(width: u32, height: u32, pixels: Vec<u8>) -> OcrImage {
        OcrImage::Gray {
            width,
            height,
            pixels,
        }
    }

    #[test]
    fn a_blank_page_is_not_read() {
        let mut p = page(400, 500, 250);
        p[1000] = 0; // a speck of dust
        assert_eq!(
            prepare(&gray(400, 500, p), 300),
            Prepared::Nothing(Nothing::Blank)
        );
    }

    #[test]
    fn a_photograph_is_not_read() {
        // Smooth shading over the whole range: no grey level dominates.
        let p: Vec<u8> = (0..400 * 500)
            .map(|i| ((i % 400) * 255 / 399) as u8)
            .collect();
        assert_eq!(
            prepare(&gray(400, 500, p), 300),
            Prepared::Nothing(Nothing::NoPaper)
        );
    }

    #[test]
    fn text_is_cropped_with_a_margin() {
        let (w, h) = (400u32, 500u32);
        let mut p = page(w, h, 240);
        for y in 200..220 {
            for x in 100..300 {
                p[(y * w + x) as usize] = 10;
            }
        }
        let Prepared::Gray {
            width,
            height,
            pixels,
            dpi,
        } = prepare(&gray(w, h, p), 300)
        else {
            panic!("text is read");
        };
        // Ink box 200x20, plus 30 pixels (a tenth of an inch at 300 dpi) on every side.
        assert_eq!((width, height, dpi), (260, 80, 300));
        assert_eq!(pixels.len(), 260 * 80);
        assert_eq!(pixels[0], 240);
        assert_eq!(pixels[(30 * 260 + 30) as usize], 10);
    }

    #[test]
    fn light_text_on_a_dark_page_is_read() {
        let (w, h) = (300u32, 300u32);
        let mut p = page(w, h, 20);
        for y in 100..110 {
            for x in 50..250 {
                p[(y * w + x) as usize] = 230;
            }
        }
        assert!(matches!(
            prepare(&gray(w, h, p), 300),
            Prepared::Gray { width: 260, .. }
        ));
    }

    /// A page of "text" at 300 dpi: bars of ink of varied grey on paper.
    fn page_300() -> (u32, u32, Vec<u8>) {
        let (w, h) = (500u32, 640u32);
        let mut p = page(w, h, 243);
        for line in 0..8 {
            for y in 100 + line * 50..120 + line * 50 {
                for x in 60..440 {
                    if (x / 7 + y) % 3 != 0 {
                        p[(y * w + x) as usize] = (10 + (x * 7 + y) % 60) as u8;
                    }
                }
            }
        }
        (w, h, p)
    }

    /// Each pixel made `k` x `k`: the same page scanned `k` times finer.
    fn finer(w: u32, h: u32, p: &[u8], k: u32) -> (u32, u32, Vec<u8>) {
        let out = (0..h * k)
            .flat_map(|y| (0..w * k).map(move |x| p[((y / k) * w + x / k) as usize]))
            .collect();
        (w * k, h * k, out)
    }

    #[test]
    fn a_600_dpi_scan_is_read_as_the_same_page_at_300_dpi() {
        let (w, h, p) = page_300();
        let at_300 = prepare(&gray(w, h, p.clone()), 300);
        let (w2, h2, p2) = finer(w, h, &p, 2);
        let at_600 = prepare(&gray(w2, h2, p2), 600);
        assert!(matches!(at_300, Prepared::Gray { dpi: 300, .. }));
        // The crop margin is a tenth of an inch at either resolution, and averaging each 2x2
        // block gives back the pixel it was made from.
        assert_eq!(at_600, at_300);
    }

    #[test]
    fn scans_up_to_360_dpi_are_read_as_they_are() {
        let (w, h, p) = page_300();
        for dpi in [150, 300, 330, 360] {
            let Prepared::Gray { width, dpi: d, .. } = prepare(&gray(w, h, p.clone()), dpi) else {
                panic!("text is read");
            };
            assert_eq!(d, dpi);
            // Cropped, not resized: the ink is 380 pixels wide.
            assert_eq!(width, 380 + 2 * (dpi / 10).max(16));
        }
    }

    #[test]
    fn averaging_down_by_a_fraction_keeps_the_grey_levels() {
        // 400 dpi to 300: each new pixel covers 4/3 of an old one each way.
        let (w, h) = (400u32, 120u32);
        let p: Vec<u8> = (0..w * h)
            .map(|i| if (i % w) < 200 { 30 } else { 220 })
            .collect();
        let Prepared::Gray {
            width,
            height,
            pixels,
            dpi,
        } = reduce(w, h, p.clone(), 400)
        else {
            panic!("grey in, grey out");
        };
        assert_eq!((width, height, dpi), (300, 90, 300));
        let row = &pixels[..300];
        assert!(row[..149].iter().all(|&v| v == 30), "{row:?}");
        assert!(row[151..].iter().all(|&v| v == 220), "{row:?}");
        // The pixel over the edge holds both sides in proportion; overall grey is kept.
        assert!((30..=220).contains(&row[149]) && (30..=220).contains(&row[150]));
        let mean = |v: &[u8]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
        assert!((mean(&pixels) - mean(&p)).abs() < 0.5);
    }

    #[test]
    fn shares_of_an_axis_sum_to_one_and_cover_it() {
        for (src, dst) in [(400, 300), (1000, 500), (997, 249), (7, 3)] {
            let cov = coverage(src, dst);
            assert_eq!(cov.len(), dst as usize);
            for (first, shares) in &cov {
                assert!((shares.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                assert!(first + shares.len() <= src as usize);
            }
            assert_eq!(cov[0].0, 0);
            let (first, shares) = cov.last().unwrap();
            assert_eq!(first + shares.len(), src as usize);
        }
    }

    #[test]
    fn jpeg_is_decoded_smaller_by_powers_of_two_down_to_300_dpi_at_most() {
        for (dpi, r) in [
            (200, 1),
            (360, 1),
            (400, 1),
            (599, 1),
            (600, 2),
            (800, 2),
            (1200, 4),
            (2400, 4),
        ] {
            assert_eq!(jpeg_reduction(dpi), r, "{dpi} dpi");
        }
    }

    #[test]
    fn reduction_stops_at_four_times() {
        let (w, h) = (2400u32, 400u32);
        let Prepared::Gray {
            width, height, dpi, ..
        } = reduce(w, h, vec![200; (w * h) as usize], 2400)
        else {
            panic!("grey in, grey out");
        };
        assert_eq!((width, height, dpi), (600, 100, 600));
    }
}
