//! How sure the engine was of a reply: the one place the bot reads
//! `Reply::confidence`, `Reply::held_back` and `Reply::suggestions`.

use kefu::{Confidence, Reply};

/// The engine's confidence in the reply: `low`, `medium` or `high`.
pub(crate) fn confidence(reply: &Reply<'_>) -> &'static str {
    reply.confidence().as_str()
}

/// The engine was not sure enough to answer (below the rules' `reading.answer_at`):
/// the buyer got the fallback path and the reply carries suggestions for a human.
pub(crate) fn held_back(reply: &Reply<'_>) -> bool {
    reply.held_back()
}

/// A topic the engine would have answered with, had it been sure enough.
#[derive(Clone, serde::Serialize)]
pub(crate) struct Suggestion {
    pub(crate) topic: String,
    pub(crate) text: String,
    pub(crate) confidence: &'static str,
}

/// What a held-back reply suggests, best first; empty otherwise.
pub(crate) fn suggestions(reply: &Reply<'_>) -> Vec<Suggestion> {
    reply
        .suggestions()
        .iter()
        .map(|s| Suggestion {
            topic: s.topic().to_owned(),
            text: s.text().to_owned(),
            confidence: s.confidence().as_str(),
        })
        .collect()
}

/// The levels seen in `seen`, in the order a histogram shows them: lowest first, a
/// level the bot does not know (the enum is non-exhaustive) after them.
pub(crate) fn levels<'a>(seen: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let rank = |l: &str| {
        [Confidence::Low, Confidence::Medium, Confidence::High]
            .iter()
            .position(|c| c.as_str() == l)
            .unwrap_or(usize::MAX)
    };
    let mut v: Vec<&str> = seen.into_iter().collect();
    v.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    v.dedup();
    v
}
