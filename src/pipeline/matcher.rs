//! All keywords of all nodes in one Aho-Corasick automaton, plus the regex patterns.
//!
//! Keywords are deduplicated: an automaton pattern id indexes a slice of [`Entry`]s
//! (the same keyword may belong to several nodes, as a keyword, whole-message keyword
//! or exclude), to a buyer signal, or to a product's name or alias (an entry of kind
//! `Product`, whose `node` is the product's index). In the daachorse automaton a
//! keyword of one entry carries that entry itself ([`Packed`]), so a hit reads nothing
//! beyond the automaton: at 50,000 keywords that saves two likely cache misses a hit.
//! A scan is one pass over the
//! buyer's text that normalizes each char
//! and feeds the kept ones straight into the automaton: no normalized copy of the
//! message and no offset table are built. A small ring of the last kept chars'
//! original byte spans (as long as the longest keyword) maps each hit back to what the
//! buyer wrote. Then the patterns, over the original text (chat emoticon codes
//! blanked): while a file has at most [`PATTERNS_ONE_BY_ONE`], one Aho-Corasick pass
//! over their prefix literals says which can match and only those run; past that, one
//! `RegexSet` pass. Captures run only for the patterns that matched. A scan never loops
//! over keywords or nodes.
//!
//! The automaton kind is internal: daachorse's charwise double-array automaton by
//! default (the benchmarks in BENCHMARKS.md show why), the `aho-corasick` crate's
//! contiguous NFA as an alternative, kept so the choice stays measured.

use crate::basics::ids::{NodeId, ProductId, TermId};
use crate::basics::normalize::{self, normalize_char};
use crate::basics::text::blank_emoticons;
use crate::pipeline::tree::{Node, ReadingTerm, Signal, TermKind};
use crate::shop::buyers::Signals;
use crate::shop::products::Product;
use aho_corasick::automaton::Automaton as _;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{AhoCorasick, Anchored};
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
    /// The `aho-corasick` crate's contiguous NFA, stepped byte by byte.
    AhoCorasick,
}

/// One node's use of an automaton pattern, or a buyer signal's, or a product's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// What `kind` says it is for: a [`NodeId`]; for [`TermKind::Signal`] the segment's
    /// index (0 for [`TermKind::Anger`]); for [`EntryKind::Product`] a [`ProductId`].
    pub(crate) target: u32,
    /// Index into the node's `terms` (into the rule set's `signals` for a signal, the
    /// product's `terms` for a product).
    pub(crate) term: u32,
    pub(crate) kind: EntryKind,
}

/// What an automaton pattern is to one of its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A node's keyword, whole-message keyword or exclude word, or a buyer signal.
    Term(TermKind),
    /// A product's name or alias.
    Product,
}

/// Every entry kind, numbered by its place: the code a [`Packed`] value stores.
const KINDS: [EntryKind; 11] = [
    EntryKind::Term(TermKind::Contains),
    EntryKind::Term(TermKind::Whole),
    EntryKind::Term(TermKind::Exclude),
    EntryKind::Term(TermKind::Signal),
    EntryKind::Term(TermKind::Anger),
    EntryKind::Product,
    EntryKind::Term(TermKind::Negator),
    EntryKind::Term(TermKind::Word),
    EntryKind::Term(TermKind::Followup),
    EntryKind::Term(TermKind::Slot),
    EntryKind::Term(TermKind::Filler),
];

/// The target of a follow-up phrase of the file (not a node's own).
const NO_NODE: u32 = u32::MAX;

/// A distinct keyword text: its entries and its length in chars.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    entries: (u32, u32),
    chars: u32,
}

/// What the daachorse automaton keeps for a keyword: its one entry and its length,
/// packed, so a hit reads nothing beyond the automaton (the common case: a keyword of
/// one node); else, with the top bit set, its pattern id, to look up in `patterns`.
///
/// Direct layout, low to high: target ([`Packed::TARGET_BITS`]), term
/// ([`Packed::TERM_BITS`]), kind ([`Packed::KIND_BITS`], its place in [`KINDS`]), chars
/// ([`Packed::CHARS_BITS`]), then zeros up to the top bit, which is 0. A keyword of
/// several entries, or whose term index or length does not fit, is stored indirectly:
/// the top bit set and its pattern id below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed(u64);

impl Packed {
    const INDIRECT: u64 = 1 << 63;
    const TARGET_BITS: u32 = 32;
    const TERM_BITS: u32 = 19;
    const KIND_BITS: u32 = 4;
    const CHARS_BITS: u32 = 8;
    const TERM_SHIFT: u32 = Packed::TARGET_BITS;
    const KIND_SHIFT: u32 = Packed::TERM_SHIFT + Packed::TERM_BITS;
    const CHARS_SHIFT: u32 = Packed::KIND_SHIFT + Packed::KIND_BITS;
    const _FITS: () = {
        assert!(Packed::CHARS_SHIFT + Packed::CHARS_BITS < 64);
        assert!(KINDS.len() <= 1 << Packed::KIND_BITS);
    };

    const fn mask(bits: u32) -> u64 {
        (1 << bits) - 1
    }

    fn new(id: usize, p: &Pattern, entries: &[Entry]) -> Packed {
        let indirect = Packed(Packed::INDIRECT | id as u64);
        let [e] = entries else { return indirect };
        let code = KINDS.iter().position(|k| *k == e.kind);
        let fits = u64::from(e.term) <= Packed::mask(Packed::TERM_BITS)
            && u64::from(p.chars) <= Packed::mask(Packed::CHARS_BITS);
        match code {
            Some(code) if fits => Packed(
                u64::from(e.target)
                    | u64::from(e.term) << Packed::TERM_SHIFT
                    | (code as u64) << Packed::KIND_SHIFT
                    | u64::from(p.chars) << Packed::CHARS_SHIFT,
            ),
            _ => indirect,
        }
    }

