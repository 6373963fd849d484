//! Pipelines: a kernel instance (one dtype, one set of constexpr values) after the
//! optimization passes, plus whatever its backend compiled it into; and the cache key that
//! makes each distinct instance be built once per device.

use metaltile_ir::{ConstArgs, DType, Kernel, KernelDef};
use std::any::Any;
use std::fmt;

/// How a pipeline is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PipelineOptions {
    /// Run the optimization passes (`metaltile_ir::passes::run_pipeline`); off only to
    /// debug the passes themselves.
    pub optimize: bool,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions { optimize: true }
    }
}

/// A kernel ready to launch on one device.
pub struct Pipeline {
    pub(crate) kernel: Kernel,
    pub(crate) compiled: Option<Box<dyn Any + Send + Sync>>,
}

impl Pipeline {
    /// The kernel as it runs (after the passes when optimization is on).
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }
    /// The kernel's target name (`<base>_<dtype>`).
    pub fn name(&self) -> &str {
        &self.kernel.name
    }
    /// The backend's compiled form, if it has one.
    pub fn compiled(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.compiled.as_deref()
    }
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("name", &self.kernel.name)
            .field("params", &self.kernel.params)
            .field("compiled", &self.compiled.is_some())
            .finish()
    }
}

/// Identity of a pipeline in a device's cache.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PipelineKey {
    name: &'static str,
    /// Two definitions may share a name (from different crates); their build functions differ.
    build: usize,
    dtype: Option<DType>,
    /// Constexpr values as exact text (`ConstArg` holds f64, which is not `Hash`); `Debug` of
    /// f64 round-trips, so distinct values give distinct keys.
    consts: Vec<(String, String)>,
    options: PipelineOptions,
}

impl PipelineKey {
    pub(crate) fn new(def: &KernelDef, dtype: Option<DType>, consts: &ConstArgs, options: PipelineOptions) -> Self {
        PipelineKey { name: def.name, build: def.build as usize, dtype, consts: resolved_consts(def, consts), options }
    }
}

/// Constexpr values with defaults filled in, so leaving a default out and spelling it out
/// share one pipeline. Names the kernel does not declare are kept: building then fails.
fn resolved_consts(def: &KernelDef, consts: &ConstArgs) -> Vec<(String, String)> {
    let declared =
        def.constexprs.iter().map(|c| (c.name.to_string(), format!("{:?}", consts.get(c.name).or(c.default))));
    let extra = consts
        .0
        .iter()
        .filter(|(k, _)| !def.constexprs.iter().any(|c| c.name == k.as_str()))
        .map(|(k, v)| (k.clone(), format!("{v:?}")));
    declared.chain(extra).collect()
}
