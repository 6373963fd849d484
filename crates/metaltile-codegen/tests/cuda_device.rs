//! Emitted CUDA, run on a GPU, against the IR's reference semantics (`metaltile_ir::eval` and
//! `dtype`). Not part of the normal test run: it needs nvcc and an NVIDIA GPU.
//!
//! 1. `cargo test -p metaltile-codegen --test cuda_device -- --ignored prepare` writes kernels,
//!    runners, inputs and `run.sh` to `target/cuda-check/`.
//! 2. On a CUDA machine, from the repository root: `sh target/cuda-check/run.sh OUT_DIR`
//!    (compiles every emitted file with NVRTC, builds the runners with nvcc, runs them).
//! 3. `METALTILE_CUDA_RESULTS=OUT_DIR cargo test -p metaltile-codegen --test cuda_device --
//!    --ignored compare` checks every output element.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use half::{bf16, f16};
use metaltile::ir::dtype::{bits_to_f64, convert_bits, f64_to_bits, wrap_int};
use metaltile::ir::eval;
use metaltile::ir::{
    Axis, BinaryOp, Builder, Builtin, CmpOp, Constant, DType, Kernel, MemRef, Op, ParamKind, SimdOp, UnaryOp, ValueId,
    ALL_DTYPES,
};
use metaltile_codegen::{emit, Target};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Threads (and input elements) of the semantics kernels.
const N: usize = 512;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/cuda-check")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Case {
    Unary(UnaryOp, bool),
    Binary(BinaryOp),
    Cmp(CmpOp),
    Cast(DType),
    Bitcast(DType),
    Fma,
    Select,
    /// A collective; the lane operand is a constant, or `lane ^ 3` (xor) / `lane & 7` (up, down).
    Simd(SimdOp, Option<u32>),
}

fn cases(d: DType) -> Vec<Case> {
    let mut v = Vec::new();
    for &op in UnaryOp::ALL {
        if op.accepts().contains(d) {
            v.push(Case::Unary(op, false));
            if op.has_fast_variant() {
                v.push(Case::Unary(op, true));
            }
        }
    }
    v.extend(BinaryOp::ALL.iter().filter(|op| op.accepts().contains(d)).map(|&op| Case::Binary(op)));
    v.extend(CmpOp::ALL.map(Case::Cmp));
    v.extend(ALL_DTYPES.map(Case::Cast));
    for to in ALL_DTYPES {
        if to != d && to.size_bytes() == d.size_bytes() && !to.is_bool() && !d.is_bool() {
            v.push(Case::Bitcast(to));
        }
    }
    if d.is_float() {
        v.push(Case::Fma);
    }
    v.push(Case::Select);
    let reductions =
        [SimdOp::Sum, SimdOp::Product, SimdOp::Max, SimdOp::Min, SimdOp::PrefixSum, SimdOp::PrefixSumExclusive];
    if !d.is_bool() {
        v.extend(reductions.map(|op| Case::Simd(op, None)));
    }
    for op in [SimdOp::Shuffle, SimdOp::ShuffleXor, SimdOp::ShuffleUp, SimdOp::ShuffleDown] {
        for l in [Some(5), Some(40), None] {
            v.push(Case::Simd(op, l));
        }
    }
    v.push(Case::Simd(SimdOp::Broadcast, Some(7)));
    if d.is_bool() {
        v.extend([SimdOp::Any, SimdOp::All, SimdOp::Ballot].map(|op| Case::Simd(op, None)));
    }
    v
}

fn result_dtype(c: Case, d: DType) -> DType {
    match c {
        Case::Unary(op, _) => op.result_dtype(d),
        Case::Cmp(_) => DType::Bool,
        Case::Cast(t) | Case::Bitcast(t) => t,
        Case::Simd(op, _) => op.result_dtype(d),
        _ => d,
    }
}

/// Where each case's results go: (output dtype, first element) in `out_<dtype>`.
fn slots(d: DType) -> Vec<(DType, usize)> {
    let mut next = [0usize; 12];
    cases(d)
        .into_iter()
        .map(|c| {
            let t = result_dtype(c, d);
            let k = ALL_DTYPES.iter().position(|&x| x == t).unwrap();
            next[k] += 1;
            (t, (next[k] - 1) * N)
        })
        .collect()
}

