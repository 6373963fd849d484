//! The cases and inputs of the normalization variants. The row kinds (add_rms_norm,
//! rms_norm_gated) walk every plan the norms have: rows in registers (tiny rows sharing a
//! threadgroup, lengths not a multiple of 4), looped (16-bit rows needing 32 elements a
//! thread), split (few long rows). group_norm and batch_norm cover every access layout
//! (spatial a multiple of 8, of 4, neither; groups whose vectors straddle channels), rank 2,
//! one element, no samples, and several chunks per group.

use super::inputs::{row_specials, SPECIALS};
use super::rng::Rng;
use super::{Case, CaseKind, CaseRow};
use crate::ops::{NormKind, OpParams};
use crate::tensor::HostTensor;

/// Parameters with group_norm's `groups` set.
fn groups(g: f32) -> OpParams {
    let mut p = OpParams::default();
    p.norm.groups = g;
    p
}

/// Every case of `k`, for every float dtype.
pub fn cases(k: NormKind) -> Vec<Case> {
    use CaseKind::*;
    let p = OpParams::default();
    let table: Vec<CaseRow> = match k {
        NormKind::AddRmsNorm | NormKind::RmsNormGated => vec![
            (vec![4, 1000], 1, Random, "random, 4 rows of 1000 (registers, not a multiple of the threadgroup)", p),
            (vec![4, 1000], 2, Random, "random, seed 2", p),
            (vec![4, 1000], 3, Random, "random, seed 3", p),
            (vec![1, 1], 4, Random, "one element", p),
            (vec![5, 1], 5, Random, "rows of length 1", p),
            (vec![0, 64], 6, Random, "no rows", p),
            (vec![37, 7], 7, Random, "rows of 7: scalar layout, two threads a row", p),
            (vec![70, 64], 8, Random, "small rows of 64: many rows a threadgroup, the last partial", p),
            (vec![40, 128], 9, Random, "small rows of 128", p),
            (vec![3, 2003], 10, Random, "registers, length not a multiple of 4", p),
            (vec![2, 8190], 11, Random, "32 a thread: registers for f32, looped for 16-bit", p),
            (vec![2, 8200], 12, Random, "longer than registers hold, few rows: split", p),
            (vec![3, 20003], 13, Random, "split, length not a multiple of 4", p),
            (vec![1, 65600], 14, Random, "a very wide row: split over 16 threadgroups", p),
            (vec![8, 77], 15, Specials, "rows with NaN, ±inf, all -0.0, -inf, constant", p),
            (vec![8, 9000], 16, Specials, "split rows with special values", p),
            (vec![3, 500], 17, Large, "large magnitudes", p),
        ],
        NormKind::GroupNorm => vec![
            (vec![2, 8, 4, 4], 1, Random, "random, 2 samples, 8 channels of 4×4, 4 groups", groups(4.0)),
            (vec![2, 8, 4, 4], 2, Random, "random, seed 2", groups(4.0)),
            (vec![2, 8, 4, 4], 3, Random, "random, seed 3", groups(4.0)),
            (vec![3, 6, 2], 4, Random, "spatial 2: vectors straddle channels", groups(3.0)),
            (vec![2, 4, 3, 3], 5, Random, "spatial 9, groups of 18: scalar layout", groups(2.0)),
            (vec![1, 6, 5], 6, Random, "groups of 10 elements", groups(3.0)),
            (vec![2, 32, 4, 4], 7, Random, "32 groups of one channel", groups(32.0)),
            (vec![3, 4], 8, Random, "rank 2: no spatial axes", groups(2.0)),
            (vec![1, 1, 1], 9, Random, "one element", groups(1.0)),
            (vec![0, 4, 3], 10, Random, "no samples", groups(2.0)),
            (vec![1, 16, 40, 40], 11, Random, "groups of 6400: two chunks each", groups(4.0)),
            (vec![2, 8, 64, 66], 12, Random, "groups of 16896: five chunks, the last partial", groups(2.0)),
            (vec![2, 8, 4, 4], 13, Specials, "groups with NaN, ±inf, all -0.0, -inf, constant", groups(2.0)),
            (vec![2, 8, 5, 5], 14, Large, "large magnitudes", groups(4.0)),
            (vec![2, 8, 4, 4], 15, Random, "one group: layer_norm over each sample", groups(1.0)),
        ],
        NormKind::BatchNorm => vec![
            (vec![4, 8, 5, 5], 1, Random, "random, spatial 25: scalar accesses", p),
            (vec![4, 8, 5, 5], 2, Random, "random, seed 2", p),
            (vec![4, 8, 5, 5], 3, Random, "random, seed 3", p),
            (vec![2, 16, 8, 8], 4, Random, "spatial 64: 16-byte accesses", p),
            (vec![2, 6, 4], 5, Random, "spatial 4: 4-wide accesses for every dtype", p),
            (vec![3, 5], 6, Random, "rank 2: one element per channel", p),
            (vec![1, 1], 7, Random, "one element", p),
            (vec![0, 3, 4], 8, Random, "no samples", p),
            (vec![2, 3, 1000], 9, Random, "several threadgroups", p),
            (vec![2, 8, 4, 4], 10, Specials, "NaN, ±inf, ±0 and other special values", p),
            (vec![4, 32, 16, 17], 11, Large, "large magnitudes", p),
        ],
    };
    super::in_every_float_dtype(&table)
}

