//! Launches on the CPU device: results, the pipeline cache, poisoning, aliasing and every
//! error a launch can report.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{ADD, LANE_SUM, REVERSE, SCALE, SPLIT};
use half::{bf16, f16};
use metaltile::ir::{ConstArg, ConstArgs, Constant, DType, Geometry};
use metaltile_runtime::{BackendKind, Device, KernelArg, PipelineOptions, RuntimeError};
use std::sync::Arc;

fn none() -> ConstArgs {
    ConstArgs::new()
}

#[test]
fn scale_runs_for_every_float_dtype() {
    let dev = Device::cpu();
    let xs: Vec<f64> = (0..70).map(|i| i as f64 * 0.25 - 3.0).collect();
    for d in metaltile::ir::FLOAT_DTYPES {
        let p = dev.pipeline(&SCALE, Some(d), &none()).unwrap();
        let x = dev.from_f64(d, &[70], &xs).unwrap();
        let y = dev.alloc(d, &[70]).unwrap();
        let stats = dev.launch(&p, Geometry::cover(70, 32), &[(&x).into(), (&y).into(), KernelArg::u32(70)]).unwrap();
        assert!(stats.lane_ops > 0);
        let got = y.to_f64().unwrap();
        for (g, x) in got.iter().zip(&xs) {
            // Small multiples of 0.25 are exact in every float dtype, and so are their doubles.
            assert_eq!(*g, x * 2.0, "{d}");
        }
    }
}

#[test]
fn constexpr_changes_the_result_and_the_pipeline() {
    let dev = Device::cpu();
    let three = ConstArgs::new().with("factor", ConstArg::Float(3.0));
    let p2 = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let p3 = dev.pipeline(&SCALE, Some(DType::F32), &three).unwrap();
    assert!(!Arc::ptr_eq(&p2, &p3));
    let x = dev.upload(&[1.0f32, -2.0], &[2]).unwrap();
    let y = dev.alloc(DType::F32, &[2]).unwrap();
    dev.launch(&p3, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(2)]).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, -6.0]);
}

#[test]
fn pipeline_cache_hits_on_the_same_instance() {
    let dev = Device::cpu();
    assert_eq!(dev.cached_pipelines(), 0);
    let a = dev.pipeline(&SCALE, Some(DType::F16), &none()).unwrap();
    let b = dev.pipeline(&SCALE, Some(DType::F16), &none()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    // Spelling out the default value is the same instance.
    let c = dev.pipeline(&SCALE, Some(DType::F16), &ConstArgs::new().with("factor", ConstArg::Float(2.0))).unwrap();
    assert!(Arc::ptr_eq(&a, &c));
    assert_eq!(dev.cached_pipelines(), 1);
    // Another dtype, and unoptimized builds, are other pipelines.
    let d = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    assert!(!Arc::ptr_eq(&a, &d));
    let e = dev.pipeline_with(&SCALE, Some(DType::F16), &none(), PipelineOptions { optimize: false }).unwrap();
    assert!(!Arc::ptr_eq(&a, &e));
    assert_eq!(dev.cached_pipelines(), 3);
    // Clones share the cache; other devices do not.
    assert_eq!(dev.clone().cached_pipelines(), 3);
    assert_eq!(Device::cpu().cached_pipelines(), 0);
    assert_eq!(a.name(), "scale_f16");
}

#[test]
fn pipeline_errors_are_not_cached() {
    let dev = Device::cpu();
    let e = dev.pipeline(&SCALE, Some(DType::I32), &none()).unwrap_err();
    assert!(matches!(e, RuntimeError::Ir(_)), "{e}");
    let e = dev.pipeline(&SCALE, Some(DType::F32), &ConstArgs::new().with("nope", ConstArg::Int(1))).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    assert_eq!(dev.cached_pipelines(), 0);
}

#[test]
fn unoptimized_and_optimized_pipelines_agree() {
    let dev = Device::cpu();
    let raw = dev.pipeline_with(&SCALE, Some(DType::BF16), &none(), PipelineOptions { optimize: false }).unwrap();
    let opt = dev.pipeline(&SCALE, Some(DType::BF16), &none()).unwrap();
    let xs: Vec<bf16> = (0..40).map(|i| bf16::from_f32(i as f32 * 0.3 - 5.0)).collect();
    let x = dev.upload(&xs, &[40]).unwrap();
    let run = |p| {
        let y = dev.alloc(DType::BF16, &[40]).unwrap();
        dev.launch(p, Geometry::cover(40, 64), &[(&x).into(), (&y).into(), KernelArg::u32(40)]).unwrap();
        y.to_bytes().unwrap()
    };
    assert_eq!(run(&raw), run(&opt));
}

#[test]
fn fresh_buffers_are_poisoned_and_unwritten_outputs_stay_poisoned() {
    let dev = Device::cpu();
    for d in metaltile::ir::FLOAT_DTYPES {
        assert!(dev.alloc(d, &[3, 5]).unwrap().to_f64().unwrap().iter().all(|v| v.is_nan()), "{d}");
    }
    for d in [DType::U8, DType::I32, DType::U64] {
        assert!(dev.alloc(d, &[7]).unwrap().to_bytes().unwrap().iter().all(|&b| b == 0xAA), "{d}");
    }
    // The kernel writes only i < n: the tail keeps its poison.
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.upload(&[1.0f32; 8], &[8]).unwrap();
    let y = dev.alloc(DType::F32, &[8]).unwrap();
    dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(5)]).unwrap();
    let got = y.to_vec::<f32>().unwrap();
    assert!(got[..5].iter().all(|&v| v == 2.0), "{got:?}");
    assert!(got[5..].iter().all(|v| v.is_nan()), "{got:?}");
}

