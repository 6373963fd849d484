//! The host-side op API: call an op on buffers, get buffers back. Shapes and dtypes are
//! checked here and launch geometry is decided here, once per op, so users never write it.

use crate::kernels::{arg, binary, elementwise, moments, norm, reduce, softmax as softmax_kernel, unary};
use crate::plan::{Launch, Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

mod bitwise;
mod cast;
mod concat;
mod copy;
mod fill;
mod fused;
mod gemv;
mod index;
mod loss;
mod move_params;
mod movement;
mod normvar;
mod random;
mod reductions;
mod rope;
mod scan;
mod sort;
mod strided;
pub use bitwise::*;
pub use cast::*;
pub use concat::*;
pub use copy::*;
pub use fill::*;
pub use fused::*;
pub use gemv::*;
pub use index::*;
pub use loss::*;
pub use move_params::*;
pub use movement::*;
pub use normvar::*;
pub use random::*;
pub use reductions::*;
pub use rope::*;
pub use scan::*;
pub use sort::*;
pub use strided::*;

/// Threads per threadgroup of elementwise kernels (each thread owns
/// [`elementwise::PER_THREAD`] elements).
pub const ELEMENTWISE_GROUP: u32 = 256;
/// Threads per threadgroup of the looped and split row kernels, and the smallest threadgroup
/// of the others (short rows share one); a multiple of 32 because rows reduce with
/// simdgroup collectives.
pub const ROW_GROUP: u32 = 256;
/// Elements per thread the register plans choose from (`per_thread`, multiples of 8: a
/// thread's elements are whole packs, one 16-byte access each for 16-bit types).
pub const PER_THREAD_CHOICES: [u32; 3] = [8, 16, 32];
/// Most threads per row the register plans use. A threadgroup of 256 threads launches
/// whatever registers the compiler gives each thread (at most 255 of a 64K file); larger
/// ones would need the emitted kernel to declare its threadgroup size (`__launch_bounds__`)
/// so the compiler keeps below 128 (512 threads) or 64 (1024).
pub const REGISTER_MAX_TPR: u32 = 256;
/// Longest row the register plans take.
pub const REGISTER_MAX_N: u32 = REGISTER_MAX_TPR * 32;
/// Rows longer than [`REGISTER_MAX_N`] are split over several threadgroups when there are
/// fewer rows than this (one threadgroup per row would leave most of a GPU idle).
pub const SPLIT_BELOW_ROWS: u32 = 512;
/// Threadgroups a split plan aims for: several per multiprocessor of a large GPU.
pub const SPLIT_TARGET_GROUPS: u32 = 2048;
/// Fewest elements per chunk of a split plan, so each threadgroup streams a while.
pub const SPLIT_MIN_CHUNK: u32 = 4096;
/// The most threadgroups per row a split plan may have (the partials of a row are combined
/// by one threadgroup).
pub const SPLIT_MAX_CHUNKS: u32 = 1024;
/// The most rows a split plan takes (the second axis of its grid).
pub const SPLIT_MAX_ROWS: u32 = 65535;
/// The epsilon of the norms when none is given (PyTorch's default for layer_norm).
pub const DEFAULT_EPS: f32 = 1e-5;

macro_rules! kinds {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident => $def:path),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $v),* }
        impl $name {
            /// Every kind, in registry order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The kernel that computes it.
            pub fn def(self) -> KernelDef {
                match self { $($name::$v => $def),* }
            }
            /// The kernel's name.
            pub fn name(self) -> &'static str {
                self.def().name
            }
        }
    };
}

kinds! {
    /// Elementwise functions of one tensor.
    UnaryKind {
        Exp => unary::exp::DEF,
        Exp2 => unary::exp2::DEF,
        Expm1 => unary::expm1::DEF,
        Log => unary::log::DEF,
        Log2 => unary::log2::DEF,
        Log10 => unary::log10::DEF,
        Log1p => unary::log1p::DEF,
        Sqrt => unary::sqrt::DEF,
        Rsqrt => unary::rsqrt::DEF,
        Cbrt => unary::cbrt::DEF,
        Abs => unary::abs::DEF,
        Neg => unary::neg::DEF,
        Sign => unary::sign::DEF,
        Ceil => unary::ceil::DEF,
        Floor => unary::floor::DEF,
        /// Halves to even, as `torch.round`.
        Round => unary::round::DEF,
        Trunc => unary::trunc::DEF,
        Recip => unary::recip::DEF,
        Square => unary::square::DEF,
        Sin => unary::sin::DEF,
        Cos => unary::cos::DEF,
        Tan => unary::tan::DEF,
        Asin => unary::asin::DEF,
        Acos => unary::acos::DEF,
        Atan => unary::atan::DEF,
        Sinh => unary::sinh::DEF,
        Cosh => unary::cosh::DEF,
        Tanh => unary::tanh::DEF,
        Asinh => unary::asinh::DEF,
        Acosh => unary::acosh::DEF,
        Atanh => unary::atanh::DEF,
        Erf => unary::erf::DEF,
        Erfinv => unary::erfinv::DEF,
        Sigmoid => unary::sigmoid::DEF,
        Logsigmoid => unary::logsigmoid::DEF,
        Silu => unary::silu::DEF,
        /// The exact (erf) form.
        Gelu => unary::gelu::DEF,
        /// The tanh approximation.
        GeluTanh => unary::gelu_tanh::DEF,
        Relu => unary::relu::DEF,
        LeakyRelu => unary::leaky_relu::DEF,
        Elu => unary::elu::DEF,
        Selu => unary::selu::DEF,
        Softplus => unary::softplus::DEF,
        Softsign => unary::softsign::DEF,
        Mish => unary::mish::DEF,
        Hardsigmoid => unary::hardsigmoid::DEF,
        Hardswish => unary::hardswish::DEF,
        Hardtanh => unary::hardtanh::DEF,
        /// A bool output.
        Isnan => unary::isnan::DEF,
        /// A bool output.
        Isinf => unary::isinf::DEF,
        /// A bool output.
        Isfinite => unary::isfinite::DEF,
    }
}

kinds! {
    /// Elementwise functions of two tensors (broadcast to one shape, see
    /// [`crate::broadcast`]) or of a tensor and a scalar.
    BinaryKind {
        Add => binary::add::DEF,
        Sub => binary::sub::DEF,
        Mul => binary::mul::DEF,
        Div => binary::div::DEF,
        /// NaN if either operand is NaN.
        Max => binary::max::DEF,
        /// NaN if either operand is NaN.
        Min => binary::min::DEF,
        Pow => binary::pow::DEF,
        Atan2 => binary::atan2::DEF,
        /// The sign of the divisor (Python's `%`, `torch.remainder`).
        Remainder => binary::remainder::DEF,
        /// The sign of the dividend (C's `fmod`, `torch.fmod`).
        Fmod => binary::fmod::DEF,
        Logaddexp => binary::logaddexp::DEF,
        /// A bool output, as every kind below.
        Eq => binary::eq::DEF,
        Ne => binary::ne::DEF,
        Lt => binary::lt::DEF,
        Le => binary::le::DEF,
        Gt => binary::gt::DEF,
        Ge => binary::ge::DEF,
        /// Nonzero (NaN included) is true, as in torch.
        LogicalAnd => binary::logical_and::DEF,
        LogicalOr => binary::logical_or::DEF,
        LogicalXor => binary::logical_xor::DEF,
    }
}

