//! How the bot lays text out for a terminal: counts, widths, plurals.

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

/// At most `max` chars, with an ellipsis when cut; control characters shown as spaces.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        format!("\"{clean}\"")
    } else {
        let cut: String = clean.chars().take(max).collect();
        format!("\"{cut}…\"")
    }
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
