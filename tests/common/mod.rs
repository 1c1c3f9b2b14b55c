//! Helpers shared by the integration tests; each test crate uses some of them.
#![allow(dead_code)]

use kefu::Engine;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::SystemTime;

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

/// Builds an example with the profile of this test build and returns its path, as
/// cargo reports it (so `CARGO_TARGET_DIR` and friends are honoured).
pub fn build_example(name: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--message-format=json",
        "--example",
        name,
    ])
    .current_dir(ROOT)
    .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(out.status.success(), "cargo build --example {name} failed");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == name {
            if let Some(exe) = msg["executable"].as_str() {
                return PathBuf::from(exe);
            }
        }
    }
    panic!("cargo did not report the executable of example {name}");
}
