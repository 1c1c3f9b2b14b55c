//! One message, decided and rendered: `decide` reads the engine, the session and the
//! message and fills a [`Decision`] (the node or none, how sure, the opening, the
//! variants, suggestions for a human) and the session's [`Update`]; `render` writes
//! the text a decision sends. Neither writes the session:
//! [`Engine::reply_at`](super::Engine::reply_at) applies the update after rendering,
//! the one place a session changes.
//!
//! Stays in the single scan of the message: everything here is proportional to the
//! hits, never to the rule set.

use super::answers::AnswerRef;
use super::{Engine, Scratch, SCRATCH};
use crate::basics::clock;
use crate::basics::ids::NodeId;
use crate::basics::inline::Few;
use crate::basics::section::Section;
use crate::basics::text::{clean_text, cut_bytes};
use crate::pipeline::compose::{self, keys, Memory, Notice, Pick, ReplyKind, Want, Window};
use crate::pipeline::matcher::RawHit;
use crate::pipeline::reading::{self, Confidence, Dropped, Evidence, Facts};
use crate::pipeline::select::{self, Candidate, NodeInfo, Selection};
use crate::pipeline::tree::{Node, Opening as OpeningKind};
use crate::rules::RuleSet;
use crate::session::{ProductChange, Session, Update};
use crate::shop::buyers::{self, Observed, Signals};
use crate::shop::hours::NextOpen;
use crate::shop::payment::render_pay_by;
use crate::shop::products::{Mention, Product};
use crate::template::{Captures, Facts as ProductFacts, Template, Vars};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// What one message gets, decided without changing anything. A [`Reply`](super::Reply)
/// keeps it (and its rendered text); the session's [`Update`] is filled beside it.
pub(crate) struct Decision<'e> {
    pub(crate) truncated: bool,
    /// The hits, raw and inline when few (`Reply::hits` resolves them when asked).
    pub(crate) hits: Few<RawHit, 4>,
    pub(crate) selection: Selection,
    pub(crate) buyer: Observed,
    /// The product the conversation is about after this message, if the rules list it.
    pub(crate) product: Option<&'e Product>,
    /// The opening, when this message opens (or reopens) the conversation.
    pub(crate) opening: Option<Opening<'e>>,
    pub(crate) body: Body<'e>,
    pub(crate) body_kind: ReplyKind,
    /// The node that answers.
    pub(crate) node: Option<NodeId>,
    /// A handoff node was hit, or the body hands over.
    pub(crate) handoff: bool,
    /// The promotion appended after the answer for a `promote:` segment.
    pub(crate) promotion: Option<&'e Window>,
    /// How sure the engine is of the best node, and why.
    pub(crate) confidence: Confidence,
    pub(crate) evidence: Option<Evidence>,
    /// The best node was not sure enough (below `reading.answer_at`): the buyer got
    /// the fallback path, and `suggestions` are for a human agent.
    pub(crate) held_back: bool,
    /// The best candidates and their rendered replies, when held back.
    pub(crate) suggestions: Suggestions,
    /// What reading the message found, and the keyword hits it dropped.
    pub(crate) facts: Facts,
    pub(crate) dropped: Vec<Dropped>,
    /// The answer continues the last topic (a follow-up).
    pub(crate) followed: bool,
}

impl Decision<'_> {
    /// A decision to fill: nothing hit, nothing chosen yet (its lists inline and
    /// empty, so filling them writes in place).
    #[inline(always)]
    pub(crate) fn empty() -> Self {
        Decision {
            truncated: false,
            hits: Few::default(),
            selection: Selection::default(),
            buyer: Observed::default(),
            product: None,
            opening: None,
            body: Body::Empty,
            body_kind: ReplyKind::Fallback,
            node: None,
            handoff: false,
            promotion: None,
            confidence: Confidence::Low,
            evidence: None,
            held_back: false,
            suggestions: Suggestions::default(),
            facts: Facts::default(),
            dropped: Vec::new(),
            followed: false,
        }
    }
}

