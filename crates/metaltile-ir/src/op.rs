//! The op set. Each op's properties — operand types it accepts, the type of its result,
//! whether it has side effects, whether it is convergent, its cost class — are declared
//! here, beside the op, and every pass, the verifier and the builder read them from here.

use crate::constant::Constant;
use crate::dtype::DType;
use crate::kernel::{Block, Ty, ValueId, VarId};
use std::fmt;

/// One of the three axes of a 3-D position or size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    pub const ALL: [Axis; 3] = [Axis::X, Axis::Y, Axis::Z];
    pub fn index(self) -> usize {
        match self {
            Axis::X => 0,
            Axis::Y => 1,
            Axis::Z => 2,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Axis::X => "x",
            Axis::Y => "y",
            Axis::Z => "z",
        }
    }
}

/// Launch builtins. All are `u32`. Positions count threads unless the name says groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// Metal `thread_position_in_grid`; CUDA `blockIdx*blockDim+threadIdx`.
    GlobalId(Axis),
    /// Position of the thread inside its threadgroup.
    LocalId(Axis),
    /// Position of the threadgroup in the grid.
    GroupId(Axis),
    /// Threads per threadgroup.
    GroupSize(Axis),
    /// Threadgroups per grid.
    NumGroups(Axis),
    /// Threads per grid (NumGroups * GroupSize).
    GridSize(Axis),
    /// Flattened index of the thread inside its threadgroup (x fastest).
    LocalIndex,
    /// Index of the thread inside its simdgroup, 0..32.
    Lane,
    /// Index of the simdgroup inside its threadgroup.
    SimdGroup,
    /// Simdgroups per threadgroup.
    NumSimdGroups,
}

impl Builtin {
    /// True when every thread of a threadgroup sees the same value.
    pub fn is_group_uniform(self) -> bool {
        matches!(
            self,
            Builtin::GroupId(_)
                | Builtin::GroupSize(_)
                | Builtin::NumGroups(_)
                | Builtin::GridSize(_)
                | Builtin::NumSimdGroups
        )
    }
    pub fn name(self) -> String {
        match self {
            Builtin::GlobalId(a) => format!("global_id.{}", a.name()),
            Builtin::LocalId(a) => format!("local_id.{}", a.name()),
            Builtin::GroupId(a) => format!("group_id.{}", a.name()),
            Builtin::GroupSize(a) => format!("group_size.{}", a.name()),
            Builtin::NumGroups(a) => format!("num_groups.{}", a.name()),
            Builtin::GridSize(a) => format!("grid_size.{}", a.name()),
            Builtin::LocalIndex => "local_index".into(),
            Builtin::Lane => "lane".into(),
            Builtin::SimdGroup => "simdgroup".into(),
            Builtin::NumSimdGroups => "num_simdgroups".into(),
        }
    }
}

/// The set of dtypes an operand may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepts {
    Float,
    Int,
    IntOrBool,
    Numeric,
    Any,
}

impl Accepts {
    pub fn contains(self, d: DType) -> bool {
        match self {
            Accepts::Float => d.is_float(),
            Accepts::Int => d.is_int(),
            Accepts::IntOrBool => d.is_int() || d.is_bool(),
            Accepts::Numeric => d.is_float() || d.is_int(),
            Accepts::Any => true,
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            Accepts::Float => "a float type (f32, f16, bf16)",
            Accepts::Int => "an integer type",
            Accepts::IntOrBool => "an integer type or bool",
            Accepts::Numeric => "a numeric type",
            Accepts::Any => "any type",
        }
    }
}

/// How expensive an op is, coarsely; used by unrolling and (later) scheduling heuristics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cost {
    Free,
    Alu,
    Transcendental,
    Memory,
    Sync,
}

