//! The verifier: every value defined once and used only where its definition is visible,
//! every op well typed by its typing rule, regions well formed (yields, loop exits), and no
//! threadgroup barrier under control flow that visibly depends on the thread's position.

use crate::dtype::DType;
use crate::error::{IrError, IrResult};
use crate::kernel::{Block, Kernel, Ty, ValueId};
use crate::op::{BarrierScope, Op};
use std::collections::HashSet;

/// Check a kernel; the first problem found is returned.
pub fn verify(k: &Kernel) -> IrResult<()> {
    if k.value_names.len() != k.values.len() {
        return Err(IrError::Invalid("value name table out of sync with value table".into()));
    }
    let mut v = Verifier { k, defined: HashSet::new(), scopes: vec![HashSet::new()], varying: HashSet::new() };
    v.block(&k.body, Ctx { in_loop: false, divergent: None, yield_ty: YieldRule::None })
}

#[derive(Clone, Copy)]
enum YieldRule {
    /// No trailing yield allowed.
    None,
    /// The block must end with a yield of this type (if-expression branch, while condition).
    Value(Ty),
}

#[derive(Clone, Copy)]
struct Ctx {
    in_loop: bool,
    /// Why control flow here may differ between threads of a threadgroup, if it visibly does.
    divergent: Option<&'static str>,
    yield_ty: YieldRule,
}

struct Verifier<'a> {
    k: &'a Kernel,
    defined: HashSet<ValueId>,
    scopes: Vec<HashSet<ValueId>>,
    /// Values that visibly depend on the thread's position (pure data flow from builtins).
    varying: HashSet<ValueId>,
}

