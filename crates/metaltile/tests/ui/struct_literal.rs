use metaltile::prelude::*;

struct P {
    v: u32,
}

#[kernel]
fn k(x: &[f32], y: &mut [f32]) {
    let p = P { v: 1 };
    y[0] = x[0];
}

fn main() {}
