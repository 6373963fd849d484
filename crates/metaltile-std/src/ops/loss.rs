//! Host plans of the losses ([`crate::kernels::loss`]), torch's semantics:
//!
//! - `cross_entropy(x [rows, n], target [rows])`: `lse(x[r]) - x[r, target[r]]` per row,
//!   targets i32 or i64; a row whose target is `ignore_index` (default -100) adds nothing and
//!   is not counted; reduction `none` (the per-row losses, 0 for ignored rows), `mean` (over
//!   the rows not ignored: NaN when every row is, as torch) or `sum`. A target outside
//!   `[0, n)` is an error naming it in checked mode (`checked = 1`, the default); unchecked its
//!   row's loss is NaN. No class weights, no label smoothing yet.
//! - `mse_loss(input, target)`: `(input - target)²`, reductions `none`, `mean`, `sum`.
//! - `kl_div(input, target)`: `input` holds log-probabilities; `xlogy(target, target) -
//!   target · input` (`target · ln target` is 0 where `target = 0`), or `e^target · (target - input)` with `log_target`; reductions
//!   `none`, `batchmean` (Σ / the first axis's size), `sum`, `mean` (Σ / every element; torch's
//!   default, which it warns about).
//!
//! The reduced losses are 0-dimensional tensors (shape `[]`) of the input's dtype, from f32 sums.

use super::index::{guard, guarded};
use super::{check_float, check_same, check_tpr, index_count, launch, reduce_tpr, rows_geometry, OpParams};
use crate::kernels::loss as k;
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The losses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossKind {
    /// Log-softmax and negative log-likelihood fused, per row of logits.
    CrossEntropy,
    /// Mean squared error.
    Mse,
    /// Kullback-Leibler divergence of log-probabilities from a target.
    KlDiv,
}

/// How a loss is reduced, as the `reduction` parameter codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// 0: one loss per row (cross-entropy) or element.
    None,
    /// 1: Σ / count (cross-entropy: the rows not ignored; otherwise every element).
    Mean,
    /// 2: Σ.
    Sum,
    /// 3 (kl_div): Σ / the size of the first axis.
    BatchMean,
}

/// The parameters of the losses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossParams {
    /// 0 none, 1 mean (the default), 2 sum, 3 batchmean (kl_div only).
    pub reduction: f32,
    /// cross_entropy: the target value that marks a row to leave out (default -100).
    pub ignore_index: f32,
    /// kl_div: 1 when `target` holds log-probabilities.
    pub log_target: f32,
}

impl Default for LossParams {
    fn default() -> Self {
        LossParams { reduction: 1.0, ignore_index: -100.0, log_target: 0.0 }
    }
}

impl LossParams {
    /// The names [`LossParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["reduction", "ignore_index", "log_target"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "reduction" => Some(&mut self.reduction),
            "ignore_index" => Some(&mut self.ignore_index),
            "log_target" => Some(&mut self.log_target),
            _ => None,
        }
    }

    /// The reduction, if `reduction` codes one `kind` takes.
    pub fn reduction_of(&self, kind: LossKind) -> std::result::Result<Reduction, String> {
        let r = match self.reduction {
            0.0 => Reduction::None,
            1.0 => Reduction::Mean,
            2.0 => Reduction::Sum,
            v if v == 3.0 && kind == LossKind::KlDiv => Reduction::BatchMean,
            v => {
                let takes = if kind == LossKind::KlDiv { ", 3 batchmean" } else { "" };
                return Err(format!("must be 0 none, 1 mean, 2 sum{takes}; got {v}"));
            }
        };
        Ok(r)
    }
}

