//! Rotary position embedding: the host API ([`rope`], [`rope_plan`], [`RopeConfig`]), the
//! frequencies (plain, Llama 3's bands, YaRN) and the scalar parameters `tile run` and the
//! registry set by name ([`RopeParams`]).
//!
//! The frequencies are computed here in f64 and handed to the kernel as f32 pairs `hi + lo`
//! (not computed in the kernel): the scaled variants need logarithms, branches and ramps per
//! frequency that would run once per thread for what is one small table per launch, and an f32
//! `base^(-2i/d)` alone would already put an error of `pos · 1e-7` rad into every angle.

use super::{check_float, index_count, launch, OpParams, StdOp};
use crate::kernels::rope as kernels;
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Threads per threadgroup of the rope kernels.
pub const ROPE_GROUP: u32 = 256;
/// Most heads one thread rotates (sharing each sine and cosine among them).
pub const ROPE_MAX_HEADS_PER_THREAD: u32 = 8;
/// The planner gives each thread fewer heads while the launch would have fewer threads.
pub const ROPE_MIN_THREADS: u64 = 1 << 17;
/// Positions are converted to f32 exactly below this (2^24).
pub const ROPE_MAX_POSITION: u64 = 1 << 24;

/// Which features are paired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RopeLayout {
    /// `(i, i + rotary_dim/2)`: GPT-NeoX, Llama, HF `rotate_half`.
    HalfSplit,
    /// `(2i, 2i + 1)`: GPT-J, MLX `traditional=True`.
    Interleaved,
}

impl RopeLayout {
    /// Every layout, in registry order.
    pub const ALL: [RopeLayout; 2] = [RopeLayout::HalfSplit, RopeLayout::Interleaved];
    /// The kernel.
    pub fn def(self) -> KernelDef {
        match self {
            RopeLayout::HalfSplit => kernels::rope::DEF,
            RopeLayout::Interleaved => kernels::rope_interleaved::DEF,
        }
    }
}

/// How the frequencies are stretched for contexts longer than the model was trained on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RopeScaling {
    /// `inv_freq[i] = base^(-2i/rotary_dim)`.
    None,
    /// Llama 3's bands (Llama 3.1: factor 8, low 1, high 4, original 8192): wavelengths
    /// `2π/f` shorter than `original / high_freq_factor` are kept, longer than
    /// `original / low_freq_factor` divided by `factor`, and those between blended with
    /// `smooth = (original / wavelength - low) / (high - low)`: `(1 - smooth)·f/factor + smooth·f`.
    Llama3 { factor: f64, low_freq_factor: f64, high_freq_factor: f64, original_max_positions: f64 },
    /// YaRN (Peng et al. 2023, "NTK-by-parts" with the attention scale): frequency `i` blends
    /// `f/factor` and `f` by a ramp that is 0 (kept) below the dimension where a frequency turns
    /// `beta_fast` times over `original_max_positions` positions and 1 (divided) above the one
    /// where it turns `beta_slow` times, those dimensions rounded outward, linear in the
    /// dimension between them — the form the paper's released code and the published model
    /// configs use. cos and sin are multiplied by `0.1·ln(factor) + 1`.
    Yarn { factor: f64, original_max_positions: f64, beta_fast: f64, beta_slow: f64 },
}

/// A rotary embedding: which pairs, which frequencies, where the positions start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RopeConfig {
    pub layout: RopeLayout,
    /// Features rotated (even, at most `head_dim`); `None`: all of them.
    pub rotary_dim: Option<usize>,
    /// The base of the frequencies (10000 in most models, 500000 in Llama 3).
    pub base: f64,
    /// Position of the first token of the sequence (tokens already in the cache).
    pub offset: u32,
    pub scaling: RopeScaling,
    /// A 2-D (vision) embedding over a grid this many patches wide: position `p` is the patch
    /// at row `p / w`, column `p % w`; the first half of the pairs turn by the row, the second
    /// half by the column, each half with the frequencies of `rotary_dim / 2` features
    /// (Qwen2-VL's ViT). `None`: 1-D.
    pub grid_width: Option<u32>,
}

