//! `kefu::mine` and `bot mine` on logs of our own writing where the right proposals
//! are known (tests/fixtures/mine/), on bad input, and on the real conversations of
//! ../shared/corpus/dialogues.jsonl when that file is there.
#![cfg(feature = "mine")]

use kefu::mine::{mine, Format, Ignore, LogSource, MineError, Mined, Options};
use kefu::{Engine, Section, Session};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

mod common;
use common::{build_example, ROOT};

fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests/fixtures/mine").join(name)
}

fn shop() -> String {
    std::fs::read_to_string(fixture("shop.yaml")).unwrap()
}

fn run(log: &str, options: &Options) -> Result<Mined, MineError> {
    mine(
        &shop(),
        "shop.yaml",
        &LogSource::path(fixture(log)),
        options,
        &mut |_| {},
    )
}

/// The output loads, every test case in it passes, and it has no warnings about the
/// proposals' topics.
fn assert_sound(mined: &Mined) -> Engine {
    let out = mined.rule_file();
    let engine = Engine::from_yaml_str(out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let report = engine.run_tests();
    assert!(
        report.all_passed(),
        "{:?}\n{out}",
        report.failures().collect::<Vec<_>>()
    );
    let lints: Vec<_> = engine
        .lints(std::time::SystemTime::now())
        .into_iter()
        .filter(|l| l.topic.as_deref().is_some_and(|t| t.starts_with("mined_")))
        .collect();
    assert!(lints.is_empty(), "{lints:?}\n{out}");
    engine
}

#[test]
fn the_known_proposals_come_out_of_a_json_lines_log() {
    let mined = run("chat.jsonl", &Options::default()).unwrap();
    let s = &mined.summary;
    assert_eq!(
        (s.format, s.conversations, s.buyer_turns),
        ("jsonl", 25, 30)
    );
    let topics: Vec<&str> = mined.proposals.iter().map(|p| p.topic.as_str()).collect();
    // Invoice first: its five turns are short (我的发票在哪里); a 2-char keyword in a
    // longer message (这个电饭煲保修多久) is a sparse match, low, and not answered.
    assert_eq!(topics, ["mined_invoice", "mined_install", "mined_warranty"]);
    let p = |t: &str| mined.proposals.iter().find(|p| p.topic == t).unwrap();

    let warranty = p("mined_warranty");
    assert_eq!(warranty.keywords, ["保修"]);
    assert_eq!(
        warranty.reply,
        "亲，本店商品全国联保一年，凭订单就可以保修哦～"
    );
    assert_eq!(warranty.section, Section::Aftersale);
    assert_eq!(
        (warranty.gain, warranty.changed, warranty.support),
        (3, 0, 5)
    );
    assert_eq!(warranty.precision, 1.0);
    // 多久 is in warranty questions and in arrival questions: never a keyword.
    assert!(mined
        .proposals
        .iter()
        .all(|p| !p.keywords.iter().any(|k| k.contains("多久"))));

    let invoice = p("mined_invoice");
    assert_eq!(invoice.keywords, ["发票"]);
    assert_eq!(invoice.section, Section::Presale);

    // The agents pasted the installation phrase with masked data three times and
    // plain twice: the template is the plain one, never the placeholder.
    let install = p("mined_install");
    assert_eq!(
        install.reply,
        "亲，下单后安装师傅会在48小时内联系您上门安装哦～"
    );
    for p in &mined.proposals {
        assert!(!p.reply.contains('['), "{p:?}");
        assert_eq!(p.tests.len(), 2, "{p:?}");
        assert!(p.ignore_line.starts_with("reply "));
    }
    assert_eq!((s.answered_before, s.answered_after), (5, 16));

    let engine = assert_sound(&mined);
    let mut session = Session::new("b");
    assert_eq!(
        engine.reply(&mut session, "保修几年？").topic(),
        Some("mined_warranty")
    );
}

#[test]
fn the_output_keeps_the_author_s_file_and_adds_commented_proposals() {
    let mined = run("chat.jsonl", &Options::default()).unwrap();
    let out = mined.rule_file();
    let mut rest = out.lines();
    for line in shop().lines() {
        assert!(
            rest.any(|o| o == line),
            "{line:?} is missing or moved:\n{out}"
        );
    }
    let at = out.find("  - topic: mined_warranty").unwrap();
    let comments = &out[..at];
    assert!(comments.ends_with(
        "  # reject: add this line to the ignore file: reply 亲本店商品全国联保一年凭订单就可以保修哦\n"
    ));
    assert!(comments
        .contains("replayed: +3 answered, 0 taken from other topics, precision ≈ 100% of 3"));
    // Into the right sections: invoice before aftersale:, warranty after it.
    let aftersale = out.find("\naftersale:").unwrap();
    assert!(out.find("topic: mined_invoice").unwrap() < aftersale);
    assert!(at > aftersale);
    // Tests are examples the proposal answers: not 这个电饭煲保修多久 (held back).
    assert!(out.contains("  - { says: \"坏了可以保修吗\", expect: mined_warranty }"));
    assert!(!out.contains("这个电饭煲保修多久\", expect"));
}

#[test]
fn plain_text_logs_with_buyer_and_agent_prefixes() {
    let mined = run("chat.txt", &Options::default()).unwrap();
    assert_eq!(mined.summary.format, "text");
    assert_eq!(
        (mined.summary.conversations, mined.summary.buyer_turns),
        (9, 10)
    );
    let topics: Vec<&str> = mined.proposals.iter().map(|p| p.topic.as_str()).collect();
    // 能开增值税发票吗 and 发票抬头写公司 are sparse matches of 发票: two turns are too
    // few for a proposal.
    assert_eq!(topics, ["mined_warranty"]);
    assert_sound(&mined);
    // Another prefix is configurable; the default one is not required.
    let text = std::fs::read_to_string(fixture("chat.txt"))
        .unwrap()
        .replace("买家:", "小王:")
        .replace("用户:", "小王:")
        .replace("顾客:", "小王:");
    let mut options = Options::default();
    options.format = Format::Text;
    options.speakers.buyer = vec!["小王".into()];
    let log = LogSource::text("renamed.txt", text);
    let renamed = mine(&shop(), "shop.yaml", &log, &options, &mut |_| {}).unwrap();
    assert_eq!(renamed.proposals.len(), mined.proposals.len());
    assert_eq!(renamed.summary.skipped.count, 0);
}

#[test]
fn bad_lines_are_skipped_and_counted_with_their_line_numbers() {
    let mut options = Options::default();
    options.min_support = 2;
    let mined = run("bad.jsonl", &options).unwrap();
    let skipped = &mined.summary.skipped;
    let lines: Vec<usize> = skipped.first.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3, 4, 6]);
    assert!(skipped.first[0]
        .to_string()
        .contains("bad.jsonl:2: not a conversation"));
    assert!(skipped.first[3].message.contains("not valid UTF-8"));
    assert_eq!(mined.summary.conversations, 3);
    assert_eq!(mined.proposals[0].keywords, ["保修"]);
    assert!(mined.report_text().contains("4 bad lines skipped"));

    let mined = run("bad.txt", &options).unwrap();
    let lines: Vec<usize> = mined.summary.skipped.first.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 6]);
    assert!(mined.summary.skipped.first[1]
        .message
        .contains("unknown speaker '店小二'"));
}

