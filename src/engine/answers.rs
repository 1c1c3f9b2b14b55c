//! What answering a node reads, for every node in one dense table plus one text: its
//! topic and section (the session remembers them) and, when its reply is one fixed text
//! (the usual quick phrase), that text. Answering then reads one 12-byte record and one
//! run of text, instead of the node, its list of templates, the template's parts and
//! their strings: four dependent reads, most of them cache misses in a large rule set.
//!
//! A fast path, not a second source of truth: the fixed text is
//! [`Template::fixed_text`] of the node's one variant (what rendering that variant
//! writes), and a table that cannot hold the rule set is a load error, never a silent
//! empty table.

use crate::basics::ids::NodeId;
use crate::basics::section::Section;
use crate::pipeline::tree::Node;
use crate::template::Template;

#[derive(Debug, Default)]
pub(crate) struct Answers {
    /// Per node: its topic and then its fixed reply text, if any, in `text`.
    index: Vec<Answer>,
    text: String,
}

#[derive(Debug, Clone, Copy)]
struct Answer {
    /// Offset of the topic in `text`.
    start: u32,
    /// Length of the fixed reply text after the topic; `NOT_FIXED` when the reply is
    /// not one fixed text.
    fixed_len: u32,
    /// Topics are at most `MAX_TOPIC_BYTES` (checked at load).
    topic_len: u8,
    section: Section,
}

const _: () = assert!(std::mem::size_of::<Answer>() == 12);

const NOT_FIXED: u32 = u32::MAX;

/// One node's answer record, read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AnswerRef<'a> {
    pub(crate) topic: &'a str,
    pub(crate) section: Section,
    /// The node's reply when it is one text without variables.
    pub(crate) fixed: Option<&'a str>,
}

/// The text a reply list always renders to, when it is one variant without variables:
/// whoever the variant is marked for, the one variant is sent (see
/// `compose::pick`).
pub(crate) fn fixed_reply(reply: &[Template]) -> Option<&str> {
    match reply {
        [t] => t.fixed_text(),
        _ => None,
    }
}

impl Answers {
    /// The table of `nodes`; an error when their texts do not fit `u32` offsets (4 GiB
    /// of topics and replies) or a topic its `u8` length.
    pub(crate) fn new(nodes: &[Node]) -> Result<Answers, String> {
        let too_big = || "the rules' topics and replies exceed 4 GiB".to_owned();
        let mut out = Answers {
            index: Vec::with_capacity(nodes.len()),
            text: String::new(),
        };
        for n in nodes {
            let fixed = fixed_reply(&n.reply);
            let start = u32::try_from(out.text.len()).map_err(|_| too_big())?;
            out.text.push_str(&n.topic);
            out.text.push_str(fixed.unwrap_or(""));
            u32::try_from(out.text.len()).map_err(|_| too_big())?;
            let topic_len = u8::try_from(n.topic.len())
                .map_err(|_| format!("topic '{}' is longer than 255 bytes", n.topic))?;
            out.index.push(Answer {
                start,
                topic_len,
                fixed_len: fixed.map_or(NOT_FIXED, |f| f.len() as u32),
                section: n.section,
            });
        }
        out.text.shrink_to_fit();
        Ok(out)
    }

    /// The node's topic, section and fixed reply text, if the table has the node.
    #[inline]
    pub(crate) fn get(&self, node: NodeId) -> Option<AnswerRef<'_>> {
        let a = self.index.get(node.index())?;
        let start = a.start as usize;
        let mid = start + usize::from(a.topic_len);
        let topic = self.text.get(start..mid)?;
        let fixed = match a.fixed_len {
            NOT_FIXED => None,
            len => self.text.get(mid..mid + len as usize),
        };
        Some(AnswerRef {
            topic,
            section: a.section,
            fixed,
        })
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.index.capacity() * std::mem::size_of::<Answer>() + self.text.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::ids::NodeId;
    use crate::pipeline::compose::{self, Memory, Want};
    use crate::template::Vars;
    use crate::Engine;
    use std::collections::BTreeMap;

