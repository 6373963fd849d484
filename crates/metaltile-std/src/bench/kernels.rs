//! The bench's own kernels: a copy that measures the device's copy bandwidth in the same run
//! as the library's kernels, a read that evicts the cache between timed runs, and a fill.

use metaltile::prelude::*;

/// Elements each thread of [`bench_copy`] moves (the elementwise skeleton's).
pub const COPY_PER_THREAD: u32 = crate::kernels::elementwise::PER_THREAD;

/// The copy as an elementwise op: f32 to f32, so no conversion is emitted.
#[helper]
fn same(v: f32) -> f32 {
    v
}

/// `y[i] = x[i]` for `i < n`, through the same skeleton (access layout, vector width, tail)
/// as every elementwise kernel: the yardstick the other kernels' GB/s are read against, so it
/// must move bytes the way the best of them do. Launched over `n.div_ceil(COPY_PER_THREAD)`
/// threads.
#[kernel]
pub fn bench_copy(x: &[f32], y: &mut [f32], n: u32) {
    crate::kernels::elementwise::map_unary(x, y, n, same);
}

/// Reads `buf[i]` for `i < n` (storing only a value equal to `never`, which the caller makes
/// sure is absent, so the loads cannot be dropped): run over a buffer larger than the cache
/// between timed runs, so a kernel whose data would fit in the cache is timed reading from
/// memory, as in a model. A read leaves the cache full of clean lines; a write would leave
/// dirty ones that the timed kernel then pays to write back.
#[kernel]
pub fn bench_flush(buf: &[u32], sink: &mut [u32], n: u32, never: u32) {
    let i = global_id().x;
    if i < n {
        let v = buf[i];
        if v == never {
            sink[0] = v;
        }
    }
}

/// `buf[i] = value` for `i < n`.
#[kernel]
pub fn bench_fill(buf: &mut [u32], n: u32, value: u32) {
    let i = global_id().x;
    if i < n {
        buf[i] = value;
    }
}
