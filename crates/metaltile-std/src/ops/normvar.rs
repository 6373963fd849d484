//! Host plans of the normalization variants ([`crate::kernels::normvar`],
//! [`crate::kernels::channel_norm`]): the fused residual add + rms_norm, the gated rms_norm,
//! group_norm and inference batch_norm, and layer_norm with its weight and bias optional
//! (host functions on layer_norm's own plan). The row variants take the norms' strategies
//! ([`super::norm_strategy`]: registers, looped, split); group_norm is always two passes over
//! a `(chunks, rows)` grid, batch_norm one elementwise pass.

use super::{
    check_eps, check_float, check_same, check_tpr, index_count, launch, norm_strategy, rows_geometry, rows_of,
    split_chunks, split_geometry, OpParams, RowStrategy, PER_THREAD_CHOICES, ROW_GROUP, SPLIT_MAX_CHUNKS,
    SPLIT_MAX_ROWS, SPLIT_MIN_CHUNK, SPLIT_TARGET_GROUPS,
};
use crate::kernels::channel_norm::{self, BATCH_NORM_ACCESSES};
use crate::kernels::{norm, normvar};
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The normalization variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NormKind {
    /// `h = x + res` (the new residual stream, stored in `T`) and `y = rms_norm(h) · w`.
    AddRmsNorm,
    /// `y = rms_norm(x) · w · silu(z)`: the norm before the gate.
    RmsNormGated,
    /// group_norm over `[N, C, *spatial]`, `groups` groups of channels.
    GroupNorm,
    /// batch_norm for inference over `[N, C, *spatial]` with running statistics.
    BatchNorm,
}

impl NormKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [NormKind] =
        &[NormKind::AddRmsNorm, NormKind::RmsNormGated, NormKind::GroupNorm, NormKind::BatchNorm];

    /// The kernel that computes it (the first of its plans).
    pub fn def(self) -> KernelDef {
        match self {
            NormKind::AddRmsNorm => normvar::add_rms_norm::DEF,
            NormKind::RmsNormGated => normvar::rms_norm_gated::DEF,
            NormKind::GroupNorm => channel_norm::group_norm::DEF,
            NormKind::BatchNorm => channel_norm::batch_norm::DEF,
        }
    }

    /// The op's (and its kernel's) name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            NormKind::AddRmsNorm => &["x", "res", "w"],
            NormKind::RmsNormGated => &["x", "z", "w"],
            NormKind::GroupNorm => &["x", "w", "b"],
            NormKind::BatchNorm => &["x", "mean", "var", "w", "b"],
        }
    }

    /// Names of its scalar parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            NormKind::GroupNorm => &["groups", "eps"],
            _ => &["eps"],
        }
    }

    /// Names of its outputs: add_rms_norm returns the new residual `h` before `y`.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            NormKind::AddRmsNorm => &["h", "y"],
            _ => &["y"],
        }
    }

    /// True for the kinds that take the norms' row strategies.
    pub fn is_row(self) -> bool {
        matches!(self, NormKind::AddRmsNorm | NormKind::RmsNormGated)
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            NormKind::AddRmsNorm => "h = x + res (stored in T), y[r, i] = h[r, i] / √(mean_j h[r, j]² + eps) · w[i]",
            NormKind::RmsNormGated => "y[r, i] = x[r, i] / √(mean_j x[r, j]² + eps) · w[i] · silu(z[r, i])",
            NormKind::GroupNorm => {
                "x: [N, C, *spatial]; per sample and group of C/groups channels, (x - mean) / √(var + eps) · w[c] + b[c]"
            }
            NormKind::BatchNorm => "x: [N, C, *spatial]; y = (x - mean[c]) / √(var[c] + eps) · w[c] + b[c]",
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let plain = |def: KernelDef| (def, ConstArgs::new());
        let registers = |def: KernelDef| -> Vec<(KernelDef, ConstArgs)> {
            PER_THREAD_CHOICES
                .iter()
                .map(|p| (def, ConstArgs::new().with("per_thread", ConstArg::Int(*p as i128))))
                .collect()
        };
        match self {
            NormKind::AddRmsNorm => {
                let mut v = registers(normvar::add_rms_norm::DEF);
                v.extend([
                    plain(normvar::add_rms_norm_looped::DEF),
                    plain(normvar::add_rms_norm_stats::DEF),
                    plain(norm::rms_norm_apply::DEF),
                ]);
                v
            }
            NormKind::RmsNormGated => {
                let mut v = registers(normvar::rms_norm_gated::DEF);
                v.extend([
                    plain(normvar::rms_norm_gated_looped::DEF),
                    plain(norm::rms_norm_stats::DEF),
                    plain(normvar::rms_norm_gated_apply::DEF),
                ]);
                v
            }
            NormKind::GroupNorm => vec![plain(norm::layer_norm_stats::DEF), plain(channel_norm::group_norm::DEF)],
            NormKind::BatchNorm => vec![plain(channel_norm::batch_norm::DEF)],
        }
    }
}

