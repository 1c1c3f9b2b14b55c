//! The planner's semantics as a table: (order, history, now) → plan. Each row pins
//! one rule of `Engine::plan_reminder`'s documentation.

use super::*;
use crate::{Engine, Session};
use std::time::Duration;

const RULES: &str = r#"
shop: { name: 衣见, agent: 小衣, timezone: "+08:00" }
first_reply: { greeting: ["亲,您好"] }
fallback: { reply: ["亲,稍等"], handoff_after: 0 }
payment_reminders:
  quiet_hours: "22:00-08:00"
  min_gap: 1h
  pay_by: ["订单{order_id}请在{deadline}前付款"]
  im: { after_order: 15m, texts: ["im {buyer|亲} {order_id}"] }
  sms: { before_close: 6h, texts: ["sms {order_id} ¥{amount} {deadline}"] }
  phone: { after_order: 2h, min_amount: 500, texts: ["phone {buyer}", "phone 您好"] }
"#;

fn engine(yaml: &str) -> Engine {
    Engine::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// `11-25 10:00` → 2026-11-25T10:00:00+08:00.
fn at(s: &str) -> SystemTime {
    let t = format!("2026-{}:00+08:00", s.replace(' ', "T"));
    t.parse::<Timestamp>()
        .map(SystemTime::from)
        .unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn order(created: &str, closes: &str, cents: u64) -> UnpaidOrder {
    UnpaidOrder::new(
        "2026112500123",
        Amount::from_cents(cents),
        at(created),
        at(closes),
    )
    .with_buyer_name("小王")
}

fn history(sent: &[(Channel, &str)]) -> ReminderHistory {
    let mut h = ReminderHistory::new();
    for (c, t) in sent {
        h.record(*c, at(t));
    }
    h
}

#[derive(Debug)]
enum Want {
    Remind(Channel),
    Wait(&'static str, Channel, WaitReason),
    Done(DoneReason),
}

use Channel::{Im, Phone, Sms};
use WaitReason::{Gap, NotDue, QuietHours};

/// (name, created, closes, amount in cents, history, now, expected plan)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u64,
    &'static [(Channel, &'static str)],
    &'static str,
    Want,
);

const DAY: (&str, &str) = ("11-25 10:00", "11-26 10:00");

