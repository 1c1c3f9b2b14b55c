//! Warnings about a rule file that loads but probably does not do what its author
//! meant: [`Engine::lints`](crate::Engine::lints) calls [`lints`] on the compiled rule
//! set. The kinds, and the exact fact each one states, are documented on [`LintKind`].
//!
//! A lint never stops a file from loading; `bot check FILE` prints them and fails
//! only with `--deny-warnings`. Below the engine (it reads the rule set, not the
//! engine) and above `rules`.
//!
//! Keyword lints are located at the keyword, window lints at the window, other lints
//! at their node; times are the shop's wall clock.

use crate::basics::clock::civil_text;
use crate::basics::error::Location;
use crate::basics::text::{cut_chars, grapheme_floor};
use crate::pipeline::tree::{Node, Term, TermKind};
use crate::rules::RuleSet;
use crate::template::{Template, Vars};
use jiff::Timestamp;
use std::collections::HashMap;
use std::fmt;

/// What a [`Lint`] is about. Every lint is exact: it fires only when the stated fact
/// is true for every possible message, never on a guess.
///
/// | kind | fires when |
/// |---|---|
/// | [`ShadowedKeyword`](Self::ShadowedKeyword) | keyword `k` of node A can never make A answer: another node B has the same keyword (after normalization) and, for **every** message containing `k`, B outscores A (see below) |
/// | [`DuplicateKeyword`](Self::DuplicateKeyword) | two nodes of the same stage (both `presale`, or both `insale`/`aftersale`) have the same keyword (or the same whole-message keyword) after normalization and neither always wins: which one answers depends on the other words, the conversation's context and file order. Across stages a shared keyword is how a file answers by stage (运费 before an order is about postage, after it about return postage), so it is not reported |
/// | [`RedundantKeyword`](Self::RedundantKeyword) | a node lists the same keyword twice, perhaps in two spellings that normalize alike (`退貨`, `退货`): the copy reaches nothing new and counts twice in "distinct keywords" |
/// | [`ContainedKeyword`](Self::ContainedKeyword) | a keyword contains another keyword of the same node (`退货运费` and `退货`): it reaches no message the shorter one does not, and only adds weight (coverage) to the node when it hits. Often deliberate, to make a specific question beat a competing node; delete it when it is not |
/// | [`VetoedKeyword`](Self::VetoedKeyword) | a keyword (or whole-message keyword) contains an exclude word of its own node, so every message it hits also vetoes the node |
/// | [`OneCharKeyword`](Self::OneCharKeyword) | a `keywords:` entry is one character after normalization: it hits every message with that character anywhere (`whole:` one-character keywords are fine) |
/// | [`UntestedNode`](Self::UntestedNode) | no `tests:` case expects the node's topic (one lint for the whole file when it has no tests at all) |
/// | [`DuplicateReply`](Self::DuplicateReply) | a reply variant is identical (after `{shop}`, `{agent}` and `shop.vars` are filled in) to an earlier variant of the same list: a node's `reply`, the greetings, the fallback or handoff replies; rotation then repeats a sentence |
/// | [`ExpiredWindow`](Self::ExpiredWindow) | a promotion or reminder that shows once ended before `now` (one that recurs never ends) |
/// | [`ClaimsAction`](Self::ClaimsAction) | a text kefu sends without handing over to a human — a reply variant of a node without `handoff: true`, `fallback.reply`, a greeting, a promotion or reminder — contains a phrase saying that an action was or will be taken (已为您, 帮您催, 已记下, 会帮您盯着 …: [`LintKind::CLAIM_PHRASES`] and the file's `lint.claims_action.phrases`). kefu takes no action: it sends text. Not a claim: a phrase in a clause (between punctuation) that names a human (人工, 转接) who will act, that is negated (不, 没, 无法, 别, 未) before the phrase, or that asks (吗, ？, 需要, 如需); or a phrase inside a text of `lint.claims_action.allow`. Exact as to the text; whether the phrase is a claim is the phrase list's judgement |
/// | [`NegatorKeyword`](Self::NegatorKeyword) | a `keywords:` entry is, after normalization, one of the negators (`reading.negators`, or the defaults when the file lists none): before another keyword it cancels that keyword while answering for its own node, so `不要给我换货` answers the node of `不要`. `whole:` entries are not reported (a whole message has nothing after it to cancel) |
/// | [`FollowupKeyword`](Self::FollowupKeyword) | a follow-up phrase (`reading.followups`, or the defaults when the file lists none, or a node's `followups:`) is, after normalization, a `keywords:` or `whole:` entry of a node (another node, for a node's own phrase): a message that is only the phrase hits that node, which answers, so the phrase never continues the last topic |
/// | [`UnusedWord`](Self::UnusedWord) | a protected word of `reading.words` protects nothing: no `keywords:` entry of any node ends inside it (a suffix of the keyword, shorter than the keyword, is a prefix of at most half of the word) or lies inside it, and no negator lies inside it, so no message reads differently with it |
///
/// **When B always outscores A.** Replies rank candidates by whole-message keyword,
/// coverage, distinct keywords, priority, context, stage and file order (see
/// `src/select.rs`). Let *SA* be A and its ancestors that are not B or B's
/// ancestors, and *SB* the other way round. `k` of A is shadowed by B when all of:
/// no node of SA has a pattern (a pattern could add coverage to A); neither A nor SA
/// has a whole-message keyword containing `k`; every keyword of SA has an equal
/// keyword in SB, counted with repeats (so B covers every char A covers and hits as
/// many keywords); every exclude word of SB contains an exclude word of A (so
/// whatever vetoes B also vetoes A); and either SB has more copies of `k` than SA
/// (B then hits strictly more distinct keywords) or B's priority is higher. The
/// common case: a parent and its child share a keyword; the parent's copy is dead,
/// because the child scores its own hit plus its parent's.
///
///
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LintKind {
    /// A keyword that can never make its node answer: another node always wins.
    ShadowedKeyword,
    /// The same keyword in two nodes, neither of which always wins.
    DuplicateKeyword,
    /// A keyword listed twice in one node (after normalization).
    RedundantKeyword,
    /// A keyword containing another keyword of the same node: it only adds weight.
    ContainedKeyword,
    /// A keyword containing an exclude word of its own node.
    VetoedKeyword,
    /// A one-character `keywords:` entry, which hits almost everything.
    OneCharKeyword,
    /// A node that no `tests:` case expects.
    UntestedNode,
    /// A reply variant identical to another of the same list.
    DuplicateReply,
    /// A promotion or reminder that has ended.
    ExpiredWindow,
    /// A reply that says an action was taken, where no human takes over.
    ClaimsAction,
    /// A keyword that is also a negator.
    NegatorKeyword,
    /// A follow-up phrase that is also a keyword of a node.
    FollowupKeyword,
    /// A protected word (`reading.words`) that protects nothing.
    UnusedWord,
}

