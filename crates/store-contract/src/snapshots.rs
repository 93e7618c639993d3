//! Contracts of [`SnapshotStore`](domain::ports::SnapshotStore).

use domain::platform::{Platform, PlatformData, PlatformSnapshot};

use crate::Stores;
use crate::fixtures::{client_id, data, range, snapshot, user};

/// A saved snapshot is found by exactly its user, client, platform and range, reads back equal, and
/// a later save of the same key replaces it.
pub async fn snapshots_round_trip(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let october = range("2098-10-01", "2098-10-31");
    let saved = snapshot(acme, Platform::GoogleAds, october, 1);
    stores.snapshots.save(owner, &saved).await.unwrap();

    let find = |user, client, platform, range| {
        let stores = stores.clone();
        async move { stores.snapshots.find(user, client, platform, range).await.unwrap() }
    };
    assert_eq!(find(owner, acme, Platform::GoogleAds, october).await, Some(saved.clone()));
    assert_eq!(find(owner, acme, Platform::GoogleAds, range("2098-10-01", "2098-10-30")).await, None);
    assert_eq!(find(owner, acme, Platform::MetaAds, october).await, None);
    assert_eq!(find(owner, client_id(2), Platform::GoogleAds, october).await, None);
    assert_eq!(find(user(2), acme, Platform::GoogleAds, october).await, None);

    let refreshed =
        PlatformSnapshot { data: PlatformData::GoogleAds(vec![]), ..snapshot(acme, Platform::GoogleAds, october, 2) };
    stores.snapshots.save(owner, &refreshed).await.unwrap();
    assert_eq!(find(owner, acme, Platform::GoogleAds, october).await, Some(refreshed.clone()));
    assert_eq!(stores.snapshots.list(owner, acme, Platform::GoogleAds).await.unwrap(), vec![refreshed]);

    for platform in Platform::ALL {
        let each = snapshot(acme, platform, october, 3);
        stores.snapshots.save(owner, &each).await.unwrap();
        assert_eq!(find(owner, acme, platform, october).await, Some(each));
    }
    assert_eq!(find(owner, acme, Platform::GoogleAds, october).await.unwrap().data, data(Platform::GoogleAds));
}

/// A client's snapshots of a platform are listed newest range first (latest start, then latest
/// end), without other platforms', clients' or users' snapshots.
pub async fn snapshot_lists_put_the_newest_range_first(stores: Stores) {
    let (owner, acme) = (user(1), client_id(1));
    let august = snapshot(acme, Platform::MetaAds, range("2098-08-01", "2098-08-31"), 1);
    let september = snapshot(acme, Platform::MetaAds, range("2098-09-01", "2098-09-30"), 2);
    let october = snapshot(acme, Platform::MetaAds, range("2098-10-01", "2098-10-31"), 3);
    let early_october = snapshot(acme, Platform::MetaAds, range("2098-10-01", "2098-10-15"), 4);
    for s in [&september, &early_october, &august, &october] {
        stores.snapshots.save(owner, s).await.unwrap();
    }
    stores
        .snapshots
        .save(owner, &snapshot(acme, Platform::GoogleAds, range("2098-11-01", "2098-11-30"), 5))
        .await
        .unwrap();
    stores
        .snapshots
        .save(owner, &snapshot(client_id(2), Platform::MetaAds, range("2098-11-01", "2098-11-30"), 6))
        .await
        .unwrap();
    stores
        .snapshots
        .save(user(2), &snapshot(acme, Platform::MetaAds, range("2098-12-01", "2098-12-31"), 7))
        .await
        .unwrap();

    let listed = stores.snapshots.list(owner, acme, Platform::MetaAds).await.unwrap();
    assert_eq!(listed, vec![october, early_october, september, august]);
    assert!(stores.snapshots.list(owner, acme, Platform::LinkedinAds).await.unwrap().is_empty());
    assert_eq!(stores.snapshots.list(user(2), acme, Platform::MetaAds).await.unwrap().len(), 1);
    assert!(stores.snapshots.list(user(3), acme, Platform::MetaAds).await.unwrap().is_empty());
}