#[rustfmt::skip]
const TABLE: &[Row] = &[
    ("IM at +14m: wait for +15m", DAY.0, DAY.1, 39_900, &[], "11-25 10:14", Want::Wait("11-25 10:15", Im, NotDue)),
    ("IM at +15m", DAY.0, DAY.1, 39_900, &[], "11-25 10:15", Want::Remind(Im)),
    ("IM at +3h, never sent: still IM", DAY.0, DAY.1, 39_900, &[], "11-25 13:00", Want::Remind(Im)),
    ("IM not twice: next is the SMS, moved out of quiet hours", DAY.0, DAY.1, 39_900, &[(Im, "11-25 10:15")], "11-25 10:16", Want::Wait("11-26 08:00", Sms, QuietHours)),
    ("SMS in its window after the quiet hours", DAY.0, DAY.1, 39_900, &[(Im, "11-25 10:15")], "11-26 08:00", Want::Remind(Sms)),
    ("SMS before its window", "11-25 18:00", "11-26 18:00", 39_900, &[(Im, "11-25 18:15")], "11-26 11:59", Want::Wait("11-26 12:00", Sms, NotDue)),
    ("SMS in its window", "11-25 18:00", "11-26 18:00", 39_900, &[(Im, "11-25 18:15")], "11-26 12:00", Want::Remind(Sms)),
    ("phone at the threshold: due at +2h", DAY.0, DAY.1, 50_000, &[(Im, "11-25 10:15")], "11-25 10:16", Want::Wait("11-25 12:00", Phone, NotDue)),
    ("phone at +2h", DAY.0, DAY.1, 50_000, &[(Im, "11-25 10:15")], "11-25 12:00", Want::Remind(Phone)),
    ("phone below the threshold: never", DAY.0, DAY.1, 49_999, &[(Im, "11-25 10:15"), (Sms, "11-26 08:00")], "11-26 08:01", Want::Done(DoneReason::AllSent)),
    ("min_gap after a late IM", DAY.0, DAY.1, 50_000, &[(Im, "11-25 11:30")], "11-25 12:00", Want::Wait("11-25 12:30", Phone, Gap)),
    ("several due at once: im first", DAY.0, DAY.1, 50_000, &[], "11-26 09:00", Want::Remind(Im)),
    ("IM due in the quiet hours waits for their end", "11-25 21:50", "11-27 21:50", 100, &[], "11-25 22:05", Want::Wait("11-26 08:00", Im, QuietHours)),
    ("quiet hours after midnight end the same morning", "11-25 21:50", "11-27 21:50", 100, &[], "11-26 03:00", Want::Wait("11-26 08:00", Im, QuietHours)),
    ("quiet hours ending after the close: nothing left", "11-25 21:00", "11-25 23:30", 100, &[], "11-25 22:10", Want::Done(DoneReason::NothingBeforeClose)),
    ("every channel used", DAY.0, DAY.1, 90_000, &[(Im, "11-25 10:15"), (Sms, "11-26 08:00"), (Phone, "11-25 12:00")], "11-26 09:00", Want::Done(DoneReason::AllSent)),
    ("order closed at now", DAY.0, DAY.1, 39_900, &[], "11-26 10:00", Want::Done(DoneReason::OrderClosed)),
    ("now after the close", DAY.0, DAY.1, 39_900, &[], "12-01 10:00", Want::Done(DoneReason::OrderClosed)),
    ("amount 0 is reminded like any order", DAY.0, DAY.1, 0, &[], "11-25 10:15", Want::Remind(Im)),
    ("closes before it was created", "11-25 10:00", "11-25 09:00", 39_900, &[], "11-25 08:30", Want::Done(DoneReason::NothingBeforeClose)),
    ("short order: the SMS at creation", "11-25 10:00", "11-25 10:10", 39_900, &[], "11-25 09:00", Want::Wait("11-25 10:00", Sms, NotDue)),
    ("now before the order was created", DAY.0, DAY.1, 39_900, &[], "11-24 09:00", Want::Wait("11-25 10:15", Im, NotDue)),
];

#[test]
fn the_planner_follows_the_policy() {
    let e = engine(RULES);
    for (name, created, closes, cents, sent, now, want) in TABLE {
        let plan = e.plan_reminder(&order(created, closes, *cents), &history(sent), at(now));
        let ok = match (&plan, want) {
            (ReminderPlan::Remind { channel, .. }, Want::Remind(c)) => channel == c,
            (
                ReminderPlan::Wait {
                    until,
                    channel,
                    reason,
                },
                Want::Wait(t, c, r),
            ) => (*until, channel, reason) == (at(t), c, r),
            (ReminderPlan::Done { reason }, Want::Done(r)) => reason == r,
            _ => false,
        };
        assert!(ok, "{name}: got {plan:?}, want {want:?}");
    }
}

#[test]
fn texts_have_the_order_values_in_the_shop_time_zone() {
    let e = engine(RULES);
    let h = history(&[(Im, "11-25 10:15")]);
    let plan = e.plan_reminder(&order(DAY.0, DAY.1, 39_950), &h, at("11-26 08:00"));
    let ReminderPlan::Remind { text, variant, .. } = plan else {
        panic!("{plan:?}");
    };
    assert_eq!(text, "sms 2026112500123 ¥399.50 11月26日 10:00");
    assert_eq!(variant, 0);
}

#[test]
fn a_missing_buyer_name_uses_the_default_or_another_variant() {
    let e = engine(RULES);
    let mut o = order(DAY.0, DAY.1, 90_000);
    o.buyer_name = " \u{202E} ".to_owned();
    let im = e.plan_reminder(&o, &ReminderHistory::new(), at("11-25 10:15"));
    assert!(
        matches!(&im, ReminderPlan::Remind { text, .. } if text == "im 亲 2026112500123"),
        "{im:?}"
    );
    let h = history(&[(Im, "11-25 10:15")]);
    let phone = e.plan_reminder(&o, &h, at("11-25 12:00"));
    assert!(
        matches!(&phone, ReminderPlan::Remind { text, variant: 1, .. } if text == "phone 您好"),
        "{phone:?}"
    );
}