#[test]
fn strict_mode_stops_at_the_first_bad_line() {
    let mut options = Options::default();
    options.strict = true;
    let e = run("bad.jsonl", &options).unwrap_err();
    assert!(
        e.to_string().ends_with(
            "bad.jsonl:2: not a conversation: EOF while parsing a list at line 1 column 27"
        ),
        "{e}"
    );
    let e = run("bad.txt", &options).unwrap_err();
    assert!(matches!(&e, MineError::Input(i) if i.line == 3), "{e}");
}

#[test]
fn inputs_that_cannot_be_mined_are_errors_not_panics() {
    let options = Options::default();
    let empty = LogSource::text("empty.jsonl", "\n\n");
    let e = mine(&shop(), "shop.yaml", &empty, &options, &mut |_| {}).unwrap_err();
    assert_eq!(e.to_string(), "empty.jsonl: no buyer turns to mine");
    let junk = LogSource::text("junk.txt", "\u{0}\u{1}\n😀😀😀\n[]{}\n");
    let e = mine(&shop(), "shop.yaml", &junk, &options, &mut |_| {}).unwrap_err();
    assert_eq!(
        e.to_string(),
        "junk.txt: no buyer turns to mine (3 bad lines skipped)"
    );
    let missing = LogSource::path(fixture("no-such-log.jsonl"));
    let e = mine(&shop(), "shop.yaml", &missing, &options, &mut |_| {}).unwrap_err();
    assert!(matches!(e, MineError::Io { .. }), "{e}");
    let e = mine("shop: [", "broken.yaml", &empty, &options, &mut |_| {}).unwrap_err();
    assert!(matches!(e, MineError::Rules(_)), "{e}");
    // A section written in a form proposals cannot be added to: said, not mangled.
    let anchored = shop().replace("presale:\n", "presale: &nodes\n");
    let e = run_with("chat.jsonl", &anchored).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("rules.yaml:10: cannot add proposals to 'presale'"),
        "{e}"
    );
}

