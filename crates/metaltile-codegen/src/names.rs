//! Identifiers in emitted code: source names become valid C identifiers that cannot collide
//! with a keyword or a name of either target's language or library, nor with each other.

use std::collections::HashSet;

/// Prefix of every name the emitters invent (builtin parameters, helper functions); source
/// names never start with it.
pub const RESERVED_PREFIX: &str = "mt_";

/// C++ keywords, MSL and CUDA keywords and qualifiers, and every type, function and builtin
/// name the emitters write unqualified. A source name equal to one of them gets a `_` suffix.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    // C++ keywords and alternative tokens.
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
    "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch",
    "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "main", "NULL",
    "INFINITY", "NAN",
    // MSL keywords, address spaces, types and namespaces.
    "kernel", "vertex", "fragment", "device", "constant", "threadgroup", "thread", "threadgroup_imageblock",
    "ray_data", "object_data", "metal", "precise", "fast", "half", "bfloat", "uchar", "ushort", "uint", "ulong",
    "size_t", "ptrdiff_t", "simd_vote", "mem_flags", "memory_order", "memory_order_relaxed", "as_type", "vec",
    "atomic",
    // Vector types of both targets.
    "float2", "float3", "float4", "half2", "half3", "half4", "bfloat2", "bfloat3", "bfloat4", "char2", "char3",
    "char4", "uchar2", "uchar3", "uchar4", "short2", "short3", "short4", "ushort2", "ushort3", "ushort4", "int2",
    "int3", "int4", "uint2", "uint3", "uint4", "long2", "long3", "long4", "ulong2", "ulong3", "ulong4", "longlong2",
    "longlong4", "ulonglong2", "ulonglong4", "dim3",
    // CUDA builtins.
    "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize",
    // Atomics.
    "atomic_int", "atomic_uint", "atomic_float", "atomic_fetch_add_explicit", "atomic_fetch_min_explicit",
    "atomic_fetch_max_explicit", "atomic_fetch_and_explicit", "atomic_fetch_or_explicit",
    "atomic_fetch_xor_explicit", "atomic_exchange_explicit", "atomic_compare_exchange_weak_explicit", "atomicAdd",
    "atomicMin", "atomicMax", "atomicAnd", "atomicOr", "atomicXor", "atomicExch", "atomicCAS",
    // Barriers and simdgroup functions.
    "threadgroup_barrier", "simdgroup_barrier", "simd_sum", "simd_product", "simd_max", "simd_min",
    "simd_prefix_inclusive_sum", "simd_prefix_exclusive_sum", "simd_shuffle", "simd_shuffle_xor", "simd_shuffle_up",
    "simd_shuffle_down", "simd_broadcast", "simd_any", "simd_all", "simd_ballot",
    // Math and bit functions (MSL names, CUDA names).
    "abs", "fabs", "fabsf", "exp", "expf", "exp2", "exp2f", "expm1f", "log", "logf", "log2", "log2f", "log10",
    "log10f", "log1pf", "sqrt", "sqrtf", "rsqrt", "rsqrtf", "cbrtf", "sin", "sinf", "cos", "cosf", "tan", "tanf",
    "asin", "asinf", "acos", "acosf", "atan", "atanf", "sinh", "sinhf", "cosh", "coshf", "tanh", "tanhf", "asinh",
    "asinhf", "acosh", "acoshf", "atanh", "atanhf", "erff", "erfinvf", "ceil", "ceilf", "floor", "floorf", "round",
    "roundf", "rint", "rintf", "trunc", "truncf", "isnan", "isinf", "isfinite", "fmax", "fmaxf", "fmin", "fminf",
    "fmod", "fmodf", "pow", "powf", "atan2", "atan2f", "fma", "fmaf", "ldexp", "ldexpf", "divide", "copysign",
    "popcount", "clz", "ctz", "min", "max",
];

/// True when `name` may not be used as-is for a source name in emitted code.
pub fn is_reserved(name: &str) -> bool {
    name.starts_with(RESERVED_PREFIX) || name.starts_with("__") || RESERVED.contains(&name)
}

/// A valid, non-reserved C identifier for a source name: characters other than ASCII letters,
/// digits and `_` become `_`, runs of `_` collapse (C++ reserves `__`), leading `_` and a
/// leading digit are avoided, reserved names get a trailing `_` (or a `u` prefix for names
/// in the emitters' own `mt_` namespace). The empty name becomes `t`.
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') && out.len() > 1 {
        out.pop();
    }
    if out.is_empty() || out == "_" {
        return "t".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if out.starts_with(RESERVED_PREFIX) {
        out.insert(0, 'u');
    }
    if is_reserved(&out) {
        out.push('_');
    }
    out
}

/// The names already used in one emitted file; hands out unique ones.
#[derive(Default)]
pub(crate) struct NameTable {
    used: HashSet<String>,
}

impl NameTable {
    /// A unique identifier based on `wanted` (sanitized); `_2`, `_3`, ... is appended on collision.
    pub(crate) fn claim(&mut self, wanted: &str) -> String {
        let base = sanitize(wanted);
        // A reserved name already ends with `_`; a second one would form the reserved `__`.
        let sep = if base.ends_with('_') { "" } else { "_" };
        let mut name = base.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{sep}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_makes_c_identifiers() {
        assert_eq!(sanitize("row"), "row");
        assert_eq!(sanitize("my value"), "my_value");
        assert_eq!(sanitize("a__b"), "a_b");
        assert_eq!(sanitize("__x"), "x");
        assert_eq!(sanitize("x_"), "x");
        assert_eq!(sanitize("9lives"), "n9lives");
        assert_eq!(sanitize("ünï"), "n");
        assert_eq!(sanitize(""), "t");
        assert_eq!(sanitize("___"), "t");
    }

    #[test]
    fn sanitize_avoids_keywords_and_library_names() {
        for (src, want) in [
            ("half", "half_"),
            ("float4", "float4_"),
            ("kernel", "kernel_"),
            ("device", "device_"),
            ("threadIdx", "threadIdx_"),
            ("exp", "exp_"),
            ("fmaxf", "fmaxf_"),
            ("int", "int_"),
            ("mt_lane", "umt_lane"),
        ] {
            assert_eq!(sanitize(src), want, "{src}");
            assert!(!is_reserved(&sanitize(src)), "{src}");
        }
    }

    #[test]
    fn name_table_makes_names_unique() {
        let mut t = NameTable::default();
        assert_eq!(t.claim("acc"), "acc");
        assert_eq!(t.claim("acc"), "acc_2");
        assert_eq!(t.claim("acc_2"), "acc_2_2");
        assert_eq!(t.claim("half"), "half_");
        assert_eq!(t.claim("half"), "half_2");
        assert_eq!(t.claim("mt_lane"), "umt_lane");
    }
}
