//! kefu embedded in a Rust web service: a small axum JSON API.
//!
//! ```text
//! cargo run --example http_service -- --rules rules/apparel.yaml --addr 127.0.0.1:8080
//! curl -s localhost:8080/reply -H 'content-type: application/json' \
//!      -d '{"session": "buyer-42", "message": "这件偏大吗"}'
//! ```
//!
//! - `POST /reply {"session": "...", "message": "..."}` answers with the reply as
//!   JSON: `text`, `kind`, `topic` (null on fallback, and when held back), `path`,
//!   `confidence` (`low`, `medium`, `high`), `held_back` (kefu was not sure enough to
//!   answer: the buyer got the fallback), `suggestions` (when held back, for the shop's
//!   agent, best first: `topic`, `confidence`, `text`), `handoff`, `truncated`,
//!   `notice`, `segment` (the buyer's segment id or null), `angry`, `promotion` (the
//!   promotion appended for the buyer's segment, or null), `product` (the current
//!   product's id or null), `hits` (`keyword`, `topic`, `kind`, `start`, `end` as byte
//!   offsets),
//!   `turns` (messages answered in this session, this one included).
//!   Errors are `{"error": "..."}` with a 4xx status, or 503 when the session store
//!   (Redis) cannot be reached.
//! - `GET /health` gives the `status`, the shop, node and keyword counts, the number
//!   of reloads and of sessions held (in memory; `null` with Redis, where it answers
//!   503 when Redis does not answer a PING). `status` is `ok`, or `reload_failed`
//!   while the last reload of the rule file failed and the rules loaded before serve:
//!   `reload_error` then says what (`error`, every problem of the file), since when
//!   (`since`, the first failed reload after the last good one, RFC 3339) and how
//!   many reloads failed since (`failures`); it is `null` when `status` is `ok`.
//!
//! Sessions live in memory, keyed by the caller's session id, and are forgotten after
//! `--session-ttl` seconds without a message (at most `--max-sessions`; past that the
//! least recently used go first). With `--redis URL` they live in Redis instead, as
//! the JSON of a `kefu::Session` under `--redis-prefix` + id with the same idle
//! expiry, so several replicas serve one shop; a session is written back only if it
//! is still the one the reply was computed from (an atomic compare-and-set script),
//! else the reply is computed again on the newer session. See `docs/SERVICE.md`.
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
use kefu::{Engine, Reply, Session};
use redis::aio::MultiplexedConnection;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

const BUNDLED: &str = include_str!("../../rules/apparel.yaml");
/// Longest session id accepted, in bytes.
const MAX_SESSION_ID: usize = 128;
/// How long Redis may take to accept a connection or to answer a command.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// After a failed connection to Redis, requests fail at once for this long instead
/// of each trying again (and waiting) in turn.
const REDIS_RETRY_AFTER: Duration = Duration::from_millis(250);
/// How long one message may go on losing compare-and-set rounds (each lost because
/// another message of the same conversation was written first) before it gets a 503.
const CAS_DEADLINE: Duration = Duration::from_secs(2);
/// KEYS[1] the session key; ARGV: 1 if a session was read, the JSON read, the new
/// JSON, the TTL in seconds. Writes the new session only if the key still holds what
/// was read (or still holds nothing); returns 1 if it wrote.
const COMPARE_AND_SET: &str = r"
local current = redis.call('GET', KEYS[1])
if (ARGV[1] == '1' and current == ARGV[2]) or (ARGV[1] == '0' and not current) then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
  return 1
end
return 0
";

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
    /// Most conversations held in memory (not used with --redis)
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_sessions: usize,
    /// How often to look at the rule file for changes, in milliseconds
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    poll_ms: u64,
    /// Keep sessions in Redis, shared by every replica given the same URL
    /// (redis://[:PASSWORD@]HOST:PORT[/DB])
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// Prefix of the Redis keys of sessions (the key is PREFIX + session id)
    #[arg(long, default_value = "kefu:session:", value_name = "PREFIX")]
    redis_prefix: String,
}

struct App {
    engine: ArcSwap<Engine>,
    store: Store,
    reloads: AtomicU64,
    /// Set by a failed reload, cleared by a good one: what `/health` reports.
    reload_failure: Mutex<Option<ReloadFailure>>,
}

