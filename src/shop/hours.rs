//! Working hours of the shop's human agents (`shop.agent_hours`), read in the shop's
//! time zone, and when they are next on duty (`{next_open}` of `off_hours_reply`).
//!
//! Hours are kept as ranges of minutes of the week (Monday 00:00 is 0), each starting
//! on one of its days and lasting up to 24 hours, so a range past midnight
//! (`from: "20:00", until: "02:00"`) and one past Sunday night need no special case:
//! a minute is inside a range when `(minute - start) mod week < length`. Only civil
//! time is compared: on a day a zone changes its clocks, hours follow the wall clock.

use crate::basics::clock::{civil_minute, DayRange, DAY};
use jiff::tz::TimeZone;
use jiff::Timestamp;

const WEEK: u32 = 7 * DAY;

/// One range: a day's `from` for `len` minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    /// Minute of the week it starts (Monday 00:00 = 0).
    start: u32,
    /// Minutes, 1..=1440.
    len: u32,
}

/// When human agents are on duty, in the shop's time zone. Never empty.
#[derive(Debug, Clone)]
pub(crate) struct AgentHours {
    tz: TimeZone,
    ranges: Vec<Range>,
}

/// When agents are next on duty, in the shop's civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NextOpen {
    /// 0 today, 1 tomorrow …
    pub(crate) days_ahead: u32,
    /// 0 Monday … 6 Sunday.
    pub(crate) weekday: u32,
    /// Minute of the day.
    pub(crate) minute: u32,
}

