//! The bundled rules/apparel.yaml loads, and every case of its `tests:` section passes.

fn bundled() -> kefu::Engine {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml");
    kefu::Engine::from_path(path)
        .unwrap_or_else(|e| panic!("rules/apparel.yaml does not load:\n{e}"))
}

/// A fixed time, so the file's promotions and reminders do not make results depend on
/// the day.
fn at(time: &str) -> std::time::SystemTime {
    time.parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap_or_else(|e| panic!("{time}: {e}"))
}

#[test]
fn bundled_rules_pass_their_own_tests() {
    let engine = bundled();
    // A fixed time: the file's promotions and reminders must not make the result depend on the day.
    let now = at("2026-11-25T10:00:00+08:00");
    let report = engine.run_tests_at(now);
    assert!(
        report.outcomes.len() >= 80,
        "only {} cases",
        report.outcomes.len()
    );
    let failures: Vec<String> = report.failures().map(|o| o.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        report.outcomes.len(),
        failures.join("\n")
    );
}

/// The openings of issue 14's corpus lines: during a promotion, only a buyer who is
/// choosing hears it; a complaint is soothed, a goodbye gets no greeting.
#[test]
fn bundled_openings_fit_the_first_message() {
    use kefu::{ReplyKind, Session};
    let engine = bundled();
    let double11 = at("2026-11-05T10:00:00+08:00");
    // (first message, kind, notice, opens with the soothing calm greeting)
    let cases = [
        (
            "这件有货吗",
            ReplyKind::GreetingPromotion,
            Some("double11"),
            false,
        ),
        ("我要投诉", ReplyKind::Greeting, None, true),
        ("拦截不成功", ReplyKind::Greeting, None, false),
        ("好的，谢谢没有了", ReplyKind::Answer, None, false),
        ("我要退货", ReplyKind::Greeting, None, false),
    ];
    for (says, kind, notice, soothing) in cases {
        let r = engine.reply_at(&mut Session::new("t"), says, double11);
        assert_eq!(
            (r.kind(), r.notice()),
            (kind, notice),
            "{says}: {}",
            r.text()
        );
        assert_eq!(
            r.text().starts_with("亲，您好，小衣在的，您别着急"),
            soothing,
            "{says}: {}",
            r.text()
        );
        assert!(!r.text().contains("双11") || notice.is_some(), "{says}");
    }
}

/// An order number sent in a conversation already on a topic gets the way on for that
/// topic (its `after:` variant), not "what is this order about?"; sent first, or after
/// a topic with no such variant, it gets the question.
#[test]
fn bundled_order_number_follows_the_conversation() {
    use kefu::Session;
    use std::time::Duration;
    let engine = bundled();
    let start = at("2026-10-08T10:00:00+08:00");
    let number = "123456789012345678";
    // (earlier messages, a fragment of the reply to the number)
    let cases: [(&[&str], &str); 7] = [
        (&["我想退货"], "退货就在这个订单的详情页"),
        (&["我想退货", "好的"], "退货就在这个订单的详情页"),
        (&["退款什么时候到账"], "这个订单的退款进度"),
        (&["我要换货"], "换货就在这个订单的详情页"),
        (&["有现货吗"], "上面的回复如果没解决"),
        (&["在吗"], "请问这个订单想咨询什么"),
        (&[], "请问这个订单想咨询什么"),
    ];
    for (before, fragment) in cases {
        let mut s = Session::new("t");
        for m in before {
            engine.reply_at(&mut s, m, start);
        }
        let r = engine.reply_at(&mut s, number, start + Duration::from_secs(60));
        assert_eq!(
            r.topic(),
            Some("order_number"),
            "{before:?}: {}",
            r.explain()
        );
        assert!(r.text().contains(fragment), "{before:?}: {}", r.text());
    }
}

/// After a handoff that asked for details (a new invoice title, the size and colour to
/// change to), the details the buyer sends next are acknowledged — never "please say it
/// another way" — whether nothing answers them (the fallback's `after:` variant) or a
/// size or colour node does (its `after: modify_order` variant).
#[test]
fn bundled_details_sent_after_a_handoff_are_acknowledged() {
    use kefu::Session;
    let engine = bundled();
    let now = at("2026-10-08T10:00:00+08:00");
    let cases = [
        (
            "发票抬头开错了",
            "抬头：某某科技有限公司 税号：91330100XXXX",
            "抬头和税号",
        ),
        ("发票抬头开错了", "好的我等一下发给你", "人工客服接入后"),
        ("我要改个颜色", "白色 M", "尺码、颜色修改"),
        ("我要改个颜色", "要白色的", "尺码、颜色修改"),
    ];
    for (asked, details, fragment) in cases {
        let mut s = Session::new("t");
        let first = engine.reply_at(&mut s, asked, now);
        assert!(first.handoff(), "{asked}: {}", first.text());
        let r = engine.reply_at(&mut s, details, now);
        assert!(
            r.text().contains(fragment),
            "{asked} → {details}: {}",
            r.text()
        );
        assert!(!r.text().contains("换个说法"), "{}", r.text());
    }
}
