//! Per-conversation state: plain serde data a host may keep anywhere (memory, Redis, a
//! database) and hand back with the next message.
//!
//! Its size is bounded whatever the number of messages: a few recent topics, at most
//! [`MAX_CAPTURES`] captured values of at most [`MAX_CAPTURE_CHARS`] chars, and one
//! rotation slot per recently used reply, and the one unpaid order the host told it
//! about. Whatever JSON it is loaded from, a session is within the same bounds once
//! loaded (see [`Session`]). Topic ids are stored as text, so a session saved under an
//! older rule file still loads and works (unknown topics are ignored).

use crate::remind::UnpaidOrder;
use crate::rules::Section;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Captured values kept per session; further names replace the oldest.
pub const MAX_CAPTURES: usize = 16;
/// Chars kept of one captured value.
pub const MAX_CAPTURE_CHARS: usize = 64;
/// Longest capture group name, in bytes (rule files are checked against it).
pub(crate) const MAX_CAPTURE_NAME_BYTES: usize = 32;
/// Bytes kept of a session id (cut on a char boundary).
pub const MAX_ID_BYTES: usize = 128;
/// Longest topic id, in bytes (rule files are checked against it).
pub(crate) const MAX_TOPIC_BYTES: usize = 32;
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
///
/// Deserializing brings whatever the stored data holds within the bounds kefu keeps, so
/// a session from a store the host does not fully control (or written by a buggy
/// client) is as small as one kefu wrote: the id is cut to [`MAX_ID_BYTES`]; of the
/// captures, only those `capture_order` lists are kept (the newest [`MAX_CAPTURES`],
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
    pub(crate) id: String,
    /// Messages answered so far.
    pub(crate) turns: u64,
    /// Unix seconds of the last message.
    pub(crate) last_at: Option<i64>,
    /// Topics answered, most recent first.
    #[serde(serialize_with = "ser_topics", deserialize_with = "de_topics")]
    pub(crate) recent_topics: Recent<TopicId, MAX_RECENT_TOPICS>,
    /// Section of the last answered topic: pre-sale until an order-related topic.
    pub(crate) stage: Option<Section>,
    pub(crate) captures: BTreeMap<String, String>,
    /// Insertion order of `captures`, oldest first (to evict the oldest).
    pub(crate) capture_order: Vec<String>,
    pub(crate) fallbacks_in_row: u32,
    /// Reply key (as [`key_hash`]) → variant index sent last, most recent first.
    #[serde(deserialize_with = "de_rotations")]
    pub(crate) rotations: Recent<(u32, u32), MAX_ROTATIONS>,
    /// The buyer's unpaid order, for the pay-by notice of the opening.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unpaid_order: Option<UnpaidOrder>,
    /// Buyer segment scores (`buyers.segments`), keyed by a hash of the segment id.
    #[serde(skip_serializing_if = "crate::buyer::SegmentScores::is_empty")]
    pub(crate) segments: crate::buyer::SegmentScores,
    /// Angry messages in a row (`buyers.anger`).
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) angry_in_row: u32,
    /// The active promotion was appended for the buyer's segment in this session.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) promoted: bool,
    /// Id of the product the conversation is about (a `products:` id), kept inline.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_product",
        deserialize_with = "de_product"
    )]
    pub(crate) product: Option<TopicId>,
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
    /// A new conversation. `id` seeds which reply variant comes first, so different
    /// buyers do not all see the same sentence; it is cut to [`MAX_ID_BYTES`].
    pub fn new(id: impl Into<String>) -> Session {
        Session {
            id: cut_id(id.into()),
            ..Session::default()
        }
    }

    /// The id given to [`Session::new`] (its first [`MAX_ID_BYTES`]).
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

    pub(crate) fn remember_topic(&mut self, topic: &str, section: Section) {
        if let Some(t) = TopicId::new(topic) {
            self.recent_topics.touch(t, |x| *x == t);
        }
        self.stage = Some(section);
    }

    /// Stores a captured value, cleaned of control and bidi characters and cut to
    /// [`MAX_CAPTURE_CHARS`] chars, so nothing a buyer typed can reshape a reply.
    /// Rule files have no capture name longer than [`MAX_CAPTURE_NAME_BYTES`]; such a
    /// name is not stored.
    pub(crate) fn store_capture(&mut self, name: &str, raw: &str) {
        if name.len() > MAX_CAPTURE_NAME_BYTES {
            return;
        }
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

    /// The variant index sent last for the reply key `key` (a [`key_hash`]), if any.
    pub(crate) fn last_variant(&self, key: u32) -> Option<u32> {
        self.rotations
            .as_slice()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, i)| *i)
    }

    pub(crate) fn set_variant(&mut self, key: u32, index: u32) {
        self.rotations.touch((key, index), |(k, _)| *k == key);
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
        let mut h = fnv(FNV_START, self.id.as_bytes());
        h = fnv(h, &key.to_le_bytes());
        h
    }
}