fn run_with(log: &str, rules: &str) -> Result<Mined, MineError> {
    mine(
        rules,
        "rules.yaml",
        &LogSource::path(fixture(log)),
        &Options::default(),
        &mut |_| {},
    )
}

#[test]
fn an_ignore_file_keeps_rejected_proposals_out() {
    let mut options = Options::default();
    options.ignore = Ignore::from_path(&fixture("ignore.txt")).unwrap();
    let mined = run("chat.jsonl", &options).unwrap();
    let topics: Vec<&str> = mined.proposals.iter().map(|p| p.topic.as_str()).collect();
    assert_eq!(topics, ["mined_invoice", "mined_install"]);
    // The line the report gives rejects the proposal.
    let first = run("chat.jsonl", &Options::default()).unwrap();
    let install = first
        .proposals
        .iter()
        .find(|p| p.topic == "mined_install")
        .unwrap();
    options.ignore = Ignore::parse("ignore", &install.ignore_line).unwrap();
    let again = run("chat.jsonl", &options).unwrap();
    assert!(again.proposals.iter().all(|p| p.topic != "mined_install"));
    let e = Ignore::parse("ignore.txt", "# ok\nkeyword 好的\nplease skip this\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ignore.txt:3: expected 'keyword TEXT' or 'reply TEXT', found 'please skip this'"
    );
}

#[test]
fn reports_in_text_json_and_html() {
    let mined = run("chat.jsonl", &Options::default()).unwrap();
    let text = mined.report_text();
    assert!(
        text.contains(
            "answered buyer turns: 5 (16.7%) with shop.yaml → 16 (53.3%) with the proposals, +11"
        ),
        "{text}"
    );
    assert!(
        text.contains("#1 mined_invoice [售前 · 发票]  +5 answered"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&mined.report_json()).unwrap();
    assert_eq!(json["summary"]["answered_after"], 16);
    assert_eq!(json["proposals"][0]["keywords"][0], "发票");
    assert_eq!(json["proposals"][0]["section"], "presale");
    let html = mined.report_html();
    assert!(html.starts_with("<!doctype html>") && html.contains("<code>保修</code>"));
    assert!(!html.contains("<script"));
}

#[test]
fn progress_is_reported_for_each_pass() {
    let mut seen = Vec::new();
    let log = LogSource::path(fixture("chat.jsonl"));
    mine(&shop(), "shop.yaml", &log, &Options::default(), &mut |p| {
        seen.push((p.pass, p.done, p.total))
    })
    .unwrap();
    let size = std::fs::metadata(fixture("chat.jsonl")).unwrap().len();
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|&(_, done, total)| done == size && total == size),
        "{seen:?}"
    );
    assert_eq!(seen[0].0, 1);
}

