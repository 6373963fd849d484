//! Host plans of gather and scatter ([`crate::kernels::index`]): embedding lookup,
//! index_select, gather along an axis, scatter (set and add) along an axis. Torch's semantics,
//! except where noted:
//!
//! - Data is f32, f16 or bf16; indices i32 or i64 (read as 32-bit words, see the kernels).
//! - An index must lie in `[0, size)` of the axis it indexes; negative indices are out of
//!   range (torch raises for them too). In checked mode (`checked = 1`, the default) an
//!   out-of-range index makes the op return an error naming the op, the index, its position
//!   and the bound; unchecked, it gathers zeros and scatters nothing. Neither ever reads or
//!   writes out of bounds.
//! - gather and scatter take an index of the data's shape except along `dim` (torch also
//!   accepts smaller sizes on the other axes, which these refuse); scatter's `src` has the
//!   index's shape (torch accepts a larger one).
//! - scatter (set) with repeated indices stores one of the candidates, not a defined one (as
//!   torch on a GPU). scatter_add accumulates in f32 by atomic adds, so f16 and bf16 results
//!   are rounded once, from the f32 sum (torch rounds each add); f32 sums are exact up to the
//!   order of the adds, which is not defined.

use super::{check_float, index_count, launch, OpParams};
use crate::guard::{Guard, GuardKind, FLAG_WORDS};
use crate::kernels::{index as k, masked};
use crate::plan::{Launch, Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Threads per threadgroup of the indexing kernels.
pub const INDEX_GROUP: u32 = 256;
/// Fewest threadgroups [`embedding`] and [`index_select`] aim for before a thread copies
/// several vectors: two per multiprocessor of an H200 (a decode step's 64 rows would
/// otherwise run on a quarter of the GPU).
pub const TAKE_MIN_GROUPS: u32 = 264;

/// The gather and scatter ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// `y[..., :] = table[ids[...], :]`, torch's `F.embedding`.
    Embedding,
    /// Whole slices along `dim`, torch's `index_select`.
    IndexSelect,
    /// `y[i][j][k] = x[i][index[i][j][k]][k]` for `dim = 1`, torch's `gather`.
    Gather,
    /// `y = x; y[i][index[i][j][k]][k] = src[i][j][k]` for `dim = 1`, torch's `scatter`.
    Scatter,
    /// `y = x; y[i][index[i][j][k]][k] += src[i][j][k]` for `dim = 1`, torch's `scatter_add`.
    ScatterAdd,
    /// `y = x` with the positions where `mask` is true taking consecutive elements of `src`,
    /// torch's `masked_scatter`.
    MaskedScatter,
}

/// The parameters of the indexing ops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IndexParams {
    /// The axis indexed, negative counting from the end (default -1); an integer.
    pub dim: f32,
    /// 1 (the default): an out-of-range index is an error; 0: it gathers zeros and scatters
    /// nothing.
    pub checked: f32,
    /// Whether the oracle's cases upload their indices as i64 (else i32); the ops take either.
    pub wide: bool,
}

impl Default for IndexParams {
    fn default() -> Self {
        IndexParams { dim: -1.0, checked: 1.0, wide: false }
    }
}

impl IndexParams {
    /// The names [`IndexParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["dim", "checked"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "dim" => Some(&mut self.dim),
            "checked" => Some(&mut self.checked),
            _ => None,
        }
    }

    /// Whether out-of-range indices are errors.
    pub fn is_checked(&self) -> bool {
        self.checked != 0.0
    }
}

