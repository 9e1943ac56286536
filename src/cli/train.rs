//! `docgraph train`: runs `docgraph-train` (the training program, `crates/train`), found beside
//! this executable or on `PATH`. Training links libtorch's autograd, which the pipeline does not
//! need, so it is a program of its own rather than part of this one.

use std::ffi::OsString;
use std::path::PathBuf;

use docgraph::{Error, Result};

/// The training program's file name.
const PROGRAM: &str = "docgraph-train";

/// Where `docgraph-train` is: beside the running executable, else on `PATH`.
fn program() -> Option<PathBuf> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join(PROGRAM)))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(PROGRAM))
                .find(|p| p.is_file())
        })
    })
}

/// Runs the training program with `args`, in place of this process; returns only when it could
/// not be started.
pub fn train(args: &[OsString]) -> Result<u8> {
    use std::os::unix::process::CommandExt;
    let Some(program) = program() else {
        return Err(Error::Config(format!(
            "docgraph train needs {PROGRAM}, which is built beside docgraph (cargo build \
             --release) and installed beside it by scripts/install.sh; it is neither beside \
             this executable nor on PATH"
        )));
    };
    let err = std::process::Command::new(&program).args(args).exec();
    Err(Error::io(&program, err))
}