fn out_len(d: DType, t: DType) -> usize {
    slots(d).iter().filter(|(x, _)| *x == t).count().max(1) * N
}

fn semantics_kernel(d: DType) -> Kernel {
    let mut b = Builder::new("semantics", Some(d));
    let a_mem = b.buffer_param("a", d, false);
    let b_mem = b.buffer_param("b", d, false);
    let outs: Vec<MemRef> = ALL_DTYPES.iter().map(|&t| b.buffer_param(&format!("out_{t}"), t, true)).collect();
    let i = b.value(Op::Builtin(Builtin::GlobalId(Axis::X))).unwrap();
    let x = b.value(Op::Load { mem: a_mem, index: i, lanes: 1 }).unwrap();
    let y = b.value(Op::Load { mem: b_mem, index: i, lanes: 1 }).unwrap();
    let lane = b.value(Op::Builtin(Builtin::Lane)).unwrap();
    let three = b.value(Op::Const(Constant::u32(3))).unwrap();
    let seven = b.value(Op::Const(Constant::u32(7))).unwrap();
    let lane_xor = b.value(Op::Binary { op: BinaryOp::Xor, lhs: lane, rhs: three }).unwrap();
    let lane_and = b.value(Op::Binary { op: BinaryOp::And, lhs: lane, rhs: seven }).unwrap();
    let less = b.value(Op::Cmp { op: CmpOp::Lt, lhs: x, rhs: y }).unwrap();
    for (c, (t, base)) in cases(d).into_iter().zip(slots(d)) {
        let r: ValueId = match c {
            Case::Unary(op, fast) => b.value(Op::Unary { op, arg: x, fast }).unwrap(),
            Case::Binary(op) => b.value(Op::Binary { op, lhs: x, rhs: y }).unwrap(),
            Case::Cmp(op) => b.value(Op::Cmp { op, lhs: x, rhs: y }).unwrap(),
            Case::Cast(to) => b.value(Op::Cast { arg: x, to }).unwrap(),
            Case::Bitcast(to) => b.value(Op::Bitcast { arg: x, to }).unwrap(),
            Case::Fma => b.value(Op::Fma { a: x, b: y, c: x }).unwrap(),
            Case::Select => b.value(Op::Select { cond: less, on_true: x, on_false: y }).unwrap(),
            Case::Simd(op, l) => {
                let lane_v = match (op.has_lane_operand(), l) {
                    (false, _) => None,
                    (true, Some(k)) => Some(b.value(Op::Const(Constant::u32(k))).unwrap()),
                    (true, None) if op == SimdOp::ShuffleXor || op == SimdOp::Shuffle => Some(lane_xor),
                    (true, None) => Some(lane_and),
                };
                b.value(Op::Simd { op, arg: x, lane: lane_v }).unwrap()
            }
        };
        let k = ALL_DTYPES.iter().position(|&x| x == t).unwrap();
        let off = b.value(Op::Const(Constant::u32(base as u32))).unwrap();
        let idx = b.value(Op::Binary { op: BinaryOp::Add, lhs: off, rhs: i }).unwrap();
        b.push(Op::Store { mem: outs[k], index: idx, value: r }).unwrap();
    }
    b.finish().unwrap()
}

