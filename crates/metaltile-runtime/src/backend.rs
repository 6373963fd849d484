//! What a backend provides: device memory, compiled pipelines, launches (timed or queued)
//! and synchronization. [`crate::Device`] does everything backend-independent — argument
//! validation, the pipeline cache, aliasing rules — so each backend implements only these.

use crate::error::{Result, RuntimeError};
use crate::pipeline::Pipeline;
use metaltile_ir::{Constant, Geometry, Kernel};
use std::any::Any;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The kinds of backend a [`crate::Device`] can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// The reference SIMT interpreter on the host CPU.
    Cpu,
    /// NVIDIA GPUs through the CUDA driver.
    Cuda,
    /// Apple GPUs through Metal.
    Metal,
}

impl BackendKind {
    /// Every kind.
    pub const ALL: [BackendKind; 3] = [BackendKind::Cpu, BackendKind::Cuda, BackendKind::Metal];

    /// Lower-case name used by the CLI (`cpu`, `cuda`, `metal`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
            BackendKind::Metal => "metal",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown backend name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{0}` (expected cpu, cuda or metal)")]
pub struct UnknownBackend(pub String);

impl FromStr for BackendKind {
    type Err = UnknownBackend;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        BackendKind::ALL.into_iter().find(|k| k.name() == lower).ok_or_else(|| UnknownBackend(s.to_string()))
    }
}

/// Memory a backend owns for one buffer. Several [`crate::Buffer`]s (reshapes, read-only
/// views) may share one allocation.
pub trait DeviceMemory: Send + Sync + fmt::Debug {
    /// Size of the allocation in bytes.
    fn size_bytes(&self) -> usize;
    /// Copy the contents to the host, after all work queued before that writes it.
    fn read(&self) -> Result<Vec<u8>>;
    /// Overwrite the contents from the host; `bytes` has exactly `size_bytes()` bytes.
    fn write(&self, bytes: &[u8]) -> Result<()>;
    /// For the owning backend to reach its concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// A launch argument after validation: parameters and arguments are known to match.
#[derive(Clone, Debug)]
pub enum BoundArg<'a> {
    /// A buffer; `written` when the parameter is one the kernel writes.
    Buffer { memory: &'a Arc<dyn DeviceMemory>, written: bool },
    /// A runtime scalar of exactly the parameter's dtype.
    Scalar(Constant),
}

/// A validated launch, as a backend receives it.
#[derive(Clone, Debug)]
pub struct LaunchRequest<'a> {
    pub pipeline: &'a Pipeline,
    pub geometry: Geometry,
    /// One per kernel parameter, in order. No two written buffers share memory.
    pub args: &'a [BoundArg<'a>],
}

/// What one launch cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LaunchStats {
    /// Time the kernel ran: device-event time on GPUs, wall time on the CPU.
    pub elapsed: Duration,
    /// Lane operations executed (counted by the interpreter; 0 where a backend cannot count).
    pub lane_ops: u64,
}

/// The per-backend half of a [`crate::Device`].
pub trait Backend: Send + Sync {
    /// Which kind this is.
    fn kind(&self) -> BackendKind;
    /// Human-readable device name (e.g. the GPU's model).
    fn name(&self) -> String;
    /// Allocate `size_bytes` of device memory (contents unspecified).
    fn alloc(&self, size_bytes: usize) -> Result<Arc<dyn DeviceMemory>>;
    /// Compile an optimized kernel into whatever this backend launches (a CUDA module, a
    /// Metal pipeline state); `None` when the backend runs the IR itself.
    fn compile(&self, kernel: &Kernel) -> Result<Option<Box<dyn Any + Send + Sync>>>;
    /// Run a launch and return when it has finished, with its time.
    fn launch(&self, request: &LaunchRequest<'_>) -> Result<LaunchStats>;
    /// Queue a launch without waiting; its effects are visible after [`Backend::synchronize`]
    /// or a buffer read. Backends without a queue run it at once.
    fn enqueue(&self, request: &LaunchRequest<'_>) -> Result<()> {
        self.launch(request).map(|_| ())
    }
    /// Wait for every queued launch.
    fn synchronize(&self) -> Result<()>;
}

/// Memory of another backend reached a backend: a bug in the runtime, reported as an error.
pub(crate) fn foreign_memory(backend: BackendKind) -> RuntimeError {
    RuntimeError::Backend { backend, message: "a buffer's memory was allocated by another backend".into() }
}