impl NextOpen {
    /// `今天 09:00`, `明天 09:00`, `后天 09:00`, else the weekday: `周一 09:00`.
    pub(crate) fn label(&self) -> String {
        const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        let day = match self.days_ahead {
            0 => "今天",
            1 => "明天",
            2 => "后天",
            _ => WEEKDAYS
                .get(self.weekday as usize)
                .copied()
                .unwrap_or("周一"),
        };
        format!("{day} {:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

impl AgentHours {
    /// Hours from `(day mask, daily range)` pairs: bit 0 of the mask is Monday, a
    /// range past midnight belongs to the day it starts. `None` when no range has a day.
    pub(crate) fn new(tz: TimeZone, specs: &[(u8, DayRange)]) -> Option<AgentHours> {
        let mut ranges = Vec::new();
        for &(days, r) in specs {
            for d in 0..7 {
                if days & (1 << d) != 0 {
                    ranges.push(Range {
                        start: d * DAY + r.from,
                        len: r.len,
                    });
                }
            }
        }
        (!ranges.is_empty()).then_some(AgentHours { tz, ranges })
    }

    /// `None` when agents are on duty at `now`, else when they are next.
    pub(crate) fn off_duty_at(&self, now: Timestamp) -> Option<NextOpen> {
        let (minute_of_day, weekday) = civil_minute(now, &self.tz);
        self.off_duty_at_minute(weekday * DAY + minute_of_day)
    }

    fn off_duty_at_minute(&self, m: u32) -> Option<NextOpen> {
        let m = m % WEEK;
        if self
            .ranges
            .iter()
            .any(|r| (m + WEEK - r.start) % WEEK < r.len)
        {
            return None;
        }
        let delta = self
            .ranges
            .iter()
            .map(|r| (r.start + WEEK - m) % WEEK)
            .min()?;
        let at = m + delta;
        Some(NextOpen {
            days_ahead: (m % DAY + delta) / DAY,
            weekday: (at / DAY) % 7,
            minute: at % DAY,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::clock::{parse_days, parse_hhmm};

    const MON: u32 = 0;
    const FRI: u32 = 4;
    const SAT: u32 = 5;
    const SUN: u32 = 6;

    fn at(day: u32, clock: &str) -> u32 {
        day * DAY + parse_hhmm(clock, false).unwrap()
    }

    fn hours(specs: &[(&str, &str, &str)]) -> AgentHours {
        let specs: Vec<(u8, DayRange)> = specs
            .iter()
            .map(|(d, f, u)| {
                let (f, u) = (parse_hhmm(f, false).unwrap(), parse_hhmm(u, true).unwrap());
                (parse_days(d).unwrap(), DayRange::new(f, u).unwrap())
            })
            .collect();
        AgentHours::new(TimeZone::UTC, &specs).unwrap()
    }

    fn next(h: &AgentHours, m: u32) -> Option<String> {
        h.off_duty_at_minute(m).map(|n| n.label())
    }

    #[test]
    fn inside_and_outside_a_day_range() {
        let h = hours(&[("mon-sun", "09:00", "23:00")]);
        assert_eq!(next(&h, at(MON, "09:00")), None);
        assert_eq!(next(&h, at(MON, "22:59")), None);
        assert_eq!(next(&h, at(MON, "08:59")).as_deref(), Some("今天 09:00"));
        assert_eq!(next(&h, at(MON, "23:00")).as_deref(), Some("明天 09:00"));
        assert_eq!(next(&h, at(SUN, "23:30")).as_deref(), Some("明天 09:00"));
    }

    #[test]
    fn a_range_past_midnight_belongs_to_its_start_day() {
        // Friday and Saturday evenings until 02:00 the next morning.
        let h = hours(&[("fri-sat", "20:00", "02:00")]);
        assert_eq!(next(&h, at(FRI, "23:59")), None);
        assert_eq!(next(&h, at(SAT, "01:30")), None);
        assert_eq!(next(&h, at(SUN, "01:59")), None);
        assert_eq!(next(&h, at(SUN, "02:00")).as_deref(), Some("周五 20:00"));
        assert_eq!(next(&h, at(SAT, "02:00")).as_deref(), Some("今天 20:00"));
        assert_eq!(next(&h, at(FRI, "01:00")).as_deref(), Some("今天 20:00"));
        assert_eq!(next(&h, at(MON, "01:00")).as_deref(), Some("周五 20:00"));
        // Sunday night into Monday wraps the week.
        let w = hours(&[("sun", "22:00", "03:00")]);
        assert_eq!(next(&w, at(MON, "02:00")), None);
        assert_eq!(next(&w, at(MON, "03:00")).as_deref(), Some("周日 22:00"));
    }

    #[test]
    fn weekends_and_weekdays() {
        let h = hours(&[("mon-fri", "09:00", "18:00"), ("sat,sun", "10:00", "16:00")]);
        assert_eq!(next(&h, at(FRI, "18:00")).as_deref(), Some("明天 10:00"));
        assert_eq!(next(&h, at(SAT, "12:00")), None);
        assert_eq!(next(&h, at(SUN, "16:30")).as_deref(), Some("明天 09:00"));
        let weekdays = hours(&[("mon-fri", "09:00", "18:00")]);
        assert_eq!(
            next(&weekdays, at(FRI, "19:00")).as_deref(),
            Some("周一 09:00")
        );
        assert_eq!(
            next(&weekdays, at(SAT, "08:00")).as_deref(),
            Some("后天 09:00")
        );
        assert_eq!(
            next(&weekdays, at(SUN, "08:00")).as_deref(),
            Some("明天 09:00")
        );
        // All day, every day: never off duty.
        let always = hours(&[("daily", "00:00", "24:00")]);
        assert!((0..WEEK).step_by(7).all(|m| next(&always, m).is_none()));
    }

    #[test]
    fn the_shop_time_zone_decides() {
        let specs = [(0x7f, DayRange::new(9 * 60, 23 * 60).unwrap())];
        let cn = AgentHours::new(TimeZone::get("Asia/Shanghai").unwrap(), &specs).unwrap();
        // 2026-11-25 00:30 UTC is 08:30 in Shanghai (a Wednesday).
        let t: Timestamp = "2026-11-25T00:30:00Z".parse().unwrap();
        assert_eq!(
            cn.off_duty_at(t).map(|n| n.label()).as_deref(),
            Some("今天 09:00")
        );
        let t: Timestamp = "2026-11-25T02:00:00Z".parse().unwrap();
        assert_eq!(cn.off_duty_at(t), None);
    }
}
