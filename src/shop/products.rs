//! Product facts (产品详情, 搭配, 活动表): the `products:` table of a rule file.
//!
//! A product is named in a message by its name or an alias, found by the same
//! automaton pass as the nodes' keywords (the matcher's entries of kind `Product`),
//! or by a pasted item link (`item.taobao.com/item.htm?id=…`, `detail.tmall.com/…`,
//! `item.jd.com/….html`, `m.tb.cn/h.…`), found by one regex that runs only when the
//! scan saw a `=` or `/` and the message has `id=`, `tb.cn/` or `jd.com/`. The product named last in the message becomes the
//! session's current product; a link to an item the table does not list clears it.
//!
//! Templates read the current product's facts with `{product.fabric}` and the like
//! ([`Attr`]); a variant naming an attribute the current product lacks is skipped, so
//! the node's generic variant answers. Product text is shop-written and inserted as
//! data: it is never read as a template.

use crate::basics::error::Location;
use crate::basics::ids::ProductId;
use crate::template::{Attr, Captures, Facts};
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// Inclusive bounds of a size chart range: centimetres for height, 斤 (half
/// kilograms) for weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) min: u32,
    pub(crate) max: u32,
}

impl Bounds {
    fn contains(self, v: u32) -> bool {
        self.min <= v && v <= self.max
    }
}

/// One row of a size chart.
#[derive(Debug, Clone)]
pub(crate) struct SizeRow {
    pub(crate) size: String,
    pub(crate) height: Option<Bounds>,
    pub(crate) weight: Option<Bounds>,
}

/// A validated `products:` entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Product {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Aliases as written.
    pub(crate) aliases: Vec<String>,
    /// Name and aliases, normalized: what the automaton matches.
    pub(crate) terms: Vec<String>,
    pub(crate) item_ids: Vec<String>,
    pub(crate) fabric: Option<String>,
    pub(crate) care: Option<String>,
    /// Matching items joined with 、.
    pub(crate) matching: Option<String>,
    pub(crate) promotion: Option<String>,
    pub(crate) size_chart: Vec<SizeRow>,
    /// The size chart on one line, rendered at load.
    pub(crate) size_chart_line: Option<String>,
    pub(crate) attrs: BTreeMap<String, String>,
    pub(crate) location: Option<Location>,
    pub(crate) path: String,
}

impl Product {
    /// The attribute's text for this product, `None` when the product lacks it (for
    /// [`Attr::Size`]: when no row fits the buyer's captured height and weight).
    pub(crate) fn value<'a>(&'a self, attr: &Attr, captures: Captures<'_>) -> Option<&'a str> {
        match attr {
            Attr::Id => Some(&self.id),
            Attr::Name => Some(&self.name),
            Attr::Fabric => self.fabric.as_deref(),
            Attr::Care => self.care.as_deref(),
            Attr::Matching => self.matching.as_deref(),
            Attr::Promotion => self.promotion.as_deref(),
            Attr::SizeChart => self.size_chart_line.as_deref(),
            Attr::Size => self.size_for(
                captures.get("height").and_then(parse_height),
                captures.get("weight").and_then(parse_weight),
            ),
            Attr::Custom(k) => self.attrs.get(k).map(String::as_str),
        }
    }

    /// Whether some product of this kind could have the attribute at all (used to
    /// reject templates naming attributes no product defines).
    pub(crate) fn defines(&self, attr: &Attr) -> bool {
        match attr {
            Attr::Size => self
                .size_chart
                .iter()
                .any(|r| r.height.is_some() || r.weight.is_some()),
            Attr::SizeChart => self.size_chart_line.is_some(),
            a => self.value(a, Captures::stored(&BTreeMap::new())).is_some(),
        }
    }

    /// The size whose row fits a buyer of `height_cm` and `weight_jin` (斤).
    ///
    /// A row fits when its ranges contain every number given. When both are given and
    /// no row fits both, weight alone decides, then height alone. Where neighbouring
    /// rows overlap (160-165, 165-170), the larger size (the later row) is chosen.
    pub(crate) fn size_for(&self, height_cm: Option<u32>, weight_jin: Option<u32>) -> Option<&str> {
        let fits = |r: &SizeRow, h: Option<u32>, w: Option<u32>| {
            (h.is_some() || w.is_some())
                && h.is_none_or(|h| r.height.is_some_and(|b| b.contains(h)))
                && w.is_none_or(|w| r.weight.is_some_and(|b| b.contains(w)))
        };
        [
            (height_cm, weight_jin),
            (None, weight_jin),
            (height_cm, None),
        ]
        .into_iter()
        .find_map(|(h, w)| self.size_chart.iter().rev().find(|r| fits(r, h, w)))
        .map(|r| r.size.as_str())
    }
}

