//! `bot check`: validate and lint a rule file.

use crate::cli::CheckArgs;
use crate::display::plural;
use crate::{print_error, read_text, Fatal};
use kefu::{Engine, Lint, LintKind};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::SystemTime;

/// Kinds `check` counts but does not list (nor deny) without `--pedantic`: a longer
/// keyword containing a shorter one of the same node is usually deliberate weight.
pub(crate) const PEDANTIC: [LintKind; 1] = [LintKind::ContainedKeyword];
pub(crate) fn check(args: CheckArgs) -> Result<ExitCode, Fatal> {
    let file = args.rules.required("check")?;
    let name = file.display().to_string();
    let text = read_text(file)?;
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
