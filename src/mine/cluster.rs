//! From unanswered buyer turns and the agents' replies to drafts of nodes: the agents'
//! replies are grouped (same normalized text, then near-duplicates by character
//! bigrams), each reply group labels the buyer turns it followed, and keywords are
//! the buyer-side n-grams (and whole messages) that predict a label well.
//!
//! Everything here is counting over the pairs kept in memory; it never reads the log
//! and never calls the engine (the replay in `mod.rs` checks what is drafted here).

use super::text::{bigrams, is_cjk, jaccard, reply_key, runs};
use super::Options;
use crate::Section;
use std::collections::{HashMap, HashSet};

/// Distinct agent replies kept; replies past it label nothing.
const MAX_REPLIES: usize = 200_000;
/// Replies (the most frequent) that go through similarity clustering; the rest stay
/// alone, each its own group.
const MAX_CLUSTERED: usize = 30_000;
/// A bigram shared by more groups than this does not propose candidates (it is in
/// everything: 您的, 请问); similarity is still computed on all bigrams.
const COMMON_BIGRAM: usize = 2_000;
/// Replies this similar (Jaccard of character bigrams) are one group.
pub(crate) const SAME_REPLY: f64 = 0.5;
/// Longest keyword candidate, in chars.
const MAX_NGRAM: usize = 6;
/// Longest exclude candidate, in chars.
const MAX_EXCLUDE: usize = 4;
/// Chars of a message that give n-grams: a long message (a pasted paragraph) adds
/// nothing a shop would make a keyword of, and would cost time and memory.
const NGRAM_CHARS: usize = 128;
/// Longest whole-message candidate, in chars.
const MAX_WHOLE: usize = 12;
/// Agent turns of the reply block that label a buyer turn.
pub(crate) const REPLY_TURNS: usize = 3;

/// Words too generic to be keywords: they are in every kind of question.
const STOP: &[&str] = &[
    "好的",
    "谢谢",
    "请问",
    "怎么",
    "什么",
    "可以",
    "这个",
    "那个",
    "我的",
    "你们",
    "我们",
    "一下",
    "是不是",
    "没有",
    "就是",
    "还是",
    "已经",
    "现在",
    "知道",
    "不是",
    "是的",
    "的话",
    "为什么",
    "怎么办",
    "多少",
    "时候",
    "什么时候",
    "一个",
    "东西",
    "问题",
    "帮我",
    "麻烦",
    "你好",
    "您好",
    "客服",
    "亲亲",
    "怎么样",
    "然后",
    "但是",
    "因为",
    "所以",
    "如果",
    "这样",
    "那样",
    "一直",
    "今天",
    "明天",
    "昨天",
    "还有",
    "还没",
    "需要",
    "可能",
    "应该",
    "能不能",
    "可不可以",
    "有没有",
    "是否",
    "不能",
    "不了",
    "不用",
    "好吧",
    "嗯嗯",
    "哦哦",
    "那个",
    "这边",
    "那边",
    "你好请问",
    "谢谢你",
    "请问一下",
    "问一下",
    "我想",
    "我要",
    "想问",
    "您看",
    "你看",
    "看看",
    "商品",
];

/// Chars that carry no topic alone; a candidate made only of them is dropped.
const FUNCTION: &str = "的了吗呢吧啊呀么嘛哦哈噢喔额嗯是我你您他她它这那在有就也都还和跟给个一不没要会能可以下上去来到说看好很太多少再又把被让对之其为与及或而且如果但已经过着得地么么哪啥怎些点样种次";

/// An unanswered buyer turn and what followed it.
pub(crate) struct Pair {
    /// As the buyer wrote it.
    pub text: Box<str>,
    /// Normalized as the engine matches it (placeholders' names included).
    pub norm: Box<str>,
    /// The agent replies of the block that followed (ids into [`Replies`]).
    pub replies: Vec<u32>,
    /// The section of the conversation's last answered topic before this turn.
    pub stage: Option<Section>,
    /// Index of its conversation in the log.
    pub conversation: u32,
}

/// One distinct agent reply (by [`reply_key`]).
pub(crate) struct ReplyEntry {
    pub key: Box<str>,
    /// Pairs whose reply block had it.
    pub pairs: u32,
    /// Up to four spellings as written, with counts.
    pub originals: Vec<(Box<str>, u32)>,
    /// Its group, after [`Replies::cluster`].
    pub group: u32,
}

/// The distinct agent replies that followed unanswered buyer turns.
#[derive(Default)]
pub(crate) struct Replies {
    index: HashMap<Box<str>, u32>,
    pub entries: Vec<ReplyEntry>,
    /// Per group: its leader entry (the most frequent reply of the group).
    pub leaders: Vec<u32>,
}

