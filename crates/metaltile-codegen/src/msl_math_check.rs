//! The values of the MSL math helpers (Metal lacks expm1, log1p, cbrt, erf and erfinv, so
//! the emitter writes its own): the helpers' text is compiled for the host with a small shim
//! that maps Metal's `precise::` functions to the C++ library's, run on points across the
//! f32 range, and compared with f64 references. The syntax checks only prove they compile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::check::compiler;
use crate::msl::{erf, CBRT, ERFINV, EXPM1, LOG1P};
use std::io::Write;
use std::process::{Command, Stdio};

/// Metal's names for what the helpers call, on the host.
const SHIM: &str = "\
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
typedef uint32_t uint;
namespace precise { using std::exp; using std::log; using std::pow; using std::sqrt; }
using std::copysign; using std::fabs; using std::isfinite; using std::isinf;
template <typename T> T as_type(uint bits) { T v; std::memcpy(&v, &bits, sizeof v); return v; }
";

const MAIN: &str = "\
int main() {
    uint bits;
    while (std::scanf(\"%x\", &bits) == 1) {
        const float x = as_type<float>(bits);
        const float r[5] = {mt_expm1(x), mt_log1p(x), mt_cbrt(x), mt_erf(x), mt_erfinv(x)};
        for (float v : r) { uint b; std::memcpy(&b, &v, 4); std::printf(\"%08x \", b); }
        std::printf(\"\\n\");
    }
}
";

/// Each helper's five results for every point, as f32.
fn run_helpers(points: &[f32]) -> Vec<[f32; 5]> {
    let dir = std::env::temp_dir().join(format!("mt-msl-math-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("helpers.cpp");
    let exe = dir.join("helpers");
    let text = [SHIM, EXPM1, LOG1P, CBRT, &erf(), ERFINV, MAIN].concat();
    std::fs::write(&src, text).unwrap();
    // No contraction into FMAs, so the host rounds each operation as written.
    let status = Command::new(compiler().unwrap())
        .args(["-std=c++17", "-O1", "-ffp-contract=off", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap();
    assert!(status.success(), "the helpers did not compile for the host");
    let mut child = Command::new(&exe).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let input: String = points.iter().map(|p| format!("{:08x}\n", p.to_bits())).collect();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f32> =
                l.split_whitespace().map(|h| f32::from_bits(u32::from_str_radix(h, 16).unwrap())).collect();
            [v[0], v[1], v[2], v[3], v[4]]
        })
        .collect()
}

/// `got` is `want` within `rel`·|want| + `abs`, with NaN and infinities exactly where `want` has them.
fn close(got: f32, want: f64, rel: f64, abs: f64) -> bool {
    let g = got as f64;
    if want.is_nan() || g.is_nan() {
        return want.is_nan() && g.is_nan();
    }
    // The reference rounded to f32, as an exact helper would return it.
    let w = want as f32 as f64;
    if w.is_infinite() || g.is_infinite() {
        return g == w;
    }
    (g - w).abs() <= rel * w.abs() + abs
}

#[test]
fn msl_math_helpers_match_f64_references() {
    let points: Vec<f32> = [
        0.0,
        -0.0,
        1e-30,
        -1e-30,
        1e-7,
        -1e-7,
        1e-3,
        -1e-3,
        0.25,
        -0.25,
        0.5,
        -0.5,
        0.9,
        -0.9,
        0.999_999_94,
        -0.999_999_94,
        1.0,
        -1.0,
        1.5,
        -2.0,
        3.9,
        -3.9,
        10.0,
        -10.0,
        80.0,
        84.5,
        88.0,
        88.7,
        -88.0,
        -100.0,
        1e4,
        1e30,
        -1e30,
        3e38,
        f32::MAX,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ]
    .to_vec();
    let results = run_helpers(&points);
    assert_eq!(results.len(), points.len());
    let mut bad = Vec::new();
    for (&x, r) in points.iter().zip(&results) {
        let xd = x as f64;
        // expm1, log1p and cbrt: a few f32 ulps relative to the result (Kahan's and Goldberg's
        // corrections keep that near 0, where the plain formulas lose every digit).
        let checks = [
            ("mt_expm1", r[0], xd.exp_m1(), 4e-7, 0.0),
            ("mt_log1p", r[1], xd.ln_1p(), 4e-7, 0.0),
            ("mt_cbrt", r[2], xd.cbrt(), 4e-7, 0.0),
            // The series below 1 is relative; Abramowitz & Stegun 7.1.26 from 1 on holds the
            // absolute error below 1.5e-7.
            ("mt_erf", r[3], libm::erf(xd), 4e-7, 1.5e-7),
        ];
        for (name, got, want, rel, abs) in checks {
            if !close(got, want, rel, abs) {
                bad.push(format!("{name}({x:e}) = {got:e}, reference {want:e}"));
            }
        }
        // erfinv: erf of the result gives x back, to the accuracy erf's slope allows there.
        let y = r[4] as f64;
        let ok = if !(-1.0..=1.0).contains(&xd) || x.is_nan() {
            y.is_nan()
        } else if xd.abs() == 1.0 {
            y == f64::INFINITY.copysign(xd)
        } else {
            let slope = 2.0 / std::f64::consts::PI.sqrt() * (-y * y).exp();
            (libm::erf(y) - xd).abs() <= 4e-7 * xd.abs() + slope * 4e-7 * y.abs()
        };
        if !ok {
            bad.push(format!("mt_erfinv({x:e}) = {y:e}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
