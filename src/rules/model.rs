//! The rule file as written: serde mirrors of the YAML, every value located.
//!
//! Keys that a rule author may leave out are `default` here and checked by the
//! validator, so one load reports every missing or empty value, not only the first.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

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
    pub(crate) buyers: Option<Spanned<BuyersRule>>,
    #[serde(default)]
    pub(crate) reading: Option<Spanned<ReadingRule>>,
    #[serde(default)]
    pub(crate) presale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) insale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) aftersale: Vec<Spanned<NodeRule>>,
    #[serde(default)]
    pub(crate) products: Vec<Spanned<ProductRule>>,
    #[serde(default)]
    pub(crate) fallback: Option<Spanned<FallbackRule>>,
    #[serde(default)]
    pub(crate) tests: Vec<Spanned<TestRule>>,
    #[serde(default)]
    pub(crate) lint: Option<Spanned<LintRule>>,
}

/// `lint:`: settings of the lints for this file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LintRule {
    #[serde(default)]
    pub(crate) claims_action: Option<Spanned<ClaimsRule>>,
}

/// `lint.claims_action`: phrases that claim an action, added to the defaults, and
/// texts in which a phrase is not a claim.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClaimsRule {
    #[serde(default)]
    pub(crate) phrases: Vec<S>,
    #[serde(default)]
    pub(crate) allow: Vec<S>,
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
    #[serde(default)]
    pub(crate) agent_hours: Option<Spanned<Vec<Spanned<HoursRule>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FirstReply {
    #[serde(default)]
    pub(crate) greeting: Vec<S>,
    /// The opening of an in-sale or after-sale conversation, or an angry buyer's
    /// (`mood: soothing` variants).
    #[serde(default)]
    pub(crate) calm_greeting: Vec<Spanned<VariantRule>>,
    /// Greeting and answer on one line, not two.
    #[serde(default)]
    pub(crate) one_line: bool,
    #[serde(default)]
    pub(crate) after_silence: Option<S>,
    #[serde(default)]
    pub(crate) promotions: Vec<Spanned<WindowRule>>,
    #[serde(default)]
    pub(crate) reminders: Vec<Spanned<WindowRule>>,
}

/// A promotion or reminder: once (`from`/`until` dates), every year (`MM-DD`), or on
/// `weekly:` or `monthly:` days (`from`/`until` times of day).
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
    #[serde(default)]
    pub(crate) weekly: Option<S>,
    #[serde(default)]
    pub(crate) monthly: Option<Spanned<MonthDays>>,
}

/// `monthly: 18` or `monthly: [1, 15]`: the days as written, checked by the validator.
#[derive(Debug)]
pub(crate) struct MonthDays(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for MonthDays {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, SeqAccess, Visitor};
        use std::fmt;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MonthDays;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a day of the month (1 to 31), or a list of them")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MonthDays, E> {
                Ok(MonthDays(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MonthDays, E> {
                Ok(MonthDays(vec![v.to_string()]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MonthDays, E> {
                Ok(MonthDays(
                    v.split(',').map(|d| d.trim().to_owned()).collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<MonthDays, A::Error> {
                let mut out = Vec::new();
                while let Some(MonthDays(mut day)) = a.next_element::<MonthDays>()? {
                    out.append(&mut day);
                }
                Ok(MonthDays(out))
            }
        }
        d.deserialize_any(V)
    }
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
    pub(crate) reply: Vec<Spanned<VariantRule>>,
    #[serde(default)]
    pub(crate) children: Vec<Spanned<NodeRule>>,
    /// `false`: a negator before a keyword of this node does not cancel it.
    #[serde(default)]
    pub(crate) negation: Option<Spanned<bool>>,
    /// Follow-up phrases that continue this node after its branch answered.
    #[serde(default)]
    pub(crate) followups: Vec<S>,
    /// How a conversation this node opens is greeted: greeting, calm or none.
    #[serde(default)]
    pub(crate) opening: Option<S>,
    /// `questions`: the node answers a question (a how-to); a statement holding its
    /// keyword (申请退款了) is not answered alone. Default `anything`.
    #[serde(default)]
    pub(crate) answers: Option<S>,
}

/// `reading:`: how kefu reads a message — confidence, negation, protected words,
/// follow-ups and slot values. Every key has a documented default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadingRule {
    #[serde(default)]
    pub(crate) answer_at: Option<S>,
    #[serde(default)]
    pub(crate) negators: Option<Spanned<Vec<S>>>,
    #[serde(default)]
    pub(crate) negation_window: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) words: Vec<S>,
    #[serde(default)]
    pub(crate) followups: Option<Spanned<Vec<S>>>,
    /// Words left out of the message's length for confidence (replaces the defaults).
    #[serde(default)]
    pub(crate) fillers: Option<Spanned<Vec<S>>>,
    /// Slot name → its values (`color: [白色, 黑色]`).
    #[serde(default)]
    pub(crate) slots: HashMap<Spanned<String>, Vec<S>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FallbackRule {
    #[serde(default)]
    pub(crate) reply: Vec<Spanned<VariantRule>>,
    #[serde(default)]
    pub(crate) handoff_after: Option<u32>,
    #[serde(default)]
    pub(crate) handoff_reply: Vec<Spanned<VariantRule>>,
    #[serde(default)]
    pub(crate) off_hours_reply: Vec<Spanned<VariantRule>>,
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
    #[serde(default)]
    pub(crate) segment: Option<S>,
    #[serde(default)]
    pub(crate) angry: Option<bool>,
    #[serde(default)]
    pub(crate) product: Option<S>,
}

/// `buyers:`: how kefu reads the buyer (精细化运营): segments and anger.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuyersRule {
    #[serde(default)]
    pub(crate) half_life: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) segments: Vec<Spanned<SegmentRule>>,
    #[serde(default)]
    pub(crate) anger: Option<Spanned<AngerRule>>,
}

/// One buyer segment of `buyers.segments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SegmentRule {
    #[serde(default)]
    pub(crate) id: Option<S>,
    #[serde(default)]
    pub(crate) name: Option<S>,
    #[serde(default)]
    pub(crate) signals: Vec<S>,
    #[serde(default)]
    pub(crate) promote: bool,
}

/// `buyers.anger`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AngerRule {
    #[serde(default)]
    pub(crate) signals: Vec<S>,
    #[serde(default)]
    pub(crate) question_marks: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) handoff_after: Option<Spanned<u32>>,
}

