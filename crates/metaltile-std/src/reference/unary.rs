//! References of the unary ops, on f64. Where the direct formula overflows in f64 for the
//! inputs the tests use (softplus of large x), the reference uses an exact identity of the
//! math instead, never the kernel's approximations or thresholds.

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_PI};

/// e^x
pub fn exp(x: f64) -> f64 {
    x.exp()
}
/// 2^x
pub fn exp2(x: f64) -> f64 {
    x.exp2()
}
/// e^x - 1
pub fn expm1(x: f64) -> f64 {
    x.exp_m1()
}
/// Natural logarithm.
pub fn log(x: f64) -> f64 {
    x.ln()
}
/// Base-2 logarithm.
pub fn log2(x: f64) -> f64 {
    x.log2()
}
/// Base-10 logarithm.
pub fn log10(x: f64) -> f64 {
    x.log10()
}
/// ln(1 + x)
pub fn log1p(x: f64) -> f64 {
    x.ln_1p()
}
/// Square root.
pub fn sqrt(x: f64) -> f64 {
    x.sqrt()
}
/// 1 / √x
pub fn rsqrt(x: f64) -> f64 {
    1.0 / x.sqrt()
}
/// Real cube root.
pub fn cbrt(x: f64) -> f64 {
    x.cbrt()
}
/// |x|
pub fn abs(x: f64) -> f64 {
    x.abs()
}
/// -x
pub fn neg(x: f64) -> f64 {
    -x
}
/// 1 for positive x, -1 for negative; zeros and NaN unchanged (numpy's `sign`).
pub fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}
/// ⌈x⌉
pub fn ceil(x: f64) -> f64 {
    x.ceil()
}
/// ⌊x⌋
pub fn floor(x: f64) -> f64 {
    x.floor()
}
/// The nearest integer, ties to even.
pub fn round(x: f64) -> f64 {
    x.round_ties_even()
}
/// Toward zero.
pub fn trunc(x: f64) -> f64 {
    x.trunc()
}
/// 1 / x
pub fn recip(x: f64) -> f64 {
    1.0 / x
}
/// x²
pub fn square(x: f64) -> f64 {
    x * x
}
/// Sine.
pub fn sin(x: f64) -> f64 {
    x.sin()
}
/// Cosine.
pub fn cos(x: f64) -> f64 {
    x.cos()
}
/// Tangent.
pub fn tan(x: f64) -> f64 {
    x.tan()
}
/// Arcsine.
pub fn asin(x: f64) -> f64 {
    x.asin()
}
/// Arccosine.
pub fn acos(x: f64) -> f64 {
    x.acos()
}
/// Arctangent.
pub fn atan(x: f64) -> f64 {
    x.atan()
}
/// Hyperbolic sine.
pub fn sinh(x: f64) -> f64 {
    x.sinh()
}
/// Hyperbolic cosine.
pub fn cosh(x: f64) -> f64 {
    x.cosh()
}
/// Hyperbolic tangent.
pub fn tanh(x: f64) -> f64 {
    x.tanh()
}
/// Inverse hyperbolic sine.
pub fn asinh(x: f64) -> f64 {
    libm::asinh(x)
}
/// Inverse hyperbolic cosine.
pub fn acosh(x: f64) -> f64 {
    libm::acosh(x)
}
/// Inverse hyperbolic tangent.
pub fn atanh(x: f64) -> f64 {
    libm::atanh(x)
}
/// The error function.
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}
/// The inverse error function: the root of erf(t) = y, found by bisection (erf is
/// increasing). From |y| = ½ on the root is sought as erfc(t) = 1 - |y|, which is exact for
/// an f32 y and keeps the precision that erf(t), rounded near 1, would lose.
pub fn erfinv(y: f64) -> f64 {
    if y.is_nan() || y.abs() > 1.0 {
        return f64::NAN;
    }
    if y.abs() == 1.0 {
        return f64::INFINITY.copysign(y);
    }
    if y == 0.0 {
        return y;
    }
    let (target, tail) = if y.abs() < 0.5 { (y.abs(), false) } else { (1.0 - y.abs(), true) };
    // erfc(6) ≈ 2e-17: below every 1 - |y| an f32 holds. 200 halvings leave an interval of
    // 6·2⁻²⁰⁰ ≈ 4e-60, far below the root of the smallest normal f32 y (≈ 1e-38).
    let (mut lo, mut hi) = (0.0f64, 6.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let below = if tail { libm::erfc(mid) > target } else { libm::erf(mid) < target };
        if below {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).copysign(y)
}
/// 1 / (1 + e^-x)
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
/// ln(1 + e^x), as max(x, 0) + ln(1 + e^-|x|) (the same number; e^x overflows f64 from x = 710).
pub fn softplus(x: f64) -> f64 {
    let pos = if x > 0.0 { x } else { 0.0 };
    pos + (-x.abs()).exp().ln_1p()
}
/// ln sigmoid(x) = -softplus(-x)
pub fn logsigmoid(x: f64) -> f64 {
    -softplus(-x)
}
/// x · sigmoid(x)
pub fn silu(x: f64) -> f64 {
    x * sigmoid(x)
}
/// x · Φ(x) = ½x(1 + erf(x/√2))
pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))
}
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
pub fn gelu_tanh(x: f64) -> f64 {
    let inner = FRAC_2_PI.sqrt() * (x + 0.044715 * x * x * x);
    0.5 * x * (1.0 + inner.tanh())
}
/// max(x, 0), NaN for NaN.
pub fn relu(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}
/// x for x ≥ 0, slope · x below.
pub fn leaky_relu(x: f64, slope: f64) -> f64 {
    if x >= 0.0 {
        x
    } else {
        slope * x
    }
}
/// x for x > 0, alpha · (e^x - 1) otherwise.
pub fn elu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x.exp_m1()
    }
}
/// scale · elu(x, alpha) with α = 1.6732632423543772848…, λ = 1.0507009873554804934…
/// (Klambauer et al., 2017).
pub fn selu(x: f64) -> f64 {
    1.050_700_987_355_480_5 * elu(x, 1.673_263_242_354_377_3)
}
/// x / (1 + |x|)
pub fn softsign(x: f64) -> f64 {
    x / (1.0 + x.abs())
}
/// x · tanh(softplus(x))
pub fn mish(x: f64) -> f64 {
    x * softplus(x).tanh()
}
/// min(max(x + 3, 0), 6) / 6, NaN for NaN.
pub fn hardsigmoid(x: f64) -> f64 {
    relu6(x + 3.0) / 6.0
}
/// x · min(max(x + 3, 0), 6) / 6
pub fn hardswish(x: f64) -> f64 {
    x * relu6(x + 3.0) / 6.0
}
/// x clamped to [lo, hi], NaN for NaN.
pub fn hardtanh(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}
/// min(max(x, 0), 6), NaN for NaN.
fn relu6(x: f64) -> f64 {
    hardtanh(x, 0.0, 6.0)
}
/// 1 where x is NaN, else 0.
pub fn isnan(x: f64) -> f64 {
    f64::from(u8::from(x.is_nan()))
}
/// 1 where x is +∞ or -∞, else 0.
pub fn isinf(x: f64) -> f64 {
    f64::from(u8::from(x.is_infinite()))
}
/// 1 where x is finite, else 0.
pub fn isfinite(x: f64) -> f64 {
    f64::from(u8::from(x.is_finite()))
}

