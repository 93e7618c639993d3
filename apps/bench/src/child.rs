//! Scenarios 9 (idle RSS) and 6 (streams held open): the release `api` binary as a child process,
//! against the baseline axum server as a child process (`bench baseline-server`), memory read
//! from `/proc/<pid>/status`.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::Semaphore;

use crate::fakes::{self, FakeModel, Pace, mib, rss_of};
use crate::report::Row;
use crate::{JWT_SECRET, Settings, http_client, seed, step};

/// A child process, killed when dropped.
struct Proc {
    child: Child,
    base: String,
    pid: String,
}

impl Proc {
    fn rss(&self) -> u64 {
        rss_of(&self.pid, "VmRSS:").unwrap_or(0)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn spawn(program: &std::path::Path, args: &[String], envs: &[(&str, String)], port: u16) -> anyhow::Result<Proc> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true);
    for (k, v) in envs {
        command.env(k, v);
    }
    let child = command.spawn().map_err(|e| anyhow::anyhow!("cannot start {}: {e}", program.display()))?;
    let pid = child.id().map(|p| p.to_string()).unwrap_or_default();
    let base = format!("http://127.0.0.1:{port}");
    fakes::wait_ready(&http_client(), &format!("{base}/health"), Duration::from_secs(30)).await?;
    Ok(Proc { child, base, pid })
}

fn api_binary() -> anyhow::Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.with_file_name("api");
    anyhow::ensure!(path.exists(), "{} is missing; build it with `cargo build --release -p api`", path.display());
    Ok(path)
}

fn api_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("BIND_ADDR", format!("127.0.0.1:{port}")),
        ("RUST_LOG", "warn".to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
    ]
}

/// The soft limit on open files.
fn fd_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        .unwrap_or(1024)
}

/// Runs 9 and 6.
#[allow(clippy::too_many_lines)]
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let api = api_binary()?;
    let me = std::env::current_exe()?;
    let base_port = fakes::free_port()?;
    let baseline = spawn(&me, &["baseline-server".to_owned(), base_port.to_string()], &[], base_port).await?;

    if settings.runs(9) {
        step("9: idle RSS");
        let port = fakes::free_port()?;
        let mut env = api_env(port);
        env.retain(|(k, _)| *k != "JWT_SECRET");
        let idle = spawn(&api, &[], &env, port).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (api_rss, base_rss) = (idle.rss(), baseline.rss());
        rows.push(Row::new(
            "9 idle RSS",
            "RSS MiB of the release `api`, embedded default, idle",
            mib(api_rss),
            mib(base_rss),
            "the baseline axum server, idle",
            "≤ 20 MB (19.07 MiB)",
            api_rss <= 20_000_000,
            json!({ "apiBytes": api_rss, "baselineBytes": base_rss, "apiPeakBytes": rss_of(&idle.pid, "VmHWM:") }),
        ));
    }

    if settings.runs(6) {
        // Each stream takes a socket from the client to the API, in the API and here; the API's
        // chats share one HTTP/2 connection to the fake model (in this process).
        let limit = fd_limit();
        let cap = usize::try_from(limit.saturating_sub(400)).unwrap_or(0);
        let streams = settings.streams.min(cap);
        step(&format!("6: {streams} streams (asked {}, fd limit {limit})", settings.streams));
        let hold = settings.stream_hold_secs;
        let fake = FakeModel::start(Pace {
            first_token: Duration::from_millis(100),
            between: Duration::from_secs(1),
            tokens: usize::try_from(hold).unwrap_or(20),
            tool_first: false,
        })
        .await?;
        let port = fakes::free_port()?;
        let mut env = api_env(port);
        env.extend([
            ("LLM_BASE_URL", fake.base_url.clone()),
            ("LLM_API_KEY", "sk-bench-not-a-key".to_owned()),
            ("LLM_TIMEOUT_SECS", "600".to_owned()),
            ("LLM_FIRST_TOKEN_TIMEOUT_SECS", "120".to_owned()),
            // Every chat a stream on one connection to the model (the fake allows any number).
            ("LLM_HTTP2", "true".to_owned()),
            ("REQUEST_TIMEOUT_SECS", "600".to_owned()),
            ("RATE_LIMIT_PER_MINUTE", u32::MAX.to_string()),
            ("RATE_LIMIT_PER_DAY", u32::MAX.to_string()),
            ("MESSAGE_CAP", "1000000".to_owned()),
            ("SEED_DEMO_CLIENTS", "false".to_owned()),
        ]);
        let server = spawn(&api, &[], &env, port).await?;
        let http = http_client();
        let user = seed::random_user();
        let keys = api::auth::JwtKeys::new(&secrecy::SecretString::from(JWT_SECRET))?;
        let token = keys.issue(user, Duration::from_secs(3600))?;
        let client: Value = http
            .post(format!("{}/v1/clients", server.base))
            .bearer_auth(&token)
            .json(&json!({ "name": "Streams Ltd" }))
            .send()
            .await?
            .json()
            .await?;
        let client_id = client["id"].as_str().ok_or_else(|| anyhow::anyhow!("no client id: {client}"))?.to_owned();
        let mut urls = Vec::new();
        for _ in 0..streams.div_ceil(100).max(1) {
            let c: Value = http
                .post(format!("{}/v1/clients/{client_id}/conversations", server.base))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            let id = c["conversationId"].as_str().ok_or_else(|| anyhow::anyhow!("no conversation: {c}"))?;
            urls.push(format!("{}/v1/conversations/{id}/messages", server.base));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let api_idle = server.rss();
        let api_streams = hold_streams(streams, hold, &server, move |i| {
            http.post(&urls[i % urls.len()])
                .bearer_auth(&token)
                .header("accept", "text/event-stream")
                .json(&json!({ "content": "How did Google Ads do last month?" }))
        })
        .await;
        let base_idle = baseline.rss();
        let h = http_client();
        let base_url = format!("{}/sse?secs={hold}", baseline.base);
        let base_streams = hold_streams(streams, hold, &baseline, move |_| h.get(&base_url)).await;
        #[allow(clippy::cast_precision_loss)]
        let per = |peak: u64, idle: u64, open: u64| (peak.saturating_sub(idle)) as f64 / open.max(1) as f64 / 1024.0;
        let api_per = per(api_streams.peak, api_idle, api_streams.open);
        let base_per = per(base_streams.peak, base_idle, base_streams.open);
        let details = json!({
            "asked": settings.streams, "streams": streams, "fdLimit": limit, "holdSecs": hold,
            "api": api_streams.json(api_idle), "baseline": base_streams.json(base_idle),
            "modelRequests": fake.requests(),
        });
        let ok = api_streams.errors == 0 && api_streams.open == streams as u64;
        rows.push(Row::new(
            "6a streams RSS",
            &format!("peak RSS MiB with {} of {streams} streams open, {} errors", api_streams.open, api_streams.errors),
            mib(api_streams.peak),
            mib(base_streams.peak),
            "the baseline axum server holding as many SSE streams",
            "no error, RSS ≤ 300 MB",
            ok && api_streams.peak <= 300_000_000,
            details.clone(),
        ));
        rows.push(Row::new(
            "6b RSS per stream",
            "KiB of RSS per open stream (peak − idle) / open",
            api_per,
            base_per,
            "the baseline's KiB per open SSE stream",
            "report (no goal)",
            ok,
            details,
        ));
    }
    Ok(rows)
}

