//! Recording what a sync of a platform brought: its daily figures, the standard-window snapshots,
//! and the latest figures in the client document (decision 9).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::daily::{DailyRecord, snapshot_of};
use crate::dates::{DateRange, Preset};
use crate::ids::{ClientId, UserId};
use crate::platform::{ConnectionStatus, Platform, PlatformSnapshot};
use crate::ports::{ClientStore, ConnectionUpdate, DailyStore, SnapshotStore, StoreError};
use crate::validation::ValidationError;

/// Why figures could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    /// The records do not belong to the client and platform they are recorded for.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user has no such client.
    #[error("client not found")]
    NotFound,
    /// The client's platform is not connected, so nothing of it may be recorded.
    #[error("the client's {0} is not connected")]
    NotConnected(Platform),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one sync of one platform brought.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedFigures {
    /// The platform synced.
    pub platform: Platform,
    /// Its daily figures for the days fetched (a sync re-fetches recent days, which platforms restate).
    pub days: Vec<DailyRecord>,
    /// GA4's own user totals of the standard windows, which daily users cannot give.
    pub window_users: Vec<(DateRange, u64)>,
    /// When the figures were fetched.
    pub synced_at: DateTime<Utc>,
}

/// Records synced figures for the user's own clients only.
#[derive(Clone)]
pub struct FiguresService {
    clients: Arc<dyn ClientStore>,
    daily: Arc<dyn DailyStore>,
    snapshots: Arc<dyn SnapshotStore>,
}

impl FiguresService {
    /// A service over these ports.
    pub fn new(clients: Arc<dyn ClientStore>, daily: Arc<dyn DailyStore>, snapshots: Arc<dyn SnapshotStore>) -> Self {
        Self { clients, daily, snapshots }
    }

    /// Stores a sync's daily figures, then derives from the stored days the snapshots of the
    /// standard windows ([`Preset::STANDARD_WINDOWS`], as of the client's today) and the latest
    /// figures of the client document (the last 30 days), and marks the connection synced.
    ///
    /// # Errors
    /// [`FiguresError::NotFound`] when the user has no such client, [`FiguresError::NotConnected`]
    /// when the platform is not connected, [`FiguresError::Invalid`] when a record is of another
    /// client or platform, [`FiguresError::Store`] when the store fails.
    #[tracing::instrument(skip(self, figures), fields(user_id = %user, client_id = %id, platform = %figures.platform))]
    pub async fn record(&self, user: UserId, id: ClientId, figures: SyncedFigures) -> Result<Client, FiguresError> {
        let platform = figures.platform;
        let client = self.clients.get(user, id).await?.ok_or(FiguresError::NotFound)?;
        let expected = match client.platforms.get(&platform) {
            Some(c) if c.connected => c.credentials.as_ref().map(|creds| creds.access_token.clone()),
            _ => None,
        }
        .ok_or(FiguresError::NotConnected(platform))?;
        if let Some(stray) = figures.days.iter().find(|r| r.client_id != id || r.platform != platform) {
            return Err(ValidationError::new(
                "days",
                format!("a record of {} on {} is not of this client's {platform}", stray.platform, stray.date),
            )
            .into());
        }
        self.daily.save(user, &figures.days).await?;

        let today = client.time_zone.today(figures.synced_at);
        let windows: Vec<(Preset, DateRange)> =
            Preset::STANDARD_WINDOWS.iter().map(|&p| (p, p.range(today, false))).collect();
        let start = windows.iter().map(|(_, r)| r.start()).min().unwrap_or(today);
        let end = windows.iter().map(|(_, r)| r.end()).max().unwrap_or(today);
        let stored = self.daily.range(user, id, platform, DateRange::new(start, end)?).await?;
        let mut latest = None;
        for (preset, range) in windows {
            let days: Vec<DailyRecord> = stored.iter().filter(|r| range.contains(r.date)).cloned().collect();
            let users = figures.window_users.iter().find(|(r, _)| *r == range).map(|(_, users)| *users);
            let data = snapshot_of(platform, &days, users);
            if preset == Preset::Last30Days {
                latest = Some(data.clone());
            }
            let snapshot = PlatformSnapshot { client_id: id, range, data, fetched_at: figures.synced_at };
            self.snapshots.save(user, &snapshot).await?;
        }
        // A guarded write of the figures alone: a connection disconnected (or connected anew) while
        // the days were being stored keeps its own state.
        let update = ConnectionUpdate {
            synced: latest.map(|data| (data, figures.synced_at)),
            status: Some((ConnectionStatus::Active, None)),
            ..ConnectionUpdate::default()
        };
        if !self.clients.update_connection(user, id, platform, &expected, &update, figures.synced_at).await? {
            return Err(FiguresError::NotConnected(platform));
        }
        self.clients.get(user, id).await?.ok_or(FiguresError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::cipher::SealedToken;
    use crate::client::ClientStatus;
    use crate::daily::{DayFigures, RankedCount, SiteDay};
    use crate::platform::{PlatformAccount, PlatformConnection, PlatformData, SealedCredentials};
    use crate::ports::{MockClientStore, MockDailyStore, MockSnapshotStore};
    use crate::services::test_support::{self, client_id, user_id};

    fn synced_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
    }

    fn client_with_ga4(connected: bool) -> Client {
        let mut client = test_support::client(client_id(1), user_id(1), ClientStatus::Active);
        let mut connection = PlatformConnection::new(
            PlatformAccount::GoogleAnalytics { account_id: "1".into(), property_id: "2".into() },
            SealedCredentials {
                access_token: SealedToken::new("k1:x"),
                refresh_token: None,
                expires_at: None,
                refresh_expires_at: None,
            },
        );
        connection.connected = connected;
        client.platforms.insert(Platform::GoogleAnalytics, connection);
        client
    }

    fn day(date: NaiveDate) -> DailyRecord {
        let site = SiteDay {
            sessions: 10,
            users: 9,
            top_pages: vec![RankedCount { name: "/".into(), count: 20 }],
            ..SiteDay::default()
        };
        DailyRecord::new(client_id(1), Platform::GoogleAnalytics, date, DayFigures::Site(site)).unwrap()
    }

    fn last_90_days() -> Vec<DailyRecord> {
        Preset::Last90Days.range(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), false).iter_days().map(day).collect()
    }

