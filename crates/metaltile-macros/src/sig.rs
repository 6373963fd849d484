//! The signatures `#[kernel]` and `#[helper]` accept, checked before the body is rewritten.

use crate::types::{dtype_of_type, type_ident, Bound, Elem, ELEMENT_BOUNDS};
use metaltile_ir::{ConstArg, DType};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericParam, Generics, Ident, Lit, Pat, Signature, Type, TypeParamBound, UnOp};

/// Errors collected over a whole signature.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, at: impl quote::ToTokens, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new_spanned(at, msg));
    }
    pub fn extend(&mut self, e: Option<syn::Error>) {
        self.0.extend(e);
    }
    /// All errors combined, if there are any.
    pub fn finish(self) -> Option<syn::Error> {
        let mut it = self.0.into_iter();
        let mut first = it.next()?;
        for e in it {
            first.combine(e);
        }
        Some(first)
    }
}

/// How a kernel parameter is passed.
pub enum ParamKind {
    Input,
    Output,
    Scalar,
    Constexpr { dtype: DType, default: Option<ConstArg> },
}

/// One kernel parameter.
pub struct KernelParam {
    pub name: Ident,
    pub mutable: bool,
    pub kind: ParamKind,
    pub elem: Elem,
    pub span: Span,
}

/// A checked kernel signature.
pub struct KernelSig {
    pub generic: Option<(Ident, Bound)>,
    pub params: Vec<KernelParam>,
}

/// Reject the function qualifiers kernels and helpers do not have.
pub fn check_qualifiers(sig: &Signature, what: &str, errors: &mut Errors) {
    if let Some(t) = &sig.constness {
        errors.push(t, format!("a {what} cannot be `const`"));
    }
    if let Some(t) = &sig.asyncness {
        errors.push(t, format!("`async` is not supported: a {what} is traced, not awaited"));
    }
    if let Some(t) = &sig.unsafety {
        errors.push(t, format!("a {what} cannot be `unsafe`"));
    }
    if let Some(a) = &sig.abi {
        errors.push(a, format!("a {what} cannot have an ABI"));
    }
    if let Some(v) = &sig.variadic {
        errors.push(v, format!("a {what} cannot be variadic"));
    }
}

/// Check a kernel signature.
pub fn kernel_sig(sig: &Signature, errors: &mut Errors) -> KernelSig {
    check_qualifiers(sig, "kernel", errors);
    if let syn::ReturnType::Type(arrow, ty) = &sig.output {
        errors.push(
            quote::quote!(#arrow #ty),
            "kernels return nothing: remove the return type and write results to an output buffer (`&mut [T]`)",
        );
    }
    let (generic, names) = kernel_generic(&sig.generics, errors);
    let params = sig.inputs.iter().filter_map(|arg| kernel_param(arg, &names, errors)).collect();
    KernelSig { generic, params }
}

/// The generic parameter and its bound, and the names of every type parameter (so that an
/// error in the generics is reported once, not again at each parameter that uses them).
fn kernel_generic(g: &Generics, errors: &mut Errors) -> (Option<(Ident, Bound)>, Vec<Ident>) {
    let names = g.type_params().map(|tp| tp.ident.clone()).collect();
    if let Some(w) = &g.where_clause {
        errors.push(w, "write the kernel's bound inline (`<T: Float>`) instead of in a `where` clause");
    }
    let mut found = None;
    for (k, p) in g.params.iter().enumerate() {
        let tp = match p {
            GenericParam::Type(tp) => tp,
            other => {
                errors.push(other, "a kernel's only generic parameter is its element type (`<T: Float>`)");
                continue;
            }
        };
        if k > 0 {
            errors.push(
                tp,
                "a kernel has at most one generic type parameter (`<T: Float>`); use concrete types for the others",
            );
            continue;
        }
        if let Some(d) = &tp.default {
            errors.push(d, "the kernel's type parameter cannot have a default");
        }
        let bounds: Vec<_> = tp.bounds.iter().collect();
        let bound = match bounds.as_slice() {
            [TypeParamBound::Trait(t)] => match Bound::parse(&t.path) {
                Some(b) => Some(b),
                None => {
                    errors.push(
                        &t.path,
                        format!(
                            "unknown bound `{}` on the kernel's type parameter: use `Float`, `Int`, `Logical`, `Numeric` or `Scalar`",
                            quote::quote!(#t).to_string().replace(' ', "")
                        ),
                    );
                    None
                }
            },
            [] => {
                errors.push(
                    &tp.ident,
                    "the kernel's type parameter needs one bound: `Float`, `Int`, `Logical`, `Numeric` or `Scalar`",
                );
                None
            }
            _ => {
                errors.push(
                    &tp.bounds,
                    "the kernel's type parameter takes exactly one bound: `Float`, `Int`, `Logical`, `Numeric` or `Scalar`",
                );
                None
            }
        };
        found = bound.map(|b| (tp.ident.clone(), b));
    }
    (found, names)
}

const PARAM_TYPES: &str = "unsupported kernel parameter type: use `&[T]` (an input buffer), `&mut [T]` (an output \
                           buffer) or an element type (`u32`, `f32`, `T`, ...) for a scalar";

/// The element type `ty` names: the generic parameter or a dtype.
fn elem_of(ty: &Type, generics: &[Ident]) -> Option<Elem> {
    if let Some(d) = dtype_of_type(ty) {
        return Some(Elem::Concrete(d));
    }
    let id = type_ident(ty)?;
    generics.contains(id).then(|| Elem::Generic(id.clone()))
}

fn kernel_param(arg: &FnArg, generic: &[Ident], errors: &mut Errors) -> Option<KernelParam> {
    let pt = match arg {
        FnArg::Typed(pt) => pt,
        FnArg::Receiver(r) => {
            errors.push(r, "a kernel cannot take `self`");
            return None;
        }
    };
    let (name, mutable) = match &*pt.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => (pi.ident.clone(), pi.mutability.is_some()),
        other => {
            errors.push(other, "a kernel parameter is a plain name (`x: &[T]`)");
            return None;
        }
    };
    let mut constexpr = None;
    for attr in &pt.attrs {
        if attr.path().is_ident("constexpr") {
            constexpr = Some(attr);
        } else {
            errors.push(
                attr,
                "the only attribute on kernel parameters is `#[constexpr]` / `#[constexpr(default = ...)]`",
            );
        }
    }
    let span = pt.span();
    let ty = &*pt.ty;
    if let Some(attr) = constexpr {
        let Some(elem) = elem_of(ty, generic) else {
            errors.push(ty, "a constexpr parameter has an element type (`u32`, `i32`, `f32`, `bool`, ...)");
            return None;
        };
        let Elem::Concrete(dtype) = elem else {
            errors.push(
                ty,
                "a constexpr parameter needs a concrete type (`u32`, `f32`, `bool`, ...), not the generic one",
            );
            return None;
        };
        let default = constexpr_default(attr, &name, dtype, errors);
        return Some(KernelParam { name, mutable, kind: ParamKind::Constexpr { dtype, default }, elem, span });
    }
    let (kind, elem_ty) = match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) => (if r.mutability.is_some() { ParamKind::Output } else { ParamKind::Input }, &*s.elem),
            _ => {
                errors.push(ty, PARAM_TYPES);
                return None;
            }
        },
        t => (ParamKind::Scalar, t),
    };
    if mutable && !matches!(kind, ParamKind::Scalar) {
        errors.push(&pt.pat, "a buffer parameter cannot be `mut`");
    }
    match elem_of(elem_ty, generic) {
        Some(elem) => Some(KernelParam { name, mutable, kind, elem, span }),
        None => {
            errors.push(ty, PARAM_TYPES);
            None
        }
    }
}

