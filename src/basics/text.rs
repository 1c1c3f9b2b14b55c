//! Small text rules used across kefu: what an id may look like, how text from outside
//! is cleaned and cut before it is kept or echoed, and the stable hash that keys a
//! session's slots.
//!
//! Every cut falls between grapheme clusters (what a reader sees as one character: an
//! emoji ZWJ sequence, a flag, a letter and its combining marks), found by looking back
//! a few bytes from the byte or char bound, never by walking the whole text. Never
//! allocates except to return a cleaned copy.

use crate::basics::limits::MAX_CAPTURE_CHARS;
use crate::basics::normalize::emoticon_len;
use unicode_segmentation::GraphemeCursor;

/// `[a-z_][a-z0-9_]*`: topic ids, segment ids, shop variables, product attribute keys.
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Control, bidi and other format characters, never echoed from buyer text. The
/// zero-width joiner and non-joiner (U+200D, U+200C) are kept: they hold emoji
/// sequences (👩‍👩‍👧) and some scripts' letters together, and reorder nothing.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}')
}

/// Text from outside (a capture, an order id, a buyer's name) as kefu keeps it:
/// without control and bidi characters, cut to at most [`MAX_CAPTURE_CHARS`] chars
/// between grapheme clusters.
pub(crate) fn clean_text(raw: &str) -> String {
    // One char more than is kept: whether the cut splits a cluster depends on it.
    let mut kept: String = raw
        .chars()
        .filter(|c| !is_unsafe_char(*c))
        .take(MAX_CAPTURE_CHARS + 1)
        .collect();
    let end = cut_chars(&kept, MAX_CAPTURE_CHARS).0.len();
    kept.truncate(end);
    kept
}

/// Bytes before a cut searched for the start of the grapheme cluster it falls in:
/// more than any emoji sequence (👩🏽‍❤️‍💋‍👨🏻 is 35 bytes).
const CLUSTER_WINDOW: usize = 128;

/// The last grapheme cluster boundary of `s` at or before byte `at` (a char boundary),
/// so that `&s[..cut]` splits no cluster. Looks back at most [`CLUSTER_WINDOW`] bytes: a
/// longer cluster (a letter under dozens of combining marks, a long run of flags) is
/// cut at `at` itself, so the work stays small and one giant cluster never empties a
/// text.
pub(crate) fn grapheme_floor(s: &str, at: usize) -> usize {
    if at == 0 || at >= s.len() || !s.is_char_boundary(at) {
        return at.min(s.len());
    }
    let mut from = at.saturating_sub(CLUSTER_WINDOW);
    while !s.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + CLUSTER_WINDOW).min(s.len());
    while !s.is_char_boundary(to) {
        to += 1;
    }
    let chunk = &s[from..to];
    let mut cursor = GraphemeCursor::new(at, s.len(), true);
    if !matches!(cursor.is_boundary(chunk, from), Ok(false)) {
        return at;
    }
    let start = match cursor.prev_boundary(chunk, from) {
        Ok(Some(b)) => b,
        Ok(None) => 0,
        Err(_) => return at, // the cluster starts before the window
    };
    // The cluster must also end within the window, or it is one of those giants.
    let mut ahead = GraphemeCursor::new(at, s.len(), true);
    match ahead.next_boundary(chunk, from) {
        Ok(Some(end)) if end - start <= CLUSTER_WINDOW => start,
        _ => at,
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends between grapheme
/// clusters, and whether anything was cut.
pub(crate) fn cut_bytes(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..grapheme_floor(s, end)], true)
}

