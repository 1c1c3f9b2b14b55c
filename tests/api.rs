//! Through the public API, as an embedding service uses kefu.

use kefu::{Engine, ErrorKind, ReplyKind, Session};
use std::time::{Duration, Instant};

mod common;
use common::{apparel, at};

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let err = Engine::from_path("no/such/rules.yaml").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().starts_with("no/such/rules.yaml: "), "{err}");
}

#[test]
fn broken_file_errors_name_the_file_line_column_and_path() {
    let dir = std::env::temp_dir().join(format!("kefu-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.yaml");
    std::fs::write(
        &path,
        "shop: {name: s}\nfirst_reply: {greeting: [hi]}\npresale:\n  - topic: a\n    keyword: [x]\n    reply: [r]\nfallback: {reply: [f], handoff_after: 0}\n",
    )
    .unwrap();
    let err = Engine::from_path(&path).unwrap_err();
    let want = format!("{}:5:5: unknown key 'keyword'", path.display());
    assert!(err.to_string().starts_with(&want), "{err}");
    assert!(err.to_string().ends_with("(presale[0])"), "{err}");
    assert_eq!(err.rule_path(), Some("presale[0]"));
    // Debug reads the same, so `main() -> Result<_, kefu::Error>` prints it well.
    assert_eq!(format!("{err:?}"), err.to_string());
}

#[test]
fn the_bundled_rules_answer_a_typical_conversation() {
    let e = apparel();
    let mut s = Session::new("buyer-42");
    let t = at("2026-10-08T10:00:00+08:00");
    let first = e.reply_at(&mut s, "这件偏大吗 我160 100斤", t);
    assert_eq!(first.kind(), ReplyKind::Greeting);
    assert_eq!(first.topic(), Some("size_advice"));
    let (greeting, answer) = first.text().split_once('\n').unwrap();
    assert!(greeting.contains("衣见女装旗舰店"), "{greeting}");
    assert!(!answer.is_empty());
    let r = e.reply_at(&mut s, "我要退貨！！😭", t);
    assert_eq!((r.kind(), r.topic()), (ReplyKind::Answer, Some("return")));
    let spans: Vec<&str> = r
        .hits()
        .iter()
        .filter(|h| h.topic == "return")
        .map(|h| &"我要退貨！！😭"[h.span.clone()])
        .collect();
    assert!(spans.contains(&"退貨"), "{spans:?}");
    let r = e.reply_at(&mut s, "转人工", t);
    assert!(r.handoff());
}

#[test]
fn the_bundled_promotion_and_reminder_open_conversations_in_their_windows() {
    let e = apparel();
    // (the shop's time, kind, notice): every year and every Friday.
    let cases = [
        ("2026-10-08T10:00:00+08:00", ReplyKind::Greeting, None),
        (
            "2026-10-09T10:00:00+08:00",
            ReplyKind::GreetingPromotion,
            Some("member_day"),
        ),
        (
            "2026-11-11T23:00:00+08:00",
            ReplyKind::GreetingPromotion,
            Some("double11"),
        ),
        (
            "2026-11-25T10:00:00+08:00",
            ReplyKind::GreetingReminder,
            Some("ship_delay"),
        ),
        (
            "2027-11-26T10:00:00+08:00",
            ReplyKind::GreetingReminder,
            Some("ship_delay"),
        ), // a Friday
        (
            "2026-12-05T10:00:00+08:00",
            ReplyKind::GreetingPromotion,
            Some("double12"),
        ),
        (
            "2030-12-12T23:59:00+08:00",
            ReplyKind::GreetingPromotion,
            Some("double12"),
        ),
    ];
    for (t, kind, notice) in cases {
        let r = e.reply_at(&mut Session::new("x"), "有货吗", at(t));
        assert_eq!((r.kind(), r.notice()), (kind, notice), "{t}");
    }
}

#[test]
fn hostile_messages_get_a_reply_quickly() {
    let e = apparel();
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let messages = [
        String::new(),
        "😭".repeat(5000),
        "退货".repeat(50_000),
        String::from_utf8_lossy(&junk).into_owned(),
        "\u{202E}\u{0}\u{7}{shop}{{}}".repeat(100),
        "ａ".repeat(3000),
    ];
    for m in &messages {
        let mut s = Session::new("x");
        let start = Instant::now();
        let r = e.reply(&mut s, m);
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{} bytes took {:?}",
            m.len(),
            start.elapsed()
        );
        assert!(!r.text().is_empty());
        assert_eq!(r.truncated(), m.len() > 4096);
        assert!(!r.text().contains('\u{202E}'));
    }
}