    /// The one entry and the length in chars, or the pattern id to look up.
    #[inline(always)]
    fn unpack(self) -> Result<(Entry, u32), usize> {
        let v = self.0;
        if v & Packed::INDIRECT != 0 {
            return Err(v as u32 as usize);
        }
        let code = (v >> Packed::KIND_SHIFT) & Packed::mask(Packed::KIND_BITS);
        let entry = Entry {
            target: (v & Packed::mask(Packed::TARGET_BITS)) as u32,
            term: ((v >> Packed::TERM_SHIFT) & Packed::mask(Packed::TERM_BITS)) as u32,
            kind: KINDS
                .get(code as usize)
                .copied()
                .unwrap_or(EntryKind::Product),
        };
        let chars = ((v >> Packed::CHARS_SHIFT) & Packed::mask(Packed::CHARS_BITS)) as u32;
        Ok((entry, chars))
    }
}

// One per engine: the size difference does not matter, an indirection on the hot
// path would.
#[allow(clippy::large_enum_variant)]
enum Automaton {
    None,
    Daachorse(CharwiseDoubleArrayAhoCorasick<Packed>),
    AhoCorasick(NFA),
}

/// What one hit is: a node's keyword (by term) or pattern (by pattern index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Term(TermId),
    Pattern(u32),
}

impl Default for Via {
    fn default() -> Via {
        Via::Term(TermId::default())
    }
}

/// A half-open span of `u32` positions: a `Range` that is `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }
}

/// A hit found by a scan.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RawHit {
    pub(crate) node: NodeId,
    pub(crate) via: Via,
    /// Span in normalized chars (the n-th kept char of the message is position n).
    pub(crate) chars: Span,
    /// Span in the original text (bytes, char boundaries).
    pub(crate) orig: Span,
    /// Whether this is a whole-message keyword hit.
    pub(crate) whole: bool,
}

/// A pattern's capture to store in the session.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    /// Index of the pattern in the matcher's set.
    pub(crate) regex: u32,
    /// Index of the capture group in its regex.
    pub(crate) group: u32,
    /// Byte span of the captured text in the original message.
    pub(crate) span: Range<usize>,
}

/// A slot value found by a scan (`reading.slots`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotHit {
    /// The slot's index in `reading.slots`.
    pub(crate) slot: u32,
    /// Span in normalized chars.
    pub(crate) chars: Span,
    /// Span in the original text (bytes).
    pub(crate) orig: Span,
}

/// A follow-up phrase found by a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FollowupHit {
    /// The node whose own phrase it is; `None` for the file's phrases.
    pub(crate) node: Option<NodeId>,
    /// Its length in chars.
    pub(crate) chars: u32,
}

/// A product name or alias found by a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProductHit {
    pub(crate) product: ProductId,
    /// Span in normalized chars.
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// End in the original text (bytes).
    pub(crate) orig_end: u32,
}

/// Output of one scan; reused from message to message (see `Engine::reply_at`).
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) hits: Vec<RawHit>,
    /// Product names and aliases, in the order they end.
    pub(crate) products: Vec<ProductHit>,
    /// Nodes vetoed by an exclude word (may repeat).
    pub(crate) vetoed: Vec<NodeId>,
    /// The span in normalized chars of each exclude hit of `vetoed`.
    veto_spans: Vec<(u32, u32)>,
    pub(crate) captures: Vec<Capture>,
    /// Normalized chars in the message.
    pub(crate) chars: u32,
    /// What the message says of the buyer: segment signals, anger, question marks.
    pub(crate) signals: Signals,
    /// The message has a `=` or `/` (skipped as noise by normalization): it may hold
    /// an item link. Noted in the same pass, so most messages skip the link regex.
    pub(crate) link_marks: bool,
    /// Every occurrence of a `whole:` keyword (reading decides whether they make the
    /// whole message).
    pub(crate) wholes: Vec<RawHit>,
    /// Negators, in the order they end.
    pub(crate) negators: Vec<NegatorHit>,
    /// Protected words (`reading.words`; reading adds the question frames), as spans
    /// in chars, in the order they end.
    pub(crate) words: Vec<(u32, u32)>,
    /// Follow-up phrases, in the order they end.
    pub(crate) followups: Vec<FollowupHit>,
    /// Slot values, in the order they end.
    pub(crate) slots: Vec<SlotHit>,
    /// Clause breaks: the positions (in kept chars) before which a space or a
    /// punctuation mark was skipped.
    pub(crate) breaks: Vec<u32>,
    /// How many of `hits` the automaton found: they come first, in the order they end
    /// (patterns' hits follow them).
    pub(crate) term_hits: usize,
    /// The first and last kept chars (normalized).
    pub(crate) first: Option<char>,
    pub(crate) last: Option<char>,
    /// ASCII letters and digits among the kept chars (links, order cards, sizes).
    pub(crate) ascii: u32,
    /// Kept chars that are fillers (`reading.fillers`), each counted once, and where
    /// the last filler ended.
    pub(crate) fillers: u32,
    filler_end: u32,
    /// A buffer reading reuses for the positions of 吗 (in kept chars).
    pub(crate) questions: Vec<u32>,
    /// A buffer reading reuses: the hits it drops (index, and the span that drops it).
    pub(crate) marks: Vec<(u32, u32, u32)>,
    /// Original byte span of the last kept chars, by char position modulo its length.
    ring: Vec<(u32, u32)>,
    /// Which patterns the literal gate lets through (one flag per pattern).
    candidates: Vec<bool>,
}

impl Scan {
    /// The product named last: the alias hit ending last in the original text (the
    /// longer of two ending together), as (byte end, chars, product index).
    pub(crate) fn last_product(&self) -> Option<(u32, u32, ProductId)> {
        self.products
            .iter()
            .map(|p| (p.orig_end, p.end - p.start, p.product))
            .max_by_key(|&(end, len, _)| (end, len))
    }

    /// Whether the message is framed as a follow-up: it begins with 那 or ends with 呢.
    pub(crate) fn framed(&self) -> bool {
        self.first == Some('那') || self.last == Some('呢')
    }

    fn clear(&mut self) {
        self.hits.clear();
        self.products.clear();
        self.vetoed.clear();
        self.veto_spans.clear();
        self.captures.clear();
        self.chars = 0;
        self.signals = Signals::default();
        self.link_marks = false;
        self.wholes.clear();
        self.negators.clear();
        self.words.clear();
        self.followups.clear();
        self.slots.clear();
        self.breaks.clear();
        self.term_hits = 0;
        self.fillers = 0;
        self.filler_end = 0;
        self.first = None;
        self.last = None;
        self.ascii = 0;
    }
}

