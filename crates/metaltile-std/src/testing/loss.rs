//! The cases and inputs of the losses, every float dtype. cross_entropy's shape is the logits'
//! `[rows, classes]`; targets are drawn in `[0, classes)` with every fifth row `ignore_index`
//! (-100, or the case's), i32 or i64. Edge cases: -∞ logits (a masked vocabulary, a target on
//! one), rows of huge logits (no overflow), every row ignored (the mean is NaN), vocabularies
//! not a multiple of the vector width, rows longer than a threadgroup's tile. mse_loss and
//! kl_div take two tensors of the case's shape; kl_div's input holds log-probabilities
//! (log-softmax of random rows) and its target probabilities with zeros among them (or
//! log-probabilities with `log_target`).

use super::inputs::SPECIALS;
use super::rng::Rng;
use super::{in_every_float_dtype, Case, CaseKind, CaseRow};
use crate::ops::{LossKind, OpParams};
use crate::tensor::HostTensor;

fn with(reduction: f32, set: impl Fn(&mut OpParams)) -> OpParams {
    let mut p = OpParams::default();
    p.loss.reduction = reduction;
    set(&mut p);
    p
}

fn plain(reduction: f32) -> OpParams {
    with(reduction, |_| {})
}

fn rows(kind: LossKind) -> Vec<CaseRow> {
    use CaseKind::*;
    match kind {
        LossKind::CrossEntropy => vec![
            (vec![6, 1000], 1, Random, "6 rows of 1000 classes, mean", plain(1.0)),
            (vec![6, 1000], 2, Random, "seed 2, sum", plain(2.0)),
            (vec![6, 1000], 3, Random, "seed 3, none", plain(0.0)),
            (vec![1, 1], 4, Random, "one class", plain(1.0)),
            (vec![9, 37], 5, Random, "37 classes: not a multiple of the vector width, none", plain(0.0)),
            (vec![3, 5003], 6, Random, "rows longer than a tile, i64 targets", with(1.0, |p| p.index.wide = true)),
            (vec![5, 64], 7, Specials, "-∞ logits: a row all masked (NaN), a target masked (+∞)", plain(0.0)),
            (vec![4, 300], 8, Large, "huge logits (±8000): no overflow", plain(0.0)),
            (vec![4, 300], 9, Random, "every row ignored: mean NaN", with(1.0, |p| p.loss.ignore_index = -7.0)),
            (vec![4, 300], 10, Random, "every row ignored, sum 0", with(2.0, |p| p.loss.ignore_index = -7.0)),
            (
                vec![40, 128],
                11,
                Random,
                "ignore_index 3: a valid class left out",
                with(1.0, |p| p.loss.ignore_index = 3.0),
            ),
            (vec![2, 20_000], 12, Random, "large vocabulary", plain(1.0)),
        ],
        LossKind::Mse | LossKind::KlDiv => {
            let mut t = vec![
                (vec![1000], 1, Random, "1000 elements, mean", plain(1.0)),
                (vec![1000], 2, Random, "seed 2, sum", plain(2.0)),
                (vec![3, 333], 3, Random, "seed 3, none", plain(0.0)),
                (vec![1], 4, Random, "one element, mean", plain(1.0)),
                (vec![4, 4111], 5, Random, "whole threadgroups and a tail, sum", plain(2.0)),
                (vec![8, 4096], 6, Random, "8 whole threadgroups, mean", plain(1.0)),
                (vec![500], 7, Large, "large magnitudes, none", plain(0.0)),
                (vec![30_000], 8, Random, "large, mean", plain(1.0)),
                (vec![600], 12, Specials, "NaN, ±inf, ±0 among the inputs, none", plain(0.0)),
            ];
            if kind == LossKind::KlDiv {
                t.extend([
                    (vec![16, 100], 9, Random, "batchmean", plain(3.0)),
                    (vec![16, 100], 10, Random, "log_target, none", with(0.0, |p| p.loss.log_target = 1.0)),
                    (vec![16, 100], 11, Random, "log_target, batchmean", with(3.0, |p| p.loss.log_target = 1.0)),
                ]);
            }
            t
        }
    }
}

