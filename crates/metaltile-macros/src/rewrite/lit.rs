//! Literals and the associated constants of number types (`T::INFINITY`, `u32::MAX`).
//!
//! Unsuffixed literals take their type from context, as in Rust (`lit_int`, `lit_float`);
//! suffixed ones are typed and checked here. Where Rust gives a literal its default type
//! (the operand of `as` is `i32` or `f64`) the rewrite does the same.

use super::Rewriter;
use crate::types::dtype_rust_type;
use metaltile_ir::{Constant, DType};
use proc_macro2::{Literal, Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{Expr, ExprPath, Lit, UnOp};

/// The type a literal gets when its context fixes it syntactically.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LitCtx {
    /// From the surrounding expression (Rust inference).
    Infer,
    /// An index `m[3]`: `u32`.
    Index,
    /// The operand of `as`: Rust's defaults, `i32` for integers.
    CastOperand,
}

/// A number literal, possibly negated, seen through parentheses.
pub struct NumLit<'a> {
    pub lit: &'a Lit,
    pub neg: bool,
}

/// `e` if it is a (negated) number or bool literal.
pub fn as_literal(e: &Expr) -> Option<NumLit<'_>> {
    match e {
        Expr::Lit(l) => Some(NumLit { lit: &l.lit, neg: false }),
        Expr::Paren(p) => as_literal(&p.expr),
        Expr::Group(g) => as_literal(&g.expr),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(l) if matches!(l.lit, Lit::Int(_) | Lit::Float(_)) => Some(NumLit { lit: &l.lit, neg: true }),
            _ => None,
        },
        _ => None,
    }
}

/// The DSL function for `T::NAME`, for the associated constants kernels support.
fn const_fn(name: &str) -> Option<&'static str> {
    Some(match name {
        "INFINITY" => "infinity",
        "NEG_INFINITY" => "neg_infinity",
        "NAN" => "nan",
        "MAX" => "max_value",
        "MIN" => "min_value",
        "EPSILON" => "epsilon",
        "MIN_POSITIVE" => "min_positive",
        _ => return None,
    })
}

