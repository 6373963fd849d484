use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    for j in 0..n {
        for _k in 0..n {
            break 'outer;
        }
        y[i] = x[j];
    }
}

fn main() {}
