//! `bot mine`: quick-phrase proposals from a log of buyer–agent conversations, with
//! the library's `kefu::mine` doing the work and writing the reports; here only the
//! arguments, the progress bar and the files.

use crate::cli::LogFiles;
use crate::{print_error, read_text, Fatal, BUNDLED, BUNDLED_NAME};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kefu::mine::{self, Ignore, LogSource, MineError, Options};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct MineArgs {
    /// The conversations: JSON Lines ({"id", "turns": [{"role", "text"}]}) or 买家:/客服:
    /// text; and the rule file to grow (default: the bundled rules/apparel.yaml)
    #[command(flatten)]
    files: LogFiles,
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
    format: mine::Format,
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

pub(crate) fn mine(args: MineArgs) -> Result<ExitCode, Fatal> {
    let (rules_path, log_path) = args.files.files("mine")?;
    let (rules, name) = match rules_path {
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
    let size = std::fs::metadata(log_path).map_or(0, |m| m.len());
    let bar = if size > (1 << 20) && io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes}") {
            b.set_style(style);
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let log = LogSource::path(log_path);
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
