//! Reply kinds and variants: the opening of a conversation and which variant of a
//! reply list is sent.
//!
//! The first reply of a session (or the first after `after_silence`) opens with a
//! greeting; the pay-by notice of the session's unpaid order is added to it, else an
//! active reminder, else an active promotion. Variants rotate per session and per
//! reply so a buyer never gets the same sentence twice in a row; a variant that needs a
//! capture the session lacks is skipped. When the session's current product has what
//! some variant reads (`{product.fabric}`), those variants answer; else only variants
//! that read no product attribute do. Among the variants left, those marked `for:` the
//! buyer's segment or `mood: soothing` are preferred as [`Want`] says; a handoff while
//! no agent is on duty gets `off_hours_reply`.
//!
//! Pure: choosing reads what the session remembers (the variant sent last, its seed)
//! and returns a [`Pick`]; the engine's decision carries it and the session records it
//! in its one update. Never writes a session.

use crate::basics::clock::When;
use crate::basics::ids::{NodeId, SegmentId};
use crate::shop::hours::{AgentHours, NextOpen};
use crate::template::{After, Mark, Template, Vars};
use jiff::Timestamp;

/// What kind of reply this is.
///
/// A reply that opens a conversation has one of the three `Greeting*` kinds (its body,
/// an answer or fallback, follows the greeting); any other reply has the kind of its
/// body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplyKind {
    /// Greeting (问候型), then the answer.
    Greeting,
    /// Greeting plus the active promotion (问候+促销型), then the answer.
    GreetingPromotion,
    /// Greeting plus the pay-by notice of the session's unpaid order, or the active
    /// reminder (问候+提醒型), then the answer.
    GreetingReminder,
    /// An answer from a node.
    Answer,
    /// Nothing matched: the fallback reply.
    Fallback,
    /// A human should take over: a handoff node, too many fallbacks in a row, or an
    /// angry buyer (`buyers.anger`).
    Handoff,
    /// A human should take over, but none is on duty (`shop.agent_hours`): the reply is
    /// `fallback.off_hours_reply`, which tells the buyer when agents are back
    /// (`{next_open}`). [`Reply::handoff`](crate::Reply::handoff) is true as for
    /// `Handoff`.
    HandoffOffHours,
}

impl ReplyKind {
    /// The snake_case name used in JSON and logs (`greeting_promotion`, `answer` …).
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Greeting => "greeting",
            ReplyKind::GreetingPromotion => "greeting_promotion",
            ReplyKind::GreetingReminder => "greeting_reminder",
            ReplyKind::Answer => "answer",
            ReplyKind::Fallback => "fallback",
            ReplyKind::Handoff => "handoff",
            ReplyKind::HandoffOffHours => "handoff_off_hours",
        }
    }

    /// Whether this kind hands the conversation to a human (`Handoff` or
    /// `HandoffOffHours`).
    pub fn is_handoff(self) -> bool {
        matches!(self, ReplyKind::Handoff | ReplyKind::HandoffOffHours)
    }
}

impl std::fmt::Display for ReplyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A promotion or reminder of `first_reply`: a text shown in the opening while `when`
/// holds (once, every year, weekly or monthly), in the shop's zone.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub(crate) id: String,
    /// Where the window is written.
    pub(crate) location: Option<crate::basics::error::Location>,
    pub(crate) when: When,
    /// The shop's zone, in which `when` is read.
    pub(crate) tz: jiff::tz::TimeZone,
    pub(crate) text: Template,
}

impl Window {
    pub(crate) fn active_at(&self, now: Timestamp) -> bool {
        self.when.contains(now, &self.tz)
    }
}

/// `first_reply:`, compiled: the greeting and what may be added to it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Openings {
    pub(crate) greeting: Vec<Template>,
    /// The greeting of an in-sale or after-sale conversation, or of an angry buyer
    /// (`mood: soothing` variants); empty: the greeting, without promotion.
    pub(crate) calm_greeting: Vec<Template>,
    /// Greeting and answer on one line (separated by a space), not two.
    pub(crate) one_line: bool,
    /// A message after this much silence opens the conversation again.
    pub(crate) after_silence_secs: i64,
    pub(crate) promotions: Vec<Window>,
    pub(crate) reminders: Vec<Window>,
}