impl App {
    fn reload_failure(&self) -> MutexGuard<'_, Option<ReloadFailure>> {
        self.reload_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The rule file did not reload, and no reload has succeeded since: the rules in
/// service are older than the file.
#[derive(Clone, Serialize)]
struct ReloadFailure {
    /// Why the last reload failed: every problem of the file, one per line.
    error: String,
    /// When the first of these failed reloads happened (RFC 3339, UTC).
    since: String,
    /// Failed reloads since the last good one.
    failures: u64,
}

/// Where conversations are kept between messages.
enum Store {
    Memory(MemoryStore),
    Redis(Box<RedisStore>),
}

/// Why a message got no reply.
struct Unanswered {
    status: StatusCode,
    message: String,
}

impl Unanswered {
    fn unavailable(message: impl Into<String>) -> Self {
        Unanswered {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
        }
    }
}

impl From<redis::RedisError> for Unanswered {
    fn from(e: redis::RedisError) -> Self {
        Unanswered::unavailable(format!("session store unavailable: {e}"))
    }
}

/// Sessions in this process's memory: right for one instance.
struct MemoryStore {
    sessions: Mutex<HashMap<String, Held>>,
    ttl: Duration,
    max_sessions: usize,
}

struct Held {
    session: Session,
    last: Instant,
}

impl MemoryStore {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Held>> {
        // A panic while holding the lock leaves the map usable; keep serving.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answers `message` in conversation `id`; returns the reply and the number of
    /// messages the conversation has had, this one included.
    fn reply<'e>(&self, engine: &'e Engine, id: &str, message: &str) -> (Reply<'e>, u64) {
        let now = Instant::now();
        let mut sessions = self.sessions();
        if !sessions.contains_key(id) && sessions.len() >= self.max_sessions {
            evict(&mut sessions, now, self.ttl);
        }
        let held = sessions.entry(id.to_owned()).or_insert_with(|| Held {
            session: Session::new(id),
            last: now,
        });
        if now.duration_since(held.last) > self.ttl {
            held.session = Session::new(id); // expired, not yet swept
        }
        held.last = now;
        // Replying takes microseconds: holding the lock for it keeps one conversation's
        // messages in order without a lock per session.
        let reply = engine.reply(&mut held.session, message);
        (reply, held.session.turns())
    }

    /// Forgets idle conversations.
    fn sweep(&self) {
        let now = Instant::now();
        self.sessions()
            .retain(|_, h| now.duration_since(h.last) <= self.ttl);
    }
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

/// Sessions in Redis, shared by replicas: the JSON of a `kefu::Session` under
/// `prefix + id`, expiring after `ttl` without a message.
///
/// Each message reads the session, replies, and writes the session back with a
/// compare-and-set script: only if the key still holds what was read. If another
/// replica answered a message of the same conversation in between, the reply is
/// computed again on the newer session. Two round trips per message, as a plain
/// GET/SET; no message is lost, no lock can be left behind by a replica that dies.
struct RedisStore {
    client: redis::Client,
    link: tokio::sync::Mutex<Link>,
    prefix: String,
    ttl_secs: u64,
    cas: redis::Script,
}

/// The one multiplexed connection a replica keeps to Redis.
struct Link {
    /// Connections made so far: the number of the current one.
    made: u64,
    state: LinkState,
}

enum LinkState {
    Idle,
    Up(MultiplexedConnection),
    /// The last attempt to connect failed, at this time, with this error.
    Down(Instant, String),
}

impl RedisStore {
    fn new(url: &str, prefix: String, ttl: Duration) -> redis::RedisResult<RedisStore> {
        Ok(RedisStore {
            client: redis::Client::open(url)?,
            link: tokio::sync::Mutex::new(Link {
                made: 0,
                state: LinkState::Idle,
            }),
            prefix,
            ttl_secs: ttl.as_secs().max(1),
            cas: redis::Script::new(COMPARE_AND_SET),
        })
    }

