//! kefu's bot: chat with a rule file, check it, run its tests, and replay a real
//! chat log to see what it answers and what it misses.
//!
//! ```text
//! cargo run --example bot                          # chat with the bundled rules
//! cargo run --example bot -- chat --rules my.yaml --explain
//! cargo run --example bot -- check my.yaml [--deny-warnings] [--allow KIND] [--now TIME]
//! cargo run --example bot -- test my.yaml [--failures-only]
//! cargo run --example bot -- replay chat.log [--rules my.yaml] [--json] [--sessions]
//! cargo run --example bot -- mine chat.jsonl --rules my.yaml [--out new.yaml] [--html report.html] [--ignore FILE]
//! cargo run --example bot -- remind --order-id 123 --amount 399.00 \
//!     --created 2026-11-25T10:00+08:00 --closes 2026-11-26T10:00+08:00 --buyer 小王 \
//!     [--now TIME] [--sent im@TIME ...] [--rules my.yaml] [--timeline [--every 5m]]
//! ```
//!
//! Without `--rules`, the bundled `rules/apparel.yaml` is used; it is compiled into
//! the binary, so the bot runs from any directory.
//!
//! **chat.** One session for the whole chat. `/reset` starts a new session (the next
//! reply greets again), `/explain` toggles explanations, `/quit` (or end of input)
//! leaves. When standard input is not a terminal the bot is a filter: no banner, no
//! prompts, and exactly one output line per input line, so line N of the output
//! answers line N of the input. A reply that opens the conversation has the greeting
//! and the answer on two lines in kefu; here they are joined with one space. Blank
//! lines, `/reset`, `/explain` and lines that are not UTF-8 (reported on stderr) give
//! an empty output line; `/quit` ends the input. With `--explain`, explanation lines
//! follow each reply, each starting with `# `.
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
//! top fragments of the unanswered messages (see [`fragments`]: frequent 2–4-character
//! substrings, counted once per message, that are at least twice as common in
//! unanswered as in answered messages), so a shop sees which phrases to add next. `--json` prints one JSON object per message instead:
//! `line`, `session`, `message`, `topic` (null on fallback), `path`, `kind`, `reply`,
//! `handoff`, `truncated`, and `hits` (`keyword`, `topic`, `kind`, `start` and `end`
//! as byte offsets into `message`, and `text`, what the buyer wrote there). Logs over
//! 5,000 lines show a progress bar on stderr when it is a terminal.
//!
//! **mine.** Proposes quick phrases from a log of buyer–agent conversations (JSON
//! Lines or `买家:`/`客服:` text): the ranked report on stdout (`--json` for JSON),
//! `--out` the input rules plus the proposals, `--html` the report as a page,
//! `--ignore` a file of rejected proposals. See `kefu::mine` and docs/MINING.md.
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
//! Exit codes: 0 done; 1 the rules are invalid, a test failed, or a warning was
//! denied; 2 the bot could not run (bad arguments, a missing or unreadable file, an
//! empty log).

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kefu::{
    Amount, Channel, Engine, Lint, LintKind, ReminderHistory, ReminderPlan, Reply, Session,
    UnpaidOrder,
};
use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};
use unicode_width::UnicodeWidthStr;

const BUNDLED: &str = include_str!("../rules/apparel.yaml");
const BUNDLED_NAME: &str = "rules/apparel.yaml";
/// Logs with more lines than this get a progress bar (on a terminal).
const PROGRESS_MIN_LINES: usize = 5_000;
/// Unanswered fragments shown by `replay`.
const TOP_FRAGMENTS: usize = 15;

#[derive(Parser)]
#[command(
    name = "bot",
    about = "Chat with kefu rules, check them, run their tests, replay a chat log, plan payment reminders",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    chat: ChatArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Chat on the terminal (the default); reads one message per line from a pipe
    Chat(ChatArgs),
    /// Validate and lint a rule file
    Check(CheckArgs),
    /// Run a rule file's tests: cases
    Test(TestArgs),
    /// Answer every line of a chat log and report coverage
    Replay(ReplayArgs),
    /// Show the payment reminder plan (催付) for an unpaid order
    Remind(RemindArgs),
    /// Propose quick phrases from a log of buyer–agent conversations
    Mine(MineArgs),
}

#[derive(Args, Default)]
struct ChatArgs {
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Print under each reply the topic path, kind, hits and scores
    #[arg(long)]
    explain: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// Rule file to check
    file: PathBuf,
    /// Exit 1 when there is any warning
    #[arg(long)]
    deny_warnings: bool,
    /// Do not report this kind of warning (repeatable), e.g. duplicate_keyword
    #[arg(long, value_name = "KIND")]
    allow: Vec<LintKind>,
    /// Also list contained_keyword warnings (counted in the summary otherwise)
    #[arg(long)]
    pedantic: bool,
    /// The time that decides expired promotions (RFC 3339; default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    now: Option<SystemTime>,
}

