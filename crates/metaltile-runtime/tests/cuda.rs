//! The CUDA backend. Without `METALTILE_TEST_CUDA=1` only the "unavailable" behaviour is
//! checked (what every machine without an NVIDIA driver sees); with it, the GPU tests run and
//! a missing GPU fails them:
//!
//! `METALTILE_TEST_CUDA=1 cargo test --release -p metaltile-runtime --test cuda`

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{ADD, LANE_SUM, REVERSE, SCALE, SPLIT};
use metaltile::ir::{Axis, BinaryOp, Builder, Builtin, ConstArgs, Constant, DType, Geometry, Op, FLOAT_DTYPES};
use metaltile_runtime::{BackendKind, Device, KernelArg, PipelineOptions, RuntimeError};
use std::sync::Arc;

fn gpu_tests_enabled() -> bool {
    std::env::var("METALTILE_TEST_CUDA").is_ok_and(|v| v == "1")
}

/// The CUDA device, or `None` (the test then has nothing to check) when GPU tests are off.
fn gpu() -> Option<Device> {
    if !gpu_tests_enabled() {
        eprintln!("skipped: set METALTILE_TEST_CUDA=1 to run the CUDA tests on a GPU");
        return None;
    }
    match Device::new(BackendKind::Cuda) {
        Ok(d) => Some(d),
        Err(e) => panic!("METALTILE_TEST_CUDA=1 but {e}"),
    }
}

fn none() -> ConstArgs {
    ConstArgs::new()
}

#[test]
fn without_a_driver_cuda_is_unavailable_with_a_reason_and_best_falls_back() {
    if gpu_tests_enabled() {
        return;
    }
    match Device::new(BackendKind::Cuda) {
        // A machine with a working GPU: nothing to check here.
        Ok(d) => assert_eq!(d.kind(), BackendKind::Cuda),
        Err(RuntimeError::BackendUnavailable { kind, reason }) => {
            assert_eq!(kind, BackendKind::Cuda);
            assert!(!reason.trim().is_empty());
            let shown = RuntimeError::BackendUnavailable { kind, reason: reason.clone() }.to_string();
            assert!(shown.starts_with("the cuda backend is unavailable: "), "{shown}");
            // With no CUDA device to be had (and no Metal off macOS), `best` is the CPU.
            if !cfg!(target_os = "macos") {
                assert_eq!(Device::best().kind(), BackendKind::Cpu, "{reason}");
            }
        }
        Err(other) => panic!("expected BackendUnavailable, got {other}"),
    }
    // Asking twice gives the same answer (nothing half-initialized is left behind).
    assert_eq!(Device::new(BackendKind::Cuda).is_ok(), Device::new(BackendKind::Cuda).is_ok());
}

#[test]
fn gpu_best_is_cuda_and_named_after_the_gpu() {
    let Some(dev) = gpu() else { return };
    assert_eq!(Device::best().kind(), BackendKind::Cuda);
    assert!(dev.name().starts_with("cuda: "), "{}", dev.name());
    assert!(dev.name().contains("sm_"), "{}", dev.name());
}

#[test]
fn gpu_buffers_round_trip_and_start_poisoned() {
    let Some(dev) = gpu() else { return };
    let data: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5 - 7.0).collect();
    assert_eq!(dev.upload(&data, &[10, 100]).unwrap().to_vec::<f32>().unwrap(), data);
    let bytes: Vec<u8> = (0..=255u8).collect();
    assert_eq!(dev.from_bytes(DType::U8, &[256], &bytes).unwrap().to_bytes().unwrap(), bytes);
    let xs = [1.5, -2.25, 1e-3, 65504.0];
    for d in FLOAT_DTYPES {
        let b = dev.from_f64(d, &[4], &xs).unwrap();
        let cpu = Device::cpu().from_f64(d, &[4], &xs).unwrap();
        assert_eq!(b.to_bytes().unwrap(), cpu.to_bytes().unwrap(), "{d}");
        assert!(dev.alloc(d, &[3, 5]).unwrap().to_f64().unwrap().iter().all(|v| v.is_nan()), "{d}");
    }
    for d in [DType::U8, DType::I32, DType::U64] {
        assert!(dev.alloc(d, &[7]).unwrap().to_bytes().unwrap().iter().all(|&b| b == 0xAA), "{d}");
    }
    let empty = dev.alloc(DType::F32, &[0, 4]).unwrap();
    assert!(empty.to_vec::<f32>().unwrap().is_empty());
}

