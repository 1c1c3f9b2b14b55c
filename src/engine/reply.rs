//! What a reply tells: [`Reply`], its [`Hit`]s, the chosen [`NodeRef`] and the
//! [`Explanation`] of the choice. Built from a decision; reads the rule set, never a
//! session.

use super::decide::Decision;
use crate::basics::error::Location;
use crate::basics::ids::NodeId;
use crate::basics::section::Section;
use crate::pipeline::compose::ReplyKind;
use crate::pipeline::matcher::{RawHit, Via};
use crate::pipeline::reading::{Confidence, DropReason, Evidence};
use crate::pipeline::select::{Candidate, NodeInfo, Score, ScorePart};
use crate::pipeline::tree::{self, Node, TermKind};
use crate::rules::RuleSet;
use crate::shop::products::ProductRef;
use crate::template::{Captures, Facts as ProductFacts, Vars};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// A node of the rule file, as seen from outside.
#[derive(Clone, Copy)]
pub struct NodeRef<'e> {
    pub(crate) rules: &'e RuleSet,
    /// A node of `rules` (made only from ids the rule set numbered).
    pub(crate) id: NodeId,
}

impl<'e> NodeRef<'e> {
    fn node(&self) -> &'e Node {
        &self.rules.nodes[self.id.index()]
    }
    /// The topic id (`size_fit`).
    pub fn topic(&self) -> &'e str {
        &self.node().topic
    }
    /// The display name (`偏大偏小`), or the topic id when the file gives none.
    pub fn name(&self) -> &'e str {
        &self.node().name
    }
    /// Pre-sale, in-sale or after-sale.
    pub fn section(&self) -> Section {
        self.node().section
    }
    /// The parent node, for a second-level (or deeper) node.
    pub fn parent(&self) -> Option<NodeRef<'e>> {
        self.node().parent.map(|id| NodeRef {
            rules: self.rules,
            id,
        })
    }
    /// Whether this node hands the conversation to a human.
    pub fn is_handoff(&self) -> bool {
        self.node().handoff
    }
    /// Where the node starts in the rule file.
    pub fn location(&self) -> Option<Location> {
        self.node().location
    }
    /// The rule path, such as `presale[0].children[1]`.
    pub fn rule_path(&self) -> &'e str {
        &self.node().path
    }
    /// The node's keywords and whole-message keywords as `(as written, normalized)`,
    /// in file order (exclude words are not listed).
    pub fn keywords(&self) -> impl Iterator<Item = (&'e str, &'e str)> + 'e {
        self.node()
            .terms
            .iter()
            .filter(|t| t.kind != TermKind::Exclude)
            .map(|t| (t.source.as_str(), t.text.as_str()))
    }
    /// The node's regex patterns, as written.
    pub fn patterns(&self) -> impl Iterator<Item = &'e str> + 'e {
        self.node().patterns.iter().map(|p| p.regex.as_str())
    }
    /// Names from the section down to this node: `售前 › 尺码 › 偏大偏小`.
    pub fn display_path(&self) -> String {
        let mut names = vec![self.name()];
        let mut p = self.parent();
        while let Some(n) = p {
            names.push(n.name());
            p = n.parent();
        }
        names.push(self.section().label());
        names.reverse();
        names.join(" › ")
    }
    pub(crate) fn file_line(&self) -> String {
        let file = self.rules.file.as_deref().unwrap_or("<rules>");
        match self.location() {
            Some(l) => format!("{file}:{}", l.line),
            None => file.to_owned(),
        }
    }
}

impl fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeRef")
            .field("topic", &self.topic())
            .field("path", &self.rule_path())
            .finish()
    }
}

/// How a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HitKind {
    /// A `keywords:` entry contained in the message.
    Keyword,
    /// A `whole:` keyword that was the whole message.
    Whole,
    /// A regex `patterns:` entry.
    Pattern,
}

/// Something in the message that matched a node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Hit<'e> {
    /// Byte span in the original message (on char boundaries): `&message[span]` is what
    /// the buyer wrote, noise and Traditional characters included.
    pub span: Range<usize>,
    /// The keyword as written in the rule file, or the pattern's regex.
    pub keyword: &'e str,
    /// The topic id of the node it belongs to.
    pub topic: &'e str,
    /// How it matched.
    pub kind: HitKind,
}

