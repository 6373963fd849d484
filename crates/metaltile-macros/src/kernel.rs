//! `#[kernel]`: a function becomes a module holding its definition (`DEF`), its IR builder
//! (`ir`) and its rewritten body (`body`).

use crate::rewrite::{Binding, Mode, Rewriter};
use crate::sig::{kernel_sig, Errors, KernelParam, KernelSig, ParamKind};
use crate::types::{dtype_tokens, ident_name};
use metaltile_ir::ConstArg;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;

/// Expand `#[kernel]` on `item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(attr, "`#[kernel]` takes no arguments"));
    }
    let f: ItemFn = syn::parse2(item)?;
    let mut errors = Errors::default();
    let sig = kernel_sig(&f.sig, &mut errors);

    let elem_params = sig.generic.iter().map(|(id, _)| id.to_string()).collect();
    let mut rw = Rewriter::new(Mode::Kernel, elem_params);
    for p in &sig.params {
        rw.bind_param(&p.name, if p.mutable { Binding::Var } else { Binding::Value });
    }
    let body = rw.body(&f.block, false);
    errors.extend(rw.into_error());
    if let Some(e) = errors.finish() {
        return Err(e);
    }
    Ok(module(&f, &sig, body))
}

fn module(f: &ItemFn, sig: &KernelSig, body: TokenStream) -> TokenStream {
    let vis = &f.vis;
    let name = &f.sig.ident;
    let name_str = ident_name(name);
    // Documentation, configuration and lint levels describe the kernel: they go on its
    // module; any other attribute applies to the function, which is `body` now.
    let (attrs, fn_attrs): (Vec<_>, Vec<_>) = f.attrs.iter().partition(|a| {
        ["doc", "cfg", "cfg_attr", "allow", "warn", "deny", "forbid", "expect", "deprecated"]
            .iter()
            .any(|n| a.path().is_ident(n))
    });
    let def = def(sig, &name_str);
    let ir = ir_fn(sig, &name_str);
    let body_fn = body_fn(sig, body, &fn_attrs);
    quote! {
        #(#attrs)*
        #vis mod #name {
            #[allow(unused_imports)]
            use super::*;

            #def
            #ir
            #body_fn
        }
    }
}