/// The scalar parameters of the normalization variants besides `eps`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormParams {
    /// group_norm's number of groups, a divisor of the channels (default 32, as Stable
    /// Diffusion's VAE and UNet use; torch has no default).
    pub groups: f32,
}

impl Default for NormParams {
    fn default() -> Self {
        NormParams { groups: 32.0 }
    }
}

impl NormParams {
    /// The names [`NormParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["groups"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "groups" => Some(&mut self.groups),
            _ => None,
        }
    }
}

fn bad(op: &str, name: &str, reason: String) -> RuntimeError {
    RuntimeError::BadParameter { op: op.into(), name: name.into(), reason }
}

/// Plan `kind` on `inputs` (in [`NormKind::inputs`] order); `strategy` for the row kinds.
pub fn norm_variant_plan(
    dev: &Device,
    kind: NormKind,
    inputs: &[&Buffer],
    params: &OpParams,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let op = kind.name();
    let names = kind.inputs();
    if inputs.len() != names.len() {
        return Err(RuntimeError::ArgCount {
            kernel: op.into(),
            expected: names.len(),
            found: inputs.len(),
            params: names.join(", "),
        });
    }
    if strategy.is_some() && !kind.is_row() {
        return Err(bad(op, "strategy", "group_norm and batch_norm have one plan each: give no strategy".into()));
    }
    match kind {
        NormKind::AddRmsNorm => add_rms_norm_plan_with(dev, inputs[0], inputs[1], inputs[2], params.eps, strategy),
        NormKind::RmsNormGated => rms_norm_gated_plan_with(dev, inputs[0], inputs[1], inputs[2], params.eps, strategy),
        NormKind::GroupNorm => group_norm_plan(dev, inputs[0], inputs[1], inputs[2], params.norm.groups, params.eps),
        NormKind::BatchNorm => batch_norm_plan(dev, inputs, params.eps),
    }
}

/// Refuse a register strategy whose threads cannot hold a row.
fn check_registers(op: &str, per_thread: u32, tpr: u32, n: u32) -> Result<()> {
    check_tpr(op, tpr)?;
    if !PER_THREAD_CHOICES.contains(&per_thread) || (tpr as u64) * (per_thread as u64) < n as u64 {
        return Err(bad(
            op,
            "per_thread",
            format!(
                "must be one of {PER_THREAD_CHOICES:?} with tpr · per_thread ≥ n = {n}; got {per_thread} with tpr {tpr}"
            ),
        ));
    }
    Ok(())
}

fn per_thread_consts(per_thread: u32) -> ConstArgs {
    ConstArgs::new().with("per_thread", ConstArg::Int(per_thread as i128))
}

