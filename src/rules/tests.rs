use super::*;
use crate::basics::clock::DayRange;

pub(super) fn limits() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        max_keywords: 1000,
        max_keyword_chars: 16,
        max_patterns: 10,
        max_template_chars: 200,
        regex_size_limit: 1 << 20,
        max_message_bytes: 4096,
    }
}

const HEAD: &str = "shop: {name: 衣见, agent: 小衣, vars: {ship_days: 48小时}}
first_reply:
  greeting: ['亲,欢迎光临{shop}']
fallback: {reply: ['亲,稍等'], handoff_after: 0}
";

fn load_str(body: &str) -> Result<RuleSet, Error> {
    load(&format!("{HEAD}{body}"), Some("t.yaml"), &limits())
}

/// (name, body after HEAD, kind, line, column, rule path, message start)
type Case = (
    &'static str,
    &'static str,
    ErrorKind,
    u32,
    u32,
    &'static str,
    &'static str,
);

const BROKEN: &[Case] = &[
    (
        "unknown key typo",
        "presale:\n  - topic: a\n    keyword: [x]\n    reply: [r]\n",
        ErrorKind::UnknownKey, 7, 5, "presale[0]", "unknown key 'keyword'; known keys: topic, name, keywords",
    ),
    (
        "unknown top-level key",
        "presal:\n  - topic: a\n",
        ErrorKind::UnknownKey, 5, 1, "", "unknown key 'presal'",
    ),
    (
        "duplicate topic",
        "presale:\n  - {topic: a, keywords: [x], reply: [r]}\n  - {topic: a, keywords: [y], reply: [r]}\n",
        ErrorKind::DuplicateTopic, 7, 5, "presale[1]", "duplicate topic id 'a', first used by presale[0] at line 6",
    ),
    (
        "empty keyword",
        "presale:\n  - {topic: a, keywords: [x, '!!!'], reply: [r]}\n",
        ErrorKind::EmptyKeyword, 6, 30, "presale[0].keywords[1]", "keyword '!!!' is empty after normalization",
    ),
    (
        "empty reply list",
        "presale:\n  - {topic: a, keywords: [x], reply: []}\n",
        ErrorKind::EmptyReply, 6, 5, "presale[0]", "node 'a' has no reply",
    ),
    (
        "unknown template variable",
        "presale:\n  - topic: a\n    keywords: [x]\n    reply: [ok, '订单{ordr_id}']\n",
        ErrorKind::InvalidTemplate, 8, 17, "presale[0].reply[1]", "unknown variable {ordr_id}; known: agent, ship_days, shop",
    ),
    (
        "invalid regex",
        "presale:\n  - topic: a\n    patterns: ['(\\d+']\n    reply: [r]\n",
        ErrorKind::InvalidPattern, 7, 16, "presale[0].patterns[0]", "invalid regex",
    ),
    (
        "test names unknown topic",
        "presale:\n  - {topic: a, keywords: [x], reply: [r]}\ntests:\n  - {says: x, expect: b}\n",
        ErrorKind::UnknownTestTopic, 8, 23, "tests[0].expect", "test expects unknown topic 'b'",
    ),
    (
        "bad topic id",
        "presale:\n  - {topic: Size, keywords: [x], reply: [r]}\n",
        ErrorKind::InvalidTopicId, 6, 13, "presale[0].topic", "invalid topic id 'Size'",
    ),
    (
        "topic id over 32 chars (sessions keep ids inline)",
        "presale:\n  - {topic: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, keywords: [x], reply: [r]}\n",
        ErrorKind::InvalidTopicId, 6, 13, "presale[0].topic", "invalid topic id 'aaaa",
    ),
    (
        "missing topic",
        "presale:\n  - {keywords: [x], reply: [r]}\n",
        ErrorKind::MissingKey, 6, 5, "presale[0]", "missing key 'topic'",
    ),
    (
        "wrong type",
        "presale:\n  - {topic: a, keywords: [x], reply: [r], priority: high}\n",
        ErrorKind::Syntax, 6, 53, "presale[0].priority", "",
    ),
    (
        "node with nothing to match",
        "presale:\n  - {topic: a, reply: [r]}\n",
        ErrorKind::EmptyKeyword, 6, 5, "presale[0]", "node 'a' has no keywords",
    ),
    (
        "child error has nested path",
        "presale:\n  - topic: a\n    keywords: [x]\n    reply: [r]\n    children:\n      - {topic: b, keywords: ['  '], reply: [r]}\n",
        ErrorKind::EmptyKeyword, 10, 31, "presale[0].children[0].keywords[0]", "keyword '  ' is empty",
    ),
    (
        "keyword too long",
        "presale:\n  - {topic: a, keywords: [一二三四五六七八九十一二三四五六七], reply: [r]}\n",
        ErrorKind::LimitExceeded, 6, 27, "presale[0].keywords[0]", "keyword longer than 16 characters",
    ),
    (
        "payment reminders: unknown key",
        "payment_reminders:\n  im: {after_order: 15m, text: [x]}\n",
        ErrorKind::UnknownKey, 6, 26, "payment_reminders.im", "unknown key 'text'; known keys: after_order, before_close, min_amount, texts",
    ),
    (
        "payment reminders: bad duration",
        "payment_reminders:\n  im: {after_order: soon, texts: [x]}\n",
        ErrorKind::InvalidTime, 6, 21, "payment_reminders.im.after_order", "invalid duration 'soon'; write e.g. 90s, 30m, 2h, 1d",
    ),
    (
        "payment reminders: bad quiet hours",
        "payment_reminders:\n  quiet_hours: '22-8'\n  im: {after_order: 15m, texts: [x]}\n",
        ErrorKind::InvalidTime, 6, 16, "payment_reminders.quiet_hours", "invalid quiet hours '22-8'; write HH:MM-HH:MM",
    ),
    (
        "payment reminders: unknown template variable",
        "payment_reminders:\n  sms:\n    before_close: 6h\n    texts: [ok, '订单{order}']\n",
        ErrorKind::InvalidTemplate, 8, 17, "payment_reminders.sms.texts[1]", "unknown variable {order}; known: agent, ship_days, shop, buyer, order_id, amount, deadline",
    ),
    (
        "payment reminders: empty variant list",
        "payment_reminders:\n  im: {after_order: 15m, texts: []}\n",
        ErrorKind::EmptyReply, 6, 33, "payment_reminders.im", "channel 'im' needs at least one text under texts:",
    ),
    (
        "payment reminders: channel without a time",
        "payment_reminders:\n  phone: {min_amount: 500, texts: [x]}\n",
        ErrorKind::MissingKey, 6, 10, "payment_reminders.phone", "channel 'phone' needs after_order (e.g. 15m) or before_close (e.g. 6h)",
    ),
    (
        "payment reminders: two times",
        "payment_reminders:\n  sms:\n    after_order: 1h\n    before_close: 6h\n    texts: [x]\n",
        ErrorKind::InvalidTime, 8, 19, "payment_reminders.sms.before_close", "give after_order or before_close, not both",
    ),
    (
        "payment reminders: bad amount",
        "payment_reminders:\n  phone: {after_order: 2h, min_amount: 5o0, texts: [x]}\n",
        ErrorKind::Syntax, 6, 40, "payment_reminders.phone.min_amount", "invalid amount '5o0'; write yuan",
    ),
    (
        "payment reminders: empty pay_by",
        "payment_reminders:\n  pay_by: []\n",
        ErrorKind::EmptyReply, 6, 11, "payment_reminders.pay_by", "pay_by needs at least one text",
    ),
    (
        "payment reminders: nothing in the section",
        "payment_reminders:\n  quiet_hours: '22:00-08:00'\n",
        ErrorKind::MissingKey, 6, 3, "payment_reminders", "payment_reminders has no channel",
    ),
];

