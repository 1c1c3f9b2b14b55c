//! Validation of `reading:` (confidence, negators, protected words, follow-ups, slot
//! values) into [`Reading`](crate::pipeline::reading::Reading), and of a node's
//! `opening:`.

use super::model::ReadingRule;
use super::{loc, Validator, S};
use crate::basics::error::ErrorKind;
use crate::basics::section::Section;
use crate::basics::text::is_ident;
use crate::pipeline::reading::{
    Confidence, Reading, DEFAULT_FILLERS, DEFAULT_FOLLOWUPS, DEFAULT_NEGATORS, NEGATOR_FRAMES,
};
use crate::pipeline::tree::{Opening, ReadingTerm, Term, TermKind};
use serde_saphyr::Spanned;

/// The most chars a negator may reach over to the keyword it cancels.
const MAX_NEGATION_WINDOW: u32 = 8;

impl Validator {
    /// `reading:`, or its defaults when the file has none.
    pub(super) fn reading(&mut self, rule: Option<Spanned<ReadingRule>>) -> Reading {
        let mut out = Reading::default();
        let rule = rule.map(|r| r.value);
        let built_in = |kind: TermKind, words: &[&str]| -> Vec<ReadingTerm> {
            words
                .iter()
                .map(|w| ReadingTerm {
                    term: Term {
                        text: crate::basics::normalize::normalize(w),
                        source: (*w).to_owned(),
                        kind,
                        location: None,
                    },
                    slot: 0,
                })
                .collect()
        };
        let Some(r) = rule else {
            out.terms = built_in(TermKind::Negator, DEFAULT_NEGATORS);
            out.terms.extend(built_in(TermKind::Word, NEGATOR_FRAMES));
            out.terms
                .extend(built_in(TermKind::Followup, DEFAULT_FOLLOWUPS));
            out.terms
                .extend(built_in(TermKind::Filler, DEFAULT_FILLERS));
            return out;
        };
        if let Some(a) = &r.answer_at {
            match a.value.parse::<Confidence>() {
                Ok(c) => out.answer_at = c,
                Err(e) => self.problem(
                    ErrorKind::InvalidValue,
                    e.to_string(),
                    loc(a),
                    "reading.answer_at",
                ),
            }
        }
        if let Some(w) = &r.negation_window {
            if w.value > MAX_NEGATION_WINDOW {
                self.problem(
                    ErrorKind::InvalidValue,
                    format!(
                        "negation_window {} is too wide; write a number of chars from 0 to {MAX_NEGATION_WINDOW}",
                        w.value
                    ),
                    loc(w),
                    "reading.negation_window",
                );
            } else {
                out.negation_window = w.value;
            }
        }
        let listed = |me: &mut Self, list: &[S], kind: TermKind, key: &str, slot: u32| {
            let mut terms = Vec::new();
            for (i, k) in list.iter().enumerate() {
                if let Some(term) = me.term(k, kind, || format!("reading.{key}[{i}]")) {
                    terms.push(ReadingTerm { term, slot });
                }
            }
            terms
        };
        out.terms = match &r.negators {
            Some(list) => listed(self, &list.value, TermKind::Negator, "negators", 0),
            None => built_in(TermKind::Negator, DEFAULT_NEGATORS),
        };
        out.terms.extend(built_in(TermKind::Word, NEGATOR_FRAMES));
        let words = listed(self, &r.words, TermKind::Word, "words", 0);
        out.terms.extend(words);
        let followups = match &r.followups {
            Some(list) => listed(self, &list.value, TermKind::Followup, "followups", 0),
            None => built_in(TermKind::Followup, DEFAULT_FOLLOWUPS),
        };
        out.terms.extend(followups);
        let fillers = match &r.fillers {
            Some(list) => listed(self, &list.value, TermKind::Filler, "fillers", 0),
            None => built_in(TermKind::Filler, DEFAULT_FILLERS),
        };
        out.terms.extend(fillers);
        let mut slots: Vec<(&Spanned<String>, &Vec<S>)> = r.slots.iter().collect();
        slots.sort_by(|a, b| a.0.value.cmp(&b.0.value));
        for (name, values) in slots {
            let n = &name.value;
            if !is_ident(n) {
                self.problem(
                    ErrorKind::InvalidValue,
                    format!("invalid slot name '{n}'; use lower-case ASCII like color"),
                    loc(name),
                    &format!("reading.slots.{n}"),
                );
                continue;
            }
            let index = out.slots.len() as u32;
            let terms = listed(self, values, TermKind::Slot, &format!("slots.{n}"), index);
            out.terms.extend(terms);
            out.slots.push(n.clone());
        }
        out
    }

    /// A node's `opening:`; the section's default when absent.
    pub(super) fn opening(&mut self, s: Option<&S>, section: Section, path: &str) -> Opening {
        let Some(s) = s else {
            return Opening::of(section);
        };
        match s.value.as_str() {
            "greeting" => Opening::Greeting,
            "calm" => Opening::Calm,
            "none" => Opening::None,
            other => {
                self.problem(
                    ErrorKind::InvalidValue,
                    format!("unknown opening '{other}'; write greeting, calm or none"),
                    loc(s),
                    &format!("{path}.opening"),
                );
                Opening::of(section)
            }
        }
    }

    /// `answers:` of a node: whether it answers questions only.
    pub(super) fn answers(&mut self, s: Option<&S>, path: &str) -> bool {
        match s.map(|s| (s, s.value.as_str())) {
            None | Some((_, "anything")) => false,
            Some((_, "questions")) => true,
            Some((s, other)) => {
                self.problem(
                    ErrorKind::InvalidValue,
                    format!("unknown answers '{other}'; write questions or anything"),
                    loc(s),
                    &format!("{path}.answers"),
                );
                false
            }
        }
    }
}
