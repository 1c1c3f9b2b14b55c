//! Rule files: the YAML model, loading, and validation into the compiled rule set.
//!
//! Validation walks the whole file and collects every problem (with file, line,
//! column and rule path) before giving up, so an author fixes a file in one round.
//! Its output is checked, typed and located: templates parsed, regexes compiled,
//! times resolved in the shop's zone. It never panics on any input.

mod buyers;
mod hours;
mod lint;
mod model;
mod payment;
mod products;
mod reading;
mod replies;
mod windows;
mod yaml;

use crate::basics::clock::{parse_duration, parse_offset};
use crate::basics::error::{Error, ErrorKind, Location, Problem};
use crate::basics::ids::NodeId;
use crate::basics::limits::{Limits, MAX_CAPTURE_NAME_BYTES, MAX_TOPIC_BYTES};
use crate::basics::normalize::normalize;
use crate::basics::section::Section;
use crate::basics::text::{is_ident, key_hash};
use crate::pipeline::compose::{Fallback, Openings};
use crate::pipeline::reading::Reading;
use crate::pipeline::tree::{Node, PatternRule, Signal, Term, TermKind};
use crate::shop::buyers::Buyers;
use crate::shop::hours::AgentHours;
use crate::shop::payment::{PaymentReminders, ORDER_VARS};
use crate::shop::products::ProductTable;
use crate::template::{Scope, Template};
use jiff::tz::TimeZone;
use model::{NodeRule, RuleFile, VariantRule, S};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

/// A `tests:` case of a rule file.
#[derive(Debug, Clone)]
pub(crate) struct TestCase {
    pub(crate) after: Vec<String>,
    pub(crate) says: String,
    /// `None` expects the fallback.
    pub(crate) expect: Option<String>,
    pub(crate) handoff: Option<bool>,
    /// `segment:` of the case: `Some(None)` expects no segment (`none`).
    pub(crate) segment: Option<Option<String>>,
    pub(crate) angry: Option<bool>,
    /// The current product expected after `says`, when the case states it.
    pub(crate) product: Option<String>,
    pub(crate) location: Option<Location>,
}

/// A validated rule file.
#[derive(Debug, Clone)]
pub(crate) struct RuleSet {
    pub(crate) file: Option<String>,
    pub(crate) shop_name: String,
    /// `shop.timezone`: windows are resolved in it, quiet hours are read in it.
    pub(crate) timezone: TimeZone,
    /// `first_reply:`: the greeting, promotions and reminders.
    pub(crate) openings: Openings,
    /// `payment_reminders:` (催付), when the file has the section.
    pub(crate) payment: Option<PaymentReminders>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) fallback: Fallback,
    pub(crate) tests: Vec<TestCase>,
    /// `buyers:` (segments, anger); empty when the file has none.
    pub(crate) buyers: Buyers,
    /// The segments' and anger's signal words, compiled with the nodes' keywords.
    pub(crate) signals: Vec<Signal>,
    /// `shop.agent_hours`; `None`: agents are always on duty.
    pub(crate) agent_hours: Option<AgentHours>,
    /// `reading:`: confidence, negators, protected words, follow-ups, slots.
    pub(crate) reading: Reading,
    pub(crate) products: ProductTable,
    /// `lint.claims_action` of the file: phrases added to the lint's defaults, and
    /// allowed texts.
    pub(crate) claims: Claims,
}

/// `lint.claims_action`, as written (checked non-empty).
#[derive(Debug, Clone, Default)]
pub(crate) struct Claims {
    pub(crate) phrases: Vec<String>,
    pub(crate) allow: Vec<String>,
}

const DEFAULT_TZ_OFFSET_SECS: i32 = 8 * 3600;
const DEFAULT_SILENCE_SECS: i64 = 30 * 60;
const DEFAULT_HANDOFF_AFTER: u32 = 2;

fn loc<T>(s: &Spanned<T>) -> Option<Location> {
    yaml::location(&s.referenced)
}