impl LintKind {
    /// Phrases that say kefu's side did or will do something (looked up, urged, noted,
    /// told, arranged …), which a reply sent without a human never does: the defaults of
    /// [`LintKind::ClaimsAction`]. A file adds its own with `lint.claims_action.phrases`.
    pub const CLAIM_PHRASES: &'static [&'static str] = &[
        // done
        "已经帮您",
        "已帮您",
        "已经为您",
        "已为您",
        "已经给您",
        "已给您",
        "已记下",
        "记下了",
        "记下啦",
        "已登记",
        "已备注",
        "已通知",
        "已反馈",
        "已提交",
        "已安排",
        "已催",
        "已联系",
        "已核实",
        "已处理",
        "已加急",
        "帮您看了一下",
        "帮您查了",
        "给您查了",
        "查了一下",
        "看了一下",
        // doing or promised
        "帮您催",
        "给您催",
        "帮您盯",
        "会帮您盯着",
        "帮您跟进",
        "为您跟进",
        "帮您加急",
        "为您加急",
        "给您加急",
        "马上帮您查",
        "这就帮您",
        "马上为您",
        "立即为您",
        "帮您查一下",
        "帮您记下",
        "帮您登记",
        "帮您备注",
        "给您备注",
        "帮您反馈",
        "帮您通知",
        "通知仓库",
        "帮您联系",
        "帮您核实",
        "帮您申请",
        "帮您处理",
        "帮您安排",
        "帮您修改",
        "帮您改",
        "帮您取消",
        "帮您拦截",
        "帮您补发",
        "帮您退",
        "稍后回复您",
        "稍后联系您",
        "稍后给您",
        "稍后人工",
        "稍后客服",
    ];

    /// Every kind, in the order of the table above.
    pub const ALL: &'static [LintKind] = &[
        LintKind::ShadowedKeyword,
        LintKind::DuplicateKeyword,
        LintKind::RedundantKeyword,
        LintKind::ContainedKeyword,
        LintKind::VetoedKeyword,
        LintKind::OneCharKeyword,
        LintKind::UntestedNode,
        LintKind::DuplicateReply,
        LintKind::ExpiredWindow,
        LintKind::ClaimsAction,
        LintKind::NegatorKeyword,
        LintKind::FollowupKeyword,
        LintKind::UnusedWord,
    ];

    /// The snake_case name printed after a lint (`shadowed_keyword` …).
    pub fn as_str(self) -> &'static str {
        match self {
            LintKind::ShadowedKeyword => "shadowed_keyword",
            LintKind::DuplicateKeyword => "duplicate_keyword",
            LintKind::RedundantKeyword => "redundant_keyword",
            LintKind::ContainedKeyword => "contained_keyword",
            LintKind::VetoedKeyword => "vetoed_keyword",
            LintKind::OneCharKeyword => "one_char_keyword",
            LintKind::UntestedNode => "untested_node",
            LintKind::DuplicateReply => "duplicate_reply",
            LintKind::ExpiredWindow => "expired_window",
            LintKind::ClaimsAction => "claims_action",
            LintKind::NegatorKeyword => "negator_keyword",
            LintKind::FollowupKeyword => "followup_keyword",
            LintKind::UnusedWord => "unused_word",
        }
    }
}

/// Parses the snake_case name, as in `bot check --allow duplicate_keyword`.
impl std::str::FromStr for LintKind {
    type Err = ParseLintKindError;
    fn from_str(s: &str) -> Result<Self, ParseLintKindError> {
        LintKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseLintKindError(s.to_owned()))
    }
}

/// Why a text is not a [`LintKind`]; its `Display` names the known kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLintKindError(String);

impl fmt::Display for ParseLintKindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = LintKind::ALL.iter().map(|k| k.as_str()).collect();
        write!(
            f,
            "unknown lint kind '{}'; known: {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseLintKindError {}

impl fmt::Display for LintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A warning about a rule file that loaded; see
/// [`Engine::lints`](crate::Engine::lints).
///
/// Formats as `FILE:LINE:COL: warning: message (rule path) [kind]`, like
/// [`Problem`](crate::Problem) for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lint {
    /// What the lint is about.
    pub kind: LintKind,
    /// The fact and what to do about it, in one sentence.
    pub message: String,
    /// The topic of the node concerned, if it is about a node.
    pub topic: Option<String>,
    /// Where in the rule file (the node's start for keyword lints), when known.
    pub location: Option<Location>,
    /// The rule file's name, when the rules came from a file.
    pub file: Option<String>,
    /// The rule path, such as `presale[0].children[1].keywords[4]`.
    pub rule_path: Option<String>,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_deref().unwrap_or("<rules>");
        match self.location {
            Some(loc) => write!(f, "{file}:{loc}: warning: {}", self.message)?,
            None => write!(f, "{file}: warning: {}", self.message)?,
        }
        if let Some(p) = &self.rule_path {
            write!(f, " ({p})")?;
        }
        write!(f, " [{}]", self.kind)
    }
}

/// The lints of `rules` at `now` (which decides the expired windows), sorted by
/// position in the file.
pub(crate) fn lints(rules: &RuleSet, now: Timestamp) -> Vec<Lint> {
    let mut out = Linter {
        rules,
        lints: Vec::new(),
    };
    out.keywords();
    out.untested();
    out.replies();
    out.windows(now);
    out.claims();
    out.reading();
    let mut lints = out.lints;
    lints.sort_by_cached_key(|l| {
        (
            l.location.map(|l| (l.line, l.column)),
            l.rule_path.as_deref().map(natural_key),
            l.kind,
        )
    });
    lints
}

/// `presale[2].keywords[10]` sorts after `presale[2].keywords[9]`.
fn natural_key(path: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in path.chars() {
        match (c.to_digit(10), num) {
            (Some(d), n) => {
                num = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u64::from(d)),
                )
            }
            (None, Some(n)) => {
                out.push((std::mem::take(&mut text), n));
                num = None;
                text.push(c);
            }
            (None, None) => text.push(c),
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

struct Linter<'r> {
    rules: &'r RuleSet,
    lints: Vec<Lint>,
}

/// A node's term as the file names it: `keywords[3]`, `whole[0]`, `exclude[1]`.
fn term_paths(node: &Node) -> Vec<String> {
    let mut counts = [0usize; 5];
    node.terms
        .iter()
        .map(|t| {
            let (key, slot) = match t.kind {
                TermKind::Contains => ("keywords", 0),
                TermKind::Whole => ("whole", 1),
                TermKind::Exclude => ("exclude", 2),
                TermKind::Followup => ("followups", 3),
                // Signals and the words of `reading:` are never a node's terms.
                TermKind::Signal
                | TermKind::Anger
                | TermKind::Negator
                | TermKind::Word
                | TermKind::Slot
                | TermKind::Filler => ("reading", 4),
            };
            let i = counts[slot];
            counts[slot] += 1;
            format!("{}.{key}[{i}]", node.path)
        })
        .collect()
}

/// Nodes with the same keyword text beyond this many are reported as duplicates
/// without the pairwise shadow analysis (which is quadratic in them).
const MAX_PAIRWISE: usize = 64;

