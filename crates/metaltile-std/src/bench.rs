//! `tile bench`'s core, for any backend: each kernel × dtype × a few realistic shapes, timed
//! by the backend's own launch timing (device events on GPUs, wall time on the CPU): warm-up
//! runs, then the median of N. Bandwidth counts each input read once and each output
//! written once.

use crate::registry::{self, Entry};
use crate::testing::{inputs, selects, Case, CaseKind};
use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, Result};
use serde::Serialize;
use std::time::Duration;

/// Which shapes to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BenchSize {
    /// Small shapes that the CPU interpreter times in seconds (smoke runs, CI).
    Quick,
    /// Inference-sized shapes (GPUs).
    Full,
}

/// How to benchmark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchOptions {
    /// Untimed runs before timing.
    pub warmup: usize,
    /// Timed runs; the median is reported.
    pub runs: usize,
    pub size: BenchSize,
    /// Dtypes to time (all float dtypes by default).
    pub dtypes: Vec<DType>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions { warmup: 2, runs: 10, size: BenchSize::Full, dtypes: FLOAT_DTYPES.to_vec() }
    }
}

/// The timing of one kernel × dtype × shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchResult {
    pub kernel: String,
    pub family: String,
    pub dtype: String,
    /// Shape of the data input.
    pub shape: Vec<usize>,
    pub device: String,
    /// Timed runs.
    pub runs: usize,
    pub median_us: f64,
    pub min_us: f64,
    /// Bytes moved by one launch (inputs once, outputs once).
    pub bytes: u64,
    /// `bytes / median`, in GB/s (10^9 bytes per second).
    pub gbps: f64,
    /// Set when the kernel could not be run at this shape; the times are then 0.
    pub error: Option<String>,
}

/// The shapes a kernel is timed at.
pub fn shapes(entry: &Entry, size: BenchSize) -> Vec<Vec<usize>> {
    let elementwise = matches!(entry.family, "unary" | "binary");
    match (size, elementwise) {
        (BenchSize::Quick, true) => vec![vec![1 << 12]],
        (BenchSize::Quick, false) => vec![vec![8, 1024]],
        (BenchSize::Full, true) => vec![vec![1 << 20], vec![1 << 24]],
        (BenchSize::Full, false) => vec![vec![1024, 4096], vec![4096, 8192]],
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn time_one(dev: &Device, entry: &Entry, dtype: DType, shape: &[usize], opts: &BenchOptions) -> Result<BenchResult> {
    let case = Case { dtype, shape: shape.to_vec(), seed: 1, kind: CaseKind::Random, label: "bench".into() };
    let buffers: Vec<Buffer> = inputs::generate(entry.op, &case)
        .iter()
        .map(|t| dev.from_f64(dtype, &t.shape, &t.data))
        .collect::<Result<_>>()?;
    let plan = entry.op.plan(dev, &buffers.iter().collect::<Vec<_>>(), &Default::default())?;
    for _ in 0..opts.warmup {
        plan.run(dev)?;
    }
    let times = (0..opts.runs.max(1)).map(|_| plan.run(dev).map(|s| s.elapsed)).collect::<Result<Vec<_>>>()?;
    let min = times.iter().min().copied().unwrap_or_default();
    let med = median(times);
    let bytes = plan.bytes_moved();
    let secs = med.as_secs_f64();
    Ok(BenchResult {
        kernel: entry.name().into(),
        family: entry.family.into(),
        dtype: dtype.name().into(),
        shape: shape.to_vec(),
        device: dev.name(),
        runs: opts.runs.max(1),
        median_us: secs * 1e6,
        min_us: min.as_secs_f64() * 1e6,
        bytes,
        gbps: if secs > 0.0 { bytes as f64 / secs / 1e9 } else { 0.0 },
        error: None,
    })
}

/// Time every registry kernel `filter` selects (a family or part of a name). A kernel that
/// fails to run is reported with its error, and the others still run.
pub fn run(dev: &Device, filter: Option<&str>, opts: &BenchOptions) -> Vec<BenchResult> {
    run_with_progress(dev, filter, opts, &mut |_| {})
}

/// [`run`], reporting each result to `on_result` as it completes.
pub fn run_with_progress(
    dev: &Device,
    filter: Option<&str>,
    opts: &BenchOptions,
    on_result: &mut dyn FnMut(&BenchResult),
) -> Vec<BenchResult> {
    let mut out = Vec::new();
    for entry in registry::all().iter().filter(|e| selects(filter, e)) {
        for &dtype in &opts.dtypes {
            for shape in shapes(entry, opts.size) {
                let r = time_one(dev, entry, dtype, &shape, opts).unwrap_or_else(|e| BenchResult {
                    kernel: entry.name().into(),
                    family: entry.family.into(),
                    dtype: dtype.name().into(),
                    shape: shape.clone(),
                    device: dev.name(),
                    runs: 0,
                    median_us: 0.0,
                    min_us: 0.0,
                    bytes: 0,
                    gbps: 0.0,
                    error: Some(e.to_string()),
                });
                on_result(&r);
                out.push(r);
            }
        }
    }
    out
}
