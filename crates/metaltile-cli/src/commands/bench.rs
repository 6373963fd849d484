//! `tile bench`: time the kernels (std's bench method), give each case's inputs to the peers
//! and compare their times and outputs with ours, then print the table, the per-family
//! geometric means and the notes; save, load and diff results.

mod diff;
mod exchange;
mod peer;
mod protocol;
mod provenance;
mod render;
mod report;

use crate::cli::{BenchArgs, Size};
use crate::error::CliError;
use crate::output::{print, print_json, progress, to_json};
use crate::select;
use exchange::{read_output, Exchange};
use metaltile_ir::{DType, ALL_DTYPES, FLOAT_DTYPES};
use metaltile_runtime::BackendKind;
use metaltile_std::bench::{
    cases, gbps, Bench, BenchCase, BenchOptions, BenchResult, BenchSize, CaseData, Method, SEED,
};
use metaltile_std::ops::Strategy;
use metaltile_std::registry;
use metaltile_std::tensor::HostTensor;
use metaltile_std::testing::compare::compare_scaled;
use metaltile_std::testing::selects;
use peer::Peer;
use protocol::{Inputs, ModeResult, Request, SeedInputs, COPY_OP};
use report::{CopyReport, PeerRow, PeerStatus, PeerTiming, Report, Row, FORMAT};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Run the benchmark (or load results), then print, save and diff as asked.
pub fn run(args: &BenchArgs, json: bool) -> Result<(), CliError> {
    let report = match &args.from {
        Some(path) => load(path)?,
        None => measure(args, json)?,
    };
    let diff = match &args.diff {
        Some(path) => Some(diff::diff(&load(path)?, &report)),
        None => None,
    };
    if let Some(path) = &args.out {
        std::fs::write(path, to_json(&report)?)
            .map_err(|source| CliError::Io { what: format!("writing {}", path.display()), source })?;
    }
    if json {
        #[derive(Serialize)]
        struct WithDiff<'a> {
            #[serde(flatten)]
            report: &'a Report,
            #[serde(skip_serializing_if = "Option::is_none")]
            diff: Option<&'a diff::Diff>,
        }
        return print_json(&WithDiff { report: &report, diff: diff.as_ref() });
    }
    let mut text = render::report_text(&report);
    if let Some(d) = &diff {
        text.push_str(&render::diff_text(d));
    }
    print(&text)
}

/// Read a results file written by `--out`.
fn load(path: &Path) -> Result<Report, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| CliError::Io { what: format!("reading {}", path.display()), source })?;
    serde_json::from_str(&text).map_err(|e| CliError::BadArg {
        flag: "--from/--diff",
        arg: path.display().to_string(),
        msg: format!("not a bench results file: {e}"),
    })
}

fn dtypes(args: &BenchArgs, size: BenchSize) -> Result<Vec<DType>, CliError> {
    if args.dtype.is_empty() {
        return Ok(size.default_dtypes());
    }
    args.dtype
        .iter()
        .map(|s| {
            s.parse::<DType>().ok().filter(|d| *d != DType::Bool).ok_or_else(|| CliError::BadArg {
                flag: "--dtype",
                arg: s.clone(),
                msg: format!(
                    "one of {} (the float ops take {}; the bitwise ops time the integer of a float's width)",
                    ALL_DTYPES.iter().filter(|d| **d != DType::Bool).map(|d| d.name()).collect::<Vec<_>>().join(", "),
                    FLOAT_DTYPES.map(|d| d.name()).join(", ")
                ),
            })
        })
        .collect()
}

/// `--shape` values, as dimension lists.
fn shapes(args: &BenchArgs) -> Result<Option<Vec<Vec<usize>>>, CliError> {
    if args.shape.is_empty() {
        return Ok(None);
    }
    let parse = |s: &String| {
        s.split(['x', '×', ','])
            .map(|d| d.trim().parse::<usize>().ok().filter(|d| *d > 0))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| CliError::BadArg {
                flag: "--shape",
                arg: s.clone(),
                msg: "a shape is positive dimensions joined by `x`, e.g. 4096x8192".into(),
            })
    };
    args.shape.iter().map(parse).collect::<Result<Vec<_>, _>>().map(Some)
}

