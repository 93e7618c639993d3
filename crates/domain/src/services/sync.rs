//! Syncing connections into the daily figures: one connection now (a user's "sync now"), or every
//! connection due, spread over the replicas by leases so that no two replicas sync (and so refresh
//! the tokens of) the same connection at once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, TimeDelta, Utc};
use futures::StreamExt;

use crate::cipher::SealedToken;
use crate::daily::DailyRecord;
use crate::dates::{DateRange, Preset};
use crate::ids::{ClientId, UserId};
use crate::platform::{ConnectionStatus, Platform, PlatformConnection};
use crate::ports::{ClientStore, Clock, ConnectionUpdate, ConnectorError, DueSync, StoreError, SyncQueue, TokenCipher};
use crate::services::figures::{FiguresError, FiguresService, SyncedFigures};
use crate::services::platforms::{Connectors, PlatformError, Tokens};

/// Knobs of the sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// Time between two syncs of a connection.
    pub interval: Duration,
    /// How long a replica holds a connection it syncs; a crashed replica's work is picked up after.
    pub lease: Duration,
    /// Most connections one replica syncs at once.
    pub concurrency: usize,
    /// Days a regular sync fetches again, since platforms restate recent days.
    pub refetch_days: u64,
    /// Days the first sync back-fills.
    pub history_days: u64,
    /// Days per request of the back-fill.
    pub chunk_days: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(360 * 60),
            lease: Duration::from_secs(15 * 60),
            concurrency: 4,
            refetch_days: 35,
            history_days: 395,
            chunk_days: 92,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The platform.
    pub platform: Platform,
    /// The connection's status after it.
    pub status: ConnectionStatus,
    /// Why, when the status is not active.
    pub reason: Option<String>,
    /// Days of figures stored.
    pub days: usize,
    /// When it synced, when it did.
    pub synced_at: Option<DateTime<Utc>>,
}

/// Syncs connections.
#[derive(Clone)]
pub struct SyncService {
    clients: Arc<dyn ClientStore>,
    queue: Arc<dyn SyncQueue>,
    figures: FiguresService,
    tokens: Tokens,
    connectors: Connectors,
    settings: SyncSettings,
    holder: String,
}

/// The ports a [`SyncService`] is built from.
pub struct SyncPorts {
    /// Clients and their connections.
    pub clients: Arc<dyn ClientStore>,
    /// The connections due, across users.
    pub queue: Arc<dyn SyncQueue>,
    /// Where the figures are recorded.
    pub figures: FiguresService,
    /// Seals and opens tokens.
    pub cipher: Arc<dyn TokenCipher>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The platforms.
    pub connectors: Connectors,
}

/// Why a sync ended without figures, and what the connection's status becomes.
struct Failure {
    status: ConnectionStatus,
    reason: String,
    retry_in: Option<Duration>,
}

impl SyncService {
    /// A service over these ports, identifying this replica as `holder` in its leases.
    pub fn new(ports: SyncPorts, settings: SyncSettings, holder: impl Into<String>) -> Self {
        Self {
            tokens: Tokens { clients: ports.clients.clone(), cipher: ports.cipher, clock: ports.clock },
            clients: ports.clients,
            queue: ports.queue,
            figures: ports.figures,
            connectors: ports.connectors,
            settings,
            holder: holder.into(),
        }
    }

    /// Syncs the user's connection now, with its lease, and reports the outcome (a failed sync is a
    /// report with its status and reason, not an error).
    ///
    /// # Errors
    /// [`PlatformError::NotFound`], [`PlatformError::NotConnected`] or
    /// [`PlatformError::NoAccountChosen`] when there is nothing to sync; [`PlatformError::SyncRunning`]
    /// when another sync of it holds the lease.
    #[tracing::instrument(skip(self), fields(user_id = %user, client_id = %client))]
    pub async fn sync_now(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
    ) -> Result<SyncReport, PlatformError> {
        let found = self.clients.get(user, client).await?.ok_or(PlatformError::NotFound)?;
        let connection =
            found.platforms.get(&platform).filter(|c| c.connected).ok_or(PlatformError::NotConnected(platform))?;
        if connection.account.is_none() {
            return Err(PlatformError::NoAccountChosen(platform));
        }
        let now = self.tokens.clock.now();
        let until = now + to_delta(self.settings.lease);
        if !self.clients.lease_sync(user, client, platform, &self.holder, now, until).await? {
            return Err(PlatformError::SyncRunning);
        }
        Ok(self.sync(DueSync { user, client, platform }).await?)
    }

