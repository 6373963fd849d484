//! Helper functions emitted before a kernel that needs them. The ones both targets share are
//! written here once, in terms of the dialect's spellings and the shared expression rules;
//! the rest come from the dialect ([`Dialect::own_helper`]).

use crate::dialect::{Dialect, Helper, Needs, Reduce, Scan};
use crate::error::CodegenError;
use crate::expr::{float_to_int_name, signed_div_name, Cx};
use metaltile_ir::{BinaryOp, Constant, DType};

/// The definition of helper `h` (its dependencies are registered in `needs`).
pub(crate) fn text(h: Helper, d: &dyn Dialect, needs: &mut Needs, kernel: &str) -> Result<String, CodegenError> {
    if let Some(t) = d.own_helper(h) {
        return Ok(t);
    }
    let mut cx = Cx { d, needs, kernel };
    match h {
        Helper::FloatToInt(to) => Ok(float_to_int(&cx, to)),
        Helper::SignedDiv(t) => Ok(signed_div(&cx, true, t)),
        Helper::SignedRem(t) => Ok(signed_div(&cx, false, t)),
        Helper::U64ToBf16 => Ok(u64_to_bf16(&cx)),
        Helper::I64ToBf16 => Ok(i64_to_bf16(&cx)),
        Helper::SimdReduce(r, t) => simd_reduce(&mut cx, r, t),
        Helper::SimdScan(s, t) => simd_scan(&mut cx, s, t),
        Helper::VecStruct(t, lanes) => Ok(vec_struct(d, t, lanes)),
        other => Err(cx.unsupported(format!("helper {other:?}"))),
    }
}

/// The field that holds lane `lane` of a vector of `lanes`: `x y z w` in the targets' own
/// vector types (up to four lanes), `e0`..`e7` in the 8-lane structs of [`vec_struct`].
pub(crate) fn lane_field(lanes: u8, lane: u8) -> String {
    match (lanes, lane) {
        (2..=4, 0..=3) => ["x", "y", "z", "w"][lane as usize].to_string(),
        _ => format!("e{lane}"),
    }
}

/// The name of the struct standing for a vector type the target lacks.
pub(crate) fn vec_struct_name(d: DType, lanes: u8) -> String {
    format!("mt_{d}x{lanes}")
}

/// A struct standing for `lanes` × `t`, aligned to its size so that one load or store moves
/// it whole (a 16-byte access for 8 × bf16).
fn vec_struct(d: &dyn Dialect, t: DType, lanes: u8) -> String {
    let fields = (0..lanes).map(|l| lane_field(lanes, l)).collect::<Vec<_>>().join(", ");
    let align = t.size_bytes() * lanes as usize;
    let aligned = match d.target() {
        crate::Target::Cuda => format!("__align__({align})"),
        crate::Target::Msl => format!("alignas({align})"),
    };
    format!(
        "// {lanes} x {t}, aligned to its size: one access moves it whole.\n\
         struct {aligned} {} {{\n    {} {fields};\n}};\n",
        vec_struct_name(t, lanes),
        d.scalar_type(t)
    )
}

/// The accumulator dtype of collectives: f16/bf16 accumulate in f32 and round once.
pub(crate) fn acc_dtype(d: DType) -> DType {
    if d.is_float() {
        DType::F32
    } else {
        d
    }
}

/// Name of the reduction helper.
pub(crate) fn reduce_name(r: Reduce, d: DType) -> String {
    let op = match r {
        Reduce::Sum => "sum",
        Reduce::Product => "product",
        Reduce::Max => "max",
        Reduce::Min => "min",
    };
    format!("mt_simd_{op}_{d}")
}

/// Name of the prefix-sum helper.
pub(crate) fn scan_name(s: Scan, d: DType) -> String {
    match s {
        Scan::Inclusive => format!("mt_simd_prefix_sum_{d}"),
        Scan::Exclusive => format!("mt_simd_prefix_sum_exclusive_{d}"),
    }
}

