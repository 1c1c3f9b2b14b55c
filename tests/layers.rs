//! The library's modules form layers with no import cycle, and ARCHITECTURE.md draws
//! the graph as it is.
//!
//! The graph is read from the source: every `crate::…` path outside comments and
//! test code (`#[cfg(test)]` items, `tests.rs` files) is an edge from the module that
//! writes it to the module it names. A module is a file of `src/` (`src/shop/hours.rs`
//! is `shop::hours`), except that `rules/`, `engine/` and `basics/normalize/` are one
//! module each, split into files only for size. Paths through the crate root's
//! re-exports (`crate::Session`) count as edges to the module that defines the item.
//!
//! To redraw the graph in ARCHITECTURE.md after changing imports:
//! `KEFU_BLESS=1 cargo test --test layers`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Layers, bottom first: a module may use its own layer's modules and those below.
const LAYERS: &[(&str, &[&str])] = &[
    ("basics", &["basics::"]),
    ("template", &["template"]),
    ("shop", &["shop::"]),
    ("pipeline", &["pipeline::"]),
    ("session", &["session"]),
    ("rules", &["rules"]),
    ("lint", &["lint"]),
    ("engine", &["engine"]),
    ("mine", &["mine"]),
];

/// Modules beside the engine that may use only the crate's public face (its root
/// re-exports), as any other user of kefu would.
const PUBLIC_ONLY: &[&str] = &["mine"];

/// Directories that are one module each.
const WHOLE: &[&str] = &["rules", "engine", "basics::normalize", "mine"];

/// Directories whose `mod.rs` only declares the modules of a layer.
const NAMESPACES: &[&str] = &["basics", "shop", "pipeline"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, prefixes)| {
        prefixes
            .iter()
            .any(|p| module == *p || (p.ends_with("::") && module.starts_with(p)))
    })
}

/// The module a file belongs to: `src/shop/hours.rs` → `shop::hours`.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(Path::new(ROOT).join("src")).ok()?;
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    let name = parts.join("::");
    if name == "lib" || NAMESPACES.contains(&name.as_str()) {
        return None;
    }
    Some(
        WHOLE
            .iter()
            .find(|w| name == **w || name.starts_with(&format!("{w}::")))
            .map_or(name, |w| (*w).to_owned()),
    )
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments and without `#[cfg(test)]` items.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if t.starts_with("#[cfg(test)]") {
            // Skip the next item: a line, or a braced block up to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            for l in lines.by_ref() {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                opened |= l.contains('{');
                if (!opened && l.trim_end().ends_with(';')) || (opened && depth <= 0) {
                    break;
                }
            }
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The root's re-exports: item name → the module defining it (`Session` → `session`).
fn reexports() -> BTreeMap<String, String> {
    let lib = fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).expect("src/lib.rs");
    let mut map = BTreeMap::new();
    for stmt in code_of(&lib).split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (path, names) = match rest.split_once("::{") {
            Some((p, n)) => (p.to_owned(), n.trim_end_matches('}').to_owned()),
            None => match rest.rsplit_once("::") {
                Some((p, n)) => (p.to_owned(), n.to_owned()),
                None => continue,
            },
        };
        let module = path.split("::").collect::<Vec<_>>();
        // `pub use engine::{…}`, `pub use basics::error::{…}`: the defining module.
        let file = Path::new(ROOT)
            .join("src")
            .join(module.join("/"))
            .with_extension("rs");
        let owner = module_of(&file)
            .or_else(|| {
                module_of(
                    &Path::new(ROOT)
                        .join("src")
                        .join(module.join("/"))
                        .join("mod.rs"),
                )
            })
            .unwrap_or_else(|| module.join("::"));
        for n in names.split(',') {
            let n = n.trim();
            if !n.is_empty() {
                map.insert(n.to_owned(), owner.clone());
            }
        }
    }
    map
}

/// The modules a path after `crate::` names: `shop::hours::X` → `shop::hours`,
/// `{Engine, Session}` → via the re-exports.
fn targets(
    path: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Vec<String> {
    if let Some(group) = path.strip_prefix('{') {
        let inner = group.split('}').next().unwrap_or("");
        return inner
            .split(',')
            .flat_map(|p| targets(p.trim(), modules, reexports))
            .collect();
    }
    let segs: Vec<&str> = path
        .split("::")
        .map(|s| s.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    // The longest prefix that is a module.
    for n in (1..=segs.len()).rev() {
        let candidate = segs[..n].join("::");
        if modules.contains(&candidate) {
            return vec![candidate];
        }
    }
    segs.first()
        .and_then(|first| reexports.get(*first))
        .cloned()
        .into_iter()
        .collect()
}

/// module → the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    files.retain(|f| f.file_name().is_some_and(|n| n != "tests.rs"));
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
    let reexports = reexports();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(from) = module_of(f) else { continue };
        let code = code_of(&fs::read_to_string(f).expect("source file"));
        let entry = g.entry(from.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest: String = code[i + "crate::".len()..]
                .chars()
                .take_while(|c| !matches!(c, ';' | '(' | ')' | '\n' | '=' | ' ' | '<' | '>' | '&'))
                .collect();
            let rest = if rest.starts_with('{') {
                // A group runs to its closing brace, across lines.
                let tail = &code[i + "crate::".len()..];
                tail[..tail.find('}').map_or(tail.len(), |e| e + 1)].replace('\n', " ")
            } else {
                rest
            };
            for to in targets(&rest, &modules, &reexports) {
                if to != from {
                    entry.insert(to);
                }
            }
        }
    }
    g
}

