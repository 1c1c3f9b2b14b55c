//! kefu's bot: chat with a rule file, check it, run its tests, and replay a real
//! chat log to see what it answers and what it misses.
//!
//! ```text
//! cargo run --example bot                          # chat with the bundled rules
//! cargo run --example bot -- chat my.yaml --explain
//! cargo run --example bot -- check my.yaml [--deny-warnings] [--allow KIND] [--now TIME]
//! cargo run --example bot -- test my.yaml [--failures-only]
//! cargo run --example bot -- replay chat.log [--rules my.yaml] [--json] [--sessions] [--html report.html]
//! cargo run --example bot -- replay --labels labelled.tsv [--rules my.yaml] [--sessions] [--json] \
//!     [--html report.html] [--min-precision 0.9] [--min-recall 0.7]
//! cargo run --example bot -- mine chat.jsonl [--rules my.yaml] [--out new.yaml] [--html report.html] [--ignore FILE]
//! cargo run --example bot -- remind [my.yaml] --order-id 123 --amount 399.00 \
//!     --created 2026-11-25T10:00+08:00 --closes 2026-11-26T10:00+08:00 --buyer 小王 \
//!     [--now TIME] [--sent im@TIME ...] [--timeline [--every 5m]]
//! ```
//!
//! **The rule file**, for every subcommand that reads one, is `FILE` or `--rules
//! FILE`, either but not both (`bot chat my.yaml`, `bot chat --rules my.yaml`, `bot
//! check --rules my.yaml`). Without one, `chat` (also with no subcommand), `replay`
//! and `remind` use the bundled `rules/apparel.yaml`, compiled into the binary, so
//! the bot runs from any directory; `check` and `test` need one. `replay` also takes
//! the chat log: `replay LOG [--rules FILE]`, `replay FILE LOG`, or `--log LOG`. What
//! could mean two things is refused (exit 2) with the command to write instead: a
//! file given twice, a lone `replay my.yaml` (a rule file and no log), `replay
//! chat.log my.yaml` (the rule file comes first).
//!
//! **chat.** One session for the whole chat. `/reset` starts a new session (the next
//! reply greets again), `/explain` toggles explanations, `/quit` (or end of input)
//! leaves. When standard input is not a terminal the bot is a filter: no banner, no
//! prompts, and exactly one output line per input line, so line N of the output
//! answers line N of the input. A reply that opens the conversation has the greeting
//! and the answer on two lines in kefu; here they are joined with one space. Blank
//! lines, `/reset`, `/explain` and lines that are not UTF-8 (reported on stderr) give
//! an empty output line; `/quit` ends the input. With `--explain`, explanation lines
//! follow each reply, each starting with `# `: the topic, the hits, the candidates,
//! the confidence and its evidence, and for a held-back reply the suggestions for the
//! shop's agent. On a terminal every reply is followed by its confidence
//! (`[confidence high]`) and, when held back, by the suggestions, best first.
//!
//! **check.** Loads the file; on errors prints each as `FILE:LINE:COL: message (rule
//! path)` and exits 1. Otherwise prints the lints (`FILE:LINE:COL: warning: ...
//! [kind]`, see `kefu::lint` for what each kind means) and a summary, and exits 0, or 1
//! with `--deny-warnings` when there is a warning. `contained_keyword` warnings (a
//! keyword containing a shorter one of the same node, usually deliberate weight) are
//! only counted unless `--pedantic`. `--allow KIND` silences a kind; `--now
//! 2026-11-12T00:00:00+08:00` decides which promotions count as expired.
//!
//! **test.** Runs the file's `tests:` cases: a table of every case, then each
//! failure with the expected and the chosen topic and the hits, then `N passed, M
//! failed`. Exits 1 on any failure.
//!
//! **replay.** Answers every line of a chat log, one buyer message per line. Each
//! line is its own conversation, and blank lines are skipped; with `--sessions`,
//! consecutive non-blank lines form one conversation and a blank line ends it. Lines
//! that are not UTF-8 are reported on stderr (with their line number) and skipped.
//! The default output is a coverage report: the share of messages answered by a
//! node, of fallbacks and of handoffs; answers per topic as a bar chart (with the
//! number of messages in which the topic was hit, chosen or not), and topics
//! never used; the time of `Engine::reply` per message (median, p99, max); and the
//! top fragments of the unanswered messages (see `fragments.rs`: frequent 2–4-character
//! substrings, counted once per message, that are at least twice as common in
//! unanswered as in answered messages), so a shop sees which phrases to add next. `--json` prints one JSON object per message instead:
//! `line`, `session`, `message`, `topic` (null on fallback and when held back), `path`,
//! `kind`, `reply`, `confidence` (`low`, `medium`, `high`), `held_back`, `suggestions`
//! (when held back: `topic`, `confidence`, `text`, best first), `handoff`, `truncated`,
//! and `hits` (`keyword`, `topic`, `kind`, `start` and `end`
//! as byte offsets into `message`, and `text`, what the buyer wrote there). Logs over
//! 5,000 lines show a progress bar on stderr when it is a terminal. What happened to a
//! message is one of four: answered (a node that is not a handoff node), held back
//! (the engine was not sure: the fallback, with suggestions), fallback (nothing
//! matched), handed off (a handoff node, or fallbacks in a row).
//!
//! **replay --labels FILE** replays labelled messages instead of a log: lines
//! `label<TAB>message` (`#` comments, `# ── heading` starts a group, a blank line ends
//! a conversation with `--sessions`; a line without a tab, or a label naming a topic
//! the rules lack, is an error naming `FILE:LINE`). A label is a topic id, `a|b`
//! (either), `-` (nothing should answer: a fallback, held-back reply or handoff is
//! right there) or `a|-`. The report adds the precision of answered lines, the recall
//! of in-scope lines (no `-`), the out-of-scope lines handled, per-topic precision and
//! recall (worst first), the confusion pairs (expected → got, with examples), the
//! figures of each group and the held-back lines; see `labels.rs` and docs/REPORT.md.
//! `--json` then prints the whole report as one JSON object (docs/REPORT.md has the
//! schema). `--min-precision P` and `--min-recall R` make the bot exit 1 when a figure
//! is below (for CI). `--html FILE`, with or without `--labels`, also writes the report
//! as one self-contained page, with the JSON embedded (see `html.rs`).
//!
//! **mine.** Proposes quick phrases from a log of buyer–agent conversations (JSON
//! Lines or `买家:`/`客服:` text), taking the log and the rule file as `replay` does:
//! the ranked report on stdout (`--json` for JSON), `--out` the input rules plus the
//! proposals, `--html` the report as a page, `--ignore` a file of rejected proposals.
//! See `kefu::mine` and docs/MINING.md.
//!
//! **remind.** Shows what `Engine::plan_reminder` decides for one unpaid order at
//! `--now` (default: the current time), given the reminders already `--sent`
//! (`CHANNEL@TIME`, repeatable): the reminder to send now with its channel, variant
//! and text, or until when to wait and why, or why nothing more will be sent. Times
//! are RFC 3339 and printed in the shop's time zone. `--timeline` then plays the
//! whole order from its creation to its close as a host would that asks the planner
//! every `--every` (default 5m) and sends what it says, starting with nothing sent:
//! one line per reminder, then why it stopped, so a shop sees its policy at work.
//!
//! Exit codes: 0 done; 1 the rules are invalid, a test failed, a warning was denied,
//! or a labelled replay is below `--min-precision` or `--min-recall`; 2 the bot could not run (bad arguments, a missing or unreadable file, an
//! empty log).

