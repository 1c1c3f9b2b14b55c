//! Helpers shared by the integration tests; each test crate uses some of them.
#![allow(dead_code)]

mod example;

#[allow(unused_imports)] // each test crate uses some of these
pub use example::build_example;
use kefu::Engine;
use std::time::SystemTime;

/// The repository: kefu's package, the workspace's root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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
