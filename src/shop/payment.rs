//! Payment reminders (催付): when to remind a buyer of an unpaid order, on which
//! channel, with which text.
//!
//! The shop's policy is the rule file's `payment_reminders:` section: an IM message
//! (旺旺) soon after the order, an SMS in the last hours before the order closes, a
//! phone call only above an amount; never twice on one channel, at least `min_gap`
//! between two reminders, and nothing during the shop's quiet hours.
//! [`Engine::plan_reminder`](crate::Engine::plan_reminder) applies it to one order: a pure function of the order,
//! the reminders already sent ([`ReminderHistory`]) and `now`, so a host's scheduler
//! can call it as often as it likes and follow the [`ReminderPlan`].
//!
//! A [`Session`](crate::Session) told of an unpaid order
//! ([`Session::set_unpaid_order`](crate::Session::set_unpaid_order)) opens the
//! conversation with the greeting and the file's `pay_by` notice.
//!
//! The section's compiled type ([`PaymentReminders`]), the planner and the order types
//! live here; `rules/payment.rs` only validates the YAML into them.

use crate::basics::clock::{system_time, unix_seconds, DayRange};
use crate::basics::money::Amount;
use crate::basics::text::{clean_text, stable_hash};
use crate::template::{Template, Vars};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

/// What texts of `payment_reminders:` may name besides the shop's constants; a shop
/// variable may not take one of these names while the section is there.
pub(crate) const ORDER_VARS: [&str; 4] = ["buyer", "order_id", "amount", "deadline"];

/// A validated `payment_reminders:` section.
#[derive(Debug, Clone)]
pub(crate) struct PaymentReminders {
    /// The channels the file configures, in [`Channel::ALL`] order.
    pub(crate) channels: Vec<ChannelPolicy>,
    /// Quiet hours in the shop's time zone (a range past midnight when it ends before
    /// it starts).
    pub(crate) quiet: Option<DayRange>,
    pub(crate) min_gap_secs: i64,
    /// The notice of a conversation's opening for a buyer with an unpaid order.
    pub(crate) pay_by: Vec<Template>,
}

/// When and to whom one channel reminds, and with which texts.
#[derive(Debug, Clone)]
pub(crate) struct ChannelPolicy {
    pub(crate) channel: Channel,
    pub(crate) due: Due,
    pub(crate) min_amount: Option<Amount>,
    pub(crate) texts: Vec<Template>,
}

/// When a channel's reminder is due, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    AfterOrder(i64),
    BeforeClose(i64),
}

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
    type Err = ParseChannelError;
    fn from_str(s: &str) -> Result<Channel, ParseChannelError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.key() == s.trim())
            .ok_or_else(|| ParseChannelError(s.to_owned()))
    }
}

/// Why a text is not a [`Channel`]; its `Display` names the known keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseChannelError(String);

impl fmt::Display for ParseChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown channel '{}'; known: im, sms, phone", self.0)
    }
}

impl std::error::Error for ParseChannelError {}

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
    #[serde(with = "crate::basics::clock::rfc3339")]
    pub created: SystemTime,
    /// When the platform closes the order if unpaid (`before_close` counts back from
    /// here); `{deadline}` in texts, in the shop's time zone.
    #[serde(with = "crate::basics::clock::rfc3339")]
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
    #[serde(with = "crate::basics::clock::rfc3339")]
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

/// What to do about an unpaid order now; see
/// [`Engine::plan_reminder`](crate::Engine::plan_reminder).
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

/// What to send now for `order` under `policy` (see
/// [`Engine::plan_reminder`](crate::Engine::plan_reminder), which documents the rules):
/// pure, and total over any times.
pub(crate) fn plan(
    policy: Option<&PaymentReminders>,
    tz: &TimeZone,
    order: &UnpaidOrder,
    history: &ReminderHistory,
    now: SystemTime,
) -> ReminderPlan {
    let (now, created, close) = (secs(now), secs(order.created), secs(order.closes_at));
    if now >= close {
        return ReminderPlan::Done {
            reason: DoneReason::OrderClosed,
        };
    }
    let Some(policy) = policy else {
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
        if let Some(end) = policy.quiet.and_then(|q| quiet_end(q, at, tz)) {
            (at, reason) = (end, WaitReason::QuietHours);
        }
        if at < close && best.is_none_or(|(b, _, _)| at < b) {
            best = Some((at, reason, c));
        }
    }
    match best {
        Some((at, _, c)) if at <= now => {
            let mut text = String::new();
            let variant = render(&c.texts, c.channel.key(), order, tz, &mut text);
            ReminderPlan::Remind {
                channel: c.channel,
                text,
                variant,
            }
        }
        Some((at, reason, c)) => ReminderPlan::Wait {
            until: system_time(at),
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

impl PaymentReminders {
    /// The `pay_by` notice that opens a conversation with a buyer whose `order` is
    /// unpaid and still open at `now` (unix seconds), if the section has one.
    pub(crate) fn pay_by_for(&self, order: Option<&UnpaidOrder>, now: i64) -> Option<&[Template]> {
        let order = order?;
        (!self.pay_by.is_empty() && now < secs(order.closes_at)).then_some(self.pay_by.as_slice())
    }
}

/// Renders the `pay_by` notice for `order` into `out`.
pub(crate) fn render_pay_by(
    templates: &[Template],
    order: &UnpaidOrder,
    tz: &TimeZone,
    out: &mut String,
) {
    render(templates, "pay_by", order, tz, out);
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
    let start = stable_hash(&order.id, key.as_bytes()) as usize % n;
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

/// Unix seconds of `t`, clamped (the one clock policy).
fn secs(t: SystemTime) -> i64 {
    unix_seconds(t)
}

/// When the quiet hours that `t` falls in end, or `None` when `t` is not in them.
/// The end is the wall-clock time in `tz` (on a day the zone changes its clocks, the
/// quiet hours follow the wall clock).
fn quiet_end(q: DayRange, t: i64, tz: &TimeZone) -> Option<i64> {
    let local = Timestamp::from_second(t).ok()?.to_zoned(tz.clone());
    let minute =
        u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
    if !q.contains(minute) {
        return None;
    }
    // The end as a civil time: the start of this minute plus the minutes left.
    let start_of_minute = local
        .datetime()
        .with()
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .ok()?;
    let end = start_of_minute
        .checked_add(jiff::SignedDuration::from_mins(i64::from(
            q.minutes_left(minute),
        )))
        .ok()?
        .to_zoned(tz.clone())
        .ok()?
        .timestamp()
        .as_second();
    (end > t).then_some(end)
}

#[cfg(test)]
mod tests;
