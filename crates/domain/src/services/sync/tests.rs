//! Syncing a connection against mocks of the stores and a platform.

use std::sync::Mutex;

use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::client::{Client, ClientStatus};
use crate::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use crate::platform::{PlatformAccount, SealedCredentials};
use crate::ports::{
    CipherError, FetchedFigures, MockClientStore, MockDailyStore, MockPlatformConnector, MockSnapshotStore,
    MockSyncQueue, MockTokenCipher, TokenGrant,
};
use crate::services::platforms::Connector;
use crate::services::test_support::{self, FixedClock, client_id, user_id};

const TOKEN: &str = "sealed:access";

fn cipher() -> MockTokenCipher {
    let mut cipher = MockTokenCipher::new();
    cipher
        .expect_seal()
        .returning(|t, c| Ok(SealedToken::new(format!("sealed:{}:{}", c.field.key(), t.expose_secret()))));
    cipher.expect_open().returning(|s, _| match s.as_str() {
        TOKEN => Ok(SecretString::from("access")),
        "sealed:refresh" => Ok(SecretString::from("refresh")),
        other => other
            .strip_prefix("sealed:accessToken:")
            .map(|t| SecretString::from(t.to_owned()))
            .ok_or(CipherError::Corrupt),
    });
    cipher
}

fn client(backfilled: bool) -> Client {
    let mut c = test_support::client(client_id(1), user_id(1), ClientStatus::Active);
    let credentials = SealedCredentials {
        access_token: SealedToken::new(TOKEN),
        refresh_token: Some(SealedToken::new("sealed:refresh")),
        expires_at: None,
        refresh_expires_at: None,
    };
    let mut connection =
        PlatformConnection::new(PlatformAccount::GoogleAds { customer_id: "1234567890".into() }, credentials);
    connection.sync.backfilled = backfilled;
    c.platforms.insert(Platform::GoogleAds, connection);
    c
}

fn day(date: NaiveDate) -> (NaiveDate, crate::daily::DayFigures) {
    let campaign = CampaignDay {
        campaign_id: "1".into(),
        name: "Brand".into(),
        status: CampaignStatus::Active,
        spend: 10.0,
        impressions: 100,
        clicks: 10,
        conversions: Some(1.0),
        conversion_value: None,
        leads: None,
    };
    (date, DayFigures::Ads(AdDay { currency: Currency::USD, campaigns: vec![campaign] }))
}

struct Harness {
    clients: MockClientStore,
    api: MockPlatformConnector,
    queue: MockSyncQueue,
    updates: Arc<Mutex<Vec<ConnectionUpdate>>>,
}

impl Harness {
    fn new(backfilled: bool) -> Self {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(move |_, _| Ok(Some(client(backfilled))));
        let updates = Arc::new(Mutex::new(Vec::new()));
        let seen = updates.clone();
        clients.expect_update_connection().returning(move |_, _, _, _, update, _| {
            seen.lock().unwrap().push(update.clone());
            Ok(true)
        });
        clients.expect_lease_sync().returning(|_, _, _, _, _, _| Ok(true));
        let mut api = MockPlatformConnector::new();
        api.expect_platform().return_const(Platform::GoogleAds);
        Self { clients, api, queue: MockSyncQueue::new(), updates }
    }

    fn service(self) -> SyncService {
        let clients: Arc<dyn ClientStore> = Arc::new(self.clients);
        let mut daily = MockDailyStore::new();
        daily.expect_save().returning(|_, _| Ok(()));
        daily.expect_range().returning(|_, _, _, _| Ok(vec![]));
        let mut snapshots = MockSnapshotStore::new();
        snapshots.expect_save().returning(|_, _| Ok(()));
        let figures = FiguresService::new(clients.clone(), Arc::new(daily), Arc::new(snapshots));
        let connectors =
            Connectors::new([Connector { api: Arc::new(self.api), redirect_uri: "https://app/cb".into() }]);
        SyncService::new(
            SyncPorts {
                clients,
                queue: Arc::new(self.queue),
                figures,
                cipher: Arc::new(cipher()),
                clock: Arc::new(FixedClock::default()),
                connectors,
            },
            SyncSettings::default(),
            "replica-a",
        )
    }
}

fn today() -> NaiveDate {
    FixedClock::default().0.date_naive()
}

