//! Checks a plan makes after its launches: kernels that meet bad input they cannot compute
//! with (an index out of range) skip it, so nothing is read or written out of bounds, and
//! record the first one in a small flag buffer; the guard reads the flag back and turns it into
//! an error naming the op, the input and the offending value.

use crate::plan::Launch;
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Words of a flag buffer: `[claimed, value low word, value high word, position, bound]`.
pub const FLAG_WORDS: usize = 5;

/// What a flag records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// An index outside `[0, bound)`.
    IndexRange,
    /// The mask of masked_scatter selects more elements than `src` holds (`bound`).
    SourceTooShort,
}

/// A flag the kernels of a plan set, and how to read it.
#[derive(Clone, Debug)]
pub struct Guard {
    /// The op's name.
    pub op: &'static str,
    /// The input whose values the flag is about.
    pub input: &'static str,
    /// What the bound is, in words (`dim 1 of \`x\``).
    pub bound_of: String,
    /// The flag, [`FLAG_WORDS`] u32, zero until a kernel records something.
    pub flag: Buffer,
    /// The launch that zeroes the flag again after a report, so the plan can run again.
    pub clear: Launch,
    /// What the flag records.
    pub kind: GuardKind,
}

impl Guard {
    /// An error when the flag records bad input (the flag is then cleared), else `Ok`.
    pub fn check(&self, dev: &Device) -> Result<()> {
        let words = self.flag.to_vec::<u32>()?;
        let word = |i: usize| words.get(i).copied().unwrap_or(0);
        if word(0) == 0 {
            return Ok(());
        }
        let value = (i64::from(word(2) as i32) << 32) | i64::from(word(1));
        let (position, bound) = (word(3), word(4));
        let reason = match self.kind {
            GuardKind::IndexRange => format!(
                "index {value} at position {position} is out of range for {} (size {bound}): indices must lie in [0, {bound})",
                self.bound_of
            ),
            GuardKind::SourceTooShort => format!(
                "the mask selects more elements than `{}` holds ({bound}): element {position} was asked for",
                self.input
            ),
        };
        self.clear.run(dev)?;
        Err(RuntimeError::BadParameter { op: self.op.into(), name: self.input.into(), reason })
    }
}
