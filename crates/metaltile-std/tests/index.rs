//! Gather and scatter by hand: torch's documented examples, i32 and i64 indices, ids of any
//! shape; out-of-range and negative indices are errors naming the op, the index and the bound
//! (and gather zeros / scatter nothing unchecked, never touching memory out of bounds); a plan
//! that reported one runs clean again; scatter with repeated indices stores one of the
//! candidates; the multi-vector layout of the row copies; bad shapes, dtypes and dims refused.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry};
use metaltile_runtime::{Buffer, Device, KernelArg, RuntimeError};
use metaltile_std::kernels::{index as k, masked};
use metaltile_std::ops::{self, IndexKind, OpParams, StdOp};
use metaltile_std::reference as r;
use metaltile_std::HostTensor;

fn f32s(b: &Buffer) -> Vec<f32> {
    b.to_vec::<f32>().unwrap()
}

fn host(b: &Buffer) -> HostTensor {
    HostTensor::new(b.shape(), b.to_f64().unwrap())
}

/// The error of `result`, which must be the out-of-range report of `op` for `value` and `bound`.
fn expect_out_of_range(result: Result<Buffer, RuntimeError>, op: &str, value: i64, bound: usize) {
    match result {
        Err(RuntimeError::BadParameter { op: o, reason, .. }) => {
            assert_eq!(o, op);
            assert!(reason.contains(&format!("index {value} ")), "{reason}");
            assert!(reason.contains(&format!("[0, {bound})")), "{reason}");
        }
        other => panic!("expected an out-of-range error from `{op}`, got {other:?}"),
    }
}

#[test]
fn embedding_copies_one_row_per_id_of_any_shape() {
    let dev = Device::cpu();
    let table: Vec<f32> = (0..5 * 8).map(|v| v as f32).collect();
    let t = dev.upload(&table, &[5, 8]).unwrap();
    let ids = dev.upload(&[4i32, 0, 4, 2, 1, 3], &[2, 3]).unwrap();
    let y = ops::embedding(&dev, &t, &ids).unwrap();
    assert_eq!(y.shape(), &[2, 3, 8]);
    let want: Vec<f32> = [4, 0, 4, 2, 1, 3].iter().flat_map(|r| table[r * 8..(r + 1) * 8].to_vec()).collect();
    assert_eq!(f32s(&y), want);
    // The bench counts the rows read and written and the ids, not the whole table.
    let plan = ops::embedding_plan(&dev, &t, &ids, true).unwrap();
    assert_eq!(plan.bytes_moved(), 6 * 4 + 2 * 6 * 8 * 4);
    // The same ids as i64.
    let ids64 = dev.upload(&[4i64, 0, 4, 2, 1, 3], &[2, 3]).unwrap();
    assert_eq!(f32s(&ops::embedding(&dev, &t, &ids64).unwrap()), want);
}

#[test]
fn torch_gather_example() {
    // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]])) = [[1, 1], [4, 3]]
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let idx = dev.upload(&[0i64, 0, 1, 0], &[2, 2]).unwrap();
    assert_eq!(f32s(&ops::gather(&dev, &x, 1, &idx).unwrap()), [1.0, 1.0, 4.0, 3.0]);
    let idx32 = dev.upload(&[0i32, 0, 1, 0], &[2, 2]).unwrap();
    assert_eq!(f32s(&ops::gather(&dev, &x, -1, &idx32).unwrap()), [1.0, 1.0, 4.0, 3.0]);
    // Along dim 0: y[i][j] = x[idx[i][j]][j].
    let idx0 = dev.upload(&[1i32, 0, 1, 1, 0, 0], &[3, 2]).unwrap();
    assert_eq!(f32s(&ops::gather(&dev, &x, 0, &idx0).unwrap()), [3.0, 2.0, 3.0, 4.0, 1.0, 2.0]);
}

