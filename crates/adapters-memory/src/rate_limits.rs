//! [`MemoryRateLimitStore`]: the rate limiter's counters.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::UserId;
use domain::ports::{RateLimitStore, RateWindow, StoreError};

use crate::lock;

/// A counter's key: the user, the window's kind and its start.
type CounterKey = (UserId, &'static str, DateTime<Utc>);

/// One window's count and when the window closes.
#[derive(Debug)]
struct Counter {
    count: u64,
    ends_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Counters {
    counters: HashMap<CounterKey, Counter>,
    /// The latest window start the closed counters were dropped at.
    swept_at: Option<DateTime<Utc>>,
}

/// Rate-limit counters in memory, one per (user, window kind, window start).
///
/// Counters of closed windows are dropped lazily so that memory does not grow forever. The port gives
/// no clock, so "closed" is judged by the windows being hit: a hit on a window that starts at `t`
/// means it is at least `t` now, so every counter whose window ended by `t` is dropped. The sweep
/// runs only when a hit brings a later window start than the last sweep, so most hits stay O(1).
#[derive(Debug, Default)]
pub struct MemoryRateLimitStore {
    state: Mutex<Counters>,
}

impl MemoryRateLimitStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many counters are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().unwrap().counters.len()
    }
}

#[async_trait]
impl RateLimitStore for MemoryRateLimitStore {
    async fn hit(&self, user: UserId, window: &RateWindow) -> Result<u64, StoreError> {
        let mut state = lock(&self.state)?;
        let now_at_least = window.starts_at;
        if state.swept_at.is_none_or(|swept| now_at_least > swept) {
            state.counters.retain(|_, c| c.ends_at > now_at_least);
            state.swept_at = Some(now_at_least);
        }
        let counter = state
            .counters
            .entry((user, window.kind, window.starts_at))
            .or_insert(Counter { count: 0, ends_at: window.ends_at });
        counter.count += 1;
        Ok(counter.count)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    fn user(n: u8) -> UserId {
        UserId::from_bytes([n; 12])
    }

    fn window(kind: &'static str, start_minute: i64, minutes: i64) -> RateWindow {
        let origin = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
        let starts_at = origin + TimeDelta::minutes(start_minute);
        RateWindow { kind, starts_at, ends_at: starts_at + TimeDelta::minutes(minutes) }
    }

    #[tokio::test]
    async fn counters_of_closed_windows_are_dropped() {
        let store = MemoryRateLimitStore::new();
        let day = window("day", 0, 24 * 60);
        store.hit(user(1), &window("minute", 0, 1)).await.unwrap();
        store.hit(user(2), &window("minute", 0, 1)).await.unwrap();
        store.hit(user(1), &day).await.unwrap();
        assert_eq!(store.len(), 3);

        // At minute 5 the minute-0 windows have closed; the day is still open.
        assert_eq!(store.hit(user(1), &window("minute", 5, 1)).await.unwrap(), 1);
        assert_eq!(store.len(), 2);
        assert_eq!(store.hit(user(1), &day).await.unwrap(), 2);

        // The next day closes yesterday's counter as well.
        store.hit(user(3), &window("day", 24 * 60, 24 * 60)).await.unwrap();
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn a_hit_on_an_earlier_window_keeps_later_counters() {
        let store = MemoryRateLimitStore::new();
        store.hit(user(1), &window("minute", 10, 1)).await.unwrap();
        // A day window that opened before the minute must not sweep the minute's counter away.
        store.hit(user(1), &window("day", 0, 24 * 60)).await.unwrap();
        assert_eq!(store.hit(user(1), &window("minute", 10, 1)).await.unwrap(), 2);
        assert_eq!(store.len(), 2);
    }
}
