//! Reading chat logs: conversations with roles, as JSON Lines or plain text, streamed
//! a line at a time.
//!
//! Never panics on input and never holds more than one conversation: a bad line is
//! either an [`InputError`] naming its line (strict) or skipped and counted
//! ([`Skipped`]), and lines, turns and conversations have caps.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

/// A line longer than this is skipped (a JSON line is a whole conversation).
pub(crate) const MAX_LINE_BYTES: usize = 4 << 20;
/// Turns kept of one conversation; the rest are counted as skipped.
pub(crate) const MAX_TURNS: usize = 10_000;
/// Bytes kept of one turn's text (the engine matches the first 4,096 bytes).
pub(crate) const MAX_TURN_BYTES: usize = 4096;

/// How a log is written; see `docs/MINING.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// JSON Lines when the first non-blank line starts with `{`, else plain text.
    #[default]
    Auto,
    /// One conversation per line: `{"id": …, "turns": [{"role": …, "text": …}, …]}`.
    JsonLines,
    /// `买家:` / `客服:` prefixed lines, a blank line between conversations.
    Text,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Format::Auto),
            "jsonl" | "json" => Ok(Format::JsonLines),
            "text" | "txt" => Ok(Format::Text),
            _ => Err(format!(
                "unknown log format '{s}'; known: auto, jsonl, text"
            )),
        }
    }
}

/// Who sent a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The buyer: these turns are replayed through the engine.
    Buyer,
    /// The shop's agent: these turns are the answers mined.
    Agent,
    /// Anyone else (a courier, a merchant): kept out of pairing.
    Other,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Who sent it.
    pub role: Role,
    /// What was sent (cut to 4,096 bytes).
    pub text: String,
}

/// One conversation of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// The `id` of a JSON line, else `line N`.
    pub id: String,
    /// The line it starts on (1-based).
    pub line: usize,
    /// Its turns, in the order they were sent.
    pub turns: Vec<Turn>,
}

/// Which roles (JSON Lines) and line prefixes (plain text) are the buyer's and the
/// agent's. Matching is exact after trimming, ASCII case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speakers {
    /// Buyer names: `buyer`, `customer`, `user`, `买家`, `用户`, `顾客` by default.
    pub buyer: Vec<String>,
    /// Agent names: `agent`, `seller`, `客服`, `卖家` by default.
    pub agent: Vec<String>,
}

impl Default for Speakers {
    fn default() -> Self {
        let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Speakers {
            buyer: own(&["buyer", "customer", "user", "买家", "用户", "顾客"]),
            agent: own(&["agent", "seller", "客服", "卖家"]),
        }
    }
}

impl Speakers {
    fn role(&self, name: &str) -> Option<Role> {
        let name = name.trim();
        let is = |list: &[String]| list.iter().any(|n| n.trim().eq_ignore_ascii_case(name));
        if is(&self.buyer) {
            Some(Role::Buyer)
        } else if is(&self.agent) {
            Some(Role::Agent)
        } else {
            None
        }
    }
    fn known(&self) -> String {
        self.buyer
            .iter()
            .chain(&self.agent)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A bad line: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The log's name.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, and what to do.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for InputError {}

/// Lines skipped by a lenient read: how many, and the first few with their reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Lines (or turns past a cap) skipped in all.
    pub count: usize,
    /// The first [`Skipped::KEPT`] of them.
    pub first: Vec<InputError>,
}

impl Skipped {
    /// How many skipped lines are kept with their reason.
    pub const KEPT: usize = 20;
    fn add(&mut self, e: InputError) {
        self.count += 1;
        if self.first.len() < Self::KEPT {
            self.first.push(e);
        }
    }
}

/// Where a log comes from: a file (read again for each pass, so memory does not grow
/// with the log) or text in memory.
#[derive(Debug, Clone)]
pub enum LogSource {
    /// A file.
    Path(PathBuf),
    /// Text in memory, with a name for messages.
    Text {
        /// Named in errors (`chat.jsonl:3: …`).
        name: String,
        /// The log.
        text: Arc<str>,
    },
}

impl LogSource {
    /// A log file.
    pub fn path(path: impl Into<PathBuf>) -> LogSource {
        LogSource::Path(path.into())
    }
    /// A log in memory.
    pub fn text(name: impl Into<String>, text: impl Into<Arc<str>>) -> LogSource {
        LogSource::Text {
            name: name.into(),
            text: text.into(),
        }
    }
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            LogSource::Path(p) => p.display().to_string(),
            LogSource::Text { name, .. } => name.clone(),
        }
    }
    /// Its size in bytes, for progress.
    pub(crate) fn len(&self) -> u64 {
        match self {
            LogSource::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            LogSource::Text { text, .. } => text.len() as u64,
        }
    }
    pub(crate) fn open(&self) -> io::Result<Box<dyn BufRead + '_>> {
        Ok(match self {
            LogSource::Path(p) => Box::new(BufReader::with_capacity(1 << 16, File::open(p)?)),
            LogSource::Text { text, .. } => Box::new(text.as_bytes()),
        })
    }
}

