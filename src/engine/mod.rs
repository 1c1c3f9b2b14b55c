//! The public face: [`Engine`] (compiled rules) and its builder. The only `impl
//! Engine` blocks are in this module and its children: `decide` (one message, decided
//! and rendered), `reply` ([`Reply`] and what explains it), `testing` (the file's
//! `tests:` cases) and `answers` (the dense answer table).
//!
//! `reply_at` is decide → render → apply: the message is normalized and scanned once,
//! only the nodes hit are scored, one reply is rendered, and the session takes the
//! decision's update. It never panics and never fails: any message, empty, huge or
//! binary junk, gets a reply.

mod answers;
mod decide;
mod reply;
mod testing;

pub use reply::{Dropped, Explanation, Hit, HitKind, NodeRef, Reply, Suggestion};
pub use testing::{Mismatch, TestOutcome, TestReport};

use crate::basics::clock;
use crate::basics::error::{Error, ErrorKind, Problem};
use crate::basics::ids::NodeId;
use crate::basics::limits::Limits;
use crate::lint::{self, Lint};
use crate::pipeline::matcher::{Matcher, MatcherKind, Scan};
use crate::pipeline::select::{self, NodeInfo};
use crate::rules::{self, RuleSet};
use crate::session::{Session, Update};
use crate::shop::payment::{self, ReminderHistory, ReminderPlan, UnpaidOrder};
use crate::shop::products::ProductRef;
use answers::Answers;
use std::collections::HashMap;
use std::fmt;
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
/// assert_eq!(reply.text(), "亲,欢迎光临衣见女装~\n亲,告诉我身高体重,小衣帮您推荐尺码哦~");
/// # Ok::<(), kefu::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) rules: RuleSet,
    pub(crate) matcher: Matcher,
    pub(crate) topic_index: HashMap<String, NodeId>,
    /// What selection reads of each node, densely (see [`NodeInfo`]).
    pub(crate) node_info: Vec<NodeInfo>,
    /// What answering reads of each node, densely (see [`Answers`]).
    answers: Answers,
    pub(crate) max_message_bytes: usize,
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
#[derive(Debug, Clone, Default)]
pub struct EngineBuilder {
    limits: Limits,
    matcher: MatcherKind,
}

