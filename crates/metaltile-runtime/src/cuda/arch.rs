//! What NVRTC compiles for: machine code for the device's own architecture when this NVRTC
//! knows it (loads without a JIT step and needs no driver newer than NVRTC), else PTX for the
//! newest architecture it knows below the device's, which the driver compiles at load time.

use std::fmt;

/// A compilation target, by architecture number (`major * 10 + minor`: 90 for sm_90, 120 for
/// sm_120).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeTarget {
    /// A cubin for exactly this architecture (`--gpu-architecture=sm_XY`).
    Cubin(u32),
    /// PTX for this virtual architecture (`--gpu-architecture=compute_XY`).
    Ptx(u32),
}

impl CodeTarget {
    /// The NVRTC option that selects this target.
    pub(crate) fn flag(self) -> String {
        match self {
            CodeTarget::Cubin(a) => format!("--gpu-architecture=sm_{a}"),
            CodeTarget::Ptx(a) => format!("--gpu-architecture=compute_{a}"),
        }
    }
}

impl fmt::Display for CodeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeTarget::Cubin(a) => write!(f, "sm_{a}"),
            CodeTarget::Ptx(a) => write!(f, "compute_{a} PTX"),
        }
    }
}

/// The architecture number of a compute capability.
pub(crate) fn arch_number(major: i32, minor: i32) -> u32 {
    (major.max(0) as u32) * 10 + minor.max(0) as u32
}

/// The target for a device of architecture `device`, given the architectures this NVRTC
/// supports (empty when it could not say, in which case the device's own is tried). `None`
/// when every supported architecture is newer than the device.
pub(crate) fn choose(device: u32, supported: &[u32]) -> Option<CodeTarget> {
    if supported.is_empty() || supported.contains(&device) {
        return Some(CodeTarget::Cubin(device));
    }
    supported.iter().copied().filter(|&a| a <= device).max().map(CodeTarget::Ptx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_capability_to_number() {
        assert_eq!(arch_number(9, 0), 90);
        assert_eq!(arch_number(8, 9), 89);
        assert_eq!(arch_number(12, 0), 120);
    }

    #[test]
    fn a_supported_device_gets_its_own_cubin() {
        assert_eq!(choose(90, &[75, 80, 86, 89, 90, 100, 120]), Some(CodeTarget::Cubin(90)));
        assert_eq!(CodeTarget::Cubin(90).flag(), "--gpu-architecture=sm_90");
    }

    #[test]
    fn a_device_newer_than_nvrtc_gets_ptx_of_the_newest_older_arch() {
        let t = choose(121, &[75, 80, 90, 100, 120]);
        assert_eq!(t, Some(CodeTarget::Ptx(120)));
        assert_eq!(t.unwrap().flag(), "--gpu-architecture=compute_120");
    }

    #[test]
    fn a_device_older_than_every_supported_arch_has_no_target() {
        assert_eq!(choose(61, &[75, 80, 90]), None);
    }

    #[test]
    fn an_unknown_supported_list_tries_the_device_arch() {
        assert_eq!(choose(90, &[]), Some(CodeTarget::Cubin(90)));
    }
}
