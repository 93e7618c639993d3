//! Scenario 8: syncing many connections against a fake platform with a fixed latency, vs the
//! ideal (calls × latency / concurrency, or calls / `PLATFORM_REQUESTS_PER_SECOND` when that is
//! slower).

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use domain::platform::{Platform, PlatformAccount};
use domain::ports::ConnectionUpdate;
use serde_json::json;

use crate::embedded::InProcess;
use crate::fakes::FakePlatform;
use crate::report::Row;
use crate::{Settings, bench_config, seed, step};

/// `PLATFORM_REQUESTS_PER_SECOND` of the run: high, so that the machinery is measured; the ideal
/// counts the pace anyway, since it is a limit by design.
const PACE: u32 = 1000;

/// Runs scenario 8.
pub async fn run(settings: &Settings) -> anyhow::Result<Row> {
    let latency = Duration::from_millis(settings.sync_latency_ms);
    let fake = FakePlatform::start(latency).await?;
    let base = &fake.base_url;
    let mut config = bench_config();
    let p = &mut config.platforms;
    p.google_client_id = Some("google-client".into());
    p.google_client_secret = Some("google-secret".to_owned().into());
    p.google_auth_url = Some(format!("{base}/o/oauth2/v2/auth"));
    p.google_token_url = Some(format!("{base}/google/token"));
    p.ga4_data_api_url = Some(format!("{base}/ga4data/v1beta"));
    p.ga4_admin_api_url = Some(format!("{base}/ga4admin/v1beta"));
    p.google_ads_api_url = Some(format!("{base}/ads"));
    p.sync_concurrency = settings.sync_concurrency;
    p.platform_requests_per_second = PACE;
    // The background sync job is not started: only `run_due` below syncs.
    let app = InProcess::start_unserved(config).await?;
    let user = seed::random_user();
    let n = settings.sync_connections;
    step(&format!("8: connecting {n} Google Ads accounts"));
    let now = Utc::now();
    for i in 0..n {
        let client = seed::client(&app.services, user, &format!("Synced {i:04}")).await?;
        // One customer per connection, as agencies have: the connector paces calls per account.
        let account = PlatformAccount::GoogleAds { customer_id: format!("{}", 1_000_000_000 + i) };
        let connected = app
            .services
            .platforms
            .connect(user, client, account, &seed::grant())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let expected = connected
            .platforms
            .get(&Platform::GoogleAds)
            .and_then(|c| c.credentials.as_ref())
            .map(|c| c.access_token.clone())
            .ok_or_else(|| anyhow::anyhow!("no credentials after connecting"))?;
        let update = ConnectionUpdate {
            next_sync_at: Some(now - TimeDelta::minutes(1)),
            backfilled: Some(true),
            ..ConnectionUpdate::default()
        };
        let due = app
            .ports
            .stores
            .clients
            .update_connection(user, client, Platform::GoogleAds, &expected, &update, now)
            .await?;
        anyhow::ensure!(due, "the connection could not be made due");
    }
    step("8: syncing");
    let before = fake.calls();
    let start = Instant::now();
    let mut synced = 0;
    loop {
        let count = app.services.sync.run_due().await?;
        if count == 0 {
            break;
        }
        synced += count;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let calls = fake.calls() - before;
    #[allow(clippy::cast_precision_loss)]
    let ideal =
        (calls as f64 * latency.as_secs_f64() / settings.sync_concurrency as f64).max(calls as f64 / f64::from(PACE));
    Ok(Row::new(
        "8 sync",
        &format!(
            "seconds to sync {synced} connections ({calls} calls, {} ms each, concurrency {})",
            settings.sync_latency_ms, settings.sync_concurrency
        ),
        elapsed,
        ideal,
        "ideal: calls × latency / concurrency (or calls / pace, when slower)",
        "≤ 1.2×",
        elapsed <= 1.2 * ideal && synced == n,
        json!({ "connections": n, "synced": synced, "calls": calls, "seconds": elapsed, "idealSeconds": ideal }),
    ))
}
