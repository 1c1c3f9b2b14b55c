//! kefu against the alternatives, measured in one run on the same messages and keywords.
//!
//! Groups (named by the dimension they vary):
//! - `keywords`: rule sets of 100 → 50,000 generated keywords, plus the bundled
//!   rules/apparel.yaml, over one batch of buyer messages per iteration;
//! - `message_len`: one message per iteration, from 2 chars to 10 KB, at 10,000 keywords;
//! - `threads`: one engine shared by 1 and 2 threads over the batch;
//! - `compile`: building each rule set, against building the raw automata.
//!
//! The closest peer, matcher_rs, is timed in the same groups by `benches/peer.rs`, a
//! binary of its own because linking matcher_rs changes the global allocator.
//!
//! `KEFU_BENCH_PAIRED=200 cargo bench --bench matching` measures only the targets'
//! ratios, in pairs within each round (see `paired`): the cross-check of criterion's
//! ratios on a host whose speed drifts.
//!
//! `cargo bench --bench matching` runs it all (about 17 minutes on 2 cores);
//! `KEFU_BENCH_QUICK=1` shrinks sizes and times for a smoke run; `cargo test --benches`
//! runs every bench once on tiny data. BENCHMARKS.md has the numbers and how to read
//! them; `python3 benches/report.py` turns criterion's estimates into its table and plot.
//!
//! Every bench checks its answer before timing: the engine's replies to probes, the
//! baselines' occurrence and keyword counts against each other, and the engine's hits
//! against the baselines', so a fast wrong answer cannot win.

mod common;

use common::{
    ac_count, apparel_yaml, bench_replies, configure, contains_best, daachorse_count,
    engine_keywords, fixed_cases, fresh, fused_count, messages, regex_best, rules_yaml, Baselines,
    Mode,
};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use kefu::{Engine, MatcherKind, Session};
use std::hint::black_box;

/// One rule set and everything built from it.
struct Set {
    /// `100` … `50000`, or `apparel`.
    label: String,
    yaml: String,
    engine: Engine,
    engine_ac: Engine,
    base: Baselines,
}

impl Set {
    fn new(label: String, yaml: String, with_regex: bool) -> Set {
        let t0 = std::time::Instant::now();
        let engine = Engine::from_yaml_str(&yaml).expect("rule set loads");
        let engine_ac = Engine::builder()
            .matcher(MatcherKind::AhoCorasick)
            .build_yaml_str(&yaml)
            .expect("rule set loads with aho-corasick");
        let t1 = t0.elapsed();
        let base = Baselines::new(engine_keywords(&engine), with_regex);
        eprintln!(
            "[kefu-bench] set {label}: engines {t1:?}, baselines {:?}",
            t0.elapsed() - t1
        );
        Set {
            label,
            yaml,
            engine,
            engine_ac,
            base,
        }
    }
    fn generated(&self) -> bool {
        self.label != "apparel"
    }
}

fn topic(engine: &Engine, message: &str) -> Option<String> {
    engine
        .reply(&mut fresh(), message)
        .topic()
        .map(str::to_owned)
}

/// The checks run once before timing a set.
fn check_set(set: &Set, msgs: &[String], norm: &[String]) {
    for engine in [&set.engine, &set.engine_ac] {
        assert_eq!(
            topic(engine, "退货").as_deref(),
            Some("return"),
            "{}",
            set.label
        );
        assert_eq!(topic(engine, "我要退貨！！😭").as_deref(), Some("return"));
        if set.generated() {
            assert_eq!(topic(engine, "退货运费谁出").as_deref(), Some("return_fee"));
        } else {
            // At a fixed time, as tests/bundled_rules.rs does: promotions and reminders
            // must not make the check depend on the day.
            let now = "2026-11-25T10:00:00+08:00"
                .parse::<jiff::Timestamp>()
                .expect("a timestamp")
                .into();
            let report = engine.run_tests_at(now);
            assert!(
                report.all_passed(),
                "apparel tests: {:?}",
                report.failures().next()
            );
        }
    }
    // The baselines agree with each other; the engines with each other and with them.
    let (occurrences, distinct) = common::check_baselines(&set.base, norm);
    let fused: usize = msgs
        .iter()
        .map(|m| fused_count(&set.base.daachorse, m))
        .sum();
    assert_eq!(fused, occurrences, "fused normalize+scan ({})", set.label);
    let mut hits = 0;
    for m in msgs {
        let a = set.engine.reply(&mut fresh(), m);
        let b = set.engine_ac.reply(&mut fresh(), m);
        assert_eq!(a.topic(), b.topic(), "engines disagree on {m:?}");
        assert_eq!(a.hits(), b.hits(), "engines' hits differ on {m:?}");
        hits += common::keywords_found(&a);
    }
    if set.generated() {
        // Only `keywords:` entries, each in one node: a hit per distinct keyword.
        assert_eq!(
            hits, distinct,
            "engine hits vs distinct keywords ({})",
            set.label
        );
    }
    eprintln!(
        "[kefu-bench] {:>7} keywords ({}): {} messages, {occurrences} occurrences, \
         {distinct} distinct keyword hits, engine hits {hits}",
        set.base.keywords.len(),
        set.label,
        msgs.len()
    );
}

