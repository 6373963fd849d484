//! `#[kernel]` and `#[helper]` on accepted code: the generated module, its definition, the
//! IR each construct traces to, and the dtype/constexpr contract of `ir`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metaltile::ir::{
    print_kernel, ArraySpace, ConstArg, ConstArgs, Constant, DType, Geometry, IrError, Kernel, ParamInfo, ParamInfoKind,
};
use metaltile::prelude::*;
use metaltile_interp::{run, Arg, Options};

#[helper]
fn block_sum<T: Float>(v: T, scratch: &mut [T]) -> T {
    let lane = lane_id();
    let warp = simdgroup_id();
    let s = simd_sum(v);
    if lane == 0 {
        scratch[warp] = s;
    }
    threadgroup_barrier();
    let mut total = 0.0;
    for w in 0..num_simdgroups() {
        total += scratch[w];
    }
    total
}

/// Softmax over rows of `n` elements, one threadgroup per row.
#[kernel]
pub fn softmax<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr(default = 256)] block: u32) {
    let row = group_id().x;
    let scratch = threadgroup_array::<T>(32);
    let mut m = T::NEG_INFINITY;
    for i in (local_id().x..n).step_by(block) {
        m = m.max(x[row * n + i]);
    }
    m = simd_max(m);
    let mut s = 0.0;
    for i in (local_id().x..n).step_by(block) {
        s += (x[row * n + i] - m).exp();
    }
    let total = block_sum(s, scratch);
    for i in (local_id().x..n).step_by(block) {
        y[row * n + i] = (x[row * n + i] - m).exp() / total;
    }
}

#[test]
fn softmax_def_describes_the_signature() {
    let d = softmax::DEF;
    assert_eq!(d.name, "softmax");
    assert_eq!(d.dtypes, &metaltile::ir::FLOAT_DTYPES);
    assert_eq!(
        d.params,
        &[
            ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: None },
            ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: None },
            ParamInfo { name: "n", kind: ParamInfoKind::Scalar, dtype: Some(DType::U32) },
        ]
    );
    assert_eq!(d.constexprs.len(), 1);
    assert_eq!(d.constexprs[0].name, "block");
    assert_eq!(d.constexprs[0].dtype, DType::U32);
    assert_eq!(d.constexprs[0].default, Some(ConstArg::Int(256)));
}

#[test]
fn softmax_traces_for_every_float_dtype() {
    for d in metaltile::ir::FLOAT_DTYPES {
        let k = softmax::ir(Some(d), &ConstArgs::new()).unwrap();
        assert_eq!(k.name, format!("softmax_{d}"));
        assert_eq!(k.dtype, Some(d));
        let text = print_kernel(&k);
        assert!(text.contains(&format!("const -inf : {d}")), "T::NEG_INFINITY: {text}");
        assert!(text.contains("simd_sum"), "the helper is inlined: {text}");
        assert!(text.contains("threadgroup scratch"), "{text}");
    }
}

#[test]
fn softmax_computes_softmax() {
    // One simdgroup per row, so the simdgroup max is the row max.
    let consts = ConstArgs::new().with("block", ConstArg::Int(32));
    let k = softmax::DEF.ir(Some(DType::F32), &consts).unwrap();
    let (rows, n) = (3usize, 77usize);
    let x: Vec<f32> = (0..rows * n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 9.0).collect();
    let xb: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut yb = vec![0u8; x.len() * 4];
    let mut args = [Arg::Input(&xb), Arg::Output(&mut yb), Arg::Scalar(Constant::u32(n as u32))];
    run(&k, &Geometry::linear(rows as u32, 32), &mut args, &Options::default()).unwrap();
    let y: Vec<f32> = yb.chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    for r in 0..rows {
        let row = &x[r * n..(r + 1) * n];
        let m = row.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f64));
        let s: f64 = row.iter().map(|&v| (v as f64 - m).exp()).sum();
        for (c, &v) in row.iter().enumerate() {
            let want = (v as f64 - m).exp() / s;
            let got = y[r * n + c] as f64;
            assert!((got - want).abs() <= 1e-6 + 1e-5 * want.abs(), "row {r} col {c}: {got} vs {want}");
        }
    }
}

