//! Device memory of one CUDA buffer, and the stream state every buffer and launch of a device
//! shares. All work of a device goes through one stream, so stream order alone orders copies
//! and launches; reads wait for the stream, which is what makes queued launches' results
//! visible.

use super::driver::{describe, sticky_note};
use crate::backend::{BackendKind, DeviceMemory};
use crate::error::{Result, RuntimeError};
use cudarc::driver::{result, sys, CudaContext, CudaSlice, CudaStream, DevicePtr, DriverError};
use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// At most this many queued kernel names are kept for error messages.
const PENDING_NAMES: usize = 8;

/// Kernels queued since the stream was last waited for: the suspects when a wait fails.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    names: Vec<String>,
    count: usize,
    /// Some names did not fit.
    truncated: bool,
}

impl Pending {
    pub(crate) fn push(&mut self, name: &str) {
        self.count += 1;
        if self.names.iter().any(|n| n == name) {
            return;
        }
        if self.names.len() < PENDING_NAMES {
            self.names.push(name.to_string());
        } else {
            self.truncated = true;
        }
    }

    /// `""`, or a clause naming the queued kernels.
    pub(crate) fn describe(&self) -> String {
        if self.count == 0 {
            return String::new();
        }
        let more = if self.truncated { ", …" } else { "" };
        format!(" ({} launch(es) were queued since the last wait: {}{more})", self.count, self.names.join(", "))
    }

    pub(crate) fn clear(&mut self) {
        self.names.clear();
        self.count = 0;
        self.truncated = false;
    }
}

/// The context and stream of one device.
pub(crate) struct Shared {
    pub(crate) ctx: Arc<CudaContext>,
    pub(crate) stream: Arc<CudaStream>,
    pub(crate) pending: Mutex<Pending>,
}

impl Shared {
    pub(crate) fn pending(&self) -> MutexGuard<'_, Pending> {
        // The list is only for messages: a panic elsewhere cannot make it unsafe to use.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A backend error for a failed driver call, naming the queued kernels that may be its cause.
    pub(crate) fn error(&self, what: &str, e: DriverError) -> RuntimeError {
        RuntimeError::Backend {
            backend: BackendKind::Cuda,
            message: format!("{what}: {}{}{}", describe(e), self.pending().describe(), sticky_note(e.0)),
        }
    }

    /// Make the context current on this thread (the driver keeps one per thread).
    pub(crate) fn bind(&self) -> Result<()> {
        self.ctx.bind_to_thread().map_err(|e| self.error("making the CUDA context current", e))
    }

    /// Wait for everything queued on the stream.
    pub(crate) fn wait(&self, what: &str) -> Result<()> {
        self.bind()?;
        let r = self.stream.synchronize().map_err(|e| self.error(what, e));
        self.pending().clear();
        r?;
        // Failures the bindings could only record (in destructors) surface here.
        self.ctx.check_err().map_err(|e| self.error("an earlier CUDA call (freeing memory)", e))
    }
}

/// Device memory of one buffer. Freed in stream order when the last handle goes.
pub(crate) struct CudaMemory {
    /// `None` for an empty buffer: CUDA has no zero-byte allocations.
    slice: Option<CudaSlice<u8>>,
    pub(crate) ptr: sys::CUdeviceptr,
    size: usize,
    shared: Arc<Shared>,
}