/// Kinds `check` counts but does not list (nor deny) without `--pedantic`: a longer
/// keyword containing a shorter one of the same node is usually deliberate weight.
const PEDANTIC: [LintKind; 1] = [LintKind::ContainedKeyword];

#[derive(Args)]
struct TestArgs {
    /// Rule file whose tests: to run
    file: PathBuf,
    /// Print only the failures and the summary, not the table of every case
    #[arg(long)]
    failures_only: bool,
}

#[derive(Args)]
struct ReplayArgs {
    /// Chat log: one buyer message per line
    log: PathBuf,
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Print one JSON object per message instead of the report
    #[arg(long)]
    json: bool,
    /// Consecutive lines are one conversation, a blank line ends it
    #[arg(long)]
    sessions: bool,
}

#[derive(Args)]
struct RemindArgs {
    /// The order number
    #[arg(long, value_name = "ID")]
    order_id: String,
    /// What the buyer owes, in yuan (399, 399.00)
    #[arg(long, value_name = "YUAN")]
    amount: Amount,
    /// When the order was placed (RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    created: SystemTime,
    /// When the order closes if unpaid (RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    closes: SystemTime,
    /// The buyer's name, {buyer} in texts
    #[arg(long, value_name = "NAME", default_value = "")]
    buyer: String,
    /// The time to plan at (RFC 3339; default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    now: Option<SystemTime>,
    /// A reminder already sent, as CHANNEL@TIME (im, sms, phone); repeatable
    #[arg(long, value_name = "CHANNEL@TIME", value_parser = parse_sent)]
    sent: Vec<(Channel, SystemTime)>,
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Also play the order from creation to close, asking the planner every --every
    #[arg(long)]
    timeline: bool,
    /// How often the timeline asks the planner (e.g. 1m, 5m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_every)]
    every: Duration,
}

fn parse_time(s: &str) -> Result<SystemTime, String> {
    s.parse::<jiff::Timestamp>()
        .map(SystemTime::from)
        .map_err(|e| format!("{e}; write e.g. 2026-11-12T00:00:00+08:00"))
}

fn parse_sent(s: &str) -> Result<(Channel, SystemTime), String> {
    let (channel, time) = s
        .split_once('@')
        .ok_or_else(|| format!("'{s}': write CHANNEL@TIME, e.g. im@2026-11-25T10:20:00+08:00"))?;
    Ok((channel.parse()?, parse_time(time)?))
}

