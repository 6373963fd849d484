use metaltile::prelude::*;

#[kernel]
fn k<T: Float>(x: &[T], y: &mut [T], #[constexpr] c: T) {
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
