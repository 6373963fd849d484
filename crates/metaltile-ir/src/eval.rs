//! Scalar semantics of the pure ops, on bit-encoded values (see `dtype`). The constant
//! folder and the interpreter both evaluate through these functions, so an expression gives
//! the same bits whether it was folded at compile time or computed at run time.
//!
//! Floats: f32 ops compute in f32; f16 and bf16 ops compute in f32 and round once to the
//! element type (round to nearest even), which is what native half arithmetic gives for
//! the basic operations. Integers wrap. Shift amounts are taken modulo the bit width.

use crate::dtype::{self, DType};
use crate::op::{BinaryOp, CmpOp, UnaryOp};

/// An evaluation error (integer division by zero).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("integer division by zero ({0})")]
    DivByZero(&'static str),
}

#[inline]
fn f32_of(d: DType, bits: u64) -> f32 {
    match d {
        DType::F32 => f32::from_bits(bits as u32),
        DType::F16 => half::f16::from_bits(bits as u16).to_f32(),
        DType::BF16 => half::bf16::from_bits(bits as u16).to_f32(),
        _ => dtype::bits_to_f64(d, bits) as f32,
    }
}

/// Inverse error function in f64 (Giles' approximation refined by two Newton steps on erf).
pub fn erfinv_f64(y: f64) -> f64 {
    if y.is_nan() || !(-1.0..=1.0).contains(&y) {
        return f64::NAN;
    }
    if y == 1.0 {
        return f64::INFINITY;
    }
    if y == -1.0 {
        return f64::NEG_INFINITY;
    }
    let w = -((1.0 - y) * (1.0 + y)).ln();
    let mut x = if w < 5.0 {
        let w = w - 2.5;
        let mut p = 2.810_226_36e-08;
        for c in [
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ] {
            p = c + p * w;
        }
        p * y
    } else {
        let w = w.sqrt() - 3.0;
        let mut p = -0.000_200_214_257;
        for c in [
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ] {
            p = c + p * w;
        }
        p * y
    };
    for _ in 0..2 {
        let err = libm::erf(x) - y;
        let deriv = 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp();
        if deriv.is_finite() && deriv > 0.0 {
            x -= err / deriv;
        }
    }
    x
}

// Rust std's f32 asinh/acosh/atanh lose accuracy (asinh overflows near 2e38); libm's are
// correctly implemented ports of musl.
fn unary_f32(op: UnaryOp, x: f32) -> f32 {
    match op {
        UnaryOp::Neg => -x,
        UnaryOp::Abs => x.abs(),
        UnaryOp::Exp => x.exp(),
        UnaryOp::Exp2 => x.exp2(),
        UnaryOp::Expm1 => x.exp_m1(),
        UnaryOp::Log => x.ln(),
        UnaryOp::Log2 => x.log2(),
        UnaryOp::Log10 => x.log10(),
        UnaryOp::Log1p => x.ln_1p(),
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Rsqrt => 1.0 / x.sqrt(),
        UnaryOp::Cbrt => x.cbrt(),
        UnaryOp::Recip => 1.0 / x,
        UnaryOp::Sin => x.sin(),
        UnaryOp::Cos => x.cos(),
        UnaryOp::Tan => x.tan(),
        UnaryOp::Asin => x.asin(),
        UnaryOp::Acos => x.acos(),
        UnaryOp::Atan => x.atan(),
        UnaryOp::Sinh => x.sinh(),
        UnaryOp::Cosh => x.cosh(),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Asinh => libm::asinhf(x),
        UnaryOp::Acosh => libm::acoshf(x),
        UnaryOp::Atanh => libm::atanhf(x),
        UnaryOp::Erf => libm::erff(x),
        UnaryOp::Erfinv => erfinv_f64(x as f64) as f32,
        UnaryOp::Ceil => x.ceil(),
        UnaryOp::Floor => x.floor(),
        UnaryOp::Round => x.round(),
        UnaryOp::RoundEven => x.round_ties_even(),
        UnaryOp::Trunc => x.trunc(),
        // Non-float ops never reach here (the typing rule rejects them).
        UnaryOp::Not
        | UnaryOp::IsNan
        | UnaryOp::IsInf
        | UnaryOp::IsFinite
        | UnaryOp::PopCount
        | UnaryOp::LeadingZeros
        | UnaryOp::TrailingZeros => x,
    }
}

