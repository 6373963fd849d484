//! Specialized lane functions for the hottest (op, dtype) pairs. Each one gives exactly the
//! bits `metaltile_ir::eval` gives (a test checks every entry against it on edge values); the
//! gain is that the op and dtype are matched once per instruction instead of once per lane.

/// Expands `$body` with `$f` bound to the specialized function of binary op `$op` on dtype
/// `$d`, or evaluates `$fallback` when there is none.
macro_rules! fast_binary {
    ($op:expr, $d:expr, $f:ident => $body:expr, _ => $fallback:expr) => {{
        use metaltile_ir::BinaryOp as B;
        use metaltile_ir::DType as D;
        use $crate::fast::{f, fb, i, ib, u, ub};
        match ($op, $d) {
            (B::Add, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x) + f(y));
                $body
            }
            (B::Sub, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x) - f(y));
                $body
            }
            (B::Mul, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x) * f(y));
                $body
            }
            (B::Div, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x) / f(y));
                $body
            }
            (B::Max, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x).max(f(y)));
                $body
            }
            (B::Min, D::F32) => {
                let $f = |x: u64, y: u64| fb(f(x).min(f(y)));
                $body
            }
            (B::Add, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).wrapping_add(i(y)));
                $body
            }
            (B::Sub, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).wrapping_sub(i(y)));
                $body
            }
            (B::Mul, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).wrapping_mul(i(y)));
                $body
            }
            (B::Max, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).max(i(y)));
                $body
            }
            (B::Min, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).min(i(y)));
                $body
            }
            (B::And, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x) & i(y));
                $body
            }
            (B::Or, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x) | i(y));
                $body
            }
            (B::Xor, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x) ^ i(y));
                $body
            }
            (B::Shl, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).wrapping_shl(u(y)));
                $body
            }
            (B::Shr, D::I32) => {
                let $f = |x: u64, y: u64| ib(i(x).wrapping_shr(u(y)));
                $body
            }
            (B::Add, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).wrapping_add(u(y)));
                $body
            }
            (B::Sub, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).wrapping_sub(u(y)));
                $body
            }
            (B::Mul, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).wrapping_mul(u(y)));
                $body
            }
            (B::Max, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).max(u(y)));
                $body
            }
            (B::Min, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).min(u(y)));
                $body
            }
            (B::And, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x) & u(y));
                $body
            }
            (B::Or, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x) | u(y));
                $body
            }
            (B::Xor, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x) ^ u(y));
                $body
            }
            (B::Shl, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).wrapping_shl(u(y)));
                $body
            }
            (B::Shr, D::U32) => {
                let $f = |x: u64, y: u64| ub(u(x).wrapping_shr(u(y)));
                $body
            }
            _ => $fallback,
        }
    }};
}

/// The six comparisons on operands decoded by `$conv`, each bound to `$f` in `$body`.
macro_rules! compare_arms {
    ($op:expr, $conv:ident, $f:ident => $body:expr) => {{
        use metaltile_ir::CmpOp as C;
        match $op {
            C::Eq => {
                let $f = |x: u64, y: u64| u64::from($conv(x) == $conv(y));
                $body
            }
            C::Ne => {
                let $f = |x: u64, y: u64| u64::from($conv(x) != $conv(y));
                $body
            }
            C::Lt => {
                let $f = |x: u64, y: u64| u64::from($conv(x) < $conv(y));
                $body
            }
            C::Le => {
                let $f = |x: u64, y: u64| u64::from($conv(x) <= $conv(y));
                $body
            }
            C::Gt => {
                let $f = |x: u64, y: u64| u64::from($conv(x) > $conv(y));
                $body
            }
            C::Ge => {
                let $f = |x: u64, y: u64| u64::from($conv(x) >= $conv(y));
                $body
            }
        }
    }};
}

/// Like [`fast_binary!`] for comparisons; `$f` returns 0 or 1.
macro_rules! fast_compare {
    ($op:expr, $d:expr, $f:ident => $body:expr, _ => $fallback:expr) => {{
        use $crate::fast::{f, i, u};
        use metaltile_ir::DType as D;
        match $d {
            D::F32 => $crate::fast::compare_arms!($op, f, $f => $body),
            D::I32 => $crate::fast::compare_arms!($op, i, $f => $body),
            D::U32 => $crate::fast::compare_arms!($op, u, $f => $body),
            _ => $fallback,
        }
    }};
}

pub(crate) use {compare_arms, fast_binary, fast_compare};

#[inline(always)]
pub(crate) fn f(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
#[inline(always)]
pub(crate) fn fb(v: f32) -> u64 {
    v.to_bits() as u64
}
#[inline(always)]
pub(crate) fn i(x: u64) -> i32 {
    x as i32
}
#[inline(always)]
pub(crate) fn ib(v: i32) -> u64 {
    v as i64 as u64
}
#[inline(always)]
pub(crate) fn u(x: u64) -> u32 {
    x as u32
}
#[inline(always)]
pub(crate) fn ub(v: u32) -> u64 {
    v as u64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use metaltile_ir::{dtype, eval, BinaryOp, CmpOp, DType};

    /// Edge values and pseudo-random bit patterns, normalized to `d` as the interpreter holds them.
    fn samples(d: DType) -> Vec<u64> {
        let mut v: Vec<u64> = match d {
            DType::F32 => [0.0f32, -0.0, 1.0, -1.5, 3.0e38, -3.0e38, 1e-45, -1e-40, f32::INFINITY, f32::NEG_INFINITY]
                .iter()
                .map(|x| x.to_bits() as u64)
                .chain([0x7fc0_0000, 0xffc0_0001, 0x7f80_0001])
                .collect(),
            _ => [0i64, 1, -1, 2, 31, 32, 33, 63, i32::MAX as i64, i32::MIN as i64, u32::MAX as i64]
                .iter()
                .map(|&x| dtype::wrap_int(d, x as u64))
                .collect(),
        };
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..40 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v.push(dtype::wrap_int(d, s));
        }
        v
    }

    #[test]
    fn fast_binary_matches_eval_bit_for_bit() {
        let mut checked = 0;
        for d in [DType::F32, DType::I32, DType::U32] {
            let xs = samples(d);
            for &op in BinaryOp::ALL {
                fast_binary!(op, d, g => {
                    for &x in &xs {
                        for &y in &xs {
                            let (got, want) = (g(x, y), eval::binary(op, d, x, y).unwrap());
                            // Which payload an op on two NaNs returns is unspecified (LLVM may
                            // commute the operands), so any NaN matches any NaN; all else is bit-exact.
                            let both_nan = d == DType::F32 && f32::from_bits(got as u32).is_nan() && f32::from_bits(want as u32).is_nan();
                            assert!(both_nan || got == want, "{op:?} {d} {x:#x} {y:#x}: {got:#x} vs {want:#x}");
                        }
                    }
                    checked += 1;
                }, _ => {});
            }
        }
        assert_eq!(checked, 26);
    }

    #[test]
    fn fast_compare_matches_eval() {
        let mut checked = 0;
        for d in [DType::F32, DType::I32, DType::U32] {
            let xs = samples(d);
            for op in CmpOp::ALL {
                fast_compare!(op, d, g => {
                    for &x in &xs {
                        for &y in &xs {
                            assert_eq!(g(x, y), u64::from(eval::compare(op, d, x, y)), "{op:?} {d} {x:#x} {y:#x}");
                        }
                    }
                    checked += 1;
                }, _ => {});
            }
        }
        assert_eq!(checked, 18);
    }
}
