//! Host plans of the strided copies ([`crate::kernels::strided`]): a view of a buffer (shape,
//! element strides, offset) copied into a new contiguous buffer. `as_strided` takes the view
//! as given, `permute` and `slice` derive it. Strides are non-negative (torch's rule; a
//! reversed axis is not a view here) and may be 0 (a broadcast axis).
//!
//! The plan first simplifies the view: axes of size 1 are dropped and neighbours that are
//! contiguous with each other merged, so a permutation of a contiguous tensor becomes the
//! fewest axes that express it. Then:
//! - a batched transpose (`[B,] N, M` with strides `[sb,] 1, sm`: the input's contiguous axis
//!   becomes the output's second-last) goes through `permute_tiles`;
//! - otherwise the gather kernel, with 4-wide loads when the last axis is contiguous and
//!   every vector of four outputs is an aligned vector of the input.

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::elementwise;
use crate::kernels::strided::{self as k, MAX_DIMS, TILE, TILE_ROWS};
use crate::plan::Plan;
use metaltile_ir::{ConstArg, ConstArgs, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Most threadgroups along the second and third grid axes (CUDA's limit).
const MAX_GRID_YZ: usize = 65535;

/// A view: element `c` (a coordinate of `shape`) is element `offset + Σ c_d · strides[d]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub shape: Vec<usize>,
    pub strides: Vec<usize>,
    pub offset: usize,
}

impl View {
    /// The contiguous (row-major) view of `shape`.
    pub fn contiguous(shape: &[usize]) -> View {
        let mut strides = vec![0; shape.len()];
        let mut step = 1;
        for d in (0..shape.len()).rev() {
            strides[d] = step;
            step *= shape[d];
        }
        View { shape: shape.to_vec(), strides, offset: 0 }
    }

    /// The same elements in the fewest axes: size-1 axes dropped, an axis merged into the
    /// one before it when that one's stride is its stride times its size.
    pub fn simplified(&self) -> View {
        let mut shape: Vec<usize> = Vec::new();
        let mut strides: Vec<usize> = Vec::new();
        for (&size, &stride) in self.shape.iter().zip(&self.strides).filter(|(s, _)| **s != 1) {
            match (shape.last_mut(), strides.last_mut()) {
                (Some(ls), Some(lt)) if *lt == stride * size => {
                    *ls *= size;
                    *lt = stride;
                }
                _ => {
                    shape.push(size);
                    strides.push(stride);
                }
            }
        }
        View { shape, strides, offset: self.offset }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True for a view of no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The largest element it reaches (none when empty).
    pub fn last_element(&self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        let reach: Option<usize> = self
            .shape
            .iter()
            .zip(&self.strides)
            .try_fold(0usize, |acc, (s, t)| (s - 1).checked_mul(*t).and_then(|v| acc.checked_add(v)));
        reach.and_then(|r| r.checked_add(self.offset)).or(Some(usize::MAX))
    }
}

/// Refuse a view whose rank does not match or that reaches past the end of `x`.
pub fn check_view(op: &str, x: &Buffer, view: &View) -> Result<()> {
    if view.strides.len() != view.shape.len() {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "stride".into(),
            reason: format!("{} strides for a shape of {} axes {:?}", view.strides.len(), view.shape.len(), view.shape),
        });
    }
    if let Some(last) = view.last_element() {
        if last >= x.len() {
            return Err(RuntimeError::BadParameter {
                op: op.into(),
                name: "stride".into(),
                reason: format!(
                    "the view (shape {:?}, strides {:?}, offset {}) reaches element {last}, past the end of \
                     `x` ({} elements)",
                    view.shape,
                    view.strides,
                    view.offset,
                    x.len()
                ),
            });
        }
    }
    Ok(())
}

/// The batched-transpose form of a simplified view: `(batch, n, m, sm, sb)` when the view is
/// `[B,] N, M` with strides `[sb,] 1, sm` and both sides are long enough for tiles to pay.
fn transpose_form(v: &View) -> Option<(usize, usize, usize, usize, usize)> {
    let (batch, sb, n, nt, m, sm) = match (v.shape.as_slice(), v.strides.as_slice()) {
        ([n, m], [nt, sm]) => (1, 0, *n, *nt, *m, *sm),
        ([b, n, m], [sb, nt, sm]) => (*b, *sb, *n, *nt, *m, *sm),
        _ => return None,
    };
    let fits = batch <= MAX_GRID_YZ && m.div_ceil(TILE as usize) <= MAX_GRID_YZ;
    (nt == 1 && sm != 1 && n >= 8 && m >= 8 && fits).then_some((batch, n, m, sm, sb))
}

