use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32], m: i32) {
    let i = global_id().x;
    for j in i..m {
        y[j] = x[j];
    }
}

fn main() {}