#[test]
fn gpu_scale_matches_the_cpu_for_every_float_dtype_and_leaves_the_tail_poisoned() {
    let Some(dev) = gpu() else { return };
    let cpu = Device::cpu();
    let xs: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin() * 100.0).collect();
    for d in FLOAT_DTYPES {
        let run = |dev: &Device| {
            let p = dev.pipeline(&SCALE, Some(d), &none()).unwrap();
            let x = dev.from_f64(d, &[1000], &xs).unwrap();
            let y = dev.alloc(d, &[1000]).unwrap();
            dev.launch(&p, Geometry::cover(1000, 128), &[(&x).into(), (&y).into(), KernelArg::u32(900)]).unwrap();
            y.to_bytes().unwrap()
        };
        let (g, c) = (run(&dev), run(&cpu));
        let w = d.size_bytes();
        assert_eq!(g[..900 * w], c[..900 * w], "{d}");
        let tail = dev.from_bytes(d, &[100], &g[900 * w..]).unwrap().to_f64().unwrap();
        assert!(tail.iter().all(|v| v.is_nan()), "{d}: unwritten outputs must keep their poison");
    }
}

#[test]
fn gpu_pipelines_compile_once_per_instance() {
    let Some(dev) = gpu() else { return };
    let a = dev.pipeline(&SCALE, Some(DType::F16), &none()).unwrap();
    let b = dev.pipeline(&SCALE, Some(DType::F16), &none()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(a.compiled().is_some());
    assert_eq!(dev.cached_pipelines(), 1);
}

#[test]
fn gpu_simd_sum_matches_the_cpu() {
    let Some(dev) = gpu() else { return };
    let xs: Vec<f32> = (0..256).map(|i| (i % 17) as f32 - 8.0).collect();
    let run = |dev: &Device| {
        let p = dev.pipeline(&LANE_SUM, None, &none()).unwrap();
        let x = dev.upload(&xs, &[256]).unwrap();
        let y = dev.alloc(DType::F32, &[256]).unwrap();
        dev.launch(&p, Geometry::linear(2, 128), &[(&x).into(), (&y).into()]).unwrap();
        y.to_vec::<f32>().unwrap()
    };
    // Small integers: every order of summation is exact.
    assert_eq!(run(&dev), run(&Device::cpu()));
}

#[test]
fn gpu_in_place_launch_reads_the_values_from_before_the_launch() {
    let Some(dev) = gpu() else { return };
    let p = dev.pipeline(&REVERSE, None, &none()).unwrap();
    let n = 1000usize;
    let data: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let buf = dev.upload(&data, &[n]).unwrap();
    dev.launch(&p, Geometry::cover(n as u64, 128), &[(&buf).into(), (&buf).into(), KernelArg::u32(n as u32)]).unwrap();
    let want: Vec<f32> = data.iter().rev().copied().collect();
    assert_eq!(buf.to_vec::<f32>().unwrap(), want);
    let view = buf.read_only();
    dev.launch(&p, Geometry::cover(n as u64, 128), &[(&view).into(), (&buf).into(), KernelArg::u32(n as u32)]).unwrap();
    assert_eq!(buf.to_vec::<f32>().unwrap(), data);
    // All three parameters of `add` on one allocation.
    let add = dev.pipeline(&ADD, None, &none()).unwrap();
    let v = dev.upload(&[1.5f32; 64], &[64]).unwrap();
    dev.launch(&add, Geometry::linear(2, 32), &[(&v).into(), (&v).into(), (&v).into()]).unwrap();
    assert_eq!(v.to_vec::<f32>().unwrap(), vec![3.0; 64]);
}

#[test]
fn gpu_enqueued_launches_run_in_order_and_finish_by_synchronize() {
    let Some(dev) = gpu() else { return };
    let p = dev.pipeline(&SPLIT, None, &none()).unwrap();
    let n = 4096usize;
    let x = dev.upload(&vec![1.0f32; n], &[n]).unwrap();
    let a = dev.alloc(DType::F32, &[n]).unwrap();
    let b = dev.alloc(DType::F32, &[n]).unwrap();
    let g = Geometry::cover(n as u64, 256);
    // Each launch reads what the one before wrote: only stream order gives 1 + 2·10.
    for _ in 0..10 {
        dev.enqueue(&p, g, &[(&x).into(), (&a).into(), (&b).into(), KernelArg::u32(n as u32)]).unwrap();
        dev.enqueue(&p, g, &[(&a).into(), (&x).into(), (&b).into(), KernelArg::u32(n as u32)]).unwrap();
    }
    dev.synchronize().unwrap();
    assert!(x.to_vec::<f32>().unwrap().iter().all(|&v| v == 21.0));
    // A read alone also waits for queued work.
    dev.enqueue(&p, g, &[(&x).into(), (&a).into(), (&b).into(), KernelArg::u32(n as u32)]).unwrap();
    assert!(b.to_vec::<f32>().unwrap().iter().all(|&v| v == 20.0));
}

#[test]
fn gpu_launch_time_is_device_event_time() {
    let Some(dev) = gpu() else { return };
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let n = 1 << 24;
    let x = dev.upload(&vec![1.0f32; n], &[n]).unwrap();
    let y = dev.alloc(DType::F32, &[n]).unwrap();
    let stats =
        dev.launch(&p, Geometry::cover(n as u64, 256), &[(&x).into(), (&y).into(), KernelArg::u32(n as u32)]).unwrap();
    // 128 MiB moved: more than a microsecond on any GPU, far less than a second.
    assert!(stats.elapsed.as_secs_f64() > 1e-6 && stats.elapsed.as_secs_f64() < 1.0, "{:?}", stats.elapsed);
    assert_eq!(stats.lane_ops, 0);
}

#[test]
fn gpu_geometry_over_the_devices_limits_is_a_launch_error() {
    let Some(dev) = gpu() else { return };
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let g = Geometry { groups: [1, 70_000, 1], group_size: [32, 1, 1] };
    let e = dev.launch(&p, g, &[(&x).into(), (&y).into(), KernelArg::u32(4)]).unwrap_err();
    assert!(matches!(&e, RuntimeError::Launch { kernel, .. } if kernel == "scale_f32"), "{e}");
    assert!(e.to_string().contains("along y"), "{e}");
    // The device is still usable afterwards.
    dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]).unwrap();
}