/// The modules of each cycle (strongly connected components of two or more).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Reachability by DFS; small graphs, so quadratic is fine.
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            for n in g.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    stack.push(n.clone());
                }
            }
        }
        seen
    };
    let all: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (m, r) in &all {
        if !r.contains(*m) || out.iter().any(|c| c.contains(m)) {
            continue;
        }
        let comp: Vec<String> = all
            .iter()
            .filter(|(n, rn)| r.contains(**n) && rn.contains(*m))
            .map(|(n, _)| (*n).clone())
            .collect();
        out.push(comp);
    }
    out
}

/// The graph as ARCHITECTURE.md shows it: modules bottom layer first, each with what it
/// uses.
fn drawing(g: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut mods: Vec<&String> = g.keys().collect();
    mods.sort_by_key(|m| (layer_of(m), (*m).clone()));
    let width = mods.iter().map(|m| m.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut last_layer = None;
    for m in mods {
        let layer = layer_of(m);
        if layer != last_layer {
            let name = layer.map_or("?", |l| LAYERS[l].0);
            out.push_str(&format!("── {name} ──\n"));
            last_layer = layer;
        }
        let deps: Vec<&str> = g[m].iter().map(String::as_str).collect();
        if deps.is_empty() {
            out.push_str(&format!("{m:<width$}  → (nothing)\n"));
            continue;
        }
        // Wrapped at 88 columns, continuation lines under the first dependency.
        let mut line = format!("{m:<width$}  → ");
        let indent = line.chars().count();
        for (i, d) in deps.iter().enumerate() {
            let piece = if i + 1 < deps.len() {
                format!("{d}, ")
            } else {
                (*d).to_owned()
            };
            if line.chars().count() + piece.trim_end().chars().count() > 88 && i > 0 {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(indent);
            }
            line.push_str(&piece);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

const BEGIN: &str = "<!-- module graph: KEFU_BLESS=1 cargo test --test layers -->\n```text\n";
const END: &str = "```\n<!-- end of module graph -->";

#[test]
fn no_module_cycle_and_every_import_goes_down_the_layers() {
    let g = graph();
    assert!(g.len() > 20, "the graph should have every module: {g:?}");
    let cycles = cycles(&g);
    assert!(cycles.is_empty(), "import cycles among modules: {cycles:?}");
    let mut upward = Vec::new();
    for (from, tos) in &g {
        let lf = layer_of(from).unwrap_or_else(|| panic!("module {from} is in no layer of LAYERS"));
        for to in tos {
            let lt = layer_of(to).unwrap_or_else(|| panic!("module {to} is in no layer"));
            if lt > lf {
                upward.push(format!(
                    "{from} ({}) uses {to} ({})",
                    LAYERS[lf].0, LAYERS[lt].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports going up the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn mining_uses_only_the_public_face() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    let mut inside = Vec::new();
    for f in &files {
        let Some(module) = module_of(f) else { continue };
        if !PUBLIC_ONLY.contains(&module.as_str()) {
            continue;
        }
        let code = code_of(&fs::read_to_string(f).unwrap_or_default());
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            // `crate::Engine`, `crate::{Reply, Session}`: the root's names; `crate::mine::`
            // is itself.
            let first = rest.chars().next().unwrap_or(' ');
            if !(first.is_uppercase()
                || first == '{'
                || rest.starts_with("mine::")
                || rest.starts_with("normalize"))
            {
                inside.push(format!(
                    "{}: crate::{}",
                    f.display(),
                    rest.lines().next().unwrap_or("")
                ));
            }
        }
    }
    assert!(
        inside.is_empty(),
        "mine reaches inside the crate:\n{}",
        inside.join("\n")
    );
}

#[test]
fn only_the_engine_implements_engine() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(Path::new(ROOT).join("src/engine")))
        .filter(|f| {
            let code = code_of(&fs::read_to_string(f).unwrap_or_default());
            code.contains("impl Engine") || code.contains("impl<'e> Engine")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "impl Engine outside src/engine: {outside:?}"
    );
}

#[test]
fn architecture_md_draws_the_graph_as_it_is() {
    let drawn = drawing(&graph());
    println!("{drawn}");
    let path = Path::new(ROOT).join("ARCHITECTURE.md");
    let doc = fs::read_to_string(&path).expect("ARCHITECTURE.md");
    let block = format!("{BEGIN}{drawn}{END}");
    let (Some(a), Some(b)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("ARCHITECTURE.md has no module graph block; add\n{block}");
    };
    let current = &doc[a..b + END.len()];
    if current == block {
        return;
    }
    if std::env::var_os("KEFU_BLESS").is_some() {
        let new = format!("{}{block}{}", &doc[..a], &doc[b + END.len()..]);
        fs::write(&path, new).expect("write ARCHITECTURE.md");
        return;
    }
    panic!("ARCHITECTURE.md's module graph is stale; run KEFU_BLESS=1 cargo test --test layers\nnow:\n{drawn}");
}

#[test]
fn the_reader_sees_test_code_and_groups() {
    // The parser's own rules, on a made-up file.
    let code = code_of(
        "use crate::a::b; // crate::x\n/// crate::doc\n#[cfg(test)]\nmod tests {\n  use crate::t;\n}\n#[cfg(test)]\nuse crate::u;\nfn f() { crate::c::d(); }\n",
    );
    assert!(code.contains("crate::a::b") && code.contains("crate::c::d"));
    for gone in ["crate::x", "crate::doc", "crate::t", "crate::u"] {
        assert!(!code.contains(gone), "{gone} in {code}");
    }
    let modules: BTreeSet<String> = ["shop::hours", "session"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let re: BTreeMap<String, String> = [("Session".to_owned(), "session".to_owned())].into();
    assert_eq!(
        targets("shop::hours::AgentHours", &modules, &re),
        ["shop::hours"]
    );
    assert_eq!(
        targets("{Session, shop::hours::X}", &modules, &re),
        ["session", "shop::hours"]
    );
}
