//! The shape of the generated code, rule by rule (the behavior is tested through the
//! `metaltile` crate, where the code is compiled, traced and run).

use quote::quote;

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn kernel(src: proc_macro2::TokenStream) -> String {
    squash(
        &crate::kernel::expand(quote!(), src)
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.into_compile_error().to_string()),
    )
}

fn helper(src: proc_macro2::TokenStream) -> String {
    squash(
        &crate::helper::expand(quote!(), src)
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.into_compile_error().to_string()),
    )
}

fn has(out: &str, needle: &str) {
    assert!(out.contains(&squash(needle)), "`{needle}` not in:\n{out}");
}

#[test]
fn kernel_becomes_a_module_with_def_ir_and_body() {
    let out = kernel(quote! {
        /// Doc.
        pub(crate) fn k<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr(default = 4)] b: u32) {
            let i = global_id().x;
            y[i] = x[i];
        }
    });
    has(&out, "#[doc = r\" Doc.\"] pub(crate) mod k {");
    has(&out, "use super::*;");
    has(&out, "pub const DEF: ::metaltile::ir::KernelDef = ::metaltile::ir::KernelDef { name: \"k\", dtypes: ::metaltile::dsl::FLOAT_KERNEL_DTYPES,");
    has(&out, "::metaltile::ir::ParamInfo { name: \"n\", kind: ::metaltile::ir::ParamInfoKind::Scalar, dtype: ::core::option::Option::Some(::metaltile::ir::DType::U32) }");
    has(&out, "::metaltile::ir::ConstexprInfo { name: \"b\", dtype: ::metaltile::ir::DType::U32, default: ::core::option::Option::Some(::metaltile::ir::ConstArg::Int(4)) }");
    has(&out, "build: ir");
    has(&out, "impl ::metaltile::dsl::FloatKernel for");
    has(&out, "fn build<T: ::metaltile::dsl::Float>");
    has(&out, "::metaltile::dsl::declare::input::<T>(\"x\")");
    has(&out, "::metaltile::dsl::declare::constexpr::<u32>(&self::DEF.constexprs[0]");
    has(&out, "::metaltile::dsl::build_float(\"k\"");
    has(&out, "pub fn body<T: ::metaltile::dsl::Float>(x: ::metaltile::dsl::Buf<T>, y: ::metaltile::dsl::BufMut<T>, n: ::metaltile::dsl::Val<u32>, b: ::metaltile::dsl::Val<u32>)");
}

#[test]
fn plain_kernel_checks_for_no_dtype() {
    let out = kernel(quote!(
        fn k(x: &[f16]) {}
    ));
    has(&out, "dtypes: &[]");
    has(&out, "::metaltile::dsl::build_plain(\"k\"");
    has(&out, "::metaltile::dsl::declare::input::<::metaltile::prelude::f16>(\"x\")");
}

#[test]
fn lets_literals_and_operators() {
    let out = kernel(quote! {
        fn k(x: &[f32], y: &mut [f32]) {
            let a = 1;
            let mut b = 2.0;
            b += a as f32;
            let c = x[0] > b && true || !false;
            y[3u32] = -1.5f32;
        }
    });
    has(&out, "let a = ::metaltile::dsl::Named::named(::metaltile::dsl::lit_int(1), \"a\");");
    has(&out, "let b = ::metaltile::dsl::Var::new(\"b\", ::metaltile::dsl::lit_float(2.0));");
    has(&out, "b.set(b.get() + (__metaltile_value,).0)");
    has(&out, "::metaltile::dsl::CastAs::<f32>::cast_as(a)");
    has(&out, "(::metaltile::dsl::or_else((::metaltile::dsl::and_then((::metaltile::dsl::gt(::metaltile::dsl::load(&x, ::metaltile::dsl::lit_int::<u32>(0)), b.get()),).0, || ::metaltile::dsl::lit_bool(true)),).0, || !::metaltile::dsl::lit_bool(false)),).0");
    has(&out, "::metaltile::dsl::store(&y, ::metaltile::dsl::lit_int::<u32>(3), (__metaltile_value,).0)");
    has(&out, "::metaltile::dsl::lit_float::<f32>(-1.5)");
}

#[test]
fn annotated_lets_type_the_value_itself() {
    let out = kernel(quote! {
        fn k(x: &[f32]) {
            let a: f32 = x[0];
            let mut b: u32 = 1;
        }
    });
    has(&out, "let a: ::metaltile::dsl::Val<f32> = ::metaltile::dsl::load(&x, ::metaltile::dsl::lit_int::<u32>(0));");
    has(&out, "let a = ::metaltile::dsl::Named::named(a, \"a\");");
    has(&out, "let b: ::metaltile::dsl::Val<u32> = ::metaltile::dsl::lit_int(1);");
    has(&out, "let b = ::metaltile::dsl::Var::new(\"b\", b);");
}

