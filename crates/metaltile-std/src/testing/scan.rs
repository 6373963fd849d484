//! The scans' cases and inputs: every plan (lanes per row, chunked rows, inner axes with and
//! without chunks), every layout (8-, 4- and 1-wide), forward and reversed, and the edge
//! cases (one element, rows of 1, special values, large magnitudes, cancelling sums).

use super::inputs::{domain, large_scale, row_specials};
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{OpParams, ReduceParams, ScanKind, ScanParams, StdOp};
use crate::tensor::HostTensor;

/// Every case of a scan, for every float dtype (the same for every scan).
pub fn cases() -> Vec<Case> {
    use CaseKind::*;
    let at = |axis: f32, reverse: f32| OpParams {
        reduce: ReduceParams { axis, ..ReduceParams::default() },
        scan: ScanParams { reverse },
        ..OpParams::default()
    };
    let table: Vec<(Vec<usize>, u64, CaseKind, &str, OpParams)> = vec![
        (vec![4, 1000], 1, Random, "4 rows of 1000: one simdgroup per row, two tiles", at(-1.0, 0.0)),
        (vec![4, 1000], 2, Random, "seed 2", at(-1.0, 0.0)),
        (vec![4, 1000], 3, Random, "seed 3", at(-1.0, 0.0)),
        (vec![1, 1], 4, Random, "one element", at(-1.0, 0.0)),
        (vec![5, 1], 5, Random, "rows of length 1", at(-1.0, 0.0)),
        (vec![3, 45], 6, Random, "rows of 45: 4 lanes per row, 1-wide", at(-1.0, 0.0)),
        (vec![33, 64], 7, Random, "rows of 64: 4 lanes per row, 8 rows per simdgroup", at(-1.0, 0.0)),
        (vec![37, 7], 8, Random, "rows of 7: one lane per row", at(-1.0, 0.0)),
        (vec![3, 2003], 9, Random, "1-wide rows of four tiles and a tail", at(-1.0, 0.0)),
        (vec![2, 3, 70], 10, Random, "3-d, last axis", at(-1.0, 0.0)),
        (vec![2, 9000], 11, Random, "few long rows: 2 spans each, carried", at(-1.0, 0.0)),
        (vec![1, 9001], 12, Random, "a chunked 1-wide row", at(-1.0, 0.0)),
        (
            vec![8, 1000],
            13,
            Specials,
            "rows with NaN, ±inf, both infinities, all -0.0, half -inf, constant",
            at(-1.0, 0.0),
        ),
        (vec![4, 8200], 14, Specials, "chunked rows with NaN, +inf, -inf, both infinities", at(-1.0, 0.0)),
        (vec![3, 500], 15, Large, "large magnitudes", at(-1.0, 0.0)),
        (vec![2, 4096], 16, Cancelling, "rows whose halves cancel", at(-1.0, 0.0)),
        (vec![0, 8], 17, Random, "no rows", at(-1.0, 0.0)),
        (vec![4, 1000], 18, Random, "reversed", at(-1.0, 1.0)),
        (vec![3, 45], 19, Random, "reversed, 1-wide", at(-1.0, 1.0)),
        (vec![2, 9000], 20, Random, "reversed chunked rows", at(-1.0, 1.0)),
        (vec![1, 9001], 21, Random, "a reversed chunked 1-wide row", at(-1.0, 1.0)),
        (vec![8, 1000], 22, Specials, "reversed, special values", at(-1.0, 1.0)),
        (vec![4, 100, 3], 23, Random, "axis 1 of [4, 100, 3]: one thread per column", at(1.0, 0.0)),
        (vec![2, 37, 64], 24, Random, "axis -2 of [2, 37, 64]: a tail of 1 of four steps", at(-2.0, 0.0)),
        (vec![300, 5], 25, Random, "axis 0 of [300, 5]: columns cut into spans, carried", at(0.0, 0.0)),
        (vec![300, 5], 26, Random, "axis 0, reversed spans", at(0.0, 1.0)),
        (vec![4, 100, 3], 27, Random, "axis 1, reversed", at(1.0, 1.0)),
        (vec![5, 300, 1], 28, Random, "axis 1 of [5, 300, 1]: the row plans", at(1.0, 0.0)),
        (vec![40, 77], 29, Specials, "axis 0 across rows of special values", at(0.0, 0.0)),
        (vec![60, 2, 9], 30, Large, "axis 0, large magnitudes", at(0.0, 0.0)),
    ];
    super::in_every_float_dtype(&table)
}

/// The inputs of scan `k` for `case`: `x` from the op's domain (factors near 1 for the
/// products), and for the masked sum a mask true or false with equal odds. In a special-values
/// case, the mask is false at the non-finite values of even rows and true at those of odd
/// rows, so both a dropped NaN or infinity and a kept one are checked.
pub fn generate(k: ScanKind, case: &Case) -> Vec<HostTensor> {
    let op = StdOp::Scan(k);
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let n = case.shape.last().copied().unwrap_or(1).max(1);
    let d = domain(op, 0);
    let mut x: Vec<f64> = (0..len).map(|_| d.sample(&mut rng)).collect();
    let mut mask: Vec<f64> = (0..len).map(|_| (rng.next_u64() & 1) as f64).collect();
    match case.kind {
        CaseKind::Large => x.iter_mut().for_each(|v| *v *= large_scale(op)),
        CaseKind::Specials => {
            let mut special_rng = Rng::new(case.seed ^ 0x5EC1A1);
            for (r, (row, keep)) in x.chunks_mut(n).zip(mask.chunks_mut(n)).enumerate() {
                row_specials(r, row, &mut special_rng);
                for (v, m) in row.iter().zip(keep.iter_mut()) {
                    if !v.is_finite() {
                        *m = (r % 2) as f64;
                    }
                }
            }
        }
        CaseKind::Cancelling => {
            // Element i + n/2 is -x[i] plus a thousandth of its own draw.
            for row in x.chunks_mut(n) {
                let half = row.len() / 2;
                for i in 0..half {
                    row[half + i] = -row[i] + 1e-3 * row[half + i];
                }
            }
        }
        _ => {}
    }
    let mut out = vec![HostTensor::new(&case.shape, x)];
    if k.inputs().len() == 2 {
        out.push(HostTensor::new(&case.shape, mask));
    }
    out
}
