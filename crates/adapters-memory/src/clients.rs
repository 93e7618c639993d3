//! [`MemoryClientStore`]: clients and their platform connections, and the sync queue over them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::RwLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::cipher::SealedToken;
use domain::client::{Client, ClientChanges};
use domain::ids::{ClientId, UserId};
use domain::paging::{ClientCursor, ClientQuery, Page, name_key};
use domain::platform::{Platform, PlatformConnection};
use domain::ports::{ClientStore, ConnectionUpdate, DueSync, StoreError, SyncQueue};

use crate::{page, read, write};

/// Clients in memory, keyed by id; every method sees only the records of the user it is given.
///
/// It is also the [`SyncQueue`]: a connection's schedule and lease live in the connection itself,
/// so the queue sees exactly what the client store wrote.
#[derive(Debug, Default)]
pub struct MemoryClientStore {
    clients: RwLock<HashMap<ClientId, Client>>,
}

impl MemoryClientStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether a connection's sync lease is free at `now` for `holder`: none, expired (a lease runs
/// until its end, exclusive), or already `holder`'s.
fn lease_free_for(connection: &PlatformConnection, holder: Option<&str>, now: DateTime<Utc>) -> bool {
    connection.sync.lease.as_ref().is_none_or(|(owner, until)| *until <= now || holder == Some(owner.as_str()))
}

/// Whether a connection is due for a sync at `now`: connected, with an account, scheduled at or
/// before `now` (an unscheduled one is not due), and not leased to a live holder.
fn is_due(connection: &PlatformConnection, now: DateTime<Utc>) -> bool {
    connection.connected
        && connection.account.is_some()
        && connection.sync.next_sync_at.is_some_and(|at| at <= now)
        && lease_free_for(connection, None, now)
}

/// Applies the fields `update` names to `connection`, and nothing else.
fn apply(connection: &mut PlatformConnection, update: &ConnectionUpdate) {
    if let Some(credentials) = &update.credentials {
        connection.credentials = Some(credentials.clone());
    }
    if let Some(account) = &update.account {
        connection.account = Some(account.clone());
    }
    if let Some((status, reason)) = &update.status {
        connection.status = *status;
        connection.status_reason.clone_from(reason);
    }
    if let Some((data, at)) = &update.synced {
        connection.data = Some(data.clone());
        connection.last_sync = Some(*at);
    }
    if let Some(next) = update.next_sync_at {
        connection.sync.next_sync_at = Some(next);
        connection.sync.lease = None;
    }
    if let Some(backfilled) = update.backfilled {
        connection.sync.backfilled = backfilled;
    }
}

/// Refuses an update whose account or figures belong to another platform, as the Mongo store does.
fn check_platform(platform: Platform, update: &ConnectionUpdate) -> Result<(), StoreError> {
    let account = update.account.as_ref().map(domain::platform::PlatformAccount::platform);
    let data = update.synced.as_ref().map(|(d, _)| d.platform());
    if account.into_iter().chain(data).any(|p| p != platform) {
        return Err(StoreError::Unexpected(anyhow::anyhow!(
            "an update of the {} connection holds an account or figures of another platform",
            platform.key()
        )));
    }
    Ok(())
}

