//! Host plans of the random ops ([`crate::kernels::random`]): `rand_uniform`, `rand_normal`
//! and `bernoulli`, each a new buffer of a float dtype and shape filled from the Philox stream
//! of a 64-bit `seed`, starting at stream element `offset` (so `offset + i` is the element
//! output `i` takes; a caller that draws again continues at `offset + n`). The registry's
//! entries take an input `x` for its dtype and shape only (torch's `rand_like`).

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{elementwise, random as k};
use crate::plan::{Plan, PlanArg};
use crate::reference::largest_below;
use metaltile_ir::{ConstArg, ConstArgs, Constant, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The random ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RandomKind {
    /// Uniform in `[low, high)`.
    Uniform,
    /// Normal with mean `mean` and standard deviation `std`.
    Normal,
    /// 1 with probability `p`, else 0, in the float dtype (as `torch.bernoulli`).
    Bernoulli,
}

/// The parameters of the random ops; the defaults are torch's (`rand`, `randn`, p = 0.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomParams {
    /// The generator's key: the low word is key word 0, the high word key word 1.
    pub seed: u64,
    /// The stream element output 0 takes.
    pub rng_offset: u64,
    /// Uniform: the lower bound (included).
    pub low: f32,
    /// Uniform: the upper bound (excluded).
    pub high: f32,
    /// Normal: the mean.
    pub mean: f32,
    /// Normal: the standard deviation (≥ 0).
    pub std: f32,
    /// Bernoulli: the probability of a 1, in [0, 1].
    pub p: f32,
}

impl Default for RandomParams {
    fn default() -> Self {
        RandomParams { seed: 0, rng_offset: 0, low: 0.0, high: 1.0, mean: 0.0, std: 1.0, p: 0.5 }
    }
}

impl RandomParams {
    /// The f32 parameters, which [`RandomParams::slot`] knows.
    pub const NAMES: &'static [&'static str] = &["low", "high", "mean", "std", "p"];
    /// The 64-bit integer parameters, which [`RandomParams::set_counter`] knows.
    pub const COUNTERS: &'static [&'static str] = &["seed", "rng_offset"];

    /// The f32 parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "low" => Some(&mut self.low),
            "high" => Some(&mut self.high),
            "mean" => Some(&mut self.mean),
            "std" => Some(&mut self.std),
            "p" => Some(&mut self.p),
            _ => None,
        }
    }

    /// Set `seed` or `rng_offset` from one value, a non-negative integer below 2^53 (what an
    /// f64 holds exactly).
    pub fn set_counter(&mut self, name: &str, values: &[f64]) -> std::result::Result<(), String> {
        let v = match values {
            [v] if v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(v) => *v as u64,
            [v] => return Err(format!("must be an integer in [0, 2^53), got {v}")),
            _ => return Err(format!("takes one value, got {}", values.len())),
        };
        match name {
            "seed" => self.seed = v,
            "rng_offset" => self.rng_offset = v,
            other => return Err(format!("`{other}` is not a parameter of the random ops")),
        }
        Ok(())
    }
}

impl RandomKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [RandomKind] = &[RandomKind::Uniform, RandomKind::Normal, RandomKind::Bernoulli];

    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            RandomKind::Uniform => k::rand_uniform::DEF,
            RandomKind::Normal => k::rand_normal::DEF,
            RandomKind::Bernoulli => k::bernoulli::DEF,
        }
    }

    /// Names of its parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            RandomKind::Uniform => &["seed", "rng_offset", "low", "high"],
            RandomKind::Normal => &["seed", "rng_offset", "mean", "std"],
            RandomKind::Bernoulli => &["seed", "rng_offset", "p"],
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            RandomKind::Uniform => {
                "y[i] uniform in [low, high) from Philox-4x32-10 (seed, rng_offset + i); x: dtype, shape"
            }
            RandomKind::Normal => "y[i] = mean + std·z, z standard normal (Box-Muller on Philox-4x32-10 words)",
            RandomKind::Bernoulli => "y[i] = 1 with probability p, else 0 (x's float dtype), from Philox-4x32-10",
        }
    }

    /// Every kernel instance its plans may launch: each `shift` (`offset % 4`).
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        (0..4).map(|s| (self.def(), ConstArgs::new().with("shift", ConstArg::Int(s)))).collect()
    }
}

/// The oracle's tolerance for `kind`'s outputs of `dtype`: none where the kernel is exact on
/// every backend (bernoulli; uniform in f32); for f16/bf16 uniform the dtype's default, which
/// covers the one-ulp step below `high` the f32 reference cannot know of; for normal the
/// dtype's default (the kernel's f32 transcendentals against the f64 reference).
pub fn random_tolerance(kind: RandomKind, dtype: DType) -> metaltile_ir::Tolerance {
    match (kind, dtype) {
        (RandomKind::Bernoulli, _) | (RandomKind::Uniform, DType::F32) => {
            metaltile_ir::Tolerance { atol: 0.0, rtol: 0.0 }
        }
        _ => dtype.tolerance(),
    }
}