kinds! {
    /// Reductions over the last axis.
    ReduceKind {
        Sum => reduce::sum_rows::DEF,
        /// NaN if any element is NaN.
        Max => reduce::max_rows::DEF,
        /// NaN if any element is NaN.
        Min => reduce::min_rows::DEF,
        /// NaN for an empty row.
        Mean => reduce::mean_rows::DEF,
        Prod => reduce::prod_rows::DEF,
        L1Norm => reduce::l1_norm_rows::DEF,
        L2Norm => reduce::l2_norm_rows::DEF,
        LogSumExp => reduce::logsumexp_rows::DEF,
        /// With Bessel's `correction` (default 1).
        Var => moments::var_rows::DEF,
        /// With Bessel's `correction` (default 1).
        Std => moments::std_rows::DEF,
        /// An i64 index: the first on ties, the first NaN if any.
        ArgMax => arg::argmax_rows::DEF,
        /// An i64 index: the first on ties, the first NaN if any.
        ArgMin => arg::argmin_rows::DEF,
    }
}

impl ReduceKind {
    /// The `op` constexpr of the split reduction kernels (var and std, which have their own
    /// kernels, take none: their Σ is what the code of theirs would name).
    pub fn split_op(self) -> u32 {
        match self {
            ReduceKind::Sum => reduce::SUM,
            ReduceKind::Max => reduce::MAX,
            ReduceKind::Min => reduce::MIN,
            ReduceKind::Mean => reduce::MEAN,
            ReduceKind::Prod => reduce::PROD,
            ReduceKind::L1Norm => reduce::L1_NORM,
            ReduceKind::L2Norm => reduce::L2_NORM,
            ReduceKind::LogSumExp => reduce::LOGSUMEXP,
            ReduceKind::Var | ReduceKind::Std | ReduceKind::ArgMax | ReduceKind::ArgMin => reduce::SUM,
        }
    }
    /// True when a row of no elements has a value (the fold's identity, or the mean's NaN);
    /// max and min of nothing are undefined.
    pub fn defined_on_empty(self) -> bool {
        !matches!(self, ReduceKind::Max | ReduceKind::Min | ReduceKind::ArgMax | ReduceKind::ArgMin)
    }
}

/// How softmax and the norms are launched for a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStrategy {
    /// One launch; `tpr` threads per row (a power of two) hold `per_thread` elements each in
    /// registers (`tpr · per_thread ≥ n`): read once, write once.
    Registers { per_thread: u32, tpr: u32 },
    /// One launch, one threadgroup of [`ROW_GROUP`] threads per row, the row streamed
    /// twice (statistics, then output).
    Looped,
    /// Two launches over `chunks` threadgroups per row: each chunk's statistics, then the
    /// row's combined and every chunk written (the row streamed twice).
    Split { chunks: u32 },
}

/// How the row reductions are launched for a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceStrategy {
    /// One launch, `tpr` threads per row (a power of two), the row streamed once.
    Rows { tpr: u32 },
    /// Two launches: `chunks` threadgroups per row fold their chunks into f32 partials,
    /// then each row's partials are folded.
    Split { chunks: u32 },
}

/// The threads per row that give each thread about one tile of a row of `n`, at most
/// [`ROW_GROUP`].
fn reduce_tpr(n: u32) -> u32 {
    let tile = 4 * crate::kernels::rows::TILE_CHUNKS;
    n.div_ceil(tile).max(1).next_power_of_two().min(ROW_GROUP)
}

/// Chunks per row for a split plan of `rows` rows of `n`, if splitting pays.
fn split_choice(rows: u32, n: u32) -> Option<u32> {
    if rows >= SPLIT_BELOW_ROWS {
        return None;
    }
    let chunks = SPLIT_TARGET_GROUPS.div_ceil(rows).min(n / SPLIT_MIN_CHUNK).min(SPLIT_MAX_CHUNKS);
    (chunks >= 2).then_some(chunks)
}

/// The strategy of softmax and the norms for `rows` rows of `n` elements: registers while
/// the row fits ([`REGISTER_MAX_N`]), with the fewest elements per thread that keep rows
/// within [`REGISTER_MAX_TPR`] threads; beyond, a split plan for few rows, else the looped one.
pub fn row_strategy(rows: u32, n: u32) -> RowStrategy {
    if n <= REGISTER_MAX_N {
        let per_thread = PER_THREAD_CHOICES.into_iter().find(|p| n <= REGISTER_MAX_TPR * p).unwrap_or(32);
        let tpr = n.div_ceil(per_thread).max(1).next_power_of_two();
        return RowStrategy::Registers { per_thread, tpr };
    }
    match split_choice(rows, n) {
        Some(chunks) => RowStrategy::Split { chunks },
        None => RowStrategy::Looped,
    }
}

/// The strategy of the norms for `rows` rows of `n` elements of `dtype`: [`row_strategy`]'s,
/// except that 16-bit rows that would need 32 elements per thread stream the row again from
/// L2 (looped) instead: holding them widened to f32 takes 86 registers a thread, two
/// threadgroups per multiprocessor (H200, rms_norm bf16 4096×8192: 3420 GB/s looped, 2880
/// in registers; layer_norm 2423 in registers). softmax, whose second pass would recompute
/// every exponential, keeps its registers plan (3240 against 2399 looped).
pub fn norm_strategy(dtype: DType, rows: u32, n: u32) -> RowStrategy {
    match row_strategy(rows, n) {
        RowStrategy::Registers { per_thread: 32, .. } if dtype.size_bytes() == 2 => RowStrategy::Looped,
        s => s,
    }
}

/// The strategy of the row reductions for `rows` rows of `n` elements: a split plan for few
/// long rows, else one launch with about one tile per thread.
pub fn reduce_strategy(rows: u32, n: u32) -> ReduceStrategy {
    match split_choice(rows, n) {
        Some(chunks) => ReduceStrategy::Split { chunks },
        None => ReduceStrategy::Rows { tpr: reduce_tpr(n) },
    }
}

/// Threads per row must be a power of two that fits a threadgroup.
fn check_tpr(op: &str, tpr: u32) -> Result<()> {
    if !tpr.is_power_of_two() || tpr > metaltile_ir::launch::MAX_THREADS_PER_GROUP {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "tpr".into(),
            reason: format!(
                "threads per row must be a power of two of at most {}, got {tpr}",
                metaltile_ir::launch::MAX_THREADS_PER_GROUP
            ),
        });
    }
    Ok(())
}

/// Threadgroups of `max(tpr, ROW_GROUP)` threads, `tpr` per row, covering `rows` rows.
fn rows_geometry(rows: u32, tpr: u32) -> Geometry {
    let group = tpr.max(ROW_GROUP);
    Geometry::linear(rows.div_ceil(group / tpr), group)
}

/// One threadgroup of [`ROW_GROUP`] threads per (chunk, row).
fn split_geometry(rows: u32, chunks: u32) -> Geometry {
    Geometry { groups: [chunks, rows, 1], group_size: [ROW_GROUP, 1, 1] }
}

/// The chunks (at most `want`) and chunk length (a multiple of one vector per thread of a
/// threadgroup, so every chunk starts aligned) of a split plan.
fn split_chunks(op: &str, rows: u32, n: u32, want: u32) -> Result<(u32, u32)> {
    if want == 0 || want > SPLIT_MAX_CHUNKS || rows > SPLIT_MAX_ROWS {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "chunks".into(),
            reason: format!(
                "a split plan takes 1 to {SPLIT_MAX_CHUNKS} chunks per row and at most {SPLIT_MAX_ROWS} rows; \
                 got {want} chunks of {rows} rows"
            ),
        });
    }
    let align = 4 * ROW_GROUP;
    let chunk_len = n.div_ceil(want).div_ceil(align).max(1) * align;
    Ok((n.div_ceil(chunk_len).max(1), chunk_len))
}

