//! Buffers in shared storage: the CPU and the GPU see the same bytes, so host reads and
//! writes are copies through `contents()` once the GPU work in flight has finished.

use super::checks::metal_error;
use super::queue::InFlight;
use crate::backend::DeviceMemory;
use crate::error::{Result, RuntimeError};
use objc2::rc::Retained;
use objc2::runtime::ProtocolObject;
use objc2_metal::MTLBuffer;
use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// One `MTLBuffer` of `MTLResourceStorageModeShared`.
pub(super) struct MetalMemory {
    buffer: Retained<ProtocolObject<dyn MTLBuffer>>,
    /// Bytes the buffer holds for its user; the allocation may be larger (never empty).
    len: usize,
    /// The device's queued work, waited for before the host touches the bytes.
    in_flight: Arc<InFlight>,
    /// Serializes host copies, so a read never sees a write half done.
    host: Mutex<()>,
}

// SAFETY: Metal resources are thread-safe objects: retaining, releasing, binding them to
// encoders and calling `contents` may happen on any thread. The bytes behind `contents` are
// only touched by `read`/`write`, which hold `host` and first wait for the GPU work in flight.
unsafe impl Send for MetalMemory {}
// SAFETY: as for `Send`; every method takes `&self` and synchronizes as described there.
unsafe impl Sync for MetalMemory {}

impl MetalMemory {
    /// Wrap `buffer`, which has at least `len` bytes of shared storage.
    pub(super) fn new(
        buffer: Retained<ProtocolObject<dyn MTLBuffer>>,
        len: usize,
        in_flight: Arc<InFlight>,
    ) -> Result<MetalMemory> {
        if buffer.length() < len {
            return Err(metal_error(format!(
                "newBufferWithLength returned {} bytes where {len} were asked for",
                buffer.length()
            )));
        }
        Ok(MetalMemory { buffer, len, in_flight, host: Mutex::new(()) })
    }

    /// The buffer, to bind to an encoder.
    pub(super) fn buffer(&self) -> &ProtocolObject<dyn MTLBuffer> {
        &self.buffer
    }

    fn host_lock(&self) -> MutexGuard<'_, ()> {
        // Guards no data of its own, so a panic while it was held leaves nothing to repair.
        self.host.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl DeviceMemory for MetalMemory {
    fn size_bytes(&self) -> usize {
        self.len
    }

    fn read(&self) -> Result<Vec<u8>> {
        self.in_flight.wait_all()?;
        let _host = self.host_lock();
        let ptr = self.buffer.contents().cast::<u8>();
        // SAFETY: shared storage keeps `contents` valid for the buffer's life, and the buffer
        // holds at least `len` bytes (checked in `new`). No GPU work is in flight (waited for
        // above; `launch` waits for its own) and no host write runs (`host` is held).
        let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), self.len) };
        Ok(bytes.to_vec())
    }

    fn write(&self, bytes: &[u8]) -> Result<()> {
        if bytes.len() != self.len {
            return Err(RuntimeError::LengthMismatch {
                what: "write to a metal buffer".into(),
                unit: "bytes",
                expected: self.len,
                found: bytes.len(),
            });
        }
        self.in_flight.wait_all()?;
        let _host = self.host_lock();
        let ptr = self.buffer.contents().cast::<u8>();
        // SAFETY: as in `read`; `bytes` is host memory, so the ranges cannot overlap.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.as_ptr(), self.len) };
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl fmt::Debug for MetalMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetalMemory").field("len", &self.len).finish()
    }
}
