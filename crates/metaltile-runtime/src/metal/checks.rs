//! The Metal backend's decisions that need no Metal: reading the compiler's log, the
//! threadgroup and argument-table limits, scalar argument bytes and GPU timestamps. Kept
//! apart from the Objective-C calls so they are compiled and tested on every host.

// Off macOS only the tests call these.
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use crate::backend::BackendKind;
use crate::element::encode;
use crate::error::RuntimeError;
use metaltile_ir::{Constant, Geometry, Kernel};
use std::time::Duration;

/// Entries of a compute function's buffer argument table (`[[buffer(0)]]` to `[[buffer(30)]]`).
pub(crate) const MAX_BUFFER_ARGUMENTS: usize = 31;

/// An error of the Metal backend.
pub(crate) fn metal_error(message: String) -> RuntimeError {
    RuntimeError::Backend { backend: BackendKind::Metal, message }
}

/// The line of a Metal compiler log that says what went wrong: the first diagnostic marked
/// `error:`, else the first line that says anything.
pub(crate) fn first_error_line(log: &str) -> Option<&str> {
    let mut lines = log.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.clone().next();
    lines.find(|l| l.contains("error:")).or(first)
}

/// The error for MSL the Metal compiler rejected; quotes the first error of its log, since
/// the log repeats the offending source lines and can run to pages.
pub(crate) fn compile_error(kernel: &str, log: &str) -> RuntimeError {
    let errors = log.lines().filter(|l| l.contains("error:")).count();
    let more = match errors {
        0 | 1 => String::new(),
        n => format!(" (and {} more errors)", n - 1),
    };
    let line = first_error_line(log).unwrap_or("the compiler gave no message");
    metal_error(format!("compiling the MSL of `{kernel}`: {line}{more}"))
}

/// Every parameter takes one entry of the buffer argument table (buffers and, through
/// `setBytes`, scalars alike), so a kernel with more parameters than entries cannot be bound.
pub(crate) fn check_param_count(k: &Kernel) -> Result<(), RuntimeError> {
    if k.params.len() > MAX_BUFFER_ARGUMENTS {
        return Err(metal_error(format!(
            "kernel `{}` has {} parameters; a Metal compute function binds at most {MAX_BUFFER_ARGUMENTS}",
            k.name,
            k.params.len()
        )));
    }
    Ok(())
}

/// Check a launch's threadgroup against what this pipeline and device accept: the total
/// (`maxTotalThreadsPerThreadgroup`, which depends on the compiled kernel's register use and
/// can be below the 1024 every target allows) and each axis (the device's
/// `maxThreadsPerThreadgroup`).
pub(crate) fn check_group_size(
    kernel: &str,
    geometry: &Geometry,
    pipeline_max_total: usize,
    device_max_per_axis: [usize; 3],
) -> Result<(), RuntimeError> {
    let total = geometry.group_size.iter().map(|&s| s as u64).product::<u64>();
    if total > pipeline_max_total as u64 {
        return Err(metal_error(format!(
            "launch of `{kernel}`: a threadgroup of {total} threads ({:?}) exceeds this pipeline's \
             maxTotalThreadsPerThreadgroup of {pipeline_max_total}; use at most {pipeline_max_total} threads",
            geometry.group_size
        )));
    }
    for (axis, (&size, &max)) in ["x", "y", "z"].iter().zip(geometry.group_size.iter().zip(&device_max_per_axis)) {
        if size as u64 > max as u64 {
            return Err(metal_error(format!(
                "launch of `{kernel}`: a threadgroup of {size} threads along {axis} exceeds the device's \
                 maxThreadsPerThreadgroup of {max} along {axis}"
            )));
        }
    }
    Ok(())
}

/// The bytes `setBytes` passes for a scalar parameter and how many of them the kernel reads:
/// the value little-endian, as wide as its dtype (MSL reads it through `constant T&`), then zeros.
pub(crate) fn scalar_bytes(c: Constant) -> ([u8; 8], usize) {
    let mut bytes = [0u8; 8];
    let n = c.dtype.size_bytes().min(bytes.len());
    encode(c.dtype, c.bits, &mut bytes[..n]);
    (bytes, n)
}

/// Bytes to allocate for a buffer of `size_bytes`: Metal refuses zero-length buffers, and
/// an empty buffer must still be bindable.
pub(crate) fn alloc_bytes(size_bytes: usize) -> usize {
    size_bytes.max(1)
}

/// GPU time of a command buffer from its `GPUStartTime`/`GPUEndTime` (seconds on the host
/// clock); zero when they are missing or out of order, which a finished buffer should not give.
pub(crate) fn gpu_elapsed(start_s: f64, end_s: f64) -> Duration {
    Duration::try_from_secs_f64(end_s - start_s).unwrap_or(Duration::ZERO)
}