/// Deterministic inputs: special values first, then pseudo-random bit patterns.
fn inputs(d: DType, seed: u64) -> Vec<u64> {
    let mut v: Vec<u64> = Vec::new();
    if d.is_float() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            3.0,
            0.1,
            1.0 / 3.0,
            65504.0,
            65520.0,
            1e10,
            -1e10,
            3e38,
            -3e38,
            127.5,
            128.0,
            255.9,
            256.0,
            -128.9,
            32767.7,
            65535.9,
            2147483520.0,
            -2147483904.0,
            4294967040.0,
            9.2e18,
            -9.3e18,
            1.8e19,
            2e19,
            1e-7,
            1e-30,
            1e-40,
            0.9999,
            -0.9999,
            0.75,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            v.push(f64_to_bits(d, x));
        }
        if d == DType::F32 {
            // Ties for f16 / bf16 rounding decided only by the last mantissa bits.
            v.extend([0x3F80_1001u64, 0x3F80_8001, 0x3F80_1000, 0x3F80_0801]);
        }
    } else if d.is_bool() {
        v.extend([0, 1]);
    } else {
        let (lo, hi) = d.min_max();
        for x in [
            0i128,
            1,
            -1,
            2,
            3,
            7,
            8,
            15,
            16,
            31,
            32,
            33,
            63,
            64,
            65,
            -8,
            -33,
            255,
            256,
            1 << 24,
            (1 << 24) + (1 << 16) + 1,
        ] {
            v.push(Constant::from_i128(d, x).bits);
        }
        v.push(Constant::from_f64(d, lo).bits);
        v.push(Constant::from_f64(d, hi).bits);
        v.push(wrap_int(d, 0x0100_0001_0000_0001));
    }
    let mut s = seed | 1;
    while v.len() < N {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let bits = if d.is_bool() { s & 1 } else { wrap_int(d, s) };
        v.push(if d.is_float() { wrap_int(d, s) & if d == DType::F32 { 0xffff_ffff } else { 0xffff } } else { bits });
    }
    v.truncate(N);
    if d.is_float() {
        // The upper half holds moderate values, where reordered float sums and products of a
        // simdgroup can be compared with the sequential reference (see `compare`).
        for (k, x) in v[N / 2..].iter_mut().enumerate() {
            let u = ((k as u64 * 0x9E37_79B9) % 1000) as f64 / 1000.0;
            let sign = if k % 3 == 0 { -1.0 } else { 1.0 };
            *x = f64_to_bits(d, sign * (0.75 + 0.5 * u));
        }
    }
    v
}

/// Whether a simdgroup's float inputs are moderate (reordering a reduction of them cannot
/// overflow, underflow or reach NaN).
fn moderate(d: DType, xs: &[u64]) -> bool {
    xs.iter().all(|&x| {
        let v = bits_to_f64(d, x).abs();
        (0.5..=2.0).contains(&v)
    })
}

/// A correctly rounded result where Rust's f32 function (the reference's) is known to be
/// inaccurate: asinh and acosh overflow for huge inputs, acosh and atanh lose accuracy near
/// 1. Computed in f64, which has neither problem for f32 inputs.
fn accurate(op: UnaryOp, d: DType, a: u64) -> Option<u64> {
    let x = bits_to_f64(d, a);
    let r = match op {
        UnaryOp::Asinh => x.asinh(),
        UnaryOp::Acosh => x.acosh(),
        UnaryOp::Atanh => x.atanh(),
        _ => return None,
    };
    Some(round_once(d, r))
}

fn to_bytes(d: DType, v: &[u64]) -> Vec<u8> {
    let n = d.size_bytes();
    v.iter().flat_map(|x| x.to_le_bytes()[..n].to_vec()).collect()
}

fn from_bytes(d: DType, bytes: &[u8]) -> Vec<u64> {
    let n = d.size_bytes();
    bytes
        .chunks(n)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(c);
            let raw = u64::from_le_bytes(b);
            if d.is_float() || d.is_bool() {
                raw
            } else {
                wrap_int(d, raw)
            }
        })
        .collect()
}

/// One launch: a kernel, its grid, its buffers' byte sizes and inputs, its scalar arguments.
struct Launch {
    name: String,
    kernel: Kernel,
    grid: u32,
    block: u32,
    inputs: Vec<Vec<u8>>,
    output_bytes: Vec<usize>,
    scalars: Vec<String>,
}

