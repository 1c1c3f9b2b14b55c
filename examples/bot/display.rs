//! How the bot lays text out for a terminal: counts, widths, plurals.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Microseconds, to a tenth: `2.4 µs`.
pub(crate) fn micros(us: f64) -> String {
    format!("{us:.1} µs")
}

pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Quoted, at most `max` chars, with an ellipsis when cut; control characters shown as
/// spaces. The cut falls between grapheme clusters: an emoji sequence (👩‍👩‍👧) or a
/// letter and its accents is shown whole or not at all.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut chars = 0;
    let mut end = 0;
    for g in clean.graphemes(true) {
        chars += g.chars().count();
        if chars > max {
            return format!("\"{}…\"", &clean[..end]);
        }
        end += g.len();
    }
    format!("\"{clean}\"")
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Pads to a display width (CJK characters are two columns wide).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.width())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_between_grapheme_clusters() {
        let family = "👩\u{200D}👩\u{200D}👧"; // 5 chars, one cluster
                                               // (text, max chars, shown)
        let cases = [
            ("退货\n运费", 10, "\"退货 运费\"".to_owned()),
            ("退货运费谁出", 4, "\"退货运费…\"".to_owned()),
            (&*format!("ab{family}c"), 6, "\"ab…\"".to_owned()),
            (&*format!("ab{family}c"), 7, format!("\"ab{family}…\"")),
            ("cafe\u{301}", 4, "\"caf…\"".to_owned()),
        ];
        for (text, max, shown) in cases {
            assert_eq!(shorten(text, max), shown, "{text:?} at {max}");
        }
    }
}
