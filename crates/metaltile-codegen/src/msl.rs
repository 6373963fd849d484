//! Metal Shading Language 3.1 spellings. f16/bf16 `+ - * /` and comparisons are native
//! (each rounds once); other f16/bf16 math goes through f32. Transcendentals use the
//! `precise::` variants so their accuracy does not depend on the fast-math compile option.

use crate::dialect::{Cas, Dialect, FileParts, Helper, LaneOperand, Needs, Reduce, Scan, Space};
use crate::expr::{f32_literal, unwrap_f32_literal};
use crate::helpers::{reduce_name, scan_name};
use crate::printer::join_lines;
use crate::target::Target;
use metaltile_ir::{
    ArrayDecl, ArraySpace, AtomicOp, BarrierScope, BinaryOp, Builtin, Constant, DType, Kernel, ParamKind, SimdOp,
    UnaryOp,
};

/// The MSL dialect.
pub(crate) struct Msl;

fn space_name(s: Space) -> &'static str {
    match s {
        Space::Device => "device",
        Space::Threadgroup => "threadgroup",
        Space::Private => "thread",
    }
}

/// How a simdgroup function carries a value of dtype `d`: Metal's simd functions take 16- and
/// 32-bit numbers; bool and 8-bit values are widened, bf16 and 64-bit values move as bits.
fn carried(f: &str, d: DType, x: &str, lane: &str) -> String {
    match d {
        DType::F32 | DType::F16 | DType::I16 | DType::U16 | DType::I32 | DType::U32 => format!("{f}({x}, {lane})"),
        DType::I8 => format!("(char){f}((short){x}, {lane})"),
        DType::U8 => format!("(uchar){f}((ushort){x}, {lane})"),
        DType::Bool => format!("(bool){f}((ushort){x}, {lane})"),
        DType::BF16 => format!("as_type<bfloat>({f}(as_type<ushort>({x}), {lane}))"),
        DType::I64 | DType::U64 => format!("as_type<{}>({f}(as_type<uint2>({x}), {lane}))", d.msl_name()),
    }
}

impl Dialect for Msl {
    fn target(&self) -> Target {
        Target::Msl
    }

