//! `tile bench`'s core, for any backend: each kernel × dtype × a few realistic shapes.
//!
//! The method (docs/bench.md): inputs drawn from the op's domain with a fixed seed; warm-up
//! runs; then N timed runs, each timed by the backend's own launch timing (device events on
//! GPUs, wall time on the CPU), with the cache flushed before each when the working set could
//! still sit in it; the median, fastest and 90th-percentile run reported. Bandwidth counts
//! each input read once and each output written once ([`Plan::bytes_moved`]) and is also
//! given as a share of the device's copy bandwidth, measured in the same run. The output of
//! the last run is compared with the kernel's f64 reference.
//!
//! [`Bench::measure`] hands back the inputs and the output with the timing, so a caller can
//! give the same data to a peer (PyTorch, MLX) and compare that peer's output with ours.

mod gemv;
mod kernels;
pub mod method;
pub mod stats;

pub use kernels::{bench_copy, bench_fill, bench_flush, COPY_PER_THREAD};
pub use method::{copy_bandwidth, CopyBandwidth, Flusher, Method};
pub use stats::{gbps, geomean, Stats};

use crate::ops::{OpParams, StdOp, Strategy};
use crate::plan::Plan;
use crate::registry::{self, Entry};
use crate::tensor::HostTensor;
use std::collections::BTreeMap;

use crate::testing::{check_outputs, inputs, selects, Case, CaseKind};
use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, Result};
use serde::{Deserialize, Serialize};

/// The seed every bench input is drawn with (peers get it too).
pub const SEED: u64 = 1;

/// Which shapes to time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchSize {
    /// Small shapes that the CPU interpreter times in seconds (smoke runs, CI).
    #[serde(alias = "Quick")]
    Quick,
    /// Inference-sized shapes (GPUs).
    #[default]
    #[serde(alias = "Full")]
    Full,
}

impl BenchSize {
    /// `quick` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            BenchSize::Quick => "quick",
            BenchSize::Full => "full",
        }
    }

    /// The dtypes timed when none are asked for: every float dtype on quick shapes; on full
    /// ones f32 and bf16, what inference runs in (f16 on request).
    pub fn default_dtypes(self) -> Vec<DType> {
        match self {
            BenchSize::Quick => FLOAT_DTYPES.to_vec(),
            BenchSize::Full => vec![DType::F32, DType::BF16],
        }
    }
}

/// What to time.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchOptions {
    /// Untimed runs before timing.
    pub warmup: usize,
    /// Timed runs; the median is reported.
    pub runs: usize,
    pub size: BenchSize,
    /// Dtypes to time.
    pub dtypes: Vec<DType>,
    /// Shapes to time instead of the size's (each kernel's data input).
    pub shapes: Option<Vec<Vec<usize>>>,
    /// The launch strategy of row ops, instead of the planner's.
    pub strategy: Option<Strategy>,
    /// Parameters of the ops (as [`StdOp::params`] names them), each set on the ops that take
    /// it; the others keep their defaults.
    pub params: Vec<(String, f32)>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            warmup: 10,
            runs: 50,
            size: BenchSize::Full,
            dtypes: BenchSize::Full.default_dtypes(),
            shapes: None,
            strategy: None,
            params: Vec::new(),
        }
    }
}

/// How an output compared with the f64 reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Every element within the dtype's tolerance, NaN and infinities where the reference has them.
    pub passed: bool,
    pub max_abs_err: f64,
    pub max_rel_err: f64,
    /// Elements outside the tolerance.
    pub mismatches: usize,
    /// The first of them, described.
    pub first_mismatch: Option<String>,
}

