//! The compiled tree of quick phrases: each node with its terms (keywords, whole-message
//! keywords, excludes), patterns and reply variants, plus the buyer signals the same
//! automaton finds. Built by `rules` at load; read by the matcher, selection and the
//! engine. Never changes after load.

use crate::basics::error::Location;
use crate::basics::ids::{NodeId, SegmentId};
use crate::basics::section::Section;
use crate::template::Template;
use regex::Regex;

/// How a keyword hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TermKind {
    /// Anywhere in the message.
    Contains,
    /// Only as the whole (normalized) message.
    Whole,
    /// Vetoes its node.
    Exclude,
    /// A signal of a buyer segment (`buyers.segments[].signals`); not a node's term.
    Signal,
    /// An anger word (`buyers.anger.signals`); not a node's term.
    Anger,
    /// A negator (`reading.negators`); not a node's term.
    Negator,
    /// A protected word (`reading.words`, and the built-in question frames such as
    /// 会不会): a known word that answers nothing; not a node's term.
    Word,
    /// A follow-up phrase: the file's (`reading.followups`) or a node's own
    /// (`followups:`, a term of that node).
    Followup,
    /// A slot value (`reading.slots`); not a node's term.
    Slot,
    /// A filler (`reading.fillers`: particles, pronouns, question frames such as 吗,
    /// 怎么, 这个): not counted in the message's length for confidence; not a node's
    /// term.
    Filler,
}

#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// Normalized form, what the automaton matches.
    pub(crate) text: String,
    /// As written in the file.
    pub(crate) source: String,
    pub(crate) kind: TermKind,
    /// Where the term is written.
    pub(crate) location: Option<Location>,
}

/// A signal word of `buyers:`: the automaton matches it like a keyword.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    /// `kind` is [`TermKind::Signal`] or [`TermKind::Anger`].
    pub(crate) term: Term,
    /// The segment of a segment signal; `None` for an anger word.
    pub(crate) segment: Option<SegmentId>,
}

#[derive(Debug, Clone)]
pub(crate) struct PatternRule {
    pub(crate) regex: Regex,
    /// Where the pattern is written.
    pub(crate) location: Option<Location>,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) topic: String,
    /// `key_hash(topic)`: where the session keeps the variant sent last.
    pub(crate) key: u32,
    pub(crate) name: String,
    pub(crate) section: Section,
    pub(crate) parent: Option<NodeId>,
    pub(crate) priority: i32,
    pub(crate) handoff: bool,
    pub(crate) terms: Vec<Term>,
    pub(crate) patterns: Vec<PatternRule>,
    pub(crate) reply: Vec<Template>,
    pub(crate) location: Option<Location>,
    pub(crate) path: String,
    /// A negator before one of its keywords cancels the hit (`negation: false` turns
    /// it off for this node).
    pub(crate) negation: bool,
    /// How a conversation this node opens is greeted.
    pub(crate) opening: Opening,
    /// `answers: questions`: a statement holding its keyword is not answered alone.
    pub(crate) questions_only: bool,
}

/// How the first reply of a conversation opens (`opening:` of a node; by default
/// `greeting` for a pre-sale node, `calm` for in-sale and after-sale ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Opening {
    /// The greeting, with the unpaid order's notice, an active reminder or an active
    /// promotion.
    Greeting,
    /// The calm greeting (`first_reply.calm_greeting`), with an active reminder, never
    /// a promotion.
    Calm,
    /// No opening: the answer greets or closes on its own (hello, thanks, goodbye).
    None,
}

impl Opening {
    /// The default for a node of `section`.
    pub(crate) fn of(section: Section) -> Opening {
        if section.is_order() {
            Opening::Calm
        } else {
            Opening::Greeting
        }
    }
}

/// A word of `reading:` the automaton matches.
#[derive(Debug, Clone)]
pub(crate) struct ReadingTerm {
    pub(crate) term: Term,
    /// The slot's index for a slot value; 0 otherwise.
    pub(crate) slot: u32,
}

/// The node `id` of `nodes`.
pub(crate) fn node(nodes: &[Node], id: NodeId) -> Option<&Node> {
    nodes.get(id.index())
}

/// The first-level ancestor of `id` (itself when it is first-level).
pub(crate) fn root_of(nodes: &[Node], mut id: NodeId) -> NodeId {
    while let Some(p) = node(nodes, id).and_then(|n| n.parent) {
        id = p;
    }
    id
}