#[test]
fn torch_index_select_example() {
    let dev = Device::cpu();
    let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let x = dev.upload(&x, &[3, 4]).unwrap();
    let idx = dev.upload(&[0i64, 2], &[2]).unwrap();
    let rows = ops::index_select(&dev, &x, 0, &idx).unwrap();
    assert_eq!(rows.shape(), &[2, 4]);
    assert_eq!(f32s(&rows), [0.0, 1.0, 2.0, 3.0, 8.0, 9.0, 10.0, 11.0]);
    let cols = ops::index_select(&dev, &x, 1, &idx).unwrap();
    assert_eq!(cols.shape(), &[3, 2]);
    assert_eq!(f32s(&cols), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
}

#[test]
fn torch_scatter_and_scatter_add_examples() {
    // zeros(1, 5).scatter_(1, [[4, 1, 2, 0]], [[1, 2, 3, 4]]) = [[4, 2, 3, 0, 1]]
    let dev = Device::cpu();
    let src = dev.upload(&[1.0f32, 2.0, 3.0, 4.0], &[1, 4]).unwrap();
    let x1 = dev.upload(&[0.0f32; 5], &[1, 5]).unwrap();
    let idx1 = dev.upload(&[4i32, 1, 2, 0], &[1, 4]).unwrap();
    assert_eq!(f32s(&ops::scatter(&dev, &x1, 1, &idx1, &src).unwrap()), [4.0, 2.0, 3.0, 0.0, 1.0]);
    // scatter_add with repeats: every contribution lands.
    let ones = dev.upload(&[1.0f32, 1.0, 1.0, 1.0], &[1, 4]).unwrap();
    let rep = dev.upload(&[0i32, 0, 3, 0], &[1, 4]).unwrap();
    assert_eq!(f32s(&ops::scatter_add(&dev, &x1, 1, &rep, &ones).unwrap()), [3.0, 0.0, 0.0, 1.0, 0.0]);
    // torch's own example scatters a [1, 4] index into [3, 5] along dim 0, the index smaller
    // than x on the other axis: refused here, not guessed at.
    let x = dev.upload(&[0.0f32; 15], &[3, 5]).unwrap();
    let idx = dev.upload(&[0i64, 1, 2, 0], &[1, 4]).unwrap();
    match ops::scatter(&dev, &x, 0, &idx, &src) {
        Err(RuntimeError::ShapeMismatch { what, .. }) => assert!(what.contains("`index`"), "{what}"),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

#[test]
fn scatter_add_of_16_bit_types_accumulates_in_f32() {
    // 2048 + 1 + 1 + ... in bf16 (8 bits of mantissa) would stay 2048 if each add rounded.
    let dev = Device::cpu();
    let x = dev.upload(&[half::bf16::from_f32(2048.0)], &[1]).unwrap();
    let n = 4096 + 3;
    let idx = dev.upload(&vec![0i32; n], &[n]).unwrap();
    let src = dev.upload(&vec![half::bf16::from_f32(1.0); n], &[n]).unwrap();
    let y = ops::scatter_add(&dev, &x, 0, &idx, &src).unwrap();
    // The f32 sum 6147 rounded once to bf16 (6144); rounding each add would leave 2048.
    assert_eq!(y.to_vec::<half::bf16>().unwrap()[0], half::bf16::from_f32((2048 + n) as f32));
    assert_eq!(half::bf16::from_f32((2048 + n) as f32).to_f32(), 6144.0);
}

#[test]
fn out_of_range_and_negative_indices_are_errors() {
    let dev = Device::cpu();
    let t = dev.upload(&[1.0f32; 4 * 8], &[4, 8]).unwrap();
    let bad = |v: &[i32]| dev.upload(v, &[v.len()]).unwrap();
    expect_out_of_range(ops::embedding(&dev, &t, &bad(&[0, 4, 1])), "embedding", 4, 4);
    expect_out_of_range(ops::embedding(&dev, &t, &bad(&[-1])), "embedding", -1, 4);
    expect_out_of_range(ops::index_select(&dev, &t, 1, &bad(&[7, 8])), "index_select", 8, 8);
    expect_out_of_range(ops::index_select(&dev, &t, 0, &bad(&[i32::MIN])), "index_select", i32::MIN as i64, 4);
    // i64: a value whose low word is in range must not pass for it.
    let big = dev.upload(&[0i64, (1i64 << 32) + 1], &[2]).unwrap();
    expect_out_of_range(ops::embedding(&dev, &t, &big), "embedding", (1i64 << 32) + 1, 4);
    let neg = dev.upload(&[-5i64], &[1]).unwrap();
    expect_out_of_range(ops::embedding(&dev, &t, &neg), "embedding", -5, 4);
    // gather and scatter, on the vector path (4103 indices) and on the tail.
    let x = dev.upload(&vec![1.0f32; 4103 * 3], &[4103, 3]).unwrap();
    for at in [17, 4102] {
        let mut v = vec![1i32; 4103 * 2];
        v[at * 2 + 1] = 3;
        let idx = dev.upload(&v, &[4103, 2]).unwrap();
        let src = dev.upload(&vec![2.0f32; 4103 * 2], &[4103, 2]).unwrap();
        expect_out_of_range(ops::gather(&dev, &x, 1, &idx), "gather", 3, 3);
        expect_out_of_range(ops::scatter(&dev, &x, 1, &idx, &src), "scatter", 3, 3);
        expect_out_of_range(ops::scatter_add(&dev, &x, 1, &idx, &src), "scatter_add", 3, 3);
    }
    match ops::gather(&dev, &x, 1, &dev.upload(&[0i32, 0, 0, -2], &[2, 2]).unwrap()) {
        Err(RuntimeError::ShapeMismatch { .. }) => {}
        other => panic!("a [2, 2] index of a [4103, 3] tensor along dim 1 must be refused, got {other:?}"),
    }
    // The report says where the index is.
    let small = dev.upload(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    match ops::gather(&dev, &small, 1, &dev.upload(&[0i32, 0, 0, -2], &[2, 2]).unwrap()) {
        Err(e) => assert!(e.to_string().contains("position 3") && e.to_string().contains("dim 1 of `x`"), "{e}"),
        Ok(_) => panic!("a negative index must be an error"),
    }
}

#[test]
fn unchecked_out_of_range_gathers_zeros_and_scatters_nothing() {
    let dev = Device::cpu();
    let mut p = OpParams::default();
    p.index.checked = 0.0;
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    let idx = dev.upload(&[2i32, 3, -1, 0, 1, 9], &[2, 3]).unwrap();
    let run = |op: IndexKind, inputs: &[&Buffer], dim: f32| {
        let mut p = p;
        p.index.dim = dim;
        let plan = StdOp::Index(op).plan(&dev, inputs, &p).unwrap();
        plan.run(&dev).unwrap();
        f32s(&plan.into_output())
    };
    assert_eq!(run(IndexKind::Gather, &[&x, &idx], 1.0), [3.0, 0.0, 0.0, 4.0, 5.0, 0.0]);
    let src = dev.upload(&[10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0], &[2, 3]).unwrap();
    assert_eq!(run(IndexKind::Scatter, &[&x, &idx, &src], 1.0), [1.0, 2.0, 10.0, 40.0, 50.0, 6.0]);
    assert_eq!(run(IndexKind::ScatterAdd, &[&x, &idx, &src], 1.0), [1.0, 2.0, 13.0, 44.0, 55.0, 6.0]);
    let rows = dev.upload(&[1i32, 2, -1], &[3]).unwrap();
    assert_eq!(run(IndexKind::IndexSelect, &[&x, &rows], 0.0), [4.0, 5.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(run(IndexKind::Embedding, &[&x, &rows], 0.0), [4.0, 5.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn a_plan_that_reported_a_bad_index_runs_clean_on_good_ones() {
    // The index buffer is the output of another plan (a copy), so the same plan sees new
    // values: the flag of the failed run must not stay set.
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    let bad = dev.upload(&[5i32, 0], &[2]).unwrap();
    let good = dev.upload(&[2i32, 0], &[2]).unwrap();
    let feed = ops::copy_plan(&dev, &bad).unwrap();
    feed.run(&dev).unwrap();
    let idx = feed.outputs()[0].1.clone();
    let plan = StdOp::Index(IndexKind::IndexSelect)
        .plan(
            &dev,
            &[&x, &idx],
            &OpParams { index: ops::IndexParams { dim: 0.0, ..Default::default() }, ..Default::default() },
        )
        .unwrap();
    assert!(plan.run(&dev).is_err());
    let refill = ops::copy_plan(&dev, &good).unwrap();
    // Copy `good` into the index buffer through the feeding plan's launch, on new inputs.
    let launch = &refill.launches()[0];
    let args = [KernelArg::Buffer(&good), KernelArg::Buffer(&idx), KernelArg::u32(2)];
    dev.launch(&launch.pipeline, launch.geometry, &args).unwrap();
    plan.run(&dev).unwrap();
    assert_eq!(f32s(&plan.into_output()), [3.0, 1.0]);
}

#[test]
fn scatter_with_repeated_indices_stores_one_of_the_candidates() {
    let dev = Device::cpu();
    let (rows, n, kk) = (64, 5, 40);
    let x = dev.upload(&vec![-1.0f32; rows * n], &[rows, n]).unwrap();
    let idx: Vec<i32> = (0..rows * kk).map(|i| ((i * 7 + i / 3) % n) as i32).collect();
    let src: Vec<f32> = (0..rows * kk).map(|i| i as f32).collect();
    let y = ops::scatter(&dev, &x, 1, &dev.upload(&idx, &[rows, kk]).unwrap(), &dev.upload(&src, &[rows, kk]).unwrap())
        .unwrap();
    let y = f32s(&y);
    for r in 0..rows {
        for c in 0..n {
            let candidates: Vec<f32> =
                (0..kk).filter(|j| idx[r * kk + j] as usize == c).map(|j| src[r * kk + j]).collect();
            let got = y[r * n + c];
            if candidates.is_empty() {
                assert_eq!(got, -1.0, "[{r}, {c}] has no candidate: x's value stays");
            } else {
                assert!(candidates.contains(&got), "[{r}, {c}] = {got}, not one of {candidates:?}");
            }
        }
    }
}

#[test]
fn row_copies_with_several_vectors_per_thread_match_the_reference() {
    // The plans take unroll = 4 only for tables larger than a test should copy: launch that
    // instance directly on a small one, every vector width.
    let dev = Device::cpu();
    for (dtype, d, vec) in [(DType::F32, 12, 4), (DType::BF16, 16, 8), (DType::F16, 5, 1)] {
        let (v, ids) = (9, 700);
        let table: Vec<f64> = (0..v * d).map(|i| i as f64 * 0.5 - 7.0).collect();
        let t = dev.from_f64(dtype, &[v, d], &table).unwrap();
        let id_values: Vec<i32> = (0..ids).map(|i| ((i * 5 + 3) % v) as i32).collect();
        let idx = dev.upload(&id_values, &[ids]).unwrap();
        let y = dev.alloc(dtype, &[ids, d]).unwrap();
        let flag = dev.upload(&[0u32; 5], &[5]).unwrap();
        let consts = ConstArgs::new()
            .with("vec", ConstArg::Int(vec))
            .with("unroll", ConstArg::Int(k::TAKE_UNROLL as i128))
            .with("wide", ConstArg::Bool(false));
        let p = dev.pipeline(&k::embedding::DEF, Some(dtype), &consts).unwrap();
        let row_vecs = (d / vec as usize) as u32;
        let total = ids as u32 * row_vecs;
        let groups = total.div_ceil(256 * k::TAKE_UNROLL);
        let args = [
            KernelArg::Buffer(&t),
            KernelArg::Buffer(&idx),
            KernelArg::Buffer(&y),
            KernelArg::Buffer(&flag),
            KernelArg::u32(v as u32),
            KernelArg::u32(ids as u32),
            KernelArg::u32(row_vecs),
            KernelArg::u32(total),
        ];
        dev.launch(&p, Geometry::linear(groups, 256), &args).unwrap();
        let ids_host = HostTensor::new(&[ids], id_values.iter().map(|v| *v as f64).collect());
        let want = r::embedding(&host(&t), &ids_host).unwrap();
        assert_eq!(y.to_f64().unwrap(), want.data, "{dtype}");
        assert_eq!(flag.to_vec::<u32>().unwrap(), [0; 5]);
    }
}

#[test]
fn bad_inputs_are_refused_with_what_is_wrong() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32; 6], &[2, 3]).unwrap();
    let fidx = dev.upload(&[0.0f32], &[1]).unwrap();
    match ops::index_select(&dev, &x, 0, &fidx) {
        Err(RuntimeError::UnsupportedDType { what, dtype: DType::F32, .. }) => assert!(what.contains("`index`")),
        other => panic!("{other:?}"),
    }
    let idx = dev.upload(&[0i32], &[1]).unwrap();
    match ops::index_select(&dev, &x, 2, &idx) {
        Err(RuntimeError::BadParameter { name, .. }) => assert_eq!(name, "dim"),
        other => panic!("{other:?}"),
    }
    let ints = dev.upload(&[1i32; 6], &[2, 3]).unwrap();
    assert!(matches!(ops::embedding(&dev, &ints, &idx), Err(RuntimeError::UnsupportedDType { .. })));
    match ops::embedding(&dev, &dev.upload(&[1.0f32; 6], &[6]).unwrap(), &idx) {
        Err(RuntimeError::InvalidShape { reason, .. }) => assert!(reason.contains("[V, D]"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let idx2 = dev.upload(&[0i32; 4], &[2, 2]).unwrap();
    match ops::index_select(&dev, &x, 0, &idx2) {
        Err(RuntimeError::InvalidShape { reason, .. }) => assert!(reason.contains("1-d"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let src16 = dev.upload(&[half::f16::ONE; 2], &[2, 1]).unwrap();
    let idx21 = dev.upload(&[0i32; 2], &[2, 1]).unwrap();
    assert!(matches!(ops::scatter(&dev, &x, 1, &idx21, &src16), Err(RuntimeError::DTypeMismatch { .. })));
    let src3 = dev.upload(&[1.0f32; 3], &[3, 1]).unwrap();
    match ops::scatter_add(&dev, &x, 1, &idx21, &src3) {
        Err(RuntimeError::ShapeMismatch { what, .. }) => assert!(what.contains("`src`"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_indices_give_empty_outputs_or_a_copy() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let none = dev.upload::<i32>(&[], &[0]).unwrap();
    assert_eq!(ops::index_select(&dev, &x, 0, &none).unwrap().shape(), &[0, 2]);
    assert_eq!(ops::embedding(&dev, &x, &none).unwrap().shape(), &[0, 2]);
    let none2 = dev.upload::<i32>(&[], &[2, 0]).unwrap();
    let src = dev.upload::<f32>(&[], &[2, 0]).unwrap();
    assert_eq!(f32s(&ops::scatter_add(&dev, &x, 1, &none2, &src).unwrap()), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(ops::gather(&dev, &x, 1, &none2).unwrap().shape(), &[2, 0]);
}

#[test]
fn masked_scatter_takes_src_in_order_and_refuses_a_short_src() {
    // torch: x.masked_scatter(mask, src) fills the true positions with src's first elements.
    let dev = Device::cpu();
    let x = dev.upload(&[0.0f32; 6], &[2, 3]).unwrap();
    let mask = dev.upload_bool(&[true, false, true, false, true, true], &[2, 3]).unwrap();
    let src = dev.upload(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]).unwrap();
    assert_eq!(f32s(&ops::masked_scatter(&dev, &x, &mask, &src).unwrap()), [1.0, 0.0, 2.0, 0.0, 3.0, 4.0]);
    let short = dev.upload(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    match ops::masked_scatter(&dev, &x, &mask, &short) {
        Err(RuntimeError::BadParameter { op, name, reason }) => {
            assert_eq!((op.as_str(), name.as_str()), ("masked_scatter", "src"));
            assert!(reason.contains("(3)") && reason.contains("element 3"), "{reason}");
        }
        other => panic!("expected a short-src error, got {other:?}"),
    }
    // Unchecked, the positions past src's end keep x's values.
    let mut p = OpParams::default();
    p.index.checked = 0.0;
    let plan = StdOp::Index(IndexKind::MaskedScatter).plan(&dev, &[&x, &mask, &short], &p).unwrap();
    plan.run(&dev).unwrap();
    assert_eq!(f32s(&plan.into_output()), [1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
    // The mask must be bool and of x's shape.
    let fmask = dev.upload(&[1.0f32; 6], &[2, 3]).unwrap();
    assert!(matches!(ops::masked_scatter(&dev, &x, &fmask, &src), Err(RuntimeError::DTypeMismatch { .. })));
    let row = dev.upload_bool(&[true; 3], &[3]).unwrap();
    assert!(matches!(ops::masked_scatter(&dev, &x, &row, &src), Err(RuntimeError::ShapeMismatch { .. })));
}

#[test]
fn masked_offsets_scans_more_chunks_than_one_threadgroup_holds() {
    // The oracle's tensors have a few chunks; a large one has more than 256, which the scan
    // walks in steps with a carry.
    let dev = Device::cpu();
    let chunks = 700u32;
    let counts: Vec<u32> = (0..chunks).map(|i| (i * 37 + 11) % 4097).collect();
    let mut with_total = counts.clone();
    with_total.push(0xdead);
    let buf = dev.upload(&with_total, &[chunks as usize + 1]).unwrap();
    let p = dev.pipeline(&masked::masked_offsets::DEF, Some(DType::U32), &ConstArgs::new()).unwrap();
    dev.launch(&p, Geometry::linear(1, masked::MASK_GROUP), &[KernelArg::Buffer(&buf), KernelArg::u32(chunks)])
        .unwrap();
    let mut want = Vec::new();
    let mut sum = 0u32;
    for c in &counts {
        want.push(sum);
        sum += c;
    }
    want.push(sum);
    assert_eq!(buf.to_vec::<u32>().unwrap(), want);
}
