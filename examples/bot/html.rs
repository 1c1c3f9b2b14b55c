//! `bot replay --html`: the report as one self-contained page for a shop manager.
//!
//! Inline CSS and inline SVG, nothing fetched; Chinese headings with the English in
//! small print. Every text from outside (messages, labels, fragments, file names) goes
//! through [`esc`]; the numbers are embedded as the report's JSON in
//! `<script type="application/json" id="kefu-report">`, with `<`, `>` and `&` written
//! as `\u003c` … so a message cannot close the element. A headline number carries
//! `data-key` (its JSON path) and `data-value` (the JSON's number), so a test can
//! check the page against the JSON. The one script only reads that JSON and marks
//! `<html data-kefu-report=N>` (N messages); the page needs no script to be read.

use crate::display::thousands;
use crate::labels::{LabelReport, Ratio};
use crate::report::{Coverage, Report};
use std::fmt::Write;

/// Topics shown in the coverage chart; the rest are counted below it.
const TOPIC_BARS: usize = 25;
/// Topics in the per-topic precision and recall table.
const TOPIC_ROWS: usize = 30;
/// Confusion pairs listed with examples.
const CONFUSION_ROWS: usize = 15;

const ANSWERED: &str = "#2e7d32";
const WRONG: &str = "#c62828";
const HELD_BACK: &str = "#f9a825";
const FALLBACK: &str = "#9e9e9e";
const HANDOFF: &str = "#1565c0";

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` occur only in
/// strings, where their `\u` escapes mean the same.
fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn pct(k: usize, n: usize) -> String {
    format!("{:.1}%", 100.0 * k as f64 / n.max(1) as f64)
}

/// A number as the JSON writes it, for `data-value`.
fn json_num<T: serde::Serialize>(v: T) -> String {
    serde_json::to_string(&v).unwrap_or_default()
}

/// A headline figure: the big number, what it is in Chinese and English, and a note.
fn card(out: &mut String, key: &str, value: &str, shown: &str, zh: &str, en: &str, note: &str) {
    let _ = write!(
        out,
        "<div class=card><div class=big data-key=\"{}\" data-value=\"{}\">{}</div>\
<div class=what>{}<small>{}</small></div><div class=note>{}</div></div>",
        esc(key),
        esc(value),
        esc(shown),
        esc(zh),
        esc(en),
        esc(note)
    );
}

fn ratio_card(out: &mut String, key: &str, r: &Ratio, zh: &str, en: &str, note: &str) {
    let value = r.value.map_or_else(|| "null".to_owned(), json_num);
    let note = format!("{} / {} · {note}", r.right, r.of);
    card(out, key, &value, &r.pct(), zh, en, &note);
}

fn h2(out: &mut String, id: &str, zh: &str, en: &str) {
    let _ = write!(
        out,
        "<section id=\"{id}\"><h2>{}<small>{}</small></h2>",
        esc(zh),
        esc(en)
    );
}

/// A horizontal stacked bar of parts (name, count, colour) with its legend.
fn stacked(out: &mut String, key: &str, parts: &[(&str, &str, usize, &str)]) {
    let total: usize = parts.iter().map(|p| p.2).sum();
    let _ = write!(
        out,
        "<svg class=stack viewBox=\"0 0 1000 36\" preserveAspectRatio=\"none\" role=img aria-label=\"shares\">"
    );
    let mut x = 0.0;
    for (zh, en, n, colour) in parts {
        let w = 1000.0 * *n as f64 / total.max(1) as f64;
        if w > 0.0 {
            let _ = write!(
                out,
                "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"36\" fill=\"{colour}\"><title>{} {}: {} ({})</title></rect>",
                esc(zh),
                esc(en),
                n,
                pct(*n, total)
            );
        }
        x += w;
    }
    let _ = write!(out, "</svg><ul class=legend>");
    for (zh, en, n, colour) in parts {
        let _ = write!(
            out,
            "<li><span class=swatch style=\"background:{colour}\"></span>{}<small>{}</small> \
<b data-key=\"{key}.{}\" data-value=\"{n}\">{}</b> <span class=muted>{}</span></li>",
            esc(zh),
            esc(en),
            en.replace(' ', "_"),
            thousands(*n),
            pct(*n, total)
        );
    }
    let _ = write!(out, "</ul>");
}

/// A bar as a small inline SVG, `value` of `max`.
fn bar(value: usize, max: usize, colour: &str) -> String {
    let w = 200.0 * value as f64 / max.max(1) as f64;
    format!(
        "<svg class=bar viewBox=\"0 0 200 14\" preserveAspectRatio=\"none\"><rect width=\"{w:.2}\" height=\"14\" fill=\"{colour}\"/></svg>"
    )
}

pub(crate) fn page(r: &Report) -> String {
    let c = &r.coverage;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>客服机器人回放报告 · {}</title>\n<style>{}</style></head>\n<body>\n",
        esc(&r.shop),
        STYLE
    );
    let conversations = if r.sessions {
        format!(" in {} conversations", thousands(c.conversations))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<header><h1>客服机器人回放报告<small>kefu replay report</small></h1>\
<p class=meta><b>{}</b> · rules <code>{}</code> · {} <code>{}</code> · {} messages{}</p></header>",
        esc(&r.shop),
        esc(&r.rules),
        if r.labels.is_some() {
            "labelled set"
        } else {
            "log"
        },
        esc(&r.input),
        thousands(c.messages),
        esc(&conversations)
    );

    headline(&mut out, c, r.labels.as_ref());
    shares(&mut out, c, r.labels.as_ref());
    topics(&mut out, c);
    confidence(&mut out, c, r.labels.as_ref());
    if let Some(l) = &r.labels {
        confusions(&mut out, l);
        per_topic(&mut out, l);
        held_back(&mut out, l);
    }
    fragments(&mut out, c);
    latency(&mut out, c);
    footer(&mut out, r.labels.is_some());

    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"kefu-report\">{}</script>\n\
<script>(function(){{var r=JSON.parse(document.getElementById('kefu-report').textContent);\
document.documentElement.setAttribute('data-kefu-report',String(r.coverage.messages));}})();</script>\n\
</body></html>\n",
        script_json(&r.json())
    );
    out
}

fn headline(out: &mut String, c: &Coverage, labels: Option<&LabelReport>) {
    let _ = write!(out, "<section id=headline class=cards>");
    card(
        out,
        "coverage.messages",
        &c.messages.to_string(),
        &thousands(c.messages),
        "消息",
        "messages",
        "buyer messages replayed",
    );
    // With labels, "answered" is what the labelled figures count (a handoff node that
    // is the label's topic answered); the same as the stacked bar below.
    let (key, answered) = match labels {
        Some(l) => ("labels.precision.of", l.precision.of),
        None => ("coverage.outcomes.answered", c.outcomes.answered),
    };
    card(
        out,
        key,
        &answered.to_string(),
        &pct(answered, c.messages),
        "自动回答",
        "answered",
        &format!("{} messages a quick phrase answered", thousands(answered)),
    );
    if let Some(l) = labels {
        ratio_card(
            out,
            "labels.precision.value",
            &l.precision,
            "回答准确率",
            "precision of answered",
            "answers with a right topic",
        );
        ratio_card(
            out,
            "labels.recall.value",
            &l.recall,
            "应答覆盖率",
            "recall of in-scope",
            "questions answered right",
        );
        ratio_card(
            out,
            "labels.out_of_scope_handled.value",
            &l.out_of_scope_handled,
            "无关消息未乱答",
            "out of scope handled",
            "chatter not answered",
        );
    }
    card(
        out,
        "coverage.latency.median_us",
        &json_num(c.latency.median_us),
        &format!("{:.1} µs", c.latency.median_us),
        "响应时间",
        "median latency",
        &format!("p99 {:.1} µs ({} build)", c.latency.p99_us, c.latency.build),
    );
    let _ = writeln!(out, "</section>");
}

fn shares(out: &mut String, c: &Coverage, labels: Option<&LabelReport>) {
    h2(out, "shares", "消息去向", "what happened to the messages");
    let o = &c.outcomes;
    match labels {
        Some(l) => {
            let lo = &l.outcomes;
            stacked(
                out,
                "labels.outcomes",
                &[
                    ("答对", "answered right", lo.answered_right, ANSWERED),
                    ("答错", "answered wrong", lo.answered_wrong, WRONG),
                    ("不确定", "held back", lo.held_back, HELD_BACK),
                    ("未匹配", "fallback", lo.fallback, FALLBACK),
                    ("转人工", "handoff", lo.handoff, HANDOFF),
                ],
            );
        }
        None => stacked(
            out,
            "coverage.outcomes",
            &[
                ("自动回答", "answered", o.answered, ANSWERED),
                ("不确定", "held back", o.held_back, HELD_BACK),
                ("未匹配", "fallback", o.fallback, FALLBACK),
                ("转人工", "handoff", o.handoff, HANDOFF),
            ],
        ),
    }
    let _ = writeln!(
        out,
        "<p class=explain>answered: a quick phrase answered; held back: the engine was not sure and \
sent the fallback with suggestions for an agent; fallback: nothing matched; handoff: a handoff \
node (转人工, 投诉 …), or fallbacks in a row.</p></section>"
    );
}

fn topics(out: &mut String, c: &Coverage) {
    h2(out, "topics", "各主题回答量", "coverage per topic");
    let used: Vec<_> = c.topics.iter().filter(|t| t.answers > 0).collect();
    let max = used.first().map_or(1, |t| t.answers);
    let _ = write!(
        out,
        "<table class=topics><tr><th>主题 <small>topic</small></th><th class=n>回答 <small>answers</small></th>\
<th class=n>占比 <small>share</small></th><th></th><th class=n>命中 <small>hit in</small></th></tr>"
    );
    for t in used.iter().take(TOPIC_BARS) {
        let _ = write!(
            out,
            "<tr><td>{} <code>{}</code></td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td class=n>{}</td></tr>",
            esc(&t.path),
            esc(&t.topic),
            thousands(t.answers),
            pct(t.answers, c.messages),
            bar(t.answers, max, ANSWERED),
            thousands(t.hit_in)
        );
    }
    let _ = write!(out, "</table>");
    if used.len() > TOPIC_BARS {
        let rest: usize = used[TOPIC_BARS..].iter().map(|t| t.answers).sum();
        let _ = write!(
            out,
            "<p class=muted>and {} more topics with {} answers.</p>",
            used.len() - TOPIC_BARS,
            thousands(rest)
        );
    }
    let never: Vec<String> = c
        .topics
        .iter()
        .filter(|t| t.answers == 0)
        .map(|t| format!("<code>{}</code>", esc(&t.topic)))
        .collect();
    if !never.is_empty() {
        let _ = write!(
            out,
            "<p class=muted>从未回答 <small>never chosen</small> ({}): {}</p>",
            never.len(),
            never.join(" ")
        );
    }
    let _ = writeln!(out, "</section>");
}

fn per_topic(out: &mut String, l: &LabelReport) {
    h2(
        out,
        "per-topic",
        "各主题准确率与覆盖率",
        "per topic precision and recall, worst first",
    );
    let flawed: Vec<_> = l
        .per_topic
        .iter()
        .filter(|t| t.precision.right < t.precision.of || t.recall.right < t.recall.of)
        .collect();
    let _ = write!(
        out,
        "<table class=topics><tr><th>主题 <small>topic</small></th><th class=n>准确率 <small>precision</small></th>\
<th class=n>覆盖率 <small>recall</small></th></tr>"
    );
    for t in flawed.iter().take(TOPIC_ROWS) {
        let cell = |r: &Ratio| {
            let bad = r.right < r.of;
            format!(
                "<td class=\"n{}\">{} <span class=muted>{}/{}</span></td>",
                if bad { " bad" } else { "" },
                r.pct(),
                r.right,
                r.of
            )
        };
        let _ = write!(
            out,
            "<tr><td>{} <code>{}</code></td>{}{}</tr>",
            esc(&t.path),
            esc(&t.topic),
            cell(&t.precision),
            cell(&t.recall)
        );
    }
    let _ = write!(
        out,
        "</table><p class=explain>precision: of the lines the topic answered, the share that were right; \
recall: of the in-scope lines whose label names it first, the share answered right. {} topics with \
a mistake{}; {} without one (all in the JSON).</p>",
        flawed.len(),
        if flawed.len() > TOPIC_ROWS {
            format!(", the {TOPIC_ROWS} worst shown")
        } else {
            String::new()
        },
        l.per_topic.len() - flawed.len()
    );
    if !l.groups.is_empty() {
        let mut weak: Vec<_> = l
            .groups
            .iter()
            .filter(|g| g.right.right < g.right.of)
            .collect();
        weak.sort_by(|a, b| {
            let v = |g: &crate::labels::GroupScore| g.right.value.unwrap_or(1.0);
            v(a).total_cmp(&v(b))
        });
        let weak: Vec<String> = weak
            .iter()
            .map(|g| format!("{} <b class=bad>{}</b>", esc(&g.group), g.right.pct()))
            .collect();
        let _ = write!(
            out,
            "<h3>按类别<small>by group of the labelled file (# ── headings)</small></h3>\
<p>最弱 <small class=muted>weakest, share of lines right</small>: {}</p>\
<details><summary>all {} groups</summary><table class=topics>\
<tr><th>类别 <small>group</small></th><th class=n>lines</th><th class=n>right</th>\
<th class=n>precision</th><th class=n>recall</th></tr>",
            if weak.is_empty() {
                "none".to_owned()
            } else {
                weak.join(" · ")
            },
            l.groups.len()
        );
        for g in &l.groups {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&g.group),
                g.lines,
                g.right.pct(),
                g.precision.pct(),
                g.recall.pct()
            );
        }
        let _ = write!(out, "</table></details>");
    }
    let _ = writeln!(out, "</section>");
}

fn confidence(out: &mut String, c: &Coverage, labels: Option<&LabelReport>) {
    h2(out, "confidence", "置信度分布", "confidence histogram");
    // (level, right, wrong or all)
    let rows: Vec<(&str, usize, usize)> = match labels {
        Some(l) => l
            .confidence
            .iter()
            .map(|x| (x.level, x.right, x.wrong))
            .collect(),
        None => c
            .confidence
            .iter()
            .map(|x| (x.level, x.replies, 0))
            .collect(),
    };
    let max = rows.iter().map(|r| r.1 + r.2).max().unwrap_or(1).max(1);
    let width = 120 * rows.len().max(1) + 20;
    let _ = write!(
        out,
        "<svg class=hist viewBox=\"0 0 {width} 230\" width=\"{width}\" height=\"230\" role=img aria-label=\"confidence\">"
    );
    for (i, (level, right, wrong)) in rows.iter().enumerate() {
        let x = 20 + 120 * i;
        let h_right = 180.0 * *right as f64 / max as f64;
        let h_wrong = 180.0 * *wrong as f64 / max as f64;
        let top = 190.0 - h_right - h_wrong;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{:.2}\" width=\"90\" height=\"{h_right:.2}\" fill=\"{ANSWERED}\"><title>{} right</title></rect>\
<rect x=\"{x}\" y=\"{top:.2}\" width=\"90\" height=\"{h_wrong:.2}\" fill=\"{WRONG}\"><title>{} wrong</title></rect>\
<text x=\"{}\" y=\"{:.2}\" text-anchor=\"middle\" class=num>{}</text>\
<text x=\"{}\" y=\"212\" text-anchor=\"middle\">{}</text>",
            190.0 - h_right,
            right,
            wrong,
            x + 45,
            (top - 4.0).max(12.0),
            right + wrong,
            x + 45,
            esc(level)
        );
    }
    let _ = write!(out, "</svg>");
    let note = if labels.is_some() {
        "Lines per level of the engine's confidence: green right, red wrong. High confidence \
should be almost all green; held-back replies are low."
    } else {
        "Replies per level of the engine's confidence."
    };
    let _ = writeln!(out, "<p class=explain>{}</p></section>", esc(note));
}

fn confusions(out: &mut String, l: &LabelReport) {
    h2(
        out,
        "confusion",
        "混淆矩阵",
        "confusion matrix: expected topic (rows) × what answered (columns)",
    );
    let m = &l.matrix;
    if m.expected.is_empty() {
        let _ = writeln!(out, "<p>no mistakes.</p></section>");
        return;
    }
    let max_of = |f: fn(&crate::labels::Cell) -> usize| {
        m.cells.iter().flatten().map(f).max().unwrap_or(1).max(1)
    };
    let (max_wrong, max_right) = (max_of(|c| c.wrong), max_of(|c| c.right));
    let _ = write!(
        out,
        "<div class=scroll><table class=matrix><tr><th>expected ↓ got →</th>"
    );
    for g in &m.got {
        let _ = write!(out, "<th class=col><span>{}</span></th>", esc(g));
    }
    let _ = write!(out, "</tr>");
    for (e, row) in m.expected.iter().zip(&m.cells) {
        let _ = write!(out, "<tr><th>{}</th>", esc(e));
        for cell in row {
            // Wrong lines in red, on a scale of their own; right ones in a paler green.
            let (rgb, alpha) = match (cell.right, cell.wrong) {
                (0, 0) => ("255,255,255", 0.0),
                (_, 0) => (
                    "46,125,50",
                    0.1 + 0.45 * cell.right as f64 / max_right as f64,
                ),
                (_, w) => ("198,40,40", 0.3 + 0.7 * w as f64 / max_wrong as f64),
            };
            let text = match (cell.right, cell.wrong) {
                (0, 0) => String::new(),
                (r, 0) => r.to_string(),
                (0, w) => w.to_string(),
                (r, w) => format!("{w} <span class=muted>+{r}✓</span>"),
            };
            let _ = write!(
                out,
                "<td style=\"background:rgba({rgb},{alpha:.2})\"{}>{text}</td>",
                if alpha > 0.6 { " class=dark" } else { "" }
            );
        }
        let _ = write!(out, "</tr>");
    }
    let _ = write!(
        out,
        "</table></div><p class=explain>Red: lines answered wrong or missed (fallback, held back, handoff); \
green: right. Rows are the label's first topic (<code>-</code>: nothing should answer); only the \
topics of the {} most common confusions are shown.</p>",
        l.confusions.len().min(crate::labels::MATRIX_PAIRS)
    );
    let _ = write!(
        out,
        "<h3>最常见的错误<small>most common confusions, with examples</small></h3><table class=topics>\
<tr><th>expected → got</th><th class=n>lines</th><th>examples</th></tr>"
    );
    for c in l.confusions.iter().take(CONFUSION_ROWS) {
        let ex: Vec<String> = c
            .examples
            .iter()
            .map(|e| {
                format!(
                    "<span class=msg title=\"line {} · label {}\">{}</span>",
                    e.line,
                    esc(&e.label),
                    esc(&e.message)
                )
            })
            .collect();
        let _ = write!(
            out,
            "<tr><td><code>{}</code> → <code>{}</code></td><td class=n>{}</td><td>{}</td></tr>",
            esc(&c.expected),
            esc(&c.got),
            c.count,
            ex.join(" ")
        );
    }
    let _ = writeln!(out, "</table></section>");
}

fn held_back(out: &mut String, l: &LabelReport) {
    h2(
        out,
        "held-back",
        "不确定而未回答",
        "held back as low confidence",
    );
    if l.held_back.is_empty() {
        let _ = writeln!(out, "<p>none.</p></section>");
        return;
    }
    let _ = write!(
        out,
        "<table class=topics><tr><th>message</th><th>label</th><th>suggested</th></tr>"
    );
    for h in &l.held_back {
        let s: Vec<String> = h
            .suggestions
            .iter()
            .map(|s| format!("<code>{}</code> ({})", esc(&s.topic), esc(s.confidence)))
            .collect();
        let _ = write!(
            out,
            "<tr><td class=msg>{}</td><td><code>{}</code></td><td>{}{}</td></tr>",
            esc(&h.message),
            esc(&h.label),
            s.join(", "),
            if h.suggested_right { " ✓" } else { "" }
        );
    }
    let right = l.held_back.iter().filter(|h| h.suggested_right).count();
    let _ = writeln!(
        out,
        "</table><p class=explain>✓: an acceptable topic was among the suggestions ({right} of {}): \
an agent could send it with one click.</p></section>",
        l.held_back.len()
    );
}

fn fragments(out: &mut String, c: &Coverage) {
    h2(
        out,
        "fragments",
        "未回答消息的高频片段",
        "top fragments of unanswered messages: what to add to the quick phrases",
    );
    if c.fragments.is_empty() {
        let _ = writeln!(out, "<p>none.</p></section>");
        return;
    }
    let max = c.fragments.iter().map(|f| f.count).max().unwrap_or(1);
    let _ = write!(
        out,
        "<table class=topics><tr><th>片段 <small>fragment</small></th><th class=n>消息 <small>messages</small></th>\
<th></th><th>例句 <small>examples</small></th></tr>"
    );
    for f in &c.fragments {
        let ex: Vec<String> = f
            .examples
            .iter()
            .map(|e| format!("<span class=msg>{}</span>", esc(e)))
            .collect();
        let _ = write!(
            out,
            "<tr><td><b>{}</b></td><td class=n>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.text),
            thousands(f.count),
            bar(f.count, max, FALLBACK),
            ex.join(" ")
        );
    }
    let _ = writeln!(
        out,
        "</table><p class=explain>Of the {} messages no quick phrase answered: 2–4-character fragments, \
counted once per message, at least twice as common there as in answered messages.</p></section>",
        thousands(c.unanswered)
    );
}

fn latency(out: &mut String, c: &Coverage) {
    h2(
        out,
        "latency",
        "响应时间",
        "latency of Engine::reply per message",
    );
    let l = &c.latency;
    let _ = writeln!(
        out,
        "<p>median <b data-key=\"coverage.latency.median_us\" data-value=\"{}\">{:.1} µs</b> · \
p99 <b data-key=\"coverage.latency.p99_us\" data-value=\"{}\">{:.1} µs</b> · max {:.1} µs \
<span class=muted>({} build; the time to choose and write a reply, not the network)</span></p></section>",
        json_num(l.median_us),
        l.median_us,
        json_num(l.p99_us),
        l.p99_us,
        l.max_us,
        l.build
    );
}

fn footer(out: &mut String, labelled: bool) {
    let labels = if labelled {
        "<b>precision of answered</b>: of the lines a quick phrase answered, the share with an \
acceptable topic. <b>recall of in-scope</b>: of the lines that should be answered (no <code>-</code> \
in the label), the share answered with an acceptable topic (a handoff node that is the label's \
topic counts). <b>out of scope handled</b>: of the lines labelled <code>-</code>, the share nothing \
answered. Labels: <code>a|b</code> either topic, <code>-</code> nothing should answer, \
<code>a|-</code> topic a or nothing. "
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<footer>{labels}Made by <code>bot replay --html</code>; the numbers are in the JSON \
embedded in this page (<code>#kefu-report</code>).</footer>"
    );
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;\
margin:0 auto;padding:1.5em 2em;max-width:72em;color:#222;background:#fafafa}\
h1{margin:.2em 0}h2{margin:1.6em 0 .5em;border-bottom:2px solid #ddd;padding-bottom:.2em}\
h1 small,h2 small,h3 small,.what small,th small{font-weight:normal;color:#777;font-size:.6em;margin-left:.5em}\
th small{font-size:.8em;margin-left:.2em}\
.meta,.muted,.note{color:#666}.explain{color:#555;font-size:.9em;max-width:60em}\
code{background:#eee;padding:0 .25em;border-radius:3px;font-size:.9em}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5em,1fr));gap:.8em}\
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.7em 1em}\
.big{font-size:2em;font-weight:bold}.what{font-weight:bold}.what small{font-size:.75em}.note{font-size:.85em}\
svg.stack{width:100%;height:36px;display:block;border-radius:4px}\
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1.5em}.legend small{margin:0 .4em 0 .2em;color:#777}\
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em;border-radius:2px}\
table{border-collapse:collapse;background:#fff}table.topics{width:100%}\
td,th{border-bottom:1px solid #e4e4e4;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f0f0f0}.n{text-align:right;white-space:nowrap}.bad{color:#c62828;font-weight:bold}\
svg.bar{width:200px;height:14px}svg.hist text{font-size:14px;fill:#333}\
.msg{display:inline-block;background:#f3f3f3;border-radius:10px;padding:.05em .6em;margin:.1em .2em .1em 0}\
.scroll{overflow-x:auto}.matrix td{text-align:center;min-width:2.2em}.matrix td.dark{color:#fff}\
.matrix th.col{vertical-align:bottom;height:8em;white-space:nowrap}\
.matrix th.col span{writing-mode:vertical-rl;transform:rotate(180deg)}\
summary{cursor:pointer;color:#1565c0;margin:.3em 0}footer{margin-top:2em;color:#555;font-size:.85em;border-top:1px solid #ddd;padding-top:.8em}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_script_json() {
        assert_eq!(
            esc("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
        let json = serde_json::to_string(&"</script><img src=x onerror=alert(1)>&").unwrap();
        let safe = script_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "</script><img src=x onerror=alert(1)>&");
    }
}
