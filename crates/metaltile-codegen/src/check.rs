//! Syntax checks of emitted code on any machine: a host C++17 compiler parses and type-checks
//! each file against the project's own declaration headers for the subset of the Metal and
//! CUDA libraries the emitters use (`headers/`), with every warning an error.
//!
//! MSL files keep their `#include <metal_stdlib>`: the include path holds a stub
//! `metal_stdlib` that includes `metal_subset.h`. CUDA files get `cuda_subset.h` (what NVRTC
//! provides without includes) pre-included; stub `cuda_fp16.h` and `cuda_bf16.h` declare the
//! half types, so a file that uses them without including the header fails as it would in
//! NVRTC.

use crate::error::{CheckError, CheckFailure};
use crate::target::Target;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The declaration header for the Metal standard library subset.
pub const METAL_SUBSET_H: &str = include_str!("../headers/metal_subset.h");
const METAL_STDLIB_STUB: &str = include_str!("../headers/metal_stdlib");
/// The declarations NVRTC provides without includes (the subset the emitter uses).
pub const CUDA_SUBSET_H: &str = include_str!("../headers/cuda/cuda_subset.h");
const CUDA_FP16_H: &str = include_str!("../headers/cuda/cuda_fp16.h");
const CUDA_BF16_H: &str = include_str!("../headers/cuda/cuda_bf16.h");

/// Compilers tried, in order.
pub const COMPILERS: [&str; 3] = ["c++", "g++", "clang++"];

/// The first C++ compiler of [`COMPILERS`] found on `PATH`.
pub fn compiler() -> Result<PathBuf, CheckError> {
    compiler_on(&std::env::var_os("PATH").unwrap_or_default())
}

/// The first C++ compiler of [`COMPILERS`] found in a `PATH`-style list of directories.
pub fn compiler_on(path: &std::ffi::OsStr) -> Result<PathBuf, CheckError> {
    for name in COMPILERS {
        for dir in std::env::split_paths(path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(CheckError::NoCompiler { tried: COMPILERS.join(", ") })
}

/// Check one emitted file.
pub fn syntax_check(source: &str, target: Target) -> Result<(), CheckError> {
    syntax_check_many(&[(source, target)])
}

/// Check many emitted files with few compiler runs: the files of each target are split into
/// one batch per available core, each batch compiled by one invocation. A failure names every
/// rejected file by its position in `files`.
pub fn syntax_check_many(files: &[(&str, Target)]) -> Result<(), CheckError> {
    if files.is_empty() {
        return Ok(());
    }
    let cxx = compiler()?;
    let dir = TempDir::new()?;
    dir.write("msl/metal_stdlib", METAL_STDLIB_STUB)?;
    dir.write("msl/metal_subset.h", METAL_SUBSET_H)?;
    dir.write("cuda/cuda_subset.h", CUDA_SUBSET_H)?;
    dir.write("cuda/cuda_fp16.h", CUDA_FP16_H)?;
    dir.write("cuda/cuda_bf16.h", CUDA_BF16_H)?;
    let mut batches: Vec<(Target, Vec<usize>)> = Vec::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for target in Target::ALL {
        let idx: Vec<usize> = (0..files.len()).filter(|&i| files[i].1 == target).collect();
        if idx.is_empty() {
            continue;
        }
        let per = idx.len().div_ceil(cores);
        batches.extend(idx.chunks(per).map(|c| (target, c.to_vec())));
    }
    for (i, (src, _)) in files.iter().enumerate() {
        dir.write(&source_name(i), src)?;
    }
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = batches
            .iter()
            .map(|(target, idx)| {
                let (cxx, dir) = (&cxx, &dir.path);
                s.spawn(move || run_batch(cxx, dir, *target, idx))
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(Ok(f)) => failures.extend(f),
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(CheckError::Spawn {
                    compiler: cxx,
                    source: std::io::Error::other("checker thread panicked"),
                })
            }
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    failures.sort_by_key(|f| f.index);
    Err(CheckError::Rejected { compiler: cxx, failures })
}

fn source_name(i: usize) -> String {
    format!("src/kernel_{i}.cc")
}

/// Compile one batch; the failures of its files.
fn run_batch(cxx: &Path, dir: &Path, target: Target, idx: &[usize]) -> Result<Vec<CheckFailure>, CheckError> {
    let mut cmd = Command::new(cxx);
    cmd.args(["-std=c++17", "-fsyntax-only", "-Wall", "-Werror", "-Wno-attributes", "-fno-diagnostics-color"]);
    match target {
        Target::Msl => {
            cmd.arg("-I").arg(dir.join("msl"));
        }
        Target::Cuda => {
            cmd.arg("-I").arg(dir.join("cuda")).arg("-include").arg(dir.join("cuda/cuda_subset.h"));
        }
    }
    cmd.args(["-x", "c++"]);
    for &i in idx {
        cmd.arg(dir.join(source_name(i)));
    }
    let out = cmd.output().map_err(|source| CheckError::Spawn { compiler: cxx.to_path_buf(), source })?;
    if out.status.success() {
        return Ok(Vec::new());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    Ok(attribute(&text, target, idx))
}

/// Split a compiler's diagnostics by the source file they are about (a line naming a source
/// file starts that file's part; header notes stay with the file that included the header).
fn attribute(text: &str, target: Target, idx: &[usize]) -> Vec<CheckFailure> {
    let mut parts: Vec<(usize, String)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        if let Some(i) = idx.iter().copied().find(|&i| line.contains(&format!("kernel_{i}.cc"))) {
            current = Some(i);
        }
        let i = current.unwrap_or(idx[0]);
        match parts.iter_mut().find(|(j, _)| *j == i) {
            Some((_, s)) => {
                s.push_str(line);
                s.push('\n');
            }
            None => parts.push((i, format!("{line}\n"))),
        }
    }
    if parts.is_empty() {
        parts.push((idx[0], "the compiler failed without a message".to_string()));
    }
    parts.into_iter().map(|(index, diagnostics)| CheckFailure { index, target, diagnostics }).collect()
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new() -> Result<TempDir, CheckError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("metaltile-check-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(path.join("src")).map_err(|source| CheckError::Io { path: path.clone(), source })?;
        Ok(TempDir { path })
    }

    fn write(&self, rel: &str, text: &str) -> Result<(), CheckError> {
        let path = self.path.join(rel);
        let io = |source| CheckError::Io { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
