//! Matrix-vector products: the host API ([`gemv`], [`gemv_t`] and their plans) and the
//! planners' choices (rows per segment, threads per row, splits of the rows of `gemv_t`).
//! The kernels and their layouts are described in [`crate::kernels::gemv`].

use super::{check_float, index_count, launch, StdOp};
use crate::kernels::gemv as kernels;
use crate::kernels::rows::TILE_CHUNKS;
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Threads per threadgroup of the gemv kernels.
pub const GEMV_GROUP: u32 = 256;
/// `gemv` serves several rows per segment (so several loads of `a` are in flight per thread
/// and each tile of `x` is loaded once for all of them) only while the launch keeps at least
/// this many segments: about sixteen simdgroups for each multiprocessor of a large GPU.
pub const GEMV_MIN_SEGMENTS: u64 = 2048;
/// `gemv_t` splits its rows over threadgroups until it has about this many threadgroups...
pub const GEMV_T_TARGET_GROUPS: u64 = 1024;
/// ...but gives each split at least this many rows, so the f32 partials (8 bytes per
/// column and split, written and read back) stay a few percent of the bytes of `a`.
pub const GEMV_T_MIN_SPLIT_ROWS: u64 = 128;
/// The most splits (the second axis of the grid).
pub const GEMV_T_MAX_SPLITS: u64 = 65535;

/// Which product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GemvForm {
    /// `y = a·x`: `x` of length `k`, `y` of length `m`.
    Ax,
    /// `yᵀ = xᵀ·a`: `x` of length `m`, `y` of length `k`.
    XtA,
    /// `y = a·x` over the blocks of `a` a block mask keeps, rows zeroed by an output mask
    /// (see [`gemv_masked_plan`]).
    Masked,
}

impl GemvForm {
    /// Both forms, in registry order.
    pub const ALL: [GemvForm; 3] = [GemvForm::Ax, GemvForm::XtA, GemvForm::Masked];
    /// The kernel the registry lists.
    pub fn def(self) -> KernelDef {
        match self {
            GemvForm::Ax => kernels::gemv::DEF,
            GemvForm::XtA => kernels::gemv_t::DEF,
            GemvForm::Masked => kernels::gemv_masked::DEF,
        }
    }
    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            GemvForm::Ax | GemvForm::XtA => &["a", "x"],
            GemvForm::Masked => &["a", "x", "mask", "out_mask"],
        }
    }
    /// Every kernel instance the form's plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        match self {
            GemvForm::Ax => [1, 2, 4].iter().map(|r| (kernels::gemv::DEF, rps_consts(*r))).collect(),
            GemvForm::XtA => {
                vec![(kernels::gemv_t::DEF, ConstArgs::new()), (kernels::gemv_t_finish::DEF, ConstArgs::new())]
            }
            GemvForm::Masked => vec![(kernels::gemv_masked::DEF, ConstArgs::new())],
        }
    }
}

impl From<GemvForm> for StdOp {
    fn from(f: GemvForm) -> Self {
        StdOp::Gemv(f)
    }
}

fn rps_consts(rps: u32) -> ConstArgs {
    if rps == 1 {
        ConstArgs::new()
    } else {
        ConstArgs::new().with("rps", ConstArg::Int(i128::from(rps)))
    }
}

fn bad(op: &str, name: &str, reason: String) -> RuntimeError {
    RuntimeError::BadParameter { op: op.into(), name: name.into(), reason }
}

/// Check `a` (a float matrix `[m, k]`) and `x` (its dtype, of length `want_x` along the
/// axis the product reduces); `(m, k)`.
fn check_operands(op: &str, a: &Buffer, x: &Buffer, form: GemvForm) -> Result<(u32, u32)> {
    check_float(op, "a", a)?;
    index_count(op, a)?;
    let [m, k] = *a.shape() else {
        return Err(RuntimeError::InvalidShape {
            shape: a.shape().to_vec(),
            reason: format!("`{op}` takes a matrix `a` of shape [m, k]"),
        });
    };
    if x.dtype() != a.dtype() {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `x` (the dtype of `a`)"),
            expected: a.dtype(),
            found: x.dtype(),
        });
    }
    let want = match form {
        GemvForm::Ax | GemvForm::Masked => k,
        GemvForm::XtA => m,
    };
    if x.shape() != [want] {
        let axis = if form == GemvForm::Ax { "k, the columns of `a`" } else { "m, the rows of `a`" };
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `x` (a vector of length {axis})"),
            expected: vec![want],
            found: x.shape().to_vec(),
        });
    }
    // `a` has fewer than 2^32 elements, so with neither axis empty both fit u32; an empty
    // axis may be long, and is checked on its own.
    let fit = |v: usize, what: &str| {
        u32::try_from(v).map_err(|_| RuntimeError::InvalidShape {
            shape: a.shape().to_vec(),
            reason: format!("`{op}` indexes with u32, so it takes at most {} {what}", u32::MAX),
        })
    };
    Ok((fit(m, "rows")?, fit(k, "columns")?))
}

