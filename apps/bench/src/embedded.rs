//! Scenarios 1 to 4 on the embedded (in-memory) store, with the offline analyst, against the
//! baseline axum server in the same process and the same load generator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::Application;
use axum::body::Bytes;
use chrono::{TimeDelta, Utc};
use domain::ids::{ConversationId, UserId};
use serde_json::json;

use crate::fakes::{self, FixedBodies};
use crate::load::{self, Load};
use crate::report::Row;
use crate::{Settings, bench_config, http_client, seed, step};

/// A running in-process API.
pub struct InProcess {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Its ports.
    pub ports: api::Ports,
    /// Its services.
    pub services: api::Services,
    app_token: Arc<dyn Fn(UserId) -> String + Send + Sync>,
}

impl InProcess {
    /// Builds and serves `config` in the background.
    pub async fn start(config: api::Config) -> anyhow::Result<Self> {
        let app = Application::build_with(config, |p| p).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let ports = app.ports().clone();
        let services = app.services().clone();
        let keys = api::auth::JwtKeys::new(&secrecy::SecretString::from(crate::JWT_SECRET))?;
        tokio::spawn(app.run_until(std::future::pending()));
        let app_token = Arc::new(move |user| keys.issue(user, Duration::from_secs(24 * 3600)).unwrap_or_default());
        Ok(Self { base, ports, services, app_token })
    }

    /// Builds `config` without serving it (and so without its background jobs).
    pub async fn start_unserved(config: api::Config) -> anyhow::Result<Self> {
        let app = Application::build_with(config, |p| p).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let ports = app.ports().clone();
        let services = app.services().clone();
        let keys = api::auth::JwtKeys::new(&secrecy::SecretString::from(crate::JWT_SECRET))?;
        let app_token = Arc::new(move |user| keys.issue(user, Duration::from_secs(24 * 3600)).unwrap_or_default());
        Ok(Self { base, ports, services, app_token })
    }

    /// A token for `user`.
    pub fn token(&self, user: UserId) -> String {
        (self.app_token)(user)
    }
}

fn get_rotating(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    paths: Vec<String>,
) -> impl Fn(u64) -> load::Call + Send + Sync + 'static {
    let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
    move |i| {
        let path = &paths[usize::try_from(i).unwrap_or(0) % paths.len()];
        load::http(http.get(format!("{base}{path}")).bearer_auth(&token), 200)
    }
}

fn post_rotating(
    http: &reqwest::Client,
    token: &str,
    urls: Vec<String>,
    status: u16,
) -> impl Fn(u64) -> load::Call + Send + Sync + 'static {
    let (http, token) = (http.clone(), token.to_owned());
    let body = Bytes::from(json!({ "content": "How did Google Ads do last month?" }).to_string());
    move |i| {
        let url = &urls[usize::try_from(i).unwrap_or(0) % urls.len()];
        load::http(
            http.post(url).bearer_auth(&token).header("content-type", "application/json").body(body.clone()),
            status,
        )
    }
}

async fn warm_then_run(
    settings: &Settings,
    concurrency: usize,
    max: Option<u64>,
    make: impl Fn(u64) -> load::Call + Send + Sync + 'static,
) -> Load {
    load::run(concurrency, load::WARM_UP, settings.duration(), max, make).await
}

/// Seeds `lister`'s 50 conversations and one of another user into `app`'s store.
async fn seed_lister(app: &InProcess, lister: UserId, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let client = seed::client(&app.services, lister, "Lister Ltd").await?;
    for i in 0..50 {
        seed::conversation(&app.ports, lister, client, &format!("Lister {i}"), now - TimeDelta::seconds(i)).await?;
    }
    let other = seed::random_user();
    let other_client = seed::client(&app.services, other, "Other Ltd").await?;
    seed::conversation(&app.ports, other, other_client, "Other", now).await?;
    Ok(())
}