#[test]
fn in_place_launch_reads_the_values_from_before_the_launch() {
    let dev = Device::cpu();
    let p = dev.pipeline(&REVERSE, None, &none()).unwrap();
    let n = 100usize;
    let data: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let buf = dev.upload(&data, &[n]).unwrap();
    dev.launch(&p, Geometry::cover(n as u64, 32), &[(&buf).into(), (&buf).into(), KernelArg::u32(n as u32)]).unwrap();
    let want: Vec<f32> = data.iter().rev().copied().collect();
    assert_eq!(buf.to_vec::<f32>().unwrap(), want);
    // A read-only view of the output's memory is an alias too.
    let view = buf.read_only();
    dev.launch(&p, Geometry::cover(n as u64, 32), &[(&view).into(), (&buf).into(), KernelArg::u32(n as u32)]).unwrap();
    assert_eq!(buf.to_vec::<f32>().unwrap(), data);
}

#[test]
fn the_same_buffer_may_be_read_twice() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SPLIT, None, &none()).unwrap();
    let x = dev.upload(&[1.0f32, 2.0], &[2]).unwrap();
    let a = dev.alloc(DType::F32, &[2]).unwrap();
    let b = dev.alloc(DType::F32, &[2]).unwrap();
    dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&a).into(), (&b).into(), KernelArg::u32(2)]).unwrap();
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
    assert_eq!(b.to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
    // Two reads of one allocation, and all three parameters on one allocation.
    let add = dev.pipeline(&ADD, None, &none()).unwrap();
    let v = dev.upload(&[1.5f32; 32], &[32]).unwrap();
    let out = dev.alloc(DType::F32, &[32]).unwrap();
    dev.launch(&add, Geometry::linear(1, 32), &[(&v).into(), (&v).into(), (&out).into()]).unwrap();
    assert_eq!(out.to_vec::<f32>().unwrap(), vec![3.0; 32]);
    dev.launch(&add, Geometry::linear(1, 32), &[(&v).into(), (&v).into(), (&v).into()]).unwrap();
    assert_eq!(v.to_vec::<f32>().unwrap(), vec![3.0; 32]);
}

#[test]
fn concurrent_launches_on_crossed_buffers_do_not_deadlock() {
    // Thread A reads p and writes q, thread B reads q and writes p: locks taken in one global
    // order cannot deadlock.
    let dev = Device::cpu();
    let pipe = dev.pipeline(&REVERSE, None, &none()).unwrap();
    let p = dev.upload(&vec![1.0f32; 256], &[256]).unwrap();
    let q = dev.upload(&vec![2.0f32; 256], &[256]).unwrap();
    std::thread::scope(|s| {
        for (src, dst) in [(&p, &q), (&q, &p)] {
            let (dev, pipe) = (dev.clone(), pipe.clone());
            s.spawn(move || {
                for _ in 0..20 {
                    dev.launch(&pipe, Geometry::cover(256, 64), &[src.into(), dst.into(), KernelArg::u32(256)])
                        .unwrap();
                }
            });
        }
    });
    let all = [p.to_vec::<f32>().unwrap(), q.to_vec::<f32>().unwrap()].concat();
    assert!(all.iter().all(|&v| v == 1.0 || v == 2.0));
}

