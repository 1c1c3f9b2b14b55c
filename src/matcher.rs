//! All keywords of all nodes in one Aho-Corasick automaton, plus the regex patterns.
//!
//! Keywords are deduplicated: an automaton pattern id indexes a slice of [`Entry`]s
//! (the same keyword may belong to several nodes, as a keyword, whole-message keyword
//! or exclude). A scan is one overlapping pass over the normalized message, then one
//! `RegexSet` pass over the original text when the file has patterns; captures run
//! only for the patterns that matched. It never loops over keywords or nodes.
//!
//! The automaton kind is internal: daachorse's charwise double-array automaton by
//! default (the benchmarks in BENCHMARKS.md show why), the `aho-corasick` crate as an
//! alternative, kept so the choice stays measured.

use crate::normalize::Normalized;
use crate::rules::{Node, TermKind};
use aho_corasick::AhoCorasick;
use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder};
use regex::RegexSet;
use std::collections::HashMap;
use std::ops::Range;

/// Which automaton scans messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MatcherKind {
    /// daachorse's charwise double-array Aho-Corasick (the default).
    #[default]
    Daachorse,
    /// The `aho-corasick` crate (a contiguous NFA or DFA, as it chooses).
    AhoCorasick,
}

/// One node's use of an automaton pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) node: u32,
    /// Index into the node's `terms`.
    pub(crate) term: u32,
    pub(crate) kind: TermKind,
}

enum Automaton {
    None,
    Daachorse(CharwiseDoubleArrayAhoCorasick<u32>),
    AhoCorasick(AhoCorasick),
}

/// What one hit is: a node's keyword (by term index) or pattern (by pattern index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Term(u32),
    Pattern(u32),
}

/// A hit found by a scan.
#[derive(Debug, Clone)]
pub(crate) struct RawHit {
    pub(crate) node: u32,
    pub(crate) via: Via,
    /// Span in the normalized text (bytes).
    pub(crate) norm: Range<usize>,
    /// Span in the original text (bytes, char boundaries).
    pub(crate) orig: Range<usize>,
    /// Whether this is a whole-message keyword hit.
    pub(crate) whole: bool,
}

/// A pattern's capture to store in the session.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// Output of one scan.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) hits: Vec<RawHit>,
    /// Nodes vetoed by an exclude word (may repeat).
    pub(crate) vetoed: Vec<u32>,
    pub(crate) captures: Vec<Capture>,
}

