//! Reply kinds and variants: the opening of a conversation and the rotation of
//! variants per session.
//!
//! The first reply of a session (or the first after `after_silence`) opens with a
//! greeting; the pay-by notice of the session's unpaid order is added to it, else an
//! active reminder, else an active promotion. Variants
//! rotate per session and per reply so a buyer never gets the same sentence twice in a
//! row; a variant that needs a capture the session lacks is skipped. When the
//! session's current product has what some variant reads (`{product.fabric}`), those
//! variants answer; else only variants that read no product attribute do. Among the
//! variants left, those marked `for:` the buyer's segment or `mood: soothing` are
//! preferred as `Want` says; a handoff while no agent is on duty gets
//! `off_hours_reply`; a buyer of a `promote:` segment gets the active promotion once.

use crate::product::Product;
use crate::rules::{RuleSet, Window};
#[cfg(test)]
use crate::session::key_hash;
use crate::session::Session;
use crate::template::{Mark, Template, Vars};
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

/// Whether this message opens (or reopens, after a silence) the conversation.
pub(crate) fn opening_needed(rules: &RuleSet, session: &Session, now: Timestamp) -> bool {
    match session.last_at {
        None => true,
        Some(last) => now.as_second().saturating_sub(last) >= rules.after_silence_secs,
    }
}

/// What the opening adds to the greeting.
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

    pub(crate) fn render_into(
        &self,
        rules: &RuleSet,
        session: &Session,
        product: Option<&Product>,
        out: &mut String,
    ) {
        match self {
            Notice::Window(w) => {
                let vars = Vars {
                    product,
                    ..Vars::captures(&session.captures)
                };
                w.text.render_into(vars, out);
            }
            Notice::PayBy(t) => crate::remind::render_pay_by(t, rules, session, out),
        }
    }
}

/// The opening's kind and the notice to add to the greeting.
pub(crate) fn opening<'r>(
    rules: &'r RuleSet,
    session: &Session,
    now: Timestamp,
) -> (ReplyKind, Option<Notice<'r>>) {
    if let Some(t) = crate::remind::pay_by_notice(rules, session, now) {
        return (ReplyKind::GreetingReminder, Some(Notice::PayBy(t)));
    }
    if let Some(r) = rules.reminders.iter().find(|w| w.active_at(now)) {
        return (ReplyKind::GreetingReminder, Some(Notice::Window(r)));
    }
    if let Some(p) = rules.promotions.iter().find(|w| w.active_at(now)) {
        return (ReplyKind::GreetingPromotion, Some(Notice::Window(p)));
    }
    (ReplyKind::Greeting, None)
}

/// Renders the next variant of `templates` for `key` into `out`, and records it.
/// Does nothing when there are no templates. `product` is the session's current
/// product: variants reading it come first when they can be rendered.
pub(crate) fn render_variant(
    templates: &[Template],
    key: u32,
    session: &mut Session,
    product: Option<&Product>,
    out: &mut String,
) {
    let want = Want {
        product,
        ..Want::default()
    };
    render_variant_for(templates, key, &want, session, out);
}

/// Which variants a reply prefers: the buyer's segment, a soothing tone for an angry
/// buyer, and values only this reply has (`{next_open}`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Want<'a> {
    /// The buyer's current segment (index in `buyers.segments`).
    pub(crate) segment: Option<u8>,
    /// The buyer is angry: `mood: soothing` variants first.
    pub(crate) soothing: bool,
    /// Values that take precedence over captures.
    pub(crate) extra: &'a [(&'a str, &'a str)],
    /// The session's current product, if the rules list it.
    pub(crate) product: Option<&'a Product>,
}

