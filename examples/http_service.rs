//! kefu embedded in a Rust web service: a small axum JSON API.
//!
//! ```text
//! cargo run --example http_service -- --rules rules/apparel.yaml --addr 127.0.0.1:8080
//! curl -s localhost:8080/reply -H 'content-type: application/json' \
//!      -d '{"session": "buyer-42", "message": "这件偏大吗"}'
//! ```
//!
//! - `POST /reply {"session": "...", "message": "..."}` answers with the reply as
//!   JSON: `text`, `kind`, `topic` (null on fallback), `path`, `handoff`, `truncated`,
//!   `notice`, `hits` (`keyword`, `topic`, `kind`, `start`, `end` as byte offsets).
//!   Errors are `{"error": "..."}` with a 4xx status.
//! - `GET /health` gives the shop, node and keyword counts, the number of reloads
//!   and of sessions held.
//!
//! Sessions live in memory, keyed by the caller's session id, and are forgotten after
//! `--session-ttl` seconds without a message (at most `--max-sessions`; past that the
//! least recently used go first). Several replicas would keep them in a shared store
//! instead: see `docs/SERVICE.md`.
//!
//! The rule file is reloaded without a restart when its modification time or size
//! changes (checked every `--poll-ms`, default 1 s) or on SIGHUP. The new engine is
//! built off the request path and swapped in atomically (`arc_swap`): a request in
//! flight finishes with the engine it started with, and no request waits or fails
//! during a reload. A file that does not load is reported on stderr, with every
//! problem, and the engine in service is kept.
//!
//! The first line on stdout is the bound address (`127.0.0.1:PORT`), so with
//! `--addr 127.0.0.1:0` a test or a supervisor learns the port. Logs go to stderr.

use arc_swap::ArcSwap;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use kefu::{Engine, Session};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

const BUNDLED: &str = include_str!("../rules/apparel.yaml");
/// Longest session id accepted, in bytes.
const MAX_SESSION_ID: usize = 128;

#[derive(Parser)]
#[command(name = "http_service", about = "kefu as a JSON web service")]
struct Cli {
    /// Rule file, reloaded when it changes (default: the bundled rules, never reloaded)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Forget a conversation after this many seconds without a message
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    session_ttl: u64,
    /// Most conversations held in memory
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_sessions: usize,
    /// How often to look at the rule file for changes, in milliseconds
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    poll_ms: u64,
}

struct App {
    engine: ArcSwap<Engine>,
    sessions: Mutex<HashMap<String, Held>>,
    ttl: Duration,
    max_sessions: usize,
    reloads: AtomicU64,
}

struct Held {
    session: Session,
    last: Instant,
}

impl App {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Held>> {
        // A panic while holding the lock leaves the map usable; keep serving.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Deserialize)]
struct ReplyRequest {
    session: String,
    message: String,
}

#[derive(Serialize)]
struct HitJson {
    keyword: String,
    topic: String,
    kind: kefu::HitKind,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct ReplyJson {
    text: String,
    kind: kefu::ReplyKind,
    topic: Option<String>,
    path: Option<String>,
    handoff: bool,
    truncated: bool,
    notice: Option<String>,
    hits: Vec<HitJson>,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() });
    (status, Json(body)).into_response()
}

async fn reply(
    State(app): State<Arc<App>>,
    body: Result<Json<ReplyRequest>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(r)) => r,
        Err(e) => return error(e.status(), e.body_text()),
    };
    if req.session.is_empty() || req.session.len() > MAX_SESSION_ID {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("session must be 1 to {MAX_SESSION_ID} bytes"),
        );
    }
    // The engine this request uses, even if a reload swaps in another meanwhile.
    let engine = app.engine.load_full();
    let now = Instant::now();
    let mut sessions = app.sessions();
    if !sessions.contains_key(&req.session) && sessions.len() >= app.max_sessions {
        evict(&mut sessions, now, app.ttl);
    }
    let held = sessions.entry(req.session.clone()).or_insert_with(|| Held {
        session: Session::new(req.session.as_str()),
        last: now,
    });
    if now.duration_since(held.last) > app.ttl {
        held.session = Session::new(req.session.as_str()); // expired, not yet swept
    }
    held.last = now;
    // Replying takes microseconds: holding the lock for it keeps one conversation's
    // messages in order without a lock per session.
    let r = engine.reply(&mut held.session, &req.message);
    drop(sessions);
    let body = ReplyJson {
        kind: r.kind,
        topic: r.topic().map(str::to_owned),
        path: r.node().map(|n| n.display_path()),
        handoff: r.handoff,
        truncated: r.truncated,
        notice: r.notice.map(str::to_owned),
        hits: r
            .hits
            .iter()
            .map(|h| HitJson {
                keyword: h.keyword.to_owned(),
                topic: h.topic.to_owned(),
                kind: h.kind,
                start: h.span.start,
                end: h.span.end,
            })
            .collect(),
        text: r.text,
    };
    Json(body).into_response()
}

