//! Typed errors of the runtime. Every message names what it is about (a parameter, a buffer,
//! a backend) so a user can act on it without reading the source.

use crate::backend::BackendKind;
use metaltile_interp::InterpError;
use metaltile_ir::{DType, IrError};

/// An error from a device, a buffer, a pipeline or a launch.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Building, verifying or optimizing a kernel's IR failed.
    #[error(transparent)]
    Ir(#[from] IrError),
    /// The reference interpreter reported a fault while running a kernel.
    #[error("running `{kernel}` on the cpu: {source}")]
    Interp {
        kernel: String,
        /// Boxed: the interpreter's errors carry thread positions and would make every
        /// `Result` of the runtime large.
        #[source]
        source: Box<InterpError>,
    },
    /// A shape differs from the one required.
    #[error("{what}: expected shape {expected:?}, found {found:?}")]
    ShapeMismatch { what: String, expected: Vec<usize>, found: Vec<usize> },
    /// A number of elements or bytes differs from the one a shape requires.
    #[error("{what}: expected {expected} {unit}, found {found}")]
    LengthMismatch { what: String, unit: &'static str, expected: usize, found: usize },
    /// A shape that no buffer can have (its element count overflows).
    #[error("invalid shape {shape:?}: {reason}")]
    InvalidShape { shape: Vec<usize>, reason: String },
    /// A dtype differs from the one required.
    #[error("{what}: expected {expected}, found {found}")]
    DTypeMismatch { what: String, expected: DType, found: DType },
    /// A dtype outside the set an op or kernel supports.
    #[error("{what}: {dtype} is not supported (supported: {supported})")]
    UnsupportedDType { what: String, dtype: DType, supported: String },
    /// An op called by input names (`tile run`) lacks one it needs.
    #[error("`{op}` needs an input named `{name}` (its inputs: {expected})")]
    MissingInput { op: String, name: String, expected: String },
    /// An op called by input names was given a name it does not have.
    #[error("`{op}` has no input or parameter named `{name}` (it takes: {expected})")]
    UnknownInput { op: String, name: String, expected: String },
    /// An op's parameter (not a buffer) has a value it cannot take.
    #[error("`{op}`, parameter `{name}`: {reason}")]
    BadParameter { op: String, name: String, reason: String },
    /// The backend cannot be used on this machine.
    #[error("the {kind} backend is unavailable: {reason}")]
    BackendUnavailable { kind: BackendKind, reason: String },
    /// A launch was given the wrong number of arguments.
    #[error("kernel `{kernel}` takes {expected} arguments ({params}), {found} were given")]
    ArgCount { kernel: String, expected: usize, found: usize, params: String },
    /// An argument of the wrong kind (a scalar for a buffer parameter or the reverse).
    #[error("kernel `{kernel}`, parameter `{param}`: expected {expected}, got {found}")]
    ArgKind { kernel: String, param: String, expected: &'static str, found: &'static str },
    /// A read-only buffer was given for a parameter the kernel writes.
    #[error(
        "kernel `{kernel}`, parameter `{param}`: the kernel writes this parameter, but the buffer given is read-only"
    )]
    ReadOnly { kernel: String, param: String },
    /// One buffer was given for two parameters that are both written.
    #[error("kernel `{kernel}`: the same buffer is given for `{first}` and `{second}`, which are both written; pass distinct buffers")]
    Alias { kernel: String, first: String, second: String },
    /// A buffer that lives on another device.
    #[error(
        "kernel `{kernel}`, parameter `{param}`: the buffer belongs to another device ({owner}); this is {device}"
    )]
    WrongDevice { kernel: String, param: String, owner: String, device: String },
    /// A backend's compiler rejected a kernel (e.g. NVRTC); `message` quotes its log.
    #[error("compiling `{kernel}` for {backend}: {message}")]
    Compile { backend: BackendKind, kernel: String, message: String },
    /// A launch the backend refused or that failed while running on the device.
    #[error("{backend}: launch of `{kernel}` failed: {message}")]
    Launch { backend: BackendKind, kernel: String, message: String },
    /// A failure inside a backend (driver call, compiler) that has no more specific variant.
    #[error("{backend} backend: {message}")]
    Backend { backend: BackendKind, message: String },
}

/// Result of runtime operations.
pub type Result<T> = std::result::Result<T, RuntimeError>;
