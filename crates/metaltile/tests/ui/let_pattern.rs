use metaltile::prelude::*;

struct W(u32);

#[kernel]
fn k(x: &[f32], y: &mut [f32]) {
    let W(i) = W(0);
    y[i] = x[i];
}

fn main() {}