fn parse_every(s: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = s
        .parse()
        .map_err(|e| format!("{e}; write e.g. 1m, 5m, 1h"))?;
    Duration::try_from(d)
        .ok()
        .filter(|d| d.as_secs() >= 1)
        .ok_or_else(|| format!("'{s}' is not a positive duration of at least 1s"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => chat(cli.chat),
        Some(Command::Chat(a)) => chat(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Test(a)) => test(a),
        Some(Command::Replay(a)) => replay(a),
        Some(Command::Remind(a)) => remind(a),
        Some(Command::Mine(a)) => mine_cmd(a),
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
enum Fatal {
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
fn read_bytes(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal::Msg(format!("cannot read {}: {e}", path.display())))
}

/// Reads a text file; a non-UTF-8 byte is reported as `FILE:LINE:COL`.
fn read_text(path: &Path) -> Result<String, Fatal> {
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
fn load(rules: Option<&Path>) -> Result<Result<Engine, ExitCode>, Fatal> {
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

fn print_error(e: &kefu::Error, out: &mut dyn Write) {
    if e.problems().is_empty() {
        let _ = writeln!(out, "{e}");
    } else {
        for p in e.problems() {
            let _ = writeln!(out, "{p}");
        }
    }
}

// ───────────────────────────── chat ─────────────────────────────

fn chat(args: ChatArgs) -> Result<ExitCode, Fatal> {
    let engine = match load(args.rules.as_deref())? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let stdin = io::stdin();
    let interactive = stdin.is_terminal();
    let mut out = io::stdout().lock();
    let mut input = stdin.lock();
    let mut explain = args.explain;
    let mut sessions = 1u32;
    let mut session = Session::new("chat-1");
    let shop = engine.shop_name().to_owned();
    if interactive {
        let rules = args
            .rules
            .as_deref()
            .map_or(BUNDLED_NAME.to_owned(), |p| p.display().to_string());
        writeln!(
            out,
            "kefu bot · {shop} · {rules} ({} nodes, {} keywords)\n\
             Type what a buyer would write. /reset new conversation · /explain on/off · /quit leave",
            engine.nodes().len(),
            engine.keyword_count()
        )?;
    }
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        if interactive {
            write!(out, "买家> ")?;
            out.flush()?;
        }
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        let Ok(text) = std::str::from_utf8(trim_eol(&line)) else {
            eprintln!("stdin:{number}: not valid UTF-8; skipped");
            if !interactive {
                writeln!(out)?;
            }
            continue;
        };
        let message = text.trim();
        match message {
            "/quit" | "/exit" => break,
            "/reset" => {
                sessions += 1;
                session = Session::new(format!("chat-{sessions}"));
                if interactive {
                    writeln!(out, "(new conversation)")?;
                } else {
                    writeln!(out)?;
                }
                continue;
            }
            "/explain" => {
                explain = !explain;
                if interactive {
                    let state = if explain { "on" } else { "off" };
                    writeln!(out, "(explanations {state})")?;
                } else {
                    writeln!(out)?;
                }
                continue;
            }
            "/help" if interactive => {
                writeln!(
                    out,
                    "/reset new conversation · /explain on/off · /quit leave"
                )?;
                continue;
            }
            "" => {
                if !interactive {
                    writeln!(out)?;
                }
                continue;
            }
            _ => {}
        }
        let reply = engine.reply(&mut session, message);
        if interactive {
            let mut lines = reply.text.lines();
            writeln!(out, "{shop}> {}", lines.next().unwrap_or(""))?;
            let indent = " ".repeat(shop.width() + 2);
            for l in lines {
                writeln!(out, "{indent}{l}")?;
            }
        } else {
            writeln!(out, "{}", reply.text.replace('\n', " "))?;
        }
        if explain {
            let prefix = if interactive { "  " } else { "# " };
            for l in explanation(message, &reply).lines() {
                writeln!(out, "{prefix}{l}")?;
            }
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Topic path, kind, hits with their char positions, then the engine's scores.
fn explanation(message: &str, reply: &Reply<'_>) -> String {
    let mut s = String::new();
    let topic = match reply.node() {
        Some(n) => format!("{} ({})", n.display_path(), n.topic()),
        None => "fallback (no node)".to_owned(),
    };
    let handoff = if reply.handoff { " · handoff" } else { "" };
    let truncated = if reply.truncated { " · truncated" } else { "" };
    s.push_str(&format!("→ {topic} · {}{handoff}{truncated}\n", reply.kind));
    if let Some(seg) = reply.segment_name() {
        s.push_str(&format!("buyer: {seg}\n"));
    }
    if reply.angry {
        s.push_str("buyer: angry\n");
    }
    if let Some(p) = reply.product() {
        s.push_str(&format!("product: {} ({})\n", p.name(), p.id()));
    }
    let hits = reply.hits();
    if hits.is_empty() {
        s.push_str("hits: none\n");
    }
    for h in &hits {
        let start = message[..h.span.start].chars().count();
        let end = start + message[h.span.clone()].chars().count();
        let written = &message[h.span.clone()];
        let as_written = if written == h.keyword {
            String::new()
        } else {
            format!(" as \"{written}\"")
        };
        s.push_str(&format!(
            "hit: {} → {} at chars {start}..{end}{as_written}\n",
            h.keyword, h.topic
        ));
    }
    s.push_str(&reply.explain().to_string());
    s
}

// ───────────────────────────── check ─────────────────────────────

fn check(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let name = args.file.display().to_string();
    let text = read_text(&args.file)?;
    let mut out = io::stdout().lock();
    let engine = match Engine::builder().build_named(&text, Some(&name)) {
        Ok(e) => e,
        Err(e) => {
            print_error(&e, &mut out);
            let n = e.problems().len().max(1);
            writeln!(out, "{name}: {n} error{}", plural(n))?;
            return Ok(ExitCode::FAILURE);
        }
    };
    let (lints, hidden): (Vec<Lint>, Vec<Lint>) = engine
        .lints(args.now.unwrap_or_else(SystemTime::now))
        .into_iter()
        .filter(|l| !args.allow.contains(&l.kind))
        .partition(|l| args.pedantic || !PEDANTIC.contains(&l.kind));
    for l in &lints {
        writeln!(out, "{l}")?;
    }
    let tests = engine.run_tests().outcomes.len();
    let mut by_kind: Vec<(LintKind, usize)> = Vec::new();
    for l in &lints {
        match by_kind.iter_mut().find(|(k, _)| *k == l.kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((l.kind, 1)),
        }
    }
    by_kind.sort();
    let detail: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", detail.join(", "))
    };
    let hidden = if hidden.is_empty() {
        String::new()
    } else {
        format!(
            "; {} {} not listed (--pedantic lists them)",
            hidden.len(),
            hidden[0].kind
        )
    };
    writeln!(
        out,
        "{name}: valid, {} nodes, {} keywords, {tests} test{}; {} warning{}{detail}{hidden}",
        engine.nodes().len(),
        engine.keyword_count(),
        plural(tests),
        lints.len(),
        plural(lints.len()),
    )?;
    Ok(if args.deny_warnings && !lints.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

// ───────────────────────────── test ─────────────────────────────

fn test(args: TestArgs) -> Result<ExitCode, Fatal> {
    let name = args.file.display().to_string();
    let engine = match load(Some(&args.file))? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let report = engine.run_tests();
    let mut out = io::stdout().lock();
    if report.outcomes.is_empty() {
        writeln!(out, "{name}: no tests: cases")?;
        writeln!(out, "0 passed, 0 failed")?;
        return Ok(ExitCode::SUCCESS);
    }
    let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "fallback".to_owned());
    if !args.failures_only {
        let rows: Vec<[String; 5]> = report
            .outcomes
            .iter()
            .map(|o| {
                [
                    o.location.map_or(String::new(), |l| l.line.to_string()),
                    if o.passed { "ok" } else { "FAIL" }.to_owned(),
                    show(&o.expect),
                    show(&o.got),
                    o.says.clone(),
                ]
            })
            .collect();
        let header = ["line", "result", "expected", "got", "message"].map(str::to_owned);
        let mut widths = [0usize; 5];
        for r in std::iter::once(&header).chain(&rows) {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.width());
            }
        }
        for r in std::iter::once(&header).chain(&rows) {
            let cells: Vec<String> = r
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (c, w))| if i == 4 { c.clone() } else { pad(c, w) })
                .collect();
            writeln!(out, "{}", cells.join("  "))?;
        }
    }
    let failures: Vec<_> = report.failures().collect();
    if !failures.is_empty() {
        writeln!(out, "\nfailures:")?;
        for o in &failures {
            let at = o
                .location
                .map_or(String::new(), |l| format!(":{}:{}", l.line, l.column));
            writeln!(out, "{name}{at}: {:?}", o.says)?;
            if !o.after.is_empty() {
                writeln!(out, "    after:    {:?}", o.after)?;
            }
            writeln!(out, "    expected: {}", show(&o.expect))?;
            writeln!(out, "    got:      {}", show(&o.got))?;
            if let Some(h) = o.expect_handoff {
                writeln!(out, "    handoff:  expected {h}, got {}", o.handoff)?;
            }
            let hits = if o.hits.is_empty() {
                "none".to_owned()
            } else {
                o.hits.join(", ")
            };
            writeln!(out, "    hits:     {hits}")?;
        }
    }
    let failed = failures.len();
    writeln!(
        out,
        "\n{} passed, {failed} failed",
        report.outcomes.len() - failed
    )?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Pads to a display width (CJK characters are two columns wide).
fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.width())));
    out
}

