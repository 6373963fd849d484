//! The kernel language means what Rust means. Each kernel here is a per-thread program whose
//! logic is written a second time as a plain Rust function; the kernel runs on the reference
//! interpreter and both are compared over many inputs. Integer overflow wraps (Rust's
//! `wrapping_*`, which is also what release builds do), so the references use wrapping ops.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metaltile::ir::{ConstArgs, Constant, DType, Geometry, Kernel};
use metaltile::prelude::*;
use metaltile_interp::{run, Arg, InterpError, Options};

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

/// Element types the tests move through buffers.
trait Elem: Copy + PartialEq + std::fmt::Debug {
    fn to_le(self, out: &mut Vec<u8>);
    fn from_le(b: &[u8]) -> Self;
    /// Bit-exact equality (NaN equals NaN with the same bits).
    fn same(self, other: Self) -> bool;
}

macro_rules! elem {
    ($($t:ty),*) => { $(
        impl Elem for $t {
            fn to_le(self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_le_bytes()); }
            fn from_le(b: &[u8]) -> Self { <$t>::from_le_bytes(b.try_into().unwrap()) }
            fn same(self, other: Self) -> bool { self.to_le_bytes() == other.to_le_bytes() }
        }
    )* };
}
elem!(i8, u8, i16, u16, i32, u32, i64, u64, f32);