    fn scalar_type(&self, d: DType) -> &'static str {
        d.msl_name()
    }

    fn vector_type(&self, d: DType, lanes: u8, needs: &mut Needs) -> String {
        if lanes > 4 {
            // Metal's vector types stop at four lanes.
            needs.helper(crate::dialect::Helper::VecStruct(d, lanes));
            return crate::helpers::vec_struct_name(d, lanes);
        }
        format!("{}{lanes}", d.msl_name())
    }

    fn make_vector(&self, vector_type: &str, elems: &[String]) -> String {
        format!("{vector_type}({})", elems.join(", "))
    }

    fn widen_float(&self, _d: DType, x: &str) -> String {
        format!("float({x})")
    }

    fn narrow_float(&self, d: DType, x: &str) -> String {
        format!("{}({x})", d.msl_name())
    }

    fn native_half_arith(&self) -> bool {
        true
    }

    fn half_neg(&self, _d: DType, x: &str) -> String {
        format!("-{x}")
    }

    fn literal_as_float(&self, d: DType, x: &str) -> Option<String> {
        match d {
            DType::F16 => {
                let (open, close) = if x.starts_with('(') { ("(", ")") } else { ("", "") };
                let f = format!("{open}{}f{close}", x.strip_prefix(open)?.strip_suffix(close)?.strip_suffix('h')?);
                unwrap_f32_literal(&f, "", "")
            }
            _ => unwrap_f32_literal(x, "bfloat(", ")"),
        }
    }

    fn float_literal(&self, c: Constant) -> String {
        let v = c.as_f64();
        match c.dtype {
            DType::F32 if v.is_finite() => f32_literal(v as f32),
            DType::F32 => format!("as_type<float>(0x{:08x}u)", c.bits as u32),
            // f32's shortest decimal also reads back exactly as the f16 value.
            DType::F16 if v.is_finite() => f32_literal(v as f32).replace('f', "h"),
            DType::BF16 if v.is_finite() => format!("bfloat({})", f32_literal(v as f32)),
            d => format!("as_type<{}>((ushort)0x{:04x})", d.msl_name(), c.bits as u16),
        }
    }

    fn long_suffixes(&self) -> (&'static str, &'static str) {
        ("l", "ul")
    }

    fn unary_call(&self, op: UnaryOp, fast: bool, x: &str, needs: &mut Needs) -> String {
        use UnaryOp::*;
        let ns = if fast && op.has_fast_variant() { "fast" } else { "precise" };
        let helper = |needs: &mut Needs, h: Helper, name: &str| {
            needs.helper(h);
            format!("{name}({x})")
        };
        match op {
            Exp | Exp2 | Log | Log2 | Log10 | Sqrt | Sin | Cos | Tan | Asin | Acos | Atan | Sinh | Cosh | Tanh
            | Asinh | Acosh | Atanh => format!("{ns}::{}({x})", op.name()),
            Rsqrt if fast => format!("fast::rsqrt({x})"),
            Rsqrt => format!("1.0f / precise::sqrt({x})"),
            Recip if fast => format!("fast::divide(1.0f, {x})"),
            Recip => format!("1.0f / {x}"),
            Abs => format!("fabs({x})"),
            Ceil | Floor | Round | Trunc => format!("{}({x})", op.name()),
            RoundEven => format!("rint({x})"),
            Expm1 => helper(needs, Helper::Expm1, "mt_expm1"),
            Log1p => helper(needs, Helper::Log1p, "mt_log1p"),
            Cbrt => helper(needs, Helper::Cbrt, "mt_cbrt"),
            Erf => helper(needs, Helper::Erf, "mt_erf"),
            Erfinv => helper(needs, Helper::Erfinv, "mt_erfinv"),
            // Not float math (the printer handles them); spelled for completeness.
            Neg => format!("-{x}"),
            Not | IsNan | IsInf | IsFinite | PopCount | LeadingZeros | TrailingZeros => x.to_string(),
        }
    }

    fn binary_fn(&self, op: BinaryOp) -> &'static str {
        match op {
            // The precise variants return the other operand for one NaN (IEEE maxNum) even when
            // the library is compiled with fast math, where plain fmax may not.
            BinaryOp::Max => "precise::fmax",
            BinaryOp::Min => "precise::fmin",
            BinaryOp::Rem => "fmod",
            BinaryOp::Pow => "precise::pow",
            BinaryOp::Atan2 => "precise::atan2",
            _ => "",
        }
    }

    fn fma_fn(&self) -> &'static str {
        "fma"
    }

    fn classify_fn(&self, op: UnaryOp) -> &'static str {
        match op {
            UnaryOp::IsInf => "isinf",
            UnaryOp::IsFinite => "isfinite",
            _ => "isnan",
        }
    }

    fn bit_count(&self, op: UnaryOp, _d: DType, x: &str) -> String {
        // Metal's popcount/clz/ctz count within the operand's own width; clz/ctz of 0 give it.
        let f = match op {
            UnaryOp::PopCount => "popcount",
            UnaryOp::LeadingZeros => "clz",
            _ => "ctz",
        };
        format!("(uint){f}({x})")
    }

    fn bitcast(&self, _from: DType, to: DType, x: &str) -> String {
        format!("as_type<{}>({x})", to.msl_name())
    }

    fn ldexp_fn(&self) -> &'static str {
        "ldexp"
    }

    fn clz64(&self, x: &str) -> String {
        format!("(uint)clz({x})")
    }

    fn builtin(&self, b: Builtin, needs: &mut Needs) -> String {
        let p = crate::dialect::BuiltinParam::of(b);
        needs.builtins.insert(p);
        match b {
            Builtin::GlobalId(a)
            | Builtin::LocalId(a)
            | Builtin::GroupId(a)
            | Builtin::GroupSize(a)
            | Builtin::NumGroups(a)
            | Builtin::GridSize(a) => format!("{}.{}", p.name(), a.name()),
            _ => p.name().to_string(),
        }
    }

    fn lane(&self, needs: &mut Needs) -> String {
        self.builtin(Builtin::Lane, needs)
    }

    fn array_decl(&self, a: &ArrayDecl, name: &str, align: u32) -> String {
        let align = if align > a.dtype.size_bytes() as u32 { format!("alignas({align}) ") } else { String::new() };
        let space = match a.space {
            ArraySpace::Threadgroup => "threadgroup ",
            ArraySpace::Private => "",
        };
        format!("{align}{space}{} {name}[{}];", a.dtype.msl_name(), a.len)
    }

    fn vector_ref(&self, space: Space, writable: bool, vector_type: &str, base: &str, index: &str) -> String {
        let c = if space == Space::Device && !writable { " const" } else { "" };
        format!("*(({}{c} {vector_type}*)({base} + {index}))", space_name(space))
    }

    fn barrier(&self, scope: BarrierScope) -> &'static str {
        match scope {
            BarrierScope::Threadgroup => "threadgroup_barrier(mem_flags::mem_threadgroup | mem_flags::mem_device);",
            BarrierScope::Simdgroup => "simdgroup_barrier(mem_flags::mem_threadgroup);",
        }
    }

    fn atomic(&self, op: AtomicOp, space: Space, d: DType, base: &str, index: &str, value: &str) -> String {
        let f = match op {
            AtomicOp::Add => "atomic_fetch_add_explicit",
            AtomicOp::Min => "atomic_fetch_min_explicit",
            AtomicOp::Max => "atomic_fetch_max_explicit",
            AtomicOp::And => "atomic_fetch_and_explicit",
            AtomicOp::Or => "atomic_fetch_or_explicit",
            AtomicOp::Xor => "atomic_fetch_xor_explicit",
            AtomicOp::Exchange => "atomic_exchange_explicit",
        };
        format!(
            "{f}(({} atomic_{}*)({base} + {index}), {value}, memory_order_relaxed)",
            space_name(space),
            d.msl_name()
        )
    }

    fn atomic_cas(&self, c: &Cas<'_>) -> Vec<String> {
        let ptr = format!("({} atomic_{}*)({} + {})", space_name(c.space), c.dtype.msl_name(), c.base, c.index);
        vec![
            format!("{} {} = {};", c.ty, c.old, c.expected),
            "// A weak compare-exchange may fail spuriously: retry until it succeeds or sees another value.".into(),
            format!(
                "while (!atomic_compare_exchange_weak_explicit({ptr}, &{}, {}, memory_order_relaxed, memory_order_relaxed) && {} == {}) {{",
                c.old, c.desired, c.old, c.expected
            ),
            "}".into(),
        ]
    }

    fn simd_reduce(&self, r: Reduce, d: DType, x: &str, needs: &mut Needs) -> String {
        let f = match r {
            Reduce::Sum => "simd_sum",
            Reduce::Product => "simd_product",
            Reduce::Max => "simd_max",
            Reduce::Min => "simd_min",
        };
        match d {
            DType::I64 | DType::U64 => {
                needs.helper(Helper::SimdReduce(r, d));
                format!("{}({x})", reduce_name(r, d))
            }
            DType::F32 | DType::I32 | DType::U32 => format!("{f}({x})"),
            // f16/bf16 reduce in f32 and round once.
            DType::F16 | DType::BF16 => format!("{}({f}(float({x})))", d.msl_name()),
            // Sums and products wrap: computed on uint, which has the same low bits.
            _ if matches!(r, Reduce::Sum | Reduce::Product) => format!("({}){f}((uint){x})", d.msl_name()),
            _ if d.is_signed() => format!("({}){f}((int){x})", d.msl_name()),
            _ => format!("({}){f}((uint){x})", d.msl_name()),
        }
    }

    fn simd_scan(&self, s: Scan, d: DType, x: &str, needs: &mut Needs) -> String {
        let f = match s {
            Scan::Inclusive => "simd_prefix_inclusive_sum",
            Scan::Exclusive => "simd_prefix_exclusive_sum",
        };
        match d {
            DType::I64 | DType::U64 => {
                needs.helper(Helper::SimdScan(s, d));
                let lane = self.lane(needs);
                format!("{}({x}, {lane})", scan_name(s, d))
            }
            DType::F32 | DType::U32 => format!("{f}({x})"),
            DType::F16 | DType::BF16 => format!("{}({f}(float({x})))", d.msl_name()),
            _ => format!("({}){f}((uint){x})", d.msl_name()),
        }
    }

    fn simd_move(&self, op: SimdOp, d: DType, x: &str, lane: &LaneOperand, needs: &mut Needs) -> String {
        let l = match lane {
            // A constant operand is uniform: Metal's own functions apply.
            LaneOperand::Const(k) => {
                let f = match op {
                    SimdOp::Broadcast => "simd_broadcast",
                    SimdOp::ShuffleXor => "simd_shuffle_xor",
                    SimdOp::ShuffleUp => "simd_shuffle_up",
                    SimdOp::ShuffleDown => "simd_shuffle_down",
                    _ => "simd_shuffle",
                };
                return carried(f, d, x, &format!("(ushort){k}"));
            }
            LaneOperand::Var(l) => l,
        };
        // Metal requires the mask or delta of simd_shuffle_xor/up/down to be the same on every
        // lane; the IR does not, so a variable one becomes a source lane for simd_shuffle.
        let me = self.lane(needs);
        let src = match op {
            SimdOp::Broadcast => return carried("simd_broadcast", d, x, &format!("(ushort)({l} & 31u)")),
            SimdOp::ShuffleXor => format!("{me} ^ ({l} & 31u)"),
            SimdOp::ShuffleUp => format!("{me} >= {l} ? {me} - {l} : {me}"),
            SimdOp::ShuffleDown => format!("{l} < 32u - {me} ? {me} + {l} : {me}"),
            _ => format!("{l} & 31u"),
        };
        carried("simd_shuffle", d, x, &format!("(ushort)({src})"))
    }

    fn simd_any_all(&self, all: bool, x: &str) -> String {
        format!("{}({x})", if all { "simd_all" } else { "simd_any" })
    }

    fn simd_ballot(&self, x: &str) -> String {
        format!("(uint)((simd_vote::vote_t)simd_ballot({x}))")
    }

    fn shuffle_xor_for_helper(&self, d: DType, x: &str, mask: &str) -> String {
        carried("simd_shuffle_xor", d, x, &format!("(ushort){mask}"))
    }

    fn shuffle_up_for_helper(&self, d: DType, x: &str, delta: &str) -> String {
        carried("simd_shuffle_up", d, x, &format!("(ushort){delta}"))
    }

    fn helper_qualifiers(&self) -> &'static str {
        "static inline"
    }

    fn own_helper(&self, h: Helper) -> Option<String> {
        match h {
            Helper::Expm1 => Some(EXPM1.to_string()),
            Helper::Log1p => Some(LOG1P.to_string()),
            Helper::Cbrt => Some(CBRT.to_string()),
            Helper::Erf => Some(erf()),
            Helper::Erfinv => Some(ERFINV.to_string()),
            _ => None,
        }
    }

    fn file(&self, k: &Kernel, parts: &FileParts<'_>, needs: &crate::dialect::Needs) -> String {
        let mut params: Vec<String> = k
            .params
            .iter()
            .zip(parts.params)
            .enumerate()
            .map(|(i, (p, name))| {
                let t = p.dtype.msl_name();
                match p.kind {
                    ParamKind::Buffer { mutable: false } => format!("device const {t}* {name} [[buffer({i})]]"),
                    ParamKind::Buffer { mutable: true } => format!("device {t}* {name} [[buffer({i})]]"),
                    ParamKind::Scalar => format!("constant {t}& {name} [[buffer({i})]]"),
                }
            })
            .collect();
        for b in &needs.builtins {
            use crate::dialect::BuiltinParam as B;
            let (t, attr) = match b {
                B::GlobalId => ("uint3", "thread_position_in_grid"),
                B::LocalId => ("uint3", "thread_position_in_threadgroup"),
                B::GroupId => ("uint3", "threadgroup_position_in_grid"),
                B::GroupSize => ("uint3", "threads_per_threadgroup"),
                B::NumGroups => ("uint3", "threadgroups_per_grid"),
                B::GridSize => ("uint3", "threads_per_grid"),
                B::LocalIndex => ("uint", "thread_index_in_threadgroup"),
                B::Lane => ("uint", "thread_index_in_simdgroup"),
                B::SimdGroup => ("uint", "simdgroup_index_in_threadgroup"),
                B::NumSimdGroups => ("uint", "simdgroups_per_threadgroup"),
            };
            params.push(format!("{t} {} [[{attr}]]", b.name()));
        }
        let mut s = format!(
            "// MetalTile kernel `{}` for Metal (MSL 3.1). Generated: do not edit.\n\
             #include <metal_stdlib>\n\
             using namespace metal;\n\n",
            k.name
        );
        for h in parts.helpers {
            s.push_str(h);
            s.push('\n');
        }
        if params.is_empty() {
            s.push_str(&format!("kernel void {}() {{\n", parts.name));
        } else {
            s.push_str(&format!("kernel void {}(\n{}) {{\n", parts.name, join_lines(&params, "    ", ",\n")));
        }
        s.push_str(parts.body);
        s.push_str("}\n");
        s
    }

    fn threadgroup_memory_limit(&self) -> usize {
        32 * 1024
    }
}

