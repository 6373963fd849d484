//! CUDA C++ spellings for NVRTC (sm_80+). f16/bf16 values are stored as `__half` /
//! `__nv_bfloat16` and every operation on them goes through f32 (`__half2float`, then
//! `__float2half_rn`), which rounds once as the IR requires on every architecture.
//!
//! Vectors: `float2/4`, `int2/4`, ... where CUDA has them; `__half2` and `__nv_bfloat162` for
//! 2-wide f16/bf16; an aligned struct (`mt_f16x4`, `mt_bf16x4`, `mt_i64x4`, `mt_u64x4`) for
//! 4-wide f16/bf16 and 64-bit vectors, which CUDA lacks or deprecates. Vector accesses
//! reinterpret the element pointer as a pointer to the vector type.

use crate::dialect::{BuiltinParam, Cas, Dialect, FileParts, Helper, LaneOperand, Needs, Reduce, Scan, Space};
use crate::expr::{f32_literal, unwrap_f32_literal};
use crate::helpers::{reduce_name, scan_name};
use crate::printer::join_lines;
use crate::target::Target;
use metaltile_ir::{
    ArrayDecl, ArraySpace, AtomicOp, BarrierScope, BinaryOp, Builtin, Constant, DType, Kernel, ParamKind, SimdOp,
    UnaryOp,
};

/// The CUDA dialect.
pub(crate) struct Cuda;

const FULL_MASK: &str = "0xffffffffu";

/// A warp shuffle of dtype `d`: CUDA overloads the shuffles for 32- and 64-bit numbers,
/// `__half` and `__nv_bfloat16`; narrower integers and bool move as int.
fn shfl(f: &str, d: DType, x: &str, lane: &str) -> String {
    match d {
        DType::F32 | DType::F16 | DType::BF16 | DType::I32 | DType::U32 | DType::I64 | DType::U64 => {
            format!("{f}({FULL_MASK}, {x}, {lane})")
        }
        _ => format!("({}){f}({FULL_MASK}, (int){x}, {lane})", d.cuda_name()),
    }
}

/// The unsigned type of the same width as integer dtype `d`.
fn unsigned_name(d: DType) -> &'static str {
    match d.bits() {
        8 => "unsigned char",
        16 => "unsigned short",
        32 => "unsigned int",
        _ => "unsigned long long",
    }
}

impl Dialect for Cuda {
    fn target(&self) -> Target {
        Target::Cuda
    }

