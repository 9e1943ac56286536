//! One page's text: its own, when `extract` judged it usable, else what Tesseract reads in the
//! page's images.

use super::{images, OcrEngines};
use crate::extract::{self, ExtractedPage, ImageRef, TextVerdict};
use crate::pool::BusyTime;
use crate::record::{OcrPage, OcrReason, PageSource, PageText, Resolution};

/// Images smaller than this (pixels, either side) hold no readable text.
const MIN_OCR_SIDE: u32 = 32;

/// A page's text and how it was obtained.
#[derive(Debug)]
pub(crate) struct PageOutcome {
    /// The text.
    pub text: PageText,
    /// Set when the page went to OCR.
    pub ocr: Option<OcrPage>,
    /// A problem that did not stop the page.
    pub warning: Option<String>,
    /// Seconds spent extracting the page's own text.
    pub extract_s: f64,
    /// Seconds spent on OCR.
    pub ocr_s: f64,
}

impl PageOutcome {
    /// A page whose own text layer is used.
    fn own_text(page: &ExtractedPage, text: String, warning: Option<String>) -> Self {
        PageOutcome {
            text: PageText {
                page: page.number,
                source: PageSource::Text,
                text,
            },
            ocr: None,
            warning,
            extract_s: page.seconds,
            ocr_s: 0.0,
        }
    }
}

/// Uses the page's own text when it is usable; otherwise OCRs the images the page draws.
pub(crate) fn read_page(
    engines: &OcrEngines,
    doc: &lopdf::Document,
    page: ExtractedPage,
    max_stream_bytes: usize,
) -> PageOutcome {
    let number = page.number;
    let reason = match &page.verdict {
        TextVerdict::Usable => {
            let (text, warning) = (page.text.clone(), page.warning.clone());
            return PageOutcome::own_text(&page, text, warning);
        }
        TextVerdict::NoText => OcrReason::NoTextLayer,
        TextVerdict::Garbage(why) => OcrReason::Garbage(why.clone()),
    };
    if page.images.is_empty() {
        // Nothing to OCR: a blank page, or one with only a page number. Garbage text is
        // dropped rather than fed to the model.
        return match reason {
            OcrReason::Garbage(_) => PageOutcome::own_text(
                &page,
                String::new(),
                Some(format!("page {number}: {reason}, and no image to OCR")),
            ),
            OcrReason::NoTextLayer => {
                let (text, warning) = (page.text.clone(), page.warning.clone());
                PageOutcome::own_text(&page, text, warning)
            }
        };
    }
    let busy = BusyTime::default();
    let (ocr_text, errors, dpi) = recognize_images(engines, doc, &page, max_stream_bytes, &busy);
    // Short text layers (a page number, a header) are kept when OCR had nothing to add;
    // garbage never is.
    let text = if ocr_text.trim().is_empty()
        && !page.text.trim().is_empty()
        && reason == OcrReason::NoTextLayer
    {
        page.text
    } else {
        ocr_text
    };
    let chars = text.chars().count();
    PageOutcome {
        ocr: Some(OcrPage {
            page: number,
            reason: reason.clone(),
            chars,
            error: (chars == 0 && !errors.is_empty()).then(|| errors.join("; ")),
            dpi,
        }),
        text: PageText {
            page: number,
            source: PageSource::Ocr { reason },
            text,
        },
        warning: page.warning,
        extract_s: page.seconds,
        ocr_s: busy.seconds(),
    }
}

/// Decodes and recognises every image of the page large enough to hold text; returns the
/// text, paragraphs apart, what went wrong on the way, and the resolution of the finest image
/// read.
fn recognize_images(
    engines: &OcrEngines,
    doc: &lopdf::Document,
    page: &ExtractedPage,
    max_stream_bytes: usize,
    busy: &BusyTime,
) -> (String, Vec<String>, Option<Resolution>) {
    let page_size = extract::page_size(doc, page.id);
    let mut text = String::new();
    let mut errors = Vec::new();
    let mut resolution = None;
    for placement in &page.images {
        let stream = match &placement.image {
            ImageRef::Object(oid) => match doc.get_object(*oid).and_then(|o| o.as_stream()) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(format!("image {oid:?}: {e}"));
                    continue;
                }
            },
            ImageRef::Inline(s) => s,
        };
        let image = match busy.time(|| images::decode(doc, stream, max_stream_bytes)) {
            Ok(i) => i,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (w, h) = image.size();
        if w < MIN_OCR_SIDE || h < MIN_OCR_SIDE {
            continue;
        }
        // Resolution from the size the image is drawn at; a degenerate placement falls back
        // to the page width.
        let drawn_in = if placement.width_pt > 1.0 {
            placement.width_pt
        } else {
            page_size.0
        } / 72.0;
        let dpi = (w as f32 / drawn_in).round() as u32;
        match engines.recognize(&image, dpi, busy) {
            Ok(None) => {}
            Ok(Some(reading)) => {
                // The finest image read stands for the page.
                if resolution.is_none_or(|r: Resolution| r.image < dpi) {
                    resolution = Some(Resolution {
                        image: dpi,
                        read: reading.dpi,
                    });
                }
                let t = tidy_ocr_text(&reading.text);
                if !t.is_empty() {
                    if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    text.push_str(&t);
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    (text, errors, resolution)
}

/// Tesseract's text tidied like extracted text: trailing spaces gone, words hyphenated at line
/// ends joined, runs of blank lines collapsed to one paragraph break.
pub(crate) fn tidy_ocr_text(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().map(str::trim_end).collect();
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = line.trim_start();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            let hyphen = out.ends_with('-')
                && out[..out.len() - 1]
                    .chars()
                    .last()
                    .is_some_and(char::is_alphabetic)
                && line.chars().next().is_some_and(char::is_lowercase);
            if blank {
                out.push_str("\n\n");
            } else if hyphen {
                out.pop();
            } else {
                out.push('\n');
            }
        }
        out.push_str(line);
        blank = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_text_is_tidied_like_extracted_text() {
        let raw = "The knowl-\nedge graph   \nlinks people.\n\n\n\nNew para-\n  graph\n";
        assert_eq!(
            tidy_ocr_text(raw),
            "The knowledge graph\nlinks people.\n\nNew paragraph"
        );
    }
}
