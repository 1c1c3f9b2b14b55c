//! The one error type of kefu.
//!
//! Loading a rule file can find several problems at once; an [`Error`] carries all of
//! them as [`Problem`]s, each with its file, line, column and rule path, so a rule
//! author fixes a whole file in one round. Replying never fails, so the only errors
//! come from loading rules (and reading files).

use std::fmt;

/// What went wrong, for programs that react to it. New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The rule file could not be read.
    Io,
    /// The YAML is malformed, or a value has the wrong type.
    Syntax,
    /// A key the format does not know (often a typo such as `keyword:`).
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// Two nodes share a topic id.
    DuplicateTopic,
    /// A topic id is not lower-case ASCII (`[a-z][a-z0-9_]*`).
    InvalidTopicId,
    /// A keyword is empty, or only noise (punctuation, spaces, emoji) after normalization.
    EmptyKeyword,
    /// A node, greeting or fallback has no reply variant.
    EmptyReply,
    /// A template names a variable that is defined nowhere, or is malformed.
    InvalidTemplate,
    /// A regex pattern does not compile (or exceeds the size limit).
    InvalidPattern,
    /// A time or duration cannot be parsed, or a window ends before it starts.
    InvalidTime,
    /// The shop's time zone is unknown.
    InvalidTimeZone,
    /// A `tests:` case names a topic that no node has.
    UnknownTestTopic,
    /// A `products:` entry is invalid: a duplicate id, name, alias or item id, an empty
    /// value, a malformed item id or size chart range; or a test names an unknown
    /// product.
    InvalidProduct,
    /// A configured limit (file size, keyword count, template length …) was exceeded.
    LimitExceeded,
    /// A value is out of its range or not one of the words allowed there (a segment
    /// id, a `mood:`, a `half_life:`), or repeats an id.
    InvalidValue,
    /// A reply variant's `for:` or a `tests:` case's `segment:` names a segment that
    /// `buyers.segments` does not declare.
    UnknownSegment,
    /// A reply variant's `after:` names a topic that no node has.
    UnknownTopic,
}

/// Where in a rule file a problem is: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    kind: ErrorKind,
    file: Option<String>,
    location: Option<Location>,
    rule_path: Option<String>,
    message: String,
}

impl Problem {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            file: None,
            location: None,
            rule_path: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub(crate) fn path(mut self, rule_path: impl Into<String>) -> Self {
        let p = rule_path.into();
        self.rule_path = (!p.is_empty()).then_some(p);
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The rule file's name, when the rules came from a file (or were given a name).
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }
    /// Line and column of the offending value.
    pub fn location(&self) -> Option<Location> {
        self.location
    }
    /// The rule path, such as `presale[2].children[0].keywords[3]`.
    pub fn rule_path(&self) -> Option<&str> {
        self.rule_path.as_deref()
    }
    /// The message alone, without file, location or path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Formats as `FILE:LINE:COL: message (rule path)`, the form editors and CI logs link.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_deref().unwrap_or("<rules>");
        match self.location {
            Some(loc) => write!(f, "{file}:{loc}: {}", self.message)?,
            None => write!(f, "{file}: {}", self.message)?,
        }
        if let Some(path) = &self.rule_path {
            write!(f, " ({path})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
enum Repr {
    #[error("{}", display_problems(.0))]
    Rules(Vec<Problem>),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn display_problems(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// The error of kefu: a rule file that cannot be loaded.
///
/// It prints one line per problem, `FILE:LINE:COL: message (rule path)`. The accessors
/// describe the first problem; [`Error::problems`] lists all of them.
///
/// ```
/// let err = kefu::Engine::from_yaml_str("shop: {name: x}\nkeyword: [a]\n").unwrap_err();
/// assert_eq!(err.kind(), kefu::ErrorKind::UnknownKey);
/// assert_eq!(err.location().map(|l| l.line), Some(2));
/// ```
pub struct Error(Box<Repr>);

/// The same text as `Display`: `fn main() -> Result<(), kefu::Error>` then prints
/// located lines instead of a struct dump.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error {
    pub(crate) fn rules(mut problems: Vec<Problem>, file: Option<&str>) -> Self {
        if problems.is_empty() {
            // Callers only build this from a non-empty list; stay total anyway.
            problems.push(Problem::new(ErrorKind::Syntax, "invalid rules"));
        }
        for p in &mut problems {
            if p.file.is_none() {
                p.file = file.map(str::to_owned);
            }
        }
        Error(Box::new(Repr::Rules(problems)))
    }

    pub(crate) fn io(path: &str, source: std::io::Error) -> Self {
        Error(Box::new(Repr::Io {
            path: path.to_owned(),
            source,
        }))
    }

    /// The kind of the first problem.
    pub fn kind(&self) -> ErrorKind {
        match &*self.0 {
            Repr::Rules(p) => p.first().map_or(ErrorKind::Syntax, Problem::kind),
            Repr::Io { .. } => ErrorKind::Io,
        }
    }

    /// Line and column of the first problem, when known.
    pub fn location(&self) -> Option<Location> {
        self.problems().first().and_then(Problem::location)
    }

    /// Rule path of the first problem, such as `presale[0].keywords[2]`, when known.
    pub fn rule_path(&self) -> Option<&str> {
        self.problems().first().and_then(Problem::rule_path)
    }

    /// The rule file's name, when known.
    pub fn file(&self) -> Option<&str> {
        match &*self.0 {
            Repr::Rules(p) => p.first().and_then(Problem::file),
            Repr::Io { path, .. } => Some(path),
        }
    }

    /// Every problem found, in file order. Empty for an I/O error.
    pub fn problems(&self) -> &[Problem] {
        match &*self.0 {
            Repr::Rules(p) => p,
            Repr::Io { .. } => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_display_has_file_line_col_message_path() {
        let p = Problem::new(ErrorKind::UnknownKey, "unknown key 'keyword'")
            .at(Some(Location {
                line: 12,
                column: 7,
            }))
            .path("presale[0]");
        let e = Error::rules(vec![p], Some("rules/apparel.yaml"));
        assert_eq!(
            e.to_string(),
            "rules/apparel.yaml:12:7: unknown key 'keyword' (presale[0])"
        );
        assert_eq!(e.kind(), ErrorKind::UnknownKey);
        assert_eq!(e.rule_path(), Some("presale[0]"));
    }

    #[test]
    fn several_problems_print_one_per_line() {
        let e = Error::rules(
            vec![
                Problem::new(ErrorKind::EmptyKeyword, "a"),
                Problem::new(ErrorKind::EmptyReply, "b"),
            ],
            None,
        );
        assert_eq!(e.to_string(), "<rules>: a\n<rules>: b");
        assert_eq!(e.problems().len(), 2);
    }

    #[test]
    fn io_error_names_the_path() {
        let e = Error::io("x.yaml", std::io::Error::other("nope"));
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().starts_with("x.yaml: "));
        assert!(std::error::Error::source(&e).is_some());
    }
}