/// What a held-back reply needs to suggest to a human agent, kept for
/// [`Reply::suggestions`](super::Reply::suggestions), which ranks and renders them
/// when asked: a host that does not show them does not pay for them.
#[derive(Debug, Default)]
pub(crate) struct Suggestions {
    /// The node a held-back follow-up would have continued (it is the suggestion).
    pub(crate) continues: Option<NodeId>,
    /// Who the variants are for.
    pub(crate) want: Want,
    /// The message's length in chars, ASCII letters and digits not counted.
    pub(crate) words: u32,
    /// The captures the variants read (the session's and this message's), kept only
    /// when there are some.
    pub(crate) captures: Option<BTreeMap<String, String>>,
}

/// One suggestion: the node, how sure the engine is of it, the variant it would send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Suggested<'e> {
    pub(crate) node: NodeId,
    pub(crate) confidence: Confidence,
    pub(crate) template: &'e Template,
}

/// The suggestions of a held-back decision: the node a follow-up would have
/// continued, or the best three candidates, best first, each with its confidence and
/// the variant it would send (chosen for the buyer's segment and mood; the first that
/// fits, as no rotation is recorded for a suggestion).
pub(crate) fn suggestions<'e>(
    rules: &'e RuleSet,
    info: &[NodeInfo],
    d: &Decision<'e>,
    vars: Vars<'_>,
) -> Vec<Suggested<'e>> {
    if !d.held_back {
        return Vec::new();
    }
    let s = &d.suggestions;
    let suggested = |node: NodeId, confidence: Confidence| {
        let n = rules.nodes.get(node.index())?;
        let memory = Memory {
            last: None,
            seed: || 0,
        };
        let pick = compose::pick(&n.reply, n.key, &s.want, vars, memory)?;
        let template = n.reply.get(pick.index)?;
        Some(Suggested {
            node,
            confidence,
            template,
        })
    };
    if let Some(node) = s.continues {
        return suggested(node, d.confidence).into_iter().collect();
    }
    let all = d.selection.candidates.as_slice();
    // The best three, best first: the winner, and the next two in one pass.
    let Some((winner, rest)) = all.split_first() else {
        return Vec::new();
    };
    let mut best: [Option<&Candidate>; 3] = [Some(winner), None, None];
    let beats =
        |c: &Candidate, o: Option<&Candidate>| o.is_none_or(|o| c.score.cmp_rank(&o.score).is_gt());
    for c in rest {
        if beats(c, best[1]) {
            best[2] = best[1];
            best[1] = Some(c);
        } else if beats(c, best[2]) {
            best[2] = Some(c);
        }
    }
    let hits = d.hits.as_slice();
    best.iter()
        .enumerate()
        .filter_map(|(slot, c)| {
            let c = (*c)?;
            // The winner's is the reply's; the best of the others is the winner.
            let confidence = if slot == 0 {
                d.confidence
            } else {
                let pattern = has_pattern(hits, c.node);
                reading::assess(c, best[0], info, s.words, &d.facts, pattern).0
            };
            suggested(c.node, confidence)
        })
        .collect()
}

/// How a reply opens: its kind, the greeting's variant and the notice added to it.
pub(crate) struct Opening<'e> {
    pub(crate) kind: ReplyKind,
    pub(crate) greeting: Option<(&'e [Template], usize)>,
    pub(crate) notice: Option<Notice<'e>>,
}

/// What the body of a reply renders.
pub(crate) enum Body<'e> {
    /// A node's one fixed text (from the answer table).
    Fixed(&'e str),
    /// A variant of a reply list; `next_open` for `{next_open}` of an off-hours reply.
    Variant {
        templates: &'e [Template],
        index: usize,
        next_open: Option<NextOpen>,
    },
    /// An empty reply list (a file that failed to load has none; kept total).
    Empty,
}

