//! Stage 2: OCR of pages without usable text, with Tesseract.
//!
//! One engine per worker: the pool holds `N` engine slots in a channel; a caller takes a slot,
//! creates the engine in it on first use, recognises, and returns the slot (on drop, also during
//! a panic). An engine that errors is dropped and re-created at its next use. The pool owns
//! the engines, so they are dropped (and Tesseract's caches freed) when the pipeline is.

pub mod images;

use tesseract::Tesseract;

use crate::error::{Error, Result};
pub use images::OcrImage;

/// Where Debian's Tesseract keeps its language data.
pub const DEFAULT_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

/// A pool of Tesseract engines.
pub struct OcrPool {
    tx: flume::Sender<Option<Tesseract>>,
    rx: flume::Receiver<Option<Tesseract>>,
    tessdata: Option<String>,
    language: String,
}

impl std::fmt::Debug for OcrPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrPool")
            .field("tessdata", &self.tessdata)
            .field("language", &self.language)
            .finish()
    }
}

impl OcrPool {
    /// A pool of `size` engines for `language`, reading traineddata from `tessdata` (or
    /// Debian's folder).
    pub fn new(size: usize, tessdata: Option<&str>, language: &str) -> Result<Self> {
        let size = size.max(1);
        let (tx, rx) = flume::bounded(size);
        let pool = OcrPool {
            tx,
            rx,
            tessdata: tessdata.map(str::to_string),
            language: language.to_string(),
        };
        // Start every engine now, in parallel: a missing language fails here rather than on
        // the first scanned page, and no run pays for engine start-up.
        let engines: Vec<Result<Tesseract>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..size).map(|_| s.spawn(|| pool.start_engine())).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| Err(Error::from_panic(p))))
                .collect()
        });
        for engine in engines {
            pool.tx.send(Some(engine?)).expect("pool owns its receiver");
        }
        Ok(pool)
    }

    fn start_engine(&self) -> Result<Tesseract> {
        let data = self
            .tessdata
            .as_deref()
            .or(Some(DEFAULT_TESSDATA))
            .filter(|d| std::path::Path::new(d).is_dir());
        Tesseract::new(data, Some(&self.language)).map_err(|e| {
            Error::Ocr(format!(
                "cannot start Tesseract for language '{}' with data in {}: {e} (install tesseract-ocr-{} or set --tessdata)",
                self.language,
                data.unwrap_or("Tesseract's default folder"),
                self.language
            ))
        })
    }

    /// Recognises the text of one image drawn at `dpi`.
    pub fn recognize(&self, image: &OcrImage, dpi: u32) -> Result<String> {
        let slot = self
            .rx
            .recv()
            .map_err(|_| Error::Ocr("the engine pool is closed".into()))?;
        let mut lease = Slot {
            engine: slot,
            home: &self.tx,
        };
        let engine = match lease.engine.take() {
            Some(e) => e,
            None => self.start_engine()?,
        };
        let loaded = match image {
            OcrImage::Encoded { bytes, .. } => {
                engine.set_image_from_mem(bytes).map_err(|e| e.to_string())
            }
            OcrImage::Gray {
                width,
                height,
                pixels,
            } => engine
                .set_frame(pixels, *width as i32, *height as i32, 1, *width as i32)
                .map_err(|e| e.to_string()),
        };
        let engine = loaded.map_err(|e| Error::Ocr(format!("image not accepted: {e}")))?;
        let mut engine = engine
            .set_source_resolution(dpi.clamp(70, 1200) as i32)
            .recognize()
            .map_err(|e| Error::Ocr(format!("recognition failed: {e}")))?;
        let text = engine
            .get_text()
            .map_err(|e| Error::Ocr(format!("reading the result: {e}")))?;
        lease.engine = Some(engine);
        Ok(text)
    }
}

/// An engine slot taken from the pool; goes back on drop.
struct Slot<'a> {
    engine: Option<Tesseract>,
    home: &'a flume::Sender<Option<Tesseract>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let _ = self.home.send(self.engine.take());
    }
}
