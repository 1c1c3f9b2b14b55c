//! Choosing the node that answers: score every node that was hit, with the session's
//! context as the tie-breaker.
//!
//! The order is total and documented in the README ("Matching semantics"):
//! 1. a whole-message keyword hit;
//! 2. coverage: message chars covered by the node's own and its ancestors' hits
//!    (each distinct keyword or pattern counted once, overlaps once);
//! 3. distinct keywords and patterns hit (own and ancestors');
//! 4. the node's `priority`;
//! 5. context: the last topic itself, then its first-level branch;
//! 6. stage: pre-sale nodes for a pre-sale conversation, in-sale and after-sale nodes
//!    once the conversation is about an order;
//! 7. file order (earlier wins).
//!
//! Exclude words veto their node. Work is proportional to the distinct hits, never to
//! the number of nodes or keywords.

use crate::basics::ids::NodeId;
use crate::basics::inline::Few;
use crate::basics::section::Section;
use crate::pipeline::matcher::{RawHit, Scan, Via};
use crate::pipeline::tree::{root_of, Node, Opening, TermKind};
use std::cmp::Ordering;
use std::fmt;

/// One part of a [`Score`], in the order they are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ScorePart {
    /// [`Score::whole`]
    Whole,
    /// [`Score::coverage`]
    Coverage,
    /// [`Score::distinct`]
    Distinct,
    /// [`Score::priority`]
    Priority,
    /// [`Score::context`]
    Context,
    /// [`Score::stage`]
    Stage,
    /// [`Score::order`]
    Order,
}

impl ScorePart {
    /// What the part is, in words (`whole-message keyword`, `coverage` …), as
    /// [`Reply::explain`](crate::Reply::explain) prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScorePart::Whole => "whole-message keyword",
            ScorePart::Coverage => "coverage",
            ScorePart::Distinct => "distinct keywords",
            ScorePart::Priority => "priority",
            ScorePart::Context => "context (last topic)",
            ScorePart::Stage => "stage",
            ScorePart::Order => "file order",
        }
    }
}

impl fmt::Display for ScorePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The score parts of one candidate node, in the order they are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Score {
    /// A whole-message keyword of the node was the whole message.
    pub whole: bool,
    /// Normalized chars of the message covered by the node's and its ancestors' hits.
    pub coverage: u32,
    /// Distinct keywords and patterns hit (node and ancestors).
    pub distinct: u32,
    /// The node's `priority`.
    pub priority: i32,
    /// 2: the session's last topic; 1: in the last topic's first-level branch; 0: other.
    pub context: u8,
    /// 1 when the node's section fits the conversation's stage.
    pub stage: u8,
    /// Position in the file (lower wins).
    pub order: u32,
}

impl Score {
    /// Compares two scores; `Greater` wins. File order is reversed: earlier is better.
    pub(crate) fn cmp_rank(&self, other: &Score) -> Ordering {
        (
            self.whole,
            self.coverage,
            self.distinct,
            self.priority,
            self.context,
            self.stage,
        )
            .cmp(&(
                other.whole,
                other.coverage,
                other.distinct,
                other.priority,
                other.context,
                other.stage,
            ))
            .then_with(|| other.order.cmp(&self.order))
    }

    /// The first part in which `self` and `other` differ.
    pub(crate) fn deciding_part(&self, other: &Score) -> ScorePart {
        if self.whole != other.whole {
            ScorePart::Whole
        } else if self.coverage != other.coverage {
            ScorePart::Coverage
        } else if self.distinct != other.distinct {
            ScorePart::Distinct
        } else if self.priority != other.priority {
            ScorePart::Priority
        } else if self.context != other.context {
            ScorePart::Context
        } else if self.stage != other.stage {
            ScorePart::Stage
        } else {
            ScorePart::Order
        }
    }
}

/// A node considered for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Candidate {
    pub(crate) node: NodeId,
    pub(crate) score: Score,
}

