//! `make bench`: measures the service against baselines measured in the same run and reports every
//! figure as a ratio to its baseline, with the absolute numbers and the machine beside it.
//!
//! Everything measured is started here: the API in-process (and as a child for memory), the
//! baseline axum server, a fake OpenAI-compatible model, a fake Google Ads API; the `MongoDB`
//! scenario uses the wire-protocol test server named by `CONGO_URI`
//! (`scripts/test-servers.sh start`). See `docs/performance.md` for the method.
//!
//! Settings come from the environment (`BENCH_SECONDS` and the others in [`Settings::from_env`]);
//! `BENCH_ONLY=1,2,9` runs only those scenarios.

mod child;
mod embedded;
mod fakes;
mod load;
mod model;
mod mongo;
mod report;
mod seed;
mod sync;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use api::Config;
use secrecy::SecretString;
use serde_json::json;

use crate::report::Row;

/// The allocator the `api` binary runs with, so that the in-process API is measured as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The JWT secret of every API the benchmark starts.
pub const JWT_SECRET: &str = "bench-jwt-secret-0123456789abcdef-0123456789";

/// The run's knobs, from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `BENCH_SECONDS`: duration of each load run (default 5).
    pub seconds: f64,
    /// `BENCH_CONNECTIONS`: concurrent connections of the request/response runs (default 16).
    pub connections: usize,
    /// `BENCH_CHATS`: concurrent streamed chats of scenario 5 (default 200).
    pub chats: usize,
    /// `BENCH_STREAMS`: streams held open in scenario 6 (default 10,000, capped by the fd limit).
    pub streams: usize,
    /// `BENCH_STREAM_HOLD_SECS`: how long each stream of scenario 6 stays open (default 20).
    pub stream_hold_secs: u64,
    /// `BENCH_CONVERSATIONS`: the main user's conversations (default 10,000).
    pub conversations: usize,
    /// `BENCH_CLIENTS`: the main user's clients (default 200).
    pub clients: usize,
    /// `BENCH_FIGURE_CLIENTS`: clients given 13 months of figures on 4 platforms (default 200).
    pub figure_clients: usize,
    /// `BENCH_BIG_MESSAGES`: messages of the big conversations (default 1,000).
    pub big_messages: usize,
    /// `BENCH_MONGO_CONVERSATIONS`: conversations seeded on `MongoDB` (default 10,000).
    pub mongo_conversations: usize,
    /// `BENCH_SYNC_CONNECTIONS`: connections synced in scenario 8 (default 1,000).
    pub sync_connections: usize,
    /// `BENCH_SYNC_LATENCY_MS`: the fake platform's latency (default 20).
    pub sync_latency_ms: u64,
    /// `BENCH_SYNC_CONCURRENCY`: `SYNC_CONCURRENCY` of scenario 8 (default 16).
    pub sync_concurrency: u64,
    /// `BENCH_ONLY`: the scenarios to run (default all).
    pub only: Option<Vec<u32>>,
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

impl Settings {
    /// Reads the settings.
    pub fn from_env() -> Self {
        Self {
            seconds: env("BENCH_SECONDS", 5.0),
            connections: env("BENCH_CONNECTIONS", 16),
            chats: env("BENCH_CHATS", 200),
            streams: env("BENCH_STREAMS", 10_000),
            stream_hold_secs: env("BENCH_STREAM_HOLD_SECS", 20),
            conversations: env("BENCH_CONVERSATIONS", 10_000),
            clients: env("BENCH_CLIENTS", 200),
            figure_clients: env("BENCH_FIGURE_CLIENTS", 200),
            big_messages: env("BENCH_BIG_MESSAGES", 1_000),
            mongo_conversations: env("BENCH_MONGO_CONVERSATIONS", 10_000),
            sync_connections: env("BENCH_SYNC_CONNECTIONS", 1_000),
            sync_latency_ms: env("BENCH_SYNC_LATENCY_MS", 20),
            sync_concurrency: env("BENCH_SYNC_CONCURRENCY", 16),
            only: std::env::var("BENCH_ONLY")
                .ok()
                .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect()),
        }
    }

    /// A load run's duration.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.seconds.max(0.2))
    }

    /// Whether scenario `n` runs.
    pub fn runs(&self, n: u32) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(&n))
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "seconds": self.seconds,
            "connections": self.connections,
            "chats": self.chats,
            "streams": self.streams,
            "streamHoldSecs": self.stream_hold_secs,
            "conversations": self.conversations,
            "clients": self.clients,
            "figureClients": self.figure_clients,
            "bigMessages": self.big_messages,
            "mongoConversations": self.mongo_conversations,
            "syncConnections": self.sync_connections,
            "syncLatencyMs": self.sync_latency_ms,
            "syncConcurrency": self.sync_concurrency,
        })
    }
}

