//! Frequent fragments of unanswered messages: what the rules miss, for `bot replay`.

use std::collections::{HashMap, HashSet};

/// A frequent fragment of unanswered messages.
pub(crate) struct Fragment {
    pub(crate) text: String,
    /// Unanswered messages containing it.
    pub(crate) count: usize,
    /// Index (into the unanswered messages) of the example shown.
    pub(crate) example: usize,
}

/// The distinct fragments of one message, into `out`.
///
/// The message is cut into runs at punctuation, symbols and emoji (not at spaces);
/// text in square brackets (`[图片]`, `【订单编号】`, placeholders of chat exports)
/// is skipped. Each run is normalized like a keyword; a fragment is a substring of a
/// run of 2 to 4 characters that is not all digits (order numbers, prices).
pub(crate) fn fragments_of(message: &str, out: &mut HashSet<String>) {
    out.clear();
    let mut runs: Vec<Vec<char>> = vec![Vec::new()];
    let mut depth = 0u32;
    for c in message.chars() {
        match c {
            '[' | '【' => depth += 1,
            ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => continue,
            _ => {
                if let Some(n) = kefu::normalize_char(c) {
                    if let Some(r) = runs.last_mut() {
                        r.push(n);
                    }
                    continue;
                }
            }
        }
        runs.push(Vec::new());
    }
    for r in &runs {
        for len in 2..=4 {
            for w in r.windows(len) {
                if !w.iter().all(char::is_ascii_digit) {
                    out.insert(w.iter().collect());
                }
            }
        }
    }
}

/// The `top` most frequent fragments (see [`fragments_of`]) of the unanswered
/// messages that are characteristic of them, each counted once per message.
///
/// Characteristic: the share of unanswered messages containing the fragment is at
/// least twice its share among answered messages. This drops the words every
/// message uses (这个, 可以, 怎么) and words the rules already answer, and keeps
/// what the rules miss. A fragment is also dropped when a longer fragment containing
/// it has the same count: it only ever occurs inside that one, which says more.
/// Fragments in fewer than 2 messages are not shown. Ties: longer first, then by
/// text. The example is the message containing the fragment whose length is
/// closest to 16 characters (the first such), a readable question.
pub(crate) fn fragments(unanswered: &[String], answered: &[String], top: usize) -> Vec<Fragment> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut set = HashSet::new();
    let readable = |m: &str| m.chars().count().abs_diff(16);
    for (mi, m) in unanswered.iter().enumerate() {
        fragments_of(m, &mut set);
        for g in set.drain() {
            let e = counts.entry(g).or_insert((0, mi));
            e.0 += 1;
            if readable(m) < readable(&unanswered[e.1]) {
                e.1 = mi;
            }
        }
    }
    let mut in_answered: HashMap<&str, usize> = HashMap::new();
    for m in answered {
        fragments_of(m, &mut set);
        for g in set.drain() {
            if let Some((k, _)) = counts.get_key_value(&g) {
                *in_answered.entry(k.as_str()).or_default() += 1;
            }
        }
    }
    let (nu, na) = (unanswered.len(), answered.len());
    let mut all: Vec<(&str, usize, usize)> = counts
        .iter()
        .filter(|(_, &(c, _))| c >= 2)
        .map(|(g, &(c, ex))| (g.as_str(), c, ex))
        .collect();
    all.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(b.0))
    });
    // Fragments by (count, length), to find a longer one with the same count.
    let mut by_count: HashMap<(usize, usize), Vec<&str>> = HashMap::new();
    for &(g, c, _) in &all {
        by_count.entry((c, g.chars().count())).or_default().push(g);
    }
    let mut out = Vec::new();
    for &(g, c, ex) in &all {
        if out.len() == top {
            break;
        }
        // c/nu >= 2 * a/na, in integers.
        let a = in_answered.get(g).copied().unwrap_or(0);
        if c * na < 2 * a * nu {
            continue;
        }
        let len = g.chars().count();
        let subsumed = by_count
            .get(&(c, len + 1))
            .is_some_and(|longer| longer.iter().any(|l| l.contains(g)));
        if !subsumed {
            out.push(Fragment {
                text: g.to_owned(),
                count: c,
                example: ex,
            });
        }
    }
    out
}