/// The longest prefix of `s` of at most `max` chars that ends between grapheme
/// clusters, and whether anything was cut.
pub(crate) fn cut_chars(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        None => (s, false),
        Some((end, _)) => (&s[..grapheme_floor(s, end)], true),
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

/// `text` with every chat emoticon code (see [`emoticon_len`]) blanked, each char to a
/// space of the same UTF-8 length, so every char boundary stays where it was and a span
/// into the copy is a span into `text`; `None` when it has none.
pub(crate) fn blank_emoticons(text: &str) -> Option<String> {
    if !text.contains("#E-") {
        return None;
    }
    let blank = |c: char| match c.len_utf8() {
        1 => ' ',
        2 => '\u{a0}',    // no-break space
        3 => '\u{3000}',  // ideographic space
        _ => '\u{e0020}', // tag space (a format char)
    };
    let mut out = String::with_capacity(text.len());
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i >= skip_to && c == '#' {
            skip_to = i + emoticon_len(&text[i..]);
        }
        out.push(if i < skip_to { blank(c) } else { c });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoticon_codes_are_found_and_blanked_byte_for_byte() {
        for (text, len) in [
            ("#E-s05好的", 6),
            ("#E-s<num>好", 9),
            ("#E-s[数字]好", 4 + "[数字]".len()),
            ("#E-抱拳了", 3 + "抱拳".len()),
            ("#E-", 3),
            ("#E-s<num", 4),
            ("#e-s05", 0),
            ("好的", 0),
        ] {
            assert_eq!(emoticon_len(text), len, "{text}");
        }
        let text = "有吗 #E-s<num> S码呢";
        let blanked = blank_emoticons(text).unwrap_or_default();
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked, "有吗           S码呢");
        assert_eq!(blank_emoticons("没有表情"), None);
        // A code over multi-byte chars keeps every char boundary where it was, so no
        // pattern match can begin inside one of the original's chars.
        let text = "#E-抱拳ＸＬ码";
        let blanked = blank_emoticons(text).unwrap_or_default();
        assert_eq!(blanked, "   \u{3000}\u{3000}ＸＬ码");
        assert!(text
            .char_indices()
            .all(|(i, _)| blanked.is_char_boundary(i)));
        assert!(blanked
            .char_indices()
            .all(|(i, _)| text.is_char_boundary(i)));
    }

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

    /// Family (ZWJ sequence, 18 bytes), flag (two regional indicators), e + combining
    /// acute, a skin tone.
    const FAMILY: &str = "👩\u{200D}👩\u{200D}👧";
    const FLAG: &str = "🇨🇳";
    const E_ACUTE: &str = "e\u{301}";

    #[test]
    fn cuts_never_split_a_grapheme_cluster() {
        let family_at = format!("ab{FAMILY}c"); // the family is bytes 2..20
        let flags = format!("{FLAG}{FLAG}"); // 8 bytes each
        let accents = format!("caf{E_ACUTE}s");
        // (text, byte bound, kept)
        let by_bytes = [
            (family_at.as_str(), 2, "ab"),
            (family_at.as_str(), 6, "ab"), // after 👩: inside the sequence
            (family_at.as_str(), 19, "ab"),
            (
                family_at.as_str(),
                20,
                family_at.strip_suffix('c').unwrap_or(""),
            ),
            (flags.as_str(), 4, ""), // one regional indicator is half a flag
            (flags.as_str(), 12, FLAG),
            (accents.as_str(), 4, "caf"), // e without its accent
            (accents.as_str(), 6, "café"),
            ("退货", 5, "退"),
        ];
        for (text, max, kept) in by_bytes {
            let want = if kept == "café" {
                format!("caf{E_ACUTE}")
            } else {
                kept.to_owned()
            };
            assert_eq!(cut_bytes(text, max).0, want, "{text:?} at {max} bytes");
        }
        // (text, char bound, kept)
        let by_chars = [
            (family_at.as_str(), 3, "ab"), // a, b, then 👩 of 👩 ZWJ 👩 ZWJ 👧
            (family_at.as_str(), 6, "ab"),
            (
                family_at.as_str(),
                7,
                family_at.strip_suffix('c').unwrap_or(""),
            ),
            (flags.as_str(), 3, FLAG),
            (accents.as_str(), 4, "caf"),
        ];
        for (text, max, kept) in by_chars {
            assert_eq!(cut_chars(text, max).0, kept, "{text:?} at {max} chars");
        }
    }

    #[test]
    fn a_cluster_longer_than_the_window_is_cut_inside_it() {
        // A letter under 200 combining marks (Zalgo): one cluster of 401 bytes. Cutting
        // it at its start would empty the text; it is cut at the bound instead.
        let zalgo = format!("a{}", "\u{301}".repeat(200));
        let (kept, cut) = cut_bytes(&zalgo, 300);
        assert!(cut && kept.len() == 299, "{}", kept.len());
        assert_eq!(cut_chars(&zalgo, 10).0.chars().count(), 10);
    }

    #[test]
    fn captured_text_keeps_64_chars_whole_clusters_and_joiners() {
        // 62 chars, then the family (5 chars: 👩 ZWJ 👩 ZWJ 👧) across the 64th.
        let text = format!("{}{FAMILY}尾", "字".repeat(62));
        assert_eq!(
            clean_text(&text),
            "字".repeat(62),
            "the family is not split"
        );
        let fits = format!("{}{FAMILY}", "字".repeat(59));
        assert_eq!(clean_text(&fits), fits, "64 chars: kept whole, joiners too");
        assert_eq!(
            clean_text(&format!("{}{E_ACUTE}", "字".repeat(63))),
            "字".repeat(63)
        );
        // Unsafe chars go first, then the cut.
        assert_eq!(clean_text("a\u{202E}b\u{200B}c"), "abc");
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