impl Replies {
    /// The id of a reply, added if new (and if there is room).
    pub(crate) fn add(&mut self, text: &str) -> Option<u32> {
        let key = reply_key(text);
        if key.is_empty() {
            return None;
        }
        let id = match self.index.get(key.as_str()) {
            Some(&id) => id,
            None => {
                if self.entries.len() >= MAX_REPLIES {
                    return None;
                }
                let id = self.entries.len() as u32;
                self.index.insert(key.clone().into_boxed_str(), id);
                self.entries.push(ReplyEntry {
                    key: key.into_boxed_str(),
                    pairs: 0,
                    originals: Vec::new(),
                    group: id,
                });
                id
            }
        };
        let e = &mut self.entries[id as usize];
        e.pairs += 1;
        let text = text.trim();
        match e.originals.iter().position(|(o, _)| &**o == text) {
            Some(i) => e.originals[i].1 += 1,
            None if e.originals.len() < 4 => e.originals.push((text.into(), 1)),
            None => {}
        }
        Some(id)
    }

    /// The entry of a reply key, if it was seen.
    pub(crate) fn get(&self, key: &str) -> Option<&ReplyEntry> {
        self.index.get(key).map(|&i| &self.entries[i as usize])
    }

    /// Groups the replies: the most frequent first, each joins the most similar
    /// earlier leader at [`SAME_REPLY`] or more, else leads a group of its own.
    pub(crate) fn cluster(&mut self) {
        let mut order: Vec<u32> = (0..self.entries.len() as u32).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.entries[i as usize].pairs), i));
        let mut index: HashMap<(char, char), Vec<u32>> = HashMap::new();
        let mut leader_bigrams: Vec<Vec<(char, char)>> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        self.leaders.clear();
        for (n, &id) in order.iter().enumerate() {
            let bg = bigrams(&self.entries[id as usize].key);
            let mut best: Option<(f64, u32)> = None;
            if n < MAX_CLUSTERED {
                seen.clear();
                for b in &bg {
                    let Some(list) = index.get(b) else { continue };
                    if list.len() > COMMON_BIGRAM {
                        continue;
                    }
                    for &g in list {
                        if seen.insert(g) {
                            let s = jaccard(&bg, &leader_bigrams[g as usize]);
                            if s >= SAME_REPLY && best.is_none_or(|(bs, _)| s > bs) {
                                best = Some((s, g));
                            }
                        }
                    }
                }
            }
            let group = match best {
                Some((_, g)) => g,
                None => {
                    let g = self.leaders.len() as u32;
                    self.leaders.push(id);
                    if n < MAX_CLUSTERED {
                        for b in &bg {
                            index.entry(*b).or_default().push(g);
                        }
                    }
                    leader_bigrams.push(bg);
                    g
                }
            };
            self.entries[id as usize].group = group;
        }
    }

    /// The groups of a pair's replies, distinct.
    pub(crate) fn groups(&self, pair: &Pair) -> Vec<u32> {
        let mut g: Vec<u32> = pair
            .replies
            .iter()
            .map(|&r| self.entries[r as usize].group)
            .collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// Whether an agent reply (as written) falls in `group`: its key is a member, or
    /// is as similar to the group's leader as members are.
    pub(crate) fn in_group(&self, text: &str, group: u32) -> bool {
        let key = reply_key(text);
        if key.is_empty() {
            return false;
        }
        if let Some(e) = self.get(&key) {
            return e.group == group;
        }
        let leader = self.leaders[group as usize];
        jaccard(&bigrams(&key), &bigrams(&self.entries[leader as usize].key)) >= SAME_REPLY
    }
}

/// A term of a draft: a keyword (substring) or a whole-message keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Term {
    pub text: String,
    pub whole: bool,
}

/// What a term hits among the pairs and how well it predicts its best group.
struct Scored {
    term: Term,
    msgs: Vec<u32>,
    group: u32,
    good: Vec<u32>,
    /// The distinct conversations of `good`: support counts conversations, so a
    /// buyer who says the same thing three times is one voice.
    voices: Vec<u32>,
    labeled: usize,
}

impl Scored {
    fn precision(&self) -> f64 {
        self.good.len() as f64 / self.labeled.max(1) as f64
    }
}

