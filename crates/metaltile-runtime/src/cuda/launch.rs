//! Launches: the validated request's arguments as kernel parameters, the geometry as grid and
//! block, and either device-event timing (`launch`) or a queued launch (`enqueue`).

use super::driver::{check_geometry, describe, sticky_note, Limits};
use super::memory::{CudaMemory, Shared};
use super::CudaKernel;
use crate::backend::{foreign_memory, BackendKind, BoundArg, LaunchRequest, LaunchStats};
use crate::buffer::memory_id;
use crate::error::{Result, RuntimeError};
use cudarc::driver::{result, sys};
use metaltile_ir::Geometry;
use std::ffi::c_void;
use std::time::Duration;

/// A launch ready to submit: one 8-byte word per parameter (a device pointer, or a scalar's
/// bits, which the value encoding keeps in the low bytes — where the driver, reading the
/// parameter's own size on a little-endian host, finds them).
struct Prepared<'a> {
    kernel: &'a CudaKernel,
    words: Vec<u64>,
    /// Copies of read-only arguments that alias a written one; freed in stream order after
    /// the launch.
    _snapshots: Vec<CudaMemory>,
}

fn launch_error(kernel: &str, message: String) -> RuntimeError {
    RuntimeError::Launch { backend: BackendKind::Cuda, kernel: kernel.to_string(), message }
}

fn prepare<'a>(
    shared: &std::sync::Arc<Shared>,
    limits: &Limits,
    request: &'a LaunchRequest<'a>,
) -> Result<Prepared<'a>> {
    let pipeline = request.pipeline;
    let kernel =
        pipeline.compiled().and_then(|c| c.downcast_ref::<CudaKernel>()).ok_or_else(|| RuntimeError::Backend {
            backend: BackendKind::Cuda,
            message: format!("pipeline `{}` was not compiled by the cuda backend", pipeline.name()),
        })?;
    check_geometry(&request.geometry, limits, kernel.max_threads).map_err(|m| launch_error(&kernel.name, m))?;
    let mut words = Vec::with_capacity(request.args.len());
    let mut snapshots = Vec::new();
    for a in request.args {
        match a {
            BoundArg::Buffer { memory, written } => {
                let m =
                    memory.as_any().downcast_ref::<CudaMemory>().ok_or_else(|| foreign_memory(BackendKind::Cuda))?;
                if !m.belongs_to(shared) {
                    return Err(launch_error(&kernel.name, "a buffer belongs to another CUDA device".into()));
                }
                // The kernel's pointers are `__restrict__`, and the runtime's rule is that a
                // read-only parameter sees the values from before the launch: an alias of a
                // written buffer reads a copy.
                let id = memory_id(memory);
                let aliases_output = !*written
                    && request
                        .args
                        .iter()
                        .any(|b| matches!(b, BoundArg::Buffer { memory: o, written: true } if memory_id(o) == id));
                if aliases_output {
                    let snap = m.snapshot()?;
                    words.push(snap.ptr);
                    snapshots.push(snap);
                } else {
                    words.push(m.ptr);
                }
            }
            BoundArg::Scalar(c) => words.push(c.bits),
        }
    }
    Ok(Prepared { kernel, words, _snapshots: snapshots })
}

fn submit(shared: &Shared, p: &mut Prepared<'_>, g: &Geometry) -> Result<()> {
    let mut params: Vec<*mut c_void> = p.words.iter_mut().map(|w| w as *mut u64 as *mut c_void).collect();
    let grid = (g.groups[0], g.groups[1], g.groups[2]);
    let block = (g.group_size[0], g.group_size[1], g.group_size[2]);
    // SAFETY: one parameter per kernel parameter in order (the request is validated against the
    // kernel's signature), each pointing at 8 readable bytes that outlive the call (the driver
    // copies parameters at launch); buffers are live allocations of this context, and the
    // kernel's accesses were bounds-checked by the emitter's semantics, not here.
    unsafe {
        result::launch_kernel(p.kernel.function.cu_function(), grid, block, 0, shared.stream.cu_stream(), &mut params)
    }
    .map_err(|e| {
        launch_error(
            &p.kernel.name,
            format!(
                "the driver refused a grid of {:?} threadgroups of {:?} threads: {}{}",
                g.groups,
                g.group_size,
                describe(e),
                sticky_note(e.0)
            ),
        )
    })
}

/// Run a launch and wait for it; its time is the device-event time around the kernel alone.
pub(crate) fn timed(
    shared: &std::sync::Arc<Shared>,
    limits: &Limits,
    request: &LaunchRequest<'_>,
) -> Result<LaunchStats> {
    shared.bind()?;
    let mut p = prepare(shared, limits, request)?;
    let event = || shared.ctx.new_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT));
    let (start, end) =
        event().and_then(|s| event().map(|e| (s, e))).map_err(|e| shared.error("creating timing events", e))?;
    start.record(&shared.stream).map_err(|e| shared.error("recording an event", e))?;
    submit(shared, &mut p, &request.geometry)?;
    end.record(&shared.stream).map_err(|e| shared.error("recording an event", e))?;
    let ms = end.synchronize().and_then(|_| start.elapsed_ms(&end)).map_err(|e| {
        launch_error(
            &p.kernel.name,
            format!("running on the GPU: {}{}{}", describe(e), shared.pending().describe(), sticky_note(e.0)),
        )
    });
    // Everything queued before this launch has finished (or failed into `ms`) with it.
    shared.pending().clear();
    let ms = ms?;
    Ok(LaunchStats { elapsed: Duration::from_secs_f64(f64::from(ms.max(0.0)) / 1e3), lane_ops: 0 })
}

/// Queue a launch; failures while it runs surface at the next wait (a synchronize or a read).
pub(crate) fn queued(shared: &std::sync::Arc<Shared>, limits: &Limits, request: &LaunchRequest<'_>) -> Result<()> {
    shared.bind()?;
    let mut p = prepare(shared, limits, request)?;
    submit(shared, &mut p, &request.geometry)?;
    shared.pending().push(&p.kernel.name);
    Ok(())
}
