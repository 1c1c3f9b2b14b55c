//! The report of `bot replay`: what happened to the messages (answered, held back,
//! fallback, handoff), answers per topic, confidence, latency and the fragments of
//! unanswered messages; computed once into a [`Report`] that the text report, the JSON
//! and the HTML page all show, so their numbers cannot differ.

use crate::confidence;
use crate::display::{micros, pad, plural, shorten, thousands};
use crate::fragments::{fragments, fragments_of};
use crate::labels::LabelReport;
use kefu::{Engine, Reply};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

/// Unanswered fragments shown by `replay`.
pub(crate) const TOP_FRAGMENTS: usize = 15;
/// Example messages kept per fragment.
pub(crate) const FRAGMENT_EXAMPLES: usize = 3;

/// What happened to a message: one of four, whatever the label says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// A node answered (not a handoff node).
    Answered,
    /// The engine was not sure enough: the fallback, with suggestions for a human.
    HeldBack,
    /// Nothing matched: the fallback reply.
    Fallback,
    /// A human should take over: a handoff node answered, or fallbacks in a row (or an
    /// angry buyer) with no node.
    Handoff,
}

impl Outcome {
    pub(crate) fn of(reply: &Reply<'_>) -> Outcome {
        if confidence::held_back(reply) {
            Outcome::HeldBack
        } else if let Some(node) = reply.node() {
            if node.is_handoff() {
                Outcome::Handoff
            } else {
                Outcome::Answered
            }
        } else if reply.handoff() {
            Outcome::Handoff
        } else {
            Outcome::Fallback
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::HeldBack => "held back",
            Outcome::Fallback => "fallback",
            Outcome::Handoff => "handoff",
        }
    }
}

/// What the replay collects, message by message.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) messages: usize,
    pub(crate) sessions: usize,
    pub(crate) invalid: usize,
    outcomes: [usize; 4],
    nanos: Vec<u64>,
    per_topic: HashMap<String, usize>,
    /// Messages in which a topic had a hit (whether it won or not).
    hit_in: HashMap<String, usize>,
    confidence: HashMap<&'static str, usize>,
    unanswered: Vec<String>,
    answered_messages: Vec<String>,
}

impl Stats {
    pub(crate) fn record(&mut self, message: &str, reply: &Reply<'_>, took: Duration) -> Outcome {
        self.messages += 1;
        self.nanos
            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
        let outcome = Outcome::of(reply);
        self.outcomes[outcome as usize] += 1;
        *self
            .confidence
            .entry(confidence::confidence(reply))
            .or_default() += 1;
        let mut hit: Vec<&str> = reply.hits().iter().map(|h| h.topic).collect();
        hit.sort_unstable();
        hit.dedup();
        for t in hit {
            *self.hit_in.entry(t.to_owned()).or_default() += 1;
        }
        match reply.topic() {
            Some(t) => {
                *self.per_topic.entry(t.to_owned()).or_default() += 1;
                self.answered_messages.push(message.to_owned());
            }
            None => self.unanswered.push(message.to_owned()),
        }
        outcome
    }

