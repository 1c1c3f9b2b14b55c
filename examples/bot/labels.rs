//! `bot replay --labels`: the labelled file, what counts as a right reply, and the
//! figures of a labelled replay (precision, recall, per topic, confusions, groups).
//!
//! The conventions are those of tests/fixtures/labelled/README.md. A line is
//! `label<TAB>message`; the label is a topic id, several acceptable ones `a|b`, `-`
//! (nothing should answer), or `a|-` (topic a, or nothing). What happened to a line is
//! one [`Outcome`]; whether that was right is a function of the label alone
//! ([`judge`]), so the rules can never grade their own work.

use crate::display::{pad, plural, shorten, thousands};
use crate::report::{share, Outcome};
use crate::Fatal;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Examples kept per confusion pair.
pub(crate) const CONFUSION_EXAMPLES: usize = 3;

/// What a line's label accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Label {
    /// As written (`size_fit|size`).
    pub(crate) text: String,
    /// The acceptable topics, in the order written.
    pub(crate) topics: Vec<String>,
    /// `-` is among the alternatives: no answer is right too.
    pub(crate) none_ok: bool,
}

impl Label {
    /// Parses `a`, `a|b`, `-`, `a|-`: alternatives separated by `|`, each a topic id
    /// or `-`.
    pub(crate) fn parse(s: &str) -> Result<Label, String> {
        let mut label = Label {
            text: s.trim().to_owned(),
            topics: Vec::new(),
            none_ok: false,
        };
        for alt in s.split('|').map(str::trim) {
            match alt {
                "" => return Err(format!("empty alternative in the label '{s}'")),
                "-" => label.none_ok = true,
                t if t.chars().any(char::is_whitespace) => {
                    return Err(format!(
                        "'{t}' is not a topic id (no spaces; alternatives are a|b)"
                    ))
                }
                t => {
                    if !label.topics.iter().any(|x| x == t) {
                        label.topics.push(t.to_owned());
                    }
                }
            }
        }
        Ok(label)
    }

    /// In scope: some topic should answer, and no answer is not right (no `-`). The
    /// lines recall is measured on.
    pub(crate) fn in_scope(&self) -> bool {
        !self.none_ok
    }

    /// Out of scope: `-` alone, nothing should answer.
    pub(crate) fn out_of_scope(&self) -> bool {
        self.topics.is_empty()
    }

    /// What the line expects, for per-topic figures and confusions: the first topic,
    /// or `-`.
    pub(crate) fn expected(&self) -> &str {
        self.topics.first().map_or("-", String::as_str)
    }

    pub(crate) fn accepts(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }
}

/// What happened to a line as the labelled figures count it, and whether it was
/// right. `topic` is the node that chose the reply (a handoff node's too), `outcome`
/// what happened as the coverage counts it ([`Outcome::of`]).
///
/// - An acceptable topic is right, and an answer, whatever its node does (a `human`
///   line handed to the `human` node is answered right).
/// - A handoff node that is not acceptable, on a line whose label allows `-`, is a
///   handoff, which is right there (tests/fixtures/labelled/README.md).
/// - Any other topic is answered wrong (a handoff node on a `size` line too).
/// - Without a node, a handoff (fallbacks in a row), a held-back reply and a fallback
///   are right exactly when the label allows `-`.
pub(crate) fn judge(label: &Label, topic: Option<&str>, outcome: Outcome) -> (Outcome, bool) {
    match topic {
        Some(t) if label.accepts(t) => (Outcome::Answered, true),
        Some(_) if outcome == Outcome::Handoff && label.none_ok => (Outcome::Handoff, true),
        Some(_) => (Outcome::Answered, false),
        None => (outcome, label.none_ok),
    }
}

