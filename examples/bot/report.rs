//! The coverage report of `bot replay`: shares, answers per topic, latency and the
//! fragments of unanswered messages.

use crate::display::{micros, pad, plural, shorten, thousands};
use crate::fragments::fragments;
use kefu::{Engine, Reply};
use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

/// Unanswered fragments shown by `replay`.
pub(crate) const TOP_FRAGMENTS: usize = 15;

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) messages: usize,
    pub(crate) sessions: usize,
    pub(crate) invalid: usize,
    pub(crate) answered: usize,
    pub(crate) handoff: usize,
    pub(crate) nanos: Vec<u64>,
    pub(crate) per_topic: HashMap<String, usize>,
    /// Messages in which a topic had a hit (whether it won or not).
    pub(crate) hit_in: HashMap<String, usize>,
    pub(crate) unanswered: Vec<String>,
    pub(crate) answered_messages: Vec<String>,
}

impl Stats {
    pub(crate) fn record(&mut self, message: &str, reply: &Reply<'_>, took: Duration) {
        self.messages += 1;
        self.nanos
            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
        if reply.handoff() {
            self.handoff += 1;
        }
        let mut hit: Vec<&str> = reply.hits().iter().map(|h| h.topic).collect();
        hit.sort_unstable();
        hit.dedup();
        for t in hit {
            *self.hit_in.entry(t.to_owned()).or_default() += 1;
        }
        match reply.topic() {
            Some(t) => {
                self.answered += 1;
                *self.per_topic.entry(t.to_owned()).or_default() += 1;
                self.answered_messages.push(message.to_owned());
            }
            None => self.unanswered.push(message.to_owned()),
        }
    }

    pub(crate) fn report(
        &mut self,
        out: &mut dyn Write,
        engine: &Engine,
        log: &str,
        rules: &str,
        grouped: bool,
    ) -> io::Result<()> {
        let n = self.messages;
        let share = |k: usize| 100.0 * k as f64 / n as f64;
        let conversations = if grouped {
            format!(" in {} conversations", thousands(self.sessions))
        } else {
            String::new()
        };
        writeln!(
            out,
            "replay of {log}: {} messages{conversations}, rules {rules} ({})",
            thousands(n),
            engine.shop_name()
        )?;
        if self.invalid > 0 {
            writeln!(
                out,
                "  ({} line{} not UTF-8, skipped)",
                self.invalid,
                plural(self.invalid)
            )?;
        }
        let fallback = n - self.answered;
        writeln!(
            out,
            "\nanswered    {:>9}  {:5.1}%   a node chose the reply",
            thousands(self.answered),
            share(self.answered)
        )?;
        writeln!(
            out,
            "fallback    {:>9}  {:5.1}%   nothing matched",
            thousands(fallback),
            share(fallback)
        )?;
        writeln!(
            out,
            "handed off  {:>9}  {:5.1}%   a handoff node, or fallbacks in a row",
            thousands(self.handoff),
            share(self.handoff)
        )?;

        self.nanos.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.nanos.len() - 1) as f64 * p).round() as usize;
            micros(self.nanos[i])
        };
        writeln!(
            out,
            "latency of Engine::reply: median {}, p99 {}, max {} ({} build)",
            pct(0.5),
            pct(0.99),
            micros(self.nanos[self.nanos.len() - 1]),
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        )?;

        // Answers per topic, as bars; "hit in" counts the messages where the topic
        // had a hit, won or not, so a topic that is hit but rarely chosen stands out.
        let hit_in = |t: &str| self.hit_in.get(t).copied().unwrap_or(0);
        let mut topics: Vec<(&str, String, usize)> = engine
            .nodes()
            .map(|node| {
                let count = self.per_topic.get(node.topic()).copied().unwrap_or(0);
                (node.topic(), node.display_path(), count)
            })
            .collect();
        topics.sort_by_key(|t| std::cmp::Reverse(t.2));
        let used: Vec<&(&str, String, usize)> = topics.iter().filter(|t| t.2 > 0).collect();
        let unused: Vec<String> = topics
            .iter()
            .filter(|t| t.2 == 0)
            .map(|t| match hit_in(t.0) {
                0 => t.0.to_owned(),
                n => format!("{} (hit in {n})", t.0),
            })
            .collect();
        writeln!(
            out,
            "\nanswers per topic (and messages in which the topic was hit)"
        )?;
        let label_w = used
            .iter()
            .map(|t| format!("{} ({})", t.1, t.0).width())
            .max()
            .unwrap_or(0);
        let max = used.first().map_or(1, |t| t.2).max(1);
        for (topic, path, count) in &used {
            let len = (count * 30).div_ceil(max);
            writeln!(
                out,
                "  {}  {:>7}  {:5.1}%  {:>7}  {}",
                pad(&format!("{path} ({topic})"), label_w),
                thousands(*count),
                share(*count),
                format!("({})", thousands(hit_in(topic))),
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
            thousands(self.unanswered.len())
        )?;
        let top = fragments(&self.unanswered, &self.answered_messages, TOP_FRAGMENTS);
        if top.is_empty() {
            writeln!(out, "  none")?;
        }
        let frag_w = top.iter().map(|f| f.text.width()).max().unwrap_or(0);
        for (i, f) in top.iter().enumerate() {
            writeln!(
                out,
                "  {:>2}. {}  {:>6}  e.g. {}",
                i + 1,
                pad(&f.text, frag_w),
                thousands(f.count),
                shorten(&self.unanswered[f.example], 40)
            )?;
        }
        Ok(())
    }
}
