//! The reference SIMT interpreter: runs a kernel's IR for one launch as the GPU model defines
//! it, on any CPU. Every GPU backend is compared with it.
//!
//! The model: threadgroups are independent and run one after another. Inside a threadgroup
//! every thread executes the structured IR in lockstep with a per-thread active mask, so the
//! 32 lanes of each simdgroup (lane = local index % 32) are always in lockstep. Divergent `if`
//! runs the then-branch for the threads whose condition holds and then the else-branch for the
//! others; loops run until no thread is left in them. Pure ops evaluate through
//! `metaltile_ir::eval`, so results are bit-identical with the constant folder.
//!
//! Faults are errors, never panics: out-of-bounds and misaligned accesses, a barrier or a
//! collective reached by only part of its threads, integer division by zero, runaway loops and
//! (with [`Options::detect_races`]) races on threadgroup memory.
//!
//! Choices the IR leaves to the executor, made here so every backend can be held to them:
//! - `fast` math variants evaluate exactly like the precise ones.
//! - Simdgroup reductions and scans fold left to right in lane order in the element dtype;
//!   `Shuffle`, `ShuffleXor` and `Broadcast` take their lane operand modulo 32;
//!   `ShuffleUp`/`ShuffleDown` by 32 or more leave every lane its own value.
//! - Atomics apply lane by lane in thread order; threadgroups run in grid order (x fastest).
//! - `for` ranges compare with `<` (`<=` when inclusive); a step that is not positive, or an
//!   index that would step past the range of its type, is an error (the emitted C loop would
//!   wrap around).
//! - Threadgroup arrays, private arrays and variables start each threadgroup poisoned: a quiet
//!   NaN with an 0xAA payload for floats, 0xAA bytes for integers.
//!
//! Storage: one u64 per thread and vector lane for every SSA value and variable, allocated
//! once per launch (`values * threads_per_group * 8` bytes) and reused by every threadgroup.

mod args;
mod error;
mod exec;
mod fast;
mod lanes;
mod machine;
mod mask;
mod memory;
mod pure;
mod race;
mod simd;

pub use args::Arg;
pub use error::{Access, Dim3, InterpError, ThreadId};

use machine::Machine;
use metaltile_ir::{Geometry, Kernel};

/// How a launch is checked.
#[derive(Clone, Debug)]
pub struct Options {
    /// Report a threadgroup-memory element written by one thread and read or written by
    /// another between two barriers (atomics are exempt). Costs a little time and memory.
    pub detect_races: bool,
    /// A loop that runs more iterations than this (counted per loop entry, per threadgroup)
    /// is an error, so a runaway kernel fails instead of hanging.
    pub max_loop_iterations: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { detect_races: false, max_loop_iterations: 1 << 32 }
    }
}

/// What a launch did.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Sum over executed instructions of the number of threads active for each.
    pub lane_ops: u64,
    /// Threadgroups run.
    pub threadgroups: u64,
}

/// Run `kernel` over `geometry` with `args` (in `kernel.params` order). Outputs are written in
/// place; on error the outputs hold whatever the kernel wrote before the fault.
pub fn run(kernel: &Kernel, geometry: &Geometry, args: &mut [Arg<'_>], opts: &Options) -> Result<Stats, InterpError> {
    metaltile_ir::verify(kernel)
        .map_err(|source| InterpError::InvalidKernel { kernel: kernel.name.clone(), source })?;
    geometry.validate(kernel).map_err(InterpError::Geometry)?;
    let params = args::bind(kernel, args)?;
    let mut m = Machine::new(kernel, *geometry, params, opts);
    let [gx, gy, gz] = geometry.groups;
    let mut stats = Stats::default();
    for z in 0..gz {
        for y in 0..gy {
            for x in 0..gx {
                m.start_group([x, y, z]);
                m.block(&kernel.body, m.all)?;
                stats.threadgroups += 1;
            }
        }
    }
    stats.lane_ops = m.lane_ops;
    Ok(stats)
}