fn runner(l: &Launch) -> String {
    let mut s = format!("#include \"{}.cu\"\n", l.name);
    s.push_str("#include <cstdio>\n#include <cstdlib>\n#include <vector>\n#include <cuda_runtime.h>\n\n");
    s.push_str("#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf(\"%s: %s\\n\", #x, cudaGetErrorString(e)); exit(1); } } while (0)\n\n");
    let _ = writeln!(s, "int main() {{");
    let _ = writeln!(
        s,
        "    FILE* in = fopen(\"{}.in\", \"rb\");\n    if (!in) {{ printf(\"no input\\n\"); return 1; }}",
        l.name
    );
    let mut args = Vec::new();
    let (mut ii, mut oi, mut si) = (0, 0, 0);
    let mut outs = Vec::new();
    for (p_i, p) in l.kernel.params.iter().enumerate() {
        let t = p.dtype.cuda_name();
        match p.kind {
            ParamKind::Buffer { mutable: false } => {
                let n = l.inputs[ii].len();
                ii += 1;
                let _ = writeln!(
                    s,
                    "    std::vector<char> h{p_i}({n});\n    if (fread(h{p_i}.data(), 1, {n}, in) != {n}) return 1;\n    void* d{p_i}; CK(cudaMalloc(&d{p_i}, {n}));\n    CK(cudaMemcpy(d{p_i}, h{p_i}.data(), {n}, cudaMemcpyHostToDevice));"
                );
                args.push(format!("(const {t}*)d{p_i}"));
            }
            ParamKind::Buffer { mutable: true } => {
                let n = l.output_bytes[oi];
                oi += 1;
                let _ =
                    writeln!(s, "    void* d{p_i}; CK(cudaMalloc(&d{p_i}, {n})); CK(cudaMemset(d{p_i}, 0xCD, {n}));");
                args.push(format!("({t}*)d{p_i}"));
                outs.push((p_i, n));
            }
            ParamKind::Scalar => {
                args.push(format!("({t}){}", l.scalars[si]));
                si += 1;
            }
        }
    }
    let _ = writeln!(s, "    fclose(in);");
    let _ = writeln!(s, "    {}<<<{}, {}>>>({});", l.kernel.name, l.grid, l.block, args.join(", "));
    let _ = writeln!(s, "    CK(cudaGetLastError());\n    CK(cudaDeviceSynchronize());");
    let _ = writeln!(s, "    FILE* out = fopen(argv_out(), \"wb\");");
    for (p_i, n) in outs {
        let _ = writeln!(
            s,
            "    {{ std::vector<char> o({n}); CK(cudaMemcpy(o.data(), d{p_i}, {n}, cudaMemcpyDeviceToHost)); fwrite(o.data(), 1, {n}, out); }}"
        );
    }
    let _ = writeln!(s, "    fclose(out);\n    printf(\"{} ok\\n\");\n    return 0;\n}}", l.name);
    s.replace("argv_out()", &format!("\"{}.out\"", l.name))
}

fn launches() -> Vec<Launch> {
    let mut v = Vec::new();
    for (k, &d) in ALL_DTYPES.iter().enumerate() {
        let kernel = semantics_kernel(d);
        let a = inputs(d, 0x9E37_79B9_7F4A_7C15 ^ k as u64);
        let mut b = inputs(d, 0xD1B5_4A32_D192_ED03 ^ k as u64);
        b.rotate_left(7);
        v.push(Launch {
            name: format!("semantics_{d}"),
            kernel,
            grid: (N / 128) as u32,
            block: 128,
            inputs: vec![to_bytes(d, &a), to_bytes(d, &b)],
            output_bytes: ALL_DTYPES.iter().map(|&t| out_len(d, t) * t.size_bytes()).collect(),
            scalars: vec![],
        });
    }
    for d in common::float_dtypes() {
        let x: Vec<u64> = (0..ROWS * COLS).map(|i| f64_to_bits(d, ((i * 37 % 101) as f64 - 50.0) / 16.0)).collect();
        v.push(Launch {
            name: format!("silu_{d}"),
            kernel: common::silu(d),
            grid: (ROWS * COLS).div_ceil(128) as u32,
            block: 128,
            inputs: vec![to_bytes(d, &x)],
            output_bytes: vec![ROWS * COLS * d.size_bytes()],
            scalars: vec![format!("{}", ROWS * COLS)],
        });
        v.push(Launch {
            name: format!("row_sum_{d}"),
            kernel: common::row_sum(d),
            grid: ROWS as u32,
            block: 256,
            inputs: vec![to_bytes(d, &x)],
            output_bytes: vec![ROWS * d.size_bytes()],
            scalars: vec![format!("{COLS}")],
        });
    }
    v
}

const ROWS: usize = 8;
const COLS: usize = 1000;