fn float_to_int(cx: &Cx<'_>, to: DType) -> String {
    let q = cx.d.helper_qualifiers();
    let t = cx.d.scalar_type(to);
    let (lo, hi) = to.min_max();
    // The bounds as f32: the largest value may round up (2^31 for i32), which `>=` handles.
    let lo_f = crate::expr::f32_literal(lo as f32);
    let hi_f = crate::expr::f32_literal(hi as f32);
    let min = cx.literal(Constant::from_f64(to, lo));
    let max = cx.literal(Constant::from_f64(to, hi));
    let zero = cx.lit(to, 0);
    let isnan = cx.d.classify_fn(metaltile_ir::UnaryOp::IsNan);
    let name = float_to_int_name(to);
    format!(
        "// f32 to {to} as the IR converts: truncate toward zero, saturate, NaN to 0.\n\
         {q} {t} {name}(float x) {{\n    \
             if ({isnan}(x)) {{\n        return {zero};\n    }}\n    \
             if (x <= {lo_f}) {{\n        return {min};\n    }}\n    \
             if (x >= {hi_f}) {{\n        return {max};\n    }}\n    \
             return ({t})x;\n\
         }}\n"
    )
}

fn signed_div(cx: &Cx<'_>, div: bool, d: DType) -> String {
    let q = cx.d.helper_qualifiers();
    let t = cx.d.scalar_type(d);
    let name = signed_div_name(div, d);
    let minus_one = cx.lit(d, -1);
    if div {
        let neg = cx.wrap(d, "-", &cx.lit(d, 0), "a");
        format!(
            "// {d} division; MIN / -1 wraps to MIN as in the IR (in C it overflows).\n\
             {q} {t} {name}({t} a, {t} b) {{\n    return b == {minus_one} ? {neg} : a / b;\n}}\n"
        )
    } else {
        let zero = cx.lit(d, 0);
        format!(
            "// {d} remainder; MIN % -1 is 0 as in the IR (in C it overflows).\n\
             {q} {t} {name}({t} a, {t} b) {{\n    return b == {minus_one} ? {zero} : a % b;\n}}\n"
        )
    }
}

fn u64_to_bf16(cx: &Cx<'_>) -> String {
    let q = cx.d.helper_qualifiers();
    let (bf, u64t, u32t) = (cx.d.scalar_type(DType::BF16), cx.d.scalar_type(DType::U64), cx.d.scalar_type(DType::U32));
    let clz = cx.d.clz64("m");
    let small = cx.round_to(DType::BF16, "(float)m");
    let scaled = cx.round_to(DType::BF16, &format!("{}((float)kept, (int)shift)", cx.d.ldexp_fn()));
    let (zero, one) = (cx.lit(DType::U64, 0), cx.lit(DType::U64, 1));
    format!(
        "// An exact integer to bf16 with one rounding to nearest even (through f32 it could round twice).\n\
         {q} {bf} mt_u64_to_bf16({u64t} m) {{\n    \
             const {u32t} width = 64u - {clz};\n    \
             if (width <= 8u) {{\n        return {small};\n    }}\n    \
             const {u32t} shift = width - 8u;\n    \
             {u64t} kept = m >> shift;\n    \
             const {u64t} rest = m & (({one} << shift) - {one});\n    \
             const {u64t} half_ulp = {one} << (shift - 1u);\n    \
             if (rest > half_ulp || (rest == half_ulp && (kept & {one}) != {zero})) {{\n        kept += {one};\n    }}\n    \
             // At most 9 significant bits remain: exact in f32 and in bf16.\n    \
             return {scaled};\n\
         }}\n"
    )
}