/// A node to propose, before it is named and checked.
pub(crate) struct Draft {
    pub group: u32,
    pub terms: Vec<Term>,
    pub exclude: Vec<String>,
    /// Pairs its terms hit (and no exclude vetoes).
    pub hit: Vec<u32>,
    /// Of those, the ones whose reply fell in the group.
    pub good: Vec<u32>,
    /// Of those hit, the ones with any agent reply.
    pub labeled: usize,
}

/// What the drafts may not use: keywords the rules already have, and what the
/// ignore file rejects.
pub(crate) struct Taken<'a> {
    pub keywords: &'a HashSet<String>,
    pub ignored_keywords: &'a HashSet<String>,
    pub ignored_groups: &'a HashSet<u32>,
}

fn is_stop(term: &str) -> bool {
    STOP.contains(&term)
}

fn all_function(term: &str) -> bool {
    term.chars().all(|c| FUNCTION.contains(c))
}

/// A keyword candidate fit to be a keyword at all: two chars or more, one of them CJK,
/// not a generic word, not only function chars.
fn keyword_shape(term: &str) -> bool {
    term.chars().count() >= 2
        && term.chars().any(is_cjk)
        && !is_stop(term)
        && !all_function(term)
        && !term
            .chars()
            .all(|c| c.is_ascii_digit() || FUNCTION.contains(c) || !is_cjk(c))
}

/// A whole-message candidate: any length, with a CJK char, no ASCII-only text.
fn whole_shape(term: &str) -> bool {
    term.chars().any(is_cjk) && term.chars().count() <= MAX_WHOLE
}

fn ngrams_of(text: &str, min: usize, max: usize, out: &mut HashSet<String>) {
    out.clear();
    let mut budget = NGRAM_CHARS;
    for mut r in runs(text) {
        if budget == 0 {
            break;
        }
        r.truncate(budget);
        budget -= r.len();
        for len in min..=max.min(r.len()) {
            for w in r.windows(len) {
                if w.iter().any(|&c| is_cjk(c)) {
                    out.insert(w.iter().collect());
                }
            }
        }
    }
}

