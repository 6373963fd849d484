//! Matrix-vector products in f64, written from the definition: each output an exact-order
//! sum of products (f64 keeps the rounding far below any dtype's tolerance).

/// `y[i] = Σ_j a[i, j]·x[j]` for a row-major `a` of `m` rows of `k`.
pub fn gemv(a: &[f64], m: usize, k: usize, x: &[f64]) -> Vec<f64> {
    (0..m).map(|i| (0..k).map(|j| a[i * k + j] * x[j]).sum()).collect()
}

/// `y[j] = Σ_i x[i]·a[i, j]` for a row-major `a` of `m` rows of `k`.
pub fn gemv_t(a: &[f64], m: usize, k: usize, x: &[f64]) -> Vec<f64> {
    (0..k).map(|j| (0..m).map(|i| x[i] * a[i * k + j]).sum()).collect()
}

/// The size each output of [`gemv`] (`transposed`: of [`gemv_t`]) is judged against: the
/// sum of the magnitudes of its `n` terms over `√n`. An f32 accumulation of `n` products
/// errs by a few roundings of the terms' size, growing like `√n` for terms of random sign,
/// while cancellation can make the result itself arbitrarily small (as for `sum_rows`).
pub fn gemv_error_scale(a: &[f64], m: usize, k: usize, x: &[f64], transposed: bool) -> Vec<f64> {
    let abs_a: Vec<f64> = a.iter().map(|v| v.abs()).collect();
    let abs_x: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    let (sums, n) = if transposed {
        (gemv_t(&abs_a, m, k, &abs_x), m)
    } else {
        (gemv(&abs_a, m, k, &abs_x), k)
    };
    let root = (n.max(1) as f64).sqrt();
    sums.iter().map(|s| s / root).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_by_hand() {
        // a = [[1, 2, 3], [4, 5, 6]]
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(gemv(&a, 2, 3, &[1.0, 0.5, -1.0]), vec![1.0 + 1.0 - 3.0, 4.0 + 2.5 - 6.0]);
        assert_eq!(gemv_t(&a, 2, 3, &[2.0, -1.0]), vec![2.0 - 4.0, 4.0 - 5.0, 6.0 - 6.0]);
        // Terms 1, 1, 3 over √3.
        let s = gemv_error_scale(&a, 2, 3, &[1.0, 0.5, -1.0], false);
        assert!((s[0] - 5.0 / 3f64.sqrt()).abs() < 1e-12);
    }
}
