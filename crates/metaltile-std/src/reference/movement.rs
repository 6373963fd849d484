//! References of the data-movement ops: each output element located in the input by its
//! coordinates, written from the ops' definitions (torch's `as_strided`, `permute`, Python's
//! slices), independently of the plans' view arithmetic. Parameters an op refuses give an
//! empty output, which fails any comparison.

use crate::ops::{MoveOp, MoveParams};
use crate::tensor::HostTensor;

/// The row-major coordinates of element `i` of `shape`.
fn coordinates(shape: &[usize], mut i: usize) -> Vec<usize> {
    let mut c = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        c[d] = i % shape[d];
        i /= shape[d];
    }
    c
}

/// The row-major element number of coordinate `c` of `shape`.
fn flat(shape: &[usize], c: &[usize]) -> usize {
    shape.iter().zip(c).fold(0, |acc, (s, v)| acc * s + v)
}

fn ints(v: &[f64]) -> Option<Vec<usize>> {
    v.iter().map(|x| (x.fract() == 0.0 && *x >= 0.0).then_some(*x as usize)).collect()
}

fn as_strided(x: &HostTensor, p: &MoveParams) -> Option<HostTensor> {
    let size = if p.size.is_empty() { x.shape.clone() } else { ints(p.size.as_slice())? };
    let stride = if p.stride.is_empty() {
        // Contiguous strides of `size`.
        (0..size.len()).map(|d| size[d + 1..].iter().product()).collect()
    } else {
        ints(p.stride.as_slice())?
    };
    let offset = ints(&[p.storage_offset])?[0];
    if stride.len() != size.len() {
        return None;
    }
    let n: usize = size.iter().product();
    let mut data = Vec::with_capacity(n);
    for i in 0..n {
        let c = coordinates(&size, i);
        let at = offset + c.iter().zip(&stride).map(|(a, b)| a * b).sum::<usize>();
        data.push(*x.data.get(at)?);
    }
    Some(HostTensor::new(&size, data))
}

fn permute(x: &HostTensor, p: &MoveParams) -> Option<HostTensor> {
    let rank = x.shape.len();
    let perm = if p.perm.is_empty() { (0..rank).rev().collect() } else { ints(p.perm.as_slice())? };
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    if sorted != (0..rank).collect::<Vec<_>>() {
        return None;
    }
    let shape: Vec<usize> = perm.iter().map(|a| x.shape[*a]).collect();
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let c = coordinates(&shape, i);
            let mut src = vec![0; rank];
            for (k, a) in perm.iter().enumerate() {
                src[*a] = c[k];
            }
            x.data[flat(&x.shape, &src)]
        })
        .collect();
    Some(HostTensor::new(&shape, data))
}

/// The indices Python's `start:stop:step` picks on an axis of `size` (positive steps).
fn picked(size: usize, start: Option<f64>, stop: Option<f64>, step: Option<f64>) -> Option<Vec<usize>> {
    let size = size as i64;
    let step = step.unwrap_or(1.0) as i64;
    if step <= 0 {
        return None;
    }
    let bound = |v: f64| {
        let v = v as i64;
        let v = if v < 0 { v + size } else { v };
        v.clamp(0, size)
    };
    let lo = start.map_or(0, bound);
    let hi = stop.map_or(size, bound);
    Some((lo..hi).step_by(step as usize).map(|i| i as usize).collect())
}

fn slice(x: &HostTensor, p: &MoveParams) -> Option<HostTensor> {
    let (start, stop, step) = (p.start.as_slice(), p.stop.as_slice(), p.step.as_slice());
    if start.len().max(stop.len()).max(step.len()) > x.shape.len() {
        return None;
    }
    let axes: Vec<Vec<usize>> = (0..x.shape.len())
        .map(|d| picked(x.shape[d], start.get(d).copied(), stop.get(d).copied(), step.get(d).copied()))
        .collect::<Option<_>>()?;
    let shape: Vec<usize> = axes.iter().map(|a| a.len()).collect();
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let c = coordinates(&shape, i);
            let src: Vec<usize> = c.iter().enumerate().map(|(d, v)| axes[d][*v]).collect();
            x.data[flat(&x.shape, &src)]
        })
        .collect();
    Some(HostTensor::new(&shape, data))
}

/// `a` and `b` joined along axis `dim`: output element `c` comes from `a` while `c[dim]` is
/// below `a`'s extent there, else from `b` at `c[dim]` less that extent.
fn concat(a: &HostTensor, b: &HostTensor, dim: f64) -> Option<HostTensor> {
    let rank = a.shape.len();
    let d = if dim < 0.0 { dim + rank as f64 } else { dim };
    if d.fract() != 0.0 || d < 0.0 || d >= rank as f64 || b.shape.len() != rank {
        return None;
    }
    let d = d as usize;
    let mut shape = a.shape.clone();
    shape[d] += b.shape[d];
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let mut c = coordinates(&shape, i);
            if c[d] < a.shape[d] {
                a.data[flat(&a.shape, &c)]
            } else {
                c[d] -= a.shape[d];
                b.data[flat(&b.shape, &c)]
            }
        })
        .collect();
    Some(HostTensor::new(&shape, data))
}

/// `start + i·step` over `x`'s elements, exactly, with `start` and `step` as a float kernel
/// receives them (rounded to f32; its f32 arithmetic is its own error, within tolerance).
fn arange(x: &HostTensor, p: &MoveParams) -> Option<HostTensor> {
    let one = |v: &[f64], default: f64| match v {
        [] => Some(default),
        [v] => Some(*v),
        _ => None,
    };
    // The f32 rounding is exact for the integer starts and steps of the integer cases (all
    // below 2^24): the reference does not know the dtype.
    let start = one(p.start.as_slice(), 0.0)? as f32 as f64;
    let step = one(p.step.as_slice(), 1.0)? as f32 as f64;
    Some(HostTensor::new(&x.shape, (0..x.data.len()).map(|i| start + i as f64 * step).collect()))
}

/// The outputs of data-movement op `k` on `inputs` with parameters `p`.
pub fn movement(k: MoveOp, inputs: &[HostTensor], p: &MoveParams) -> Vec<HostTensor> {
    let empty = HostTensor::new(&[0], vec![]);
    let Some(x) = inputs.first() else { return vec![empty] };
    let y = match k {
        MoveOp::AsStrided => as_strided(x, p),
        MoveOp::Permute => permute(x, p),
        MoveOp::Slice => slice(x, p),
        MoveOp::Concat => inputs.get(1).and_then(|b| concat(x, b, p.dim)),
        // The value itself: the oracle rounds it to the dtype with the cast rules.
        MoveOp::Fill => Some(HostTensor::new(&x.shape, vec![p.value; x.data.len()])),
        MoveOp::Arange => arange(x, p),
    };
    vec![y.unwrap_or(empty)]
}
