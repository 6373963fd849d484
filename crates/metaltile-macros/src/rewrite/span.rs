//! Where generated code is reported. rustc gives an expression the span that runs from its
//! first token to its last, so generated code that stands for a user expression starts at that
//! expression's first token and ends at its last: a type error in it then points at what the
//! user wrote, never at `#[kernel]`. (On stable Rust a proc macro cannot join two spans itself;
//! this is the only way to underline a whole expression.)

use proc_macro2::{Ident, Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};

/// The spans of the first and last tokens of a piece of user code.
#[derive(Clone, Copy)]
pub struct Edges {
    pub first: Span,
    pub last: Span,
}

impl Edges {
    /// The edges of `t` (the call site when `t` has no tokens).
    pub fn of(t: &impl ToTokens) -> Edges {
        let mut tokens = t.to_token_stream().into_iter();
        let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
        let last = tokens.last().map_or(first, |t| t.span());
        Edges { first, last }
    }
}

/// `code` (generated) reported at `at`: its first and last tokens move there. An identifier
/// keeps its span, which also decides what it resolves to: generated calls start with `::` and
/// end with their argument list, and an identifier at an edge gets its span where it is made.
pub fn respan(code: TokenStream, at: Edges) -> TokenStream {
    let mut tokens: Vec<TokenTree> = code.into_iter().collect();
    let n = tokens.len();
    for (k, t) in tokens.iter_mut().enumerate() {
        let span = match (k == 0, k + 1 == n) {
            (true, _) => at.first,
            (_, true) => at.last,
            _ => continue,
        };
        if !matches!(t, TokenTree::Ident(_)) {
            t.set_span(span);
        }
    }
    tokens.into_iter().collect()
}

/// The value of a hidden binding `v` as an expression reported at `at` (the user expression it
/// holds). A hidden name has the macro's hygiene, so the name itself cannot carry the user's
/// span.
pub fn hidden_use(v: &Ident, at: Edges) -> TokenStream {
    reported_at(quote!(#v), at)
}

/// The value of `code` as an expression reported at `at`, whatever the spans inside `code`:
/// `(code,).0` is the same value between two tokens that can carry `at`.
pub fn reported_at(code: TokenStream, at: Edges) -> TokenStream {
    let zero = Literal::usize_unsuffixed(0);
    respan(quote_spanned!(at.last=> (#code,).#zero), at)
}