/// The API's configuration in the benchmark: port 0, the bench secret, no dev seeding, the
/// in-memory backend, and limits high enough that they are not what is measured.
pub fn bench_config() -> Config {
    let mut config = Config::embedded_default();
    config.bind_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    config.jwt_secret = Some(SecretString::from(JWT_SECRET));
    config.seed_demo_clients = false;
    config.rate_limit_per_minute = u32::MAX;
    config.rate_limit_per_day = u32::MAX;
    config.message_cap = 1_000_000;
    config.request_timeout_secs = 600;
    "warn".clone_into(&mut config.rust_log);
    config
}

/// An HTTP client for the load: no proxy, a pool as large as the load.
///
/// # Panics
/// When the TLS backend cannot start.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(20_000)
        .tcp_nodelay(true)
        .build()
        .expect("the HTTP client builds")
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if args.get(1).map(String::as_str) == Some("baseline-server") {
        let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
        return runtime.block_on(fakes::run_baseline_child(port));
    }
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let settings = Settings::from_env();
    let machine = report::machine();
    eprintln!("bench: {settings:?}");
    let mut rows: Vec<Row> = Vec::new();

    if settings.runs(9) || settings.runs(6) {
        step("9/6: memory of the API as a child process");
        match child::run(&settings).await {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => rows.push(Row::failed("6/9", "see 6 and 9", &format!("{e:#}"))),
        }
    }
    if [1, 2, 3, 4].iter().any(|n| settings.runs(*n)) {
        step("1-4: the embedded store");
        match embedded::run(&settings).await {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => rows.push(Row::failed("1-4", "see 1-4", &format!("{e:#}"))),
        }
    }
    if settings.runs(5) || settings.runs(7) {
        step("5/7: the service around a model");
        match model::run(&settings).await {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => rows.push(Row::failed("5/7", "see 5 and 7", &format!("{e:#}"))),
        }
    }
    if settings.runs(8) {
        step("8: sync");
        match sync::run(&settings).await {
            Ok(r) => rows.push(r),
            Err(e) => rows.push(Row::failed("8 sync", "≤ 1.2× ideal", &format!("{e:#}"))),
        }
    }
    if settings.runs(3) {
        step("3: MongoDB test server");
        match mongo::run(&settings).await {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => rows.push(Row::failed("3 mongo", "≤ 1.3× raw driver", &format!("{e:#}"))),
        }
    }

    rows.sort_by_key(|r| r.scenario.clone());
    let table = report::table(&machine, &rows);
    println!("\n{table}");
    let out = PathBuf::from(std::env::var("BENCH_REPORT").unwrap_or_else(|_| "target/bench/report.json".to_owned()));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let report = report::json(&machine, &settings.json(), &rows);
    std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
    std::fs::write(out.with_extension("md"), &table)?;
    println!("written: {} and {}", out.display(), out.with_extension("md").display());
    Ok(())
}

/// Says on stderr what runs now.
pub fn step(what: &str) {
    eprintln!("bench: {} {what}", chrono::Utc::now().format("%H:%M:%S"));
}
