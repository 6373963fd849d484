//! References of gather and scatter, written from torch's definitions with plain coordinate
//! loops on f64 (independent of the kernels' `[outer, n, inner]` views). An input the op
//! refuses (an index out of range, a shape that does not fit) has no reference: the result is
//! empty, which fails any comparison.

use crate::ops::{IndexKind, IndexParams};
use crate::tensor::HostTensor;

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The coordinates of flat position `flat` in `shape`.
fn coords(flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut c = vec![0; shape.len()];
    let mut rest = flat;
    for i in (0..shape.len()).rev() {
        let d = shape[i].max(1);
        c[i] = rest % d;
        rest /= d;
    }
    c
}

/// The flat position of coordinates `c` under `strides`.
fn flat(c: &[usize], strides: &[usize]) -> usize {
    c.iter().zip(strides).map(|(a, s)| a * s).sum()
}

/// `dim` resolved against a tensor of rank `rank`.
fn axis(dim: f32, rank: usize) -> Option<usize> {
    let d = dim as i64;
    let at = if d < 0 { d + rank as i64 } else { d };
    (dim.fract() == 0.0 && (0..rank as i64).contains(&at)).then_some(at as usize)
}

/// An index value as a position along an axis of size `n`, if it lies in `[0, n)`.
fn position(v: f64, n: usize) -> Option<usize> {
    (v >= 0.0 && v < n as f64 && v.fract() == 0.0).then_some(v as usize)
}

/// `table[ids[...], :]` for `table` of shape `[V, D]`.
pub fn embedding(table: &HostTensor, ids: &HostTensor) -> Option<HostTensor> {
    let [v, d] = table.shape[..] else { return None };
    let mut data = Vec::with_capacity(ids.data.len() * d);
    for &id in &ids.data {
        let r = position(id, v)?;
        data.extend_from_slice(&table.data[r * d..(r + 1) * d]);
    }
    let mut shape = ids.shape.clone();
    shape.push(d);
    Some(HostTensor::new(&shape, data))
}

/// torch's `index_select(x, dim, index)`.
pub fn index_select(x: &HostTensor, index: &HostTensor, dim: f32) -> Option<HostTensor> {
    let at = axis(dim, x.shape.len())?;
    let mut shape = x.shape.clone();
    shape[at] = index.data.len();
    let xs = strides(&x.shape);
    let len: usize = shape.iter().product();
    let mut data = Vec::with_capacity(len);
    for f in 0..len {
        let mut c = coords(f, &shape);
        c[at] = position(index.data[c[at]], x.shape[at])?;
        data.push(x.data[flat(&c, &xs)]);
    }
    Some(HostTensor::new(&shape, data))
}

/// torch's `gather(x, dim, index)`: `y[c] = x[c with c[dim] = index[c]]`.
pub fn gather(x: &HostTensor, index: &HostTensor, dim: f32) -> Option<HostTensor> {
    let at = axis(dim, x.shape.len())?;
    let xs = strides(&x.shape);
    let mut data = Vec::with_capacity(index.data.len());
    for (f, &v) in index.data.iter().enumerate() {
        let mut c = coords(f, &index.shape);
        c[at] = position(v, x.shape[at])?;
        data.push(x.data[flat(&c, &xs)]);
    }
    Some(HostTensor::new(&index.shape, data))
}

/// torch's `scatter(x, dim, index, src)` (or `scatter_add` when `add`), out of place: the
/// updates applied in index order, so where indices repeat a set keeps the last.
pub fn scatter(x: &HostTensor, index: &HostTensor, src: &HostTensor, dim: f32, add: bool) -> Option<HostTensor> {
    let at = axis(dim, x.shape.len())?;
    let xs = strides(&x.shape);
    let mut y = x.data.clone();
    for (f, &v) in index.data.iter().enumerate() {
        let mut c = coords(f, &index.shape);
        c[at] = position(v, x.shape[at])?;
        let t = flat(&c, &xs);
        y[t] = if add { y[t] + src.data[f] } else { src.data[f] };
    }
    Some(HostTensor::new(&x.shape, y))
}

/// The sizes each output of scatter_add is judged against: `|x|` plus the magnitudes of every
/// `src` element added to it (f32 atomic adds in any order are exact to a few roundings of
/// those, and the sum itself can cancel to nothing).
pub fn scatter_add_magnitudes(x: &HostTensor, index: &HostTensor, src: &HostTensor, dim: f32) -> Option<Vec<f64>> {
    let abs = |t: &HostTensor| HostTensor::new(&t.shape, t.data.iter().map(|v| v.abs()).collect());
    scatter(&abs(x), index, &abs(src), dim, true).map(|t| t.data)
}

/// torch's `masked_scatter(x, mask, src)`: the true positions of `mask`, in row-major order,
/// take `src`'s elements in order.
pub fn masked_scatter(x: &HostTensor, mask: &HostTensor, src: &HostTensor) -> Option<HostTensor> {
    let mut y = x.data.clone();
    let mut next = src.data.iter();
    for (v, m) in y.iter_mut().zip(&mask.data) {
        if *m != 0.0 {
            *v = *next.next()?;
        }
    }
    Some(HostTensor::new(&x.shape, y))
}

/// The reference of `kind` on `inputs` (in [`IndexKind::inputs`] order).
pub fn index_op(kind: IndexKind, inputs: &[HostTensor], p: &IndexParams) -> Vec<HostTensor> {
    let empty = HostTensor::new(&[0], vec![]);
    let arg = |i: usize| inputs.get(i).unwrap_or(&empty);
    let y = match kind {
        IndexKind::Embedding => embedding(arg(0), arg(1)),
        IndexKind::IndexSelect => index_select(arg(0), arg(1), p.dim),
        IndexKind::Gather => gather(arg(0), arg(1), p.dim),
        IndexKind::Scatter => scatter(arg(0), arg(1), arg(2), p.dim, false),
        IndexKind::ScatterAdd => scatter(arg(0), arg(1), arg(2), p.dim, true),
        IndexKind::MaskedScatter => masked_scatter(arg(0), arg(1), arg(2)),
    };
    vec![y.unwrap_or(empty)]
}