/// `v` as a Rust token, with the value's sign.
fn int_token(v: i128, span: Span) -> TokenStream {
    let mut l = Literal::i128_unsuffixed(v.unsigned_abs() as i128);
    l.set_span(span);
    if v < 0 {
        quote_spanned!(span=> -#l)
    } else {
        quote_spanned!(span=> #l)
    }
}

fn float_token(v: f64, span: Span) -> TokenStream {
    let mut l = Literal::f64_unsuffixed(v.abs());
    l.set_span(span);
    if v.is_sign_negative() {
        quote_spanned!(span=> -#l)
    } else {
        quote_spanned!(span=> #l)
    }
}

impl Rewriter {
    /// Rewrite a literal (negated when `neg`) in context `ctx`.
    pub(super) fn literal(&mut self, lit: &Lit, neg: bool, ctx: LitCtx) -> TokenStream {
        let span = lit.span();
        match lit {
            Lit::Bool(b) => {
                let v = b.value;
                quote_spanned!(span=> ::metaltile::dsl::lit_bool(#v))
            }
            Lit::Int(i) => {
                let Ok(mut v) = i.base10_parse::<i128>() else {
                    return self.error(i, "integer literal too large for any kernel type");
                };
                if neg {
                    v = -v;
                }
                match i.suffix() {
                    "" => match ctx {
                        LitCtx::Infer => {
                            let t = int_token(v, span);
                            quote_spanned!(span=> ::metaltile::dsl::lit_int(#t))
                        }
                        LitCtx::Index => self.typed_int(v, DType::U32, span, lit),
                        LitCtx::CastOperand => self.typed_int(v, DType::I32, span, lit),
                    },
                    suffix => match suffix.parse::<DType>() {
                        Ok(d) if d.is_int() => self.typed_int(v, d, span, lit),
                        Ok(d) if d.is_float() => self.typed_float(v as f64, d, span, lit),
                        _ => self.error(lit, format!("`{suffix}` is not a kernel element type{}", suffix_hint(suffix))),
                    },
                }
            }
            Lit::Float(f) => {
                let Ok(mut v) = f.base10_parse::<f64>() else {
                    return self.error(f, "invalid float literal");
                };
                if !v.is_finite() {
                    return self.error(f, "float literal out of range (write `T::INFINITY` for an infinity)");
                }
                if neg {
                    v = -v;
                }
                match f.suffix() {
                    "" => {
                        let t = float_token(v, span);
                        quote_spanned!(span=> ::metaltile::dsl::lit_float(#t))
                    }
                    suffix => match suffix.parse::<DType>() {
                        Ok(d) if d.is_float() => self.typed_float(v, d, span, lit),
                        _ => self.error(lit, format!("`{suffix}` is not a kernel float type{}", suffix_hint(suffix))),
                    },
                }
            }
            Lit::Str(_) | Lit::ByteStr(_) | Lit::CStr(_) | Lit::Byte(_) | Lit::Char(_) => self.error(
                lit,
                "string, byte and char literals have no meaning in kernels: kernel values are numbers and bools",
            ),
            _ => self.error(lit, "unsupported literal"),
        }
    }

    fn typed_int(&mut self, v: i128, d: DType, span: Span, at: &Lit) -> TokenStream {
        if Constant::from_i128(d, v).as_i128() != v {
            return self.error(at, format!("literal {v} does not fit in `{d}`"));
        }
        let ty = dtype_rust_type(d, span);
        let t = int_token(v, span);
        quote_spanned!(span=> ::metaltile::dsl::lit_int::<#ty>(#t))
    }

    fn typed_float(&mut self, v: f64, d: DType, span: Span, at: &Lit) -> TokenStream {
        if !Constant::from_f64(d, v).as_f64().is_finite() {
            return self.error(at, format!("literal {v} overflows `{d}` (write `{d}::INFINITY` for an infinity)"));
        }
        let ty = dtype_rust_type(d, span);
        let t = float_token(v, span);
        quote_spanned!(span=> ::metaltile::dsl::lit_float::<#ty>(#t))
    }

    /// `T::INFINITY`, `f32::MAX`, ...: a constant of an element type. `None` when the path
    /// is not of that shape (it is then left to Rust).
    pub(super) fn assoc_const(&mut self, p: &ExprPath) -> Option<TokenStream> {
        if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 2 {
            return None;
        }
        let ty = &p.path.segments[0];
        let name = &p.path.segments[1];
        if !ty.arguments.is_empty() || !name.arguments.is_empty() {
            return None;
        }
        let ty_name = ty.ident.to_string();
        let is_elem = self.elem_params.contains(&ty_name) || ty_name.parse::<DType>().is_ok();
        if !is_elem {
            return None;
        }
        let n = name.ident.to_string();
        let span = p.span();
        match const_fn(&n) {
            Some(f) => {
                let f = syn::Ident::new(f, name.ident.span());
                let ty = &ty.ident;
                Some(quote_spanned!(span=> ::metaltile::dsl::#f::<#ty>()))
            }
            // Other associated constants (`u32::BITS`) would stay Rust numbers, which
            // kernel code cannot use: say so here rather than through a type error.
            None if n.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') => Some(self.error(
                p,
                format!(
                    "`{ty_name}::{n}` is not available in kernels; element types provide INFINITY, NEG_INFINITY, \
                     NAN, MAX, MIN, EPSILON and MIN_POSITIVE"
                ),
            )),
            None => None,
        }
    }
}

fn suffix_hint(suffix: &str) -> &'static str {
    match suffix {
        "f64" => " (kernels compute in f32, f16 and bf16)",
        "usize" | "isize" => " (use u32 or u64 for sizes and indices)",
        "i128" | "u128" => " (the widest integers are i64 and u64)",
        _ => "",
    }
}
