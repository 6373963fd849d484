//! NVRTC: emitted CUDA C to a cubin (or PTX), with errors that quote the emitted lines they
//! point at. Calls the C API through cudarc's raw bindings (its convenience wrapper only
//! produces PTX and panics on some failures).

use super::arch::CodeTarget;
use super::paths;
use cudarc::nvrtc::sys;
use std::ffi::{c_char, c_int, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Options every kernel is compiled with, besides the architecture and include path.
/// `--fmad=false`: the IR rounds every multiply and add separately (an explicit `fma` op is
/// the only fused one), so NVRTC must not contract them.
pub(crate) const FIXED_OPTIONS: [&str; 2] = ["-std=c++17", "--fmad=false"];

/// A compiled kernel image for `cuModuleLoadData`: a cubin, or NUL-terminated PTX.
pub(crate) struct Image(pub(crate) Vec<u8>);

fn check(r: sys::nvrtcResult, what: &str) -> Result<(), String> {
    match r {
        sys::nvrtcResult::NVRTC_SUCCESS => Ok(()),
        e => Err(format!("{what}: {e:?}")),
    }
}

/// Make sure the NVRTC library can be loaded, preloading it from a CUDA toolkit or pip wheel
/// directory when it is not on the loader's path; `Err` says where it was looked for.
pub(crate) fn ensure_loaded() -> Result<(), String> {
    // SAFETY: loading NVRTC runs only its initializers, which have no preconditions.
    if unsafe { sys::is_culib_present() } {
        return Ok(());
    }
    static PRELOADED: OnceLock<Option<libloading::Library>> = OnceLock::new();
    let dirs = paths::library_candidates(&paths::process_env);
    let lib = PRELOADED.get_or_init(|| {
        // SAFETY: as above. Once loaded under its soname, cudarc's own lookup by name finds
        // this copy; the library stays loaded for the life of the process.
        paths::nvrtc_libraries(&dirs).into_iter().find_map(|p| unsafe { libloading::Library::new(p) }.ok())
    });
    // SAFETY: as above.
    if lib.is_some() && unsafe { sys::is_culib_present() } {
        return Ok(());
    }
    Err(format!(
        "NVRTC (libnvrtc, the CUDA runtime compiler) was not found on the library path nor in {} \
         (install the CUDA toolkit or the nvidia-cuda-nvrtc wheel, or set CUDA_HOME)",
        dirs.iter().filter(|d| d.is_dir()).map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
    ))
}

/// NVRTC's version, e.g. `(13, 0)`.
pub(crate) fn version() -> Result<(i32, i32), String> {
    let (mut major, mut minor): (c_int, c_int) = (0, 0);
    // SAFETY: both pointers are valid for one write each.
    check(unsafe { sys::nvrtcVersion(&mut major, &mut minor) }, "nvrtcVersion")?;
    Ok((major, minor))
}

/// The architectures this NVRTC can compile for (empty if it cannot say).
pub(crate) fn supported_archs() -> Vec<u32> {
    let mut n: c_int = 0;
    // SAFETY: `n` is valid for one write.
    if unsafe { sys::nvrtcGetNumSupportedArchs(&mut n) } != sys::nvrtcResult::NVRTC_SUCCESS || n <= 0 {
        return Vec::new();
    }
    let mut archs = vec![0 as c_int; n as usize];
    // SAFETY: `archs` has room for the `n` entries NVRTC reported.
    if unsafe { sys::nvrtcGetSupportedArchs(archs.as_mut_ptr()) } != sys::nvrtcResult::NVRTC_SUCCESS {
        return Vec::new();
    }
    archs.into_iter().filter(|&a| a > 0).map(|a| a as u32).collect()
}

/// The options for one compilation.
pub(crate) fn options(target: CodeTarget, include: Option<&Path>) -> Vec<String> {
    let mut v = vec![target.flag()];
    v.extend(FIXED_OPTIONS.iter().map(|s| s.to_string()));
    if let Some(dir) = include {
        v.push(format!("--include-path={}", dir.display()));
    }
    v
}

/// `nvrtcGetCUBINSize` / `nvrtcGetPTXSize`.
type SizeFn = unsafe fn(sys::nvrtcProgram, *mut usize) -> sys::nvrtcResult;
/// `nvrtcGetCUBIN` / `nvrtcGetPTX`.
type GetFn = unsafe fn(sys::nvrtcProgram, *mut c_char) -> sys::nvrtcResult;

/// An NVRTC program, destroyed on drop.
struct Program(sys::nvrtcProgram);

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: the handle came from nvrtcCreateProgram and is destroyed once. A failure
        // here leaks the program and nothing else, so it is ignored.
        let _ = unsafe { sys::nvrtcDestroyProgram(&mut self.0) };
    }
}