impl Elem for bool {
    fn to_le(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    fn from_le(b: &[u8]) -> Self {
        b[0] != 0
    }
    fn same(self, other: Self) -> bool {
        self == other
    }
}

const GROUP: u32 = 64;

/// Run a kernel `(x: &[A], y: &mut [B], n: u32)` with one thread per element of `x`.
fn launch<A: Elem, B: Elem>(k: &Kernel, x: &[A], n: u32) -> Result<Vec<B>, InterpError> {
    assert_eq!(x.len() % GROUP as usize, 0);
    let mut xb = vec![];
    for v in x {
        v.to_le(&mut xb);
    }
    let size = std::mem::size_of::<B>();
    let mut yb = vec![0u8; x.len() * size];
    let geo = Geometry::linear(x.len() as u32 / GROUP, GROUP);
    run(k, &geo, &mut [Arg::Input(&xb), Arg::Output(&mut yb), Arg::Scalar(Constant::u32(n))], &Options::default())?;
    Ok(yb.chunks(size).map(B::from_le).collect())
}

/// Compare the kernel with the reference on every input.
fn check<A: Elem, B: Elem>(k: &Kernel, x: &[A], n: u32, reference: impl Fn(A, u32) -> B) {
    let got: Vec<B> = launch(k, x, n).unwrap_or_else(|e| panic!("{}: {e}", k.name));
    for (i, (&v, g)) in x.iter().zip(got).enumerate() {
        let want = reference(v, n);
        assert!(g.same(want), "{}: input #{i} = {v:?}: kernel gave {g:?}, Rust gives {want:?}", k.name);
    }
}

/// Deterministic inputs: edge values first, then a xorshift sequence; a multiple of GROUP long.
fn inputs_i64(count: usize) -> Vec<i64> {
    let mut v: Vec<i64> =
        vec![0, 1, -1, 2, -2, 3, 7, -7, 100, -100, i64::MAX, i64::MIN, i32::MAX as i64, i32::MIN as i64];
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    while v.len() < count {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        // Mix magnitudes: small values exercise loops, large ones wrapping.
        let r = match v.len() % 4 {
            0 => (s as i64) % 40,
            1 => (s as i64) % 2000,
            _ => s as i64,
        };
        v.push(r);
    }
    v
}

fn inputs<T: TryFrom<i64> + Copy>(count: usize, wrap: impl Fn(i64) -> T) -> Vec<T> {
    inputs_i64(count).into_iter().map(wrap).collect()
}

fn ir(def: metaltile::ir::KernelDef, d: Option<DType>) -> Kernel {
    def.ir(d, &ConstArgs::new()).unwrap()
}

// ---------------------------------------------------------------------------------------
// Compound assignment of every operator, on variables and on memory, for every integer type
// ---------------------------------------------------------------------------------------

#[kernel]
fn compound<T: Int>(x: &[T], y: &mut [T], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let mut a = v;
    a += 7;
    a -= v >> 3;
    a *= 3;
    let d = (v & 15) + 1;
    a /= d;
    a %= d + 2;
    a &= v | 0x3c;
    a |= v ^ 0x55;
    a ^= 0x2a;
    a <<= v & 7;
    a >>= (v >> 2) & 3;
    a += a;
    y[i] = a;
    y[i] += v;
    y[i] -= 3;
    y[i] *= d;
    y[i] /= d;
    y[i] %= 100;
    y[i] &= 0x7f;
    y[i] |= 0x11;
    y[i] ^= v;
    y[i] <<= 1;
    y[i] >>= 1;
}

macro_rules! compound_reference {
    ($name:ident, $t:ty) => {
        fn $name(v: $t, _n: u32) -> $t {
            let mut a = v;
            a = a.wrapping_add(7);
            a = a.wrapping_sub(v >> 3);
            a = a.wrapping_mul(3);
            let d = (v & 15) + 1;
            a = a.wrapping_div(d);
            a = a.wrapping_rem(d + 2);
            a &= v | 0x3c;
            a |= v ^ 0x55;
            a ^= 0x2a;
            a = a.wrapping_shl((v & 7) as u32);
            a = a.wrapping_shr(((v >> 2) & 3) as u32);
            a = a.wrapping_add(a);
            let mut y = a;
            y = y.wrapping_add(v);
            y = y.wrapping_sub(3);
            y = y.wrapping_mul(d);
            y = y.wrapping_div(d);
            y = y.wrapping_rem(100);
            y &= 0x7f;
            y |= 0x11;
            y ^= v;
            y = y.wrapping_shl(1);
            y = y.wrapping_shr(1);
            y
        }
    };
}
compound_reference!(compound_i8, i8);
compound_reference!(compound_u8, u8);
compound_reference!(compound_i16, i16);
compound_reference!(compound_u16, u16);
compound_reference!(compound_i32, i32);
compound_reference!(compound_u32, u32);
compound_reference!(compound_i64, i64);
compound_reference!(compound_u64, u64);

#[test]
fn compound_assignment_matches_rust_for_every_integer_type() {
    let n = 0;
    check(&ir(compound::DEF, Some(DType::I8)), &inputs(512, |v| v as i8), n, compound_i8);
    check(&ir(compound::DEF, Some(DType::U8)), &inputs(512, |v| v as u8), n, compound_u8);
    check(&ir(compound::DEF, Some(DType::I16)), &inputs(512, |v| v as i16), n, compound_i16);
    check(&ir(compound::DEF, Some(DType::U16)), &inputs(512, |v| v as u16), n, compound_u16);
    check(&ir(compound::DEF, Some(DType::I32)), &inputs(512, |v| v as i32), n, compound_i32);
    check(&ir(compound::DEF, Some(DType::U32)), &inputs(512, |v| v as u32), n, compound_u32);
    check(&ir(compound::DEF, Some(DType::I64)), &inputs(512, |v| v), n, compound_i64);
    check(&ir(compound::DEF, Some(DType::U64)), &inputs(512, |v| v as u64), n, compound_u64);
}

/// Rust evaluates the right side of `a op= b` before reading `a` (for numbers), so an
/// assignment inside the right side is seen by the read.
#[kernel]
fn compound_order(x: &[i32], y: &mut [i32], _n: u32) {
    let i = global_id().x;
    let mut a = x[i];
    a += {
        a = 5;
        1
    };
    let mut b = x[i];
    b = b * 2 + {
        b = 100;
        b
    };
    let p = private_array::<i32>(2);
    p[0] = 10;
    p[1] = 20;
    let mut j = 0u32;
    p[j] += {
        j = 1;
        5
    };
    y[i] = a + b + p[0] * 1000 + p[1];
}

#[test]
#[allow(unused_assignments)]
fn compound_assignment_evaluates_the_value_first() {
    let x = inputs(128, |v| v as i32);
    check(&ir(compound_order::DEF, None), &x, 0, |v: i32, _| {
        let mut a = v;
        a += {
            a = 5;
            1
        };
        let mut b = v;
        b = b.wrapping_mul(2).wrapping_add({
            b = 100;
            b
        });
        let mut p = [10, 20];
        let mut j = 0;
        p[j] += {
            j = 1;
            5
        };
        a.wrapping_add(b).wrapping_add(p[0] * 1000 + p[1])
    });
}

// ---------------------------------------------------------------------------------------
// `!` on bool and integers, comparisons, `&&` / `||`
// ---------------------------------------------------------------------------------------

#[kernel]
fn not_ops(x: &[i32], y: &mut [i32], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let b = v > 0;
    let nb = !b;
    let mut r = !v;
    if !nb {
        r ^= 1;
    }
    if !(v == 3) && !nb {
        r += 100;
    }
    let u = !(v as u32);
    let t = !(nb || v < -5);
    let mut flags = !b;
    flags ^= v % 2 == 0;
    flags |= !(v != 7);
    flags &= !(v >= 1000);
    y[i] = r + (u >> 28) as i32 + (t as i32) * 10 + (flags as i32) * 1000 + (!!b as i32) * 10000;
}

fn not_ops_ref(v: i32, _n: u32) -> i32 {
    let b = v > 0;
    let nb = !b;
    let mut r = !v;
    if !nb {
        r ^= 1;
    }
    if v != 3 && !nb {
        r = r.wrapping_add(100);
    }
    let u = !(v as u32);
    let t = !(nb || v < -5);
    let mut flags = !b;
    flags ^= v % 2 == 0;
    flags |= v == 7;
    flags &= v < 1000;
    r.wrapping_add((u >> 28) as i32).wrapping_add(t as i32 * 10).wrapping_add(flags as i32 * 1000) + (b as i32) * 10000
}

#[test]
fn not_and_logic_match_rust() {
    check(&ir(not_ops::DEF, None), &inputs(512, |v| v as i32), 0, not_ops_ref);
}

/// `&&` and `||` do not evaluate their right side when the left decides: here the right
/// side reads out of bounds exactly when the left side decides.
#[kernel]
fn short_circuit(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    let j = (x[i] & 255) as u32;
    let a = j < n && x[j] > 0;
    let b = j >= n || x[j] < 0;
    y[i] = (a as i32) * 2 + (b as i32);
}

#[test]
fn logical_operators_short_circuit() {
    let x = inputs(128, |v| v as i32);
    let n = x.len() as u32;
    let xs = x.clone();
    check(&ir(short_circuit::DEF, None), &x, n, move |v: i32, n| {
        let j = (v & 255) as u32;
        let a = j < n && xs[j as usize] > 0;
        let b = j >= n || xs[j as usize] < 0;
        (a as i32) * 2 + (b as i32)
    });
}

// ---------------------------------------------------------------------------------------
// Loops: while, loop, for with steps and inclusive ends, break, continue
// ---------------------------------------------------------------------------------------

#[kernel]
fn loops(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    let v = x[i];
    let mut acc = 0;
    let mut k = v & 255;
    let mut steps = 0;
    while k != 1 && steps < 60 {
        if k % 2 == 0 {
            k /= 2;
        } else {
            k = 3 * k + 1;
        }
        steps += 1;
        if k == 0 {
            break;
        }
    }
    acc += steps;
    for j in 0..n {
        if j % 3 == 0 {
            continue;
        }
        if j as i32 > (v & 15) {
            break;
        }
        acc += j as i32;
    }
    let mut m = 0;
    loop {
        m += 1;
        if m * m > (v & 1023) {
            break;
        }
    }
    acc += m * 1000;
    for j in (3..=n).step_by(4) {
        acc ^= j as i32;
    }
    for _j in (v & 7)..(v & 3) {
        acc += 1000000;
    }
    for j in (v & 3)..=(v & 7) {
        acc += j * 100000;
    }
    let mut w = 0;
    let mut s = 0;
    while w < (v & 31) {
        w += 1;
        if w % 3 == 0 {
            continue;
        }
        s += w;
    }
    acc += s * 7;
    y[i] = acc;
}

fn loops_ref(v: i32, n: u32) -> i32 {
    let mut acc = 0i32;
    let mut k = v & 255;
    let mut steps = 0;
    while k != 1 && steps < 60 {
        if k % 2 == 0 {
            k /= 2;
        } else {
            k = 3 * k + 1;
        }
        steps += 1;
        if k == 0 {
            break;
        }
    }
    acc += steps;
    for j in 0..n {
        if j % 3 == 0 {
            continue;
        }
        if j as i32 > (v & 15) {
            break;
        }
        acc += j as i32;
    }
    let mut m = 0;
    loop {
        m += 1;
        if m * m > (v & 1023) {
            break;
        }
    }
    acc += m * 1000;
    for j in (3..=n).step_by(4) {
        acc ^= j as i32;
    }
    for _j in (v & 7)..(v & 3) {
        acc += 1000000;
    }
    for j in (v & 3)..=(v & 7) {
        acc += j * 100000;
    }
    let mut w = 0;
    let mut s = 0;
    while w < (v & 31) {
        w += 1;
        if w % 3 == 0 {
            continue;
        }
        s += w;
    }
    acc + s * 7
}

#[test]
fn loops_break_and_continue_match_rust() {
    let x = inputs(512, |v| v as i32);
    for n in [0, 1, 6, 19, 20] {
        check(&ir(loops::DEF, None), &x, n, loops_ref);
    }
}

/// `break` and `continue` act on the innermost loop only.
#[kernel]
fn nested_loops(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    let v = x[i] & 63;
    let mut acc = 0;
    for a in 0..n {
        let mut b = 0u32;
        while b < n {
            b += 1;
            if b == a {
                continue;
            }
            if (a * b) as i32 > v {
                break;
            }
            acc += (a * 31 + b) as i32;
        }
        if a as i32 * 4 > v {
            break;
        }
    }
    y[i] = acc;
}

fn nested_loops_ref(v: i32, n: u32) -> i32 {
    let v = v & 63;
    let mut acc = 0;
    for a in 0..n {
        let mut b = 0u32;
        while b < n {
            b += 1;
            if b == a {
                continue;
            }
            if (a * b) as i32 > v {
                break;
            }
            acc += (a * 31 + b) as i32;
        }
        if a as i32 * 4 > v {
            break;
        }
    }
    acc
}

#[test]
fn nested_break_and_continue_act_on_the_innermost_loop() {
    let x = inputs(256, |v| v as i32);
    for n in [0, 3, 9] {
        check(&ir(nested_loops::DEF, None), &x, n, nested_loops_ref);
    }
}

// ---------------------------------------------------------------------------------------
// Early return
// ---------------------------------------------------------------------------------------

#[kernel]
fn early_return(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    let v = x[i];
    y[i] = -1;
    if v < 0 {
        return;
    }
    for j in 0..n {
        if (j as i32) * 7 > v {
            y[i] = j as i32;
            return;
        }
    }
    let mut k = 0i32;
    loop {
        k += 1;
        if k > 3 {
            y[i] = -2;
            return;
        }
    }
}

fn early_return_ref(v: i32, n: u32) -> i32 {
    if v < 0 {
        return -1;
    }
    for j in 0..n {
        if (j as i32).wrapping_mul(7) > v {
            return j as i32;
        }
    }
    -2
}

#[test]
fn early_return_stops_the_thread() {
    let x = inputs(512, |v| (v % 300) as i32);
    for n in [0, 5, 50] {
        check(&ir(early_return::DEF, None), &x, n, early_return_ref);
    }
}

// ---------------------------------------------------------------------------------------
// if / else if / else as statements and expressions; shadowing; casts; constants
// ---------------------------------------------------------------------------------------

#[kernel]
fn branches(x: &[i32], y: &mut [i32], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let c = if v < -100 {
        1
    } else if v < 0 {
        2
    } else if v == 0 {
        3
    } else {
        4
    };
    let d = if v > 5 {
        if v > 50 {
            v - 50
        } else {
            v
        }
    } else {
        -v
    };
    let mut e = 0;
    if v % 3 == 0 {
        e = 1;
    } else if v % 3 == 1 {
        e = 2;
    }
    let a = 10;
    let mut s = a;
    {
        let a = 1000;
        s += a;
    }
    let mut s2 = s;
    let s = s + 1;
    s2 += s;
    let f = if v & 1 == 0 {
        let t = v / 2;
        t + 1
    } else {
        v * 3
    };
    y[i] = c + d * 10 + e * 1000 + s2 + f;
}

fn branches_ref(v: i32, _n: u32) -> i32 {
    let c: i32 = if v < -100 {
        1
    } else if v < 0 {
        2
    } else if v == 0 {
        3
    } else {
        4
    };
    let d = if v > 5 {
        if v > 50 {
            v - 50
        } else {
            v
        }
    } else {
        v.wrapping_neg()
    };
    let mut e = 0;
    if v % 3 == 0 {
        e = 1;
    } else if v % 3 == 1 {
        e = 2;
    }
    let s2 = (10 + 1000) * 2 + 1;
    let f = if v & 1 == 0 { v / 2 + 1 } else { v.wrapping_mul(3) };
    c.wrapping_add(d.wrapping_mul(10)).wrapping_add(e * 1000).wrapping_add(s2).wrapping_add(f)
}

#[test]
fn branches_and_shadowing_match_rust() {
    check(&ir(branches::DEF, None), &inputs(512, |v| v as i32), 0, branches_ref);
}

/// Inside an `if` expression a branch may leave with `continue` / `break` / `return`.
#[kernel]
fn diverging_branches(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    let v = x[i];
    let mut acc = 0;
    for j in 0..n {
        let t = if (j as i32) < (v & 7) {
            j as i32
        } else if j == 5 {
            break;
        } else {
            continue;
        };
        acc += t;
    }
    let r = if v > 1000 {
        y[i] = -5;
        return;
    } else {
        acc
    };
    y[i] = r;
}

fn diverging_branches_ref(v: i32, n: u32) -> i32 {
    let mut acc = 0;
    for j in 0..n {
        let t = if (j as i32) < (v & 7) {
            j as i32
        } else if j == 5 {
            break;
        } else {
            continue;
        };
        acc += t;
    }
    if v > 1000 {
        return -5;
    }
    acc
}

#[test]
fn diverging_branches_in_if_expressions() {
    let x = inputs(256, |v| (v % 2000) as i32);
    for n in [0, 4, 12] {
        check(&ir(diverging_branches::DEF, None), &x, n, diverging_branches_ref);
    }
}

#[kernel]
fn casts(x: &[i32], y: &mut [i64], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let f = v as f32;
    let h = (f * 0.5) as i32;
    let big = (f * 1.0e6) as i16;
    let b = v > 0;
    let m = -1 as u32;
    let q = 2.5 as u8;
    let w = 1.0e10 as i32;
    let r = (v as u8) as i64
        + (v as i16) as i64 * 3
        + h as i64 * 5
        + big as i64 * 7
        + (b as u8) as i64 * 11
        + (m >> 28) as i64 * 13
        + q as i64 * 17
        + w as i64
        + (v as u64 >> 40) as i64
        + (v as u32) as i64;
    y[i] = r;
}

fn casts_ref(v: i32, _n: u32) -> i64 {
    let f = v as f32;
    let h = (f * 0.5) as i32;
    let big = (f * 1.0e6) as i16;
    let b = v > 0;
    let m = -1i32 as u32;
    let q = 2.5f64 as u8;
    let w = 1.0e10f64 as i32;
    ((v as u8) as i64)
        .wrapping_add((v as i16) as i64 * 3)
        .wrapping_add(h as i64 * 5)
        .wrapping_add(big as i64 * 7)
        .wrapping_add((b as u8) as i64 * 11)
        .wrapping_add((m >> 28) as i64 * 13)
        .wrapping_add(q as i64 * 17)
        .wrapping_add(w as i64)
        .wrapping_add((v as u64 >> 40) as i64)
        .wrapping_add((v as u32) as i64)
}

#[test]
fn casts_follow_rust_as() {
    check(&ir(casts::DEF, None), &inputs(512, |v| v as i32), 0, casts_ref);
}

#[kernel]
fn constants(x: &[f32], y: &mut [f32], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let mut a = v;
    a *= 0.5;
    a += 1.0;
    a -= v;
    a /= 3.0;
    a %= 2.0;
    let m = a.max(f32::NEG_INFINITY).min(f32::INFINITY);
    let clamped = if v > f32::MAX {
        f32::MAX
    } else if v < f32::MIN {
        f32::MIN
    } else {
        m
    };
    let e = if v.is_nan() { f32::NAN } else { clamped + f32::EPSILON * f32::MIN_POSITIVE };
    y[i] = e;
}

// max/min keep the kernel's NaN behavior (IEEE maxNum), which clamp does not.
#[allow(clippy::manual_clamp)]
fn constants_ref(v: f32, _n: u32) -> f32 {
    let mut a = v;
    a *= 0.5;
    a += 1.0;
    a -= v;
    a /= 3.0;
    a %= 2.0;
    let m = a.max(f32::NEG_INFINITY).min(f32::INFINITY);
    let clamped = if v > f32::MAX {
        f32::MAX
    } else if v < f32::MIN {
        f32::MIN
    } else {
        m
    };
    if v.is_nan() {
        f32::NAN
    } else {
        clamped + f32::EPSILON * f32::MIN_POSITIVE
    }
}

#[test]
fn float_compound_assignment_and_constants_match_rust() {
    let mut x: Vec<f32> = inputs_i64(512).into_iter().map(|v| (v as f32) * 1.0e-3).collect();
    x[0] = f32::INFINITY;
    x[1] = f32::NEG_INFINITY;
    x[2] = f32::NAN;
    x[3] = -0.0;
    x[4] = f32::MAX;
    x[5] = f32::MIN_POSITIVE / 2.0;
    check(&ir(constants::DEF, None), &x, 0, constants_ref);
}

#[kernel]
fn int_constants(x: &[i32], y: &mut [i32], _n: u32) {
    let i = global_id().x;
    let v = x[i];
    let a = if v > 0 { i32::MAX - v } else { i32::MIN - v };
    let b = (u8::MAX as i32) + (i8::MIN as i32) * 2 + (u16::MAX as i32) * 3;
    y[i] = a ^ b;
}

#[test]
fn integer_constants_match_rust() {
    check(&ir(int_constants::DEF, None), &inputs(256, |v| v as i32), 0, |v: i32, _| {
        let a = if v > 0 { i32::MAX - v } else { i32::MIN.wrapping_sub(v) };
        let b = (u8::MAX as i32) + (i8::MIN as i32) * 2 + (u16::MAX as i32) * 3;
        a ^ b
    });
}

// ---------------------------------------------------------------------------------------
// Helpers and mutable parameters
// ---------------------------------------------------------------------------------------

#[helper]
fn bump(mut v: i32, times: u32) -> i32 {
    for _ in 0..times {
        v += 3;
        if v > 50 {
            break;
        }
    }
    v
}

#[helper]
fn add_to(m: &mut [i32], i: u32, v: i32) {
    m[i] += v;
}

#[kernel]
fn helpers(x: &[i32], y: &mut [i32], mut n: u32) {
    let i = global_id().x;
    n += 1;
    let b = bump(x[i], n);
    y[i] = b;
    add_to(y, i, 1000);
    let scratch = private_array::<i32>(4);
    scratch[0] = 7;
    add_to(scratch, 0, b);
    y[i] += scratch[0];
}

fn helpers_ref(v: i32, n: u32) -> i32 {
    let mut b = v;
    for _ in 0..n + 1 {
        b = b.wrapping_add(3);
        if b > 50 {
            break;
        }
    }
    b.wrapping_add(1000).wrapping_add(7).wrapping_add(b)
}

#[test]
fn helpers_and_mutable_parameters_match_rust() {
    let x = inputs(256, |v| (v % 100) as i32);
    for n in [0, 2, 30] {
        check(&ir(helpers::DEF, None), &x, n, helpers_ref);
    }
}

/// The interpreter reports what Rust would have panicked on.
#[test]
fn out_of_range_inferred_literal_is_a_trace_error() {
    #[kernel]
    fn wraps(x: &[u8], y: &mut [u8], _n: u32) {
        let i = global_id().x;
        y[i] = x[i] + 300;
    }
    let e = wraps::ir(None, &ConstArgs::new()).unwrap_err();
    assert!(e.to_string().contains("300 does not fit in u8"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Eight-lane vector accesses
// ---------------------------------------------------------------------------------------

#[kernel]
fn reverse_eights(x: &[u16], y: &mut [u16], n: u32) {
    let base = global_id().x * 8;
    if base < n {
        let [a, b, c, d, e, f, g, h] = load8(&x, base);
        store8(&y, base, [h, g, f, e, d, c, b, a]);
    }
}

#[test]
fn eight_lane_loads_and_stores_move_eight_consecutive_elements() {
    let x = inputs(512, |v| v as u16);
    let n = x.len() as u32;
    let got: Vec<u16> = launch(&ir(reverse_eights::DEF, None), &x, n).unwrap();
    let want: Vec<u16> = (0..x.len()).map(|i| x[i / 8 * 8 + 7 - i % 8]).collect();
    assert_eq!(got, want);
}

#[kernel]
fn misaligned_eight(x: &[u16], y: &mut [u16], n: u32) {
    let base = global_id().x * 8 + 4;
    if base + 8 <= n {
        let [a, b, c, d, e, f, g, h] = load8(&x, base);
        store8(&y, base, [h, g, f, e, d, c, b, a]);
    }
}

#[test]
fn a_misaligned_eight_lane_load_is_an_error() {
    let x = inputs(256, |v| v as u16);
    let e = launch::<u16, u16>(&ir(misaligned_eight::DEF, None), &x, 256).unwrap_err();
    assert!(e.to_string().contains("misaligned 8-wide"), "{e}");
}

#[test]
fn eight_lanes_of_a_64_bit_type_are_a_trace_error() {
    #[kernel]
    fn wide_i64(x: &[i64], y: &mut [i64], _n: u32) {
        let base = global_id().x * 8;
        let [a, b, c, d, e, f, g, h] = load8(&x, base);
        store8(&y, base, [h, g, f, e, d, c, b, a]);
    }
    let e = wide_i64::ir(None, &ConstArgs::new()).unwrap_err();
    assert!(e.to_string().contains("8-lane vectors are of types of at most 4 bytes, not i64"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Vectors of bool: four lanes, one 4-byte access
// ---------------------------------------------------------------------------------------

#[kernel]
fn odd_fours(x: &[i32], y: &mut [bool], n: u32) {
    let base = global_id().x * 4;
    if base < n {
        let [a, b, c, d] = load4(&x, base);
        store4(&y, base, [d % 2 != 0, c % 2 != 0, b % 2 != 0, a % 2 != 0]);
    }
}

#[test]
fn four_bools_are_stored_in_one_access() {
    let x = inputs(512, |v| v as i32);
    let n = x.len() as u32;
    let got: Vec<bool> = launch(&ir(odd_fours::DEF, None), &x, n).unwrap();
    let want: Vec<bool> = (0..x.len()).map(|i| x[i / 4 * 4 + 3 - i % 4] % 2 != 0).collect();
    assert_eq!(got, want);
}

#[test]
fn two_lanes_of_bool_are_a_trace_error() {
    #[kernel]
    fn odd_twos(x: &[i32], y: &mut [bool], _n: u32) {
        let base = global_id().x * 2;
        let [a, b] = load2(&x, base);
        store2(&y, base, [a % 2 != 0, b % 2 != 0]);
    }
    let e = odd_twos::ir(None, &ConstArgs::new()).unwrap_err();
    assert!(e.to_string().contains("vectors of bool have 4 lanes"), "{e}");
}
