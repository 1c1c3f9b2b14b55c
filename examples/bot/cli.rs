//! The command line: subcommands, their options and the parsers of option values.

use clap::{Args, Parser, Subcommand};
use kefu::{Amount, Channel, LintKind};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

#[derive(Parser)]
#[command(
    name = "bot",
    about = "Chat with kefu rules, check them, run their tests, replay a chat log, plan payment reminders",
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) chat: ChatArgs,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
}

#[derive(Args, Default)]
pub(crate) struct ChatArgs {
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,
    /// Print under each reply the topic path, kind, hits and scores
    #[arg(long)]
    pub(crate) explain: bool,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Rule file to check
    pub(crate) file: PathBuf,
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
    /// Rule file whose tests: to run
    pub(crate) file: PathBuf,
    /// Print only the failures and the summary, not the table of every case
    #[arg(long)]
    pub(crate) failures_only: bool,
}

#[derive(Args)]
pub(crate) struct ReplayArgs {
    /// Chat log: one buyer message per line
    pub(crate) log: PathBuf,
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,
    /// Print one JSON object per message instead of the report
    #[arg(long)]
    pub(crate) json: bool,
    /// Consecutive lines are one conversation, a blank line ends it
    #[arg(long)]
    pub(crate) sessions: bool,
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
    /// Rule file (default: the bundled rules/apparel.yaml)
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,
    /// Also play the order from creation to close, asking the planner every --every
    #[arg(long)]
    pub(crate) timeline: bool,
    /// How often the timeline asks the planner (e.g. 1m, 5m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_every)]
    pub(crate) every: Duration,
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
    Ok((channel.parse()?, parse_time(time)?))
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
