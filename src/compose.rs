//! Reply kinds and variants: the opening of a conversation and the rotation of
//! variants per session.
//!
//! The first reply of a session (or the first after `after_silence`) opens with a
//! greeting; an active reminder is added to it, else an active promotion. Variants
//! rotate per session and per reply so a buyer never gets the same sentence twice in a
//! row; a variant that needs a capture the session lacks is skipped. When the
//! session's current product has what some variant reads (`{product.fabric}`), those
//! variants answer; else only variants that read no product attribute do.

use crate::product::Product;
use crate::rules::{RuleSet, Window};
use crate::session::{key_hash, Session};
use crate::template::{Template, Vars};
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
    /// Greeting plus the active reminder (问候+提醒型), then the answer.
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

/// The opening's kind and the reminder or promotion to add to the greeting.
pub(crate) fn opening(rules: &RuleSet, now: Timestamp) -> (ReplyKind, Option<&Window>) {
    if let Some(r) = rules.reminders.iter().find(|w| w.active_at(now)) {
        return (ReplyKind::GreetingReminder, Some(r));
    }
    if let Some(p) = rules.promotions.iter().find(|w| w.active_at(now)) {
        return (ReplyKind::GreetingPromotion, Some(p));
    }
    (ReplyKind::Greeting, None)
}

/// Renders the next variant of `templates` for `key` into `out`, and records it.
/// Does nothing when there are no templates. `product` is the session's current
/// product: variants reading it come first when they can be rendered.
pub(crate) fn render_variant(
    templates: &[Template],
    key: &str,
    session: &mut Session,
    product: Option<&Product>,
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
    let vars = Vars {
        captures: &session.captures,
        product,
    };
    // With a current product, the variants about it answer when one can.
    let about_product = product.is_some()
        && templates
            .iter()
            .any(|t| t.uses_product() && t.renderable(vars));
    let order = || (0..n).map(|k| (start + k) % n);
    let chosen = order()
        .find(|&i| templates[i].renderable(vars) && (!about_product || templates[i].uses_product()))
        // Nothing renders in full: a variant reading no product attribute (rule files
        // are checked to have one), so a missing attribute never leaves a gap.
        .or_else(|| order().find(|&i| !templates[i].uses_product()))
        .unwrap_or(start);
    templates[chosen].render_into(vars, out);
    session.set_variant(key, chosen as u32);
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
        render_variant(t, "k", s, None, &mut out);
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
            render_variant(&t, "k", s, p, &mut out);
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
}
