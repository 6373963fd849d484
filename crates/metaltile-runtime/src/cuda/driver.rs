//! Facts about the CUDA driver that need no GPU to state: how its errors read, which of them
//! leave the context unusable, and the launch limits a geometry must respect.

use cudarc::driver::sys::CUresult;
use cudarc::driver::DriverError;
use metaltile_ir::Geometry;

/// The oldest driver API version (`cuDriverGetVersion`) the bindings are built for: CUDA 13.0.
/// Older drivers lack entry points they call (e.g. `cuEventElapsedTime_v2`).
pub(crate) const MIN_DRIVER_VERSION: i32 = 13000;

/// `13000` → `"13.0"`.
pub(crate) fn version_text(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// Why a driver of version `v` cannot be used, or `None` when it can.
pub(crate) fn driver_too_old(v: i32) -> Option<String> {
    (v < MIN_DRIVER_VERSION).then(|| {
        format!(
            "the NVIDIA driver supports CUDA {}; the CUDA backend needs a driver for CUDA {} or newer (R580+)",
            version_text(v),
            version_text(MIN_DRIVER_VERSION)
        )
    })
}

/// A driver error as `CUDA_ERROR_NAME (description)`.
pub(crate) fn describe(e: DriverError) -> String {
    let name = e.error_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|_| format!("{:?}", e.0));
    match e.error_string() {
        Ok(text) => format!("{name} ({})", text.to_string_lossy()),
        Err(_) => name,
    }
}

/// Errors after which the CUDA context is unusable: every later call fails the same way
/// until the process exits.
pub(crate) fn is_sticky(code: CUresult) -> bool {
    use CUresult::*;
    matches!(
        code,
        CUDA_ERROR_ILLEGAL_ADDRESS
            | CUDA_ERROR_LAUNCH_FAILED
            | CUDA_ERROR_ILLEGAL_INSTRUCTION
            | CUDA_ERROR_MISALIGNED_ADDRESS
            | CUDA_ERROR_INVALID_ADDRESS_SPACE
            | CUDA_ERROR_INVALID_PC
            | CUDA_ERROR_HARDWARE_STACK_ERROR
            | CUDA_ERROR_ASSERT
            | CUDA_ERROR_LAUNCH_TIMEOUT
            | CUDA_ERROR_ECC_UNCORRECTABLE
    )
}

/// What to add to an error message about a failure with `code`.
pub(crate) fn sticky_note(code: CUresult) -> &'static str {
    if is_sticky(code) {
        "; the CUDA context is unusable after this error, so every later call on this device fails too \
         (run under compute-sanitizer to find the faulting access)"
    } else {
        ""
    }
}

/// The device's launch limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_grid: [u32; 3],
    pub(crate) max_block: [u32; 3],
    pub(crate) max_threads_per_block: u32,
}

/// Check `g` against the device's limits and the compiled kernel's thread limit (which
/// registers can lower below the device's).
pub(crate) fn check_geometry(g: &Geometry, limits: &Limits, kernel_max_threads: u32) -> Result<(), String> {
    const AXES: [char; 3] = ['x', 'y', 'z'];
    for (i, axis) in AXES.iter().enumerate() {
        if g.groups[i] > limits.max_grid[i] {
            return Err(format!(
                "the grid has {} threadgroups along {axis}; this GPU allows at most {}",
                g.groups[i], limits.max_grid[i]
            ));
        }
        if g.group_size[i] > limits.max_block[i] {
            return Err(format!(
                "the threadgroup has {} threads along {axis}; this GPU allows at most {}",
                g.group_size[i], limits.max_block[i]
            ));
        }
    }
    let t = g.threads_per_group();
    let cap = limits.max_threads_per_block.min(kernel_max_threads);
    if t > cap {
        return Err(format!(
            "threadgroups of {t} threads exceed the {cap} this compiled kernel can run with \
             (its register use limits it; use smaller threadgroups)"
        ));
    }
    Ok(())
}

/// `METALTILE_CUDA_DEVICE`: which GPU to use (default 0), checked against the number present.
pub(crate) fn device_ordinal(var: Option<&str>, count: i32) -> Result<usize, String> {
    let Some(s) = var.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(0) };
    match s.parse::<usize>() {
        Ok(n) if (n as i64) < count as i64 => Ok(n),
        Ok(n) => Err(format!("METALTILE_CUDA_DEVICE={n}, but the driver found {count} GPU(s) (numbered from 0)")),
        Err(_) => Err(format!("METALTILE_CUDA_DEVICE={s:?} is not a GPU number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H100: Limits =
        Limits { max_grid: [2147483647, 65535, 65535], max_block: [1024, 1024, 64], max_threads_per_block: 1024 };

    #[test]
    fn driver_versions() {
        assert_eq!(version_text(13000), "13.0");
        assert_eq!(version_text(12080), "12.8");
        assert_eq!(driver_too_old(13000), None);
        assert_eq!(driver_too_old(13010), None);
        let msg = driver_too_old(12040).unwrap();
        assert!(msg.contains("CUDA 12.4") && msg.contains("13.0 or newer"), "{msg}");
    }

    #[test]
    fn faults_are_sticky_and_bad_arguments_are_not() {
        assert!(is_sticky(CUresult::CUDA_ERROR_ILLEGAL_ADDRESS));
        assert!(is_sticky(CUresult::CUDA_ERROR_LAUNCH_FAILED));
        assert!(!is_sticky(CUresult::CUDA_ERROR_INVALID_VALUE));
        assert!(!is_sticky(CUresult::CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES));
        assert!(sticky_note(CUresult::CUDA_ERROR_ILLEGAL_ADDRESS).contains("compute-sanitizer"));
        assert_eq!(sticky_note(CUresult::CUDA_ERROR_INVALID_VALUE), "");
    }

    #[test]
    fn geometry_within_the_limits_passes() {
        assert_eq!(check_geometry(&Geometry::linear(1 << 20, 256), &H100, 1024), Ok(()));
        let g = Geometry { groups: [4, 65535, 3], group_size: [32, 4, 8] };
        assert_eq!(check_geometry(&g, &H100, 1024), Ok(()));
    }

    #[test]
    fn geometry_over_a_per_axis_limit_names_the_axis() {
        let g = Geometry { groups: [1, 70000, 1], group_size: [32, 1, 1] };
        let e = check_geometry(&g, &H100, 1024).unwrap_err();
        assert!(e.contains("70000") && e.contains("along y") && e.contains("65535"), "{e}");
        let g = Geometry { groups: [1, 1, 1], group_size: [1, 1, 128] };
        let e = check_geometry(&g, &H100, 1024).unwrap_err();
        assert!(e.contains("along z") && e.contains("64"), "{e}");
    }

    #[test]
    fn the_kernels_register_limit_lowers_the_thread_cap() {
        let e = check_geometry(&Geometry::linear(1, 1024), &H100, 512).unwrap_err();
        assert!(e.contains("1024 threads") && e.contains("512"), "{e}");
        assert_eq!(check_geometry(&Geometry::linear(1, 512), &H100, 512), Ok(()));
    }

    #[test]
    fn device_ordinal_from_the_environment() {
        assert_eq!(device_ordinal(None, 2), Ok(0));
        assert_eq!(device_ordinal(Some(" 1 "), 2), Ok(1));
        assert!(device_ordinal(Some("2"), 2).unwrap_err().contains("found 2 GPU"));
        assert!(device_ordinal(Some("gpu0"), 2).unwrap_err().contains("not a GPU number"));
    }
}