impl<'e> Hit<'e> {
    pub(crate) fn from_raw(rules: &'e RuleSet, h: &RawHit) -> Option<Hit<'e>> {
        let node = tree::node(&rules.nodes, h.node)?;
        let (keyword, kind) = match h.via {
            Via::Term(t) => {
                let term = node.terms.get(t.index())?;
                let kind = if term.kind == TermKind::Whole {
                    HitKind::Whole
                } else {
                    HitKind::Keyword
                };
                (term.source.as_str(), kind)
            }
            Via::Pattern(p) => (
                node.patterns.get(p as usize)?.regex.as_str(),
                HitKind::Pattern,
            ),
        };
        Some(Hit {
            span: h.orig.start as usize..h.orig.end as usize,
            keyword,
            topic: &node.topic,
            kind,
        })
    }
}

/// The answer to one message: what to send ([`Reply::text`]) and everything a host,
/// a test or a human agent may want to know about it, through accessors.
///
/// A reply that opens a conversation is the greeting (with a reminder or promotion) on
/// the first line and the answer on the next. It borrows the engine's rule set (topic
/// ids, keywords, product facts) instead of copying them: cheap to make, nothing
/// shared is counted per reply.
pub struct Reply<'e> {
    pub(crate) text: String,
    pub(crate) d: Decision<'e>,
    pub(crate) rules: &'e RuleSet,
    pub(crate) info: &'e [NodeInfo],
}