impl Facts for Product {
    fn fact(&self, attr: &Attr, captures: Captures<'_>) -> Option<&str> {
        self.value(attr, captures)
    }
}

/// The validated `products:` table.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProductTable {
    pub(crate) products: Vec<Product>,
    by_id: HashMap<String, ProductId>,
    by_item: HashMap<String, ProductId>,
}

impl ProductTable {
    /// An estimate of the heap the table holds: its strings, rows and indexes.
    pub(crate) fn heap_bytes(&self) -> usize {
        let strings = |v: &[String]| v.iter().map(|s| s.len() + 24).sum::<usize>();
        let opt = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        let products: usize = self
            .products
            .iter()
            .map(|p| {
                std::mem::size_of::<Product>()
                    + p.id.len()
                    + p.name.len()
                    + strings(&p.aliases)
                    + strings(&p.terms)
                    + strings(&p.item_ids)
                    + opt(&p.fabric)
                    + opt(&p.care)
                    + opt(&p.matching)
                    + opt(&p.promotion)
                    + opt(&p.size_chart_line)
                    + p.size_chart
                        .iter()
                        .map(|r| std::mem::size_of::<SizeRow>() + r.size.len())
                        .sum::<usize>()
                    + p.attrs
                        .iter()
                        .map(|(k, v)| k.len() + v.len() + 64)
                        .sum::<usize>()
                    + p.path.len()
            })
            .sum();
        let index = |m: &HashMap<String, ProductId>| m.keys().map(|k| k.len() + 40).sum::<usize>();
        products + index(&self.by_id) + index(&self.by_item)
    }
}

/// What a message says about the product it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mention {
    /// No product name, alias or item link.
    None,
    /// This product was named last.
    Product(ProductId),
    /// The last thing named is a link to an item the table does not list.
    UnknownItem,
}

/// An item link and its id: `?id=`/`&id=` (Taobao, Tmall, and `item_id`, `itemId`,
/// `goods_id` of other platforms), `item.jd.com/ID.html`, or a short link code
/// (`m.tb.cn/h.XXXX`). ASCII classes only: links are ASCII, and the regex stays small.
static ITEM_LINK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?:[?&](?:id|item_id|itemId|goods_id)=(?P<q>[0-9]{5,20}))|(?:item\.jd\.com/(?P<jd>[0-9]{5,20})\.html)|(?:[me]\.tb\.cn/(?P<short>h\.[0-9A-Za-z]{3,32}))",
    )
    .ok()
});

/// Whether `text` may hold an item link: an `=` after `id`/`Id`, or a `/` after
/// `tb.cn` or `jd.com`. Most messages have neither, and the regex then does not run.
fn may_have_link(text: &str) -> bool {
    let before = |i: usize, what: &[u8]| text.as_bytes()[..i].ends_with(what);
    text.match_indices('=')
        .any(|(i, _)| before(i, b"id") || before(i, b"Id"))
        || text
            .match_indices('/')
            .any(|(i, _)| before(i, b"tb.cn") || before(i, b"jd.com"))
}