impl Openings {
    /// Whether a message at `now` opens (or reopens, after a silence) a conversation
    /// whose last message was at `last_at` (unix seconds).
    pub(crate) fn needed(&self, last_at: Option<i64>, now: Timestamp) -> bool {
        match last_at {
            None => true,
            Some(last) => now.as_second().saturating_sub(last) >= self.after_silence_secs,
        }
    }

    /// The opening's kind and the notice to add to the greeting: the unpaid order's
    /// `pay_by` notice (when given: the session has an open order), else the first
    /// active reminder, else (when `promotions`) the first active promotion.
    pub(crate) fn notice<'r>(
        &'r self,
        pay_by: Option<&'r [Template]>,
        promotions: bool,
        now: Timestamp,
    ) -> (ReplyKind, Option<Notice<'r>>) {
        if let Some(t) = pay_by {
            return (ReplyKind::GreetingReminder, Some(Notice::PayBy(t)));
        }
        if let Some(r) = self.reminders.iter().find(|w| w.active_at(now)) {
            return (ReplyKind::GreetingReminder, Some(Notice::Window(r)));
        }
        if let Some(p) = self.promotion_at(now).filter(|_| promotions) {
            return (ReplyKind::GreetingPromotion, Some(Notice::Window(p)));
        }
        (ReplyKind::Greeting, None)
    }

    /// The first promotion active at `now`.
    pub(crate) fn promotion_at(&self, now: Timestamp) -> Option<&Window> {
        self.promotions.iter().find(|w| w.active_at(now))
    }
}

/// `fallback:`, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fallback {
    pub(crate) reply: Vec<Template>,
    pub(crate) handoff_after: u32,
    pub(crate) handoff_reply: Vec<Template>,
    /// A handoff outside `shop.agent_hours`; may name `{next_open}`.
    pub(crate) off_hours_reply: Vec<Template>,
}

/// What the opening adds to the greeting.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice<'r> {
    /// A promotion or reminder of `first_reply`.
    Window(&'r Window),
    /// `payment_reminders.pay_by`, for the session's unpaid order.
    PayBy(&'r [Template]),
}

impl<'r> Notice<'r> {
    /// The id `Reply::notice` reports: the window's id, or `pay_by`.
    pub(crate) fn id(&self) -> &'r str {
        match self {
            Notice::Window(w) => &w.id,
            Notice::PayBy(_) => "pay_by",
        }
    }
}

/// Which variants a reply prefers: the buyer's segment, a soothing tone for an angry
/// buyer, the topic the conversation is on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Want {
    /// The buyer's current segment.
    pub(crate) segment: Option<SegmentId>,
    /// The buyer is angry: `mood: soothing` variants first.
    pub(crate) soothing: bool,
    /// The topic the conversation was on before this message (small talk skipped) and
    /// its first-level ancestor: `after:` variants naming either come first.
    pub(crate) thread: Option<(NodeId, NodeId)>,
}

/// The tiers of variants, best first: a variant of the first tier that has a
/// renderable member is chosen, rotating within the tier.
fn tier(want: &Want, mark: Mark, t: u8) -> bool {
    let for_me = mark.segment.is_some() && mark.segment == want.segment;
    // An `after:` variant fits only a conversation on its topic (or in its branch, or
    // on any topic for `after: any`).
    let (exact, branch, any) = match (mark.after, want.thread) {
        (Some(After::Topic(a)), Some((node, root))) => (a == node, a == root, false),
        (Some(After::Any), Some(_)) => (false, false, true),
        _ => (false, false, false),
    };
    let general = mark.after.is_none();
    let on_topic = general || exact || branch || any;
    let calm_for_me = !mark.soothing && (for_me || mark.segment.is_none());
    match t {
        // Angry buyers: soothing variants for their segment, then any unsegmented ones.
        0 => want.soothing && mark.soothing && for_me && on_topic,
        1 => want.soothing && mark.soothing && mark.segment.is_none() && on_topic,
        // Calm buyers (and angry ones when nothing soothing fits): the variants for the
        // conversation's topic, then for its branch, then for any topic, then their
        // segment's, then the unmarked ones, then any but soothing ones.
        2 => calm_for_me && exact,
        3 => calm_for_me && branch,
        4 => calm_for_me && any,
        5 => !mark.soothing && general && for_me,
        6 => !mark.soothing && general && mark.segment.is_none(),
        7 => !mark.soothing && general,
        _ => on_topic,
    }
}