/// Every case of `kind`.
pub fn cases(kind: LossKind) -> Vec<Case> {
    in_every_float_dtype(&rows(kind))
}

/// ln softmax of each row of `v` (rows of `n`).
fn log_softmax(v: &[f64], n: usize) -> Vec<f64> {
    v.chunks(n.max(1))
        .flat_map(|row| {
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + row.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            row.iter().map(move |x| x - lse).collect::<Vec<_>>()
        })
        .collect()
}

/// The inputs of `kind` for `case`.
pub fn generate(kind: LossKind, case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let shape = &case.shape;
    let len: usize = shape.iter().product();
    let n = shape.last().copied().unwrap_or(1);
    match kind {
        LossKind::CrossEntropy => {
            let rows = shape.first().copied().unwrap_or(1);
            let scale = if case.kind == CaseKind::Large { 1e3 } else { 1.0 };
            let mut x: Vec<f64> = (0..len).map(|_| rng.uniform(-8.0, 8.0) * scale).collect();
            let ignore = case.params.loss.ignore_index as f64;
            let mut t: Vec<f64> =
                (0..rows).map(|r| if r % 5 == 4 { ignore } else { (rng.next_u64() % n as u64) as f64 }).collect();
            if ignore >= 0.0 {
                // A valid class as ignore_index: rows aiming at it are left out.
                t.iter_mut().step_by(2).for_each(|v| *v = ignore);
            } else if ignore != -100.0 {
                t.iter_mut().for_each(|v| *v = ignore);
            }
            if case.kind == CaseKind::Specials {
                // Every third class masked; row 0 wholly (its loss NaN, as torch's); row 1's
                // target a masked class (loss +∞).
                for (i, v) in x.iter_mut().enumerate() {
                    if i % 3 == 0 || i < n {
                        *v = f64::NEG_INFINITY;
                    }
                }
                t[0] = 0.0;
                t[1] = ((3 - n % 3) % 3) as f64;
            }
            vec![HostTensor::new(shape, x), HostTensor::new(&[rows], t)]
        }
        LossKind::Mse => {
            let s = if case.kind == CaseKind::Large { 1e3 } else { 1.0 };
            let mut a: Vec<f64> = (0..len).map(|_| rng.uniform(-4.0, 4.0) * s).collect();
            let b = (0..len).map(|_| rng.uniform(-4.0, 4.0) * s).collect();
            if case.kind == CaseKind::Specials {
                a.iter_mut().step_by(5).zip(SPECIALS.iter().cycle()).for_each(|(v, s)| *v = *s);
            }
            vec![HostTensor::new(shape, a), HostTensor::new(shape, b)]
        }
        LossKind::KlDiv => {
            let s = if case.kind == CaseKind::Large { 8.0 } else { 1.0 };
            let input = log_softmax(&(0..len).map(|_| rng.uniform(-3.0, 3.0) * s).collect::<Vec<_>>(), n);
            let logits: Vec<f64> = (0..len).map(|_| rng.uniform(-3.0, 3.0) * s).collect();
            let target = if case.params.loss.log_target == 1.0 {
                log_softmax(&logits, n)
            } else {
                let p: Vec<f64> = log_softmax(&logits, n).iter().map(|v| v.exp()).collect();
                // Every seventh probability 0: xlogy's 0 · ln 0 = 0.
                p.iter().enumerate().map(|(i, v)| if i % 7 == 3 { 0.0 } else { *v }).collect()
            };
            let mut input = input;
            if case.kind == CaseKind::Specials {
                // -∞ log-probabilities (against zero targets: NaN, as torch), NaN, +∞, ±0.
                input.iter_mut().step_by(5).zip(SPECIALS.iter().cycle()).for_each(|(v, s)| *v = *s);
            }
            vec![HostTensor::new(shape, input), HostTensor::new(shape, target)]
        }
    }
}
