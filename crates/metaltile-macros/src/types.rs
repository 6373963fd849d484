//! Element types and generic bounds as a kernel signature spells them. Names come from
//! `metaltile_ir::DType` (the Rust spelling of each dtype is its name there).

use metaltile_ir::DType;
use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::{Ident, Path, Type};

/// The dtype a type names, if it is an element type spelled as in Rust (`f32`, `u8`,
/// `bool`, `f16`, `half::bf16`).
pub fn dtype_of_path(path: &Path) -> Option<DType> {
    let last = path.segments.last()?;
    if !last.arguments.is_empty() {
        return None;
    }
    last.ident.to_string().parse::<DType>().ok()
}

/// The dtype named by `ty`, if any.
pub fn dtype_of_type(ty: &Type) -> Option<DType> {
    match ty {
        Type::Path(p) if p.qself.is_none() => dtype_of_path(&p.path),
        Type::Group(g) => dtype_of_type(&g.elem),
        Type::Paren(p) => dtype_of_type(&p.elem),
        _ => None,
    }
}

/// The single identifier a type consists of (`T`), if that is all it is.
pub fn type_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident(),
        Type::Group(g) => type_ident(&g.elem),
        Type::Paren(p) => type_ident(&p.elem),
        _ => None,
    }
}

/// An element type in a kernel signature: the generic parameter or a concrete dtype.
#[derive(Clone)]
pub enum Elem {
    Generic(Ident),
    Concrete(DType),
}

impl Elem {
    /// The Rust type, by an absolute path for the half-precision types.
    pub fn tokens(&self, span: Span) -> TokenStream {
        match self {
            Elem::Generic(id) => quote_spanned!(span=> #id),
            Elem::Concrete(d) => dtype_rust_type(*d, span),
        }
    }

    /// `Some(DType::X)` for a concrete type, `None` for the generic parameter.
    pub fn param_dtype_tokens(&self, span: Span) -> TokenStream {
        match self {
            Elem::Generic(_) => quote_spanned!(span=> ::core::option::Option::None),
            Elem::Concrete(d) => {
                let d = dtype_tokens(*d, span);
                quote_spanned!(span=> ::core::option::Option::Some(#d))
            }
        }
    }
}

/// The Rust type of a dtype.
pub fn dtype_rust_type(d: DType, span: Span) -> TokenStream {
    let id = Ident::new(d.name(), span);
    match d {
        DType::F16 | DType::BF16 => quote_spanned!(span=> ::metaltile::prelude::#id),
        _ => quote_spanned!(span=> #id),
    }
}

/// `::metaltile::ir::DType::<Variant>`.
pub fn dtype_tokens(d: DType, span: Span) -> TokenStream {
    let v = Ident::new(&format!("{d:?}"), span);
    quote_spanned!(span=> ::metaltile::ir::DType::#v)
}

/// The bound of a kernel's generic parameter: which dtypes it is instantiated for.
#[derive(Clone, Copy)]
pub enum Bound {
    Float,
    Int,
    Logical,
    Numeric,
    Scalar,
}

impl Bound {
    /// The bound named by the last segment of `path`.
    pub fn parse(path: &Path) -> Option<Bound> {
        let last = path.segments.last()?;
        if !last.arguments.is_empty() {
            return None;
        }
        match last.ident.to_string().as_str() {
            "Float" => Some(Bound::Float),
            "Int" => Some(Bound::Int),
            "Logical" => Some(Bound::Logical),
            "Numeric" => Some(Bound::Numeric),
            "Scalar" => Some(Bound::Scalar),
            _ => None,
        }
    }

    /// (bound trait, instance trait, build function, dtype list) in `metaltile::dsl`.
    pub fn dsl_names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Bound::Float => ("Float", "FloatKernel", "build_float", "FLOAT_KERNEL_DTYPES"),
            Bound::Int => ("Int", "IntKernel", "build_int", "INT_KERNEL_DTYPES"),
            Bound::Logical => ("Logical", "LogicalKernel", "build_logical", "LOGICAL_KERNEL_DTYPES"),
            Bound::Numeric => ("Numeric", "NumericKernel", "build_numeric", "NUMERIC_KERNEL_DTYPES"),
            Bound::Scalar => ("Scalar", "ScalarKernel", "build_scalar", "SCALAR_KERNEL_DTYPES"),
        }
    }
}

/// Traits of the DSL that make a helper's type parameter an element type.
pub const ELEMENT_BOUNDS: &[&str] =
    &["Scalar", "Numeric", "Float", "Int", "Logical", "Signed", "IndexType", "AtomicScalar"];

/// The text of an identifier without a raw prefix (`r#type` → `type`).
pub fn ident_name(id: &Ident) -> String {
    let s = id.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}