macro_rules! unary_ops {
    ($( $(#[$doc:meta])* $v:ident => $name:literal, $acc:ident, $bool_result:literal, $cost:ident; )*) => {
        /// One-operand math and bit ops.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum UnaryOp { $($(#[$doc])* $v),* }
        impl UnaryOp {
            pub const ALL: &'static [UnaryOp] = &[$(UnaryOp::$v),*];
            /// The name used by the printer, the DSL method and the emitters' tables.
            pub fn name(self) -> &'static str { match self { $(UnaryOp::$v => $name),* } }
            /// Which operand dtypes the op accepts.
            pub fn accepts(self) -> Accepts { match self { $(UnaryOp::$v => Accepts::$acc),* } }
            /// True when the result is bool whatever the operand (isnan, ...).
            pub fn bool_result(self) -> bool { match self { $(UnaryOp::$v => $bool_result),* } }
            pub fn cost(self) -> Cost { match self { $(UnaryOp::$v => Cost::$cost),* } }
        }
    };
}

unary_ops! {
    Neg => "neg", Numeric, false, Alu;
    Not => "not", IntOrBool, false, Alu;
    Abs => "abs", Numeric, false, Alu;
    Exp => "exp", Float, false, Transcendental;
    Exp2 => "exp2", Float, false, Transcendental;
    Expm1 => "expm1", Float, false, Transcendental;
    Log => "log", Float, false, Transcendental;
    Log2 => "log2", Float, false, Transcendental;
    Log10 => "log10", Float, false, Transcendental;
    Log1p => "log1p", Float, false, Transcendental;
    Sqrt => "sqrt", Float, false, Transcendental;
    Rsqrt => "rsqrt", Float, false, Transcendental;
    Cbrt => "cbrt", Float, false, Transcendental;
    Recip => "recip", Float, false, Alu;
    Sin => "sin", Float, false, Transcendental;
    Cos => "cos", Float, false, Transcendental;
    Tan => "tan", Float, false, Transcendental;
    Asin => "asin", Float, false, Transcendental;
    Acos => "acos", Float, false, Transcendental;
    Atan => "atan", Float, false, Transcendental;
    Sinh => "sinh", Float, false, Transcendental;
    Cosh => "cosh", Float, false, Transcendental;
    Tanh => "tanh", Float, false, Transcendental;
    Asinh => "asinh", Float, false, Transcendental;
    Acosh => "acosh", Float, false, Transcendental;
    Atanh => "atanh", Float, false, Transcendental;
    Erf => "erf", Float, false, Transcendental;
    Erfinv => "erfinv", Float, false, Transcendental;
    Ceil => "ceil", Float, false, Alu;
    Floor => "floor", Float, false, Alu;
    /// Round half away from zero (Rust `f32::round`).
    Round => "round", Float, false, Alu;
    /// Round half to even (`rint`).
    RoundEven => "round_even", Float, false, Alu;
    Trunc => "trunc", Float, false, Alu;
    IsNan => "is_nan", Float, true, Alu;
    IsInf => "is_inf", Float, true, Alu;
    IsFinite => "is_finite", Float, true, Alu;
    PopCount => "count_ones", Int, false, Alu;
    LeadingZeros => "leading_zeros", Int, false, Alu;
    TrailingZeros => "trailing_zeros", Int, false, Alu;
}

impl UnaryOp {
    /// Ops that have a fast (less accurate) variant on the targets.
    pub fn has_fast_variant(self) -> bool {
        matches!(
            self,
            UnaryOp::Exp
                | UnaryOp::Exp2
                | UnaryOp::Log
                | UnaryOp::Log2
                | UnaryOp::Sin
                | UnaryOp::Cos
                | UnaryOp::Tanh
                | UnaryOp::Rsqrt
                | UnaryOp::Sqrt
                | UnaryOp::Recip
        )
    }
    /// Result dtype for an operand of dtype `d` (bit-count ops give u32).
    pub fn result_dtype(self, d: DType) -> DType {
        if self.bool_result() {
            DType::Bool
        } else if matches!(self, UnaryOp::PopCount | UnaryOp::LeadingZeros | UnaryOp::TrailingZeros) {
            DType::U32
        } else {
            d
        }
    }
}

macro_rules! binary_ops {
    ($( $(#[$doc:meta])* $v:ident => $name:literal, $acc:ident, $commutative:literal, $cost:ident; )*) => {
        /// Two-operand arithmetic and bit ops; both operands and the result share one type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum BinaryOp { $($(#[$doc])* $v),* }
        impl BinaryOp {
            pub const ALL: &'static [BinaryOp] = &[$(BinaryOp::$v),*];
            pub fn name(self) -> &'static str { match self { $(BinaryOp::$v => $name),* } }
            pub fn accepts(self) -> Accepts { match self { $(BinaryOp::$v => Accepts::$acc),* } }
            /// `a op b == b op a` for every a, b (bit-exact), so CSE may canonicalize.
            pub fn is_commutative(self) -> bool { match self { $(BinaryOp::$v => $commutative),* } }
            pub fn cost(self) -> Cost { match self { $(BinaryOp::$v => Cost::$cost),* } }
        }
    };
}

binary_ops! {
    Add => "add", Numeric, true, Alu;
    Sub => "sub", Numeric, false, Alu;
    Mul => "mul", Numeric, true, Alu;
    /// Integer division truncates toward zero; division by zero is an error on the
    /// interpreter and undefined on GPUs.
    Div => "div", Numeric, false, Alu;
    /// Remainder with the sign of the dividend (Rust `%`, C `fmod` for floats).
    Rem => "rem", Numeric, false, Alu;
    /// IEEE maxNum / minNum: if one operand is NaN the other is returned (Rust `f32::max`).
    Max => "max", Numeric, true, Alu;
    Min => "min", Numeric, true, Alu;
    Pow => "pow", Float, false, Transcendental;
    Atan2 => "atan2", Float, false, Transcendental;
    /// Bitwise on integers, logical on bool.
    And => "and", IntOrBool, true, Alu;
    Or => "or", IntOrBool, true, Alu;
    Xor => "xor", IntOrBool, true, Alu;
    /// Shift amounts are taken modulo the bit width on every target (Rust `wrapping_shl`).
    Shl => "shl", Int, false, Alu;
    /// Arithmetic for signed types, logical for unsigned.
    Shr => "shr", Int, false, Alu;
}

/// Comparisons; the result is bool. Float comparisons follow IEEE (NaN compares unequal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub const ALL: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }
    /// The C spelling, shared by both emitters.
    pub fn c_symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Read-modify-write atomics. All return the value before the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    Add,
    Min,
    Max,
    And,
    Or,
    Xor,
    Exchange,
}

impl AtomicOp {
    pub fn name(self) -> &'static str {
        match self {
            AtomicOp::Add => "atomic_add",
            AtomicOp::Min => "atomic_min",
            AtomicOp::Max => "atomic_max",
            AtomicOp::And => "atomic_and",
            AtomicOp::Or => "atomic_or",
            AtomicOp::Xor => "atomic_xor",
            AtomicOp::Exchange => "atomic_exchange",
        }
    }
    /// Element dtypes that both targets support for this atomic.
    pub fn accepts(self, d: DType) -> bool {
        match self {
            AtomicOp::Add | AtomicOp::Exchange => matches!(d, DType::I32 | DType::U32 | DType::F32),
            AtomicOp::Min | AtomicOp::Max | AtomicOp::And | AtomicOp::Or | AtomicOp::Xor => {
                matches!(d, DType::I32 | DType::U32)
            }
        }
    }
}

/// Simdgroup (warp) collectives over the 32 lanes of a simdgroup. Every collective must be
/// reached by all 32 lanes of the simdgroup: the interpreter reports a partial simdgroup as an
/// error, because CUDA's full-mask shuffles are undefined then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimdOp {
    Sum,
    Product,
    Max,
    Min,
    /// Inclusive prefix sum over lanes 0..=lane.
    PrefixSum,
    /// Exclusive prefix sum over lanes 0..lane (lane 0 gets 0).
    PrefixSumExclusive,
    /// Value of the lane named by the operand (u32, taken modulo 32).
    Shuffle,
    /// Value of lane `lane ^ operand`.
    ShuffleXor,
    /// Value of lane `lane - operand`; lanes below `operand` keep their own value.
    ShuffleUp,
    /// Value of lane `lane + operand`; lanes at or above `32 - operand` keep their own value.
    ShuffleDown,
    /// Value of the lane named by the operand, which must be uniform.
    Broadcast,
    /// Bool: true if any lane's operand is true.
    Any,
    /// Bool: true if every lane's operand is true.
    All,
    /// u32 mask of lanes whose operand is true.
    Ballot,
}

impl SimdOp {
    pub fn name(self) -> &'static str {
        match self {
            SimdOp::Sum => "simd_sum",
            SimdOp::Product => "simd_product",
            SimdOp::Max => "simd_max",
            SimdOp::Min => "simd_min",
            SimdOp::PrefixSum => "simd_prefix_sum",
            SimdOp::PrefixSumExclusive => "simd_prefix_sum_exclusive",
            SimdOp::Shuffle => "simd_shuffle",
            SimdOp::ShuffleXor => "simd_shuffle_xor",
            SimdOp::ShuffleUp => "simd_shuffle_up",
            SimdOp::ShuffleDown => "simd_shuffle_down",
            SimdOp::Broadcast => "simd_broadcast",
            SimdOp::Any => "simd_any",
            SimdOp::All => "simd_all",
            SimdOp::Ballot => "simd_ballot",
        }
    }
    /// True when the op takes a second, u32 operand (a lane or a delta).
    pub fn has_lane_operand(self) -> bool {
        matches!(
            self,
            SimdOp::Shuffle | SimdOp::ShuffleXor | SimdOp::ShuffleUp | SimdOp::ShuffleDown | SimdOp::Broadcast
        )
    }
    pub fn accepts(self) -> Accepts {
        match self {
            SimdOp::Sum
            | SimdOp::Product
            | SimdOp::Max
            | SimdOp::Min
            | SimdOp::PrefixSum
            | SimdOp::PrefixSumExclusive => Accepts::Numeric,
            SimdOp::Any | SimdOp::All | SimdOp::Ballot => Accepts::Any,
            _ => Accepts::Any,
        }
    }
    pub fn result_dtype(self, d: DType) -> DType {
        match self {
            SimdOp::Any | SimdOp::All => DType::Bool,
            SimdOp::Ballot => DType::U32,
            _ => d,
        }
    }
}

