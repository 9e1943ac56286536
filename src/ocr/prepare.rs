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
    },
    /// Encoded bytes Leptonica could not decode here: handed over as they are.
    Encoded(Vec<u8>),
    /// Nothing to read.
    Nothing(Nothing),
}

/// Grey levels of the image, decoding JPEG with Leptonica; `None` when it cannot.
fn grey(image: &OcrImage) -> Option<(u32, u32, std::borrow::Cow<'_, [u8]>)> {
    match image {
        OcrImage::Gray {
            width,
            height,
            pixels,
        } => Some((*width, *height, std::borrow::Cow::Borrowed(pixels))),
        OcrImage::Encoded { bytes, .. } => decode_grey(bytes).map(|(w, h, p)| (w, h, p.into())),
    }
}

extern "C" {
    fn pixReadMem(data: *const u8, size: usize) -> *mut c_void;
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

/// JPEG (or any format Leptonica reads) to 8-bit grey.
fn decode_grey(bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    // SAFETY: Leptonica reads `bytes` within the length given and returns a new image or null;
    // each image is destroyed once by `Pix`; the pixel reads stay within `wpl` words per row
    // of `height` rows of an 8-bit image.
    unsafe {
        let read = Pix(pixReadMem(bytes.as_ptr(), bytes.len()));
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

/// The image as it is, uncropped (how docgraph read images before it cropped them; for
/// comparisons).
pub fn whole(image: &OcrImage) -> Prepared {
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
        },
    }
}

/// The image to read, drawn at `dpi`: cropped to its ink with a margin of a tenth of an inch
/// (at least 16 pixels), or nothing when it is blank or not a page of text.
pub fn prepare(image: &OcrImage, dpi: u32) -> Prepared {
    let Some((width, height, pixels)) = grey(image) else {
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
    let margin = (dpi / 10).max(16);
    let (x0, y0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (x1, y1) = ((x1 + margin).min(width), (y1 + margin).min(height));
    let (w, h) = (x1 - x0, y1 - y0);
    let mut cropped = Vec::with_capacity(w as usize * h as usize);
    for y in y0..y1 {
        let start = y as usize * width as usize + x0 as usize;
        cropped.extend_from_slice(&pixels[start..start + w as usize]);
    }
    Prepared::Gray {
        width: w,
        height: h,
        pixels: cropped,
    }
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
        } = prepare(&gray(w, h, p), 300)
        else {
            panic!("text is read");
        };
        // Ink box 200x20, plus 30 pixels (a tenth of an inch at 300 dpi) on every side.
        assert_eq!((width, height), (260, 80));
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
}
