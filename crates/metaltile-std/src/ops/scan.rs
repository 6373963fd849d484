//! Scans along any axis (`kernels::scan`): cumulative sums and products, inclusive or
//! exclusive, forward or reversed, and the masked cumulative sum. Their parameters are the
//! reductions' `axis` ([`super::ReduceParams`], one convention for every op along an axis)
//! and `reverse` ([`ScanParams`]).
//!
//! Plans: along the last axis (or one followed only by axes of size 1), `tpr` lanes per row
//! in one launch; for few long rows, three launches: the totals of each row's spans, an
//! exclusive scan of those totals (planned recursively, f32), and the scan of each span from
//! its carry. Along an inner axis, one thread per column, with the same three steps when
//! there are too few columns to fill the GPU.

use super::{axis_view, check_float, check_row_len, index_count, launch, rows_geometry, OpParams};
use crate::kernels::scan::{self as k, PROD, SLOT_LANES, SUM, TILE_PER_THREAD};
use crate::plan::{Launch, Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The shapes the scans are timed at: many rows (a simdgroup each), many short rows (several
/// per simdgroup), few long rows and one very long row (both chunked). Along axis 0 (the
/// column kernels) with `tile bench --param axis=0`, e.g. `--shape 8192x4096`.
pub fn scan_bench_shapes(size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match size {
        // Half the rows of the other row ops' quick shape: five scans × three dtypes in the CPU bench.
        crate::bench::BenchSize::Quick => vec![vec![4, 1024]],
        crate::bench::BenchSize::Full => vec![vec![4096, 8192], vec![262_144, 64], vec![32, 393_216], vec![1, 1 << 26]],
    }
}

/// Slots (rows, or spans of rows) below which a chunked plan is used, when rows are long
/// enough to cut: one 32-lane slot per row would leave most of a large GPU idle.
pub const SCAN_SPLIT_BELOW_SLOTS: u32 = 2048;
/// Slots a chunked plan of the last axis aims for (several simdgroups per multiprocessor).
pub const SCAN_TARGET_SLOTS: u32 = 8192;
/// Fewest elements per span of a chunked plan of the last axis.
pub const SCAN_MIN_CHUNK: u32 = 4096;
/// Threads an inner-axis scan aims for; fewer columns than this get their axis cut into spans.
pub const SCAN_COL_TARGET_THREADS: u32 = 131072;
/// Fewest steps per span of a chunked inner-axis scan.
pub const SCAN_COL_MIN_CHUNK: u32 = 64;
/// Threads per threadgroup of the scan kernels.
const SCAN_GROUP: u32 = 256;

/// The scans of the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScanKind {
    /// Σ over the elements up to and including each.
    Cumsum,
    /// Σ over the elements before each (0 for the first).
    CumsumExclusive,
    /// Π over the elements up to and including each.
    Cumprod,
    /// Π over the elements before each (1 for the first).
    CumprodExclusive,
    /// Σ over the elements up to and including each whose bool `mask` is true.
    MaskedCumsum,
}

/// The scalar parameters of the scans besides `axis`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScanParams {
    /// 1 to scan from the end (`flip ∘ scan ∘ flip`), 0 (default) from the start.
    pub reverse: f32,
}

impl Default for ScanParams {
    fn default() -> Self {
        ScanParams { reverse: 0.0 }
    }
}

impl ScanParams {
    /// The names [`ScanParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["reverse"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "reverse" => Some(&mut self.reverse),
            _ => None,
        }
    }
}

/// What one scan computes: the op's kernel constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scan {
    op: u32,
    exclusive: bool,
    reverse: bool,
    masked: bool,
}

impl Scan {
    /// The exclusive forward scan of chunk totals that gives each span its carry.
    fn of_totals(self) -> Scan {
        Scan { op: self.op, exclusive: true, reverse: false, masked: false }
    }
}

