//! Growing rules from chat logs: [`mine`] replays buyer–agent conversations through
//! the rules, takes the buyer turns nothing answered, groups them by what the agents
//! replied, and proposes quick phrases (keywords and the agents' most common reply)
//! ranked by the coverage they gain, replayed. The output is a whole rule file that
//! loads, passes `check` and whose `tests:` pass.
//!
//! ```
//! use kefu::mine::{mine, LogSource, Options};
//!
//! let rules = r#"
//! shop: { name: 衣见 }
//! first_reply: { greeting: ["亲,您好"] }
//! fallback: { reply: ["亲,稍等"], handoff_after: 0 }
//! "#;
//! let mut log = String::new();
//! for q in ["保修多久", "这个保修吗", "保修几年啊", "怎么保修"] {
//!     log.push_str(&format!("买家: {q}\n客服: 亲，本店商品全国联保一年哦\n\n"));
//! }
//! let mined = mine(rules, "rules.yaml", &LogSource::text("chat.txt", log), &Options::default(), &mut |_| {})?;
//! let p = &mined.proposals[0];
//! assert_eq!(p.keywords, ["保修"]);
//! assert_eq!(p.reply, "亲，本店商品全国联保一年哦");
//! assert_eq!(p.gain, 4);
//! let engine = kefu::Engine::from_yaml_str(mined.rule_file())?;   // loads as it is
//! assert!(engine.run_tests().all_passed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The method, its options and what the precision estimate means are in
//! `docs/MINING.md`. Memory is bounded: the log is streamed (a file is read once per
//! pass, one conversation at a time), and only the unanswered buyer turns are kept, at
//! most [`Options::max_messages`] of them.
//!
//! This module uses kefu's public API only; what it reads of a [`Reply`] is in one
//! place (`needs_rule`, `seen`).

mod cluster;
mod input;
mod propose;
mod report;
mod text;
mod write;

pub use input::{Conversation, Format, InputError, LogSource, Role, Skipped, Speakers, Turn};

use crate::{Engine, Reply, Section, Session};
use cluster::{Draft, Pair, Replies, Taken, Term};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// How to mine; `Options::default()` is what `bot mine` uses without flags.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// How the log is written (default: detected).
    pub format: Format,
    /// Which roles and line prefixes are the buyer's and the agent's.
    pub speakers: Speakers,
    /// Fail on the first bad line instead of skipping and counting it.
    pub strict: bool,
    /// Least number of unanswered buyer turns a keyword must answer with the agents'
    /// reply (default 3).
    pub min_support: usize,
    /// Least estimated precision of a keyword and of a proposal (default 0.6).
    pub min_precision: f64,
    /// Most proposals in the output (default 30), the best by coverage gained.
    pub max_proposals: usize,
    /// Most keywords (and whole-message keywords) of one proposal (default 8).
    pub max_keywords: usize,
    /// Most unanswered buyer turns kept for mining (default 200,000); later ones are
    /// replayed and counted, not mined.
    pub max_messages: usize,
    /// Proposals not to make again.
    pub ignore: Ignore,
    /// The time replies are computed at (greetings, promotions and agent hours read
    /// it); fixed by default (2026-01-05 10:00 +08:00), so runs are reproducible.
    pub now: SystemTime,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: Format::Auto,
            speakers: Speakers::default(),
            strict: false,
            min_support: 3,
            min_precision: 0.6,
            max_proposals: 30,
            max_keywords: 8,
            max_messages: 200_000,
            ignore: Ignore::default(),
            // 2026-01-05T10:00:00+08:00
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_578_400),
        }
    }
}

/// Rejected proposals: keywords never to propose, and agent replies whose group is
/// never proposed again. The file has one entry a line, `keyword 好的` or
/// `reply 请问还有其他可以帮到您的吗`; `#` starts a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    /// Normalized keywords.
    pub keywords: HashSet<String>,
    /// Agent replies, normalized (their group is rejected).
    pub replies: HashSet<String>,
}

