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

use crate::error::Location;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

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

/// Attribute names with a fixed meaning; `attrs:` keys may not reuse them.
pub(crate) const FIXED_ATTRS: &[&str] = &[
    "id",
    "name",
    "fabric",
    "care",
    "matching",
    "promotion",
    "size_chart",
    "size",
];

impl Attr {
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
            other if is_attr_key(other) => Attr::Custom(other.to_owned()),
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

/// `[a-z_][a-z0-9_]*`: keys of `attrs:`.
pub(crate) fn is_attr_key(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

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
    pub(crate) fn value<'a>(
        &'a self,
        attr: &Attr,
        captures: &BTreeMap<String, String>,
    ) -> Option<&'a str> {
        match attr {
            Attr::Id => Some(&self.id),
            Attr::Name => Some(&self.name),
            Attr::Fabric => self.fabric.as_deref(),
            Attr::Care => self.care.as_deref(),
            Attr::Matching => self.matching.as_deref(),
            Attr::Promotion => self.promotion.as_deref(),
            Attr::SizeChart => self.size_chart_line.as_deref(),
            Attr::Size => self.size_for(
                captures.get("height").and_then(|h| parse_height(h)),
                captures.get("weight").and_then(|w| parse_weight(w)),
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
            a => self.value(a, &BTreeMap::new()).is_some(),
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

/// The validated `products:` table.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProductTable {
    pub(crate) products: Vec<Product>,
    by_id: HashMap<String, u32>,
    by_item: HashMap<String, u32>,
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
        let index = |m: &HashMap<String, u32>| m.keys().map(|k| k.len() + 40).sum::<usize>();
        products + index(&self.by_id) + index(&self.by_item)
    }
}

/// What a message says about the product it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mention {
    /// No product name, alias or item link.
    None,
    /// This product (index into the table) was named last.
    Product(usize),
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

/// Whether `id` is a valid `item_ids:` entry: a numeric item id (5 to 20 digits) or a
/// short link code (`h.` and 3 to 32 letters or digits).
pub(crate) fn is_item_id(id: &str) -> bool {
    let digits = (5..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
    let short = id.strip_prefix("h.").is_some_and(|c| {
        (3..=32).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    digits || short
}

impl ProductTable {
    /// Builds the lookups; ids, aliases and item ids are already checked unique.
    pub(crate) fn new(products: Vec<Product>) -> ProductTable {
        let mut by_id = HashMap::new();
        let mut by_item = HashMap::new();
        for (i, p) in products.iter().enumerate() {
            by_id.entry(p.id.clone()).or_insert(i as u32);
            for item in &p.item_ids {
                by_item.entry(item.clone()).or_insert(i as u32);
            }
        }
        if !products.is_empty() {
            // Compiled with the rules, not on the first reply that needs it.
            LazyLock::force(&ITEM_LINK);
        }
        ProductTable {
            products,
            by_id,
            by_item,
        }
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
        self.products.get(i as usize)
    }

    /// Whether some product defines `attr`.
    pub(crate) fn defines(&self, attr: &Attr) -> bool {
        self.products.iter().any(|p| p.defines(attr))
    }

    /// Names of the attributes some product defines, for error messages.
    pub(crate) fn known_attrs(&self) -> Vec<String> {
        let mut names: Vec<String> = FIXED_ATTRS
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
        hit: Option<(u32, u32, u32)>,
        link_marks: bool,
    ) -> Mention {
        if self.products.is_empty() {
            return Mention::None;
        }
        let mut best: Option<(usize, Mention)> =
            hit.map(|(end, _, p)| (end as usize, Mention::Product(p as usize)));
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
                        Some(&i) => Mention::Product(i as usize),
                        None => Mention::UnknownItem,
                    };
                    best = Some((m.end(), found));
                }
            }
        }
        best.map_or(Mention::None, |(_, m)| m)
    }
}

/// Half-width digits of full-width ones; other chars unchanged.
fn ascii_digit(c: char) -> char {
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
    } else if unit.starts_with("kg") || unit.starts_with("公斤") || unit.starts_with("千克") {
        n * 2.0
    } else if n >= 80.0 {
        n
    } else {
        n * 2.0
    };
    let jin = jin.round() as u32;
    (20..=600).contains(&jin).then_some(jin)
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
        let a = a.trim();
        let units: &[&str] = match measure {
            Measure::Height => HEIGHT_UNITS,
            Measure::Weight => &["斤", "kg", "公斤", "千克"],
        };
        Bounds {
            min: num(strip_unit(a, units).unwrap_or(a))?,
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
const KG_UNITS: [&str; 3] = ["kg", "公斤", "千克"];

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
/// assert!(r.text.ends_with("亲,羊毛大衣的面料是羊毛70% 聚酯纤维30%哦~"));
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
            a => self.product.value(&a, &BTreeMap::new()),
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
            size_chart: [
                ("S", "155-160", "85-95斤"),
                ("M", "160-165", "95-105斤"),
                ("L", "165-170", "105-115斤"),
                ("XL", "170以上", "115-125斤"),
            ]
            .iter()
            .map(|(s, h, w)| SizeRow {
                size: (*s).into(),
                height: parse_range(h, Measure::Height).ok(),
                weight: parse_range(w, Measure::Weight).ok(),
            })
            .collect(),
            ..Product::default()
        }
    }

    #[test]
    fn item_links_name_their_product_and_unknown_items_say_so() {
        let table = ProductTable::new(vec![coat()]);
        let cases = [
            (
                "https://item.taobao.com/item.htm?id=623456789012",
                Mention::Product(0),
            ),
            (
                "看下这个 https://detail.tmall.com/item.htm?spm=a1z10.1&id=623456789012&skuId=5",
                Mention::Product(0),
            ),
            (
                "【淘宝】https://m.tb.cn/h.gK8vQ2x?tk=abc 「羊毛大衣」",
                Mention::Product(0),
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
            table.mention(link, Some((200, 4, 0)), true),
            Mention::Product(0)
        );
        assert_eq!(
            table.mention(link, Some((1, 4, 0)), true),
            Mention::UnknownItem
        );
        assert_eq!(
            table.mention(link, Some((1, 4, 0)), false),
            Mention::Product(0)
        );
        assert_eq!(
            ProductTable::default().mention(link, None, true),
            Mention::None
        );
    }

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
        assert_eq!(p.value(&Attr::Size, &caps), Some("M"));
        assert_eq!(p.value(&Attr::Fabric, &caps), None);
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

    #[test]
    fn attribute_names() {
        assert_eq!(Attr::parse("fabric"), Ok(Attr::Fabric));
        assert_eq!(
            Attr::parse("thickness"),
            Ok(Attr::Custom("thickness".into()))
        );
        assert!(Attr::parse("Fabric").is_err());
        assert!(Attr::parse("").is_err());
        for n in FIXED_ATTRS {
            assert_eq!(
                Attr::parse(n).map(|a| a.name().to_owned()).as_deref(),
                Ok(*n)
            );
        }
    }
}
