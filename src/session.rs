//! Per-conversation state: plain serde data a host may keep anywhere (memory, Redis, a
//! database) and hand back with the next message.
//!
//! Its size is bounded whatever the number of messages: a few recent topics, at most
//! [`Session::MAX_CAPTURES`] captured values of at most [`Session::MAX_CAPTURE_CHARS`]
//! chars, one rotation slot per recently used reply, and the one unpaid order the host
//! told it about. Whatever JSON it is loaded from, a session is within the same bounds
//! once loaded (see [`Session`]). Topic ids are stored as text, so a session saved
//! under an older rule file still loads and works (unknown topics are ignored).
//!
//! Its fields are private to this module: a reply changes a session only through
//! [`Session::apply`], with the [`Update`] the engine decided, and `apply` keeps the
//! bounds. Depends on `basics` and the shop features' session data (segment scores,
//! the unpaid order), never on the pipeline or the engine.

use crate::basics::inline::{InlineVec, ShortStr};
use crate::basics::limits::{
    MAX_CAPTURES, MAX_CAPTURE_CHARS, MAX_CAPTURE_NAME_BYTES, MAX_ID_BYTES, MAX_RECENT_TOPICS,
    MAX_ROTATIONS, MAX_TOPIC_BYTES,
};
use crate::basics::section::Section;
use crate::basics::text::{clean_text, cut_bytes, key_hash, seed};
use crate::shop::buyers::SegmentScores;
use crate::shop::payment::UnpaidOrder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A topic or product id stored inline (ids are short, checked when rules load).
type TopicId = ShortStr<MAX_TOPIC_BYTES>;
/// A most-recent-first list kept inline.
type Recent<T, const N: usize> = InlineVec<T, N>;

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
///
/// Deserializing brings whatever the stored data holds within the bounds kefu keeps, so
/// a session from a store the host does not fully control (or written by a buggy
/// client) is as small as one kefu wrote: the id is cut to [`Session::MAX_ID_BYTES`]; of the
/// captures, only those `capture_order` lists are kept (the newest [`Session::MAX_CAPTURES`],
/// names of at most 32 bytes, values cleaned and cut as when captured); the unpaid
/// order's id and buyer name are cleaned and cut like captures; at most 4 recent
/// topics, 32 rotation slots and 8 segment scores are read, and topic and product ids
/// longer than 32 bytes are dropped. Missing fields take their defaults and unknown
/// fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
// The derives write inherent `Session::serialize`/`Session::deserialize`; the trait
// impls below call them, and bound the result of the latter.
#[serde(remote = "Self", default)]
pub struct Session {
    id: String,
    /// Messages answered so far.
    turns: u64,
    /// Unix seconds of the last message.
    last_at: Option<i64>,
    /// Topics answered, most recent first.
    #[serde(deserialize_with = "de_topics")]
    recent_topics: Recent<TopicId, MAX_RECENT_TOPICS>,
    /// Section of the last answered topic: pre-sale until an order-related topic.
    stage: Option<Section>,
    captures: BTreeMap<String, String>,
    /// Insertion order of `captures`, oldest first (to evict the oldest).
    capture_order: Vec<String>,
    fallbacks_in_row: u32,
    /// Reply key (as [`key_hash`]) → variant index sent last, most recent first.
    #[serde(deserialize_with = "de_rotations")]
    rotations: Recent<(u32, u32), MAX_ROTATIONS>,
    /// The buyer's unpaid order, for the pay-by notice of the opening.
    #[serde(skip_serializing_if = "Option::is_none")]
    unpaid_order: Option<UnpaidOrder>,
    /// Buyer segment scores (`buyers.segments`), keyed by a hash of the segment id.
    #[serde(skip_serializing_if = "SegmentScores::is_empty")]
    segments: SegmentScores,
    /// Angry messages in a row (`buyers.anger`).
    #[serde(skip_serializing_if = "is_zero")]
    angry_in_row: u32,
    /// The active promotion was appended for the buyer's segment in this session.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    promoted: bool,
    /// Id of the product the conversation is about (a `products:` id), kept inline.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_product"
    )]
    product: Option<TopicId>,
}

