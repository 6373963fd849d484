//! The command line: every command, flag and its help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use metaltile_codegen::Target;
use metaltile_runtime::BackendKind;
use std::path::PathBuf;
use std::str::FromStr;

/// MetalTile's kernel tool: list, emit, inspect, test, run and benchmark the std kernels.
#[derive(Debug, Parser)]
#[command(name = "tile", version)]
pub struct Cli {
    /// Print machine-readable JSON on stdout instead of tables (progress bars are hidden).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The `tile` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the kernels: family, dtypes, parameters and what each computes.
    List,
    /// Print a kernel's Metal Shading Language or CUDA C source.
    Emit(EmitArgs),
    /// Show a kernel's signature, or its IR as traced or after optimization passes.
    Inspect(InspectArgs),
    /// Check every kernel × dtype × case against its f64 reference.
    Test(TestArgs),
    /// Run one kernel on .npy inputs and write its outputs as .npy.
    #[command(after_long_help = RUN_HELP)]
    Run(RunArgs),
    /// Time the kernels: median time, GB/s and % of copy bandwidth per kernel, dtype and shape, beside a peer (PyTorch, MLX).
    #[command(after_long_help = BENCH_HELP)]
    Bench(BenchArgs),
}

const RUN_HELP: &str = "\
Input dtypes come from the .npy files; all inputs of a kernel share one dtype. NumPy has no
bfloat16: for a kernel with a bf16 instance (and no u16 one), a `<u2` (uint16) file is read as
raw bf16 bits, and bf16 outputs are written as `<u2` raw bits (`arr.view(np.uint16)` /
`u16.view(ml_dtypes.bfloat16)` convert).

Example:
  tile run rms_norm --input x=x.npy --input w=w.npy --param eps=1e-6 --output y=y.npy";

const BENCH_HELP: &str = "\
Method (docs/bench.md): warm-up runs, then timed runs each timed by the backend (device events on
a GPU, wall time on the CPU), the cache flushed before each run when the working set is under the
flush size; the median is reported, with GB/s (each input read once, each output written once) as
a share of the device's copy bandwidth measured in the same run, and a check of the output against
the kernel's f64 reference.

Peers time the same op on the same inputs and their output is compared with ours: `--peer torch`
(PyTorch eager and torch.compile, peers/torch_peer.py), `--peer mlx` (peers/mlx_peer.py), or the
path of any script speaking the protocol of docs/bench.md. Default: torch on CUDA, mlx on Metal,
none on the CPU; `--peer none` turns them off. A peer that cannot start or fails leaves its
columns empty with a note; the bench goes on.

Without a GPU the CPU interpreter runs the kernels with the quick shapes unless --size full is
given. `--json` prints the results as JSON on stdout; `--out FILE` writes the same JSON to a file
(convention: bench/results/<device>/<date>.json) and still prints the table. `--diff OLD.json`
compares with saved results (new/old GB/s per row, regressions over 5% flagged); `--from FILE`
reads results instead of running, e.g. `tile bench --from new.json --diff old.json`.";

/// Which kernel, for which dtype and constexprs: what `emit` and `inspect` share.
#[derive(Debug, Args)]
pub struct KernelSel {
    /// Kernel name (see `tile list`).
    pub kernel: String,
    /// Element type of the kernel's generic parameter (default: the kernel's first dtype).
    #[arg(long)]
    pub dtype: Option<String>,
    /// A constexpr value, NAME=VALUE (repeatable).
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
}

/// `tile emit`.
#[derive(Debug, Args)]
pub struct EmitArgs {
    #[command(flatten)]
    pub sel: KernelSel,
    /// Target language: msl or cuda.
    #[arg(long)]
    pub target: Target,
    /// Emit the IR as traced, without the optimization passes.
    #[arg(long)]
    pub no_opt: bool,
}

/// `tile inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub sel: KernelSel,
    /// Print the IR as traced.
    #[arg(long)]
    pub ir: bool,
    /// Print the IR after the pipeline's passes up to and including this one (implies --ir);
    /// `--pass list` lists the passes.
    #[arg(long, value_name = "NAME")]
    pub pass: Option<String>,
    /// Print the IR after the whole optimization pipeline (implies --ir).
    #[arg(long, conflicts_with = "pass")]
    pub opt: bool,
}

