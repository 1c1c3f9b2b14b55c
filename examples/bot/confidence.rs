//! How sure the engine was of a reply: the one place the bot reads it.
//!
//! STOPGAP: `kefu::Confidence`, `Reply::confidence`, `Reply::held_back` and
//! `Reply::suggestions` are being built on `main` (issue 15). Until they land, every
//! reply reads as "n/a" and none as held back; when they do, only these functions
//! change, and the held-back counts, the confidence histogram and the per-line JSON
//! fields follow.

use kefu::Reply;

/// The engine's confidence in the reply, `low` / `medium` / `high`, or `n/a` while the
/// library has none.
pub(crate) fn confidence(_reply: &Reply<'_>) -> &'static str {
    "n/a"
}

/// The engine was not sure enough to answer: the buyer got the fallback path and the
/// reply carries suggestions for a human.
pub(crate) fn held_back(_reply: &Reply<'_>) -> bool {
    false
}

/// A topic the engine would have answered with, had it been sure enough.
#[derive(Clone, serde::Serialize)]
pub(crate) struct Suggestion {
    pub(crate) topic: String,
    pub(crate) text: String,
    pub(crate) confidence: &'static str,
}

/// What a held-back reply suggests, most likely first; empty otherwise.
pub(crate) fn suggestions(_reply: &Reply<'_>) -> Vec<Suggestion> {
    Vec::new()
}

/// The levels in the order a histogram shows them, lowest first.
pub(crate) const LEVELS: [&str; 4] = ["low", "medium", "high", "n/a"];
