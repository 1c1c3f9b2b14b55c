//! The rule file as written: serde mirrors of the YAML, every value located.
//!
//! Keys that a rule author may leave out are `default` here and checked by the
//! validator, so one load reports every missing or empty value, not only the first.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub(crate) type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub(crate) shop: Spanned<Shop>,
    #[serde(default)]
    pub(crate) first_reply: Option<Spanned<FirstReply>>,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Shop {
    #[serde(default)]
    pub(crate) name: Option<S>,
    #[serde(default)]
    pub(crate) agent: Option<S>,
    #[serde(default)]
    pub(crate) timezone: Option<S>,
    #[serde(default)]
    pub(crate) vars: BTreeMap<String, S>,
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
    #[serde(default)]
    pub(crate) product: Option<S>,
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