/// The `--strategy` value.
fn strategy(args: &BenchArgs) -> Result<Option<Strategy>, CliError> {
    args.strategy
        .as_ref()
        .map(|s| s.parse::<Strategy>().map_err(|msg| CliError::BadArg { flag: "--strategy", arg: s.clone(), msg }))
        .transpose()
}

/// The `--param` values; each must be taken by at least one selected op, else the bench
/// would time the defaults while the user reads the figures as the parameter's.
fn params(args: &BenchArgs) -> Result<Vec<(String, f32)>, CliError> {
    let consts = super::run::params(&args.params)?;
    let selected: Vec<_> = registry::all().into_iter().filter(|e| selects(args.filter.as_deref(), e)).collect();
    let mut out = Vec::new();
    for (name, value) in &consts.0 {
        // The argument as given, for the message (the map holds them by name).
        let arg = args.params.iter().find(|a| a.split('=').next() == Some(name.as_str())).cloned().unwrap_or_default();
        let bad = |msg: String| CliError::BadArg { flag: "--param", arg: arg.clone(), msg };
        if !selected.iter().any(|e| e.op.params().contains(&name.as_str())) {
            return Err(bad(format!("no selected kernel takes `{name}` (`tile list` shows each kernel's parameters)")));
        }
        let v = value.to_constant(name, DType::F32).map_err(|e| bad(e.to_string()))?;
        out.push((name.clone(), v.as_f64() as f32));
    }
    Ok(out)
}

/// The peers to start: those asked for, else the backend's usual one (torch on CUDA, mlx on
/// Metal, none on the CPU). `none` turns them off.
fn peer_words(args: &BenchArgs, kind: BackendKind) -> Vec<String> {
    if args.peers.iter().any(|p| p == "none") {
        return vec![];
    }
    if !args.peers.is_empty() {
        return args.peers.clone();
    }
    match kind {
        BackendKind::Cpu => vec![],
        BackendKind::Cuda => vec!["torch".into()],
        BackendKind::Metal => vec!["mlx".into()],
    }
}

fn measure(args: &BenchArgs, json: bool) -> Result<Report, CliError> {
    select::filtered(args.filter.as_deref())?;
    let dev = select::device(args.backend)?;
    let size = match args.size {
        Some(Size::Quick) => BenchSize::Quick,
        Some(Size::Full) => BenchSize::Full,
        // The interpreter is orders of magnitude slower than a GPU: full shapes would take hours.
        None if dev.kind() == BackendKind::Cpu => BenchSize::Quick,
        None => BenchSize::Full,
    };
    let opts = BenchOptions {
        warmup: args.warmup,
        runs: args.runs.max(1),
        size,
        dtypes: dtypes(args, size)?,
        shapes: shapes(args)?,
        strategy: strategy(args)?,
        params: params(args)?,
    };
    let mut method = Method::for_device(&dev);
    if let Some(mib) = args.flush_mib {
        method.flush_bytes = mib << 20;
    }
    method.check = !args.no_check;
    let date = provenance::utc_now();
    let todo = cases(args.filter.as_deref(), &opts);
    let bar = progress(todo.len(), json);
    bar.set_message("starting peers, measuring the copy bandwidth");
    let timeout = Duration::from_secs(args.peer_timeout.max(1));
    let mut statuses = Vec::new();
    let mut peers = Vec::new();
    for word in peer_words(args, dev.kind()) {
        match peer::resolve(&word, &args.python) {
            Ok(spec) => peers.push(Peer::start(spec, timeout)),
            Err(note) => statuses.push(PeerStatus {
                name: word,
                modes: vec!["eager".into()],
                note: Some(note),
                ..Default::default()
            }),
        }
    }
    let bench = Bench::new(&dev, opts.clone(), method.clone())?;
    let copy = bench.copy().map(|c| CopyReport { ours: c.clone(), peers: peer_copies(&mut peers, c, &opts) });
    // Without a scratch directory the peers still time their own inputs; only the output
    // comparison is lost.
    let exchange = match peers.iter().any(Peer::is_running) {
        true => Exchange::new(),
        false => Err(std::io::Error::other("no peer is running")),
    };
    let mut results = Vec::with_capacity(todo.len());
    for case in &todo {
        bar.set_message(format!("{} {} {:?}", case.entry.name(), case.dtype, case.shape));
        let m = bench.measure(case);
        let mut row_peers = BTreeMap::new();
        // A case we could not run has no inputs to share and nothing to compare.
        if let Some(data) = m.data.as_ref().filter(|_| peers.iter().any(Peer::is_running)) {
            let shared = match &exchange {
                Ok(ex) => ex.write_inputs(data),
                Err(e) => Err(format!("no scratch directory for the peers' files: {e}")),
            };
            let ask = Ask { case, ours: &m.result, data, opts: &opts, method: &method, shared: &shared };
            for p in peers.iter_mut().filter(|p| p.is_running()) {
                let out_path = exchange.as_ref().ok().map(|ex| ex.output_path(p.name()));
                row_peers.insert(p.name().to_string(), ask.peer_row(p, out_path));
            }
        }
        results.push(Row { ours: m.result, peers: row_peers });
        bar.inc(1);
    }
    bar.finish_and_clear();
    report::rebase_copy_pct(copy.as_ref(), &mut results);
    statuses.extend(peers.iter().map(|p| PeerStatus {
        name: p.name().to_string(),
        command: p.command().to_vec(),
        info: p.info().cloned(),
        // A peer that never started keeps its (empty) column, so its absence shows.
        modes: p.modes(),
        note: p.note().map(String::from),
    }));
    let mut report = Report {
        format: FORMAT.into(),
        device: dev.name(),
        backend: dev.kind().name().into(),
        date,
        commit: provenance::git_commit(),
        size,
        warmup: opts.warmup,
        runs: opts.runs,
        flush_bytes: method.flush_bytes,
        copy,
        peers: statuses,
        results,
        families: vec![],
        notes: vec![],
    };
    report.summarize();
    report.notes = report::notes(&report);
    Ok(report)
}