/// The outcome of selection.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    /// Every node hit and not vetoed, the winner first.
    pub(crate) candidates: Ranked,
    /// Nodes hit and vetoed by an exclude word (sorted, unique): only nodes that a
    /// keyword or pattern of theirs hit.
    pub(crate) vetoed: Vec<NodeId>,
}

impl Selection {
    pub(crate) fn winner(&self) -> Option<&Candidate> {
        self.candidates.as_slice().first()
    }

    /// Every candidate, best first.
    pub(crate) fn ranked(&self) -> Vec<Candidate> {
        let mut all = self.candidates.as_slice().to_vec();
        all.sort_unstable_by(|a, b| b.score.cmp_rank(&a.score));
        all
    }
}

/// Candidates inline: most messages hit one to three nodes.
pub(crate) type Ranked = Few<Candidate, 4>;

fn stage_group(s: Section) -> u8 {
    u8::from(s.is_order())
}

/// What selection reads of a node, for every node in one dense array (16 bytes a
/// node): scoring a hit touches this table, not the rule set's `Node`s with their
/// strings and lists, so a large rule set costs fewer cache misses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeInfo {
    /// The parent; `NO_PARENT` for a first-level node (an `Option` would make the
    /// record 20 bytes).
    parent: NodeId,
    /// The first-level ancestor (itself when it is first-level).
    root: NodeId,
    priority: i32,
    stage: u8,
    /// A handoff node: hit at all, it hands the conversation over.
    pub(crate) handoff: bool,
    /// `NEGATION`: a negator cancels its keywords (`negation:`, default true);
    /// `QUESTIONS`: it answers questions only (`answers: questions`); `SMALL_TALK`: see
    /// [`NodeInfo::small_talk`].
    flags: u8,
    /// How a conversation it opens is greeted.
    pub(crate) opening: Opening,
}

fn is_small_talk(n: &Node) -> bool {
    let whole_only = n.patterns.is_empty()
        && n.terms.iter().any(|t| t.kind == TermKind::Whole)
        && !n.terms.iter().any(|t| t.kind == TermKind::Contains);
    n.opening == Opening::None || whole_only
}

/// No node has this id: the rules load at most 2^32 − 1 nodes.
const NO_PARENT: NodeId = NodeId::from_raw(u32::MAX);

const _: () = assert!(std::mem::size_of::<NodeInfo>() == 16);

impl NodeInfo {
    /// One entry per node, in node order (node ids were checked to fit at load).
    pub(crate) fn table(nodes: &[Node]) -> Vec<NodeInfo> {
        (0..nodes.len())
            .filter_map(NodeId::new)
            .zip(nodes)
            .map(|(id, n)| NodeInfo {
                parent: n.parent.unwrap_or(NO_PARENT),
                root: root_of(nodes, id),
                priority: n.priority,
                stage: stage_group(n.section),
                handoff: n.handoff,
                flags: if n.negation { NodeInfo::NEGATION } else { 0 }
                    | if n.questions_only {
                        NodeInfo::QUESTIONS
                    } else {
                        0
                    }
                    | if is_small_talk(n) {
                        NodeInfo::SMALL_TALK
                    } else {
                        0
                    },
                opening: n.opening,
            })
            .collect()
    }

    fn parent(&self) -> Option<NodeId> {
        (self.parent != NO_PARENT).then_some(self.parent)
    }

    /// The first-level ancestor (itself when it is first-level).
    pub(crate) fn root(&self) -> NodeId {
        self.root
    }

    const NEGATION: u8 = 1;
    const QUESTIONS: u8 = 2;
    const SMALL_TALK: u8 = 4;

    /// Whether the node is small talk: it answers on its own (`opening: none`: thanks,
    /// an acknowledgement, a goodbye) or only whole messages (`whole:` words and no
    /// keywords or patterns: a greeting, 好的, 我再看看). Small talk is no topic a
    /// conversation is on: a follow-up or an `after:` variant skips it.
    pub(crate) fn small_talk(&self) -> bool {
        self.flags & Self::SMALL_TALK != 0
    }

