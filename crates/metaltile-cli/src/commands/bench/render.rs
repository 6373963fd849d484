//! The bench as text: a headline (device, method, copy bandwidth), one row per kernel ×
//! dtype × shape with each peer's columns, the per-family geometric means, then the notes.

use super::diff::{Diff, Verdict, THRESHOLD};
use super::report::{case_text, label, Report, Row};
use crate::table::Table;

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

/// GB/s with the digits that matter: whole numbers on GPUs, three decimals on the interpreter.
pub fn rate_text(gbps: f64) -> String {
    if gbps >= 100.0 {
        format!("{gbps:.0}")
    } else if gbps >= 1.0 {
        format!("{gbps:.2}")
    } else {
        format!("{gbps:.3}")
    }
}

fn headline(r: &Report) -> String {
    let mut parts = vec![
        format!("device: {}", r.device),
        format!("{} shapes", r.size.name()),
        format!("median of {} runs after {} warm-up", r.runs, r.warmup),
    ];
    parts.push(match r.flush_bytes {
        0 => "no cache flush".to_string(),
        b => format!("cache flushed below {} MiB", b >> 20),
    });
    if let Some(c) = &r.copy {
        let mut copy = match &c.ours.error {
            Some(e) => format!("copy bandwidth not measured ({e})"),
            None => format!("copy {} GB/s ({} f32)", rate_text(c.ours.gbps), c.ours.elements),
        };
        for (peer, gbps) in &c.peers {
            copy.push_str(&format!(", {peer} copy {} GB/s", rate_text(*gbps)));
        }
        if let Some(best) = c.best_gbps() {
            copy.push_str(&format!("; %copy is of {} GB/s, the best copy", rate_text(best)));
        }
        parts.push(copy);
    }
    parts.join(" · ")
}

/// `✓` when every check made passed, `✗ ref, torch` naming those that failed, `-` when
/// nothing was checked.
fn ok_text(r: &Row) -> String {
    let mut checked = false;
    let mut failed = Vec::new();
    if let Some(c) = &r.ours.check {
        checked = true;
        if !c.passed {
            failed.push("ref".to_string());
        }
    }
    for (peer, p) in &r.peers {
        if let Some(m) = p.matches {
            checked = true;
            if !m {
                failed.push(peer.clone());
            }
        }
    }
    match (checked, failed.is_empty()) {
        (false, _) => "-".into(),
        (true, true) => "✓".into(),
        (true, false) => format!("✗ {}", failed.join(", ")),
    }
}

