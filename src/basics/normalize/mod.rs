//! Buyer text (and keywords) to matching form.
//!
//! Every mapping is one char to one char: ASCII upper to lower case, full-width forms
//! to half-width, Traditional to Simplified (OpenCC TSCharacters). Noise — spaces,
//! punctuation, symbols, emoji, control and format characters — is skipped, never
//! rewritten, so every normalized char knows the exact byte span of the original char
//! it came from (the matcher keeps that map as it scans). No NFKC here: it changes
//! lengths and would break that map.

mod t2s;

/// Normalizes one char: `None` for noise, else the char to match on.
///
/// The rules, in order: ASCII letters and digits (lower-cased) are kept, other ASCII is
/// noise; full-width ASCII forms (U+FF01–U+FF5E) are folded to ASCII and then follow
/// the ASCII rule; CJK ideographs are mapped Traditional → Simplified; any other
/// alphabetic or numeric char is kept (mapped to Simplified where it is Traditional);
/// everything else (punctuation, symbols, emoji, spaces, marks) is noise.
#[inline(always)]
pub fn normalize_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase());
    }
    let u = c as u32;
    if (0xFF01..=0xFF5E).contains(&u) {
        // Full-width ASCII: a fixed offset from its half-width form.
        let half = char::from_u32(u - 0xFEE0)?;
        return half
            .is_ascii_alphanumeric()
            .then(|| half.to_ascii_lowercase());
    }
    if (0x4E00..=0x9FFF).contains(&u) {
        return Some(t2s::to_simplified(c));
    }
    // Frequent noise in buyer text, decided without the Unicode tables: general
    // punctuation (“” … ‼ and zero-width joiners), CJK punctuation (。、「」) but for
    // its few letters and numerals (々 〆 〇 〡-〩 〱-〵 〸-〼), emoji and their
    // variation selectors.
    match u {
        0x2000..=0x206F | 0xFE00..=0xFE0F | 0x1F300..=0x1FAFF => return None,
        0x3000..=0x303F => {
            let kept =
                matches!(u, 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3031..=0x3035 | 0x3038..=0x303C);
            return kept.then_some(c);
        }
        _ => {}
    }
    c.is_alphanumeric().then(|| t2s::to_simplified(c))
}

/// Normalizes a whole string, dropping noise and chat emoticon codes. This is what
/// keywords go through, and what a scan reads of a message.
///
/// ```
/// assert_eq!(kefu::normalize("退 貨！！😭"), "退货");
/// assert_eq!(kefu::normalize("ＸＬ碼"), "xl码");
/// assert_eq!(kefu::normalize("好的#E-s05"), "好的");
/// ```
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(chars(text).filter_map(|(_, _, k)| k));
    out
}

/// Each char of `text` with its byte offset and its normalized form (`None`: noise,
/// skipped), as a scan reads a message: a chat emoticon code (see [`emoticon_len`])
/// gives its `#` as noise and nothing after it.
pub(crate) fn chars(text: &str) -> Chars<'_> {
    Chars {
        text,
        it: text.char_indices(),
    }
}

/// The iterator of [`chars`].
pub(crate) struct Chars<'a> {
    text: &'a str,
    it: std::str::CharIndices<'a>,
}

impl Chars<'_> {
    /// Past the rest of an emoticon code whose `#` is at `pos`, if one is there.
    #[cold]
    fn skip_emoticon(&mut self, pos: usize) {
        let end = pos + emoticon_len(self.text.get(pos..).unwrap_or(""));
        while self.it.offset() < end && self.it.next().is_some() {}
    }
}

impl Iterator for Chars<'_> {
    type Item = (usize, char, Option<char>);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let (pos, c) = self.it.next()?;
        let k = normalize_char(c);
        if k.is_none() && c == '#' {
            self.skip_emoticon(pos);
        }
        Some((pos, c, k))
    }
}

/// The length in bytes of the chat emoticon code that `text` begins with, or 0: `#E-`,
/// an optional `s`, then a masked number (`[数字]`, `<num>`: how exported logs write
/// `#E-s05`) or up to two letters or digits (`#E-s05`, `#E-抱拳`). An emoticon is a
/// picture: normalization skips it as it skips emoji.
///
/// ```
/// assert_eq!(kefu::emoticon_len("#E-s05好的"), 6);
/// assert_eq!(kefu::emoticon_len("好的"), 0);
/// ```
pub fn emoticon_len(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("#E-") else {
        return 0;
    };
    let (mut len, rest) = match rest.strip_prefix('s') {
        Some(r) => (4, r),
        None => (3, rest),
    };
    for (open, close) in [('[', ']'), ('<', '>')] {
        let Some(inner) = rest.strip_prefix(open) else {
            continue;
        };
        let end = inner
            .char_indices()
            .take(MAX_MASK_CHARS + 1)
            .find_map(|(j, d)| match d {
                d if d == close => Some(Some(j)),
                '[' | '<' | '\n' => Some(None),
                _ => None,
            });
        if let Some(Some(j)) = end.filter(|e| e.is_some_and(|j| j > 0)) {
            return len + open.len_utf8() + j + close.len_utf8();
        }
    }
    for d in rest.chars().take(2) {
        if !d.is_alphanumeric() {
            break;
        }
        len += d.len_utf8();
    }
    len
}

/// Longest name of a masked value in an emoticon code (`[数字]`, `<num>`), in chars.
const MAX_MASK_CHARS: usize = 24;

#[cfg(test)]
mod tests {
    use super::*;

    // (name, input, normalized)
    const CASES: &[(&str, &str, &str)] = &[
        ("ascii case", "XL码", "xl码"),
        ("spaces between chars", "退 款", "退款"),
        ("hyphen between chars", "退-款", "退款"),
        ("full-width bangs", "退款！！！", "退款"),
        ("emoji", "退款😭", "退款"),
        ("emoji with zwj and selector", "好👍🏻❤️", "好"),
        ("traditional", "退貨", "退货"),
        ("full-width letters and digits", "ＸＬ１６０", "xl160"),
        ("ideographic space", "在\u{3000}吗", "在吗"),
        ("chinese punctuation", "在吗？。，、", "在吗"),
        ("control and bidi", "a\u{202E}b\u{0007}c", "abc"),
        ("empty", "", ""),
        ("noise only", "？？？ !!! 😭", ""),
        ("digits kept", "我160 100斤", "我160100斤"),
    ];

    #[test]
    fn table() {
        for (name, input, want) in CASES {
            assert_eq!(normalize(input), *want, "case {name}");
        }
    }

    #[test]
    fn the_table_has_no_chains() {
        // A value that is itself a key would make normalization not idempotent.
        for &(t, s) in t2s::T2S_PAIRS {
            assert_eq!(normalize_char(s), Some(s), "{t} -> {s} -> …");
        }
    }

    #[test]
    fn idempotent() {
        for (name, input, _) in CASES {
            let once = normalize(input);
            assert_eq!(normalize(&once), once, "case {name}");
        }
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::normalize_char;

    /// The hand-written ranges agree with the general rule (alphanumeric or not).
    #[test]
    fn fast_ranges_agree_with_the_unicode_tables() {
        for u in (0x2000..=0x206F)
            .chain(0x3000..=0x303F)
            .chain(0xFE00..=0xFE0F)
            .chain(0x1F300..=0x1FAFF)
        {
            let Some(c) = char::from_u32(u) else { continue };
            assert_eq!(
                normalize_char(c).is_some(),
                c.is_alphanumeric(),
                "U+{u:04X}"
            );
        }
    }
}