    fn scalar_type(&self, d: DType) -> &'static str {
        d.cuda_name()
    }

    fn vector_type(&self, d: DType, lanes: u8, needs: &mut Needs) -> String {
        let builtin = match (d, lanes) {
            (DType::F32, _) => "float",
            (DType::I8, _) => "char",
            (DType::U8, _) => "uchar",
            (DType::I16, _) => "short",
            (DType::U16, _) => "ushort",
            (DType::I32, _) => "int",
            (DType::U32, _) => "uint",
            (DType::I64, 2) => "longlong",
            (DType::U64, 2) => "ulonglong",
            (DType::F16, 2) => return "__half2".into(),
            (DType::BF16, 2) => return "__nv_bfloat162".into(),
            _ => {
                needs.helper(Helper::VecStruct(d, lanes));
                return crate::helpers::vec_struct_name(d, lanes);
            }
        };
        if lanes > 4 {
            needs.helper(Helper::VecStruct(d, lanes));
            return crate::helpers::vec_struct_name(d, lanes);
        }
        format!("{builtin}{lanes}")
    }

    fn make_vector(&self, vector_type: &str, elems: &[String]) -> String {
        format!("{vector_type}{{{}}}", elems.join(", "))
    }

    fn widen_float(&self, d: DType, x: &str) -> String {
        match d {
            DType::BF16 => format!("__bfloat162float({x})"),
            _ => format!("__half2float({x})"),
        }
    }

    fn narrow_float(&self, d: DType, x: &str) -> String {
        match d {
            DType::BF16 => format!("__float2bfloat16_rn({x})"),
            _ => format!("__float2half_rn({x})"),
        }
    }

    fn native_half_arith(&self) -> bool {
        false
    }

    fn half_neg(&self, _d: DType, x: &str) -> String {
        format!("__hneg({x})")
    }

    fn literal_as_float(&self, d: DType, x: &str) -> Option<String> {
        match d {
            DType::BF16 => unwrap_f32_literal(x, "__float2bfloat16_rn(", ")"),
            _ => unwrap_f32_literal(x, "__float2half_rn(", ")"),
        }
    }

    fn float_literal(&self, c: Constant) -> String {
        let v = c.as_f64();
        match c.dtype {
            DType::F32 if v.is_finite() => f32_literal(v as f32),
            DType::F32 => format!("__uint_as_float(0x{:08x}u)", c.bits as u32),
            DType::F16 if v.is_finite() => format!("__float2half_rn({})", f32_literal(v as f32)),
            DType::F16 => format!("__ushort_as_half((unsigned short)0x{:04x}u)", c.bits as u16),
            DType::BF16 if v.is_finite() => format!("__float2bfloat16_rn({})", f32_literal(v as f32)),
            _ => format!("__ushort_as_bfloat16((unsigned short)0x{:04x}u)", c.bits as u16),
        }
    }

    fn long_suffixes(&self) -> (&'static str, &'static str) {
        ("ll", "ull")
    }

    fn unary_call(&self, op: UnaryOp, fast: bool, x: &str, _needs: &mut Needs) -> String {
        use UnaryOp::*;
        let f = match (op, fast) {
            (Exp, true) => "__expf",
            (Log, true) => "__logf",
            (Log2, true) => "__log2f",
            (Sin, true) => "__sinf",
            (Cos, true) => "__cosf",
            (Rsqrt, true) => "rsqrtf",
            (Recip, true) => return format!("__fdividef(1.0f, {x})"),
            (Rsqrt, false) => return format!("1.0f / sqrtf({x})"),
            (Recip, false) => return format!("1.0f / {x}"),
            (Exp, _) => "expf",
            (Exp2, _) => "exp2f",
            (Expm1, _) => "expm1f",
            (Log, _) => "logf",
            (Log2, _) => "log2f",
            (Log10, _) => "log10f",
            (Log1p, _) => "log1pf",
            (Sqrt, _) => "sqrtf",
            (Cbrt, _) => "cbrtf",
            (Sin, _) => "sinf",
            (Cos, _) => "cosf",
            (Tan, _) => "tanf",
            (Asin, _) => "asinf",
            (Acos, _) => "acosf",
            (Atan, _) => "atanf",
            (Sinh, _) => "sinhf",
            (Cosh, _) => "coshf",
            (Tanh, _) => "tanhf",
            (Asinh, _) => "asinhf",
            (Acosh, _) => "acoshf",
            (Atanh, _) => "atanhf",
            (Erf, _) => "erff",
            (Erfinv, _) => "erfinvf",
            (Ceil, _) => "ceilf",
            (Floor, _) => "floorf",
            (Round, _) => "roundf",
            (RoundEven, _) => "rintf",
            (Trunc, _) => "truncf",
            (Abs, _) => "fabsf",
            // Not float math (the printer handles them); spelled for completeness.
            (Neg, _) => return format!("-{x}"),
            (Not | IsNan | IsInf | IsFinite | PopCount | LeadingZeros | TrailingZeros, _) => return x.to_string(),
        };
        format!("{f}({x})")
    }

    fn binary_fn(&self, op: BinaryOp) -> &'static str {
        match op {
            BinaryOp::Max => "fmaxf",
            BinaryOp::Min => "fminf",
            BinaryOp::Rem => "fmodf",
            BinaryOp::Pow => "powf",
            BinaryOp::Atan2 => "atan2f",
            _ => "",
        }
    }

    fn fma_fn(&self) -> &'static str {
        "fmaf"
    }

    fn classify_fn(&self, op: UnaryOp) -> &'static str {
        match op {
            UnaryOp::IsInf => "isinf",
            UnaryOp::IsFinite => "isfinite",
            _ => "isnan",
        }
    }

    fn bit_count(&self, op: UnaryOp, d: DType, x: &str) -> String {
        let w = d.bits();
        if w == 64 {
            let u = format!("(unsigned long long){x}");
            return match op {
                UnaryOp::PopCount => format!("(unsigned int)__popcll({u})"),
                UnaryOp::LeadingZeros => format!("(unsigned int)__clzll((long long){u})"),
                _ => format!("{u} == 0ull ? 64u : (unsigned int)__ffsll((long long){u}) - 1u"),
            };
        }
        // Zero-extend from the operand's own width so the counts are width-correct.
        let u = format!("(unsigned int)({}){x}", unsigned_name(d));
        match op {
            UnaryOp::PopCount => format!("(unsigned int)__popc({u})"),
            UnaryOp::LeadingZeros if w == 32 => format!("(unsigned int)__clz((int){x})"),
            UnaryOp::LeadingZeros => format!("(unsigned int)__clz((int)({u})) - {}u", 32 - w),
            _ => format!("{x} == 0 ? {w}u : (unsigned int)__ffs((int)({u})) - 1u"),
        }
    }

    fn bitcast(&self, from: DType, to: DType, x: &str) -> String {
        use DType::*;
        match (from, to) {
            (F32, I32) => format!("__float_as_int({x})"),
            (F32, U32) => format!("__float_as_uint({x})"),
            (I32, F32) => format!("__int_as_float({x})"),
            (U32, F32) => format!("__uint_as_float({x})"),
            (F16, I16) => format!("__half_as_short({x})"),
            (F16, U16) => format!("__half_as_ushort({x})"),
            (I16, F16) => format!("__short_as_half({x})"),
            (U16, F16) => format!("__ushort_as_half({x})"),
            (BF16, I16) => format!("__bfloat16_as_short({x})"),
            (BF16, U16) => format!("__bfloat16_as_ushort({x})"),
            (I16, BF16) => format!("__short_as_bfloat16({x})"),
            (U16, BF16) => format!("__ushort_as_bfloat16({x})"),
            (F16, BF16) => format!("__ushort_as_bfloat16(__half_as_ushort({x}))"),
            (BF16, F16) => format!("__ushort_as_half(__bfloat16_as_ushort({x}))"),
            // Integers of one width: the conversion keeps the bits.
            _ => format!("({}){x}", to.cuda_name()),
        }
    }

    fn ldexp_fn(&self) -> &'static str {
        "ldexpf"
    }

    fn clz64(&self, x: &str) -> String {
        format!("(unsigned int)__clzll((long long){x})")
    }

    fn builtin(&self, b: Builtin, needs: &mut Needs) -> String {
        match b {
            Builtin::GlobalId(a) => format!("blockIdx.{0} * blockDim.{0} + threadIdx.{0}", a.name()),
            Builtin::LocalId(a) => format!("threadIdx.{}", a.name()),
            Builtin::GroupId(a) => format!("blockIdx.{}", a.name()),
            Builtin::GroupSize(a) => format!("blockDim.{}", a.name()),
            Builtin::NumGroups(a) => format!("gridDim.{}", a.name()),
            Builtin::GridSize(a) => format!("gridDim.{0} * blockDim.{0}", a.name()),
            Builtin::LocalIndex => {
                needs.helper(Helper::LocalIndex);
                format!("{}()", BuiltinParam::LocalIndex.name())
            }
            Builtin::Lane => self.lane(needs),
            Builtin::SimdGroup => {
                needs.helper(Helper::LocalIndex);
                format!("{}() >> 5", BuiltinParam::LocalIndex.name())
            }
            Builtin::NumSimdGroups => "(blockDim.x * blockDim.y * blockDim.z + 31u) >> 5".into(),
        }
    }

    fn lane(&self, needs: &mut Needs) -> String {
        needs.helper(Helper::Lane);
        format!("{}()", BuiltinParam::Lane.name())
    }

    fn array_decl(&self, a: &ArrayDecl, name: &str, align: u32) -> String {
        let align = if align > a.dtype.size_bytes() as u32 { format!("__align__({align}) ") } else { String::new() };
        let space = match a.space {
            ArraySpace::Threadgroup => "__shared__ ",
            ArraySpace::Private => "",
        };
        format!("{space}{align}{} {name}[{}];", a.dtype.cuda_name(), a.len)
    }

    fn vector_ref(&self, space: Space, writable: bool, vector_type: &str, base: &str, index: &str) -> String {
        let c = if space == Space::Device && !writable { "const " } else { "" };
        format!("*(({c}{vector_type}*)({base} + {index}))")
    }

    fn barrier(&self, scope: BarrierScope) -> &'static str {
        match scope {
            BarrierScope::Threadgroup => "__syncthreads();",
            BarrierScope::Simdgroup => "__syncwarp();",
        }
    }

    fn atomic(&self, op: AtomicOp, _space: Space, _d: DType, base: &str, index: &str, value: &str) -> String {
        let f = match op {
            AtomicOp::Add => "atomicAdd",
            AtomicOp::Min => "atomicMin",
            AtomicOp::Max => "atomicMax",
            AtomicOp::And => "atomicAnd",
            AtomicOp::Or => "atomicOr",
            AtomicOp::Xor => "atomicXor",
            AtomicOp::Exchange => "atomicExch",
        };
        format!("{f}({base} + {index}, {value})")
    }

    fn atomic_cas(&self, c: &Cas<'_>) -> Vec<String> {
        let call = format!("atomicCAS({} + {}, {}, {})", c.base, c.index, c.expected, c.desired);
        if c.old_used {
            vec![format!("const {} {} = {call};", c.ty, c.old)]
        } else {
            vec![format!("{call};")]
        }
    }

    fn simd_reduce(&self, r: Reduce, d: DType, x: &str, needs: &mut Needs) -> String {
        needs.helper(Helper::SimdReduce(r, d));
        format!("{}({x})", reduce_name(r, d))
    }

    fn simd_scan(&self, s: Scan, d: DType, x: &str, needs: &mut Needs) -> String {
        needs.helper(Helper::SimdScan(s, d));
        let lane = self.lane(needs);
        format!("{}({x}, {lane})", scan_name(s, d))
    }

    fn simd_move(&self, op: SimdOp, d: DType, x: &str, lane: &LaneOperand, _needs: &mut Needs) -> String {
        // PTX shuffles take any per-lane operand; only its low 5 bits count, so up/down deltas
        // of 32 or more are mapped to 0 (each lane keeps its own value, as the IR says).
        let arg = match (op, lane) {
            (SimdOp::ShuffleUp | SimdOp::ShuffleDown, LaneOperand::Const(k)) => format!("{k}u"),
            (SimdOp::ShuffleUp | SimdOp::ShuffleDown, LaneOperand::Var(l)) => format!("({l} < 32u ? {l} : 0u)"),
            (_, LaneOperand::Const(k)) => k.to_string(),
            (_, LaneOperand::Var(l)) => format!("(int)({l} & 31u)"),
        };
        let name = match op {
            SimdOp::ShuffleXor => "__shfl_xor_sync",
            SimdOp::ShuffleUp => "__shfl_up_sync",
            SimdOp::ShuffleDown => "__shfl_down_sync",
            _ => "__shfl_sync",
        };
        shfl(name, d, x, &arg)
    }

    fn simd_any_all(&self, all: bool, x: &str) -> String {
        format!("{}({FULL_MASK}, {x}) != 0", if all { "__all_sync" } else { "__any_sync" })
    }

    fn simd_ballot(&self, x: &str) -> String {
        format!("__ballot_sync({FULL_MASK}, {x})")
    }

    fn shuffle_xor_for_helper(&self, d: DType, x: &str, mask: &str) -> String {
        shfl("__shfl_xor_sync", d, x, &format!("(int){mask}"))
    }

    fn shuffle_up_for_helper(&self, d: DType, x: &str, delta: &str) -> String {
        shfl("__shfl_up_sync", d, x, delta)
    }

    fn helper_qualifiers(&self) -> &'static str {
        "static __device__ __forceinline__"
    }

    fn own_helper(&self, h: Helper) -> Option<String> {
        match h {
            Helper::LocalIndex => Some(
                "// The flattened index of this thread in its block (x fastest), as Metal's\n\
                 // thread_index_in_threadgroup.\n\
                 static __device__ __forceinline__ unsigned int mt_local_index() {\n    \
                     return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);\n\
                 }\n"
                .into(),
            ),
            Helper::Lane => Some(
                "// The lane of this thread in its warp: warps are consecutive flattened indices.\n\
                 static __device__ __forceinline__ unsigned int mt_lane() {\n    \
                     return mt_local_index() & 31u;\n\
                 }\n"
                .into(),
            ),
            _ => None,
        }
    }

    fn file(&self, k: &Kernel, parts: &FileParts<'_>, _needs: &Needs) -> String {
        let params: Vec<String> = k
            .params
            .iter()
            .zip(parts.params)
            .map(|(p, name)| {
                let t = p.dtype.cuda_name();
                match p.kind {
                    ParamKind::Buffer { mutable: false } => format!("const {t}* __restrict__ {name}"),
                    ParamKind::Buffer { mutable: true } => format!("{t}* __restrict__ {name}"),
                    ParamKind::Scalar => format!("{t} {name}"),
                }
            })
            .collect();
        let mut s = format!("// MetalTile kernel `{}` for CUDA (NVRTC, sm_80+). Generated: do not edit.\n", k.name);
        if parts.uses_f16 {
            s.push_str("#include <cuda_fp16.h>\n");
        }
        if parts.uses_bf16 {
            s.push_str("#include <cuda_bf16.h>\n");
        }
        s.push('\n');
        for h in parts.helpers {
            s.push_str(h);
            s.push('\n');
        }
        if params.is_empty() {
            s.push_str(&format!("extern \"C\" __global__ void {}() {{\n", parts.name));
        } else {
            s.push_str(&format!(
                "extern \"C\" __global__ void {}(\n{}) {{\n",
                parts.name,
                join_lines(&params, "    ", ",\n")
            ));
        }
        s.push_str(parts.body);
        s.push_str("}\n");
        s
    }

    fn threadgroup_memory_limit(&self) -> usize {
        48 * 1024
    }
}