    /// Whether a negator cancels the node's keywords.
    pub(crate) fn negation(&self) -> bool {
        self.flags & Self::NEGATION != 0
    }

    /// Whether the node answers questions only (`answers: questions`).
    pub(crate) fn questions_only(&self) -> bool {
        self.flags & Self::QUESTIONS != 0
    }
}

/// Buffers reused from one selection to the next.
#[derive(Debug, Default)]
pub(crate) struct Work {
    spans: Vec<(u32, u32)>,
    ranked: Vec<Candidate>,
}

/// Scores the hit nodes into `out`. `stage` is the conversation's, `last_topic` the
/// node of the session's last topic.
pub(crate) fn select(
    nodes: &[NodeInfo],
    scan: &mut Scan,
    work: &mut Work,
    stage: Section,
    last_topic: Option<NodeId>,
    out: &mut Selection,
) {
    let Scan { hits, vetoed, .. } = scan;
    vetoed.sort_unstable();
    vetoed.dedup();
    // One hit per distinct (node, keyword or pattern): its first occurrence. This keeps
    // scoring proportional to distinct hits even for a message repeating one keyword.
    hits.sort_unstable_by_key(|h| (via_key(h), h.chars.start));
    hits.dedup_by_key(|h| via_key(h));
    let is_vetoed = |n: NodeId| vetoed.binary_search(&n).is_ok();

    let last_root = last_topic
        .and_then(|t| nodes.get(t.index()))
        .map(|i| i.root);
    let stage = stage_group(stage);
    let Work { spans, ranked } = work;
    ranked.clear();
    let mut i = 0;
    while i < hits.len() {
        let node = hits[i].node;
        let own_end = i + hits[i..].iter().take_while(|h| h.node == node).count();
        if let Some(n) = nodes.get(node.index()).filter(|_| !is_vetoed(node)) {
            spans.clear();
            let mut distinct = 0u32;
            let mut whole = false;
            for h in &hits[i..own_end] {
                spans.push((h.chars.start, h.chars.end));
                distinct += 1;
                whole |= h.whole;
            }
            let mut anc = n.parent();
            while let Some(a) = anc {
                if !is_vetoed(a) {
                    for h in hits_of(hits, a) {
                        spans.push((h.chars.start, h.chars.end));
                        distinct += 1;
                    }
                }
                anc = nodes.get(a.index()).and_then(NodeInfo::parent);
            }
            let context = match (last_topic, last_root) {
                (Some(t), _) if t == node => 2,
                (_, Some(r)) if n.root == r => 1,
                _ => 0,
            };
            ranked.push(Candidate {
                node,
                score: Score {
                    whole,
                    coverage: covered_chars(spans),
                    distinct,
                    priority: n.priority,
                    context,
                    stage: u8::from(n.stage == stage),
                    order: node.raw(),
                },
            });
        }
        i = own_end;
    }
    // The winner first; the rest stay in node order until `Selection::ranked` (only
    // `explain` needs the full order, and it is total: `order` is unique per node).
    let best = (1..ranked.len()).fold(0, |best, i| {
        if ranked[i].score.cmp_rank(&ranked[best].score) == Ordering::Greater {
            i
        } else {
            best
        }
    });
    if best > 0 {
        ranked.swap(0, best);
    }
    out.candidates.fill(ranked);
    out.vetoed.clear();
    // Reported are the nodes an exclude word kept from being candidates: those a
    // keyword or pattern of theirs hit (issue 16.6), not every node whose exclude
    // word the message contains.
    let hit = |n: &&NodeId| !hits_of(hits, **n).is_empty();
    out.vetoed.extend(vetoed.iter().filter(hit));
}

/// Orders hits by node, then keywords before patterns, then index.
fn via_key(h: &RawHit) -> u64 {
    let via = match h.via {
        Via::Term(t) => u64::from(t.raw()),
        Via::Pattern(p) => (1 << 32) | u64::from(p),
    };
    (u64::from(h.node.raw()) << 33) | via
}

