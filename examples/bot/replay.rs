//! `bot replay`: answer every line of a chat log, or of a labelled file, as a report
//! (text, JSON, HTML) or as JSON lines.

use crate::cli::ReplayArgs;
use crate::labels::{self, Judged, LabelReport};
use crate::report::{Outcome, Report, Stats};
use crate::{confidence, html, load, read_bytes, read_text, rules_name, trim_eol, Fatal};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kefu::{Engine, Reply, Session};
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Logs with more lines than this get a progress bar (on a terminal).
pub(crate) const PROGRESS_MIN_LINES: usize = 5_000;

/// Answers messages one by one, keeping the conversation and the statistics.
struct Run<'e, 'o> {
    engine: &'e Engine,
    session: Session,
    stats: Stats,
    /// Per-line JSON goes here when `Some`.
    json: Option<&'o mut dyn Write>,
}

impl<'e> Run<'e, '_> {
    /// Answers line `number` of the input; `new` starts a conversation.
    fn answer(
        &mut self,
        number: usize,
        message: &str,
        new: bool,
    ) -> Result<(Reply<'e>, Outcome), Fatal> {
        if new {
            self.session = Session::new(format!("log-{number}"));
            self.stats.sessions += 1;
        }
        let started = Instant::now();
        let reply = self.engine.reply(&mut self.session, message);
        let took = started.elapsed();
        if let Some(out) = self.json.as_mut() {
            let line = json_line(number, self.session.id(), message, &reply);
            writeln!(out, "{line}")?;
        }
        let outcome = self.stats.record(message, &reply, took);
        Ok((reply, outcome))
    }
}

pub(crate) fn replay(args: ReplayArgs) -> Result<ExitCode, Fatal> {
    let (rules, input) = match &args.labels {
        Some(labels) => (args.files.rules_only("replay")?, labels.as_path()),
        None => args.files.files("replay")?,
    };
    let engine = match load(rules)? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let input_name = input.display().to_string();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let per_line = args.json && args.labels.is_none();
    let mut run = Run {
        engine: &engine,
        session: Session::new("log-1"),
        stats: Stats::default(),
        json: per_line.then_some(&mut out as &mut dyn Write),
    };
    let labels = if args.labels.is_some() {
        Some(replay_labels(&mut run, input, &input_name, args.sessions)?)
    } else {
        replay_log(&mut run, input, &input_name, args.sessions)?;
        None
    };
    let mut stats = run.stats;
    let report = Report {
        report: "kefu replay",
        version: 1,
        input: input_name.clone(),
        rules: rules_name(rules),
        shop: engine.shop_name().to_owned(),
        sessions: args.sessions,
        coverage: stats.coverage(&engine),
        labels,
    };
    if let Some(path) = &args.html {
        std::fs::write(path, html::page(&report))
            .map_err(|e| Fatal::Msg(format!("cannot write {}: {e}", path.display())))?;
    }
    if args.json && report.labels.is_some() {
        writeln!(out, "{}", report.json())?;
    } else if !args.json {
        crate::report::write_text(&mut out, &report)?;
    }
    out.flush()?;
    Ok(thresholds(&args, &input_name, report.labels.as_ref()))
}

/// Exit 1, after saying why on stderr, when `--min-precision` or `--min-recall` is
/// not met (an undefined figure, with nothing to measure, is not met).
fn thresholds(args: &ReplayArgs, input: &str, labels: Option<&LabelReport>) -> ExitCode {
    let Some(l) = labels else {
        return ExitCode::SUCCESS;
    };
    let mut met = true;
    for (name, flag, min, ratio) in [
        (
            "precision of answered",
            "--min-precision",
            args.min_precision,
            l.precision,
        ),
        (
            "recall of in-scope",
            "--min-recall",
            args.min_recall,
            l.recall,
        ),
    ] {
        let Some(min) = min else { continue };
        if ratio.value.is_none_or(|v| v < min) {
            eprintln!(
                "{input}: {name} {} ({} of {}) is below {flag} {min}",
                ratio.pct(),
                ratio.right,
                ratio.of
            );
            met = false;
        }
    }
    if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Replays a labelled file and judges every reply against its label.
fn replay_labels(
    run: &mut Run<'_, '_>,
    path: &Path,
    name: &str,
    sessions: bool,
) -> Result<LabelReport, Fatal> {
    let engine = run.engine;
    let text = read_text(path)?;
    let set = labels::parse(name, &text, sessions, &|t| engine.node(t).is_some())?;
    let mut judged = Vec::with_capacity(set.items.len());
    for (i, item) in set.items.iter().enumerate() {
        let (reply, outcome) = run.answer(item.line, &item.message, item.new_conversation)?;
        let topic = reply.topic();
        let (outcome, right) = labels::judge(&item.label, topic, outcome);
        judged.push(Judged {
            item: i,
            topic: topic.map(str::to_owned),
            outcome,
            right,
            confidence: confidence::confidence(&reply),
            suggestions: confidence::suggestions(&reply),
        });
    }
    let path_of = |t: &str| {
        engine
            .node(t)
            .map_or_else(String::new, |n| n.display_path())
    };
    Ok(labels::score(name, &set, &judged, &path_of))
}

/// Replays a log, one message a line (`sessions`: a blank line ends a conversation).
fn replay_log(
    run: &mut Run<'_, '_>,
    log: &Path,
    log_name: &str,
    sessions: bool,
) -> Result<(), Fatal> {
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
    let mut in_session = false;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if number % 256 == 0 {
            bar.set_position(number as u64);
        }
        let Ok(text) = std::str::from_utf8(trim_eol(raw)) else {
            bar.suspend(|| eprintln!("{log_name}:{number}: not valid UTF-8; skipped"));
            run.stats.invalid += 1;
            continue;
        };
        let message = text.trim();
        if message.is_empty() {
            in_session = false;
            continue;
        }
        run.answer(number, message, !sessions || !in_session)?;
        in_session = true;
    }
    bar.finish_and_clear();
    if run.stats.messages == 0 {
        let why = if run.stats.invalid > 0 {
            "every line is invalid UTF-8"
        } else {
            "the log is empty"
        };
        return Err(Fatal::Msg(format!(
            "{log_name}: no messages to replay ({why})"
        )));
    }
    Ok(())
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
    confidence: kefu::Confidence,
    held_back: bool,
    suggestions: Vec<kefu::Suggestion<'a>>,
    handoff: bool,
    truncated: bool,
    hits: Vec<JsonHit<'a>>,
}

pub(crate) fn json_line<'a>(
    number: usize,
    session: &'a str,
    message: &'a str,
    reply: &'a Reply<'_>,
) -> String {
    let line = JsonLine {
        line: number,
        session,
        message,
        topic: reply.topic(),
        path: reply.node().map(|n| n.display_path()),
        kind: reply.kind(),
        reply: reply.text(),
        confidence: reply.confidence(),
        held_back: reply.held_back(),
        suggestions: reply.suggestions(),
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