/// The variant `pick` chose from `templates`, as a body.
fn body<'e>(
    templates: &'e [Template],
    pick: Option<Pick>,
    next_open: Option<NextOpen>,
) -> Body<'e> {
    match pick {
        Some(p) => Body::Variant {
            templates,
            index: p.index,
            next_open,
        },
        None => Body::Empty,
    }
}

/// Whether one of `node`'s hits is a pattern's (an order number, an item link).
fn has_pattern(hits: &[RawHit], node: NodeId) -> bool {
    hits.iter()
        .any(|h| h.node == node && matches!(h.via, crate::pipeline::matcher::Via::Pattern(_)))
}

/// How the opening greets, decided by the first message (README, "Openings").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Greet {
    /// Greeting + the unpaid order's notice, a reminder or a promotion.
    Full,
    /// Greeting + the unpaid order's notice or a reminder: nothing was answered.
    Plain,
    /// The calm greeting + a reminder (or the pay-by notice in-sale); no promotion.
    Calm { insale: bool },
    /// The calm greeting's soothing variant, nothing added: an angry buyer.
    Soothing,
    /// No opening.
    None,
}

/// Messages longer than this are not read as a follow-up (换的话怎么操作, 那白色呢): a
/// longer message with a follow-up phrase is a new question (这个电饭煲保修多久), as is
/// a message the phrase is less than half of (我的发票在哪里).
const MAX_FOLLOWUP_CHARS: u32 = 8;