    /// The figures, for the text, the JSON and the page. Sorts the latencies.
    pub(crate) fn coverage(&mut self, engine: &Engine) -> Coverage {
        let n = |o: Outcome| self.outcomes[o as usize];
        self.nanos.sort_unstable();
        let us = |i: usize| self.nanos.get(i).map_or(0.0, |&n| n as f64 / 1000.0);
        let at = |p: f64| us(((self.nanos.len().max(1) - 1) as f64 * p).round() as usize);
        let mut topics: Vec<TopicUse> = engine
            .nodes()
            .map(|node| TopicUse {
                topic: node.topic().to_owned(),
                path: node.display_path(),
                answers: self.per_topic.get(node.topic()).copied().unwrap_or(0),
                hit_in: self.hit_in.get(node.topic()).copied().unwrap_or(0),
            })
            .collect();
        // Stable: equal counts keep the file's order.
        topics.sort_by_key(|t| std::cmp::Reverse(t.answers));
        let top = fragments(&self.unanswered, &self.answered_messages, TOP_FRAGMENTS);
        let mut examples: Vec<Vec<String>> = top
            .iter()
            .map(|f| vec![self.unanswered[f.example].clone()])
            .collect();
        let mut set = HashSet::new();
        for (i, m) in self.unanswered.iter().enumerate() {
            if examples.iter().all(|e| e.len() >= FRAGMENT_EXAMPLES) {
                break;
            }
            fragments_of(m, &mut set);
            for (f, ex) in top.iter().zip(&mut examples) {
                if ex.len() < FRAGMENT_EXAMPLES && i != f.example && set.contains(&f.text) {
                    ex.push(m.clone());
                }
            }
        }
        Coverage {
            messages: self.messages,
            conversations: self.sessions,
            invalid_lines: self.invalid,
            outcomes: Shares {
                answered: n(Outcome::Answered),
                held_back: n(Outcome::HeldBack),
                fallback: n(Outcome::Fallback),
                handoff: n(Outcome::Handoff),
            },
            topics,
            confidence: confidence::levels(self.confidence.keys().copied())
                .into_iter()
                .map(|level| LevelCount {
                    level,
                    replies: self.confidence[level],
                })
                .collect(),
            latency: Latency {
                median_us: at(0.5),
                p99_us: at(0.99),
                max_us: us(self.nanos.len().saturating_sub(1)),
                build: if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                },
            },
            unanswered: self.unanswered.len(),
            fragments: top
                .into_iter()
                .zip(examples)
                .map(|(f, examples)| FragmentUse {
                    text: f.text,
                    count: f.count,
                    examples,
                })
                .collect(),
        }
    }
}

/// Messages by what happened to them; the four add up to all messages.
#[derive(serde::Serialize)]
pub(crate) struct Shares {
    pub(crate) answered: usize,
    pub(crate) held_back: usize,
    pub(crate) fallback: usize,
    pub(crate) handoff: usize,
}

#[derive(serde::Serialize)]
pub(crate) struct TopicUse {
    pub(crate) topic: String,
    pub(crate) path: String,
    /// Replies the topic's node chose (a handoff node's too).
    pub(crate) answers: usize,
    /// Messages in which the topic had a hit, chosen or not.
    pub(crate) hit_in: usize,
}

#[derive(serde::Serialize)]
pub(crate) struct LevelCount {
    pub(crate) level: &'static str,
    pub(crate) replies: usize,
}

/// Time of `Engine::reply` per message, in microseconds.
#[derive(serde::Serialize)]
pub(crate) struct Latency {
    pub(crate) median_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) max_us: f64,
    pub(crate) build: &'static str,
}

#[derive(serde::Serialize)]
pub(crate) struct FragmentUse {
    pub(crate) text: String,
    /// Unanswered messages containing it.
    pub(crate) count: usize,
    pub(crate) examples: Vec<String>,
}

/// Everything the replay measured (unlabelled part).
#[derive(serde::Serialize)]
pub(crate) struct Coverage {
    pub(crate) messages: usize,
    pub(crate) conversations: usize,
    pub(crate) invalid_lines: usize,
    pub(crate) outcomes: Shares,
    /// Every node, most answers first.
    pub(crate) topics: Vec<TopicUse>,
    /// Replies per confidence level, lowest first; levels with none left out.
    pub(crate) confidence: Vec<LevelCount>,
    pub(crate) latency: Latency,
    /// Messages no node chose a reply for (fallback, held back, or handed off).
    pub(crate) unanswered: usize,
    pub(crate) fragments: Vec<FragmentUse>,
}

/// The whole report: `replay --labels --json` prints it, the page embeds it.
#[derive(serde::Serialize)]
pub(crate) struct Report {
    pub(crate) report: &'static str,
    pub(crate) version: u32,
    /// The log or the labelled file.
    pub(crate) input: String,
    pub(crate) rules: String,
    pub(crate) shop: String,
    /// `--sessions`: consecutive lines were one conversation.
    pub(crate) sessions: bool,
    pub(crate) coverage: Coverage,
    pub(crate) labels: Option<LabelReport>,
}

