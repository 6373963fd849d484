//! `#[helper]`: a function kernels call, inlined into their trace. The body is rewritten as
//! a kernel's is; element types in the signature become values (`T` → `Val<T>`) and slices
//! become memory (`&[T]` → `impl Memory<T>`, `&mut [T]` → `impl WritableMemory<T>`), so
//! buffers, threadgroup arrays and private arrays can all be passed.

use crate::rewrite::{Binding, Mode, Rewriter};
use crate::sig::{check_qualifiers, helper_elem_params, Errors};
use crate::types::{dtype_of_type, ident_name, type_ident};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// Expand `#[helper]` on `item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(attr, "`#[helper]` takes no arguments"));
    }
    let f: ItemFn = syn::parse2(item)?;
    let mut errors = Errors::default();
    check_qualifiers(&f.sig, "helper", &mut errors);
    let elems: HashSet<String> = helper_elem_params(&f.sig.generics).iter().map(|i| i.to_string()).collect();
    let mut rw = Rewriter::new(Mode::Helper, elems.clone());

    let mut params = vec![];
    let mut vars = vec![];
    for arg in &f.sig.inputs {
        let pt = match arg {
            FnArg::Typed(pt) => pt,
            FnArg::Receiver(r) => {
                errors.push(r, "a helper cannot take `self`");
                continue;
            }
        };
        if let Some(a) = pt.attrs.first() {
            errors.push(a, "attributes are not supported on helper parameters");
        }
        let (id, mutable) = match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => (&pi.ident, pi.mutability.is_some()),
            other => {
                errors.push(other, "a helper parameter is a plain name (`x: T`)");
                continue;
            }
        };
        let ty = helper_type(&pt.ty, &elems, &mut errors);
        if mutable {
            if !is_elem(&pt.ty, &elems) {
                errors.push(&pt.pat, "only element-type parameters (`x: T`) can be `mut`");
            }
            let n = ident_name(id);
            vars.push(quote_spanned!(id.span()=> let #id = ::metaltile::dsl::Var::new(#n, #id);));
        }
        rw.bind_param(id, if mutable { Binding::Var } else { Binding::Value });
        params.push(quote!(#id: #ty));
    }
    let (ret, used) = match &f.sig.output {
        ReturnType::Default => (quote!(), false),
        ReturnType::Type(arrow, ty) => {
            let t = helper_type(ty, &elems, &mut errors);
            (quote!(#arrow #t), true)
        }
    };
    let body = rw.body(&f.block, used);
    errors.extend(rw.into_error());
    if let Some(e) = errors.finish() {
        return Err(e);
    }

    let attrs = &f.attrs;
    let vis = &f.vis;
    let name = &f.sig.ident;
    let generics = &f.sig.generics;
    let where_clause = &f.sig.generics.where_clause;
    Ok(quote! {
        #(#attrs)*
        #[allow(clippy::too_many_arguments, unused_braces)]
        #vis fn #name #generics (#(#params),*) #ret #where_clause {
            #(#vars)*
            #body
        }
    })
}

fn is_elem(ty: &Type, elems: &HashSet<String>) -> bool {
    dtype_of_type(ty).is_some() || type_ident(ty).is_some_and(|id| elems.contains(&id.to_string()))
}

/// The DSL type of a helper's parameter or result type.
fn helper_type(ty: &Type, elems: &HashSet<String>, errors: &mut Errors) -> TokenStream {
    let span = ty.span();
    if is_elem(ty, elems) {
        return quote_spanned!(span=> ::metaltile::dsl::Val<#ty>);
    }
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) if is_elem(&s.elem, elems) => {
                let e = &s.elem;
                if r.mutability.is_some() {
                    quote_spanned!(span=> impl ::metaltile::dsl::WritableMemory<#e>)
                } else {
                    quote_spanned!(span=> impl ::metaltile::dsl::Memory<#e>)
                }
            }
            _ => {
                errors.push(ty, "helpers take memory as `&[T]` or `&mut [T]` of an element type; other references are not supported");
                quote!(())
            }
        },
        Type::Array(a) => {
            let elem = helper_type(&a.elem, elems, errors);
            let len = &a.len;
            quote_spanned!(span=> [#elem; #len])
        }
        Type::Tuple(t) if !t.elems.is_empty() => {
            errors.push(ty, "tuples are not supported in kernels: return an array `[T; N]` instead");
            quote!(())
        }
        other => quote!(#other),
    }
}