impl CudaMemory {
    /// `size` bytes, filled with `0xFF` (a NaN in every float dtype) so that what a kernel
    /// fails to write is visible even before the device poisons it.
    pub(crate) fn new(shared: &Arc<Shared>, size: usize) -> Result<CudaMemory> {
        if size == 0 {
            return Ok(CudaMemory { slice: None, ptr: 0, size, shared: shared.clone() });
        }
        shared.bind()?;
        // SAFETY: the contents are unspecified until the memset below, and nothing reads them before.
        let slice = unsafe { shared.stream.alloc::<u8>(size) }
            .map_err(|e| shared.error(&format!("allocating {size} bytes on the GPU"), e))?;
        // Event tracking is off (one stream orders everything), so the guard does nothing.
        let ptr = {
            let (ptr, _guard) = slice.device_ptr(&shared.stream);
            ptr
        };
        // SAFETY: `ptr` is a live allocation of `size` bytes on this stream's context.
        unsafe { result::memset_d8_async(ptr, 0xFF, size, shared.stream.cu_stream()) }
            .map_err(|e| shared.error("filling a new GPU buffer", e))?;
        Ok(CudaMemory { slice: Some(slice), ptr, size, shared: shared.clone() })
    }

    /// A scratch copy of this memory, made in stream order (for a read-only argument that
    /// aliases a written one).
    pub(crate) fn snapshot(&self) -> Result<CudaMemory> {
        let copy = CudaMemory::new(&self.shared, self.size)?;
        if self.size > 0 {
            // SAFETY: both allocations are live and `size` bytes long; the stream orders the copy
            // after earlier writes to the source and before the launch that reads the copy.
            unsafe { result::memcpy_dtod_async(copy.ptr, self.ptr, self.size, self.shared.stream.cu_stream()) }
                .map_err(|e| self.shared.error("copying a GPU buffer", e))?;
        }
        Ok(copy)
    }

    /// Whether this is the memory of `shared`'s device.
    pub(crate) fn belongs_to(&self, shared: &Arc<Shared>) -> bool {
        Arc::ptr_eq(&self.shared, shared)
    }
}

impl fmt::Debug for CudaMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CudaMemory").field("ptr", &format_args!("{:#x}", self.ptr)).field("size", &self.size).finish()
    }
}

impl DeviceMemory for CudaMemory {
    fn size_bytes(&self) -> usize {
        self.size
    }

    fn read(&self) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.size];
        if self.size == 0 {
            return Ok(out);
        }
        self.shared.bind()?;
        // SAFETY: `out` has `size` bytes and lives until the wait below has completed the copy.
        let r = unsafe { result::memcpy_dtoh_async(&mut out, self.ptr, self.shared.stream.cu_stream()) };
        let waited = self.shared.wait("reading a buffer from the GPU");
        r.map_err(|e| self.shared.error("reading a buffer from the GPU", e))?;
        waited?;
        Ok(out)
    }

    fn write(&self, bytes: &[u8]) -> Result<()> {
        if bytes.len() != self.size {
            return Err(RuntimeError::LengthMismatch {
                what: "write to a cuda buffer".into(),
                unit: "bytes",
                expected: self.size,
                found: bytes.len(),
            });
        }
        if self.size == 0 {
            return Ok(());
        }
        self.shared.bind()?;
        // SAFETY: `bytes` has `size` bytes and lives until the wait below has completed the copy.
        let r = unsafe { result::memcpy_htod_async(self.ptr, bytes, self.shared.stream.cu_stream()) };
        let waited = self.shared.wait("writing a buffer to the GPU");
        r.map_err(|e| self.shared.error("writing a buffer to the GPU", e))?;
        waited
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for CudaMemory {
    fn drop(&mut self) {
        // The slice frees itself in stream order; make the context current for it first. A
        // failure is recorded by the bindings and reported at the next wait.
        if self.slice.is_some() {
            let _ = self.shared.ctx.bind_to_thread();
        }
        self.slice.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_names_each_kernel_once_and_counts_every_launch() {
        let mut p = Pending::default();
        assert_eq!(p.describe(), "");
        p.push("a");
        p.push("b");
        p.push("a");
        assert_eq!(p.describe(), " (3 launch(es) were queued since the last wait: a, b)");
        for i in 0..20 {
            p.push(&format!("k{i}"));
        }
        let d = p.describe();
        assert!(d.starts_with(" (23 launch(es)") && d.ends_with(", …)"), "{d}");
        p.clear();
        assert_eq!(p.describe(), "");
    }
}
