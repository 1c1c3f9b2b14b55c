//! The command line: subcommands, their options and the parsers of option values.
//!
//! One convention for the rule file: every subcommand that reads rules takes it as
//! `FILE` or as `--rules FILE` (either, not both). `replay` also takes the chat log,
//! first when alone (`replay LOG`), second after the rule file (`replay FILE LOG`),
//! or as `--log LOG`; the forms that could mean two things are refused with the
//! command to write instead.

use crate::Fatal;
use clap::{Args, Parser, Subcommand};
use kefu::{Amount, Channel, LintKind};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Parser)]
#[command(
    name = "bot",
    about = "Chat with kefu rules, check them, run their tests, replay a chat log, plan payment reminders",
    args_conflicts_with_subcommands = true,
    after_help = "\
Every subcommand that reads rules takes the rule file as FILE or as --rules FILE \
(not both); without one, chat, replay and remind use the bundled rules/apparel.yaml. \
replay takes the chat log as LOG, after the rule file (replay FILE LOG) or as --log LOG:
  bot chat my.yaml               bot chat --rules my.yaml
  bot check my.yaml              bot check --rules my.yaml
  bot replay chat.log            bot replay chat.log --rules my.yaml
  bot replay my.yaml chat.log    bot replay --rules my.yaml --log chat.log
  bot replay --labels labelled.tsv [--rules my.yaml] [--min-precision 0.9] [--min-recall 0.7]
Exit codes: 0 done; 1 invalid rules, a failed test, a denied warning or a labelled replay below \
its thresholds; 2 the bot could not run."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) chat: ChatArgs,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Chat on the terminal (the default); reads one message per line from a pipe.
    /// Rules: FILE, --rules FILE, or the bundled rules/apparel.yaml
    Chat(ChatArgs),
    /// Validate and lint a rule file (FILE or --rules FILE)
    Check(CheckArgs),
    /// Run a rule file's tests: cases (FILE or --rules FILE)
    Test(TestArgs),
    /// Answer every line of a chat log and report coverage: LOG [--rules FILE], or
    /// FILE LOG; or measure the rules on labelled messages: --labels FILE [--rules FILE]
    Replay(ReplayArgs),
    /// Show the payment reminder plan (催付) for an unpaid order.
    /// Rules: FILE, --rules FILE, or the bundled rules/apparel.yaml
    Remind(RemindArgs),
    /// Propose quick phrases from a log of buyer–agent conversations: LOG [--rules
    /// FILE], or FILE LOG
    Mine(crate::mine::MineArgs),
}

/// A subcommand's rule file: `FILE` or `--rules FILE`, never both.
#[derive(Args, Default)]
pub(crate) struct RuleFile {
    /// Rule file (the same as --rules FILE)
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Rule file (the same as FILE)
    #[arg(long = "rules", value_name = "FILE")]
    rules: Option<PathBuf>,
}

impl RuleFile {
    /// The rule file given, if any (`None`: the bundled rules); an error when it is
    /// given both ways.
    pub(crate) fn given(&self, sub: &str) -> Result<Option<&Path>, Fatal> {
        let forms = format!("bot {sub} FILE, or bot {sub} --rules FILE");
        one_rule_file(&forms, self.file.as_deref(), self.rules.as_deref())
    }

    /// The rule file, for a subcommand that cannot do without one.
    pub(crate) fn required(&self, sub: &str) -> Result<&Path, Fatal> {
        self.given(sub)?.ok_or_else(|| {
            Fatal::Msg(format!(
                "bot {sub} needs a rule file: bot {sub} FILE, or bot {sub} --rules FILE"
            ))
        })
    }
}

/// The rule file given positionally or as `--rules`: at most one of them. `forms`
/// says how to give it once.
fn one_rule_file<'a>(
    forms: &str,
    positional: Option<&'a Path>,
    option: Option<&'a Path>,
) -> Result<Option<&'a Path>, Fatal> {
    match (positional, option) {
        (Some(a), Some(b)) => Err(Fatal::Msg(format!(
            "the rule file is given twice ({} and --rules {}); give it once: {forms}",
            a.display(),
            b.display()
        ))),
        (a, b) => Ok(a.or(b)),
    }
}