/// The kernels of softmax or a norm, one per strategy step.
#[derive(Clone, Copy)]
struct RowKernels {
    registers: KernelDef,
    looped: KernelDef,
    stats: KernelDef,
    apply: KernelDef,
    /// f32 values `stats` stores per chunk.
    stats_per_chunk: usize,
}

impl RowKernels {
    const SOFTMAX: RowKernels = RowKernels {
        registers: softmax_kernel::softmax::DEF,
        looped: softmax_kernel::softmax_looped::DEF,
        stats: softmax_kernel::softmax_stats::DEF,
        apply: softmax_kernel::softmax_apply::DEF,
        stats_per_chunk: 2,
    };
    const LOG_SOFTMAX: RowKernels = RowKernels {
        registers: softmax_kernel::log_softmax::DEF,
        looped: softmax_kernel::log_softmax_looped::DEF,
        stats: softmax_kernel::softmax_stats::DEF,
        apply: softmax_kernel::log_softmax_apply::DEF,
        stats_per_chunk: 2,
    };
    const RMS_NORM: RowKernels = RowKernels {
        registers: norm::rms_norm::DEF,
        looped: norm::rms_norm_looped::DEF,
        stats: norm::rms_norm_stats::DEF,
        apply: norm::rms_norm_apply::DEF,
        stats_per_chunk: 1,
    };
    const LAYER_NORM: RowKernels = RowKernels {
        registers: norm::layer_norm::DEF,
        looped: norm::layer_norm_looped::DEF,
        stats: norm::layer_norm_stats::DEF,
        apply: norm::layer_norm_apply::DEF,
        stats_per_chunk: 2,
    };
}

/// Every op of the library; [`crate::registry`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdOp {
    Unary(UnaryKind),
    Binary(BinaryKind),
    Reduce(ReduceKind),
    Softmax,
    LogSoftmax,
    RmsNorm,
    LayerNorm,
    Rope(RopeLayout),
    Gemv(GemvForm),
    Fused(FusedKind),
    /// Contiguous copy, any dtype.
    Copy,
    /// Cast to the given dtype.
    Cast(DType),
    /// Data movement: strided copies, slices (see [`MoveOp`]).
    Move(MoveOp),
    /// A scan along an axis.
    Scan(ScanKind),
    /// Gather and scatter.
    Index(IndexKind),
    /// Bitwise ops and shifts of integers.
    Bitwise(BitwiseKind),
    /// Sort, argsort, top-k along an axis.
    Sort(SortKind),
    /// Random numbers from a counter-based generator.
    Random(RandomKind),
    /// Losses: cross-entropy, MSE, KL divergence.
    Loss(LossKind),
    /// The normalization variants (fused, gated, per channel).
    Norm(NormKind),
}

/// Values of an op's non-buffer parameters; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpParams {
    /// Epsilon of the norms.
    pub eps: f32,
    /// Slope of leaky_relu below 0.
    pub negative_slope: f32,
    /// Scale of elu below 0.
    pub alpha: f32,
    /// Lower bound of hardtanh.
    pub min_val: f32,
    /// Upper bound of hardtanh.
    pub max_val: f32,
    /// How to launch the op, when not the planner's choice (row ops only): for measuring the
    /// alternatives on a device.
    pub strategy: Option<Strategy>,
    /// The parameters of the rotary embeddings.
    pub rope: RopeParams,
    /// The parameters of the fused ops (clip's bounds, fma's scale and shift).
    pub fused: FusedParams,
    /// The parameters of the reductions (and the scans' `axis`).
    pub reduce: ReduceParams,
    /// The parameters of the data-movement ops (lists among them).
    pub movement: MoveParams,
    /// The parameters of the scans besides `axis`.
    pub scan: ScanParams,
    /// The parameters of gather and scatter.
    pub index: IndexParams,
    /// The parameters of the sorts besides `axis`.
    pub sort: SortParams,
    /// The parameters of the random ops.
    pub random: RandomParams,
    /// The parameters of the losses (cross-entropy's `checked` is the index ops').
    pub loss: LossParams,
    /// The parameters of the normalization variants besides `eps`.
    pub norm: NormParams,
}

impl Default for OpParams {
    fn default() -> Self {
        OpParams {
            eps: DEFAULT_EPS,
            negative_slope: 0.01,
            alpha: 1.0,
            min_val: -1.0,
            max_val: 1.0,
            strategy: None,
            rope: RopeParams::default(),
            fused: FusedParams::default(),
            reduce: ReduceParams::default(),
            movement: MoveParams::default(),
            scan: ScanParams::default(),
            index: IndexParams::default(),
            sort: SortParams::default(),
            random: RandomParams::default(),
            loss: LossParams::default(),
            norm: NormParams::default(),
        }
    }
}

impl OpParams {
    /// The parameter called `name` (as [`StdOp::params`] names it).
    pub fn get(&self, name: &str) -> Option<f32> {
        let mut copy = *self;
        copy.slot(name).map(|v| *v)
    }

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "eps" => Some(&mut self.eps),
            "negative_slope" => Some(&mut self.negative_slope),
            "alpha" => Some(&mut self.alpha),
            "min_val" => Some(&mut self.min_val),
            "max_val" => Some(&mut self.max_val),
            other if ReduceParams::NAMES.contains(&other) => self.reduce.slot(other),
            other if ScanParams::NAMES.contains(&other) => self.scan.slot(other),
            other if IndexParams::NAMES.contains(&other) => self.index.slot(other),
            other if SortParams::NAMES.contains(&other) => self.sort.slot(other),
            other if RandomParams::NAMES.contains(&other) => self.random.slot(other),
            other if LossParams::NAMES.contains(&other) => self.loss.slot(other),
            other if NormParams::NAMES.contains(&other) => self.norm.slot(other),
            other => self.rope.slot(other).or_else(|| self.fused.slot(other)),
        }
    }
}

impl UnaryKind {
    /// Names of its scalar parameters, in the kernel's order (after `n`).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            UnaryKind::LeakyRelu => &["negative_slope"],
            UnaryKind::Elu => &["alpha"],
            UnaryKind::Hardtanh => &["min_val", "max_val"],
            _ => &[],
        }
    }

    /// Its output's dtype for an input of `dtype`: bool for the class tests (isnan, ...).
    pub fn output_dtype(self, dtype: DType) -> DType {
        match self {
            UnaryKind::Isnan | UnaryKind::Isinf | UnaryKind::Isfinite => DType::Bool,
            _ => dtype,
        }
    }
}

/// A launch strategy of a row op, as `tile bench --strategy` spells it:
/// `registers:PER_THREAD:TPR`, `looped`, `split:CHUNKS` (softmax and the norms), `rows:TPR`,
/// `split:CHUNKS` (the row reductions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `registers:PER_THREAD:TPR`
    Registers { per_thread: u32, tpr: u32 },
    /// `looped`
    Looped,
    /// `rows:TPR`
    Rows { tpr: u32 },
    /// `split:CHUNKS`
    Split { chunks: u32 },
}

impl Strategy {
    /// The strategy as softmax and the norms take it, if it is one of theirs.
    pub fn row(self) -> Option<RowStrategy> {
        match self {
            Strategy::Registers { per_thread, tpr } => Some(RowStrategy::Registers { per_thread, tpr }),
            Strategy::Looped => Some(RowStrategy::Looped),
            Strategy::Split { chunks } => Some(RowStrategy::Split { chunks }),
            Strategy::Rows { .. } => None,
        }
    }
    /// The strategy as the row reductions take it, if it is one of theirs.
    pub fn reduce(self) -> Option<ReduceStrategy> {
        match self {
            Strategy::Rows { tpr } => Some(ReduceStrategy::Rows { tpr }),
            Strategy::Split { chunks } => Some(ReduceStrategy::Split { chunks }),
            _ => None,
        }
    }
}

