//! The one printer: walks a kernel's structured IR once and writes C-family source, asking
//! the dialect for every target-specific spelling. Each live SSA value becomes a
//! `const T name = expr;`; control flow keeps the IR's block structure and indentation.

use crate::analysis::Analysis;
use crate::dialect::{Cas, Dialect, FileParts, LaneOperand, Needs, Reduce, Scan, Space};
use crate::error::CodegenError;
use crate::expr::Cx;
use crate::helpers::{self, lane_field};
use crate::names::NameTable;
use metaltile_ir::{ArraySpace, Block, Constant, DType, Inst, Kernel, MemRef, Op, ParamKind, SimdOp, Ty, ValueId};
use std::fmt::Write;

/// Emit `k` (already verified) with dialect `d`.
pub(crate) fn print(k: &Kernel, d: &dyn Dialect) -> Result<String, CodegenError> {
    let limit = d.threadgroup_memory_limit();
    let bytes = k.threadgroup_memory_bytes();
    if bytes > limit {
        return Err(CodegenError::Unsupported {
            kernel: k.name.clone(),
            target: d.target(),
            what: format!("{bytes} bytes of threadgroup memory (the limit is {limit})"),
        });
    }
    let mut p = Printer::new(k, d);
    p.declarations();
    p.block(&k.body, 1, &Yield::Nothing, true)?;
    let helpers = p.helpers()?;
    let (uses_f16, uses_bf16) = uses_half_types(k);
    let parts = FileParts {
        name: &p.function_name,
        params: &p.param_names,
        helpers: &helpers,
        body: &p.out,
        uses_f16,
        uses_bf16,
    };
    Ok(d.file(k, &parts, &p.needs))
}

/// What a block's trailing `yield` does.
enum Yield {
    /// Nothing reads it.
    Nothing,
    /// Assign it to the if-expression's result variable.
    Assign(String),
    /// It is a `while` condition: leave the loop when false.
    LoopCondition,
}

struct Printer<'a> {
    k: &'a Kernel,
    d: &'a dyn Dialect,
    a: Analysis,
    needs: Needs,
    function_name: String,
    param_names: Vec<String>,
    array_names: Vec<String>,
    var_names: Vec<String>,
    /// The declared name of each value; `None` for values written inline (constants
    /// without a source name, scalar parameters) and dead values.
    value_names: Vec<Option<String>>,
    /// The parameter a value reads, for `ScalarParam` values.
    scalar_params: Vec<Option<u32>>,
    out: String,
}