impl<'e> Reply<'e> {
    /// What to send to the buyer.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// What to send to the buyer, without a copy.
    pub fn into_text(self) -> String {
        self.text
    }
    /// How the reply opens, or what its body is; see [`ReplyKind`].
    pub fn kind(&self) -> ReplyKind {
        self.d.opening.as_ref().map_or(self.d.body_kind, |o| o.kind)
    }
    /// A human should take over: the chosen node is a handoff node, a handoff node was
    /// hit (and not vetoed) even if another won, or fallbacks reached `handoff_after`.
    pub fn handoff(&self) -> bool {
        self.d.handoff
    }
    /// The message was longer than the engine's `max_message_bytes` and only its start
    /// was matched.
    pub fn truncated(&self) -> bool {
        self.d.truncated
    }
    /// Id of the reminder or promotion added to the greeting, or `pay_by` for the
    /// notice of the session's unpaid order; `None` when nothing was added.
    pub fn notice(&self) -> Option<&'e str> {
        self.d
            .opening
            .as_ref()
            .and_then(|o| o.notice)
            .map(|n| n.id())
    }
    /// The message showed anger (`buyers.anger`: an anger word, or a run of question
    /// marks): the reply used a `mood: soothing` variant where there is one. A host
    /// should put an angry buyer first in the agents' queue; kefu itself hands over
    /// when nothing answers an angry message, or after `handoff_after` angry messages
    /// in a row.
    pub fn angry(&self) -> bool {
        self.d.buyer.angry
    }
    /// Id of the promotion appended after the answer, on its own line, for a buyer of
    /// a `promote: true` segment (once per session).
    pub fn promotion(&self) -> Option<&'e str> {
        self.d.promotion.map(|p| p.id.as_str())
    }

    /// What matched, ordered by position in the message: one per distinct keyword or
    /// pattern and node, at its first occurrence. Built on each call: a reply keeps
    /// the raw hits (inline when there are at most four), so a host that never reads
    /// them does not pay for resolving and sorting them.
    ///
    /// ```
    /// let engine = kefu::Engine::from_yaml_str(r#"
    /// shop: { name: 衣见 }
    /// first_reply: { greeting: ["亲，在的~"] }
    /// fallback: { reply: ["稍等"], handoff_after: 0 }
    /// aftersale:
    ///   - topic: return
    ///     keywords: [退货]
    ///     reply: ["支持七天无理由退货"]
    /// "#).unwrap();
    /// let message = "我要退貨！";
    /// let reply = engine.reply(&mut kefu::Session::new("b1"), message);
    /// let hits = reply.hits();
    /// assert_eq!((hits[0].keyword, hits[0].topic), ("退货", "return"));
    /// assert_eq!(&message[hits[0].span.clone()], "退貨");
    /// ```
    pub fn hits(&self) -> Vec<Hit<'e>> {
        let mut hits: Vec<Hit<'e>> = self
            .d
            .hits
            .as_slice()
            .iter()
            .filter_map(|h| Hit::from_raw(self.rules, h))
            .collect();
        hits.sort_unstable_by_key(|h| (h.span.start, h.span.end, h.topic, h.keyword));
        hits
    }

    /// The topic id of the chosen node; `None` on fallback.
    pub fn topic(&self) -> Option<&'e str> {
        self.node().map(|n| n.topic())
    }
    /// The chosen node; `None` on fallback.
    pub fn node(&self) -> Option<NodeRef<'e>> {
        let rules = self.rules;
        self.d.node.map(|id| NodeRef { rules, id })
    }
    /// The product the conversation is about after this message (the session's
    /// [current product](crate::Session::current_product)), if the rules list it. See
    /// [`ProductRef`] for an example.
    pub fn product(&self) -> Option<ProductRef<'e>> {
        self.d.product.map(|product| ProductRef { product })
    }
    /// The buyer's segment after this message (`buyers.segments`): the id of the one
    /// with the highest score, if it is high enough; `None` when no segment stands out.
    ///
    /// Each message multiplies every score by 2^(-1/`half_life`) and adds 1 to each
    /// segment it has a signal of; the current segment is the highest score that is
    /// at least what one signal decays to in `half_life` messages.
    ///
    /// ```
    /// use kefu::{Engine, ReplyKind, Session};
    ///
    /// let engine = Engine::from_yaml_str(r#"
    /// shop: { name: 衣见 }
    /// first_reply:
    ///   greeting: ["亲,您好"]
    ///   promotions: [{ id: d12, from: "2026-12-01 00:00", until: "2026-12-12 23:59", text: "双12满300减40" }]
    /// buyers:
    ///   segments:
    ///     - { id: economic, name: 价格敏感型, signals: [便宜, 优惠], promote: true }
    ///   anger: { signals: [骗子] }
    /// presale:
    ///   - topic: discount
    ///     keywords: [便宜, 优惠]
    ///     reply: ["价格是统一的哦", { text: "领券再减30,现在最划算", for: economic }]
    ///   - { topic: size, keywords: [尺码], reply: [标准码] }
    /// fallback: { reply: ["亲,稍等"], handoff_after: 2, handoff_reply: [转人工] }
    /// "#)?;
    /// let now: std::time::SystemTime = "2026-11-25T10:00:00+08:00".parse::<jiff::Timestamp>().unwrap().into();
    /// let mut session = Session::new("buyer-42");
    /// engine.reply_at(&mut session, "尺码怎么选", now);
    /// let reply = engine.reply_at(&mut session, "能便宜点吗", now);
    /// assert_eq!(reply.segment(), Some("economic"));
    /// assert_eq!(reply.text(), "领券再减30,现在最划算");   // the variant marked for economic
    /// let angry = engine.reply_at(&mut session, "骗子", now);
    /// assert!(angry.angry() && angry.handoff());              // angry and nothing answers: a human
    /// assert_eq!(angry.kind(), ReplyKind::Handoff);
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn segment(&self) -> Option<&'e str> {
        let rules = self.rules;
        self.d
            .buyer
            .segment
            .and_then(|i| rules.buyers.segments.get(i.index()))
            .map(|s| s.id.as_str())
    }
    /// The display name of [`Reply::segment`] (`价格敏感型`).
    pub fn segment_name(&self) -> Option<&'e str> {
        let rules = self.rules;
        self.d
            .buyer
            .segment
            .and_then(|i| rules.buyers.segments.get(i.index()))
            .map(|s| s.name.as_str())
    }
    /// What the body of the reply is, `Answer`, `Fallback`, `Handoff` or
    /// `HandoffOffHours`, whether or not the reply opens with a greeting (for which
    /// [`Reply::kind`] is a `Greeting*`).
    pub fn body_kind(&self) -> ReplyKind {
        self.d.body_kind
    }
    /// Whether the reply opens (or reopens, after a silence) the conversation with a
    /// greeting.
    pub fn opens(&self) -> bool {
        self.d.opening.is_some()
    }
    /// Why this node won: every candidate with its score parts.
    pub fn explain(&self) -> Explanation<'e> {
        let rules = self.rules;
        let node = |id: NodeId| NodeRef { rules, id };
        let candidates = self
            .d
            .selection
            .ranked()
            .iter()
            .map(|c: &Candidate| (node(c.node), c.score))
            .collect();
        let vetoed = self.d.selection.vetoed.iter().map(|&i| node(i)).collect();
        let dropped = self
            .d
            .dropped
            .iter()
            .filter_map(|x| {
                let hit = Hit::from_raw(rules, &x.hit)?;
                let why = match x.why {
                    DropReason::Negated { start, end } => Dropped::Negated {
                        negator: (start, end),
                    },
                    DropReason::Cut { start, end } => Dropped::CutsAWord { word: (start, end) },
                };
                Some((hit, why))
            })
            .collect();
        Explanation {
            candidates,
            vetoed,
            confidence: self.d.confidence,
            evidence: self.d.evidence,
            held_back: self.d.held_back,
            follow_up: self.d.followed.then(|| self.node()).flatten(),
            small_talk: self.d.facts.small_talk,
            dropped,
        }
    }

    /// How sure the engine is that its answer fits the message (the best node's, when
    /// it only suggests): see [`Confidence`] and the README's table.
    ///
    /// ```
    /// let engine = kefu::Engine::from_yaml_str(r#"
    /// shop: { name: 衣见 }
    /// first_reply: { greeting: ["亲,您好"] }
    /// reading: { answer_at: medium }
    /// presale:
    ///   - { topic: stock, keywords: [有货], whole: [有货吗], reply: ["有货的亲"] }
    ///   - { topic: address, keywords: [改成], reply: ["地址在订单详情里改哦"] }
    /// fallback: { reply: ["亲,稍等,马上为您解答"], handoff_after: 0 }
    /// "#)?;
    /// let sure = engine.reply(&mut kefu::Session::new("a"), "有货吗");
    /// assert_eq!(sure.confidence(), kefu::Confidence::High);
    /// // One short keyword deciding a longer message: held back for a human.
    /// let weak = engine.reply(&mut kefu::Session::new("b"), "能改成周二再发吗 我那天才在家");
    /// assert_eq!(weak.confidence(), kefu::Confidence::Low);
    /// assert!(weak.held_back() && weak.topic().is_none());
    /// assert_eq!(weak.suggestions()[0].topic(), "address");
    /// assert!(weak.text().ends_with("亲,稍等,马上为您解答"));
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn confidence(&self) -> Confidence {
        self.d.confidence
    }

    /// The best node was not sure enough to answer alone (below the rule file's
    /// `reading.answer_at`): the buyer got the fallback path, and
    /// [`Reply::suggestions`] are for a human agent to pick from.
    pub fn held_back(&self) -> bool {
        self.d.held_back
    }

    /// What kefu would have answered, for a human agent (千牛 智能辅助 style): the best
    /// candidates, at most three, best first, each with its rendered reply. Empty
    /// unless the reply was [held back](Reply::held_back). Ranked and rendered when
    /// called (the reply itself does not pay for them).
    pub fn suggestions(&self) -> Vec<Suggestion<'_>> {
        let s = &self.d.suggestions;
        let none = BTreeMap::new();
        let vars = Vars {
            captures: Captures::stored(s.captures.as_ref().unwrap_or(&none)),
            extra: &[],
            product: self.d.product.map(|p| p as &dyn ProductFacts),
        };
        super::decide::suggestions(self.rules, self.info, &self.d, vars)
            .into_iter()
            .map(|x| {
                let mut text = String::new();
                x.template.render_into(vars, &mut text);
                Suggestion {
                    node: NodeRef {
                        rules: self.rules,
                        id: x.node,
                    },
                    confidence: x.confidence,
                    text,
                }
            })
            .collect()
    }
}