impl ProductTable {
    /// Builds the lookups; ids, aliases and item ids are already checked unique.
    /// Fails only when there are more products than a [`ProductId`] can number.
    pub(crate) fn new(products: Vec<Product>) -> Result<ProductTable, String> {
        let mut by_id = HashMap::new();
        let mut by_item = HashMap::new();
        for (i, p) in products.iter().enumerate() {
            let id = ProductId::new(i).ok_or("more products than kefu can number (2^32)")?;
            by_id.entry(p.id.clone()).or_insert(id);
            for item in &p.item_ids {
                by_item.entry(item.clone()).or_insert(id);
            }
        }
        if !products.is_empty() {
            // Compiled with the rules, not on the first reply that needs it.
            LazyLock::force(&ITEM_LINK);
        }
        Ok(ProductTable {
            products,
            by_id,
            by_item,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// The product with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Product> {
        if self.products.is_empty() {
            return None;
        }
        let i = *self.by_id.get(id)?;
        self.at(i)
    }

    /// The product numbered `id`.
    pub(crate) fn at(&self, id: ProductId) -> Option<&Product> {
        self.products.get(id.index())
    }

    /// Whether some product defines `attr`.
    pub(crate) fn defines(&self, attr: &Attr) -> bool {
        self.products.iter().any(|p| p.defines(attr))
    }

    /// Names of the attributes some product defines, for error messages.
    pub(crate) fn known_attrs(&self) -> Vec<String> {
        let mut names: Vec<String> = Attr::FIXED
            .iter()
            .filter_map(|n| Attr::parse(n).ok())
            .filter(|a| self.defines(a))
            .map(|a| a.name().to_owned())
            .collect();
        for p in &self.products {
            for k in p.attrs.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        names
    }

    /// The product the message names last: `hit` is the alias hit ending last in the
    /// original text (its byte end, length in chars and product), if any. Links are
    /// looked for only when `link_marks` (the scan saw a `=` or `/`) and the message may
    /// hold one (`id=`, `tb.cn/`, `jd.com/`).
    pub(crate) fn mention(
        &self,
        text: &str,
        hit: Option<(u32, u32, ProductId)>,
        link_marks: bool,
    ) -> Mention {
        if self.products.is_empty() {
            return Mention::None;
        }
        let mut best: Option<(usize, Mention)> =
            hit.map(|(end, _, p)| (end as usize, Mention::Product(p)));
        if link_marks && may_have_link(text) {
            if let Some(re) = &*ITEM_LINK {
                for caps in re.captures_iter(text) {
                    let Some(m) = ["q", "jd", "short"].iter().find_map(|g| caps.name(g)) else {
                        continue;
                    };
                    if best.is_some_and(|(end, _)| end > m.end()) {
                        continue;
                    }
                    let found = match self.by_item.get(m.as_str()) {
                        Some(&i) => Mention::Product(i),
                        None => Mention::UnknownItem,
                    };
                    best = Some((m.end(), found));
                }
            }
        }
        best.map_or(Mention::None, |(_, m)| m)
    }
}

/// Units of kilograms, as buyers and size charts write them (斤 is half of one).
pub(crate) const KG_UNITS: [&str; 3] = ["kg", "公斤", "千克"];

/// Half-width digits of full-width ones; other chars unchanged.
pub(crate) fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        c => c,
    }
}

fn chinese_digit(c: char) -> Option<u32> {
    "零一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .or_else(|| (c == '〇').then_some(0))
        .map(|d| d as u32)
        .or_else(|| c.to_digit(10))
}

/// The first number in `s` (digits, perhaps with one decimal point) and what follows.
fn leading_number(s: &str) -> Option<(f64, String)> {
    let s: String = s.chars().map(ascii_digit).collect();
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let rest = &s[start..];
    let end = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' && i > 0))
        .map_or(rest.len(), |(i, _)| i);
    let n: f64 = rest[..end].trim_end_matches('.').parse().ok()?;
    Some((n, rest[end..].trim().to_lowercase()))
}

/// A buyer's height in cm from a captured value: `165`, `165cm`, `１６５ｃｍ`, `1.65`,
/// `1米65`, `一米六五`, `一米6`.
pub(crate) fn parse_height(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some((m, cm)) = s.split_once('米') {
        let metres = m
            .trim()
            .chars()
            .last()
            .and_then(|c| chinese_digit(ascii_digit(c)))?;
        let digits: Vec<u32> = cm
            .trim()
            .chars()
            .map_while(|c| chinese_digit(ascii_digit(c)))
            .take(2)
            .collect();
        let cm = match digits.as_slice() {
            [] => 0,
            [d] => d * 10,
            [a, b, ..] => a * 10 + b,
        };
        return plausible_height(metres * 100 + cm);
    }
    let (n, _) = leading_number(s)?;
    let cm = if n < 3.0 { n * 100.0 } else { n };
    plausible_height(cm.round() as u32)
}

fn plausible_height(cm: u32) -> Option<u32> {
    (50..=250).contains(&cm).then_some(cm)
}

/// A buyer's weight in 斤 from a captured value: `110斤`, `55kg`, `55公斤`, `５５ｋｇ`.
/// A bare number is 斤 from 80 up, else kilograms.
pub(crate) fn parse_weight(s: &str) -> Option<u32> {
    let (n, unit) = leading_number(s)?;
    let jin = if unit.starts_with('斤') {
        n
    } else if KG_UNITS.iter().any(|u| unit.starts_with(u)) {
        n * 2.0
    } else if n >= 80.0 {
        n
    } else {
        n * 2.0
    };
    let jin = jin.round() as u32;
    (20..=600).contains(&jin).then_some(jin)
}

/// A product of the rule file's `products:` table, as seen from outside: from
/// [`Reply::product`](crate::Reply::product) or [`Engine::product`](crate::Engine::product).
///
/// ```
/// let engine = kefu::Engine::from_yaml_str(r#"
/// shop: { name: 衣见女装 }
/// first_reply: { greeting: ["亲,欢迎光临~"] }
/// products:
///   - id: p1001
///     name: 羊毛大衣
///     aliases: [毛呢大衣]
///     item_ids: ["623456789012"]
///     fabric: 羊毛70% 聚酯纤维30%
///     size_chart:
///       - { size: M, height: 160-165, weight: 95-105斤 }
///       - { size: L, height: 165-170, weight: 105-115斤 }
/// presale:
///   - topic: material
///     keywords: [面料]
///     reply: ["亲,{product.name}的面料是{product.fabric}哦~", "亲,面料详情页有写哦~"]
/// fallback: { reply: ["亲,稍等哦~"], handoff_after: 0 }
/// "#)?;
/// let mut s = kefu::Session::new("b1");
/// let r = engine.reply(&mut s, "https://item.taobao.com/item.htm?id=623456789012 什么面料");
/// assert_eq!(r.product().map(|p| p.name()), Some("羊毛大衣"));
/// assert!(r.text().ends_with("亲,羊毛大衣的面料是羊毛70% 聚酯纤维30%哦~"));
/// assert_eq!(s.current_product(), Some("p1001"));
/// let coat = engine.product("p1001").unwrap();
/// assert_eq!(coat.attr("size_chart"), Some("M码 160-165cm/95-105斤；L码 165-170cm/105-115斤"));
/// assert_eq!(coat.size_for(Some(163), Some(100)), Some("M"));
/// # Ok::<(), kefu::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct ProductRef<'e> {
    pub(crate) product: &'e Product,
}