impl From<RowStrategy> for Strategy {
    fn from(s: RowStrategy) -> Self {
        match s {
            RowStrategy::Registers { per_thread, tpr } => Strategy::Registers { per_thread, tpr },
            RowStrategy::Looped => Strategy::Looped,
            RowStrategy::Split { chunks } => Strategy::Split { chunks },
        }
    }
}

impl From<ReduceStrategy> for Strategy {
    fn from(s: ReduceStrategy) -> Self {
        match s {
            ReduceStrategy::Rows { tpr } => Strategy::Rows { tpr },
            ReduceStrategy::Split { chunks } => Strategy::Split { chunks },
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Strategy::Registers { per_thread, tpr } => write!(f, "registers:{per_thread}:{tpr}"),
            Strategy::Looped => write!(f, "looped"),
            Strategy::Rows { tpr } => write!(f, "rows:{tpr}"),
            Strategy::Split { chunks } => write!(f, "split:{chunks}"),
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize| -> std::result::Result<u32, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("strategy `{s}` lacks a number after its {i}th `:`"))?
                .parse()
                .map_err(|e| format!("strategy `{s}`: `{}` is not a count ({e})", parts[i]))
        };
        let want = |count: usize| {
            if parts.len() == count {
                Ok(())
            } else {
                Err(format!("strategy `{s}` has {} fields, `{}` takes {count}", parts.len(), parts[0]))
            }
        };
        match parts[0] {
            "registers" => want(3).and_then(|_| Ok(Strategy::Registers { per_thread: num(1)?, tpr: num(2)? })),
            "looped" => want(1).map(|_| Strategy::Looped),
            "rows" => want(2).and_then(|_| Ok(Strategy::Rows { tpr: num(1)? })),
            "split" => want(2).and_then(|_| Ok(Strategy::Split { chunks: num(1)? })),
            other => Err(format!(
                "unknown strategy `{other}`: expected registers:PER_THREAD:TPR, looped, rows:TPR or split:CHUNKS"
            )),
        }
    }
}

