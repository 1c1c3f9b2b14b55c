//! Properties of matching, over random text: normalization is idempotent; a keyword
//! written with noise inside, full-width, upper-case or in Traditional characters is
//! still found, at exactly the span the buyer wrote; replies are deterministic; a
//! session stays small however long the conversation.

use kefu::{normalize, normalize_char};
use kefu::{Engine, HitKind, MatcherKind, Reply, Session};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

const APPAREL: &str = include_str!("../rules/apparel.yaml");

/// Chars that normalization skips, to sprinkle inside keywords.
const NOISE: &[char] = &[
    ' ', '\t', '\u{3000}', '，', '。', '、', '！', '？', '～', '.', '-', '~', '*', '😭', '🙂',
    '👍', '\u{FE0F}', '\u{200B}', '\u{200D}', '\u{2060}', '“', '”', '…', '【', '】',
];

struct Fixture {
    /// The bundled rules with the default automaton.
    engine: Engine,
    /// The same rules built again, with the other automaton.
    other: Engine,
    /// `keywords:` entries of at least two chars: (as written, node topic).
    keywords: Vec<(String, String)>,
    /// Chars no keyword (or its Traditional form) contains: random text of them
    /// cannot hit anything by chance.
    filler: Vec<char>,
    /// Simplified char → its Traditional forms (every char normalization maps).
    traditional: HashMap<char, Vec<char>>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let engine = Engine::from_yaml_str(APPAREL).unwrap_or_else(|e| panic!("{e}"));
    let other = Engine::builder()
        .matcher(MatcherKind::AhoCorasick)
        .build_yaml_str(APPAREL)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut keywords = Vec::new();
    let mut keyword_chars = BTreeSet::new();
    for node in engine.nodes() {
        for (source, normalized) in node.keywords() {
            keyword_chars.extend(normalized.chars());
            // `whole:` words are listed too; keep those that hit inside a sentence.
            let alone = engine.reply_at(&mut Session::new("k"), source, noon());
            let contained = alone.hits().iter().any(|h| {
                h.keyword == source && h.topic == node.topic() && h.kind == HitKind::Keyword
            });
            if contained && normalized.chars().count() >= 2 {
                keywords.push((source.to_owned(), node.topic().to_owned()));
            }
        }
    }
    keywords.sort();
    keywords.dedup();
    let mut traditional: HashMap<char, Vec<char>> = HashMap::new();
    let mut filler: Vec<char> = NOISE.to_vec();
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let Some(n) = normalize_char(c) else { continue };
        if n != c && !c.is_ascii() && !('\u{FF01}'..='\u{FF5E}').contains(&c) {
            traditional.entry(n).or_default().push(c);
        }
        let cjk_or_ascii = c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c);
        if cjk_or_ascii && !keyword_chars.contains(&n) && !keyword_chars.contains(&c) {
            filler.push(c);
        }
    }
    Fixture {
        engine,
        other,
        keywords,
        filler,
        traditional,
    }
});

fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

/// Random text of filler chars (Chinese, ASCII letters and digits, noise).
fn filler(max: usize) -> impl Strategy<Value = String> {
    let n = FIXTURE.filler.len();
    proptest::collection::vec(0..n, 0..max)
        .prop_map(|ix| ix.into_iter().map(|i| FIXTURE.filler[i]).collect())
}

/// How a buyer may write a keyword: per char, a choice of form and of noise after it.
#[derive(Debug, Clone)]
struct Disguise {
    /// Per char: 0 as written, 1 full-width, 2 upper-case, 3 Traditional (where the
    /// char has such a form).
    forms: Vec<u8>,
    /// Per char: noise to put after it (the last char's is dropped).
    noise: Vec<Vec<usize>>,
}

fn disguise() -> impl Strategy<Value = Disguise> {
    (
        proptest::collection::vec(0u8..4, 64),
        proptest::collection::vec(proptest::collection::vec(0..NOISE.len(), 0..3), 64),
    )
        .prop_map(|(forms, noise)| Disguise { forms, noise })
}

fn variant(c: char, form: u8, pick: usize) -> char {
    match form {
        1 if c.is_ascii_alphanumeric() => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        2 if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
        3 => FIXTURE.traditional.get(&c).map_or(c, |t| t[pick % t.len()]),
        _ => c,
    }
}

/// The keyword as the buyer wrote it, and the byte range from its first kept char to
/// the end of its last kept char (where the hit must be).
fn disguised(keyword: &str, d: &Disguise) -> (String, std::ops::Range<usize>) {
    let chars: Vec<char> = keyword.chars().collect();
    let mut out = String::new();
    let mut kept: Option<std::ops::Range<usize>> = None;
    for (i, &c) in chars.iter().enumerate() {
        let v = variant(c, d.forms[i % d.forms.len()], i);
        let at = out.len();
        out.push(v);
        if normalize_char(v).is_some() {
            let start = kept.as_ref().map_or(at, |k| k.start);
            kept = Some(start..out.len());
        }
        if i + 1 < chars.len() {
            out.extend(d.noise[i % d.noise.len()].iter().map(|&n| NOISE[n]));
        }
    }
    (out, kept.unwrap_or(0..0))
}