/// Session keys (as [`key_hash`](crate::basics::text::key_hash)) of the replies that
/// are not a node's.
pub(crate) mod keys {
    use crate::basics::text::key_hash;
    pub(crate) const GREETING: u32 = key_hash("#greeting");
    pub(crate) const CALM: u32 = key_hash("#calm");
    pub(crate) const FALLBACK: u32 = key_hash("#fallback");
    pub(crate) const HANDOFF: u32 = key_hash("#handoff");
    pub(crate) const OFF_HOURS: u32 = key_hash("#off_hours");
}

const TIERS: u8 = 9;

/// Which marks a list's variants carry: the tiers no variant can fill are skipped (most
/// lists have no marks: only the unmarked tiers are looked at).
struct Marks {
    soothing: bool,
    after: bool,
    segment: bool,
}

impl Marks {
    fn of(templates: &[Template]) -> Marks {
        let mut m = Marks {
            soothing: false,
            after: false,
            segment: false,
        };
        for t in templates {
            m.soothing |= t.mark.soothing;
            m.after |= t.mark.after.is_some();
            m.segment |= t.mark.segment.is_some();
        }
        m
    }

    /// Whether a variant of the list may be in tier `t` for `want` (see [`tier`]).
    fn may_fill(&self, want: &Want, t: u8) -> bool {
        match t {
            0 | 1 => self.soothing && want.soothing,
            2..=4 => self.after && want.thread.is_some(),
            5 => self.segment && want.segment.is_some(),
            _ => true,
        }
    }
}
/// Tiers `0..SOOTHING_TIERS` hold the soothing variants for an angry buyer.
const SOOTHING_TIERS: u8 = 2;

/// The variant chosen from a reply list, and what the session should remember of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pick {
    /// Index in the list.
    pub(crate) index: usize,
    /// `(reply key, index)` for the session's rotation; `None` for a list of one
    /// variant (nothing to rotate).
    pub(crate) rotation: Option<(u32, u32)>,
}

/// What a session remembers of one reply key: the variant sent last, and the seed that
/// picks the first variant when none was sent yet (computed only when needed).
pub(crate) struct Memory<F: FnOnce() -> u32> {
    pub(crate) last: Option<u32>,
    pub(crate) seed: F,
}

