//! The cases and inputs of the contiguous copy: every dtype the kernel takes (floats, integers,
//! bool), the elementwise shapes (tails, size 1, whole threadgroups) and each dtype's extremes.

use super::inputs::{SPECIALS, UNARY_SPECIALS};
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::OpParams;
use crate::tensor::HostTensor;
use metaltile_ir::{DType, ALL_DTYPES};

/// Every case of the copy, for every dtype of its kernel.
pub fn cases() -> Vec<Case> {
    use CaseKind::*;
    let table: [(Vec<usize>, u64, CaseKind, &str); 10] = [
        (vec![1000], 1, Random, "random, 1000 elements (not a multiple of the threadgroup)"),
        (vec![1000], 2, Random, "random, seed 2"),
        (vec![1000], 3, Random, "random, seed 3"),
        (vec![1], 4, Random, "size 1"),
        (vec![3, 5, 67], 5, Random, "3-d"),
        (vec![64], 6, Specials, "NaN, ±inf, ±0, the dtype's extremes"),
        (vec![1000], 7, Large, "large magnitudes (saturated in small integer types)"),
        (vec![2, 4096], 8, Random, "two whole threadgroups: the vector path only"),
        (vec![17], 9, Random, "one thread's elements and a tail of 1"),
        (vec![4111], 10, Random, "a whole threadgroup and a scalar tail of 15"),
    ];
    let mut out = Vec::new();
    for dtype in ALL_DTYPES {
        for (shape, seed, kind, label) in &table {
            let (shape, seed, kind, label, params) =
                (shape.clone(), *seed, *kind, label.to_string(), OpParams::default());
            out.push(Case { dtype, shape, seed, kind, label, params });
        }
    }
    out
}

/// The input of `case`: random values of either sign (negative ones saturate to 0 in unsigned
/// types, which the upload does), scaled by 1e3 when large; specials and the dtype's
/// extremes at the front of a special-values case.
pub fn generate(case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let mut data: Vec<f64> = (0..len).map(|_| rng.uniform(-100.0, 100.0)).collect();
    match case.kind {
        CaseKind::Large => data.iter_mut().for_each(|v| *v *= 1e3),
        CaseKind::Specials => {
            let (lo, hi) = case.dtype.min_max();
            let extremes = [lo, hi, lo + 1.0, hi - 1.0];
            let specials = SPECIALS.iter().chain(&UNARY_SPECIALS).chain(&extremes);
            for (v, s) in data.iter_mut().zip(specials) {
                *v = *s;
            }
        }
        _ => {}
    }
    vec![HostTensor::new(&case.shape, data)]
}

/// Every case of the cast to `to`: each source dtype its kernel takes. Float sources meet
/// random values across the small integer ranges, special values with `to`'s bounds and
/// their halves, and large magnitudes; integer sources stay in `[0, 127]`, inside every
/// destination's range: out of range, integers wrap where the reference's rounding saturates
/// (`tests/cast.rs` checks the wrapping by hand).
pub fn cast_cases(to: DType) -> Vec<Case> {
    use CaseKind::*;
    let float: [(Vec<usize>, u64, CaseKind, &str); 7] = [
        (vec![1000], 1, Random, "random, 1000 elements (not a multiple of the threadgroup)"),
        (vec![1000], 2, Random, "random, seed 2"),
        (vec![1000], 3, Random, "random, seed 3"),
        (vec![1], 4, Random, "size 1"),
        (vec![200], 5, Specials, "NaN, ±inf, ±0, the destination's bounds and halves"),
        (vec![1000], 6, Large, "large magnitudes: saturation"),
        (vec![4111], 7, Random, "a whole threadgroup and a scalar tail of 15"),
    ];
    let mut out = Vec::new();
    for &dtype in crate::ops::cast_def(to).dtypes {
        for (shape, seed, kind, label) in &float {
            if !dtype.is_float() && !matches!(kind, Random) {
                continue;
            }
            let (shape, seed, kind, label, params) =
                (shape.clone(), *seed, *kind, label.to_string(), OpParams::default());
            out.push(Case { dtype, shape, seed, kind, label, params });
        }
    }
    out
}

/// The input of a cast case (see [`cast_cases`]).
pub fn generate_cast(to: DType, case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let (lo, hi) = if case.dtype.is_float() { (-300.0, 300.0) } else { (0.0, 127.0) };
    let mut data: Vec<f64> = (0..len).map(|_| rng.uniform(lo, hi)).collect();
    match case.kind {
        CaseKind::Large => data.iter_mut().for_each(|v| *v *= 1e3),
        CaseKind::Specials => {
            let (lo, hi) = to.min_max();
            let p = |e: i32| 2f64.powi(e);
            let edges = [lo - 1.0, lo - 0.5, lo, lo + 0.5, hi - 0.5, hi, hi + 0.5, hi + 1.0];
            let more = [-0.99, 0.99, 2.5, -2.5, p(31), -p(31), p(32), p(63), -p(63), p(64)];
            let specials = SPECIALS.iter().chain(&UNARY_SPECIALS).chain(&edges).chain(&more);
            for (v, s) in data.iter_mut().zip(specials) {
                *v = *s;
            }
        }
        _ => {}
    }
    vec![HostTensor::new(&case.shape, data)]
}
