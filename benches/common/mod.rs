//! Shared by the benches: run modes, deterministic rule sets and messages, and the
//! baselines the engine is measured against.
//!
//! Everything here is deterministic (a fixed xorshift seed), so two runs measure the
//! same rules and messages. Corpus lines are read at run time from
//! `../shared/corpus/customer_messages.txt` and never copied into the repository.

// Each bench binary uses part of this module.
#![allow(dead_code)]

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use criterion::{BatchSize, Bencher, Criterion};
use daachorse::CharwiseDoubleArrayAhoCorasick;
use kefu::{Engine, Session};
use regex::RegexSet;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `cargo bench`: every size, long measurements.
    Full,
    /// `KEFU_BENCH_QUICK=1 cargo bench`: smaller sizes and batches, short measurements
    /// (a CI smoke run in well under 2 minutes).
    Quick,
    /// `cargo test --benches` (no `--bench` flag, or `--test`): criterion runs each
    /// bench once; the data is kept tiny because the test profile is unoptimized.
    Test,
}

impl Mode {
    pub fn detect() -> Mode {
        let args: Vec<String> = std::env::args().collect();
        let bench = args.iter().any(|a| a == "--bench");
        let test = args.iter().any(|a| a == "--test");
        if !bench || test {
            Mode::Test
        } else if std::env::var("KEFU_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0") {
            Mode::Quick
        } else {
            Mode::Full
        }
    }

    /// Keyword counts of the generated rule sets.
    pub fn sizes(self) -> &'static [usize] {
        match self {
            Mode::Full => &[100, 1_000, 10_000, 50_000],
            Mode::Quick => &[100, 1_000, 10_000],
            Mode::Test => &[100, 1_000],
        }
    }

    /// Messages per iteration of the `keywords` and `threads` groups.
    pub fn batch(self) -> usize {
        match self {
            Mode::Full => 5_000,
            Mode::Quick => 1_000,
            Mode::Test => 40,
        }
    }
}

/// criterion's settings for a mode (the same in every timed bench binary).
pub fn configure(c: Criterion, mode: Mode) -> Criterion {
    match mode {
        Mode::Full | Mode::Test => c
            .sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4)),
        Mode::Quick => c
            .sample_size(10)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(300)),
    }
    .without_plots()
}

/// A small xorshift64* generator: deterministic, no dependency.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Shopping words, the stems of generated keywords (all Simplified, so normalization
/// leaves them as they are).
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "发货", "快递", "物流", "尺码", "颜色", "质量", "面料", "价格", "优惠", "包邮", "运费", "发票", "地址", "修改", "订单",
    "取消", "换货", "售后", "保修", "安装", "配送", "签收", "到货", "库存", "现货", "预售", "链接", "评价", "好评", "差评",
    "赠品", "红包", "满减", "活动", "客服", "人工", "投诉", "破损", "少件", "漏发", "错发", "色差", "起球", "掉色", "缩水",
    "偏大", "偏小", "尺寸", "身高", "体重", "腰围", "胸围", "裤长", "袖长", "材质", "纯棉", "羊毛", "真丝", "手机", "电脑",
    "屏幕", "电池", "充电", "耳机", "型号", "版本", "内存", "保价", "降价", "差价", "返现", "积分", "会员", "分期", "付款",
    "支付", "退回", "寄回", "上门", "取件", "包裹", "单号", "查询", "进度", "审核", "申请", "处理", "催促", "加急", "时间",
    "今天", "明天", "几天", "多久", "什么", "怎么", "可以", "能不能", "有没有", "是不是", "为什么", "还没", "已经", "一直",
    "顺丰", "中通", "韵达", "京东", "自提", "门店", "仓库", "厂家", "正品", "假货", "味道", "开线", "污渍", "褪色", "洗涤",
    "干洗", "机洗", "熨烫", "外套", "裙子", "裤子", "衬衫", "毛衣", "卫衣", "鞋子", "帽子", "袜子", "内衣", "套装", "款式",
    "同款", "新款", "旧款", "尺码表", "大码", "小码", "均码", "宽松", "修身", "显瘦", "显胖", "偏长", "偏短", "厚度", "薄款",
    "加绒", "保暖", "透气", "弹力", "退款", "退货", "换码", "补发", "补偿", "赔偿", "运费险", "优惠券", "价保", "开票", "税号",
    "抬头",
];