#[test]
fn broken_files_report_kind_location_path_and_message() {
    for (name, body, kind, line, col, path, msg) in BROKEN {
        let err = match load_str(body) {
            Ok(_) => panic!("case {name}: loaded"),
            Err(e) => e,
        };
        let p = &err.problems()[0];
        assert_eq!(p.kind(), *kind, "case {name}: {err}");
        assert_eq!(
            p.location(),
            Some(Location {
                line: *line,
                column: *col
            }),
            "case {name}: {err}"
        );
        assert_eq!(p.rule_path().unwrap_or(""), *path, "case {name}: {err}");
        assert!(p.message().starts_with(msg), "case {name}: {err}");
        assert_eq!(p.file(), Some("t.yaml"), "case {name}");
    }
}

#[test]
fn window_that_ends_before_it_starts() {
    let text = "shop: {name: s}
first_reply:
  greeting: [hi]
  promotions:
    - {id: p, from: '2026-11-11 00:00', until: '2026-11-01 00:00', text: x}
fallback: {reply: [r], handoff_after: 0}
";
    let err = load(text, None, &limits()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidTime);
    assert_eq!(err.rule_path(), Some("first_reply.promotions[0].until"));
    assert_eq!(
        err.location(),
        Some(Location {
            line: 5,
            column: 48
        })
    );
}

