//! References of the reductions over a row, in f64 from their definitions. NaN propagates
//! (any NaN in the row gives NaN), as in PyTorch.

/// `f` of every lane `x[o, .., j]` of a tensor seen as `[outer, n, inner]` (row-major), in
/// output order `(o, j)`.
pub fn along_axis(data: &[f64], view: [usize; 3], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let [outer, n, inner] = view;
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for j in 0..inner {
            let lane: Vec<f64> = (0..n).map(|k| data[(o * n + k) * inner + j]).collect();
            out.push(f(&lane));
        }
    }
    out
}

/// Σ x / n; NaN for an empty row (0 / 0, as `torch.mean`).
pub fn mean_row(row: &[f64]) -> f64 {
    row.iter().sum::<f64>() / row.len() as f64
}

/// Π x; 1 for an empty row.
pub fn prod_row(row: &[f64]) -> f64 {
    row.iter().product()
}

/// Σ |x|
pub fn l1_norm_row(row: &[f64]) -> f64 {
    row.iter().map(|v| v.abs()).sum()
}

/// √Σ x²
pub fn l2_norm_row(row: &[f64]) -> f64 {
    row.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// ln Σ e^x, shifted by the row's max `m` for range; `m` itself when it is ±∞ (a row of
/// only `-∞`, an empty row, or one holding `+∞`), NaN if the row holds a NaN.
pub fn logsumexp_row(row: &[f64]) -> f64 {
    if row.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m.is_infinite() {
        return m;
    }
    m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// The index of the first NaN, else of the first element no other exceeds under `better`.
fn arg_row(row: &[f64], better: fn(f64, f64) -> bool) -> f64 {
    if let Some(i) = row.iter().position(|v| v.is_nan()) {
        return i as f64;
    }
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if better(*v, row[best]) {
            best = i;
        }
    }
    best as f64
}

/// The index of the largest element (the first of equals), or of the first NaN.
pub fn argmax_row(row: &[f64]) -> f64 {
    arg_row(row, |a, b| a > b)
}

/// The index of the smallest element (the first of equals), or of the first NaN.
pub fn argmin_row(row: &[f64]) -> f64 {
    arg_row(row, |a, b| a < b)
}

/// Σ (x - mean)² / max(0, n - correction): the mean first, then the centered squares.
pub fn var_row(row: &[f64], correction: f64) -> f64 {
    let mean = mean_row(row);
    let m2: f64 = row.iter().map(|v| (v - mean) * (v - mean)).sum();
    m2 / (row.len() as f64 - correction).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(mean_row(&[1.0, 2.0, 6.0]), 3.0);
        assert!(mean_row(&[]).is_nan());
        assert_eq!(prod_row(&[2.0, -3.0, 0.5]), -3.0);
        assert_eq!(prod_row(&[]), 1.0);
        assert_eq!(l1_norm_row(&[3.0, -4.0]), 7.0);
        assert_eq!(l2_norm_row(&[3.0, -4.0]), 5.0);
        assert_eq!(var_row(&[1.0, 3.0], 1.0), 2.0);
        assert_eq!(argmax_row(&[1.0, 3.0, 3.0, -0.0]), 1.0);
        assert_eq!(argmin_row(&[0.0, 3.0, -0.0]), 0.0);
        assert_eq!(argmax_row(&[1.0, f64::NAN, 9.0, f64::NAN]), 1.0);
        assert_eq!(argmin_row(&[f64::NEG_INFINITY, f64::NEG_INFINITY]), 0.0);
        assert_eq!(var_row(&[1.0, 3.0], 0.0), 1.0);
        assert!(var_row(&[5.0], 1.0).is_nan());
        assert_eq!(var_row(&[1.0, 3.0], 2.5), f64::INFINITY);
        assert!((logsumexp_row(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
        assert!((logsumexp_row(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn logsumexp_of_infinities_and_nan() {
        assert_eq!(logsumexp_row(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(logsumexp_row(&[f64::NEG_INFINITY, f64::NEG_INFINITY]), f64::NEG_INFINITY);
        assert_eq!(logsumexp_row(&[]), f64::NEG_INFINITY);
        assert_eq!(logsumexp_row(&[f64::NEG_INFINITY, 2.0]), 2.0);
        assert!(logsumexp_row(&[f64::INFINITY, f64::NAN]).is_nan());
    }
}
