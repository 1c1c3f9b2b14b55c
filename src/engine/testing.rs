//! A rule file's own `tests:` cases, run through the public path ([`Engine::reply_at`]
//! in a fresh session each): [`TestReport`] and [`TestOutcome`].

use super::Engine;
use crate::basics::error::Location;
use crate::Session;
use std::fmt;
use std::time::SystemTime;

/// The result of [`Engine::run_tests`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestReport {
    /// The rule file, if known.
    pub file: Option<String>,
    /// One outcome per case, in file order.
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    /// Cases that failed.
    pub fn failures(&self) -> impl Iterator<Item = &TestOutcome> {
        self.outcomes.iter().filter(|o| !o.passed)
    }
    /// Whether every case passed.
    pub fn all_passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// One `tests:` case and what the engine did with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestOutcome {
    /// The message tested.
    pub says: String,
    /// Messages sent before it in the same session.
    pub after: Vec<String>,
    /// Expected topic; `None` expects the fallback.
    pub expect: Option<String>,
    /// Topic the engine chose; `None`: the fallback.
    pub got: Option<String>,
    /// The other facts the case states (`handoff`, `segment`, `angry`, `product`) that
    /// the reply did not meet.
    pub mismatches: Vec<Mismatch>,
    /// Topic as expected, and no mismatch.
    pub passed: bool,
    /// Where the case is in the file.
    pub location: Option<Location>,
    /// The hits, as `keyword@start..end→topic`.
    pub hits: Vec<String>,
}

/// A fact a `tests:` case states that the reply did not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mismatch {
    /// The case's key: `handoff`, `segment`, `angry` or `product`.
    pub what: &'static str,
    /// What the case states (`none` for no segment or product).
    pub expected: String,
    /// What the reply did.
    pub got: String,
}

impl fmt::Display for TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "fallback".into());
        let line = self.location.map_or(0, |l| l.line);
        write!(
            f,
            "line {line}: {:?}: expected {}, got {}",
            self.says,
            show(&self.expect),
            show(&self.got)
        )?;
        for m in &self.mismatches {
            write!(f, " ({} expected {}, got {})", m.what, m.expected, m.got)?;
        }
        if !self.hits.is_empty() {
            write!(f, "; hits: {}", self.hits.join(", "))?;
        }
        Ok(())
    }
}

impl Engine {
    /// Runs the rule file's `tests:` cases, each in a fresh session, at the current time.
    pub fn run_tests(&self) -> TestReport {
        self.run_tests_at(SystemTime::now())
    }

    /// Runs the rule file's `tests:` cases as if at `now`: reproducible whatever the
    /// promotions and reminders of the file.
    pub fn run_tests_at(&self, now: SystemTime) -> TestReport {
        let rules = &self.0.rules;
        let outcomes = rules
            .tests
            .iter()
            .enumerate()
            .map(|(i, case)| {
                let mut session = Session::new(format!("test-{i}"));
                for m in &case.after {
                    self.reply_at(&mut session, m, now);
                }
                let r = self.reply_at(&mut session, &case.says, now);
                let got = r.topic().map(str::to_owned);
                let none = || "none".to_owned();
                let mut mismatches = Vec::new();
                let mut check = |what, expected: Option<String>, got: String| {
                    if let Some(expected) = expected.filter(|e| *e != got) {
                        mismatches.push(Mismatch {
                            what,
                            expected,
                            got,
                        });
                    }
                };
                check(
                    "handoff",
                    case.handoff.map(|h| h.to_string()),
                    r.handoff().to_string(),
                );
                check(
                    "segment",
                    case.segment.clone().map(|s| s.unwrap_or_else(none)),
                    r.segment().map_or_else(none, str::to_owned),
                );
                check(
                    "angry",
                    case.angry.map(|a| a.to_string()),
                    r.angry().to_string(),
                );
                check(
                    "product",
                    case.product.clone(),
                    r.product().map_or_else(none, |p| p.id().to_owned()),
                );
                TestOutcome {
                    says: case.says.clone(),
                    after: case.after.clone(),
                    passed: got == case.expect && mismatches.is_empty(),
                    expect: case.expect.clone(),
                    got,
                    mismatches,
                    location: case.location,
                    hits: r
                        .hits()
                        .iter()
                        .map(|h| {
                            format!("{}@{}..{}→{}", h.keyword, h.span.start, h.span.end, h.topic)
                        })
                        .collect(),
                }
            })
            .collect();
        TestReport {
            file: rules.file.clone(),
            outcomes,
        }
    }
}
