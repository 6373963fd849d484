//! `--diff OLD.json`: our GB/s now against a saved run, row by row, with the rows that moved
//! by more than [`THRESHOLD`] flagged.

use super::report::{row_name, Report, Row};
use metaltile_std::bench::geomean;
use serde::{Deserialize, Serialize};

/// A change of more than this fraction of the old GB/s is flagged.
pub const THRESHOLD: f64 = 0.05;

/// Which way a row moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Slower by more than the threshold.
    Regression,
    /// Faster by more than the threshold.
    Improvement,
    /// Within it.
    Same,
}

/// One row timed in both runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    /// `kernel dtype shape`.
    pub row: String,
    pub old_gbps: f64,
    pub new_gbps: f64,
    /// new / old: above 1 is faster.
    pub ratio: f64,
    pub verdict: Verdict,
}

/// The comparison of two runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// The old run: device, date and commit.
    pub old: String,
    /// Rows timed in both, in the new run's order.
    pub rows: Vec<DiffRow>,
    /// Rows timed in the old run but not in the new one (they fail now, or were not run).
    pub only_old: Vec<String>,
    /// Rows timed only in the new run.
    pub only_new: Vec<String>,
    /// Geometric mean of the ratios.
    pub geomean: Option<f64>,
    pub regressions: usize,
    pub improvements: usize,
}

fn timed(r: &Row) -> bool {
    r.ours.error.is_none() && r.ours.gbps > 0.0
}

/// Kernel, dtype, shape and parameters (a column reduction is not its row reduction).
fn key(r: &Row) -> String {
    row_name(&r.ours)
}

/// Compare `new` with `old`, matching rows by kernel, dtype and shape.
pub fn diff(old: &Report, new: &Report) -> Diff {
    let old_rows: Vec<&Row> = old.results.iter().filter(|r| timed(r)).collect();
    let new_rows: Vec<&Row> = new.results.iter().filter(|r| timed(r)).collect();
    let rows: Vec<DiffRow> = new_rows
        .iter()
        .filter_map(|n| {
            let o = old_rows.iter().find(|o| key(o) == key(n))?;
            let ratio = n.ours.gbps / o.ours.gbps;
            let verdict = if ratio < 1.0 - THRESHOLD {
                Verdict::Regression
            } else if ratio > 1.0 + THRESHOLD {
                Verdict::Improvement
            } else {
                Verdict::Same
            };
            Some(DiffRow { row: row_name(&n.ours), old_gbps: o.ours.gbps, new_gbps: n.ours.gbps, ratio, verdict })
        })
        .collect();
    let missing = |from: &[&Row], other: &[&Row]| -> Vec<String> {
        from.iter().filter(|r| !other.iter().any(|o| key(o) == key(r))).map(|r| row_name(&r.ours)).collect()
    };
    let commit = old.commit.as_deref().map(|c| format!(" at {c}")).unwrap_or_default();
    Diff {
        old: format!("{} {}{commit}", old.device, old.date).trim().to_string(),
        geomean: geomean(rows.iter().map(|r| r.ratio)),
        regressions: rows.iter().filter(|r| r.verdict == Verdict::Regression).count(),
        improvements: rows.iter().filter(|r| r.verdict == Verdict::Improvement).count(),
        only_old: missing(&old_rows, &new_rows),
        only_new: missing(&new_rows, &old_rows),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metaltile_std::bench::BenchResult;

    fn report(rows: &[(&str, &str, f64)]) -> Report {
        Report {
            device: "gpu".into(),
            date: "2026-11-20T00:00:00Z".into(),
            commit: Some("abc".into()),
            results: rows
                .iter()
                .map(|(k, dtype, gbps)| Row {
                    ours: BenchResult {
                        kernel: k.to_string(),
                        dtype: dtype.to_string(),
                        shape: vec![4096, 8192],
                        gbps: *gbps,
                        ..Default::default()
                    },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn rows_match_by_kernel_dtype_and_shape_and_moves_are_flagged() {
        let old = report(&[("exp", "f32", 100.0), ("exp", "bf16", 100.0), ("log", "f32", 100.0), ("sin", "f32", 50.0)]);
        let mut new =
            report(&[("exp", "f32", 90.0), ("exp", "bf16", 104.0), ("log", "f32", 200.0), ("cos", "f32", 1.0)]);
        new.results.push(report(&[("sin", "f32", 0.0)]).results.remove(0));
        new.results[4].ours.error = Some("launch failed".into());
        let d = diff(&old, &new);
        let got: Vec<(&str, f64, Verdict)> = d.rows.iter().map(|r| (r.row.as_str(), r.ratio, r.verdict)).collect();
        assert_eq!(
            got,
            [
                ("exp f32 4096×8192", 0.9, Verdict::Regression),
                ("exp bf16 4096×8192", 1.04, Verdict::Same),
                ("log f32 4096×8192", 2.0, Verdict::Improvement),
            ]
        );
        assert_eq!((d.regressions, d.improvements), (1, 1));
        assert_eq!(d.only_old, ["sin f32 4096×8192"], "a row that fails now is missing, not compared");
        assert_eq!(d.only_new, ["cos f32 4096×8192"]);
        let g = d.geomean.unwrap();
        assert!((g - (0.9f64 * 1.04 * 2.0).powf(1.0 / 3.0)).abs() < 1e-12, "{g}");
        assert_eq!(d.old, "gpu 2026-11-20T00:00:00Z at abc");
    }

    #[test]
    fn nothing_in_common_has_no_geomean() {
        let d = diff(&report(&[("exp", "f32", 1.0)]), &report(&[("log", "f32", 1.0)]));
        assert!(d.rows.is_empty() && d.geomean.is_none());
        assert_eq!((d.only_old.len(), d.only_new.len()), (1, 1));
    }
}
