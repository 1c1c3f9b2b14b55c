//! Every bound kefu keeps, in one place: what a rule file may hold ([`Limits`], set on
//! the [`EngineBuilder`](crate::EngineBuilder)) and what a session keeps (fixed, so a
//! session stays small whatever a conversation or a store holds).
//!
//! Rule files are checked against the session's bounds at load (a topic id longer than
//! a session can store is a load error), so the two halves always agree.

/// Captured values a session keeps; further names replace the oldest.
pub(crate) const MAX_CAPTURES: usize = 16;
/// Chars kept of one captured value (or of an order id or buyer name).
pub(crate) const MAX_CAPTURE_CHARS: usize = 64;
/// Longest capture group name, in bytes.
pub(crate) const MAX_CAPTURE_NAME_BYTES: usize = 32;
/// Bytes kept of a session id (cut on a char boundary).
pub(crate) const MAX_ID_BYTES: usize = 128;
/// Longest topic, segment or product id, in bytes: a session stores them inline.
pub(crate) const MAX_TOPIC_BYTES: usize = 32;
/// Topics a session remembers, most recent first.
pub(crate) const MAX_RECENT_TOPICS: usize = 4;
/// Reply keys whose last variant a session remembers.
pub(crate) const MAX_ROTATIONS: usize = 32;
/// Buyer segments a rule file may declare (a bit each in a scan, a slot each in a
/// session).
pub(crate) const MAX_SEGMENTS: usize = 8;

/// What a rule file may hold and how a message is cut; see
/// [`EngineBuilder`](crate::EngineBuilder) for each setter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_file_bytes: usize,
    pub(crate) max_keywords: usize,
    pub(crate) max_keyword_chars: usize,
    pub(crate) max_patterns: usize,
    pub(crate) max_template_chars: usize,
    pub(crate) regex_size_limit: usize,
    pub(crate) max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_keywords: 200_000,
            max_keyword_chars: 64,
            max_patterns: 1_000,
            max_template_chars: 2_000,
            regex_size_limit: 1 << 20,
            max_message_bytes: 4096,
        }
    }
}
