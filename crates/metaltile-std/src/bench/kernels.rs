//! The bench's own kernels: a copy that measures the device's copy bandwidth in the same run
//! as the library's kernels, and a fill that evicts the cache between timed runs.

use metaltile::prelude::*;

/// Elements each thread of [`bench_copy`] moves: four 16-byte vectors, all loads issued before
/// the first store, so enough bytes are in flight to reach the memory's bandwidth.
pub const COPY_PER_THREAD: u32 = 16;

/// `y[i] = x[i]` for `i < n`, [`COPY_PER_THREAD`] consecutive elements per thread; the thread
/// whose elements run past `n` copies its few one by one. The simplest kernel that moves
/// bytes as fast as the device can: the yardstick every other kernel's GB/s is read against.
/// Launched over `n.div_ceil(COPY_PER_THREAD)` threads.
#[kernel]
pub fn bench_copy(x: &[f32], y: &mut [f32], n: u32) {
    let base = global_id().x * 16;
    // Threads past the last element do nothing (`base` itself could wrap around u32).
    if global_id().x < n / 16 + ((n % 16 != 0) as u32) {
        if n - base >= 16 {
            let a = load4(&x, base);
            let b = load4(&x, base + 4);
            let c = load4(&x, base + 8);
            let d = load4(&x, base + 12);
            store4(&y, base, a);
            store4(&y, base + 4, b);
            store4(&y, base + 8, c);
            store4(&y, base + 12, d);
        } else {
            for i in base..n {
                y[i] = x[i];
            }
        }
    }
}

/// `buf[i] = value`: written over a buffer larger than the cache between timed runs, so a
/// kernel whose data would fit in the cache is timed reading from memory, as in a model.
#[kernel]
pub fn bench_fill(buf: &mut [u32], n: u32, value: u32) {
    let i = global_id().x;
    if i < n {
        buf[i] = value;
    }
}