impl ScanKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [ScanKind] = &[
        ScanKind::Cumsum,
        ScanKind::CumsumExclusive,
        ScanKind::Cumprod,
        ScanKind::CumprodExclusive,
        ScanKind::MaskedCumsum,
    ];

    /// The kernel of the last axis, which names the op.
    pub fn def(self) -> KernelDef {
        match self {
            ScanKind::Cumsum => k::cumsum::DEF,
            ScanKind::CumsumExclusive => k::cumsum_exclusive::DEF,
            ScanKind::Cumprod => k::cumprod::DEF,
            ScanKind::CumprodExclusive => k::cumprod_exclusive::DEF,
            ScanKind::MaskedCumsum => k::masked_cumsum::DEF,
        }
    }

    /// The op's name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// `kernels::scan::SUM` or `PROD`.
    fn op(self) -> u32 {
        match self {
            ScanKind::Cumprod | ScanKind::CumprodExclusive => PROD,
            _ => SUM,
        }
    }

    fn exclusive(self) -> bool {
        matches!(self, ScanKind::CumsumExclusive | ScanKind::CumprodExclusive)
    }

    fn masked(self) -> bool {
        self == ScanKind::MaskedCumsum
    }

    /// True for the sums, whose error is bounded by the size of their terms.
    pub fn is_sum(self) -> bool {
        self.op() == SUM
    }

    /// Names of its input buffers.
    pub fn inputs(self) -> &'static [&'static str] {
        if self.masked() {
            &["x", "mask"]
        } else {
            &["x"]
        }
    }

    /// Names of its scalar parameters.
    pub fn params(self) -> &'static [&'static str] {
        &["axis", "reverse"]
    }

    /// The dtype of input `index` when the op computes in `dtype`: bool for the mask.
    pub fn input_dtype(self, index: usize, dtype: DType) -> DType {
        if self.masked() && index == 1 {
            DType::Bool
        } else {
            dtype
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            ScanKind::Cumsum => "y[.., i, ..] = Σ_{j ≤ i} x[.., j, ..] along axis (reverse: j ≥ i)",
            ScanKind::CumsumExclusive => "y[.., i, ..] = Σ_{j < i} x[.., j, ..] along axis (reverse: j > i); 0 first",
            ScanKind::Cumprod => "y[.., i, ..] = Π_{j ≤ i} x[.., j, ..] along axis (reverse: j ≥ i)",
            ScanKind::CumprodExclusive => "y[.., i, ..] = Π_{j < i} x[.., j, ..] along axis (reverse: j > i); 1 first",
            ScanKind::MaskedCumsum => {
                "y[.., i, ..] = Σ_{j ≤ i, mask[.., j, ..]} x[.., j, ..] (masked-off elements add 0, even NaN)"
            }
        }
    }

    /// What the reference computes for it.
    pub fn spec(self, reverse: bool) -> crate::reference::ScanSpec {
        crate::reference::ScanSpec { prod: self.op() == PROD, exclusive: self.exclusive(), reverse }
    }

    fn scan(self, reverse: bool) -> Scan {
        Scan { op: self.op(), exclusive: self.exclusive(), reverse, masked: self.masked() }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let mut out = Vec::new();
        for reverse in [false, true] {
            let s = self.scan(reverse);
            for carried in [false, true] {
                out.push((self.def(), row_consts(s, carried)));
                out.push((k::scan_cols::DEF, col_consts(s, carried)));
            }
            out.push((k::scan_totals::DEF, total_consts(s)));
            out.push((k::scan_col_totals::DEF, total_consts(s)));
        }
        // The scans of the totals, themselves chunked when long.
        let t = self.scan(false).of_totals();
        for carried in [false, true] {
            out.push((row_def(t), row_consts(t, carried)));
            out.push((k::scan_cols::DEF, col_consts(t, carried)));
        }
        out.push((k::scan_totals::DEF, total_consts(t)));
        out.push((k::scan_col_totals::DEF, total_consts(t)));
        let mut unique: Vec<(KernelDef, ConstArgs)> = Vec::new();
        for (def, consts) in out {
            if !unique.iter().any(|(d, c)| d.name == def.name && *c == consts) {
                unique.push((def, consts));
            }
        }
        unique
    }
}