impl Program {
    fn log(&self) -> String {
        let mut n: usize = 0;
        // SAFETY: `n` is valid for one write.
        if unsafe { sys::nvrtcGetProgramLogSize(self.0, &mut n) } != sys::nvrtcResult::NVRTC_SUCCESS || n == 0 {
            return String::new();
        }
        let mut buf = vec![0u8; n];
        // SAFETY: `buf` has the size NVRTC reported, terminator included.
        if unsafe { sys::nvrtcGetProgramLog(self.0, buf.as_mut_ptr() as *mut c_char) }
            != sys::nvrtcResult::NVRTC_SUCCESS
        {
            return String::new();
        }
        CStr::from_bytes_until_nul(&buf).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    }

    fn image(&self, target: CodeTarget) -> Result<Vec<u8>, String> {
        let mut n: usize = 0;
        let (size_fn, get_fn, what): (SizeFn, GetFn, &str) = match target {
            CodeTarget::Cubin(_) => (sys::nvrtcGetCUBINSize, sys::nvrtcGetCUBIN, "cubin"),
            CodeTarget::Ptx(_) => (sys::nvrtcGetPTXSize, sys::nvrtcGetPTX, "PTX"),
        };
        // SAFETY: `n` is valid for one write.
        check(unsafe { size_fn(self.0, &mut n) }, &format!("getting the {what} size"))?;
        let mut buf = vec![0u8; n];
        // SAFETY: `buf` has the size NVRTC reported.
        check(unsafe { get_fn(self.0, buf.as_mut_ptr() as *mut c_char) }, &format!("getting the {what}"))?;
        Ok(buf)
    }
}

/// Compile `source` (named `file_name` in messages) for `target`. On failure, the message is
/// NVRTC's log with each error's source line quoted under it.
pub(crate) fn compile(
    source: &str,
    file_name: &str,
    target: CodeTarget,
    include: Option<&Path>,
) -> Result<Image, String> {
    let src = CString::new(source).map_err(|_| "the emitted source contains a NUL byte".to_string())?;
    let name = CString::new(file_name).map_err(|_| "the kernel name contains a NUL byte".to_string())?;
    let mut raw: sys::nvrtcProgram = std::ptr::null_mut();
    // SAFETY: `src` and `name` are NUL-terminated and outlive the call; no headers are given.
    check(
        unsafe {
            sys::nvrtcCreateProgram(&mut raw, src.as_ptr(), name.as_ptr(), 0, std::ptr::null(), std::ptr::null())
        },
        "nvrtcCreateProgram",
    )?;
    let prog = Program(raw);
    let opts = options(target, include);
    let c_opts: Vec<CString> = opts
        .iter()
        .map(|o| CString::new(o.as_str()))
        .collect::<Result<_, _>>()
        .map_err(|_| "an NVRTC option contains a NUL byte".to_string())?;
    let ptrs: Vec<*const c_char> = c_opts.iter().map(|o| o.as_ptr()).collect();
    // SAFETY: `ptrs` points at `c_opts`, which outlives the call.
    let r = unsafe { sys::nvrtcCompileProgram(prog.0, ptrs.len() as c_int, ptrs.as_ptr()) };
    if r != sys::nvrtcResult::NVRTC_SUCCESS {
        let header_hint = if include.is_none() {
            format!(
                "\n(no directory with cuda_fp16.h and cuda_bf16.h was found: set CUDA_HOME or {})",
                paths::INCLUDE_VAR
            )
        } else {
            String::new()
        };
        return Err(format!(
            "NVRTC {r:?} with options `{}`:\n{}{header_hint}",
            opts.join(" "),
            annotate_log(&prog.log(), source, file_name)
        ));
    }
    let mut image = prog.image(target)?;
    if matches!(target, CodeTarget::Ptx(_)) && image.last() != Some(&0) {
        image.push(0);
    }
    Ok(Image(image))
}

/// NVRTC's log with, under every line that points into `file_name` (`name(LINE): error: …`),
/// the emitted source line it points at.
pub(crate) fn annotate_log(log: &str, source: &str, file_name: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for l in log.lines() {
        out.push_str(l);
        out.push('\n');
        let line_no = l
            .strip_prefix(file_name)
            .and_then(|rest| rest.strip_prefix('('))
            .and_then(|rest| rest.split_once(')'))
            .and_then(|(n, _)| n.parse::<usize>().ok());
        if let Some(text) = line_no.and_then(|n| n.checked_sub(1)).and_then(|i| lines.get(i)) {
            out.push_str(&format!("    {} | {}\n", line_no.unwrap_or(0), text.trim_end()));
        }
    }
    if out.trim().is_empty() {
        return "(NVRTC gave no log)".into();
    }
    out.trim_end().to_string()
}

