//! Optimization passes over verified kernels, and the pass manager.
//!
//! Every pass decides from the op properties declared in [`crate::op`] (effect, cost,
//! operands, regions) and evaluates with [`crate::eval`], the semantics the interpreter
//! shares. Each keeps the kernel verifying and keeps the source names of the values it keeps.

pub mod cse;
pub mod dce;
pub mod fold;
pub mod licm;
pub mod unroll;
mod util;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod fuzz;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod testing;

use crate::error::{IrError, IrResult};
use crate::kernel::Kernel;

/// One pass: a name for `tile inspect --pass <name>`, what it does, and the transform, which
/// returns whether it changed anything.
#[derive(Clone, Copy, Debug)]
pub struct Pass {
    /// Short name (`fold`, `dce`, ...), as `tile inspect --pass` takes it.
    pub name: &'static str,
    /// One line saying what the pass does.
    pub description: &'static str,
    /// The transform; returns whether the kernel changed.
    pub run: fn(&mut Kernel) -> IrResult<bool>,
}

/// The optimization pipeline, in order.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "fold",
        description: "constant folding and constexpr specialization: evaluate constant pure ops, exact algebraic \
                      identities, remove control flow decided by constants",
        run: fold::run,
    },
    Pass {
        name: "dce",
        description: "dead code elimination: unreachable code, unused pure/read ops, stores never loaded, empty \
                      ifs and loops, unused variables",
        run: dce::run,
    },
    Pass {
        name: "cse",
        description: "common subexpression elimination of pure ops within dominance scope",
        run: cse::run,
    },
    Pass { name: "licm", description: "loop-invariant code motion of pure ops that cannot fail", run: licm::run },
    Pass {
        name: "unroll",
        description: "full unrolling of for loops with small constant trip counts",
        run: unroll::run,
    },
];

/// Most rounds of the whole pipeline [`run_pipeline`] runs looking for a fixed point.
pub const MAX_ROUNDS: usize = 32;

/// The pass with this name.
pub fn find(name: &str) -> Option<&'static Pass> {
    PASSES.iter().find(|p| p.name == name)
}

/// Run the pipeline repeatedly until no pass changes the kernel (at most [`MAX_ROUNDS`]
/// rounds; stopping early leaves a correct, less optimized kernel).
pub fn run_pipeline(k: &mut Kernel) -> IrResult<()> {
    check(k, None)?;
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for p in PASSES {
            changed |= run_pass(p, k)?;
        }
        if !changed {
            break;
        }
    }
    Ok(())
}

/// Run the pipeline's passes once, in order, up to and including the one named `last`.
pub fn run_until(k: &mut Kernel, last: &str) -> IrResult<()> {
    let end = PASSES.iter().position(|p| p.name == last).ok_or_else(|| {
        let known: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
        IrError::Invalid(format!("unknown pass `{last}` (known passes: {})", known.join(", ")))
    })?;
    check(k, None)?;
    for p in PASSES.iter().take(end + 1) {
        run_pass(p, k)?;
    }
    Ok(())
}

fn run_pass(p: &Pass, k: &mut Kernel) -> IrResult<bool> {
    let changed = (p.run)(k)?;
    check(k, Some(p.name))?;
    Ok(changed)
}

