//! Text helpers of mining: masked data, normalized runs, character bigrams.
//!
//! Chat exports mask private data as placeholders (`[订单编号]`, `[数字]`, `<num>`);
//! their names must never become keywords or reach a template, so every function
//! here drops them before anything else looks at the text.

use crate::{emoticon_len, normalize_char};
use unicode_segmentation::UnicodeSegmentation;

/// Longest placeholder name inside brackets, in chars.
const MAX_PLACEHOLDER_CHARS: usize = 24;

/// Byte ranges of the placeholders in `text`: `[…]`, `【…】` of at most 24 chars
/// without a nested bracket, `<…>` of ASCII letters, digits and `_`, and chat
/// emoticon codes (`#E-s[数字]`, `#E-抱拳`).
pub(crate) fn placeholders(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let close = match c {
            '[' => Some(']'),
            '【' => Some('】'),
            '<' => Some('>'),
            _ => None,
        };
        if let Some(close) = close {
            let rest = &text[i + c.len_utf8()..];
            let mut end = None;
            for (n, (j, d)) in rest.char_indices().enumerate() {
                if d == close {
                    end = Some(j);
                    break;
                }
                let ok = if c == '<' {
                    d.is_ascii_alphanumeric() || d == '_'
                } else {
                    d != '[' && d != '【' && d != '\n'
                };
                if !ok || n >= MAX_PLACEHOLDER_CHARS {
                    break;
                }
            }
            if let Some(j) = end.filter(|&j| j > 0) {
                let stop = i + c.len_utf8() + j + close.len_utf8();
                out.push(i..stop);
                while iter.peek().is_some_and(|&(k, _)| k < stop) {
                    iter.next();
                }
            }
            continue;
        }
        let n = if c == '#' {
            emoticon_len(&text[i..])
        } else {
            0
        };
        if n > 0 {
            let stop = i + n;
            out.push(i..stop);
            while iter.peek().is_some_and(|&(k, _)| k < stop) {
                iter.next();
            }
        }
    }
    out
}

/// Whether the text holds masked data.
pub(crate) fn has_placeholder(text: &str) -> bool {
    !placeholders(text).is_empty()
}

/// The text without its placeholders.
pub(crate) fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for p in placeholders(text) {
        out.push_str(&text[at..p.start]);
        at = p.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Normalized like the engine normalizes (kefu's `normalize`), placeholders dropped:
/// the key under which agent replies are grouped.
pub(crate) fn reply_key(text: &str) -> String {
    without_placeholders(text)
        .chars()
        .filter_map(normalize_char)
        .collect()
}

/// The normalized runs of a buyer message: cut at placeholders, spaces, punctuation,
/// symbols and emoji (where buyers separate chat bubbles and clauses). Keywords are
/// drawn from inside runs.
pub(crate) fn runs(text: &str) -> Vec<Vec<char>> {
    let mut out = vec![Vec::new()];
    let mut at = 0;
    let push = |s: &str, out: &mut Vec<Vec<char>>| {
        for c in s.chars() {
            match normalize_char(c) {
                Some(n) if !c.is_whitespace() => {
                    if let Some(r) = out.last_mut() {
                        r.push(n);
                    }
                }
                _ => out.push(Vec::new()),
            }
        }
    };
    for p in placeholders(text) {
        push(&text[at..p.start], &mut out);
        out.push(Vec::new());
        at = p.end;
    }
    push(&text[at..], &mut out);
    out.retain(|r| !r.is_empty());
    out
}

/// A CJK ideograph (the chars keywords are made of).
pub(crate) fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The distinct char bigrams of a text, sorted (a text of one char is its own
/// "bigram").
pub(crate) fn bigrams(text: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(char, char)> = match chars.as_slice() {
        [] => Vec::new(),
        [c] => vec![(*c, '\0')],
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard similarity of two sorted bigram sets.
pub(crate) fn jaccard(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

/// One line, control characters as spaces, at most `max` chars (with `…` when cut):
/// for comments and reports.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    let mut chars = 0;
    let cut = prefix_fitting(clean, |g| {
        chars += g.chars().count();
        chars <= max
    });
    if cut.len() == clean.len() {
        clean.to_owned()
    } else {
        format!("{cut}…")
    }
}

/// The longest prefix of `s` made of whole grapheme clusters (an emoji sequence, a
/// letter and its marks) that `fits` accepts, fed one cluster after another: a cut
/// never splits what a reader sees as one character. Reads only as far as it keeps.
pub(crate) fn prefix_fitting(s: &str, mut fits: impl FnMut(&str) -> bool) -> &str {
    let mut end = 0;
    for g in s.graphemes(true) {
        if !fits(g) {
            break;
        }
        end += g.len();
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_cuts_between_grapheme_clusters() {
        let family = "👩\u{200D}👩\u{200D}👧"; // 5 chars, one cluster
                                               // (text, max chars, shown)
        let cases = [
            ("退货\n运费", 10, "退货 运费".to_owned()),
            ("退货运费谁出", 4, "退货运费…".to_owned()),
            (&*format!("ab{family}"), 6, "ab…".to_owned()),
            (&*format!("ab{family}"), 7, format!("ab{family}")),
            ("cafe\u{301}s", 4, "caf…".to_owned()),
        ];
        for (text, max, shown) in cases {
            assert_eq!(one_line(text, max), shown, "{text:?} at {max}");
        }
    }

    #[test]
    fn placeholders_are_found_and_dropped() {
        let cases = [
            ("您的订单[订单编号]已发出", "您的订单已发出"),
            ("预计[数字]月[数字]日送达", "预计月日送达"),
            ("号码<num>打不通", "号码打不通"),
            ("好的#E-s[数字]", "好的"),
            ("谢谢#E-抱拳", "谢谢"),
            ("【京东】订单", "订单"),
            ("a[b", "a[b"),
            ("x < y > z", "x < y > z"),
            ("[]", "[]"),
            (
                "[一个非常非常非常非常长长长长长长长长长长长长的括号内容]",
                "[一个非常非常非常非常长长长长长长长长长长长长的括号内容]",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(without_placeholders(text), want, "{text}");
        }
        assert!(has_placeholder("[姓名]你好"));
        assert!(!has_placeholder("你好"));
    }

    #[test]
    fn runs_cut_at_noise_and_placeholders() {
        let got: Vec<String> = runs("发票 怎么开？[订单编号]抬頭")
            .into_iter()
            .map(|r| r.into_iter().collect())
            .collect();
        assert_eq!(got, ["发票", "怎么开", "抬头"]);
        assert_eq!(reply_key("亲，订单[订单编号]已发货！"), "亲订单已发货");
    }

    #[test]
    fn bigram_jaccard() {
        let a = bigrams("请问还有其他可以帮到您的吗");
        let b = bigrams("请问还有其他还可以帮到您的吗");
        assert!(jaccard(&a, &b) > 0.75);
        assert_eq!(jaccard(&bigrams("好的"), &bigrams("好的")), 1.0);
        assert_eq!(jaccard(&bigrams(""), &bigrams("好")), 0.0);
        assert_eq!(one_line("a\nb", 10), "a b");
        assert_eq!(one_line("一二三四", 2), "一二…");
    }
}
