//! Every construct the kernel language rejects fails to compile with its own message at its
//! own span, and a type error in kernel code (`tests/ui/type_*.rs`) is reported at the user's
//! expression, never at `#[kernel]` (`tests/ui/*.stderr` hold the expected diagnostics).

#[test]
fn rejected_constructs_fail_with_their_message() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