impl Ignore {
    /// Parses an ignore file's text; `name` is used in errors.
    ///
    /// # Errors
    /// [`MineError::Ignore`] naming the first line that is neither blank, a comment,
    /// `keyword …` nor `reply …`.
    pub fn parse(name: &str, text: &str) -> Result<Ignore, MineError> {
        let mut out = Ignore::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (kind, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let bad = |message: String| MineError::Ignore {
                file: name.to_owned(),
                line: i + 1,
                message,
            };
            let value = value.trim();
            match kind {
                "keyword" | "reply" if value.is_empty() => {
                    return Err(bad(format!("'{kind}' needs a value: {kind} TEXT")));
                }
                "keyword" => {
                    out.keywords.insert(crate::normalize(value));
                }
                "reply" => {
                    out.replies.insert(text::reply_key(value));
                }
                _ => {
                    return Err(bad(format!(
                        "expected 'keyword TEXT' or 'reply TEXT', found '{}'",
                        text::one_line(line, 30)
                    )))
                }
            }
        }
        Ok(out)
    }

    /// Reads an ignore file.
    ///
    /// # Errors
    /// [`MineError::Io`] when it cannot be read, else as [`Ignore::parse`].
    pub fn from_path(path: &Path) -> Result<Ignore, MineError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MineError::Io {
            file: name.clone(),
            message: e.to_string(),
        })?;
        Ignore::parse(&name, &text)
    }
}

/// Where a long run is, for a progress bar: `done` of `total` bytes of the log read in
/// this pass (`pass` counts from 1; a run makes up to [`MAX_PASSES`] of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// What this pass does: `replay`, `verify`.
    pub stage: &'static str,
    /// 1-based number of this pass.
    pub pass: usize,
    /// Bytes read in this pass.
    pub done: u64,
    /// Bytes in the log.
    pub total: u64,
}

/// Most passes over the log: the first replay, the checks of the proposals, the
/// final replay.
pub const MAX_PASSES: usize = 6;

/// Why mining could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum MineError {
    /// The input rules do not load.
    Rules(crate::Error),
    /// A bad line of the log (strict mode), or a log that cannot be read.
    Input(InputError),
    /// A file could not be read.
    Io {
        /// Its name.
        file: String,
        /// Why.
        message: String,
    },
    /// A bad line of the ignore file.
    Ignore {
        /// Its name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The log holds no buyer turn.
    NoConversations {
        /// The log's name.
        file: String,
        /// Lines skipped as bad.
        skipped: usize,
    },
    /// A section of the rule file is written in a form proposals cannot be added to.
    Unplaceable {
        /// The rule file.
        file: String,
        /// Its line.
        line: usize,
        /// The section (`presale`, `tests` …).
        key: &'static str,
    },
}

impl fmt::Display for MineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MineError::Rules(e) => write!(f, "{e}"),
            MineError::Input(e) => write!(f, "{e}"),
            MineError::Io { file, message } => write!(f, "cannot read {file}: {message}"),
            MineError::Ignore {
                file,
                line,
                message,
            } => write!(f, "{file}:{line}: {message}"),
            MineError::NoConversations { file, skipped } => {
                write!(f, "{file}: no buyer turns to mine")?;
                if *skipped > 0 {
                    write!(f, " ({skipped} bad lines skipped)")?;
                }
                Ok(())
            }
            MineError::Unplaceable { file, line, key } => write!(
                f,
                "{file}:{line}: cannot add proposals to '{key}': write it as a block list (- item) or a flow list ([…])"
            ),
        }
    }
}

impl std::error::Error for MineError {}

impl From<InputError> for MineError {
    fn from(e: InputError) -> Self {
        MineError::Input(e)
    }
}