/// The hits of `node` in `hits` sorted by node.
fn hits_of(hits: &[RawHit], node: NodeId) -> &[RawHit] {
    let start = hits.partition_point(|h| h.node < node);
    let end = hits.partition_point(|h| h.node <= node);
    hits.get(start..end).unwrap_or(&[])
}

/// Normalized chars covered by the union of `spans` (char positions).
fn covered_chars(spans: &mut [(u32, u32)]) -> u32 {
    if let [(s, e)] = spans {
        return e.saturating_sub(*s);
    }
    spans.sort_unstable();
    let mut total = 0u32;
    let mut cur: Option<(u32, u32)> = None;
    for &(s, e) in spans.iter() {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total = total.saturating_add(ce - cs);
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total = total.saturating_add(ce - cs);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(
        whole: bool,
        coverage: u32,
        distinct: u32,
        priority: i32,
        context: u8,
        stage: u8,
        order: u32,
    ) -> Score {
        Score {
            whole,
            coverage,
            distinct,
            priority,
            context,
            stage,
            order,
        }
    }

    #[test]
    fn rank_order_is_lexicographic_with_earlier_file_order_winning() {
        let base = score(false, 2, 1, 0, 0, 0, 5);
        // (name, better score, deciding part)
        let cases = [
            ("whole", score(true, 1, 1, 0, 0, 0, 9), ScorePart::Whole),
            (
                "coverage",
                score(false, 3, 1, -9, 0, 0, 9),
                ScorePart::Coverage,
            ),
            (
                "distinct",
                score(false, 2, 2, -9, 0, 0, 9),
                ScorePart::Distinct,
            ),
            (
                "priority",
                score(false, 2, 1, 1, 0, 0, 9),
                ScorePart::Priority,
            ),
            (
                "context",
                score(false, 2, 1, 0, 1, 0, 9),
                ScorePart::Context,
            ),
            ("stage", score(false, 2, 1, 0, 0, 1, 9), ScorePart::Stage),
            ("order", score(false, 2, 1, 0, 0, 0, 4), ScorePart::Order),
        ];
        for (name, better, part) in cases {
            assert_eq!(better.cmp_rank(&base), Ordering::Greater, "{name}");
            assert_eq!(base.cmp_rank(&better), Ordering::Less, "{name}");
            assert_eq!(better.deciding_part(&base), part, "{name}");
        }
        assert_eq!(base.cmp_rank(&base), Ordering::Equal);
    }

    #[test]
    fn coverage_counts_overlaps_once_in_chars() {
        // In 退货运费xl谁出: 退货 (0..2) and 退货运费 (0..4) overlap; xl is 4..6.
        let mut spans = vec![(0, 2), (0, 4), (4, 6)];
        assert_eq!(covered_chars(&mut spans), 6);
        let mut none: Vec<(u32, u32)> = vec![];
        assert_eq!(covered_chars(&mut none), 0);
        let mut apart = vec![(6, 8), (0, 1)];
        assert_eq!(covered_chars(&mut apart), 3);
    }

    #[test]
    fn coverage_of_one_to_three_spans_matches_counting_positions() {
        // Every span list of up to three spans within 0..5, against a brute count.
        let all: Vec<(u32, u32)> = (0..5).flat_map(|s| (s..=5).map(move |e| (s, e))).collect();
        let brute = |spans: &[(u32, u32)]| {
            (0..5)
                .filter(|&p| spans.iter().any(|&(s, e)| s <= p && p < e))
                .count() as u32
        };
        for &a in &all {
            for &b in &all {
                for list in [vec![a], vec![a, b], vec![a, b, (1, 3)]] {
                    let want = brute(&list);
                    assert_eq!(covered_chars(&mut list.clone()), want, "{list:?}");
                }
            }
        }
    }
}
