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
    let kinds: Vec<ReplyKind> = [
        "2026-10-08T10:00:00+08:00",
        "2026-11-25T10:00:00+08:00",
        "2026-12-05T10:00:00+08:00",
    ]
    .iter()
    .map(|t| e.reply_at(&mut Session::new("x"), "有货吗", at(t)).kind())
    .collect();
    assert_eq!(
        kinds,
        vec![
            ReplyKind::Greeting,
            ReplyKind::GreetingReminder,
            ReplyKind::GreetingPromotion
        ]
    );
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
