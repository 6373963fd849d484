//! `tile test`: the correctness suite, with a progress bar, a table and a summary line.

use crate::cli::TestArgs;
use crate::error::CliError;
use crate::output::{print, print_json, progress};
use crate::select;
use crate::table::Table;
use metaltile_std::testing::{cases, run_suite, CaseResult};
use serde::Serialize;

#[derive(Serialize)]
struct TestJson<'a> {
    device: String,
    passed: usize,
    failed: usize,
    results: &'a [CaseResult],
}

/// An error magnitude in a fixed-width scientific form.
pub fn sci(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else {
        format!("{v:.2e}")
    }
}

fn table(results: &[CaseResult]) -> String {
    let any_failed = results.iter().any(|r| !r.passed);
    let headers = ["kernel", "dtype", "shape", "case", "max abs err", "max rel err", "ok", "error"];
    let mut t = Table::new(&headers[..if any_failed { 8 } else { 7 }]);
    for r in results {
        t.row(vec![
            r.kernel.clone(),
            r.dtype.name().to_string(),
            r.shape.clone(),
            r.label.clone(),
            sci(r.max_abs_err),
            sci(r.max_rel_err),
            if r.passed { "✓" } else { "✗" }.to_string(),
            r.error.clone().filter(|_| !r.passed).unwrap_or_default(),
        ]);
    }
    t.render()
}

/// Run the suite; `Err(TestsFailed)` when any case fails.
pub fn run(args: &TestArgs, json: bool) -> Result<(), CliError> {
    let entries = select::filtered(args.filter.as_deref())?;
    let dev = select::device(args.backend)?;
    let total: usize = entries.iter().map(|e| cases(e).len()).sum();
    let bar = progress(total, json);
    let results = run_suite(&dev, args.filter.as_deref(), &mut |r| {
        bar.set_message(format!("{} {}", r.kernel, r.dtype.name()));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    if json {
        print_json(&TestJson { device: dev.name(), passed, failed, results: &results })?;
    } else {
        print(&format!("{}\n{passed} passed, {failed} failed\n", table(&results)))?;
    }
    if failed > 0 {
        return Err(CliError::TestsFailed { failed, total: results.len() });
    }
    Ok(())
}
