//! Business hours of human agents through the public API, at fixed times: a handoff
//! outside `shop.agent_hours` is `HandoffOffHours` and says when a human is back
//! (`{next_open}`), across midnight and weekends, in the shop's time zone.

use kefu::{Engine, ReplyKind, Session};
use std::time::SystemTime;

/// Weekdays 09:00–18:00, weekends 10:00–16:00, in Shanghai time.
const RULES: &str = r#"
shop:
  name: 衣见
  timezone: Asia/Shanghai
  agent_hours:
    - { days: mon-fri, from: "09:00", until: "18:00" }
    - { days: "sat,sun", from: "10:00", until: "16:00" }
first_reply: { greeting: ["亲,您好"] }
buyers:
  anger: { signals: [骗子] }
presale:
  - { topic: size, keywords: [尺码], reply: [标准码] }
aftersale:
  - { topic: human, keywords: [人工], handoff: true, reply: [马上转人工] }
fallback:
  reply: ["亲,稍等"]
  handoff_after: 2
  handoff_reply: [转人工]
  off_hours_reply:
    - "人工客服{next_open}上班后回复您"
    - { text: "非常抱歉,人工客服{next_open}上班后优先处理", mood: soothing }
"#;

fn engine(yaml: &str) -> Engine {
    Engine::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> SystemTime {
    s.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .into()
}

/// The reply to `message` as the second message of a session, at `now`.
fn handoff_at(e: &Engine, message: &str, now: &str) -> (ReplyKind, bool, String) {
    let mut s = Session::new("buyer");
    e.reply_at(&mut s, "尺码", at(now));
    let r = e.reply_at(&mut s, message, at(now));
    (r.kind(), r.handoff(), r.text().to_owned())
}

// 2026-11-27 is a Friday.
const FRI_NOON: &str = "2026-11-27T12:00:00+08:00";

#[test]
fn inside_hours_a_handoff_node_answers_as_written() {
    let e = engine(RULES);
    assert!(e.agents_on_duty_at(at(FRI_NOON)));
    assert_eq!(
        handoff_at(&e, "转人工", FRI_NOON),
        (ReplyKind::Handoff, true, "马上转人工".into())
    );
}

#[test]
fn outside_hours_the_reply_says_when_a_human_is_back() {
    let e = engine(RULES);
    // (now, next_open)
    let cases = [
        ("2026-11-27T08:30:00+08:00", "今天 09:00"), // Friday morning
        ("2026-11-27T18:00:00+08:00", "明天 10:00"), // Friday evening: Saturday hours
        ("2026-11-27T23:59:00+08:00", "明天 10:00"),
        ("2026-11-28T00:30:00+08:00", "今天 10:00"), // after midnight: Saturday
        ("2026-11-28T16:00:00+08:00", "明天 10:00"), // Saturday evening
        ("2026-11-29T17:00:00+08:00", "明天 09:00"), // Sunday evening: Monday
        // The shop's zone decides: 02:00 UTC Friday is 10:00 in Shanghai, on duty.
        ("2026-11-27T11:00:00Z", "明天 10:00"), // 19:00 in Shanghai
    ];
    for (now, next) in cases {
        assert!(!e.agents_on_duty_at(at(now)), "{now}");
        let (kind, handoff, text) = handoff_at(&e, "转人工", now);
        assert_eq!(kind, ReplyKind::HandoffOffHours, "{now}");
        assert!(handoff, "{now}");
        assert_eq!(text, format!("人工客服{next}上班后回复您"), "{now}");
    }
    assert!(e.agents_on_duty_at(at("2026-11-27T02:00:00Z")));
}

#[test]
fn weekday_only_hours_name_the_day_after_a_weekend() {
    let yaml = RULES.replace(
        "    - { days: \"sat,sun\", from: \"10:00\", until: \"16:00\" }\n",
        "",
    );
    let e = engine(&yaml);
    let (kind, _, text) = handoff_at(&e, "转人工", "2026-11-27T20:00:00+08:00");
    assert_eq!(
        (kind, text.as_str()),
        (ReplyKind::HandoffOffHours, "人工客服周一 09:00上班后回复您")
    );
    let (_, _, text) = handoff_at(&e, "转人工", "2026-11-28T20:00:00+08:00");
    assert_eq!(text, "人工客服后天 09:00上班后回复您");
}

#[test]
fn hours_past_midnight_belong_to_the_day_they_start() {
    // Evenings 20:00 until 02:00 the next morning, Friday and Saturday.
    let yaml = RULES
        .replace(
            "    - { days: mon-fri, from: \"09:00\", until: \"18:00\" }\n",
            "    - { days: fri-sat, from: \"20:00\", until: \"02:00\" }\n",
        )
        .replace(
            "    - { days: \"sat,sun\", from: \"10:00\", until: \"16:00\" }\n",
            "",
        );
    let e = engine(&yaml);
    for on in [
        "2026-11-27T20:00:00+08:00",
        "2026-11-28T01:59:00+08:00",
        "2026-11-29T01:00:00+08:00",
    ] {
        assert!(e.agents_on_duty_at(at(on)), "{on}");
    }
    let (kind, _, text) = handoff_at(&e, "转人工", "2026-11-29T02:00:00+08:00");
    assert_eq!(
        (kind, text.as_str()),
        (ReplyKind::HandoffOffHours, "人工客服周五 20:00上班后回复您")
    );
    let (_, _, text) = handoff_at(&e, "转人工", "2026-11-28T12:00:00+08:00");
    assert_eq!(text, "人工客服今天 20:00上班后回复您");
}

#[test]
fn fallback_and_anger_handoffs_follow_the_hours_too() {
    let e = engine(RULES);
    let night = at("2026-11-27T22:00:00+08:00");
    // Two fallbacks in a row hand over: off hours.
    let mut s = Session::new("f");
    e.reply_at(&mut s, "尺码", night);
    assert_eq!(
        e.reply_at(&mut s, "天气", night).kind(),
        ReplyKind::Fallback
    );
    let r = e.reply_at(&mut s, "真热", night);
    assert_eq!(
        (r.kind(), r.handoff(), r.topic()),
        (ReplyKind::HandoffOffHours, true, None)
    );
    // An angry buyer gets the soothing off-hours variant.
    let mut t = Session::new("g");
    e.reply_at(&mut t, "尺码", night);
    let r = e.reply_at(&mut t, "你们是骗子", night);
    assert!(r.angry());
    assert_eq!(r.kind(), ReplyKind::HandoffOffHours);
    assert_eq!(r.text(), "非常抱歉,人工客服明天 10:00上班后优先处理");
    // A reply that opens the conversation keeps its greeting kind; the body says it.
    let mut u = Session::new("h");
    let r = e.reply_at(&mut u, "转人工", night);
    assert_eq!(
        (r.kind(), r.body_kind(), r.handoff()),
        (ReplyKind::Greeting, ReplyKind::HandoffOffHours, true)
    );
    assert_eq!(r.text(), "亲,您好\n人工客服明天 10:00上班后回复您");
    assert!(ReplyKind::HandoffOffHours.is_handoff());
    let v = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(v["body_kind"], "handoff_off_hours");
}

#[test]
fn without_agent_hours_agents_are_always_on_duty() {
    let e = engine("shop: {name: s}\nfirst_reply: {greeting: [hi]}\naftersale:\n  - {topic: human, keywords: [人工], handoff: true, reply: [转]}\nfallback: {reply: ['?'], handoff_after: 0}\n");
    assert!(e.agents_on_duty_at(at("2026-11-28T03:00:00+08:00")));
    let (kind, handoff, _) = handoff_at(&e, "人工", "2026-11-28T03:00:00+08:00");
    assert_eq!((kind, handoff), (ReplyKind::Handoff, true));
}

#[test]
fn the_bundled_rules_tell_night_buyers_when_agents_are_back() {
    let e = Engine::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (kind, handoff, text) = handoff_at(&e, "转人工", "2026-11-26T02:00:00+08:00");
    assert_eq!((kind, handoff), (ReplyKind::HandoffOffHours, true));
    assert!(text.contains("今天 09:00"), "{text}");
    let (kind, _, _) = handoff_at(&e, "转人工", "2026-11-26T23:30:00+08:00");
    assert_eq!(kind, ReplyKind::Handoff);
}