#[test]
fn one_engine_shared_by_threads_answers_like_sequential_use() {
    let e = apparel();
    let msgs = [
        "在吗",
        "这件偏大吗",
        "什么时候发货",
        "退货运费谁出",
        "那L码呢",
        "质量太差了",
        "转人工",
        "随便说说",
    ];
    let t = at("2026-10-08T10:00:00+08:00");
    let run = |e: &Engine, id: usize| -> Vec<String> {
        let mut s = Session::new(format!("b{id}"));
        msgs.iter()
            .map(|m| e.reply_at(&mut s, m, t).into_text())
            .collect()
    };
    let sequential: Vec<Vec<String>> = (0..8).map(|i| run(&e, i)).collect();
    let threaded: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let e = e.clone();
                scope.spawn(move || run(&e, i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sequential, threaded);
}

#[test]
fn node_introspection_gives_paths_and_keywords() {
    let e = apparel();
    let n = e.node("size_fit").unwrap();
    assert_eq!(n.parent().map(|p| p.topic()), Some("size"));
    assert!(n.display_path().starts_with("售前 › "));
    assert!(n.keywords().count() > 0);
    assert!(e.nodes().len() >= 28);
    assert!(e.keyword_count() >= e.nodes().len());
    assert!(e.heap_bytes() > 0);
}

/// Issue 16.4: a minimal file (`shop`, one node, `fallback.reply`) loads, and a
/// default never hands the buyer to a human the file gives no words for: without
/// `handoff_reply`, `handoff_after` (the fallback's and anger's) defaults to 0; with
/// it, to 2. Written out, a `handoff_after` above 0 without `handoff_reply` is still
/// an error.
#[test]
fn defaults_of_a_minimal_file_never_hand_over_without_words_for_it() {
    let file = |fallback: &str, buyers: &str| {
        format!(
            "shop: {{ name: s }}\nfirst_reply: {{ greeting: [您好] }}\n{buyers}presale:\n  - {{ topic: size, keywords: [尺码], reply: [标准码] }}\nfallback: {fallback}\n"
        )
    };
    use ReplyKind::{Fallback as F, Handoff as H};
    // (case, fallback, buyers, the body kinds of four replies to 天气怎么样)
    let cases: [(&str, &str, &str, [ReplyKind; 4]); 5] = [
        ("reply only", "{ reply: [没听懂] }", "", [F, F, F, F]),
        (
            "with a handoff reply",
            "{ reply: [没听懂], handoff_reply: [转人工] }",
            "",
            [F, H, F, H],
        ),
        (
            "handoff_after written",
            "{ reply: [没听懂], handoff_after: 3, handoff_reply: [转人工] }",
            "",
            [F, F, H, F],
        ),
        (
            "anger without a handoff reply",
            "{ reply: [没听懂] }",
            "buyers: { anger: { signals: [天气] } }\n",
            [F, F, F, F],
        ),
        (
            "anger with a handoff reply",
            "{ reply: [没听懂], handoff_reply: [转人工] }",
            "buyers: { anger: { signals: [天气] } }\n",
            [H, H, H, H],
        ),
    ];
    let t = at("2026-10-08T10:00:00+08:00");
    for (case, fallback, buyers, want) in cases {
        let e = Engine::from_yaml_str(&file(fallback, buyers))
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut s = Session::new("b");
        let got: Vec<ReplyKind> = (0..4)
            .map(|_| e.reply_at(&mut s, "天气怎么样", t).body_kind())
            .collect();
        assert_eq!(got, want, "{case}");
    }
    let err = Engine::from_yaml_str(&file("{ reply: [没听懂], handoff_after: 2 }", ""))
        .map(|_| ())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs a handoff_reply when handoff_after is above 0 (it is 2)"),
        "{err}"
    );
}

/// Issue 15.4: promotions and reminders once, every year (across New Year too), on
/// weekdays and on days of the month, in the shop's zone; the first active reminder
/// wins, then the first active promotion in file order.
#[test]
fn recurring_windows_open_conversations_on_their_days() {
    let yaml = r#"
shop: { name: s, timezone: "+08:00" }
first_reply:
  greeting: [您好]
  promotions:
    - { id: double11, from: "11-01", until: "11-11", text: 双11 }
    - { id: double12, from: "12-01", until: "12-12", text: 双12 }
    - { id: launch, from: "2026-06-18", until: "2026-06-18", text: 新品 }
    - { id: member_day, weekly: fri, from: "10:00", until: "22:00", text: 会员日 }
    - { id: day18, monthly: 18, text: 品牌日 }
  reminders:
    - { id: new_year, from: "12-31", until: "01-01", text: 元旦放假 }
presale:
  - { topic: size, keywords: [尺码], reply: [标准码] }
fallback: { reply: [没听懂] }
"#;
    let e = Engine::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"));
    // (shop's time, the notice the opening carries)
    let cases = [
        ("2027-11-11T23:59:59+08:00", Some("double11")), // the last day, to its end
        ("2027-11-12T09:00:00+08:00", None),             // a Friday, before 10:00
        ("2027-11-12T10:00:00+08:00", Some("member_day")),
        ("2027-11-12T22:00:00+08:00", None),
        ("2028-12-12T12:00:00+08:00", Some("double12")), // any year
        ("2026-12-18T12:00:00+08:00", Some("member_day")), // a Friday and the 18th: file order
        ("2026-06-18T23:30:00+08:00", Some("launch")),   // a date alone: the whole day
        ("2026-06-19T00:00:00+08:00", None),
        ("2027-01-18T00:00:00+08:00", Some("day18")),
        ("2026-12-31T12:00:00+08:00", Some("new_year")), // a reminder wins
        ("2027-01-01T23:00:00+08:00", Some("new_year")), // across New Year
        ("2027-01-02T10:30:00+08:00", None),             // a Saturday
        ("2027-01-01T02:30:00+00:00", Some("new_year")), // the shop's zone, not UTC
    ];
    for (t, notice) in cases {
        let r = e.reply_at(&mut Session::new("b"), "尺码", at(t));
        assert_eq!(r.notice(), notice, "{t}: {}", r.text());
    }
    // A recurring window never expires; a dated one does.
    let lints: Vec<String> = e
        .lints(at("2030-01-01T00:00:00+08:00"))
        .into_iter()
        .filter(|l| l.kind == kefu::LintKind::ExpiredWindow)
        .map(|l| l.to_string())
        .collect();
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert!(
        lints[0].contains("promotion 'launch' ended at 2026-06-18 23:59 (the shop's time)"),
        "{}",
        lints[0]
    );
}
