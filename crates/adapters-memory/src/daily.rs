//! [`MemoryDailyStore`]: clients' daily figures.

use std::collections::BTreeMap;
use std::sync::RwLock;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::daily::DailyRecord;
use domain::dates::DateRange;
use domain::ids::{ClientId, UserId};
use domain::platform::Platform;
use domain::ports::{DailyStore, StoreError};

use crate::{read, write};

/// What identifies a daily record: its owner, client, platform and day. The day comes last, so that
/// one client's platform is a contiguous, date-ordered run of the map.
type DailyKey = (UserId, ClientId, Platform, NaiveDate);

/// Daily records in memory, one per (user, client, platform, day), in key order.
#[derive(Debug, Default)]
pub struct MemoryDailyStore {
    records: RwLock<BTreeMap<DailyKey, DailyRecord>>,
}

impl MemoryDailyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl DailyStore for MemoryDailyStore {
    async fn save(&self, user: UserId, records: &[DailyRecord]) -> Result<(), StoreError> {
        let mut stored = write(&self.records)?;
        for record in records {
            stored.insert((user, record.client_id, record.platform, record.date), record.clone());
        }
        Ok(())
    }

    async fn range(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Vec<DailyRecord>, StoreError> {
        let first = (user, client, platform, range.readable().start());
        let last = (user, client, platform, range.end());
        Ok(read(&self.records)?.range(first..=last).map(|(_, record)| record.clone()).collect())
    }
}
