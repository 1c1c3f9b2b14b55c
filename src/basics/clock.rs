//! Time, one way everywhere: a `SystemTime` becomes whole unix seconds clamped to the
//! calendar's range (never a panic, never a silent 1970); a time of day is `H:MM` or
//! `HH:MM` (`24:00` only where an end is meant); a daily range that ends at or before
//! it starts runs past midnight ([`DayRange`]); durations are `90s`, `30m`, `2h`, `1d`.
//!
//! jiff is used here and in the shop features, never in kefu's public API.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Minutes in a day.
pub(crate) const DAY: u32 = 24 * 60;

/// Whole unix seconds of `t`, clamped to the range of [`Timestamp`] (years −9999 to
/// 9999): every time kefu reads goes through here.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    let (min, max) = (Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).map_or(max, |s| s.min(max)),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(min, |s| (-s).max(min)),
    }
}

/// `t` to the whole second, clamped like [`unix_seconds`].
pub(crate) fn timestamp(t: SystemTime) -> Timestamp {
    Timestamp::from_second(unix_seconds(t)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The `SystemTime` of unix second `s`.
pub(crate) fn system_time(s: i64) -> SystemTime {
    let d = Duration::from_secs(s.unsigned_abs());
    if s >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

/// `H:MM` or `HH:MM`, 00:00 to 23:59, in minutes of the day; `24:00` (1440) too when
/// `end` (the end of a range).
pub(crate) fn parse_hhmm(s: &str, end: bool) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |x: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(DAY),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// A daily range of minutes: from `from` for `len` minutes (1 to 1,440). A range that
/// ends at or before it starts (`22:00-08:00`) runs past midnight and belongs to the day
/// it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DayRange {
    /// Minute of the day it starts, 0..1440.
    pub(crate) from: u32,
    /// Minutes it lasts, 1..=1440.
    pub(crate) len: u32,
}

impl DayRange {
    /// The range from `from` to `until` (minutes of the day; `until` up to 1440).
    /// `None` when `from` is not a start of day minute or the two are equal.
    pub(crate) fn new(from: u32, until: u32) -> Option<DayRange> {
        if from >= DAY || until > DAY || from == until {
            return None;
        }
        let len = if until > from {
            until - from
        } else {
            until + DAY - from
        };
        (len <= DAY).then_some(DayRange { from, len })
    }

    /// Parses `HH:MM-HH:MM`.
    pub(crate) fn parse(s: &str) -> Option<DayRange> {
        let (a, b) = s.split_once('-')?;
        DayRange::new(parse_hhmm(a, false)?, parse_hhmm(b, true)?)
    }

    /// Whether `minute` (of the day) is inside, today's range or yesterday's running
    /// past midnight.
    pub(crate) fn contains(self, minute: u32) -> bool {
        (minute + DAY - self.from) % DAY < self.len
    }

    /// Minutes from `minute` (inside the range) to its end.
    pub(crate) fn minutes_left(self, minute: u32) -> u32 {
        self.len - (minute + DAY - self.from) % DAY
    }
}

/// The minute of the day and the weekday (0 = Monday) of `t` in `tz`.
pub(crate) fn civil_minute(t: Timestamp, tz: &TimeZone) -> (u32, u32) {
    let z = t.to_zoned(tz.clone());
    let weekday = u32::from(z.weekday().to_monday_zero_offset().unsigned_abs());
    let minute = u32::from(z.hour().unsigned_abs()) * 60 + u32::from(z.minute().unsigned_abs());
    (minute, weekday)
}

/// `t` as a wall clock in `tz` shows it: `2026-11-25 10:15`.
pub(crate) fn civil_text(t: Timestamp, tz: &TimeZone) -> String {
    jiff::fmt::strtime::format("%Y-%m-%d %H:%M", &t.to_zoned(tz.clone()))
        .unwrap_or_else(|_| t.to_string())
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

/// `90s`, `30m`, `2h`, `1d` → seconds.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    (n >= 0).then(|| n.checked_mul(mult)).flatten()
}

/// `+08:00`, `-05:30`, `+8`, `UTC`.
pub(crate) fn parse_offset(s: &str) -> Option<TimeZone> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Some(TimeZone::UTC);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let off = jiff::tz::Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()?;
    Some(TimeZone::fixed(off))
}

/// When a promotion or reminder of `first_reply` shows, read in the shop's zone: once
/// between two instants, every year between two dates, or on days of the week or of
/// the month during a daily range. One model for every form, so that "is it on now"
/// is one function ([`When::contains`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// From `from` to `until`, both included.
    Once { from: Timestamp, until: Timestamp },
    /// Every year from `from` to `until` ([`YearKey`]s, both included); when `until`
    /// comes before `from`, the window runs across New Year.
    Yearly { from: u32, until: u32 },
    /// On the weekdays of `days` (bit 0 = Monday), during `hours` (which may run past
    /// midnight into the next day, belonging to the day it starts).
    Weekly { days: u8, hours: DayRange },
    /// On the days of the month of `days` (bit d = day d, 1 to 31), during `hours`.
    Monthly { days: u32, hours: DayRange },
}

