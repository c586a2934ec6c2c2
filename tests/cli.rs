//! CLI behaviour pinned by trycmd cases: `tests/cmd/*.toml` hold the arguments
//! and exit code, the `.stdout`/`.stderr` files beside them the expected output.
//! Regenerate with `TRYCMD=overwrite cargo test --test tests cli::`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
