//! The matching semantics as a table: (name, earlier messages, message) → topic.
//! Each row pins one rule of the README's "Matching semantics"; a new rule is a new row.

use crate::{Engine, ReplyKind, Session};
use std::time::SystemTime;

/// Every node that wins answers (`answer_at: low`): these tables pin the ranking;
/// confidence has a table of its own (`tests/reading.rs`).
const RULES: &str = r#"
shop: { name: 衣见, agent: 小衣, vars: { ship_days: 48小时 } }
reading: { answer_at: low }
first_reply:
  greeting: ["亲,您好"]
  after_silence: 30m
  promotions:
    - { id: d12, from: "2026-12-01 00:00", until: "2026-12-12 23:59", text: "双12满300减40" }
    - { id: d11, from: "2026-11-01 00:00", until: "2026-11-11 23:59", text: "双11满200减20" }
  reminders:
    - { id: delay, from: "2026-11-10 00:00", until: "2026-11-20 23:59", text: "大促{ship_days}内发货" }
presale:
  - { topic: hello, whole: [在吗, 你好], reply: ["在的亲~"] }
  - { topic: size_chart, keywords: [尺码表, l码], reply: ["尺码表见详情页"] }
  - topic: size
    name: 尺码
    keywords: [尺码, 码数]
    reply: ["亲,说下身高体重哦"]
    children:
      - { topic: size_fit, name: 偏大偏小, keywords: [偏大, 偏小, l码], reply: ["标准码哦", "正常码哦"] }
      - topic: size_advice
        keywords: [身高, 体重]
        patterns: ['(?P<height>1[4-8]\d)\s*(cm|厘米)']
        reply: ["{height|您的身高}建议M码"]
  - { topic: stock, keywords: [有货, 在吗有, l码], reply: ["有货的亲"] }
  - { topic: express, keywords: [快递, 顺丰, sf], reply: ["默认中通"] }
  - { topic: express_sf, keywords: [顺丰快递], reply: ["顺丰需补差价"] }
  - { topic: free_shipping, keywords: [运费, 包邮], reply: ["满99包邮"] }
  - { topic: twin_a, keywords: [甲乙], reply: [a] }
  - { topic: twin_b, keywords: [甲乙], reply: [b] }
insale:
  - { topic: order_number, patterns: ['(?P<order_id>\d{12,20})'], reply: ["订单{order_id}收到"] }
aftersale:
  - { topic: return, keywords: [退货, 退款], exclude: [不想退, 不退], reply: ["支持7天无理由"] }
  - { topic: return_fee, keywords: [退货运费, 运费], reply: ["有运费险"] }
  - { topic: exchange, keywords: [换货, l码], reply: ["可以换"] }
  - { topic: logistics, keywords: [物流, 到哪了], reply: ["帮您查"] }
  - { topic: complaint, keywords: [投诉], priority: 10, handoff: true, reply: ["马上转主管"] }
fallback:
  reply: ["亲,稍等", "亲,马上回复"]
  handoff_after: 2
  handoff_reply: ["转人工"]
"#;

fn engine() -> Engine {
    match Engine::from_yaml_str(RULES) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    }
}

fn at(s: &str) -> SystemTime {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => t.into(),
        Err(e) => panic!("{s}: {e}"),
    }
}

/// Outside every promotion and reminder window.
const QUIET: &str = "2026-10-01T10:00:00+08:00";

