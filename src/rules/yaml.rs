//! The only place that parses YAML: serde-saphyr into the file model, and its errors
//! into kefu's located [`Problem`]s with rule paths.

use super::model::{RuleFile, VariantRule};
use crate::error::{ErrorKind, Location, Problem};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Converts a serde-saphyr location (1-based; 0 when unknown) to ours.
pub(crate) fn location(loc: &serde_saphyr::Location) -> Option<Location> {
    let (line, column) = (loc.line(), loc.column());
    (line > 0).then(|| Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column.max(1)).unwrap_or(u32::MAX),
    })
}

fn options() -> serde_saphyr::Options {
    limit_aliases(serde_saphyr::options! { with_snippet: false })
}

/// Anchors and aliases are fine for sharing a reply list, not for a file that expands
/// a thousand-fold (an "alias bomb" of a few lines): cut replays off early.
fn limit_aliases(mut o: serde_saphyr::Options) -> serde_saphyr::Options {
    o.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    o
}

/// YAML events that aliases may replay in one file.
const MAX_ALIAS_EVENTS: usize = 20_000;

/// For reading the tree behind an error: duplicate keys are kept, so the path of a
/// duplicate key can be named.
fn tree_options() -> serde_saphyr::Options {
    limit_aliases(serde_saphyr::options! {
        with_snippet: false,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    })
}

/// Parses the rule file model. On failure, the one structural problem serde-saphyr
/// reports (syntax, type or unknown key), located and with its rule path.
pub(crate) fn parse(text: &str) -> Result<RuleFile, Problem> {
    let mut file = parse_model(text)?;
    restore_scalars(&mut file, text);
    Ok(file)
}

/// A reply variant is read with `deserialize_any` (it may be a text or a map), which
/// turns a plain `yes` or `1.50` into a boolean or number. Such a scalar has no spaces
/// or flow indicators, so its text as written is the token at its location.
fn restore_scalars(file: &mut RuleFile, text: &str) {
    for list in file.variant_lists_mut() {
        for item in list.iter_mut() {
            if !matches!(item.value, VariantRule::Scalar(_)) {
                continue;
            }
            if let Some(raw) = location(&item.referenced).and_then(|l| token_at(text, l)) {
                item.value = VariantRule::Plain(raw.to_owned());
            }
        }
    }
}

/// The plain token starting at `at` (1-based line and char column).
fn token_at(text: &str, at: Location) -> Option<&str> {
    let line = text
        .lines()
        .nth(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
    let start = line
        .char_indices()
        .nth(usize::try_from(at.column).ok()?.checked_sub(1)?)?
        .0;
    let rest = &line[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|t| !t.is_empty())
}

fn parse_model(text: &str) -> Result<RuleFile, Problem> {
    serde_saphyr::from_str_with_options::<RuleFile>(text, options()).map_err(|e| {
        let mut loc = e.location().as_ref().and_then(location);
        let plain = e.without_snippet();
        let msg = message_of(plain);
        let kind = if msg.contains("unknown field") {
            ErrorKind::UnknownKey
        } else if msg.starts_with("missing field") {
            ErrorKind::MissingKey
        } else if msg.starts_with("alias replay limit") || msg.starts_with("budget breached") {
            ErrorKind::LimitExceeded
        } else {
            ErrorKind::Syntax
        };
        if msg.starts_with("tabs disallowed") {
            loc = loc.map(|l| at_tab(text, l));
        }
        let path = loc.map(|l| rule_path_at(text, l)).unwrap_or_default();
        Problem::new(kind, tidy(&msg, kind)).at(loc).path(path)
    })
}

/// serde-saphyr's message without its own "at line X column Y" suffix.
fn message_of(e: &serde_saphyr::Error) -> String {
    let s = e.to_string();
    let s = s.lines().next().unwrap_or("invalid YAML").trim();
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// serde-saphyr reports a tab in indentation at the char after it: point at the tab.
fn at_tab(text: &str, at: Location) -> Location {
    let line = text
        .lines()
        .nth(at.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let before: Vec<char> = line.chars().take(at.column as usize).collect();
    match before.iter().rposition(|&c| c == '\t') {
        Some(i) => Location {
            line: at.line,
            column: i as u32 + 1,
        },
        None => at,
    }
}

/// Rewrites serde's wording into the fact-then-hint form kefu uses.
fn tidy(msg: &str, kind: ErrorKind) -> String {
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let name = rest.split(',').next().unwrap_or(rest).trim();
        return format!("duplicate key '{name}'; write each key once in a map");
    }
    if kind == ErrorKind::LimitExceeded {
        return format!(
            "the file expands to too much YAML (aliases replay more than {MAX_ALIAS_EVENTS} events, or too many nodes); write the repeated parts out"
        );
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("missing key '{}'", rest.trim_matches('`'));
    }
    if kind == ErrorKind::UnknownKey {
        // serde-saphyr: "unknown field `keyword`, expected one of topic, keywords"
        let name = msg.split('`').nth(1).unwrap_or("?");
        return match msg.split_once("expected one of ") {
            Some((_, known)) => format!(
                "unknown key '{name}'; known keys: {}",
                known.replace('`', "")
            ),
            None => format!("unknown key '{name}'"),
        };
    }
    msg.to_owned()
}

/// A YAML document as a tree of located keys and items, read only to name the rule
/// path of a structural error (serde itself does not track paths).
enum Tree {
    Map(Vec<(Spanned<Key>, Spanned<Tree>)>),
    Seq(Vec<Spanned<Tree>>),
    Leaf,
}

struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("~".to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::Leaf)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
                Tree::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element::<Spanned<Tree>>()? {
                    items.push(item);
                }
                Ok(Tree::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Tree, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = a.next_key::<Spanned<Key>>()? {
                    entries.push((k, a.next_value::<Spanned<Tree>>()?));
                }
                Ok(Tree::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

fn before_or_at(l: &serde_saphyr::Location, at: Location) -> bool {
    (l.line(), l.column()) <= (u64::from(at.line), u64::from(at.column))
}

/// The rule path (`presale[0].children[1]`) of the deepest map or list that holds
/// `at`. Empty when the document cannot even be read as a tree.
pub(crate) fn rule_path_at(text: &str, at: Location) -> String {
    let Ok(root) = serde_saphyr::from_str_with_options::<Tree>(text, tree_options()) else {
        return String::new();
    };
    let mut path = String::new();
    let mut node = &root;
    loop {
        match node {
            Tree::Map(entries) => {
                let Some((k, v)) = entries
                    .iter()
                    .rev()
                    .find(|(k, _)| before_or_at(&k.referenced, at))
                else {
                    break;
                };
                let on_key = location(&k.referenced) == Some(at);
                if on_key || matches!(v.value, Tree::Leaf) && !before_or_at(&v.referenced, at) {
                    break;
                }
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&k.value.0);
                node = &v.value;
            }
            Tree::Seq(items) => {
                let Some((i, item)) = items
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, it)| before_or_at(&it.referenced, at))
                else {
                    break;
                };
                path.push_str(&format!("[{i}]"));
                node = &item.value;
            }
            Tree::Leaf => break,
        }
    }
    path
}
