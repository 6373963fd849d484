//! Facts the printer needs before it writes a line: which values and variables are used (an
//! unused declaration is a compiler warning), where each variable can be declared, which
//! values are constants to write inline, and which arrays are accessed as vectors.

use metaltile_ir::{Block, Constant, Inst, Kernel, MemRef, Op, ValueId, VarId};

/// Per-kernel facts, indexed by value, variable or array number.
pub(crate) struct Analysis {
    /// The value is read by code that is emitted.
    pub live: Vec<bool>,
    /// The variable is read by code that is emitted (otherwise it and its stores are dropped).
    pub live_vars: Vec<bool>,
    /// Variables whose first use is a store in the kernel's top-level block, by the position
    /// of that store: they are declared there, initialized by it. Others are declared first.
    pub declared_at_store: Vec<Option<usize>>,
    /// The constant a value is defined by, if it is one.
    pub consts: Vec<Option<Constant>>,
    /// Widest vector access (in bytes) to each array, 0 when only scalars are accessed.
    pub array_vector_bytes: Vec<u32>,
    /// The array is read (loaded or updated atomically). Arrays nobody reads are dropped with
    /// their stores: their contents cannot be observed after the kernel.
    pub array_read: Vec<bool>,
}

impl Analysis {
    pub(crate) fn new(k: &Kernel) -> Analysis {
        let n = k.values.len();
        let mut a = Analysis {
            live: vec![false; n],
            live_vars: vec![false; k.vars.len()],
            declared_at_store: vec![None; k.vars.len()],
            consts: vec![None; n],
            array_vector_bytes: vec![0; k.arrays.len()],
            array_read: vec![false; k.arrays.len()],
        };
        k.body.walk(&mut |inst| match inst.op {
            Op::Load { mem: MemRef::Array(i), .. }
            | Op::MaskedLoad { mem: MemRef::Array(i), .. }
            | Op::Atomic { mem: MemRef::Array(i), .. }
            | Op::AtomicCas { mem: MemRef::Array(i), .. } => {
                if let Some(r) = a.array_read.get_mut(i as usize) {
                    *r = true;
                }
            }
            _ => {}
        });
        let mut g = Graph { deps: vec![Vec::new(); n], loads: vec![None; n], stores: vec![Vec::new(); k.vars.len()] };
        let mut roots = Vec::new();
        k.body.walk(&mut |inst| a.visit(k, inst, &mut g, &mut roots));
        a.mark_live(&g, roots);
        a.place_vars(k);
        a
    }

    pub(crate) fn is_live(&self, v: ValueId) -> bool {
        self.live.get(v.0 as usize).copied().unwrap_or(false)
    }

    pub(crate) fn var_live(&self, v: VarId) -> bool {
        self.live_vars.get(v.0 as usize).copied().unwrap_or(false)
    }

    pub(crate) fn array_is_read(&self, i: u32) -> bool {
        self.array_read.get(i as usize).copied().unwrap_or(false)
    }

    pub(crate) fn constant(&self, v: ValueId) -> Option<Constant> {
        self.consts.get(v.0 as usize).copied().flatten()
    }

    fn visit(&mut self, k: &Kernel, inst: &Inst, g: &mut Graph, roots: &mut Vec<ValueId>) {
        let op = &inst.op;
        match op {
            Op::Load { mem: MemRef::Array(i), lanes, .. } if *lanes > 1 => {
                self.note_vector(k, *i, *lanes);
            }
            Op::Store { mem: MemRef::Array(i), value, .. } => {
                if let Some(t) = k.ty(*value).filter(|t| t.lanes > 1) {
                    self.note_vector(k, *i, t.lanes);
                }
            }
            _ => {}
        }
        match op {
            Op::VarStore { var, value } => {
                if let Some(s) = g.stores.get_mut(var.0 as usize) {
                    s.push(*value);
                }
            }
            Op::If { cond, then_block, else_block } => {
                roots.push(*cond);
                if let Some(r) = inst.result {
                    let yields = [then_block, else_block].into_iter().filter_map(yielded);
                    g.set_deps(r, yields.collect());
                }
            }
            Op::While { cond, .. } => roots.extend(yielded(cond)),
            Op::Store { mem: MemRef::Array(i), .. } if !self.array_is_read(*i) => {}
            Op::For { .. }
            | Op::Store { .. }
            | Op::Atomic { .. }
            | Op::AtomicCas { .. }
            | Op::Barrier(_)
            | Op::Break
            | Op::Continue
            | Op::Return => roots.extend(op.operands()),
            // The op that owns the block reads the yielded value.
            Op::Yield(_) => {}
            Op::VarLoad(var) => {
                if let Some(r) = inst.result {
                    if let Some(slot) = g.loads.get_mut(r.0 as usize) {
                        *slot = Some(*var);
                    }
                }
            }
            Op::Const(c) => {
                if let Some(slot) = inst.result.and_then(|r| self.consts.get_mut(r.0 as usize)) {
                    *slot = Some(*c);
                }
            }
            _ => {
                if let Some(r) = inst.result {
                    g.set_deps(r, op.operands());
                }
            }
        }
    }

    fn note_vector(&mut self, k: &Kernel, array: u32, lanes: u8) {
        let size = k.arrays.get(array as usize).map_or(0, |a| a.dtype.size_bytes() as u32);
        if let Some(slot) = self.array_vector_bytes.get_mut(array as usize) {
            *slot = (*slot).max(size * lanes as u32);
        }
    }

    fn mark_live(&mut self, g: &Graph, mut work: Vec<ValueId>) {
        while let Some(v) = work.pop() {
            let i = v.0 as usize;
            match self.live.get_mut(i) {
                Some(l) if !*l => *l = true,
                _ => continue,
            }
            work.extend(g.deps.get(i).into_iter().flatten().copied());
            if let Some(var) = g.loads.get(i).copied().flatten() {
                let j = var.0 as usize;
                if let Some(l) = self.live_vars.get_mut(j) {
                    if !*l {
                        *l = true;
                        work.extend(g.stores.get(j).into_iter().flatten().copied());
                    }
                }
            }
        }
    }

    fn place_vars(&mut self, k: &Kernel) {
        let mut seen = vec![false; k.vars.len()];
        for (pos, inst) in k.body.insts.iter().enumerate() {
            if let Op::VarStore { var, .. } = inst.op {
                let j = var.0 as usize;
                if seen.get(j) == Some(&false) {
                    self.declared_at_store[j] = Some(pos);
                }
            }
            let mut touched = Vec::new();
            let mut collect = |i: &Inst| {
                if let Op::VarLoad(v) | Op::VarStore { var: v, .. } = i.op {
                    touched.push(v)
                }
            };
            collect(inst);
            for b in inst.op.blocks() {
                b.walk(&mut collect);
            }
            for v in touched {
                if let Some(s) = seen.get_mut(v.0 as usize) {
                    *s = true;
                }
            }
        }
    }
}

/// Who reads what: value dependencies, variable loads and the values stored to each variable.
struct Graph {
    deps: Vec<Vec<ValueId>>,
    loads: Vec<Option<VarId>>,
    stores: Vec<Vec<ValueId>>,
}

impl Graph {
    fn set_deps(&mut self, v: ValueId, deps: Vec<ValueId>) {
        if let Some(slot) = self.deps.get_mut(v.0 as usize) {
            *slot = deps;
        }
    }
}

/// The value a block ends by yielding, if it does.
pub(crate) fn yielded(b: &Block) -> Option<ValueId> {
    match b.insts.last().map(|i| &i.op) {
        Some(Op::Yield(v)) => *v,
        _ => None,
    }
}