/// A reply kefu would have sent, for a human agent to pick: see
/// [`Reply::suggestions`].
#[derive(Debug, Clone)]
pub struct Suggestion<'r> {
    node: NodeRef<'r>,
    confidence: Confidence,
    text: String,
}

impl<'r> Suggestion<'r> {
    /// The topic id of the node suggested.
    pub fn topic(&self) -> &'r str {
        self.node.topic()
    }
    /// The node suggested.
    pub fn node(&self) -> NodeRef<'r> {
        self.node
    }
    /// How sure the engine is of this node.
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    /// The reply it would send.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl serde::Serialize for Suggestion<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Suggestion", 3)?;
        st.serialize_field("topic", self.topic())?;
        st.serialize_field("confidence", &self.confidence)?;
        st.serialize_field("text", &self.text)?;
        st.end()
    }
}

/// The JSON a service sends back: `text`, `kind`, `body_kind`, `topic` (null on
/// fallback and when held back), `confidence`, `held_back`, `suggestions` (each
/// `topic`, `confidence`, `text`), `handoff`, `truncated`, `notice`, `segment`,
/// `angry`, `promotion`, `hits` and `product` (the current product's id, or null).
impl serde::Serialize for Reply<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Reply", 12)?;
        st.serialize_field("text", &self.text)?;
        st.serialize_field("kind", &self.kind())?;
        st.serialize_field("body_kind", &self.body_kind())?;
        st.serialize_field("topic", &self.topic())?;
        st.serialize_field("confidence", &self.confidence())?;
        st.serialize_field("held_back", &self.held_back())?;
        st.serialize_field("suggestions", &self.suggestions())?;
        st.serialize_field("handoff", &self.handoff())?;
        st.serialize_field("truncated", &self.truncated())?;
        st.serialize_field("notice", &self.notice())?;
        st.serialize_field("segment", &self.segment())?;
        st.serialize_field("angry", &self.angry())?;
        st.serialize_field("promotion", &self.promotion())?;
        st.serialize_field("hits", &self.hits())?;
        st.serialize_field("product", &self.product().map(|p| p.id()))?;
        st.end()
    }
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("text", &self.text)
            .field("kind", &self.kind())
            .field("topic", &self.topic())
            .field("handoff", &self.handoff())
            .field("segment", &self.segment())
            .field("angry", &self.angry())
            .field("hits", &self.hits())
            .field("truncated", &self.truncated())
            .field("product", &self.product().map(|p| p.id()))
            .finish_non_exhaustive()
    }
}

