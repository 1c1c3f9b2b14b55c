//! Validation of reply lists, used by every node, the fallback and the greeting: each
//! item a template or a `{text, for, mood, after}` map, and the handoff replies that anger
//! and agent hours need in `fallback:`.

use super::model::{FallbackRule, VariantRule};
use super::{loc, Validator, S};
use crate::basics::error::{ErrorKind, Location};
use crate::shop::buyers::Buyers;
use crate::template::{After, Mark, Scope, Template};
use serde_saphyr::Spanned;

const SOOTHING: &str = "soothing";
/// `after: any`: a conversation on any topic (a node with this topic id cannot be named).
const ANY_TOPIC: &str = "any";

impl Validator {
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
                        after: m
                            .after
                            .as_ref()
                            .and_then(|s| self.after(s, &format!("{ipath}.after"))),
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
        if !out.is_empty() && out.iter().all(|t| t.mark.after.is_some()) {
            self.problem(
                ErrorKind::EmptyReply,
                "every variant is for a conversation on a topic (after:); add one without after: for the others",
                sources.first().and_then(loc),
                path,
            );
        }
        out
    }

    /// What `after:` names: `any`, or a node by topic id; or a problem.
    fn after(&mut self, s: &S, path: &str) -> Option<After> {
        if s.value == ANY_TOPIC {
            return Some(After::Any);
        }
        let node = self.topics.get(&s.value).copied();
        if node.is_none() {
            self.problem(
                ErrorKind::UnknownTopic,
                format!(
                    "after: names unknown topic '{}'; it takes the topic id of a node, or any",
                    s.value
                ),
                loc(s),
                path,
            );
        }
        node.map(After::Topic)
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
        if anger_hands_over
            && fb.handoff_reply.is_empty()
            && fb.handoff_after.is_none_or(|n| n == 0)
        {
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
