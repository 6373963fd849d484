//! A user's crate: one custom kernel (a fused "scale, shift and clamp"), launched on the best
//! backend present, checked against plain Rust.

use metaltile::ir::{ConstArg, ConstArgs, Geometry};
use metaltile::prelude::*;
use metaltile::runtime::{Device, KernelArg};

/// y[i] = clamp(x[i] * scale + shift, -limit, limit), `limit` fixed at compile time.
#[kernel]
pub fn scale_shift_clamp<T: Float>(x: &[T], y: &mut [T], n: u32, scale: f32, shift: f32, #[constexpr] limit: f32) {
    let i = global_id().x;
    if i < n {
        let v = (x[i] as f32) * scale + shift;
        y[i] = v.max(-limit).min(limit) as T;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::best();
    let n = 1000usize;
    let xs: Vec<f32> = (0..n).map(|i| (i as f32 - 500.0) / 37.0).collect();
    let x = device.upload(&xs, &[n])?;
    let y = device.alloc(DType::F32, &[n])?;

    let consts = ConstArgs::new().with("limit", ConstArg::Float(8.0));
    let pipeline = device.pipeline(&scale_shift_clamp::DEF, Some(DType::F32), &consts)?;
    let args = [KernelArg::Buffer(&x), KernelArg::Buffer(&y), KernelArg::u32(n as u32), KernelArg::f32(2.5), KernelArg::f32(-1.0)];
    device.launch(&pipeline, Geometry::cover(n as u64, 128), &args)?;

    let got = y.to_vec::<f32>()?;
    let mut worst = 0.0f32;
    for (i, (&g, &v)) in got.iter().zip(&xs).enumerate() {
        let want = (v * 2.5 - 1.0).clamp(-8.0, 8.0);
        let err = (g - want).abs();
        if err > 1e-6 {
            return Err(format!("element {i}: got {g}, expected {want}").into());
        }
        worst = worst.max(err);
    }
    println!("scale_shift_clamp on {}: {n} elements match plain Rust (max error {worst:e})", device.name());
    Ok(())
}
