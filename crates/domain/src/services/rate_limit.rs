//! The per-user message rate limit (decision 4): a burst per minute and a daily cap.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::ids::UserId;
use crate::ports::{RateLimitStore, RateWindow, StoreError};

/// How many messages a user may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Messages per calendar minute.
    pub per_minute: u32,
    /// Messages per UTC day.
    pub per_day: u32,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self { per_minute: 20, per_day: 500 }
    }
}

/// Counts each user's messages in fixed windows kept in the store, so every replica sees the same
/// counts. The minute window is checked first: a message refused by the burst limit does not use up
/// the daily allowance.
#[derive(Clone)]
pub struct RateLimiter {
    store: Arc<dyn RateLimitStore>,
    policy: RateLimitPolicy,
}

impl RateLimiter {
    /// A limiter with this policy over this store.
    pub fn new(store: Arc<dyn RateLimitStore>, policy: RateLimitPolicy) -> Self {
        Self { store, policy }
    }

    /// Counts one message of `user` at `now`; `Some(retry_after)` when it is over the limit.
    ///
    /// # Errors
    /// [`StoreError`] when the counters cannot be updated.
    pub async fn check(&self, user: UserId, now: DateTime<Utc>) -> Result<Option<Duration>, StoreError> {
        let windows = [
            (window("minute", now, TimeDelta::minutes(1)), self.policy.per_minute),
            (window("day", now, TimeDelta::days(1)), self.policy.per_day),
        ];
        for (window, limit) in windows {
            if self.store.hit(user, &window).await? > u64::from(limit) {
                let wait = (window.ends_at - now).to_std().unwrap_or(Duration::ZERO);
                // Round up to whole seconds: Retry-After speaks in seconds.
                return Ok(Some(Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))));
            }
        }
        Ok(None)
    }
}

fn window(kind: &'static str, now: DateTime<Utc>, length: TimeDelta) -> RateWindow {
    let starts_at = now.duration_trunc(length).unwrap_or(now);
    RateWindow { kind, starts_at, ends_at: starts_at + length }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ports::MockRateLimitStore;
    use crate::services::test_support::user_id;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).unwrap()
    }

    fn limiter(minute_count: u64, day_count: u64) -> RateLimiter {
        let mut store = MockRateLimitStore::new();
        store.expect_hit().returning(move |_, w| Ok(if w.kind == "minute" { minute_count } else { day_count }));
        RateLimiter::new(Arc::new(store), RateLimitPolicy { per_minute: 20, per_day: 500 })
    }

    #[tokio::test]
    async fn messages_within_both_limits_pass() {
        assert_eq!(limiter(20, 500).check(user_id(1), at(10, 0, 0)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_twenty_first_message_in_a_minute_waits_for_the_next_minute() {
        let wait = limiter(21, 21).check(user_id(1), at(10, 15, 45)).await.unwrap();
        assert_eq!(wait, Some(Duration::from_secs(15)));
    }

    #[tokio::test]
    async fn over_the_daily_cap_waits_until_midnight_utc() {
        let wait = limiter(1, 501).check(user_id(1), at(22, 0, 0)).await.unwrap();
        assert_eq!(wait, Some(Duration::from_secs(2 * 3600)));
    }

    #[tokio::test]
    async fn a_message_refused_per_minute_does_not_count_against_the_day() {
        let mut store = MockRateLimitStore::new();
        store.expect_hit().withf(|_, w| w.kind == "minute").times(1).returning(|_, _| Ok(99));
        store.expect_hit().withf(|_, w| w.kind == "day").times(0);
        let limiter = RateLimiter::new(Arc::new(store), RateLimitPolicy::default());
        assert!(limiter.check(user_id(1), at(1, 0, 0)).await.unwrap().is_some());
    }

    #[test]
    fn windows_are_aligned_to_the_clock() {
        let w = window("minute", at(10, 15, 45), TimeDelta::minutes(1));
        assert_eq!((w.starts_at, w.ends_at), (at(10, 15, 0), at(10, 16, 0)));
        let d = window("day", at(10, 15, 45), TimeDelta::days(1));
        assert_eq!(d.starts_at, at(0, 0, 0));
    }
}
