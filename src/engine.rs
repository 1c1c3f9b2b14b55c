//! The public face: [`Engine`] (compiled rules), [`Reply`] and what explains it.
//!
//! `reply` normalizes the message once, scans it once, scores only the nodes that
//! were hit, and renders one reply. It never panics and never fails: any message,
//! empty, huge or binary junk, gets a reply.

use crate::buyer::{self, Signals};
use crate::compose::{self, keys, ReplyKind, Want};
use crate::error::{Error, ErrorKind, Location, Problem};
use crate::matcher::{Matcher, MatcherKind, RawHit, Scan, Via};
use crate::product::{Mention, ProductRef};
use crate::rules::{self, Limits, RuleSet, Section, TermKind};
use crate::select::{self, Candidate, Few, NodeInfo, Score, Selection};
use crate::session::Session;
use jiff::Timestamp;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// Compiled rules that answer buyer messages.
///
/// Immutable, `Send + Sync`, and cheap to clone (one `Arc` inside): build it once, share
/// it between threads, and swap in a new one to reload rules.
///
/// ```
/// let engine = kefu::Engine::from_yaml_str(r#"
/// shop: { name: 衣见女装, agent: 小衣 }
/// first_reply: { greeting: ["亲,欢迎光临{shop}~"] }
/// presale:
///   - topic: size
///     keywords: [尺码]
///     reply: ["亲,告诉我身高体重,{agent}帮您推荐尺码哦~"]
/// fallback: { reply: ["亲,稍等哦~"], handoff_after: 0 }
/// "#)?;
/// let mut session = kefu::Session::new("buyer-1");
/// let reply = engine.reply(&mut session, "尺 碼怎么选？");
/// assert_eq!(reply.topic(), Some("size"));
/// assert_eq!(reply.text, "亲,欢迎光临衣见女装~\n亲,告诉我身高体重,小衣帮您推荐尺码哦~");
/// # Ok::<(), kefu::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) rules: RuleSet,
    pub(crate) matcher: Matcher,
    pub(crate) topic_index: HashMap<String, usize>,
    /// What selection reads of each node, densely (see [`NodeInfo`]).
    pub(crate) node_info: Vec<NodeInfo>,
    /// What answering reads of each node, densely (see [`Answers`]).
    answers: Answers,
    pub(crate) max_message_bytes: usize,
}

/// What answering a node reads, for every node in one dense table plus one text: its
/// topic and section (the session remembers them) and, when its reply is one fixed text
/// (the usual quick phrase), that text. Answering then reads one 12-byte record and
/// one run of text, instead of the node, its list of templates, the template's parts
/// and their strings: four dependent reads, most of them cache misses in a large rule
/// set.
#[derive(Debug, Default)]
struct Answers {
    /// Per node: its topic and then its fixed reply text, if any, in `text`.
    index: Vec<Answer>,
    text: String,
}

#[derive(Debug, Clone, Copy)]
struct Answer {
    start: u32,
    /// Length of the fixed reply text after the topic; `NOT_FIXED` when the reply is
    /// not one fixed text.
    fixed_len: u32,
    /// Topics are at most `MAX_TOPIC_BYTES` (checked at load).
    topic_len: u8,
    section: Section,
}

const _: () = assert!(std::mem::size_of::<Answer>() == 12);

const NOT_FIXED: u32 = u32::MAX;

impl Answers {
    /// `None` when the texts would not fit `u32` offsets (or a topic its `u8` length);
    /// answering then reads the nodes.
    fn new(nodes: &[rules::Node]) -> Option<Answers> {
        let mut out = Answers {
            index: Vec::with_capacity(nodes.len()),
            text: String::new(),
        };
        for n in nodes {
            let fixed = match n.reply.as_slice() {
                [t] => t.fixed_text(),
                _ => None,
            };
            let start = u32::try_from(out.text.len()).ok()?;
            out.text.push_str(&n.topic);
            out.text.push_str(fixed.unwrap_or(""));
            u32::try_from(out.text.len()).ok()?;
            out.index.push(Answer {
                start,
                topic_len: u8::try_from(n.topic.len()).ok()?,
                fixed_len: fixed.map_or(NOT_FIXED, |f| f.len() as u32),
                section: n.section,
            });
        }
        out.text.shrink_to_fit();
        Some(out)
    }

    /// The node's topic, section and fixed reply text, if the table has the node.
    #[inline]
    fn get(&self, node: usize) -> Option<(&str, Section, Option<&str>)> {
        let a = self.index.get(node)?;
        let start = a.start as usize;
        let mid = start + usize::from(a.topic_len);
        let topic = self.text.get(start..mid)?;
        let fixed = match a.fixed_len {
            NOT_FIXED => None,
            len => self.text.get(mid..mid + len as usize),
        };
        Some((topic, a.section, fixed))
    }

