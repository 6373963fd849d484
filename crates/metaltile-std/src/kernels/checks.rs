//! Checks of every kernel instance any plan launches (`StdOp::instances`), for every float
//! dtype, after the optimization passes: private arrays live in registers (touched only
//! outside loops, at constant indices: what lets a GPU compiler keep them out of local
//! memory), and the MSL and CUDA pass the syntax checks. `tests/codegen.rs` checks only each
//! registry kernel's default instance.

#![allow(clippy::unwrap_used, clippy::panic)]

use crate::registry;
use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, ArraySpace, Block, Kernel, MemRef, Op, ValueId, FLOAT_DTYPES};
use std::collections::HashSet;

/// Every private-array access of `b` that is inside a loop or has a non-constant index.
fn private_accesses_off_registers(k: &Kernel, b: &Block, in_loop: bool, consts: &mut HashSet<ValueId>) -> Vec<String> {
    let mut bad = Vec::new();
    for inst in &b.insts {
        if let (Op::Const(_), Some(r)) = (&inst.op, inst.result) {
            consts.insert(r);
        }
        let access = match &inst.op {
            Op::Load { mem, index, .. } | Op::Store { mem, index, .. } | Op::MaskedLoad { mem, index, .. } => {
                Some((*mem, *index))
            }
            _ => None,
        };
        if let Some((MemRef::Array(a), index)) = access {
            let decl = &k.arrays[a as usize];
            if decl.space == ArraySpace::Private && (in_loop || !consts.contains(&index)) {
                bad.push(format!(
                    "`{}`[{index}] {}",
                    decl.name,
                    if in_loop { "inside a loop" } else { "at a run-time index" }
                ));
            }
        }
        let looped = in_loop || matches!(inst.op, Op::For { .. } | Op::While { .. });
        for inner in inst.op.blocks() {
            bad.extend(private_accesses_off_registers(k, inner, looped, consts));
        }
    }
    bad
}

fn optimized_instances() -> Vec<Kernel> {
    let mut out = Vec::new();
    for entry in registry::all() {
        for (def, consts) in entry.op.instances() {
            for d in registry::checked_dtypes(&def) {
                let mut k = def.ir(Some(d), &consts).unwrap_or_else(|e| panic!("{} {d} {consts:?}: {e}", def.name));
                passes::run_pipeline(&mut k).unwrap();
                out.push(k);
            }
        }
    }
    out
}

#[test]
fn private_arrays_stay_in_registers() {
    let kernels = optimized_instances();
    let mut register_plans = 0;
    for k in &kernels {
        let bad = private_accesses_off_registers(k, &k.body, false, &mut HashSet::new());
        assert!(bad.is_empty(), "{} {:?}: {}", k.name, k.constexprs, bad.join(", "));
        if k.constexprs.iter().any(|(name, _)| name == "per_thread") {
            assert!(k.arrays.iter().any(|a| a.space == ArraySpace::Private), "{} keeps its row in an array", k.name);
            register_plans += 1;
        }
    }
    // The check saw the register plans of softmax, log_softmax, both norms, add_rms_norm and
    // rms_norm_gated, at every `per_thread`, in every dtype (the elementwise kernels' arrays
    // come on top).
    assert_eq!(register_plans, 6 * crate::ops::PER_THREAD_CHOICES.len() * FLOAT_DTYPES.len());
}

#[test]
fn the_check_sees_an_array_left_in_a_loop() {
    // A register kernel before unrolling keeps its loops over the private array.
    let raw = crate::kernels::softmax::softmax::DEF.ir(Some(metaltile_ir::DType::F32), &Default::default()).unwrap();
    assert!(!private_accesses_off_registers(&raw, &raw.body, false, &mut HashSet::new()).is_empty());
}

#[test]
fn every_instance_emits_checked_msl_and_cuda() {
    let kernels = optimized_instances();
    let mut sources = Vec::new();
    for k in &kernels {
        for target in Target::ALL {
            let text = emit(k, target).unwrap_or_else(|e| panic!("{} {:?} {target}: {e}", k.name, k.constexprs));
            sources.push((format!("{} {:?} ({target})", k.name, k.constexprs), text, target));
        }
    }
    let files: Vec<(&str, Target)> = sources.iter().map(|(_, s, t)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        let names: Vec<&str> = sources.iter().map(|(n, _, _)| n.as_str()).collect();
        panic!("file numbers index this list: {names:?}\n{e}");
    }
}
