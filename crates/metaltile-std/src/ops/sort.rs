//! Sort, argsort and top-k along any axis (`kernels::sort`). Their parameters are the
//! reductions' `axis` ([`super::ReduceParams`], one convention for every op along an axis)
//! and [`SortParams`]: `descending` (sort, argsort), `k` and `largest` (topk).
//!
//! Semantics (torch's, with `stable=True`): NaN is the largest value (last ascending, first
//! descending); -0.0 and +0.0 are equal; ties keep their input order, in both directions;
//! top-k returns the k largest (`largest = 0`: smallest) in order, ties the lower index first.
//! Indices are i64. Values are the input elements themselves, bit for bit.
//!
//! Plans: rows of at most [`SORT_BLOCK`] in one launch (a bitonic network per threadgroup,
//! several short rows per tile); longer rows as blocks of [`SORT_BLOCK`] then `⌈log2 blocks⌉`
//! merge passes (top-k keeps `k` per run, so its merges are small). Along an inner axis the
//! axis is first made the last by a permute, and the outputs permuted back.

use super::{axis_view, check_float, check_row_len, index_count, launch, OpParams};
use crate::kernels::sort::{self as k, SORT_BLOCK, SORT_THREADS, SORT_TILE_SMALL};
use crate::plan::{Launch, Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Threads per threadgroup of the merge passes.
const MERGE_GROUP: u32 = 256;

/// The shapes the sorts are timed at (inference shapes: sorting logits and routing scores).
pub fn sort_bench_shapes(kind: SortKind, size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match (size, kind) {
        (crate::bench::BenchSize::Quick, _) => vec![vec![4, 1024]],
        (crate::bench::BenchSize::Full, SortKind::Topk) => vec![vec![1, 128_256], vec![64, 128_256]],
        (crate::bench::BenchSize::Full, _) => {
            vec![vec![4096, 1024], vec![64, 32_000], vec![32, 131_072], vec![1, 1 << 20], vec![262_144, 64]]
        }
    }
}

/// The sorting ops of the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKind {
    /// The values, sorted.
    Sort,
    /// The indices that sort the values.
    Argsort,
    /// The k largest (or smallest) values and their indices.
    Topk,
}

/// The scalar parameters of the sorts besides `axis`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SortParams {
    /// sort, argsort: 1 for largest first, 0 (default) for smallest first.
    pub descending: f32,
    /// topk: how many values to keep (default 1).
    pub k: f32,
    /// topk: 1 (default) for the largest, 0 for the smallest.
    pub largest: f32,
}

impl Default for SortParams {
    fn default() -> Self {
        SortParams { descending: 0.0, k: 1.0, largest: 1.0 }
    }
}

impl SortParams {
    /// The names [`SortParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["descending", "k", "largest"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "descending" => Some(&mut self.descending),
            "k" => Some(&mut self.k),
            "largest" => Some(&mut self.largest),
            _ => None,
        }
    }
}

impl SortKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [SortKind] = &[SortKind::Sort, SortKind::Argsort, SortKind::Topk];

    /// The block kernel, which names the op.
    pub fn def(self) -> KernelDef {
        match self {
            SortKind::Sort => k::sort::DEF,
            SortKind::Argsort => k::argsort::DEF,
            SortKind::Topk => k::topk::DEF,
        }
    }

    /// The op's name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Names of its input buffers.
    pub fn inputs(self) -> &'static [&'static str] {
        &["x"]
    }

    /// Names of its scalar parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            SortKind::Topk => &["axis", "k", "largest"],
            _ => &["axis", "descending"],
        }
    }

    /// Names of its outputs.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            SortKind::Sort => &["y"],
            SortKind::Argsort => &["indices"],
            SortKind::Topk => &["values", "indices"],
        }
    }

    /// The dtype of its (first) output for inputs of `dtype`: i64 indices for argsort.
    pub fn output_dtype(self, dtype: DType) -> DType {
        match self {
            SortKind::Argsort => DType::I64,
            _ => dtype,
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            SortKind::Sort => "y = x sorted along axis (descending: largest first); NaN largest, -0 == +0, stable",
            SortKind::Argsort => "indices (i64) that sort x along axis (descending: largest first); stable",
            SortKind::Topk => "the k largest (largest=0: smallest) of x along axis, in order, and their i64 indices",
        }
    }

    fn values(self) -> bool {
        self != SortKind::Argsort
    }

    fn indices(self) -> bool {
        self != SortKind::Sort
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let mut out = Vec::new();
        for tile in [SORT_TILE_SMALL, SORT_BLOCK] {
            out.push((self.def(), block_consts(tile, true)));
        }
        out.push((self.def(), block_consts(SORT_BLOCK, false)));
        for last in [false, true] {
            out.push((k::sort_merge::DEF, self.merge_consts(last)));
        }
        out
    }

    fn merge_consts(self, last: bool) -> ConstArgs {
        let mut c = ConstArgs::new();
        if last {
            c = c.with("last", ConstArg::Bool(true));
            if !self.values() {
                c = c.with("values", ConstArg::Bool(false));
            }
            if !self.indices() {
                c = c.with("indices", ConstArg::Bool(false));
            }
        }
        c
    }
}

