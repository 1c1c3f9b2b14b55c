//! Reply templates, parsed once at load.
//!
//! `{shop}`, `{agent}` and the keys of `shop.vars` are constants: they are substituted
//! when the template is parsed. `{name}` and `{name|default}` naming a pattern's capture
//! group are the only parts read at reply time. Captured text is inserted as data: it
//! is never parsed as a template, so a buyer writing `{shop}` gets `{shop}` back.

use crate::session::is_unsafe_char;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Capture {
        name: String,
        default: Option<String>,
    },
}

/// A parsed template: literal text and capture slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// Who the variant is for; set by the validator from a variant map.
    pub(crate) mark: Mark,
}

/// Who a reply variant is for: `for:` (a segment, by index in `buyers.segments`) and
/// `mood: soothing` of a variant map. Plain variants are for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub(crate) segment: Option<u8>,
    pub(crate) soothing: bool,
}

/// What a template may name.
pub(crate) struct Scope<'a> {
    /// Constants: name → value (`shop`, `agent`, `shop.vars`).
    pub(crate) constants: &'a BTreeMap<String, String>,
    /// Names of capture groups of all patterns.
    pub(crate) captures: &'a [String],
}

impl Scope<'_> {
    fn known(&self) -> String {
        let mut names: Vec<&str> = self.constants.keys().map(String::as_str).collect();
        names.extend(self.captures.iter().map(String::as_str));
        names.join(", ")
    }
}

impl Template {
    /// Parses `src`. Errors name the first unknown variable or syntax slip.
    pub(crate) fn parse(src: &str, scope: &Scope<'_>) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = src.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err("unmatched '}'; write '}}' for a literal brace".into()),
                '{' => {
                    let rest = &src[i + 1..];
                    let Some(close) = rest.find('}') else {
                        return Err("unclosed '{'; write '{{' for a literal brace".into());
                    };
                    let inner = &rest[..close];
                    for _ in inner.chars() {
                        chars.next();
                    }
                    chars.next(); // the '}'
                    let (name, default) = match inner.split_once('|') {
                        Some((n, d)) => (n.trim(), Some(d.to_owned())),
                        None => (inner.trim(), None),
                    };
                    if name.is_empty() {
                        return Err(format!("empty variable {{}}; known: {}", scope.known()));
                    }
                    if let Some(v) = scope.constants.get(name) {
                        lit.push_str(v);
                    } else if scope.captures.iter().any(|c| c == name) {
                        if !lit.is_empty() {
                            parts.push(Part::Lit(std::mem::take(&mut lit)));
                        }
                        parts.push(Part::Capture {
                            name: name.to_owned(),
                            default,
                        });
                    } else {
                        return Err(format!(
                            "unknown variable {{{name}}}; known: {}",
                            scope.known()
                        ));
                    }
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template {
            parts,
            mark: Mark::default(),
        })
    }

    /// True when every capture without a default is present.
    pub(crate) fn renderable(&self, captures: &BTreeMap<String, String>) -> bool {
        self.renderable_with(captures, &[])
    }

    /// Whether every capture without a default is present, counting `extra` values
    /// (such as `{next_open}`), which take precedence over captures.
    pub(crate) fn renderable_with(
        &self,
        captures: &BTreeMap<String, String>,
        extra: &[(&str, &str)],
    ) -> bool {
        self.parts.iter().all(|p| match p {
            Part::Lit(_) => true,
            Part::Capture { name, default } => {
                default.is_some()
                    || extra.iter().any(|(k, _)| k == name)
                    || captures.contains_key(name)
            }
        })
    }

    /// Appends the rendered text to `out`; a missing capture renders as its default or
    /// as nothing.
    pub(crate) fn render_into(&self, captures: &BTreeMap<String, String>, out: &mut String) {
        self.render_into_with(captures, &[], out);
    }

    /// [`Template::render_into`] with `extra` values that take precedence over captures.
    pub(crate) fn render_into_with(
        &self,
        captures: &BTreeMap<String, String>,
        extra: &[(&str, &str)],
        out: &mut String,
    ) {
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Capture { name, default } => {
                    let value = extra
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| *v)
                        .or_else(|| captures.get(name).map(String::as_str));
                    match value {
                        // Cleaned when stored, and again here: a session may come back from
                        // a store the host does not fully trust.
                        Some(v) => out.extend(v.chars().filter(|c| !is_unsafe_char(*c))),
                        None => out.push_str(default.as_deref().unwrap_or("")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_with(consts: &[(&str, &str)]) -> BTreeMap<String, String> {
        consts
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn render(t: &Template, caps: &[(&str, &str)]) -> String {
        let caps = scope_with(caps);
        let mut s = String::new();
        t.render_into(&caps, &mut s);
        s
    }

    #[test]
    fn constants_are_substituted_at_parse() {
        let c = scope_with(&[("shop", "衣见"), ("agent", "小衣")]);
        let t = Template::parse(
            "欢迎光临{shop},我是{agent}",
            &Scope {
                constants: &c,
                captures: &[],
            },
        )
        .unwrap();
        assert_eq!(render(&t, &[]), "欢迎光临衣见,我是小衣");
    }

    #[test]
    fn captures_render_with_defaults_and_escapes() {
        let c = scope_with(&[]);
        let caps = vec!["order_id".to_owned()];
        let s = Scope {
            constants: &c,
            captures: &caps,
        };
        let t = Template::parse("{{订单}} {order_id|您的订单}已收到", &s).unwrap();
        assert_eq!(render(&t, &[]), "{订单} 您的订单已收到");
        assert_eq!(render(&t, &[("order_id", "123")]), "{订单} 123已收到");
        let t2 = Template::parse("订单{order_id}", &s).unwrap();
        assert!(!t2.renderable(&BTreeMap::new()));
        assert!(t.renderable(&BTreeMap::new()));
    }

    #[test]
    fn captured_text_is_data_not_template() {
        let c = scope_with(&[("shop", "衣见")]);
        let caps = vec!["x".to_owned()];
        let s = Scope {
            constants: &c,
            captures: &caps,
        };
        let t = Template::parse("[{x}]", &s).unwrap();
        assert_eq!(render(&t, &[("x", "{shop}}{")]), "[{shop}}{]");
    }

    #[test]
    fn errors() {
        let c = scope_with(&[("shop", "x"), ("agent", "y")]);
        let caps = vec!["order_id".to_owned()];
        let s = Scope {
            constants: &c,
            captures: &caps,
        };
        let cases = [
            (
                "{ordr_id}",
                "unknown variable {ordr_id}; known: agent, shop, order_id",
            ),
            ("a{b", "unclosed '{'"),
            ("a}b", "unmatched '}'"),
            ("{}", "empty variable {}"),
        ];
        for (src, want) in cases {
            let got = Template::parse(src, &s).unwrap_err();
            assert!(got.starts_with(want), "{src}: {got}");
        }
    }
}