    /// Claims the connections due across every user and syncs them, at most
    /// [`SyncSettings::concurrency`] at a time, until none is due; how many were synced (failed
    /// syncs included).
    ///
    /// Connections are claimed in batches of four times the concurrency, the next batch as soon as
    /// the last one has all started, so that the syncs run back to back instead of waiting for a
    /// batch's slowest; a batch shorter than that means nothing else was due, and ends the run. A
    /// backlog (after an outage, say) is cleared in one run rather than one batch per tick.
    ///
    /// # Errors
    /// [`StoreError`] when the due connections cannot be claimed at all; a later claim that fails
    /// ends the run with what was synced.
    #[tracing::instrument(skip(self), fields(holder = %self.holder))]
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        /// What the stream of batches does when it is next asked.
        enum Next {
            Yield(Vec<DueSync>, bool),
            Claim,
            Done,
        }
        let batch = self.settings.concurrency.max(1) * 4;
        let first = self.claim_batch(batch).await?;
        if first.is_empty() {
            return Ok(0);
        }
        let more = first.len() == batch;
        // The claiming side owns a clone of the service: a borrowed one makes the run's future not
        // provably `Send` (a known limit of the compiler with closures returning futures).
        let batches = futures::stream::unfold((self.clone(), Next::Yield(first, more)), |(this, next)| async move {
            let (due, more) = match next {
                Next::Yield(due, more) => (due, more),
                Next::Done => return None,
                Next::Claim => match this.claim_batch(batch).await {
                    Ok(due) if !due.is_empty() => {
                        let more = due.len() == batch;
                        (due, more)
                    }
                    Ok(_) => return None,
                    Err(error) => {
                        tracing::warn!(%error, "claiming more due connections failed; the next run picks them up");
                        return None;
                    }
                },
            };
            Some((futures::stream::iter(due), (this, if more { Next::Claim } else { Next::Done })))
        });
        let results: Vec<Result<SyncReport, StoreError>> =
            batches.flatten().map(|d| self.sync(d)).buffer_unordered(self.settings.concurrency.max(1)).collect().await;
        let count = results.len();
        for error in results.into_iter().filter_map(Result::err) {
            tracing::warn!(%error, "a sync could not record its outcome");
        }
        Ok(count)
    }

    /// Claims up to `limit` due connections for this replica.
    async fn claim_batch(&self, limit: usize) -> Result<Vec<DueSync>, StoreError> {
        self.queue.claim_due(self.tokens.clock.now(), &self.holder, self.settings.lease, limit).await
    }

    /// Syncs a connection this replica holds the lease of, and records the outcome with guarded
    /// writes; the lease is released by the write of the next sync time.
    async fn sync(&self, due: DueSync) -> Result<SyncReport, StoreError> {
        let now = self.tokens.clock.now();
        let Some(client) = self.clients.get(due.user, due.client).await? else {
            return Ok(report(due.platform, ConnectionStatus::Error, Some("the client is gone".into()), 0, None));
        };
        let Some(connection) = client.platforms.get(&due.platform).filter(|c| c.connected).cloned() else {
            return Ok(report(
                due.platform,
                ConnectionStatus::Error,
                Some("the platform was disconnected".into()),
                0,
                None,
            ));
        };
        let Some(expected) = connection.credentials.as_ref().map(|c| c.access_token.clone()) else {
            return Ok(report(due.platform, ConnectionStatus::Error, None, 0, None));
        };
        let today = client.time_zone.today(now);
        match self.fetch_and_record(due, &connection, today).await {
            Ok((days, current)) => {
                let update = ConnectionUpdate {
                    next_sync_at: Some(now + to_delta(self.settings.interval)),
                    backfilled: Some(true),
                    ..ConnectionUpdate::default()
                };
                self.clients.update_connection(due.user, due.client, due.platform, &current, &update, now).await?;
                Ok(report(due.platform, ConnectionStatus::Active, None, days, Some(now)))
            }
            Err(failure) => {
                let retry = failure.retry_in.unwrap_or(self.settings.interval);
                tracing::warn!(platform = %due.platform, reason = %failure.reason, "a sync failed");
                let update = ConnectionUpdate {
                    status: Some((failure.status, Some(failure.reason.clone()))),
                    next_sync_at: Some(now + to_delta(retry)),
                    ..ConnectionUpdate::default()
                };
                // The token may have been refreshed before the failure: guard with the stored one.
                let current = self
                    .clients
                    .get(due.user, due.client)
                    .await?
                    .and_then(|c| c.platforms.get(&due.platform).and_then(|p| p.credentials.clone()))
                    .map_or(expected, |c| c.access_token);
                self.clients.update_connection(due.user, due.client, due.platform, &current, &update, now).await?;
                Ok(report(due.platform, failure.status, Some(failure.reason), 0, None))
            }
        }
    }

    /// Fetches the days to sync (the last [`SyncSettings::refetch_days`], or the whole history in
    /// chunks on the first sync) and records them; the days stored and the access token in use.
    async fn fetch_and_record(
        &self,
        due: DueSync,
        connection: &PlatformConnection,
        today: chrono::NaiveDate,
    ) -> Result<(usize, SealedToken), Failure> {
        let platform = due.platform;
        let account = connection.account.clone().ok_or_else(|| Failure {
            status: ConnectionStatus::Error,
            reason: format!("no {} account is chosen; choose one to sync", platform.display_name()),
            retry_in: None,
        })?;
        let connector = self.connectors.get(platform).map_err(|e| failure(platform, e.into()))?;
        let api = connector.api.as_ref();
        let mut access =
            self.tokens.access(due.user, due.client, connection, api, false).await.map_err(|e| failure(platform, e))?;
        let windows: Vec<DateRange> = Preset::STANDARD_WINDOWS.iter().map(|p| p.range(today, false)).collect();
        let chunks = self.chunks(today, connection.sync.backfilled);
        let mut days = Vec::new();
        let mut window_users = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let asked: &[DateRange] = if i + 1 == chunks.len() { &windows } else { &[] };
            let fetched = match api.fetch(&account, &access.token, *chunk, asked).await {
                Err(ConnectorError::Unauthorized) => {
                    // Refused: refresh once, then try again; a second refusal means reconnecting.
                    let fresh = self
                        .tokens
                        .access(due.user, due.client, connection, api, true)
                        .await
                        .map_err(|e| failure(platform, e))?;
                    access = fresh;
                    api.fetch(&account, &access.token, *chunk, asked).await.map_err(|e| match e {
                        ConnectorError::Unauthorized => failure(
                            platform,
                            ConnectorError::Revoked(format!(
                                "{name} refused this connection's renewed access; reconnect {name}",
                                name = platform.display_name()
                            ))
                            .into(),
                        ),
                        other => failure(platform, other.into()),
                    })?
                }
                other => other.map_err(|e| failure(platform, e.into()))?,
            };
            window_users.extend(fetched.window_users);
            for (date, figures) in fetched.days {
                let record = DailyRecord::new(due.client, platform, date, figures).map_err(|e| Failure {
                    status: ConnectionStatus::Error,
                    reason: format!(
                        "{} sent figures that could not be read ({e}); the previous figures are kept",
                        platform.display_name()
                    ),
                    retry_in: None,
                })?;
                days.push(record);
            }
        }
        let count = days.len();
        let synced = SyncedFigures { platform, days, window_users, synced_at: self.tokens.clock.now() };
        self.figures.record(due.user, due.client, synced).await.map_err(|e| Failure {
            status: ConnectionStatus::Error,
            reason: match e {
                FiguresError::NotConnected(_) => "the platform was disconnected during the sync".to_owned(),
                other => format!("the figures could not be stored ({other}); the sync retries later"),
            },
            retry_in: None,
        })?;
        Ok((count, access.sealed))
    }

    /// The ranges to fetch: the last `refetch_days` days, or the whole history in chunks of
    /// `chunk_days` (oldest first) when the connection has not been back-filled.
    fn chunks(&self, today: chrono::NaiveDate, backfilled: bool) -> Vec<DateRange> {
        let s = &self.settings;
        let yesterday = today - Days::new(1);
        let days = if backfilled { s.refetch_days } else { s.history_days }.max(1);
        let mut chunks = Vec::new();
        let mut end = yesterday;
        let first = today - Days::new(days);
        while end >= first {
            let start = (end - Days::new(s.chunk_days.max(1) - 1)).max(first);
            chunks.extend(DateRange::new(start, end));
            end = start - Days::new(1);
        }
        chunks.reverse();
        chunks
    }
}

fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

fn report(
    platform: Platform,
    status: ConnectionStatus,
    reason: Option<String>,
    days: usize,
    synced_at: Option<DateTime<Utc>>,
) -> SyncReport {
    SyncReport { platform, status, reason, days, synced_at }
}

/// The status and reason a failed call leaves the connection in.
fn failure(platform: Platform, error: PlatformError) -> Failure {
    let name = platform.display_name();
    let (status, reason, retry_in) = match error {
        PlatformError::Connector(ConnectorError::Revoked(reason)) => (ConnectionStatus::Expired, reason, None),
        PlatformError::Connector(ConnectorError::RateLimited { retry_after }) => (
            ConnectionStatus::Error,
            format!("{name}'s quota is used up for now; the sync retries by itself"),
            retry_after,
        ),
        PlatformError::Connector(ConnectorError::Unavailable(why)) => {
            (ConnectionStatus::Error, format!("{name} could not be reached ({why}); the sync retries by itself"), None)
        }
        PlatformError::Connector(ConnectorError::InvalidResponse(why)) => (
            ConnectionStatus::Error,
            format!("{name} sent figures that could not be read ({why}); the previous figures are kept"),
            None,
        ),
        PlatformError::Connector(other) => (ConnectionStatus::Error, other.to_string(), None),
        PlatformError::Cipher(_) => (
            ConnectionStatus::Expired,
            format!("{name}'s stored access can no longer be opened (the encryption key changed); reconnect {name}"),
            None,
        ),
        other => (ConnectionStatus::Error, other.to_string(), None),
    };
    Failure { status, reason, retry_in }
}

#[cfg(test)]
mod tests;