/// Plan the fused residual add + rms_norm over the last axis: `h = x + res` rounded to the
/// dtype (returned first: the new residual stream), `y = h / √(mean(h²) + eps) · w`, the
/// statistics from the rounded `h`, so `y` is what rms_norm of `h` gives.
pub fn add_rms_norm_plan(dev: &Device, x: &Buffer, res: &Buffer, w: &Buffer, eps: f32) -> Result<Plan> {
    add_rms_norm_plan_with(dev, x, res, w, eps, None)
}

/// [`add_rms_norm_plan`] with the strategy given (`None`: [`norm_strategy`]'s choice).
pub fn add_rms_norm_plan_with(
    dev: &Device,
    x: &Buffer,
    res: &Buffer,
    w: &Buffer,
    eps: f32,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let op = NormKind::AddRmsNorm.name();
    check_float(op, "x", x)?;
    check_eps(op, eps)?;
    let (rows, n) = rows_of(op, x)?;
    check_same(op, "res", x, res, x.shape())?;
    check_same(op, "w", x, w, &[n as usize])?;
    let dtype = x.dtype();
    let h = dev.alloc(dtype, x.shape())?;
    let y = dev.alloc(dtype, x.shape())?;
    let plan = |launches, scratch| Plan::with_outputs(launches, scratch, ("h", h.clone()), vec![("y", y.clone())]);
    if rows == 0 || n == 0 {
        return Ok(plan(vec![], vec![]));
    }
    let args = |tail: Vec<PlanArg>| {
        let mut v: Vec<PlanArg> = vec![x.into(), res.into(), w.into(), (&h).into(), (&y).into()];
        v.extend(tail);
        v
    };
    match strategy.unwrap_or_else(|| norm_strategy(dtype, rows, n)) {
        RowStrategy::Registers { per_thread, tpr } => {
            check_registers(op, per_thread, tpr, n)?;
            let a = args(vec![rows.into(), n.into(), tpr.into(), eps.into()]);
            let l = launch(
                dev,
                normvar::add_rms_norm::DEF,
                dtype,
                per_thread_consts(per_thread),
                rows_geometry(rows, tpr),
                a,
            )?;
            Ok(plan(vec![l], vec![]))
        }
        RowStrategy::Looped => {
            let a = args(vec![n.into(), eps.into()]);
            let geometry = Geometry::linear(rows, ROW_GROUP);
            let l = launch(dev, normvar::add_rms_norm_looped::DEF, dtype, ConstArgs::new(), geometry, a)?;
            Ok(plan(vec![l], vec![]))
        }
        RowStrategy::Split { chunks } => {
            let (chunks, chunk_len) = split_chunks(op, rows, n, chunks)?;
            let part = dev.alloc(DType::F32, &[rows as usize * chunks as usize])?;
            let geometry = split_geometry(rows, chunks);
            let stats_args = vec![x.into(), res.into(), (&h).into(), (&part).into(), n.into(), chunk_len.into()];
            let stats = launch(dev, normvar::add_rms_norm_stats::DEF, dtype, ConstArgs::new(), geometry, stats_args)?;
            // The second pass is rms_norm's own, on the stored h.
            let apply_args =
                vec![(&h).into(), w.into(), (&part).into(), (&y).into(), n.into(), chunk_len.into(), eps.into()];
            let apply = launch(dev, norm::rms_norm_apply::DEF, dtype, ConstArgs::new(), geometry, apply_args)?;
            Ok(plan(vec![stats, apply], vec![part]))
        }
    }
}

/// Plan the gated rms_norm over the last axis: `y = x / √(mean(x²) + eps) · w · silu(z)`,
/// `z` of `x`'s shape, `w` of `[n]`.
pub fn rms_norm_gated_plan(dev: &Device, x: &Buffer, z: &Buffer, w: &Buffer, eps: f32) -> Result<Plan> {
    rms_norm_gated_plan_with(dev, x, z, w, eps, None)
}

