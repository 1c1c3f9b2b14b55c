//! Reading the buyer (精细化运营): segments scored over the session's messages, and
//! anger.
//!
//! The signal words of `buyers.segments` and `buyers.anger` are compiled into the same
//! automaton as the nodes' keywords (entries of kind `TermKind::Signal` and
//! `TermKind::Anger`), so a message is still scanned once: the scan reports a bit per
//! segment that had a signal, whether an anger word was seen, and the longest run of
//! question marks (which the normalizer drops, so the scan loop counts them on the
//! chars it skips).
//!
//! Scores are fixed point ([`ONE`] is one message with a signal) in a small inline
//! array the session keeps ([`SegmentScores`]), keyed by a hash of the segment id:
//! scoring never allocates, and a session saved under an older rule file still loads
//! (scores of segments the file no longer has are never read and make room for new
//! ones). [`observe`] is pure: it returns the new scores and counts, and the session
//! takes them in its one update.
//!
//! Each message first multiplies every score by `keep` (2^(-1/half_life), in 1/65,536),
//! rounding down, then adds [`ONE`] to each segment the message had a signal of, once
//! however many of its signals the message has. The buyer's segment is the one with the
//! highest score, if that score is at least what a single signal decays to after
//! `half_life` messages (about one half); ties go to the segment written first.

use crate::basics::ids::SegmentId;
use crate::basics::inline::InlineVec;
use crate::basics::limits::MAX_SEGMENTS;
use crate::basics::text::key_hash;
use serde::{Deserialize, Serialize};
/// The score one message with a signal adds: 1.0 in 1/65,536.
pub(crate) const ONE: u32 = 1 << 16;
/// Messages after which a signal counts half, when the file does not say.
pub(crate) const DEFAULT_HALF_LIFE: u32 = 4;
/// Longest half-life accepted (scores stay far below `u32::MAX`).
pub(crate) const MAX_HALF_LIFE: u32 = 64;
/// Question marks in a row that count as anger, when the file does not say.
pub(crate) const DEFAULT_QUESTION_MARKS: u32 = 3;
/// Angry messages in a row before a handoff, when the file does not say.
pub(crate) const DEFAULT_ANGER_HANDOFF_AFTER: u32 = 2;

/// One segment of `buyers.segments`, validated.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Append the active promotion (once per session) to answers for this segment.
    pub(crate) promote: bool,
    /// `key_hash(id)`: the session slot of its score.
    pub(crate) key: u32,
}

/// `buyers.anger`, validated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anger {
    /// Question marks (`?` or `？`) in a row that count as anger; 0 = never.
    pub(crate) question_marks: u32,
    /// Angry messages in a row before a handoff; 0 = never.
    pub(crate) handoff_after: u32,
}

/// `buyers:`, validated. The signal words themselves are in the matcher.
#[derive(Debug, Clone)]
pub(crate) struct Buyers {
    pub(crate) segments: Vec<Segment>,
    /// Factor applied to every score per message, in 1/65,536.
    pub(crate) keep: u32,
    /// Least score of the current segment: [`ONE`] decayed `half_life` times.
    pub(crate) threshold: u32,
    pub(crate) anger: Option<Anger>,
}

impl Default for Buyers {
    fn default() -> Self {
        Buyers::new(Vec::new(), DEFAULT_HALF_LIFE, None)
    }
}

impl Buyers {
    /// `half_life` must be in `1..=MAX_HALF_LIFE` (checked by the validator; clamped
    /// here).
    pub(crate) fn new(segments: Vec<Segment>, half_life: u32, anger: Option<Anger>) -> Buyers {
        let half_life = half_life.clamp(1, MAX_HALF_LIFE);
        let keep = keep_for(half_life);
        let threshold = (0..half_life).fold(ONE, |s, _| decay(s, keep));
        Buyers {
            segments,
            keep,
            threshold,
            anger,
        }
    }
}

/// 2^(-1/half_life) in 1/65,536, rounded to nearest. Computed once per rule file.
fn keep_for(half_life: u32) -> u32 {
    let f = 0.5f64.powf(1.0 / f64::from(half_life.max(1)));
    (f * f64::from(ONE)).round().clamp(0.0, f64::from(ONE - 1)) as u32
}

fn decay(score: u32, keep: u32) -> u32 {
    ((u64::from(score) * u64::from(keep)) >> 16) as u32
}

/// What one scan saw of the buyer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Signals {
    /// Bit `i`: the message had a signal of segment `i`.
    pub(crate) segments: u8,
    /// The message had an anger word.
    pub(crate) anger: bool,
    /// The longest run of question marks in the message.
    pub(crate) question_marks: u32,
}

/// The buyer after one message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// The current segment.
    pub(crate) segment: Option<SegmentId>,
    /// This message is angry.
    pub(crate) angry: bool,
    /// Angry `anger.handoff_after` times in a row (the count starts again): hand over.
    pub(crate) anger_handoff: bool,
}