impl StdOp {
    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            StdOp::Unary(k) => k.def(),
            StdOp::Binary(k) => k.def(),
            StdOp::Reduce(k) => k.def(),
            StdOp::Softmax => softmax_kernel::softmax::DEF,
            StdOp::LogSoftmax => softmax_kernel::log_softmax::DEF,
            StdOp::RmsNorm => norm::rms_norm::DEF,
            StdOp::LayerNorm => norm::layer_norm::DEF,
            StdOp::Rope(l) => l.def(),
            StdOp::Gemv(f) => f.def(),
            StdOp::Fused(k) => k.def(),
            StdOp::Copy => crate::kernels::copy::copy::DEF,
            StdOp::Cast(to) => cast_def(to),
            StdOp::Move(k) => k.def(),
            StdOp::Scan(k) => k.def(),
            StdOp::Index(k) => k.def(),
            StdOp::Bitwise(k) => k.def(),
            StdOp::Sort(k) => k.def(),
            StdOp::Random(k) => k.def(),
            StdOp::Loss(k) => k.def(),
            StdOp::Norm(k) => k.def(),
        }
    }
    /// The op's (and its kernel's) name.
    pub fn name(self) -> &'static str {
        self.def().name
    }
    /// Which group of the library it belongs to.
    pub fn family(self) -> &'static str {
        match self {
            StdOp::Unary(_) => "unary",
            StdOp::Binary(_) => "binary",
            StdOp::Reduce(_) => "reduce",
            StdOp::Softmax | StdOp::LogSoftmax => "softmax",
            StdOp::RmsNorm | StdOp::LayerNorm | StdOp::Norm(_) => "norm",
            StdOp::Rope(_) => "rope",
            StdOp::Gemv(_) => "gemv",
            StdOp::Fused(_) => "fused",
            StdOp::Copy => "copy",
            StdOp::Cast(_) => "cast",
            StdOp::Move(_) => "movement",
            StdOp::Scan(_) => "scan",
            StdOp::Index(_) => "index",
            StdOp::Bitwise(_) => "bitwise",
            StdOp::Sort(_) => "sort",
            StdOp::Random(_) => "random",
            StdOp::Loss(_) => "loss",
        }
    }
    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            StdOp::Unary(_)
            | StdOp::Reduce(_)
            | StdOp::Softmax
            | StdOp::LogSoftmax
            | StdOp::Rope(_)
            | StdOp::Copy
            | StdOp::Cast(_)
            | StdOp::Random(_) => &["x"],
            StdOp::Binary(_) => &["a", "b"],
            StdOp::RmsNorm => &["x", "w"],
            StdOp::LayerNorm => &["x", "w", "b"],
            StdOp::Gemv(f) => f.inputs(),
            StdOp::Fused(k) => k.inputs(),
            StdOp::Move(k) => k.inputs(),
            StdOp::Scan(k) => k.inputs(),
            StdOp::Index(k) => k.inputs(),
            StdOp::Bitwise(k) => k.inputs(),
            StdOp::Sort(k) => k.inputs(),
            StdOp::Loss(k) => k.inputs(),
            StdOp::Norm(k) => k.inputs(),
        }
    }
    /// Names of its non-buffer parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            StdOp::Unary(k) => k.params(),
            StdOp::RmsNorm | StdOp::LayerNorm => &["eps"],
            StdOp::Rope(_) => RopeParams::NAMES,
            StdOp::Fused(k) => k.params(),
            StdOp::Reduce(k) => k.params(),
            StdOp::Move(k) => k.params(),
            StdOp::Scan(k) => k.params(),
            StdOp::Index(k) => k.params(),
            StdOp::Sort(k) => k.params(),
            StdOp::Random(k) => k.params(),
            StdOp::Loss(k) => k.params(),
            StdOp::Norm(k) => k.params(),
            _ => &[],
        }
    }
    /// Names of its outputs.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            StdOp::Fused(k) => k.outputs(),
            StdOp::Sort(k) => k.outputs(),
            StdOp::Norm(k) => k.outputs(),
            _ => &["y"],
        }
    }
    /// The dtype of input `index` (in [`StdOp::inputs`] order) when the op computes in
    /// `dtype`: `dtype` itself, except for bool operands (`where`'s condition).
    pub fn input_dtype(self, index: usize, dtype: DType) -> DType {
        match self {
            StdOp::Fused(k) => k.input_dtype(index, dtype),
            StdOp::Scan(k) => k.input_dtype(index, dtype),
            StdOp::Index(k) => k.input_dtype(index, dtype, &IndexParams::default()),
            StdOp::Loss(k) => k.input_dtype(index, dtype, false),
            _ => dtype,
        }
    }
    /// Whether input `index` may hold `found` when the op computes in `dtype`: the dtype
    /// [`StdOp::input_dtype`] gives, or i64 for the indices of gather and scatter.
    pub fn takes_input_dtype(self, index: usize, dtype: DType, found: DType) -> bool {
        let wide = OpParams { index: IndexParams { wide: true, ..IndexParams::default() }, ..OpParams::default() };
        found == self.input_dtype(index, dtype) || found == self.input_dtype_with(index, dtype, &wide)
    }
    /// [`StdOp::input_dtype`] under `params` (the oracle's i64-index cases).
    pub fn input_dtype_with(self, index: usize, dtype: DType, params: &OpParams) -> DType {
        match self {
            StdOp::Index(k) => k.input_dtype(index, dtype, &params.index),
            StdOp::Loss(k) => k.input_dtype(index, dtype, params.index.wide),
            _ => self.input_dtype(index, dtype),
        }
    }
    /// The parameters `tile bench` runs the op with at `shape` (besides the strategy).
    pub fn bench_params(self, shape: &[usize]) -> OpParams {
        match self {
            StdOp::Index(k) => index_bench_params(k),
            StdOp::Move(_) => movement_bench_params(self, shape),
            _ => OpParams::default(),
        }
    }
    /// The dtype of its output for inputs of `dtype`.
    pub fn output_dtype(self, dtype: DType) -> DType {
        match self {
            StdOp::Unary(k) => k.output_dtype(dtype),
            StdOp::Binary(k) => k.output_dtype(dtype),
            StdOp::Cast(to) => to,
            StdOp::Reduce(k) => k.output_dtype(dtype),
            StdOp::Sort(k) => k.output_dtype(dtype),
            _ => dtype,
        }
    }

    /// Every kernel instance (definition and constexprs) this op's plans may launch, for
    /// any shape and strategy: what to check, emit and inspect.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let plain = |def: KernelDef| (def, ConstArgs::new());
        let with = |def: KernelDef, name: &str, v: u32| (def, ConstArgs::new().with(name, ConstArg::Int(v as i128)));
        let rows = |k: RowKernels| {
            let mut v: Vec<_> = PER_THREAD_CHOICES.iter().map(|p| with(k.registers, "per_thread", *p)).collect();
            v.extend([plain(k.looped), plain(k.stats), plain(k.apply)]);
            v
        };
        match self {
            StdOp::Unary(_) => vec![plain(self.def())],
            StdOp::Binary(k) => k.instances(),
            StdOp::Reduce(k) => k.instances(),
            StdOp::Softmax => rows(RowKernels::SOFTMAX),
            StdOp::LogSoftmax => rows(RowKernels::LOG_SOFTMAX),
            StdOp::RmsNorm => rows(RowKernels::RMS_NORM),
            StdOp::LayerNorm => rows(RowKernels::LAYER_NORM),
            StdOp::Rope(l) => rope_instances(l),
            StdOp::Gemv(f) => f.instances(),
            StdOp::Fused(k) => vec![plain(k.def())],
            StdOp::Copy => vec![plain(self.def()), plain(crate::kernels::copy::copy_scalar::DEF)],
            StdOp::Cast(_) => vec![plain(self.def())],
            StdOp::Move(k) => k.instances(),
            StdOp::Scan(k) => k.instances(),
            StdOp::Index(k) => k.instances(),
            StdOp::Bitwise(k) => vec![(k.def(), ConstArgs::new())],
            StdOp::Sort(k) => k.instances(),
            StdOp::Random(k) => k.instances(),
            StdOp::Loss(k) => k.instances(),
            StdOp::Norm(k) => k.instances(),
        }
    }

    /// Plan the op on `inputs` (in [`StdOp::inputs`] order).
    pub fn plan(self, dev: &Device, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
        let expected = self.inputs().len();
        if inputs.len() != expected {
            return Err(RuntimeError::ArgCount {
                kernel: self.name().into(),
                expected,
                found: inputs.len(),
                params: self.inputs().join(", "),
            });
        }
        let x = inputs[0];
        let unfit = |s: Strategy| RuntimeError::BadParameter {
            op: self.name().into(),
            name: "strategy".into(),
            reason: format!("`{s}` is not a strategy of this op"),
        };
        let row = params.strategy.map(|s| s.row().ok_or_else(|| unfit(s))).transpose();
        if let (
            StdOp::Unary(_)
            | StdOp::Binary(_)
            | StdOp::Rope(_)
            | StdOp::Fused(_)
            | StdOp::Copy
            | StdOp::Cast(_)
            | StdOp::Move(_)
            | StdOp::Index(_)
            | StdOp::Random(_)
            | StdOp::Loss(_),
            Some(s),
        ) = (self, params.strategy)
        {
            return Err(unfit(s));
        }
        if let (StdOp::Gemv(_), Some(s)) = (self, params.strategy) {
            return Err(unfit(s));
        }
        match self {
            StdOp::Unary(k) => unary_plan_with(dev, k, x, params),
            StdOp::Binary(k) => binary_plan(dev, k, x, inputs[1]),
            StdOp::Reduce(k) => {
                let s = params.strategy.map(|s| s.reduce().ok_or_else(|| unfit(s))).transpose()?;
                reduce_rows_plan_params(dev, k, x, params, s)
            }
            StdOp::Softmax => softmax_plan_with(dev, x, row?),
            StdOp::LogSoftmax => log_softmax_plan_with(dev, x, row?),
            StdOp::RmsNorm => rms_norm_plan_with(dev, x, inputs[1], params.eps, row?),
            StdOp::LayerNorm => layer_norm_plan_with(dev, x, inputs[1], inputs[2], params.eps, row?),
            StdOp::Rope(l) => rope_plan_params(dev, l, x, params),
            StdOp::Gemv(f) => gemv_plan_form(dev, f, inputs),
            StdOp::Fused(k) => fused_plan(dev, k, inputs, params),
            StdOp::Copy => copy_plan(dev, x),
            StdOp::Cast(to) => cast_plan(dev, x, to),
            StdOp::Move(k) => k.plan(dev, inputs, params),
            StdOp::Scan(k) => scan_plan(dev, k, inputs, params),
            StdOp::Index(k) => index_plan_params(dev, k, inputs, params),
            StdOp::Bitwise(k) => bitwise_plan(dev, k, inputs),
            StdOp::Sort(k) => sort_plan(dev, k, inputs, params),
            StdOp::Random(k) => random_like_plan(dev, k, x, &params.random),
            StdOp::Loss(k) => loss_plan(dev, k, inputs, params),
            StdOp::Norm(k) => norm_variant_plan(dev, k, inputs, params, row?),
        }
    }

    /// The strategy [`StdOp::plan`] takes for a data input of `shape` and `dtype` under
    /// `params` (row ops; `None` for the others).
    pub fn strategy(self, dtype: DType, shape: &[usize], params: &OpParams) -> Option<Strategy> {
        let (rows, n) = match shape.split_last() {
            Some((n, lead)) => (lead.iter().product::<usize>() as u32, *n as u32),
            None => (1, 1),
        };
        match self {
            StdOp::Unary(_)
            | StdOp::Binary(_)
            | StdOp::Rope(_)
            | StdOp::Gemv(_)
            | StdOp::Fused(_)
            | StdOp::Copy
            | StdOp::Cast(_)
            | StdOp::Move(_)
            | StdOp::Scan(_)
            | StdOp::Index(_)
            | StdOp::Bitwise(_)
            | StdOp::Sort(_)
            | StdOp::Random(_)
            | StdOp::Loss(_) => None,
            // Along an inner axis there is one plan, the column kernel: no row strategy to name.
            StdOp::Reduce(_) if reductions::axis_view("", shape, params.reduce.axis).is_ok_and(|v| v[2] > 1) => None,
            StdOp::Reduce(_) => Some(params.strategy.unwrap_or_else(|| reduce_strategy(rows, n).into())),
            StdOp::RmsNorm | StdOp::LayerNorm => {
                Some(params.strategy.unwrap_or_else(|| norm_strategy(dtype, rows, n).into()))
            }
            StdOp::Norm(k) if k.is_row() => {
                Some(params.strategy.unwrap_or_else(|| norm_strategy(dtype, rows, n).into()))
            }
            StdOp::Norm(_) => None,
            _ => Some(params.strategy.unwrap_or_else(|| row_strategy(rows, n).into())),
        }
    }
}