fn bench_keywords(c: &mut Criterion, mode: Mode, sets: &[Set], msgs: &[String], norm: &[String]) {
    let n = msgs.len();
    let mut g = c.benchmark_group("keywords");
    g.throughput(Throughput::Elements(n as u64));
    for set in sets {
        let p = &set.label;
        let many = set.base.keywords.len() >= 5_000;
        g.sample_size(if mode == Mode::Quick { 10 } else { 30 });
        for (name, engine) in [("reply", &set.engine), ("reply_ac", &set.engine_ac)] {
            g.bench_function(BenchmarkId::new(name, p), |b| {
                bench_replies(b, engine, msgs)
            });
        }
        // One conversation for the whole batch: greetings only when it opens, and the
        // previous message's topic as context (the steady state of a long chat).
        g.bench_function(BenchmarkId::new("reply_one_session", p), |b| {
            b.iter_batched_ref(
                fresh,
                |session| {
                    for m in msgs {
                        black_box(set.engine.reply(session, black_box(m)));
                    }
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function(BenchmarkId::new("normalize", p), |b| {
            b.iter(|| {
                for m in msgs {
                    black_box(kefu::normalize(black_box(m)));
                }
            })
        });
        let base = &set.base;
        g.bench_function(BenchmarkId::new("aho_corasick", p), |b| {
            b.iter(|| norm.iter().map(|t| ac_count(&base.ac, t)).sum::<usize>())
        });
        if let Some(dfa) = &base.ac_dfa {
            g.bench_function(BenchmarkId::new("aho_corasick_dfa", p), |b| {
                b.iter(|| norm.iter().map(|t| ac_count(dfa, t)).sum::<usize>())
            });
        }
        g.bench_function(BenchmarkId::new("daachorse", p), |b| {
            b.iter(|| {
                norm.iter()
                    .map(|t| daachorse_count(&base.daachorse, t))
                    .sum::<usize>()
            })
        });
        g.bench_function(BenchmarkId::new("fused_normalize_scan", p), |b| {
            b.iter(|| {
                msgs.iter()
                    .map(|m| fused_count(&base.daachorse, black_box(m)))
                    .sum::<usize>()
            })
        });
        if many {
            // A loop over every keyword: seconds per batch, so the fewest samples.
            g.sample_size(10);
        }
        g.bench_function(BenchmarkId::new("contains", p), |b| {
            b.iter(|| {
                for t in norm {
                    black_box(contains_best(&base.keywords, t));
                }
            })
        });
        if let Some(set) = &base.regex_set {
            g.bench_function(BenchmarkId::new("regex_set", p), |b| {
                b.iter(|| {
                    for t in norm {
                        black_box(regex_best(set, &base.keywords, t));
                    }
                })
            });
        }
    }
    g.finish();
}

fn bench_message_len(c: &mut Criterion, mode: Mode, set: &Set) {
    // Raise the 4 KiB default message limit so the engine scans what the baselines
    // scan; `reply_4k_limit` shows the default engine on the 10 KB cases.
    let engine = Engine::builder()
        .max_message_bytes(64 << 10)
        .build_yaml_str(&set.yaml)
        .expect("rule set loads");
    let base = &set.base;
    let mut g = c.benchmark_group("message_len");
    g.sample_size(if mode == Mode::Quick { 10 } else { 30 });
    for case in fixed_cases(mode) {
        let text = case.text.as_str();
        let norm = kefu::normalize(text);
        let norm = norm.as_str();
        // Checks: the baselines agree; the engine hits what they hit; probes answer.
        let (occurrences, distinct) = common::check_baselines(base, &[norm.to_owned()]);
        assert_eq!(fused_count(&base.daachorse, text), occurrences);
        let reply = engine.reply(&mut fresh(), text);
        assert!(!reply.truncated());
        assert_eq!(common::keywords_found(&reply), distinct, "{}", case.name);
        if case.name.starts_with("repeat") {
            // One keyword repeated over 10 KB covers a sliver of it: held back, with
            // return suggested.
            let suggested = reply.suggestions().first().map(|s| s.topic());
            assert_eq!(reply.topic().or(suggested), Some("return"));
        }
        if case.name.starts_with("emoji") {
            assert_eq!((occurrences, reply.topic()), (0, None));
        }
        eprintln!(
            "[kefu-bench] message_len {}: {} bytes, {} normalized bytes, {occurrences} occurrences",
            case.name,
            text.len(),
            norm.len()
        );
        g.throughput(Throughput::Bytes(text.len() as u64));
        let p = case.name;
        g.bench_function(BenchmarkId::new("reply", p), |b| {
            b.iter_batched_ref(
                fresh,
                |s| {
                    black_box(engine.reply(s, black_box(text)));
                },
                BatchSize::SmallInput,
            )
        });
        if text.len() > 4096 {
            g.bench_function(BenchmarkId::new("reply_4k_limit", p), |b| {
                b.iter_batched_ref(
                    fresh,
                    |s| {
                        black_box(set.engine.reply(s, black_box(text)));
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        g.bench_function(BenchmarkId::new("normalize", p), |b| {
            b.iter(|| kefu::normalize(black_box(text)))
        });
        g.bench_function(BenchmarkId::new("aho_corasick", p), |b| {
            b.iter(|| ac_count(&base.ac, black_box(norm)))
        });
        if let Some(dfa) = &base.ac_dfa {
            g.bench_function(BenchmarkId::new("aho_corasick_dfa", p), |b| {
                b.iter(|| ac_count(dfa, black_box(norm)))
            });
        }
        g.bench_function(BenchmarkId::new("daachorse", p), |b| {
            b.iter(|| daachorse_count(&base.daachorse, black_box(norm)))
        });
        g.bench_function(BenchmarkId::new("fused_normalize_scan", p), |b| {
            b.iter(|| fused_count(&base.daachorse, black_box(text)))
        });
        g.bench_function(BenchmarkId::new("contains", p), |b| {
            b.iter(|| contains_best(&base.keywords, black_box(norm)))
        });
    }
    g.finish();
}

fn bench_threads(c: &mut Criterion, mode: Mode, set: &Set, msgs: &[String]) {
    let n = msgs.len();
    let mut g = c.benchmark_group("threads");
    g.sample_size(if mode == Mode::Quick { 10 } else { 30 });
    g.throughput(Throughput::Elements(n as u64));
    for threads in [1usize, 2] {
        g.bench_function(BenchmarkId::new("reply", threads), |b| {
            b.iter_batched_ref(
                || vec![fresh(); n],
                |sessions| {
                    let per = n.div_ceil(threads);
                    std::thread::scope(|scope| {
                        for (ss, ms) in sessions.chunks_mut(per).zip(msgs.chunks(per)) {
                            let engine = set.engine.clone();
                            scope.spawn(move || {
                                for (s, m) in ss.iter_mut().zip(ms) {
                                    black_box(engine.reply(s, black_box(m)));
                                }
                            });
                        }
                    });
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn bench_compile(c: &mut Criterion, mode: Mode, sets: &[Set]) {
    let mut g = c.benchmark_group("compile");
    for set in sets {
        let p = &set.label;
        let kws = &set.base.keywords;
        g.sample_size(if mode == Mode::Quick || kws.len() >= 5_000 {
            10
        } else {
            30
        });
        g.throughput(Throughput::Elements(kws.len() as u64));
        g.bench_function(BenchmarkId::new("engine", p), |b| {
            b.iter(|| Engine::from_yaml_str(black_box(&set.yaml)).expect("loads"))
        });
        g.bench_function(BenchmarkId::new("engine_ac", p), |b| {
            b.iter(|| {
                Engine::builder()
                    .matcher(MatcherKind::AhoCorasick)
                    .build_yaml_str(black_box(&set.yaml))
                    .expect("loads")
            })
        });
        g.bench_function(BenchmarkId::new("aho_corasick", p), |b| {
            b.iter(|| aho_corasick::AhoCorasick::new(black_box(kws)).expect("builds"))
        });
        g.bench_function(BenchmarkId::new("daachorse", p), |b| {
            b.iter(|| {
                daachorse::CharwiseDoubleArrayAhoCorasick::<u32>::new(black_box(kws))
                    .expect("builds")
            })
        });
    }
    g.finish();
}

/// `KEFU_BENCH_PROFILE=10000` (a keyword count, or `apparel`; `10000:daachorse` or
/// `10000:normalize` for a baseline, `10000:compile` for `Engine::from_yaml_str`): run the batch of 5,000 messages
/// `KEFU_BENCH_ROUNDS` times (default 20) inside `profile_*` and exit, for
/// `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profile_*'`.
fn profile(spec: &str) {
    let rounds: usize = std::env::var("KEFU_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let (which, what) = spec.split_once(':').unwrap_or((spec, "reply"));
    let yaml = if which == "apparel" {
        apparel_yaml()
    } else {
        rules_yaml(
            which
                .parse()
                .expect("KEFU_BENCH_PROFILE: a keyword count or apparel"),
        )
    };
    let engine = Engine::from_yaml_str(&yaml).expect("rule set loads");
    let (msgs, source) = messages(5_000);
    let norm: Vec<String> = msgs.iter().map(|m| kefu::normalize(m)).collect();
    let daachorse = daachorse::CharwiseDoubleArrayAhoCorasick::<u32>::new(engine_keywords(&engine))
        .expect("builds");
    let mut sessions = vec![fresh(); msgs.len()];
    let mut total = 0;
    for _ in 0..rounds {
        total += match what {
            "reply" => {
                sessions.iter_mut().for_each(|s| *s = fresh());
                profile_replies(&engine, &msgs, &mut sessions)
            }
            "daachorse" => profile_daachorse(&daachorse, &norm),
            "normalize" => profile_normalize(&msgs),
            "compile" => profile_compile(&yaml),
            _ => {
                panic!("KEFU_BENCH_PROFILE: reply, daachorse, normalize or compile after the colon")
            }
        };
    }
    eprintln!(
        "[kefu-bench] profiled {what}: {rounds} × {} {source:?} messages at {} keywords ({total})",
        msgs.len(),
        engine.keyword_count()
    );
}

#[inline(never)]
fn profile_replies(engine: &Engine, msgs: &[String], sessions: &mut [Session]) -> usize {
    // What `keywords/reply` times: the reply, its text read, the reply dropped.
    let mut bytes = 0;
    for (s, m) in sessions.iter_mut().zip(msgs) {
        bytes += black_box(engine.reply(s, m)).text().len();
    }
    bytes
}

#[inline(never)]
fn profile_daachorse(d: &daachorse::CharwiseDoubleArrayAhoCorasick<u32>, norm: &[String]) -> usize {
    norm.iter().map(|t| daachorse_count(d, black_box(t))).sum()
}

#[inline(never)]
fn profile_compile(yaml: &str) -> usize {
    Engine::from_yaml_str(black_box(yaml))
        .expect("loads")
        .keyword_count()
}

#[inline(never)]
fn profile_normalize(msgs: &[String]) -> usize {
    msgs.iter()
        .map(|m| kefu::normalize(black_box(m)).len())
        .sum()
}

/// `KEFU_BENCH_PAIRED=R`: the targets' ratios measured in pairs. Each of `R` rounds
/// times one batch of messages (5,000 under `cargo bench`; the mode's sizes and batch,
/// so `cargo test --bench matching` runs it on tiny data) through `reply` (fresh
/// sessions), the raw daachorse scan and the fused normalize+scan, for every rule set,
/// in an order that rotates from round to round (each batch run twice in a row and the
/// second timed, so caches are as warm as in criterion's repeated iterations). A ratio
/// is taken within each round; the median of those is printed, with the median time of
/// each. On a shared host whose speed drifts from minute to minute this cancels the
/// drift that separates criterion's measurements of two functions (several seconds
/// each, one after the other).
fn paired(mode: Mode, rounds: usize) {
    use std::time::Instant;
    let (msgs, source) = messages(mode.batch());
    let norm: Vec<String> = msgs.iter().map(|m| kefu::normalize(m)).collect();
    type Daachorse = daachorse::CharwiseDoubleArrayAhoCorasick<u32>;
    let sets: Vec<(String, Engine, Daachorse)> = common::rule_sets(mode)
        .map(|(label, yaml)| {
            let engine = Engine::from_yaml_str(&yaml).expect("rule set loads");
            let d = Daachorse::new(engine_keywords(&engine)).expect("builds");
            // What is timed answers right: the probe, and the fused scan finds what the
            // raw scan of the normalized text finds.
            assert_eq!(topic(&engine, "我要退貨！！😭").as_deref(), Some("return"));
            let raw: usize = norm.iter().map(|t| daachorse_count(&d, t)).sum();
            let fused: usize = msgs.iter().map(|m| fused_count(&d, m)).sum();
            assert_eq!(raw, fused, "fused and raw scans disagree ({label})");
            (label, engine, d)
        })
        .collect();
    const WHAT: [&str; 3] = ["reply", "daachorse", "fused_normalize_scan"];
    // times[set][what][round], in ns per message
    let mut times = vec![[vec![], vec![], vec![]]; sets.len()];
    let mut sessions = vec![fresh(); msgs.len()];
    let per_msg = |t: Instant| t.elapsed().as_nanos() as f64 / msgs.len() as f64;
    for round in 0..rounds {
        for k in 0..sets.len() * WHAT.len() {
            let k = (k + round) % (sets.len() * WHAT.len());
            let (i, w) = (k / WHAT.len(), k % WHAT.len());
            let (_, engine, d) = &sets[i];
            // Twice, timing the second: warm caches, as in criterion's repeated runs.
            let mut t = Instant::now();
            for _ in 0..2 {
                sessions.iter_mut().for_each(|s| *s = fresh());
                t = Instant::now();
                match w {
                    0 => {
                        for (s, m) in sessions.iter_mut().zip(&msgs) {
                            black_box(engine.reply(s, black_box(m)));
                        }
                    }
                    1 => {
                        black_box(
                            norm.iter()
                                .map(|t| daachorse_count(d, black_box(t)))
                                .sum::<usize>(),
                        );
                    }
                    _ => {
                        black_box(
                            msgs.iter()
                                .map(|m| fused_count(d, black_box(m)))
                                .sum::<usize>(),
                        );
                    }
                }
            }
            times[i][w].push(per_msg(t));
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(x, y)| x / y).collect());
    let base = sets.iter().position(|(l, _, _)| l == "1000").unwrap_or(0);
    println!(
        "paired: {rounds} rounds of {} {source:?} messages\n\n\
         | rule set | reply | daachorse | fused_normalize_scan | reply ÷ daachorse | reply ÷ fused | reply ÷ reply at 1k |\n\
         |---|--:|--:|--:|--:|--:|--:|",
        msgs.len()
    );
    for (i, (label, _, _)) in sets.iter().enumerate() {
        let [r, d, f] = &times[i];
        println!(
            "| {label} | {:.0} ns | {:.0} ns | {:.0} ns | {:.2}× | {:.2}× | {:.2}× |",
            median(r.clone()),
            median(d.clone()),
            median(f.clone()),
            ratio(r, d),
            ratio(r, f),
            ratio(r, &times[base][0]),
        );
    }
}

fn main() {
    if let Ok(which) = std::env::var("KEFU_BENCH_PROFILE") {
        profile(&which);
        return;
    }
    if let Some(rounds) = std::env::var("KEFU_BENCH_PAIRED")
        .ok()
        .filter(|v| !v.is_empty() && v != "0")
    {
        let rounds = rounds
            .parse()
            .expect("KEFU_BENCH_PAIRED: a number of rounds, or 0 for the criterion suite");
        paired(Mode::detect(), rounds);
        return;
    }
    let mode = Mode::detect();
    let mut c = configure(Criterion::default(), mode).configure_from_args();
    let (msgs, norm) = common::batch(mode, "matching");
    // No `RegexSet` above 100 generated keywords in test mode (unoptimized, it is slow).
    let sets: Vec<Set> = common::rule_sets(mode)
        .map(|(label, yaml)| {
            let with_regex = mode != Mode::Test || label == "100" || label == "apparel";
            Set::new(label, yaml, with_regex)
        })
        .collect();
    for set in &sets {
        let t = std::time::Instant::now();
        check_set(set, &msgs, &norm);
        eprintln!("[kefu-bench] checked {} in {:?}", set.label, t.elapsed());
    }
    let mid = common::mid_set(&sets, |s| &s.label);

    bench_keywords(&mut c, mode, &sets, &msgs, &norm);
    bench_message_len(&mut c, mode, mid);
    bench_threads(&mut c, mode, mid, &msgs);
    bench_compile(&mut c, mode, &sets);
    c.final_summary();
}