/// Runs scenarios 1-4; their rows.
#[allow(clippy::too_many_lines)]
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let http = http_client();
    let bodies = FixedBodies::default();
    let baseline = fakes::serve(fakes::baseline_router(bodies.clone())).await?;
    let app = InProcess::start(bench_config()).await?;
    let (ports, services) = (&app.ports, &app.services);
    let c = settings.connections;

    // --- 3 (embedded): one user's 50 conversations listed in a store holding 10,000+ other users'
    // conversations (this one, once seeded below) and in a store holding one (`quiet`) ---
    let lister = seed::random_user();
    let now = Utc::now();
    seed_lister(&app, lister, now).await?;
    let quiet = if settings.runs(3) {
        let quiet = InProcess::start(bench_config()).await?;
        seed_lister(&quiet, lister, now).await?;
        Some(quiet)
    } else {
        None
    };
    let list_token = app.token(lister);
    let list_paths = vec!["/v1/conversations?limit=50".to_owned()];

    // --- the main user's data: clients, figures, conversations, big and small ones ---
    step("seeding the main user");
    let t = Instant::now();
    let user = seed::random_user();
    let token = app.token(user);
    let mut clients = Vec::new();
    for i in 0..settings.clients {
        clients.push(seed::client(services, user, &format!("Client {i:03}")).await?);
    }
    let samples = seed::sample_with_campaigns(20);
    let mut records = 0;
    for client in clients.iter().take(settings.figure_clients) {
        records += seed::figures(services, user, *client, &samples).await?;
    }
    let mut conversations: Vec<ConversationId> = Vec::with_capacity(settings.conversations);
    for i in 0..settings.conversations {
        let client = clients[i % clients.len()];
        let at = now - TimeDelta::seconds(i64::try_from(i).unwrap_or(0));
        conversations.push(seed::conversation(ports, user, client, &format!("Conversation {i}"), at).await?);
    }
    let (big_n, small_n) = (50.min(conversations.len() / 3), 50.min(conversations.len() / 3));
    let big: Vec<ConversationId> = conversations[..big_n].to_vec();
    let small: Vec<ConversationId> = conversations[big_n..big_n + small_n].to_vec();
    for id in &big {
        seed::messages(ports, user, *id, settings.big_messages).await?;
    }
    for id in &small {
        seed::messages(ports, user, *id, 10).await?;
    }
    let seeded = json!({
        "clients": clients.len(), "figureClients": settings.figure_clients.min(clients.len()),
        "dailyRecords": records, "conversations": conversations.len(),
        "bigConversations": big.len(), "bigMessages": settings.big_messages,
        "smallConversations": small.len(), "seedSeconds": t.elapsed().as_secs_f64(),
    });
    eprintln!("bench: seeded {seeded}");

    if let Some(quiet) = quiet {
        step("3: list with 10,000 and with 1 other conversation");
        let (crowded, lone, ratios) = load::alternate(
            load::mean_latency_ratio,
            || warm_then_run(settings, c, None, get_rotating(&http, &app.base, &list_token, list_paths.clone())),
            || warm_then_run(settings, c, None, get_rotating(&http, &quiet.base, &list_token, list_paths.clone())),
        )
        .await;
        let others = conversations.len() + 1;
        rows.push(Row::new(
            "3b embedded list",
            &format!("list 50 conversations, mean ms, with {others} other users' conversations"),
            crowded.mean_ms(),
            lone.mean_ms(),
            "same list in a store with 1 other conversation",
            "≤ 1.2× (independent)",
            crowded.mean_ms() <= 1.2 * lone.mean_ms() && crowded.errors == 0,
            json!({ "with1": lone.json(), "withMany": crowded.json(), "roundRatios": ratios, "others": others }),
        ));
    }

    // --- 2: get conversation (last 50 of 1,000) vs the same bytes ---
    if settings.runs(2) {
        step("2: get conversation");
        let path = format!("/v1/conversations/{}?limit=50", big[0]);
        let response = http.get(format!("{}{path}", app.base)).bearer_auth(&token).send().await?;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let bytes = response.bytes().await?;
        if let Ok(mut b) = bodies.write() {
            b.insert("conversation".to_owned(), (200, content_type, bytes.clone()));
        }
        let paths: Vec<String> = big.iter().map(|id| format!("/v1/conversations/{id}?limit=50")).collect();
        let (api, base, ratios) = load::alternate(
            load::throughput_ratio,
            || warm_then_run(settings, c, None, get_rotating(&http, &app.base, &token, paths.clone())),
            || {
                warm_then_run(
                    settings,
                    c,
                    None,
                    get_rotating(&http, &baseline, "x", vec!["/fixed/conversation".into()]),
                )
            },
        )
        .await;
        rows.push(Row::new(
            "2 get conversation",
            &format!("requests/s, last 50 of {} messages ({} bytes)", settings.big_messages, bytes.len()),
            api.rps(),
            base.rps(),
            "axum serving the same bytes",
            "≥ 0.5×",
            api.rps() >= 0.5 * base.rps() && api.errors == 0,
            json!({ "api": api.json(), "baseline": base.json(), "roundRatios": ratios, "bytes": bytes.len(), "seeded": seeded }),
        ));
    }

    // --- 1: post a message (offline analyst) vs a fixed body ---
    if settings.runs(1) {
        step("1: post message");
        let poster = seed::random_user();
        let poster_token = app.token(poster);
        let mut urls = Vec::new();
        let mut poster_clients = Vec::new();
        for i in 0..10 {
            poster_clients.push(seed::client(services, poster, &format!("Poster client {i}")).await?);
        }
        for i in 0..2_000 {
            let id = seed::conversation(ports, poster, poster_clients[i % 10], &format!("Post {i}"), now).await?;
            urls.push(format!("{}/v1/conversations/{id}/messages", app.base));
        }
        let response = http
            .post(&urls[0])
            .bearer_auth(&poster_token)
            .json(&json!({ "content": "How did Google Ads do last month?" }))
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        anyhow::ensure!(status == 201, "posting a message answered {status}: {}", String::from_utf8_lossy(&bytes));
        if let Ok(mut b) = bodies.write() {
            b.insert("message".to_owned(), (201, "application/json".to_owned(), bytes.clone()));
        }
        let (api, base, ratios) = load::alternate(
            load::throughput_ratio,
            || warm_then_run(settings, c, None, post_rotating(&http, &poster_token, urls.clone(), 201)),
            || {
                warm_then_run(
                    settings,
                    c,
                    None,
                    post_rotating(&http, "x", vec![format!("{baseline}/fixed/message")], 201),
                )
            },
        )
        .await;
        let details =
            json!({ "api": api.json(), "baseline": base.json(), "roundRatios": ratios, "answerBytes": bytes.len() });
        rows.push(Row::new(
            "1a post message",
            &format!("requests/s at {c} connections (offline analyst, embedded store)"),
            api.rps(),
            base.rps(),
            "axum returning a fixed body",
            "≥ 0.25×",
            api.rps() >= 0.25 * base.rps() && api.errors == 0,
            details.clone(),
        ));
        rows.push(Row::new(
            "1b post message p99",
            &format!("p99 latency ms at {c} connections"),
            api.ms(0.99),
            base.ms(0.99),
            "axum returning a fixed body",
            "p99 ≤ 5 ms",
            api.ms(0.99) <= 5.0,
            details,
        ));
    }

    // --- 4: a message in a 1,000-message conversation vs a 10-message one ---
    if settings.runs(4) {
        step("4: big vs small conversation");
        let per = 10u64;
        let url = |ids: &[ConversationId]| -> Vec<String> {
            ids.iter().map(|id| format!("{}/v1/conversations/{id}/messages", app.base)).collect()
        };
        // The warm-up posts to other conversations, so that the small ones stay small; each round
        // adds `per` questions and their answers to each measured one (after the three, the big
        // ones hold 1,060 messages and the small ones 70).
        let warm: Vec<ConversationId> = conversations.iter().skip(big.len() + small.len()).take(50).copied().collect();
        warm_then_run(settings, 4, Some(0), post_rotating(&http, &token, url(&warm), 201)).await;
        let n = per * big.len() as u64;
        let post_to = |ids: &[ConversationId]| {
            load::run(4, Duration::ZERO, settings.duration(), Some(n), post_rotating(&http, &token, url(ids), 201))
        };
        let (big_load, small_load, ratios) =
            load::alternate(load::mean_latency_ratio, || post_to(&big), || post_to(&small)).await;
        rows.push(Row::new(
            "4 message in big conversation",
            &format!("mean ms per message, {} vs 10 messages", settings.big_messages),
            big_load.mean_ms(),
            small_load.mean_ms(),
            "same message in a 10-message conversation",
            "≤ 1.2×",
            big_load.mean_ms() <= 1.2 * small_load.mean_ms() && big_load.errors == 0,
            json!({ "big": big_load.json(), "small": small_load.json(), "roundRatios": ratios }),
        ));
    }
    Ok(rows)
}