/// The name of the `extern "C" __global__` function an emitted file defines.
pub(crate) fn entry_name(source: &str) -> Option<&str> {
    const MARK: &str = "extern \"C\" __global__ void ";
    let start = source.find(MARK)? + MARK.len();
    let rest = &source[start..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// The include directory to compile with, found once per process.
pub(crate) fn include_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| paths::find_include_dir(&paths::include_candidates(&paths::process_env))).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str =
        "#include <cuda_fp16.h>\n\nextern \"C\" __global__ void scale_f32(\n    float* y) {\n    y[0] = oops;\n}\n";

    #[test]
    fn errors_quote_the_emitted_line() {
        let log = "scale_f32.cu(5): error: identifier \"oops\" is undefined\n      y[0] = oops;\n             ^\n\n1 error detected in the compilation of \"scale_f32.cu\".\n";
        let got = annotate_log(log, SRC, "scale_f32.cu");
        assert!(
            got.starts_with("scale_f32.cu(5): error: identifier \"oops\" is undefined\n    5 |     y[0] = oops;\n"),
            "{got}"
        );
        assert!(got.ends_with("1 error detected in the compilation of \"scale_f32.cu\"."), "{got}");
    }

    #[test]
    fn lines_of_other_files_and_out_of_range_lines_are_left_alone() {
        let log = "cuda_fp16.h(12): warning: something\nscale_f32.cu(99): error: nowhere";
        assert_eq!(annotate_log(log, SRC, "scale_f32.cu"), log);
        assert_eq!(annotate_log("", SRC, "scale_f32.cu"), "(NVRTC gave no log)");
    }

    #[test]
    fn entry_name_is_read_from_the_source() {
        assert_eq!(entry_name(SRC), Some("scale_f32"));
        assert_eq!(entry_name("extern \"C\" __global__ void k() {}"), Some("k"));
        assert_eq!(entry_name("__global__ void k() {}"), None);
    }

    #[test]
    fn options_name_the_architecture_and_the_include_path() {
        let o = options(CodeTarget::Cubin(90), Some(Path::new("/usr/local/cuda/include")));
        assert_eq!(
            o,
            ["--gpu-architecture=sm_90", "-std=c++17", "--fmad=false", "--include-path=/usr/local/cuda/include"]
        );
        assert_eq!(
            options(CodeTarget::Ptx(120), None),
            ["--gpu-architecture=compute_120", "-std=c++17", "--fmad=false"]
        );
    }

    /// Needs only NVRTC, not a GPU: run with `METALTILE_TEST_CUDA=1` where CUDA is installed.
    #[test]
    fn real_nvrtc_compiles_cubin_and_ptx_and_quotes_the_failing_line() {
        if std::env::var("METALTILE_TEST_CUDA").ok().as_deref() != Some("1") {
            return;
        }
        ensure_loaded().unwrap();
        let include = include_dir();
        let good = SRC.replace("oops", "1.0f");
        let cubin = compile(&good, "scale_f32.cu", CodeTarget::Cubin(90), include.as_deref()).unwrap();
        assert_eq!(&cubin.0[..4], b"\x7fELF");
        let ptx = compile(&good, "scale_f32.cu", CodeTarget::Ptx(90), include.as_deref()).unwrap();
        let text = String::from_utf8_lossy(&ptx.0);
        assert!(text.contains(".entry scale_f32") && ptx.0.last() == Some(&0), "{text}");
        let err = compile(SRC, "scale_f32.cu", CodeTarget::Cubin(90), include.as_deref()).err().unwrap();
        assert!(err.contains("NVRTC_ERROR_COMPILATION"), "{err}");
        assert!(err.contains("scale_f32.cu(5): error") && err.contains("    5 |     y[0] = oops;"), "{err}");
        assert!(supported_archs().contains(&90));
        assert!(version().unwrap().0 >= 12);
    }

    #[test]
    fn the_emitter_names_the_function_as_entry_name_reads_it() {
        use metaltile_ir::{Builder, DType};
        let mut b = Builder::new("odd name-1", Some(DType::F32));
        b.buffer_param("x", DType::F32, true);
        let k = b.finish().unwrap();
        let src = metaltile_codegen::emit(&k, metaltile_codegen::Target::Cuda).unwrap();
        let name = entry_name(&src).unwrap();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{name}");
        assert!(src.contains(&format!("void {name}(")), "{src}");
    }
}
