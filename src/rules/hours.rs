//! Validation of `shop.agent_hours` into [`AgentHours`].

use super::model::HoursRule;
use super::{loc, Validator, S};
use crate::basics::clock::{parse_days, parse_hhmm, DayRange, DAY};
use crate::basics::error::{ErrorKind, Location};
use crate::shop::hours::AgentHours;
use jiff::tz::TimeZone;
use serde_saphyr::Spanned;

impl Validator {
    /// `shop.agent_hours`, read in `tz`.
    pub(super) fn agent_hours(
        &mut self,
        rule: Option<Spanned<Vec<Spanned<HoursRule>>>>,
        tz: &TimeZone,
    ) -> Option<AgentHours> {
        let rule = rule?;
        if rule.value.is_empty() {
            self.problem(
                ErrorKind::MissingKey,
                "agent_hours is empty; list at least one {days, from, until} range, or leave the key out when agents are always on duty",
                loc(&rule),
                "shop.agent_hours",
            );
            return None;
        }
        let mut specs = Vec::new();
        for (i, r) in rule.value.iter().enumerate() {
            let path = format!("shop.agent_hours[{i}]");
            let at = loc(r);
            let days = match &r.value.days {
                None => Some(0x7f),
                Some(d) => match parse_days(&d.value) {
                    Ok(mask) => Some(mask),
                    Err(msg) => {
                        self.problem(ErrorKind::InvalidTime, msg, loc(d), &format!("{path}.days"));
                        None
                    }
                },
            };
            let from = self.clock(r.value.from.as_ref(), "from", at, &path);
            let until = self.clock(r.value.until.as_ref(), "until", at, &path);
            let range = from.zip(until).and_then(|(f, u)| DayRange::new(f, u));
            let (Some(days), Some(from), Some(until)) = (days, from, until) else {
                continue;
            };
            if from == until {
                self.problem(
                    ErrorKind::InvalidTime,
                    "from and until are the same time; write from: \"00:00\", until: \"24:00\" for all day",
                    r.value.until.as_ref().and_then(loc),
                    &format!("{path}.until"),
                );
                continue;
            }
            if from == DAY {
                self.problem(
                    ErrorKind::InvalidTime,
                    "from: \"24:00\" is the next day's 00:00; write that",
                    r.value.from.as_ref().and_then(loc),
                    &format!("{path}.from"),
                );
                continue;
            }
            if let Some(range) = range {
                specs.push((days, range));
            }
        }
        AgentHours::new(tz.clone(), &specs)
    }

    fn clock(&mut self, s: Option<&S>, key: &str, at: Option<Location>, path: &str) -> Option<u32> {
        let s = self.required(s, key, at, path)?;
        let m = parse_hhmm(&s.value, true);
        if m.is_none() {
            self.problem(
                ErrorKind::InvalidTime,
                format!(
                    "invalid time '{}'; write HH:MM, such as 09:00 or 24:00",
                    s.value
                ),
                loc(s),
                &format!("{path}.{key}"),
            );
        }
        m
    }
}