impl Verifier<'_> {
    fn visible(&self, v: ValueId) -> bool {
        self.scopes.iter().any(|s| s.contains(&v))
    }

    fn define(&mut self, v: ValueId) -> IrResult<()> {
        if !self.defined.insert(v) {
            return Err(IrError::Redefined { value: v.to_string() });
        }
        if let Some(s) = self.scopes.last_mut() {
            s.insert(v);
        }
        Ok(())
    }

    fn block(&mut self, b: &Block, ctx: Ctx) -> IrResult<()> {
        self.scopes.push(HashSet::new());
        let r = self.block_inner(b, ctx);
        self.scopes.pop();
        r
    }

    fn block_inner(&mut self, b: &Block, ctx: Ctx) -> IrResult<()> {
        let n = b.insts.len();
        for (pos, inst) in b.insts.iter().enumerate() {
            let op = &inst.op;
            for o in op.operands() {
                if !self.visible(o) {
                    return Err(IrError::UseBeforeDef { value: o.to_string(), op: op.mnemonic() });
                }
            }
            let last = pos + 1 == n;
            match op {
                Op::Yield(val) => {
                    if !last {
                        return Err(IrError::Region("`yield` must be the last instruction of its block".into()));
                    }
                    match (ctx.yield_ty, val) {
                        (YieldRule::Value(t), Some(v)) => {
                            let vt = self.k.ty(*v).ok_or_else(|| IrError::Invalid(format!("{v} has no type")))?;
                            if vt != t {
                                return Err(IrError::Type {
                                    op: "yield".into(),
                                    msg: format!("yields {vt}, expected {t}"),
                                });
                            }
                        }
                        (YieldRule::None, _) => {
                            return Err(IrError::Region("`yield` where the block produces no value".into()))
                        }
                        (YieldRule::Value(_), None) => return Err(IrError::Region("`yield` without a value".into())),
                    }
                }
                Op::Break | Op::Continue if !ctx.in_loop => return Err(IrError::OutsideLoop { op: op.mnemonic() }),
                Op::Barrier(BarrierScope::Threadgroup) => {
                    if let Some(why) = ctx.divergent {
                        return Err(IrError::DivergentBarrier(why.into()));
                    }
                }
                _ => {}
            }
            // Typing rule.
            let rule = op.result_ty(self.k)?;
            match (&inst.result, rule) {
                (Some(r), Some(t)) => {
                    let have = self.k.ty(*r).ok_or_else(|| IrError::Invalid(format!("{r} has no type")))?;
                    if have != t {
                        return Err(IrError::Type {
                            op: op.mnemonic(),
                            msg: format!("result recorded as {have}, rule gives {t}"),
                        });
                    }
                }
                (None, Some(_)) if !matches!(op, Op::If { .. }) => {
                    return Err(IrError::Type { op: op.mnemonic(), msg: "result value missing".into() })
                }
                (Some(_), None) if !matches!(op, Op::If { .. }) => {
                    return Err(IrError::Type { op: op.mnemonic(), msg: "defines no value".into() })
                }
                _ => {}
            }
            // Regions.
            match op {
                Op::If { cond, then_block, else_block } => {
                    let yield_ty = match inst.result {
                        Some(r) => {
                            YieldRule::Value(self.k.ty(r).ok_or_else(|| IrError::Invalid(format!("{r} has no type")))?)
                        }
                        None => YieldRule::None,
                    };
                    if let YieldRule::Value(_) = yield_ty {
                        for (which, blk) in [("then", then_block), ("else", else_block)] {
                            if !matches!(blk.insts.last().map(|i| &i.op), Some(Op::Yield(Some(_)))) {
                                return Err(IrError::Region(format!(
                                    "the {which} branch of an if-expression must end with a value"
                                )));
                            }
                        }
                    }
                    let divergent = ctx
                        .divergent
                        .or(self.varying.contains(cond).then_some("an `if` on a thread-dependent condition"));
                    let inner = Ctx { divergent, yield_ty, ..ctx };
                    self.block(then_block, inner)?;
                    self.block(else_block, inner)?;
                }
                Op::For { index, start, end, step, body, .. } => {
                    let varying_bounds = [start, end, step].iter().any(|v| self.varying.contains(*v));
                    let divergent =
                        ctx.divergent.or(varying_bounds.then_some("a `for` loop with thread-dependent bounds"));
                    self.scopes.push(HashSet::new());
                    self.define(*index)?;
                    if varying_bounds {
                        self.varying.insert(*index);
                    }
                    let r = self.block(body, Ctx { in_loop: true, divergent, yield_ty: YieldRule::None });
                    self.scopes.pop();
                    r?;
                }
                Op::While { cond, body } => {
                    if !matches!(cond.insts.last().map(|i| &i.op), Some(Op::Yield(Some(_)))) {
                        return Err(IrError::Region("a `while` condition must end with a bool value".into()));
                    }
                    self.block(
                        cond,
                        Ctx {
                            in_loop: false,
                            divergent: ctx.divergent,
                            yield_ty: YieldRule::Value(Ty::scalar(DType::Bool)),
                        },
                    )?;
                    let cond_varying = match cond.insts.last().map(|i| &i.op) {
                        Some(Op::Yield(Some(v))) => self.varying.contains(v),
                        _ => false,
                    };
                    let divergent =
                        ctx.divergent.or(cond_varying.then_some("a `while` loop on a thread-dependent condition"));
                    self.block(body, Ctx { in_loop: true, divergent, yield_ty: YieldRule::None })?;
                }
                _ => {}
            }
            if let Some(r) = inst.result {
                self.define(r)?;
                let varies = match op {
                    Op::Builtin(b) => !b.is_group_uniform(),
                    o if o.is_pure() => o.operands().iter().any(|x| self.varying.contains(x)),
                    _ => false,
                };
                if varies {
                    self.varying.insert(r);
                }
            }
        }
        if let (YieldRule::Value(_), false) =
            (ctx.yield_ty, matches!(b.insts.last().map(|i| &i.op), Some(Op::Yield(Some(_)))))
        {
            return Err(IrError::Region("block must end with a value".into()));
        }
        Ok(())
    }
}
