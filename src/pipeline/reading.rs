//! Reading a message a little better than its raw hits, from what the one scan
//! recorded: small talk as a whole, word sense at boundaries, negation, the frame of a
//! follow-up (`那…呢`), and how sure the engine is of its choice ([`Confidence`]).
//!
//! Works on the scan's hit lists in place, in time proportional to the hits (never to
//! the rule set or the message's length). Never reads a session.

use crate::basics::ids::NodeId;
use crate::basics::normalize::normalize_char;
use crate::pipeline::matcher::{NegatorHit, RawHit, Scan, Via};
use crate::pipeline::select::{Candidate, NodeInfo, ScorePart};
use crate::pipeline::tree::ReadingTerm;
use std::fmt;

/// How sure the engine is that its answer fits the message; ordered, `Low < Medium <
/// High`. The rule file's `reading.answer_at` is the lowest confidence answered on its
/// own: below it the buyer gets the fallback path and the reply carries suggestions
/// for a human agent ([`Reply::suggestions`](crate::Reply::suggestions)).
///
/// ```
/// use kefu::Confidence;
/// assert!(Confidence::Low < Confidence::Medium && Confidence::Medium < Confidence::High);
/// assert_eq!("medium".parse::<Confidence>(), Ok(Confidence::Medium));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Confidence {
    /// Weak or ambiguous evidence: suggest to a human, do not send alone (by default).
    Low,
    /// A clear winner on a partial match.
    #[default]
    Medium,
    /// The message is what the node is about: a whole-message keyword, or most of the
    /// message covered by a clear winner.
    High,
}

