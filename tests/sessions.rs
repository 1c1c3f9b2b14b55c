//! Sessions as a service stores them: saved as JSON after a message and loaded for
//! the next, possibly by another replica or after a rule reload. A saved session
//! continues exactly as one kept in memory, and sessions written by older rule files
//! or an older kefu still load and work.

const MAX_CAPTURES: usize = Session::MAX_CAPTURES;
const MAX_CAPTURE_CHARS: usize = Session::MAX_CAPTURE_CHARS;
const MAX_ID_BYTES: usize = Session::MAX_ID_BYTES;
use kefu::{Engine, ReplyKind, Session};
use std::time::{Duration, SystemTime};

const APPAREL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml");

fn apparel() -> Engine {
    Engine::from_path(APPAREL).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> SystemTime {
    s.parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A conversation in a promotion week: greeting, captures, context follow-ups,
/// fallbacks up to a handoff, after-sale, a silence that greets again, and repeated
/// questions that rotate variants. (minutes after the start, message)
const CONVERSATION: &[(u64, &str)] = &[
    (0, "在吗"),
    (1, "这件偏大吗 我160 100斤"),
    (2, "那L呢"),
    (3, "今天天气不错"),
    (4, "嗯嗯呵呵"),
    (5, "尺码怎么选"),
    (6, "尺码怎么选"),
    (7, "尺码怎么选"),
    (8, "有货吗"),
    (9, "我要退貨！！😭"),
    (10, "退货的运费谁出"),
    (11, "订单号 2026110512345678 什么时候发货"),
    (12, "运费"),
    (60, "还在吗"),
    (61, "颜色不对 我要投诉"),
    (62, "谢谢"),
    (63, ""),
    (64, "🙂🙂🙂"),
];

/// What a buyer and a service see of a reply.
#[derive(Debug, PartialEq)]
struct Seen {
    text: String,
    kind: ReplyKind,
    topic: Option<String>,
    handoff: bool,
    notice: Option<String>,
    hits: Vec<(std::ops::Range<usize>, String, String)>,
}

fn answer(engine: &Engine, session: &mut Session, turn: usize) -> Seen {
    let (minutes, message) = CONVERSATION[turn];
    let now = at("2026-11-05T10:00:00+08:00") + Duration::from_secs(minutes * 60);
    let r = engine.reply_at(session, message, now);
    Seen {
        text: r.text().to_owned(),
        kind: r.kind(),
        topic: r.topic().map(str::to_owned),
        handoff: r.handoff(),
        notice: r.notice().map(str::to_owned),
        hits: r
            .hits()
            .iter()
            .map(|h| (h.span.clone(), h.keyword.to_owned(), h.topic.to_owned()))
            .collect(),
    }
}

fn save_and_load(session: &Session) -> Session {
    let json = serde_json::to_string(session).unwrap_or_else(|e| panic!("{e}"));
    let back: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, session, "{json}");
    assert_eq!(
        serde_json::to_string(&back).ok().as_deref(),
        Some(&json[..]),
        "saving a loaded session writes the same JSON"
    );
    back
}

/// Replies and final session of the whole conversation kept in memory.
fn uninterrupted(engine: &Engine) -> (Vec<Seen>, Session) {
    let mut s = Session::new("buyer-42");
    let seen = (0..CONVERSATION.len())
        .map(|i| answer(engine, &mut s, i))
        .collect();
    (seen, s)
}

#[test]
fn the_conversation_covers_what_a_session_remembers() {
    let (seen, s) = uninterrupted(&apparel());
    let kinds: Vec<ReplyKind> = seen.iter().map(|r| r.kind).collect();
    assert_eq!(kinds[0], ReplyKind::GreetingPromotion);
    assert!(kinds.contains(&ReplyKind::Fallback), "{kinds:?}");
    assert!(kinds.contains(&ReplyKind::Handoff), "{kinds:?}");
    assert_eq!(
        kinds[13],
        ReplyKind::GreetingPromotion,
        "after an hour's silence"
    );
    assert_eq!(seen[2].topic.as_deref(), Some("size_fit"), "context");
    let sizes: Vec<&str> = seen[5..8].iter().map(|r| r.text.as_str()).collect();
    assert!(sizes[0] != sizes[1] && sizes[1] != sizes[2], "{sizes:#?}");
    assert_eq!(s.capture("height"), Some("160"));
    assert_eq!(s.turns(), CONVERSATION.len() as u64);
}

#[test]
fn a_session_saved_after_every_message_continues_as_one_kept_in_memory() {
    let engine = apparel();
    let (want, kept) = uninterrupted(&engine);
    let mut s = Session::new("buyer-42");
    for (turn, want) in want.iter().enumerate() {
        s = save_and_load(&s);
        assert_eq!(&answer(&engine, &mut s, turn), want, "turn {turn}");
    }
    assert_eq!(s, kept);
}

#[test]
fn a_session_saved_once_and_loaded_by_another_replica_continues_the_same() {
    let engine = apparel();
    let (want, kept) = uninterrupted(&engine);
    // Another replica: its own engine from the same file.
    let replica = apparel();
    for pause in 0..=CONVERSATION.len() {
        let mut s = Session::new("buyer-42");
        for turn in 0..pause {
            answer(&engine, &mut s, turn);
        }
        let mut s = save_and_load(&s);
        for (turn, want) in want.iter().enumerate().skip(pause) {
            assert_eq!(
                &answer(&replica, &mut s, turn),
                want,
                "paused before turn {pause}, turn {turn}"
            );
        }
        assert_eq!(s, kept, "paused before turn {pause}");
    }
}

const RULES_V1: &str = r#"
shop: { name: 测试小店, agent: 小测 }
first_reply: { greeting: ["亲,欢迎光临~"] }
presale:
  - topic: size
    keywords: [尺码]
    reply: ["V1 尺码 a", "V1 尺码 b", "V1 尺码 c"]
    children:
      - { topic: size_fit, keywords: [偏大], patterns: ['(?P<size_letter>[SML])码'], reply: ["V1 偏大 {size_letter|}"] }
aftersale:
  - { topic: return, keywords: [退货], reply: ["V1 退货 a", "V1 退货 b", "V1 退货 c"] }
  - { topic: complaint, keywords: [投诉], handoff: true, reply: ["V1 转人工"] }
fallback: { reply: ["V1 没听懂"], handoff_after: 3, handoff_reply: ["V1 转人工"] }
"#;

/// size_fit, return and complaint are gone; size has one variant left; a new node.
const RULES_V2: &str = r#"
shop: { name: 测试小店, agent: 小测 }
first_reply: { greeting: ["亲,欢迎光临~"] }
presale:
  - { topic: size, keywords: [尺码, 偏大], reply: ["V2 尺码"] }
  - { topic: stock, keywords: [有货], reply: ["V2 有货"] }
aftersale:
  - { topic: refund, keywords: [退款, 退货], reply: ["V2 退款"] }
fallback: { reply: ["V2 没听懂"], handoff_after: 3, handoff_reply: ["V2 转人工"] }
"#;

fn engine(yaml: &str) -> Engine {
    Engine::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_session_saved_under_older_rules_works_with_new_ones() {
    let (v1, v2) = (engine(RULES_V1), engine(RULES_V2));
    let t = at("2026-09-01T10:00:00+08:00");
    let mut s = Session::new("buyer-7");
    for m in [
        "尺码",
        "尺码",
        "尺码",
        "M码偏大吗",
        "今天天气",
        "我要投诉",
        "我要退货",
    ] {
        v1.reply_at(&mut s, m, t);
    }
    assert_eq!(s.last_topic(), Some("return"));
    let json = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
    let mut s: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));

    // Its last topic no longer exists: the next message is answered on its own merits,
    // without a greeting (the conversation goes on), and becomes the last topic.
    let later = t + Duration::from_secs(60);
    let r = v2.reply_at(&mut s, "有货吗", later);
    assert_eq!((r.kind(), r.topic()), (ReplyKind::Answer, Some("stock")));
    assert_eq!(r.text(), "V2 有货");
    // A node whose variant index was saved at 2 (of 3) now has one variant.
    let r = v2.reply_at(&mut s, "尺码", later);
    assert_eq!(r.text(), "V2 尺码");
    let r = v2.reply_at(&mut s, "尺码偏大吗", later);
    assert_eq!(r.text(), "V2 尺码");
    let r = v2.reply_at(&mut s, "退货", later);
    assert_eq!((r.kind(), r.topic()), (ReplyKind::Answer, Some("refund")));
    assert_eq!(s.last_topic(), Some("refund"));
    // The capture of a pattern the new rules lack is kept, harmlessly.
    assert_eq!(s.capture("size_letter"), Some("M"));
    // Fallbacks still count up to the handoff.
    let kinds: Vec<ReplyKind> = ["天气", "天气", "天气"]
        .iter()
        .map(|m| v2.reply_at(&mut s, m, later).kind())
        .collect();
    assert_eq!(
        kinds,
        [ReplyKind::Fallback, ReplyKind::Fallback, ReplyKind::Handoff]
    );
}

