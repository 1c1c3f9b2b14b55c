//! Builds an example binary for the end-to-end tests. Included by tests/common/mod.rs
//! and, through `#[path]`, by the tests of packages under examples/.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Builds an example with the profile of this test build and returns its path, as
/// cargo reports it (so `CARGO_TARGET_DIR` and friends are honoured).
///
/// The examples are packages of the workspace (examples/bot, examples/http_service),
/// found by name; `--workspace` resolves features as `cargo test` at the root does, so
/// the example is not built again with other features of its dependencies.
pub fn build_example(name: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--workspace",
        "--message-format=json",
        "--example",
        name,
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"))
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
