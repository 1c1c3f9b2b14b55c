//! Limits: long messages are cut at a char boundary and still answered; rule files
//! over a limit fail with a typed, located error; hostile messages cost time linear
//! in their length.

use kefu::{Engine, EngineBuilder, ErrorKind, Session};
use std::time::{Duration, Instant, SystemTime};

const APPAREL: &str = include_str!("../rules/apparel.yaml");

/// A rule file around the given `presale:` nodes (indented two spaces, `- ` first).
fn rules_with(presale: &str) -> String {
    format!(
        "shop: {{ name: 测试小店 }}\n\
         first_reply: {{ greeting: [\"亲,欢迎光临~\"] }}\n\
         presale:\n{presale}\
         fallback: {{ reply: [\"没听懂\"], handoff_after: 0 }}\n"
    )
}

const SIZE_NODES: &str = "  - topic: size\n    keywords: [尺码]\n    reply: [\"标准码\"]\n    children:\n      - { topic: size_fit, keywords: [偏大], reply: [\"不偏大\"] }\n";

fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

/// The first problem of rules that must fail to load: kind, line and message.
fn first_problem(builder: &EngineBuilder, yaml: &str) -> (ErrorKind, Option<u32>, String) {
    match builder.build_yaml_str(yaml) {
        Ok(_) => panic!("loaded; expected a limit error:\n{yaml}"),
        Err(e) => {
            let p = &e.problems()[0];
            (e.kind(), p.location().map(|l| l.line), e.to_string())
        }
    }
}

#[test]
fn a_long_message_is_cut_on_a_char_boundary_and_still_answered() {
    // 尺码偏大 is 12 bytes; at 10 the cut falls inside 大 (bytes 9..12), so only 尺码偏
    // is matched: the parent answers, not the child whose keyword was cut.
    let engine = Engine::builder()
        .max_message_bytes(10)
        .build_yaml_str(&rules_with(SIZE_NODES))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut s = Session::new("b");
    let r = engine.reply_at(&mut s, "尺码偏大", noon());
    assert!(r.truncated());
    assert_eq!(r.topic(), Some("size"));
    assert!(r.hits().iter().all(|h| h.span.end <= 9), "{:?}", r.hits());
    assert!(r.text().ends_with("标准码"), "{}", r.text());

    let r = engine.reply_at(&mut s, "尺码偏大吗", noon());
    assert!(r.truncated());
    let r = engine.reply_at(&mut s, "偏大", noon());
    assert!(!r.truncated());
    assert_eq!(r.topic(), Some("size_fit"));
}

#[test]
fn the_default_limit_is_4096_bytes() {
    let engine = Engine::from_yaml_str(APPAREL).unwrap_or_else(|e| panic!("{e}"));
    let pad = "a".repeat(4095);
    // 退 straddles byte 4096: cut, so 退货 is not seen.
    let straddling = format!("{pad}退货");
    let r = engine.reply_at(&mut Session::new("b"), &straddling, noon());
    assert!(r.truncated());
    assert!(
        r.hits().iter().all(|h| h.topic != "return"),
        "{:?}",
        r.hits()
    );
    assert!(!r.text().is_empty());
    // Before the limit: seen, and the message is not cut when it fits exactly.
    let fits = format!("退货{}", "a".repeat(4090));
    assert_eq!(fits.len(), 4096);
    let r = engine.reply_at(&mut Session::new("b"), &fits, noon());
    assert!(!r.truncated());
    assert_eq!(r.topic(), Some("return"));
    let over = format!("{fits}a");
    let r = engine.reply_at(&mut Session::new("b"), &over, noon());
    assert!(r.truncated());
    assert_eq!(r.topic(), Some("return"));
}

#[test]
fn a_rule_file_over_max_file_bytes_is_refused() {
    let yaml = rules_with(SIZE_NODES);
    let tight = Engine::builder().max_file_bytes(yaml.len() - 1);
    let (kind, line, text) = first_problem(&tight, &yaml);
    assert_eq!((kind, line), (ErrorKind::LimitExceeded, None));
    assert!(
        text.contains(&format!("rule file is {} bytes", yaml.len())),
        "{text}"
    );
    assert!(Engine::builder()
        .max_file_bytes(yaml.len())
        .build_yaml_str(&yaml)
        .is_ok());
}