/// The kernel of the last axis that computes `s`.
fn row_def(s: Scan) -> KernelDef {
    match (s.op, s.exclusive, s.masked) {
        (_, _, true) => k::masked_cumsum::DEF,
        (PROD, false, _) => k::cumprod::DEF,
        (PROD, true, _) => k::cumprod_exclusive::DEF,
        (_, true, _) => k::cumsum_exclusive::DEF,
        _ => k::cumsum::DEF,
    }
}

fn flag(v: bool) -> ConstArg {
    ConstArg::Bool(v)
}

/// The constexprs of a last-axis kernel (`op`, `exclusive` and `masked` are its own).
fn row_consts(s: Scan, carried: bool) -> ConstArgs {
    let mut c = ConstArgs::new();
    if s.reverse {
        c = c.with("reverse", flag(true));
    }
    if carried {
        c = c.with("carried", flag(true));
    }
    c
}

/// The constexprs of `scan_cols`.
fn col_consts(s: Scan, carried: bool) -> ConstArgs {
    let mut c = total_consts(s);
    if s.exclusive {
        c = c.with("exclusive", flag(true));
    }
    if carried {
        c = c.with("carried", flag(true));
    }
    c
}

/// The constexprs of the totals kernels.
fn total_consts(s: Scan) -> ConstArgs {
    let mut c = ConstArgs::new();
    if s.op != SUM {
        c = c.with("op", ConstArg::Int(i128::from(s.op)));
    }
    if s.reverse {
        c = c.with("reverse", flag(true));
    }
    if s.masked {
        c = c.with("masked", flag(true));
    }
    c
}

/// How a last-axis scan of `rows` rows of `n` runs: `(tpr, chunks, chunk_len)`. `tpr` lanes
/// per row give each lane about one tile; rows of a whole simdgroup that are too few to fill
/// the GPU are cut into `chunks` spans of `chunk_len` (a multiple of a simdgroup's tile, so
/// every span starts aligned).
pub fn scan_row_plan(rows: u32, n: u32) -> (u32, u32, u32) {
    let tpr = n.div_ceil(TILE_PER_THREAD).max(1).next_power_of_two().min(SLOT_LANES);
    if tpr < SLOT_LANES || rows >= SCAN_SPLIT_BELOW_SLOTS || n < 2 * SCAN_MIN_CHUNK {
        return (tpr, 1, n);
    }
    let want = SCAN_TARGET_SLOTS.div_ceil(rows).min(n / SCAN_MIN_CHUNK);
    let tile = SLOT_LANES * TILE_PER_THREAD;
    let chunk_len = n.div_ceil(want).div_ceil(tile) * tile;
    (tpr, n.div_ceil(chunk_len), chunk_len)
}

/// How an inner-axis scan of `columns` columns of `n` steps runs: `(chunks, chunk_len)`.
pub fn scan_col_plan(columns: u32, n: u32) -> (u32, u32) {
    if columns >= SCAN_COL_TARGET_THREADS || n < 2 * SCAN_COL_MIN_CHUNK {
        return (1, n);
    }
    let want = SCAN_COL_TARGET_THREADS.div_ceil(columns).min(n / SCAN_COL_MIN_CHUNK);
    let chunk_len = n.div_ceil(want);
    (n.div_ceil(chunk_len), chunk_len)
}

/// The launches of a plan being built, and its scratch buffers.
struct Builder<'a> {
    dev: &'a Device,
    launches: Vec<Launch>,
    scratch: Vec<Buffer>,
    /// What kernels take for `mask` when they do not read it.
    no_mask: Buffer,
    /// What kernels take for `carries` when they do not read them.
    no_carries: Buffer,
}

