//! Writing the output rule file: the author's text as it is, comments included, with
//! the proposals added at the end of their section lists and their cases at the end of
//! `tests:`.
//!
//! It edits text, never re-serializes YAML (that would lose the author's comments and
//! layout). Top-level keys are the lines that start at column 0 with `key:`; a block
//! list gets items at its own indentation, an empty `[]` becomes a block list, a
//! non-empty flow list `[ … ]` gets flow items before its `]`, and a missing section is
//! added before `fallback:` (or at the end).

use crate::Section;

/// A node to add, with the comment lines that go above it.
#[derive(Debug, Clone)]
pub(crate) struct NodeText {
    pub section: Section,
    pub comments: Vec<String>,
    pub topic: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub whole: Vec<String>,
    pub exclude: Vec<String>,
    pub reply: Vec<String>,
}

/// A `tests:` case to add.
#[derive(Debug, Clone)]
pub(crate) struct TestText {
    pub says: String,
    pub expect: String,
}

/// A section `mine` cannot extend, such as `presale: *nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unplaceable {
    pub key: &'static str,
    pub line: usize,
}

/// A YAML double-quoted scalar.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", q.join(", "))
}

/// A comment line's text: one line, no control characters.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl NodeText {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![("topic", self.topic.clone()), ("name", quote(&self.name))];
        if !self.keywords.is_empty() {
            f.push(("keywords", list(&self.keywords)));
        }
        if !self.whole.is_empty() {
            f.push(("whole", list(&self.whole)));
        }
        if !self.exclude.is_empty() {
            f.push(("exclude", list(&self.exclude)));
        }
        f.push(("reply", list(&self.reply)));
        f
    }

    fn block(&self, indent: &str, nl: &str) -> String {
        let mut out = String::new();
        for c in &self.comments {
            out.push_str(&format!("{indent}# {}{nl}", comment(c)));
        }
        for (i, (k, v)) in self.fields().into_iter().enumerate() {
            let lead = if i == 0 { "- " } else { "  " };
            out.push_str(&format!("{indent}{lead}{k}: {v}{nl}"));
        }
        out
    }

    fn flow(&self) -> String {
        let f: Vec<String> = self
            .fields()
            .into_iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{{ {} }}", f.join(", "))
    }
}

impl TestText {
    fn flow(&self) -> String {
        format!("{{ says: {}, expect: {} }}", quote(&self.says), self.expect)
    }
}

/// One top-level key of the file.
struct Key {
    name: String,
    /// Line index.
    line: usize,
}

fn top_level_keys(lines: &[&str]) -> Vec<Key> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let l = if i == 0 {
            l.trim_start_matches('\u{feff}')
        } else {
            l
        };
        let mut chars = l.char_indices();
        let Some((_, first)) = chars.next() else {
            continue;
        };
        if !(first.is_ascii_alphabetic() || first == '_') {
            continue;
        }
        let end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(l.len());
        let rest = l[end..].trim_start_matches([' ', '\t']);
        if rest.starts_with(':') {
            out.push(Key {
                name: l[..end].to_owned(),
                line: i,
            });
        }
    }
    out
}

/// The value after `key:` on its line, without a trailing comment.
fn inline_value(line: &str) -> &str {
    let after = line.split_once(':').map_or("", |(_, v)| v);
    let mut in_single = false;
    let mut in_double = false;
    let mut prev = ' ';
    for (i, c) in after.char_indices() {
        match c {
            '\'' if !in_double => in_single = !in_single,
            '"' if !in_single && prev != '\\' => in_double = !in_double,
            '#' if !in_single && !in_double && prev.is_whitespace() => return after[..i].trim(),
            _ => {}
        }
        prev = c;
    }
    after.trim()
}

/// Where a list's flow `]` is: byte offset in `text`, from the `[` at `open`, and
/// whether a new item needs a `,` before it (the list has items, and no trailing
/// comma).
fn flow_end(text: &str, open: usize) -> Option<(usize, bool)> {
    let mut depth = 0usize;
    let mut items = false;
    let mut trailing_comma = false;
    let mut chars = text[open..].char_indices().peekable();
    let mut prev = ' ';
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                items |= depth >= 1;
                // Skip the quoted scalar ('' is a quote inside single quotes).
                let mut escaped = false;
                while let Some((_, d)) = chars.next() {
                    if c == '"' && d == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if d == c && !escaped {
                        if c == '\'' && chars.peek().is_some_and(|&(_, e)| e == '\'') {
                            chars.next();
                            continue;
                        }
                        break;
                    }
                    escaped = false;
                }
            }
            '#' if prev.is_whitespace() => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            '[' | '{' => {
                items |= depth >= 1;
                depth += 1;
            }
            ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some((open + i, items && !trailing_comma));
                }
            }
            c if !c.is_whitespace() && c != ',' => items |= depth >= 1,
            _ => {}
        }
        if depth == 1 && !c.is_whitespace() {
            trailing_comma = c == ',';
        }
        prev = c;
    }
    None
}