/// `#[constexpr]` or `#[constexpr(default = <literal>)]`, checked against the type.
fn constexpr_default(attr: &syn::Attribute, name: &Ident, dtype: DType, errors: &mut Errors) -> Option<ConstArg> {
    if matches!(attr.meta, syn::Meta::Path(_)) {
        return None;
    }
    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream| {
        let key: Ident = input.parse()?;
        if key != "default" {
            return Err(syn::Error::new(key.span(), "expected `default = <literal>`"));
        }
        input.parse::<syn::Token![=]>()?;
        let e: Expr = input.parse()?;
        Ok(e)
    });
    let e = match parsed {
        Ok(e) => e,
        Err(err) => {
            errors.0.push(err);
            return None;
        }
    };
    let arg = match literal_arg(&e) {
        Some(a) => a,
        None => {
            errors.push(&e, "a constexpr default is a literal: an integer, a float or `true`/`false`");
            return None;
        }
    };
    match arg.to_constant(&name.to_string(), dtype) {
        Ok(_) => Some(arg),
        Err(err) => {
            errors.push(&e, format!("bad default: {err}"));
            None
        }
    }
}

fn literal_arg(e: &Expr) -> Option<ConstArg> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) if i.suffix().is_empty() => i.base10_parse::<i128>().ok().map(ConstArg::Int),
            Lit::Float(f) if f.suffix().is_empty() => {
                f.base10_parse::<f64>().ok().filter(|v| v.is_finite()).map(ConstArg::Float)
            }
            Lit::Bool(b) => Some(ConstArg::Bool(b.value)),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match literal_arg(&u.expr)? {
            ConstArg::Int(i) => Some(ConstArg::Int(-i)),
            ConstArg::Float(f) => Some(ConstArg::Float(-f)),
            ConstArg::Bool(_) => None,
        },
        Expr::Paren(p) => literal_arg(&p.expr),
        Expr::Group(g) => literal_arg(&g.expr),
        _ => None,
    }
}

/// Names of a helper's type parameters that are element types (bounded by a DSL scalar trait).
pub fn helper_elem_params(g: &Generics) -> Vec<Ident> {
    let mut out = vec![];
    for tp in g.type_params() {
        let mut bounded = tp.bounds.iter().any(is_elem_bound);
        if let Some(w) = &g.where_clause {
            for pred in &w.predicates {
                if let syn::WherePredicate::Type(pt) = pred {
                    if type_ident(&pt.bounded_ty) == Some(&tp.ident) && pt.bounds.iter().any(is_elem_bound) {
                        bounded = true;
                    }
                }
            }
        }
        if bounded {
            out.push(tp.ident.clone());
        }
    }
    out
}

fn is_elem_bound(b: &TypeParamBound) -> bool {
    match b {
        TypeParamBound::Trait(t) => t
            .path
            .segments
            .last()
            .is_some_and(|s| s.arguments.is_empty() && ELEMENT_BOUNDS.contains(&s.ident.to_string().as_str())),
        _ => false,
    }
}
