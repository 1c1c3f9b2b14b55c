//! Buyer segments (精细化运营) and anger through the public API, at a fixed `now`:
//! scoring with decay, variants marked `for:` a segment, the promotion appended once
//! per session, soothing variants and handoffs for angry buyers.

use kefu::{Engine, ReplyKind, Session};
use std::time::SystemTime;

const RULES: &str = r#"
shop: { name: 衣见, agent: 小衣 }
first_reply:
  greeting: ["亲,您好"]
  promotions:
    - { id: d12, from: "2026-12-01 00:00", until: "2026-12-12 23:59", text: "双12满300减40" }
buyers:
  half_life: 2
  segments:
    - { id: economic, name: 价格敏感型, signals: [便宜, 优惠, 打折], promote: true }
    - { id: individual, name: 个性化, signals: [品牌, 质量] }
    - { id: convenience, signals: [急, 马上] }
  anger:
    signals: [骗子, 垃圾]
presale:
  - topic: discount
    keywords: [便宜, 优惠, 价格]
    reply:
      - 价格统一哦
      - 大促有满减
      - { text: 领券最划算, for: economic }
      - { text: 现在下单最便宜, for: economic }
      - { text: 一分钱一分货, for: individual }
  - topic: material
    keywords: [面料, 质量]
    reply: [纯棉面料, { text: 品牌定织面料, for: individual }]
  - topic: size
    keywords: [尺码, 偏大]
    reply: [标准码]
aftersale:
  - topic: logistics
    keywords: [物流, 到哪了]
    reply: [在路上了, { text: 真的抱歉让您久等, mood: soothing }]
fallback:
  reply: ["亲,稍等", { text: 非常抱歉马上处理, mood: soothing }]
  handoff_after: 3
  handoff_reply: [转人工, { text: 抱歉已优先转人工, mood: soothing }]
"#;