/// Evaluate a unary op on an operand of dtype `d`; the result has `op.result_dtype(d)`.
pub fn unary(op: UnaryOp, d: DType, bits: u64) -> u64 {
    if d.is_float() {
        let x = f32_of(d, bits);
        return match op {
            UnaryOp::IsNan => u64::from(x.is_nan()),
            UnaryOp::IsInf => u64::from(x.is_infinite()),
            UnaryOp::IsFinite => u64::from(x.is_finite()),
            // Sign flips and abs are exact bit operations (keep NaN payloads and -0.0).
            UnaryOp::Neg => match d {
                DType::F32 => bits ^ 0x8000_0000,
                _ => bits ^ 0x8000,
            },
            UnaryOp::Abs => match d {
                DType::F32 => bits & 0x7fff_ffff,
                _ => bits & 0x7fff,
            },
            _ => dtype::round_f32_to(d, unary_f32(op, x)),
        };
    }
    if d.is_bool() {
        return match op {
            UnaryOp::Not => u64::from(bits & 1 == 0),
            _ => bits,
        };
    }
    let w = d.bits();
    let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    let raw = bits & mask;
    let out = match op {
        UnaryOp::Neg => (bits as i64).wrapping_neg() as u64,
        UnaryOp::Not => !bits,
        UnaryOp::Abs => {
            if d.is_signed() {
                (bits as i64).wrapping_abs() as u64
            } else {
                bits
            }
        }
        UnaryOp::PopCount => raw.count_ones() as u64,
        UnaryOp::LeadingZeros => (raw.leading_zeros() - (64 - w)) as u64,
        UnaryOp::TrailingZeros => {
            if raw == 0 {
                w as u64
            } else {
                raw.trailing_zeros() as u64
            }
        }
        _ => bits,
    };
    dtype::wrap_int(op.result_dtype(d), out)
}

/// Evaluate a binary op on two operands of dtype `d`.
pub fn binary(op: BinaryOp, d: DType, a: u64, b: u64) -> Result<u64, EvalError> {
    if d.is_float() {
        let x = f32_of(d, a);
        let y = f32_of(d, b);
        let r = match op {
            BinaryOp::Add => x + y,
            BinaryOp::Sub => x - y,
            BinaryOp::Mul => x * y,
            BinaryOp::Div => x / y,
            BinaryOp::Rem => x % y,
            BinaryOp::Max => x.max(y),
            BinaryOp::Min => x.min(y),
            BinaryOp::Pow => x.powf(y),
            BinaryOp::Atan2 => x.atan2(y),
            _ => return Ok(a),
        };
        return Ok(dtype::round_f32_to(d, r));
    }
    if d.is_bool() {
        let (x, y) = (a & 1 != 0, b & 1 != 0);
        let r = match op {
            BinaryOp::And => x & y,
            BinaryOp::Or => x | y,
            BinaryOp::Xor => x ^ y,
            BinaryOp::Max => x | y,
            BinaryOp::Min => x & y,
            _ => x,
        };
        return Ok(u64::from(r));
    }
    let signed = d.is_signed();
    let w = d.bits();
    let r = match op {
        BinaryOp::Add => a.wrapping_add(b),
        BinaryOp::Sub => a.wrapping_sub(b),
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::Div | BinaryOp::Rem => {
            if dtype::wrap_int(d, b) == 0 {
                return Err(EvalError::DivByZero(op.name()));
            }
            if signed {
                let (x, y) = (a as i64, b as i64);
                if op == BinaryOp::Div {
                    x.wrapping_div(y) as u64
                } else {
                    x.wrapping_rem(y) as u64
                }
            } else if op == BinaryOp::Div {
                a / b
            } else {
                a % b
            }
        }
        BinaryOp::Max => {
            if signed {
                (a as i64).max(b as i64) as u64
            } else {
                a.max(b)
            }
        }
        BinaryOp::Min => {
            if signed {
                (a as i64).min(b as i64) as u64
            } else {
                a.min(b)
            }
        }
        BinaryOp::And => a & b,
        BinaryOp::Or => a | b,
        BinaryOp::Xor => a ^ b,
        BinaryOp::Shl => a << (b % w as u64),
        BinaryOp::Shr => {
            let s = b % w as u64;
            if signed {
                ((a as i64) >> s) as u64
            } else {
                let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
                (a & mask) >> s
            }
        }
        BinaryOp::Pow | BinaryOp::Atan2 => a,
    };
    Ok(dtype::wrap_int(d, r))
}

/// Evaluate a comparison of two operands of dtype `d`.
pub fn compare(op: CmpOp, d: DType, a: u64, b: u64) -> bool {
    if d.is_float() {
        let (x, y) = (f32_of(d, a), f32_of(d, b));
        return match op {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        };
    }
    let ord = if d.is_signed() { (a as i64).cmp(&(b as i64)) } else { a.cmp(&b) };
    use std::cmp::Ordering::*;
    match op {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    }
}

