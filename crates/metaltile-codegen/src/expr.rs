//! Expressions with the IR's semantics, shared by both dialects: integers wrap (computed
//! through unsigned types, so no signed overflow), shift amounts are taken modulo the width,
//! f16/bf16 math is computed in f32 and rounded once, casts follow `metaltile_ir::dtype`.
//! Operands are atoms (names or literals); results are safe as an initializer.

use crate::dialect::{Dialect, Helper, Needs};
use crate::error::CodegenError;
use metaltile_ir::{BinaryOp, CmpOp, Constant, DType, UnaryOp};

/// What expression builders need: the dialect, the needs they may add to, and what to name
/// in an error.
pub(crate) struct Cx<'a> {
    pub d: &'a dyn Dialect,
    pub needs: &'a mut Needs,
    pub kernel: &'a str,
}

type R = Result<String, CodegenError>;

impl Cx<'_> {
    /// An error for an op/type combination the IR's typing rules exclude.
    pub(crate) fn unsupported(&self, what: String) -> CodegenError {
        CodegenError::Unsupported { kernel: self.kernel.to_string(), target: self.d.target(), what }
    }

    fn ty(&self, d: DType) -> &'static str {
        self.d.scalar_type(d)
    }

    /// A literal of any dtype, usable as an operand.
    pub(crate) fn literal(&self, c: Constant) -> String {
        let d = c.dtype;
        if d.is_float() {
            return self.d.float_literal(c);
        }
        if d.is_bool() {
            return if c.bits & 1 != 0 { "true" } else { "false" }.to_string();
        }
        let v = c.as_i128();
        let (long, ulong) = self.d.long_suffixes();
        match d {
            DType::I32 if v == i32::MIN as i128 => "(-2147483647 - 1)".to_string(),
            DType::I64 if v == i64::MIN as i128 => format!("(-9223372036854775807{long} - 1{long})"),
            DType::I32 if v < 0 => format!("({v})"),
            DType::I32 => v.to_string(),
            DType::U32 => format!("{v}u"),
            DType::I64 if v < 0 => format!("({v}{long})"),
            DType::I64 => format!("{v}{long}"),
            DType::U64 => format!("{v}{ulong}"),
            _ => format!("(({}){v})", self.ty(d)),
        }
    }

    /// The literal `v` of dtype `d`.
    pub(crate) fn lit(&self, d: DType, v: i128) -> String {
        self.literal(Constant::from_i128(d, v))
    }

    /// `x` (f32 or f16/bf16) as an f32 expression.
    pub(crate) fn float_view(&self, d: DType, x: &str) -> String {
        if d == DType::F32 {
            x.to_string()
        } else if let Some(f) = self.d.literal_as_float(d, x) {
            f
        } else {
            self.d.widen_float(d, x)
        }
    }

    /// An f32 expression as dtype `d` (f32, f16 or bf16).
    pub(crate) fn round_to(&self, d: DType, x: &str) -> String {
        if d == DType::F32 {
            x.to_string()
        } else {
            self.d.narrow_float(d, x)
        }
    }

    /// `a op b` on integers of dtype `d`, wrapping: narrow and signed types go through the
    /// unsigned type of at least 32 bits, where overflow is defined.
    pub(crate) fn wrap(&self, d: DType, sym: &str, a: &str, b: &str) -> String {
        if !d.is_signed() && d.bits() >= 32 {
            return format!("{a} {sym} {b}");
        }
        let u = self.ty(if d.bits() > 32 { DType::U64 } else { DType::U32 });
        format!("({})(({u}){a} {sym} ({u}){b})", self.ty(d))
    }

    /// `-x` on integers, wrapping (computed on the unsigned type of at least 32 bits).
    pub(crate) fn int_neg(&self, d: DType, x: &str) -> String {
        let ud = if d.bits() > 32 { DType::U64 } else { DType::U32 };
        let zero = self.lit(ud, 0);
        if !d.is_signed() && d.bits() >= 32 {
            return format!("{zero} - {x}");
        }
        format!("({})({zero} - ({}){x})", self.ty(d), self.ty(ud))
    }

    /// Cast an int expression back to a type narrower than `int` (C promotes it).
    fn narrow(&self, d: DType, e: String) -> String {
        if d.bits() < 32 {
            format!("({})({e})", self.ty(d))
        } else {
            e
        }
    }

    /// Sign flip of a float value.
    pub(crate) fn neg_float(&self, d: DType, x: &str) -> String {
        if d == DType::F32 || self.d.native_half_arith() {
            format!("-{x}")
        } else {
            self.d.half_neg(d, x)
        }
    }

    /// A binary op on operands of dtype `d`; `rhs` is the right operand's value when it is a
    /// constant (shift amounts are then reduced here).
    pub(crate) fn binary(&mut self, op: BinaryOp, d: DType, a: &str, b: &str, rhs: Option<Constant>) -> R {
        use BinaryOp::*;
        let sym = match op {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
            And => "&",
            Or => "|",
            Xor => "^",
            Shl => "<<",
            Shr => ">>",
            Max | Min | Pow | Atan2 => "",
        };
        if d.is_float() {
            return match op {
                Add | Sub | Mul | Div if d == DType::F32 || self.d.native_half_arith() => Ok(format!("{a} {sym} {b}")),
                Add | Sub | Mul | Div => {
                    let e = format!("{} {sym} {}", self.float_view(d, a), self.float_view(d, b));
                    Ok(self.round_to(d, &e))
                }
                Rem | Max | Min | Pow | Atan2 => {
                    let e = format!("{}({}, {})", self.d.binary_fn(op), self.float_view(d, a), self.float_view(d, b));
                    Ok(self.round_to(d, &e))
                }
                _ => Err(self.unsupported(format!("`{}` on {d}", op.name()))),
            };
        }
        if d.is_bool() {
            return match op {
                And | Min => Ok(format!("{a} && {b}")),
                Or | Max => Ok(format!("{a} || {b}")),
                Xor => Ok(format!("{a} != {b}")),
                _ => Err(self.unsupported(format!("`{}` on bool", op.name()))),
            };
        }
        let w = d.bits() as u64;
        Ok(match op {
            Add | Sub | Mul => self.wrap(d, sym, a, b),
            Div | Rem if d.is_signed() && d.bits() >= 32 => {
                let h = if op == Div { Helper::SignedDiv(d) } else { Helper::SignedRem(d) };
                self.needs.helper(h);
                format!("{}({a}, {b})", signed_div_name(op == Div, d))
            }
            // Narrower types are promoted to int, where MIN / -1 cannot overflow.
            Div | Rem | And | Or | Xor => self.narrow(d, format!("{a} {sym} {b}")),
            Max => format!("{a} > {b} ? {a} : {b}"),
            Min => format!("{a} < {b} ? {a} : {b}"),
            Shl | Shr => {
                let amount = match rhs {
                    Some(c) => self.lit(d, ((c.bits) % w) as i128),
                    None => format!("({b} & {})", self.lit(d, w as i128 - 1)),
                };
                if op == Shl {
                    self.wrap(d, "<<", a, &amount)
                } else {
                    self.narrow(d, format!("{a} >> {amount}"))
                }
            }
            Pow | Atan2 => return Err(self.unsupported(format!("`{}` on {d}", op.name()))),
        })
    }

    /// A unary op on an operand of dtype `d`.
    pub(crate) fn unary(&mut self, op: UnaryOp, fast: bool, d: DType, x: &str) -> R {
        use UnaryOp::*;
        if d.is_float() {
            return Ok(match op {
                Neg => self.neg_float(d, x),
                IsNan | IsInf | IsFinite => format!("{}({})", self.d.classify_fn(op), self.float_view(d, x)),
                Not | PopCount | LeadingZeros | TrailingZeros => {
                    return Err(self.unsupported(format!("`{}` on {d}", op.name())))
                }
                _ => {
                    let e = self.d.unary_call(op, fast, &self.float_view(d, x), self.needs);
                    self.round_to(d, &e)
                }
            });
        }
        if d.is_bool() {
            return match op {
                Not => Ok(format!("!{x}")),
                _ => Err(self.unsupported(format!("`{}` on bool", op.name()))),
            };
        }
        Ok(match op {
            Neg => self.int_neg(d, x),
            Not => self.narrow(d, format!("~{x}")),
            Abs if d.is_signed() => format!("{x} < 0 ? {} : {x}", self.int_neg(d, x)),
            Abs => x.to_string(),
            PopCount | LeadingZeros | TrailingZeros => self.d.bit_count(op, d, x),
            _ => return Err(self.unsupported(format!("`{}` on {d}", op.name()))),
        })
    }

    /// A comparison of operands of dtype `d`.
    pub(crate) fn compare(&self, op: CmpOp, d: DType, a: &str, b: &str) -> String {
        let s = op.c_symbol();
        if d.is_float() && d != DType::F32 && !self.d.native_half_arith() {
            format!("{} {s} {}", self.float_view(d, a), self.float_view(d, b))
        } else {
            format!("{a} {s} {b}")
        }
    }

    /// `a * b + c` with one rounding (f16/bf16: the f32 fma, rounded once more).
    pub(crate) fn fma(&self, d: DType, a: &str, b: &str, c: &str) -> String {
        let e = format!(
            "{}({}, {}, {})",
            self.d.fma_fn(),
            self.float_view(d, a),
            self.float_view(d, b),
            self.float_view(d, c)
        );
        self.round_to(d, &e)
    }

    /// Convert `x` from `from` to `to` with the IR's conversion rules.
    pub(crate) fn cast(&mut self, from: DType, to: DType, x: &str) -> String {
        let t = self.ty(to);
        if from == to {
            return x.to_string();
        }
        if to.is_bool() {
            return if from.is_float() { format!("{} != 0.0f", self.float_view(from, x)) } else { format!("{x} != 0") };
        }
        if from.is_bool() {
            if to.is_float() {
                let one = self.literal(Constant::from_f64(to, 1.0));
                let zero = self.literal(Constant::from_f64(to, 0.0));
                return format!("{x} ? {one} : {zero}");
            }
            return format!("({t}){x}");
        }
        if from.is_float() {
            if to.is_float() {
                // f16 <-> bf16 goes through f32, which holds both exactly: one rounding.
                return self.round_to(to, &self.float_view(from, x));
            }
            self.needs.helper(Helper::FloatToInt(to));
            return format!("{}({})", float_to_int_name(to), self.float_view(from, x));
        }
        match to {
            DType::F32 => format!("(float){x}"),
            // Integers of 32 bits or more can round twice on the way through f32; to f16 that
            // cannot matter (they overflow it), to bf16 it can, so those go through a helper.
            DType::BF16 if from.bits() >= 32 => {
                let (h, via) =
                    if from.is_signed() { (Helper::I64ToBf16, DType::I64) } else { (Helper::U64ToBf16, DType::U64) };
                self.needs.helper(h);
                let name = if from.is_signed() { "mt_i64_to_bf16" } else { "mt_u64_to_bf16" };
                format!("{name}(({}){x})", self.ty(via))
            }
            DType::F16 | DType::BF16 => self.round_to(to, &format!("(float){x}")),
            _ => format!("({t}){x}"),
        }
    }
}