/// One proposed node, with what the replay measured of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Proposal {
    /// 1 for the proposal that gains most.
    pub rank: usize,
    /// Its topic id (`mined_invoice`).
    pub topic: String,
    /// Its display name (its first keywords).
    pub name: String,
    /// The section it is added to.
    pub section: Section,
    /// Keywords (substrings of the normalized message).
    pub keywords: Vec<String>,
    /// Whole-message keywords.
    pub whole: Vec<String>,
    /// Exclude words.
    pub exclude: Vec<String>,
    /// The reply template: the agents' most common reply of the group.
    pub reply: String,
    /// Unanswered buyer turns its keywords hit whose agent reply fell in the group.
    pub support: usize,
    /// Buyer turns the output rules answer with it that the input rules did not.
    pub gain: usize,
    /// Buyer turns the input rules answered with another node that it now answers.
    pub changed: usize,
    /// Of the buyer turns it answers in the replay that an agent replied to, the share
    /// whose reply fell in the group: an estimate of how often its answer is right.
    pub precision: f64,
    /// Buyer turns it answers in the replay that an agent replied to (the base of
    /// `precision`).
    pub judged: usize,
    /// Example buyer messages, as written.
    pub examples: Vec<String>,
    /// The messages of its `tests:` cases.
    pub tests: Vec<String>,
    /// The ignore-file line that rejects it.
    pub ignore_line: String,
}

/// The log and the replays, in numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The log's name.
    pub log: String,
    /// The input rule file's name.
    pub rules: String,
    /// `jsonl` or `text`.
    pub format: &'static str,
    /// Conversations with at least one buyer turn (copies left out).
    pub conversations: usize,
    /// Conversations left out as exact copies of an earlier one.
    pub duplicates: usize,
    /// Buyer turns replayed.
    pub buyer_turns: usize,
    /// Buyer turns the input rules answer.
    pub answered_before: usize,
    /// Buyer turns the output rules answer.
    pub answered_after: usize,
    /// Unanswered buyer turns kept for mining.
    pub mined_turns: usize,
    /// Unanswered buyer turns past `max_messages`, not mined.
    pub not_kept: usize,
    /// Bad lines skipped, with the first few.
    #[serde(skip)]
    pub skipped: Skipped,
    /// How many bad lines were skipped.
    pub skipped_lines: usize,
    /// Groups of agent replies found.
    pub reply_groups: usize,
    /// Passes over the log.
    pub passes: usize,
    /// Wall time of the run.
    #[serde(serialize_with = "report::seconds")]
    pub elapsed: Duration,
}

impl Summary {
    /// Share of buyer turns answered by the input rules (0–1).
    pub fn share_before(&self) -> f64 {
        self.answered_before as f64 / self.buyer_turns.max(1) as f64
    }
    /// Share of buyer turns answered by the output rules (0–1).
    pub fn share_after(&self) -> f64 {
        self.answered_after as f64 / self.buyer_turns.max(1) as f64
    }
}

/// What [`mine`] found: the proposals, best first, the output rule file and the
/// numbers. `report_text`, `report_json` and `report_html` format it.
#[derive(Debug, Clone)]
pub struct Mined {
    /// The proposals, ranked by coverage gained.
    pub proposals: Vec<Proposal>,
    /// The numbers of the run.
    pub summary: Summary,
    rule_file: String,
}

impl Mined {
    /// The output rule file: the input rules as written plus the proposals (commented
    /// with their numbers and examples) and their `tests:` cases.
    pub fn rule_file(&self) -> &str {
        &self.rule_file
    }
}

/// The buyer turns a rule should answer: today the ones the engine fell back on (no
/// node chose the reply, which includes a handoff caused by fallbacks in a row); once
/// replies carry a confidence, also the ones held back as low confidence.
fn needs_rule(reply: &Reply<'_>) -> bool {
    reply.topic().is_none()
}

