//! Bitwise ops and shifts of integers (and of bool, for and / or / xor / not), computed in the
//! element type itself: nothing is widened, so every bit of an i64 or u64 is kept.
//!
//! The layout is the elementwise skeleton's (16 elements per thread as four 4-lane vectors,
//! each warp access one contiguous span, every load before the first store, the last
//! threadgroup element by element), the vectors 4 lanes wide whatever the width: 4 to 32 bytes.
//!
//! Shifts follow torch on CUDA where C leaves them undefined: a shift amount below 0 or at
//! least the bit width gives 0 for `<<`, and for `>>` the sign fill (0 or -1) of a signed value,
//! 0 of an unsigned one. Within range, `<<` shifts the two's-complement bits (it wraps) and `>>`
//! is arithmetic for signed types.

use super::elementwise::{group_span, vector_offset};
use metaltile::prelude::*;

/// A function of two elements of an integer (or bool) type: an op's math.
pub type BitsFn<T> = fn(Val<T>, Val<T>) -> Val<T>;

/// The math of each op.
pub mod math {
    use metaltile::prelude::*;

    /// p & q
    #[helper]
    pub fn and<T: Logical>(p: T, q: T) -> T {
        p & q
    }
    /// p | q
    #[helper]
    pub fn or<T: Logical>(p: T, q: T) -> T {
        p | q
    }
    /// p ^ q
    #[helper]
    pub fn xor<T: Logical>(p: T, q: T) -> T {
        p ^ q
    }
    /// !p (logical not of a bool)
    #[helper]
    pub fn not<T: Logical>(p: T, _q: T) -> T {
        !p
    }
    /// True when `q` is not a shift amount of `T` (below 0 or at least its bit width).
    #[helper]
    pub fn out_of_range<T: Int>(q: T) -> bool {
        let width = (elem_bytes::<T>() * 8) as T;
        (q < (0 as T)) | (q >= width)
    }
    /// p << q, 0 when q is out of range.
    #[helper]
    pub fn shl<T: Int>(p: T, q: T) -> T {
        select(out_of_range(q), 0 as T, p << q)
    }
    /// p >> q (arithmetic for signed types), the sign fill when q is out of range.
    #[helper]
    pub fn shr<T: Int>(p: T, q: T) -> T {
        let width = (elem_bytes::<T>() * 8) as T;
        // p >> (width - 1) is the sign fill of a signed type; an unsigned one fills with 0.
        let fill = select(T::MIN < (0 as T), p >> (width - (1 as T)), 0 as T);
        select(out_of_range(q), fill, p >> q)
    }
}

/// `y[i] = f(a[i], b[i])` for `i < n`, in `T`.
#[helper]
pub fn map_bits<T: Logical>(a: &[T], b: &[T], y: &mut [T], n: u32, f: BitsFn<T>) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        let [i0, i1, i2, i3] =
            [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)];
        let [a0, a1, a2, a3] = [load4(&a, i0), load4(&a, i1), load4(&a, i2), load4(&a, i3)];
        let [b0, b1, b2, b3] = [load4(&b, i0), load4(&b, i1), load4(&b, i2), load4(&b, i3)];
        store4(&y, i0, lanes(f, a0, b0));
        store4(&y, i1, lanes(f, a1, b1));
        store4(&y, i2, lanes(f, a2, b2));
        store4(&y, i3, lanes(f, a3, b3));
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(a[base + e], b[base + e]);
            }
        }
    }
}

/// `f` on each lane of two 4-lane vectors.
#[helper]
pub fn lanes<T: Logical>(f: BitsFn<T>, p: [T; 4], q: [T; 4]) -> [T; 4] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [f(p0, q0), f(p1, q1), f(p2, q2), f(p3, q3)]
}

/// y = a & b
#[kernel]
pub fn bitwise_and<T: Logical>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_bits(a, b, y, n, math::and);
}

/// y = a | b
#[kernel]
pub fn bitwise_or<T: Logical>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_bits(a, b, y, n, math::or);
}

/// y = a ^ b
#[kernel]
pub fn bitwise_xor<T: Logical>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_bits(a, b, y, n, math::xor);
}

/// y = !x (every bit flipped; logical not of a bool)
#[kernel]
pub fn bitwise_not<T: Logical>(x: &[T], y: &mut [T], n: u32) {
    map_bits(x, x, y, n, math::not);
}

/// y = a << b, 0 where b is below 0 or at least the bit width
#[kernel]
pub fn bitwise_left_shift<T: Int>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_bits(a, b, y, n, math::shl);
}

/// y = a >> b (arithmetic for signed types), the sign fill where b is out of range
#[kernel]
pub fn bitwise_right_shift<T: Int>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_bits(a, b, y, n, math::shr);
}
