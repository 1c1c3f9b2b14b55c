#!/usr/bin/env python3
"""Tables and a plot from one `cargo bench` run (Python 3 standard library only).

Reads criterion's estimates (target/criterion/<group>/<function>/<param>/new/) and
the memory bench's target/criterion/kefu_memory.json, prints the Markdown tables of
BENCHMARKS.md (medians, per message, and the ratios of the targets) and writes an SVG
of latency against keyword count and against message length.

    python3 benches/report.py [CRITERION_DIR] [--svg bench-results/latency.svg]
"""

import json
import math
import os
import sys

SETS = ["100", "1000", "10000", "50000", "apparel"]
KEYWORD_FUNCS = [
    ("reply", "`Engine::reply` (daachorse, default)"),
    ("reply_ac", "`Engine::reply` (MatcherKind::AhoCorasick)"),
    ("reply_one_session", "`Engine::reply`, one session for the whole batch"),
    ("normalize", "`kefu::normalize` alone"),
    ("fused_normalize_scan", "`normalize_char` fed to a daachorse stepper (fused), raw text"),
    ("aho_corasick", "raw aho-corasick `AhoCorasick::new` (NFA), overlapping count"),
    ("aho_corasick_dfa", "raw aho-corasick DFA, overlapping count"),
    ("daachorse", "raw daachorse charwise, overlapping count"),
    ("contains", "hand-written bot: `str::contains` per keyword"),
    ("regex_set", "`regex::RegexSet` of all keywords"),
    ("matcher_rs", "peer: matcher_rs 0.10 `SimpleMatcher::process` (`FanjianDeleteNormalize`), raw message"),
    ("reply_mimalloc", "`Engine::reply` in the peer binary (mimalloc, as matcher_rs forces)"),
]
RAW = ["aho_corasick", "aho_corasick_dfa", "daachorse"]
CASES = [
    "short_2",
    "typical_30",
    "sweep_100",
    "sweep_250",
    "long_500",
    "sweep_1000",
    "repeat_keyword_10k",
    "emoji_10k",
]
LEN_FUNCS = ["reply", "reply_4k_limit", "normalize", "fused_normalize_scan", "aho_corasick", "aho_corasick_dfa",
             "daachorse", "contains", "matcher_rs"]
COMPILE_FUNCS = ["engine", "engine_ac", "aho_corasick", "daachorse", "matcher_rs"]


def load(root):
    """{(group, function, param): {"median": ns, "lo": ns, "hi": ns, "n": elems, "unit": ...}}"""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        med = est["median"]
        thr = bench.get("throughput") or {}
        unit, n = next(iter(thr.items()), ("Elements", 1))
        key = (bench["group_id"], bench["function_id"], bench.get("value_str"))
        out[key] = {
            "median": med["point_estimate"],
            "lo": med["confidence_interval"]["lower_bound"],
            "hi": med["confidence_interval"]["upper_bound"],
            "n": n,
            "unit": unit,
        }
    return out


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1e3:.2f} µs" if ns < 10_000 else f"{ns / 1e3:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.2f} ms" if ns < 10_000_000 else f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def per_msg(d, group, func, param):
    e = d.get((group, func, param))
    if e is None:
        return None
    if group in ("keywords", "threads"):
        return e["median"] / e["n"]
    return e["median"]


def spread(d, group, func, param):
    e = d.get((group, func, param))
    if e is None:
        return ""
    return f" ({(e['hi'] - e['lo']) / e['median'] * 100:.0f}%)" if e["median"] else ""


def ratio(a, b):
    return a / b if a is not None and b else None


