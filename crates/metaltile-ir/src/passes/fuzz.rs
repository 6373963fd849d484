//! Randomized differential test: random kernels (integer and float arithmetic, loads,
//! stores, variables, nested `if`/if-expressions, `for` and `while` loops, `break`,
//! `continue`, `return`, constants that decide branches and trip counts) are run on the test
//! evaluator before and after each pass and the whole pipeline; where the original runs
//! without error, the transformed kernel must verify and compute the same memory.
//!
//! Where the original fails (integer division by zero, out-of-bounds index) no comparison is
//! made: removing a dead failing op is allowed (see the report on DCE).

use super::testing::*;
use crate::op::{BinaryOp as B, CmpOp};
use crate::{print_kernel, Builder, Constant, DType, Kernel, MemRef, Op, Ty, ValueId, VarId};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

struct Gen {
    rng: Rng,
    b: Builder,
    /// Visible values by type, one frame per open block.
    ints: Vec<Vec<ValueId>>,
    floats: Vec<Vec<ValueId>>,
    x: MemRef,
    y: MemRef,
    z: MemRef,
    /// Float input with signed zeros, infinities and NaN.
    w: MemRef,
    var: VarId,
    loop_depth: usize,
    budget: usize,
}

const INT_OPS: [B; 12] =
    [B::Add, B::Sub, B::Mul, B::Div, B::Rem, B::And, B::Or, B::Xor, B::Shl, B::Shr, B::Max, B::Min];
const FLOAT_OPS: [B; 6] = [B::Add, B::Sub, B::Mul, B::Div, B::Max, B::Min];
const CMPS: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

impl Gen {
    fn visible(frames: &[Vec<ValueId>]) -> Vec<ValueId> {
        frames.iter().flatten().copied().collect()
    }

    fn int(&mut self) -> ValueId {
        let vis = Self::visible(&self.ints);
        if vis.is_empty() || self.rng.chance(25) {
            let c = self.rng.pick(&[0i32, 1, -1, 2, 3, 7, 31, i32::MIN]);
            let v = konst(&mut self.b, Constant::i32(c));
            self.def_int(v);
            v
        } else {
            self.rng.pick(&vis)
        }
    }

    fn float(&mut self) -> ValueId {
        let vis = Self::visible(&self.floats);
        if vis.is_empty() || self.rng.chance(25) {
            let c = self.rng.pick(&[0.0f32, -0.0, 1.0, 2.5, -1.0]);
            let v = konst(&mut self.b, Constant::f32(c));
            self.def_float(v);
            v
        } else {
            self.rng.pick(&vis)
        }
    }

    fn def_int(&mut self, v: ValueId) {
        if let Some(f) = self.ints.last_mut() {
            f.push(v)
        }
    }
    fn def_float(&mut self, v: ValueId) {
        if let Some(f) = self.floats.last_mut() {
            f.push(v)
        }
    }

    /// An index in 0..8 for the 8-element buffers.
    fn index(&mut self) -> ValueId {
        let v = self.int();
        let seven = konst(&mut self.b, Constant::i32(7));
        bin(&mut self.b, B::And, v, seven)
    }

    fn cond(&mut self) -> ValueId {
        if self.rng.chance(30) {
            return konst(&mut self.b, Constant::bool(self.rng.chance(50)));
        }
        let op = self.rng.pick(&CMPS);
        let (lhs, rhs) = if self.rng.chance(70) { (self.int(), self.int()) } else { (self.float(), self.float()) };
        self.b.value(Op::Cmp { op, lhs, rhs }).unwrap()
    }

    fn open(&mut self) {
        self.b.begin_block();
        self.ints.push(Vec::new());
        self.floats.push(Vec::new());
    }

    fn close(&mut self) -> crate::Block {
        self.ints.pop();
        self.floats.pop();
        self.b.end_block().unwrap()
    }

    fn stmts(&mut self, depth: usize) {
        let n = 1 + self.rng.below(5);
        for _ in 0..n {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            self.stmt(depth);
        }
    }