/// What the chars the normalizer skips tell: the longest run of question marks (`?`,
/// `？`, spaces between them allowed) and whether a `=` or `/` (an item link's) was
/// among them. Fed every skipped char, it costs a comparison or two.
#[derive(Default)]
struct Skipped {
    run: u32,
    longest: u32,
    link_marks: bool,
    /// Kept chars so far at the last clause break noted.
    last_break: Option<u32>,
}

impl Skipped {
    /// Notes a skipped char `c` after `kept` kept chars: question marks, link marks,
    /// and a clause break (spaces and punctuation end a clause for negation).
    #[inline(always)]
    fn skipped(&mut self, c: char, kept: u32, breaks: &mut Vec<u32>) {
        if c == '?' || c == '？' {
            self.run += 1;
            self.longest = self.longest.max(self.run);
        } else if !c.is_whitespace() {
            self.run = 0;
            self.link_marks |= c == '=' || c == '/';
        }
        if kept > 0 && self.last_break != Some(kept) && is_clause_break(c) {
            self.last_break = Some(kept);
            breaks.push(kept);
        }
    }
}

/// Spaces and the punctuation that ends a clause (not a symbol or an emoji).
#[inline]
fn is_clause_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | '.'
                | '!'
                | '?'
                | ';'
                | ':'
                | '，'
                | '。'
                | '！'
                | '？'
                | '；'
                | '：'
                | '、'
                | '…'
                | '~'
                | '～'
        )
}

/// One pass over a message: normalizes each char (skipping chat emoticon codes such as
/// `#E-s05`, as the normalizer skips emoji), notes `?` runs and link marks among the
/// skipped ones, and records each kept char's original byte span in `ring` (by position modulo
/// its length).
struct Walk<'a> {
    text: &'a str,
    ring: &'a mut [(u32, u32)],
    mask: usize,
    skipped: &'a mut Skipped,
    breaks: &'a mut Vec<u32>,
    /// ASCII chars kept.
    ascii: u32,
}

impl Walk<'_> {
    /// Hands `step` each kept char (normalized), the number of kept chars so far and
    /// the ring; returns the number of kept chars.
    #[inline(always)]
    fn kept(&mut self, mut step: impl FnMut(char, u32, &[(u32, u32)])) -> u32 {
        let mut chars: u32 = 0;
        // A chat emoticon code is skipped whole (好的#E-s05 says 好的).
        for (pos, c, k) in normalize::chars(self.text) {
            let Some(k) = k else {
                self.skipped.skipped(c, chars, self.breaks);
                continue;
            };
            self.skipped.run = 0;
            self.ring[chars as usize & self.mask] = (pos as u32, (pos + c.len_utf8()) as u32);
            chars += 1;
            self.ascii += u32::from(k.is_ascii());
            step(k, chars, self.ring);
        }
        chars
    }
}

/// A negator's span in chars and in the original text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NegatorHit {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) orig: Span,
}

/// Up to this many patterns, each runs on its own behind the literal [`Gate`]; past
/// it, one `RegexSet` pass. A set of a few dozen patterns over Chinese text (classes of
/// any char, `[^，。]{0,10}`) makes a lazy DFA whose states no cache holds: on the
/// bundled file's 54 patterns a reply cost 90,600 instructions through the set (8 MiB
/// cache; 44,200 with 32 MiB), 35,800 with each pattern on its own (54 prefilter scans
/// of the message) and 22,600 behind the gate (callgrind, `KEFU_BENCH_PROFILE=apparel`).
/// Past a few hundred patterns, running the candidates one by one would cost more than
/// the set.
pub(crate) const PATTERNS_ONE_BY_ONE: usize = 256;

/// The lazy DFA's cache for the pattern set, per thread that replies (8 MiB; the
/// default 2 MiB thrashes sooner).
const PATTERN_SET_DFA_BYTES: usize = 8 << 20;

const TOO_MANY: &str = "more nodes, terms or products than kefu can number (2^32)";

pub(crate) struct Matcher {
    automaton: Automaton,
    /// automaton pattern id → its entries and length
    patterns: Vec<Pattern>,
    entries: Vec<Entry>,
    /// A power of two at least as long as the longest keyword, in chars.
    ring_len: usize,
    regex_set: Option<RegexSet>,
    /// Patterns asked one by one: which may match this message at all.
    gate: Option<Gate>,
    /// regex index in the set → (node, pattern index within the node)
    regex_owner: Vec<(NodeId, u32)>,
    keyword_count: usize,
}

/// The literals a pattern's matches must begin with (its prefixes, as
/// `regex-syntax` extracts them), for every pattern that has a finite set of non-empty
/// ones, in one Aho-Corasick automaton: one pass over the message says which patterns
/// can match at all, and only those run. Sound: a match begins with one of its
/// pattern's prefixes, so a pattern none of whose prefixes occurs cannot match.
struct Gate {
    /// Over every gated pattern's prefixes; `None` when no pattern has any.
    literals: Option<AhoCorasick>,
    /// Literal id → the pattern (regex index) it gates.
    owner: Vec<u32>,
    /// Patterns without a usable prefix set (`^|[^Ａ]…`, a class of any char first):
    /// they always run.
    always: Vec<u32>,
}

/// Most prefixes kept for one pattern; a pattern with more always runs.
const GATE_LITERALS: usize = 64;

