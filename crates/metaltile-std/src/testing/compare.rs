//! The comparison of a kernel's output with its reference: per element
//! `|a − b| ≤ atol + rtol·|b|`; NaN only where the reference has NaN; an infinity only where
//! the reference has the same infinity; lengths equal.

use metaltile_ir::Tolerance;

/// What a comparison found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Largest |a − b| over elements where both are finite.
    pub max_abs_err: f64,
    /// Largest |a − b| / |b| over elements where both are finite and b ≠ 0.
    pub max_rel_err: f64,
    /// Elements that fail the rule.
    pub mismatches: usize,
    /// The first failing element, described.
    pub first_mismatch: Option<String>,
}

impl Comparison {
    /// True when every element passed.
    pub fn passed(&self) -> bool {
        self.mismatches == 0
    }
}

/// Compare `got` (the kernel's output) with `want` (the reference) under `tol`. `name`
/// labels the output in the description of a mismatch.
pub fn compare(name: &str, got: &[f64], want: &[f64], tol: Tolerance) -> Comparison {
    compare_scaled(name, got, want, tol, None)
}

/// [`compare`] with the relative tolerance applied to `max(|b|, scale[i])` where a scale is
/// given: for outputs whose error is bounded by the size of the terms they combine rather
/// than by their own value (a sum whose terms cancel).
pub fn compare_scaled(name: &str, got: &[f64], want: &[f64], tol: Tolerance, scale: Option<&[f64]>) -> Comparison {
    let mut c = Comparison::default();
    if got.len() != want.len() {
        c.mismatches = got.len().max(want.len()).max(1);
        c.first_mismatch = Some(format!("`{name}` has {} elements, the reference {}", got.len(), want.len()));
        return c;
    }
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        let ok = if b.is_nan() || a.is_nan() {
            a.is_nan() && b.is_nan()
        } else if b.is_infinite() || a.is_infinite() {
            a == b
        } else {
            let diff = (a - b).abs();
            c.max_abs_err = c.max_abs_err.max(diff);
            if b != 0.0 {
                c.max_rel_err = c.max_rel_err.max(diff / b.abs());
            }
            diff <= allowed(tol, b, scale, i)
        };
        if !ok {
            c.mismatches += 1;
            if c.first_mismatch.is_none() {
                c.first_mismatch = Some(format!(
                    "`{name}`[{i}] = {a:e}, reference {b:e} (|diff| {:e} > {:e} allowed)",
                    (a - b).abs(),
                    allowed(tol, b, scale, i)
                ));
            }
        }
    }
    c
}

fn allowed(tol: Tolerance, b: f64, scale: Option<&[f64]>, i: usize) -> f64 {
    let s = scale.and_then(|s| s.get(i)).copied().unwrap_or(0.0);
    tol.atol + tol.rtol * b.abs().max(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: Tolerance = Tolerance { atol: 1e-3, rtol: 1e-2 };

    #[test]
    fn within_tolerance_passes_and_errors_are_measured() {
        let c = compare("y", &[1.0, 100.5, 0.0], &[1.0005, 100.0, 0.0], TOL);
        assert!(c.passed(), "{c:?}");
        assert!((c.max_abs_err - 0.5).abs() < 1e-12);
        assert!((c.max_rel_err - 0.005).abs() < 1e-12);
    }

    #[test]
    fn a_scale_widens_the_relative_tolerance_of_small_results_only() {
        // A sum that cancelled to 0.01 from terms of size 10: an error of 3e-3 is a fraction
        // of a rounding of the terms, and passes against the scale; without it, it fails.
        assert!(compare_scaled("y", &[0.013], &[0.01], TOL, Some(&[10.0])).passed());
        assert!(!compare("y", &[0.013], &[0.01], TOL).passed());
        // A result larger than its scale keeps its own relative tolerance.
        assert!(!compare_scaled("y", &[105.0], &[100.0], TOL, Some(&[1.0])).passed());
    }

    #[test]
    fn outside_tolerance_fails_with_a_description() {
        let c = compare("y", &[1.0, 2.0], &[1.0, 2.1], TOL);
        assert_eq!(c.mismatches, 1);
        assert!(c.first_mismatch.is_some_and(|m| m.contains("`y`[1]")));
    }

    #[test]
    fn nan_only_where_the_reference_has_nan() {
        assert!(compare("y", &[f64::NAN], &[f64::NAN], TOL).passed());
        assert!(!compare("y", &[f64::NAN], &[1.0], TOL).passed());
        assert!(!compare("y", &[1.0], &[f64::NAN], TOL).passed());
    }

    #[test]
    fn infinities_must_match_in_sign() {
        assert!(compare("y", &[f64::INFINITY], &[f64::INFINITY], TOL).passed());
        assert!(!compare("y", &[f64::NEG_INFINITY], &[f64::INFINITY], TOL).passed());
        assert!(!compare("y", &[f64::INFINITY], &[1e300], TOL).passed());
        assert!(!compare("y", &[1e300], &[f64::INFINITY], TOL).passed());
    }

    #[test]
    fn lengths_must_match() {
        let c = compare("y", &[1.0], &[1.0, 2.0], TOL);
        assert!(!c.passed());
        assert!(c.first_mismatch.is_some_and(|m| m.contains("1 elements")));
        assert!(!compare("y", &[], &[1.0], TOL).passed());
    }

    #[test]
    fn signed_zeros_compare_equal() {
        assert!(compare("y", &[-0.0], &[0.0], Tolerance { atol: 0.0, rtol: 0.0 }).passed());
    }
}