#[test]
fn too_many_keywords_is_a_limit_error_at_the_first_one_over() {
    // Keywords, whole and exclude words count together: 尺码, 偏大 and 不要 are three.
    let yaml = rules_with(
        "  - topic: size\n    keywords: [尺码]\n    exclude: [不要]\n    reply: [\"标准码\"]\n  - topic: fit\n    keywords: [偏大, 偏小]\n    reply: [\"不偏大\"]\n",
    );
    let (kind, line, text) = first_problem(&Engine::builder().max_keywords(3), &yaml);
    assert_eq!((kind, line), (ErrorKind::LimitExceeded, Some(9)), "{text}");
    assert!(text.contains("more than 3 keywords"), "{text}");
    assert!(text.ends_with("(presale[1].keywords[1])"), "{text}");
    assert_eq!(text.lines().count(), 1, "reported once: {text}");
    assert!(Engine::builder()
        .max_keywords(4)
        .build_yaml_str(&yaml)
        .is_ok());
}

#[test]
fn too_many_patterns_is_a_limit_error() {
    let yaml = rules_with(
        "  - topic: size\n    keywords: [尺码]\n    patterns: ['(?P<h>1\\d\\d)cm', '(?P<w>\\d+)斤']\n    reply: [\"标准码\"]\n",
    );
    let (kind, line, text) = first_problem(&Engine::builder().max_patterns(1), &yaml);
    assert_eq!((kind, line), (ErrorKind::LimitExceeded, Some(6)), "{text}");
    assert!(text.contains("more than 1 patterns"), "{text}");
    assert!(text.ends_with("(presale[0].patterns[1])"), "{text}");
    assert!(Engine::builder()
        .max_patterns(2)
        .build_yaml_str(&yaml)
        .is_ok());
}

#[test]
fn a_regex_over_its_size_limit_is_an_invalid_pattern() {
    let yaml = rules_with(
        "  - topic: size\n    keywords: [尺码]\n    patterns: ['\\w{2}']\n    reply: [\"标准码\"]\n",
    );
    let (kind, line, text) = first_problem(&Engine::builder().regex_size_limit(10_000), &yaml);
    assert_eq!((kind, line), (ErrorKind::InvalidPattern, Some(6)), "{text}");
    assert!(text.contains("size limit"), "{text}");
    assert!(
        Engine::from_yaml_str(&yaml).is_ok(),
        "fits the default 1 MiB"
    );
}

#[test]
fn templates_are_limited_in_chars_not_bytes() {
    // Ten CJK chars are 30 bytes: within a limit of 10 chars.
    let at_limit =
        rules_with("  - { topic: size, keywords: [尺码], reply: [\"一二三四五六七八九十\"] }\n");
    assert!(Engine::builder()
        .max_template_chars(10)
        .build_yaml_str(&at_limit)
        .is_ok());
    let over = at_limit.replace("九十", "九十亿");
    let (kind, line, text) = first_problem(&Engine::builder().max_template_chars(10), &over);
    assert_eq!((kind, line), (ErrorKind::LimitExceeded, Some(4)), "{text}");
    assert!(
        text.contains("template longer than 10 characters"),
        "{text}"
    );
    assert!(text.ends_with("(presale[0].reply[0])"), "{text}");
    // The default is 2,000.
    let long = |n: usize| {
        rules_with(&format!(
            "  - {{ topic: size, keywords: [尺码], reply: [\"{}\"] }}\n",
            "码".repeat(n)
        ))
    };
    assert!(Engine::from_yaml_str(&long(2000)).is_ok());
    assert_eq!(
        Engine::from_yaml_str(&long(2001))
            .map(|_| ())
            .unwrap_err()
            .kind(),
        ErrorKind::LimitExceeded
    );
}

#[test]
fn keywords_are_limited_in_normalized_chars() {
    let with_keyword = |k: &str| {
        rules_with(&format!(
            "  - {{ topic: size, keywords: [\"{k}\"], reply: [\"标准码\"] }}\n"
        ))
    };
    let b = Engine::builder().max_keyword_chars(4);
    // Spaces and punctuation are not matched on, so they do not count.
    assert!(b.build_yaml_str(&with_keyword("尺 码，偏 大！")).is_ok());
    let (kind, line, text) = first_problem(&b, &with_keyword("尺码偏大吗"));
    assert_eq!((kind, line), (ErrorKind::LimitExceeded, Some(4)), "{text}");
    assert!(text.contains("keyword longer than 4 characters"), "{text}");
    assert!(text.ends_with("(presale[0].keywords[0])"), "{text}");
    // The default is 64.
    assert!(Engine::from_yaml_str(&with_keyword(&"码".repeat(64))).is_ok());
    let err = Engine::from_yaml_str(&with_keyword(&"码".repeat(65)))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
}