/// A moment of any year as one number: `(month × 32 + day) × 86,400 + second of the
/// day`. Ordered like the moments it names within a year; never a date of a given year,
/// so 02-29 is a key like any other (only leap years reach it).
pub(crate) fn year_key(month: u32, day: u32, second: u32) -> u32 {
    (month * 32 + day) * 86_400 + second
}

/// The last second of a day, for an `until` written as a date alone.
pub(crate) const END_OF_DAY: u32 = 86_399;

impl When {
    /// Whether `now` is inside, read in `tz`.
    pub(crate) fn contains(&self, now: Timestamp, tz: &TimeZone) -> bool {
        if let When::Once { from, until } = *self {
            return from <= now && now <= until;
        }
        // The wall clock in `tz`, without building a `Zoned` (a conversation's opening
        // checks every window).
        let dt = tz.to_offset(now).to_datetime(now);
        let minute =
            u32::from(dt.hour().unsigned_abs()) * 60 + u32::from(dt.minute().unsigned_abs());
        let day_range = |hours: DayRange, on: &dyn Fn(jiff::civil::Date) -> bool| {
            if !hours.contains(minute) {
                return false;
            }
            // Inside the range: it started today, or yesterday and runs past midnight.
            let date = dt.date();
            if minute >= hours.from {
                on(date)
            } else {
                date.yesterday().is_ok_and(on)
            }
        };
        match *self {
            When::Once { .. } => false, // answered above
            When::Yearly { from, until } => {
                let second = minute * 60 + u32::from(dt.second().unsigned_abs());
                let month = u32::from(dt.month().unsigned_abs());
                let k = year_key(month, u32::from(dt.day().unsigned_abs()), second);
                if from <= until {
                    from <= k && k <= until
                } else {
                    from <= k || k <= until
                }
            }
            When::Weekly { days, hours } => day_range(hours, &|d| {
                let wd = u32::from(d.weekday().to_monday_zero_offset().unsigned_abs());
                days & (1 << wd) != 0
            }),
            When::Monthly { days, hours } => day_range(hours, &|d| {
                days & (1 << u32::from(d.day().unsigned_abs())) != 0
            }),
        }
    }

    /// When a window that shows once ends; `None` for a recurring one.
    pub(crate) fn ends(&self) -> Option<Timestamp> {
        match *self {
            When::Once { until, .. } => Some(until),
            _ => None,
        }
    }
}

/// A date (`2026-11-11`) or date and time (`2026-11-11 20:00`) in `tz`. A date alone
/// is the day's first instant, or its last when `end` (an `until`: the whole day).
pub(crate) fn parse_date_time(s: &str, tz: &TimeZone, end: bool) -> Option<Timestamp> {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let shape = |x: &str| x.len() == 10 && x.as_bytes()[4] == b'-' && x.as_bytes()[7] == b'-';
    if !shape(date) {
        return None;
    }
    let date: jiff::civil::Date = date.parse().ok()?;
    let start = |date: jiff::civil::Date, minute: u32| -> Option<Timestamp> {
        let h = i8::try_from(minute / 60).ok()?;
        let m = i8::try_from(minute % 60).ok()?;
        Some(date.at(h, m, 0, 0).to_zoned(tz.clone()).ok()?.timestamp())
    };
    match time {
        Some(t) => start(date, parse_hhmm(t, false)?),
        None if end => start(date.tomorrow().ok()?, 0)?
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .ok(),
        None => start(date, 0),
    }
}

