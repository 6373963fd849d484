//! `tile inspect`: a kernel's signature, or its IR as traced or after passes.

use super::emit::build;
use super::list::{describe, details};
use crate::cli::InspectArgs;
use crate::error::CliError;
use crate::output::{print, print_json};
use crate::select;
use crate::table::Table;
use metaltile_ir::passes::{self, PASSES};
use metaltile_ir::print_kernel;
use serde::Serialize;

#[derive(Serialize)]
struct PassJson {
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct IrJson<'a> {
    kernel: &'a str,
    dtype: Option<&'static str>,
    /// `traced`, `pipeline` or the last pass run.
    after: &'a str,
    ir: &'a str,
}

fn pass_table() -> String {
    let mut t = Table::new(&["pass", "description"]);
    for p in PASSES {
        t.row(vec![p.name.to_string(), p.description.to_string()]);
    }
    t.render()
}

/// Print what was asked for.
pub fn run(args: &InspectArgs, json: bool) -> Result<(), CliError> {
    if args.pass.as_deref() == Some("list") {
        if json {
            let ps: Vec<PassJson> =
                PASSES.iter().map(|p| PassJson { name: p.name, description: p.description }).collect();
            return print_json(&ps);
        }
        return print(&pass_table());
    }
    if let Some(name) = &args.pass {
        if passes::find(name).is_none() {
            return Err(CliError::UnknownPass { name: name.clone(), list: pass_table().trim_end().to_string() });
        }
    }
    if !(args.ir || args.opt || args.pass.is_some()) {
        let entry = select::kernel(&args.sel.kernel)?;
        // Check the dtype and constexprs even here, so a typo is not silently ignored.
        select::dtype(&entry.def, args.sel.dtype.as_deref())?;
        select::consts(&entry.def, &args.sel.consts)?;
        if json {
            return print_json(&describe(&entry));
        }
        return print(&format!(
            "{}\n(--ir prints the IR; --pass <name> after the passes; --pass list lists them)\n",
            details(&entry)
        ));
    }
    let mut b = build(&args.sel)?;
    let after = match &args.pass {
        Some(name) => {
            passes::run_until(&mut b.kernel, name)?;
            name.as_str()
        }
        None if args.opt => {
            passes::run_pipeline(&mut b.kernel)?;
            "pipeline"
        }
        None => "traced",
    };
    let ir = print_kernel(&b.kernel);
    if json {
        return print_json(&IrJson { kernel: b.entry.name(), dtype: b.dtype.map(|d| d.name()), after, ir: &ir });
    }
    print(&ir)
}
