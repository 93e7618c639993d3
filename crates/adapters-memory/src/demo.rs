//! [`MemoryDemoDataStore`]: the demo figures shared by every user.

use std::sync::RwLock;

use async_trait::async_trait;
use domain::platform::PlatformData;
use domain::ports::{DemoDataStore, StoreError};

use crate::{read, write};

/// Demo figures in memory, in the order they were seeded.
#[derive(Debug, Default)]
pub struct MemoryDemoDataStore {
    data: RwLock<Vec<PlatformData>>,
}

impl MemoryDemoDataStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl DemoDataStore for MemoryDemoDataStore {
    async fn all(&self) -> Result<Vec<PlatformData>, StoreError> {
        Ok(read(&self.data)?.clone())
    }

    /// Stores `data` when the store is empty; seeding with nothing stores nothing and answers `false`.
    async fn seed_if_empty(&self, data: &[PlatformData]) -> Result<bool, StoreError> {
        let mut stored = write(&self.data)?;
        if !stored.is_empty() || data.is_empty() {
            return Ok(false);
        }
        stored.extend_from_slice(data);
        Ok(true)
    }
}