/// The `dims` argument of the gather kernel: shape, strides (over [`MAX_DIMS`] axes, leading
/// ones padded) and offset; with whether 4-wide loads are exact.
fn gather_dims(op: &str, full: &View, v: &View) -> Result<(Vec<u32>, bool)> {
    let max = MAX_DIMS as usize;
    if v.shape.len() > max {
        return Err(RuntimeError::InvalidShape {
            shape: full.shape.clone(),
            reason: format!(
                "`{op}` copies views of at most {max} axes once contiguous neighbours are merged; the view \
                 (strides {:?}) has {}",
                full.strides,
                v.shape.len()
            ),
        });
    }
    let pad = max - v.shape.len();
    let mut dims = vec![1u32; max];
    dims.extend(vec![0u32; max]);
    // Every size, stride and the offset are at most the input's last element, below 2^32.
    for d in 0..v.shape.len() {
        dims[pad + d] = v.shape[d] as u32;
        dims[max + pad + d] = v.strides[d] as u32;
    }
    dims.push(v.offset as u32);
    let vec = match (v.shape.last(), v.strides.split_last()) {
        (Some(n), Some((1, outer))) => {
            n.is_multiple_of(4) && v.offset.is_multiple_of(4) && outer.iter().all(|s| s.is_multiple_of(4))
        }
        _ => false,
    };
    Ok((dims, vec))
}

/// Plan a contiguous copy of `view` of `x` with the gather kernel `def` (whose name the
/// errors carry) or the transpose tiles.
pub fn view_plan(dev: &Device, def: KernelDef, x: &Buffer, view: &View) -> Result<Plan> {
    let op = def.name;
    index_count(op, x)?;
    check_view(op, x, view)?;
    let y = dev.alloc(x.dtype(), &view.shape)?;
    let n = index_count(op, &y)?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    // Each output element read once and written once: a slice reads part of `x`, a
    // broadcast reads some elements many times (from cache), an overlapping view both.
    let moved = 2 * y.size_bytes() as u64;
    let simple = view.simplified();
    if let Some((batch, nn, m, sm, sb)) = transpose_form(&simple) {
        let geometry = Geometry {
            groups: [nn.div_ceil(TILE as usize) as u32, m.div_ceil(TILE as usize) as u32, batch as u32],
            group_size: [TILE, TILE_ROWS, 1],
        };
        let [m, nn, sm, sb, offset] = [m, nn, sm, sb, simple.offset].map(|v| v as u32);
        let args = vec![x.into(), (&y).into(), m.into(), nn.into(), sm.into(), sb.into(), offset.into()];
        let l = launch(dev, k::permute_tiles::DEF, x.dtype(), ConstArgs::new(), geometry, args)?;
        return Ok(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(moved));
    }
    let (dims, vec) = gather_dims(op, view, &simple)?;
    let dims = dev.upload(&dims, &[dims.len()])?;
    let consts = if vec { ConstArgs::new().with("vec", ConstArg::Bool(true)) } else { ConstArgs::new() };
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let args = vec![x.into(), (&y).into(), (&dims).into(), n.into()];
    let l = launch(dev, def, x.dtype(), consts, geometry, args)?;
    Ok(Plan::new(vec![l], vec![dims], ("y", y)).with_bytes_moved(moved))
}

/// Every kernel instance a view plan with gather kernel `def` may launch.
pub fn view_instances(def: KernelDef) -> Vec<(KernelDef, ConstArgs)> {
    vec![
        (def, ConstArgs::new()),
        (def, ConstArgs::new().with("vec", ConstArg::Bool(true))),
        (k::permute_tiles::DEF, ConstArgs::new()),
    ]
}

fn bad(op: &str, name: &str, reason: String) -> RuntimeError {
    RuntimeError::BadParameter { op: op.into(), name: name.into(), reason }
}

/// Plan `x.as_strided(shape, strides, offset).contiguous()`: strides in elements of `x`'s
/// buffer (contiguous, whatever its shape says).
pub fn as_strided_plan(dev: &Device, x: &Buffer, shape: &[usize], strides: &[usize], offset: usize) -> Result<Plan> {
    let view = View { shape: shape.to_vec(), strides: strides.to_vec(), offset };
    view_plan(dev, k::as_strided::DEF, x, &view)
}

/// `x.as_strided(shape, strides, offset)`, copied into a new contiguous buffer.
pub fn as_strided(dev: &Device, x: &Buffer, shape: &[usize], strides: &[usize], offset: usize) -> Result<Buffer> {
    super::movement::run(as_strided_plan(dev, x, shape, strides, offset), dev)
}

/// The view of `x` permuted by `perm` (output axis `k` is input axis `perm[k]`).
pub fn permuted_view(op: &str, shape: &[usize], perm: &[usize]) -> Result<View> {
    let mut seen = vec![false; shape.len()];
    let ok =
        perm.len() == shape.len() && perm.iter().all(|p| *p < shape.len() && !std::mem::replace(&mut seen[*p], true));
    if !ok {
        return Err(bad(op, "perm", format!("{perm:?} is not a permutation of the {} axes of {shape:?}", shape.len())));
    }
    let c = View::contiguous(shape);
    Ok(View {
        shape: perm.iter().map(|p| shape[*p]).collect(),
        strides: perm.iter().map(|p| c.strides[*p]).collect(),
        offset: 0,
    })
}