/// The whole report as text.
pub fn report_text(r: &Report) -> String {
    let cols = r.columns();
    let labels: Vec<String> = cols.iter().map(|(p, m)| label(p, m)).collect();
    let any_error = r.results.iter().any(|row| row.ours.error.is_some());
    // Row ops say how they were launched; a table of elementwise ops has no such column.
    let any_plan = r.results.iter().any(|row| row.ours.strategy.is_some());
    let mut headers: Vec<String> = ["kernel", "dtype", "shape"].map(String::from).to_vec();
    if any_plan {
        headers.push("plan".into());
    }
    headers.extend(["median", "GB/s", "%copy"].map(String::from));
    headers.extend(labels.iter().cloned());
    headers.extend(labels.iter().map(|l| format!("×{l}")));
    headers.push("ok".into());
    if any_error {
        headers.push("error".into());
    }
    let mut t = Table::new(&headers.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &r.results {
        let o = &row.ours;
        let timed = o.error.is_none();
        let mut cells = vec![o.kernel.clone(), o.dtype.clone(), case_text(o)];
        if any_plan {
            cells.push(o.strategy.clone().unwrap_or_default());
        }
        cells.extend([
            if timed { time_text(o.median_us) } else { "-".into() },
            if timed { rate_text(o.gbps) } else { "-".into() },
            o.copy_pct.filter(|_| timed).map_or("-".into(), |p| format!("{p:.0}%")),
        ]);
        let timing =
            |(p, m): &(String, String)| row.peers.get(p).and_then(|pr| pr.modes.get(m)).filter(|t| t.error.is_none());
        cells.extend(cols.iter().map(|c| timing(c).map_or(String::new(), |t| rate_text(t.gbps))));
        cells.extend(cols.iter().map(|c| timing(c).and_then(|t| t.ratio).map_or(String::new(), |x| format!("{x:.2}"))));
        cells.push(ok_text(row));
        if any_error {
            cells.push(o.error.clone().unwrap_or_default());
        }
        t.row(cells);
    }
    let mut fam_headers = vec!["family".to_string(), "geomean GB/s".to_string()];
    fam_headers.extend(labels.iter().map(|l| format!("×{l}")));
    fam_headers.push("timed".into());
    let mut f = Table::new(&fam_headers.iter().map(String::as_str).collect::<Vec<_>>());
    for s in &r.families {
        let rate = if s.timed > 0 { rate_text(s.geomean_gbps) } else { "-".into() };
        let mut cells = vec![s.family.clone(), rate];
        cells.extend(labels.iter().map(|l| s.ratios.get(l).map_or(String::new(), |x| format!("{x:.2}"))));
        cells.push(s.timed.to_string());
        f.row(cells);
    }
    let mut out = format!("{}\n{}\n{}", headline(r), t.render(), f.render());
    if !labels.is_empty() {
        out.push_str("×peer: the peer's median time over ours (above 1: we are faster)\n");
    }
    if !r.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &r.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    out
}

/// A diff as text: every row with old and new GB/s, the flagged ones marked, and a summary.
pub fn diff_text(d: &Diff) -> String {
    let mut t = Table::new(&["row", "old GB/s", "new GB/s", "new/old", ""]);
    let pct = (THRESHOLD * 100.0).round();
    for r in &d.rows {
        let mark = match r.verdict {
            Verdict::Regression => format!("▼ slower by more than {pct}%"),
            Verdict::Improvement => format!("▲ faster by more than {pct}%"),
            Verdict::Same => String::new(),
        };
        t.row(vec![r.row.clone(), rate_text(r.old_gbps), rate_text(r.new_gbps), format!("{:.3}", r.ratio), mark]);
    }
    let mut out = format!("\ndiff against {}\n{}", d.old, t.render());
    let geo = d.geomean.map_or("-".to_string(), |g| format!("{g:.3}"));
    out.push_str(&format!(
        "new/old geomean {geo} over {} rows: {} regressions, {} improvements (more than {pct}%)\n",
        d.rows.len(),
        d.regressions,
        d.improvements
    ));
    if !d.only_old.is_empty() {
        out.push_str(&format!("timed before, not now: {}\n", d.only_old.join(", ")));
    }
    if !d.only_new.is_empty() {
        out.push_str(&format!("new rows: {}\n", d.only_new.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::report::{PeerRow, PeerStatus, PeerTiming};
    use super::*;
    use metaltile_std::bench::{BenchResult, Check};

    #[test]
    fn times_and_rates_pick_readable_units() {
        assert_eq!(time_text(12.34), "12.3 µs");
        assert_eq!(time_text(1234.0), "1.23 ms");
        assert_eq!(time_text(2_500_000.0), "2.50 s");
        assert_eq!(
            (rate_text(4243.4), rate_text(12.345), rate_text(0.0714)),
            ("4243".into(), "12.35".into(), "0.071".into())
        );
    }

    fn report() -> Report {
        let mut peers = std::collections::BTreeMap::new();
        let mut pr = PeerRow { matches: Some(false), ..Default::default() };
        pr.modes.insert("eager".into(), PeerTiming { gbps: 2000.0, ratio: Some(1.5), ..Default::default() });
        pr.modes.insert("compile".into(), PeerTiming { error: Some("no compiler".into()), ..Default::default() });
        peers.insert("torch".to_string(), pr);
        let ours = BenchResult {
            kernel: "softmax".into(),
            family: "softmax".into(),
            dtype: "bf16".into(),
            shape: vec![4096, 8192],
            median_us: 40.0,
            gbps: 3000.0,
            copy_pct: Some(75.4),
            check: Some(Check { passed: true, ..Default::default() }),
            ..Default::default()
        };
        let mut r = Report {
            device: "H100".into(),
            runs: 50,
            warmup: 10,
            flush_bytes: 256 << 20,
            peers: vec![PeerStatus {
                name: "torch".into(),
                modes: vec!["eager".into(), "compile".into()],
                ..Default::default()
            }],
            results: vec![super::super::report::Row { ours, peers }],
            ..Default::default()
        };
        r.summarize();
        r.notes = super::super::report::notes(&r);
        r
    }

    #[test]
    fn the_table_has_peer_columns_ratios_checks_and_notes() {
        let text = report_text(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("device: H100 · full shapes · median of 50 runs after 10 warm-up"), "{text}");
        assert!(lines[0].contains("cache flushed below 256 MiB"), "{text}");
        for col in ["median", "GB/s", "%copy", "torch", "torch.compile", "×torch", "×torch.compile", "ok"] {
            assert!(lines[1].split_whitespace().any(|c| c == col), "{col}: {text}");
        }
        let row = lines[3];
        assert!(row.starts_with("softmax") && row.contains("4096×8192") && row.contains("3000"), "{text}");
        assert!(row.contains("75%") && row.contains("2000") && row.contains("1.50"), "{text}");
        assert!(row.ends_with("✗ torch"), "the reference passed, torch disagreed: {text}");
        assert!(text.contains("softmax  3000          1.50"), "family geomeans: {text}");
        assert!(text.contains("notes:\n  - torch.compile on 1 row (softmax bf16 4096×8192): no compiler"), "{text}");
    }

    #[test]
    fn without_peers_the_table_ends_with_the_families() {
        let mut r = report();
        r.peers.clear();
        r.results[0].peers.clear();
        r.summarize();
        r.notes = super::super::report::notes(&r);
        let text = report_text(&r);
        assert!(!text.contains("torch"), "{text}");
        assert!(text.lines().last().unwrap().starts_with("softmax  3000"), "{text}");
        assert!(text.lines().nth(3).unwrap().ends_with('✓'), "{text}");
    }
}
