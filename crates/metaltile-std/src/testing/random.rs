//! The oracle's cases of the random ops, every float dtype: several seeds (a 64-bit one among
//! them), every `rng_offset % 4` (one Philox output per vector, and two), an offset whose
//! block counter crosses into its high word, sizes with and without a tail (whole threadgroups
//! of 4096 elements, one element), the distributions' parameters at their edges (uniform's
//! `high` reachable by rounding, `std` 0, `p` 0 and 1: the `Specials` cases; the `Large` one is
//! a long stream). `x` gives only the dtype and shape.

use super::{in_every_float_dtype, Case, CaseKind, CaseRow};
use crate::ops::{OpParams, RandomKind, RandomParams};

fn with(seed: u64, rng_offset: u64, set: impl Fn(&mut RandomParams)) -> OpParams {
    let mut random = RandomParams { seed, rng_offset, ..RandomParams::default() };
    set(&mut random);
    OpParams { random, ..OpParams::default() }
}

fn plain(seed: u64, rng_offset: u64) -> OpParams {
    with(seed, rng_offset, |_| {})
}

/// Cases every kind shares: the stream's layout.
fn layout_rows() -> Vec<CaseRow> {
    use CaseKind::Random;
    vec![
        (vec![1000], 1, Random, "1000 elements, seed 1: a tail", plain(1, 0)),
        (vec![1000], 2, Random, "seed 2", plain(2, 0)),
        (vec![4111], 3, Random, "a 64-bit seed, whole threadgroups and a tail of 15", plain(0x1234_5678_9abc_def0, 0)),
        (vec![1], 4, Random, "one element", plain(4, 0)),
        (vec![3, 5, 67], 5, Random, "3-d, offset 1: vectors span two Philox outputs", plain(5, 1)),
        (vec![4096], 6, Random, "one whole threadgroup, offset 2", plain(6, 2)),
        (vec![1003], 7, Random, "offset 3 with a tail", plain(7, 3)),
        (vec![2000], 8, Random, "offset 2^34 - 6: the block counter's high word changes", plain(8, (1 << 34) - 6)),
        (vec![20_000], 9, CaseKind::Large, "large: 20000 elements at offset 4", plain(9, 4)),
    ]
}

/// The rows of `kind`: the layout cases and its parameters' edges.
fn rows(kind: RandomKind) -> Vec<CaseRow> {
    use CaseKind::{Random, Specials};
    let mut rows = layout_rows();
    match kind {
        RandomKind::Uniform => rows.extend([
            (vec![3000], 20, Random, "[-3, 5)", with(20, 0, |p| (p.low, p.high) = (-3.0, 5.0))),
            (vec![3000], 21, Random, "[-2, -1.5), negative bounds", with(21, 5, |p| (p.low, p.high) = (-2.0, -1.5))),
            (
                vec![3000],
                22,
                Specials,
                "[1000, 1001): 16-bit types round to 1000",
                with(22, 0, |p| (p.low, p.high) = (1000.0, 1001.0)),
            ),
        ]),
        RandomKind::Normal => rows.extend([
            (vec![3000], 20, Random, "mean 3, std 2", with(20, 0, |p| (p.mean, p.std) = (3.0, 2.0))),
            (vec![1000], 21, Specials, "std 0: the mean everywhere", with(21, 1, |p| (p.mean, p.std) = (-1.5, 0.0))),
        ]),
        RandomKind::Bernoulli => rows.extend([
            (vec![3000], 20, Random, "p = 0.1", with(20, 0, |p| p.p = 0.1)),
            (vec![1000], 21, Specials, "p = 0: all zeros", with(21, 2, |p| p.p = 0.0)),
            (vec![1000], 22, Specials, "p = 1: all ones", with(22, 3, |p| p.p = 1.0)),
        ]),
    }
    rows
}

/// Every case of `kind`.
pub fn cases(kind: RandomKind) -> Vec<Case> {
    in_every_float_dtype(&rows(kind))
}
