//! The sorts' cases and inputs: rows in one tile (several per tile, one, exactly a block),
//! long rows (blocks and merge passes, the last block short), inner axes, both directions,
//! top-k with k = 1, small, k = n and k past a block, and the edge cases: one element, rows
//! of 1, no rows, NaN/±inf/±0 mixes, all equal, already sorted and reversed rows, many ties.

use super::inputs::{domain, large_scale, SPECIALS};
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{OpParams, SortKind, SortParams, StdOp};
use crate::tensor::HostTensor;

fn params(axis: f32, sort: SortParams) -> OpParams {
    let mut p = OpParams { sort, ..OpParams::default() };
    p.reduce.axis = axis;
    p
}

/// sort and argsort along `axis`, largest first when `descending`.
fn dir(axis: f32, descending: bool) -> OpParams {
    params(axis, SortParams { descending: f32::from(u8::from(descending)), ..SortParams::default() })
}

/// topk of `k` along `axis`, the largest unless `smallest`.
fn top(axis: f32, k: f32, smallest: bool) -> OpParams {
    params(axis, SortParams { k, largest: if smallest { 0.0 } else { 1.0 }, ..SortParams::default() })
}

/// Every case of `kind`, for every float dtype.
pub fn cases(kind: SortKind) -> Vec<Case> {
    use CaseKind::*;
    let table: Vec<super::CaseRow> = match kind {
        SortKind::Topk => vec![
            (vec![4, 1000], 1, Random, "k = 5 of rows of 1000 (one tile, padded to 1024)", top(-1.0, 5.0, false)),
            (vec![4, 1000], 2, Random, "seed 2, k = 40", top(-1.0, 40.0, false)),
            (vec![4, 1000], 3, Random, "seed 3, k = 1", top(-1.0, 1.0, false)),
            (vec![1, 1], 4, Random, "one element, k = 1", top(-1.0, 1.0, false)),
            (vec![37, 7], 5, Random, "rows of 7, k = n: many rows per tile", top(-1.0, 7.0, false)),
            (
                vec![8, 64],
                6,
                Specials,
                "NaN, ±inf, ±0, constant, sorted, reversed rows; k = 10",
                top(-1.0, 10.0, false),
            ),
            (vec![8, 64], 7, Specials, "special rows, the 10 smallest", top(-1.0, 10.0, true)),
            (vec![2, 9000], 8, Random, "long rows: 3 blocks keep 50 each, merged", top(-1.0, 50.0, false)),
            (vec![1, 9000], 9, Specials, "a long special row, k = n: full merges", top(-1.0, 9000.0, false)),
            (vec![3, 500], 10, Large, "large magnitudes, k = 20", top(-1.0, 20.0, false)),
            (vec![0, 8], 11, Random, "no rows", top(-1.0, 1.0, false)),
            (vec![4, 50, 3], 12, Random, "axis 1 of [4, 50, 3], k = 3", top(1.0, 3.0, false)),
            (vec![2, 30], 13, Random, "k = 0: empty outputs", top(-1.0, 0.0, false)),
        ],
        _ => vec![
            (vec![4, 1000], 1, Random, "rows of 1000 (one tile, padded to 1024)", dir(-1.0, false)),
            (vec![4, 1000], 2, Random, "seed 2, descending", dir(-1.0, true)),
            (vec![4, 1000], 3, Random, "seed 3", dir(-1.0, false)),
            (vec![1, 1], 4, Random, "one element", dir(-1.0, false)),
            (vec![5, 1], 5, Random, "rows of length 1", dir(-1.0, true)),
            (vec![37, 7], 6, Random, "rows of 7: many rows per tile, descending", dir(-1.0, true)),
            (vec![3, 45], 7, Random, "rows of 45", dir(-1.0, false)),
            (vec![8, 64], 8, Specials, "NaN, ±inf, ±0, constant, sorted, reversed rows", dir(-1.0, false)),
            (vec![8, 64], 9, Specials, "special rows, descending", dir(-1.0, true)),
            (vec![2, 4096], 10, Random, "rows of exactly one block of 4096", dir(-1.0, false)),
            (vec![2, 9000], 11, Random, "long rows: 3 blocks, 2 merge passes, the last block short", dir(-1.0, false)),
            (vec![1, 9000], 12, Specials, "a long special row, descending", dir(-1.0, true)),
            (vec![3, 500], 13, Large, "large magnitudes", dir(-1.0, false)),
            (vec![0, 8], 14, Random, "no rows", dir(-1.0, false)),
            (vec![4, 50, 3], 15, Random, "axis 1 of [4, 50, 3]", dir(1.0, false)),
            (vec![60, 2, 9], 16, Random, "axis 0 of [60, 2, 9], descending", dir(0.0, true)),
        ],
    };
    super::in_every_float_dtype(&table)
}

/// Row `r`'s special content: special values sprinkled, all equal, already sorted, reversed,
/// or few distinct values (ties, with ±0 and NaN among them), by `r % 5`.
fn special_row(r: usize, row: &mut [f64], rng: &mut Rng) {
    match r % 5 {
        0 => {
            for v in row.iter_mut() {
                if rng.next_u64().is_multiple_of(3) {
                    *v = SPECIALS[(rng.next_u64() % SPECIALS.len() as u64) as usize];
                }
            }
        }
        1 => row.iter_mut().for_each(|v| *v = 1.5),
        2 => row.sort_by(|a, b| a.total_cmp(b)),
        3 => row.sort_by(|a, b| b.total_cmp(a)),
        _ => {
            let few = [f64::NAN, 0.0, -0.0, 1.0, -1.0, f64::INFINITY, f64::NEG_INFINITY];
            row.iter_mut().for_each(|v| *v = few[(rng.next_u64() % few.len() as u64) as usize]);
        }
    }
}

/// The input `x` of sort op `k` for `case`: random values, a quarter of them rounded to a
/// multiple of 0.5 so that ties occur in every dtype; scaled for the large case; special
/// rows (see [`special_row`]) for the special case.
pub fn generate(k: SortKind, case: &Case) -> Vec<HostTensor> {
    let op = StdOp::Sort(k);
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let n = case.shape.last().copied().unwrap_or(1).max(1);
    let d = domain(op, 0);
    let mut x: Vec<f64> = (0..len)
        .map(|_| {
            let v = d.sample(&mut rng);
            if rng.next_u64().is_multiple_of(4) {
                (v * 2.0).round() / 2.0
            } else {
                v
            }
        })
        .collect();
    match case.kind {
        CaseKind::Large => x.iter_mut().for_each(|v| *v *= large_scale(op)),
        CaseKind::Specials => {
            let mut special_rng = Rng::new(case.seed ^ 0x5EC1A1);
            for (r, row) in x.chunks_mut(n).enumerate() {
                special_row(r, row, &mut special_rng);
            }
        }
        _ => {}
    }
    vec![HostTensor::new(&case.shape, x)]
}
