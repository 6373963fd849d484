//! Test support: a small sequential evaluator of scalar kernels (one thread after another,
//! no barriers or collectives) built on [`crate::eval`], so pass tests can check that a
//! transformed kernel computes the same outputs as the original, plus builder shorthands.

use crate::builder::Builder;
use crate::constant::Constant;
use crate::dtype::{self, DType};
use crate::eval;
use crate::kernel::{Block, Inst, Kernel, Ty, ValueId};
use crate::op::{Axis, Builtin, MemRef, Op};
use crate::print::print_kernel;
use crate::verify::verify;
use std::collections::HashMap;

/// How a block finished.
enum Flow {
    Normal,
    Break,
    Continue,
    Return,
    Yield(Option<u64>),
}

/// Memory contents by reference, and the runtime scalars by parameter index.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct State {
    pub mem: HashMap<MemRef, Vec<u64>>,
    pub scalars: HashMap<u32, u64>,
}

struct Thread<'a> {
    k: &'a Kernel,
    tid: u64,
    vals: HashMap<ValueId, u64>,
    vars: HashMap<u32, u64>,
    state: &'a mut State,
    steps: u64,
}

/// Run `threads` threads one after another; `global_id.x == local_id.x == ` the thread's number.
pub fn execute(k: &Kernel, state: &mut State, threads: u64) -> Result<(), String> {
    for tid in 0..threads {
        let mut t = Thread { k, tid, vals: HashMap::new(), vars: HashMap::new(), state, steps: 0 };
        t.block(&k.body)?;
    }
    Ok(())
}

