//! The contiguous copy: bit for bit in every dtype (integer extremes beyond f64's precision,
//! NaN payloads, bool), on the vector path and the tail; the integer kernel's MSL and CUDA.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, ConstArgs, DType, ALL_DTYPES};
use metaltile_runtime::Device;
use metaltile_std::kernels::copy::copy_scalar;
use metaltile_std::ops;

#[test]
fn copies_every_dtype_bit_for_bit() {
    let dev = Device::cpu();
    // Two whole threadgroups (the vector path) and a tail of 15.
    let n = 2 * 4096 + 15;
    for dtype in ALL_DTYPES {
        let w = dtype.size_bytes();
        // Every byte pattern a dtype holds: i64 values no f64 represents, NaN payloads; bool
        // bytes are 0 or 1.
        let bytes: Vec<u8> = (0..n * w)
            .map(|i| if dtype == DType::Bool { (i % 3 == 0) as u8 } else { (i * 37 + i / 7) as u8 })
            .collect();
        let x = dev.from_bytes(dtype, &[n], &bytes).unwrap();
        let y = ops::copy(&dev, &x).unwrap();
        assert_eq!(y.dtype(), dtype);
        assert_eq!(y.shape(), &[n]);
        assert!(y.to_bytes().unwrap() == bytes, "{dtype}");
    }
}

#[test]
fn empty_and_one_element() {
    let dev = Device::cpu();
    let e = dev.upload::<i32>(&[], &[0, 3]).unwrap();
    assert_eq!(ops::copy(&dev, &e).unwrap().shape(), &[0, 3]);
    let one = dev.upload(&[i64::MAX], &[1]).unwrap();
    assert_eq!(ops::copy(&dev, &one).unwrap().to_vec::<i64>().unwrap(), vec![i64::MAX]);
}

/// The registry's `copy` entry is the float kernel, which the codegen suite checks; the integer
/// and bool kernel is checked here.
#[test]
fn the_scalar_kernel_emits_checked_msl_and_cuda() {
    let mut sources = Vec::new();
    for d in ALL_DTYPES.into_iter().filter(|d| !d.is_float()) {
        let mut k = copy_scalar::DEF.ir(Some(d), &ConstArgs::new()).unwrap();
        passes::run_pipeline(&mut k).unwrap();
        for target in Target::ALL {
            sources.push((emit(&k, target).unwrap(), target));
        }
    }
    let files: Vec<(&str, Target)> = sources.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        panic!("{e}");
    }
}