impl IndexKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [IndexKind] = &[
        IndexKind::Embedding,
        IndexKind::IndexSelect,
        IndexKind::Gather,
        IndexKind::Scatter,
        IndexKind::ScatterAdd,
        IndexKind::MaskedScatter,
    ];

    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            IndexKind::Embedding => k::embedding::DEF,
            IndexKind::IndexSelect => k::index_select::DEF,
            IndexKind::Gather => k::gather::DEF,
            IndexKind::Scatter => k::scatter::DEF,
            IndexKind::ScatterAdd => k::scatter_add::DEF,
            IndexKind::MaskedScatter => masked::masked_scatter::DEF,
        }
    }

    /// The kernel's name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            IndexKind::Embedding => &["table", "ids"],
            IndexKind::IndexSelect | IndexKind::Gather => &["x", "index"],
            IndexKind::Scatter | IndexKind::ScatterAdd => &["x", "index", "src"],
            IndexKind::MaskedScatter => &["x", "mask", "src"],
        }
    }

    /// Names of its scalar parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            IndexKind::Embedding | IndexKind::MaskedScatter => &["checked"],
            _ => IndexParams::NAMES,
        }
    }

    /// The dtype of input `index` when the data is `dtype`: the indices' i32 (or i64 when
    /// `params.wide`).
    pub fn input_dtype(self, index: usize, dtype: DType, params: &IndexParams) -> DType {
        match (index, params.wide) {
            (1, _) if self == IndexKind::MaskedScatter => DType::Bool,
            (1, true) => DType::I64,
            (1, false) => DType::I32,
            _ => dtype,
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            IndexKind::Embedding => "y[..., :] = table[ids[...], :] (table [V, D], ids i32 or i64 of any shape)",
            IndexKind::IndexSelect => "y = the slices index[j] of x along dim (index 1-d, i32 or i64)",
            IndexKind::Gather => "y[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (index i32 or i64)",
            IndexKind::Scatter => "y = x; y[i][index[i][j][k]][k] = src[i][j][k] for dim = 1 (repeats: any candidate)",
            IndexKind::ScatterAdd => "y = x; y[i][index[i][j][k]][k] += src[i][j][k] for dim = 1, f32 accumulation",
            IndexKind::MaskedScatter => "y = x; where mask (bool, x's shape) is true, the next element of src in order",
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let mut out = Vec::new();
        if self == IndexKind::MaskedScatter {
            let plain = |def: KernelDef| (def, ConstArgs::new());
            return vec![
                plain(masked::masked_count::DEF),
                plain(masked::masked_offsets::DEF),
                plain(masked::masked_scatter::DEF),
                plain(k::clear_flag::DEF),
            ];
        }
        for wide in [false, true] {
            let base = ConstArgs::new().with("wide", ConstArg::Bool(wide));
            match self {
                IndexKind::Embedding | IndexKind::IndexSelect => {
                    for vec in [1, 4, 8] {
                        for unroll in [1, k::TAKE_UNROLL] {
                            let c = base
                                .clone()
                                .with("vec", ConstArg::Int(i128::from(vec)))
                                .with("unroll", ConstArg::Int(i128::from(unroll)));
                            out.push((self.def(), c));
                        }
                    }
                }
                _ => out.push((self.def(), base)),
            }
        }
        out.push((k::clear_flag::DEF, ConstArgs::new()));
        out
    }
}

/// Plan `kind` on `inputs` (in [`IndexKind::inputs`] order) with `params`.
pub fn index_plan_params(dev: &Device, kind: IndexKind, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
    let p = params.index;
    match kind {
        IndexKind::Embedding => embedding_plan(dev, inputs[0], inputs[1], p.is_checked()),
        IndexKind::IndexSelect => index_select_plan(dev, inputs[0], inputs[1], p.dim, p.is_checked()),
        IndexKind::Gather => gather_plan(dev, inputs[0], inputs[1], p.dim, p.is_checked()),
        IndexKind::Scatter => scatter_plan(dev, inputs[0], inputs[1], inputs[2], p.dim, false, p.is_checked()),
        IndexKind::ScatterAdd => scatter_plan(dev, inputs[0], inputs[1], inputs[2], p.dim, true, p.is_checked()),
        IndexKind::MaskedScatter => masked_scatter_plan(dev, inputs[0], inputs[1], inputs[2], p.is_checked()),
    }
}