/// Drafts nodes from the pairs: candidates scored against the groups, chosen
/// greedily per group, with excludes where they hit other groups.
pub(crate) fn draft(
    pairs: &[Pair],
    replies: &Replies,
    options: &Options,
    taken: &Taken<'_>,
) -> Vec<Draft> {
    let min = options.min_support.max(1);
    let groups: Vec<Vec<u32>> = pairs.iter().map(|p| replies.groups(p)).collect();
    // Candidates: n-grams of the runs, and whole messages, with the pairs they hit.
    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    let mut wholes: HashMap<String, Vec<u32>> = HashMap::new();
    let mut grams = HashSet::new();
    for (i, p) in pairs.iter().enumerate() {
        let i = i as u32;
        ngrams_of(&p.text, 2, MAX_NGRAM, &mut grams);
        for g in grams.drain() {
            postings.entry(g).or_default().push(i);
        }
        if !super::text::has_placeholder(&p.text) && whole_shape(&p.norm) {
            wholes.entry(p.norm.to_string()).or_default().push(i);
        }
    }
    // New-word discovery, the boundary half: a candidate that nearly always comes
    // with the same neighbour (货了 in 发货了) is a fragment of the longer word,
    // which is the better keyword.
    let mut extended: HashMap<&str, usize> = HashMap::new();
    for (g, list) in &postings {
        let n = g.chars().count();
        if n < 3 {
            continue;
        }
        let first = g.chars().next().map_or(0, char::len_utf8);
        let last = g.chars().last().map_or(0, char::len_utf8);
        for part in [&g[..g.len() - last], &g[first..]] {
            let e = extended.entry(part).or_default();
            *e = (*e).max(list.len());
        }
    }
    let bound = |g: &str, count: usize| {
        extended
            .get(g)
            .is_some_and(|&longer| longer * 10 >= count * 9)
    };
    let mut scored = Vec::new();
    let mut tally: HashMap<u32, usize> = HashMap::new();
    let mut score = |term: Term, msgs: &Vec<u32>| {
        tally.clear();
        let mut labeled = 0;
        for &m in msgs {
            let g = &groups[m as usize];
            labeled += usize::from(!g.is_empty());
            for &x in g {
                *tally.entry(x).or_default() += 1;
            }
        }
        let best = tally
            .iter()
            .filter(|(g, _)| !taken.ignored_groups.contains(g))
            .max_by_key(|(&g, &n)| (n, std::cmp::Reverse(g)));
        if let Some((&group, &n)) = best {
            if n >= min {
                let good: Vec<u32> = msgs
                    .iter()
                    .copied()
                    .filter(|&m| groups[m as usize].contains(&group))
                    .collect();
                let mut voices: Vec<u32> = good
                    .iter()
                    .map(|&m| pairs[m as usize].conversation)
                    .collect();
                voices.sort_unstable();
                voices.dedup();
                if voices.len() >= min {
                    scored.push(Scored {
                        term,
                        msgs: msgs.clone(),
                        group,
                        good,
                        voices,
                        labeled,
                    });
                }
            }
        }
    };
    for (g, msgs) in &postings {
        if msgs.len() < min
            || !keyword_shape(g)
            || bound(g, msgs.len())
            || taken.keywords.contains(g)
            || taken.ignored_keywords.contains(g)
        {
            continue;
        }
        score(
            Term {
                text: g.clone(),
                whole: false,
            },
            msgs,
        );
    }
    for (g, msgs) in &wholes {
        if msgs.len() < min || taken.keywords.contains(g) || taken.ignored_keywords.contains(g) {
            continue;
        }
        score(
            Term {
                text: g.clone(),
                whole: true,
            },
            msgs,
        );
    }
    scored.retain(|s| s.precision() >= options.min_precision);
    // Per group, greedily: the term covering most new conversations (with a good
    // pair), while it adds at least `min` of them.
    let mut by_group: HashMap<u32, Vec<Scored>> = HashMap::new();
    for s in scored {
        by_group.entry(s.group).or_default().push(s);
    }
    let mut drafts = Vec::new();
    let mut group_ids: Vec<u32> = by_group.keys().copied().collect();
    group_ids.sort_unstable();
    for group in group_ids {
        let Some(mut cands) = by_group.remove(&group) else {
            continue;
        };
        cands.sort_by(|a, b| a.term.cmp(&b.term));
        let mut covered: HashSet<u32> = HashSet::new();
        let mut chosen: Vec<Scored> = Vec::new();
        while chosen.len() < options.max_keywords {
            let pick = cands
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    // Within one node a keyword containing another adds only weight.
                    !chosen.iter().any(|k| {
                        !k.term.whole
                            && !c.term.whole
                            && (k.term.text.contains(&c.term.text)
                                || c.term.text.contains(&k.term.text))
                    })
                })
                .map(|(i, c)| {
                    let new = c.voices.iter().filter(|v| !covered.contains(v)).count();
                    (i, new, c)
                })
                .filter(|&(_, new, _)| new >= min)
                .max_by(|a, b| {
                    a.1.cmp(&b.1)
                        .then(a.2.precision().total_cmp(&b.2.precision()))
                        .then(
                            a.2.term
                                .text
                                .chars()
                                .count()
                                .cmp(&b.2.term.text.chars().count()),
                        )
                        .then(b.2.term.cmp(&a.2.term))
                })
                .map(|(i, _, _)| i);
            let Some(i) = pick else { break };
            let c = cands.swap_remove(i);
            covered.extend(c.voices.iter().copied());
            chosen.push(c);
        }
        if chosen.is_empty() {
            continue;
        }
        let mut d = Draft {
            group,
            terms: chosen.iter().map(|c| c.term.clone()).collect(),
            exclude: Vec::new(),
            hit: Vec::new(),
            good: Vec::new(),
            labeled: 0,
        };
        let mut hit: Vec<u32> = chosen.iter().flat_map(|c| c.msgs.iter().copied()).collect();
        hit.sort_unstable();
        hit.dedup();
        d.exclude = excludes(pairs, &groups, &d, &hit, min);
        d.hit = hit
            .into_iter()
            .filter(|&m| {
                !d.exclude
                    .iter()
                    .any(|e| pairs[m as usize].norm.contains(e.as_str()))
            })
            .collect();
        d.good = d
            .hit
            .iter()
            .copied()
            .filter(|&m| groups[m as usize].contains(&group))
            .collect();
        d.labeled = d
            .hit
            .iter()
            .filter(|&&m| !groups[m as usize].is_empty())
            .count();
        drafts.push(d);
    }
    drafts.sort_by_key(|d| (std::cmp::Reverse(d.good.len()), d.group));
    drafts
}