    /// The connection, made if there is none. While Redis cannot be reached, one
    /// request at a time tries again (at most every `REDIS_RETRY_AFTER`); the others
    /// fail at once.
    async fn connection(&self) -> Result<(u64, MultiplexedConnection), Unanswered> {
        let mut link = self.link.lock().await;
        match &link.state {
            LinkState::Up(conn) => return Ok((link.made, conn.clone())),
            LinkState::Down(at, error) if at.elapsed() < REDIS_RETRY_AFTER => {
                return Err(Unanswered::unavailable(error.clone()))
            }
            LinkState::Down(..) | LinkState::Idle => {}
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        match self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(conn) => {
                link.made += 1;
                link.state = LinkState::Up(conn.clone());
                Ok((link.made, conn))
            }
            Err(e) => {
                let e = Unanswered::from(e);
                link.state = LinkState::Down(Instant::now(), e.message.clone());
                Err(e)
            }
        }
    }

    /// Drops connection number `made` after an error on it: the next request
    /// connects again.
    async fn forget(&self, made: u64) {
        let mut link = self.link.lock().await;
        if link.made == made && matches!(link.state, LinkState::Up(_)) {
            link.state = LinkState::Idle;
        }
    }

    /// Runs `f` on the connection; an error drops the connection.
    async fn with_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Result<T, Unanswered> {
        let (made, mut conn) = self.connection().await?;
        match f(&mut conn).await {
            Ok(t) => Ok(t),
            Err(e) => {
                self.forget(made).await;
                Err(e.into())
            }
        }
    }

    async fn ping(&self) -> Result<(), Unanswered> {
        self.with_connection(async |conn| redis::cmd("PING").query_async::<()>(conn).await)
            .await
    }

