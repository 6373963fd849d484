//! What differs between the targets. The printer decides *what* to compute (shared C
//! semantics: wrapping integers, f16/bf16 through f32, saturating casts); a dialect decides
//! how each piece is *spelled* in its language and library.

use crate::target::Target;
use metaltile_ir::{ArrayDecl, AtomicOp, BarrierScope, BinaryOp, Builtin, Constant, DType, Kernel, SimdOp, UnaryOp};
use std::collections::BTreeSet;

/// The memory a pointer points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Space {
    /// A buffer parameter.
    Device,
    /// A threadgroup (shared) array.
    Threadgroup,
    /// A thread-private array.
    Private,
}

/// A simdgroup reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reduce {
    Sum,
    Product,
    Max,
    Min,
}

/// A simdgroup prefix sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scan {
    Inclusive,
    Exclusive,
}

/// A function emitted before the kernel because the kernel needs it. The variant order is the
/// order of emission: a helper only calls helpers declared before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Helper {
    /// CUDA: the flattened index of the thread in its block.
    LocalIndex,
    /// CUDA: the lane of the thread in its warp.
    Lane,
    /// An aligned struct for a vector type the target has no (non-deprecated) built-in for:
    /// CUDA's 16-bit and 4-lane 64-bit vectors, and every 8-lane vector.
    VecStruct(DType, u8),
    /// Float to this integer type: truncate, saturate, NaN to 0.
    FloatToInt(DType),
    /// Signed division that wraps `MIN / -1` instead of overflowing.
    SignedDiv(DType),
    /// Signed remainder that gives 0 for `MIN % -1` instead of overflowing.
    SignedRem(DType),
    /// An unsigned 64-bit integer to bf16 with one rounding.
    U64ToBf16,
    /// A signed 64-bit integer to bf16 with one rounding.
    I64ToBf16,
    /// MSL: functions the Metal library lacks.
    Expm1,
    Log1p,
    Cbrt,
    Erf,
    Erfinv,
    /// A simdgroup reduction the target has no (suitable) built-in for.
    SimdReduce(Reduce, DType),
    /// A simdgroup prefix sum the target has no built-in for.
    SimdScan(Scan, DType),
}

/// Builtin kernel inputs, as the MSL signature declares them (one per attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum BuiltinParam {
    GlobalId,
    LocalId,
    GroupId,
    GroupSize,
    NumGroups,
    GridSize,
    LocalIndex,
    Lane,
    SimdGroup,
    NumSimdGroups,
}

impl BuiltinParam {
    pub(crate) fn of(b: Builtin) -> BuiltinParam {
        match b {
            Builtin::GlobalId(_) => BuiltinParam::GlobalId,
            Builtin::LocalId(_) => BuiltinParam::LocalId,
            Builtin::GroupId(_) => BuiltinParam::GroupId,
            Builtin::GroupSize(_) => BuiltinParam::GroupSize,
            Builtin::NumGroups(_) => BuiltinParam::NumGroups,
            Builtin::GridSize(_) => BuiltinParam::GridSize,
            Builtin::LocalIndex => BuiltinParam::LocalIndex,
            Builtin::Lane => BuiltinParam::Lane,
            Builtin::SimdGroup => BuiltinParam::SimdGroup,
            Builtin::NumSimdGroups => BuiltinParam::NumSimdGroups,
        }
    }

    /// The name of the parameter or helper that provides it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BuiltinParam::GlobalId => "mt_global_id",
            BuiltinParam::LocalId => "mt_local_id",
            BuiltinParam::GroupId => "mt_group_id",
            BuiltinParam::GroupSize => "mt_group_size",
            BuiltinParam::NumGroups => "mt_num_groups",
            BuiltinParam::GridSize => "mt_grid_size",
            BuiltinParam::LocalIndex => "mt_local_index",
            BuiltinParam::Lane => "mt_lane",
            BuiltinParam::SimdGroup => "mt_simdgroup",
            BuiltinParam::NumSimdGroups => "mt_num_simdgroups",
        }
    }
}

