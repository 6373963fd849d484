//! Launch geometry and its validation, shared by every backend.

use crate::error::{IrError, IrResult};
use crate::kernel::Kernel;

/// Most threads one threadgroup may have on every target.
pub const MAX_THREADS_PER_GROUP: u32 = 1024;
/// Lanes per simdgroup (warp) on every target.
pub const SIMD_WIDTH: u32 = 32;
/// Threadgroup memory one threadgroup may declare on every target (Metal's 32 KiB).
pub const MAX_THREADGROUP_MEMORY: usize = 32 * 1024;

/// How many threadgroups run and how many threads each has, per axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Geometry {
    /// Threadgroups per grid.
    pub groups: [u32; 3],
    /// Threads per threadgroup.
    pub group_size: [u32; 3],
}

impl Geometry {
    /// A 1-D launch of `groups` threadgroups of `group_size` threads.
    pub fn linear(groups: u32, group_size: u32) -> Geometry {
        Geometry { groups: [groups, 1, 1], group_size: [group_size, 1, 1] }
    }
    /// Enough threadgroups of `group_size` threads to cover `threads` threads (at least one).
    pub fn cover(threads: u64, group_size: u32) -> Geometry {
        let g = threads.div_ceil(group_size.max(1) as u64).max(1);
        Geometry::linear(g.min(u32::MAX as u64) as u32, group_size)
    }
    pub fn threads_per_group(&self) -> u32 {
        self.group_size.iter().product()
    }
    pub fn total_groups(&self) -> u64 {
        self.groups.iter().map(|&g| g as u64).product()
    }

    /// Check the geometry against the kernel and the limits every target shares.
    pub fn validate(&self, k: &Kernel) -> IrResult<()> {
        let bad = |m: String| Err(IrError::Invalid(format!("launch of `{}`: {m}", k.name)));
        if self.groups.contains(&0) || self.group_size.contains(&0) {
            return bad(format!("empty grid {:?} x threadgroup {:?}", self.groups, self.group_size));
        }
        let t = self.group_size.iter().map(|&x| x as u64).product::<u64>();
        if t > MAX_THREADS_PER_GROUP as u64 {
            return bad(format!("threadgroup of {t} threads exceeds {MAX_THREADS_PER_GROUP}"));
        }
        if k.uses_simd_collectives() && t % SIMD_WIDTH as u64 != 0 {
            return bad(format!("the kernel uses simdgroup collectives, so its threadgroup size must be a multiple of {SIMD_WIDTH}, not {t}"));
        }
        if self.total_groups().checked_mul(t).is_none_or(|n| n > u32::MAX as u64) {
            return bad("more than 2^32 threads in the grid".into());
        }
        let tg = k.threadgroup_memory_bytes();
        if tg > MAX_THREADGROUP_MEMORY {
            return bad(format!("{tg} bytes of threadgroup memory exceed {MAX_THREADGROUP_MEMORY}"));
        }
        Ok(())
    }
}