#[test]
fn constexprs_resolve_from_defaults_and_values() {
    let k = softmax::ir(Some(DType::F32), &ConstArgs::new().with("block", ConstArg::Int(64))).unwrap();
    assert_eq!(k.constexprs, vec![("block".to_string(), Constant::u32(64))]);
    let e = softmax::DEF.ir(Some(DType::F32), &ConstArgs::new().with("blok", ConstArg::Int(64))).unwrap_err();
    assert!(matches!(e, IrError::BadConstexpr { .. }), "{e}");
    let e = softmax::ir(Some(DType::F32), &ConstArgs::new().with("block", ConstArg::Float(1.5))).unwrap_err();
    assert!(matches!(e, IrError::BadConstexpr { .. }), "{e}");
}

#[test]
fn unsupported_dtypes_are_errors() {
    let e = softmax::ir(Some(DType::I32), &ConstArgs::new()).unwrap_err();
    match e {
        IrError::UnsupportedDType { kernel, dtype, supported } => {
            assert_eq!(kernel, "softmax");
            assert_eq!(dtype, DType::I32);
            assert_eq!(supported, "f32, f16, bf16");
        }
        other => panic!("{other}"),
    }
    let e = softmax::ir(None, &ConstArgs::new()).unwrap_err();
    assert!(e.to_string().contains("is generic"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Signatures: non-generic kernels, every bound, scalar and constexpr kinds
// ---------------------------------------------------------------------------------------

#[kernel]
fn plain(
    x: &[u8],
    y: &mut [f16],
    scale: bf16,
    #[constexpr] width: i32,
    #[constexpr(default = -2.5)] bias: f32,
    #[constexpr(default = true)] flag: bool,
) {
    let i = global_id().x;
    let v = if flag { (x[i] as f32) * (width as f32) + bias } else { scale as f32 };
    y[i] = v as f16;
}

#[test]
fn plain_kernels_have_no_dtypes() {
    let d = plain::DEF;
    assert!(d.dtypes.is_empty());
    assert_eq!(
        d.params,
        &[
            ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: Some(DType::U8) },
            ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: Some(DType::F16) },
            ParamInfo { name: "scale", kind: ParamInfoKind::Scalar, dtype: Some(DType::BF16) },
        ]
    );
    let names: Vec<_> = d.constexprs.iter().map(|c| (c.name, c.dtype, c.default)).collect();
    assert_eq!(
        names,
        vec![
            ("width", DType::I32, None),
            ("bias", DType::F32, Some(ConstArg::Float(-2.5))),
            ("flag", DType::Bool, Some(ConstArg::Bool(true))),
        ]
    );
    let e = plain::ir(None, &ConstArgs::new()).unwrap_err();
    assert_eq!(e, IrError::MissingConstexpr("width".into()));
    let consts = ConstArgs::new().with("width", ConstArg::Int(-3));
    let k = plain::ir(None, &consts).unwrap();
    assert_eq!(k.name, "plain");
    assert_eq!(k.dtype, None);
    let e = plain::ir(Some(DType::F32), &consts).unwrap_err();
    assert!(matches!(e, IrError::UnsupportedDType { dtype: DType::F32, .. }), "{e}");
    assert!(e.to_string().contains("not generic"), "{e}");
}

#[kernel]
fn copy_any<T: Scalar>(x: &[T], y: &mut [T], fill: T) {
    let i = global_id().x;
    y[i] = select(i % 2 == 0, x[i], fill);
}

#[kernel]
fn int_only<T: Int>(x: &[T], y: &mut [T]) {
    let i = global_id().x;
    y[i] = x[i] ^ T::MAX;
}

#[kernel]
fn numeric_only<T: Numeric>(x: &[T], y: &mut [T]) {
    let i = global_id().x;
    y[i] = x[i].max(T::MIN) * x[i];
}

#[test]
fn each_bound_instantiates_its_dtypes() {
    assert_eq!(copy_any::DEF.dtypes, &metaltile::ir::ALL_DTYPES);
    assert_eq!(int_only::DEF.dtypes, &metaltile::ir::INT_DTYPES);
    assert_eq!(numeric_only::DEF.dtypes.len(), 11);
    assert_eq!(copy_any::DEF.params[2], ParamInfo { name: "fill", kind: ParamInfoKind::Scalar, dtype: None });
    for d in metaltile::ir::ALL_DTYPES {
        let k = copy_any::ir(Some(d), &ConstArgs::new()).unwrap();
        assert_eq!(k.params[2].dtype, d);
        assert_eq!(int_only::ir(Some(d), &ConstArgs::new()).is_ok(), d.is_int(), "{d}");
        assert_eq!(numeric_only::ir(Some(d), &ConstArgs::new()).is_ok(), d.is_int() || d.is_float(), "{d}");
    }
}

// ---------------------------------------------------------------------------------------
// What each construct traces to
// ---------------------------------------------------------------------------------------

fn text(k: &Kernel) -> String {
    print_kernel(k)
}

#[kernel]
fn names_and_arrays(x: &[f32], y: &mut [f32], counts: &mut [u32]) {
    let gid = global_id();
    let i = gid.x * 4;
    let tile = threadgroup_array::<f32>(64);
    let priv_ = private_array::<u32>(2);
    let [a, b, _, d] = load4(&x, i);
    let s: f32 = a + b;
    let mut t: f32 = d;
    t *= 2.0;
    tile[local_id().x] = s;
    priv_[0] = 1;
    threadgroup_barrier();
    simdgroup_barrier();
    let _ = atomic_add(&counts, 0u32, priv_[0]);
    let m = masked_load(&x, i + 5, i < 8, -1.0);
    store4(&y, i, [s, t.get_value(), m, tile[0]]);
}

/// `t.get_value()` stands for a method of the user's: method calls pass through unchanged.
trait GetValue {
    fn get_value(self) -> Self;
}
impl GetValue for Val<f32> {
    fn get_value(self) -> Self {
        self
    }
}

#[test]
fn lets_name_values_and_arrays() {
    let k = names_and_arrays::ir(None, &ConstArgs::new()).unwrap();
    let t = text(&k);
    for needle in [".gid_x = global_id.x", ".a = extract", ".d = extract", ".s = add", "var t: f32", "masked_load"] {
        assert!(t.contains(needle), "`{needle}` missing:\n{t}");
    }
    assert_eq!(k.arrays[0].name, "tile");
    assert_eq!(k.arrays[0].space, ArraySpace::Threadgroup);
    assert_eq!(k.arrays[1].name, "priv_");
    assert_eq!(k.arrays[1].space, ArraySpace::Private);
    for needle in ["threadgroup_barrier", "simdgroup_barrier", "atomic_add", "store y["] {
        assert!(t.contains(needle), "`{needle}` missing:\n{t}");
    }
}

#[kernel]
fn control(x: &[i32], y: &mut [i32], n: u32) {
    let i = global_id().x;
    if i >= n {
        return;
    }
    let mut k = 0u32;
    while k < 3 {
        k += 1;
        if k == 2 {
            continue;
        }
    }
    loop {
        break;
    }
    for j in 0..=n {
        y[j] = x[i];
    }
}

#[test]
fn control_flow_becomes_structured_ir() {
    let t = text(&control::ir(None, &ConstArgs::new()).unwrap());
    for needle in ["return", "while", "continue", "break", "if ", "..="] {
        assert!(t.contains(needle), "`{needle}` missing:\n{t}");
    }
}

#[kernel]
fn half_literal<T: Float>(x: &[T], y: &mut [T]) {
    let i = global_id().x;
    y[i] = x[i] * 1.0e10;
}

#[test]
fn inferred_literals_that_do_not_fit_are_trace_errors() {
    assert!(half_literal::ir(Some(DType::F32), &ConstArgs::new()).is_ok());
    let e = half_literal::ir(Some(DType::F16), &ConstArgs::new()).unwrap_err();
    assert!(e.to_string().contains("overflows f16"), "{e}");
}

#[kernel]
fn simd_all_ops(x: &[f32], y: &mut [f32], flags: &mut [u32]) {
    let i = global_id().x;
    let v = x[i];
    let l = lane_id();
    let r = simd_sum(v) + simd_product(v) + simd_max(v) + simd_min(v);
    let p = simd_prefix_sum(v) + simd_prefix_sum_exclusive(v);
    let s = simd_shuffle(v, l ^ 1) + simd_shuffle_xor(v, 1) + simd_shuffle_up(v, 1) + simd_shuffle_down(v, 1);
    let b = simd_broadcast(v, 0);
    let any = simd_any(v > 0.0);
    let all = simd_all(v > 0.0);
    flags[i] = simd_ballot(any && all);
    let pos = local_index() + group_size().x + num_groups().x + grid_size().x + simdgroup_id() + num_simdgroups();
    y[i] = r + p + s + b + (pos as f32) + (SIMD_WIDTH as f32);
}

#[test]
fn collectives_and_builtins_trace() {
    let t = text(&simd_all_ops::ir(None, &ConstArgs::new()).unwrap());
    for needle in [
        "simd_sum",
        "simd_product",
        "simd_max",
        "simd_min",
        "simd_prefix_sum",
        "simd_shuffle",
        "simd_broadcast",
        "simd_any",
        "simd_all",
        "simd_ballot",
        "local_index",
        "num_simdgroups",
    ] {
        assert!(t.contains(needle), "`{needle}` missing:\n{t}");
    }
}

#[helper]
fn sum_first<T: Float>(m: &[T], count: u32) -> T {
    let mut s = 0.0;
    for k in 0..count {
        s += m[k];
    }
    s
}

#[helper]
fn write_all<T: Float>(m: &mut [T], count: u32, v: T) {
    for k in 0..count {
        m[k] = v;
    }
}

// `&local` is passed on purpose: a reference to memory is the same memory.
#[allow(clippy::needless_borrows_for_generic_args)]
#[kernel]
fn helper_memory<T: Float>(x: &[T], y: &mut [T]) {
    let tile = threadgroup_array::<T>(4);
    let local = private_array::<T>(4);
    write_all(tile, 4, 1.0);
    write_all(&local, 4, 2.0);
    y[0] = sum_first(x, 4) + sum_first(tile, 4) + sum_first(&local, 4) + sum_first(y, 2);
}

#[test]
fn helpers_take_every_kind_of_memory() {
    let k = helper_memory::ir(Some(DType::F32), &ConstArgs::new()).unwrap();
    let xb: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut yb = vec![0u8; 8];
    yb[4..].copy_from_slice(&5.0f32.to_le_bytes());
    run(&k, &Geometry::linear(1, 1), &mut [Arg::Input(&xb), Arg::Output(&mut yb)], &Options::default()).unwrap();
    let y0 = f32::from_le_bytes(yb[..4].try_into().unwrap());
    // x: 10, tile: 4, local: 8, y[0] + y[1] read before the store: 0 + 5.
    assert_eq!(y0, 27.0);
}

#[test]
fn body_can_be_traced_by_hand() {
    let k = metaltile::dsl::trace("by_hand", Some(DType::F32), || {
        let x = metaltile::dsl::declare::input::<f32>("x");
        let y = metaltile::dsl::declare::output::<f32>("y");
        half_literal::body::<f32>(x, y);
        Ok(())
    })
    .unwrap();
    assert_eq!(k.name, "by_hand_f32");
}

const TILE: u32 = 8;
const HALF: f32 = 0.5;

#[kernel]
fn rust_constants(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    let tile = threadgroup_array::<f32>(TILE);
    tile[i % TILE] = x[i] * HALF;
    y[i] = tile[i % TILE] + (SIMD_WIDTH as f32);
}

#[test]
fn rust_constants_are_compile_time_constants() {
    let k = rust_constants::ir(None, &ConstArgs::new()).unwrap();
    assert_eq!(k.arrays[0].len, TILE);
    let t = text(&k);
    assert!(t.contains("const 0.5 : f32"), "{t}");
    assert!(t.contains("const 32 : u32"), "{t}");
}

mod paths {
    use metaltile::prelude::*;

    #[helper]
    fn twice(v: u32) -> u32 {
        v * 2
    }

    pub mod inner {
        use metaltile::prelude::*;

        #[helper]
        fn twice(v: u32) -> u32 {
            v * 3
        }

        /// `super::twice` is the outer helper, as it would be in a plain function here.
        #[kernel]
        #[allow(unused_variables)]
        pub(crate) fn uses_super(x: &[u32], y: &mut [u32]) {
            let i = global_id().x;
            y[i] = super::twice(x[i]) + self::twice(x[i]) + twice(x[i]);
        }
    }
}

#[test]
fn paths_keep_their_meaning_inside_the_kernel_module() {
    let k = paths::inner::uses_super::ir(None, &ConstArgs::new()).unwrap();
    let xb: Vec<u8> = 5u32.to_le_bytes().to_vec();
    let mut yb = vec![0u8; 4];
    run(&k, &Geometry::linear(1, 1), &mut [Arg::Input(&xb), Arg::Output(&mut yb)], &Options::default()).unwrap();
    assert_eq!(u32::from_le_bytes(yb.try_into().unwrap()), 10 + 15 + 15);
}
