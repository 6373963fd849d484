//! The math of each unary op, as f32 helpers that the elementwise skeleton applies: one
//! file per kind of function. Each is written to stay accurate over the whole f32 range
//! (no intermediate that overflows or cancels where the result does not), and NaN in gives
//! NaN out unless the op says otherwise.

mod activation;
mod arith;
mod exp_log;
mod trig;

pub use activation::*;
pub use arith::*;
pub use exp_log::*;
pub use trig::*;