/// What the session keeps of the buyer after one message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Kept {
    /// The segment scores after this message; `None` when the rules have no segments
    /// (the scores a session holds are then left as they are).
    pub(crate) scores: Option<SegmentScores>,
    /// Angry messages in a row after this one (0 after a handoff).
    pub(crate) angry_in_row: u32,
}

/// The buyer after one message's signals, from the scores and anger count before it.
pub(crate) fn observe(
    b: &Buyers,
    scores: &SegmentScores,
    angry_in_row: u32,
    sig: Signals,
) -> (Observed, Kept) {
    if b.segments.is_empty() && b.anger.is_none() {
        // Rules that read nothing of the buyer: nothing to score or count.
        return (Observed::default(), Kept::default());
    }
    let (segment, scores) = if b.segments.is_empty() {
        (None, None)
    } else {
        let mut scores = *scores;
        scores.decay(b.keep);
        for (i, seg) in b.segments.iter().enumerate().take(MAX_SEGMENTS) {
            if sig.segments & (1 << i) != 0 {
                scores.add(seg.key, ONE);
            }
        }
        (current(b, &scores), Some(scores))
    };
    let angry = b.anger.is_some_and(|a| {
        sig.anger || (a.question_marks > 0 && sig.question_marks >= a.question_marks)
    });
    let mut angry_in_row = if angry {
        angry_in_row.saturating_add(1)
    } else {
        0
    };
    let anger_handoff = angry
        && b.anger
            .is_some_and(|a| a.handoff_after > 0 && angry_in_row >= a.handoff_after);
    if anger_handoff {
        angry_in_row = 0;
    }
    let observed = Observed {
        segment,
        angry,
        anger_handoff,
    };
    (
        observed,
        Kept {
            scores,
            angry_in_row,
        },
    )
}

/// The segment with the highest score at or above the threshold; the first on ties.
pub(crate) fn current(b: &Buyers, scores: &SegmentScores) -> Option<SegmentId> {
    let mut best: Option<(usize, u32)> = None;
    for (i, seg) in b.segments.iter().enumerate() {
        let s = scores.get(seg.key);
        if s >= b.threshold && s > 0 && best.is_none_or(|(_, bs)| s > bs) {
            best = Some((i, s));
        }
    }
    best.and_then(|(i, _)| SegmentId::new(i))
}

/// Segment scores of a session: at most [`MAX_SEGMENTS`] `(key, score)` slots, inline.
/// Serialized as a list of `[key, score]` pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SegmentScores(InlineVec<(u32, u32), MAX_SEGMENTS>);

impl SegmentScores {
    fn as_slice(&self) -> &[(u32, u32)] {
        self.0.as_slice()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The score of the segment whose id hashes to `key` (0 when none).
    pub(crate) fn get(&self, key: u32) -> u32 {
        self.as_slice()
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, s)| *s)
    }

    /// Multiplies every score by `keep`/65,536 (rounding down) and drops the zeros.
    fn decay(&mut self, keep: u32) {
        for slot in self.0.as_mut_slice() {
            slot.1 = decay(slot.1, keep);
        }
        self.0.retain(|&(_, s)| s > 0);
    }

    /// Adds `amount` to `key`'s score; a new key takes a free slot or the lowest
    /// score's.
    fn add(&mut self, key: u32, amount: u32) {
        if let Some(slot) = self.0.as_mut_slice().iter_mut().find(|(k, _)| *k == key) {
            slot.1 = slot.1.saturating_add(amount);
            return;
        }
        if self.0.push((key, amount)) {
            return;
        }
        let slots = self.0.as_mut_slice();
        if let Some(lowest) = slots.iter_mut().min_by_key(|(_, s)| *s) {
            *lowest = (key, amount);
        }
    }
}

impl Serialize for SegmentScores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SegmentScores {
    /// The first [`MAX_SEGMENTS`] distinct keys, as written.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<(u32, u32)>::deserialize(d)?;
        let mut out = SegmentScores::default();
        for (k, s) in list {
            if out.0.len() == MAX_SEGMENTS {
                break;
            }
            if s > 0 && out.get(k) == 0 {
                out.add(k, s);
            }
        }
        Ok(out)
    }
}