/// [`rms_norm_gated_plan`] with the strategy given (`None`: [`norm_strategy`]'s choice).
pub fn rms_norm_gated_plan_with(
    dev: &Device,
    x: &Buffer,
    z: &Buffer,
    w: &Buffer,
    eps: f32,
    strategy: Option<RowStrategy>,
) -> Result<Plan> {
    let op = NormKind::RmsNormGated.name();
    check_float(op, "x", x)?;
    check_eps(op, eps)?;
    let (rows, n) = rows_of(op, x)?;
    check_same(op, "z", x, z, x.shape())?;
    check_same(op, "w", x, w, &[n as usize])?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let strategy = strategy.unwrap_or_else(|| norm_strategy(x.dtype(), rows, n));
    super::row_plan(dev, RMS_NORM_GATED, x, &[z, w], Some(eps), y, rows, n, Some(strategy))
}

/// The gated rms_norm's kernels: its statistics are rms_norm's, so the split plan's first
/// pass is rms_norm's own.
const RMS_NORM_GATED: super::RowKernels = super::RowKernels {
    registers: normvar::rms_norm_gated::DEF,
    looped: normvar::rms_norm_gated_looped::DEF,
    stats: norm::rms_norm_stats::DEF,
    apply: normvar::rms_norm_gated_apply::DEF,
    stats_per_chunk: 1,
};

/// `[N, C, *spatial]` as (N, C, spatial), refusing tensors of rank below 2.
fn channel_view(op: &str, x: &Buffer) -> Result<(usize, usize, usize)> {
    match x.shape() {
        [n, c, rest @ ..] => Ok((*n, *c, rest.iter().product())),
        other => Err(RuntimeError::InvalidShape {
            shape: other.to_vec(),
            reason: format!("`{op}` takes [N, C, *spatial] (rank 2 or more), got rank {}", other.len()),
        }),
    }
}