/// The timing of one kernel × dtype × shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// 90th percentile of the runs.
    pub p90_us: f64,
    /// Bytes moved by one launch (inputs once, outputs once).
    pub bytes: u64,
    /// `bytes / median`, in GB/s (10^9 bytes per second).
    pub gbps: f64,
    /// `gbps` as a percentage of the device's copy bandwidth in the same run.
    pub copy_pct: Option<f64>,
    /// Whether the cache was flushed before each timed run.
    pub flushed: bool,
    /// The comparison with the f64 reference (absent when not checked).
    pub check: Option<Check>,
    /// How a row op was launched (see [`Strategy`]); absent for elementwise ops.
    pub strategy: Option<String>,
    /// Set when the kernel could not be run at this shape; the times are then 0.
    pub error: Option<String>,
    /// The op's parameters set by the bench options (e.g. `axis`); the others had their defaults.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, f64>,
}

/// The shapes a kernel is timed at. Full: elementwise ops at 2^28 elements and a mid size,
/// binary ops also as a bias add (a 2-d shape: `b` is one row, see [`CaseKind::RowBroadcast`]);
/// row ops at 4096×8192, at many tiny rows (N = 64) and at a few huge ones (N = 393216);
/// reductions also over a whole tensor of 2^28 elements.
pub fn shapes(entry: &Entry, size: BenchSize) -> Vec<Vec<usize>> {
    let elementwise = matches!(entry.family, "unary" | "binary");
    if entry.family == "gemv" {
        return gemv::shapes(size);
    }
    if entry.family == "rope" {
        return match size {
            BenchSize::Quick => vec![vec![1, 16, 4, 64]],
            // Llama-3-8B's queries: a prefill of 4096 tokens, a decode step of 64 sequences.
            BenchSize::Full => vec![vec![1, 4096, 32, 128], vec![64, 1, 32, 128]],
        };
    }
    if entry.family == "fused" {
        return crate::ops::fused_bench_shapes(size);
    }
    if entry.family == "bitwise" {
        return crate::ops::bitwise_bench_shapes(size);
    }
    if entry.family == "scan" {
        return crate::ops::scan_bench_shapes(size);
    }
    if matches!(entry.family, "copy" | "cast") {
        return crate::ops::copy_bench_shapes(size);
    }
    if let crate::ops::StdOp::Move(k) = entry.op {
        return crate::ops::movement_bench_shapes(k, size);
    }
    if let crate::ops::StdOp::Loss(k) = entry.op {
        return crate::ops::loss_bench_shapes(k, size);
    }
    if entry.family == "random" {
        return crate::ops::random_bench_shapes(size);
    }
    if let crate::ops::StdOp::Index(k) = entry.op {
        return crate::ops::index_bench_shapes(k, size);
    }
    if let crate::ops::StdOp::Sort(k) = entry.op {
        return crate::ops::sort_bench_shapes(k, size);
    }
    if let crate::ops::StdOp::Norm(k) = entry.op {
        return crate::ops::norm_bench_shapes(k, size);
    }
    match (size, elementwise) {
        (BenchSize::Quick, true) => vec![vec![1 << 12]],
        (BenchSize::Quick, false) => vec![vec![8, 1024]],
        (BenchSize::Full, true) if entry.family == "binary" => vec![vec![1 << 28], vec![1 << 24], vec![4096, 8192]],
        (BenchSize::Full, true) => vec![vec![1 << 28], vec![1 << 24]],
        // The reductions also fold a whole 2^28-element tensor (one row, split).
        (BenchSize::Full, false) if entry.family == "reduce" => {
            vec![vec![4096, 8192], vec![262_144, 64], vec![32, 393_216], vec![1, 1 << 28]]
        }
        (BenchSize::Full, false) => vec![vec![4096, 8192], vec![262_144, 64], vec![32, 393_216]],
    }
}

/// One thing to time: a kernel at one dtype and shape.
#[derive(Clone, Debug)]
pub struct BenchCase {
    pub entry: Entry,
    pub dtype: DType,
    pub shape: Vec<usize>,
}

/// The dtype `entry` is timed at when `dtype` is asked for: `dtype` itself when the kernel
/// takes it; for the integer-only bitwise ops the integer of a float's width (i32 for f32,
/// i16 for f16 and bf16); else none (the entry is left out at that dtype).
pub fn bench_dtype(entry: &Entry, dtype: DType) -> Option<DType> {
    if entry.def.dtypes.contains(&dtype) {
        return Some(dtype);
    }
    match entry.op {
        StdOp::Bitwise(_) if dtype.is_float() => Some(crate::ops::bitwise_bench_dtype(dtype)),
        _ => None,
    }
}

