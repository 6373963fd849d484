//! The kernel: parameters, declarations and a body of structured blocks of instructions.

use crate::constant::Constant;
use crate::dtype::DType;
use crate::op::Op;
use std::fmt;

/// An SSA value. Each is defined exactly once (by an inst's result or a `For` index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub u32);

/// A typed local variable (mutable state, e.g. `let mut acc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// The type of a value: a dtype and a width of 1 (scalar), 2, 4 or 8 (vector; see
/// [`Ty::VECTOR_LANES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ty {
    pub dtype: DType,
    pub lanes: u8,
}

impl Ty {
    pub fn scalar(dtype: DType) -> Ty {
        Ty { dtype, lanes: 1 }
    }
    pub fn vector(dtype: DType, lanes: u8) -> Ty {
        Ty { dtype, lanes }
    }
    pub fn is_scalar(self) -> bool {
        self.lanes == 1
    }
    /// The widths a vector may have. Eight lanes exist for 16-byte accesses of 16-bit types
    /// (and 32-byte ones of 32-bit types); wider elements stop at four.
    pub const VECTOR_LANES: [u8; 3] = [2, 4, 8];
    /// Why a vector of `lanes` elements of `d` cannot exist, if it cannot.
    pub fn vector_problem(d: DType, lanes: u8) -> Option<String> {
        if !Ty::VECTOR_LANES.contains(&lanes) {
            Some(format!("vectors have 2, 4 or 8 lanes, not {lanes}"))
        } else if d.is_bool() && lanes != 4 {
            // Four bools are one 4-byte access (the stores of predicates); no target needs more.
            Some("vectors of bool have 4 lanes".into())
        } else if lanes == 8 && d.size_bytes() > 4 {
            Some(format!("8-lane vectors are of types of at most 4 bytes, not {d}"))
        } else {
            None
        }
    }
}

/// One instruction: an op and the value it defines, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    pub result: Option<ValueId>,
    pub op: Op,
}

/// A straight-line sequence of instructions; nested regions live inside control-flow ops.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Block {
    pub insts: Vec<Inst>,
}

impl Block {
    /// Visit every inst in this block and all nested blocks, outer before inner.
    pub fn walk(&self, f: &mut impl FnMut(&Inst)) {
        for inst in &self.insts {
            f(inst);
            for b in inst.op.blocks() {
                b.walk(f);
            }
        }
    }
    /// Mutable visit, outer before inner.
    pub fn walk_mut(&mut self, f: &mut impl FnMut(&mut Inst)) {
        for inst in &mut self.insts {
            f(inst);
            for b in inst.op.blocks_mut() {
                b.walk_mut(f);
            }
        }
    }
    /// Number of instructions, nested ones included.
    pub fn len_deep(&self) -> usize {
        let mut n = 0;
        self.walk(&mut |_| n += 1);
        n
    }
}

/// How a parameter is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// A device buffer of elements; `mutable` buffers may be written.
    Buffer { mutable: bool },
    /// A runtime scalar, the same for every thread.
    Scalar,
}

/// A kernel parameter in signature order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub dtype: DType,
    pub kind: ParamKind,
}

/// Where an array declared inside a kernel lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArraySpace {
    /// Shared by the threads of a threadgroup.
    Threadgroup,
    /// One copy per thread.
    Private,
}

/// A fixed-size array declared inside a kernel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayDecl {
    pub name: String,
    pub dtype: DType,
    pub len: u32,
    pub space: ArraySpace,
}

/// A local variable declaration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarDecl {
    pub name: String,
    pub ty: Ty,
}

/// A kernel in IR form, specialized for one dtype and one set of constexpr values.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// Deterministic target name: `<base>_<dtype>` (or `<base>` when not generic).
    pub name: String,
    /// The Rust function's name.
    pub base_name: String,
    /// The element type the generic parameter was instantiated with, if any.
    pub dtype: Option<DType>,
    pub params: Vec<Param>,
    /// Constexpr values this instance was specialized with, in declaration order.
    pub constexprs: Vec<(String, Constant)>,
    pub arrays: Vec<ArrayDecl>,
    pub vars: Vec<VarDecl>,
    /// Type of every value, indexed by `ValueId`.
    pub values: Vec<Ty>,
    /// Optional source names of values (from `let` bindings), indexed by `ValueId`.
    pub value_names: Vec<Option<String>>,
    pub body: Block,
}

impl Kernel {
    /// The type of a value; `None` for an id this kernel never defined.
    pub fn ty(&self, v: ValueId) -> Option<Ty> {
        self.values.get(v.0 as usize).copied()
    }

    /// A fresh value id of the given type (used by the builder and by passes).
    pub fn new_value(&mut self, ty: Ty) -> ValueId {
        let id = ValueId(self.values.len() as u32);
        self.values.push(ty);
        self.value_names.push(None);
        id
    }

    /// Element dtype of a memory reference, if it exists.
    pub fn mem_dtype(&self, mem: crate::op::MemRef) -> Option<DType> {
        match mem {
            crate::op::MemRef::Param(i) => self.params.get(i as usize).map(|p| p.dtype),
            crate::op::MemRef::Array(i) => self.arrays.get(i as usize).map(|a| a.dtype),
        }
    }

    /// Human name of a memory reference for messages and emitted code.
    pub fn mem_name(&self, mem: crate::op::MemRef) -> String {
        match mem {
            crate::op::MemRef::Param(i) => {
                self.params.get(i as usize).map_or_else(|| format!("param#{i}"), |p| p.name.clone())
            }
            crate::op::MemRef::Array(i) => {
                self.arrays.get(i as usize).map_or_else(|| format!("array#{i}"), |a| a.name.clone())
            }
        }
    }

    /// True when any simdgroup collective is used (launches then need threadgroup sizes
    /// that are a multiple of 32).
    pub fn uses_simd_collectives(&self) -> bool {
        let mut found = false;
        self.body.walk(&mut |i| {
            if matches!(i.op, Op::Simd { .. }) {
                found = true
            }
        });
        found
    }

    /// True when a threadgroup barrier or threadgroup array is used.
    pub fn uses_threadgroup_memory(&self) -> bool {
        self.arrays.iter().any(|a| a.space == ArraySpace::Threadgroup)
    }

    /// Bytes of threadgroup memory the kernel declares.
    pub fn threadgroup_memory_bytes(&self) -> usize {
        self.arrays
            .iter()
            .filter(|a| a.space == ArraySpace::Threadgroup)
            .map(|a| a.len as usize * a.dtype.size_bytes())
            .sum()
    }

    /// Index of the parameter with this name.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}
