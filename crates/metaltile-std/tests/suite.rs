//! The whole correctness suite on the CPU device: every registry kernel × f32/f16/bf16 ×
//! several seeds and edge cases must match its f64 reference.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_runtime::{CpuOptions, Device};
use metaltile_std::registry;
use metaltile_std::testing::{cases, run_suite, CaseKind};

#[test]
fn every_kernel_passes_every_case() {
    // Race detection on: the block reductions' threadgroup memory must be barrier-correct.
    let dev = Device::cpu_with(CpuOptions { detect_races: true, ..CpuOptions::default() });
    let mut failures = Vec::new();
    let results = run_suite(&dev, None, &mut |r| {
        if !r.passed {
            failures.push(format!(
                "{} {} {} ({}): {}",
                r.kernel,
                r.dtype,
                r.shape,
                r.label,
                r.error.as_deref().unwrap_or("failed")
            ));
        }
    });
    let expected: usize = registry::all().iter().map(|e| cases(e).len()).sum();
    assert_eq!(results.len(), expected);
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), results.len(), failures.join("\n"));
}

#[test]
fn every_kernel_has_three_dtypes_three_seeds_and_edge_cases() {
    for e in registry::all() {
        let cs = cases(&e);
        for d in e.checked_dtypes() {
            let of_dtype: Vec<_> = cs.iter().filter(|c| c.dtype == d).collect();
            let random_seeds: std::collections::HashSet<u64> =
                of_dtype.iter().filter(|c| c.kind == CaseKind::Random).map(|c| c.seed).collect();
            assert!(random_seeds.len() >= 3, "{} {d}", e.name());
            assert!(of_dtype.iter().any(|c| c.kind == CaseKind::Specials), "{} {d}", e.name());
            assert!(of_dtype.iter().any(|c| c.kind == CaseKind::Large), "{} {d}", e.name());
            // A rotary embedding's smallest input is one pair.
            let smallest = if e.family == "rope" { 2 } else { 1 };
            assert!(
                of_dtype.iter().any(|c| c.shape.iter().product::<usize>() == smallest),
                "{} {d}: size {smallest}",
                e.name()
            );
        }
    }
}