/// Common characters that glue words into keywords.
#[rustfmt::skip]
pub const CHARS: &[&str] = &[
    "的", "了", "吗", "呢", "吧", "啊", "我", "你", "他", "这", "那", "有", "没", "是", "不", "要", "想", "能",
    "会", "可", "在", "到", "给", "让", "把", "被", "还", "都", "就", "也", "再", "又", "很", "太", "多", "少",
    "大", "小", "长", "短", "快", "慢", "好", "坏", "新", "旧", "买", "卖", "拍", "下", "上", "发", "收", "寄",
    "退", "换", "补", "送", "取", "付", "钱", "元", "块", "件", "个", "次", "天", "号", "月", "周", "点", "时",
    "候", "问", "说", "看", "等", "找", "查", "改", "选", "穿", "洗", "用", "坏", "破", "脏", "错", "对", "真",
    "假", "号", "码", "色", "红", "黑", "白", "蓝", "灰", "粉", "绿", "黄", "紫", "棉", "麻", "丝", "毛", "皮",
    "绒", "衣", "裤", "裙", "鞋", "包", "帽", "袜", "货", "单", "价", "券", "店", "家", "人", "客", "服", "务",
    "电", "话", "机", "屏", "线", "盒", "袋", "箱", "票",
];

/// The fixed tree every generated rule set carries, so a probe has one known answer.
/// Generated keywords never repeat these.
pub const RESERVED: &[&str] = &["退货", "退款", "退货运费"];

/// A keyword of 2–6 chars: shopping words and glue chars, cut to a target length.
fn keyword(rng: &mut XorShift) -> String {
    // Length mix: 2 chars 30%, 3: 25%, 4: 25%, 5: 10%, 6: 10%.
    let target = match rng.below(100) {
        0..=29 => 2,
        30..=54 => 3,
        55..=79 => 4,
        80..=89 => 5,
        _ => 6,
    };
    let mut k = String::new();
    let mut len = 0;
    while len < target {
        let piece = if rng.below(3) == 0 {
            rng.pick(CHARS)
        } else {
            rng.pick(WORDS)
        };
        k.push_str(piece);
        len += piece.chars().count();
    }
    k.chars().take(target).collect()
}

/// `n` distinct keywords (the reserved ones excluded), deterministic.
pub fn keywords(n: usize, seed: u64) -> Vec<String> {
    let mut rng = XorShift::new(seed);
    let mut seen: HashSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let k = keyword(&mut rng);
        if seen.insert(k.clone()) {
            out.push(k);
        }
    }
    out
}

/// Keywords per first-level node and per second-level node, and children per topic.
const PARENT_KEYWORDS: usize = 4;
const CHILD_KEYWORDS: usize = 4;
const CHILDREN: usize = 4;

