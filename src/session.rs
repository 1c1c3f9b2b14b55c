//! Per-conversation state: plain serde data a host may keep anywhere (memory, Redis, a
//! database) and hand back with the next message.
//!
//! Its size is bounded whatever the number of messages: a few recent topics, at most
//! [`MAX_CAPTURES`] captured values of at most [`MAX_CAPTURE_CHARS`] chars, and one
//! rotation slot per recently used reply, and the one unpaid order the host told it
//! about. Topic ids are stored as text, so a session saved under an older rule file
//! still loads and works (unknown topics are ignored).

use crate::remind::UnpaidOrder;
use crate::rules::Section;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Captured values kept per session; further names replace the oldest.
pub const MAX_CAPTURES: usize = 16;
/// Chars kept of one captured value.
pub const MAX_CAPTURE_CHARS: usize = 64;
const MAX_RECENT_TOPICS: usize = 4;
const MAX_ROTATIONS: usize = 32;

/// One buyer's conversation with the shop.
///
/// Create one per conversation with [`Session::new`], pass it to
/// [`Engine::reply`](crate::Engine::reply) with each message, and store it between
/// messages. It is small, `Clone`, and serializes with serde:
///
/// ```
/// let mut s = kefu::Session::new("buyer-42");
/// let json = serde_json::to_string(&s).unwrap();
/// let back: kefu::Session = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, s);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    pub(crate) id: String,
    /// Messages answered so far.
    pub(crate) turns: u64,
    /// Unix seconds of the last message.
    pub(crate) last_at: Option<i64>,
    /// Topics answered, most recent first.
    pub(crate) recent_topics: Vec<String>,
    /// Section of the last answered topic: pre-sale until an order-related topic.
    pub(crate) stage: Option<Section>,
    pub(crate) captures: BTreeMap<String, String>,
    /// Insertion order of `captures`, oldest first (to evict the oldest).
    pub(crate) capture_order: Vec<String>,
    pub(crate) fallbacks_in_row: u32,
    /// Reply key → variant index sent last, most recent first.
    pub(crate) rotations: Vec<(String, u32)>,
    /// The buyer's unpaid order, for the pay-by notice of the opening.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unpaid_order: Option<UnpaidOrder>,
}

impl Session {
    /// A new conversation. `id` seeds which reply variant comes first, so different
    /// buyers do not all see the same sentence.
    pub fn new(id: impl Into<String>) -> Session {
        Session {
            id: id.into(),
            ..Session::default()
        }
    }

    /// The id given to [`Session::new`].
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many messages have been answered in this session.
    pub fn turns(&self) -> u64 {
        self.turns
    }

    /// The topic of the last answered message, if any.
    pub fn last_topic(&self) -> Option<&str> {
        self.recent_topics.first().map(String::as_str)
    }

    /// The stage of the conversation: the section of the last answered topic
    /// ([`Section::Presale`] until an in-sale or after-sale topic came up).
    pub fn stage(&self) -> Section {
        self.stage.unwrap_or(Section::Presale)
    }