impl LossKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [LossKind] = &[LossKind::CrossEntropy, LossKind::Mse, LossKind::KlDiv];

    /// The kernel that computes it (the first launch of its plans; reduced, the pointwise
    /// losses launch [`k::pointwise_partials`] instead).
    pub fn def(self) -> KernelDef {
        match self {
            LossKind::CrossEntropy => k::cross_entropy::DEF,
            LossKind::Mse => k::mse_loss::DEF,
            LossKind::KlDiv => k::kl_div::DEF,
        }
    }

    /// The op's (and its kernel's) name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Names of its inputs.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            LossKind::CrossEntropy => &["x", "target"],
            _ => &["input", "target"],
        }
    }

    /// Names of its parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            LossKind::CrossEntropy => &["reduction", "ignore_index", "checked"],
            LossKind::Mse => &["reduction"],
            LossKind::KlDiv => &["reduction", "log_target"],
        }
    }

    /// The dtype of input `index` when the op computes in `dtype`: cross-entropy's targets are
    /// i32 (i64 when `wide`).
    pub fn input_dtype(self, index: usize, dtype: DType, wide: bool) -> DType {
        match (self, index) {
            (LossKind::CrossEntropy, 1) if wide => DType::I64,
            (LossKind::CrossEntropy, 1) => DType::I32,
            _ => dtype,
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            LossKind::CrossEntropy => {
                "y = reduce_r (lse(x[r]) - x[r, target[r]]) over rows whose target ≠ ignore_index (mean by default)"
            }
            LossKind::Mse => "y = reduce_i (input[i] - target[i])² (mean by default)",
            LossKind::KlDiv => {
                "y = reduce_i target·(ln target - input), e^t·(t - input) with log_target (mean by default)"
            }
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let finish =
            |weighted: bool| (k::loss_finish::DEF, ConstArgs::new().with("weighted", ConstArg::Bool(weighted)));
        let op = |def: KernelDef, v: u32| (def, ConstArgs::new().with("op", ConstArg::Int(v as i128)));
        match self {
            LossKind::CrossEntropy => vec![
                (k::cross_entropy::DEF, ConstArgs::new()),
                (k::cross_entropy::DEF, ConstArgs::new().with("wide", ConstArg::Bool(true))),
                (k::loss_rows_out::DEF, ConstArgs::new()),
                finish(true),
                finish(false),
                (crate::kernels::index::clear_flag::DEF, ConstArgs::new()),
            ],
            LossKind::Mse => {
                vec![(k::mse_loss::DEF, ConstArgs::new()), op(k::pointwise_partials::DEF, k::MSE), finish(false)]
            }
            LossKind::KlDiv => vec![
                (k::kl_div::DEF, ConstArgs::new()),
                (k::kl_div::DEF, ConstArgs::new().with("log_target", ConstArg::Bool(true))),
                op(k::pointwise_partials::DEF, k::KL),
                op(k::pointwise_partials::DEF, k::KL_LOG_TARGET),
                finish(false),
            ],
        }
    }
}

/// Plan loss `kind` on `inputs` (in [`LossKind::inputs`] order) under `params`.
pub fn loss_plan(dev: &Device, kind: LossKind, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
    let bad =
        |name: &str, reason: String| RuntimeError::BadParameter { op: kind.name().into(), name: name.into(), reason };
    let p = &params.loss;
    let reduction = p.reduction_of(kind).map_err(|r| bad("reduction", r))?;
    let (a, b) = (inputs[0], inputs[1]);
    match kind {
        LossKind::CrossEntropy => {
            let ignore = p.ignore_index;
            if ignore.fract() != 0.0 || !ignore.is_finite() {
                return Err(bad("ignore_index", format!("must be an integer, got {ignore}")));
            }
            cross_entropy_plan(dev, a, b, reduction, ignore as i64, params.index.is_checked())
        }
        LossKind::Mse => pointwise_plan(dev, kind, k::MSE, a, b, reduction),
        LossKind::KlDiv => {
            let op = match p.log_target {
                0.0 => k::KL,
                1.0 => k::KL_LOG_TARGET,
                v => return Err(bad("log_target", format!("must be 0 or 1, got {v}"))),
            };
            pointwise_plan(dev, kind, op, a, b, reduction)
        }
    }
}

/// The launch of [`k::loss_finish`] over `count` pairs of `part` into `y`.
fn finish(
    dev: &Device,
    part: &Buffer,
    y: &Buffer,
    count: u32,
    divisor: f32,
    weighted: bool,
) -> Result<crate::plan::Launch> {
    let consts = ConstArgs::new().with("weighted", ConstArg::Bool(weighted));
    let args = vec![part.into(), y.into(), count.into(), divisor.into()];
    launch(dev, k::loss_finish::DEF, y.dtype(), consts, Geometry::linear(1, k::FINISH_GROUP), args)
}