/// Each running peer's copy bandwidth at our copy's size (GB/s); peers that fail it are left
/// out (the copy is only context).
fn peer_copies(
    peers: &mut [Peer],
    ours: &metaltile_std::bench::CopyBandwidth,
    opts: &BenchOptions,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if ours.elements == 0 {
        return out;
    }
    let req = Request {
        op: COPY_OP.into(),
        shapes: vec![vec![ours.elements]],
        dtype: DType::F32.name().into(),
        seed: SEED,
        params: BTreeMap::new(),
        lists: BTreeMap::new(),
        runs: opts.runs,
        warmup: opts.warmup,
        flush_bytes: 0,
        modes: vec!["eager".into()],
        inputs: Inputs::Seed(SeedInputs::Seed),
        output_path: None,
    };
    for p in peers.iter_mut().filter(|p| p.is_running()) {
        if let Ok(reply) = p.request(&req) {
            if let Some(ms) = reply.results.get("eager").and_then(|r| r.median_ms) {
                out.insert(p.name().to_string(), gbps(ours.bytes, ms * 1e3));
            }
        }
    }
    out
}

/// One case, as every peer is asked about it.
struct Ask<'a> {
    case: &'a BenchCase,
    ours: &'a BenchResult,
    data: &'a CaseData,
    opts: &'a BenchOptions,
    method: &'a Method,
    /// Our inputs as files, or why they could not be written.
    shared: &'a Result<Inputs, String>,
}

