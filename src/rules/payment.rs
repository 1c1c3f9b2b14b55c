//! The `payment_reminders:` section (催付), validated into [`PaymentReminders`]; the
//! planner that applies it is `crate::remind`.

use super::model::{ChannelRule, PaymentRule};
use super::{loc, Validator, S};
use crate::error::ErrorKind;
use crate::remind::{Amount, Channel};
use crate::template::{Scope, Template};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// What texts of `payment_reminders:` may name besides the shop's constants; a shop
/// variable may not take one of these names while the section is there.
pub(crate) const ORDER_VARS: [&str; 4] = ["buyer", "order_id", "amount", "deadline"];

const DEFAULT_MIN_GAP_SECS: i64 = 3600;

/// A validated `payment_reminders:` section.
#[derive(Debug, Clone)]
pub(crate) struct PaymentReminders {
    /// The channels the file configures, in [`Channel::ALL`] order.
    pub(crate) channels: Vec<ChannelPolicy>,
    pub(crate) quiet: Option<QuietHours>,
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

/// Quiet hours in the shop's time zone, as minutes after midnight; `start > end`
/// spans midnight. Never empty (`start != end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuietHours {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

const PATH: &str = "payment_reminders";

impl Validator {
    pub(super) fn payment_reminders(
        &mut self,
        rule: Spanned<PaymentRule>,
        constants: &BTreeMap<String, String>,
    ) -> PaymentReminders {
        let at = loc(&rule);
        let r = rule.value;
        let vars = ORDER_VARS.map(str::to_owned);
        let scope = Scope {
            constants,
            captures: &vars,
        };
        let quiet = r.quiet_hours.as_ref().and_then(|s| {
            let q = parse_quiet_hours(&s.value);
            if q.is_none() {
                self.problem(
                    ErrorKind::InvalidTime,
                    format!(
                        "invalid quiet hours '{}'; write HH:MM-HH:MM in the shop's time zone, like 22:00-08:00",
                        s.value
                    ),
                    loc(s),
                    &format!("{PATH}.quiet_hours"),
                );
            }
            q
        });
        let min_gap_secs = r
            .min_gap
            .as_ref()
            .and_then(|s| self.duration(s, &format!("{PATH}.min_gap")))
            .unwrap_or(DEFAULT_MIN_GAP_SECS);
        let pay_by = match &r.pay_by {
            Some(list) if list.value.is_empty() => {
                self.problem(
                    ErrorKind::EmptyReply,
                    "pay_by needs at least one text (or leave the key out)",
                    loc(list),
                    &format!("{PATH}.pay_by"),
                );
                Vec::new()
            }
            Some(list) => self.templates(&list.value, &scope, &format!("{PATH}.pay_by")),
            None => Vec::new(),
        };
        let any_channel = r.im.is_some() || r.sms.is_some() || r.phone.is_some();
        let mut channels = Vec::new();
        for (channel, rule) in [
            (Channel::Im, r.im),
            (Channel::Sms, r.sms),
            (Channel::Phone, r.phone),
        ] {
            if let Some(rule) = rule {
                if let Some(c) = self.channel(channel, rule, &scope) {
                    channels.push(c);
                }
            }
        }
        if r.pay_by.is_none() && !any_channel {
            self.problem(
                ErrorKind::MissingKey,
                "payment_reminders has no channel (im, sms, phone) and no pay_by",
                at,
                PATH,
            );
        }
        PaymentReminders {
            channels,
            quiet,
            min_gap_secs,
            pay_by,
        }
    }

    fn channel(
        &mut self,
        channel: Channel,
        rule: Spanned<ChannelRule>,
        scope: &Scope<'_>,
    ) -> Option<ChannelPolicy> {
        let at = loc(&rule);
        let path = format!("{PATH}.{}", channel.key());
        let r = rule.value;
        let due = match (&r.after_order, &r.before_close) {
            (Some(a), None) => self
                .duration(a, &format!("{path}.after_order"))
                .map(Due::AfterOrder),
            (None, Some(b)) => self
                .duration(b, &format!("{path}.before_close"))
                .map(Due::BeforeClose),
            (Some(_), Some(b)) => {
                self.problem(
                    ErrorKind::InvalidTime,
                    "give after_order or before_close, not both",
                    loc(b),
                    &format!("{path}.before_close"),
                );
                None
            }
            (None, None) => {
                self.problem(
                    ErrorKind::MissingKey,
                    format!(
                        "channel '{}' needs after_order (e.g. 15m) or before_close (e.g. 6h)",
                        channel.key()
                    ),
                    at,
                    &path,
                );
                None
            }
        };
        let min_amount = r.min_amount.as_ref().and_then(|s| {
            let parsed = s.value.parse::<Amount>();
            if let Err(e) = &parsed {
                self.problem(
                    ErrorKind::Syntax,
                    e.to_string(),
                    loc(s),
                    &format!("{path}.min_amount"),
                );
            }
            parsed.ok()
        });
        let texts = match &r.texts {
            Some(list) if !list.value.is_empty() => {
                self.templates(&list.value, scope, &format!("{path}.texts"))
            }
            _ => {
                let at = r.texts.as_ref().map_or(at, loc);
                self.problem(
                    ErrorKind::EmptyReply,
                    format!(
                        "channel '{}' needs at least one text under texts:",
                        channel.key()
                    ),
                    at,
                    &path,
                );
                Vec::new()
            }
        };
        Some(ChannelPolicy {
            channel,
            due: due?,
            min_amount,
            texts,
        })
    }

    /// A duration (`90s`, `30m`, `2h`, `1d`) in seconds, or a located problem.
    pub(super) fn duration(&mut self, s: &S, path: &str) -> Option<i64> {
        let d = super::parse_duration(&s.value);
        if d.is_none() {
            self.problem(
                ErrorKind::InvalidTime,
                format!(
                    "invalid duration '{}'; write e.g. 90s, 30m, 2h, 1d",
                    s.value
                ),
                loc(s),
                path,
            );
        }
        d
    }
}

/// `22:00-08:00` → quiet hours; `None` when malformed or empty (start = end).
fn parse_quiet_hours(s: &str) -> Option<QuietHours> {
    let (a, b) = s.split_once('-')?;
    let minute = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        if m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    let (start, end) = (minute(a)?, minute(b)?);
    (start != end).then_some(QuietHours { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_parse() {
        let q = |s| parse_quiet_hours(s).map(|q| (q.start, q.end));
        assert_eq!(q("22:00-08:00"), Some((1320, 480)));
        assert_eq!(q(" 0:30 - 6:05 "), Some((30, 365)));
        assert_eq!(q("13:00-14:00"), Some((780, 840)));
        for bad in [
            "22:00",
            "22-08",
            "24:00-08:00",
            "22:60-08:00",
            "8:0-9:00",
            "22:00-22:00",
            "a-b",
            "",
        ] {
            assert_eq!(q(bad), None, "{bad}");
        }
    }
}
