//! Simdgroup collectives over the 32 lanes of each simdgroup (semantics: `SimdOp`'s docs).
//! Reductions combine lanes left to right in lane order with `eval::binary` in the element
//! dtype, so the result is deterministic and bit-identical with a sequential fold.

use crate::error::{Dim3, InterpError};
use crate::lanes::Lanes;
use crate::machine::{Machine, Result};
use metaltile_ir::eval::{self, EvalError};
use metaltile_ir::launch::SIMD_WIDTH;
use metaltile_ir::{BinaryOp, DType, SimdOp, ValueId};

const W: usize = SIMD_WIDTH as usize;

/// One simdgroup's collective: `x` its operand lanes, `src` its lane operands, `o` its results.
fn collective(op: SimdOp, d: DType, x: &[u64], src: &[u64], o: &mut [u64]) -> std::result::Result<(), EvalError> {
    let lane_of = |i: usize| src.get(i).map_or(0, |&s| (s % W as u64) as usize);
    match op {
        SimdOp::Sum | SimdOp::Product | SimdOp::Max | SimdOp::Min => {
            let b = match op {
                SimdOp::Product => BinaryOp::Mul,
                SimdOp::Max => BinaryOp::Max,
                SimdOp::Min => BinaryOp::Min,
                _ => BinaryOp::Add,
            };
            let mut acc = x[0];
            for &v in &x[1..W] {
                acc = eval::binary(b, d, acc, v)?;
            }
            o[..W].fill(acc);
        }
        SimdOp::PrefixSum => {
            let mut acc = x[0];
            o[0] = acc;
            for i in 1..W {
                acc = eval::binary(BinaryOp::Add, d, acc, x[i])?;
                o[i] = acc;
            }
        }
        SimdOp::PrefixSumExclusive => {
            // Zero is bits 0 in every numeric dtype.
            o[0] = 0;
            let mut acc = x[0];
            o[1] = acc;
            for i in 2..W {
                acc = eval::binary(BinaryOp::Add, d, acc, x[i - 1])?;
                o[i] = acc;
            }
        }
        SimdOp::Shuffle | SimdOp::Broadcast => (0..W).for_each(|i| o[i] = x[lane_of(i)]),
        SimdOp::ShuffleXor => (0..W).for_each(|i| o[i] = x[i ^ lane_of(i)]),
        SimdOp::ShuffleUp => (0..W).for_each(|i| {
            let delta = src.get(i).copied().unwrap_or(0);
            o[i] = if (i as u64) < delta { x[i] } else { x[i - delta as usize] };
        }),
        SimdOp::ShuffleDown => (0..W).for_each(|i| {
            let delta = src.get(i).copied().unwrap_or(0);
            o[i] = if i as u64 + delta >= W as u64 { x[i] } else { x[i + delta as usize] };
        }),
        SimdOp::Any => o[..W].fill(u64::from(x[..W].iter().any(|&v| v != 0))),
        SimdOp::All => o[..W].fill(u64::from(x[..W].iter().all(|&v| v != 0))),
        SimdOp::Ballot => {
            let bits = x[..W].iter().enumerate().fold(0u64, |m, (i, &v)| m | (u64::from(v != 0) << i));
            o[..W].fill(bits);
        }
    }
    Ok(())
}

impl Machine<'_, '_> {
    /// Run collective `op` in every simdgroup that has active lanes; each must have all 32.
    pub(crate) fn simd(
        &self,
        l: Lanes<'_>,
        op: SimdOp,
        arg: ValueId,
        lane: Option<ValueId>,
        out: &mut [u64],
    ) -> Result<()> {
        let (d, x) = (self.dtype(arg)?, self.val(arg)?);
        let src = match lane {
            Some(v) => self.val(v)?,
            None => &[],
        };
        for s in 0..self.n.div_ceil(W) {
            let bits = l.mask.simdgroup_bits(s);
            if bits == 0 {
                continue;
            }
            let base = s * W;
            if bits != u32::MAX || base + W > self.n {
                return Err(InterpError::PartialSimdgroup {
                    op: op.name(),
                    group: Dim3(self.group),
                    simdgroup: s as u32,
                    active: bits.count_ones(),
                });
            }
            let src = src.get(base..base + W).unwrap_or(&[]);
            if let (SimdOp::Broadcast, Some(&first)) = (op, src.first()) {
                if let Some(&other) = src.iter().find(|&&v| v != first) {
                    return Err(InterpError::NonUniformBroadcast {
                        group: Dim3(self.group),
                        simdgroup: s as u32,
                        first,
                        other,
                    });
                }
            }
            collective(op, d, &x[base..base + W], src, &mut out[base..base + W])
                .map_err(|e| self.eval_error(e, base))?;
        }
        Ok(())
    }
}