/// What a line got, as confusions show it: the topic, or `held back`, `handoff`,
/// `fallback` when no node chose the reply.
pub(crate) fn got(topic: Option<&str>, outcome: Outcome) -> String {
    topic.map_or_else(|| outcome.as_str().to_owned(), str::to_owned)
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// 1-based line in the file.
    pub(crate) line: usize,
    /// Index into [`LabelledSet::groups`] of the last `# ──` heading above.
    pub(crate) group: Option<usize>,
    pub(crate) label: Label,
    pub(crate) message: String,
    /// Starts a conversation: every line, or with `--sessions` the first after a blank
    /// line.
    pub(crate) new_conversation: bool,
}

#[derive(Debug, Default)]
pub(crate) struct LabelledSet {
    pub(crate) items: Vec<Item>,
    /// `# ── heading` comments, in order, without the rules of dashes.
    pub(crate) groups: Vec<String>,
}

/// Reads a labelled file: `label<TAB>message` lines, `#` comments (`# ── heading`
/// starts a group), blank lines (with `sessions`, the end of a conversation). Every
/// problem names `name:LINE`. `known` says whether a topic exists in the rules.
pub(crate) fn parse(
    name: &str,
    text: &str,
    sessions: bool,
    known: &dyn Fn(&str) -> bool,
) -> Result<LabelledSet, Fatal> {
    let mut set = LabelledSet::default();
    let mut conversation_open = false;
    // A byte-order mark (some editors save one) is not part of the first label.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let fail = |m: String| Fatal::Msg(format!("{name}:{line}: {m}"));
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            conversation_open = false;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim_start();
            if comment.starts_with('─') {
                let heading = comment.trim_matches(|c: char| c == '─' || c.is_whitespace());
                set.groups.push(heading.to_owned());
            }
            continue;
        }
        let Some((label, message)) = raw.split_once('\t') else {
            return Err(fail(
                "not label<TAB>message: no tab between the label and the message".to_owned(),
            ));
        };
        let message = message.trim();
        if message.is_empty() {
            return Err(fail("the message after the tab is empty".to_owned()));
        }
        if label.trim().is_empty() {
            return Err(fail("the label before the tab is empty".to_owned()));
        }
        let label = Label::parse(label).map_err(fail)?;
        if let Some(t) = label.topics.iter().find(|t| !known(t)) {
            return Err(fail(format!(
                "unknown topic '{t}' in the label: the rules have no node with this topic"
            )));
        }
        set.items.push(Item {
            line,
            group: set.groups.len().checked_sub(1),
            label,
            message: message.to_owned(),
            new_conversation: !sessions || !conversation_open,
        });
        conversation_open = true;
    }
    if set.items.is_empty() {
        return Err(Fatal::Msg(format!(
            "{name}: no labelled messages (lines label<TAB>message)"
        )));
    }
    Ok(set)
}

/// A share with what it is made of; `value` is `None` when `of` is 0.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub(crate) struct Ratio {
    pub(crate) value: Option<f64>,
    pub(crate) right: usize,
    pub(crate) of: usize,
}

impl Ratio {
    pub(crate) fn new(right: usize, of: usize) -> Ratio {
        Ratio {
            value: (of > 0).then(|| right as f64 / of as f64),
            right,
            of,
        }
    }

    /// `96.9%`, or `-` when undefined.
    pub(crate) fn pct(&self) -> String {
        self.value
            .map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
    }
}

/// What happened to one labelled line.
pub(crate) struct Judged {
    /// Index into [`LabelledSet::items`].
    pub(crate) item: usize,
    pub(crate) topic: Option<String>,
    pub(crate) outcome: Outcome,
    pub(crate) right: bool,
    pub(crate) confidence: &'static str,
    pub(crate) suggestions: Vec<crate::confidence::Suggestion>,
}

#[derive(serde::Serialize)]
pub(crate) struct Outcomes {
    pub(crate) answered_right: usize,
    pub(crate) answered_wrong: usize,
    pub(crate) held_back: usize,
    pub(crate) fallback: usize,
    pub(crate) handoff: usize,
}

#[derive(serde::Serialize)]
pub(crate) struct TopicScore {
    pub(crate) topic: String,
    pub(crate) path: String,
    /// Lines the topic's node chose the reply for (a handoff node's too), and how many
    /// of them were right.
    pub(crate) precision: Ratio,
    /// In-scope lines whose label's first topic this is, and how many were right.
    pub(crate) recall: Ratio,
}

