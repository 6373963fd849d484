//! The Metal backend: the system's default device, one command queue, and one command
//! buffer with one compute encoder per launch.

use super::checks::{alloc_bytes, check_group_size, metal_error, scalar_bytes};
use super::compile::{compile_kernel, MetalPipeline};
use super::memory::MetalMemory;
use super::queue::{Committed, InFlight};
use crate::backend::{foreign_memory, Backend, BackendKind, BoundArg, DeviceMemory, LaunchRequest, LaunchStats};
use crate::error::{Result, RuntimeError};
use metaltile_ir::Kernel;
use objc2::rc::{autoreleasepool, Retained};
use objc2::runtime::ProtocolObject;
use objc2_metal::{
    MTLCommandBuffer, MTLCommandEncoder, MTLCommandQueue, MTLComputeCommandEncoder, MTLComputePipelineState,
    MTLCreateSystemDefaultDevice, MTLDevice, MTLResourceOptions, MTLSize,
};
use std::any::Any;
use std::ptr::NonNull;
use std::sync::Arc;

/// Metal on this Mac's default GPU.
pub(crate) struct MetalBackend {
    pub(super) device: Retained<ProtocolObject<dyn MTLDevice>>,
    queue: Retained<ProtocolObject<dyn MTLCommandQueue>>,
    in_flight: Arc<InFlight>,
    /// The device's `maxThreadsPerThreadgroup`, per axis.
    max_group: [usize; 3],
}

/// One argument, resolved before encoding starts so no error can leave an encoder open.
enum Binding<'a> {
    Buffer(&'a MetalMemory),
    Bytes([u8; 8]),
}

fn size(v: [u32; 3]) -> MTLSize {
    MTLSize { width: v[0] as usize, height: v[1] as usize, depth: v[2] as usize }
}

impl MetalBackend {
    /// The default device and a queue on it, or why there is none.
    pub(crate) fn new() -> Result<MetalBackend> {
        let unavailable =
            |reason: &str| RuntimeError::BackendUnavailable { kind: BackendKind::Metal, reason: reason.into() };
        let device = MTLCreateSystemDefaultDevice()
            .ok_or_else(|| unavailable("MTLCreateSystemDefaultDevice found no Metal device on this Mac"))?;
        let queue = device.newCommandQueue().ok_or_else(|| unavailable("the Metal device gave no command queue"))?;
        let m = device.maxThreadsPerThreadgroup();
        Ok(MetalBackend { device, queue, in_flight: Arc::default(), max_group: [m.width, m.height, m.depth] })
    }

    /// Validate, encode and commit one launch.
    fn submit(&self, request: &LaunchRequest<'_>) -> Result<Committed> {
        let kernel = request.pipeline.kernel();
        let pipeline = request
            .pipeline
            .compiled()
            .and_then(|c| c.downcast_ref::<MetalPipeline>())
            .ok_or_else(|| metal_error(format!("pipeline `{}` was not compiled for Metal", kernel.name)))?;
        check_group_size(
            &kernel.name,
            &request.geometry,
            pipeline.state.maxTotalThreadsPerThreadgroup(),
            self.max_group,
        )?;
        let bindings: Vec<Binding<'_>> = request
            .args
            .iter()
            .map(|a| match a {
                BoundArg::Buffer { memory, .. } => memory
                    .as_any()
                    .downcast_ref::<MetalMemory>()
                    .map(Binding::Buffer)
                    .ok_or_else(|| foreign_memory(BackendKind::Metal)),
                BoundArg::Scalar(c) => Ok(Binding::Bytes(scalar_bytes(*c).0)),
            })
            .collect::<Result<_>>()?;
        autoreleasepool(|_| {
            let cb =
                self.queue.commandBuffer().ok_or_else(|| metal_error("the queue gave no command buffer".into()))?;
            let encoder = cb
                .computeCommandEncoder()
                .ok_or_else(|| metal_error("the command buffer gave no compute encoder".into()))?;
            encoder.setComputePipelineState(&pipeline.state);
            for (index, b) in bindings.iter().enumerate() {
                match b {
                    // SAFETY: the buffer belongs to this device (it came from `alloc`), the
                    // command buffer retains it until it completes, offset 0 is in bounds,
                    // and `index` < 31 (`check_param_count` at compile time).
                    Binding::Buffer(m) => unsafe { encoder.setBuffer_offset_atIndex(Some(m.buffer()), 0, index) },
                    // All 8 bytes, zero-padded: at least the parameter's width, and a length
                    // no rule on small or unaligned argument data can refuse.
                    // SAFETY: `setBytes` copies the bytes from the live array at once.
                    Binding::Bytes(bytes) => unsafe {
                        encoder.setBytes_length_atIndex(NonNull::from(bytes).cast(), bytes.len(), index)
                    },
                }
            }
            encoder.dispatchThreadgroups_threadsPerThreadgroup(
                size(request.geometry.groups),
                size(request.geometry.group_size),
            );
            encoder.endEncoding();
            cb.commit();
            Ok(Committed::new(cb, &kernel.name))
        })
    }
}

impl Backend for MetalBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Metal
    }

    fn name(&self) -> String {
        format!("metal ({})", self.device.name())
    }

    fn alloc(&self, size_bytes: usize) -> Result<Arc<dyn DeviceMemory>> {
        let buffer = self
            .device
            .newBufferWithLength_options(alloc_bytes(size_bytes), MTLResourceOptions::StorageModeShared)
            .ok_or_else(|| metal_error(format!("could not allocate a buffer of {size_bytes} bytes")))?;
        Ok(Arc::new(MetalMemory::new(buffer, size_bytes, self.in_flight.clone())?))
    }

    fn compile(&self, kernel: &Kernel) -> Result<Option<Box<dyn Any + Send + Sync>>> {
        Ok(Some(Box::new(compile_kernel(&self.device, kernel)?)))
    }

    fn launch(&self, request: &LaunchRequest<'_>) -> Result<LaunchStats> {
        let committed = self.submit(request)?;
        committed.wait()?;
        Ok(LaunchStats { elapsed: committed.gpu_time(), lane_ops: 0 })
    }

    fn enqueue(&self, request: &LaunchRequest<'_>) -> Result<()> {
        let committed = self.submit(request)?;
        self.in_flight.push(committed);
        Ok(())
    }

    fn synchronize(&self) -> Result<()> {
        self.in_flight.wait_all()
    }
}