/// (name, earlier messages in the session, message, expected topic or None=fallback)
const SEMANTICS: &[(&str, &[&str], &str, Option<&str>)] = &[
    (
        "second-level keyword alone reaches its node",
        &[],
        "这件偏大吗",
        Some("size_fit"),
    ),
    (
        "first-level keyword alone answers with the first level",
        &[],
        "尺码怎么选",
        Some("size"),
    ),
    (
        "first level strengthens the second",
        &[],
        "尺码偏大吗",
        Some("size_fit"),
    ),
    (
        "longer keyword covers more and wins",
        &[],
        "退货运费谁出",
        Some("return_fee"),
    ),
    (
        "equal coverage: more distinct keywords win",
        &[],
        "顺丰快递",
        Some("express"),
    ),
    (
        "equal specificity: priority wins",
        &[],
        "投诉退款",
        Some("complaint"),
    ),
    ("all equal: file order wins", &[], "甲乙", Some("twin_a")),
    ("exclude vetoes its node", &[], "不想退货了", None),
    (
        "exclude vetoes only its own node",
        &[],
        "不想退货了，退货运费谁出",
        Some("return_fee"),
    ),
    (
        "whole-message keyword alone",
        &[],
        "在吗？？",
        Some("hello"),
    ),
    (
        "whole-message keyword inside a sentence is noise",
        &[],
        "在吗 这件有货吗",
        Some("stock"),
    ),
    (
        "normalization: spaces, Traditional, punctuation, emoji",
        &[],
        "退 貨！！😭",
        Some("return"),
    ),
    (
        "normalization: full-width letters",
        &[],
        "能发ＳＦ吗",
        Some("express"),
    ),
    ("pattern hits its node", &[], "我165cm", Some("size_advice")),
    (
        "context: last topic breaks a tie",
        &["我要换货"],
        "l码呢",
        Some("exchange"),
    ),
    (
        "context: without history file order decides",
        &[],
        "l码呢",
        Some("size_chart"),
    ),
    (
        "context: last topic breaks a tie within a stage",
        &["有货吗"],
        "l码呢",
        Some("stock"),
    ),
    (
        "context: same first-level branch breaks a tie",
        &["身高165"],
        "l码呢",
        Some("size_fit"),
    ),
    (
        "stage: pre-sale conversation prefers pre-sale",
        &[],
        "运费多少",
        Some("free_shipping"),
    ),
    (
        "stage: after an order number prefers after-sale",
        &["订单123456789012"],
        "运费多少",
        Some("return_fee"),
    ),
    (
        "stage: after an after-sale topic",
        &["物流到哪了"],
        "运费多少",
        Some("return_fee"),
    ),
    ("nothing hit: fallback", &[], "今天天气不错", None),
    ("empty message: fallback", &[], "", None),
    ("noise only: fallback", &[], "？？？😭😭", None),
];

#[test]
fn semantics() {
    let engine = engine();
    let mut names = std::collections::HashSet::new();
    for (name, after, says, want) in SEMANTICS {
        assert!(names.insert(*name), "duplicate case name {name}");
        let mut s = Session::new("t");
        for m in *after {
            engine.reply_at(&mut s, m, at(QUIET));
        }
        let r = engine.reply_at(&mut s, says, at(QUIET));
        assert_eq!(r.topic(), *want, "case {name:?}: {says:?}\n{}", r.explain());
    }
}

#[test]
fn opening_kinds_follow_the_calendar() {
    let e = engine();
    // (name, time, kind, notice)
    let cases = [
        ("no window: greeting", QUIET, ReplyKind::Greeting, None),
        (
            "promotion only",
            "2026-12-05T10:00:00+08:00",
            ReplyKind::GreetingPromotion,
            Some("d12"),
        ),
        (
            "reminder wins over promotion",
            "2026-11-10T10:00:00+08:00",
            ReplyKind::GreetingReminder,
            Some("delay"),
        ),
        (
            "window bounds are in the shop's zone",
            "2026-11-20T15:59:00Z",
            ReplyKind::GreetingReminder,
            Some("delay"),
        ),
        (
            "just after the window",
            "2026-11-20T16:00:00Z",
            ReplyKind::Greeting,
            None,
        ),
    ];
    for (name, now, kind, notice) in cases {
        let mut s = Session::new("x");
        let r = e.reply_at(&mut s, "有货", at(now));
        assert_eq!((r.kind(), r.notice()), (kind, notice), "case {name}");
        assert_eq!(r.topic(), Some("stock"), "case {name}");
    }
}

#[test]
fn first_reply_greets_then_answers_and_later_replies_only_answer() {
    let e = engine();
    let mut s = Session::new("x");
    let first = e.reply_at(&mut s, "退货", at("2026-11-12T10:00:00+08:00"));
    assert_eq!(first.text, "亲,您好 大促48小时内发货\n支持7天无理由");
    assert_eq!(
        (first.kind(), first.body_kind(), first.opens()),
        (ReplyKind::GreetingReminder, ReplyKind::Answer, true)
    );
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(json["kind"], "greeting_reminder");
    assert_eq!(json["body_kind"], "answer");
    assert_eq!(json["topic"], "return");
    assert_eq!(json["hits"][0]["keyword"], "退货");
    assert_eq!(json["hits"][0]["span"]["start"], 0);
    let second = e.reply_at(&mut s, "退货", at("2026-11-12T10:01:00+08:00"));
    assert_eq!(
        (second.kind(), second.text.as_str()),
        (ReplyKind::Answer, "支持7天无理由")
    );
}

#[test]
fn a_long_silence_greets_again() {
    let e = engine();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "退货", at("2026-10-01T10:00:00+08:00"));
    let soon = e.reply_at(&mut s, "退货", at("2026-10-01T10:29:00+08:00"));
    assert_eq!(soon.kind(), ReplyKind::Answer);
    let later = e.reply_at(&mut s, "退货", at("2026-10-01T11:00:00+08:00"));
    assert_eq!(later.kind(), ReplyKind::Greeting);
}

