//! `bot replay`: answer every line of a chat log, as a report or as JSON lines.

use crate::cli::ReplayArgs;
use crate::report::Stats;
use crate::{load, read_bytes, rules_name, trim_eol, Fatal};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kefu::{Reply, Session};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

/// Logs with more lines than this get a progress bar (on a terminal).
pub(crate) const PROGRESS_MIN_LINES: usize = 5_000;

pub(crate) fn replay(args: ReplayArgs) -> Result<ExitCode, Fatal> {
    let (rules, log) = args.files.files("replay")?;
    let engine = match load(rules)? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let log_name = log.display().to_string();
    let bytes = read_bytes(log)?;
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
        let rules = rules_name(rules);
        stats.report(&mut out, &engine, &log_name, &rules, args.sessions)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
pub(crate) struct JsonHit<'a> {
    keyword: &'a str,
    topic: &'a str,
    kind: kefu::HitKind,
    start: usize,
    end: usize,
    text: &'a str,
}

#[derive(serde::Serialize)]
pub(crate) struct JsonLine<'a> {
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

pub(crate) fn json_line(number: usize, session: &str, message: &str, reply: &Reply<'_>) -> String {
    let line = JsonLine {
        line: number,
        session,
        message,
        topic: reply.topic(),
        path: reply.node().map(|n| n.display_path()),
        kind: reply.kind(),
        reply: reply.text(),
        handoff: reply.handoff(),
        truncated: reply.truncated(),
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
