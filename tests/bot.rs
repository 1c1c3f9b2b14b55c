//! End-to-end tests of the bot (`examples/bot/`): the binary is built once with cargo and
//! driven through pipes, as a shop engineer or a CI script would.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

mod common;
use common::{build_example, ROOT};

fn bot() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_example("bot"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(bot())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bot starts");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    // From a thread, so a large input cannot block on a full stdout pipe; the bot may
    // leave before reading everything (`/quit`, broken rules): a broken pipe is fine.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("bot finishes");
    writer.join().expect("stdin writer");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run(args: &[&str], stdin: &[u8]) -> Run {
    run_in(Path::new(ROOT), args, stdin)
}

const SHOP: &str = "tests/fixtures/shop.yaml";
const GREETING: &str = "亲,欢迎光临测试小店~";

// ───────────────────────────── chat ─────────────────────────────

#[test]
fn chat_piped_greets_once_answers_and_greets_again_after_reset() {
    let input = "在吗\n这件偏大吗\n\n/reset\n我要退貨！！😭\n/quit\n尺码\n";
    let r = run(&["chat", "--rules", SHOP], input.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{GREETING} V1 没听懂").as_str(),
            "V1 偏大偏小: 标准码",
            "",
            "",
            format!("{GREETING} V1 退货: 7天无理由").as_str(),
        ],
        "one output line per input line, nothing after /quit"
    );
    // No prompts or banner when piped.
    assert!(!r.stdout.contains("买家>"));
}

#[test]
fn chat_without_subcommand_is_chat_and_hands_off_after_two_fallbacks() {
    let r = run(&["--rules", SHOP], "天气\n真热\n".as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [format!("{GREETING} V1 没听懂").as_str(), "V1 为您转人工"]
    );
}

#[test]
fn chat_piped_explain_shows_topic_path_kind_and_hits() {
    let r = run(
        &["chat", "--rules", SHOP, "--explain"],
        "这件偏 大吗\n天气\n".as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], format!("{GREETING} V1 偏大偏小: 标准码"));
    assert_eq!(lines[1], "# → 售前 › 尺码 › 偏大偏小 (size_fit) · greeting");
    assert_eq!(
        lines[2],
        "# hit: 偏大 → size_fit at chars 2..5 as \"偏 大\""
    );
    assert!(
        lines[3].starts_with("# → size_fit [售前 › 尺码 › 偏大偏小] tests/fixtures/shop.yaml:11"),
        "{}",
        lines[3]
    );
    let fallback = lines
        .iter()
        .position(|l| *l == "V1 没听懂")
        .expect("second reply");
    assert_eq!(lines[fallback + 1], "# → fallback (no node) · fallback");
    assert_eq!(lines[fallback + 2], "# hits: none");
}

#[test]
fn chat_piped_explain_shows_confidence_and_what_a_held_back_reply_suggests() {
    let r = run(
        &[
            "chat",
            "--rules",
            "tests/fixtures/reading.yaml",
            "--explain",
        ],
        "改成周二送行吗我那天不在家里\n有货吗\n".as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0], "亲,欢迎光临小店~ 亲,没看懂",
        "the buyer gets the fallback"
    );
    assert!(
        lines.contains(&"#   confidence: low — one short keyword decides a long message"),
        "{}",
        r.stdout
    );
    let held = lines
        .iter()
        .position(|l| l.starts_with("# [confidence low · held back"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        lines[held + 1],
        "#   1. address (low): 发货前在订单里改地址就行"
    );
    // Sure enough: answered, and nothing suggested.
    let answered = lines
        .iter()
        .position(|l| *l == "这款有货的亲")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(lines[answered..]
        .contains(&"#   confidence: high — the winner's keywords cover most of the message"));
    assert!(!lines[answered..].iter().any(|l| l.contains("held back")));
}

#[test]
fn chat_uses_the_bundled_rules_from_any_directory() {
    let r = run_in(&std::env::temp_dir(), &[], "这件偏大吗\n".as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("衣见女装旗舰店"), "{}", r.stdout);
}

#[test]
fn chat_reports_non_utf8_input_and_keeps_line_alignment() {
    let r = run(
        &["chat", "--rules", SHOP],
        b"\xff\xfe\n\xe5\xb0\xba\xe7\xa0\x81\n",
    );
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!("\n{GREETING} V1 尺码: 告诉小测身高体重哦\n")
    );
    assert!(
        r.stderr.contains("stdin:1: not valid UTF-8"),
        "{}",
        r.stderr
    );
}