/// Everything one reply changes in a session, decided before anything is written (the
/// engine's decision holds it): [`Session::apply`] is the one place a session changes.
#[derive(Debug, Default)]
pub(crate) struct Update<'d> {
    /// Values this message captured, by group name, already cleaned and cut.
    pub(crate) captures: Vec<(&'d str, String)>,
    /// The product the conversation is about after this message.
    pub(crate) product: ProductChange<'d>,
    /// The buyer's segment scores after this message; `None`: unchanged.
    pub(crate) segments: Option<SegmentScores>,
    /// Angry messages in a row after this one.
    pub(crate) angry_in_row: u32,
    /// Fallbacks in a row after this one.
    pub(crate) fallbacks_in_row: u32,
    /// The variants sent, as `(reply key, index)`: the greeting's and the body's.
    pub(crate) rotations: Rotations,
    /// The topic answered, and its section (the conversation's stage from now on).
    pub(crate) topic: Option<(&'d str, Section)>,
    /// The active promotion was told for the buyer's segment (once per session).
    pub(crate) promoted: bool,
    /// When the message came (unix seconds).
    pub(crate) at: i64,
}

/// The variants one reply sent, as `(reply key, index)`: at most the greeting's and the
/// body's.
pub(crate) type Rotations = InlineVec<(u32, u32), 2>;

/// What a message does to the session's current product.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProductChange<'d> {
    /// Nothing named: it stays.
    #[default]
    Keep,
    /// This product (its id) was named.
    Set(&'d str),
    /// A link to an item the rules do not list: no current product.
    Clear,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Serialize for Session {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Session::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Session {
    /// The stored fields, brought within kefu's bounds (see [`Session`]).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Session, D::Error> {
        Session::deserialize(d).map(Session::bounded)
    }
}

impl Session {
    /// Captured values kept per session; further names replace the oldest.
    pub const MAX_CAPTURES: usize = MAX_CAPTURES;
    /// Chars kept of one captured value.
    pub const MAX_CAPTURE_CHARS: usize = MAX_CAPTURE_CHARS;
    /// Bytes kept of a session id (cut on a char boundary).
    pub const MAX_ID_BYTES: usize = MAX_ID_BYTES;

    /// A new conversation. `id` seeds which reply variant comes first, so different
    /// buyers do not all see the same sentence; it is cut to [`Session::MAX_ID_BYTES`].
    pub fn new(id: impl Into<String>) -> Session {
        Session {
            id: cut_id(id.into()),
            ..Session::default()
        }
    }

    /// The id given to [`Session::new`] (its first [`Session::MAX_ID_BYTES`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many messages have been answered in this session.
    pub fn turns(&self) -> u64 {
        self.turns
    }

    /// The topic of the last answered message, if any.
    pub fn last_topic(&self) -> Option<&str> {
        self.recent_topics.as_slice().first().map(TopicId::as_str)
    }

    /// The topics of the last answered messages, most recent first, each once.
    pub(crate) fn recent_topics(&self) -> impl Iterator<Item = &str> {
        self.recent_topics.as_slice().iter().map(TopicId::as_str)
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

    /// The id of the product the conversation is about: the product the buyer named
    /// last (by name, alias or item link), or the one set with
    /// [`Session::set_current_product`]. An id the rules no longer list is ignored
    /// when replying.
    pub fn current_product(&self) -> Option<&str> {
        self.product.as_ref().map(TopicId::as_str)
    }

    /// Sets (or with `None` clears) the product the conversation is about, for a host
    /// that knows which item the buyer is looking at. Returns `false`, and changes
    /// nothing, for an id longer than 32 bytes (no product has one).
    pub fn set_current_product(&mut self, id: Option<&str>) -> bool {
        match id.map(TopicId::new) {
            Some(None) => false,
            Some(Some(p)) => {
                self.product = Some(p);
                true
            }
            None => {
                self.product = None;
                true
            }
        }
    }

    /// Takes the changes one reply decided: the one place a session changes. Every
    /// bound holds after it, whatever the update holds.
    #[inline]
    pub(crate) fn apply(&mut self, u: &mut Update<'_>) {
        for (name, value) in u.captures.drain(..) {
            self.store_capture(name, value);
        }
        match u.product {
            ProductChange::Keep => {}
            ProductChange::Set(id) => {
                self.set_current_product(Some(id));
            }
            ProductChange::Clear => self.product = None,
        }
        if let Some(scores) = u.segments {
            self.segments = scores;
        }
        self.angry_in_row = u.angry_in_row;
        self.fallbacks_in_row = u.fallbacks_in_row;
        for &(key, index) in u.rotations.as_slice() {
            self.rotations.put_first((key, index), |(k, _)| *k == key);
        }
        if let Some((topic, section)) = u.topic {
            self.remember_topic(topic, section);
        }
        self.promoted |= u.promoted;
        self.turns = self.turns.saturating_add(1);
        self.last_at = Some(u.at);
    }

    /// Unix seconds of the last message, if any.
    pub(crate) fn last_at(&self) -> Option<i64> {
        self.last_at
    }

    /// The captured values, by group name.
    pub(crate) fn captures(&self) -> &BTreeMap<String, String> {
        &self.captures
    }

    /// Fallbacks in a row before this message.
    pub(crate) fn fallbacks_in_row(&self) -> u32 {
        self.fallbacks_in_row
    }

    /// Angry messages in a row before this message.
    pub(crate) fn angry_in_row(&self) -> u32 {
        self.angry_in_row
    }

    /// The buyer's segment scores before this message.
    pub(crate) fn segments(&self) -> &SegmentScores {
        &self.segments
    }

    /// Whether the active promotion was already told for the buyer's segment.
    pub(crate) fn promoted(&self) -> bool {
        self.promoted
    }

    fn remember_topic(&mut self, topic: &str, section: Section) {
        if let Some(t) = TopicId::new(topic) {
            self.recent_topics.put_first(t, |x| *x == t);
        }
        self.stage = Some(section);
    }

    /// Stores a captured value, already cleaned (see
    /// [`clean_text`](crate::basics::text::clean_text)) and cut again here, so nothing
    /// a buyer typed can reshape a reply. Rule files have no capture name longer than
    /// [`MAX_CAPTURE_NAME_BYTES`]; such a name is not stored.
    fn store_capture(&mut self, name: &str, value: String) {
        if name.len() > MAX_CAPTURE_NAME_BYTES {
            return;
        }
        let value = if value.chars().count() > MAX_CAPTURE_CHARS
            || value.chars().any(crate::basics::text::is_unsafe_char)
        {
            clean_text(&value)
        } else {
            value
        };
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

    /// The variant index sent last for the reply key `key` (a [`key_hash`]), if any.
    pub(crate) fn last_variant(&self, key: u32) -> Option<u32> {
        self.rotations
            .as_slice()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, i)| *i)
    }

    /// The session as deserialized, within the bounds of one kefu wrote: `id` cut,
    /// captures only as `capture_order` lists them (each name once, the newest
    /// [`MAX_CAPTURES`], values cleaned and cut), the unpaid order's texts cleaned and
    /// cut. The other fields are bounded as they are read.
    fn bounded(mut self) -> Session {
        self.id = cut_id(std::mem::take(&mut self.id));
        let mut order: Vec<String> = Vec::with_capacity(MAX_CAPTURES);
        // Newest last: the last mention of a name is where it stands.
        for name in self.capture_order.iter().rev() {
            if order.len() == MAX_CAPTURES {
                break;
            }
            if name.len() <= MAX_CAPTURE_NAME_BYTES
                && self.captures.contains_key(name)
                && !order.contains(name)
            {
                order.push(name.clone());
            }
        }
        order.reverse();
        let mut captures = BTreeMap::new();
        for name in &order {
            if let Some(v) = self.captures.remove(name) {
                captures.insert(name.clone(), clean_text(&v));
            }
        }
        self.captures = captures;
        self.capture_order = order;
        self.unpaid_order = self.unpaid_order.map(UnpaidOrder::bounded);
        self
    }

    /// A stable number from the session id and a reply key: which variant a buyer sees
    /// first.
    pub(crate) fn seed(&self, key: u32) -> u32 {
        seed(&self.id, key)
    }
}

/// `id` cut to at most [`MAX_ID_BYTES`], on a char boundary.
fn cut_id(mut id: String) -> String {
    let end = cut_bytes(&id, MAX_ID_BYTES).0.len();
    id.truncate(end);
    id
}

/// Most recent first, as written; ids too long to be a topic are dropped.
fn de_topics<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Recent<TopicId, MAX_RECENT_TOPICS>, D::Error> {
    let list = Vec::<String>::deserialize(d)?;
    let mut out = Recent::default();
    for t in list.iter().rev().filter_map(|t| TopicId::new(t)) {
        out.put_first(t, |x| *x == t);
    }
    Ok(out)
}

/// An id too long to be a product's is dropped.
fn de_product<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<TopicId>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|p| TopicId::new(&p)))
}