impl Confidence {
    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a [`Confidence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseConfidenceError(String);

impl fmt::Display for ParseConfidenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown confidence '{}'; write low, medium or high",
            self.0
        )
    }
}

impl std::error::Error for ParseConfidenceError {}

impl std::str::FromStr for Confidence {
    type Err = ParseConfidenceError;
    fn from_str(s: &str) -> Result<Self, ParseConfidenceError> {
        match s.trim() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            other => Err(ParseConfidenceError(other.to_owned())),
        }
    }
}

/// Why a reply has the confidence it has: the evidence that decided it, first match
/// of the table in the README ("Confidence").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Evidence {
    /// A `whole:` keyword was the whole message, or the message is small talk made of
    /// `whole:` words only.
    WholeMessage,
    /// The answer continues the conversation's last topic (a follow-up).
    FollowUp,
    /// A node of another first-level branch scored the same in every part but file
    /// order: a near tie.
    NearTie,
    /// One short keyword (at most 2 chars) decides a message at least 13 chars long
    /// (ASCII letters and digits not counted).
    WeakKeyword,
    /// A negator cancelled a keyword of the message: it says what it is not about.
    Negation,
    /// The winner answers questions only (`answers: questions`) and the message states
    /// something (申请退款了): a how-to would not fit.
    Statement,
    /// The winner's keywords cover at least half of what the message says (its
    /// fillers left out), with a clear margin.
    Covered,
    /// The winner's keywords cover less than a third of what the message says (its
    /// fillers left out): a word in a sentence about something else, more often than
    /// not.
    Sparse,
    /// A winner on a partial match: its keywords cover a third to a half of what the
    /// message says, or the conversation (its stage, its last topic) decided between
    /// it and the runner-up.
    Partial,
}

impl Evidence {
    /// The evidence in words, as `explain()` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::WholeMessage => "the whole message is a whole-message keyword or small talk",
            Evidence::FollowUp => "a follow-up continues the last topic",
            Evidence::NearTie => "another branch scored the same; only file order decided",
            Evidence::WeakKeyword => "one short keyword decides a long message",
            Evidence::Negation => "a negator cancelled a keyword of the message",
            Evidence::Statement => "the message states, and the node answers questions only",
            Evidence::Covered => "the winner's keywords cover most of the message",
            Evidence::Sparse => "the winner's keywords cover less than a third of the message",
            Evidence::Partial => "a winner on a partial match",
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest keyword (in chars) that is "short" for [`Evidence::WeakKeyword`].
pub const WEAK_KEYWORD_CHARS: u32 = 2;
/// The shortest message (in chars, ASCII letters and digits not counted) that one short keyword cannot
/// decide alone. Measured: at 13, the labelled sets keep their recall (holdout 0.77)
/// while a long message about something else no longer goes to the node of one
/// word it happens to contain.
pub const WEAK_MESSAGE_CHARS: u32 = 13;

/// The confidence of `winner` (and why), given the runner-up, the message's length in
/// normalized chars, and what reading the message found. The table, first match wins:
///
/// | evidence | confidence |
/// |---|---|
/// | whole-message keyword or small talk | high |
/// | follow-up | medium |
/// | near tie with another branch (only file order decided) | low |
/// | one keyword of ≤ 2 chars (no pattern) in a message of ≥ 13 chars (ASCII letters and digits, as in links and order cards, not counted) | low |
/// | the message states (了, no question word) and the winner answers questions only | low |
/// | a negator cancelled a keyword | medium |
/// | the winner covers ≥ half the message (fillers left out), decided before context | high |
/// | the winner covers < a third of the message (fillers left out) | low |
/// | otherwise: a partial match, or the conversation decided | medium |
pub(crate) fn assess(
    winner: &Candidate,
    runner: Option<&Candidate>,
    info: &[NodeInfo],
    chars: u32,
    facts: &Facts,
    pattern: bool,
) -> (Confidence, Evidence) {
    let s = &winner.score;
    if s.whole {
        return (Confidence::High, Evidence::WholeMessage);
    }
    let root = |n: NodeId| info.get(n.index()).map(|i| i.root());
    let part = runner.map(|r| s.deciding_part(&r.score));
    // A tie that only file order broke, between branches: the author did not decide.
    // (Stage and context are evidence from the conversation: an order number sent
    // makes 运费 an after-sale question.)
    let near_tie =
        runner.is_some_and(|r| part == Some(ScorePart::Order) && root(r.node) != root(winner.node));
    if near_tie {
        return (Confidence::Low, Evidence::NearTie);
    }
    // `chars` here is the message's length without its ASCII chars (see `decide`); a
    // pattern (an order number, an item link) is strong evidence however short.
    if s.distinct == 1
        && s.coverage <= WEAK_KEYWORD_CHARS
        && chars >= WEAK_MESSAGE_CHARS
        && !pattern
    {
        return (Confidence::Low, Evidence::WeakKeyword);
    }
    if facts.statement
        && info
            .get(winner.node.index())
            .is_some_and(NodeInfo::questions_only)
    {
        return (Confidence::Low, Evidence::Statement);
    }
    if facts.negated > 0 {
        return (Confidence::Medium, Evidence::Negation);
    }
    // Covered: at least half of what the message says, its fillers (吗, 怎么, 这个 …)
    // left out: 发票怎么开 is about 发票.
    let clear = part.is_none_or(|p| p < ScorePart::Context);
    let says = chars.saturating_sub(facts.fillers).max(1);
    let most = s.coverage.saturating_mul(2) >= says;
    if clear && most {
        return (Confidence::High, Evidence::Covered);
    }
    if s.coverage.saturating_mul(SPARSE) < says && !pattern {
        return (Confidence::Low, Evidence::Sparse);
    }
    (Confidence::Medium, Evidence::Partial)
}

/// The longest "…呢" that asks "what about" without beginning with 那 (M呢, 这个呢,
/// 到杭州呢, 洗过了呢); a longer one is a remark (占冰箱空间呢).
const WHAT_ABOUT_CHARS: u32 = 5;

/// Keywords covering less than 1/SPARSE of what a message says (fillers left out)
/// are weak evidence. Chosen by measurement: at 1/2, 17 % of the labelled messages
/// went to a human (nearly all rightly answered); at 1/4, precision on a hand-judged
/// corpus sample fell from 0.71 to 0.61 (see the closing note of issue 14).
const SPARSE: u32 = 3;

/// `reading:`, compiled: the lowest confidence answered alone, and the words the
/// automaton finds besides the nodes' keywords.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub(crate) answer_at: Confidence,
    /// Most chars between a negator and the keyword it cancels.
    pub(crate) negation_window: u32,
    /// Negators, protected words, file-level follow-up phrases and slot values (kinds
    /// `Negator`, `Word`, `Followup`, `Slot`), in one list the matcher indexes.
    pub(crate) terms: Vec<ReadingTerm>,
    /// Slot names (`color`), by index.
    pub(crate) slots: Vec<String>,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            answer_at: Confidence::Medium,
            negation_window: DEFAULT_NEGATION_WINDOW,
            terms: Vec::new(),
            slots: Vec::new(),
        }
    }
}

/// Chars allowed between a negator and the keyword it cancels, by default.
pub(crate) const DEFAULT_NEGATION_WINDOW: u32 = 3;

/// The negators, when the file does not list its own.
pub(crate) const DEFAULT_NEGATORS: &[&str] = &[
    "不",
    "没",
    "别",
    "不要",
    "不用",
    "不想",
    "无需",
    "未",
    "不是",
    "并非",
    "没有",
    "不需要",
    "不必",
];

/// Set phrases holding a negator that negate nothing; always protected words (a
/// negator inside one is not a negator). Questions of the form A不A / A没A (会不会,
/// 扎不扎, 有没有) are found by the scan itself, whatever A is.
pub(crate) const NEGATOR_FRAMES: &[&str] = &[
    "不好意思",
    "不知道",
    "不客气",
    "没关系",
    "没事",
    "不错",
    "不一定",
    "差不多",
    "不然",
    "要不",
    "不过",
    "没想到",
    "还是不",
    "可不可以",
    "需不需要",
];

/// Fillers, when the file does not list its own: particles, address and pronouns,
/// question frames. What a message says without them is what coverage is measured
/// against (发票怎么开 → 发票开). No single char that often starts a content word (下,
/// 能, 会, 有, 是): those only inside longer frames.
pub(crate) const DEFAULT_FILLERS: &[&str] = &[
    "啊",
    "呀",
    "吧",
    "吗",
    "呢",
    "哦",
    "噢",
    "喔",
    "哈",
    "嘛",
    "呗",
    "啦",
    "嗯",
    "的",
    "了",
    "亲",
    "亲亲",
    "你好",
    "您好",
    "请问",
    "想问",
    "问一下",
    "问下",
    "麻烦",
    "谢谢",
    "我",
    "你",
    "您",
    "你们",
    "我们",
    "这个",
    "那个",
    "这款",
    "这件",
    "那件",
    "一下",
    "怎么",
    "怎样",
    "如何",
    "可以",
    "能不能",
    "可不可以",
    "是不是",
    "有没有",
    "会不会",
    "什么",
    "哪里",
    "在哪",
    "哪儿",
    "哪个",
    "为什么",
    "为啥",
    "啥",
    "咋",
    "还是",
    "真的",
    "帮我",
    "给我",
    "帮忙",
    "一般",
    "大概",
    "现在",
];

/// Follow-up phrases, when the file does not list its own.
pub(crate) const DEFAULT_FOLLOWUPS: &[&str] = &[
    "怎么操作",
    "怎么处理",
    "怎么弄",
    "怎么办",
    "然后呢",
    "要多久",
    "多久",
    "什么时候",
    "在哪里",
    "在哪",
    "怎么申请",
    "具体呢",
    "之后呢",
    "怎么重开",
    "那怎么办",
];

/// What reading the message found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// Keyword hits a negator cancelled.
    pub(crate) negated: u32,
    /// Keyword hits dropped because they cut a known word in two.
    pub(crate) cut: u32,
    /// The message is small talk made of `whole:` words only.
    pub(crate) small_talk: bool,
    /// The message is framed as a follow-up: it begins with 那 or ends with 呢.
    pub(crate) framed: bool,
    /// It asks "what about …": it ends with 呢 and begins with 那 or is at most
    /// [`WHAT_ABOUT_CHARS`] chars (那M呢, M呢, 这个呢; not 占冰箱空间呢, a remark).
    pub(crate) what_about: bool,
    /// Every node hit left is a slot value (or a product's name), and there is one.
    pub(crate) only_slots: bool,
    /// The longest follow-up phrase: a node's own (`Some(node)`) or the file's
    /// (`None`), and its length in chars.
    pub(crate) followup: Option<(Option<NodeId>, u32)>,
    /// The message states rather than asks (see [`is_statement`]); read only when a
    /// node hit answers questions only.
    pub(crate) statement: bool,
    /// Kept chars that are fillers (`reading.fillers`): the message's length for
    /// coverage leaves them out.
    pub(crate) fillers: u32,
}

/// Whether a message states rather than asks: it says something happened (了, 已)
/// and has no question mark, question word (吗, 呢, 么 after 什/怎, 嘛, 啥, 谁, 哪, 几 but
/// 好几, 怎, 咋, 何 but 任何, 多久/多少/多长/多大, 否, 了没, A不A) or request (想, 要, 能,
/// 帮, 请, 麻烦, 可以, 吧). 申请退款了 and 我查到退款了 state; 退款了吗, 发货了没, 到哪了 ask;
/// 衣服小了想换, 不要了 and 直接退了吧 request. Reads the text once, only when a node hit answers
/// questions only.
pub(crate) fn is_statement(text: &str, question_marks: bool) -> bool {
    if question_marks {
        return false;
    }
    let (mut before, mut last) = ('\0', '\0');
    let mut states = false;
    for k in text.chars().filter_map(normalize_char) {
        let asks = match k {
            '吗' | '呢' | '嘛' | '啥' | '谁' | '哪' | '怎' | '咋' | '否' => true,
            '想' | '帮' | '麻' | '吧' => true,
            '请' => last != '申',
            '要' => !matches!(last, '需' | '重' | '只'),
            '能' => !matches!(last, '功' | '可'),
            '以' => last == '可',
            '么' => matches!(last, '什' | '怎'),
            '几' => last != '好',
            '何' => last != '任',
            '久' | '少' | '长' | '大' => last == '多',
            '没' => last == '了',
            _ => k == before && matches!(last, '不' | '没'),
        };
        if asks {
            return false;
        }
        states |= k == '了' || k == '已';
        (before, last) = (last, k);
    }
    states
}

/// A keyword hit reading dropped, and why (for `explain()`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped {
    pub(crate) hit: RawHit,
    pub(crate) why: DropReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// A negator before it, in the same clause (its span in chars).
    Negated { start: u32, end: u32 },
    /// Its end cuts a known word that goes on past it, or it lies inside a protected
    /// word (the word's span in chars).
    Cut { start: u32, end: u32 },
}

/// Reads the scan of `text`: small talk as a whole, word sense, negation, the
/// follow-up frame. Hits dropped are moved to `dropped`. Near-linear in the hits:
/// every lookup is a binary search in a list the scan found in order, so a hostile
/// message repeating a keyword costs no more than its length; the common message
/// (nothing cut, no negator before a keyword) is settled by the lookups alone.
pub(crate) fn interpret(
    scan: &mut Scan,
    text: &str,
    info: &[NodeInfo],
    reading: &Reading,
    dropped: &mut Vec<Dropped>,
) -> Facts {
    let mut facts = Facts {
        framed: scan.framed(),
        what_about: scan.last == Some('呢')
            && (scan.first == Some('那') || scan.chars <= WHAT_ABOUT_CHARS),
        fillers: scan.fillers,
        followup: scan
            .followups
            .iter()
            .max_by_key(|f| f.chars)
            .map(|f| (f.node, f.chars)),
        ..Facts::default()
    };
    facts.small_talk = small_talk(scan);
    if !scan.hits.is_empty() && !facts.small_talk {
        question_frames(scan, text);
        facts.cut = word_sense(scan, dropped);
        facts.negated = negation(scan, text, info, reading.negation_window, dropped);
    }
    facts.only_slots = facts.framed && scan.chars <= MAX_SLOT_CHARS && only_slots(scan, text);
    facts
}

/// A framed follow-up longer than this is not read for slot values (那白色呢 is short).
const MAX_SLOT_CHARS: u32 = 8;

/// When the whole message is a sequence of `whole:` words (您好 您好, 哦哦 好的, 好的
/// 没有了), each becomes a hit of its node, and the last word's node gets the
/// whole-message mark: the buyer's last word is the one answered.
fn small_talk(scan: &mut Scan) -> bool {
    let n = scan.chars as usize;
    let wholes = &mut scan.wholes;
    if wholes.is_empty() || n == 0 || n > MAX_SMALL_TALK_CHARS {
        return false;
    }
    wholes.sort_unstable_by_key(|h| (h.chars.start, h.chars.end));
    // reach[p]: a tiling of the first p chars, as the index of its last word.
    let mut reach: [Option<usize>; MAX_SMALL_TALK_CHARS + 1] = [None; MAX_SMALL_TALK_CHARS + 1];
    let mut start_ok = [false; MAX_SMALL_TALK_CHARS + 1];
    start_ok[0] = true;
    for (i, w) in wholes.iter().enumerate() {
        let (s, e) = (w.chars.start as usize, w.chars.end as usize);
        if e <= n && start_ok[s] && reach[e].is_none() {
            reach[e] = Some(i);
            start_ok[e] = true;
        }
    }
    let Some(mut last) = reach[n] else {
        return false;
    };
    // Walk the tiling back from its end; the final word carries the mark.
    let mut tiles = [0usize; MAX_SMALL_TALK_CHARS];
    let mut count = 0;
    loop {
        tiles[count] = last;
        count += 1;
        let start = wholes[last].chars.start as usize;
        match (start, reach[start]) {
            (0, _) => break,
            (_, Some(prev)) if count < MAX_SMALL_TALK_CHARS => last = prev,
            _ => return false,
        }
    }
    let final_node = wholes[tiles[0]].node;
    for &t in &tiles[..count] {
        let mut h = wholes[t];
        h.whole = h.node == final_node;
        scan.hits.push(h);
    }
    true
}

/// Small talk longer than this is not read as a whole (it is not small talk).
const MAX_SMALL_TALK_CHARS: usize = 24;

/// The longest keyword that counts as a word another keyword may cut in two.
pub const WORD_CHARS: u32 = 2;

/// A hit of a node's `keywords:` entry (not a whole-message keyword, not a pattern).
fn is_keyword(h: &RawHit) -> bool {
    !h.whole && matches!(h.via, Via::Term(_))
}

/// The items of `sorted` (by `key`) whose key lies in `lo..=hi`.
fn between<T>(sorted: &[T], key: impl Fn(&T) -> u32, lo: u32, hi: u32) -> &[T] {
    let a = sorted.partition_point(|x| key(x) < lo);
    let b = sorted.partition_point(|x| key(x) <= hi);
    sorted.get(a..b.max(a)).unwrap_or(&[])
}

/// Adds the A不A questions (会不会, 有没有: a one-char negator between two equal
/// chars) to the protected words: they ask, they do not negate. Looked for around
/// the one-char negators the scan found, in the text itself.
fn question_frames(scan: &mut Scan, text: &str) {
    let Scan {
        negators, words, ..
    } = scan;
    let before = words.len();
    for n in negators.iter().filter(|n| n.end - n.start == 1) {
        let around = (
            text.get(..n.orig.start as usize),
            text.get(n.orig.end as usize..),
        );
        let (Some(head), Some(tail)) = around else {
            continue;
        };
        let prev = head.chars().rev().find_map(normalize_char);
        let next = tail.chars().find_map(normalize_char);
        if prev.is_some() && prev == next && n.start > 0 {
            words.push((n.start - 1, n.end + 1));
        }
    }
    if words.len() > before {
        words.sort_unstable_by_key(|w| w.1);
    }
}

/// Drops keyword hits that cut a word in two: a hit whose end falls inside a word
/// that goes on past it, taking at most half of that word (怎么配|送 with 配送, 能到|账
/// with 到账), or that lies inside a longer protected word (礼品 in 礼品卡). The words:
/// the protected words (`reading.words`) and the keywords of at most [`WORD_CHARS`]
/// chars hit in the message, but for a node's own keywords (its author's phrasing)
/// and a vetoed node's (an exclude word says it is not about this message). A longer
/// keyword is an author's phrase (要运费吗, 送什么): two phrases may share chars.
/// Returns how many were dropped.
fn word_sense(scan: &mut Scan, dropped: &mut Vec<Dropped>) -> u32 {
    let Scan {
        hits,
        words,
        vetoed,
        marks,
        term_hits,
        ..
    } = scan;
    // Nothing to cut with: no protected word, and no two keyword hits.
    let found = (*term_hits).min(hits.len());
    if words.is_empty() && found < 2 {
        return 0;
    }
    // Sorted and unique (as selection wants them too), to look up.
    vetoed.sort_unstable();
    vetoed.dedup();
    let longest_word = words.iter().map(|&(s, e)| e - s).max().unwrap_or(0);
    let in_order = hits.get(..found).unwrap_or(&[]);
    // Keyword hits come in the order they end, as do the words: one walk with two
    // cursors finds, for each hit, the words ending just past it.
    let (mut next_hit, mut next_word) = (0, 0);
    marks.clear();
    for (i, h) in in_order.iter().enumerate() {
        if !is_keyword(h) {
            continue;
        }
        let (s, e) = (h.chars.start, h.chars.end);
        // A word starting inside the hit (after its first char), ending past it, of
        // which the hit takes at most half.
        let crosses = |ws: u32, we: u32| s < ws && ws < e && we > e && (e - ws) * 2 <= we - ws;
        // Another node's short keyword (so ending at most WORD_CHARS - 1 past the hit).
        while in_order.get(next_hit).is_some_and(|g| g.chars.end <= e) {
            next_hit += 1;
        }
        let keyword = in_order
            .get(next_hit..)
            .unwrap_or(&[])
            .iter()
            .take_while(|g| g.chars.end < e + WORD_CHARS)
            .find(|g| {
                is_keyword(g)
                    && g.chars.end - g.chars.start <= WORD_CHARS
                    && g.node != h.node
                    && crosses(g.chars.start, g.chars.end)
                    && vetoed.binary_search(&g.node).is_err()
            })
            .map(|g| (g.chars.start, g.chars.end));
        // A protected word it crosses, or one holding it.
        while words.get(next_word).is_some_and(|w| w.1 < e) {
            next_word += 1;
        }
        let cut = keyword.or_else(|| {
            words
                .get(next_word..)
                .unwrap_or(&[])
                .iter()
                .take_while(|w| w.1 <= e + longest_word)
                .find(|&&(ws, we)| crosses(ws, we) || (ws <= s && e <= we && we - ws > e - s))
                .copied()
        });
        if let Some((start, end)) = cut {
            marks.push((i as u32, start, end));
        }
    }
    drop_marked(hits, marks, dropped, |start, end| DropReason::Cut {
        start,
        end,
    })
}

/// Removes the hits `marks` names (by index, ascending, with the span that drops
/// each) into `dropped`; returns how many.
fn drop_marked(
    hits: &mut Vec<RawHit>,
    marks: &[(u32, u32, u32)],
    dropped: &mut Vec<Dropped>,
    why: impl Fn(u32, u32) -> DropReason,
) -> u32 {
    if marks.is_empty() {
        return 0;
    }
    let mut next = marks.iter().peekable();
    let mut i = 0;
    hits.retain(|h| {
        let here = next.next_if(|m| m.0 == i);
        i += 1;
        match here {
            Some(&(_, start, end)) => {
                dropped.push(Dropped {
                    hit: *h,
                    why: why(start, end),
                });
                false
            }
            None => true,
        }
    });
    marks.len() as u32
}

/// Drops keyword hits a negator cancels: a negator ending at most `window` chars
/// before the keyword begins, in the same clause (no punctuation or space between),
/// and not itself part of a longer known word (the keyword's own 还不发货, a question
/// such as 会不会, a protected word) — unless the keyword's clause is a question
/// ending in 吗 (不包邮吗 asks about 包邮). Nodes with `negation: false` keep their
/// hits. Returns how many were dropped.
fn negation(
    scan: &mut Scan,
    text: &str,
    info: &[NodeInfo],
    window: u32,
    dropped: &mut Vec<Dropped>,
) -> u32 {
    let Scan {
        hits,
        negators,
        words,
        breaks,
        marks,
        questions,
        term_hits,
        ..
    } = scan;
    if negators.is_empty() {
        return 0;
    }
    // A negator inside a longer known word (a hit or a protected word) is part of
    // that word, not a negator.
    let found = (*term_hits).min(hits.len());
    let (in_order, patterns) = hits.split_at(found);
    // The longest known word, found once if a negator needs it.
    let mut longest = None;
    let mut longest = || {
        *longest.get_or_insert_with(|| {
            in_order
                .iter()
                .map(|h| h.chars.end - h.chars.start)
                .chain(words.iter().map(|&(s, e)| e - s))
                .max()
                .unwrap_or(0)
        })
    };
    let held = |n: &NegatorHit, longest: u32| {
        let (s, e) = (n.start, n.end);
        let holds = |ws: u32, we: u32| ws <= s && e <= we && we - ws > e - s;
        between(in_order, |h| h.chars.end, e, e + longest)
            .iter()
            .chain(patterns)
            .any(|h| holds(h.chars.start, h.chars.end))
            || between(words, |w| w.1, e, e + longest)
                .iter()
                .any(|&(ws, we)| holds(ws, we))
    };
    let same_clause = |from: u32, to: u32| between(breaks, |&b| b, from, to).is_empty();
    // Keyword hits with a negator just before them, in their clause (most messages
    // have none: the rest is not read).
    marks.clear();
    for (i, h) in hits.iter().enumerate() {
        if !is_keyword(h) {
            continue;
        }
        let start = h.chars.start;
        let near = between(negators, |n| n.end, start.saturating_sub(window), start);
        if near.is_empty() || info.get(h.node.index()).is_some_and(|n| !n.negation()) {
            continue;
        }
        let by = near
            .iter()
            .find(|n| same_clause(n.end, start) && !held(n, longest()));
        if let Some(n) = by {
            marks.push((i as u32, n.start, n.end));
        }
    }
    if marks.is_empty() {
        return 0;
    }
    // The positions of 吗, in kept chars, read from the text only here, where they
    // count.
    let kept = text.chars().filter_map(normalize_char);
    questions.clear();
    questions.extend(
        (0u32..)
            .zip(kept)
            .filter(|&(_, k)| k == '吗')
            .map(|(i, _)| i),
    );
    let questions = &*questions;
    // The keyword's clause runs to the next break after it; a 吗 from the keyword's
    // start (包邮吗 holds its own) to there makes the clause a question.
    let question = |h: &RawHit| {
        let after = breaks.partition_point(|&b| b < h.chars.end);
        let clause_end = breaks.get(after).copied().unwrap_or(u32::MAX);
        !between(
            questions,
            |&q| q,
            h.chars.start,
            clause_end.saturating_sub(1),
        )
        .is_empty()
    };
    if !questions.is_empty() {
        marks.retain(|m| hits.get(m.0 as usize).is_none_or(|h| !question(h)));
    }
    drop_marked(hits, marks, dropped, |start, end| DropReason::Negated {
        start,
        end,
    })
}

/// Whether every node hit is a slot value or a product's name, and there is one (or
/// a number: 那38码呢).
fn only_slots(scan: &Scan, text: &str) -> bool {
    let values = || {
        scan.slots
            .iter()
            .map(|s| (s.chars.start, s.chars.end))
            .chain(scan.products.iter().map(|p| (p.start, p.end)))
    };
    let digits = || {
        text.chars()
            .filter_map(normalize_char)
            .any(|k| k.is_ascii_digit())
    };
    let any = !scan.slots.is_empty() || !scan.products.is_empty() || digits();
    any && scan
        .hits
        .iter()
        .all(|h| values().any(|(s, e)| s <= h.chars.start && h.chars.end <= e))
}

/// The runner-up of a selection's candidates (the winner first, the rest in node
/// order).
pub(crate) fn runner_up(candidates: &[Candidate]) -> Option<&Candidate> {
    runner_up_of(candidates.get(1..).unwrap_or(&[]))
}

/// The best of `candidates`.
pub(crate) fn runner_up_of(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates.iter().max_by(|a, b| a.score.cmp_rank(&b.score))
}

#[cfg(test)]
mod tests {
    use super::is_statement;

    /// (message, question marks seen, states?, why)
    const STATES: &[(&str, bool, bool, &str)] = &[
        (
            "申请退款了",
            false,
            true,
            "了, nothing asked (申请 is no request)",
        ),
        ("我查到退款了谢谢", false, true, "a report and thanks"),
        ("已经寄回", false, true, "已"),
        ("退款了吗", false, false, "吗"),
        ("退款了", true, false, "a question mark was skipped"),
        ("发货了没", false, false, "了没"),
        ("到哪了", false, false, "哪"),
        ("退了能退多少", false, false, "多少"),
        ("等了好几天了", false, true, "好几 counts, it does not ask"),
        ("会不会退了", false, false, "A不A"),
        ("衣服小了想换", false, false, "想 requests"),
        ("不需要了", false, true, "需要 is no request"),
        ("直接退了吧", false, false, "吧"),
        ("可以退了", false, false, "可以"),
        ("可能退了", false, true, "可能 is no request"),
        ("我要退货", false, false, "要, and no 了"),
        ("退货", false, false, "nothing happened: no 了"),
    ];

    #[test]
    fn statements() {
        for &(says, marks, states, why) in STATES {
            assert_eq!(is_statement(says, marks), states, "{says} ({why})");
        }
    }
}
