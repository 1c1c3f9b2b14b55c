//! Arbitrary text: normalization is idempotent, and every keyword hit's span is a char
//! range of the original whose normalized form is exactly the keyword's.
#![no_main]

mod common;

use kefu::normalize::normalize;
use kefu::{HitKind, Session};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = normalize(&text);
    assert_eq!(
        normalize(&once),
        once,
        "normalize is not idempotent on {text:?}"
    );
    assert!(once.chars().count() <= text.chars().count());

    let mut session = Session::new("fuzz");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    let reply = common::apparel().reply_at(&mut session, &text, now);
    for hit in &reply.hits {
        let Some(spanned) = text.get(hit.span.clone()) else {
            panic!(
                "span {:?} of {:?} is not a char range of {text:?}",
                hit.span, hit.keyword
            );
        };
        if matches!(hit.kind, HitKind::Keyword | HitKind::Whole) {
            assert_eq!(
                normalize(spanned),
                normalize(hit.keyword),
                "span {:?} of {:?} in {text:?}",
                hit.span,
                hit.keyword
            );
        }
    }
});