impl RopeConfig {
    /// Every feature rotated, base 10000, positions from 0, no scaling.
    pub fn new(layout: RopeLayout) -> RopeConfig {
        RopeConfig { layout, rotary_dim: None, base: 10000.0, offset: 0, scaling: RopeScaling::None, grid_width: None }
    }
}

/// The rope parameters of [`OpParams`], by the names `tile run --param` uses; all f32 like
/// the other op parameters (integral ones are checked to be integers). A factor of 0 turns
/// its scaling off; at most one of `llama3_factor` and `yarn_factor` may be set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RopeParams {
    pub offset: f32,
    pub base: f32,
    /// 0: every feature.
    pub rotary_dim: f32,
    pub llama3_factor: f32,
    pub low_freq_factor: f32,
    pub high_freq_factor: f32,
    pub yarn_factor: f32,
    pub beta_fast: f32,
    pub beta_slow: f32,
    pub original_max_positions: f32,
    /// Heads each thread rotates; 0: the planner's choice ([`heads_per_thread`]). For
    /// measuring the alternatives on a device, as `strategy` is for the row ops.
    pub heads_per_thread: f32,
    /// 0: a 1-D embedding; else the grid width of a 2-D one.
    pub grid_width: f32,
}

impl Default for RopeParams {
    fn default() -> Self {
        RopeParams {
            offset: 0.0,
            base: 10000.0,
            rotary_dim: 0.0,
            llama3_factor: 0.0,
            low_freq_factor: 1.0,
            high_freq_factor: 4.0,
            yarn_factor: 0.0,
            beta_fast: 32.0,
            beta_slow: 1.0,
            original_max_positions: 8192.0,
            heads_per_thread: 0.0,
            grid_width: 0.0,
        }
    }
}

impl RopeParams {
    /// The names, as [`StdOp::params`] lists them.
    pub const NAMES: &'static [&'static str] = &[
        "offset",
        "base",
        "rotary_dim",
        "llama3_factor",
        "low_freq_factor",
        "high_freq_factor",
        "yarn_factor",
        "beta_fast",
        "beta_slow",
        "original_max_positions",
        "heads_per_thread",
        "grid_width",
    ];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "offset" => Some(&mut self.offset),
            "base" => Some(&mut self.base),
            "rotary_dim" => Some(&mut self.rotary_dim),
            "llama3_factor" => Some(&mut self.llama3_factor),
            "low_freq_factor" => Some(&mut self.low_freq_factor),
            "high_freq_factor" => Some(&mut self.high_freq_factor),
            "yarn_factor" => Some(&mut self.yarn_factor),
            "beta_fast" => Some(&mut self.beta_fast),
            "beta_slow" => Some(&mut self.beta_slow),
            "original_max_positions" => Some(&mut self.original_max_positions),
            "heads_per_thread" => Some(&mut self.heads_per_thread),
            "grid_width" => Some(&mut self.grid_width),
            _ => None,
        }
    }

    /// The heads per thread asked for (`None`: the planner's choice).
    pub fn heads_per_thread(&self, layout: RopeLayout) -> Result<Option<u32>> {
        Ok(Some(whole(layout.def().name, "heads_per_thread", self.heads_per_thread)?).filter(|h| *h > 0))
    }

    /// The configuration these parameters describe for `layout`.
    pub fn config(&self, layout: RopeLayout) -> Result<RopeConfig> {
        let op = layout.def().name;
        let offset = whole(op, "offset", self.offset)?;
        let rotary_dim = match whole(op, "rotary_dim", self.rotary_dim)? {
            0 => None,
            r => Some(r as usize),
        };
        let (l3, yarn) = (f64::from(self.llama3_factor), f64::from(self.yarn_factor));
        let original_max_positions = f64::from(self.original_max_positions);
        let scaling = match (l3 != 0.0, yarn != 0.0) {
            (false, false) => RopeScaling::None,
            (true, false) => RopeScaling::Llama3 {
                factor: l3,
                low_freq_factor: f64::from(self.low_freq_factor),
                high_freq_factor: f64::from(self.high_freq_factor),
                original_max_positions,
            },
            (false, true) => RopeScaling::Yarn {
                factor: yarn,
                original_max_positions,
                beta_fast: f64::from(self.beta_fast),
                beta_slow: f64::from(self.beta_slow),
            },
            (true, true) => {
                return Err(bad(
                    op,
                    "yarn_factor",
                    "Llama 3 scaling and YaRN exclude each other: set one factor".into(),
                ))
            }
        };
        let grid_width = Some(whole(op, "grid_width", self.grid_width)?).filter(|w| *w > 0);
        Ok(RopeConfig { layout, rotary_dim, base: f64::from(self.base), offset, scaling, grid_width })
    }
}