#[test]
fn chat_with_broken_rules_prints_the_problems_and_fails() {
    let r = run(&["chat", "--rules", "tests/fixtures/broken.yaml"], b"hi\n");
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .contains("tests/fixtures/broken.yaml:7:13: unknown variable {agnet}"));
    assert!(r.stdout.is_empty());
}

// ───────────────────────────── check ─────────────────────────────

#[test]
fn check_accepts_a_valid_file() {
    let r = run(&["check", SHOP, "--deny-warnings"], b"");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "tests/fixtures/shop.yaml: valid, 4 nodes, 8 keywords, 5 tests; 0 warnings\n"
    );
}

/// Issue 15.4: the bundled rules pass `check --deny-warnings` on any date: their
/// promotions and reminders recur (every year, every Friday) instead of expiring, and
/// no reply claims an action kefu does not take.
#[test]
fn the_bundled_rules_pass_check_deny_warnings_on_any_date() {
    for now in [
        "2026-11-11T23:59:00+08:00", // 双11's last minute
        "2026-12-31T23:30:00+08:00",
        "2027-01-01T00:30:00+08:00",
        "2027-06-18T12:00:00+08:00",
        "2031-11-28T12:00:00+08:00", // a Friday inside the ship_delay reminder
        "2099-02-28T12:00:00-05:00",
    ] {
        let r = run(
            &[
                "check",
                "rules/apparel.yaml",
                "--deny-warnings",
                "--now",
                now,
            ],
            b"",
        );
        assert_eq!(r.code, 0, "{now}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("; 0 warnings"), "{now}: {}", r.stdout);
    }
}

#[test]
fn check_reports_every_problem_with_line_and_column() {
    let r = run(&["check", "tests/fixtures/broken.yaml"], b"");
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "tests/fixtures/broken.yaml:7:13: unknown variable {agnet}; known: shop (presale[0].reply[0])",
            "tests/fixtures/broken.yaml:8:5: duplicate topic id 'size', first used by presale[0] at line 5 (presale[1])",
            "tests/fixtures/broken.yaml: 2 errors",
        ]
    );
}

#[test]
fn check_reports_an_unknown_key_with_line_and_column() {
    let r = run(&["check", "tests/fixtures/typo.yaml"], b"");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("tests/fixtures/typo.yaml:5:5: unknown key 'keyword'; known keys: topic,"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(presale[0])"));
}

#[test]
fn check_deny_warnings_fails_on_a_lint() {
    let file = "tests/fixtures/lint.yaml";
    let r = run(&["check", file], b"");
    assert_eq!(r.code, 0, "warnings alone pass");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "tests/fixtures/lint.yaml:6:44: warning: keyword '邮' is one character: it hits every message containing it; make it longer or move it to whole: (presale[0].keywords[1]) [one_char_keyword]"
    );
    assert!(lines[1].starts_with("tests/fixtures/lint.yaml:8:5: warning: no test expects 'return'"));
    assert!(lines[2].contains(
        "2 warnings (1 one_char_keyword, 1 untested_node); 1 contained_keyword not listed"
    ));

    assert_eq!(run(&["check", file, "--deny-warnings"], b"").code, 1);
    let allowed = run(
        &[
            "check",
            file,
            "--deny-warnings",
            "--allow",
            "one_char_keyword",
            "--allow",
            "untested_node",
        ],
        b"",
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stdout);
    let pedantic = run(
        &["check", file, "--pedantic", "--allow", "untested_node"],
        b"",
    );
    assert!(pedantic.stdout.contains("[contained_keyword]"));
    let bad = run(&["check", file, "--allow", "nonsense"], b"");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown lint kind"));
}

#[test]
fn check_reports_a_missing_file_and_a_non_utf8_file() {
    let r = run(&["check", "tests/fixtures/no-such.yaml"], b"");
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("error: cannot read tests/fixtures/no-such.yaml: "));
    let r = run(&["check", "tests/fixtures/replay.log"], b"");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("tests/fixtures/replay.log:3:1: not valid UTF-8 (byte 0xff)"),
        "{}",
        r.stderr
    );
}

// ───────────────────────────── test ─────────────────────────────