/// Plan `kind` into a new buffer of `dtype` (f32, f16 or bf16) and `shape` under `params`.
pub fn random_plan(dev: &Device, kind: RandomKind, dtype: DType, shape: &[usize], p: &RandomParams) -> Result<Plan> {
    let def = kind.def();
    let bad =
        |name: &str, reason: String| RuntimeError::BadParameter { op: def.name.into(), name: name.into(), reason };
    if !dtype.is_float() {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{}`, output", def.name),
            dtype,
            supported: def.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
        });
    }
    let y = dev.alloc(dtype, shape)?;
    let n = index_count(def.name, &y)?;
    if p.rng_offset.checked_add(n as u64).is_none() {
        return Err(bad(
            "rng_offset",
            format!("{} + {n} elements runs past the end of the 2^64-element stream", p.rng_offset),
        ));
    }
    let values = match kind {
        RandomKind::Uniform => uniform_args(dtype, p).map_err(|(name, reason)| bad(name, reason))?,
        RandomKind::Normal => {
            if !p.mean.is_finite() {
                return Err(bad("mean", format!("must be finite, got {}", p.mean)));
            }
            if !(p.std.is_finite() && p.std >= 0.0) {
                return Err(bad("std", format!("must be finite and non-negative, got {}", p.std)));
            }
            vec![p.mean.into(), p.std.into()]
        }
        RandomKind::Bernoulli => {
            if !(0.0..=1.0).contains(&p.p) {
                return Err(bad("p", format!("must be a probability in [0, 1], got {}", p.p)));
            }
            // m < ⌈p·2^24⌉ ⟺ m·2^-24 < p for the integer m (p·2^24 is exact in f64).
            vec![((p.p as f64 * 16_777_216.0).ceil() as u32).into()]
        }
    };
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let key = crate::reference::seed_key(p.seed);
    let offset = PlanArg::Scalar(Constant::from_i128(DType::U64, p.rng_offset as i128));
    let mut args = vec![(&y).into(), n.into(), key[0].into(), key[1].into(), offset];
    args.extend(values);
    let consts = ConstArgs::new().with("shift", ConstArg::Int((p.rng_offset % 4) as i128));
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let l = launch(dev, def, dtype, consts, geometry, args)?;
    let bytes = y.size_bytes() as u64;
    Ok(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(bytes))
}

/// `rand_uniform`'s scalars `[low, high - low, high, top]`: the bounds finite, `low < high`,
/// the range finite in f32, and some `dtype` value in `[low, high)` (`top`, the largest below
/// `high`, at least `low`).
fn uniform_args(dtype: DType, p: &RandomParams) -> std::result::Result<Vec<PlanArg>, (&'static str, String)> {
    for (name, v) in [("low", p.low), ("high", p.high)] {
        if !v.is_finite() {
            return Err((name, format!("must be finite, got {v}")));
        }
    }
    if p.low >= p.high {
        return Err(("high", format!("must exceed low, got low {} and high {}", p.low, p.high)));
    }
    let range = p.high - p.low;
    if !range.is_finite() {
        return Err(("high", format!("high - low overflows f32 (low {}, high {})", p.low, p.high)));
    }
    let top = largest_below(dtype, p.high as f64)
        .filter(|t| *t >= p.low as f64)
        .ok_or_else(|| ("high", format!("no {dtype} value lies in [low, high) = [{}, {})", p.low, p.high)))?;
    Ok(vec![p.low.into(), range.into(), p.high.into(), (top as f32).into()])
}

/// Plan `kind` with `x`'s dtype and shape (the registry's entry: `x` is not read).
pub fn random_like_plan(dev: &Device, kind: RandomKind, x: &Buffer, p: &RandomParams) -> Result<Plan> {
    random_plan(dev, kind, x.dtype(), x.shape(), p)
}

/// The bench's parameters: the defaults (uniform in [0, 1), standard normal, p = 0.5).
pub fn random_bench_shapes(size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match size {
        crate::bench::BenchSize::Quick => vec![vec![1 << 12]],
        // A fill of 2^26 elements; a dropout mask of one Llama-3-8B MLP activation batch.
        crate::bench::BenchSize::Full => vec![vec![1 << 26], vec![4096, 14336]],
    }
}

/// `shape` of `dtype` uniform in `[low, high)` from stream element `offset` of `seed`.
pub fn rand_uniform(
    dev: &Device,
    dtype: DType,
    shape: &[usize],
    seed: u64,
    offset: u64,
    low: f32,
    high: f32,
) -> Result<Buffer> {
    let p = RandomParams { seed, rng_offset: offset, low, high, ..RandomParams::default() };
    super::movement::run(random_plan(dev, RandomKind::Uniform, dtype, shape, &p), dev)
}

/// `shape` of `dtype` normal with `mean` and `std` from stream element `offset` of `seed`.
pub fn rand_normal(
    dev: &Device,
    dtype: DType,
    shape: &[usize],
    seed: u64,
    offset: u64,
    mean: f32,
    std: f32,
) -> Result<Buffer> {
    let p = RandomParams { seed, rng_offset: offset, mean, std, ..RandomParams::default() };
    super::movement::run(random_plan(dev, RandomKind::Normal, dtype, shape, &p), dev)
}

/// `shape` of `dtype` holding 1 with probability `p`, else 0, from stream element `offset` of
/// `seed`.
pub fn bernoulli(dev: &Device, dtype: DType, shape: &[usize], seed: u64, offset: u64, p: f32) -> Result<Buffer> {
    let params = RandomParams { seed, rng_offset: offset, p, ..RandomParams::default() };
    super::movement::run(random_plan(dev, RandomKind::Bernoulli, dtype, shape, &params), dev)
}
