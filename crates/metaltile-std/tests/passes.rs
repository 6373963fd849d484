//! The optimization passes preserve semantics on real kernels: every std op × dtype runs on
//! the interpreter with every kernel its plan launches unoptimized, after each pass of the
//! pipeline (one round up to it), and fully optimized, on random and special-value inputs;
//! every output is bit-identical.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::passes::{self, PASSES};
use metaltile_ir::{ConstArgs, Kernel};
use metaltile_runtime::{Buffer, Device};
use metaltile_std::registry::{self, Entry};
use metaltile_std::testing::{cases, inputs, upload_with, Case, CaseKind};

/// The plan's outputs with every launched kernel rebuilt unoptimized and then `transform`ed
/// (e.g. stopped after some passes): a fresh plan, so fresh poisoned outputs, and a pass that
/// drops a store cannot hide.
fn outputs(
    dev: &Device,
    entry: &Entry,
    case: &Case,
    inputs: &[Buffer],
    transform: &dyn Fn(&mut Kernel),
) -> Vec<Vec<u8>> {
    let plan = entry.op.plan(dev, &inputs.iter().collect::<Vec<_>>(), &case.params).unwrap();
    plan.run_rebuilt(dev, transform).unwrap();
    plan.outputs().iter().map(|(_, b)| b.to_bytes().unwrap()).collect()
}

fn probe_cases(entry: &Entry) -> Vec<Case> {
    // The first random case and the special values, per dtype.
    let all = cases(entry);
    let pick = |kind| all.iter().filter(move |c: &&Case| c.kind == kind);
    entry
        .checked_dtypes()
        .into_iter()
        .flat_map(|d| {
            let random = pick(CaseKind::Random).find(|c| c.dtype == d).cloned();
            let special = pick(CaseKind::Specials).find(|c| c.dtype == d).cloned();
            random.into_iter().chain(special)
        })
        .collect()
}

#[test]
fn every_pass_preserves_every_kernel_bit_for_bit() {
    let dev = Device::cpu();
    let mut checked = 0;
    for entry in registry::all() {
        for case in probe_cases(&entry) {
            let data =
                upload_with(&dev, entry.op, case.dtype, &case.params, &inputs::generate(entry.op, &case)).unwrap();
            let baseline = outputs(&dev, &entry, &case, &data, &|_| {});
            for pass in PASSES {
                let got = outputs(&dev, &entry, &case, &data, &|k| passes::run_until(k, pass.name).unwrap());
                assert!(
                    got == baseline,
                    "{} {} ({}): outputs change after `{}`",
                    entry.name(),
                    case.dtype,
                    case.label,
                    pass.name
                );
                checked += 1;
            }
            let got = outputs(&dev, &entry, &case, &data, &|k| passes::run_pipeline(k).unwrap());
            assert!(
                got == baseline,
                "{} {} ({}): outputs change after the full pipeline",
                entry.name(),
                case.dtype,
                case.label
            );
        }
    }
    // Two cases (random, special values) per checked dtype of every kernel.
    let probes: usize = registry::all().iter().map(|e| 2 * e.checked_dtypes().len()).sum();
    assert_eq!(checked, probes * PASSES.len());
}

/// No pass grows the kernel it is given, except `unroll`, whose full unrolling of small
/// constant loops is meant to (a loop over a rank of at most 6 becomes six copies the later
/// passes fold); a kernel with nothing to unroll ends no larger than it was traced.
#[test]
fn no_pass_but_unroll_grows_a_kernel() {
    for entry in registry::all() {
        for d in entry.checked_dtypes() {
            let raw = entry.def.ir(Some(d), &ConstArgs::new()).unwrap();
            let mut k = raw.clone();
            let mut unrolled = false;
            // The rounds of `passes::run_pipeline`, one pass at a time.
            for _ in 0..16 {
                let mut changed = false;
                for pass in PASSES {
                    let before = k.body.len_deep();
                    let c = (pass.run)(&mut k).unwrap();
                    changed |= c;
                    if pass.name == "unroll" {
                        unrolled |= c;
                    } else {
                        assert!(k.body.len_deep() <= before, "{} {d}: `{}` grew it", entry.name(), pass.name);
                    }
                }
                if !changed {
                    break;
                }
            }
            assert!(unrolled || k.body.len_deep() <= raw.body.len_deep(), "{} {d}", entry.name());
        }
    }
}