pub(crate) fn check_float(op: &str, name: &str, b: &Buffer) -> Result<()> {
    if !b.dtype().is_float() {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{op}`, input `{name}`"),
            dtype: b.dtype(),
            supported: FLOAT_DTYPES.map(|d| d.name()).join(", "),
        });
    }
    Ok(())
}

pub(crate) fn check_same(op: &str, name: &str, first: &Buffer, other: &Buffer, shape: &[usize]) -> Result<()> {
    if other.dtype() != first.dtype() {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `{name}`"),
            expected: first.dtype(),
            found: other.dtype(),
        });
    }
    if other.shape() != shape {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `{name}`"),
            expected: shape.to_vec(),
            found: other.shape().to_vec(),
        });
    }
    Ok(())
}

/// Kernels index with u32: every tensor must have fewer than 2^32 elements.
fn index_count(op: &str, b: &Buffer) -> Result<u32> {
    u32::try_from(b.len()).map_err(|_| RuntimeError::InvalidShape {
        shape: b.shape().to_vec(),
        reason: format!("`{op}` indexes with u32, so a tensor may hold at most {} elements", u32::MAX),
    })
}

/// Split `[.., n]` into (rows, n), refusing shapes that have no last axis.
fn rows_of(op: &str, x: &Buffer) -> Result<(u32, u32)> {
    index_count(op, x)?;
    let (n, lead) = x.shape().split_last().ok_or_else(|| RuntimeError::InvalidShape {
        shape: vec![],
        reason: format!("`{op}` works on the last axis, and a scalar has none"),
    })?;
    let rows = lead.iter().product::<usize>();
    let fit = |v: usize, what: &str| {
        u32::try_from(v).map_err(|_| RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` indexes with u32, so it takes at most {} {what}", u32::MAX),
        })
    };
    let n = fit(*n, "elements per row")?;
    check_row_len(op, x.shape(), n)?;
    Ok((fit(rows, "rows")?, n))
}

/// Longest row the row kernels take: their column indices run up to a tile (at most 16 Ki
/// columns) past the end of a row, and must not wrap around u32.
pub const MAX_ROW_LEN: u32 = u32::MAX - (1 << 16);

/// Refuse rows longer than [`MAX_ROW_LEN`].
pub(crate) fn check_row_len(op: &str, shape: &[usize], n: u32) -> Result<()> {
    if n > MAX_ROW_LEN {
        return Err(RuntimeError::InvalidShape {
            shape: shape.to_vec(),
            reason: format!("`{op}` takes rows of at most {MAX_ROW_LEN} elements, so that its indices do not wrap"),
        });
    }
    Ok(())
}

/// One launch of the instance of `def` for `dtype` with the given constexprs.
fn launch(
    dev: &Device,
    def: KernelDef,
    dtype: DType,
    consts: ConstArgs,
    geometry: Geometry,
    args: Vec<PlanArg>,
) -> Result<Launch> {
    Launch::new(dev, def, dtype, consts, geometry, args)
}

/// Plan `y = f(x)` elementwise, with the op's default parameters.
pub fn unary_plan(dev: &Device, kind: UnaryKind, x: &Buffer) -> Result<Plan> {
    unary_plan_with(dev, kind, x, &OpParams::default())
}