/// The axis `dim` (an integer, negative counting from the end) of a tensor of `shape`.
fn resolve_dim(op: &str, shape: &[usize], dim: f32) -> Result<usize> {
    let rank = shape.len() as i64;
    let bad = |reason: String| RuntimeError::BadParameter { op: op.into(), name: "dim".into(), reason };
    if dim.fract() != 0.0 || !dim.is_finite() {
        return Err(bad(format!("must be an integer, got {dim}")));
    }
    let d = dim as i64;
    let at = if d < 0 { d + rank } else { d };
    if !(0..rank).contains(&at) {
        return Err(bad(format!("{d} is out of range for a tensor of rank {rank} (shape {shape:?})")));
    }
    Ok(at as usize)
}

/// `shape` seen as `[outer, shape[at], inner]`.
fn view(shape: &[usize], at: usize) -> [usize; 3] {
    [shape[..at].iter().product(), shape[at], shape[at + 1..].iter().product()]
}

/// Refuse index buffers that are not i32 or i64; whether they are i64.
fn check_index(op: &str, name: &str, b: &Buffer) -> Result<bool> {
    match b.dtype() {
        DType::I32 => Ok(false),
        DType::I64 => Ok(true),
        other => Err(RuntimeError::UnsupportedDType {
            what: format!("`{op}`, input `{name}`"),
            dtype: other,
            supported: "i32, i64".into(),
        }),
    }
}

/// The index buffer as the kernels read it: i32 words.
fn words(idx: &Buffer) -> Result<Buffer> {
    if idx.dtype() == DType::I64 {
        idx.bitcast(DType::I32)
    } else {
        Ok(idx.clone())
    }
}

fn fit(op: &str, shape: &[usize], v: usize, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| RuntimeError::InvalidShape {
        shape: shape.to_vec(),
        reason: format!("`{op}` indexes with u32, so it takes at most {} {what}", u32::MAX),
    })
}

/// A zeroed flag and the guard that reads it.
pub(crate) fn guard(dev: &Device, op: &'static str, input: &'static str, bound_of: String) -> Result<(Buffer, Guard)> {
    let flag = dev.upload(&[0u32; FLAG_WORDS], &[FLAG_WORDS])?;
    let clear = Launch::new(
        dev,
        k::clear_flag::DEF,
        DType::U32,
        ConstArgs::new(),
        Geometry::linear(1, 32),
        vec![(&flag).into(), (FLAG_WORDS as u32).into()],
    )?;
    let g = Guard { op, input, bound_of, flag: flag.clone(), clear, kind: GuardKind::IndexRange };
    Ok((flag, g))
}

/// The plan of `launches`, with its guard when checked.
pub(crate) fn guarded(plan: Plan, g: Guard, checked: bool) -> Plan {
    if checked {
        plan.with_guard(g)
    } else {
        plan
    }
}

/// Elements per vector of a row of `len` elements of `dtype`: 16 bytes where the length
/// allows (so every row starts aligned), else 4 elements, else 1.
fn row_vec(dtype: DType, len: usize) -> u32 {
    match dtype.size_bytes() {
        2 if len.is_multiple_of(8) => 8,
        _ if len.is_multiple_of(4) => 4,
        _ => 1,
    }
}

