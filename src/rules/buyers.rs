//! Validation of `buyers:` (segments and anger) into
//! [`Buyers`](crate::shop::buyers::Buyers) and the signal words the automaton finds;
//! and of a segment named by a variant's `for:` or a test's `segment:`.

use super::model::BuyersRule;
use super::{loc, Validator, S};
use crate::basics::error::ErrorKind;
use crate::basics::ids::SegmentId;
use crate::basics::limits::{MAX_SEGMENTS, MAX_TOPIC_BYTES};
use crate::basics::text::is_ident;
use crate::pipeline::tree::{Signal, TermKind};
use crate::shop::buyers::{
    segment_key, Anger, Buyers, Segment, DEFAULT_ANGER_HANDOFF_AFTER, DEFAULT_HALF_LIFE,
    DEFAULT_QUESTION_MARKS, MAX_HALF_LIFE,
};
use serde_saphyr::Spanned;
use std::collections::HashMap;

impl Validator {
    /// `buyers:`, and the signal words to compile with the nodes' keywords.
    /// `has_handoff_reply`: the file has `fallback.handoff_reply`, the words for an
    /// angry buyer handed over; without them `anger.handoff_after` defaults to 0.
    pub(super) fn buyers(
        &mut self,
        rule: Option<Spanned<BuyersRule>>,
        has_handoff_reply: bool,
    ) -> (Buyers, Vec<Signal>) {
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
                    if !is_ident(&id.value) || id.value.len() > MAX_TOPIC_BYTES {
                        self.problem(
                            ErrorKind::InvalidValue,
                            format!(
                                "invalid segment id '{}'; use lower-case ASCII like economic, at most {} chars",
                                id.value, MAX_TOPIC_BYTES
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
                        segment: SegmentId::new(i),
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
                    signals.push(Signal {
                        term,
                        segment: None,
                    });
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
                handoff_after: a.handoff_after.as_ref().map_or(
                    if has_handoff_reply {
                        DEFAULT_ANGER_HANDOFF_AFTER
                    } else {
                        0
                    },
                    |h| h.value,
                ),
            }
        });
        (Buyers::new(segments, half_life, anger), signals)
    }

    /// The segment `s` names, or a problem.
    pub(super) fn segment_ref(&mut self, s: &S, buyers: &Buyers, path: &str) -> Option<SegmentId> {
        if let Some(i) = buyers.segments.iter().position(|g| g.id == s.value) {
            // At most MAX_SEGMENTS segments are kept: the index fits.
            return SegmentId::new(i);
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

    /// `segment:` of a `tests:` case: a known segment id, or `none`.
    pub(super) fn test_segment(&mut self, s: S, buyers: &Buyers, path: &str) -> Option<String> {
        if s.value == "none" {
            return None;
        }
        self.segment_ref(&s, buyers, path);
        Some(s.value)
    }
}

#[cfg(test)]
mod tests;
