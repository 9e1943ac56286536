//! The one error type of the crate.
//!
//! Every failure a document can meet is a variant here, so the report can say what went wrong in
//! words (`Display`) and as a stable machine-readable [`Error::kind`].

use std::path::PathBuf;
use std::time::Duration;

/// Result alias used throughout docgraph.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, for one document or for a whole run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("empty file (0 bytes)")]
    EmptyFile,
    /// The file does not start like a PDF.
    #[error("not a PDF: no %PDF- header in the first 1024 bytes")]
    NotPdf,
    /// The file is larger than the configured limit.
    #[error("file is {size} bytes, over the limit of {limit} bytes (--max-file-mb)")]
    FileTooLarge {
        /// Size of the file.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The document has more pages than the configured limit.
    #[error("document has {pages} pages, over the limit of {limit} (--max-pages)")]
    TooManyPages {
        /// Pages in the document.
        pages: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The PDF is encrypted and the empty user password does not open it.
    #[error("encrypted: the document needs a password")]
    PasswordRequired,
    /// lopdf could not parse the document.
    #[error("malformed PDF: {0}")]
    MalformedPdf(String),
    /// The document parsed but has no pages.
    #[error("no readable pages: the page tree is empty, broken or circular")]
    NoPages,
    /// Tesseract could not be started or failed on a page.
    #[error("OCR: {0}")]
    Ocr(String),
    /// The NER model could not be loaded or run.
    #[error("NER model: {0}")]
    Model(String),
    /// The document took longer than `--doc-timeout`.
    #[error("timed out after {0:.1?} (--doc-timeout)")]
    Timeout(Duration),
    /// The run was cancelled (Ctrl-C) before the document finished.
    #[error("cancelled before the document finished")]
    Cancelled,
    /// A stage panicked while processing the document; the run went on.
    #[error("internal error (panic) while processing: {0}")]
    Panic(String),
    /// The input folder or a configuration value is unusable.
    #[error("{0}")]
    Config(String),
    /// Serialising an output failed.
    #[error("serialising {what}: {message}")]
    Serialize {
        /// Which output.
        what: &'static str,
        /// What serde said.
        message: String,
    },
}

impl Error {
    /// A short, stable identifier for the kind of failure, for machines reading the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::EmptyFile => "empty_file",
            Error::NotPdf => "not_pdf",
            Error::FileTooLarge { .. } => "file_too_large",
            Error::TooManyPages { .. } => "too_many_pages",
            Error::PasswordRequired => "password_required",
            Error::MalformedPdf(_) => "malformed_pdf",
            Error::NoPages => "no_pages",
            Error::Ocr(_) => "ocr",
            Error::Model(_) => "model",
            Error::Timeout(_) => "timeout",
            Error::Cancelled => "cancelled",
            Error::Panic(_) => "panic",
            Error::Config(_) => "config",
            Error::Serialize { .. } => "serialize",
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Turns a panic payload into an error that names the message.
    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_string());
        Error::Panic(message)
    }
}
