//! Where the CUDA headers and NVRTC live. NVRTC compiles emitted kernels that include
//! `cuda_fp16.h` / `cuda_bf16.h`, which it finds only on an include path; and NVRTC itself may
//! sit outside the loader's search path (a toolkit whose `lib64` is not configured, or the
//! `nvidia-*` pip wheels of a Python environment).
//!
//! Everything here takes the environment as a function, so the search order is testable.

use std::path::{Path, PathBuf};

/// Environment variables naming a CUDA toolkit root, in the order they are consulted.
const ROOT_VARS: [&str; 3] = ["CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"];

/// Toolkit roots tried after the variables.
const DEFAULT_ROOTS: [&str; 2] = ["/usr/local/cuda", "/opt/cuda"];

/// Explicit include directory; wins over every other place.
pub(crate) const INCLUDE_VAR: &str = "METALTILE_CUDA_INCLUDE";

/// Sub-directories of a Python `site-packages` that hold the CUDA wheels' headers and
/// libraries: `nvidia/cu13` (CUDA 13 wheels), then the per-component layout of CUDA 12.
const WHEEL_DIRS: [&str; 3] = ["nvidia/cu13", "nvidia/cuda_runtime", "nvidia/cuda_nvrtc"];

/// The headers emitted kernels include.
const HEADERS: [&str; 2] = ["cuda_fp16.h", "cuda_bf16.h"];

/// Python environment prefixes: active virtual and conda environments, then system ones.
fn python_prefixes(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        ["VIRTUAL_ENV", "CONDA_PREFIX"].iter().filter_map(|k| env(k)).map(PathBuf::from).collect();
    if let Some(home) = env("HOME") {
        v.push(Path::new(&home).join(".local"));
    }
    v.extend(["/usr/local", "/usr", "/opt/conda"].map(PathBuf::from));
    v
}

/// `site-packages` / `dist-packages` directories under a prefix (`lib/python3.*/…`).
fn site_dirs(prefix: &Path) -> Vec<PathBuf> {
    let lib = prefix.join("lib");
    let Ok(entries) = std::fs::read_dir(&lib) else { return Vec::new() };
    let mut pythons: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .map(|e| e.path())
        .collect();
    pythons.sort();
    pythons.into_iter().flat_map(|p| [p.join("site-packages"), p.join("dist-packages")]).collect()
}

/// Toolkit roots from the environment, then the default install locations.
fn toolkit_roots(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        ROOT_VARS.iter().filter_map(|k| env(k)).filter(|s| !s.is_empty()).map(PathBuf::from).collect();
    v.extend(DEFAULT_ROOTS.map(PathBuf::from));
    v
}

/// Directories that may hold `cuda_fp16.h`, in the order they are tried.
pub(crate) fn include_candidates(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = env(INCLUDE_VAR).filter(|s| !s.is_empty()).map(PathBuf::from).into_iter().collect();
    for root in toolkit_roots(env) {
        v.push(root.join("include"));
        v.push(root.join("targets/x86_64-linux/include"));
        v.push(root.join("targets/sbsa-linux/include"));
    }
    for prefix in python_prefixes(env) {
        for site in site_dirs(&prefix) {
            v.extend(WHEEL_DIRS.iter().map(|w| site.join(w).join("include")));
        }
    }
    v
}

/// The first candidate that holds both half-precision headers.
pub(crate) fn find_include_dir(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find(|d| HEADERS.iter().all(|h| d.join(h).is_file())).cloned()
}

/// Directories that may hold the NVRTC shared library, in the order they are tried.
pub(crate) fn library_candidates(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for root in toolkit_roots(env) {
        v.extend(["lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"].map(|l| root.join(l)));
    }
    for prefix in python_prefixes(env) {
        for site in site_dirs(&prefix) {
            v.extend(WHEEL_DIRS.iter().map(|w| site.join(w).join("lib")));
        }
    }
    v
}