    fn stmt(&mut self, depth: usize) {
        let nested = depth < 3;
        match self.rng.below(15) {
            0 | 1 => {
                let op = self.rng.pick(&INT_OPS);
                let (l, r) = (self.int(), self.int());
                let v = bin(&mut self.b, op, l, r);
                self.def_int(v);
            }
            2 | 14 => {
                let op = self.rng.pick(&FLOAT_OPS);
                let (l, r) = (self.float(), self.float());
                let v = bin(&mut self.b, op, l, r);
                self.def_float(v);
            }
            3 if self.rng.chance(50) => {
                let idx = self.index();
                let v = self.b.value(Op::Load { mem: self.w, index: idx, lanes: 1 }).unwrap();
                self.def_float(v);
            }
            3 => {
                let idx = self.index();
                let v = self.b.value(Op::Load { mem: self.x, index: idx, lanes: 1 }).unwrap();
                self.def_int(v);
                let f = self.b.value(Op::Cast { arg: v, to: DType::F32 }).unwrap();
                self.def_float(f);
            }
            4 | 5 => {
                let idx = self.index();
                if self.rng.chance(60) {
                    let v = self.int();
                    self.b.push(Op::Store { mem: self.y, index: idx, value: v }).unwrap();
                } else {
                    let v = self.float();
                    self.b.push(Op::Store { mem: self.z, index: idx, value: v }).unwrap();
                }
            }
            6 => {
                let v = self.int();
                self.b.push(Op::VarStore { var: self.var, value: v }).unwrap();
            }
            7 => {
                let v = self.b.value(Op::VarLoad(self.var)).unwrap();
                self.def_int(v);
            }
            8 if nested => {
                let c = self.cond();
                self.open();
                self.stmts(depth + 1);
                let t = self.close();
                self.open();
                if self.rng.chance(50) {
                    self.stmts(depth + 1);
                }
                let e = self.close();
                self.b.push_if(c, t, e, None).unwrap();
            }
            9 if nested => {
                let c = self.cond();
                let branch = |g: &mut Gen| {
                    g.open();
                    g.stmts(depth + 1);
                    let v = g.int();
                    g.b.push(Op::Yield(Some(v))).unwrap();
                    g.close()
                };
                let t = branch(self);
                let e = branch(self);
                let v = self.b.push_if(c, t, e, Some(Ty::scalar(DType::I32))).unwrap().unwrap();
                self.def_int(v);
            }
            10 if nested => {
                let start = konst(&mut self.b, Constant::i32(self.rng.pick(&[0, 1, -2])));
                let end = if self.rng.chance(70) {
                    konst(&mut self.b, Constant::i32(self.rng.pick(&[0, 1, 3, 5])))
                } else {
                    let v = self.int();
                    let three = konst(&mut self.b, Constant::i32(3));
                    bin(&mut self.b, B::And, v, three)
                };
                let step = konst(&mut self.b, Constant::i32(self.rng.pick(&[1, 1, 2])));
                let inclusive = self.rng.chance(30);
                let index = self.b.new_value(Ty::scalar(DType::I32));
                self.open();
                self.def_int(index);
                self.loop_depth += 1;
                self.stmts(depth + 1);
                self.loop_depth -= 1;
                let body = self.close();
                let op = Op::For { index, start, end, step, inclusive, body };
                self.b.push_inst(crate::Inst { result: None, op }).unwrap();
            }
            11 if nested => {
                // while counter < limit { counter += 1; ... }: always terminates (each loop
                // has its own counter, so nested loops do not reset each other's).
                let counter = self.b.var("counter", Ty::scalar(DType::I32));
                let zero = konst(&mut self.b, Constant::i32(0));
                self.b.push(Op::VarStore { var: counter, value: zero }).unwrap();
                self.open();
                let c = self.b.value(Op::VarLoad(counter)).unwrap();
                let lim = konst(&mut self.b, Constant::i32(self.rng.pick(&[0, 2, 3])));
                let go = self.b.value(Op::Cmp { op: CmpOp::Lt, lhs: c, rhs: lim }).unwrap();
                self.b.push(Op::Yield(Some(go))).unwrap();
                let cond = self.close();
                self.open();
                let c = self.b.value(Op::VarLoad(counter)).unwrap();
                let one = konst(&mut self.b, Constant::i32(1));
                let next = bin(&mut self.b, B::Add, c, one);
                self.b.push(Op::VarStore { var: counter, value: next }).unwrap();
                self.loop_depth += 1;
                self.stmts(depth + 1);
                self.loop_depth -= 1;
                let body = self.close();
                self.b.push(Op::While { cond, body }).unwrap();
            }
            12 if self.loop_depth > 0 => {
                let c = self.cond();
                let exit = if self.rng.chance(50) { Op::Break } else { Op::Continue };
                self.b.begin_block();
                self.b.push(exit).unwrap();
                let t = self.b.end_block().unwrap();
                self.b.push_if(c, t, crate::Block::default(), None).unwrap();
            }
            13 if self.rng.chance(30) => {
                let c = self.cond();
                self.b.begin_block();
                self.b.push(Op::Return).unwrap();
                let t = self.b.end_block().unwrap();
                self.b.push_if(c, t, crate::Block::default(), None).unwrap();
            }
            _ => {
                let op = self.rng.pick(&INT_OPS);
                let (l, r) = (self.int(), self.int());
                let v = bin(&mut self.b, op, l, r);
                self.def_int(v);
            }
        }
    }
}