/// Which threads a barrier synchronizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BarrierScope {
    /// Every thread of the threadgroup; orders threadgroup and device memory.
    Threadgroup,
    /// The 32 lanes of a simdgroup.
    Simdgroup,
}

/// Where a load or store goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemRef {
    /// A buffer parameter, by index into `Kernel::params`.
    Param(u32),
    /// A threadgroup or thread-private array, by index into `Kernel::arrays`.
    Array(u32),
}

/// What an op does besides computing its result. Passes decide from this alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Result depends only on operands: may be folded, deduplicated, hoisted, removed if unused.
    Pure,
    /// Reads memory or a variable: may be removed if unused, not moved across writes.
    Read,
    /// Writes memory or a variable, or synchronizes: never removed or reordered.
    Write,
    /// A simdgroup collective: result depends on other lanes; never moved across control flow.
    Convergent,
    /// Structured control flow or a terminator.
    Control,
}

/// An operation. Results (at most one) are recorded on the enclosing [`crate::Inst`].
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Const(Constant),
    Builtin(Builtin),
    /// The value of a runtime scalar parameter, by index into `Kernel::params`.
    ScalarParam(u32),
    Unary {
        op: UnaryOp,
        arg: ValueId,
        fast: bool,
    },
    Binary {
        op: BinaryOp,
        lhs: ValueId,
        rhs: ValueId,
    },
    Cmp {
        op: CmpOp,
        lhs: ValueId,
        rhs: ValueId,
    },
    Select {
        cond: ValueId,
        on_true: ValueId,
        on_false: ValueId,
    },
    /// `a * b + c` with one rounding.
    Fma {
        a: ValueId,
        b: ValueId,
        c: ValueId,
    },
    Cast {
        arg: ValueId,
        to: DType,
    },
    /// Reinterpret the bits as another dtype of the same size.
    Bitcast {
        arg: ValueId,
        to: DType,
    },
    /// One lane of a vector value.
    Extract {
        vector: ValueId,
        lane: u8,
    },
    /// A vector from 2, 4 or 8 scalars of one dtype.
    MakeVector {
        elems: Vec<ValueId>,
    },
    /// Load `lanes` consecutive elements starting at element `index`; for `lanes > 1` the index
    /// must be a multiple of `lanes` (the interpreter checks it).
    Load {
        mem: MemRef,
        index: ValueId,
        lanes: u8,
    },
    /// Load element `index` where `mask` is true; `fill` elsewhere, without touching memory.
    MaskedLoad {
        mem: MemRef,
        index: ValueId,
        mask: ValueId,
        fill: ValueId,
    },
    /// Store a scalar or vector value at element `index`.
    Store {
        mem: MemRef,
        index: ValueId,
        value: ValueId,
    },
    Atomic {
        op: AtomicOp,
        mem: MemRef,
        index: ValueId,
        value: ValueId,
    },
    /// Compare-and-exchange; returns the old value.
    AtomicCas {
        mem: MemRef,
        index: ValueId,
        expected: ValueId,
        desired: ValueId,
    },
    VarLoad(VarId),
    VarStore {
        var: VarId,
        value: ValueId,
    },
    Barrier(BarrierScope),
    Simd {
        op: SimdOp,
        arg: ValueId,
        lane: Option<ValueId>,
    },
    /// If the inst has a result, each branch ends with `Yield(Some(v))`.
    If {
        cond: ValueId,
        then_block: Block,
        else_block: Block,
    },
    /// `for index in start..end (or ..=end) step step`: `index` is defined by the loop and
    /// visible in `body`; state carried across iterations lives in variables.
    For {
        index: ValueId,
        start: ValueId,
        end: ValueId,
        step: ValueId,
        inclusive: bool,
        body: Block,
    },
    /// `cond` is re-evaluated before every iteration and ends with `Yield(Some(bool))`.
    While {
        cond: Block,
        body: Block,
    },
    Break,
    Continue,
    Return,
    /// Ends an `If` branch that produces a value, or a `While` condition.
    Yield(Option<ValueId>),
}