const FNV_START: u32 = 0x811c_9dc5;

/// FNV-1a: stable across runs, platforms and versions, unlike std's `RandomState`.
const fn fnv(mut h: u32, bytes: &[u8]) -> u32 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u32;
        h = h.wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

/// A stable number from an id and a key (an order id and a channel, say).
pub(crate) fn stable_hash(id: &str, key: &str) -> u32 {
    fnv(fnv(fnv(FNV_START, id.as_bytes()), &[0]), key.as_bytes())
}

/// Text from outside (a capture, an order id, a buyer's name) as kefu keeps it:
/// without control and bidi characters, cut to [`MAX_CAPTURE_CHARS`] chars.
pub(crate) fn clean_text(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_unsafe_char(*c))
        .take(MAX_CAPTURE_CHARS)
        .collect()
}

/// `id` cut to at most [`MAX_ID_BYTES`], on a char boundary.
fn cut_id(mut id: String) -> String {
    if id.len() > MAX_ID_BYTES {
        let end = (0..=MAX_ID_BYTES)
            .rev()
            .find(|&i| id.is_char_boundary(i))
            .unwrap_or(0);
        id.truncate(end);
    }
    id
}

/// The number a reply key (a topic id, `#greeting` …) is stored under in a session.
/// Computed once: at load for a topic, at compile time for the `#` keys.
pub(crate) const fn key_hash(key: &str) -> u32 {
    fnv(FNV_START, key.as_bytes())
}

/// A most-recent-first list of at most `N` small items, kept inline: updating a session
/// never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recent<T, const N: usize> {
    len: usize,
    items: [T; N],
}

impl<T: Copy + Default, const N: usize> Default for Recent<T, N> {
    fn default() -> Self {
        Recent {
            len: 0,
            items: [T::default(); N],
        }
    }
}

impl<T: Copy, const N: usize> Recent<T, N> {
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.items[..self.len.min(N)]
    }

    /// Puts `item` first. The item `same` finds moves up; else the oldest falls off.
    fn touch(&mut self, item: T, same: impl Fn(&T) -> bool) {
        if N == 0 {
            return;
        }
        let end = match self.as_slice().iter().position(same) {
            Some(i) => i,
            None => {
                self.len = (self.len + 1).min(N);
                self.len - 1
            }
        };
        self.items.copy_within(..end, 1);
        self.items[0] = item;
    }
}

impl<T: Serialize + Copy, const N: usize> Serialize for Recent<T, N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.as_slice())
    }
}

/// A topic or product id stored inline (ids are short ASCII, checked when rules load).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TopicId {
    len: u8,
    bytes: [u8; MAX_TOPIC_BYTES],
}

impl TopicId {
    /// `None` when `topic` is longer than [`MAX_TOPIC_BYTES`].
    pub(crate) fn new(topic: &str) -> Option<TopicId> {
        let mut bytes = [0; MAX_TOPIC_BYTES];
        bytes
            .get_mut(..topic.len())?
            .copy_from_slice(topic.as_bytes());
        Some(TopicId {
            len: topic.len() as u8,
            bytes,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        // Always whole UTF-8: copied from a `&str` in full.
        std::str::from_utf8(&self.bytes[..usize::from(self.len).min(MAX_TOPIC_BYTES)]).unwrap_or("")
    }
}

impl std::fmt::Debug for TopicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

fn ser_topics<S: serde::Serializer>(
    t: &Recent<TopicId, MAX_RECENT_TOPICS>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(t.as_slice().iter().map(TopicId::as_str))
}

/// Most recent first, as written; ids too long to be a topic are dropped.
fn de_topics<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Recent<TopicId, MAX_RECENT_TOPICS>, D::Error> {
    let list = Vec::<String>::deserialize(d)?;
    let mut out = Recent::default();
    for t in list.iter().rev().filter_map(|t| TopicId::new(t)) {
        out.touch(t, |x| *x == t);
    }
    Ok(out)
}

fn ser_product<S: serde::Serializer>(p: &Option<TopicId>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(p.as_str()),
        None => s.serialize_none(),
    }
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
        out.touch(slot, |(k, _)| *k == slot.0);
    }
    Ok(out)
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