#[tokio::test]
async fn a_first_sync_back_fills_thirteen_months_in_chunks_then_schedules_the_next() {
    let mut h = Harness::new(false);
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = ranges.clone();
    h.api.expect_fetch().returning(move |_, token, range, windows| {
        assert_eq!(token.expose_secret(), "access");
        seen.lock().unwrap().push((range, windows.len()));
        Ok(FetchedFigures { days: vec![day(range.end())], window_users: vec![] })
    });
    let updates = h.updates.clone();
    let report = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    assert_eq!(report.status, ConnectionStatus::Active);
    let ranges = ranges.lock().unwrap();
    assert_eq!(ranges.len(), 5, "395 days in chunks of 92: {ranges:?}");
    assert_eq!(ranges[0].0.start(), today() - Days::new(395));
    assert_eq!(ranges.last().unwrap().0.end(), today() - Days::new(1));
    assert!(ranges.iter().rev().skip(1).all(|(_, windows)| *windows == 0), "windows only once");
    assert_eq!(ranges.last().unwrap().1, Preset::STANDARD_WINDOWS.len());
    let updates = updates.lock().unwrap();
    let last = updates.last().unwrap();
    assert_eq!(last.backfilled, Some(true));
    assert_eq!(last.next_sync_at, Some(FixedClock::default().0 + TimeDelta::hours(6)));
    assert!(updates.iter().any(|u| u.synced.is_some()), "the latest figures are written");
    assert!(updates.iter().all(|u| u.credentials.is_none()), "no token was written back");
}

