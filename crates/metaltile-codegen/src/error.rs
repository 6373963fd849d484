//! Typed errors of emission and of syntax checking.

use crate::target::Target;
use metaltile_ir::IrError;
use std::path::PathBuf;

/// Why a kernel could not be emitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodegenError {
    /// The kernel does not verify; the emitters only accept verified IR.
    #[error("kernel `{kernel}` is not valid IR: {source}")]
    InvalidKernel {
        kernel: String,
        #[source]
        source: IrError,
    },
    /// The kernel uses something the target cannot express.
    #[error("kernel `{kernel}` cannot be emitted for {target}: {what}")]
    Unsupported { kernel: String, target: Target, what: String },
}

/// One source file a compiler rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// Position of the file in the list that was checked.
    pub index: usize,
    pub target: Target,
    /// The compiler's diagnostics for this file.
    pub diagnostics: String,
}

/// Why a syntax check could not pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No C++ compiler is installed.
    #[error("no C++ compiler found on PATH (tried {tried}); install one, e.g. `apt-get install g++`")]
    NoCompiler { tried: String },
    /// Writing the headers or sources to a temporary directory failed.
    #[error("syntax check: cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The compiler could not be started.
    #[error("syntax check: cannot run {compiler}: {source}")]
    Spawn {
        compiler: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The compiler rejected one or more files.
    #[error("{compiler} rejected {} file(s):\n{}", failures.len(), describe(failures))]
    Rejected { compiler: PathBuf, failures: Vec<CheckFailure> },
}

fn describe(failures: &[CheckFailure]) -> String {
    failures
        .iter()
        .map(|f| format!("--- file #{} ({}) ---\n{}", f.index, f.target, f.diagnostics.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}