impl Engine {
    /// Decides what `message` gets in `session` at `now` into `d` (made by
    /// [`Decision::empty`]), and what the session would take from it into `update`,
    /// changing nothing.
    // Inlined into `reply_at`: the decision is filled where it is used, not moved.
    #[inline(always)]
    pub(crate) fn decide<'e>(
        &'e self,
        session: &Session,
        message: &str,
        now: SystemTime,
        update: &mut Update<'e>,
        d: &mut Decision<'e>,
    ) {
        let inner = &*self.0;
        let rules = &inner.rules;
        let now = clock::timestamp(now);
        let (text, truncated) = cut_bytes(message, inner.max_message_bytes);
        let last = session
            .last_topic()
            .and_then(|t| inner.topic_index.get(t))
            .copied();
        update.at = now.as_second();
        // The scan's buffers are reused by every reply on this thread: a reply allocates
        // only what it returns (and what the session keeps).
        let (signals, product, chars, ascii) = SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.read(&mut scratch, session, text, last, update, d),
            // Only reachable if a reply were made from inside another on this thread.
            Err(_) => self.read(&mut Scratch::default(), session, text, last, update, d),
        });
        // The buyer's segment and mood after this message decide the variants.
        let (buyer, kept) = buyers::observe(
            &rules.buyers,
            session.segments(),
            session.angry_in_row(),
            signals,
        );
        update.segments = kept.scores;
        update.angry_in_row = kept.angry_in_row;
        let openings = &rules.openings;
        let opens = openings.needed(session.last_at(), now);
        let info = |n: NodeId| inner.node_info.get(n.index());
        // The conversation's thread: the last topic that was not small talk (thanks,
        // 好的, a greeting: 好的 then 那怎么处理 continues what 好的 acknowledged). A
        // follow-up continues it, and `after:` variants follow it.
        let talk = |n: NodeId| info(n).is_none_or(NodeInfo::small_talk);
        let thread = match last {
            _ if opens => None,
            Some(n) if talk(n) => session
                .recent_topics()
                .skip(1)
                .filter_map(|t| inner.topic_index.get(t).copied())
                .find(|&n| !talk(n)),
            last => last,
        };
        let want = Want {
            segment: buyer.segment,
            soothing: buyer.angry,
            thread: thread.and_then(|n| Some((n, info(n)?.root()))),
        };

        // Which node answers: the best, or the last topic continued by a follow-up,
        // or none when the best is not sure enough.
        // Whether the message states rather than asks, read only when a node hit
        // answers questions only.
        let candidates = d.selection.candidates.as_slice();
        if candidates
            .iter()
            .any(|c| info(c.node).is_some_and(NodeInfo::questions_only))
        {
            d.facts.statement = reading::is_statement(text, signals.question_marks > 0);
        }
        let facts = d.facts;
        let winner = d.selection.winner().copied();
        let followed = if opens {
            None
        } else {
            self.follow_up(thread, &facts, winner, chars)
        };
        let (confidence, evidence) = match (followed, winner) {
            (Some(_), _) => (Confidence::Medium, Some(Evidence::FollowUp)),
            (None, Some(w)) => {
                let candidates = d.selection.candidates.as_slice();
                let runner = reading::runner_up(candidates);
                let words = chars.saturating_sub(ascii);
                let pattern = has_pattern(d.hits.as_slice(), w.node);
                let (c, e) = reading::assess(&w, runner, &inner.node_info, words, &facts, pattern);
                (c, Some(e))
            }
            (None, None) => (Confidence::Low, None),
        };
        // Below `answer_at`, the buyer gets the fallback path and a human the
        // suggestions — but a handoff node is sent: a human is the safe choice.
        let best = followed.or(winner.map(|w| w.node));
        let hands_off = best.and_then(info).is_some_and(|n| n.handoff);
        let unsure = best.is_some() && confidence < rules.reading.answer_at;
        let held_back = unsure && !hands_off;
        let answer = if held_back { None } else { best };

        let vars = Vars {
            captures: Captures {
                fresh: &update.captures,
                stored: session.captures(),
            },
            extra: &[],
            product: product.map(|p| p as &dyn ProductFacts),
        };
        let memory = |key: u32| Memory {
            last: session.last_variant(key),
            seed: move || session.seed(key),
        };
        // The variants sent, for the session's rotation: the greeting's and the body's.
        let sent = &mut update.rotations;
        let mut record = |pick: Option<Pick>| {
            if let Some(rotation) = pick.and_then(|p| p.rotation) {
                sent.push(rotation);
            }
            pick
        };

        let mut handoff = d.selection.candidates.as_slice().iter().any(|c| {
            inner
                .node_info
                .get(c.node.index())
                .is_some_and(|n| n.handoff)
        });
        let fb = &rules.fallback;
        let hours = rules.agent_hours.as_ref();
        // A handoff's body: its list, or the off-hours reply with when agents are back.
        let hand_over = |templates: &'e [Template], key: u32| {
            let (kind, list, key, next) = compose::handoff_body(hours, fb, templates, key, now);
            let label = next.map(|n| n.label());
            let extra = [("next_open", label.as_deref().unwrap_or(""))];
            let vars = Vars {
                extra: if next.is_some() { &extra } else { &[] },
                ..vars
            };
            let pick = compose::pick(list, key, &want, vars, memory(key));
            (kind, list, pick, next)
        };
        // Every body goes through here: its variant is recorded for the rotation.
        let mut handed = |(kind, list, pick, next): (
            ReplyKind,
            &'e [Template],
            Option<Pick>,
            Option<NextOpen>,
        )| { (kind, body(list, record(pick), next)) };
        let answered = answer.and_then(|w| Some((w, rules.nodes.get(w.index())?)));
        let (body_kind, body) = match answered {
            Some((w, node)) => {
                let AnswerRef {
                    topic,
                    section,
                    fixed,
                } = inner.answers.get(w).unwrap_or(AnswerRef {
                    topic: &node.topic,
                    section: node.section,
                    fixed: None,
                });
                update.fallbacks_in_row = 0;
                update.topic = Some((topic, section));
                // `node` is only read off the usual path: its fields are cold in a large
                // rule set (see `Answers`).
                if inner.node_info.get(w.index()).is_some_and(|n| n.handoff) {
                    // Unsure of the topic, kefu hands over without the node's words
                    // (a pre-sale 损坏有赔偿吗 is no claim to compensate).
                    if unsure && !fb.handoff_reply.is_empty() {
                        handed(hand_over(&fb.handoff_reply, keys::HANDOFF))
                    } else {
                        handed(hand_over(&node.reply, node.key))
                    }
                } else if buyer.anger_handoff {
                    handed(hand_over(&fb.handoff_reply, keys::HANDOFF))
                } else if let Some(text) = fixed {
                    (ReplyKind::Answer, Body::Fixed(text))
                } else {
                    let pick = compose::pick(&node.reply, node.key, &want, vars, memory(node.key));
                    handed((ReplyKind::Answer, &node.reply, pick, None))
                }
            }
            None => {
                let fallbacks = session.fallbacks_in_row().saturating_add(1);
                // An angry buyer nothing answers is handed over at once.
                let angry = buyer.angry
                    && rules.buyers.anger.is_some_and(|a| a.handoff_after > 0)
                    && !fb.handoff_reply.is_empty();
                if angry || fb.handoff_after > 0 && fallbacks >= fb.handoff_after {
                    update.fallbacks_in_row = 0;
                    update.angry_in_row = 0;
                    handoff = true;
                    handed(hand_over(&fb.handoff_reply, keys::HANDOFF))
                } else {
                    update.fallbacks_in_row = fallbacks;
                    let key = keys::FALLBACK;
                    let pick = compose::pick(&fb.reply, key, &want, vars, memory(key));
                    handed((ReplyKind::Fallback, &fb.reply, pick, None))
                }
            }
        };

        // The opening follows the first message: what answered it, and the buyer's mood.
        let opening = if opens {
            let sure = confidence == Confidence::High;
            let greet = if buyer.angry {
                Greet::Soothing
            } else {
                match answered.and_then(|(w, _)| inner.node_info.get(w.index())) {
                    None => Greet::Plain,
                    Some(n) => match n.opening {
                        // A promotion only with an answer kefu is sure of: a
                        // partial match may be a problem report that says 快递.
                        OpeningKind::Greeting if sure => Greet::Full,
                        OpeningKind::Greeting => Greet::Plain,
                        OpeningKind::Calm => Greet::Calm {
                            insale: answered.is_some_and(|(_, n)| n.section == Section::Insale),
                        },
                        OpeningKind::None => Greet::None,
                    },
                }
            };
            self.opening(greet, session, now, vars, &mut record, &memory)
        } else {
            None
        };

        // A buyer of a `promote: true` segment hears the active promotion once per
        // session: after an answer, not to an angry buyer, not twice in one reply.
        let mut promotion = None;
        let promotes = buyer
            .segment
            .and_then(|i| rules.buyers.segments.get(i.index()))
            .is_some_and(|s| s.promote);
        // Only after a pre-sale answer greeted as one: never a sales line to an order
        // or after-sale question, to a problem a node greets calmly (a coupon that does
        // not work), nor to small talk (thanks, 好的, a goodbye, a greeting).
        let presale = answered.is_some_and(|(w, n)| {
            n.section == Section::Presale
                && info(w).is_some_and(|i| !i.small_talk() && i.opening == OpeningKind::Greeting)
        });
        if body_kind == ReplyKind::Answer
            && presale
            && confidence == Confidence::High
            && !buyer.angry
            && promotes
            && !session.promoted()
        {
            if let Some(p) = openings.promotion_at(now) {
                update.promoted = true;
                let told = opening
                    .as_ref()
                    .and_then(|o| o.notice)
                    .is_some_and(|n| n.id() == p.id);
                if !told {
                    promotion = Some(p);
                }
            }
        }

        // For a human agent: what kefu would have said, best first.
        // For a human agent: what is needed to rank and render the suggestions when
        // asked (Reply::suggestions).
        if held_back {
            d.suggestions = Suggestions {
                continues: followed,
                want,
                words: chars.saturating_sub(ascii),
                captures: None,
            };
            if !(update.captures.is_empty() && session.captures().is_empty()) {
                let mut captures = session.captures().clone();
                captures.extend(
                    update
                        .captures
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), v.clone())),
                );
                d.suggestions.captures = Some(captures);
            }
        }

        d.truncated = truncated;
        d.buyer = buyer;
        d.product = product;
        d.opening = opening;
        d.body = body;
        d.body_kind = body_kind;
        d.node = answer;
        d.handoff = handoff || body_kind.is_handoff();
        d.promotion = promotion;
        d.confidence = confidence;
        d.evidence = evidence;
        d.held_back = held_back;
        d.followed = followed.is_some();
    }

    /// The node a follow-up continues, if the message is one: nothing was hit (or only
    /// slot values, in a `那…呢` frame), and the message has a follow-up phrase (the
    /// last topic's branch may have its own) or is a short `那…呢`. `None` when there
    /// is no last topic (or the conversation reopens after a silence).
    fn follow_up(
        &self,
        last: Option<NodeId>,
        facts: &Facts,
        winner: Option<Candidate>,
        chars: u32,
    ) -> Option<NodeId> {
        let last = last?;
        let info = &self.0.node_info;
        if chars > MAX_FOLLOWUP_CHARS {
            return None;
        }
        let slot_only = facts.framed && facts.only_slots;
        if winner.is_some() && !slot_only {
            return None;
        }
        let root = |n: NodeId| info.get(n.index()).map(|i| i.root());
        // The phrase must be most of the message (换的话怎么操作), not a word of a new
        // question (我的发票在哪里).
        let phrase = facts
            .followup
            .filter(|&(_, len)| len.saturating_mul(2) >= chars);
        match phrase {
            // A phrase of a node in the last topic's branch continues that node.
            Some((Some(node), _)) if root(node) == root(last) => Some(node),
            Some(_) => Some(last),
            // Nothing hit: only a …呢 asks "what about" (那M呢); 那换屏需要多少钱 is new.
            None if slot_only || (facts.what_about && winner.is_none()) => Some(last),
            None => None,
        }
    }

    /// The opening for `greet`: its kind, the greeting's variant (recorded for the
    /// rotation) and the notice added to it.
    fn opening<'e, F: FnOnce() -> u32>(
        &'e self,
        greet: Greet,
        session: &Session,
        now: jiff::Timestamp,
        vars: Vars<'_>,
        record: &mut impl FnMut(Option<Pick>) -> Option<Pick>,
        memory: &impl Fn(u32) -> Memory<F>,
    ) -> Option<Opening<'e>> {
        let rules = &self.0.rules;
        let openings = &rules.openings;
        let pay_by = || {
            rules
                .payment
                .as_ref()
                .and_then(|p| p.pay_by_for(session.unpaid_order(), now.as_second()))
        };
        let (kind, notice) = match greet {
            Greet::None => return None,
            Greet::Full => openings.notice(pay_by(), true, now),
            Greet::Plain => openings.notice(pay_by(), false, now),
            Greet::Calm { insale } => openings.notice(insale.then(pay_by).flatten(), false, now),
            Greet::Soothing => (ReplyKind::Greeting, None),
        };
        let calm = matches!(greet, Greet::Calm { .. } | Greet::Soothing)
            && !openings.calm_greeting.is_empty();
        let (list, key) = if calm {
            (&openings.calm_greeting, keys::CALM)
        } else {
            (&openings.greeting, keys::GREETING)
        };
        let want = Want {
            segment: None,
            soothing: greet == Greet::Soothing,
            thread: None,
        };
        let pick = record(compose::pick(list, key, &want, vars, memory(key)));
        Some(Opening {
            kind,
            greeting: pick.map(|p| (list.as_slice(), p.index)),
            notice,
        })
    }

    /// Scans `text`, notes its captures (patterns' and slot values') and the product it
    /// names in `update`, reads it (small talk, word sense, negation, the follow-up
    /// frame) and ranks the nodes hit, into `d`. Returns the buyer's signals, the
    /// product the conversation is about after this message, and the message's length
    /// in normalized chars.
    fn read<'e>(
        &'e self,
        scratch: &mut Scratch,
        session: &Session,
        text: &str,
        last: Option<NodeId>,
        update: &mut Update<'e>,
        d: &mut Decision<'e>,
    ) -> (Signals, Option<&'e Product>, u32, u32) {
        // (signals, product, chars, ASCII chars)
        let inner = &*self.0;
        let rules = &inner.rules;
        let nodes: &'e [Node] = &rules.nodes;
        let Scratch { scan, work } = scratch;
        inner.matcher.scan(nodes, text, scan);
        let products = &rules.products;
        let product = match products.mention(text, scan.last_product(), scan.link_marks) {
            Mention::None => session.current_product().and_then(|id| products.get(id)),
            Mention::Product(i) => {
                let p = products.at(i);
                if let Some(p) = p {
                    update.product = ProductChange::Set(&p.id);
                }
                p
            }
            Mention::UnknownItem => {
                update.product = ProductChange::Clear;
                None
            }
        };
        for c in &scan.captures {
            if let (Some(name), Some(value)) = (
                inner.matcher.capture_name(nodes, c),
                text.get(c.span.clone()),
            ) {
                update.captures.push((name, clean_text(value)));
            }
        }
        for v in &scan.slots {
            let name = rules.reading.slots.get(v.slot as usize);
            let value = text.get(v.orig.start as usize..v.orig.end as usize);
            if let (Some(name), Some(value)) = (name, value) {
                update.captures.push((name, clean_text(value)));
            }
        }
        d.facts = reading::interpret(scan, text, &inner.node_info, &rules.reading, &mut d.dropped);
        let stage = session.stage();
        select::select(&inner.node_info, scan, work, stage, last, &mut d.selection);
        // Kept raw (and inline when few): `Reply::hits` resolves them when asked.
        d.hits.fill(&scan.hits);
        (scan.signals, product, scan.chars, scan.ascii)
    }

    /// Writes the text `d` sends into `out`: the opening's line, the body, the appended
    /// promotion. Reads `session` as it was before the message, and `fresh`, what the
    /// message captured.
    #[inline(always)]
    pub(crate) fn render(
        &self,
        d: &Decision<'_>,
        fresh: &[(&str, String)],
        session: &Session,
        out: &mut String,
    ) {
        let rules = &self.0.rules;
        let vars = Vars {
            captures: Captures {
                fresh,
                stored: session.captures(),
            },
            extra: &[],
            product: d.product.map(|p| p as &dyn ProductFacts),
        };
        if let Some(o) = &d.opening {
            if let Some((list, i)) = o.greeting {
                if let Some(t) = list.get(i) {
                    t.render_into(vars, out);
                }
            }
            if let Some(n) = o.notice {
                out.push_str(if out.is_empty() { "" } else { " " });
                match n {
                    Notice::Window(w) => w.text.render_into(vars, out),
                    Notice::PayBy(t) => {
                        if let Some(order) = session.unpaid_order() {
                            render_pay_by(t, order, &rules.timezone, out);
                        }
                    }
                }
            }
            out.push(if rules.openings.one_line { ' ' } else { '\n' });
        }
        match &d.body {
            Body::Fixed(text) => out.push_str(text),
            Body::Variant {
                templates,
                index,
                next_open,
            } => {
                let label = next_open.map(|n| n.label());
                let extra = [("next_open", label.as_deref().unwrap_or(""))];
                let vars = Vars {
                    extra: if label.is_some() { &extra } else { &[] },
                    ..vars
                };
                if let Some(t) = templates.get(*index) {
                    t.render_into(vars, out);
                }
            }
            Body::Empty => {}
        }
        if let Some(p) = d.promotion {
            out.push('\n');
            p.text.render_into(vars, out);
        }
    }
}
