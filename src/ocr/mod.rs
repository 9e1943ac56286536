//! Stage 2: OCR of pages without usable text, with Tesseract.
//!
//! `page::read_page` decides, for a page whose own text was judged by `extract`, whether to
//! use that text or OCR the page's images, and runs Tesseract on them. Engines are pooled (one
//! per worker, see `crate::pool`); an engine that errors is dropped and a fresh one takes
//! its slot. The pool owns the engines, so they are dropped (and Tesseract's caches freed) when
//! the pipeline is.

mod images;
mod page;
pub(crate) mod prepare;

use tesseract::Tesseract;

use crate::error::{Error, Result};
use crate::pool::{BusyTime, Pool, Pooled};
pub use images::{decode as decode_image, OcrImage};
pub(crate) use page::{read_page, PageOutcome};
use prepare::Prepared;

/// Where Debian's Tesseract keeps its language data.
pub const DEFAULT_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

/// The libtesseract this process loaded (the faster build `scripts/build_tesseract.sh` makes, or
/// the system's), read from the process's memory map; `None` where that cannot be read.
pub fn loaded_library() -> Option<std::path::PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    library_in_maps(&maps)
}

/// The first mapped file whose name starts with `libtesseract` (a line's path is everything
/// from its first `/`).
fn library_in_maps(maps: &str) -> Option<std::path::PathBuf> {
    maps.lines()
        .filter_map(|line| line.find('/').map(|i| std::path::Path::new(&line[i..])))
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libtesseract"))
        })
        .map(std::path::Path::to_path_buf)
}

/// A pool of Tesseract engines for one language.
pub(crate) struct OcrEngines {
    pool: Pool<Tesseract>,
    /// Crop images to their ink and skip empty ones (see [`prepare`]).
    crop: bool,
}

impl std::fmt::Debug for OcrEngines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrEngines")
            .field("size", &self.pool.size())
            .finish()
    }
}

/// A folder given for the language data must exist and hold the language: said in one line,
/// before Tesseract is asked (it would fall back to its default folder, or print its own
/// errors). Without a folder, Debian's is checked when it exists.
fn check_language(tessdata: Option<&str>, language: &str) -> Result<()> {
    let dir = match tessdata {
        Some(d) if !std::path::Path::new(d).is_dir() => {
            return Err(Error::Config(format!(
                "--tessdata {d} is not a folder (Tesseract's language data, e.g. {DEFAULT_TESSDATA})"
            )));
        }
        Some(d) => d,
        None if std::path::Path::new(DEFAULT_TESSDATA).is_dir() => DEFAULT_TESSDATA,
        None => return Ok(()),
    };
    // "eng+deu" names several languages.
    for lang in language.split('+') {
        let file = std::path::Path::new(dir).join(format!("{lang}.traineddata"));
        if !file.is_file() {
            return Err(Error::Config(format!(
                "no OCR data for language '{lang}' in {dir} (install tesseract-ocr-{lang}, or set --tessdata)"
            )));
        }
    }
    Ok(())
}

fn start_engine(tessdata: Option<&str>, language: &str) -> Result<Tesseract> {
    let data = tessdata
        .or(Some(DEFAULT_TESSDATA))
        .filter(|d| std::path::Path::new(d).is_dir());
    Tesseract::new(data, Some(language)).map_err(|e| {
        Error::Ocr(format!(
            "cannot start Tesseract for language '{language}' with data in {}: {e} (install tesseract-ocr-{language} or set --tessdata)",
            data.unwrap_or("Tesseract's default folder"),
        ))
    })
}

impl OcrEngines {
    /// The pool of engines (sizes, start-up counts and cost).
    pub fn pool(&self) -> &dyn Pooled {
        &self.pool
    }

    /// Up to `size` engines for `language`, reading traineddata from `tessdata` (or Debian's
    /// folder), started when first needed. The language data is checked now: a missing
    /// language fails here rather than on the first scanned page.
    pub fn new(size: usize, tessdata: Option<&str>, language: &str, crop: bool) -> Result<Self> {
        check_language(tessdata, language)?;
        let (tessdata, language) = (tessdata.map(str::to_string), language.to_string());
        let pool = Pool::new(size, move || start_engine(tessdata.as_deref(), &language));
        Ok(OcrEngines { pool, crop })
    }

    /// Recognises the text of one image drawn at `dpi` (see [`prepare`] for what Tesseract
    /// is given); `None` for an image with nothing to read. The time spent preparing and
    /// recognising is added to `busy` (waiting for an engine, or for one to start, is not).
    pub fn recognize(
        &self,
        image: &OcrImage,
        dpi: u32,
        busy: &BusyTime,
    ) -> Result<Option<Reading>> {
        let prepared = busy.time(|| {
            if self.crop {
                prepare::prepare(image, dpi)
            } else {
                prepare::whole(image, dpi)
            }
        });
        if let Prepared::Nothing(_) = prepared {
            return Ok(None);
        }
        let mut lease = self.pool.get()?;
        // Tesseract's API consumes the engine at each step; one that fails is not put back.
        let engine = lease.take();
        let (reading, engine) = busy.time(|| read(engine, &prepared, dpi))?;
        lease.put(engine);
        Ok(Some(reading))
    }
}

/// What Tesseract read in one image.
#[derive(Debug)]
pub(crate) struct Reading {
    /// Its text, as Tesseract gives it.
    pub text: String,
    /// The resolution it was given the image at.
    pub dpi: u32,
}

/// Tesseract's text of a prepared image (an encoded one drawn at `dpi`), and the engine for
/// the next one.
fn read(engine: Tesseract, prepared: &Prepared, dpi: u32) -> Result<(Reading, Tesseract)> {
    let (loaded, dpi) = match prepared {
        Prepared::Encoded(bytes) => (
            engine.set_image_from_mem(bytes).map_err(|e| e.to_string()),
            dpi,
        ),
        Prepared::Gray {
            width,
            height,
            pixels,
            dpi,
        } => (
            engine
                .set_frame(pixels, *width as i32, *height as i32, 1, *width as i32)
                .map_err(|e| e.to_string()),
            *dpi,
        ),
        Prepared::Nothing(_) => unreachable!("`recognize` reads nothing for it"),
    };
    let engine = loaded.map_err(|e| Error::Ocr(format!("image not accepted: {e}")))?;
    let mut engine = engine
        .set_source_resolution(dpi.clamp(70, 1200) as i32)
        .recognize()
        .map_err(|e| Error::Ocr(format!("recognition failed: {e}")))?;
    let text = engine
        .get_text()
        .map_err(|e| Error::Ocr(format!("reading the result: {e}")))?;
    Ok((Reading { text, dpi }, engine))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tesseract_library_is_read_from_the_memory_map() {
        let maps = "\
55d0a000-55d0b000 r--p 00000000 08:01 1234 /usr/bin/docgraph
7f00a000-7f00b000 r--p 00000000 08:01 99 /opt/my libs/libtesseract.so.5
7f00c000-7f00d000 r--p 00000000 08:01 98 /usr/lib/x86_64-linux-gnu/libtesseract.so.5
7f00e000-7f00f000 rw-p 00000000 00:00 0
";
        assert_eq!(
            library_in_maps(maps),
            Some(std::path::PathBuf::from("/opt/my libs/libtesseract.so.5"))
        );
        assert_eq!(library_in_maps("7f00e000-7f00f000 rw-p 0 00:00 0\n"), None);
    }
}
