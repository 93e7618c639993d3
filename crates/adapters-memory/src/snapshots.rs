//! [`MemorySnapshotStore`]: dated snapshots of clients' figures.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use domain::ids::{ClientId, UserId};
use domain::platform::{DateRange, Platform, PlatformSnapshot};
use domain::ports::{SnapshotStore, StoreError};

use crate::{read, write};

/// What identifies a snapshot: its owner, client, platform and range.
type SnapshotKey = (UserId, ClientId, Platform, DateRange);

/// Snapshots in memory, one per (user, client, platform, range).
#[derive(Debug, Default)]
pub struct MemorySnapshotStore {
    snapshots: RwLock<HashMap<SnapshotKey, PlatformSnapshot>>,
}

impl MemorySnapshotStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SnapshotStore for MemorySnapshotStore {
    async fn save(&self, user: UserId, snapshot: &PlatformSnapshot) -> Result<(), StoreError> {
        let key = (user, snapshot.client_id, snapshot.data.platform(), snapshot.range);
        write(&self.snapshots)?.insert(key, snapshot.clone());
        Ok(())
    }

    async fn find(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Option<PlatformSnapshot>, StoreError> {
        Ok(read(&self.snapshots)?.get(&(user, client, platform, range)).cloned())
    }

    /// Newest range first: latest start, then latest end.
    async fn list(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
    ) -> Result<Vec<PlatformSnapshot>, StoreError> {
        let snapshots = read(&self.snapshots)?;
        let mut found: Vec<PlatformSnapshot> = snapshots
            .iter()
            .filter(|((u, c, p, _), _)| *u == user && *c == client && *p == platform)
            .map(|(_, s)| s.clone())
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.range));
        Ok(found)
    }
}