fn bot() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_example("bot"))
}

#[test]
fn bot_mine_writes_rules_that_check_and_test() {
    let dir = std::env::temp_dir().join(format!("kefu-mine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("grown.yaml");
    let html = dir.join("report.html");
    let run = Command::new(bot())
        .args(["mine", "chat.jsonl", "--rules", "shop.yaml", "--out"])
        .arg(&out)
        .arg("--html")
        .arg(&html)
        .current_dir(fixture(""))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("3 proposals, ranked by buyer turns gained"),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("mined_warranty"));
    for cmd in ["check", "test"] {
        let r = Command::new(bot()).arg(cmd).arg(&out).output().unwrap();
        assert!(
            r.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&r.stdout)
        );
    }
    let check = Command::new(bot()).arg("check").arg(&out).output().unwrap();
    assert!(String::from_utf8_lossy(&check.stdout).contains("; 0 warnings"));
    let json = Command::new(bot())
        .args(["mine", "chat.txt", "--rules", "shop.yaml", "--json"])
        .current_dir(fixture(""))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["proposals"].as_array().unwrap().len(), 1);
    let strict = Command::new(bot())
        .args(["mine", "bad.txt", "--rules", "shop.yaml", "--strict"])
        .current_dir(fixture(""))
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("bad.txt:3: no speaker"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The real conversations: ../shared/corpus/dialogues.jsonl (research data, never in
/// the repository), mined against the bundled rules.
#[test]
fn the_real_corpus_gains_answers_with_rules_that_load_and_pass() {
    let path = Path::new(ROOT).join("../shared/corpus/dialogues.jsonl");
    if !path.exists() {
        eprintln!(
            "skipped: {} is absent (the real-corpus check needs it)",
            path.display()
        );
        return;
    }
    let rules = std::fs::read_to_string(Path::new(ROOT).join("rules/apparel.yaml")).unwrap();
    let started = Instant::now();
    let mined = mine(
        &rules,
        "rules/apparel.yaml",
        &LogSource::path(&path),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let took = started.elapsed();
    let s = &mined.summary;
    eprintln!(
        "corpus: {} proposals; answered {} → {} of {} buyer turns; {:.1?}",
        mined.proposals.len(),
        s.answered_before,
        s.answered_after,
        s.buyer_turns,
        took
    );
    assert!(!mined.proposals.is_empty());
    assert!(took.as_secs() < 60, "{took:?}");
    let base = Engine::from_yaml_str(&rules).unwrap();
    let grown = Engine::builder()
        .build_named(mined.rule_file(), Some("grown.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(grown.run_tests().all_passed());
    // Replayed here, apart from the miner: every buyer turn, one session a conversation.
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut before, mut after, mut turns) = (0, 0, 0);
    for line in text.lines() {
        let c: serde_json::Value = serde_json::from_str(line).unwrap();
        let (mut a, mut b) = (Session::new("a"), Session::new("b"));
        for t in c["turns"].as_array().unwrap() {
            let said = t["text"].as_str().unwrap().trim();
            if t["role"] != "buyer" || said.is_empty() {
                continue;
            }
            turns += 1;
            before += usize::from(base.reply(&mut a, said).topic().is_some());
            after += usize::from(grown.reply(&mut b, said).topic().is_some());
        }
    }
    eprintln!("corpus replay, copies included: {before} → {after} of {turns}");
    assert!(after > before, "{before} → {after}");
}
