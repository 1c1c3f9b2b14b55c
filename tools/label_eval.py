#!/usr/bin/env python3
"""Measure a rule file on the labelled sets in tests/fixtures/labelled/.

Replays every labelled message through `bot replay --json` (messages.tsv and
holdout.tsv: one fresh conversation per line; sessions.tsv: --sessions, a blank line
ends a conversation) and
compares the topic that answered with the label (conventions in
tests/fixtures/labelled/README.md):

  precision of answered  answered with an acceptable topic / answered
  recall of in-scope     in-scope lines answered right / in-scope lines
  out of scope handled   `-` lines left to the fallback or handed over / `-` lines

A line is answered when a node chose the reply. On a line whose label allows `-`, no
answer, or an answer by a `handoff: true` node, is right.

    tools/label_eval.py                              # rules/apparel.yaml, all three sets
    tools/label_eval.py --rules old.yaml --tree rules/apparel.yaml --credit-ancestors
    tools/label_eval.py --errors                     # also list every wrong line
    tools/label_eval.py --corpus /work/shared/corpus/customer_messages.txt

--credit-ancestors: a label topic the evaluated rules do not have (a node split later)
is credited to its nearest ancestor that they do have, in the tree of --tree, or to
the topic --credit-as NEW=OLD names (a node split into siblings). That measures old
rules on new labels without counting the split itself as an error.

Only the standard library and PyYAML; the bot is built with
`cargo build --release --example bot`.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = ("presale", "insale", "aftersale")
SMALL_TALK = {"hello", "thanks", "ack", "bye", "think_over"}


def load_tree(path):
    """topic -> (parent topic or None, section, handoff) for every node of a rule file."""
    import yaml

    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    tree = {}

    def walk(nodes, parent, section):
        for n in nodes or []:
            tree[n["topic"]] = (parent, section, bool(n.get("handoff", False)))
            walk(n.get("children"), n["topic"], section)

    for s in SECTIONS:
        walk(doc.get(s), None, s)
    return tree


def read_set(path, sessions):
    """[(group, label, message)] and the replay input; group is the last `# ──` heading."""
    items, lines, group = [], [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#"):
                if line.startswith("# ──"):
                    group = line.strip("# ─").strip()
                continue
            if not line.strip():
                if sessions and lines and lines[-1] != "":
                    lines.append("")
                continue
            label, sep, message = line.partition("\t")
            if not sep or not message.strip() or not label:
                sys.exit(f"{path}: not label<TAB>message: {line!r}")
            items.append((group, label, message))
            lines.append(message)
    return items, lines


def replay(bot, rules, lines, sessions):
    """The replay's JSON objects for the non-blank input lines, in order."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".log", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        log = f.name
    try:
        cmd = [bot, "replay", log, "--rules", rules, "--json"]
        if sessions:
            cmd.append("--sessions")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(log)
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def acceptable(label, have, tree, credit, credit_map):
    """(topics that may answer, whether no answer is right)."""
    alts = label.split("|")
    allow_none = "-" in alts
    topics = set()
    for t in alts:
        if t == "-":
            continue
        if t not in tree and t not in have:
            sys.exit(f"label {t!r} is no topic of the rules or of --tree")
        topics.add(t)
        if credit and t not in have and t in credit_map:
            topics.add(credit_map[t])
        if credit:
            u = t
            while u is not None and u not in have:
                u = tree.get(u, (None,))[0]
            if u is not None:
                topics.add(u)
    return topics, allow_none


def evaluate(args):
    rules_tree = load_tree(args.rules)
    tree = load_tree(args.tree) if args.tree else rules_tree
    tree = {**tree, **{k: v for k, v in rules_tree.items() if k not in tree}}
    handoff_topics = {t for t, (_, _, h) in rules_tree.items() if h}
    have = set(rules_tree)
    credit_map = dict(pair.split("=", 1) for pair in args.credit_as)
    sets = args.sets or [
        os.path.join(ROOT, "tests/fixtures/labelled/messages.tsv"),
        os.path.join(ROOT, "tests/fixtures/labelled/sessions.tsv"),
        os.path.join(ROOT, "tests/fixtures/labelled/holdout.tsv"),
    ]
    rows = []
    for path in sets:
        sessions = os.path.basename(path).startswith("sessions")
        items, lines = read_set(path, sessions)
        results = replay(args.bot, args.rules, lines, sessions)
        if len(results) != len(items):
            sys.exit(f"{path}: {len(items)} messages, {len(results)} replies")
        for (group, label, message), r in zip(items, results):
            if r["message"] != message:
                sys.exit(f"{path}: out of step at {message!r} / {r['message']!r}")
            topics, allow_none = acceptable(label, have, tree, args.credit_ancestors, credit_map)
            got = r["topic"]
            right = got in topics or (allow_none and (got is None or got in handoff_topics))
            rows.append(
                dict(set=os.path.basename(path), group=group, label=label, message=message,
                     got=got, handoff=r["handoff"], right=right, in_scope=not allow_none,
                     out_of_scope=label == "-")
            )
    return rows, tree


def pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "    -"


def summary(rows):
    answered = [r for r in rows if r["got"] is not None]
    in_scope = [r for r in rows if r["in_scope"]]
    oos = [r for r in rows if r["out_of_scope"]]
    return dict(
        lines=len(rows),
        answered=len(answered),
        answered_right=sum(r["right"] for r in answered),
        in_scope=len(in_scope),
        in_scope_right=sum(r["right"] for r in in_scope),
        out_of_scope=len(oos),
        out_of_scope_right=sum(r["right"] for r in oos),
    )