/// What mining reads of a reply: whether it needs a rule, the topic and section that
/// answered, and (when `terms_of` names a topic) the keywords of that topic that hit.
struct Seen<'e> {
    needs_rule: bool,
    topic: Option<&'e str>,
    section: Option<Section>,
    terms: Vec<&'e str>,
}

fn seen<'e>(reply: &Reply<'e>, terms_of: Option<&str>) -> Seen<'e> {
    let topic = reply.topic();
    let terms = match (terms_of, topic) {
        (Some(t), Some(got)) if t == got => reply
            .hits()
            .into_iter()
            .filter(|h| h.topic == got)
            .map(|h| h.keyword)
            .collect(),
        _ => Vec::new(),
    };
    Seen {
        needs_rule: needs_rule(reply),
        topic,
        section: reply.node().map(|n| n.section()),
        terms,
    }
}

/// A proposal while it is checked.
struct Candidate {
    draft: Draft,
    topic: String,
    name: String,
    section: Section,
    reply: String,
    examples: Vec<String>,
    tests: Vec<String>,
    /// What the last replay measured.
    measured: Measured,
}

#[derive(Debug, Clone, Default)]
struct Measured {
    answered: usize,
    gain: usize,
    changed: usize,
    judged: usize,
    right: usize,
    terms: HashMap<String, TermCount>,
}

#[derive(Debug, Clone, Copy, Default)]
struct TermCount {
    answered: usize,
    judged: usize,
    right: usize,
    changed: usize,
}

/// A buyer turn of the replay that waits for the agent's reply to be judged.
struct Open {
    candidate: usize,
    base_answered: bool,
    terms: Vec<String>,
    right: bool,
    judged: bool,
}