/// Plan group_norm of `x: [N, C, *spatial]` with `groups` groups of `C / groups` channels:
/// each sample's group normalized by its own mean and (biased) variance, then channel `c`
/// scaled by `w[c]` and shifted by `b[c]` (`w`, `b`: `[C]`), as `torch.nn.functional.group_norm`.
pub fn group_norm_plan(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, groups: f32, eps: f32) -> Result<Plan> {
    let op = NormKind::GroupNorm.name();
    check_float(op, "x", x)?;
    check_eps(op, eps)?;
    index_count(op, x)?;
    let (samples, channels, spatial) = channel_view(op, x)?;
    check_same(op, "w", x, w, &[channels])?;
    check_same(op, "b", x, b, &[channels])?;
    if !(groups >= 1.0 && groups.fract() == 0.0 && (channels as f64) % (groups as f64) == 0.0) {
        return Err(bad(op, "groups", format!("must be a whole divisor of the {channels} channels, got {groups}")));
    }
    let groups = groups as usize;
    let rows = samples * groups;
    let n = channels / groups * spatial;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    if rows > SPLIT_MAX_ROWS as usize {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` takes at most {SPLIT_MAX_ROWS} (sample, group) pairs, got {samples}·{groups}"),
        });
    }
    // Every size fits u32: the tensor's element count does.
    let (rows, n) = (rows as u32, n as u32);
    let want = SPLIT_TARGET_GROUPS.div_ceil(rows).min(n.div_ceil(SPLIT_MIN_CHUNK)).clamp(1, SPLIT_MAX_CHUNKS);
    let (chunks, chunk_len) = split_chunks(op, rows, n, want)?;
    let part = dev.alloc(DType::F32, &[rows as usize * chunks as usize * 2])?;
    let geometry = split_geometry(rows, chunks);
    let dtype = x.dtype();
    let stats_args = vec![x.into(), (&part).into(), n.into(), chunk_len.into()];
    let stats = launch(dev, norm::layer_norm_stats::DEF, dtype, ConstArgs::new(), geometry, stats_args)?;
    let per_group = (channels / groups) as u32;
    let apply_args: Vec<PlanArg> = vec![
        x.into(),
        w.into(),
        b.into(),
        (&part).into(),
        (&y).into(),
        n.into(),
        chunk_len.into(),
        (spatial as u32).into(),
        per_group.into(),
        (groups as u32).into(),
        eps.into(),
    ];
    let apply = launch(dev, channel_norm::group_norm::DEF, dtype, ConstArgs::new(), geometry, apply_args)?;
    Ok(Plan::new(vec![stats, apply], vec![part], ("y", y)))
}

/// Elements per access of batch_norm for `dtype` and `spatial` (the kernel's own rule): 16
/// bytes where `spatial` allows, else 4 or 1 elements.
fn batch_norm_width(dtype: DType, spatial: usize) -> u32 {
    if dtype.size_bytes() == 2 && spatial.is_multiple_of(8) {
        8
    } else if spatial.is_multiple_of(4) {
        4
    } else {
        1
    }
}

/// Plan inference batch_norm of `x: [N, C, *spatial]` (inputs `x, mean, var, w, b`, the last
/// four `[C]`): `y = (x - mean[c]) / √(var[c] + eps) · w[c] + b[c]`, as
/// `torch.nn.functional.batch_norm(training=False)`.
pub fn batch_norm_plan(dev: &Device, inputs: &[&Buffer], eps: f32) -> Result<Plan> {
    let op = NormKind::BatchNorm.name();
    let names = NormKind::BatchNorm.inputs();
    let x = inputs.first().copied().ok_or_else(|| RuntimeError::ArgCount {
        kernel: op.into(),
        expected: names.len(),
        found: 0,
        params: names.join(", "),
    })?;
    check_float(op, "x", x)?;
    check_eps(op, eps)?;
    let n = index_count(op, x)?;
    let (_, channels, spatial) = channel_view(op, x)?;
    for (name, b) in names.iter().zip(inputs).skip(1) {
        check_same(op, name, x, b, &[channels])?;
    }
    let y = dev.alloc(x.dtype(), x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let width = batch_norm_width(x.dtype(), spatial);
    let per_group = ROW_GROUP * width * BATCH_NORM_ACCESSES;
    // The last threadgroup's indices run up to `per_group` past the end and must not wrap.
    if n > u32::MAX - per_group {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` indexes with u32 and takes at most {} elements", u32::MAX - per_group),
        });
    }
    let geometry = Geometry::linear(n.div_ceil(per_group), ROW_GROUP);
    let mut args: Vec<PlanArg> = inputs.iter().map(|b| PlanArg::from(*b)).collect();
    args.extend([(&y).into(), n.into(), (spatial as u32).into(), (channels as u32).into(), eps.into()]);
    let l = launch(dev, channel_norm::batch_norm::DEF, x.dtype(), ConstArgs::new(), geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

fn run(plan: Result<Plan>, dev: &Device) -> Result<Vec<Buffer>> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_outputs().into_iter().map(|(_, b)| b).collect())
}

/// The fused residual add + rms_norm: returns `(h, y)`, `h = x + res` in the dtype (the new
/// residual stream), `y = rms_norm(h) · w`.
pub fn add_rms_norm(dev: &Device, x: &Buffer, res: &Buffer, w: &Buffer, eps: f32) -> Result<(Buffer, Buffer)> {
    let mut outs = run(add_rms_norm_plan(dev, x, res, w, eps), dev)?.into_iter();
    match (outs.next(), outs.next()) {
        (Some(h), Some(y)) => Ok((h, y)),
        _ => Err(bad("add_rms_norm", "outputs", "the plan lost an output".into())),
    }
}

/// `rms_norm(x) · w · silu(z)` over the last axis.
pub fn rms_norm_gated(dev: &Device, x: &Buffer, z: &Buffer, w: &Buffer, eps: f32) -> Result<Buffer> {
    one(run(rms_norm_gated_plan(dev, x, z, w, eps), dev))
}

