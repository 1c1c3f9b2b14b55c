//! The page of `bot replay --html` in a real browser: Debian's chromium, headless. The
//! page must render, run its one script without an error, show the numbers of the
//! JSON the same run printed, keep hostile buyer text as text, and make a screenshot.
//!
//! Without chromium the tests say SKIPPED and pass, unless `KEFU_REQUIRE_CHROMIUM=1`
//! (CI: `.ci/run` installs Debian's `chromium` and sets it), where they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{build_example, ROOT};

/// How long one chromium run may take before the test fails.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The browser: `KEFU_CHROMIUM`, else `/usr/bin/chromium`, else `chromium` on the
/// PATH. `None` (after saying SKIPPED) when there is none and CI does not require it.
fn chromium(test: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("KEFU_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromium")])
        .chain(std::env::var_os("PATH").into_iter().flat_map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("chromium"))
                .collect::<Vec<_>>()
        }));
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if std::env::var("KEFU_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!("{test}: chromium is required (KEFU_REQUIRE_CHROMIUM=1) but neither KEFU_CHROMIUM, /usr/bin/chromium nor chromium on the PATH exists; install Debian's chromium");
    }
    eprintln!("SKIPPED {test}: no chromium (install Debian's chromium, or set KEFU_CHROMIUM)");
    None
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kefu-report-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs chromium headless on `page` with `args` added (`--dump-dom`, `--screenshot=…`),
/// with the flags this machine's closed network needs and a fresh profile.
fn browse(browser: &Path, dir: &Path, page: &Path, args: &[&str]) -> Output {
    let profile = dir.join(format!("profile-{}", args.join("").len()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read the pipes on threads so a large DOM cannot block chromium.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut v);
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} took more than {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Runs the bot from the repository; panics unless it exits 0.
fn bot(args: &[&str]) -> String {
    let out = Command::new(build_example("bot"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("bot runs");
    assert!(
        out.status.success(),
        "bot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Every `data-key="K" data-value="V">TEXT<` of the DOM: (K, V, TEXT).
fn figures(dom: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for part in dom.split("data-key=\"").skip(1) {
        let (key, rest) = part.split_once('"').expect("key");
        let rest = rest
            .trim_start()
            .strip_prefix("data-value=\"")
            .expect("data-value after data-key");
        let (value, rest) = rest.split_once('"').expect("value");
        let text = rest
            .split_once('>')
            .and_then(|(_, t)| t.split_once('<'))
            .map_or("", |(t, _)| t);
        out.push((key.to_owned(), value.to_owned(), text.to_owned()));
    }
    out
}

/// The chromium lines that report a script error.
fn script_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || (l.contains("CONSOLE") && l.contains("rror")))
        .collect()
}

#[test]
fn the_page_renders_in_chromium_with_the_numbers_of_the_json() {
    let Some(browser) = chromium("the_page_renders_in_chromium_with_the_numbers_of_the_json")
    else {
        return;
    };
    let dir = temp_dir("labelled");
    let page = dir.join("report.html");
    let json = bot(&[
        "replay",
        "--labels",
        "tests/fixtures/labelled/messages.tsv",
        "--json",
        "--html",
        page.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("one JSON object");

    let dump = browse(&browser, &dir, &page, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dump.stdout);
    let log = String::from_utf8_lossy(&dump.stderr);
    assert!(dump.status.success(), "chromium --dump-dom failed: {log}");
    assert!(
        dom.contains("</html>") && dom.contains("客服机器人回放报告"),
        "the page rendered: {dom:.500}"
    );
    assert_eq!(script_errors(&log), Vec::<&str>::new(), "no script error");
    // The script parsed the embedded JSON and marked the page with its message count.
    let messages = report["coverage"]["messages"].as_u64().unwrap();
    assert_eq!(messages, 663);
    assert!(
        dom.contains(&format!("data-kefu-report=\"{messages}\"")),
        "the script ran: {dom:.300}"
    );

    // Every figure the page shows with a key is the JSON's, and the ratios read as
    // the JSON's value in percent.
    let shown = figures(&dom);
    for key in [
        "coverage.messages",
        "labels.precision.of",
        "labels.precision.value",
        "labels.recall.value",
        "labels.out_of_scope_handled.value",
        "labels.outcomes.answered_right",
        "labels.outcomes.answered_wrong",
        "labels.outcomes.held_back",
        "labels.outcomes.fallback",
        "labels.outcomes.handoff",
        "coverage.latency.median_us",
        "coverage.latency.p99_us",
    ] {
        assert!(shown.iter().any(|f| f.0 == key), "the page shows {key}");
    }
    for (key, value, text) in &shown {
        let pointer = format!("/{}", key.replace('.', "/"));
        let expected = report
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("{key} is in the JSON"));
        let value: serde_json::Value = serde_json::from_str(value).expect("a JSON number");
        assert_eq!(&value, expected, "{key}");
        if key.ends_with(".value") {
            let v = expected.as_f64().unwrap();
            assert_eq!(text, &format!("{:.1}%", 100.0 * v), "{key} as shown");
        }
    }
    let precision = report["labels"]["precision"]["value"].as_f64().unwrap();
    assert!(
        precision > 0.9,
        "the bundled rules on their labelled set: {precision}"
    );

    let shot = dir.join("report.png");
    let s = browse(
        &browser,
        &dir,
        &page,
        &[
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert!(png.len() > 10_000, "a real picture: {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hostile_buyer_text_stays_text_in_chromium() {
    let Some(browser) = chromium("hostile_buyer_text_stays_text_in_chromium") else {
        return;
    };
    let dir = temp_dir("hostile");
    let labels = dir.join("hostile.tsv");
    std::fs::write(
        &labels,
        "size\t</script><script>document.title='pwned'</script>\n\
         -\t尺码 <img src=x onerror=\"document.title='pwned'\"> <b>粗</b>\n\
         -\t尺码 <img src=x onerror=\"document.title='pwned'\"> <i>又来</i>\n",
    )
    .unwrap();
    let page = dir.join("hostile.html");
    bot(&[
        "replay",
        "--labels",
        labels.to_str().unwrap(),
        "--rules",
        "tests/fixtures/shop.yaml",
        "--html",
        page.to_str().unwrap(),
    ]);
    let dump = browse(&browser, &dir, &page, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dump.stdout);
    let log = String::from_utf8_lossy(&dump.stderr);
    assert!(dump.status.success(), "{log}");
    assert!(
        dom.contains("data-kefu-report=\"3\""),
        "the script ran: {dom:.300}"
    );
    assert!(!dom.contains("pwned</title>"), "no injected script ran");
    assert!(!dom.contains("<img"), "no injected element: {dom}");
    assert!(!dom.contains("<b>粗</b>"), "markup stays text");
    assert!(
        dom.contains("&lt;b&gt;粗&lt;/b&gt;"),
        "shown as the buyer wrote it"
    );
    assert_eq!(script_errors(&log), Vec::<&str>::new());
    std::fs::remove_dir_all(&dir).ok();
}