/// The launch of `def` (embedding or index_select) copying rows of `x` seen as
/// `[outer, n, row]` into `y` seen as `[outer, k, row]`.
#[allow(clippy::too_many_arguments)]
fn take_launch(
    dev: &Device,
    def: KernelDef,
    x: &Buffer,
    idx: &Buffer,
    y: &Buffer,
    flag: &Buffer,
    [outer, n, row]: [usize; 3],
    kcount: usize,
) -> Result<Launch> {
    let vec = row_vec(x.dtype(), row);
    let row_vecs = row / vec as usize;
    let total = fit(def.name, y.shape(), outer * kcount * row_vecs, "vectors")?;
    let groups_one = total.div_ceil(INDEX_GROUP);
    let unroll = if groups_one >= TAKE_MIN_GROUPS * k::TAKE_UNROLL { k::TAKE_UNROLL } else { 1 };
    let consts = ConstArgs::new()
        .with("vec", ConstArg::Int(i128::from(vec)))
        .with("unroll", ConstArg::Int(i128::from(unroll)))
        .with("wide", ConstArg::Bool(idx.dtype() == DType::I64));
    let geometry = Geometry::cover(u64::from(total.div_ceil(unroll)), INDEX_GROUP);
    let args: Vec<PlanArg> = vec![
        x.into(),
        (&words(idx)?).into(),
        y.into(),
        flag.into(),
        fit(def.name, x.shape(), n, "slices")?.into(),
        fit(def.name, y.shape(), kcount, "indices")?.into(),
        fit(def.name, x.shape(), row_vecs, "vectors per row")?.into(),
        total.into(),
    ];
    launch(dev, def, x.dtype(), consts, geometry, args)
}

/// Plan `y[..., :] = table[ids[...], :]` for `table` of shape `[V, D]`: `y` has shape
/// `ids.shape + [D]`.
pub fn embedding_plan(dev: &Device, table: &Buffer, ids: &Buffer, checked: bool) -> Result<Plan> {
    let op = k::embedding::DEF.name;
    check_float(op, "table", table)?;
    check_index(op, "ids", ids)?;
    let [v, d] = match table.shape() {
        [v, d] => [*v, *d],
        other => {
            return Err(RuntimeError::InvalidShape {
                shape: other.to_vec(),
                reason: format!("`{op}` takes a table of shape [V, D] (rank 2)"),
            })
        }
    };
    index_count(op, table)?;
    index_count(op, ids)?;
    let mut shape = ids.shape().to_vec();
    shape.push(d);
    let y = dev.alloc(table.dtype(), &shape)?;
    if y.is_empty() {
        return Ok(Plan::empty(("y", y)));
    }
    let (flag, g) = guard(dev, op, "ids", "the rows of `table`".into())?;
    let l = take_launch(dev, k::embedding::DEF, table, ids, &y, &flag, [1, v, d], ids.len())?;
    let bytes = (ids.size_bytes() + 2 * y.size_bytes()) as u64;
    Ok(guarded(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(bytes), g, checked))
}

/// Plan `index_select(x, dim, index)`: the slices `index[j]` of `x` along `dim`, `index` 1-d;
/// `y` has `x`'s shape with `dim` of size `len(index)`.
pub fn index_select_plan(dev: &Device, x: &Buffer, index: &Buffer, dim: f32, checked: bool) -> Result<Plan> {
    let op = k::index_select::DEF.name;
    check_float(op, "x", x)?;
    check_index(op, "index", index)?;
    if index.shape().len() != 1 {
        return Err(RuntimeError::InvalidShape {
            shape: index.shape().to_vec(),
            reason: format!("`{op}` takes a 1-d `index`"),
        });
    }
    let at = resolve_dim(op, x.shape(), dim)?;
    index_count(op, x)?;
    let mut shape = x.shape().to_vec();
    shape[at] = index.len();
    let y = dev.alloc(x.dtype(), &shape)?;
    if y.is_empty() {
        return Ok(Plan::empty(("y", y)));
    }
    let (flag, g) = guard(dev, op, "index", format!("dim {at} of `x`"))?;
    let l = take_launch(dev, k::index_select::DEF, x, index, &y, &flag, view(x.shape(), at), index.len())?;
    // The selected slices are read (once each, if repeated ones stay in cache), not all of x.
    let bytes = (index.size_bytes() + 2 * y.size_bytes()) as u64;
    Ok(guarded(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(bytes), g, checked))
}