/// Mines `log` for proposals to add to `rules` (the rule file's text; `rules_name`
/// names it in messages). `progress` is called as the log is read, a few times a
/// second at most on a large log.
///
/// # Errors
/// The rules do not load ([`MineError::Rules`]), the log cannot be read or (strict)
/// has a bad line ([`MineError::Input`]), it has no buyer turn
/// ([`MineError::NoConversations`]), or a section of the rules cannot be extended
/// ([`MineError::Unplaceable`]).
pub fn mine(
    rules: &str,
    rules_name: &str,
    log: &LogSource,
    options: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Mined, MineError> {
    let started = Instant::now();
    let base = Engine::builder()
        .build_named(rules, Some(rules_name))
        .map_err(MineError::Rules)?;
    if let LogSource::Path(p) = log {
        std::fs::File::open(p).map_err(|e| MineError::Io {
            file: p.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let total = log.len();
    let mut passes = 0usize;

    // Pass 1: replay with the input rules; keep the unanswered turns and the replies.
    passes += 1;
    let mut pairs: Vec<Pair> = Vec::new();
    let mut replies = Replies::default();
    let mut summary = Summary {
        log: log.name(),
        rules: rules_name.to_owned(),
        format: "text",
        conversations: 0,
        duplicates: 0,
        buyer_turns: 0,
        answered_before: 0,
        answered_after: 0,
        mined_turns: 0,
        not_kept: 0,
        skipped: Skipped::default(),
        skipped_lines: 0,
        reply_groups: 0,
        passes: 0,
        elapsed: Duration::ZERO,
    };
    let format = {
        let mut reader = input::Reader::new(log, options.format, &options.speakers, options.strict)
            .map_err(|e| MineError::Io {
                file: log.name(),
                message: e.to_string(),
            })?;
        let format = reader.format();
        let mut tick = Ticker::new("replay", passes, total);
        let mut index = 0u32;
        let mut seen_before = HashSet::new();
        while let Some(c) = reader.next_conversation()? {
            tick.at(reader.bytes, progress);
            if !seen_before.insert(fingerprint(&c)) {
                summary.duplicates += 1;
                continue;
            }
            let mut session = Session::new(c.id.as_str());
            let mut stage = None;
            let mut open: Vec<usize> = Vec::new();
            let mut agent_turns = 0usize;
            let mut any = false;
            for turn in &c.turns {
                match turn.role {
                    Role::Buyer => {
                        let text = turn.text.trim();
                        if text.is_empty() {
                            continue;
                        }
                        if agent_turns > 0 {
                            open.clear();
                            agent_turns = 0;
                        }
                        any = true;
                        summary.buyer_turns += 1;
                        let reply = base.reply_at(&mut session, text, options.now);
                        let s = seen(&reply, None);
                        if !s.needs_rule {
                            summary.answered_before += 1;
                            stage = s.section.or(stage);
                            continue;
                        }
                        if pairs.len() >= options.max_messages {
                            summary.not_kept += 1;
                            continue;
                        }
                        open.push(pairs.len());
                        pairs.push(Pair {
                            text: text.into(),
                            norm: crate::normalize(text).into(),
                            replies: Vec::new(),
                            stage,
                            conversation: index,
                        });
                    }
                    Role::Agent => {
                        if open.is_empty() || agent_turns >= cluster::REPLY_TURNS {
                            agent_turns += 1;
                            continue;
                        }
                        agent_turns += 1;
                        if let Some(id) = replies.add(&turn.text) {
                            for &p in &open {
                                pairs[p].replies.push(id);
                            }
                        }
                    }
                    Role::Other => {}
                }
            }
            if any {
                summary.conversations += 1;
                index += 1;
            }
        }
        tick.done(reader.bytes, progress);
        summary.skipped = reader.skipped.clone();
        format
    };
    summary.format = if format == Format::Text {
        "text"
    } else {
        "jsonl"
    };
    summary.skipped_lines = summary.skipped.count;
    summary.mined_turns = pairs.len();
    if summary.buyer_turns == 0 {
        return Err(MineError::NoConversations {
            file: log.name(),
            skipped: summary.skipped.count,
        });
    }
    replies.cluster();
    summary.reply_groups = replies.leaders.len();

    // Drafts, then proposals with ids, templates, examples.
    let mut existing_topics: HashSet<String> = HashSet::new();
    let mut existing_keywords: HashSet<String> = HashSet::new();
    for n in base.nodes() {
        existing_topics.insert(n.topic().to_owned());
        for (_, norm) in n.keywords() {
            existing_keywords.insert(norm.to_owned());
        }
    }
    let ignored_groups: HashSet<u32> = options
        .ignore
        .replies
        .iter()
        .filter_map(|r| (0..replies.leaders.len() as u32).find(|&g| replies.in_group(r, g)))
        .collect();
    let drafts = cluster::draft(
        &pairs,
        &replies,
        options,
        &Taken {
            keywords: &existing_keywords,
            ignored_keywords: &options.ignore.keywords,
            ignored_groups: &ignored_groups,
        },
    );
    let mut ids = existing_topics.clone();
    let mut cands: Vec<Candidate> = Vec::new();
    for d in drafts {
        if cands.len() >= options.max_proposals.saturating_mul(2).max(8) {
            break;
        }
        let said = propose::replies_of(&d, &pairs, &replies);
        let Some(reply) = propose::template(&said) else {
            continue;
        };
        let section = propose::section(&d, &pairs, &reply);
        let topic = propose::topic_id(&d.terms, &reply, section, &mut ids);
        cands.push(Candidate {
            name: propose::name(&d.terms),
            examples: propose::examples(&d, &pairs, 6),
            tests: Vec::new(),
            topic,
            section,
            reply,
            draft: d,
            measured: Measured::default(),
        });
    }
    drop(pairs);

    // Check by replay: drop keywords that answer wrongly or take existing answers,
    // proposals that gain too little, until nothing changes; then keep the best.
    let min = options.min_support.max(1);
    let mut capped = false;
    let mut output;
    loop {
        output = build(rules, rules_name, &mut cands, options)?;
        passes += 1;
        let after = replay(
            &base, &output.1, log, options, &replies, &mut cands, passes, total, progress,
        )?;
        summary.answered_after = after;
        let mut changed = false;
        for c in &mut cands {
            let m = &c.measured;
            let before = c.draft.terms.len();
            c.draft.terms.retain(|t| {
                let Some(k) = m.terms.get(&t.text) else {
                    return true;
                };
                let wrong =
                    k.judged >= 3 && (k.right as f64) < options.min_precision * k.judged as f64;
                let takes = k.changed > 0 && k.changed * 2 > k.answered;
                !(wrong || takes)
            });
            changed |= c.draft.terms.len() != before;
        }
        let before = cands.len();
        cands.retain(|c| {
            let m = &c.measured;
            !c.draft.terms.is_empty()
                && m.gain >= min
                && (m.judged < min || m.right as f64 >= options.min_precision * m.judged as f64)
        });
        changed |= cands.len() != before;
        if !changed && !capped {
            cands.sort_by(|a, b| {
                b.measured
                    .gain
                    .cmp(&a.measured.gain)
                    .then(a.topic.cmp(&b.topic))
            });
            capped = true;
            if cands.len() > options.max_proposals {
                cands.truncate(options.max_proposals);
                continue;
            }
        }
        if !changed || passes >= MAX_PASSES {
            break;
        }
    }
    cands.sort_by(|a, b| {
        b.measured
            .gain
            .cmp(&a.measured.gain)
            .then(a.topic.cmp(&b.topic))
    });
    // The final file carries the final numbers in its comments.
    let (rule_file, _) = build(rules, rules_name, &mut cands, options)?;
    summary.passes = passes;
    summary.elapsed = started.elapsed();
    let proposals = cands
        .iter()
        .enumerate()
        .map(|(i, c)| proposal(i + 1, c))
        .collect();
    Ok(Mined {
        proposals,
        summary,
        rule_file,
    })
}

fn proposal(rank: usize, c: &Candidate) -> Proposal {
    let m = &c.measured;
    let (whole, keywords): (Vec<&Term>, Vec<&Term>) = c.draft.terms.iter().partition(|t| t.whole);
    Proposal {
        rank,
        topic: c.topic.clone(),
        name: c.name.clone(),
        section: c.section,
        keywords: keywords.iter().map(|t| t.text.clone()).collect(),
        whole: whole.iter().map(|t| t.text.clone()).collect(),
        exclude: c.draft.exclude.clone(),
        reply: c.reply.replace("{{", "{").replace("}}", "}"),
        support: c.draft.good.len(),
        gain: m.gain,
        changed: m.changed,
        precision: m.right as f64 / m.judged.max(1) as f64,
        judged: m.judged,
        examples: c.examples.iter().take(3).cloned().collect(),
        tests: c.tests.clone(),
        ignore_line: format!("reply {}", text::reply_key(&c.reply)),
    }
}

/// Writes the rule file for the candidates and loads it. Candidates that keep it
/// from loading are dropped; tests are the examples a fresh session answers with the
/// candidate's topic.
fn build(
    rules: &str,
    rules_name: &str,
    cands: &mut Vec<Candidate>,
    options: &Options,
) -> Result<(String, Engine), MineError> {
    let out_name = format!("{rules_name} + mined");
    let unplaceable = |e: write::Unplaceable| MineError::Unplaceable {
        file: rules_name.to_owned(),
        line: e.line,
        key: e.key,
    };
    for round in 0..3 {
        let text = write::write(rules, &nodes(cands), &tests(cands)).map_err(unplaceable)?;
        match Engine::builder().build_named(&text, Some(&out_name)) {
            Ok(engine) => {
                // Tests: the examples the engine answers with the topic, first thing
                // in a conversation; the author's tests must still pass.
                let mut again = false;
                for c in cands.iter_mut() {
                    let passing: Vec<String> = c
                        .examples
                        .iter()
                        .filter(|e| {
                            let mut s = Session::new("mine-test");
                            let r = engine.reply_at(&mut s, e, options.now);
                            seen(&r, None).topic == Some(c.topic.as_str())
                        })
                        .take(2)
                        .cloned()
                        .collect();
                    if passing != c.tests {
                        c.tests = passing;
                        again = true;
                    }
                }
                if again && round < 2 {
                    continue;
                }
                let text =
                    write::write(rules, &nodes(cands), &tests(cands)).map_err(unplaceable)?;
                let engine = Engine::builder()
                    .build_named(&text, Some(&out_name))
                    .map_err(MineError::Rules)?;
                return Ok((text, engine));
            }
            Err(_) => {
                // Keep the candidates that load on their own (a clash the checks here
                // did not foresee).
                let mut keep = Vec::new();
                for c in cands.drain(..) {
                    let one = std::slice::from_ref(&c);
                    let t = write::write(rules, &nodes(one), &[]).map_err(unplaceable)?;
                    if Engine::from_yaml_str(&t).is_ok() {
                        keep.push(c);
                    }
                }
                *cands = keep;
            }
        }
    }
    let text = write::write(rules, &nodes(cands), &tests(cands)).map_err(unplaceable)?;
    let engine = Engine::builder()
        .build_named(&text, Some(&out_name))
        .map_err(MineError::Rules)?;
    Ok((text, engine))
}

fn nodes(cands: &[Candidate]) -> Vec<write::NodeText> {
    cands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let m = &c.measured;
            let mut comments = vec![format!(
                "mined #{}: {} unanswered buyer turns with this reply from agents; replayed: +{} answered, {} taken from other topics, precision ≈ {:.0}% of {}",
                i + 1,
                c.draft.good.len(),
                m.gain,
                m.changed,
                100.0 * m.right as f64 / m.judged.max(1) as f64,
                m.judged
            )];
            let ex: Vec<String> = c
                .examples
                .iter()
                .take(3)
                .map(|e| format!("\"{}\"", text::one_line(e, 30)))
                .collect();
            if !ex.is_empty() {
                comments.push(format!("e.g. {}", ex.join(" · ")));
            }
            comments.push(format!(
                "reject: add this line to the ignore file: reply {}",
                text::reply_key(&c.reply)
            ));
            let (whole, keywords): (Vec<&Term>, Vec<&Term>) =
                c.draft.terms.iter().partition(|t| t.whole);
            write::NodeText {
                section: c.section,
                comments,
                topic: c.topic.clone(),
                name: c.name.clone(),
                keywords: keywords.iter().map(|t| t.text.clone()).collect(),
                whole: whole.iter().map(|t| t.text.clone()).collect(),
                exclude: c.draft.exclude.clone(),
                reply: vec![c.reply.clone()],
            }
        })
        .collect()
}

fn tests(cands: &[Candidate]) -> Vec<write::TestText> {
    cands
        .iter()
        .flat_map(|c| {
            c.tests.iter().map(|t| write::TestText {
                says: t.clone(),
                expect: c.topic.clone(),
            })
        })
        .collect()
}

/// Replays the log with the input and the output rules side by side, measuring each
/// candidate; returns the buyer turns the output rules answer.
#[allow(clippy::too_many_arguments)]
fn replay(
    base: &Engine,
    out: &Engine,
    log: &LogSource,
    options: &Options,
    replies: &Replies,
    cands: &mut [Candidate],
    pass: usize,
    total: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, MineError> {
    let by_topic: HashMap<&str, usize> = cands
        .iter()
        .enumerate()
        .map(|(i, c)| (c.topic.as_str(), i))
        .collect();
    let groups: Vec<u32> = cands.iter().map(|c| c.draft.group).collect();
    let mut measured: Vec<Measured> = vec![Measured::default(); cands.len()];
    let mut answered = 0usize;
    let mut reader = input::Reader::new(log, options.format, &options.speakers, options.strict)
        .map_err(|e| MineError::Io {
            file: log.name(),
            message: e.to_string(),
        })?;
    let mut tick = Ticker::new("verify", pass, total);
    let close = |open: &mut Vec<Open>, measured: &mut Vec<Measured>| {
        for o in open.drain(..) {
            let m = &mut measured[o.candidate];
            m.answered += 1;
            if o.base_answered {
                m.changed += 1;
            } else {
                m.gain += 1;
            }
            m.judged += usize::from(o.judged);
            m.right += usize::from(o.right);
            for t in o.terms {
                let k = m.terms.entry(t).or_default();
                k.answered += 1;
                k.judged += usize::from(o.judged);
                k.right += usize::from(o.right);
                k.changed += usize::from(o.base_answered);
            }
        }
    };
    let mut seen_before = HashSet::new();
    while let Some(c) = reader.next_conversation()? {
        tick.at(reader.bytes, progress);
        if !seen_before.insert(fingerprint(&c)) {
            continue;
        }
        let mut s_base = Session::new(c.id.as_str());
        let mut s_out = Session::new(c.id.as_str());
        let mut open: Vec<Open> = Vec::new();
        let mut agent_turns = 0usize;
        for turn in &c.turns {
            match turn.role {
                Role::Buyer => {
                    let text = turn.text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    if agent_turns > 0 {
                        close(&mut open, &mut measured);
                        agent_turns = 0;
                    }
                    let b = base.reply_at(&mut s_base, text, options.now);
                    let base_answered = !seen(&b, None).needs_rule;
                    let r = out.reply_at(&mut s_out, text, options.now);
                    let first = seen(&r, None);
                    if first.needs_rule {
                        continue;
                    }
                    answered += 1;
                    let Some(&i) = first.topic.and_then(|t| by_topic.get(t)) else {
                        continue;
                    };
                    let terms = seen(&r, first.topic).terms;
                    open.push(Open {
                        candidate: i,
                        base_answered,
                        terms: terms.into_iter().map(str::to_owned).collect(),
                        right: false,
                        judged: false,
                    });
                }
                Role::Agent => {
                    agent_turns += 1;
                    if agent_turns > cluster::REPLY_TURNS {
                        continue;
                    }
                    for o in &mut open {
                        o.judged = true;
                        o.right |= replies.in_group(&turn.text, groups[o.candidate]);
                    }
                }
                Role::Other => {}
            }
        }
        close(&mut open, &mut measured);
    }
    tick.done(reader.bytes, progress);
    for (c, m) in cands.iter_mut().zip(measured) {
        c.measured = m;
    }
    Ok(answered)
}

/// A conversation's fingerprint: exports repeat whole conversations, and a copy
/// would count its buyer's words twice. 8 bytes a conversation are kept per pass.
fn fingerprint(c: &Conversation) -> u64 {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same log gives the same run.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in &c.turns {
        (t.role as u8).hash(&mut h);
        t.text.hash(&mut h);
    }
    h.finish()
}

/// Calls the progress callback at most every 256 KiB read.
struct Ticker {
    stage: &'static str,
    pass: usize,
    total: u64,
    last: u64,
}

impl Ticker {
    fn new(stage: &'static str, pass: usize, total: u64) -> Ticker {
        Ticker {
            stage,
            pass,
            total,
            last: 0,
        }
    }
    fn at(&mut self, done: u64, progress: &mut dyn FnMut(Progress)) {
        if done >= self.last + (256 << 10) {
            self.last = done;
            progress(Progress {
                stage: self.stage,
                pass: self.pass,
                done,
                total: self.total,
            });
        }
    }
    fn done(&mut self, done: u64, progress: &mut dyn FnMut(Progress)) {
        progress(Progress {
            stage: self.stage,
            pass: self.pass,
            done: done.max(self.total),
            total: self.total,
        });
    }
}