impl<'e> ProductRef<'e> {
    /// The product's `id`.
    pub fn id(&self) -> &'e str {
        &self.product.id
    }
    /// The product's `name`.
    pub fn name(&self) -> &'e str {
        &self.product.name
    }
    /// The `aliases`, as written.
    pub fn aliases(&self) -> impl ExactSizeIterator<Item = &'e str> + 'e {
        self.product.aliases.iter().map(String::as_str)
    }
    /// The `item_ids` (numeric item ids and short link codes).
    pub fn item_ids(&self) -> impl ExactSizeIterator<Item = &'e str> + 'e {
        self.product.item_ids.iter().map(String::as_str)
    }
    /// An attribute as `{product.NAME}` renders it: `id`, `name`, `fabric`, `care`,
    /// `matching` (items joined with 、), `promotion`, `size_chart` (one line), or a key
    /// of the product's `attrs:`. `None` when the product does not have it (and for
    /// `size`, which depends on the buyer: see [`ProductRef::size_for`]).
    pub fn attr(&self, name: &str) -> Option<&'e str> {
        match Attr::parse(name).ok()? {
            Attr::Size => None,
            a => self.product.value(&a, Captures::stored(&BTreeMap::new())),
        }
    }
    /// The size the product's chart recommends for a buyer of `height_cm` and
    /// `weight_jin` (斤, half kilograms), as `{product.size}` renders it; `None` when
    /// no row fits.
    pub fn size_for(&self, height_cm: Option<u32>, weight_jin: Option<u32>) -> Option<&'e str> {
        self.product.size_for(height_cm, weight_jin)
    }
    /// Where the product starts in the rule file.
    pub fn location(&self) -> Option<Location> {
        self.product.location
    }
    /// The rule path, such as `products[2]`.
    pub fn rule_path(&self) -> &'e str {
        &self.product.path
    }
}

