//! Helpers shared by the integration tests; each test crate uses some of them.
#![allow(dead_code)]

mod example;

#[allow(unused_imports)] // each test crate uses some of these
pub use example::build_example;
use kefu::Engine;
use std::io::Write;
use std::time::SystemTime;

/// The repository: kefu's package, the workspace's root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The buyer corpus, beside the repository and never copied into it (as for the
/// benches): `<repo>/../shared/corpus/customer_messages.txt`.
pub const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/customer_messages.txt"
);

/// The corpus's text; where it cannot be read, `None`, after saying on the test run's
/// stderr (shown even though libtest captures what tests print) what runs without it.
pub fn corpus(without: &str) -> Option<String> {
    match std::fs::read_to_string(CORPUS) {
        Ok(text) => Some(text),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the buyer corpus ({CORPUS}: {e}): {without}"
            );
            None
        }
    }
}

/// The bundled rules, `rules/apparel.yaml`.
pub fn apparel() -> Engine {
    Engine::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An RFC 3339 time (`2026-11-25T10:00:00+08:00`).
pub fn at(s: &str) -> SystemTime {
    s.parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}