/// A rule file with `n` keywords in total (the fixed `return` tree included), in
/// two-level trees of 4 first-level + 4 × 4 second-level keywords, spread over the three
/// sections.
pub fn rules_yaml(n: usize) -> String {
    let words = keywords(n.saturating_sub(RESERVED.len()), 0x6b65_6675);
    let mut it = words.iter();
    let mut per_section: [String; 3] = Default::default();
    let mut t = 0;
    loop {
        let parent: Vec<&String> = it.by_ref().take(PARENT_KEYWORDS).collect();
        if parent.is_empty() {
            break;
        }
        let node = &mut per_section[t % 3];
        let _ = writeln!(
            node,
            "  - topic: t{t}\n    keywords: [{}]\n    reply: [\"亲,关于{}的问题,{{agent}}为您解答~\"]",
            join(&parent),
            parent[0]
        );
        for c in 0..CHILDREN {
            let kids: Vec<&String> = it.by_ref().take(CHILD_KEYWORDS).collect();
            if kids.is_empty() {
                break;
            }
            if c == 0 {
                node.push_str("    children:\n");
            }
            let _ = writeln!(
                node,
                "      - {{ topic: t{t}_{c}, keywords: [{}], reply: [\"亲,{}这个问题请放心~\"] }}",
                join(&kids),
                kids[0]
            );
        }
        t += 1;
    }
    per_section[2].push_str(
        "  - topic: return\n    keywords: [退货, 退款]\n    reply: [\"亲,支持7天无理由退货哦~\"]\n    \
         children:\n      - { topic: return_fee, keywords: [退货运费], reply: [\"亲,退货运费由运费险承担~\"] }\n",
    );
    let mut y = String::with_capacity(n * 24 + 1024);
    y.push_str(
        "shop: { name: 基准测试店, agent: 小基 }\n\
         first_reply: { greeting: [\"亲,您好,欢迎光临{shop},我是{agent}~\"] }\n\
         fallback: { reply: [\"亲,稍等,{agent}马上为您解答~\"], handoff_after: 0 }\n",
    );
    for (section, nodes) in ["presale", "insale", "aftersale"].iter().zip(&per_section) {
        if nodes.is_empty() {
            let _ = writeln!(y, "{section}: []");
        } else {
            let _ = writeln!(y, "{section}:");
            y.push_str(nodes);
        }
    }
    y
}

fn join(words: &[&String]) -> String {
    words
        .iter()
        .map(|w| w.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The repository (the benches are its package `benches/`).
pub const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The bundled rule file, the fifth rule set.
pub fn apparel_yaml() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rules/apparel.yaml"
    ))
    .expect("rules/apparel.yaml")
}

/// The rule sets of a mode, as (label, YAML): each generated size, then apparel.
pub fn rule_sets(mode: Mode) -> impl Iterator<Item = (String, String)> {
    mode.sizes()
        .iter()
        .map(|&n| (n.to_string(), rules_yaml(n)))
        .chain(std::iter::once(("apparel".to_owned(), apparel_yaml())))
}

/// The set the one-size groups use: 10,000 keywords, else (test mode) the largest
/// generated one, the one before apparel.
pub fn mid_set<T>(sets: &[T], label: impl Fn(&T) -> &str) -> &T {
    sets.iter()
        .find(|s| label(s) == "10000")
        .unwrap_or(&sets[sets.len() - 2])
}

/// A session that has never replied: every message is answered as a conversation's
/// first (greeting + answer), so every message does the same kind of work.
pub fn fresh() -> Session {
    Session::new("bench-buyer")
}

/// Times `engine.reply` over the batch, a fresh session per message (the sessions are
/// made outside the timing).
pub fn bench_replies(b: &mut Bencher, engine: &Engine, msgs: &[String]) {
    b.iter_batched_ref(
        || vec![fresh(); msgs.len()],
        |sessions| {
            for (s, m) in sessions.iter_mut().zip(msgs) {
                black_box(engine.reply(s, black_box(m)));
            }
        },
        BatchSize::PerIteration,
    )
}

/// The buyer corpus, read at run time (never copied into the repository), beside the
/// repository as for the tests: `<repo>/../shared/corpus/customer_messages.txt`.
pub const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/customer_messages.txt"
);

/// Where the messages came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Corpus,
    Generated,
}

/// The first `n` non-empty corpus lines, or `n` generated messages when the corpus is
/// not there.
pub fn messages(n: usize) -> (Vec<String>, Source) {
    if let Ok(text) = std::fs::read_to_string(CORPUS) {
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(n)
            .map(str::to_owned)
            .collect();
        if lines.len() == n {
            return (lines, Source::Corpus);
        }
    }
    (generated_messages(n), Source::Generated)
}