/// Exclude words for a draft: n-grams common in the pairs its terms hit whose reply
/// fell elsewhere, and rare where it fell in the group. At most three, each removing
/// at least `min` (and two) of the wrong hits and at most a twentieth of the right
/// ones; never inside one of the draft's own terms (that would veto the term).
fn excludes(
    pairs: &[Pair],
    groups: &[Vec<u32>],
    d: &Draft,
    hit: &[u32],
    min: usize,
) -> Vec<String> {
    let (mut wrong, mut right): (Vec<u32>, Vec<u32>) = hit
        .iter()
        .copied()
        .filter(|&m| !groups[m as usize].is_empty())
        .partition(|&m| !groups[m as usize].contains(&d.group));
    let mut out = Vec::new();
    let mut grams = HashSet::new();
    while out.len() < 3 && wrong.len() >= 2 {
        let mut in_wrong: HashMap<String, usize> = HashMap::new();
        for &m in &wrong {
            ngrams_of(&pairs[m as usize].text, 2, MAX_EXCLUDE, &mut grams);
            for g in grams.drain() {
                *in_wrong.entry(g).or_default() += 1;
            }
        }
        let need = min.max(2).max(wrong.len().div_ceil(4));
        let allowed = right.len() / 20;
        let mut best: Option<(usize, String)> = None;
        let mut names: Vec<(&String, &usize)> =
            in_wrong.iter().filter(|(_, &n)| n >= need).collect();
        names.sort();
        for (g, &n) in names {
            if best.as_ref().is_some_and(|(b, _)| *b >= n)
                || !keyword_shape(g)
                || d.terms.iter().any(|t| t.text.contains(g.as_str()))
            {
                continue;
            }
            let spoiled = right
                .iter()
                .filter(|&&m| pairs[m as usize].norm.contains(g.as_str()))
                .count();
            if spoiled <= allowed {
                best = Some((n, g.clone()));
            }
        }
        let Some((_, g)) = best else { break };
        wrong.retain(|&m| !pairs[m as usize].norm.contains(g.as_str()));
        right.retain(|&m| !pairs[m as usize].norm.contains(g.as_str()));
        out.push(g);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(text: &str, replies: Vec<u32>) -> Pair {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        Pair {
            text: text.into(),
            norm: crate::normalize(text).into(),
            replies,
            stage: None,
            conversation: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    #[test]
    fn replies_group_by_key_then_by_similarity() {
        let mut r = Replies::default();
        let a = r.add("请问还有其他可以帮到您的吗?").unwrap();
        let b = r.add("请问还有其他还可以帮到您的吗？").unwrap();
        let a2 = r.add("请问还有其他可以帮到您的吗").unwrap();
        let c = r.add("亲，保修期是一年哦").unwrap();
        assert_eq!(a, a2);
        assert!(r.add("！！").is_none());
        r.cluster();
        let g = |i: u32| r.entries[i as usize].group;
        assert_eq!(g(a), g(b));
        assert_ne!(g(a), g(c));
        assert!(r.in_group("请问还有什么可以帮到您的吗", g(a)));
        assert!(!r.in_group("好的", g(a)));
        assert_eq!(r.entries[a as usize].originals.len(), 2);
    }

    #[test]
    fn drafts_find_the_keyword_that_predicts_the_reply() {
        let mut r = Replies::default();
        let warranty = r.add("亲，本店商品全国联保一年哦").unwrap();
        let other = r.add("亲，发货后三天内到").unwrap();
        let mut pairs = Vec::new();
        for q in [
            "保修多久",
            "保修期多长",
            "这个保修吗",
            "保修怎么弄",
            "能保修几年",
        ] {
            pairs.push(pair(q, vec![warranty]));
        }
        for q in ["多久能到啊", "几天能到", "多久到", "到货多久"] {
            pairs.push(pair(q, vec![other]));
        }
        pairs.push(pair("保修卡丢了", vec![other]));
        r.cluster();
        let options = Options::default();
        let none = HashSet::new();
        let groups = HashSet::new();
        let taken = Taken {
            keywords: &none,
            ignored_keywords: &none,
            ignored_groups: &groups,
        };
        let drafts = draft(&pairs, &r, &options, &taken);
        let d = drafts
            .iter()
            .find(|d| d.group == r.entries[warranty as usize].group)
            .expect("a warranty draft");
        assert_eq!(d.terms[0].text, "保修");
        assert_eq!(d.good.len(), 5);
        let ignored: HashSet<String> = ["保修".to_owned()].into();
        let taken = Taken {
            keywords: &none,
            ignored_keywords: &ignored,
            ignored_groups: &groups,
        };
        assert!(draft(&pairs, &r, &options, &taken)
            .iter()
            .all(|d| d.terms.iter().all(|t| t.text != "保修")));
    }

    #[test]
    fn shapes() {
        assert!(keyword_shape("保修"));
        assert!(!keyword_shape("好的"));
        assert!(!keyword_shape("了吗"));
        assert!(!keyword_shape("退"));
        assert!(!keyword_shape("ab"));
        assert!(!keyword_shape("12"));
        assert!(whole_shape("好"));
        assert!(!whole_shape("ok"));
    }
}
