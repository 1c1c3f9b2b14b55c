//! The only place that parses YAML: serde-saphyr into the file model, and its errors
//! into kefu's located [`Problem`]s with rule paths.

use super::model::{RuleFile, VariantRule};
use crate::basics::error::{ErrorKind, Location, Problem};
use crate::basics::limits::Limits;
use crate::basics::text::cut_chars;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::fmt;

/// Converts a serde-saphyr location (1-based; 0 when unknown) to ours.
pub(crate) fn location(loc: &serde_saphyr::Location) -> Option<Location> {
    let (line, column) = (loc.line(), loc.column());
    (line > 0).then(|| Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column.max(1)).unwrap_or(u32::MAX),
    })
}

fn options(limits: &Limits) -> serde_saphyr::Options {
    capped(
        serde_saphyr::options! { with_snippet: false },
        limits,
        MAX_DEPTH,
    )
}

/// For reading the tree behind an error: duplicate keys are kept, so the path of a
/// duplicate key can be named, and two levels more, so the path of a list or map nested
/// too deep can be.
fn tree_options(limits: &Limits) -> serde_saphyr::Options {
    capped(
        serde_saphyr::options! {
            with_snippet: false,
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        },
        limits,
        MAX_DEPTH + 2,
    )
}

/// The parser's caps, from kefu's own limits.
///
/// Anchors and aliases are fine for sharing a reply list, not for a file that expands
/// a thousand-fold (an "alias bomb" of a few lines): replays are cut off early.
///
/// Without aliases, a file's size bounds its YAML: every node (a scalar, a list, a
/// map) takes at least one byte of the text (`a,` in a list; `{a,b}` is two keys and
/// their two empty values in five bytes), and every node is at most two events (its
/// start and end). So the node and event budgets are the file's byte limit, and a file
/// within [`Limits::max_file_bytes`] is never refused by the parser's counting: what
/// it holds is then checked against kefu's limits (keywords, patterns …), which say
/// what was too much. The parser's fixed default (250,000 nodes) refused plain files
/// of about 90,000 keywords, under the documented 200,000 (issue 16.1).
fn capped(mut o: serde_saphyr::Options, limits: &Limits, depth: usize) -> serde_saphyr::Options {
    o.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    let mut budget = serde_saphyr::Budget::default();
    let bytes = limits.max_file_bytes;
    budget.max_nodes = bytes.saturating_add(BUDGET_SLACK);
    budget.max_events = bytes.saturating_mul(2).saturating_add(BUDGET_SLACK);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(bytes);
    budget.max_depth = depth;
    // The replay cap above is what stops an alias bomb; the parser's ratio heuristic
    // (more than 10 aliases an anchor) would also refuse a reply list shared by a
    // hundred nodes, which replays little.
    budget.enforce_alias_anchor_ratio = false;
    o.budget = Some(budget);
    o
}

/// YAML events that aliases may replay in one file.
const MAX_ALIAS_EVENTS: usize = 20_000;

/// Nodes and events beyond the file's bytes (the stream's and document's own events).
const BUDGET_SLACK: usize = 64;

/// Lists and maps nested in a rule file: node trees of 15 levels (the file's map, the
/// section's list, then a map and a `children:` list a level). The parser recurses per
/// level, and at about 55 levels a debug build overflowed a 2 MiB thread stack: a rule
/// file must never crash its host.
const MAX_DEPTH: usize = 32;

/// Parses the rule file model. On failure, the one structural problem serde-saphyr
/// reports (syntax, type or unknown key), located and with its rule path.
pub(crate) fn parse(text: &str, limits: &Limits) -> Result<RuleFile, Problem> {
    let text = lone_cr_to_lf(text);
    let mut file = parse_model(&text, limits)?;
    restore_scalars(&mut file, &text);
    Ok(file)
}