fn generate(seed: u64) -> Kernel {
    let mut b = Builder::new("fuzz", None);
    let x = b.buffer_param("x", DType::I32, false);
    let y = b.buffer_param("y", DType::I32, true);
    let z = b.buffer_param("z", DType::F32, true);
    let w = b.buffer_param("w", DType::F32, false);
    let p = b.scalar_param("p", DType::I32).unwrap();
    let q = b.scalar_param("q", DType::F32).unwrap();
    let var = b.var("v", Ty::scalar(DType::I32));
    let gid = b.value(Op::Builtin(crate::Builtin::GlobalId(crate::Axis::X))).unwrap();
    let g = b.value(Op::Cast { arg: gid, to: DType::I32 }).unwrap();
    let zero = konst(&mut b, Constant::i32(0));
    b.push(Op::VarStore { var, value: zero }).unwrap();
    let mut gen = Gen {
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        b,
        ints: vec![vec![p, g]],
        floats: vec![vec![q]],
        x,
        y,
        z,
        w,
        var,
        loop_depth: 0,
        budget: 40,
    };
    gen.stmts(0);
    while gen.budget > 0 {
        gen.budget -= 1;
        gen.stmt(0);
    }
    gen.b.finish().unwrap()
}

fn state(seed: u64) -> State {
    let x: Vec<u64> = (0..8).map(|i| ((i * 5 + seed as i64 % 7) - 9) as u64).collect();
    let w = [-0.0f32, 0.0, 1.5, -2.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 3.0];
    let w: Vec<u64> = w.iter().map(|f| f.to_bits() as u64).collect();
    let mut s = with_buffers(&[(0, x), (1, vec![0; 8]), (2, vec![0; 8]), (3, w)]);
    s.scalars.insert(4, crate::dtype::wrap_int(DType::I32, seed % 11));
    s.scalars.insert(5, [-0.0f32, 0.5, f32::NAN][(seed % 3) as usize].to_bits() as u64);
    s
}

fn same(before: &Kernel, after: &Kernel, what: &str, seed: u64) -> bool {
    let mut compared = false;
    for input in 0..3 {
        let mut s1 = state(seed + input);
        if execute(before, &mut s1, 3).is_err() {
            continue;
        }
        let mut s2 = state(seed + input);
        let r = execute(after, &mut s2, 3);
        assert!(
            r.is_ok() && s1 == s2,
            "{what} changed kernel {seed} on input {input}: {r:?}\nbefore:\n{}\nafter:\n{}",
            print_kernel(before),
            print_kernel(after)
        );
        compared = true;
    }
    compared
}

#[test]
fn passes_preserve_semantics_on_random_kernels() {
    let mut compared = 0;
    let mut transformed = 0;
    for seed in 0..300 {
        let k = generate(seed);
        for p in super::PASSES {
            let mut after = k.clone();
            let changed = (p.run)(&mut after).unwrap();
            crate::verify(&after)
                .unwrap_or_else(|e| panic!("{} broke kernel {seed}: {e}\n{}", p.name, print_kernel(&after)));
            transformed += usize::from(changed);
            same(&k, &after, p.name, seed);
        }
        let mut opt = k.clone();
        super::run_pipeline(&mut opt)
            .unwrap_or_else(|e| panic!("pipeline on kernel {seed}: {e}\n{}", print_kernel(&k)));
        compared += usize::from(same(&k, &opt, "the pipeline", seed));
    }
    // The generator must exercise the passes: most kernels run cleanly and get transformed.
    assert!(compared > 150, "only {compared} kernels ran without error");
    assert!(transformed > 600, "only {transformed} pass runs changed anything");
}