/// Chooses the variant of `templates` to send for reply key `key`; `None` when the
/// list is empty. Variants marked `after:` the topic the conversation is on come first
/// (then those `after:` its first-level branch, then `after: any`) and are skipped in
/// any other conversation; then variants marked for the buyer's
/// segment are preferred (rotating among those), else unmarked ones; `mood: soothing`
/// ones come first for an angry buyer and are skipped for a calm one while any other
/// fits. A variant that needs a value
/// `vars` lacks is skipped; when none fits, the best tier's next variant reading no
/// product attribute is used (its missing values render as their defaults or nothing).
///
/// Rotation is per key: after variant `i`, the search starts at `i + 1`, and the
/// variant sent last is used again only when no other fits, so a calm buyer never gets
/// the same sentence twice in a row while the list has another that fits (a segment's
/// only variant alternates with the unmarked ones). A current product's variants beat
/// the segment marks: when one about the product renders, only those are chosen.
pub(crate) fn pick<F: FnOnce() -> u32>(
    templates: &[Template],
    key: u32,
    want: &Want,
    vars: Vars<'_>,
    memory: Memory<F>,
) -> Option<Pick> {
    let n = templates.len();
    if n <= 1 {
        // Nothing to rotate: the one variant, renderable or not (a missing capture
        // renders as its default), and no rotation to record.
        return (n == 1).then_some(Pick {
            index: 0,
            rotation: None,
        });
    }
    let last = memory.last.map(|l| l as usize);
    let start = match last {
        Some(last) => (last + 1) % n,
        None => (memory.seed)() as usize % n,
    };
    // With a current product, the variants about it answer when one can: a fact about
    // the buyer's item beats a tone chosen for the buyer.
    let about_product = vars.product.is_some()
        && templates
            .iter()
            .any(|t| t.uses_product() && t.renderable(vars));
    let fits = |t: &Template| t.renderable(vars) && (!about_product || t.uses_product());
    let order = || (start..n).chain(0..start);
    let mut fallback = None;
    let mut repeat = None;
    let mut chosen = None;
    let marks = Marks::of(templates);
    for t in (0..TIERS).filter(|&t| marks.may_fill(want, t)) {
        for i in order().filter(|&i| tier(want, templates[i].mark, t)) {
            if fits(&templates[i]) {
                // The sentence sent last time waits until no other variant fits (a
                // segment's only variant alternates with the generic ones), except
                // for an angry buyer, who keeps getting soothing ones.
                if Some(i) == last && t >= SOOTHING_TIERS {
                    repeat.get_or_insert(i);
                    continue;
                }
                chosen = Some(i);
                break;
            }
            // Nothing renders in full: the best tier's first variant reading no product
            // attribute (rule files are checked to have one), so a missing attribute
            // never leaves a gap; a missing capture renders as its default or nothing.
            if fallback.is_none() && !templates[i].uses_product() {
                fallback = Some(i);
            }
        }
        if chosen.is_some() {
            break;
        }
    }
    let index = chosen.or(repeat).or(fallback).unwrap_or(start);
    Some(Pick {
        index,
        rotation: Some((key, index as u32)),
    })
}