#[test]
fn gpu_buffers_of_another_cuda_device_are_rejected() {
    let Some(dev) = gpu() else { return };
    let other = Device::new(BackendKind::Cuda).unwrap();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = other.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let e = dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]).unwrap_err();
    assert!(matches!(e, RuntimeError::WrongDevice { .. }), "{e}");
}

#[test]
fn gpu_std_suite_passes_on_cuda() {
    let Some(dev) = gpu() else { return };
    let mut failures = Vec::new();
    let results = metaltile_std::testing::run_suite(&dev, None, &mut |r| {
        if !r.passed {
            failures.push(format!(
                "{} {} {} ({}): {}",
                r.kernel,
                r.dtype,
                r.shape,
                r.label,
                r.error.as_deref().unwrap_or("")
            ));
        }
    });
    let expected: usize = metaltile_std::registry::all().iter().map(|e| metaltile_std::testing::cases(e).len()).sum();
    assert_eq!(results.len(), expected);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed on CUDA:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

/// Set in the child process of the fault test.
const FAULT_CHILD: &str = "METALTILE_TEST_CUDA_FAULT_CHILD";

#[test]
fn gpu_a_faulting_kernel_is_a_launch_error_that_names_it() {
    let Some(_) = gpu() else { return };
    // A fault leaves the whole process's CUDA context unusable, so it happens in a child
    // process (this test binary, running only `fault_child`).
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "fault_child", "--nocapture", "--test-threads=1"])
        .env(FAULT_CHILD, "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("launch of `wild_store` failed: running on the GPU: CUDA_ERROR_ILLEGAL_ADDRESS"), "{text}");
    assert!(text.contains("the CUDA context is unusable"), "{text}");
    assert!(text.contains("afterwards: "), "{text}");
}

#[test]
fn fault_child() {
    if std::env::var(FAULT_CHILD).is_err() {
        return;
    }
    let dev = Device::new(BackendKind::Cuda).unwrap();
    // y[gid * 2^30] = 1: every thread but the first writes gigabytes past a 4-element buffer.
    let mut b = Builder::new("wild_store", None);
    let y = b.buffer_param("y", DType::F32, true);
    let i = b.value(Op::Builtin(Builtin::GlobalId(Axis::X))).unwrap();
    let stride = b.value(Op::Const(Constant::u32(1 << 30))).unwrap();
    let idx = b.value(Op::Binary { op: BinaryOp::Mul, lhs: i, rhs: stride }).unwrap();
    let one = b.value(Op::Const(Constant::f32(1.0))).unwrap();
    b.push(Op::Store { mem: y, index: idx, value: one }).unwrap();
    let p = dev.pipeline_from_kernel(b.finish().unwrap(), PipelineOptions::default()).unwrap();
    let buf = dev.alloc(DType::F32, &[4]).unwrap();
    let e = dev.launch(&p, Geometry::linear(1, 32), &[(&buf).into()]).unwrap_err();
    assert!(matches!(&e, RuntimeError::Launch { kernel, .. } if kernel == "wild_store"), "{e}");
    println!("{e}");
    // Every later call reports the failure too, rather than returning garbage.
    let later = buf.to_vec::<f32>().unwrap_err();
    println!("afterwards: {later}");
}
