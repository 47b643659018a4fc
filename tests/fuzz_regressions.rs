//! Every crash the fuzzers found (scripts/fuzz.sh, FUZZING.md), replayed on stable: the input
//! is in tests/fuzz_regressions/, fed through the same code as its fuzz target.

use std::path::Path;

include!("support/overlay_input.rs");

fn input(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions").join(name)).unwrap()
}

#[test]
fn overlay_crash_80d4c71f_i_overlay_assertion_in_repair() {
    // i_overlay's `assertion failed: overlay_rule.is_fill_top(link.fill)` while repairing a
    // self-overlapping ring: now that feature is an error (its layer is then skipped here).
    overlay_input(&input("overlay-crash-80d4c71f"));
}