/// The batch of a timed bench binary: the messages of `mode` as the buyers wrote them,
/// and normalized (for the baselines); says on stderr where they came from.
pub fn batch(mode: Mode, bench: &str) -> (Vec<String>, Vec<String>) {
    let (msgs, source) = messages(mode.batch());
    let norm = msgs.iter().map(|m| kefu::normalize(m)).collect();
    eprintln!(
        "[kefu-bench] {bench}, mode {mode:?}; {} messages from {}",
        msgs.len(),
        match source {
            Source::Corpus => CORPUS.to_owned(),
            Source::Generated => format!("the generator (no corpus at {CORPUS})"),
        }
    );
    (msgs, norm)
}

/// Buyer-like messages: openers, shopping words, glue chars, punctuation, a few emoji
/// and Traditional characters; lengths from 2 to about 80 chars, median about 12.
pub fn generated_messages(n: usize) -> Vec<String> {
    const OPEN: &[&str] = &["", "", "", "亲，", "你好，", "在吗 ", "客服 ", "您好"];
    const PUNCT: &[&str] = &["", "", "？", "！", "，", "。", "~", "?? ", " ", "😭", "👍"];
    const TRAD: &[&str] = &["退貨", "發貨", "尺碼", "顏色", "訂單", "快遞"];
    let mut rng = XorShift::new(0x6d65_7373);
    (0..n)
        .map(|_| {
            let mut m = String::from(rng.pick(OPEN));
            let pieces = 1 + rng.below(4) + if rng.below(8) == 0 { 12 } else { 0 };
            for _ in 0..pieces {
                let p = match rng.below(20) {
                    0 => rng.pick(TRAD),
                    1..=9 => rng.pick(WORDS),
                    _ => rng.pick(CHARS),
                };
                m.push_str(p);
                if rng.below(3) == 0 {
                    m.push_str(rng.pick(CHARS));
                }
                m.push_str(rng.pick(PUNCT));
            }
            m
        })
        .collect()
}

/// A paragraph of buyer text (written for these benches) to cut fixed lengths from.
const PARAGRAPH: &str = "亲，在吗？我上周拍的那件米白色毛衣到现在还没发货，订单一直显示待发货。\
请问什么时候能发？我这边比较着急，周末要穿的。另外想问一下这款有没有XL码，我身高165体重120斤，\
平时穿M码会不会偏小？面料是纯棉的吗，洗了会不会缩水起球？如果不合适可以七天无理由退货吗，\
退货运费谁出呀？还有上次买的裤子颜色跟图片有色差，能换一条吗？麻烦帮我查一下物流，谢谢亲😊";

/// The first `chars` chars of the paragraph repeated.
pub fn text_of_len(chars: usize) -> String {
    PARAGRAPH.chars().cycle().take(chars).collect()
}

/// One fixed message of the `message_len` group.
pub struct Case {
    pub name: &'static str,
    pub text: String,
}

/// short, typical, long, and the adversarial cases; plus a length sweep for linearity.
pub fn fixed_cases(mode: Mode) -> Vec<Case> {
    let mut v = vec![
        Case {
            name: "short_2",
            text: "在吗".to_owned(),
        },
        Case {
            name: "typical_30",
            text: "亲，这件连衣裙有XL码吗？今天下单什么时候能发货呀，发什么快递".to_owned(),
        },
    ];
    let sweep: &[usize] = if mode == Mode::Test {
        &[100]
    } else {
        &[100, 250, 500, 1000]
    };
    for &n in sweep {
        v.push(Case {
            name: match n {
                100 => "sweep_100",
                250 => "sweep_250",
                500 => "long_500",
                _ => "sweep_1000",
            },
            text: text_of_len(n),
        });
    }
    let kb = if mode == Mode::Test { 1 } else { 10 };
    v.push(Case {
        name: "repeat_keyword_10k",
        text: "退货".repeat(kb * 1024 / "退货".len()),
    });
    v.push(Case {
        name: "emoji_10k",
        text: "😭👍🌸".repeat(kb * 1024 / "😭👍🌸".len()),
    });
    v
}