/// Makes room for one more session: drops the expired ones, then the least recently
/// used tenth.
fn evict(sessions: &mut HashMap<String, Held>, now: Instant, ttl: Duration) {
    sessions.retain(|_, h| now.duration_since(h.last) <= ttl);
    let len = sessions.len();
    if len == 0 {
        return;
    }
    let mut ages: Vec<Instant> = sessions.values().map(|h| h.last).collect();
    let k = len / 10;
    let (_, &mut cutoff, _) = ages.select_nth_unstable(k);
    sessions.retain(|_, h| h.last > cutoff);
}

async fn health(State(app): State<Arc<App>>) -> Response {
    let engine = app.engine.load();
    let sessions = app.sessions().len();
    Json(serde_json::json!({
        "status": "ok",
        "shop": engine.shop_name(),
        "nodes": engine.nodes().len(),
        "keywords": engine.keyword_count(),
        "reloads": app.reloads.load(Ordering::SeqCst),
        "sessions": sessions,
    }))
    .into_response()
}

/// What tells a rule file changed: modification time and size.
type Stamp = (Option<SystemTime>, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.modified().ok(), m.len()))
}

async fn reload(app: &App, path: &Path, why: &str) {
    let p = path.to_owned();
    let built = tokio::task::spawn_blocking(move || Engine::from_path(&p)).await;
    match built {
        Ok(Ok(engine)) => {
            let (nodes, keywords) = (engine.nodes().len(), engine.keyword_count());
            // Counted first: whoever sees the new engine also sees it counted.
            app.reloads.fetch_add(1, Ordering::SeqCst);
            app.engine.store(Arc::new(engine));
            eprintln!(
                "kefu: reloaded {} ({why}): {nodes} nodes, {keywords} keywords",
                path.display()
            );
        }
        Ok(Err(e)) => eprintln!(
            "kefu: reload of {} ({why}) failed; keeping the rules in service:\n{e}",
            path.display()
        ),
        Err(e) => eprintln!("kefu: reload of {} failed: {e}", path.display()),
    }
}

/// Reloads the rules when the file changes or on SIGHUP.
/// `loaded` is the file's stamp taken before the rules in service were read, so a
/// change made while they were loading is picked up by the first poll.
async fn watch(
    app: Arc<App>,
    path: PathBuf,
    loaded: Option<Stamp>,
    poll: Duration,
    mut hangup: Hangup,
) {
    let mut last = loaded;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + poll, poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let why = tokio::select! {
            _ = tick.tick() => "file changed",
            () = hangup.recv() => "SIGHUP",
        };
        let now = stamp(&path);
        if why == "SIGHUP" || now != last {
            // The stamp is taken before reading: a write that lands during the reload
            // changes it again and is picked up by the next poll.
            last = now;
            reload(&app, &path, why).await;
        }
    }
}

/// SIGHUP where there are signals; never elsewhere.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn new() -> Self {
        Hangup {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok(),
        }
    }
    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(s) = &mut self.signal {
            if s.recv().await.is_some() {
                return;
            }
        }
        std::future::pending::<()>().await;
    }
}

/// Forgets idle conversations.
async fn sweep(app: Arc<App>) {
    let every = (app.ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = Instant::now();
        app.sessions()
            .retain(|_, h| now.duration_since(h.last) <= app.ttl);
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/reply", post(reply))
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(app)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded_stamp = cli.rules.as_deref().and_then(stamp);
    let loaded = match &cli.rules {
        Some(p) => Engine::from_path(p),
        None => Engine::builder().build_named(BUNDLED, Some("rules/apparel.yaml")),
    };
    let engine = match loaded {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Arc::new(App {
        engine: ArcSwap::from_pointee(engine),
        sessions: Mutex::new(HashMap::new()),
        ttl: Duration::from_secs(cli.session_ttl),
        max_sessions: cli.max_sessions.max(1),
        reloads: AtomicU64::new(0),
    });
    // Before the address is printed: a SIGHUP from then on reloads, never kills.
    let hangup = Hangup::new();
    let listener = match tokio::net::TcpListener::bind(cli.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", cli.addr);
            return ExitCode::from(2);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}");
        let _ = out.flush();
    }
    let rules = cli
        .rules
        .as_deref()
        .map_or("the bundled rules".to_owned(), |p| p.display().to_string());
    eprintln!("kefu: listening on http://{addr} with {rules}");
    if let Some(path) = cli.rules.clone() {
        let poll = Duration::from_millis(cli.poll_ms.max(10));
        tokio::spawn(watch(app.clone(), path, loaded_stamp, poll, hangup));
    }
    tokio::spawn(sweep(app.clone()));
    let served = axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown())
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