/// Refuse an `index` that does not have `x`'s shape except along `at`.
fn check_index_shape(op: &str, x: &Buffer, index: &Buffer, at: usize) -> Result<()> {
    let (xs, is) = (x.shape(), index.shape());
    let fits = xs.len() == is.len() && xs.iter().zip(is).enumerate().all(|(i, (a, b))| i == at || a == b);
    if !fits {
        let mut expected = xs.to_vec();
        if let Some(e) = expected.get_mut(at) {
            *e = is.get(at).copied().unwrap_or(0);
        }
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `index` (the shape of `x` except along dim {at})"),
            expected,
            found: is.to_vec(),
        });
    }
    Ok(())
}

/// The launch of an elementwise walk of `index` (gather, scatter, scatter_add): `a` the data
/// read or the output written, `b` the other, `index` seen as `[outer, k, inner]` against
/// `[outer, n, inner]`.
#[allow(clippy::too_many_arguments)]
fn walk_launch(
    dev: &Device,
    def: KernelDef,
    dtype: DType,
    a: &Buffer,
    index: &Buffer,
    b: &Buffer,
    flag: &Buffer,
    n: usize,
    at: usize,
) -> Result<Launch> {
    let [_, kcount, inner] = view(index.shape(), at);
    let total = index_count(def.name, index)?;
    let geometry = Geometry::cover(u64::from(total.div_ceil(k::INDEX_PER_THREAD)), INDEX_GROUP);
    let consts = ConstArgs::new().with("wide", ConstArg::Bool(index.dtype() == DType::I64));
    let args: Vec<PlanArg> = vec![
        a.into(),
        (&words(index)?).into(),
        b.into(),
        flag.into(),
        fit(def.name, index.shape(), n, "slices")?.into(),
        fit(def.name, index.shape(), kcount, "indices")?.into(),
        fit(def.name, index.shape(), inner, "inner elements")?.into(),
        total.into(),
    ];
    launch(dev, def, dtype, consts, geometry, args)
}

/// Plan `gather(x, dim, index)`: `y[i][j][k] = x[i][index[i][j][k]][k]` for `dim = 1`; `index`
/// has `x`'s shape except along `dim`, `y` has `index`'s shape.
pub fn gather_plan(dev: &Device, x: &Buffer, index: &Buffer, dim: f32, checked: bool) -> Result<Plan> {
    let op = k::gather::DEF.name;
    check_float(op, "x", x)?;
    check_index(op, "index", index)?;
    let at = resolve_dim(op, x.shape(), dim)?;
    check_index_shape(op, x, index, at)?;
    index_count(op, x)?;
    let y = dev.alloc(x.dtype(), index.shape())?;
    if y.is_empty() {
        return Ok(Plan::empty(("y", y)));
    }
    let (flag, g) = guard(dev, op, "index", format!("dim {at} of `x`"))?;
    let l = walk_launch(dev, k::gather::DEF, x.dtype(), x, index, &y, &flag, x.shape()[at], at)?;
    Ok(guarded(Plan::new(vec![l], vec![], ("y", y)), g, checked))
}