/// Plan cross-entropy of logits `x` (`[rows, n]`) against `target` (`[rows]`, i32 or i64).
pub fn cross_entropy_plan(
    dev: &Device,
    x: &Buffer,
    target: &Buffer,
    reduction: Reduction,
    ignore_index: i64,
    checked: bool,
) -> Result<Plan> {
    let op = "cross_entropy";
    check_float(op, "x", x)?;
    let wide = match target.dtype() {
        DType::I32 => false,
        DType::I64 => true,
        other => {
            return Err(RuntimeError::UnsupportedDType {
                what: format!("`{op}`, input `target`"),
                dtype: other,
                supported: "i32, i64".into(),
            })
        }
    };
    let [rows, n] = match x.shape() {
        [r, n] => [*r, *n],
        s => {
            return Err(RuntimeError::InvalidShape {
                shape: s.to_vec(),
                reason: format!("`{op}` takes logits of shape [rows, classes], got rank {}", s.len()),
            })
        }
    };
    if target.shape() != [rows] {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `target`"),
            expected: vec![rows],
            found: target.shape().to_vec(),
        });
    }
    index_count(op, x)?;
    if n == 0 && rows > 0 {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` needs at least one class"),
        });
    }
    let (rows, n) = (rows as u32, n as u32);
    let dtype = x.dtype();
    let out_shape = if reduction == Reduction::None { vec![rows as usize] } else { vec![] };
    let y = dev.alloc(dtype, &out_shape)?;
    let part = dev.alloc(DType::F32, &[2 * rows.max(1) as usize])?;
    let (flag, g) = guard(dev, op, "target", "the classes of `x`".into())?;
    let words = if wide { target.bitcast(DType::I32)? } else { target.clone() };
    let mut launches = Vec::new();
    if rows > 0 {
        let tpr = reduce_tpr(n);
        check_tpr(op, tpr)?;
        let ignore = [ignore_index as i32, (ignore_index >> 32) as i32];
        let args: Vec<PlanArg> = vec![
            x.into(),
            (&words).into(),
            (&part).into(),
            (&flag).into(),
            rows.into(),
            n.into(),
            tpr.into(),
            PlanArg::Scalar(metaltile_ir::Constant::from_i128(DType::I32, ignore[0] as i128)),
            PlanArg::Scalar(metaltile_ir::Constant::from_i128(DType::I32, ignore[1] as i128)),
        ];
        let consts = ConstArgs::new().with("wide", ConstArg::Bool(wide));
        launches.push(launch(dev, k::cross_entropy::DEF, dtype, consts, rows_geometry(rows, tpr), args)?);
    }
    match reduction {
        Reduction::None if rows > 0 => {
            let args = vec![(&part).into(), (&y).into(), rows.into()];
            let geometry = Geometry::cover(rows as u64, 256);
            launches.push(launch(dev, k::loss_rows_out::DEF, dtype, ConstArgs::new(), geometry, args)?);
        }
        Reduction::None => {}
        r => launches.push(finish(dev, &part, &y, rows, 1.0, r == Reduction::Mean)?),
    }
    let bytes = (x.size_bytes() + target.size_bytes() + y.size_bytes()) as u64;
    let plan = Plan::new(launches, vec![part], ("y", y)).with_bytes_moved(bytes);
    Ok(guarded(plan, g, checked))
}

/// Plan a pointwise loss (`op` of [`k::pointwise_partials`]) of `a` against `b` (same dtype
/// and shape).
fn pointwise_plan(dev: &Device, kind: LossKind, op: u32, a: &Buffer, b: &Buffer, reduction: Reduction) -> Result<Plan> {
    let name = kind.name();
    check_float(name, "input", a)?;
    check_same(name, "target", a, b, a.shape())?;
    let n = index_count(name, a)?;
    let dtype = a.dtype();
    let consts = ConstArgs::new().with("op", ConstArg::Int(op as i128));
    let none_consts = match kind {
        LossKind::KlDiv => ConstArgs::new().with("log_target", ConstArg::Bool(op == k::KL_LOG_TARGET)),
        _ => ConstArgs::new(),
    };
    let geometry = Geometry::cover(crate::kernels::elementwise::threads(n) as u64, super::ELEMENTWISE_GROUP);
    if reduction == Reduction::None {
        let y = dev.alloc(dtype, a.shape())?;
        if n == 0 {
            return Ok(Plan::empty(("y", y)));
        }
        let args = vec![a.into(), b.into(), (&y).into(), n.into()];
        let l = launch(dev, kind.def(), dtype, none_consts, geometry, args)?;
        return Ok(Plan::new(vec![l], vec![], ("y", y)));
    }
    let divisor = match reduction {
        Reduction::Mean => n as f32,
        Reduction::BatchMean => a.shape().first().copied().unwrap_or(1) as f32,
        _ => 1.0,
    };
    let y = dev.alloc(dtype, &[])?;
    let groups = geometry.groups[0].max(1);
    let part = dev.alloc(DType::F32, &[2 * groups as usize])?;
    let mut launches = Vec::new();
    if n > 0 {
        let args = vec![a.into(), b.into(), (&part).into(), n.into()];
        launches.push(launch(dev, k::pointwise_partials::DEF, dtype, consts, geometry, args)?);
    }
    // Nothing to sum: the partial count is 0 and the sum 0 (its mean 0 / 0 = NaN, as torch).
    let count = if n > 0 { groups } else { 0 };
    launches.push(finish(dev, &part, &y, count, divisor, false)?);
    let bytes = (a.size_bytes() + b.size_bytes() + y.size_bytes()) as u64;
    Ok(Plan::new(launches, vec![part], ("y", y)).with_bytes_moved(bytes))
}

/// The bench shapes of `kind`: Llama-3's vocabulary and a 32000 one; an MLP activation batch.
pub fn loss_bench_shapes(kind: LossKind, size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match (size, kind) {
        (crate::bench::BenchSize::Quick, _) => vec![vec![8, 1024]],
        (crate::bench::BenchSize::Full, LossKind::CrossEntropy) => vec![vec![4096, 128_256], vec![8192, 32_000]],
        (crate::bench::BenchSize::Full, _) => vec![vec![4096, 14_336]],
    }
}
