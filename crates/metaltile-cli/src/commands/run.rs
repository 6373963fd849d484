//! `tile run`: one kernel on .npy inputs, its outputs written as .npy.

use crate::cli::RunArgs;
use crate::error::CliError;
use crate::npy;
use crate::output::{print, print_json};
use crate::select;
use crate::table::Table;
use metaltile_ir::{ConstArg, ConstArgs, DType, KernelDef};
use metaltile_runtime::{Buffer, Device};
use metaltile_std::ops::OpParams;
use metaltile_std::registry::Entry;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Serialize)]
struct OutputJson {
    name: String,
    dtype: &'static str,
    shape: Vec<usize>,
    /// Where it was written; `None` when no `--output` asked for it.
    path: Option<String>,
}

#[derive(Serialize)]
struct RunJson {
    kernel: &'static str,
    device: String,
    outputs: Vec<OutputJson>,
}

/// `NAME=FILE` pairs, each name at most once.
fn files(flag: &'static str, args: &[String]) -> Result<Vec<(String, PathBuf)>, CliError> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for arg in args {
        let (name, path) = select::name_value(flag, "NAME=FILE", arg)?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(CliError::BadArg { flag, arg: arg.clone(), msg: format!("`{name}` is given twice") });
        }
        out.push((name.to_string(), PathBuf::from(path)));
    }
    Ok(out)
}

/// The dtype a file's elements are read as: NumPy has no bf16, so a kernel with a bf16
/// instance and no u16 one reads `<u2` files as raw bf16 bits.
fn element_dtype(def: &KernelDef, file: DType) -> DType {
    if file == DType::U16 && def.dtypes.contains(&DType::BF16) && !def.dtypes.contains(&DType::U16) {
        DType::BF16
    } else {
        file
    }
}

/// Read the inputs onto `dev`, checking the dtype `--dtype` asks for. Names and shapes are
/// checked by the op's planning.
fn load_inputs(
    dev: &Device,
    entry: &Entry,
    want: Option<DType>,
    inputs: &[(String, PathBuf)],
) -> Result<Vec<(String, Buffer)>, CliError> {
    let expected = entry.op.inputs();
    let mut out = Vec::new();
    for (name, path) in inputs {
        if !expected.contains(&name.as_str()) {
            return Err(CliError::BadArg {
                flag: "--input",
                arg: format!("{name}={}", path.display()),
                msg: format!("`{}` has no input named `{name}` (its inputs: {})", entry.name(), expected.join(", ")),
            });
        }
        let a = npy::read(path)?;
        let dtype = element_dtype(&entry.def, a.dtype);
        // An input's own dtype where the op fixes it (`where`'s bool condition).
        let index = expected.iter().position(|e| e == name).unwrap_or(0);
        if let Some(want) = want.filter(|w| !entry.op.takes_input_dtype(index, *w, dtype)) {
            return Err(CliError::InputDType {
                name: name.clone(),
                path: path.display().to_string(),
                expected: entry.op.input_dtype(index, want).name().into(),
                found: dtype.name().into(),
            });
        }
        out.push((name.clone(), dev.from_bytes(dtype, &a.shape, &a.data)?));
    }
    Ok(out)
}

/// `--param NAME=VALUE` values; the op's planning refuses names it does not take.
pub(crate) fn params(args: &[String]) -> Result<ConstArgs, CliError> {
    let mut out = ConstArgs::new();
    for arg in args {
        let (name, value) = select::name_value("--param", "NAME=VALUE", arg)?;
        if out.get(name).is_some() {
            return Err(CliError::BadArg {
                flag: "--param",
                arg: arg.clone(),
                msg: format!("`{name}` is given twice"),
            });
        }
        out.set(name, select::const_value("--param", arg, value)?);
    }
    Ok(out)
}

/// `--param NAME=VALUE[,VALUE...]` values (several for the list parameters: `perm=0,2,1,3`);
/// names the op does not take are refused.
fn op_params(entry: &Entry, args: &[String]) -> Result<OpParams, CliError> {
    let mut out = OpParams::default();
    let mut seen: Vec<&str> = Vec::new();
    for arg in args {
        let (name, value) = select::name_value("--param", "NAME=VALUE", arg)?;
        if seen.contains(&name) {
            return Err(CliError::BadArg {
                flag: "--param",
                arg: arg.clone(),
                msg: format!("`{name}` is given twice"),
            });
        }
        seen.push(name);
        let values = value
            .split(',')
            .map(|v| match select::const_value("--param", arg, v)? {
                ConstArg::Int(i) => Ok(i as f64),
                ConstArg::Float(f) => Ok(f),
                ConstArg::Bool(b) => Ok(f64::from(u8::from(b))),
            })
            .collect::<Result<Vec<f64>, CliError>>()?;
        entry.check_params(&mut out, name, &values)?;
    }
    Ok(out)
}

/// Run the kernel and write the outputs asked for.
pub fn run(args: &RunArgs, json: bool) -> Result<(), CliError> {
    let entry = select::kernel(&args.kernel)?;
    let want = select::dtype(&entry.def, args.dtype.as_deref())?.filter(|_| args.dtype.is_some());
    let consts = select::consts(&entry.def, &args.consts)?;
    if !consts.0.is_empty() {
        return Err(CliError::Unsupported(format!(
            "`{}`: tile run cannot pass constexprs yet (the std ops build their pipelines without them)",
            entry.name()
        )));
    }
    let params = op_params(&entry, &args.params)?;
    let inputs = files("--input", &args.inputs)?;
    let outputs = files("--output", &args.outputs)?;
    for (name, _) in &outputs {
        if !entry.op.outputs().contains(&name.as_str()) {
            return Err(CliError::UnknownOutput {
                kernel: entry.name().into(),
                name: name.clone(),
                expected: entry.op.outputs().join(", "),
            });
        }
    }
    let dev = select::device(args.backend)?;
    let buffers = load_inputs(&dev, &entry, want, &inputs)?;
    let named: Vec<(&str, &Buffer)> = buffers.iter().map(|(n, b)| (n.as_str(), b)).collect();
    let results = entry.invoke_with(&dev, &named, &params)?;
    let mut written = Vec::new();
    for (name, buf) in &results {
        let path = outputs.iter().find(|(n, _)| n == name).map(|(_, p)| p);
        if let Some(p) = path {
            npy::write(p, buf.dtype(), buf.shape(), &buf.to_bytes()?)?;
        }
        written.push(OutputJson {
            name: name.clone(),
            dtype: buf.dtype().name(),
            shape: buf.shape().to_vec(),
            path: path.map(|p| p.display().to_string()),
        });
    }
    if json {
        return print_json(&RunJson { kernel: entry.name(), device: dev.name(), outputs: written });
    }
    let mut t = Table::new(&["output", "dtype", "shape", "written to"]);
    for o in &written {
        let to = o.path.clone().unwrap_or_else(|| "(not written: add --output NAME=FILE.npy)".into());
        t.row(vec![o.name.clone(), o.dtype.into(), format!("{:?}", o.shape), to]);
    }
    print(&format!("ran `{}` on {}\n{}", entry.name(), dev.name(), t.render()))
}