/// What a kernel needs besides its body; collected while the body is printed.
#[derive(Default)]
pub(crate) struct Needs {
    pub helpers: BTreeSet<Helper>,
    pub builtins: BTreeSet<BuiltinParam>,
}

impl Needs {
    /// Require a helper and the helpers it calls.
    pub(crate) fn helper(&mut self, h: Helper) {
        match h {
            Helper::I64ToBf16 => self.helper(Helper::U64ToBf16),
            Helper::Lane => self.helper(Helper::LocalIndex),
            _ => {}
        }
        self.helpers.insert(h);
    }
}

/// The lane operand of a data movement collective, as the IR defines it: for shuffle,
/// broadcast and xor a lane taken modulo 32; for up and down a delta, where 32 or more keeps
/// every lane's own value (constants of 32 or more never reach the dialect).
pub(crate) enum LaneOperand {
    /// A constant, already reduced modulo 32 (shuffle, broadcast, xor) or below 32 (up, down).
    Const(u32),
    /// A u32 expression, possibly different on each lane.
    Var(String),
}

/// A compare-exchange to spell (see [`Dialect::atomic_cas`]).
pub(crate) struct Cas<'a> {
    pub space: Space,
    pub dtype: DType,
    pub ty: &'a str,
    pub base: &'a str,
    pub index: &'a str,
    pub old: &'a str,
    pub old_used: bool,
    pub expected: &'a str,
    pub desired: &'a str,
}

/// The pieces of a file, printed by the shared printer, assembled by the dialect.
pub(crate) struct FileParts<'a> {
    /// The kernel's function name.
    pub name: &'a str,
    /// Parameter names, parallel to `Kernel::params`.
    pub params: &'a [String],
    /// Helper function definitions, in order.
    pub helpers: &'a [String],
    /// The kernel body, indented, without braces.
    pub body: &'a str,
    /// The kernel uses an f16 or bf16 type somewhere.
    pub uses_f16: bool,
    pub uses_bf16: bool,
}

/// The spellings of one target language.
pub(crate) trait Dialect {
    fn target(&self) -> Target;

    // Types.
    fn scalar_type(&self, d: DType) -> &'static str;
    /// A 2- or 4-wide vector type (may require a helper struct).
    fn vector_type(&self, d: DType, lanes: u8, needs: &mut Needs) -> String;
    /// A vector value from its elements.
    fn make_vector(&self, vector_type: &str, elems: &[String]) -> String;

    // f16 and bf16.
    /// `x` of f16/bf16 type `d` as f32 (exact).
    fn widen_float(&self, d: DType, x: &str) -> String;
    /// The f32 expression `x` rounded to f16/bf16 `d` (to nearest even).
    fn narrow_float(&self, d: DType, x: &str) -> String;
    /// True when `+ - * /`, unary `-` and comparisons may be written directly on f16/bf16
    /// (each rounds once, as the IR requires).
    fn native_half_arith(&self) -> bool;
    /// Sign flip of an f16/bf16 value (when arithmetic is not native).
    fn half_neg(&self, d: DType, x: &str) -> String;
    /// When `x` is this dialect's spelling of an f16/bf16 literal, the same value as an f32
    /// literal (exact: both types widen to f32 without rounding).
    fn literal_as_float(&self, d: DType, x: &str) -> Option<String>;

    // Literals.
    /// A literal of a float dtype (finite or not), usable as an operand.
    fn float_literal(&self, c: Constant) -> String;
    /// Suffixes of 64-bit signed and unsigned integer literals.
    fn long_suffixes(&self) -> (&'static str, &'static str);

