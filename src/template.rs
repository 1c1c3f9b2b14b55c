//! Reply templates, parsed once at load.
//!
//! `{shop}`, `{agent}` and the keys of `shop.vars` are constants: they are substituted
//! when the template is parsed. `{name}` and `{name|default}` naming a pattern's capture
//! group are the only parts read at reply time. Captured text is inserted as data: it
//! is never parsed as a template, so a buyer writing `{shop}` gets `{shop}` back.
//! `{product.X}` reads an attribute of the session's current product ([`Attr`], looked
//! up through [`Facts`], which the products table implements), inserted as data too.
//!
//! A layer of its own, just above the basics: the shop features (payment texts,
//! product facts) and the pipeline both speak it, and it knows none of them.

use crate::basics::ids::{NodeId, SegmentId};
use crate::basics::text::{is_ident, is_unsafe_char};
use std::collections::BTreeMap;

/// What `{product.X}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attr {
    Id,
    Name,
    Fabric,
    Care,
    Matching,
    Promotion,
    /// The whole size chart on one line.
    SizeChart,
    /// The size chart row fitting the buyer's captured `height` and `weight`.
    Size,
    /// A key of the product's `attrs:` map.
    Custom(String),
}

impl Attr {
    /// Attribute names with a fixed meaning; `attrs:` keys may not reuse them.
    pub(crate) const FIXED: &'static [&'static str] = &[
        "id",
        "name",
        "fabric",
        "care",
        "matching",
        "promotion",
        "size_chart",
        "size",
    ];

    /// Parses the `X` of `{product.X}`.
    pub(crate) fn parse(name: &str) -> Result<Attr, String> {
        Ok(match name {
            "id" => Attr::Id,
            "name" => Attr::Name,
            "fabric" => Attr::Fabric,
            "care" => Attr::Care,
            "matching" => Attr::Matching,
            "promotion" => Attr::Promotion,
            "size_chart" => Attr::SizeChart,
            "size" => Attr::Size,
            other if is_ident(other) => Attr::Custom(other.to_owned()),
            other => {
                return Err(format!(
                    "invalid product attribute {{product.{other}}}; attribute names are [a-z_][a-z0-9_]*"
                ))
            }
        })
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Attr::Id => "id",
            Attr::Name => "name",
            Attr::Fabric => "fabric",
            Attr::Care => "care",
            Attr::Matching => "matching",
            Attr::Promotion => "promotion",
            Attr::SizeChart => "size_chart",
            Attr::Size => "size",
            Attr::Custom(k) => k,
        }
    }
}

/// Where `{product.X}` finds its text: a product of the shop's table.
pub(crate) trait Facts {
    /// The attribute's text, `None` when the product lacks it; `captures` give the
    /// buyer's `height` and `weight` for [`Attr::Size`].
    fn fact(&self, attr: &Attr, captures: Captures<'_>) -> Option<&str>;
}

/// The captured values a template may read: this message's (`fresh`, already cleaned,
/// the last of a name wins) before the session's (`stored`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Captures<'a> {
    pub(crate) fresh: &'a [(&'a str, String)],
    pub(crate) stored: &'a BTreeMap<String, String>,
}

impl<'a> Captures<'a> {
    /// The session's captures only.
    pub(crate) fn stored(stored: &'a BTreeMap<String, String>) -> Captures<'a> {
        Captures { fresh: &[], stored }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.fresh
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.stored.get(name).map(String::as_str))
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

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

/// Who a reply variant is for: `for:` (a segment, by index in `buyers.segments`),
/// `mood: soothing` and `after:` (a topic) of a variant map. Plain variants are for
/// everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub(crate) segment: Option<SegmentId>,
    pub(crate) soothing: bool,
    /// Only in a conversation on this topic (or, for a first-level node, its branch),
    /// or on any topic.
    pub(crate) after: Option<After>,
}

/// The conversation an `after:` variant follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// `after: TOPIC`: that node, or its branch when it is a first-level node.
    Topic(NodeId),
    /// `after: any`: a conversation on any topic (not on its first message).
    Any,
}

/// What a template reads when it is rendered: the session's captures, values the
/// reply supplies (`extra`, such as `{next_open}`; they take precedence over
/// captures) and the current product.
#[derive(Clone, Copy)]
pub(crate) struct Vars<'a> {
    pub(crate) captures: Captures<'a>,
    pub(crate) extra: &'a [(&'a str, &'a str)],
    pub(crate) product: Option<&'a dyn Facts>,
}

impl<'a> Vars<'a> {
    /// Stored captures only: no extra values, no product.
    pub(crate) fn captures(captures: &'a BTreeMap<String, String>) -> Vars<'a> {
        Vars {
            captures: Captures::stored(captures),
            extra: &[],
            product: None,
        }
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .or_else(|| self.captures.get(name))
    }
}

impl std::fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vars")
            .field("captures", &self.captures)
            .field("extra", &self.extra)
            .field("product", &self.product.is_some())
            .finish()
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
                        || vars.captures.has(name)
                }
                Part::Product { attr, default } => {
                    default.is_some()
                        || vars
                            .product
                            .is_some_and(|pr| pr.fact(attr, vars.captures).is_some())
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
                    match vars.value(name) {
                        // Cleaned when stored, and again here: a session may come back from
                        // a store the host does not fully trust.
                        Some(v) => out.extend(v.chars().filter(|c| !is_unsafe_char(*c))),
                        None => out.push_str(default.as_deref().unwrap_or("")),
                    }
                }
                Part::Product { attr, default } => {
                    match vars.product.and_then(|pr| pr.fact(attr, vars.captures)) {
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
        t.render_into(Vars::captures(&caps), &mut s);
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
        let vars = Vars::captures(&none);
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
        /// A product as `(name, fabric)`.
        struct Item(&'static str, Option<&'static str>);
        impl Facts for Item {
            fn fact(&self, attr: &Attr, _: Captures<'_>) -> Option<&str> {
                match attr {
                    Attr::Name => Some(self.0),
                    Attr::Fabric => self.1,
                    _ => None,
                }
            }
        }
        static COAT: Item = Item("大衣{shop}", Some("羊毛"));
        static BARE: Item = Item("T恤", None);
        let (coat, bare) = (&COAT, &BARE);
        let none = BTreeMap::new();
        let vars = |product: Option<&'static Item>| Vars {
            product: product.map(|p| p as &dyn Facts),
            ..Vars::captures(&none)
        };
        let render = |t: &Template, product| {
            let mut out = String::new();
            t.render_into(vars(product), &mut out);
            out
        };
        assert!(t.renderable(vars(Some(coat))));
        assert!(!t.renderable(vars(Some(bare))));
        assert!(!t.renderable(vars(None)));
        assert!(d.renderable(vars(None)));
        // Product text is data: {shop} in it stays as written.
        assert_eq!(render(&t, Some(coat)), "大衣{shop}:羊毛");
        assert_eq!(render(&d, Some(bare)), "详情页有写");
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

    #[test]
    fn attribute_names() {
        assert_eq!(Attr::parse("fabric"), Ok(Attr::Fabric));
        assert_eq!(
            Attr::parse("thickness"),
            Ok(Attr::Custom("thickness".into()))
        );
        assert!(Attr::parse("Fabric").is_err());
        assert!(Attr::parse("").is_err());
        for n in Attr::FIXED {
            assert_eq!(
                Attr::parse(n).map(|a| a.name().to_owned()).as_deref(),
                Ok(*n)
            );
        }
    }
}