/// The session slot key of a segment id.
pub(crate) fn segment_key(id: &str) -> u32 {
    key_hash(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a session keeps of the buyer: scores and angry messages in a row.
    type Held = (SegmentScores, u32);

    fn step(b: &Buyers, kept: &mut Held, sig: Signals) -> Observed {
        let (o, k) = observe(b, &kept.0, kept.1, sig);
        *kept = (k.scores.unwrap_or(kept.0), k.angry_in_row);
        o
    }

    fn seg(i: u8) -> Option<SegmentId> {
        Some(SegmentId::from_raw(i))
    }

    fn buyers(ids: &[&str], half_life: u32) -> Buyers {
        let segments = ids
            .iter()
            .map(|id| Segment {
                id: (*id).into(),
                name: (*id).into(),
                promote: false,
                key: segment_key(id),
            })
            .collect();
        Buyers::new(
            segments,
            half_life,
            Some(Anger {
                question_marks: 3,
                handoff_after: 2,
            }),
        )
    }

    fn sig(segments: u8) -> Signals {
        Signals {
            segments,
            ..Signals::default()
        }
    }

    #[test]
    fn keep_halves_a_score_over_half_life_messages() {
        for h in [1, 2, 3, 4, 8, 64] {
            let b = buyers(&["a"], h);
            let after = (0..h).fold(ONE, |s, _| decay(s, b.keep));
            // Within rounding of one half, and the threshold is exactly that value.
            assert!(
                (i64::from(after) - i64::from(ONE / 2)).abs() <= i64::from(h),
                "{h}: {after}"
            );
            assert_eq!(b.threshold, after);
        }
        assert_eq!(keep_for(1), ONE / 2);
    }

    #[test]
    fn one_signal_lasts_half_life_messages_then_fades() {
        let b = buyers(&["economic", "convenience"], 3);
        let mut s = Held::default();
        assert_eq!(step(&b, &mut s, sig(0b01)).segment, seg(0));
        for i in 1..=3 {
            assert_eq!(
                step(&b, &mut s, sig(0)).segment,
                seg(0),
                "message {i} after"
            );
        }
        assert_eq!(step(&b, &mut s, sig(0)).segment, None);
        // Scores fall to zero and free their slot.
        for _ in 0..60 {
            step(&b, &mut s, sig(0));
        }
        assert!(s.0.is_empty());
    }

    #[test]
    fn repeated_signals_outweigh_a_recent_single_one() {
        let b = buyers(&["economic", "convenience"], 4);
        let mut s = Held::default();
        for _ in 0..3 {
            step(&b, &mut s, sig(0b01));
        }
        // One convenience signal (1.0) against economic's 3 decayed (> 2).
        assert_eq!(step(&b, &mut s, sig(0b10)).segment, seg(0));
        // Both in one message: economic still ahead; a tie goes to the first.
        let b2 = buyers(&["economic", "convenience"], 4);
        let mut t = Held::default();
        assert_eq!(step(&b2, &mut t, sig(0b11)).segment, seg(0));
        assert_eq!(
            t.0.get(segment_key("economic")),
            t.0.get(segment_key("convenience"))
        );
    }

    #[test]
    fn scoring_is_deterministic_integer_math() {
        let b = buyers(&["a"], 4);
        let mut s = Held::default();
        step(&b, &mut s, sig(1));
        step(&b, &mut s, sig(1));
        step(&b, &mut s, sig(0));
        // keep = round(65536 * 2^-0.25) = 55109; 65536 → 55109 (+65536) → 120645 → 101449.
        assert_eq!(b.keep, 55109);
        assert_eq!(s.0.get(segment_key("a")), 101_449);
    }

    #[test]
    fn anger_counts_words_and_question_marks_and_hands_over_when_repeated() {
        let b = buyers(&[], 4);
        let mut s = Held::default();
        let angry_word = Signals {
            anger: true,
            ..Signals::default()
        };
        let two_marks = Signals {
            question_marks: 2,
            ..Signals::default()
        };
        let three_marks = Signals {
            question_marks: 3,
            ..Signals::default()
        };
        assert!(!step(&b, &mut s, two_marks).angry);
        let first = step(&b, &mut s, three_marks);
        assert!(first.angry && !first.anger_handoff);
        let second = step(&b, &mut s, angry_word);
        assert!(second.angry && second.anger_handoff);
        // A calm message starts the count again.
        assert!(!step(&b, &mut s, Signals::default()).angry);
        assert!(!step(&b, &mut s, angry_word).anger_handoff);
        // No `anger:` block: never angry.
        let calm = Buyers::default();
        assert!(!step(&calm, &mut s, angry_word).angry);
    }

    #[test]
    fn slots_are_bounded_and_round_trip() {
        let mut scores = SegmentScores::default();
        for k in 0..20u32 {
            scores.add(k, ONE + k);
        }
        assert_eq!(scores.as_slice().len(), MAX_SEGMENTS);
        // The lowest was replaced each time: the newest keys are kept.
        assert_eq!(scores.get(19), ONE + 19);
        let json = serde_json::to_string(&scores).unwrap();
        let back: SegmentScores = serde_json::from_str(&json).unwrap();
        assert_eq!(back, scores);
        let long: SegmentScores =
            serde_json::from_str(&format!("[{}]", vec!["[1,5]"; 30].join(","))).unwrap();
        assert_eq!(long.as_slice(), &[(1, 5)]);
    }
}