/// Every case `filter` (a family or part of a name) selects, in registry order, then dtype,
/// then shape.
pub fn cases(filter: Option<&str>, opts: &BenchOptions) -> Vec<BenchCase> {
    let mut out = Vec::new();
    for entry in registry::all().into_iter().filter(|e| selects(filter, e)) {
        let mut dtypes: Vec<DType> = opts.dtypes.iter().filter_map(|d| bench_dtype(&entry, *d)).collect();
        dtypes.dedup();
        for dtype in dtypes {
            let shapes = opts.shapes.clone().unwrap_or_else(|| shapes(&entry, opts.size));
            for shape in shapes {
                out.push(BenchCase { entry, dtype, shape });
            }
        }
    }
    out
}

/// The data of a timed case, for running the same op elsewhere.
#[derive(Clone, Debug)]
pub struct CaseData {
    /// The inputs, named as [`crate::ops::StdOp::inputs`] names them, in that order.
    pub inputs: Vec<(&'static str, Buffer)>,
    /// Our output after the last timed run.
    pub output: Buffer,
    /// The op's scalar parameters.
    pub params: OpParams,
}

/// A timed case: the result, and its data when it ran.
#[derive(Clone, Debug)]
pub struct Measured {
    pub result: BenchResult,
    pub data: Option<CaseData>,
}

/// A device ready for timing: its cache flusher and its copy bandwidth.
pub struct Bench {
    dev: Device,
    opts: BenchOptions,
    method: Method,
    flusher: Option<Flusher>,
    copy: Option<CopyBandwidth>,
}

impl Bench {
    /// Prepare `dev`: allocate the flush buffer and measure the copy bandwidth (a failed
    /// copy is reported in [`Bench::copy`], not here).
    pub fn new(dev: &Device, opts: BenchOptions, method: Method) -> Result<Bench> {
        let flusher = match method.flush_bytes {
            0 => None,
            bytes => Some(Flusher::new(dev, bytes)?),
        };
        let copy =
            (method.copy_elements > 0).then(|| copy_bandwidth(dev, method.copy_elements, opts.warmup, opts.runs));
        Ok(Bench { dev: dev.clone(), opts, method, flusher, copy })
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.dev
    }
    /// What is timed.
    pub fn options(&self) -> &BenchOptions {
        &self.opts
    }
    /// How it is timed.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The copy bandwidth measured at the start (absent when the method skips it).
    pub fn copy(&self) -> Option<&CopyBandwidth> {
        self.copy.as_ref()
    }

    fn copy_gbps(&self) -> Option<f64> {
        self.copy.as_ref().map(|c| c.gbps).filter(|g| *g > 0.0)
    }

    /// Time one case. Never fails: an error is reported in the result.
    pub fn measure(&self, case: &BenchCase) -> Measured {
        match self.try_measure(case) {
            Ok(m) => m,
            Err(e) => Measured { result: BenchResult { error: Some(e.to_string()), ..self.blank(case) }, data: None },
        }
    }

    fn blank(&self, case: &BenchCase) -> BenchResult {
        BenchResult {
            kernel: case.entry.name().into(),
            family: case.entry.family.into(),
            dtype: case.dtype.name().into(),
            shape: case.shape.clone(),
            device: self.dev.name(),
            ..Default::default()
        }
    }

