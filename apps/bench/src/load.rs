//! The load generator: a fixed number of concurrent workers, each sending one request after the
//! other for a fixed duration (or until a request budget is spent), with every latency recorded in
//! an HDR histogram (microseconds).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// What one request gave: `Ok(None)` records the whole request's latency, `Ok(Some(d))` records
/// `d` instead (a time to first event, say), `Err` counts an error.
pub type Outcome = Result<Option<Duration>, String>;

/// The warm-up of every load run: connections are opened and caches filled before anything is
/// recorded.
pub const WARM_UP: Duration = Duration::from_millis(500);

/// A request to send, as a boxed future.
pub type Call = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// The result of one load run.
pub struct Load {
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed.
    pub errors: u64,
    /// The first error seen.
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latencies of the successful requests, in microseconds.
    pub hist: Histogram<u64>,
    /// Concurrent workers.
    pub concurrency: usize,
}

fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

impl Load {
    /// Successful requests per second.
    #[allow(clippy::cast_precision_loss)]
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0..1) of the latency, in milliseconds.
    #[allow(clippy::cast_precision_loss)]
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    /// The mean latency in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        self.hist.mean() / 1000.0
    }

    /// The run as JSON.
    pub fn json(&self) -> Value {
        json!({
            "ok": self.ok,
            "errors": self.errors,
            "firstError": self.first_error,
            "seconds": self.elapsed.as_secs_f64(),
            "concurrency": self.concurrency,
            "rps": self.rps(),
            "meanMs": self.mean_ms(),
            "p50Ms": self.ms(0.5),
            "p90Ms": self.ms(0.9),
            "p99Ms": self.ms(0.99),
            "maxMs": self.ms(1.0),
        })
    }
}

/// Runs `make(i)` (i counts requests across workers) from `concurrency` workers: a warm-up of
/// `warm_up`, then `duration` (or until `max_requests` were measured). The workers start one after
/// the other, spread over the first half of the warm-up, so that the load is a steady stream and
/// not waves of requests sent in the same instant; only requests started after the warm-up are
/// recorded.
pub async fn run(
    concurrency: usize,
    warm_up: Duration,
    duration: Duration,
    max_requests: Option<u64>,
    make: impl Fn(u64) -> Call + Send + Sync + 'static,
) -> Load {
    let make = Arc::new(make);
    let counter = Arc::new(AtomicU64::new(0));
    let measured = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + warm_up;
    let end = measure_from + duration;
    let spread = warm_up / 2 / u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX);
    let mut workers = Vec::with_capacity(concurrency);
    for k in 0..concurrency {
        let (make, counter, measured) = (make.clone(), counter.clone(), measured.clone());
        let first = start + spread * u32::try_from(k).unwrap_or(u32::MAX);
        workers.push(tokio::spawn(async move {
            tokio::time::sleep_until(first.into()).await;
            let mut hist = new_hist();
            let (mut ok, mut errors, mut first_error) = (0u64, 0u64, None);
            loop {
                let t = Instant::now();
                if t >= end {
                    break;
                }
                let counts = t >= measure_from;
                if counts && max_requests.is_some_and(|max| measured.fetch_add(1, Ordering::Relaxed) >= max) {
                    break;
                }
                let outcome = make(counter.fetch_add(1, Ordering::Relaxed)).await;
                if !counts {
                    continue;
                }
                match outcome {
                    Ok(measured) => {
                        let d = measured.unwrap_or_else(|| t.elapsed());
                        let _ = hist.record(u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1));
                        ok += 1;
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (hist, ok, errors, first_error)
        }));
    }
    let mut load = Load { ok: 0, errors: 0, first_error: None, elapsed: Duration::ZERO, hist: new_hist(), concurrency };
    for worker in workers {
        if let Ok((hist, ok, errors, first_error)) = worker.await {
            let _ = load.hist.add(&hist);
            load.ok += ok;
            load.errors += errors;
            if load.first_error.is_none() {
                load.first_error = first_error;
            }
        }
    }
    load.elapsed = measure_from.elapsed();
    load
}

/// Sends `request`, reads the whole body and expects `status`.
pub fn http(request: reqwest::RequestBuilder, status: u16) -> Call {
    Box::pin(async move {
        let response = request.send().await.map_err(|e| format!("send: {e}"))?;
        let got = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| format!("body: {e}"))?;
        if got == status {
            Ok(None)
        } else {
            Err(format!("status {got}: {}", String::from_utf8_lossy(&body[..body.len().min(300)])))
        }
    })
}

/// Sends `request` (a streamed answer), records the time until `marker` first appears in the body,
/// then reads the rest of it; an `event: error` in the stream is an error.
pub fn first_marker(request: reqwest::RequestBuilder, marker: &'static str) -> Call {
    Box::pin(async move {
        let t = Instant::now();
        let mut response = request.send().await.map_err(|e| format!("send: {e}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("status {status}: {}", &body[..body.len().min(300)]));
        }
        let mut seen = String::new();
        let mut first = None;
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("stream: {e}"))? {
            if first.is_none() {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains(marker) {
                    first = Some(t.elapsed());
                    seen.clear();
                } else if seen.contains("event: error") {
                    return Err(format!("stream error: {}", &seen[..seen.len().min(300)]));
                }
            }
        }
        first.map(Some).ok_or_else(|| format!("no {marker:?} in the stream"))
    })
}

/// How many times scenarios 1 to 4 run each side, alternately.
pub const ROUNDS: usize = 3;

/// Runs two sides alternately [`ROUNDS`] times, so that the shared machine's drift in speed lands
/// on both; the round whose `ratio` is the median, and every round's ratio.
pub async fn alternate<A, FA, B, FB>(ratio: impl Fn(&Load, &Load) -> f64, mut a: A, mut b: B) -> (Load, Load, Vec<f64>)
where
    A: FnMut() -> FA,
    FA: std::future::Future<Output = Load>,
    B: FnMut() -> FB,
    FB: std::future::Future<Output = Load>,
{
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let (x, y) = (a().await, b().await);
        rounds.push((ratio(&x, &y), x, y));
    }
    rounds.sort_by(|p, q| p.0.total_cmp(&q.0));
    let ratios = rounds.iter().map(|r| r.0).collect();
    let (_, x, y) = rounds.swap_remove(ROUNDS / 2);
    (x, y, ratios)
}

/// `a`'s requests/s over `b`'s, for [`alternate`].
pub fn throughput_ratio(a: &Load, b: &Load) -> f64 {
    a.rps() / b.rps().max(f64::MIN_POSITIVE)
}

/// `a`'s mean latency over `b`'s, for [`alternate`].
pub fn mean_latency_ratio(a: &Load, b: &Load) -> f64 {
    a.mean_ms() / b.mean_ms().max(f64::MIN_POSITIVE)
}

/// `a`'s median latency over `b`'s, for [`alternate`].
pub fn p50_ratio(a: &Load, b: &Load) -> f64 {
    a.ms(0.5) / b.ms(0.5).max(f64::MIN_POSITIVE)
}