/// Why a reply chose its node: the candidates, best first, with their [`Score`]s, the
/// nodes an exclude word vetoed, the keyword hits reading dropped, and why the
/// confidence is what it is. Its `Display` is a readable report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Explanation<'e> {
    /// Nodes hit and not vetoed, best first.
    pub candidates: Vec<(NodeRef<'e>, Score)>,
    /// Nodes hit and vetoed by an exclude word.
    pub vetoed: Vec<NodeRef<'e>>,
    /// The reply's confidence, and the evidence that decided it (none when nothing
    /// was hit).
    pub confidence: Confidence,
    /// See [`Explanation::confidence`].
    pub evidence: Option<Evidence>,
    /// The best node was held back for a human agent.
    pub held_back: bool,
    /// The node a follow-up continued (the last topic, or its branch's node).
    pub follow_up: Option<NodeRef<'e>>,
    /// The message is small talk made of `whole:` words.
    pub small_talk: bool,
    /// Keyword hits that do not count, and why.
    pub dropped: Vec<(Hit<'e>, Dropped)>,
}

/// Why a keyword hit does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dropped {
    /// A negator before it cancels it; its span in normalized chars.
    Negated {
        /// `(start, end)` in normalized chars.
        negator: (u32, u32),
    },
    /// It cuts a known word in two (or lies inside a protected word); the word's span.
    CutsAWord {
        /// `(start, end)` in normalized chars.
        word: (u32, u32),
    },
}

impl Explanation<'_> {
    /// The score part that put the winner ahead of the runner-up, if there was one.
    pub fn deciding_part(&self) -> Option<ScorePart> {
        match self.candidates.as_slice() {
            [(_, a), (_, b), ..] => Some(a.deciding_part(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.candidates.is_empty() {
            writeln!(f, "no node was hit: fallback")?;
        }
        // The arrow marks the node that answered: the best, unless the reply was held
        // back or a follow-up answered (its own line below says which).
        let best_answered = !self.held_back && self.follow_up.is_none();
        for (i, (n, s)) in self.candidates.iter().enumerate() {
            let mark = if i == 0 && best_answered { "→" } else { " " };
            writeln!(
                f,
                "{mark} {} [{}] {}  whole={} coverage={} distinct={} priority={} context={} stage={} order={}",
                n.topic(),
                n.display_path(),
                n.file_line(),
                s.whole,
                s.coverage,
                s.distinct,
                s.priority,
                s.context,
                s.stage,
                s.order
            )?;
        }
        if let Some(part) = self.deciding_part() {
            writeln!(f, "  decided by: {part}")?;
        }
        for (h, why) in &self.dropped {
            let why = match why {
                Dropped::Negated { .. } => "a negator before it cancels it",
                Dropped::CutsAWord { .. } => "it cuts a known word in two",
            };
            writeln!(f, "  not counted: {} ({}) — {why}", h.keyword, h.topic)?;
        }
        if self.small_talk {
            writeln!(f, "  small talk: the message is whole-message words only")?;
        }
        if let Some(n) = self.follow_up {
            writeln!(f, "  follow-up: continues {}", n.topic())?;
        }
        match self.evidence {
            Some(e) => writeln!(f, "  confidence: {} — {e}", self.confidence)?,
            None => writeln!(f, "  confidence: {} — nothing was hit", self.confidence)?,
        }
        if self.held_back {
            writeln!(
                f,
                "  held back: below reading.answer_at; the buyer got the fallback"
            )?;
        }
        for n in &self.vetoed {
            writeln!(f, "  vetoed by exclude: {} {}", n.topic(), n.file_line())?;
        }
        Ok(())
    }
}