    fn heap_bytes(&self) -> usize {
        self.index.capacity() * std::mem::size_of::<Answer>() + self.text.capacity()
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("shop", &self.0.rules.shop_name)
            .field("nodes", &self.0.rules.nodes.len())
            .field("matcher", &self.0.matcher)
            .finish_non_exhaustive()
    }
}

/// Options for building an [`Engine`]; every limit has a documented default.
///
/// ```
/// let engine = kefu::Engine::builder()
///     .max_message_bytes(1024)
///     .build_yaml_str("shop: {name: s}\nfirst_reply: {greeting: [hi]}\nfallback: {reply: [?], handoff_after: 0}\n")?;
/// # Ok::<(), kefu::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    limits: Limits,
    max_message_bytes: usize,
    matcher: MatcherKind,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            limits: Limits {
                max_file_bytes: 8 << 20,
                max_keywords: 200_000,
                max_keyword_chars: 64,
                max_patterns: 1_000,
                max_template_chars: 2_000,
                regex_size_limit: 1 << 20,
            },
            max_message_bytes: 4096,
            matcher: MatcherKind::default(),
        }
    }
}

impl EngineBuilder {
    /// Messages longer than this (default 4,096 bytes) are cut at a char boundary before
    /// matching; the reply says so in [`Reply::truncated`].
    pub fn max_message_bytes(mut self, n: usize) -> Self {
        self.max_message_bytes = n;
        self
    }
    /// Largest rule file accepted (default 8 MiB).
    pub fn max_file_bytes(mut self, n: usize) -> Self {
        self.limits.max_file_bytes = n;
        self
    }
    /// Most keywords (keywords, whole and exclude words together) in a file
    /// (default 200,000).
    pub fn max_keywords(mut self, n: usize) -> Self {
        self.limits.max_keywords = n;
        self
    }
    /// Longest keyword in chars after normalization (default 64).
    pub fn max_keyword_chars(mut self, n: usize) -> Self {
        self.limits.max_keyword_chars = n;
        self
    }
    /// Most regex patterns in a file (default 1,000).
    pub fn max_patterns(mut self, n: usize) -> Self {
        self.limits.max_patterns = n;
        self
    }
    /// Longest template in chars (default 2,000).
    pub fn max_template_chars(mut self, n: usize) -> Self {
        self.limits.max_template_chars = n;
        self
    }
    /// Compiled size limit of one regex pattern in bytes (default 1 MiB); see
    /// `regex::RegexBuilder::size_limit`.
    pub fn regex_size_limit(mut self, n: usize) -> Self {
        self.limits.regex_size_limit = n;
        self
    }
    /// Which automaton scans messages (default [`MatcherKind::Daachorse`]).
    pub fn matcher(mut self, kind: MatcherKind) -> Self {
        self.matcher = kind;
        self
    }

    /// Builds an engine from rule text. Errors name `<rules>` as the file.
    ///
    /// # Errors
    /// Every problem of the rules, located; see [`Error`].
    pub fn build_yaml_str(&self, yaml: &str) -> Result<Engine, Error> {
        self.build_named(yaml, None)
    }

    /// Builds an engine from a rule file.
    ///
    /// # Errors
    /// An [`ErrorKind::Io`] error when the file cannot be read, else every problem of
    /// the rules, located in that file.
    pub fn build_path(&self, path: impl AsRef<Path>) -> Result<Engine, Error> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        self.build_named(&text, Some(&name))
    }

    /// Builds an engine from rule text, naming it `file` in errors.
    ///
    /// # Errors
    /// Every problem of the rules, located in `file`.
    pub fn build_named(&self, yaml: &str, file: Option<&str>) -> Result<Engine, Error> {
        let rules = rules::load(yaml, file, &self.limits)?;
        let matcher = Matcher::new(
            &rules.nodes,
            &rules.signals,
            &rules.products.products,
            self.matcher,
        )
        .map_err(|m| Error::rules(vec![Problem::new(ErrorKind::LimitExceeded, m)], file))?;
        let topic_index = rules
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.topic.clone(), i))
            .collect();
        Ok(Engine(Arc::new(Inner {
            node_info: NodeInfo::table(&rules.nodes),
            answers: Answers::new(&rules.nodes).unwrap_or_default(),
            rules,
            matcher,
            topic_index,
            max_message_bytes: self.max_message_bytes,
        })))
    }
}

