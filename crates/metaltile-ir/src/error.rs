//! Typed errors of IR construction, verification and passes.

use crate::dtype::DType;

/// An error found while building, verifying or transforming a kernel.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IrError {
    #[error("type error in `{op}`: {msg}")]
    Type { op: String, msg: String },
    #[error("{value} is used before it is defined (or outside the region that defines it) in `{op}`")]
    UseBeforeDef { value: String, op: String },
    #[error("{value} is defined twice")]
    Redefined { value: String },
    #[error("`{op}` outside a loop")]
    OutsideLoop { op: String },
    #[error("malformed region: {0}")]
    Region(String),
    #[error("threadgroup barrier inside control flow that depends on the thread position ({0}); every thread of a threadgroup must reach each barrier")]
    DivergentBarrier(String),
    #[error("missing constexpr `{0}`: pass it with --const {0}=<value>")]
    MissingConstexpr(String),
    #[error("constexpr `{name}`: {msg}")]
    BadConstexpr { name: String, msg: String },
    #[error("kernel `{kernel}` has no {dtype} instance (it supports {supported})")]
    UnsupportedDType { kernel: String, dtype: DType, supported: String },
    #[error("{0} must be a compile-time constant")]
    NotConstant(String),
    #[error("{0}")]
    Invalid(String),
}

pub type IrResult<T> = Result<T, IrError>;