fn def(sig: &KernelSig, name: &str) -> TokenStream {
    let dtypes = match &sig.generic {
        Some((_, b)) => {
            let list = Ident::new(b.dsl_names().3, Span::call_site());
            quote!(::metaltile::dsl::#list)
        }
        None => quote!(&[]),
    };
    let params = sig.params.iter().filter(|p| !matches!(p.kind, ParamKind::Constexpr { .. })).map(|p| {
        let n = ident_name(&p.name);
        let kind = match p.kind {
            ParamKind::Input => quote!(Input),
            ParamKind::Output => quote!(Output),
            _ => quote!(Scalar),
        };
        let dtype = p.elem.param_dtype_tokens(Span::call_site());
        quote!(::metaltile::ir::ParamInfo { name: #n, kind: ::metaltile::ir::ParamInfoKind::#kind, dtype: #dtype })
    });
    let constexprs = sig.params.iter().filter_map(|p| match &p.kind {
        ParamKind::Constexpr { dtype, default } => {
            let n = ident_name(&p.name);
            let d = dtype_tokens(*dtype, Span::call_site());
            let default = match default {
                None => quote!(::core::option::Option::None),
                Some(a) => {
                    let a = const_arg(*a);
                    quote!(::core::option::Option::Some(#a))
                }
            };
            Some(quote!(::metaltile::ir::ConstexprInfo { name: #n, dtype: #d, default: #default }))
        }
        _ => None,
    });
    quote! {
        /// The kernel's definition: name, dtypes, parameters, constexprs and IR builder.
        pub const DEF: ::metaltile::ir::KernelDef = ::metaltile::ir::KernelDef {
            name: #name,
            dtypes: #dtypes,
            params: &[#(#params),*],
            constexprs: &[#(#constexprs),*],
            build: ir,
        };
    }
}

fn const_arg(a: ConstArg) -> TokenStream {
    match a {
        ConstArg::Int(i) => {
            let l = Literal::i128_unsuffixed(i.unsigned_abs() as i128);
            let sign = if i < 0 { quote!(-) } else { quote!() };
            quote!(::metaltile::ir::ConstArg::Int(#sign #l))
        }
        ConstArg::Float(f) => {
            let l = Literal::f64_unsuffixed(f.abs());
            let sign = if f.is_sign_negative() { quote!(-) } else { quote!() };
            quote!(::metaltile::ir::ConstArg::Float(#sign #l))
        }
        ConstArg::Bool(b) => quote!(::metaltile::ir::ConstArg::Bool(#b)),
    }
}

/// The statements that declare each parameter while tracing, and the call of `body`.
fn trace_body(sig: &KernelSig, consts: &Ident) -> TokenStream {
    let mut decls = vec![];
    let mut args = vec![];
    let mut constexpr_index = 0usize;
    for p in &sig.params {
        let local = format_ident!("__metaltile_param_{}", ident_name(&p.name), span = Span::mixed_site());
        let n = ident_name(&p.name);
        let ty = p.elem.tokens(p.span);
        let decl = match p.kind {
            ParamKind::Input => quote!(::metaltile::dsl::declare::input::<#ty>(#n)),
            ParamKind::Output => quote!(::metaltile::dsl::declare::output::<#ty>(#n)),
            ParamKind::Scalar => quote!(::metaltile::dsl::declare::scalar::<#ty>(#n)),
            ParamKind::Constexpr { .. } => {
                let k = Literal::usize_unsuffixed(constexpr_index);
                constexpr_index += 1;
                quote!(::metaltile::dsl::declare::constexpr::<#ty>(&self::DEF.constexprs[#k], #consts)?)
            }
        };
        decls.push(quote!(let #local = #decl;));
        args.push(local);
    }
    let turbofish = match &sig.generic {
        Some((t, _)) => quote!(::<#t>),
        None => quote!(),
    };
    let uses_consts = constexpr_index > 0;
    let silence = if uses_consts { quote!() } else { quote!(let _ = #consts;) };
    quote! {
        #silence
        #(#decls)*
        self::body #turbofish(#(#args),*);
        ::core::result::Result::Ok(())
    }
}

fn ir_fn(sig: &KernelSig, name: &str) -> TokenStream {
    let dtype = Ident::new("dtype", Span::mixed_site());
    let consts = Ident::new("consts", Span::mixed_site());
    let doc = quote! {
        /// Trace the kernel into verified IR for `dtype` (its element type; `None` when it is not
        /// generic) and the given constexpr values.
    };
    let ret = quote!(::metaltile::ir::IrResult<::metaltile::ir::Kernel>);
    let head = quote! {
        pub fn ir(#dtype: ::core::option::Option<::metaltile::ir::DType>, #consts: &::metaltile::ir::ConstArgs) -> #ret
    };
    match &sig.generic {
        None => {
            let trace = trace_body(sig, &consts);
            quote! {
                #doc
                #head {
                    ::metaltile::dsl::build_plain(#name, #dtype)?;
                    ::metaltile::dsl::trace(#name, ::core::option::Option::None, || { #trace })
                }
            }
        }
        Some((t, bound)) => {
            let (bound_trait, kernel_trait, build, _) = bound.dsl_names();
            let bound_trait = Ident::new(bound_trait, Span::call_site());
            let kernel_trait = Ident::new(kernel_trait, Span::call_site());
            let build = Ident::new(build, Span::call_site());
            let instance = Ident::new("__MetaltileInstance", Span::mixed_site());
            let this = Ident::new("self", Span::mixed_site());
            let inner_consts = Ident::new("consts", Span::mixed_site());
            let trace = trace_body(sig, &inner_consts);
            quote! {
                #doc
                #head {
                    struct #instance<'a>(&'a ::metaltile::ir::ConstArgs);
                    impl ::metaltile::dsl::#kernel_trait for #instance<'_> {
                        fn build<#t: ::metaltile::dsl::#bound_trait>(#this, #dtype: ::metaltile::ir::DType) -> #ret {
                            let #inner_consts = #this.0;
                            ::metaltile::dsl::trace(#name, ::core::option::Option::Some(#dtype), || { #trace })
                        }
                    }
                    ::metaltile::dsl::#build(#name, #dtype, #instance(#consts))
                }
            }
        }
    }
}

fn body_fn(sig: &KernelSig, body: TokenStream, attrs: &[&syn::Attribute]) -> TokenStream {
    let generics = match &sig.generic {
        Some((t, b)) => {
            let b = Ident::new(b.dsl_names().0, t.span());
            quote_spanned!(t.span()=> <#t: ::metaltile::dsl::#b>)
        }
        None => quote!(),
    };
    let params = sig.params.iter().map(body_param);
    let vars = sig.params.iter().filter(|p| p.mutable).map(|p| {
        let id = &p.name;
        let n = ident_name(id);
        quote_spanned!(p.span=> let #id = ::metaltile::dsl::Var::new(#n, #id);)
    });
    quote! {
        /// The kernel's body over DSL handles; [`ir`] traces it.
        #(#attrs)*
        #[allow(clippy::too_many_arguments, unused_braces)]
        pub fn body #generics (#(#params),*) {
            #(#vars)*
            #body
        }
    }
}

fn body_param(p: &KernelParam) -> TokenStream {
    let id = &p.name;
    let ty = p.elem.tokens(p.span);
    let ty = match p.kind {
        ParamKind::Input => quote_spanned!(p.span=> ::metaltile::dsl::Buf<#ty>),
        ParamKind::Output => quote_spanned!(p.span=> ::metaltile::dsl::BufMut<#ty>),
        ParamKind::Scalar | ParamKind::Constexpr { .. } => quote_spanned!(p.span=> ::metaltile::dsl::Val<#ty>),
    };
    quote!(#id: #ty)
}