pub(crate) const EXPM1: &str = "\
// e^x - 1 for f32 (Metal has no expm1): exp(x) - 1 corrected by x / log(exp(x)) (Kahan), which
// keeps the relative accuracy for small x that the plain difference loses. The correction is
// a ratio near 1, formed first: (u - 1) * x overflows from x ≈ 84 on, where u does not.
static inline float mt_expm1(float x) {
    const float u = precise::exp(x);
    if (u == 1.0f) {
        return x;
    }
    const float um1 = u - 1.0f;
    if (um1 == -1.0f || isinf(u)) {
        return um1;
    }
    return um1 * (x / precise::log(u));
}
";

pub(crate) const LOG1P: &str = "\
// log(1 + x) for f32 (Metal has no log1p): log(1 + x) scaled by x / ((1 + x) - 1) (Goldberg),
// which cancels the rounding of 1 + x. The scale, near 1, is formed first: log(u) * x
// overflows for x near the top of the f32 range.
static inline float mt_log1p(float x) {
    const float u = 1.0f + x;
    if (u == 1.0f) {
        return x;
    }
    if (isinf(u) && u > 0.0f) {
        return u;
    }
    return precise::log(u) * (x / (u - 1.0f));
}
";

pub(crate) const CBRT: &str = "\
// The real cube root for f32 (Metal has no cbrt): pow on |x|, one Newton step to remove the
// error of the inexact exponent 1/3, then the sign of x.
static inline float mt_cbrt(float x) {
    if (x == 0.0f || !isfinite(x)) {
        return x;
    }
    const float a = fabs(x);
    float y = precise::pow(a, 1.0f / 3.0f);
    y = (2.0f * y + a / (y * y)) / 3.0f;
    return copysign(y, x);
}
";