#[test]
fn the_variant_is_chosen_by_the_order_id_and_is_stable() {
    let e = engine(RULES);
    let h = history(&[(Im, "11-25 10:15")]);
    let variant = |id: &str| {
        let o = UnpaidOrder {
            id: id.to_owned(),
            ..order(DAY.0, DAY.1, 90_000)
        };
        match e.plan_reminder(&o, &h, at("11-25 12:00")) {
            ReminderPlan::Remind { variant, .. } => variant,
            p => panic!("{p:?}"),
        }
    };
    let ids: Vec<String> = (0..20).map(|i| format!("order-{i}")).collect();
    let first: Vec<usize> = ids.iter().map(|id| variant(id)).collect();
    let again: Vec<usize> = ids.iter().map(|id| variant(id)).collect();
    assert_eq!(first, again);
    assert!(first.contains(&0) && first.contains(&1), "{first:?}");
}

/// A host that asks every 5 minutes from before the order to after its close and
/// follows every plan: each channel once, never in quiet hours, never after the
/// close, `min_gap` apart, and every `Wait` is kept (asking at `until` reminds).
#[test]
fn following_the_plans_keeps_every_promise() {
    let e = engine(RULES);
    for (created, closes, cents) in [
        (DAY.0, DAY.1, 90_000),
        ("11-25 21:50", "11-26 09:00", 100),
        ("11-25 23:59", "11-28 00:00", 50_000),
        ("11-25 10:00", "11-25 10:10", 50_000),
    ] {
        let o = order(created, closes, cents);
        let mut h = ReminderHistory::new();
        let mut promised: Option<(SystemTime, Channel)> = None;
        let mut t = at(created) - Duration::from_secs(3600);
        while t <= at(closes) + Duration::from_secs(3600) {
            match e.plan_reminder(&o, &h, t) {
                ReminderPlan::Remind { channel, .. } => {
                    assert!(h.sent_at(channel).is_none(), "{channel} twice");
                    assert!(at(created) <= t && t < at(closes));
                    let local = Timestamp::try_from(t)
                        .unwrap()
                        .to_zoned(e.0.rules.timezone.clone());
                    assert!((8..22).contains(&local.hour()), "{channel} at {local}");
                    if let Some(last) = h.iter().map(|s| s.at).max() {
                        assert!(t.duration_since(last).unwrap() >= Duration::from_secs(3600));
                    }
                    if let Some((until, c)) = promised.take() {
                        assert_eq!((t, channel), (until, c), "a Wait was not kept");
                    }
                    h.record(channel, t);
                }
                ReminderPlan::Wait { until, channel, .. } => {
                    assert!(until > t && until < at(closes));
                    if until.duration_since(t).unwrap() <= Duration::from_secs(300) {
                        promised = Some((until, channel));
                    }
                }
                ReminderPlan::Done { .. } => assert!(promised.is_none()),
            }
            t = match promised {
                Some((until, _)) => until,
                None => t + Duration::from_secs(300),
            };
        }
    }
}

#[test]
fn odd_inputs_give_a_plan_without_panicking() {
    let huge = r#"
shop: { name: s, timezone: Asia/Shanghai }
first_reply: { greeting: [hi] }
fallback: { reply: ["?"], handoff_after: 0 }
payment_reminders:
  quiet_hours: "00:00-23:59"
  min_gap: 99999999999d
  im: { after_order: 106751991167300d, texts: [x] }
  sms: { before_close: 99999999999d, texts: [y] }
  phone: { after_order: 0s, min_amount: "184467440737095516.15", texts: [z] }
"#;
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 40);
    let before = SystemTime::UNIX_EPOCH - Duration::from_secs(1 << 40);
    let times = [SystemTime::UNIX_EPOCH, far, before, at("11-25 10:00")];
    for e in [engine(RULES), engine(huge)] {
        let cases = times.iter().flat_map(|&a| times.map(|b| (a, b)));
        for ((created, closes), now, cents) in cases
            .flat_map(|ab| times.map(|c| (ab, c)))
            .flat_map(|(ab, c)| [(ab, c, 0), (ab, c, u64::MAX)])
        {
            {
                let o = UnpaidOrder::new("", Amount::from_cents(cents), created, closes);
                let h = history(&[(Im, "11-25 10:15")]);
                let plan = e.plan_reminder(&o, &h, now);
                if now >= closes {
                    assert_eq!(
                        plan,
                        ReminderPlan::Done {
                            reason: DoneReason::OrderClosed
                        }
                    );
                }
            }
        }
    }
}

