//! Builds a kernel instruction by instruction, assigning result types by each op's typing
//! rule. Structured regions are opened with [`Builder::begin_block`] and closed with
//! [`Builder::end_block`], then handed to the control-flow op that owns them.

use crate::constant::Constant;
use crate::dtype::DType;
use crate::error::{IrError, IrResult};
use crate::eval;
use crate::kernel::{ArrayDecl, ArraySpace, Block, Inst, Kernel, Param, ParamKind, Ty, ValueId, VarDecl, VarId};
use crate::op::{MemRef, Op};
use std::collections::HashMap;

/// Incremental kernel construction.
pub struct Builder {
    kernel: Kernel,
    stack: Vec<Block>,
    /// Pure defining ops, for compile-time evaluation of sizes.
    defs: HashMap<ValueId, Op>,
}

impl Builder {
    /// A new kernel named `<base_name>_<dtype>` (or `<base_name>` without a dtype).
    pub fn new(base_name: &str, dtype: Option<DType>) -> Builder {
        let name = match dtype {
            Some(d) => format!("{base_name}_{d}"),
            None => base_name.to_string(),
        };
        Builder {
            kernel: Kernel {
                name,
                base_name: base_name.to_string(),
                dtype,
                params: vec![],
                constexprs: vec![],
                arrays: vec![],
                vars: vec![],
                values: vec![],
                value_names: vec![],
                body: Block::default(),
            },
            stack: vec![Block::default()],
            defs: HashMap::new(),
        }
    }

    /// The kernel so far (types of values, declarations).
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// Declare a buffer parameter.
    pub fn buffer_param(&mut self, name: &str, dtype: DType, mutable: bool) -> MemRef {
        self.kernel.params.push(Param { name: name.to_string(), dtype, kind: ParamKind::Buffer { mutable } });
        MemRef::Param(self.kernel.params.len() as u32 - 1)
    }

    /// Declare a runtime scalar parameter and return its value.
    pub fn scalar_param(&mut self, name: &str, dtype: DType) -> IrResult<ValueId> {
        self.kernel.params.push(Param { name: name.to_string(), dtype, kind: ParamKind::Scalar });
        let idx = self.kernel.params.len() as u32 - 1;
        let v = self.value(Op::ScalarParam(idx))?;
        self.name_value(v, name);
        Ok(v)
    }

    /// Record a constexpr binding and return it as a constant value.
    pub fn constexpr(&mut self, name: &str, value: Constant) -> IrResult<ValueId> {
        self.kernel.constexprs.push((name.to_string(), value));
        let v = self.value(Op::Const(value))?;
        self.name_value(v, name);
        Ok(v)
    }

    /// Declare a threadgroup or private array of `len` elements.
    pub fn array(&mut self, name: &str, dtype: DType, len: u32, space: ArraySpace) -> IrResult<MemRef> {
        if len == 0 {
            return Err(IrError::Invalid(format!("array `{name}` has length 0")));
        }
        let name = unique_name(name, self.kernel.arrays.iter().map(|a| a.name.as_str()));
        self.kernel.arrays.push(ArrayDecl { name, dtype, len, space });
        Ok(MemRef::Array(self.kernel.arrays.len() as u32 - 1))
    }

