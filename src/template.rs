//! Reply templates, parsed once at load.
//!
//! `{shop}`, `{agent}` and the keys of `shop.vars` are constants: they are substituted
//! when the template is parsed. `{name}` and `{name|default}` naming a pattern's capture
//! group are the only parts read at reply time. Captured text is inserted as data: it
//! is never parsed as a template, so a buyer writing `{shop}` gets `{shop}` back.
//! `{product.X}` reads an attribute of the session's current product (see
//! [`crate::product`]), inserted as data too.

use crate::product::{Attr, Product};
use crate::session::is_unsafe_char;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Capture {
        name: String,
        default: Option<String>,
    },
    Product {
        attr: Attr,
        default: Option<String>,
    },
}

/// A parsed template: literal text and capture slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// Who the variant is for; set by the validator from a variant map.
    pub(crate) mark: Mark,
    /// Some part reads the current product.
    product: bool,
}

/// Who a reply variant is for: `for:` (a segment, by index in `buyers.segments`) and
/// `mood: soothing` of a variant map. Plain variants are for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub(crate) segment: Option<u8>,
    pub(crate) soothing: bool,
}

/// What a template reads when it is rendered: the session's captures, values the
/// reply supplies (`extra`, such as `{next_open}`; they take precedence over
/// captures) and the current product.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vars<'a> {
    pub(crate) captures: &'a BTreeMap<String, String>,
    pub(crate) extra: &'a [(&'a str, &'a str)],
    pub(crate) product: Option<&'a Product>,
}

impl<'a> Vars<'a> {
    /// Captures only: no extra values, no product.
    pub(crate) fn captures(captures: &'a BTreeMap<String, String>) -> Vars<'a> {
        Vars {
            captures,
            extra: &[],
            product: None,
        }
    }
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
                    if let Some(attr) = name.strip_prefix("product.") {
                        if !lit.is_empty() {
                            parts.push(Part::Lit(std::mem::take(&mut lit)));
                        }
                        parts.push(Part::Product {
                            attr: Attr::parse(attr.trim())?,
                            default,
                        });
                    } else if let Some(v) = scope.constants.get(name) {
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
        let product = parts.iter().any(|p| matches!(p, Part::Product { .. }));
        Ok(Template {
            parts,
            mark: Mark::default(),
            product,
        })
    }

    /// True when every capture and product attribute without a default is present.
    pub(crate) fn renderable(&self, vars: Vars<'_>) -> bool {
        self.fixed_text().is_some()
            || self.parts.iter().all(|p| match p {
                Part::Lit(_) => true,
                Part::Capture { name, default } => {
                    default.is_some()
                        || vars.extra.iter().any(|(k, _)| k == name)
                        || vars.captures.contains_key(name)
                }
                Part::Product { attr, default } => {
                    default.is_some()
                        || vars
                            .product
                            .is_some_and(|pr| pr.value(attr, vars.captures).is_some())
                }
            })
    }

    /// The whole text of a template without variables (parsing leaves such a template
    /// one literal part: constants are substituted into it).
    pub(crate) fn fixed_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(text)] => Some(text),
            _ => None,
        }
    }

    /// Whether some part reads the current product.
    pub(crate) fn uses_product(&self) -> bool {
        self.product
    }

    /// The product attributes this template reads, each with whether it has a default.
    pub(crate) fn product_attrs(&self) -> impl Iterator<Item = (&Attr, bool)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Product { attr, default } => Some((attr, default.is_some())),
            _ => None,
        })
    }

    /// Appends the rendered text to `out`; a missing capture or product attribute
    /// renders as its default or as nothing.
    pub(crate) fn render_into(&self, vars: Vars<'_>, out: &mut String) {
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Capture { name, default } => {
                    let value = vars
                        .extra
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| *v)
                        .or_else(|| vars.captures.get(name).map(String::as_str));
                    match value {
                        // Cleaned when stored, and again here: a session may come back from
                        // a store the host does not fully trust.
                        Some(v) => out.extend(v.chars().filter(|c| !is_unsafe_char(*c))),
                        None => out.push_str(default.as_deref().unwrap_or("")),
                    }
                }
                Part::Product { attr, default } => {
                    match vars.product.and_then(|pr| pr.value(attr, vars.captures)) {
                        Some(v) => out.push_str(v),
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
        t.render_into(
            Vars {
                captures: &caps,
                extra: &[],
                product: None,
            },
            &mut s,
        );
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
        let none = BTreeMap::new();
        let vars = Vars {
            captures: &none,
            extra: &[],
            product: None,
        };
        assert!(!t2.renderable(vars));
        assert!(t.renderable(vars));
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
    fn product_attributes_render_as_data_with_defaults() {
        let c = scope_with(&[("shop", "衣见")]);
        let s = Scope {
            constants: &c,
            captures: &[],
        };
        let t = Template::parse("{product.name}:{product.fabric}", &s).unwrap();
        let d = Template::parse("{product.fabric|详情页有写}", &s).unwrap();
        assert!(t.uses_product() && d.uses_product());
        assert!(!Template::parse("{shop}", &s).unwrap().uses_product());
        let coat = Product {
            name: "大衣{shop}".into(),
            fabric: Some("羊毛".into()),
            ..Product::default()
        };
        let bare = Product {
            name: "T恤".into(),
            ..Product::default()
        };
        let none = BTreeMap::new();
        let vars = |product| Vars {
            captures: &none,
            extra: &[],
            product,
        };
        let render = |t: &Template, product| {
            let mut out = String::new();
            t.render_into(vars(product), &mut out);
            out
        };
        assert!(t.renderable(vars(Some(&coat))));
        assert!(!t.renderable(vars(Some(&bare))));
        assert!(!t.renderable(vars(None)));
        assert!(d.renderable(vars(None)));
        // Product text is data: {shop} in it stays as written.
        assert_eq!(render(&t, Some(&coat)), "大衣{shop}:羊毛");
        assert_eq!(render(&d, Some(&bare)), "详情页有写");
        let attrs: Vec<(&str, bool)> = d.product_attrs().map(|(a, d)| (a.name(), d)).collect();
        assert_eq!(attrs, vec![("fabric", true)]);
        assert!(Template::parse("{product.Fabric}", &s)
            .unwrap_err()
            .starts_with("invalid product attribute {product.Fabric}"));
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
