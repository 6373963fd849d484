use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    match n {
        0 => y[i] = x[i],
        _ => {}
    }
}

fn main() {}
