//! Command buffers after commit: waiting on them, their outcome and GPU time, and the set a
//! device has committed without waiting (`enqueue`), which every host access to a buffer
//! and every `synchronize` waits for.

use super::checks::{command_buffer_result, gpu_elapsed};
use crate::error::Result;
use objc2::rc::Retained;
use objc2::runtime::ProtocolObject;
use objc2_metal::{MTLCommandBuffer, MTLCommandBufferStatus};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A committed command buffer and the kernel it runs.
pub(super) struct Committed {
    buffer: Retained<ProtocolObject<dyn MTLCommandBuffer>>,
    kernel: String,
}

// SAFETY: a `Committed` is only created after `commit`, and the calls made on it afterwards
// (`waitUntilCompleted`, `status`, `error`, the GPU timestamps) are the ones Metal allows
// from any thread; encoding, the part of a command buffer that is not thread-safe, is over.
unsafe impl Send for Committed {}

impl Committed {
    /// Wrap `buffer`, on which `commit` has just been called.
    pub(super) fn new(buffer: Retained<ProtocolObject<dyn MTLCommandBuffer>>, kernel: &str) -> Committed {
        Committed { buffer, kernel: kernel.to_string() }
    }

    /// Block until the GPU has finished it, then report a failure as an error.
    pub(super) fn wait(&self) -> Result<()> {
        self.buffer.waitUntilCompleted();
        let completed = self.buffer.status() == MTLCommandBufferStatus::Completed;
        let description =
            if completed { None } else { self.buffer.error().map(|e| e.localizedDescription().to_string()) };
        command_buffer_result(&self.kernel, completed, description)
    }

    /// GPU time between its start and end; valid after [`Committed::wait`].
    pub(super) fn gpu_time(&self) -> Duration {
        gpu_elapsed(self.buffer.GPUStartTime(), self.buffer.GPUEndTime())
    }

    /// Finished successfully, so nobody needs to wait on it or hear about it.
    fn done_ok(&self) -> bool {
        self.buffer.status() == MTLCommandBufferStatus::Completed
    }
}

/// Command buffers committed by `enqueue` and not yet waited for, in commit order.
#[derive(Default)]
pub(super) struct InFlight {
    pending: Mutex<Vec<Committed>>,
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, Vec<Committed>> {
        // The list is only pushed to and drained whole, so it is consistent even after a panic.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Track a committed buffer. Ones that have already finished well are dropped so a long
    /// run of enqueues does not grow the list; failed ones stay until someone waits and
    /// reports them.
    pub(super) fn push(&self, c: Committed) {
        let mut pending = self.lock();
        pending.retain(|p| !p.done_ok());
        pending.push(c);
    }

    /// Wait for every tracked buffer; the first failure among them is the error. The lock is
    /// held while waiting so that no other thread reads memory those buffers still write.
    pub(super) fn wait_all(&self) -> Result<()> {
        let mut pending = self.lock();
        let mut first = Ok(());
        for c in pending.drain(..) {
            let outcome = c.wait();
            if first.is_ok() {
                first = outcome;
            }
        }
        first
    }
}