/// The tiers of variants, best first: a variant of the first tier that has a
/// renderable member is chosen, rotating within the tier.
fn tier(want: &Want<'_>, mark: Mark, t: u8) -> bool {
    let for_me = mark.segment.is_some() && mark.segment == want.segment;
    match t {
        // Angry buyers: soothing variants for their segment, then any unsegmented ones.
        0 => want.soothing && mark.soothing && for_me,
        1 => want.soothing && mark.soothing && mark.segment.is_none(),
        // Calm buyers (and angry ones when nothing soothing fits): their segment's
        // variants, then the unmarked ones, then any but soothing ones.
        2 => !mark.soothing && for_me,
        3 => !mark.soothing && mark.segment.is_none(),
        4 => !mark.soothing,
        _ => true,
    }
}
/// Session keys (as [`key_hash`](crate::session::key_hash)) of the replies that are not a node's.
pub(crate) mod keys {
    use crate::session::key_hash;
    pub(crate) const GREETING: u32 = key_hash("#greeting");
    pub(crate) const FALLBACK: u32 = key_hash("#fallback");
    pub(crate) const HANDOFF: u32 = key_hash("#handoff");
    pub(crate) const OFF_HOURS: u32 = key_hash("#off_hours");
}

const TIERS: u8 = 6;
/// Tiers `0..SOOTHING_TIERS` hold the soothing variants for an angry buyer.
const SOOTHING_TIERS: u8 = 2;

