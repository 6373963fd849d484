use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], #[constexpr(default = 1.5)] block: u32) {
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
