//! kefu (客服) answers Chinese e-commerce buyer messages in microseconds, from the
//! quick phrases (快捷短语) a shop writes as YAML.
//!
//! A rule file holds pre-sale, in-sale and after-sale trees of first-level and
//! second-level keywords. kefu compiles every keyword into one Aho-Corasick automaton,
//! matches a buyer message in one pass over its normalized form (case, full-width,
//! Traditional characters, spaces, punctuation and emoji do not get in the way), picks
//! the best node with the conversation's context, and renders a reply that opens with a
//! greeting, greeting + promotion, or greeting + reminder.
//!
//! ```
//! use kefu::{Engine, ReplyKind, Session};
//!
//! let engine = Engine::from_yaml_str(r#"
//! shop: { name: 衣见女装, agent: 小衣 }
//! first_reply: { greeting: ["亲,您好,欢迎光临{shop}~"] }
//! presale:
//!   - topic: size
//!     name: 尺码
//!     keywords: [尺码, 码数]
//!     reply: ["亲,告诉我身高体重,帮您推荐尺码哦~"]
//!     children:
//!       - { topic: size_fit, keywords: [偏大, 偏小], reply: ["亲,这款是标准码哦~"] }
//! aftersale:
//!   - { topic: return, keywords: [退货, 退款], exclude: [不想退], reply: ["支持7天无理由退货~"] }
//! fallback: { reply: ["亲,没太明白,换个说法试试~"], handoff_after: 2, handoff_reply: ["为您转人工~"] }
//! "#)?;
//!
//! let mut session = Session::new("buyer-42");
//! let first = engine.reply(&mut session, "这件偏大吗？");
//! assert_eq!(first.kind(), ReplyKind::Greeting);
//! assert_eq!(first.topic(), Some("size_fit"));
//! let second = engine.reply(&mut session, "我要退貨！！😭");
//! assert_eq!((second.kind(), second.text()), (ReplyKind::Answer, "支持7天无理由退货~"));
//! assert_eq!(&"我要退貨！！😭"[second.hits()[0].span.clone()], "退貨");
//! # Ok::<(), kefu::Error>(())
//! ```
//!
//! How it is built, in layers, each using only those above it (ARCHITECTURE.md draws
//! the graph, and `tests/layers.rs` fails on a cycle): the basics (errors,
//! [`normalize`], ids, limits, text, money, the clock); reply templates; the shop
//! features (buyers, products, payment reminders, agent hours); the pipeline (one
//! scan, selection, the opening and variants); the [`Session`]; the rule file's
//! loading and validation; the lints; and the [`Engine`], the only `impl Engine`. Every
//! public type is re-exported here, one path each. The rule format is in
//! `docs/RULES.md`; the matching semantics in the README.
#![deny(missing_docs)]

mod basics;
mod engine;
mod lint;
#[cfg(feature = "mine")]
pub mod mine;
mod pipeline;
mod rules;
mod session;
mod shop;
mod template;
#[cfg(test)]
mod tests;

pub use basics::error::{Error, ErrorKind, Location, Problem};
pub use basics::money::{Amount, ParseAmountError};
pub use basics::normalize::{emoticon_len, normalize, normalize_char};
pub use basics::section::Section;
pub use engine::{
    Dropped, Engine, EngineBuilder, Explanation, Hit, HitKind, Mismatch, NodeRef, Reply,
    Suggestion, TestOutcome, TestReport,
};
pub use lint::{Lint, LintKind, ParseLintKindError};
pub use pipeline::compose::ReplyKind;
pub use pipeline::matcher::MatcherKind;
pub use pipeline::reading::{Confidence, Evidence, ParseConfidenceError};
pub use pipeline::select::{Score, ScorePart};
pub use session::Session;
pub use shop::payment::{
    Channel, DoneReason, ParseChannelError, ReminderHistory, ReminderPlan, SentReminder,
    UnpaidOrder, WaitReason,
};
pub use shop::products::ProductRef;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
