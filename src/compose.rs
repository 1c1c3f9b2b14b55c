//! Reply kinds and variants: the opening of a conversation and the rotation of
//! variants per session.
//!
//! The first reply of a session (or the first after `after_silence`) opens with a
//! greeting; the pay-by notice of the session's unpaid order is added to it, else an
//! active reminder, else an active promotion. Variants
//! rotate per session and per reply so a buyer never gets the same sentence twice in a
//! row; a variant that needs a capture the session lacks is skipped.

use crate::rules::{RuleSet, Window};
use crate::session::{key_hash, Session};
use crate::template::Template;
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
    /// A human should take over: a handoff node, or too many fallbacks in a row.
    Handoff,
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
        }
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

    pub(crate) fn render_into(&self, rules: &RuleSet, session: &Session, out: &mut String) {
        match self {
            Notice::Window(w) => w.text.render_into(&session.captures, out),
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
/// Does nothing when there are no templates.
pub(crate) fn render_variant(
    templates: &[Template],
    key: &str,
    session: &mut Session,
    out: &mut String,
) {
    let n = templates.len();
    if n == 0 {
        return;
    }
    let key = key_hash(key);
    let start = match session.last_variant(key) {
        Some(last) => (last as usize + 1) % n,
        None => session.seed(key) as usize % n,
    };
    let chosen = (0..n)
        .map(|k| (start + k) % n)
        .find(|&i| templates[i].renderable(&session.captures))
        .unwrap_or(start);
    templates[chosen].render_into(&session.captures, out);
    session.set_variant(key, chosen as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
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
        render_variant(t, "k", s, &mut out);
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
}
