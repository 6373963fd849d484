//! The languages the emitters write.

use std::fmt;
use std::str::FromStr;

/// A code generation target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Metal Shading Language 3.1 (Apple GPUs).
    Msl,
    /// CUDA C++ for NVRTC, sm_80 and newer.
    Cuda,
}

impl Target {
    /// Every target, in a fixed order.
    pub const ALL: [Target; 2] = [Target::Msl, Target::Cuda];

    /// The name used on the command line and in messages (`msl`, `cuda`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Msl => "msl",
            Target::Cuda => "cuda",
        }
    }

    /// The usual file extension of a source file for this target.
    pub fn file_extension(self) -> &'static str {
        match self {
            Target::Msl => "metal",
            Target::Cuda => "cu",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown target name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown target `{0}` (expected `msl` or `cuda`)")]
pub struct UnknownTarget(pub String);

impl FromStr for Target {
    type Err = UnknownTarget;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL.iter().copied().find(|t| t.name() == s).ok_or_else(|| UnknownTarget(s.to_string()))
    }
}