impl Engine {
    /// Options: limits and the automaton kind.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Loads a rule file with default options.
    ///
    /// # Errors
    /// See [`EngineBuilder::build_path`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Engine, Error> {
        EngineBuilder::default().build_path(path)
    }

    /// Loads rule text with default options.
    ///
    /// # Errors
    /// See [`EngineBuilder::build_yaml_str`].
    pub fn from_yaml_str(yaml: &str) -> Result<Engine, Error> {
        EngineBuilder::default().build_yaml_str(yaml)
    }

    /// Answers one buyer message at the current time, updating `session`.
    ///
    /// Never panics and never fails; see [`Engine::reply_at`].
    pub fn reply<'e>(&'e self, session: &mut Session, message: &str) -> Reply<'e> {
        self.reply_at(session, message, SystemTime::now())
    }

    /// Answers one buyer message as if at `now` (which decides greetings, promotions
    /// and reminders), updating `session`.
    ///
    /// ```
    /// # let engine = kefu::Engine::from_path("rules/apparel.yaml")?;
    /// let now: std::time::SystemTime = "2026-11-25T10:00:00+08:00".parse::<jiff::Timestamp>().unwrap().into();
    /// let mut s = kefu::Session::new("b1");
    /// let first = engine.reply_at(&mut s, "有货吗", now);
    /// assert_eq!(first.kind, kefu::ReplyKind::GreetingReminder);
    /// let second = engine.reply_at(&mut s, "什么时候发货", now);
    /// assert_eq!(second.kind, kefu::ReplyKind::Answer);
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn reply_at<'e>(
        &'e self,
        session: &mut Session,
        message: &str,
        now: SystemTime,
    ) -> Reply<'e> {
        let inner = &*self.0;
        let rules = &inner.rules;
        let now = whole_seconds(now);
        let (text, truncated) = truncate(message, inner.max_message_bytes);
        let last = session
            .last_topic()
            .and_then(|t| inner.topic_index.get(t))
            .copied();
        // The scan's buffers are reused by every reply on this thread: a reply allocates
        // only what it returns (and what the session keeps).
        let (selection, hits, signals) = SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.scan_and_select(&mut scratch, session, text, last),
            // Only reachable if a reply were made from inside another on this thread.
            Err(_) => self.scan_and_select(&mut Scratch::default(), session, text, last),
        });
        // The buyer's segment and mood after this message decide the variants.
        let buyer = buyer::observe(&rules.buyers, session, signals);
        let product = session
            .current_product()
            .and_then(|id| rules.products.get(id));
        let want = Want {
            segment: buyer.segment.and_then(|i| u8::try_from(i).ok()),
            soothing: buyer.angry,
            extra: &[],
            product,
        };
        // Sized for a greeting plus an answer: one allocation, no regrowth.
        let mut out = String::with_capacity(512);
        let opens = compose::opening_needed(rules, session, now);
        let mut kind = None;
        let mut notice = None;
        if opens {
            let (k, extra) = compose::opening(rules, session, now);
            compose::render_variant(&rules.greeting, keys::GREETING, session, product, &mut out);
            if let Some(n) = extra {
                out.push_str(if out.is_empty() { "" } else { " " });
                n.render_into(rules, session, product, &mut out);
                notice = Some(n.id());
            }
            out.push('\n');
            kind = Some(k);
        }
        let winner = selection.winner().map(|c| c.node as usize);
        let mut handoff = selection.candidates.as_slice().iter().any(|c| {
            inner
                .node_info
                .get(c.node as usize)
                .is_some_and(|n| n.handoff)
        });
        let fb = &rules.fallback;
        let body_kind = match winner.and_then(|w| rules.nodes.get(w).map(|n| (w, n))) {
            Some((w, node)) => {
                let answer = inner.answers.get(w);
                let fixed = answer.and_then(|(_, _, fixed)| fixed);
                // `node` is only read off the usual path: its fields are cold in a
                // large rule set (see `Answers`).
                let kind = if inner.node_info.get(w).is_some_and(|n| n.handoff) {
                    let (r, k) = (&node.reply, node.key);
                    compose::render_handoff(rules, r, k, &want, now, session, &mut out)
                } else if buyer.anger_handoff {
                    let r = &fb.handoff_reply;
                    compose::render_handoff(rules, r, keys::HANDOFF, &want, now, session, &mut out)
                } else if let Some(text) = fixed {
                    // What `render_variant_for` renders of one variable-free variant.
                    out.push_str(text);
                    ReplyKind::Answer
                } else {
                    compose::render_variant_for(&node.reply, node.key, &want, session, &mut out);
                    ReplyKind::Answer
                };
                session.fallbacks_in_row = 0;
                match answer {
                    Some((topic, section, _)) => session.remember_topic(topic, section),
                    None => session.remember_topic(&node.topic, node.section),
                }
                kind
            }
            None => {
                session.fallbacks_in_row = session.fallbacks_in_row.saturating_add(1);
                // An angry buyer nothing answers is handed over at once.
                let angry = buyer.angry
                    && rules.buyers.anger.is_some_and(|a| a.handoff_after > 0)
                    && !fb.handoff_reply.is_empty();
                if angry || fb.handoff_after > 0 && session.fallbacks_in_row >= fb.handoff_after {
                    session.fallbacks_in_row = 0;
                    session.angry_in_row = 0;
                    handoff = true;
                    let r = &fb.handoff_reply;
                    compose::render_handoff(rules, r, keys::HANDOFF, &want, now, session, &mut out)
                } else {
                    compose::render_variant_for(
                        &fb.reply,
                        keys::FALLBACK,
                        &want,
                        session,
                        &mut out,
                    );
                    ReplyKind::Fallback
                }
            }
        };
        let promotion = if body_kind == ReplyKind::Answer && !buyer.angry {
            compose::append_promotion(
                rules,
                buyer.segment,
                product,
                notice,
                now,
                session,
                &mut out,
            )
        } else {
            None
        };
        session.turns = session.turns.saturating_add(1);
        session.last_at = Some(now.as_second());

        Reply {
            text: out,
            kind: kind.unwrap_or(body_kind),
            handoff: handoff || body_kind.is_handoff(),
            hits,
            truncated,
            notice,
            angry: buyer.angry,
            promotion,
            segment: buyer.segment,
            body: body_kind,
            node: winner.map(|i| NodeRef { rules, index: i }),
            product: product.map(|product| ProductRef { product }),
            rules,
            selection,
        }
    }

    /// Scans `text`, stores its captures in the session and ranks the nodes hit.
    fn scan_and_select(
        &self,
        scratch: &mut Scratch,
        session: &mut Session,
        text: &str,
        last: Option<usize>,
    ) -> (Selection, Few<RawHit, 4>, Signals) {
        let inner = &*self.0;
        let nodes = &inner.rules.nodes;
        let Scratch { scan, work } = scratch;
        inner.matcher.scan(nodes, text, scan);
        match inner
            .rules
            .products
            .mention(text, scan.last_product(), scan.link_marks)
        {
            Mention::None => {}
            Mention::Product(i) => {
                if let Some(p) = inner.rules.products.products.get(i) {
                    session.set_current_product(Some(&p.id));
                }
            }
            Mention::UnknownItem => {
                session.set_current_product(None);
            }
        }
        for c in &scan.captures {
            if let (Some(name), Some(value)) = (
                inner.matcher.capture_name(nodes, c),
                text.get(c.span.clone()),
            ) {
                session.store_capture(name, value);
            }
        }
        let selection = select::select(&inner.node_info, scan, work, session, last);
        // Kept raw (and inline when few): `Reply::hits` resolves them when asked.
        (selection, Few::from_slice(&scan.hits), scan.signals)
    }

    /// Runs the rule file's `tests:` cases, each in a fresh session, at the current time.
    pub fn run_tests(&self) -> TestReport {
        self.run_tests_at(SystemTime::now())
    }

    /// Runs the rule file's `tests:` cases as if at `now`: reproducible whatever the
    /// promotions and reminders of the file.
    pub fn run_tests_at(&self, now: SystemTime) -> TestReport {
        let rules = &self.0.rules;
        let outcomes = rules
            .tests
            .iter()
            .enumerate()
            .map(|(i, case)| {
                let mut session = Session::new(format!("test-{i}"));
                for m in &case.after {
                    self.reply_at(&mut session, m, now);
                }
                let r = self.reply_at(&mut session, &case.says, now);
                let got = r.topic().map(str::to_owned);
                let topic_ok = got == case.expect;
                let handoff_ok = case.handoff.is_none_or(|h| h == r.handoff);
                let segment = r.segment().map(str::to_owned);
                let segment_ok = case.segment.as_ref().is_none_or(|s| *s == segment);
                let angry_ok = case.angry.is_none_or(|a| a == r.angry);
                let product = r.product().map(|p| p.id().to_owned());
                let product_ok = case.product.is_none() || product == case.product;
                TestOutcome {
                    says: case.says.clone(),
                    after: case.after.clone(),
                    expect: case.expect.clone(),
                    got,
                    handoff: r.handoff,
                    expect_handoff: case.handoff,
                    segment,
                    expect_segment: case.segment.clone(),
                    angry: r.angry,
                    expect_angry: case.angry,
                    product,
                    expect_product: case.product.clone(),
                    passed: topic_ok && handoff_ok && segment_ok && angry_ok && product_ok,
                    location: case.location,
                    hits: r
                        .hits()
                        .iter()
                        .map(|h| {
                            format!("{}@{}..{}→{}", h.keyword, h.span.start, h.span.end, h.topic)
                        })
                        .collect(),
                }
            })
            .collect();
        TestReport {
            file: rules.file.clone(),
            outcomes,
        }
    }

    /// The shop's name (`shop.name`).
    pub fn shop_name(&self) -> &str {
        &self.0.rules.shop_name
    }

    /// The shop's time zone (`shop.timezone`): promotion windows, quiet hours and the
    /// `{deadline}` of payment reminders are read in it.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.0.rules.timezone
    }

    /// Whether human agents are on duty at `now` (`shop.agent_hours`, in the shop's
    /// time zone); always true when the file does not set agent hours. A handoff while
    /// they are not is [`ReplyKind::HandoffOffHours`], answered with
    /// `fallback.off_hours_reply`, whose `{next_open}` says when they are back.
    ///
    /// ```
    /// use kefu::{Engine, ReplyKind, Session};
    ///
    /// let engine = Engine::from_yaml_str(r#"
    /// shop:
    ///   name: 衣见
    ///   timezone: Asia/Shanghai
    ///   agent_hours: [{ days: mon-fri, from: "09:00", until: "18:00" }]
    /// first_reply: { greeting: ["亲,您好"] }
    /// aftersale:
    ///   - { topic: human, keywords: [人工], handoff: true, reply: ["马上转人工"] }
    /// fallback:
    ///   reply: ["亲,稍等"]
    ///   handoff_after: 0
    ///   off_hours_reply: ["人工客服{next_open}上班后回复您"]
    /// "#)?;
    /// let at = |s: &str| -> std::time::SystemTime { s.parse::<jiff::Timestamp>().unwrap().into() };
    /// let friday_night = at("2026-11-27T20:00:00+08:00");
    /// assert!(!engine.agents_on_duty_at(friday_night));
    /// let mut session = Session::new("buyer-7");
    /// let reply = engine.reply_at(&mut session, "转人工", friday_night);
    /// assert_eq!(reply.body_kind(), ReplyKind::HandoffOffHours);
    /// assert!(reply.handoff);
    /// assert_eq!(reply.text, "亲,您好\n人工客服周一 09:00上班后回复您");
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn agents_on_duty_at(&self, now: SystemTime) -> bool {
        let now = Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH);
        self.0
            .rules
            .agent_hours
            .as_ref()
            .is_none_or(|h| h.off_duty_at(now).is_none())
    }

    /// The buyer segments of the file (`buyers.segments`) as `(id, name)`, in file
    /// order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.0
            .rules
            .buyers
            .segments
            .iter()
            .map(|s| (s.id.as_str(), s.name.as_str()))
    }

    /// Every node, in file order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeRef<'_>> + '_ {
        let rules = &self.0.rules;
        (0..rules.nodes.len()).map(move |index| NodeRef { rules, index })
    }

    /// The node with this topic id.
    pub fn node(&self, topic: &str) -> Option<NodeRef<'_>> {
        let rules = &self.0.rules;
        self.0
            .topic_index
            .get(topic)
            .map(|&index| NodeRef { rules, index })
    }

    /// The products of the rule file's `products:` table, in file order.
    pub fn products(&self) -> impl ExactSizeIterator<Item = ProductRef<'_>> + '_ {
        self.0
            .rules
            .products
            .products
            .iter()
            .map(|product| ProductRef { product })
    }

    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<ProductRef<'_>> {
        self.0
            .rules
            .products
            .get(id)
            .map(|product| ProductRef { product })
    }

    /// Entries compiled into the automaton: keywords, whole-message keywords and exclude
    /// words, each counted once per node that lists it.
    pub fn keyword_count(&self) -> usize {
        self.0.matcher.keyword_count()
    }

    /// An estimate of the heap bytes the engine holds: automaton, tables, rules,
    /// products. It
    /// leaves out compiled regex patterns (the `regex` crate does not report their
    /// size), so on a file with many patterns it is well below the real figure;
    /// BENCHMARKS.md compares it with a counting allocator.
    pub fn heap_bytes(&self) -> usize {
        let rules: usize = self
            .0
            .rules
            .nodes
            .iter()
            .map(|n| {
                std::mem::size_of_val(n)
                    + n.terms
                        .iter()
                        .map(|t| t.text.len() + t.source.len() + 64)
                        .sum::<usize>()
                    + n.reply.len() * 64
                    + n.topic.len()
                    + n.name.len()
                    + n.path.len()
            })
            .sum();
        self.0.matcher.heap_bytes()
            + rules
            + self.0.rules.products.heap_bytes()
            + self.0.topic_index.len() * 48
            + self.0.node_info.capacity() * std::mem::size_of::<NodeInfo>()
            + self.0.answers.heap_bytes()
    }
}

