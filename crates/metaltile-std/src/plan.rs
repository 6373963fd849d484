//! An op's launches, decided but not yet run: for each, the kernel instance (definition,
//! dtype, constexprs), its pipeline, geometry and arguments; plus the scratch buffers that
//! pass partial results between launches, and the outputs. Ops build one and run it; benches
//! run one many times; tests run it with other builds of the same kernels.

use crate::guard::Guard;
use metaltile_ir::{ConstArgs, Constant, DType, Geometry, Kernel, KernelDef};
use metaltile_runtime::{Buffer, Device, KernelArg, LaunchStats, Pipeline, PipelineOptions, Result, RuntimeError};
use std::sync::Arc;

/// An argument a plan owns (buffer handles share memory with the caller's buffers).
#[derive(Clone, Debug)]
pub enum PlanArg {
    Buffer(Buffer),
    Scalar(Constant),
}

impl From<&Buffer> for PlanArg {
    fn from(b: &Buffer) -> Self {
        PlanArg::Buffer(b.clone())
    }
}

impl From<u32> for PlanArg {
    fn from(v: u32) -> Self {
        PlanArg::Scalar(Constant::u32(v))
    }
}

impl From<f32> for PlanArg {
    fn from(v: f32) -> Self {
        PlanArg::Scalar(Constant::f32(v))
    }
}

/// One launch of a plan.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The kernel.
    pub def: KernelDef,
    /// Its element type.
    pub dtype: DType,
    /// Its constexpr values (defaults left out).
    pub consts: ConstArgs,
    /// The instance, built for the device.
    pub pipeline: Arc<Pipeline>,
    /// How many threadgroups of how many threads.
    pub geometry: Geometry,
    /// One per kernel parameter, in order.
    pub args: Vec<PlanArg>,
}

impl Launch {
    /// The launch of `def`'s instance for `dtype` and `consts` on `dev`.
    pub fn new(
        dev: &Device,
        def: KernelDef,
        dtype: DType,
        consts: ConstArgs,
        geometry: Geometry,
        args: Vec<PlanArg>,
    ) -> Result<Launch> {
        let pipeline = dev.pipeline(&def, Some(dtype), &consts)?;
        Ok(Launch { def, dtype, consts, pipeline, geometry, args })
    }

    /// Whether `p` is a build of this launch's instance: same kernel, dtype and constexprs.
    pub fn runs(&self, p: &Pipeline) -> bool {
        let (mine, theirs) = (self.pipeline.kernel(), p.kernel());
        mine.name == theirs.name && mine.constexprs == theirs.constexprs
    }

    /// Run this launch alone, its own pipeline.
    pub fn run(&self, dev: &Device) -> Result<LaunchStats> {
        self.run_on(dev, &self.pipeline)
    }

    fn run_on(&self, dev: &Device, pipeline: &Pipeline) -> Result<LaunchStats> {
        let args: Vec<KernelArg<'_>> = self
            .args
            .iter()
            .map(|a| match a {
                PlanArg::Buffer(b) => KernelArg::Buffer(b),
                PlanArg::Scalar(c) => KernelArg::Scalar(*c),
            })
            .collect();
        dev.launch(pipeline, self.geometry, &args)
    }
}

fn add_stats(total: &mut LaunchStats, one: LaunchStats) {
    total.elapsed += one.elapsed;
    total.lane_ops += one.lane_ops;
}

/// An op's launches, ready to run in order.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Empty when there is nothing to compute (an empty tensor): running does nothing.
    launches: Vec<Launch>,
    /// Buffers the launches pass partial results through; not the op's inputs or outputs.
    scratch: Vec<Buffer>,
    /// The op's outputs, in [`crate::ops::StdOp::outputs`] order; never empty (the
    /// constructors take the first apart).
    outputs: Vec<(&'static str, Buffer)>,
    /// Checks after the launches (checked mode of the indexing ops), each an error on bad input.
    guards: Vec<Guard>,
    /// What [`Plan::bytes_moved`] reports when the op reads only part of an input.
    bytes: Option<u64>,
}