#[test]
#[ignore = "writes the inputs of the CUDA device check"]
fn prepare() {
    let dir = dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut names = Vec::new();
    for l in launches() {
        std::fs::write(dir.join(format!("{}.cu", l.name)), emit(&l.kernel, Target::Cuda).unwrap()).unwrap();
        std::fs::write(dir.join(format!("{}_run.cu", l.name)), runner(&l)).unwrap();
        std::fs::write(dir.join(format!("{}.in", l.name)), l.inputs.concat()).unwrap();
        names.push(l.name);
    }
    // Also compile (only) the coverage kernels with NVRTC.
    let mut extra = Vec::new();
    for &d in &ALL_DTYPES {
        extra.push(common::every_op(d));
    }
    for d in [DType::F32, DType::F16, DType::BF16, DType::I8, DType::U64] {
        extra.push(common::control_flow(d));
    }
    extra.push(common::awkward_names());
    for (_, f) in common::dsl_kernels() {
        extra.extend(common::float_dtypes().map(f));
    }
    let mut nvrtc_files = names.iter().map(|n| format!("{n}.cu")).collect::<Vec<_>>();
    for k in extra {
        let file = format!("extra_{}.cu", k.name);
        std::fs::write(dir.join(&file), emit(&k, Target::Cuda).unwrap()).unwrap();
        nvrtc_files.push(file);
    }
    std::fs::write(dir.join("nvrtc_check.cpp"), NVRTC_CHECK).unwrap();
    let script = format!(
        "#!/bin/sh\n# Compile every emitted file with NVRTC, build and run the runners; outputs go to $1.\n\
         OUT=\"$(cd \"$1\" && pwd)\"\ncd \"$(dirname \"$0\")\"\nCUDA=${{CUDA_HOME:-/usr/local/cuda}}\n\
         g++ -O1 -DCUDA_INCLUDE=\\\"$CUDA/include\\\" -o nvrtc_check nvrtc_check.cpp -I$CUDA/include -L$CUDA/lib64 -lnvrtc -Wl,-rpath,$CUDA/lib64\n\
         ./nvrtc_check {} | tail -40\n\
         printf '%s\\n' {} | xargs -P 16 -I{{}} sh -c 'nvcc -std=c++17 -arch=sm_90 -O2 -Werror all-warnings -o {{}} {{}}_run.cu || echo \"nvcc failed: {{}}\"'\n\
         for n in {}; do ./$n; done\n\
         tar cf \"$OUT/results.tar\" *.out\n",
        nvrtc_files.join(" "),
        names.join(" "),
        names.join(" ")
    );
    std::fs::write(dir.join("run.sh"), script).unwrap();
}

const NVRTC_CHECK: &str = r#"// Compiles each file named on the command line with NVRTC for sm_90; any log output
// (error or warning) fails the check.
#include <nvrtc.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
int main(int argc, char** argv) {
    int bad = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream f(argv[i]);
        std::stringstream ss;
        ss << f.rdbuf();
        std::string src = ss.str();
        nvrtcProgram prog;
        nvrtcCreateProgram(&prog, src.c_str(), argv[i], 0, nullptr, nullptr);
        // NVRTC finds <cuda_fp16.h> and <cuda_bf16.h> only on an include path, as a runtime passes it.
        std::string inc = std::string("--include-path=") + CUDA_INCLUDE;
        const char* opts[] = {"--gpu-architecture=sm_90", "-std=c++17", inc.c_str()};
        nvrtcResult r = nvrtcCompileProgram(prog, 3, opts);
        size_t n = 0;
        nvrtcGetProgramLogSize(prog, &n);
        std::string log(n, '\0');
        nvrtcGetProgramLog(prog, &log[0]);
        bool quiet = log.find_first_not_of(std::string("\0 \n", 3)) == std::string::npos;
        if (r != NVRTC_SUCCESS || !quiet) {
            printf("NVRTC %s: %s\n%s\n", argv[i], nvrtcGetErrorString(r), log.c_str());
            ++bad;
        }
        nvrtcDestroyProgram(&prog);
    }
    printf("nvrtc: %d of %d files rejected or warned\n", bad, argc - 1);
    return bad != 0;
}
"#;

// ---------------------------------------------------------------------------------------
// Expected values.
// ---------------------------------------------------------------------------------------

/// A float conversion rounded once to nearest even (what the targets do; see `compare`).
fn round_once(to: DType, v: f64) -> u64 {
    if !v.is_finite() || to == DType::F32 {
        return f64_to_bits(to, v);
    }
    // Round to odd to f32 (24 bits), then to nearest even to the 11- or 8-bit type: the
    // result is that of a single rounding.
    let f = v as f32;
    let f = if f as f64 != v && f.is_finite() && f.to_bits() & 1 == 0 {
        let bits = f.to_bits();
        f32::from_bits(if v.abs() > (f as f64).abs() { bits + 1 } else { bits - 1 })
    } else {
        f
    };
    match to {
        DType::F16 => f16::from_f32(f).to_bits() as u64,
        _ => bf16::from_f32(f).to_bits() as u64,
    }
}

