//! End-to-end tests of `bot remind`: the payment reminder plan of one order, as a shop
//! checks its policy from the command line.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

mod common;
use common::{build_example, ROOT};

/// Runs the bot with `args` (the order's arguments first) and returns its exit code
/// and stdout; stderr is returned in place of stdout when the bot failed.
fn remind(args: &[&str]) -> (i32, String) {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(|| build_example("bot"));
    let order = [
        "remind",
        "--order-id",
        "3021887766554433",
        "--created",
        "2026-11-25T10:00+08:00",
        "--closes",
        "2026-11-26T10:00+08:00",
        "--buyer",
        "小王",
    ];
    let out = Command::new(bin)
        .args(order)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("bot runs");
    let text = if out.status.success() {
        out.stdout
    } else {
        [out.stdout, out.stderr].concat()
    };
    let text = String::from_utf8(text).expect("UTF-8 output");
    (out.status.code().unwrap_or(-1), text)
}

const HEADER: &str =
    "order 3021887766554433 · ¥399.00 · 小王 · created 2026-11-25 10:00 · closes 2026-11-26 10:00 (shop time)";

#[test]
fn an_im_is_due_a_quarter_hour_after_the_order() {
    let (code, out) = remind(&["--amount", "399", "--now", "2026-11-25T10:20:00+08:00"]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert!(
        lines[1].starts_with("at 2026-11-25 10:20: remind by im (旺旺), variant "),
        "{out}"
    );
    assert!(
        lines[2].starts_with("  ") && lines[2].contains("小王"),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");
}

#[test]
fn after_the_im_the_sms_waits_for_the_end_of_the_quiet_hours() {
    let (code, out) = remind(&[
        "--amount",
        "399.00",
        "--now",
        "2026-11-25T23:00:00+08:00",
        "--sent",
        "im@2026-11-25T10:15:00+08:00",
    ]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "sent im (旺旺) at 2026-11-25 10:15",
            "at 2026-11-25 23:00: wait until 2026-11-26 08:00 for sms (短信): quiet_hours",
        ]
    );
}

#[test]
fn the_timeline_plays_the_policy_from_creation_to_close() {
    let (code, out) = remind(&[
        "--amount",
        "888",
        "--now",
        "2026-11-26T12:00:00+08:00",
        "--timeline",
        "--every",
        "10m",
    ]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "at 2026-11-26 12:00: done: order_closed");
    assert_eq!(
        lines[3],
        "timeline (asking every 10 min, from creation to close, nothing sent before):"
    );
    let sends: Vec<String> = lines[4..7]
        .iter()
        .map(|l| l.chars().take(28).collect())
        .collect();
    assert_eq!(
        sends,
        [
            "  2026-11-25 10:20  im    旺旺",
            "  2026-11-25 12:00  phone 电话",
            "  2026-11-26 08:00  sms   短信",
        ]
    );
    assert_eq!(lines[7], "  3 reminders sent; then all_sent");
}

#[test]
fn rules_without_payment_reminders_plan_nothing() {
    let (code, out) = remind(&[
        "--amount",
        "399",
        "--now",
        "2026-11-25T12:00:00+08:00",
        "--rules",
        "tests/fixtures/shop.yaml",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("at 2026-11-25 12:00: done: no_channel\n"),
        "{out}"
    );
}

#[test]
fn bad_arguments_exit_2_and_broken_rules_exit_1() {
    let bad: [&[&str]; 5] = [
        &["--amount", "3.999"],
        &["--amount", "1", "--sent", "fax@2026-11-25T10:15:00+08:00"],
        &["--amount", "1", "--sent", "im"],
        &["--amount", "1", "--timeline", "--every", "0s"],
        &["--amount", "1", "--now", "tomorrow"],
    ];
    for args in bad {
        let (code, out) = remind(args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains("error"), "{args:?}: {out}");
    }
    let (code, out) = remind(&["--amount", "1", "--rules", "tests/fixtures/broken.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("tests/fixtures/broken.yaml:"), "{out}");
}

/// The README's `remind` command, as written there, plans the same on any day.
#[test]
fn the_readme_remind_example_does_not_depend_on_today() {
    let readme = std::fs::read_to_string(std::path::Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("cargo run --example bot -- remind ")
        .expect("the README shows bot remind");
    let mut command = String::new();
    for line in readme[start..].lines() {
        let line = line.split(" #").next().unwrap_or(line).trim_end();
        match line.strip_suffix('\\') {
            Some(more) => command.push_str(more),
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    let args: Vec<&str> = command.split_whitespace().skip(5).collect();
    assert_eq!(args[0], "remind", "{command}");
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(|| build_example("bot"));
    let out = Command::new(bin)
        .args(&args)
        .current_dir(ROOT)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{command}: {text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with("at 2026-11-25 10:20: remind by im (旺旺)"),
        "{command}: {text}"
    );
    assert!(text.contains("reminders sent; then all_sent"), "{text}");
}