/// erf for f32 (Metal has none): the Maclaurin series of erf below 1, where it keeps the
/// relative accuracy near 0; the Abramowitz & Stegun 7.1.26 approximation (absolute error
/// below 1.5e-7) from 1 on. The series coefficients are computed here from their definition.
pub(crate) fn erf() -> String {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); 12 terms reach 1e-9 at |x| = 1.
    let two_over_sqrt_pi = 2.0 / std::f64::consts::PI.sqrt();
    let mut coeffs = Vec::new();
    let mut factorial = 1.0f64;
    for n in 0..12u32 {
        if n > 0 {
            factorial *= n as f64;
        }
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        coeffs.push(two_over_sqrt_pi * sign / (factorial * (2 * n + 1) as f64));
    }
    let mut series = String::new();
    let mut iter = coeffs.iter().rev();
    if let Some(c) = iter.next() {
        series.push_str(&format!("        float p = {};\n", f32_literal(*c as f32)));
    }
    for c in iter {
        series.push_str(&format!("        p = p * z + {};\n", f32_literal(*c as f32)));
    }
    format!(
        "// erf for f32 (Metal has none): its Maclaurin series below 1 (accurate relative to small results),\n\
         // Abramowitz & Stegun 7.1.26 from 1 on (absolute error below 1.5e-7).\n\
         static inline float mt_erf(float x) {{\n    \
             const float a = fabs(x);\n    \
             if (a < 1.0f) {{\n        \
                 const float z = x * x;\n\
         {series}        \
                 return x * p;\n    \
             }}\n    \
             const float t = 1.0f / (1.0f + 0.3275911f * a);\n    \
             const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));\n    \
             return copysign(1.0f - poly * precise::exp(-a * a), x);\n\
         }}\n"
    )
}

