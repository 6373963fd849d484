//! The `#[kernel]` front end of MetalTile.
//!
//! `#[kernel]` turns a Rust function into a module with its kernel definition (`DEF`), its
//! IR builder (`ir`) and its body rewritten over the DSL of `metaltile::dsl` (`body`);
//! `#[helper]` rewrites a function that kernels call. Use them through the `metaltile` crate.
//! The language they accept is described in `docs/language.md`.

mod helper;
mod kernel;
mod rewrite;
mod sig;
#[cfg(test)]
mod tests;
mod types;

use proc_macro::TokenStream;

/// A GPU kernel written as a Rust function; see `docs/language.md`.
///
/// `#[kernel] pub fn k<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr(default = 256)] block: u32)`
/// becomes `pub mod k { pub const DEF: KernelDef; pub fn ir(..); pub fn body<T: Float>(..) }`.
#[proc_macro_attribute]
pub fn kernel(attr: TokenStream, item: TokenStream) -> TokenStream {
    kernel::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// A function kernels call; its body is inlined into the caller's trace.
#[proc_macro_attribute]
pub fn helper(attr: TokenStream, item: TokenStream) -> TokenStream {
    helper::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