/// Whether `path` is named like a rule file (`.yaml`, `.yml`).
fn looks_like_rules(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

#[derive(Args, Default)]
pub(crate) struct ChatArgs {
    #[command(flatten)]
    pub(crate) rules: RuleFile,
    /// Print under each reply the topic path, kind, hits and scores
    #[arg(long)]
    pub(crate) explain: bool,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) rules: RuleFile,
    /// Exit 1 when there is any warning
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    /// Do not report this kind of warning (repeatable), e.g. duplicate_keyword
    #[arg(long, value_name = "KIND")]
    pub(crate) allow: Vec<LintKind>,
    /// Also list contained_keyword warnings (counted in the summary otherwise)
    #[arg(long)]
    pub(crate) pedantic: bool,
    /// The time that decides expired promotions (RFC 3339; default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<SystemTime>,
}

#[derive(Args)]
pub(crate) struct TestArgs {
    #[command(flatten)]
    pub(crate) rules: RuleFile,
    /// Print only the failures and the summary, not the table of every case
    #[arg(long)]
    pub(crate) failures_only: bool,
}

/// A log and a rule file, for `replay` and `mine`: `LOG [--rules FILE]`, `FILE LOG`,
/// or `--log LOG`.
#[derive(Args)]
pub(crate) struct LogFiles {
    /// The log; or, when LOG follows, the rule file
    #[arg(value_name = "LOG|FILE")]
    first: Option<PathBuf>,
    /// The log, after the rule file
    #[arg(value_name = "LOG")]
    second: Option<PathBuf>,
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// The log (the same as LOG)
    #[arg(long = "log", value_name = "LOG")]
    log: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct ReplayArgs {
    #[command(flatten)]
    pub(crate) files: LogFiles,
    /// Print one JSON object per message instead of the report
    #[arg(long)]
    pub(crate) json: bool,
    /// Consecutive lines are one conversation, a blank line ends it
    #[arg(long)]
    pub(crate) sessions: bool,
    /// Replay labelled messages instead of a log (label<TAB>message lines) and report
    /// precision, recall, per-topic figures and confusions; --json prints them as one
    /// object
    #[arg(long, value_name = "FILE")]
    pub(crate) labels: Option<PathBuf>,
    /// Also write the report as a self-contained HTML page
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// With --labels: exit 1 when the precision of answered is below P (0 to 1)
    #[arg(long, value_name = "P", requires = "labels", value_parser = parse_share)]
    pub(crate) min_precision: Option<f64>,
    /// With --labels: exit 1 when the recall of in-scope lines is below R (0 to 1)
    #[arg(long, value_name = "R", requires = "labels", value_parser = parse_share)]
    pub(crate) min_recall: Option<f64>,
}

#[derive(Args)]
pub(crate) struct RemindArgs {
    /// The order number
    #[arg(long, value_name = "ID")]
    pub(crate) order_id: String,
    /// What the buyer owes, in yuan (399, 399.00)
    #[arg(long, value_name = "YUAN")]
    pub(crate) amount: Amount,
    /// When the order was placed (RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) created: SystemTime,
    /// When the order closes if unpaid (RFC 3339)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) closes: SystemTime,
    /// The buyer's name, {buyer} in texts
    #[arg(long, value_name = "NAME", default_value = "")]
    pub(crate) buyer: String,
    /// The time to plan at (RFC 3339; default: now)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<SystemTime>,
    /// A reminder already sent, as CHANNEL@TIME (im, sms, phone); repeatable
    #[arg(long, value_name = "CHANNEL@TIME", value_parser = parse_sent)]
    pub(crate) sent: Vec<(Channel, SystemTime)>,
    #[command(flatten)]
    pub(crate) rules: RuleFile,
    /// Also play the order from creation to close, asking the planner every --every
    #[arg(long)]
    pub(crate) timeline: bool,
    /// How often the timeline asks the planner (e.g. 1m, 5m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_every)]
    pub(crate) every: Duration,
}

impl LogFiles {
    /// The rule file (`None`: the bundled rules) and the log, for `bot SUB`. Refused: a
    /// file given twice, no log, a lone `.yaml` file (the rule file without a log, or
    /// a log named like rules), and `LOG FILE` (the rule file comes first).
    pub(crate) fn files(&self, sub: &str) -> Result<(Option<&Path>, &Path), Fatal> {
        let msg = |m: String| Err(Fatal::Msg(m));
        let named_rules = self.rules.as_deref();
        let positional: Vec<&Path> = [&self.first, &self.second]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        let (rules, log) = match (positional.as_slice(), self.log.as_deref()) {
            ([], None) => {
                return msg(format!(
                    "bot {sub} needs a log: bot {sub} LOG [--rules FILE], \
                     or bot {sub} FILE LOG"
                ))
            }
            ([], Some(log)) => (None, log),
            ([file], Some(log)) => (Some(*file), log),
            ([a], None) if named_rules.is_none() && looks_like_rules(a) => {
                let a = a.display();
                return msg(format!(
                    "{a} looks like a rule file, and bot {sub} needs a log too: \
                     bot {sub} {a} LOG, or bot {sub} LOG --rules {a}; \
                     if {a} is the log, say --log {a}"
                ));
            }
            ([log], None) => (None, *log),
            ([a, b], None) if !looks_like_rules(a) && looks_like_rules(b) => {
                let (a, b) = (a.display(), b.display());
                return msg(format!(
                    "the rule file comes first: bot {sub} {b} {a}, \
                     or bot {sub} {a} --rules {b}"
                ));
            }
            ([file, log], None) => (Some(*file), *log),
            ([_, second], Some(log)) => {
                return msg(format!(
                    "the log is given twice ({} and --log {}); give it once: \
                     bot {sub} FILE LOG, or bot {sub} FILE --log LOG",
                    second.display(),
                    log.display()
                ))
            }
            // clap takes at most two positional files.
            _ => return msg(format!("too many files: bot {sub} [FILE] LOG")),
        };
        let forms = format!("bot {sub} FILE LOG, or bot {sub} LOG --rules FILE");
        Ok((one_rule_file(&forms, rules, named_rules)?, log))
    }

