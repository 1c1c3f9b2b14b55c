//! Reading a message (issue 14), pinned as tables through the public API: negation,
//! word sense, small talk, follow-ups, confidence and assist mode, openings. Each row
//! says why it holds; the README's "Matching semantics" is the prose of these tables.
//!
//! The rules are `tests/fixtures/reading.yaml`, not the bundled file, so tuning
//! `rules/apparel.yaml` never moves them. Every reply is made at a fixed time.

use kefu::{Confidence, Engine, Evidence, Reply, ReplyKind, Session, UnpaidOrder};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

const RULES: &str = include_str!("fixtures/reading.yaml");

fn engine_of(yaml: &str) -> Engine {
    Engine::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn engine() -> Engine {
    engine_of(RULES)
}

/// The fixture with `from` replaced by `to` (which must be there).
fn edited(from: &str, to: &str) -> String {
    assert!(RULES.contains(from), "the fixture has no {from:?}");
    RULES.replacen(from, to, 1)
}

fn at(s: &str) -> SystemTime {
    s.parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Outside every promotion and reminder of the fixture.
const QUIET: &str = "2026-10-01T10:00:00+08:00";
/// During the promotion d11 (11-01 to 11-11).
const PROMOTION: &str = "2026-11-05T10:00:00+08:00";
/// During the reminder delay (11-12 to 11-20).
const REMINDER: &str = "2026-11-15T10:00:00+08:00";

/// A table of single messages, each in a fresh session: (message, the topic answered
/// or `None` for the fallback, why).
type Rows = [(&'static str, Option<&'static str>, &'static str)];

/// The reply to `says` in a fresh session, outside every window.
fn once<'e>(engine: &'e Engine, says: &str) -> Reply<'e> {
    engine.reply_at(&mut Session::new("t"), says, at(QUIET))
}

/// Runs `rows` on `engine`, naming the failing row with its explanation.
fn run_table(table: &str, engine: &Engine, rows: &Rows) {
    let mut seen = HashSet::new();
    for &(says, want, why) in rows {
        assert!(seen.insert(says), "{table}: {says:?} is listed twice");
        let r = once(engine, says);
        assert_eq!(
            r.topic(),
            want,
            "{table}: {says:?} ({why})\n{}",
            r.explain()
        );
    }
}

// ───────────────────────────── negation ─────────────────────────────

const NEGATION: &Rows = &[
    (
        "不要给我换货",
        None,
        "不要 two chars before 换货 cancels it: the buyer does not want an exchange",
    ),
    (
        "这不是配送的问题",
        None,
        "不是 right before 配送: it says what the message is not about",
    ),
    ("不是质量问题", None, "不是 cancels 质量问题"),
    (
        "不要给我换货 我要退款",
        Some("return"),
        "the cancelled 换货 leaves 退款 to answer",
    ),
    (
        "怎么还不发货",
        Some("urge_ship"),
        "还不发货 holds its 不: the negator is part of the keyword, and 发货 inside it is not negated either",
    ),
    (
        "没收到货",
        Some("logistics"),
        "没收到 holds its 没",
    ),
    (
        "不想退了",
        Some("return_cancel"),
        "不想退了 holds its 不想",
    ),
    (
        "不喜欢",
        Some("return"),
        "不喜欢 is a return reason, written as a keyword: it holds its 不",
    ),
    (
        "不包邮吗",
        Some("free_shipping"),
        "a clause ending in 吗 asks about 包邮: not a negation",
    ),
    (
        "不包邮",
        None,
        "the same words as a statement: 不 cancels 包邮",
    ),
    (
        "会不会掉色",
        Some("care"),
        "会不会 is an A不A question, not a negator before 掉色",
    ),
    (
        "有没有现货",
        Some("stock"),
        "有没有 is an A没A question; 没有 inside it is no negator either",
    ),
    (
        "要不就换货吧",
        Some("exchange"),
        "要不 (how about) is a set phrase, not a negator: the buyer proposes the exchange",
    ),
    (
        "不，换货怎么换",
        Some("exchange"),
        "a comma ends the negator's clause: 不 answers something else",
    ),
    (
        "不 换货怎么换",
        Some("exchange"),
        "a space ends a clause too",
    ),
    (
        "不要帮我们换货",
        None,
        "three chars between 不要 and 换货: the edge of the default window (3), still cancelled",
    ),
    (
        "不要帮我们去换货",
        Some("exchange"),
        "four chars between: past the window, the negator is not read",
    ),
    (
        "穿着不合身",
        Some("size_fit"),
        "size_fit has negation: false (不合身 is still a question about fit)",
    ),
];

#[test]
fn negation() {
    run_table("NEGATION", &engine(), NEGATION);
}

#[test]
fn negation_explain_names_the_cancelled_keyword() {
    let e = engine();
    let r = once(&e, "不要给我换货 我要退款");
    assert_eq!(r.confidence(), Confidence::Medium);
    assert_eq!(r.explain().evidence, Some(Evidence::Negation));
    let text = r.explain().to_string();
    assert!(
        text.contains("not counted: 换货 (exchange) — a negator before it cancels it"),
        "{text}"
    );
}

#[test]
fn negation_opt_out_and_window_are_the_file_s() {
    // Without `negation: false`, 不 cancels 合身 like any keyword.
    let e = engine_of(&edited("negation: false, ", ""));
    run_table(
        "NEGATION (size_fit reads negation)",
        &e,
        &[("穿着不合身", None, "不 right before 合身 cancels it")],
    );
    // A wider window reaches further; 0 reaches only a negator right before.
    let e = engine_of(&edited(
        "answer_at: medium",
        "answer_at: medium\n  negation_window: 4",
    ));
    run_table(
        "NEGATION (window 4)",
        &e,
        &[(
            "不要帮我们去换货",
            None,
            "four chars between: within a window of 4",
        )],
    );
    let e = engine_of(&edited(
        "answer_at: medium",
        "answer_at: medium\n  negation_window: 0",
    ));
    run_table(
        "NEGATION (window 0)",
        &e,
        &[
            (
                "不要给我换货",
                Some("exchange"),
                "two chars between: past a window of 0",
            ),
            ("不是质量问题", None, "right before: within any window"),
        ],
    );
    // The file's own negators replace the defaults.
    let e = engine_of(&edited(
        "answer_at: medium",
        "answer_at: medium\n  negators: [不要]",
    ));
    run_table(
        "NEGATION (negators: [不要])",
        &e,
        &[
            ("不要给我换货", None, "不要 is still a negator"),
            (
                "不是质量问题",
                Some("quality"),
                "不是 and 不 are not any more",
            ),
        ],
    );
}

// ───────────────────────────── word sense ─────────────────────────────

const WORD_SENSE: &Rows = &[
    (
        "我想知道这个怎么配送的",
        Some("express"),
        "怎么配 (matching) ends inside 配送, a 2-char keyword of express: it cuts a word in two and does not count",
    ),
    (
        "返还到礼品卡",
        None,
        "礼品 (gift) lies inside 礼品卡, a protected word (reading.words): a card, not a gift",
    ),
    (
        "退款的钱什么时候能到账",
        Some("refund_time"),
        "什么时候能到 (delivery_time) ends inside 到账, a 2-char keyword of refund_time: money, not a parcel",
    ),
    (
        "怎么配送",
        Some("express"),
        "the same cut in a short message",
    ),
    (
        "怎么配裤子",
        Some("matching"),
        "配裤 is no known word: 怎么配 counts",
    ),
    ("有礼品吗", Some("gift"), "礼品 alone is a gift"),
    (
        "什么时候能到",
        Some("delivery_time"),
        "nothing follows 能到: no word is cut",
    ),
    ("礼品卡能用吗", None, "礼品卡 names no topic of this shop"),
];

#[test]
fn word_sense() {
    run_table("WORD_SENSE", &engine(), WORD_SENSE);
}

#[test]
fn word_sense_explain_names_the_cut_keyword() {
    let e = engine();
    let r = once(&e, "返还到礼品卡");
    let text = r.explain().to_string();
    assert!(
        text.contains("not counted: 礼品 (gift) — it cuts a known word in two"),
        "{text}"
    );
    // Without the protected word, 礼品 is a gift again.
    let e = engine_of(&edited("words: [礼品卡]", "words: []"));
    run_table(
        "WORD_SENSE (no protected words)",
        &e,
        &[(
            "返还到礼品卡",
            Some("gift"),
            "礼品卡 is not known: 礼品 counts",
        )],
    );
}

// ───────────────────────────── small talk ─────────────────────────────

const SMALL_TALK: &Rows = &[
    (
        "好的#E-s05",
        Some("ack"),
        "a chat emoticon code (#E-s05) is a picture, skipped like an emoji",
    ),
    (
        "您好 您好",
        Some("hello"),
        "您好 twice: whole-message words tiling the message",
    ),
    (
        "哦哦，好的",
        Some("ack"),
        "哦哦 + 好的, both ack's whole: words",
    ),
    (
        "好的，没有了",
        Some("bye"),
        "好的 (ack) + 没有了 (bye): the last word answers",
    ),
    ("嗯嗯对的", Some("ack"), "嗯嗯 + 对的, no space between"),
    (
        "没事了谢谢",
        Some("thanks"),
        "没事了 (bye) + 谢谢 (thanks): the last word answers",
    ),
    (
        "您好 有货吗",
        Some("stock"),
        "a real question is not small talk: 您好 inside a sentence is noise",
    ),
    (
        "好的 天气不错",
        None,
        "天气不错 is no whole: word, so the message is not small talk (and nothing else hits)",
    ),
    (
        "好的好的好的好的好的好的好的好的好的好的好的好的",
        Some("ack"),
        "24 chars: the longest message read as small talk",
    ),
    (
        "好的好的好的好的好的好的好的好的好的好的好的好的好的",
        None,
        "26 chars: too long to be small talk",
    ),
];

#[test]
fn small_talk() {
    run_table("SMALL_TALK", &engine(), SMALL_TALK);
}

#[test]
fn small_talk_is_high_confidence_and_explained() {
    let e = engine();
    let r = once(&e, "好的，没有了");
    assert_eq!(r.confidence(), Confidence::High);
    let x = r.explain();
    assert!(x.small_talk);
    assert_eq!(x.evidence, Some(Evidence::WholeMessage));
    assert!(x
        .to_string()
        .contains("small talk: the message is whole-message words only"));
}

// ───────────────────────────── follow-ups ─────────────────────────────

/// (earlier messages, minutes of silence before `says`, message, topic, continues the
/// last topic, why)
type Turns = [(
    &'static [&'static str],
    u64,
    &'static str,
    Option<&'static str>,
    bool,
    &'static str,
)];

const FOLLOW_UPS: &Turns = &[
    (
        &["我要换货"],
        1,
        "换的话怎么操作",
        Some("exchange"),
        true,
        "no keyword, and 怎么操作 (a follow-up phrase) is at least half of a short message",
    ),
    (
        &["有货吗"],
        1,
        "那白色呢",
        Some("stock"),
        true,
        "那…呢 whose only hit (白色 of color) is a slot value: the last topic, with the new value",
    ),
    (
        &[],
        0,
        "那白色呢",
        Some("color"),
        false,
        "nothing to continue: 白色 is a colour question",
    ),
    (
        &["尺码偏大吗"],
        1,
        "那M呢",
        Some("size_fit"),
        true,
        "a short 那…呢 that hits nothing continues the last topic",
    ),
    (
        &["发错货了"],
        1,
        "怎么处理",
        Some("wrong_item"),
        true,
        "怎么处理, a default follow-up phrase",
    ),
    (
        &["我要退货"],
        1,
        "谁出",
        Some("return_fee"),
        true,
        "谁出 is return_fee's own followups: phrase, and the last topic is in its branch",
    ),
    (
        &["我要换货"],
        1,
        "谁出",
        Some("exchange"),
        true,
        "another branch's phrase is a follow-up phrase like any: it continues the last topic",
    ),
    (
        &[],
        0,
        "怎么处理",
        None,
        false,
        "no last topic: nothing to continue",
    ),
    (
        &["我要换货", "好的"],
        1,
        "怎么处理",
        Some("exchange"),
        true,
        "small talk (ack has opening: none) continues nothing: the thread is the exchange 好的 acknowledged",
    ),
    (
        &["好的"],
        1,
        "怎么处理",
        None,
        false,
        "small talk alone leaves nothing to continue",
    ),
    (
        &["有货吗"],
        1,
        "这个呢",
        Some("stock"),
        true,
        "a short …呢 (at most 5 chars) asks \"what about this one\"",
    ),
    (
        &["我要换货"],
        1,
        "太占地方了呢",
        None,
        false,
        "a longer …呢 that does not begin with 那 is a remark, not \"what about\"",
    ),
    (
        &["我要换货", "在吗"],
        1,
        "怎么处理",
        Some("exchange"),
        true,
        "a node of whole: words only (a greeting) is small talk too",
    ),
    (
        &["我要换货"],
        31,
        "怎么操作",
        None,
        false,
        "after 31 minutes of silence the conversation reopens (an opening is needed): a new question",
    ),
    (
        &["我要换货"],
        1,
        "我也不知道到底该怎么办呀",
        None,
        false,
        "longer than 8 chars: a new question with 怎么办 inside, not a follow-up",
    ),
    (
        &["我要换货"],
        1,
        "我的东西在哪",
        None,
        false,
        "在哪 is less than half of the message",
    ),
    (
        &["我要换货"],
        1,
        "有货吗",
        Some("stock"),
        false,
        "a message with a keyword is its own question",
    ),
];

#[test]
fn follow_ups() {
    let e = engine();
    let start = at(QUIET);
    for &(before, silence, says, want, followed, why) in FOLLOW_UPS {
        let mut s = Session::new("t");
        for m in before {
            e.reply_at(&mut s, m, start);
        }
        let now = start + Duration::from_secs(silence * 60);
        let r = e.reply_at(&mut s, says, now);
        let x = r.explain();
        let name = format!("FOLLOW_UPS: {before:?} then {says:?} ({why})\n{x}");
        assert_eq!(r.topic(), want, "{name}");
        assert_eq!(x.follow_up.is_some(), followed, "{name}");
        if followed {
            assert_eq!(r.confidence(), Confidence::Medium, "{name}");
            assert_eq!(x.evidence, Some(Evidence::FollowUp), "{name}");
        }
    }
}

#[test]
fn a_slot_value_fills_the_continued_answer() {
    let e = engine();
    let mut s = Session::new("t");
    e.reply_at(&mut s, "有货吗", at(QUIET));
    assert_eq!(
        e.reply_at(&mut s, "那白色呢", at(QUIET)).text(),
        "白色有货的亲"
    );
    assert_eq!(
        e.reply_at(&mut s, "那黑色呢", at(QUIET)).text(),
        "黑色有货的亲"
    );
}

// ─────────────────────────── confidence, assist ───────────────────────────

/// (message, topic answered, confidence, the evidence that decided it, held back, why)
type Sure = [(
    &'static str,
    Option<&'static str>,
    Confidence,
    Evidence,
    bool,
    &'static str,
)];

/// Fourteen chars; 改成 (address) is its only keyword.
const WEAK: &str = "改成周二送行吗我那天不在家里";

const CONFIDENCE: &Sure = &[
    (
        "请问这个有现货吗",
        Some("stock"),
        Confidence::High,
        Evidence::Covered,
        false,
        "fillers (请问, 这个, 吗) are left out: 有现货 is what the message says, and 现货 covers most of it",
    ),
    (
        "衣服颜色洗完变浅很多",
        None,
        Confidence::Low,
        Evidence::Sparse,
        true,
        "颜色 covers 2 of 10 chars that say something: less than a third, a word in a sentence about something else",
    ),
    (
        "在吗",
        Some("hello"),
        Confidence::High,
        Evidence::WholeMessage,
        false,
        "a whole: keyword is the whole message",
    ),
    (
        "有货吗",
        Some("stock"),
        Confidence::High,
        Evidence::Covered,
        false,
        "有货 covers 2 of 3 chars: at least half, with no competitor",
    ),
    (
        "这件衣服尺码怎么选呢",
        Some("size"),
        Confidence::Medium,
        Evidence::Partial,
        false,
        "尺码 covers 2 of 10 chars: a clear winner on a partial match",
    ),
    (
        WEAK,
        None,
        Confidence::Low,
        Evidence::WeakKeyword,
        true,
        "one 2-char keyword decides a message of 14 chars: held back for a human",
    ),
    (
        "颜色和尺码",
        None,
        Confidence::Low,
        Evidence::NearTie,
        true,
        "size and color (two branches) tie on every part but file order: a near tie",
    ),
    (
        "https://m.tb.cn/h.abc 有现货吗",
        Some("stock"),
        Confidence::High,
        Evidence::Covered,
        false,
        "a link's ASCII letters and digits do not count in the message's length: 现货 is no weak keyword, and covers 2 of the 4 other chars",
    ),
    (
        "不要给我换货 我要退款",
        Some("return"),
        Confidence::Medium,
        Evidence::Negation,
        false,
        "a negator cancelled a keyword: medium at most",
    ),
];

#[test]
fn confidence() {
    let e = engine();
    for &(says, want, confidence, evidence, held_back, why) in CONFIDENCE {
        let r = once(&e, says);
        let name = format!("CONFIDENCE: {says:?} ({why})\n{}", r.explain());
        assert_eq!(r.topic(), want, "{name}");
        assert_eq!(r.confidence(), confidence, "{name}");
        assert_eq!(r.explain().evidence, Some(evidence), "{name}");
        assert_eq!(r.held_back(), held_back, "{name}");
        assert_eq!(r.suggestions().is_empty(), !held_back, "{name}");
    }
}

#[test]
fn held_back_the_buyer_gets_the_fallback_and_the_agent_suggestions() {
    let e = engine();
    let r = once(&e, WEAK);
    assert!(r.held_back());
    assert_eq!(r.topic(), None);
    assert!(r.node().is_none());
    assert_eq!(r.body_kind(), ReplyKind::Fallback);
    assert_eq!(r.text(), "亲,欢迎光临小店~\n亲,没看懂");
    let suggested = r.suggestions();
    assert_eq!(suggested.len(), 1, "only address was hit");
    assert_eq!(suggested[0].topic(), "address");
    assert_eq!(suggested[0].node().topic(), "address");
    assert_eq!(suggested[0].confidence(), Confidence::Low);
    assert_eq!(suggested[0].text(), "发货前在订单里改地址就行");
    let x = r.explain();
    assert!(x.held_back);
    assert_eq!(x.evidence, Some(Evidence::WeakKeyword));
    let text = x.to_string();
    assert!(
        text.contains("confidence: low — one short keyword decides a long message"),
        "{text}"
    );
    assert!(
        text.contains("held back: below reading.answer_at"),
        "{text}"
    );
    // A near tie suggests both, the one file order put first first.
    let r = once(&e, "颜色和尺码");
    let topics: Vec<&str> = r.suggestions().iter().map(|s| s.topic()).collect();
    assert_eq!(topics, ["size", "color"]);
    assert_eq!(r.explain().evidence, Some(Evidence::NearTie));
}

#[test]
fn answer_at_low_answers_what_medium_holds_back() {
    let e = engine_of(&edited("answer_at: medium", "answer_at: low"));
    let r = once(&e, WEAK);
    assert_eq!(r.topic(), Some("address"));
    assert_eq!(r.confidence(), Confidence::Low, "answered, still low");
    assert!(!r.held_back() && r.suggestions().is_empty());
    assert_eq!(r.body_kind(), ReplyKind::Answer);
}

#[test]
fn answer_at_high_sends_only_high() {
    let e = engine_of(&edited("answer_at: medium", "answer_at: high"));
    let sure = once(&e, "有货吗");
    assert_eq!(sure.topic(), Some("stock"));
    let partial = once(&e, "这件衣服尺码怎么选呢");
    assert!(partial.held_back() && partial.topic().is_none());
    assert_eq!(partial.suggestions()[0].topic(), "size");
    assert_eq!(partial.suggestions()[0].confidence(), Confidence::Medium);
}

#[test]
fn a_held_back_reply_counts_as_a_fallback() {
    let e = engine_of(&edited(
        "handoff_after: 0 }",
        "handoff_after: 2, handoff_reply: [\"转人工\"] }",
    ));
    let mut s = Session::new("t");
    let first = e.reply_at(&mut s, WEAK, at(QUIET));
    assert!(first.held_back() && !first.handoff());
    let second = e.reply_at(&mut s, WEAK, at(QUIET));
    assert!(second.held_back());
    assert_eq!(second.kind(), ReplyKind::Handoff, "two fallbacks in a row");
    assert_eq!(second.text(), "转人工");
}

/// A handoff node is sent even below `answer_at`: handing over to a human is the safe
/// choice under doubt, and the buyer asked for one.
#[test]
fn a_handoff_node_is_never_held_back() {
    let e = engine_of(&edited(
        "fallback: {",
        "  - { topic: human, keywords: [人工], handoff: true, reply: [\"马上为您转人工\"] }\nfallback: {",
    ));
    // 14 chars decided by one 2-char keyword: low.
    let r = once(&e, "这个问题说不清楚我要人工来处理");
    assert_eq!(r.confidence(), Confidence::Low, "{}", r.explain());
    assert!(!r.held_back() && r.handoff());
    assert_eq!(r.topic(), Some("human"));
    assert!(r.text().ends_with("马上为您转人工"), "{}", r.text());
    // Sure of it, the node's words; unsure, the file's handoff reply when it has one:
    // kefu hands over without saying what it is not sure of.
    let e = engine_of(
        &edited(
            "fallback: {",
            "  - { topic: human, keywords: [人工], handoff: true, reply: [\"马上为您转人工\"] }\nfallback: {",
        )
        .replace(
            "handoff_after: 0 }",
            "handoff_after: 0, handoff_reply: [\"已为您转接人工客服\"] }",
        ),
    );
    let r = once(&e, "这个问题说不清楚我要人工来处理");
    assert_eq!(
        (r.confidence(), r.topic()),
        (Confidence::Low, Some("human"))
    );
    assert!(!r.held_back() && r.handoff());
    assert!(r.text().ends_with("已为您转接人工客服"), "{}", r.text());
    let r = once(&e, "人工");
    assert_eq!(r.confidence(), Confidence::High);
    assert!(r.text().ends_with("马上为您转人工"), "{}", r.text());
}

/// A follow-up is medium: `answer_at: high` holds it back too, suggesting the node it
/// would continue.
#[test]
fn a_follow_up_below_answer_at_is_held_back() {
    let e = engine_of(&edited("answer_at: medium", "answer_at: high"));
    let mut s = Session::new("t");
    let first = e.reply_at(&mut s, "我要换货", at(QUIET));
    assert_eq!(first.topic(), Some("exchange"));
    let r = e.reply_at(&mut s, "怎么处理", at(QUIET));
    assert_eq!(r.confidence(), Confidence::Medium);
    assert!(r.held_back() && r.topic().is_none(), "{}", r.explain());
    let suggested: Vec<&str> = r.suggestions().iter().map(|x| x.topic()).collect();
    assert_eq!(suggested, ["exchange"]);
    assert!(!r.explain().to_string().contains("→"), "no node answered");
}

/// `answers: questions` on return: a message that states what happened (…了, no
/// question or request word) is not answered with the how-to; questions and requests
/// are.
const STATEMENTS: &Sure = &[
    (
        "申请退款了",
        None,
        Confidence::Low,
        Evidence::Statement,
        true,
        "states it was done: the how-to does not fit, a human reads it",
    ),
    (
        "我已经退货了",
        None,
        Confidence::Low,
        Evidence::Statement,
        true,
        "已经…了: a statement",
    ),
    (
        "退货了吗",
        Some("return"),
        Confidence::High,
        Evidence::Covered,
        false,
        "吗 asks",
    ),
    (
        "我想退货了",
        Some("return"),
        Confidence::High,
        Evidence::Covered,
        false,
        "想 requests",
    ),
    (
        "直接退货了吧",
        Some("return"),
        Confidence::High,
        Evidence::Covered,
        false,
        "吧 asks for agreement",
    ),
    (
        "退货了多久能到",
        Some("return"),
        Confidence::Medium,
        Evidence::Partial,
        false,
        "多久 asks",
    ),
    (
        "退货了？",
        Some("return"),
        Confidence::High,
        Evidence::Covered,
        false,
        "a question mark asks",
    ),
    (
        "我退货",
        Some("return"),
        Confidence::High,
        Evidence::Covered,
        false,
        "nothing happened yet (no 了): an intent, answered",
    ),
];

#[test]
fn statements_to_a_node_that_answers_questions() {
    let e = engine_of(&edited(
        "  - topic: return\n",
        "  - topic: return\n    answers: questions\n",
    ));
    for &(says, want, confidence, evidence, held_back, why) in STATEMENTS {
        let r = once(&e, says);
        let name = format!("STATEMENTS: {says:?} ({why})\n{}", r.explain());
        assert_eq!(r.topic(), want, "{name}");
        assert_eq!(r.confidence(), confidence, "{name}");
        assert_eq!(r.explain().evidence, Some(evidence), "{name}");
        assert_eq!(r.held_back(), held_back, "{name}");
    }
    // Without `answers: questions`, a statement is answered like any message.
    let plain = engine();
    assert_eq!(once(&plain, "申请退款了").topic(), Some("return"));
}

/// A `promote: true` buyer hears the active promotion after a pre-sale answer kefu is
/// sure of (high), never after an order or after-sale one: no sales line to a return,
/// nor to a partial match that may be a problem report.
#[test]
fn the_promotion_follows_only_a_sure_presale_answer() {
    let e = engine_of(&edited(
        "  anger: { signals: [骗子, 垃圾] }\n",
        "  anger: { signals: [骗子, 垃圾] }\n  segments: [{ id: eco, name: 价格, signals: [便宜点], promote: true }]\n",
    )
    .replace(
        "presale:\n",
        "presale:\n  - { topic: coupon_problem, opening: calm, keywords: [券用不了], reply: [\"看看券的使用条件\"] }\n",
    ));
    // The buyer signals the segment first (nothing answers), then asks.
    let second = |says: &str| {
        let mut s = Session::new("t");
        e.reply_at(&mut s, "能便宜点吗", at(PROMOTION));
        let r = e.reply_at(&mut s, says, at(PROMOTION) + Duration::from_secs(60));
        (
            r.topic().map(str::to_owned),
            r.confidence(),
            r.promotion().map(str::to_owned),
            r.into_text(),
        )
    };
    let (topic, confidence, promotion, text) = second("有现货吗");
    assert_eq!(
        (topic.as_deref(), confidence),
        (Some("stock"), Confidence::High)
    );
    assert_eq!(promotion.as_deref(), Some("d11"), "{text}");
    assert!(text.ends_with("双11满300减40"), "{text}");
    let (topic, confidence, promotion, text) = second("这件衣服尺码怎么选呢");
    assert_eq!(
        (topic.as_deref(), confidence),
        (Some("size"), Confidence::Medium)
    );
    assert_eq!(promotion, None, "medium: {text}");
    let (topic, promotion) = (second("我要退货").0, second("我要退货").2);
    assert_eq!(topic.as_deref(), Some("return"));
    assert_eq!(promotion, None, "after-sale");
    let (topic, confidence, promotion, text) = second("好的");
    assert_eq!(
        (topic.as_deref(), confidence),
        (Some("ack"), Confidence::High)
    );
    assert_eq!(promotion, None, "small talk (opening: none): {text}");
    let (topic, _, promotion, text) = second("领的券用不了");
    assert_eq!(topic.as_deref(), Some("coupon_problem"));
    assert_eq!(promotion, None, "a pre-sale problem greeted calmly: {text}");
}

// ───────────────────────────── replies that follow the conversation ─────────────────────────────

/// A variant marked `after: return` answers only a conversation on return (or in its
/// branch), and first there: an order number sent after 我要退货 is about the return,
/// sent first it is a question still to be asked; `after: any` answers a conversation on
/// any other topic. Small talk between changes nothing.
#[test]
fn an_after_variant_follows_the_topic_the_conversation_is_on() {
    let e = engine_of(&edited(
        "fallback: {",
        "  - topic: order_number\n    patterns: ['(?P<order_id>\\d{15,20})']\n    reply:\n      - \"请问这个订单想咨询什么\"\n      - { text: \"收到订单{order_id},退货在订单页申请\", after: return }\n      - { text: \"收到,您的问题上面回复了\", after: any }\nfallback: {",
    ));
    let number = "123456789012345678";
    let reply_after = |before: &[&str]| {
        let mut s = Session::new("t");
        for m in before {
            e.reply_at(&mut s, m, at(QUIET));
        }
        let r = e.reply_at(&mut s, number, at(QUIET) + Duration::from_secs(60));
        assert_eq!(
            r.topic(),
            Some("order_number"),
            "{before:?}: {}",
            r.explain()
        );
        r.into_text()
    };
    let on_return = "收到订单123456789012345678,退货在订单页申请";
    assert_eq!(reply_after(&["我要退货"]), on_return, "on return");
    assert_eq!(
        reply_after(&["运费险"]),
        on_return,
        "return_fee is in return's branch"
    );
    assert_eq!(
        reply_after(&["我要退货", "好的"]),
        on_return,
        "small talk between"
    );
    assert_eq!(
        reply_after(&["有货吗"]),
        "收到,您的问题上面回复了",
        "another topic: after: any"
    );
    assert_eq!(
        reply_after(&["在吗"]),
        "请问这个订单想咨询什么",
        "a greeting is no topic"
    );
    assert!(
        reply_after(&[]).ends_with("请问这个订单想咨询什么"),
        "first message: no topic yet"
    );
}

// ───────────────────────────── openings ─────────────────────────────
//
// One test per row of the README's openings table ("Openings", in "Matching
// semantics"), named in its last column; `openings_table_has_a_test_per_row` checks
// that every row names a test of this file and every `opening_` test has a row.

/// What a first reply shows: its topic, kind, notice and text.
#[derive(Debug, PartialEq)]
struct Seen {
    topic: Option<String>,
    kind: ReplyKind,
    notice: Option<String>,
    text: String,
}

fn seen(topic: Option<&str>, kind: ReplyKind, notice: Option<&str>, text: &str) -> Seen {
    Seen {
        topic: topic.map(str::to_owned),
        kind,
        notice: notice.map(str::to_owned),
        text: text.to_owned(),
    }
}

/// The reply to `says` opening a fresh session at `now`.
fn first(e: &Engine, says: &str, now: &str) -> Seen {
    let r = e.reply_at(&mut Session::new("t"), says, at(now));
    seen(r.topic(), r.kind(), r.notice(), r.text())
}

use ReplyKind::{Answer, Greeting, GreetingPromotion};

#[test]
fn opening_presale_with_promotion() {
    assert_eq!(
        first(&engine(), "有货吗", PROMOTION),
        seen(
            Some("stock"),
            GreetingPromotion,
            Some("d11"),
            "亲,欢迎光临小店~ 双11满300减40\n这款有货的亲"
        )
    );
}

#[test]
fn opening_presale_plain() {
    assert_eq!(
        first(&engine(), "有货吗", QUIET),
        seen(
            Some("stock"),
            Greeting,
            None,
            "亲,欢迎光临小店~\n这款有货的亲"
        )
    );
}

#[test]
fn opening_bare_greeting_with_promotion() {
    assert_eq!(
        first(&engine(), "在吗", PROMOTION),
        seen(
            Some("hello"),
            GreetingPromotion,
            Some("d11"),
            "亲,欢迎光临小店~ 双11满300减40\n在的亲"
        )
    );
}

#[test]
fn opening_fallback_no_promotion() {
    let e = engine();
    let plain = seen(None, Greeting, None, "亲,欢迎光临小店~\n亲,没看懂");
    assert_eq!(first(&e, "今天天气不错", PROMOTION), plain);
    // Held back is nothing answered too.
    assert_eq!(first(&e, WEAK, PROMOTION), plain);
}

#[test]
fn opening_insale_calm() {
    assert_eq!(
        first(&engine(), "能改地址吗", PROMOTION),
        seen(
            Some("address"),
            Greeting,
            None,
            "亲,您好,小美在的~\n发货前在订单里改地址就行"
        )
    );
}

#[test]
fn opening_aftersale_calm() {
    assert_eq!(
        first(&engine(), "我要退货", PROMOTION),
        seen(
            Some("return"),
            Greeting,
            None,
            "亲,您好,小美在的~\n支持7天无理由"
        )
    );
}

#[test]
fn opening_angry_soothing() {
    let e = engine();
    for says in ["骗子 我要退货", "垃圾 有货吗"] {
        let r = e.reply_at(&mut Session::new("t"), says, at(PROMOTION));
        assert!(r.angry(), "{says}");
        assert_eq!(
            (r.kind(), r.notice()),
            (ReplyKind::Greeting, None),
            "{says}"
        );
        assert!(
            r.text().starts_with("亲,您别着急,小美帮您处理~\n"),
            "{says}: {}",
            r.text()
        );
    }
    // Not even the unpaid order's notice: the buyer is upset, not late.
    let mut s = Session::new("t");
    s.set_unpaid_order(Some(unpaid()));
    let r = e.reply_at(&mut s, "骗子 催发货", at(PROMOTION));
    assert_eq!((r.kind(), r.notice()), (ReplyKind::Greeting, None));
}

#[test]
fn opening_thanks_or_bye_none() {
    let e = engine();
    for (says, topic) in [
        ("谢谢", "thanks"),
        ("好的", "ack"),
        ("拜拜", "bye"),
        ("没事了谢谢", "thanks"),
    ] {
        let r = e.reply_at(&mut Session::new("t"), says, at(PROMOTION));
        assert_eq!(r.topic(), Some(topic), "{says}");
        assert!(!r.opens(), "{says}");
        assert_eq!((r.kind(), r.notice()), (ReplyKind::Answer, None), "{says}");
    }
    assert_eq!(
        first(&e, "谢谢", PROMOTION),
        seen(Some("thanks"), Answer, None, "不客气")
    );
}

/// An order of the fixture's shop, open at every time of these tests.
fn unpaid() -> UnpaidOrder {
    UnpaidOrder::new(
        "3021887766",
        "399.00".parse().unwrap(),
        at("2026-09-01T10:00:00+08:00"),
        at("2026-12-31T10:00:00+08:00"),
    )
}

#[test]
fn opening_unpaid_order_reminder() {
    let e = engine();
    // (message, kind, notice, the greeting line)
    let cases = [
        (
            "有货吗",
            ReplyKind::GreetingReminder,
            Some("pay_by"),
            "亲,欢迎光临小店~ 订单3021887766还没付款哦",
        ),
        (
            "今天天气不错",
            ReplyKind::GreetingReminder,
            Some("pay_by"),
            "亲,欢迎光临小店~ 订单3021887766还没付款哦",
        ),
        (
            "能改地址吗",
            ReplyKind::GreetingReminder,
            Some("pay_by"),
            "亲,您好,小美在的~ 订单3021887766还没付款哦",
        ),
        // After-sale is about an order already paid: the notice does not fit.
        ("我要退货", ReplyKind::Greeting, None, "亲,您好,小美在的~"),
    ];
    for (says, kind, notice, greeting) in cases {
        let mut s = Session::new("t");
        s.set_unpaid_order(Some(unpaid()));
        let r = e.reply_at(&mut s, says, at(PROMOTION));
        assert_eq!((r.kind(), r.notice()), (kind, notice), "{says}");
        assert_eq!(r.text().lines().next(), Some(greeting), "{says}");
    }
}

#[test]
fn opening_reminder_active() {
    let e = engine();
    // (message, the greeting line)
    let cases = [
        ("有货吗", "亲,欢迎光临小店~ 大促后72小时内发货"),
        ("今天天气不错", "亲,欢迎光临小店~ 大促后72小时内发货"),
        ("我要退货", "亲,您好,小美在的~ 大促后72小时内发货"),
    ];
    for (says, greeting) in cases {
        let r = e.reply_at(&mut Session::new("t"), says, at(REMINDER));
        assert_eq!(
            (r.kind(), r.notice()),
            (ReplyKind::GreetingReminder, Some("delay")),
            "{says}"
        );
        assert_eq!(r.text().lines().next(), Some(greeting), "{says}");
    }
}

#[test]
fn opening_node_none() {
    let e = engine_of(&edited(
        "{ topic: hello, whole",
        "{ topic: hello, opening: none, whole",
    ));
    assert_eq!(
        first(&e, "在吗", PROMOTION),
        seen(Some("hello"), Answer, None, "在的亲")
    );
    // opening: calm on a pre-sale node, greeting on an after-sale one.
    let e = engine_of(
        &edited("{ topic: stock,", "{ topic: stock, opening: calm,").replacen(
            "{ topic: exchange,",
            "{ topic: exchange, opening: greeting,",
            1,
        ),
    );
    assert_eq!(
        first(&e, "有货吗", PROMOTION),
        seen(
            Some("stock"),
            Greeting,
            None,
            "亲,您好,小美在的~\n这款有货的亲"
        )
    );
    assert_eq!(
        first(&e, "我要换货", PROMOTION),
        seen(
            Some("exchange"),
            GreetingPromotion,
            Some("d11"),
            "亲,欢迎光临小店~ 双11满300减40\n可以换"
        )
    );
}

#[test]
fn opening_one_line() {
    let e = engine_of(&edited(
        "after_silence: 30m",
        "after_silence: 30m\n  one_line: true",
    ));
    assert_eq!(
        first(&e, "我要退货", QUIET).text,
        "亲,您好,小美在的~ 支持7天无理由"
    );
    assert_eq!(
        first(&e, "有货吗", PROMOTION).text,
        "亲,欢迎光临小店~ 双11满300减40 这款有货的亲"
    );
}

#[test]
fn opening_without_calm_greeting() {
    let e = engine_of(&edited(
        "  calm_greeting:\n    - \"亲,您好,{agent}在的~\"\n    - { mood: soothing, text: \"亲,您别着急,{agent}帮您处理~\" }\n",
        "",
    ));
    assert_eq!(
        first(&e, "我要退货", PROMOTION),
        seen(
            Some("return"),
            Greeting,
            None,
            "亲,欢迎光临小店~\n支持7天无理由"
        ),
        "the greeting, still without the promotion"
    );
}

#[test]
fn opening_after_silence_follows_the_new_first_message() {
    let e = engine();
    let mut s = Session::new("t");
    let start = at(PROMOTION);
    e.reply_at(&mut s, "有货吗", start);
    let later = e.reply_at(&mut s, "我要退货", start + Duration::from_secs(31 * 60));
    assert!(later.opens());
    assert_eq!(later.text(), "亲,您好,小美在的~\n支持7天无理由");
    let soon = e.reply_at(&mut s, "有货吗", start + Duration::from_secs(32 * 60));
    assert!(!soon.opens());
}

/// The README's openings table: every row names an `opening_` test of this file in
/// its last column, and every such test has a row.
#[test]
fn openings_table_has_a_test_per_row() {
    let readme = include_str!("../README.md");
    let source = include_str!("reading.rs");
    let section = readme
        .split("**Openings.**")
        .nth(1)
        .expect("README has an **Openings.** paragraph");
    let rows: Vec<&str> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .collect();
    assert!(rows.len() >= 8, "the table has its rows: {rows:?}");
    let mut named = HashSet::new();
    for row in &rows {
        let test = row
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .map(|c| c.trim().trim_matches('`'))
            .unwrap_or("");
        assert!(test.starts_with("opening_"), "row without a test: {row}");
        assert!(
            source.contains(&format!("fn {test}()")),
            "README row names {test}, which tests/reading.rs lacks: {row}"
        );
        assert!(named.insert(test.to_owned()), "{test} named twice");
    }
    let marker = "fn opening_";
    for (i, _) in source.match_indices(marker) {
        let name: String = source[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.len() > "opening_".len() {
            assert!(
                named.contains(&name),
                "{name} has no row in the README's openings table"
            );
        }
    }
}
