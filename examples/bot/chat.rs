//! `bot chat`: one conversation on the terminal, or one reply per line from a pipe.

use crate::cli::ChatArgs;
use crate::{confidence, load, rules_name, trim_eol, Fatal};
use kefu::{Reply, Session};
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

pub(crate) fn chat(args: ChatArgs) -> Result<ExitCode, Fatal> {
    let rules = args.rules.given("chat")?;
    let engine = match load(rules)? {
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
        let rules = rules_name(rules);
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
            let mut lines = reply.text().lines();
            writeln!(out, "{shop}> {}", lines.next().unwrap_or(""))?;
            let indent = " ".repeat(shop.width() + 2);
            for l in lines {
                writeln!(out, "{indent}{l}")?;
            }
            // For the shop's agent, not the buyer: how sure kefu was, and what it would
            // have said when it held back.
            for l in for_the_agent(&reply).lines() {
                writeln!(out, "{indent}{l}")?;
            }
        } else {
            writeln!(out, "{}", reply.text().replace('\n', " "))?;
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

/// The confidence in brackets, and for a held-back reply the suggestions, best first:
/// what the shop's agent sees beside the buyer's chat (the buyer got the fallback).
pub(crate) fn for_the_agent(reply: &Reply<'_>) -> String {
    let level = confidence::confidence(reply);
    if !confidence::held_back(reply) {
        return format!("[confidence {level}]\n");
    }
    let mut s = format!(
        "[confidence {level} · held back: the buyer got the fallback; kefu would have said:]\n"
    );
    for (i, x) in confidence::suggestions(reply).iter().enumerate() {
        s.push_str(&format!(
            "  {}. {} ({}): {}\n",
            i + 1,
            x.topic,
            x.confidence,
            x.text.replace('\n', " ")
        ));
    }
    s
}

/// Topic path, kind, hits with their char positions, then the engine's scores, and
/// what a held-back reply suggests.
pub(crate) fn explanation(message: &str, reply: &Reply<'_>) -> String {
    let mut s = String::new();
    let topic = match reply.node() {
        Some(n) => format!("{} ({})", n.display_path(), n.topic()),
        None => "fallback (no node)".to_owned(),
    };
    let handoff = if reply.handoff() { " · handoff" } else { "" };
    let truncated = if reply.truncated() {
        " · truncated"
    } else {
        ""
    };
    s.push_str(&format!(
        "→ {topic} · {}{handoff}{truncated}\n",
        reply.kind()
    ));
    if let Some(seg) = reply.segment_name() {
        s.push_str(&format!("buyer: {seg}\n"));
    }
    if reply.angry() {
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
    if confidence::held_back(reply) {
        s.push_str(&for_the_agent(reply));
    }
    s
}