/// Loads and validates rule text. `file` names the source in error messages.
pub(crate) fn load(text: &str, file: Option<&str>, limits: &Limits) -> Result<RuleSet, Error> {
    if text.len() > limits.max_file_bytes {
        let p = Problem::new(
            ErrorKind::LimitExceeded,
            format!(
                "rule file is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_file_bytes
            ),
        );
        return Err(Error::rules(vec![p], file));
    }
    let parsed = yaml::parse(text, limits).map_err(|p| Error::rules(vec![p], file))?;
    let mut v = Validator {
        problems: Vec::new(),
        limits: *limits,
        keywords: 0,
        patterns: 0,
        broken_captures: Vec::new(),
        products: products::Products::default(),
        topics: HashMap::new(),
    };
    let set = v.rule_set(parsed, file);
    if v.problems.is_empty() {
        Ok(set)
    } else {
        v.problems
            .sort_by_key(|p| p.location().map(|l| (l.line, l.column)));
        Err(Error::rules(v.problems, file))
    }
}

struct Validator {
    problems: Vec<Problem>,
    limits: Limits,
    keywords: usize,
    patterns: usize,
    /// Capture group names of the patterns that failed to compile.
    broken_captures: Vec<String>,
    products: products::Products,
    /// Topic ids → nodes, for `after:` of reply variants (filled once the nodes are).
    topics: HashMap<String, NodeId>,
}

/// A node's reply sources, kept until every capture name is known.
struct PendingReply {
    node: NodeId,
    sources: Vec<Spanned<VariantRule>>,
}

impl Validator {
    fn problem(
        &mut self,
        kind: ErrorKind,
        msg: impl Into<String>,
        at: Option<Location>,
        path: &str,
    ) {
        self.problems
            .push(Problem::new(kind, msg).at(at).path(path.to_owned()));
    }