/// True for the file name of the NVRTC library itself (`libnvrtc.so.13`, `nvrtc64_130_0.dll`),
/// not its builtins library or a static archive.
pub(crate) fn is_nvrtc_library(name: &str) -> bool {
    let prefix = format!("{}nvrtc", std::env::consts::DLL_PREFIX);
    name.starts_with(&prefix)
        && name.contains(std::env::consts::DLL_SUFFIX)
        && !name.contains("builtins")
        && !name.contains("static")
}

/// NVRTC libraries in `dirs`, newest version first within a directory (so `libnvrtc.so.13`
/// comes before the bare `libnvrtc.so` link, which only a development install has).
pub(crate) fn nvrtc_libraries(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else { continue };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| is_nvrtc_library(&e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .collect();
        found.sort_by(|a, b| b.cmp(a));
        out.extend(found);
    }
    out
}

/// The environment of this process.
pub(crate) fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn scratch(tag: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "metaltile-cuda-paths-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn env_of(pairs: &[(&str, &Path)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string_lossy().into_owned())).collect();
        move |k: &str| m.get(k).cloned()
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }

    #[test]
    fn explicit_include_comes_first_then_cuda_home_then_defaults() {
        let a = scratch("a");
        let env = env_of(&[(INCLUDE_VAR, &a.join("inc")), ("CUDA_HOME", &a.join("home")), ("CUDA_PATH", &a.join("p"))]);
        let c = include_candidates(&env);
        assert_eq!(c[0], a.join("inc"));
        assert_eq!(c[1], a.join("home/include"));
        let p = c.iter().position(|x| *x == a.join("p/include")).unwrap();
        let d = c.iter().position(|x| *x == Path::new("/usr/local/cuda/include")).unwrap();
        assert!(p < d, "{c:?}");
    }

    #[test]
    fn the_first_directory_with_both_headers_wins() {
        let a = scratch("b");
        let only_fp16 = a.join("one");
        touch(&only_fp16.join("cuda_fp16.h"));
        let both = a.join("two");
        touch(&both.join("cuda_fp16.h"));
        touch(&both.join("cuda_bf16.h"));
        let later = a.join("three");
        touch(&later.join("cuda_fp16.h"));
        touch(&later.join("cuda_bf16.h"));
        assert_eq!(find_include_dir(&[a.join("missing"), only_fp16.clone(), both.clone(), later]), Some(both));
        assert_eq!(find_include_dir(&[only_fp16]), None);
        assert_eq!(find_include_dir(&[]), None);
    }

    #[test]
    fn pip_wheel_headers_are_found_in_a_virtual_env() {
        let venv = scratch("venv");
        let inc = venv.join("lib/python3.12/site-packages/nvidia/cu13/include");
        touch(&inc.join("cuda_fp16.h"));
        touch(&inc.join("cuda_bf16.h"));
        let env = env_of(&[("VIRTUAL_ENV", &venv)]);
        let c = include_candidates(&env);
        assert!(c.contains(&inc), "{c:?}");
        // The system toolkit, if this machine has one, is tried before the wheel.
        let found = find_include_dir(&c).unwrap();
        assert!(found == inc || found.starts_with("/usr") || found.starts_with("/opt"), "{found:?}");
    }

    #[test]
    fn nvrtc_library_names() {
        assert!(is_nvrtc_library("libnvrtc.so.13"));
        assert!(is_nvrtc_library("libnvrtc.so"));
        assert!(!is_nvrtc_library("libnvrtc-builtins.so.13.0"));
        assert!(!is_nvrtc_library("libnvrtc_static.a"));
        assert!(!is_nvrtc_library("libcudart.so.13"));
    }

    #[test]
    fn nvrtc_libraries_are_listed_newest_first() {
        let a = scratch("lib");
        for f in ["libnvrtc.so", "libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc-builtins.so.13.0"] {
            touch(&a.join(f));
        }
        let got = nvrtc_libraries(&[a.join("missing"), a.clone()]);
        let names: Vec<String> = got.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]);
    }

    #[test]
    fn library_candidates_follow_cuda_home() {
        let a = scratch("home");
        let env = env_of(&[("CUDA_HOME", &a)]);
        assert_eq!(library_candidates(&env)[0], a.join("lib64"));
    }
}