/// A rotation slot as stored: `[key hash, variant]`, or `[key, variant]` as sessions
/// saved by kefu before 0.1 wrote it.
#[derive(Deserialize)]
#[serde(untagged)]
enum RotationSlot {
    Hashed(u32, u32),
    Named(String, u32),
}

fn de_rotations<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Recent<(u32, u32), MAX_ROTATIONS>, D::Error> {
    let list = Vec::<RotationSlot>::deserialize(d)?;
    let mut out = Recent::default();
    for slot in list.iter().rev() {
        let slot = match slot {
            RotationSlot::Hashed(k, i) => (*k, *i),
            RotationSlot::Named(k, i) => (key_hash(k), *i),
        };
        out.put_first(slot, |(k, _)| *k == slot.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Session {
        fn set_variant(&mut self, key: u32, index: u32) {
            self.rotations.put_first((key, index), |(k, _)| *k == key);
        }
    }

    #[test]
    fn recent_topics_are_bounded_and_most_recent_first() {
        let mut s = Session::new("a");
        for t in ["a", "b", "c", "d", "e", "f", "c"] {
            s.remember_topic(t, Section::Presale);
        }
        let topics: Vec<&str> = s
            .recent_topics
            .as_slice()
            .iter()
            .map(TopicId::as_str)
            .collect();
        assert_eq!(topics, vec!["c", "f", "e", "d"]);
        assert_eq!(s.last_topic(), Some("c"));
    }

    #[test]
    fn captures_are_bounded_cleaned_and_evict_oldest() {
        let mut s = Session::new("a");
        for i in 0..40 {
            s.store_capture(&format!("k{i}"), "v".into());
        }
        assert_eq!(s.captures.len(), MAX_CAPTURES);
        assert!(s.capture("k0").is_none());
        assert_eq!(s.capture("k39"), Some("v"));
        s.store_capture("x", format!("a\u{202E}b\u{7}{}", "长".repeat(100)));
        let v = s.capture("x").unwrap();
        assert!(v.starts_with("ab长"));
        assert_eq!(v.chars().count(), MAX_CAPTURE_CHARS);
    }

    #[test]
    fn rotations_are_bounded() {
        let mut s = Session::new("a");
        for i in 0..100 {
            s.set_variant(key_hash(&format!("t{i}")), 1);
        }
        assert_eq!(s.rotations.as_slice().len(), MAX_ROTATIONS);
        assert_eq!(s.last_variant(key_hash("t99")), Some(1));
        assert_eq!(s.last_variant(key_hash("t0")), None);
        s.set_variant(key_hash("t90"), 2);
        assert_eq!(s.rotations.as_slice()[0], (key_hash("t90"), 2));
        assert_eq!(s.rotations.as_slice().len(), MAX_ROTATIONS);
    }

    #[test]
    fn seed_is_stable_and_depends_on_id() {
        let x = key_hash("x");
        assert_eq!(Session::new("a").seed(x), Session::new("a").seed(x));
        assert_ne!(Session::new("a").seed(x), Session::new("b").seed(x));
    }

    #[test]
    fn topics_and_rotations_round_trip_in_order() {
        let mut s = Session::new("a");
        for t in ["size", "return", "logistics"] {
            s.remember_topic(t, Section::Presale);
        }
        s.set_variant(key_hash("size"), 1);
        s.set_variant(key_hash("#greeting"), 2);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains(r#""recent_topics":["logistics","return","size"]"#),
            "{json}"
        );
        let back: Session = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        // Rotations written with their key names (before 0.1) load under the same keys.
        let old: Session =
            serde_json::from_str(r##"{"rotations":[["#greeting",2],["size",1]]}"##).unwrap();
        assert_eq!(old.rotations, s.rotations);
    }

    #[test]
    fn topics_too_long_for_a_topic_id_are_dropped() {
        let long = "x".repeat(MAX_TOPIC_BYTES + 1);
        let json = format!(r#"{{"recent_topics":["{long}","size"]}}"#);
        let s: Session = serde_json::from_str(&json).unwrap();
        assert_eq!(s.last_topic(), Some("size"));
    }

    #[test]
    fn current_product_is_kept_inline_and_round_trips() {
        let mut s = Session::new("a");
        let plain = serde_json::to_string(&s).unwrap();
        assert!(!plain.contains("product"), "{plain}");
        assert!(s.set_current_product(Some("p1001")));
        assert!(!s.set_current_product(Some(&"x".repeat(MAX_TOPIC_BYTES + 1))));
        assert_eq!(s.current_product(), Some("p1001"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""product":"p1001""#), "{json}");
        let back: Session = serde_json::from_str(&json).unwrap();
        assert_eq!(back.current_product(), Some("p1001"));
        let long = format!(r#"{{"product":"{}"}}"#, "x".repeat(40));
        let dropped: Session = serde_json::from_str(&long).unwrap();
        assert_eq!(dropped.current_product(), None);
        assert!(s.set_current_product(None));
        assert_eq!(s.current_product(), None);
    }

    #[test]
    fn old_or_partial_json_still_loads() {
        let s: Session = serde_json::from_str(r#"{"id":"x","turns":3,"future_field":1}"#).unwrap();
        assert_eq!(s.turns(), 3);
        assert_eq!(s.stage(), Section::Presale);
    }
}
