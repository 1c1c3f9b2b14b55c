//! Payment reminders (催付) through the public API, with the bundled rules and a fixed
//! `now`: the planner a host's scheduler calls, and the pay-by opening of a chat.

use kefu::{
    Amount, Channel, DoneReason, ReminderHistory, ReminderPlan, ReplyKind, Session, UnpaidOrder,
    WaitReason,
};

mod common;
use common::{apparel, at};

fn order(yuan: &str) -> UnpaidOrder {
    let amount: Amount = yuan.parse().unwrap_or_else(|e| panic!("{e}"));
    UnpaidOrder::new(
        "3021887766554433",
        amount,
        at("2026-11-25T10:00:00+08:00"),
        at("2026-11-26T10:00:00+08:00"),
    )
    .with_buyer_name("小王")
}

fn remind(plan: ReminderPlan) -> (Channel, String) {
    match plan {
        ReminderPlan::Remind { channel, text, .. } => (channel, text),
        other => panic!("expected a reminder, got {other:?}"),
    }
}

#[test]
fn the_bundled_policy_over_a_day_for_an_order_below_the_phone_threshold() {
    let e = apparel();
    let o = order("399.00");
    let mut h = ReminderHistory::new();

    let early = e.plan_reminder(&o, &h, at("2026-11-25T10:05:00+08:00"));
    let until = at("2026-11-25T10:15:00+08:00");
    assert_eq!(
        early,
        ReminderPlan::Wait {
            until,
            channel: Channel::Im,
            reason: WaitReason::NotDue
        }
    );

    let (channel, text) = remind(e.plan_reminder(&o, &h, until));
    assert_eq!(channel, Channel::Im);
    assert!(text.contains("小王"), "{text}");
    h.record(channel, until);

    // The SMS is due 6 hours before the close (04:00), in the quiet hours.
    let night = e.plan_reminder(&o, &h, at("2026-11-25T23:00:00+08:00"));
    let morning = at("2026-11-26T08:00:00+08:00");
    assert_eq!(
        night,
        ReminderPlan::Wait {
            until: morning,
            channel: Channel::Sms,
            reason: WaitReason::QuietHours
        }
    );
    let (channel, text) = remind(e.plan_reminder(&o, &h, morning));
    assert_eq!(channel, Channel::Sms);
    assert!(text.starts_with("【衣见女装旗舰店】"), "{text}");
    assert!(text.contains("3021887766554433"), "{text}");
    assert!(text.contains("11月26日 10:00"), "{text}");
    h.record(channel, morning);

    let after = e.plan_reminder(&o, &h, at("2026-11-26T09:00:00+08:00"));
    assert_eq!(
        after,
        ReminderPlan::Done {
            reason: DoneReason::AllSent
        }
    );
    let closed = e.plan_reminder(&o, &h, at("2026-11-26T10:00:00+08:00"));
    assert_eq!(
        closed,
        ReminderPlan::Done {
            reason: DoneReason::OrderClosed
        }
    );
}

#[test]
fn an_order_of_500_yuan_gets_a_call_two_hours_after_the_order() {
    let e = apparel();
    let o = order("500");
    let mut h = ReminderHistory::new();
    h.record(Channel::Im, at("2026-11-25T10:15:00+08:00"));
    let (channel, script) = remind(e.plan_reminder(&o, &h, at("2026-11-25T12:00:00+08:00")));
    assert_eq!(channel, Channel::Phone);
    assert!(
        script.contains("衣见女装旗舰店") && script.contains("小衣"),
        "{script}"
    );
    // Not twice, and the history survives a trip through JSON.
    h.record(channel, at("2026-11-25T12:00:00+08:00"));
    let h: ReminderHistory = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    let next = e.plan_reminder(&o, &h, at("2026-11-25T12:30:00+08:00"));
    assert!(
        matches!(
            next,
            ReminderPlan::Wait {
                channel: Channel::Sms,
                ..
            }
        ),
        "{next:?}"
    );
}

#[test]
fn a_session_with_an_unpaid_order_opens_with_the_pay_by_notice() {
    let e = apparel();
    // 2026-11-25 is inside the bundled ship_delay reminder: the pay-by notice wins.
    let now = at("2026-11-25T10:30:00+08:00");
    let mut s = Session::new("buyer-7");
    s.set_unpaid_order(Some(order("399.00")));
    let first = e.reply_at(&mut s, "什么时候发货", now);
    assert_eq!(first.kind(), ReplyKind::GreetingReminder);
    assert_eq!(first.notice(), Some("pay_by"));
    assert_eq!(first.topic(), Some("ship_time"));
    let (opening, answer) = first.text().split_once('\n').unwrap();
    assert!(opening.contains("3021887766554433"), "{opening}");
    assert!(opening.contains("¥399.00"), "{opening}");
    assert!(opening.contains("11月26日 10:00"), "{opening}");
    assert!(!answer.is_empty());

    let second = e.reply_at(&mut s, "有货吗", now);
    assert_eq!((second.kind(), second.notice()), (ReplyKind::Answer, None));

    // A session stored as JSON keeps the order; after a silence it greets again.
    let mut s: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    let later = e.reply_at(&mut s, "在吗", at("2026-11-25T11:30:00+08:00"));
    assert_eq!(later.notice(), Some("pay_by"));

    // Paid: the host clears it, and the time-window reminder opens again.
    s.set_unpaid_order(None);
    let paid = e.reply_at(&mut s, "在吗", at("2026-11-25T13:00:00+08:00"));
    assert_eq!(paid.kind(), ReplyKind::GreetingReminder);
    assert_eq!(paid.notice(), Some("ship_delay"));
}

#[test]
fn a_closed_order_no_longer_changes_the_opening() {
    let e = apparel();
    let mut s = Session::new("buyer-8");
    s.set_unpaid_order(Some(order("399.00")));
    let r = e.reply_at(&mut s, "在吗", at("2026-11-26T10:00:00+08:00"));
    assert_eq!(r.notice(), Some("ship_delay"));
    // Outside any promotion or reminder window, an open order makes it greeting + reminder.
    let october = UnpaidOrder::new(
        "3021887766554434",
        Amount::from_cents(12_900),
        at("2026-10-08T09:00:00+08:00"),
        at("2026-10-09T09:00:00+08:00"),
    );
    let mut s = Session::new("buyer-9");
    s.set_unpaid_order(Some(october));
    let r = e.reply_at(&mut s, "在吗", at("2026-10-08T10:00:00+08:00"));
    assert_eq!(
        (r.kind(), r.notice()),
        (ReplyKind::GreetingReminder, Some("pay_by"))
    );
    assert!(r.text().contains("¥129.00"), "{}", r.text());
}
