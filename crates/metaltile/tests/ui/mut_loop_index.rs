use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    for mut j in 0..n {
        y[j] = x[j];
    }
}

fn main() {}