impl Linter<'_> {
    /// A lint about `node` (if any), located at `at` (a keyword's own place, or the
    /// node's, or a window's).
    fn push(
        &mut self,
        kind: LintKind,
        node: Option<&Node>,
        at: Option<Location>,
        path: String,
        message: String,
    ) {
        self.lints.push(Lint {
            kind,
            message,
            topic: node.map(|n| n.topic.clone()),
            location: at,
            file: self.rules.file.clone(),
            rule_path: (!path.is_empty()).then_some(path),
        });
    }

    fn keywords(&mut self) {
        let rules = self.rules;
        let nodes = &rules.nodes;
        let paths: Vec<Vec<String>> = nodes.iter().map(term_paths).collect();

        for (ni, n) in nodes.iter().enumerate() {
            for (ti, t) in n.terms.iter().enumerate() {
                if t.kind == TermKind::Exclude {
                    continue;
                }
                let path = paths[ni][ti].clone();
                if t.kind == TermKind::Contains && t.text.chars().count() == 1 {
                    self.push(
                        LintKind::OneCharKeyword,
                        Some(n),
                        t.location,
                        path.clone(),
                        format!(
                            "keyword '{}' is one character: it hits every message containing it; make it longer or move it to whole:",
                            t.source
                        ),
                    );
                }
                if let Some(e) = n
                    .terms
                    .iter()
                    .find(|e| e.kind == TermKind::Exclude && t.text.contains(&e.text))
                {
                    self.push(
                        LintKind::VetoedKeyword,
                        Some(n),
                        t.location,
                        path.clone(),
                        format!(
                            "keyword '{}' contains '{}', an exclude word of the same node, so it can never make '{}' answer",
                            t.source, e.source, n.topic
                        ),
                    );
                }
                // Redundant: contains (or repeats) an earlier-listed or shorter keyword
                // of the same kind in this node.
                let shorter = n.terms.iter().enumerate().find(|&(oi, o)| {
                    oi != ti
                        && o.kind == t.kind
                        && if o.text == t.text {
                            oi < ti
                        } else {
                            t.kind == TermKind::Contains && t.text.contains(&o.text)
                        }
                });
                if let Some((_, o)) = shorter {
                    if o.text == t.text {
                        let msg = format!(
                            "keyword '{}' repeats '{}' of the same node (they are equal after normalization); delete one",
                            t.source, o.source
                        );
                        self.push(LintKind::RedundantKeyword, Some(n), t.location, path, msg);
                    } else {
                        let msg = format!(
                            "keyword '{}' contains '{}' of the same node: it reaches no message the shorter one does not, and only adds weight to '{}'",
                            t.source, o.source, n.topic
                        );
                        self.push(LintKind::ContainedKeyword, Some(n), t.location, path, msg);
                    }
                }
            }
        }

        // Keywords shared between nodes, per kind (a `keywords:` entry and a `whole:`
        // entry with the same text are different rules, not duplicates).
        for kind in [TermKind::Contains, TermKind::Whole] {
            let mut by_text: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
            let mut order: Vec<&str> = Vec::new();
            for (ni, n) in nodes.iter().enumerate() {
                for (ti, t) in n.terms.iter().enumerate() {
                    if t.kind != kind {
                        continue;
                    }
                    let list = by_text.entry(&t.text).or_insert_with(|| {
                        order.push(&t.text);
                        Vec::new()
                    });
                    // One entry per node: repeats within a node are RedundantKeyword.
                    if list.last().is_none_or(|&(last, _)| last != ni) {
                        list.push((ni, ti));
                    }
                }
            }
            for text in order {
                let users = &by_text[text];
                if users.len() < 2 {
                    continue;
                }
                self.shared_keyword(text, kind, users, &paths);
            }
        }
    }

    fn shared_keyword(
        &mut self,
        text: &str,
        kind: TermKind,
        users: &[(usize, usize)],
        paths: &[Vec<String>],
    ) {
        let rules = self.rules;
        let nodes = &rules.nodes;
        let pairwise = kind == TermKind::Contains && users.len() <= MAX_PAIRWISE;
        // shadowed_by[i] = the node that always beats users[i] on this keyword.
        let mut shadowed_by: Vec<Option<usize>> = vec![None; users.len()];
        let mut related = vec![vec![false; users.len()]; users.len()];
        if pairwise {
            for (i, &(a, _)) in users.iter().enumerate() {
                for (j, &(b, _)) in users.iter().enumerate() {
                    if i != j && shadows(rules, text, a, b) {
                        related[i][j] = true;
                        related[j][i] = true;
                        if shadowed_by[i].is_none() {
                            shadowed_by[i] = Some(b);
                        }
                    }
                }
            }
        }
        for (i, &(a, ti)) in users.iter().enumerate() {
            let node = &nodes[a];
            let source = &node.terms[ti].source;
            if let Some(b) = shadowed_by[i] {
                let winner = &nodes[b];
                let why = if is_ancestor(nodes, a, b) {
                    format!("its descendant '{}' always wins", winner.topic)
                } else {
                    format!(
                        "'{}' ({}) has it too and always wins",
                        winner.topic, winner.path
                    )
                };
                self.push(
                    LintKind::ShadowedKeyword,
                    Some(node),
                    node.terms[ti].location,
                    paths[a][ti].clone(),
                    format!(
                        "keyword '{source}' can never make '{}' answer: {why}; delete it here",
                        node.topic
                    ),
                );
                continue;
            }
            // A plain duplicate, reported at the later node, naming the earlier ones of
            // the same stage: across stages, the conversation's stage chooses (a
            // pre-sale answer before an order, an after-sale one after), by design.
            let stage = node.section.is_order();
            let earlier: Vec<String> = users[..i]
                .iter()
                .enumerate()
                .filter(|&(j, &(b, _))| !related[i][j] && nodes[b].section.is_order() == stage)
                .map(|(_, &(b, _))| format!("'{}' ({})", nodes[b].topic, nodes[b].path))
                .collect();
            if earlier.is_empty() {
                continue;
            }
            let what = if kind == TermKind::Whole {
                "whole-message keyword"
            } else {
                "keyword"
            };
            self.push(
                LintKind::DuplicateKeyword,
                Some(node),
                node.terms[ti].location,
                paths[a][ti].clone(),
                format!(
                    "{what} '{source}' is also in {}: which one answers depends on the other words, the conversation and file order",
                    earlier.join(", ")
                ),
            );
        }
    }

    fn untested(&mut self) {
        let rules = self.rules;
        if rules.nodes.is_empty() {
            return;
        }
        if rules.tests.is_empty() {
            self.push(
                LintKind::UntestedNode,
                None,
                None,
                String::new(),
                format!(
                    "the file has no tests: section, so none of its {} nodes is tested; add cases such as {{ says: ..., expect: {} }}",
                    rules.nodes.len(),
                    rules.nodes[0].topic
                ),
            );
            return;
        }
        for n in &rules.nodes {
            if !rules
                .tests
                .iter()
                .any(|t| t.expect.as_deref() == Some(&n.topic))
            {
                self.push(
                    LintKind::UntestedNode,
                    Some(n),
                    n.location,
                    n.path.clone(),
                    format!(
                        "no test expects '{}'; add a case {{ says: ..., expect: {} }} to tests:",
                        n.topic, n.topic
                    ),
                );
            }
        }
    }

    fn replies(&mut self) {
        let rules = self.rules;
        let mut lists: Vec<(Option<&Node>, String, &[Template])> = vec![
            (
                None,
                "first_reply.greeting".into(),
                &rules.openings.greeting,
            ),
            (None, "fallback.reply".into(), &rules.fallback.reply),
            (
                None,
                "fallback.handoff_reply".into(),
                &rules.fallback.handoff_reply,
            ),
        ];
        for n in &rules.nodes {
            lists.push((Some(n), format!("{}.reply", n.path), &n.reply));
        }
        for (node, path, list) in lists {
            for (j, t) in list.iter().enumerate() {
                if let Some(i) = list[..j].iter().position(|o| o == t) {
                    self.push(
                        LintKind::DuplicateReply,
                        node,
                        node.and_then(|n| n.location),
                        format!("{path}[{j}]"),
                        format!("reply variant {j} is identical to variant {i}; rotation will repeat it, so change or delete one"),
                    );
                }
            }
        }
    }

    fn windows(&mut self, now: Timestamp) {
        let rules = self.rules;
        for (key, list) in [
            ("promotions", &rules.openings.promotions),
            ("reminders", &rules.openings.reminders),
        ] {
            let what = if key == "promotions" {
                "promotion"
            } else {
                "reminder"
            };
            for (i, w) in list.iter().enumerate() {
                let Some(until) = w.when.ends() else {
                    continue; // recurring: never over
                };
                if until < now {
                    self.push(
                        LintKind::ExpiredWindow,
                        None,
                        w.location,
                        format!("first_reply.{key}[{i}]"),
                        format!(
                            "{what} '{}' ended at {} (the shop's time) and will never show again; delete it, move its dates, or make it recur (MM-DD every year, weekly:, monthly:)",
                            w.id,
                            civil_text(until, &rules.timezone)
                        ),
                    );
                }
            }
        }
    }
}

