//! The results document (`--out`, `--json`, `--from`): the run's provenance, the copy
//! bandwidth, our figures per row with each peer's beside them, per-family geometric means
//! and the notes. Files of older versions load: every field has a default.

use super::protocol::PeerInfo;
use metaltile_std::bench::{geomean, BenchResult, BenchSize, CopyBandwidth};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` of the documents this version writes.
pub const FORMAT: &str = "metaltile-bench/1";

/// A whole bench run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    pub format: String,
    /// The device's name.
    pub device: String,
    /// `cpu`, `cuda` or `metal`.
    pub backend: String,
    /// When the run started, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// The source's git commit (`-dirty` when it had uncommitted changes), when known.
    pub commit: Option<String>,
    pub size: BenchSize,
    pub warmup: usize,
    pub runs: usize,
    /// The cache flush size (and the working set below which it is done); 0 for none.
    pub flush_bytes: u64,
    pub copy: Option<CopyReport>,
    pub peers: Vec<PeerStatus>,
    pub results: Vec<Row>,
    pub families: Vec<FamilySummary>,
    pub notes: Vec<String>,
}

/// The copy bandwidth: ours, and each peer's copy of the same size (GB/s).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CopyReport {
    #[serde(flatten)]
    pub ours: CopyBandwidth,
    pub peers: BTreeMap<String, f64>,
}

impl CopyReport {
    /// The device's copy bandwidth for `%copy`: the best copy measured in this run, ours or a
    /// peer's, so a slow copy kernel of ours cannot flatter every row. `None` when none ran.
    pub fn best_gbps(&self) -> Option<f64> {
        let ours = (self.ours.error.is_none() && self.ours.gbps > 0.0).then_some(self.ours.gbps);
        self.peers.values().copied().filter(|g| g.is_finite() && *g > 0.0).chain(ours).reduce(f64::max)
    }
}

/// Set every row's `%copy` against the best copy bandwidth of the run.
pub fn rebase_copy_pct(copy: Option<&CopyReport>, rows: &mut [Row]) {
    let best = copy.and_then(CopyReport::best_gbps);
    for r in rows {
        r.ours.copy_pct = best.filter(|_| r.ours.error.is_none()).map(|b| 100.0 * r.ours.gbps / b);
    }
}

/// A peer as the run saw it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerStatus {
    pub name: String,
    pub command: Vec<String>,
    pub info: Option<PeerInfo>,
    /// The modes it was asked to time, in column order.
    pub modes: Vec<String>,
    /// Why it did not start, or why it was put aside during the run.
    pub note: Option<String>,
}

/// One kernel × dtype × shape: our figures, and each peer's by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Row {
    #[serde(flatten)]
    pub ours: BenchResult,
    pub peers: BTreeMap<String, PeerRow>,
}

/// A peer's figures for one row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerRow {
    /// Per mode (`eager`, `compile`).
    pub modes: BTreeMap<String, PeerTiming>,
    /// Whether its output agrees with ours within the dtype's tolerance (absent: not compared).
    pub matches: Option<bool>,
    pub max_abs_err: Option<f64>,
    /// The first element where they disagree.
    pub mismatch: Option<String>,
    /// Why the request failed (no timings then).
    pub error: Option<String>,
}

/// A peer's timing of one row in one mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerTiming {
    pub median_us: f64,
    pub min_us: f64,
    pub p90_us: Option<f64>,
    /// Our row's bytes over its median.
    pub gbps: f64,
    /// Its median over ours: above 1 we are faster.
    pub ratio: Option<f64>,
    /// Why this mode failed (the figures are then 0).
    pub error: Option<String>,
}

/// A column's name for a peer's mode: the peer's own name for `eager`, `peer.mode` otherwise.
pub fn label(peer: &str, mode: &str) -> String {
    if mode == "eager" {
        peer.to_string()
    } else {
        format!("{peer}.{mode}")
    }
}

/// One family's summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FamilySummary {
    pub family: String,
    /// Geometric mean of our GB/s over its timed rows.
    pub geomean_gbps: f64,
    /// How many rows went into it (errors and zero times are left out).
    pub timed: usize,
    /// Per peer column ([`label`]): the geometric mean of our ratio to it.
    pub ratios: BTreeMap<String, f64>,
}

impl Report {
    /// Every peer column as (peer, mode), in table order.
    pub fn columns(&self) -> Vec<(String, String)> {
        self.peers.iter().flat_map(|p| p.modes.iter().map(move |m| (p.name.clone(), m.clone()))).collect()
    }

    /// Fill in [`Report::families`] from the rows.
    pub fn summarize(&mut self) {
        self.families = family_summary(&self.results, &self.columns());
    }
}

/// Per family, in first-seen order: the geometric mean of our positive GB/s figures, and of
/// our ratio to each peer column over the rows that have one.
pub fn family_summary(rows: &[Row], columns: &[(String, String)]) -> Vec<FamilySummary> {
    let mut families: Vec<&str> = Vec::new();
    for r in rows {
        if !families.contains(&r.ours.family.as_str()) {
            families.push(&r.ours.family);
        }
    }
    families
        .into_iter()
        .map(|family| {
            let mine: Vec<&Row> = rows
                .iter()
                .filter(|r| r.ours.family == family && r.ours.error.is_none() && r.ours.gbps > 0.0)
                .collect();
            let ratios = columns
                .iter()
                .filter_map(|(peer, mode)| {
                    let rs = mine.iter().filter_map(|r| r.peers.get(peer)?.modes.get(mode)?.ratio);
                    geomean(rs).map(|g| (label(peer, mode), g))
                })
                .collect();
            FamilySummary {
                family: family.to_string(),
                geomean_gbps: geomean(mine.iter().map(|r| r.ours.gbps)).unwrap_or(0.0),
                timed: mine.len(),
                ratios,
            }
        })
        .collect()
}

/// `kernel dtype shape`, naming a row in notes and diffs.
pub fn row_name(r: &BenchResult) -> String {
    format!("{} {} {}", r.kernel, r.dtype, case_text(r))
}

/// The row's shape and the parameters it was timed with: `4096×8192 axis=0`.
pub fn case_text(r: &BenchResult) -> String {
    let params = r.params.iter().map(|(n, v)| format!(" {n}={v}"));
    std::iter::once(shape_text(&r.shape)).chain(params).collect()
}

/// `4096×8192`.
pub fn shape_text(shape: &[usize]) -> String {
    shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
}

/// The notes a reader needs beside the table: peers put aside, failures grouped by message
/// (a peer that cannot compile fails the same way on every row), outputs that disagree.
pub fn notes(report: &Report) -> Vec<String> {
    let mut out: Vec<String> =
        report.peers.iter().filter_map(|p| p.note.as_ref().map(|n| format!("{}: {n}", p.name))).collect();
    // (what failed, message) → rows, in first-seen order.
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    let mut add = |who: String, msg: &str, row: String| match groups.iter_mut().find(|(k, _)| k.0 == who && k.1 == msg)
    {
        Some((_, rows)) => rows.push(row),
        None => groups.push(((who, msg.to_string()), vec![row])),
    };
    let mut singles = Vec::new();
    for r in &report.results {
        let name = row_name(&r.ours);
        if let Some(c) = r.ours.check.as_ref().filter(|c| !c.passed) {
            let first = c.first_mismatch.as_deref().unwrap_or("");
            singles.push(format!("{name}: {} elements differ from the f64 reference; first: {first}", c.mismatches));
        }
        for (peer, pr) in &r.peers {
            // The request that stopped a peer fails with the peer's own note, listed above.
            let stopped = report.peers.iter().any(|p| &p.name == peer && p.note == pr.error);
            if let Some(e) = pr.error.as_ref().filter(|_| !stopped) {
                add(peer.clone(), e, name.clone());
            }
            for (mode, t) in &pr.modes {
                if let Some(e) = &t.error {
                    add(label(peer, mode), e, name.clone());
                }
            }
            match (pr.matches, &pr.mismatch) {
                (Some(false), m) => {
                    let m = m.as_deref().unwrap_or("");
                    singles.push(format!("{name}: {peer}'s output differs from ours: {m}"));
                }
                // Not compared: the reason is the same on every row, so it is grouped.
                (None, Some(m)) => add(peer.clone(), m, name.clone()),
                _ => {}
            }
        }
    }
    for ((who, msg), rows) in groups {
        let shown: Vec<&str> = rows.iter().take(3).map(String::as_str).collect();
        let more = if rows.len() > 3 { ", …" } else { "" };
        let count = if rows.len() == 1 { "1 row".to_string() } else { format!("{} rows", rows.len()) };
        out.push(format!("{who} on {count} ({}{more}): {msg}", shown.join(", ")));
    }
    out.extend(singles);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(kernel: &str, family: &str, gbps: f64, peers: &[(&str, &str, f64)]) -> Row {
        let mut r = Row {
            ours: BenchResult {
                kernel: kernel.into(),
                family: family.into(),
                dtype: "f32".into(),
                shape: vec![4],
                median_us: 1.0,
                gbps,
                ..Default::default()
            },
            peers: BTreeMap::new(),
        };
        for (peer, mode, ratio) in peers {
            let t = PeerTiming { ratio: Some(*ratio), ..Default::default() };
            r.peers.entry(peer.to_string()).or_default().modes.insert(mode.to_string(), t);
        }
        r
    }

    fn cols() -> Vec<(String, String)> {
        vec![("torch".into(), "eager".into()), ("torch".into(), "compile".into())]
    }

    #[test]
    fn geomeans_per_family_and_peer_column() {
        let mut failed = row("exp", "unary", 100.0, &[("torch", "eager", 100.0)]);
        failed.ours.error = Some("boom".into());
        let rows = [
            row("exp", "unary", 2.0, &[("torch", "eager", 0.5), ("torch", "compile", 1.0)]),
            row("softmax", "softmax", 5.0, &[]),
            row("log", "unary", 8.0, &[("torch", "eager", 2.0)]),
            failed,
            row("sin", "unary", 0.0, &[]),
        ];
        let s = family_summary(&rows, &cols());
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].family.as_str(), s[0].timed), ("unary", 2));
        assert!((s[0].geomean_gbps - 4.0).abs() < 1e-12, "{}", s[0].geomean_gbps);
        assert!((s[0].ratios["torch"] - 1.0).abs() < 1e-12, "0.5 and 2 → 1");
        assert!((s[0].ratios["torch.compile"] - 1.0).abs() < 1e-12);
        assert_eq!(s[1].family, "softmax");
        assert!((s[1].geomean_gbps - 5.0).abs() < 1e-12);
        assert!(s[1].ratios.is_empty(), "no peer figures, no ratio");
    }

    #[test]
    fn labels_name_the_eager_mode_by_the_peer() {
        assert_eq!(label("torch", "eager"), "torch");
        assert_eq!(label("torch", "compile"), "torch.compile");
        let report = Report {
            peers: vec![PeerStatus {
                name: "mlx".into(),
                modes: vec!["eager".into(), "compile".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(report.columns(), [("mlx".to_string(), "eager".to_string()), ("mlx".into(), "compile".into())]);
    }

    #[test]
    fn notes_group_repeated_failures_and_list_disagreements() {
        let mut rows: Vec<Row> = (0..5).map(|i| row(&format!("k{i}"), "unary", 1.0, &[])).collect();
        for r in &mut rows {
            let t = PeerTiming { error: Some("no C compiler".into()), ..Default::default() };
            r.peers.entry("torch".into()).or_default().modes.insert("compile".into(), t);
        }
        rows[1].peers.get_mut("torch").unwrap().matches = Some(false);
        rows[1].peers.get_mut("torch").unwrap().mismatch = Some("`y`[3] = 1, reference 2".into());
        rows[2].ours.check = Some(metaltile_std::bench::Check { passed: false, mismatches: 7, ..Default::default() });
        let report = Report {
            peers: vec![PeerStatus {
                name: "mlx".into(),
                note: Some("not available: mlx not installed".into()),
                ..Default::default()
            }],
            results: rows,
            ..Default::default()
        };
        let n = notes(&report);
        assert_eq!(n[0], "mlx: not available: mlx not installed");
        assert_eq!(n[1], "torch.compile on 5 rows (k0 f32 4, k1 f32 4, k2 f32 4, …): no C compiler");
        assert!(n[2].starts_with("k1 f32 4: torch's output differs from ours: `y`[3]"), "{n:?}");
        assert!(n.iter().any(|l| l.starts_with("k2 f32 4: 7 elements differ from the f64 reference")), "{n:?}");
        assert_eq!(n.len(), 4);
    }

    #[test]
    fn reports_round_trip_and_old_files_load() {
        let copy = CopyReport {
            ours: CopyBandwidth { elements: 1 << 16, bytes: 1 << 19, gbps: 0.5, ..Default::default() },
            peers: BTreeMap::from([("torch".to_string(), 2944.6)]),
        };
        let mut report = Report {
            format: FORMAT.into(),
            copy: Some(copy),
            device: "cpu #1".into(),
            results: vec![row("exp", "unary", 2.0, &[("torch", "eager", 0.5)])],
            peers: vec![PeerStatus { name: "torch".into(), modes: vec!["eager".into()], ..Default::default() }],
            ..Default::default()
        };
        report.summarize();
        let text = serde_json::to_string_pretty(&report).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        // Rows keep our figures at their top level, as the first format did.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["results"][0]["kernel"], "exp");
        assert_eq!(v["results"][0]["peers"]["torch"]["modes"]["eager"]["ratio"], 0.5);
        assert_eq!((v["copy"]["gbps"].as_f64(), v["copy"]["peers"]["torch"].as_f64()), (Some(0.5), Some(2944.6)));
        let old = r#"{"device": "cpu #1", "size": "Quick", "runs": 10,
                      "results": [{"kernel": "exp", "family": "unary", "dtype": "f32", "shape": [4096], "gbps": 0.1}]}"#;
        // The first format spelled sizes capitalized.
        let r: Report = serde_json::from_str(old).unwrap();
        assert_eq!((r.size, r.results[0].ours.gbps, r.results[0].peers.len()), (BenchSize::Quick, 0.1, 0));
    }

    #[test]
    fn copy_pct_is_against_the_best_copy_of_the_run() {
        let mut copy = CopyReport::default();
        copy.ours.gbps = 2000.0;
        copy.peers.insert("torch".into(), 2500.0);
        let mut rows = vec![Row::default()];
        rows[0].ours.gbps = 2250.0;
        rows[0].ours.copy_pct = Some(112.5); // what our slower copy gave
        rebase_copy_pct(Some(&copy), &mut rows);
        assert_eq!(rows[0].ours.copy_pct, Some(90.0));
        // Without a peer copy, ours is the reference; without any copy, no percentage.
        copy.peers.clear();
        rebase_copy_pct(Some(&copy), &mut rows);
        assert_eq!(rows[0].ours.copy_pct, Some(112.5));
        rebase_copy_pct(None, &mut rows);
        assert_eq!(rows[0].ours.copy_pct, None);
    }
}
