//! `Val<T>`: an immutable value inside a kernel. Rust operators and methods on it append IR;
//! rustc checks their types, so `f32 + f16` or a float `%` on a bool fails to compile.

use super::scalar::{Float, Int, Logical, Numeric, Scalar, Signed};
use super::trace::{emit, fail, POISON};
use metaltile_ir::{BinaryOp, CmpOp, Constant, IrError, Op, UnaryOp, ValueId};
use std::marker::PhantomData;
use std::ops;

/// A value of element type `T` in the kernel being traced.
pub struct Val<T> {
    pub(crate) id: ValueId,
    _t: PhantomData<T>,
}

impl<T> Clone for Val<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Val<T> {}

impl<T: Scalar> Val<T> {
    /// Wrap an IR value (used by generated code and the DSL itself).
    pub fn from_id(id: ValueId) -> Val<T> {
        Val { id, _t: PhantomData }
    }
    /// The IR value behind this handle.
    pub fn id(self) -> ValueId {
        self.id
    }
    /// A constant of this type.
    pub fn constant(c: Constant) -> Val<T> {
        Val::from_id(emit(Op::Const(c)))
    }
    /// Convert to another element type (`x as U` in kernels).
    pub fn cast<U: Scalar>(self) -> Val<U> {
        if T::DTYPE == U::DTYPE {
            return Val::from_id(self.id);
        }
        Val::from_id(emit(Op::Cast { arg: self.id, to: U::DTYPE }))
    }
    /// Reinterpret the bits as another type of the same size.
    pub fn to_bits<U: Scalar>(self) -> Val<U> {
        Val::from_id(emit(Op::Bitcast { arg: self.id, to: U::DTYPE }))
    }
}

/// An integer literal typed by inference (`i + 1`). A value that does not fit `T` (`-1`
/// where `T` is unsigned, `300` where it is `u8`) is a tracing error, as it is in Rust.
pub fn lit_int<T: Int>(v: i128) -> Val<T> {
    let c = Constant::from_i128(T::DTYPE, v);
    if c.as_i128() != v {
        fail(IrError::Type { op: "literal".into(), msg: format!("integer literal {v} does not fit in {}", T::DTYPE) });
    }
    Val::constant(c)
}
/// A float literal typed by inference (`x * 0.5`). A finite value that rounds to infinity
/// in `T` (`1e10` as f16) is a tracing error; write `T::INFINITY` for an infinity.
pub fn lit_float<T: Float>(v: f64) -> Val<T> {
    let c = Constant::from_f64(T::DTYPE, v);
    if v.is_finite() && !c.as_f64().is_finite() {
        fail(IrError::Type { op: "literal".into(), msg: format!("float literal {v} overflows {}", T::DTYPE) });
    }
    Val::constant(c)
}
/// `true` / `false`.
pub fn lit_bool(v: bool) -> Val<bool> {
    Val::constant(Constant::bool(v))
}
/// An unsuffixed float literal under `as` (`0.5 as u32`): Rust types such a literal f64 and
/// converts it with `as` rules (round to nearest even, saturate to integers, NaN to 0).
pub fn lit_f64_as<U: Numeric>(v: f64) -> Val<U> {
    Val::constant(Constant::from_f64(U::DTYPE, v))
}

fn unary<T: Scalar, U: Scalar>(op: UnaryOp, x: Val<T>, fast: bool) -> Val<U> {
    Val::from_id(emit(Op::Unary { op, arg: x.id, fast }))
}
fn binary<T: Scalar>(op: BinaryOp, a: Val<T>, b: Val<T>) -> Val<T> {
    Val::from_id(emit(Op::Binary { op, lhs: a.id, rhs: b.id }))
}
fn cmp<T: Scalar>(op: CmpOp, a: Val<T>, b: Val<T>) -> Val<bool> {
    Val::from_id(emit(Op::Cmp { op, lhs: a.id, rhs: b.id }))
}

macro_rules! binop {
    ($tr:ident, $m:ident, $bound:ident, $op:ident) => {
        impl<T: $bound> ops::$tr for Val<T> {
            type Output = Val<T>;
            fn $m(self, rhs: Val<T>) -> Val<T> {
                binary(BinaryOp::$op, self, rhs)
            }
        }
    };
}
binop!(Add, add, Numeric, Add);
binop!(Sub, sub, Numeric, Sub);
binop!(Mul, mul, Numeric, Mul);
binop!(Div, div, Numeric, Div);
binop!(Rem, rem, Numeric, Rem);
binop!(BitAnd, bitand, Logical, And);
binop!(BitOr, bitor, Logical, Or);
binop!(BitXor, bitxor, Logical, Xor);
binop!(Shl, shl, Int, Shl);
binop!(Shr, shr, Int, Shr);

impl<T: Signed> ops::Neg for Val<T> {
    type Output = Val<T>;
    fn neg(self) -> Val<T> {
        unary(UnaryOp::Neg, self, false)
    }
}
impl<T: Logical> ops::Not for Val<T> {
    type Output = Val<T>;
    fn not(self) -> Val<T> {
        unary(UnaryOp::Not, self, false)
    }
}