/// Verify in debug builds and tests, naming the pass after which the kernel broke (`None`:
/// the kernel handed to the pipeline was already invalid).
fn check(k: &Kernel, after: Option<&str>) -> IrResult<()> {
    if cfg!(any(debug_assertions, test)) {
        crate::verify::verify(k).map_err(|e| match after {
            Some(pass) => IrError::Invalid(format!("pass `{pass}` produced an invalid kernel: {e}")),
            None => e,
        })?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::op::{BinaryOp as B, UnaryOp};
    use crate::{Builder, CmpOp, Constant, DType, Op, Ty};

    #[test]
    fn passes_are_listed_in_pipeline_order_and_found_by_name() {
        let names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
        assert_eq!(names, ["fold", "dce", "cse", "licm", "unroll"]);
        for p in PASSES {
            assert_eq!(find(p.name).map(|f| f.name), Some(p.name));
            assert!(!p.description.is_empty());
        }
        assert!(find("vectorize").is_none());
    }

    /// A kernel specialized by constexprs `n = 4` and `scaled = false`:
    /// `acc = 0; for i in 0..n { acc += x[gid*n + i] * (if scaled { s } else { 1.0 }) }; y[gid] = acc`.
    fn specialized() -> crate::Kernel {
        let mut b = Builder::new("rowsum", Some(DType::F32));
        let x = b.buffer_param("x", DType::F32, false);
        let y = b.buffer_param("y", DType::F32, true);
        let s = b.scalar_param("s", DType::F32).unwrap();
        let n = b.constexpr("n", Constant::u32(4)).unwrap();
        let scaled = b.constexpr("scaled", Constant::bool(false)).unwrap();
        let gid = b.value(Op::Builtin(crate::Builtin::GlobalId(crate::Axis::X))).unwrap();
        let acc = b.var("acc", Ty::scalar(DType::F32));
        let fzero = konst(&mut b, Constant::f32(0.0));
        b.push(Op::VarStore { var: acc, value: fzero }).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        for_loop(&mut b, zero, n, one, false, |b, i| {
            let row = bin(b, B::Mul, gid, n);
            let idx = bin(b, B::Add, row, i);
            let v = b.value(Op::Load { mem: x, index: idx, lanes: 1 }).unwrap();
            let f = if_expr(b, scaled, Ty::scalar(DType::F32), |_| s, |b| konst(b, Constant::f32(1.0)));
            let p = bin(b, B::Mul, v, f);
            let a = b.value(Op::VarLoad(acc)).unwrap();
            let sum = bin(b, B::Add, a, p);
            b.push(Op::VarStore { var: acc, value: sum }).unwrap();
            // Dead: unused, and a never-taken branch.
            let dead = b.value(Op::Unary { op: UnaryOp::Exp, arg: v, fast: false }).unwrap();
            let _ = dead;
            if_stmt(b, scaled, |b| b.push(Op::Return).map(|_| ()).unwrap(), |_| {});
        });
        let r = b.value(Op::VarLoad(acc)).unwrap();
        let idx = bin(&mut b, B::Add, gid, zero);
        b.push(Op::Store { mem: y, index: idx, value: r }).unwrap();
        b.finish().unwrap()
    }

    fn inputs() -> State {
        let x: Vec<u64> = (0..12).map(|i| (i as f32 * 0.75 - 3.0).to_bits() as u64).collect();
        let mut s = with_buffers(&[(0, x), (1, vec![0; 3])]);
        s.scalars.insert(2, 2.5f32.to_bits() as u64);
        s
    }

    fn same_outputs(a: &crate::Kernel, b: &crate::Kernel) {
        let (mut s1, mut s2) = (inputs(), inputs());
        assert_eq!(execute(a, &mut s1, 3), execute(b, &mut s2, 3));
        assert_eq!(s1, s2);
        assert_ne!(s1, inputs());
    }

    #[test]
    fn pipeline_specializes_on_constexprs_and_reaches_a_fixed_point() {
        let k = specialized();
        let mut opt = k.clone();
        run_pipeline(&mut opt).unwrap();
        same_outputs(&k, &opt);
        let text = crate::print_kernel(&opt);
        assert_eq!(count(&opt, |o| matches!(o, Op::For { .. } | Op::If { .. })), 0, "{text}");
        assert_eq!(count(&opt, |o| matches!(o, Op::Unary { .. })), 0, "{text}");
        assert_eq!(count(&opt, |o| matches!(o, Op::Binary { op: B::Mul, .. })), 1, "{text}");
        assert_eq!(count(&opt, |o| matches!(o, Op::Load { .. })), 4, "{text}");
        let mut again = opt.clone();
        for p in PASSES {
            assert!(!(p.run)(&mut again).unwrap(), "{} still changes the kernel\n{text}", p.name);
        }
        assert_eq!(again, opt);
    }

    #[test]
    fn run_until_stops_after_the_named_pass() {
        let k = specialized();
        let mut upto_cse = k.clone();
        run_until(&mut upto_cse, "cse").unwrap();
        same_outputs(&k, &upto_cse);
        // Folded and cleaned, but the loop is still there with `gid * n` inside it.
        assert_eq!(count(&upto_cse, |o| matches!(o, Op::For { .. })), 1);
        assert_eq!(count(&upto_cse, |o| matches!(o, Op::If { .. } | Op::Unary { .. })), 0);
        let in_loop = |k: &crate::Kernel| {
            let mut n = 0;
            for i in &k.body.insts {
                if let Op::For { body, .. } = &i.op {
                    n = body.insts.len();
                }
            }
            n
        };
        let mut upto_licm = k.clone();
        run_until(&mut upto_licm, "licm").unwrap();
        same_outputs(&k, &upto_licm);
        assert!(in_loop(&upto_licm) < in_loop(&upto_cse));
        let mut all = k.clone();
        run_until(&mut all, "unroll").unwrap();
        assert_eq!(count(&all, |o| matches!(o, Op::For { .. })), 0);
        same_outputs(&k, &all);
    }

    #[test]
    fn unknown_pass_and_invalid_input_are_errors() {
        let mut k = specialized();
        match run_until(&mut k, "vectorize") {
            Err(IrError::Invalid(msg)) => assert!(msg.contains("vectorize") && msg.contains("licm"), "{msg}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(k, specialized());
        k.value_names.pop();
        assert!(run_pipeline(&mut k).is_err());
        assert!(run_until(&mut k, "fold").is_err());
        match check(&k, Some("cse")) {
            Err(IrError::Invalid(msg)) => assert!(msg.contains("`cse`"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn comparisons_feed_branch_folding_across_rounds() {
        // `if n > 2 { y[0] = 1 }` with n a constexpr 3: fold evaluates the comparison, then the
        // if; the pipeline leaves a single store.
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let n = b.constexpr("n", Constant::u32(3)).unwrap();
        let two = konst(&mut b, Constant::u32(2));
        let c = b.value(Op::Cmp { op: CmpOp::Gt, lhs: n, rhs: two }).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        if_stmt(&mut b, c, |b| b.push(Op::Store { mem: y, index: zero, value: n }).map(|_| ()).unwrap(), |_| {});
        let mut k = b.finish().unwrap();
        run_pipeline(&mut k).unwrap();
        let ops: Vec<String> = k.body.insts.iter().map(|i| i.op.mnemonic()).collect();
        assert_eq!(ops, ["const", "const", "store"]);
    }
}
