//! Validation of what reads the buyer and when humans take over: `buyers:` (segments
//! and anger), reply variants marked `for:` a segment or `mood: soothing`,
//! `shop.agent_hours`, and the replies a handoff then needs. The runtime halves are
//! `crate::buyer` and `crate::hours`.

use super::model::{BuyersRule, FallbackRule, HoursRule, VariantRule};
use super::{is_ident, loc, Signal, TermKind, Validator, S};
use crate::buyer::{
    segment_key, Anger, Buyers, Segment, DEFAULT_ANGER_HANDOFF_AFTER, DEFAULT_HALF_LIFE,
    DEFAULT_QUESTION_MARKS, MAX_HALF_LIFE, MAX_SEGMENTS,
};
use crate::error::{ErrorKind, Location};
use crate::hours::{parse_clock, parse_days, AgentHours};
use crate::template::{Mark, Scope, Template};
use jiff::tz::TimeZone;
use serde_saphyr::Spanned;
use std::collections::HashMap;

const SOOTHING: &str = "soothing";

impl Validator {
    /// `buyers:`, and the signal words to compile with the nodes' keywords.
    pub(super) fn buyers(&mut self, rule: Option<Spanned<BuyersRule>>) -> (Buyers, Vec<Signal>) {
        let Some(rule) = rule else {
            return (Buyers::default(), Vec::new());
        };
        let rule = rule.value;
        let mut signals = Vec::new();
        let half_life = match rule.half_life {
            Some(h) if (1..=MAX_HALF_LIFE).contains(&h.value) => h.value,
            Some(h) => {
                self.problem(
                    ErrorKind::InvalidValue,
                    format!(
                        "half_life {} is out of range; write a number of messages from 1 to {MAX_HALF_LIFE}",
                        h.value
                    ),
                    loc(&h),
                    "buyers.half_life",
                );
                DEFAULT_HALF_LIFE
            }
            None => DEFAULT_HALF_LIFE,
        };
        let mut segments: Vec<Segment> = Vec::new();
        let mut first_at: HashMap<String, usize> = HashMap::new();
        for (i, seg) in rule.segments.into_iter().enumerate() {
            let at = loc(&seg);
            let path = format!("buyers.segments[{i}]");
            if i == MAX_SEGMENTS {
                self.problem(
                    ErrorKind::LimitExceeded,
                    format!("more than {MAX_SEGMENTS} segments"),
                    at,
                    &path,
                );
            }
            if i >= MAX_SEGMENTS {
                continue;
            }
            let seg = seg.value;
            let id = match &seg.id {
                Some(id) => {
                    if !is_ident(&id.value) || id.value.len() > crate::session::MAX_TOPIC_BYTES {
                        self.problem(
                            ErrorKind::InvalidValue,
                            format!(
                                "invalid segment id '{}'; use lower-case ASCII like economic, at most {} chars",
                                id.value,
                                crate::session::MAX_TOPIC_BYTES
                            ),
                            loc(id),
                            &format!("{path}.id"),
                        );
                    } else if let Some(first) = first_at.get(&id.value) {
                        self.problem(
                            ErrorKind::InvalidValue,
                            format!(
                                "duplicate segment id '{}', first used by buyers.segments[{first}]",
                                id.value
                            ),
                            loc(id),
                            &format!("{path}.id"),
                        );
                    } else {
                        first_at.insert(id.value.clone(), i);
                    }
                    id.value.clone()
                }
                None => {
                    self.problem(ErrorKind::MissingKey, "missing key 'id'", at, &path);
                    String::new()
                }
            };
            if seg.signals.is_empty() {
                self.problem(
                    ErrorKind::EmptyKeyword,
                    format!("segment '{id}' has no signals, so no buyer is ever in it"),
                    at,
                    &path,
                );
            }
            for (j, k) in seg.signals.iter().enumerate() {
                if let Some(term) =
                    self.term(k, TermKind::Signal, || format!("{path}.signals[{j}]"))
                {
                    signals.push(Signal {
                        term,
                        segment: i as u32,
                    });
                }
            }
            segments.push(Segment {
                name: seg.name.map_or_else(|| id.clone(), |n| n.value),
                key: segment_key(&id),
                id,
                promote: seg.promote,
            });
        }
        let anger = rule.anger.map(|a| {
            let at = loc(&a);
            let a = a.value;
            for (j, k) in a.signals.iter().enumerate() {
                if let Some(term) =
                    self.term(k, TermKind::Anger, || format!("buyers.anger.signals[{j}]"))
                {
                    signals.push(Signal { term, segment: 0 });
                }
            }
            let question_marks = a
                .question_marks
                .as_ref()
                .map_or(DEFAULT_QUESTION_MARKS, |q| q.value);
            if a.signals.is_empty() && question_marks == 0 {
                self.problem(
                    ErrorKind::EmptyKeyword,
                    "anger has no signals and question_marks is 0, so no buyer is ever angry",
                    at,
                    "buyers.anger",
                );
            }
            Anger {
                question_marks,
                handoff_after: a
                    .handoff_after
                    .as_ref()
                    .map_or(DEFAULT_ANGER_HANDOFF_AFTER, |h| h.value),
            }
        });
        (Buyers::new(segments, half_life, anger), signals)
    }

