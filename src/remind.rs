//! Payment reminders (催付): when to remind a buyer of an unpaid order, on which
//! channel, with which text.
//!
//! The shop's policy is the rule file's `payment_reminders:` section: an IM message
//! (旺旺) soon after the order, an SMS in the last hours before the order closes, a
//! phone call only above an amount; never twice on one channel, at least `min_gap`
//! between two reminders, and nothing during the shop's quiet hours.
//! [`Engine::plan_reminder`] applies it to one order: a pure function of the order,
//! the reminders already sent ([`ReminderHistory`]) and `now`, so a host's scheduler
//! can call it as often as it likes and follow the [`ReminderPlan`].
//!
//! A [`Session`] told of an unpaid order ([`Session::set_unpaid_order`]) opens the
//! conversation with the greeting and the file's `pay_by` notice.

use crate::rules::{ChannelPolicy, Due, QuietHours, RuleSet};
use crate::session::{clean_text, stable_hash, Session};
use crate::template::{Template, Vars};
use crate::Engine;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

/// How a reminder reaches the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Channel {
    /// A chat message (旺旺催付): cheap, best while the buyer is still online.
    Im,
    /// A text message (短信催付), usually close to the order's closing time.
    Sms,
    /// A call (电话催付) from an agent reading a script: costly, for large orders.
    Phone,
}

impl Channel {
    /// Every channel, in the order the planner prefers them when two are due at once.
    pub const ALL: [Channel; 3] = [Channel::Im, Channel::Sms, Channel::Phone];

    /// The key of the channel in a rule file and in JSON (`im`, `sms`, `phone`).
    pub fn key(self) -> &'static str {
        match self {
            Channel::Im => "im",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
        }
    }

    /// The Chinese name shops use (旺旺, 短信, 电话).
    pub fn label(self) -> &'static str {
        match self {
            Channel::Im => "旺旺",
            Channel::Sms => "短信",
            Channel::Phone => "电话",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Parses a channel's key (`im`, `sms`, `phone`); the error names the known keys.
impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Channel, String> {
        Channel::ALL
            .into_iter()
            .find(|c| c.key() == s.trim())
            .ok_or_else(|| format!("unknown channel '{s}'; known: im, sms, phone"))
    }
}

/// An amount of money in integer cents (分), never a float.
///
/// Parsed from yuan as shops write them (`399`, `399.5`, `399.00`, `¥399`) and
/// displayed with two decimals (`399.00`); serialized as the number of cents.
///
/// ```
/// let a: kefu::Amount = "399.5".parse()?;
/// assert_eq!(a.cents(), 39_950);
/// assert_eq!(a.to_string(), "399.50");
/// # Ok::<(), kefu::ParseAmountError>(())
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Amount(u64);

impl Amount {
    /// An amount of `cents` (分).
    pub const fn from_cents(cents: u64) -> Amount {
        Amount(cents)
    }
    /// The amount in cents (分).
    pub const fn cents(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Why a text is not an amount; its `Display` says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseAmountError(String);

impl fmt::Display for ParseAmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid amount '{}'; write yuan with at most two decimals, like 500 or 399.90",
            self.0
        )
    }
}

impl std::error::Error for ParseAmountError {}

impl FromStr for Amount {
    type Err = ParseAmountError;
    fn from_str(s: &str) -> Result<Amount, ParseAmountError> {
        let err = || ParseAmountError(s.to_owned());
        let t = s.trim();
        let t = t
            .strip_prefix('¥')
            .or_else(|| t.strip_prefix('￥'))
            .unwrap_or(t);
        let (yuan, fen) = t.split_once('.').unwrap_or((t, "0"));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(yuan) || !digits(fen) || fen.len() > 2 {
            return Err(err());
        }
        let yuan: u64 = yuan.parse().map_err(|_| err())?;
        let fen: u64 = format!("{fen:0<2}").parse().map_err(|_| err())?;
        yuan.checked_mul(100)
            .and_then(|c| c.checked_add(fen))
            .map(Amount)
            .ok_or_else(err)
    }
}