    /// Rename an array (to the `let` binding that holds it), keeping names unique.
    pub fn rename_array(&mut self, mem: MemRef, name: &str) {
        if let MemRef::Array(i) = mem {
            let taken: Vec<String> = self
                .kernel
                .arrays
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i as usize)
                .map(|(_, a)| a.name.clone())
                .collect();
            let name = unique_name(name, taken.iter().map(|s| s.as_str()));
            if let Some(a) = self.kernel.arrays.get_mut(i as usize) {
                a.name = name;
            }
        }
    }

    /// Declare a local variable.
    pub fn var(&mut self, name: &str, ty: Ty) -> VarId {
        let name = unique_name(name, self.kernel.vars.iter().map(|v| v.name.as_str()));
        self.kernel.vars.push(VarDecl { name, ty });
        VarId(self.kernel.vars.len() as u32 - 1)
    }

    /// Give a value a source name (used by the printer and emitters for readability).
    pub fn name_value(&mut self, v: ValueId, name: &str) {
        if let Some(slot) = self.kernel.value_names.get_mut(v.0 as usize) {
            if slot.is_none() && !name.is_empty() && !name.starts_with('_') {
                *slot = Some(name.to_string());
            }
        }
    }

    /// A fresh value not yet defined by any inst (a `For` index).
    pub fn new_value(&mut self, ty: Ty) -> ValueId {
        self.kernel.new_value(ty)
    }

    /// Type of a value built so far.
    pub fn ty(&self, v: ValueId) -> IrResult<Ty> {
        self.kernel.ty(v).ok_or_else(|| IrError::Invalid(format!("{v} does not exist")))
    }

    /// Append an op, typing it; returns its result value if it has one.
    pub fn push(&mut self, op: Op) -> IrResult<Option<ValueId>> {
        let ty = op.result_ty(&self.kernel)?;
        let result = ty.map(|t| self.kernel.new_value(t));
        if let Some(r) = result {
            if op.is_pure() {
                self.defs.insert(r, op.clone());
            }
        }
        self.append(Inst { result, op })?;
        Ok(result)
    }

    /// Append an op that must define a value.
    pub fn value(&mut self, op: Op) -> IrResult<ValueId> {
        let m = op.mnemonic();
        self.push(op)?.ok_or_else(|| IrError::Invalid(format!("`{m}` defines no value")))
    }

    /// Append an `If` whose branches were built with begin/end_block; `result` is the type
    /// the branches yield, if the `if` is an expression.
    pub fn push_if(
        &mut self,
        cond: ValueId,
        then_block: Block,
        else_block: Block,
        result: Option<Ty>,
    ) -> IrResult<Option<ValueId>> {
        let op = Op::If { cond, then_block, else_block };
        op.result_ty(&self.kernel)?;
        let result = result.map(|t| self.kernel.new_value(t));
        self.append(Inst { result, op })?;
        Ok(result)
    }

    /// Append a prebuilt inst whose result (if any) was allocated with [`Builder::new_value`].
    pub fn push_inst(&mut self, inst: Inst) -> IrResult<()> {
        inst.op.result_ty(&self.kernel)?;
        self.append(inst)
    }

    fn append(&mut self, inst: Inst) -> IrResult<()> {
        self.stack.last_mut().ok_or_else(|| IrError::Region("no open block".into()))?.insts.push(inst);
        Ok(())
    }

    /// Open a nested region.
    pub fn begin_block(&mut self) {
        self.stack.push(Block::default());
    }

    /// Close the innermost region and return it.
    pub fn end_block(&mut self) -> IrResult<Block> {
        if self.stack.len() <= 1 {
            return Err(IrError::Region("end_block without begin_block".into()));
        }
        self.stack.pop().ok_or_else(|| IrError::Region("no open block".into()))
    }

    /// Depth of open regions (1 = kernel body).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Evaluate a value at build time if it is computed from constants by pure ops.
    pub fn const_value(&self, v: ValueId) -> Option<Constant> {
        self.const_value_depth(v, 0)
    }

    fn const_value_depth(&self, v: ValueId, depth: u32) -> Option<Constant> {
        if depth > 64 {
            return None;
        }
        let op = self.defs.get(&v)?;
        let ty = self.kernel.ty(v)?;
        let c = |x: ValueId| self.const_value_depth(x, depth + 1);
        let operand_dtype = |x: ValueId| self.kernel.ty(x).map(|t| t.dtype);
        let bits = match op {
            Op::Const(k) => return Some(*k),
            Op::Unary { op, arg, .. } => eval::unary(*op, operand_dtype(*arg)?, c(*arg)?.bits),
            Op::Binary { op, lhs, rhs } => eval::binary(*op, ty.dtype, c(*lhs)?.bits, c(*rhs)?.bits).ok()?,
            Op::Cmp { op, lhs, rhs } => {
                u64::from(eval::compare(*op, operand_dtype(*lhs)?, c(*lhs)?.bits, c(*rhs)?.bits))
            }
            Op::Select { cond, on_true, on_false } => {
                if c(*cond)?.as_bool() {
                    c(*on_true)?.bits
                } else {
                    c(*on_false)?.bits
                }
            }
            Op::Cast { arg, to } => c(*arg)?.cast(*to).bits,
            _ => return None,
        };
        Some(Constant::from_bits(ty.dtype, bits))
    }

    /// Finish and verify the kernel.
    pub fn finish(mut self) -> IrResult<Kernel> {
        if self.stack.len() != 1 {
            return Err(IrError::Region(format!("{} regions left open", self.stack.len() - 1)));
        }
        self.kernel.body = self.stack.pop().unwrap_or_default();
        crate::verify::verify(&self.kernel)?;
        Ok(self.kernel)
    }
}

fn unique_name<'a>(name: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let base = if name.is_empty() { "t" } else { name };
    if !taken.clone().any(|t| t == base) {
        return base.to_string();
    }
    (1..)
        .map(|i| format!("{base}_{i}"))
        .find(|cand| !taken.clone().any(|t| t == cand))
        .unwrap_or_else(|| base.to_string())
}