def print_summary(name, s):
    print(
        f"{name:<14} lines {s['lines']:4}  answered {s['answered']:4}  "
        f"precision {pct(s['answered_right'], s['answered'])} ({s['answered_right']}/{s['answered']})  "
        f"recall {pct(s['in_scope_right'], s['in_scope'])} ({s['in_scope_right']}/{s['in_scope']})  "
        f"`-` handled {pct(s['out_of_scope_right'], s['out_of_scope'])} "
        f"({s['out_of_scope_right']}/{s['out_of_scope']})"
    )


def category(label, tree):
    first = label.split("|")[0]
    if first == "-":
        return "noise (-)"
    if first in SMALL_TALK:
        return "small talk"
    return tree.get(first, (None, "?"))[1]


def report(rows, tree, args):
    print(f"rules {args.rules}" + ("  (credit to ancestors)" if args.credit_ancestors else ""))
    by_set = collections.defaultdict(list)
    for r in rows:
        by_set[r["set"]].append(r)
    for name, rs in by_set.items():
        print_summary(name, summary(rs))
    print_summary("all", summary(rows))

    print("\nby category (label's first topic)")
    cats = collections.defaultdict(list)
    for r in rows:
        cats[category(r["label"], tree)].append(r)
    for c in ("presale", "insale", "aftersale", "small talk", "noise (-)"):
        if c in cats:
            print_summary(f"  {c}", summary(cats[c]))

    print("\nby group (messages.tsv headings)")
    groups = collections.defaultdict(list)
    for r in rows:
        if r["set"].startswith("messages"):
            groups[r["group"]].append(r)
    for g, rs in groups.items():
        s = summary(rs)
        print(f"  {g[:40]:<40} n {s['lines']:3}  right {pct(sum(x['right'] for x in rs), len(rs))}  "
              f"precision {pct(s['answered_right'], s['answered'])}")

    print("\nper label topic (first of the label): lines, right, wrong answer, unanswered")
    per = collections.defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        p = per[r["label"].split("|")[0]]
        p[0] += 1
        p[1] += r["right"]
        p[2] += (not r["right"]) and r["got"] is not None
        p[3] += (not r["right"]) and r["got"] is None
    for t, (n, ok, wrong, miss) in sorted(per.items(), key=lambda kv: -kv[1][0]):
        print(f"  {t:<16} {n:4} {ok:4} {wrong:4} {miss:4}")

    print("\nper answering topic: answered, right (precision)")
    ans = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        if r["got"] is not None:
            ans[r["got"]][0] += 1
            ans[r["got"]][1] += r["right"]
    for t, (n, ok) in sorted(ans.items(), key=lambda kv: (kv[1][1] / kv[1][0], -kv[1][0])):
        print(f"  {t:<16} {n:4} {ok:4}  {pct(ok, n)}")

    print(f"\ntop confusion pairs (label → answered topic), wrong answers only")
    conf = collections.Counter(
        (r["label"], r["got"]) for r in rows if not r["right"] and r["got"] is not None
    )
    for (label, got), n in conf.most_common(args.top):
        print(f"  {n:3}  {label} → {got}")
    misses = collections.Counter(r["label"] for r in rows if not r["right"] and r["got"] is None)
    print(f"\nmost missed labels (unanswered)")
    for label, n in misses.most_common(args.top):
        print(f"  {n:3}  {label}")

    if args.errors:
        print("\nwrong lines")
        for r in rows:
            if not r["right"]:
                print(f"  {r['set'][:8]}  {r['label']:<24} got {str(r['got']):<16} {r['message']}")


def corpus(args):
    results = replay(args.bot, args.rules, [l.rstrip("\n") for l in open(args.corpus, encoding="utf-8")], False)
    answered = sum(r["topic"] is not None for r in results)
    handed = sum(r["handoff"] for r in results)
    topics = collections.Counter(r["topic"] for r in results if r["topic"] is not None)
    print(f"corpus {args.corpus}: {len(results)} messages, answered {answered} ({pct(answered, len(results))}), "
          f"handoff {handed} ({pct(handed, len(results))}), rules {args.rules}")
    for t, n in topics.most_common(args.top):
        print(f"  {t:<16} {n:5}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sets", nargs="*", help="labelled TSV files (default: both sets)")
    p.add_argument("--rules", default=os.path.join(ROOT, "rules/apparel.yaml"))
    p.add_argument("--bot", default=os.path.join(ROOT, "target/release/examples/bot"))
    p.add_argument("--tree", help="rule file whose topic tree defines ancestors (default: --rules)")
    p.add_argument("--credit-ancestors", action="store_true")
    p.add_argument("--credit-as", action="append", default=[], metavar="NEW=OLD",
                   help="with --credit-ancestors: credit a new sibling topic to an old one (ack=thanks)")
    p.add_argument("--errors", action="store_true", help="list every wrong line")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--corpus", help="replay this log and report the answered share instead")
    p.add_argument("--summary-json", action="store_true", help="print only the summary as JSON")
    args = p.parse_args()
    if args.corpus:
        corpus(args)
        return
    rows, tree = evaluate(args)
    if args.summary_json:
        print(json.dumps(summary(rows)))
        return
    report(rows, tree, args)


if __name__ == "__main__":
    main()