#[derive(serde::Serialize)]
pub(crate) struct Example {
    pub(crate) line: usize,
    pub(crate) label: String,
    pub(crate) message: String,
}

#[derive(serde::Serialize)]
pub(crate) struct Confusion {
    pub(crate) expected: String,
    pub(crate) got: String,
    pub(crate) count: usize,
    pub(crate) examples: Vec<Example>,
}

/// Counts of (expected, got) over every line, for the topics of the worst confusions.
#[derive(serde::Serialize)]
pub(crate) struct Matrix {
    pub(crate) expected: Vec<String>,
    pub(crate) got: Vec<String>,
    /// `cells[i][j]`: lines expecting `expected[i]` that got `got[j]`.
    pub(crate) cells: Vec<Vec<Cell>>,
}

#[derive(serde::Serialize, Clone, Copy, Default)]
pub(crate) struct Cell {
    pub(crate) right: usize,
    pub(crate) wrong: usize,
}

#[derive(serde::Serialize)]
pub(crate) struct GroupScore {
    pub(crate) group: String,
    pub(crate) lines: usize,
    /// Lines judged right, whatever happened to them.
    pub(crate) right: Ratio,
    pub(crate) precision: Ratio,
    pub(crate) recall: Ratio,
}

#[derive(serde::Serialize)]
pub(crate) struct HeldBack {
    pub(crate) line: usize,
    pub(crate) label: String,
    pub(crate) message: String,
    pub(crate) confidence: &'static str,
    pub(crate) suggestions: Vec<crate::confidence::Suggestion>,
    /// A suggestion's topic is one the label accepts: answering would have been right.
    pub(crate) suggested_right: bool,
}

#[derive(serde::Serialize)]
pub(crate) struct Mistake {
    pub(crate) line: usize,
    pub(crate) label: String,
    pub(crate) message: String,
    pub(crate) got: String,
    pub(crate) outcome: Outcome,
}

/// Lines per confidence level, right and wrong.
#[derive(serde::Serialize)]
pub(crate) struct LevelScore {
    pub(crate) level: &'static str,
    pub(crate) right: usize,
    pub(crate) wrong: usize,
}

/// The figures of a labelled replay (the `labels` member of `replay --labels --json`).
#[derive(serde::Serialize)]
pub(crate) struct LabelReport {
    pub(crate) file: String,
    pub(crate) lines: usize,
    /// Lines whose label has no `-`.
    pub(crate) in_scope: usize,
    /// Lines labelled `-` alone.
    pub(crate) out_of_scope: usize,
    /// Lines labelled `a|-`: either is right.
    pub(crate) either: usize,
    pub(crate) outcomes: Outcomes,
    /// Answered right / answered (a node chose the reply; not a handoff node on a line
    /// that allows `-`, which is a handoff there).
    pub(crate) precision: Ratio,
    /// In-scope lines right / in-scope lines.
    pub(crate) recall: Ratio,
    /// `-` lines left to the fallback, held back or handed off / `-` lines.
    pub(crate) out_of_scope_handled: Ratio,
    pub(crate) per_topic: Vec<TopicScore>,
    pub(crate) confusions: Vec<Confusion>,
    pub(crate) matrix: Matrix,
    pub(crate) groups: Vec<GroupScore>,
    pub(crate) confidence: Vec<LevelScore>,
    pub(crate) held_back: Vec<HeldBack>,
    pub(crate) mistakes: Vec<Mistake>,
}

/// Topics of the matrix: those of this many of the most common confusions.
pub(crate) const MATRIX_PAIRS: usize = 12;