/// One range of `shop.agent_hours`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoursRule {
    #[serde(default)]
    pub(crate) days: Option<S>,
    #[serde(default)]
    pub(crate) from: Option<S>,
    #[serde(default)]
    pub(crate) until: Option<S>,
}

/// A reply variant: a plain template, or a map that marks who it is for.
#[derive(Debug)]
pub(crate) enum VariantRule {
    Plain(String),
    /// A plain scalar YAML reads as a boolean or number (`yes`, `1.50`): as serde
    /// formats it until `yaml::parse` restores the text as written.
    Scalar(String),
    Marked(Box<MarkedVariant>),
}

/// `{text: "...", for: economic, mood: soothing, after: return}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkedVariant {
    #[serde(default)]
    pub(crate) text: Option<S>,
    #[serde(default, rename = "for")]
    pub(crate) segment: Option<S>,
    #[serde(default)]
    pub(crate) mood: Option<S>,
    #[serde(default)]
    pub(crate) after: Option<S>,
}

impl<'de> Deserialize<'de> for VariantRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        use std::fmt;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VariantRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a reply text, or a map with text and for, mood or after")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<VariantRule, E> {
                Ok(VariantRule::Plain(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<VariantRule, E> {
                Ok(VariantRule::Plain(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<VariantRule, E> {
                Ok(VariantRule::Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VariantRule, E> {
                Ok(VariantRule::Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<VariantRule, E> {
                Ok(VariantRule::Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<VariantRule, E> {
                Ok(VariantRule::Scalar(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<VariantRule, A::Error> {
                MarkedVariant::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|m| VariantRule::Marked(Box::new(m)))
            }
        }
        d.deserialize_any(V)
    }
}

impl RuleFile {
    /// Every reply variant list of the file, nodes at every depth included.
    pub(crate) fn variant_lists_mut(&mut self) -> Vec<&mut Vec<Spanned<VariantRule>>> {
        fn walk<'a>(
            nodes: &'a mut [Spanned<NodeRule>],
            out: &mut Vec<&'a mut Vec<Spanned<VariantRule>>>,
        ) {
            for n in nodes {
                let n = &mut n.value;
                out.push(&mut n.reply);
                walk(&mut n.children, out);
            }
        }
        let mut out = Vec::new();
        if let Some(fr) = &mut self.first_reply {
            out.push(&mut fr.value.calm_greeting);
        }
        walk(&mut self.presale, &mut out);
        walk(&mut self.insale, &mut out);
        walk(&mut self.aftersale, &mut out);
        if let Some(fb) = &mut self.fallback {
            let fb = &mut fb.value;
            out.push(&mut fb.reply);
            out.push(&mut fb.handoff_reply);
            out.push(&mut fb.off_hours_reply);
        }
        out
    }
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

/// A `products:` entry (产品详情).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductRule {
    #[serde(default)]
    pub(crate) id: Option<S>,
    #[serde(default)]
    pub(crate) name: Option<S>,
    #[serde(default)]
    pub(crate) aliases: Vec<S>,
    #[serde(default)]
    pub(crate) item_ids: Vec<S>,
    #[serde(default)]
    pub(crate) fabric: Option<S>,
    #[serde(default)]
    pub(crate) care: Option<S>,
    #[serde(default)]
    pub(crate) matching: Vec<S>,
    #[serde(default)]
    pub(crate) promotion: Option<S>,
    #[serde(default)]
    pub(crate) size_chart: Vec<Spanned<SizeRowRule>>,
    #[serde(default)]
    pub(crate) attrs: BTreeMap<String, S>,
}

/// A row of a product's `size_chart:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SizeRowRule {
    #[serde(default)]
    pub(crate) size: Option<S>,
    #[serde(default)]
    pub(crate) height: Option<S>,
    #[serde(default)]
    pub(crate) weight: Option<S>,
    #[serde(default)]
    pub(crate) note: Option<S>,
}
