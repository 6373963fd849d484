//! The peer protocol (docs/bench.md): one JSON object per line on the peer's stdin, one reply
//! per line on its stdout. The first request is `{"op": "info"}`; every later one names an op
//! with its inputs' shapes, dtype and timing settings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The op name of the first request, which a peer answers with [`PeerInfo`].
pub const INFO_OP: &str = "info";
/// The op name of the copy whose bandwidth a peer measures next to ours.
pub const COPY_OP: &str = "copy";

/// `"inputs": "seed"`: the peer draws its own inputs from the seed (timing only; its output
/// is not compared).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedInputs {
    Seed,
}

/// Where a request's inputs come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Inputs {
    /// The peer makes its own.
    Seed(SeedInputs),
    /// The peer reads `<path>/<name>.npy` for each name, in order: our own inputs, so the
    /// outputs can be compared. bf16 arrays are stored as `<u2` raw bits.
    Files { path: PathBuf, names: Vec<String> },
}

/// A request to time one op.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// A std kernel name (`exp`, `softmax`, `rms_norm`, …) or [`COPY_OP`].
    pub op: String,
    /// The shape of each input, in the op's input order.
    pub shapes: Vec<Vec<usize>>,
    /// `f32`, `f16` or `bf16`.
    pub dtype: String,
    pub seed: u64,
    /// The op's scalar parameters (`eps`).
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// The data-movement ops' parameters, lists among them (`perm`, a slice's `start`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<f64>>,
    /// Timed runs; the peer reports their median.
    pub runs: usize,
    /// Untimed runs first (torch.compile compiles during these).
    pub warmup: usize,
    /// Bytes to overwrite before each timed run to evict the cache; 0 for no flush.
    #[serde(default)]
    pub flush_bytes: u64,
    /// Which ways of running the op to time (`eager`, `compile`).
    pub modes: Vec<String>,
    pub inputs: Inputs,
    /// Where to write the output as .npy (absent: write none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_path: Option<PathBuf>,
}

/// One mode's timing, in milliseconds, or why the mode failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModeResult {
    pub median_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub runs: Option<usize>,
    pub error: Option<String>,
}

/// Where the peer wrote its output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRef {
    pub path: PathBuf,
}

/// What a peer says about itself in reply to `info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    /// The framework (`torch`, `mlx`).
    pub peer: String,
    /// Its version.
    pub version: Option<String>,
    /// The device it runs on.
    pub device: Option<String>,
    /// The modes it can time, in column order.
    pub modes: Vec<String>,
    /// How it times (`cuda events`, `wall clock around mx.eval`).
    pub timing: Option<String>,
}

/// A reply: `ok` with results, or not `ok` with an error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reply {
    pub ok: bool,
    pub error: Option<String>,
    /// Per mode.
    pub results: BTreeMap<String, ModeResult>,
    pub output: Option<OutputRef>,
    /// The reply to `info`.
    pub info: Option<PeerInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn request(inputs: Inputs) -> Request {
        Request {
            op: "rms_norm".into(),
            shapes: vec![vec![4096, 8192], vec![8192]],
            dtype: "bf16".into(),
            seed: 1,
            params: BTreeMap::from([("eps".to_string(), 1e-5)]),
            lists: BTreeMap::new(),
            runs: 50,
            warmup: 10,
            flush_bytes: 256 << 20,
            modes: vec!["eager".into(), "compile".into()],
            inputs,
            output_path: Some("/tmp/x/torch_y.npy".into()),
        }
    }

    #[test]
    fn requests_round_trip_and_read_as_documented() {
        for inputs in [
            Inputs::Seed(SeedInputs::Seed),
            Inputs::Files { path: "/tmp/x".into(), names: vec!["x".into(), "w".into()] },
        ] {
            let r = request(inputs);
            let text = serde_json::to_string(&r).unwrap();
            assert!(!text.contains('\n'), "one request per line");
            assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), r);
        }
        let v: Value = serde_json::to_value(request(Inputs::Seed(SeedInputs::Seed))).unwrap();
        assert_eq!(v["inputs"], "seed");
        assert_eq!(v["shapes"], json!([[4096, 8192], [8192]]));
        assert_eq!(v["params"]["eps"], 1e-5);
        let v: Value =
            serde_json::to_value(request(Inputs::Files { path: "/d".into(), names: vec!["x".into()] })).unwrap();
        assert_eq!(v["inputs"], json!({"path": "/d", "names": ["x"]}));
        let mut bare = request(Inputs::Seed(SeedInputs::Seed));
        bare.output_path = None;
        assert!(serde_json::to_value(bare).unwrap().get("output_path").is_none());
    }

    #[test]
    fn replies_parse_as_peers_write_them() {
        let ok: Reply = serde_json::from_value(json!({
            "ok": true,
            "results": {"eager": {"median_ms": 0.5, "min_ms": 0.45, "p90_ms": 0.6, "runs": 50},
                        "compile": {"error": "no C compiler"}},
            "output": {"path": "/tmp/y.npy"}
        }))
        .unwrap();
        assert!(ok.ok && ok.error.is_none());
        assert_eq!(ok.results["eager"].median_ms, Some(0.5));
        assert_eq!(ok.results["compile"].error.as_deref(), Some("no C compiler"));
        assert_eq!(ok.output, Some(OutputRef { path: "/tmp/y.npy".into() }));
        let bad: Reply = serde_json::from_value(json!({"ok": false, "error": "mlx not installed"})).unwrap();
        assert_eq!((bad.ok, bad.error.as_deref()), (false, Some("mlx not installed")));
        let info: Reply = serde_json::from_value(json!({
            "ok": true, "info": {"peer": "torch", "version": "2.11.0", "modes": ["eager", "compile"], "extra": 1}
        }))
        .unwrap();
        let i = info.info.unwrap();
        assert_eq!((i.peer.as_str(), i.modes.len()), ("torch", 2));
        // A reply is an object with `ok`: anything else is not one.
        assert!(serde_json::from_str::<Reply>("[1, 2]").is_err());
        assert!(serde_json::from_str::<Reply>(r#"{"ok": "yes"}"#).is_err());
        let back: Reply = serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
        assert_eq!(back, ok);
    }
}