    /// For every node: what the answer table sends is what the general path (choose a
    /// variant, render it) sends for a first answer with nothing captured; and a node
    /// the table leaves to the general path is one whose reply is not one fixed text.
    fn fast_and_general_paths_agree(engine: &Engine) -> usize {
        let inner = &engine.0;
        let none = BTreeMap::new();
        let mut fixed = 0;
        for (i, n) in inner.rules.nodes.iter().enumerate() {
            let id = NodeId::new(i).unwrap();
            let a = inner.answers.get(id).unwrap();
            assert_eq!((a.topic, a.section), (n.topic.as_str(), n.section));
            let memory = Memory {
                last: None,
                seed: || 0,
            };
            let vars = Vars::captures(&none);
            let pick = compose::pick(&n.reply, n.key, &Want::default(), vars, memory);
            let mut general = String::new();
            if let Some(p) = pick {
                n.reply[p.index].render_into(vars, &mut general);
            }
            match a.fixed {
                Some(text) => {
                    fixed += 1;
                    assert_eq!(text, general, "node {}", n.topic);
                    assert_eq!(pick.and_then(|p| p.rotation), None, "{}", n.topic);
                }
                None => assert!(
                    n.reply.len() != 1 || n.reply[0].fixed_text().is_none(),
                    "node {} has one fixed reply but no fast path",
                    n.topic
                ),
            }
        }
        fixed
    }

    #[test]
    fn the_fast_path_answers_as_the_general_path_for_the_bundled_rules() {
        let engine =
            Engine::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml")).unwrap();
        // Its nodes mostly rotate several variants: the check is that none with one
        // fixed text misses the fast path, and any that has it agrees.
        let fixed = fast_and_general_paths_agree(&engine);
        assert!(fixed < engine.0.rules.nodes.len());
    }

    #[test]
    fn the_fast_path_answers_as_the_general_path_for_generated_rules() {
        // As the benchmarks generate rule sets: many nodes, one fixed reply each, with
        // shop constants, marked variants and several variants mixed in.
        let mut yaml = String::from(
            "shop: { name: 衣见, agent: 小衣, vars: { days: 七天 } }\nfirst_reply: { greeting: [hi] }\nfallback: { reply: [稍等], handoff_after: 0 }\nbuyers:\n  segments: [{ id: eco, signals: [便宜] }]\npresale:\n",
        );
        for i in 0..2_000 {
            let reply = match i % 5 {
                0 => format!("[\"回复{i}\"]"),
                1 => format!("[\"{{shop}}的{{agent}}回复{i},{{days}}\"]"),
                2 => format!("[{{ text: \"只为省钱的{i}\", for: eco }}]"),
                3 => format!("[\"甲{i}\", \"乙{i}\"]"),
                _ => format!("[\"{{{{字面}}}}{i}\"]"),
            };
            yaml.push_str(&format!(
                "  - {{ topic: t{i}, keywords: [词{i}], reply: {reply} }}\n"
            ));
        }
        let engine = Engine::from_yaml_str(&yaml).unwrap();
        assert_eq!(fast_and_general_paths_agree(&engine), 1_600);
    }

    #[test]
    fn a_table_that_cannot_hold_a_topic_is_an_error_not_an_empty_table() {
        let mut node = crate::pipeline::tree::Node {
            topic: "x".repeat(300),
            key: 0,
            name: String::new(),
            section: Section::Presale,
            parent: None,
            priority: 0,
            handoff: false,
            terms: vec![],
            patterns: vec![],
            reply: vec![],
            location: None,
            path: String::new(),
            negation: true,
            opening: crate::pipeline::tree::Opening::Greeting,
            questions_only: false,
        };
        assert!(Answers::new(std::slice::from_ref(&node)).is_err());
        node.topic = "ok".into();
        assert!(Answers::new(&[node]).is_ok());
    }
}