impl Op {
    /// The op's effect class (see [`Effect`]).
    pub fn effect(&self) -> Effect {
        match self {
            Op::Const(_)
            | Op::Builtin(_)
            | Op::ScalarParam(_)
            | Op::Unary { .. }
            | Op::Binary { .. }
            | Op::Cmp { .. }
            | Op::Select { .. }
            | Op::Fma { .. }
            | Op::Cast { .. }
            | Op::Bitcast { .. }
            | Op::Extract { .. }
            | Op::MakeVector { .. } => Effect::Pure,
            Op::Load { .. } | Op::MaskedLoad { .. } | Op::VarLoad(_) => Effect::Read,
            Op::Store { .. } | Op::Atomic { .. } | Op::AtomicCas { .. } | Op::VarStore { .. } | Op::Barrier(_) => {
                Effect::Write
            }
            Op::Simd { .. } => Effect::Convergent,
            Op::If { .. }
            | Op::For { .. }
            | Op::While { .. }
            | Op::Break
            | Op::Continue
            | Op::Return
            | Op::Yield(_) => Effect::Control,
        }
    }

    pub fn is_pure(&self) -> bool {
        self.effect() == Effect::Pure
    }

    /// True for ops after which the rest of their block never runs.
    pub fn is_terminator(&self) -> bool {
        matches!(self, Op::Break | Op::Continue | Op::Return | Op::Yield(_))
    }