mod chat;
mod check;
mod cli;
mod confidence;
mod display;
mod fragments;
mod html;
mod labels;
mod mine;
mod remind;
mod replay;
mod report;
mod test;

use clap::Parser;
use cli::{Cli, Command};
use kefu::Engine;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

const BUNDLED: &str = include_str!("../../rules/apparel.yaml");
const BUNDLED_NAME: &str = "rules/apparel.yaml";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => chat::chat(cli.chat),
        Some(Command::Chat(a)) => chat::chat(a),
        Some(Command::Check(a)) => check::check(a),
        Some(Command::Test(a)) => test::test(a),
        Some(Command::Replay(a)) => replay::replay(a),
        Some(Command::Remind(a)) => remind::remind(a),
        Some(Command::Mine(a)) => mine::mine(a),
    };
    match result {
        Ok(code) => code,
        // `bot replay log | head`: the reader left, which is fine.
        Err(Fatal::BrokenPipe) => ExitCode::SUCCESS,
        Err(Fatal::Msg(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Something that keeps the bot from running at all (exit 2).
pub(crate) enum Fatal {
    Msg(String),
    BrokenPipe,
}

impl From<io::Error> for Fatal {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fatal::BrokenPipe
        } else {
            Fatal::Msg(e.to_string())
        }
    }
}

/// Reads a whole file, naming it in errors.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal::Msg(format!("cannot read {}: {e}", path.display())))
}

/// Reads a text file; a non-UTF-8 byte is reported as `FILE:LINE:COL`.
pub(crate) fn read_text(path: &Path) -> Result<String, Fatal> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `good` is valid UTF-8 by construction.
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let byte = e.as_bytes()[good.len()];
        Fatal::Msg(format!(
            "{}:{line}:{col}: not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8",
            path.display()
        ))
    })
}

/// Loads the rules, or returns the exit code after printing their problems.
pub(crate) fn load(rules: Option<&Path>) -> Result<Result<Engine, ExitCode>, Fatal> {
    let (text, name) = match rules {
        Some(p) => (read_text(p)?, p.display().to_string()),
        None => (BUNDLED.to_owned(), BUNDLED_NAME.to_owned()),
    };
    Ok(match Engine::builder().build_named(&text, Some(&name)) {
        Ok(e) => Ok(e),
        Err(e) => {
            print_error(&e, &mut io::stderr().lock());
            Err(ExitCode::FAILURE)
        }
    })
}

/// How the report and the banner name the rules: the file, or the bundled rules.
pub(crate) fn rules_name(rules: Option<&Path>) -> String {
    rules.map_or(BUNDLED_NAME.to_owned(), |p| p.display().to_string())
}

pub(crate) fn print_error(e: &kefu::Error, out: &mut dyn Write) {
    if e.problems().is_empty() {
        let _ = writeln!(out, "{e}");
    } else {
        for p in e.problems() {
            let _ = writeln!(out, "{p}");
        }
    }
}

/// The line without its `\n` or `\r\n`.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
