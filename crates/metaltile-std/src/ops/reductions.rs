//! The reductions over the last axis beyond the plain folds: their parameters, the plans of
//! variance and standard deviation, every kernel instance a reduction may launch, and the
//! named entry points. The fold plans are `reduce_rows_plan` / `reduce_rows_plan_with`.

use super::{
    check_float, check_tpr, launch, reduce_rows, reduce_rows_plan_with, reduce_strategy, reduce_tpr, rows_geometry,
    rows_of, split_chunks, split_geometry, OpParams, ReduceKind, ReduceStrategy, ROW_GROUP,
};
use crate::kernels::{arg, columns, moments, norm, reduce};
use crate::plan::Plan;
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The scalar parameters of the reductions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceParams {
    /// Bessel's correction of var and std: the divisor is `max(0, n - correction)`; torch's
    /// default 1 gives the unbiased estimate, 0 the population variance.
    pub correction: f32,
    /// The axis reduced, negative counting from the end (default -1, the last); an integer.
    pub axis: f32,
}

impl Default for ReduceParams {
    fn default() -> Self {
        ReduceParams { correction: 1.0, axis: -1.0 }
    }
}

impl ReduceParams {
    /// The names [`ReduceParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["correction", "axis"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "correction" => Some(&mut self.correction),
            "axis" => Some(&mut self.axis),
            _ => None,
        }
    }
}

impl ReduceKind {
    /// Names of its scalar parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            ReduceKind::Var | ReduceKind::Std => ReduceParams::NAMES,
            _ => &["axis"],
        }
    }

    /// True for var and std, which keep (mean, M2) rather than fold one value.
    pub fn is_moment(self) -> bool {
        matches!(self, ReduceKind::Var | ReduceKind::Std)
    }

    /// True for argmax and argmin, which give an index.
    pub fn is_arg(self) -> bool {
        matches!(self, ReduceKind::ArgMax | ReduceKind::ArgMin)
    }

    /// Its output's dtype for an input of `dtype`: i64 for the indices of argmax and argmin
    /// (as torch).
    pub fn output_dtype(self, dtype: DType) -> DType {
        if self.is_arg() {
            DType::I64
        } else {
            dtype
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let with = |def: KernelDef, name: &str, v: u32| (def, ConstArgs::new().with(name, ConstArg::Int(v as i128)));
        if self.is_arg() {
            let largest = u32::from(self == ReduceKind::ArgMax);
            return vec![
                (self.def(), ConstArgs::new()),
                with(arg::arg_rows_partials::DEF, "largest", largest),
                with(arg::arg_rows_finish::DEF, "largest", largest),
            ];
        }
        if self.is_moment() {
            let root = u32::from(self == ReduceKind::Std);
            return vec![
                (self.def(), ConstArgs::new()),
                (norm::layer_norm_stats::DEF, ConstArgs::new()),
                with(moments::moments_rows_finish::DEF, "root", root),
            ];
        }
        vec![
            (self.def(), ConstArgs::new()),
            with(reduce::reduce_rows_partials::DEF, "op", self.split_op()),
            with(reduce::reduce_rows_finish::DEF, "op", self.split_op()),
            with(columns::reduce_cols::DEF, "op", self.split_op()),
        ]
    }
}

/// `x`'s shape seen as `[outer, n, inner]` around axis `axis` (negative: from the end).
pub fn axis_view(op: &str, shape: &[usize], axis: f32) -> Result<[usize; 3]> {
    let at = resolve_axis(op, shape, axis)?;
    Ok([shape[..at].iter().product(), shape[at], shape[at + 1..].iter().product()])
}

/// `shape` without axis `axis`: the shape of a reduction along it.
pub fn reduced_shape(op: &str, shape: &[usize], axis: f32) -> Result<Vec<usize>> {
    let at = resolve_axis(op, shape, axis)?;
    Ok(shape.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, d)| *d).collect())
}

/// The index of axis `axis` (an integer, negative counting from the end) of `shape`.
fn resolve_axis(op: &str, shape: &[usize], axis: f32) -> Result<usize> {
    let rank = shape.len() as i64;
    let bad = |reason: String| RuntimeError::BadParameter { op: op.into(), name: "axis".into(), reason };
    if axis.fract() != 0.0 || !axis.is_finite() {
        return Err(bad(format!("must be an integer, got {axis}")));
    }
    let a = axis as i64;
    let at = if a < 0 { a + rank } else { a };
    if !(0..rank).contains(&at) {
        return Err(bad(format!("{a} is out of range for a tensor of rank {rank} (shape {shape:?})")));
    }
    Ok(at as usize)
}