impl<'a> Printer<'a> {
    fn new(k: &'a Kernel, d: &'a dyn Dialect) -> Printer<'a> {
        let a = Analysis::new(k);
        let mut names = NameTable::default();
        let function_name = names.claim(&k.name);
        let param_names = k.params.iter().map(|p| names.claim(&p.name)).collect();
        let array_names = k.arrays.iter().map(|x| names.claim(&x.name)).collect();
        let var_names = k.vars.iter().map(|v| names.claim(&v.name)).collect();
        let n = k.values.len();
        let mut scalar_params = vec![None; n];
        // Values that must have a name even when nothing reads them.
        let mut always_named = vec![false; n];
        k.body.walk(&mut |inst| match &inst.op {
            Op::ScalarParam(i) => {
                if let Some(slot) = inst.result.and_then(|r| scalar_params.get_mut(r.0 as usize)) {
                    *slot = Some(*i);
                }
            }
            Op::For { index, .. } => always_named[index.0 as usize] = true,
            Op::AtomicCas { .. } => {
                if let Some(r) = inst.result {
                    always_named[r.0 as usize] = true;
                }
            }
            _ => {}
        });
        let mut value_names = vec![None; n];
        for (i, slot) in value_names.iter_mut().enumerate() {
            let source = k.value_names.get(i).and_then(|s| s.as_deref());
            let inline = scalar_params[i].is_some() || (a.consts[i].is_some() && source.is_none());
            if inline || !(a.live[i] || always_named[i]) {
                continue;
            }
            *slot = Some(match source {
                Some(s) => names.claim(&format!("{s}_{i}")),
                None => names.claim(&format!("v{i}")),
            });
        }
        Printer {
            k,
            d,
            a,
            needs: Needs::default(),
            function_name,
            param_names,
            array_names,
            var_names,
            value_names,
            scalar_params,
            out: String::new(),
        }
    }

    fn cx(&mut self) -> Cx<'_> {
        Cx { d: self.d, needs: &mut self.needs, kernel: &self.k.name }
    }

    /// How value `v` is written where it is used.
    fn v(&self, v: ValueId) -> String {
        let i = v.0 as usize;
        if let Some(Some(name)) = self.value_names.get(i) {
            return name.clone();
        }
        if let Some(p) = self.scalar_params.get(i).copied().flatten() {
            if let Some(name) = self.param_names.get(p as usize) {
                return name.clone();
            }
        }
        match self.a.constant(v) {
            Some(c) => Cx { d: self.d, needs: &mut Needs::default(), kernel: &self.k.name }.literal(c),
            None => format!("v{i}"),
        }
    }

    fn ty(&self, v: ValueId) -> Result<Ty, CodegenError> {
        self.k.ty(v).ok_or_else(|| self.internal(format!("value %{} has no type", v.0)))
    }

    fn dtype(&self, v: ValueId) -> Result<DType, CodegenError> {
        self.ty(v).map(|t| t.dtype)
    }

    fn const_of(&self, v: ValueId) -> Option<Constant> {
        self.a.constant(v)
    }

    fn internal(&self, what: String) -> CodegenError {
        CodegenError::Unsupported { kernel: self.k.name.clone(), target: self.d.target(), what }
    }

    fn type_name(&mut self, t: Ty) -> String {
        if t.lanes == 1 {
            self.d.scalar_type(t.dtype).to_string()
        } else {
            self.d.vector_type(t.dtype, t.lanes, &mut self.needs)
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A line that completes an instruction.
    fn statement(&mut self, depth: usize, text: &str) -> Result<(), CodegenError> {
        self.line(depth, text);
        Ok(())
    }

    /// `const T name = expr;` for the result of `inst`.
    fn decl(&mut self, depth: usize, r: ValueId, expr: &str) -> Result<(), CodegenError> {
        let t = self.ty(r)?;
        let tn = self.type_name(t);
        let name = self.v(r);
        self.line(depth, &format!("const {tn} {name} = {expr};"));
        Ok(())
    }

    /// Arrays, and variables not declared where they are first stored.
    fn declarations(&mut self) {
        for (i, a) in self.k.arrays.iter().enumerate() {
            if !self.a.array_is_read(i as u32) {
                continue;
            }
            let align = self.a.array_vector_bytes.get(i).copied().unwrap_or(0);
            let name = self.array_names.get(i).cloned().unwrap_or_default();
            let decl = self.d.array_decl(a, &name, align);
            self.line(1, &decl);
        }
        for (i, v) in self.k.vars.iter().enumerate() {
            let live = self.a.live_vars.get(i).copied().unwrap_or(false);
            let at_store = self.a.declared_at_store.get(i).copied().flatten().is_some();
            if !live || at_store {
                continue;
            }
            let tn = self.type_name(v.ty);
            let zero = self.zero(v.ty);
            let name = self.var_names.get(i).cloned().unwrap_or_default();
            self.line(1, &format!("{tn} {name} = {zero};"));
        }
    }

    fn zero(&mut self, t: Ty) -> String {
        let z = self.cx().literal(Constant::from_bits(t.dtype, 0));
        if t.lanes == 1 {
            return z;
        }
        let vt = self.type_name(t);
        self.vector_of(t, &vt, &vec![z; t.lanes as usize])
    }

    /// A vector value from its elements: the dialect's own spelling for its vector types,
    /// aggregate initialization for the 8-lane structs ([`vec_struct`]).
    fn vector_of(&self, t: Ty, vector_type: &str, elems: &[String]) -> String {
        if t.lanes > 4 {
            format!("{vector_type}{{{}}}", elems.join(", "))
        } else {
            self.d.make_vector(vector_type, elems)
        }
    }

    fn block(&mut self, b: &Block, depth: usize, y: &Yield, top: bool) -> Result<(), CodegenError> {
        for (pos, inst) in b.insts.iter().enumerate() {
            self.inst(inst, depth, y, top.then_some(pos))?;
        }
        Ok(())
    }

    fn mem(&self, m: MemRef) -> Result<(String, Space, bool), CodegenError> {
        match m {
            MemRef::Param(i) => {
                let p = self.k.params.get(i as usize).ok_or_else(|| self.internal(format!("parameter #{i}")))?;
                let writable = matches!(p.kind, ParamKind::Buffer { mutable: true });
                Ok((self.param_names.get(i as usize).cloned().unwrap_or_default(), Space::Device, writable))
            }
            MemRef::Array(i) => {
                let a = self.k.arrays.get(i as usize).ok_or_else(|| self.internal(format!("array #{i}")))?;
                let space = match a.space {
                    ArraySpace::Threadgroup => Space::Threadgroup,
                    ArraySpace::Private => Space::Private,
                };
                Ok((self.array_names.get(i as usize).cloned().unwrap_or_default(), space, true))
            }
        }
    }

    fn inst(&mut self, inst: &Inst, depth: usize, y: &Yield, top_pos: Option<usize>) -> Result<(), CodegenError> {
        let live = inst.result.filter(|r| self.a.is_live(*r));
        match &inst.op {
            Op::If { cond, then_block, else_block } => self.if_(live, *cond, then_block, else_block, depth),
            Op::For { index, start, end, step, inclusive, body } => {
                let t = self.ty(*index)?;
                let tn = self.type_name(t);
                let (i, s, e, st) = (self.v(*index), self.v(*start), self.v(*end), self.v(*step));
                let cmp = if *inclusive { "<=" } else { "<" };
                self.line(depth, &format!("for ({tn} {i} = {s}; {i} {cmp} {e}; {i} += {st}) {{"));
                self.block(body, depth + 1, &Yield::Nothing, false)?;
                self.line(depth, "}");
                Ok(())
            }
            Op::While { cond, body } => {
                self.line(depth, "while (true) {");
                self.block(cond, depth + 1, &Yield::LoopCondition, false)?;
                self.block(body, depth + 1, &Yield::Nothing, false)?;
                self.line(depth, "}");
                Ok(())
            }
            Op::Break => self.statement(depth, "break;"),
            Op::Continue => self.statement(depth, "continue;"),
            Op::Return => self.statement(depth, "return;"),
            Op::Yield(v) => {
                match (y, v) {
                    (Yield::Assign(name), Some(v)) => {
                        let text = format!("{name} = {};", self.v(*v));
                        self.line(depth, &text);
                    }
                    (Yield::LoopCondition, Some(v)) => match self.const_of(*v) {
                        Some(c) if c.as_bool() => {}
                        Some(_) => self.line(depth, "break;"),
                        None => {
                            let c = self.v(*v);
                            self.line(depth, &format!("if (!{c}) {{"));
                            self.line(depth + 1, "break;");
                            self.line(depth, "}");
                        }
                    },
                    _ => {}
                }
                Ok(())
            }
            Op::VarStore { var, value } => {
                if !self.a.var_live(*var) {
                    return Ok(());
                }
                let j = var.0 as usize;
                let name = self.var_names.get(j).cloned().unwrap_or_default();
                let v = self.v(*value);
                let declare_here = top_pos.is_some() && self.a.declared_at_store.get(j).copied().flatten() == top_pos;
                if declare_here {
                    let t = self.k.vars.get(j).map(|d| d.ty).ok_or_else(|| self.internal(format!("variable #{j}")))?;
                    let tn = self.type_name(t);
                    self.line(depth, &format!("{tn} {name} = {v};"));
                } else {
                    self.line(depth, &format!("{name} = {v};"));
                }
                Ok(())
            }
            Op::Store { mem: MemRef::Array(a), .. } if !self.a.array_is_read(*a) => Ok(()),
            Op::Store { mem, index, value } => {
                let (base, space, _) = self.mem(*mem)?;
                let (i, v) = (self.v(*index), self.v(*value));
                let t = self.ty(*value)?;
                let target = if t.lanes == 1 {
                    format!("{base}[{i}]")
                } else {
                    let vt = self.type_name(t);
                    self.d.vector_ref(space, true, &vt, &base, &i)
                };
                self.line(depth, &format!("{target} = {v};"));
                Ok(())
            }
            Op::Barrier(scope) => {
                let b = self.d.barrier(*scope);
                self.line(depth, b);
                Ok(())
            }
            Op::Atomic { op, mem, index, value } => {
                let (base, space, _) = self.mem(*mem)?;
                let d = self.dtype(*value)?;
                let e = self.d.atomic(*op, space, d, &base, &self.v(*index), &self.v(*value));
                match live {
                    Some(r) => self.decl(depth, r, &e),
                    None => self.statement(depth, &format!("{e};")),
                }
            }
            Op::AtomicCas { mem, index, expected, desired } => {
                let r = inst.result.ok_or_else(|| self.internal("compare-exchange without a result".into()))?;
                let (base, space, _) = self.mem(*mem)?;
                let d = self.dtype(*expected)?;
                let tn = self.type_name(Ty::scalar(d));
                let (i, old, e, w) = (self.v(*index), self.v(r), self.v(*expected), self.v(*desired));
                let cas = Cas {
                    space,
                    dtype: d,
                    ty: &tn,
                    base: &base,
                    index: &i,
                    old: &old,
                    old_used: live.is_some(),
                    expected: &e,
                    desired: &w,
                };
                for l in self.d.atomic_cas(&cas) {
                    self.line(depth, &l);
                }
                Ok(())
            }
            op => {
                let Some(r) = live else { return Ok(()) };
                if self.value_names.get(r.0 as usize).is_none_or(|n| n.is_none()) {
                    // Written inline where it is used.
                    return Ok(());
                }
                let e = self.expr(op, r)?;
                self.decl(depth, r, &e)
            }
        }
    }

    fn if_(
        &mut self,
        live: Option<ValueId>,
        cond: ValueId,
        then_block: &Block,
        else_block: &Block,
        depth: usize,
    ) -> Result<(), CodegenError> {
        let y = match live {
            Some(r) => {
                let t = self.ty(r)?;
                let tn = self.type_name(t);
                let name = self.v(r);
                self.line(depth, &format!("{tn} {name};"));
                Yield::Assign(name)
            }
            None => Yield::Nothing,
        };
        let c = self.v(cond);
        self.line(depth, &format!("if ({c}) {{"));
        self.block(then_block, depth + 1, &y, false)?;
        let mark = self.out.len();
        self.line(depth, "} else {");
        let after_else = self.out.len();
        self.block(else_block, depth + 1, &y, false)?;
        if self.out.len() == after_else {
            self.out.truncate(mark);
        }
        self.line(depth, "}");
        Ok(())
    }

    /// The expression computing a value-defining op without regions.
    fn expr(&mut self, op: &Op, r: ValueId) -> Result<String, CodegenError> {
        Ok(match op {
            Op::Const(c) => self.cx().literal(*c),
            Op::ScalarParam(i) => self.param_names.get(*i as usize).cloned().unwrap_or_default(),
            Op::Builtin(b) => self.d.builtin(*b, &mut self.needs),
            Op::Unary { op, arg, fast } => {
                let (d, x) = (self.dtype(*arg)?, self.v(*arg));
                self.cx().unary(*op, *fast, d, &x)?
            }
            Op::Binary { op, lhs, rhs } => {
                let (d, a, b, c) = (self.dtype(*lhs)?, self.v(*lhs), self.v(*rhs), self.const_of(*rhs));
                self.cx().binary(*op, d, &a, &b, c)?
            }
            Op::Cmp { op, lhs, rhs } => {
                let (d, a, b) = (self.dtype(*lhs)?, self.v(*lhs), self.v(*rhs));
                self.cx().compare(*op, d, &a, &b)
            }
            Op::Select { cond, on_true, on_false } => {
                format!("{} ? {} : {}", self.v(*cond), self.v(*on_true), self.v(*on_false))
            }
            Op::Fma { a, b, c } => {
                let (d, x, y, z) = (self.dtype(*a)?, self.v(*a), self.v(*b), self.v(*c));
                self.cx().fma(d, &x, &y, &z)
            }
            Op::Cast { arg, to } => {
                let (d, x) = (self.dtype(*arg)?, self.v(*arg));
                self.cx().cast(d, *to, &x)
            }
            Op::Bitcast { arg, to } => {
                let (d, x) = (self.dtype(*arg)?, self.v(*arg));
                self.d.bitcast(d, *to, &x)
            }
            Op::Extract { vector, lane } => {
                let lanes = self.ty(*vector)?.lanes;
                format!("{}.{}", self.v(*vector), lane_field(lanes, *lane))
            }
            Op::MakeVector { elems } => {
                let t = self.ty(r)?;
                let vt = self.type_name(t);
                let e: Vec<String> = elems.iter().map(|e| self.v(*e)).collect();
                self.vector_of(t, &vt, &e)
            }
            Op::Load { mem, index, lanes } => {
                let (base, space, _) = self.mem(*mem)?;
                let i = self.v(*index);
                if *lanes == 1 {
                    format!("{base}[{i}]")
                } else {
                    let t = self.ty(r)?;
                    let vt = self.type_name(t);
                    self.d.vector_ref(space, false, &vt, &base, &i)
                }
            }
            Op::MaskedLoad { mem, index, mask, fill } => {
                let (base, _, _) = self.mem(*mem)?;
                format!("{} ? {base}[{}] : {}", self.v(*mask), self.v(*index), self.v(*fill))
            }
            Op::VarLoad(var) => self.var_names.get(var.0 as usize).cloned().unwrap_or_default(),
            Op::Simd { op, arg, lane } => self.simd(*op, *arg, *lane)?,
            other => return Err(self.internal(format!("`{}` as an expression", other.mnemonic()))),
        })
    }

    fn simd(&mut self, op: SimdOp, arg: ValueId, lane: Option<ValueId>) -> Result<String, CodegenError> {
        let (d, x) = (self.dtype(arg)?, self.v(arg));
        let dialect = self.d;
        let lane_operand = |p: &Self, up_down: bool| -> Result<Option<LaneOperand>, CodegenError> {
            let l = lane.ok_or_else(|| p.internal(format!("`{}` without a lane operand", op.name())))?;
            Ok(match p.const_of(l) {
                // A delta of 32 or more keeps every lane's own value.
                Some(c) if up_down && c.bits >= 32 => None,
                Some(c) if up_down => Some(LaneOperand::Const(c.bits as u32)),
                Some(c) => Some(LaneOperand::Const((c.bits % 32) as u32)),
                None => Some(LaneOperand::Var(p.v(l))),
            })
        };
        Ok(match op {
            SimdOp::Sum => dialect.simd_reduce(Reduce::Sum, d, &x, &mut self.needs),
            SimdOp::Product => dialect.simd_reduce(Reduce::Product, d, &x, &mut self.needs),
            SimdOp::Max => dialect.simd_reduce(Reduce::Max, d, &x, &mut self.needs),
            SimdOp::Min => dialect.simd_reduce(Reduce::Min, d, &x, &mut self.needs),
            SimdOp::PrefixSum => dialect.simd_scan(Scan::Inclusive, d, &x, &mut self.needs),
            SimdOp::PrefixSumExclusive => dialect.simd_scan(Scan::Exclusive, d, &x, &mut self.needs),
            SimdOp::Any => dialect.simd_any_all(false, &x),
            SimdOp::All => dialect.simd_any_all(true, &x),
            SimdOp::Ballot => dialect.simd_ballot(&x),
            SimdOp::Shuffle | SimdOp::Broadcast | SimdOp::ShuffleXor | SimdOp::ShuffleUp | SimdOp::ShuffleDown => {
                let up_down = matches!(op, SimdOp::ShuffleUp | SimdOp::ShuffleDown);
                match lane_operand(self, up_down)? {
                    Some(l) => dialect.simd_move(op, d, &x, &l, &mut self.needs),
                    None => x,
                }
            }
        })
    }

    /// Definitions of every helper the kernel needs, in dependency order.
    fn helpers(&mut self) -> Result<Vec<String>, CodegenError> {
        // Writing a helper may require more helpers; repeat until nothing new appears.
        loop {
            let before = self.needs.helpers.len();
            for h in self.needs.helpers.clone() {
                helpers::text(h, self.d, &mut self.needs, &self.k.name)?;
            }
            if self.needs.helpers.len() == before {
                break;
            }
        }
        let mut out = Vec::new();
        for h in self.needs.helpers.clone() {
            out.push(helpers::text(h, self.d, &mut self.needs, &self.k.name)?);
        }
        Ok(out)
    }
}

/// Whether f16 and bf16 appear anywhere in the kernel's types.
fn uses_half_types(k: &Kernel) -> (bool, bool) {
    let dtypes = k
        .params
        .iter()
        .map(|p| p.dtype)
        .chain(k.arrays.iter().map(|a| a.dtype))
        .chain(k.vars.iter().map(|v| v.ty.dtype))
        .chain(k.values.iter().map(|t| t.dtype));
    let mut f16 = false;
    let mut bf16 = false;
    for d in dtypes {
        f16 |= d == DType::F16;
        bf16 |= d == DType::BF16;
    }
    (f16, bf16)
}

/// Used by the dialects to write a parameter list.
pub(crate) fn join_lines(items: &[String], indent: &str, sep: &str) -> String {
    let mut s = String::new();
    for (i, it) in items.iter().enumerate() {
        let _ = write!(s, "{indent}{it}{}", if i + 1 < items.len() { sep } else { "" });
    }
    s
}