#[test]
fn consecutive_fallbacks_hand_off_and_an_answer_resets_the_count() {
    let e = engine();
    let mut s = Session::new("x");
    let t = at(QUIET);
    let kinds: Vec<(ReplyKind, bool)> = ["嗯", "啊", "哦", "退货", "嗯", "啊"]
        .iter()
        .map(|m| {
            let r = e.reply_at(&mut s, m, t);
            (r.kind(), r.handoff())
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ReplyKind::Greeting, false),
            (ReplyKind::Handoff, true),
            (ReplyKind::Fallback, false),
            (ReplyKind::Answer, false),
            (ReplyKind::Fallback, false),
            (ReplyKind::Handoff, true),
        ]
    );
}

#[test]
fn handoff_node_flags_handoff_even_when_another_node_wins() {
    let e = engine();
    let mut s = Session::new("x");
    let r = e.reply_at(&mut s, "退货运费太贵 我要投诉", at(QUIET));
    assert_eq!(r.topic(), Some("return_fee"));
    assert!(r.handoff());
    let mut s = Session::new("y");
    let r = e.reply_at(&mut s, "我要投诉", at(QUIET));
    assert_eq!((r.topic(), r.handoff()), (Some("complaint"), true));
    let r = e.reply_at(&mut s, "我要投诉", at(QUIET));
    assert_eq!(r.kind(), ReplyKind::Handoff);
}

#[test]
fn captures_fill_templates_and_defaults_fill_gaps() {
    let e = engine();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "你好", at(QUIET));
    let r = e.reply_at(&mut s, "订单号 ２０２６１１２３０００１", at(QUIET));
    assert_eq!(r.text, "订单２０２６１１２３０００１收到");
    assert_eq!(s.capture("order_id"), Some("２０２６１１２３０００１"));
    let r = e.reply_at(&mut s, "身高多少合适", at(QUIET));
    assert_eq!(r.text, "您的身高建议M码");
    let r = e.reply_at(&mut s, "我170cm", at(QUIET));
    assert_eq!(r.text, "170建议M码");
}

#[test]
fn captures_are_kept_even_when_their_node_is_vetoed_or_loses() {
    let e = Engine::from_yaml_str(
        r#"
shop: { name: s }
first_reply: { greeting: [hi] }
insale:
  - { topic: order_number, patterns: ['(?P<order_id>\d{12,20})'], exclude: [退货], reply: ["订单{order_id}"] }
aftersale:
  - { topic: return, keywords: [退货], reply: ["退货单号{order_id|未知}"] }
fallback: { reply: [f], handoff_after: 0 }
"#,
    )
    .unwrap();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "你好", at(QUIET));
    let r = e.reply_at(&mut s, "订单123456789012要退货", at(QUIET));
    assert_eq!(r.topic(), Some("return"));
    assert_eq!(r.text, "退货单号123456789012");
}

#[test]
fn buyer_text_is_never_a_template() {
    let e = engine();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "你好", at(QUIET));
    // A capture holding braces is inserted as is.
    let r = e.reply_at(&mut s, "订单{shop}123456789012", at(QUIET));
    assert_eq!(r.text, "订单123456789012收到");
}

#[test]
fn variants_rotate_per_session() {
    let e = engine();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "你好", at(QUIET));
    let a = e.reply_at(&mut s, "偏大吗", at(QUIET)).text;
    let b = e.reply_at(&mut s, "偏大吗", at(QUIET)).text;
    let c = e.reply_at(&mut s, "偏大吗", at(QUIET)).text;
    assert_ne!(a, b);
    assert_eq!(a, c);
}

#[test]
fn hits_carry_original_spans_and_explain_names_the_deciding_part() {
    let e = engine();
    let mut s = Session::new("x");
    let msg = "退 貨運費谁出？";
    let r = e.reply_at(&mut s, msg, at(QUIET));
    let spans: Vec<(&str, &str)> = r
        .hits()
        .iter()
        .map(|h| (h.topic, &msg[h.span.clone()]))
        .collect();
    assert!(spans.contains(&("return_fee", "退 貨運費")), "{spans:?}");
    assert!(spans.contains(&("return", "退 貨")), "{spans:?}");
    let ex = r.explain();
    assert_eq!(ex.candidates[0].0.topic(), "return_fee");
    assert_eq!(ex.deciding_part(), Some(crate::ScorePart::Coverage));
    let shown = ex.to_string();
    assert!(
        shown.contains("→ return_fee [售后 › return_fee] <rules>:"),
        "{shown}"
    );
}