def keywords_table(d, lines):
    sets = [s for s in SETS if any(k[0] == "keywords" and k[2] == s for k in d)]
    n = next((e["n"] for k, e in d.items() if k[0] == "keywords"), 0)
    lines.append(f"Median time per message over a batch of {n} messages per iteration "
                 "(the 95% confidence interval of the median, as % of it, in brackets).\n")
    lines.append("| per message | " + " | ".join(f"{s} kw" if s != "apparel" else "apparel.yaml" for s in sets) + " |")
    lines.append("|---|" + "--:|" * len(sets))
    for func, label in KEYWORD_FUNCS:
        cells = [fmt_ns(per_msg(d, "keywords", func, s)) + spread(d, "keywords", func, s) for s in sets]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rows = []
    fastest = {}
    for s in sets:
        raws = [(per_msg(d, "keywords", f, s), f) for f in RAW if per_msg(d, "keywords", f, s)]
        fastest[s] = min(raws) if raws else (None, None)
    rows.append(("fastest raw automaton", [f"{fastest[s][1]}" if fastest[s][1] else "—" for s in sets]))
    rep = {s: per_msg(d, "keywords", "reply", s) for s in sets}
    rows.append(("**reply ÷ fastest raw scan** (target ≤ 2× at 1k, 10k)",
                 [fmt_ratio(ratio(rep[s], fastest[s][0])) for s in sets]))
    rows.append(("(reply − normalize) ÷ fastest raw scan",
                 [fmt_ratio(ratio((rep[s] or 0) - (per_msg(d, "keywords", "normalize", s) or 0), fastest[s][0]) if rep[s] else None)
                  for s in sets]))
    rows.append(("reply ÷ fused normalize+scan",
                 [fmt_ratio(ratio(rep[s], per_msg(d, "keywords", "fused_normalize_scan", s))) for s in sets]))
    rows.append(("**contains ÷ reply** (target ≥ 100× at 10k)",
                 [fmt_ratio(ratio(per_msg(d, "keywords", "contains", s), rep[s])) for s in sets]))
    rows.append(("regex_set ÷ reply", [fmt_ratio(ratio(per_msg(d, "keywords", "regex_set", s), rep[s])) for s in sets]))
    peer = {s: per_msg(d, "keywords", "matcher_rs", s) for s in sets}
    rows.append(("**matcher_rs ÷ reply** (target ≥ 3×; each with its own allocator)",
                 [fmt_ratio(ratio(peer[s], rep[s])) for s in sets]))
    rows.append(("matcher_rs ÷ reply_mimalloc (one binary, one allocator)",
                 [fmt_ratio(ratio(peer[s], per_msg(d, "keywords", "reply_mimalloc", s))) for s in sets]))
    rows.append(("reply_ac ÷ reply (the matcher choice)",
                 [fmt_ratio(ratio(per_msg(d, "keywords", "reply_ac", s), rep[s])) for s in sets]))
    base = rep.get("1000")
    rows.append(("**reply ÷ reply at 1k** (target ≤ 2× up to 50k)",
                 [fmt_ratio(ratio(rep[s], base)) if s != "apparel" else "" for s in sets]))
    for name, cells in rows:
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return rep, fastest


def message_len_table(d, lines):
    cases = [c for c in CASES if any(k[0] == "message_len" and k[2] == c for k in d)]
    funcs = [f for f in LEN_FUNCS if any(k[0] == "message_len" and k[1] == f for k in d)]
    lines.append("| message | bytes | " + " | ".join(funcs) + " | reply per 100 bytes | reply ÷ fastest raw |")
    lines.append("|---|--:|" + "--:|" * (len(funcs) + 2))
    for c in cases:
        e = d.get(("message_len", "reply", c))
        nbytes = e["n"] if e else 0
        cells = [fmt_ns(per_msg(d, "message_len", f, c)) for f in funcs]
        r = per_msg(d, "message_len", "reply", c)
        raws = [per_msg(d, "message_len", f, c) for f in RAW if per_msg(d, "message_len", f, c)]
        lines.append(f"| {c} | {nbytes} | " + " | ".join(cells)
                     + f" | {fmt_ns(r / nbytes * 100) if r and nbytes else '—'} | {fmt_ratio(ratio(r, min(raws) if raws else None))} |")


def threads_table(d, lines):
    one = per_msg(d, "threads", "reply", "1")
    two = per_msg(d, "threads", "reply", "2")
    if one is None:
        return
    lines.append("| threads | wall time per message | messages/s | speed-up |")
    lines.append("|--:|--:|--:|--:|")
    for t, v in (("1", one), ("2", two)):
        if v:
            lines.append(f"| {t} | {fmt_ns(v)} | {1e9 / v:,.0f} | {fmt_ratio(one / v)} |")


def compile_table(d, lines):
    sets = [s for s in SETS if any(k[0] == "compile" and k[2] == s for k in d)]
    lines.append("| build | " + " | ".join(f"{s} kw" if s != "apparel" else "apparel.yaml" for s in sets) + " |")
    lines.append("|---|" + "--:|" * len(sets))
    for f in COMPILE_FUNCS:
        lines.append(f"| {f} | " + " | ".join(fmt_ns(per_msg(d, "compile", f, s)) for s in sets) + " |")
    lines.append("| **engine ÷ aho_corasick** (target ≤ 3×) | " + " | ".join(
        fmt_ratio(ratio(per_msg(d, "compile", "engine", s), per_msg(d, "compile", "aho_corasick", s))) for s in sets) + " |")
    lines.append("| engine ÷ daachorse | " + " | ".join(
        fmt_ratio(ratio(per_msg(d, "compile", "engine", s), per_msg(d, "compile", "daachorse", s))) for s in sets) + " |")
    lines.append("| engine ÷ matcher_rs | " + " | ".join(
        fmt_ratio(ratio(per_msg(d, "compile", "engine", s), per_msg(d, "compile", "matcher_rs", s))) for s in sets) + " |")


