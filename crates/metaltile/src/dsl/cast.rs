//! `e as U` in kernels. Rust's cast rules hold: numeric types convert to each other and
//! bool converts to integers; nothing converts to bool (write `x != 0`). The conversion
//! itself is [`Val::cast`] (the project's rounding and saturation rules).

use super::scalar::{Int, Numeric, Scalar};
use super::val::Val;

/// A conversion that Rust's `as` allows; `#[kernel]` rewrites `e as U` to
/// `CastAs::<U>::cast_as(e)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cast with `as {U}` in a kernel",
    label = "invalid `as` cast",
    note = "as in Rust, `as` converts between numeric types and from bool to integers; to get a bool write a comparison such as `x != 0`"
)]
pub trait CastAs<U: Scalar> {
    /// The converted value.
    fn cast_as(self) -> Val<U>;
}

impl<T: Numeric, U: Numeric> CastAs<U> for Val<T> {
    fn cast_as(self) -> Val<U> {
        self.cast()
    }
}

impl<U: Int> CastAs<U> for Val<bool> {
    fn cast_as(self) -> Val<U> {
        self.cast()
    }
}