/// An order placed and not paid yet, as the host's order system knows it.
///
/// Times serialize as RFC 3339 text (`"2026-11-25T02:00:00Z"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpaidOrder {
    /// The order number, `{order_id}` in texts; it also seeds which variant is sent.
    pub id: String,
    /// What the buyer owes, `{amount}` in texts; compared with a channel's `min_amount`.
    pub amount: Amount,
    /// When the order was placed (`after_order` counts from here).
    #[serde(with = "rfc3339")]
    pub created: SystemTime,
    /// When the platform closes the order if unpaid (`before_close` counts back from
    /// here); `{deadline}` in texts, in the shop's time zone.
    #[serde(with = "rfc3339")]
    pub closes_at: SystemTime,
    /// The buyer's name or nickname, `{buyer}` in texts; empty when unknown (texts
    /// then fall back to `{buyer|default}` or to a variant without `{buyer}`).
    #[serde(default)]
    pub buyer_name: String,
}

impl UnpaidOrder {
    /// An order with no buyer name; see [`UnpaidOrder::with_buyer_name`].
    pub fn new(
        id: impl Into<String>,
        amount: Amount,
        created: SystemTime,
        closes_at: SystemTime,
    ) -> UnpaidOrder {
        UnpaidOrder {
            id: id.into(),
            amount,
            created,
            closes_at,
            buyer_name: String::new(),
        }
    }

    /// The same order with the buyer's name.
    pub fn with_buyer_name(mut self, name: impl Into<String>) -> UnpaidOrder {
        self.buyer_name = name.into();
        self
    }

    /// The order as a session keeps it: id and name cleaned and cut like captures.
    pub(crate) fn bounded(mut self) -> UnpaidOrder {
        self.id = clean_text(&self.id);
        self.buyer_name = clean_text(&self.buyer_name);
        self
    }
}

/// One reminder sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentReminder {
    /// The channel it went out on.
    pub channel: Channel,
    /// When it was sent (RFC 3339 in JSON).
    #[serde(with = "rfc3339")]
    pub at: SystemTime,
}

/// The reminders already sent for one order: at most one per channel.
///
/// The host keeps it next to the order (it is serde data, a JSON list of
/// `{"channel": "im", "at": "…"}`) and records each reminder it sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReminderHistory {
    sent: Vec<SentReminder>,
}

impl ReminderHistory {
    /// No reminder sent yet.
    pub fn new() -> ReminderHistory {
        ReminderHistory::default()
    }

    /// Records a reminder sent on `channel` at `at`, replacing an earlier record of
    /// the same channel.
    pub fn record(&mut self, channel: Channel, at: SystemTime) {
        self.sent.retain(|s| s.channel != channel);
        self.sent.push(SentReminder { channel, at });
    }

    /// When a reminder went out on `channel`, if one did.
    pub fn sent_at(&self, channel: Channel) -> Option<SystemTime> {
        self.sent
            .iter()
            .find(|s| s.channel == channel)
            .map(|s| s.at)
    }

    /// The reminders recorded, in the order they were recorded.
    pub fn iter(&self) -> impl Iterator<Item = &SentReminder> {
        self.sent.iter()
    }

    /// Whether nothing was sent yet.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

/// What to do about an unpaid order now; see [`Engine::plan_reminder`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReminderPlan {
    /// Send `text` on `channel` now, then [`ReminderHistory::record`] it.
    Remind {
        /// The channel to use.
        channel: Channel,
        /// The rendered text: the message, or the script an agent reads on the phone.
        text: String,
        /// Index of the variant in the file's list (to track which wording converts).
        variant: usize,
    },
    /// Nothing to send now; ask again at `until` (the next reminder is due then,
    /// unless the order is paid or the history changes).
    Wait {
        /// When the next reminder is due.
        until: SystemTime,
        /// The channel it will use.
        channel: Channel,
        /// Why not now.
        reason: WaitReason,
    },
    /// No reminder will be due for this order, whenever asked again.
    Done {
        /// Why.
        reason: DoneReason,
    },
}

