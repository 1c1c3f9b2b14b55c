//! `bot test`: run a rule file's `tests:` cases and show a table and the failures.

use crate::cli::TestArgs;
use crate::display::pad;
use crate::{load, Fatal};
use std::io::{self, Write};
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

pub(crate) fn test(args: TestArgs) -> Result<ExitCode, Fatal> {
    let file = args.rules.required("test")?;
    let name = file.display().to_string();
    let engine = match load(Some(file))? {
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
            for m in &o.mismatches {
                let what = format!("{}:", m.what);
                writeln!(out, "    {what:<9} expected {}, got {}", m.expected, m.got)?;
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