impl Gate {
    fn new(sources: &[&str]) -> Result<Gate, String> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        let mut always = Vec::new();
        for (i, src) in sources.iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| TOO_MANY.to_owned())?;
            let prefixes = regex_syntax::Parser::new()
                .parse(src)
                .ok()
                .map(|hir| Extractor::new().kind(ExtractKind::Prefix).extract(&hir));
            let usable = prefixes.as_ref().and_then(|seq| {
                let l = seq.literals()?;
                let fine = !l.is_empty()
                    && l.len() <= GATE_LITERALS
                    && l.iter().all(|x| !x.as_bytes().is_empty());
                fine.then_some(l)
            });
            match usable {
                Some(l) => {
                    for x in l {
                        lits.push(x.as_bytes().to_vec());
                        owner.push(i);
                    }
                }
                None => always.push(i),
            }
        }
        let literals = if lits.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::Standard)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(&lits)
                    .map_err(|e| format!("cannot build the patterns' literal gate: {e}"))?,
            )
        };
        Ok(Gate {
            literals,
            owner,
            always,
        })
    }

    /// Marks in `candidates` (one flag per pattern, all false) the patterns that may
    /// match `text`.
    fn mark(&self, text: &str, candidates: &mut [bool]) {
        for &i in &self.always {
            if let Some(c) = candidates.get_mut(i as usize) {
                *c = true;
            }
        }
        let Some(ac) = &self.literals else { return };
        for m in ac.find_overlapping_iter(text) {
            let gated = self.owner.get(m.pattern().as_usize());
            if let Some(c) = gated.and_then(|&i| candidates.get_mut(i as usize)) {
                *c = true;
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.literals.as_ref().map_or(0, AhoCorasick::memory_usage)
            + (self.owner.capacity() + self.always.capacity()) * std::mem::size_of::<u32>()
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("patterns", &self.patterns.len())
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Matcher {
    /// Compiles the nodes' keywords and patterns, the buyer signals and the products'
    /// names and aliases into one automaton. Fails only on automaton size limits.
    pub(crate) fn new(
        nodes: &[Node],
        signals: &[Signal],
        products: &[Product],
        reading: &[ReadingTerm],
        kind: MatcherKind,
    ) -> Result<Matcher, String> {
        let index = |i: usize| u32::try_from(i).map_err(|_| TOO_MANY.to_owned());
        // Group entries by distinct normalized text, in first-seen order.
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut per_text: Vec<Vec<Entry>> = Vec::new();
        let mut add = |text, entry| {
            let id = *ids.entry(text).or_insert_with(|| {
                texts.push(text);
                per_text.push(Vec::new());
                texts.len() - 1
            });
            per_text[id].push(entry);
        };
        let mut keyword_count = 0;
        for (ni, n) in nodes.iter().enumerate() {
            for (ti, t) in n.terms.iter().enumerate() {
                keyword_count += 1;
                let (target, term) = (index(ni)?, index(ti)?);
                let kind = EntryKind::Term(t.kind);
                add(t.text.as_str(), Entry { target, term, kind });
            }
        }
        for (si, sig) in signals.iter().enumerate() {
            let t = &sig.term;
            let target = sig.segment.map_or(0, |g| u32::from(g.raw()));
            let (term, kind) = (index(si)?, EntryKind::Term(t.kind));
            add(t.text.as_str(), Entry { target, term, kind });
        }
        for (ri, r) in reading.iter().enumerate() {
            let t = &r.term;
            let target = if t.kind == TermKind::Followup {
                NO_NODE
            } else {
                r.slot
            };
            let (term, kind) = (index(ri)?, EntryKind::Term(t.kind));
            add(t.text.as_str(), Entry { target, term, kind });
        }
        for (pi, p) in products.iter().enumerate() {
            for (ti, t) in p.terms.iter().enumerate() {
                let (target, term) = (index(pi)?, index(ti)?);
                let kind = EntryKind::Product;
                add(t.as_str(), Entry { target, term, kind });
            }
        }
        let mut patterns = Vec::with_capacity(per_text.len());
        let mut entries = Vec::with_capacity(per_text.iter().map(Vec::len).sum());
        let mut longest = 1;
        for (list, text) in per_text.into_iter().zip(&texts) {
            let start = entries.len() as u32;
            entries.extend(list);
            let chars = text.chars().count();
            longest = longest.max(chars);
            patterns.push(Pattern {
                entries: (start, entries.len() as u32),
                chars: chars as u32,
            });
        }
        let automaton = if texts.is_empty() {
            Automaton::None
        } else {
            match kind {
                MatcherKind::Daachorse => {
                    let packed = patterns.iter().enumerate().map(|(i, p)| {
                        let (a, b) = p.entries;
                        let list = entries.get(a as usize..b as usize).unwrap_or(&[]);
                        Packed::new(i, p, list)
                    });
                    Automaton::Daachorse(
                        CharwiseDoubleArrayAhoCorasickBuilder::new()
                            .build_with_values(texts.iter().copied().zip(packed))
                            .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
                    )
                }
                MatcherKind::AhoCorasick => Automaton::AhoCorasick(
                    NFA::new(&texts)
                        .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
                ),
            }
        };

        let mut sources = Vec::new();
        let mut regex_owner = Vec::new();
        for (ni, n) in nodes.iter().enumerate() {
            for (pi, p) in n.patterns.iter().enumerate() {
                sources.push(p.regex.as_str());
                regex_owner.push((NodeId::new(ni).ok_or(TOO_MANY)?, index(pi)?));
            }
        }
        let gate = if sources.is_empty() || sources.len() > PATTERNS_ONE_BY_ONE {
            None
        } else {
            Some(Gate::new(&sources)?)
        };
        let regex_set = if sources.len() <= PATTERNS_ONE_BY_ONE {
            None
        } else {
            Some(
                regex::RegexSetBuilder::new(&sources)
                    .dfa_size_limit(PATTERN_SET_DFA_BYTES)
                    .build()
                    .map_err(|e| format!("cannot build the pattern set: {e}"))?,
            )
        };
        Ok(Matcher {
            automaton,
            patterns,
            entries,
            ring_len: longest.next_power_of_two(),
            regex_set,
            gate,
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
            + self.patterns.capacity() * std::mem::size_of::<Pattern>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.regex_owner.capacity() * std::mem::size_of::<(NodeId, u32)>()
            + self.gate.as_ref().map_or(0, Gate::heap_bytes)
    }

    /// Finds every keyword, whole-message keyword, exclude and pattern hit in `text`
    /// (shorter than 4 GiB: the engine truncates long messages far below that).
    pub(crate) fn scan(&self, nodes: &[Node], text: &str, out: &mut Scan) {
        out.clear();
        let mut ring = std::mem::take(&mut out.ring);
        ring.resize(self.ring_len, (0, 0));
        let mask = self.ring_len - 1;
        // Feeds each kept char to `step`, which reports the automaton's patterns that
        // end at it; records the hits.
        let record = |out: &mut Scan, e: &Entry, start: u32, end: u32, orig: Span| match e.kind {
            EntryKind::Term(TermKind::Exclude) => {
                out.vetoed.push(NodeId::from_raw(e.target));
                out.veto_spans.push((start, end));
            }
            EntryKind::Term(TermKind::Signal) => {
                out.signals.segments |= 1u8.checked_shl(e.target).unwrap_or(0)
            }
            EntryKind::Term(TermKind::Anger) => out.signals.anger = true,
            EntryKind::Term(TermKind::Negator) => {
                out.negators.push(NegatorHit { start, end, orig })
            }
            EntryKind::Term(TermKind::Word) => out.words.push((start, end)),
            EntryKind::Term(TermKind::Followup) => out.followups.push(FollowupHit {
                node: (e.target != NO_NODE).then_some(NodeId::from_raw(e.target)),
                chars: end - start,
            }),
            // Fillers end in order; one overlapping the last counts only past its end.
            EntryKind::Term(TermKind::Filler) => {
                let from = start.max(out.filler_end);
                out.fillers += end.saturating_sub(from);
                out.filler_end = out.filler_end.max(end);
            }
            EntryKind::Term(TermKind::Slot) => out.slots.push(SlotHit {
                slot: e.target,
                chars: Span::new(start, end),
                orig,
            }),
            EntryKind::Term(TermKind::Whole) => out.wholes.push(RawHit {
                node: NodeId::from_raw(e.target),
                via: Via::Term(TermId::from_raw(e.term)),
                chars: Span::new(start, end),
                orig,
                whole: true,
            }),
            EntryKind::Term(_) => out.hits.push(RawHit {
                node: NodeId::from_raw(e.target),
                via: Via::Term(TermId::from_raw(e.term)),
                chars: Span::new(start, end),
                orig,
                whole: false,
            }),
            EntryKind::Product => out.products.push(ProductHit {
                product: ProductId::from_raw(e.target),
                start,
                end,
                orig_end: orig.end,
            }),
        };
        // The span of a keyword of `chars` chars ending at `end`, and its original span.
        let spans = |ring: &[(u32, u32)], chars: u32, end: u32| {
            let start = end.saturating_sub(chars);
            let orig = Span::new(
                ring[start as usize & mask].0,
                ring[(end as usize).wrapping_sub(1) & mask].1,
            );
            (start, orig)
        };
        let on_match = |out: &mut Scan, ring: &[(u32, u32)], id: usize, end: u32| {
            let Some(p) = self.patterns.get(id) else {
                return;
            };
            let (start, orig) = spans(ring, p.chars, end);
            let (a, b) = p.entries;
            for e in self.entries.get(a as usize..b as usize).unwrap_or(&[]) {
                record(out, e, start, end, orig);
            }
        };
        let mut skipped = Skipped::default();
        let mut breaks = std::mem::take(&mut out.breaks);
        let mut walk = Walk {
            text,
            ring: &mut ring,
            mask,
            skipped: &mut skipped,
            breaks: &mut breaks,
            ascii: 0,
        };
        let chars = match &self.automaton {
            Automaton::Daachorse(d) => {
                let mut stepper = d.find_overlapping_stepper();
                walk.kept(|k, chars, ring| {
                    stepper.consume(k);
                    for m in stepper.matches() {
                        match m.value().unpack() {
                            Ok((e, len)) => {
                                let (start, orig) = spans(ring, len, chars);
                                record(out, &e, start, chars, orig);
                            }
                            Err(id) => on_match(out, ring, id, chars),
                        }
                    }
                })
            }
            Automaton::AhoCorasick(nfa) => match nfa.start_state(Anchored::No) {
                Ok(mut sid) => {
                    let mut buf = [0u8; 4];
                    walk.kept(|k, chars, ring| {
                        let bytes = k.encode_utf8(&mut buf).as_bytes();
                        let last = bytes.len() - 1;
                        for (i, &b) in bytes.iter().enumerate() {
                            sid = nfa.next_state(Anchored::No, sid, b);
                            // A keyword can only end on a char's last byte.
                            if i == last && nfa.is_match(sid) {
                                for j in 0..nfa.match_len(sid) {
                                    let id = nfa.match_pattern(sid, j).as_usize();
                                    on_match(out, ring, id, chars);
                                }
                            }
                        }
                    })
                }
                Err(_) => walk.kept(|_, _, _| {}),
            },
            Automaton::None => walk.kept(|_, _, _| {}),
        };
        out.ascii = walk.ascii;
        out.ring = ring;
        out.breaks = breaks;
        out.chars = chars;
        // The first and last kept chars, from the ring where it still holds them.
        let kept_at = |i: u32| {
            let (a, b) = out.ring.get(i as usize & mask).copied()?;
            let c = text.get(a as usize..b as usize)?.chars().next()?;
            normalize_char(c)
        };
        out.last = chars.checked_sub(1).and_then(kept_at);
        out.first = if chars as usize <= out.ring.len() {
            (chars > 0).then(|| kept_at(0)).flatten()
        } else {
            normalize::chars(text).find_map(|(_, _, k)| k)
        };
        out.signals.question_marks = skipped.longest;
        out.link_marks = skipped.link_marks;
        // A keyword (or exclude word) inside a product's name is part of the name: 羊毛
        // in 羊毛大衣 is not a question about wool.
        if !out.products.is_empty() {
            let Scan {
                hits,
                products,
                vetoed,
                veto_spans,
                negators,
                slots,
                ..
            } = out;
            let inside = |start: u32, end: u32| {
                products
                    .iter()
                    .any(|p| p.start <= start && end <= p.end && end - start < p.end - p.start)
            };
            hits.retain(|h| !inside(h.chars.start, h.chars.end));
            let mut spans = veto_spans.iter();
            vetoed.retain(|_| spans.next().is_none_or(|&(s, e)| !inside(s, e)));
            // A negator or a slot value inside a name is part of the name too.
            negators.retain(|n| !inside(n.start, n.end));
            slots.retain(|v| !inside(v.chars.start, v.chars.end));
        }
        out.term_hits = out.hits.len();

        if self.regex_owner.is_empty() {
            return;
        }
        // Chat emoticon codes (#E-s05; logs write #E-s<num>) are pictures, not text: a
        // pattern does not read the s of one as a size. Blanked byte for byte, so spans
        // hold.
        let blanked = blank_emoticons(text);
        let text = blanked.as_deref().unwrap_or(text);
        // Which patterns matched: each asked on its own, or the set asked once (most
        // messages match no pattern; `is_match` stops early and skips the costlier
        // overlapping search for them).
        let matched = match &self.regex_set {
            Some(set) if !set.is_match(text) => return,
            Some(set) => Some(set.matches(text)),
            None => None,
        };
        let mut candidates = std::mem::take(&mut out.candidates);
        candidates.clear();
        candidates.resize(self.regex_owner.len(), false);
        if let Some(gate) = &self.gate {
            gate.mark(text, &mut candidates);
        }
        for (i, &(node, pi)) in self.regex_owner.iter().enumerate() {
            let may = match &matched {
                Some(m) => m.matched(i),
                None => candidates.get(i).copied().unwrap_or(true),
            };
            if !may {
                continue;
            }
            let Some(p) = nodes
                .get(node.index())
                .and_then(|n| n.patterns.get(pi as usize))
            else {
                continue;
            };
            let Some(caps) = p.regex.captures(text) else {
                continue;
            };
            let Some(m) = caps.get(0) else { continue };
            let kept = |s: &str| s.chars().filter_map(normalize_char).count() as u32;
            let start = kept(text.get(..m.start()).unwrap_or(""));
            out.hits.push(RawHit {
                node,
                via: Via::Pattern(pi),
                chars: Span::new(start, start + kept(m.as_str())),
                orig: Span::new(m.start() as u32, m.end() as u32),
                whole: false,
            });
            for (group, c) in caps.iter().enumerate().skip(1) {
                if let Some(c) = c {
                    out.captures.push(Capture {
                        regex: i as u32,
                        group: group as u32,
                        span: c.range(),
                    });
                }
            }
        }
        out.candidates = candidates;
    }

    /// The name of a capture's group, if it has one.
    pub(crate) fn capture_name<'n>(&self, nodes: &'n [Node], c: &Capture) -> Option<&'n str> {
        let &(node, pi) = self.regex_owner.get(c.regex as usize)?;
        let p = nodes.get(node.index())?.patterns.get(pi as usize)?;
        p.regex.capture_names().nth(c.group as usize).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::ids::SegmentId;
    use crate::basics::section::Section;
    use crate::pipeline::tree::Term;

    fn node(topic: &str, terms: &[(&str, TermKind)]) -> Node {
        Node {
            key: 0,
            topic: topic.into(),
            name: topic.into(),
            section: Section::Presale,
            parent: None,
            priority: 0,
            handoff: false,
            terms: terms
                .iter()
                .map(|(t, k)| Term {
                    text: crate::basics::normalize::normalize(t),
                    source: (*t).into(),
                    kind: *k,
                    location: None,
                })
                .collect(),
            patterns: vec![],
            reply: vec![],
            location: None,
            path: String::new(),
            negation: true,
            opening: crate::pipeline::tree::Opening::Greeting,
            questions_only: false,
        }
    }

    fn scan(kind: MatcherKind, nodes: &[Node], text: &str) -> Scan {
        let m = Matcher::new(nodes, &[], &[], &[], kind).unwrap();
        let mut s = Scan::default();
        m.scan(nodes, text, &mut s);
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
                .map(|h| {
                    (
                        h.node.raw(),
                        &"退 貨運費谁出？"[h.orig.start as usize..h.orig.end as usize],
                    )
                })
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
    fn packed_values_round_trip_or_fall_back_to_the_pattern_table() {
        let kinds = KINDS;
        let pattern = |chars| Pattern {
            entries: (0, 1),
            chars,
        };
        for kind in kinds {
            for (node, term, chars) in [
                (0, 0, 1),
                (u32::MAX, (1 << Packed::TERM_BITS) - 1, 255),
                (7, 3, 64),
            ] {
                let e = Entry {
                    target: node,
                    term,
                    kind,
                };
                let (got, len) = Packed::new(9, &pattern(chars), &[e])
                    .unpack()
                    .expect("fits");
                assert_eq!(
                    (got.target, got.term, got.kind, len),
                    (node, term, kind, chars)
                );
            }
        }
        let e = Entry {
            target: 1,
            term: 2,
            kind: EntryKind::Product,
        };
        let big_term = Entry {
            term: 1 << Packed::TERM_BITS,
            ..e
        };
        for (p, list) in [
            (pattern(2), &[e, e][..]),
            (pattern(256), &[e][..]),
            (pattern(2), &[big_term][..]),
            (pattern(2), &[][..]),
        ] {
            assert_eq!(Packed::new(9, &p, list).unpack().err(), Some(9));
        }
    }

    #[test]
    fn a_keyword_too_long_to_pack_still_hits() {
        let long = "好".repeat(300);
        let nodes = vec![node("long", &[(long.as_str(), TermKind::Contains)])];
        let text = format!("亲{long}吗");
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let s = scan(kind, &nodes, &text);
            let got: Vec<(u32, u32, u32)> = s
                .hits
                .iter()
                .map(|h| (h.chars.start, h.chars.end, h.orig.start))
                .collect();
            assert_eq!(got, vec![(1, 301, 3)], "{kind:?}");
        }
    }

    #[test]
    fn spans_map_back_to_what_the_buyer_wrote() {
        let nodes = vec![
            node("ret", &[("退货", TermKind::Contains)]),
            node("size", &[("xl", TermKind::Contains)]),
        ];
        let text = "亲，ＸＬ 退 貨😭了";
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let s = scan(kind, &nodes, text);
            let mut got: Vec<(&str, Range<u32>)> = s
                .hits
                .iter()
                .map(|h| {
                    (
                        &text[h.orig.start as usize..h.orig.end as usize],
                        h.chars.start..h.chars.end,
                    )
                })
                .collect();
            got.sort_by_key(|g| g.1.start);
            // Normalized: 亲 x l 退 货 了 — char positions 0..6.
            assert_eq!(got, vec![("ＸＬ", 1..3), ("退 貨", 3..5)], "{kind:?}");
            assert_eq!(s.chars, 6);
        }
    }

    #[test]
    fn keywords_longer_than_the_ring_of_a_short_set_still_map() {
        // The ring is sized by the longest keyword: a 9-char keyword after many chars.
        let nodes = vec![node("long", &[("一二三四五六七八九", TermKind::Contains)])];
        let text = format!("{}一二三四五六七八九", "啊".repeat(100));
        let s = scan(MatcherKind::Daachorse, &nodes, &text);
        let h = &s.hits[0];
        assert_eq!(
            &text[h.orig.start as usize..h.orig.end as usize],
            "一二三四五六七八九"
        );
        assert_eq!(h.chars, Span::new(100, 109));
    }

    #[test]
    fn whole_keywords_are_noted_wherever_they_are_for_reading_to_decide() {
        // Whether they make the whole message is reading's call (small talk as a
        // whole); the scan notes every occurrence and hits none.
        let nodes = vec![node("hi", &[("在吗", TermKind::Whole)])];
        for (text, wholes) in [
            ("在吗？？", vec![(0, 2)]),
            ("在吗 有货吗", vec![(0, 2)]),
            ("有货", vec![]),
        ] {
            let s = scan(MatcherKind::Daachorse, &nodes, text);
            assert!(s.hits.is_empty(), "{text}");
            let got: Vec<(u32, u32)> = s
                .wholes
                .iter()
                .map(|h| (h.chars.start, h.chars.end))
                .collect();
            assert_eq!(got, wholes, "{text}");
        }
    }

    #[test]
    fn the_scan_notes_clause_breaks_the_frame_and_ascii_chars() {
        let s = scan(MatcherKind::Daachorse, &[], "那，白色 呢？165");
        // 那|白色|呢165: breaks before kept char 1 (，) and 3 (space); ？ is before 1 too.
        assert_eq!(s.breaks, vec![1, 3, 4]);
        assert_eq!((s.first, s.last, s.ascii), (Some('那'), Some('5'), 3));
        assert!(s.framed());
        let plain = scan(MatcherKind::Daachorse, &[], "白色有货吗");
        assert!(plain.breaks.is_empty() && !plain.framed());
    }

    #[test]
    fn excludes_veto() {
        let nodes = vec![node(
            "ret",
            &[("退货", TermKind::Contains), ("不想退", TermKind::Exclude)],
        )];
        let s = scan(MatcherKind::Daachorse, &nodes, "我不想退货了");
        assert_eq!(s.vetoed, vec![NodeId::from_raw(0)]);
    }

    #[test]
    fn signals_are_found_in_the_same_scan_with_question_mark_runs() {
        let nodes = vec![node("ret", &[("退货", TermKind::Contains)])];
        let sig = |text: &str, segment: Option<u8>, kind: TermKind| Signal {
            term: Term {
                text: text.into(),
                source: text.into(),
                kind,
                location: None,
            },
            segment: segment.map(SegmentId::from_raw),
        };
        let signals = vec![
            sig("便宜", Some(0), TermKind::Signal),
            sig("退货", Some(2), TermKind::Signal),
            sig("骗子", None, TermKind::Anger),
        ];
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let m = Matcher::new(&nodes, &signals, &[], &[], kind).unwrap();
            let mut s = Scan::default();
            m.scan(&nodes, "便 宜点 退貨？？ ？", &mut s);
            // The shared keyword 退货 hits its node and signals segment 2.
            assert_eq!(s.hits.len(), 1, "{kind:?}");
            assert_eq!(s.signals.segments, 0b101, "{kind:?}");
            assert!(!s.signals.anger);
            assert_eq!(s.signals.question_marks, 3, "{kind:?}");
            m.scan(&nodes, "骗子?！?", &mut s);
            assert_eq!((s.signals.anger, s.signals.question_marks), (true, 1));
            assert_eq!(s.signals.segments, 0, "cleared between scans");
        }
        // No automaton at all: question marks are still counted.
        let m = Matcher::new(&[], &[], &[], &[], MatcherKind::Daachorse).unwrap();
        let mut s = Scan::default();
        m.scan(&[], "???", &mut s);
        assert_eq!(s.signals.question_marks, 3);
    }

    #[test]
    fn product_aliases_are_found_in_the_same_pass_and_hide_keywords_inside_them() {
        let nodes = vec![
            node(
                "material",
                &[("羊毛", TermKind::Contains), ("面料", TermKind::Contains)],
            ),
            node("coat", &[("大衣", TermKind::Contains)]),
        ];
        let products = vec![
            Product {
                terms: vec!["羊毛大衣".into(), "大衣".into()],
                ..Product::default()
            },
            Product {
                terms: vec!["毛呢外套".into()],
                ..Product::default()
            },
        ];
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let m = Matcher::new(&nodes, &[], &products, &[], kind).unwrap();
            let mut s = Scan::default();
            let text = "这件羊毛 大衣什么面料";
            m.scan(&nodes, text, &mut s);
            let topics: Vec<&str> = s
                .hits
                .iter()
                .map(|h| nodes[h.node.index()].topic.as_str())
                .collect();
            // 羊毛 and 大衣 are inside the product's name 羊毛大衣.
            assert_eq!(topics, vec!["material"], "{kind:?}");
            let (end, chars, product) = s.last_product().unwrap();
            assert_eq!(
                (&text[..end as usize], chars, product),
                ("这件羊毛 大衣", 4, ProductId::from_raw(0))
            );
            // 大衣 alone is an alias and a node's keyword: it counts for both.
            m.scan(&nodes, "大衣什么面料", &mut s);
            assert_eq!(s.hits.len(), 2, "{kind:?}");
            assert_eq!(s.last_product().map(|p| p.2), Some(ProductId::from_raw(0)));
            m.scan(&nodes, "羊毛大衣和毛呢外套哪个好", &mut s);
            assert_eq!(
                s.last_product().map(|p| p.2),
                Some(ProductId::from_raw(1)),
                "{kind:?}"
            );
            assert!(!s.link_marks);
            m.scan(&nodes, "羊毛的 item.htm?id=1", &mut s);
            assert!(s.last_product().is_none());
            assert!(s.link_marks);
            assert_eq!(s.hits.len(), 1);
        }
    }

    #[test]
    fn an_exclude_word_inside_a_product_name_vetoes_nothing() {
        // 不褪色 excludes 褪色 from the quality node, but 不褪色T恤 is a product's name.
        let nodes = vec![node(
            "quality",
            &[("褪色", TermKind::Contains), ("不褪色", TermKind::Exclude)],
        )];
        let products = vec![Product {
            terms: vec![crate::basics::normalize::normalize("不褪色T恤")],
            ..Product::default()
        }];
        for kind in [MatcherKind::Daachorse, MatcherKind::AhoCorasick] {
            let m = Matcher::new(&nodes, &[], &products, &[], kind).unwrap();
            let mut s = Scan::default();
            m.scan(&nodes, "不褪色T恤洗了会褪色吗", &mut s);
            assert!(s.vetoed.is_empty(), "{kind:?}");
            assert_eq!(s.hits.len(), 1, "the second 褪色 counts: {kind:?}");
            m.scan(&nodes, "这件不褪色吧", &mut s);
            assert_eq!(
                s.vetoed,
                vec![NodeId::from_raw(0)],
                "outside a name it still vetoes: {kind:?}"
            );
        }
    }

    /// The literal gate only skips patterns that cannot match: on every pattern of the
    /// bundled rules, over the labelled messages, tricky strings and (when present) the
    /// real corpus, a pattern that matches a message was let through for it.
    #[test]
    fn the_literal_gate_lets_through_every_pattern_that_matches() {
        let yaml = include_str!("../../rules/apparel.yaml");
        let rules = match crate::rules::load(yaml, None, &crate::basics::limits::Limits::default())
        {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let regexes: Vec<&regex::Regex> = rules
            .nodes
            .iter()
            .flat_map(|n| n.patterns.iter().map(|p| &p.regex))
            .collect();
        let sources: Vec<&str> = regexes.iter().map(|r| r.as_str()).collect();
        let gate = match Gate::new(&sources) {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        assert!(
            gate.always.len() * 4 < sources.len(),
            "most patterns are gated: {} of {} always run",
            gate.always.len(),
            sources.len()
        );
        let labelled = include_str!("../../tests/fixtures/labelled/messages.tsv");
        let corpus = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/customer_messages.txt"
        ))
        .unwrap_or_else(|_| {
            eprintln!("SKIPPED the corpus part: ../shared/corpus/customer_messages.txt is absent");
            String::new()
        });
        let tricky = [
            "那L呢",
            "穿XL可以吗",
            "ＸＬ码有吗",
            "165 110斤",
            "一米六五",
            "满300减40",
            "发票寄到哪",
            "地址填错了",
            "退货运费谁出",
            "没收到就签收了",
            "ſ码",
            "Ｓ码",
            "2xl",
            "改成M码",
        ];
        let messages = labelled
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(_, m)| m))
            .chain(corpus.lines())
            .chain(tricky);
        let mut checked = 0;
        for m in messages {
            let mut candidates = vec![false; sources.len()];
            gate.mark(m, &mut candidates);
            for (i, r) in regexes.iter().enumerate() {
                if r.is_match(m) {
                    checked += 1;
                    assert!(
                        candidates[i],
                        "{m:?} matches {} but the gate skipped it",
                        r.as_str()
                    );
                }
            }
        }
        assert!(checked > 100, "only {checked} matches checked");
    }

    /// Behind the gate or through one `RegexSet` pass, the same pattern hits and
    /// captures, on the bundled rules over the labelled messages.
    #[test]
    fn patterns_one_by_one_find_what_the_set_finds() {
        let yaml = include_str!("../../rules/apparel.yaml");
        let Ok(rules) = crate::rules::load(yaml, None, &crate::basics::limits::Limits::default())
        else {
            panic!("rules/apparel.yaml does not load");
        };
        let nodes = &rules.nodes;
        let gated = Matcher::new(nodes, &[], &[], &[], MatcherKind::Daachorse).unwrap();
        assert!(gated.gate.is_some() && gated.regex_set.is_none());
        let mut set = Matcher::new(nodes, &[], &[], &[], MatcherKind::Daachorse).unwrap();
        let sources: Vec<&str> = nodes
            .iter()
            .flat_map(|n| n.patterns.iter().map(|p| p.regex.as_str()))
            .collect();
        set.gate = None;
        set.regex_set = Some(RegexSet::new(&sources).unwrap());
        let pattern_hits = |s: &Scan| -> Vec<(u32, u32, u32)> {
            s.hits
                .iter()
                .filter(|h| matches!(h.via, Via::Pattern(_)))
                .map(|h| (h.node.index() as u32, h.orig.start, h.orig.end))
                .collect()
        };
        let captures = |s: &Scan| -> Vec<(u32, u32, std::ops::Range<usize>)> {
            s.captures
                .iter()
                .map(|c| (c.regex, c.group, c.span.clone()))
                .collect()
        };
        let labelled = include_str!("../../tests/fixtures/labelled/messages.tsv");
        let mut found = 0;
        for m in labelled
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(_, m)| m))
        {
            let (mut a, mut b) = (Scan::default(), Scan::default());
            gated.scan(nodes, m, &mut a);
            set.scan(nodes, m, &mut b);
            assert_eq!(pattern_hits(&a), pattern_hits(&b), "{m}");
            assert_eq!(captures(&a), captures(&b), "{m}");
            found += pattern_hits(&a).len();
        }
        assert!(found > 20, "only {found} pattern hits compared");
    }

    #[test]
    fn no_keywords_no_hits() {
        let s = scan(MatcherKind::Daachorse, &[], "随便");
        assert!(s.hits.is_empty());
    }
}
