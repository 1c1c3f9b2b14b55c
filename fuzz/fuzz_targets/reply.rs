//! Arbitrary bytes as a short conversation with the bundled rules: every message gets
//! a non-empty reply, hits lie on char boundaries of the (possibly cut) message, and
//! the session stays small whatever the buyer sends.
#![no_main]

mod common;

use kefu::Session;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

/// Far more than the session bound allows (4 topics, 16 captures of 64 chars, 32
/// rotation slots), far less than a session that grows with the conversation.
const MAX_SESSION_JSON: usize = 16 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&clock, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // 2026-11-04 (a promotion) moved by up to 8 days, so windows open and close.
    let mut now =
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_800_000 + u64::from(clock) * 2_700);
    let mut session = Session::new("fuzz");
    for message in text.split('\n').take(6) {
        let reply = common::apparel().reply_at(&mut session, message, now);
        assert!(!reply.text.is_empty(), "empty reply to {message:?}");
        for hit in &reply.hits {
            assert!(
                message.get(hit.span.clone()).is_some(),
                "span {:?} of {:?} is not a char range of {message:?}",
                hit.span,
                hit.keyword
            );
        }
        if reply.truncated {
            assert!(message.len() > 4096);
        }
        now += Duration::from_secs(u64::from(clock) * 60);
    }
    let json = serde_json::to_string(&session).unwrap_or_default();
    assert!(
        json.len() < MAX_SESSION_JSON,
        "session grew to {} bytes",
        json.len()
    );
    let back: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(back, session);
});
