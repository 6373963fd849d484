//! MetalTile's intermediate representation.
//!
//! A kernel is typed SSA with structured control flow: straight-line [`Block`]s of
//! [`Inst`]s, with `if`, `for` and `while` owning nested blocks. Mutable state lives in
//! typed local variables ([`VarDecl`]). Every op's properties (typing rule, effect, cost)
//! are declared with the op in [`op`] and [`typing`]; scalar semantics live in [`eval`].

pub mod builder;
pub mod constant;
pub mod def;
pub mod dtype;
pub mod error;
pub mod eval;
pub mod kernel;
pub mod launch;
pub mod op;
pub mod passes;
pub mod print;
pub mod typing;
pub mod verify;

pub use builder::Builder;
pub use constant::Constant;
pub use def::{ConstArg, ConstArgs, ConstexprInfo, KernelDef, ParamInfo, ParamInfoKind};
pub use dtype::{DType, Tolerance, ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES};
pub use error::{IrError, IrResult};
pub use kernel::{ArrayDecl, ArraySpace, Block, Inst, Kernel, Param, ParamKind, Ty, ValueId, VarDecl, VarId};
pub use launch::Geometry;
pub use op::{
    Accepts, AtomicOp, Axis, BarrierScope, BinaryOp, Builtin, CmpOp, Cost, Effect, MemRef, Op, SimdOp, UnaryOp,
};
pub use print::print_kernel;
pub use verify::verify;