/// [`render_variant`] choosing by `want`: variants marked for the buyer's segment are
/// preferred (rotating among those), else unmarked ones; `mood: soothing` ones come
/// first for an angry buyer and are skipped for a calm one while any other fits. A
/// variant that needs a capture the session lacks is skipped; when none fits, the
/// best tier's next variant is used with the missing values left empty.
///
/// Rotation is per key: after variant `i`, the search starts at `i + 1`, and the
/// variant sent last is used again only when no other fits, so a calm buyer never gets
/// the same sentence twice in a row while the list has another that fits (a segment's
/// only variant alternates with the unmarked ones). A current product's variants beat
/// the segment marks: when one about the product renders, only those are chosen.
pub(crate) fn render_variant_for(
    templates: &[Template],
    key: u32,
    want: &Want<'_>,
    session: &mut Session,
    out: &mut String,
) {
    let n = templates.len();
    if n == 0 {
        return;
    }
    let vars = Vars {
        captures: &session.captures,
        extra: want.extra,
        product: want.product,
    };
    if n == 1 {
        // Nothing to rotate: the one variant, renderable or not (a missing capture
        // renders as its default), and no rotation to record.
        templates[0].render_into(vars, out);
        return;
    }
    let last = session.last_variant(key).map(|l| l as usize);
    let start = match last {
        Some(last) => (last + 1) % n,
        None => session.seed(key) as usize % n,
    };
    // With a current product, the variants about it answer when one can: a fact about
    // the buyer's item beats a tone chosen for the buyer.
    let about_product = want.product.is_some()
        && templates
            .iter()
            .any(|t| t.uses_product() && t.renderable(vars));
    let fits = |t: &Template| t.renderable(vars) && (!about_product || t.uses_product());
    let order = || (0..n).map(|k| (start + k) % n);
    let mut fallback = None;
    let mut repeat = None;
    let mut chosen = None;
    for t in 0..TIERS {
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
    let chosen = chosen.or(repeat).or(fallback).unwrap_or(start);
    templates[chosen].render_into(vars, out);
    session.set_variant(key, chosen as u32);
}

/// Renders the body of a handoff: `templates` (a handoff node's reply, or
/// `fallback.handoff_reply`) while agents are on duty, else `fallback.off_hours_reply`
/// with `{next_open}`. Returns the body's kind.
pub(crate) fn render_handoff(
    rules: &RuleSet,
    templates: &[Template],
    key: u32,
    want: &Want<'_>,
    now: Timestamp,
    session: &mut Session,
    out: &mut String,
) -> ReplyKind {
    let off = rules.agent_hours.as_ref().and_then(|h| h.off_duty_at(now));
    match off {
        Some(next) if !rules.fallback.off_hours_reply.is_empty() => {
            let label = next.label();
            let extra = [("next_open", label.as_str())];
            let want = Want {
                extra: &extra,
                ..*want
            };
            render_variant_for(
                &rules.fallback.off_hours_reply,
                keys::OFF_HOURS,
                &want,
                session,
                out,
            );
            ReplyKind::HandoffOffHours
        }
        _ => {
            render_variant_for(templates, key, want, session, out);
            ReplyKind::Handoff
        }
    }
}

/// For a buyer of a `promote: true` segment, appends the active promotion on its own
/// line, once per session; returns its id. Not when the greeting of this reply
/// (`notice`) already carried it (the session still counts it as told).
pub(crate) fn append_promotion<'r>(
    rules: &'r RuleSet,
    segment: Option<usize>,
    product: Option<&Product>,
    notice: Option<&str>,
    now: Timestamp,
    session: &mut Session,
    out: &mut String,
) -> Option<&'r str> {
    let promotes = segment
        .and_then(|i| rules.buyers.segments.get(i))
        .is_some_and(|s| s.promote);
    if !promotes || session.promoted {
        return None;
    }
    let p = rules.promotions.iter().find(|w| w.active_at(now))?;
    session.promoted = true;
    if notice == Some(p.id.as_str()) {
        return None;
    }
    out.push('\n');
    let vars = Vars {
        product,
        ..Vars::captures(&session.captures)
    };
    p.text.render_into(vars, out);
    Some(&p.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::Product;
    use crate::template::Scope;
    use std::collections::BTreeMap;

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

    fn next(t: &[Template], s: &mut Session) -> String {
        let mut out = String::new();
        render_variant(t, key_hash("k"), s, None, &mut out);
        out
    }

    #[test]
    fn variants_rotate_and_never_repeat_in_a_row() {
        let t = templates(&["a", "b", "c"]);
        let mut s = Session::new("buyer");
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
        let next_for = |s: &mut Session, p: Option<&Product>| {
            let mut out = String::new();
            render_variant(&t, key_hash("k"), s, p, &mut out);
            out
        };
        let mut s = Session::new("x");
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
        let mut s = Session::new("x");
        for _ in 0..3 {
            assert_eq!(next(&t, &mut s), "请发订单号");
        }
        s.store_capture("order_id", "123");
        let both: Vec<String> = (0..2).map(|_| next(&t, &mut s)).collect();
        assert!(both.contains(&"订单123".to_owned()));
    }

    fn marked(t: &mut [Template], i: usize, segment: Option<u8>, soothing: bool) {
        t[i].mark = Mark { segment, soothing };
    }

    fn next_want(t: &[Template], want: &Want<'_>, s: &mut Session) -> String {
        let mut out = String::new();
        render_variant_for(t, key_hash("k"), want, s, &mut out);
        out
    }

    #[test]
    fn a_segments_only_variant_alternates_with_the_unmarked_ones() {
        let mut t = templates(&["通用a", "省钱", "通用b"]);
        marked(&mut t, 1, Some(0), false);
        let economic = Want {
            segment: Some(0),
            ..Want::default()
        };
        let mut s = Session::new("x");
        let seen: Vec<String> = (0..4).map(|_| next_want(&t, &economic, &mut s)).collect();
        assert_eq!(seen[0], "省钱", "the segment's variant first");
        for w in seen.windows(2) {
            assert_ne!(w[0], w[1], "{seen:?}");
        }
        assert_eq!(seen[2], "省钱", "{seen:?}");
        // Other buyers never get it while an unmarked one fits.
        let mut s = Session::new("y");
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
        let mut s = Session::new("x");
        for _ in 0..3 {
            assert_eq!(next_want(&t, &angry, &mut s), "别急");
        }
        assert_eq!(next_want(&t, &Want::default(), &mut s), "通用");
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
            segment: Some(0),
            product: Some(&wool),
            ..Want::default()
        };
        let mut s = Session::new("x");
        for _ in 0..2 {
            assert_eq!(next_want(&t, &want, &mut s), "面料是羊毛");
        }
    }
}