// ───────────────────────────── remind ─────────────────────────────

/// Steps a timeline may take before the bot asks for a larger `--every`.
const MAX_TIMELINE_STEPS: u128 = 200_000;

fn remind(args: RemindArgs) -> Result<ExitCode, Fatal> {
    let engine = match load(args.rules.as_deref())? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let order = UnpaidOrder::new(args.order_id, args.amount, args.created, args.closes)
        .with_buyer_name(args.buyer);
    let mut history = ReminderHistory::new();
    for (channel, at) in &args.sent {
        history.record(*channel, *at);
    }
    let now = args.now.unwrap_or_else(SystemTime::now);
    let local = |t: SystemTime| local_time(&engine, t);
    let mut out = io::stdout().lock();
    let buyer = if order.buyer_name.is_empty() {
        String::new()
    } else {
        format!(" · {}", order.buyer_name)
    };
    writeln!(
        out,
        "order {} · ¥{}{buyer} · created {} · closes {} (shop time)",
        order.id,
        order.amount,
        local(order.created),
        local(order.closes_at)
    )?;
    for s in history.iter() {
        writeln!(
            out,
            "sent {} ({}) at {}",
            s.channel,
            s.channel.label(),
            local(s.at)
        )?;
    }
    match engine.plan_reminder(&order, &history, now) {
        ReminderPlan::Remind {
            channel,
            text,
            variant,
        } => {
            writeln!(
                out,
                "at {}: remind by {channel} ({}), variant {variant}:\n  {text}",
                local(now),
                channel.label()
            )?;
        }
        ReminderPlan::Wait {
            until,
            channel,
            reason,
        } => writeln!(
            out,
            "at {}: wait until {} for {channel} ({}): {reason}",
            local(now),
            local(until),
            channel.label()
        )?,
        ReminderPlan::Done { reason } => writeln!(out, "at {}: done: {reason}", local(now))?,
        _ => writeln!(out, "at {}: (unknown plan)", local(now))?,
    }
    if args.timeline {
        timeline(&engine, &order, args.every, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Plays the order from creation to close as a host asking every `every` would.
fn timeline(
    engine: &Engine,
    order: &UnpaidOrder,
    every: Duration,
    out: &mut dyn Write,
) -> Result<(), Fatal> {
    let span = order
        .closes_at
        .duration_since(order.created)
        .unwrap_or_default();
    let steps = span.as_nanos() / every.as_nanos().max(1);
    if steps > MAX_TIMELINE_STEPS {
        return Err(Fatal::Msg(format!(
            "the timeline would ask the planner {steps} times; use a larger --every"
        )));
    }
    let minutes = every.as_secs() / 60;
    let every_text = if minutes > 0 && every.as_secs().is_multiple_of(60) {
        format!("{minutes} min")
    } else {
        format!("{} s", every.as_secs())
    };
    writeln!(
        out,
        "\ntimeline (asking every {every_text}, from creation to close, nothing sent before):"
    )?;
    let mut history = ReminderHistory::new();
    let mut t = order.created;
    let end = loop {
        match engine.plan_reminder(order, &history, t) {
            ReminderPlan::Remind { channel, text, .. } => {
                writeln!(
                    out,
                    "  {}  {:<5} {}  {text}",
                    local_time(engine, t),
                    channel.key(),
                    channel.label()
                )?;
                history.record(channel, t);
                continue;
            }
            ReminderPlan::Done { reason } => break reason.to_string(),
            _ => {}
        }
        match t.checked_add(every) {
            Some(next) if next <= order.closes_at => t = next,
            _ => break "order_closed".to_owned(),
        }
    };
    let sent = history.iter().count();
    writeln!(out, "  {sent} reminder{} sent; then {end}", plural(sent))?;
    Ok(())
}

/// `2026-11-25 10:15` in the shop's time zone.
fn local_time(engine: &Engine, t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .ok()
        .and_then(|ts| {
            jiff::fmt::strtime::format("%Y-%m-%d %H:%M", &ts.to_zoned(engine.time_zone().clone()))
                .ok()
        })
        .unwrap_or_else(|| format!("{t:?}"))
}

// ───────────────────────────── replay ─────────────────────────────

fn replay(args: ReplayArgs) -> Result<ExitCode, Fatal> {
    let engine = match load(args.rules.as_deref())? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let log_name = args.log.display().to_string();
    let bytes = read_bytes(&args.log)?;
    let total_lines =
        bytes.iter().filter(|&&b| b == b'\n').count() + usize::from(!bytes.ends_with(b"\n"));
    let bar = if total_lines > PROGRESS_MIN_LINES && io::stderr().is_terminal() {
        let b =
            ProgressBar::with_draw_target(Some(total_lines as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} lines, {eta} left")
        {
            b.set_style(style);
        }
        b
    } else {
        ProgressBar::hidden()
    };

    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut stats = Stats::default();
    let mut session = Session::new("log-1");
    let mut in_session = false;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if number % 256 == 0 {
            bar.set_position(number as u64);
        }
        let Ok(text) = std::str::from_utf8(trim_eol(raw)) else {
            bar.suspend(|| eprintln!("{log_name}:{number}: not valid UTF-8; skipped"));
            stats.invalid += 1;
            continue;
        };
        let message = text.trim();
        if message.is_empty() {
            in_session = false;
            continue;
        }
        if !args.sessions || !in_session {
            session = Session::new(format!("log-{number}"));
            stats.sessions += 1;
            in_session = true;
        }
        let started = Instant::now();
        let reply = engine.reply(&mut session, message);
        let took = started.elapsed();
        if args.json {
            let line = json_line(number, session.id(), message, &reply);
            writeln!(out, "{line}")?;
        }
        stats.record(message, &reply, took);
    }
    bar.finish_and_clear();
    if stats.messages == 0 {
        let why = if stats.invalid > 0 {
            "every line is invalid UTF-8"
        } else {
            "the log is empty"
        };
        return Err(Fatal::Msg(format!(
            "{log_name}: no messages to replay ({why})"
        )));
    }
    if !args.json {
        let rules = args
            .rules
            .as_deref()
            .map_or(BUNDLED_NAME.to_owned(), |p| p.display().to_string());
        stats.report(&mut out, &engine, &log_name, &rules, args.sessions)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct JsonHit<'a> {
    keyword: &'a str,
    topic: &'a str,
    kind: kefu::HitKind,
    start: usize,
    end: usize,
    text: &'a str,
}

#[derive(serde::Serialize)]
struct JsonLine<'a> {
    line: usize,
    session: &'a str,
    message: &'a str,
    topic: Option<&'a str>,
    path: Option<String>,
    kind: kefu::ReplyKind,
    reply: &'a str,
    handoff: bool,
    truncated: bool,
    hits: Vec<JsonHit<'a>>,
}

fn json_line(number: usize, session: &str, message: &str, reply: &Reply<'_>) -> String {
    let line = JsonLine {
        line: number,
        session,
        message,
        topic: reply.topic(),
        path: reply.node().map(|n| n.display_path()),
        kind: reply.kind,
        reply: &reply.text,
        handoff: reply.handoff,
        truncated: reply.truncated,
        hits: reply
            .hits()
            .iter()
            .map(|h| JsonHit {
                keyword: h.keyword,
                topic: h.topic,
                kind: h.kind,
                start: h.span.start,
                end: h.span.end,
                text: message.get(h.span.clone()).unwrap_or(""),
            })
            .collect(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

#[derive(Default)]
struct Stats {
    messages: usize,
    sessions: usize,
    invalid: usize,
    answered: usize,
    handoff: usize,
    nanos: Vec<u64>,
    per_topic: HashMap<String, usize>,
    /// Messages in which a topic had a hit (whether it won or not).
    hit_in: HashMap<String, usize>,
    unanswered: Vec<String>,
    answered_messages: Vec<String>,
}

impl Stats {
    fn record(&mut self, message: &str, reply: &Reply<'_>, took: Duration) {
        self.messages += 1;
        self.nanos
            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
        if reply.handoff {
            self.handoff += 1;
        }
        let mut hit: Vec<&str> = reply.hits().iter().map(|h| h.topic).collect();
        hit.sort_unstable();
        hit.dedup();
        for t in hit {
            *self.hit_in.entry(t.to_owned()).or_default() += 1;
        }
        match reply.topic() {
            Some(t) => {
                self.answered += 1;
                *self.per_topic.entry(t.to_owned()).or_default() += 1;
                self.answered_messages.push(message.to_owned());
            }
            None => self.unanswered.push(message.to_owned()),
        }
    }

    fn report(
        &mut self,
        out: &mut dyn Write,
        engine: &Engine,
        log: &str,
        rules: &str,
        grouped: bool,
    ) -> io::Result<()> {
        let n = self.messages;
        let share = |k: usize| 100.0 * k as f64 / n as f64;
        let conversations = if grouped {
            format!(" in {} conversations", thousands(self.sessions))
        } else {
            String::new()
        };
        writeln!(
            out,
            "replay of {log}: {} messages{conversations}, rules {rules} ({})",
            thousands(n),
            engine.shop_name()
        )?;
        if self.invalid > 0 {
            writeln!(
                out,
                "  ({} line{} not UTF-8, skipped)",
                self.invalid,
                plural(self.invalid)
            )?;
        }
        let fallback = n - self.answered;
        writeln!(
            out,
            "\nanswered    {:>9}  {:5.1}%   a node chose the reply",
            thousands(self.answered),
            share(self.answered)
        )?;
        writeln!(
            out,
            "fallback    {:>9}  {:5.1}%   nothing matched",
            thousands(fallback),
            share(fallback)
        )?;
        writeln!(
            out,
            "handed off  {:>9}  {:5.1}%   a handoff node, or fallbacks in a row",
            thousands(self.handoff),
            share(self.handoff)
        )?;

        self.nanos.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.nanos.len() - 1) as f64 * p).round() as usize;
            micros(self.nanos[i])
        };
        writeln!(
            out,
            "latency of Engine::reply: median {}, p99 {}, max {} ({} build)",
            pct(0.5),
            pct(0.99),
            micros(self.nanos[self.nanos.len() - 1]),
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        )?;

        // Answers per topic, as bars; "hit in" counts the messages where the topic
        // had a hit, won or not, so a topic that is hit but rarely chosen stands out.
        let hit_in = |t: &str| self.hit_in.get(t).copied().unwrap_or(0);
        let mut topics: Vec<(&str, String, usize)> = engine
            .nodes()
            .map(|node| {
                let count = self.per_topic.get(node.topic()).copied().unwrap_or(0);
                (node.topic(), node.display_path(), count)
            })
            .collect();
        topics.sort_by_key(|t| std::cmp::Reverse(t.2));
        let used: Vec<&(&str, String, usize)> = topics.iter().filter(|t| t.2 > 0).collect();
        let unused: Vec<String> = topics
            .iter()
            .filter(|t| t.2 == 0)
            .map(|t| match hit_in(t.0) {
                0 => t.0.to_owned(),
                n => format!("{} (hit in {n})", t.0),
            })
            .collect();
        writeln!(
            out,
            "\nanswers per topic (and messages in which the topic was hit)"
        )?;
        let label_w = used
            .iter()
            .map(|t| format!("{} ({})", t.1, t.0).width())
            .max()
            .unwrap_or(0);
        let max = used.first().map_or(1, |t| t.2).max(1);
        for (topic, path, count) in &used {
            let len = (count * 30).div_ceil(max);
            writeln!(
                out,
                "  {}  {:>7}  {:5.1}%  {:>7}  {}",
                pad(&format!("{path} ({topic})"), label_w),
                thousands(*count),
                share(*count),
                format!("({})", thousands(hit_in(topic))),
                "█".repeat(len)
            )?;
        }
        if !unused.is_empty() {
            writeln!(
                out,
                "  never chosen ({}): {}",
                unused.len(),
                unused.join(", ")
            )?;
        }

        writeln!(
            out,
            "\ntop fragments of the {} unanswered messages (2–4 characters, messages containing each; \
             only fragments at least twice as common there as in answered messages)",
            thousands(self.unanswered.len())
        )?;
        let top = fragments(&self.unanswered, &self.answered_messages, TOP_FRAGMENTS);
        if top.is_empty() {
            writeln!(out, "  none")?;
        }
        let frag_w = top.iter().map(|f| f.text.width()).max().unwrap_or(0);
        for (i, f) in top.iter().enumerate() {
            writeln!(
                out,
                "  {:>2}. {}  {:>6}  e.g. {}",
                i + 1,
                pad(&f.text, frag_w),
                thousands(f.count),
                shorten(&self.unanswered[f.example], 40)
            )?;
        }
        Ok(())
    }
}

fn micros(nanos: u64) -> String {
    format!("{:.1} µs", nanos as f64 / 1000.0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// At most `max` chars, with an ellipsis when cut; control characters shown as spaces.
fn shorten(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        format!("\"{clean}\"")
    } else {
        let cut: String = clean.chars().take(max).collect();
        format!("\"{cut}…\"")
    }
}

/// A frequent fragment of unanswered messages.
struct Fragment {
    text: String,
    /// Unanswered messages containing it.
    count: usize,
    /// Index (into the unanswered messages) of the example shown.
    example: usize,
}

/// The distinct fragments of one message, into `out`.
///
/// The message is cut into runs at punctuation, symbols and emoji (not at spaces);
/// text in square brackets (`[图片]`, `【订单编号】`, placeholders of chat exports)
/// is skipped. Each run is normalized like a keyword; a fragment is a substring of a
/// run of 2 to 4 characters that is not all digits (order numbers, prices).
fn fragments_of(message: &str, out: &mut HashSet<String>) {
    out.clear();
    let mut runs: Vec<Vec<char>> = vec![Vec::new()];
    let mut depth = 0u32;
    for c in message.chars() {
        match c {
            '[' | '【' => depth += 1,
            ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => continue,
            _ => {
                if let Some(n) = kefu::normalize::normalize_char(c) {
                    if let Some(r) = runs.last_mut() {
                        r.push(n);
                    }
                    continue;
                }
            }
        }
        runs.push(Vec::new());
    }
    for r in &runs {
        for len in 2..=4 {
            for w in r.windows(len) {
                if !w.iter().all(char::is_ascii_digit) {
                    out.insert(w.iter().collect());
                }
            }
        }
    }
}

/// The `top` most frequent fragments (see [`fragments_of`]) of the unanswered
/// messages that are characteristic of them, each counted once per message.
///
/// Characteristic: the share of unanswered messages containing the fragment is at
/// least twice its share among answered messages. This drops the words every
/// message uses (这个, 可以, 怎么) and words the rules already answer, and keeps
/// what the rules miss. A fragment is also dropped when a longer fragment containing
/// it has the same count: it only ever occurs inside that one, which says more.
/// Fragments in fewer than 2 messages are not shown. Ties: longer first, then by
/// text. The example is the message containing the fragment whose length is
/// closest to 16 characters (the first such), a readable question.
fn fragments(unanswered: &[String], answered: &[String], top: usize) -> Vec<Fragment> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut set = HashSet::new();
    let readable = |m: &str| m.chars().count().abs_diff(16);
    for (mi, m) in unanswered.iter().enumerate() {
        fragments_of(m, &mut set);
        for g in set.drain() {
            let e = counts.entry(g).or_insert((0, mi));
            e.0 += 1;
            if readable(m) < readable(&unanswered[e.1]) {
                e.1 = mi;
            }
        }
    }
    let mut in_answered: HashMap<&str, usize> = HashMap::new();
    for m in answered {
        fragments_of(m, &mut set);
        for g in set.drain() {
            if let Some((k, _)) = counts.get_key_value(&g) {
                *in_answered.entry(k.as_str()).or_default() += 1;
            }
        }
    }
    let (nu, na) = (unanswered.len(), answered.len());
    let mut all: Vec<(&str, usize, usize)> = counts
        .iter()
        .filter(|(_, &(c, _))| c >= 2)
        .map(|(g, &(c, ex))| (g.as_str(), c, ex))
        .collect();
    all.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(b.0))
    });
    // Fragments by (count, length), to find a longer one with the same count.
    let mut by_count: HashMap<(usize, usize), Vec<&str>> = HashMap::new();
    for &(g, c, _) in &all {
        by_count.entry((c, g.chars().count())).or_default().push(g);
    }
    let mut out = Vec::new();
    for &(g, c, ex) in &all {
        if out.len() == top {
            break;
        }
        // c/nu >= 2 * a/na, in integers.
        let a = in_answered.get(g).copied().unwrap_or(0);
        if c * na < 2 * a * nu {
            continue;
        }
        let len = g.chars().count();
        let subsumed = by_count
            .get(&(c, len + 1))
            .is_some_and(|longer| longer.iter().any(|l| l.contains(g)));
        if !subsumed {
            out.push(Fragment {
                text: g.to_owned(),
                count: c,
                example: ex,
            });
        }
    }
    out
}