/// Replies to the same messages from a session loaded from `json` and from `fresh`.
fn same_replies(engine: &Engine, json: &str, mut fresh: Session, messages: &[&str]) {
    let mut loaded: Session = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let t = at("2026-09-01T10:00:00+08:00");
    for m in messages {
        let a = engine.reply_at(&mut loaded, m, t);
        let b = engine.reply_at(&mut fresh, m, t);
        assert_eq!(
            (&a.text(), a.kind(), a.topic()),
            (&b.text(), b.kind(), b.topic()),
            "{json}: {m}"
        );
    }
}

#[test]
fn a_session_json_with_missing_fields_loads_as_a_new_session() {
    let e = engine(RULES_V2);
    let messages = ["尺码", "有货吗", "天气"];
    same_replies(&e, r#"{"id":"b"}"#, Session::new("b"), &messages);
    same_replies(&e, "{}", Session::new(""), &messages);
    same_replies(
        &e,
        r#"{"id":"b","turns":0,"captures":{}}"#,
        Session::new("b"),
        &messages,
    );
}

#[test]
fn a_session_json_with_unknown_fields_loads() {
    let e = engine(RULES_V2);
    let json = r#"{"id":"b","schema":3,"mood":{"happy":true},"recent_topics":[],"future":[1,2,3]}"#;
    same_replies(&e, json, Session::new("b"), &["尺码", "有货吗"]);
}

/// The JSON kefu wrote before rotation keys were hashed: `[reply key, variant]` pairs
/// and topics of rules since removed.
const OLD_FORMAT: &str = r##"{
  "id": "buyer-7", "turns": 7, "last_at": 1788228000,
  "recent_topics": ["return", "complaint", "size_fit", "size"],
  "stage": "aftersale",
  "captures": {"size_letter": "M"}, "capture_order": ["size_letter"],
  "fallbacks_in_row": 1,
  "rotations": [["return", 0], ["#handoff", 0], ["size", 2], ["#greeting", 0]]
}"##;