/// An exact integer to bf16 with one rounding.
fn int_to_bf16(v: i128) -> u64 {
    let m = v.unsigned_abs();
    let width = 128 - m.leading_zeros();
    let r = if width <= 8 {
        m as f64
    } else {
        let shift = width - 8;
        let mut kept = m >> shift;
        let rest = m & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if rest > half || (rest == half && kept & 1 == 1) {
            kept += 1;
        }
        kept as f64 * 2f64.powi(shift as i32)
    };
    bf16::from_f64(if v < 0 { -r } else { r }).to_bits() as u64
}

fn expected_cast(from: DType, to: DType, a: u64) -> u64 {
    if from.is_float() && matches!(to, DType::F16 | DType::BF16) && from != to {
        return round_once(to, bits_to_f64(from, a));
    }
    if (from.is_int() || from.is_bool()) && to == DType::BF16 {
        let v = metaltile::ir::dtype::bits_to_i128(from, a);
        return int_to_bf16(v);
    }
    convert_bits(from, to, a)
}

/// The interpreter's collective semantics (`metaltile-interp/src/simd.rs`) for one simdgroup.
fn collective(op: SimdOp, d: DType, x: &[u64], src: &[u64]) -> Vec<u64> {
    let w = 32;
    let lane_of = |i: usize| (src[i] % 32) as usize;
    let fold = |b: BinaryOp, xs: &[u64]| xs[1..].iter().fold(xs[0], |acc, &v| eval::binary(b, d, acc, v).unwrap());
    match op {
        SimdOp::Sum => vec![fold(BinaryOp::Add, x); w],
        SimdOp::Product => vec![fold(BinaryOp::Mul, x); w],
        SimdOp::Max => vec![fold(BinaryOp::Max, x); w],
        SimdOp::Min => vec![fold(BinaryOp::Min, x); w],
        SimdOp::PrefixSum => (0..w).map(|i| fold(BinaryOp::Add, &x[..=i])).collect(),
        SimdOp::PrefixSumExclusive => (0..w).map(|i| if i == 0 { 0 } else { fold(BinaryOp::Add, &x[..i]) }).collect(),
        SimdOp::Shuffle | SimdOp::Broadcast => (0..w).map(|i| x[lane_of(i)]).collect(),
        SimdOp::ShuffleXor => (0..w).map(|i| x[i ^ lane_of(i)]).collect(),
        SimdOp::ShuffleUp => (0..w).map(|i| if (i as u64) < src[i] { x[i] } else { x[i - src[i] as usize] }).collect(),
        SimdOp::ShuffleDown => {
            (0..w).map(|i| if i as u64 + src[i] >= 32 { x[i] } else { x[i + src[i] as usize] }).collect()
        }
        SimdOp::Any => vec![u64::from(x.iter().any(|&v| v != 0)); w],
        SimdOp::All => vec![u64::from(x.iter().all(|&v| v != 0)); w],
        SimdOp::Ballot => vec![x.iter().enumerate().fold(0u64, |m, (i, &v)| m | (u64::from(v != 0) << i)); w],
    }
}

/// How closely a result must match.
#[derive(Clone, Copy, Debug)]
enum Tol {
    Exact,
    /// Units in the last place of the result type.
    Ulps(u64),
    /// |got - want| <= k * eps * sum |x| over the simdgroup (reordered float sums).
    Sum(f64),
    Skip,
}

fn ulps(d: DType, a: u64, b: u64) -> u64 {
    let (a, b) = (bits_to_f64(d, a), bits_to_f64(d, b));
    if a == b {
        return 0;
    }
    let key = |v: f64| -> i64 {
        let bits = f64_to_bits(d, v) as i64;
        let sign = if d == DType::F32 { 1i64 << 31 } else { 1 << 15 };
        if bits & sign != 0 {
            -(bits & (sign - 1))
        } else {
            bits
        }
    };
    (key(a) - key(b)).unsigned_abs()
}