/// Plan reduction `kind` of `x` along `params.reduce.axis` (default the last) with the
/// correction of var and std, and the strategy given (`None`: [`reduce_strategy`]'s). An axis
/// with only size-1 axes after it takes the row plans; another takes one thread per output,
/// reading coalesced across the inner axes (the folds only: var, std, argmax and argmin
/// reduce the last axis).
pub fn reduce_rows_plan_params(
    dev: &Device,
    kind: ReduceKind,
    x: &Buffer,
    params: &OpParams,
    strategy: Option<ReduceStrategy>,
) -> Result<Plan> {
    let op = kind.name();
    if params.reduce.axis != -1.0 {
        let [outer, n, inner] = axis_view(op, x.shape(), params.reduce.axis)?;
        let out_shape = reduced_shape(op, x.shape(), params.reduce.axis)?;
        let last = ReduceParams { axis: -1.0, ..params.reduce };
        let as_last = OpParams { reduce: last, ..*params };
        if inner == 1 {
            let plan = reduce_rows_plan_params(dev, kind, &x.reshape(&[outer, n])?, &as_last, strategy)?;
            return plan.with_output_shape(&out_shape);
        }
        return cols_plan(dev, kind, x, [outer, n, inner], &out_shape, strategy);
    }
    if kind.is_moment() {
        moments_plan(dev, kind, x, params.reduce.correction, strategy)
    } else {
        reduce_rows_plan_with(dev, kind, x, strategy)
    }
}

/// The plan of a fold along an inner axis of `x` seen as `[outer, n, inner]`: one thread per
/// output.
fn cols_plan(
    dev: &Device,
    kind: ReduceKind,
    x: &Buffer,
    view: [usize; 3],
    out_shape: &[usize],
    strategy: Option<ReduceStrategy>,
) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    let bad = |name: &str, reason: String| RuntimeError::BadParameter { op: op.into(), name: name.into(), reason };
    if kind.is_moment() || kind.is_arg() {
        return Err(bad("axis", format!("`{op}` reduces the last axis only (or one followed by axes of size 1)")));
    }
    if let Some(s) = strategy {
        return Err(bad("strategy", format!("`{s:?}` is a plan of the last axis; an inner axis has one plan")));
    }
    let [outer, n, inner] = view;
    let fit = |v: usize| u32::try_from(v).ok().filter(|_| x.len() <= u32::MAX as usize);
    let (Some(outer), Some(n), Some(inner)) = (fit(outer), fit(n), fit(inner)) else {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` indexes with u32, so a tensor may hold at most {} elements", u32::MAX),
        });
    };
    if n == 0 && !kind.defined_on_empty() && outer * inner > 0 {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` over an axis of no elements is undefined"),
        });
    }
    let y = dev.alloc(x.dtype(), out_shape)?;
    if outer * inner == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let code = ConstArgs::new().with("op", ConstArg::Int(kind.split_op() as i128));
    let args = vec![x.into(), (&y).into(), outer.into(), n.into(), inner.into()];
    let geometry = Geometry::cover(u64::from(outer * inner), ROW_GROUP);
    let l = launch(dev, columns::reduce_cols::DEF, x.dtype(), code, geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// The plan of var or std: one launch of `tpr` threads per row, or for few long rows each
/// chunk's (mean, M2) and then one threadgroup per row merging them.
pub(super) fn moments_plan(
    dev: &Device,
    kind: ReduceKind,
    x: &Buffer,
    correction: f32,
    strategy: Option<ReduceStrategy>,
) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    if !(correction.is_finite() && correction >= 0.0) {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "correction".into(),
            reason: format!("must be finite and non-negative, got {correction}"),
        });
    }
    let (rows, n) = rows_of(op, x)?;
    let y = dev.alloc(x.dtype(), &x.shape()[..x.shape().len() - 1])?;
    if rows == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let dtype = x.dtype();
    match strategy.unwrap_or_else(|| reduce_strategy(rows, n)) {
        ReduceStrategy::Rows { tpr } => {
            check_tpr(op, tpr)?;
            let args = vec![x.into(), (&y).into(), rows.into(), n.into(), tpr.into(), correction.into()];
            let l = launch(dev, kind.def(), dtype, ConstArgs::new(), rows_geometry(rows, tpr), args)?;
            Ok(Plan::new(vec![l], vec![], ("y", y)))
        }
        ReduceStrategy::Split { chunks } => {
            let (chunks, chunk_len) = split_chunks(op, rows, n, chunks)?;
            let part = dev.alloc(DType::F32, &[rows as usize * chunks as usize * 2])?;
            let stats = launch(
                dev,
                norm::layer_norm_stats::DEF,
                dtype,
                ConstArgs::new(),
                split_geometry(rows, chunks),
                vec![x.into(), (&part).into(), n.into(), chunk_len.into()],
            )?;
            let root = ConstArgs::new().with("root", ConstArg::Int(i128::from(kind == ReduceKind::Std)));
            let finish = launch(
                dev,
                moments::moments_rows_finish::DEF,
                dtype,
                root,
                Geometry::linear(rows, reduce_tpr(chunks).clamp(32, ROW_GROUP)),
                vec![(&part).into(), (&y).into(), chunks.into(), n.into(), chunk_len.into(), correction.into()],
            )?;
            Ok(Plan::new(vec![stats, finish], vec![part], ("y", y)))
        }
    }
}

