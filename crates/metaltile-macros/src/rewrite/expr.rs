//! Expressions: operators, paths, indexing, casts, calls and assignment.

use super::lit::{as_literal, LitCtx};
use super::span::{hidden_use, reported_at, respan, Edges};
use super::{macro_message, Binding, Mode, Rewriter};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprBinary, Lit, UnOp};

/// A name for a temporary of generated code, invisible to the user's code.
fn hidden(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The Rust operator of a compound assignment (`+=` → `+`).
fn compound_op(op: &BinOp) -> Option<TokenStream> {
    Some(match op {
        BinOp::AddAssign(t) => quote_spanned!(t.span()=> +),
        BinOp::SubAssign(t) => quote_spanned!(t.span()=> -),
        BinOp::MulAssign(t) => quote_spanned!(t.span()=> *),
        BinOp::DivAssign(t) => quote_spanned!(t.span()=> /),
        BinOp::RemAssign(t) => quote_spanned!(t.span()=> %),
        BinOp::BitAndAssign(t) => quote_spanned!(t.span()=> &),
        BinOp::BitOrAssign(t) => quote_spanned!(t.span()=> |),
        BinOp::BitXorAssign(t) => quote_spanned!(t.span()=> ^),
        BinOp::ShlAssign(t) => quote_spanned!(t.span()=> <<),
        BinOp::ShrAssign(t) => quote_spanned!(t.span()=> >>),
        _ => return None,
    })
}

/// SCREAMING_CASE: how Rust names constants and statics.
fn is_constant_name(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

impl Rewriter {
    /// Rewrite an expression whose value is used.
    pub(super) fn expr(&mut self, e: &Expr) -> TokenStream {
        match e {
            Expr::Lit(l) => self.literal(&l.lit, false, LitCtx::Infer),
            Expr::Unary(u) => match u.op {
                UnOp::Neg(t) => {
                    if let Expr::Lit(l) = &*u.expr {
                        if matches!(l.lit, Lit::Int(_) | Lit::Float(_)) {
                            return self.literal(&l.lit, true, LitCtx::Infer);
                        }
                    }
                    let x = self.expr(&u.expr);
                    quote_spanned!(t.span=> -#x)
                }
                UnOp::Not(t) => {
                    let x = self.expr(&u.expr);
                    quote_spanned!(t.span=> !#x)
                }
                UnOp::Deref(t) => {
                    self.error(t, "`*` (dereference) is not supported in kernels: kernel values are not references")
                }
                _ => self.error(u, "unsupported operator in a kernel"),
            },
            Expr::Binary(b) => self.binary(b),
            Expr::Assign(a) => {
                let value = self.arg(&a.right);
                self.assign(&a.left, value, Edges::of(&a.right), a.eq_token.span)
            }
            Expr::Paren(p) => {
                let x = self.expr(&p.expr);
                quote_spanned!(p.paren_token.span.join()=> (#x))
            }
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Path(p) => {
                if let Some(id) = p.path.get_ident().filter(|_| p.qself.is_none()) {
                    match self.lookup(id) {
                        Some(Binding::Var) => return quote_spanned!(id.span()=> #id.get()),
                        // A Rust `const` / `static` of an element type: a compile-time constant.
                        None if is_constant_name(&id.to_string()) => {
                            return quote_spanned!(id.span()=> ::metaltile::dsl::Lift::lift(#id))
                        }
                        _ => {}
                    }
                }
                match self.assoc_const(p) {
                    Some(t) => t,
                    None => self.outer_path(p),
                }
            }
            Expr::Index(ix) => {
                let mem = self.memory_operand(&ix.expr);
                let index = self.index_operand(&ix.index);
                let load = quote_spanned!(ix.bracket_token.span.join()=> ::metaltile::dsl::load(#mem, #index));
                respan(load, Edges::of(ix))
            }
            Expr::Cast(c) => self.cast(c),
            Expr::Call(c) => {
                let func = match &*c.func {
                    Expr::Path(p) => self.outer_path(p),
                    other => self.expr(other),
                };
                let args: Vec<_> = c.args.iter().map(|a| self.call_arg(a)).collect();
                quote_spanned!(c.paren_token.span.join()=> #func(#(#args),*))
            }
            Expr::MethodCall(m) => {
                let receiver = self.expr(&m.receiver);
                let method = &m.method;
                let turbofish = &m.turbofish;
                let args: Vec<_> = m.args.iter().map(|a| self.call_arg(a)).collect();
                quote_spanned!(m.method.span()=> #receiver.#method #turbofish(#(#args),*))
            }
            Expr::Field(f) => {
                let base = self.expr(&f.base);
                let member = &f.member;
                quote!(#base.#member)
            }
            Expr::Array(a) => {
                let elems: Vec<_> = a.elems.iter().map(|x| self.expr(x)).collect();
                quote_spanned!(a.bracket_token.span.join()=> [#(#elems),*])
            }
            Expr::Repeat(r) => {
                let x = self.expr(&r.expr);
                let len = &r.len;
                quote_spanned!(r.bracket_token.span.join()=> [#x; #len])
            }
            Expr::Block(b) => match &b.label {
                Some(l) => self.error(l, "labeled blocks are not supported in kernels"),
                None => self.block(&b.block, true),
            },
            Expr::If(i) => self.if_value(i),
            Expr::While(w) => self.while_loop(w),
            Expr::ForLoop(f) => self.for_loop(f),
            Expr::Loop(l) => self.loop_(l),
            Expr::Break(b) => self.break_(b),
            Expr::Continue(c) => self.continue_(c),
            Expr::Return(r) => self.return_(r),
            Expr::Tuple(t) if t.elems.is_empty() => quote!(#t),
            Expr::Tuple(t) => {
                self.error(t, "tuples are not supported in kernels: use separate bindings or an array `[a, b]`")
            }
            Expr::Reference(r) => self.error(
                r,
                "references are not supported in kernels; memory is passed to builtins and helpers as `&m` \
                 (or `m`) directly in the call",
            ),
            Expr::RawAddr(r) => self.error(r, "raw pointers are not supported in kernels"),
            Expr::Range(r) => {
                self.error(r, "ranges are only supported as the iterable of a `for` loop (`for i in a..b`)")
            }
            Expr::Let(l) => self.error(
                l,
                "`if let` / `while let` are not supported in kernels: kernel values have no patterns to match; \
                 test a condition instead",
            ),
            Expr::Match(m) => {
                self.error(m.match_token, "`match` is not supported in kernels: use `if` / `else if` / `else`")
            }
            Expr::Closure(c) => {
                self.error(c, "closures are not supported in kernel code: write a `#[helper]` function instead")
            }
            Expr::Try(t) => self.error(
                t.question_token,
                "the `?` operator is not supported in kernels: kernel operations do not return `Result`",
            ),
            Expr::TryBlock(t) => self.error(t.try_token, "`try` blocks are not supported in kernels"),
            Expr::Unsafe(u) => self.error(u.unsafe_token, "`unsafe` blocks are not supported in kernels"),
            Expr::Async(a) => self.error(a.async_token, "`async` is not supported in kernels"),
            Expr::Await(a) => self.error(a.await_token, "`.await` is not supported in kernels"),
            Expr::Macro(m) => {
                let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                self.error(&m.mac, macro_message(&name))
            }
            Expr::Struct(s) => self.error(s, "struct literals are not supported in kernels"),
            Expr::Const(c) => self.error(c.const_token, "`const` blocks are not supported in kernels"),
            Expr::Yield(y) => self.error(y.yield_token, "`yield` is not supported in kernels"),
            Expr::Infer(i) => self.error(i, "`_` is not an expression in kernels"),
            other => self.error(other, "this expression is not supported in kernels"),
        }
    }

    /// A path as the user wrote it. A kernel's body moves into the kernel's module, so a path
    /// that starts at `super` must climb one module more to mean what it meant.
    fn outer_path(&self, p: &syn::ExprPath) -> TokenStream {
        let starts_at_super = p.qself.is_none()
            && p.path.leading_colon.is_none()
            && p.path.segments.first().is_some_and(|s| s.ident == "super");
        if self.mode == Mode::Kernel && starts_at_super {
            let span = p.span();
            quote_spanned!(span=> super::#p)
        } else {
            quote!(#p)
        }
    }

    /// An expression that becomes an argument of a generated call: its own parentheses are
    /// dropped (the call delimits it), so rustc's `unused_parens` has nothing to flag.
    pub(super) fn arg(&mut self, e: &Expr) -> TokenStream {
        self.expr(strip_parens(e))
    }

    /// A call argument: `&m` passes memory (handles are references already); anything else
    /// is an ordinary expression.
    fn call_arg(&mut self, a: &Expr) -> TokenStream {
        match a {
            Expr::Reference(r) if r.mutability.is_none() && matches!(strip_parens(&r.expr), Expr::Path(_)) => {
                let inner = self.expr(&r.expr);
                let and = r.and_token;
                quote!(#and #inner)
            }
            Expr::Reference(r) if r.mutability.is_some() => self.error(
                r,
                "`&mut` is not needed in kernels: pass writable memory as `&m` (its parameter type decides \
                 whether it may be written)",
            ),
            _ => self.arg(a),
        }
    }

    /// The memory of `m[i]`, borrowed as the DSL's memory functions take it: `&m`, reported at `m`.
    fn memory_operand(&mut self, e: &Expr) -> TokenStream {
        let base = self.expr(e);
        let and = quote_spanned!(Edges::of(e).first=> &);
        quote!(#and #base)
    }

    /// The index of `m[i]`: a bare literal is a `u32`.
    fn index_operand(&mut self, e: &Expr) -> TokenStream {
        match as_literal(e) {
            Some(l) if matches!(l.lit, Lit::Int(i) if i.suffix().is_empty()) => {
                self.literal(l.lit, l.neg, LitCtx::Index)
            }
            _ => self.arg(e),
        }
    }

    /// `e as U`: a mismatch of its result is reported at the whole cast, a cast that Rust does
    /// not allow at `e` and `as U`.
    fn cast(&mut self, c: &syn::ExprCast) -> TokenStream {
        let call = self.cast_call(c);
        let call = respan(call, Edges { first: c.as_token.span, last: Edges::of(&c.ty).last });
        reported_at(call, Edges::of(c))
    }

    fn cast_call(&mut self, c: &syn::ExprCast) -> TokenStream {
        let ty = &c.ty;
        // rustc names the function of a call at its path, which thereby ends at `U`.
        let cast_as = Ident::new("cast_as", Edges::of(ty).last);
        let span = c.as_token.span;
        if crate::types::dtype_of_type(ty) == Some(metaltile_ir::DType::Bool) {
            return self.error(ty, "`as bool` is not a cast Rust allows: compare instead, e.g. `x != 0`");
        }
        if let Some(l) = as_literal(&c.expr) {
            match l.lit {
                // Rust types an unsuffixed float literal under `as` as f64 and converts once.
                Lit::Float(f) if f.suffix().is_empty() => {
                    let v = self.literal(l.lit, l.neg, LitCtx::Infer);
                    let Ok(x) = f.base10_parse::<f64>() else { return v };
                    let x = if l.neg { -x } else { x };
                    let x = proc_macro2::Literal::f64_unsuffixed(x.abs());
                    let sign = if l.neg { quote!(-) } else { quote!() };
                    return quote_spanned!(span=> ::metaltile::dsl::lit_f64_as::<#ty>(#sign #x));
                }
                Lit::Int(i) if i.suffix().is_empty() => {
                    let v = self.literal(l.lit, l.neg, LitCtx::CastOperand);
                    return quote_spanned!(span=> ::metaltile::dsl::CastAs::<#ty>::#cast_as(#v));
                }
                _ => {}
            }
        }
        let v = self.arg(&c.expr);
        quote_spanned!(span=> ::metaltile::dsl::CastAs::<#ty>::#cast_as(#v))
    }

    fn binary(&mut self, b: &ExprBinary) -> TokenStream {
        let span = b.op.span();
        if let Some(op) = compound_op(&b.op) {
            return self.compound_assign(&b.left, &b.right, op, span);
        }
        let cmp = match b.op {
            BinOp::Eq(_) => Some("eq"),
            BinOp::Ne(_) => Some("ne"),
            BinOp::Lt(_) => Some("lt"),
            BinOp::Le(_) => Some("le"),
            BinOp::Gt(_) => Some("gt"),
            BinOp::Ge(_) => Some("ge"),
            _ => None,
        };
        if cmp.is_some() || matches!(b.op, BinOp::And(_) | BinOp::Or(_)) {
            let l = self.arg(&b.left);
            let r = self.arg(&b.right);
            let call = match (cmp, &b.op) {
                (Some(f), _) => {
                    let f = Ident::new(f, span);
                    quote_spanned!(span=> ::metaltile::dsl::#f(#l, #r))
                }
                (None, BinOp::And(_)) => quote_spanned!(span=> ::metaltile::dsl::and_then(#l, || #r)),
                _ => quote_spanned!(span=> ::metaltile::dsl::or_else(#l, || #r)),
            };
            // The function is named at the operator (operands that do not fit), the value is
            // the whole `a < b` (a bool where something else is needed).
            return reported_at(call, Edges::of(b));
        }
        let l = self.expr(&b.left);
        let r = self.expr(&b.right);
        let op = &b.op;
        quote!(#l #op #r)
    }

    /// `place = value` (the value is already rewritten and is evaluated first, as in Rust;
    /// `value_at` is where the user wrote it).
    pub(super) fn assign(&mut self, place: &Expr, value: TokenStream, value_at: Edges, span: Span) -> TokenStream {
        match strip_parens(place) {
            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let Some(id) = p.path.get_ident() else { return quote!() };
                match self.lookup(id) {
                    Some(Binding::Var) => quote_spanned!(span=> #id.set(#value)),
                    _ => self.error(id, format!("cannot assign to `{id}`: declare it with `let mut`")),
                }
            }
            Expr::Index(ix) => {
                let v = hidden("__metaltile_value");
                let mem = self.memory_operand(&ix.expr);
                let index = self.index_operand(&ix.index);
                let value_use = hidden_use(&v, value_at);
                let store = store_fn(ix);
                quote_spanned!(span=> {
                    let #v = #value;
                    #store(#mem, #index, #value_use)
                })
            }
            other => {
                self.error(other, "only `let mut` variables and memory elements (`m[i]`) can be assigned in kernels")
            }
        }
    }

    /// `place op= value`: the value first, then the place, as Rust does for numbers.
    fn compound_assign(&mut self, place: &Expr, value: &Expr, op: TokenStream, span: Span) -> TokenStream {
        let value_use_at = Edges::of(value);
        let value = self.arg(value);
        let v = hidden("__metaltile_value");
        let value_use = hidden_use(&v, value_use_at);
        match strip_parens(place) {
            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let Some(id) = p.path.get_ident() else { return quote!() };
                match self.lookup(id) {
                    Some(Binding::Var) => quote_spanned!(span=> {
                        let #v = #value;
                        #id.set(#id.get() #op #value_use)
                    }),
                    _ => self.error(id, format!("cannot assign to `{id}`: declare it with `let mut`")),
                }
            }
            Expr::Index(ix) => {
                let m = hidden("__metaltile_mem");
                let i = hidden("__metaltile_index");
                let mem = self.memory_operand(&ix.expr);
                let index = self.index_operand(&ix.index);
                let store = store_fn(ix);
                quote_spanned!(span=> {
                    let #v = #value;
                    let #m = #mem;
                    let #i = #index;
                    #store(#m, #i, ::metaltile::dsl::load(#m, #i) #op #value_use)
                })
            }
            other => {
                self.error(other, "only `let mut` variables and memory elements (`m[i]`) can be assigned in kernels")
            }
        }
    }
}

/// `::metaltile::dsl::store`, reported at the place `m[i]` it writes (rustc names the function
/// of a call whose argument does not fit at this path).
fn store_fn(place: &syn::ExprIndex) -> TokenStream {
    let at = Edges::of(place);
    respan(quote_spanned!(at.last=> ::metaltile::dsl::store), at)
}