#[test]
fn test_passes_on_passing_cases() {
    let r = run(&["test", SHOP], b"");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["line", "result", "expected", "got", "message"]
    );
    assert_eq!(lines.len(), 1 + 5 + 2);
    assert!(
        lines[1..6].iter().all(|l| l.contains(" ok ")),
        "{}",
        r.stdout
    );
    assert_eq!(lines[7], "5 passed, 0 failed");
}

#[test]
fn test_fails_and_shows_expected_got_and_hits() {
    let r = run(&["test", "tests/fixtures/failing.yaml"], b"");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("FAIL"));
    let failures = r
        .stdout
        .split("failures:\n")
        .nth(1)
        .expect("a failures section");
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(
        &lines[..5],
        [
            "tests/fixtures/failing.yaml:10:5: \"退款什么时候到账\"",
            "    expected: return",
            "    got:      refund_time",
            "    hits:     到账@18..24→refund_time",
            "",
        ]
    );
    assert_eq!(lines[5], "1 passed, 1 failed");
    let quiet = run(
        &["test", "tests/fixtures/failing.yaml", "--failures-only"],
        b"",
    );
    assert!(
        quiet.stdout.starts_with("\nfailures:\n"),
        "{}",
        quiet.stdout
    );
}

// ───────────────────────────── replay ─────────────────────────────

const LOG: &str = "tests/fixtures/replay.log";

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn replay_json_one_object_per_message_skipping_non_utf8() {
    let r = run(&["replay", LOG, "--rules", SHOP, "--json"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "tests/fixtures/replay.log:3: not valid UTF-8; skipped\n"
    );
    let v = json_lines(&r.stdout);
    let lines: Vec<u64> = v.iter().map(|o| o["line"].as_u64().unwrap()).collect();
    assert_eq!(
        lines,
        [1, 2, 4, 6, 7, 8],
        "blank and invalid lines are skipped"
    );
    let first = &v[0];
    assert_eq!(first["message"], "这件偏大吗");
    assert_eq!(first["topic"], "size_fit");
    assert_eq!(first["path"], "售前 › 尺码 › 偏大偏小");
    assert_eq!(first["kind"], "greeting");
    assert_eq!(first["reply"], format!("{GREETING}\nV1 偏大偏小: 标准码"));
    assert_eq!(first["handoff"], false);
    assert_eq!(
        (
            &first["confidence"],
            &first["held_back"],
            &first["suggestions"]
        ),
        (&"high".into(), &false.into(), &serde_json::json!([]))
    );
    let hit = &first["hits"][0];
    assert_eq!(
        (
            &hit["keyword"],
            &hit["topic"],
            &hit["start"],
            &hit["end"],
            &hit["text"]
        ),
        (
            &"偏大".into(),
            &"size_fit".into(),
            &6.into(),
            &12.into(),
            &"偏大".into()
        )
    );
    let fallback = &v[3];
    assert_eq!(fallback["message"], "今天天气不错");
    assert!(fallback["topic"].is_null());
    assert_eq!(fallback["hits"], serde_json::json!([]));
    let human = &v[5];
    assert_eq!(
        (&human["topic"], &human["handoff"]),
        (&"human".into(), &true.into())
    );
    // Each line is its own conversation: every reply greets.
    assert!(v.iter().all(|o| o["kind"] == "greeting"));
}

#[test]
fn replay_sessions_group_lines_until_a_blank_line() {
    let r = run(
        &["replay", LOG, "--rules", SHOP, "--json", "--sessions"],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_lines(&r.stdout);
    let sessions: Vec<&str> = v.iter().map(|o| o["session"].as_str().unwrap()).collect();
    assert_eq!(
        sessions,
        ["log-1", "log-1", "log-1", "log-6", "log-6", "log-6"]
    );
    let kinds: Vec<&str> = v.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["greeting", "answer", "answer", "greeting", "handoff", "handoff"],
        "the second fallback in a row hands off"
    );
}

#[test]
fn replay_report_shows_shares_topics_latency_and_fragments() {
    let r = run(&["replay", LOG, "--rules", SHOP], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.starts_with("replay of tests/fixtures/replay.log: 6 messages, rules tests/fixtures/shop.yaml (测试小店)\n"), "{out}");
    assert!(out.contains("(1 line not UTF-8, skipped)"));
    // Four outcomes that add up: the handoff node (human) is a handoff, not an answer.
    assert!(out.contains("answered            3   50.0%"), "{out}");
    assert!(out.contains("held back           0    0.0%"), "{out}");
    assert!(out.contains("fallback            2   33.3%"), "{out}");
    assert!(out.contains("handed off          1   16.7%"), "{out}");
    assert!(out.contains("latency of Engine::reply: median "));
    assert!(out.contains("售后 › 转人工 (human)"));
    assert!(
        !out.contains("never chosen"),
        "every topic answered once: {out}"
    );
    let fragments = out.split("unanswered messages").nth(1).expect("fragments");
    assert!(fragments.contains("1. 天气不错"), "{fragments}");
    assert!(fragments.contains("e.g. \"今天天气不错\""), "{fragments}");
}

#[test]
fn replay_empty_or_missing_log_is_an_error() {
    let dir = std::env::temp_dir().join(format!("kefu-bot-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.log");
    std::fs::write(&empty, "\n\n").unwrap();
    let r = run(&["replay", empty.to_str().unwrap(), "--rules", SHOP], b"");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no messages to replay (the log is empty)"),
        "{}",
        r.stderr
    );
    let r = run(&["replay", "tests/fixtures/no-such.log"], b"");
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("error: cannot read tests/fixtures/no-such.log: "));
    std::fs::remove_dir_all(&dir).ok();
}