    fn try_measure(&self, case: &BenchCase) -> Result<Measured> {
        let (dev, op, dtype) = (&self.dev, case.entry.op, case.dtype);
        let kind = input_kind(case);
        let mut params = OpParams { strategy: self.opts.strategy, ..op.bench_params(&case.shape) };
        for (name, value) in self.opts.params.iter().filter(|(n, _)| op.params().contains(&n.as_str())) {
            // Every name an op takes is one the setter knows (the movement ops' too).
            let _ = params.set_values(name, &[f64::from(*value)]);
        }
        let spec = Case { dtype, shape: case.shape.clone(), seed: SEED, kind, label: "bench".into(), params };
        let buffers = crate::testing::upload(dev, op, dtype, &inputs::generate(op, &spec))?;
        let plan = op.plan(dev, &buffers.iter().collect::<Vec<_>>(), &params)?;
        let bytes = plan.bytes_moved();
        let flusher = self.flusher.as_ref().filter(|_| self.method.flushes(bytes));
        for _ in 0..self.opts.warmup {
            plan.run(dev)?;
        }
        let mut times = Vec::with_capacity(self.opts.runs.max(1));
        for _ in 0..self.opts.runs.max(1) {
            if let Some(f) = flusher {
                f.flush(dev)?;
            }
            times.push(plan.run(dev)?.elapsed);
        }
        let stats = Stats::of(&times).unwrap_or_default();
        let rate = gbps(bytes, stats.median_us);
        let check = if self.method.check { Some(check(&case.entry, kind, &buffers, &plan, &params)?) } else { None };
        let result = BenchResult {
            runs: stats.runs,
            median_us: stats.median_us,
            min_us: stats.min_us,
            p90_us: stats.p90_us,
            bytes,
            gbps: rate,
            copy_pct: self.copy_gbps().map(|c| 100.0 * rate / c),
            flushed: flusher.is_some(),
            check,
            strategy: op.strategy(dtype, &case.shape, &params).map(|s| s.to_string()),
            params: self
                .opts
                .params
                .iter()
                .filter(|(n, _)| op.params().contains(&n.as_str()))
                .map(|(n, v)| (n.clone(), f64::from(*v)))
                .collect(),
            ..self.blank(case)
        };
        let names = op.inputs().iter().copied();
        let data = CaseData { inputs: names.zip(buffers).collect(), output: plan.into_output(), params };
        Ok(Measured { result, data: Some(data) })
    }
}

/// Compare the plan's outputs with the reference computed on the inputs as the device holds
/// them (rounded to the dtype), the reference rounded to the output's dtype as an exact
/// kernel would.
fn check(entry: &Entry, kind: CaseKind, inputs: &[Buffer], plan: &Plan, params: &OpParams) -> Result<Check> {
    let rounded: Vec<HostTensor> =
        inputs.iter().map(|b| Ok(HostTensor::new(b.shape(), b.to_f64()?))).collect::<Result<_>>()?;
    let c = check_outputs(entry, &inputs::expand(kind, rounded), plan, params)?;
    Ok(Check {
        passed: c.passed(),
        max_abs_err: c.max_abs_err,
        max_rel_err: c.max_rel_err,
        mismatches: c.mismatches,
        first_mismatch: c.first_mismatch,
    })
}

/// How a case's inputs are drawn: binary ops at a shape of two or more axes as a bias add
/// (`b` one row), everything else at random in the case's shape.
fn input_kind(case: &BenchCase) -> CaseKind {
    match case.entry.op {
        StdOp::Binary(_) if case.shape.len() >= 2 => CaseKind::RowBroadcast,
        _ => CaseKind::Random,
    }
}

/// Time every registry kernel `filter` selects (a family or part of a name) with the
/// device's default [`Method`]. A kernel that fails to run is reported with its error, and
/// the others still run.
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
    let todo = cases(filter, opts);
    let bench = match Bench::new(dev, opts.clone(), Method::for_device(dev)) {
        Ok(b) => b,
        Err(e) => {
            // Without a prepared device nothing can be timed; every case says why.
            return todo
                .iter()
                .map(|c| {
                    let r = BenchResult {
                        kernel: c.entry.name().into(),
                        family: c.entry.family.into(),
                        dtype: c.dtype.name().into(),
                        shape: c.shape.clone(),
                        device: dev.name(),
                        error: Some(e.to_string()),
                        ..Default::default()
                    };
                    on_result(&r);
                    r
                })
                .collect();
        }
    };
    todo.iter()
        .map(|c| {
            let r = bench.measure(c).result;
            on_result(&r);
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use metaltile_runtime::BackendKind;

    fn quick(runs: usize) -> BenchOptions {
        BenchOptions { warmup: 1, runs, size: BenchSize::Quick, dtypes: vec![DType::F32], ..BenchOptions::default() }
    }

    #[test]
    fn cpu_method_skips_the_flush_and_copies_little() {
        let dev = Device::cpu();
        assert_eq!(dev.kind(), BackendKind::Cpu);
        let m = Method::for_device(&dev);
        assert_eq!(m.flush_bytes, 0);
        assert!(!m.flushes(1));
        assert_eq!(m.copy_elements, method::CPU_COPY_ELEMENTS);
        let gpu = Method { flush_bytes: method::GPU_FLUSH_BYTES, ..m };
        assert!(gpu.flushes(64 << 20) && !gpu.flushes(1 << 30));
    }

    #[test]
    fn copy_bandwidth_counts_read_and_write() {
        let dev = Device::cpu();
        let c = copy_bandwidth(&dev, 1000, 0, 3);
        assert!(c.error.is_none(), "{c:?}");
        assert_eq!((c.bytes, c.stats.runs), (8000, 3));
        assert!(c.gbps > 0.0 && c.stats.min_us <= c.stats.median_us && c.stats.median_us <= c.stats.p90_us);
        let too_big = copy_bandwidth(&dev, 1 << 33, 0, 1);
        assert!(too_big.error.is_some_and(|e| e.contains("u32")));
    }

    #[test]
    fn the_copy_kernel_copies_every_element_at_any_length() {
        use metaltile_ir::{ConstArgs, Geometry};
        use metaltile_runtime::KernelArg;
        let dev = Device::cpu();
        let p = dev.pipeline(&bench_copy::DEF, None, &ConstArgs::new()).unwrap();
        for n in [1usize, 15, 16, 17, 64, 1000, 4096, 8192 + 4 * 256 + 5] {
            let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
            let x = dev.upload(&data, &[n]).unwrap();
            let y = dev.alloc(DType::F32, &[n]).unwrap();
            let threads = (n as u32).div_ceil(COPY_PER_THREAD);
            let args = [KernelArg::Buffer(&x), KernelArg::Buffer(&y), KernelArg::u32(n as u32)];
            dev.launch(&p, Geometry::cover(u64::from(threads), 256), &args).unwrap();
            assert_eq!(y.to_vec::<f32>().unwrap(), data, "n = {n}");
        }
    }

    #[test]
    fn the_bench_kernels_emit_checked_msl_and_cuda() {
        use metaltile_codegen::check::syntax_check_many;
        use metaltile_codegen::{emit, Target};
        use metaltile_ir::{passes, ConstArgs};
        let mut sources = Vec::new();
        for def in [bench_copy::DEF, bench_fill::DEF, bench_flush::DEF] {
            let mut k = def.ir(None, &ConstArgs::new()).unwrap();
            passes::run_pipeline(&mut k).unwrap();
            for target in Target::ALL {
                sources.push((emit(&k, target).unwrap(), target));
            }
        }
        let files: Vec<(&str, Target)> = sources.iter().map(|(s, t)| (s.as_str(), *t)).collect();
        syntax_check_many(&files).unwrap();
    }

    #[test]
    fn the_flush_reads_a_zeroed_buffer_and_leaves_it_unchanged() {
        let dev = Device::cpu();
        let f = Flusher::new(&dev, 4 * 1000 + 3).unwrap();
        f.flush(&dev).unwrap();
        f.flush(&dev).unwrap();
        assert_eq!(f.buffer_for_test().to_vec::<u32>().unwrap(), vec![0; 1000]);
        assert!(Flusher::new(&dev, 1 << 36).is_err());
    }

    #[test]
    fn the_flush_kernel_stores_only_the_value_it_looks_for() {
        use metaltile_runtime::KernelArg;
        let dev = Device::cpu();
        let p = dev.pipeline(&bench_flush::DEF, None, &metaltile_ir::ConstArgs::new()).unwrap();
        let buf = dev.upload(&[5u32, 7, 9, 11], &[4]).unwrap();
        let run = |never: u32| {
            let sink = dev.upload(&[0u32], &[1]).unwrap();
            let args = [KernelArg::Buffer(&buf), KernelArg::Buffer(&sink), KernelArg::u32(4), KernelArg::u32(never)];
            dev.launch(&p, metaltile_ir::Geometry::linear(1, 4), &args).unwrap();
            sink.to_vec::<u32>().unwrap()[0]
        };
        assert_eq!(run(9), 9);
        assert_eq!(run(3), 0);
    }

    #[test]
    fn measure_times_checks_and_returns_the_data() {
        let dev = Device::cpu();
        let method = Method { flush_bytes: 1 << 20, copy_elements: 4096, check: true };
        let bench = Bench::new(&dev, quick(4), method).unwrap();
        let copy = bench.copy().unwrap().gbps;
        let case = BenchCase { entry: registry::find("rms_norm").unwrap(), dtype: DType::F32, shape: vec![8, 1024] };
        let m = bench.measure(&case);
        let r = &m.result;
        assert!(r.error.is_none(), "{r:?}");
        assert_eq!(r.runs, 4);
        assert!(r.flushed, "a small working set is flushed when the method flushes");
        assert!(r.check.as_ref().is_some_and(|c| c.passed && c.mismatches == 0), "{r:?}");
        let pct = r.copy_pct.unwrap();
        assert!((pct - 100.0 * r.gbps / copy).abs() < 1e-9 * pct.max(1.0));
        let data = m.data.unwrap();
        let names: Vec<&str> = data.inputs.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["x", "w"]);
        assert_eq!(data.output.shape(), &[8, 1024]);
        let y = data.output.to_f64().unwrap();
        assert!(y.iter().all(|v| v.is_finite()), "the output was written");
    }

    #[test]
    fn a_failing_case_reports_its_error() {
        let dev = Device::cpu();
        let method = Method { flush_bytes: 0, copy_elements: 0, check: false };
        let bench = Bench::new(&dev, quick(1), method).unwrap();
        assert!(bench.copy().is_none());
        // A scalar has no last axis to reduce over.
        let case = BenchCase { entry: registry::find("sum_rows").unwrap(), dtype: DType::F32, shape: vec![] };
        let m = bench.measure(&case);
        assert!(m.data.is_none());
        assert!(m.result.error.as_deref().is_some_and(|e| e.contains("last axis")), "{:?}", m.result);
        assert_eq!((m.result.gbps, m.result.check.is_none()), (0.0, true));
    }

    #[test]
    fn cases_follow_the_filter_dtypes_and_shapes() {
        let opts = BenchOptions { dtypes: vec![DType::F32, DType::BF16], ..BenchOptions::default() };
        // A whole name selects that kernel alone.
        let cs = cases(Some("softmax"), &opts);
        assert_eq!(cs.len(), 2 * 3);
        assert!(cs.iter().any(|c| c.shape == [32, 393_216] && c.dtype == DType::BF16));
        let exp = registry::find("exp").unwrap();
        assert!(shapes(&exp, BenchSize::Full).contains(&vec![1 << 28]));
        assert_eq!(BenchSize::Full.default_dtypes(), [DType::F32, DType::BF16]);
        assert_eq!(BenchSize::Quick.default_dtypes(), FLOAT_DTYPES);
    }

    #[test]
    fn results_round_trip_through_json() {
        let r = BenchResult { kernel: "exp".into(), shape: vec![4], copy_pct: Some(50.0), ..Default::default() };
        let back: BenchResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        // Files written before a field existed still load.
        let old: BenchResult = serde_json::from_str(r#"{"kernel": "exp", "gbps": 2.5}"#).unwrap();
        assert_eq!((old.gbps, old.flushed, old.check), (2.5, false, None));
    }
}
