//! The one error type of the crate.
//!
//! Every failure a document can meet is a variant here, so the report can say what went wrong in
//! words (`Display`) and as a stable machine-readable [`ErrorKind`].

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
    /// The document has pages, but not one of them gave text: no usable text layer and nothing
    /// OCR could read. It is reported as failed, never `ok` with nothing in it.
    #[error("no text: {0}")]
    NoText(String),
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
    /// Another run holds the output folder.
    #[error("another docgraph run is writing to {0} (one run per output folder: wait for it, or choose another -o)")]
    Locked(PathBuf),
    /// Shard outputs that cannot be merged (other options, damaged, conflicting documents).
    #[error("cannot merge: {0}")]
    Merge(String),
    /// Serialising an output failed.
    #[error("serialising {what}: {message}")]
    Serialize {
        /// Which output.
        what: &'static str,
        /// What serde said.
        message: String,
    },
}

/// The kind of a failure: stable, machine-readable, written into `report.json` as its
/// snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// See [`Error::Io`].
    Io,
    /// See [`Error::EmptyFile`].
    EmptyFile,
    /// See [`Error::NotPdf`].
    NotPdf,
    /// See [`Error::FileTooLarge`].
    FileTooLarge,
    /// See [`Error::TooManyPages`].
    TooManyPages,
    /// See [`Error::PasswordRequired`].
    PasswordRequired,
    /// See [`Error::MalformedPdf`].
    MalformedPdf,
    /// See [`Error::NoPages`].
    NoPages,
    /// See [`Error::NoText`].
    NoText,
    /// See [`Error::Ocr`].
    Ocr,
    /// See [`Error::Model`].
    Model,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Cancelled`].
    Cancelled,
    /// See [`Error::Panic`].
    Panic,
    /// See [`Error::Config`].
    Config,
    /// See [`Error::Serialize`].
    Serialize,
    /// See [`Error::Locked`].
    Locked,
    /// See [`Error::Merge`].
    Merge,
}

impl ErrorKind {
    /// True when the failure is a property of the file's bytes alone, so processing it again
    /// would fail the same way whatever the options: such results may be kept between runs.
    /// Failures that depend on an option (`--max-pages`, `--max-file-mb`), timeouts,
    /// cancellations, panics, I/O and engine failures are not.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            ErrorKind::MalformedPdf
                | ErrorKind::PasswordRequired
                | ErrorKind::NoPages
                | ErrorKind::NotPdf
                | ErrorKind::EmptyFile
        )
    }
}

impl Error {
    /// The kind of failure, for machines reading the report.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::EmptyFile => ErrorKind::EmptyFile,
            Error::NotPdf => ErrorKind::NotPdf,
            Error::FileTooLarge { .. } => ErrorKind::FileTooLarge,
            Error::TooManyPages { .. } => ErrorKind::TooManyPages,
            Error::PasswordRequired => ErrorKind::PasswordRequired,
            Error::MalformedPdf(_) => ErrorKind::MalformedPdf,
            Error::NoPages => ErrorKind::NoPages,
            Error::NoText(_) => ErrorKind::NoText,
            Error::Ocr(_) => ErrorKind::Ocr,
            Error::Model(_) => ErrorKind::Model,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Panic(_) => ErrorKind::Panic,
            Error::Config(_) => ErrorKind::Config,
            Error::Serialize { .. } => ErrorKind::Serialize,
            Error::Locked(_) => ErrorKind::Locked,
            Error::Merge(_) => ErrorKind::Merge,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// `Ok` when `dir` holds every file of a model; else an error naming the first missing
    /// file, the folder and the option that sets it.
    pub(crate) fn require_model_files(
        dir: &std::path::Path,
        files: &[&str],
        what: &str,
        option: &str,
    ) -> Result<()> {
        match files.iter().find(|f| !dir.join(f).is_file()) {
            Some(f) => Err(Error::Model(format!(
                "{f} is missing from the {what} folder {} (set {option})",
                dir.display()
            ))),
            None => Ok(()),
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