/// Buffers one thread's replies reuse.
#[derive(Default)]
struct Scratch {
    scan: Scan,
    work: select::Work,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

fn truncate(message: &str, max: usize) -> (&str, bool) {
    if message.len() <= max {
        return (message, false);
    }
    let mut end = max;
    while end > 0 && !message.is_char_boundary(end) {
        end -= 1;
    }
    (&message[..end], true)
}

/// A node of the rule file, as seen from outside.
#[derive(Clone, Copy)]
pub struct NodeRef<'e> {
    rules: &'e RuleSet,
    index: usize,
}

impl<'e> NodeRef<'e> {
    fn node(&self) -> &'e rules::Node {
        &self.rules.nodes[self.index]
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
        self.node().parent.map(|index| NodeRef {
            rules: self.rules,
            index,
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
    fn file_line(&self) -> String {
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
    fn from_raw(rules: &'e RuleSet, h: &RawHit) -> Option<Hit<'e>> {
        let node = rules.nodes.get(h.node as usize)?;
        let (keyword, kind) = match h.via {
            Via::Term(t) => {
                let term = node.terms.get(t as usize)?;
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

/// `now` to the whole second: every time a reply reads (windows, agent hours, the
/// session's last message) is in seconds, and this skips jiff's nanosecond arithmetic.
/// A time before 1970 or past jiff's range reads as 1970.
fn whole_seconds(now: SystemTime) -> Timestamp {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .and_then(|s| Timestamp::from_second(s).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The answer to one message.
///
/// `text` is what to send. A reply that opens a conversation is the greeting (with a
/// reminder or promotion) on the first line and the answer on the next.
#[non_exhaustive]
pub struct Reply<'e> {
    /// What to send to the buyer.
    pub text: String,
    /// How the reply opens, or what its body is; see [`ReplyKind`].
    pub kind: ReplyKind,
    /// A human should take over: the chosen node is a handoff node, a handoff node was
    /// hit (and not vetoed) even if another won, or fallbacks reached `handoff_after`.
    pub handoff: bool,
    /// The message was longer than the engine's `max_message_bytes` and only its start
    /// was matched.
    pub truncated: bool,
    /// Id of the reminder or promotion added to the greeting, or `pay_by` for the
    /// notice of the session's unpaid order; `None` when nothing was added.
    pub notice: Option<&'e str>,
    /// The message showed anger (`buyers.anger`: an anger word, or a run of question
    /// marks): the reply used a `mood: soothing` variant where there is one. A host
    /// should put an angry buyer first in the agents' queue; kefu itself hands over
    /// when nothing answers an angry message, or after `handoff_after` angry messages
    /// in a row.
    pub angry: bool,
    /// Id of the promotion appended after the answer, on its own line, for a buyer of
    /// a `promote: true` segment (once per session).
    pub promotion: Option<&'e str>,
    segment: Option<usize>,
    hits: Few<RawHit, 4>,
    body: ReplyKind,
    node: Option<NodeRef<'e>>,
    product: Option<ProductRef<'e>>,
    rules: &'e RuleSet,
    selection: Selection,
}

impl<'e> Reply<'e> {
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
        self.node.map(|n| n.topic())
    }
    /// The chosen node; `None` on fallback.
    pub fn node(&self) -> Option<NodeRef<'e>> {
        self.node
    }
    /// The product the conversation is about after this message (the session's
    /// [current product](Session::current_product)), if the rules list it. See
    /// [`ProductRef`] for an example.
    pub fn product(&self) -> Option<ProductRef<'e>> {
        self.product
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
    /// assert_eq!(reply.text, "领券再减30,现在最划算");   // the variant marked for economic
    /// let angry = engine.reply_at(&mut session, "骗子", now);
    /// assert!(angry.angry && angry.handoff);              // angry and nothing answers: a human
    /// assert_eq!(angry.kind, ReplyKind::Handoff);
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn segment(&self) -> Option<&'e str> {
        let rules = self.rules;
        self.segment
            .and_then(|i| rules.buyers.segments.get(i))
            .map(|s| s.id.as_str())
    }
    /// The display name of [`Reply::segment`] (`价格敏感型`).
    pub fn segment_name(&self) -> Option<&'e str> {
        let rules = self.rules;
        self.segment
            .and_then(|i| rules.buyers.segments.get(i))
            .map(|s| s.name.as_str())
    }
    /// What the body of the reply is, `Answer`, `Fallback`, `Handoff` or
    /// `HandoffOffHours`, whether or not the reply opens with a greeting (for which
    /// [`Reply::kind`] is a `Greeting*`).
    pub fn body_kind(&self) -> ReplyKind {
        self.body
    }
    /// Whether the reply opens (or reopens, after a silence) the conversation with a
    /// greeting.
    pub fn opens(&self) -> bool {
        self.kind != self.body
    }
    /// Why this node won: every candidate with its score parts.
    pub fn explain(&self) -> Explanation<'e> {
        let rules = self.rules;
        let node = |i: u32| NodeRef {
            rules,
            index: i as usize,
        };
        let candidates = self
            .selection
            .ranked()
            .iter()
            .map(|c: &Candidate| (node(c.node), c.score))
            .collect();
        let vetoed = self.selection.vetoed.iter().map(|&i| node(i)).collect();
        Explanation { candidates, vetoed }
    }
}

/// The JSON a service sends back: `text`, `kind`, `body_kind`, `topic` (null on
/// fallback), `handoff`, `truncated`, `notice`, `segment`, `angry`, `promotion`,
/// `hits` and `product` (the current product's id, or null).
impl serde::Serialize for Reply<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Reply", 12)?;
        st.serialize_field("text", &self.text)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("body_kind", &self.body)?;
        st.serialize_field("topic", &self.topic())?;
        st.serialize_field("handoff", &self.handoff)?;
        st.serialize_field("truncated", &self.truncated)?;
        st.serialize_field("notice", &self.notice)?;
        st.serialize_field("segment", &self.segment())?;
        st.serialize_field("angry", &self.angry)?;
        st.serialize_field("promotion", &self.promotion)?;
        st.serialize_field("hits", &self.hits())?;
        st.serialize_field("product", &self.product.map(|p| p.id()))?;
        st.end()
    }
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("text", &self.text)
            .field("kind", &self.kind)
            .field("topic", &self.topic())
            .field("handoff", &self.handoff)
            .field("segment", &self.segment())
            .field("angry", &self.angry)
            .field("hits", &self.hits())
            .field("truncated", &self.truncated)
            .field("product", &self.product.map(|p| p.id()))
            .finish_non_exhaustive()
    }
}

/// Why a reply chose its node: the candidates, best first, with their [`Score`]s, and
/// the nodes an exclude word vetoed. Its `Display` is a readable report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Explanation<'e> {
    /// Nodes hit and not vetoed, best first.
    pub candidates: Vec<(NodeRef<'e>, Score)>,
    /// Nodes vetoed by an exclude word.
    pub vetoed: Vec<NodeRef<'e>>,
}

impl Explanation<'_> {
    /// The score part that put the winner ahead of the runner-up, if there was one.
    pub fn deciding_part(&self) -> Option<&'static str> {
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
        for (i, (n, s)) in self.candidates.iter().enumerate() {
            let mark = if i == 0 { "→" } else { " " };
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
        for n in &self.vetoed {
            writeln!(f, "  vetoed by exclude: {} {}", n.topic(), n.file_line())?;
        }
        Ok(())
    }
}

