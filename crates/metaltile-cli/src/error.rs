//! Every error `tile` reports, and which exit status it maps to.

use crate::npy::NpyError;
use metaltile_codegen::CodegenError;
use metaltile_ir::IrError;
use metaltile_runtime::RuntimeError;

/// An error of a `tile` command. Its message is printed as `error: <message>`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No registry kernel has this name; `hint` suggests close names or lists them all.
    #[error("unknown kernel `{name}`; {hint}")]
    UnknownKernel { name: String, hint: String },
    /// A `--filter` that selects no kernel.
    #[error("--filter `{filter}` selects no kernel (filter by family: {families}; or by part of a kernel name)")]
    EmptyFilter { filter: String, families: String },
    /// A `--dtype` that is not a dtype name, or one the kernel has no instance of.
    #[error("kernel `{kernel}` has no `{dtype}` instance (supported dtypes: {supported})")]
    UnsupportedDType { kernel: String, dtype: String, supported: String },
    /// A `--dtype` given to a kernel that is not generic.
    #[error("kernel `{kernel}` is not generic over a dtype; drop --dtype {dtype}")]
    NotGeneric { kernel: String, dtype: String },
    /// A malformed `NAME=VALUE` argument, or one naming something that does not exist.
    #[error("{flag} {arg}: {msg}")]
    BadArg { flag: &'static str, arg: String, msg: String },
    /// An input file whose dtype differs from the one asked for with `--dtype`.
    #[error("input `{name}` ({path}): expected dtype {expected} (from --dtype), found {found}")]
    InputDType { name: String, path: String, expected: String, found: String },
    /// `--output` names an output the kernel does not have.
    #[error("`{kernel}` has no output named `{name}` (its outputs: {expected})")]
    UnknownOutput { kernel: String, name: String, expected: String },
    /// `--pass` names no pass of the pipeline.
    #[error("unknown pass `{name}`; the passes, in pipeline order:\n{list}")]
    UnknownPass { name: String, list: String },
    /// Something a command cannot do yet.
    #[error("{0}")]
    Unsupported(String),
    /// A `.npy` file could not be read or written.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// A device, buffer, planning or launch error.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// Building or optimizing a kernel's IR failed.
    #[error(transparent)]
    Ir(#[from] IrError),
    /// The emitter could not express the kernel.
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    /// Writing output failed.
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// JSON serialization failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// `tile test` ran and some cases failed (the table says which).
    #[error("{failed} of {total} test cases failed")]
    TestsFailed { failed: usize, total: usize },
}

impl CliError {
    /// The process exit status: 1 when tests ran and failed, 2 for usage and input errors.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::TestsFailed { .. } => 1,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_test_failures_exit_1() {
        assert_eq!(CliError::TestsFailed { failed: 1, total: 2 }.exit_code(), 1);
        assert_eq!(CliError::Unsupported("x".into()).exit_code(), 2);
        let e = CliError::UnknownOutput { kernel: "exp".into(), name: "z".into(), expected: "y".into() };
        assert_eq!(e.exit_code(), 2);
    }
}
