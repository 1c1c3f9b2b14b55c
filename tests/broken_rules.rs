//! Broken rule files, one per case in `tests/rules/broken/`: each fails to load with a
//! typed, located problem. The table pins kind, line, column, rule path and a message
//! fragment of the first problem; the snapshots in `tests/snapshots/` pin the full
//! text a rule author reads (`FILE:LINE:COL: message (rule path)`), each naming its
//! input file.
//!
//! Adding a case is adding a file and a row; a file without a row fails
//! `every_file_has_a_row`.

use kefu::{Engine, Error, ErrorKind};
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/broken");

/// The first problem of a broken file, as the author should see it.
struct Case {
    file: &'static str,
    kind: ErrorKind,
    /// Line and column of the first problem; `None` when the file has no single place.
    at: Option<(u32, u32)>,
    path: Option<&'static str>,
    /// A fragment of the first problem's message.
    says: &'static str,
    /// How many problems the file has in all.
    problems: usize,
}

const fn case(
    file: &'static str,
    kind: ErrorKind,
    at: Option<(u32, u32)>,
    path: Option<&'static str>,
    says: &'static str,
    problems: usize,
) -> Case {
    Case {
        file,
        kind,
        at,
        path,
        says,
        problems,
    }
}

use ErrorKind::*;