#[test]
fn compound_assignment_to_memory_loads_and_stores_once() {
    let out = kernel(quote! {
        fn k(y: &mut [f32], v: f32) {
            y[1] *= v;
        }
    });
    has(
        &out,
        "{ let __metaltile_value = v; let __metaltile_mem = &y; let __metaltile_index = ::metaltile::dsl::lit_int::<u32>(1); \
         ::metaltile::dsl::store(__metaltile_mem, __metaltile_index, \
         ::metaltile::dsl::load(__metaltile_mem, __metaltile_index) * (__metaltile_value,).0) }",
    );
}

#[test]
fn control_flow_becomes_calls() {
    let out = kernel(quote! {
        fn k(y: &mut [i32], n: u32) {
            for i in (0..n).step_by(2) {
                if i == 3 { continue; } else if i == 4 { break; }
            }
            for _ in 1..=n {}
            while n > 0 { return; }
            loop { break; }
            let v = if n > 1 { 1 } else { 2 };
        }
    });
    has(&out, "::metaltile::dsl::for_range(::metaltile::dsl::lit_int(0), n, ::metaltile::dsl::lit_int(2), false, |i|");
    has(&out, "let i = ::metaltile::dsl::Named::named(i, \"i\");");
    has(&out, "::metaltile::dsl::if_((::metaltile::dsl::eq(i, ::metaltile::dsl::lit_int(3)),).0, || { ::metaltile::dsl::continue_(); }, || { ::metaltile::dsl::if_(");
    has(&out, "::metaltile::dsl::break_();");
    has(&out, "::metaltile::dsl::for_range(::metaltile::dsl::lit_int(1), n, ::metaltile::dsl::lit_int(1), true, |_|");
    has(&out, "::metaltile::dsl::while_(|| (::metaltile::dsl::gt(n, ::metaltile::dsl::lit_int(0)),).0, || { ::metaltile::dsl::return_(); })");
    has(&out, "::metaltile::dsl::loop_(|| { ::metaltile::dsl::break_(); })");
    has(&out, "::metaltile::dsl::if_expr((::metaltile::dsl::gt(n, ::metaltile::dsl::lit_int(1)),).0, || { ::metaltile::dsl::lit_int(1) }, || { ::metaltile::dsl::lit_int(2) })");
}

#[test]
fn shadowing_follows_scopes() {
    let out = kernel(quote! {
        fn k(y: &mut [i32]) {
            let mut a = 1;
            {
                let a = 2;
                y[0] = a;
            }
            y[1] = a;
        }
    });
    has(
        &out,
        "let a = ::metaltile::dsl::Named::named(::metaltile::dsl::lit_int(2), \"a\"); { let __metaltile_value = a;",
    );
    has(&out, "{ let __metaltile_value = a.get();");
}

#[test]
fn constants_and_rust_consts() {
    let out = kernel(quote! {
        fn k<T: Float>(y: &mut [T]) {
            y[0] = T::NEG_INFINITY + T::MAX;
            let w = u32::MAX + SIMD_WIDTH;
        }
    });
    has(&out, "::metaltile::dsl::neg_infinity::<T>() + ::metaltile::dsl::max_value::<T>()");
    has(&out, "::metaltile::dsl::max_value::<u32>() + ::metaltile::dsl::Lift::lift(SIMD_WIDTH)");
}

#[test]
fn helper_signature_becomes_dsl_types() {
    let out = helper(quote! {
        pub fn h<T: Float, const N: usize>(v: T, m: &[T], w: &mut [T], a: [T; 4], mut c: u32, d: Dim3) -> T { v }
    });
    has(
        &out,
        "pub fn h<T: Float, const N: usize>(v: ::metaltile::dsl::Val<T>, m: impl ::metaltile::dsl::Memory<T>, \
         w: impl ::metaltile::dsl::WritableMemory<T>, a: [::metaltile::dsl::Val<T>; 4], c: ::metaltile::dsl::Val<u32>, \
         d: Dim3) -> ::metaltile::dsl::Val<T>",
    );
    has(&out, "let c = ::metaltile::dsl::Var::new(\"c\", c);");
}

#[test]
fn errors_are_reported_together() {
    let out = kernel(quote! {
        fn k(x: &[f32]) -> u32 {
            let t = (1, 2);
            match 1 { _ => {} }
        }
    });
    has(&out, "kernels return nothing");
    has(&out, "tuples are not supported");
    has(&out, "`match` is not supported");
}
