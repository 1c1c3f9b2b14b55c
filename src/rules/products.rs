//! Validation of the `products:` table (产品详情) and of the templates that read it.
//!
//! Every problem is located and collected like the rest of the file: duplicate ids,
//! names, aliases or item ids, empty names or values, size chart ranges that do not
//! parse, and templates naming a product attribute no product defines.

use super::model::{ProductRule, S};
use super::{loc, TermKind, Validator};
use crate::basics::error::{ErrorKind, Location};
use crate::basics::limits::MAX_TOPIC_BYTES;
use crate::basics::text::is_ident;
use crate::shop::products::{ascii_digit, Bounds, Product, ProductTable, SizeRow, KG_UNITS};
use crate::template::{Attr, Template};
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
const MAX_PRODUCT_ID_BYTES: usize = MAX_TOPIC_BYTES;

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
                if !is_ident(k) || Attr::FIXED.contains(&k.as_str()) {
                    self.product_problem(
                        format!(
                            "attribute name '{k}' must be [a-z_][a-z0-9_]* and not one of {}",
                            Attr::FIXED.join(", ")
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
        let table = ProductTable::new(products).unwrap_or_else(|msg| {
            self.problem(ErrorKind::LimitExceeded, msg, None, "products");
            ProductTable::default()
        });
        self.products = Products {
            table,
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

/// Whether `id` is a valid `item_ids:` entry: a numeric item id (5 to 20 digits) or a
/// short link code (`h.` and 3 to 32 letters or digits).
pub(crate) fn is_item_id(id: &str) -> bool {
    let digits = (5..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
    let short = id.strip_prefix("h.").is_some_and(|c| {
        (3..=32).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    digits || short
}

/// Which range of a size chart row is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    Height,
    Weight,
}

/// Parses a size chart range: `160-165` or `160-165cm` for height; `95-105斤`,
/// `48-52kg` for weight (a unit is required). Also `170以上`, `170+`, `90斤以下` and a
/// single number. The result is in cm or 斤.
pub(crate) fn parse_range(s: &str, measure: Measure) -> Result<Bounds, String> {
    let t: String = s
        .trim()
        .chars()
        .map(ascii_digit)
        .collect::<String>()
        .to_lowercase();
    let invalid = || format!("invalid range '{s}'; write e.g. 160-165 or 95-105斤");
    // Open ends first: a unit may stand before them (`170cm以上`).
    let (t, above, below) = if let Some(b) = t.strip_suffix("以上").or(t.strip_suffix('+')) {
        (b.trim(), true, false)
    } else if let Some(b) = t.strip_suffix("以下") {
        (b.trim(), false, true)
    } else {
        (t.as_str(), false, false)
    };
    let (body, factor) = match measure {
        Measure::Height => (strip_unit(t, HEIGHT_UNITS).unwrap_or(t), 1.0),
        Measure::Weight => match (strip_unit(t, &["斤"]), strip_unit(t, &KG_UNITS)) {
            (Some(b), _) => (b, 1.0),
            (None, Some(b)) => (b, 2.0),
            (None, None) => {
                return Err(format!(
                    "weight range '{s}' needs a unit: write e.g. 95-105斤 or 48-52kg"
                ))
            }
        },
    };
    let num = |x: &str| -> Result<u32, String> {
        let n: f64 = x.trim().parse().map_err(|_| invalid())?;
        if !(n.is_finite() && (0.0..10_000.0).contains(&n)) {
            return Err(invalid());
        }
        Ok((n * factor).round() as u32)
    };
    let bounds = if above {
        Bounds {
            min: num(body)?,
            max: u32::MAX,
        }
    } else if below {
        Bounds {
            min: 0,
            max: num(body)?,
        }
    } else if let Some((a, b)) = body.split_once(['-', '~', '～', '—', '–', '至', '到']) {
        // A unit may also follow the first number (`160cm-165cm`).
        let a_raw = a.trim();
        let a = a_raw;
        let a = match measure {
            Measure::Height => strip_unit(a, HEIGHT_UNITS),
            Measure::Weight => strip_unit(a, &["斤"]).or_else(|| strip_unit(a, &KG_UNITS)),
        };
        Bounds {
            min: num(a.unwrap_or(a_raw))?,
            max: num(b)?,
        }
    } else {
        let n = num(body)?;
        Bounds { min: n, max: n }
    };
    if bounds.min > bounds.max {
        return Err(format!("range '{s}' ends below its start"));
    }
    Ok(bounds)
}

const HEIGHT_UNITS: &[&str] = &["cm", "厘米", "公分"];

/// `s` without one of `units` at its end, trimmed; `None` when it has none of them.
fn strip_unit<'s>(s: &'s str, units: &[&str]) -> Option<&'s str> {
    units.iter().find_map(|u| s.strip_suffix(u)).map(str::trim)
}

/// A size chart row as written, for [`chart_line`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowText<'a> {
    pub(crate) size: &'a str,
    pub(crate) height: Option<&'a str>,
    pub(crate) weight: Option<&'a str>,
    pub(crate) note: Option<&'a str>,
}

/// One line for `{product.size_chart}`: `S码 155-160cm/85-95斤；M码 …`. Ranges are
/// shown as written (a height written without a unit gets `cm`).
pub(crate) fn chart_line(rows: &[RowText<'_>]) -> String {
    let mut line = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            line.push('；');
        }
        let size = r.size.trim();
        line.push_str(size);
        if !(size.ends_with('码') || size.ends_with('号') || size.ends_with('號')) {
            line.push('码');
        }
        let height = r.height.map(|h| {
            let h = h.trim();
            if h.ends_with(|c: char| c.is_ascii_digit()) {
                format!("{h}cm")
            } else {
                h.to_owned()
            }
        });
        let parts = [
            height.as_deref(),
            r.weight.map(str::trim),
            r.note.map(str::trim),
        ];
        for (j, p) in parts.into_iter().flatten().enumerate() {
            line.push(if j == 0 { ' ' } else { '/' });
            line.push_str(p);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_are_checked() {
        for ok in ["623456789012", "12345", "h.gK8vQ2x"] {
            assert!(is_item_id(ok), "{ok}");
        }
        for bad in [
            "1234",
            "abc123456",
            "h.",
            "h.a-b-c",
            "６２３４５６",
            "123456789012345678901",
        ] {
            assert!(!is_item_id(bad), "{bad}");
        }
    }

    #[test]
    fn ranges_parse_with_units_and_open_ends() {
        let b = |min, max| Ok(Bounds { min, max });
        assert_eq!(parse_range("160-165", Measure::Height), b(160, 165));
        assert_eq!(parse_range("160～165cm", Measure::Height), b(160, 165));
        assert_eq!(parse_range("170cm以上", Measure::Height), b(170, u32::MAX));
        assert_eq!(parse_range("170+", Measure::Height), b(170, u32::MAX));
        assert_eq!(parse_range("95-105斤", Measure::Weight), b(95, 105));
        assert_eq!(parse_range("48-52.5kg", Measure::Weight), b(96, 105));
        assert_eq!(parse_range("90斤以下", Measure::Weight), b(0, 90));
        assert!(parse_range("95-105", Measure::Weight)
            .unwrap_err()
            .contains("needs a unit"));
        assert!(parse_range("165-160", Measure::Height)
            .unwrap_err()
            .contains("ends below"));
        assert!(parse_range("高", Measure::Height).is_err());
    }

    #[test]
    fn the_chart_renders_on_one_line() {
        let rows = [
            RowText {
                size: "S",
                height: Some("155-160"),
                weight: Some("85-95斤"),
                note: None,
            },
            RowText {
                size: "均码",
                height: None,
                weight: Some("90-120斤"),
                note: Some("衣长102cm"),
            },
        ];
        assert_eq!(
            chart_line(&rows),
            "S码 155-160cm/85-95斤；均码 90-120斤/衣长102cm"
        );
    }
}
