//! Scenario 5 (the service's overhead around a streaming model) and scenario 7 (tokens sent to
//! the model per question, tools vs the client's data pasted into the prompt), both against the
//! fake OpenAI-compatible server.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{Days, Utc};
use domain::daily::DayFigures;
use domain::dates::DateRange;
use domain::platform::Platform;
use serde_json::{Value, json};

use crate::embedded::InProcess;
use crate::fakes::{FakeModel, MODEL, Pace};
use crate::load;
use crate::report::Row;
use crate::{Settings, bench_config, http_client, seed, step};

/// The fake's pace in scenario 5.
const FIRST_TOKEN: Duration = Duration::from_millis(50);
const BETWEEN: Duration = Duration::from_millis(5);
const TOKENS: usize = 20;

/// Runs scenarios 5 and 7.
#[allow(clippy::too_many_lines)]
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let pace = Pace { first_token: FIRST_TOKEN, between: BETWEEN, tokens: TOKENS, tool_first: false };
    let fake = FakeModel::start(pace).await?;
    let mut config = bench_config();
    config.llm.base_url = Some(fake.base_url.clone());
    config.llm.api_key = Some(secrecy::SecretString::from("sk-bench-not-a-key"));
    config.llm.timeout_secs = 600;
    config.llm.first_token_timeout_secs = 120;
    let app = InProcess::start(config).await?;
    let http = http_client();

    if settings.runs(5) {
        step("5: time to first token through the API vs from the fake directly");
        let user = seed::random_user();
        let token = app.token(user);
        let client = seed::client(&app.services, user, "Streaming Co").await?;
        let mut urls = Vec::new();
        for i in 0..(settings.chats * 4).max(1) {
            let id = seed::conversation(&app.ports, user, client, &format!("Chat {i}"), Utc::now()).await?;
            urls.push(format!("{}/v1/conversations/{id}/messages", app.base));
        }
        let body = json!({ "content": "How did Google Ads do last month?" }).to_string();
        let (h, t, b) = (http.clone(), token.clone(), body.clone());
        let through = move |i: u64| {
            let url = &urls[usize::try_from(i).unwrap_or(0) % urls.len()];
            load::first_marker(
                h.post(url)
                    .bearer_auth(&t)
                    .header("accept", "text/event-stream")
                    .header("content-type", "application/json")
                    .body(b.clone()),
                "event: delta",
            )
        };
        let direct_body = json!({
            "model": MODEL, "stream": true, "stream_options": { "include_usage": true },
            "messages": [{ "role": "user", "content": "How did Google Ads do last month?" }]
        })
        .to_string();
        let direct_url = format!("{}/chat/completions", fake.base_url);
        let h = http.clone();
        let direct = move |_| {
            load::first_marker(
                h.post(&direct_url).header("content-type", "application/json").body(direct_body.clone()),
                "Spend",
            )
        };
        let chats = settings.chats;
        let direct_load = load::run(chats, load::WARM_UP, settings.duration(), None, direct).await;
        let api_load = load::run(chats, load::WARM_UP, settings.duration(), None, through).await;
        let overhead = api_load.ms(0.99) - direct_load.ms(0.99);
        rows.push(Row::new(
            "5 overhead around the model",
            &format!("p99 time to first token ms at {chats} concurrent chats (overhead {overhead:.1} ms)"),
            api_load.ms(0.99),
            direct_load.ms(0.99),
            "the same client streaming from the fake directly",
            "overhead p99 ≤ 5 ms",
            overhead <= 5.0 && api_load.errors == 0,
            json!({
                "api": api_load.json(), "direct": direct_load.json(),
                "overheadP50Ms": api_load.ms(0.5) - direct_load.ms(0.5), "overheadP99Ms": overhead,
                "fake": { "firstTokenMs": FIRST_TOKEN.as_millis(), "betweenMs": BETWEEN.as_millis(), "tokens": TOKENS },
            }),
        ));
    }

    if settings.runs(7) {
        step("7: tokens per question");
        rows.push(tokens(&app, &fake, &http).await?);
    }
    Ok(rows)
}