impl Plan {
    /// Launches run in order; `scratch` holds the buffers only they use; `output` is among
    /// their arguments.
    pub fn new(launches: Vec<Launch>, scratch: Vec<Buffer>, output: (&'static str, Buffer)) -> Plan {
        Plan { launches, scratch, outputs: vec![output], guards: vec![], bytes: None }
    }

    /// [`Plan::new`] for an op with several outputs: `first`, then `rest`, in order.
    pub fn with_outputs(
        launches: Vec<Launch>,
        scratch: Vec<Buffer>,
        first: (&'static str, Buffer),
        rest: Vec<(&'static str, Buffer)>,
    ) -> Plan {
        let mut outputs = vec![first];
        outputs.extend(rest);
        Plan { launches, scratch, outputs, guards: vec![], bytes: None }
    }

    /// Nothing to run: the output is already complete (it has no elements).
    pub fn empty(output: (&'static str, Buffer)) -> Plan {
        Plan::new(vec![], vec![], output)
    }

    /// The same plan, checking `guard` after its launches.
    pub fn with_guard(mut self, guard: Guard) -> Plan {
        self.guards.push(guard);
        self
    }

    /// The same plan, reporting `bytes` as the bytes it moves: for an op that reads only part
    /// of an input (an embedding reads the rows its ids name, not the whole table; a slice
    /// the elements of its view).
    pub fn with_bytes_moved(mut self, bytes: u64) -> Plan {
        self.bytes = Some(bytes);
        self
    }

    fn check_guards(&self, dev: &Device) -> Result<()> {
        self.guards.iter().try_for_each(|g| g.check(dev))
    }

    /// Run the launches in order, each waited for; the stats add up.
    pub fn run(&self, dev: &Device) -> Result<LaunchStats> {
        self.run_each(dev, |l| Ok(l.pipeline.clone()))
    }

    /// Run the plan with `pipeline`, another build of one of its kernel instances (e.g. one
    /// stopped after some of the optimization passes), in place of every launch of that
    /// instance. An error if the plan launches no such instance.
    pub fn run_with(&self, dev: &Device, pipeline: &Pipeline) -> Result<LaunchStats> {
        if !self.launches.is_empty() && !self.launches.iter().any(|l| l.runs(pipeline)) {
            let launched: Vec<&str> = self.launches.iter().map(|l| l.pipeline.name()).collect();
            return Err(RuntimeError::BadParameter {
                op: self.outputs[0].0.to_string(),
                name: "pipeline".into(),
                reason: format!(
                    "the plan launches {} with other constexprs or dtype, not `{}` {:?}",
                    launched.join(", "),
                    pipeline.name(),
                    pipeline.kernel().constexprs
                ),
            });
        }
        let mut total = LaunchStats::default();
        for l in &self.launches {
            add_stats(&mut total, l.run_on(dev, if l.runs(pipeline) { pipeline } else { &l.pipeline })?);
        }
        self.check_guards(dev)?;
        Ok(total)
    }

    /// Run every launch with the pipeline `build` gives for it (another build of its
    /// instance, e.g. stopped after some passes).
    pub fn run_each(
        &self,
        dev: &Device,
        mut build: impl FnMut(&Launch) -> Result<Arc<Pipeline>>,
    ) -> Result<LaunchStats> {
        let mut total = LaunchStats::default();
        for l in &self.launches {
            let pipeline = build(l)?;
            add_stats(&mut total, l.run_on(dev, &pipeline)?);
        }
        self.check_guards(dev)?;
        Ok(total)
    }

    /// Run every launch with its instance traced afresh, changed by `transform` (e.g. stopped
    /// after some optimization passes) and built unoptimized: how the pass tests compare a
    /// pass's output with the traced kernel's.
    pub fn run_rebuilt(&self, dev: &Device, transform: &dyn Fn(&mut Kernel)) -> Result<LaunchStats> {
        self.run_each(dev, |l| {
            let mut k = l.def.ir(Some(l.dtype), &l.consts)?;
            transform(&mut k);
            dev.pipeline_from_kernel(k, PipelineOptions { optimize: false })
        })
    }

    /// The launches, in order.
    pub fn launches(&self) -> &[Launch] {
        &self.launches
    }
    /// The pipeline of the first launch (`None` for an empty plan).
    pub fn pipeline(&self) -> Option<&Arc<Pipeline>> {
        self.launches.first().map(|l| &l.pipeline)
    }
    /// The geometry of the first launch (`None` for an empty plan).
    pub fn geometry(&self) -> Option<Geometry> {
        self.launches.first().map(|l| l.geometry)
    }
    /// Named outputs.
    pub fn outputs(&self) -> &[(&'static str, Buffer)] {
        &self.outputs
    }
    /// The outputs, by name.
    pub fn into_outputs(self) -> Vec<(&'static str, Buffer)> {
        self.outputs
    }
    /// The same plan with its first output seen with `shape` (as many elements): a reduction
    /// along an axis planned on a reshaped view.
    pub fn with_output_shape(mut self, shape: &[usize]) -> Result<Plan> {
        if let Some(first) = self.outputs.first_mut() {
            first.1 = first.1.reshape(shape)?;
        }
        Ok(self)
    }
    /// The output of a one-output op (the first of several).
    pub fn into_output(mut self) -> Buffer {
        // Never empty: every constructor takes a first output.
        self.outputs.swap_remove(0).1
    }
    /// Bytes the op must move at least: each of its inputs and outputs once. Scratch
    /// buffers and re-reads are not counted, so this over time is the op's effective
    /// bandwidth.
    pub fn bytes_moved(&self) -> u64 {
        if let Some(b) = self.bytes {
            return b;
        }
        let mut seen: Vec<&Buffer> = Vec::new();
        for l in &self.launches {
            for a in &l.args {
                if let PlanArg::Buffer(b) = a {
                    let scratch = self.scratch.iter().any(|s| s.shares_memory(b));
                    if !scratch && !seen.iter().any(|s| s.shares_memory(b)) {
                        seen.push(b);
                    }
                }
            }
        }
        seen.iter().map(|b| b.size_bytes() as u64).sum()
    }
}
