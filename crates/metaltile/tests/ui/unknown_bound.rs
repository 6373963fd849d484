use metaltile::prelude::*;

#[kernel]
fn k<T: Copy>(x: &[T], y: &mut [T]) {
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