// ───────────────────────────── mine ─────────────────────────────

#[derive(Args)]
struct MineArgs {
    /// Conversations: JSON Lines ({"id", "turns": [{"role", "text"}]}) or 买家:/客服: text
    log: PathBuf,
    /// Rule file to grow (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Write the rules plus the proposals here
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the report as an HTML page here
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Rejected proposals: lines 'keyword TEXT' or 'reply TEXT'
    #[arg(long, value_name = "FILE")]
    ignore: Option<PathBuf>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    /// Log format: auto, jsonl, text
    #[arg(long, default_value = "auto")]
    format: kefu::mine::Format,
    /// Fail on the first bad line instead of skipping it
    #[arg(long)]
    strict: bool,
    /// Least unanswered turns a keyword must answer
    #[arg(long, value_name = "N", default_value_t = 3)]
    min_support: usize,
    /// Least estimated precision (0–1)
    #[arg(long, value_name = "P", default_value_t = 0.6)]
    min_precision: f64,
    /// Most proposals
    #[arg(long, value_name = "N", default_value_t = 30)]
    max_proposals: usize,
    /// Another buyer role or line prefix (repeatable)
    #[arg(long, value_name = "NAME")]
    buyer_prefix: Vec<String>,
    /// Another agent role or line prefix (repeatable)
    #[arg(long, value_name = "NAME")]
    agent_prefix: Vec<String>,
}

