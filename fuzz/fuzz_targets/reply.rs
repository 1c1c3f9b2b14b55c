//! Arbitrary bytes as a short conversation with the bundled rules; the checks are in
//! tests/regressions/checks.rs (shared with tests/regressions.rs).
#![no_main]

// Each target uses one of the three checks.
#[allow(dead_code)]
#[path = "../../tests/regressions/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::reply(data));