/// `tile test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Only the kernel of this name, else the family of this name, else kernels whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, default_value = "auto", help = BACKEND_HELP)]
    pub backend: Backend,
}

/// `tile run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Kernel name (see `tile list`).
    pub kernel: String,
    /// Require the inputs to be of this dtype (default: whatever the files hold).
    #[arg(long)]
    pub dtype: Option<String>,
    /// An input, NAME=FILE.npy (repeatable; `tile list` shows each kernel's inputs).
    #[arg(long = "input", value_name = "NAME=FILE")]
    pub inputs: Vec<String>,
    /// An output to write, NAME=FILE.npy (repeatable).
    #[arg(long = "output", value_name = "NAME=FILE")]
    pub outputs: Vec<String>,
    /// A parameter of the op, NAME=VALUE (e.g. eps=1e-6), or NAME=V,V,... for a list (perm=0,2,1,3).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// A constexpr value, NAME=VALUE.
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
    #[arg(long, default_value = "auto", help = BACKEND_HELP)]
    pub backend: Backend,
}

/// `tile bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Only the kernel of this name, else the family of this name, else kernels whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, default_value = "auto", help = BACKEND_HELP)]
    pub backend: Backend,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Shapes to time (default: quick on the CPU interpreter, full on a GPU).
    #[arg(long, value_enum)]
    pub size: Option<Size>,
    /// Only these dtypes (repeatable; default: every float dtype on quick shapes, f32 and bf16 on full ones).
    #[arg(long)]
    pub dtype: Vec<String>,
    /// Time these shapes of the data input instead of the size's, e.g. `4096x8192` (repeatable).
    #[arg(long, value_name = "DIMS")]
    pub shape: Vec<String>,
    /// Launch row ops this way instead of the planner's choice: `registers:PER_THREAD:TPR`,
    /// `looped`, `split:CHUNKS` (softmax, norms), `rows:TPR`, `split:CHUNKS` (row reductions).
    #[arg(long, value_name = "STRATEGY")]
    pub strategy: Option<String>,
    /// A parameter of the ops, NAME=VALUE (e.g. `axis=0` to reduce columns, `eps=1e-6`), set on
    /// the selected ops that take it (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Timed runs per shape (the median is reported).
    #[arg(long, default_value_t = 50)]
    pub runs: usize,
    /// Untimed runs before timing.
    #[arg(long, default_value_t = 10)]
    pub warmup: usize,
    /// A peer to compare with: torch, mlx, none, or the path of a peer script (repeatable).
    #[arg(long = "peer", value_name = "NAME|PATH")]
    pub peers: Vec<String>,
    /// The Python that runs .py peers.
    #[arg(long, default_value = "python3", value_name = "PROGRAM")]
    pub python: String,
    /// Seconds a peer may take to answer one request (its start and torch.compile included).
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub peer_timeout: u64,
    /// Size of the cache flush between timed runs, in MiB, and the working set below which it
    /// is done (default: 256 on a GPU, none on the CPU; 0 turns it off).
    #[arg(long, value_name = "MIB")]
    pub flush_mib: Option<u64>,
    /// Skip the comparison of our outputs with the f64 reference.
    #[arg(long)]
    pub no_check: bool,
    /// Compare with results saved by an earlier --out.
    #[arg(long, value_name = "OLD.json")]
    pub diff: Option<PathBuf>,
    /// Read the results from this file instead of running the bench.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

const BACKEND_HELP: &str = "Backend: auto (the best present), cpu, cuda or metal";

/// Benchmark shape sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Size {
    /// Small shapes the CPU interpreter times in seconds.
    Quick,
    /// Inference-sized shapes.
    Full,
}

/// `--backend`: a backend kind, or `auto` for the best one present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `Device::best()`.
    Auto,
    /// Exactly this backend, or its "unavailable" error.
    Kind(BackendKind),
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(Backend::Auto);
        }
        s.parse().map(Backend::Kind).map_err(|_| {
            let kinds: Vec<&str> = BackendKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown backend `{s}` (expected auto, {})", kinds.join(", "))
        })
    }
}
