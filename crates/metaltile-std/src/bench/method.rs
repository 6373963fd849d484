//! How a device is prepared for timing: the cache flush between timed runs and the copy
//! bandwidth every result is compared with.

use super::kernels::{bench_copy, bench_fill, bench_flush, COPY_PER_THREAD};
use super::stats::{gbps, Stats};
use metaltile_ir::{ConstArgs, DType, Geometry};
use metaltile_runtime::{BackendKind, Buffer, Device, KernelArg, Pipeline, Result, RuntimeError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Threads per threadgroup of the bench's own kernels.
const GROUP: u32 = 256;

/// Bytes written between timed runs on a GPU: twice the largest last-level cache of the
/// devices we target (50–60 MB on H100/H200, up to 96 MB of system cache on Apple chips).
pub const GPU_FLUSH_BYTES: u64 = 256 << 20;
/// Elements of the copy-bandwidth measurement on a GPU: 2^28 f32, 2 GiB moved.
pub const GPU_COPY_ELEMENTS: usize = 1 << 28;
/// Elements of the copy on the CPU interpreter, which is slow and has no cache to beat.
pub const CPU_COPY_ELEMENTS: usize = 1 << 16;

/// How the device is prepared for timing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// Size of the buffer written between timed runs to evict the cache, and the working
    /// set below which that is done; 0 never flushes.
    pub flush_bytes: u64,
    /// f32 elements copied to measure the device's copy bandwidth; 0 skips it.
    pub copy_elements: usize,
    /// Compare each output with the kernel's f64 reference.
    pub check: bool,
}

impl Method {
    /// The method for `dev`: a cache flush and a 2^28-element copy on GPUs; on the CPU
    /// interpreter, whose wall time no cache distorts, no flush and a small copy.
    pub fn for_device(dev: &Device) -> Method {
        match dev.kind() {
            BackendKind::Cpu => Method { flush_bytes: 0, copy_elements: CPU_COPY_ELEMENTS, check: true },
            BackendKind::Cuda | BackendKind::Metal => {
                Method { flush_bytes: GPU_FLUSH_BYTES, copy_elements: GPU_COPY_ELEMENTS, check: true }
            }
        }
    }

    /// True when a launch moving `bytes` should be preceded by a flush: its data might still
    /// sit in the cache from the run before.
    pub fn flushes(&self, bytes: u64) -> bool {
        bytes < self.flush_bytes
    }
}

/// A buffer larger than the cache and the kernel that reads it through.
pub struct Flusher {
    pipeline: Arc<Pipeline>,
    buffer: Buffer,
    sink: Buffer,
    elements: u32,
}

/// What [`bench_flush`] looks for; the flush buffer holds zeros.
const NEVER: u32 = u32::MAX;

impl Flusher {
    /// A flusher reading `bytes` (rounded down to whole u32s) on `dev`.
    pub fn new(dev: &Device, bytes: u64) -> Result<Flusher> {
        let elements = u32::try_from(bytes / 4).map_err(|_| RuntimeError::InvalidShape {
            shape: vec![(bytes / 4) as usize],
            reason: "the flush buffer is read by a u32-indexed kernel".into(),
        })?;
        let pipeline = dev.pipeline(&bench_flush::DEF, None, &ConstArgs::new())?;
        let buffer = dev.alloc(DType::U32, &[elements as usize])?;
        // Zero it once: a new buffer's contents are unspecified and must not hold `NEVER`.
        let fill = dev.pipeline(&bench_fill::DEF, None, &ConstArgs::new())?;
        let args = [KernelArg::Buffer(&buffer), KernelArg::u32(elements), KernelArg::u32(0)];
        dev.launch(&fill, Geometry::cover(elements as u64, GROUP), &args)?;
        let sink = dev.alloc(DType::U32, &[1])?;
        Ok(Flusher { pipeline, buffer, sink, elements })
    }

    /// The buffer it reads.
    #[cfg(test)]
    pub(crate) fn buffer_for_test(&self) -> &Buffer {
        &self.buffer
    }

    /// Read the whole buffer once and wait for it.
    pub fn flush(&self, dev: &Device) -> Result<()> {
        let args = [
            KernelArg::Buffer(&self.buffer),
            KernelArg::Buffer(&self.sink),
            KernelArg::u32(self.elements),
            KernelArg::u32(NEVER),
        ];
        dev.launch(&self.pipeline, Geometry::cover(self.elements as u64, GROUP), &args).map(|_| ())
    }
}

/// The device's copy bandwidth, measured with [`bench_copy`] like any other kernel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CopyBandwidth {
    /// f32 elements copied.
    pub elements: usize,
    /// Bytes moved by one copy (read plus written).
    pub bytes: u64,
    #[serde(flatten)]
    pub stats: Stats,
    /// `bytes / median`, GB/s.
    pub gbps: f64,
    /// Why it could not be measured (the other fields are then 0).
    pub error: Option<String>,
}

/// Copy `elements` f32 values `warmup + runs` times and report the median bandwidth.
pub fn copy_bandwidth(dev: &Device, elements: usize, warmup: usize, runs: usize) -> CopyBandwidth {
    match try_copy(dev, elements, warmup, runs) {
        Ok(c) => c,
        Err(e) => CopyBandwidth { elements, error: Some(e.to_string()), ..Default::default() },
    }
}

fn try_copy(dev: &Device, elements: usize, warmup: usize, runs: usize) -> Result<CopyBandwidth> {
    let n = u32::try_from(elements).map_err(|_| RuntimeError::InvalidShape {
        shape: vec![elements],
        reason: "the copy kernel indexes with u32".into(),
    })?;
    // Distinct values, not zeros: no device gets to shortcut the data.
    let data: Vec<f32> = (0..elements).map(|i| (i % 65521) as f32).collect();
    let x = dev.upload(&data, &[elements])?;
    drop(data);
    let y = dev.alloc(DType::F32, &[elements])?;
    let pipeline = dev.pipeline(&bench_copy::DEF, None, &ConstArgs::new())?;
    let args = [KernelArg::Buffer(&x), KernelArg::Buffer(&y), KernelArg::u32(n)];
    let geometry = Geometry::cover(u64::from(n.div_ceil(COPY_PER_THREAD)), GROUP);
    for _ in 0..warmup {
        dev.launch(&pipeline, geometry, &args)?;
    }
    let times = (0..runs.max(1))
        .map(|_| dev.launch(&pipeline, geometry, &args).map(|s| s.elapsed))
        .collect::<Result<Vec<_>>>()?;
    let stats = Stats::of(&times).unwrap_or_default();
    let bytes = 2 * 4 * elements as u64;
    Ok(CopyBandwidth { elements, bytes, stats, gbps: gbps(bytes, stats.median_us), error: None })
}