#[test]
fn a_session_in_the_older_json_format_loads_and_continues() {
    let (v1, v2) = (engine(RULES_V1), engine(RULES_V2));
    let mut old: Session = serde_json::from_str(OLD_FORMAT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old.turns(), 7);
    assert_eq!(old.last_topic(), Some("return"));
    assert_eq!(old.capture("size_letter"), Some("M"));
    let t = at("2026-09-01T10:01:00+08:00");
    let mut same = old.clone();
    // The fallback count goes on: one was saved, so the third in a row hands over.
    assert_eq!(v1.reply_at(&mut old, "天气", t).kind(), ReplyKind::Fallback);
    assert_eq!(v1.reply_at(&mut old, "天气", t).kind(), ReplyKind::Handoff);
    // The saved rotation goes on: return's variant 0 was sent last, size's variant 2.
    assert_eq!(v1.reply_at(&mut old, "退货", t).text(), "V1 退货 b");
    assert_eq!(v1.reply_at(&mut old, "尺码", t).text(), "V1 尺码 a");
    // And the new rules take it as well.
    let r = v2.reply_at(&mut same, "退货", t);
    assert_eq!((r.kind(), r.text()), (ReplyKind::Answer, "V2 退款"));
    save_and_load(&same);
}

/// A session from a store the service does not fully control (or written by a buggy
/// client) may hold more captures, or longer ones, than kefu ever keeps; after the next
/// reply it is within kefu's bounds again.
#[test]
fn an_oversized_stored_session_is_bounded_after_the_next_reply() {
    let e = engine(RULES_V1);
    let captures: Vec<String> = (0..100)
        .map(|i| format!("\"c{i}\":\"{}\"", "长".repeat(1_000)))
        .collect();
    let json = format!(
        r#"{{"id":"b","captures":{{{}}},"capture_order":["c0"]}}"#,
        captures.join(",")
    );
    let mut s: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    e.reply_at(&mut s, "M码偏大吗", at("2026-09-01T10:00:00+08:00"));
    let saved = serde_json::to_string(&s).unwrap_or_default();
    assert!(
        saved.len() < 8 * 1024,
        "{} bytes after one reply",
        saved.len()
    );
    assert_eq!(s.capture("size_letter"), Some("M"));
    let long = (0..100).filter_map(|i| s.capture(&format!("c{i}"))).count();
    assert!(long <= 15, "{long} of the stored captures kept");
}