impl Thread<'_> {
    fn get(&self, v: ValueId) -> Result<u64, String> {
        self.vals.get(&v).copied().ok_or_else(|| format!("{v} read before it was computed"))
    }
    fn dt(&self, v: ValueId) -> Result<DType, String> {
        self.k.ty(v).map(|t| t.dtype).ok_or_else(|| format!("{v} has no type"))
    }
    fn cell(&mut self, mem: MemRef, index: ValueId) -> Result<&mut u64, String> {
        let i = dtype::bits_to_i128(self.dt(index)?, self.get(index)?);
        let m = self.state.mem.get_mut(&mem).ok_or_else(|| format!("no memory for {mem:?}"))?;
        usize::try_from(i).ok().and_then(|i| m.get_mut(i)).ok_or_else(|| format!("index {i} out of bounds"))
    }

    fn block(&mut self, b: &Block) -> Result<Flow, String> {
        for inst in &b.insts {
            self.steps += 1;
            if self.steps > 1_000_000 {
                return Err("step limit".into());
            }
            match self.inst(inst)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn inst(&mut self, inst: &Inst) -> Result<Flow, String> {
        let value = match &inst.op {
            Op::Const(c) => c.bits,
            Op::Builtin(Builtin::GlobalId(Axis::X) | Builtin::LocalId(Axis::X)) => self.tid,
            Op::Builtin(_) => 1,
            Op::ScalarParam(i) => *self.state.scalars.get(i).ok_or("missing scalar")?,
            Op::Unary { op, arg, .. } => eval::unary(*op, self.dt(*arg)?, self.get(*arg)?),
            Op::Binary { op, lhs, rhs } => {
                eval::binary(*op, self.dt(*lhs)?, self.get(*lhs)?, self.get(*rhs)?).map_err(|e| e.to_string())?
            }
            Op::Cmp { op, lhs, rhs } => u64::from(eval::compare(*op, self.dt(*lhs)?, self.get(*lhs)?, self.get(*rhs)?)),
            Op::Select { cond, on_true, on_false } => {
                self.get(if self.get(*cond)? != 0 { *on_true } else { *on_false })?
            }
            Op::Fma { a, b, c } => eval::fma(self.dt(*a)?, self.get(*a)?, self.get(*b)?, self.get(*c)?),
            Op::Cast { arg, to } => Constant { dtype: self.dt(*arg)?, bits: self.get(*arg)? }.cast(*to).bits,
            Op::Bitcast { arg, to } => eval::bitcast(self.dt(*arg)?, *to, self.get(*arg)?),
            Op::Load { mem, index, lanes: 1 } => *self.cell(*mem, *index)?,
            Op::MaskedLoad { mem, index, mask, fill } => {
                if self.get(*mask)? != 0 {
                    *self.cell(*mem, *index)?
                } else {
                    self.get(*fill)?
                }
            }
            Op::Store { mem, index, value } => {
                let v = self.get(*value)?;
                *self.cell(*mem, *index)? = v;
                return Ok(Flow::Normal);
            }
            Op::VarLoad(v) => *self.vars.get(&v.0).ok_or("variable read before written")?,
            Op::VarStore { var, value } => {
                let v = self.get(*value)?;
                self.vars.insert(var.0, v);
                return Ok(Flow::Normal);
            }
            Op::If { cond, then_block, else_block } => {
                let b = if self.get(*cond)? != 0 { then_block } else { else_block };
                match self.block(b)? {
                    Flow::Yield(Some(v)) => v,
                    Flow::Yield(None) | Flow::Normal => return Ok(Flow::Normal),
                    other => return Ok(other),
                }
            }
            Op::For { index, start, end, step, inclusive, body } => {
                let d = self.dt(*index)?;
                let at = |t: &Self, v: ValueId| t.get(v).map(|b| dtype::bits_to_i128(d, b));
                let (mut i, e, st) = (at(self, *start)?, at(self, *end)?, at(self, *step)?);
                if st <= 0 {
                    return Err("non-positive step".into());
                }
                while if *inclusive { i <= e } else { i < e } {
                    self.vals.insert(*index, dtype::i128_to_bits(d, i));
                    match self.block(body)? {
                        Flow::Break => break,
                        Flow::Return => return Ok(Flow::Return),
                        _ => {}
                    }
                    i += st;
                }
                return Ok(Flow::Normal);
            }
            Op::While { cond, body } => {
                loop {
                    match self.block(cond)? {
                        Flow::Yield(Some(0)) => break,
                        Flow::Yield(Some(_)) => {}
                        _ => return Err("while condition without a value".into()),
                    }
                    match self.block(body)? {
                        Flow::Break => break,
                        Flow::Return => return Ok(Flow::Return),
                        _ => {}
                    }
                }
                return Ok(Flow::Normal);
            }
            Op::Break => return Ok(Flow::Break),
            Op::Continue => return Ok(Flow::Continue),
            Op::Return => return Ok(Flow::Return),
            Op::Yield(v) => return Ok(Flow::Yield(v.map(|v| self.get(v)).transpose()?)),
            other => return Err(format!("the test evaluator does not run `{}`", other.mnemonic())),
        };
        if let Some(r) = inst.result {
            self.vals.insert(r, value);
        }
        Ok(Flow::Normal)
    }
}

/// Run pass `name` on a copy of `k`, check it verifies, and that it computes what `k` does
/// from `state` with `threads` threads (same memory and the same error, if any). Returns
/// the transformed kernel and whether the pass reported a change.
pub fn apply(k: &Kernel, name: &str, state: &State, threads: u64) -> (Kernel, bool) {
    let mut after = k.clone();
    let pass = super::find(name).unwrap();
    let changed = (pass.run)(&mut after).unwrap();
    verify(&after).unwrap_or_else(|e| panic!("{name} broke the kernel: {e}\n{}", print_kernel(&after)));
    let mut s1 = state.clone();
    let mut s2 = state.clone();
    let r1 = execute(k, &mut s1, threads);
    let r2 = execute(&after, &mut s2, threads);
    assert_eq!(r1, r2, "{name} changed the outcome\nbefore:\n{}\nafter:\n{}", print_kernel(k), print_kernel(&after));
    assert_eq!(s1, s2, "{name} changed the outputs\nbefore:\n{}\nafter:\n{}", print_kernel(k), print_kernel(&after));
    (after, changed)
}

/// Number of insts (nested included) for which `f` holds.
pub fn count(k: &Kernel, f: impl Fn(&Op) -> bool) -> usize {
    let mut n = 0;
    k.body.walk(&mut |i| n += usize::from(f(&i.op)));
    n
}

/// A constant value.
pub fn konst(b: &mut Builder, c: Constant) -> ValueId {
    b.value(Op::Const(c)).unwrap()
}

/// `lhs op rhs`.
pub fn bin(b: &mut Builder, op: crate::op::BinaryOp, lhs: ValueId, rhs: ValueId) -> ValueId {
    b.value(Op::Binary { op, lhs, rhs }).unwrap()
}

/// Append a `for index in start..end step step` whose body `body` builds; returns nothing.
pub fn for_loop(
    b: &mut Builder,
    start: ValueId,
    end: ValueId,
    step: ValueId,
    inclusive: bool,
    body: impl FnOnce(&mut Builder, ValueId),
) {
    let ty: Ty = b.ty(start).unwrap();
    let index = b.new_value(ty);
    b.begin_block();
    body(b, index);
    let body = b.end_block().unwrap();
    b.push_inst(Inst { result: None, op: Op::For { index, start, end, step, inclusive, body } }).unwrap();
}

/// Append an `if` statement.
pub fn if_stmt(b: &mut Builder, cond: ValueId, then: impl FnOnce(&mut Builder), otherwise: impl FnOnce(&mut Builder)) {
    b.begin_block();
    then(b);
    let t = b.end_block().unwrap();
    b.begin_block();
    otherwise(b);
    let e = b.end_block().unwrap();
    b.push_if(cond, t, e, None).unwrap();
}

/// Append an if-expression; each closure returns the value its branch yields.
pub fn if_expr(
    b: &mut Builder,
    cond: ValueId,
    ty: Ty,
    then: impl FnOnce(&mut Builder) -> ValueId,
    otherwise: impl FnOnce(&mut Builder) -> ValueId,
) -> ValueId {
    b.begin_block();
    let v = then(b);
    b.push(Op::Yield(Some(v))).unwrap();
    let t = b.end_block().unwrap();
    b.begin_block();
    let v = otherwise(b);
    b.push(Op::Yield(Some(v))).unwrap();
    let e = b.end_block().unwrap();
    b.push_if(cond, t, e, Some(ty)).unwrap().unwrap()
}

/// A state with buffer parameter `i` holding `data`.
pub fn with_buffers(bufs: &[(u32, Vec<u64>)]) -> State {
    State { mem: bufs.iter().map(|(i, d)| (MemRef::Param(*i), d.clone())).collect(), scalars: HashMap::new() }
}