fn tolerance(c: Case, d: DType) -> Tol {
    use UnaryOp::*;
    match c {
        Case::Unary(_, true) => Tol::Skip,
        Case::Unary(op, false) if d.is_float() => match op {
            Neg | Abs | Sqrt | Rsqrt | Recip | Ceil | Floor | Round | RoundEven | Trunc | IsNan | IsInf | IsFinite => {
                Tol::Exact
            }
            _ if d == DType::F32 => Tol::Ulps(4),
            _ => Tol::Ulps(1),
        },
        Case::Binary(BinaryOp::Pow | BinaryOp::Atan2) if d == DType::F32 => Tol::Ulps(4),
        Case::Binary(BinaryOp::Pow | BinaryOp::Atan2) => Tol::Ulps(1),
        Case::Simd(SimdOp::Sum | SimdOp::Product | SimdOp::PrefixSum | SimdOp::PrefixSumExclusive, _)
            if d.is_float() =>
        {
            Tol::Sum(64.0)
        }
        _ => Tol::Exact,
    }
}

fn eps(d: DType) -> f64 {
    match d {
        DType::F32 => f32::EPSILON as f64,
        DType::F16 => 2f64.powi(-10),
        _ => 2f64.powi(-7),
    }
}

#[test]
#[ignore = "compares the outputs of the CUDA device check"]
fn compare() {
    let results = PathBuf::from(std::env::var("METALTILE_CUDA_RESULTS").expect("METALTILE_CUDA_RESULTS"));
    let mut failures = Vec::new();
    let mut checked = 0usize;
    let mut reference_differs = Vec::new();
    let mut reference_inaccurate = Vec::new();
    for l in launches() {
        let bytes = std::fs::read(results.join(format!("{}.out", l.name))).unwrap();
        if let Some(d) = l.name.strip_prefix("semantics_").map(|s| s.parse::<DType>().unwrap()) {
            let a = from_bytes(d, &l.inputs[0]);
            let b = from_bytes(d, &l.inputs[1]);
            let mut outs = Vec::new();
            let mut off = 0;
            for (t, n) in ALL_DTYPES.iter().zip(&l.output_bytes) {
                outs.push(from_bytes(*t, &bytes[off..off + n]));
                off += n;
            }
            for (c, (t, base)) in cases(d).into_iter().zip(slots(d)) {
                let got = &outs[ALL_DTYPES.iter().position(|&x| x == t).unwrap()][base..base + N];
                let tol = tolerance(c, d);
                let want: Vec<Option<u64>> = match c {
                    Case::Simd(op, l) => {
                        let mut w = Vec::new();
                        for g in 0..N / 32 {
                            let xs = &a[g * 32..g * 32 + 32];
                            let src: Vec<u64> = (0..32u64)
                                .map(|i| match (op.has_lane_operand(), l) {
                                    (true, Some(k)) => k as u64,
                                    (true, None) if matches!(op, SimdOp::Shuffle | SimdOp::ShuffleXor) => i ^ 3,
                                    (true, None) => i & 7,
                                    _ => 0,
                                })
                                .collect();
                            w.extend(collective(op, d, xs, &src).into_iter().map(Some));
                        }
                        w
                    }
                    _ => (0..N)
                        .map(|i| match c {
                            Case::Unary(op, _) => Some(eval::unary(op, d, a[i])),
                            Case::Binary(op) => eval::binary(op, d, a[i], b[i]).ok(),
                            Case::Cmp(op) => Some(u64::from(eval::compare(op, d, a[i], b[i]))),
                            Case::Cast(to) => {
                                let want = expected_cast(d, to, a[i]);
                                if want != convert_bits(d, to, a[i]) {
                                    reference_differs.push(format!(
                                        "{d} -> {to}: input bits {:#x}: rounded once {:#x}, dtype::convert_bits {:#x}",
                                        a[i],
                                        want,
                                        convert_bits(d, to, a[i])
                                    ));
                                }
                                Some(want)
                            }
                            Case::Bitcast(to) => Some(eval::bitcast(d, to, a[i])),
                            Case::Fma => Some(eval::fma(d, a[i], b[i], a[i])),
                            Case::Select => Some(if eval::compare(CmpOp::Lt, d, a[i], b[i]) { a[i] } else { b[i] }),
                            Case::Simd(..) => None,
                        })
                        .collect(),
                };
                for i in 0..N {
                    let Some(w) = want[i] else { continue };
                    let g = got[i];
                    checked += 1;
                    let ok = match tol {
                        Tol::Skip => true,
                        _ if g == w => true,
                        _ if t.is_float() && bits_to_f64(t, g).is_nan() && bits_to_f64(t, w).is_nan() => true,
                        Tol::Exact => false,
                        Tol::Ulps(k) => t.is_float() && ulps(t, g, w) <= k,
                        Tol::Sum(_) if !moderate(d, &a[i / 32 * 32..i / 32 * 32 + 32]) => true,
                        Tol::Sum(k) => {
                            let grp = i / 32 * 32;
                            let mag: f64 = a[grp..grp + 32].iter().map(|&v| bits_to_f64(d, v).abs()).sum();
                            let prod = matches!(c, Case::Simd(SimdOp::Product, _));
                            let (gv, wv) = (bits_to_f64(t, g), bits_to_f64(t, w));
                            if prod {
                                (gv - wv).abs() <= k * eps(d) * wv.abs() || (gv.is_infinite() && gv == wv)
                            } else {
                                (gv - wv).abs() <= k * eps(d) * mag || (!mag.is_finite())
                            }
                        }
                    };
                    let better = match (c, tol) {
                        (Case::Unary(op, false), Tol::Ulps(k)) => {
                            accurate(op, d, a[i]).is_some_and(|r| r == g || ulps(t, g, r) <= k)
                        }
                        _ => false,
                    };
                    if !ok && better {
                        reference_inaccurate.push(format!(
                            "{d} {c:?}({}) = {} on the GPU (correct), {} in the reference",
                            bits_to_f64(d, a[i]),
                            bits_to_f64(t, g),
                            bits_to_f64(t, w)
                        ));
                    } else if !ok {
                        failures.push(format!(
                            "{d} {c:?}: a={:#x} ({}) b={:#x} ({}): got {:#x} ({}), want {:#x} ({})",
                            a[i],
                            bits_to_f64(d, a[i]),
                            b[i],
                            bits_to_f64(d, b[i]),
                            g,
                            bits_to_f64(t, g),
                            w,
                            bits_to_f64(t, w)
                        ));
                    }
                }
            }
        } else {
            let d: DType = l.name.rsplit('_').next().unwrap().parse().unwrap();
            let x: Vec<f64> = from_bytes(d, &l.inputs[0]).iter().map(|&v| bits_to_f64(d, v)).collect();
            let got: Vec<f64> = from_bytes(d, &bytes).iter().map(|&v| bits_to_f64(d, v)).collect();
            let tol = d.tolerance();
            let want: Vec<f64> = if l.name.starts_with("silu") {
                x.iter().map(|v| v / (1.0 + (-v).exp())).collect()
            } else {
                (0..ROWS).map(|r| x[r * COLS..(r + 1) * COLS].iter().sum()).collect()
            };
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                checked += 1;
                let scale = if l.name.starts_with("row_sum") { 4.0 * (COLS as f64).sqrt() } else { 4.0 };
                if (g - w).abs() > scale * (tol.atol + tol.rtol * w.abs()) {
                    failures.push(format!("{} [{i}]: got {g}, want {w}", l.name));
                }
            }
        }
    }
    reference_differs.sort();
    reference_differs.dedup();
    println!("checked {checked} elements; the reference rounds {} cast(s) differently:", reference_differs.len());
    for r in reference_differs.iter().take(20) {
        println!("  {r}");
    }
    println!("the reference's f32 function is inaccurate on {} input(s):", reference_inaccurate.len());
    for r in reference_inaccurate.iter().take(20) {
        println!("  {r}");
    }
    // One line per kind of mismatch, with its count and first example.
    let mut kinds: Vec<(String, usize, String)> = Vec::new();
    for f in &failures {
        let key = f.split(':').next().unwrap_or("").to_string();
        match kinds.iter_mut().find(|(k, _, _)| *k == key) {
            Some(e) => e.1 += 1,
            None => kinds.push((key, 1, f.clone())),
        }
    }
    let summary: Vec<String> = kinds.iter().map(|(_, n, ex)| format!("[{n}x] {ex}")).collect();
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), summary.join("\n"));
}
