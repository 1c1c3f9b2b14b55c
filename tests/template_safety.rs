//! Buyer text reaches a reply only through pattern captures, and then as data: template
//! syntax in it is never expanded, and control and bidi characters never get through.

use kefu::{Engine, Session};
use std::time::{Duration, SystemTime};

const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/captures.yaml");

fn engine() -> Engine {
    Engine::from_path(CAPTURES).unwrap_or_else(|e| panic!("{e}"))
}

fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

/// A session past its greeting, so replies are the node's text alone.
fn greeted(engine: &Engine, id: &str) -> Session {
    let mut s = Session::new(id);
    engine.reply_at(&mut s, "你好", noon());
    s
}

/// Chars that can reorder or hide text in a chat window, or drive a terminal.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}')
}

#[test]
fn the_fixture_passes_its_own_tests() {
    let report = engine().run_tests_at(noon());
    assert!(
        report.all_passed(),
        "{:?}",
        report.failures().collect::<Vec<_>>()
    );
}

#[test]
fn template_syntax_in_a_capture_is_inserted_as_written() {
    let e = engine();
    // (buyer's nickname, what the reply must say)
    let cases = [
        ("{shop}", "好的{shop},小测记住啦~"),
        ("{agent}", "好的{agent},小测记住啦~"),
        ("{{agent}}", "好的{{agent}},小测记住啦~"),
        ("}}{{", "好的}}{{,小测记住啦~"),
        ("{", "好的{,小测记住啦~"),
        ("{order_id}", "好的{order_id},小测记住啦~"),
        ("{nickname|x}", "好的{nickname|x},小测记住啦~"),
        (
            "{nickname}{nickname}",
            "好的{nickname}{nickname},小测记住啦~",
        ),
    ];
    for (nickname, want) in cases {
        let mut s = greeted(&e, "b");
        let r = e.reply_at(&mut s, &format!("叫我{nickname}"), noon());
        assert_eq!(r.topic(), Some("nickname"));
        assert_eq!(r.text(), want, "nickname {nickname:?}");
        assert_eq!(s.capture("nickname"), Some(nickname));
    }
}

#[test]
fn a_capture_stored_earlier_is_still_data_in_later_replies() {
    let e = engine();
    let mut s = greeted(&e, "b");
    e.reply_at(&mut s, "叫我{order_id}", noon());
    // The order reply names both captures: the order id and the nickname, which holds
    // another capture's name; neither is expanded.
    let r = e.reply_at(&mut s, "订单号：{nickname}", noon());
    assert_eq!(r.topic(), Some("order"));
    assert_eq!(
        r.text(),
        "订单{nickname}已收到,{order_id}可以在订单页查看物流~"
    );
    let r = e.reply_at(&mut s, "尺码呢", noon());
    assert_eq!(r.text(), "{order_id},小测帮您选尺码~");
}

#[test]
fn control_and_bidi_chars_never_reach_a_reply() {
    let e = engine();
    let hostile = [
        "\u{202E}gnp.exe",
        "a\u{2066}b\u{2069}c",
        "\u{7}\u{7}ding",
        "\u{1b}[31mred\u{1b}[0m",
        "zero\u{200B}width\u{FEFF}",
        "\u{061C}\u{200F}\u{2067}",
        "\u{0}nul\u{7f}del\u{85}nel",
    ];
    for text in hostile {
        let mut s = greeted(&e, "b");
        for message in [
            format!("叫我{text}"),
            format!("订单号:{text}"),
            format!("订单 {text}"),
            "尺码".to_owned(),
            text.to_owned(),
        ] {
            let r = e.reply_at(&mut s, &message, noon());
            assert!(
                !r.text().chars().any(is_unsafe),
                "{message:?} → {:?}",
                r.text()
            );
        }
        // What was kept is what the buyer wrote, minus the unsafe chars.
        let clean: String = text.chars().filter(|&c| !is_unsafe(c)).collect();
        assert_eq!(s.capture("nickname"), Some(clean.as_str()), "{text:?}");
    }
}

#[test]
fn an_all_unsafe_capture_renders_as_nothing() {
    let e = engine();
    let mut s = greeted(&e, "b");
    let r = e.reply_at(&mut s, "叫我\u{202E}\u{7}", noon());
    assert_eq!(r.text(), "好的,小测记住啦~");
}

#[test]
fn a_long_capture_is_cut_to_64_chars() {
    let e = engine();
    let mut s = greeted(&e, "b");
    let long = "很".repeat(200);
    let r = e.reply_at(&mut s, &format!("叫我{long}"), noon());
    let want = format!("好的{},小测记住啦~", "很".repeat(64));
    assert_eq!(r.text(), want);
}

#[test]
fn a_message_of_template_syntax_alone_gets_the_plain_fallback() {
    let e = engine();
    let mut s = greeted(&e, "b");
    for message in ["{shop}", "{{", "}}", "{agent|x}", "{nickname}"] {
        let r = e.reply_at(&mut s, message, noon());
        assert_eq!(r.topic(), None, "{message}");
        assert_eq!(r.text(), "没听懂{请}换个说法", "{message}");
    }
}

/// A session is data from a store the service keeps (Redis, a database); one written
/// by an older kefu, or edited by hand, may hold a capture that was never cleaned.
#[test]
fn captures_from_a_stored_session_are_cleaned_when_rendered() {
    let e = engine();
    let json = r#"{"id":"b","turns":1,"last_at":1790000000,"captures":{"nickname":"x\u202Ey\u0007z"},"capture_order":["nickname"]}"#;
    let mut s: Session = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    let r = e.reply_at(&mut s, "尺码", noon());
    assert_eq!(r.topic(), Some("size"));
    assert!(!r.text().chars().any(is_unsafe), "{:?}", r.text());
}
