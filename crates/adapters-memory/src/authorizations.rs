//! [`MemoryAuthorizationStore`]: authorizations in progress, each taken once.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ports::{AuthorizationStore, PendingAuthorization, StoreError};

use crate::lock;

/// Pending authorizations in memory, keyed by state. Taking one removes it under the lock, so a
/// state is used once; an expired one is never handed out.
#[derive(Debug, Default)]
pub struct MemoryAuthorizationStore {
    pending: Mutex<HashMap<String, PendingAuthorization>>,
}

impl MemoryAuthorizationStore {
    /// No authorization in progress.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl AuthorizationStore for MemoryAuthorizationStore {
    async fn save(&self, pending: &PendingAuthorization) -> Result<(), StoreError> {
        let mut all = lock(&self.pending)?;
        if all.contains_key(&pending.state) {
            return Err(StoreError::AlreadyExists);
        }
        all.insert(pending.state.clone(), pending.clone());
        Ok(())
    }

    async fn take(&self, state: &str, now: DateTime<Utc>) -> Result<Option<PendingAuthorization>, StoreError> {
        let mut all = lock(&self.pending)?;
        // An expired state stays where it is, as in the Mongo store until its TTL index removes
        // it: taking it away is for a callback in time only.
        if all.get(state).is_some_and(|p| p.expires_at > now) { Ok(all.remove(state)) } else { Ok(None) }
    }
}