/// group_norm of `[N, C, *spatial]` with `groups` groups, per-channel `w` and `b`.
pub fn group_norm(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, groups: u32, eps: f32) -> Result<Buffer> {
    one(run(group_norm_plan(dev, x, w, b, groups as f32, eps), dev))
}

/// Inference batch_norm of `[N, C, *spatial]` with running `mean` and `var`, `w` and `b`.
pub fn batch_norm(
    dev: &Device,
    x: &Buffer,
    mean: &Buffer,
    var: &Buffer,
    w: &Buffer,
    b: &Buffer,
    eps: f32,
) -> Result<Buffer> {
    one(run(batch_norm_plan(dev, &[x, mean, var, w, b], eps), dev))
}

/// Plan layer_norm over the last axis with the affine parts optional, as
/// `torch.nn.functional.layer_norm(x, (n,), weight, bias)` takes them: a missing `w` scales by
/// 1, a missing `b` shifts by 0. The missing vectors are made once per plan (one row each,
/// read from cache by every row), so the plan is layer_norm's own.
pub fn layer_norm_affine_plan(
    dev: &Device,
    x: &Buffer,
    w: Option<&Buffer>,
    b: Option<&Buffer>,
    eps: f32,
) -> Result<Plan> {
    let op = norm::layer_norm::DEF.name;
    check_float(op, "x", x)?;
    let (_, n) = rows_of(op, x)?;
    let filled = |v: f64| dev.from_f64(x.dtype(), &[n as usize], &vec![v; n as usize]);
    let ones;
    let zeros;
    let w = match w {
        Some(w) => w,
        None => {
            ones = filled(1.0)?;
            &ones
        }
    };
    let b = match b {
        Some(b) => b,
        None => {
            zeros = filled(0.0)?;
            &zeros
        }
    };
    super::layer_norm_plan(dev, x, w, b, eps)
}

/// layer_norm without weight or bias: `(x - mean) / √(var + eps)` over the last axis.
pub fn layer_norm_plain(dev: &Device, x: &Buffer, eps: f32) -> Result<Buffer> {
    one(run(layer_norm_affine_plan(dev, x, None, None, eps), dev))
}

/// layer_norm with a weight and no bias: `(x - mean) / √(var + eps) · w`.
pub fn layer_norm_weight(dev: &Device, x: &Buffer, w: &Buffer, eps: f32) -> Result<Buffer> {
    one(run(layer_norm_affine_plan(dev, x, Some(w), None, eps), dev))
}

fn one(outs: Result<Vec<Buffer>>) -> Result<Buffer> {
    outs?.into_iter().next().ok_or_else(|| bad("norm", "outputs", "the plan has no output".into()))
}

/// The shapes `tile bench` times `kind` at. Full: Llama-3-8B's hidden size for a prefill of
/// 4096 tokens (and a decode step of 64 for the row kinds), Stable Diffusion's VAE group_norm
/// `[8, 512, 64, 64]` (G = 32), ResNet-50's batch_norm `[32, 256, 56, 56]`.
pub fn norm_bench_shapes(kind: NormKind, size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    use crate::bench::BenchSize::*;
    match (kind, size) {
        (NormKind::AddRmsNorm | NormKind::RmsNormGated, Quick) => vec![vec![8, 1024]],
        (NormKind::AddRmsNorm | NormKind::RmsNormGated, Full) => {
            vec![vec![4096, 4096], vec![64, 4096], vec![262_144, 64], vec![32, 393_216]]
        }
        (NormKind::GroupNorm, Quick) => vec![vec![2, 64, 8, 8]],
        (NormKind::GroupNorm, Full) => vec![vec![8, 512, 64, 64], vec![2, 320, 64, 64]],
        (NormKind::BatchNorm, Quick) => vec![vec![2, 16, 8, 8]],
        (NormKind::BatchNorm, Full) => vec![vec![32, 256, 56, 56], vec![32, 2048, 7, 7]],
    }
}