/// One reply to `message` in a fresh session, timed.
fn time_reply(engine: &Engine, message: &str) -> Duration {
    let mut s = Session::new("b");
    let t = Instant::now();
    let r = engine.reply_at(&mut s, message, noon());
    let took = t.elapsed();
    assert!(!r.text().is_empty());
    took
}

/// The fastest of a few interleaved replies to `a` and to `b` (the least disturbed by
/// other work on the machine).
fn fastest_pair(engine: &Engine, a: &str, b: &str) -> (Duration, Duration) {
    (0..5).fold((Duration::MAX, Duration::MAX), |(ta, tb), _| {
        (ta.min(time_reply(engine, a)), tb.min(time_reply(engine, b)))
    })
}

/// Hostile messages of `n` and `16n` bytes: linear work takes about 16 times as long
/// (a little more, as the larger one falls out of caches), quadratic work 256 times.
/// The bound sits between, loose enough for a busy machine.
#[test]
fn hostile_messages_cost_linear_time() {
    let engine = Engine::builder()
        .max_message_bytes(usize::MAX)
        .build_yaml_str(APPAREL)
        .unwrap_or_else(|e| panic!("{e}"));
    let baits: [(&str, &str); 6] = [
        // One keyword over and over: a hit at every position.
        ("repeated keyword", "退货"),
        // Keywords that overlap each other (偏大, 大小, 尺码 …) at every char.
        ("overlapping keywords", "尺码偏大小码数"),
        // Near-misses of the height and weight patterns.
        ("pattern bait", "1 6 0 cm 1"),
        ("digits", "160斤160kg1"),
        // Noise between every char of a keyword.
        ("noise", "退\u{200B}😭 ！货"),
        ("exclude and keyword", "不想退退货"),
    ];
    for (name, unit) in baits {
        let make = |bytes: usize| unit.repeat(bytes / unit.len() + 1);
        let (small, large) = (make(16 * 1024), make(256 * 1024));
        let (t1, t16) = fastest_pair(&engine, &small, &large);
        let ratio = t16.as_secs_f64() / t1.as_secs_f64().max(1e-6);
        assert!(
            ratio < 64.0,
            "{name}: 16 KiB took {t1:?}, 256 KiB took {t16:?} (×{ratio:.1})"
        );
        assert!(t16 < Duration::from_secs(2), "{name}: 256 KiB took {t16:?}");
    }
}

#[test]
fn a_huge_message_costs_no_more_than_its_first_4096_bytes() {
    let engine = Engine::from_yaml_str(APPAREL).unwrap_or_else(|e| panic!("{e}"));
    let small = "退货偏大".repeat(1_000);
    let huge = "退货偏大".repeat(1_000_000); // 12 MB
    let (t_small, t_huge) = fastest_pair(&engine, &small, &huge);
    assert!(
        t_huge < t_small * 10 + Duration::from_millis(5),
        "12 kB: {t_small:?}, 12 MB: {t_huge:?}"
    );
}

/// A rule file of about 1 KB whose aliases expand to 10^8 nodes ("billion laughs",
/// through `children:`).
fn alias_bomb() -> String {
    let mut nodes = String::from("  - &n0 { topic: a, keywords: [哈], reply: [\"嗯\"] }\n");
    for level in 1..=8 {
        let kids = vec![format!("*n{}", level - 1); 10].join(", ");
        nodes.push_str(&format!(
            "  - &n{level} {{ topic: a, keywords: [哈], reply: [\"嗯\"], children: [{kids}] }}\n"
        ));
    }
    rules_with(&nodes)
}

#[test]

fn an_alias_bomb_is_refused_quickly_as_a_limit() {
    let yaml = alias_bomb();
    assert!(yaml.len() < 1200, "{}", yaml.len());
    let t = Instant::now();
    let err = Engine::from_yaml_str(&yaml).map(|_| ()).unwrap_err();
    let took = t.elapsed();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
    assert!(!err.to_string().contains("Nodes {"), "a debug dump: {err}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}