/// The result of [`Engine::run_tests`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestReport {
    /// The rule file, if known.
    pub file: Option<String>,
    /// One outcome per case, in file order.
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    /// Cases that failed.
    pub fn failures(&self) -> impl Iterator<Item = &TestOutcome> {
        self.outcomes.iter().filter(|o| !o.passed)
    }
    /// Whether every case passed.
    pub fn all_passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// One `tests:` case and what the engine did with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestOutcome {
    /// The message tested.
    pub says: String,
    /// Messages sent before it in the same session.
    pub after: Vec<String>,
    /// Expected topic; `None` expects the fallback.
    pub expect: Option<String>,
    /// Topic the engine chose.
    pub got: Option<String>,
    /// Whether the reply asked for a human.
    pub handoff: bool,
    /// Expected handoff, when the case states it.
    pub expect_handoff: Option<bool>,
    /// The buyer's segment after the message.
    pub segment: Option<String>,
    /// Expected segment, when the case states it (`Some(None)`: `segment: none`).
    pub expect_segment: Option<Option<String>>,
    /// Whether the message was angry.
    pub angry: bool,
    /// Expected anger, when the case states it.
    pub expect_angry: Option<bool>,
    /// The current product after the message (its id).
    pub product: Option<String>,
    /// Expected current product, when the case states it (`product:`).
    pub expect_product: Option<String>,
    /// Topic (and handoff, segment, anger and product, when stated) as expected.
    pub passed: bool,
    /// Where the case is in the file.
    pub location: Option<Location>,
    /// The hits, as `keyword@start..end→topic`.
    pub hits: Vec<String>,
}

