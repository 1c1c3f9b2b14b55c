//! Validation of `lint:`, the file's settings of the lints (see `crate::lint`).

use super::model::LintRule;
use super::{loc, Claims, Validator};
use crate::basics::error::ErrorKind;
use serde_saphyr::Spanned;

impl Validator {
    /// `lint.claims_action`: every phrase and allowed text non-empty.
    pub(super) fn claims(&mut self, rule: Option<Spanned<LintRule>>) -> Claims {
        let Some(claims) = rule.and_then(|r| r.value.claims_action) else {
            return Claims::default();
        };
        let mut out = Claims::default();
        for (key, list, into) in [
            ("phrases", &claims.value.phrases, &mut out.phrases),
            ("allow", &claims.value.allow, &mut out.allow),
        ] {
            for (i, s) in list.iter().enumerate() {
                if s.value.trim().is_empty() {
                    self.problem(
                        ErrorKind::EmptyKeyword,
                        format!("lint.claims_action.{key} has an empty text; delete it"),
                        loc(s),
                        &format!("lint.claims_action.{key}[{i}]"),
                    );
                } else {
                    into.push(s.value.trim().to_owned());
                }
            }
        }
        out
    }
}