/// A host that only loads and stores a session (no reply in between) also gets it
/// back within bounds: captures as `capture_order` lists them, each once, the newest
/// 16, values cleaned and cut as when captured.
#[test]
fn a_stored_session_is_bounded_as_soon_as_it_is_loaded() {
    let mut captures: Vec<String> = (0..40)
        .map(|i| format!("\"c{i}\":\"v{i}\u{202e}{}\"", "长".repeat(200)))
        .collect();
    captures.push(format!("\"{}\":\"long name\"", "n".repeat(33)));
    let mut order: Vec<String> = (0..40).map(|i| format!("\"c{i}\"")).collect();
    // c39 listed again at the front (older), c5 again at the end (newest), names
    // without a value, and a name longer than any capture group may have.
    order.insert(0, "\"c39\"".into());
    order.extend([
        "\"c5\"".into(),
        "\"ghost\"".into(),
        format!("\"{}\"", "n".repeat(33)),
    ]);
    let json = format!(
        r#"{{"id":"b","captures":{{{}}},"capture_order":[{}]}}"#,
        captures.join(","),
        order.join(",")
    );
    let s: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let kept: Vec<usize> = (0..40)
        .filter(|i| s.capture(&format!("c{i}")).is_some())
        .collect();
    let newest: Vec<usize> = (25..40).chain([5]).collect();
    let mut want = newest.clone();
    want.sort_unstable();
    assert_eq!(
        kept, want,
        "the newest {MAX_CAPTURES} as capture_order lists them"
    );
    assert!(s.capture("ghost").is_none());
    assert!(s.capture(&"n".repeat(33)).is_none());
    let v = s.capture("c5").unwrap_or_default();
    assert!(v.starts_with("v5长"), "{v}");
    assert_eq!(v.chars().count(), MAX_CAPTURE_CHARS);
    // What it saves is what it holds: the order lists each kept name once, oldest first.
    let saved = serde_json::to_string(&s).unwrap_or_default();
    let back: serde_json::Value = serde_json::from_str(&saved).unwrap_or_default();
    let listed: Vec<String> = newest.iter().map(|i| format!("c{i}")).collect();
    assert_eq!(back["capture_order"], serde_json::json!(listed), "{saved}");
    assert!(saved.len() < 8 * 1024, "{} bytes", saved.len());
}

