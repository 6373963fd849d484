//! The correctness oracle: every std kernel, every float dtype, several seeds and edge cases,
//! compared element by element with its f64 reference.
//!
//! Inputs are generated in f64 and rounded to the dtype by the upload; the reference runs on
//! the rounded values read back, so only the kernel's own error is measured. The reference's
//! result is rounded to the output dtype too (what an exact kernel would store). Outputs are
//! fresh, poisoned buffers for every run.

mod bitwise;
pub mod compare;
mod copy;
mod fused;
mod gemv;
mod index;
pub mod inputs;
mod loss;
mod movement;
mod normvar;
mod random;
mod reduce;
pub mod rng;
mod rope;
mod scan;
mod sort;

use crate::ops::{OpParams, StdOp};
use crate::plan::Plan;
use crate::registry::{self, Entry};
use crate::tensor::HostTensor;
use compare::{compare_scaled, Comparison};
use metaltile_ir::dtype::{bits_to_f64, f64_to_bits, wrap_int};
use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, Result};
use serde::{Serialize, Serializer};

fn dtype_name<S: Serializer>(d: &DType, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(d.name())
}

/// How a case's values are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseKind {
    /// Uniform in the op's domain.
    Random,
    /// Random, with NaN, infinities, signed zeros and other special values inserted.
    Specials,
    /// Random, scaled to large magnitudes.
    Large,
    /// Rows whose second half nearly negates the first: sums that cancel to a small fraction
    /// of their terms.
    Cancelling,
    /// Binary ops: random, `b` of this shape (the case's shape is `a`'s), broadcast.
    Broadcast(&'static [usize]),
    /// Binary ops: random, `b` one row of `a` (its last axis): a bias add.
    RowBroadcast,
    /// Binary ops: random, `b` one scalar kernel argument, on the left of the op when `left`.
    Scalar { left: bool },
}

/// One test case of one kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub dtype: DType,
    /// Shape of the data input (`x`, or `a` and `b`); norm weights are one row long.
    pub shape: Vec<usize>,
    pub seed: u64,
    pub kind: CaseKind,
    /// What the case exercises.
    pub label: String,
    /// The op's scalar parameters.
    pub params: OpParams,
}

/// The outcome of one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseResult {
    pub kernel: String,
    #[serde(serialize_with = "dtype_name")]
    pub dtype: DType,
    /// The data input's shape, e.g. `[4, 1000]`.
    pub shape: String,
    pub label: String,
    pub seed: u64,
    pub max_abs_err: f64,
    pub max_rel_err: f64,
    pub passed: bool,
    /// Why it failed: the first mismatching element, or an error from building or running.
    pub error: Option<String>,
}

/// Shapes and kinds of the cases of one op, for any dtype.
fn plan_cases(op: StdOp) -> Vec<(Vec<usize>, u64, CaseKind, &'static str)> {
    use CaseKind::*;
    let elementwise = matches!(op, StdOp::Unary(_) | StdOp::Binary(_));
    if elementwise {
        let mut cases = vec![
            (vec![1000], 1, Random, "random, 1000 elements (not a multiple of the threadgroup)"),
            (vec![1000], 2, Random, "random, seed 2"),
            (vec![1000], 3, Random, "random, seed 3"),
            (vec![1], 4, Random, "size 1"),
            (vec![3, 5, 67], 5, Random, "3-d"),
            (vec![600], 6, Specials, "NaN, ±inf, ±0 and other special values"),
            (vec![1000], 7, Large, "large magnitudes"),
            (vec![4096], 8, Random, "a multiple of a thread's 16 elements: no scalar tail"),
            (vec![16], 9, Random, "exactly one thread's elements"),
            (vec![17], 10, Random, "one thread's elements and a tail of 1"),
            (vec![4111], 11, Random, "a scalar tail of 15"),
        ];
        if let StdOp::Binary(_) = op {
            cases.extend(broadcast_cases());
        }
        cases
    } else {
        vec![
            (vec![4, 1000], 1, Random, "random, 4 rows of 1000 (longer than a threadgroup, not a multiple of it)"),
            (vec![4, 1000], 2, Random, "random, seed 2"),
            (vec![4, 1000], 3, Random, "random, seed 3"),
            (vec![1, 1], 4, Random, "one element"),
            (vec![5, 1], 5, Random, "rows of length 1"),
            (vec![3, 45], 6, Random, "rows not a multiple of 32"),
            (vec![2, 256], 7, Random, "rows of exactly one threadgroup"),
            (vec![2, 2500], 8, Random, "rows ten threadgroups long"),
            (vec![2, 3, 70], 9, Random, "3-d"),
            (vec![8, 77], 10, Specials, "rows with NaN, ±inf, all -0.0, masked -inf, constant"),
            (vec![3, 500], 11, Large, "large magnitudes"),
            (vec![33, 64], 12, Random, "tiny rows: several rows per threadgroup, the last one partial"),
            (vec![37, 7], 13, Random, "rows of 7: two threads per row, scalar layout"),
            (vec![5, 300], 14, Random, "rows of 128 threads, two per threadgroup"),
            (vec![3, 2003], 15, Random, "8 elements per thread in registers, length not a multiple of 4"),
            (vec![2, 4096], 16, Random, "16 elements per thread in registers"),
            (vec![2, 8190], 17, Random, "32 elements per thread in registers, length not a multiple of 4"),
            (vec![1, 8192], 18, Random, "the longest row held in registers (256 threads × 32)"),
            (vec![2, 20000], 19, Random, "few long rows: each split over 4 threadgroups"),
            (vec![3, 20003], 20, Random, "split rows, length not a multiple of 4"),
            (vec![8, 16500], 21, Specials, "split rows with NaN, ±inf, all -0.0, masked -inf, constant"),
            (vec![4, 8192], 22, Cancelling, "rows whose halves cancel: sums far smaller than their terms"),
            (vec![2, 4104], 23, Random, "16-bit rows walked two tiles a step, the second 8 columns long"),
        ]
    }
}

