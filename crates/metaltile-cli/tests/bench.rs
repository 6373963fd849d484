//! `tile bench` end to end on the CPU, with fake peers written here (pure-stdlib Python and
//! sh): a peer that agrees with us, one that disagrees, ones that refuse, babble, hang or die;
//! saved results loaded and diffed; the whole default bench within its time budget.

#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn tile(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tile")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = tile(args);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "tile {args:?}\nstdout: {out}\nstderr: {err}");
    out.into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tile-bench-test-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A peer in plain Python: reads f32 .npy inputs by hand, answers `exp` with e^x (or, when
/// `wrong`, with x itself) and `isnan` with a bool array, times `copy` at 1 ms, refuses every
/// other op, and fails its `compile` mode.
fn python_peer(dir: &Path, wrong: bool) -> PathBuf {
    let text = r#"
import ast, json, math, struct, sys
WRONG = __WRONG__
def read_npy(path):
    b = open(path, 'rb').read()
    assert b[:6] == b'\x93NUMPY'
    n = struct.unpack('<H', b[8:10])[0]
    h = ast.literal_eval(b[10:10 + n].decode())
    assert h['descr'] == '<f4', h
    data = b[10 + n:]
    return h['shape'], list(struct.unpack('<%df' % (len(data) // 4), data))
def write_npy(path, shape, vals):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': %r, }" % (tuple(shape),)
    h += ' ' * ((64 - (10 + len(h) + 1) % 64) % 64) + '\n'
    body = struct.pack('<%df' % len(vals), *vals)
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + body)
for line in sys.stdin:
    req = json.loads(line)
    if req['op'] == 'info':
        reply = {'ok': True, 'info': {'peer': 'fake', 'modes': ['eager', 'compile']}}
    elif req['op'] == 'copy':
        reply = {'ok': True, 'results': {'eager': {'median_ms': 1.0}}}
    elif req['op'] == 'isnan':
        shape, xs = read_npy(req['inputs']['path'] + '/' + req['inputs']['names'][0] + '.npy')
        h = "{'descr': '|b1', 'fortran_order': False, 'shape': %r, }" % (tuple(shape),)
        h += ' ' * ((64 - (10 + len(h) + 1) % 64) % 64) + '\n'
        body = bytes(1 if x != x else 0 for x in xs)
        open(req['output_path'], 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + body)
        reply = {'ok': True, 'output': {'path': req['output_path']}, 'results': {'eager': {'median_ms': 2.0}}}
    elif req['op'] != 'exp':
        reply = {'ok': False, 'error': 'only exp'}
    else:
        assert req['dtype'] == 'f32' and req['seed'] == 1 and req['runs'] == 3, req
        shape, xs = read_npy(req['inputs']['path'] + '/' + req['inputs']['names'][0] + '.npy')
        write_npy(req['output_path'], shape, [x if WRONG else math.exp(x) for x in xs])
        reply = {'ok': True, 'output': {'path': req['output_path']},
                 'results': {'eager': {'median_ms': 2.0, 'min_ms': 1.5}, 'compile': {'error': 'no compiler here'}}}
    print(json.dumps(reply), flush=True)
"#
    .replace("__WRONG__", if wrong { "True" } else { "False" });
    let path = dir.join(if wrong { "wrong_peer.py" } else { "fake_peer.py" });
    std::fs::write(&path, text).unwrap();
    path
}

/// A peer in sh that answers `info`, then handles each request line with `body`.
fn sh_peer(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}_peer.sh"));
    let text = format!(
        "#!/bin/sh\nread line\necho '{{\"ok\": true, \"info\": {{\"peer\": \"{name}\"}}}}'\nwhile read line; do\n{body}\ndone\n"
    );
    std::fs::write(&path, text).unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&path, perm).unwrap();
    path
}

const FAST: [&str; 6] = ["--runs", "3", "--warmup", "1", "--backend", "cpu"];

fn bench(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["bench"].iter().chain(FAST.iter()).map(|s| s.to_string()).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_json(extra: &[&str]) -> Value {
    let args = bench(&[extra, &["--json"]].concat());
    serde_json::from_str(&ok(&args.iter().map(String::as_str).collect::<Vec<_>>())).unwrap()
}

fn run_text(extra: &[&str]) -> String {
    let args = bench(extra);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_peer_that_agrees_gets_its_columns_ratios_and_a_check() {
    let dir = scratch("agrees");
    let peer = python_peer(&dir, false);
    let out = dir.join("out.json");
    let j = run_json(&["--filter", "exp", "--dtype", "f32", "--peer", s(&peer), "--out", s(&out)]);
    assert_eq!(j["format"], "metaltile-bench/1");
    assert_eq!(j["backend"], "cpu");
    assert_eq!(j["peers"][0]["name"], "fake");
    assert_eq!(j["peers"][0]["modes"], json!(["eager", "compile"]));
    assert!(j["peers"][0]["note"].is_null(), "{}", j["peers"][0]);
    let rows = j["results"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!((r["kernel"].as_str(), r["check"]["passed"].as_bool()), (Some("exp"), Some(true)));
    let fake = &r["peers"]["fake"];
    assert_eq!(fake["matches"], true, "{fake}");
    let eager = &fake["modes"]["eager"];
    assert_eq!(eager["median_us"], 2000.0);
    let ours = r["median_us"].as_f64().unwrap();
    let ratio = eager["ratio"].as_f64().unwrap();
    assert!((ratio - 2000.0 / ours).abs() < 1e-9 * ratio, "{ratio} vs {ours}");
    let bytes = r["bytes"].as_f64().unwrap();
    assert!((eager["gbps"].as_f64().unwrap() - bytes / 2e-3 / 1e9).abs() < 1e-12);
    assert_eq!(fake["modes"]["compile"]["error"], "no compiler here");
    let fam = &j["families"][0];
    assert!((fam["ratios"]["fake"].as_f64().unwrap() - ratio).abs() < 1e-9 * ratio, "{fam}");
    assert!(fam["ratios"].get("fake.compile").is_none(), "a failed mode has no ratio");
    // The peer's copy took 1 ms over our copy's bytes.
    let copy_bytes = j["copy"]["bytes"].as_f64().unwrap();
    assert!((j["copy"]["peers"]["fake"].as_f64().unwrap() - copy_bytes / 1e-3 / 1e9).abs() < 1e-9);
    let notes: Vec<&str> = j["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(notes, ["fake.compile on 1 row (exp f32 4096): no compiler here"]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(saved["results"], j["results"]);
    assert!(saved["date"].as_str().unwrap().ends_with('Z'));

    let text = run_text(&["--filter", "exp", "--dtype", "f32", "--peer", s(&peer)]);
    let header: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["kernel", "dtype", "shape", "median", "GB/s", "%copy", "fake", "fake.compile", "×fake", "×fake.compile", "ok"]
    );
    let row = text.lines().nth(3).unwrap();
    assert!(row.starts_with("exp") && row.ends_with('✓'), "{text}");
    assert!(text.lines().next().unwrap().contains("fake copy"), "{text}");
}

/// A bool output (isnan) is read back as bool, not in the input's dtype.
#[test]
fn a_peer_bool_output_is_compared_as_bool() {
    let dir = scratch("bool_output");
    let peer = python_peer(&dir, false);
    let j = run_json(&["--filter", "isnan", "--dtype", "f32", "--peer", s(&peer)]);
    let fake = &j["results"][0]["peers"]["fake"];
    assert_eq!(fake["matches"], true, "{fake}");
}

#[test]
fn a_peer_that_disagrees_is_flagged_and_other_ops_are_refused_without_failing() {
    let dir = scratch("disagrees");
    let peer = python_peer(&dir, true);
    let j = run_json(&["--filter", "exp", "--dtype", "f32", "--peer", s(&peer)]);
    let wrong = &j["results"][0]["peers"]["wrong"];
    assert_eq!(wrong["matches"], false, "{wrong}");
    assert!(wrong["mismatch"].as_str().unwrap().contains("elements differ"), "{wrong}");
    let notes = j["notes"].to_string();
    assert!(notes.contains("exp f32 4096: wrong's output differs from ours"), "{notes}");
    let text = run_text(&["--filter", "exp", "--dtype", "f32", "--peer", s(&peer)]);
    assert!(text.lines().nth(3).unwrap().ends_with("✗ wrong"), "{text}");

    let good = python_peer(&dir, false);
    let j = run_json(&["--filter", "norm", "--dtype", "f32", "--peer", s(&good)]);
    let rows = j["results"].as_array().unwrap();
    let norms = metaltile_std::registry::all().iter().filter(|e| e.family == "norm").count();
    assert_eq!(rows.len(), norms);
    for r in rows {
        assert!(r["error"].is_null() && r["gbps"].as_f64().unwrap() > 0.0, "{r}");
        assert_eq!(r["peers"]["fake"]["error"], "only exp");
    }
    // The note names the first three rows and counts the rest.
    let note = format!(
        "fake on {norms} rows (rms_norm f32 8×1024, layer_norm f32 8×1024, add_rms_norm f32 8×1024, …): only exp"
    );
    assert_eq!(j["notes"][0], note.as_str());
}

#[test]
fn broken_peers_leave_empty_columns_and_notes() {
    let dir = scratch("broken");
    let garbage = sh_peer(&dir, "garbage", "echo 'Segmentation fault'");
    let hangs = sh_peer(&dir, "hangs", "exec sleep 60");
    let dies = sh_peer(&dir, "dies", "echo 'RuntimeError: CUDA out of memory' >&2; exit 1");
    let refuses = sh_peer(&dir, "refuses", r#"echo '{"ok": false, "error": "not on this device"}'"#);
    let t = Instant::now();
    let j = run_json(&[
        "--filter",
        "exp",
        "--peer",
        s(&garbage),
        "--peer",
        s(&hangs),
        "--peer",
        s(&dies),
        "--peer",
        s(&refuses),
        "--peer",
        "/nonexistent/dir/x_peer.py",
        "--peer",
        "nosuch",
        "--peer-timeout",
        "1",
    ]);
    assert!(t.elapsed() < Duration::from_secs(60), "a hanging peer costs its timeout once");
    let rows = j["results"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "every dtype still timed");
    assert!(rows.iter().all(|r| r["error"].is_null() && r["check"]["passed"] == true), "{rows:?}");
    let note = |name: &str| -> String {
        let p = j["peers"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
        p["note"].as_str().unwrap_or("").to_string()
    };
    assert!(
        note("garbage").contains("not a reply") && note("garbage").contains("Segmentation fault"),
        "{}",
        note("garbage")
    );
    // The copy request comes first, so that is where each stopped.
    assert!(note("hangs").contains("no reply to `copy` within 1 s"), "{}", note("hangs"));
    assert!(
        note("dies").contains("exited before answering `copy`") && note("dies").contains("out of memory"),
        "{}",
        note("dies")
    );
    assert!(note("nosuch").contains("no peer script nosuch_peer.py"), "{}", note("nosuch"));
    assert!(note("x").contains("exited") || note("x").contains("could not start"), "{}", note("x"));
    assert_eq!(note("refuses"), "", "refusing an op is not a reason to stop a peer");
    for r in rows {
        assert_eq!(r["peers"]["refuses"]["error"], "not on this device");
        assert!(r["peers"].get("hangs").is_none(), "a stopped peer is not asked again");
    }
    let text = run_text(&["--filter", "exp", "--dtype", "f32", "--peer", s(&garbage)]);
    assert!(text.contains("notes:\n  - garbage: answered `copy` with something that is not a reply"), "{text}");
}

#[test]
fn the_mlx_peer_without_mlx_is_a_note() {
    // CI machines have no MLX (nor, often, numpy): the peer must refuse cleanly.
    let j = run_json(&["--filter", "exp", "--dtype", "f32", "--peer", "mlx"]);
    let p = &j["peers"][0];
    assert_eq!(p["name"], "mlx");
    let note = p["note"].as_str().unwrap_or("");
    if p["info"].is_null() {
        assert!(note.contains("not available"), "{p}");
    }
    assert!(j["results"][0]["error"].is_null());
}

#[test]
fn no_peers_by_default_on_the_cpu_and_none_turns_them_off() {
    let j = run_json(&["--filter", "exp", "--dtype", "f32"]);
    assert_eq!(j["peers"], json!([]));
    let j = run_json(&["--filter", "exp", "--dtype", "f32", "--peer", "mlx", "--peer", "none"]);
    assert_eq!(j["peers"], json!([]));
}

fn synthetic(rows: &[(&str, f64)], date: &str) -> Value {
    let results: Vec<Value> = rows
        .iter()
        .map(|(k, gbps)| json!({"kernel": k, "family": "unary", "dtype": "f32", "shape": [268435456], "gbps": gbps, "median_us": 1.0}))
        .collect();
    json!({"format": "metaltile-bench/1", "device": "NVIDIA H100", "date": date, "commit": "c621292", "results": results})
}

#[test]
fn diff_flags_regressions_and_improvements_between_saved_files() {
    let dir = scratch("diff");
    let (old, new) = (dir.join("old.json"), dir.join("new.json"));
    std::fs::write(
        &old,
        synthetic(&[("exp", 3000.0), ("log", 3000.0), ("sin", 3000.0), ("cos", 1.0)], "2026-11-01").to_string(),
    )
    .unwrap();
    std::fs::write(
        &new,
        synthetic(&[("exp", 2700.0), ("log", 3300.0), ("sin", 3030.0), ("tanh", 1.0)], "2026-11-02").to_string(),
    )
    .unwrap();
    let text = ok(&["bench", "--from", s(&new), "--diff", s(&old)]);
    assert!(text.contains("diff against NVIDIA H100 2026-11-01 at c621292"), "{text}");
    let line = |k: &str| text.lines().find(|l| l.starts_with(&format!("{k} f32"))).unwrap().to_string();
    assert!(line("exp").contains("0.900") && line("exp").contains("▼ slower by more than 5%"), "{text}");
    assert!(line("log").contains("1.100") && line("log").contains("▲ faster"), "{text}");
    assert!(line("sin").ends_with("1.010"), "within 5%: not flagged: {text}");
    assert!(text.contains("over 3 rows: 1 regressions, 1 improvements"), "{text}");
    assert!(text.contains("timed before, not now: cos f32 268435456"), "{text}");
    assert!(text.contains("new rows: tanh f32 268435456"), "{text}");
    let j: Value = serde_json::from_str(&ok(&["bench", "--from", s(&new), "--diff", s(&old), "--json"])).unwrap();
    assert_eq!((j["diff"]["regressions"].as_u64(), j["diff"]["improvements"].as_u64()), (Some(1), Some(1)));
    assert_eq!(j["results"].as_array().unwrap().len(), 4, "the report itself is there too");
    let g = j["diff"]["geomean"].as_f64().unwrap();
    assert!((g - (0.9f64 * 1.1 * 1.01).powf(1.0 / 3.0)).abs() < 1e-12);
}

#[test]
fn a_run_diffs_against_its_own_saved_results() {
    let dir = scratch("self");
    let out = dir.join("run.json");
    run_json(&["--filter", "exp", "--dtype", "f32", "--out", s(&out)]);
    let text = run_text(&["--filter", "exp", "--dtype", "f32", "--diff", s(&out)]);
    assert!(text.contains("new/old geomean") && text.contains("over 1 rows"), "{text}");
}

#[test]
fn unreadable_results_files_are_usage_errors() {
    let dir = scratch("bad");
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "[1, 2, 3]").unwrap();
    let o = tile(&["bench", "--from", s(&junk)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a bench results file"));
    let o = tile(&["bench", "--from", s(&dir.join("missing.json"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.json"));
    let o = tile(&["bench", "--filter", "exp", "--backend", "cpu", "--runs", "1", "--diff", s(&junk)]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_whole_cpu_bench_stays_quick_and_correct() {
    // The main job on a machine without a GPU: every kernel × float dtype at the quick shapes,
    // default runs. The budget is a minute on two cores; a loaded test machine gets twice that.
    let t = Instant::now();
    let j: Value = serde_json::from_str(&ok(&["bench", "--backend", "cpu", "--json"])).unwrap();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(120), "took {took:?}");
    let rows = j["results"].as_array().unwrap();
    // Each kernel at each float dtype; the integer-only bitwise ops at the integer of each
    // float's width (i32, i16), once per integer.
    let expected: usize = metaltile_std::registry::all()
        .iter()
        .map(|e| {
            let mut d: Vec<_> =
                metaltile_ir::FLOAT_DTYPES.iter().filter_map(|f| metaltile_std::bench::bench_dtype(e, *f)).collect();
            d.dedup();
            d.len()
        })
        .sum();
    assert_eq!(rows.len(), expected);
    assert!(rows.iter().any(|r| r["kernel"] == "bitwise_and" && r["dtype"] == "i16"), "the bitwise ops run at i16");
    for r in rows {
        assert!(r["error"].is_null() && r["gbps"].as_f64().unwrap() > 0.0, "{r}");
        assert_eq!(r["runs"], 50);
        assert_eq!(r["check"]["passed"], true, "{r}");
        assert!(r["copy_pct"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(j["flush_bytes"], 0, "the interpreter has no cache to flush");
    assert!(j["copy"]["gbps"].as_f64().unwrap() > 0.0);
}

#[test]
fn params_set_the_ops_that_take_them_and_are_recorded() {
    // axis=0 of 64×32 folds the columns: 32 sums written, not 64.
    let v = run_json(&["--filter", "sum_rows", "--dtype", "f32", "--shape", "64x32", "--param", "axis=0"]);
    let r = &v["results"][0];
    assert_eq!(r["params"], json!({"axis": 0.0}), "{r}");
    assert_eq!(r["bytes"], json!((64 * 32 + 32) * 4), "{r}");
    assert_eq!(r["check"]["passed"], json!(true), "{r}");
    assert!(run_text(&["--filter", "sum_rows", "--dtype", "f32", "--shape", "64x32", "--param", "axis=0"])
        .contains("64×32 axis=0"));
    // A parameter no selected kernel takes would time the defaults under its name.
    let o = tile(&["bench", "--backend", "cpu", "--filter", "exp", "--param", "axis=0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no selected kernel takes `axis`"));
}