struct Held {
    open: u64,
    errors: u64,
    first_error: Option<String>,
    peak: u64,
    at_full: u64,
    ramp_secs: f64,
}

impl Held {
    fn json(&self, idle: u64) -> Value {
        json!({
            "open": self.open, "errors": self.errors, "firstError": self.first_error,
            "idleBytes": idle, "peakBytes": self.peak, "allOpenBytes": self.at_full, "rampSecs": self.ramp_secs,
        })
    }
}

/// Opens `n` streams (at most 256 connecting at once), each read to its end; samples the server's
/// RSS meanwhile.
async fn hold_streams(n: usize, hold: u64, server: &Proc, request: impl Fn(usize) -> reqwest::RequestBuilder) -> Held {
    let open = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let connecting = Arc::new(Semaphore::new(256));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let Ok(permit) = connecting.clone().acquire_owned().await else { break };
        let (open, errors, first_error) = (open.clone(), errors.clone(), first_error.clone());
        let request = request(i);
        tasks.push(tokio::spawn(async move {
            let mut permit = Some(permit);
            let fail = |e: String| {
                errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut f) = first_error.lock() {
                    f.get_or_insert(e);
                }
            };
            let mut response = match request.send().await {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => return fail(format!("status {}", r.status())),
                Err(e) => return fail(format!("send: {e}")),
            };
            let mut counted = false;
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if !counted && String::from_utf8_lossy(&chunk).contains("event: delta") {
                            counted = true;
                            open.fetch_add(1, Ordering::Relaxed);
                            permit.take();
                        } else if String::from_utf8_lossy(&chunk).contains("event: error") {
                            return fail("error event".to_owned());
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return fail(format!("stream: {e}")),
                }
            }
            if !counted {
                fail("no delta".to_owned());
            }
        }));
    }
    let ramp_secs = start.elapsed().as_secs_f64();
    let (mut peak, mut at_full) = (0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(hold + 60);
    while !tasks.iter().all(tokio::task::JoinHandle::is_finished) && Instant::now() < deadline {
        let rss = server.rss();
        peak = peak.max(rss);
        if open.load(Ordering::Relaxed) + errors.load(Ordering::Relaxed) >= n as u64 {
            at_full = at_full.max(rss);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for task in tasks {
        task.abort();
    }
    let first_error = first_error.lock().ok().and_then(|f| f.clone());
    Held {
        open: open.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        first_error,
        peak,
        at_full,
        ramp_secs,
    }
}