/// The figures of `judged` (one per item of `set`, in order). `path` gives a topic's
/// display path.
pub(crate) fn score(
    file: &str,
    set: &LabelledSet,
    judged: &[Judged],
    path: &dyn Fn(&str) -> String,
) -> LabelReport {
    let item = |j: &Judged| &set.items[j.item];
    let count = |f: &dyn Fn(&Judged) -> bool| judged.iter().filter(|j| f(j)).count();
    let answered = |j: &Judged| j.outcome == Outcome::Answered;
    let outcomes = Outcomes {
        answered_right: count(&|j| answered(j) && j.right),
        answered_wrong: count(&|j| answered(j) && !j.right),
        held_back: count(&|j| j.outcome == Outcome::HeldBack),
        fallback: count(&|j| j.outcome == Outcome::Fallback),
        handoff: count(&|j| j.outcome == Outcome::Handoff),
    };
    let in_scope = |j: &Judged| item(j).label.in_scope();
    let oos = |j: &Judged| item(j).label.out_of_scope();
    let figures = |js: &[&Judged]| {
        let n = |f: &dyn Fn(&Judged) -> bool| js.iter().filter(|j| f(j)).count();
        (
            Ratio::new(n(&|j| answered(j) && j.right), n(&|j| answered(j))),
            Ratio::new(n(&|j| in_scope(j) && j.right), n(&|j| in_scope(j))),
        )
    };
    let all: Vec<&Judged> = judged.iter().collect();
    let (precision, recall) = figures(&all);

    // Per topic: chosen (precision) and expected (recall).
    let mut topics: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    for j in judged {
        if let Some(t) = &j.topic {
            let e = topics.entry(t).or_default();
            e.0 += 1;
            e.1 += usize::from(j.right);
        }
        let label = &item(j).label;
        if label.in_scope() {
            let e = topics.entry(label.expected()).or_default();
            e.2 += 1;
            e.3 += usize::from(j.right);
        }
    }
    let mut per_topic: Vec<TopicScore> = topics
        .into_iter()
        .map(|(t, (c, cr, l, lr))| TopicScore {
            topic: t.to_owned(),
            path: path(t),
            precision: Ratio::new(cr, c),
            recall: Ratio::new(lr, l),
        })
        .collect();
    let worst = |s: &TopicScore| {
        let v = [s.precision.value, s.recall.value];
        v.into_iter().flatten().fold(1.0f64, f64::min)
    };
    let errors =
        |s: &TopicScore| (s.precision.of - s.precision.right) + (s.recall.of - s.recall.right);
    per_topic.sort_by(|a, b| {
        worst(a)
            .total_cmp(&worst(b))
            .then(errors(b).cmp(&errors(a)))
            .then(a.topic.cmp(&b.topic))
    });

    // Confusions: every wrong line, by (expected, got).
    let mut pairs: HashMap<(String, String), Vec<&Judged>> = HashMap::new();
    let mut cells: HashMap<(String, String), Cell> = HashMap::new();
    for j in judged {
        let key = (
            item(j).label.expected().to_owned(),
            got(j.topic.as_deref(), j.outcome),
        );
        let cell = cells.entry(key.clone()).or_default();
        if j.right {
            cell.right += 1;
        } else {
            cell.wrong += 1;
            pairs.entry(key).or_default().push(j);
        }
    }
    let mut confusions: Vec<Confusion> = pairs
        .into_iter()
        .map(|((expected, got), js)| Confusion {
            expected,
            got,
            count: js.len(),
            examples: js
                .iter()
                .take(CONFUSION_EXAMPLES)
                .map(|j| example(item(j)))
                .collect(),
        })
        .collect();
    confusions.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.expected.cmp(&b.expected))
            .then_with(|| a.got.cmp(&b.got))
    });
    let matrix = matrix(&confusions, &cells);

    let groups = set
        .groups
        .iter()
        .enumerate()
        .filter_map(|(g, name)| {
            let js: Vec<&Judged> = judged.iter().filter(|j| item(j).group == Some(g)).collect();
            if js.is_empty() {
                return None;
            }
            let (precision, recall) = figures(&js);
            Some(GroupScore {
                group: name.clone(),
                lines: js.len(),
                right: Ratio::new(js.iter().filter(|j| j.right).count(), js.len()),
                precision,
                recall,
            })
        })
        .collect();

    let confidence = crate::confidence::levels(judged.iter().map(|j| j.confidence))
        .into_iter()
        .map(|level| LevelScore {
            level,
            right: count(&|j| j.confidence == level && j.right),
            wrong: count(&|j| j.confidence == level && !j.right),
        })
        .collect();

    let held_back = judged
        .iter()
        .filter(|j| j.outcome == Outcome::HeldBack)
        .map(|j| {
            let it = item(j);
            HeldBack {
                line: it.line,
                label: it.label.text.clone(),
                message: it.message.clone(),
                confidence: j.confidence,
                suggested_right: j.suggestions.iter().any(|s| it.label.accepts(&s.topic)),
                suggestions: j.suggestions.clone(),
            }
        })
        .collect();
    let mistakes = judged
        .iter()
        .filter(|j| !j.right)
        .map(|j| {
            let it = item(j);
            Mistake {
                line: it.line,
                label: it.label.text.clone(),
                message: it.message.clone(),
                got: got(j.topic.as_deref(), j.outcome),
                outcome: j.outcome,
            }
        })
        .collect();

    LabelReport {
        file: file.to_owned(),
        lines: judged.len(),
        in_scope: count(&in_scope),
        out_of_scope: count(&oos),
        either: count(&|j| !in_scope(j) && !oos(j)),
        outcomes,
        precision,
        recall,
        out_of_scope_handled: Ratio::new(count(&|j| oos(j) && j.right), count(&oos)),
        per_topic,
        confusions,
        matrix,
        groups,
        confidence,
        held_back,
        mistakes,
    }
}