/// The constexprs of a block kernel (defaults left out).
fn block_consts(tile: u32, last: bool) -> ConstArgs {
    let mut c = ConstArgs::new();
    if tile != SORT_TILE_SMALL {
        c = c.with("tile", ConstArg::Int(i128::from(tile)));
    }
    if !last {
        c = c.with("last", ConstArg::Bool(false));
    }
    c
}

/// `len` pairs in runs of `run` (the last shorter), each pair of runs merged and cut to
/// `cap`: the merged row's length.
fn merged_len(len: u32, run: u32, cap: u32) -> u32 {
    let pairs = len.div_ceil(2 * run);
    let last = len - (pairs - 1) * 2 * run;
    (pairs - 1) * (2 * run).min(cap) + last.min(cap)
}

/// A flag as 0 or 1; anything else is an error naming the parameter.
fn flag(op: &str, name: &str, v: f32) -> Result<bool> {
    match v {
        0.0 => Ok(false),
        1.0 => Ok(true),
        other => Err(RuntimeError::BadParameter {
            op: op.into(),
            name: name.into(),
            reason: format!("must be 0 or 1, got {other}"),
        }),
    }
}

/// Plan `kind` of the rows of `x` seen as `[rows, n]` into `y` (values) and `yi` (indices),
/// keeping `cap` per row, `descending` when largest first.
#[allow(clippy::too_many_arguments)]
fn rows_plan(
    dev: &Device,
    kind: SortKind,
    x: &Buffer,
    y: &Buffer,
    yi: &Buffer,
    rows: u32,
    n: u32,
    cap: u32,
    descending: bool,
    launches: &mut Vec<Launch>,
    scratch: &mut Vec<Buffer>,
) -> Result<()> {
    let dtype = x.dtype();
    let desc = u32::from(descending);
    let seg = n.next_power_of_two().min(SORT_BLOCK);
    let blocks = n.div_ceil(seg);
    let keep = seg.min(cap);
    let len0 = (blocks - 1) * keep + (n - (blocks - 1) * seg).min(keep);
    let tile = seg.max(SORT_TILE_SMALL);
    let segments = u64::from(rows) * u64::from(blocks);
    let groups = u32::try_from(segments.div_ceil(u64::from(tile / seg))).map_err(|_| RuntimeError::InvalidShape {
        shape: x.shape().to_vec(),
        reason: format!("`{}` launches one threadgroup per {tile} elements: too many", kind.name()),
    })?;
    let geometry = Geometry::linear(groups, (tile / 2).min(SORT_THREADS));
    let last = blocks == 1;
    let (mut keys, mut cols) = (dev.alloc(DType::U32, &[1])?, dev.alloc(DType::U32, &[1])?);
    if !last {
        keys = dev.alloc(DType::U32, &[(rows * len0) as usize])?;
        cols = dev.alloc(DType::U32, &[(rows * len0) as usize])?;
    }
    scratch.extend([keys.clone(), cols.clone()]);
    let dims = [rows, n, blocks, seg.trailing_zeros(), keep, len0, desc].map(PlanArg::from);
    let args = [vec![x.into(), y.into(), yi.into(), (&keys).into(), (&cols).into()], dims.to_vec()].concat();
    launches.push(launch(dev, kind.def(), dtype, block_consts(tile, last), geometry, args)?);
    let (mut len, mut run, mut runs) = (len0, keep, blocks);
    while runs > 1 {
        let out_len = merged_len(len, run, cap);
        runs = runs.div_ceil(2);
        let last = runs == 1;
        let (mut keys_out, mut cols_out) = (dev.alloc(DType::U32, &[1])?, dev.alloc(DType::U32, &[1])?);
        if !last {
            keys_out = dev.alloc(DType::U32, &[(rows * out_len) as usize])?;
            cols_out = dev.alloc(DType::U32, &[(rows * out_len) as usize])?;
        }
        scratch.extend([keys_out.clone(), cols_out.clone()]);
        let dims = [rows, n, len, run, out_len, cap].map(PlanArg::from);
        let buffers = [x, &keys, &cols, &keys_out, &cols_out, y, yi].map(PlanArg::from);
        let args = [buffers.to_vec(), dims.to_vec()].concat();
        let geometry = Geometry::cover(u64::from(rows) * u64::from(len), MERGE_GROUP);
        launches.push(launch(dev, k::sort_merge::DEF, dtype, kind.merge_consts(last), geometry, args)?);
        (keys, cols, len, run) = (keys_out, cols_out, out_len, (2 * run).min(cap));
    }
    Ok(())
}

