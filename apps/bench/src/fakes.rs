//! The servers the benchmark measures against: the baseline axum server (fixed bodies, held-open
//! streams), a fake OpenAI-compatible Chat Completions server with a fixed first-token delay and
//! token pace, and a fake Google Ads API with a fixed latency.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use chrono::{Days, Utc};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Serves `router` on a free loopback port in the background; its base URL.
pub async fn serve(router: Router) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service()).await;
    });
    Ok(format!("http://{addr}"))
}

/// Serves `router` like [`serve`], and also HTTP/2 with prior knowledge (h2c), with no limit on
/// concurrent streams: the fake model, so that the API can multiplex every chat on one connection.
pub async fn serve_h2c(router: Router) -> anyhow::Result<String> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            // As `axum::serve` does: an accept error (out of file descriptors) is waited out.
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let service = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let mut builder = Builder::new(TokioExecutor::new());
                builder.http2().max_concurrent_streams(None);
                let _ = builder.serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

// --- baseline ----------------------------------------------------------------------------------

/// Bodies the baseline serves under `/fixed/{name}`: status, content type and bytes.
pub type FixedBodies = Arc<RwLock<HashMap<String, (u16, String, Bytes)>>>;

/// The baseline server: `/fixed/{name}` answers the stored bytes to any method, `/sse?secs=N`
/// holds a stream open for N seconds with an event each second, `/health` answers 200.
pub fn baseline_router(bodies: FixedBodies) -> Router {
    Router::new()
        .route("/fixed/{name}", any(fixed))
        .route("/sse", get(held_stream))
        .route("/health", get(|| async { "ok" }))
        .with_state(bodies)
}

async fn fixed(State(bodies): State<FixedBodies>, Path(name): Path<String>) -> Response {
    let found = bodies.read().ok().and_then(|b| b.get(&name).cloned());
    match found {
        Some((status, content_type, bytes)) => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), [(header::CONTENT_TYPE, content_type)], bytes)
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn held_stream(Query(query): Query<HashMap<String, String>>) -> Response {
    let secs: u64 = query.get("secs").and_then(|s| s.parse().ok()).unwrap_or(10);
    let stream = futures::stream::unfold(0u64, move |i| async move {
        if i > secs {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Some((Ok::<_, Infallible>(format!("event: delta\ndata: {{\"text\":\"t{i}\"}}\n\n")), i + 1))
    });
    ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(stream)).into_response()
}

/// `bench baseline-server PORT`: the baseline alone, as a child process whose memory is measured.
pub async fn run_baseline_child(port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, baseline_router(FixedBodies::default()).into_make_service()).await?;
    Ok(())
}

// --- fake model ----------------------------------------------------------------------------------

/// The model name the fake reports (priced by the built-in table).
pub const MODEL: &str = "gpt-4o-mini-2024-07-18";

/// How the fake model answers.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Delay before the first content token.
    pub first_token: Duration,
    /// Delay between two tokens.
    pub between: Duration,
    /// Content tokens per answer.
    pub tokens: usize,
    /// Whether the first round of a question asks for a tool (`get_platform_summary`).
    pub tool_first: bool,
}

/// A fake OpenAI-compatible server's handle.
pub struct FakeModel {
    /// `http://127.0.0.1:port/v1`.
    pub base_url: String,
    state: Arc<ModelState>,
}

struct ModelState {
    pace: RwLock<Pace>,
    record: AtomicBool,
    bodies: Mutex<Vec<String>>,
    requests: AtomicU64,
}

impl FakeModel {
    /// Starts the fake on a free port.
    pub async fn start(pace: Pace) -> anyhow::Result<Self> {
        let state = Arc::new(ModelState {
            pace: RwLock::new(pace),
            record: AtomicBool::new(false),
            bodies: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
        });
        let router = Router::new().route("/v1/chat/completions", post(complete)).with_state(state.clone());
        let base = serve_h2c(router).await?;
        Ok(Self { base_url: format!("{base}/v1"), state })
    }

    /// Changes how it answers.
    pub fn set_pace(&self, pace: Pace) {
        if let Ok(mut p) = self.state.pace.write() {
            *p = pace;
        }
    }

    /// Starts (or stops) keeping the request bodies, and forgets those kept.
    pub fn record(&self, on: bool) {
        self.state.record.store(on, Ordering::SeqCst);
        if let Ok(mut b) = self.state.bodies.lock() {
            b.clear();
        }
    }

    /// The request bodies kept.
    pub fn bodies(&self) -> Vec<String> {
        self.state.bodies.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Requests received.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }
}

