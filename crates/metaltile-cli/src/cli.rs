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
    /// Time the kernels: median time and GB/s per kernel, dtype and shape.
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
Without a GPU the CPU interpreter runs the kernels; it uses the quick shapes unless --size full
is given. `--json` prints the results as JSON on stdout; `--out FILE` writes the same JSON to a
file and still prints the table.";

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
    /// Only kernels of this family or whose name contains this text.
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
    /// A scalar parameter of the op, NAME=VALUE (e.g. eps=1e-6).
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
    /// Only kernels of this family or whose name contains this text.
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
    /// Only these dtypes (repeatable; default: every float dtype).
    #[arg(long)]
    pub dtype: Vec<String>,
    /// Timed runs per shape (the median is reported).
    #[arg(long, default_value_t = 10)]
    pub runs: usize,
    /// Untimed runs before timing.
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
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
