//! Facts about a kernel that several passes need: known constants, use counts, the values a
//! region defines, value replacement and remapping, which ops can fail, constant trip counts.

use crate::constant::Constant;
use crate::error::{IrError, IrResult};
use crate::kernel::{Block, Inst, Kernel, Ty, ValueId};
use crate::op::{BinaryOp, Op};
use std::collections::HashMap;

/// Values known to be constants. In SSA a value has one definition, so a constant's value
/// is the same wherever it is used.
pub(crate) type ConstMap = HashMap<ValueId, Constant>;

/// A replacement of values by other values (each key's uses become uses of its value).
pub(crate) type ValueMap = HashMap<ValueId, ValueId>;

/// Every value defined by an `Op::Const`, nested regions included.
pub(crate) fn constants(b: &Block) -> ConstMap {
    let mut m = ConstMap::new();
    b.walk(&mut |i| {
        if let (Some(r), Op::Const(c)) = (i.result, &i.op) {
            m.insert(r, *c);
        }
    });
    m
}

/// How often each value is an operand, nested regions included.
pub(crate) fn use_counts(b: &Block) -> HashMap<ValueId, usize> {
    let mut m = HashMap::new();
    b.walk(&mut |i| i.op.for_each_operand(|v| *m.entry(v).or_insert(0) += 1));
    m
}

/// Every operand of an inst and of the insts nested in its regions.
pub(crate) fn uses_deep(inst: &Inst, f: &mut impl FnMut(ValueId)) {
    inst.op.for_each_operand(&mut *f);
    for b in inst.op.blocks() {
        b.walk(&mut |i| i.op.for_each_operand(&mut *f));
    }
}

/// The values a block defines (results and `For` indices, nested regions included), in
/// definition order, so that callers allocating new ids stay deterministic.
pub(crate) fn defined_in(b: &Block, out: &mut Vec<ValueId>) {
    b.walk(&mut |i| {
        if let Op::For { index, .. } = &i.op {
            out.push(*index);
        }
        if let Some(r) = i.result {
            out.push(r);
        }
    });
}

/// The end of a replacement chain (SSA replacement maps never form cycles).
pub(crate) fn resolve(map: &ValueMap, mut v: ValueId) -> ValueId {
    while let Some(&next) = map.get(&v) {
        if next == v {
            break;
        }
        v = next;
    }
    v
}

/// Rewrite the operands of every inst of a block, nested regions included.
pub(crate) fn replace_uses(b: &mut Block, map: &ValueMap) {
    if map.is_empty() {
        return;
    }
    b.walk_mut(&mut |i| i.op.map_operands(|v| resolve(map, v)));
}

/// Rename every value a block defines and uses through `map` (results, `For` indices and
/// operands), nested regions included. Values absent from the map keep their id.
pub(crate) fn remap_block(b: &mut Block, map: &ValueMap) {
    let m = |v: ValueId| map.get(&v).copied().unwrap_or(v);
    b.walk_mut(&mut |i| {
        i.result = i.result.map(m);
        i.op.map_operands(m);
        if let Op::For { index, .. } = &mut i.op {
            *index = m(*index);
        }
    });
}

/// The type of a value, as an error when the kernel never defined it.
pub(crate) fn ty_of(k: &Kernel, v: ValueId) -> IrResult<Ty> {
    k.ty(v).ok_or_else(|| IrError::Invalid(format!("{v} has no type")))
}

/// True when evaluating the op may fail at run time. The only fallible evaluation is integer
/// division or remainder by zero ([`crate::eval::EvalError::DivByZero`]); a divisor known to
/// be a nonzero constant cannot fail. Passes that move a pure op to where it did not run
/// before (LICM out of a loop that may run zero times) must not move ops that can fail.
pub(crate) fn can_trap(op: &Op, k: &Kernel, consts: &ConstMap) -> bool {
    match op {
        Op::Binary { op: BinaryOp::Div | BinaryOp::Rem, lhs, rhs } => {
            let is_float = k.ty(*lhs).is_some_and(|t| t.dtype.is_float());
            let nonzero_divisor = consts.get(rhs).is_some_and(|c| c.bits != 0);
            !is_float && !nonzero_divisor
        }
        _ => false,
    }
}

/// Constant bounds of a `For` loop, read as exact integers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConstRange {
    pub start: i128,
    pub step: i128,
    pub trips: i128,
}

/// The iterations of `for i in (start..end).step_by(step)` (`..=end` when inclusive) when
/// start, end and step are constants and step is positive (the only steps the language's
/// ranges have; loops with other steps are left alone). Indices are `start + k * step` for
/// `k` in `0..trips`, all within the range, so they are representable in the index dtype.
pub(crate) fn const_range(
    consts: &ConstMap,
    start: ValueId,
    end: ValueId,
    step: ValueId,
    inclusive: bool,
) -> Option<ConstRange> {
    let (s, e, st) = (consts.get(&start)?, consts.get(&end)?, consts.get(&step)?);
    if !s.dtype.is_int() {
        return None;
    }
    let (s, e, st) = (s.as_i128(), e.as_i128(), st.as_i128());
    if st <= 0 {
        return None;
    }
    let trips = match (inclusive, s.cmp(&e)) {
        (_, std::cmp::Ordering::Greater) | (false, std::cmp::Ordering::Equal) => 0,
        (true, _) => (e - s) / st + 1,
        (false, _) => (e - s + st - 1) / st,
    };
    Some(ConstRange { start: s, step: st, trips })
}