fn err_of(r: Result<metaltile_runtime::LaunchStats, RuntimeError>) -> RuntimeError {
    r.unwrap_err()
}

#[test]
fn wrong_argument_count_names_the_parameters() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&x).into()]));
    assert!(matches!(e, RuntimeError::ArgCount { expected: 3, found: 2, .. }), "{e}");
    assert!(e.to_string().contains("x, y, n"), "{e}");
}

#[test]
fn wrong_buffer_dtype_names_the_parameter() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.upload(&[f16::ONE; 4], &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]));
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::F32, found: DType::F16, .. }), "{e}");
    assert!(e.to_string().contains("parameter `x`"), "{e}");
}

#[test]
fn wrong_scalar_dtype_names_the_parameter() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::i32(4)]));
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::U32, found: DType::I32, .. }), "{e}");
    assert!(e.to_string().contains("parameter `n`"), "{e}");
}

#[test]
fn scalar_for_buffer_and_buffer_for_scalar_are_rejected() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[KernelArg::f32(1.0), (&y).into(), KernelArg::u32(4)]));
    assert!(matches!(&e, RuntimeError::ArgKind { param, expected: "a buffer", .. } if param == "x"), "{e}");
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), (&x).into()]));
    assert!(matches!(&e, RuntimeError::ArgKind { param, expected: "a scalar", .. } if param == "n"), "{e}");
}

#[test]
fn read_only_buffer_for_an_output_is_rejected() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap().read_only();
    assert!(!y.is_writable());
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]));
    assert!(matches!(&e, RuntimeError::ReadOnly { param, .. } if param == "y"), "{e}");
}

#[test]
fn one_buffer_for_two_outputs_is_rejected() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SPLIT, None, &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let a = dev.alloc(DType::F32, &[4]).unwrap();
    let a2 = a.reshape(&[2, 2]).unwrap();
    let e =
        err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&a).into(), (&a2).into(), KernelArg::u32(4)]));
    assert!(matches!(&e, RuntimeError::Alias { first, second, .. } if first == "a" && second == "b"), "{e}");
}

#[test]
fn buffer_of_another_device_is_rejected() {
    let dev = Device::cpu();
    let other = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = other.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]));
    assert!(matches!(&e, RuntimeError::WrongDevice { param, .. } if param == "x"), "{e}");
}

#[test]
fn geometry_over_1024_threads_is_rejected() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.alloc(DType::F32, &[4]).unwrap();
    let y = dev.alloc(DType::F32, &[4]).unwrap();
    let g = Geometry { groups: [1, 1, 1], group_size: [64, 32, 1] };
    let e = err_of(dev.launch(&p, g, &[(&x).into(), (&y).into(), KernelArg::u32(4)]));
    assert!(matches!(e, RuntimeError::Ir(_)), "{e}");
    assert!(e.to_string().contains("2048"), "{e}");
    let e = err_of(dev.launch(&p, Geometry::linear(0, 32), &[(&x).into(), (&y).into(), KernelArg::u32(4)]));
    assert!(e.to_string().contains("empty grid"), "{e}");
}

#[test]
fn simd_kernel_needs_threadgroups_of_whole_simdgroups() {
    let dev = Device::cpu();
    let p = dev.pipeline(&LANE_SUM, None, &none()).unwrap();
    let x = dev.upload(&[1.0f32; 48], &[48]).unwrap();
    let y = dev.alloc(DType::F32, &[48]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 48), &[(&x).into(), (&y).into()]));
    assert!(e.to_string().contains("multiple of 32"), "{e}");
}

