//! `if`, `for`, `while`, `loop`, `break`, `continue` and `return`.

use super::lit::as_literal;
use super::span::{respan, Edges};
use super::{Binding, Mode, Rewriter};
use crate::types::ident_name;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprBreak, ExprContinue, ExprForLoop, ExprIf, ExprLoop, ExprReturn, ExprWhile, Label, Lit, Pat, RangeLimits,
};

const FOR_HINT: &str = "kernel `for` loops iterate over an integer range: `a..b`, `a..=b` or `(a..b).step_by(s)`";

impl Rewriter {
    fn cond(&mut self, c: &Expr) -> TokenStream {
        self.arg(c)
    }

    fn no_label(&mut self, label: &Option<Label>) -> bool {
        match label {
            Some(l) => {
                self.error(
                    l,
                    "loop labels are not supported in kernels: `break` and `continue` act on the innermost loop",
                );
                false
            }
            None => true,
        }
    }

    /// `if` whose value is not used: `if_(c, || {..}, || {..})`.
    pub(super) fn if_stmt(&mut self, i: &ExprIf) -> TokenStream {
        let c = self.cond(&i.cond);
        let then = self.block(&i.then_branch, false);
        let otherwise = match &i.else_branch {
            None => quote!({}),
            Some((_, e)) => match &**e {
                Expr::If(inner) => {
                    let t = self.if_stmt(inner);
                    quote!({ #t; })
                }
                Expr::Block(b) => self.block(&b.block, false),
                other => self.expr(other),
            },
        };
        quote_spanned!(i.if_token.span=> ::metaltile::dsl::if_(#c, || #then, || #otherwise))
    }

    /// `if` whose value is used: `if_expr(c, || a, || b)`.
    pub(super) fn if_value(&mut self, i: &ExprIf) -> TokenStream {
        let Some((_, e)) = &i.else_branch else {
            return self.error(
                i.if_token,
                "`if` without `else` has no value: add an `else` branch, or end the statement with `;`",
            );
        };
        let c = self.cond(&i.cond);
        let then = self.block(&i.then_branch, true);
        let otherwise = match &**e {
            Expr::If(inner) => {
                let t = self.if_value(inner);
                quote!({ #t })
            }
            Expr::Block(b) => self.block(&b.block, true),
            other => self.expr(other),
        };
        // Reported as the whole `if` (a mismatch of its value with its context).
        respan(quote_spanned!(i.if_token.span=> ::metaltile::dsl::if_expr(#c, || #then, || #otherwise)), Edges::of(i))
    }

    pub(super) fn for_loop(&mut self, f: &ExprForLoop) -> TokenStream {
        self.no_label(&f.label);
        let index = match &*f.pat {
            Pat::Ident(pi) if pi.mutability.is_some() => {
                self.error(pi, "the loop index cannot be `mut`: copy it with `let mut j = i;`");
                None
            }
            Pat::Ident(pi) => self.simple_ident(pi, false),
            Pat::Wild(_) => None,
            other => {
                self.error(other, "a kernel loop binds its index to a name or `_`");
                None
            }
        };
        let Some((start, end, step, inclusive)) = self.range_of(&f.expr) else { return quote!(()) };
        self.loops += 1;
        self.scopes.push(HashMap::new());
        let (param, name_it) = match &index {
            Some(id) => {
                self.bind(id, Binding::Value);
                let n = ident_name(id);
                (quote!(#id), quote_spanned!(id.span()=> let #id = ::metaltile::dsl::Named::named(#id, #n);))
            }
            None => (quote!(_), quote!()),
        };
        let body = self.block(&f.body, false);
        self.scopes.pop();
        self.loops -= 1;
        quote_spanned!(f.for_token.span=>
            ::metaltile::dsl::for_range(#start, #end, #step, #inclusive, |#param| { #name_it #body })
        )
    }

    /// `(start, end, step, inclusive)` of a loop's range.
    fn range_of(&mut self, e: &Expr) -> Option<(TokenStream, TokenStream, TokenStream, bool)> {
        match e {
            Expr::Paren(p) => self.range_of(&p.expr),
            Expr::Group(g) => self.range_of(&g.expr),
            Expr::Range(r) => {
                let (Some(start), Some(end)) = (&r.start, &r.end) else {
                    self.error(r, "open ranges are not supported in kernel `for` loops: give both ends (`a..b`)");
                    return None;
                };
                // Rust rejects a float range as "not an iterator"; say what to write instead.
                if let Some(f) =
                    [start, end].into_iter().find(|e| as_literal(e).is_some_and(|l| matches!(l.lit, Lit::Float(_))))
                {
                    self.error(
                        f,
                        "kernel `for` loops count with integers: give integer bounds (`0..n`) and compute floats \
                         from the index (`i as f32 * step`)",
                    );
                    return None;
                }
                let inclusive = matches!(r.limits, RangeLimits::Closed(_));
                let start = self.arg(start);
                let end = self.arg(end);
                // The literal keeps the macro's span: it is not in the source, so lints that
                // read the source text of literals must not look at the range's text.
                let one = proc_macro2::Literal::i128_unsuffixed(1);
                let step = quote_spanned!(r.span()=> ::metaltile::dsl::lit_int(#one));
                Some((start, end, step, inclusive))
            }
            Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                let (start, end, _, inclusive) = match strip(&m.receiver) {
                    Expr::Range(_) => self.range_of(&m.receiver)?,
                    other => {
                        self.error(other, FOR_HINT);
                        return None;
                    }
                };
                let step = self.arg(&m.args[0]);
                Some((start, end, step, inclusive))
            }
            Expr::MethodCall(m) if m.method == "rev" => {
                self.error(
                    &m.method,
                    "`.rev()` is not supported in kernels: iterate forward and compute the index, \
                     e.g. `for k in 0..n { let i = n - 1 - k; ... }`",
                );
                None
            }
            Expr::MethodCall(m) if matches!(strip(&m.receiver), Expr::Range(_)) => {
                self.error(&m.method, "only `.step_by(s)` is supported on a range in a kernel `for` loop");
                None
            }
            other => {
                self.error(other, FOR_HINT);
                None
            }
        }
    }

    pub(super) fn while_loop(&mut self, w: &ExprWhile) -> TokenStream {
        self.no_label(&w.label);
        let c = self.cond(&w.cond);
        self.loops += 1;
        let body = self.block(&w.body, false);
        self.loops -= 1;
        quote_spanned!(w.while_token.span=> ::metaltile::dsl::while_(|| #c, || #body))
    }

    pub(super) fn loop_(&mut self, l: &ExprLoop) -> TokenStream {
        self.no_label(&l.label);
        self.loops += 1;
        let body = self.block(&l.body, false);
        self.loops -= 1;
        quote_spanned!(l.loop_token.span=> ::metaltile::dsl::loop_(|| #body))
    }

    pub(super) fn break_(&mut self, b: &ExprBreak) -> TokenStream {
        if let Some(l) = &b.label {
            return self.error(l, "labeled `break` is not supported in kernels: it leaves the innermost loop");
        }
        if let Some(v) = &b.expr {
            return self.error(
                v,
                "`break` with a value is not supported in kernels: assign the value to a `let mut` variable, then `break`",
            );
        }
        if self.loops == 0 {
            return self.error(b, "`break` outside of a loop");
        }
        quote_spanned!(b.break_token.span=> ::metaltile::dsl::break_())
    }

    pub(super) fn continue_(&mut self, c: &ExprContinue) -> TokenStream {
        if let Some(l) = &c.label {
            return self.error(l, "labeled `continue` is not supported in kernels: it continues the innermost loop");
        }
        if self.loops == 0 {
            return self.error(c, "`continue` outside of a loop");
        }
        quote_spanned!(c.continue_token.span=> ::metaltile::dsl::continue_())
    }

    pub(super) fn return_(&mut self, r: &ExprReturn) -> TokenStream {
        if self.mode == Mode::Helper {
            return self.error(
                r.return_token,
                "`return` is not supported in helpers: make the result the helper's last expression \
                 (helpers are inlined, so `return` would end the whole kernel)",
            );
        }
        if let Some(v) = &r.expr {
            return self.error(v, "kernels return nothing: write results to an output buffer (`y[i] = v;`)");
        }
        quote_spanned!(r.return_token.span=> ::metaltile::dsl::return_())
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        e => e,
    }
}
