//! Contracts of [`SyncQueue`](domain::ports::SyncQueue), over the connections the
//! [`ClientStore`](domain::ports::ClientStore) wrote.

use std::collections::BTreeSet;
use std::time::Duration;

use domain::ids::{ClientId, UserId};
use domain::platform::{Platform, PlatformConnection, SyncSchedule};
use domain::ports::{ConnectionUpdate, DueSync};

use crate::Stores;
use crate::fixtures::{at, authorized, client, scheduled, sealed, user};

/// Ten minutes, a sync's lease.
const LEASE: Duration = Duration::from_secs(10 * 60);

/// A connection's sync as the queue hands it out.
fn due(owner: UserId, client: ClientId, platform: Platform) -> DueSync {
    DueSync { user: owner, client, platform }
}

/// The claimed syncs as a set, checking that none is there twice.
fn set(claimed: &[DueSync]) -> BTreeSet<(ClientId, Platform, UserId)> {
    let set: BTreeSet<_> = claimed.iter().map(|d| (d.client, d.platform, d.user)).collect();
    assert_eq!(set.len(), claimed.len(), "a connection claimed twice in one call: {claimed:?}");
    set
}

/// Inserts client `n` of `owner` with these connections.
async fn with_connections(stores: &Stores, owner: UserId, n: u8, connections: Vec<PlatformConnection>) -> ClientId {
    let mut c = client(owner, n, &format!("Client {n}"));
    c.platforms = connections.into_iter().map(|p| (p.platform, p)).collect();
    stores.clients.insert(&c).await.unwrap();
    c.id
}

/// Only connected connections with an account, scheduled at or before `now` and not leased to a
/// live holder, are claimed, across every user; each is leased to the claimer until `now + lease`;
/// a connection whose next sync was moved into the future (released) is not due.
pub async fn claim_due_takes_only_due_connected_connections_with_an_account(stores: Stores) {
    let (alice, bob) = (user(1), user(2));
    let leased_elsewhere = PlatformConnection {
        sync: SyncSchedule { next_sync_at: Some(at(-1)), backfilled: true, lease: Some(("replica-z".into(), at(10))) },
        ..scheduled(Platform::GoogleAnalytics, "bob-ga", None)
    };
    let expired_lease = PlatformConnection {
        sync: SyncSchedule { next_sync_at: Some(at(-3)), backfilled: false, lease: Some(("replica-z".into(), at(-1))) },
        ..scheduled(Platform::LinkedinAds, "bob-li", None)
    };
    let one = with_connections(
        &stores,
        alice,
        1,
        vec![
            scheduled(Platform::GoogleAds, "alice-gads", Some(at(-5))),
            scheduled(Platform::MetaAds, "alice-meta", Some(at(0))),
            // Authorized, no account chosen yet.
            authorized(Platform::GoogleAnalytics, "alice-ga"),
        ],
    )
    .await;
    with_connections(
        &stores,
        alice,
        2,
        vec![
            // Disconnected, yet still carrying a schedule.
            PlatformConnection { connected: false, ..scheduled(Platform::LinkedinAds, "alice-li", Some(at(-5))) },
            // An account chosen, but not scheduled (connected outside an authorization).
            scheduled(Platform::GoogleAds, "alice-gads-2", None),
        ],
    )
    .await;
    let three = with_connections(
        &stores,
        bob,
        3,
        vec![scheduled(Platform::GoogleAds, "bob-gads", Some(at(5))), leased_elsewhere, expired_lease],
    )
    .await;

    let claimed = stores.sync_queue.claim_due(at(0), "replica-a", LEASE, 10).await.unwrap();
    assert_eq!(
        set(&claimed),
        set(&[
            due(alice, one, Platform::GoogleAds),
            due(alice, one, Platform::MetaAds),
            due(bob, three, Platform::LinkedinAds),
        ])
    );
    let read = stores.clients.get(alice, one).await.unwrap().unwrap();
    assert_eq!(read.platforms[&Platform::GoogleAds].sync.lease, Some(("replica-a".to_owned(), at(10))));
    assert_eq!(read.platforms[&Platform::GoogleAds].sync.next_sync_at, Some(at(-5)), "the schedule stays");
    assert_eq!(read.platforms[&Platform::GoogleAnalytics].sync.lease, None);

    assert_eq!(stores.sync_queue.claim_due(at(1), "replica-b", LEASE, 10).await.unwrap(), vec![], "all leased");

    // Alice's Meta sync is done and released until later.
    let release =
        ConnectionUpdate { next_sync_at: Some(at(360)), backfilled: Some(true), ..ConnectionUpdate::default() };
    let meta = Platform::MetaAds;
    assert!(stores.clients.update_connection(alice, one, meta, &sealed("alice-meta"), &release, at(2)).await.unwrap());

    // At minute 10 the leases of minute 0 have expired, Bob's Google Ads is due, and replica-z's
    // lease has ended.
    let later = stores.sync_queue.claim_due(at(10), "replica-b", LEASE, 10).await.unwrap();
    assert_eq!(
        set(&later),
        set(&[
            due(alice, one, Platform::GoogleAds),
            due(bob, three, Platform::GoogleAds),
            due(bob, three, Platform::GoogleAnalytics),
            due(bob, three, Platform::LinkedinAds),
        ])
    );
    let read = stores.clients.get(bob, three).await.unwrap().unwrap();
    assert_eq!(read.platforms[&Platform::GoogleAnalytics].sync.lease, Some(("replica-b".to_owned(), at(20))));
}