/// Plan sort op `kind` of `inputs` (`x`) along `params.reduce.axis` (negative from the end)
/// with `params.sort`'s `descending`, or `k` and `largest` for topk.
pub fn sort_plan(dev: &Device, kind: SortKind, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
    let op = kind.name();
    let bad = |name: &str, reason: String| RuntimeError::BadParameter { op: op.into(), name: name.into(), reason };
    let Some(x) = inputs.first() else {
        return Err(RuntimeError::ArgCount { kernel: op.into(), expected: 1, found: 0, params: "x".into() });
    };
    check_float(op, "x", x)?;
    if let Some(s) = params.strategy {
        return Err(bad("strategy", format!("`{s}` is not a strategy of this op: sorts have one plan")));
    }
    index_count(op, x)?;
    let [outer, n, inner] = axis_view(op, x.shape(), params.reduce.axis)?;
    let descending = match kind {
        SortKind::Topk => flag(op, "largest", params.sort.largest)?,
        _ => flag(op, "descending", params.sort.descending)?,
    };
    let mut cap = n;
    if kind == SortKind::Topk {
        let want = params.sort.k;
        if want.fract() != 0.0 || !(0.0..=n as f32).contains(&want) {
            return Err(bad("k", format!("must be an integer in 0..={n} (the axis' length), got {want}")));
        }
        cap = want as usize;
    }
    // The outputs' shape: the axis cut to `cap` (`axis_view` checked the axis).
    let rank = x.shape().len() as i64;
    let at = (params.reduce.axis as i64).rem_euclid(rank.max(1)) as usize;
    let mut shape = x.shape().to_vec();
    shape[at] = cap;
    let value_dtype = x.dtype();
    let outputs = |y: Buffer, yi: Buffer| -> ((&'static str, Buffer), Vec<(&'static str, Buffer)>) {
        match kind {
            SortKind::Sort => (("y", y), vec![]),
            SortKind::Argsort => (("indices", yi), vec![]),
            SortKind::Topk => (("values", y), vec![("indices", yi)]),
        }
    };
    if x.is_empty() || cap == 0 {
        let (first, rest) = outputs(dev.alloc(value_dtype, &shape)?, dev.alloc(DType::I64, &shape)?);
        return Ok(Plan::with_outputs(vec![], vec![], first, rest));
    }
    // Each fits u32: the tensor does (`index_count`).
    let [outer, n32, inner, cap] = [outer, n, inner, cap].map(|v| v as u32);
    check_row_len(op, x.shape(), n32)?;
    let (mut launches, mut scratch) = (Vec::new(), Vec::new());
    if inner == 1 {
        // The output the op does not have is a placeholder its kernels never write.
        let placeholder = |dtype: DType| dev.alloc(dtype, &[1]);
        let y = if kind.values() { dev.alloc(value_dtype, &shape)? } else { placeholder(value_dtype)? };
        let yi = if kind.indices() { dev.alloc(DType::I64, &shape)? } else { placeholder(DType::I64)? };
        if !kind.values() {
            scratch.push(y.clone());
        }
        if !kind.indices() {
            scratch.push(yi.clone());
        }
        rows_plan(dev, kind, x, &y, &yi, outer, n32, cap, descending, &mut launches, &mut scratch)?;
        let (first, rest) = outputs(y, yi);
        return Ok(Plan::with_outputs(launches, scratch, first, rest));
    }
    // An inner axis: sort the rows of [outer, inner, n] (a permute), then permute the
    // outputs [outer, inner, cap] back to [outer, cap, inner].
    let rows_first = super::permute_plan(dev, &x.reshape(&[outer as usize, n, inner as usize])?, &[0, 2, 1])?;
    let xt = rows_first.outputs()[0].1.clone();
    launches.extend_from_slice(rows_first.launches());
    let cut = [outer as usize, inner as usize, cap as usize];
    let (yt, yit) = (dev.alloc(value_dtype, &cut)?, dev.alloc(DType::I64, &cut)?);
    rows_plan(dev, kind, &xt, &yt, &yit, outer * inner, n32, cap, descending, &mut launches, &mut scratch)?;
    scratch.extend([xt, yt.clone(), yit.clone()]);
    let mut back = |t: &Buffer| -> Result<Buffer> {
        let p = super::permute_plan(dev, t, &[0, 2, 1])?;
        launches.extend_from_slice(p.launches());
        p.into_output().reshape(&shape)
    };
    let y = if kind.values() { back(&yt)? } else { yt };
    let yi = if kind.indices() { back(&yit)? } else { yit };
    let (first, rest) = outputs(y, yi);
    Ok(Plan::with_outputs(launches, scratch, first, rest))
}

