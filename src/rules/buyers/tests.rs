//! Validation of `buyers:`, marked reply variants, `shop.agent_hours` and the replies
//! a handoff needs: every broken case is located (line, column, rule path).

use super::super::tests::limits;
use super::super::{load, RuleSet};
use crate::basics::error::{Error, ErrorKind, Location};

/// Two lines; a case's body starts on line 3.
const HEAD: &str = "shop: {name: 衣见, agent: 小衣}
first_reply: {greeting: ['亲']}
";

const SEGMENTS: &str = "buyers:
  segments:
    - {id: economic, signals: [便宜]}
";

/// `body` after [`HEAD`], or a whole file when it starts with `shop:`.
fn load_str(body: &str) -> Result<RuleSet, Error> {
    let text = if body.starts_with("shop:") {
        body.to_owned()
    } else {
        format!("{HEAD}{body}")
    };
    load(&text, Some("t.yaml"), &limits())
}

/// A shop with agent hours (lines 1–4) and `fallback` on line 6.
fn hours(range: &str, fallback: &str) -> String {
    format!(
        "shop:\n  name: 衣见\n  agent_hours:\n    - {range}\nfirst_reply: {{greeting: ['亲']}}\n{fallback}\n"
    )
}

/// (name, body after HEAD, kind, line, column, rule path, message start)
type Case = (
    &'static str,
    String,
    ErrorKind,
    u32,
    u32,
    &'static str,
    &'static str,
);

