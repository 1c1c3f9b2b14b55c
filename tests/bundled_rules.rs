//! The bundled rules/apparel.yaml loads, and every case of its `tests:` section passes.

#[test]
fn bundled_rules_pass_their_own_tests() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml");
    let engine = match kefu::Engine::from_path(path) {
        Ok(e) => e,
        Err(e) => panic!("rules/apparel.yaml does not load:\n{e}"),
    };
    // A fixed time: the file's promotions and reminders must not make the result depend on the day.
    let now = "2026-11-25T10:00:00+08:00"
        .parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap();
    let report = engine.run_tests_at(now);
    assert!(
        report.outcomes.len() >= 80,
        "only {} cases",
        report.outcomes.len()
    );
    let failures: Vec<String> = report.failures().map(|o| o.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        report.outcomes.len(),
        failures.join("\n")
    );
}