/// Where a clause ends: a phrase's clause is the text between two of these.
fn clause_break(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '；' | '～' | '~' | ',' | '.' | '!' | '?' | ';' | '\n' | '…'
    )
}

/// Whether the phrase at `start..end` of `text` claims an action: not in a clause that
/// names a human, negates it before the phrase, or asks.
fn is_claim(text: &str, start: usize, end: usize) -> bool {
    let clause_start = text[..start].rfind(clause_break).map_or(0, |i| {
        i + text[i..].chars().next().map_or(1, char::len_utf8)
    });
    let clause_end = text[end..]
        .find(clause_break)
        .map_or(text.len(), |i| end + i);
    let before = &text[clause_start..start];
    let after = &text[end..clause_end];
    let clause = &text[clause_start..clause_end];
    // The phrase itself may name a human (稍后人工): that is the claim, not an excuse.
    let human = ["人工", "转接", "真人"]
        .iter()
        .any(|h| before.contains(h) || after.contains(h));
    let negated =
        ['不', '没', '别', '未'].iter().any(|n| before.contains(*n)) || before.contains("无法");
    let asks = ["吗", "需要", "如需"].iter().any(|q| clause.contains(q))
        || text[clause_end..].starts_with(['？', '?']);
    !(human || negated || asks)
}

/// The first claim in `text`: (phrase, the text around it).
fn first_claim<'p>(text: &str, phrases: &[&'p str], allow: &[String]) -> Option<(&'p str, String)> {
    let allowed: Vec<(usize, usize)> = allow
        .iter()
        .flat_map(|a| {
            text.match_indices(a.as_str())
                .map(|(i, m)| (i, i + m.len()))
        })
        .collect();
    let mut found: Option<(usize, &'p str)> = None;
    for &p in phrases {
        for (i, _) in text.match_indices(p) {
            let end = i + p.len();
            let excused = allowed.iter().any(|&(a, b)| a <= i && end <= b);
            if !excused && is_claim(text, i, end) && found.is_none_or(|(j, _)| i < j) {
                found = Some((i, p));
            }
        }
    }
    let (i, p) = found?;
    // About 8 chars before and 6 after, cut between grapheme clusters.
    let from = text[..i].char_indices().rev().nth(7).map_or(0, |(j, _)| j);
    let from = grapheme_floor(text, from);
    let end = i + p.len();
    let to = end + cut_chars(&text[end..], 6).0.len();
    let mut around = String::new();
    if from > 0 {
        around.push('…');
    }
    around.push_str(&text[from..to]);
    if to < text.len() {
        around.push('…');
    }
    Some((p, around))
}

impl<'r> Linter<'r> {
    /// [`LintKind::ClaimsAction`]: every text sent without a human taking over.
    fn claims(&mut self) {
        let rules = self.rules;
        let mut phrases: Vec<&str> = LintKind::CLAIM_PHRASES.to_vec();
        phrases.extend(rules.claims.phrases.iter().map(String::as_str));
        let allow = &rules.claims.allow;
        let no_vars = std::collections::BTreeMap::new();
        let text_of = |t: &Template| {
            let mut out = String::new();
            t.render_into(Vars::captures(&no_vars), &mut out);
            out
        };
        let mut found = Vec::new();
        let mut check =
            |node: Option<&'r Node>, at: Option<Location>, path: String, t: &Template| {
                if let Some((phrase, around)) = first_claim(&text_of(t), &phrases, allow) {
                    found.push((node, at, path, phrase, around));
                }
            };
        for (j, t) in rules.openings.greeting.iter().enumerate() {
            check(None, None, format!("first_reply.greeting[{j}]"), t);
        }
        for (j, t) in rules.fallback.reply.iter().enumerate() {
            check(None, None, format!("fallback.reply[{j}]"), t);
        }
        for n in rules.nodes.iter().filter(|n| !n.handoff) {
            for (j, t) in n.reply.iter().enumerate() {
                check(Some(n), n.location, format!("{}.reply[{j}]", n.path), t);
            }
        }
        for (key, list) in [
            ("promotions", &rules.openings.promotions),
            ("reminders", &rules.openings.reminders),
        ] {
            for (i, w) in list.iter().enumerate() {
                check(
                    None,
                    w.location,
                    format!("first_reply.{key}[{i}].text"),
                    &w.text,
                );
            }
        }
        for (node, at, path, phrase, around) in found {
            let (whose, or_handoff) = match node {
                Some(n) => (
                    format!("'{}' does not hand off to a human", n.topic),
                    ", set handoff: true",
                ),
                None => ("no human takes over when it is sent".to_owned(), ""),
            };
            self.push(
                LintKind::ClaimsAction,
                node,
                at,
                path,
                format!(
                    "'{around}' says '{phrase}', an action taken, but {whose} and kefu only sends text; say what the buyer can do or what happens next{or_handoff}, or allow the text under lint.claims_action.allow"
                ),
            );
        }
    }
}

/// A word of `reading:` the file wrote (`reading.words[2]`), or one of the defaults.
struct Written<'r> {
    term: &'r Term,
    /// Its rule path, when the file wrote it (the defaults have no place in the file).
    path: Option<String>,
}

/// The words of `reading:` of `kind`, each with its rule path under `key` when the
/// file wrote it. Terms the file wrote carry a location; the defaults (negators and
/// follow-ups when the file lists none, the built-in question frames) do not.
fn reading_terms<'r>(rules: &'r RuleSet, kind: TermKind, key: &str) -> Vec<Written<'r>> {
    let mut i = 0;
    rules
        .reading
        .terms
        .iter()
        .map(|r| &r.term)
        .filter(|t| t.kind == kind)
        .map(|term| {
            let path = term.location.map(|_| {
                i += 1;
                format!("reading.{key}[{}]", i - 1)
            });
            Written { term, path }
        })
        .collect()
}

/// Whether a hit of keyword `k` can be dropped by word sense because of the protected
/// word `w` (both normalized): `k` lies inside the longer `w`, or a suffix of `k`,
/// shorter than `k`, is a prefix of `w` of at most half its length (the keyword ends
/// inside the word, taking at most half of it: `怎么配` and `配送`).
fn touches(k: &str, w: &str) -> bool {
    let (kc, wc) = (k.chars().count(), w.chars().count());
    if wc > kc && w.contains(k) {
        return true;
    }
    (1..kc.min(wc)).filter(|o| 2 * o <= wc).any(|o| {
        w.char_indices()
            .nth(o)
            .is_some_and(|(b, _)| k.ends_with(&w[..b]))
    })
}