/// Scenario 7.
#[allow(clippy::too_many_lines)]
async fn tokens(app: &InProcess, fake: &FakeModel, http: &reqwest::Client) -> anyhow::Result<Row> {
    fake.set_pace(Pace { first_token: Duration::ZERO, between: Duration::ZERO, tokens: 20, tool_first: true });
    let user = seed::random_user();
    let token = app.token(user);
    let client = seed::client(&app.services, user, "Four Platforms Inc").await?;
    let samples = seed::sample_with_campaigns(20);
    let campaigns: usize = samples
        .iter()
        .map(|s| match s {
            domain::platform::PlatformData::GoogleAds(c) => c.len(),
            domain::platform::PlatformData::MetaAds(c) => c.len(),
            domain::platform::PlatformData::LinkedinAds(c) => c.len(),
            domain::platform::PlatformData::GoogleAnalytics(_) => 0,
        })
        .sum();
    let records = seed::figures(&app.services, user, client, &samples).await?;
    let conversation = seed::conversation(&app.ports, user, client, "Tokens", Utc::now()).await?;
    let question = "How did our campaigns perform last month compared to the month before?";
    fake.record(true);
    let response = http
        .post(format!("{}/v1/conversations/{conversation}/messages", app.base))
        .bearer_auth(&token)
        .json(&json!({ "content": question }))
        .send()
        .await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let bodies = fake.bodies();
    fake.record(false);
    anyhow::ensure!(status == 201, "the question answered {status}: {text}");

    let bpe = tiktoken_rs::o200k_base()?;
    let count = |s: &str| bpe.encode_with_special_tokens(s).len();
    let parsed: Vec<Value> = bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect();
    let chat_bodies: Vec<&String> =
        bodies.iter().zip(&parsed).filter(|(_, p)| p["stream"] == json!(true)).map(|(b, _)| b).collect();
    let with_tools: usize = chat_bodies.iter().map(|b| count(b)).sum();
    let all: usize = bodies.iter().map(|b| count(b)).sum();

    // The baseline: the first round's request without tools, the client's daily data pasted in.
    let first = parsed.iter().find(|p| p["stream"] == json!(true)).cloned().unwrap_or(Value::Null);
    let today = Utc::now().date_naive();
    let range = DateRange::new(today - Days::new(domain::demo::HISTORY_DAYS), today - Days::new(1))
        .map_err(|e| anyhow::anyhow!("history range: {e:?}"))?;
    let mut pasted = String::from("date,platform,campaign,spend,impressions,clicks,conversions\n");
    for platform in [Platform::GoogleAnalytics, Platform::GoogleAds, Platform::MetaAds, Platform::LinkedinAds] {
        for record in app.ports.stores.daily.range(user, client, platform, range).await? {
            match &record.figures {
                DayFigures::Ads(day) => {
                    for c in &day.campaigns {
                        let _ = writeln!(
                            pasted,
                            "{},{},{},{:.2},{},{},{}",
                            record.date,
                            platform.key(),
                            c.name,
                            c.spend,
                            c.impressions,
                            c.clicks,
                            c.conversions.map_or(String::new(), |v| format!("{v:.1}"))
                        );
                    }
                }
                DayFigures::Site(day) => {
                    let _ = writeln!(
                        pasted,
                        "{},{},site,sessions={},users={},pageviews={},bounces={}",
                        record.date,
                        platform.key(),
                        day.sessions,
                        day.users,
                        day.pageviews,
                        day.bounces
                    );
                }
            }
        }
    }
    let mut baseline = first.clone();
    if let Some(obj) = baseline.as_object_mut() {
        obj.remove("tools");
        obj.remove("tool_choice");
    }
    if let Some(messages) = baseline["messages"].as_array_mut() {
        messages.insert(
            messages.len().saturating_sub(1),
            json!({ "role": "user", "content": format!("The client's daily figures (CSV):\n{pasted}") }),
        );
    }
    let pasted_tokens = count(&baseline.to_string());
    #[allow(clippy::cast_precision_loss)]
    let (measured, base) = (with_tools as f64, pasted_tokens as f64);
    Ok(Row::new(
        "7 tokens per question",
        &format!("tokens sent to the model ({} rounds, tools)", chat_bodies.len()),
        measured,
        base,
        "one request with the daily data pasted (CSV)",
        "≤ 0.25×",
        measured <= 0.25 * base,
        json!({
            "platforms": samples.len(), "campaigns": campaigns, "dailyRecords": records,
            "requests": bodies.len(), "tokensWithTools": with_tools, "tokensAllRequestsWithTitle": all,
            "tokensPasted": pasted_tokens, "pastedCsvBytes": pasted.len(), "tokenizer": "o200k_base",
            "firstRequestTokens": chat_bodies.first().map(|b| count(b)),
        }),
    ))
}