#[tokio::test]
async fn a_later_sync_fetches_the_last_35_days_again() {
    let mut h = Harness::new(true);
    h.api.expect_fetch().times(1).returning(|_, _, range, _| {
        assert_eq!(range.days(), 35);
        Ok(FetchedFigures::default())
    });
    h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_tried_again() {
    let mut h = Harness::new(true);
    let calls = Mutex::new(0);
    h.api.expect_fetch().times(2).returning(move |_, token, _, _| {
        let mut n = calls.lock().unwrap();
        *n += 1;
        if *n == 1 {
            return Err(ConnectorError::Unauthorized);
        }
        assert_eq!(token.expose_secret(), "renewed");
        Ok(FetchedFigures::default())
    });
    h.api.expect_refresh().times(1).withf(|t| t.expose_secret() == "refresh").returning(|_| {
        Ok(TokenGrant {
            access_token: SecretString::from("renewed"),
            refresh_token: None,
            expires_in: None,
            refresh_expires_in: None,
        })
    });
    let updates = h.updates.clone();
    let report = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    assert_eq!(report.status, ConnectionStatus::Active);
    let renewed = updates.lock().unwrap().iter().find_map(|u| u.credentials.clone()).unwrap();
    assert_eq!(renewed.access_token.as_str(), "sealed:accessToken:renewed");
    assert_eq!(renewed.refresh_token.unwrap().as_str(), "sealed:refresh", "the refresh token is kept");
}

#[tokio::test]
async fn a_revoked_grant_marks_the_connection_expired_and_keeps_its_figures() {
    let mut h = Harness::new(true);
    h.api.expect_fetch().returning(|_, _, _, _| Err(ConnectorError::Unauthorized));
    h.api.expect_refresh().returning(|_| {
        Err(ConnectorError::Revoked("Google no longer accepts this connection; reconnect Google Ads".into()))
    });
    let updates = h.updates.clone();
    let report = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    assert_eq!(report.status, ConnectionStatus::Expired);
    let updates = updates.lock().unwrap();
    let last = updates.last().unwrap();
    assert_eq!(last.status.as_ref().map(|(s, _)| *s), Some(ConnectionStatus::Expired));
    assert!(last.status.as_ref().unwrap().1.as_deref().unwrap().contains("reconnect Google Ads"));
    assert!(updates.iter().all(|u| u.synced.is_none()), "the previous figures stay");
}

#[tokio::test]
async fn a_malformed_payload_is_an_error_with_a_reason_and_keeps_the_previous_figures() {
    let mut h = Harness::new(true);
    h.api
        .expect_fetch()
        .returning(|_, _, _, _| Err(ConnectorError::InvalidResponse("costMicros is not a number".into())));
    let updates = h.updates.clone();
    let report = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    assert_eq!(report.status, ConnectionStatus::Error);
    assert!(report.reason.unwrap().contains("previous figures are kept"));
    assert!(updates.lock().unwrap().iter().all(|u| u.synced.is_none()));
}

#[tokio::test]
async fn a_rate_limited_sync_retries_when_the_platform_says() {
    let mut h = Harness::new(true);
    h.api
        .expect_fetch()
        .returning(|_, _, _, _| Err(ConnectorError::RateLimited { retry_after: Some(Duration::from_secs(600)) }));
    let updates = h.updates.clone();
    h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    let next = updates.lock().unwrap().last().unwrap().next_sync_at;
    assert_eq!(next, Some(FixedClock::default().0 + TimeDelta::minutes(10)));
}

#[tokio::test]
async fn a_connection_leased_by_another_sync_is_not_synced_twice() {
    let mut h = Harness::new(true);
    h.clients.checkpoint();
    h.clients.expect_get().returning(|_, _| Ok(Some(client(true))));
    h.clients.expect_lease_sync().returning(|_, _, _, _, _, _| Ok(false));
    h.api.expect_fetch().times(0);
    let err = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap_err();
    assert!(matches!(err, PlatformError::SyncRunning));
}

#[tokio::test]
async fn a_sync_that_overlaps_a_disconnect_writes_nothing_back() {
    let mut h = Harness::new(true);
    h.clients.checkpoint();
    h.clients.expect_get().returning(|_, _| Ok(Some(client(true))));
    h.clients.expect_lease_sync().returning(|_, _, _, _, _, _| Ok(true));
    // Every guarded write finds the connection disconnected.
    h.clients.expect_update_connection().returning(|_, _, _, _, _, _| Ok(false));
    h.clients.expect_save_connection().times(0);
    h.api
        .expect_fetch()
        .returning(|_, _, range, _| Ok(FetchedFigures { days: vec![day(range.end())], window_users: vec![] }));
    let report = h.service().sync_now(user_id(1), client_id(1), Platform::GoogleAds).await.unwrap();
    assert_eq!(report.status, ConnectionStatus::Error);
    assert!(report.reason.unwrap().contains("disconnected"));
}

#[tokio::test]
async fn due_connections_are_claimed_for_this_replica_and_synced() {
    let mut h = Harness::new(true);
    h.queue.expect_claim_due().times(1).withf(|_, holder, _, limit| holder == "replica-a" && *limit == 16).returning(
        |_, _, _, _| Ok(vec![DueSync { user: user_id(1), client: client_id(1), platform: Platform::GoogleAds }]),
    );
    h.api.expect_fetch().times(1).returning(|_, _, _, _| Ok(FetchedFigures::default()));
    assert_eq!(h.service().run_due().await.unwrap(), 1);
}

#[tokio::test]
async fn a_run_claims_batch_after_batch_until_a_short_one_says_nothing_else_is_due() {
    let mut h = Harness::new(true);
    let claims = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = claims.clone();
    h.queue.expect_claim_due().withf(|_, _, _, limit| *limit == 16).returning(move |_, _, _, limit| {
        // Two full batches, then the last three due.
        let n = match counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 | 1 => limit,
            2 => 3,
            _ => panic!("claimed again after a short batch"),
        };
        Ok((0..n).map(|_| DueSync { user: user_id(1), client: client_id(1), platform: Platform::GoogleAds }).collect())
    });
    h.api.expect_fetch().times(35).returning(|_, _, _, _| Ok(FetchedFigures::default()));
    assert_eq!(h.service().run_due().await.unwrap(), 35, "every claimed connection synced");
    assert_eq!(claims.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_failed_later_claim_ends_the_run_with_what_was_synced() {
    let mut h = Harness::new(true);
    let mut first = true;
    h.queue.expect_claim_due().times(2).returning(move |_, _, _, limit| {
        if std::mem::take(&mut first) {
            Ok((0..limit)
                .map(|_| DueSync { user: user_id(1), client: client_id(1), platform: Platform::GoogleAds })
                .collect())
        } else {
            Err(StoreError::Unavailable("the database went away".into()))
        }
    });
    h.api.expect_fetch().times(16).returning(|_, _, _, _| Ok(FetchedFigures::default()));
    assert_eq!(h.service().run_due().await.unwrap(), 16);
}
