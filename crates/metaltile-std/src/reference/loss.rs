//! References of the losses, in f64 from torch's definitions: cross-entropy as
//! `ln Σ_j e^(x_j) - x_target` per row (the log-sum-exp taken relative to the row's max), the
//! rows whose target is `ignore_index` left out; `(a - b)²`; `xlogy(b, b) - b·a` (`b ln b` 0 where `b = 0`)
//! or `e^b·(b - a)`. Parameters the op refuses give an empty output, which fails any comparison.

use crate::ops::{LossKind, OpParams, Reduction};
use crate::tensor::HostTensor;

/// ln Σ e^v, exact for a row of -∞ (-∞) and +∞ entries (+∞).
fn logsumexp(row: &[f64]) -> f64 {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if row.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    if m.is_infinite() {
        return m;
    }
    m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// Per element: the loss and its weight (0 for an ignored row), with each loss's magnitude
/// (what its rounding errors scale with).
fn terms(kind: LossKind, inputs: &[HostTensor], p: &OpParams) -> Option<Vec<(f64, f64, f64)>> {
    let (x, t) = (inputs.first()?, inputs.get(1)?);
    match kind {
        LossKind::CrossEntropy => {
            let n = *x.shape.get(1)?;
            let ignore = p.loss.ignore_index as f64;
            Some(
                t.data
                    .iter()
                    .enumerate()
                    .map(|(r, &target)| {
                        let row = &x.data[r * n..(r + 1) * n];
                        let big = row.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
                        if target == ignore {
                            (0.0, 0.0, 0.0)
                        } else if target < 0.0 || target >= n as f64 {
                            (f64::NAN, 1.0, big)
                        } else {
                            (logsumexp(row) - row[target as usize], 1.0, big + 1.0)
                        }
                    })
                    .collect(),
            )
        }
        LossKind::Mse => {
            Some(x.data.iter().zip(&t.data).map(|(a, b)| ((a - b) * (a - b), 0.0, (a - b).powi(2))).collect())
        }
        LossKind::KlDiv => {
            let log_target = p.loss.log_target == 1.0;
            Some(
                x.data
                    .iter()
                    .zip(&t.data)
                    .map(|(a, b)| {
                        // torch: xlogy(b, b) - b·a, so a zero target against -∞ is NaN.
                        let xlogy = if *b == 0.0 { 0.0 } else { b * b.ln() };
                        let (v, size) = if log_target {
                            (b.exp() * (b - a), b.exp() * (b.abs() + a.abs()))
                        } else {
                            (xlogy - b * a, xlogy.abs() + (b * a).abs())
                        };
                        (v, 0.0, size)
                    })
                    .collect(),
            )
        }
    }
}

/// The loss (`magnitudes` false) or the magnitude its rounding errors scale with (true): per
/// element for reduction `none`, else the reduced value of one element.
pub fn loss_op(kind: LossKind, inputs: &[HostTensor], p: &OpParams, magnitudes: bool) -> HostTensor {
    let empty = HostTensor::new(&[0], vec![]);
    let (Some(terms), Ok(reduction)) = (terms(kind, inputs, p), p.loss.reduction_of(kind)) else {
        return empty;
    };
    let pick = |t: &(f64, f64, f64)| if magnitudes { t.2 } else { t.0 };
    let Some(x) = inputs.first() else { return empty };
    let total: f64 = terms.iter().map(pick).sum();
    let value = match reduction {
        Reduction::None => {
            let shape = if kind == LossKind::CrossEntropy { vec![terms.len()] } else { x.shape.clone() };
            return HostTensor::new(&shape, terms.iter().map(pick).collect());
        }
        Reduction::Sum => total,
        Reduction::Mean if kind == LossKind::CrossEntropy => total / terms.iter().map(|t| t.1).sum::<f64>(),
        Reduction::Mean => total / terms.len() as f64,
        Reduction::BatchMean => total / x.shape.first().copied().unwrap_or(1) as f64,
    };
    HostTensor::new(&[], vec![value])
}