fn mine_cmd(args: MineArgs) -> Result<ExitCode, Fatal> {
    use kefu::mine::{self, Ignore, LogSource, MineError, Options};
    let (rules, name) = match &args.rules {
        Some(p) => (read_text(p)?, p.display().to_string()),
        None => (BUNDLED.to_owned(), BUNDLED_NAME.to_owned()),
    };
    let mut options = Options::default();
    options.format = args.format;
    options.strict = args.strict;
    options.min_support = args.min_support;
    options.min_precision = args.min_precision;
    options.max_proposals = args.max_proposals;
    options.speakers.buyer.extend(args.buyer_prefix);
    options.speakers.agent.extend(args.agent_prefix);
    if let Some(p) = &args.ignore {
        options.ignore = Ignore::from_path(p).map_err(|e| Fatal::Msg(e.to_string()))?;
    }
    let size = std::fs::metadata(&args.log).map_or(0, |m| m.len());
    let bar = if size > (1 << 20) && io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes}") {
            b.set_style(style);
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let log = LogSource::path(&args.log);
    let result = mine::mine(&rules, &name, &log, &options, &mut |p| {
        bar.set_message(format!("pass {} ({})", p.pass, p.stage));
        bar.set_position(p.done);
    });
    bar.finish_and_clear();
    let mined = match result {
        Ok(m) => m,
        Err(MineError::Rules(e)) => {
            print_error(&e, &mut io::stderr().lock());
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(Fatal::Msg(e.to_string())),
    };
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text)
            .map_err(|e| Fatal::Msg(format!("cannot write {}: {e}", path.display())))
    };
    if let Some(p) = &args.out {
        write(p, mined.rule_file())?;
    }
    if let Some(p) = &args.html {
        write(p, &mined.report_html())?;
    }
    let mut out = io::stdout().lock();
    if args.json {
        writeln!(out, "{}", mined.report_json())?;
    } else {
        write!(out, "{}", mined.report_text())?;
    }
    Ok(ExitCode::SUCCESS)
}