    // Math.
    /// The f32 math op `op` (its `fast` variant when asked) applied to `x`: every float
    /// unary op except neg and the classification ops. May register a helper.
    fn unary_call(&self, op: UnaryOp, fast: bool, x: &str, needs: &mut Needs) -> String;
    /// The f32 function of a binary math op (max, min, rem, pow, atan2).
    fn binary_fn(&self, op: BinaryOp) -> &'static str;
    /// The f32 fused multiply-add function.
    fn fma_fn(&self) -> &'static str;
    /// `f(x)` for the f32 classification functions isnan/isinf/isfinite.
    fn classify_fn(&self, op: UnaryOp) -> &'static str;
    /// Population count, leading or trailing zeros of integer `x` of dtype `d`, as u32.
    fn bit_count(&self, op: UnaryOp, d: DType, x: &str) -> String;
    /// Reinterpret `x` of dtype `from` as `to` (same size).
    fn bitcast(&self, from: DType, to: DType, x: &str) -> String;
    /// `ldexp` on f32.
    fn ldexp_fn(&self) -> &'static str;
    /// Leading zeros of a u64 expression, as u32.
    fn clz64(&self, x: &str) -> String;

    // The kernel.
    /// The u32 value of a launch builtin.
    fn builtin(&self, b: Builtin, needs: &mut Needs) -> String;
    /// The lane index (u32) as helpers need it.
    fn lane(&self, needs: &mut Needs) -> String;
    /// Declaration of an array at the top of the kernel body; `align` is the byte alignment
    /// vector accesses need (0: none beyond the element's).
    fn array_decl(&self, a: &ArrayDecl, name: &str, align: u32) -> String;
    /// An lvalue for a vector of type `vector_type` at `base + index`.
    fn vector_ref(&self, space: Space, writable: bool, vector_type: &str, base: &str, index: &str) -> String;
    fn barrier(&self, scope: BarrierScope) -> &'static str;
    /// An atomic read-modify-write of element `base[index]` returning the old value.
    fn atomic(&self, op: AtomicOp, space: Space, d: DType, base: &str, index: &str, value: &str) -> String;
    /// Statements of a compare-exchange of `base[index]` that declare `old` (of type `ty`)
    /// holding the value before the operation; `old_used` is false when nothing reads it.
    fn atomic_cas(&self, c: &Cas<'_>) -> Vec<String>;

    // Simdgroup collectives.
    /// Sum, product, max or min over the simdgroup; every lane gets the result.
    fn simd_reduce(&self, r: Reduce, d: DType, x: &str, needs: &mut Needs) -> String;
    /// Inclusive or exclusive prefix sum.
    fn simd_scan(&self, s: Scan, d: DType, x: &str, needs: &mut Needs) -> String;
    /// A data movement collective (shuffle, broadcast, shuffle xor/up/down) of `x`.
    fn simd_move(&self, op: SimdOp, d: DType, x: &str, lane: &LaneOperand, needs: &mut Needs) -> String;
    fn simd_any_all(&self, all: bool, x: &str) -> String;
    fn simd_ballot(&self, x: &str) -> String;
    /// Value of lane `lane ^ mask` for the accumulator type of helpers (f32 for f16/bf16).
    fn shuffle_xor_for_helper(&self, d: DType, x: &str, mask: &str) -> String;
    /// Value of lane `lane - delta` for helpers.
    fn shuffle_up_for_helper(&self, d: DType, x: &str, delta: &str) -> String;

    // The file.
    /// Qualifiers of a helper function definition (`static inline`, ...).
    fn helper_qualifiers(&self) -> &'static str;
    /// A helper only this dialect emits; `None` when the shared generator writes it.
    fn own_helper(&self, h: Helper) -> Option<String>;
    /// The whole file.
    fn file(&self, k: &Kernel, parts: &FileParts<'_>, needs: &Needs) -> String;
    /// Largest threadgroup memory (bytes) a kernel may declare statically.
    fn threadgroup_memory_limit(&self) -> usize;
}