/// A day of every year (`11-11`), with a time (`11-11 20:00`) or without: its
/// [`year_key`] at that minute, or at the day's start (its last second when `end`).
/// Any day of a leap year's calendar (02-29 too).
pub(crate) fn parse_month_day(s: &str, end: bool) -> Option<u32> {
    let s = s.trim();
    let (date, time) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let (m, d) = date.split_once('-')?;
    let two = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !two(m) || !two(d) {
        return None;
    }
    let (month, day): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    // 2024 is a leap year: its calendar has every day any year has.
    jiff::civil::Date::new(2024, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    let second = match time {
        Some(t) => parse_hhmm(t, false)? * 60,
        None if end => END_OF_DAY,
        None => 0,
    };
    Some(year_key(month, day, second))
}

/// `SystemTime` as RFC 3339 text in serde, clamped like [`unix_seconds`].
pub(crate) mod rfc3339 {
    use jiff::Timestamp;
    use serde::{de, Deserialize, Deserializer, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&super::timestamp(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Timestamp>()
            .map(SystemTime::from)
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_clock_grammar() {
        // (text, as a start, as an end)
        let cases = [
            ("09:30", Some(570), Some(570)),
            ("9:30", Some(570), Some(570)),
            (" 0:00 ", Some(0), Some(0)),
            ("23:59", Some(1439), Some(1439)),
            ("24:00", None, Some(DAY)),
            ("24:01", None, None),
            ("008:00", None, None),
            ("09:5", None, None),
            ("09:60", None, None),
            ("9", None, None),
            ("x:00", None, None),
            ("+9:00", None, None),
            ("", None, None),
        ];
        for (s, start, end) in cases {
            assert_eq!(
                (parse_hhmm(s, false), parse_hhmm(s, true)),
                (start, end),
                "{s:?}"
            );
        }
    }

    #[test]
    fn day_ranges_run_past_midnight() {
        let night = DayRange::parse("22:00-08:00").unwrap();
        assert_eq!((night.from, night.len), (1320, 600));
        for (m, inside) in [
            (1319, false),
            (1320, true),
            (0, true),
            (479, true),
            (480, false),
        ] {
            assert_eq!(night.contains(m), inside, "{m}");
        }
        assert_eq!(night.minutes_left(1320), 600);
        assert_eq!(night.minutes_left(0), 480);
        let day = DayRange::parse("09:00-24:00").unwrap();
        assert!(day.contains(1439) && !day.contains(0));
        for bad in ["22:00-22:00", "24:00-08:00", "22-08", "a-b", ""] {
            assert_eq!(DayRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn system_times_clamp_to_the_calendar() {
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert_eq!(unix_seconds(far), Timestamp::MAX.as_second());
        let before = UNIX_EPOCH - Duration::from_secs(90);
        assert_eq!(unix_seconds(before), -90);
        assert_eq!(unix_seconds(system_time(-90)), -90);
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1999)), 1);
    }

    fn at(s: &str) -> Timestamp {
        match s.parse() {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn windows_of_every_form_in_the_shop_s_zone() {
        let tz = parse_offset("+08:00").unwrap();
        let yearly = |from: &str, until: &str| When::Yearly {
            from: parse_month_day(from, false).unwrap(),
            until: parse_month_day(until, true).unwrap(),
        };
        let weekly = |days: &str, hours: &str| When::Weekly {
            days: parse_days(days).unwrap(),
            hours: DayRange::parse(hours).unwrap(),
        };
        let monthly = |days: u32, hours: &str| When::Monthly {
            days,
            hours: DayRange::parse(hours).unwrap(),
        };
        let once = When::Once {
            from: parse_date_time("2026-11-01", &tz, false).unwrap(),
            until: parse_date_time("2026-11-11 23:59", &tz, true).unwrap(),
        };
        // A date alone as the end: the whole day (issue 16.4).
        let d12 = When::Once {
            from: parse_date_time("2026-12-01", &tz, false).unwrap(),
            until: parse_date_time("2026-12-12", &tz, true).unwrap(),
        };
        let d11 = yearly("11-01", "11-11");
        let new_year = yearly("12-25", "01-03");
        let leap = yearly("02-29", "02-29");
        let eve = yearly("10-31 20:00", "11-11");
        // (window, instant, inside); 2026-12-04 is a Friday; the zone is +08:00.
        let cases = [
            (d12, "2026-12-12T15:59:59.999Z", true), // 12-12 23:59:59.999
            (d12, "2026-12-12T16:00:00Z", false),
            (d12, "2026-11-30T16:00:00Z", true),
            (once, "2026-10-31T15:59:59Z", false),
            (once, "2026-10-31T16:00:00Z", true), // 11-01 00:00
            (once, "2026-11-11T15:59:00Z", true),
            (once, "2026-11-11T15:59:01Z", false),
            (d11, "2031-11-11T15:59:59Z", true), // any year, to the day's end
            (d11, "2031-11-11T16:00:00Z", false),
            (d11, "2031-10-31T16:00:00Z", true),
            (new_year, "2026-12-31T12:00:00Z", true), // across New Year
            (new_year, "2027-01-03T15:59:59Z", true),
            (new_year, "2027-01-04T00:00:00Z", false),
            (new_year, "2026-07-01T00:00:00Z", false),
            (leap, "2028-02-29T04:00:00Z", true),
            (leap, "2027-03-01T04:00:00Z", false),
            (eve, "2026-10-31T11:59:00Z", false),
            (eve, "2026-10-31T12:00:00Z", true),
            (weekly("fri", "00:00-24:00"), "2026-12-03T16:00:00Z", true),
            (weekly("fri", "00:00-24:00"), "2026-12-04T15:59:59Z", true),
            (weekly("fri", "00:00-24:00"), "2026-12-04T16:00:00Z", false),
            // Friday night past midnight belongs to Friday: Saturday 01:00 is in.
            (weekly("fri", "20:00-02:00"), "2026-12-04T17:00:00Z", true),
            (weekly("fri", "20:00-02:00"), "2026-12-05T11:30:00Z", false),
            (weekly("sat", "20:00-02:00"), "2026-12-04T17:30:00Z", false), // Friday's night
            (
                monthly(1 << 18, "00:00-24:00"),
                "2026-12-18T03:00:00Z",
                true,
            ),
            (
                monthly(1 << 18, "00:00-24:00"),
                "2026-12-19T03:00:00Z",
                false,
            ),
            (
                monthly(1 << 31, "22:00-02:00"),
                "2026-12-31T17:00:00Z",
                true,
            ), // Jan 1 01:00
            (
                monthly(1 << 31, "22:00-02:00"),
                "2026-11-30T17:00:00Z",
                false,
            ), // no Nov 31
        ];
        for (i, (w, t, inside)) in cases.iter().enumerate() {
            assert_eq!(w.contains(at(t), &tz), *inside, "case {i}: {w:?} at {t}");
        }
        assert_eq!(d12.ends(), parse_date_time("2026-12-12", &tz, true));
        assert_eq!(weekly("fri", "00:00-24:00").ends(), None);
    }

    #[test]
    fn window_dates_parse_strictly() {
        let tz = TimeZone::UTC;
        let bad_dates = [
            "2026-13-01",
            "2026-02-30",
            "2026-1-01",
            "26-11-01",
            "2026-11-01 25:00",
            "11-01",
            "",
        ];
        for bad in bad_dates {
            assert_eq!(parse_date_time(bad, &tz, false), None, "{bad}");
        }
        let bad_days = [
            "13-01",
            "02-30",
            "1-01",
            "11-1",
            "11-01 9",
            "2026-11-01",
            "11/01",
            "",
        ];
        for bad in bad_days {
            assert_eq!(parse_month_day(bad, false), None, "{bad}");
        }
        assert_eq!(parse_month_day("02-29", false), Some(year_key(2, 29, 0)));
        let end = year_key(2, 29, END_OF_DAY);
        assert_eq!(parse_month_day("02-29", true), Some(end));
        let eight_pm = year_key(11, 11, 72_000);
        assert_eq!(parse_month_day("11-11 20:00", true), Some(eight_pm));
        assert_eq!(
            parse_date_time("2026-11-11 00:00", &tz, true),
            parse_date_time("2026-11-11", &tz, false)
        );
    }

    #[test]
    fn days_and_durations() {
        assert_eq!(parse_days("mon-fri"), Ok(0b001_1111));
        assert_eq!(parse_days("Sat, sun"), Ok(0b110_0000));
        assert_eq!(parse_days("fri-mon"), Ok(0b111_0001));
        assert_eq!(parse_days("mon-sun"), Ok(0x7f));
        assert!(parse_days("mon-fir")
            .unwrap_err()
            .contains("unknown day 'fir'"));
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("1d"), Some(86400));
        assert_eq!(parse_duration("-1m"), None);
        assert!(parse_offset("+08:00").is_some() && parse_offset("+8").is_some());
        assert!(parse_offset("+25:00").is_none() && parse_offset("Asia/Shanghai").is_none());
    }
}