fn cases() -> Vec<Case> {
    let fb = "fallback: {reply: ['稍等'], handoff_after: 0}\n";
    let angry_fb = "buyers: {anger: {signals: [骗子]}}\nfallback: {reply: ['稍等'], handoff_after: 0, handoff_reply: ['转人工']}\n";
    let off_fb =
        "fallback: {reply: ['稍等'], handoff_after: 0, off_hours_reply: ['{next_open}回复']}";
    let node =
        |reply: &str| format!("presale:\n  - topic: a\n    keywords: [x]\n    reply:\n{reply}");
    vec![
        (
            "for: names an unknown segment",
            format!("{SEGMENTS}{fb}{}", node("      - 好的\n      - {text: 领券, for: econmic}\n")),
            ErrorKind::UnknownSegment, 12, 25, "presale[0].reply[1].for",
            "unknown segment 'econmic'; known: economic",
        ),
        (
            "for: without any segment",
            format!("{fb}{}", node("      - {text: 领券, for: economic}\n")),
            ErrorKind::UnknownSegment, 8, 25, "presale[0].reply[0].for",
            "unknown segment 'economic'; buyers.segments declares none",
        ),
        (
            "unknown key in a variant map",
            format!("{SEGMENTS}{fb}{}", node("      - {text: 领券, fro: economic}\n")),
            ErrorKind::UnknownKey, 11, 20, "presale[0].reply[0]",
            "unknown key 'fro'; known keys: text, for, mood",
        ),
        (
            "variant map without text",
            format!("{SEGMENTS}{fb}{}", node("      - 好的\n      - {for: economic}\n")),
            ErrorKind::MissingKey, 12, 9, "presale[0].reply[1]", "missing key 'text'",
        ),
        (
            "unknown mood",
            format!("{angry_fb}{}", node("      - 好的\n      - {text: 抱歉, mood: angry}\n")),
            ErrorKind::InvalidValue, 10, 26, "presale[0].reply[1].mood",
            "unknown mood 'angry'; the one mood is soothing",
        ),
        (
            "soothing variant without anger detection",
            format!("{fb}{}", node("      - 好的\n      - {text: 抱歉, mood: soothing}\n")),
            ErrorKind::InvalidValue, 9, 26, "presale[0].reply[1].mood",
            "a soothing variant is used only for angry buyers",
        ),
        (
            "only soothing variants",
            format!("{angry_fb}{}", node("      - {text: 抱歉, mood: soothing}\n")),
            ErrorKind::EmptyReply, 9, 9, "presale[0].reply",
            "every variant is mood: soothing",
        ),
        (
            "segment without signals",
            format!("buyers:\n  segments:\n    - {{id: economic, signals: []}}\n{fb}"),
            ErrorKind::EmptyKeyword, 5, 7, "buyers.segments[0]",
            "segment 'economic' has no signals",
        ),
        (
            "noise-only signal",
            format!("buyers:\n  segments:\n    - {{id: economic, signals: [便宜, '！！']}}\n{fb}"),
            ErrorKind::EmptyKeyword, 5, 36, "buyers.segments[0].signals[1]",
            "keyword '！！' is empty after normalization",
        ),
        (
            "segment without id",
            format!("buyers:\n  segments:\n    - {{signals: [便宜]}}\n{fb}"),
            ErrorKind::MissingKey, 5, 7, "buyers.segments[0]", "missing key 'id'",
        ),
        (
            "bad segment id",
            format!("buyers:\n  segments:\n    - {{id: Economic, signals: [便宜]}}\n{fb}"),
            ErrorKind::InvalidValue, 5, 12, "buyers.segments[0].id", "invalid segment id 'Economic'",
        ),
        (
            "duplicate segment id",
            format!("{SEGMENTS}    - {{id: economic, signals: [打折]}}\n{fb}"),
            ErrorKind::InvalidValue, 6, 12, "buyers.segments[1].id",
            "duplicate segment id 'economic', first used by buyers.segments[0]",
        ),
        (
            "too many segments",
            format!(
                "buyers:\n  segments:\n{}{fb}",
                (0..9).map(|i| format!("    - {{id: s{i}, signals: [词{i}]}}\n")).collect::<String>()
            ),
            ErrorKind::LimitExceeded, 13, 7, "buyers.segments[8]", "more than 8 segments",
        ),
        (
            "half_life out of range",
            format!("buyers:\n  half_life: 0\n  segments: [{{id: economic, signals: [便宜]}}]\n{fb}"),
            ErrorKind::InvalidValue, 4, 14, "buyers.half_life", "half_life 0 is out of range",
        ),
        (
            "anger that can never fire",
            format!("buyers:\n  anger: {{question_marks: 0}}\n{fb}"),
            ErrorKind::EmptyKeyword, 4, 10, "buyers.anger", "anger has no signals and question_marks is 0",
        ),
        (
            "anger hands over without a handoff reply",
            format!("buyers:\n  anger: {{signals: [骗子], handoff_after: 2}}\n{fb}"),
            ErrorKind::EmptyReply, 5, 11, "fallback", "fallback needs a handoff_reply when buyers.anger",
        ),
        (
            "test expects an unknown segment",
            format!("{SEGMENTS}{fb}{}tests:\n  - {{says: x, expect: a, segment: cheap}}\n", node("      - 好的\n")),
            ErrorKind::UnknownSegment, 13, 35, "tests[0].segment", "unknown segment 'cheap'",
        ),
        (
            "next_open outside off_hours_reply",
            format!("{fb}{}", node("      - '{next_open}见'\n")),
            ErrorKind::InvalidTemplate, 8, 9, "presale[0].reply[0]", "unknown variable {next_open}",
        ),
        (
            "bad day in agent hours",
            hours(r#"{days: mon-fir, from: "09:00", until: "18:00"}"#, off_fb),
            ErrorKind::InvalidTime, 4, 14, "shop.agent_hours[0].days", "unknown day 'fir'",
        ),
        (
            "bad clock in agent hours",
            hours(r#"{days: mon-fri, from: "9点", until: "18:00"}"#, off_fb),
            ErrorKind::InvalidTime, 4, 29, "shop.agent_hours[0].from", "invalid time '9点'; write HH:MM",
        ),
        (
            "agent hours of no length",
            hours(r#"{days: mon-fri, from: "09:00", until: "09:00"}"#, off_fb),
            ErrorKind::InvalidTime, 4, 45, "shop.agent_hours[0].until", "from and until are the same time",
        ),
        (
            "agent hours without until",
            hours(r#"{from: "09:00"}"#, off_fb),
            ErrorKind::MissingKey, 4, 7, "shop.agent_hours[0]", "missing key 'until'",
        ),
        (
            "agent hours without an off-hours reply",
            hours(r#"{from: "09:00", until: "18:00"}"#, "fallback: {reply: ['稍等'], handoff_after: 0}"),
            ErrorKind::EmptyReply, 6, 11, "fallback", "fallback needs an off_hours_reply when shop.agent_hours is set",
        ),
        (
            "empty agent hours",
            format!("shop:\n  name: 衣见\n  agent_hours: []\nfirst_reply: {{greeting: ['亲']}}\n{off_fb}\n"),
            ErrorKind::MissingKey, 3, 16, "shop.agent_hours", "agent_hours is empty",
        ),
    ]
}

#[test]
fn broken_buyer_rules_report_kind_location_path_and_message() {
    let mut failures = Vec::new();
    for (name, body, kind, line, col, path, msg) in cases() {
        let err = match load_str(&body) {
            Ok(_) => {
                failures.push(format!("{name}: loaded"));
                continue;
            }
            Err(e) => e,
        };
        let p = &err.problems()[0];
        let got = (
            p.kind(),
            p.location(),
            p.rule_path().unwrap_or(""),
            p.message().starts_with(msg),
        );
        let want = (kind, Some(Location { line, column: col }), path, true);
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}\n  {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn variants_mix_plain_texts_and_marked_maps() {
    let set = load_str(
        "buyers:
  half_life: 2
  segments:
    - {id: economic, name: 价格敏感型, signals: [便宜, 打折], promote: true}
    - {id: convenience, signals: [急]}
  anger: {signals: [骗子], question_marks: 4, handoff_after: 1}
fallback: {reply: ['稍等'], handoff_after: 0, handoff_reply: ['转人工']}
presale:
  - topic: a
    keywords: [x]
    reply:
      - 好的
      - {text: 领券更划算, for: economic}
      - {text: 马上发, for: convenience}
      - {text: 抱歉, mood: soothing}
      - {text: plain map}
      - yes
      - 1.50
      - 'null'
",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let marks: Vec<(Option<u8>, bool)> = set.nodes[0]
        .reply
        .iter()
        .map(|t| (t.mark.segment.map(|s| s.raw()), t.mark.soothing))
        .collect();
    assert_eq!(
        marks,
        vec![
            (None, false),
            (Some(0), false),
            (Some(1), false),
            (None, true),
            (None, false),
            (None, false),
            (None, false),
            (None, false),
        ]
    );
    // Scalars YAML could read as other types stay the text as written.
    let texts: Vec<String> = set.nodes[0].reply[5..]
        .iter()
        .map(|t| {
            let mut s = String::new();
            let none = Default::default();
            t.render_into(crate::template::Vars::captures(&none), &mut s);
            s
        })
        .collect();
    assert_eq!(texts, vec!["yes", "1.50", "null"]);
    let b = &set.buyers;
    assert_eq!(b.segments.len(), 2);
    assert_eq!(
        (b.segments[0].name.as_str(), b.segments[0].promote),
        ("价格敏感型", true)
    );
    assert_eq!(b.segments[1].name, "convenience");
    let anger = b.anger.unwrap();
    assert_eq!((anger.question_marks, anger.handoff_after), (4, 1));
    // Signals: two of economic, one of convenience, one anger word.
    let owners: Vec<(Option<u8>, crate::pipeline::tree::TermKind)> = set
        .signals
        .iter()
        .map(|s| (s.segment.map(|g| g.raw()), s.term.kind))
        .collect();
    use crate::pipeline::tree::TermKind::{Anger, Signal};
    assert_eq!(
        owners,
        vec![
            (Some(0), Signal),
            (Some(0), Signal),
            (Some(1), Signal),
            (None, Anger)
        ]
    );
}

#[test]
fn agent_hours_load_in_the_shop_zone() {
    let set = load_str(&hours(
        r#"{days: "mon-fri", from: "09:00", until: "18:00"}"#,
        "fallback: {reply: ['稍等'], handoff_after: 0, off_hours_reply: ['{next_open}回复']}",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let h = set.agent_hours.unwrap();
    // Saturday 2026-11-28 10:00 in +08:00 (the default zone).
    let sat: jiff::Timestamp = "2026-11-28T02:00:00Z".parse().unwrap();
    assert_eq!(
        h.off_duty_at(sat).map(|n| n.label()).as_deref(),
        Some("后天 09:00")
    );
    assert_eq!(set.fallback.off_hours_reply.len(), 1);
}
