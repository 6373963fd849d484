//! The result-type rule of every op: the builder assigns result types with it and the
//! verifier re-checks every inst with it.

use crate::dtype::DType;
use crate::error::{IrError, IrResult};
use crate::kernel::{Kernel, ParamKind, Ty, ValueId};
use crate::op::{Accepts, MemRef, Op, SimdOp};

fn err(op: &Op, msg: impl Into<String>) -> IrError {
    IrError::Type { op: op.mnemonic(), msg: msg.into() }
}

fn ty_of(k: &Kernel, op: &Op, v: ValueId) -> IrResult<Ty> {
    k.ty(v).ok_or_else(|| err(op, format!("operand {v} does not exist")))
}

fn scalar_of(k: &Kernel, op: &Op, v: ValueId, what: &str) -> IrResult<DType> {
    let t = ty_of(k, op, v)?;
    if t.lanes != 1 {
        return Err(err(op, format!("{what} must be a scalar, found {t}")));
    }
    Ok(t.dtype)
}

fn check_accepts(op: &Op, acc: Accepts, d: DType) -> IrResult<()> {
    if acc.contains(d) {
        Ok(())
    } else {
        Err(err(op, format!("operand has type {d}, expected {}", acc.describe())))
    }
}

fn check_index(k: &Kernel, op: &Op, index: ValueId) -> IrResult<()> {
    let d = scalar_of(k, op, index, "index")?;
    if d.is_int() {
        Ok(())
    } else {
        Err(err(op, format!("index has type {d}, expected an integer type")))
    }
}

fn mem_dtype(k: &Kernel, op: &Op, mem: MemRef, write: bool) -> IrResult<DType> {
    match mem {
        MemRef::Param(i) => {
            let p = k.params.get(i as usize).ok_or_else(|| err(op, format!("parameter #{i} does not exist")))?;
            match p.kind {
                ParamKind::Buffer { mutable } => {
                    if write && !mutable {
                        Err(err(
                            op,
                            format!("buffer `{}` is read-only (declare it `&mut [{}]` to write it)", p.name, p.dtype),
                        ))
                    } else {
                        Ok(p.dtype)
                    }
                }
                ParamKind::Scalar => Err(err(op, format!("`{}` is a scalar, not a buffer", p.name))),
            }
        }
        MemRef::Array(i) => {
            k.arrays.get(i as usize).map(|a| a.dtype).ok_or_else(|| err(op, format!("array #{i} does not exist")))
        }
    }
}