fn chunk(delta: &Value, finish: Option<&str>) -> String {
    let event = json!({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": MODEL,
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }]
    });
    format!("data: {event}\n\n")
}

fn usage_and_done(prompt: u64, completion: u64) -> String {
    let usage = json!({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": MODEL, "choices": [],
        "usage": { "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion }
    });
    format!("data: {usage}\n\ndata: [DONE]\n\n")
}

async fn complete(State(state): State<Arc<ModelState>>, body: String) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    if state.record.load(Ordering::SeqCst)
        && let Ok(mut bodies) = state.bodies.lock()
    {
        bodies.push(body.clone());
    }
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let pace = state
        .pace
        .read()
        .map_or(Pace { first_token: Duration::ZERO, between: Duration::ZERO, tokens: 1, tool_first: false }, |p| *p);
    if request["stream"] != json!(true) {
        let title = json!({
            "id": "chatcmpl-title", "object": "chat.completion", "model": MODEL,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "\"Campaign results\"" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 60, "completion_tokens": 4, "total_tokens": 64 }
        });
        return axum::Json(title).into_response();
    }
    let has_tool_result = request["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
    if pace.tool_first && !has_tool_result && request.get("tools").is_some() {
        let mut body = String::new();
        body.push_str(&chunk(
            &json!({ "role": "assistant", "content": null, "tool_calls": [
                { "index": 0, "id": "call_1", "type": "function", "function": { "name": "get_platform_summary",
                  "arguments": "{\"platform\":\"googleAds\",\"range\":{\"preset\":\"last_30_days\"}}" } }
            ] }),
            None,
        ));
        body.push_str(&chunk(&json!({}), Some("tool_calls")));
        body.push_str(&usage_and_done(1_200, 30));
        return ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response();
    }
    let stream = futures::stream::unfold(0usize, move |i| async move {
        if i > pace.tokens {
            return None;
        }
        let piece = if i == 0 {
            tokio::time::sleep(pace.first_token).await;
            chunk(&json!({ "role": "assistant", "content": "Spend " }), None)
        } else {
            tokio::time::sleep(pace.between).await;
            let mut text = chunk(&json!({ "content": format!("word{i} ") }), None);
            if i == pace.tokens {
                text.push_str(&chunk(&json!({}), Some("stop")));
                text.push_str(&usage_and_done(2_000, pace.tokens as u64));
            }
            text
        };
        Some((Ok::<_, Infallible>(piece), i + 1))
    });
    ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(stream)).into_response()
}

// --- fake platform ---------------------------------------------------------------------------------

/// A fake Google Ads API answering every call after a fixed latency.
pub struct FakePlatform {
    /// Its base URL.
    pub base_url: String,
    calls: Arc<AtomicU64>,
}

impl FakePlatform {
    /// Starts it on a free port.
    pub async fn start(latency: Duration) -> anyhow::Result<Self> {
        let calls = Arc::new(AtomicU64::new(0));
        let counted = calls.clone();
        let router = Router::new().fallback(any(move |body: String| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(latency).await;
                platform_answer(&body)
            }
        }));
        Ok(Self { base_url: serve(router).await?, calls })
    }

    /// Calls received.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

/// A `searchStream` answer: two campaigns for yesterday and the day before, in one batch.
fn platform_answer(_body: &str) -> Response {
    let today = Utc::now().date_naive();
    let mut results = Vec::new();
    for days_back in [2u64, 1] {
        let date = (today - Days::new(days_back)).to_string();
        for (id, name) in [("111", "Brand Search"), ("222", "Performance Max")] {
            results.push(json!({
                "customer": { "resourceName": "customers/1234567890", "currencyCode": "USD" },
                "campaign": { "resourceName": format!("customers/1234567890/campaigns/{id}"), "id": id, "name": name, "status": "ENABLED" },
                "metrics": { "costMicros": "125000000", "clicks": "320", "impressions": "10000", "conversions": 4.0, "conversionsValue": 320.0 },
                "segments": { "date": date }
            }));
        }
    }
    axum::Json(
        json!([{ "results": results, "fieldMask": "campaign.id,campaign.name,segments.date", "requestId": "bench" }]),
    )
    .into_response()
}

/// A free loopback port (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Waits until `url` answers 200, for up to `timeout`.
pub async fn wait_ready(http: &reqwest::Client, url: &str, timeout: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if start.elapsed() > timeout {
            anyhow::bail!("{url} did not answer within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `VmRSS` (or `VmHWM`) of a process, in bytes.
pub fn rss_of(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Formats a byte count in MiB.
#[allow(clippy::cast_precision_loss)]
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