/// Reads one line of at most `cap` bytes into `buf` (without its `\n` or `\r\n`);
/// the rest of a longer line is consumed and dropped. `None` at the end of input;
/// `Some(true)` when the line was cut.
fn read_line_capped(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut cut = false;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        cut |= take > room;
        r.consume(if done { take + 1 } else { take });
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(cut))
}

fn cut_text(mut s: String) -> String {
    if s.len() > MAX_TURN_BYTES {
        let mut bytes = 0;
        let end = super::text::prefix_fitting(&s, |g| {
            bytes += g.len();
            bytes <= MAX_TURN_BYTES
        })
        .len();
        s.truncate(end);
    }
    s
}

#[derive(serde::Deserialize)]
struct RawConversation {
    #[serde(default)]
    id: Option<serde_json::Value>,
    turns: Vec<RawTurn>,
}

#[derive(serde::Deserialize)]
struct RawTurn {
    role: String,
    text: String,
}

/// Streams the conversations of a log. Strict: the first bad line ends the read
/// with an [`InputError`]; lenient: bad lines are skipped and counted in `skipped`.
pub(crate) struct Reader<'a> {
    input: Box<dyn BufRead + 'a>,
    name: String,
    format: Format,
    speakers: &'a Speakers,
    strict: bool,
    line: usize,
    buf: Vec<u8>,
    /// Bytes consumed, for progress.
    pub(crate) bytes: u64,
    pub(crate) skipped: Skipped,
    /// A text conversation being gathered: its first line and turns.
    pending: Option<Conversation>,
    done: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(
        source: &'a LogSource,
        format: Format,
        speakers: &'a Speakers,
        strict: bool,
    ) -> io::Result<Reader<'a>> {
        let mut input = source.open()?;
        let format = match format {
            Format::Auto => detect(&mut input)?,
            f => f,
        };
        Ok(Reader {
            input,
            name: source.name(),
            format,
            speakers,
            strict,
            line: 0,
            buf: Vec::new(),
            bytes: 0,
            skipped: Skipped::default(),
            pending: None,
            done: false,
        })
    }

    /// The format read (after detection).
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    fn bad(&mut self, message: String) -> Result<(), InputError> {
        let e = InputError {
            file: self.name.clone(),
            line: self.line,
            message,
        };
        if self.strict {
            return Err(e);
        }
        self.skipped.add(e);
        Ok(())
    }

    /// The next conversation, `Ok(None)` at the end of the log.
    pub(crate) fn next_conversation(&mut self) -> Result<Option<Conversation>, InputError> {
        while !self.done {
            let mut buf = std::mem::take(&mut self.buf);
            let read = read_line_capped(&mut *self.input, &mut buf, MAX_LINE_BYTES);
            let got = match read {
                Ok(g) => g,
                Err(e) => {
                    self.line += 1;
                    self.buf = buf;
                    self.done = true;
                    // An unreadable file cannot be skipped past.
                    return Err(InputError {
                        file: self.name.clone(),
                        line: self.line,
                        message: format!("cannot read: {e}"),
                    });
                }
            };
            let Some(cut) = got else {
                self.buf = buf;
                self.done = true;
                break;
            };
            self.line += 1;
            self.bytes += buf.len() as u64 + 1;
            let result = self.line_of(&buf, cut);
            self.buf = buf;
            if let Some(c) = result? {
                return Ok(Some(c));
            }
        }
        Ok(self.pending.take().filter(|c| !c.turns.is_empty()))
    }

    /// Handles one line; returns a finished conversation, if any.
    fn line_of(&mut self, raw: &[u8], cut: bool) -> Result<Option<Conversation>, InputError> {
        let raw = if self.line == 1 {
            raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw)
        } else {
            raw
        };
        if cut {
            self.bad(format!(
                "line longer than {} MiB; skipped",
                MAX_LINE_BYTES >> 20
            ))?;
            return Ok(None);
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            self.bad("not valid UTF-8; save the log as UTF-8".to_owned())?;
            return Ok(None);
        };
        match self.format {
            Format::JsonLines | Format::Auto => self.json_line(text),
            Format::Text => self.text_line(text),
        }
    }

    fn json_line(&mut self, text: &str) -> Result<Option<Conversation>, InputError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let raw: RawConversation = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let hint = if e.is_data() {
                    "; write {\"id\": …, \"turns\": [{\"role\": \"buyer\", \"text\": \"…\"}, …]}"
                } else {
                    ""
                };
                self.bad(format!("not a conversation: {e}{hint}"))?;
                return Ok(None);
            }
        };
        let id = match raw.id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => format!("line {}", self.line),
            Some(v) => v.to_string(),
        };
        let mut turns = Vec::with_capacity(raw.turns.len().min(MAX_TURNS));
        let mut dropped = 0usize;
        for t in raw.turns {
            if turns.len() == MAX_TURNS {
                dropped += 1;
                continue;
            }
            let role = self.speakers.role(&t.role).unwrap_or(Role::Other);
            turns.push(Turn {
                role,
                text: cut_text(t.text),
            });
        }
        if dropped > 0 {
            self.bad(format!(
                "conversation of more than {MAX_TURNS} turns; the last {dropped} skipped"
            ))?;
        }
        Ok(Some(Conversation {
            id,
            line: self.line,
            turns,
        }))
    }

    fn text_line(&mut self, text: &str) -> Result<Option<Conversation>, InputError> {
        if text.trim().is_empty() {
            return Ok(self.pending.take().filter(|c| !c.turns.is_empty()));
        }
        let split = text
            .char_indices()
            .find(|&(_, c)| c == ':' || c == '：')
            .map(|(i, c)| (&text[..i], &text[i + c.len_utf8()..]));
        let Some((who, said)) = split else {
            self.bad(format!(
                "no speaker: write '买家:' or '客服:' before the message (known: {})",
                self.speakers.known()
            ))?;
            return Ok(None);
        };
        let Some(role) = self.speakers.role(who) else {
            self.bad(format!(
                "unknown speaker '{}'; known: {} (add one with --buyer-prefix or --agent-prefix)",
                super::text::one_line(who, 16),
                self.speakers.known()
            ))?;
            return Ok(None);
        };
        let line = self.line;
        let conv = self.pending.get_or_insert_with(|| Conversation {
            id: format!("line {line}"),
            line,
            turns: Vec::new(),
        });
        if conv.turns.len() == MAX_TURNS {
            return self
                .bad(format!(
                    "conversation of more than {MAX_TURNS} turns; turn skipped (a blank line ends a conversation)"
                ))
                .map(|()| None);
        }
        conv.turns.push(Turn {
            role,
            text: cut_text(said.trim().to_owned()),
        });
        Ok(None)
    }
}