    /// `value`, or a located "missing key" problem (at `at`, the map lacking it).
    fn required<'a>(
        &mut self,
        value: Option<&'a S>,
        key: &str,
        at: Option<Location>,
        path: &str,
    ) -> Option<&'a S> {
        if value.is_none() {
            self.problem(
                ErrorKind::MissingKey,
                format!("missing key '{key}'"),
                at,
                path,
            );
        }
        value
    }

    fn rule_set(&mut self, f: RuleFile, file: Option<&str>) -> RuleSet {
        let has_shop = f.shop.is_some();
        let (shop_loc, shop) = match f.shop {
            Some(s) => (loc(&s), s.value),
            None => {
                self.problem(
                    ErrorKind::MissingKey,
                    "missing key 'shop' (the shop's name, time zone and variables)",
                    None,
                    "",
                );
                (None, model::Shop::default())
            }
        };
        let shop_name = match &shop.name {
            Some(n) if !n.value.trim().is_empty() => n.value.clone(),
            Some(n) => {
                self.problem(
                    ErrorKind::MissingKey,
                    "shop name is empty",
                    loc(n),
                    "shop.name",
                );
                String::new()
            }
            None if !has_shop => String::new(),
            None => {
                self.problem(
                    ErrorKind::MissingKey,
                    "missing key 'name' (the shop's name, used as {shop})",
                    shop_loc,
                    "shop",
                );
                String::new()
            }
        };
        let tz = self.timezone(shop.timezone.as_ref());
        let agent_hours = self.agent_hours(shop.agent_hours, &tz);
        let has_handoff_reply = f
            .fallback
            .as_ref()
            .is_some_and(|fb| !fb.value.handoff_reply.is_empty());
        let (buyers, signals) = self.buyers(f.buyers, has_handoff_reply);
        let reading = self.reading(f.reading);

        let mut constants = BTreeMap::new();
        constants.insert("shop".to_owned(), shop_name.clone());
        if let Some(a) = &shop.agent {
            constants.insert("agent".to_owned(), a.value.clone());
        }
        let order_vars: &[&str] = if f.payment_reminders.is_some() {
            &ORDER_VARS
        } else {
            &[]
        };
        let mut vars: Vec<_> = shop.vars.iter().collect();
        vars.sort_by(|a, b| a.0.value.cmp(&b.0.value));
        for (key, v) in vars {
            let k = &key.value;
            if order_vars.contains(&k.as_str()) {
                self.problem(
                    ErrorKind::InvalidTemplate,
                    format!("variable name '{k}' is taken by payment_reminders (the order's {{{k}}}); rename it"),
                    loc(key),
                    &format!("shop.vars.{k}"),
                );
            } else if !is_ident(k) || k == "shop" || k == "agent" {
                self.problem(
                    ErrorKind::InvalidTemplate,
                    format!("variable name '{k}' must be [a-z_][a-z0-9_]* and not shop or agent"),
                    loc(key),
                    &format!("shop.vars.{k}"),
                );
            }
            constants.insert(k.clone(), v.value.clone());
        }

        // Nodes first: templates may name any pattern's capture group.
        let mut nodes = Vec::new();
        let mut pending = Vec::new();
        for (section, list) in [
            (Section::Presale, f.presale),
            (Section::Insale, f.insale),
            (Section::Aftersale, f.aftersale),
        ] {
            for (i, n) in list.into_iter().enumerate() {
                let path = format!("{}[{i}]", section.key());
                self.node(n, section, None, path, &mut nodes, &mut pending);
            }
        }
        self.duplicate_topics(&nodes);
        let mut captures: Vec<String> = nodes
            .iter()
            .flat_map(|n| n.patterns.iter())
            .flat_map(|p| p.regex.capture_names().flatten().map(str::to_owned))
            .collect();
        captures.sort();
        captures.dedup();
        for c in &captures {
            if !constants.contains_key(c) {
                continue;
            }
            // Point at the first pattern with that group.
            let owner = nodes.iter().find_map(|n| {
                let i = n
                    .patterns
                    .iter()
                    .position(|p| p.regex.capture_names().flatten().any(|name| name == c))?;
                Some((n, i))
            });
            let (at, path) = owner.map_or((None, String::new()), |(n, i)| {
                (n.patterns[i].location, format!("{}.patterns[{i}]", n.path))
            });
            self.problem(
                ErrorKind::InvalidPattern,
                format!("capture group '{c}' has the name of a shop variable; rename one"),
                at,
                &path,
            );
        }
        // Names of patterns that did not compile (already a problem each), and the
        // slots, whose values a message captures under their names.
        captures.append(&mut self.broken_captures);
        captures.extend(reading.slots.iter().cloned());
        captures.sort();
        captures.dedup();
        self.products(f.products, &captures);
        let scope = Scope {
            constants: &constants,
            captures: &captures,
        };
        self.topics = (0..nodes.len())
            .filter_map(NodeId::new)
            .zip(&nodes)
            .map(|(id, n)| (n.topic.clone(), id))
            .collect();
        for p in pending {
            let path = nodes
                .get(p.node.index())
                .map(|n| n.path.clone())
                .unwrap_or_default();
            let reply = self.variants(&p.sources, &scope, &format!("{path}.reply"), &buyers);
            if let Some(n) = nodes.get_mut(p.node.index()) {
                n.reply = reply;
            }
        }

        let openings = match f.first_reply {
            Some(fr) => {
                let fr_loc = loc(&fr);
                let fr = fr.value;
                if fr.greeting.is_empty() {
                    self.problem(
                        ErrorKind::EmptyReply,
                        "first_reply needs at least one greeting",
                        fr_loc,
                        "first_reply",
                    );
                }
                let g = self.templates(&fr.greeting, &scope, "first_reply.greeting");
                let silence = fr
                    .after_silence
                    .as_ref()
                    .and_then(|s| self.duration(s, "first_reply.after_silence"))
                    .unwrap_or(DEFAULT_SILENCE_SECS);
                let calm = self.variants(
                    &fr.calm_greeting,
                    &scope,
                    "first_reply.calm_greeting",
                    &buyers,
                );
                Openings {
                    greeting: g,
                    calm_greeting: calm,
                    one_line: fr.one_line,
                    after_silence_secs: silence,
                    promotions: self.windows(fr.promotions, &tz, &scope, "first_reply.promotions"),
                    reminders: self.windows(fr.reminders, &tz, &scope, "first_reply.reminders"),
                }
            }
            None => {
                self.problem(
                    ErrorKind::MissingKey,
                    "missing key 'first_reply' (the greeting that opens a conversation)",
                    None,
                    "",
                );
                Openings {
                    after_silence_secs: DEFAULT_SILENCE_SECS,
                    ..Openings::default()
                }
            }
        };

        let fallback = match f.fallback {
            Some(fb) => {
                let fb_loc = loc(&fb);
                let fb = fb.value;
                if fb.reply.is_empty() {
                    self.problem(
                        ErrorKind::EmptyReply,
                        "fallback needs at least one reply",
                        fb_loc,
                        "fallback",
                    );
                }
                // A default never hands over with no words for it (issue 16.4).
                let handoff_after = fb.handoff_after.unwrap_or(if fb.handoff_reply.is_empty() {
                    0
                } else {
                    DEFAULT_HANDOFF_AFTER
                });
                if handoff_after > 0 && fb.handoff_reply.is_empty() {
                    self.problem(
                        ErrorKind::EmptyReply,
                        format!("fallback needs a handoff_reply when handoff_after is above 0 (it is {handoff_after}): add what the buyer reads when a human takes over, or write handoff_after: 0"),
                        fb_loc,
                        "fallback",
                    );
                }
                self.handoff_replies_needed(&fb, fb_loc, &buyers, agent_hours.is_some());
                let mut off_caps = captures.clone();
                off_caps.push("next_open".to_owned());
                let off_scope = Scope {
                    constants: &constants,
                    captures: &off_caps,
                };
                Fallback {
                    reply: self.variants(&fb.reply, &scope, "fallback.reply", &buyers),
                    handoff_after,
                    handoff_reply: self.variants(
                        &fb.handoff_reply,
                        &scope,
                        "fallback.handoff_reply",
                        &buyers,
                    ),
                    off_hours_reply: self.variants(
                        &fb.off_hours_reply,
                        &off_scope,
                        "fallback.off_hours_reply",
                        &buyers,
                    ),
                }
            }
            None => {
                self.problem(
                    ErrorKind::MissingKey,
                    "missing key 'fallback' (the reply when nothing matches)",
                    None,
                    "",
                );
                Fallback::default()
            }
        };

        let payment = f
            .payment_reminders
            .map(|p| self.payment_reminders(p, &constants));
        let tests = self.tests(f.tests, &nodes, &buyers);
        let products = std::mem::take(&mut self.products.table);
        let claims = self.claims(f.lint);
        RuleSet {
            file: file.map(str::to_owned),
            shop_name,
            timezone: tz,
            openings,
            payment,
            nodes,
            fallback,
            tests,
            buyers,
            signals,
            agent_hours,
            products,
            reading,
            claims,
        }
    }

    fn timezone(&mut self, tz: Option<&S>) -> TimeZone {
        let fixed = || {
            jiff::tz::Offset::from_seconds(DEFAULT_TZ_OFFSET_SECS)
                .map(TimeZone::fixed)
                .unwrap_or(TimeZone::UTC)
        };
        let Some(s) = tz else { return fixed() };
        if let Some(off) = parse_offset(&s.value) {
            return off;
        }
        match TimeZone::get(&s.value) {
            Ok(z) => z,
            Err(_) => {
                self.problem(
                    ErrorKind::InvalidTimeZone,
                    format!("unknown time zone '{}'; write an offset like +08:00 or a name like Asia/Shanghai", s.value),
                    loc(s),
                    "shop.timezone",
                );
                fixed()
            }
        }
    }

    fn node(
        &mut self,
        n: Spanned<NodeRule>,
        section: Section,
        parent: Option<NodeId>,
        path: String,
        nodes: &mut Vec<Node>,
        pending: &mut Vec<PendingReply>,
    ) {
        let at = loc(&n);
        let r = n.value;
        let topic = match &r.topic {
            Some(t) => {
                if !is_ident(&t.value) || t.value == "fallback" || t.value.len() > MAX_TOPIC_BYTES {
                    self.problem(
                        ErrorKind::InvalidTopicId,
                        format!(
                            "invalid topic id '{}'; use lower-case ASCII like size_fit, at most {} chars (and not 'fallback')",
                            t.value, MAX_TOPIC_BYTES
                        ),
                        loc(t),
                        &format!("{path}.topic"),
                    );
                }
                t.value.clone()
            }
            None => {
                self.problem(ErrorKind::MissingKey, "missing key 'topic'", at, &path);
                String::new()
            }
        };
        if r.reply.is_empty() {
            self.problem(
                ErrorKind::EmptyReply,
                format!("node '{topic}' has no reply; add at least one under reply:"),
                at,
                &path,
            );
        }
        let mut terms = Vec::new();
        for (key, list, kind) in [
            ("keywords", &r.keywords, TermKind::Contains),
            ("whole", &r.whole, TermKind::Whole),
            ("exclude", &r.exclude, TermKind::Exclude),
            ("followups", &r.followups, TermKind::Followup),
        ] {
            for (i, k) in list.iter().enumerate() {
                if let Some(t) = self.term(k, kind, || format!("{path}.{key}[{i}]")) {
                    terms.push(t);
                }
            }
        }
        let mut patterns = Vec::new();
        for (i, p) in r.patterns.iter().enumerate() {
            self.patterns += 1;
            let ppath = format!("{path}.patterns[{i}]");
            if self.patterns > self.limits.max_patterns {
                self.problem(
                    ErrorKind::LimitExceeded,
                    format!("more than {} patterns", self.limits.max_patterns),
                    loc(p),
                    &ppath,
                );
                self.broken_captures.extend(group_names(&p.value));
                continue;
            }
            match regex::RegexBuilder::new(&p.value)
                .size_limit(self.limits.regex_size_limit)
                .build()
            {
                Ok(regex) => {
                    let long = regex
                        .capture_names()
                        .flatten()
                        .find(|c| c.len() > MAX_CAPTURE_NAME_BYTES);
                    if let Some(c) = long {
                        self.problem(
                            ErrorKind::InvalidPattern,
                            format!("capture group name '{c}' is longer than {MAX_CAPTURE_NAME_BYTES} bytes; use a shorter name"),
                            loc(p),
                            &ppath,
                        );
                    }
                    patterns.push(PatternRule {
                        regex,
                        location: loc(p),
                    });
                }
                Err(e) => {
                    // Its groups are still names templates may use: one problem, not
                    // one more per reply that names them.
                    self.broken_captures.extend(group_names(&p.value));
                    let msg = e.to_string().replace('\n', " ");
                    self.problem(
                        ErrorKind::InvalidPattern,
                        format!(
                            "invalid regex: {}",
                            msg.split_whitespace().collect::<Vec<_>>().join(" ")
                        ),
                        loc(p),
                        &ppath,
                    );
                }
            }
        }
        if r.keywords.is_empty()
            && r.whole.is_empty()
            && r.patterns.is_empty()
            && r.followups.is_empty()
        {
            self.problem(
                ErrorKind::EmptyKeyword,
                format!("node '{topic}' has no keywords, whole keywords, patterns or follow-ups, so it can never be chosen"),
                at,
                &path,
            );
        }
        let Some(id) = NodeId::new(nodes.len()) else {
            self.problem(
                ErrorKind::LimitExceeded,
                "more nodes than kefu can number (2^32)",
                at,
                &path,
            );
            return;
        };
        nodes.push(Node {
            name: r
                .name
                .as_ref()
                .map_or_else(|| topic.clone(), |n| n.value.clone()),
            key: key_hash(&topic),
            topic,
            section,
            parent,
            priority: r.priority,
            handoff: r.handoff,
            terms,
            patterns,
            reply: Vec::new(),
            location: at,
            negation: r.negation.as_ref().is_none_or(|n| n.value),
            opening: self.opening(r.opening.as_ref(), section, &path),
            questions_only: self.answers(r.answers.as_ref(), &path),
            path: path.clone(),
        });
        pending.push(PendingReply {
            node: id,
            sources: r.reply,
        });
        for (i, c) in r.children.into_iter().enumerate() {
            self.node(
                c,
                section,
                Some(id),
                format!("{path}.children[{i}]"),
                nodes,
                pending,
            );
        }
    }

    /// `path` is built only when there is a problem to report: most keywords have none.
    fn term(&mut self, k: &S, kind: TermKind, path: impl Fn() -> String) -> Option<Term> {
        self.keywords += 1;
        if self.keywords > self.limits.max_keywords {
            if self.keywords == self.limits.max_keywords + 1 {
                self.problem(
                    ErrorKind::LimitExceeded,
                    format!("more than {} keywords", self.limits.max_keywords),
                    loc(k),
                    &path(),
                );
            }
            return None;
        }
        let text = normalize(&k.value);
        if text.is_empty() {
            self.problem(
                ErrorKind::EmptyKeyword,
                format!(
                    "keyword '{}' is empty after normalization (spaces, punctuation and emoji are ignored)",
                    k.value
                ),
                loc(k),
                &path(),
            );
            return None;
        }
        if text.chars().count() > self.limits.max_keyword_chars {
            self.problem(
                ErrorKind::LimitExceeded,
                format!(
                    "keyword longer than {} characters",
                    self.limits.max_keyword_chars
                ),
                loc(k),
                &path(),
            );
            return None;
        }
        Some(Term {
            text,
            source: k.value.clone(),
            kind,
            location: loc(k),
        })
    }

    fn duplicate_topics(&mut self, nodes: &[Node]) {
        let mut seen: HashMap<&str, &Node> = HashMap::new();
        for n in nodes {
            if n.topic.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(n.topic.as_str()) {
                let first_at = first
                    .location
                    .map_or(String::new(), |l| format!(" at line {}", l.line));
                self.problems.push(
                    Problem::new(
                        ErrorKind::DuplicateTopic,
                        format!(
                            "duplicate topic id '{}', first used by {}{first_at}",
                            n.topic, first.path
                        ),
                    )
                    .at(n.location)
                    .path(n.path.clone()),
                );
            } else {
                seen.insert(&n.topic, n);
            }
        }
    }

    fn templates(&mut self, sources: &[S], scope: &Scope<'_>, path: &str) -> Vec<Template> {
        let mut out = Vec::with_capacity(sources.len());
        for (i, s) in sources.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if let Some(t) = self.template(s, scope, &p) {
                out.push(t);
            }
        }
        self.check_product_variants(&out, sources.first().and_then(loc), path);
        out
    }

    fn template(&mut self, s: &S, scope: &Scope<'_>, path: &str) -> Option<Template> {
        self.template_at(&s.value, loc(s), scope, path)
    }

    fn template_at(
        &mut self,
        text: &str,
        at: Option<Location>,
        scope: &Scope<'_>,
        path: &str,
    ) -> Option<Template> {
        if text.chars().count() > self.limits.max_template_chars {
            self.problem(
                ErrorKind::LimitExceeded,
                format!(
                    "template longer than {} characters",
                    self.limits.max_template_chars
                ),
                at,
                path,
            );
            return None;
        }
        if text.trim().is_empty() {
            self.problem(ErrorKind::EmptyReply, "reply text is empty", at, path);
            return None;
        }
        match Template::parse(text, scope) {
            Ok(t) => {
                self.check_product_attrs(&t, at, path);
                Some(t)
            }
            Err(msg) => {
                self.problem(ErrorKind::InvalidTemplate, msg, at, path);
                None
            }
        }
    }

    /// A duration (`90s`, `30m`, `2h`, `1d`) in seconds, or a located problem.
    fn duration(&mut self, s: &S, path: &str) -> Option<i64> {
        let d = parse_duration(&s.value);
        if d.is_none() {
            self.problem(
                ErrorKind::InvalidTime,
                format!(
                    "invalid duration '{}'; write e.g. 90s, 30m, 2h, 1d",
                    s.value
                ),
                loc(s),
                path,
            );
        }
        d
    }

    fn tests(
        &mut self,
        list: Vec<Spanned<model::TestRule>>,
        nodes: &[Node],
        buyers: &Buyers,
    ) -> Vec<TestCase> {
        let mut out = Vec::new();
        for (i, t) in list.into_iter().enumerate() {
            let at = loc(&t);
            let path = format!("tests[{i}]");
            let t = t.value;
            let Some(says) = t.says else {
                self.problem(ErrorKind::MissingKey, "missing key 'says'", at, &path);
                continue;
            };
            let expect = match t.expect {
                None => {
                    self.problem(
                        ErrorKind::MissingKey,
                        "missing key 'expect' (a topic id, or fallback)",
                        at,
                        &path,
                    );
                    continue;
                }
                Some(e) if e.value == "fallback" => None,
                Some(e) => {
                    if !nodes.iter().any(|n| n.topic == e.value) {
                        self.problem(
                            ErrorKind::UnknownTestTopic,
                            format!("test expects unknown topic '{}'", e.value),
                            loc(&e),
                            &format!("{path}.expect"),
                        );
                    }
                    Some(e.value)
                }
            };
            let segment = t
                .segment
                .map(|s| self.test_segment(s, buyers, &format!("{path}.segment")));
            out.push(TestCase {
                after: t.after.into_iter().map(|a| a.value).collect(),
                says: says.value,
                expect,
                handoff: t.handoff,
                segment,
                angry: t.angry,
                product: self.test_product(t.product, &path),
                location: at,
            });
        }
        out
    }
}

/// The capture group names a pattern declares (`(?P<name>` or `(?<name>`), read
/// leniently: for a pattern that does not compile, so that templates still know them.
fn group_names(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find("(?") {
        let escaped = rest[..i].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1;
        let after = &rest[i + 2..];
        rest = after;
        if escaped {
            continue;
        }
        let Some(open) = after.strip_prefix("P<").or_else(|| after.strip_prefix('<')) else {
            continue;
        };
        let name = open.split('>').next().unwrap_or("");
        let valid = !name.is_empty()
            && open.len() > name.len()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
        if valid {
            out.push(name.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests;
