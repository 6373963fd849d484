//! A launch of a std kernel, decided but not yet run: the pipeline, the geometry, the
//! arguments and the output buffers. Ops build one and run it; benches run one many times;
//! tests run it with other builds of the same kernel.

use metaltile_ir::{Constant, Geometry};
use metaltile_runtime::{Buffer, Device, KernelArg, LaunchStats, Pipeline, Result};
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

/// One launch, ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `None` when there is nothing to compute (an empty tensor): running does nothing.
    pipeline: Option<Arc<Pipeline>>,
    geometry: Geometry,
    args: Vec<PlanArg>,
    /// Every std op has one output today; [`Plan::outputs`] already speaks of several.
    output: (&'static str, Buffer),
}

impl Plan {
    /// A launch of `pipeline` that writes `output` (which is also among `args`).
    pub fn new(
        pipeline: Arc<Pipeline>,
        geometry: Geometry,
        args: Vec<PlanArg>,
        output: (&'static str, Buffer),
    ) -> Plan {
        Plan { pipeline: Some(pipeline), geometry, args, output }
    }

    /// Nothing to run: the output is already complete (it has no elements).
    pub fn empty(output: (&'static str, Buffer)) -> Plan {
        Plan { pipeline: None, geometry: Geometry::linear(1, 1), args: vec![], output }
    }

    /// Run the launch and wait for it.
    pub fn run(&self, dev: &Device) -> Result<LaunchStats> {
        match &self.pipeline {
            Some(p) => self.run_with(dev, p),
            None => Ok(LaunchStats::default()),
        }
    }

    /// Run the same launch with another build of the kernel (same parameters), e.g. one
    /// stopped after some of the optimization passes.
    pub fn run_with(&self, dev: &Device, pipeline: &Pipeline) -> Result<LaunchStats> {
        if self.pipeline.is_none() {
            return Ok(LaunchStats::default());
        }
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

    /// The pipeline it launches (`None` for an empty plan).
    pub fn pipeline(&self) -> Option<&Arc<Pipeline>> {
        self.pipeline.as_ref()
    }
    /// The launch geometry.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }
    /// Named outputs.
    pub fn outputs(&self) -> &[(&'static str, Buffer)] {
        std::slice::from_ref(&self.output)
    }
    /// The outputs, by name.
    pub fn into_outputs(self) -> Vec<(&'static str, Buffer)> {
        vec![self.output]
    }
    /// The output of a one-output op.
    pub fn into_output(self) -> Buffer {
        self.output.1
    }
    /// Bytes the launch must move at least: each buffer argument (inputs and outputs) once.
    pub fn bytes_moved(&self) -> u64 {
        let mut seen: Vec<&Buffer> = Vec::new();
        for a in &self.args {
            if let PlanArg::Buffer(b) = a {
                if !seen.iter().any(|s| s.shares_memory(b)) {
                    seen.push(b);
                }
            }
        }
        seen.iter().map(|b| b.size_bytes() as u64).sum()
    }
}
