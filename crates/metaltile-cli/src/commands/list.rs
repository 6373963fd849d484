//! `tile list`: every kernel with its family, dtypes, parameters and summary.

use crate::error::CliError;
use crate::output::{print, print_json};
use crate::table::Table;
use metaltile_ir::{ConstArg, ParamInfo, ParamInfoKind};
use metaltile_std::ops::OpParams;
use metaltile_std::registry::{self, Entry};
use serde::Serialize;

/// One parameter of a kernel's signature.
#[derive(Serialize)]
struct ParamJson {
    name: &'static str,
    /// `T` for the generic element type.
    dtype: String,
    /// For scalars: whether `tile run --param` sets it (the op computes the others).
    #[serde(skip_serializing_if = "Option::is_none")]
    settable: Option<bool>,
    /// For settable scalars: the value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
}

/// A constexpr and its default.
#[derive(Serialize)]
struct ConstexprJson {
    name: &'static str,
    dtype: &'static str,
    default: Option<String>,
}

/// A kernel as `tile list --json` (and `tile inspect --json`) prints it.
#[derive(Serialize)]
pub struct KernelJson {
    name: &'static str,
    family: &'static str,
    dtypes: Vec<&'static str>,
    inputs: Vec<ParamJson>,
    outputs: Vec<ParamJson>,
    scalars: Vec<ParamJson>,
    constexprs: Vec<ConstexprJson>,
    summary: &'static str,
}

fn const_text(c: ConstArg) -> String {
    match c {
        ConstArg::Int(i) => i.to_string(),
        ConstArg::Float(f) => format!("{f:?}"),
        ConstArg::Bool(b) => b.to_string(),
    }
}

/// The default of an op parameter that `tile run --param` sets.
fn param_default(name: &str) -> Option<String> {
    let d = OpParams::default();
    (name == "eps").then(|| format!("{:e}", d.eps))
}

fn param_json(e: &Entry, p: &ParamInfo) -> ParamJson {
    let dtype = p.dtype.map_or_else(|| "T".to_string(), |d| d.name().to_string());
    let settable = (p.kind == ParamInfoKind::Scalar).then(|| e.op.params().contains(&p.name));
    let default = if settable == Some(true) { param_default(p.name) } else { None };
    ParamJson { name: p.name, dtype, settable, default }
}

pub fn describe(e: &Entry) -> KernelJson {
    let of = |kind: ParamInfoKind| e.def.params.iter().filter(|p| p.kind == kind).map(|p| param_json(e, p)).collect();
    KernelJson {
        name: e.name(),
        family: e.family,
        dtypes: e.def.dtypes.iter().map(|d| d.name()).collect(),
        inputs: of(ParamInfoKind::Input),
        outputs: of(ParamInfoKind::Output),
        scalars: of(ParamInfoKind::Scalar),
        constexprs: e
            .def
            .constexprs
            .iter()
            .map(|c| ConstexprJson { name: c.name, dtype: c.dtype.name(), default: c.default.map(const_text) })
            .collect(),
        summary: e.summary,
    }
}

/// The parameters in one line: `in x: T; out y: T; scalar n: u32, eps: f32 = 1e-5 (--param); const K: u32 = 4`.
fn params_text(k: &KernelJson) -> String {
    let names = |ps: &[ParamJson]| ps.iter().map(|p| format!("{}: {}", p.name, p.dtype)).collect::<Vec<_>>();
    let mut parts = Vec::new();
    if !k.inputs.is_empty() {
        parts.push(format!("in {}", names(&k.inputs).join(", ")));
    }
    if !k.outputs.is_empty() {
        parts.push(format!("out {}", names(&k.outputs).join(", ")));
    }
    if !k.scalars.is_empty() {
        let scalars: Vec<String> = k
            .scalars
            .iter()
            .map(|p| match (&p.settable, &p.default) {
                (Some(true), Some(d)) => format!("{}: {} = {d} (--param)", p.name, p.dtype),
                (Some(true), None) => format!("{}: {} (--param)", p.name, p.dtype),
                _ => format!("{}: {}", p.name, p.dtype),
            })
            .collect();
        parts.push(format!("scalar {}", scalars.join(", ")));
    }
    if !k.constexprs.is_empty() {
        let cs: Vec<String> = k
            .constexprs
            .iter()
            .map(|c| match &c.default {
                Some(d) => format!("{}: {} = {d}", c.name, c.dtype),
                None => format!("{}: {}", c.name, c.dtype),
            })
            .collect();
        parts.push(format!("const {}", cs.join(", ")));
    }
    parts.join("; ")
}

/// The kernel's description for `tile inspect` without `--ir`.
pub fn details(e: &Entry) -> String {
    let k = describe(e);
    format!(
        "kernel   {}\nfamily   {}\ndtypes   {}\nparams   {}\ncomputes {}\n",
        k.name,
        k.family,
        k.dtypes.join(", "),
        params_text(&k),
        k.summary
    )
}

/// Print the list.
pub fn run(json: bool) -> Result<(), CliError> {
    let kernels: Vec<KernelJson> = registry::all().iter().map(describe).collect();
    if json {
        return print_json(&kernels);
    }
    let mut t = Table::new(&["kernel", "family", "dtypes", "params", "summary"]);
    for k in &kernels {
        t.row(vec![
            k.name.to_string(),
            k.family.to_string(),
            k.dtypes.join(" "),
            params_text(k),
            k.summary.to_string(),
        ]);
    }
    print(&t.render())
}