/// `a == b` in kernels.
pub fn eq<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Eq, a, b)
}
/// `a != b` in kernels.
pub fn ne<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Ne, a, b)
}
/// `a < b` in kernels.
pub fn lt<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Lt, a, b)
}
/// `a <= b` in kernels.
pub fn le<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Le, a, b)
}
/// `a > b` in kernels.
pub fn gt<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Gt, a, b)
}
/// `a >= b` in kernels.
pub fn ge<T: Scalar>(a: Val<T>, b: Val<T>) -> Val<bool> {
    cmp(CmpOp::Ge, a, b)
}

/// `cond ? a : b` without branching; both sides are evaluated.
pub fn select<T: Scalar>(cond: Val<bool>, a: Val<T>, b: Val<T>) -> Val<T> {
    Val::from_id(emit(Op::Select { cond: cond.id, on_true: a.id, on_false: b.id }))
}

macro_rules! float_methods {
    ($($(#[$doc:meta])* $m:ident => $op:ident;)*) => {
        impl<T: Float> Val<T> { $(
            #[doc = concat!("The `", stringify!($m), "` math function (IR op `", stringify!($op), "`).")]
            $(#[$doc])*
            pub fn $m(self) -> Val<T> { unary(UnaryOp::$op, self, false) }
        )* }
    };
}
float_methods! {
    exp => Exp; exp2 => Exp2; exp_m1 => Expm1; ln => Log; log2 => Log2; log10 => Log10; ln_1p => Log1p;
    sqrt => Sqrt; rsqrt => Rsqrt; cbrt => Cbrt; recip => Recip;
    sin => Sin; cos => Cos; tan => Tan; asin => Asin; acos => Acos; atan => Atan;
    sinh => Sinh; cosh => Cosh; tanh => Tanh; asinh => Asinh; acosh => Acosh; atanh => Atanh;
    erf => Erf; erfinv => Erfinv;
    ceil => Ceil; floor => Floor;
    /// Round half away from zero.
    round => Round;
    /// Round half to even.
    round_ties_even => RoundEven;
    trunc => Trunc;
}

macro_rules! fast_methods {
    ($($m:ident => $op:ident;)*) => {
        impl<T: Float> Val<T> { $(
            /// Fast, less accurate variant (target's native approximation).
            pub fn $m(self) -> Val<T> { unary(UnaryOp::$op, self, true) }
        )* }
    };
}
fast_methods! {
    fast_exp => Exp; fast_exp2 => Exp2; fast_ln => Log; fast_log2 => Log2; fast_sin => Sin; fast_cos => Cos;
    fast_tanh => Tanh; fast_rsqrt => Rsqrt; fast_sqrt => Sqrt; fast_recip => Recip;
}

impl<T: Float> Val<T> {
    /// `self` raised to a float power.
    pub fn powf(self, e: Val<T>) -> Val<T> {
        binary(BinaryOp::Pow, self, e)
    }
    /// Four-quadrant arctangent of `self / other`.
    pub fn atan2(self, other: Val<T>) -> Val<T> {
        binary(BinaryOp::Atan2, self, other)
    }
    /// `self * a + b` with one rounding.
    pub fn mul_add(self, a: Val<T>, b: Val<T>) -> Val<T> {
        Val::from_id(emit(Op::Fma { a: self.id, b: a.id, c: b.id }))
    }
    /// True where the value is NaN.
    pub fn is_nan(self) -> Val<bool> {
        unary(UnaryOp::IsNan, self, false)
    }
    /// True where the value is +inf or -inf.
    pub fn is_infinite(self) -> Val<bool> {
        unary(UnaryOp::IsInf, self, false)
    }
    /// True where the value is neither infinite nor NaN.
    pub fn is_finite(self) -> Val<bool> {
        unary(UnaryOp::IsFinite, self, false)
    }
}

impl<T: Numeric> Val<T> {
    /// Absolute value (wraps for the most negative integer, as `wrapping_abs`).
    pub fn abs(self) -> Val<T> {
        unary(UnaryOp::Abs, self, false)
    }
    /// The larger value; for floats, NaN loses to a number (IEEE maxNum).
    pub fn max(self, other: Val<T>) -> Val<T> {
        binary(BinaryOp::Max, self, other)
    }
    /// The smaller value; for floats, NaN loses to a number (IEEE minNum).
    pub fn min(self, other: Val<T>) -> Val<T> {
        binary(BinaryOp::Min, self, other)
    }
}

impl<T: Int> Val<T> {
    /// Number of set bits.
    pub fn count_ones(self) -> Val<u32> {
        unary(UnaryOp::PopCount, self, false)
    }
    /// Number of leading zero bits.
    pub fn leading_zeros(self) -> Val<u32> {
        unary(UnaryOp::LeadingZeros, self, false)
    }
    /// Number of trailing zero bits (the bit width for zero).
    pub fn trailing_zeros(self) -> Val<u32> {
        unary(UnaryOp::TrailingZeros, self, false)
    }
}

/// Require `v` to be known at trace time (sizes of arrays, vector widths).
pub(crate) fn const_u32<T: Scalar>(v: Val<T>, what: &str) -> Option<u32> {
    if v.id == POISON {
        return None;
    }
    let c = super::trace::with_builder(|b| Ok(b.const_value(v.id))).flatten();
    match c {
        Some(c) if c.as_i128() >= 0 && c.as_i128() <= u32::MAX as i128 => Some(c.as_i128() as u32),
        _ => {
            fail(IrError::NotConstant(what.to_string()));
            None
        }
    }
}