impl Report {
    pub(crate) fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

pub(crate) fn share(k: usize, n: usize) -> f64 {
    100.0 * k as f64 / n.max(1) as f64
}

/// The text report: the labelled figures first when there are any, then coverage.
pub(crate) fn write_text(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let c = &r.coverage;
    let conversations = if r.sessions {
        format!(" in {} conversations", thousands(c.conversations))
    } else {
        String::new()
    };
    let labelled = if r.labels.is_some() {
        " (labelled)"
    } else {
        ""
    };
    writeln!(
        out,
        "replay of {}{labelled}: {} messages{conversations}, rules {} ({})",
        r.input,
        thousands(c.messages),
        r.rules,
        r.shop
    )?;
    if c.invalid_lines > 0 {
        writeln!(
            out,
            "  ({} line{} not UTF-8, skipped)",
            c.invalid_lines,
            plural(c.invalid_lines)
        )?;
    }
    let n = c.messages;
    writeln!(out)?;
    if let Some(l) = &r.labels {
        crate::labels::write_text(out, l, n)?;
    } else {
        let o = &c.outcomes;
        for (name, k, what) in [
            ("answered", o.answered, "a node answered"),
            (
                "held back",
                o.held_back,
                "the engine was not sure: the fallback, with suggestions",
            ),
            ("fallback", o.fallback, "nothing matched"),
            (
                "handed off",
                o.handoff,
                "a handoff node, or fallbacks in a row",
            ),
        ] {
            writeln!(
                out,
                "{:<11} {:>9}  {:5.1}%   {what}",
                name,
                thousands(k),
                share(k, n)
            )?;
        }
    }
    if r.labels.is_none() {
        let levels: Vec<String> = c
            .confidence
            .iter()
            .map(|l| format!("{} {}", l.level, thousands(l.replies)))
            .collect();
        writeln!(out, "confidence: {}", levels.join(", "))?;
    }
    writeln!(
        out,
        "latency of Engine::reply: median {}, p99 {}, max {} ({} build)",
        micros(c.latency.median_us),
        micros(c.latency.p99_us),
        micros(c.latency.max_us),
        c.latency.build
    )?;

    // Answers per topic, as bars; "hit in" counts the messages where the topic had a
    // hit, won or not, so a topic that is hit but rarely chosen stands out.
    let used: Vec<&TopicUse> = c.topics.iter().filter(|t| t.answers > 0).collect();
    let unused: Vec<String> = c
        .topics
        .iter()
        .filter(|t| t.answers == 0)
        .map(|t| match t.hit_in {
            0 => t.topic.clone(),
            n => format!("{} (hit in {n})", t.topic),
        })
        .collect();
    writeln!(
        out,
        "\nanswers per topic (and messages in which the topic was hit)"
    )?;
    let label_w = used
        .iter()
        .map(|t| format!("{} ({})", t.path, t.topic).width())
        .max()
        .unwrap_or(0);
    let max = used.first().map_or(1, |t| t.answers).max(1);
    for t in &used {
        let len = (t.answers * 30).div_ceil(max);
        writeln!(
            out,
            "  {}  {:>7}  {:5.1}%  {:>7}  {}",
            pad(&format!("{} ({})", t.path, t.topic), label_w),
            thousands(t.answers),
            share(t.answers, n),
            format!("({})", thousands(t.hit_in)),
            "█".repeat(len)
        )?;
    }
    if !unused.is_empty() {
        writeln!(
            out,
            "  never chosen ({}): {}",
            unused.len(),
            unused.join(", ")
        )?;
    }

    writeln!(
        out,
        "\ntop fragments of the {} unanswered messages (2–4 characters, messages containing each; \
         only fragments at least twice as common there as in answered messages)",
        thousands(c.unanswered)
    )?;
    if c.fragments.is_empty() {
        writeln!(out, "  none")?;
    }
    let frag_w = c
        .fragments
        .iter()
        .map(|f| f.text.width())
        .max()
        .unwrap_or(0);
    for (i, f) in c.fragments.iter().enumerate() {
        writeln!(
            out,
            "  {:>2}. {}  {:>6}  e.g. {}",
            i + 1,
            pad(&f.text, frag_w),
            thousands(f.count),
            shorten(f.examples.first().map_or("", String::as_str), 40)
        )?;
    }
    Ok(())
}