#[rustfmt::skip]
const CASES: &[Case] = &[
    // YAML that does not parse: located where the parser notices.
    case("syntax_unclosed_list.yaml", Syntax, Some((7, 10)), None, "a ':' where none can be; is a ']' or '}' missing before it", 1),
    case("syntax_unclosed_quote.yaml", Syntax, Some((8, 22)), None, "more text after a closing '\"'; check that every \"quoted text\" up to here is closed", 1),
    case("not_a_map.yaml", Syntax, Some((2, 1)), None, "expected a map (key: value), found a list", 1),
    case("empty_file.yaml", MissingKey, None, None, "missing key 'shop'", 3),
    case("missing_shop.yaml", MissingKey, None, None, "missing key 'shop'", 1),
    // Values of the wrong type: located at the value, with the key's path.
    case("wrong_type_priority.yaml", Syntax, Some((7, 15)), Some("presale[0].priority"), "expected a whole number from -2147483648 to 2147483647, found text 'high'", 1),
    case("wrong_type_keywords_map.yaml", Syntax, Some((6, 15)), Some("presale[0].keywords"), "expected a list (lines starting with '- ', or [a, b]), found a map", 1),
    case("wrong_type_handoff_after.yaml", Syntax, Some((8, 18)), Some("fallback.handoff_after"), "expected a whole number from 0 to 4294967295, found the number -1", 1),
    case("wrong_type_handoff.yaml", Syntax, Some((7, 14)), Some("aftersale[0].handoff"), "expected true or false, found text '是'", 1),
    case("wrong_type_section_map.yaml", Syntax, Some((5, 3)), Some("presale"), "expected a list (lines starting with '- ', or [a, b]), found a map", 1),
    case("test_after_not_list.yaml", Syntax, Some((9, 12)), Some("tests[0].after"), "expected a list (lines starting with '- ', or [a, b]), found a map", 1),
    // Serde's words ("invalid u32", "expected sequence start") made plain: what was
    // expected, what the file has.
    case("wrong_type_list_for_map.yaml", Syntax, Some((9, 3)), Some("fallback"), "expected a map (key: value), found a list", 1),
    case("wrong_type_map_for_text.yaml", Syntax, Some((10, 11)), Some("tests[0].says"), "expected text, found a map", 1),
    case("wrong_type_list_for_text.yaml", Syntax, Some((6, 7)), Some("presale[0].topic"), "expected text, found a list", 1),
    case("wrong_type_text_for_list.yaml", Syntax, Some((4, 10)), Some("presale"), "expected a list (lines starting with '- ', or [a, b]), found text '尺码'", 1),
    case("wrong_type_number_too_big.yaml", Syntax, Some((10, 18)), Some("fallback.handoff_after"), "expected a whole number from 0 to 4294967295, found the number 99999999999", 1),
    case("wrong_type_half_life.yaml", Syntax, Some((5, 14)), Some("buyers.half_life"), "expected a whole number from 0 to 4294967295, found text '3d'", 1),
    case("wrong_type_empty_keyword_value.yaml", Syntax, Some((6, 20)), Some("presale[0].keywords[1]"), "expected text, found nothing (an empty value)", 1),
    // YAML syntax in plain words too.
    case("syntax_second_document.yaml", Syntax, Some((8, 1)), None, "a second document ('---') in the file", 1),
    case("syntax_unknown_alias.yaml", Syntax, Some((3, 26)), None, "'*greeting' refers to no '&greeting' above it", 1),
    case("syntax_bad_indentation.yaml", Syntax, Some((7, 6)), None, "expected a key (name: value) here; check this line's indentation", 1),
    // Unknown keys at every depth: at the key, naming the keys that exist.
    case("unknown_key_top.yaml", UnknownKey, Some((6, 1)), None, "unknown key 'fallbak'; known keys: shop, first_reply", 1),
    case("unknown_key_shop.yaml", UnknownKey, Some((4, 3)), Some("shop"), "unknown key 'adress'; known keys: name, agent", 1),
    case("unknown_key_node.yaml", UnknownKey, Some((7, 5)), Some("presale[1]"), "unknown key 'keyword'; known keys: topic, name, keywords", 1),
    case("unknown_key_child.yaml", UnknownKey, Some((11, 9)), Some("presale[0].children[0]"), "unknown key 'replies'", 1),
    case("unknown_key_promotion.yaml", UnknownKey, Some((7, 7)), Some("first_reply.promotions[0]"), "unknown key 'start'; known keys: id, from, until, text", 1),
    case("unknown_key_test.yaml", UnknownKey, Some((8, 20)), Some("tests[0]"), "unknown key 'expected'; known keys: after, says, expect", 1),
    // Missing keys: at the map that lacks them, or nowhere when the whole file does.
    case("missing_shop_name.yaml", MissingKey, Some((3, 3)), Some("shop"), "missing key 'name'", 1),
    case("missing_topic.yaml", MissingKey, Some((6, 5)), Some("presale[1]"), "missing key 'topic'", 1),
    case("missing_fallback.yaml", MissingKey, None, None, "missing key 'fallback'", 1),
    case("test_missing_says.yaml", MissingKey, Some((8, 5)), Some("tests[0]"), "missing key 'says'", 1),
    // Topics.
    case("duplicate_topic.yaml", DuplicateTopic, Some((8, 5)), Some("aftersale[1]"), "duplicate topic id 'size', first used by presale[0] at line 5", 1),
    case("bad_topic_id.yaml", InvalidTopicId, Some((5, 12)), Some("presale[0].topic"), "invalid topic id 'Size-Fit'", 1),
    case("topic_named_fallback.yaml", InvalidTopicId, Some((5, 14)), Some("presale[0].topic"), "invalid topic id 'fallback'", 1),
    // Keywords.
    case("empty_keyword.yaml", EmptyKeyword, Some((6, 20)), Some("presale[0].keywords[1]"), "keyword '' is empty after normalization", 1),
    case("noise_only_keyword.yaml", EmptyKeyword, Some((7, 15)), Some("presale[0].exclude[0]"), "keyword '！？😭' is empty after normalization", 1),
    case("node_without_keywords.yaml", EmptyKeyword, Some((6, 5)), Some("presale[1]"), "node 'stock' has no keywords", 1),
    // Patterns. A broken pattern still names its groups for templates: one problem, no follow-on.
    case("bad_regex.yaml", InvalidPattern, Some((7, 16)), Some("presale[0].patterns[0]"), "invalid regex: regex parse error: (?P<height>1[4-8]\\d ^ error: unclosed group", 1),
    case("regex_too_big.yaml", InvalidPattern, Some((7, 16)), Some("presale[0].patterns[0]"), "exceeds size limit of 1048576 bytes", 1),
    case("capture_name_too_long.yaml", InvalidPattern, Some((7, 16)), Some("insale[0].patterns[0]"), "capture group name 'the_order_number_the_buyer_typed_in' is longer than 32 bytes", 1),
    // Replies and templates.
    case("empty_reply_list.yaml", EmptyReply, Some((5, 5)), Some("presale[0]"), "node 'size' has no reply", 1),
    case("blank_reply_text.yaml", EmptyReply, Some((7, 20)), Some("presale[0].reply[1]"), "reply text is empty", 1),
    case("empty_greeting.yaml", EmptyReply, Some((4, 3)), Some("first_reply"), "first_reply needs at least one greeting", 1),
    case("missing_handoff_reply.yaml", EmptyReply, Some((7, 3)), Some("fallback"), "needs a handoff_reply when handoff_after is above 0", 1),
    case("unknown_template_var.yaml", InvalidTemplate, Some((7, 20)), Some("presale[0].reply[1]"), "unknown variable {agnet}; known: agent, shop", 1),
    case("unclosed_template_brace.yaml", InvalidTemplate, Some((4, 14)), Some("first_reply.greeting[0]"), "unclosed '{'; write '{{'", 1),
    case("unmatched_template_brace.yaml", InvalidTemplate, Some((7, 11)), Some("fallback.reply[0]"), "unmatched '}'; write '}}'", 1),
    // Times.
    case("bad_time.yaml", InvalidTime, Some((6, 25)), Some("first_reply.promotions[0].from"), "invalid time '2026-13-01 00:00'; write YYYY-MM-DD HH:MM", 1),
    case("window_ends_before_start.yaml", InvalidTime, Some((8, 14)), Some("first_reply.reminders[0].until"), "ends before it starts", 1),
    // Recurring windows (issue 15.4): every year, weekly, monthly.
    case("window_mixed_forms.yaml", InvalidTime, Some((6, 45)), Some("first_reply.promotions[0].until"), "from is a day of every year (MM-DD) but until is a date (YYYY-MM-DD: once)", 1),
    case("window_month_day_out_of_range.yaml", InvalidTime, Some((6, 30)), Some("first_reply.promotions[0].monthly"), "'32' is not a day of the month", 1),
    case("window_weekly_and_monthly.yaml", InvalidTime, Some((6, 43)), Some("first_reply.promotions[0].monthly"), "a window repeats weekly or monthly, not both", 1),
    case("window_time_without_days.yaml", InvalidTime, Some((6, 26)), Some("first_reply.promotions[0].from"), "'20:00' is a time of day, but the window names no days", 2),
    case("bad_duration.yaml", InvalidTime, Some((5, 18)), Some("first_reply.after_silence"), "invalid duration '30min'; write e.g. 90s, 30m", 1),
    case("bad_timezone.yaml", InvalidTimeZone, Some((4, 13)), Some("shop.timezone"), "unknown time zone 'Asia/Beijing'", 1),
    // Tests of the file.
    case("unknown_test_topic.yaml", UnknownTestTopic, Some((9, 26)), Some("tests[1].expect"), "test expects unknown topic 'size_fit'", 1),
    // Buyers, marked variants and agent hours.
    case("unknown_segment_for.yaml", UnknownSegment, Some((12, 31)), Some("presale[0].reply[1].for"), "unknown segment 'econmic'; known: economic", 1),
    case("unknown_key_variant.yaml", UnknownKey, Some((10, 26)), Some("presale[0].reply[0]"), "unknown key 'segment'; known keys: text, for, mood, after", 1),
    case("unknown_after_topic.yaml", UnknownTopic, Some((9, 44)), Some("insale[0].reply[1].after"), "after: names unknown topic 'retrun'; it takes the topic id of a node, or any", 1),
    case("only_after_variants.yaml", EmptyReply, Some((9, 9)), Some("insale[0].reply"), "every variant is for a conversation on a topic (after:); add one without after: for the others", 1),
    case("empty_segment_signals.yaml", EmptyKeyword, Some((7, 7)), Some("buyers.segments[1]"), "segment 'individual' has no signals", 1),
    case("bad_agent_days.yaml", InvalidTime, Some((6, 15)), Some("shop.agent_hours[1].days"), "unknown day 'sunday'; write mon, tue", 1),
    case("missing_off_hours_reply.yaml", EmptyReply, Some((9, 3)), Some("fallback"), "fallback needs an off_hours_reply when shop.agent_hours is set", 1),
    // All problems of a file at once, in file order.
    case("several_problems.yaml", InvalidTemplate, Some((3, 27)), Some("first_reply.greeting[0]"), "unknown variable {shpo}", 3),
    // Fixed after this table found them: the duplicate key had no rule path and a
    // hint about a library option; the bad variable name pointed at its value; the
    // capture clash had no place at all; the tab was reported one column late.
    case("duplicate_yaml_key.yaml", Syntax, Some((8, 5)), Some("presale[0]"), "duplicate key 'keywords'", 1),
    case("bad_var_name.yaml", InvalidTemplate, Some((5, 5)), Some("shop.vars.Ship-Days"), "variable name 'Ship-Days'", 1),
    case("capture_named_like_var.yaml", InvalidPattern, Some((9, 16)), Some("insale[0].patterns[0]"), "capture group 'ship_days'", 1),
    case("tab_indentation.yaml", Syntax, Some((3, 1)), None, "a tab in the indentation; indent with spaces only", 1),
    // Limits of the YAML itself (issue 16.1): nesting deeper than a node tree of 15
    // levels stopped with a stack overflow in a debug build before it was capped.
    case("nested_too_deep.yaml", LimitExceeded, Some((66, 65)), Some("presale[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0]"), "lists and maps nest deeper than 32 levels", 1),
];

