//! The model runtime's errors: messages, handed to docgraph through the function table (see
//! `docgraph_abi`), where they become docgraph's `Error::Model`.

use std::fmt;
use std::path::Path;

/// What went wrong loading or running a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The model's files or arguments are not what the runtime can use, or libtorch failed.
    Model(String),
}

impl Error {
    /// Reading `path` failed.
    pub fn io(path: &Path, e: std::io::Error) -> Error {
        Error::Model(format!("{}: {e}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Model(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// A result of the model runtime.
pub type Result<T> = std::result::Result<T, Error>;