/// Why a [`ReminderPlan::Wait`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitReason {
    /// The channel's time (`after_order`, `before_close`) has not come yet.
    NotDue,
    /// The last reminder was sent less than `min_gap` ago.
    Gap,
    /// It is the shop's quiet hours; `until` is when they end.
    QuietHours,
}

/// Why a [`ReminderPlan::Done`] is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DoneReason {
    /// The order has closed (`now` is at or after `closes_at`).
    OrderClosed,
    /// No channel applies: the rules have no `payment_reminders` channel, or the
    /// order is below every channel's `min_amount`.
    NoChannel,
    /// Every channel that applies to the order has been used.
    AllSent,
    /// A channel is left, but its time (moved by `min_gap` or quiet hours) falls at
    /// or after the order closes.
    NothingBeforeClose,
}

impl WaitReason {
    /// The snake_case name (`not_due`, `gap`, `quiet_hours`).
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::NotDue => "not_due",
            WaitReason::Gap => "gap",
            WaitReason::QuietHours => "quiet_hours",
        }
    }
}

impl DoneReason {
    /// The snake_case name (`order_closed`, `no_channel`, `all_sent`,
    /// `nothing_before_close`).
    pub fn as_str(self) -> &'static str {
        match self {
            DoneReason::OrderClosed => "order_closed",
            DoneReason::NoChannel => "no_channel",
            DoneReason::AllSent => "all_sent",
            DoneReason::NothingBeforeClose => "nothing_before_close",
        }
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for DoneReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Engine {
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
        let (now, created, close) = (secs(now), secs(order.created), secs(order.closes_at));
        if now >= close {
            return ReminderPlan::Done {
                reason: DoneReason::OrderClosed,
            };
        }
        let Some(policy) = &rules.payment else {
            return ReminderPlan::Done {
                reason: DoneReason::NoChannel,
            };
        };
        let last_sent = history.iter().map(|s| secs(s.at)).max();
        let mut applies = false;
        let mut left = false;
        let mut best: Option<(i64, WaitReason, &ChannelPolicy)> = None;
        for c in &policy.channels {
            if c.min_amount.is_some_and(|min| order.amount < min) {
                continue;
            }
            applies = true;
            if history.sent_at(c.channel).is_some() {
                continue;
            }
            left = true;
            let mut at = match c.due {
                Due::AfterOrder(d) => created.saturating_add(d),
                Due::BeforeClose(d) => close.saturating_sub(d),
            };
            let mut reason = WaitReason::NotDue;
            if let Some(gap_end) = last_sent.map(|l| l.saturating_add(policy.min_gap_secs)) {
                if gap_end > at {
                    (at, reason) = (gap_end, WaitReason::Gap);
                }
            }
            at = at.max(now).max(created);
            if let Some(end) = policy.quiet.and_then(|q| quiet_end(q, at, &rules.timezone)) {
                (at, reason) = (end, WaitReason::QuietHours);
            }
            if at < close && best.is_none_or(|(b, _, _)| at < b) {
                best = Some((at, reason, c));
            }
        }
        match best {
            Some((at, _, c)) if at <= now => {
                let mut text = String::new();
                let variant = render(&c.texts, c.channel.key(), order, &rules.timezone, &mut text);
                ReminderPlan::Remind {
                    channel: c.channel,
                    text,
                    variant,
                }
            }
            Some((at, reason, c)) => ReminderPlan::Wait {
                until: Timestamp::from_second(at).map_or(order.closes_at, SystemTime::from),
                channel: c.channel,
                reason,
            },
            None => ReminderPlan::Done {
                reason: if left {
                    DoneReason::NothingBeforeClose
                } else if applies {
                    DoneReason::AllSent
                } else {
                    DoneReason::NoChannel
                },
            },
        }
    }
}