    /// The rule file alone, for `bot SUB --labels FILE` (the labelled file replaces the
    /// log): `FILE` or `--rules FILE`; a log is refused.
    pub(crate) fn rules_only(&self, sub: &str) -> Result<Option<&Path>, Fatal> {
        let positional: Vec<&Path> = [&self.first, &self.second]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        let log = match (positional.as_slice(), self.log.as_deref()) {
            (_, Some(log)) => Some(log),
            ([], None) => None,
            ([file], None) if looks_like_rules(file) => None,
            ([file], None) => Some(*file),
            ([_, log, ..], None) => Some(*log),
        };
        if let Some(log) = log {
            return Err(Fatal::Msg(format!(
                "--labels replaces the log, and {} is given as one: bot {sub} --labels FILE \
                 [--rules RULES], or bot {sub} RULES --labels FILE",
                log.display()
            )));
        }
        let forms =
            format!("bot {sub} RULES --labels FILE, or bot {sub} --labels FILE --rules RULES");
        one_rule_file(&forms, positional.first().copied(), self.rules.as_deref())
    }
}

/// A share from 0 to 1 (`0.9`).
pub(crate) fn parse_share(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("'{s}' is not a share from 0 to 1, e.g. 0.9"))
}

pub(crate) fn parse_time(s: &str) -> Result<SystemTime, String> {
    s.parse::<jiff::Timestamp>()
        .map(SystemTime::from)
        .map_err(|e| format!("{e}; write e.g. 2026-11-12T00:00:00+08:00"))
}

pub(crate) fn parse_sent(s: &str) -> Result<(Channel, SystemTime), String> {
    let (channel, time) = s
        .split_once('@')
        .ok_or_else(|| format!("'{s}': write CHANNEL@TIME, e.g. im@2026-11-25T10:20:00+08:00"))?;
    Ok((
        channel.parse().map_err(|e| format!("{e}"))?,
        parse_time(time)?,
    ))
}

pub(crate) fn parse_every(s: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = s
        .parse()
        .map_err(|e| format!("{e}; write e.g. 1m, 5m, 1h"))?;
    Duration::try_from(d)
        .ok()
        .filter(|d| d.as_secs() >= 1)
        .ok_or_else(|| format!("'{s}' is not a positive duration of at least 1s"))
}