/// One row of an op's case table: shape, seed, kind, label and parameters.
pub(crate) type CaseRow = (Vec<usize>, u64, CaseKind, &'static str, OpParams);

/// Every row of `table` in every float dtype, dtype by dtype.
pub(crate) fn in_every_float_dtype(table: &[CaseRow]) -> Vec<Case> {
    FLOAT_DTYPES
        .into_iter()
        .flat_map(|dtype| {
            table.iter().map(move |(shape, seed, kind, label, params)| Case {
                dtype,
                shape: shape.clone(),
                seed: *seed,
                kind: *kind,
                label: label.to_string(),
                params: *params,
            })
        })
        .collect()
}

/// The broadcast and scalar-operand cases of every binary op.
fn broadcast_cases() -> Vec<(Vec<usize>, u64, CaseKind, &'static str)> {
    use CaseKind::*;
    vec![
        (vec![4, 1000], 31, RowBroadcast, "b one row: the row-broadcast kernel (bias add)"),
        (vec![3, 2, 4096], 32, Broadcast(&[1, 4096]), "b one row with a leading 1, no tail"),
        (vec![4, 1, 5], 33, Broadcast(&[3, 1]), "both stretched: [4, 1, 5] with [3, 1]"),
        (vec![1], 34, Broadcast(&[7, 3]), "a one element, b larger"),
        (vec![5, 7], 35, Broadcast(&[7]), "b one row of 7 (not a multiple of 4): strided"),
        (vec![2, 1, 3, 1, 4, 1], 36, Broadcast(&[3, 1, 1, 4, 1]), "rank 6 against rank 5, size 1 everywhere"),
        (vec![1, 1], 37, Broadcast(&[1]), "size 1 everywhere"),
        (vec![3, 1], 38, Broadcast(&[1, 70]), "an outer product"),
        (vec![1000], 39, Scalar { left: false }, "b a scalar argument"),
        (vec![1000], 40, Scalar { left: true }, "a scalar argument on the left"),
        (vec![3, 17], 41, Scalar { left: false }, "scalar, 2-d with a tail"),
        (vec![2, 4100], 42, Scalar { left: false }, "scalar, two full groups of 4096 and a tail"),
        (vec![4100], 43, Scalar { left: true }, "scalar on the left, a full group and a tail"),
    ]
}

/// Every case of `entry`: each float dtype × the op's shapes, seeds and edge cases.
pub fn cases(entry: &Entry) -> Vec<Case> {
    if let StdOp::Rope(_) = entry.op {
        return rope::cases();
    }
    if let StdOp::Gemv(_) = entry.op {
        return gemv::cases();
    }
    if let StdOp::Fused(k) = entry.op {
        return fused::cases(k);
    }
    if let StdOp::Copy = entry.op {
        return copy::cases();
    }
    if let StdOp::Cast(to) = entry.op {
        return copy::cast_cases(to);
    }
    if let StdOp::Move(k) = entry.op {
        return movement::cases(k);
    }
    if let StdOp::Scan(_) = entry.op {
        return scan::cases();
    }
    if let StdOp::Index(k) = entry.op {
        return index::cases(k);
    }
    if let StdOp::Bitwise(k) = entry.op {
        return bitwise::cases(k);
    }
    if let StdOp::Sort(k) = entry.op {
        return sort::cases(k);
    }
    if let StdOp::Random(k) = entry.op {
        return random::cases(k);
    }
    if let StdOp::Loss(k) = entry.op {
        return loss::cases(k);
    }
    if let StdOp::Norm(k) = entry.op {
        return normvar::cases(k);
    }
    let mut out = Vec::new();
    for dtype in FLOAT_DTYPES {
        for (shape, seed, kind, label) in plan_cases(entry.op) {
            out.push(Case { dtype, shape, seed, kind, label: label.to_string(), params: OpParams::default() });
        }
    }
    if let StdOp::Reduce(k) = entry.op {
        out.extend(reduce::cases(k));
    }
    out
}

/// The inputs of `op` on `dev`, each in the dtype [`StdOp::input_dtype`] gives it when the op
/// computes in `dtype` (rounded by the upload).
pub fn upload(dev: &Device, op: StdOp, dtype: DType, inputs: &[HostTensor]) -> Result<Vec<Buffer>> {
    upload_with(dev, op, dtype, &OpParams::default(), inputs)
}

/// [`upload`] with each input in the dtype [`StdOp::input_dtype_with`] gives it under `params`.
pub fn upload_with(
    dev: &Device,
    op: StdOp,
    dtype: DType,
    params: &OpParams,
    inputs: &[HostTensor],
) -> Result<Vec<Buffer>> {
    let dtype_of = |i: usize| op.input_dtype_with(i, dtype, params);
    inputs.iter().enumerate().map(|(i, t)| dev.from_f64(dtype_of(i), &t.shape, &t.data)).collect()
}

/// Round each value to `dtype` and back: what an exact kernel would store.
fn round_to(dtype: DType, v: &[f64]) -> Vec<f64> {
    v.iter().map(|&x| bits_to_f64(dtype, f64_to_bits(dtype, x))).collect()
}

/// Wrap each integer to the integer (or bool) `dtype` and back: its two's-complement low
/// bits, as integer arithmetic stores them (bool keeps the lowest bit, so `!1` is 0). The
/// values lie in i64 (references wrap to 64 bits first), but i64's largest values round up
/// to 2^63 as f64, where wrapping would flip the sign: they are clamped back.
fn wrap_to(dtype: DType, v: &[f64]) -> Vec<f64> {
    let wrap = |x: f64| {
        let bits = (x as i128).min(i128::from(i64::MAX)) as u64;
        if dtype == DType::Bool {
            bits & 1
        } else {
            wrap_int(dtype, bits)
        }
    };
    v.iter().map(|&x| bits_to_f64(dtype, wrap(x))).collect()
}

fn try_case(dev: &Device, entry: &Entry, case: &Case) -> Result<Comparison> {
    let inputs = inputs::generate(entry.op, case);
    let buffers = upload_with(dev, entry.op, case.dtype, &case.params, &inputs)?;
    let rounded: Vec<HostTensor> =
        buffers.iter().map(|b| Ok(HostTensor::new(b.shape(), b.to_f64()?))).collect::<Result<_>>()?;
    let params = case.params;
    let plan = match (entry.op, case.kind) {
        (StdOp::Binary(k), CaseKind::Scalar { left }) => {
            let s = rounded[1].data.first().copied().unwrap_or(0.0) as f32;
            crate::broadcast::binary_scalar_plan(dev, k, &buffers[0], s, left)?
        }
        _ => entry.op.plan(dev, &buffers.iter().collect::<Vec<_>>(), &params)?,
    };
    plan.run(dev)?;
    check_outputs(entry, &inputs::expand(case.kind, rounded), &plan, &params)
}

/// Compare every output of a plan that ran with the reference on `inputs` (the values the
/// device holds), the reference rounded to each output's dtype as an exact kernel would
/// store it, the tolerance scaled as [`Entry::error_scale`] says.
pub fn check_outputs(entry: &Entry, inputs: &[HostTensor], plan: &Plan, params: &OpParams) -> Result<Comparison> {
    let want = entry.reference(inputs, params);
    let scale = entry.error_scale(inputs, params);
    let mut total = Comparison::default();
    if plan.outputs().len() != want.len() {
        // zip would compare only the shorter list: an output left out must fail.
        total.mismatches += 1;
        total.first_mismatch =
            Some(format!("the plan has {} outputs, the reference {}", plan.outputs().len(), want.len()));
    }
    for ((name, out), want) in plan.outputs().iter().zip(want) {
        let dtype = out.dtype();
        let tol = entry.tolerance(dtype);
        let want = if entry.wraps_integers() { wrap_to(dtype, &want.data) } else { round_to(dtype, &want.data) };
        let mut c = compare_scaled(name, &out.to_f64()?, &want, tol, scale.as_deref());
        if dtype == DType::Bool {
            check_bools(name, &out.to_bytes()?, &mut c);
        }
        total.max_abs_err = total.max_abs_err.max(c.max_abs_err);
        total.max_rel_err = total.max_rel_err.max(c.max_rel_err);
        total.mismatches += c.mismatches;
        total.first_mismatch = total.first_mismatch.or(c.first_mismatch);
    }
    Ok(total)
}

/// Count the bytes of a bool output that are neither 0 nor 1 as mismatches: reading a bool
/// as a number looks at its low bit only, so an element left unwritten (poisoned with 0xAA)
/// would read as a plausible `false`.
fn check_bools(name: &str, bytes: &[u8], c: &mut Comparison) {
    for (i, b) in bytes.iter().enumerate().filter(|(_, b)| **b > 1) {
        c.mismatches += 1;
        if c.first_mismatch.is_none() {
            c.first_mismatch = Some(format!("`{name}`[{i}] holds byte 0x{b:02x}, not a bool (0 or 1)"));
        }
    }
}

/// Run one case on `dev` and compare with the reference. Never fails: errors are reported
/// in the result.
pub fn run_case(dev: &Device, entry: &Entry, case: &Case) -> CaseResult {
    let mut r = CaseResult {
        kernel: entry.name().to_string(),
        dtype: case.dtype,
        shape: format!("{:?}", case.shape),
        label: case.label.clone(),
        seed: case.seed,
        max_abs_err: 0.0,
        max_rel_err: 0.0,
        passed: false,
        error: None,
    };
    match try_case(dev, entry, case) {
        Ok(c) => {
            r.max_abs_err = c.max_abs_err;
            r.max_rel_err = c.max_rel_err;
            r.passed = c.passed();
            r.error = c.first_mismatch.map(|m| format!("{} mismatching elements; first: {m}", c.mismatches));
        }
        Err(e) => r.error = Some(e.to_string()),
    }
    r
}

/// True when `filter` selects `entry`: a kernel's whole name selects that kernel alone
/// (`exp`, not also `exp2` and `expm1`), a family's name that family alone (`norm`, not also
/// `l2_norm_rows`); any other text, every kernel whose name contains it.
pub fn selects(filter: Option<&str>, entry: &Entry) -> bool {
    filter.is_none_or(|f| match registry::find(f) {
        Some(named) => named.name() == entry.name(),
        None if registry::all().iter().any(|e| e.family == f) => entry.family == f,
        None => entry.name().contains(f),
    })
}

/// Run every case of every registry kernel that `filter` selects, reporting each result to
/// `on_progress` as it completes.
pub fn run_suite(dev: &Device, filter: Option<&str>, on_progress: &mut dyn FnMut(&CaseResult)) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for entry in registry::all().iter().filter(|e| selects(filter, e)) {
        for case in cases(entry) {
            let r = run_case(dev, entry, &case);
            on_progress(&r);
            results.push(r);
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_outputs_must_hold_0_or_1() {
        let mut c = Comparison::default();
        check_bools("y", &[0, 1, 1, 0], &mut c);
        assert!(c.passed());
        // The poison of an unwritten byte reads as `false` through `to_f64`.
        check_bools("y", &[0, 0xAA, 1, 2], &mut c);
        assert_eq!(c.mismatches, 2);
        assert!(c.first_mismatch.is_some_and(|m| m.contains("`y`[1]") && m.contains("0xaa")));
    }
}
