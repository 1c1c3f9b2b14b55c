//! Small text rules used across kefu: what an id may look like, how text from outside
//! is cleaned and cut before it is kept or echoed, and the stable hash that keys a
//! session's slots.
//!
//! Never allocates except to return a cleaned copy.

use crate::basics::limits::MAX_CAPTURE_CHARS;

/// `[a-z_][a-z0-9_]*`: topic ids, segment ids, shop variables, product attribute keys.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
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

/// Text from outside (a capture, an order id, a buyer's name) as kefu keeps it:
/// without control and bidi characters, cut to [`MAX_CAPTURE_CHARS`] chars.
pub(crate) fn clean_text(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_unsafe_char(*c))
        .take(MAX_CAPTURE_CHARS)
        .collect()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary, and
/// whether anything was cut.
pub(crate) fn cut_bytes(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
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

/// The number a key (a topic id, `#greeting`, a segment id) is stored under in a
/// session. Computed once: at load for a topic, at compile time for the `#` keys.
pub(crate) const fn key_hash(key: &str) -> u32 {
    fnv(FNV_START, key.as_bytes())
}

/// A stable number from an id and a key (a session id and a reply key, an order id
/// and a channel): which variant comes first.
pub(crate) fn stable_hash(id: &str, key: &[u8]) -> u32 {
    fnv(fnv(fnv(FNV_START, id.as_bytes()), &[0]), key)
}

/// A stable number from an id and a 32-bit key, without the separator (the session
/// seed kefu has always used: changing it would change which variant a buyer sees
/// first).
pub(crate) fn seed(id: &str, key: u32) -> u32 {
    fnv(fnv(FNV_START, id.as_bytes()), &key.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in ["size", "size_fit", "_x", "a1"] {
            assert!(is_ident(ok), "{ok}");
        }
        for bad in ["", "Size", "1a", "size-fit", "尺码", "a b"] {
            assert!(!is_ident(bad), "{bad}");
        }
    }

    #[test]
    fn cut_bytes_cuts_on_a_char_boundary_and_says_so() {
        // (input, limit, kept, cut)
        let cases = [
            ("退货", 6, "退货", false),
            ("退货", 100, "退货", false),
            ("退货", 5, "退", true),
            ("退货", 3, "退", true),
            ("退货", 2, "", true),
            ("abc", 0, "", true),
            ("", 0, "", false),
        ];
        for (input, limit, kept, cut) in cases {
            assert_eq!(cut_bytes(input, limit), (kept, cut), "{input:?} at {limit}");
        }
    }

    #[test]
    fn hashes_are_stable() {
        // FNV-1a of "a": a fixed number across versions (sessions store it).
        assert_eq!(key_hash("a"), 0xe40c_292c);
        assert_eq!(stable_hash("o1", b"im"), stable_hash("o1", b"im"));
        assert_ne!(stable_hash("o1", b"im"), stable_hash("o1i", b"m"));
        assert_ne!(seed("a", 1), seed("b", 1));
    }
}
