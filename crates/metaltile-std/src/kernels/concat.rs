//! One input of a concatenation copied into its place in the output: `x` viewed as `rows`
//! rows of `m` elements (the axes before the joined one, and the joined one with those
//! after), row `r` written at `y[offset + r·y_row + 0..m]`. The plan launches it once per
//! input. The elementwise skeleton's layout over `x`; with `vec` (the plan has proved `m`,
//! `y_row` and `offset` multiples of 4) four consecutive elements are one 4-wide load and
//! one 4-wide store, else element by element.

use super::elementwise::{group_span, vector_offset};
use metaltile::prelude::*;

/// y[offset + r·y_row + c] = x[r·m + c]
#[kernel]
pub fn concat<T: Scalar>(
    x: &[T],
    y: &mut [T],
    n: u32,
    m: u32,
    y_row: u32,
    offset: u32,
    #[constexpr(default = false)] vec: bool,
) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if vec & (left >= span) {
        let [i0, i1, i2, i3] =
            [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)];
        let [v0, v1, v2, v3] = [load4(&x, i0), load4(&x, i1), load4(&x, i2), load4(&x, i3)];
        store4(&y, offset + (i0 / m) * y_row + i0 % m, v0);
        store4(&y, offset + (i1 / m) * y_row + i1 % m, v1);
        store4(&y, offset + (i2 / m) * y_row + i2 % m, v2);
        store4(&y, offset + (i3 / m) * y_row + i3 % m, v3);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                let i = base + e;
                y[offset + (i / m) * y_row + i % m] = x[i];
            }
        }
    }
}