/// Plan `y = f(x)` elementwise; `params` gives the values of the op's
/// [`UnaryKind::params`] (the rest is ignored).
pub fn unary_plan_with(dev: &Device, kind: UnaryKind, x: &Buffer, params: &OpParams) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    let values = unary_params(kind, params)?;
    let n = index_count(op, x)?;
    let y = dev.alloc(kind.output_dtype(x.dtype()), x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let mut args = vec![x.into(), (&y).into(), n.into()];
    args.extend(values.into_iter().map(PlanArg::from));
    let l = launch(dev, kind.def(), x.dtype(), ConstArgs::new(), geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// The values of `kind`'s parameters in kernel order: finite, and for hardtanh
/// `min_val ≤ max_val`.
fn unary_params(kind: UnaryKind, params: &OpParams) -> Result<Vec<f32>> {
    let bad =
        |name: &str, reason: String| RuntimeError::BadParameter { op: kind.name().into(), name: name.into(), reason };
    let mut values = Vec::new();
    for name in kind.params() {
        let v = params.get(name).ok_or_else(|| bad(name, "not a parameter of the library".into()))?;
        if !v.is_finite() {
            return Err(bad(name, format!("must be finite, got {v}")));
        }
        values.push(v);
    }
    if kind == UnaryKind::Hardtanh && params.min_val > params.max_val {
        return Err(bad(
            "min_val",
            format!("must not exceed max_val, got min_val {} > max_val {}", params.min_val, params.max_val),
        ));
    }
    Ok(values)
}

/// Plan `y = f(a, b)` elementwise; `a` and `b` have one dtype and broadcast-compatible
/// shapes (see [`crate::broadcast`]).
pub fn binary_plan(dev: &Device, kind: BinaryKind, a: &Buffer, b: &Buffer) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "a", a)?;
    if a.shape() != b.shape() {
        check_same(op, "b", a, b, b.shape())?;
        return crate::broadcast::broadcast_plan(dev, kind, a, b);
    }
    check_same(op, "b", a, b, a.shape())?;
    let n = index_count(op, a)?;
    let y = dev.alloc(kind.output_dtype(a.dtype()), a.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let args = vec![a.into(), b.into(), (&y).into(), n.into()];
    let l = launch(dev, kind.def(), a.dtype(), ConstArgs::new(), geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// Plan a reduction of `[.., n]` over its last axis into `[..]`, by [`reduce_strategy`].
pub fn reduce_rows_plan(dev: &Device, kind: ReduceKind, x: &Buffer) -> Result<Plan> {
    reduce_rows_plan_with(dev, kind, x, None)
}

/// [`reduce_rows_plan`] with the strategy given (`None`: [`reduce_strategy`]'s choice).
pub fn reduce_rows_plan_with(
    dev: &Device,
    kind: ReduceKind,
    x: &Buffer,
    strategy: Option<ReduceStrategy>,
) -> Result<Plan> {
    if kind.is_moment() {
        return reductions::moments_plan(dev, kind, x, ReduceParams::default().correction, strategy);
    }
    if kind.is_arg() {
        return reductions::arg_plan(dev, kind, x, strategy);
    }
    let op = kind.name();
    check_float(op, "x", x)?;
    let (rows, n) = rows_of(op, x)?;
    if n == 0 && !kind.defined_on_empty() && rows > 0 {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` of an empty row is undefined"),
        });
    }
    let y = dev.alloc(x.dtype(), &x.shape()[..x.shape().len() - 1])?;
    if rows == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let dtype = x.dtype();
    let strategy = strategy.unwrap_or_else(|| reduce_strategy(rows, n));
    match strategy {
        ReduceStrategy::Rows { tpr } => {
            check_tpr(op, tpr)?;
            let args = vec![x.into(), (&y).into(), rows.into(), n.into(), tpr.into()];
            let l = launch(dev, kind.def(), dtype, ConstArgs::new(), rows_geometry(rows, tpr), args)?;
            Ok(Plan::new(vec![l], vec![], ("y", y)))
        }
        ReduceStrategy::Split { chunks } => {
            let (chunks, chunk_len) = split_chunks(op, rows, n, chunks)?;
            let part = dev.alloc(DType::F32, &[rows as usize * chunks as usize])?;
            let code = ConstArgs::new().with("op", ConstArg::Int(kind.split_op() as i128));
            let partials = launch(
                dev,
                reduce::reduce_rows_partials::DEF,
                dtype,
                code.clone(),
                split_geometry(rows, chunks),
                vec![x.into(), (&part).into(), n.into(), chunk_len.into()],
            )?;
            let tpr = reduce_tpr(chunks);
            let finish = launch(
                dev,
                reduce::reduce_rows_finish::DEF,
                dtype,
                code,
                rows_geometry(rows, tpr),
                vec![(&part).into(), (&y).into(), rows.into(), chunks.into(), tpr.into(), n.into()],
            )?;
            Ok(Plan::new(vec![partials, finish], vec![part], ("y", y)))
        }
    }
}

/// Plan a softmax over the last axis, by [`row_strategy`].
pub fn softmax_plan(dev: &Device, x: &Buffer) -> Result<Plan> {
    softmax_plan_with(dev, x, None)
}

/// [`softmax_plan`] with the strategy given (`None`: [`row_strategy`]'s choice).
pub fn softmax_plan_with(dev: &Device, x: &Buffer, strategy: Option<RowStrategy>) -> Result<Plan> {
    softmax_family_plan(dev, RowKernels::SOFTMAX, x, strategy)
}

/// Plan a log-softmax over the last axis, `(x - max) - ln Σ e^(x - max)`, by [`row_strategy`].
pub fn log_softmax_plan(dev: &Device, x: &Buffer) -> Result<Plan> {
    log_softmax_plan_with(dev, x, None)
}

/// [`log_softmax_plan`] with the strategy given (`None`: [`row_strategy`]'s choice).
pub fn log_softmax_plan_with(dev: &Device, x: &Buffer, strategy: Option<RowStrategy>) -> Result<Plan> {
    softmax_family_plan(dev, RowKernels::LOG_SOFTMAX, x, strategy)
}

fn softmax_family_plan(dev: &Device, kernels: RowKernels, x: &Buffer, strategy: Option<RowStrategy>) -> Result<Plan> {
    let name = kernels.registers.name;
    check_float(name, "x", x)?;
    let (rows, n) = rows_of(name, x)?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    row_plan(dev, kernels, x, &[], None, y, rows, n, strategy)
}

fn check_eps(op: &str, eps: f32) -> Result<()> {
    if !(eps.is_finite() && eps >= 0.0) {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "eps".into(),
            reason: format!("must be finite and non-negative, got {eps}"),
        });
    }
    Ok(())
}

/// Plan an RMS norm over the last axis: `x / √(mean(x²) + eps) · w`, `w` of shape `[n]`.
pub fn rms_norm_plan(dev: &Device, x: &Buffer, w: &Buffer, eps: f32) -> Result<Plan> {
    rms_norm_plan_with(dev, x, w, eps, None)
}

/// [`rms_norm_plan`] with the strategy given (`None`: [`row_strategy`]'s choice).
pub fn rms_norm_plan_with(
    dev: &Device,
    x: &Buffer,
    w: &Buffer,
    eps: f32,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let def = norm::rms_norm::DEF;
    check_float(def.name, "x", x)?;
    check_eps(def.name, eps)?;
    let (rows, n) = rows_of(def.name, x)?;
    check_same(def.name, "w", x, w, &[n as usize])?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let strategy = strategy.unwrap_or_else(|| norm_strategy(x.dtype(), rows, n));
    row_plan(dev, RowKernels::RMS_NORM, x, &[w], Some(eps), y, rows, n, Some(strategy))
}

/// Plan a layer norm over the last axis: `(x - mean) / √(var + eps) · w + b`, `w` and `b`
/// of shape `[n]`.
pub fn layer_norm_plan(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, eps: f32) -> Result<Plan> {
    layer_norm_plan_with(dev, x, w, b, eps, None)
}

/// [`layer_norm_plan`] with the strategy given (`None`: [`row_strategy`]'s choice).
pub fn layer_norm_plan_with(
    dev: &Device,
    x: &Buffer,
    w: &Buffer,
    b: &Buffer,
    eps: f32,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let def = norm::layer_norm::DEF;
    check_float(def.name, "x", x)?;
    check_eps(def.name, eps)?;
    let (rows, n) = rows_of(def.name, x)?;
    check_same(def.name, "w", x, w, &[n as usize])?;
    check_same(def.name, "b", x, b, &[n as usize])?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let strategy = strategy.unwrap_or_else(|| norm_strategy(x.dtype(), rows, n));
    row_plan(dev, RowKernels::LAYER_NORM, x, &[w, b], Some(eps), y, rows, n, Some(strategy))
}

/// The launches of softmax or a norm under `strategy`; `weights` and `eps` are the norm's
/// (they follow `x`, and end the parameter list, in every kernel of the family).
#[allow(clippy::too_many_arguments)]
fn row_plan(
    dev: &Device,
    kernels: RowKernels,
    x: &Buffer,
    weights: &[&Buffer],
    eps: Option<f32>,
    y: Buffer,
    rows: u32,
    n: u32,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let op = kernels.registers.name;
    let dtype = x.dtype();
    let with_weights = |mut head: Vec<PlanArg>, tail: Vec<PlanArg>| {
        head.extend(weights.iter().map(|w| PlanArg::from(*w)));
        head.extend(tail);
        head.extend(eps.map(PlanArg::from));
        head
    };
    match strategy.unwrap_or_else(|| row_strategy(rows, n)) {
        RowStrategy::Registers { per_thread, tpr } => {
            check_tpr(op, tpr)?;
            if !PER_THREAD_CHOICES.contains(&per_thread) || (tpr as u64) * (per_thread as u64) < n as u64 {
                return Err(RuntimeError::BadParameter {
                    op: op.into(),
                    name: "per_thread".into(),
                    reason: format!(
                        "must be one of {PER_THREAD_CHOICES:?} with tpr · per_thread ≥ n = {n}; got {per_thread} \
                         with tpr {tpr}"
                    ),
                });
            }
            let args = with_weights(vec![x.into()], vec![(&y).into(), rows.into(), n.into(), tpr.into()]);
            let consts = ConstArgs::new().with("per_thread", ConstArg::Int(per_thread as i128));
            let l = launch(dev, kernels.registers, dtype, consts, rows_geometry(rows, tpr), args)?;
            Ok(Plan::new(vec![l], vec![], ("y", y)))
        }
        RowStrategy::Looped => {
            let args = with_weights(vec![x.into()], vec![(&y).into(), n.into()]);
            let l = launch(dev, kernels.looped, dtype, ConstArgs::new(), Geometry::linear(rows, ROW_GROUP), args)?;
            Ok(Plan::new(vec![l], vec![], ("y", y)))
        }
        RowStrategy::Split { chunks } => {
            let (chunks, chunk_len) = split_chunks(op, rows, n, chunks)?;
            let part = dev.alloc(DType::F32, &[rows as usize * chunks as usize * kernels.stats_per_chunk])?;
            let geometry = split_geometry(rows, chunks);
            let stats_args = vec![x.into(), (&part).into(), n.into(), chunk_len.into()];
            let stats = launch(dev, kernels.stats, dtype, ConstArgs::new(), geometry, stats_args)?;
            let apply_args =
                with_weights(vec![x.into()], vec![(&part).into(), (&y).into(), n.into(), chunk_len.into()]);
            let apply = launch(dev, kernels.apply, dtype, ConstArgs::new(), geometry, apply_args)?;
            Ok(Plan::new(vec![stats, apply], vec![part], ("y", y)))
        }
    }
}

fn output(plan: Result<Plan>, dev: &Device) -> Result<Buffer> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `y = f(x)` elementwise for a unary `kind`, with its default parameters.
pub fn unary(dev: &Device, kind: UnaryKind, x: &Buffer) -> Result<Buffer> {
    output(unary_plan(dev, kind, x), dev)
}
/// `y = f(x)` elementwise for a unary `kind` with the parameters in `params`.
pub fn unary_with(dev: &Device, kind: UnaryKind, x: &Buffer, params: &OpParams) -> Result<Buffer> {
    output(unary_plan_with(dev, kind, x, params), dev)
}
/// `y = f(a, b)` elementwise for a binary `kind`.
pub fn binary(dev: &Device, kind: BinaryKind, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    output(binary_plan(dev, kind, a, b), dev)
}
/// Reduce `[.., n]` over the last axis into `[..]`.
pub fn reduce_rows(dev: &Device, kind: ReduceKind, x: &Buffer) -> Result<Buffer> {
    output(reduce_rows_plan(dev, kind, x), dev)
}

/// e^x
pub fn exp(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Exp, x)
}
/// 2^x
pub fn exp2(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Exp2, x)
}
/// e^x - 1, accurate near 0
pub fn expm1(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Expm1, x)
}
/// Natural logarithm.
pub fn log(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Log, x)
}
/// Base-2 logarithm.
pub fn log2(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Log2, x)
}
/// Base-10 logarithm.
pub fn log10(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Log10, x)
}
/// ln(1 + x), accurate near 0
pub fn log1p(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Log1p, x)
}
/// √x
pub fn sqrt(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sqrt, x)
}
/// 1/√x
pub fn rsqrt(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Rsqrt, x)
}
/// ∛x (negative for negative x)
pub fn cbrt(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Cbrt, x)
}
/// |x|
pub fn abs(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Abs, x)
}
/// -x
pub fn neg(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Neg, x)
}
/// The sign: 1, -1, or x itself for ±0 and NaN.
pub fn sign(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sign, x)
}
/// The least integer ≥ x.
pub fn ceil(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Ceil, x)
}
/// The greatest integer ≤ x.
pub fn floor(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Floor, x)
}
/// x rounded to the nearest integer, halves to even (`torch.round`).
pub fn round(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Round, x)
}
/// x rounded toward zero.
pub fn trunc(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Trunc, x)
}
/// 1/x
pub fn recip(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Recip, x)
}
/// x²
pub fn square(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Square, x)
}
/// sin x
pub fn sin(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sin, x)
}
/// cos x
pub fn cos(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Cos, x)
}
/// tan x
pub fn tan(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Tan, x)
}
/// arcsin x
pub fn asin(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Asin, x)
}
/// arccos x
pub fn acos(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Acos, x)
}
/// arctan x
pub fn atan(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Atan, x)
}
/// sinh x
pub fn sinh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sinh, x)
}
/// cosh x
pub fn cosh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Cosh, x)
}
/// tanh x
pub fn tanh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Tanh, x)
}
/// arsinh x
pub fn asinh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Asinh, x)
}
/// arcosh x
pub fn acosh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Acosh, x)
}
/// artanh x
pub fn atanh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Atanh, x)
}
/// erf x
pub fn erf(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Erf, x)
}
/// The inverse error function.
pub fn erfinv(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Erfinv, x)
}
/// 1 / (1 + e^-x)
pub fn sigmoid(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sigmoid, x)
}
/// ln sigmoid(x)
pub fn logsigmoid(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Logsigmoid, x)
}
/// x · sigmoid(x)
pub fn silu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Silu, x)
}
/// ½x(1 + erf(x/√2))
pub fn gelu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Gelu, x)
}
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
pub fn gelu_tanh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::GeluTanh, x)
}
/// max(x, 0), NaN for NaN.
pub fn relu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Relu, x)
}
/// x for x ≥ 0, `negative_slope`·x below (torch's default slope is 0.01).
pub fn leaky_relu(dev: &Device, x: &Buffer, negative_slope: f32) -> Result<Buffer> {
    unary_with(dev, UnaryKind::LeakyRelu, x, &OpParams { negative_slope, ..OpParams::default() })
}
/// x for x > 0, `alpha`·(e^x - 1) below (torch's default alpha is 1).
pub fn elu(dev: &Device, x: &Buffer, alpha: f32) -> Result<Buffer> {
    unary_with(dev, UnaryKind::Elu, x, &OpParams { alpha, ..OpParams::default() })
}
/// The self-normalizing ELU: scale·elu(x, alpha) with alpha ≈ 1.6733, scale ≈ 1.0507.
pub fn selu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Selu, x)
}
/// ln(1 + e^x), and x above 20 (torch's threshold).
pub fn softplus(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Softplus, x)
}
/// x / (1 + |x|)
pub fn softsign(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Softsign, x)
}
/// x · tanh(softplus(x))
pub fn mish(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Mish, x)
}
/// min(max(x + 3, 0), 6) / 6
pub fn hardsigmoid(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Hardsigmoid, x)
}
/// x · hardsigmoid(x)
pub fn hardswish(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Hardswish, x)
}
/// x clamped to [`min_val`, `max_val`] (torch's defaults are -1 and 1), NaN for NaN.
pub fn hardtanh(dev: &Device, x: &Buffer, min_val: f32, max_val: f32) -> Result<Buffer> {
    unary_with(dev, UnaryKind::Hardtanh, x, &OpParams { min_val, max_val, ..OpParams::default() })
}
/// Whether x is NaN, as bool.
pub fn isnan(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Isnan, x)
}
/// Whether x is +∞ or -∞, as bool.
pub fn isinf(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Isinf, x)
}
/// Whether x is finite, as bool.
pub fn isfinite(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Isfinite, x)
}

/// a + b
pub fn add(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Add, a, b)
}
/// a - b
pub fn sub(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Sub, a, b)
}
/// a · b
pub fn mul(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Mul, a, b)
}
/// a / b
pub fn div(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Div, a, b)
}
/// Elementwise maximum, NaN if either is NaN.
pub fn maximum(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Max, a, b)
}
/// Elementwise minimum, NaN if either is NaN.
pub fn minimum(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Min, a, b)
}
/// a^b
pub fn pow(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Pow, a, b)
}
pub use crate::broadcast::{
    atan2, binary_scalar, binary_scalar_plan, broadcast_shape, eq, fmod, ge, gt, le, logaddexp, logical_and,
    logical_or, logical_xor, lt, ne, remainder, scalar_binary,
};

/// Σ over the last axis: `[.., n]` → `[..]`.
pub fn sum_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Sum, x)
}
/// Maximum over the last axis (NaN if the row has a NaN).
pub fn max_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Max, x)
}
/// Minimum over the last axis (NaN if the row has a NaN).
pub fn min_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Min, x)
}
/// Softmax over the last axis.
pub fn softmax(dev: &Device, x: &Buffer) -> Result<Buffer> {
    output(softmax_plan(dev, x), dev)
}

/// `y = log softmax(x)` over the last axis.
pub fn log_softmax(dev: &Device, x: &Buffer) -> Result<Buffer> {
    output(log_softmax_plan(dev, x), dev)
}
/// RMS norm over the last axis.
pub fn rms_norm(dev: &Device, x: &Buffer, w: &Buffer, eps: f32) -> Result<Buffer> {
    output(rms_norm_plan(dev, x, w, eps), dev)
}
/// Layer norm over the last axis.
pub fn layer_norm(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, eps: f32) -> Result<Buffer> {
    output(layer_norm_plan(dev, x, w, b, eps), dev)
}
