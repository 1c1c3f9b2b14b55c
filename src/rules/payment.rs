//! The `payment_reminders:` section (催付), validated into
//! [`PaymentReminders`](crate::shop::payment::PaymentReminders); the planner that
//! applies it is in `crate::shop::payment`.

/// `min_gap` when the file does not set it.
const DEFAULT_MIN_GAP_SECS: i64 = 3600;

use super::model::{ChannelRule, PaymentRule};
use super::{loc, Validator};
use crate::basics::clock::DayRange;
use crate::basics::error::ErrorKind;
use crate::basics::money::Amount;
use crate::shop::payment::{Channel, ChannelPolicy, Due, PaymentReminders, ORDER_VARS};
use crate::template::Scope;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

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
            let q = DayRange::parse(&s.value);
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
}
