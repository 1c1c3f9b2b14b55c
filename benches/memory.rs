//! Memory: what building an engine allocates and keeps, against the raw automata, and
//! what one reply allocates. A counting global allocator sees every real allocation
//! (this bench has its own binary so the counting never slows the timed benches).
//!
//! `cargo bench --bench memory` prints a Markdown table and writes
//! `target/criterion/kefu_memory.json` (under `$CRITERION_HOME` when set) for
//! `benches/report.py`; `KEFU_BENCH_QUICK=1`
//! and `cargo test --benches` use smaller sizes (and write nothing).

mod common;

use common::{apparel_yaml, engine_keywords, messages, rules_yaml, Mode, REPO};
use kefu::{Engine, MatcherKind, Session};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are
// plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        grow(layout.size());
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        if new_size >= layout.size() {
            ALLOCATED.fetch_add(new_size - layout.size(), Relaxed);
            grow(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocation counts and bytes while `f` runs.
#[derive(Debug, Clone, Copy)]
struct Usage {
    /// allocations (and reallocations)
    allocs: usize,
    /// bytes allocated in total
    allocated: usize,
    /// most bytes live above the starting point
    peak: usize,
    /// bytes still live afterwards (what the result holds)
    kept: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let (a0, b0, l0) = (
        ALLOCS.load(Relaxed),
        ALLOCATED.load(Relaxed),
        LIVE.load(Relaxed),
    );
    PEAK.store(l0, Relaxed);
    let out = f();
    let usage = Usage {
        allocs: ALLOCS.load(Relaxed) - a0,
        allocated: ALLOCATED.load(Relaxed) - b0,
        peak: PEAK.load(Relaxed).saturating_sub(l0),
        kept: LIVE.load(Relaxed).saturating_sub(l0),
    };
    (out, usage)
}

struct Row {
    label: String,
    keywords: usize,
    engine: Usage,
    engine_heap_bytes: usize,
    engine_ac: Usage,
    aho_corasick: Usage,
    aho_corasick_memory_usage: usize,
    daachorse: Usage,
    daachorse_heap_bytes: usize,
    reply_fresh: Usage,
    reply_continuing: Usage,
    messages: usize,
}

fn row(label: &str, yaml: &str, msgs: &[String]) -> Row {
    let (engine, engine_usage) = measure(|| Engine::from_yaml_str(yaml).expect("loads"));
    let (engine_ac, engine_ac_usage) = measure(|| {
        Engine::builder()
            .matcher(MatcherKind::AhoCorasick)
            .build_yaml_str(yaml)
            .expect("loads")
    });
    drop(engine_ac);
    let kws = engine_keywords(&engine);
    let (ac, ac_usage) = measure(|| aho_corasick::AhoCorasick::new(&kws).expect("builds"));
    let (da, da_usage) =
        measure(|| daachorse::CharwiseDoubleArrayAhoCorasick::<u32>::new(&kws).expect("builds"));
    // Fresh sessions (as the timed benches do), cloned before counting.
    let mut sessions = vec![Session::new("bench-buyer"); msgs.len()];
    let ((), fresh) = measure(|| {
        for (s, m) in sessions.iter_mut().zip(msgs) {
            black_box(engine.reply(s, m));
        }
    });
    drop(sessions);
    // One conversation for all messages: the steady state of a long chat.
    let mut session = Session::new("bench-buyer");
    let ((), continuing) = measure(|| {
        for m in msgs {
            black_box(engine.reply(&mut session, m));
        }
    });
    Row {
        label: label.to_owned(),
        keywords: engine.keyword_count(),
        engine: engine_usage,
        engine_heap_bytes: engine.heap_bytes(),
        engine_ac: engine_ac_usage,
        aho_corasick: ac_usage,
        aho_corasick_memory_usage: ac.memory_usage(),
        daachorse: da_usage,
        daachorse_heap_bytes: da.heap_bytes(),
        reply_fresh: fresh,
        reply_continuing: continuing,
        messages: msgs.len(),
    }
}

fn kib(n: usize) -> String {
    format!("{:.1}", n as f64 / 1024.0)
}

fn per_k(n: usize, keywords: usize) -> String {
    format!("{:.1}", n as f64 / 1024.0 / (keywords as f64 / 1000.0))
}

fn json_usage(u: &Usage) -> String {
    format!(
        "{{\"allocs\": {}, \"allocated\": {}, \"peak\": {}, \"kept\": {}}}",
        u.allocs, u.allocated, u.peak, u.kept
    )
}

/// A file load at the documented limits, timed and counted.
struct Load {
    label: &'static str,
    bytes: usize,
    /// The fastest of [`LOAD_ROUNDS`] loads.
    seconds: f64,
    usage: Usage,
    /// Loaded, or refused (the error's first line).
    outcome: String,
}

const LOAD_ROUNDS: usize = 3;

/// The documented limit of 200,000 keywords (issue 16.1): the benches' generator at
/// that size, and the same number in 2,000 first-level nodes of 100 keywords; and the
/// worst file the parser reads within 8 MiB (a list of one-char keywords, a node per
/// two bytes), refused by the keyword limit after parsing.
fn limit_loads() {
    let generated = rules_yaml(200_000);
    let mut flat = String::from(
        "shop: { name: s }\nfirst_reply: { greeting: [hi] }\nfallback: { reply: [x], handoff_after: 0 }\npresale:\n",
    );
    let words = common::keywords(200_000, 0x2_0000);
    for (i, node) in words.chunks(100).enumerate() {
        let list: Vec<&str> = node.iter().map(String::as_str).collect();
        flat.push_str(&format!(
            "  - {{ topic: t{i}, keywords: [{}], reply: [r] }}\n",
            list.join(", ")
        ));
    }
    let mut worst = String::from(
        "shop: { name: s }\nfirst_reply: { greeting: [hi] }\nfallback: { reply: [x], handoff_after: 0 }\npresale:\n  - { topic: t, reply: [r], keywords: [a",
    );
    while worst.len() < (8 << 20) - 8 {
        worst.push_str(",a");
    }
    worst.push_str("] }\n");
    let mut out = Vec::new();
    for (label, yaml) in [
        ("200,000 keywords (generator)", &generated),
        ("200,000 keywords (2,000 nodes × 100)", &flat),
        ("8 MiB of one-char keywords", &worst),
    ] {
        let mut best = f64::MAX;
        let mut last = None;
        for _ in 0..LOAD_ROUNDS {
            let t = std::time::Instant::now();
            let (result, usage) = measure(|| Engine::from_yaml_str(yaml));
            best = best.min(t.elapsed().as_secs_f64());
            last = Some((result, usage));
        }
        let Some((result, usage)) = last else {
            continue;
        };
        let outcome = match result {
            Ok(e) => format!("loaded, {} keywords", e.keyword_count()),
            Err(e) => format!("refused: {}", e.to_string().lines().next().unwrap_or("")),
        };
        out.push(Load {
            label,
            bytes: yaml.len(),
            seconds: best,
            usage,
            outcome,
        });
    }
    println!("\nloading at the limits (the fastest of {LOAD_ROUNDS}; memory counted)\n");
    println!("| file | bytes | load s | peak MiB | kept MiB | outcome |");
    println!("|---|--:|--:|--:|--:|---|");
    for l in &out {
        println!(
            "| {} | {} | {:.2} | {:.1} | {:.1} | {} |",
            l.label,
            l.bytes,
            l.seconds,
            l.usage.peak as f64 / 1048576.0,
            l.usage.kept as f64 / 1048576.0,
            l.outcome
        );
    }
}

fn main() {
    let mode = Mode::detect();
    let (msgs, source) = messages(mode.batch());
    let mut rows = Vec::new();
    for &n in mode.sizes() {
        rows.push(row(&n.to_string(), &rules_yaml(n), &msgs));
    }
    rows.push(row("apparel", &apparel_yaml(), &msgs));

    println!(
        "\nkefu memory ({mode:?} mode, {} {source:?} messages)\n",
        msgs.len()
    );
    println!(
        "| rule set | keywords | engine kept KiB | per 1k kw | heap_bytes() per 1k kw | build peak KiB | build allocs | engine_ac kept KiB | aho-corasick KiB (memory_usage) | daachorse KiB (heap_bytes) | allocs/reply fresh | bytes/reply fresh | allocs/reply continuing |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for r in &rows {
        let m = r.messages as f64;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} ({}) | {:.1} | {:.0} | {:.1} |",
            r.label,
            r.keywords,
            kib(r.engine.kept),
            per_k(r.engine.kept, r.keywords),
            per_k(r.engine_heap_bytes, r.keywords),
            kib(r.engine.peak),
            r.engine.allocs,
            kib(r.engine_ac.kept),
            kib(r.aho_corasick.kept),
            kib(r.aho_corasick_memory_usage),
            kib(r.daachorse.kept),
            kib(r.daachorse_heap_bytes),
            r.reply_fresh.allocs as f64 / m,
            r.reply_fresh.allocated as f64 / m,
            r.reply_continuing.allocs as f64 / m,
        );
    }
    if mode == Mode::Test {
        return;
    }
    limit_loads();
    // Where criterion writes: $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion, else
    // the workspace's target/criterion (a bench runs in benches/, its package).
    let dir = match std::env::var_os("CRITERION_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| std::path::Path::new(REPO).join("target"), Into::into)
            .join("criterion"),
    };
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "  {{\"label\": \"{}\", \"keywords\": {}, \"messages\": {}, \"engine\": {}, \
                 \"engine_heap_bytes\": {}, \"engine_ac\": {}, \"aho_corasick\": {}, \
                 \"aho_corasick_memory_usage\": {}, \"daachorse\": {}, \"daachorse_heap_bytes\": {}, \
                 \"reply_fresh\": {}, \"reply_continuing\": {}}}",
                r.label,
                r.keywords,
                r.messages,
                json_usage(&r.engine),
                r.engine_heap_bytes,
                json_usage(&r.engine_ac),
                json_usage(&r.aho_corasick),
                r.aho_corasick_memory_usage,
                json_usage(&r.daachorse),
                r.daachorse_heap_bytes,
                json_usage(&r.reply_fresh),
                json_usage(&r.reply_continuing),
            )
        })
        .collect();
    let json = format!("[\n{}\n]\n", items.join(",\n"));
    let path = dir.join("kefu_memory.json");
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, json)) {
        Ok(()) => eprintln!("[kefu-bench] wrote {}", path.display()),
        Err(e) => eprintln!("[kefu-bench] cannot write {}: {e}", path.display()),
    }
}
