//! The rule file as written: serde mirrors of the YAML, every value located.
//!
//! Keys that a rule author may leave out are `default` here and checked by the
//! validator, so one load reports every missing or empty value, not only the first.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;

pub(crate) type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    #[serde(default)]
    pub(crate) shop: Option<Spanned<Shop>>,
    #[serde(default)]
    pub(crate) first_reply: Option<Spanned<FirstReply>>,
    #[serde(default)]
    pub(crate) payment_reminders: Option<Spanned<PaymentRule>>,
    #[serde(default)]
    pub(crate) presale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) insale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) aftersale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) fallback: Option<Spanned<FallbackRule>>,
    #[serde(default)]
    pub(crate) tests: Vec<Spanned<TestRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Shop {
    #[serde(default)]
    pub(crate) name: Option<S>,
    #[serde(default)]
    pub(crate) agent: Option<S>,
    #[serde(default)]
    pub(crate) timezone: Option<S>,
    /// Keys located too, so a bad variable name is pointed at (sorted when read).
    #[serde(default)]
    pub(crate) vars: HashMap<Spanned<String>, S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FirstReply {
    #[serde(default)]
    pub(crate) greeting: Vec<S>,
    #[serde(default)]
    pub(crate) after_silence: Option<S>,
    #[serde(default)]
    pub(crate) promotions: Vec<Spanned<WindowRule>>,
    #[serde(default)]
    pub(crate) reminders: Vec<Spanned<WindowRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WindowRule {
    #[serde(default)]
    pub(crate) id: Option<S>,
    #[serde(default)]
    pub(crate) from: Option<S>,
    #[serde(default)]
    pub(crate) until: Option<S>,
    #[serde(default)]
    pub(crate) text: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeRule {
    #[serde(default)]
    pub(crate) topic: Option<S>,
    #[serde(default)]
    pub(crate) name: Option<S>,
    #[serde(default)]
    pub(crate) keywords: Vec<S>,
    #[serde(default)]
    pub(crate) whole: Vec<S>,
    #[serde(default)]
    pub(crate) patterns: Vec<S>,
    #[serde(default)]
    pub(crate) exclude: Vec<S>,
    #[serde(default)]
    pub(crate) priority: i32,
    #[serde(default)]
    pub(crate) handoff: bool,
    #[serde(default)]
    pub(crate) reply: Vec<S>,
    #[serde(default)]
    pub(crate) children: Vec<Spanned<NodeRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FallbackRule {
    #[serde(default)]
    pub(crate) reply: Vec<S>,
    #[serde(default)]
    pub(crate) handoff_after: Option<u32>,
    #[serde(default)]
    pub(crate) handoff_reply: Vec<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestRule {
    #[serde(default)]
    pub(crate) after: Vec<S>,
    #[serde(default)]
    pub(crate) says: Option<S>,
    #[serde(default)]
    pub(crate) expect: Option<S>,
    #[serde(default)]
    pub(crate) handoff: Option<bool>,
}

/// `payment_reminders:` (催付): the shop's policy and texts per channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymentRule {
    #[serde(default)]
    pub(crate) quiet_hours: Option<S>,
    #[serde(default)]
    pub(crate) min_gap: Option<S>,
    #[serde(default)]
    pub(crate) pay_by: Option<Spanned<Vec<S>>>,
    #[serde(default)]
    pub(crate) im: Option<Spanned<ChannelRule>>,
    #[serde(default)]
    pub(crate) sms: Option<Spanned<ChannelRule>>,
    #[serde(default)]
    pub(crate) phone: Option<Spanned<ChannelRule>>,
}

/// One channel of `payment_reminders:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelRule {
    #[serde(default)]
    pub(crate) after_order: Option<S>,
    #[serde(default)]
    pub(crate) before_close: Option<S>,
    #[serde(default)]
    pub(crate) min_amount: Option<S>,
    #[serde(default)]
    pub(crate) texts: Option<Spanned<Vec<S>>>,
}