impl Linter<'_> {
    /// [`LintKind::NegatorKeyword`], [`LintKind::FollowupKeyword`] and
    /// [`LintKind::UnusedWord`]: the words of `reading:` against the nodes' keywords.
    fn reading(&mut self) {
        let rules = self.rules;
        let nodes = &rules.nodes;
        let paths: Vec<Vec<String>> = nodes.iter().map(term_paths).collect();
        let negators = reading_terms(rules, TermKind::Negator, "negators");
        let named = |w: &Written<'_>, key: &str| match &w.path {
            Some(_) => format!("reading.{key}"),
            None => format!("a default of reading.{key}"),
        };
        // A keyword that is a negator.
        for (ni, n) in nodes.iter().enumerate() {
            for (ti, t) in n.terms.iter().enumerate() {
                if t.kind != TermKind::Contains {
                    continue;
                }
                if let Some(neg) = negators.iter().find(|w| w.term.text == t.text) {
                    let or = match &neg.path {
                        Some(_) => "take it out of reading.negators",
                        None => "list reading.negators without it",
                    };
                    self.push(
                        LintKind::NegatorKeyword,
                        Some(n),
                        t.location,
                        paths[ni][ti].clone(),
                        format!(
                            "keyword '{}' is also a negator ({}): before another keyword it cancels that keyword and answers for '{}' instead (不要给我换货); write the longer phrase the buyer means, or {or}",
                            t.source,
                            named(neg, "negators"),
                            n.topic
                        ),
                    );
                }
            }
        }
        // A follow-up phrase that is a keyword: the file's phrases, then the nodes'.
        let keyword = |text: &str, not: Option<usize>| {
            nodes.iter().enumerate().find_map(|(ni, n)| {
                let ti = n.terms.iter().position(|t| {
                    matches!(t.kind, TermKind::Contains | TermKind::Whole) && t.text == text
                })?;
                (Some(ni) != not).then_some((ni, ti))
            })
        };
        for f in reading_terms(rules, TermKind::Followup, "followups") {
            let Some((ni, ti)) = keyword(&f.term.text, None) else {
                continue;
            };
            let (n, t) = (&nodes[ni], &nodes[ni].terms[ti]);
            // Located at the phrase where the file wrote it, else at the keyword.
            let (at, path, fix) = match &f.path {
                Some(p) => (f.term.location, p.clone(), "delete one of them"),
                None => (
                    t.location,
                    paths[ni][ti].clone(),
                    "delete the keyword, or list reading.followups without the phrase",
                ),
            };
            self.push(
                LintKind::FollowupKeyword,
                Some(n),
                at,
                path,
                format!(
                    "follow-up phrase '{}' ({}) is also a keyword of '{}' ({}): a message that is only the phrase hits '{}', which answers, so it never continues the last topic; {fix}",
                    f.term.source,
                    named(&f, "followups"),
                    n.topic,
                    n.path,
                    n.topic
                ),
            );
        }
        for (ni, n) in nodes.iter().enumerate() {
            for (ti, t) in n.terms.iter().enumerate() {
                if t.kind != TermKind::Followup {
                    continue;
                }
                let Some((oi, _)) = keyword(&t.text, Some(ni)) else {
                    continue;
                };
                let other = &nodes[oi];
                self.push(
                    LintKind::FollowupKeyword,
                    Some(n),
                    t.location,
                    paths[ni][ti].clone(),
                    format!(
                        "follow-up phrase '{}' of '{}' is also a keyword of '{}' ({}): a message that is only the phrase hits '{}', which answers, so it never continues '{}'; delete one of them",
                        t.source, n.topic, other.topic, other.path, other.topic, n.topic
                    ),
                );
            }
        }
        // A protected word no keyword can be cut by, holding no negator.
        for w in reading_terms(rules, TermKind::Word, "words") {
            let Some(path) = w.path else {
                continue; // the built-in question frames hold negators
            };
            let text = w.term.text.as_str();
            let guards = nodes
                .iter()
                .flat_map(|n| &n.terms)
                .any(|t| t.kind == TermKind::Contains && touches(&t.text, text));
            let holds =
                |n: &Written<'_>| n.term.text.len() < text.len() && text.contains(&n.term.text);
            if guards || negators.iter().any(holds) {
                continue;
            }
            self.push(
                LintKind::UnusedWord,
                None,
                w.term.location,
                path,
                format!(
                    "protected word '{}' protects nothing: no keyword ends inside it or lies inside it, and no negator is in it, so no message reads differently with it; delete it, or add the keyword it should stop",
                    w.term.source
                ),
            );
        }
    }
}

/// `node` and its ancestors, nearest first.
fn chain(nodes: &[Node], mut node: usize) -> Vec<usize> {
    let mut out = vec![node];
    while let Some(p) = nodes.get(node).and_then(|n| n.parent).map(|p| p.index()) {
        if out.contains(&p) {
            break; // never happens for loaded rules; stay total anyway
        }
        out.push(p);
        node = p;
    }
    out
}

/// Whether `anc` is a strict ancestor of `node`.
fn is_ancestor(nodes: &[Node], anc: usize, node: usize) -> bool {
    chain(nodes, node).iter().skip(1).any(|&n| n == anc)
}

