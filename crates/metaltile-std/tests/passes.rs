//! The optimization passes preserve semantics on real kernels: every std kernel × dtype runs
//! on the interpreter unoptimized, after each pass of the pipeline (one round up to it), and
//! fully optimized, on random and special-value inputs; every output is bit-identical.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::passes::{self, PASSES};
use metaltile_ir::{ConstArgs, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, PipelineOptions};
use metaltile_std::registry::{self, Entry};
use metaltile_std::testing::{cases, inputs, upload, Case, CaseKind};

fn outputs(dev: &Device, entry: &Entry, inputs: &[Buffer], kernel: metaltile_ir::Kernel) -> Vec<Vec<u8>> {
    let pipeline = dev.pipeline_from_kernel(kernel, PipelineOptions { optimize: false }).unwrap();
    // A fresh plan: fresh, poisoned outputs, so a pass that drops a store cannot hide.
    let plan = entry.op.plan(dev, &inputs.iter().collect::<Vec<_>>(), &Default::default()).unwrap();
    plan.run_with(dev, &pipeline).unwrap();
    plan.outputs().iter().map(|(_, b)| b.to_bytes().unwrap()).collect()
}

fn probe_cases(entry: &Entry) -> Vec<Case> {
    // The first random case and the special values, per dtype.
    let all = cases(entry);
    let pick = |kind| all.iter().filter(move |c: &&Case| c.kind == kind);
    FLOAT_DTYPES
        .iter()
        .flat_map(|d| {
            let random = pick(CaseKind::Random).find(|c| c.dtype == *d).cloned();
            let special = pick(CaseKind::Specials).find(|c| c.dtype == *d).cloned();
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
            let data = upload(&dev, entry.op, case.dtype, &inputs::generate(entry.op, &case)).unwrap();
            // The instance the plan launches for these inputs (RoPE picks its width by dtype).
            let plan = entry.op.plan(&dev, &data.iter().collect::<Vec<_>>(), &Default::default()).unwrap();
            let consts = plan
                .launches()
                .iter()
                .find(|l| l.def.name == entry.def.name)
                .map_or_else(ConstArgs::new, |l| l.consts.clone());
            let build = || entry.def.ir(Some(case.dtype), &consts).unwrap();
            let baseline = outputs(&dev, &entry, &data, build());
            for pass in PASSES {
                let mut k = build();
                passes::run_until(&mut k, pass.name).unwrap();
                let got = outputs(&dev, &entry, &data, k);
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
            let mut k = build();
            passes::run_pipeline(&mut k).unwrap();
            assert!(
                outputs(&dev, &entry, &data, k) == baseline,
                "{} {} ({}): outputs change after the full pipeline",
                entry.name(),
                case.dtype,
                case.label
            );
        }
    }
    assert_eq!(checked, registry::all().len() * 6 * PASSES.len());
}

#[test]
fn the_pipeline_shrinks_or_keeps_every_kernel() {
    for entry in registry::all() {
        for d in FLOAT_DTYPES {
            let raw = entry.def.ir(Some(d), &ConstArgs::new()).unwrap();
            let mut opt = raw.clone();
            passes::run_pipeline(&mut opt).unwrap();
            assert!(opt.body.len_deep() <= raw.body.len_deep(), "{} {d}", entry.name());
        }
    }
}
