//! `tile emit`: a kernel's MSL or CUDA C source.

use crate::cli::{EmitArgs, KernelSel};
use crate::error::CliError;
use crate::output::{print, print_json};
use crate::select;
use metaltile_ir::{passes, DType, Kernel};
use metaltile_std::registry::Entry;
use serde::Serialize;

/// A kernel built from the command line's selection, with what was selected.
pub struct Built {
    pub entry: Entry,
    pub dtype: Option<DType>,
    pub kernel: Kernel,
}

/// Build the IR of the selected kernel, as traced.
pub fn build(sel: &KernelSel) -> Result<Built, CliError> {
    let entry = select::kernel(&sel.kernel)?;
    let dtype = select::dtype(&entry.def, sel.dtype.as_deref())?;
    let consts = select::consts(&entry.def, &sel.consts)?;
    let kernel = entry.def.ir(dtype, &consts)?;
    Ok(Built { entry, dtype, kernel })
}

#[derive(Serialize)]
struct EmitJson<'a> {
    kernel: &'a str,
    dtype: Option<&'static str>,
    target: &'static str,
    optimized: bool,
    source: &'a str,
}

/// Print the source.
pub fn run(args: &EmitArgs, json: bool) -> Result<(), CliError> {
    let mut b = build(&args.sel)?;
    if !args.no_opt {
        passes::run_pipeline(&mut b.kernel)?;
    }
    let source = metaltile_codegen::emit(&b.kernel, args.target)?;
    if json {
        return print_json(&EmitJson {
            kernel: b.entry.name(),
            dtype: b.dtype.map(|d| d.name()),
            target: args.target.name(),
            optimized: !args.no_opt,
            source: &source,
        });
    }
    print(&source)
}
