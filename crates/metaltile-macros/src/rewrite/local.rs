//! `let` statements: values are named for readable IR, `let mut` becomes a `Var`, and an
//! array of names destructures vector loads.

use super::{Binding, Rewriter};
use crate::types::{dtype_of_type, ident_name, type_ident};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Local, Pat, PatIdent, Type};

const PATTERN_HINT: &str = "unsupported pattern in `let`: kernels bind a name (`let x`, `let mut x`), `_`, \
                            or an array of names (`let [a, b, c, d] = load4(&x, i)`)";

impl Rewriter {
    pub(super) fn local(&mut self, l: &Local) -> TokenStream {
        let attrs = &l.attrs;
        let Some(init) = &l.init else {
            return self.error(l, "a `let` in a kernel needs an initial value (`let x = ...;`)");
        };
        if let Some((else_tok, _)) = &init.diverge {
            return self.error(else_tok, "`let ... else` is not supported in kernels");
        }
        // The initializer sees the bindings before this one (`let x = x + 1` reads the old x).
        let value = self.arg(&init.expr);
        let span = l.let_token.span;
        let (pat, ty) = match &l.pat {
            Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        match pat {
            Pat::Ident(pi) => {
                let Some(name) = self.simple_ident(pi, true) else { return quote!() };
                let name_str = ident_name(&name);
                // An annotation types the value itself, so that rustc reports a mismatch at the
                // value and the annotation, as it does for Rust's own `let`.
                if pi.mutability.is_some() {
                    let out = match ty {
                        None => quote_spanned!(span=> #(#attrs)* let #name = ::metaltile::dsl::Var::new(#name_str, #value);),
                        Some(t) => match self.element_type(t) {
                            Some(e) => {
                                let t = quote_spanned!(t.span()=> ::metaltile::dsl::Val<#e>);
                                quote_spanned!(span=>
                                    #(#attrs)* let #name: #t = #value;
                                    #(#attrs)* let #name = ::metaltile::dsl::Var::new(#name_str, #name);
                                )
                            }
                            None => {
                                return self.error(t, "a `let mut` variable holds one value: annotate it with an element type such as `f32` or `T`")
                            }
                        },
                    };
                    self.bind(&name, Binding::Var);
                    out
                } else {
                    self.bind(&name, Binding::Value);
                    match ty {
                        None => {
                            quote_spanned!(span=> #(#attrs)* let #name = ::metaltile::dsl::Named::named(#value, #name_str);)
                        }
                        Some(t) => {
                            let t = self.value_type(t);
                            quote_spanned!(span=>
                                #(#attrs)* let #name: #t = #value;
                                #(#attrs)* let #name = ::metaltile::dsl::Named::named(#name, #name_str);
                            )
                        }
                    }
                }
            }
            Pat::Wild(w) => {
                let ty = ty.map(|t| {
                    let t = self.value_type(t);
                    quote!(: #t)
                });
                quote_spanned!(span=> #(#attrs)* let #w #ty = #value;)
            }
            Pat::Slice(s) => {
                let mut names = vec![];
                let mut elems = vec![];
                for p in &s.elems {
                    match p {
                        Pat::Ident(pi) => {
                            if pi.mutability.is_some() {
                                self.error(
                                    pi,
                                    "elements of an array pattern cannot be `mut`: bind them, then `let mut v = a;`",
                                );
                                continue;
                            }
                            if let Some(id) = self.simple_ident(pi, false) {
                                elems.push(quote!(#id));
                                names.push(id);
                            }
                        }
                        Pat::Wild(w) => elems.push(quote!(#w)),
                        Pat::Rest(r) => elems.push(quote!(#r)),
                        other => {
                            self.error(other, PATTERN_HINT);
                        }
                    }
                }
                let ty = ty.map(|t| {
                    let t = self.value_type(t);
                    quote!(: #t)
                });
                let mut out = quote_spanned!(span=> #(#attrs)* let [#(#elems),*] #ty = #value;);
                for id in names {
                    let n = ident_name(&id);
                    self.bind(&id, Binding::Value);
                    out.extend(quote_spanned!(id.span()=> let #id = ::metaltile::dsl::Named::named(#id, #n);));
                }
                out
            }
            Pat::Tuple(t) => self.error(t, "tuples are not supported in kernels: bind each value with its own `let`"),
            other => self.error(other, PATTERN_HINT),
        }
    }

    /// The name of an identifier pattern without `ref`, `@` subpatterns or (unless allowed) `mut`.
    pub(super) fn simple_ident(&mut self, pi: &PatIdent, allow_mut: bool) -> Option<Ident> {
        if let Some(r) = &pi.by_ref {
            self.error(r, "`ref` bindings are not supported in kernels");
            return None;
        }
        if let Some((at, _)) = &pi.subpat {
            self.error(at, PATTERN_HINT);
            return None;
        }
        if !allow_mut {
            if let Some(m) = &pi.mutability {
                self.error(m, "`mut` is not allowed here");
                return None;
            }
        }
        Some(pi.ident.clone())
    }

    /// An element type (`f32`, `T`), as written.
    fn element_type(&self, t: &Type) -> Option<Type> {
        if dtype_of_type(t).is_some() || type_ident(t).is_some_and(|id| self.elem_params.contains(&id.to_string())) {
            Some(t.clone())
        } else {
            None
        }
    }

    /// The DSL type of a `let` annotation: an element type `E` means `Val<E>`, an array of
    /// them `[Val<E>; N]`; other types (DSL handles such as `Shared<f32>`) stay as written.
    pub(super) fn value_type(&mut self, t: &Type) -> TokenStream {
        if let Some(e) = self.element_type(t) {
            return quote_spanned!(t.span()=> ::metaltile::dsl::Val<#e>);
        }
        match t {
            Type::Array(a) => {
                let elem = self.value_type(&a.elem);
                let len = &a.len;
                quote_spanned!(t.span()=> [#elem; #len])
            }
            Type::Tuple(tt) if !tt.elems.is_empty() => {
                self.error(t, "tuples are not supported in kernels: bind each value with its own `let`")
            }
            Type::Reference(r) => self.error(r, "references are not supported in kernel bindings"),
            other => quote!(#other),
        }
    }
}
