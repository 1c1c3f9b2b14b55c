//! Validation of `first_reply.promotions` and `first_reply.reminders` into
//! [`Window`]s: once (`from`/`until` dates), every year (`MM-DD`), or on `weekly:` or
//! `monthly:` days during a time of day, all in the shop's zone (docs/RULES.md,
//! "Promotions and reminders").

use super::model::{MonthDays, WindowRule};
use super::{loc, Validator, S};
use crate::basics::clock::{
    parse_date_time, parse_days, parse_hhmm, parse_month_day, DayRange, When, DAY,
};
use crate::basics::error::{ErrorKind, Location};
use crate::pipeline::compose::Window;
use crate::template::Scope;
use jiff::tz::TimeZone;
use serde_saphyr::Spanned;

/// What a `from` or `until` of a window without `weekly:`/`monthly:` says.
enum Date {
    Once(jiff::Timestamp),
    Yearly(u32),
}

const DATE_FORMS: &str = "write YYYY-MM-DD HH:MM (once) or MM-DD HH:MM (every year) in the shop's time zone; a date without HH:MM is the whole day";

impl Validator {
    /// The windows of `list` (at `path`: `first_reply.promotions`, `…reminders`).
    pub(super) fn windows(
        &mut self,
        list: Vec<Spanned<WindowRule>>,
        tz: &TimeZone,
        scope: &Scope<'_>,
        path: &str,
    ) -> Vec<Window> {
        let mut out = Vec::new();
        for (i, w) in list.into_iter().enumerate() {
            let at = loc(&w);
            let path = format!("{path}[{i}]");
            let w = w.value;
            self.required(w.id.as_ref(), "id", at, &path);
            self.required(w.text.as_ref(), "text", at, &path);
            let when = self.when(&w, tz, at, &path);
            let text = w.text.as_ref().and_then(|s| {
                let tpath = format!("{path}.text");
                let t = self.template(s, scope, &tpath)?;
                self.check_product_variants(std::slice::from_ref(&t), loc(s), &tpath);
                Some(t)
            });
            if let (Some(id), Some(when), Some(text)) = (w.id, when, text) {
                out.push(Window {
                    id: id.value,
                    location: at,
                    when,
                    tz: tz.clone(),
                    text,
                });
            }
        }
        out
    }

    fn when(
        &mut self,
        w: &WindowRule,
        tz: &TimeZone,
        at: Option<Location>,
        path: &str,
    ) -> Option<When> {
        match (&w.weekly, &w.monthly) {
            (Some(_), Some(m)) => {
                self.problem(
                    ErrorKind::InvalidTime,
                    "a window repeats weekly or monthly, not both; write two windows",
                    loc(m),
                    &format!("{path}.monthly"),
                );
                None
            }
            (Some(days), None) => {
                let mask = match parse_days(&days.value) {
                    Ok(m) => Some(m),
                    Err(msg) => {
                        self.problem(
                            ErrorKind::InvalidTime,
                            msg,
                            loc(days),
                            &format!("{path}.weekly"),
                        );
                        None
                    }
                };
                let hours = self.hours(w, path);
                Some(When::Weekly {
                    days: mask?,
                    hours: hours?,
                })
            }
            (None, Some(m)) => {
                let days = self.month_days(m, path);
                let hours = self.hours(w, path);
                Some(When::Monthly {
                    days: days?,
                    hours: hours?,
                })
            }
            (None, None) => self.dates(w, tz, at, path),
        }
    }

    /// `monthly:` as a mask of days (bit d = day d).
    fn month_days(&mut self, m: &Spanned<MonthDays>, path: &str) -> Option<u32> {
        let path = format!("{path}.monthly");
        if m.value.0.is_empty() {
            self.problem(
                ErrorKind::InvalidTime,
                "monthly lists no day; write a day of the month such as 18, or a list [1, 15]",
                loc(m),
                &path,
            );
            return None;
        }
        let mut mask = 0u32;
        let mut ok = true;
        for d in &m.value.0 {
            match d.parse::<u32>() {
                Ok(n @ 1..=31) => mask |= 1 << n,
                _ => {
                    self.problem(
                        ErrorKind::InvalidTime,
                        format!("'{d}' is not a day of the month; write a number from 1 to 31"),
                        loc(m),
                        &path,
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(mask)
    }

    /// `from`/`until` of a weekly or monthly window: times of day, the whole day when
    /// both are left out.
    fn hours(&mut self, w: &WindowRule, path: &str) -> Option<DayRange> {
        let mut time = |s: &Option<S>, key: &str, end: bool, default: u32| match s {
            None => Some(default),
            Some(s) => {
                let t = parse_hhmm(&s.value, end);
                if t.is_none() {
                    self.problem(
                        ErrorKind::InvalidTime,
                        format!("invalid time of day '{}'; with weekly: or monthly:, {key} is HH:MM such as 10:00 (the days say when)", s.value),
                        loc(s),
                        &format!("{path}.{key}"),
                    );
                }
                t
            }
        };
        let from = time(&w.from, "from", false, 0);
        let until = time(&w.until, "until", true, DAY);
        let range = DayRange::new(from?, until?);
        if range.is_none() {
            self.problem(
                ErrorKind::InvalidTime,
                "from and until are the same time of day; leave both out for the whole day",
                w.until.as_ref().and_then(loc),
                &format!("{path}.until"),
            );
        }
        range
    }

    /// `from`/`until` of a window without `weekly:`/`monthly:`: both dates (once) or
    /// both days of the year (every year).
    fn dates(
        &mut self,
        w: &WindowRule,
        tz: &TimeZone,
        at: Option<Location>,
        path: &str,
    ) -> Option<When> {
        let mut date = |s: &Option<S>, key: &str, end: bool| {
            let s = self.required(s.as_ref(), key, at, path)?;
            let parsed = parse_date_time(&s.value, tz, end)
                .map(Date::Once)
                .or_else(|| parse_month_day(&s.value, end).map(Date::Yearly));
            if parsed.is_none() {
                let msg = if parse_hhmm(&s.value, true).is_some() {
                    format!("'{}' is a time of day, but the window names no days; add weekly: (fri, sat,sun …) or monthly: (18, [1, 15]), or write a date", s.value)
                } else {
                    format!("invalid time '{}'; {DATE_FORMS}", s.value)
                };
                self.problem(
                    ErrorKind::InvalidTime,
                    msg,
                    loc(s),
                    &format!("{path}.{key}"),
                );
            }
            parsed
        };
        let from = date(&w.from, "from", false);
        let until = date(&w.until, "until", true);
        let until_at = w.until.as_ref().and_then(loc);
        match (from?, until?) {
            (Date::Once(from), Date::Once(until)) if until < from => {
                self.problem(
                    ErrorKind::InvalidTime,
                    "time window ends before it starts (until < from)",
                    until_at,
                    &format!("{path}.until"),
                );
                None
            }
            (Date::Once(from), Date::Once(until)) => Some(When::Once { from, until }),
            (Date::Yearly(from), Date::Yearly(until)) => Some(When::Yearly { from, until }),
            (from, _) => {
                let (f, u) = match from {
                    Date::Once(_) => ("a date (YYYY-MM-DD: once)", "a day of every year (MM-DD)"),
                    Date::Yearly(_) => ("a day of every year (MM-DD)", "a date (YYYY-MM-DD: once)"),
                };
                self.problem(
                    ErrorKind::InvalidTime,
                    format!(
                        "from is {f} but until is {u}; write both with a year, or both without"
                    ),
                    until_at,
                    &format!("{path}.until"),
                );
                None
            }
        }
    }
}