#[test]
fn without_a_channel_for_the_order_there_is_none() {
    let head = "shop: {name: s}\nfirst_reply: {greeting: [hi]}\nfallback: {reply: [r], handoff_after: 0}\n";
    let phone_only =
        "payment_reminders:\n  phone: {after_order: 1h, min_amount: 500, texts: [x]}\n";
    for rules in [head.to_owned(), format!("{head}{phone_only}")] {
        let o = order(DAY.0, DAY.1, 100);
        let plan = engine(&rules).plan_reminder(&o, &ReminderHistory::new(), at("11-25 12:00"));
        let want = ReminderPlan::Done {
            reason: DoneReason::NoChannel,
        };
        assert_eq!(plan, want, "{rules}");
    }
}

#[test]
fn amounts_parse_from_yuan_and_show_two_decimals() {
    let ok = [
        ("0", 0),
        ("399", 39_900),
        ("399.5", 39_950),
        ("399.05", 39_905),
        (" ¥500 ", 50_000),
        ("￥0.01", 1),
        ("184467440737095516.15", u64::MAX),
    ];
    for (s, cents) in ok {
        assert_eq!(s.parse::<Amount>(), Ok(Amount::from_cents(cents)), "{s}");
    }
    for bad in [
        "",
        "-1",
        "1.234",
        "1,000",
        "abc",
        ".5",
        "5.",
        "1e3",
        "184467440737095516.16",
        "¥",
    ] {
        let e = bad.parse::<Amount>();
        assert!(e.is_err(), "{bad}: {e:?}");
    }
    assert_eq!(Amount::from_cents(5).to_string(), "0.05");
    assert_eq!(
        Amount::from_cents(u64::MAX).to_string(),
        "184467440737095516.15"
    );
}

#[test]
fn orders_and_histories_are_serde_data() {
    let o = order(DAY.0, DAY.1, 39_900);
    let json = serde_json::to_string(&o).unwrap();
    assert_eq!(
        json,
        r#"{"id":"2026112500123","amount":39900,"created":"2026-11-25T02:00:00Z","closes_at":"2026-11-26T02:00:00Z","buyer_name":"小王"}"#
    );
    assert_eq!(serde_json::from_str::<UnpaidOrder>(&json).unwrap(), o);
    let mut h = history(&[(Im, "11-25 10:15")]);
    h.record(Im, at("11-25 10:20"));
    h.record(Phone, at("11-25 12:00"));
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(
        json,
        r#"[{"channel":"im","at":"2026-11-25T02:20:00Z"},{"channel":"phone","at":"2026-11-25T04:00:00Z"}]"#
    );
    assert_eq!(serde_json::from_str::<ReminderHistory>(&json).unwrap(), h);
    assert!(serde_json::from_str::<ReminderHistory>(
        r#"[{"channel":"fax","at":"2026-11-25T02:20:00Z"}]"#
    )
    .is_err());
}

#[test]
fn channels_parse_from_their_keys() {
    for c in Channel::ALL {
        assert_eq!(c.key().parse::<Channel>(), Ok(c));
    }
    assert!("wechat".parse::<Channel>().is_err());
}

#[test]
fn a_session_keeps_the_order_bounded_and_as_serde_data() {
    let mut s = Session::new("b");
    let long = format!("\u{202E}{}", "号".repeat(500));
    s.set_unpaid_order(Some(UnpaidOrder {
        id: long.clone(),
        buyer_name: long,
        ..order(DAY.0, DAY.1, 1)
    }));
    let o = s.unpaid_order().unwrap();
    assert_eq!(
        o.id.chars().count(),
        crate::basics::limits::MAX_CAPTURE_CHARS
    );
    assert!(!o.buyer_name.contains('\u{202E}'));
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), s);
    s.set_unpaid_order(None);
    assert!(!serde_json::to_string(&s).unwrap().contains("unpaid_order"));
}