    pub fn cost(&self) -> Cost {
        match self {
            Op::Const(_)
            | Op::Builtin(_)
            | Op::ScalarParam(_)
            | Op::Extract { .. }
            | Op::MakeVector { .. }
            | Op::Bitcast { .. } => Cost::Free,
            Op::Unary { op, .. } => op.cost(),
            Op::Binary { op, .. } => op.cost(),
            Op::Cmp { .. }
            | Op::Select { .. }
            | Op::Fma { .. }
            | Op::Cast { .. }
            | Op::VarLoad(_)
            | Op::VarStore { .. } => Cost::Alu,
            Op::Load { .. } | Op::MaskedLoad { .. } | Op::Store { .. } | Op::Atomic { .. } | Op::AtomicCas { .. } => {
                Cost::Memory
            }
            Op::Barrier(_) | Op::Simd { .. } => Cost::Sync,
            Op::If { .. }
            | Op::For { .. }
            | Op::While { .. }
            | Op::Break
            | Op::Continue
            | Op::Return
            | Op::Yield(_) => Cost::Free,
        }
    }

    /// The memory an op reads or writes, if any.
    pub fn memory(&self) -> Option<MemRef> {
        match self {
            Op::Load { mem, .. }
            | Op::MaskedLoad { mem, .. }
            | Op::Store { mem, .. }
            | Op::Atomic { mem, .. }
            | Op::AtomicCas { mem, .. } => Some(*mem),
            _ => None,
        }
    }

