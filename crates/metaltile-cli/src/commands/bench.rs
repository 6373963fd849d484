//! `tile bench`: time the kernels, print a table and each family's geometric-mean bandwidth.

use crate::cli::{BenchArgs, Size};
use crate::error::CliError;
use crate::output::{print, print_json, progress, to_json};
use crate::select;
use crate::table::Table;
use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_runtime::BackendKind;
use metaltile_std::bench::{run_with_progress, shapes, BenchOptions, BenchResult, BenchSize};
use serde::Serialize;

/// One family's summary.
#[derive(Debug, PartialEq, Serialize)]
pub struct FamilySummary {
    pub family: String,
    /// Geometric mean of the GB/s of its timed results.
    pub geomean_gbps: f64,
    /// How many results went into it (errors and zero times are left out).
    pub timed: usize,
}

#[derive(Serialize)]
struct BenchJson<'a> {
    device: String,
    size: BenchSize,
    runs: usize,
    results: &'a [BenchResult],
    families: &'a [FamilySummary],
}

/// Per family, in first-seen order: the geometric mean of the positive GB/s figures.
pub fn family_summary(results: &[BenchResult]) -> Vec<FamilySummary> {
    let mut out: Vec<(String, f64, usize)> = Vec::new();
    for r in results.iter().filter(|r| r.error.is_none() && r.gbps > 0.0) {
        match out.iter_mut().find(|(f, _, _)| *f == r.family) {
            Some((_, log_sum, n)) => {
                *log_sum += r.gbps.ln();
                *n += 1;
            }
            None => out.push((r.family.clone(), r.gbps.ln(), 1)),
        }
    }
    out.into_iter()
        .map(|(family, log_sum, timed)| FamilySummary { family, geomean_gbps: (log_sum / timed as f64).exp(), timed })
        .collect()
}

/// A duration given in µs, in the unit that keeps it readable.
pub fn time_text(us: f64) -> String {
    if us >= 1e6 {
        format!("{:.2} s", us / 1e6)
    } else if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}

fn tables(results: &[BenchResult], families: &[FamilySummary]) -> String {
    let any_error = results.iter().any(|r| r.error.is_some());
    let headers = ["kernel", "dtype", "shape", "median", "GB/s", "error"];
    let mut t = Table::new(&headers[..if any_error { 6 } else { 5 }]);
    for r in results {
        let (median, gbps) = match r.error {
            Some(_) => ("-".to_string(), "-".to_string()),
            None => (time_text(r.median_us), format!("{:.3}", r.gbps)),
        };
        t.row(vec![
            r.kernel.clone(),
            r.dtype.clone(),
            shape_text(&r.shape),
            median,
            gbps,
            r.error.clone().unwrap_or_default(),
        ]);
    }
    let mut f = Table::new(&["family", "geomean GB/s", "timed"]);
    for s in families {
        f.row(vec![s.family.clone(), format!("{:.3}", s.geomean_gbps), s.timed.to_string()]);
    }
    format!("{}\n{}", t.render(), f.render())
}

/// Run the benchmark.
pub fn run(args: &BenchArgs, json: bool) -> Result<(), CliError> {
    let entries = select::filtered(args.filter.as_deref())?;
    let dev = select::device(args.backend)?;
    let size = match args.size {
        Some(Size::Quick) => BenchSize::Quick,
        Some(Size::Full) => BenchSize::Full,
        // The interpreter is orders of magnitude slower than a GPU: full shapes would take hours.
        None if dev.kind() == BackendKind::Cpu => BenchSize::Quick,
        None => BenchSize::Full,
    };
    let dtypes = if args.dtype.is_empty() {
        FLOAT_DTYPES.to_vec()
    } else {
        args.dtype
            .iter()
            .map(|s| {
                s.parse::<DType>().ok().filter(|d| FLOAT_DTYPES.contains(d)).ok_or_else(|| CliError::BadArg {
                    flag: "--dtype",
                    arg: s.clone(),
                    msg: format!("the std kernels are instantiated for {}", FLOAT_DTYPES.map(|d| d.name()).join(", ")),
                })
            })
            .collect::<Result<_, _>>()?
    };
    let opts = BenchOptions { warmup: args.warmup, runs: args.runs.max(1), size, dtypes };
    let total: usize = entries.iter().map(|e| shapes(e, size).len() * opts.dtypes.len()).sum();
    let bar = progress(total, json);
    let results = run_with_progress(&dev, args.filter.as_deref(), &opts, &mut |r| {
        bar.set_message(format!("{} {}", r.kernel, r.dtype));
        bar.inc(1);
    });
    bar.finish_and_clear();
    let families = family_summary(&results);
    let report = BenchJson { device: dev.name(), size, runs: opts.runs, results: &results, families: &families };
    if let Some(path) = &args.out {
        std::fs::write(path, to_json(&report)?)
            .map_err(|source| CliError::Io { what: format!("writing {}", path.display()), source })?;
    }
    if json {
        return print_json(&report);
    }
    let size_name = match size {
        BenchSize::Quick => "quick",
        BenchSize::Full => "full",
    };
    print(&format!(
        "device: {} ({size_name} shapes, median of {} runs)\n{}",
        dev.name(),
        opts.runs,
        tables(&results, &families)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(family: &str, gbps: f64, error: Option<&str>) -> BenchResult {
        BenchResult {
            kernel: "k".into(),
            family: family.into(),
            dtype: "f32".into(),
            shape: vec![4],
            device: "cpu".into(),
            runs: 1,
            median_us: 1.0,
            min_us: 1.0,
            bytes: 8,
            gbps,
            error: error.map(String::from),
        }
    }

    #[test]
    fn geomean_per_family_skips_failures() {
        let rs = [
            result("unary", 2.0, None),
            result("norm", 5.0, None),
            result("unary", 8.0, None),
            result("unary", 100.0, Some("failed")),
            result("unary", 0.0, None),
        ];
        let s = family_summary(&rs);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].family.as_str(), s[0].timed), ("unary", 2));
        assert!((s[0].geomean_gbps - 4.0).abs() < 1e-12, "{}", s[0].geomean_gbps);
        assert!((s[1].geomean_gbps - 5.0).abs() < 1e-12);
    }

    #[test]
    fn times_pick_a_readable_unit() {
        assert_eq!(time_text(12.34), "12.3 µs");
        assert_eq!(time_text(1234.0), "1.23 ms");
        assert_eq!(time_text(2_500_000.0), "2.50 s");
    }
}
