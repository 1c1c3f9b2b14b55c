//! kefu against its closest Rust peer, matcher_rs (`SimpleMatcher`, Traditional →
//! Simplified + delete + normalize), on the messages and keywords of `matching`.
//!
//! A binary of its own because matcher_rs makes mimalloc the global allocator of every
//! binary that links it (an unconditional `#[global_allocator]` in its lib.rs): linked
//! into `matching` it would move every number there onto mimalloc, and `memory` (which
//! counts with its own global allocator) would not compile. The groups and sizes are
//! those of `matching`, so `benches/report.py` puts these next to them:
//! - `keywords/matcher_rs/<set>`: `SimpleMatcher::process` on each raw message (it
//!   normalizes on its own), keeping the longest keyword found;
//! - `keywords/reply_mimalloc/<set>`: `Engine::reply` as `keywords/reply` times it, but
//!   in this binary, under matcher_rs's allocator;
//! - `message_len/matcher_rs/<case>`, at 10,000 keywords;
//! - `compile/matcher_rs/<set>`: building the `SimpleMatcher` from the keywords.
//!
//! `cargo bench --bench peer` runs it; `KEFU_BENCH_QUICK=1` and `cargo test --benches`
//! work as in `matching`. Before timing, matcher_rs must find what daachorse finds in
//! the pre-normalized message (the same keywords, the same longest) for most messages:
//! its normalization tables are not kefu's, so a few messages differ.

mod common;

use common::{
    bench_replies, configure, daachorse_distinct, engine_keywords, fixed_cases, longest, Mode,
};
use criterion::{BenchmarkId, Criterion, Throughput};
use daachorse::CharwiseDoubleArrayAhoCorasick;
use kefu::Engine;
use matcher_rs::{ProcessType, SimpleMatcher, SimpleMatcherBuilder};
use std::hint::black_box;

/// The least share of messages on which matcher_rs and daachorse must agree.
const MIN_AGREEMENT: f64 = 0.9;

/// Every keyword under Traditional → Simplified, delete (punctuation, spaces, emoji)
/// and normalize (case, full-width, numerals); word id = keyword index.
fn build_matcher(keywords: &[String]) -> SimpleMatcher {
    keywords
        .iter()
        .enumerate()
        .fold(SimpleMatcherBuilder::new(), |b, (i, k)| {
            b.add_word(ProcessType::FanjianDeleteNormalize, i as u32, k)
        })
        .build()
}

/// What a bot needs from matcher_rs: the keywords in the raw message (`process`, each
/// matched word once), and the longest. Returns (keywords found, index of the longest).
#[inline]
fn matcher_best(m: &SimpleMatcher, keywords: &[String], raw: &str) -> (usize, Option<usize>) {
    let found = m.process(raw);
    (
        found.len(),
        longest(found.iter().map(|r| r.word_id as usize), keywords),
    )
}

/// One rule set and what is built from it.
struct Set {
    label: String,
    engine: Engine,
    keywords: Vec<String>,
    daachorse: CharwiseDoubleArrayAhoCorasick<u32>,
    matcher: SimpleMatcher,
}

impl Set {
    fn new(label: String, yaml: &str) -> Set {
        let engine = Engine::from_yaml_str(yaml).expect("rule set loads");
        let keywords = engine_keywords(&engine);
        let daachorse = CharwiseDoubleArrayAhoCorasick::new(&keywords).expect("daachorse builds");
        let t = std::time::Instant::now();
        let matcher = build_matcher(&keywords);
        eprintln!(
            "[kefu-bench] set {label}: matcher_rs built in {:?}",
            t.elapsed()
        );
        Set {
            label,
            engine,
            keywords,
            daachorse,
            matcher,
        }
    }

    /// matcher_rs's answer on the raw text and daachorse's on the normalized text.
    fn both(&self, raw: &str, norm: &str) -> [(usize, Option<usize>); 2] {
        [
            matcher_best(&self.matcher, &self.keywords, raw),
            daachorse_distinct(&self.daachorse, &self.keywords, norm),
        ]
    }
}

/// The checks run once before timing a set: a probe, then agreement with daachorse.
fn check_set(set: &Set, msgs: &[String], norm: &[String]) {
    let probe = set.matcher.process("我要退貨！！😭");
    assert!(
        probe.iter().any(|r| r.word == "退货"),
        "matcher_rs misses 退货 in 我要退貨！！😭 ({}): {probe:?}",
        set.label
    );
    let agree = msgs
        .iter()
        .zip(norm)
        .filter(|(m, t)| {
            let [a, b] = set.both(m, t);
            a == b
        })
        .count();
    let rate = agree as f64 / msgs.len() as f64;
    eprintln!(
        "[kefu-bench] {:>7} keywords ({}): matcher_rs on raw messages agrees with daachorse on \
         normalized ones (same keywords found, same longest) for {agree} of {} messages ({:.1} %)",
        set.keywords.len(),
        set.label,
        msgs.len(),
        rate * 100.0
    );
    assert!(
        rate >= MIN_AGREEMENT,
        "matcher_rs agrees with daachorse on {:.1} % of messages only ({})",
        rate * 100.0,
        set.label
    );
}

fn bench_keywords(c: &mut Criterion, mode: Mode, sets: &[Set], msgs: &[String]) {
    let mut g = c.benchmark_group("keywords");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.sample_size(if mode == Mode::Quick { 10 } else { 30 });
    for set in sets {
        let p = &set.label;
        g.bench_function(BenchmarkId::new("matcher_rs", p), |b| {
            b.iter(|| {
                for m in msgs {
                    black_box(matcher_best(&set.matcher, &set.keywords, black_box(m)));
                }
            })
        });
        g.bench_function(BenchmarkId::new("reply_mimalloc", p), |b| {
            bench_replies(b, &set.engine, msgs)
        });
    }
    g.finish();
}

fn bench_message_len(c: &mut Criterion, mode: Mode, set: &Set) {
    let mut g = c.benchmark_group("message_len");
    g.sample_size(if mode == Mode::Quick { 10 } else { 30 });
    for case in fixed_cases(mode) {
        let text = case.text.as_str();
        let [found, want] = set.both(text, &kefu::normalize(text));
        assert_eq!(found, want, "matcher_rs on {}", case.name);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(BenchmarkId::new("matcher_rs", case.name), |b| {
            b.iter(|| matcher_best(&set.matcher, &set.keywords, black_box(text)))
        });
    }
    g.finish();
}

fn bench_compile(c: &mut Criterion, mode: Mode, sets: &[Set]) {
    let mut g = c.benchmark_group("compile");
    for set in sets {
        let kws = &set.keywords;
        g.sample_size(if mode == Mode::Quick || kws.len() >= 5_000 {
            10
        } else {
            30
        });
        g.throughput(Throughput::Elements(kws.len() as u64));
        g.bench_function(BenchmarkId::new("matcher_rs", &set.label), |b| {
            b.iter(|| build_matcher(black_box(kws)))
        });
    }
    g.finish();
}

fn main() {
    let mode = Mode::detect();
    let mut c = configure(Criterion::default(), mode).configure_from_args();
    let (msgs, norm) = common::batch(mode, "peer");
    let sets: Vec<Set> = common::rule_sets(mode)
        .map(|(label, yaml)| Set::new(label, &yaml))
        .collect();
    for set in &sets {
        check_set(set, &msgs, &norm);
    }
    let mid = common::mid_set(&sets, |s| &s.label);

    bench_keywords(&mut c, mode, &sets, &msgs);
    bench_message_len(&mut c, mode, mid);
    bench_compile(&mut c, mode, &sets);
    c.final_summary();
}