#[test]
fn bad_time_zone_and_time_and_duration() {
    let text = "shop: {name: s, timezone: Mars/Base}
first_reply:
  greeting: [hi]
  after_silence: soon
  reminders:
    - {id: r, from: 'tomorrow', until: '2026-11-01 00:00', text: x}
fallback: {reply: [r], handoff_after: 0}
";
    let err = load(text, None, &limits()).unwrap_err();
    let kinds: Vec<ErrorKind> = err.problems().iter().map(Problem::kind).collect();
    assert_eq!(
        kinds,
        vec![
            ErrorKind::InvalidTimeZone,
            ErrorKind::InvalidTime,
            ErrorKind::InvalidTime
        ]
    );
}

#[test]
fn several_problems_are_reported_in_one_pass_in_file_order() {
    let err = load_str(
        "presale:
  - {topic: a, keywords: ['!'], reply: []}
  - {topic: a, keywords: [x], reply: ['{nope}']}
tests:
  - {says: x, expect: zzz}
",
    )
    .unwrap_err();
    let kinds: Vec<ErrorKind> = err.problems().iter().map(Problem::kind).collect();
    assert_eq!(
        kinds,
        vec![
            ErrorKind::EmptyReply,
            ErrorKind::EmptyKeyword,
            ErrorKind::DuplicateTopic,
            ErrorKind::InvalidTemplate,
            ErrorKind::UnknownTestTopic,
        ],
        "{err}"
    );
    assert_eq!(err.to_string().lines().count(), 5);
}

