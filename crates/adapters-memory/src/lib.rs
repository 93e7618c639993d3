//! Thread-safe in-memory implementations of every storage port of [`domain::ports`].
//!
//! They serve as fakes in tests and as the embedded default store of a local run. Each store keeps
//! its records behind one `std` lock and does all of a method's work under it, so every write is
//! atomic exactly where the port promises it (an append and its counters, a rate-limit hit, a lease).
//! No lock is held across an `.await`: the methods never await while holding one.
//!
//! Their behaviour is pinned by the `store-contract` suite, which the Mongo adapter runs too.

mod authorizations;
mod clients;
mod conversations;
mod daily;
mod demo;
mod job_lock;
mod rate_limits;
mod snapshots;
mod users;

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use domain::paging::Page;
use domain::ports::{StoreError, Stores};

pub use crate::authorizations::MemoryAuthorizationStore;
pub use crate::clients::MemoryClientStore;
pub use crate::conversations::MemoryConversationStore;
pub use crate::daily::MemoryDailyStore;
pub use crate::demo::MemoryDemoDataStore;
pub use crate::job_lock::MemoryJobLock;
pub use crate::rate_limits::MemoryRateLimitStore;
pub use crate::snapshots::MemorySnapshotStore;
pub use crate::users::MemoryUserChatbotStore;

/// One in-memory store per port, empty, each shared behind an [`Arc`] so it can be handed to the
/// services as `Arc<dyn Port>`.
///
/// [`MemoryStores::conversations`] implements both `ConversationStore` and `ConversationRetention`;
/// [`MemoryStores::clients`] both `ClientStore` and `SyncQueue`, so the queue sees the connections
/// the client store wrote.
#[derive(Debug, Clone, Default)]
pub struct MemoryStores {
    /// Clients and their platform connections, and the sync queue over them.
    pub clients: Arc<MemoryClientStore>,
    /// Authorizations in progress.
    pub authorizations: Arc<MemoryAuthorizationStore>,
    /// Conversations with their messages, and their retention.
    pub conversations: Arc<MemoryConversationStore>,
    /// The chatbot's record of each user.
    pub users: Arc<MemoryUserChatbotStore>,
    /// Demo figures.
    pub demo: Arc<MemoryDemoDataStore>,
    /// Dated snapshots of clients' figures.
    pub snapshots: Arc<MemorySnapshotStore>,
    /// Clients' daily figures.
    pub daily: Arc<MemoryDailyStore>,
    /// Rate-limit counters.
    pub rate_limits: Arc<MemoryRateLimitStore>,
    /// Job leases.
    pub job_lock: Arc<MemoryJobLock>,
}

impl MemoryStores {
    /// Empty stores.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stores as the domain's ports.
    pub fn ports(&self) -> Stores {
        Stores {
            authorizations: self.authorizations.clone(),
            sync_queue: self.clients.clone(),
            clients: self.clients.clone(),
            conversations: self.conversations.clone(),
            retention: self.conversations.clone(),
            users: self.users.clone(),
            demo: self.demo.clone(),
            snapshots: self.snapshots.clone(),
            daily: self.daily.clone(),
            rate_limits: self.rate_limits.clone(),
            job_lock: self.job_lock.clone(),
        }
    }
}

/// The error for a lock left poisoned by a panic in another thread: its data may be half-written.
fn poisoned() -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("an earlier panic left the in-memory store poisoned"))
}

/// Locks `lock` for reading.
fn read<T>(lock: &RwLock<T>) -> Result<RwLockReadGuard<'_, T>, StoreError> {
    lock.read().map_err(|_| poisoned())
}

/// Locks `lock` for writing.
fn write<T>(lock: &RwLock<T>) -> Result<RwLockWriteGuard<'_, T>, StoreError> {
    lock.write().map_err(|_| poisoned())
}

/// Locks `mutex`.
fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>, StoreError> {
    mutex.lock().map_err(|_| poisoned())
}

/// The first `limit` of `sorted` items, with the cursor of the last one when more follow.
fn page<T: Clone, C>(sorted: Vec<&T>, limit: usize, cursor: impl Fn(&T) -> C) -> Page<T, C> {
    let more = sorted.len() > limit;
    let items: Vec<T> = sorted.into_iter().take(limit).cloned().collect();
    let next = if more { items.last().map(cursor) } else { None };
    Page { items, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_has_a_cursor_only_when_more_items_follow() {
        let items = [1, 2, 3];
        let full = page(items.iter().collect(), 3, |n| *n);
        assert_eq!(full, Page { items: vec![1, 2, 3], next: None });
        let short = page(items.iter().collect(), 2, |n| *n);
        assert_eq!(short, Page { items: vec![1, 2], next: Some(2) });
    }

    #[test]
    fn a_poisoned_lock_is_an_unexpected_error_not_a_panic() {
        let lock = Arc::new(RwLock::new(0));
        let held = Arc::clone(&lock);
        let _ = std::thread::spawn(move || {
            let _guard = held.write().unwrap();
            panic!("poison the lock");
        })
        .join();
        assert!(matches!(read(&lock), Err(StoreError::Unexpected(_))));
        assert!(matches!(write(&lock), Err(StoreError::Unexpected(_))));
    }
}