#[test]
fn kernel_faults_come_back_as_interpreter_errors() {
    let dev = Device::cpu();
    let p = dev.pipeline(&LANE_SUM, None, &none()).unwrap();
    // 64 threads read 40 elements: out of bounds.
    let x = dev.upload(&[1.0f32; 40], &[40]).unwrap();
    let y = dev.alloc(DType::F32, &[64]).unwrap();
    let e = err_of(dev.launch(&p, Geometry::linear(1, 64), &[(&x).into(), (&y).into()]));
    assert!(matches!(&e, RuntimeError::Interp { kernel, .. } if kernel == "lane_sum"), "{e}");
    assert!(e.to_string().contains("out-of-bounds"), "{e}");
}

#[test]
fn enqueue_then_synchronize_runs_the_launch() {
    let dev = Device::cpu();
    let p = dev.pipeline(&SCALE, Some(DType::F32), &none()).unwrap();
    let x = dev.upload(&[4.0f32], &[1]).unwrap();
    let y = dev.alloc(DType::F32, &[1]).unwrap();
    dev.enqueue(&p, Geometry::linear(1, 32), &[(&x).into(), (&y).into(), KernelArg::u32(1)]).unwrap();
    dev.synchronize().unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![8.0]);
    let e = dev.enqueue(&p, Geometry::linear(1, 32), &[(&x).into()]).unwrap_err();
    assert!(matches!(e, RuntimeError::ArgCount { .. }), "{e}");
}

#[test]
fn pipeline_from_builder_kernel() {
    use metaltile::ir::{Builder, Op};
    let mut b = Builder::new("fill", None);
    let y = b.buffer_param("y", DType::U32, true);
    let i = b.value(Op::Builtin(metaltile::ir::Builtin::GlobalId(metaltile::ir::Axis::X))).unwrap();
    b.push(Op::Store { mem: y, index: i, value: i }).unwrap();
    let k = b.finish().unwrap();
    let dev = Device::cpu();
    let p = dev.pipeline_from_kernel(k, PipelineOptions::default()).unwrap();
    let out = dev.alloc(DType::U32, &[32]).unwrap();
    dev.launch(&p, Geometry::linear(1, 32), &[(&out).into()]).unwrap();
    assert_eq!(out.to_vec::<u32>().unwrap(), (0..32).collect::<Vec<u32>>());
    assert_eq!(dev.cached_pipelines(), 0);
}

#[test]
fn scalar_constructors_have_the_right_dtypes() {
    let kinds = [
        (KernelArg::u32(1), DType::U32),
        (KernelArg::i32(-1), DType::I32),
        (KernelArg::f32(0.5), DType::F32),
        (KernelArg::scalar(Constant::from_f64(DType::BF16, 1.0)), DType::BF16),
    ];
    for (a, d) in kinds {
        assert!(matches!(a, KernelArg::Scalar(c) if c.dtype == d));
    }
}

#[test]
fn backend_kinds_parse_and_print() {
    for k in BackendKind::ALL {
        assert_eq!(k.to_string().parse::<BackendKind>().unwrap(), k);
    }
    assert_eq!("CUDA".parse::<BackendKind>().unwrap(), BackendKind::Cuda);
    let e = "vulkan".parse::<BackendKind>().unwrap_err();
    assert!(e.to_string().contains("vulkan"), "{e}");
}

#[test]
fn unavailable_backends_say_why_and_best_falls_back_to_cpu() {
    // On a machine with a GPU the backend opens; everywhere else it must say why it cannot,
    // and best() must then fall back to the next kind in Metal, CUDA, CPU order.
    let mut expected_best = BackendKind::Cpu;
    for kind in [BackendKind::Cuda, BackendKind::Metal] {
        match Device::new(kind) {
            Ok(d) => {
                assert_eq!(d.kind(), kind);
                if kind == BackendKind::Metal || expected_best == BackendKind::Cpu {
                    expected_best = kind;
                }
            }
            Err(e) => {
                assert!(
                    matches!(&e, RuntimeError::BackendUnavailable { kind: k, reason } if *k == kind && !reason.is_empty())
                );
                assert!(e.to_string().contains(kind.name()), "{e}");
            }
        }
    }
    assert_eq!(Device::new(BackendKind::Cpu).unwrap().kind(), BackendKind::Cpu);
    assert_eq!(Device::best().kind(), expected_best);
    assert!(Device::cpu().name().contains("cpu"));
}
