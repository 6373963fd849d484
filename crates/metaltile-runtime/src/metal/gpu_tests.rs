//! The Metal backend on a real GPU, checked against the reference interpreter (the CPU
//! device) and against plain Rust. Each test skips, saying so, on a Mac without a Metal device.

use super::compile::compile_msl;
use super::MetalBackend;
use crate::backend::{Backend, BackendKind, BoundArg, DeviceMemory, LaunchRequest};
use crate::cpu::CpuBackend;
use crate::pipeline::Pipeline;
use crate::{CpuOptions, Device, KernelArg, RuntimeError};
use metaltile::ir::{ConstArgs, Constant, DType, Geometry, ALL_DTYPES};
use metaltile::prelude::*;
use std::sync::Arc;

fn metal() -> Option<Device> {
    match MetalBackend::new() {
        Ok(b) => Some(Device::from_backend(Box::new(b))),
        Err(RuntimeError::BackendUnavailable { reason, .. }) => {
            eprintln!("skipped: no Metal device ({reason})");
            None
        }
        Err(e) => panic!("creating the Metal backend: {e}"),
    }
}

fn backend_message(e: RuntimeError) -> String {
    match e {
        RuntimeError::Backend { backend: BackendKind::Metal, message } => message,
        other => panic!("expected a Metal backend error, got {other}"),
    }
}

#[kernel]
fn copy_or_fill<T: Scalar>(x: &[T], y: &mut [T], fill: T, n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = select(i % 3 == 0, fill, x[i]);
    }
}

#[kernel]
fn classify(x: &[f32], y: &mut [u32], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i].is_nan() as u32) | ((x[i].is_infinite() as u32) << 1);
    }
}

#[helper]
fn group_sum(v: f32) -> f32 {
    let partials = threadgroup_array::<f32>(32);
    let s = simd_sum(v);
    if lane_id() == 0 {
        partials[simdgroup_id()] = s;
    }
    threadgroup_barrier();
    let p = if lane_id() < num_simdgroups() { partials[lane_id()] } else { 0.0 };
    simd_sum(p)
}

#[kernel]
fn row_sums<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let row = group_id().x;
    let mut s = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        s += x[row * n + i] as f32;
    }
    let total = group_sum(s);
    if local_id().x == 0 {
        y[row] = total as T;
    }
}

/// Bits of `n` values of dtype `d`, spread over its range (NaNs and infinities included for floats).
fn sample_bits(d: DType, n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| Constant::from_bits(d, i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)).bits).collect()
}

#[test]
fn every_dtype_moves_through_buffers_and_scalars_as_on_the_interpreter() {
    let Some(gpu) = metal() else { return };
    let cpu = Device::cpu();
    let n = 1000usize;
    for d in ALL_DTYPES {
        let bits = sample_bits(d, n);
        let bytes: Vec<u8> = bits.iter().flat_map(|b| b.to_le_bytes()[..d.size_bytes()].to_vec()).collect();
        let fill = Constant::from_bits(d, 0xA5A5_5A5A_C3C3_3C3C);
        let run = |dev: &Device| {
            let p = dev.pipeline(&copy_or_fill::DEF, Some(d), &ConstArgs::new()).unwrap();
            let x = dev.from_bytes(d, &[n], &bytes).unwrap();
            let y = dev.alloc(d, &[n]).unwrap();
            let args = [(&x).into(), (&y).into(), KernelArg::scalar(fill), KernelArg::u32(n as u32)];
            dev.launch(&p, Geometry::cover(n as u64, 64), &args).unwrap();
            y.to_bits().unwrap()
        };
        let (want, got) = (run(&cpu), run(&gpu));
        assert_eq!(got, want, "{d}");
        assert_eq!(got[0], fill.bits, "{d}: the scalar reached the kernel");
        assert_eq!(got[1], bits[1], "{d}: the buffer reached the kernel");
    }
}

#[test]
fn nan_and_infinity_tests_survive_compilation() {
    let Some(gpu) = metal() else { return };
    let xs = [0.0f32, -1.5, f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, f32::MIN_POSITIVE];
    let p = gpu.pipeline(&classify::DEF, None, &ConstArgs::new()).unwrap();
    let x = gpu.upload(&xs, &[xs.len()]).unwrap();
    let y = gpu.alloc(DType::U32, &[xs.len()]).unwrap();
    gpu.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(xs.len() as u32)]).unwrap();
    let want: Vec<u32> = xs.iter().map(|v| v.is_nan() as u32 | ((v.is_infinite() as u32) << 1)).collect();
    assert_eq!(y.to_vec::<u32>().unwrap(), want);
}

#[test]
fn threadgroup_memory_and_simd_reductions_match_the_interpreter() {
    let Some(gpu) = metal() else { return };
    let cpu = Device::cpu();
    let (rows, n) = (5usize, 1000usize);
    let xs: Vec<f64> = (0..rows * n).map(|i| ((i * 37 % 101) as f64 - 50.0) / 16.0).collect();
    for d in metaltile::ir::FLOAT_DTYPES {
        let run = |dev: &Device| {
            let p = dev.pipeline(&row_sums::DEF, Some(d), &ConstArgs::new()).unwrap();
            let x = dev.from_f64(d, &[rows, n], &xs).unwrap();
            let y = dev.alloc(d, &[rows]).unwrap();
            let stats = dev
                .launch(&p, Geometry::linear(rows as u32, 256), &[(&x).into(), (&y).into(), KernelArg::u32(n as u32)])
                .unwrap();
            (y.to_f64().unwrap(), stats)
        };
        let ((want, _), (got, stats)) = (run(&cpu), run(&gpu));
        assert!(stats.elapsed > std::time::Duration::ZERO, "{d}: GPU time is reported");
        for (r, (g, w)) in got.iter().zip(&want).enumerate() {
            // Sums of multiples of 1/16 in this range are exact in f32, whatever the order;
            // only the final rounding to the dtype remains, the same on both.
            assert_eq!(g, w, "{d} row {r}");
        }
    }
}