#[test]
fn explanation_lists_vetoed_nodes() {
    let e = engine();
    let mut s = Session::new("x");
    // 退款 hits return, and 不退 (after it, so not a negation of it) vetoes it.
    let r = e.reply_at(&mut s, "退款的事不退了", at(QUIET));
    let ex = r.explain();
    assert_eq!(
        ex.vetoed.iter().map(|n| n.topic()).collect::<Vec<_>>(),
        vec!["return"]
    );
    assert!(ex.to_string().contains("vetoed by exclude: return"));
}

/// Issue 16.6: `退货运费谁出` contains 运费, an exclude word of a node none of whose
/// keywords is in the message; that node was listed as vetoed. Only a node that was
/// hit, and then vetoed, is.
#[test]
fn explanation_lists_only_vetoed_nodes_that_were_hit() {
    let e = Engine::from_yaml_str(&RULES.replace(
        "aftersale:\n",
        "aftersale:\n  - { topic: order_no, keywords: [订单号], exclude: [运费], reply: [\"单号收到\"] }\n",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    // (message, vetoed topics, answering topic)
    let cases: [(&str, &[&str], Option<&str>); 5] = [
        ("退货运费谁出", &[], Some("return_fee")),
        ("订单号发你了运费谁出", &["order_no"], Some("free_shipping")),
        ("退款的事不退了", &["return"], None),
        // A negator before the keyword drops the hit first: nothing left to veto.
        ("不退货", &[], None),
        ("订单号123", &[], Some("order_no")),
    ];
    for (says, vetoed, topic) in cases {
        let mut s = Session::new("x");
        let r = e.reply_at(&mut s, says, at(QUIET));
        let ex = r.explain();
        let got: Vec<&str> = ex.vetoed.iter().map(|n| n.topic()).collect();
        assert_eq!(got, vetoed, "{says}\n{ex}");
        assert_eq!(r.topic(), topic, "{says}\n{ex}");
        assert_eq!(
            ex.to_string().contains("vetoed by exclude"),
            !vetoed.is_empty(),
            "{ex}"
        );
    }
}

#[test]
fn long_messages_are_truncated_and_still_answered() {
    let e = Engine::builder()
        .max_message_bytes(64)
        .build_yaml_str(RULES)
        .unwrap();
    let mut s = Session::new("x");
    let msg = format!("退货{}", "啊".repeat(1000));
    let r = e.reply_at(&mut s, &msg, at(QUIET));
    assert!(r.truncated());
    assert_eq!(r.topic(), Some("return"));
    // The cut lands on a char boundary even when the limit falls inside a char.
    let e = Engine::builder()
        .max_message_bytes(7)
        .build_yaml_str(RULES)
        .unwrap();
    let r = e.reply_at(&mut s, "退货啊啊", at(QUIET));
    assert_eq!(r.topic(), Some("return"));
}

#[test]
fn the_session_stays_bounded_over_many_turns() {
    let e = engine();
    let mut s = Session::new("x");
    for i in 0..2000 {
        let m = format!(
            "订单{}号 身高{}cm 退货",
            100_000_000_000u64 + i,
            150 + i % 30
        );
        e.reply_at(&mut s, &m, at(QUIET));
    }
    let size = serde_json::to_string(&s)
        .map(|j| j.len())
        .unwrap_or(usize::MAX);
    assert!(size < 2048, "session grew to {size} bytes");
    assert_eq!(s.turns(), 2000);
}

#[test]
fn a_session_survives_serde_and_rule_changes() {
    let e = engine();
    let mut s = Session::new("x");
    e.reply_at(&mut s, "这件偏大吗", at(QUIET));
    let mut restored: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    let a = e.reply_at(&mut s, "l码呢", at(QUIET));
    let b = e.reply_at(&mut restored, "l码呢", at(QUIET));
    assert_eq!((a.topic(), a.kind(), a.text), (b.topic(), b.kind(), b.text));
    // A topic that no longer exists is ignored.
    let mut old: Session = serde_json::from_str(
        r#"{"id":"x","turns":3,"last_at":1790000000,"recent_topics":["removed_topic"],"rotations":[["removed_topic",7]]}"#,
    )
    .unwrap();
    let r = e.reply_at(&mut old, "l码呢", at(QUIET));
    assert_eq!(r.topic(), Some("size_chart"));
}

#[test]
fn public_types_are_send_sync_and_unwind_safe() {
    fn check<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    check::<Engine>();
    check::<Session>();
    check::<crate::Reply<'static>>();
    check::<crate::Explanation<'static>>();
    check::<crate::TestReport>();
    // Like std::io::Error (which it may wrap), Error is Send + Sync but not UnwindSafe.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<crate::Error>();
}