/// The f32 literal inside `x` when `x` is `prefix` + an f32 literal + `suffix`.
pub(crate) fn unwrap_f32_literal(x: &str, prefix: &str, suffix: &str) -> Option<String> {
    let inner = x.strip_prefix(prefix)?.strip_suffix(suffix)?;
    let body = inner.trim_start_matches('(').trim_end_matches(')');
    let plain = body.strip_prefix('-').unwrap_or(body);
    // Literals start with a digit; identifiers never do.
    let digits = plain.strip_suffix('f')?;
    let ok = digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || "eE.+-".contains(c));
    ok.then(|| inner.to_string())
}

/// Name of the saturating float-to-integer helper for `to`.
pub(crate) fn float_to_int_name(to: DType) -> String {
    format!("mt_float_to_{to}")
}

/// Name of the signed division (`div`) or remainder helper for `d`.
pub(crate) fn signed_div_name(div: bool, d: DType) -> String {
    format!("mt_{}_{d}", if div { "div" } else { "rem" })
}

/// An f32 literal (finite): integers below 2^64 exactly, other values as the shortest
/// decimal that reads back as the same f32.
pub(crate) fn f32_literal(v: f32) -> String {
    let s = if v.fract() == 0.0 && v.abs() < u64::MAX as f32 {
        format!("{}.0", v.abs() as u64)
    } else {
        format!("{:?}", v.abs())
    };
    let s = if s.contains(['.', 'e', 'E']) { s } else { format!("{s}.0") };
    if v.is_sign_negative() {
        format!("(-{s}f)")
    } else {
        format!("{s}f")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{cuda::Cuda, msl::Msl};

    #[test]
    fn f32_literals_read_back_exactly() {
        assert_eq!(f32_literal(1.0), "1.0f");
        assert_eq!(f32_literal(-1.5), "(-1.5f)");
        assert_eq!(f32_literal(0.1), "0.1f");
        assert_eq!(f32_literal(-0.0), "(-0.0f)");
        assert_eq!(f32_literal(2147483648.0), "2147483648.0f");
        assert_eq!(f32_literal(1e-30), "1e-30f");
        for v in [0.1f32, 1.0 / 3.0, f32::MAX, f32::MIN_POSITIVE, 1e-45, -7.25e19, 16777217.0, 3.0e38] {
            let s = f32_literal(v);
            let digits = s.trim_start_matches('(').trim_end_matches(')').trim_end_matches('f');
            assert_eq!(digits.parse::<f32>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
    }

    #[test]
    fn half_literals_widen_to_the_same_f32_literal() {
        let (m, c) = (Msl, Cuda);
        assert_eq!(m.literal_as_float(DType::F16, "1.5h").as_deref(), Some("1.5f"));
        assert_eq!(m.literal_as_float(DType::F16, "(-1.5h)").as_deref(), Some("(-1.5f)"));
        assert_eq!(m.literal_as_float(DType::BF16, "bfloat(2.0f)").as_deref(), Some("2.0f"));
        assert_eq!(c.literal_as_float(DType::F16, "__float2half_rn((-0.5f))").as_deref(), Some("(-0.5f)"));
        assert_eq!(c.literal_as_float(DType::BF16, "__float2bfloat16_rn(1e-5f)").as_deref(), Some("1e-5f"));
        // Names and expressions are not literals.
        assert_eq!(m.literal_as_float(DType::F16, "eeh"), None);
        assert_eq!(m.literal_as_float(DType::F16, "v12"), None);
        assert_eq!(c.literal_as_float(DType::F16, "__float2half_rn(a + bf)"), None);
        assert_eq!(c.literal_as_float(DType::F16, "__half2float(v3)"), None);
    }

    #[test]
    fn integer_literals_have_their_type() {
        let mut needs = Needs::default();
        for (d, v, msl, cuda) in [
            (DType::I32, i32::MIN as i128, "(-2147483647 - 1)", "(-2147483647 - 1)"),
            (DType::I32, -5, "(-5)", "(-5)"),
            (DType::U32, 7, "7u", "7u"),
            (DType::I64, i64::MIN as i128, "(-9223372036854775807l - 1l)", "(-9223372036854775807ll - 1ll)"),
            (DType::U64, u64::MAX as i128, "18446744073709551615ul", "18446744073709551615ull"),
            (DType::I8, -3, "((char)-3)", "((signed char)-3)"),
            (DType::U16, 9, "((ushort)9)", "((unsigned short)9)"),
        ] {
            let c = Constant::from_i128(d, v);
            assert_eq!(Cx { d: &Msl, needs: &mut needs, kernel: "k" }.literal(c), msl);
            assert_eq!(Cx { d: &Cuda, needs: &mut needs, kernel: "k" }.literal(c), cuda);
        }
    }

    #[test]
    fn impossible_op_types_are_errors_not_panics() {
        let mut needs = Needs::default();
        let mut cx = Cx { d: &Cuda, needs: &mut needs, kernel: "k" };
        let e = cx.binary(BinaryOp::Shl, DType::F32, "a", "b", None).unwrap_err().to_string();
        assert!(e.contains("`shl` on f32"), "{e}");
        assert!(cx.binary(BinaryOp::Pow, DType::I32, "a", "b", None).is_err());
        assert!(cx.binary(BinaryOp::Add, DType::Bool, "a", "b", None).is_err());
        assert!(cx.unary(UnaryOp::Exp, false, DType::U8, "a").is_err());
        assert!(cx.unary(UnaryOp::PopCount, false, DType::F16, "a").is_err());
        assert!(cx.unary(UnaryOp::Neg, false, DType::Bool, "a").is_err());
    }
}