    #[tokio::test]
    async fn a_sync_stores_its_days_the_window_snapshots_and_the_latest_30_days() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client_with_ga4(true))));
        let latest = Arc::new(Mutex::new(None));
        let seen = latest.clone();
        clients.expect_update_connection().times(1).returning(move |_, _, platform, expected, update, _| {
            assert_eq!((platform, expected.as_str()), (Platform::GoogleAnalytics, "k1:x"), "guarded by the token");
            *seen.lock().unwrap() = Some(update.clone());
            Ok(true)
        });
        let mut daily = MockDailyStore::new();
        daily.expect_save().times(1).returning(|_, records| {
            assert_eq!(records.len(), 90);
            Ok(())
        });
        daily
            .expect_range()
            .returning(|_, _, _, range| Ok(last_90_days().into_iter().filter(|r| range.contains(r.date)).collect()));
        let saved = Arc::new(Mutex::new(Vec::new()));
        let windows = saved.clone();
        let mut snapshots = MockSnapshotStore::new();
        snapshots.expect_save().returning(move |_, s| {
            windows.lock().unwrap().push(s.clone());
            Ok(())
        });
        let service = FiguresService::new(Arc::new(clients), Arc::new(daily), Arc::new(snapshots));
        let last_30 = Preset::Last30Days.range(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), false);
        let figures = SyncedFigures {
            platform: Platform::GoogleAnalytics,
            days: last_90_days(),
            window_users: vec![(last_30, 222)],
            synced_at: synced_at(),
        };
        service.record(user_id(1), client_id(1), figures).await.unwrap();

        let saved = saved.lock().unwrap();
        assert_eq!(saved.len(), Preset::STANDARD_WINDOWS.len());
        let users = |range: DateRange| {
            saved.iter().find(|s| s.range == range).map(|s| match &s.data {
                PlatformData::GoogleAnalytics(r) => (r.metrics.sessions, r.metrics.users),
                _ => panic!("a GA4 snapshot"),
            })
        };
        assert_eq!(users(last_30), Some((300, 222)), "the window's own user total");
        let last_7 = Preset::Last7Days.range(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), false);
        assert_eq!(users(last_7), Some((70, 63)), "no total given: the sum of daily users");
        let update = latest.lock().unwrap().clone().unwrap();
        let Some((PlatformData::GoogleAnalytics(report), at)) = update.synced else { panic!("the latest figures") };
        assert_eq!(at, synced_at());
        assert_eq!((report.metrics.sessions, report.metrics.users), (300, 222));
        assert_eq!(update.credentials, None, "the tokens are left alone");
    }

    #[tokio::test]
    async fn figures_of_a_client_the_user_does_not_own_are_not_recorded() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(None));
        let mut daily = MockDailyStore::new();
        daily.expect_save().times(0);
        let service = FiguresService::new(Arc::new(clients), Arc::new(daily), Arc::new(MockSnapshotStore::new()));
        let figures = SyncedFigures {
            platform: Platform::GoogleAnalytics,
            days: last_90_days(),
            window_users: vec![],
            synced_at: synced_at(),
        };
        let err = service.record(user_id(2), client_id(1), figures).await.unwrap_err();
        assert!(matches!(err, FiguresError::NotFound));
    }

    #[tokio::test]
    async fn figures_of_a_disconnected_platform_or_another_client_are_refused() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client_with_ga4(false))));
        let mut daily = MockDailyStore::new();
        daily.expect_save().times(0);
        let service = FiguresService::new(Arc::new(clients), Arc::new(daily), Arc::new(MockSnapshotStore::new()));
        let figures = SyncedFigures {
            platform: Platform::GoogleAnalytics,
            days: last_90_days(),
            window_users: vec![],
            synced_at: synced_at(),
        };
        let err = service.record(user_id(1), client_id(1), figures).await.unwrap_err();
        assert!(matches!(err, FiguresError::NotConnected(Platform::GoogleAnalytics)));

        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client_with_ga4(true))));
        let mut daily = MockDailyStore::new();
        daily.expect_save().times(0);
        let service = FiguresService::new(Arc::new(clients), Arc::new(daily), Arc::new(MockSnapshotStore::new()));
        let mut stray = day(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        stray.client_id = client_id(9);
        let figures = SyncedFigures {
            platform: Platform::GoogleAnalytics,
            days: vec![stray],
            window_users: vec![],
            synced_at: synced_at(),
        };
        let err = service.record(user_id(1), client_id(1), figures).await.unwrap_err();
        assert!(matches!(err, FiguresError::Invalid(_)));
    }
}
