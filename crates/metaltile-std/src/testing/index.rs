//! The cases and inputs of gather and scatter. A case's shape is the data's shape followed by
//! the length of the indexed axis in the output: `[V, D, ids]` for embedding, `[..x, k]` for
//! index_select (k indices), gather and scatter (the index's size along `dim`; its other axes
//! are the data's). Indices are drawn in range (out-of-range ones are `tests/index.rs`'s):
//! with repeats for the gathers and scatter_add, distinct along each line of `dim` for scatter
//! (whose result with repeats is any of the candidates, also checked there). masked_scatter's
//! shape is the data's alone.

use super::inputs::SPECIALS;
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{IndexKind, OpParams};
use crate::tensor::HostTensor;

fn params(dim: f32, wide: bool) -> OpParams {
    let mut p = OpParams::default();
    p.index.dim = dim;
    p.index.wide = wide;
    p
}

/// Every case of `kind`, for every float dtype.
pub fn cases(kind: IndexKind) -> Vec<Case> {
    use CaseKind::*;
    type Row = (Vec<usize>, u64, CaseKind, &'static str, OpParams);
    let p = params;
    let table: Vec<Row> = match kind {
        IndexKind::Embedding => vec![
            (vec![100, 64, 37], 1, Random, "37 ids into 100 rows of 64: 16-byte vectors", p(0.0, false)),
            (vec![100, 64, 37], 2, Random, "seed 2", p(0.0, false)),
            (vec![100, 64, 37], 3, Random, "seed 3", p(0.0, false)),
            (vec![1, 1, 1], 4, Random, "one id into one row of one element", p(0.0, false)),
            (vec![50, 7, 20], 5, Random, "rows of 7: element by element", p(0.0, false)),
            (vec![30, 12, 9], 6, Random, "rows of 12: 4-wide vectors for every dtype", p(0.0, false)),
            (vec![4, 32, 100], 7, Random, "100 ids into 4 rows: every row repeated", p(0.0, false)),
            (vec![16, 16, 40], 8, Specials, "a table with NaN, ±inf, ±0", p(0.0, false)),
            (vec![64, 32, 50], 9, Large, "large magnitudes", p(0.0, false)),
            (vec![100, 64, 37], 10, Random, "i64 ids", p(0.0, true)),
            (vec![30, 13, 9], 11, Random, "i64 ids, rows of 13", p(0.0, true)),
        ],
        IndexKind::IndexSelect => vec![
            (vec![40, 32, 17], 1, Random, "17 rows of 40 × 32 (dim 0)", p(0.0, false)),
            (vec![40, 32, 17], 2, Random, "seed 2", p(0.0, false)),
            (vec![40, 32, 17], 3, Random, "seed 3", p(0.0, false)),
            (vec![1, 1], 4, Random, "one element, one index", p(0.0, false)),
            (vec![6, 20, 8, 5], 5, Random, "a middle axis (dim 1): slices of 8", p(1.0, false)),
            (vec![7, 50, 30], 6, Random, "the last axis: slices of one element", p(-1.0, false)),
            (vec![10, 64, 1], 7, Random, "one index", p(0.0, false)),
            (vec![3, 40, 40], 8, Random, "40 indices into 3 rows: repeats", p(0.0, false)),
            (vec![5, 6, 33, 9], 9, Random, "dim 1, slices of 33", p(1.0, false)),
            (vec![12, 16, 20], 10, Specials, "NaN, ±inf, ±0 in x", p(0.0, false)),
            (vec![20, 24, 30], 11, Large, "large magnitudes, dim 1", p(1.0, false)),
            (vec![40, 32, 17], 12, Random, "i64 indices", p(0.0, true)),
            (vec![7, 50, 30], 13, Random, "i64 indices, the last axis", p(-1.0, true)),
        ],
        IndexKind::Gather | IndexKind::Scatter | IndexKind::ScatterAdd => {
            let mut t: Vec<Row> = vec![
                (vec![16, 300, 290], 1, Random, "the last axis, whole 4-wide vectors only", p(-1.0, false)),
                (vec![16, 300, 290], 2, Random, "seed 2", p(-1.0, false)),
                (vec![16, 300, 290], 3, Random, "seed 3", p(-1.0, false)),
                (vec![1, 1], 4, Random, "one element, one index", p(0.0, false)),
                (vec![200, 40, 120], 5, Random, "dim 0", p(0.0, false)),
                (vec![3, 70, 30, 25], 6, Random, "a middle axis (dim 1)", p(1.0, false)),
                (vec![9, 40, 1], 7, Random, "one index per line", p(-1.0, false)),
                (vec![7, 5, 3], 8, Random, "a tail only, 21 indices", p(1.0, false)),
                (vec![12, 40, 40], 9, Specials, "NaN, ±inf, ±0 in the data", p(-1.0, false)),
                (vec![16, 64, 64], 10, Large, "large magnitudes", p(-1.0, false)),
                (vec![16, 300, 290], 11, Random, "i64 indices", p(-1.0, true)),
                (vec![3, 70, 30, 25], 12, Random, "i64 indices, dim 1", p(1.0, true)),
            ];
            if kind != IndexKind::Scatter {
                t.push((vec![16, 50, 290], 13, Random, "290 indices into lines of 50: repeats", p(-1.0, false)));
            }
            t
        }
        // The shape is x's (and the mask's); seeds 7 and 8 draw a mask all true and all false.
        IndexKind::MaskedScatter => vec![
            (vec![1000], 1, Random, "one chunk with a tail, mask half true", p(0.0, false)),
            (vec![1000], 2, Random, "seed 2", p(0.0, false)),
            (vec![1000], 3, Random, "seed 3", p(0.0, false)),
            (vec![1], 4, Random, "one element", p(0.0, false)),
            (vec![3, 5000], 5, Random, "four chunks, the last partial", p(0.0, false)),
            (vec![2, 4096], 6, Random, "two whole chunks", p(0.0, false)),
            (vec![2, 3000], 7, Random, "mask all true: src read in full", p(0.0, false)),
            (vec![2, 3000], 8, Random, "mask all false: a copy of x", p(0.0, false)),
            (vec![600], 9, Specials, "NaN, ±inf, ±0 in x and src", p(0.0, false)),
            (vec![1000], 10, Large, "large magnitudes", p(0.0, false)),
        ],
    };
    super::in_every_float_dtype(&table)
}

/// Data of `shape`: uniform in [-4, 4), scaled by 1e3 when large, special values first in a
/// special-values case.
fn data(rng: &mut Rng, shape: &[usize], kind: CaseKind) -> HostTensor {
    let len: usize = shape.iter().product();
    let mut v: Vec<f64> = (0..len).map(|_| rng.uniform(-4.0, 4.0)).collect();
    match kind {
        CaseKind::Large => v.iter_mut().for_each(|x| *x *= 1e3),
        CaseKind::Specials => v.iter_mut().zip(SPECIALS.iter().cycle().take(len / 2)).for_each(|(x, s)| *x = *s),
        _ => {}
    }
    HostTensor::new(shape, v)
}

/// The axis a case's `dim` names in a tensor of rank `rank`.
fn axis(dim: f32, rank: usize) -> usize {
    let d = dim as i64;
    (if d < 0 { d + rank as i64 } else { d }).clamp(0, rank.max(1) as i64 - 1) as usize
}

/// The inputs of a masked_scatter case: x, a bool mask (half true; all true for seed 7, all
/// false for seed 8), and a 1-d src five elements longer than the mask's count.
fn generate_masked(case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let x = data(&mut rng, &case.shape, case.kind);
    let mask: Vec<f64> = (0..x.data.len())
        .map(|_| match case.seed {
            7 => 1.0,
            8 => 0.0,
            _ => (rng.below(2) == 1) as u8 as f64,
        })
        .collect();
    let count = mask.iter().filter(|m| **m != 0.0).count() + 5;
    let src = data(&mut rng, &[count], case.kind);
    vec![x, HostTensor::new(&case.shape, mask), src]
}

/// The inputs of `case` (see the module's notes for its shape).
pub fn generate(kind: IndexKind, case: &Case) -> Vec<HostTensor> {
    if kind == IndexKind::MaskedScatter {
        return generate_masked(case);
    }
    let mut rng = Rng::new(case.seed);
    let (k, data_shape) = match case.shape.split_last() {
        Some((k, rest)) => (*k, rest.to_vec()),
        None => (1, vec![1]),
    };
    let x = data(&mut rng, &data_shape, case.kind);
    let at = if kind == IndexKind::Embedding { 0 } else { axis(case.params.index.dim, data_shape.len()) };
    let n = data_shape.get(at).copied().unwrap_or(1);
    let index_shape = match kind {
        IndexKind::Embedding | IndexKind::IndexSelect => vec![k],
        _ => {
            let mut s = data_shape.clone();
            s[at] = k;
            s
        }
    };
    let indices = if kind == IndexKind::Scatter {
        distinct_lines(&mut rng, &index_shape, at, n)
    } else {
        (0..index_shape.iter().product::<usize>()).map(|_| rng.below(n) as f64).collect()
    };
    let index = HostTensor::new(&index_shape, indices);
    match kind {
        IndexKind::Scatter | IndexKind::ScatterAdd => {
            let src = data(&mut rng, &index_shape, case.kind);
            vec![x, index, src]
        }
        _ => vec![x, index],
    }
}

/// Indices of `shape` that are distinct along axis `at` of each line (the first `k` of a
/// random permutation of `0..n`; `k ≤ n`).
fn distinct_lines(rng: &mut Rng, shape: &[usize], at: usize, n: usize) -> Vec<f64> {
    let outer: usize = shape[..at].iter().product();
    let (k, inner): (usize, usize) = (shape[at], shape[at + 1..].iter().product());
    let mut out = vec![0.0; shape.iter().product()];
    for o in 0..outer {
        for i in 0..inner {
            let mut perm: Vec<usize> = (0..n).collect();
            for j in 0..k.min(n) {
                let pick = j + rng.below(n - j);
                perm.swap(j, pick);
                out[(o * k + j) * inner + i] = perm[j] as f64;
            }
        }
    }
    out
}