impl std::fmt::Debug for ProductRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductRef")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coat() -> Product {
        Product {
            id: "p1".into(),
            name: "羊毛大衣".into(),
            item_ids: vec!["623456789012".into(), "h.gK8vQ2x".into()],
            // As a file writes 155-160/85-95斤 …, XL 170以上/115-125斤.
            size_chart: [
                ("S", 155, 85),
                ("M", 160, 95),
                ("L", 165, 105),
                ("XL", 170, 115),
            ]
            .iter()
            .map(|&(size, h, w)| SizeRow {
                size: size.into(),
                height: Some(Bounds {
                    min: h,
                    max: if size == "XL" { u32::MAX } else { h + 5 },
                }),
                weight: Some(Bounds {
                    min: w,
                    max: w + 10,
                }),
            })
            .collect(),
            ..Product::default()
        }
    }

    #[test]
    fn item_links_name_their_product_and_unknown_items_say_so() {
        let table = ProductTable::new(vec![coat()]).unwrap();
        let cases = [
            (
                "https://item.taobao.com/item.htm?id=623456789012",
                Mention::Product(ProductId::from_raw(0)),
            ),
            (
                "看下这个 https://detail.tmall.com/item.htm?spm=a1z10.1&id=623456789012&skuId=5",
                Mention::Product(ProductId::from_raw(0)),
            ),
            (
                "【淘宝】https://m.tb.cn/h.gK8vQ2x?tk=abc 「羊毛大衣」",
                Mention::Product(ProductId::from_raw(0)),
            ),
            (
                "https://item.taobao.com/item.htm?id=999999999",
                Mention::UnknownItem,
            ),
            (
                "https://item.jd.com/100012345678.html",
                Mention::UnknownItem,
            ),
            ("skuId=623456789012", Mention::None),
            ("165/110斤", Mention::None),
            ("https://shop.taobao.com/?spm=1", Mention::None),
            ("没有链接", Mention::None),
        ];
        for (text, want) in cases {
            assert_eq!(table.mention(text, None, true), want, "{text}");
        }
        // The later of an alias hit and a link wins.
        let link = "https://item.taobao.com/item.htm?id=1234567";
        assert_eq!(
            table.mention(link, Some((200, 4, ProductId::from_raw(0))), true),
            Mention::Product(ProductId::from_raw(0))
        );
        assert_eq!(
            table.mention(link, Some((1, 4, ProductId::from_raw(0))), true),
            Mention::UnknownItem
        );
        assert_eq!(
            table.mention(link, Some((1, 4, ProductId::from_raw(0))), false),
            Mention::Product(ProductId::from_raw(0))
        );
        assert_eq!(
            ProductTable::default().mention(link, None, true),
            Mention::None
        );
    }

    #[test]
    fn heights_and_weights_as_buyers_write_them() {
        let heights = [
            ("165", Some(165)),
            ("165cm", Some(165)),
            ("１６５ｃｍ", Some(165)),
            ("1.65", Some(165)),
            ("1米65", Some(165)),
            ("一米六五", Some(165)),
            ("一米六", Some(160)),
            ("1米6", Some(160)),
            ("abc", None),
            ("9", None),
        ];
        for (s, want) in heights {
            assert_eq!(parse_height(s), want, "{s}");
        }
        let weights = [
            ("110斤", Some(110)),
            ("110 斤", Some(110)),
            ("55kg", Some(110)),
            ("55KG", Some(110)),
            ("５５ｋｇ", Some(110)),
            ("52.5公斤", Some(105)),
            ("100", Some(100)),
            ("50", Some(100)),
            ("斤", None),
        ];
        for (s, want) in weights {
            assert_eq!(parse_weight(s), want, "{s}");
        }
    }

    #[test]
    fn size_is_chosen_from_the_chart() {
        let p = coat();
        assert_eq!(p.size_for(Some(163), Some(100)), Some("M"));
        // 165 is in M and L: the larger size.
        assert_eq!(p.size_for(Some(165), None), Some("L"));
        // Height says M, weight says L: no row fits both, weight decides.
        assert_eq!(p.size_for(Some(162), Some(110)), Some("L"));
        assert_eq!(p.size_for(None, Some(120)), Some("XL"));
        assert_eq!(p.size_for(Some(180), None), Some("XL"));
        assert_eq!(p.size_for(Some(140), Some(60)), None);
        assert_eq!(p.size_for(None, None), None);
        let caps: BTreeMap<String, String> = [("height", "一米六二"), ("weight", "50kg")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(p.value(&Attr::Size, Captures::stored(&caps)), Some("M"));
        assert_eq!(p.value(&Attr::Fabric, Captures::stored(&caps)), None);
    }
}