/// What must be identical between two replies to the same input and state.
fn observed(r: &Reply<'_>) -> String {
    serde_json::to_string(r).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn noise_chars_are_noise() {
    for &c in NOISE {
        assert_eq!(normalize_char(c), None, "{c:?} (U+{:04X})", c as u32);
    }
    assert!(FIXTURE.keywords.len() > 500, "{}", FIXTURE.keywords.len());
    assert!(FIXTURE.filler.iter().any(char::is_ascii_alphabetic));
    assert!(FIXTURE
        .traditional
        .get(&'货')
        .is_some_and(|t| t.contains(&'貨')));
}

/// Idempotence char by char, over every Unicode scalar value: a normalized char
/// normalizes to itself, so `normalize` of a normalized string is the identity. A
/// char that fails is a Traditional → Simplified chain: a rule keyword written with
/// the middle char never matches a message written with the first.
#[test]
fn normalize_char_is_idempotent_on_every_char() {
    let bad: Vec<String> = (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter_map(|c| {
            let n = normalize_char(c)?;
            (normalize_char(n) != Some(n)).then(|| {
                format!(
                    "{c} U+{:04X} → {n} U+{:04X} → {:?}",
                    c as u32,
                    n as u32,
                    normalize_char(n)
                )
            })
        })
        .collect();
    assert!(bad.is_empty(), "{} chars: {}", bad.len(), bad.join(", "));
}

/// The chain the test above found (薴 → 苧 → 苎), as a shop sees it: a 苎麻 (ramie)
/// keyword must hit a buyer's 薴麻.
#[test]
fn a_traditional_variant_reaches_the_simplified_keyword() {
    assert_eq!(normalize("薴"), "苎");
    let engine = Engine::from_yaml_str(
        "shop: {name: s}\nfirst_reply: {greeting: [hi]}\n\
         presale: [{topic: ramie, keywords: [苧麻], reply: [r]}]\n\
         fallback: {reply: [f], handoff_after: 0}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for message in ["这是薴麻的吗", "这是苧麻的吗", "这是苎麻的吗"] {
        let r = engine.reply_at(&mut Session::new("b"), message, noon());
        assert_eq!(r.topic(), Some("ramie"), "{message}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn normalize_is_idempotent(text in any::<String>()) {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once.clone());
        prop_assert!(once.chars().count() <= text.chars().count());
    }

    #[test]
    fn normalize_is_idempotent_on_buyer_like_text(text in "[\\p{Han}a-zA-Z0-9０-９Ａ-Ｚａ-ｚ ，。！？～😭\u{200B}\u{3000}]{0,40}") {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once.clone());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    /// A keyword anywhere in random text, disguised, is hit at exactly its span: among
    /// the hits, or among those reading dropped (the filler may put a negator before
    /// it, or a word it cuts after it).
    #[test]
    fn a_disguised_keyword_is_found_where_it_was_written(
        pick in any::<prop::sample::Index>(),
        before in filler(30),
        after in filler(30),
        d in disguise(),
    ) {
        let f = &*FIXTURE;
        let (keyword, topic) = &f.keywords[pick.index(f.keywords.len())];
        let (written, kept) = disguised(keyword, &d);
        let message = format!("{before}{written}{after}");
        let want = before.len() + kept.start..before.len() + kept.end;
        let r = f.engine.reply_at(&mut Session::new("p"), &message, noon());
        let explained = r.explain();
        let mut hits = r.hits();
        hits.extend(explained.dropped.iter().map(|(h, _)| h.clone()));
        let hit = hits.iter().find(|h| h.keyword == keyword && h.topic == topic);
        prop_assert!(hit.is_some(), "{:?} not found in {:?}; hits {:?}", keyword, message, hits);
        let hit = hit.map(|h| h.span.clone()).unwrap_or_default();
        prop_assert_eq!(&hit, &want, "{:?} in {:?}", keyword, message);
        prop_assert_eq!(normalize(&message[hit]), normalize(keyword));
    }

    /// Every keyword hit, in any text, spans from a kept char to a kept char, and its
    /// text normalizes to exactly the keyword.
    #[test]
    fn every_keyword_hit_maps_back_exactly(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
        gaps in proptest::collection::vec(".{0,6}", 4),
        d in disguise(),
    ) {
        let f = &*FIXTURE;
        let mut message = gaps[0].clone();
        for (i, p) in picks.iter().enumerate() {
            let (keyword, _) = &f.keywords[p.index(f.keywords.len())];
            message.push_str(&disguised(keyword, &d).0);
            message.push_str(&gaps[(i + 1) % gaps.len()]);
        }
        let r = f.engine.reply_at(&mut Session::new("p"), &message, noon());
        prop_assert!(!r.hits().is_empty());
        for h in r.hits().iter().filter(|h| h.kind != HitKind::Pattern) {
            let Some(text) = message.get(h.span.clone()) else {
                return Err(TestCaseError::fail(format!("{:?} is not a char range of {message:?}", h.span)));
            };
            prop_assert_eq!(normalize(text), normalize(h.keyword), "{:?} in {:?}", h, message);
            let first = text.chars().next().and_then(normalize_char);
            let last = text.chars().last().and_then(normalize_char);
            prop_assert!(first.is_some() && last.is_some(), "noise at the edge of {:?} in {:?}", h, message);
        }
    }
}

/// Random buyer-like messages: keywords of the bundled rules, pattern bait (heights,
/// weights, order numbers, sizes) and filler, with noise.
fn message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(|i| FIXTURE.keywords[i.index(FIXTURE.keywords.len())].0.clone()),
        1 => "1[4-8][0-9] ?(cm|厘米)?",
        1 => "[89][0-9]斤",
        1 => "订单号?[:：]? ?[0-9]{12,20}",
        1 => "有[SMLX]{1,3}码吗",
        2 => filler(8),
        1 => ".{0,8}",
    ];
    proptest::collection::vec(piece, 0..5).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// The same message in the same session state gets the same reply, from the same
    /// engine, from a session that went through JSON, and from an engine built again
    /// with the other automaton.
    #[test]
    fn replies_are_deterministic(
        before in proptest::collection::vec(message(), 0..5),
        says in message(),
        gap_minutes in 0u64..90,
    ) {
        let f = &*FIXTURE;
        let mut s = Session::new("buyer-p");
        for m in &before {
            f.engine.reply_at(&mut s, m, noon());
        }
        let now = noon() + Duration::from_secs(gap_minutes * 60);
        let mut a = s.clone();
        let mut b = s.clone();
        let json = serde_json::to_string(&s).unwrap_or_default();
        let mut c: Session = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        let ra = observed(&f.engine.reply_at(&mut a, &says, now));
        let rb = observed(&f.engine.reply_at(&mut b, &says, now));
        let rc = observed(&f.other.reply_at(&mut c, &says, now));
        prop_assert_eq!(&ra, &rb);
        prop_assert_eq!(&ra, &rc, "daachorse vs aho-corasick on {:?}", says);
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &c);
    }
}