/// Threads per row of `gemv` for rows of `k`: enough that one tile (16 elements a thread)
/// spans the row, at most a simdgroup.
pub fn gemv_threads_per_row(k: u32) -> u32 {
    k.div_ceil(4 * TILE_CHUNKS).next_power_of_two().clamp(1, 32)
}

/// Rows per segment of `gemv` for `m` rows: 4, 2 or 1, the most that keeps
/// [`GEMV_MIN_SEGMENTS`] segments.
pub fn gemv_rows_per_segment(m: u32) -> u32 {
    [4u32, 2].into_iter().find(|r| u64::from(m.div_ceil(*r)) >= GEMV_MIN_SEGMENTS).unwrap_or(1)
}

/// Plan `y = a·x` (`a` of shape `[m, k]`, `x` of `[k]`) into a new buffer of `[m]`.
pub fn gemv_plan(dev: &Device, a: &Buffer, x: &Buffer) -> Result<Plan> {
    gemv_plan_with(dev, a, x, None)
}

/// [`gemv_plan`] with the rows per segment given (1, 2 or 4; `None`: the planner's choice).
pub fn gemv_plan_with(dev: &Device, a: &Buffer, x: &Buffer, rps: Option<u32>) -> Result<Plan> {
    let def = kernels::gemv::DEF;
    let op = def.name;
    let (m, k) = check_operands(op, a, x, GemvForm::Ax)?;
    let rps = rps.unwrap_or_else(|| gemv_rows_per_segment(m));
    if ![1, 2, 4].contains(&rps) {
        return Err(bad(op, "rows_per_segment", format!("must be 1, 2 or 4, got {rps}")));
    }
    let y = dev.alloc(a.dtype(), &[m as usize])?;
    if m == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let tpr = gemv_threads_per_row(k);
    let threads = u64::from(m.div_ceil(rps)) * u64::from(tpr);
    let args: Vec<PlanArg> = vec![a.into(), x.into(), (&y).into(), m.into(), k.into(), tpr.into()];
    let l = launch(dev, def, a.dtype(), rps_consts(rps), Geometry::cover(threads, GEMV_GROUP), args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// Splits of the rows of `gemv_t` for `a` of `[m, k]` with `vec` columns per lane: enough
/// for [`GEMV_T_TARGET_GROUPS`] threadgroups, each of at least [`GEMV_T_MIN_SPLIT_ROWS`] rows.
pub fn gemv_t_splits(m: u32, k: u32, vec: u32) -> u32 {
    let blocks = u64::from(k.div_ceil(32 * vec)).max(1);
    let wanted = GEMV_T_TARGET_GROUPS.div_ceil(blocks);
    let most = u64::from(m).div_ceil(GEMV_T_MIN_SPLIT_ROWS).clamp(1, GEMV_T_MAX_SPLITS);
    wanted.clamp(1, most) as u32
}

/// Plan `yᵀ = xᵀ·a` (`a` of shape `[m, k]`, `x` of `[m]`) into a new buffer of `[k]`.
pub fn gemv_t_plan(dev: &Device, a: &Buffer, x: &Buffer) -> Result<Plan> {
    gemv_t_plan_with(dev, a, x, None)
}

/// [`gemv_t_plan`] with the number of splits of the rows given (`None`: [`gemv_t_splits`]).
pub fn gemv_t_plan_with(dev: &Device, a: &Buffer, x: &Buffer, splits: Option<u32>) -> Result<Plan> {
    let def = kernels::gemv_t::DEF;
    let op = def.name;
    let (m, k) = check_operands(op, a, x, GemvForm::XtA)?;
    let dtype = a.dtype();
    let y = dev.alloc(dtype, &[k as usize])?;
    if k == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let vec = kernels::gemv_t_vec(dtype.size_bytes(), k);
    let splits = splits.unwrap_or_else(|| gemv_t_splits(m, k, vec));
    if splits == 0 || u64::from(splits) > GEMV_T_MAX_SPLITS {
        return Err(bad(op, "splits", format!("must be 1 to {GEMV_T_MAX_SPLITS}, got {splits}")));
    }
    // Every split gets rows (the last one possibly fewer): no threadgroup of a split plan
    // is left with nothing but zeros to add.
    let rows_per_split = m.div_ceil(splits).max(1);
    let splits = m.div_ceil(rows_per_split).max(1);
    let blocks = k.div_ceil(32 * vec);
    let geometry = Geometry { groups: [blocks, splits, 1], group_size: [GEMV_GROUP, 1, 1] };
    // Without splits the kernel's `part` is never written; it still needs a buffer.
    let part = dev.alloc(DType::F32, &[if splits > 1 { splits as usize * k as usize } else { 1 }])?;
    let args: Vec<PlanArg> =
        vec![a.into(), x.into(), (&y).into(), (&part).into(), m.into(), k.into(), rows_per_split.into()];
    let mut launches = vec![launch(dev, def, dtype, ConstArgs::new(), geometry, args)?];
    if splits > 1 {
        let args: Vec<PlanArg> = vec![(&part).into(), (&y).into(), k.into(), splits.into()];
        let finish = Geometry::cover(u64::from(k), GEMV_GROUP);
        launches.push(launch(dev, kernels::gemv_t_finish::DEF, dtype, ConstArgs::new(), finish, args)?);
    }
    Ok(Plan::new(launches, vec![part], ("y", y)))
}

/// `y = a·x` for `a` of shape `[m, k]` and `x` of `[k]`.
pub fn gemv(dev: &Device, a: &Buffer, x: &Buffer) -> Result<Buffer> {
    let plan = gemv_plan(dev, a, x)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `yᵀ = xᵀ·a` for `a` of shape `[m, k]` and `x` of `[m]`.
pub fn gemv_t(dev: &Device, a: &Buffer, x: &Buffer) -> Result<Buffer> {
    let plan = gemv_t_plan(dev, a, x)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// The plan of `form` on `inputs` in [`GemvForm::inputs`] order (the registry's entry
/// point; [`StdOp::plan`] has checked their number); masks in blocks of
/// [`GEMV_MASK_BLOCK`].
pub fn gemv_plan_form(dev: &Device, form: GemvForm, inputs: &[&Buffer]) -> Result<Plan> {
    match (form, inputs) {
        (GemvForm::Ax, [a, x]) => gemv_plan(dev, a, x),
        (GemvForm::XtA, [a, x]) => gemv_t_plan(dev, a, x),
        (GemvForm::Masked, [a, x, mask, out_mask]) => gemv_masked_plan(dev, a, x, mask, out_mask, GEMV_MASK_BLOCK),
        _ => Err(RuntimeError::ArgCount {
            kernel: form.def().name.into(),
            expected: form.inputs().len(),
            found: inputs.len(),
            params: form.inputs().join(", "),
        }),
    }
}

/// The block size of the masks when none is given (MLX's block-masked products take 32 or 64).
pub const GEMV_MASK_BLOCK: u32 = 32;

/// Plan the block-masked `y = a·x` (`a` of `[m, k]`, `x` of `[k]`, all of one float dtype)
/// into a new buffer of `[m]`. `a` is cut into blocks of `block × block` (the last ones
/// partial): `mask` of shape `[⌈m/block⌉, ⌈k/block⌉]` keeps block `(i, j)` where it is
/// nonzero (a NaN is nonzero; the values do not scale), and a kept-out block is skipped — not
/// read, contributing exactly zero whatever it holds, and the same columns of `x` are not read
/// for its rows. `out_mask` of shape `[⌈m/block⌉]` zeroes the outputs of the row blocks where
/// it is zero (those rows read nothing). `block` is a multiple of 8 (16-byte accesses never
/// straddle two blocks), e.g. 32 or 64.
pub fn gemv_masked_plan(
    dev: &Device,
    a: &Buffer,
    x: &Buffer,
    mask: &Buffer,
    out_mask: &Buffer,
    block: u32,
) -> Result<Plan> {
    let def = kernels::gemv_masked::DEF;
    let op = def.name;
    let (m, k) = check_operands(op, a, x, GemvForm::Masked)?;
    if block == 0 || !block.is_multiple_of(8) {
        return Err(bad(op, "block", format!("must be a positive multiple of 8, got {block}")));
    }
    let (mb, kb) = (m.div_ceil(block) as usize, k.div_ceil(block) as usize);
    for (name, b, want) in [("mask", mask, vec![mb, kb]), ("out_mask", out_mask, vec![mb])] {
        if b.dtype() != a.dtype() {
            return Err(RuntimeError::DTypeMismatch {
                what: format!("`{op}`, input `{name}` (the dtype of `a`)"),
                expected: a.dtype(),
                found: b.dtype(),
            });
        }
        if b.shape() != want {
            return Err(RuntimeError::ShapeMismatch {
                what: format!("`{op}`, input `{name}` (one entry per block of {block} rows/columns of `a`)"),
                expected: want,
                found: b.shape().to_vec(),
            });
        }
    }
    let y = dev.alloc(a.dtype(), &[m as usize])?;
    if m == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let tpr = gemv_threads_per_row(k);
    let threads = u64::from(m) * u64::from(tpr);
    let args: Vec<PlanArg> = vec![
        a.into(),
        x.into(),
        mask.into(),
        out_mask.into(),
        (&y).into(),
        m.into(),
        k.into(),
        tpr.into(),
        block.into(),
    ];
    let l = launch(dev, def, a.dtype(), ConstArgs::new(), Geometry::cover(threads, GEMV_GROUP), args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// The block-masked `y = a·x` (see [`gemv_masked_plan`]).
pub fn gemv_masked(
    dev: &Device,
    a: &Buffer,
    x: &Buffer,
    mask: &Buffer,
    out_mask: &Buffer,
    block: u32,
) -> Result<Buffer> {
    let plan = gemv_masked_plan(dev, a, x, mask, out_mask, block)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}
