//! Contracts of [`RateLimitStore`](domain::ports::RateLimitStore).

use std::sync::Arc;

use crate::fixtures::{day_window, minute_window, user};
use crate::{Stores, in_parallel};

/// Each (user, window kind, window start) has its own counter, which every hit raises by one and
/// returns.
pub async fn rate_limit_counts_per_window_and_user(stores: Stores) {
    let (me, other) = (user(1), user(2));
    let hit = |user, window| {
        let stores = stores.clone();
        async move { stores.rate_limits.hit(user, &window).await.unwrap() }
    };

    assert_eq!(hit(me, minute_window(0)).await, 1);
    assert_eq!(hit(me, minute_window(0)).await, 2);
    assert_eq!(hit(me, minute_window(0)).await, 3);
    assert_eq!(hit(other, minute_window(0)).await, 1, "another user has their own counter");
    assert_eq!(hit(me, day_window(0)).await, 1, "another kind of window starting at the same time");
    assert_eq!(hit(me, minute_window(0)).await, 4);
    assert_eq!(hit(me, day_window(0)).await, 2);
    assert_eq!(hit(me, minute_window(1)).await, 1, "the next minute starts over");
    assert_eq!(hit(me, day_window(0)).await, 3);
    assert_eq!(hit(other, minute_window(1)).await, 1);
    assert_eq!(hit(me, day_window(1)).await, 1, "the next day starts over");
}

/// Fifty hits at once on one counter return each count from 1 to 50 exactly once.
pub async fn concurrent_rate_limit_hits_are_exact(stores: Stores) {
    let me = user(1);
    let hits = (0..50)
        .map(|_| {
            let limits = Arc::clone(&stores.rate_limits);
            async move { limits.hit(me, &minute_window(7)).await.unwrap() }
        })
        .collect();
    let mut counts = in_parallel(hits).await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=50).collect::<Vec<u64>>());
    assert_eq!(stores.rate_limits.hit(me, &minute_window(7)).await.unwrap(), 51);
}
