//! `bot remind`: the payment reminder plan (催付) of one unpaid order, and its timeline.

use crate::cli::RemindArgs;
use crate::display::plural;
use crate::{load, Fatal};
use kefu::{Engine, ReminderHistory, ReminderPlan, UnpaidOrder};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// Steps a timeline may take before the bot asks for a larger `--every`.
pub(crate) const MAX_TIMELINE_STEPS: u128 = 200_000;

pub(crate) fn remind(args: RemindArgs) -> Result<ExitCode, Fatal> {
    let engine = match load(args.rules.given("remind")?)? {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    let order = UnpaidOrder::new(args.order_id, args.amount, args.created, args.closes)
        .with_buyer_name(args.buyer);
    let mut history = ReminderHistory::new();
    for (channel, at) in &args.sent {
        history.record(*channel, *at);
    }
    let now = args.now.unwrap_or_else(SystemTime::now);
    let local = |t: SystemTime| local_time(&engine, t);
    let mut out = io::stdout().lock();
    let buyer = if order.buyer_name.is_empty() {
        String::new()
    } else {
        format!(" · {}", order.buyer_name)
    };
    writeln!(
        out,
        "order {} · ¥{}{buyer} · created {} · closes {} (shop time)",
        order.id,
        order.amount,
        local(order.created),
        local(order.closes_at)
    )?;
    for s in history.iter() {
        writeln!(
            out,
            "sent {} ({}) at {}",
            s.channel,
            s.channel.label(),
            local(s.at)
        )?;
    }
    match engine.plan_reminder(&order, &history, now) {
        ReminderPlan::Remind {
            channel,
            text,
            variant,
        } => {
            writeln!(
                out,
                "at {}: remind by {channel} ({}), variant {variant}:\n  {text}",
                local(now),
                channel.label()
            )?;
        }
        ReminderPlan::Wait {
            until,
            channel,
            reason,
        } => writeln!(
            out,
            "at {}: wait until {} for {channel} ({}): {reason}",
            local(now),
            local(until),
            channel.label()
        )?,
        ReminderPlan::Done { reason } => writeln!(out, "at {}: done: {reason}", local(now))?,
        _ => writeln!(out, "at {}: (unknown plan)", local(now))?,
    }
    if args.timeline {
        timeline(&engine, &order, args.every, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Plays the order from creation to close as a host asking every `every` would.
pub(crate) fn timeline(
    engine: &Engine,
    order: &UnpaidOrder,
    every: Duration,
    out: &mut dyn Write,
) -> Result<(), Fatal> {
    let span = order
        .closes_at
        .duration_since(order.created)
        .unwrap_or_default();
    let steps = span.as_nanos() / every.as_nanos().max(1);
    if steps > MAX_TIMELINE_STEPS {
        return Err(Fatal::Msg(format!(
            "the timeline would ask the planner {steps} times; use a larger --every"
        )));
    }
    let minutes = every.as_secs() / 60;
    let every_text = if minutes > 0 && every.as_secs().is_multiple_of(60) {
        format!("{minutes} min")
    } else {
        format!("{} s", every.as_secs())
    };
    writeln!(
        out,
        "\ntimeline (asking every {every_text}, from creation to close, nothing sent before):"
    )?;
    let mut history = ReminderHistory::new();
    let mut t = order.created;
    let end = loop {
        match engine.plan_reminder(order, &history, t) {
            ReminderPlan::Remind { channel, text, .. } => {
                writeln!(
                    out,
                    "  {}  {:<5} {}  {text}",
                    local_time(engine, t),
                    channel.key(),
                    channel.label()
                )?;
                history.record(channel, t);
                continue;
            }
            ReminderPlan::Done { reason } => break reason.to_string(),
            _ => {}
        }
        match t.checked_add(every) {
            Some(next) if next <= order.closes_at => t = next,
            _ => break "order_closed".to_owned(),
        }
    };
    let sent = history.iter().count();
    writeln!(out, "  {sent} reminder{} sent; then {end}", plural(sent))?;
    Ok(())
}

/// `2026-11-25 10:15` in the shop's time zone.
fn local_time(engine: &Engine, t: SystemTime) -> String {
    engine.shop_time(t)
}