/// Normalized, distinct keywords of an engine, in node order (what every baseline
/// matches: keywords and whole-message keywords, as `Engine::nodes` lists them).
/// The distinct keywords a reply found: its hits and the hits reading dropped (a
/// negator before one, a word it cuts), each keyword once.
pub fn keywords_found(reply: &kefu::Reply<'_>) -> usize {
    let mut found: Vec<&str> = reply.hits().iter().map(|h| h.keyword).collect();
    let explained = reply.explain();
    found.extend(explained.dropped.iter().map(|(h, _)| h.keyword));
    found.sort_unstable();
    found.dedup();
    found.len()
}

pub fn engine_keywords(engine: &Engine) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for node in engine.nodes() {
        for (_, norm) in node.keywords() {
            if seen.insert(norm) {
                out.push(norm.to_owned());
            }
        }
    }
    out
}

/// The alternatives, built on the same keywords.
pub struct Baselines {
    pub keywords: Vec<String>,
    /// `AhoCorasick::new`: the crate picks the kind (a contiguous NFA above 100 keywords).
    pub ac: AhoCorasick,
    /// The aho-corasick DFA, forced (`None` when it could not be built).
    pub ac_dfa: Option<AhoCorasick>,
    pub daachorse: CharwiseDoubleArrayAhoCorasick<u32>,
    /// All keywords escaped in one `RegexSet` (`None` when it could not be built).
    pub regex_set: Option<RegexSet>,
}

/// `RegexSet` size limits raised so 50,000 literals compile.
pub const REGEX_SIZE_LIMIT: usize = 1 << 30;

impl Baselines {
    pub fn new(keywords: Vec<String>, with_regex: bool) -> Baselines {
        let ac = AhoCorasick::new(&keywords).expect("aho-corasick builds");
        let ac_dfa = build_ac_dfa(&keywords);
        let daachorse = CharwiseDoubleArrayAhoCorasick::new(&keywords).expect("daachorse builds");
        let regex_set = with_regex.then(|| build_regex_set(&keywords)).flatten();
        Baselines {
            keywords,
            ac,
            ac_dfa,
            daachorse,
            regex_set,
        }
    }
}

pub fn build_ac_dfa(keywords: &[String]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(keywords)
        .ok()
}

pub fn build_regex_set(keywords: &[String]) -> Option<RegexSet> {
    regex::RegexSetBuilder::new(keywords.iter().map(|k| regex::escape(k)))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| eprintln!("RegexSet of {} keywords: {e}", keywords.len()))
        .ok()
}

/// The floor: one overlapping aho-corasick scan, counting occurrences.
#[inline]
pub fn ac_count(ac: &AhoCorasick, text: &str) -> usize {
    ac.find_overlapping_iter(text).count()
}

/// daachorse charwise, overlapping, counting occurrences.
#[inline]
pub fn daachorse_count(d: &CharwiseDoubleArrayAhoCorasick<u32>, text: &str) -> usize {
    d.find_overlapping_iter(text).count()
}

/// What a reply cannot avoid: normalize the raw message char by char and feed each
/// kept char straight into daachorse's overlapping stepper (no normalized string, no
/// offset table), counting occurrences. The engine's scan does this and also keeps
/// each kept char's original byte span and records the hits: this is its floor.
#[inline]
pub fn fused_count(d: &CharwiseDoubleArrayAhoCorasick<u32>, raw: &str) -> usize {
    let mut stepper = d.find_overlapping_stepper();
    let mut n = 0;
    for c in raw.chars() {
        if let Some(k) = kefu::normalize_char(c) {
            stepper.consume(k);
            n += stepper.matches().count();
        }
    }
    n
}

