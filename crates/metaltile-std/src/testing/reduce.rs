//! The reductions' cases beyond the shared row cases: var and std under other corrections,
//! and the folds along inner axes.

use super::{Case, CaseKind};
use crate::ops::{OpParams, ReduceKind, ReduceParams};

/// Extra cases of reduction `k`, for every float dtype.
pub fn cases(k: ReduceKind) -> Vec<Case> {
    use CaseKind::*;
    let with = |correction, axis| OpParams { reduce: ReduceParams { correction, axis }, ..OpParams::default() };
    let table: Vec<(Vec<usize>, u64, CaseKind, &str, OpParams)> = if k.is_moment() {
        vec![
            (vec![4, 1000], 41, Random, "correction 0: the population variance", with(0.0, -1.0)),
            (vec![3, 20003], 42, Random, "correction 0, split rows", with(0.0, -1.0)),
            (vec![6, 3], 43, Random, "correction 2.5 ≥ n - 1: divisors 0.5", with(2.5, -1.0)),
            (vec![2, 2], 44, Random, "correction 3 > n: divides by 0", with(3.0, -1.0)),
            (vec![5, 300, 1], 45, Random, "axis 1 of [5, 300, 1]: the row plans", with(1.0, 1.0)),
        ]
    } else if k.is_arg() {
        vec![(vec![7, 1, 90, 1], 45, Random, "axis -2 of [7, 1, 90, 1]: the row plans", with(1.0, -2.0))]
    } else {
        vec![
            (vec![4, 100, 3], 51, Random, "axis 1 of [4, 100, 3]: columns 3 apart", with(1.0, 1.0)),
            (vec![2, 37, 64], 52, Random, "axis -2 of [2, 37, 64]: a tail of 1 of four steps", with(1.0, -2.0)),
            (vec![300, 5], 53, Random, "axis 0 of [300, 5]: one outer block", with(1.0, 0.0)),
            (vec![3, 1, 70], 54, Random, "axis 1 of size 1", with(1.0, 1.0)),
            (vec![5, 300, 1], 55, Random, "axis 1 of [5, 300, 1]: the row plans", with(1.0, 1.0)),
            (vec![40, 77], 56, Specials, "axis 0 across rows of NaN, ±inf, -0.0, -inf", with(1.0, 0.0)),
            (vec![60, 2, 9], 57, Large, "axis 0, large magnitudes", with(1.0, 0.0)),
        ]
    };
    super::in_every_float_dtype(&table)
}