    /// A reply list whose items are templates or `{text, for, mood}` maps.
    pub(super) fn variants(
        &mut self,
        sources: &[Spanned<VariantRule>],
        scope: &Scope<'_>,
        path: &str,
        buyers: &Buyers,
    ) -> Vec<Template> {
        let mut out = Vec::with_capacity(sources.len());
        for (i, item) in sources.iter().enumerate() {
            let at = loc(item);
            let ipath = format!("{path}[{i}]");
            match &item.value {
                VariantRule::Plain(text) | VariantRule::Scalar(text) => {
                    if let Some(t) = self.template_at(text, at, scope, &ipath) {
                        out.push(t);
                    }
                }
                VariantRule::Marked(m) => {
                    let mark = Mark {
                        segment: m
                            .segment
                            .as_ref()
                            .and_then(|s| self.segment_ref(s, buyers, &format!("{ipath}.for"))),
                        soothing: m
                            .mood
                            .as_ref()
                            .is_some_and(|s| self.mood(s, buyers, &format!("{ipath}.mood"))),
                    };
                    let Some(text) = &m.text else {
                        self.problem(ErrorKind::MissingKey, "missing key 'text'", at, &ipath);
                        continue;
                    };
                    if let Some(mut t) = self.template(text, scope, &format!("{ipath}.text")) {
                        t.mark = mark;
                        out.push(t);
                    }
                }
            }
        }
        self.check_product_variants(&out, sources.first().and_then(loc), path);
        if !out.is_empty() && out.iter().all(|t| t.mark.soothing) {
            self.problem(
                ErrorKind::EmptyReply,
                "every variant is mood: soothing; add one for buyers who are not angry",
                sources.first().and_then(loc),
                path,
            );
        }
        out
    }

    /// The index of the segment `s` names, or a problem.
    fn segment_ref(&mut self, s: &S, buyers: &Buyers, path: &str) -> Option<u8> {
        if let Some(i) = buyers.segments.iter().position(|g| g.id == s.value) {
            return u8::try_from(i).ok();
        }
        let known: Vec<&str> = buyers.segments.iter().map(|g| g.id.as_str()).collect();
        let hint = if known.is_empty() {
            "buyers.segments declares none".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        };
        self.problem(
            ErrorKind::UnknownSegment,
            format!("unknown segment '{}'; {hint}", s.value),
            loc(s),
            path,
        );
        None
    }

    /// Whether `mood:` is `soothing` (the one mood), or a problem.
    fn mood(&mut self, s: &S, buyers: &Buyers, path: &str) -> bool {
        if s.value != SOOTHING {
            self.problem(
                ErrorKind::InvalidValue,
                format!("unknown mood '{}'; the one mood is soothing", s.value),
                loc(s),
                path,
            );
            return false;
        }
        if buyers.anger.is_none() {
            self.problem(
                ErrorKind::InvalidValue,
                "a soothing variant is used only for angry buyers; add buyers.anger to detect them",
                loc(s),
                path,
            );
        }
        true
    }

