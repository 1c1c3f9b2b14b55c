//! The ranked report of a run, as text, JSON and a standalone HTML page.

use super::text::one_line;
use super::{Mined, Proposal, Summary};
use std::fmt::Write as _;
use std::time::Duration;

pub(crate) fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn gain_line(s: &Summary) -> String {
    format!(
        "answered buyer turns: {} ({}) with {} → {} ({}) with the proposals, +{}",
        s.answered_before,
        pct(s.share_before()),
        s.rules,
        s.answered_after,
        pct(s.share_after()),
        s.answered_after.saturating_sub(s.answered_before)
    )
}

impl Mined {
    /// The report as text: the log and the gain, then one block per proposal, best
    /// first, with its numbers, keywords, reply, examples and the line that rejects it.
    pub fn report_text(&self) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "mine {} ({}): {} conversations, {} buyer turns, {} unanswered mined, {} reply groups; {:.1} s, {} passes",
            s.log,
            s.format,
            s.conversations,
            s.buyer_turns,
            s.mined_turns,
            s.reply_groups,
            s.elapsed.as_secs_f64(),
            s.passes
        );
        if s.skipped.count > 0 {
            let _ = writeln!(out, "  {} bad lines skipped:", s.skipped.count);
            for e in &s.skipped.first {
                let _ = writeln!(out, "    {e}");
            }
        }
        if s.duplicates > 0 {
            let _ = writeln!(
                out,
                "  {} conversations left out as exact copies of earlier ones",
                s.duplicates
            );
        }
        if s.not_kept > 0 {
            let _ = writeln!(
                out,
                "  {} unanswered turns past --max-messages were counted, not mined",
                s.not_kept
            );
        }
        let _ = writeln!(out, "{}", gain_line(s));
        let _ = writeln!(
            out,
            "\n{} proposals, ranked by buyer turns gained:",
            self.proposals.len()
        );
        for p in &self.proposals {
            let _ = writeln!(out, "\n{}", proposal_text(p, s.buyer_turns));
        }
        out
    }

    /// The report as one JSON object: `summary` and `proposals` (fields as in
    /// [`Summary`] and [`Proposal`]; `elapsed` in seconds, `precision` 0–1).
    pub fn report_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Report<'a> {
            summary: &'a Summary,
            skipped: Vec<String>,
            proposals: &'a [Proposal],
        }
        let r = Report {
            summary: &self.summary,
            skipped: self
                .summary
                .skipped
                .first
                .iter()
                .map(ToString::to_string)
                .collect(),
            proposals: &self.proposals,
        };
        serde_json::to_string_pretty(&r).unwrap_or_default()
    }

    /// The report as a standalone HTML page (no scripts, no outside resources).
    pub fn report_html(&self) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>kefu mine: {}</title>\n<style>\
body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;width:100%}}\
td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}}th{{background:#f4f4f4}}\
.n{{text-align:right;white-space:nowrap}}code{{background:#f4f4f4;padding:0 .2em}}.ex{{color:#555}}\
</style></head><body>\n<h1>kefu mine: {}</h1>\n",
            esc(&s.log),
            esc(&s.log)
        );
        let _ = writeln!(
            out,
            "<p>{} conversations, {} buyer turns ({}), {} unanswered turns mined, {} reply groups, {:.1} s.</p>\n<p><b>{}</b></p>",
            s.conversations,
            s.buyer_turns,
            s.format,
            s.mined_turns,
            s.reply_groups,
            s.elapsed.as_secs_f64(),
            esc(&gain_line(s))
        );
        if s.skipped.count > 0 {
            let _ = writeln!(out, "<p>{} bad lines skipped:</p><ul>", s.skipped.count);
            for e in &s.skipped.first {
                let _ = writeln!(out, "<li><code>{}</code></li>", esc(&e.to_string()));
            }
            let _ = writeln!(out, "</ul>");
        }
        let _ = writeln!(
            out,
            "<table>\n<tr><th>#</th><th>topic</th><th>keywords</th><th>reply</th><th class=n>gained</th>\
<th class=n>precision</th><th class=n>support</th><th class=n>taken</th><th>examples</th></tr>"
        );
        for p in &self.proposals {
            let mut terms: Vec<String> = p
                .keywords
                .iter()
                .map(|k| format!("<code>{}</code>", esc(k)))
                .collect();
            terms.extend(p.whole.iter().map(|k| format!("<code>={}</code>", esc(k))));
            terms.extend(
                p.exclude
                    .iter()
                    .map(|k| format!("<code>−{}</code>", esc(k))),
            );
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code><br>{} · {}</td><td>{}</td><td>{}<br><span class=ex>{}</span></td>\
<td class=n>+{}</td><td class=n>{} of {}</td><td class=n>{}</td><td class=n>{}</td><td class=ex>{}</td></tr>",
                p.rank,
                esc(&p.topic),
                esc(p.section.label()),
                esc(&p.name),
                terms.join(" "),
                esc(&p.reply),
                esc(&p.ignore_line),
                p.gain,
                pct(p.precision),
                p.judged,
                p.support,
                p.changed,
                p.examples.iter().map(|e| esc(&one_line(e, 40))).collect::<Vec<_>>().join("<br>")
            );
        }
        let _ = writeln!(
            out,
            "</table>\n<p>gained: buyer turns the rules answer with the proposal that they did not answer before (replayed); \
precision: of the turns it answers that an agent replied to, the share whose reply fell in the proposal's group; \
support: unanswered turns its keywords hit with that reply; taken: turns other topics answered before. \
<code>=</code> whole-message keyword, <code>−</code> exclude. To reject a proposal, add its grey line to the ignore file.</p>\n</body></html>"
        );
        out
    }
}

fn proposal_text(p: &Proposal, turns: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#{} {} [{} · {}]  +{} answered ({} of buyer turns), precision ≈ {} of {}, support {}, {} taken from other topics",
        p.rank,
        p.topic,
        p.section.label(),
        p.name,
        p.gain,
        pct(p.gain as f64 / turns.max(1) as f64),
        pct(p.precision),
        p.judged,
        p.support,
        p.changed
    );
    if !p.keywords.is_empty() {
        let _ = writeln!(out, "   keywords: {}", p.keywords.join(", "));
    }
    if !p.whole.is_empty() {
        let _ = writeln!(out, "   whole:    {}", p.whole.join(", "));
    }
    if !p.exclude.is_empty() {
        let _ = writeln!(out, "   exclude:  {}", p.exclude.join(", "));
    }
    let _ = writeln!(out, "   reply:    {}", p.reply);
    let ex: Vec<String> = p
        .examples
        .iter()
        .map(|e| format!("\"{}\"", one_line(e, 30)))
        .collect();
    if !ex.is_empty() {
        let _ = writeln!(out, "   e.g.      {}", ex.join(" · "));
    }
    let _ = write!(out, "   reject:   {}", p.ignore_line);
    out
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn html_escapes() {
        assert_eq!(
            esc("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
    }
}