/// Rules built to strain every bound of a session: 40 topics with 3 variants each,
/// 40 capture names.
static MANY: LazyLock<Engine> = LazyLock::new(|| {
    let mut nodes = String::new();
    for i in 0..40 {
        nodes.push_str(&format!(
            "  - {{ topic: t{i}, keywords: [k{i}z], patterns: ['q{i}x(?P<c{i}>\\S*)'], reply: [\"a{i} {{c{i}|-}}\", \"b{i}\", \"c{i}\"] }}\n"
        ));
    }
    let yaml = format!(
        "shop: {{ name: s }}\nfirst_reply: {{ greeting: [g1, g2] }}\npresale:\n{nodes}\
         fallback: {{ reply: [f1, f2], handoff_after: 3, handoff_reply: [h1, h2] }}\n"
    );
    Engine::from_yaml_str(&yaml).unwrap_or_else(|e| panic!("{e}"))
});

/// 16 captures of 64 chars of up to 4 bytes (JSON escapes `"` and `\` in 2, and no
/// control char is kept), 4 topics, 32 rotation slots, counters: under 8 KiB with room.
const MAX_SESSION_JSON: usize = 8 * 1024;

fn many_message() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        (0..40u8).prop_map(|i| format!("k{i}z ")),
        ((0..40u8), "[^\\s]{0,100}").prop_map(|(i, v)| format!("q{i}x{v} ")),
        ".{0,20}",
        "\"{0,70}",
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sessions_stay_bounded(
        turns in proptest::collection::vec((many_message(), 0u64..7200), 1..120),
        id in "[a-z0-9-]{1,12}",
    ) {
        let engine = &*MANY;
        let mut s = Session::new(id.clone());
        let mut now = noon();
        for (m, gap) in &turns {
            now += Duration::from_secs(*gap);
            let r = engine.reply_at(&mut s, m, now);
            prop_assert!(!r.text().is_empty());
            let json = serde_json::to_string(&s).unwrap_or_default();
            prop_assert!(json.len() < MAX_SESSION_JSON + id.len(), "{} bytes: {}", json.len(), json);
        }
        prop_assert_eq!(s.turns(), turns.len() as u64);
    }
}