impl fmt::Display for TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "fallback".into());
        let line = self.location.map_or(0, |l| l.line);
        write!(
            f,
            "line {line}: {:?}: expected {}, got {}",
            self.says,
            show(&self.expect),
            show(&self.got)
        )?;
        if let Some(h) = self.expect_handoff {
            write!(f, " (handoff expected {h}, got {})", self.handoff)?;
        }
        if let Some(s) = &self.expect_segment {
            let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
            write!(
                f,
                " (segment expected {}, got {})",
                show(s),
                show(&self.segment)
            )?;
        }
        if let Some(a) = self.expect_angry {
            write!(f, " (angry expected {a}, got {})", self.angry)?;
        }
        if let Some(p) = &self.expect_product {
            let got = self.product.as_deref().unwrap_or("none");
            write!(f, " (product expected {p}, got {got})")?;
        }
        if !self.hits.is_empty() {
            write!(f, "; hits: {}", self.hits.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{truncate, Engine, ReplyKind, Section};
    use crate::Session;

    const ANSWERS: &str = r#"
shop: { name: 衣见, agent: 小衣 }
first_reply: { greeting: ["亲,您好"] }
buyers:
  segments: [{ id: student, name: 学生党, signals: [学生] }]
presale:
  - { topic: hello, keywords: [在吗], reply: ["在的亲~"] }
  - { topic: agent, keywords: [客服], reply: ["{agent}为您服务"] }
  - topic: size
    keywords: [身高]
    patterns: ['(?P<height>1[4-8]\d)cm']
    reply: ["{height|您的身高}建议M码"]
  - { topic: color, keywords: [颜色], reply: ["黑色", "白色"] }
  - { topic: student, keywords: [学生价], reply: [{ for: student, text: "学生九折" }] }
aftersale:
  - { topic: refund, keywords: [退款], handoff: true, reply: ["为您转接售后"] }
fallback: { reply: ["稍等"], handoff_after: 0 }
"#;

    #[test]
    fn answers_keep_a_node_s_one_fixed_reply_and_only_that() {
        let engine = Engine::from_yaml_str(ANSWERS).unwrap();
        let answers = &engine.0.answers;
        let got: Vec<_> = (0..engine.0.rules.nodes.len())
            .map(|i| answers.get(i).unwrap())
            .collect();
        assert_eq!(
            got,
            vec![
                ("hello", Section::Presale, Some("在的亲~")),
                // Constants are substituted at load: the text is fixed.
                ("agent", Section::Presale, Some("小衣为您服务")),
                // A capture or a choice of variants is rendered at reply time.
                ("size", Section::Presale, None),
                ("color", Section::Presale, None),
                // One variant is sent whoever it is marked for.
                ("student", Section::Presale, Some("学生九折")),
                ("refund", Section::Aftersale, Some("为您转接售后")),
            ]
        );
        assert!(answers.get(6).is_none());
    }

    #[test]
    fn a_fixed_reply_answers_remembers_its_topic_and_still_hands_off() {
        let engine = Engine::from_yaml_str(ANSWERS).unwrap();
        let mut session = Session::new("b");
        let first = engine.reply(&mut session, "在吗");
        assert_eq!(first.text, "亲,您好\n在的亲~");
        assert_eq!(session.last_topic(), Some("hello"));
        let next = engine.reply(&mut session, "客服在吗,学生价呢");
        assert_eq!(
            (next.kind, next.text.as_str()),
            (ReplyKind::Answer, "学生九折")
        );
        assert_eq!(session.last_topic(), Some("student"));
        let refund = engine.reply(&mut session, "我要退款");
        assert!(refund.handoff, "{refund:?}");
        assert_eq!(session.last_topic(), Some("refund"));
    }

    #[test]
    fn truncate_cuts_on_a_char_boundary_and_says_so() {
        // (input, limit, kept, truncated)
        let cases = [
            ("退货", 6, "退货", false),
            ("退货", 100, "退货", false),
            ("退货", 5, "退", true),
            ("退货", 3, "退", true),
            ("退货", 2, "", true),
            ("abc", 0, "", true),
            ("", 0, "", false),
        ];
        for (input, limit, kept, cut) in cases {
            assert_eq!(truncate(input, limit), (kept, cut), "{input:?} at {limit}");
        }
    }
}