fn i64_to_bf16(cx: &Cx<'_>) -> String {
    let q = cx.d.helper_qualifiers();
    let (bf, i64t, u64t) = (cx.d.scalar_type(DType::BF16), cx.d.scalar_type(DType::I64), cx.d.scalar_type(DType::U64));
    let neg = cx.neg_float(DType::BF16, &format!("mt_u64_to_bf16(({u64t})0 - ({u64t})x)"));
    format!(
        "{q} {bf} mt_i64_to_bf16({i64t} x) {{\n    \
             return x < 0 ? {neg} : mt_u64_to_bf16(({u64t})x);\n\
         }}\n"
    )
}

fn combine_op(r: Reduce) -> BinaryOp {
    match r {
        Reduce::Sum => BinaryOp::Add,
        Reduce::Product => BinaryOp::Mul,
        Reduce::Max => BinaryOp::Max,
        Reduce::Min => BinaryOp::Min,
    }
}

fn simd_reduce(cx: &mut Cx<'_>, r: Reduce, d: DType) -> Result<String, CodegenError> {
    let q = cx.d.helper_qualifiers();
    let (t, a) = (cx.d.scalar_type(d), acc_dtype(d));
    let at = cx.d.scalar_type(a);
    let u32t = cx.d.scalar_type(DType::U32);
    let init = cx.float_view_if(d, "x");
    let other = cx.d.shuffle_xor_for_helper(a, "acc", "offset");
    let combined = cx.binary(combine_op(r), a, "acc", "other", None)?;
    let result = cx.round_to_if(d, "acc");
    Ok(format!(
        "// A butterfly over the 32 lanes: every lane ends with the result{}.\n\
         {q} {t} {}({t} x) {{\n    \
             {at} acc = {init};\n    \
             for ({u32t} offset = 16u; offset > 0u; offset >>= 1u) {{\n        \
                 const {at} other = {other};\n        \
                 acc = {combined};\n    \
             }}\n    \
             return {result};\n\
         }}\n",
        if a != d { " (accumulated in f32, rounded once)" } else { "" },
        reduce_name(r, d),
    ))
}

fn simd_scan(cx: &mut Cx<'_>, s: Scan, d: DType) -> Result<String, CodegenError> {
    let q = cx.d.helper_qualifiers();
    let (t, a) = (cx.d.scalar_type(d), acc_dtype(d));
    let at = cx.d.scalar_type(a);
    let u32t = cx.d.scalar_type(DType::U32);
    let init = cx.float_view_if(d, "x");
    let other = cx.d.shuffle_up_for_helper(a, "acc", "delta");
    let combined = cx.binary(BinaryOp::Add, a, "acc", "other", None)?;
    let tail = match s {
        Scan::Inclusive => format!("    return {};\n", cx.round_to_if(d, "acc")),
        Scan::Exclusive => {
            let before = cx.d.shuffle_up_for_helper(a, "acc", "1u");
            let zero = cx.literal(Constant::from_bits(a, 0));
            let r = cx.round_to_if(d, &format!("lane == 0u ? {zero} : before"));
            format!("    const {at} before = {before};\n    return {r};\n")
        }
    };
    Ok(format!(
        "// A Hillis-Steele scan over the 32 lanes{}.\n\
         {q} {t} {}({t} x, {u32t} lane) {{\n    \
             {at} acc = {init};\n    \
             for ({u32t} delta = 1u; delta < 32u; delta <<= 1u) {{\n        \
                 const {at} other = {other};\n        \
                 if (lane >= delta) {{\n            acc = {combined};\n        }}\n    \
             }}\n\
         {tail}\
         }}\n",
        if a != d { " (accumulated in f32, rounded once)" } else { "" },
        scan_name(s, d),
    ))
}

impl Cx<'_> {
    /// `x` as the collectives' accumulator type (f32 for f16/bf16).
    fn float_view_if(&self, d: DType, x: &str) -> String {
        if d.is_float() {
            self.float_view(d, x)
        } else {
            x.to_string()
        }
    }

    /// An accumulator back in dtype `d`.
    fn round_to_if(&self, d: DType, x: &str) -> String {
        if d.is_float() {
            self.round_to(d, x)
        } else {
            x.to_string()
        }
    }
}
