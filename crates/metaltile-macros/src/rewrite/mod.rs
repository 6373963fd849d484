//! The body rewrite: kernel and helper bodies are Rust code over DSL handles; this pass turns
//! the syntax whose meaning Rust fixes for its own types (literals, comparisons, `&&`,
//! indexing, `let mut`, assignment, `as`, `if`, loops, `break`, `return`) into calls of
//! `metaltile::dsl` that trace the same meaning into IR. What the language does not support
//! is a compile error at its span, never a silent change of meaning.

mod control;
mod expr;
mod lit;
mod local;
mod span;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr, Ident, Stmt};

/// What a name is bound to in a kernel body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// A `let` value, parameter or loop index: reads are plain uses.
    Value,
    /// A `let mut` variable (`Var`): reads become `.get()`, assignments `.set(..)`.
    Var,
}

/// Whether the function being rewritten is a kernel or a helper (they differ on `return`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Kernel,
    Helper,
}

/// Rewrites one function body, collecting every error it finds.
pub struct Rewriter {
    scopes: Vec<HashMap<String, Binding>>,
    loops: usize,
    mode: Mode,
    /// Names of type parameters that are element types (for `T::MAX` and friends).
    elem_params: HashSet<String>,
    errors: Vec<syn::Error>,
}

impl Rewriter {
    /// A rewriter for a function of `mode` whose element-type parameters are `elem_params`.
    pub fn new(mode: Mode, elem_params: HashSet<String>) -> Rewriter {
        Rewriter { scopes: vec![HashMap::new()], loops: 0, mode, elem_params, errors: vec![] }
    }

    /// Bind a parameter in the function's outermost scope.
    pub fn bind_param(&mut self, name: &Ident, binding: Binding) {
        self.bind(name, binding);
    }

    /// The errors found, combined into one (or `None`).
    pub fn into_error(self) -> Option<syn::Error> {
        let mut it = self.errors.into_iter();
        let mut first = it.next()?;
        for e in it {
            first.combine(e);
        }
        Some(first)
    }

    fn bind(&mut self, name: &Ident, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
    }

    fn lookup(&self, name: &Ident) -> Option<Binding> {
        let key = name.to_string();
        self.scopes.iter().rev().find_map(|s| s.get(&key).copied())
    }

    /// Record an error at `at` and return a placeholder expression.
    fn error(&mut self, at: impl ToTokens, msg: impl std::fmt::Display) -> TokenStream {
        self.errors.push(syn::Error::new_spanned(at, msg));
        quote!(())
    }

    /// Rewrite a function's body block; `used` says whether its value is the result.
    pub fn body(&mut self, b: &Block, used: bool) -> TokenStream {
        let mut attrs = AttrFinder(vec![]);
        attrs.visit_block(b);
        for a in attrs.0 {
            self.error(a, "attributes are not supported inside kernel code (except on `let` statements)");
        }
        self.block(b, used)
    }

    /// Rewrite a block; `used` says whether its value is used (its tail is an expression).
    pub fn block(&mut self, b: &Block, used: bool) -> TokenStream {
        self.scopes.push(HashMap::new());
        let mut out = TokenStream::new();
        let n = b.stmts.len();
        for (k, stmt) in b.stmts.iter().enumerate() {
            let last = k + 1 == n;
            match stmt {
                Stmt::Local(l) => out.extend(self.local(l)),
                Stmt::Item(item) => {
                    self.error(
                        item,
                        "items (functions, structs, `use`, constants, ...) cannot be declared inside a kernel body: \
                         move them outside (write helper functions with `#[helper]`)",
                    );
                }
                Stmt::Macro(m) => {
                    let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                    self.error(&m.mac, macro_message(&name));
                }
                Stmt::Expr(e, semi) => {
                    let ends_diverging = last && is_diverging(e);
                    let tail = last && semi.is_none();
                    out.extend(self.stmt_expr(e, semi.is_some(), tail && used));
                    if tail && used && ends_diverging {
                        out.extend(quote_spanned!(e.span()=> ; ::metaltile::dsl::unreachable_value()));
                    }
                    if semi.is_some() && used && ends_diverging {
                        out.extend(quote_spanned!(e.span()=> ::metaltile::dsl::unreachable_value()));
                    }
                }
            }
        }
        self.scopes.pop();
        quote_spanned!(b.brace_token.span.join()=> { #out })
    }

    /// An expression in statement position.
    fn stmt_expr(&mut self, e: &Expr, semi: bool, value_used: bool) -> TokenStream {
        let semi_tok = if semi { quote!(;) } else { quote!() };
        match e {
            Expr::If(i) if !value_used => {
                let t = self.if_stmt(i);
                quote!(#t;)
            }
            Expr::While(_) | Expr::ForLoop(_) | Expr::Loop(_) if !value_used => {
                let t = self.expr(e);
                quote!(#t;)
            }
            Expr::Block(b) if b.label.is_none() => {
                let t = self.block(&b.block, value_used);
                quote!(#t #semi_tok)
            }
            _ => {
                let t = self.expr(e);
                quote!(#t #semi_tok)
            }
        }
    }
}

/// Finds attributes in a body: attributes on expressions would be dropped by the rewrite,
/// so they are rejected rather than silently ignored. Items are rejected whole elsewhere.
struct AttrFinder(Vec<syn::Attribute>);

impl<'a> Visit<'a> for AttrFinder {
    fn visit_attribute(&mut self, a: &'a syn::Attribute) {
        self.0.push(a.clone());
    }
    fn visit_local(&mut self, l: &'a syn::Local) {
        // `let` keeps its attributes (`#[allow(..)]`); look inside it only.
        self.visit_pat(&l.pat);
        if let Some(init) = &l.init {
            self.visit_local_init(init);
        }
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// `break`, `continue` and `return` end their block: anything after them is dead.
fn is_diverging(e: &Expr) -> bool {
    matches!(e, Expr::Break(_) | Expr::Continue(_) | Expr::Return(_))
}

fn macro_message(name: &str) -> String {
    format!(
        "macro invocations are not supported inside kernels (`{name}!`): kernel code is traced into GPU code, \
         so Rust macros such as `println!` or `assert!` have no meaning there"
    )
}