impl Builder<'_> {
    fn scratch(&mut self, shape: &[usize]) -> Result<Buffer> {
        let b = self.dev.alloc(DType::F32, shape)?;
        self.scratch.push(b.clone());
        Ok(b)
    }

    /// Scan `x` seen as `[rows, n]` along its rows into `y`.
    fn rows(&mut self, s: Scan, x: &Buffer, mask: &Buffer, y: &Buffer, rows: u32, n: u32) -> Result<()> {
        let (tpr, chunks, chunk_len) = scan_row_plan(rows, n);
        let dtype = x.dtype();
        let args = |carries: &Buffer| -> Vec<PlanArg> {
            let dims = [rows, n, chunks, chunk_len, tpr];
            [vec![x.into(), mask.into(), carries.into(), y.into()], dims.map(PlanArg::from).to_vec()].concat()
        };
        let geometry = rows_geometry(rows * chunks, tpr);
        if chunks == 1 {
            let no_carries = self.no_carries.clone();
            let l = launch(self.dev, row_def(s), dtype, row_consts(s, false), geometry, args(&no_carries))?;
            self.launches.push(l);
            return Ok(());
        }
        let part = self.scratch(&[rows as usize, chunks as usize])?;
        let totals = launch(
            self.dev,
            k::scan_totals::DEF,
            dtype,
            total_consts(s),
            rows_geometry(rows * chunks, SLOT_LANES),
            vec![x.into(), mask.into(), (&part).into(), rows.into(), n.into(), chunks.into(), chunk_len.into()],
        )?;
        self.launches.push(totals);
        let carries = self.scratch(&[rows as usize, chunks as usize])?;
        let no_mask = self.no_mask.clone();
        self.rows(s.of_totals(), &part, &no_mask, &carries, rows, chunks)?;
        let l = launch(self.dev, row_def(s), dtype, row_consts(s, true), geometry, args(&carries))?;
        self.launches.push(l);
        Ok(())
    }

    /// Scan `x` seen as `[outer, n, inner]` along its middle axis into `y`.
    fn cols(&mut self, s: Scan, x: &Buffer, mask: &Buffer, y: &Buffer, view: [u32; 3]) -> Result<()> {
        let [outer, n, inner] = view;
        let (chunks, chunk_len) = scan_col_plan(outer * inner, n);
        let dtype = x.dtype();
        let dims = [outer, n, inner, chunks, chunk_len].map(PlanArg::from).to_vec();
        let geometry = Geometry::cover(u64::from(outer) * u64::from(chunks) * u64::from(inner), SCAN_GROUP);
        let mut carries = self.no_carries.clone();
        if chunks > 1 {
            let part = self.scratch(&[outer as usize, chunks as usize, inner as usize])?;
            let args = [vec![x.into(), mask.into(), (&part).into()], dims.clone()].concat();
            self.launches.push(launch(self.dev, k::scan_col_totals::DEF, dtype, total_consts(s), geometry, args)?);
            carries = self.scratch(&[outer as usize, chunks as usize, inner as usize])?;
            let no_mask = self.no_mask.clone();
            self.cols(s.of_totals(), &part, &no_mask, &carries, [outer, chunks, inner])?;
        }
        let args = [vec![x.into(), mask.into(), (&carries).into(), y.into()], dims].concat();
        self.launches.push(launch(self.dev, k::scan_cols::DEF, dtype, col_consts(s, chunks > 1), geometry, args)?);
        Ok(())
    }
}