/// `v` as an integer: the integral parameters travel as f32 with the others.
fn whole(op: &str, name: &str, v: f32) -> Result<u32> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f32 {
        Ok(v as u32)
    } else {
        Err(bad(op, name, format!("must be a non-negative integer, got {v}")))
    }
}

fn bad(op: &str, name: &str, reason: String) -> RuntimeError {
    RuntimeError::BadParameter { op: op.into(), name: name.into(), reason }
}

/// Check that the scaling's numbers describe a scaling: finite, factors ≥ 1, bands ordered.
fn check_scaling(op: &str, scaling: RopeScaling) -> Result<()> {
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(bad(op, name, format!("must be finite and positive, got {v}")))
        }
    };
    let at_least_one = |name: &str, v: f64| {
        if v.is_finite() && v >= 1.0 {
            Ok(())
        } else {
            Err(bad(op, name, format!("must be finite and at least 1, got {v}")))
        }
    };
    match scaling {
        RopeScaling::None => Ok(()),
        RopeScaling::Llama3 { factor, low_freq_factor, high_freq_factor, original_max_positions } => {
            at_least_one("llama3_factor", factor)?;
            positive("low_freq_factor", low_freq_factor)?;
            positive("original_max_positions", original_max_positions)?;
            if !(high_freq_factor.is_finite() && high_freq_factor > low_freq_factor) {
                return Err(bad(
                    op,
                    "high_freq_factor",
                    format!("must exceed low_freq_factor ({low_freq_factor}), got {high_freq_factor}"),
                ));
            }
            Ok(())
        }
        RopeScaling::Yarn { factor, original_max_positions, beta_fast, beta_slow } => {
            at_least_one("yarn_factor", factor)?;
            positive("original_max_positions", original_max_positions)?;
            positive("beta_slow", beta_slow)?;
            if !(beta_fast.is_finite() && beta_fast > beta_slow) {
                return Err(bad(op, "beta_fast", format!("must exceed beta_slow ({beta_slow}), got {beta_fast}")));
            }
            Ok(())
        }
    }
}