#[test]
fn syntax_error_is_located() {
    let err = load("shop: {name: s\nfirst_reply: [", Some("x.yaml"), &limits()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert!(err.location().is_some(), "{err}");
    assert!(err.to_string().starts_with("x.yaml:"), "{err}");
}

#[test]
fn missing_sections_are_reported() {
    let err = load("shop: {agent: x}\n", None, &limits()).unwrap_err();
    let kinds: Vec<ErrorKind> = err.problems().iter().map(Problem::kind).collect();
    assert_eq!(kinds.len(), 3, "{err}");
    assert!(kinds.iter().all(|k| *k == ErrorKind::MissingKey));
}

#[test]
fn capture_names_are_known_to_templates() {
    let set = load_str(
        "insale:
  - topic: order
    patterns: ['(?P<order_id>\\d{6,})']
    reply: ['订单{order_id}收到']
",
    )
    .unwrap();
    assert_eq!(set.nodes.len(), 1);
    assert_eq!(set.nodes[0].section, Section::Insale);
}

#[test]
fn keywords_are_normalized_at_load() {
    let set = load_str("presale:\n  - {topic: a, keywords: ['退 貨！', 'ＸＬ'], whole: [在吗], exclude: [不退], reply: [r]}\n").unwrap();
    let t: Vec<(&str, TermKind)> = set.nodes[0]
        .terms
        .iter()
        .map(|t| (t.text.as_str(), t.kind))
        .collect();
    assert_eq!(
        t,
        vec![
            ("退货", TermKind::Contains),
            ("xl", TermKind::Contains),
            ("在吗", TermKind::Whole),
            ("不退", TermKind::Exclude)
        ]
    );
}

#[test]
fn limits_are_enforced() {
    let big = format!("{HEAD}# {}\n", "x".repeat(2 << 20));
    let err = load(&big, None, &limits()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let many: String = (0..11).map(|i| format!("'a{i}', ")).collect();
    let err = load_str(&format!(
        "presale:\n  - {{topic: a, patterns: [{many}], reply: [r]}}\n"
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn durations_and_offsets() {
    assert_eq!(parse_duration("30m"), Some(1800));
    assert_eq!(parse_duration("2h"), Some(7200));
    assert_eq!(parse_duration("1d"), Some(86400));
    assert_eq!(parse_duration("x"), None);
    assert_eq!(parse_duration("-1m"), None);
    assert!(parse_offset("+08:00").is_some());
    assert!(parse_offset("+8").is_some());
    assert!(parse_offset("+25:00").is_none());
    assert!(parse_offset("Asia/Shanghai").is_none());
}

#[test]
fn payment_reminders_are_kept_with_the_time_zone() {
    let set = load(
        "shop: {name: s, timezone: Asia/Shanghai}
first_reply: {greeting: [hi]}
fallback: {reply: [r], handoff_after: 0}
payment_reminders:
  quiet_hours: '22:30-07:00'
  phone: {after_order: 2h, min_amount: '499.9', texts: ['{buyer|您好}']}
  im: {after_order: 15m, texts: [a, b]}
",
        None,
        &limits(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.timezone.iana_name(), Some("Asia/Shanghai"));
    let p = set.payment.unwrap();
    assert_eq!(
        p.quiet,
        Some(DayRange {
            from: 1350,
            len: 510
        })
    );
    assert_eq!(p.min_gap_secs, 3600);
    assert!(p.pay_by.is_empty());
    let channels: Vec<_> = p
        .channels
        .iter()
        .map(|c| {
            (
                c.channel,
                c.due,
                c.min_amount.map(|a| a.cents()),
                c.texts.len(),
            )
        })
        .collect();
    use crate::shop::payment::{Channel, Due};
    assert_eq!(
        channels,
        [
            (Channel::Im, Due::AfterOrder(900), None, 2),
            (Channel::Phone, Due::AfterOrder(7200), Some(49_990), 1)
        ]
    );
}

#[test]
fn shop_variables_may_not_take_an_order_variable_name() {
    let text = "shop: {name: s, vars: {amount: x, deadline: y}}
first_reply: {greeting: [hi]}
fallback: {reply: [r], handoff_after: 0}
payment_reminders: {im: {after_order: 15m, texts: ['{amount}']}}
";
    let err = load(text, None, &limits()).unwrap_err();
    let paths: Vec<&str> = err
        .problems()
        .iter()
        .filter_map(Problem::rule_path)
        .collect();
    assert_eq!(paths, ["shop.vars.amount", "shop.vars.deadline"], "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidTemplate);
    assert_eq!(
        err.location().map(|l| (l.line, l.column)),
        Some((1, 24)),
        "at the name"
    );
    // Without the section the names are free.
    let free = text.replace(
        "payment_reminders: {im: {after_order: 15m, texts: ['{amount}']}}\n",
        "",
    );
    assert!(load(&free, None, &limits()).is_ok());
}

#[test]
fn group_names_of_a_broken_pattern_are_read_leniently() {
    assert_eq!(
        group_names(r"(?P<height>1[4-8]\d(?<weight>\d+)(?<=x)\(?P<lit>)(?P<1no>)(?P<open"),
        vec!["height", "weight"]
    );
    // A pattern that does not compile still defines its names for templates: only the
    // pattern itself is reported, and a name no pattern has.
    let err = load_str(
        "insale:
  - topic: order
    patterns: ['(?P<order_id>\\d{6,}']
    reply: ['订单{order_id}收到', '{nope}']
",
    )
    .unwrap_err();
    let messages: Vec<&str> = err.problems().iter().map(|p| p.message()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("invalid regex"), "{messages:?}");
    assert!(
        messages[1].starts_with("unknown variable {nope}"),
        "{messages:?}"
    );
}