def memory_table(root, lines):
    path = os.path.join(root, "kefu_memory.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        rows = json.load(f)
    kib = lambda b: f"{b / 1024:,.0f}"
    lines.append("| rule set | keywords | engine keeps (KiB) | per 1,000 kw (KiB) | `heap_bytes()` per 1,000 kw (KiB) | build peak (KiB) | build allocations | engine_ac keeps (KiB) | raw aho-corasick (KiB) | raw daachorse (KiB) | allocations / reply (fresh session) | bytes / reply | allocations / reply (one long session) |")
    lines.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        k = r["keywords"] / 1000
        m = r["messages"]
        lines.append(
            f"| {r['label']} | {r['keywords']:,} | {kib(r['engine']['kept'])} | {r['engine']['kept'] / 1024 / k:,.0f} | "
            f"{r['engine_heap_bytes'] / 1024 / k:,.0f} | {kib(r['engine']['peak'])} | {r['engine']['allocs']:,} | "
            f"{kib(r['engine_ac']['kept'])} | {kib(r['aho_corasick']['kept'])} | {kib(r['daachorse']['kept'])} | "
            f"{r['reply_fresh']['allocs'] / m:.1f} | {r['reply_fresh']['allocated'] / m:,.0f} | "
            f"{r['reply_continuing']['allocs'] / m:.1f} |")


# ---------------------------------------------------------------- SVG

COLORS = {
    "reply": "#d62728", "reply_ac": "#ff9896", "normalize": "#7f7f7f", "aho_corasick": "#1f77b4",
    "aho_corasick_dfa": "#17becf", "daachorse": "#2ca02c", "contains": "#9467bd", "regex_set": "#8c564b",
    "reply_one_session": "#e377c2", "fused_normalize_scan": "#bcbd22", "matcher_rs": "#ff7f0e",
    "reply_mimalloc": "#c49c94",
}


def panel(x0, y0, w, h, series, xlabel, title, xticks):
    """series: {name: [(x, y_ns)]}; log-log axes."""
    pts = [p for s in series.values() for p in s]
    if not pts:
        return ""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts if p[1] > 0]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    if lx1 == lx0:
        lx1 += 1
    if ly1 == ly0:
        ly1 += 1
    X = lambda x: x0 + (math.log10(x) - lx0) / (lx1 - lx0) * w
    Y = lambda y: y0 + h - (math.log10(y) - ly0) / (ly1 - ly0) * h
    o = [f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-weight="bold">{title}</text>',
         f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#444"/>']
    for e in range(ly0, ly1 + 1):
        y = Y(10 ** e)
        o.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_ns(10 ** e)}</text>')
    for x, label in xticks:
        if min(xs) <= x <= max(xs):
            o.append(f'<line x1="{X(x):.1f}" y1="{y0}" x2="{X(x):.1f}" y2="{y0 + h}" stroke="#eee"/>')
            o.append(f'<text x="{X(x):.1f}" y="{y0 + h + 16}" text-anchor="middle">{label}</text>')
    o.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle">{xlabel}</text>')
    for name, s in series.items():
        s = sorted(p for p in s if p[1] > 0)
        if not s:
            continue
        c = COLORS.get(name, "#000")
        path = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in s)
        width = 3 if name == "reply" else 1.5
        o.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="{width}"/>')
        for x, y in s:
            o.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="3" fill="{c}"/>')
    return "\n".join(o)


def svg(d, path, title):
    kw = {}
    for (g, f, p), _e in d.items():
        if g == "keywords" and p and p.isdigit():
            kw.setdefault(f, []).append((int(p), per_msg(d, g, f, p)))
    ml = {}
    for (g, f, p), e in d.items():
        if g == "message_len" and f in ("reply", "normalize", "fused_normalize_scan", "aho_corasick", "daachorse",
                                        "contains", "matcher_rs") \
                and p and not p.startswith(("repeat", "emoji")):
            ml.setdefault(f, []).append((e["n"], per_msg(d, g, f, p)))
    W, H = 980, 450
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13">{title}</text>',
         panel(80, 50, 360, 300, kw, "keywords (log)", "time per message vs keyword count",
               [(100, "100"), (1000, "1k"), (10000, "10k"), (50000, "50k")]),
         panel(560, 50, 360, 300, ml, "message bytes (log)", "time per message vs length (10k keywords)",
               [(10, "10"), (100, "100"), (1000, "1k"), (3000, "3k")])]
    names = [f for f, _ in KEYWORD_FUNCS if f in kw or f in ml]
    x, y = 80, H - 40
    for f in names:
        step = 40 + 6.5 * len(f)
        if x + step > W - 20:
            x, y = 80, y + 18
        o.append(f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{COLORS[f]}" stroke-width="3"/>')
        o.append(f'<text x="{x + 22}" y="{y + 4}">{f}</text>')
        x += step
    o.append("</svg>")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(o) + "\n")


def main(argv):
    root = "target/criterion"
    out_svg = None
    title = "kefu: median time per message (log-log)"
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--svg":
            out_svg = args.pop(0)
        elif a == "--title":
            title = args.pop(0)
        else:
            root = a
    d = load(root)
    if not d:
        sys.exit(f"no criterion estimates under {root}: run `cargo bench` first")
    lines = ["### keywords: latency against keyword count\n"]
    keywords_table(d, lines)
    lines.append("\n### message_len: one message per iteration, 10,000 keywords\n")
    message_len_table(d, lines)
    lines.append("\n### threads: one engine, 10,000 keywords, the batch split over threads\n")
    threads_table(d, lines)
    lines.append("\n### compile: building a rule set (median per build)\n")
    compile_table(d, lines)
    lines.append("\n### memory (counting global allocator)\n")
    memory_table(root, lines)
    print("\n".join(lines))
    if out_svg:
        svg(d, out_svg, title)
        print(f"\n(wrote {out_svg})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