fn load(file: &str) -> Error {
    let text = std::fs::read_to_string(Path::new(DIR).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let name = format!("tests/rules/broken/{file}");
    match Engine::builder().build_named(&text, Some(&name)) {
        Ok(_) => panic!("{file} loaded; it should fail"),
        Err(e) => e,
    }
}

/// Every mismatch of one case, so a failing run shows all of them at once.
fn mismatches(c: &Case) -> Vec<String> {
    let err = load(c.file);
    let mut out = Vec::new();
    let Some(first) = err.problems().first() else {
        return vec![format!("{}: no problems listed: {err}", c.file)];
    };
    let got_at = first.location().map(|l| (l.line, l.column));
    let checks = [
        (err.kind() == c.kind, format!("kind {:?}", err.kind())),
        (got_at == c.at, format!("at {got_at:?}")),
        (
            first.rule_path() == c.path,
            format!("path {:?}", first.rule_path()),
        ),
        (
            first.message().contains(c.says),
            format!("message {:?}", first.message()),
        ),
        (
            err.problems().len() == c.problems,
            format!("{} problems", err.problems().len()),
        ),
        (
            err.file() == Some(&format!("tests/rules/broken/{}", c.file)[..]),
            format!("file {:?}", err.file()),
        ),
    ];
    for (ok, got) in checks {
        if !ok {
            out.push(format!("{}: got {got}\n  full error: {err}", c.file));
        }
    }
    out
}

#[test]
fn each_broken_file_fails_with_its_kind_place_path_and_message() {
    let failures: Vec<String> = CASES.iter().flat_map(mismatches).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn display_is_file_line_col_message_path() {
    for c in CASES {
        let err = load(c.file);
        let first = err.to_string();
        let first = first.lines().next().unwrap_or_default();
        let mut want = format!("tests/rules/broken/{}", c.file);
        if let Some((line, col)) = c.at {
            want.push_str(&format!(":{line}:{col}"));
        }
        assert!(first.starts_with(&format!("{want}: ")), "{first}");
        if let Some(path) = c.path {
            assert!(first.ends_with(&format!(" ({path})")), "{first}");
        }
        assert_eq!(err.to_string().lines().count(), c.problems, "{err}");
    }
}

#[test]
fn errors_match_their_snapshots() {
    for c in CASES {
        let name = c.file.trim_end_matches(".yaml");
        let input = Path::new(DIR).join(c.file);
        insta::with_settings!({ input_file => input, omit_expression => true }, {
            insta::assert_snapshot!(name, load(c.file).to_string());
        });
    }
}

#[test]
fn every_file_has_a_row() {
    let mut files: Vec<String> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("{DIR}: {e}"))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".yaml"))
        .collect();
    files.sort();
    let mut rows: Vec<String> = CASES.iter().map(|c| c.file.to_owned()).collect();
    rows.sort();
    assert_eq!(
        files, rows,
        "files in tests/rules/broken/ and table rows differ"
    );
    assert!(CASES.len() >= 25);
}

#[test]
fn duplicate_key_message_speaks_to_the_rule_author() {
    let err = load("duplicate_yaml_key.yaml");
    assert!(!err.to_string().contains("Options"), "{err}");
}

/// What serde and the YAML parser call things ("u32", "sequence", "scalar") is not
/// what a shop's staff calls them: no message of a broken file uses those words.
#[test]
fn no_message_speaks_serde() {
    const JARGON: &[&str] = &[
        "u32",
        "i32",
        "u64",
        "i64",
        "sequence",
        "mapping",
        "scalar",
        "boolean",
        "invalid type",
        "invalid value",
        "indicator",
        "struct",
        "Options",
    ];
    for c in CASES {
        let err = load(c.file);
        for p in err.problems() {
            let m = p.message();
            let found: Vec<&&str> = JARGON.iter().filter(|j| m.contains(**j)).collect();
            assert!(found.is_empty(), "{}: {found:?} in {m:?}", c.file);
        }
    }
}