// ─────────────────────── the rule file: FILE or --rules FILE ───────────────────────

/// Each form runs the same as the first of its group: the same exit code and output.
#[test]
fn every_subcommand_takes_the_rule_file_positionally_or_as_rules() {
    let remind = [
        "--order-id",
        "1",
        "--amount",
        "1",
        "--created",
        "2026-11-25T10:00+08:00",
        "--closes",
        "2026-11-26T10:00+08:00",
        "--now",
        "2026-11-25T12:00+08:00",
    ];
    let with = |head: &[&'static str]| -> Vec<&'static str> { [head, &remind].concat() };
    // (what the output shows of tests/fixtures/shop.yaml, the forms)
    let groups: Vec<(&str, Vec<Vec<&str>>)> = vec![
        (
            "测试小店",
            vec![
                vec!["chat", "--rules", SHOP],
                vec!["chat", SHOP],
                vec!["--rules", SHOP],
                vec![SHOP],
            ],
        ),
        (
            "tests/fixtures/shop.yaml: valid",
            vec![vec!["check", SHOP], vec!["check", "--rules", SHOP]],
        ),
        (
            "5 passed, 0 failed",
            vec![vec!["test", SHOP], vec!["test", "--rules", SHOP]],
        ),
        (
            "V1 偏大偏小",
            vec![
                vec!["replay", LOG, "--rules", SHOP, "--json"],
                vec!["replay", SHOP, LOG, "--json"],
                vec!["replay", "--json", "--rules", SHOP, "--log", LOG],
                vec!["replay", SHOP, "--log", LOG, "--json"],
            ],
        ),
        (
            "done: no_channel",
            vec![with(&["remind", "--rules", SHOP]), with(&["remind", SHOP])],
        ),
    ];
    for (shows, group) in groups {
        let first = run(&group[0], "在吗\n尺码\n".as_bytes());
        assert_eq!(first.code, 0, "{:?}: {}", group[0], first.stderr);
        assert!(
            first.stdout.contains(shows),
            "{:?} used the given rules: {}",
            group[0],
            first.stdout
        );
        for args in &group[1..] {
            let r = run(args, "在吗\n尺码\n".as_bytes());
            assert_eq!(
                (r.code, &r.stdout, &r.stderr),
                (first.code, &first.stdout, &first.stderr),
                "{args:?} differs from {:?}",
                group[0]
            );
        }
    }
}

#[test]
fn a_rule_file_given_twice_or_missing_or_a_replay_that_could_mean_two_things_is_refused() {
    let cases: [(&[&str], &str); 9] = [
        (
            &["chat", SHOP, "--rules", SHOP],
            "error: the rule file is given twice (tests/fixtures/shop.yaml and --rules tests/fixtures/shop.yaml); give it once: bot chat FILE, or bot chat --rules FILE",
        ),
        (&[SHOP, "--rules", SHOP], "the rule file is given twice"),
        (
            &["check"],
            "error: bot check needs a rule file: bot check FILE, or bot check --rules FILE",
        ),
        (&["test"], "error: bot test needs a rule file"),
        (&["check", SHOP, "--rules", SHOP], "bot check FILE, or bot check --rules FILE"),
        (
            &["replay"],
            "error: bot replay needs a log: bot replay LOG [--rules FILE], or bot replay FILE LOG",
        ),
        (
            &["replay", SHOP],
            "error: tests/fixtures/shop.yaml looks like a rule file, and bot replay needs a log too: bot replay tests/fixtures/shop.yaml LOG, or bot replay LOG --rules tests/fixtures/shop.yaml; if tests/fixtures/shop.yaml is the log, say --log tests/fixtures/shop.yaml",
        ),
        (
            &["replay", LOG, SHOP],
            "error: the rule file comes first: bot replay tests/fixtures/shop.yaml tests/fixtures/replay.log, or bot replay tests/fixtures/replay.log --rules tests/fixtures/shop.yaml",
        ),
        (
            &["replay", SHOP, LOG, "--log", LOG],
            "error: the log is given twice",
        ),
    ];
    for (args, says) in cases {
        let r = run(args, b"");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(says) || r.stderr.contains(says),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let twice = run(&["replay", SHOP, LOG, "--rules", SHOP], b"");
    assert!(
        twice
            .stderr
            .contains("give it once: bot replay FILE LOG, or bot replay LOG --rules FILE"),
        "{}",
        twice.stderr
    );
    // A log named like a rule file is still a log when the rules are named.
    let yaml_log = run(&["replay", "--json", "--log", SHOP, "--rules", SHOP], b"");
    assert_eq!(yaml_log.code, 0, "{}", yaml_log.stderr);
    let named = run(&["replay", "--json", SHOP, "--rules", SHOP], b"");
    assert_eq!((named.code, named.stdout), (0, yaml_log.stdout));
}

// ───────────────────────────── replay --labels ─────────────────────────────

const LABELS: &str = "tests/fixtures/shop-labels.tsv";

/// A file in a fresh temporary directory of this test process.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kefu-bot-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn replay_labels_reports_precision_recall_topics_confusions_and_groups() {
    let r = run(&["replay", "--labels", LABELS, "--rules", SHOP], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.starts_with("replay of tests/fixtures/shop-labels.tsv (labelled): 10 messages, rules tests/fixtures/shop.yaml (测试小店)\n"), "{out}");
    for line in [
        "precision of answered   83.3%  5 of 6 answered lines got an acceptable topic",
        "recall of in-scope      66.7%  4 of 6 in-scope lines",
        "out of scope handled    66.7%  2 of 3 lines labelled -",
        "  10 lines: 6 in scope, 3 out of scope (-), 1 either (a|-)",
        "answered right        5   50.0%",
        "answered wrong        1   10.0%",
        // 尺码不合适要退: 尺码 covers 2 of 7 chars, a sparse match: a human decides.
        "held back             1   10.0%",
        "fallback              2   20.0%",
        // 转人工吧 on a `-` line: the handoff node hands over, which is right there.
        "handed off            1   10.0%",
        "  size       50.0%     1/2     50.0%     1/2",
        "  return    100.0%     1/1     50.0%     1/2",
        "  2 other topics without a mistake",
        "     1  - → size            \"尺码真好看\"",
        "     1  return → held back  \"尺码不合适要退\"",
        "     1  size → fallback     \"这件衣服合身吗\"",
        "  尺码 size           4   75.0%  100.0%   75.0%",
        "  噪声 noise          3   66.7%    0.0%       -",
        "held back (the engine was not sure enough to answer): 1 line, 0 with an acceptable topic among the suggestions (✓)",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    // The coverage part follows: topics, latency, fragments.
    assert!(out.contains("latency of Engine::reply: median "), "{out}");
    assert!(out.contains("售前 › 尺码 (size)"), "{out}");
}

#[test]
fn replay_labels_json_is_one_object_with_the_figures() {
    let r = run(&["replay", SHOP, "--labels", LABELS, "--json"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON object");
    assert_eq!(v["report"], "kefu replay");
    assert_eq!(v["input"], LABELS);
    assert_eq!(v["coverage"]["messages"], 10);
    let l = &v["labels"];
    assert_eq!(
        l["precision"],
        serde_json::json!({"value": 5.0 / 6.0, "right": 5, "of": 6})
    );
    assert_eq!(
        (&l["recall"]["right"], &l["recall"]["of"]),
        (&4.into(), &6.into())
    );
    assert_eq!(
        l["outcomes"],
        serde_json::json!({"answered_right": 5, "answered_wrong": 1, "held_back": 1, "fallback": 2, "handoff": 1})
    );
    assert_eq!(l["per_topic"][0]["topic"], "size", "worst first");
    assert_eq!(l["per_topic"][0]["path"], "售前 › 尺码");
    let c = &l["confusions"][1];
    assert_eq!(
        (&c["expected"], &c["got"], &c["count"]),
        (&"return".into(), &"held back".into(), &1.into())
    );
    assert_eq!(
        c["examples"][0],
        serde_json::json!({"line": 10, "label": "return", "message": "尺码不合适要退"})
    );
    assert_eq!(l["groups"][0]["group"], "尺码 size");
    assert_eq!(l["mistakes"].as_array().map(Vec::len), Some(3));
    assert_eq!(l["mistakes"][0]["outcome"], "fallback");
    assert_eq!(
        l["matrix"]["expected"],
        serde_json::json!(["-", "return", "size"])
    );
}

#[test]
fn replay_labels_with_sessions_keeps_conversations_and_hands_off_after_fallbacks() {
    let file = temp_file(
        "sessions.tsv",
        "# 1\nsize\t尺码怎么选\nsize_fit\t偏大吗\n\n# 2: two fallbacks in a row hand off\n-\t天气\n-\t真热\n",
    );
    let file = file.to_str().unwrap();
    let r = run(
        &[
            "replay",
            "--labels",
            file,
            "--rules",
            SHOP,
            "--sessions",
            "--json",
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["coverage"]["conversations"], 2);
    assert_eq!(v["labels"]["recall"]["right"], 2);
    assert_eq!(
        v["labels"]["outcomes"],
        serde_json::json!({"answered_right": 2, "answered_wrong": 0, "held_back": 0, "fallback": 1, "handoff": 1})
    );
    assert_eq!(v["labels"]["out_of_scope_handled"]["right"], 2);
}

#[test]
fn replay_labels_thresholds_exit_1_when_not_met() {
    let ok = run(
        &[
            "replay",
            "--labels",
            LABELS,
            "--rules",
            SHOP,
            "--min-precision",
            "0.7",
            "--min-recall",
            "0.6",
        ],
        b"",
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let low = run(
        &[
            "replay",
            "--labels",
            LABELS,
            "--rules",
            SHOP,
            "--min-precision",
            "0.9",
            "--min-recall",
            "0.9",
        ],
        b"",
    );
    assert_eq!(low.code, 1);
    assert_eq!(
        low.stderr,
        "tests/fixtures/shop-labels.tsv: precision of answered 83.3% (5 of 6) is below --min-precision 0.9\n\
         tests/fixtures/shop-labels.tsv: recall of in-scope 66.7% (4 of 6) is below --min-recall 0.9\n"
    );
    assert!(
        low.stdout.contains("precision of answered"),
        "the report still prints"
    );
    let bad = run(
        &["replay", "--labels", LABELS, "--min-precision", "1.5"],
        b"",
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("not a share from 0 to 1"),
        "{}",
        bad.stderr
    );
    let without = run(&["replay", LOG, "--min-recall", "0.5"], b"");
    assert_eq!(without.code, 2);
    assert!(without.stderr.contains("--labels"), "{}", without.stderr);
}

#[test]
fn replay_labels_refuses_bad_lines_unknown_topics_and_a_log() {
    let no_tab = temp_file("no-tab.tsv", "size\t尺码\n# fine\nsize 尺码怎么选\n");
    let unknown = temp_file("unknown.tsv", "size|sizes\t尺码\n");
    for (file, says) in [
        (
            &no_tab,
            ":3: not label<TAB>message: no tab between the label and the message",
        ),
        (&unknown, ":1: unknown topic 'sizes' in the label"),
    ] {
        let f = file.to_str().unwrap();
        let r = run(&["replay", "--labels", f, "--rules", SHOP], b"");
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "error: {f}{says}{}",
                if says.contains("unknown") {
                    ": the rules have no node with this topic\n"
                } else {
                    "\n"
                }
            )
        );
        assert!(r.stdout.is_empty());
    }
    let r = run(&["replay", LOG, "--labels", LABELS], b"");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "error: --labels replaces the log, and tests/fixtures/replay.log is given as one"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn replay_html_embeds_the_json_and_escapes_buyer_text() {
    let hostile = temp_file(
        "hostile.tsv",
        // Both are mistakes, so the page shows them as examples.
        "size\t</script><script>document.title='pwned'</script>\n\
         -\t尺码 <img src=x onerror=alert(1)> & \"引号\"\n",
    );
    let hostile = hostile.to_str().unwrap();
    let page = hostile.replace(".tsv", ".html");
    let r = run(
        &[
            "replay", "--labels", hostile, "--rules", SHOP, "--json", "--html", &page,
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<img src=x"), "buyer text is escaped");
    assert!(html.contains("尺码 &lt;img src=x onerror=alert(1)&gt; &amp; &quot;引号&quot;"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the JSON and the marker script only"
    );
    let blob = html
        .split("<script type=\"application/json\" id=\"kefu-report\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("the embedded JSON");
    let embedded: serde_json::Value = serde_json::from_str(blob).unwrap();
    let printed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(embedded, printed, "the page embeds what --json prints");
    assert_eq!(
        embedded["labels"]["mistakes"][0]["message"],
        "</script><script>document.title='pwned'</script>"
    );

    // Without --labels the page is the coverage report of a log.
    let log_page = hostile.replace(".tsv", "-log.html");
    let r = run(&["replay", LOG, "--rules", SHOP, "--html", &log_page], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&log_page).unwrap();
    assert!(html.contains("data-key=\"coverage.outcomes.answered\" data-value=\"3\""));
    assert!(!html.contains("id=\"confusion\""));
}

/// Rules that hold back a reply kefu is not sure of (`reading.answer_at: medium`).
const UNSURE_RULES: &str = r#"
shop: { name: 衣见 }
first_reply: { greeting: ["亲,您好"] }
reading: { answer_at: medium }
presale:
  - { topic: stock, keywords: [有货], whole: [有货吗], reply: ["有货的亲"] }
  - { topic: address, keywords: [改成], reply: ["地址在订单详情里改哦"] }
fallback: { reply: ["亲,稍等,马上为您解答"], handoff_after: 0 }
"#;

#[test]
fn replay_labels_counts_held_back_lines_with_their_suggestions() {
    let rules = temp_file("unsure.yaml", UNSURE_RULES);
    let labels = temp_file(
        "unsure.tsv",
        "stock\t有货吗\naddress\t能改成周二再发吗 我那天才在家\n-\t颜色能改成别的吗 我再想想 不急的\n",
    );
    let (rules, labels) = (rules.to_str().unwrap(), labels.to_str().unwrap());
    let r = run(&["replay", rules, "--labels", labels, "--json"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let l = &v["labels"];
    assert_eq!(
        l["outcomes"],
        serde_json::json!({"answered_right": 1, "answered_wrong": 0, "held_back": 2, "fallback": 0, "handoff": 0})
    );
    // Held back on a line that needs an answer is a miss; on a `-` line it is right.
    assert_eq!(
        (&l["recall"]["right"], &l["recall"]["of"]),
        (&1.into(), &2.into())
    );
    assert_eq!(l["out_of_scope_handled"]["right"], 1);
    assert_eq!(
        l["held_back"][0],
        serde_json::json!({
            "line": 2, "label": "address", "message": "能改成周二再发吗 我那天才在家",
            "confidence": "low",
            "suggestions": [{"topic": "address", "text": "地址在订单详情里改哦", "confidence": "low"}],
            "suggested_right": true
        })
    );
    assert_eq!(l["held_back"][1]["suggested_right"], false);
    assert_eq!(
        (&l["confusions"][0]["expected"], &l["confusions"][0]["got"]),
        (&"address".into(), &"held back".into())
    );
    assert_eq!(
        l["confidence"],
        serde_json::json!([{"level": "low", "right": 1, "wrong": 1}, {"level": "high", "right": 1, "wrong": 0}])
    );
    assert_eq!(
        v["coverage"]["confidence"],
        serde_json::json!([{"level": "low", "replies": 2}, {"level": "high", "replies": 1}])
    );
    let text = run(&["replay", rules, "--labels", labels], b"");
    assert!(text.stdout.contains(
        "held back (the engine was not sure enough to answer): 2 lines, 1 with an acceptable topic among the suggestions (✓)"
    ), "{}", text.stdout);
    assert!(
        text.stdout.contains(
            "  line    2  address  \"能改成周二再发吗 我那天才在家\"  suggested address (low) ✓"
        ),
        "{}",
        text.stdout
    );
    assert!(text
        .stdout
        .contains("confidence of the lines: low 1 right / 1 wrong, high 1 right / 0 wrong"));
}