/// A claim takes at most `limit` connections; the next claims take the others, never one twice.
pub async fn claim_due_respects_its_limit(stores: Stores) {
    let owner = user(1);
    let mut all = BTreeSet::new();
    for n in 1..=3 {
        let connections = vec![
            scheduled(Platform::GoogleAds, &format!("gads-{n}"), Some(at(-i64::from(n)))),
            scheduled(Platform::MetaAds, &format!("meta-{n}"), Some(at(-10))),
        ];
        let id = with_connections(&stores, owner, n, connections).await;
        all.insert((id, Platform::GoogleAds, owner));
        all.insert((id, Platform::MetaAds, owner));
    }
    let queue = &stores.sync_queue;
    assert_eq!(queue.claim_due(at(0), "replica-a", LEASE, 0).await.unwrap(), vec![]);
    let first = queue.claim_due(at(0), "replica-a", LEASE, 4).await.unwrap();
    let second = queue.claim_due(at(0), "replica-a", LEASE, 4).await.unwrap();
    let third = queue.claim_due(at(0), "replica-a", LEASE, 4).await.unwrap();
    assert_eq!((first.len(), second.len(), third.len()), (4, 2, 0));
    let (first, second) = (set(&first), set(&second));
    assert!(first.is_disjoint(&second), "{first:?} {second:?}");
    assert_eq!(first.union(&second).copied().collect::<BTreeSet<_>>(), all);
}

/// Two replicas claiming at once never take the same connection, and together take them all.
pub async fn concurrent_claims_never_take_the_same_connection(stores: Stores) {
    let mut all = BTreeSet::new();
    for n in 1..=6 {
        let owner = user(n % 2 + 1);
        let connections: Vec<PlatformConnection> =
            Platform::ALL.into_iter().map(|p| scheduled(p, &format!("{p}-{n}"), Some(at(-i64::from(n))))).collect();
        let id = with_connections(&stores, owner, n, connections).await;
        all.extend(Platform::ALL.into_iter().map(|p| (id, p, owner)));
    }
    assert_eq!(all.len(), 24);
    let claim = |holder: &'static str| {
        let queue = stores.sync_queue.clone();
        tokio::spawn(async move { queue.claim_due(at(0), holder, LEASE, 24).await.unwrap() })
    };
    let (a, b) = tokio::join!(claim("replica-a"), claim("replica-b"));
    let (a, b) = (set(&a.unwrap()), set(&b.unwrap()));
    assert!(a.is_disjoint(&b), "both claimed {:?}", a.intersection(&b).collect::<Vec<_>>());
    assert_eq!(a.union(&b).copied().collect::<BTreeSet<_>>(), all);
    for (client, platform, owner) in &all {
        let read = stores.clients.get(*owner, *client).await.unwrap().unwrap();
        let holder = read.platforms[platform].sync.lease.clone().map(|(h, _)| h);
        let wanted = if a.contains(&(*client, *platform, *owner)) { "replica-a" } else { "replica-b" };
        assert_eq!(holder.as_deref(), Some(wanted), "the lease names the replica that claimed it");
    }
}
