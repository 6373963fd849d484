//! A readable text form of a kernel (`tile inspect --ir`).

use crate::kernel::{ArraySpace, Block, Inst, Kernel, ParamKind, ValueId};
use crate::op::{MemRef, Op};
use std::fmt::Write;

/// Print a kernel as text.
pub fn print_kernel(k: &Kernel) -> String {
    let mut p = Printer { k, out: String::new() };
    p.header();
    p.block(&k.body, 1);
    p.out.push_str("}\n");
    p.out
}

struct Printer<'a> {
    k: &'a Kernel,
    out: String,
}

impl Printer<'_> {
    fn header(&mut self) {
        let params: Vec<String> = self
            .k
            .params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Buffer { mutable: true } => format!("{}: &mut [{}]", p.name, p.dtype),
                ParamKind::Buffer { mutable: false } => format!("{}: &[{}]", p.name, p.dtype),
                ParamKind::Scalar => format!("{}: {}", p.name, p.dtype),
            })
            .collect();
        let _ = writeln!(self.out, "kernel {}({})", self.k.name, params.join(", "));
        for (name, c) in &self.k.constexprs {
            let _ = writeln!(self.out, "  constexpr {name} = {c} : {}", c.dtype);
        }
        for a in &self.k.arrays {
            let space = match a.space {
                ArraySpace::Threadgroup => "threadgroup",
                ArraySpace::Private => "private",
            };
            let _ = writeln!(self.out, "  {space} {}: [{}; {}]", a.name, a.dtype, a.len);
        }
        for v in &self.k.vars {
            let _ = writeln!(self.out, "  var {}: {}", v.name, v.ty);
        }
        self.out.push_str("{\n");
    }

    fn v(&self, v: ValueId) -> String {
        match self.k.value_names.get(v.0 as usize).and_then(|n| n.as_deref()) {
            Some(n) => format!("%{}.{}", v.0, n),
            None => format!("%{}", v.0),
        }
    }

    fn mem(&self, m: MemRef) -> String {
        self.k.mem_name(m)
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn block(&mut self, b: &Block, depth: usize) {
        for inst in &b.insts {
            self.inst(inst, depth);
        }
    }

    fn inst(&mut self, inst: &Inst, depth: usize) {
        self.indent(depth);
        if let Some(r) = inst.result {
            let _ = write!(self.out, "{} = ", self.v(r));
        }
        let ty = inst.result.and_then(|r| self.k.ty(r)).map(|t| format!(" : {t}")).unwrap_or_default();
        let op = &inst.op;
        let args = |p: &Self| op.operands().iter().map(|o| p.v(*o)).collect::<Vec<_>>().join(", ");
        match op {
            Op::Const(c) => {
                let _ = writeln!(self.out, "const {c}{ty}");
            }
            Op::ScalarParam(i) => {
                let name = self.k.params.get(*i as usize).map_or("?", |p| p.name.as_str());
                let _ = writeln!(self.out, "param {name}{ty}");
            }
            Op::Cast { arg, .. } => {
                let _ = writeln!(self.out, "cast {}{ty}", self.v(*arg));
            }
            Op::Bitcast { arg, .. } => {
                let _ = writeln!(self.out, "bitcast {}{ty}", self.v(*arg));
            }
            Op::Extract { vector, lane } => {
                let _ = writeln!(self.out, "extract {}[{lane}]{ty}", self.v(*vector));
            }
            Op::Load { mem, index, lanes } => {
                let w = if *lanes > 1 { format!("x{lanes}") } else { String::new() };
                let _ = writeln!(self.out, "load{w} {}[{}]{ty}", self.mem(*mem), self.v(*index));
            }
            Op::MaskedLoad { mem, index, mask, fill } => {
                let _ = writeln!(
                    self.out,
                    "masked_load {}[{}] if {} else {}{ty}",
                    self.mem(*mem),
                    self.v(*index),
                    self.v(*mask),
                    self.v(*fill)
                );
            }
            Op::Store { mem, index, value } => {
                let _ = writeln!(self.out, "store {}[{}] = {}", self.mem(*mem), self.v(*index), self.v(*value));
            }
            Op::Atomic { op: a, mem, index, value } => {
                let _ =
                    writeln!(self.out, "{} {}[{}], {}{ty}", a.name(), self.mem(*mem), self.v(*index), self.v(*value));
            }
            Op::AtomicCas { mem, index, expected, desired } => {
                let _ = writeln!(
                    self.out,
                    "atomic_compare_exchange {}[{}], {}, {}{ty}",
                    self.mem(*mem),
                    self.v(*index),
                    self.v(*expected),
                    self.v(*desired)
                );
            }
            Op::VarLoad(var) => {
                let name = self.k.vars.get(var.0 as usize).map_or("?", |d| d.name.as_str());
                let _ = writeln!(self.out, "load ${name}{ty}");
            }
            Op::VarStore { var, value } => {
                let name = self.k.vars.get(var.0 as usize).map_or("?", |d| d.name.as_str());
                let _ = writeln!(self.out, "${name} = {}", self.v(*value));
            }
            Op::If { cond, then_block, else_block } => {
                let _ = writeln!(self.out, "if {} {{", self.v(*cond));
                self.block(then_block, depth + 1);
                if !else_block.insts.is_empty() {
                    self.indent(depth);
                    self.out.push_str("} else {\n");
                    self.block(else_block, depth + 1);
                }
                self.indent(depth);
                let _ = writeln!(self.out, "}}{ty}");
            }
            Op::For { index, start, end, step, inclusive, body } => {
                let range = if *inclusive { "..=" } else { ".." };
                let _ = writeln!(
                    self.out,
                    "for {} in {}{range}{} step {} {{",
                    self.v(*index),
                    self.v(*start),
                    self.v(*end),
                    self.v(*step)
                );
                self.block(body, depth + 1);
                self.indent(depth);
                self.out.push_str("}\n");
            }
            Op::While { cond, body } => {
                self.out.push_str("while {\n");
                self.block(cond, depth + 1);
                self.indent(depth);
                self.out.push_str("} do {\n");
                self.block(body, depth + 1);
                self.indent(depth);
                self.out.push_str("}\n");
            }
            _ => {
                let a = args(self);
                let sep = if a.is_empty() { "" } else { " " };
                let _ = writeln!(self.out, "{}{sep}{a}{ty}", op.mnemonic());
            }
        }
    }
}