/// YAML breaks lines at CR LF, LF and a lone CR; `str::lines`, which reads the text at
/// a location here, not at a lone CR. It becomes LF, which YAML reads the same way
/// (line breaks in values are LF either way), so both count the same lines.
fn lone_cr_to_lf(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    Cow::Owned(out)
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

fn parse_model(text: &str, limits: &Limits) -> Result<RuleFile, Problem> {
    serde_saphyr::from_str_with_options::<RuleFile>(text, options(limits)).map_err(|e| {
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
        if msg.starts_with("multiple YAML documents") {
            loc = loc.map(|l| at_document_start(text, l));
        }
        let path = loc
            .map(|l| rule_path_at(text, l, limits))
            .unwrap_or_default();
        let msg = wrong_type(plain, text, loc)
            .or_else(|| unknown_anchor(&msg, text, loc))
            .or_else(|| (kind == ErrorKind::LimitExceeded).then(|| over_budget(plain, limits)))
            .unwrap_or_else(|| tidy(&msg, kind));
        Problem::new(kind, msg).at(loc).path(path)
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

/// serde-saphyr reports a second document where its content starts: point at its
/// `---` line, the last one at or before `at`.
fn at_document_start(text: &str, at: Location) -> Location {
    let upto = at.line as usize;
    text.lines()
        .take(upto)
        .enumerate()
        .filter(|(_, l)| l.starts_with("---"))
        .last()
        .map_or(at, |(i, _)| Location {
            line: i as u32 + 1,
            column: 1,
        })
}

/// Rewrites serde's wording into the fact-then-hint form kefu uses.
fn tidy(msg: &str, kind: ErrorKind) -> String {
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let name = rest.split(',').next().unwrap_or(rest).trim();
        return format!("duplicate key '{name}'; write each key once in a map");
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
    plain_syntax(msg)
}

/// Which of the parser's caps ([`capped`]) a file went over, in words.
fn over_budget(e: &serde_saphyr::Error, limits: &Limits) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    use serde_saphyr::Error as E;
    match e {
        E::AliasError { error, .. } => over_budget(error, limits),
        E::Budget {
            breach: B::Depth { .. },
            ..
        } => format!(
            "lists and maps nest deeper than {MAX_DEPTH} levels; put fewer levels of children: under one another"
        ),
        E::Budget {
            breach:
                B::Aliases { .. }
                | B::Anchors { .. }
                | B::MergeKeys { .. }
                | B::AliasAnchorRatio { .. }
                | B::RecordedAnchorEvents { .. }
                | B::RecordedAnchorBytes { .. },
            ..
        } => {
            "the file has too many anchors or aliases (&name, *name); write the repeated parts out"
                .to_owned()
        }
        // Unreachable within max_file_bytes (see `capped`), unless the parser counts
        // differently from what its documentation says.
        E::Budget { breach, .. } => format!(
            "the file holds more YAML than {} bytes can ({breach:?}); split it or raise max_file_bytes",
            limits.max_file_bytes
        ),
        _ => format!(
            "the file expands to too much YAML (aliases replay more than {MAX_ALIAS_EVENTS} events); write the repeated parts out"
        ),
    }
}

/// The YAML parser's messages a rule author is likely to meet, in plain words (a prefix
/// of the parser's message → ours). Others keep the parser's words after "invalid YAML".
const SYNTAX: &[(&str, &str)] = &[
    ("illegal placement of ':'", "a ':' where none can be; is a ']' or '}' missing before it, or does a text with ':' need quotes?"),
    ("mapping values are not allowed", "a ':' where none can be; quote a text that contains ': ', or check the indentation"),
    ("invalid trailing content after double-quoted", "more text after a closing '\"'; check that every \"quoted text\" up to here is closed, and write a '\"' inside one as \\\""),
    ("invalid trailing content after single-quoted", "more text after a closing \"'\"; check that every 'quoted text' up to here is closed, and write a \"'\" inside one as ''"),
    ("unclosed quote", "a quoted text is never closed; add the closing quote"),
    ("tabs disallowed", "a tab in the indentation; indent with spaces only"),
    ("while scanning a plain scalar, found a tab", "a tab in the indentation; indent with spaces only"),
    ("while parsing a block mapping, did not find expected key", "expected a key (name: value) here; check this line's indentation against the lines above"),
    ("while parsing a block collection, did not find expected '-'", "expected a list item ('- ') here; check this line's indentation against the lines above"),
    ("block sequence entries are not allowed", "a list item ('- ') where it cannot start; check the indentation, or put the list on its own lines under its key"),
    ("invalid indentation", "wrong indentation; line it up with the keys or items it belongs to"),
    ("while parsing a flow sequence", "a [ ] list is not closed; expected ',' or ']'"),
    ("unexpected EOF while parsing a flow sequence", "a [ ] list is not closed; the file ends before its ']'"),
    ("while parsing a flow mapping", "a { } map is not closed; expected ',' or '}'"),
    ("unexpected EOF while parsing a flow mapping", "a { } map is not closed; the file ends before its '}'"),
    ("unclosed bracket", "a '[' or '{' is never closed; add its ']' or '}'"),
    ("while parsing a node, did not find expected node content", "expected a value here"),
    ("while parsing node, found unknown anchor", "'*name' refers to no '&name' above it"),
    ("alias references unknown anchor", "'*name' refers to no '&name' above it"),
    ("unexpected end of input", "the file ends where a value was expected"),
    ("multiple YAML documents", "a second document ('---') in the file; a rule file is one document, so remove the '---' line"),
];

/// An alias (`*name`) without its anchor, named as written.
fn unknown_anchor(msg: &str, text: &str, at: Option<Location>) -> Option<String> {
    if !msg.contains("unknown anchor") {
        return None;
    }
    let name = at.and_then(|l| token_at(text, l))?.strip_prefix('*')?;
    Some(format!(
        "'*{name}' refers to no '&{name}' above it; mark the value to repeat with &{name} first"
    ))
}

fn plain_syntax(msg: &str) -> String {
    SYNTAX
        .iter()
        .find(|(prefix, _)| msg.starts_with(prefix))
        .map_or_else(
            || format!("invalid YAML: {msg}"),
            |(_, plain)| (*plain).to_owned(),
        )
}

/// A value of the wrong type, as "expected …, found …" in words a shop's staff reads
/// (serde says "invalid u32" or "expected sequence start"). `None` for other errors.
fn wrong_type(e: &serde_saphyr::Error, text: &str, at: Option<Location>) -> Option<String> {
    use serde_saphyr::Error as E;
    let expected = match e {
        E::AliasError { error, .. } => return wrong_type(error, text, at),
        E::InvalidScalar { ty, .. } => expected_scalar(ty),
        E::InvalidBooleanStrict { .. } => expected_scalar("boolean"),
        E::NullIntoString { .. } => "text".to_owned(),
        E::Unexpected { expected, .. } => match *expected {
            "sequence start" => "a list (lines starting with '- ', or [a, b])".to_owned(),
            "mapping start" => "a map (key: value)".to_owned(),
            "string scalar" | "scalar" => "text".to_owned(),
            _ => return None,
        },
        E::SerdeInvalidType { expected, .. } | E::SerdeInvalidValue { expected, .. } => {
            match expected.as_str() {
                "a string" | "a borrowed string" => "text".to_owned(),
                "a sequence" => "a list".to_owned(),
                "a map" => "a map (key: value)".to_owned(),
                other if other.starts_with("struct ") => "a map (key: value)".to_owned(),
                other => other.to_owned(),
            }
        }
        _ => return None,
    };
    let found = at.map_or_else(|| "something else".to_owned(), |l| found_at(text, l));
    Some(format!("expected {expected}, found {found}"))
}

/// serde-saphyr's name of a scalar type → what to write.
fn expected_scalar(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            format!("a whole number from 0 to {}", max_of(ty))
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => {
            format!("a whole number from -{} to {}", max_of(ty) + 1, max_of(ty))
        }
        "boolean" | "bool" => "true or false".to_owned(),
        "floating point" | "f32" | "f64" => "a number".to_owned(),
        "char" => "one character".to_owned(),
        other => other.to_owned(),
    }
}

fn max_of(ty: &str) -> u128 {
    match ty {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        "i8" => i8::MAX.unsigned_abs().into(),
        "i16" => i16::MAX.unsigned_abs().into(),
        "i32" => i32::MAX.unsigned_abs().into(),
        "i64" | "isize" => i64::MAX.unsigned_abs().into(),
        _ => u64::MAX.into(),
    }
}

/// Chars of a found value shown in a message.
const SHOWN_CHARS: usize = 40;

/// What the file has at `at`, in words: a map, a list, text 'abc', the number -1 …
fn found_at(text: &str, at: Location) -> String {
    let line = text
        .lines()
        .nth(at.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let start = line
        .char_indices()
        .nth(at.column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let (before, rest) = line.split_at(start);
    let rest = rest.trim_end();
    match rest.chars().next() {
        None | Some('#') => return "nothing (an empty value)".to_owned(),
        Some('{') => return "a map".to_owned(),
        Some('[') => return "a list".to_owned(),
        Some('-') if rest[1..].is_empty() || rest[1..].starts_with(' ') => {
            return "a list".to_owned()
        }
        Some('|' | '>') => return "a block of text".to_owned(),
        Some(q @ ('"' | '\'')) => {
            let inner = &rest[1..];
            let end = inner.find(q).unwrap_or(inner.len());
            return format!("text {}", shown(&inner[..end]));
        }
        _ => {}
    }
    // Inside [ ] or { } on this line a value ends at ',', ']' or '}'.
    let depth = |open: char, close: char| {
        before.matches(open).count() as i64 - before.matches(close).count() as i64
    };
    let in_flow = depth('[', ']') + depth('{', '}') > 0;
    let end = if in_flow {
        rest.find([',', ']', '}'])
    } else {
        rest.find(" #")
    };
    let token = rest[..end.unwrap_or(rest.len())].trim();
    if !in_flow && starts_with_key(token) {
        return "a map".to_owned();
    }
    match token {
        "" | "~" | "null" | "Null" | "NULL" => "nothing (an empty value)".to_owned(),
        t if is_number(t) => format!("the number {t}"),
        t => format!("text {}", shown(t)),
    }
}

/// `3`, `-1`, `1.5`, `1e9` (not `nan` or `inf`, which Rust would parse).
fn is_number(t: &str) -> bool {
    t.trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit())
        && t.parse::<f64>().is_ok()
}

/// `name: …` or `name:` (a block map's first key).
fn starts_with_key(token: &str) -> bool {
    token
        .find(':')
        .is_some_and(|i| token[i + 1..].is_empty() || token[i + 1..].starts_with(' '))
}

/// `value` quoted, cut to [`SHOWN_CHARS`] (between grapheme clusters).
fn shown(value: &str) -> String {
    match cut_chars(value, SHOWN_CHARS) {
        (out, true) => format!("'{out}…'"),
        (out, false) => format!("'{out}'"),
    }
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
fn rule_path_at(text: &str, at: Location, limits: &Limits) -> String {
    let Ok(root) = serde_saphyr::from_str_with_options::<Tree>(text, tree_options(limits)) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str, column: u32) -> String {
        found_at(line, Location { line: 1, column })
    }

    #[test]
    fn a_file_with_lone_cr_line_breaks_is_read_at_the_right_line() {
        let text = "shop: {name: x}\rfallback:\r  reply: [a]\r  handoff_after: three\r";
        let p = match parse(text, &Limits::default()) {
            Ok(_) => panic!("loaded"),
            Err(p) => p,
        };
        assert_eq!(p.location().map(|l| (l.line, l.column)), Some((4, 18)));
        assert_eq!(p.rule_path(), Some("fallback.handoff_after"));
        assert!(p.message().ends_with("found text 'three'"), "{p}");
        // CR LF stays one line break.
        assert_eq!(lone_cr_to_lf("a\r\nb\rc"), "a\r\nb\nc");
    }

    #[test]
    fn found_values_are_named_as_written() {
        assert_eq!(found("a: nan", 4), "text 'nan'");
        assert_eq!(found("a: -1.5e3", 4), "the number -1.5e3");
        assert_eq!(found("a: 3, 5 # note", 4), "text '3, 5'");
        assert_eq!(found("a: [3, x]", 8), "text 'x'");
        assert_eq!(found("a: {b: 3}", 8), "the number 3");
        assert_eq!(found("a: 'x: y'", 4), "text 'x: y'");
        assert_eq!(found("a: ~", 4), "nothing (an empty value)");
        assert_eq!(found("a:", 3), "nothing (an empty value)");
        assert_eq!(found("a: |", 4), "a block of text");
        assert_eq!(found("  b: 1", 3), "a map");
        assert_eq!(found("  - b", 3), "a list");
        assert_eq!(
            found(&format!("a: {}", "长".repeat(50)), 4).chars().count(),
            48
        );
    }
}
