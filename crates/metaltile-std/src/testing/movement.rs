//! The cases of the data-movement ops, every dtype: each plan path (the transpose tiles with
//! partial tiles, the gather kernel with 4-wide and scalar loads, whole threadgroups of
//! 4096 outputs and a tail), broadcast (stride 0) and overlapping views, Python's slice
//! bounds, one element. Inputs are the copy's (random of either sign, specials, extremes).

use super::{Case, CaseKind};
use crate::ops::{MoveOp, MoveParams, NumList, OpParams};
use crate::tensor::HostTensor;
use metaltile_ir::{DType, ALL_DTYPES};

/// One case: input shape, seed, kind, label, and the parameters.
type Row = (Vec<usize>, u64, CaseKind, &'static str, MoveParams);

fn perm(p: &[i64]) -> MoveParams {
    MoveParams { perm: NumList::ints(p), ..MoveParams::default() }
}

fn view(size: &[i64], stride: &[i64], offset: i64) -> MoveParams {
    MoveParams {
        size: NumList::ints(size),
        stride: NumList::ints(stride),
        storage_offset: offset as f64,
        ..MoveParams::default()
    }
}

fn bounds(start: &[i64], stop: &[i64], step: &[i64]) -> MoveParams {
    MoveParams {
        start: NumList::ints(start),
        stop: NumList::ints(stop),
        step: NumList::ints(step),
        ..MoveParams::default()
    }
}

fn dim(d: f64) -> MoveParams {
    MoveParams { dim: d, ..MoveParams::default() }
}

fn value(v: f64) -> MoveParams {
    MoveParams { value: v, ..MoveParams::default() }
}

fn range(start: f64, step: f64) -> MoveParams {
    MoveParams {
        start: NumList::new(&[start]).unwrap_or_default(),
        step: NumList::new(&[step]).unwrap_or_default(),
        ..MoveParams::default()
    }
}

fn rows(k: MoveOp, dtype: DType) -> Vec<Row> {
    use CaseKind::*;
    match k {
        MoveOp::Permute => vec![
            (vec![37, 45], 1, Random, "2-d transpose: tiles, partial at both edges", perm(&[1, 0])),
            (vec![37, 45], 2, Random, "2-d transpose, seed 2", perm(&[1, 0])),
            (vec![64, 80], 3, Random, "2-d transpose of whole tiles", perm(&[1, 0])),
            (vec![3, 40, 50], 4, Random, "batched transpose [B, M, N] -> [B, N, M]", perm(&[0, 2, 1])),
            (vec![2, 3, 4, 5], 5, Random, "rank 4, scalar gathers", perm(&[3, 1, 0, 2])),
            (
                vec![4, 32, 3, 16],
                6,
                Random,
                "(0, 2, 1, 3): last axis contiguous, 4-wide, a group and a tail",
                perm(&[0, 2, 1, 3]),
            ),
            (vec![16, 8, 5, 9], 7, Random, "scalar gathers over a whole group and a tail", perm(&[3, 0, 2, 1])),
            (vec![2, 3, 2, 3, 2, 3, 2], 8, Random, "rank 7, six axes once merged", perm(&[6, 4, 2, 0, 1, 3, 5])),
            (vec![5, 3], 9, Random, "too short for tiles: gathers", perm(&[1, 0])),
            (vec![1], 10, Random, "size 1", perm(&[0])),
            (vec![8, 8], 11, Specials, "NaN, ±inf, ±0, the dtype's extremes, transposed", perm(&[1, 0])),
            (vec![40, 25], 12, Large, "large magnitudes, transposed", perm(&[1, 0])),
            (vec![6, 7, 2], 13, Random, "the default: axes reversed", MoveParams::default()),
        ],
        MoveOp::AsStrided => vec![
            (vec![4200], 1, Random, "overlapping rows, 4-wide (stride 4, offset 4)", view(&[1020, 8], &[4, 1], 4)),
            (vec![4200], 2, Random, "overlapping rows, seed 2", view(&[1020, 8], &[4, 1], 4)),
            (vec![300], 3, Random, "overlapping rows, unaligned offset", view(&[30, 9], &[9, 1], 3)),
            (vec![4, 5], 4, Random, "a broadcast axis (stride 0)", view(&[3, 4, 5], &[0, 5, 1], 0)),
            (vec![20], 5, Random, "every axis broadcast but one", view(&[2, 3, 4], &[0, 0, 5], 0)),
            (vec![64, 48], 6, Random, "a transpose given by strides", view(&[48, 64], &[1, 48], 0)),
            (vec![100], 7, Random, "one element at an offset", view(&[1], &[1], 99)),
            (vec![1], 11, Random, "size 1", view(&[1], &[1], 0)),
            (vec![64], 8, Specials, "NaN, ±inf, ±0, the dtype's extremes, every other", view(&[32], &[2], 1)),
            (vec![1000], 9, Large, "large magnitudes, strided", view(&[10, 50], &[100, 2], 0)),
            (vec![5, 7], 10, Random, "the default: the input itself", MoveParams::default()),
        ],
        MoveOp::Slice => vec![
            (
                vec![40, 60],
                1,
                Random,
                "both axes, steps 2 and 3, a negative start",
                bounds(&[3, -50], &[37, 55], &[2, 3]),
            ),
            (vec![40, 60], 2, Random, "seed 2", bounds(&[3, -50], &[37, 55], &[2, 3])),
            (vec![64, 128], 3, Random, "half the columns, 4-wide: one whole group", bounds(&[0, 4], &[64, 68], &[])),
            (vec![70, 130], 4, Random, "columns 8..72 of 70 rows: 4-wide, a tail", bounds(&[0, 8], &[70, 72], &[])),
            (
                vec![9, 10, 11],
                5,
                Random,
                "the middle axis, bounds past the end clamped",
                bounds(&[0, -100, 0], &[9, 100, 11], &[1, 4, 1]),
            ),
            (vec![30, 30], 6, Random, "rows only: one contiguous block", bounds(&[5], &[17], &[])),
            (vec![7, 7], 7, Random, "one element", bounds(&[3, 4], &[4, 5], &[])),
            (vec![1], 11, Random, "size 1", bounds(&[], &[], &[])),
            (vec![6, 5], 8, Random, "an empty slice", bounds(&[4], &[2], &[])),
            (vec![64], 9, Specials, "NaN, ±inf, ±0, the dtype's extremes, step 1", bounds(&[1], &[40], &[])),
            (vec![1000], 10, Large, "large magnitudes, step 7", bounds(&[3], &[], &[7])),
        ],
        MoveOp::Concat => vec![
            (vec![5, 12], 1, Random, "axis 0, b [6, 12]: 4-wide, tails only", dim(0.0)),
            (vec![5, 12], 2, Random, "seed 2", dim(0.0)),
            (vec![64, 64], 3, Random, "axis 0, whole groups, 4-wide", dim(0.0)),
            (vec![64, 70], 4, Random, "axis 1, b [64, 72]: rows of 142, scalar, a group and a tail", dim(1.0)),
            (vec![3, 5, 7], 5, Random, "the middle axis, b [3, 6, 7]", dim(1.0)),
            (vec![4, 33], 6, Random, "axis -1, b [4, 34]", dim(-1.0)),
            (vec![1], 7, Random, "size 1, b [2]", dim(0.0)),
            (vec![64], 8, Specials, "NaN, ±inf, ±0, the dtype's extremes", dim(0.0)),
            (vec![10, 100], 9, Large, "large magnitudes, axis 1", dim(1.0)),
        ],
        MoveOp::Fill => vec![
            (vec![1000], 1, Random, "-3.25", value(-3.25)),
            (vec![1000], 2, Random, "7", value(7.0)),
            (vec![2, 4111], 3, Random, "0.5: whole groups and a tail", value(0.5)),
            (vec![1], 4, Random, "size 1", value(1.0)),
            (vec![33], 5, Specials, "NaN (0 in integers)", value(f64::NAN)),
            (vec![33], 6, Specials, "-inf (the lowest integer)", value(f64::NEG_INFINITY)),
            (vec![33], 7, Specials, "-0.0", value(-0.0)),
            (vec![100], 8, Large, "1e6 (inf in f16, saturated in small integers)", value(1e6)),
        ],
        MoveOp::Arange if dtype.is_float() => vec![
            (vec![1000], 1, Random, "0, 1, ...", range(0.0, 1.0)),
            (vec![2, 4111], 2, Random, "-3.5 by 0.25: whole groups and a tail", range(-3.5, 0.25)),
            (vec![300], 3, Random, "100 by -0.5", range(100.0, -0.5)),
            (vec![1], 4, Random, "size 1", range(2.0, 1.0)),
            (vec![40], 5, Specials, "step 0", range(-7.0, 0.0)),
            (vec![20000], 6, Large, "1e4 by 3: past f16's largest", range(1e4, 3.0)),
        ],
        MoveOp::Arange => {
            // Integers stay in every dtype's range (the kernel wraps where the oracle's
            // rounding saturates; `tests/movement.rs` checks the wrapping).
            let lo = dtype.min_max().0.max(-50.0);
            vec![
                (vec![100], 1, Random, "from the dtype's low end (or -50) by 1", range(lo, 1.0)),
                (vec![37], 2, Random, "0 by 3", range(0.0, 3.0)),
                (vec![50], 3, Random, "100 by -2", range(100.0, -2.0)),
                (vec![2, 4111], 4, Random, "step 0: whole groups and a tail", range(7.0, 0.0)),
                (vec![1], 5, Random, "size 1", range(9.0, 1.0)),
            ]
        }
    }
}

/// Every case of `k`, for every dtype.
pub fn cases(k: MoveOp) -> Vec<Case> {
    let mut out = Vec::new();
    for dtype in ALL_DTYPES.into_iter().filter(|d| k.def().dtypes.contains(d)) {
        for (shape, seed, kind, label, movement) in rows(k, dtype) {
            let params = OpParams { movement, ..OpParams::default() };
            out.push(Case { dtype, shape, seed, kind, label: label.to_string(), params });
        }
    }
    out
}

/// The extent of `b` along the joined axis of a concat whose `a` has `len` there: `a`'s own
/// for multiples of 4 (the bench's two equal halves), else a little longer.
pub fn concat_b_len(len: usize) -> usize {
    len + len % 4
}

/// The inputs of a case: the copy's values (for concat, `b` too, of [`concat_b_len`] along
/// the joined axis).
pub fn generate(k: MoveOp, case: &Case) -> Vec<HostTensor> {
    let mut inputs = super::copy::generate(case);
    if k == MoveOp::Concat {
        let rank = case.shape.len() as i64;
        let d = case.params.movement.dim as i64;
        let d = if d < 0 { d + rank } else { d };
        let mut shape = case.shape.clone();
        if let Some(len) = usize::try_from(d).ok().and_then(|d| shape.get_mut(d)) {
            *len = concat_b_len(*len);
        }
        let b = Case { shape, seed: case.seed + 1000, ..case.clone() };
        inputs.extend(super::copy::generate(&b));
    }
    inputs
}
