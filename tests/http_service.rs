//! End-to-end tests of `examples/http_service.rs`: the service runs as a child
//! process on 127.0.0.1 (port 0) and a real HTTP client (hyper) talks to it, with a
//! bounded number of requests.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

mod common;
use common::{build_example, ROOT};

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
        let dir = std::env::temp_dir().join(format!("kefu-http-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rules = dir.join("rules.yaml");
        std::fs::write(&rules, shop_v1()).unwrap();
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

    async fn health(&mut self) -> Value {
        let (status, v) = self.request("GET", "/health", Vec::new()).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        v
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_reloads_rules_while_requests_flow_and_keeps_them_when_broken() {
    const WORKERS: usize = 3;
    const MAX_REQUESTS: usize = 3_000; // per worker
    let svc = Service::start("reload", &["--poll-ms", "100"]);
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let stop = stop.clone();
        let addr = svc.addr;
        workers.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await.expect("connect");
            let (mut sent, mut failures, mut v1, mut v2) = (0usize, Vec::new(), 0usize, 0usize);
            let messages = ["尺码怎么选", "偏大吗", "我要退货"];
            while !stop.load(Ordering::Relaxed) && sent < MAX_REQUESTS {
                let session = format!("w{w}-{}", sent % 7);
                match c.reply(&session, messages[sent % 3]).await {
                    Ok(v) => {
                        let text = v["text"].as_str().unwrap_or_default();
                        if text.contains("V2 ") {
                            v2 += 1;
                        } else if text.contains("V1 ") {
                            v1 += 1;
                        } else {
                            failures.push(format!("unexpected reply {v}"));
                        }
                    }
                    Err(e) => failures.push(e),
                }
                sent += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            (sent, failures, v1, v2)
        }));
    }
    let mut probe = Client::connect(svc.addr).await.unwrap();
    let text = |v: Value| v["text"].as_str().unwrap_or_default().to_owned();
    assert!(text(probe.reply("probe", "尺码").await.unwrap()).contains("V1 尺码"));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Deploy new rules the way deploy tools do: write aside, rename over.
    let aside = svc.rules.with_extension("new");
    std::fs::write(&aside, shop_v2()).unwrap();
    std::fs::rename(&aside, &svc.rules).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = text(probe.reply("probe", "尺码").await.unwrap());
        if t.contains("V2 尺码") {
            break;
        }
        assert!(t.contains("V1 尺码"), "{t}");
        assert!(
            Instant::now() < deadline,
            "no reload; stderr:\n{}",
            svc.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reloads = probe.health().await["reloads"].as_u64().unwrap();
    assert!(reloads >= 1, "the new engine is counted before it serves");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A broken edit, written in place: reported, and the V2 engine stays.
    let failed_before = svc.stderr().matches("failed; keeping the rules").count();
    std::fs::write(
        &svc.rules,
        shop_v2().replace("keywords: [尺码, 码数]", "keyword: [尺码, 码数]"),
    )
    .unwrap();
    svc.wait_stderr("the broken file to be reported", |s| {
        s.matches("failed; keeping the rules").count() > failed_before
            && s.contains("unknown key 'keyword'")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(text(probe.reply("probe", "尺码").await.unwrap()).contains("V2 尺码"));
    assert_eq!(probe.health().await["reloads"].as_u64().unwrap(), reloads);

    stop.store(true, Ordering::Relaxed);
    let (mut total, mut v1_total, mut v2_total) = (0, 0, 0);
    for w in workers {
        let (sent, failures, v1, v2) = w.await.unwrap();
        assert!(failures.is_empty(), "failed requests: {failures:?}");
        total += sent;
        v1_total += v1;
        v2_total += v2;
    }
    assert!(total <= WORKERS * MAX_REQUESTS);
    assert!(v1_total > 0 && v2_total > 0, "v1 {v1_total}, v2 {v2_total}");
    assert!(svc.stderr().contains("reloaded"), "{}", svc.stderr());
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
