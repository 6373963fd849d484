use metaltile::prelude::*;

#[helper]
fn clamp01(v: f32) -> f32 {
    if v < 0.0 {
        return 0.0;
    }
    v.min(1.0)
}

fn main() {}