    /// Value operands, in a fixed order (the values a `For` defines are not operands).
    pub fn operands(&self) -> Vec<ValueId> {
        let mut v = Vec::new();
        self.for_each_operand(|x| v.push(x));
        v
    }

    /// Visit each value operand.
    pub fn for_each_operand(&self, mut f: impl FnMut(ValueId)) {
        match self {
            Op::Const(_) | Op::Builtin(_) | Op::ScalarParam(_) | Op::VarLoad(_) | Op::Barrier(_) => {}
            Op::Break | Op::Continue | Op::Return | Op::While { .. } => {}
            Op::Unary { arg, .. } | Op::Cast { arg, .. } | Op::Bitcast { arg, .. } => f(*arg),
            Op::Binary { lhs, rhs, .. } | Op::Cmp { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs)
            }
            Op::Select { cond, on_true, on_false } => {
                f(*cond);
                f(*on_true);
                f(*on_false)
            }
            Op::Fma { a, b, c } => {
                f(*a);
                f(*b);
                f(*c)
            }
            Op::Extract { vector, .. } => f(*vector),
            Op::MakeVector { elems } => elems.iter().for_each(|e| f(*e)),
            Op::Load { index, .. } => f(*index),
            Op::MaskedLoad { index, mask, fill, .. } => {
                f(*index);
                f(*mask);
                f(*fill)
            }
            Op::Store { index, value, .. } | Op::Atomic { index, value, .. } => {
                f(*index);
                f(*value)
            }
            Op::AtomicCas { index, expected, desired, .. } => {
                f(*index);
                f(*expected);
                f(*desired)
            }
            Op::VarStore { value, .. } => f(*value),
            Op::Simd { arg, lane, .. } => {
                f(*arg);
                if let Some(l) = lane {
                    f(*l)
                }
            }
            Op::If { cond, .. } => f(*cond),
            Op::For { start, end, step, .. } => {
                f(*start);
                f(*end);
                f(*step)
            }
            Op::Yield(v) => {
                if let Some(v) = v {
                    f(*v)
                }
            }
        }
    }

    /// Rewrite each value operand in place.
    pub fn map_operands(&mut self, mut f: impl FnMut(ValueId) -> ValueId) {
        match self {
            Op::Const(_) | Op::Builtin(_) | Op::ScalarParam(_) | Op::VarLoad(_) | Op::Barrier(_) => {}
            Op::Break | Op::Continue | Op::Return | Op::While { .. } => {}
            Op::Unary { arg, .. } | Op::Cast { arg, .. } | Op::Bitcast { arg, .. } => *arg = f(*arg),
            Op::Binary { lhs, rhs, .. } | Op::Cmp { lhs, rhs, .. } => {
                *lhs = f(*lhs);
                *rhs = f(*rhs)
            }
            Op::Select { cond, on_true, on_false } => {
                *cond = f(*cond);
                *on_true = f(*on_true);
                *on_false = f(*on_false)
            }
            Op::Fma { a, b, c } => {
                *a = f(*a);
                *b = f(*b);
                *c = f(*c)
            }
            Op::Extract { vector, .. } => *vector = f(*vector),
            Op::MakeVector { elems } => elems.iter_mut().for_each(|e| *e = f(*e)),
            Op::Load { index, .. } => *index = f(*index),
            Op::MaskedLoad { index, mask, fill, .. } => {
                *index = f(*index);
                *mask = f(*mask);
                *fill = f(*fill)
            }
            Op::Store { index, value, .. } | Op::Atomic { index, value, .. } => {
                *index = f(*index);
                *value = f(*value)
            }
            Op::AtomicCas { index, expected, desired, .. } => {
                *index = f(*index);
                *expected = f(*expected);
                *desired = f(*desired)
            }
            Op::VarStore { value, .. } => *value = f(*value),
            Op::Simd { arg, lane, .. } => {
                *arg = f(*arg);
                if let Some(l) = lane {
                    *l = f(*l)
                }
            }
            Op::If { cond, .. } => *cond = f(*cond),
            Op::For { start, end, step, .. } => {
                *start = f(*start);
                *end = f(*end);
                *step = f(*step)
            }
            Op::Yield(v) => {
                if let Some(v) = v {
                    *v = f(*v)
                }
            }
        }
    }

    /// Nested regions, in execution order of first entry.
    pub fn blocks(&self) -> Vec<&Block> {
        match self {
            Op::If { then_block, else_block, .. } => vec![then_block, else_block],
            Op::For { body, .. } => vec![body],
            Op::While { cond, body } => vec![cond, body],
            _ => vec![],
        }
    }

    pub fn blocks_mut(&mut self) -> Vec<&mut Block> {
        match self {
            Op::If { then_block, else_block, .. } => vec![then_block, else_block],
            Op::For { body, .. } => vec![body],
            Op::While { cond, body } => vec![cond, body],
            _ => vec![],
        }
    }

    /// Short mnemonic for the printer and error messages.
    pub fn mnemonic(&self) -> String {
        match self {
            Op::Const(_) => "const".into(),
            Op::Builtin(b) => b.name(),
            Op::ScalarParam(_) => "param".into(),
            Op::Unary { op, fast, .. } => {
                if *fast {
                    format!("fast_{}", op.name())
                } else {
                    op.name().into()
                }
            }
            Op::Binary { op, .. } => op.name().into(),
            Op::Cmp { op, .. } => op.name().into(),
            Op::Select { .. } => "select".into(),
            Op::Fma { .. } => "fma".into(),
            Op::Cast { .. } => "cast".into(),
            Op::Bitcast { .. } => "bitcast".into(),
            Op::Extract { .. } => "extract".into(),
            Op::MakeVector { .. } => "vector".into(),
            Op::Load { .. } => "load".into(),
            Op::MaskedLoad { .. } => "masked_load".into(),
            Op::Store { .. } => "store".into(),
            Op::Atomic { op, .. } => op.name().into(),
            Op::AtomicCas { .. } => "atomic_compare_exchange".into(),
            Op::VarLoad(_) => "var_load".into(),
            Op::VarStore { .. } => "var_store".into(),
            Op::Barrier(BarrierScope::Threadgroup) => "threadgroup_barrier".into(),
            Op::Barrier(BarrierScope::Simdgroup) => "simdgroup_barrier".into(),
            Op::Simd { op, .. } => op.name().into(),
            Op::If { .. } => "if".into(),
            Op::For { .. } => "for".into(),
            Op::While { .. } => "while".into(),
            Op::Break => "break".into(),
            Op::Continue => "continue".into(),
            Op::Return => "return".into(),
            Op::Yield(_) => "yield".into(),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lanes == 1 {
            write!(f, "{}", self.dtype)
        } else {
            write!(f, "{}x{}", self.dtype, self.lanes)
        }
    }
}
