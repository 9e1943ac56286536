//! Stage 1b: load a PDF with lopdf and get each page's own text, judged usable or not.
//!
//! - [`interpret`]: the content-stream interpreter (glyphs and images in device space);
//! - [`reading_order`]: glyphs laid out as text (lines, columns, hyphenation);
//! - `quality`: is the text real, or should the page go to OCR (`crate::ocr` decides what
//!   to do about it);
//! - `inline`: inline images, which lopdf does not parse;
//! - `cmap`: fonts' `ToUnicode` maps, read entry by entry.
//!
//! The functions here are public for tools built on docgraph's extraction (the fuzz target,
//! the `glyphs` example); the pipeline uses them through `extract_page`.

mod cmap;
mod inline;
pub mod interpret;
mod quality;
pub mod reading_order;

use std::path::Path;
use std::time::Instant;

use lopdf::{Document, LoadOptions, ObjectId};

use crate::error::{Error, Result};
pub use inline::inline_images;
pub use interpret::{page_content, Glyph, ImagePlacement, ImageRef, PageContent};
pub(crate) use quality::FUNCTION_WORDS;
pub use quality::{assess, TextVerdict};
pub use reading_order::layout;

/// A page's own text, laid out and judged, with the images OCR could read instead.
#[derive(Debug)]
pub(crate) struct ExtractedPage {
    /// 1-based page number.
    pub number: u32,
    /// The page object.
    pub id: ObjectId,
    /// The text layer in reading order (empty when the content could not be read).
    pub text: String,
    /// Images the page draws.
    pub images: Vec<ImagePlacement>,
    /// Why the content could not be read, if it could not.
    pub warning: Option<String>,
    /// Whether the text is usable.
    pub verdict: TextVerdict,
    /// Seconds spent.
    pub seconds: f64,
}

/// Interprets a page's content, lays its text out and judges it.
pub(crate) fn extract_page(
    doc: &Document,
    number: u32,
    id: ObjectId,
    limits: &Limits,
) -> ExtractedPage {
    let t = Instant::now();
    let (text, images, warning) = match page_content(doc, id, limits.max_stream_bytes) {
        Ok(c) => (layout(&c.glyphs), c.images, None),
        Err(e) => (
            String::new(),
            Vec::new(),
            Some(format!("page {number}: {e}")),
        ),
    };
    let verdict = assess(&text);
    ExtractedPage {
        number,
        id,
        text,
        images,
        warning,
        verdict,
        seconds: t.elapsed().as_secs_f64(),
    }
}

/// Bounds that keep one hostile file from taking the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Most pages processed per document.
    pub max_pages: usize,
    /// Largest size any one stream may decompress to, in bytes.
    pub max_stream_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 << 20,
            max_pages: 5_000,
            max_stream_bytes: 128 << 20,
        }
    }
}

/// Reads a file after checking it is a plausible PDF within the size limit.
pub fn read_pdf(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() == 0 {
        return Err(Error::EmptyFile);
    }
    if meta.len() > limits.max_file_bytes {
        return Err(Error::FileTooLarge {
            size: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !crate::discover::has_pdf_header(&bytes) {
        return Err(Error::NotPdf);
    }
    Ok(bytes)
}

/// A PDF's bytes as [`read_pdf`] reads them, with their SHA-256 (hex): the key its results
/// are cached, sharded and deduplicated by.
pub struct PdfBytes {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256, lower-case hex.
    pub sha256: String,
}

/// Reads a PDF ([`read_pdf`]) and hashes it: the one place a document's content key is made.
pub fn read_pdf_hashed(path: &Path, limits: &Limits) -> Result<PdfBytes> {
    let bytes = read_pdf(path, limits)?;
    let sha256 = crate::digest::sha256_hex(&bytes);
    Ok(PdfBytes { bytes, sha256 })
}

/// Does the file declare encryption (an `/Encrypt` entry in a trailer)? Checked on the raw
/// bytes, so it holds even when the structure around it is broken.
fn declares_encryption(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

/// Parses a PDF, opening it with the empty user password when it is encrypted (as readers do).
/// A file that declares encryption and cannot be opened is [`Error::PasswordRequired`],
/// whatever else is wrong with it: that is the first thing its owner must know.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Document> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..LoadOptions::default()
    };
    let mut doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.to_string();
            let lower = msg.to_lowercase();
            if lower.contains("password")
                || lower.contains("decrypt")
                || lower.contains("encrypt")
                || declares_encryption(bytes)
            {
                return Err(Error::PasswordRequired);
            }
            return Err(Error::MalformedPdf(msg));
        }
    };
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(Error::PasswordRequired);
    }
    // Encryption declared but the document came out without pages: the empty password did
    // not really open it.
    if doc.get_pages().is_empty() && declares_encryption(bytes) {
        return Err(Error::PasswordRequired);
    }
    Ok(doc)
}

/// The document's pages as (1-based number, object id), checked against the page limit.
pub fn pages(doc: &Document, limits: &Limits) -> Result<Vec<(u32, ObjectId)>> {
    let pages: Vec<(u32, ObjectId)> = doc.get_pages().into_iter().collect();
    if pages.is_empty() {
        return Err(Error::NoPages);
    }
    if pages.len() > limits.max_pages {
        return Err(Error::TooManyPages {
            pages: pages.len(),
            limit: limits.max_pages,
        });
    }
    Ok(pages)
}

/// Page size in points (the MediaBox, inherited if need be), or US Letter when unreadable.
pub fn page_size(doc: &Document, page_id: ObjectId) -> (f32, f32) {
    let mut node = doc.get_dictionary(page_id).ok();
    for _ in 0..32 {
        let Some(d) = node else { break };
        if let Ok(lopdf::Object::Array(b)) = d.get(b"MediaBox").map(|o| match o {
            lopdf::Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
            o => o,
        }) {
            let v: Vec<f32> = b.iter().filter_map(|o| o.as_float().ok()).collect();
            if v.len() == 4 {
                let (w, h) = ((v[2] - v[0]).abs(), (v[3] - v[1]).abs());
                if w > 1.0 && h > 1.0 {
                    return (w, h);
                }
            }
        }
        node = d
            .get(b"Parent")
            .and_then(|o| o.as_reference())
            .ok()
            .and_then(|id| doc.get_dictionary(id).ok());
    }
    (612.0, 792.0)
}