/// `a * b + c` with a single rounding (in f64 for f32, exact enough for one rounding of f32).
pub fn fma(d: DType, a: u64, b: u64, c: u64) -> u64 {
    let (x, y, z) = (f32_of(d, a), f32_of(d, b), f32_of(d, c));
    dtype::round_f32_to(d, x.mul_add(y, z))
}

/// Reinterpret bits of `from` as `to` (same size).
pub fn bitcast(from: DType, to: DType, bits: u64) -> u64 {
    let w = from.bits();
    let raw = if w == 64 { bits } else { bits & ((1u64 << w) - 1) };
    dtype::wrap_int(to, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(d: DType, v: f64) -> u64 {
        dtype::f64_to_bits(d, v)
    }

    #[test]
    fn half_arithmetic_rounds_once() {
        let r = binary(BinaryOp::Add, DType::F16, f(DType::F16, 2048.0), f(DType::F16, 1.0)).unwrap();
        // 2049 is not representable in f16: ties to even gives 2048.
        assert_eq!(dtype::bits_to_f64(DType::F16, r), 2048.0);
    }

    #[test]
    fn integer_ops_wrap_and_shift_modulo_width() {
        assert_eq!(binary(BinaryOp::Add, DType::U8, 250, 10).unwrap(), 4);
        assert_eq!(binary(BinaryOp::Shl, DType::U32, 1, 33).unwrap(), 2);
        assert_eq!(binary(BinaryOp::Shr, DType::I32, (-8i64) as u64, 1).unwrap() as i64, -4);
        assert_eq!(binary(BinaryOp::Div, DType::I32, (-7i64) as u64, 2).unwrap() as i64, -3);
        assert_eq!(binary(BinaryOp::Rem, DType::I32, (-7i64) as u64, 2).unwrap() as i64, -1);
        assert!(binary(BinaryOp::Div, DType::U32, 1, 0).is_err());
    }

    #[test]
    fn max_ignores_nan_and_compare_is_ieee() {
        let nan = f(DType::F32, f64::NAN);
        let one = f(DType::F32, 1.0);
        assert_eq!(binary(BinaryOp::Max, DType::F32, nan, one).unwrap(), one);
        assert!(!compare(CmpOp::Eq, DType::F32, nan, nan));
        assert!(compare(CmpOp::Ne, DType::F32, nan, nan));
    }

    #[test]
    fn neg_keeps_signed_zero() {
        let z = f(DType::BF16, 0.0);
        let n = unary(UnaryOp::Neg, DType::BF16, z);
        assert!(dtype::bits_to_f64(DType::BF16, n).is_sign_negative());
    }

    #[test]
    fn erfinv_inverts_erf() {
        for &x in &[-2.5, -1.0, -0.1, 0.0, 0.3, 1.7, 3.0] {
            let y = libm::erf(x);
            assert!((erfinv_f64(y) - x).abs() < 1e-9, "x={x}");
        }
    }

    #[test]
    fn bit_counts() {
        assert_eq!(unary(UnaryOp::LeadingZeros, DType::U8, 1), 7);
        assert_eq!(unary(UnaryOp::TrailingZeros, DType::U32, 0), 32);
        assert_eq!(unary(UnaryOp::PopCount, DType::I8, (-1i64) as u64), 8);
    }
}

#[cfg(test)]
mod accuracy_regressions {
    use super::*;

    fn f32u(op: UnaryOp, x: f32) -> f32 {
        f32::from_bits(unary(op, DType::F32, x.to_bits() as u64) as u32)
    }

    // Rust std's f32 asinh overflowed to inf near 2e38 and lost several ulp near 1; the
    // CUDA device check found both.
    #[test]
    fn inverse_hyperbolics_are_accurate() {
        let big = 2e38f32;
        assert!(f32u(UnaryOp::Asinh, big).is_finite());
        assert!((f32u(UnaryOp::Asinh, big) as f64 - (big as f64).asinh()).abs() < 1e-5);
        for &x in &[1.0000001f32, 1.5, 3.0, 1e30] {
            let want = (x as f64).acosh();
            assert!((f32u(UnaryOp::Acosh, x) as f64 - want).abs() <= want.abs() * 2.5e-7, "acosh {x}");
        }
        for &x in &[0.9999999f32, 0.5, -0.75, 1e-20] {
            let want = (x as f64).atanh();
            assert!((f32u(UnaryOp::Atanh, x) as f64 - want).abs() <= want.abs() * 2.5e-7, "atanh {x}");
        }
    }
}