/// The frequencies of the `rotary_dim / 2` pairs, in f64.
pub fn inv_freq(rotary_dim: usize, base: f64, scaling: RopeScaling) -> Vec<f64> {
    let d = rotary_dim as f64;
    let plain = (0..rotary_dim / 2).map(|i| base.powf(-2.0 * i as f64 / d));
    match scaling {
        RopeScaling::None => plain.collect(),
        RopeScaling::Llama3 { factor, low_freq_factor: low, high_freq_factor: high, original_max_positions: l } => {
            plain
                .map(|f| {
                    let wavelength = std::f64::consts::TAU / f;
                    if wavelength < l / high {
                        f
                    } else if wavelength > l / low {
                        f / factor
                    } else {
                        let smooth = (l / wavelength - low) / (high - low);
                        (1.0 - smooth) * f / factor + smooth * f
                    }
                })
                .collect()
        }
        RopeScaling::Yarn { factor, original_max_positions: l, beta_fast, beta_slow } => {
            // The pair index whose frequency turns `turns` times over `l` positions:
            // base^(-2i/d) · l = 2π · turns.
            let dim_of = |turns: f64| d * (l / (turns * std::f64::consts::TAU)).ln() / (2.0 * base.ln());
            let low = dim_of(beta_fast).floor().max(0.0);
            let high = dim_of(beta_slow).ceil().min(d - 1.0);
            // Equal bounds would make the ramp a step; a sliver of width keeps it a ramp.
            let width = if high > low { high - low } else { 0.001 };
            plain
                .enumerate()
                .map(|(i, f)| {
                    let ramp = ((i as f64 - low) / width).clamp(0.0, 1.0);
                    f / factor * ramp + f * (1.0 - ramp)
                })
                .collect()
        }
    }
}

/// The frequencies of a 2-D embedding's pairs: each half has those of `rotary_dim / 2`
/// features (`rotary_dim` a multiple of 4).
pub fn inv_freq_2d(rotary_dim: usize, base: f64) -> Vec<f64> {
    let axis = inv_freq(rotary_dim / 2, base, RopeScaling::None);
    axis.iter().chain(&axis).copied().collect()
}

/// What cos and sin are multiplied by: YaRN's `0.1·ln(factor) + 1`, else 1.
pub fn attention_scale(scaling: RopeScaling) -> f64 {
    match scaling {
        RopeScaling::Yarn { factor, .. } if factor > 1.0 => 0.1 * factor.ln() + 1.0,
        _ => 1.0,
    }
}

/// `x`'s shape as `(batch, seq, heads, head_dim)`: `[batch, seq, heads, head_dim]` or
/// `[seq, heads, head_dim]`.
pub fn rope_dims(op: &str, shape: &[usize]) -> Result<(usize, usize, usize, usize)> {
    match *shape {
        [b, s, h, d] => Ok((b, s, h, d)),
        [s, h, d] => Ok((1, s, h, d)),
        _ => Err(RuntimeError::InvalidShape {
            shape: shape.to_vec(),
            reason: format!("`{op}` takes x of shape [batch, seq, heads, head_dim] or [seq, heads, head_dim]"),
        }),
    }
}

/// The checked `rotary_dim` for heads of `head_dim`.
fn rotary_dim(op: &str, cfg: &RopeConfig, head_dim: usize) -> Result<usize> {
    let r = cfg.rotary_dim.unwrap_or(head_dim);
    if r == 0 || !r.is_multiple_of(2) {
        return Err(bad(op, "rotary_dim", format!("must be even and positive (features rotate in pairs), got {r}")));
    }
    if r > head_dim {
        return Err(bad(op, "rotary_dim", format!("must not exceed head_dim ({head_dim}), got {r}")));
    }
    Ok(r)
}

/// Heads per thread: up to [`ROPE_MAX_HEADS_PER_THREAD`], fewer while that would leave the
/// launch with fewer than [`ROPE_MIN_THREADS`] threads (decode: one token per sequence).
pub fn heads_per_thread(tokens: u64, heads: u32, units: u64) -> u32 {
    let mut hpt = ROPE_MAX_HEADS_PER_THREAD.min(heads.max(1));
    while hpt > 1 && tokens * units * u64::from(heads.div_ceil(hpt)) < ROPE_MIN_THREADS {
        hpt /= 2;
    }
    hpt
}

/// Plan the rotary embedding of `x` (`[batch, seq, heads, head_dim]` or
/// `[seq, heads, head_dim]`, a float dtype) into a new buffer of its shape.
pub fn rope_plan(dev: &Device, x: &Buffer, cfg: &RopeConfig) -> Result<Plan> {
    rope_plan_with(dev, x, None, cfg, None)
}