    /// A value a pattern captured (an order number, a height), by group name.
    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.get(name).map(String::as_str)
    }

    /// Tells the session about the buyer's unpaid order (`None`: paid, closed or
    /// none). While it is set and still open, a reply that opens the conversation
    /// (the first, or the first after a silence) is greeting + reminder with the rule
    /// file's `payment_reminders.pay_by` notice instead of a promotion or reminder.
    /// The order id and buyer name are kept cleaned and cut like captured values.
    ///
    /// ```
    /// use kefu::{Session, UnpaidOrder};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let created = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    /// let order = UnpaidOrder::new("123", "399".parse()?, created, created + Duration::from_secs(86_400));
    /// let mut s = Session::new("buyer-42");
    /// s.set_unpaid_order(Some(order));
    /// assert_eq!(s.unpaid_order().map(|o| o.id.as_str()), Some("123"));
    /// # Ok::<(), kefu::ParseAmountError>(())
    /// ```
    pub fn set_unpaid_order(&mut self, order: Option<UnpaidOrder>) {
        self.unpaid_order = order.map(UnpaidOrder::bounded);
    }

    /// The unpaid order given to [`Session::set_unpaid_order`], if any.
    pub fn unpaid_order(&self) -> Option<&UnpaidOrder> {
        self.unpaid_order.as_ref()
    }

    pub(crate) fn remember_topic(&mut self, topic: &str, section: Section) {
        if let Some(i) = self.recent_topics.iter().position(|t| t == topic) {
            let t = self.recent_topics.remove(i);
            self.recent_topics.insert(0, t);
        } else {
            self.recent_topics.insert(0, topic.to_owned());
            self.recent_topics.truncate(MAX_RECENT_TOPICS);
        }
        self.stage = Some(section);
    }

    /// Stores a captured value, cleaned of control and bidi characters and cut to
    /// [`MAX_CAPTURE_CHARS`] chars, so nothing a buyer typed can reshape a reply.
    pub(crate) fn store_capture(&mut self, name: &str, raw: &str) {
        let value = clean_text(raw);
        if let Some(i) = self.capture_order.iter().position(|n| n == name) {
            self.capture_order.remove(i);
        }
        self.capture_order.push(name.to_owned());
        self.captures.insert(name.to_owned(), value);
        while self.capture_order.len() > MAX_CAPTURES {
            let old = self.capture_order.remove(0);
            self.captures.remove(&old);
        }
    }

    /// The variant index sent last for `key`, if any.
    pub(crate) fn last_variant(&self, key: &str) -> Option<u32> {
        self.rotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| *i)
    }

    pub(crate) fn set_variant(&mut self, key: &str, index: u32) {
        // Move an existing slot to the front in place: no allocation on the usual path.
        if let Some(i) = self.rotations.iter().position(|(k, _)| k == key) {
            self.rotations[..=i].rotate_right(1);
            self.rotations[0].1 = index;
            return;
        }
        self.rotations.insert(0, (key.to_owned(), index));
        self.rotations.truncate(MAX_ROTATIONS);
    }

    /// A stable number from the session id and a key: which variant a buyer sees first.
    pub(crate) fn seed(&self, key: &str) -> u32 {
        stable_hash(&self.id, key)
    }
}

/// A stable number from an id and a key (FNV-1a): the same across runs and platforms,
/// unlike std's RandomState.
pub(crate) fn stable_hash(id: &str, key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes().chain([0]).chain(key.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Text from outside (a capture, an order id, a buyer's name) as kefu keeps it:
/// without control and bidi characters, cut to [`MAX_CAPTURE_CHARS`] chars.
pub(crate) fn clean_text(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_unsafe_char(*c))
        .take(MAX_CAPTURE_CHARS)
        .collect()
}

/// Control, bidi and other format characters, never echoed from buyer text.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_topics_are_bounded_and_most_recent_first() {
        let mut s = Session::new("a");
        for t in ["a", "b", "c", "d", "e", "f", "c"] {
            s.remember_topic(t, Section::Presale);
        }
        assert_eq!(s.recent_topics, vec!["c", "f", "e", "d"]);
        assert_eq!(s.last_topic(), Some("c"));
    }

    #[test]
    fn captures_are_bounded_cleaned_and_evict_oldest() {
        let mut s = Session::new("a");
        for i in 0..40 {
            s.store_capture(&format!("k{i}"), "v");
        }
        assert_eq!(s.captures.len(), MAX_CAPTURES);
        assert!(s.capture("k0").is_none());
        assert_eq!(s.capture("k39"), Some("v"));
        s.store_capture("x", &format!("a\u{202E}b\u{7}{}", "长".repeat(100)));
        let v = s.capture("x").unwrap();
        assert!(v.starts_with("ab长"));
        assert_eq!(v.chars().count(), MAX_CAPTURE_CHARS);
    }

    #[test]
    fn rotations_are_bounded() {
        let mut s = Session::new("a");
        for i in 0..100 {
            s.set_variant(&format!("t{i}"), 1);
        }
        assert_eq!(s.rotations.len(), MAX_ROTATIONS);
        assert_eq!(s.last_variant("t99"), Some(1));
        assert_eq!(s.last_variant("t0"), None);
    }

    #[test]
    fn seed_is_stable_and_depends_on_id() {
        assert_eq!(Session::new("a").seed("x"), Session::new("a").seed("x"));
        assert_ne!(Session::new("a").seed("x"), Session::new("b").seed("x"));
    }

    #[test]
    fn old_or_partial_json_still_loads() {
        let s: Session = serde_json::from_str(r#"{"id":"x","turns":3,"future_field":1}"#).unwrap();
        assert_eq!(s.turns(), 3);
        assert_eq!(s.stage(), Section::Presale);
    }
}