/// Plan `scatter(x, dim, index, src)` (or `scatter_add` when `add`): `y = x`, then
/// `y[i][index[i][j][k]][k] = src[i][j][k]` (or `+=`) for `dim = 1`; `index` has `x`'s shape
/// except along `dim`, `src` has `index`'s shape. The add accumulates in f32: in `y` itself
/// for f32, in a scratch f32 copy of `x` cast back at the end for f16 and bf16.
pub fn scatter_plan(
    dev: &Device,
    x: &Buffer,
    index: &Buffer,
    src: &Buffer,
    dim: f32,
    add: bool,
    checked: bool,
) -> Result<Plan> {
    let def = if add { k::scatter_add::DEF } else { k::scatter::DEF };
    let op = def.name;
    check_float(op, "x", x)?;
    check_index(op, "index", index)?;
    if src.dtype() != x.dtype() {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `src`"),
            expected: x.dtype(),
            found: src.dtype(),
        });
    }
    let at = resolve_dim(op, x.shape(), dim)?;
    check_index_shape(op, x, index, at)?;
    if src.shape() != index.shape() {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `src` (the shape of `index`)"),
            expected: index.shape().to_vec(),
            found: src.shape().to_vec(),
        });
    }
    index_count(op, x)?;
    if index.is_empty() || x.is_empty() {
        // Nothing scattered: y is a copy of x.
        return super::copy_plan(dev, x);
    }
    let n = x.shape()[at];
    let (flag, g) = guard(dev, op, "index", format!("dim {at} of `x`"))?;
    let widened = add && x.dtype() != DType::F32;
    // y = x (or acc = x as f32), then the scatter, then (f16, bf16 adds) y = acc as T.
    let first = if widened { super::cast_plan(dev, x, DType::F32)? } else { super::copy_plan(dev, x)? };
    let mut launches = first.launches().to_vec();
    let target = first.into_output();
    launches.push(walk_launch(dev, def, x.dtype(), src, index, &target, &flag, n, at)?);
    let plan = if widened {
        let back = super::cast_plan(dev, &target, x.dtype())?;
        launches.extend(back.launches().iter().cloned());
        Plan::new(launches, vec![target], ("y", back.into_output()))
    } else {
        Plan::new(launches, vec![], ("y", target))
    };
    Ok(guarded(plan, g, checked))
}

/// Plan torch's `masked_scatter(x, mask, src)`: `y = x`, and the positions where `mask` (bool,
/// `x`'s shape; torch also broadcasts it) is true take the elements of `src` (any shape, at least
/// as many elements as the mask selects) in row-major order. Three launches: the count of each
/// chunk of the mask, their exclusive scan, the scatter (see [`crate::kernels::masked`]). A
/// `src` shorter than the count is, checked, an error; unchecked, the positions past its end
/// keep `x`'s values.
pub fn masked_scatter_plan(dev: &Device, x: &Buffer, mask: &Buffer, src: &Buffer, checked: bool) -> Result<Plan> {
    let op = masked::masked_scatter::DEF.name;
    check_float(op, "x", x)?;
    if mask.dtype() != DType::Bool {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `mask`"),
            expected: DType::Bool,
            found: mask.dtype(),
        });
    }
    if mask.shape() != x.shape() {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `mask` (no broadcasting yet)"),
            expected: x.shape().to_vec(),
            found: mask.shape().to_vec(),
        });
    }
    if src.dtype() != x.dtype() {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `src`"),
            expected: x.dtype(),
            found: src.dtype(),
        });
    }
    let n = index_count(op, x)?;
    let src_len = index_count(op, src)?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let chunks = n.div_ceil(masked::MASK_CHUNK);
    let counts = dev.alloc(DType::U32, &[chunks as usize + 1])?;
    let (flag, mut g) = guard(dev, op, "src", "`src`".into())?;
    g.kind = GuardKind::SourceTooShort;
    let group = masked::MASK_GROUP;
    let none = ConstArgs::new;
    let count = launch(
        dev,
        masked::masked_count::DEF,
        DType::U32,
        none(),
        Geometry::linear(chunks, group),
        vec![mask.into(), (&counts).into(), n.into()],
    )?;
    let offsets = launch(
        dev,
        masked::masked_offsets::DEF,
        DType::U32,
        none(),
        Geometry::linear(1, group),
        vec![(&counts).into(), chunks.into()],
    )?;
    let apply = launch(
        dev,
        masked::masked_scatter::DEF,
        x.dtype(),
        none(),
        Geometry::linear(chunks, group),
        vec![
            x.into(),
            mask.into(),
            src.into(),
            (&counts).into(),
            (&y).into(),
            (&flag).into(),
            n.into(),
            src_len.into(),
        ],
    )?;
    let plan = Plan::new(vec![count, offsets, apply], vec![counts], ("y", y));
    Ok(guarded(plan, g, checked))
}