impl EngineBuilder {
    /// Messages longer than this (default 4,096 bytes) are cut between grapheme clusters
    /// (never inside an emoji sequence or between a letter and its accent) before
    /// matching; the reply says so in [`Reply::truncated`].
    pub fn max_message_bytes(mut self, n: usize) -> Self {
        self.limits.max_message_bytes = n;
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
        let limit = |m: String| Error::rules(vec![Problem::new(ErrorKind::LimitExceeded, m)], file);
        let matcher = Matcher::new(
            &rules.nodes,
            &rules.signals,
            &rules.products.products,
            &rules.reading.terms,
            self.matcher,
        )
        .map_err(limit)?;
        // Node ids were checked to fit when the rules were validated.
        let topic_index = (0..rules.nodes.len())
            .filter_map(NodeId::new)
            .zip(&rules.nodes)
            .map(|(id, n)| (n.topic.clone(), id))
            .collect();
        Ok(Engine(Arc::new(Inner {
            node_info: NodeInfo::table(&rules.nodes),
            answers: Answers::new(&rules.nodes).map_err(limit)?,
            rules,
            matcher,
            topic_index,
            max_message_bytes: self.limits.max_message_bytes,
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
    /// assert_eq!(first.kind(), kefu::ReplyKind::GreetingReminder);
    /// let second = engine.reply_at(&mut s, "什么时候发货", now);
    /// assert_eq!(second.kind(), kefu::ReplyKind::Answer);
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn reply_at<'e>(
        &'e self,
        session: &mut Session,
        message: &str,
        now: SystemTime,
    ) -> Reply<'e> {
        let mut update = Update::default();
        let mut d = decide::Decision::empty();
        self.decide(session, message, now, &mut update, &mut d);
        let text = self.render_text(&d, &update.captures, session);
        session.apply(&mut update);
        Reply {
            text,
            d,
            rules: &self.0.rules,
            info: &self.0.node_info,
        }
    }

    /// What [`Engine::reply_at`] would answer, without changing `session`: for a test
    /// that asks "what would this get?", or a host that shows a human agent what kefu
    /// would say before anything is sent.
    ///
    /// ```
    /// # let engine = kefu::Engine::from_path("rules/apparel.yaml")?;
    /// let now = std::time::SystemTime::now();
    /// let session = kefu::Session::new("b1");
    /// let would = engine.peek(&session, "什么时候发货", now);
    /// assert_eq!(would.topic(), Some("ship_time"));
    /// assert_eq!(session.turns(), 0); // nothing changed
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn peek<'e>(&'e self, session: &Session, message: &str, now: SystemTime) -> Reply<'e> {
        let mut update = Update::default();
        let mut d = decide::Decision::empty();
        self.decide(session, message, now, &mut update, &mut d);
        let text = self.render_text(&d, &update.captures, session);
        Reply {
            text,
            d,
            rules: &self.0.rules,
            info: &self.0.node_info,
        }
    }

    /// Renders a reply's text from its decision, `session` as it was before the
    /// message, and what the message captured (`fresh`).
    #[inline(always)]
    fn render_text(
        &self,
        d: &decide::Decision<'_>,
        fresh: &[(&str, String)],
        session: &Session,
    ) -> String {
        // Sized for a greeting plus an answer: one allocation, no regrowth.
        let mut text = String::with_capacity(512);
        self.render(d, fresh, session, &mut text);
        text
    }

    /// Decides whether to remind the buyer of `order` now, on which channel and with
    /// which text, following the rule file's `payment_reminders:` policy.
    ///
    /// Pure and deterministic: the same order, history and `now` give the same plan
    /// (the variant is chosen from the order id, not at random). A host's scheduler
    /// calls it every few minutes for each unpaid order, sends what a
    /// [`ReminderPlan::Remind`] says and records it in `history`. It never panics:
    /// an amount of 0, an order closing before it was created, a `now` after the
    /// close or times far outside the calendar give a plan too.
    ///
    /// The rules, in order: nothing once the order has closed; a channel already in
    /// `history` is not used again, nor one whose `min_amount` is above the order's
    /// amount; each remaining channel is due at `created + after_order` or
    /// `closes_at - before_close`, and no sooner than `min_gap` after the last
    /// reminder sent (nor before the order was created); a time in the quiet hours
    /// moves to their end; a channel whose
    /// time falls at or after the close is dropped. The earliest channel wins (on a
    /// tie: im, sms, phone): now if its time has come, else a `Wait` until then.
    ///
    /// ```
    /// use kefu::{Amount, Channel, Engine, ReminderHistory, ReminderPlan, UnpaidOrder, WaitReason};
    /// use std::time::SystemTime;
    ///
    /// let engine = Engine::from_yaml_str(r#"
    /// shop: { name: 衣见女装, timezone: "+08:00" }
    /// first_reply: { greeting: ["亲,您好~"] }
    /// fallback: { reply: ["亲,稍等~"], handoff_after: 0 }
    /// payment_reminders:
    ///   quiet_hours: "22:00-08:00"
    ///   im: { after_order: 15m, texts: ["{buyer|亲}，订单{order_id}还差一步付款哦，{deadline}前有效~"] }
    ///   sms: { before_close: 6h, texts: ["【{shop}】您的订单{order_id}（¥{amount}）将于{deadline}关闭"] }
    /// "#)?;
    /// let at = |s: &str| -> SystemTime { s.parse::<jiff::Timestamp>().unwrap().into() };
    /// let order = UnpaidOrder::new(
    ///     "2026112500123",
    ///     "399.00".parse()?,
    ///     at("2026-11-25T10:00:00+08:00"),
    ///     at("2026-11-26T10:00:00+08:00"),
    /// )
    /// .with_buyer_name("小王");
    /// let mut history = ReminderHistory::new();
    ///
    /// // 14 minutes after the order: the IM is due at 10:15.
    /// let plan = engine.plan_reminder(&order, &history, at("2026-11-25T10:14:00+08:00"));
    /// assert_eq!(plan, ReminderPlan::Wait {
    ///     until: at("2026-11-25T10:15:00+08:00"),
    ///     channel: Channel::Im,
    ///     reason: WaitReason::NotDue,
    /// });
    ///
    /// // At 10:15: send it, and record it.
    /// let now = at("2026-11-25T10:15:00+08:00");
    /// let ReminderPlan::Remind { channel, text, .. } = engine.plan_reminder(&order, &history, now) else {
    ///     panic!("an IM is due");
    /// };
    /// assert_eq!(text, "小王，订单2026112500123还差一步付款哦，11月26日 10:00前有效~");
    /// history.record(channel, now);
    ///
    /// // The SMS is due at 04:00, 6 hours before the close, but that is quiet time.
    /// let plan = engine.plan_reminder(&order, &history, now);
    /// assert_eq!(plan, ReminderPlan::Wait {
    ///     until: at("2026-11-26T08:00:00+08:00"),
    ///     channel: Channel::Sms,
    ///     reason: WaitReason::QuietHours,
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan_reminder(
        &self,
        order: &UnpaidOrder,
        history: &ReminderHistory,
        now: SystemTime,
    ) -> ReminderPlan {
        let rules = &self.0.rules;
        payment::plan(rules.payment.as_ref(), &rules.timezone, order, history, now)
    }

    /// Lints the rules: warnings about keywords, replies, tests and time windows that
    /// load fine but are probably mistakes (the kinds and the exact fact each states:
    /// [`LintKind`](crate::LintKind)). `now` decides which promotions and reminders
    /// have expired. Sorted by position in the file.
    ///
    /// ```
    /// let engine = kefu::Engine::from_yaml_str(r#"
    /// shop: { name: 衣见 }
    /// first_reply: { greeting: ["亲,您好~"] }
    /// presale:
    ///   - topic: size
    ///     keywords: [尺码, 码]
    ///     reply: ["亲,说下身高体重哦~"]
    /// fallback: { reply: ["亲,稍等~"], handoff_after: 0 }
    /// tests:
    ///   - { says: 尺码怎么选, expect: size }
    /// "#)?;
    /// let lints = engine.lints(std::time::SystemTime::now());
    /// assert_eq!(lints.len(), 2);
    /// assert_eq!(lints[0].kind, kefu::LintKind::ContainedKeyword);
    /// assert_eq!(lints[1].kind, kefu::LintKind::OneCharKeyword);
    /// assert_eq!(
    ///     lints[1].to_string(),
    ///     "<rules>:6:20: warning: keyword '码' is one character: it hits every message \
    ///      containing it; make it longer or move it to whole: (presale[0].keywords[1]) \
    ///      [one_char_keyword]"
    /// );
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn lints(&self, now: SystemTime) -> Vec<Lint> {
        lint::lints(&self.0.rules, clock::timestamp(now))
    }

    /// The shop's name (`shop.name`).
    pub fn shop_name(&self) -> &str {
        &self.0.rules.shop_name
    }

    /// `t` as the shop's wall clock shows it (`shop.timezone`), `2026-11-25 10:15`:
    /// promotion windows, quiet hours and the `{deadline}` of payment reminders are
    /// read in that zone.
    pub fn shop_time(&self, t: SystemTime) -> String {
        clock::civil_text(clock::timestamp(t), &self.0.rules.timezone)
    }

    /// Whether human agents are on duty at `now` (`shop.agent_hours`, in the shop's
    /// time zone); always true when the file does not set agent hours. A handoff while
    /// they are not is [`ReplyKind::HandoffOffHours`](crate::ReplyKind::HandoffOffHours), answered with
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
    /// assert!(reply.handoff());
    /// assert_eq!(reply.text(), "亲,您好\n人工客服周一 09:00上班后回复您");
    /// # Ok::<(), kefu::Error>(())
    /// ```
    pub fn agents_on_duty_at(&self, now: SystemTime) -> bool {
        let now = clock::timestamp(now);
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
        // Node ids were checked to fit when the rules were validated.
        (0..rules.nodes.len()).map(move |i| NodeRef {
            rules,
            id: NodeId::from_raw(i as u32),
        })
    }

    /// The node with this topic id.
    pub fn node(&self, topic: &str) -> Option<NodeRef<'_>> {
        let rules = &self.0.rules;
        self.0
            .topic_index
            .get(topic)
            .map(|&id| NodeRef { rules, id })
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

#[cfg(test)]
mod tests {
    use super::Engine;
    use crate::basics::ids::NodeId;
    use crate::{ReplyKind, Section, Session};

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
            .map(|i| answers.get(NodeId::new(i).unwrap()).unwrap())
            .map(|a| (a.topic, a.section, a.fixed))
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
        assert!(answers.get(NodeId::new(6).unwrap()).is_none());
    }

    #[test]
    fn a_fixed_reply_answers_remembers_its_topic_and_still_hands_off() {
        let engine = Engine::from_yaml_str(ANSWERS).unwrap();
        let mut session = Session::new("b");
        let first = engine.reply(&mut session, "在吗");
        assert_eq!(first.text(), "亲,您好\n在的亲~");
        assert_eq!(session.last_topic(), Some("hello"));
        let next = engine.reply(&mut session, "客服在吗,学生价呢");
        assert_eq!((next.kind(), next.text()), (ReplyKind::Answer, "学生九折"));
        assert_eq!(session.last_topic(), Some("student"));
        let refund = engine.reply(&mut session, "我要退款");
        assert!(refund.handoff(), "{refund:?}");
        assert_eq!(session.last_topic(), Some("refund"));
    }
}