/// The outcome of a command buffer that has finished: the error Metal reported, naming the
/// kernel, when it did not complete.
pub(crate) fn command_buffer_result(
    kernel: &str,
    completed: bool,
    description: Option<String>,
) -> Result<(), RuntimeError> {
    if completed {
        return Ok(());
    }
    let why = description.unwrap_or_else(|| "Metal gave no description".into());
    Err(metal_error(format!("running `{kernel}`: the command buffer failed: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::{bf16, f16};
    use metaltile_ir::{Builder, DType};

    fn message(e: RuntimeError) -> String {
        match e {
            RuntimeError::Backend { backend: BackendKind::Metal, message } => message,
            other => panic!("expected a Metal backend error, got {other:?}"),
        }
    }

    // The shape of the log newLibraryWithSource reports: a header, then clang-style
    // diagnostics each followed by the source line and a caret.
    const LOG: &str = "Compilation failed: \n\n\
        program_source:7:5: warning: unused variable 'q'\n    int q;\n    ^\n\
        program_source:9:12: error: use of undeclared identifier 'nope'\n    y[i] = nope;\n           ^\n\
        program_source:10:1: error: expected '}'\n";

    #[test]
    fn the_first_error_line_is_quoted_not_the_header_or_a_warning() {
        assert_eq!(first_error_line(LOG), Some("program_source:9:12: error: use of undeclared identifier 'nope'"));
        let m = message(compile_error("scale_f32", LOG));
        assert!(m.contains("`scale_f32`"), "{m}");
        assert!(m.contains("program_source:9:12: error: use of undeclared identifier 'nope'"), "{m}");
        assert!(m.contains("and 1 more errors"), "{m}");
        assert!(!m.contains("warning"), "{m}");
    }

    #[test]
    fn a_log_without_errors_quotes_its_first_line_and_an_empty_one_says_so() {
        assert_eq!(first_error_line("\n  Internal compiler failure  \nmore\n"), Some("Internal compiler failure"));
        assert_eq!(first_error_line(" \n\n"), None);
        let m = message(compile_error("k", ""));
        assert!(m.contains("the compiler gave no message"), "{m}");
        assert!(!m.contains("more errors"), "{m}");
    }

    fn kernel_with_params(n: usize) -> Kernel {
        let mut b = Builder::new("many", None);
        for i in 0..n {
            b.buffer_param(&format!("p{i}"), DType::F32, false);
        }
        b.kernel().clone()
    }

    #[test]
    fn the_argument_table_holds_31_parameters() {
        assert!(check_param_count(&kernel_with_params(MAX_BUFFER_ARGUMENTS)).is_ok());
        let m = message(check_param_count(&kernel_with_params(MAX_BUFFER_ARGUMENTS + 1)).unwrap_err());
        assert!(m.contains("`many` has 32 parameters"), "{m}");
        assert!(m.contains("at most 31"), "{m}");
    }

    #[test]
    fn group_size_is_checked_against_the_pipeline_total_and_each_device_axis() {
        let axes = [1024, 1024, 1024];
        assert!(check_group_size("k", &Geometry::linear(4, 768), 768, axes).is_ok());
        let m = message(check_group_size("k", &Geometry::linear(4, 1024), 768, axes).unwrap_err());
        assert!(m.contains("1024 threads") && m.contains("maxTotalThreadsPerThreadgroup of 768"), "{m}");
        assert!(m.contains("`k`"), "{m}");
        // A 2-D group within the total but over one axis.
        let g = Geometry { groups: [1, 1, 1], group_size: [1, 1, 128] };
        let m = message(check_group_size("k", &g, 1024, [1024, 1024, 64]).unwrap_err());
        assert!(m.contains("128 threads along z") && m.contains("64 along z"), "{m}");
        let g = Geometry { groups: [1, 1, 1], group_size: [2, 64, 1] };
        assert!(check_group_size("k", &g, 128, [1024, 64, 64]).is_ok());
    }

    #[test]
    fn scalars_pass_their_own_width_little_endian() {
        let cases = [
            (Constant::f32(-1.5), (-1.5f32).to_le_bytes().to_vec()),
            (
                Constant::from_bits(DType::F16, f16::from_f32(0.1).to_bits() as u64),
                f16::from_f32(0.1).to_le_bytes().to_vec(),
            ),
            (
                Constant::from_bits(DType::BF16, bf16::from_f32(3.0).to_bits() as u64),
                bf16::from_f32(3.0).to_le_bytes().to_vec(),
            ),
            (Constant::bool(true), vec![1]),
            (Constant::from_i128(DType::I8, -2), (-2i8).to_le_bytes().to_vec()),
            (Constant::from_i128(DType::I16, -300), (-300i16).to_le_bytes().to_vec()),
            (Constant::i32(-7), (-7i32).to_le_bytes().to_vec()),
            (Constant::u32(0xDEAD_BEEF), 0xDEAD_BEEFu32.to_le_bytes().to_vec()),
            (Constant::from_i128(DType::I64, -5), (-5i64).to_le_bytes().to_vec()),
            (Constant::from_i128(DType::U64, u64::MAX as i128), u64::MAX.to_le_bytes().to_vec()),
        ];
        for (c, want) in cases {
            let (bytes, n) = scalar_bytes(c);
            assert_eq!(&bytes[..n], want.as_slice(), "{c:?}");
            assert!(bytes[n..].iter().all(|&b| b == 0), "{c:?}: padding is zero");
        }
    }

    #[test]
    fn empty_buffers_still_allocate() {
        assert_eq!(alloc_bytes(0), 1);
        assert_eq!(alloc_bytes(1), 1);
        assert_eq!(alloc_bytes(4096), 4096);
    }

    #[test]
    fn gpu_time_is_end_minus_start_and_never_panics() {
        assert_eq!(gpu_elapsed(10.0, 10.25), Duration::from_millis(250));
        assert_eq!(gpu_elapsed(10.0, 9.0), Duration::ZERO);
        assert_eq!(gpu_elapsed(0.0, f64::NAN), Duration::ZERO);
        assert_eq!(gpu_elapsed(0.0, f64::INFINITY), Duration::ZERO);
    }

    #[test]
    fn a_failed_command_buffer_names_the_kernel_and_the_reason() {
        assert!(command_buffer_result("k", true, None).is_ok());
        let m = message(
            command_buffer_result("softmax_f16", false, Some("Discarded (victim of GPU error)".into())).unwrap_err(),
        );
        assert!(m.contains("`softmax_f16`") && m.contains("Discarded (victim of GPU error)"), "{m}");
        let m = message(command_buffer_result("k", false, None).unwrap_err());
        assert!(m.contains("no description"), "{m}");
    }
}