impl Op {
    /// The type of the value this op defines, or `None` if it defines none. `If` returns
    /// `None` here: its result type is the type its branches yield, checked by the verifier.
    pub fn result_ty(&self, k: &Kernel) -> IrResult<Option<Ty>> {
        let s = |d: DType| Ok(Some(Ty::scalar(d)));
        match self {
            Op::Const(c) => s(c.dtype),
            Op::Builtin(_) => s(DType::U32),
            Op::ScalarParam(i) => {
                let p = k.params.get(*i as usize).ok_or_else(|| err(self, format!("parameter #{i} does not exist")))?;
                if p.kind != ParamKind::Scalar {
                    return Err(err(self, format!("`{}` is a buffer, not a scalar", p.name)));
                }
                s(p.dtype)
            }
            Op::Unary { op, arg, fast } => {
                let d = scalar_of(k, self, *arg, "operand")?;
                check_accepts(self, op.accepts(), d)?;
                if *fast && !op.has_fast_variant() {
                    return Err(err(self, format!("`{}` has no fast variant", op.name())));
                }
                s(op.result_dtype(d))
            }
            Op::Binary { op, lhs, rhs } => {
                let a = scalar_of(k, self, *lhs, "left operand")?;
                let b = scalar_of(k, self, *rhs, "right operand")?;
                if a != b {
                    return Err(err(self, format!("operands differ in type: {a} and {b} (cast one with `as`)")));
                }
                check_accepts(self, op.accepts(), a)?;
                s(a)
            }
            Op::Cmp { lhs, rhs, .. } => {
                let a = scalar_of(k, self, *lhs, "left operand")?;
                let b = scalar_of(k, self, *rhs, "right operand")?;
                if a != b {
                    return Err(err(self, format!("operands differ in type: {a} and {b}")));
                }
                s(DType::Bool)
            }
            Op::Select { cond, on_true, on_false } => {
                let c = scalar_of(k, self, *cond, "condition")?;
                if c != DType::Bool {
                    return Err(err(self, format!("condition has type {c}, expected bool")));
                }
                let a = ty_of(k, self, *on_true)?;
                let b = ty_of(k, self, *on_false)?;
                if a != b {
                    return Err(err(self, format!("branches differ in type: {a} and {b}")));
                }
                Ok(Some(a))
            }
            Op::Fma { a, b, c } => {
                let ta = scalar_of(k, self, *a, "a")?;
                let tb = scalar_of(k, self, *b, "b")?;
                let tc = scalar_of(k, self, *c, "c")?;
                if ta != tb || ta != tc {
                    return Err(err(self, format!("operands differ in type: {ta}, {tb}, {tc}")));
                }
                check_accepts(self, Accepts::Float, ta)?;
                s(ta)
            }
            Op::Cast { arg, to } => {
                scalar_of(k, self, *arg, "operand")?;
                s(*to)
            }
            Op::Bitcast { arg, to } => {
                let d = scalar_of(k, self, *arg, "operand")?;
                if d.size_bytes() != to.size_bytes() || d.is_bool() || to.is_bool() {
                    return Err(err(self, format!("cannot reinterpret {d} as {to}: sizes differ or bool")));
                }
                s(*to)
            }
            Op::Extract { vector, lane } => {
                let t = ty_of(k, self, *vector)?;
                if t.lanes == 1 || *lane >= t.lanes {
                    return Err(err(self, format!("lane {lane} of {t}")));
                }
                s(t.dtype)
            }
            Op::MakeVector { elems } => {
                if !Ty::VECTOR_LANES.iter().any(|l| *l as usize == elems.len()) {
                    return Err(err(self, format!("vectors have 2, 4 or 8 lanes, not {}", elems.len())));
                }
                let mut d = None;
                for e in elems {
                    let t = scalar_of(k, self, *e, "element")?;
                    if d.is_some_and(|d| d != t) {
                        return Err(err(self, "elements differ in type"));
                    }
                    d = Some(t);
                }
                let d = d.ok_or_else(|| err(self, "empty vector"))?;
                if let Some(problem) = Ty::vector_problem(d, elems.len() as u8) {
                    return Err(err(self, problem));
                }
                Ok(Some(Ty::vector(d, elems.len() as u8)))
            }
            Op::Load { mem, index, lanes } => {
                check_index(k, self, *index)?;
                let d = mem_dtype(k, self, *mem, false)?;
                if *lanes > 1 {
                    if let Some(problem) = Ty::vector_problem(d, *lanes) {
                        return Err(err(self, format!("{problem} (a {lanes}-wide load of {d})")));
                    }
                }
                Ok(Some(Ty::vector(d, *lanes)))
            }
            Op::MaskedLoad { mem, index, mask, fill } => {
                check_index(k, self, *index)?;
                let d = mem_dtype(k, self, *mem, false)?;
                let m = scalar_of(k, self, *mask, "mask")?;
                if m != DType::Bool {
                    return Err(err(self, format!("mask has type {m}, expected bool")));
                }
                let f = scalar_of(k, self, *fill, "fill")?;
                if f != d {
                    return Err(err(self, format!("fill has type {f}, the buffer holds {d}")));
                }
                s(d)
            }
            Op::Store { mem, index, value } => {
                check_index(k, self, *index)?;
                let d = mem_dtype(k, self, *mem, true)?;
                let t = ty_of(k, self, *value)?;
                if t.dtype != d {
                    return Err(err(self, format!("storing {t} into `{}` of {d} (cast with `as`)", k.mem_name(*mem))));
                }
                Ok(None)
            }
            Op::Atomic { op, mem, index, value } => {
                check_index(k, self, *index)?;
                let d = mem_dtype(k, self, *mem, true)?;
                let t = scalar_of(k, self, *value, "value")?;
                if t != d {
                    return Err(err(self, format!("value has type {t}, the memory holds {d}")));
                }
                if !op.accepts(d) {
                    return Err(err(self, format!("{} is not supported on {d} on every target", op.name())));
                }
                s(d)
            }
            Op::AtomicCas { mem, index, expected, desired } => {
                check_index(k, self, *index)?;
                let d = mem_dtype(k, self, *mem, true)?;
                let e = scalar_of(k, self, *expected, "expected")?;
                let w = scalar_of(k, self, *desired, "desired")?;
                if e != d || w != d {
                    return Err(err(self, format!("operands {e}, {w} for memory of {d}")));
                }
                if !matches!(d, DType::I32 | DType::U32) {
                    return Err(err(self, format!("compare-exchange is supported on i32 and u32, not {d}")));
                }
                s(d)
            }
            Op::VarLoad(v) => {
                let decl =
                    k.vars.get(v.0 as usize).ok_or_else(|| err(self, format!("variable #{} does not exist", v.0)))?;
                Ok(Some(decl.ty))
            }
            Op::VarStore { var, value } => {
                let decl = k
                    .vars
                    .get(var.0 as usize)
                    .ok_or_else(|| err(self, format!("variable #{} does not exist", var.0)))?;
                let t = ty_of(k, self, *value)?;
                if t != decl.ty {
                    return Err(err(self, format!("assigning {t} to `{}` of type {}", decl.name, decl.ty)));
                }
                Ok(None)
            }
            Op::Barrier(_) => Ok(None),
            Op::Simd { op, arg, lane } => {
                let d = scalar_of(k, self, *arg, "operand")?;
                check_accepts(self, op.accepts(), d)?;
                if matches!(op, SimdOp::Any | SimdOp::All | SimdOp::Ballot) && d != DType::Bool {
                    return Err(err(self, format!("operand has type {d}, expected bool")));
                }
                match (op.has_lane_operand(), lane) {
                    (true, Some(l)) => {
                        let ld = scalar_of(k, self, *l, "lane")?;
                        if ld != DType::U32 {
                            return Err(err(self, format!("lane operand has type {ld}, expected u32")));
                        }
                    }
                    (false, None) => {}
                    (true, None) => return Err(err(self, "missing lane operand")),
                    (false, Some(_)) => return Err(err(self, "unexpected lane operand")),
                }
                s(op.result_dtype(d))
            }
            Op::If { cond, .. } => {
                let c = scalar_of(k, self, *cond, "condition")?;
                if c != DType::Bool {
                    return Err(err(self, format!("condition has type {c}, expected bool")));
                }
                Ok(None)
            }
            Op::For { index, start, end, step, .. } => {
                let a = scalar_of(k, self, *start, "start")?;
                let b = scalar_of(k, self, *end, "end")?;
                let c = scalar_of(k, self, *step, "step")?;
                let i = scalar_of(k, self, *index, "index")?;
                if !a.is_int() || a != b || a != c || a != i {
                    return Err(err(
                        self,
                        format!("range bounds must share one integer type: {a}..{b} step {c}, index {i}"),
                    ));
                }
                Ok(None)
            }
            Op::While { .. } | Op::Break | Op::Continue | Op::Return | Op::Yield(_) => Ok(None),
        }
    }
}