impl Ask<'_> {
    /// The magnitudes the tolerance of each output element applies to, where the op has them
    /// (row sums: see `Entry::error_scale`).
    fn scale(&self) -> Option<Vec<f64>> {
        if !self.case.entry.scales_error() {
            return None;
        }
        let inputs: Option<Vec<HostTensor>> =
            self.data.inputs.iter().map(|(_, b)| b.to_f64().ok().map(|d| HostTensor::new(b.shape(), d))).collect();
        self.case.entry.error_scale(&inputs?, &self.data.params)
    }

    /// The op's scalar parameters as the protocol sends them: `eps`, `correction`, `axis`, `groups`, and every parameter of
    /// the rotary embeddings (their math depends on all of them).
    fn params(&self) -> BTreeMap<String, f64> {
        let sent = |name: &str| {
            ["eps", "correction", "axis", "groups"].contains(&name)
                || matches!(self.case.entry.family, "rope" | "fused" | "scan" | "index" | "sort")
        };
        let op = self.case.entry.op;
        op.params()
            .iter()
            .filter(|p| sent(p))
            .filter_map(|p| self.data.params.get(p).map(|v| (p.to_string(), f64::from(v))))
            .collect()
    }

    /// The data-movement ops' parameters as the protocol sends them (lists among them).
    fn lists(&self) -> BTreeMap<String, Vec<f64>> {
        let op = self.case.entry.op;
        op.params().iter().filter_map(|p| self.data.params.movement.values(p).map(|v| (p.to_string(), v))).collect()
    }

    /// Ask `peer` to time the case on our inputs (or, when they could not be shared, on its
    /// own) and to write its output at `out_path`, then compare that output with ours.
    fn peer_row(&self, peer: &mut Peer, out_path: Option<PathBuf>) -> PeerRow {
        let (inputs, out_path, not_compared) = match (self.shared, out_path) {
            (Ok(files), Some(path)) => (files.clone(), Some(path), None),
            (Err(e), _) => (Inputs::Seed(SeedInputs::Seed), None, Some(e.clone())),
            (Ok(_), None) => (Inputs::Seed(SeedInputs::Seed), None, Some("no place for its output".into())),
        };
        let req = Request {
            op: self.case.entry.name().into(),
            shapes: self.data.inputs.iter().map(|(_, b)| b.shape().to_vec()).collect(),
            dtype: self.case.dtype.name().into(),
            seed: SEED,
            params: self.params(),
            lists: self.lists(),
            runs: self.opts.runs,
            warmup: self.opts.warmup,
            flush_bytes: if self.method.flushes(self.ours.bytes) { self.method.flush_bytes } else { 0 },
            modes: peer.modes(),
            inputs,
            output_path: out_path.clone(),
        };
        let reply = match peer.request(&req) {
            Ok(r) => r,
            Err(e) => return PeerRow { error: Some(e), ..Default::default() },
        };
        let modes =
            reply.results.iter().map(|(mode, r)| (mode.clone(), timing(r, self.ours.bytes, self.ours.median_us)));
        let mut row = PeerRow { modes: modes.collect(), ..Default::default() };
        let Some(path) = out_path else {
            row.mismatch = not_compared.map(|e| format!("outputs not compared: {e}"));
            return row;
        };
        let Some(written) = reply.output else {
            row.mismatch = Some("outputs not compared: the peer wrote no output".into());
            return row;
        };
        let out_dtype = self.case.entry.op.output_dtype(self.case.dtype);
        let theirs = read_output(&written.path, out_dtype, self.data.output.shape());
        // Scratch only; the next case overwrites it anyway.
        let _ = std::fs::remove_file(&written.path);
        let _ = std::fs::remove_file(&path);
        match (theirs, self.data.output.to_f64()) {
            (Ok(theirs), Ok(mine)) => {
                let c = compare_scaled(
                    "y",
                    &mine,
                    &theirs,
                    self.case.entry.tolerance(self.case.dtype),
                    self.scale().as_deref(),
                );
                row.matches = Some(c.passed());
                row.max_abs_err = Some(c.max_abs_err);
                row.mismatch = c.first_mismatch.map(|f| format!("{} elements differ; first: {f}", c.mismatches));
            }
            (Err(e), _) => row.mismatch = Some(format!("outputs not compared: {e}")),
            (_, Err(e)) => row.mismatch = Some(format!("outputs not compared: reading ours: {e}")),
        }
        row
    }
}

/// A peer's mode result in our units, with its ratio to our median.
fn timing(r: &ModeResult, bytes: u64, our_us: f64) -> PeerTiming {
    match (r.median_ms, &r.error) {
        (Some(ms), None) if ms > 0.0 && ms.is_finite() => {
            let us = ms * 1e3;
            PeerTiming {
                median_us: us,
                min_us: r.min_ms.map_or(0.0, |m| m * 1e3),
                p90_us: r.p90_ms.map(|p| p * 1e3),
                gbps: gbps(bytes, us),
                ratio: (our_us > 0.0).then(|| us / our_us),
                error: None,
            }
        }
        (_, Some(e)) => PeerTiming { error: Some(e.clone()), ..Default::default() },
        _ => PeerTiming { error: Some("no median time in the reply".into()), ..Default::default() },
    }
}
