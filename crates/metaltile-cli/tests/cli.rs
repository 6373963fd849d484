//! The `tile` binary end to end: every command's output and every error path's exit status
//! and message. The .npy files are written and read here by hand, independently of the
//! binary's own reader and writer.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::passes::PASSES;
use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_std::registry;
use metaltile_std::testing::cases;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tile(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tile")).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Run and expect success; returns stdout.
fn ok(args: &[&str]) -> String {
    let o = tile(args);
    assert_eq!(o.status.code(), Some(0), "tile {args:?}\nstdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// Run and expect a usage/input error (exit 2) whose message contains every one of `needles`.
fn fails(args: &[&str], needles: &[&str]) {
    let o = tile(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "tile {args:?}\nstdout: {}\nstderr: {err}", stdout(&o));
    for n in needles {
        assert!(err.contains(n), "tile {args:?}: stderr lacks {n:?}:\n{err}");
    }
}

fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tile-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Write a version 1.0 .npy file.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_txt = if shape.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

fn write_f32(path: &Path, shape: &[usize], v: &[f32]) {
    write_npy(path, "<f4", shape, &v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
}

/// Read a .npy file: (descr, shape, data bytes).
fn read_npy(path: &Path) -> (String, Vec<usize>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    let after = |key: &str| header.split(key).nth(1).unwrap().trim_start_matches([':', ' ', '\'']).to_string();
    let descr = after("'descr'").split('\'').next().unwrap().to_string();
    let shape_txt = after("'shape'");
    let shape = shape_txt[1..shape_txt.find(')').unwrap()]
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    (descr, shape, bytes[10 + hlen..].to_vec())
}

fn read_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let (descr, shape, data) = read_npy(path);
    assert_eq!(descr, "<f4");
    (shape, data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

fn assert_close(got: &[f32], want: &[f64], dtype: DType) {
    let tol = dtype.tolerance();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((*g as f64 - w).abs() <= tol.atol + tol.rtol * w.abs(), "element {i}: got {g}, want {w}");
    }
}

/// Deterministic values spread over [lo, hi).
fn values(n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|i| lo + (hi - lo) * ((i * 37 % n) as f32 / n as f32)).collect()
}

#[test]
fn list_shows_every_kernel() {
    let out = ok(&["list"]);
    let header = out.lines().next().unwrap();
    for col in ["kernel", "family", "dtypes", "params", "summary"] {
        assert!(header.contains(col), "{header}");
    }
    let softmax = out.lines().find(|l| l.starts_with("softmax ")).unwrap();
    assert!(softmax.contains("f32 f16 bf16") && softmax.contains("in x: T"), "{softmax}");
    let rms = out.lines().find(|l| l.starts_with("rms_norm ")).unwrap();
    assert!(rms.contains("eps: f32 = 1e-5 (--param)"), "{rms}");

    let json: Value = serde_json::from_str(&ok(&["list", "--json"])).unwrap();
    let names: Vec<&str> = json.as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = registry::all().iter().map(|e| e.name()).collect();
    assert_eq!(names, expected);
    let softmax = json.as_array().unwrap().iter().find(|k| k["name"] == "softmax").unwrap();
    assert_eq!(softmax["family"], "softmax");
    assert_eq!(softmax["dtypes"], serde_json::json!(["f32", "f16", "bf16"]));
    assert_eq!(softmax["inputs"][0]["name"], "x");
    assert_eq!(softmax["outputs"][0]["name"], "y");
}

#[test]
fn emit_msl_and_cuda() {
    let msl = ok(&["emit", "softmax", "--target", "msl", "--dtype", "f16"]);
    assert!(msl.contains("kernel void softmax_f16"), "{msl}");
    let cuda = ok(&["emit", "softmax", "--target", "cuda", "--dtype", "bf16"]);
    assert!(cuda.contains("__global__") && cuda.contains("softmax_bf16"), "{cuda}");
    let default = ok(&["emit", "exp", "--target", "msl"]);
    assert!(default.contains("kernel void exp_f32"), "the default dtype is the first: {default}");
    let json: Value =
        serde_json::from_str(&ok(&["emit", "softmax", "--target", "msl", "--dtype", "f16", "--json"])).unwrap();
    assert_eq!(json["source"].as_str().unwrap(), msl);
    assert_eq!(json["target"], "msl");
    assert_eq!(json["optimized"], true);
}

#[test]
fn emit_no_opt_keeps_the_traced_ir() {
    let opt = ok(&["emit", "softmax", "--target", "cuda"]);
    let raw = ok(&["emit", "softmax", "--target", "cuda", "--no-opt"]);
    assert!(raw.contains("__global__"));
    // The traced softmax reads its thread position once per use; cse merges those reads.
    assert!(raw.lines().count() > opt.lines().count(), "opt:\n{opt}\nraw:\n{raw}");
}

#[test]
fn emit_errors() {
    fails(&["emit", "sofmax", "--target", "msl"], &["unknown kernel `sofmax`", "did you mean", "softmax"]);
    fails(&["emit", "qqqqqqqqqq", "--target", "msl"], &["unknown kernel `qqqqqqqqqq`", "the kernels are:", "exp"]);
    fails(&["emit", "softmax", "--target", "msl", "--dtype", "f8"], &["`f8`", "supported dtypes: f32, f16, bf16"]);
    fails(&["emit", "softmax", "--target", "msl", "--dtype", "i32"], &["no `i32` instance", "f32, f16, bf16"]);
    fails(&["emit", "softmax", "--target", "msl", "--const", "BLOCK"], &["--const BLOCK", "expected NAME=VALUE"]);
    fails(&["emit", "exp", "--target", "msl", "--const", "BLOCK=4"], &["--const BLOCK=4", "has no constexprs"]);
    fails(&["emit", "softmax", "--target", "msl", "--const", "BLOCK=4"], &["no constexpr `BLOCK`", "per_thread"]);
    fails(&["emit", "softmax", "--target", "ptx"], &["unknown target `ptx`"]);
    fails(&["emit", "softmax"], &["--target"]);
}

#[test]
fn inspect_prints_ir_as_traced_and_after_passes() {
    let traced = ok(&["inspect", "exp", "--ir"]);
    assert!(traced.contains("kernel exp_f32"), "{traced}");
    let dce = ok(&["inspect", "exp", "--ir", "--pass", "dce"]);
    assert!(dce.contains("kernel exp_f32") && dce.contains("exp"), "{dce}");
    assert!(dce.lines().count() < traced.lines().count(), "dce removes the unused positions:\n{traced}\n{dce}");
    let full = ok(&["inspect", "exp", "--opt", "--dtype", "f16"]);
    assert!(full.contains("kernel exp_f16"), "{full}");
    let json: Value = serde_json::from_str(&ok(&["inspect", "exp", "--pass", "dce", "--json"])).unwrap();
    assert_eq!(json["after"], "dce");
    assert_eq!(json["ir"].as_str().unwrap(), dce);
    let summary = ok(&["inspect", "rms_norm"]);
    assert!(summary.contains("norm") && summary.contains("eps"), "{summary}");
}

#[test]
fn inspect_lists_passes() {
    let list = ok(&["inspect", "exp", "--pass", "list"]);
    for p in PASSES {
        assert!(list.contains(p.name) && list.contains(p.description), "{list}");
    }
    let names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
    let mut needles = vec!["unknown pass `nope`"];
    needles.extend(&names);
    fails(&["inspect", "exp", "--pass", "nope"], &needles);
    fails(&["inspect", "exp", "--ir", "--dtype", "u8"], &["no `u8` instance"]);
}

#[test]
fn test_command_runs_the_suite() {
    let out = ok(&["test", "--filter", "exp", "--backend", "cpu"]);
    let n = cases(&registry::find("exp").unwrap()).len();
    assert_eq!(out.lines().last().unwrap(), format!("{n} passed, 0 failed"));
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("exp ")).collect();
    assert_eq!(rows.len(), n);
    assert!(rows.iter().all(|r| r.contains('✓')), "{out}");
    for d in FLOAT_DTYPES {
        assert!(rows.iter().any(|r| r.contains(d.name())), "{out}");
    }

    let json: Value = serde_json::from_str(&ok(&["test", "--filter", "exp", "--json"])).unwrap();
    assert_eq!(json["passed"].as_u64(), Some(n as u64));
    assert_eq!(json["failed"].as_u64(), Some(0));
    assert_eq!(json["results"].as_array().unwrap().len(), n);
}

#[test]
fn test_and_bench_refuse_empty_filters_and_missing_backends() {
    fails(&["test", "--filter", "matmul"], &["--filter `matmul` selects no kernel", "unary"]);
    fails(&["bench", "--filter", "matmul"], &["--filter `matmul` selects no kernel"]);
    fails(&["test", "--filter", "exp", "--backend", "cuda"], &["cuda backend is unavailable"]);
    fails(&["bench", "--filter", "exp", "--backend", "metal"], &["metal backend is unavailable"]);
    fails(&["test", "--backend", "tpu"], &["unknown backend `tpu`", "auto"]);
}

#[test]
fn run_exp_matches_f64() {
    let dir = scratch("run_exp");
    let (x, y) = (dir.join("x.npy"), dir.join("y.npy"));
    let xs = values(300, -8.0, 8.0);
    write_f32(&x, &[3, 100], &xs);
    let out =
        ok(&["run", "exp", "--input", &format!("x={}", path_str(&x)), "--output", &format!("y={}", path_str(&y))]);
    assert!(out.contains("[3, 100]"), "{out}");
    let (shape, ys) = read_f32(&y);
    assert_eq!(shape, vec![3, 100]);
    let want: Vec<f64> = xs.iter().map(|v| (*v as f64).exp()).collect();
    assert_close(&ys, &want, DType::F32);
}

#[test]
fn run_rms_norm_takes_eps() {
    let dir = scratch("run_rms");
    let (x, w, y) = (dir.join("x.npy"), dir.join("w.npy"), dir.join("y.npy"));
    let (rows, n) = (2, 40);
    let xs = values(rows * n, -0.1, 0.1);
    let ws = values(n, 0.5, 1.5);
    write_f32(&x, &[rows, n], &xs);
    write_f32(&w, &[n], &ws);
    let eps = 0.25f64;
    let args = |extra: &[&str]| {
        let mut a = vec!["run", "rms_norm", "--json"];
        a.extend(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let (xa, wa, ya) = (format!("x={}", path_str(&x)), format!("w={}", path_str(&w)), format!("y={}", path_str(&y)));
    let a = args(&["--input", &wa, "--input", &xa, "--output", &ya, "--param", "eps=0.25"]);
    let json: Value = serde_json::from_str(&ok(&a.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
    assert_eq!(json["outputs"][0]["name"], "y");
    assert_eq!(json["outputs"][0]["path"], path_str(&y));
    let (_, ys) = read_f32(&y);
    let mut want = Vec::new();
    for r in xs.chunks(n) {
        let ms = r.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / n as f64;
        want.extend(r.iter().zip(&ws).map(|(v, w)| *v as f64 / (ms + eps).sqrt() * *w as f64));
    }
    assert_close(&ys, &want, DType::F32);
}

#[test]
fn run_reads_u2_files_as_bf16() {
    let dir = scratch("run_bf16");
    let (x, y) = (dir.join("x.npy"), dir.join("y.npy"));
    // bf16 bits of 0, 1, 2, -1: the top half of the f32 bits.
    let xs = [0.0f32, 1.0, 2.0, -1.0];
    let bits: Vec<u8> = xs.iter().flat_map(|v| ((v.to_bits() >> 16) as u16).to_le_bytes()).collect();
    write_npy(&x, "<u2", &[4], &bits);
    let (xa, ya) = (format!("x={}", path_str(&x)), format!("y={}", path_str(&y)));
    let out = ok(&["run", "exp", "--dtype", "bf16", "--input", &xa, "--output", &ya]);
    assert!(out.contains("bf16"), "{out}");
    let (descr, shape, data) = read_npy(&y);
    assert_eq!((descr.as_str(), shape), ("<u2", vec![4]));
    let got: Vec<f32> =
        data.chunks_exact(2).map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16)).collect();
    let want: Vec<f64> = xs.iter().map(|v| (*v as f64).exp()).collect();
    assert_close(&got, &want, DType::BF16);
}

#[test]
fn run_errors_name_the_problem() {
    let dir = scratch("run_errors");
    let (x, w3, h, i, y) =
        (dir.join("x.npy"), dir.join("w3.npy"), dir.join("h.npy"), dir.join("i.npy"), dir.join("y.npy"));
    write_f32(&x, &[2, 4], &values(8, -1.0, 1.0));
    write_f32(&w3, &[3], &[1.0, 1.0, 1.0]);
    write_npy(&h, "<f2", &[2, 4], &[0u8; 16]);
    write_npy(&i, "<i4", &[2, 4], &[0u8; 32]);
    let f = |name: &str, p: &Path| format!("{name}={}", path_str(p));
    let (xa, ya) = (f("x", &x), f("y", &y));

    fails(&["run", "rms_norm", "--input", &xa], &["input named `w`", "x, w"]);
    fails(&["run", "rms_norm", "--input", &xa, "--input", &f("q", &w3)], &["no input named `q`", "x, w"]);
    fails(&["run", "rms_norm", "--input", &xa, "--input", &f("w", &w3), "--output", &ya], &["input `w`", "[4]", "[3]"]);
    fails(&["run", "exp", "--dtype", "f32", "--input", &f("x", &h)], &["input `x`", "expected dtype f32", "found f16"]);
    fails(&["run", "add", "--input", &f("a", &x), "--input", &f("b", &h)], &["input `b`", "expected f32", "found f16"]);
    fails(&["run", "exp", "--input", &f("x", &i)], &["input `x`", "i32 is not supported", "f32, f16, bf16"]);
    fails(&["run", "exp", "--input", &xa, "--output", &f("z", &y)], &["no output named `z`", "outputs: y"]);
    fails(&["run", "exp", "--input", &xa, "--param", "eps=1e-3"], &["no input or parameter named `eps`"]);
    fails(
        &["run", "rms_norm", "--input", &xa, "--input", &f("w", &x), "--param", "eps=x"],
        &["--param eps=x", "not a number"],
    );
    fails(&["run", "exp", "--input", &xa, "--const", "BLOCK=4"], &["--const BLOCK=4", "has no constexprs"]);
    fails(&["run", "exp", "--input", "x"], &["--input x", "expected NAME=FILE"]);
    fails(&["run", "exp", "--input", &xa, "--input", &xa], &["`x` is given twice"]);
    fails(&["run", "exp", "--input", &f("x", &dir.join("missing.npy"))], &["missing.npy"]);
    fails(&["run", "exp", "--dtype", "f64", "--input", &xa], &["`f64`", "f32, f16, bf16"]);
    fails(&["run", "exp", "--input", &xa, "--backend", "cuda"], &["cuda backend is unavailable"]);
    let junk = dir.join("junk.npy");
    std::fs::write(&junk, b"not numpy at all").unwrap();
    fails(&["run", "exp", "--input", &f("x", &junk)], &["junk.npy", "not a .npy file"]);
    assert!(!y.exists(), "no failed run writes an output");
}

#[test]
fn run_help_documents_bf16_files() {
    let help = ok(&["run", "--help"]);
    assert!(help.contains("<u2") && help.contains("bf16"), "{help}");
}

#[test]
fn bench_json_is_parseable() {
    let dir = scratch("bench");
    let file = dir.join("bench.json");
    let o = tile(&["bench", "--filter", "exp", "--backend", "cpu", "--runs", "2", "--json", "--out", path_str(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = json["results"].as_array().unwrap();
    let shapes = metaltile_std::bench::shapes(&registry::find("exp").unwrap(), metaltile_std::bench::BenchSize::Quick);
    assert_eq!(results.len(), FLOAT_DTYPES.len() * shapes.len());
    for r in results {
        assert_eq!(r["kernel"], "exp");
        assert!(r["error"].is_null(), "{r}");
        assert!(r["median_us"].as_f64().unwrap() > 0.0 && r["gbps"].as_f64().unwrap() > 0.0, "{r}");
    }
    assert_eq!(json["families"][0]["family"], "unary");
    assert_eq!(json["families"][0]["timed"].as_u64(), Some(results.len() as u64));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["results"].as_array().unwrap().len(), results.len());
}

#[test]
fn bench_table_ends_with_family_geomeans() {
    let out = ok(&["bench", "--filter", "norm", "--runs", "1", "--warmup", "0", "--dtype", "f32"]);
    let header = out.lines().nth(1).unwrap();
    for col in ["kernel", "dtype", "shape", "median", "GB/s"] {
        assert!(header.contains(col), "{out}");
    }
    assert!(out.lines().any(|l| l.starts_with("rms_norm ") && l.contains("f32")), "{out}");
    assert!(!out.lines().any(|l| l.contains("bf16")), "--dtype f32 only: {out}");
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("norm "), "{out}");
    // Integer dtypes are taken (the bitwise ops run at them); a name that is no dtype, or bool, is not.
    fails(&["bench", "--dtype", "f8"], &["--dtype f8", "f32, f16, bf16"]);
    fails(&["bench", "--dtype", "bool"], &["--dtype bool", "i32"]);
}