pub(crate) const ERFINV: &str = "\
// The inverse of erf for f32 (Metal has none): M. Giles' single-precision approximation
// (\"Approximating the erfinv function\", GPU Computing Gems, 2010), as the IR's reference uses.
static inline float mt_erfinv(float y) {
    const float a = fabs(y);
    if (!(a < 1.0f)) {
        return a == 1.0f ? copysign(as_type<float>(0x7f800000u), y) : as_type<float>(0x7fc00000u);
    }
    float w = -precise::log((1.0f - y) * (1.0f + y));
    float p;
    if (w < 5.0f) {
        w = w - 2.5f;
        p = 2.81022636e-08f;
        p = 3.43273939e-07f + p * w;
        p = -3.5233877e-06f + p * w;
        p = -4.39150654e-06f + p * w;
        p = 0.00021858087f + p * w;
        p = -0.00125372503f + p * w;
        p = -0.00417768164f + p * w;
        p = 0.246640727f + p * w;
        p = 1.50140941f + p * w;
    } else {
        w = precise::sqrt(w) - 3.0f;
        p = -0.000200214257f;
        p = 0.000100950558f + p * w;
        p = 0.00134934322f + p * w;
        p = -0.00367342844f + p * w;
        p = 0.00573950773f + p * w;
        p = -0.0076224613f + p * w;
        p = 0.00943887047f + p * w;
        p = 1.00167406f + p * w;
        p = 2.83297682f + p * w;
    }
    return p * y;
}
";