pub(crate) struct Matcher {
    automaton: Automaton,
    /// pattern id → `entries[ranges[id].0 .. ranges[id].1]`
    ranges: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    regex_set: Option<RegexSet>,
    /// regex index in the set → (node, pattern index within the node)
    regex_owner: Vec<(u32, u32)>,
    keyword_count: usize,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("patterns", &self.ranges.len())
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Matcher {
    /// Compiles the nodes' keywords and patterns. Fails only on automaton size limits.
    pub(crate) fn new(nodes: &[Node], kind: MatcherKind) -> Result<Matcher, String> {
        // Group entries by distinct normalized text, in first-seen order.
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut per_text: Vec<Vec<Entry>> = Vec::new();
        let mut keyword_count = 0;
        for (ni, n) in nodes.iter().enumerate() {
            for (ti, t) in n.terms.iter().enumerate() {
                keyword_count += 1;
                let id = *ids.entry(t.text.as_str()).or_insert_with(|| {
                    texts.push(t.text.as_str());
                    per_text.push(Vec::new());
                    texts.len() - 1
                });
                per_text[id].push(Entry {
                    node: ni as u32,
                    term: ti as u32,
                    kind: t.kind,
                });
            }
        }
        let mut ranges = Vec::with_capacity(per_text.len());
        let mut entries = Vec::with_capacity(keyword_count);
        for list in per_text {
            let start = entries.len() as u32;
            entries.extend(list);
            ranges.push((start, entries.len() as u32));
        }
        let automaton = if texts.is_empty() {
            Automaton::None
        } else {
            match kind {
                MatcherKind::Daachorse => Automaton::Daachorse(
                    CharwiseDoubleArrayAhoCorasickBuilder::new()
                        .build_with_values(texts.iter().enumerate().map(|(i, t)| (*t, i as u32)))
                        .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
                ),
                MatcherKind::AhoCorasick => Automaton::AhoCorasick(
                    AhoCorasick::new(&texts)
                        .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
                ),
            }
        };

        let mut sources = Vec::new();
        let mut regex_owner = Vec::new();
        for (ni, n) in nodes.iter().enumerate() {
            for (pi, p) in n.patterns.iter().enumerate() {
                sources.push(p.regex.as_str());
                regex_owner.push((ni as u32, pi as u32));
            }
        }
        let regex_set = if sources.is_empty() {
            None
        } else {
            Some(
                RegexSet::new(&sources)
                    .map_err(|e| format!("cannot build the pattern set: {e}"))?,
            )
        };
        Ok(Matcher {
            automaton,
            ranges,
            entries,
            regex_set,
            regex_owner,
            keyword_count,
        })
    }

    /// Number of keywords (with repeats across nodes) compiled in.
    pub(crate) fn keyword_count(&self) -> usize {
        self.keyword_count
    }

    /// Bytes of heap the matcher holds (automaton, tables, regexes).
    pub(crate) fn heap_bytes(&self) -> usize {
        let automaton = match &self.automaton {
            Automaton::None => 0,
            Automaton::Daachorse(d) => d.heap_bytes(),
            Automaton::AhoCorasick(a) => a.memory_usage(),
        };
        automaton
            + self.ranges.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.regex_owner.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    /// Finds every keyword, whole-message keyword, exclude and pattern hit.
    pub(crate) fn scan(&self, nodes: &[Node], norm: &Normalized, out: &mut Scan) {
        let original = norm.original();
        let whole_len = norm.text.len();
        let mut on_match = |id: usize, start: usize, end: usize| {
            let Some(&(a, b)) = self.ranges.get(id) else {
                return;
            };
            for e in self.entries.get(a as usize..b as usize).unwrap_or(&[]) {
                match e.kind {
                    TermKind::Exclude => out.vetoed.push(e.node),
                    TermKind::Whole if start != 0 || end != whole_len => {}
                    kind => out.hits.push(RawHit {
                        node: e.node,
                        via: Via::Term(e.term),
                        norm: start..end,
                        orig: norm.original_span(start, end),
                        whole: kind == TermKind::Whole,
                    }),
                }
            }
        };
        match &self.automaton {
            Automaton::None => {}
            Automaton::Daachorse(d) => {
                for m in d.find_overlapping_iter(&norm.text) {
                    on_match(m.value() as usize, m.start(), m.end());
                }
            }
            Automaton::AhoCorasick(ac) => {
                for m in ac.find_overlapping_iter(&norm.text) {
                    on_match(m.pattern().as_usize(), m.start(), m.end());
                }
            }
        }
        let Some(set) = &self.regex_set else { return };
        // Most messages match no pattern; `is_match` stops early and skips the costlier
        // overlapping search for them.
        if !set.is_match(original) {
            return;
        }
        for i in set.matches(original).iter() {
            let Some(&(node, pi)) = self.regex_owner.get(i) else {
                continue;
            };
            let Some(p) = nodes
                .get(node as usize)
                .and_then(|n| n.patterns.get(pi as usize))
            else {
                continue;
            };
            let Some(caps) = p.regex.captures(original) else {
                continue;
            };
            let Some(m) = caps.get(0) else { continue };
            let norm_span = norm.normalized_span(m.start(), m.end());
            out.hits.push(RawHit {
                node,
                via: Via::Pattern(pi),
                norm: norm_span,
                orig: m.range(),
                whole: false,
            });
            for name in p.regex.capture_names().flatten() {
                if let Some(v) = caps.name(name) {
                    out.captures.push(Capture {
                        name: name.to_owned(),
                        value: v.as_str().to_owned(),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Section, Term};

    fn node(topic: &str, terms: &[(&str, TermKind)]) -> Node {
        Node {
            topic: topic.into(),
            name: topic.into(),
            section: Section::Presale,
            parent: None,
            priority: 0,
            handoff: false,
            terms: terms
                .iter()
                .map(|(t, k)| Term {
                    text: crate::normalize::normalize(t),
                    source: (*t).into(),
                    kind: *k,
                })
                .collect(),
            patterns: vec![],
            reply: vec![],
            location: None,
            path: String::new(),
        }
    }

    fn scan(kind: MatcherKind, nodes: &[Node], text: &str) -> Scan {
        let m = Matcher::new(nodes, kind).unwrap();
        let mut s = Scan::default();
        m.scan(nodes, &Normalized::new(text), &mut s);
        s
    }

    #[test]
    fn both_automata_find_the_same_hits() {
        let nodes = vec![
            node(
                "ret",
                &[("退货", TermKind::Contains), ("不退", TermKind::Exclude)],
            ),
            node(
                "fee",
                &[
                    ("退货运费", TermKind::Contains),
                    ("退货", TermKind::Contains),
                ],
            ),
            node("hi", &[("在吗", TermKind::Whole)]),
        ];
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let s = scan(kind, &nodes, "退 貨運費谁出？");
            let mut got: Vec<(u32, &str)> = s
                .hits
                .iter()
                .map(|h| (h.node, &"退 貨運費谁出？"[h.orig.clone()]))
                .collect();
            got.sort();
            assert_eq!(
                got,
                vec![(0, "退 貨"), (1, "退 貨"), (1, "退 貨運費")],
                "{kind:?}"
            );
            assert!(s.vetoed.is_empty());
        }
    }

    #[test]
    fn whole_keywords_hit_only_the_whole_message() {
        let nodes = vec![node("hi", &[("在吗", TermKind::Whole)])];
        assert_eq!(
            scan(MatcherKind::Daachorse, &nodes, "在吗？？").hits.len(),
            1
        );
        assert!(scan(MatcherKind::Daachorse, &nodes, "在吗 有货吗")
            .hits
            .is_empty());
    }

    #[test]
    fn excludes_veto() {
        let nodes = vec![node(
            "ret",
            &[("退货", TermKind::Contains), ("不想退", TermKind::Exclude)],
        )];
        let s = scan(MatcherKind::Daachorse, &nodes, "我不想退货了");
        assert_eq!(s.vetoed, vec![0]);
    }

    #[test]
    fn no_keywords_no_hits() {
        let s = scan(MatcherKind::Daachorse, &[], "随便");
        assert!(s.hits.is_empty());
    }
}
