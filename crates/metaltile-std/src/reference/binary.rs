//! References of the binary ops added beside the arithmetic ones, on f64. The bool-valued
//! ops return 1.0 or 0.0.

/// The angle of the point (b, a), in (-π, π], with the signs of zeros respected.
pub fn atan2(a: f64, b: f64) -> f64 {
    a.atan2(b)
}
/// a - b·trunc(a/b), exact (C's `fmod`): zero or the sign of a; NaN for b = 0 or infinite a.
pub fn fmod(a: f64, b: f64) -> f64 {
    a % b
}
/// a - b·⌊a/b⌋ (Python's `%`): zero or the sign of b. The floored quotient differs from the
/// truncated one exactly when the truncated remainder is nonzero and of the other sign, and
/// then by one, so the remainder moves by b.
pub fn remainder(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}
/// ln(e^a + e^b). e^a overflows f64 for the largest f32 inputs, so the larger exponent is
/// factored out: ln(e^a + e^b) = m + ln(1 + e^(min - m)), exact math. Equal infinities give
/// themselves.
pub fn logaddexp(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if hi.is_infinite() {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}
fn truth(b: bool) -> f64 {
    f64::from(u8::from(b))
}
/// 1 where a = b (IEEE: never for NaN, +0 = -0).
pub fn eq(a: f64, b: f64) -> f64 {
    truth(a == b)
}
/// 1 where a ≠ b (always for NaN).
pub fn ne(a: f64, b: f64) -> f64 {
    truth(a != b)
}
/// 1 where a < b.
pub fn lt(a: f64, b: f64) -> f64 {
    truth(a < b)
}
/// 1 where a ≤ b.
pub fn le(a: f64, b: f64) -> f64 {
    truth(a <= b)
}
/// 1 where a > b.
pub fn gt(a: f64, b: f64) -> f64 {
    truth(a > b)
}
/// 1 where a ≥ b.
pub fn ge(a: f64, b: f64) -> f64 {
    truth(a >= b)
}
/// torch's truth of a float: nonzero, NaN included.
fn nonzero(v: f64) -> bool {
    v.is_nan() || v != 0.0
}
/// 1 where both are nonzero.
pub fn logical_and(a: f64, b: f64) -> f64 {
    truth(nonzero(a) && nonzero(b))
}
/// 1 where either is nonzero.
pub fn logical_or(a: f64, b: f64) -> f64 {
    truth(nonzero(a) || nonzero(b))
}
/// 1 where exactly one is nonzero.
pub fn logical_xor(a: f64, b: f64) -> f64 {
    truth(nonzero(a) != nonzero(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remainder_takes_the_divisor_sign_and_fmod_the_dividend() {
        assert_eq!(remainder(-7.0, 3.0), 2.0);
        assert_eq!(remainder(7.0, -3.0), -2.0);
        assert_eq!(fmod(-7.0, 3.0), -1.0);
        assert_eq!(fmod(7.0, -3.0), 1.0);
        assert_eq!(remainder(-1.0, f64::INFINITY), f64::INFINITY);
        assert_eq!(fmod(-1.0, f64::INFINITY), -1.0);
        assert!(remainder(1.0, 0.0).is_nan() && fmod(f64::INFINITY, 2.0).is_nan());
        // 1e30 = 2^99.65..: exact, unlike 1e30 - 3·trunc(1e30/3) in floating point.
        assert_eq!(fmod(1e30, 3.0), (1e30f64 as u128 % 3) as f64);
    }

    #[test]
    fn logaddexp_and_friends() {
        assert!((logaddexp(0.0, 0.0) - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(logaddexp(1e4, 0.0), 1e4);
        assert_eq!(logaddexp(f64::NEG_INFINITY, f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(logaddexp(f64::INFINITY, f64::NEG_INFINITY), f64::INFINITY);
        assert!(logaddexp(f64::NAN, 1.0).is_nan());
        assert_eq!(atan2(0.0, -0.0), std::f64::consts::PI);
        assert_eq!(atan2(-0.0, -0.0), -std::f64::consts::PI);
        assert_eq!(ne(f64::NAN, f64::NAN), 1.0);
        assert_eq!(eq(0.0, -0.0), 1.0);
        assert_eq!(logical_and(f64::NAN, 2.0), 1.0);
        assert_eq!(logical_xor(0.0, -0.0), 0.0);
    }
}