/// [`rope_plan`] with the position of each token given: `positions` of dtype i32 and shape
/// `[seq]` (every sequence of the batch alike) or `[batch, seq]`; `cfg.offset` must be 0.
/// Positions are converted to f32, exactly while their magnitude is below 2^24.
pub fn rope_plan_at(dev: &Device, x: &Buffer, positions: &Buffer, cfg: &RopeConfig) -> Result<Plan> {
    rope_plan_with(dev, x, Some(positions), cfg, None)
}

/// [`rope_plan`] or [`rope_plan_at`] with the heads per thread given (`None`:
/// [`heads_per_thread`]'s choice).
pub fn rope_plan_with(
    dev: &Device,
    x: &Buffer,
    positions: Option<&Buffer>,
    cfg: &RopeConfig,
    hpt: Option<u32>,
) -> Result<Plan> {
    let def = cfg.layout.def();
    let op = def.name;
    check_float(op, "x", x)?;
    index_count(op, x)?;
    let (batch, seq, heads, head_dim) = rope_dims(op, x.shape())?;
    let rdim = rotary_dim(op, cfg, head_dim)?;
    if !(cfg.base.is_finite() && cfg.base > 0.0 && cfg.base != 1.0) {
        return Err(bad(op, "base", format!("must be finite, positive and not 1, got {}", cfg.base)));
    }
    check_scaling(op, cfg.scaling)?;
    if let Some(w) = cfg.grid_width {
        if w == 0 || rdim % 4 != 0 || cfg.scaling != RopeScaling::None {
            return Err(bad(
                op,
                "grid_width",
                format!(
                    "a 2-D embedding needs a grid width of at least 1 (got {w}), rotary_dim a multiple of 4 \
                     (got {rdim}) and no frequency scaling"
                ),
            ));
        }
    }
    if let Some(p) = positions {
        check_positions(op, p, x.shape(), batch, seq)?;
        if cfg.offset != 0 {
            return Err(bad(op, "offset", format!("must be 0 when positions are given, got {}", cfg.offset)));
        }
    }
    let last = u64::from(cfg.offset) + seq.max(1) as u64 - 1;
    if last >= ROPE_MAX_POSITION {
        return Err(bad(
            op,
            "offset",
            format!("positions must stay below 2^24 (exact in f32); offset {} + seq {seq} reaches {last}", cfg.offset),
        ));
    }
    let y = dev.alloc(x.dtype(), x.shape())?;
    let tokens = batch * seq;
    if x.is_empty() {
        return Ok(Plan::empty(("y", y)));
    }
    let half = rdim / 2;
    let vec: u32 = match x.dtype().size_bytes() {
        2 if half % 8 == 0 && head_dim % 8 == 0 => 8,
        _ if half % 4 == 0 && head_dim % 4 == 0 => 4,
        _ => 1,
    };
    let units = (half + head_dim - rdim) as u64 / u64::from(vec);
    // x has fewer than 2^32 elements, so tokens, heads and head_dim each fit u32.
    let (tokens32, heads32) = (tokens as u32, heads as u32);
    let hpt = hpt.unwrap_or_else(|| heads_per_thread(tokens as u64, heads32, units));
    if hpt == 0 {
        return Err(bad(op, "heads_per_thread", "must be at least 1".into()));
    }
    // More than every head is every head (and keeps `heads + hpt` in the kernel from wrapping).
    let hpt = hpt.min(heads32.max(1));
    let threads = tokens as u64 * units * u64::from(heads32.div_ceil(hpt));
    // The grid is rounded up to whole threadgroups, and its thread index must not wrap.
    if threads > u64::from(u32::MAX - ROPE_GROUP) {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` indexes its threads with u32; this shape needs {threads}"),
        });
    }
    let f = match cfg.grid_width {
        Some(_) => inv_freq_2d(rdim, cfg.base),
        None => inv_freq(rdim, cfg.base, cfg.scaling),
    };
    let mut split: Vec<f32> = f.iter().map(|v| *v as f32).collect();
    split.extend(f.iter().map(|v| (v - f64::from(*v as f32)) as f32));
    let freqs = dev.upload(&split, &[split.len()])?;
    let scale = attention_scale(cfg.scaling) as f32;
    // Without positions the kernel's `pos` is never read; it still needs a buffer.
    let unread = dev.alloc(DType::I32, &[1])?;
    let pos_len = positions.map_or(1, |p| p.len() as u32);
    let args: Vec<PlanArg> = vec![
        x.into(),
        positions.unwrap_or(&unread).into(),
        (&freqs).into(),
        (&y).into(),
        tokens32.into(),
        (seq as u32).into(),
        heads32.into(),
        (head_dim as u32).into(),
        (half as u32).into(),
        hpt.into(),
        cfg.offset.into(),
        pos_len.into(),
        cfg.grid_width.unwrap_or(0).into(),
        scale.into(),
    ];
    let consts = rope_consts(vec, positions.is_some());
    let l = launch(dev, def, x.dtype(), consts, Geometry::cover(threads, ROPE_GROUP), args)?;
    // The frequency table is the plan's own (not an input of the op's), a few hundred bytes:
    // kept out of the bytes the op is said to move.
    Ok(Plan::new(vec![l], vec![freqs, unread], ("y", y)))
}

/// The plan of `layout` with the parameters of `params` (the registry's entry point).
pub fn rope_plan_params(dev: &Device, layout: RopeLayout, x: &Buffer, params: &OpParams) -> Result<Plan> {
    rope_plan_with(dev, x, None, &params.rope.config(layout)?, params.rope.heads_per_thread(layout)?)
}

/// The rotary embedding of `x` (`[batch, seq, heads, head_dim]` or `[seq, heads, head_dim]`).
pub fn rope(dev: &Device, x: &Buffer, cfg: &RopeConfig) -> Result<Buffer> {
    let plan = rope_plan(dev, x, cfg)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// The rotary embedding of `x` at the positions in `positions` (see [`rope_plan_at`]).
pub fn rope_at(dev: &Device, x: &Buffer, positions: &Buffer, cfg: &RopeConfig) -> Result<Buffer> {
    let plan = rope_plan_at(dev, x, positions, cfg)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// Positions must be i32 of shape `[seq]` or `[batch, seq]`.
fn check_positions(op: &str, p: &Buffer, x_shape: &[usize], batch: usize, seq: usize) -> Result<()> {
    if p.dtype() != DType::I32 {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `positions`"),
            expected: DType::I32,
            found: p.dtype(),
        });
    }
    let fits = p.shape() == [seq] || p.shape() == [batch, seq] && x_shape.len() == 4;
    if !fits {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `positions` (one per token: [seq] or [batch, seq])"),
            expected: vec![seq],
            found: p.shape().to_vec(),
        });
    }
    Ok(())
}

/// The kernel instances [`rope_plan`] and [`rope_plan_at`] may launch for `layout`.
pub fn rope_instances(layout: RopeLayout) -> Vec<(KernelDef, ConstArgs)> {
    let mut out = Vec::new();
    for vec in [1, 4, 8] {
        for explicit in [false, true] {
            out.push((layout.def(), rope_consts(vec, explicit)));
        }
    }
    out
}

/// The constexprs of an instance, defaults left out (as plans hold them).
fn rope_consts(vec: u32, explicit: bool) -> ConstArgs {
    let mut c = ConstArgs::new();
    if vec != 4 {
        c = c.with("vec", ConstArg::Int(i128::from(vec)));
    }
    if explicit {
        c = c.with("explicit", ConstArg::Bool(true));
    }
    c
}

impl From<RopeLayout> for StdOp {
    fn from(l: RopeLayout) -> Self {
        StdOp::Rope(l)
    }
}
