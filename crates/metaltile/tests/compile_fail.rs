//! Every construct the kernel language rejects fails to compile with its own message at its
//! own span (`tests/ui/*.stderr` hold the expected diagnostics).

#[test]
fn rejected_constructs_fail_with_their_message() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