/// A bool operand of `x`'s shape.
fn check_mask(op: &str, x: &Buffer, mask: &Buffer) -> Result<()> {
    if mask.dtype() != DType::Bool {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{op}`, input `mask`"),
            dtype: mask.dtype(),
            supported: DType::Bool.name().into(),
        });
    }
    if mask.shape() != x.shape() {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `mask`"),
            expected: x.shape().to_vec(),
            found: mask.shape().to_vec(),
        });
    }
    Ok(())
}

/// Plan scan `kind` of `inputs` (`x`, and `mask` for the masked sum) along
/// `params.reduce.axis` (negative from the end), reversed when `params.scan.reverse` is 1.
pub fn scan_plan(dev: &Device, kind: ScanKind, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
    let op = kind.name();
    let bad = |name: &str, reason: String| RuntimeError::BadParameter { op: op.into(), name: name.into(), reason };
    let Some(x) = inputs.first() else {
        return Err(RuntimeError::ArgCount {
            kernel: op.into(),
            expected: kind.inputs().len(),
            found: 0,
            params: kind.inputs().join(", "),
        });
    };
    check_float(op, "x", x)?;
    if let Some(s) = params.strategy {
        return Err(bad("strategy", format!("`{s}` is not a strategy of this op: scans have one plan")));
    }
    let reverse = match params.scan.reverse {
        0.0 => false,
        1.0 => true,
        r => return Err(bad("reverse", format!("must be 0 or 1, got {r}"))),
    };
    index_count(op, x)?;
    let [outer, n, inner] = axis_view(op, x.shape(), params.reduce.axis)?;
    let mask = match (kind.masked(), inputs.get(1)) {
        (true, Some(m)) => {
            check_mask(op, x, m)?;
            Some(*m)
        }
        (true, None) => {
            return Err(RuntimeError::MissingInput { op: op.into(), name: "mask".into(), expected: "x, mask".into() })
        }
        (false, _) => None,
    };
    let y = dev.alloc(x.dtype(), x.shape())?;
    if x.is_empty() {
        return Ok(Plan::empty(("y", y)));
    }
    let mut b = Builder {
        dev,
        launches: Vec::new(),
        scratch: Vec::new(),
        no_mask: dev.alloc(DType::Bool, &[1])?,
        no_carries: dev.alloc(DType::F32, &[1])?,
    };
    b.scratch.extend([b.no_mask.clone(), b.no_carries.clone()]);
    let mask = mask.cloned().unwrap_or_else(|| b.no_mask.clone());
    // Each fits u32: the tensor does (`index_count`).
    let [outer, n, inner] = [outer, n, inner].map(|v| v as u32);
    let s = kind.scan(reverse);
    if inner == 1 {
        // Its tiles run up to a tile past the row's end: that must not wrap around u32.
        check_row_len(op, x.shape(), n)?;
        b.rows(s, x, &mask, &y, outer, n)?;
    } else {
        b.cols(s, x, &mask, &y, [outer, n, inner])?;
    }
    Ok(Plan::new(b.launches, b.scratch, ("y", y)))
}

/// Plan `kind` of `x` (and `mask`) along `axis`, reversed when `reverse`.
fn scan_with(dev: &Device, kind: ScanKind, inputs: &[&Buffer], axis: i32, reverse: bool) -> Result<Buffer> {
    let mut params = OpParams::default();
    params.reduce.axis = axis as f32;
    params.scan.reverse = if reverse { 1.0 } else { 0.0 };
    let plan = scan_plan(dev, kind, inputs, &params)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// Cumulative sum along `axis` (negative from the end), from the end when `reverse`
/// (`torch.cumsum`; reversed, `flip ∘ cumsum ∘ flip`).
pub fn cumsum(dev: &Device, x: &Buffer, axis: i32, reverse: bool) -> Result<Buffer> {
    scan_with(dev, ScanKind::Cumsum, &[x], axis, reverse)
}
/// Exclusive cumulative sum: each element gets the sum of those before it (0 for the first).
pub fn cumsum_exclusive(dev: &Device, x: &Buffer, axis: i32, reverse: bool) -> Result<Buffer> {
    scan_with(dev, ScanKind::CumsumExclusive, &[x], axis, reverse)
}
/// Cumulative product along `axis` (`torch.cumprod`).
pub fn cumprod(dev: &Device, x: &Buffer, axis: i32, reverse: bool) -> Result<Buffer> {
    scan_with(dev, ScanKind::Cumprod, &[x], axis, reverse)
}
/// Exclusive cumulative product: each element gets the product of those before it (1 for the first).
pub fn cumprod_exclusive(dev: &Device, x: &Buffer, axis: i32, reverse: bool) -> Result<Buffer> {
    scan_with(dev, ScanKind::CumprodExclusive, &[x], axis, reverse)
}
/// Cumulative sum of the elements whose bool `mask` (of `x`'s shape) is true; the others
/// add 0 whatever their value (`torch.cumsum(torch.where(mask, x, 0), dim)`).
pub fn masked_cumsum(dev: &Device, x: &Buffer, mask: &Buffer, axis: i32, reverse: bool) -> Result<Buffer> {
    scan_with(dev, ScanKind::MaskedCumsum, &[x, mask], axis, reverse)
}