/// The `pay_by` notice that opens a conversation with a buyer whose order is unpaid
/// and still open at `now`, if the rules have one.
pub(crate) fn pay_by_notice<'r>(
    rules: &'r RuleSet,
    session: &Session,
    now: Timestamp,
) -> Option<&'r [Template]> {
    let order = session.unpaid_order()?;
    let pay_by = &rules.payment.as_ref()?.pay_by;
    (!pay_by.is_empty() && now.as_second() < secs(order.closes_at)).then_some(pay_by.as_slice())
}

/// Renders the `pay_by` notice for the session's unpaid order into `out`.
pub(crate) fn render_pay_by(
    templates: &[Template],
    rules: &RuleSet,
    session: &Session,
    out: &mut String,
) {
    if let Some(order) = session.unpaid_order() {
        render(templates, "pay_by", order, &rules.timezone, out);
    }
}

/// Renders the variant of `templates` chosen by the order id and `key` into `out`,
/// skipping variants that need a value the order lacks (`{buyer}` with no name), and
/// returns its index.
fn render(
    templates: &[Template],
    key: &str,
    order: &UnpaidOrder,
    tz: &TimeZone,
    out: &mut String,
) -> usize {
    let n = templates.len();
    if n == 0 {
        return 0;
    }
    let values = order_values(order, tz);
    let start = stable_hash(&order.id, key) as usize % n;
    let chosen = (0..n)
        .map(|k| (start + k) % n)
        .find(|&i| templates[i].renderable(Vars::captures(&values)))
        .unwrap_or(start);
    templates[chosen].render_into(Vars::captures(&values), out);
    chosen
}

/// The values of the order variables (see `rules::ORDER_VARS`); an empty id or name
/// is left out, so `{buyer|亲}` shows its default.
fn order_values(order: &UnpaidOrder, tz: &TimeZone) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    for (name, raw) in [("buyer", &order.buyer_name), ("order_id", &order.id)] {
        let clean = clean_text(raw);
        if !clean.trim().is_empty() {
            v.insert(name.to_owned(), clean);
        }
    }
    v.insert("amount".to_owned(), order.amount.to_string());
    let deadline = Timestamp::from_second(secs(order.closes_at))
        .ok()
        .and_then(|t| jiff::fmt::strtime::format("%-m月%-d日 %H:%M", &t.to_zoned(tz.clone())).ok())
        .unwrap_or_default();
    v.insert("deadline".to_owned(), deadline);
    v
}

/// Unix seconds of `t`, clamped to the range of [`Timestamp`].
fn secs(t: SystemTime) -> i64 {
    match Timestamp::try_from(t) {
        Ok(ts) => ts.as_second(),
        Err(_) if t < SystemTime::UNIX_EPOCH => Timestamp::MIN.as_second(),
        Err(_) => Timestamp::MAX.as_second(),
    }
}

/// When the quiet hours that `t` falls in end, or `None` when `t` is not in them.
fn quiet_end(q: QuietHours, t: i64, tz: &TimeZone) -> Option<i64> {
    let local = Timestamp::from_second(t).ok()?.to_zoned(tz.clone());
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    let (start, end) = (i32::from(q.start), i32::from(q.end));
    let overnight = start > end;
    let inside = if overnight {
        minute >= start || minute < end
    } else {
        (start..end).contains(&minute)
    };
    if !inside {
        return None;
    }
    let mut date = local.date();
    if overnight && minute >= start {
        date = date.tomorrow().ok()?;
    }
    let (h, m) = (i8::try_from(end / 60).ok()?, i8::try_from(end % 60).ok()?);
    let end = date
        .to_datetime(jiff::civil::Time::new(h, m, 0, 0).ok()?)
        .to_zoned(tz.clone())
        .ok()?
        .timestamp()
        .as_second();
    (end > t).then_some(end)
}

/// `SystemTime` as RFC 3339 text in serde, clamped to the range of [`Timestamp`].
mod rfc3339 {
    use jiff::Timestamp;
    use serde::{de, Deserialize, Deserializer, Serializer};
    use std::time::SystemTime;

    pub(super) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let ts = Timestamp::try_from(*t).unwrap_or(if *t < SystemTime::UNIX_EPOCH {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        s.collect_str(&ts)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Timestamp>()
            .map(SystemTime::from)
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