/// The plan of argmax or argmin: one launch of `tpr` threads per row, or for few long rows
/// each chunk's candidate (value bits and index, two u32) and then a fold of each row's.
pub(super) fn arg_plan(dev: &Device, kind: ReduceKind, x: &Buffer, strategy: Option<ReduceStrategy>) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    let (rows, n) = rows_of(op, x)?;
    if n == 0 && rows > 0 {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` of an empty row is undefined"),
        });
    }
    let y = dev.alloc(DType::I64, &x.shape()[..x.shape().len() - 1])?;
    if rows == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let dtype = x.dtype();
    let largest = ConstArgs::new().with("largest", ConstArg::Int(i128::from(kind == ReduceKind::ArgMax)));
    match strategy.unwrap_or_else(|| reduce_strategy(rows, n)) {
        ReduceStrategy::Rows { tpr } => {
            check_tpr(op, tpr)?;
            let args = vec![x.into(), (&y).into(), rows.into(), n.into(), tpr.into()];
            let l = launch(dev, kind.def(), dtype, ConstArgs::new(), rows_geometry(rows, tpr), args)?;
            Ok(Plan::new(vec![l], vec![], ("y", y)))
        }
        ReduceStrategy::Split { chunks } => {
            let (chunks, chunk_len) = split_chunks(op, rows, n, chunks)?;
            let part_v = dev.alloc(DType::U32, &[rows as usize * chunks as usize])?;
            let part_i = dev.alloc(DType::U32, &[rows as usize * chunks as usize])?;
            let partials = launch(
                dev,
                arg::arg_rows_partials::DEF,
                dtype,
                largest.clone(),
                split_geometry(rows, chunks),
                vec![x.into(), (&part_v).into(), (&part_i).into(), n.into(), chunk_len.into()],
            )?;
            let tpr = reduce_tpr(chunks);
            let finish = launch(
                dev,
                arg::arg_rows_finish::DEF,
                dtype,
                largest,
                rows_geometry(rows, tpr),
                vec![(&part_v).into(), (&part_i).into(), (&y).into(), rows.into(), chunks.into(), tpr.into()],
            )?;
            Ok(Plan::new(vec![partials, finish], vec![part_v, part_i], ("y", y)))
        }
    }
}

/// Plan reduction `kind` of every element of `x` into one value (shape `[]`): `x` seen as
/// one row, which [`reduce_strategy`] splits over up to `SPLIT_MAX_CHUNKS` threadgroups
/// (2^28 elements: 1024 chunks of 2^18, then one small threadgroup folds the 1024 partials).
pub fn reduce_all_plan(dev: &Device, kind: ReduceKind, x: &Buffer, params: &OpParams) -> Result<Plan> {
    let flat = x.reshape(&[x.len()])?;
    let whole = OpParams { reduce: ReduceParams { axis: -1.0, ..params.reduce }, ..*params };
    reduce_rows_plan_params(dev, kind, &flat, &whole, None)
}

/// Reduction `kind` of every element of `x` into one value (shape `[]`), with the
/// parameters in `params`; the Frobenius norm of a matrix is [`ReduceKind::L2Norm`]'s.
pub fn reduce_all(dev: &Device, kind: ReduceKind, x: &Buffer, params: &OpParams) -> Result<Buffer> {
    let plan = reduce_all_plan(dev, kind, x, params)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// Mean over the last axis: `[.., n]` → `[..]` (NaN for rows of no elements, as torch).
pub fn mean_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Mean, x)
}
/// Product over the last axis (1 for rows of no elements).
pub fn prod_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Prod, x)
}
/// Σ |x| over the last axis (`torch.linalg.vector_norm(x, 1, dim=-1)`).
pub fn l1_norm_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::L1Norm, x)
}
/// √Σ x² over the last axis (`torch.linalg.vector_norm(x, 2, dim=-1)`); the Frobenius norm
/// of a matrix is this over its elements viewed as one row.
pub fn l2_norm_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::L2Norm, x)
}
/// ln Σ e^x over the last axis, shifted by the row's max (`-∞` for rows of no elements).
pub fn logsumexp_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::LogSumExp, x)
}
/// The index (i64) of the largest element over the last axis: the first on ties, the first
/// NaN if the row has one (as torch).
pub fn argmax_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::ArgMax, x)
}
/// The index (i64) of the smallest element over the last axis: the first on ties, the first
/// NaN if the row has one.
pub fn argmin_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::ArgMin, x)
}
/// Variance over the last axis, `Σ (x - mean)² / max(0, n - correction)` (torch's default
/// correction is 1).
pub fn var_rows(dev: &Device, x: &Buffer, correction: f32) -> Result<Buffer> {
    let plan = moments_plan(dev, ReduceKind::Var, x, correction, None)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}
/// Standard deviation over the last axis: the square root of [`var_rows`].
pub fn std_rows(dev: &Device, x: &Buffer, correction: f32) -> Result<Buffer> {
    let plan = moments_plan(dev, ReduceKind::Std, x, correction, None)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}
