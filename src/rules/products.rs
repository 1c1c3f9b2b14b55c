//! Validation of the `products:` table (产品详情) and of the templates that read it.
//!
//! Every problem is located and collected like the rest of the file: duplicate ids,
//! names, aliases or item ids, empty names or values, size chart ranges that do not
//! parse, and templates naming a product attribute no product defines.

use super::model::{ProductRule, S};
use super::{loc, TermKind, Validator};
use crate::error::{ErrorKind, Location};
use crate::product::{
    chart_line, is_attr_key, is_item_id, parse_range, Attr, Measure, Product, ProductTable,
    RowText, SizeRow, FIXED_ATTRS,
};
use crate::template::Template;
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// What the validator knows of the products while it checks templates.
#[derive(Debug, Default)]
pub(super) struct Products {
    pub(super) table: ProductTable,
    /// Some pattern captures `height` or `weight`, which `{product.size}` reads.
    buyer_measures: bool,
}

/// Longest product id, in bytes: sessions keep it inline like a topic id.
const MAX_PRODUCT_ID_BYTES: usize = crate::session::MAX_TOPIC_BYTES;

fn is_product_id(id: &str) -> bool {
    (1..=MAX_PRODUCT_ID_BYTES).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Where a name, alias or item id was first used: product path and line.
struct First {
    path: String,
    id: String,
    at: Option<Location>,
}

impl First {
    fn describe(&self) -> String {
        let line = self
            .at
            .map_or(String::new(), |l| format!(" at line {}", l.line));
        format!("product '{}' ({}{line})", self.id, self.path)
    }
}

impl Validator {
    fn product_problem(&mut self, msg: impl Into<String>, at: Option<Location>, path: &str) {
        self.problem(ErrorKind::InvalidProduct, msg, at, path);
    }

    /// A text attribute: `None` when absent; a problem when present but blank.
    fn product_text(&mut self, v: Option<&S>, path: &str) -> Option<String> {
        let v = v?;
        if v.value.trim().is_empty() {
            self.product_problem("value is empty; write it or delete the key", loc(v), path);
            return None;
        }
        Some(v.value.trim().to_owned())
    }

    /// Checks the `products:` table and keeps it for the template checks that follow.
    /// `captures` are the capture group names of all patterns.
    pub(super) fn products(&mut self, list: Vec<Spanned<ProductRule>>, captures: &[String]) {
        let mut products = Vec::with_capacity(list.len());
        let mut ids: HashMap<String, First> = HashMap::new();
        let mut terms: HashMap<String, First> = HashMap::new();
        let mut items: HashMap<String, First> = HashMap::new();
        for (i, p) in list.into_iter().enumerate() {
            let at = loc(&p);
            let path = format!("products[{i}]");
            let r = p.value;
            let id = match &r.id {
                None => {
                    self.problem(ErrorKind::MissingKey, "missing key 'id'", at, &path);
                    String::new()
                }
                Some(id) => {
                    let ipath = format!("{path}.id");
                    if !is_product_id(&id.value) {
                        self.product_problem(
                            format!(
                                "invalid product id '{}'; use ASCII letters, digits, _ or -, at most {MAX_PRODUCT_ID_BYTES} chars",
                                id.value
                            ),
                            loc(id),
                            &ipath,
                        );
                    } else if let Some(first) = ids.get(&id.value) {
                        let msg =
                            format!("duplicate product id, first used by {}", first.describe());
                        self.product_problem(msg, loc(id), &ipath);
                    } else {
                        ids.insert(
                            id.value.clone(),
                            First {
                                path: path.clone(),
                                id: id.value.clone(),
                                at,
                            },
                        );
                    }
                    id.value.clone()
                }
            };
            let first = |at| First {
                path: path.clone(),
                id: id.clone(),
                at,
            };

            let mut product_terms = Vec::new();
            let name = match &r.name {
                None => {
                    self.problem(
                        ErrorKind::MissingKey,
                        "missing key 'name' (what buyers call the product)",
                        at,
                        &path,
                    );
                    String::new()
                }
                Some(n) if n.value.trim().is_empty() => {
                    self.product_problem("product name is empty", loc(n), &format!("{path}.name"));
                    String::new()
                }
                Some(n) => n.value.trim().to_owned(),
            };
            let named = r.name.iter().filter(|n| !n.value.trim().is_empty());
            let words = named.map(|n| (n, format!("{path}.name"))).chain(
                r.aliases
                    .iter()
                    .enumerate()
                    .map(|(j, a)| (a, format!("{path}.aliases[{j}]"))),
            );
            for (w, wpath) in words {
                let Some(t) = self.term(w, TermKind::Contains, || wpath.clone()) else {
                    continue;
                };
                if let Some(f) = terms.get(&t.text) {
                    let msg = format!(
                        "'{}' is already the name or an alias of {}",
                        w.value,
                        f.describe()
                    );
                    self.product_problem(msg, loc(w), &wpath);
                    continue;
                }
                terms.insert(t.text.clone(), first(loc(w)));
                product_terms.push(t.text);
            }

            let mut item_ids = Vec::new();
            for (j, item) in r.item_ids.iter().enumerate() {
                let ipath = format!("{path}.item_ids[{j}]");
                let v = item.value.trim();
                if !is_item_id(v) {
                    self.product_problem(
                        format!(
                            "invalid item id '{v}'; write the digits after id= in the item link (5 to 20 digits) or a short link code like h.gK8vQ2x"
                        ),
                        loc(item),
                        &ipath,
                    );
                } else if let Some(f) = items.get(v) {
                    let msg = format!("item id '{v}' is already listed by {}", f.describe());
                    self.product_problem(msg, loc(item), &ipath);
                } else {
                    items.insert(v.to_owned(), first(loc(item)));
                    item_ids.push(v.to_owned());
                }
            }

            let fabric = self.product_text(r.fabric.as_ref(), &format!("{path}.fabric"));
            let care = self.product_text(r.care.as_ref(), &format!("{path}.care"));
            let promotion = self.product_text(r.promotion.as_ref(), &format!("{path}.promotion"));
            let mut matching = Vec::new();
            for (j, m) in r.matching.iter().enumerate() {
                if let Some(t) = self.product_text(Some(m), &format!("{path}.matching[{j}]")) {
                    matching.push(t);
                }
            }

            let mut size_chart = Vec::new();
            let mut texts = Vec::new();
            for (j, row) in r.size_chart.iter().enumerate() {
                let rpath = format!("{path}.size_chart[{j}]");
                let Some(size) = &row.value.size else {
                    self.problem(
                        ErrorKind::MissingKey,
                        "missing key 'size' (the size's label: S, M, L, 均码 …)",
                        loc(row),
                        &rpath,
                    );
                    continue;
                };
                let label = size.value.trim();
                if label.is_empty() {
                    self.product_problem(
                        "size label is empty",
                        loc(size),
                        &format!("{rpath}.size"),
                    );
                    continue;
                }
                if size_chart.iter().any(|r: &SizeRow| r.size == label) {
                    self.product_problem(
                        format!("size '{label}' is listed twice in this size chart"),
                        loc(size),
                        &format!("{rpath}.size"),
                    );
                    continue;
                }
                let range = |v: &Option<S>, key: &str, m: Measure, me: &mut Self| {
                    let v = v.as_ref()?;
                    match parse_range(&v.value, m) {
                        Ok(b) => Some(b),
                        Err(msg) => {
                            me.product_problem(msg, loc(v), &format!("{rpath}.{key}"));
                            None
                        }
                    }
                };
                let height = range(&row.value.height, "height", Measure::Height, self);
                let weight = range(&row.value.weight, "weight", Measure::Weight, self);
                let note = self.product_text(row.value.note.as_ref(), &format!("{rpath}.note"));
                size_chart.push(SizeRow {
                    size: label.to_owned(),
                    height,
                    weight,
                });
                texts.push((
                    label,
                    row.value.height.as_ref().map(|h| h.value.as_str()),
                    row.value.weight.as_ref().map(|w| w.value.as_str()),
                    note,
                ));
            }
            let rows: Vec<RowText<'_>> = texts
                .iter()
                .map(|(size, height, weight, note)| RowText {
                    size,
                    height: *height,
                    weight: *weight,
                    note: note.as_deref(),
                })
                .collect();
            let size_chart_line = (!rows.is_empty()).then(|| chart_line(&rows));

            let mut attrs = std::collections::BTreeMap::new();
            for (k, v) in &r.attrs {
                let apath = format!("{path}.attrs.{k}");
                if !is_attr_key(k) || FIXED_ATTRS.contains(&k.as_str()) {
                    self.product_problem(
                        format!(
                            "attribute name '{k}' must be [a-z_][a-z0-9_]* and not one of {}",
                            FIXED_ATTRS.join(", ")
                        ),
                        loc(v),
                        &apath,
                    );
                    continue;
                }
                if let Some(t) = self.product_text(Some(v), &apath) {
                    attrs.insert(k.clone(), t);
                }
            }

            products.push(Product {
                id,
                name,
                aliases: r.aliases.iter().map(|a| a.value.clone()).collect(),
                terms: product_terms,
                item_ids,
                fabric,
                care,
                matching: (!matching.is_empty()).then(|| matching.join("、")),
                promotion,
                size_chart,
                size_chart_line,
                attrs,
                location: at,
                path,
            });
        }
        self.products = Products {
            table: ProductTable::new(products),
            buyer_measures: captures.iter().any(|c| c == "height" || c == "weight"),
        };
    }

    /// Every `{product.X}` of a template names an attribute some product defines.
    pub(super) fn check_product_attrs(&mut self, t: &Template, at: Option<Location>, path: &str) {
        if !t.uses_product() {
            return;
        }
        let mut bad = Vec::new();
        for (attr, _) in t.product_attrs() {
            let p = &self.products;
            let msg = if p.table.is_empty() {
                format!(
                    "{{product.{}}} names a product attribute, but the file has no products: table",
                    attr.name()
                )
            } else if *attr == Attr::Size && !p.buyer_measures {
                "{product.size} needs a pattern with a capture group named height or weight"
                    .to_owned()
            } else if !p.table.defines(attr) {
                format!(
                    "unknown product attribute {{product.{}}}: no product defines it; known: {}",
                    attr.name(),
                    p.table.known_attrs().join(", ")
                )
            } else {
                continue;
            };
            bad.push(msg);
        }
        for msg in bad {
            self.problem(ErrorKind::InvalidTemplate, msg, at, path);
        }
    }

    /// A list of variants needs one that reads no product attribute without a default:
    /// it answers when the conversation has no current product, or one that lacks the
    /// attribute. `at` and `path` name the list.
    pub(super) fn check_product_variants(
        &mut self,
        list: &[Template],
        at: Option<Location>,
        path: &str,
    ) {
        let needs = |t: &Template| t.product_attrs().any(|(_, default)| !default);
        if !list.is_empty() && list.iter().all(needs) {
            let msg = if list.len() == 1 {
                "this text reads a product attribute without a default, so it would be broken when the buyer's product is unknown; give it a default ({product.fabric|…})"
            } else {
                "every variant reads a product attribute; add one that does not, for buyers whose product is unknown or lacks it"
            };
            self.problem(ErrorKind::InvalidTemplate, msg, at, path);
        }
    }

    /// A `tests:` case's `product:`: a product id of the table.
    pub(super) fn test_product(&mut self, p: Option<S>, path: &str) -> Option<String> {
        let p = p?;
        if self.products.table.get(&p.value).is_none() {
            self.product_problem(
                format!("test expects unknown product '{}'", p.value),
                loc(&p),
                &format!("{path}.product"),
            );
        }
        Some(p.value)
    }
}