/// The reply list and key of a handoff's body: `templates` (a handoff node's reply,
/// or `fallback.handoff_reply`) under `key` while agents are on duty, else
/// `fallback.off_hours_reply` with when they are next on duty (`{next_open}`).
pub(crate) fn handoff_body<'r>(
    hours: Option<&AgentHours>,
    fallback: &'r Fallback,
    templates: &'r [Template],
    key: u32,
    now: Timestamp,
) -> (ReplyKind, &'r [Template], u32, Option<NextOpen>) {
    match hours.and_then(|h| h.off_duty_at(now)) {
        Some(next) if !fallback.off_hours_reply.is_empty() => (
            ReplyKind::HandoffOffHours,
            &fallback.off_hours_reply,
            keys::OFF_HOURS,
            Some(next),
        ),
        _ => (ReplyKind::Handoff, templates, key, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::text::{key_hash, seed};
    use crate::shop::products::Product;
    use crate::template::{Facts, Scope};
    use std::collections::BTreeMap;

    /// What a session remembers for the one reply key of these tests.
    struct Buyer {
        id: &'static str,
        last: Option<u32>,
        captures: BTreeMap<String, String>,
    }

    impl Buyer {
        fn new(id: &'static str) -> Buyer {
            Buyer {
                id,
                last: None,
                captures: BTreeMap::new(),
            }
        }

        /// The next variant for this buyer, recorded as the session would.
        fn next_for(&mut self, t: &[Template], want: &Want, product: Option<&Product>) -> String {
            let vars = Vars {
                product: product.map(|p| p as &dyn Facts),
                ..Vars::captures(&self.captures)
            };
            let key = key_hash("k");
            let id = self.id;
            let memory = Memory {
                last: self.last,
                seed: || seed(id, key),
            };
            let Some(pick) = pick(t, key, want, vars, memory) else {
                return String::new();
            };
            if let Some((_, i)) = pick.rotation {
                self.last = Some(i);
            }
            let mut out = String::new();
            t[pick.index].render_into(vars, &mut out);
            out
        }
    }

    fn templates(srcs: &[&str]) -> Vec<Template> {
        let c = BTreeMap::new();
        let caps = vec!["order_id".to_owned()];
        let scope = Scope {
            constants: &c,
            captures: &caps,
        };
        srcs.iter()
            .map(|s| Template::parse(s, &scope).unwrap())
            .collect()
    }

    fn next(t: &[Template], s: &mut Buyer) -> String {
        s.next_for(t, &Want::default(), None)
    }

    #[test]
    fn variants_rotate_and_never_repeat_in_a_row() {
        let t = templates(&["a", "b", "c"]);
        let mut s = Buyer::new("buyer");
        let seen: Vec<String> = (0..6).map(|_| next(&t, &mut s)).collect();
        for w in seen.windows(2) {
            assert_ne!(w[0], w[1]);
        }
        assert_eq!(seen[0], seen[3], "a full cycle of three");
    }

    #[test]
    fn variants_about_the_current_product_answer_when_it_has_the_attribute() {
        let t = templates(&["通用a", "面料是{product.fabric}", "通用b"]);
        let with = Product {
            fabric: Some("羊毛".into()),
            ..Product::default()
        };
        let without = Product::default();
        let next_for = |s: &mut Buyer, p: Option<&Product>| s.next_for(&t, &Want::default(), p);
        let mut s = Buyer::new("x");
        for _ in 0..3 {
            assert_eq!(next_for(&mut s, Some(&with)), "面料是羊毛");
        }
        // No product, or one without the attribute: the generic variants rotate.
        for p in [None, Some(&without)] {
            let two: Vec<String> = (0..2).map(|_| next_for(&mut s, p)).collect();
            assert!(two.iter().all(|v| v.starts_with("通用")), "{two:?}");
            assert_ne!(two[0], two[1]);
        }
    }

    #[test]
    fn variants_needing_a_missing_capture_are_skipped() {
        let t = templates(&["订单{order_id}", "请发订单号"]);
        let mut s = Buyer::new("x");
        for _ in 0..3 {
            assert_eq!(next(&t, &mut s), "请发订单号");
        }
        s.captures.insert("order_id".into(), "123".into());
        let both: Vec<String> = (0..2).map(|_| next(&t, &mut s)).collect();
        assert!(both.contains(&"订单123".to_owned()));
    }

    fn marked(t: &mut [Template], i: usize, segment: Option<u8>, soothing: bool) {
        let segment = segment.map(SegmentId::from_raw);
        t[i].mark = Mark {
            segment,
            soothing,
            after: None,
        };
    }

    fn next_want(t: &[Template], want: &Want, s: &mut Buyer) -> String {
        s.next_for(t, want, None)
    }

    #[test]
    fn a_segments_only_variant_alternates_with_the_unmarked_ones() {
        let mut t = templates(&["通用a", "省钱", "通用b"]);
        marked(&mut t, 1, Some(0), false);
        let economic = Want {
            segment: Some(SegmentId::from_raw(0)),
            ..Want::default()
        };
        let mut s = Buyer::new("x");
        let seen: Vec<String> = (0..4).map(|_| next_want(&t, &economic, &mut s)).collect();
        assert_eq!(seen[0], "省钱", "the segment's variant first");
        for w in seen.windows(2) {
            assert_ne!(w[0], w[1], "{seen:?}");
        }
        assert_eq!(seen[2], "省钱", "{seen:?}");
        // Other buyers never get it while an unmarked one fits.
        let mut s = Buyer::new("y");
        for _ in 0..4 {
            assert_ne!(next_want(&t, &Want::default(), &mut s), "省钱");
        }
    }

    #[test]
    fn an_angry_buyer_keeps_getting_the_soothing_variant() {
        let mut t = templates(&["通用", "别急"]);
        marked(&mut t, 1, None, true);
        let angry = Want {
            soothing: true,
            ..Want::default()
        };
        let mut s = Buyer::new("x");
        for _ in 0..3 {
            assert_eq!(next_want(&t, &angry, &mut s), "别急");
        }
        assert_eq!(next_want(&t, &Want::default(), &mut s), "通用");
    }

    #[test]
    fn an_after_variant_answers_only_a_conversation_on_its_topic_and_first_there() {
        let (ret, fee, other) = (
            NodeId::from_raw(1),
            NodeId::from_raw(2),
            NodeId::from_raw(7),
        );
        let mut t = templates(&["请问咨询什么", "退货在订单页申请"]);
        t[1].mark.after = Some(After::Topic(ret));
        let on = |thread| Want {
            thread,
            ..Want::default()
        };
        let mut s = Buyer::new("x");
        for thread in [None, Some((other, other))] {
            for _ in 0..3 {
                assert_eq!(next_want(&t, &on(thread), &mut s), "请问咨询什么");
            }
        }
        // On return itself, or on return_fee (a child: its first-level ancestor is
        // return), the after: variant comes first, then alternates with the others.
        for thread in [Some((ret, ret)), Some((fee, ret))] {
            let mut s = Buyer::new("y");
            assert_eq!(next_want(&t, &on(thread), &mut s), "退货在订单页申请");
            assert_eq!(next_want(&t, &on(thread), &mut s), "请问咨询什么");
        }
        // The topic itself before its branch: on return_fee, its own variant first.
        t.push(templates(&["运费险会赔"]).remove(0));
        t[2].mark.after = Some(After::Topic(fee));
        let mut s = Buyer::new("z");
        assert_eq!(next_want(&t, &on(Some((fee, ret))), &mut s), "运费险会赔");
        assert_eq!(
            next_want(&t, &on(Some((fee, ret))), &mut s),
            "退货在订单页申请"
        );
        let mut s = Buyer::new("z");
        assert_eq!(
            next_want(&t, &on(Some((ret, ret))), &mut s),
            "退货在订单页申请"
        );
        // `after: any`: after the topic's own and its branch's, on any topic, never on
        // a first message.
        t.push(templates(&["收到,上面已经回复您了"]).remove(0));
        t[3].mark.after = Some(After::Any);
        let first = |thread| next_want(&t, &on(thread), &mut Buyer::new("w"));
        assert_eq!(first(Some((other, other))), "收到,上面已经回复您了");
        assert_eq!(first(Some((ret, ret))), "退货在订单页申请");
        assert_eq!(first(None), "请问咨询什么");
    }

    /// The tiers a list skips are tiers none of its variants can be in, for any mark and
    /// any buyer.
    #[test]
    fn skipped_tiers_hold_no_variant() {
        let (a, b) = (NodeId::from_raw(1), NodeId::from_raw(2));
        let seg = Some(SegmentId::from_raw(0));
        let mut marks = Vec::new();
        for segment in [None, seg, Some(SegmentId::from_raw(1))] {
            for soothing in [false, true] {
                for after in [None, Some(After::Any), Some(After::Topic(a))] {
                    marks.push(Mark {
                        segment,
                        soothing,
                        after,
                    });
                }
            }
        }
        let mut wants = Vec::new();
        for segment in [None, seg] {
            for soothing in [false, true] {
                for thread in [None, Some((a, a)), Some((b, a))] {
                    wants.push(Want {
                        segment,
                        soothing,
                        thread,
                    });
                }
            }
        }
        for &mark in &marks {
            let mut t = templates(&["x"]);
            t[0].mark = mark;
            let list = Marks::of(&t);
            for want in &wants {
                for tier_no in 0..TIERS {
                    if tier(want, mark, tier_no) {
                        assert!(
                            list.may_fill(want, tier_no),
                            "{mark:?} {want:?} tier {tier_no}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_product_fact_beats_the_segments_variant() {
        let mut t = templates(&["通用", "省钱", "面料是{product.fabric}"]);
        marked(&mut t, 1, Some(0), false);
        let wool = Product {
            fabric: Some("羊毛".into()),
            ..Product::default()
        };
        let want = Want {
            segment: Some(SegmentId::from_raw(0)),
            ..Want::default()
        };
        let mut s = Buyer::new("x");
        for _ in 0..2 {
            assert_eq!(s.next_for(&t, &want, Some(&wool)), "面料是羊毛");
        }
    }
}