    /// As [`MemoryStore::reply`], with the session read from and written to Redis.
    async fn reply<'e>(
        &self,
        engine: &'e Engine,
        id: &str,
        message: &str,
    ) -> Result<(Reply<'e>, u64), Unanswered> {
        let key = format!("{}{id}", self.prefix);
        let deadline = Instant::now() + CAS_DEADLINE;
        self.with_connection(async |conn| {
            for round in 0u64.. {
                let stored: Option<String> = conn.get(&key).await?;
                // A missing, expired or unreadable session starts a new conversation.
                let mut session = stored
                    .as_deref()
                    .and_then(|json| serde_json::from_str::<Session>(json).ok())
                    .unwrap_or_else(|| Session::new(id));
                let reply = engine.reply(&mut session, message);
                let json = match serde_json::to_string(&session) {
                    Ok(json) => json,
                    Err(e) => {
                        return Ok(Err(Unanswered {
                            status: StatusCode::INTERNAL_SERVER_ERROR,
                            message: format!("cannot store the session: {e}"),
                        }))
                    }
                };
                let written: bool = self
                    .cas
                    .key(&key)
                    .arg(u8::from(stored.is_some()))
                    .arg(stored.unwrap_or_default())
                    .arg(json)
                    .arg(self.ttl_secs)
                    .invoke_async(conn)
                    .await?;
                if written {
                    return Ok(Ok((reply, session.turns())));
                }
                if Instant::now() >= deadline {
                    break;
                }
                // Another message of this conversation was written first: read it
                // again after a short random pause, so that the same messages do not
                // meet again in step.
                let pause = RandomState::new().hash_one(round) % (200 * round.clamp(1, 10));
                tokio::time::sleep(Duration::from_micros(pause)).await;
            }
            Ok(Err(Unanswered::unavailable(
                "the session kept changing while this message was answered; retry",
            )))
        })
        .await?
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

/// What kefu would have answered, for the shop's agent, when it held back.
#[derive(Serialize)]
struct SuggestionJson {
    topic: String,
    confidence: kefu::Confidence,
    text: String,
}

#[derive(Serialize)]
struct ReplyJson {
    text: String,
    kind: kefu::ReplyKind,
    topic: Option<String>,
    path: Option<String>,
    confidence: kefu::Confidence,
    held_back: bool,
    suggestions: Vec<SuggestionJson>,
    handoff: bool,
    truncated: bool,
    notice: Option<String>,
    segment: Option<String>,
    angry: bool,
    promotion: Option<String>,
    product: Option<String>,
    hits: Vec<HitJson>,
    turns: u64,
}

impl ReplyJson {
    fn new(r: Reply<'_>, turns: u64) -> ReplyJson {
        ReplyJson {
            kind: r.kind(),
            topic: r.topic().map(str::to_owned),
            path: r.node().map(|n| n.display_path()),
            confidence: r.confidence(),
            held_back: r.held_back(),
            suggestions: r
                .suggestions()
                .iter()
                .map(|x| SuggestionJson {
                    topic: x.topic().to_owned(),
                    confidence: x.confidence(),
                    text: x.text().to_owned(),
                })
                .collect(),
            handoff: r.handoff(),
            truncated: r.truncated(),
            notice: r.notice().map(str::to_owned),
            segment: r.segment().map(str::to_owned),
            angry: r.angry(),
            promotion: r.promotion().map(str::to_owned),
            product: r.product().map(|p| p.id().to_owned()),
            hits: r
                .hits()
                .iter()
                .map(|h| HitJson {
                    keyword: h.keyword.to_owned(),
                    topic: h.topic.to_owned(),
                    kind: h.kind,
                    start: h.span.start,
                    end: h.span.end,
                })
                .collect(),
            text: r.text().to_owned(),
            turns,
        }
    }
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
    let answered = match &app.store {
        Store::Memory(m) => Ok(m.reply(&engine, &req.session, &req.message)),
        Store::Redis(r) => r.reply(&engine, &req.session, &req.message).await,
    };
    match answered {
        Ok((r, turns)) => Json(ReplyJson::new(r, turns)).into_response(),
        Err(e) => error(e.status, e.message),
    }
}

async fn health(State(app): State<Arc<App>>) -> Response {
    let sessions = match &app.store {
        Store::Memory(m) => serde_json::json!(m.sessions().len()),
        Store::Redis(r) => match r.ping().await {
            Ok(()) => serde_json::Value::Null,
            Err(e) => return error(e.status, e.message),
        },
    };
    let engine = app.engine.load_full();
    let failure = app.reload_failure().clone();
    // Still 200: the replica answers (with the rules it had), so a load balancer keeps
    // it; whoever watches the status sees that the file on disk is not in service.
    Json(serde_json::json!({
        "status": if failure.is_some() { "reload_failed" } else { "ok" },
        "reload_error": failure,
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
            *app.reload_failure() = None;
            eprintln!(
                "kefu: reloaded {} ({why}): {nodes} nodes, {keywords} keywords",
                path.display()
            );
        }
        Ok(Err(e)) => {
            eprintln!(
                "kefu: reload of {} ({why}) failed; keeping the rules in service:\n{e}",
                path.display()
            );
            failed_reload(app, e.to_string());
        }
        Err(e) => {
            eprintln!("kefu: reload of {} failed: {e}", path.display());
            failed_reload(app, e.to_string());
        }
    }
}

/// Records a failed reload for `/health`: the latest error, and since when reloads
/// have been failing.
fn failed_reload(app: &App, error: String) {
    let mut failure = app.reload_failure();
    match &mut *failure {
        Some(f) => {
            f.error = error;
            f.failures += 1;
        }
        None => {
            let now = jiff::Timestamp::now();
            let since = jiff::Timestamp::from_second(now.as_second()).unwrap_or(now);
            *failure = Some(ReloadFailure {
                error,
                since: since.to_string(),
                failures: 1,
            });
        }
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

/// Forgets idle conversations held in memory.
async fn sweep(app: Arc<App>) {
    let Store::Memory(memory) = &app.store else {
        return; // Redis expires them
    };
    let every = (memory.ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        memory.sweep();
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
    let ttl = Duration::from_secs(cli.session_ttl);
    let store = match &cli.redis {
        Some(url) => match RedisStore::new(url, cli.redis_prefix.clone(), ttl) {
            Ok(r) => Store::Redis(Box::new(r)),
            Err(e) => {
                eprintln!("error: --redis: {e}");
                return ExitCode::from(2);
            }
        },
        None => Store::Memory(MemoryStore {
            sessions: Mutex::new(HashMap::new()),
            ttl,
            max_sessions: cli.max_sessions.max(1),
        }),
    };
    if let Store::Redis(r) = &store {
        // Serve anyway: replies get a 503 until Redis answers.
        if let Err(e) = r.ping().await {
            eprintln!("kefu: warning: {}", e.message);
        }
    }
    let app = Arc::new(App {
        engine: ArcSwap::from_pointee(engine),
        store,
        reloads: AtomicU64::new(0),
        reload_failure: Mutex::new(None),
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
    let sessions = match &app.store {
        Store::Memory(_) => "in memory",
        Store::Redis(_) => "in Redis",
    };
    eprintln!("kefu: listening on http://{addr} with {rules}, sessions {sessions}");
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
