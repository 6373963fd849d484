//! Every std kernel × dtype, optimized, emits MSL and CUDA that a C++ compiler accepts
//! against the project's declaration headers of both targets: each float dtype a kernel
//! takes, or every dtype of a kernel that takes no float (the bitwise ops).

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, ConstArgs};
use metaltile_std::registry;

#[test]
fn every_kernel_emits_checked_msl_and_cuda() {
    let mut sources = Vec::new();
    for entry in registry::all() {
        for d in entry.checked_dtypes() {
            let mut k = entry.def.ir(Some(d), &ConstArgs::new()).unwrap();
            passes::run_pipeline(&mut k).unwrap();
            for target in Target::ALL {
                let text = emit(&k, target).unwrap_or_else(|e| panic!("{} {d} {target}: {e}", entry.name()));
                assert!(text.contains(&k.name), "{} {target}: the entry point is named after the kernel", k.name);
                sources.push((format!("{} ({target})", k.name), text, target));
            }
        }
    }
    let integer_only = registry::all().iter().filter(|e| !e.def.dtypes.iter().any(|d| d.is_float())).count();
    assert!(integer_only >= 6, "the bitwise ops take integers alone");
    assert!(sources.len() >= registry::all().len() * Target::ALL.len());
    let files: Vec<(&str, Target)> = sources.iter().map(|(_, s, t)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        let names: Vec<&str> = sources.iter().map(|(n, _, _)| n.as_str()).collect();
        panic!("file numbers index this list: {names:?}\n{e}");
    }
}