fn sort_with(dev: &Device, kind: SortKind, x: &Buffer, axis: i32, sort: SortParams) -> Result<Vec<Buffer>> {
    let mut params = OpParams { sort, ..OpParams::default() };
    params.reduce.axis = axis as f32;
    let plan = sort_plan(dev, kind, &[x], &params)?;
    plan.run(dev)?;
    Ok(plan.into_outputs().into_iter().map(|(_, b)| b).collect())
}

/// `x` sorted along `axis` (negative from the end), largest first when `descending`
/// (`torch.sort(x, dim, descending, stable=True).values`).
pub fn sort(dev: &Device, x: &Buffer, axis: i32, descending: bool) -> Result<Buffer> {
    let p = SortParams { descending: f32::from(u8::from(descending)), ..SortParams::default() };
    first(sort_with(dev, SortKind::Sort, x, axis, p)?)
}

/// The i64 indices that sort `x` along `axis` (`torch.argsort(x, dim, descending, stable=True)`).
pub fn argsort(dev: &Device, x: &Buffer, axis: i32, descending: bool) -> Result<Buffer> {
    let p = SortParams { descending: f32::from(u8::from(descending)), ..SortParams::default() };
    first(sort_with(dev, SortKind::Argsort, x, axis, p)?)
}

/// The `k` largest (smallest unless `largest`) values of `x` along `axis`, in order, and their
/// i64 indices (`torch.topk(x, k, dim, largest, sorted=True)`; ties: the lower index first).
pub fn topk(dev: &Device, x: &Buffer, k: usize, axis: i32, largest: bool) -> Result<(Buffer, Buffer)> {
    let p = SortParams { k: k as f32, largest: f32::from(u8::from(largest)), ..SortParams::default() };
    let mut out = sort_with(dev, SortKind::Topk, x, axis, p)?.into_iter();
    match (out.next(), out.next()) {
        (Some(v), Some(i)) => Ok((v, i)),
        _ => Err(RuntimeError::BadParameter {
            op: "topk".into(),
            name: "outputs".into(),
            reason: "the plan did not return values and indices".into(),
        }),
    }
}

fn first(out: Vec<Buffer>) -> Result<Buffer> {
    out.into_iter().next().ok_or_else(|| RuntimeError::BadParameter {
        op: "sort".into(),
        name: "outputs".into(),
        reason: "the plan returned no output".into(),
    })
}