/// Where input `index` of `k` draws from: data of either sign, weights near 1, biases and
/// means of either sign, variances positive.
fn draw(k: NormKind, index: usize, rng: &mut Rng) -> f64 {
    match (k, index) {
        (_, 0) => rng.uniform(-3.0, 3.0),
        (NormKind::RmsNormGated, 1) => rng.uniform(-6.0, 6.0),
        (NormKind::AddRmsNorm, 1) => rng.uniform(-3.0, 3.0),
        (NormKind::AddRmsNorm | NormKind::RmsNormGated, _) => rng.uniform(0.5, 1.5),
        (NormKind::GroupNorm, 1) | (NormKind::BatchNorm, 3) => rng.uniform(0.5, 1.5),
        (NormKind::BatchNorm, 2) => rng.uniform(0.25, 2.0),
        _ => rng.uniform(-1.0, 1.0),
    }
}

/// The shape of input `index` of `k` for data of `shape`.
fn input_shape(k: NormKind, index: usize, shape: &[usize]) -> Vec<usize> {
    match (k, index) {
        (_, 0) | (NormKind::AddRmsNorm | NormKind::RmsNormGated, 1) => shape.to_vec(),
        (NormKind::AddRmsNorm | NormKind::RmsNormGated, _) => shape.last().map_or(vec![], |n| vec![*n]),
        _ => shape.get(1).map_or(vec![], |c| vec![*c]),
    }
}

/// The length of the rows special values go into: a norm's row, a group of group_norm.
fn special_row(k: NormKind, case: &Case) -> usize {
    let s = &case.shape;
    match k {
        NormKind::GroupNorm => {
            let g = (case.params.norm.groups as usize).max(1);
            s.iter().skip(1).product::<usize>() / g
        }
        _ => s.last().copied().unwrap_or(1),
    }
}

/// Generate the inputs of `k` for `case`, in the order of [`NormKind::inputs`].
pub fn generate(k: NormKind, case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let shapes: Vec<Vec<usize>> = (0..k.inputs().len()).map(|i| input_shape(k, i, &case.shape)).collect();
    let mut data: Vec<Vec<f64>> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| (0..s.iter().product()).map(|_| draw(k, i, &mut rng)).collect())
        .collect();
    match case.kind {
        CaseKind::Large => {
            for v in &mut data[0] {
                *v *= 1e2;
            }
            if k == NormKind::AddRmsNorm {
                for v in &mut data[1] {
                    *v *= 1e2;
                }
            }
        }
        CaseKind::Specials => {
            let mut specials = Rng::new(case.seed ^ 0x5EC1A1);
            match k {
                NormKind::BatchNorm => {
                    for (v, s) in data[0].iter_mut().zip(SPECIALS) {
                        *v = s;
                    }
                }
                _ => {
                    let n = special_row(k, case).max(1);
                    for (r, row) in data[0].chunks_mut(n).enumerate() {
                        row_specials(r, row, &mut specials);
                    }
                }
            }
            // The gate meets every special value too, in the last rows (ordinary x).
            if k == NormKind::RmsNormGated {
                for (v, s) in data[1].iter_mut().rev().zip(SPECIALS) {
                    *v = s;
                }
            }
        }
        _ => {}
    }
    data.into_iter().zip(shapes).map(|(d, s)| HostTensor::new(&s, d)).collect()
}