fn engine() -> Engine {
    Engine::from_yaml_str(RULES).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> SystemTime {
    s.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .into()
}

/// Outside the promotion window.
const NOV: &str = "2026-11-25T10:00:00+08:00";
/// Inside it.
const DEC: &str = "2026-12-05T10:00:00+08:00";

/// The body of a reply (its last line; the first reply opens with a greeting).
fn body(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

#[test]
fn a_signal_puts_the_buyer_in_a_segment_until_it_decays() {
    let e = engine();
    let now = at(NOV);
    let mut s = Session::new("b1");
    assert_eq!(e.reply_at(&mut s, "这件偏大吗", now).segment(), None);
    let r = e.reply_at(&mut s, "能便宜点吗", now);
    assert_eq!(
        (r.segment(), r.segment_name()),
        (Some("economic"), Some("价格敏感型"))
    );
    // half_life 2: the signal message and the next two keep the segment, then it fades.
    assert_eq!(e.reply_at(&mut s, "尺码", now).segment(), Some("economic"));
    assert_eq!(e.reply_at(&mut s, "尺码", now).segment(), Some("economic"));
    assert_eq!(e.reply_at(&mut s, "尺码", now).segment(), None);
}

#[test]
fn the_stronger_segment_wins_and_signals_repeat_within_a_message_once() {
    let e = engine();
    let now = at(NOV);
    let mut s = Session::new("b2");
    // Three economic signals in one message count as one message's worth.
    e.reply_at(&mut s, "便宜 优惠 打折", now);
    let r = e.reply_at(&mut s, "质量好吗", now);
    assert_eq!(
        r.segment(),
        Some("individual"),
        "1.0 beats 1.0 decayed once"
    );
    // Two economic messages in a row outweigh one individual message.
    let mut t = Session::new("b3");
    e.reply_at(&mut t, "便宜点", now);
    e.reply_at(&mut t, "有优惠吗", now);
    assert_eq!(
        e.reply_at(&mut t, "质量好吗", now).segment(),
        Some("economic")
    );
    // Both in one message: a tie goes to the segment written first.
    let mut u = Session::new("b4");
    assert_eq!(
        e.reply_at(&mut u, "品牌的 便宜吗", now).segment(),
        Some("economic")
    );
}

#[test]
fn marked_variants_are_preferred_for_their_segment_and_kept_from_others() {
    let e = engine();
    let now = at(NOV);
    let mut eco = Session::new("eco");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let r = e.reply_at(&mut eco, "还能便宜吗", now);
        seen.push(body(r.text()).to_owned());
    }
    // Rotating between the two economic variants, never the same twice in a row.
    for w in seen.windows(2) {
        assert_ne!(w[0], w[1]);
    }
    assert!(
        seen.iter()
            .all(|t| t == "领券最划算" || t == "现在下单最便宜"),
        "{seen:?}"
    );

    // A buyer in no segment gets only the unmarked variants.
    let mut plain = Session::new("plain");
    for _ in 0..4 {
        let r = e.reply_at(&mut plain, "价格多少", now);
        assert!(r.segment().is_none());
        let b = body(r.text());
        assert!(b == "价格统一哦" || b == "大促有满减", "{b}");
    }

    // An individual buyer: its variant where the node has one, unmarked ones elsewhere.
    let mut ind = Session::new("ind");
    let r = e.reply_at(&mut ind, "面料质量怎么样", now);
    assert_eq!(
        (r.segment(), body(r.text())),
        (Some("individual"), "品牌定织面料")
    );
    let r = e.reply_at(&mut ind, "价格多少", now);
    assert_eq!(body(r.text()), "一分钱一分货");
    let r = e.reply_at(&mut ind, "尺码偏大吗", now);
    assert_eq!(body(r.text()), "标准码");
}

#[test]
fn economic_buyers_get_the_active_promotion_once_per_session() {
    let e = engine();
    let now = at(DEC);
    let mut s = Session::new("b5");
    // The first message opens with greeting + this promotion: not repeated below.
    let first = e.reply_at(&mut s, "有优惠吗", now);
    assert_eq!(first.kind(), ReplyKind::GreetingPromotion);
    assert_eq!((first.notice(), first.promotion()), (Some("d12"), None));
    assert_eq!(first.text().matches("双12满300减40").count(), 1);
    let again = e.reply_at(&mut s, "再便宜点", now);
    assert_eq!(again.promotion(), None);

    // A buyer who becomes economic later gets it once, after the answer: here the
    // conversation opened just before the promotion started.
    let mut t = Session::new("b6");
    let opening = e.reply_at(&mut t, "尺码偏大吗", at("2026-11-30T23:50:00+08:00"));
    assert_eq!(opening.kind(), ReplyKind::Greeting);
    let now = at("2026-12-01T00:10:00+08:00");
    let r = e.reply_at(&mut t, "能便宜点吗", now);
    assert_eq!((r.kind(), r.promotion()), (ReplyKind::Answer, Some("d12")));
    let mut lines = r.text().lines();
    assert!(lines.next().is_some_and(|l| l != "双12满300减40"));
    assert_eq!(lines.next(), Some("双12满300减40"));
    let r = e.reply_at(&mut t, "还有优惠吗", now);
    assert_eq!((r.promotion(), r.text().contains("双12")), (None, false));

    // Outside the window, or in another segment: nothing is appended.
    let mut u = Session::new("b7");
    e.reply_at(&mut u, "尺码", at(NOV));
    assert_eq!(e.reply_at(&mut u, "便宜点", at(NOV)).promotion(), None);
    let mut v = Session::new("b8");
    e.reply_at(&mut v, "尺码", now);
    let r = e.reply_at(&mut v, "质量好吗", now);
    assert_eq!((r.segment(), r.promotion()), (Some("individual"), None));
}

#[test]
fn angry_buyers_get_soothing_variants_then_a_human() {
    let e = engine();
    let now = at(NOV);
    let mut s = Session::new("b9");
    e.reply_at(&mut s, "尺码", now);
    let calm = e.reply_at(&mut s, "物流到哪了", now);
    assert!(!calm.angry());
    assert_eq!(calm.text(), "在路上了");
    // Three question marks (full-width, spaces allowed between) are anger.
    let r = e.reply_at(&mut s, "到哪了？？ ？", now);
    assert!(r.angry() && !r.handoff());
    assert_eq!(
        (r.kind(), r.text()),
        (ReplyKind::Answer, "真的抱歉让您久等")
    );
    // Angry twice in a row: handed over, with the soothing handoff reply.
    let r = e.reply_at(&mut s, "物流呢???", now);
    assert!(r.angry() && r.handoff());
    assert_eq!(
        (r.kind(), r.text()),
        (ReplyKind::Handoff, "抱歉已优先转人工")
    );
    assert_eq!(r.topic(), Some("logistics"));
    // The count starts again; two question marks are not anger.
    let r = e.reply_at(&mut s, "物流呢??", now);
    assert!(!r.angry() && !r.handoff());

    // An angry message nothing answers is handed over at once.
    let mut t = Session::new("b10");
    e.reply_at(&mut t, "尺码", now);
    let r = e.reply_at(&mut t, "你们这些骗子", now);
    assert!(r.angry() && r.handoff());
    assert_eq!((r.kind(), r.topic()), (ReplyKind::Handoff, None));
    assert_eq!(r.text(), "抱歉已优先转人工");
    // A calm fallback rotates among the calm variants only.
    let r = e.reply_at(&mut t, "天气", now);
    assert_eq!((r.kind(), r.text()), (ReplyKind::Fallback, "亲,稍等"));
    // No promotion for an angry buyer, even an economic one.
    let mut u = Session::new("b11");
    e.reply_at(&mut u, "尺码", at(DEC));
    let r = e.reply_at(&mut u, "垃圾 还不便宜点", at(DEC));
    assert_eq!(
        (r.segment(), r.angry(), r.promotion()),
        (Some("economic"), true, None)
    );
}

#[test]
fn without_buyers_rules_nothing_changes() {
    let e = Engine::from_yaml_str(
        "shop: {name: s}\nfirst_reply: {greeting: [hi]}\npresale:\n  - {topic: a, keywords: [便宜], reply: [x]}\nfallback: {reply: ['?'], handoff_after: 0}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut s = Session::new("x");
    let r = e.reply_at(&mut s, "便宜吗？？？？ 骗子", at(NOV));
    assert_eq!((r.segment(), r.angry(), r.handoff()), (None, false, false));
    assert_eq!(e.segments().len(), 0);
    // The session's JSON has no buyer fields at all.
    let json = serde_json::to_string(&s).unwrap_or_default();
    assert!(
        !json.contains("segments") && !json.contains("angry"),
        "{json}"
    );
}

#[test]
fn scores_live_in_the_session_and_survive_serde() {
    let e = engine();
    let now = at(NOV);
    let mut s = Session::new("b12");
    e.reply_at(&mut s, "便宜点", now);
    e.reply_at(&mut s, "物流到哪了？？？", now);
    let json = serde_json::to_string(&s).unwrap_or_default();
    assert!(json.contains(r#""segments":[["#), "{json}");
    assert!(json.contains(r#""angry_in_row":1"#), "{json}");
    let mut back: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, s);
    // The restored session continues exactly like the original.
    let a = e.reply_at(&mut s, "骗子", now);
    let b = e.reply_at(&mut back, "骗子", now);
    assert_eq!(
        (a.segment(), a.handoff(), &a.text()),
        (b.segment(), b.handoff(), &b.text())
    );
    assert!(a.handoff());
    // A session saved before buyers existed loads and starts from zero.
    let old: Session =
        serde_json::from_str(r#"{"id":"old","turns":2}"#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.turns(), 2);
}

#[test]
fn reply_json_and_segment_listing() {
    let e = engine();
    let segments: Vec<(&str, &str)> = e.segments().collect();
    assert_eq!(
        segments,
        vec![
            ("economic", "价格敏感型"),
            ("individual", "个性化"),
            ("convenience", "convenience")
        ]
    );
    let mut s = Session::new("b13");
    e.reply_at(&mut s, "尺码", at(DEC));
    let r = e.reply_at(&mut s, "我急用 马上要", at(DEC));
    let v = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(v["segment"], "convenience");
    assert_eq!(v["angry"], false);
    assert_eq!(v["promotion"], serde_json::Value::Null);
}

#[test]
fn the_bundled_rules_read_their_buyers() {
    let e = Engine::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let now = at("2026-12-05T10:00:00+08:00");
    let mut s = Session::new("apparel-1");
    e.reply_at(&mut s, "这件偏大吗", now);
    let r = e.reply_at(&mut s, "有优惠券吗 能便宜点吗", now);
    assert_eq!(
        (r.segment(), r.topic()),
        (Some("economic"), Some("discount"))
    );
    assert_eq!(r.promotion(), Some("double12"));
    let r = e.reply_at(&mut s, "怎么还没发货？？？", now);
    assert!(r.angry());
    assert!(r.text().contains("抱歉"), "{}", r.text());
}