/// `now + length`, saturating at the latest instant.
fn after(now: DateTime<Utc>, length: Duration) -> DateTime<Utc> {
    now.checked_add_signed(TimeDelta::from_std(length).unwrap_or(TimeDelta::MAX)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The client list's sort key: name in byte order, then id.
fn sort_key(client: &Client) -> (&str, ClientId) {
    (client.name.as_str(), client.id)
}

#[async_trait]
impl ClientStore for MemoryClientStore {
    async fn insert(&self, client: &Client) -> Result<(), StoreError> {
        match write(&self.clients)?.entry(client.id) {
            Entry::Occupied(_) => Err(StoreError::AlreadyExists),
            Entry::Vacant(slot) => {
                slot.insert(client.clone());
                Ok(())
            }
        }
    }

    async fn get(&self, user: UserId, id: ClientId) -> Result<Option<Client>, StoreError> {
        Ok(read(&self.clients)?.get(&id).filter(|c| c.user_id == user).cloned())
    }

    async fn list(&self, user: UserId, query: &ClientQuery) -> Result<Page<Client, ClientCursor>, StoreError> {
        let clients = read(&self.clients)?;
        // As the Mongo store's `nameKey`: the key of the prefix starts the key of the name.
        let prefix = query.name_prefix.as_deref().map(name_key);
        let after = query.after.as_ref().map(|a| (a.name.as_str(), a.id));
        let mut matching: Vec<&Client> = clients
            .values()
            .filter(|c| c.user_id == user)
            .filter(|c| query.status.is_none_or(|s| c.status == s))
            .filter(|c| prefix.as_deref().is_none_or(|p| name_key(c.name.as_str()).starts_with(p)))
            .filter(|c| after.is_none_or(|a| sort_key(c) > a))
            .collect();
        matching.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        Ok(page(matching, query.limit.get(), |c| ClientCursor { name: c.name.as_str().to_owned(), id: c.id }))
    }

    async fn update(
        &self,
        user: UserId,
        id: ClientId,
        changes: ClientChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Client>, StoreError> {
        let mut clients = write(&self.clients)?;
        let Some(client) = clients.get_mut(&id).filter(|c| c.user_id == user) else {
            return Ok(None);
        };
        changes.apply_to(client, now);
        Ok(Some(client.clone()))
    }

    async fn save_connection(
        &self,
        user: UserId,
        id: ClientId,
        connection: &PlatformConnection,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut clients = write(&self.clients)?;
        let Some(client) = clients.get_mut(&id).filter(|c| c.user_id == user) else {
            return Ok(false);
        };
        client.platforms.insert(connection.platform(), connection.clone());
        client.updated_at = now;
        Ok(true)
    }

    async fn lease_sync(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut clients = write(&self.clients)?;
        let Some(connection) = clients
            .get_mut(&id)
            .filter(|c| c.user_id == user)
            .and_then(|c| c.platforms.get_mut(&platform))
            .filter(|c| c.connected && lease_free_for(c, Some(holder), now))
        else {
            return Ok(false);
        };
        connection.sync.lease = Some((holder.to_owned(), until));
        Ok(true)
    }

    async fn update_connection(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        expected: &SealedToken,
        update: &ConnectionUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        check_platform(platform, update)?;
        let mut clients = write(&self.clients)?;
        let Some(client) = clients.get_mut(&id).filter(|c| c.user_id == user) else {
            return Ok(false);
        };
        let Some(connection) = client
            .platforms
            .get_mut(&platform)
            .filter(|c| c.connected && c.credentials.as_ref().is_some_and(|creds| creds.access_token == *expected))
        else {
            return Ok(false);
        };
        apply(connection, update);
        client.updated_at = now;
        Ok(true)
    }
}

#[async_trait]
impl SyncQueue for MemoryClientStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        holder: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueSync>, StoreError> {
        let until = after(now, lease);
        // Under the write lock: finding and leasing is one step, so two claimers never share one.
        let mut clients = write(&self.clients)?;
        let mut due: Vec<(DateTime<Utc>, DueSync)> = clients
            .values()
            .flat_map(|client| {
                client.platforms.values().filter(|c| is_due(c, now)).map(|c| {
                    let at = c.sync.next_sync_at.unwrap_or(DateTime::<Utc>::MIN_UTC);
                    (at, DueSync { user: client.user_id, client: client.id, platform: c.platform })
                })
            })
            .collect();
        // The longest overdue first, then a stable order.
        due.sort_by_key(|(at, d)| (*at, d.client, d.platform));
        due.truncate(limit);
        for (_, d) in &due {
            if let Some(connection) = clients.get_mut(&d.client).and_then(|c| c.platforms.get_mut(&d.platform)) {
                connection.sync.lease = Some((holder.to_owned(), until));
            }
        }
        Ok(due.into_iter().map(|(_, d)| d).collect())
    }
}