/// Whether node `b` outscores node `a` for every message containing the keyword
/// `k` (normalized), which both have as a `keywords:` entry. See [`LintKind`].
fn shadows(rules: &RuleSet, k: &str, a: usize, b: usize) -> bool {
    let nodes = &rules.nodes;
    // An exclude word strictly inside a product's name vetoes nothing there (see the
    // matcher), so it is relied on only when no name holds it.
    let in_a_name = |word: &str| {
        rules
            .products
            .products
            .iter()
            .flat_map(|p| &p.terms)
            .any(|name| name.len() > word.len() && name.contains(word))
    };
    let ca = chain(nodes, a);
    let cb = chain(nodes, b);
    let sa: Vec<usize> = ca.iter().copied().filter(|n| !cb.contains(n)).collect();
    let sb: Vec<usize> = cb.iter().copied().filter(|n| !ca.contains(n)).collect();
    let (na, nb) = (&nodes[a], &nodes[b]);
    // A negator cancels k for a node that reads negation: B must lose it whenever A
    // does, or "不k" would leave A alone.
    if nb.negation && !na.negation {
        return false;
    }

    // A whole-message hit of A would beat B on the first score part.
    if na
        .terms
        .iter()
        .any(|t| t.kind == TermKind::Whole && t.text.contains(k))
    {
        return false;
    }
    let mut need: HashMap<&str, usize> = HashMap::new();
    for &n in &sa {
        let node = &nodes[n];
        if !node.patterns.is_empty() {
            return false;
        }
        for t in &node.terms {
            match t.kind {
                // A whole keyword can only co-occur with k if it contains k.
                TermKind::Whole if t.text.contains(k) => return false,
                TermKind::Contains => *need.entry(&t.text).or_default() += 1,
                _ => {}
            }
        }
    }
    let mut have: HashMap<&str, usize> = HashMap::new();
    for &n in &sb {
        for t in &nodes[n].terms {
            match t.kind {
                TermKind::Contains => *have.entry(&t.text).or_default() += 1,
                TermKind::Exclude => {
                    // Whatever vetoes a node of B's side must veto A too: an exclude
                    // word of A inside it, which no product name can swallow.
                    let vetoes_a = na.terms.iter().any(|e| {
                        e.kind == TermKind::Exclude
                            && t.text.contains(&e.text)
                            && !in_a_name(&e.text)
                    });
                    if !vetoes_a {
                        return false;
                    }
                }
                TermKind::Whole
                | TermKind::Signal
                | TermKind::Anger
                | TermKind::Negator
                | TermKind::Word
                | TermKind::Followup
                | TermKind::Slot
                | TermKind::Filler => {}
            }
        }
    }
    if need
        .iter()
        .any(|(t, &c)| have.get(t).copied().unwrap_or(0) < c)
    {
        return false;
    }
    let strict = have.get(k).copied().unwrap_or(0) > need.get(k).copied().unwrap_or(0);
    strict || nb.priority > na.priority
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use std::time::SystemTime;

    fn engine(body: &str) -> Engine {
        let yaml = format!(
            "shop: {{ name: s }}\nfirst_reply: {{ greeting: [hi] }}\nfallback: {{ reply: ['?'], handoff_after: 0 }}\n{body}"
        );
        match Engine::builder().build_named(&yaml, Some("t.yaml")) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        }
    }

    fn kinds(e: &Engine, kind: LintKind) -> Vec<Lint> {
        e.lints(SystemTime::UNIX_EPOCH)
            .into_iter()
            .filter(|l| l.kind == kind)
            .collect()
    }

    /// The rule paths of the lints of `kind`, in order.
    fn paths(e: &Engine, kind: LintKind) -> Vec<String> {
        kinds(e, kind)
            .into_iter()
            .filter_map(|l| l.rule_path)
            .collect()
    }

    const TESTS: &str = "tests: [{ says: x, expect: fallback }]\n";

    #[test]
    fn parent_keyword_repeated_in_child_is_shadowed() {
        let e = engine(&format!(
            "presale:\n  - topic: size\n    keywords: [尺码, 偏大]\n    reply: [a]\n    children:\n      - {{ topic: fit, keywords: [偏大], reply: [b] }}\n{TESTS}"
        ));
        let l = kinds(&e, LintKind::ShadowedKeyword);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].topic.as_deref(), Some("size"));
        assert_eq!(l[0].rule_path.as_deref(), Some("presale[0].keywords[1]"));
        assert!(
            l[0].message.contains("descendant 'fit'"),
            "{}",
            l[0].message
        );
        assert!(kinds(&e, LintKind::DuplicateKeyword).is_empty());
        // And it is true: the parent never answers a message with 偏大.
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "尺码偏大吗").topic(), Some("fit"));
    }

    #[test]
    fn exclude_on_the_winner_or_a_whole_keyword_keeps_the_keyword_alive() {
        let e = engine(&format!(
            "presale:\n  - topic: size\n    keywords: [偏大]\n    reply: [a]\n    children:\n      - {{ topic: fit, keywords: [偏大], exclude: [男款], reply: [b] }}\n{TESTS}"
        ));
        assert!(kinds(&e, LintKind::ShadowedKeyword).is_empty());
        assert_eq!(kinds(&e, LintKind::DuplicateKeyword).len(), 1);
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "男款偏大吧").topic(), Some("size"));

        let e = engine(&format!(
            "presale:\n  - topic: size\n    keywords: [偏大]\n    whole: [偏大吗]\n    reply: [a]\n    children:\n      - {{ topic: fit, keywords: [偏大], reply: [b] }}\n{TESTS}"
        ));
        assert!(kinds(&e, LintKind::ShadowedKeyword).is_empty());
    }

    #[test]
    fn an_exclude_word_a_product_name_swallows_does_not_count_as_vetoing() {
        // b (the child) has every keyword of a and excludes 不褪色, which contains a's
        // exclude 褪色: b would always win, but in 不褪色衫 the product name 褪色衫
        // swallows a's 褪色 while b's 不褪色 still vetoes b, so a answers.
        let body = "products:\n  - { id: p1, name: 褪色衫 }\npresale:\n  - topic: a\n    keywords: [掉色]\n    exclude: [褪色]\n    reply: [a]\n    children:\n      - { topic: b, keywords: [掉色], exclude: [不褪色], reply: [b] }\n";
        let e = engine(&format!("{body}{TESTS}"));
        assert!(kinds(&e, LintKind::ShadowedKeyword).is_empty());
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "不褪色衫掉色吗").topic(), Some("a"));
        // Without the product, the same rules do shadow a's 掉色.
        let plain = body.replace("products:\n  - { id: p1, name: 褪色衫 }\n", "");
        let e = engine(&format!("{plain}{TESTS}"));
        assert_eq!(kinds(&e, LintKind::ShadowedKeyword).len(), 1);
    }

    #[test]
    fn higher_priority_shadows_only_a_node_with_nothing_else() {
        // a has only 运费: b (priority 1) always wins.
        let e = engine(&format!(
            "presale:\n  - {{ topic: a, keywords: [运费], reply: [a] }}\naftersale:\n  - {{ topic: b, keywords: [运费, 退货], priority: 1, reply: [b] }}\n{TESTS}"
        ));
        let l = kinds(&e, LintKind::ShadowedKeyword);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].topic.as_deref(), Some("a"));
        // a has another keyword: "包邮吗运费多少" goes to a, so 运费 is not dead there.
        let body = "presale:\n  - { topic: a, keywords: [运费, 包邮], reply: [a] }\n  - { topic: b, keywords: [运费], priority: 1, reply: [b] }\n";
        let e = engine(&format!("{body}{TESTS}"));
        assert!(kinds(&e, LintKind::ShadowedKeyword).is_empty());
        let d = kinds(&e, LintKind::DuplicateKeyword);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].topic.as_deref(), Some("b"));
        assert!(
            d[0].message.contains("'a' (presale[0])"),
            "{}",
            d[0].message
        );
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "包邮吗运费多少").topic(), Some("a"));
        // b after an order instead: the stage chooses, so it is no duplicate.
        let e = engine(&format!(
            "{}{TESTS}",
            body.replace("  - { topic: b", "aftersale:\n  - { topic: b")
        ));
        assert!(kinds(&e, LintKind::DuplicateKeyword).is_empty());
    }

    #[test]
    fn same_priority_duplicates_are_duplicates() {
        let e = engine(&format!(
            "presale:\n  - {{ topic: a, keywords: [快递], reply: [a] }}\n  - {{ topic: b, keywords: [快遞], reply: [b] }}\n  - {{ topic: c, whole: [在吗], reply: [c] }}\n  - {{ topic: d, whole: [在嗎], keywords: [快递呢], reply: [d] }}\n{TESTS}"
        ));
        let d = kinds(&e, LintKind::DuplicateKeyword);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].rule_path.as_deref(), Some("presale[1].keywords[0]"));
        assert_eq!(d[1].rule_path.as_deref(), Some("presale[3].whole[0]"));
        assert!(d[1].message.starts_with("whole-message keyword '在嗎'"));
    }

    #[test]
    fn redundant_vetoed_and_one_char_keywords() {
        let e = engine(&format!(
            "presale:\n  - topic: a\n    keywords: [退货, 退货运费, 退貨, 不退货了, 包]\n    whole: [在, 在吗]\n    exclude: [不退]\n    reply: [a]\n{TESTS}"
        ));
        let r = kinds(&e, LintKind::RedundantKeyword);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule_path.as_deref(), Some("presale[0].keywords[2]"));
        assert!(r[0].message.contains("'退貨' repeats '退货'"));
        let c = kinds(&e, LintKind::ContainedKeyword);
        let paths: Vec<_> = c.iter().filter_map(|l| l.rule_path.as_deref()).collect();
        assert_eq!(paths, ["presale[0].keywords[1]", "presale[0].keywords[3]"]);
        let v = kinds(&e, LintKind::VetoedKeyword);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule_path.as_deref(), Some("presale[0].keywords[3]"));
        let o = kinds(&e, LintKind::OneCharKeyword);
        assert_eq!(o.len(), 1, "whole: [在] is fine");
        assert_eq!(o[0].rule_path.as_deref(), Some("presale[0].keywords[4]"));
    }

    #[test]
    fn untested_nodes_and_files_without_tests() {
        let body = "presale:\n  - { topic: a, keywords: [退货], reply: [a] }\n  - { topic: b, keywords: [换货], reply: [b] }\n";
        let e = engine(body);
        let u = kinds(&e, LintKind::UntestedNode);
        assert_eq!(u.len(), 1);
        assert!(u[0].message.contains("no tests: section"));
        assert_eq!(u[0].location, None);
        let e = engine(&format!("{body}tests: [{{ says: 退货, expect: a }}]\n"));
        let u = kinds(&e, LintKind::UntestedNode);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].topic.as_deref(), Some("b"));
        assert_eq!(u[0].location.map(|l| l.line), Some(6));
    }

    #[test]
    fn duplicate_replies_compare_rendered_constants() {
        let e = engine(&format!(
            "presale:\n  - {{ topic: a, keywords: [退货], reply: ['亲{{shop}}', 'x', '亲s'] }}\n{TESTS}"
        ));
        let d = kinds(&e, LintKind::DuplicateReply);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rule_path.as_deref(), Some("presale[0].reply[2]"));
        assert!(d[0].message.contains("identical to variant 0"));
    }

    #[test]
    fn expired_windows_depend_on_now_and_say_when_in_the_shop_s_time() {
        let yaml = "shop: { name: s }\nfirst_reply:\n  greeting: [hi]\n  promotions: [{ id: d11, from: '2026-11-01 00:00', until: '2026-11-11 23:59', text: sale }]\n  reminders: [{ id: r, from: '2026-11-01 00:00', until: '2027-01-01 00:00', text: late }]\nfallback: { reply: ['?'], handoff_after: 0 }\n";
        let e = Engine::from_yaml_str(yaml).unwrap();
        let at = |s: &str| -> SystemTime { s.parse::<Timestamp>().unwrap().into() };
        assert!(e.lints(at("2026-11-05T00:00:00Z")).is_empty());
        let l = e.lints(at("2026-12-01T00:00:00Z"));
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].kind, LintKind::ExpiredWindow);
        assert_eq!(
            l[0].to_string(),
            "<rules>:4:16: warning: promotion 'd11' ended at 2026-11-11 23:59 (the shop's time) and will never show again; delete it, move its dates, or make it recur (MM-DD every year, weekly:, monthly:) (first_reply.promotions[0]) [expired_window]"
        );
        assert_eq!(e.lints(at("2027-06-01T00:00:00Z")).len(), 2);
    }

    #[test]
    fn claims_of_an_action_where_no_human_takes_over() {
        // (case, reply, the node hands off, lint: section, the phrase found or None)
        let cases: [(&str, &str, bool, &str, Option<&str>); 14] = [
            (
                "done",
                "亲，已经帮您催仓库了～",
                false,
                "",
                Some("已经帮您"),
            ),
            (
                "the same, handed over",
                "亲，已经帮您催仓库了～",
                true,
                "",
                None,
            ),
            (
                "an offer in a handoff node",
                "亲，可以帮您转人工哦～",
                true,
                "",
                None,
            ),
            (
                "the buyer asks a human",
                "超时还没有的话回复「人工」帮您查～",
                false,
                "",
                None,
            ),
            (
                "a human acts",
                "请回复「人工」，人工客服会帮您核实～",
                false,
                "",
                None,
            ),
            (
                "negated",
                "亲，发货后就不能帮您修改地址了哦",
                false,
                "",
                None,
            ),
            ("asked", "需要帮您查一下吗？", false, "", None),
            (
                "the first claim",
                "订单信息已经记下了，马上帮您查～",
                false,
                "",
                Some("记下了"),
            ),
            (
                "a human promised",
                "稍后人工客服为您详细解答",
                false,
                "",
                Some("稍后人工"),
            ),
            (
                "promised help",
                "大促期间请耐心等待，小衣会帮您盯着哦～",
                false,
                "",
                Some("会帮您盯着"),
            ),
            (
                "honest",
                "亲，在订单页点「申请售后」就可以退货哦～",
                false,
                "",
                None,
            ),
            (
                "a phrase of the file",
                "好的，帮您预约上门取件～",
                false,
                "lint: { claims_action: { phrases: [帮您预约] } }\n",
                Some("帮您预约"),
            ),
            (
                "allowed by the file",
                "亲，仓库可以帮您安排顺丰，补差价就行～",
                false,
                "lint: { claims_action: { allow: [帮您安排顺丰] } }\n",
                None,
            ),
            (
                "allowed, another phrase still found",
                "已为您登记，仓库可以帮您安排顺丰～",
                false,
                "lint: { claims_action: { allow: [帮您安排顺丰] } }\n",
                Some("已为您"),
            ),
        ];
        for (case, reply, handoff, lint, want) in cases {
            let e = engine(&format!(
                "{lint}presale:\n  - {{ topic: a, keywords: [退货], handoff: {handoff}, reply: ['{reply}'] }}\n{TESTS}"
            ));
            let found = kinds(&e, LintKind::ClaimsAction);
            let got = found
                .first()
                .and_then(|l| l.message.split("' says '").nth(1))
                .and_then(|m| m.split('\'').next());
            assert_eq!(got, want, "{case}: {found:?}");
            if let Some(l) = found.first() {
                assert_eq!(
                    l.rule_path.as_deref(),
                    Some("presale[0].reply[0]"),
                    "{case}"
                );
                assert!(
                    l.message.contains("'a' does not hand off to a human"),
                    "{case}"
                );
            }
        }
        // Greetings, the fallback and windows too; not handoff replies.
        let yaml = "shop: { name: s, agent: 小衣 }\nfirst_reply:\n  greeting: ['您好，优惠券已为您准备好']\n  promotions: [{ id: p, weekly: fri, text: '{agent}已为您预留赠品' }]\npresale: [{ topic: a, keywords: [退货], reply: [好] }]\nfallback: { reply: ['问题记下啦'], handoff_reply: ['已为您转接人工'] }\n";
        let e = Engine::from_yaml_str(yaml).unwrap();
        let paths = paths(&e, LintKind::ClaimsAction);
        assert_eq!(
            paths,
            [
                "fallback.reply[0]",
                "first_reply.greeting[0]",
                "first_reply.promotions[0].text"
            ]
        );
    }

    #[test]
    fn a_negator_as_a_keyword() {
        let body = "presale:\n  - { topic: refuse, keywords: [不要, 拒收], whole: [不用], reply: [a] }\n  - { topic: exchange, keywords: [换货], reply: [b] }\n";
        let e = engine(&format!("{body}{TESTS}"));
        let l = kinds(&e, LintKind::NegatorKeyword);
        assert_eq!(l.len(), 1, "whole: [不用] is not reported: {l:?}");
        assert_eq!(l[0].rule_path.as_deref(), Some("presale[0].keywords[0]"));
        assert!(
            l[0].to_string().starts_with("t.yaml:5:33: warning: keyword '不要' is also a negator (a default of reading.negators): before another keyword it cancels that keyword and answers for 'refuse' instead"),
            "{}",
            l[0]
        );
        // And it is true: the exchange is cancelled, and 不要 answers.
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "不要给我换货").topic(), Some("refuse"));
        // The file's own negators decide.
        let e = engine(&format!(
            "reading: {{ negators: [没, 不要] }}\n{body}{TESTS}"
        ));
        let l = kinds(&e, LintKind::NegatorKeyword);
        assert!(l[0].message.contains("(reading.negators)"), "{}", l[0]);
        assert!(l[0].message.ends_with("take it out of reading.negators"));
        let e = engine(&format!("reading: {{ negators: [没] }}\n{body}{TESTS}"));
        assert!(kinds(&e, LintKind::NegatorKeyword).is_empty());
    }

    #[test]
    fn a_follow_up_phrase_that_is_a_keyword() {
        let nodes = "presale:\n  - { topic: wrong, keywords: [发错], reply: [a] }\n  - { topic: fix, keywords: [怎么处理], reply: [b] }\n";
        // The file's phrase: located at the phrase.
        let e = engine(&format!(
            "reading: {{ followups: [怎么弄, 怎么处理] }}\n{nodes}{TESTS}"
        ));
        let l = kinds(&e, LintKind::FollowupKeyword);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].rule_path.as_deref(), Some("reading.followups[1]"));
        assert_eq!(l[0].location.map(|l| (l.line, l.column)), Some((4, 29)));
        assert!(
            l[0].message.starts_with("follow-up phrase '怎么处理' (reading.followups) is also a keyword of 'fix' (presale[1]): a message that is only the phrase hits 'fix', which answers, so it never continues the last topic; delete one of them"),
            "{}",
            l[0]
        );
        // And it is true: after 发错, 怎么处理 answers fix, not wrong.
        let mut s = crate::Session::new("x");
        e.reply(&mut s, "发错了");
        assert_eq!(e.reply(&mut s, "怎么处理").topic(), Some("fix"));
        // A default phrase (怎么处理 is one): located at the keyword.
        let e = engine(&format!("{nodes}{TESTS}"));
        let l = kinds(&e, LintKind::FollowupKeyword);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].rule_path.as_deref(), Some("presale[1].keywords[0]"));
        assert!(l[0].message.contains("(a default of reading.followups)"));
        // A whole-message keyword hits the phrase alone too.
        let e = engine(&format!(
            "presale:\n  - {{ topic: wait, whole: [多久], reply: [a] }}\n{TESTS}"
        ));
        assert_eq!(kinds(&e, LintKind::FollowupKeyword).len(), 1);
        // A node's own phrase: another node's keyword, not its own.
        let e = engine(&format!(
            "aftersale:\n  - {{ topic: fee, keywords: [运费险, 谁出], followups: [谁出, 谁付], reply: [a] }}\n  - {{ topic: pay, keywords: [谁付], reply: [b] }}\n{TESTS}"
        ));
        let l = kinds(&e, LintKind::FollowupKeyword);
        assert_eq!(l.len(), 1, "{l:?}");
        assert_eq!(l[0].rule_path.as_deref(), Some("aftersale[0].followups[1]"));
        assert!(l[0]
            .message
            .contains("'谁付' of 'fee' is also a keyword of 'pay'"));
        // No phrase is a keyword: nothing to say.
        let e = engine(&format!(
            "reading: {{ followups: [怎么弄] }}\n{nodes}{TESTS}"
        ));
        assert!(kinds(&e, LintKind::FollowupKeyword).is_empty());
    }

    #[test]
    fn a_protected_word_no_keyword_touches() {
        let e = engine(&format!(
            "reading: {{ words: [配送, 礼品卡, 礼物卡, 别针, 洗衣机, 口袋] }}\npresale:\n  - {{ topic: matching, keywords: [怎么配], reply: [a] }}\n  - {{ topic: gift, keywords: [礼品, 小礼物], reply: [b] }}\n  - {{ topic: care, keywords: [机洗], reply: [c] }}\n{TESTS}"
        ));
        let paths = paths(&e, LintKind::UnusedWord);
        // 配送: 怎么配 ends inside it; 礼品卡: 礼品 lies inside it; 别针 holds the negator
        // 别; 洗衣机: 机洗 ends inside it (能机洗衣机吗). 礼物卡: 小礼物 takes two of its
        // three chars, more than half, so it is never cut; 口袋: no keyword near it.
        assert_eq!(paths, ["reading.words[2]", "reading.words[5]"]);
        let l = kinds(&e, LintKind::UnusedWord);
        assert!(
            l[0].to_string()
                .starts_with("t.yaml:4:29: warning: protected word '礼物卡' protects nothing"),
            "{}",
            l[0]
        );
        // And it is true: 小礼物卡 still hits gift with 礼物卡 protected.
        let mut s = crate::Session::new("x");
        assert_eq!(e.reply(&mut s, "送小礼物卡吗").topic(), Some("gift"));
    }

    #[test]
    fn touching_is_a_cut_of_at_most_half_or_lying_inside() {
        // (keyword, word, touches)
        let cases = [
            ("怎么配", "配送", true),
            ("礼品", "礼品卡", true),
            ("什么时候能到", "到账", true),
            ("小礼物", "礼物卡", false),
            ("机洗", "洗衣机", true),
            ("机器", "洗衣机", false),
            ("配送", "配送", false),
            ("怎么洗", "洗衣机", true),
            ("ab", "bcde", true),
            ("abc", "bcde", true),
            ("abcd", "bcde", false),
        ];
        for (k, w, want) in cases {
            assert_eq!(touches(k, w), want, "{k} / {w}");
        }
    }

    #[test]
    fn lints_of_a_node_follow_its_keywords_in_natural_order() {
        let e = engine(&format!(
            "presale:\n  - {{ topic: a, keywords: [甲, 乙, 丙, 丁, 戊, 己, 庚, 辛, 壬, 癸, 子, 丑], reply: [a] }}\n{TESTS}"
        ));
        let paths = paths(&e, LintKind::OneCharKeyword);
        let want: Vec<String> = (0..12)
            .map(|i| format!("presale[0].keywords[{i}]"))
            .collect();
        assert_eq!(paths, want);
    }

    #[test]
    fn kinds_parse_from_their_names() {
        for k in LintKind::ALL {
            assert_eq!(k.as_str().parse::<LintKind>(), Ok(*k));
        }
        let err = "nope".parse::<LintKind>().unwrap_err().to_string();
        assert!(err.starts_with("unknown lint kind 'nope'; known: shadowed_keyword,"));
    }

    #[test]
    fn display_has_file_line_col_of_the_keyword_itself() {
        let e = engine("presale:\n  - { topic: a, keywords: [包], reply: [a] }\n");
        let l = kinds(&e, LintKind::OneCharKeyword);
        assert!(
            l[0].to_string()
                .starts_with("t.yaml:5:28: warning: keyword '包'"),
            "{}",
            l[0]
        );
    }

    #[test]
    fn bundled_rules_have_no_shadowed_or_vetoed_keywords() {
        let e =
            Engine::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml")).unwrap();
        let bad: Vec<String> = e
            .lints(SystemTime::UNIX_EPOCH)
            .into_iter()
            .filter(|l| {
                matches!(
                    l.kind,
                    LintKind::ShadowedKeyword | LintKind::VetoedKeyword | LintKind::DuplicateReply
                )
            })
            .map(|l| l.to_string())
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
