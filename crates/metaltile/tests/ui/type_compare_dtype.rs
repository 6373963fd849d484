use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32], n: i32) {
    let i = global_id().x;
    if i < n {
        y[i] = x[i];
    }
}

fn main() {}