    /// `segment:` of a `tests:` case: a known segment id, or `none`.
    pub(super) fn test_segment(&mut self, s: S, buyers: &Buyers, path: &str) -> Option<String> {
        if s.value == "none" {
            return None;
        }
        self.segment_ref(&s, buyers, path);
        Some(s.value)
    }

    /// `shop.agent_hours`, read in `tz`.
    pub(super) fn agent_hours(
        &mut self,
        rule: Option<Spanned<Vec<Spanned<HoursRule>>>>,
        tz: &TimeZone,
    ) -> Option<AgentHours> {
        let rule = rule?;
        if rule.value.is_empty() {
            self.problem(
                ErrorKind::MissingKey,
                "agent_hours is empty; list at least one {days, from, until} range, or leave the key out when agents are always on duty",
                loc(&rule),
                "shop.agent_hours",
            );
            return None;
        }
        let mut specs = Vec::new();
        for (i, r) in rule.value.iter().enumerate() {
            let path = format!("shop.agent_hours[{i}]");
            let at = loc(r);
            let days = match &r.value.days {
                None => Some(0x7f),
                Some(d) => match parse_days(&d.value) {
                    Ok(mask) => Some(mask),
                    Err(msg) => {
                        self.problem(ErrorKind::InvalidTime, msg, loc(d), &format!("{path}.days"));
                        None
                    }
                },
            };
            let from = self.clock(r.value.from.as_ref(), "from", at, &path);
            let until = self.clock(r.value.until.as_ref(), "until", at, &path);
            let (Some(days), Some(from), Some(until)) = (days, from, until) else {
                continue;
            };
            if from == until {
                self.problem(
                    ErrorKind::InvalidTime,
                    "from and until are the same time; write from: \"00:00\", until: \"24:00\" for all day",
                    r.value.until.as_ref().and_then(loc),
                    &format!("{path}.until"),
                );
                continue;
            }
            if from == 24 * 60 {
                self.problem(
                    ErrorKind::InvalidTime,
                    "from: \"24:00\" is the next day's 00:00; write that",
                    r.value.from.as_ref().and_then(loc),
                    &format!("{path}.from"),
                );
                continue;
            }
            specs.push((days, from, until));
        }
        AgentHours::new(tz.clone(), &specs)
    }

    fn clock(&mut self, s: Option<&S>, key: &str, at: Option<Location>, path: &str) -> Option<u32> {
        let Some(s) = s else {
            self.problem(
                ErrorKind::MissingKey,
                format!("missing key '{key}'"),
                at,
                path,
            );
            return None;
        };
        let m = parse_clock(&s.value);
        if m.is_none() {
            self.problem(
                ErrorKind::InvalidTime,
                format!(
                    "invalid time '{}'; write HH:MM, such as 09:00 or 24:00",
                    s.value
                ),
                loc(s),
                &format!("{path}.{key}"),
            );
        }
        m
    }

    /// The handoff replies that anger and agent hours need in `fallback:`.
    pub(super) fn handoff_replies_needed(
        &mut self,
        fb: &FallbackRule,
        at: Option<Location>,
        buyers: &Buyers,
        has_hours: bool,
    ) {
        let anger_hands_over = buyers.anger.is_some_and(|a| a.handoff_after > 0);
        // With fallback.handoff_after above 0, the fallback's own check reports it.
        if anger_hands_over && fb.handoff_reply.is_empty() && fb.handoff_after == Some(0) {
            self.problem(
                ErrorKind::EmptyReply,
                "fallback needs a handoff_reply when buyers.anger hands angry buyers over (handoff_after above 0)",
                at,
                "fallback",
            );
        }
        if has_hours && fb.off_hours_reply.is_empty() {
            self.problem(
                ErrorKind::EmptyReply,
                "fallback needs an off_hours_reply when shop.agent_hours is set (the reply of a handoff while no agent is on duty)",
                at,
                "fallback",
            );
        }
    }
}

#[cfg(test)]
mod tests;