/// torch's `masked_scatter(x, mask, src)` (out of place); a `src` shorter than the number of
/// true elements of `mask` is an error.
pub fn masked_scatter(dev: &Device, x: &Buffer, mask: &Buffer, src: &Buffer) -> Result<Buffer> {
    run(dev, masked_scatter_plan(dev, x, mask, src, true)?)
}

fn run(dev: &Device, plan: Plan) -> Result<Buffer> {
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `table[ids]`: one row of `table` (`[V, D]`) per id; an id outside `[0, V)` is an error.
pub fn embedding(dev: &Device, table: &Buffer, ids: &Buffer) -> Result<Buffer> {
    run(dev, embedding_plan(dev, table, ids, true)?)
}

/// torch's `index_select(x, dim, index)`; an index outside the axis is an error.
pub fn index_select(dev: &Device, x: &Buffer, dim: i64, index: &Buffer) -> Result<Buffer> {
    run(dev, index_select_plan(dev, x, index, dim as f32, true)?)
}

/// torch's `gather(x, dim, index)`; an index outside the axis is an error.
pub fn gather(dev: &Device, x: &Buffer, dim: i64, index: &Buffer) -> Result<Buffer> {
    run(dev, gather_plan(dev, x, index, dim as f32, true)?)
}

/// torch's `scatter(x, dim, index, src)` (out of place); an index outside the axis is an
/// error; where indices repeat, one of the candidates is stored.
pub fn scatter(dev: &Device, x: &Buffer, dim: i64, index: &Buffer, src: &Buffer) -> Result<Buffer> {
    run(dev, scatter_plan(dev, x, index, src, dim as f32, false, true)?)
}

/// torch's `scatter_add(x, dim, index, src)` (out of place), accumulated in f32; an index
/// outside the axis is an error.
pub fn scatter_add(dev: &Device, x: &Buffer, dim: i64, index: &Buffer, src: &Buffer) -> Result<Buffer> {
    run(dev, scatter_plan(dev, x, index, src, dim as f32, true, true)?)
}

/// The parameters `tile bench` runs `kind` with: index_select along rows (dim 0), gather and
/// scatter along the last axis.
pub fn index_bench_params(kind: IndexKind) -> OpParams {
    let mut p = OpParams::default();
    if kind == IndexKind::IndexSelect {
        p.index.dim = 0.0;
    }
    p
}

/// The shapes `tile bench` times the indexing ops at, each the data's shape followed by the
/// length of the indexed axis in the output (the number of ids, of selected slices, or the
/// index's size along `dim`): Llama-3's embedding table (128256 × 4096) at a prefill of 4096
/// ids and a decode step of 64; index_select of 4096 rows of 4096 × 8192; gather of 4096 × 8192
/// along the last axis; scatter of 4096 × 1024 indices into 4096 × 4096; masked_scatter of
/// 4096 × 8192 (its shape is the data's alone).
pub fn index_bench_shapes(kind: IndexKind, size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    use crate::bench::BenchSize::*;
    match (kind, size) {
        (IndexKind::Embedding, Quick) => vec![vec![1000, 64, 16]],
        (IndexKind::MaskedScatter, Quick) => vec![vec![8, 1024]],
        (_, Quick) => vec![vec![8, 1024, 256]],
        (IndexKind::Embedding, Full) => vec![vec![128_256, 4096, 4096], vec![128_256, 4096, 64]],
        (IndexKind::IndexSelect, Full) => vec![vec![4096, 8192, 4096]],
        (IndexKind::Gather, Full) => vec![vec![4096, 8192, 8192]],
        (IndexKind::Scatter | IndexKind::ScatterAdd, Full) => vec![vec![4096, 4096, 1024]],
        (IndexKind::MaskedScatter, Full) => vec![vec![4096, 8192]],
    }
}
