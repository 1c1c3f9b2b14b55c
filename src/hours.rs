//! Working hours of the shop's human agents (`shop.agent_hours`), read in the shop's
//! time zone, and when they are next on duty (`{next_open}` of `off_hours_reply`).
//!
//! Hours are kept as ranges of minutes of the week (Monday 00:00 is 0), each starting
//! on one of its days and lasting up to 24 hours, so a range past midnight
//! (`from: "20:00", until: "02:00"`) and one past Sunday night need no special case:
//! a minute is inside a range when `(minute - start) mod week < length`. Only civil
//! time is compared: on a day a zone changes its clocks, hours follow the wall clock.

use jiff::tz::TimeZone;
use jiff::Timestamp;

const DAY: u32 = 24 * 60;
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
    /// Hours from `(day mask, from, until)` ranges: bit 0 of the mask is Monday; `from`
    /// and `until` are minutes of the day, `until` up to 1440 and earlier than `from`
    /// for a range past midnight. `None` when no range has a day or a length.
    pub(crate) fn new(tz: TimeZone, specs: &[(u8, u32, u32)]) -> Option<AgentHours> {
        let mut ranges = Vec::new();
        for &(days, from, until) in specs {
            let len = if until > from {
                until - from
            } else {
                until + DAY - from
            };
            if from >= DAY || until > DAY || len == 0 || len > DAY {
                continue;
            }
            for d in 0..7 {
                if days & (1 << d) != 0 {
                    ranges.push(Range {
                        start: d * DAY + from,
                        len,
                    });
                }
            }
        }
        (!ranges.is_empty()).then_some(AgentHours { tz, ranges })
    }

    /// `None` when agents are on duty at `now`, else when they are next.
    pub(crate) fn off_duty_at(&self, now: Timestamp) -> Option<NextOpen> {
        let z = now.to_zoned(self.tz.clone());
        let weekday = u32::from(z.weekday().to_monday_zero_offset().unsigned_abs());
        let minute_of_day =
            u32::from(z.hour().unsigned_abs()) * 60 + u32::from(z.minute().unsigned_abs());
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

/// Parses `mon-fri`, `sat,sun`, `fri-mon`, `mon-sun`, `daily` into a mask (bit 0 =
/// Monday). Ranges may wrap past Sunday.
pub(crate) fn parse_days(s: &str) -> Result<u8, String> {
    let s = s.trim().to_ascii_lowercase();
    if s == "daily" {
        return Ok(0x7f);
    }
    let day = |d: &str| -> Result<u32, String> {
        let d = d.trim();
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .position(|n| *n == d)
            .map(|i| i as u32)
            .ok_or_else(|| format!("unknown day '{d}'; write mon, tue, wed, thu, fri, sat or sun"))
    };
    let mut mask = 0u8;
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    mask |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => mask |= 1 << day(part)?,
        }
    }
    Ok(mask)
}

/// Parses `HH:MM` (`24:00` allowed) into minutes of the day.
pub(crate) fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MON: u32 = 0;
    const FRI: u32 = 4;
    const SAT: u32 = 5;
    const SUN: u32 = 6;

    fn at(day: u32, clock: &str) -> u32 {
        day * DAY + parse_clock(clock).unwrap()
    }

    fn hours(specs: &[(&str, &str, &str)]) -> AgentHours {
        let specs: Vec<(u8, u32, u32)> = specs
            .iter()
            .map(|(d, f, u)| {
                (
                    parse_days(d).unwrap(),
                    parse_clock(f).unwrap(),
                    parse_clock(u).unwrap(),
                )
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
    fn days_and_clocks_parse_or_say_why_not() {
        assert_eq!(parse_days("mon-fri"), Ok(0b001_1111));
        assert_eq!(parse_days("Sat, sun"), Ok(0b110_0000));
        assert_eq!(parse_days("fri-mon"), Ok(0b111_0001));
        assert_eq!(parse_days("mon-sun"), Ok(0x7f));
        assert!(parse_days("mon-fir")
            .unwrap_err()
            .contains("unknown day 'fir'"));
        assert_eq!(parse_clock("9:30"), Some(570));
        assert_eq!(parse_clock("24:00"), Some(DAY));
        for bad in ["24:01", "9", "09:60", "09:5", "x:00", ""] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_shop_time_zone_decides() {
        let specs = [(0x7f, 9 * 60, 23 * 60)];
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