fn example(it: &Item) -> Example {
    Example {
        line: it.line,
        label: it.label.text.clone(),
        message: it.message.clone(),
    }
}

/// The matrix of the topics the [`MATRIX_PAIRS`] most common confusions involve:
/// rows what was expected, columns what was got, in order of first appearance.
fn matrix(confusions: &[Confusion], cells: &HashMap<(String, String), Cell>) -> Matrix {
    let mut expected: Vec<String> = Vec::new();
    let mut got: Vec<String> = Vec::new();
    let add = |v: &mut Vec<String>, s: &str| {
        if !v.iter().any(|x| x == s) {
            v.push(s.to_owned());
        }
    };
    for c in confusions.iter().take(MATRIX_PAIRS) {
        add(&mut expected, &c.expected);
        add(&mut got, &c.got);
    }
    // A topic on one side is shown on the other too when it is a topic there, so the
    // diagonal (right answers) is visible.
    for e in expected.clone() {
        if e != "-" && cells.keys().any(|(x, g)| x == &e && g == &e) {
            add(&mut got, &e);
        }
    }
    let cells = expected
        .iter()
        .map(|e| {
            got.iter()
                .map(|g| {
                    cells
                        .get(&(e.clone(), g.clone()))
                        .copied()
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    Matrix {
        expected,
        got,
        cells,
    }
}

/// Confusion pairs the text report shows.
pub(crate) const TOP_CONFUSIONS: usize = 20;

/// The labelled part of the text report; `messages` is the number of lines replayed.
pub(crate) fn write_text(out: &mut dyn Write, l: &LabelReport, messages: usize) -> io::Result<()> {
    let o = &l.outcomes;
    let answered = o.answered_right + o.answered_wrong;
    writeln!(
        out,
        "precision of answered {:>7}  {} of {} answered lines got an acceptable topic",
        l.precision.pct(),
        l.precision.right,
        answered
    )?;
    writeln!(
        out,
        "recall of in-scope    {:>7}  {} of {} in-scope lines (no - in the label) got an acceptable topic",
        l.recall.pct(),
        l.recall.right,
        l.recall.of
    )?;
    writeln!(
        out,
        "out of scope handled  {:>7}  {} of {} lines labelled - were not answered (fallback, held back or handed off)",
        l.out_of_scope_handled.pct(),
        l.out_of_scope_handled.right,
        l.out_of_scope_handled.of
    )?;
    writeln!(
        out,
        "  {} lines: {} in scope, {} out of scope (-), {} either (a|-)\n",
        thousands(l.lines),
        thousands(l.in_scope),
        thousands(l.out_of_scope),
        thousands(l.either)
    )?;
    for (name, k, what) in [
        (
            "answered right",
            o.answered_right,
            "a node answered with an acceptable topic",
        ),
        (
            "answered wrong",
            o.answered_wrong,
            "a node answered with another topic",
        ),
        (
            "held back",
            o.held_back,
            "the engine was not sure: the fallback, with suggestions",
        ),
        ("fallback", o.fallback, "nothing matched"),
        (
            "handed off",
            o.handoff,
            "a handoff node, or fallbacks in a row",
        ),
    ] {
        writeln!(
            out,
            "{name:<15} {:>7}  {:5.1}%   {what}",
            thousands(k),
            share(k, messages)
        )?;
    }

    let flawed: Vec<&TopicScore> = l
        .per_topic
        .iter()
        .filter(|t| t.precision.right < t.precision.of || t.recall.right < t.recall.of)
        .collect();
    writeln!(
        out,
        "\nper topic, worst first (precision: right of the lines it answered; recall: right of \
         the in-scope lines labelled with it first)"
    )?;
    let w = flawed
        .iter()
        .map(|t| t.topic.width())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "  {}  {:>16}  {:>16}",
        pad("topic", w),
        "precision",
        "recall"
    )?;
    for t in &flawed {
        let fig = |r: &Ratio| format!("{} {:>7}", r.pct(), format!("{}/{}", r.right, r.of));
        writeln!(
            out,
            "  {}  {:>16}  {:>16}",
            pad(&t.topic, w),
            fig(&t.precision),
            fig(&t.recall)
        )?;
    }
    writeln!(
        out,
        "  {} other topic{} without a mistake",
        l.per_topic.len() - flawed.len(),
        plural(l.per_topic.len() - flawed.len())
    )?;

    writeln!(
        out,
        "\nconfusions (expected → got: the label's first topic, and the topic that answered, \
         or fallback, held back, handoff), most common first"
    )?;
    if l.confusions.is_empty() {
        writeln!(out, "  none")?;
    }
    let shown = &l.confusions[..l.confusions.len().min(TOP_CONFUSIONS)];
    let w = shown
        .iter()
        .map(|c| format!("{} → {}", c.expected, c.got).width())
        .max()
        .unwrap_or(0);
    for c in shown {
        let examples: Vec<String> = c.examples.iter().map(|e| shorten(&e.message, 24)).collect();
        writeln!(
            out,
            "  {:>4}  {}  {}",
            c.count,
            pad(&format!("{} → {}", c.expected, c.got), w),
            examples.join(" · ")
        )?;
    }
    if l.confusions.len() > shown.len() {
        let rest: usize = l.confusions[shown.len()..].iter().map(|c| c.count).sum();
        writeln!(
            out,
            "  and {} more pairs ({rest} lines)",
            l.confusions.len() - shown.len()
        )?;
    }

    if !l.groups.is_empty() {
        writeln!(
            out,
            "\nby group (# ── headings): lines, right, precision, recall"
        )?;
        let w = l.groups.iter().map(|g| g.group.width()).max().unwrap_or(0);
        for g in &l.groups {
            writeln!(
                out,
                "  {}  {:>4}  {:>6}  {:>6}  {:>6}",
                pad(&g.group, w),
                g.lines,
                g.right.pct(),
                g.precision.pct(),
                g.recall.pct()
            )?;
        }
    }

    let suggested_right = l.held_back.iter().filter(|h| h.suggested_right).count();
    writeln!(
        out,
        "\nheld back (the engine was not sure enough to answer): {} line{}{}",
        l.held_back.len(),
        plural(l.held_back.len()),
        if l.held_back.is_empty() {
            String::new()
        } else {
            format!(", {suggested_right} with an acceptable topic among the suggestions (✓)")
        }
    )?;
    for h in &l.held_back {
        let s: Vec<String> = h
            .suggestions
            .iter()
            .map(|s| format!("{} ({})", s.topic, s.confidence))
            .collect();
        writeln!(
            out,
            "  line {:>4}  {}  {}  suggested {}{}",
            h.line,
            h.label,
            shorten(&h.message, 24),
            if s.is_empty() {
                "nothing".to_owned()
            } else {
                s.join(", ")
            },
            if h.suggested_right { " ✓" } else { "" }
        )?;
    }
    let levels: Vec<String> = l
        .confidence
        .iter()
        .map(|c| format!("{} {} right / {} wrong", c.level, c.right, c.wrong))
        .collect();
    writeln!(out, "confidence of the lines: {}", levels.join(", "))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(s: &str) -> Label {
        Label::parse(s).unwrap()
    }

    /// (label, topic that chose the reply, outcome as coverage counts it, outcome as
    /// the labels count it, right?)
    #[test]
    fn judge_table() {
        use Outcome::*;
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>, Outcome, Outcome, bool)] = &[
            ("size", Some("size"), Answered, Answered, true),
            ("size", Some("stock"), Answered, Answered, false),
            ("size", None, Fallback, Fallback, false),
            ("size", None, HeldBack, HeldBack, false),
            ("size", None, Handoff, Handoff, false),
            ("size_fit|size", Some("size"), Answered, Answered, true),
            ("size_fit|size", Some("size_chart"), Answered, Answered, false),
            ("-", Some("size"), Answered, Answered, false),
            ("-", None, Fallback, Fallback, true),
            ("-", None, HeldBack, HeldBack, true),
            ("-", None, Handoff, Handoff, true),
            // A handoff node answering a line that allows nothing is a handoff: right.
            ("-", Some("human"), Handoff, Handoff, true),
            ("remark|-", Some("human"), Handoff, Handoff, true),
            // ... but an answer, and wrong, on a line that needs another topic.
            ("size", Some("human"), Handoff, Answered, false),
            // A handoff node that is the expected topic answered right.
            ("human", Some("human"), Handoff, Answered, true),
            ("remark|-", Some("remark"), Handoff, Answered, true),
            ("remark|-", Some("remark"), Answered, Answered, true),
            ("remark|-", None, Fallback, Fallback, true),
            ("remark|-", Some("size"), Answered, Answered, false),
        ];
        for &(l, topic, outcome, counted, right) in cases {
            assert_eq!(
                judge(&label(l), topic, outcome),
                (counted, right),
                "{l} with {topic:?} {outcome:?}"
            );
        }
    }

    #[test]
    fn labels_parse_alternatives_and_scope() {
        let l = label("a|b|a");
        assert_eq!(
            (l.topics.clone(), l.none_ok),
            (vec!["a".into(), "b".into()], false)
        );
        assert!(l.in_scope() && !l.out_of_scope());
        assert_eq!(l.expected(), "a");
        let l = label("-");
        assert!(!l.in_scope() && l.out_of_scope());
        assert_eq!(l.expected(), "-");
        let l = label("remark|-");
        assert!(!l.in_scope() && !l.out_of_scope());
        assert_eq!(l.expected(), "remark");
        assert!(Label::parse("a||b").is_err());
        assert!(Label::parse("a b").is_err());
    }

    fn parse_str(text: &str, sessions: bool) -> Result<LabelledSet, String> {
        let known = |t: &str| t != "nope";
        parse("f.tsv", text, sessions, &known).map_err(|e| match e {
            Fatal::Msg(m) => m,
            Fatal::BrokenPipe => unreachable!(),
        })
    }

    #[test]
    fn the_file_has_groups_comments_and_conversations() {
        let text = "# ── 尺码 size ──\nsize\t尺码\n# a comment\nsize_fit\t偏大吗\n\n-\t哈哈\r\n# ── 噪声 ──\n\n-|ack\t嗯\n";
        let set = parse_str(text, true).unwrap();
        assert_eq!(set.groups, ["尺码 size", "噪声"]);
        let lines: Vec<(usize, Option<usize>, bool)> = set
            .items
            .iter()
            .map(|i| (i.line, i.group, i.new_conversation))
            .collect();
        assert_eq!(
            lines,
            [
                (2, Some(0), true),
                (4, Some(0), false),
                (6, Some(0), true),
                (9, Some(1), true)
            ]
        );
        assert_eq!(set.items[2].message, "哈哈");
        let one_each = parse_str(text, false).unwrap();
        assert!(one_each.items.iter().all(|i| i.new_conversation));
        let bom = parse_str("\u{feff}size\t尺码\r\n", false).unwrap();
        assert_eq!(bom.items[0].label.topics, ["size"]);
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_line() {
        let cases = [
            ("size\t尺码\nsize 尺码\n", "f.tsv:2: not label<TAB>message"),
            ("size\t  \n", "f.tsv:1: the message after the tab is empty"),
            ("\t尺码\n", "f.tsv:1: the label before the tab is empty"),
            ("\nnope\t尺码\n", "f.tsv:2: unknown topic 'nope'"),
            ("a||b\t尺码\n", "f.tsv:1: empty alternative"),
            ("# only\n\n", "f.tsv: no labelled messages"),
        ];
        for (text, says) in cases {
            let e = parse_str(text, false).err().unwrap_or_default();
            assert!(e.starts_with(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn scores_precision_recall_topics_and_confusions() {
        let text = "size\ta\nsize\tb\nsize\tc\nstock\td\n-\te\n-\tf\nremark|-\tg\n";
        let set = parse_str(text, false).unwrap();
        let got = [
            (Some("size"), Outcome::Answered),
            (Some("stock"), Outcome::Answered),
            (None, Outcome::Fallback),
            (Some("stock"), Outcome::Answered),
            (Some("size"), Outcome::Answered),
            (Some("human"), Outcome::Handoff),
            (None, Outcome::Fallback),
        ];
        let judged: Vec<Judged> = got
            .iter()
            .enumerate()
            .map(|(i, &(topic, outcome))| {
                let (outcome, right) = judge(&set.items[i].label, topic, outcome);
                Judged {
                    item: i,
                    topic: topic.map(str::to_owned),
                    outcome,
                    right,
                    confidence: "medium",
                    suggestions: Vec::new(),
                }
            })
            .collect();
        let r = score("f.tsv", &set, &judged, &|t| format!("path of {t}"));
        // Answered: a, b, d, e (f is a handoff node): right a, d.
        assert_eq!(r.precision, Ratio::new(2, 4));
        // In scope: a, b, c, d: right a, d.
        assert_eq!(r.recall, Ratio::new(2, 4));
        assert_eq!(r.out_of_scope_handled, Ratio::new(1, 2));
        assert_eq!((r.in_scope, r.out_of_scope, r.either), (4, 2, 1));
        let o = &r.outcomes;
        assert_eq!(
            (
                o.answered_right,
                o.answered_wrong,
                o.fallback,
                o.handoff,
                o.held_back
            ),
            (2, 2, 2, 1, 0)
        );
        let size = r.per_topic.iter().find(|t| t.topic == "size").unwrap();
        assert_eq!(
            (size.precision, size.recall),
            (Ratio::new(1, 2), Ratio::new(1, 3))
        );
        assert_eq!(size.path, "path of size");
        assert_eq!(r.per_topic[0].topic, "size", "worst first");
        let pairs: Vec<(&str, &str, usize)> = r
            .confusions
            .iter()
            .map(|c| (c.expected.as_str(), c.got.as_str(), c.count))
            .collect();
        assert_eq!(
            pairs,
            [
                ("-", "size", 1),
                ("size", "fallback", 1),
                ("size", "stock", 1)
            ]
        );
        assert_eq!(r.confusions[1].examples[0].message, "c");
        assert_eq!(r.mistakes.len(), 3);
        assert_eq!(r.matrix.expected, ["-", "size"]);
        assert_eq!(r.matrix.got, ["size", "fallback", "stock"]);
        let size_row = &r.matrix.cells[1];
        assert_eq!(
            (size_row[0].right, size_row[1].wrong, size_row[2].wrong),
            (1, 1, 1)
        );
    }
}
