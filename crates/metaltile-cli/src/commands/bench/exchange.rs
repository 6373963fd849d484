//! The files a peer and the bench share: our inputs written as .npy for the peer to read, and
//! the peer's output read back to compare with ours. bf16 travels as `<u2` raw bits.

use super::protocol::Inputs;
use crate::npy;
use metaltile_ir::dtype::bits_to_f64;
use metaltile_ir::DType;
use metaltile_std::bench::CaseData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scratch directory for one bench run, removed when dropped.
pub struct Exchange {
    dir: PathBuf,
}

impl Exchange {
    /// A fresh directory under the system's temporary directory.
    pub fn new() -> std::io::Result<Exchange> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tile-bench-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Exchange { dir })
    }

    /// Write a case's inputs as `<dir>/<name>.npy` (replacing the last case's).
    pub fn write_inputs(&self, data: &CaseData) -> Result<Inputs, String> {
        for (name, buffer) in &data.inputs {
            let bytes = buffer.to_bytes().map_err(|e| e.to_string())?;
            npy::write(&self.dir.join(format!("{name}.npy")), buffer.dtype(), buffer.shape(), &bytes)
                .map_err(|e| e.to_string())?;
        }
        Ok(Inputs::Files { path: self.dir.clone(), names: data.inputs.iter().map(|(n, _)| n.to_string()).collect() })
    }

    /// Where the peer `name` writes its output.
    pub fn output_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}_y.npy"))
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        // Scratch only: nothing to report if it is already gone.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Read a peer's output of `dtype` and `shape` as f64 values.
pub fn read_output(path: &Path, dtype: DType, shape: &[usize]) -> Result<Vec<f64>, String> {
    let a = npy::read(path).map_err(|e| e.to_string())?;
    // NumPy has no bf16: its bits come as uint16.
    let stored = if dtype == DType::BF16 { DType::U16 } else { dtype };
    if a.dtype != stored {
        return Err(format!("its output {} is {}, expected {}", path.display(), a.dtype, stored.npy_descr()));
    }
    if a.shape != shape {
        return Err(format!("its output has shape {:?}, ours {:?}", a.shape, shape));
    }
    let size = dtype.size_bytes();
    Ok(a.data
        .chunks_exact(size)
        .map(|c| {
            let bits = c.iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            bits_to_f64(dtype, bits)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use metaltile_runtime::Device;
    use metaltile_std::ops::OpParams;

    #[test]
    fn inputs_go_out_and_outputs_come_back_bit_exact() {
        let dev = Device::cpu();
        let values = [1.5, -0.0, 3.0e38, f64::INFINITY, 0.1];
        let x = dev.from_f64(DType::BF16, &[5], &values).unwrap();
        let data = CaseData { inputs: vec![("x", x.clone())], output: x.clone(), params: OpParams::default() };
        let ex = Exchange::new().unwrap();
        let inputs = ex.write_inputs(&data).unwrap();
        let Inputs::Files { path, names } = inputs else { panic!("files expected") };
        assert_eq!(names, ["x"]);
        let file = path.join("x.npy");
        let back = read_output(&file, DType::BF16, &[5]).unwrap();
        assert_eq!(back, x.to_f64().unwrap(), "bf16 bits survive the round trip");
        assert!(back[1].is_sign_negative());
        let e = read_output(&file, DType::F32, &[5]).unwrap_err();
        assert!(e.contains("expected <f4"), "{e}");
        let e = read_output(&file, DType::BF16, &[1, 5]).unwrap_err();
        assert!(e.contains("shape [5]"), "{e}");
        assert!(read_output(&path.join("none.npy"), DType::F32, &[1]).is_err());
        let f = dev.from_f64(DType::F32, &[2], &[0.25, -7.0]).unwrap();
        let data = CaseData { inputs: vec![("a", f.clone())], output: f, params: OpParams::default() };
        ex.write_inputs(&data).unwrap();
        assert_eq!(read_output(&path.join("a.npy"), DType::F32, &[2]).unwrap(), [0.25, -7.0]);
        assert!(ex.output_path("torch").ends_with("torch_y.npy"));
        drop(ex);
        assert!(!path.exists(), "the scratch directory is removed");
    }
}