#[test]
fn enqueued_launches_are_seen_by_reads_and_synchronize() {
    let Some(gpu) = metal() else { return };
    let n = 4096usize;
    let p = gpu.pipeline(&copy_or_fill::DEF, Some(DType::F32), &ConstArgs::new()).unwrap();
    let xs: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let x = gpu.upload(&xs, &[n]).unwrap();
    let ys: Vec<_> = (0..8).map(|_| gpu.alloc(DType::F32, &[n]).unwrap()).collect();
    for (k, y) in ys.iter().enumerate() {
        let args = [(&x).into(), y.into(), KernelArg::f32(-(k as f32)), KernelArg::u32(n as u32)];
        gpu.enqueue(&p, Geometry::cover(n as u64, 128), &args).unwrap();
    }
    // A read waits for the work queued before it, without an explicit synchronize.
    let last = ys[7].to_vec::<f32>().unwrap();
    assert_eq!(last[3], -7.0);
    assert_eq!(last[4], 4.0);
    gpu.synchronize().unwrap();
    for (k, y) in ys.iter().enumerate() {
        assert_eq!(y.to_vec::<f32>().unwrap()[0], -(k as f32));
    }
    gpu.synchronize().unwrap();
}

#[test]
fn fresh_buffers_are_poisoned_and_empty_ones_work() {
    let Some(gpu) = metal() else { return };
    let y = gpu.alloc(DType::F32, &[3]).unwrap();
    assert!(y.to_vec::<f32>().unwrap().iter().all(|v| v.to_bits() == crate::poison_bits(DType::F32) as u32));
    let e = gpu.alloc(DType::F16, &[0]).unwrap();
    assert!(e.to_bytes().unwrap().is_empty());
    let p = gpu.pipeline(&copy_or_fill::DEF, Some(DType::F16), &ConstArgs::new()).unwrap();
    let args = [(&e).into(), (&e).into(), KernelArg::scalar(Constant::from_f64(DType::F16, 1.0)), KernelArg::u32(0)];
    // Aliasing a read and a written parameter is allowed; n = 0 writes nothing.
    gpu.launch(&p, Geometry::linear(1, 32), &args).unwrap();
}

#[test]
fn host_writes_of_the_wrong_length_are_refused() {
    let Some(gpu) = metal() else { return };
    let memory = MetalBackend::new().unwrap().alloc(8).unwrap();
    assert_eq!(memory.size_bytes(), 8);
    let e = memory.write(&[0; 7]).unwrap_err();
    assert!(matches!(e, RuntimeError::LengthMismatch { expected: 8, found: 7, .. }), "{e}");
    memory.write(&[7; 8]).unwrap();
    assert_eq!(memory.read().unwrap(), vec![7; 8]);
    drop(gpu);
}

#[test]
fn compile_errors_quote_the_compiler() {
    let Some(_gpu) = metal() else { return };
    let b = MetalBackend::new().unwrap();
    let bad = "#include <metal_stdlib>\nusing namespace metal;\n\
               kernel void broken(device float* y [[buffer(0)]]) { y[0] = not_declared; }\n";
    let m = backend_message(compile_msl(&b.device, "broken", bad).err().unwrap());
    assert!(m.contains("`broken`") && m.contains("error:") && m.contains("not_declared"), "{m}");
    let good = "#include <metal_stdlib>\nusing namespace metal;\n\
                kernel void present(device float* y [[buffer(0)]]) { y[0] = 1.0f; }\n";
    let m = backend_message(compile_msl(&b.device, "absent", good).err().unwrap());
    assert!(m.contains("no function named `absent`"), "{m}");
    assert!(compile_msl(&b.device, "present", good).is_ok());
}

#[test]
fn launches_refuse_foreign_memory_and_foreign_pipelines() {
    let Some(gpu) = metal() else { return };
    let b = MetalBackend::new().unwrap();
    let kernel = classify::ir(None, &ConstArgs::new()).unwrap();
    let compiled = Pipeline { kernel: kernel.clone(), compiled: b.compile(&kernel).unwrap() };
    let host: Arc<dyn DeviceMemory> = CpuBackend { options: CpuOptions::default() }.alloc(16).unwrap();
    let own = b.alloc(16).unwrap();
    let args = [
        BoundArg::Buffer { memory: &own, written: false },
        BoundArg::Buffer { memory: &host, written: true },
        BoundArg::Scalar(Constant::u32(4)),
    ];
    let request = LaunchRequest { pipeline: &compiled, geometry: Geometry::linear(1, 32), args: &args };
    let e = b.launch(&request).unwrap_err();
    assert!(backend_message(e).contains("another backend"));
    let uncompiled = Pipeline { kernel, compiled: None };
    let request = LaunchRequest { pipeline: &uncompiled, geometry: Geometry::linear(1, 32), args: &args };
    let m = backend_message(b.enqueue(&request).unwrap_err());
    assert!(m.contains("not compiled for Metal"), "{m}");
    b.synchronize().unwrap();
    drop(gpu);
}

#[test]
fn the_device_is_named_and_reached_by_kind() {
    let Some(gpu) = metal() else { return };
    assert_eq!(gpu.kind(), BackendKind::Metal);
    assert!(gpu.name().starts_with("metal ("), "{}", gpu.name());
    assert_eq!(Device::new(BackendKind::Metal).unwrap().kind(), BackendKind::Metal);
    assert_eq!(Device::best().kind(), BackendKind::Metal);
}
