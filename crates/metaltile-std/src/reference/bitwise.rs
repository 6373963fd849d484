//! The bitwise ops on exact integers (i128), from their definitions on two's-complement
//! values. The result is the exact integer before it is wrapped to the element type (the
//! oracle wraps it: see `Entry::wraps_integers`); bool is 0 and 1.

use crate::ops::BitwiseKind;
use crate::tensor::HostTensor;

/// The op on two integer values: `p` (and `q`) lie within their element type.
pub fn bitwise_exact(kind: BitwiseKind, p: i128, q: i128) -> i128 {
    match kind {
        BitwiseKind::And => p & q,
        BitwiseKind::Or => p | q,
        BitwiseKind::Xor => p ^ q,
        // -p - 1: wrapped to an unsigned type of w bits it is 2^w - 1 - p, to bool 1 - p.
        BitwiseKind::Not => !p,
        // An amount below 0 or at least the width gives 0; p · 2^q for q >= 64 wraps to 0 in
        // every type of at most 64 bits, so amounts from the width up to 63 need no width.
        BitwiseKind::LeftShift if !(0..64).contains(&q) => 0,
        BitwiseKind::LeftShift => p << q,
        // The sign fill: 0 or -1 by p's sign, whatever the width (p lies within the type, so
        // shifting by the width or more leaves only its sign).
        BitwiseKind::RightShift if !(0..64).contains(&q) => p >> 127,
        BitwiseKind::RightShift => p >> q,
    }
}

/// The op elementwise on `inputs` (one for not, two otherwise), each value an exact integer.
/// Each result is first wrapped to 64 bits, two's complement (every element type is at most
/// 64 bits wide, so wrapping to its own width later gives the same bits), which keeps it
/// within i64: an f64 then holds it exactly whenever its 64-bit pattern has at most 53
/// significant bits.
pub fn bitwise(kind: BitwiseKind, inputs: &[HostTensor]) -> HostTensor {
    let empty = HostTensor::new(&[0], vec![]);
    let a = inputs.first().unwrap_or(&empty);
    let b = inputs.get(1).unwrap_or(a);
    let data =
        a.data.iter().zip(&b.data).map(|(&p, &q)| bitwise_exact(kind, p as i128, q as i128) as i64 as f64).collect();
    HostTensor::new(&a.shape, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_follow_torch_outside_the_width() {
        assert_eq!(bitwise_exact(BitwiseKind::LeftShift, 3, 2), 12);
        assert_eq!(bitwise_exact(BitwiseKind::LeftShift, 3, -1), 0);
        assert_eq!(bitwise_exact(BitwiseKind::LeftShift, 3, 64), 0);
        assert_eq!(bitwise_exact(BitwiseKind::RightShift, -8, 1), -4);
        assert_eq!(bitwise_exact(BitwiseKind::RightShift, -8, 200), -1);
        assert_eq!(bitwise_exact(BitwiseKind::RightShift, 8, -3), 0);
        assert_eq!(bitwise_exact(BitwiseKind::Not, 5, 0), -6);
    }
}