/// JSON Lines when the first non-blank line (after a byte-order mark) starts with `{`.
/// What is read to decide is put back in front of the input.
fn detect(input: &mut Box<dyn BufRead + '_>) -> io::Result<Format> {
    let mut head = Vec::new();
    let mut reader = std::mem::replace(input, Box::new(io::empty()));
    let first = loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break None;
        }
        let n = chunk.len();
        head.extend_from_slice(chunk);
        reader.consume(n);
        let body = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&head);
        if let Some(b) = body.iter().find(|b| !b" \t\r\n".contains(b)) {
            break Some(*b);
        }
        if head.len() > MAX_LINE_BYTES {
            break None;
        }
    };
    *input = Box::new(BufReader::new(io::Cursor::new(head).chain(reader)));
    Ok(if first == Some(b'{') {
        Format::JsonLines
    } else {
        Format::Text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, strict: bool) -> (Result<Vec<Conversation>, InputError>, Skipped) {
        let source = LogSource::text("log", text);
        let speakers = Speakers::default();
        let mut r = Reader::new(&source, Format::Auto, &speakers, strict).unwrap();
        let mut out = Vec::new();
        loop {
            match r.next_conversation() {
                Ok(Some(c)) => out.push(c),
                Ok(None) => return (Ok(out), r.skipped),
                Err(e) => return (Err(e), r.skipped),
            }
        }
    }

    #[test]
    fn json_lines_with_roles_and_ids() {
        let log = "{\"id\": \"a\", \"turns\": [{\"role\": \"buyer\", \"text\": \"在吗\"}, {\"role\": \"agent\", \"text\": \"在的\"}, {\"role\": \"courier\", \"text\": \"到了\"}]}\n\n{\"id\": 7, \"turns\": []}\n";
        let (got, skipped) = read_all(log, true);
        let got = got.unwrap();
        assert_eq!(skipped.count, 0);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].id, "a");
        assert_eq!(
            got[0].turns.iter().map(|t| t.role).collect::<Vec<_>>(),
            [Role::Buyer, Role::Agent, Role::Other]
        );
        assert_eq!((got[1].id.as_str(), got[1].line), ("7", 3));
    }

    #[test]
    fn bad_json_lines_are_skipped_and_counted_or_fail_with_their_line() {
        let log = "{\"turns\": [{\"role\": \"buyer\", \"text\": \"在吗\"}]}\n{not json\n{\"turns\": 3}\n\u{0}\n";
        let (got, skipped) = read_all(log, false);
        assert_eq!(got.unwrap().len(), 1);
        assert_eq!(skipped.count, 3);
        assert_eq!(
            skipped.first.iter().map(|e| e.line).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert!(
            skipped.first[1].message.contains("write {"),
            "{:?}",
            skipped.first[1]
        );
        let (got, _) = read_all(log, true);
        let e = got.unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.to_string().starts_with("log:2: not a conversation"),
            "{e}"
        );
    }

    #[test]
    fn plain_text_conversations_between_blank_lines() {
        let log = "买家: 在吗\n客服：在的亲\n买家:能开发票吗\n\n\n用户: 还没到\n客服: 帮您查\n";
        let (got, skipped) = read_all(log, true);
        let got = got.unwrap();
        assert_eq!(skipped.count, 0);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].turns.len(), 3);
        assert_eq!(got[0].turns[1].text, "在的亲");
        assert_eq!((got[1].line, got[1].turns[0].role), (6, Role::Buyer));
    }

    #[test]
    fn plain_text_bad_lines() {
        let log = "买家: 在吗\n没有前缀的一行\n快递员: 到了\n客服: 在\n";
        let (got, skipped) = read_all(log, false);
        assert_eq!(got.unwrap()[0].turns.len(), 2);
        assert_eq!(skipped.count, 2);
        assert!(skipped.first[1]
            .message
            .contains("unknown speaker '快递员'"));
        let (got, _) = read_all(log, true);
        assert_eq!(got.unwrap_err().line, 2);
    }

    #[test]
    fn invalid_utf8_and_long_lines() {
        let mut log = b"\xff\xfe\n".to_vec();
        log.extend_from_slice("买家: 好\n".as_bytes());
        let source = LogSource::text("x", String::from_utf8_lossy(&log).into_owned());
        // Lossy text has no invalid bytes: read the bytes through a reader instead.
        let mut buf = Vec::new();
        let mut r: &[u8] = &log;
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), Some(false));
        assert!(std::str::from_utf8(&buf).is_err());
        let mut r: &[u8] = b"0123456789abc\nxy";
        assert_eq!(read_line_capped(&mut r, &mut buf, 4).unwrap(), Some(true));
        assert_eq!(buf, b"0123");
        assert_eq!(read_line_capped(&mut r, &mut buf, 4).unwrap(), Some(false));
        assert_eq!(buf, b"xy");
        assert_eq!(read_line_capped(&mut r, &mut buf, 4).unwrap(), None);
        drop(source);
    }

    #[test]
    fn format_detection_skips_blank_lines_and_a_bom() {
        let (got, _) = read_all(
            "\u{feff}\n\n{\"turns\":[{\"role\":\"user\",\"text\":\"hi\"}]}",
            true,
        );
        assert_eq!(got.unwrap()[0].line, 3);
        let (got, _) = read_all("\u{feff}买家: 你好", true);
        assert_eq!(got.unwrap()[0].turns[0].text, "你好");
    }
}
