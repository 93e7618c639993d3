//! [`MemoryClientStore`]: clients and their platform connections.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::RwLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::client::{Client, ClientChanges};
use domain::ids::{ClientId, UserId};
use domain::paging::{ClientCursor, ClientQuery, Page};
use domain::platform::PlatformConnection;
use domain::ports::{ClientStore, StoreError};

use crate::{page, read, write};

/// Clients in memory, keyed by id; every method sees only the records of the user it is given.
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
        let prefix = query.name_prefix.as_deref().map(str::to_lowercase);
        let after = query.after.as_ref().map(|a| (a.name.as_str(), a.id));
        let mut matching: Vec<&Client> = clients
            .values()
            .filter(|c| c.user_id == user)
            .filter(|c| query.status.is_none_or(|s| c.status == s))
            .filter(|c| prefix.as_deref().is_none_or(|p| c.name.as_str().to_lowercase().starts_with(p)))
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
}