/// The hand-written bot: `str::contains` for every keyword, keep the longest.
/// Returns (keywords contained, index of the longest).
#[inline]
pub fn contains_best(keywords: &[String], text: &str) -> (usize, Option<usize>) {
    let mut found = 0;
    let mut best: Option<usize> = None;
    let mut best_len = 0;
    for (i, k) in keywords.iter().enumerate() {
        if text.contains(k.as_str()) {
            found += 1;
            if k.len() > best_len {
                best_len = k.len();
                best = Some(i);
            }
        }
    }
    (found, best)
}

/// `RegexSet::matches`, keep the longest. Returns (keywords matched, the longest).
#[inline]
pub fn regex_best(set: &RegexSet, keywords: &[String], text: &str) -> (usize, Option<usize>) {
    let mut found = 0;
    let mut best: Option<usize> = None;
    let mut best_len = 0;
    for i in set.matches(text).iter() {
        found += 1;
        if keywords[i].len() > best_len {
            best_len = keywords[i].len();
            best = Some(i);
        }
    }
    (found, best)
}

/// The longest of `ids` (keyword indices), and among equals the first in keyword order
/// (as the loops above pick it).
#[inline]
pub fn longest(ids: impl IntoIterator<Item = usize>, keywords: &[String]) -> Option<usize> {
    ids.into_iter()
        .max_by_key(|&i| (keywords[i].len(), std::cmp::Reverse(i)))
}

/// How many distinct keywords `ids` (keyword indices, repeats allowed) hold, and the
/// longest.
pub fn distinct_best(
    ids: impl IntoIterator<Item = usize>,
    keywords: &[String],
) -> (usize, Option<usize>) {
    let mut ids: Vec<usize> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    (ids.len(), longest(ids.iter().copied(), keywords))
}

/// Distinct keywords and the longest one, from an overlapping aho-corasick scan.
pub fn ac_distinct(ac: &AhoCorasick, keywords: &[String], text: &str) -> (usize, Option<usize>) {
    distinct_best(
        ac.find_overlapping_iter(text)
            .map(|m| m.pattern().as_usize()),
        keywords,
    )
}

/// The same from an overlapping daachorse scan (built with `new`: value = keyword index).
pub fn daachorse_distinct(
    d: &CharwiseDoubleArrayAhoCorasick<u32>,
    keywords: &[String],
    text: &str,
) -> (usize, Option<usize>) {
    distinct_best(
        d.find_overlapping_iter(text).map(|m| m.value() as usize),
        keywords,
    )
}

const SLOW_CHECKS: usize = 300;

/// Checks that the baselines agree with each other on `texts` (normalized), and returns
/// (total occurrences, total distinct keywords) to check the engine against.
/// The slow baselines (a loop over every keyword, the `RegexSet`) are checked on the
/// first `SLOW_CHECKS` texts only, to keep the set-up short.
pub fn check_baselines(b: &Baselines, texts: &[String]) -> (usize, usize) {
    let mut occurrences = 0;
    let mut distinct = 0;
    for (i, t) in texts.iter().enumerate() {
        let n = ac_count(&b.ac, t);
        assert_eq!(
            n,
            daachorse_count(&b.daachorse, t),
            "daachorse count on {t:?}"
        );
        if let Some(dfa) = &b.ac_dfa {
            assert_eq!(n, ac_count(dfa, t), "aho-corasick DFA count on {t:?}");
        }
        let d = ac_distinct(&b.ac, &b.keywords, t);
        if i < SLOW_CHECKS {
            assert_eq!(d, contains_best(&b.keywords, t), "contains bot on {t:?}");
            if let Some(set) = &b.regex_set {
                assert_eq!(d, regex_best(set, &b.keywords, t), "RegexSet on {t:?}");
            }
        }
        occurrences += n;
        distinct += d.0;
    }
    (occurrences, distinct)
}

/// Heap bytes of the baseline automata, for the memory table.
pub fn baseline_heap(b: &Baselines) -> (usize, usize, Option<usize>) {
    (
        b.ac.memory_usage(),
        b.daachorse.heap_bytes(),
        b.ac_dfa.as_ref().map(AhoCorasick::memory_usage),
    )
}
