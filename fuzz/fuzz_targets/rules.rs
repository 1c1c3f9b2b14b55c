//! Arbitrary bytes as a rule file: loading returns an engine or located problems,
//! never panics or hangs; an engine that loads answers (with any text, possibly empty:
//! a reply of captures only can render to nothing) and runs its own tests.
#![no_main]

use kefu::{Engine, Session};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    let yaml = String::from_utf8_lossy(data);
    let lines = yaml.lines().count() as u32 + 1;
    match Engine::builder().build_named(&yaml, Some("fuzz.yaml")) {
        Err(err) => {
            assert!(
                !err.problems().is_empty(),
                "an error without problems: {err}"
            );
            for p in err.problems() {
                assert!(
                    !p.message().is_empty(),
                    "a problem without a message: {err}"
                );
                if let Some(l) = p.location() {
                    assert!(l.line >= 1 && l.column >= 1, "{p}");
                    assert!(l.line <= lines, "{p} is past the last line ({lines})");
                }
            }
            assert!(err.to_string().starts_with("fuzz.yaml"), "{err}");
        }
        Ok(engine) => {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
            let mut session = Session::new("fuzz");
            for message in ["在吗", "尺码偏大吗 160cm 100斤", "", "{shop}}{"] {
                engine.reply_at(&mut session, message, now);
            }
            let _ = engine.run_tests_at(now);
        }
    }
});
