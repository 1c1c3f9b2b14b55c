//! End-to-end tests of the HTTP service (`examples/http_service/`): the service runs as a child
//! process on 127.0.0.1 (port 0) and a real HTTP client (hyper) talks to it, with a
//! bounded number of requests. The Redis tests start their own `redis-server` on a
//! free 127.0.0.1 port; where it is not installed they say so and are skipped, unless
//! `KEFU_REQUIRE_REDIS=1` (as in CI), which makes its absence a failure.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[path = "../../../tests/common/example.rs"]
mod example;
use example::build_example;

/// The repository, whose tests/fixtures and rules/ the tests use.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn service_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_example("http_service"))
}

fn shop_v1() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/shop.yaml")).unwrap()
}

fn shop_v2() -> String {
    shop_v1().replace("V1 ", "V2 ")
}

/// A running service with its own copy of the rules; killed and cleaned up on drop.
struct Service {
    child: Child,
    addr: SocketAddr,
    rules: PathBuf,
    dir: PathBuf,
    stderr: Arc<Mutex<String>>,
}

impl Service {
    fn start(test: &str, extra: &[&str]) -> Service {
        Service::start_with(test, &shop_v1(), extra)
    }

    /// A service on its own copy of `rules`.
    fn start_with(test: &str, rules: &str, extra: &[&str]) -> Service {
        let dir = std::env::temp_dir().join(format!("kefu-http-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.yaml");
        std::fs::write(&path, rules).unwrap();
        let rules = path;
        let mut child = Command::new(service_bin())
            .arg("--rules")
            .arg(&rules)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("service starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr: SocketAddr = first
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("first stdout line {first:?}: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Service {
            child,
            addr,
            rules,
            dir,
            stderr,
        }
    }

    /// Replaces the service's rule file the way deploy tools do: write aside, rename
    /// over, so that the service never reads half a file.
    fn deploy(&self, rules: &str) {
        let aside = self.rules.with_extension("new");
        std::fs::write(&aside, rules).unwrap();
        std::fs::rename(&aside, &self.rules).unwrap();
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `cond` holds for the service's stderr.
    async fn wait_stderr(&self, what: &str, cond: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !cond(&self.stderr()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Client {
    addr: SocketAddr,
    send: SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Client, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok(Client { addr, send })
    }

    async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Value), String> {
        self.send.ready().await.map_err(|e| e.to_string())?;
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let resp = self
            .send
            .send_request(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&bytes)))?;
        Ok((status, value))
    }

    async fn reply(&mut self, session: &str, message: &str) -> Result<Value, String> {
        let body = serde_json::to_vec(&json!({ "session": session, "message": message })).unwrap();
        match self.request("POST", "/reply", body).await? {
            (StatusCode::OK, v) => Ok(v),
            (s, v) => Err(format!("{s}: {v}")),
        }
    }

    /// The text of the reply to `message`.
    async fn text(&mut self, session: &str, message: &str) -> String {
        let v = self.reply(session, message).await.unwrap();
        v["text"].as_str().unwrap_or_default().to_owned()
    }

    async fn health(&mut self) -> Value {
        let (status, v) = self.request("GET", "/health", Vec::new()).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        v
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_reports_the_buyers_segment_anger_and_product() {
    let svc = Service::start_with("shop-ops", &apparel(), &[]);
    let mut c = Client::connect(svc.addr).await.unwrap();
    let r = c.reply("b1", "这件羊毛大衣什么面料").await.unwrap();
    assert_eq!(
        (&r["topic"], &r["product"]),
        (&json!("material"), &json!("p1001"))
    );
    // 面料 is a signal of the individual segment (quality, fabric).
    assert_eq!(
        (&r["segment"], &r["angry"]),
        (&json!("individual"), &json!(false))
    );
    // The product stays the conversation's; a price question makes the buyer economic.
    let r = c.reply("b1", "能便宜点吗 有优惠吗").await.unwrap();
    assert_eq!(
        (&r["product"], &r["segment"]),
        (&json!("p1001"), &json!("economic"))
    );
    let r = c.reply("b2", "垃圾店 骗子").await.unwrap();
    assert_eq!((&r["angry"], &r["handoff"]), (&json!(true), &json!(true)));
    assert_eq!(r["product"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_reports_confidence_and_suggests_what_it_holds_back() {
    let rules =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/reading.yaml")).unwrap();
    let svc = Service::start_with("confidence", &rules, &[]);
    let mut c = Client::connect(svc.addr).await.unwrap();
    // One short keyword (改成) in a long message: held back for the shop's agent.
    let r = c.reply("b1", "改成周二送行吗我那天不在家里").await.unwrap();
    assert_eq!(
        (&r["confidence"], &r["held_back"], &r["topic"], &r["path"]),
        (&json!("low"), &json!(true), &Value::Null, &Value::Null)
    );
    assert_eq!(
        r["text"], "亲,欢迎光临小店~\n亲,没看懂",
        "the buyer gets the fallback"
    );
    assert_eq!(
        r["suggestions"],
        json!([{ "topic": "address", "confidence": "low", "text": "发货前在订单里改地址就行" }])
    );
    // Sure: answered, nothing to suggest.
    let r = c.reply("b1", "有货吗").await.unwrap();
    assert_eq!(
        (
            &r["confidence"],
            &r["held_back"],
            &r["topic"],
            &r["suggestions"]
        ),
        (&json!("high"), &json!(false), &json!("stock"), &json!([]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_answers_keeps_sessions_and_rejects_bad_requests() {
    let svc = Service::start("basic", &[]);
    let mut c = Client::connect(svc.addr).await.unwrap();

    let first = c.reply("buyer-1", "这件偏 大吗？").await.unwrap();
    assert_eq!(first["text"], "亲,欢迎光临测试小店~\nV1 偏大偏小: 标准码");
    assert_eq!(first["kind"], "greeting");
    assert_eq!(first["topic"], "size_fit");
    assert_eq!(first["path"], "售前 › 尺码 › 偏大偏小");
    assert_eq!(first["handoff"], false);
    assert_eq!(
        first["hits"],
        json!([{ "keyword": "偏大", "topic": "size_fit", "kind": "keyword", "start": 6, "end": 13 }])
    );
    // Same session: no greeting; the context carries on.
    let second = c.reply("buyer-1", "我要退货").await.unwrap();
    assert_eq!(
        (&second["kind"], &second["text"]),
        (&json!("answer"), &json!("V1 退货: 7天无理由"))
    );
    // Another session greets again.
    let other = c.reply("buyer-2", "转人工").await.unwrap();
    assert_eq!(other["kind"], "greeting");
    assert_eq!(other["handoff"], true);
    // Two fallbacks in a row in one session hand off.
    assert_eq!(
        c.reply("buyer-2", "天气").await.unwrap()["kind"],
        "fallback"
    );
    let handoff = c.reply("buyer-2", "真热").await.unwrap();
    assert_eq!(
        (&handoff["kind"], &handoff["topic"]),
        (&json!("handoff"), &Value::Null)
    );

    let h = c.health().await;
    assert_eq!(
        (&h["status"], &h["shop"], &h["nodes"]),
        (&json!("ok"), &json!("测试小店"), &json!(4))
    );
    assert_eq!(h["sessions"], 2);
    assert_eq!(h["reloads"], 0);

    let (status, v) = c
        .request("POST", "/reply", b"{not json".to_vec())
        .await
        .unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("JSON"), "{v}");
    let (status, v) = c
        .request("POST", "/reply", br#"{"session": "x"}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"].as_str().unwrap().contains("message"), "{v}");
    let long = "s".repeat(200);
    let body = serde_json::to_vec(&json!({ "session": long, "message": "hi" })).unwrap();
    let (status, _) = c.request("POST", "/reply", body).await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_reloads_on_sighup() {
    // Polling once an hour: only the signal can reload.
    let svc = Service::start("sighup", &["--poll-ms", "3600000"]);
    let mut c = Client::connect(svc.addr).await.unwrap();
    std::fs::write(&svc.rules, shop_v2()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        c.reply("a", "尺码").await.unwrap()["text"],
        "亲,欢迎光临测试小店~\nV1 尺码: 告诉小测身高体重哦"
    );
    let status = Command::new("kill")
        .args(["-HUP", &svc.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    svc.wait_stderr("the SIGHUP reload", |s| s.contains("(SIGHUP)"))
        .await;
    assert_eq!(
        c.reply("a", "尺码").await.unwrap()["text"],
        "V2 尺码: 告诉小测身高体重哦"
    );
    assert_eq!(c.health().await["reloads"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_a_failed_reload_while_the_old_rules_serve() {
    let svc = Service::start("health", &["--poll-ms", "50"]);
    let mut c = Client::connect(svc.addr).await.unwrap();
    let h = c.health().await;
    assert_eq!(
        (&h["status"], &h["reload_error"]),
        (&json!("ok"), &Value::Null)
    );

    let started = jiff::Timestamp::now().as_second();
    let broken = shop_v2().replace("keywords: [尺码, 码数]", "keyword: [尺码, 码数]");
    svc.deploy(&broken);
    svc.wait_stderr("the broken file to be reported", |s| {
        s.matches("failed; keeping the rules").count() == 1
    })
    .await;
    let h = c.health().await;
    assert_eq!(h["status"], "reload_failed", "{h}");
    let failure = &h["reload_error"];
    let error = failure["error"].as_str().unwrap();
    assert!(
        error.contains("rules.yaml:") && error.contains("unknown key 'keyword'"),
        "{h}"
    );
    let since: jiff::Timestamp = failure["since"].as_str().unwrap().parse().unwrap();
    assert!(
        (started..=jiff::Timestamp::now().as_second()).contains(&since.as_second()),
        "{h}"
    );
    assert_eq!(
        (&failure["failures"], &h["reloads"]),
        (&json!(1), &json!(0))
    );
    // The rules loaded before keep answering.
    assert!(c.text("a", "尺码").await.contains("V1 尺码"));

    // Broken again, otherwise: the latest error, the same since.
    svc.deploy(&shop_v2().replace("fallback:", "fallbak:"));
    svc.wait_stderr("the second broken file", |s| {
        s.matches("failed; keeping the rules").count() == 2
    })
    .await;
    let h = c.health().await;
    let again = &h["reload_error"];
    assert_eq!(
        (&h["status"], &again["since"], &again["failures"]),
        (&json!("reload_failed"), &failure["since"], &json!(2)),
        "{h}"
    );
    assert_ne!(again["error"], failure["error"], "{h}");

    // Fixed: V2 serves and the failure is forgotten.
    svc.deploy(&shop_v2());
    wait_version(&mut c, &svc, "V2").await;
    let h = c.health().await;
    assert_eq!(
        (&h["status"], &h["reload_error"], &h["reloads"]),
        (&json!("ok"), &Value::Null, &json!(1)),
        "{h}"
    );
}

/// The messages of every load-test conversation, in order and round again, with the
/// topic and answer each gets under tests/fixtures/shop.yaml. `尺码退货` hits two
/// nodes equally, so the conversation's context decides. Any step sent twice in a row
/// gets the same topic again (the retry after a killed replica relies on it).
const SCRIPT: [(&str, &str, &str); 5] = [
    ("尺码怎么选", "size", "尺码: 告诉小测身高体重哦"),
    ("尺码退货", "size", "尺码: 告诉小测身高体重哦"),
    ("我要退货", "return", "退货: 7天无理由"),
    ("尺码退货", "return", "退货: 7天无理由"),
    ("偏大吗", "size_fit", "偏大偏小: 标准码"),
];
const GREETING: &str = "亲,欢迎光临测试小店~\n";

/// Checks `v`, the reply to step `step` (from 0) of a [`SCRIPT`] conversation. Its
/// `turns` must lie in `turns`: exactly `step + 1` unless requests of this session
/// were lost on the way back (they may have been answered). The reply greets exactly
/// when it is the session's first. Returns the version of the rules (V1, V2 …) that
/// answered.
fn check_step(v: &Value, step: usize, turns: RangeInclusive<u64>) -> Result<u32, String> {
    let (_, topic, answer) = SCRIPT[step % SCRIPT.len()];
    let bad = |why: &str| Err(format!("step {step}: {why}: {v}"));
    let Some(t) = v["turns"].as_u64().filter(|t| turns.contains(t)) else {
        return bad(&format!("turns not in {turns:?}"));
    };
    let text = v["text"].as_str().unwrap_or_default();
    let (kind, rest) = if t == 1 {
        ("greeting", text.strip_prefix(GREETING))
    } else {
        ("answer", Some(text))
    };
    if v["kind"] != kind || v["topic"] != topic {
        return bad(&format!("want a {kind} on {topic}"));
    }
    let version = rest
        .and_then(|r| r.strip_prefix('V'))
        .and_then(|r| r.split_once(' '))
        .filter(|(_, a)| *a == answer)
        .and_then(|(n, _)| n.parse().ok());
    version.map_or_else(|| bad(&format!("want V<n> {answer}")), Ok)
}

/// A load: `clients` concurrent clients, each with `sessions` conversations of its
/// own, sending `requests` messages in all, one at a time.
#[derive(Clone, Copy)]
struct Load {
    clients: usize,
    requests: usize,
    sessions: usize,
    tag: &'static str,
}

#[derive(Default)]
struct LoadReport {
    answered: usize,
    /// Requests sent again to another target after theirs did not answer.
    retried: usize,
    failed: usize,
    /// The first few failures.
    failures: Vec<String>,
    /// Replies per rules version.
    versions: BTreeMap<u32, usize>,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl LoadReport {
    fn fail(&mut self, why: String) {
        self.failed += 1;
        if self.failures.len() < 10 {
            self.failures.push(why);
        }
    }

    fn add(&mut self, other: LoadReport) {
        self.answered += other.answered;
        self.retried += other.retried;
        self.failed += other.failed;
        self.failures.extend(other.failures);
        for (v, n) in other.versions {
            *self.versions.entry(v).or_default() += n;
        }
        self.latencies.extend(other.latencies);
    }

    /// Prints requests per second and latency percentiles, and checks that every
    /// request was answered as it should be.
    fn checked(mut self, what: &str, load: Load) -> LoadReport {
        self.latencies.sort_unstable();
        let at = |q: f64| {
            let i = ((self.latencies.len() as f64 * q).ceil() as usize).max(1) - 1;
            self.latencies.get(i).copied().unwrap_or_default()
        };
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        tell(&format!(
            "load ({what}, {build} build): {} clients x {} requests, {} answered in {:.2} s: \
             {:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            load.clients,
            load.requests,
            self.answered,
            self.elapsed.as_secs_f64(),
            self.answered as f64 / self.elapsed.as_secs_f64(),
            at(0.50).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            at(1.0).as_secs_f64() * 1e3,
        ));
        assert_eq!(
            self.failures,
            Vec::<String>::new(),
            "{} failed",
            self.failed
        );
        assert_eq!(self.answered, load.clients * load.requests);
        self
    }
}

/// Runs `load` against `targets` and checks every reply with [`check_step`]. Each
/// client keeps one connection to every target; the messages of one session go to
/// the targets in turn. A request a target does not answer (it was killed) goes to
/// the next target, and that client does not use the dead one again. Rules versions
/// must not go backwards within a client. `progress` counts answered requests.
async fn run_load(targets: Vec<SocketAddr>, load: Load, progress: Arc<AtomicUsize>) -> LoadReport {
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..load.clients {
        let (targets, progress) = (targets.clone(), progress.clone());
        clients.push(tokio::spawn(async move {
            let mut report = LoadReport::default();
            let mut conns = Vec::new();
            for &addr in &targets {
                conns.push(Some(Client::connect(addr).await.expect("connect")));
            }
            // Per session: replies checked so far, requests lost on the way back.
            let mut sessions = vec![(0usize, 0u64); load.sessions];
            let mut version = 0;
            for i in 0..load.requests {
                let s = i % load.sessions;
                let step = sessions[s].0;
                let id = format!("{}-c{c}-s{s}", load.tag);
                let message = SCRIPT[step % SCRIPT.len()].0;
                let body = serde_json::to_vec(&json!({ "session": id, "message": message }));
                let body = body.unwrap();
                let n = targets.len();
                let sent = Instant::now();
                let outcome = loop {
                    // This message's target, or the next one still alive.
                    let preferred = (step + s) % n;
                    let alive = conns.iter_mut().enumerate();
                    let Some((target, conn)) = alive
                        .filter_map(|(t, c)| Some((t, c.as_mut()?)))
                        .min_by_key(|(t, _)| (t + n - preferred) % n)
                    else {
                        break Err("no target left".to_owned());
                    };
                    match conn.request("POST", "/reply", body.clone()).await {
                        Ok((StatusCode::OK, v)) => break Ok(v),
                        Ok((status, v)) => break Err(format!("{status}: {v}")),
                        Err(_) => {
                            conns[target] = None;
                            sessions[s].1 += 1;
                            report.retried += 1;
                        }
                    }
                };
                report.latencies.push(sent.elapsed());
                let first = step as u64 + 1;
                let lost = sessions[s].1;
                let checked = outcome.and_then(|v| check_step(&v, step, first..=first + lost));
                match checked {
                    Ok(v) if v < version => report.fail(format!("{id}: V{v} after V{version}")),
                    Ok(v) => {
                        version = v;
                        *report.versions.entry(v).or_default() += 1;
                        report.answered += 1;
                        sessions[s].0 += 1;
                        progress.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => report.fail(format!("{id}: {e}")),
                }
            }
            report
        }));
    }
    let mut report = LoadReport::default();
    for c in clients {
        report.add(c.await.unwrap());
    }
    report.elapsed = started.elapsed();
    report
}

/// Requests per client in [`service_survives_load_with_reloads`]:
/// `KEFU_LOAD_REQUESTS`, default 5,000.
fn load_requests() -> usize {
    std::env::var("KEFU_LOAD_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}

/// Waits until `progress` reaches `n`, or the load is over.
async fn wait_progress<T>(progress: &AtomicUsize, n: usize, load: &tokio::task::JoinHandle<T>) {
    while progress.load(Ordering::Relaxed) < n && !load.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits (at most 20 s) until `probe` is answered by the rules of `version` (V1, V2 …).
async fn wait_version(probe: &mut Client, svc: &Service, version: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !probe
        .text("probe", "尺码")
        .await
        .contains(&format!("{version} 尺码"))
    {
        assert!(Instant::now() < deadline, "no reload: {}", svc.stderr());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_survives_load_with_reloads() {
    let load = Load {
        clients: 8,
        requests: load_requests(),
        sessions: 5,
        tag: "load",
    };
    let total = load.clients * load.requests;
    let svc = Service::start("load", &["--poll-ms", "100"]);
    let progress = Arc::new(AtomicUsize::new(0));
    let running = tokio::spawn(run_load(vec![svc.addr], load, progress.clone()));

    let mut probe = Client::connect(svc.addr).await.unwrap();
    let deploy = |rules: String| svc.deploy(&rules);
    wait_progress(&progress, total / 10, &running).await;
    deploy(shop_v2());
    wait_version(&mut probe, &svc, "V2").await;

    // A broken edit, written in place: reported, and the V2 engine keeps serving.
    wait_progress(&progress, total / 4, &running).await;
    let reloads = probe.health().await["reloads"].as_u64().unwrap();
    assert_eq!(reloads, 1, "the new engine is counted before it serves");
    std::fs::write(
        &svc.rules,
        shop_v2().replace("keywords: [尺码, 码数]", "keyword: [尺码, 码数]"),
    )
    .unwrap();
    svc.wait_stderr("the broken file to be reported", |s| {
        s.contains("failed; keeping the rules") && s.contains("unknown key 'keyword'")
    })
    .await;
    assert!(probe.text("probe", "尺码").await.contains("V2 尺码"));
    assert_eq!(probe.health().await["reloads"], reloads);
    let rejected_at = progress.load(Ordering::Relaxed);

    wait_progress(&progress, total * 2 / 5, &running).await;
    deploy(shop_v1().replace("V1 ", "V3 "));
    wait_version(&mut probe, &svc, "V3").await;
    let reloaded_at = progress.load(Ordering::Relaxed);

    let report = running.await.unwrap();
    let report = report.checked("one service, memory sessions, 3 rule deploys", load);
    assert_eq!(report.retried, 0);
    assert!(
        rejected_at < total && reloaded_at < total,
        "reloads were not under load"
    );
    let seen: Vec<u32> = report.versions.keys().copied().collect();
    assert_eq!(seen, [1, 2, 3], "{:?}", report.versions);
    let h = probe.health().await;
    assert_eq!(
        (&h["reloads"], &h["sessions"]),
        (&json!(2), &json!(load.clients * load.sessions + 1))
    );
}

/// Says something on the test run's stderr even though libtest captures what tests
/// print: load figures and skips are for whoever runs `cargo test`.
fn tell(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A redis-server of the test's own on 127.0.0.1, without persistence; killed on drop.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Whether redis-server is installed. Where it is not, the test says it is
    /// skipped, unless `KEFU_REQUIRE_REDIS=1`, which makes it fail.
    fn available(test: &str) -> bool {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status();
        match found {
            Ok(s) if s.success() => true,
            other => {
                let required = std::env::var("KEFU_REQUIRE_REDIS").is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "redis-server not found ({other:?}) and KEFU_REQUIRE_REDIS=1"
                );
                tell(&format!(
                    "SKIPPED: redis-server not found: {test} did not run \
                     (apt-get install redis-server; KEFU_REQUIRE_REDIS=1 makes this a failure)"
                ));
                false
            }
        }
    }

    fn start(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.connection().is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} does not answer"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn url(&self) -> String {
        redis_url(self.port)
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let mut conn = redis::Client::open(self.url())?.get_connection()?;
        redis::cmd("PING").query::<()>(&mut conn)?;
        Ok(conn)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A service replica keeping its sessions in Redis at `url`.
fn replica(test: &str, rules: &str, url: &str) -> Service {
    Service::start_with(test, rules, &["--redis", url, "--session-ttl", "600"])
}

fn apparel() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("rules/apparel.yaml")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_replicas_continue_a_conversation_as_one_service_would() {
    if !RedisServer::available("redis_replicas_continue_a_conversation_as_one_service_would") {
        return;
    }
    let redis = RedisServer::start(free_port());
    // The bundled rules: several reply variants per node, rotated per session.
    let single = Service::start_with("same-single", &apparel(), &[]);
    let a = replica("same-a", &apparel(), &redis.url());
    let b = replica("same-b", &apparel(), &redis.url());
    let messages = [
        "在吗",
        "这件尺码偏大吗",
        "那L呢",
        "我160 100斤穿什么码",
        "这件偏大吗",
        "这件偏大吗",
        "订单123456789012345678 怎么还没发货",
        "运费",
        "今天天气真好",
        "讲个笑话吧",
        "我要退货",
        "运费呢",
        "好的谢谢",
    ];
    let id = "buyer-redis";
    let mut one = Client::connect(single.addr).await.unwrap();
    let mut replicas = [
        Client::connect(a.addr).await.unwrap(),
        Client::connect(b.addr).await.unwrap(),
    ];
    let mut alone = Vec::new();
    let mut shared = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        alone.push(one.reply(id, m).await.unwrap());
        shared.push(replicas[i % 2].reply(id, m).await.unwrap());
    }
    for (i, (x, y)) in alone.iter().zip(&shared).enumerate() {
        assert_eq!(
            x, y,
            "message {i} ({}) on alternating replicas",
            messages[i]
        );
    }
    // What the comparison covers: one greeting, context, rotation, captures, handoff.
    let kind = |i: usize| shared[i]["kind"].as_str().unwrap().to_owned();
    assert!(kind(0).starts_with("greeting"), "{}", shared[0]);
    assert!((1..messages.len()).all(|i| !kind(i).starts_with("greeting")));
    let turns: Vec<u64> = shared
        .iter()
        .map(|v| v["turns"].as_u64().unwrap())
        .collect();
    assert_eq!(turns, (1..=messages.len() as u64).collect::<Vec<_>>());
    assert_eq!(shared[2]["topic"], "size_fit", "那L呢 follows 偏大");
    assert_ne!(shared[4]["text"], shared[5]["text"], "variants rotate");
    assert_eq!(
        shared[7]["topic"], "return_fee",
        "the order number was kept"
    );
    // The service reads the wall clock: outside apparel's agent hours (09:00–24:00,
    // Asia/Shanghai) the handoff is `handoff_off_hours`.
    assert!(
        kind(9).starts_with("handoff") && shared[9]["handoff"] == json!(true),
        "{}",
        shared[9]
    );

    // In Redis: the JSON of a kefu::Session under the prefix, expiring like --session-ttl.
    let mut conn = redis.connection().unwrap();
    let key = format!("kefu:session:{id}");
    let json: String = redis::cmd("GET").arg(&key).query(&mut conn).unwrap();
    let session: kefu::Session = serde_json::from_str(&json).unwrap();
    assert_eq!((session.id(), session.turns()), (id, messages.len() as u64));
    let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut conn).unwrap();
    assert!((590..=600).contains(&ttl), "TTL {ttl}");
    let h = replicas[0].health().await;
    assert_eq!((&h["status"], &h["sessions"]), (&json!("ok"), &Value::Null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_replica_killed_mid_load_loses_no_session() {
    if !RedisServer::available("redis_replica_killed_mid_load_loses_no_session") {
        return;
    }
    let redis = RedisServer::start(free_port());
    let mut a = replica("kill-a", &shop_v1(), &redis.url());
    let b = replica("kill-b", &shop_v1(), &redis.url());
    let load = Load {
        clients: 4,
        requests: 1_000,
        sessions: 3,
        tag: "kill",
    };
    let total = load.clients * load.requests;
    let progress = Arc::new(AtomicUsize::new(0));
    let running = tokio::spawn(run_load(vec![a.addr, b.addr], load, progress.clone()));
    wait_progress(&progress, total * 3 / 10, &running).await;
    a.child.kill().unwrap();
    let killed_at = progress.load(Ordering::Relaxed);
    let report = running.await.unwrap();
    let report = report.checked("two replicas sharing Redis, one killed at 30%", load);
    assert!(
        killed_at < total && report.retried > 0,
        "the kill was not under load"
    );
    // Every conversation is in Redis, its turns at least the replies it got.
    let mut conn = redis.connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("kefu:session:kill-*")
        .query(&mut conn)
        .unwrap();
    assert_eq!(keys.len(), load.clients * load.sessions);
    let mut probe = Client::connect(b.addr).await.unwrap();
    assert_eq!(probe.health().await["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_concurrent_messages_of_one_session_are_all_counted() {
    if !RedisServer::available("redis_concurrent_messages_of_one_session_are_all_counted") {
        return;
    }
    const TASKS: usize = 8;
    const EACH: usize = 100;
    let redis = RedisServer::start(free_port());
    let a = replica("cas-a", &shop_v1(), &redis.url());
    let b = replica("cas-b", &shop_v1(), &redis.url());
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let addr = if t % 2 == 0 { a.addr } else { b.addr };
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await.unwrap();
            let mut turns = Vec::new();
            for _ in 0..EACH {
                let v = c.reply("one-buyer", "我要退货").await.unwrap();
                turns.push((v["turns"].as_u64().unwrap(), v["kind"].clone()));
            }
            turns
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_by_key(|(t, _)| *t);
    // Each message answered on the session as the one before it left it: turns
    // 1, 2, … with none lost or counted twice, and only the first greets.
    let turns: Vec<u64> = all.iter().map(|(t, _)| *t).collect();
    assert_eq!(turns, (1..=(TASKS * EACH) as u64).collect::<Vec<_>>());
    let greetings: Vec<u64> = all
        .iter()
        .filter(|(_, k)| k == "greeting")
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(greetings, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_gives_503_and_the_service_recovers() {
    if !RedisServer::available("redis_outage_gives_503_and_the_service_recovers") {
        return;
    }
    let port = free_port();
    // Nothing listens on the port yet.
    let mut svc = replica("outage", &shop_v1(), &redis_url(port));
    let mut c = Client::connect(svc.addr).await.unwrap();
    let unavailable = async |c: &mut Client| {
        let body = serde_json::to_vec(&json!({ "session": "s", "message": "尺码" })).unwrap();
        let (status, v) = c.request("POST", "/reply", body).await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("session store unavailable"),
            "{v}"
        );
        let (status, v) = c.request("GET", "/health", Vec::new()).await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    };
    // Answers again once Redis answers: returns the reply.
    let recovered = async |c: &mut Client| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match c.reply("s", "尺码").await {
                Ok(v) => return v,
                Err(e) => assert!(Instant::now() < deadline, "still failing: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    unavailable(&mut c).await;
    let redis = RedisServer::start(port);
    assert_eq!(recovered(&mut c).await["kind"], "greeting");
    drop(redis); // killed: the connection the service holds breaks
    unavailable(&mut c).await;
    let _redis = RedisServer::start(port);
    // A new Redis, without the old data: the conversation starts again.
    assert_eq!(recovered(&mut c).await["turns"], 1);
    assert!(
        svc.child.try_wait().unwrap().is_none(),
        "the service is still up"
    );
    assert!(!svc.stderr().contains("panicked"), "{}", svc.stderr());
}