/// A session id longer than kefu keeps is cut, on load and in `Session::new` alike, so
/// a stored session with a megabyte id does not stay a megabyte, and a long id gives
/// the same replies whether the session was kept in memory or saved and loaded.
#[test]
fn a_long_session_id_is_cut_on_load_and_in_new() {
    let long = format!("{}{}", "买".repeat(MAX_ID_BYTES), "x".repeat(1_000_000));
    let fresh = Session::new(long.clone());
    assert!(fresh.id().len() <= MAX_ID_BYTES);
    assert!(long.starts_with(fresh.id()));
    assert_eq!(
        fresh.id().len(),
        MAX_ID_BYTES / 3 * 3,
        "cut on a char boundary"
    );
    let json = serde_json::to_string(&serde_json::json!({ "id": long })).unwrap_or_default();
    let loaded: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded, fresh);
    same_replies(
        &engine(RULES_V1),
        &json,
        fresh,
        &["尺码", "尺码", "尺码", "天气"],
    );
    let short: Session = serde_json::from_str(r#"{"id":"buyer-42"}"#).unwrap_or_default();
    assert_eq!(short.id(), "buyer-42");
}

/// The unpaid order a session holds is kept like the one `set_unpaid_order` takes:
/// its id and buyer name cleaned of control and bidi characters and cut.
#[test]
fn a_stored_unpaid_order_is_cleaned_and_cut_on_load() {
    let json = serde_json::json!({
        "id": "b",
        "unpaid_order": {
            "id": format!("12\u{202e}3{}", "4".repeat(100_000)),
            "amount": 39_900,
            "created": "2026-11-25T02:00:00Z",
            "closes_at": "2026-11-26T02:00:00Z",
            "buyer_name": format!("小\u{7}王{}", "王".repeat(100_000)),
        }
    })
    .to_string();
    let s: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let o = s
        .unpaid_order()
        .cloned()
        .unwrap_or_else(|| panic!("order dropped"));
    assert!(o.id.starts_with("1234"), "{}", o.id);
    assert_eq!(o.id.chars().count(), MAX_CAPTURE_CHARS);
    assert!(o.buyer_name.starts_with("小王王"), "{}", o.buyer_name);
    assert_eq!(o.buyer_name.chars().count(), MAX_CAPTURE_CHARS);
    assert_eq!(o.amount.cents(), 39_900);
}

/// Lists read from a stored session are cut to what kefu keeps: the newest 4 topics,
/// 32 rotation slots, 8 segment scores; ids too long to be a topic or product dropped.
#[test]
fn stored_lists_are_read_only_as_far_as_kefu_keeps_them() {
    let topics: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    let rotations: Vec<[u32; 2]> = (0..10_000).map(|i| [i, 1]).collect();
    let segments: Vec<[u32; 2]> = (1..10_000).map(|i| [i, i]).collect();
    let json = serde_json::json!({
        "id": "b",
        "recent_topics": topics,
        "rotations": rotations,
        "segments": segments,
        "product": "p".repeat(100_000),
    })
    .to_string();
    assert!(json.len() > 300_000);
    let s: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.last_topic(), Some("t0"));
    assert_eq!(s.current_product(), None);
    let saved = serde_json::to_string(&s).unwrap_or_default();
    let back: serde_json::Value = serde_json::from_str(&saved).unwrap_or_default();
    let len = |k: &str| back[k].as_array().map_or(0, Vec::len);
    assert_eq!(
        (len("recent_topics"), len("rotations"), len("segments")),
        (4, 32, 8),
        "{saved}"
    );
    assert!(saved.len() < 2 * 1024, "{} bytes", saved.len());
}