/// Plan `x.permute(perm).contiguous()`.
pub fn permute_plan(dev: &Device, x: &Buffer, perm: &[usize]) -> Result<Plan> {
    let view = permuted_view(k::permute::DEF.name, x.shape(), perm)?;
    view_plan(dev, k::permute::DEF, x, &view)
}

/// `x.permute(perm).contiguous()`: output axis `k` is input axis `perm[k]`.
pub fn permute(dev: &Device, x: &Buffer, perm: &[usize]) -> Result<Buffer> {
    super::movement::run(permute_plan(dev, x, perm), dev)
}

/// One axis of a slice: Python's `start:stop:step`, `None` for an omitted bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliceAxis {
    pub start: Option<i64>,
    pub stop: Option<i64>,
    pub step: i64,
}

impl SliceAxis {
    /// The whole axis.
    pub const ALL: SliceAxis = SliceAxis { start: None, stop: None, step: 1 };
}

/// The first index and length of `s` on an axis of `size`, as Python computes them for a
/// positive step: negative bounds count from the end, then both are clamped to `[0, size]`.
pub fn slice_range(op: &str, axis: usize, size: usize, s: SliceAxis) -> Result<(usize, usize)> {
    if s.step < 1 {
        return Err(bad(op, "step", format!("axis {axis}: the step must be positive, got {}", s.step)));
    }
    let size_i = size as i64;
    let clamp = |v: i64| if v < 0 { (v + size_i).max(0) } else { v.min(size_i) };
    let start = s.start.map_or(0, clamp);
    let stop = s.stop.map_or(size_i, clamp);
    let len = if stop > start { (stop - start + s.step - 1) / s.step } else { 0 };
    Ok((start as usize, len as usize))
}

/// The view `x[axes[0], axes[1], ...]` (missing trailing axes whole).
pub fn sliced_view(op: &str, shape: &[usize], axes: &[SliceAxis]) -> Result<View> {
    if axes.len() > shape.len() {
        return Err(bad(
            op,
            "start",
            format!("{} axes sliced, but the input {shape:?} has {}", axes.len(), shape.len()),
        ));
    }
    let c = View::contiguous(shape);
    let mut view = View { shape: vec![], strides: vec![], offset: 0 };
    for (d, &size) in shape.iter().enumerate() {
        let s = axes.get(d).copied().unwrap_or(SliceAxis::ALL);
        let (start, len) = slice_range(op, d, size, s)?;
        view.shape.push(len);
        view.strides.push(c.strides[d] * s.step as usize);
        if len > 0 {
            view.offset += start * c.strides[d];
        }
    }
    if view.is_empty() {
        view.offset = 0;
    }
    Ok(view)
}

/// Plan `x[start:stop:step, ...].contiguous()`.
pub fn slice_plan(dev: &Device, x: &Buffer, axes: &[SliceAxis]) -> Result<Plan> {
    let view = sliced_view(k::slice::DEF.name, x.shape(), axes)?;
    view_plan(dev, k::slice::DEF, x, &view)
}

/// `x[start:stop:step, ...]` (one [`SliceAxis`] per leading axis, Python's rules, positive
/// steps), copied into a new contiguous buffer.
pub fn slice(dev: &Device, x: &Buffer, axes: &[SliceAxis]) -> Result<Buffer> {
    super::movement::run(slice_plan(dev, x, axes), dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_simplify_to_the_fewest_axes() {
        // [1, 32, 4096, 128] permuted (0, 2, 1, 3): three axes, the last contiguous.
        let v = permuted_view("permute", &[1, 32, 4096, 128], &[0, 2, 1, 3]).unwrap().simplified();
        assert_eq!(v.shape, vec![4096, 32, 128]);
        assert_eq!(v.strides, vec![128, 4096 * 128, 1]);
        // A contiguous view is one axis.
        let c = View::contiguous(&[3, 1, 5, 7]).simplified();
        assert_eq!((c.shape, c.strides), (vec![105], vec![1]));
        // A batched transpose.
        let t = permuted_view("permute", &[4, 64, 32], &[0, 2, 1]).unwrap().simplified();
        assert_eq!(transpose_form(&t), Some((4, 32, 64, 32, 64 * 32)));
    }

    #[test]
    fn slices_follow_python() {
        let r = |start, stop, step| slice_range("slice", 0, 10, SliceAxis { start, stop, step }).unwrap();
        assert_eq!(r(None, None, 1), (0, 10));
        assert_eq!(r(Some(-3), None, 1), (7, 3));
        assert_eq!(r(Some(2), Some(9), 3), (2, 3));
        assert_eq!(r(Some(5), Some(2), 1).1, 0);
        assert_eq!(r(Some(-20), Some(20), 4), (0, 3));
        assert!(slice_range("slice", 1, 10, SliceAxis { start: None, stop: None, step: 0 }).is_err());
    }
}