/// An item to add: its comment lines, as a block item, as a flow item.
type Item = (Vec<String>, String, String);

/// An edit of the text: insert `text` at byte `at` (or replace `at..end`).
struct Edit {
    at: usize,
    end: usize,
    text: String,
}

/// The rule file with the nodes and tests added.
pub(crate) fn write(
    rules: &str,
    nodes: &[NodeText],
    tests: &[TestText],
) -> Result<String, Unplaceable> {
    let nl = if rules.contains("\r\n") { "\r\n" } else { "\n" };
    let mut text = rules.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push_str(nl);
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut starts = Vec::with_capacity(lines.len() + 1);
    let mut at = 0;
    for l in &lines {
        starts.push(at);
        at += l.len();
    }
    starts.push(at);
    let bare: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .collect();
    let keys = top_level_keys(&bare);
    let before_new = keys
        .iter()
        .find(|k| k.name == "fallback")
        .map_or(text.len(), |k| starts[k.line]);
    let mut edits: Vec<Edit> = Vec::new();
    let mut sections: Vec<(&'static str, Vec<Item>)> = Vec::new();
    for s in [Section::Presale, Section::Insale, Section::Aftersale] {
        let items: Vec<Item> = nodes
            .iter()
            .filter(|n| n.section == s)
            .map(|n| (n.comments.clone(), n.block("", nl), n.flow()))
            .collect();
        if !items.is_empty() {
            sections.push((s.key(), items));
        }
    }
    if !tests.is_empty() {
        let items = tests
            .iter()
            .map(|t| {
                let f = t.flow();
                (Vec::new(), format!("- {f}{nl}"), f)
            })
            .collect();
        sections.push(("tests", items));
    }
    for (key, items) in sections {
        let found = keys.iter().position(|k| k.name == key);
        let Some(ki) = found else {
            let mut add = String::new();
            if before_new > 0 && !text[..before_new].ends_with(&format!("{nl}{nl}")) {
                add.push_str(nl);
            }
            add.push_str(&format!("{key}:{nl}"));
            for (_, block, _) in &items {
                add.push_str(&indent(block, "  "));
            }
            add.push_str(nl);
            edits.push(Edit {
                at: before_new,
                end: before_new,
                text: add,
            });
            continue;
        };
        let line = keys[ki].line;
        let next = keys.get(ki + 1).map_or(bare.len(), |k| k.line);
        let value = inline_value(bare[line]);
        if value.is_empty() || value == "[]" || value == "~" || value == "null" {
            if !value.is_empty() {
                // `presale: []` becomes `presale:` with the items below.
                let s = starts[line];
                let v = bare[line].find(value).unwrap_or(bare[line].len());
                edits.push(Edit {
                    at: s + v,
                    end: s + v + value.len(),
                    text: String::new(),
                });
            }
            let body = (line + 1..next)
                .rev()
                .find(|&i| {
                    let t = bare[i].trim();
                    !t.is_empty() && !(bare[i].starts_with('#'))
                })
                .filter(|_| value.is_empty());
            let dash = (line + 1..next)
                .map(|i| bare[i])
                .find(|l| l.trim_start().starts_with('-'))
                .map(|l| l.len() - l.trim_start().len());
            let pad = " ".repeat(dash.unwrap_or(2));
            let at = starts[body.map_or(line, |b| b) + 1];
            let mut add = String::new();
            for (_, block, _) in &items {
                add.push_str(&indent(block, &pad));
            }
            edits.push(Edit {
                at,
                end: at,
                text: add,
            });
        } else if value.starts_with('[') {
            let open = starts[line] + bare[line].find('[').unwrap_or(0);
            let Some((close, any)) = flow_end(&text, open) else {
                return Err(Unplaceable {
                    key,
                    line: line + 1,
                });
            };
            // Comments cannot go between flow items: they go above the key.
            let mut above = String::new();
            for (comments, _, _) in &items {
                for c in comments {
                    above.push_str(&format!("# {}{nl}", comment(c)));
                }
            }
            if !above.is_empty() {
                let at = starts[line];
                edits.push(Edit {
                    at,
                    end: at,
                    text: above,
                });
            }
            let mut add = String::new();
            for (i, (_, _, flow)) in items.iter().enumerate() {
                let sep = if any || i > 0 { ", " } else { "" };
                // (`any`: a comma is needed before the first new item.)
                add.push_str(&format!("{nl}  {sep}{flow}"));
            }
            add.push_str(nl);
            edits.push(Edit {
                at: close,
                end: close,
                text: add,
            });
        } else {
            return Err(Unplaceable {
                key,
                line: line + 1,
            });
        }
    }
    // From the end, so earlier offsets stay valid; at one offset the edit made
    // first is applied last and so comes first in the text.
    let mut edits: Vec<(usize, Edit)> = edits.into_iter().enumerate().collect();
    edits.sort_by_key(|(i, e)| std::cmp::Reverse((e.at, e.end, *i)));
    for (_, e) in edits {
        text.replace_range(e.at..e.end, &e.text);
    }
    Ok(text)
}

fn indent(block: &str, pad: &str) -> String {
    block
        .split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_owned()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn node(section: Section, topic: &str) -> NodeText {
        NodeText {
            section,
            comments: vec![
                format!("mined {topic}: support 5"),
                "e.g. \"保修多久\"".into(),
            ],
            topic: topic.to_owned(),
            name: "保修·\"联保\"".to_owned(),
            keywords: if topic == "mined_b" {
                vec!["联保".into()]
            } else {
                vec!["保修".into()]
            },
            whole: vec![format!("{topic}多久")],
            exclude: vec!["不保修".into()],
            reply: vec!["亲，全国联保一年哦~ {{不是变量}}".into()],
        }
    }

    const HEAD: &str = "shop: { name: 衣见 }\nfirst_reply: { greeting: [\"亲\"] }\n";
    const TAIL: &str = "fallback: { reply: [\"稍等\"], handoff_after: 0 }\n";

    fn check(rules: &str) -> (String, Engine) {
        let nodes = [
            node(Section::Aftersale, "mined_warranty"),
            node(Section::Presale, "mined_b"),
        ];
        let tests = [
            TestText {
                says: "保修多久".into(),
                expect: "mined_warranty".into(),
            },
            TestText {
                says: "mined_b多久".into(),
                expect: "mined_b".into(),
            },
        ];
        let out = write(rules, &nodes, &tests).unwrap();
        let engine = Engine::from_yaml_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert!(engine.node("mined_warranty").is_some(), "{out}");
        assert_eq!(
            engine.run_tests().outcomes.len(),
            2 + rules.matches("says:").count(),
            "{out}"
        );
        // Every line of the author's stays, in order (but an emptied `[]`).
        let mut rest = out.lines();
        for l in rules.lines().filter(|l| !l.contains(']')) {
            let words = |s: &str| {
                s.replace("[]", "")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            assert!(rest.any(|o| words(o) == words(l)), "{l:?} missing:\n{out}");
        }
        (out, engine)
    }

    #[test]
    fn block_sections_get_items_at_their_indentation_before_the_next_banner() {
        let rules = format!(
            "# the author's header\n{HEAD}presale:\n    - topic: size   # sizes\n      keywords: [尺码]\n      reply: [\"标准码\"]\n\n    # a comment inside the list\n\n# ─── 售后 ───\n{TAIL}tests:\n- {{ says: 尺码, expect: size }}\n"
        );
        let (out, engine) = check(&rules);
        assert!(
            out.contains("# a comment inside the list\n    # mined mined_b"),
            "{out}"
        );
        assert!(
            out.contains("\n    - topic: mined_b\n      name: "),
            "{out}"
        );
        assert!(
            out.contains("aftersale:\n  # mined mined_warranty"),
            "{out}"
        );
        assert!(
            out.contains("- { says: 尺码, expect: size }\n- { says: \"保修多久\""),
            "{out}"
        );
        assert!(engine.run_tests().all_passed(), "{out}");
        assert!(
            out.contains("- { says: \"mined_b多久\", expect: mined_b }"),
            "{out}"
        );
    }

    #[test]
    fn empty_flow_lists_and_missing_sections() {
        let rules = format!("{HEAD}presale: []   # none yet\n{TAIL}tests: []\n");
        let (out, _) = check(&rules);
        assert!(out.contains("presale:    # none yet\n  # mined"), "{out}");
        let rules = format!("{HEAD}{TAIL}");
        let (out, _) = check(&rules);
        assert!(out.contains("presale:\n"), "{out}");
        assert!(out.find("aftersale:").unwrap() < out.find("fallback:").unwrap());
    }

    #[test]
    fn non_empty_flow_lists_get_flow_items() {
        let rules = format!(
            "{HEAD}presale: [{{ topic: size, keywords: [尺码], reply: [\"标准]码\"] }}, # c\n  ]\n{TAIL}tests: [ {{ says: 尺码, expect: size }} ]\n"
        );
        let (out, _) = check(&rules);
        assert!(out.contains("\n  { topic: mined_b"), "{out}");
        assert!(out.contains("\n  , { says: \"保修多久\""), "{out}");
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let rules =
            format!("{HEAD}presale:\n  - {{ topic: size, keywords: [尺码], reply: [码] }}\n{TAIL}")
                .replace('\n', "\r\n");
        let (out, _) = check(&rules);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }

    #[test]
    fn an_aliased_section_cannot_be_extended() {
        let rules = format!("{HEAD}presale: *nodes\n{TAIL}");
        let e = write(&rules, &[node(Section::Presale, "a")], &[]).unwrap_err();
        assert_eq!(
            e,
            Unplaceable {
                key: "presale",
                line: 3
            }
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("\u{7}"), "\"\\u0007\"");
    }
}
