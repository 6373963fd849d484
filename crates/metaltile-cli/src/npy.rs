//! Reading and writing NumPy `.npy` files (format versions 1.0–3.0, little-endian, C order).
//! bf16 has no NumPy type: a bf16 array is read from / written as `<u2` raw bits.

use metaltile::ir::DType;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// An array read from a `.npy` file: its dtype, shape and raw little-endian element bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Element type as the file declares it (`<u2` reads as u16; callers decide on bf16).
    pub dtype: DType,
    /// Dimensions, outermost first; empty for a 0-d array.
    pub shape: Vec<usize>,
    /// Elements in C order, little-endian.
    pub data: Vec<u8>,
}

/// What can go wrong with a `.npy` file.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The bytes are not a `.npy` file this reader understands.
    #[error("{path}: not a .npy file ({msg})")]
    Format { path: String, msg: String },
    /// An element type with no MetalTile dtype (or big-endian).
    #[error("{path}: unsupported dtype `{descr}` (supported: f4 f2 i1 u1 i2 u2 i4 u4 i8 u8 b1, little-endian)")]
    DType { path: String, descr: String },
}

fn descr_to_dtype(descr: &str) -> Option<DType> {
    let d = descr.trim_start_matches(['<', '|', '=']);
    Some(match d {
        "f4" => DType::F32,
        "f2" => DType::F16,
        "i1" => DType::I8,
        "u1" => DType::U8,
        "i2" => DType::I16,
        "u2" => DType::U16,
        "i4" => DType::I32,
        "u4" => DType::U32,
        "i8" => DType::I64,
        "u8" => DType::U64,
        "b1" => DType::Bool,
        _ => return None,
    })
}

/// Value of `'key': <value>` in the header dict, as raw text.
fn header_field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else if let Some(stripped) = rest.strip_prefix('\'') {
        stripped.find('\'')? + 2
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
}

/// Parse `.npy` bytes; `path` only names the source in errors.
pub fn parse(bytes: &[u8], path: &str) -> Result<NpyArray, NpyError> {
    let fmt = |msg: &str| NpyError::Format { path: path.to_string(), msg: msg.to_string() };
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(fmt("missing magic string"));
    }
    let major = bytes[6];
    let (hlen, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(fmt("truncated header"));
            }
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        v => return Err(fmt(&format!("unknown format version {v}"))),
    };
    let header = bytes.get(start..start + hlen).ok_or_else(|| fmt("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| fmt("header is not text"))?;
    let descr = header_field(header, "descr").ok_or_else(|| fmt("no descr"))?.trim_matches('\'');
    if descr.starts_with('>') {
        return Err(NpyError::DType { path: path.to_string(), descr: descr.to_string() });
    }
    let dtype =
        descr_to_dtype(descr).ok_or_else(|| NpyError::DType { path: path.to_string(), descr: descr.to_string() })?;
    let fortran = header_field(header, "fortran_order").ok_or_else(|| fmt("no fortran_order"))?;
    if fortran != "False" {
        return Err(fmt("Fortran-ordered arrays are not supported; save with np.ascontiguousarray"));
    }
    let shape_txt = header_field(header, "shape").ok_or_else(|| fmt("no shape"))?;
    let shape: Vec<usize> = shape_txt
        .trim_matches(['(', ')'])
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| fmt(&format!("bad shape {shape_txt}"))))
        .collect::<Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let data = &bytes[start + hlen..];
    let want = n * dtype.size_bytes();
    if data.len() != want {
        return Err(fmt(&format!("shape {shape:?} of {dtype} needs {want} data bytes, file has {}", data.len())));
    }
    Ok(NpyArray { dtype, shape, data: data.to_vec() })
}

/// Serialize an array as `.npy` (version 1.0).
pub fn to_bytes(dtype: DType, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_txt = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", dtype.npy_descr(), shape_txt);
    // Pad so the data starts at a multiple of 64 bytes, header ends with '\n'.
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// Read and parse the `.npy` file at `path`.
pub fn read(path: &Path) -> Result<NpyArray, NpyError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io { path: p.clone(), source })?;
    parse(&bytes, &p)
}

/// Write `data` (little-endian elements of `dtype`, C order) as a `.npy` file at `path`.
pub fn write(path: &Path, dtype: DType, shape: &[usize], data: &[u8]) -> Result<(), NpyError> {
    std::fs::write(path, to_bytes(dtype, shape, data))
        .map_err(|source| NpyError::Io { path: path.display().to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_shape_kind() {
        for shape in [vec![], vec![5], vec![2, 3], vec![1, 2, 3]] {
            let n: usize = shape.iter().product();
            let data: Vec<u8> = (0..n * 4).map(|i| i as u8).collect();
            let bytes = to_bytes(DType::F32, &shape, &data);
            assert_eq!((10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % 64, 0);
            let a = parse(&bytes, "t").unwrap();
            assert_eq!(a, NpyArray { dtype: DType::F32, shape: shape.clone(), data });
        }
    }

    #[test]
    fn parses_numpy_written_header() {
        // Header exactly as numpy 1.x writes it for np.arange(3, dtype=np.int32).
        let mut h = b"{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }".to_vec();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(b' ');
        }
        h.push(b'\n');
        let mut f = MAGIC.to_vec();
        f.extend_from_slice(&[1, 0]);
        f.extend_from_slice(&(h.len() as u16).to_le_bytes());
        f.extend_from_slice(&h);
        for v in [0i32, 1, 2] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        let a = parse(&f, "t").unwrap();
        assert_eq!(a.dtype, DType::I32);
        assert_eq!(a.shape, vec![3]);
    }

    #[test]
    fn errors_are_specific() {
        assert!(matches!(parse(b"hello world!", "x"), Err(NpyError::Format { .. })));
        let bytes = to_bytes(DType::F32, &[4], &[0; 8]);
        let e = parse(&bytes, "x.npy").unwrap_err().to_string();
        assert!(e.contains("needs 16 data bytes"), "{e}");
        let mut bytes = to_bytes(DType::F32, &[1], &[0; 4]);
        let at = bytes.windows(3).position(|w| w == b"<f4").unwrap();
        bytes[at + 1..at + 3].copy_from_slice(b"c8");
        let e = parse(&bytes, "x.npy").unwrap_err().to_string();
        assert!(e.contains("unsupported dtype"), "{e}");
    }
}