/// Checks of the references against values known independently of them.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfinv_inverts_erf_to_the_last_bits() {
        // Where erf(x) is not too close to ±1 for f64 to tell x from its neighbours.
        for &x in &[-3.0, -1.0, -0.3, -1e-9, 0.0, 1e-9, 0.2, 0.7, 1.5, 2.9] {
            assert!((erfinv(erf(x)) - x).abs() <= 1e-12 * x.abs() + 1e-300, "x={x}");
        }
        // Closer to ±1 the root solves erfc(t) = 1 - |y| to f64 precision.
        for &y in &[0.9999, 1.0 - f64::powi(2.0, -24), 1.0 - 1e-15] {
            let t = erfinv(-y);
            assert!(t < 0.0);
            assert!((libm::erfc(-t) - (1.0 - y)).abs() <= 1e-12 * (1.0 - y), "y={y}");
        }
        assert_eq!(erfinv(1.0), f64::INFINITY);
        assert_eq!(erfinv(-1.0), f64::NEG_INFINITY);
        assert!(erfinv(1.5).is_nan() && erfinv(f64::NAN).is_nan());
        assert_eq!(erfinv(0.0), 0.0);
    }

    #[test]
    fn activations_at_known_points() {
        // ln 2 at 0; softplus(-x) = softplus(x) - x.
        assert!((softplus(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
        assert!((softplus(-3.0) - (softplus(3.0) - 3.0)).abs() < 1e-15);
        assert_eq!(softplus(1e4), 1e4);
        assert_eq!(logsigmoid(-1e4), -1e4);
        assert!((logsigmoid(0.0) + std::f64::consts::LN_2).abs() < 1e-16);
        // selu(-∞) = -λα, the constant it is built to saturate at.
        assert!((selu(f64::NEG_INFINITY) + 1.758_099_340_847_376_6).abs() < 1e-15);
        assert_eq!(hardsigmoid(-3.0), 0.0);
        assert_eq!(hardsigmoid(3.0), 1.0);
        assert_eq!(hardswish(1.0), 1.0 * 4.0 / 6.0);
        assert!(hardtanh(f64::NAN, -1.0, 1.0).is_nan() && hardsigmoid(f64::NAN).is_nan());
        assert_eq!(round(2.5), 2.0);
        assert_eq!(round(-0.5), -0.0);
        assert_eq!(round(3.5), 4.0);
        assert!(sign(f64::NAN).is_nan());
        assert_eq!(sign(-2.0), -1.0);
        assert_eq!((isnan(f64::NAN), isinf(f64::NEG_INFINITY), isfinite(f64::INFINITY)), (1.0, 1.0, 0.0));
    }
}
