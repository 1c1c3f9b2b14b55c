//! Inputs that once broke something, or that a fuzzer found worth keeping, replayed
//! through the fuzz targets' checks: `tests/regressions/<target>/<file>` runs
//! `checks::<target>` on the file's bytes. To keep a fuzzer's find, copy it from
//! `fuzz/artifacts/<target>/` into `tests/regressions/<target>/` with a name that says
//! what it was.

#[path = "regressions/checks.rs"]
mod checks;

use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/regressions");

/// Runs `check` on every file of `tests/regressions/<target>/`; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(DIR).join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{} fails the {target} check", f.display());
        }
    }
    files.len()
}

#[test]
fn reply_inputs() {
    assert!(replay("reply", checks::reply) > 0);
}

#[test]
fn normalize_inputs() {
    assert!(replay("normalize", checks::normalize) > 0);
}

#[test]
fn rules_inputs() {
    assert!(replay("rules", checks::rules) > 0);
}
